import { Deferred, Effect, Fiber, FiberSet, Ref, Schema } from "effect"
import { InvalidInput, JobNotResumable, JobNotRunning } from "../domain/errors.js"
import type { JobId, LandId } from "../domain/ids.js"
import type { Job } from "../domain/job.js"
import { Frontier } from "../services/Frontier.js"
import { JobRepo } from "../services/JobRepo.js"
import { WorkerRegistry } from "../services/WorkerRegistry.js"
import { crawlLand } from "./crawl.js"
import { CrawlOptions } from "./crawl-options.js"
import { EmbedOptions } from "./embed-options.js"
import { crawlWithEmbed, embedLand } from "./embedding.js"
import type { JobHooks } from "./job-run.js"
import { PseudolinksRequest } from "../domain/search.js"
import { analyseAfterCrawl, analyseLandMedia } from "./media-analysis.js"
import { MediaOptions } from "./media-options.js"
import { pseudolinksLand } from "./pseudolinks.js"
import { readableLand } from "./readable.js"
import { ReadableOptions } from "./readable-options.js"
import { workOnRunningCrawls } from "./worker.js"

/** The work of a job, given the hooks by which the supervisor follows it. */
type JobBody<R> = (hooks: JobHooks) => Effect.Effect<unknown, unknown, R>

const RESUMABLE: ReadonlyArray<Job["status"]> = ["interrupted", "cancelled", "failed"]

// A crawl asked for `media` goes on with a media job of its own, one asked for `embed` has an embed job beside it
// (registered by the same hook, hence cancellable).
const crawling = (landId: LandId, options: CrawlOptions) => (hooks: JobHooks) =>
  crawlWithEmbed(landId, options.embed, (h) => crawlLand(landId, options, h), hooks).pipe(
    Effect.flatMap(({ crawl }) => analyseAfterCrawl(landId, options, crawl, { ...hooks, resumeJobId: undefined }))
  )

const analysing = (landId: LandId, options: MediaOptions) => (hooks: JobHooks) => analyseLandMedia(landId, options, hooks)

const reading = (landId: LandId, options: ReadableOptions) => (hooks: JobHooks) => readableLand(landId, options, hooks)

const embedding = (landId: LandId, options: EmbedOptions) => (hooks: JobHooks) => embedLand(landId, options, hooks)

/**
 * Runs jobs of every kind in background fibers owned by the server (not by the HTTP request that started them). At
 * start it marks the jobs of dead processes interrupted and gives their claimed URLs back to the frontier; cancel
 * interrupts a job's fiber cleanly; resume continues an interrupted job from what the database holds (the frontier,
 * the media not analysed yet, the pages its readable pass has not written).
 */
const makeSupervisor = Effect.gen(function*() {
    const jobs = yield* JobRepo
    const frontier = yield* Frontier
    const fibers = yield* FiberSet.make<unknown, unknown>()
    const running = new Map<number, { readonly fiber: Fiber.RuntimeFiber<unknown, unknown>; readonly cancelled: Ref.Ref<boolean> }>()

    const dead = yield* jobs.interruptStale()
    yield* frontier.release(dead)
    // On a PostgreSQL server the server is a worker too: it joins the crawls other processes run.
    if ((yield* WorkerRegistry).shared) {
      yield* Effect.forkScoped(workOnRunningCrawls({ runsAlready: (id) => running.has(id) }).pipe(
        Effect.catchAllCause((cause) => Effect.logWarning("the server stopped joining running crawls", cause))
      ))
    }

    /** Starts a job's fiber and answers once its row exists (or with the reason it could not start). */
    const launch = <R>(body: JobBody<R>, resumeJobId?: JobId) =>
      Effect.gen(function*() {
        const started = yield* Deferred.make<Job, unknown>()
        const self = yield* Deferred.make<Fiber.RuntimeFiber<unknown, unknown>>()
        const cancelled = yield* Ref.make(false)
        const onJob = (job: Job) =>
          Deferred.await(self).pipe(
            Effect.tap((fiber) => Effect.sync(() => running.set(job.id, { fiber, cancelled }))),
            Effect.zipRight(Deferred.succeed(started, job)),
            Effect.asVoid
          )
        const fiber = yield* FiberSet.run(fibers, body({ resumeJobId, cancelled, onJob }).pipe(
          Effect.tapErrorCause((cause) => Deferred.failCause(started, cause)),
          Effect.ensuring(Effect.sync(() => {
            for (const [id, entry] of running) if (entry.cancelled === cancelled) running.delete(id)
          })),
          Effect.catchAllCause((cause) => Effect.logWarning("job ended with an error", cause))
        ))
        yield* Deferred.succeed(self, fiber)
        return yield* Deferred.await(started)
      })

    const startCrawl = (landId: LandId, crawl: CrawlOptions) => launch(crawling(landId, crawl))
    const startMedia = (landId: LandId, media: MediaOptions) => launch(analysing(landId, media))
    const startReadable = (landId: LandId, readable: ReadableOptions) => launch(reading(landId, readable))
    const startEmbed = (landId: LandId, embed: EmbedOptions) => launch(embedding(landId, embed))
    const startPseudolinks = (landId: LandId, request: PseudolinksRequest) =>
      launch((hooks) => pseudolinksLand(landId, request, hooks))

    const cancel = (id: number) =>
      Effect.gen(function*() {
        const job = yield* jobs.get(id)
        const entry = running.get(id)
        // The fiber of a crawl that went on with its media job still runs: that crawl is over all the same.
        if (entry === undefined || job.status !== "running") return yield* new JobNotRunning({ id, status: job.status })
        yield* Ref.set(entry.cancelled, true)
        yield* Fiber.interrupt(entry.fiber)
        return yield* jobs.get(id)
      })

    const parametersOf = <A, I>(schema: Schema.Schema<A, I>, job: Job) =>
      Schema.decodeUnknown(schema)(job.parameters).pipe(
        Effect.mapError(() => new InvalidInput({ field: "parameters", reason: `job ${job.id} has unreadable parameters` }))
      )

    const resume = (id: number) =>
      Effect.gen(function*() {
        const job = yield* jobs.get(id)
        if (!RESUMABLE.includes(job.status)) return yield* new JobNotResumable({ id, kind: job.kind, status: job.status })
        switch (job.kind) {
          case "crawl":
            return yield* launch(crawling(job.landId, yield* parametersOf(CrawlOptions, job)), job.id)
          case "media":
            return yield* launch(analysing(job.landId, yield* parametersOf(MediaOptions, job)), job.id)
          case "readable":
            return yield* launch(reading(job.landId, yield* parametersOf(ReadableOptions, job)), job.id)
          case "embed":
            return yield* launch(embedding(job.landId, yield* parametersOf(EmbedOptions, job)), job.id)
          case "pseudolinks": {
            // Runs again from the start: each run replaces the land's pairs.
            const request = yield* parametersOf(PseudolinksRequest, job)
            return yield* launch((hooks) => pseudolinksLand(job.landId, request, hooks), job.id)
          }
        }
      })

    return {
      startCrawl,
      startMedia,
      startReadable,
      startEmbed,
      startPseudolinks,
      cancel,
      resume
    } as const
  })

/** The server's jobs, run in fibers of its own scope. */
export class JobSupervisor extends Effect.Service<JobSupervisor>()("mwi/JobSupervisor", { scoped: makeSupervisor }) {}

import { Deferred, Effect, Fiber, FiberSet, Layer, Ref, Schema } from "effect"
import { InvalidInput } from "../domain/errors.js"
import type { JobId, LandId } from "../domain/ids.js"
import type { Job } from "../domain/job.js"
import { Frontier } from "../services/Frontier.js"
import { JobRepo } from "../services/JobRepo.js"
import { crawlLand, type CrawlEnvironment } from "./crawl.js"
import { CrawlOptions } from "./crawl-options.js"

export class JobNotRunning extends Schema.TaggedError<JobNotRunning>()("JobNotRunning", { id: Schema.Number, status: Schema.String }) {
  override get message() {
    return `job ${this.id} is ${this.status}, not running in this server`
  }
}

export class JobNotResumable extends Schema.TaggedError<JobNotResumable>()("JobNotResumable", { id: Schema.Number, status: Schema.String }) {
  override get message() {
    return `job ${this.id} is ${this.status}; only interrupted, cancelled or failed jobs can be resumed`
  }
}

export interface SupervisorOptions {
  /** Server configuration, never a request option: may crawls reach private addresses? */
  readonly allowPrivateNetwork?: boolean | undefined
  readonly fetcher?: CrawlEnvironment["fetcher"]
}

/**
 * Runs jobs in background fibers owned by the server (not by the HTTP request that started them). At start it marks
 * the jobs of dead processes interrupted and gives their claimed URLs back to the frontier; cancel interrupts a job's
 * fiber cleanly; resume continues an interrupted job from the database frontier.
 */
export const makeSupervisor = (options: SupervisorOptions) =>
  Effect.gen(function*() {
    const jobs = yield* JobRepo
    const frontier = yield* Frontier
    const fibers = yield* FiberSet.make<unknown, unknown>()
    const running = new Map<number, { readonly fiber: Fiber.RuntimeFiber<unknown, unknown>; readonly cancelled: Ref.Ref<boolean> }>()

    const dead = yield* jobs.interruptStale()
    yield* frontier.release(dead)

    const launch = (landId: LandId, crawl: CrawlOptions, resumeJobId?: JobId) =>
      Effect.gen(function*() {
        const started = yield* Deferred.make<Job, unknown>()
        const cancelled = yield* Ref.make(false)
        const fiber = yield* FiberSet.run(fibers, crawlLand(landId, crawl, {
          allowPrivateNetwork: options.allowPrivateNetwork,
          fetcher: options.fetcher,
          resumeJobId,
          cancelled,
          onJob: (job) => Deferred.succeed(started, job).pipe(Effect.asVoid)
        }).pipe(
          Effect.tapErrorCause((cause) => Deferred.failCause(started, cause)),
          Effect.ensuring(Effect.sync(() => {
            for (const [id, entry] of running) if (entry.cancelled === cancelled) running.delete(id)
          })),
          Effect.catchAllCause((cause) => Effect.logWarning("job ended with an error", cause))
        ))
        const job = yield* Deferred.await(started)
        running.set(job.id, { fiber, cancelled })
        return job
      })

    const startCrawl = (landId: LandId, crawl: CrawlOptions) => launch(landId, crawl)

    const cancel = (id: number) =>
      Effect.gen(function*() {
        const entry = running.get(id)
        if (entry === undefined) {
          const job = yield* jobs.get(id)
          return yield* new JobNotRunning({ id, status: job.status })
        }
        yield* Ref.set(entry.cancelled, true)
        yield* Fiber.interrupt(entry.fiber)
        return yield* jobs.get(id)
      })

    const resume = (id: number) =>
      Effect.gen(function*() {
        const job = yield* jobs.get(id)
        if (job.status !== "interrupted" && job.status !== "cancelled" && job.status !== "failed") {
          return yield* new JobNotResumable({ id, status: job.status })
        }
        const crawl = yield* Schema.decodeUnknown(CrawlOptions)(job.parameters).pipe(
          Effect.mapError(() => new InvalidInput({ field: "parameters", reason: `job ${id} has unreadable parameters` }))
        )
        return yield* launch(job.landId, crawl, job.id)
      })

    return {
      startCrawl,
      cancel,
      resume,
      runningCount: () => running.size
    } as const
  })

export class JobSupervisor extends Effect.Tag("mwi/JobSupervisor")<JobSupervisor, Effect.Effect.Success<ReturnType<typeof makeSupervisor>>>() {
  static readonly layer = (options: SupervisorOptions) => Layer.scoped(JobSupervisor, makeSupervisor(options))
}

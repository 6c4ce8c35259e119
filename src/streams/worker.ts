import { Effect, FiberSet, Option, Schema } from "effect"
import { InvalidInput } from "../domain/errors.js"
import type { LandId } from "../domain/ids.js"
import type { Job } from "../domain/job.js"
import { JobRepo } from "../services/JobRepo.js"
import { WorkerRegistry } from "../services/WorkerRegistry.js"
import { crawlLand } from "./crawl.js"
import { CrawlOptions, type CrawlSummary } from "./crawl-options.js"

// How often a worker looks for crawls started since (by a user, the API, another worker's command).
const LOOK_EVERY = "1 second"

export interface WorkerOptions {
  /** Requests in flight at once on this worker, per job, over each job's own `concurrency`. */
  readonly concurrency?: number | undefined
  /** Told when this process starts working on a job and when it stops (the job ended, or the worker stops). */
  readonly onJoin?: ((job: Job) => Effect.Effect<void>) | undefined
  readonly onLeave?: ((summary: CrawlSummary) => Effect.Effect<void>) | undefined
  /** Jobs this process runs already by other means (the server's own). */
  readonly runsAlready?: ((jobId: number) => boolean) | undefined
}

/** The options a running crawl was started with, for a worker joining it. */
export const joiningOptions = (job: Job, concurrency?: number | string) =>
  Schema.decodeUnknown(CrawlOptions)({ ...job.parameters, ...(concurrency === undefined ? {} : { concurrency }) }).pipe(
    Effect.mapError(() => new InvalidInput({ field: "parameters", reason: `job ${job.id} has unreadable parameters` }))
  )

/** On a PostgreSQL server, the crawl running on the land (another process's), which a new crawl joins. */
export const runningCrawlOn = (landId: LandId) =>
  Effect.gen(function*() {
    if (!(yield* WorkerRegistry).shared) return Option.none<Job>()
    const jobs = yield* JobRepo
    // A crawl whose processes all died (a kill -9 on this machine) is resumed, not joined.
    yield* jobs.interruptStale(landId)
    return Option.fromNullable((yield* jobs.liveOnLand(landId, "crawl"))[0])
  })

/**
 * Works on the running crawls of a PostgreSQL server until interrupted: joins each (the hosts it leases, the URLs it
 * claims of them) as it appears, leaves it when it ends. Interrupted, it gives its claims and hosts back; the crawls go
 * on with the other workers.
 */
export const workOnRunningCrawls = (options: WorkerOptions = {}) =>
  Effect.gen(function*() {
    const registry = yield* WorkerRegistry
    if (!registry.shared) {
      return yield* new InvalidInput({
        field: "MWI_DATABASE_URL",
        reason: "several workers share a PostgreSQL server: set MWI_DATABASE_URL (the embedded database is one process's)"
      })
    }
    const jobs = yield* JobRepo
    const fibers = yield* FiberSet.make()
    const working = new Set<number>()
    const join = (job: Job) =>
      Effect.gen(function*() {
        const crawl = yield* joiningOptions(job, options.concurrency)
        if (options.onJoin) yield* options.onJoin(job)
        const summary = yield* crawlLand(job.landId, crawl, { resumeJobId: job.id })
        if (options.onLeave) yield* options.onLeave(summary)
      }).pipe(
        Effect.catchAllCause((cause) => Effect.logWarning(`worker: job ${job.id} ended with an error`, cause)),
        Effect.ensuring(Effect.sync(() => working.delete(job.id)))
      )
    yield* Effect.forever(Effect.gen(function*() {
      for (const job of yield* jobs.runningCrawls) {
        if (working.has(job.id) || options.runsAlready?.(job.id)) continue
        working.add(job.id)
        yield* FiberSet.run(fibers, join(job))
      }
      yield* Effect.sleep(LOOK_EVERY)
    }))
  }).pipe(Effect.scoped)

import { Effect, Option, PubSub, Schema } from "effect"
import { JobCounters, JobKind, JobStatus, JobUnit } from "../domain/job.js"

/** What job watchers (CLI progress bar, WebSocket clients) receive. */
export const JobEvent = Schema.Struct({
  type: Schema.Literal("snapshot", "progress", "final"),
  jobId: Schema.Int,
  landId: Schema.Int,
  kind: JobKind,
  seq: Schema.Int,
  status: JobStatus,
  counters: JobCounters,
  /** Items done per second by this run, in `unit`. */
  perSecond: Schema.Number,
  unit: JobUnit,
  elapsedMs: Schema.Number,
  stage: Schema.NullOr(Schema.String),
  error: Schema.NullOr(Schema.String),
  /** A job making requests: the current interval between request starts of its slowest hosts (adaptive pacing). */
  hosts: Schema.optional(Schema.Array(Schema.Struct({ host: Schema.String, intervalMs: Schema.Number })))
})
export type JobEvent = typeof JobEvent.Type

const LATEST_KEPT = 1024

/**
 * The progress bus. A sliding PubSub: a watcher that cannot keep up loses old progress events, never blocks the
 * crawl; the final event is the last one published, so a watcher always ends on it.
 */
export class Progress extends Effect.Service<Progress>()("mwi/Progress", {
  scoped: Effect.gen(function*() {
    const bus = yield* Effect.acquireRelease(PubSub.sliding<JobEvent>(4096), PubSub.shutdown)
    // The last event of each job of this process: a watcher connecting mid-job starts from the live counters, which
    // are fresher than the job row's (saved once a second). Bounded, least recently published out first: a job still
    // running publishes several times a second, and a finished one is described by its row as well.
    const latest = new Map<number, JobEvent>()
    // The jobs this process works on: the others' progress is relayed from their rows (src/http/job-relay.ts).
    const working = new Set<number>()
    const remember = (event: JobEvent) => {
      latest.delete(event.jobId)
      latest.set(event.jobId, event)
      if (latest.size > LATEST_KEPT) latest.delete(latest.keys().next().value!)
      return PubSub.publish(bus, event)
    }
    return {
      /** An event of a job this process works on. */
      publish: (event: JobEvent) =>
        Effect.suspend(() => {
          if (event.type === "final") working.delete(event.jobId)
          else working.add(event.jobId)
          return remember(event)
        }).pipe(Effect.asVoid),
      /** An event of a job other processes work on, read from its row. */
      relay: (event: JobEvent) => Effect.suspend(() => remember(event)).pipe(Effect.asVoid),
      worksOn: (jobId: number) => working.has(jobId),
      subscribe: PubSub.subscribe(bus),
      latest: (jobId: number) => Effect.sync(() => Option.fromNullable(latest.get(jobId)))
    } as const
  })
}) {}

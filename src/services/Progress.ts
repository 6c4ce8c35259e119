import { Effect, PubSub, Schema } from "effect"
import { JobCounters, JobKind, JobStatus } from "../domain/job.js"

/** What job watchers (CLI progress bar, WebSocket clients) receive. */
export const JobEvent = Schema.Struct({
  type: Schema.Literal("snapshot", "progress", "final"),
  jobId: Schema.Int,
  landId: Schema.Int,
  kind: JobKind,
  seq: Schema.Int,
  status: JobStatus,
  counters: JobCounters,
  pagesPerSecond: Schema.Number,
  elapsedMs: Schema.Number,
  stage: Schema.NullOr(Schema.String),
  error: Schema.NullOr(Schema.String)
})
export type JobEvent = typeof JobEvent.Type

/**
 * The progress bus. A sliding PubSub: a watcher that cannot keep up loses old progress events, never blocks the
 * crawl; the final event is the last one published, so a watcher always ends on it.
 */
export class Progress extends Effect.Service<Progress>()("Progress", {
  scoped: Effect.gen(function*() {
    const bus = yield* Effect.acquireRelease(PubSub.sliding<JobEvent>(4096), PubSub.shutdown)
    return {
      publish: (event: JobEvent) => PubSub.publish(bus, event).pipe(Effect.asVoid),
      subscribe: PubSub.subscribe(bus)
    } as const
  })
}) {}

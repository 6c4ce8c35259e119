import { Schema } from "effect"
import { JobId, LandId } from "./ids.js"

export const JobKind = Schema.Literal("crawl", "readable", "media", "embed", "pseudolinks")
export type JobKind = typeof JobKind.Type

/** queued → running → (completed | failed | cancelled | interrupted); interrupted jobs can be resumed. */
export const JobStatus = Schema.Literal("queued", "running", "completed", "failed", "cancelled", "interrupted")
export type JobStatus = typeof JobStatus.Type

export const isFinished = (status: JobStatus): boolean =>
  status === "completed" || status === "failed" || status === "cancelled"

export const JobCounters = Schema.Struct({
  queued: Schema.Int,
  fetched: Schema.Int,
  failed: Schema.Int,
  skipped: Schema.Int,
  discovered: Schema.Int
})
export type JobCounters = typeof JobCounters.Type

export class Job extends Schema.Class<Job>("Job")({
  id: JobId,
  landId: LandId,
  kind: JobKind,
  parameters: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  status: JobStatus,
  counters: JobCounters,
  progress: Schema.Number,
  stage: Schema.NullOr(Schema.String),
  result: Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  error: Schema.NullOr(Schema.String),
  createdAt: Schema.DateFromSelf,
  startedAt: Schema.NullOr(Schema.DateFromSelf),
  finishedAt: Schema.NullOr(Schema.DateFromSelf),
  heartbeatAt: Schema.NullOr(Schema.DateFromSelf)
}) {}

import { Schema } from "effect"
import { JobId, LandId } from "./ids.js"

export const JobKind = Schema.Literal("crawl", "readable", "media", "embed", "pseudolinks")
export type JobKind = typeof JobKind.Type

/** queued → running → (completed | failed | cancelled | interrupted); interrupted jobs can be resumed. */
export const JobStatus = Schema.Literal("queued", "running", "completed", "failed", "cancelled", "interrupted")
export type JobStatus = typeof JobStatus.Type

export const isFinished = (status: JobStatus): boolean =>
  status === "completed" || status === "failed" || status === "cancelled"

/** What every job counts while it runs, whatever its items are; users see it named per kind (`countersOf`). */
export interface JobTally {
  readonly queued: number
  readonly done: number
  readonly failed: number
  readonly skipped: number
  readonly discovered: number
}

export const CrawlCounters = Schema.Struct({
  queued: Schema.Int,
  fetched: Schema.Int,
  failed: Schema.Int,
  skipped: Schema.Int,
  discovered: Schema.Int
}).annotations({ identifier: "CrawlCounters", description: "pages of a crawl" })

export const ReadableCounters = Schema.Struct({
  queued: Schema.Int,
  updated: Schema.Int,
  unchanged: Schema.Int,
  failed: Schema.Int,
  discovered: Schema.Int
}).annotations({ identifier: "ReadableCounters", description: "pages whose readable text was re-extracted" })

export const MediaCounters = Schema.Struct({
  queued: Schema.Int,
  analysed: Schema.Int,
  failed: Schema.Int,
  skipped: Schema.Int
}).annotations({ identifier: "MediaCounters", description: "media files analysed" })

export const EmbedCounters = Schema.Struct({
  queued: Schema.Int,
  embedded: Schema.Int,
  failed: Schema.Int,
  skipped: Schema.Int
}).annotations({ identifier: "EmbedCounters", description: "pages split into paragraphs and embedded" })

export const PseudolinksCounters = Schema.Struct({
  queued: Schema.Int,
  searched: Schema.Int,
  failed: Schema.Int,
  skipped: Schema.Int,
  pairs: Schema.Int
}).annotations({ identifier: "PseudolinksCounters", description: "paragraphs searched for their nearest, pairs stored" })

export const JobCounters = Schema.Union(CrawlCounters, ReadableCounters, MediaCounters, EmbedCounters, PseudolinksCounters)
export type JobCounters = typeof JobCounters.Type

/** What a job's items are, for rates ("files per second") and progress lines. */
export const JobUnit = Schema.Literal("pages", "files", "paragraphs")
export type JobUnit = typeof JobUnit.Type

// Each kind's names for the tally's fields; a field without a name is not counted by that kind.
const vocabulary = {
  crawl: { unit: "pages", done: "fetched", skipped: "skipped", discovered: "discovered" },
  readable: { unit: "pages", done: "updated", skipped: "unchanged", discovered: "discovered" },
  media: { unit: "files", done: "analysed", skipped: "skipped", discovered: null },
  embed: { unit: "pages", done: "embedded", skipped: "skipped", discovered: null },
  pseudolinks: { unit: "paragraphs", done: "searched", skipped: "skipped", discovered: "pairs" }
} as const satisfies Record<JobKind, { unit: JobUnit; done: string; skipped: string; discovered: string | null }>

export const unitOf = (kind: JobKind): JobUnit => vocabulary[kind].unit

export const countersOf = (kind: JobKind, t: JobTally): JobCounters => {
  const names = vocabulary[kind]
  return {
    queued: t.queued,
    [names.done]: t.done,
    failed: t.failed,
    [names.skipped]: t.skipped,
    ...(names.discovered === null ? {} : { [names.discovered]: t.discovered })
  } as JobCounters
}

export const tallyOf = (kind: JobKind, c: JobCounters): JobTally => {
  const names = vocabulary[kind]
  const named = c as unknown as Record<string, number | undefined>
  return {
    queued: c.queued,
    done: named[names.done] ?? 0,
    failed: c.failed,
    skipped: named[names.skipped] ?? 0,
    discovered: names.discovered === null ? 0 : named[names.discovered] ?? 0
  }
}

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

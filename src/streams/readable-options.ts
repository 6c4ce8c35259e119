import { Schema } from "effect"
import { MergeStrategy } from "../domain/readable-merge.js"
import { between } from "./crawl-options.js"

/** The options of a readable job, as the CLI takes them (kebab-case) and the API (camelCase). */
export const ReadableOptions = Schema.Struct({
  /** Pages processed by this run at most; none means every selected page. */
  limit: Schema.optionalWith(Schema.NullOr(between("limit", 1, 100_000_000)), { default: () => null }),
  /** Only pages at most this deep; none means every page. */
  depth: Schema.optionalWith(Schema.NullOr(between("depth", 0, 100)), { default: () => null }),
  merge: Schema.optionalWith(MergeStrategy, { default: () => "smart_merge" as const }),
  /** Ask the web archive when the stored HTML gives no readable text (or there is none). */
  archive: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  /** Links of a page are recorded when its new relevance is at least this; 0 records every page's links. */
  minrel: Schema.optionalWith(Schema.Number.pipe(Schema.nonNegative()), { default: () => 1 }),
  /** New link targets are created only at most this deep (as the crawl's --depth). */
  maxDepth: Schema.optionalWith(between("maxDepth", 0, 100), { default: () => 3 }),
  /** Pages re-extracted at once, and archive requests in flight at once. */
  concurrency: Schema.optionalWith(between("concurrency", 1, 200), { default: () => 10 }),
  /** Requests in flight on one host (the archive is one host). */
  perHost: Schema.optionalWith(between("perHost", 1, 50), { default: () => 1 }),
  /** Minimum milliseconds between two requests to one host. */
  delayMs: Schema.optionalWith(between("delayMs", 0, 600_000), { default: () => 1000 })
})
export type ReadableOptions = typeof ReadableOptions.Type

export const ReadableSummary = Schema.Struct({
  jobId: Schema.Int,
  landId: Schema.Int,
  status: Schema.String,
  /** Pages whose stored content changed. */
  updated: Schema.Int,
  /** Pages re-extracted with the same result as stored. */
  unchanged: Schema.Int,
  /** Pages no source gave readable text for (the reason is stored on the page). */
  failed: Schema.Int,
  /** Which source won, over the pages processed by this run. */
  sources: Schema.Struct({ readability: Schema.Int, archive: Schema.Int, heuristic: Schema.Int }),
  /** Why the web archive was given up during this run (it answered nothing several times in a row), else null. */
  archiveUnreachable: Schema.NullOr(Schema.String),
  /** New expressions created from rebuilt links. */
  discovered: Schema.Int,
  /** Selected pages not processed yet (left by --limit, or by an interruption). */
  pending: Schema.Int,
  durationMs: Schema.Number,
  pagesPerSecond: Schema.Number
})
export type ReadableSummary = typeof ReadableSummary.Type

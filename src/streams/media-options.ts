import { Schema } from "effect"
import { between, type CrawlOptions, maxConcurrency } from "./crawl-options.js"

/** The options of a media analysis job, as the CLI takes them (kebab-case) and the API (camelCase). */
export const MediaOptions = Schema.Struct({
  /** Only the media of pages at most this deep; none means every page. */
  depth: Schema.optionalWith(Schema.NullOr(between("depth", 0, 100)), { default: () => null }),
  /** Only the media of pages at least this relevant; none means every page. */
  minrel: Schema.optionalWith(Schema.NullOr(Schema.Number.pipe(Schema.nonNegative())), { default: () => null }),
  /** Downloads in flight at once; decoding is bounded by this and by the number of CPUs. */
  concurrency: Schema.optionalWith(between("concurrency", 1, 200), { default: () => 8 }),
  /** Downloads in flight on one host. */
  perHost: Schema.optionalWith(between("perHost", 1, 50), { default: () => 2 }),
  /** Minimum milliseconds between two downloads from one host. */
  delayMs: Schema.optionalWith(between("delayMs", 0, 600_000), { default: () => 200 }),
  /** Files larger than this are not downloaded (images) or not counted further (video, audio): 10 MiB. */
  maxBytes: Schema.optionalWith(between("maxBytes", 1024, 1024 * 1024 * 1024), { default: () => 10 * 1024 * 1024 })
})
export type MediaOptions = typeof MediaOptions.Type

export const MediaSummary = Schema.Struct({
  jobId: Schema.Int,
  landId: Schema.Int,
  status: Schema.String,
  /** Files analysed (images decoded; video and audio typed and sized). */
  analysed: Schema.Int,
  /** Files whose analysis ended in an error, stored on their rows. */
  failed: Schema.Int,
  /** Files recorded without decoding: SVG (type, size and declared dimensions only). */
  skipped: Schema.Int,
  /** Media rows written: a file shown by several pages is downloaded once and written to each. */
  rows: Schema.Int,
  /** Files still to analyse (left by an interruption). */
  pending: Schema.Int,
  durationMs: Schema.Number,
  filesPerSecond: Schema.Number
})
export type MediaSummary = typeof MediaSummary.Type

/** `land crawl --media`: the media of the pages within the crawl's depth, as politely as the crawl itself. */
export const mediaOptionsAfterCrawl = (crawl: CrawlOptions): MediaOptions =>
  Schema.decodeSync(MediaOptions)({
    depth: crawl.depth,
    concurrency: Math.min(maxConcurrency(crawl.concurrency), 200),
    perHost: crawl.perHost,
    delayMs: crawl.delayMs
  })

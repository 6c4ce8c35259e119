import { Schema } from "effect"

/** An integer option within bounds, the messages naming the option (the CLI and the API print them as they are). */
export const between = (name: string, min: number, max: number) =>
  Schema.Int.pipe(
    Schema.greaterThanOrEqualTo(min, { message: () => `${name} must be at least ${min}` }),
    Schema.lessThanOrEqualTo(max, { message: () => `${name} must be at most ${max}` })
  )

const positive = (name: string, max: number) => between(name, 1, max)

/** `--concurrency auto`: the bound it starts from, and the most it grows to (queues and buffers are sized for it). */
export const AUTO_START = 10
export const AUTO_MAX = 100

/** The most requests a crawl may have in flight at once. */
export const maxConcurrency = (concurrency: number | "auto") => concurrency === "auto" ? AUTO_MAX : concurrency

export const RetryState = Schema.Literal("failed", "skipped", "errors")
export type RetryState = typeof RetryState.Type

/** The options of a crawl, as the CLI takes them (kebab-case) and the API (camelCase). */
export const CrawlOptions = Schema.Struct({
  /** Deepest level crawled: seeds are 0. */
  depth: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, 100)), { default: () => 3 }),
  /** Pages fetched by this run at most; none means the whole frontier. */
  limit: Schema.optionalWith(Schema.NullOr(positive("limit", 100_000_000)), { default: () => null }),
  /** Re-crawl stored pages that answered this HTTP status. */
  http: Schema.optionalWith(Schema.NullOr(Schema.Int.pipe(Schema.between(100, 599))), { default: () => null }),
  /** Links of a page are followed when its relevance is at least this; 0 follows every page. */
  minrel: Schema.optionalWith(Schema.Number.pipe(Schema.nonNegative()), { default: () => 1 }),
  links: Schema.optionalWith(Schema.Literal("content", "all"), { default: () => "content" as const }),
  /** Requests in flight at once; `auto` moves the bound with the load (see auto-concurrency.ts). */
  concurrency: Schema.optionalWith(
    Schema.Union(positive("concurrency", 500), Schema.Literal("auto"))
      .annotations({ message: () => "concurrency must be an integer from 1 to 500, or auto" }),
    { default: () => 10 as number | "auto" }
  ),
  perHost: Schema.optionalWith(positive("perHost", 50), { default: () => 1 }),
  delayMs: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, 600_000)), { default: () => 1000 }),
  ignoreRobots: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  userAgent: Schema.optional(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(500))),
  /** Then analyse the media of the crawled pages (a media job after the crawl, see media-analysis.ts). */
  media: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  /**
   * Put pages back in the frontier before crawling: `failed` (the network gave up), `skipped` (refused: robots.txt,
   * private address, not HTML), `errors` (answered an HTTP error status).
   */
  retry: Schema.optionalWith(Schema.Array(RetryState), { default: () => [] }),
  /** Only the pages to retry whose reason (or HTTP status) contains this, case-insensitively. */
  retryReason: Schema.optional(Schema.String.pipe(
    Schema.minLength(1, { message: () => "retryReason must not be empty" }),
    Schema.maxLength(200, { message: () => "retryReason must be at most 200 characters" })
  )),
  /** Embed the pages as the crawl stores them (an embed job beside the crawl, see embedding.ts). */
  embed: Schema.optionalWith(Schema.Boolean, { default: () => false })
})
export type CrawlOptions = typeof CrawlOptions.Type
export type CrawlOptionsInput = typeof CrawlOptions.Encoded

export const CrawlSummary = Schema.Struct({
  jobId: Schema.Int,
  landId: Schema.Int,
  status: Schema.String,
  fetched: Schema.Int,
  failed: Schema.Int,
  skipped: Schema.Int,
  discovered: Schema.Int,
  links: Schema.Int,
  /** URLs still pending within the depth limit (left by --limit, or by an interruption). */
  pending: Schema.Int,
  durationMs: Schema.Number,
  pagesPerSecond: Schema.Number,
  /** Pages put back in the frontier by `retry` before this run. */
  requeued: Schema.Int,
  /** Why the pages of this run that were not fetched were not, most frequent first: the kind, a count, one example. */
  problems: Schema.Array(Schema.Struct({ reason: Schema.String, count: Schema.Int, example: Schema.String }))
})
export type CrawlSummary = typeof CrawlSummary.Type

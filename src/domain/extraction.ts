import { Schema } from "effect"
import { ReadableSource as StoredReadableSource } from "./expression.js"
import { MediaType } from "./media.js"

// Everything here is plain data (strings, numbers, null, arrays, objects) so an Extraction can cross a worker-thread
// boundary by structured clone and be decoded on the other side with these schemas.

/** Which extractor produced the readable content; "archive" is the readable pipeline's, never the page extractor's. */
export const ReadableSource = StoredReadableSource.pipe(Schema.pickLiteral("readability", "heuristic", "none"))
export type ReadableSource = typeof ReadableSource.Type

/** A UTC instant as produced by `Date.prototype.toISOString` with a four-digit year. */
export const IsoDateString = Schema.String.pipe(Schema.pattern(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/))

export const ExtractedLink = Schema.Struct({
  /** Normalised with `normalizeUrl`: http(s) only, no fragment, no tracking parameters. */
  url: Schema.String,
  /** Trimmed, whitespace-collapsed, at most 200 characters; "" for a link without text. */
  anchorText: Schema.String,
  /** The rel tokens, lower-cased and space-joined ("nofollow noopener"), or null. */
  rel: Schema.NullOr(Schema.String),
  /** Same host (and port) as the page. */
  internal: Schema.Boolean
})
export type ExtractedLink = typeof ExtractedLink.Type

export const ExtractedMedia = Schema.Struct({
  url: Schema.String,
  type: MediaType,
  alt: Schema.NullOr(Schema.String)
})
export type ExtractedMedia = typeof ExtractedMedia.Type

export const Extraction = Schema.Struct({
  title: Schema.NullOr(Schema.String),
  description: Schema.NullOr(Schema.String),
  /** Comma-separated, deduplicated ("a, b, c"). */
  keywords: Schema.NullOr(Schema.String),
  /** Primary subtag of `<html lang>`, lower-cased ("fr"). */
  htmlLang: Schema.NullOr(Schema.String),
  /** Language detected on the readable text, when there is enough of it. */
  detectedLang: Schema.NullOr(Schema.String),
  /** The detected language when the detection is confident, else `htmlLang`. */
  lang: Schema.NullOr(Schema.String),
  canonicalUrl: Schema.NullOr(Schema.String),
  publishedAt: Schema.NullOr(IsoDateString),
  readableSource: ReadableSource,
  /** The main content as Markdown, with absolute link and image URLs; "" when there is none. */
  readableMarkdown: Schema.String,
  /** The main content as plain text, one block per line; what relevance and word counts are computed on. */
  readableText: Schema.String,
  wordCount: Schema.NonNegativeInt,
  readingTimeMinutes: Schema.NonNegativeInt,
  links: Schema.Array(ExtractedLink),
  media: Schema.Array(ExtractedMedia)
})
export type Extraction = typeof Extraction.Type

/** A page the extractor could not process: its worker crashed, hung past the time limit or answered nonsense. */
export class ExtractionFailed extends Schema.TaggedError<ExtractionFailed>()("ExtractionFailed", {
  url: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `extraction of ${this.url} failed: ${this.reason}`
  }
}

import { Schema } from "effect"
import { EmbedProviderName } from "../domain/embedding-errors.js"
import { between } from "./crawl-options.js"

/** The options of an embed job, as the CLI takes them (kebab-case) and the API (camelCase). */
export const EmbedOptions = Schema.Struct({
  /** Unset (with `model`): the land's model, else `MWI_EMBED_PROVIDER`'s, else `hash` (offline). */
  provider: Schema.optional(EmbedProviderName.annotations({
    message: () => ({ message: "must be hash, openai or mistral", override: true })
  })),
  /** Unset: the provider's default model (`ngrams-v1`, `text-embedding-3-small`, `mistral-embed`). */
  model: Schema.optional(Schema.String.pipe(
    Schema.minLength(1, { message: () => "model must not be empty" }),
    Schema.maxLength(200, { message: () => "model must be at most 200 characters" })
  )),
  /** Only pages at least this relevant; none means every page with readable text. */
  minrel: Schema.optionalWith(Schema.NullOr(Schema.Number.pipe(Schema.finite({ message: () => "minrel must be a finite number" }), Schema.nonNegative({ message: () => "minrel must be zero or more" }))), {
    default: () => null
  }),
  /** Pages embedded by this run at most; none means every selected page. */
  limit: Schema.optionalWith(Schema.NullOr(between("limit", 1, 100_000_000)), { default: () => null })
})
export type EmbedOptions = typeof EmbedOptions.Type

export const EmbedSummary = Schema.Struct({
  jobId: Schema.Int,
  landId: Schema.Int,
  status: Schema.String,
  /** The model key the vectors are stored under: provider/model/dimension. */
  model: Schema.String,
  /** Pages whose paragraphs all have a vector now. */
  pages: Schema.Int,
  /** Pages whose text gave no paragraph (too short). */
  empty: Schema.Int,
  /** Paragraphs split by this run (pages new or whose text changed). */
  paragraphs: Schema.Int,
  /** Vectors computed and stored by this run. */
  vectors: Schema.Int,
  /** Selected pages not embedded yet (left by --limit, or by an interruption). */
  pending: Schema.Int,
  durationMs: Schema.Number,
  vectorsPerSecond: Schema.Number
})
export type EmbedSummary = typeof EmbedSummary.Type

import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"

// Semantic search and pseudolinks: what they answer, and why they may not.

/** The land has no vectors to search yet (or none of its current model). */
export class LandNotEmbedded extends Schema.TaggedError<LandNotEmbedded>()("LandNotEmbedded", {
  landId: Schema.Number,
  landName: Schema.String
}, HttpApiSchema.annotations({ status: 409 })) {
  override get message() {
    return `land "${this.landName}" has no paragraph vectors yet: run mwi land embed --name "${this.landName}" first ` +
      "(pages without readable text give none)"
  }
}

/** One paragraph found by a search, with its page. */
export const SearchHit = Schema.Struct({
  expressionId: Schema.Int,
  url: Schema.String,
  title: Schema.NullOr(Schema.String),
  relevance: Schema.NullOr(Schema.Number),
  paragraphId: Schema.Int,
  /** Cosine similarity of the paragraph to the query, from -1 to 1. */
  score: Schema.Number,
  text: Schema.String
})
export type SearchHit = typeof SearchHit.Type

/** A page like another one: its paragraphs nearest to the other's, aggregated. */
export const SimilarPage = Schema.Struct({
  expressionId: Schema.Int,
  url: Schema.String,
  title: Schema.NullOr(Schema.String),
  relevance: Schema.NullOr(Schema.Number),
  /** The best similarity between a paragraph of this page and one of the other. */
  score: Schema.Number,
  /** Mean similarity over the paragraph pairs found. */
  mean: Schema.Number,
  /** Paragraph pairs found between the two pages. */
  pairs: Schema.Int
})
export type SimilarPage = typeof SimilarPage.Type

/** What a pseudolinks run computed and stored. */
export const PseudolinksReport = Schema.Struct({
  landId: Schema.Int,
  model: Schema.String,
  threshold: Schema.Number,
  neighbours: Schema.Int,
  paragraphs: Schema.Int,
  /** Paragraph pairs on different pages at least `threshold` alike (method = the model key). */
  similar: Schema.Int,
  /** Of them, those found by shared runs of words (near copies) and not among the vector index's nearest. */
  nearCopies: Schema.Int,
  /** Paragraph pairs of identical normalised text on different pages (method `exact`). */
  exact: Schema.Int,
  pagePairs: Schema.Int,
  domainPairs: Schema.Int,
  elapsedMs: Schema.Int
})
export type PseudolinksReport = typeof PseudolinksReport.Type

/** Cosine similarity of the index's cosine distance (1 − cos). */
export const similarityOf = (distance: number) => 1 - distance

/** A pseudolinks job's parameters (the API's payload, the CLI's options). */
export const PseudolinksRequest = Schema.Struct({
  threshold: Schema.optional(Schema.Number.pipe(Schema.filter((t) => t > 0 && t <= 1, {
    message: () => "threshold must be a cosine similarity above 0 and at most 1"
  })).annotations({ description: "least similarity of a pair (default: the model's, 0.4 for hash)" })),
  neighbours: Schema.optional(Schema.Int.pipe(Schema.between(1, 100, {
    message: () => "neighbours must be an integer from 1 to 100"
  })).annotations({ description: "nearest paragraphs looked at per paragraph (default 10)" }))
})
export type PseudolinksRequest = typeof PseudolinksRequest.Type

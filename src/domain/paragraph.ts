import { Schema } from "effect"
import { ExpressionId, ParagraphId } from "./ids.js"

export class Paragraph extends Schema.Class<Paragraph>("Paragraph")({
  id: ParagraphId,
  expressionId: ExpressionId,
  position: Schema.Int,
  text: Schema.String,
  textHash: Schema.String,
  wordCount: Schema.Int,
  charCount: Schema.Int,
  language: Schema.NullOr(Schema.String),
  embedding: Schema.NullOr(Schema.Array(Schema.Number)),
  embeddingProvider: Schema.NullOr(Schema.String),
  embeddingModel: Schema.NullOr(Schema.String),
  embeddedAt: Schema.NullOr(Schema.DateFromSelf),
  createdAt: Schema.DateFromSelf
}) {}

/** A similarity ("pseudolink") between two paragraphs of different pages. */
export class Similarity extends Schema.Class<Similarity>("Similarity")({
  sourceParagraphId: ParagraphId,
  targetParagraphId: ParagraphId,
  method: Schema.String,
  score: Schema.Number,
  computedAt: Schema.DateFromSelf
}) {}

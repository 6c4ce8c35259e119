import { Schema } from "effect"
import { createHash } from "node:crypto"
import { splitParagraphs } from "../../domain/paragraphs.js"
import { HASH_DIMENSION, hashEmbedding } from "./hash.js"

/**
 * A page's paragraphs and their `hash` vectors, made on an extraction thread for `crawl --embed`: the same paragraphs
 * and vectors the embed job would make from the stored text, without costing the crawl's main thread.
 */
export const EmbeddedPage = Schema.Struct({
  /** md5 of the text split, as the database computes `readable_hash`: stored only while the page holds that text. */
  readableHash: Schema.String,
  paragraphs: Schema.Array(Schema.Struct({
    position: Schema.Number,
    text: Schema.String,
    textHash: Schema.String,
    wordCount: Schema.Number,
    charCount: Schema.Number,
    language: Schema.NullOr(Schema.String)
  })),
  /** The paragraphs' vectors one after the other, `HASH_DIMENSION` numbers each: one buffer to hand between threads. */
  vectors: Schema.instanceOf(Float32Array)
})
export type EmbeddedPage = typeof EmbeddedPage.Type

/** A page's readable Markdown split and embedded; its paragraphs' language is the page's, else the land's. */
export const embedPage = (markdown: string, language: string | null): EmbeddedPage => {
  const paragraphs = splitParagraphs(markdown).map((p) => ({ ...p, language }))
  const vectors = new Float32Array(paragraphs.length * HASH_DIMENSION)
  paragraphs.forEach((p, i) => vectors.set(hashEmbedding(p.text), i * HASH_DIMENSION))
  return { readableHash: createHash("md5").update(markdown).digest("hex"), paragraphs, vectors }
}

/** The vector of the paragraph at `position`. */
export const vectorAt = (page: EmbeddedPage, position: number): Float32Array =>
  page.vectors.subarray(position * HASH_DIMENSION, (position + 1) * HASH_DIMENSION)

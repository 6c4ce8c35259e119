import { Schema } from "effect"
import { hash } from "node:crypto"
import { normaliseText, paragraphOf, paragraphTexts } from "../../domain/paragraphs.js"
import { encodeVector } from "../../domain/vector.js"
import { hashEmbeddingOfNormalised } from "./hash.js"

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
  /**
   * The paragraphs' vectors as stored (`encodeVector`, packed on this thread rather than the main one), one after the
   * other: one buffer to hand between threads.
   */
  vectors: Schema.instanceOf(Uint8Array),
  /** Where each paragraph's vector ends in `vectors`. */
  ends: Schema.instanceOf(Uint32Array)
})
export type EmbeddedPage = typeof EmbeddedPage.Type

/** A page's readable Markdown split and embedded; its paragraphs' language is the page's, else the land's. */
export const embedPage = (markdown: string, language: string | null): EmbeddedPage => {
  const texts = paragraphTexts(markdown)
  const ends = new Uint32Array(texts.length)
  const encoded: Array<Uint8Array> = []
  // Each text normalised once, for its hash and its vector.
  const paragraphs = texts.map((text, position) => {
    const normalised = normaliseText(text)
    const bytes = encodeVector(hashEmbeddingOfNormalised(normalised))
    encoded.push(bytes)
    ends[position] = (position === 0 ? 0 : ends[position - 1]!) + bytes.byteLength
    return { ...paragraphOf(text, position, normalised), language }
  })
  const vectors = new Uint8Array(texts.length === 0 ? 0 : ends[texts.length - 1]!)
  encoded.forEach((bytes, i) => vectors.set(bytes, i === 0 ? 0 : ends[i - 1]!))
  return { readableHash: hash("md5", markdown), paragraphs, vectors, ends }
}

/** The stored bytes of the vector of the paragraph at `position`. */
export const vectorBytesAt = (page: EmbeddedPage, position: number): Uint8Array =>
  page.vectors.subarray(position === 0 ? 0 : page.ends[position - 1], page.ends[position])


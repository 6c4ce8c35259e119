import type { SqlError } from "@effect/sql/SqlError"
import { Effect } from "effect"
import type { EmbeddingError } from "../domain/embedding-errors.js"
import type { ExpressionId } from "../domain/ids.js"
import { splitParagraphs } from "../domain/paragraphs.js"
import type { Embedder } from "../services/embeddings/Embedder.js"
import {
  type PageParagraphs,
  type PageToEmbed,
  ParagraphStore,
  type ParagraphToEmbed,
  type StoredVector
} from "../services/ParagraphStore.js"

/** The split stage's output: pages whose paragraphs lack a vector of the model, with those paragraphs. */
export interface ParagraphBatch {
  readonly pages: ReadonlyArray<ExpressionId>
  readonly paragraphs: ReadonlyArray<ParagraphToEmbed>
}

/** The vector stage's output: what is stored. */
export interface EmbeddedBatch {
  readonly pages: ReadonlyArray<ExpressionId>
  readonly vectors: ReadonlyArray<StoredVector>
}

export interface SplitReport {
  readonly batches: ReadonlyArray<ParagraphBatch>
  /** Paragraphs split and stored (pages new or whose text changed). */
  readonly split: number
  /** Pages with nothing to embed: their text gave no paragraph. */
  readonly empty: number
  /** Pages split again whose paragraphs all kept their vectors (their text changed elsewhere). */
  readonly complete: number
}

/**
 * The split stage, `PageToEmbed[] → ParagraphBatch[]`: the pages whose paragraphs are not from their current text are
 * split again, their paragraphs replaced in one transaction (those of unchanged text stay, with their vectors); then
 * the paragraphs of the pages without a vector of the model are read back, grouped by whole pages up to the embedder's
 * batch size. A paragraph's language is its page's (detected by the extractor on the whole text), else the land's.
 */
export const makeSplitStage = (embedder: Embedder, landLanguage: string | null) =>
  Effect.map(ParagraphStore, (store) => (pages: ReadonlyArray<PageToEmbed>): Effect.Effect<SplitReport, SqlError> =>
    Effect.gen(function*() {
      const fresh: Array<PageParagraphs> = pages.flatMap((page) =>
        page.resplit === null ? [] : [{
          expressionId: page.id,
          readableHash: page.resplit.hash,
          paragraphs: splitParagraphs(page.resplit.markdown).map((p) => ({ ...p, language: page.language ?? landLanguage }))
        }]
      )
      yield* store.replace(fresh)
      const missing = yield* store.missing(pages.map((p) => p.id), embedder.key)
      const byPage = new Map<ExpressionId, Array<ParagraphToEmbed>>()
      for (const p of missing) {
        const list = byPage.get(p.expressionId)
        if (list === undefined) byPage.set(p.expressionId, [p])
        else list.push(p)
      }
      const batches: Array<ParagraphBatch> = []
      let current: { pages: Array<ExpressionId>; paragraphs: Array<ParagraphToEmbed> } = { pages: [], paragraphs: [] }
      for (const [page, paragraphs] of byPage) {
        if (current.pages.length > 0 && current.paragraphs.length + paragraphs.length > embedder.batchSize) {
          batches.push(current)
          current = { pages: [], paragraphs: [] }
        }
        current.pages.push(page)
        current.paragraphs.push(...paragraphs)
      }
      if (current.pages.length > 0) batches.push(current)
      const empty = fresh.filter((p) => p.paragraphs.length === 0).length
      return {
        batches,
        split: fresh.reduce((n, p) => n + p.paragraphs.length, 0),
        empty,
        complete: pages.length - byPage.size - empty
      }
    }))

/** The vector stage, `ParagraphBatch → EmbeddedBatch`: the paragraphs' texts through the model. */
export const makeVectorStage = (embedder: Embedder) => (batch: ParagraphBatch): Effect.Effect<EmbeddedBatch, EmbeddingError> =>
  embedder.embed(batch.paragraphs.map((p) => p.text)).pipe(
    Effect.map((vectors) => ({
      pages: batch.pages,
      vectors: batch.paragraphs.map((p, i) => ({ paragraphId: p.id, vector: vectors[i]! }))
    }))
  )

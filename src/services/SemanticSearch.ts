import { SqlClient } from "@effect/sql"
import { Clock, Effect } from "effect"
import { InvalidInput } from "../domain/errors.js"
import type { Land } from "../domain/land.js"
import { normaliseText } from "../domain/paragraphs.js"
import { LandNotEmbedded, type SearchHit, type SimilarPage } from "../domain/search.js"
import { endToEnd } from "../domain/vector.js"
import { Embedders } from "./Embedders.js"
import { searchQueries } from "./search/pages.js"
import { VectorChanges } from "./VectorChanges.js"
import { type Neighbour, VectorIndex, VectorIndexConfig } from "./VectorIndex.js"

export interface SearchOptions {
  readonly limit?: number | undefined
  /** Only paragraphs of pages at least this relevant. */
  readonly minrel?: number | undefined
}

export interface SimilarOptions {
  readonly limit?: number | undefined
}

export const MAX_RESULTS = 500
// Neighbours asked per paragraph of a page for `similar`.
const PER_PARAGRAPH = 20

const checkLimit = (limit: number) =>
  Number.isInteger(limit) && limit >= 1 && limit <= MAX_RESULTS
    ? Effect.void
    : Effect.fail(new InvalidInput({ field: "limit", reason: `must be an integer from 1 to ${MAX_RESULTS}` }))

/**
 * Semantic search over a land's paragraphs: the query is embedded with the model the land's paragraphs were embedded
 * with, and the vector index gives the nearest paragraphs. Also the pages most like a page, from its paragraphs.
 */
export class SemanticSearch extends Effect.Service<SemanticSearch>()("mwi/SemanticSearch", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const index = yield* VectorIndex
    const embedders = yield* Embedders
    const changes = yield* VectorChanges
    const { refreshMs } = yield* VectorIndexConfig
    const q = searchQueries(sql)
    // A land's model, kept as long as its index is: until this process's next change (an embed job sets the model), or
    // `refreshMs` for another process's. A query less on each search.
    const models = new Map<number, { model: string; generation: number; at: number }>()

    const modelOf = (land: Land) =>
      Effect.gen(function*() {
        const generation = yield* changes.generation
        const now = yield* Clock.currentTimeMillis
        const kept = models.get(land.id)
        if (kept !== undefined && kept.generation === generation && now - kept.at < refreshMs) return kept.model
        const model = yield* q.landModel(land.id)
        if (model === null) return yield* new LandNotEmbedded({ landId: land.id, landName: land.name })
        models.set(land.id, { model, generation, at: now })
        return model
      })

    const search = (land: Land, text: string, options: SearchOptions = {}) =>
      Effect.gen(function*() {
        const limit = options.limit ?? 10
        yield* checkLimit(limit)
        if (options.minrel !== undefined && !Number.isFinite(options.minrel)) {
          return yield* new InvalidInput({ field: "minrel", reason: "must be a finite number" })
        }
        if (options.minrel !== undefined && options.minrel < 0) {
          return yield* new InvalidInput({ field: "minrel", reason: "must be at least 0" })
        }
        if (text.trim() === "") return yield* new InvalidInput({ field: "query", reason: "is empty" })
        // Punctuation alone has nothing to be near: every paragraph would come back, at random, with a score of 0.
        if (normaliseText(text) === "") return yield* new InvalidInput({ field: "query", reason: "has no word to search for" })
        const model = yield* modelOf(land)
        const embedder = yield* embedders.forKey(model)
        const [vector] = yield* embedder.embed([text])
        const size = yield* index.size(land.id, model)
        if (size === 0) return yield* new LandNotEmbedded({ landId: land.id, landName: land.name })
        // The index holds every page: paragraphs of pages under `minrel` (left out by the query of their rows) and
        // of pages deleted since the index was brought up to date are dropped, so more are asked until enough remain.
        for (let k = options.minrel === undefined ? limit : Math.max(limit * 3, 30); ; k *= 4) {
          const found = yield* index.search(land.id, model, vector!, k)
          const rows = new Map((yield* q.paragraphs(found.map((n) => n.paragraphId), options.minrel)).map((r) => [r.paragraphId, r]))
          const hits = found.flatMap((n): Array<SearchHit> => {
            const row = rows.get(n.paragraphId)
            return row === undefined ? [] : [{ ...row, score: n.score }]
          })
          if (hits.length >= limit || k >= size) return hits.slice(0, limit)
        }
      }).pipe(Effect.withSpan("SemanticSearch.search", { attributes: { landId: land.id } }))

    /** Pages whose paragraphs are nearest to the page's, best first (the best pair, then how many pairs). */
    const similar = (land: Land, expressionId: number, options: SimilarOptions = {}) =>
      Effect.gen(function*() {
        const limit = options.limit ?? 10
        yield* checkLimit(limit)
        const model = yield* modelOf(land)
        const own = yield* q.pageVectors(expressionId, model)
        if (own.length === 0) return []
        const found = yield* index.searchMany(land.id, model, endToEnd(own.map((p) => p.vector)), own.length, PER_PARAGRAPH)
        const perPage = new Map<number, { best: number; sum: number; pairs: number }>()
        for (const near of found) {
          for (const n of near as ReadonlyArray<Neighbour>) {
            if (n.expressionId === expressionId) continue
            const agg = perPage.get(n.expressionId) ?? { best: -1, sum: 0, pairs: 0 }
            perPage.set(n.expressionId, { best: Math.max(agg.best, n.score), sum: agg.sum + n.score, pairs: agg.pairs + 1 })
          }
        }
        const ranked = [...perPage.entries()]
          .sort(([, a], [, b]) => b.best - a.best || b.pairs - a.pairs)
          .slice(0, limit)
        const pages = new Map((yield* q.pages(ranked.map(([id]) => id))).map((p) => [p.expressionId, p]))
        return ranked.flatMap(([id, agg]): Array<SimilarPage> => {
          const page = pages.get(id)
          return page === undefined ? [] : [{ ...page, score: agg.best, mean: agg.sum / agg.pairs, pairs: agg.pairs }]
        })
      }).pipe(Effect.withSpan("SemanticSearch.similar", { attributes: { landId: land.id, expressionId } }))

    return { search, similar } as const
  }),
  dependencies: [VectorChanges.Default]
}) {}

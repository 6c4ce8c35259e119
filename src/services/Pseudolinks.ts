import { SqlClient } from "@effect/sql"
import { Clock, Effect } from "effect"
import { InvalidInput } from "../domain/errors.js"
import type { Land } from "../domain/land.js"
import { LandNotEmbedded, type PseudolinksReport } from "../domain/search.js"
import { BANDS, bandKeys, bucketPairs } from "../domain/near-copies.js"
import { dot, endToEnd } from "../domain/vector.js"
import { parseModelKey } from "./embeddings/Embedder.js"
import { searchQueries } from "./search/pages.js"
import { EXACT, type Pair, similarityQueries, staged } from "./search/similarities.js"
import { vectorQueries } from "./search/vectors.js"
import { VectorIndex } from "./VectorIndex.js"

export interface PseudolinksOptions {
  /** Least cosine similarity of a pair (default: the model's, `defaultThreshold`). */
  readonly threshold?: number | undefined
  /** Nearest paragraphs looked at per paragraph (default 10). */
  readonly neighbours?: number | undefined
}

/**
 * The least similarity of a pseudolink, per provider. `hash`: measured on reused and lightly edited passages against
 * unrelated ones, in French and English (bench/pseudolinks-threshold.ts, README): every reuse scored above it, no
 * unrelated pair came near. Semantic models (openai, mistral) score unrelated texts of one language higher: not
 * measured here, a conservative value the user can lower.
 */
export const defaultThreshold = (model: string): number => parseModelKey(model)?.provider === "hash" ? HASH_THRESHOLD : 0.85
export const HASH_THRESHOLD = 0.4

export const DEFAULT_NEIGHBOURS = 10
// Paragraphs searched per batch (their vectors read in one query, searched on the index's threads).
const CHUNK = 1000
// Copies of one text linked to each copy (exact duplicates).
const EXACT_BAND = 5
// Paragraph texts read per query for the near-copy keys.
const TEXT_CHUNK = 2000

export type PseudolinksProgress = (done: number, total: number, pairs: number) => Effect.Effect<void>

// The source is the paragraph of the page with the smaller id.
const pairOf = (a: number, pageA: number, b: number, pageB: number, score: number): Pair =>
  pageA < pageB ? { source: a, target: b, score } : { source: b, target: a, score }

/**
 * Pseudolinks: for each paragraph of a land, its nearest paragraphs on other pages at least `threshold` alike
 * (k nearest through the vector index, never all pairs), the paragraphs sharing runs of words with it (near copies,
 * which the index's graph may miss) when their vectors are as alike, and the paragraphs of identical text on other
 * pages; stored in `similarities`, replacing the land's previous ones of the model.
 */
export class Pseudolinks extends Effect.Service<Pseudolinks>()("mwi/Pseudolinks", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const index = yield* VectorIndex

    /** The land's embedding model, or why there is none to link with (checked before a job starts). */
    const modelOf = (land: Land) =>
      Effect.flatMap(searchQueries(sql).landModel(land.id), (model) =>
        model === null ? Effect.fail(new LandNotEmbedded({ landId: land.id, landName: land.name })) : Effect.succeed(model))

    /** Stores the near copies (shared runs of words) whose vectors are at least `threshold` alike; answers how many. */
    const nearCopies = (
      ids: ReadonlyArray<number>,
      pages: ReadonlyMap<number, number>,
      copies: ReadonlyMap<number, string>,
      threshold: number,
      vectors: ReturnType<typeof vectorQueries>,
      store: ReturnType<typeof similarityQueries>,
      model: string
    ) =>
      Effect.gen(function*() {
        const keys = new Uint32Array(ids.length * BANDS)
        const usable = new Uint8Array(ids.length)
        for (let i = 0; i < ids.length; i += TEXT_CHUNK) {
          const texts = new Map((yield* store.texts(ids.slice(i, i + TEXT_CHUNK))).map((r) => [r.id, r.text]))
          for (let j = i; j < Math.min(ids.length, i + TEXT_CHUNK); j++) {
            const text = texts.get(ids[j]!)
            if (text !== undefined && bandKeys(text, keys, j * BANDS)) usable[j] = 1
          }
        }
        const candidates = bucketPairs(keys, usable, ids.map((id) => pages.get(id)!)).filter(([i, j]) => {
          const text = copies.get(ids[i]!)
          return text === undefined || copies.get(ids[j]!) !== text
        })
        let added = 0
        for (let c = 0; c < candidates.length; c += CHUNK) {
          const batch = candidates.slice(c, c + CHUNK)
          const rows = yield* vectors.vectors([...new Set(batch.flatMap(([i, j]) => [ids[i]!, ids[j]!]))])
          const vector = new Map(rows.map((r) => [r.paragraphId, r.vector]))
          const pairs: Array<Pair> = []
          for (const [i, j] of batch) {
            const a = vector.get(ids[i]!), b = vector.get(ids[j]!)
            const score = a === undefined || b === undefined ? -1 : Math.min(1, dot(a, b))
            if (score >= threshold) pairs.push(pairOf(ids[i]!, pages.get(ids[i]!)!, ids[j]!, pages.get(ids[j]!)!, score))
          }
          added += yield* store.insert(staged(model), pairs)
        }
        return added
      }).pipe(Effect.withSpan("Pseudolinks.nearCopies"))

    const compute = (land: Land, options: PseudolinksOptions = {}, progress: PseudolinksProgress = () => Effect.void) =>
      Effect.gen(function*() {
        const startedAt = yield* Clock.currentTimeMillis
        const model = yield* modelOf(land)
        const threshold = options.threshold ?? defaultThreshold(model)
        // (At 0 or below, every paragraph's nearest would be its pseudolinks, alike or not.)
        if (!Number.isFinite(threshold) || threshold <= 0 || threshold > 1) {
          return yield* new InvalidInput({ field: "threshold", reason: "must be a cosine similarity above 0 and at most 1" })
        }
        const neighbours = options.neighbours ?? DEFAULT_NEIGHBOURS
        if (!Number.isInteger(neighbours) || neighbours < 1 || neighbours > 100) {
          return yield* new InvalidInput({ field: "neighbours", reason: "must be an integer from 1 to 100" })
        }
        const pages = yield* index.paragraphs(land.id, model)
        if (pages.size === 0) return yield* new LandNotEmbedded({ landId: land.id, landName: land.name })
        const ids = [...pages.keys()].sort((a, b) => a - b)
        const store = similarityQueries(sql, land.id)
        const vectors = vectorQueries(sql, land.id, model)

        // The new pairs are written aside and take the place of the old ones in one transaction at the end: until then,
        // and if the run fails, is stopped or killed, the land keeps its pairs as they were (and the next run clears
        // what this one left aside).
        const methods = [model, EXACT]
        yield* store.clear(methods.map(staged))
        const exact = yield* store.exact(EXACT_BAND, staged(EXACT))
        // Copies of one text are exact pairs already: as neighbours they would only take the places of edited copies.
        const copies = yield* store.copies
        let similar = 0
        yield* progress(0, ids.length, exact)
        // A few more than asked: the nearest are often the paragraph itself and others of its own page.
        const k = neighbours + 6
        for (let i = 0; i < ids.length; i += CHUNK) {
          const rows = yield* vectors.vectors(ids.slice(i, i + CHUNK))
          if (rows.length === 0) continue
          const found = yield* index.searchMany(land.id, model, endToEnd(rows.map((r) => r.vector)), rows.length, k, true)
          const pairs: Array<Pair> = []
          rows.forEach((r, j) => {
            const page = pages.get(r.paragraphId)!
            let kept = 0
            for (const n of found[j]!) {
              if (kept >= neighbours) break
              if (n.paragraphId === r.paragraphId || n.expressionId === page) continue
              const text = copies.get(r.paragraphId)
              if (text !== undefined && copies.get(n.paragraphId) === text) continue
              kept++
              if (n.score < threshold) continue
              pairs.push(pairOf(r.paragraphId, page, n.paragraphId, n.expressionId, Math.min(1, n.score)))
            }
          })
          similar += yield* store.insert(staged(model), pairs)
          yield* progress(Math.min(ids.length, i + CHUNK), ids.length, exact + similar)
        }
        const near = yield* nearCopies(ids, pages, copies, threshold, vectors, store, model)
        similar += near
        yield* progress(ids.length, ids.length, exact + similar)
        yield* sql.withTransaction(Effect.zipRight(store.clear(methods), store.promote(methods)))
        const counts = yield* store.counts(methods)
        return {
          landId: land.id,
          model,
          threshold,
          neighbours,
          paragraphs: ids.length,
          similar,
          nearCopies: near,
          exact,
          pagePairs: counts.pages,
          domainPairs: counts.domains,
          elapsedMs: (yield* Clock.currentTimeMillis) - startedAt
        } satisfies PseudolinksReport
      }).pipe(Effect.withSpan("Pseudolinks.compute", { attributes: { landId: land.id } }))

    return { modelOf, compute } as const
  })
}) {}

import { SqlClient } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import { Clock, Config, Context, Effect, Layer, Option } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import type { BatchMatches } from "usearch"
import { DatabaseTargetConfig } from "./Database.js"
import { VectorChanges } from "./VectorChanges.js"
import { parseModelKey } from "./embeddings/Embedder.js"
import { nonNegativeInt, positiveInt } from "./config.js"
import { ExactRows } from "./search/exactRows.js"
import { bigKeys, type Entry, fileName, filePrefix, holdsAll, loadIndex, newIndex, saveEntry } from "./search/indexEntry.js"
import { exactFileOf, keysFileOf, readKeysFile, readStamped } from "./search/keysFile.js"
import { sameStamp, vectorQueries, type VectorStamp } from "./search/vectors.js"
import { similarityOf } from "../domain/search.js"
import { endToEnd } from "../domain/vector.js"

export interface VectorIndexSettings {
  /** Where indexes are saved between runs; null keeps them in memory only (rebuilt from the database at first use). */
  readonly dir: string | null
  /** Vectors held in memory at most, all lands together: the least recently used indexes go first. */
  readonly maxVectors: number
  /**
   * How long an index is trusted before the database is asked again whether its vectors changed (by another process:
   * this process's changes are followed at once). The search that finds it expired is answered first.
   * Infinite (never asked) on the embedded database unless `MWI_VECTOR_INDEX_REFRESH_MS` says otherwise.
   */
  readonly refreshMs: number
  /**
   * A land's vectors of one model are searched exactly (every vector compared, in 8-bit copies that cost a byte a
   * coordinate) while it has at most this many; beyond, through the HNSW graph alone, faster but approximate.
   */
  readonly exactMax: number
  /** Threads of a batch search (pseudolinks). */
  readonly threads: number
}

export class VectorIndexConfig extends Context.Tag("mwi/VectorIndexConfig")<VectorIndexConfig, VectorIndexSettings>() {
  /** From `MWI_VECTOR_INDEX_DIR` (default `<MWI_DATA_DIR>/vectors` on the embedded database, none on a server). */
  static readonly layer = (overrides: Partial<VectorIndexSettings> = {}) =>
    Layer.effect(VectorIndexConfig, Effect.gen(function*() {
      const target = yield* DatabaseTargetConfig
      const dir = yield* Config.option(Config.string("MWI_VECTOR_INDEX_DIR"))
      const settings: VectorIndexSettings = {
        dir: Option.isSome(dir) && dir.value.trim() !== ""
          ? path.resolve(dir.value)
          : target._tag === "Embedded" ? path.join(target.dataDir, "vectors") : null,
        maxVectors: yield* positiveInt("MWI_VECTOR_INDEX_MAX_VECTORS", 1_000_000),
        // An embedded database has no other process: all its changes are this process's own, followed at once.
        refreshMs: yield* nonNegativeInt("MWI_VECTOR_INDEX_REFRESH_MS", target._tag === "Embedded" ? Number.POSITIVE_INFINITY : 1000),
        exactMax: yield* nonNegativeInt("MWI_VECTOR_EXACT_MAX", 300_000),
        threads: Math.max(1, Math.min(4, os.availableParallelism()))
      }
      return { ...settings, ...overrides }
    }))
}

/** A paragraph near a query: its page and its cosine similarity. */
export interface Neighbour {
  readonly paragraphId: number
  readonly expressionId: number
  readonly score: number
}

// Vectors read from the database per query while an index is built.
const READ = 2000

/**
 * Nearest-neighbour search over a land's paragraph vectors of one model, in process, the same on PGlite and PostgreSQL:
 * an HNSW index (usearch) per land and model, built from the database at first use, brought up to date when the
 * database's vectors change (added by an embed job, removed with replaced paragraphs), saved beside the embedded
 * database when the service closes and loaded back at the next start.
 */
export class VectorIndex extends Effect.Service<VectorIndex>()("mwi/VectorIndex", {
  scoped: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const settings = yield* VectorIndexConfig
    const changes = yield* VectorChanges
    const scope = yield* Effect.scope
    const entries = new Map<string, Entry>()

    const save = (entry: Entry) =>
      Effect.try(() => saveEntry(entry)).pipe(Effect.catchAll((e) => Effect.logWarning("vector index: not saved", e)))

    yield* Effect.addFinalizer(() => Effect.forEach(entries.values(), save, { discard: true }))

    /** Exact rows for a land of `count` vectors: saved ones if their stamp matches, else empty; none for a large land. */
    const startExact = (entry: Entry, stamp: VectorStamp, count: number) => {
      entry.exact = null
      if (count > settings.exactMax) return Effect.void
      const dimensions = entry.index.dimensions()
      const file = entry.file
      return Effect.try(() => {
        const body = file === null ? null : readStamped(exactFileOf(file), stamp, count)
        return body === null ? null : ExactRows.fromBytes(dimensions, count, body)
      }).pipe(
        Effect.orElseSucceed(() => null),
        Effect.map((saved) => {
          entry.exact = saved ?? new ExactRows(dimensions, Math.max(1024, count))
          entry.exactSaved = saved !== null
        })
      )
    }

    /** Makes the index hold exactly the database's vectors of the land and model, reading only what it lacks. */
    const refresh = (entry: Entry) =>
      Effect.gen(function*() {
        const q = vectorQueries(sql, entry.landId, entry.model)
        const stamp = yield* q.stamp
        entry.checkedAt = yield* Clock.currentTimeMillis
        if (entry.stamp !== null && sameStamp(entry.stamp, stamp)) return
        const file = entry.file
        const starting = entry.stamp === null
        // Loaded from a file saved with the database's vectors as they still are: its keys file says their pages,
        // if the index holds each of them (another process may have saved the index between this one's two files).
        const index = entry.index
        const saved = starting && index.size() > 0 && file !== null
          ? yield* Effect.try(() => readKeysFile(keysFileOf(file), stamp, index.size())).pipe(Effect.orElseSucceed(() => null))
          : null
        let wanted: Map<number, number>
        if (saved !== null && holdsAll(index, [...saved.keys()])) {
          wanted = entry.pages = saved
          entry.keysSaved = true
        } else {
          const keys = yield* q.keys
          wanted = new Map(keys.map((k) => [k.paragraphId, k.expressionId]))
          if (starting && index.size() > 0) {
            // Loaded from a file: kept only if it holds nothing the database has dropped since.
            const held = keys.filter((k) => index.contains(BigInt(k.paragraphId)) === true)
            if (held.length === index.size()) entry.pages = new Map(held.map((k) => [k.paragraphId, k.expressionId]))
            else entry.index = newIndex(index.dimensions())
          }
          const gone = [...entry.pages.keys()].filter((id) => !wanted.has(id))
          if (gone.length > 0) entry.index.remove(bigKeys(gone))
          entry.dirty ||= gone.length > 0
          entry.keysSaved = false
        }
        if (starting) yield* startExact(entry, stamp, wanted.size)
        const exact = entry.exact
        if (exact !== null) {
          const gone = exact.keys().filter((id) => !wanted.has(id))
          exact.remove(gone)
          entry.exactSaved &&= gone.length === 0
        }
        const toIndex = (id: number) => !entry.pages.has(id)
        const toExact = (id: number) => exact !== null && !exact.has(id)
        const missing = [...wanted.keys()].filter((id) => toIndex(id) || toExact(id))
        const dimensions = entry.index.dimensions()
        for (let i = 0; i < missing.length; i += READ) {
          const rows = (yield* q.vectors(missing.slice(i, i + READ))).filter((r) => r.vector.length === dimensions)
          const forIndex = rows.filter((r) => toIndex(r.paragraphId))
          if (forIndex.length > 0) {
            entry.index.add(bigKeys(forIndex.map((r) => r.paragraphId)), endToEnd(forIndex.map((r) => r.vector)), settings.threads)
            entry.dirty = true
          }
          const forExact = rows.filter((r) => toExact(r.paragraphId))
          if (exact !== null && forExact.length > 0) {
            exact.add(forExact.map((r) => r.paragraphId), endToEnd(forExact.map((r) => r.vector)))
            entry.exactSaved = false
          }
          yield* Effect.yieldNow()
        }
        // Grown past what exact search answers in time: the graph alone from now on.
        if (exact !== null && exact.size > settings.exactMax) entry.exact = null
        entry.pages = wanted
        entry.stamp = stamp
      }).pipe(Effect.withSpan("VectorIndex.refresh", { attributes: { landId: entry.landId, model: entry.model } }))

    /** Frees memory for `keep`: the least recently used other indexes go (saved first), oldest first. */
    const evict = (keep: Entry) =>
      Effect.gen(function*() {
        let total = 0
        for (const e of entries.values()) total += e.pages.size
        const others = [...entries.entries()].filter(([, e]) => e !== keep).sort(([, a], [, b]) => a.usedAt - b.usedAt)
        for (const [key, e] of others) {
          if (total <= settings.maxVectors) break
          yield* save(e)
          entries.delete(key)
          total -= e.pages.size
        }
      })

    /** The land's index of the model, current as of at most `refreshMs` ago (`fresh`: as of now). */
    const current = (landId: number, model: string, fresh = false) =>
      Effect.gen(function*() {
        const key = `${landId}\u0000${model}`
        let entry = entries.get(key)
        if (entry === undefined) {
          const dimension = parseModelKey(model)?.dimension ?? 0
          const file = settings.dir === null ? null : path.join(settings.dir, fileName(landId, model))
          entry = {
            landId, model, file,
            index: yield* Effect.sync(() => loadIndex(file, Math.max(1, dimension))),
            exact: null,
            pages: new Map(),
            stamp: null,
            checkedAt: 0,
            seen: -1,
            checking: false,
            usedAt: 0,
            dirty: false,
            keysSaved: false,
            exactSaved: false,
            lock: yield* Effect.makeSemaphore(1)
          }
          entries.set(key, entry)
        }
        const e = entry
        const now = yield* Clock.currentTimeMillis
        e.usedAt = now
        const generation = yield* changes.generation
        const update = e.lock.withPermits(1)(refresh(e)).pipe(
          Effect.zipRight(evict(e)),
          Effect.zipRight(Effect.sync(() => {
            e.seen = Math.max(e.seen, generation)
          }))
        )
        if (fresh || e.stamp === null || e.seen !== generation) yield* update
        else if (now - e.checkedAt >= settings.refreshMs && !e.checking) {
          // Another process's changes: looked for after this use, which the check (a count over the land's vectors,
          // hundreds of milliseconds on a large land) would otherwise hold up.
          e.checking = true
          yield* update.pipe(
            Effect.catchAll((error) => Effect.logWarning("vector index: not brought up to date", error)),
            Effect.ensuring(Effect.sync(() => {
              e.checking = false
            })),
            Effect.forkIn(scope)
          )
        }
        return e
      })

    const neighbours = (e: Entry, ids: ArrayLike<number | bigint>, distances: Float32Array, from: number, to: number) => {
      const out: Array<Neighbour> = []
      for (let i = from; i < to; i++) {
        const paragraphId = Number(ids[i])
        const expressionId = e.pages.get(paragraphId)
        if (expressionId !== undefined) out.push({ paragraphId, expressionId, score: similarityOf(distances[i]!) })
      }
      return out
    }

    /** The `k` paragraphs nearest to one vector: exact while the land's exact rows are kept. */
    const nearest = (e: Entry, vector: Float32Array, k: number) => {
      const n = Math.min(k, e.pages.size)
      if (n === 0) return []
      const found = e.exact !== null ? e.exact.search(vector, n) : e.index.search(vector, n, 1)
      return neighbours(e, "ids" in found ? found.ids : found.keys, found.distances, 0, found.distances.length)
    }

    /** The `k` paragraphs nearest to a vector, most similar first. */
    const search = (landId: number, model: string, vector: Float32Array, k: number) =>
      Effect.map(current(landId, model), (e) => nearest(e, vector, k))

    /**
     * The `k` nearest paragraphs of each of `count` vectors laid end to end in `vectors`. `approximate`: from the graph
     * alone, for a batch as large as the land (pseudolinks), which exact search would take minutes to answer.
     */
    const searchMany = (landId: number, model: string, vectors: Float32Array, count: number, k: number, approximate = false) =>
      Effect.map(current(landId, model), (e): Array<Array<Neighbour>> => {
        const n = Math.min(k, e.pages.size)
        if (n === 0 || count === 0) return Array.from({ length: count }, () => [])
        const d = vectors.length / count
        if (count === 1 || (e.exact !== null && !approximate)) {
          return Array.from({ length: count }, (_, q) => nearest(e, vectors.subarray(q * d, (q + 1) * d), n))
        }
        // A flat array of several vectors is searched as a batch (the typings know only arrays of arrays).
        const found = e.index.search(vectors, n, settings.threads) as unknown as BatchMatches
        return Array.from({ length: count }, (_, q) =>
          neighbours(e, found.keys, found.distances, q * n, q * n + Number(found.counts[q])))
      }).pipe(Effect.withSpan("VectorIndex.searchMany", { attributes: { count, approximate } }))

    /** The paragraphs (with their page) that have a vector of the model, brought up to date now. */
    const paragraphs = (landId: number, model: string): Effect.Effect<ReadonlyMap<number, number>, SqlError> =>
      Effect.map(current(landId, model, true), (e) => e.pages)

    /** How many vectors the land's index of the model holds (as of at most `refreshMs` ago). */
    const size = (landId: number, model: string) => Effect.map(current(landId, model), (e) => e.pages.size)

    /** Drops a deleted land's indexes, in memory and on disk (unsaved). */
    const forget = (landId: number) =>
      Effect.sync(() => {
        for (const [key, e] of entries) if (e.landId === landId) entries.delete(key)
        if (settings.dir === null || !fs.existsSync(settings.dir)) return
        for (const name of fs.readdirSync(settings.dir)) {
          if (name.startsWith(filePrefix(landId))) fs.rmSync(path.join(settings.dir, name), { force: true })
        }
      })

    return { search, searchMany, paragraphs, size, settings, forget } as const
  }),
  dependencies: [VectorChanges.Default]
}) {}

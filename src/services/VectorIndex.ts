import { SqlClient } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import { Clock, Config, Context, Effect, Layer, Option } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import usearch, { type BatchMatches, type Index, type Matches } from "usearch"
import { DatabaseTargetConfig } from "./Database.js"
import { VectorChanges } from "./VectorChanges.js"
import { parseModelKey } from "./embeddings/Embedder.js"
import { nonNegativeInt, positiveInt } from "./config.js"
import { keysFileOf, readKeysFile, writeKeysFile } from "./search/keysFile.js"
import { sameStamp, vectorQueries, type VectorStamp } from "./search/vectors.js"
import { similarityOf } from "../domain/search.js"

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
  /** Threads of a batch search (pseudolinks, similar pages). */
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

interface Entry {
  readonly landId: number
  readonly model: string
  readonly file: string | null
  index: Index
  /** paragraph id → page id, for every vector in `index`. */
  pages: Map<number, number>
  stamp: VectorStamp | null
  checkedAt: number
  /** The generation of this process's vector changes the index has followed. */
  seen: number
  /** A check for other processes' changes runs in the background. */
  checking: boolean
  usedAt: number
  /** Changed since saved. */
  dirty: boolean
  /** Its keys file holds `pages` as of `stamp`. */
  keysSaved: boolean
  readonly lock: Effect.Semaphore
}

// HNSW in bfloat16: a vector costs about 1.2 KB with its graph, cosines keep about 1e-3, and building is twice as
// fast as in f16 and four times as in f32 here (bench/search.ts).
const newIndex = (dimensions: number) =>
  new usearch.Index({
    dimensions,
    metric: usearch.MetricKind.Cos,
    quantization: usearch.ScalarKind.BF16,
    connectivity: 16,
    expansion_add: 64,
    expansion_search: 64,
    multi: false
  })

// Vectors read from the database per query while an index is built.
const READ = 2000

const bigKeys = (ids: ReadonlyArray<number>) => BigUint64Array.from(ids, (id) => BigInt(id))

const holdsAll = (index: Index, ids: ReadonlyArray<number>) => {
  const held = index.contains(bigKeys(ids))
  return Array.isArray(held) ? held.every((h) => h) : held
}

const fileName = (landId: number, model: string) => `land-${landId}-${model.replace(/[^A-Za-z0-9._-]+/g, "_")}.usearch`

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
      Effect.try(() => {
        if (entry.file === null || entry.stamp === null || (!entry.dirty && entry.keysSaved)) return
        fs.mkdirSync(path.dirname(entry.file), { recursive: true })
        if (entry.dirty) {
          const part = `${entry.file}.${process.pid}.part`
          entry.index.save(part)
          fs.renameSync(part, entry.file)
          entry.dirty = false
        }
        writeKeysFile(keysFileOf(entry.file), entry.stamp, entry.pages)
        entry.keysSaved = true
      }).pipe(Effect.catchAll((e) => Effect.logWarning("vector index: not saved", e)))

    yield* Effect.addFinalizer(() => Effect.forEach(entries.values(), save, { discard: true }))

    const load = (file: string | null, dimensions: number) =>
      Effect.sync(() => {
        const index = newIndex(dimensions)
        if (file === null || !fs.existsSync(file)) return index
        try {
          index.load(file)
          return index.dimensions() === dimensions ? index : newIndex(dimensions)
        } catch {
          return newIndex(dimensions)
        }
      })

    /** Makes the index hold exactly the database's vectors of the land and model, reading only what it lacks. */
    const refresh = (entry: Entry) =>
      Effect.gen(function*() {
        const q = vectorQueries(sql, entry.landId, entry.model)
        const stamp = yield* q.stamp
        entry.checkedAt = yield* Clock.currentTimeMillis
        if (entry.stamp !== null && sameStamp(entry.stamp, stamp)) return
        const file = entry.file
        if (entry.stamp === null && entry.index.size() > 0 && file !== null) {
          // Loaded from a file saved with the database's vectors as they still are: its keys file says their pages,
          // if the index holds each of them (another process may have saved the index between this one's two files).
          const index = entry.index
          const saved = yield* Effect.try(() => readKeysFile(keysFileOf(file), stamp, index.size())).pipe(
            Effect.orElseSucceed(() => null)
          )
          if (saved !== null && holdsAll(index, [...saved.keys()])) {
            entry.pages = saved
            entry.stamp = stamp
            entry.keysSaved = true
            return
          }
        }
        const keys = yield* q.keys
        const wanted = new Map(keys.map((k) => [k.paragraphId, k.expressionId]))
        if (entry.stamp === null && entry.index.size() > 0) {
          // Loaded from a file: kept only if it holds nothing the database has dropped since.
          const held = keys.filter((k) => entry.index.contains(BigInt(k.paragraphId)) === true)
          if (held.length === entry.index.size()) entry.pages = new Map(held.map((k) => [k.paragraphId, k.expressionId]))
          else entry.index = newIndex(entry.index.dimensions())
        }
        const gone = [...entry.pages.keys()].filter((id) => !wanted.has(id))
        if (gone.length > 0) entry.index.remove(bigKeys(gone))
        const missing = keys.filter((k) => !entry.pages.has(k.paragraphId)).map((k) => k.paragraphId)
        const dimensions = entry.index.dimensions()
        for (let i = 0; i < missing.length; i += READ) {
          const rows = (yield* q.vectors(missing.slice(i, i + READ))).filter((r) => r.vector.length === dimensions)
          if (rows.length === 0) continue
          const flat = new Float32Array(rows.length * dimensions)
          rows.forEach((r, j) => flat.set(r.vector, j * dimensions))
          entry.index.add(bigKeys(rows.map((r) => r.paragraphId)), flat, settings.threads)
          yield* Effect.yieldNow()
        }
        entry.pages = wanted
        entry.stamp = stamp
        entry.dirty ||= gone.length > 0 || missing.length > 0
        entry.keysSaved = false
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
            index: yield* load(file, Math.max(1, dimension)),
            pages: new Map(),
            stamp: null,
            checkedAt: 0,
            seen: -1,
            checking: false,
            usedAt: 0,
            dirty: false,
            keysSaved: false,
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

    const neighbours = (e: Entry, keys: BigUint64Array, distances: Float32Array, from: number, to: number) => {
      const out: Array<Neighbour> = []
      for (let i = from; i < to; i++) {
        const paragraphId = Number(keys[i])
        const expressionId = e.pages.get(paragraphId)
        if (expressionId !== undefined) out.push({ paragraphId, expressionId, score: similarityOf(distances[i]!) })
      }
      return out
    }

    /** The `k` paragraphs nearest to a vector, most similar first. */
    const search = (landId: number, model: string, vector: Float32Array, k: number) =>
      Effect.map(current(landId, model), (e) => {
        const n = Math.min(k, e.index.size())
        if (n === 0) return []
        const found = e.index.search(vector, n, 1)
        return neighbours(e, found.keys, found.distances, 0, found.keys.length)
      })

    /** The `k` nearest paragraphs of each of `count` vectors laid end to end in `vectors`. */
    const searchMany = (landId: number, model: string, vectors: Float32Array, count: number, k: number) =>
      Effect.map(current(landId, model), (e): Array<Array<Neighbour>> => {
        const n = Math.min(k, e.index.size())
        if (n === 0 || count === 0) return Array.from({ length: count }, () => [])
        if (count === 1) return [neighbours(e, ...pair(e.index.search(vectors, n, 1)), 0, n)]
        // A flat array of several vectors is searched as a batch (the typings know only arrays of arrays).
        const found = e.index.search(vectors, n, settings.threads) as unknown as BatchMatches
        return Array.from({ length: count }, (_, q) =>
          neighbours(e, found.keys, found.distances, q * n, q * n + Number(found.counts[q])))
      }).pipe(Effect.withSpan("VectorIndex.searchMany", { attributes: { count } }))

    const pair = (m: Matches) => [m.keys, m.distances] as const

    /** The paragraphs (with their page) that have a vector of the model, brought up to date now. */
    const paragraphs = (landId: number, model: string): Effect.Effect<ReadonlyMap<number, number>, SqlError> =>
      Effect.map(current(landId, model, true), (e) => e.pages)

    /** How many vectors the land's index of the model holds (as of at most `refreshMs` ago). */
    const size = (landId: number, model: string) => Effect.map(current(landId, model), (e) => e.pages.size)

    return { search, searchMany, paragraphs, size, settings } as const
  }),
  dependencies: [VectorChanges.Default]
}) {}

import type { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import usearch, { type Index } from "usearch"
import type { ExactRows } from "./exactRows.js"
import { exactFileOf, keysFileOf, writeKeysFile, writeStamped } from "./keysFile.js"
import type { VectorStamp } from "./vectors.js"

/** One land's vectors of one model, as the vector index holds them. */
export interface Entry {
  readonly landId: number
  readonly model: string
  readonly file: string | null
  index: Index
  /** The same vectors for exact search, while the land has few enough of them; null beyond. */
  exact: ExactRows | null
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
  /** Its exact file holds `exact` as of `stamp`. */
  exactSaved: boolean
  readonly lock: Effect.Semaphore
}

// HNSW in bfloat16: a vector costs about 1.2 KB with its graph, cosines keep about 1e-3, and building is twice as
// fast as in f16 and four times as in f32 here (bench/search.ts).
export const newIndex = (dimensions: number) =>
  new usearch.Index({
    dimensions,
    metric: usearch.MetricKind.Cos,
    quantization: usearch.ScalarKind.BF16,
    connectivity: 16,
    expansion_add: 64,
    expansion_search: 64,
    multi: false
  })

export const bigKeys = (ids: ReadonlyArray<number>) => BigUint64Array.from(ids, (id) => BigInt(id))

export const holdsAll = (index: Index, ids: ReadonlyArray<number>) => {
  const held = index.contains(bigKeys(ids))
  return Array.isArray(held) ? held.every((h) => h) : held
}

export const fileName = (landId: number, model: string) =>
  `${filePrefix(landId)}${model.replace(/[^A-Za-z0-9._-]+/g, "_")}.usearch`

/** What the names of a land's files (its indexes, their keys and exact rows) begin with. */
export const filePrefix = (landId: number) => `land-${landId}-`

/** The index saved in `file`, or an empty one (none saved, damaged, or of other dimensions). */
export const loadIndex = (file: string | null, dimensions: number) => {
  const index = newIndex(dimensions)
  if (file === null || !fs.existsSync(file)) return index
  try {
    index.load(file)
    return index.dimensions() === dimensions ? index : newIndex(dimensions)
  } catch {
    return newIndex(dimensions)
  }
}

/** Writes what changed since the last save: the index, its keys, its exact rows (each replaced whole). */
export const saveEntry = (entry: Entry) => {
  if (entry.file === null || entry.stamp === null) return
  fs.mkdirSync(path.dirname(entry.file), { recursive: true })
  if (entry.dirty) {
    const part = `${entry.file}.${process.pid}.part`
    entry.index.save(part)
    fs.renameSync(part, entry.file)
    entry.dirty = false
  }
  if (!entry.keysSaved) {
    writeKeysFile(keysFileOf(entry.file), entry.stamp, entry.pages)
    entry.keysSaved = true
  }
  if (entry.exact !== null && !entry.exactSaved) {
    writeStamped(exactFileOf(entry.file), entry.stamp, entry.exact.size, entry.exact.bytes())
    entry.exactSaved = true
  }
}

import usearch from "usearch"

// A land's vectors as rows of 8-bit integers, searched exhaustively. An HNSW graph over lexical (hash) vectors of a
// few hundred thousand paragraphs finds the true nearest one for only a minority of queries: such vectors spread
// evenly, the graph's worst case. Scanning every row with the CPU's vector instructions is exact and, at 200,000 rows
// of 512 coordinates, a few milliseconds (bench/search.ts). Each row is scaled on its own to the full 8-bit range: a
// cosine does not change when one of its vectors is scaled, and the rounding moves it by about 0.005.

const quantise = (vector: Float32Array, out: Int8Array, at: number) => {
  let max = 0
  for (let i = 0; i < vector.length; i++) max = Math.max(max, Math.abs(vector[i]!))
  const scale = max === 0 ? 0 : 127 / max
  for (let i = 0; i < vector.length; i++) out[at + i] = Math.round(vector[i]! * scale)
}

export class ExactRows {
  private rows: Int8Array
  private ids: Int32Array
  private readonly rowOf = new Map<number, number>()

  constructor(readonly dimensions: number, capacity = 1024) {
    this.rows = new Int8Array(capacity * dimensions)
    this.ids = new Int32Array(capacity)
  }

  get size() {
    return this.rowOf.size
  }

  has(id: number) {
    return this.rowOf.has(id)
  }

  keys(): Array<number> {
    return [...this.rowOf.keys()]
  }

  /** Adds (or replaces) the row of each id; `vectors` holds them end to end. */
  add(ids: ReadonlyArray<number>, vectors: Float32Array) {
    const d = this.dimensions
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!
      let row = this.rowOf.get(id)
      if (row === undefined) {
        row = this.size
        if (row === this.ids.length) this.grow(row * 2)
        this.rowOf.set(id, row)
        this.ids[row] = id
      }
      quantise(vectors.subarray(i * d, (i + 1) * d), this.rows, row * d)
    }
  }

  /** Removes the rows of these ids: the last row takes each freed place, so that the rows stay contiguous. */
  remove(ids: Iterable<number>) {
    const d = this.dimensions
    for (const id of ids) {
      const row = this.rowOf.get(id)
      if (row === undefined) continue
      this.rowOf.delete(id)
      const last = this.rowOf.size
      if (row !== last) {
        const moved = this.ids[last]!
        this.ids[row] = moved
        this.rowOf.set(moved, row)
        this.rows.copyWithin(row * d, last * d, (last + 1) * d)
      }
    }
  }

  /** The ids of the `k` rows nearest to `vector` by cosine, nearest first, with their cosine distances. */
  search(vector: Float32Array, k: number): { readonly ids: Array<number>; readonly distances: Float32Array } {
    const n = Math.min(k, this.size)
    if (n === 0) return { ids: [], distances: new Float32Array(0) }
    const query = new Int8Array(this.dimensions)
    quantise(vector, query, 0)
    const found = usearch.exactSearch(this.rows.subarray(0, this.size * this.dimensions), query, this.dimensions, n,
      usearch.MetricKind.Cos, 1)
    // Offsets of rows, not keys: mapped back to ids here.
    return { ids: Array.from(found.keys, (row) => this.ids[Number(row)]!), distances: found.distances }
  }

  /** The ids and rows, for saving beside the index. */
  bytes(): ReadonlyArray<Uint8Array> {
    const n = this.size
    return [new Uint8Array(this.ids.buffer, 0, n * 4), new Uint8Array(this.rows.buffer, 0, n * this.dimensions)]
  }

  /** Rows saved by `bytes`: null unless `body` holds exactly `count` rows of this many dimensions. */
  static fromBytes(dimensions: number, count: number, body: Uint8Array): ExactRows | null {
    if (body.length !== count * (4 + dimensions)) return null
    const exact = new ExactRows(dimensions, Math.max(1024, count))
    // Copied out: the saved bytes start at any offset.
    exact.ids.set(new Int32Array(new Uint8Array(body.subarray(0, count * 4)).buffer))
    exact.rows.set(new Int8Array(body.buffer, body.byteOffset + count * 4, count * dimensions))
    for (let row = 0; row < count; row++) exact.rowOf.set(exact.ids[row]!, row)
    return exact.size === count ? exact : null
  }

  private grow(capacity: number) {
    const rows = new Int8Array(capacity * this.dimensions)
    rows.set(this.rows)
    this.rows = rows
    const ids = new Int32Array(capacity)
    ids.set(this.ids)
    this.ids = ids
  }
}

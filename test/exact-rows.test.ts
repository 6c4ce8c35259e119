import { describe, expect, it } from "@effect/vitest"
import { hashEmbedding } from "../src/services/embeddings/hash.js"
import { ExactRows } from "../src/services/search/exactRows.js"
import { english, french } from "./fixtures/passages.js"

const texts = [...english, ...french]
const D = hashEmbedding("x").length
const flat = (vectors: ReadonlyArray<Float32Array>) => {
  const out = new Float32Array(vectors.length * D)
  vectors.forEach((v, i) => out.set(v, i * D))
  return out
}
const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0)

// The true order, by the vectors' own cosines (hash vectors are unit length).
const bruteForce = (rows: ReadonlyMap<number, Float32Array>, query: Float32Array, k: number) =>
  [...rows].map(([id, v]) => ({ id, score: cosine(query, v) })).sort((a, b) => b.score - a.score).slice(0, k)

describe("exact rows", () => {
  it("find the same nearest rows, with the same cosines within 0.01, as full-precision vectors", () => {
    const exact = new ExactRows(D, 4)
    const rows = new Map(texts.map((t, i) => [100 + i, hashEmbedding(t)] as const))
    exact.add([...rows.keys()], flat([...rows.values()]))
    expect(exact.size).toBe(texts.length)
    for (const text of texts) {
      // A query cut from a stored text, its first half.
      const query = hashEmbedding(text.slice(0, Math.floor(text.length / 2)))
      const found = exact.search(query, 3)
      const truth = bruteForce(rows, query, 3)
      expect(found.ids[0]).toBe(truth[0]!.id)
      found.ids.forEach((id, i) => expect(Math.abs(1 - found.distances[i]! - cosine(query, rows.get(id)!))).toBeLessThan(0.01))
    }
  })

  it("replace a row added again, keep the others in place when one is removed, and answer no more than they hold", () => {
    const exact = new ExactRows(D)
    exact.add([1, 2, 3], flat([hashEmbedding(english[0]!), hashEmbedding(english[1]!), hashEmbedding(english[2]!)]))
    exact.add([1], flat([hashEmbedding(french[0]!)]))
    expect(exact.size).toBe(3)
    expect(exact.search(hashEmbedding(french[0]!), 1).ids).toEqual([1])
    exact.remove([1, 42])
    expect(exact.keys().sort()).toEqual([2, 3])
    expect(exact.search(hashEmbedding(english[2]!), 1).ids).toEqual([3])
    expect(exact.search(hashEmbedding(english[1]!), 10).ids).toEqual([2, 3])
    exact.remove([2, 3])
    expect(exact.search(hashEmbedding(english[1]!), 10).ids).toEqual([])
  })

  it("are read back from their bytes, and refuse bytes of another count or dimension", () => {
    const exact = new ExactRows(D)
    exact.add([7, 8], flat([hashEmbedding(english[0]!), hashEmbedding(french[1]!)]))
    // At an odd offset, as in a file after its header.
    const saved = Buffer.concat([Buffer.from("x"), ...exact.bytes()]).subarray(1)
    const back = ExactRows.fromBytes(D, 2, saved)!
    expect(back.keys().sort()).toEqual([7, 8])
    expect(back.search(hashEmbedding(french[1]!), 1).ids).toEqual([8])
    expect(ExactRows.fromBytes(D, 3, saved)).toBeNull()
    expect(ExactRows.fromBytes(D / 2, 2, saved)).toBeNull()
  })
})

import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { decodeVector, dot, encodeVector } from "../src/domain/vector.js"
import { parseModelKey, requestsOf } from "../src/services/embeddings/Embedder.js"
import { HASH_DIMENSION, hashEmbedder, hashEmbedding } from "../src/services/embeddings/hash.js"
import { edited, english, french, quoted, unrelatedPairs } from "./fixtures/passages.js"

const similarity = (a: string, b: string) => dot(hashEmbedding(a), hashEmbedding(b))
const max = (xs: ReadonlyArray<number>) => Math.max(...xs)
const min = (xs: ReadonlyArray<number>) => Math.min(...xs)

describe("hash provider", () => {
  it.effect("is deterministic, L2-normalised, of its dimension, in the texts' order", () =>
    Effect.gen(function*() {
      const vs = yield* hashEmbedder.embed([english[0]!, french[0]!, english[0]!])
      expect(vs).toHaveLength(3)
      expect(vs[0]!.length).toBe(HASH_DIMENSION)
      expect(Array.from(vs[0]!)).toEqual(Array.from(vs[2]!))
      expect(Array.from(vs[0]!)).toEqual(Array.from(hashEmbedding(english[0]!)))
      expect(dot(vs[0]!, vs[0]!)).toBeCloseTo(1, 5)
      expect(hashEmbedder.key).toBe(`hash/ngrams-v1/${HASH_DIMENSION}`)
    }))

  it("folds case and accents", () => {
    expect(similarity("Élève à l'école", "eleve a l ECOLE")).toBeCloseTo(1, 5)
  })

  for (const [language, passages] of [["English", english], ["French", french]] as const) {
    it(`puts reused and edited ${language} passages far above unrelated ones`, () => {
      const unrelated = unrelatedPairs(passages).map(([a, b]) => similarity(a, b))
      const lightlyEdited = passages.map((p) => similarity(p, edited(p)))
      const heavilyEdited = passages.map((p) => similarity(p, edited(p, 4)))
      const inQuotes = passages.map((p, i) => similarity(p, quoted(p, passages[(i + 1) % 6]!.slice(0, 200), passages[(i + 2) % 6]!.slice(0, 200))))
      expect(max(unrelated)).toBeLessThan(0.25)
      expect(min(passages.map((p) => similarity(p, p)))).toBeCloseTo(1, 5)
      expect(min(lightlyEdited)).toBeGreaterThan(0.6)
      expect(min(inQuotes)).toBeGreaterThan(0.6)
      // One word in four replaced and a sentence dropped is still well above the unrelated.
      expect(min(heavilyEdited)).toBeGreaterThan(0.45)
    })
  }

  it("does not take a translation for a reuse (it is lexical)", () => {
    expect(max(english.map((e, i) => similarity(e, french[i]!)))).toBeLessThan(0.25)
  })
})

describe("vectors and requests", () => {
  it("stores vectors as float32 little-endian and reads them back, at any byte offset", () => {
    const v = hashEmbedding(english[1]!)
    const bytes = encodeVector(v)
    expect(bytes.byteLength).toBe(HASH_DIMENSION * 4)
    const shifted = new Uint8Array(bytes.byteLength + 1)
    shifted.set(bytes, 1)
    expect(Array.from(decodeVector(shifted.subarray(1)))).toEqual(Array.from(v))
  })

  it("cuts texts into requests within the inputs and approximate tokens limits", () => {
    const texts = Array.from({ length: 10 }, (_, i) => "x".repeat(30 * (i + 1)))
    const requests = requestsOf(texts, { maxInputs: 4, maxTokens: 100, concurrency: 1 })
    expect(requests.flat()).toEqual(texts)
    for (const r of requests) expect(r.length).toBeLessThanOrEqual(4)
    expect(requests.filter((r) => r.length > 1).every((r) => r.reduce((n, t) => n + t.length / 3, 0) <= 100)).toBe(true)
  })

  it("reads model keys back, model names with slashes included", () => {
    expect(parseModelKey("openai/org/model/768")).toEqual({ provider: "openai", model: "org/model", dimension: 768 })
    expect(parseModelKey("nonsense")).toBeNull()
  })
})

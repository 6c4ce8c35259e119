import { describe, expect, it } from "@effect/vitest"
import { BANDS, bandKeys, bucketPairs } from "../src/domain/near-copies.js"
import { edited, english, french, quoted } from "./fixtures/passages.js"

const passages = [...english, ...french]

/** Band keys of texts, with the texts too short to have them marked. */
const keysOf = (texts: ReadonlyArray<string>) => {
  const keys = new Uint32Array(texts.length * BANDS)
  const usable = Uint8Array.from(texts, (text, i) => bandKeys(text, keys, i * BANDS) ? 1 : 0)
  return { keys, usable }
}

const pairsOf = (texts: ReadonlyArray<string>, group: ReadonlyArray<number> = texts.map((_, i) => i)) => {
  const { keys, usable } = keysOf(texts)
  return bucketPairs(keys, usable, group).map(([i, j]) => `${i} ${j}`)
}

describe("near copies", () => {
  it("pair every lightly edited or quoted copy with its passage, and no two unrelated passages", () => {
    const copies = passages.flatMap((p) => [edited(p), quoted(p, "As the report put it,", "and nothing more.")])
    const pairs = new Set(pairsOf([...passages, ...copies]))
    passages.forEach((_, i) => {
      expect(pairs.has(`${i} ${passages.length + 2 * i}`)).toBe(true)
      expect(pairs.has(`${i} ${passages.length + 2 * i + 1}`)).toBe(true)
    })
    for (const pair of pairs) {
      const [i, j] = pair.split(" ").map(Number) as [number, number]
      const source = (n: number) => n < passages.length ? n : Math.floor((n - passages.length) / 2)
      expect(source(i)).toBe(source(j))
    }
  })

  it("give identical keys to texts differing by case, accents and punctuation, and none to a phrase of a few words", () => {
    const a = keysOf(["L'été fut chaud, très chaud : les récoltes en souffrent."])
    const b = keysOf(["l ete fut CHAUD tres chaud les recoltes en souffrent"])
    expect(a.keys).toEqual(b.keys)
    expect(keysOf(["Read more", "Share this article now"]).usable).toEqual(Uint8Array.from([0, 0]))
  })

  it("pair texts of different groups only", () => {
    expect(pairsOf([english[0]!, english[0]!, english[0]!], [7, 7, 8])).toEqual(["0 2", "1 2"])
  })

  it("link a text found on many pages to a few of the next copies each, not every pair", () => {
    const many = Array.from({ length: 400 }, () => french[0]!)
    const pairs = pairsOf(many)
    expect(pairs.length).toBeLessThanOrEqual(400 * 5)
    expect(pairs.length).toBeGreaterThanOrEqual(399)
  })
})

import { fnv1a, mix32 as mix } from "./hash32.js"
import { normaliseText } from "./paragraphs.js"

// Lightly edited copies of a passage keep most of its runs of three words; unrelated paragraphs share almost none.
// MinHash over those runs, cut into bands (locality-sensitive hashing), puts two paragraphs in one bucket when they
// agree on a whole band: texts sharing half their runs meet in one of 20 bands of 3 with a probability of 0.93, texts
// sharing a twentieth of them almost never. A vector index cannot promise that: on a large land of near-orthogonal
// lexical vectors, its graph misses a third of the edited copies.
export const BANDS = 20
const ROWS = 3
const SHINGLE = 3
// Fewer runs than this and a common phrase would pass for a copy.
const MIN_SHINGLES = 4
// Each paragraph of a bucket is paired with the next few of other pages only, so that a phrase on thousands of pages
// stays linear (as exact copies are banded).
const LINKS = 5
const SCAN = LINKS * 4

const SEEDS = Uint32Array.from({ length: BANDS * ROWS }, (_, i) => mix(0x9e3779b9 + i))

/**
 * Writes the text's BANDS band keys at `keys[offset..]`; false when the text is too short to have them.
 */
export const bandKeys = (text: string, keys: Uint32Array, offset: number): boolean => {
  const words = normaliseText(text).split(" ").map((word) => fnv1a(word))
  const shingles = words.length - SHINGLE + 1
  if (shingles < MIN_SHINGLES) return false
  const least = new Uint32Array(BANDS * ROWS).fill(0xffffffff)
  for (let j = 0; j < shingles; j++) {
    const s = mix(mix(mix(words[j]!) ^ words[j + 1]!) ^ words[j + 2]!)
    for (let i = 0; i < least.length; i++) {
      const v = mix(s ^ SEEDS[i]!)
      if (v < least[i]!) least[i] = v
    }
  }
  for (let b = 0; b < BANDS; b++) {
    keys[offset + b] = mix(mix(mix(least[b * ROWS]!) ^ least[b * ROWS + 1]!) ^ least[b * ROWS + 2]! ^ b)
  }
  return true
}

/**
 * The pairs of items (indexes `i < j`) that share a band key, of different groups (pages). `keys` holds BANDS keys an
 * item, `usable[i]` says whether item i has them.
 */
export const bucketPairs = (
  keys: Uint32Array,
  usable: Uint8Array,
  group: ArrayLike<number>
): Array<readonly [number, number]> => {
  const n = usable.length
  // Key and index in one float, sorted natively: the key keeps the bits the index leaves (a shortened key only adds
  // candidates, which the caller checks).
  const indexBits = Math.max(1, Math.ceil(Math.log2(n + 1)))
  const keyShift = Math.max(0, 32 - (53 - indexBits))
  const scale = 2 ** indexBits
  const seen = new Set<number>()
  const pairs: Array<readonly [number, number]> = []
  const sorted = new Float64Array(n)
  for (let b = 0; b < BANDS; b++) {
    let m = 0
    for (let i = 0; i < n; i++) if (usable[i] === 1) sorted[m++] = (keys[i * BANDS + b]! >>> keyShift) * scale + i
    const band = sorted.subarray(0, m).sort()
    for (let start = 0; start < m;) {
      const key = Math.floor(band[start]! / scale)
      let end = start + 1
      while (end < m && Math.floor(band[end]! / scale) === key) end++
      for (let p = start; p < end - 1; p++) {
        const i = band[p]! % scale
        let linked = 0
        for (let q = p + 1; q < end && q <= p + SCAN && linked < LINKS; q++) {
          const j = band[q]! % scale
          if (group[i] === group[j]) continue
          linked++
          const pair = i * n + j
          if (!seen.has(pair)) {
            seen.add(pair)
            pairs.push([i, j])
          }
        }
      }
      start = end
    }
  }
  return pairs
}

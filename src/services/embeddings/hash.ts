import { Effect } from "effect"
import { normaliseText } from "../../domain/paragraphs.js"
import { normalise } from "../../domain/vector.js"
import { type Embedder, modelKey } from "./Embedder.js"

/**
 * The offline provider: a deterministic feature-hashing embedding. Its features are the text's words, pairs of
 * consecutive words, and the 4-character pieces of each word (lower-cased, accents folded, any script); each is hashed
 * to one of `HASH_DIMENSION` coordinates with a sign, weighted 1 + log(count), and the vector L2-normalised.
 * Two texts are close when they share words, word pairs and word pieces: it finds reused and lightly edited passages
 * (reprints, press releases, quotes), not texts that mean the same in other words. It is lexical, not semantic.
 */
export const HASH_MODEL = "ngrams-v1"
export const HASH_DIMENSION = 512

const CHAR_GRAM = 4
// Word pairs carry the order of the words, which reuse keeps and unrelated texts rarely share; word pieces tolerate
// inflections and small edits. Words of one or two letters are mostly function words that every text of a language has.
const WEIGHT_WORD = 1
const WEIGHT_SHORT_WORD = 0.25
const WEIGHT_PAIR = 1.2
const WEIGHT_PIECE = 0.35
// Texts hashed between two yields to the event loop, so that a crawl beside the embedding keeps its timers.
const CHUNK = 32

const SEED_WORD = 0x811c9dc5
const SEED_PAIR = 0x2f6b1a37
const SEED_PIECE = 0x5bd1e995

const hashString = (s: string, from: number, to: number, seed: number) => {
  let h = seed
  for (let i = from; i < to; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619)
  return h
}

// A final mix so that the bucket and the sign come from well-spread bits.
const mix = (x: number) => {
  let h = x ^ (x >>> 16)
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return h ^ (h >>> 16)
}

/** Counts of the hashed features of a text, per kind of feature (weighted by kind). */
const features = (text: string): ReadonlyArray<readonly [Map<number, number>, number]> => {
  const words = new Map<number, number>()
  const shortWords = new Map<number, number>()
  const pairs = new Map<number, number>()
  const pieces = new Map<number, number>()
  const add = (counts: Map<number, number>, h: number) => counts.set(h, (counts.get(h) ?? 0) + 1)
  let previous = -1
  for (const word of normaliseText(text).split(" ")) {
    if (word === "") continue
    const w = hashString(word, 0, word.length, SEED_WORD)
    add(word.length <= 2 ? shortWords : words, w)
    if (previous !== -1) add(pairs, Math.imul(previous, 31) ^ w ^ SEED_PAIR)
    previous = w
    const padded = ` ${word} `
    for (let i = 0; i + CHAR_GRAM <= padded.length; i++) add(pieces, hashString(padded, i, i + CHAR_GRAM, SEED_PIECE))
  }
  return [[words, WEIGHT_WORD], [shortWords, WEIGHT_SHORT_WORD], [pairs, WEIGHT_PAIR], [pieces, WEIGHT_PIECE]]
}

/** One text's vector. */
export const hashEmbedding = (text: string, dimension = HASH_DIMENSION): Float32Array => {
  const v = new Float32Array(dimension)
  for (const [counts, kindWeight] of features(text)) {
    for (const [h, n] of counts) {
      const m = mix(h)
      const weight = n === 1 ? kindWeight : kindWeight * (1 + Math.log(n))
      v[(m >>> 1) % dimension] += (m & 1) === 0 ? weight : -weight
    }
  }
  return normalise(v)
}

export const hashEmbedder: Embedder = {
  provider: "hash",
  model: HASH_MODEL,
  dimension: HASH_DIMENSION,
  key: modelKey("hash", HASH_MODEL, HASH_DIMENSION),
  batchSize: 256,
  concurrency: 1,
  embed: (texts) =>
    Effect.gen(function*() {
      const out: Array<Float32Array> = []
      for (let i = 0; i < texts.length; i += CHUNK) {
        if (i > 0) yield* Effect.yieldNow()
        for (const text of texts.slice(i, i + CHUNK)) out.push(hashEmbedding(text))
      }
      return out
    })
}

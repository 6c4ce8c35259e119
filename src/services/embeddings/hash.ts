import { Effect } from "effect"
import { fnv1a, mix32 } from "../../domain/hash32.js"
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

/**
 * Counts of one kind of feature, in the order first seen (the order their weights are added in, which float32 sums
 * depend on): an open-addressing table of typed arrays reused from text to text, where a Map per text and a string per
 * word piece took most of the embedding's time.
 */
class FeatureCounts {
  private keys = new Int32Array(0)
  private counts = new Int32Array(0)
  private stamps = new Int32Array(0)
  private stamp = 0
  private mask = 0
  /** Slots in the order their keys were first added. */
  order = new Int32Array(0)
  size = 0

  /** Empties the table for a text of at most `features` features of this kind. */
  reset(features: number) {
    if (this.keys.length < features * 2) {
      let capacity = 64
      while (capacity < features * 2) capacity *= 2
      this.keys = new Int32Array(capacity)
      this.counts = new Int32Array(capacity)
      this.stamps = new Int32Array(capacity)
      this.order = new Int32Array(capacity)
      this.mask = capacity - 1
      this.stamp = 0
    }
    this.stamp++
    this.size = 0
  }

  add(h: number) {
    let slot = Math.imul(h, 0x9e3779b1) >>> 0 & this.mask
    while (this.stamps[slot] === this.stamp) {
      if (this.keys[slot] === h) return void this.counts[slot]++
      slot = (slot + 1) & this.mask
    }
    this.stamps[slot] = this.stamp
    this.keys[slot] = h
    this.counts[slot] = 1
    this.order[this.size++] = slot
  }

  /** Adds the features' signed, weighted buckets to `v`. */
  addTo(v: Float32Array, kindWeight: number) {
    const dimension = v.length
    for (let i = 0; i < this.size; i++) {
      const slot = this.order[i]!
      const n = this.counts[slot]!
      // Mixed so that the bucket and the sign come from well-spread bits.
      const m = mix32(this.keys[slot]!)
      const weight = n === 1 ? kindWeight : kindWeight * (1 + Math.log(n))
      v[(m >>> 1) % dimension] += (m & 1) === 0 ? weight : -weight
    }
  }
}

const words = new FeatureCounts()
const shortWords = new FeatureCounts()
const pairs = new FeatureCounts()
const pieces = new FeatureCounts()
const SPACE = 32

/**
 * The vector of a text already normalised (`normaliseText`: words separated by single spaces). Word pieces are hashed
 * from the word's characters padded with a space on each side, as `hashEmbedding`'s first version did on strings.
 */
export const hashEmbeddingOfNormalised = (normalised: string, dimension = HASH_DIMENSION): Float32Array => {
  const length = normalised.length
  for (const counts of [words, shortWords, pairs, pieces]) counts.reset(length + 1)
  let previous = -1
  let start = 0
  while (start < length) {
    let end = normalised.indexOf(" ", start)
    if (end === -1) end = length
    if (end > start) {
      const w = fnv1a(normalised, start, end, SEED_WORD)
      ;(end - start <= 2 ? shortWords : words).add(w)
      if (previous !== -1) pairs.add(Math.imul(previous, 31) ^ w ^ SEED_PAIR)
      previous = w
      // The pieces of " word ": position -1 and `end` are the padding spaces.
      for (let from = start - 1; from + CHAR_GRAM <= end + 1; from++) {
        let h = SEED_PIECE
        for (let i = from; i < from + CHAR_GRAM; i++) {
          h = Math.imul(h ^ (i < start || i >= end ? SPACE : normalised.charCodeAt(i)), 16777619)
        }
        pieces.add(h)
      }
    }
    start = end + 1
  }
  const v = new Float32Array(dimension)
  words.addTo(v, WEIGHT_WORD)
  shortWords.addTo(v, WEIGHT_SHORT_WORD)
  pairs.addTo(v, WEIGHT_PAIR)
  pieces.addTo(v, WEIGHT_PIECE)
  return normalise(v)
}

/** One text's vector. */
export const hashEmbedding = (text: string, dimension = HASH_DIMENSION): Float32Array =>
  hashEmbeddingOfNormalised(normaliseText(text), dimension)

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

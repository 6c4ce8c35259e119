// How close an extracted text is to a reference text, by word shingles (runs of n consecutive words), as the
// article-extraction benchmarks score extractors: a shingle kept in order counts, a stray word or a block of
// boilerplate costs as many shingles as it has words, and punctuation, case and whitespace do not count.

/** Words as letters and digits only: curly or straight quotes, dashes and entities decoded differently never differ. */
export const shingleTokens = (text: string): ReadonlyArray<string> =>
  text.normalize("NFKC").toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []

/**
 * The multiset of n-word shingles of `text`; a text shorter than n words is one shingle of all its words, so that a
 * short text still counts.
 */
export const shingles = (text: string, n = 5): ReadonlyMap<string, number> => {
  const words = shingleTokens(text)
  const counts = new Map<string, number>()
  const last = Math.max(0, words.length - n)
  for (let start = 0; start <= last && words.length > 0; start++) {
    const shingle = words.slice(start, start + n).join(" ")
    counts.set(shingle, (counts.get(shingle) ?? 0) + 1)
  }
  return counts
}

export interface ShingleScore {
  /** Share of the extracted shingles found in the reference. */
  readonly precision: number
  /** Share of the reference shingles found in the extracted text. */
  readonly recall: number
  readonly f1: number
}

const ratio = (part: number, whole: number, otherSideEmpty: boolean): number =>
  // Nothing extracted from nothing is a perfect answer; nothing extracted from something is not.
  whole === 0 ? (otherSideEmpty ? 1 : 0) : part / whole

/** Precision, recall and F1 of `extracted` against `reference`, shingles counted with multiplicity. */
export const shingleScore = (extracted: string, reference: string, n = 5): ShingleScore => {
  const found = shingles(extracted, n)
  const expected = shingles(reference, n)
  let common = 0
  let foundTotal = 0
  let expectedTotal = 0
  for (const count of expected.values()) expectedTotal += count
  for (const [shingle, count] of found) {
    foundTotal += count
    common += Math.min(count, expected.get(shingle) ?? 0)
  }
  const precision = ratio(common, foundTotal, expectedTotal === 0)
  const recall = ratio(common, expectedTotal, foundTotal === 0)
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall)
  return { precision, recall, f1 }
}

import { newStemmer } from "snowball-stemmers"

/** A language code as found on pages and lands: ISO 639-1, possibly with a region ("fr", "fr-FR", "pt_BR"). */
export type Lang = string

// ISO 639-1 code → snowball-stemmers algorithm. "porter" is left out: it is the original English algorithm, which
// "english" supersedes.
const ALGORITHMS: ReadonlyMap<Lang, string> = new Map([
  ["ar", "arabic"],
  ["ca", "catalan"],
  ["cs", "czech"],
  ["da", "danish"],
  ["de", "german"],
  ["en", "english"],
  ["es", "spanish"],
  ["eu", "basque"],
  ["fi", "finnish"],
  ["fr", "french"],
  ["ga", "irish"],
  ["hu", "hungarian"],
  ["hy", "armenian"],
  ["it", "italian"],
  ["nb", "norwegian"],
  ["nl", "dutch"],
  ["nn", "norwegian"],
  ["no", "norwegian"],
  ["pt", "portuguese"],
  ["ro", "romanian"],
  ["ru", "russian"],
  ["sl", "slovene"],
  ["sv", "swedish"],
  ["ta", "tamil"],
  ["tr", "turkish"]
])

/** The ISO 639-1 codes that get a real stemmer; any other language is only lowercased (see `stemmerFor`). */
export const supportedLanguages: ReadonlyArray<Lang> = [...ALGORITHMS.keys()]

/** Reduces a language tag to its primary subtag, so that "FR-fr", "fr_CA" and "fr" share one stemmer. */
export const normalizeLang = (lang: string): Lang => lang.trim().toLowerCase().split(/[-_]/, 1)[0] ?? ""

export const isSupportedLanguage = (lang: string): boolean => ALGORITHMS.has(normalizeLang(lang))

// Stemming sits on the crawler's hot path and natural text repeats a small vocabulary, so stems are memoised; the bound
// keeps a long crawl over many vocabularies from growing the cache forever, and clearing is cheaper than LRU upkeep.
const MEMO_LIMIT = 50_000

const normalizeWord = (word: string): string => word.toLowerCase().normalize("NFC")

const stemmers = new Map<string, (word: string) => string>()

const memoisedStemmer = (algorithm: string): ((word: string) => string) => {
  const snowball = newStemmer(algorithm)
  const memo = new Map<string, string>()
  return (word) => {
    const known = memo.get(word)
    if (known !== undefined) return known
    const normalised = normalizeWord(word)
    // Czech stems "a" and "o" to "" (Irish does similar): an empty stem would make every such word match every other.
    const stem = snowball.stem(normalised) || normalised
    if (memo.size >= MEMO_LIMIT) memo.clear()
    memo.set(word, stem)
    return stem
  }
}

/**
 * The word → stem function of a language. Input is lowercased and NFC-normalised first, because the Snowball
 * algorithms misbehave on uppercase. A language without a Snowball algorithm falls back to that normalisation alone
 * (lowercase identity): words then only match their own spelling, not their other inflections. A word the algorithm
 * would reduce to nothing is kept whole. Stemming is deterministic but not idempotent ("agreed" → "agre" → "agr"), so
 * stems must always be computed from words, never re-stemmed.
 */
export const stemmerFor = (lang: string): ((word: string) => string) => {
  const algorithm = ALGORITHMS.get(normalizeLang(lang))
  if (algorithm === undefined) return normalizeWord
  let stemmer = stemmers.get(algorithm)
  if (stemmer === undefined) {
    stemmer = memoisedStemmer(algorithm)
    stemmers.set(algorithm, stemmer)
  }
  return stemmer
}

// Typographic and modifier apostrophes are folded into ASCII so that "d’un" and "d'un" tokenise alike; U+02BC is a
// letter for \p{L}, so without this it would glue words together.
const APOSTROPHES = /[\u2019\u02BC\u2018]/g

// A word is a run of letters and digits (combining marks may follow, for decomposed or Indic scripts); an apostrophe
// between two such runs stays inside the word ("aujourd'hui", "children's"). Hyphens split: a hyphenated dictionary term
// is tokenised the same way, so it still matches as a phrase, and it also matches the unhyphenated spelling.
const WORD = /[\p{L}\p{N}][\p{L}\p{M}\p{N}]*(?:'[\p{L}\p{N}][\p{L}\p{M}\p{N}]*)*/gu

// Elided articles, pronouns and prepositions of French, Italian and Catalan: "l'économie" is about "économie".
const ELISIONS: ReadonlySet<string> = new Set([
  "c", "d", "j", "l", "m", "n", "s", "t", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu",
  "all", "dall", "dell", "nell", "sull", "coll", "quell", "quest", "un"
])

const stripElisions = (word: string): string => {
  let rest = word
  let apostrophe = rest.indexOf("'")
  while (apostrophe !== -1 && ELISIONS.has(rest.slice(0, apostrophe))) {
    rest = rest.slice(apostrophe + 1)
    apostrophe = rest.indexOf("'")
  }
  return rest
}

/** The lowercase word tokens of a text, in order, with elided articles ("l'", "qu'", "dell'") removed. */
export const tokenize = (text: string): Array<string> => {
  const normalised = text.normalize("NFC").replace(APOSTROPHES, "'").toLowerCase().normalize("NFC")
  // String.match with a global regex is about three times faster than matchAll on long texts.
  const words = normalised.match(WORD)
  if (words === null) return []
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!
    if (word.includes("'")) words[i] = stripElisions(word)
  }
  return words
}

/** The stems of a text's tokens, in order. */
export const stemText = (text: string, lang: string): Array<string> => {
  const stem = stemmerFor(lang)
  return tokenize(text).map(stem)
}

/** The form a dictionary stores for a term: its words' stems joined by single spaces. */
export const lemmaOf = (term: string, lang: string): string => stemText(term, lang).join(" ")

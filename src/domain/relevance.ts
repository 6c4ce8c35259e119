import { markdownToText } from "./markdown-text.js"
import { normalizeLang, stemmerFor, stemText, tokenize } from "./stem.js"
import type { Lang } from "./stem.js"

export interface DictionaryTerm {
  readonly term: string
  readonly weight: number
}

/** What a dictionary is compiled from (`compileDictionary`'s arguments), as it is sent to a worker thread. */
export interface DictionarySource {
  readonly terms: ReadonlyArray<DictionaryTerm>
  readonly langs: ReadonlyArray<string>
}

export interface CompiledTerm {
  readonly term: string
  readonly weight: number
  /** The term's stems in order; a multi-word term only matches where these stems are consecutive. */
  readonly stems: ReadonlyArray<string>
}

export interface CompiledLanguage {
  /** Every term whose stems are not empty; a term with no word in it (only punctuation) can never match. */
  readonly terms: ReadonlyArray<CompiledTerm>
  /** Terms keyed by their first stem, so scanning a page costs one map lookup per word however big the dictionary. */
  readonly byFirstStem: ReadonlyMap<string, ReadonlyArray<CompiledTerm>>
}

export interface CompiledDictionary {
  /** The land's languages, normalised and deduplicated; the first one stands in for any other page language. */
  readonly langs: readonly [Lang, ...Array<Lang>]
  readonly byLang: ReadonlyMap<Lang, CompiledLanguage>
}

export interface Page {
  readonly title?: string | null | undefined
  readonly text?: string | null | undefined
  readonly lang?: string | null | undefined
}

// A land without a language still needs one to compare words in: "und" (undetermined) has no stemmer, so terms and
// pages are compared by lowercase spelling.
const UNDETERMINED: Lang = "und"

const TITLE_FACTOR = 10

const compileLanguage = (terms: ReadonlyArray<DictionaryTerm>, lang: Lang): CompiledLanguage => {
  const compiled: Array<CompiledTerm> = []
  const byFirstStem = new Map<string, Array<CompiledTerm>>()
  for (const { term, weight } of terms) {
    const stems = stemText(term, lang)
    const first = stems[0]
    if (first === undefined) continue
    const entry: CompiledTerm = { term, weight, stems }
    compiled.push(entry)
    const candidates = byFirstStem.get(first)
    if (candidates === undefined) byFirstStem.set(first, [entry])
    else candidates.push(entry)
  }
  return { terms: compiled, byFirstStem }
}

/**
 * Stems every term once per land language, so that scoring a page never stems the dictionary again. A land without a
 * language gets "und", which compares lowercase words without stemming.
 */
export const compileDictionary = (
  terms: ReadonlyArray<DictionaryTerm>,
  langs: ReadonlyArray<string>
): CompiledDictionary => {
  const [first = UNDETERMINED, ...rest] = new Set(langs.map(normalizeLang).filter((lang) => lang.length > 0))
  const effective: readonly [Lang, ...Array<Lang>] = [first, ...rest]
  return {
    langs: effective,
    byLang: new Map(effective.map((lang) => [lang, compileLanguage(terms, lang)]))
  }
}

const matchesAt = (stems: ReadonlyArray<string>, at: number, phrase: ReadonlyArray<string>): boolean => {
  if (at + phrase.length > stems.length) return false
  for (let k = 1; k < phrase.length; k++) {
    if (stems[at + k] !== phrase[k]) return false
  }
  return true
}

// Every start position is tried, so overlapping occurrences of a phrase each count (a sliding window: "a a" occurs twice
// in "a a a"). This keeps the count a plain sum over positions, which is what makes the score additive over texts.
const weightedOccurrences = (text: string, stem: (word: string) => string, dictionary: CompiledLanguage): number => {
  const stems = tokenize(text)
  for (let i = 0; i < stems.length; i++) stems[i] = stem(stems[i]!)
  let score = 0
  for (let i = 0; i < stems.length; i++) {
    const candidates = dictionary.byFirstStem.get(stems[i]!)
    if (candidates === undefined) continue
    for (const candidate of candidates) {
      if (matchesAt(stems, i, candidate.stems)) score += candidate.weight
    }
  }
  return score
}

/**
 * A page's relevance to a land: the sum over dictionary terms of weight × (10 × occurrences in the title + occurrences
 * in the text), comparing stems. The page is read in its own language when the land has it, otherwise in the land's
 * first language. A missing title or text contributes nothing. The score is an integer when the weights are, and is
 * non-negative when they are.
 */
export const relevance = (dictionary: CompiledDictionary, page: Page): number => {
  const pageLang = page.lang == null ? undefined : normalizeLang(page.lang)
  const lang = pageLang !== undefined && dictionary.byLang.has(pageLang) ? pageLang : dictionary.langs[0]
  const compiled = dictionary.byLang.get(lang)!
  if (compiled.terms.length === 0) return 0
  const stem = stemmerFor(lang)
  const title = page.title == null ? 0 : weightedOccurrences(page.title, stem, compiled)
  const text = page.text == null ? 0 : weightedOccurrences(page.text, stem, compiled)
  return TITLE_FACTOR * title + text
}

/**
 * A page's relevance as stored: its title and the words a reader sees in its readable Markdown. The crawl, the
 * readable pipeline and a dictionary change all score with it, so a page scores the same whichever computed it.
 */
export const storedRelevance = (
  dictionary: CompiledDictionary,
  page: { readonly title: string | null; readonly markdown: string | null; readonly lang: string | null }
): number =>
  relevance(dictionary, {
    title: page.title,
    text: page.markdown === null ? null : markdownToText(page.markdown),
    lang: page.lang
  })

import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { compileDictionary, relevance } from "../src/domain/relevance.js"
import type { DictionaryTerm } from "../src/domain/relevance.js"

const fr = (terms: ReadonlyArray<DictionaryTerm>) => compileDictionary(terms, ["fr"])
const en = (terms: ReadonlyArray<DictionaryTerm>) => compileDictionary(terms, ["en"])
const term = (t: string, weight = 1): DictionaryTerm => ({ term: t, weight })

// A small English vocabulary where several words share a stem, so that generated texts do hit generated terms.
const vocabulary = ["run", "running", "runs", "shoe", "shoes", "climate", "climates", "change", "changes", "ocean",
  "policy", "policies", "the", "a", "of", "and"] as const
const word = fc.constantFrom(...vocabulary)
const text = fc.array(fc.oneof(word, word, fc.constantFrom(",", ".", "!", "-")), { maxLength: 40 }).map((ws) => ws.join(" "))
const title = fc.option(fc.array(word, { maxLength: 8 }).map((ws) => ws.join(" ")), { nil: null })
const weight = fc.integer({ min: 0, max: 1000 })
const singleWordTerms = fc.array(fc.record({ term: word, weight }), { maxLength: 6 })
const phraseTerms = fc.array(
  fc.record({ term: fc.array(word, { minLength: 1, maxLength: 3 }).map((ws) => ws.join(" ")), weight }),
  { maxLength: 6 }
)

describe("relevance, known values", () => {
  it("counts every French occurrence of every term, on stems", () => {
    const dictionary = fr([term("économie"), term("politique", 2)])
    const page = {
      title: "L'économie politique",
      text: "Les économies européennes et la politique économique. Politiques !"
    }
    // Title: économie + politique×2 = 3 → ×10. Text: économies, économique (×1) + politique, politiques (×2) = 6.
    expect(relevance(dictionary, page)).toBe(36)
  })

  it("matches a French phrase through inflection, but not reversed", () => {
    const dictionary = fr([term("changement climatique")])
    expect(relevance(dictionary, { title: null, text: "les changements climatiques" })).toBe(1)
    expect(relevance(dictionary, { title: null, text: "climatique changement" })).toBe(0)
    expect(relevance(dictionary, { title: null, text: "le changement, et climatique" })).toBe(0)
    expect(relevance(fr([term("climatique changement")]), { text: "les changements climatiques" })).toBe(0)
  })

  it("matches an English phrase whatever its inflection", () => {
    const page = { title: "Running shoes", text: "A run shoe review: the best running shoes for runners." }
    expect(relevance(en([term("running shoes")]), page)).toBe(12)
    expect(relevance(en([term("run shoe")]), page)).toBe(12)
  })

  it("counts overlapping occurrences of a phrase as a sliding window", () => {
    expect(relevance(en([term("run run")]), { text: "run run run" })).toBe(2)
  })

  it("scores missing or empty parts as zero", () => {
    const dictionary = en([term("none"), term("null"), term("undefined")])
    expect(relevance(dictionary, {})).toBe(0)
    expect(relevance(dictionary, { title: null, text: undefined })).toBe(0)
    expect(relevance(dictionary, { title: "", text: "" })).toBe(0)
    expect(relevance(en([]), { title: "anything", text: "at all" })).toBe(0)
  })

  it("ignores terms without words", () => {
    expect(compileDictionary([term("..."), term("économie")], ["fr"]).byLang.get("fr")?.terms.map((t) => t.term))
      .toEqual(["économie"])
  })

  it("reads a page in its language when the land has it, else in the land's first language", () => {
    const dictionary = compileDictionary([term("running")], ["fr", "en"])
    const page = { text: "runs running" }
    expect(relevance(dictionary, { ...page, lang: "en-GB" })).toBe(2)
    // The French stemmer leaves "running" whole, so "runs" (stemmed to "run") no longer matches it.
    expect(relevance(dictionary, { ...page, lang: "fr" })).toBe(1)
    expect(relevance(dictionary, { ...page, lang: "de" })).toBe(1)
    expect(relevance(dictionary, page)).toBe(1)
  })

  it("compares lowercase words when the land has no language", () => {
    const dictionary = compileDictionary([term("Running")], [])
    expect(dictionary.langs).toEqual(["und"])
    expect(relevance(dictionary, { text: "RUNNING runs running" })).toBe(2)
  })
})

describe("relevance, properties", () => {
  it("is a non-negative integer for non-negative integer weights", () => {
    fc.assert(fc.property(phraseTerms, title, text, (terms, t, x) => {
      const score = relevance(en(terms), { title: t, text: x })
      expect(Number.isInteger(score)).toBe(true)
      expect(score).toBeGreaterThanOrEqual(0)
    }))
  })

  it("is additive over texts joined by a separator, for single-word terms", () => {
    fc.assert(fc.property(singleWordTerms, text, text, (terms, a, b) => {
      const dictionary = en(terms)
      const joined = relevance(dictionary, { title: null, text: `${a} . ${b}` })
      expect(joined).toBe(relevance(dictionary, { title: null, text: a }) + relevance(dictionary, { title: null, text: b }))
    }))
  })

  it("scales with the weights", () => {
    fc.assert(fc.property(phraseTerms, title, text, fc.integer({ min: 0, max: 1000 }), (terms, t, x, k) => {
      const scaled = terms.map(({ term, weight }) => ({ term, weight: weight * k }))
      expect(relevance(en(scaled), { title: t, text: x })).toBe(k * relevance(en(terms), { title: t, text: x }))
    }))
  })

  it("is zero for a term absent from the page", () => {
    fc.assert(fc.property(title, text, weight, (t, x, w) => {
      expect(relevance(en([term("biodiversity", w)]), { title: t, text: x })).toBe(0)
    }))
  })

  it("counts the title ten times the text", () => {
    fc.assert(fc.property(phraseTerms, text, (terms, x) => {
      const dictionary = en(terms)
      expect(relevance(dictionary, { title: x, text: null })).toBe(10 * relevance(dictionary, { title: null, text: x }))
    }))
  })

  it("sums the title and text scores", () => {
    fc.assert(fc.property(phraseTerms, title, text, (terms, t, x) => {
      const dictionary = en(terms)
      expect(relevance(dictionary, { title: t, text: x }))
        .toBe(relevance(dictionary, { title: t, text: null }) + relevance(dictionary, { title: null, text: x }))
    }))
  })

  it("is the sum of the terms' own scores", () => {
    fc.assert(fc.property(phraseTerms, title, text, (terms, t, x) => {
      const page = { title: t, text: x }
      const separately = terms.reduce((sum, one) => sum + relevance(en([one]), page), 0)
      expect(relevance(en(terms), page)).toBe(separately)
    }))
  })
})

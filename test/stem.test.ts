import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { newStemmer } from "snowball-stemmers"
import {
  isSupportedLanguage,
  lemmaOf,
  normalizeLang,
  stemmerFor,
  stemText,
  supportedLanguages,
  tokenize
} from "../src/domain/stem.js"

const frenchWord = fc.string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzàâçéèêëîïôûùüÿœæ"), minLength: 1, maxLength: 14 })
const englishWord = fc.string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz'"), minLength: 1, maxLength: 14 })
  .filter((w) => /^[a-z]/.test(w))

describe("languages", () => {
  it("maps ISO 639-1 codes, with or without region, to Snowball algorithms", () => {
    for (const lang of ["fr", "en", "de", "es", "it", "pt", "nl", "ru", "sv", "FR", "fr-FR", "pt_BR", " en "]) {
      expect(isSupportedLanguage(lang)).toBe(true)
    }
    expect(normalizeLang("pt_BR")).toBe("pt")
    expect(supportedLanguages).toContain("fr")
    expect(supportedLanguages).not.toContain("french")
  })

  it("does not support unknown codes, nor names Object.prototype would resolve", () => {
    for (const lang of ["xx", "zh", "ja", "", "und", "constructor", "french"]) expect(isSupportedLanguage(lang)).toBe(false)
  })

  it("falls back to lowercase identity for an unknown language", () => {
    const stem = stemmerFor("zh")
    expect(stem("Changements")).toBe("changements")
    expect(stemmerFor("constructor")("Running")).toBe("running")
    fc.assert(fc.property(fc.string(), (w) => stem(w) === w.toLowerCase().normalize("NFC")))
  })
})

describe("tokenize", () => {
  it("lowercases and splits on anything but letters and digits", () => {
    expect(tokenize("Le Changement climatique, en 2024 : 1,5°C !")).toEqual([
      "le", "changement", "climatique", "en", "2024", "1", "5", "c"
    ])
    expect(tokenize("")).toEqual([])
    expect(tokenize(" -- ... ")).toEqual([])
  })

  it("drops French elisions with straight, typographic and modifier apostrophes", () => {
    expect(tokenize("l'économie")).toEqual(["économie"])
    expect(tokenize("d’un État qu’on dit jusqu'à")).toEqual(["un", "état", "on", "dit", "à"])
    expect(tokenize("Lʼhiver")).toEqual(["hiver"])
    expect(tokenize("dell'anno")).toEqual(["anno"])
  })

  it("keeps other intra-word apostrophes and splits hyphens", () => {
    expect(tokenize("Aujourd'hui, children's don't")).toEqual(["aujourd'hui", "children's", "don't"])
    expect(tokenize("'quoted' words'")).toEqual(["quoted", "words"])
    expect(tokenize("États-Unis socio-économique")).toEqual(["états", "unis", "socio", "économique"])
  })

  it("normalises to NFC, so decomposed accents give the same tokens", () => {
    expect(tokenize("E\u0301conomie")).toEqual(["économie"])
    fc.assert(fc.property(fc.string({ unit: "binary" }), (s) => {
      expect(tokenize(s.normalize("NFD"))).toEqual(tokenize(s))
    }))
  })

  it("is idempotent on its re-joined tokens", () => {
    fc.assert(fc.property(fc.string({ unit: "binary" }), (s) => {
      const tokens = tokenize(s)
      expect(tokenize(tokens.join(" "))).toEqual(tokens)
    }), { numRuns: 2000 })
  })

  it("yields non-empty lowercase tokens", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme" }), (s) => {
      for (const token of tokenize(s)) {
        expect(token.length).toBeGreaterThan(0)
        expect(token.toLowerCase()).toBe(token)
      }
    }))
  })
})

describe("stemming", () => {
  it("knows French and English values", () => {
    const fr = stemmerFor("fr")
    const en = stemmerFor("en")
    expect(["économie", "économique", "économies"].map(fr)).toEqual(["économ", "économ", "économ"])
    expect(["changements", "climatiques", "nationalité", "forêts"].map(fr)).toEqual(["chang", "climat", "national", "forêt"])
    expect(["running", "shoes", "runs", "happiness", "children's"].map(en)).toEqual(["run", "shoe", "run", "happi", "children"])
  })

  it("lowercases before stemming, since Snowball marks vowels with uppercase internally", () => {
    expect(newStemmer("french").stem("ÉCONOMIE")).toBe("ÉCONOMiE")
    expect(stemmerFor("fr")("ÉCONOMIE")).toBe("économ")
    expect(stemmerFor("de")("HÄUSER")).toBe("haus")
  })

  it("keeps a word the algorithm would reduce to nothing", () => {
    expect(newStemmer("czech").stem("a")).toBe("")
    expect(stemmerFor("cs")("a")).toBe("a")
  })

  it("is not idempotent, which is why stems are never re-stemmed", () => {
    const en = stemmerFor("en")
    expect(en("agreed")).toBe("agre")
    expect(en(en("agreed"))).toBe("agr")
  })

  it("is deterministic and agrees with a fresh Snowball stemmer despite the memo", () => {
    for (const [lang, algorithm, word] of [["fr", "french", frenchWord], ["en", "english", englishWord]] as const) {
      const fresh = newStemmer(algorithm)
      const stem = stemmerFor(lang)
      fc.assert(fc.property(word, (w) => {
        const first = stem(w)
        expect(stem(w)).toBe(first)
        expect(first).toBe(fresh.stem(w))
      }))
    }
  })

  it("never lengthens a French or English word and never returns an empty stem", () => {
    for (const [lang, word] of [["fr", frenchWord], ["en", englishWord]] as const) {
      const stem = stemmerFor(lang)
      fc.assert(fc.property(word, (w) => {
        const s = stem(w)
        expect(s.length).toBeGreaterThan(0)
        expect(s.length).toBeLessThanOrEqual(w.length)
      }))
    }
  })

  it("is case-insensitive", () => {
    fc.assert(fc.property(frenchWord, (w) => {
      expect(stemmerFor("fr")(w.toUpperCase())).toBe(stemmerFor("fr")(w))
    }))
  })
})

describe("stemText and lemmaOf", () => {
  it("stem each token in order", () => {
    expect(stemText("Les changements climatiques", "fr")).toEqual(["le", "chang", "climat"])
    expect(lemmaOf("Changement climatique", "fr")).toBe("chang climat")
    expect(lemmaOf("running shoes", "en")).toBe("run shoe")
    expect(lemmaOf("l'économie", "fr-FR")).toBe("économ")
    expect(lemmaOf("...", "fr")).toBe("")
  })

  it("give one stem per token", () => {
    fc.assert(fc.property(fc.string(), fc.constantFrom("fr", "en", "de", "xx"), (s, lang) => {
      const stems = stemText(s, lang)
      expect(stems.length).toBe(tokenize(s).length)
      expect(lemmaOf(s, lang)).toBe(stems.join(" "))
    }))
  })
})

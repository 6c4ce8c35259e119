import { Either } from "effect"
import { InvalidInput } from "./errors.js"
import { isSupportedLanguage, normalizeLang, supportedLanguages, tokenize } from "./stem.js"

// Validation of what a user types for a land, shared by the CLI and the API so both refuse the same things alike.

export const DEFAULT_LANGS: ReadonlyArray<string> = ["fr"]

export const parseLandName = (raw: string): Either.Either<string, InvalidInput> => {
  const name = raw.trim()
  if (name.length === 0) return Either.left(new InvalidInput({ field: "name", reason: "a land name cannot be empty" }))
  if (name.length > 255) return Either.left(new InvalidInput({ field: "name", reason: "at most 255 characters" }))
  return Either.right(name)
}

/** "fr, en" or ["fr", "en"] → ["fr", "en"]; every language must have a stemmer, the first one is the land's main one. */
export const parseLangs = (raw: string | ReadonlyArray<string>): Either.Either<ReadonlyArray<string>, InvalidInput> => {
  const parts = (typeof raw === "string" ? raw.split(",") : raw).map((l) => l.trim()).filter((l) => l !== "")
  if (parts.length === 0) return Either.right(DEFAULT_LANGS)
  const langs: Array<string> = []
  for (const part of parts) {
    if (!/^[A-Za-z]{2}([-_][A-Za-z0-9]+)?$/.test(part) || !isSupportedLanguage(part)) {
      return Either.left(new InvalidInput({
        field: "lang",
        reason: `"${part}" is not a supported language; use ISO 639-1 codes among ${supportedLanguages.join(", ")}`
      }))
    }
    const lang = normalizeLang(part)
    if (!langs.includes(lang)) langs.push(lang)
  }
  return Either.right(langs)
}

export interface TermInput {
  readonly term: string
  readonly weight?: number | undefined
}

export interface ParsedTerm {
  readonly term: string
  readonly weight: number
}

/**
 * Dictionary terms from "a, b, multi word" or a list. Terms are compared lowercased with single spaces; a term with no
 * word in it could never match a page, so it is refused rather than stored.
 */
export const parseTerms = (
  raw: string | ReadonlyArray<string | TermInput>
): Either.Either<ReadonlyArray<ParsedTerm>, InvalidInput> => {
  const items: Array<TermInput> = (typeof raw === "string" ? raw.split(",") : raw).map((t) =>
    typeof t === "string" ? { term: t } : t
  )
  const terms = new Map<string, ParsedTerm>()
  for (const item of items) {
    const term = item.term.trim().replace(/\s+/g, " ").toLowerCase()
    if (term === "") continue
    if (term.length > 255) {
      return Either.left(new InvalidInput({ field: "terms", reason: `"${term.slice(0, 40)}…" is longer than 255 characters` }))
    }
    if (tokenize(term).length === 0) {
      return Either.left(new InvalidInput({ field: "terms", reason: `"${term}" contains no word` }))
    }
    const weight = item.weight ?? 1
    if (!Number.isFinite(weight) || weight <= 0 || weight > 1000) {
      return Either.left(new InvalidInput({ field: "terms", reason: `the weight of "${term}" must be in (0, 1000]` }))
    }
    if (!terms.has(term)) terms.set(term, { term, weight })
  }
  return Either.right([...terms.values()])
}

/**
 * Seed URLs typed on a command line or read from a file: separated by whitespace or new lines, `#` starts a comment.
 * A comma separates two URLs only when a scheme follows it, since commas are legal inside URLs.
 */
export const splitUrlList = (text: string): Array<string> =>
  text
    .split(/\r?\n/)
    .map((line) => line.replace(/(^|\s)#.*$/, ""))
    .flatMap((line) => line.split(/\s+|,(?=\s*[a-z][a-z0-9+.-]*:\/\/)/i))
    .filter((u) => u !== "")

import { Schema } from "effect"
import type { ReadableSource } from "./expression.js"

/**
 * How a re-extracted page is merged into what is stored: `smart_merge` keeps the longer
 * title and description, takes the new readable text and the earliest published date; `mercury_priority` takes
 * every new value; `preserve_existing` only fills what is empty.
 */
export const MergeStrategy = Schema.Literal("smart_merge", "mercury_priority", "preserve_existing")
export type MergeStrategy = typeof MergeStrategy.Type


/** What a readable job may change on a page. The readable text travels with its source and counts. */
export interface ReadableFields {
  readonly title: string | null
  readonly description: string | null
  readonly language: string | null
  /** ISO 8601 instant. */
  readonly publishedAt: string | null
  readonly readable: ReadableText | null
}

export interface ReadableText {
  /** Markdown. */
  readonly markdown: string
  readonly source: ReadableSource
  readonly wordCount: number
  readonly readingTime: number
}

const isEmpty = (v: string | ReadableText | null) =>
  v === null || (typeof v === "string" ? v.trim() === "" : v.markdown.trim() === "")

// Per field: an empty side never wins; when both are present the strategy decides.
const pick = <A extends string | ReadableText>(stored: A | null, fresh: A | null, both: (stored: A, fresh: A) => A) =>
  isEmpty(stored) ? (isEmpty(fresh) ? stored : fresh) : isEmpty(fresh) ? stored : both(stored!, fresh!)

const longer = (a: string, b: string) => (b.trim().length > a.trim().length ? b : a)
const earlier = (a: string, b: string) => (Date.parse(b) < Date.parse(a) ? b : a)
const newer = <A>(_: A, b: A) => b
const older = <A>(a: A, _: A) => a

interface Rules {
  readonly title: (stored: string, fresh: string) => string
  readonly description: (stored: string, fresh: string) => string
  readonly publishedAt: (stored: string, fresh: string) => string
  /** Language and readable text. */
  readonly other: <A>(stored: A, fresh: A) => A
}

const RULES: Record<MergeStrategy, Rules> = {
  smart_merge: { title: longer, description: longer, publishedAt: earlier, other: newer },
  mercury_priority: { title: newer, description: newer, publishedAt: newer, other: newer },
  preserve_existing: { title: older, description: older, publishedAt: older, other: older }
}

/**
 * legacy-cli-and-ui.md §6: `smart_merge` keeps the longer title and description, the new readable text, the earlier
 * published date and otherwise the new value; `mercury_priority` takes every new value; `preserve_existing` keeps
 * every stored value. Whatever the strategy, an empty value never replaces a present one.
 */
export const mergeReadable = (strategy: MergeStrategy, stored: ReadableFields, fresh: ReadableFields): ReadableFields => {
  const r = RULES[strategy]
  return {
    title: pick(stored.title, fresh.title, r.title),
    description: pick(stored.description, fresh.description, r.description),
    language: pick(stored.language, fresh.language, r.other),
    publishedAt: pick(stored.publishedAt, fresh.publishedAt, r.publishedAt),
    readable: pick(stored.readable, fresh.readable, r.other)
  }
}

const sameInstant = (a: string | null, b: string | null) =>
  a === b || (a !== null && b !== null && Date.parse(a) === Date.parse(b))

/** Which of the merged values differ from the stored ones: the text decides whether links and media are rebuilt. */
export const readableChanges = (stored: ReadableFields, merged: ReadableFields) => {
  const text = (stored.readable?.markdown ?? null) !== (merged.readable?.markdown ?? null)
  const title = stored.title !== merged.title
  const other = stored.description !== merged.description || stored.language !== merged.language ||
    !sameInstant(stored.publishedAt, merged.publishedAt) ||
    (stored.readable?.source ?? null) !== (merged.readable?.source ?? null)
  return { any: text || title || other, text, relevance: text || title }
}

import { Schema } from "effect"
import { LandId, UserId, WordId } from "./ids.js"

/** ISO 639-1 code, the form lands store their languages in ("fr", "en"). */
export const LanguageCode = Schema.String.pipe(
  Schema.pattern(/^[a-z]{2}$/, { message: () => "a language is a two-letter ISO 639-1 code such as fr or en" })
)

export const LandName = Schema.Trim.pipe(
  Schema.minLength(1, { message: () => "a land name cannot be empty" }),
  Schema.maxLength(255, { message: () => "a land name is at most 255 characters" })
)

export class Land extends Schema.Class<Land>("Land")({
  id: LandId,
  ownerId: Schema.NullOr(UserId),
  name: Schema.String,
  description: Schema.String,
  lang: Schema.Array(Schema.String),
  createdAt: Schema.DateFromSelf,
  updatedAt: Schema.DateFromSelf
}) {}

/** A land with the counts `land list` and `land show` print. */
export class LandSummary extends Schema.Class<LandSummary>("LandSummary")({
  ...Land.fields,
  termCount: Schema.Int,
  expressionCount: Schema.Int,
  pendingCount: Schema.Int,
  fetchedCount: Schema.Int,
  failedCount: Schema.Int,
  skippedCount: Schema.Int,
  domainCount: Schema.Int,
  linkCount: Schema.Int,
  mediaCount: Schema.Int
}) {}

export class Word extends Schema.Class<Word>("Word")({
  id: WordId,
  word: Schema.String,
  lemma: Schema.String,
  language: Schema.String
}) {}

/** One term of a land's dictionary: the word as typed, its stems in the land's first language and its weight. */
export class DictionaryEntry extends Schema.Class<DictionaryEntry>("DictionaryEntry")({
  wordId: WordId,
  term: Schema.String,
  lemma: Schema.String,
  weight: Schema.Number
}) {}

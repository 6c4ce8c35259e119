import { Schema } from "effect"
import { LandId, UserId, WordId } from "./ids.js"

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
  /** The owner's username (null for a land made by the CLI before any account existed). */
  ownerName: Schema.NullOr(Schema.String),
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

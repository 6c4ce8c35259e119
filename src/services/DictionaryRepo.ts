import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect } from "effect"
import { LandId } from "../domain/ids.js"
import { DictionaryEntry } from "../domain/land.js"
import { orDieOnParse } from "./sql-errors.js"

export interface TermToAdd {
  readonly term: string
  readonly lemma: string
  readonly language: string
  readonly weight: number
}

/** Words (shared across lands, one per spelling and language) and each land's dictionary of them. */
export class DictionaryRepo extends Effect.Service<DictionaryRepo>()("mwi/DictionaryRepo", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    const list = (landId: LandId) =>
      SqlSchema.findAll({
        Request: LandId,
        Result: DictionaryEntry,
        execute: (id) => sql`
          SELECT w.id AS word_id, w.word AS term, w.lemma, d.weight
          FROM land_dictionaries d JOIN words w ON w.id = d.word_id
          WHERE d.land_id = ${id} ORDER BY w.word`
      })(landId).pipe(orDieOnParse, Effect.withSpan("DictionaryRepo.list"))

    /** Adds terms to the land; a term already in the dictionary is reported as existing, never duplicated. */
    const add = (landId: LandId, terms: ReadonlyArray<TermToAdd>) =>
      Effect.gen(function*() {
        const unique = [...new Map(terms.map((t) => [`${t.language}\u0000${t.term}`, t])).values()]
          .sort((a, b) => (a.term < b.term ? -1 : a.term > b.term ? 1 : a.language < b.language ? -1 : 1))
        if (unique.length === 0) return { added: [] as Array<string>, existing: [] as Array<string> }
        yield* sql`
          INSERT INTO words (word, lemma, language)
          SELECT * FROM unnest(${unique.map((t) => t.term)}::text[], ${unique.map((t) => t.lemma)}::text[],
                               ${unique.map((t) => t.language)}::text[])
          ON CONFLICT (word, language) DO NOTHING`
        const added = yield* sql<{ word: string }>`
          INSERT INTO land_dictionaries (land_id, word_id, weight)
          SELECT ${landId}, w.id, t.weight
          FROM unnest(${unique.map((t) => t.term)}::text[], ${unique.map((t) => t.language)}::text[],
                      ${unique.map((t) => t.weight)}::float8[]) AS t(word, language, weight)
          JOIN words w ON w.word = t.word AND w.language = t.language
          ORDER BY w.id
          ON CONFLICT (land_id, word_id) DO NOTHING
          RETURNING (SELECT word FROM words WHERE id = word_id) AS word`
        const addedSet = new Set(added.map((r) => r.word))
        return {
          added: unique.filter((t) => addedSet.has(t.term)).map((t) => t.term),
          existing: unique.filter((t) => !addedSet.has(t.term)).map((t) => t.term)
        }
      }).pipe(Effect.withSpan("DictionaryRepo.add"))

    const remove = (landId: LandId, terms: ReadonlyArray<string>) =>
      sql<{ word: string }>`
        DELETE FROM land_dictionaries d USING words w
        WHERE d.word_id = w.id AND d.land_id = ${landId} AND w.word = ANY(${[...terms]}::text[])
        RETURNING w.word`.pipe(Effect.map((rows) => rows.map((r) => r.word)), Effect.withSpan("DictionaryRepo.remove"))

    return { list, add, remove } as const
  })
}) {}

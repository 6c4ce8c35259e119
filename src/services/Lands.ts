import { SqlClient } from "@effect/sql"
import { Effect, Either, Option } from "effect"
import type { UserId } from "../domain/ids.js"
import type { Land } from "../domain/land.js"
import { type ParsedTerm, parseLandName, parseLangs, parseTerms, type TermInput } from "../domain/land-input.js"
import { compileDictionary, storedRelevance } from "../domain/relevance.js"
import { lemmaOf } from "../domain/stem.js"
import { normalizeUrl, urlHost } from "../domain/url.js"
import { DictionaryRepo } from "./DictionaryRepo.js"
import { ExpressionRepo } from "./ExpressionRepo.js"
import { allLands, type LandChanges, LandRepo, type LandScope } from "./LandRepo.js"
import { VectorIndex } from "./VectorIndex.js"

export interface CreateLand {
  readonly name: string
  readonly description?: string | undefined
  readonly lang?: string | ReadonlyArray<string> | undefined
  readonly terms?: string | ReadonlyArray<string | TermInput> | undefined
  readonly ownerId?: UserId | null | undefined
}

export interface TermsReport {
  readonly added: ReadonlyArray<string>
  readonly existing: ReadonlyArray<string>
  /** Stored pages whose relevance was recomputed with the new dictionary. */
  readonly rescored: number
}

export interface UrlsReport {
  readonly added: ReadonlyArray<{ readonly url: string; readonly id: number }>
  readonly existing: ReadonlyArray<{ readonly url: string; readonly id: number }>
  readonly invalid: ReadonlyArray<{ readonly input: string; readonly reason: string }>
}

const RESCORE_PAGE = 500

/** What a researcher does to a land (create, terms, seeds, rescoring), shared by the CLI, the API and library users. */
export class Lands extends Effect.Service<Lands>()("mwi/Lands", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const lands = yield* LandRepo
    const dictionary = yield* DictionaryRepo
    const expressions = yield* ExpressionRepo

    /** Recomputes every stored page's relevance, page by page so memory stays flat on a land of any size. */
    const rescore = (land: Land) =>
      Effect.gen(function*() {
        const entries = yield* dictionary.list(land.id)
        const compiled = compileDictionary(entries.map((e) => ({ term: e.term, weight: e.weight })), land.lang)
        let after = 0
        let total = 0
        for (;;) {
          const page = yield* expressions.readablePage(land.id, after, RESCORE_PAGE)
          if (page.length === 0) return total
          yield* expressions.setRelevances(page.map((row) => ({
            id: row.id,
            relevance: storedRelevance(compiled, { title: row.title, markdown: row.readable, lang: row.language })
          })))
          total += page.length
          after = page[page.length - 1]!.id
        }
      }).pipe(Effect.withSpan("Lands.rescore"))

    const addParsedTerms = (land: Land, terms: ReadonlyArray<ParsedTerm>) =>
      Effect.gen(function*() {
        const lang = land.lang[0] ?? "fr"
        const result = yield* dictionary.add(land.id, terms.map((t) => ({
          term: t.term,
          lemma: lemmaOf(t.term, lang),
          language: lang,
          weight: t.weight
        })))
        const rescored = result.added.length > 0 ? yield* rescore(land) : 0
        return { ...result, rescored } satisfies TermsReport
      })

    const create = (input: CreateLand) =>
      Effect.gen(function*() {
        const name = yield* parseLandName(input.name)
        const lang = yield* parseLangs(input.lang ?? [])
        const terms = yield* parseTerms(input.terms ?? [])
        const id = yield* sql.withTransaction(Effect.gen(function*() {
          const land = yield* lands.create({
            name,
            description: input.description?.trim() ?? "",
            lang,
            ownerId: input.ownerId ?? null
          })
          yield* addParsedTerms(land, terms)
          return land.id
        }))
        return yield* lands.get(id)
      }).pipe(Effect.withSpan("Lands.create"))

    const addTerms = (land: Land, raw: string | ReadonlyArray<string | TermInput>) =>
      Effect.gen(function*() {
        const terms = yield* parseTerms(raw)
        return yield* addParsedTerms(land, terms)
      }).pipe(Effect.withSpan("Lands.addTerms"))

    const removeTerms = (land: Land, raw: ReadonlyArray<string>) =>
      Effect.gen(function*() {
        const terms = yield* parseTerms(raw)
        const removed = yield* dictionary.remove(land.id, terms.map((t) => t.term))
        const rescored = removed.length > 0 ? yield* rescore(land) : 0
        return { removed, rescored }
      }).pipe(Effect.withSpan("Lands.removeTerms"))

    /** Seeds: normalised, depth 0; invalid ones reported with their reason, already known ones left as they are. */
    const addUrls = (land: Land, raw: ReadonlyArray<string>) =>
      Effect.gen(function*() {
        const invalid: Array<{ input: string; reason: string }> = []
        const valid: Array<{ url: string; normalizedUrl: string; host: string; depth: number }> = []
        for (const input of raw) {
          const normalized = normalizeUrl(input)
          if (Either.isLeft(normalized)) invalid.push({ input, reason: normalized.left.message })
          else valid.push({ url: input.trim(), normalizedUrl: normalized.right, host: urlHost(normalized.right), depth: 0 })
        }
        const stored = yield* expressions.insertUrls(land.id, valid)
        const added: Array<{ url: string; id: number }> = []
        const existing: Array<{ url: string; id: number }> = []
        const reported = new Set<string>()
        for (const v of valid) {
          const row = stored.get(v.normalizedUrl)
          if (row === undefined || reported.has(v.normalizedUrl)) continue
          reported.add(v.normalizedUrl)
          ;(row.inserted ? added : existing).push({ url: v.normalizedUrl, id: row.id })
        }
        return { added, existing, invalid } satisfies UrlsReport
      }).pipe(Effect.withSpan("Lands.addUrls"))

    const update = (land: Land, changes: { name?: string | undefined; description?: string | undefined; lang?: string | ReadonlyArray<string> | undefined }) =>
      Effect.gen(function*() {
        const patch: LandChanges = {
          name: changes.name === undefined ? undefined : yield* parseLandName(changes.name),
          description: changes.description,
          lang: changes.lang === undefined ? undefined : yield* parseLangs(changes.lang)
        }
        const updated = yield* lands.update(land.id, patch)
        if (patch.lang !== undefined && patch.lang.join() !== land.lang.join()) yield* rescore(updated)
        return updated
      }).pipe(Effect.withSpan("Lands.update"))

    return {
      create,
      list: lands.list,
      count: lands.count,
      get: (id: number, scope: LandScope = allLands) => lands.get(id, scope),
      getByName: (name: string, scope: LandScope = allLands) => lands.getByName(name, scope),
      find: (id: number, scope: LandScope = allLands) => lands.find(id, scope),
      // The vector indexes of the land go with it, where this process keeps them (an index outlives no land).
      remove: (land: Land) =>
        lands.remove(land.id).pipe(
          Effect.tap(() => Effect.flatMap(Effect.serviceOption(VectorIndex), Option.match({
            onNone: () => Effect.void,
            onSome: (index) => index.forget(land.id)
          })))
        ),
      update,
      terms: (land: Land) => dictionary.list(land.id),
      addTerms,
      removeTerms,
      addUrls,
      rescore
    } as const
  }),
  dependencies: [LandRepo.Default, DictionaryRepo.Default, ExpressionRepo.Default]
}) {}

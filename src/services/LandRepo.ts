import { SqlClient, SqlSchema } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import { Effect, Schema } from "effect"
import { AmbiguousLandName, DuplicateLand, LandNotFound } from "../domain/errors.js"
import { LandId, type UserId } from "../domain/ids.js"
import { Land, LandSummary } from "../domain/land.js"
import { isUniqueViolation, orDieOnParse } from "./sql-errors.js"

export interface NewLand {
  readonly name: string
  readonly description: string
  readonly lang: ReadonlyArray<string>
  readonly ownerId: UserId | null
}

export interface LandChanges {
  readonly name?: string | undefined
  readonly description?: string | undefined
  readonly lang?: ReadonlyArray<string> | undefined
}

/** Which lands a caller may see: `owner` limits to one user's lands, `all` is the local CLI and admins. */
export type LandScope = { readonly _tag: "all" } | { readonly _tag: "owner"; readonly ownerId: UserId }
export const allLands: LandScope = { _tag: "all" }

export interface LandQuery {
  readonly scope: LandScope
  readonly nameContains?: string | undefined
  readonly limit?: number | undefined
  readonly offset?: number | undefined
}

/** The lands table. Names are unique per owner and the database decides, so concurrent creates cannot both win. */
export class LandRepo extends Effect.Service<LandRepo>()("mwi/LandRepo", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    const summary = sql`
      l.*,
      (SELECT u.username FROM users u WHERE u.id = l.owner_id) AS owner_name,
      (SELECT count(*)::int FROM land_dictionaries d WHERE d.land_id = l.id) AS term_count,
      (SELECT count(*)::int FROM expressions e WHERE e.land_id = l.id) AS expression_count,
      (SELECT count(*)::int FROM expressions e WHERE e.land_id = l.id AND e.crawl_state IN ('pending', 'claimed')) AS pending_count,
      (SELECT count(*)::int FROM expressions e WHERE e.land_id = l.id AND e.crawl_state = 'fetched') AS fetched_count,
      (SELECT count(*)::int FROM expressions e WHERE e.land_id = l.id AND e.crawl_state = 'failed') AS failed_count,
      (SELECT count(*)::int FROM expressions e WHERE e.land_id = l.id AND e.crawl_state = 'skipped') AS skipped_count,
      (SELECT count(*)::int FROM domains m WHERE m.land_id = l.id) AS domain_count,
      (SELECT count(*)::int FROM expression_links k JOIN expressions e ON e.id = k.source_id WHERE e.land_id = l.id) AS link_count,
      (SELECT count(*)::int FROM media m JOIN expressions e ON e.id = m.expression_id WHERE e.land_id = l.id) AS media_count`

    const scopeFilter = (scope: LandScope) => scope._tag === "all" ? sql`TRUE` : sql`l.owner_id = ${scope.ownerId}`

    const insertRow = SqlSchema.single({
      Request: Schema.Any as Schema.Schema<NewLand>,
      Result: Land,
      execute: (land) => sql`
        INSERT INTO lands (owner_id, name, description, lang)
        VALUES (${land.ownerId}, ${land.name}, ${land.description}, ${[...land.lang]})
        RETURNING *`
    })

    const create = (land: NewLand) =>
      insertRow(land).pipe(
        Effect.catchIf(
          (e) => e._tag === "SqlError" && isUniqueViolation(e),
          () => Effect.fail(new DuplicateLand({ name: land.name }))
        ),
        Effect.catchTag("NoSuchElementException", () => Effect.die("INSERT ... RETURNING returned no row")),
        orDieOnParse,
        Effect.withSpan("LandRepo.create")
      )

    const list = (query: LandQuery) =>
      SqlSchema.findAll({
        Request: Schema.Void,
        Result: LandSummary,
        execute: () => sql`
          SELECT ${summary} FROM lands l
          WHERE ${scopeFilter(query.scope)}
            AND ${query.nameContains ? sql`l.name ILIKE ${"%" + escapeLike(query.nameContains) + "%"}` : sql`TRUE`}
          ORDER BY l.name, l.id
          LIMIT ${query.limit ?? 1000} OFFSET ${query.offset ?? 0}`
      })(undefined).pipe(orDieOnParse, Effect.withSpan("LandRepo.list"))

    const count = (query: LandQuery) =>
      sql<{ n: number }>`
        SELECT count(*)::int AS n FROM lands l
        WHERE ${scopeFilter(query.scope)}
          AND ${query.nameContains ? sql`l.name ILIKE ${"%" + escapeLike(query.nameContains) + "%"}` : sql`TRUE`}`
        .pipe(Effect.map((rows) => rows[0]?.n ?? 0))

    const findSummary = SqlSchema.findOne({
      Request: Schema.Struct({ id: LandId }),
      Result: LandSummary,
      execute: ({ id }) => sql`SELECT ${summary} FROM lands l WHERE l.id = ${id}`
    })

    /** A land by id, visible only within the scope (others' lands look absent, not forbidden). */
    const get = (id: number, scope: LandScope = allLands) =>
      findSummary({ id: id as LandId }).pipe(
        orDieOnParse,
        Effect.flatMap((found) =>
          found._tag === "Some" && (scope._tag === "all" || found.value.ownerId === scope.ownerId)
            ? Effect.succeed(found.value)
            : Effect.fail(new LandNotFound({ land: id }))
        ),
        Effect.withSpan("LandRepo.get")
      )

    const findRow = SqlSchema.findOne({
      Request: Schema.Struct({ id: LandId }),
      Result: Land,
      execute: ({ id }) => sql`SELECT * FROM lands WHERE id = ${id}`
    })

    /** A land without its counts: the cheap ownership check every request about a land starts with. */
    const find = (id: number, scope: LandScope = allLands) =>
      findRow({ id: id as LandId }).pipe(
        orDieOnParse,
        Effect.flatMap((found) =>
          found._tag === "Some" && (scope._tag === "all" || found.value.ownerId === scope.ownerId)
            ? Effect.succeed(found.value)
            : Effect.fail(new LandNotFound({ land: id }))
        )
      )

    const findIdsByName = (name: string, scope: LandScope, owner?: string) =>
      sql<{ id: number; ownerName: string | null }>`
        SELECT l.id, u.username AS owner_name FROM lands l LEFT JOIN users u ON u.id = l.owner_id
        WHERE l.name = ${name} AND ${scopeFilter(scope)} AND ${owner === undefined ? sql`TRUE` : sql`u.username = ${owner}`}
        ORDER BY l.id`

    // `owner/name` when the name itself is no land's: land names may hold a slash, usernames cannot.
    const findIds = (name: string, scope: LandScope) =>
      Effect.flatMap(findIdsByName(name, scope), (rows) => {
        const slash = name.indexOf("/")
        return rows.length > 0 || slash < 0 ? Effect.succeed(rows) : findIdsByName(name.slice(slash + 1), scope, name.slice(0, slash))
      })

    /** The CLI names lands; names are unique per owner, so a name shared by two owners must be disambiguated. */
    const getByName = (name: string, scope: LandScope = allLands) =>
      findIds(name, scope).pipe(
        Effect.flatMap((rows): Effect.Effect<LandSummary, LandNotFound | AmbiguousLandName | SqlError> => {
          const [first] = rows
          if (first === undefined) return Effect.fail(new LandNotFound({ land: name }))
          if (rows.length > 1) {
            return Effect.fail(new AmbiguousLandName({ name, ids: rows.map((r) => r.id), owners: rows.map((r) => r.ownerName) }))
          }
          return get(first.id, scope)
        }),
        Effect.withSpan("LandRepo.getByName")
      )

    const update = (id: LandId, changes: LandChanges) =>
      sql`
        UPDATE lands SET
          name = COALESCE(${changes.name ?? null}, name),
          description = COALESCE(${changes.description ?? null}, description),
          lang = COALESCE(${changes.lang ? [...changes.lang] : null}::text[], lang),
          updated_at = now()
        WHERE id = ${id}`.pipe(
        Effect.catchIf(isUniqueViolation, () => Effect.fail(new DuplicateLand({ name: changes.name ?? "" }))),
        Effect.flatMap(() => get(id)),
        Effect.withSpan("LandRepo.update")
      )

    /** Deletes the land and, through the foreign keys, everything that hangs from it. */
    const remove = (id: LandId) =>
      sql<{ id: number }>`DELETE FROM lands WHERE id = ${id} RETURNING id`.pipe(
        Effect.flatMap((rows) => rows.length === 0 ? Effect.fail(new LandNotFound({ land: id })) : Effect.void),
        Effect.withSpan("LandRepo.delete")
      )

    return { create, list, count, get, find, getByName, update, remove } as const
  })
}) {}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => "\\" + c)

export const ownerScope = (ownerId: UserId): LandScope => ({ _tag: "owner", ownerId })

/** What an API caller sees: an administrator every land, anyone else their own. */
export const scopeOf = (user: { readonly id: number; readonly isAdmin: boolean }): LandScope =>
  user.isAdmin ? allLands : ownerScope(user.id as UserId)

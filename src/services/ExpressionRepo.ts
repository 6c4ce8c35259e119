import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type { ExpressionId, LandId } from "../domain/ids.js"

export interface UrlToInsert {
  /** The URL as the user or the page wrote it (resolved to absolute). */
  readonly url: string
  readonly normalizedUrl: string
  readonly host: string
  readonly depth: number
}

export interface InsertedUrl {
  readonly id: ExpressionId
  readonly normalizedUrl: string
  readonly depth: number
  /** False when the land already had this page: the existing row (and its first depth) wins. */
  readonly inserted: boolean
}

export interface ReadableRow {
  readonly id: ExpressionId
  readonly title: string | null
  readonly readable: string | null
  readonly language: string | null
}

/**
 * Expressions and their domains. Uniqueness (one expression per land and normalised URL, one domain per land and
 * host) lives in the database; inserts use ON CONFLICT DO NOTHING in a stable order so that concurrent writers neither
 * fail, nor deadlock, nor create duplicates.
 */
export class ExpressionRepo extends Effect.Service<ExpressionRepo>()("mwi/ExpressionRepo", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    const ensureDomains = (landId: LandId, hosts: ReadonlyArray<string>) =>
      Effect.gen(function*() {
        const sorted = [...new Set(hosts)].sort()
        yield* sql`
          INSERT INTO domains (land_id, host)
          SELECT ${landId}, h FROM unnest(${sorted}::text[]) AS h ORDER BY h
          ON CONFLICT (land_id, host) DO NOTHING`
        const rows = yield* sql<{ id: number; host: string }>`
          SELECT id, host FROM domains WHERE land_id = ${landId} AND host = ANY(${sorted}::text[])`
        return new Map(rows.map((r) => [r.host, r.id]))
      })

    /** Inserts the URLs that are new to the land and returns the id of every given URL, new or already known. */
    const insertUrls = (landId: LandId, urls: ReadonlyArray<UrlToInsert>) =>
      Effect.gen(function*() {
        if (urls.length === 0) return new Map<string, InsertedUrl>()
        const byUrl = new Map<string, UrlToInsert>()
        for (const u of urls) {
          const seen = byUrl.get(u.normalizedUrl)
          if (seen === undefined || u.depth < seen.depth) byUrl.set(u.normalizedUrl, u)
        }
        const unique = [...byUrl.values()].sort((a, b) => (a.normalizedUrl < b.normalizedUrl ? -1 : 1))
        const domains = yield* ensureDomains(landId, unique.map((u) => u.host))
        // A page still waiting in the frontier takes the shallowest depth it is reached at, whatever order the
        // pages linking to it were stored in; a page already fetched keeps the depth its links were followed at.
        const written = yield* sql<{ id: ExpressionId; normalizedUrl: string; depth: number; inserted: boolean }>`
          INSERT INTO expressions AS e (land_id, domain_id, url, normalized_url, depth)
          SELECT ${landId}, t.d, t.u, t.n, t.dp
          FROM unnest(${unique.map((u) => domains.get(u.host)!)}::int[], ${unique.map((u) => u.url)}::text[],
                      ${unique.map((u) => u.normalizedUrl)}::text[], ${unique.map((u) => u.depth)}::int[])
               AS t(d, u, n, dp)
          ORDER BY t.n
          ON CONFLICT (land_id, normalized_url) DO UPDATE SET depth = EXCLUDED.depth
            WHERE e.depth > EXCLUDED.depth AND e.crawl_state = 'pending'
          RETURNING id, normalized_url, depth, (xmax = 0) AS inserted`
        const result = new Map<string, InsertedUrl>()
        for (const r of written) result.set(r.normalizedUrl, r)
        const missing = unique.filter((u) => !result.has(u.normalizedUrl)).map((u) => u.normalizedUrl)
        if (missing.length > 0) {
          const existing = yield* sql<{ id: ExpressionId; normalizedUrl: string; depth: number }>`
            SELECT id, normalized_url, depth FROM expressions
            WHERE land_id = ${landId} AND normalized_url = ANY(${missing}::text[])`
          for (const r of existing) result.set(r.normalizedUrl, { ...r, inserted: false })
        }
        return result
      }).pipe(Effect.withSpan("ExpressionRepo.insertUrls", { attributes: { count: urls.length } }))

    /** The ids of those URLs the land already has; unknown ones are absent from the map. */
    const findIds = (landId: LandId, normalizedUrls: ReadonlyArray<string>) =>
      normalizedUrls.length === 0 ? Effect.succeed(new Map<string, ExpressionId>()) : sql<{ id: ExpressionId; normalizedUrl: string }>`
        SELECT id, normalized_url FROM expressions
        WHERE land_id = ${landId} AND normalized_url = ANY(${[...new Set(normalizedUrls)]}::text[])`.pipe(
        Effect.map((rows) => new Map(rows.map((r) => [r.normalizedUrl, r.id])))
      )

    /** Keyset-paged reading of pages that have readable text, so a land of any size is walked in bounded memory. */
    const readablePage = (landId: LandId, afterId: number, limit: number) =>
      sql<ReadableRow>`
        SELECT id, title, readable, language FROM expressions
        WHERE land_id = ${landId} AND readable IS NOT NULL AND id > ${afterId}
        ORDER BY id LIMIT ${limit}`

    const setRelevances = (rows: ReadonlyArray<{ readonly id: ExpressionId; readonly relevance: number }>) =>
      rows.length === 0 ? Effect.void : sql`
        UPDATE expressions e SET
          relevance = v.r,
          approved_at = CASE WHEN v.r > 0 THEN COALESCE(e.approved_at, now()) ELSE e.approved_at END,
          updated_at = now()
        FROM unnest(${rows.map((r) => r.id)}::int[], ${rows.map((r) => r.relevance)}::float8[]) AS v(id, r)
        WHERE e.id = v.id`.pipe(Effect.asVoid)

    return { ensureDomains, insertUrls, findIds, readablePage, setRelevances } as const
  })
}) {}

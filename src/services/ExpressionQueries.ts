import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { ExpressionNotFound } from "../domain/errors.js"
import type { CrawlState } from "../domain/expression.js"
import type { LandId } from "../domain/ids.js"

export interface ExpressionQuery {
  readonly minrel?: number | undefined
  readonly depth?: number | undefined
  readonly status?: number | undefined
  readonly state?: CrawlState | undefined
  readonly q?: string | undefined
  /** Pages of this host only (a domain of the land, as listed by the domains query). */
  readonly domain?: string | undefined
  readonly sort?: "relevance" | "depth" | "fetched" | "title" | "url" | "id" | undefined
  readonly order?: "asc" | "desc" | undefined
  readonly limit?: number | undefined
  readonly offset?: number | undefined
}

const SORT_COLUMN = {
  relevance: "e.relevance",
  depth: "e.depth",
  fetched: "e.fetched_at",
  title: "e.title",
  url: "e.normalized_url",
  id: "e.id"
} as const

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => "\\" + c)

/** The read side the API serves: expression lists and details, domains, the link graph, land statistics. */
export class ExpressionQueries extends Effect.Service<ExpressionQueries>()("mwi/ExpressionQueries", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    const filters = (landId: LandId, q: ExpressionQuery) => sql.and([
      sql`e.land_id = ${landId}`,
      q.minrel === undefined ? sql`TRUE` : sql`e.relevance >= ${q.minrel}`,
      q.depth === undefined ? sql`TRUE` : sql`e.depth = ${q.depth}`,
      q.status === undefined ? sql`TRUE` : q.status === 0 ? sql`e.http_status IS NULL AND e.crawl_state = 'failed'` : sql`e.http_status = ${q.status}`,
      q.state === undefined ? sql`TRUE` : sql`e.crawl_state = ${q.state}`,
      q.q === undefined || q.q.trim() === ""
        ? sql`TRUE`
        : sql`(e.title ILIKE ${"%" + escapeLike(q.q.trim()) + "%"} OR e.normalized_url ILIKE ${"%" + escapeLike(q.q.trim()) + "%"})`,
      q.domain === undefined ? sql`TRUE` : sql`e.domain_id IN (SELECT id FROM domains WHERE land_id = ${landId} AND host = ${q.domain})`
    ])

    const list = (landId: LandId, q: ExpressionQuery) =>
      Effect.gen(function*() {
        const limit = q.limit ?? 50
        const offset = q.offset ?? 0
        const column = sql.unsafe(SORT_COLUMN[q.sort ?? "relevance"])
        const direction = sql.unsafe(q.order === "asc" ? "ASC" : "DESC")
        const items = yield* sql<{
          id: number; url: string; domain: string; depth: number; crawlState: CrawlState; httpStatus: number | null
          title: string | null; description: string | null; language: string | null; relevance: number | null
          wordCount: number | null; publishedAt: Date | null; fetchedAt: Date | null; error: string | null
        }>`
          SELECT e.id, e.normalized_url AS url, d.host AS domain, e.depth, e.crawl_state, e.http_status, e.title,
                 e.description, e.language, e.relevance, e.word_count, e.published_at, e.fetched_at, e.error
          FROM expressions e JOIN domains d ON d.id = e.domain_id
          WHERE ${filters(landId, q)}
          ORDER BY ${column} ${direction} NULLS LAST, e.id
          LIMIT ${limit} OFFSET ${offset}`
        const total = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM expressions e WHERE ${filters(landId, q)}`
        return { items, total: total[0]?.n ?? 0, limit, offset }
      }).pipe(Effect.withSpan("ExpressionQueries.list"))

    const detail = (id: number) =>
      Effect.gen(function*() {
        const rows = yield* sql<Record<string, unknown> & { landId: number }>`
          SELECT e.id, e.land_id, e.normalized_url AS url, d.host AS domain, e.depth, e.crawl_state, e.http_status,
                 e.title, e.description, e.language, e.relevance, e.word_count, e.published_at, e.fetched_at, e.error,
                 e.final_url, e.content_type, e.keywords, e.canonical_url, e.readable, e.readable_source, e.readable_at,
                 e.readable_error, e.reading_time
          FROM expressions e JOIN domains d ON d.id = e.domain_id WHERE e.id = ${id}`
        const row = rows[0]
        if (row === undefined) return yield* new ExpressionNotFound({ id })
        const outgoing = yield* sql`
          SELECT t.id, t.normalized_url AS url, t.title, k.anchor_text, k.rel, k.link_type
          FROM expression_links k JOIN expressions t ON t.id = k.target_id WHERE k.source_id = ${id} ORDER BY t.id`
        const incoming = yield* sql`
          SELECT s.id, s.normalized_url AS url, s.title, k.anchor_text, k.rel, k.link_type
          FROM expression_links k JOIN expressions s ON s.id = k.source_id WHERE k.target_id = ${id} ORDER BY s.id`
        const media = yield* sql`
          SELECT id, url, type, alt, mime_type, width, height, file_size::float8 AS file_size, format, dominant_colors, exif, sha256, phash,
                 analyzed_at, analysis_error
          FROM media WHERE expression_id = ${id} ORDER BY id`
        return { ...row, outgoing, incoming, media }
      }).pipe(Effect.withSpan("ExpressionQueries.detail"))

    /** The land an expression belongs to, for ownership checks before anything else is read. */
    const landOf = (id: number) =>
      sql<{ landId: number }>`SELECT land_id FROM expressions WHERE id = ${id}`.pipe(
        Effect.flatMap((rows) => rows[0] ? Effect.succeed(rows[0].landId) : Effect.fail(new ExpressionNotFound({ id })))
      )

    const domains = (landId: LandId, q: { limit?: number | undefined; offset?: number | undefined; minrel?: number | undefined }) =>
      Effect.gen(function*() {
        const limit = q.limit ?? 50
        const offset = q.offset ?? 0
        const items = yield* sql<{ id: number; host: string; title: string | null; pageCount: number; fetchedCount: number; averageRelevance: number | null }>`
          SELECT d.id, d.host, d.title, count(e.id)::int AS page_count,
                 count(e.id) FILTER (WHERE e.crawl_state = 'fetched')::int AS fetched_count,
                 avg(e.relevance)::float8 AS average_relevance
          FROM domains d JOIN expressions e ON e.domain_id = d.id
          WHERE d.land_id = ${landId} AND ${q.minrel === undefined ? sql`TRUE` : sql`e.relevance >= ${q.minrel}`}
          GROUP BY d.id ORDER BY page_count DESC, d.host LIMIT ${limit} OFFSET ${offset}`
        const total = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM domains WHERE land_id = ${landId}`
        return { items, total: total[0]?.n ?? 0, limit, offset }
      })

    const graph = (landId: LandId, q: { minrel?: number | undefined; limit?: number | undefined }) =>
      Effect.gen(function*() {
        const minrel = q.minrel ?? 0
        const nodes = yield* sql<{ id: number; url: string; title: string | null; domain: string; depth: number; relevance: number | null }>`
          SELECT e.id, e.normalized_url AS url, e.title, d.host AS domain, e.depth, e.relevance
          FROM expressions e JOIN domains d ON d.id = e.domain_id
          WHERE e.land_id = ${landId} AND COALESCE(e.relevance, 0) >= ${minrel}
          ORDER BY e.relevance DESC NULLS LAST, e.id LIMIT ${q.limit ?? 10_000}`
        const ids = nodes.map((n) => n.id)
        const edges = ids.length === 0 ? [] : yield* sql<{ source: number; target: number; linkType: "internal" | "external"; anchorText: string | null }>`
          SELECT source_id AS source, target_id AS target, link_type, anchor_text FROM expression_links
          WHERE source_id = ANY(${ids}::int[]) AND target_id = ANY(${ids}::int[]) ORDER BY 1, 2`
        return { nodes, edges }
      })

    const stats = (landId: LandId) =>
      Effect.gen(function*() {
        const group = (column: string) =>
          sql<{ k: string | null; n: number }>`
            SELECT ${sql.unsafe(column)}::text AS k, count(*)::int AS n FROM expressions WHERE land_id = ${landId} GROUP BY 1`.pipe(
            Effect.map((rows) => Object.fromEntries(rows.map((r) => [r.k ?? "none", r.n])))
          )
        const [byState, byHttpStatus, byDepth] = [yield* group("crawl_state"), yield* group("http_status"), yield* group("depth")]
        const totals = yield* sql<{ expressions: number; domains: number; links: number; media: number; min: number | null; max: number | null; average: number | null; lastFetchedAt: Date | null }>`
          SELECT (SELECT count(*)::int FROM expressions WHERE land_id = ${landId}) AS expressions,
                 (SELECT count(*)::int FROM domains WHERE land_id = ${landId}) AS domains,
                 (SELECT count(*)::int FROM expression_links k JOIN expressions e ON e.id = k.source_id WHERE e.land_id = ${landId}) AS links,
                 (SELECT count(*)::int FROM media m JOIN expressions e ON e.id = m.expression_id WHERE e.land_id = ${landId}) AS media,
                 min(relevance)::float8 AS min, max(relevance)::float8 AS max, avg(relevance)::float8 AS average,
                 max(fetched_at) AS last_fetched_at
          FROM expressions WHERE land_id = ${landId}`
        const t = totals[0]!
        return {
          expressions: t.expressions,
          byState,
          byHttpStatus,
          byDepth,
          domains: t.domains,
          links: t.links,
          media: t.media,
          relevance: { min: t.min, max: t.max, average: t.average },
          lastFetchedAt: t.lastFetchedAt
        }
      })

    return { list, detail, landOf, domains, graph, stats } as const
  })
}) {}

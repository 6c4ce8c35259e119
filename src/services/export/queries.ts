import type { SqlClient } from "@effect/sql"
import type { DomainLinkRow, DomainRow, LinkRow, MediaRow, PageRow } from "../../domain/export-columns.js"
import type { ExportFilters } from "../../domain/export-types.js"
import type { LandId } from "../../domain/ids.js"

// The exports' queries: keyset pages of a land's rows under the export's filters.

// Source domains per query when links between domains are counted.
export const SOURCE_DOMAINS = 200

export interface PageColumns {
  /** created_at, fetched_at, approved_at, readable_at (published_at always comes): parsing dates is costly. */
  readonly dates?: boolean
  readonly readable?: boolean
  readonly tags?: boolean
}

/** The queries of one export, over a land and its filters. */
export const exportQueries = (sql: SqlClient.SqlClient, landId: LandId, filters: ExportFilters) => {
  const pagesOf = (alias: "e" | "s" | "t") => {
    const a = sql.literal(alias)
    return sql.and([
      sql`${a}.land_id = ${landId}`,
      ...(filters.minrel > 0 ? [sql`${a}.relevance >= ${filters.minrel}`] : []),
      ...(filters.depth === undefined ? [] : [sql`${a}.depth <= ${filters.depth}`]),
      ...(filters.httpStatus === undefined ? [] : [sql`${a}.http_status = ${filters.httpStatus}`])
    ])
  }
  const linkKept = filters.intraDomainEdges ? sql`TRUE` : sql`s.domain_id <> t.domain_id`

  const pages = (cols: PageColumns) => (after: number, limit: number) =>
    sql<PageRow>`
      SELECT e.id, e.normalized_url AS url, e.title, e.description, e.keywords, e.language, e.relevance, e.depth,
             e.http_status, e.domain_id, d.host AS domain_name, d.description AS domain_description,
             d.keywords AS domain_keywords, e.published_at,
             ${cols.dates
               ? sql`e.created_at, e.fetched_at, e.approved_at, e.readable_at`
               : sql`NULL AS created_at, NULL AS fetched_at, NULL AS approved_at, NULL AS readable_at`},
             ${cols.readable ? sql`e.readable` : sql`NULL::text`} AS readable,
             ${cols.tags ? sql`(
               SELECT string_agg(DISTINCT g.name, ',' ORDER BY g.name)
               FROM tagged_content c JOIN tags g ON g.id = c.tag_id WHERE c.expression_id = e.id)` : sql`NULL::text`} AS tags
      FROM expressions e JOIN domains d ON d.id = e.domain_id
      WHERE ${pagesOf("e")} AND e.id > ${after}
      ORDER BY e.id LIMIT ${limit}`

  const domains = (after: number, limit: number) =>
    sql<DomainRow>`
      SELECT d.id, d.host AS name, d.title, d.description, d.keywords, d.http_status, s.expressions,
             s.average_relevance, s.first_expression_date, s.last_expression_date
      FROM domains d CROSS JOIN LATERAL (
        SELECT count(*)::int AS expressions, round(avg(e.relevance)::numeric, 2)::float8 AS average_relevance,
               min(e.created_at) AS first_expression_date, max(e.created_at) AS last_expression_date
        FROM expressions e WHERE e.domain_id = d.id AND ${pagesOf("e")}
      ) s
      WHERE d.land_id = ${landId} AND d.id > ${after} AND s.expressions > 0
      ORDER BY d.id LIMIT ${limit}`

  const media = (after: number, limit: number) =>
    sql<MediaRow>`
      SELECT m.id, m.expression_id, m.url, m.type, m.alt, m.mime_type, m.width, m.height,
             m.file_size::float8 AS file_size, m.format, m.color_mode, m.channels, m.has_transparency,
             m.aspect_ratio, m.dominant_colors, m.websafe_colors, m.exif, m.sha256, m.phash, m.analyzed_at,
             m.analysis_error
      FROM media m JOIN expressions e ON e.id = m.expression_id
      WHERE ${pagesOf("e")} AND m.id > ${after}
      ORDER BY m.id LIMIT ${limit}`

  const links = (after: readonly [number, number], limit: number) =>
    sql<LinkRow>`
      SELECT k.source_id, s.normalized_url AS source_url, s.domain_id AS source_domain_id,
             k.target_id, t.normalized_url AS target_url, t.domain_id AS target_domain_id
      FROM expression_links k
      JOIN expressions s ON s.id = k.source_id
      JOIN expressions t ON t.id = k.target_id
      WHERE ${pagesOf("s")} AND ${pagesOf("t")} AND ${linkKept}
        AND s.id >= ${after[0]} AND (k.source_id, k.target_id) > (${after[0]}, ${after[1]})
      ORDER BY k.source_id, k.target_id LIMIT ${limit}`

  // Links between domains are counted a batch of source domains at a time, so that no query aggregates the
  // whole land's links more than once.
  const sourceDomains = (after: number) =>
    sql<{ id: number }>`
      SELECT id FROM domains WHERE land_id = ${landId} AND id > ${after} ORDER BY id LIMIT ${SOURCE_DOMAINS}`

  const domainLinksFrom = (sources: ReadonlyArray<number>) =>
    sql<DomainLinkRow>`
      SELECT s.domain_id AS source_domain_id, sd.host AS source_domain_name,
             t.domain_id AS target_domain_id, td.host AS target_domain_name, count(*)::int AS link_count
      FROM expressions s
      JOIN expression_links k ON k.source_id = s.id
      JOIN expressions t ON t.id = k.target_id
      JOIN domains sd ON sd.id = s.domain_id
      JOIN domains td ON td.id = t.domain_id
      WHERE s.domain_id = ANY(${sources}::int[]) AND ${pagesOf("s")} AND ${pagesOf("t")} AND ${linkKept}
      GROUP BY s.domain_id, sd.host, t.domain_id, td.host
      ORDER BY s.domain_id, t.domain_id`

  return { pages, domains, media, links, sourceDomains, domainLinksFrom, pagesOf, linkKept }
}

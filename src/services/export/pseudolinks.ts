import type { SqlClient } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import { Effect, Option, Stream } from "effect"
import type { DomainPairRow, PagePairRow, ParagraphPairRow } from "../../domain/export-pseudolinks.js"
import type { ExportFilters } from "../../domain/export-types.js"
import type { LandId } from "../../domain/ids.js"
import { EXACT } from "../search/similarities.js"
import { exportQueries } from "./queries.js"

// Rows per query of paragraph pairs (each carries two paragraphs' text), and source pages per query of page pairs.
const PAIR_ROWS = 500
const SOURCE_PAGES = 500

/** The methods a land's pseudolinks exports take: exact duplicates, and the vector neighbours of its current model. */
export const pseudolinkMethods = (sql: SqlClient.SqlClient, landId: LandId) =>
  sql<{ embeddingModel: string | null }>`SELECT embedding_model FROM lands WHERE id = ${landId}`.pipe(
    Effect.map((rows) => [EXACT, ...(rows[0]?.embeddingModel ? [rows[0].embeddingModel] : [])])
  )

/**
 * The pseudolinks of a land under the export's filters (both pages taken; pairs within one domain only when
 * `intraDomainEdges`), as streams of row pages read with keyset pagination.
 */
export const pseudolinkStreams = (
  sql: SqlClient.SqlClient,
  landId: LandId,
  filters: ExportFilters,
  methods: ReadonlyArray<string>,
  tally: (kind: string, n: number) => void
) => {
  const { pagesOf, linkKept } = exportQueries(sql, landId, filters)
  const pairsOf = sql`
    similarities k
    JOIN paragraphs a ON a.id = k.source_paragraph_id JOIN paragraphs b ON b.id = k.target_paragraph_id
    JOIN expressions s ON s.id = a.expression_id JOIN expressions t ON t.id = b.expression_id
    JOIN domains sd ON sd.id = s.domain_id JOIN domains td ON td.id = t.domain_id`
  const kept = sql`k.method = ANY(${methods}::text[]) AND ${pagesOf("s")} AND ${pagesOf("t")} AND ${linkKept}`

  type PairKey = readonly [number, number, string]
  const pairs: Stream.Stream<ReadonlyArray<ParagraphPairRow>, SqlError> = Stream.paginateEffect(
    [0, 0, ""] as PairKey,
    (after: PairKey) =>
      sql<ParagraphPairRow>`
        SELECT k.source_paragraph_id, k.target_paragraph_id, k.method, k.score AS similarity,
               s.id AS source_id, s.normalized_url AS source_url, sd.host AS source_domain,
               t.id AS target_id, t.normalized_url AS target_url, td.host AS target_domain,
               a.text AS source_text, b.text AS target_text
        FROM ${pairsOf}
        WHERE ${kept} AND (k.source_paragraph_id, k.target_paragraph_id, k.method) > (${after[0]}, ${after[1]}, ${after[2]})
        ORDER BY k.source_paragraph_id, k.target_paragraph_id, k.method LIMIT ${PAIR_ROWS}`.pipe(
        Effect.tap((rows) => Effect.sync(() => tally("pairs", rows.length))),
        Effect.map((rows) => {
          const last = rows.at(-1)
          const next = rows.length < PAIR_ROWS || last === undefined
            ? Option.none<PairKey>()
            : Option.some([last.sourceParagraphId, last.targetParagraphId, last.method] as PairKey)
          return [rows, next] as const
        })
      )
  )

  // Aggregated a batch of source pages at a time: no query groups the whole land's pairs more than once.
  const pagePairs: Stream.Stream<ReadonlyArray<PagePairRow>, SqlError> = Stream.paginateEffect(0, (after: number) =>
    Effect.gen(function*() {
      const sources = (yield* sql<{ id: number }>`
        SELECT s.id FROM expressions s WHERE ${pagesOf("s")} AND s.id > ${after} ORDER BY s.id LIMIT ${SOURCE_PAGES}`)
        .map((r) => r.id)
      const rows = sources.length === 0 ? [] : yield* sql<PagePairRow>`
        SELECT s.id AS source_id, s.normalized_url AS source_url, sd.host AS source_domain,
               t.id AS target_id, t.normalized_url AS target_url, td.host AS target_domain,
               count(DISTINCT (k.source_paragraph_id, k.target_paragraph_id))::int AS pairs,
               max(k.score)::float8 AS max_similarity, avg(k.score)::float8 AS mean_similarity
        FROM ${pairsOf}
        WHERE a.expression_id = ANY(${sources}::int[]) AND ${kept}
        GROUP BY s.id, s.normalized_url, sd.host, t.id, t.normalized_url, td.host
        ORDER BY s.id, t.id`
      tally("pagePairs", rows.length)
      return [rows, sources.length < SOURCE_PAGES ? Option.none<number>() : Option.some(sources.at(-1)!)] as const
    }))

  // Pairs of domains are few (at most the square of a land's domains): one query.
  const domainPairs: Stream.Stream<ReadonlyArray<DomainPairRow>, SqlError> = Stream.fromEffect(
    sql<DomainPairRow>`
      SELECT LEAST(sd.id, td.id) AS source_domain_id,
             CASE WHEN sd.id <= td.id THEN sd.host ELSE td.host END AS source_domain,
             GREATEST(sd.id, td.id) AS target_domain_id,
             CASE WHEN sd.id <= td.id THEN td.host ELSE sd.host END AS target_domain,
             count(DISTINCT (s.id, t.id))::int AS page_pairs,
             count(DISTINCT (k.source_paragraph_id, k.target_paragraph_id))::int AS pairs,
             max(k.score)::float8 AS max_similarity, avg(k.score)::float8 AS mean_similarity
      FROM ${pairsOf}
      WHERE ${kept}
      GROUP BY 1, 2, 3, 4
      ORDER BY 1, 3`.pipe(Effect.tap((rows) => Effect.sync(() => tally("domainPairs", rows.length))))
  )

  return { pairs, pagePairs, domainPairs }
}

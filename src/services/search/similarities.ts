import type { SqlClient } from "@effect/sql"
import { Effect } from "effect"

// The pseudolinks of a land as stored in `similarities`: one row per unordered pair of paragraphs on different pages,
// the source being the paragraph of the page with the smaller id; `method` is the model key for vector neighbours and
// `exact` for paragraphs of identical normalised text.

export const EXACT = "exact"

/**
 * Where a run writes the pairs of a method until they take the place of the old ones (`promote`): a land's readers
 * ask for its methods by name, and never see these. One pseudolinks job runs on a land at a time.
 */
export const staged = (method: string) => `staged:${method}`

export interface Pair {
  readonly source: number
  readonly target: number
  readonly score: number
}

export const similarityQueries = (sql: SqlClient.SqlClient, landId: number) => {
  /** Forgets the land's pairs of these methods. */
  const clear = (methods: ReadonlyArray<string>) =>
    sql`
      DELETE FROM similarities s USING paragraphs p, expressions x
      WHERE p.id = s.source_paragraph_id AND x.id = p.expression_id AND x.land_id = ${landId}
        AND s.method = ANY(${methods}::text[])`.pipe(Effect.asVoid)

  /** Stores pairs of a method; answers how many were new. */
  const insert = (method: string, pairs: ReadonlyArray<Pair>) =>
    pairs.length === 0 ? Effect.succeed(0) : sql<{ n: number }>`
      WITH added AS (
        INSERT INTO similarities (source_paragraph_id, target_paragraph_id, method, score)
        SELECT u.s, u.t, ${method}, u.score
        FROM unnest(${pairs.map((p) => p.source)}::int[], ${pairs.map((p) => p.target)}::int[],
          ${pairs.map((p) => p.score)}::float8[]) AS u(s, t, score)
        ON CONFLICT DO NOTHING RETURNING 1)
      SELECT count(*)::int AS n FROM added`.pipe(Effect.map((rows) => rows[0]?.n ?? 0))

  /**
   * Pairs paragraphs of identical normalised text on different pages. A text repeated on many pages (a footer) links
   * each copy to the next `band` copies only, so its pages stay connected without every pair being written.
   */
  const exact = (band: number, method = EXACT) =>
    sql<{ n: number }>`
      WITH copies AS (
        SELECT p.id, p.expression_id, p.text_hash,
               row_number() OVER (PARTITION BY p.text_hash ORDER BY p.expression_id, p.id) AS r
        FROM paragraphs p JOIN expressions x ON x.id = p.expression_id
        WHERE x.land_id = ${landId}
          AND p.text_hash IN (
            SELECT q.text_hash FROM paragraphs q JOIN expressions y ON y.id = q.expression_id
            WHERE y.land_id = ${landId} GROUP BY q.text_hash HAVING count(DISTINCT q.expression_id) > 1)
      ), added AS (
        INSERT INTO similarities (source_paragraph_id, target_paragraph_id, method, score)
        SELECT a.id, b.id, ${method}, 1
        FROM copies a JOIN copies b ON b.text_hash = a.text_hash AND b.r > a.r AND b.r <= a.r + ${band}
        WHERE b.expression_id <> a.expression_id
        ON CONFLICT DO NOTHING RETURNING 1)
      SELECT count(*)::int AS n FROM added`.pipe(Effect.map((rows) => rows[0]?.n ?? 0))

  /** The paragraphs whose normalised text is on several of the land's pages, with its hash (the exact pairs' texts). */
  const copies = sql<{ id: number; textHash: string }>`
    SELECT p.id, p.text_hash FROM paragraphs p JOIN expressions x ON x.id = p.expression_id
    WHERE x.land_id = ${landId}
      AND p.text_hash IN (
        SELECT q.text_hash FROM paragraphs q JOIN expressions y ON y.id = q.expression_id
        WHERE y.land_id = ${landId} GROUP BY q.text_hash HAVING count(DISTINCT q.expression_id) > 1)`.pipe(
    Effect.map((rows) => new Map(rows.map((r) => [r.id, r.textHash])))
  )

  /** The texts of these paragraphs. */
  const texts = (ids: ReadonlyArray<number>) =>
    sql<{ id: number; text: string }>`SELECT id, text FROM paragraphs WHERE id = ANY(${ids}::int[])`

  /** Pairs of pages and pairs of domains linked by at least one stored pair of these methods. */
  const counts = (methods: ReadonlyArray<string>) =>
    sql<{ pages: number; domains: number }>`
      WITH pairs AS (
        SELECT a.expression_id AS pa, b.expression_id AS pb, xa.domain_id AS da, xb.domain_id AS db
        FROM similarities s
        JOIN paragraphs a ON a.id = s.source_paragraph_id JOIN paragraphs b ON b.id = s.target_paragraph_id
        JOIN expressions xa ON xa.id = a.expression_id JOIN expressions xb ON xb.id = b.expression_id
        WHERE xa.land_id = ${landId} AND s.method = ANY(${methods}::text[]))
      SELECT (SELECT count(*) FROM (SELECT DISTINCT pa, pb FROM pairs) t)::int AS pages,
             (SELECT count(*) FROM (SELECT DISTINCT LEAST(da, db), GREATEST(da, db) FROM pairs WHERE da <> db) t)::int
               AS domains`.pipe(Effect.map((rows) => rows[0] ?? { pages: 0, domains: 0 }))

  /** The staged pairs of these methods become theirs (in the transaction that cleared the old ones). */
  const promote = (methods: ReadonlyArray<string>) =>
    sql`
      UPDATE similarities s SET method = m.method
      FROM unnest(${methods.map(staged)}::text[], ${methods}::text[]) AS m(staged, method), paragraphs p, expressions x
      WHERE s.method = m.staged AND p.id = s.source_paragraph_id AND x.id = p.expression_id AND x.land_id = ${landId}`
      .pipe(Effect.asVoid)

  return { clear, insert, exact, copies, texts, counts, promote }
}

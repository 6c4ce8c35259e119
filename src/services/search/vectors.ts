import type { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { decodeVector } from "../../domain/vector.js"

// The stored vectors of one land and model, as the vector index reads them.

export interface VectorKey {
  readonly paragraphId: number
  readonly expressionId: number
}

/** What changes when a vector of the land is added or removed: compared before each (throttled) refresh. */
export interface VectorStamp {
  readonly count: number
  readonly last: string
}

export const sameStamp = (a: VectorStamp, b: VectorStamp) => a.count === b.count && a.last === b.last

export const vectorQueries = (sql: SqlClient.SqlClient, landId: number, model: string) => {
  const ofLand = sql`
    FROM embeddings v
    JOIN paragraphs p ON p.id = v.paragraph_id
    JOIN expressions x ON x.id = p.expression_id
    WHERE x.land_id = ${landId} AND v.model = ${model}`

  const stamp = sql<{ count: number; last: string | null }>`
    SELECT count(*)::int AS count, max(v.created_at)::text AS last ${ofLand}`.pipe(
    Effect.map((rows): VectorStamp => ({ count: rows[0]?.count ?? 0, last: rows[0]?.last ?? "" }))
  )

  /** Every vector's paragraph and page, in paragraph order (ids only: a few bytes a vector). */
  const keys = sql<VectorKey>`
    SELECT v.paragraph_id, p.expression_id ${ofLand} ORDER BY v.paragraph_id`

  /** The vectors of these paragraphs (of the model), in paragraph order. */
  const vectors = (paragraphIds: ReadonlyArray<number>) =>
    paragraphIds.length === 0 ? Effect.succeed([]) : sql<{ paragraphId: number; vector: Uint8Array }>`
      SELECT paragraph_id, vector FROM embeddings
      WHERE model = ${model} AND paragraph_id = ANY(${paragraphIds}::int[])
      ORDER BY paragraph_id`.pipe(
      Effect.map((rows) => rows.map((r) => ({ paragraphId: r.paragraphId, vector: decodeVector(r.vector) })))
    )

  return { stamp, keys, vectors }
}

import type { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { decodeVector } from "../../domain/vector.js"

// What search answers say about the paragraphs and pages the index found.

export interface ParagraphRow {
  readonly paragraphId: number
  readonly expressionId: number
  readonly url: string
  readonly title: string | null
  readonly relevance: number | null
  readonly text: string
}

export interface PageRow {
  readonly expressionId: number
  readonly url: string
  readonly title: string | null
  readonly relevance: number | null
}

export const searchQueries = (sql: SqlClient.SqlClient) => {
  /** The model the land searches with (null: never embedded). */
  const landModel = (landId: number) =>
    sql<{ embeddingModel: string | null }>`SELECT embedding_model FROM lands WHERE id = ${landId}`.pipe(
      Effect.map((rows) => rows[0]?.embeddingModel ?? null)
    )

  /** These paragraphs with their page, those of pages at least `minrel` relevant only (when given). */
  const paragraphs = (ids: ReadonlyArray<number>, minrel?: number) =>
    ids.length === 0 ? Effect.succeed([]) : sql<ParagraphRow>`
      SELECT p.id AS paragraph_id, p.expression_id, x.url, x.title, x.relevance, p.text
      FROM paragraphs p JOIN expressions x ON x.id = p.expression_id
      WHERE p.id = ANY(${ids}::int[]) ${minrel === undefined ? sql`` : sql`AND COALESCE(x.relevance, 0) >= ${minrel}`}`

  const pages = (ids: ReadonlyArray<number>) =>
    ids.length === 0 ? Effect.succeed([]) : sql<PageRow>`
      SELECT x.id AS expression_id, x.url, x.title, x.relevance FROM expressions x WHERE x.id = ANY(${ids}::int[])`

  /** A page's paragraph vectors of the model, in reading order. */
  const pageVectors = (expressionId: number, model: string) =>
    sql<{ paragraphId: number; vector: Uint8Array }>`
      SELECT v.paragraph_id, v.vector FROM paragraphs p JOIN embeddings v ON v.paragraph_id = p.id AND v.model = ${model}
      WHERE p.expression_id = ${expressionId} ORDER BY p.position`.pipe(
      Effect.map((rows) => rows.map((r) => ({ paragraphId: r.paragraphId, vector: decodeVector(r.vector) })))
    )

  return { landModel, paragraphs, pages, pageVectors }
}

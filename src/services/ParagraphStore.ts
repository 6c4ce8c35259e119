import { SqlClient } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import { Array as Arr, Effect } from "effect"
import type { ExpressionId, LandId } from "../domain/ids.js"
import { type Paragraph, splitParagraphs } from "../domain/paragraphs.js"
import { encodeVector } from "../domain/vector.js"
import { vectorBytesAt } from "./embeddings/page.js"
import type { InlinePage } from "./InlineEmbedding.js"
import { VectorChanges } from "./VectorChanges.js"

const VECTORS_PER_STATEMENT = 2000

/** Which pages an embed job takes: a land's pages with readable text, at least this relevant (none: all). */
export interface EmbedSelection {
  readonly landId: LandId
  readonly minRelevance: number | null
  /** The model key whose vectors are wanted. */
  readonly model: string
}

/** A page to embed: its text when its paragraphs must be split again (they are not from the text it holds now). */
export interface PageToEmbed {
  readonly id: ExpressionId
  readonly language: string | null
  /** The text to split, and its hash, when the stored paragraphs are stale; null when only vectors are missing. */
  readonly resplit: { readonly markdown: string; readonly hash: string } | null
}

/** A page's new paragraphs, split from the text whose hash is `readableHash` (null: the page holds no text). */
export interface PageParagraphs {
  readonly expressionId: ExpressionId
  readonly readableHash: string | null
  readonly paragraphs: ReadonlyArray<Paragraph & { readonly language: string | null }>
}

export interface ParagraphToEmbed {
  readonly id: number
  readonly expressionId: ExpressionId
  readonly text: string
}

export interface StoredVector {
  readonly paragraphId: number
  readonly vector: Float32Array
}

interface EncodedVector {
  readonly paragraphId: number
  /** `encodeVector` of the vector. */
  readonly bytes: Uint8Array
}

/** Paragraphs of pages and their vectors, per model key. */
export class ParagraphStore extends Effect.Service<ParagraphStore>()("mwi/ParagraphStore", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const changes = yield* VectorChanges

    const stale = sql`(e.paragraphs_hash IS DISTINCT FROM e.readable_hash)`
    const relevant = (s: EmbedSelection) =>
      s.minRelevance === null ? sql`TRUE` : sql`COALESCE(e.relevance, 0) >= ${s.minRelevance}`
    const selected = (s: EmbedSelection) => sql`
      e.land_id = ${s.landId} AND e.readable IS NOT NULL AND ${relevant(s)}
      AND (${stale} OR EXISTS (
        SELECT 1 FROM paragraphs p WHERE p.expression_id = e.id
          AND NOT EXISTS (SELECT 1 FROM embeddings v WHERE v.model = ${s.model} AND v.paragraph_id = p.id)))`

    /**
     * The next pages to do in id order (keyset): a land of any size is walked in bounded memory. `staleOnly` takes only
     * pages whose paragraphs are not from their text (through a partial index): the pages a running crawl adds.
     */
    const next = (s: EmbedSelection, afterId: number, limit: number, staleOnly = false) =>
      sql<{ id: ExpressionId; language: string | null; markdown: string | null; hash: string | null }>`
        SELECT e.id, e.language, CASE WHEN ${stale} THEN e.readable END AS markdown,
               CASE WHEN ${stale} THEN e.readable_hash END AS hash
        FROM expressions e
        WHERE ${staleOnly ? sql`e.land_id = ${s.landId} AND e.readable IS NOT NULL AND ${stale}` : selected(s)}
          AND ${relevant(s)} AND e.id > ${afterId}
        ORDER BY e.id LIMIT ${limit}`.pipe(
        Effect.map((rows) =>
          rows.map((r): PageToEmbed => ({
            id: r.id,
            language: r.language,
            resplit: r.markdown === null || r.hash === null ? null : { markdown: r.markdown, hash: r.hash }
          }))
        )
      )

    const pendingCount = (s: EmbedSelection) =>
      sql<{ n: number }>`SELECT count(*)::int AS n FROM expressions e WHERE ${selected(s)}`.pipe(
        Effect.map((rows) => rows[0]?.n ?? 0)
      )

    /**
     * Replaces pages' paragraphs by new ones, within a transaction; the ids of the pages' paragraphs now. A paragraph
     * whose text is the same, to the character, as one the page had keeps that row (moved to its new position): its
     * id, so its vectors of every model and its pseudolinks stay, and a page whose text changed is embedded again only
     * where it changed (an API provider charges for each text sent). The others go, with their vectors and pairs.
     */
    const insertParagraphs = (pages: ReadonlyArray<Omit<PageParagraphs, "readableHash">>) =>
      Effect.gen(function*() {
        const before = yield* sql<{ id: number; expressionId: ExpressionId; position: number; text: string; language: string | null }>`
          SELECT id, expression_id, position, text, language FROM paragraphs
          WHERE expression_id = ANY(${pages.map((p) => p.expressionId)}::int[])`
        const unclaimed = Arr.groupBy(before, (b) => `${b.expressionId} ${b.text}`)
        const kept: Array<{ id: number; expressionId: ExpressionId; position: number; language: string | null; moved: boolean }> = []
        const rows: Array<Paragraph & { expressionId: ExpressionId; language: string | null }> = []
        for (const p of pages) {
          for (const q of p.paragraphs) {
            // Of a text the page holds twice, the first new one takes the first old one.
            const same = unclaimed[`${p.expressionId} ${q.text}`]?.shift()
            if (same === undefined) rows.push({ ...q, expressionId: p.expressionId })
            else kept.push({ id: same.id, expressionId: p.expressionId, position: q.position, language: q.language, moved: same.position !== q.position || same.language !== q.language })
          }
        }
        const gone = Object.values(unclaimed).flat().map((b) => b.id)
        if (gone.length > 0) yield* sql`DELETE FROM paragraphs WHERE id = ANY(${gone}::int[])`
        // Kept paragraphs that move wait at negative positions, out of the way of those inserted.
        const moved = kept.filter((k) => k.moved)
        if (moved.length > 0) {
          yield* sql`
            UPDATE paragraphs p SET position = -1 - v.position, language = v.language
            FROM unnest(${moved.map((k) => k.id)}::int[], ${moved.map((k) => k.position)}::int[], ${moved.map((k) => k.language)}::text[])
              AS v(id, position, language)
            WHERE p.id = v.id`
        }
        const inserted = rows.length === 0 ? [] : yield* sql<{ id: number; expressionId: ExpressionId; position: number }>`
          INSERT INTO paragraphs (expression_id, position, text, text_hash, word_count, char_count, language)
          SELECT * FROM unnest(${rows.map((r) => r.expressionId)}::int[], ${rows.map((r) => r.position)}::int[],
            ${rows.map((r) => r.text)}::text[], ${rows.map((r) => r.textHash)}::text[],
            ${rows.map((r) => r.wordCount)}::int[], ${rows.map((r) => r.charCount)}::int[],
            ${rows.map((r) => r.language)}::text[])
          RETURNING id, expression_id, position`
        if (moved.length > 0) yield* sql`UPDATE paragraphs SET position = -1 - position WHERE id = ANY(${moved.map((k) => k.id)}::int[])`
        return [...kept.map(({ expressionId, id, position }) => ({ id, expressionId, position })), ...inserted]
      })

    /** Replaces pages' paragraphs and marks them split from the text of their hash. */
    const writeParagraphs = (pages: ReadonlyArray<PageParagraphs>) =>
      Effect.gen(function*() {
        yield* insertParagraphs(pages)
        const ids = pages.map((p) => p.expressionId)
        yield* sql`
          UPDATE expressions e SET paragraphs_hash = v.hash
          FROM unnest(${ids}::int[], ${pages.map((p) => p.readableHash)}::text[]) AS v(id, hash)
          WHERE e.id = v.id AND e.readable_hash = v.hash`
      })

    /**
     * Replaces pages' paragraphs (those of unchanged text stay, with their vectors). A page whose text changed since it
     * was read keeps its hash unmatched, so the next job splits it again.
     */
    const replace = (pages: ReadonlyArray<PageParagraphs>) =>
      pages.length === 0 ? Effect.void : sql.withTransaction(writeParagraphs(pages)).pipe(
        Effect.zipRight(changes.changed),
        Effect.withSpan("ParagraphStore.replace", { attributes: { pages: pages.length } })
      )

    // A row per vector, its bytes one parameter, sent as they are: a bytea[] parameter costs an array literal of
    // hexadecimal text made on the main thread and parsed back by the database. A statement's parameters are limited.
    // `paragraphsExist` when they were inserted in the same transaction: no lookup per vector to skip the others.
    const insertEncoded = (model: string, vectors: ReadonlyArray<EncodedVector>, paragraphsExist: boolean): Effect.Effect<void, SqlError> =>
      vectors.length === 0 ? Effect.void : sql`
        INSERT INTO embeddings (paragraph_id, model, vector)
        SELECT u.id, ${model}, u.vector
        FROM (VALUES ${sql.csv(vectors.slice(0, VECTORS_PER_STATEMENT).map((v) => sql`(${v.paragraphId}::int, ${v.bytes}::bytea)`))})
          AS u(id, vector)
        ${paragraphsExist ? sql`` : sql`JOIN paragraphs p ON p.id = u.id`}
        ON CONFLICT DO NOTHING`.pipe(Effect.zipRight(insertEncoded(model, vectors.slice(VECTORS_PER_STATEMENT), paragraphsExist)))

    const insertVectors = (model: string, vectors: ReadonlyArray<StoredVector>) =>
      insertEncoded(model, vectors.map((v) => ({ paragraphId: v.paragraphId, bytes: encodeVector(v.vector) })), false)

    /**
     * Pages split and embedded by the crawl's extraction threads (`InlinePage`), written within the crawl's transaction
     * that stores the pages (which marks them split from their text): their paragraphs replaced and their vectors stored.
     * The vector indexes are told once it is committed (`InlineEmbedding.written`).
     */
    const writeEmbedded = (model: string, pages: ReadonlyArray<InlinePage>) =>
      pages.length === 0 ? Effect.void : Effect.gen(function*() {
        const byId = new Map(pages.map((p) => [p.expressionId, p]))
        const current = yield* insertParagraphs(pages)
        // A paragraph kept with its vector keeps that one.
        const vectors = current.map((r) => ({ paragraphId: r.id, bytes: vectorBytesAt(byId.get(r.expressionId)!, r.position) }))
        yield* insertEncoded(model, vectors, true)
      }).pipe(Effect.withSpan("ParagraphStore.writeEmbedded", { attributes: { pages: pages.length } }))

    /** The paragraphs of these pages that have no vector of the model yet, in reading order. */
    const missing = (expressionIds: ReadonlyArray<number>, model: string) =>
      expressionIds.length === 0 ? Effect.succeed([]) : sql<ParagraphToEmbed>`
        SELECT p.id, p.expression_id, p.text FROM paragraphs p
        WHERE p.expression_id = ANY(${expressionIds}::int[])
          AND NOT EXISTS (SELECT 1 FROM embeddings v WHERE v.model = ${model} AND v.paragraph_id = p.id)
        ORDER BY p.expression_id, p.position`

    /** Stores vectors; those of paragraphs replaced meanwhile (the page re-extracted) are dropped with them. */
    const store = (model: string, vectors: ReadonlyArray<StoredVector>) =>
      vectors.length === 0 ? Effect.void : insertVectors(model, vectors).pipe(
        Effect.zipRight(changes.changed),
        Effect.withSpan("ParagraphStore.store", { attributes: { vectors: vectors.length } })
      )

    /**
     * Splits again the stored text of those of these pages that have paragraphs (a re-extraction changed it), within
     * the caller's transaction: a paragraph whose text did not change keeps its vectors (of every model), so the next
     * embed job embeds, and sends to an API provider, only what changed. A page left without text loses its paragraphs.
     */
    const resplit = (expressionIds: ReadonlyArray<ExpressionId>) =>
      expressionIds.length === 0 ? Effect.void : Effect.gen(function*() {
        const pages = yield* sql<{ id: ExpressionId; language: string | null; markdown: string | null; hash: string | null }>`
          SELECT e.id, COALESCE(e.language, l.lang[1]) AS language, e.readable AS markdown, e.readable_hash AS hash
          FROM expressions e JOIN lands l ON l.id = e.land_id
          WHERE e.id = ANY(${expressionIds}::int[]) AND EXISTS (SELECT 1 FROM paragraphs p WHERE p.expression_id = e.id)`
        yield* replace(pages.map((p) => ({
          expressionId: p.id,
          readableHash: p.hash,
          paragraphs: p.markdown === null ? [] : splitParagraphs(p.markdown).map((q) => ({ ...q, language: p.language }))
        })))
      })

    /** The model the land's vectors were last made with, which search embeds its queries with. */
    const landModel = (landId: LandId) =>
      sql<{ embeddingModel: string | null }>`SELECT embedding_model FROM lands WHERE id = ${landId}`.pipe(
        Effect.map((rows) => rows[0]?.embeddingModel ?? null)
      )

    /** Makes the model the one the land searches with if it has none yet. */
    const setLandModel = (landId: LandId, model: string) =>
      sql`UPDATE lands SET embedding_model = ${model} WHERE id = ${landId} AND embedding_model IS NULL`.pipe(
        Effect.zipRight(changes.changed)
      )

    /**
     * After a job of `model`: the land searches with it if it has at least as many of the land's paragraphs embedded
     * as the land's model. A job that failed, was stopped or did part of the land leaves the land with the model that
     * covers it; a land's first job that stored nothing leaves it with the model of most vectors, or none.
     */
    const settleLandModel = (landId: LandId, model: string) =>
      Effect.gen(function*() {
        const rows = yield* sql<{ model: string; n: number }>`
          SELECT v.model, count(*)::int AS n FROM embeddings v JOIN paragraphs p ON p.id = v.paragraph_id
          JOIN expressions e ON e.id = p.expression_id WHERE e.land_id = ${landId} GROUP BY v.model`
        const count = (m: string) => rows.find((r) => r.model === m)?.n ?? 0
        const current = yield* landModel(landId)
        const other = current !== null && current !== model ? current : null
        const best = rows.reduce<{ model: string; n: number } | null>((b, r) => (b === null || r.n > b.n ? r : b), null)
        const chosen = count(model) > 0 && (other === null || count(model) >= count(other))
          ? model
          : other ?? best?.model ?? null
        if (chosen === current) return
        yield* sql`UPDATE lands SET embedding_model = ${chosen} WHERE id = ${landId}`
        yield* changes.changed
      })

    /** Paragraphs of the land's selected pages, and how many have a vector of the model. */
    const counts = (s: EmbedSelection) =>
      sql<{ paragraphs: number; vectors: number }>`
        SELECT count(*)::int AS paragraphs, count(v.paragraph_id)::int AS vectors
        FROM paragraphs p JOIN expressions e ON e.id = p.expression_id
        LEFT JOIN embeddings v ON v.paragraph_id = p.id AND v.model = ${s.model}
        WHERE e.land_id = ${s.landId} AND ${relevant(s)}`.pipe(
        Effect.map((rows) => rows[0] ?? { paragraphs: 0, vectors: 0 })
      )

    return { next, pendingCount, replace, writeEmbedded, missing, store, resplit, landModel, setLandModel, settleLandModel, counts } as const
  }),
  dependencies: [VectorChanges.Default]
}) {}

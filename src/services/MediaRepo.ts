import { SqlClient } from "@effect/sql"
import type { Fragment } from "@effect/sql/Statement"
import { Effect, Schema } from "effect"
import type { ExpressionId, LandId, MediaId } from "../domain/ids.js"
import { type MediaFacts, MediaNotFound } from "../domain/media-analysis.js"
import { Media, type MediaType } from "../domain/media.js"
import { orDieOnParse } from "./sql-errors.js"

/** Which media of a land an analysis job takes: those of its pages within a depth and a relevance. */
export interface MediaSelection {
  readonly landId: LandId
  readonly maxDepth: number | null
  readonly minRelevance: number | null
}

/** One file to analyse: a URL and every row (one per page showing it) not analysed yet. */
export interface PendingMedia {
  /** md5 of type and URL: the dispatch order, which spreads hosts, and the cursor to resume from. */
  readonly key: string
  readonly url: string
  readonly type: MediaType
  readonly ids: ReadonlyArray<MediaId>
}

export interface MediaResult {
  readonly ids: ReadonlyArray<MediaId>
  readonly facts: MediaFacts
  readonly error: string | null
}

export interface MediaQuery {
  readonly type?: MediaType | undefined
  /** Only images at least this wide. */
  readonly minWidth?: number | undefined
  /** Only images with camera, date or GPS details (true), or without (false). */
  readonly hasExif?: boolean | undefined
  /** Only media analysed (true: done, successfully or not), or not analysed yet (false). */
  readonly analysed?: boolean | undefined
  /** Only media whose analysis ended in an error (true), or did not (false, including those not analysed yet). */
  readonly error?: boolean | undefined
  /** Only the media of one page. */
  readonly expressionId?: ExpressionId | undefined
  /** Only images whose perceptual hash is within `maxDistance` bits of this one's, nearest first. */
  readonly nearDuplicatesOf?: MediaId | undefined
  /** Hamming distance threshold for `nearDuplicatesOf` (default 10 of 64 bits). */
  readonly maxDistance?: number | undefined
  readonly limit?: number | undefined
  readonly offset?: number | undefined
}

/** A media row, with its distance to the reference image of a near-duplicate query (else null). */
export class MediaListItem extends Media.extend<MediaListItem>("MediaListItem")({
  distance: Schema.NullOr(Schema.Int)
}) {}

export interface MediaPage {
  /** Rows matching the filters, all pages together. */
  readonly total: number
  readonly items: ReadonlyArray<MediaListItem>
}

export const DEFAULT_MAX_DISTANCE = 10

const json = (value: unknown) => (value === null ? null : JSON.stringify(value))

/**
 * Media rows: what the analysis jobs take and write, and the land's media list with its filters. Near-duplicates are
 * found in SQL: Hamming distance of the 64-bit pHashes as `bit_count` of their XOR (PostgreSQL 14+, PGlite).
 */
export class MediaRepo extends Effect.Service<MediaRepo>()("mwi/MediaRepo", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    const selected = (s: MediaSelection) =>
      sql.and([
        sql`e.land_id = ${s.landId}`,
        sql`m.analyzed_at IS NULL`,
        s.maxDepth === null ? sql`TRUE` : sql`e.depth <= ${s.maxDepth}`,
        s.minRelevance === null ? sql`TRUE` : sql`COALESCE(e.relevance, 0) >= ${s.minRelevance}`
      ])

    /** Files still to analyse after `after` (a key), in key order. */
    const pending = (s: MediaSelection, after: string | null, limit: number) =>
      sql<PendingMedia>`
        SELECT md5(m.type || ' ' || m.url) AS key, m.url, m.type, array_agg(m.id ORDER BY m.id) AS ids
        FROM media m JOIN expressions e ON e.id = m.expression_id
        WHERE ${selected(s)} AND md5(m.type || ' ' || m.url) > ${after ?? ""}
        GROUP BY m.url, m.type
        ORDER BY 1
        LIMIT ${limit}`.pipe(Effect.withSpan("MediaRepo.pending"))

    /** Distinct files still to analyse. */
    const pendingCount = (s: MediaSelection) =>
      sql<{ n: number }>`
        SELECT count(DISTINCT m.type || ' ' || m.url)::int AS n
        FROM media m JOIN expressions e ON e.id = m.expression_id
        WHERE ${selected(s)}`.pipe(Effect.map((rs) => rs[0]?.n ?? 0))

    /** Writes analyses (facts and error, or facts alone) to their rows, in one transaction, in id order. */
    const record = (results: ReadonlyArray<MediaResult>) =>
      results.length === 0 ? Effect.void : sql.withTransaction(Effect.forEach(
        [...results].sort((a, b) => (a.ids[0] ?? 0) - (b.ids[0] ?? 0)),
        ({ error, facts: f, ids }) =>
          sql`
            UPDATE media SET
              mime_type = ${f.mimeType}, file_size = ${f.fileSize}, sha256 = ${f.sha256}, format = ${f.format},
              width = ${f.width}, height = ${f.height}, color_mode = ${f.colorMode}, channels = ${f.channels},
              has_transparency = ${f.hasTransparency}, aspect_ratio = ${f.aspectRatio},
              dominant_colors = ${json(f.dominantColors)}::jsonb, websafe_colors = ${json(f.websafeColors)}::jsonb,
              exif = ${json(f.exif)}::jsonb, phash = ${f.phash},
              analyzed_at = now(), analysis_error = ${error}
            WHERE id = ANY(${[...ids]}::int[])`,
        { discard: true }
      )).pipe(Effect.withSpan("MediaRepo.record", { attributes: { files: results.length } }))

    const decodeItems = Schema.decodeUnknown(Schema.Array(MediaListItem))

    const selectRows = (where: Fragment, distance: Fragment, order: Fragment, limit: number, offset: number) =>
      sql`
        SELECT m.id, m.expression_id, m.url, m.type, m.alt, m.mime_type, m.width, m.height,
               m.file_size::float8 AS file_size, m.format, m.color_mode, m.channels, m.has_transparency,
               m.aspect_ratio, m.dominant_colors, m.websafe_colors, m.exif, m.sha256, m.phash, m.analyzed_at,
               m.analysis_error, m.created_at, ${distance} AS distance
        FROM media m JOIN expressions e ON e.id = m.expression_id
        WHERE ${where}
        ORDER BY ${order}
        LIMIT ${limit} OFFSET ${offset}`.pipe(Effect.flatMap(decodeItems), orDieOnParse)

    const referenceHash = (landId: LandId, mediaId: MediaId) =>
      Effect.gen(function*() {
        const rows = yield* sql<{ phash: string | null }>`
          SELECT m.phash FROM media m JOIN expressions e ON e.id = m.expression_id
          WHERE m.id = ${mediaId} AND e.land_id = ${landId}`
        if (rows[0] === undefined) return yield* new MediaNotFound({ id: mediaId })
        return rows[0].phash
      })

    /**
     * A land's media, filtered, in id order, or nearest first for a near-duplicate query (an image not analysed yet
     * has no hash, hence no near-duplicates).
     */
    const list = (landId: LandId, q: MediaQuery = {}) =>
      Effect.gen(function*() {
        const reference = q.nearDuplicatesOf === undefined ? undefined : yield* referenceHash(landId, q.nearDuplicatesOf)
        if (reference === null) return { total: 0, items: [] } satisfies MediaPage
        const distance: Fragment = reference === undefined
          ? sql`NULL::int`
          : sql`bit_count(('x' || m.phash)::bit(64) # ('x' || ${reference})::bit(64))::int`
        const conditions = [
          sql`e.land_id = ${landId}`,
          q.type === undefined ? sql`TRUE` : sql`m.type = ${q.type}`,
          q.minWidth === undefined ? sql`TRUE` : sql`m.width >= ${q.minWidth}`,
          q.hasExif === undefined ? sql`TRUE` : q.hasExif ? sql`m.exif IS NOT NULL` : sql`m.exif IS NULL`,
          q.analysed === undefined ? sql`TRUE` : q.analysed ? sql`m.analyzed_at IS NOT NULL` : sql`m.analyzed_at IS NULL`,
          q.error === undefined ? sql`TRUE` : q.error ? sql`m.analysis_error IS NOT NULL` : sql`m.analysis_error IS NULL`,
          q.expressionId === undefined ? sql`TRUE` : sql`m.expression_id = ${q.expressionId}`,
          reference === undefined
            ? sql`TRUE`
            // One entry per file (its first row other than the reference): a file shown by several pages is one
            // image; the reference's own file shown by other pages is listed once, at distance 0.
            : sql`m.id <> ${q.nearDuplicatesOf!} AND m.phash IS NOT NULL AND ${distance} <= ${q.maxDistance ?? DEFAULT_MAX_DISTANCE}
                AND m.id = (SELECT min(m2.id) FROM media m2 JOIN expressions e2 ON e2.id = m2.expression_id
                            WHERE e2.land_id = ${landId} AND m2.url = m.url AND m2.id <> ${q.nearDuplicatesOf!})`
        ]
        const where = sql.and(conditions)
        const counted = yield* sql<{ n: number }>`
          SELECT count(*)::int AS n FROM media m JOIN expressions e ON e.id = m.expression_id WHERE ${where}`
        const items = yield* selectRows(where, distance, reference === undefined ? sql`m.id` : sql`distance, m.id`, q.limit ?? 100, q.offset ?? 0)
        return { total: counted[0]?.n ?? 0, items } satisfies MediaPage
      }).pipe(Effect.withSpan("MediaRepo.list"))

    /** One media row of a land; a row of another land is not found. */
    const get = (landId: LandId, mediaId: MediaId) =>
      selectRows(sql`e.land_id = ${landId} AND m.id = ${mediaId}`, sql`NULL::int`, sql`m.id`, 1, 0).pipe(
        Effect.flatMap((items) => items[0] === undefined ? Effect.fail(new MediaNotFound({ id: mediaId })) : Effect.succeed(items[0])),
        Effect.withSpan("MediaRepo.get")
      )

    /** The land's images that look like this one: pHash within `maxDistance` bits, nearest first. */
    const nearDuplicates = (landId: LandId, mediaId: MediaId, maxDistance: number = DEFAULT_MAX_DISTANCE) =>
      list(landId, { nearDuplicatesOf: mediaId, maxDistance, limit: 1000 }).pipe(Effect.map((page) => page.items))

    return { pending, pendingCount, record, list, get, nearDuplicates } as const
  })
}) {}

import { SqlClient } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import { Effect, Schedule } from "effect"
import type { LandId } from "../domain/ids.js"
import type { PageGraph, PageOutcome } from "../domain/page-outcome.js"
import { ExpressionRepo } from "./ExpressionRepo.js"

/**
 * A page to store; `paragraphsHash` set when its paragraphs, split from the text of that hash, are written in the same
 * transaction (`crawl --embed`).
 */
export type PageToStore = PageOutcome & { readonly paragraphsHash?: string | undefined }

export interface StoreReport {
  readonly discovered: number
  readonly links: number
}

const ROWS_PER_UPDATE = 8

const isRetryable = (e: SqlError) => {
  const code = (e.cause as { code?: string } | undefined)?.code
  return code === "40P01" || code === "40001"
}

/** Text as PostgreSQL stores it: it refuses NUL characters, which pages and archives do contain. */
export const storableText = (s: string | null | undefined) =>
  s === null || s === undefined ? null : s.replace(/\u0000/g, "")

/**
 * Writes crawl outcomes, several pages per transaction. Unknown link targets are inserted with ON CONFLICT DO NOTHING
 * and every edge's target id read back, so concurrent writers neither duplicate a page nor lose an edge; the pages'
 * own rows are updated last, which keeps lock order stable between writers (and a deadlock, should one still occur
 * on a server, is retried).
 */
export class PageStore extends Effect.Service<PageStore>()("mwi/PageStore", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const expressions = yield* ExpressionRepo

    /**
     * The pages' outgoing edges (replacing what those pages linked to before) and media, with unknown targets
     * created at depth + 1 where the page allows it. Returns the number of new expressions and of edges written.
     */
    const writeGraph = (landId: LandId, pages: ReadonlyArray<PageGraph>) =>
      Effect.gen(function*() {
        const creating = pages.flatMap((p) => p.createTargets ? p.links.map((l) => ({ ...l, depth: p.depth + 1 })) : [])
        const inserted = yield* expressions.insertUrls(landId, creating)
        const lookup = pages.flatMap((p) => p.createTargets ? [] : p.links.map((l) => l.normalizedUrl))
          .filter((u) => !inserted.has(u))
        const known = yield* expressions.findIds(landId, lookup)
        const targetId = (u: string) => inserted.get(u)?.id ?? known.get(u)

        const edges = pages.flatMap((p) =>
          p.links.flatMap((l) => {
            const target = targetId(l.normalizedUrl)
            return target === undefined || target === p.expressionId ? [] : [{
              source: p.expressionId,
              target,
              anchor: storableText(l.anchorText.slice(0, 200)),
              rel: l.rel,
              type: l.internal ? "internal" : "external"
            }]
          })
        ).sort((a, b) => a.source - b.source || a.target - b.target)
        const sources = pages.filter((p) => p.replaceLinks).map((p) => p.expressionId)
        if (sources.length > 0) {
          yield* sql`DELETE FROM expression_links WHERE source_id = ANY(${sources}::int[])`
        }
        if (edges.length > 0) {
          yield* sql`
            INSERT INTO expression_links (source_id, target_id, anchor_text, rel, link_type)
            SELECT * FROM unnest(${edges.map((e) => e.source)}::int[], ${edges.map((e) => e.target)}::int[],
                                 ${edges.map((e) => e.anchor)}::text[], ${edges.map((e) => e.rel)}::text[],
                                 ${edges.map((e) => e.type)}::text[])
            ON CONFLICT (source_id, target_id) DO NOTHING`
        }
        const media = pages.flatMap((p) => p.media.map((m) => ({ ...m, expressionId: p.expressionId })))
          .sort((a, b) => a.expressionId - b.expressionId || (a.url < b.url ? -1 : 1))
        if (media.length > 0) {
          yield* sql`
            INSERT INTO media (expression_id, url, type, alt)
            SELECT * FROM unnest(${media.map((m) => m.expressionId)}::int[], ${media.map((m) => m.url)}::text[],
                                 ${media.map((m) => m.type)}::text[], ${media.map((m) => storableText(m.alt))}::text[])
            ON CONFLICT (expression_id, url) DO NOTHING`
        }
        let discovered = 0
        for (const v of inserted.values()) if (v.inserted) discovered++
        return { discovered, links: edges.length } satisfies StoreReport
      })

    // One parameter per value, not one array per column: a page's HTML then reaches the database as it is, instead of
    // being escaped into an array literal that the database parses back (a quarter less time per page on PGlite).
    const rowValues = (p: PageToStore) => {
      const c = p.content
      return sql`(
        ${p.expressionId}::int, ${p.state}::text, ${p.httpStatus}::int, ${p.finalUrl}::text, ${p.contentType}::text,
        ${p.contentLength}::int8, ${p.headers === null ? null : JSON.stringify(p.headers)}::jsonb, ${p.error}::text,
        ${storableText(c?.title)}::text, ${storableText(c?.description)}::text, ${storableText(c?.keywords)}::text,
        ${c?.language ?? null}::text, ${c?.canonicalUrl ?? null}::text, ${c?.publishedAt ?? null}::timestamptz,
        ${storableText(c?.html)}::text, ${storableText(c?.readable)}::text, ${c?.readableSource ?? null}::text,
        ${c?.wordCount ?? null}::int, ${c?.readingTime ?? null}::int, ${c?.relevance ?? null}::float8,
        ${Boolean(c?.readable)}::bool, ${c !== null && (c.relevance ?? 0) > 0}::bool, ${p.paragraphsHash ?? null}::text
      )`
    }

    /** Pages' own rows (terminal state, response, content), in one statement. */
    const updateRows = (pages: ReadonlyArray<PageToStore>) =>
      sql`
        UPDATE expressions e SET
          crawl_state = u.state, claimed_by = NULL, claimed_at = NULL,
          http_status = u.http_status, final_url = u.final_url, content_type = u.content_type,
          content_length = u.content_length, headers = u.headers,
          error = u.error, fetched_at = now(), updated_at = now(),
          title = u.title, description = u.description, keywords = u.keywords,
          language = u.language, canonical_url = u.canonical_url,
          published_at = u.published_at, html = u.html,
          readable = u.readable, readable_source = u.readable_source,
          word_count = u.word_count, reading_time = u.reading_time, relevance = u.relevance,
          readable_at = CASE WHEN u.has_readable THEN now() END,
          approved_at = CASE WHEN u.approved THEN now() END,
          paragraphs_hash = COALESCE(u.paragraphs_hash, e.paragraphs_hash)
        FROM (VALUES ${sql.csv(pages.map(rowValues))})
          AS u(id, state, http_status, final_url, content_type, content_length, headers, error, title, description,
               keywords, language, canonical_url, published_at, html, readable, readable_source, word_count,
               reading_time, relevance, has_readable, approved, paragraphs_hash)
        WHERE e.id = u.id`

    /**
     * The crawled pages' own rows, then their hosts' domain rows, in page id order (the order in which writers lock
     * them). On the embedded database a statement holds the event loop while it runs, about 3 ms per page of 40 KB:
     * the rows go a few pages per statement, so that timers (the hosts' intervals) and sockets wait that long at most.
     */
    const updatePages = (landId: LandId, pages: ReadonlyArray<PageToStore>) =>
      Effect.gen(function*() {
        const sorted = [...pages].sort((a, b) => a.expressionId - b.expressionId)
        for (let i = 0; i < sorted.length; i += ROWS_PER_UPDATE) yield* updateRows(sorted.slice(i, i + ROWS_PER_UPDATE))
        for (const p of sorted) {
          const c = p.content
          if (p.domainRootOf !== null && c !== null) {
            yield* sql`
              UPDATE domains SET title = ${storableText(c.title)}, description = ${storableText(c.description)},
                                 keywords = ${storableText(c.keywords)}, language = ${c.language},
                                 http_status = ${p.httpStatus}, fetched_at = now()
              WHERE land_id = ${landId} AND host = ${p.domainRootOf}`
          }
        }
      })

    // A re-crawled page's links are replaced by what it links to now; the pages' own rows are written last.
    const writeBatch = (landId: LandId, pages: ReadonlyArray<PageToStore>) =>
      writeGraph(landId, pages.map((p) => ({ ...p, replaceLinks: p.state === "fetched" }))).pipe(
        Effect.tap(() => updatePages(landId, pages))
      )

    /** `alongside`: more writes of the same transaction (the pages' paragraphs), after the pages' rows. */
    const store = (landId: LandId, pages: ReadonlyArray<PageToStore>, alongside: Effect.Effect<void, SqlError> = Effect.void) =>
      pages.length === 0
        ? Effect.succeed<StoreReport>({ discovered: 0, links: 0 })
        : sql.withTransaction(Effect.tap(writeBatch(landId, pages), () => alongside)).pipe(
          Effect.retry({ while: isRetryable, schedule: Schedule.jittered(Schedule.exponential("20 millis")), times: 5 }),
          Effect.withSpan("PageStore.store", { attributes: { pages: pages.length } })
        )

    return { store, writeGraph } as const
  }),
  dependencies: [ExpressionRepo.Default]
}) {}

import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type { ExpressionId, JobId, LandId } from "../domain/ids.js"
import type { ReadableFields } from "../domain/readable-merge.js"
import type { PageGraph } from "../domain/page-outcome.js"
import { PageStore, storableText } from "./PageStore.js"
import { ParagraphStore } from "./ParagraphStore.js"

/**
 * Which pages a readable job goes through: fetched pages of a land, optionally down to a depth, not yet processed in
 * the current pass. A pass is a run of jobs that continue one another (a `--limit` run, an interrupted job); pages
 * marked by a job of the pass (an id at least `passFrom`) are done.
 */
export interface ReadableSelection {
  readonly landId: LandId
  readonly passFrom: number
  readonly maxDepth: number | null
}

/** A stored page as the readable job needs it: where it came from and what it holds now. */
export interface StoredPage {
  readonly id: ExpressionId
  readonly url: string
  readonly depth: number
  readonly httpStatus: number | null
  readonly fetchedAt: Date | null
  readonly html: string | null
  readonly fields: ReadableFields
}

export type ReadableResult =
  | {
    readonly _tag: "Updated"
    readonly id: ExpressionId
    readonly fields: ReadableFields
    /** Set when the relevance was recomputed (title or text changed). */
    readonly relevance: number | null
    /** Set when the text changed: the page's links and media are rebuilt from it. */
    readonly graph: PageGraph | null
  }
  | { readonly _tag: "Unchanged"; readonly id: ExpressionId }
  | { readonly _tag: "Failed"; readonly id: ExpressionId; readonly reason: string }

interface Row {
  readonly id: ExpressionId
  readonly url: string
  readonly finalUrl: string | null
  readonly depth: number
  readonly httpStatus: number | null
  readonly fetchedAt: Date | string | null
  readonly html: string | null
  readonly title: string | null
  readonly description: string | null
  readonly language: string | null
  readonly publishedAt: Date | string | null
  readonly readable: string | null
  readonly readableSource: string | null
  readonly wordCount: number | null
  readonly readingTime: number | null
}

const toDate = (v: Date | string | null) => (v === null ? null : v instanceof Date ? v : new Date(v))

const toPage = (r: Row): StoredPage => ({
  id: r.id,
  // Relative links of the stored HTML resolve against the address it was finally served from.
  url: r.finalUrl ?? r.url,
  depth: r.depth,
  httpStatus: r.httpStatus,
  fetchedAt: toDate(r.fetchedAt),
  html: r.html,
  fields: {
    title: r.title,
    description: r.description,
    language: r.language,
    publishedAt: toDate(r.publishedAt)?.toISOString() ?? null,
    readable: r.readable === null ? null : {
      markdown: r.readable,
      source: (r.readableSource ?? "none") as NonNullable<ReadableFields["readable"]>["source"],
      wordCount: r.wordCount ?? 0,
      readingTime: r.readingTime ?? 0
    }
  }
})

/**
 * The readable job's reads and writes. Each processed page is marked with the job, so that the pages left are the
 * ones a resumed job still has to do; an updated page has its fields, relevance, links and media written in the same
 * transaction as its mark, so a killed job leaves no half-updated page.
 */
export class ReadableStore extends Effect.Service<ReadableStore>()("mwi/ReadableStore", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const pages = yield* PageStore
    const paragraphs = yield* ParagraphStore

    const selected = (s: ReadableSelection) =>
      sql`e.land_id = ${s.landId} AND e.crawl_state = 'fetched'
          AND (e.readable_job_id IS NULL OR e.readable_job_id < ${s.passFrom})
          ${s.maxDepth === null ? sql`` : sql`AND e.depth <= ${s.maxDepth}`}`

    /** The next pages to do in id order (keyset), so that a land of any size is walked in bounded memory. */
    const next = (s: ReadableSelection, afterId: number, limit: number) =>
      sql<Row>`
        SELECT e.id, e.url, e.final_url, e.depth, e.http_status, e.fetched_at, e.html, e.title, e.description,
               e.language, e.published_at, e.readable, e.readable_source, e.word_count, e.reading_time
        FROM expressions e WHERE ${selected(s)} AND e.id > ${afterId}
        ORDER BY e.id LIMIT ${limit}`.pipe(Effect.map((rows) => rows.map(toPage)))

    const pendingCount = (s: ReadableSelection) =>
      sql<{ n: number }>`SELECT count(*)::int AS n FROM expressions e WHERE ${selected(s)}`.pipe(
        Effect.map((rows) => rows[0]?.n ?? 0)
      )

    const writeBatch = (landId: LandId, jobId: JobId, results: ReadonlyArray<ReadableResult>) =>
      Effect.gen(function*() {
        const graphs = results.flatMap((r) => r._tag === "Updated" && r.graph !== null ? [r.graph] : [])
        const report = yield* pages.writeGraph(landId, graphs)
        // Media no longer shown by the new text go; those still shown keep their analysis.
        for (const g of graphs) {
          yield* sql`
            DELETE FROM media WHERE expression_id = ${g.expressionId}
              AND NOT (url = ANY(${g.media.map((m) => m.url)}::text[]))`
        }
        const updated = results.flatMap((r) => r._tag === "Updated" ? [r] : []).sort((a, b) => a.id - b.id)
        for (const u of updated) {
          const f = u.fields
          yield* sql`
            UPDATE expressions SET
              title = ${storableText(f.title)}, description = ${storableText(f.description)}, language = ${f.language},
              published_at = ${f.publishedAt}::timestamptz, readable = ${storableText(f.readable?.markdown)},
              readable_source = ${f.readable?.source ?? null}, word_count = ${f.readable?.wordCount ?? null},
              reading_time = ${f.readable?.readingTime ?? null},
              ${u.relevance === null ? sql`` : sql`relevance = ${u.relevance},
                approved_at = ${u.relevance > 0 ? sql`COALESCE(approved_at, now())` : sql`NULL`},`}
              readable_at = now(), updated_at = now(), readable_job_id = ${jobId}, readable_error = NULL
            WHERE id = ${u.id}`
        }
        // Once the new texts are stored: the paragraphs of a page whose text changed are those of its new text.
        yield* paragraphs.resplit(graphs.map((g) => g.expressionId))
        const marks = results.flatMap((r) => r._tag === "Updated" ? [] : [r]).sort((a, b) => a.id - b.id)
        if (marks.length > 0) {
          yield* sql`
            UPDATE expressions e SET readable_job_id = ${jobId}, readable_error = v.reason,
              readable_at = CASE WHEN v.reason IS NULL THEN now() ELSE e.readable_at END
            FROM unnest(${marks.map((m) => m.id)}::int[],
                        ${marks.map((m) => (m._tag === "Failed" ? storableText(m.reason) : null))}::text[]) AS v(id, reason)
            WHERE e.id = v.id`
        }
        return report
      })

    const write = (landId: LandId, jobId: JobId, results: ReadonlyArray<ReadableResult>) =>
      results.length === 0
        ? Effect.succeed({ discovered: 0, links: 0 })
        : sql.withTransaction(writeBatch(landId, jobId, results)).pipe(
          Effect.withSpan("ReadableStore.write", { attributes: { pages: results.length } })
        )

    return { next, pendingCount, write } as const
  }),
  dependencies: [PageStore.Default, ParagraphStore.Default]
}) {}

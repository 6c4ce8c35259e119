import { SqlClient } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import { Clock, Effect, Option, ParseResult, Schema, Stream } from "effect"
import { InvalidInput } from "../domain/errors.js"
import {
  type DomainLinkRow,
  domainCsv,
  domainLinkCsv,
  domainNodeCsv,
  domainNodes,
  fullPageCsv,
  mediaCsv,
  pageCsv,
  pageLinkCsv,
  pageNodeCsv,
  pageNodes
} from "../domain/export-columns.js"
import { corpusFile, MANIFEST, manifestCsv } from "../domain/export-corpus.js"
import { csvHeader, csvLines } from "../domain/export-csv.js"
import type { GexfEdge, GexfNodeSpec } from "../domain/export-gexf.js"
import {
  describeFilters,
  type ExportCounts,
  exportFilename,
  ExportFilters,
  type ExportFiltersInput,
  ExportType,
  exportTypes,
  formatOf
} from "../domain/export-types.js"
import type { ZipWriter } from "../domain/export-zip.js"
import { domainPairCsv, pagePairCsv, pagePairEdge, paragraphPairCsv } from "../domain/export-pseudolinks.js"
import { csvFile, gexfFile, zipArchive, zipEntry } from "./export/encode.js"
import { pseudolinkMethods, pseudolinkStreams } from "./export/pseudolinks.js"
import { exportQueries, type PageColumns, SOURCE_DOMAINS } from "./export/queries.js"
import { allLands, LandRepo, type LandScope } from "./LandRepo.js"

/** A land export ready to be written: the bytes are read from the database only as `stream` is pulled. */
export interface ExportFile {
  readonly type: ExportType
  /** The filters as applied, defaults filled in. */
  readonly filters: ExportFilters
  readonly contentType: string
  /** `<land>_<type>_<YYYYMMDD-HHMMSS>.<ext>`; `contentDisposition` (export-types) makes the download header. */
  readonly filename: string
  /**
   * The file's bytes, one database page at a time. Each run reads the database afresh; a consumer that stops pulling
   * (a client that disconnects) interrupts it, and no further query starts.
   */
  readonly stream: Stream.Stream<Uint8Array, SqlError>
  /** Rows written by the current or last run of `stream`, by kind (final once it has ended). */
  readonly counts: Effect.Effect<ExportCounts>
}

// Rows per query. Pages that carry their readable text come in smaller pages: one can weigh hundreds of kilobytes.
const ROWS = 1000
const TEXT_ROWS = 100

const utf8 = new TextEncoder()

// The tables the exports read. Their statistics decide whether a links query walks the land once or once per page:
// without them (embedded PGlite has no autovacuum, and a server's lags behind a bulk load) the planner takes a land's
// pages for a handful of rows and nests loops over them.
const READ_TABLES = ["expressions", "expression_links", "domains", "media", "tags", "tagged_content"]

const invalid = (field: string) => (e: ParseResult.ParseError) => {
  const issue = ParseResult.ArrayFormatter.formatErrorSync(e)[0]
  return new InvalidInput({ field: issue?.path.join(".") || field, reason: issue?.message ?? e.message })
}

const decodeType = (type: string) =>
  Schema.decodeUnknown(ExportType)(type).pipe(Effect.mapError(() =>
    new InvalidInput({ field: "type", reason: `unknown export type "${type}": use one of ${exportTypes.join(", ")}` })
  ))

/**
 * Land exports for Gephi, spreadsheets and text-analysis tools. Rows are read with keyset pagination in short queries,
 * so memory stays flat on a land of any size and the embedded database's single connection is never held for the
 * whole export: a crawl can keep writing meanwhile (each page of rows is then as of its own query).
 */
export class Exporter extends Effect.Service<Exporter>()("mwi/Exporter", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const lands = yield* LandRepo

    /**
     * ANALYZE the tables whose statistics are missing or stale by autovacuum's own rule (50 rows + 10%). Statistics
     * only speed things up: waiting for a lock (autovacuum holds the same one) or being refused is no reason to fail.
     */
    const freshenStatistics = sql<{ relname: string }>`
      SELECT relname FROM pg_stat_user_tables
      WHERE schemaname = current_schema() AND relname = ANY(${READ_TABLES}::text[])
        AND n_mod_since_analyze > 50 + 0.1 * n_live_tup`.pipe(
      Effect.flatMap((stale) =>
        stale.length === 0 ? Effect.void : sql.withTransaction(
          sql`SET LOCAL lock_timeout = '2s'`.pipe(Effect.zipRight(
            sql.unsafe(`ANALYZE ${stale.map((t) => READ_TABLES.find((name) => name === t.relname)!).join(", ")}`)
          ))
        )
      ),
      Effect.catchAll((e) => Effect.logDebug("export: table statistics left as they were", e)),
      Effect.withSpan("Exporter.freshenStatistics")
    )

    const exportLand = (
      landId: number,
      type: string,
      filtersInput: ExportFiltersInput = {},
      scope: LandScope = allLands
    ) =>
      Effect.gen(function*() {
        const exportType = yield* decodeType(type)
        const filters = yield* Schema.decodeUnknown(ExportFilters)(filtersInput, { errors: "first" }).pipe(
          Effect.mapError(invalid("filters"))
        )
        const land = yield* lands.find(landId, scope)
        const now = new Date(yield* Clock.currentTimeMillis)
        const q = exportQueries(sql, land.id, filters)
        // Tags come from the MyWebClient UI only; most lands have none, and looking for them costs a subquery a page.
        const tagged = (yield* sql<{ tagged: boolean }>`
          SELECT EXISTS (SELECT 1 FROM tags WHERE land_id = ${land.id}) AS tagged`)[0]?.tagged ?? false

        const counts: Record<string, number> = {}
        const tally = (kind: string, n: number) => {
          counts[kind] = (counts[kind] ?? 0) + n
        }

        /** Rows in pages of `size`, each the next `size` rows after the last one's key. */
        const paged = <Row, K>(
          kind: string | null,
          size: number,
          start: K,
          query: (after: K, limit: number) => Effect.Effect<ReadonlyArray<Row>, SqlError>,
          key: (last: Row) => K
        ): Stream.Stream<ReadonlyArray<Row>, SqlError> =>
          Stream.paginateEffect(start, (after: K) =>
            query(after, size).pipe(
              Effect.tap((rows) => Effect.sync(() => {
                if (kind !== null) tally(kind, rows.length)
              })),
              Effect.map((rows) => [rows, rows.length < size ? Option.none<K>() : Option.some(key(rows.at(-1)!))] as const),
              Effect.withSpan("Exporter.page", { attributes: { type: exportType, kind, size } })
            ))

        const pages = (cols: PageColumns, kind: string | null = "pages", size = cols.readable ? TEXT_ROWS : ROWS) =>
          paged(kind, size, 0, q.pages(cols), (p) => p.id)
        const domains = paged("domains", ROWS, 0, q.domains, (d) => d.id)
        const media = paged("media", ROWS, 0, q.media, (m) => m.id)
        const links = paged("links", ROWS, [0, 0] as const, q.links, (l) => [l.sourceId, l.targetId] as const)
        const domainLinks: Stream.Stream<ReadonlyArray<DomainLinkRow>, SqlError> = Stream.paginateEffect(0, (after: number) =>
          Effect.gen(function*() {
            const sources = (yield* q.sourceDomains(after)).map((d) => d.id)
            const rows = sources.length === 0 ? [] : yield* q.domainLinksFrom(sources)
            tally("domainLinks", rows.length)
            const next = sources.length < SOURCE_DOMAINS ? Option.none<number>() : Option.some(sources.at(-1)!)
            return [rows, next] as const
          }).pipe(Effect.withSpan("Exporter.page", { attributes: { type: exportType, kind: "domainLinks" } })))

        const gexf = <Row>(
          spec: GexfNodeSpec<Row>,
          nodes: Stream.Stream<ReadonlyArray<Row>, SqlError>,
          edges: Stream.Stream<ReadonlyArray<GexfEdge>, SqlError>,
          what: string,
          undirected = false
        ) => gexfFile(spec, nodes, edges, { description: `${what} (${describeFilters(filters)})`, lastModified: now, undirected })
        const archive = (body: (zip: ZipWriter) => Stream.Stream<Uint8Array, SqlError>) => zipArchive(now, body)

        const similar = Stream.unwrap(Effect.map(pseudolinkMethods(sql, land.id), (methods) =>
          Stream.make(pseudolinkStreams(sql, land.id, filters, methods, tally))))
        const alike = <A>(pick: (s: ReturnType<typeof pseudolinkStreams>) => Stream.Stream<A, SqlError>) =>
          Stream.flatMap(similar, pick)

        const bytes = (): Stream.Stream<Uint8Array, SqlError> => {
          switch (exportType) {
            case "pagecsv":
              return csvFile(pageCsv, pages({ tags: tagged }))
            case "fullpagecsv":
              return csvFile(fullPageCsv, pages({ tags: tagged, readable: true }))
            case "nodecsv":
              return csvFile(domainCsv, domains)
            case "mediacsv":
              return csvFile(mediaCsv, media)
            case "pagegexf":
              return gexf(
                pageNodes,
                pages({}),
                Stream.map(links, (page) => page.map((l) => ({ source: l.sourceId, target: l.targetId, weight: 1 }))),
                `Pages of the land "${land.name}" and the links between them`
              )
            case "nodegexf":
              return gexf(
                domainNodes,
                domains,
                Stream.map(domainLinks, (page) =>
                  page.map((l) => ({ source: l.sourceDomainId, target: l.targetDomainId, weight: l.linkCount }))),
                `Domains of the land "${land.name}", linked by the number of links between their pages`
              )
            case "nodelinkcsv":
              return archive((zip) =>
                zipEntry(zip, "pagesnodes.csv", csvFile(pageNodeCsv, pages({ dates: true }))).pipe(
                  Stream.concat(zipEntry(zip, "pageslinks.csv", csvFile(pageLinkCsv, links))),
                  Stream.concat(zipEntry(zip, "domainnodes.csv", csvFile(domainNodeCsv, domains))),
                  Stream.concat(zipEntry(zip, "domainlinks.csv", csvFile(domainLinkCsv, domainLinks)))
                ))
            case "corpus":
              // One pass, so the manifest says exactly what the archive holds; it goes last, and its lines (about a
              // hundred bytes a page, less than the zip's own directory keeps) wait in memory until then.
              return archive((zip) => {
                const manifest = [utf8.encode(csvHeader(manifestCsv))]
                return pages({ readable: true }, null).pipe(
                  Stream.map((page) => {
                    const lines = page.map((p) => {
                      const file = corpusFile(p)
                      if (file !== null) zip.file(file.name, utf8.encode(file.content))
                      tally(file === null ? "withoutText" : "texts", 1)
                      return { page: p, file: file?.name ?? null }
                    })
                    manifest.push(utf8.encode(csvLines(manifestCsv, lines)))
                    return zip.take()
                  }),
                  Stream.concat(zipEntry(zip, MANIFEST, Stream.suspend(() => Stream.fromIterable(manifest.splice(0)))))
                )
              })
            case "pseudolinks":
              return csvFile(paragraphPairCsv, alike((p) => p.pairs))
            case "pseudolinkspage":
              return csvFile(pagePairCsv, alike((p) => p.pagePairs))
            case "pseudolinksdomain":
              return csvFile(domainPairCsv, alike((p) => p.domainPairs))
            case "pseudolinksgexf":
              return gexf(pageNodes, pages({}), Stream.map(alike((p) => p.pagePairs), (page) => page.map(pagePairEdge)),
                `Pages of the land "${land.name}", linked by their paragraphs alike (pseudolinks)`, true)
          }
        }

        const kinds: Readonly<Record<ExportType, ReadonlyArray<string>>> = {
          pagecsv: ["pages"],
          fullpagecsv: ["pages"],
          nodecsv: ["domains"],
          mediacsv: ["media"],
          pagegexf: ["pages", "links"],
          nodegexf: ["domains", "domainLinks"],
          nodelinkcsv: ["pages", "links", "domains", "domainLinks"],
          corpus: ["texts", "withoutText"],
          pseudolinks: ["pairs"],
          pseudolinkspage: ["pagePairs"],
          pseudolinksdomain: ["domainPairs"],
          pseudolinksgexf: ["pages", "pagePairs"]
        }

        const stream = Stream.suspend(() => {
          for (const k of Object.keys(counts)) delete counts[k]
          for (const k of kinds[exportType]) counts[k] = 0
          return Stream.unwrap(Effect.as(freshenStatistics, bytes())).pipe(Stream.filter((chunk) => chunk.length > 0))
        })

        return {
          type: exportType,
          filters,
          contentType: formatOf[exportType].contentType,
          filename: exportFilename(land.name, exportType, now),
          stream,
          counts: Effect.sync(() => ({ ...counts }))
        } satisfies ExportFile
      }).pipe(Effect.withSpan("Exporter.export", { attributes: { landId, type } }))

    return { export: exportLand } as const
  }),
  dependencies: [LandRepo.Default]
}) {}

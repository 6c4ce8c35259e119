// The exports' benchmark: `npx tsx bench/export.ts` (10,000 and 100,000 pages, a few minutes) or
// `npx tsx bench/export.ts --quick` (10,000 only). `--sizes=5000,50000` and `--types=pagecsv,corpus` narrow it.
//
// Each size gets a fresh embedded PGlite filled in bulk with SQL (pages with a few kilobytes of Markdown, five links
// each, a media item every other page), then every export type is streamed to nowhere while the process's memory is
// sampled. PGlite runs in this process, so RSS includes the database's WebAssembly memory, which grows with the pages
// it has read and never shrinks: what tells whether an export's memory is bounded is the JS heap, and the RSS growth
// of the 100,000-page run compared with the 10,000-page one.

import { SqlClient } from "@effect/sql"
import { Effect, Layer, Logger, LogLevel, Stream } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { type ExportType, exportTypes } from "../src/domain/export-types.js"
import { layerFor } from "../src/services/Database.js"
import { Exporter } from "../src/services/Exporter.js"
import { Lands } from "../src/services/Lands.js"
import { fullGc, startRssSampler } from "./monitor.js"

export interface ExportBenchOptions {
  readonly sizes: ReadonlyArray<number>
  readonly types: ReadonlyArray<ExportType>
}

export interface ExportRun {
  readonly pages: number
  readonly type: ExportType
  /** Every row written, all kinds together (pages, links, domains…; for the corpus, texts and pages without). */
  readonly rows: number
  readonly counts: Readonly<Record<string, number>>
  readonly megabytes: number
  readonly seconds: number
  readonly rowsPerSecond: number
  readonly rssBaselineMb: number
  readonly rssPeakMb: number
  readonly heapPeakMb: number
  /** The largest heap left by a full GC forced every second of the export: what it keeps alive, garbage aside. */
  readonly liveHeapMaxMb: number
}

export interface ExportBenchResult {
  readonly cpus: number
  readonly loads: ReadonlyArray<{ readonly pages: number; readonly links: number; readonly media: number; readonly seconds: number }>
  readonly runs: ReadonlyArray<ExportRun>
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits

const tempDir = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "mwi-bench-export-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
)

/** A land of `n` pages on n/50 hosts; ids are consecutive in a fresh database, which the links rely on. */
const load = (n: number) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const lands = yield* Lands
    const started = performance.now()
    const land = yield* lands.create({ name: `bench ${n}` })
    const hosts = Math.max(10, Math.floor(n / 50))
    yield* sql`
      INSERT INTO domains (land_id, host, title, description)
      SELECT ${land.id}, 'site' || h || '.example', 'Site ' || h || ', «le climat»', 'Home of site ' || h
      FROM generate_series(0, ${hosts - 1}) h`
    yield* sql`
      INSERT INTO expressions (land_id, domain_id, url, normalized_url, depth, crawl_state, http_status, title,
                               description, keywords, language, published_at, readable, relevance, fetched_at)
      SELECT ${land.id}, d.id, u, u, g % 4, 'fetched', CASE WHEN g % 20 = 0 THEN 404 ELSE 200 END,
             'Page ' || g || ': climat, "énergie" & océan', 'About page ' || g, 'climat, énergie', 'fr',
             timestamptz '2024-01-01' + g * interval '1 minute',
             CASE WHEN g % 10 = 0 THEN NULL ELSE
               '# Page ' || g || E'\n\n' ||
               repeat('Le **climat** change, et l''énergie avec lui : paragraphe ' || g || E' [source](https://x.example/).\n\n', 30)
             END,
             g % 9, now()
      FROM generate_series(1, ${n}) g
      CROSS JOIN LATERAL (SELECT 'https://site' || (g * 7919 % ${hosts}) || '.example/p/' || g AS u) url
      JOIN domains d ON d.land_id = ${land.id} AND d.host = 'site' || (g * 7919 % ${hosts}) || '.example'`
    const [range] = yield* sql<{ first: number; last: number }>`
      SELECT min(id) AS first, max(id) AS last FROM expressions WHERE land_id = ${land.id}`
    if (range === undefined || range.last - range.first + 1 !== n) return yield* Effect.die("page ids are not consecutive")
    yield* sql`
      INSERT INTO expression_links (source_id, target_id, link_type)
      SELECT ${range.first} + g, ${range.first} + (g + k) % ${n}, 'external'
      FROM generate_series(0, ${n - 1}) g CROSS JOIN unnest(ARRAY[1, 7, 31, 101, 997]) k`
    yield* sql`
      INSERT INTO media (expression_id, url, type, mime_type, width, height, file_size, format, sha256, dominant_colors, analyzed_at)
      SELECT e.id, e.normalized_url || '/figure.png', 'image',
             CASE WHEN e.id % 4 = 0 THEN 'image/png' END, CASE WHEN e.id % 4 = 0 THEN 800 END,
             CASE WHEN e.id % 4 = 0 THEN 600 END, CASE WHEN e.id % 4 = 0 THEN 123456 END,
             CASE WHEN e.id % 4 = 0 THEN 'png' END, CASE WHEN e.id % 4 = 0 THEN md5(e.normalized_url) END,
             CASE WHEN e.id % 4 = 0 THEN '[{"rgb":[12,34,56],"share":0.5}]'::jsonb END,
             CASE WHEN e.id % 4 = 0 THEN now() END
      FROM expressions e WHERE e.land_id = ${land.id} AND e.id % 2 = 0`
    yield* sql`ANALYZE`
    const [counts] = yield* sql<{ links: number; media: number }>`
      SELECT (SELECT count(*)::int FROM expression_links) AS links, (SELECT count(*)::int FROM media) AS media`
    return { land, load: { pages: n, links: counts!.links, media: counts!.media, seconds: round((performance.now() - started) / 1000) } }
  })

const measure = (landId: number, pages: number, type: ExportType) =>
  Effect.gen(function*() {
    const exporter = yield* Exporter
    fullGc()
    const rss = startRssSampler(50)
    const started = performance.now()
    const file = yield* exporter.export(landId, type, {})
    let bytes = 0
    let live = process.memoryUsage().heapUsed
    let lastGc = started
    yield* Stream.runForEach(file.stream, (chunk) => Effect.sync(() => {
      bytes += chunk.length
      if (performance.now() - lastGc > 1000) {
        fullGc()
        live = Math.max(live, process.memoryUsage().heapUsed)
        lastGc = performance.now()
      }
    }))
    const seconds = (performance.now() - started) / 1000
    const memory = rss.stop()
    const counts = yield* file.counts
    const rows = Object.values(counts).reduce((a, b) => a + b, 0)
    return {
      pages,
      type,
      rows,
      counts,
      megabytes: round(bytes / 1e6),
      seconds: round(seconds, 2),
      rowsPerSecond: Math.round(rows / seconds),
      rssBaselineMb: memory.baselineMb,
      rssPeakMb: memory.peakMb,
      heapPeakMb: memory.heapUsedPeakMb,
      liveHeapMaxMb: round(live / (1024 * 1024))
    } satisfies ExportRun
  })

export const runExportBench = (options: ExportBenchOptions) =>
  Effect.gen(function*() {
    const loads: Array<ExportBenchResult["loads"][number]> = []
    const runs: Array<ExportRun> = []
    for (const n of options.sizes) {
      const dir = yield* tempDir
      const services = Layer.mergeAll(Lands.Default, Exporter.Default).pipe(
        Layer.provideMerge(layerFor({ _tag: "Embedded", dataDir: dir }))
      )
      yield* Effect.gen(function*() {
        process.stderr.write(`loading ${n} pages…\n`)
        const { land, load: loaded } = yield* load(n)
        loads.push(loaded)
        process.stderr.write(`  ${loaded.pages} pages, ${loaded.links} links, ${loaded.media} media in ${loaded.seconds} s\n`)
        for (const type of options.types) {
          const run = yield* measure(land.id, n, type)
          runs.push(run)
          process.stderr.write(`  ${formatRun(run)}\n`)
        }
      }).pipe(Effect.provide(services), Effect.scoped)
    }
    return { cpus: os.availableParallelism(), loads, runs } satisfies ExportBenchResult
  }).pipe(Effect.scoped, Logger.withMinimumLogLevel(LogLevel.Warning))

const formatRun = (r: ExportRun) =>
  `${String(r.pages).padStart(7)} pages  ${r.type.padEnd(12)} ${String(r.rows).padStart(8)} rows ` +
  `${r.megabytes.toFixed(1).padStart(7)} MB ${r.seconds.toFixed(2).padStart(7)} s ${String(r.rowsPerSecond).padStart(7)} rows/s  ` +
  `RSS ${r.rssBaselineMb.toFixed(0)}→${r.rssPeakMb.toFixed(0)} MB, JS heap peak ${r.heapPeakMb.toFixed(0)} MB, ` +
  `live heap ≤ ${r.liveHeapMaxMb.toFixed(0)} MB`

export const formatExportBench = (r: ExportBenchResult) =>
  [`Exports (${r.cpus} CPUs, embedded PGlite)`, ...r.runs.map((run) => `  ${formatRun(run)}`)].join("\n")

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
  const sizes = arg("sizes")?.split(",").map(Number) ?? (process.argv.includes("--quick") ? [10_000] : [10_000, 100_000])
  const types = (arg("types")?.split(",") ?? exportTypes).filter((t): t is ExportType => exportTypes.includes(t as ExportType))
  const result = await Effect.runPromise(runExportBench({ sizes, types }))
  console.log(formatExportBench(result))
  const out = path.join(path.dirname(fileURLToPath(import.meta.url)), "results", "export.json")
  fs.mkdirSync(path.dirname(out), { recursive: true })
  fs.writeFileSync(out, JSON.stringify({ at: new Date().toISOString(), ...result }, null, 2) + "\n")
}

// Readable pipeline benchmark: pages per second, sequential against concurrent, in one run.
//
//   npx tsx bench/readable.ts [--quick]
//
// A land of generated article pages is crawled once into an embedded PGlite, then copied for each measurement:
// A. Readability on the stored HTML, nothing to change (the common re-run).
// B. The same with every stored text made stale first: each page is updated, its relevance recomputed and its links
//    and media rebuilt.
// C. No stored HTML: every page goes to a fake web archive answering after a network-like latency.
// Each is run with concurrency 1 and with the default concurrency. Results are printed and written to
// bench/results/readable.json.

import { SqlClient } from "@effect/sql"
import { Effect, Layer, Logger, LogLevel, Schema } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import type { LandId } from "../src/domain/ids.js"
import { NetworkLive, RepositoriesLive } from "../src/layers.js"
import { HostLeases } from "../src/services/HostLeases.js"
import { layerFor } from "../src/services/Database.js"
import { Progress } from "../src/services/Progress.js"
import { WebArchive } from "../src/services/WebArchive.js"
import { Lands } from "../src/services/Lands.js"
import { ExtractorPool } from "../src/services/ExtractorPool.js"
import { crawlLand } from "../src/streams/crawl.js"
import { CrawlOptions } from "../src/streams/crawl-options.js"
import { readableLand } from "../src/streams/readable.js"
import { ReadableOptions, type ReadableSummary } from "../src/streams/readable-options.js"
import { startFixtureServer } from "../test/support/fixture-server.js"
import { articlePage, generatedSite, sendHtml } from "../test/support/fixture-site.js"

const ARCHIVE_LATENCY_MS = 30
const CONCURRENCY = 10

interface Measure {
  readonly sequential: number
  readonly concurrent: number
  readonly speedup: number
}

export interface ReadableBenchResult {
  readonly pages: number
  readonly unchanged: Measure
  readonly updated: Measure
  readonly archive: Measure & { readonly latencyMs: number }
}

const perSecond = (count: number, ms: number) => Math.round((count / ms) * 100_000) / 100

const tempDir = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "mwi-bench-readable-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
)

// The extraction workers are shared by every measurement (started and warmed up once, as in a long-running server);
// each measurement gets its own database.
const services = (dataDir: string, archiveUrl: string) =>
  Layer.mergeAll(Lands.Default, Progress.Default, HostLeases.Default, WebArchive.layer({ url: archiveUrl })).pipe(
    Layer.provideMerge(Layer.merge(
      RepositoriesLive,
      NetworkLive({ allowPrivateNetwork: true, fetcher: { timeoutMs: 30_000, retries: 0 } })
    )),
    Layer.provideMerge(layerFor({ _tag: "Embedded", dataDir }))
  )

export const runReadableBench = (options: { readonly quick: boolean }) =>
  Effect.gen(function*() {
    const pages = options.quick ? 150 : 600
    const pool = yield* Layer.build(ExtractorPool.Default)
    const site = yield* startFixtureServer()
    const archive = yield* startFixtureServer()
    generatedSite(site, { pages, linksPerPage: 4 })
    site.route("/robots.txt", (_q, res) => res.writeHead(404).end())
    archive.route("/wayback/available", (req, res) => {
      const asked = new URL(req.url!, archive.origin).searchParams.get("url")!
      const closest = { available: true, status: "200", timestamp: "20240101000000", url: `${archive.origin}/web/20240101000000/${asked}` }
      setTimeout(() => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ archived_snapshots: { closest } })), ARCHIVE_LATENCY_MS)
    })
    for (let i = 0; i < pages; i++) {
      const html = articlePage({ title: `Climat archivé ${i}`, topic: "le climat", links: [[`/p/${(i + 1) % pages}`, "suivante"]] })
      archive.route(`/web/20240101000000id_/${site.url(`/p/${i}`)}`, (_q, res) => setTimeout(() => sendHtml(res, html), ARCHIVE_LATENCY_MS))
    }

    // The crawl once; every measurement starts from a copy of its data folder.
    const template = yield* tempDir
    const landId = yield* Effect.gen(function*() {
      const lands = yield* Lands
      const land = yield* lands.create({ name: "bench", terms: "climat" })
      yield* lands.addUrls(land, [site.url("/p/0")])
      const crawl = yield* crawlLand(land.id, Schema.decodeSync(CrawlOptions)({ depth: 100, delayMs: 0, minrel: 0 }))
      if (crawl.fetched !== pages) return yield* Effect.dieMessage(`expected ${pages} pages crawled: ${JSON.stringify(crawl)}`)
      return land.id
    }).pipe(Effect.provide(services(template, archive.origin)), Effect.provide(pool))

    const run = (prepare: string | null, concurrency: number, expect: keyof Pick<ReadableSummary, "updated" | "unchanged">) =>
      Effect.gen(function*() {
        const dir = yield* tempDir
        fs.cpSync(template, dir, { recursive: true })
        return yield* Effect.gen(function*() {
          if (prepare !== null) yield* (yield* SqlClient.SqlClient).unsafe(prepare)
          const t0 = performance.now()
          const summary = yield* readableLand(landId as LandId, Schema.decodeSync(ReadableOptions)({
            concurrency,
            perHost: concurrency,
            delayMs: 0
          }))
          const ms = performance.now() - t0
          if (summary[expect] !== pages) return yield* Effect.dieMessage(`expected ${pages} pages ${expect}: ${JSON.stringify(summary)}`)
          return perSecond(pages, ms)
        }).pipe(Effect.provide(services(dir, archive.origin)), Effect.provide(pool))
      }).pipe(Effect.scoped)

    const measure = (prepare: string | null, expect: "updated" | "unchanged") =>
      Effect.gen(function*() {
        const sequential = yield* run(prepare, 1, expect)
        const concurrent = yield* run(prepare, CONCURRENCY, expect)
        return { sequential, concurrent, speedup: Math.round((concurrent / sequential) * 100) / 100 }
      })

    yield* run(null, CONCURRENCY, "unchanged") // warm-up: the JIT and PGlite's first queries
    return {
      pages,
      unchanged: yield* measure(null, "unchanged"),
      updated: yield* measure("UPDATE expressions SET readable = 'stale text', readable_source = 'heuristic'", "updated"),
      archive: {
        ...yield* measure("UPDATE expressions SET html = NULL, readable = NULL", "updated"),
        latencyMs: ARCHIVE_LATENCY_MS
      }
    } satisfies ReadableBenchResult
  }).pipe(Effect.scoped, Logger.withMinimumLogLevel(LogLevel.Warning))

export const formatReadableBench = (r: ReadableBenchResult) => {
  const line = (name: string, m: Measure) =>
    `  ${name}: ${m.sequential} pages/s with concurrency 1, ${m.concurrent} pages/s with concurrency ${CONCURRENCY} (×${m.speedup})`
  return [
    `Readable pipeline (${r.pages} pages of about 3 KB on an embedded PGlite)`,
    line("stored HTML, nothing changes", r.unchanged),
    line("stored HTML, every page updated and its links rebuilt", r.updated),
    line(`no stored HTML, web archive answering after ${r.archive.latencyMs} ms`, r.archive)
  ].join("\n")
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = await Effect.runPromise(runReadableBench({ quick: process.argv.includes("--quick") }))
  console.log(formatReadableBench(result))
  const out = path.join(path.dirname(fileURLToPath(import.meta.url)), "results", "readable.json")
  fs.mkdirSync(path.dirname(out), { recursive: true })
  fs.writeFileSync(out, JSON.stringify({ at: new Date().toISOString(), ...result }, null, 2) + "\n")
}

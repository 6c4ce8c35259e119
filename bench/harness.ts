import { SqlClient } from "@effect/sql"
import { Effect, Layer, Logger, LogLevel, Schema } from "effect"
import * as diagnostics from "node:diagnostics_channel"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { performance } from "node:perf_hooks"
import { NetworkLive, RepositoriesLive } from "../src/layers.js"
import { HostLeases } from "../src/services/HostLeases.js"
import { layerFor } from "../src/services/Database.js"
import { Lands } from "../src/services/Lands.js"
import { Progress } from "../src/services/Progress.js"
import { crawlLand } from "../src/streams/crawl.js"
import { CrawlOptions, type CrawlOptionsInput, type CrawlSummary } from "../src/streams/crawl-options.js"
import {
  fullGc,
  type LagSummary,
  type LiveHeapSummary,
  type RssSummary,
  type SpanTotal,
  startLagMonitor,
  startLiveHeapSampler,
  startRssSampler,
  withSpanTotals
} from "./monitor.js"
import { TOPIC_TERM } from "./pages.js"
import { startProfiler } from "./profile.js"
import type { Site } from "./site.js"
import type { HostStats } from "./site-worker.js"

export interface CrawlSpec {
  readonly name: string
  readonly site: Site
  /** The data dir every crawl's database is copied from (`makeTemplate`). */
  readonly template: string
  /** The land's starting URLs, inserted in this order (the frontier's id order). */
  readonly seeds: ReadonlyArray<string>
  readonly options: CrawlOptionsInput
  /** Watch event-loop delay during the crawl. */
  readonly lag?: boolean
  /** Take a CPU profile of the main thread during the crawl (slows it down: not for a measured run). */
  readonly profile?: boolean
}

export interface CrawlResult {
  readonly name: string
  readonly options: CrawlOptions
  readonly seeds: number
  readonly seedingMs: number
  readonly summary: CrawlSummary
  /** crawlLand from call to return, job bookkeeping included. */
  readonly wallMs: number
  /** CPU time of the whole process (all threads, the sites' worker included) over `wallMs`: 100 is one core. */
  readonly cpuPercent: number
  /** Share of `wallMs` the main thread's event loop was busy (100: it is the bottleneck). */
  readonly mainThreadBusyPercent: number
  /** Pages fetched, skipped or failed per second of `wallMs`. */
  readonly pagesPerSecond: number
  readonly rss: RssSummary
  readonly lag: LagSummary | null
  readonly liveHeap: LiveHeapSummary
  readonly spans: Readonly<Record<string, SpanTotal>>
  readonly hosts: ReadonlyArray<HostStats>
  /** When the crawler created each page request (undici's diagnostics channel), by origin, in order. */
  readonly clientStarts: ReadonlyMap<string, ReadonlyArray<number>>
  /** Stored pages that have readable text: proof that extraction ran. */
  readonly readablePages: number
  readonly htmlBytes: number
  readonly profileFile: string | null
}

const SEED_CHUNK = 5_000

/**
 * The crawler's side of politeness: when each page request was created, as undici publishes it. The servers see a
 * request later, by however long the event loop took to write it, so only these times show what the scheduler did.
 */
const recordRequestStarts = () => {
  const starts = new Map<string, Array<number>>()
  const onCreate = (message: unknown) => {
    const request = (message as { request?: { origin?: unknown; path?: unknown } }).request
    if (request === undefined || String(request.path).startsWith("/robots.txt")) return
    const origin = String(request.origin).replace(/\/$/, "")
    const list = starts.get(origin)
    const t = performance.timeOrigin + performance.now()
    if (list === undefined) starts.set(origin, [t])
    else list.push(t)
  }
  diagnostics.subscribe("undici:request:create", onCreate)
  return {
    stop: (): ReadonlyMap<string, ReadonlyArray<number>> => {
      diagnostics.unsubscribe("undici:request:create", onCreate)
      return starts
    }
  }
}

const tempDir = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "mwi-bench-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
)

/**
 * A migrated, empty MWI data dir, made once per run and removed with the scope. Each crawl copies it instead of
 * running initdb again: 5 s less per crawl, and each crawl then opens an existing database, as `mwi` does, rather
 * than one initdb has just bloated.
 */
export const makeTemplate = Effect.gen(function*() {
  const dir = yield* tempDir
  yield* Effect.scoped(Layer.build(layerFor({ _tag: "Embedded", dataDir: dir })))
  return dir
}).pipe(Effect.orDie)

/** A fresh data dir copied from the template, removed (after its PGlite closed) when the layer is released. */
const freshDatabase = (template: string) =>
  Layer.unwrapScoped(Effect.gen(function*() {
    const dir = yield* tempDir
    fs.cpSync(template, dir, { recursive: true })
    return layerFor({ _tag: "Embedded", dataDir: dir })
  }))

// The ExtractorPool comes from the caller: one pool serves every crawl of a run, as one serves every crawl of a
// server, so a crawl's figures do not include the workers' start-up. The sites are on loopback; everything else
// (timeouts, retries) is the crawler's configuration as a user has it.
const services = (template: string) =>
  Layer.mergeAll(Lands.Default, Progress.Default, HostLeases.Default).pipe(
    Layer.provideMerge(Layer.merge(RepositoriesLive, NetworkLive({ allowPrivateNetwork: true }))),
    Layer.provideMerge(freshDatabase(template))
  )

/** One crawl of a fresh land on a fresh embedded database, measured. */
export const runCrawl = (spec: CrawlSpec) =>
  Effect.gen(function*() {
    const lands = yield* Lands
    const sql = yield* SqlClient.SqlClient
    const options = Schema.decodeSync(CrawlOptions)(spec.options)
    const land = yield* lands.create({ name: spec.name, terms: TOPIC_TERM, lang: "fr" })
    const seedStart = performance.now()
    for (let i = 0; i < spec.seeds.length; i += SEED_CHUNK) {
      const report = yield* lands.addUrls(land, spec.seeds.slice(i, i + SEED_CHUNK))
      if (report.invalid.length > 0) return yield* Effect.dieMessage(`invalid seed: ${report.invalid[0]!.reason}`)
    }
    const seedingMs = performance.now() - seedStart
    yield* spec.site.stats(true)

    fullGc()
    const rss = startRssSampler()
    const lag = spec.lag === true ? startLagMonitor() : null
    const live = startLiveHeapSampler()
    const profiler = spec.profile === true ? yield* Effect.promise(() => startProfiler()) : null
    const starts = recordRequestStarts()
    const cpu0 = process.cpuUsage()
    const elu0 = performance.eventLoopUtilization()
    const t0 = performance.now()
    const { result: summary, spans } = yield* withSpanTotals(crawlLand(land.id, options))
    const wallMs = performance.now() - t0
    const cpu = process.cpuUsage(cpu0)
    const elu = performance.eventLoopUtilization(elu0)
    const clientStarts = starts.stop()
    const profileFile = profiler === null ? null : yield* Effect.promise(() => profiler.stop(spec.name))
    const lagSummary = lag?.stop() ?? null
    const liveHeap = live.stop()
    const rssSummary = rss.stop()
    const hosts = yield* spec.site.stats(true)

    const [check] = yield* sql<{ readable: number; htmlBytes: number }>`
      SELECT count(*) FILTER (WHERE readable IS NOT NULL)::int AS readable,
             coalesce(sum(octet_length(html)), 0)::float8 AS html_bytes
      FROM expressions WHERE land_id = ${land.id}`
    const done = summary.fetched + summary.skipped + summary.failed
    return {
      name: spec.name,
      options,
      seeds: spec.seeds.length,
      seedingMs: Math.round(seedingMs),
      summary,
      wallMs: Math.round(wallMs),
      cpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 100),
      mainThreadBusyPercent: Math.round(elu.utilization * 100),
      pagesPerSecond: Math.round((done / (wallMs / 1000)) * 10) / 10,
      rss: rssSummary,
      lag: lagSummary,
      liveHeap,
      spans,
      hosts,
      clientStarts,
      readablePages: check?.readable ?? 0,
      htmlBytes: check?.htmlBytes ?? 0,
      profileFile
    } satisfies CrawlResult
  }).pipe(
    Effect.provide(services(spec.template)),
    Logger.withMinimumLogLevel(LogLevel.Warning),
    Effect.withSpan(`bench.${spec.name}`)
  )

/** The home page of every host: the crawl discovers the rest by itself. */
export const homePages = (site: Site) => site.origins.map((_, h) => site.url(h, 0))

// The crawler's benchmark: `npm run bench` (full, a few minutes) or `npm run bench -- --quick`.
//
// Everything runs in this one process against synthetic sites on loopback (served from a worker thread), each crawl
// on a fresh land in a fresh embedded PGlite, so the ratios it prints (parallel vs sequential, achieved vs bound)
// compare runs made on the same machine minutes apart. Options:
//   --quick        smaller crawls (about two and a half minutes)
//   --profile      always take a CPU profile of a throughput crawl (by default only when throughput misses its target)
//   --no-profile   never
//   --only=a,b,c,e measurements to run (d comes with c)

import { NodeRuntime } from "@effect/platform-node"
import { Effect, Exit } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import { ExtractorPool } from "../src/services/ExtractorPool.js"
import { analysePoliteness, GAP_TOLERANCE_MS } from "./analysis.js"
import { formatProfile, type ProfileSummary, summarizeProfile } from "./cpuprofile.js"
import { type CrawlResult, type CrawlSpec, homePages, makeTemplate, runCrawl } from "./harness.js"
import type { SiteShape } from "./pages.js"
import { type Site, startSite, uniformShape } from "./site.js"

const args = process.argv.slice(2)
const quick = args.includes("--quick")
const profileMode = args.includes("--profile") ? "always" : args.includes("--no-profile") ? "never" : "auto"
const only = new Set((args.find((a) => a.startsWith("--only="))?.slice("--only=".length) ?? "a,b,c,e").split(","))

const THROUGHPUT_TARGET = 100
const POLITENESS_TARGET = 0.95
const SPEEDUP_TARGET = 5
const LAG_P99_TARGET_MS = 100
const RSS_GROWTH_TARGET = 1.25
const MIN_MAJOR_GCS = 4

const config = quick
  ? {
    seqPar: { hosts: 10, pages: 10, latencyMs: 50 },
    politeness: { hosts: 10, pages: 10, latencyMs: 50, delayMs: 1000 },
    headOfLine: { hosts: 10, bigHost: 100, otherHosts: 10, limit: 100, latencyMs: 50, delayMs: 1000 },
    throughput: { hosts: 20, pages: 15, latencyMs: 50 },
    profile: { hosts: 20, pages: 5, latencyMs: 50 },
    memory: { hosts: 20, small: 10, large: 30, latencyMs: 5, frontierLimit: 200, pending: 10_000 }
  }
  : {
    seqPar: { hosts: 10, pages: 30, latencyMs: 50 },
    politeness: { hosts: 10, pages: 20, latencyMs: 50, delayMs: 1000 },
    headOfLine: { hosts: 10, bigHost: 200, otherHosts: 20, limit: 200, latencyMs: 50, delayMs: 1000 },
    throughput: { hosts: 20, pages: 50, latencyMs: 50 },
    profile: { hosts: 20, pages: 15, latencyMs: 50 },
    memory: { hosts: 50, small: 20, large: 200, latencyMs: 5, frontierLimit: 1000, pending: 50_000 }
  }

// Pages of 4–8 KB for the memory crawls: what is measured there is how memory grows with the crawl and the
// frontier, and 10,000 pages of 40 KB would not fit the run's time budget on two cores.
const compactShape = (hosts: number, pages: number): SiteShape => ({
  pagesPerHost: Array.from({ length: hosts }, () => pages),
  minBytes: 4_000,
  maxBytes: 8_000,
  compact: true
})

let template = ""

interface Row {
  readonly id: string
  readonly measurement: string
  readonly value: string
  readonly target: string
  readonly pass: boolean | null
}

const rows: Array<Row> = []
const details: Record<string, unknown> = {}
const row = (r: Row) => {
  rows.push(r)
  log(`   ${r.pass === null ? "·" : r.pass ? "✓" : "✗"} ${r.measurement}: ${r.value}${r.target === "" ? "" : ` (target ${r.target})`}`)
}
const log = (line: string) => process.stderr.write(line + "\n")
const fmt = (n: number, digits = 1) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
const loadAverage = () => os.loadavg().map((l) => fmt(l, 2)).join(" ")
const pagesOf = (r: CrawlResult) => r.summary.fetched + r.summary.skipped + r.summary.failed

/** What a crawl's JSON keeps: per-host counts rather than every request's time, the 12 costliest span names. */
const compact = (r: CrawlResult) => ({
  ...r,
  hosts: r.hosts.map((h) => ({ pages: h.pageRequests.length, robots: h.robots, notFound: h.notFound, bytes: h.bytes })),
  clientStarts: undefined,
  spans: Object.fromEntries(Object.entries(r.spans).slice(0, 12))
})

const describe = (r: CrawlResult) =>
  `${pagesOf(r)} pages (${r.summary.fetched} fetched, ${r.summary.failed} failed, ${r.readablePages} with readable text, ` +
  `${fmt(r.htmlBytes / 1e6)} MB HTML) in ${fmt(r.wallMs / 1000)} s`

/** Where a crawl's time went, by its own spans (sums over concurrent spans exceed the wall time). */
const spanLines = (r: CrawlResult, n = 10) =>
  Object.entries(r.spans).filter(([name]) => !name.startsWith("bench.")).slice(0, n)
    .map(([name, t]) => `      ${fmt(t.totalMs / 1000).padStart(8)} s ${String(t.count).padStart(6)}×  ${name}`)
    .join("\n")

const withSite = <A, E, R>(shape: SiteShape, latencyMs: number, f: (site: Site) => Effect.Effect<A, E, R>) =>
  Effect.scoped(Effect.flatMap(startSite({ shape, latencyMs }), f))

const crawl = (
  site: Site,
  name: string,
  seeds: ReadonlyArray<string>,
  options: CrawlSpec["options"],
  extra: Partial<Pick<CrawlSpec, "lag" | "profile">> = {}
) =>
  Effect.gen(function*() {
    log(`   … ${name}: ${seeds.length} seed(s), ${JSON.stringify(options)}`)
    const r = yield* runCrawl({ name, site, template, seeds, options, ...extra })
    log(`     ${describe(r)}: ${fmt(r.pagesPerSecond)} pages/s, process CPU ${r.cpuPercent} %, main thread busy ${r.mainThreadBusyPercent} %, peak RSS ${fmt(r.rss.peakMb, 0)} MB, ` +
      `load average ${loadAverage()}`)
    if (r.summary.failed > 0 || r.summary.status !== "completed") {
      log(`     ! status ${r.summary.status}, ${r.summary.failed} failed`)
    }
    return r
  })

// a. The legacy V2 crawled one page at a time; the parallel crawl is the same land shape with concurrency 10.
const sequentialVsParallel = Effect.gen(function*() {
  const c = config.seqPar
  log(`\n▶ a. sequential vs parallel: ${c.hosts * c.pages} pages on ${c.hosts} hosts, ${c.latencyMs} ms latency`)
  const [seq, par] = yield* withSite(uniformShape(c.hosts, c.pages), c.latencyMs, (site) =>
    Effect.all([
      crawl(site, "sequential", homePages(site), { concurrency: 1, perHost: 1, delayMs: 0, depth: 100 }),
      crawl(site, "parallel", homePages(site), { concurrency: 10, perHost: 1, delayMs: 0, depth: 100 })
    ]))
  const speedUp = par.pagesPerSecond / seq.pagesPerSecond
  const site = `${pagesOf(seq)} pages, ${c.hosts} hosts, ${c.latencyMs} ms`
  row({ id: "a.sequential", measurement: `a. sequential crawl (concurrency 1, perHost 1, delay 0; ${site})`, value: `${fmt(seq.pagesPerSecond)} pages/s`, target: "", pass: null })
  row({ id: "a.parallel", measurement: `a. parallel crawl (concurrency 10, perHost 1, delay 0; ${site})`, value: `${fmt(par.pagesPerSecond)} pages/s`, target: "", pass: null })
  row({ id: "a.speedup", measurement: "a. speed-up, parallel ÷ sequential", value: `×${fmt(speedUp, 2)}`, target: `≥ ×${SPEEDUP_TARGET} (half of concurrency 10)`, pass: speedUp >= SPEEDUP_TARGET })
  details["a"] = { sequential: compact(seq), parallel: compact(par), speedUp }
})

// Both sides of each request: the server's arrival times give the rate a site sees; the crawler's own request
// creation times show what its scheduler decided, without the event loop's delay in writing the request.
const politenessRows = (id: string, label: string, r: CrawlResult, delayMs: number) => {
  const server = analysePoliteness(r.hosts.map((h) => h.pageRequests), delayMs)
  const client = analysePoliteness([...r.clientStarts.values()], delayMs)
  row({
    id: `${id}.ratio`,
    measurement: `${label}: achieved ÷ bound`,
    value: `${fmt(server.ratio, 3)} (${fmt(server.achievedPagesPerSecond, 2)} of ${fmt(server.boundPagesPerSecond, 2)} pages/s: ` +
      `${server.pages} page starts in ${fmt(server.spanMs / 1000, 2)} s, bound ${fmt(server.boundMs / 1000, 0)} s; ` +
      `${server.perHostMin}–${server.perHostMax} pages per host; mean lateness ${client.meanLatenessMs} ms per interval; ` +
      `wall ${fmt(r.pagesPerSecond, 2)} pages/s)`,
    target: `≥ ${POLITENESS_TARGET}`,
    pass: server.ratio >= POLITENESS_TARGET
  })
  row({
    id: `${id}.gaps`,
    measurement: `${label}: gaps between two requests to one host shorter than the interval`,
    value: `${client.shortGaps} of ${client.gaps} as started (shortest ${client.minGapMs} ms); ` +
      `${server.shortGaps} as the servers saw them (shortest ${server.minGapMs} ms)`,
    target: `0 started < ${delayMs - GAP_TOLERANCE_MS} ms apart`,
    pass: client.shortGaps === 0
  })
  return { server, client }
}

// b. With delayMs per host and enough hosts, the crawl is bound by politeness alone: hosts × 1 page per interval.
const politeness = Effect.gen(function*() {
  const c = config.politeness
  log(`\n▶ b. politeness bound: ${c.hosts} hosts × ${c.pages} pages, delay ${c.delayMs} ms, perHost 1, concurrency 10`)
  const options = { concurrency: 10, perHost: 1, delayMs: c.delayMs, depth: 100 }
  const r = yield* withSite(uniformShape(c.hosts, c.pages), c.latencyMs, (site) => crawl(site, "politeness", homePages(site), options))
  const p = politenessRows("b.politeness", `b. politeness (${c.hosts} hosts, 1 page/s each)`, r, c.delayMs)
  details["b.politeness"] = { crawl: compact(r), analysis: p }

  // Head-of-line: the frontier starts with one host's many URLs; the others must still go at their own pace.
  const h = config.headOfLine
  log(`\n▶ b. head-of-line: ${h.bigHost} URLs of host 0 first, then ${h.otherHosts} of each of ${h.hosts - 1} others, limit ${h.limit}`)
  const shape: SiteShape = { ...uniformShape(h.hosts, h.otherHosts), pagesPerHost: [h.bigHost, ...Array.from({ length: h.hosts - 1 }, () => h.otherHosts)] }
  const hol = yield* withSite(shape, h.latencyMs, (site) => {
    const seeds = shape.pagesPerHost.flatMap((n, host) => Array.from({ length: n }, (_, i) => site.url(host, i)))
    return crawl(site, "head-of-line", seeds, { concurrency: 10, perHost: 1, delayMs: h.delayMs, depth: 0, limit: h.limit })
  })
  const q = politenessRows("b.headOfLine", `b. head-of-line (${h.bigHost} URLs of one host first, limit ${h.limit})`, hol, h.delayMs)
  details["b.headOfLine"] = { crawl: compact(hol), analysis: q, pagesOfHost0: hol.hosts[0]?.pageRequests.length ?? 0 }
})

let throughputResult: CrawlResult | undefined

// c + d. No interval: the crawl is bound by concurrency × latency or by the CPU, whichever is lower.
const throughput = Effect.gen(function*() {
  const c = config.throughput
  log(`\n▶ c/d. throughput: ${c.hosts * c.pages} pages on ${c.hosts} hosts, ${c.latencyMs} ms latency, delay 0, concurrency 10`)
  const r = yield* withSite(uniformShape(c.hosts, c.pages), c.latencyMs, (site) =>
    crawl(site, "throughput", homePages(site), { concurrency: 10, delayMs: 0, depth: 100 }, { lag: true }))
  throughputResult = r
  const ceiling = (10 * 1000) / c.latencyMs
  row({
    id: "c.throughput",
    measurement: `c. throughput (${pagesOf(r)} pages of ~${fmt(r.htmlBytes / pagesOf(r) / 1000, 0)} KB, ${c.hosts} hosts, ${c.latencyMs} ms, delay 0, concurrency 10; network ceiling ${ceiling} pages/s)`,
    value: `${fmt(r.pagesPerSecond)} pages/s`,
    target: `≥ ${THROUGHPUT_TARGET} pages/s`,
    pass: r.pagesPerSecond >= THROUGHPUT_TARGET
  })
  // On a machine whose cores are all busy, the rate is the cores' time over the CPU a page costs: what the crawler
  // must spend less of to go faster. The other threads are the extraction workers, the sites' server and V8's helpers.
  const pages = pagesOf(r)
  const mainMs = (r.mainThreadBusyPercent / 100) * r.wallMs / pages
  const totalMs = (r.cpuPercent / 100) * r.wallMs / pages
  const cores = os.availableParallelism()
  row({
    id: "c.cpuPerPage",
    measurement: `c. CPU per page during c (main thread + other threads) and the rate ${cores} cores allow at that cost`,
    value: `${fmt(mainMs)} + ${fmt(totalMs - mainMs)} = ${fmt(totalMs)} ms; ${fmt((cores * 1000) / totalMs)} pages/s`,
    target: "",
    pass: null
  })
  const lag = r.lag!
  row({
    id: "d.eventLoopDelay",
    measurement: "d. event-loop delay during c: p50 / p99 / max",
    value: `${fmt(lag.p50Ms)} / ${fmt(lag.p99Ms)} / ${fmt(lag.maxMs)} ms`,
    target: `p99 ≤ ${LAG_P99_TARGET_MS} ms`,
    pass: lag.p99Ms <= LAG_P99_TARGET_MS
  })
  row({
    id: "c.peakRss",
    measurement: "c. peak RSS during c",
    value: `${fmt(r.rss.peakMb, 0)} MB (baseline ${fmt(r.rss.baselineMb, 0)} MB; JS heap ${fmt(r.rss.heapUsedBaselineMb, 0)}→` +
      `${fmt(r.rss.heapUsedPeakMb, 0)} MB, external ${fmt(r.rss.externalBaselineMb, 0)}→${fmt(r.rss.externalPeakMb, 0)} MB)`,
    target: "",
    pass: null
  })
  log(`     where the crawl's time went (span totals):\n${spanLines(r, 14)}`)
  details["c"] = compact(r)
})

let profileSummary: ProfileSummary | undefined

const profiled = Effect.gen(function*() {
  const c = config.profile
  log(`\n▶ CPU profile of a throughput crawl (${c.hosts * c.pages} pages; profiling slows it down, its rate is not a measurement)`)
  const r = yield* withSite(uniformShape(c.hosts, c.pages), c.latencyMs, (site) =>
    crawl(site, "throughput-profile", homePages(site), { concurrency: 10, delayMs: 0, depth: 100 }, { profile: true }))
  if (r.profileFile === null) return
  profileSummary = summarizeProfile(r.profileFile, 30)
  const perPage = (ms: number) => fmt(ms / pagesOf(r), 1)
  log(formatProfile(profileSummary, 20))
  log(`   per page: ${profileSummary.stages.map((s) => `${s.name.trim().split(/[ :(]/)[0]} ${perPage(s.ms)} ms`).join(", ")}`)
  details["profile"] = { crawl: compact(r), file: r.profileFile, summary: profileSummary }
})

// e. Memory must not grow with the crawl nor with the frontier: only claimed URLs and in-flight pages are in memory.
const memory = Effect.gen(function*() {
  const c = config.memory
  log(`\n▶ e. peak RSS: ${c.hosts * c.small} vs ${c.hosts * c.large} pages, and ${c.frontierLimit} pages of a ${c.pending}-URL frontier (compact pages, ${c.latencyMs} ms latency)`)
  const options = { concurrency: 10, delayMs: 0, depth: 100 }
  const small = yield* withSite(compactShape(c.hosts, c.small), c.latencyMs, (site) => crawl(site, "memory-small", homePages(site), options))
  const large = yield* withSite(compactShape(c.hosts, c.large), c.latencyMs, (site) => crawl(site, "memory-large", homePages(site), options))
  const perHost = c.pending / c.hosts
  const frontier = yield* withSite(compactShape(c.hosts, perHost), c.latencyMs, (site) => {
    // A list of URLs imported host after host: the worst order for a frontier that must interleave hosts.
    const seeds = Array.from({ length: c.pending }, (_, i) => site.url(Math.floor(i / perHost), i % perHost))
    return crawl(site, "memory-frontier", seeds, { concurrency: 10, delayMs: 0, depth: 0, limit: c.frontierLimit })
  })
  const growth = large.rss.peakMb / small.rss.peakMb
  const frontierGrowth = frontier.rss.peakMb / small.rss.peakMb
  const rss = (r: CrawlResult) =>
    `${fmt(r.rss.peakMb, 0)} MB (baseline ${fmt(r.rss.baselineMb, 0)}, +${fmt(r.rss.peakMb - r.rss.baselineMb, 0)}; ` +
    `JS heap ${fmt(r.rss.heapUsedBaselineMb, 0)}→${fmt(r.rss.heapUsedPeakMb, 0)}, external ${fmt(r.rss.externalBaselineMb, 0)}→${fmt(r.rss.externalPeakMb, 0)} MB)`
  row({ id: "e.rssSmall", measurement: `e. peak RSS, ${pagesOf(small)}-page crawl (${fmt(small.pagesPerSecond)} pages/s)`, value: rss(small), target: "", pass: null })
  row({
    id: "e.rssLarge",
    measurement: `e. peak RSS, ${pagesOf(large)}-page crawl (${fmt(large.pagesPerSecond)} pages/s)`,
    value: `${rss(large)}, ×${fmt(growth, 2)}`,
    target: `≤ ×${RSS_GROWTH_TARGET} of the ${pagesOf(small)}-page crawl`,
    pass: growth <= RSS_GROWTH_TARGET
  })
  row({
    id: "e.rssFrontier",
    measurement: `e. peak RSS, ${pagesOf(frontier)} pages of a ${c.pending}-URL frontier (${fmt(frontier.pagesPerSecond)} pages/s; seeding ${fmt(frontier.seedingMs / 1000)} s)`,
    value: `${rss(frontier)}, ×${fmt(frontierGrowth, 2)}`,
    target: `≤ ×${RSS_GROWTH_TARGET} of the ${pagesOf(small)}-page crawl`,
    pass: frontierGrowth <= RSS_GROWTH_TARGET
  })
  // Peak RSS follows how lazily V8 collects, which relaxes over a long run; the heap left after each major GC is what
  // the crawl holds, and must not grow from the first quarter of the crawl to the last.
  const held = large.liveHeap
  const heldGrowth = held.firstQuarterMb === 0 ? 0 : held.lastQuarterMb / held.firstQuarterMb
  row({
    id: "e.heldHeapLarge",
    measurement: `e. JS heap after major GCs during the ${pagesOf(large)}-page crawl: first quarter → last quarter of ${held.majorGcs} GCs`,
    value: held.majorGcs < MIN_MAJOR_GCS
      ? `${held.majorGcs} major GC(s): too few to tell (${held.afterMajorGcMb.map((m) => fmt(m, 0)).join(", ")} MB)`
      : `${fmt(held.firstQuarterMb, 0)} → ${fmt(held.lastQuarterMb, 0)} MB, ×${fmt(heldGrowth, 2)}`,
    target: `≤ ×${RSS_GROWTH_TARGET}`,
    // A short crawl may see one or two major GCs: too few to tell a trend.
    pass: held.majorGcs < MIN_MAJOR_GCS ? null : heldGrowth <= RSS_GROWTH_TARGET
  })
  log(`     the large frontier's crawl, by span:\n${spanLines(frontier, 8)}`)
  details["e"] = { small: compact(small), large: compact(large), frontier: compact(frontier), growth, frontierGrowth, heldGrowth }
})

const table = (rs: ReadonlyArray<Row>) => {
  const head = ["measurement", "value", "target", "result"]
  const body = rs.map((r) => [r.measurement, r.value, r.target || "—", r.pass === null ? "info" : r.pass ? "PASS" : "FAIL"])
  const wrap = (s: string, w: number) => {
    const out: Array<string> = []
    let line = ""
    for (const word of s.split(" ")) {
      if (line !== "" && line.length + 1 + word.length > w) {
        out.push(line)
        line = word
      } else line = line === "" ? word : `${line} ${word}`
    }
    out.push(line)
    return out
  }
  const widths = [52, 48, 26, 6]
  const sep = "+" + widths.map((w) => "-".repeat(w + 2)).join("+") + "+"
  const lines = [sep, "| " + head.map((h, i) => h.padEnd(widths[i]!)).join(" | ") + " |", sep]
  for (const cells of body) {
    const wrapped = cells.map((c, i) => wrap(c, widths[i]!))
    const height = Math.max(...wrapped.map((w) => w.length))
    for (let k = 0; k < height; k++) lines.push("| " + wrapped.map((w, i) => (w[k] ?? "").padEnd(widths[i]!)).join(" | ") + " |")
    lines.push(sep)
  }
  return lines.join("\n")
}

/** Waits until the extractor's workers have loaded (a page for each of them at once). */
const warmUpExtractor = Effect.gen(function*() {
  const pool = yield* ExtractorPool
  const page = "<html><body><article><p>warm-up</p></article></body></html>"
  yield* Effect.forEach(Array.from({ length: os.availableParallelism() }), () =>
    pool.extract("http://127.0.0.1/", page, { links: "content" }), { concurrency: "unbounded", discard: true })
}).pipe(Effect.orDie)

const main = Effect.gen(function*() {
  const started = performance.now()
  template = yield* makeTemplate
  yield* warmUpExtractor
  const cpus = os.cpus()
  const loadAtStart = os.loadavg()
  log(`MyWebIntelligence V3 benchmark (${quick ? "quick" : "full"}): node ${process.version}, ${cpus.length} × ${cpus[0]?.model ?? "cpu"}, ` +
    `${fmt(os.totalmem() / 2 ** 30)} GiB, synthetic sites on 127.0.0.1 served from a worker thread; load average ${loadAverage()}`)
  if (loadAtStart[0]! > cpus.length / 2) {
    log(`   ! other processes are busy (load average ${fmt(loadAtStart[0]!, 2)} on ${cpus.length} CPUs): absolute figures will be low, ratios less so`)
  }
  if (only.has("a")) yield* sequentialVsParallel
  if (only.has("b")) yield* politeness
  if (only.has("c")) yield* throughput
  const slow = throughputResult !== undefined && throughputResult.pagesPerSecond < THROUGHPUT_TARGET
  if (only.has("c") && (profileMode === "always" || (profileMode === "auto" && slow))) yield* profiled
  if (only.has("e")) yield* memory
  const durationS = Math.round((performance.now() - started) / 1000)

  const summary = {
    generatedAt: new Date().toISOString(),
    mode: quick ? "quick" : "full",
    durationS,
    machine: {
      node: process.version,
      cpus: cpus.length,
      cpuModel: cpus[0]?.model ?? null,
      totalMemGiB: Math.round(os.totalmem() / 2 ** 30),
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: os.loadavg()
    },
    table: rows,
    passed: rows.filter((r) => r.pass === true).length,
    failed: rows.filter((r) => r.pass === false).length
  }
  const dir = new URL("./results/", import.meta.url)
  fs.mkdirSync(dir, { recursive: true })
  const file = new URL("latest.json", dir)
  fs.writeFileSync(file, JSON.stringify({ ...summary, details }, null, 2) + "\n")

  console.log(`\nMyWebIntelligence V3 benchmark, ${summary.mode} run in ${durationS} s ` +
    `(load average at start ${loadAtStart.map((l) => fmt(l, 2)).join(" ")}, at end ${loadAverage()})`)
  console.log(table(rows))
  if (profileSummary !== undefined) {
    console.log(`\nCPU profile of a throughput crawl (main thread):`)
    console.log(formatProfile(profileSummary, 12))
  }
  console.log(`\n${summary.passed} passed, ${summary.failed} failed; full results in ${file.pathname}`)
  console.log(JSON.stringify(summary))
})

// runMain interrupts the run on Ctrl-C / SIGTERM, so the servers stop and the temporary data dirs are removed; the
// explicit exit spares the few seconds undici's idle sockets would keep the process up after a run.
NodeRuntime.runMain(Effect.scoped(main).pipe(Effect.provide(ExtractorPool.Default)), {
  teardown: (exit, onExit) => {
    const code = Exit.isSuccess(exit) ? 0 : 1
    onExit(code)
    process.exit(code)
  }
})

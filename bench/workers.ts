// Several workers on one PostgreSQL: the same latency-bound crawl (many hosts, 300 ms per answer, small pages) run by
// one `mwi land crawl`, then by it with one and two `mwi worker` processes. Throughput is measured where the sites see
// it: pages requested over the span from the first page request to the last, and over its middle (the 10th to the
// 90th percentile of the request times: all processes running, before the last hosts' tail). On 2 cores the sites,
// PostgreSQL and every worker share the CPU: at 5 requests in flight per worker, two workers already use all of it,
// hence 3 by default, which keeps the crawl bound by latency as intended. Needs a PostgreSQL server:
// MWI_BENCH_PG_URL (a database the bench may create databases from), else it starts one with .ci/pg.sh.
//   npx tsx bench/workers.ts [--quick] [--concurrency=N] [--timeline]
import { Reactivity } from "@effect/experimental"
import { NodeContext } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Redacted } from "effect"
import { execFileSync, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { ServicesLive } from "../src/layers.js"
import { layerFor } from "../src/services/Database.js"
import { Lands } from "../src/services/Lands.js"
import { startSite } from "./site.js"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const bin = path.join(root, "bin", "mwi.js")
const quick = process.argv.includes("--quick")
const HOSTS = quick ? 24 : 48
const PAGES = quick ? 6 : 8
const LATENCY_MS = 300
const argument = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1]
const CONCURRENCY = Number(argument("concurrency") ?? 3)

const postgres = Effect.acquireRelease(
  Effect.sync(() => {
    const given = process.env["MWI_BENCH_PG_URL"]
    if (given) return { url: given, dir: null }
    const script = path.join(root, ".ci", "pg.sh")
    const out = execFileSync("bash", ["-c", `source "${script}" && pg_start >&2 && echo "$MWI_TEST_PG_URL $PG_DIR"`]).toString()
    const [url, dir] = out.trim().split(/\s+/)
    return { url: url!, dir: dir! }
  }),
  (pg) => Effect.sync(() => {
    if (pg.dir !== null) execFileSync("bash", ["-c", `source "${path.join(root, ".ci", "pg.sh")}" && PG_DIR="${pg.dir}" pg_stop`])
  })
)

const mwi = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })
      let out = ""
      child.stdout!.on("data", (d) => (out += String(d)))
      child.stderr!.on("data", (d) => (out += String(d)))
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
      return { child, exited, output: () => out }
    }),
    ({ child, exited }) =>
      Effect.promise(() => {
        if (child.exitCode === null) child.kill("SIGTERM")
        return exited
      })
  )

const waitFor = (check: () => boolean) =>
  Effect.gen(function*() {
    while (!check()) yield* Effect.sleep("50 millis")
  })

const freshDatabase = (baseUrl: string, name: string) =>
  Effect.gen(function*() {
    const admin = yield* PgClient.make({ url: Redacted.make(baseUrl) })
    yield* admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    yield* admin.unsafe(`CREATE DATABASE ${name}`)
    const url = new URL(baseUrl)
    url.pathname = `/${name}`
    return url.toString()
  })

/** One crawl of a fresh site on a fresh database, by `workers` processes in all. */
const run = (baseUrl: string, workers: number) =>
  Effect.gen(function*() {
    const url = yield* freshDatabase(baseUrl, `mwi_bench_workers_${workers}`)
    const site = yield* startSite({
      shape: { pagesPerHost: Array.from({ length: HOSTS }, () => PAGES), minBytes: 2_000, maxBytes: 4_000 },
      latencyMs: LATENCY_MS
    })
    const app = yield* Layer.build(ServicesLive({ allowPrivateNetwork: true }).pipe(
      Layer.provideMerge(layerFor({ _tag: "Server", url: Redacted.make(url) }))
    ))
    const land = yield* Effect.provide(Effect.gen(function*() {
      const lands = yield* Lands
      const land = yield* lands.create({ name: "bench", terms: "climat" })
      yield* lands.addUrls(land, site.origins.map((_, h) => site.url(h, 0)))
      return land
    }), app)
    const env = { MWI_DATABASE_URL: url, MWI_ALLOW_PRIVATE_NETWORK: "1", NO_COLOR: "1" }
    const helpers = yield* Effect.forEach(Array.from({ length: workers - 1 }), () =>
      mwi(["worker", "--concurrency", String(CONCURRENCY)], env))
    yield* waitFor(() => helpers.every((h) => h.output().includes("waiting for crawls")))
    yield* site.stats(true)
    const crawl = yield* mwi([
      "land", "crawl", "--name", land.name, "--depth", "50", "--minrel", "0", "--delay-ms", "0",
      "--concurrency", String(CONCURRENCY), "--json"
    ], env)
    const code = yield* Effect.promise(() => crawl.exited)
    if (code !== 0) return yield* Effect.die(new Error(`the crawl failed: ${crawl.output()}`))
    const hosts = yield* site.stats()
    const times = hosts.flatMap((h) => h.pageRequests).sort((a, b) => a - b)
    if (process.argv.includes("--timeline")) {
      const perHalfSecond: Array<number> = []
      for (const t of times) {
        const slot = Math.floor((t - times[0]!) / 500)
        perHalfSecond[slot] = (perHalfSecond[slot] ?? 0) + 1
      }
      console.log(`  page requests per 0.5 s: ${Array.from(perHalfSecond, (n) => n ?? 0).join(" ")}`)
    }
    const spanS = (times[times.length - 1]! - times[0]!) / 1000
    const sql = yield* Effect.provide(SqlClient.SqlClient, app)
    const fetched = (yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM expressions WHERE crawl_state = 'fetched'`)[0]!.n
    const [p10, p90] = [times[Math.floor(times.length * 0.1)]!, times[Math.floor(times.length * 0.9)]!]
    const middle = times.filter((t) => t >= p10 && t < p90).length / ((p90 - p10) / 1000)
    return {
      workers,
      pages: times.length,
      fetched,
      spanS: Math.round(spanS * 10) / 10,
      perSecond: Math.round((times.length / spanS) * 10) / 10,
      middlePerSecond: Math.round(middle * 10) / 10
    }
  }).pipe(Effect.scoped)

const main = Effect.gen(function*() {
  const pg = yield* postgres
  const loadBefore = os.loadavg()[0]!
  const results = []
  for (const workers of [1, 2, 3]) {
    const r = yield* run(pg.url, workers)
    console.log(`${workers} worker(s): ${r.pages} page requests (${r.fetched} stored) in ${r.spanS} s, ${r.perSecond} pages/s, ` +
      `${r.middlePerSecond} pages/s in the middle`)
    results.push(r)
  }
  const [base, middleBase] = [results[0]!.perSecond, results[0]!.middlePerSecond]
  const summary = {
    at: new Date().toISOString(),
    hosts: HOSTS,
    pagesPerHost: PAGES,
    latencyMs: LATENCY_MS,
    concurrencyPerWorker: CONCURRENCY,
    loadAverage: { before: loadBefore, after: os.loadavg()[0]!, cpus: os.cpus().length },
    results: results.map((r) => ({
      ...r,
      speedup: Math.round((r.perSecond / base) * 100) / 100,
      middleSpeedup: Math.round((r.middlePerSecond / middleBase) * 100) / 100
    }))
  }
  console.log(`speed-up: ${summary.results.map((r) => `${r.workers} → ×${r.speedup} (middle ×${r.middleSpeedup})`).join(", ")} ` +
    `(load average ${loadBefore.toFixed(1)} → ${summary.loadAverage.after.toFixed(1)} on ${summary.loadAverage.cpus} cores)`)
  const out = path.join(root, "bench", "results", "workers.json")
  fs.mkdirSync(path.dirname(out), { recursive: true })
  fs.writeFileSync(out, JSON.stringify(summary, null, 2) + "\n")
}).pipe(Effect.scoped, Effect.provide(Layer.merge(NodeContext.layer, Reactivity.layer)))

await Effect.runPromise(main as Effect.Effect<void, unknown>)

import { Reactivity } from "@effect/experimental"
import { SqlClient } from "@effect/sql"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Fiber, Layer, Redacted } from "effect"
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import * as os from "node:os"
import * as path from "node:path"
import { Lands } from "../src/services/Lands.js"
import { WorkerRegistry } from "../src/services/WorkerRegistry.js"
import { layerFor } from "../src/services/Database.js"
import { apiServer, baseUrl, call, openWs, userWithToken } from "./support/api.js"
import { appOn } from "./support/app.js"
import { runMwi } from "./support/cli.js"
import { throwAwayPgDatabase } from "./support/databases.js"
import { articlePage } from "./support/fixture-site.js"
import { type LoggedRequest, startWorkerSite } from "./support/worker-site.js"

const bin = path.resolve(import.meta.dirname, "../bin/mwi.js")
const SITES = 6
const PAGES = 8
const DELAY_MS = 150
// As in polite-intervals.test.ts.
const TOLERANCE_MS = 5
const TIMEOUT_S = 1.5

// Page i links to pages i+1 and i+3 of its site: 2 links a page, every page reached from /p/0.
const linksOf = (i: number) => [(i + 1) % PAGES, (i + 3) % PAGES]

interface Child {
  readonly process: ChildProcess
  readonly output: () => string
  readonly exited: Promise<number | null>
}

/** A real `mwi` in a child process, killed if still running when the scope closes. */
const mwi = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  Effect.acquireRelease(
    Effect.sync((): Child => {
      const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })
      let out = ""
      child.stdout!.on("data", (d) => (out += String(d)))
      child.stderr!.on("data", (d) => (out += String(d)))
      return { process: child, output: () => out, exited: new Promise((resolve) => child.once("exit", (code) => resolve(code))) }
    }),
    (c) => Effect.sync(() => c.process.exitCode === null && c.process.signalCode === null && c.process.kill("SIGKILL"))
  )

const until = <E, R>(check: Effect.Effect<boolean, E, R>, what: string, ms = 60_000) =>
  Effect.gen(function*() {
    const end = Date.now() + ms
    while (!(yield* check)) {
      if (Date.now() > end) return yield* Effect.die(new Error(`timed out waiting for ${what}`))
      yield* Effect.sleep("50 millis")
    }
  })

const closestGap = (log: ReadonlyArray<LoggedRequest>) => {
  const at = log.map((r) => r.at).sort((a, b) => a - b)
  return Math.min(...at.slice(1).map((t, i) => t - at[i]!))
}

describe("several workers crawling one land on PostgreSQL", () => {
  it.live("a land crawl, a second one joining it and `mwi worker`s share the hosts; a worker killed with -9, the job still completes", () =>
    Effect.gen(function*() {
      const url = yield* throwAwayPgDatabase
      const db = layerFor({ _tag: "Server", url: Redacted.make(url) })
      const app = yield* Layer.build(appOn(db))
      const sql = yield* Effect.provide(SqlClient.SqlClient, app)
      const sites = yield* Effect.forEach(Array.from({ length: SITES }), () =>
        startWorkerSite(Object.fromEntries(Array.from({ length: PAGES }, (_, i) => [`/p/${i}`, {
          body: articlePage({ title: `P${i}`, topic: "le climat", links: linksOf(i).map((j) => [`/p/${j}`, "suite"] as const) }),
          latencyMs: 30
        }]))))
      const land = yield* Effect.provide(Effect.gen(function*() {
        const lands = yield* Lands
        const land = yield* lands.create({ name: "shared", terms: "climat" })
        yield* lands.addUrls(land, sites.map((s) => s.url("/p/0")))
        return land
      }), app)

      const env = { MWI_DATABASE_URL: url, MWI_WORKER_TIMEOUT: String(TIMEOUT_S), MWI_ALLOW_PRIVATE_NETWORK: "1", NO_COLOR: "1" }
      const workers = yield* Effect.forEach([0, 1], () => mwi(["worker", "--concurrency", "1"], env))
      // Both waiting before the crawl starts: a loaded machine takes seconds to start a process.
      yield* until(Effect.sync(() => workers.every((w) => w.output().includes("waiting for crawls"))), "the workers to start")
      const crawlArgs = [
        "land", "crawl", "--name", land.name, "--depth", "20", "--minrel", "0", "--delay-ms", String(DELAY_MS),
        "--concurrency", "1", "--json"
      ]
      const crawl = yield* mwi(crawlArgs, env)
      // The same command again while the crawl runs joins it rather than being refused (in this process: a child takes
      // seconds to start on a loaded machine, and the crawl may be over by then).
      yield* until(Effect.map(sql<{ n: number }>`SELECT count(*)::int AS n FROM jobs WHERE status = 'running'`, (r) => r[0]!.n > 0), "the crawl to start")
      const joining = yield* Effect.fork(Effect.promise(() => runMwi(crawlArgs, env)))

      // Kill -9 a worker that holds hosts, in the middle of the crawl.
      const holders = sql<{ worker: string; claimed: number }>`
        SELECT l.worker, (SELECT count(*)::int FROM expressions e WHERE e.claimed_worker = l.worker) AS claimed
        FROM host_leases l WHERE l.worker IS NOT NULL`
      const pidOf = (worker: string) => Number(worker.split(":")[1])
      const workerPids = workers.map((w) => w.process.pid)
      let victim: { worker: string; claimed: number } | undefined
      yield* until(Effect.gen(function*() {
        const fetched = (yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM expressions WHERE crawl_state = 'fetched'`)[0]!.n
        victim = (yield* holders).find((h) => workerPids.includes(pidOf(h.worker)))
        return fetched >= 8 && victim !== undefined
      }), "a worker holding hosts mid-crawl").pipe(
        Effect.tapDefect(() => Effect.sync(() => console.error([crawl, ...workers].map((c) => c.output()).join("\n----\n"))))
      )
      const killed = workers.find((w) => w.process.pid === pidOf(victim!.worker))!
      // What it may have fetched and not stored: its claims, read just before the kill.
      const inFlight = (yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM expressions WHERE claimed_worker = ${victim!.worker}
                                                   AND crawl_state = 'claimed'`)[0]!.n
      killed.process.kill("SIGKILL")

      const code = yield* Effect.promise(() => crawl.exited)
      assert.strictEqual(code, 0, crawl.output())
      const summary = JSON.parse(crawl.output().slice(crawl.output().indexOf("{")))
      assert.strictEqual(summary.status, "completed")
      const joinedRun = yield* Fiber.join(joining)
      assert.strictEqual(joinedRun.code, 0, joinedRun.stderr)
      assert.include(joinedRun.stderr, `joining the crawl already running on land shared (job ${summary.jobId})`)
      const joined = JSON.parse(joinedRun.stdout)
      assert.deepStrictEqual([joined.jobId, joined.status], [summary.jobId, "completed"])
      const job = (yield* sql<{ status: string }>`SELECT status FROM jobs WHERE id = ${summary.jobId}`)[0]!
      assert.strictEqual(job.status, "completed")

      // Every page once in the database, every link once.
      const states = yield* sql<{ state: string; n: number }>`
        SELECT crawl_state AS state, count(*)::int AS n FROM expressions WHERE land_id = ${land.id} GROUP BY 1`
      assert.deepStrictEqual(states.map((s) => [s.state, s.n]), [["fetched", SITES * PAGES]])
      const links = (yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM expression_links`)[0]!.n
      assert.strictEqual(links, SITES * PAGES * 2)

      // As the sites saw it: every page requested, twice at most for what the killed worker had in flight, and no two
      // requests to one host closer than the interval, whichever workers sent them.
      const logs = yield* Effect.forEach(sites, (s) => s.log)
      const pages = logs.flatMap((l) => l.filter((r) => r.path.startsWith("/p/")))
      const perSite = logs.map((l) => l.filter((r) => r.path.startsWith("/p/")))
      for (const l of perSite) assert.strictEqual(new Set(l.map((r) => r.path)).size, PAGES)
      const twice = pages.length - SITES * PAGES
      assert.isAtMost(twice, inFlight, `${twice} pages fetched twice, ${inFlight} in flight on the killed worker`)
      for (const log of logs) {
        const gap = closestGap(log)
        assert.isAtLeast(gap, DELAY_MS - TOLERANCE_MS, `closest requests to one host ${gap.toFixed(1)} ms apart`)
      }
      // The hosts were shared: pages stored by several processes (the killed worker's may all have gone back to the
      // others, and a late joiner may find its hosts done, so at least two; a CI run had exactly two).
      const served = new Set((yield* sql<{ worker: string }>`SELECT DISTINCT claimed_worker AS worker FROM expressions`).map((r) => r.worker))
      assert.isAtLeast(served.size, 2)

      // The surviving worker stops cleanly on SIGTERM, giving its hosts back.
      const survivor = workers.find((w) => w !== killed)!
      survivor.process.kill("SIGTERM")
      yield* Effect.promise(() => survivor.exited)
      const left = (yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM host_leases WHERE worker IS NOT NULL
                                               AND worker LIKE ${`%:${survivor.process.pid}:%`}`)[0]!.n
      assert.strictEqual(left, 0)
    }).pipe(Effect.scoped, Effect.provide(Reactivity.layer)), 120_000)

  it.live("a server's WebSockets show the progress and end of a crawl another process works on, from the job's row", () =>
    Effect.gen(function*() {
      const url = yield* throwAwayPgDatabase
      const server = yield* Layer.build(apiServer(layerFor({ _tag: "Server", url: Redacted.make(url) })))
      const base = yield* Effect.provide(baseUrl, server)
      const ws = base.replace(/^http/, "ws")
      const token = yield* Effect.provide(userWithToken(base, "watcher"), server)
      const pages = 10
      const site = yield* startWorkerSite(Object.fromEntries(Array.from({ length: pages }, (_, i) => [`/p/${i}`, {
        body: articlePage({ title: `P${i}`, topic: "le climat", links: [[`/p/${(i + 1) % pages}`, "suite"] as const] }),
        latencyMs: 20
      }])))
      const land = (yield* call(base, "POST", "/api/v1/lands", { token, body: { name: "relayed", terms: ["climat"] } })).body
      yield* call(base, "POST", `/api/v1/lands/${land.id}/urls`, { token, body: { urls: [site.url("/p/0")] } })
      const landSocket = yield* Effect.promise(() => openWs(`${ws}/api/v1/lands/${land.id}/events`, token))
      yield* Effect.addFinalizer(() => Effect.promise(() => landSocket.close()))

      // The crawl runs in the CLI of this process, with services of its own: the server neither publishes its events nor
      // joins it (the CLI is the same worker as the server, whose own crawls it does not join). What the server's
      // sockets show comes from the database.
      const env = { MWI_DATABASE_URL: url, MWI_ALLOW_PRIVATE_NETWORK: "1" }
      const crawl = yield* Effect.fork(Effect.promise(() =>
        runMwi(["land", "crawl", "--name", "relayed", "--depth", "20", "--minrel", "0", "--delay-ms", "300", "--json"], env)))
      const progress = yield* Effect.promise(() => landSocket.next((m) => m.type === "progress", 20_000))
      const jobSocket = yield* Effect.promise(() => openWs(`${ws}/api/v1/jobs/${progress.jobId}/events`, token))
      const final = yield* Effect.promise(() => jobSocket.next((m) => m.type === "final", 30_000))
      assert.strictEqual(yield* Effect.promise(() => jobSocket.closed), 1000)
      const run = yield* Fiber.join(crawl)
      assert.strictEqual(run.code, 0, run.stderr)
      assert.deepStrictEqual([final.status, final.counters.fetched], ["completed", pages])

      const fetched = landSocket.messages.filter((m) => m.type === "progress").map((m) => m.counters.fetched as number)
      assert.isAtLeast(new Set(fetched).size, 2, `progress seen: ${fetched.join(",")}`)
      assert.deepStrictEqual(fetched, [...fetched].sort((a, b) => a - b))
      const landFinal = yield* Effect.promise(() => landSocket.next((m) => m.type === "final" && m.jobId === progress.jobId, 5_000))
      assert.strictEqual(landFinal.counters.fetched, pages)
    }).pipe(Effect.scoped, Effect.provide(Reactivity.layer)), 60_000)

  it.live("a worker is reaped at once when its process is gone from this host, after the timeout when it is elsewhere", () =>
    Effect.gen(function*() {
      const url = yield* throwAwayPgDatabase
      const app = yield* Layer.build(appOn(layerFor({ _tag: "Server", url: Redacted.make(url) })).pipe(
        Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["MWI_WORKER_TIMEOUT", "5"]]))))
      ))
      const sql = yield* Effect.provide(SqlClient.SqlClient, app)
      const lands = yield* Effect.provide(Lands, app)
      const land = yield* lands.create({ name: "reaped", terms: "climat" })
      const hosts = ["gone.test", "silent.test", "alive.test"]
      yield* lands.addUrls(land, hosts.map((h) => `http://${h}/`))
      const exited = spawnSync(process.execPath, ["-e", ""]).pid
      const workers = {
        gone: `${os.hostname()}:${exited}:aaaaaa`,
        silent: "another-machine:41:bbbbbb",
        alive: "another-machine:42:cccccc"
      }
      // Three workers that beat last 1 s, 10 s and 1 s ago, each holding a host and a claimed URL of it.
      for (const [key, id] of Object.entries(workers)) {
        const host = `${key}.test`
        yield* sql`INSERT INTO workers (id, heartbeat_at) VALUES (${id}, now() - make_interval(secs => ${key === "silent" ? 10 : 1}))`
        yield* sql`INSERT INTO host_leases (host, worker, leased_at) VALUES (${host}, ${id}, now())`
        yield* sql`UPDATE expressions SET crawl_state = 'claimed', claimed_worker = ${id}, claimed_at = now()
          WHERE normalized_url = ${`http://${host}/`}`
      }
      yield* Effect.provide(Effect.flatMap(WorkerRegistry, (r) => r.reap), app)

      assert.deepStrictEqual((yield* sql<{ id: string }>`SELECT id FROM workers ORDER BY id`).map((w) => w.id), [workers.alive])
      const leases = yield* sql<{ host: string; worker: string | null }>`SELECT host, worker FROM host_leases ORDER BY host`
      assert.deepStrictEqual(leases.map((l) => [l.host, l.worker]), [
        ["alive.test", workers.alive],
        ["gone.test", null],
        ["silent.test", null]
      ])
      const states = yield* sql<{ url: string; state: string }>`
        SELECT normalized_url AS url, crawl_state AS state FROM expressions ORDER BY normalized_url`
      assert.deepStrictEqual(states.map((e) => [e.url, e.state]), [
        ["http://alive.test/", "claimed"],
        ["http://gone.test/", "pending"],
        ["http://silent.test/", "pending"]
      ])
    }).pipe(Effect.scoped, Effect.provide(Reactivity.layer)), 60_000)
})

import { Reactivity } from "@effect/experimental"
import { PgClient } from "@effect/sql-pg"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Redacted, Scope } from "effect"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll } from "vitest"
import { runMwi } from "./support/cli.js"
import { copyMigratedDataDir, throwAwayPgDatabase } from "./support/databases.js"
import { type FixtureServer, startFixtureServer } from "./support/fixture-server.js"
import { generatedSite } from "./support/fixture-site.js"

const bin = path.resolve(import.meta.dirname, "../bin/mwi.js")
const scope = Effect.runSync(Scope.make())
afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)))
const inScope = <A, E>(self: Effect.Effect<A, E, Scope.Scope | Reactivity.Reactivity>) =>
  Effect.runPromise(Scope.extend(self, scope).pipe(Effect.provide(Reactivity.layer)))

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mwi-resume-"))
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

// Enough pages that a crawl killed after KILL_AFTER of them still has most of its site ahead of it.
const PAGES = 40
const KILL_AFTER = 12

const crawlArgs = (name: string) =>
  ["land", "crawl", "--name", name, "--delay-ms", "0", "--concurrency", "4", "--depth", "100", "--allow-private-network", "--json"]

/** Starts a crawl in a child process and SIGKILLs it once the site has served `after` page requests. */
const crawlAndKill = (name: string, env: Record<string, string>, site: FixtureServer, after: number) =>
  new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...crawlArgs(name)], { env: { ...process.env, ...env }, stdio: "ignore" })
    const timer = setInterval(() => {
      if (site.requests.filter((r) => r.path.startsWith("/p/")).length >= after) child.kill("SIGKILL")
    }, 5)
    child.on("exit", (code, signal) => {
      clearInterval(timer)
      if (signal === "SIGKILL") resolve(site.requests.length)
      else reject(new Error(`the crawl ended (code ${code}) before it was killed`))
    })
  })

const pagePaths = (site: FixtureServer) => site.requests.map((r) => r.path).filter((p) => p.startsWith("/p/"))

type Rows = ReadonlyArray<Record<string, unknown>>

/** `queries` runs its statements on one connection, opened for them only (the embedded database has one opener). */
const scenario = (env: Record<string, string>, queries: (sql: ReadonlyArray<string>) => Promise<ReadonlyArray<Rows>>) =>
  async () => {
    const site = await inScope(startFixtureServer())
    // Slow until the kill, so that it lands mid-crawl; the resumed and the reference crawls need no wait.
    let latencyMs = 40
    generatedSite(site, { pages: PAGES, latencyMs: () => latencyMs })
    for (const name of ["killed", "clean"]) {
      const r = await runMwi(["land", "create", "--name", name, "--terms", "climat"], env)
      // The throw-away PostgreSQL database is empty until this first command migrates it, and says so.
      expect(r.stderr.replace(/^mwi: created a new, empty database: .*\n/, "")).toBe("")
      expect(r.code).toBe(0)
      await runMwi(["land", "addurl", "--land", name, "--urls", site.url("/p/0")], env)
    }

    await crawlAndKill("killed", env, site, KILL_AFTER)
    latencyMs = 0
    const firstRun = pagePaths(site)
    // what the killed run had stored before it died must not be fetched again
    const [fetched] = await queries([`SELECT normalized_url FROM expressions e JOIN lands l ON l.id = e.land_id
      WHERE l.name = 'killed' AND e.crawl_state = 'fetched'`])
    const stored = fetched!.map((r) => new URL(String(r.normalized_url)).pathname)
    expect(stored.length).toBeGreaterThan(0)
    // the same command again, in this process: what is under test is what the killed process left in the database
    // (its lock on the data folder included), not a second start of the binary (test/cli.test.ts runs that)
    const resumed = await runMwi(crawlArgs("killed"), env)
    expect(resumed.stderr).toBe("")
    expect(JSON.parse(resumed.stdout)).toMatchObject({ status: "completed", pending: 0 })
    const secondRun = pagePaths(site).slice(firstRun.length)
    for (const p of stored) expect(secondRun, `${p} was stored, then fetched again`).not.toContain(p)

    const clean = await runMwi(crawlArgs("clean"), env)
    expect(JSON.parse(clean.stdout)).toMatchObject({ status: "completed", fetched: PAGES })

    const graph = (name: string) => [
      `SELECT regexp_replace(normalized_url, '^.*/p/', '') AS p, depth, crawl_state, http_status
        FROM expressions e JOIN lands l ON l.id = e.land_id WHERE l.name = '${name}' ORDER BY 1`,
      `SELECT regexp_replace(s.normalized_url, '^.*/p/', '') AS s, regexp_replace(t.normalized_url, '^.*/p/', '') AS t
        FROM expression_links k JOIN expressions s ON s.id = k.source_id JOIN expressions t ON t.id = k.target_id
        JOIN lands l ON l.id = s.land_id WHERE l.name = '${name}' ORDER BY 1, 2`
    ]
    const [killedPages, killedLinks, cleanPages, cleanLinks, jobs] = await queries([
      ...graph("killed"),
      ...graph("clean"),
      `SELECT j.status FROM jobs j JOIN lands l ON l.id = j.land_id WHERE l.name = 'killed' ORDER BY j.id`
    ])
    expect(killedPages!.length).toBe(PAGES)
    expect(killedPages!.every((p) => p.crawl_state === "fetched")).toBe(true)
    expect({ pages: killedPages, links: killedLinks }).toEqual({ pages: cleanPages, links: cleanLinks })
    expect(jobs!.map((j) => j.status)).toEqual(["interrupted", "completed"])
  }

// The two databases at once: each half spends most of its time waiting on its child process, its site and its database.
describe.concurrent("kill -9 in the middle of a crawl, then the same command again", () => {
  it("on the embedded database: nothing lost, nothing duplicated, nothing stored fetched twice", async () => {
    const dataDir = copyMigratedDataDir(tmp)
    const env = { MWI_DATA_DIR: dataDir, MWI_DATABASE_URL: "" }
    // the embedded database is read through the CLI's own process; a JSON query helper would need a second opener
    await scenario(env, async (sqls) => {
      const { PGlite } = await import("@electric-sql/pglite")
      const db = await PGlite.create(path.join(dataDir, "pglite"))
      try {
        const rows: Array<Rows> = []
        for (const q of sqls) rows.push((await db.query<Record<string, unknown>>(q)).rows)
        return rows
      } finally {
        await db.close()
      }
    })()
  }, 600_000)

  it("on PostgreSQL", async () => {
    const url = await inScope(throwAwayPgDatabase)
    // The killed worker never beats again, but its hosts and claims must not wait out a heartbeat timeout: its process
    // is gone from this host, which the restarted command sees (a test time-out here means it waited).
    const env = { MWI_DATABASE_URL: url, MWI_DATA_DIR: path.join(tmp, "unused"), MWI_WORKER_TIMEOUT: "3600" }
    const client = await inScope(PgClient.make({ url: Redacted.make(url) }))
    await scenario(env, (sqls) =>
      Effect.runPromise(Effect.forEach(sqls, (q) => client.unsafe<Record<string, unknown>>(q).withoutTransform)))()
  }, 180_000)
})

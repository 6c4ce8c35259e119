import { SqlClient } from "@effect/sql"
import { NodeHttpClient } from "@effect/platform-node"
import Undici from "@effect/platform-node/Undici"
import { assert, describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import * as fs from "node:fs"
import { createServer, type Server } from "node:http"
import type { LookupFunction } from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll } from "vitest"
import { CrawlerHttpClient } from "../src/services/CrawlerHttpClient.js"
import { Lands } from "../src/services/Lands.js"
import { crawlLand } from "../src/streams/crawl.js"
import { CrawlOptions } from "../src/streams/crawl-options.js"
import { appOn } from "./support/app.js"
import { runMwi } from "./support/cli.js"
import { copyMigratedDataDir } from "./support/databases.js"
import { onBothDatabases } from "./support/databases.js"
import { startFixtureServer } from "./support/fixture-server.js"

// True reasons for pages that were not fetched, and `--retry` to fetch them again once the cause is gone.

const options = (o: typeof CrawlOptions.Encoded = {}) => Schema.decodeSync(CrawlOptions)({ delayMs: 0, concurrency: 4, ...o })

// Names under .dead.test do not resolve (as a dead domain's), every other name is this machine: no query leaves it.
const lookup: LookupFunction = (hostname, options, callback) => {
  if (hostname.endsWith(".dead.test")) {
    return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND", hostname }), "", 0)
  }
  return options.all ? callback(null, [{ address: "127.0.0.1", family: 4 }]) : callback(null, "127.0.0.1", 4)
}
const resolvingClient = Layer.scoped(CrawlerHttpClient, Effect.acquireRelease(
  Effect.sync(() => new Undici.Agent({ connect: { lookup } })),
  (agent) => Effect.promise(() => agent.destroy())
).pipe(Effect.map(NodeHttpClient.makeUndici)))

const pagesOf = (landId: number) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ url: string; crawlState: string; httpStatus: number | null; error: string | null }>`
      SELECT normalized_url AS url, crawl_state, http_status, error FROM expressions WHERE land_id = ${landId} ORDER BY id`)

const fetcher = { timeoutMs: 2000, retries: 1, backoffBaseMs: 5 }

onBothDatabases("reasons and retries", (db) => appOn(db, { fetcher, httpClient: resolvingClient }), (it) => {
  it.scoped("a dead domain is failed, host not found (not a robots refusal); --retry failed fetches it once it resolves", () =>
    Effect.gen(function*() {
      const site = yield* startFixtureServer({
        "/robots.txt": (_, res) => res.writeHead(404).end(),
        "/": (_, res) => res.writeHead(200, { "content-type": "text/html" }).end("<html><title>up</title></html>"),
        "/gone": (_, res) => res.writeHead(410, { "content-type": "text/html" }).end("<html>gone</html>")
      })
      const lands = yield* Lands
      const land = yield* lands.create({ name: "dns" })
      const dead = `http://site.dead.test:${site.port}/`
      yield* lands.addUrls(land, [dead, site.url("/gone")])
      const summary = yield* crawlLand(land.id, options())
      const pages = yield* pagesOf(land.id)
      const deadPage = pages.find((p) => p.url === dead)!
      assert.strictEqual(deadPage.crawlState, "failed")
      expect(deadPage.error).toMatch(/^HostNotFound: host not found: site\.dead\.test:\d+ does not resolve \(DNS ENOTFOUND\)$/)
      assert.deepStrictEqual(summary.problems.map((p) => [p.reason, p.count]), [["HostNotFound", 1]])

      // Nothing to retry by that reason among the errors; the failed page by its reason.
      const none = yield* crawlLand(land.id, options({ retry: ["errors"], retryReason: "HostNotFound" }))
      assert.strictEqual(none.requeued, 0)
      const errors = yield* crawlLand(land.id, options({ retry: ["errors"], retryReason: "410" }))
      assert.strictEqual(errors.requeued, 1)
      assert.strictEqual(site.requestsTo("/gone").length, 2)
      const retried = yield* crawlLand(land.id, options({ retry: ["failed"], retryReason: "host not found" }))
      assert.strictEqual(retried.requeued, 1)
      assert.strictEqual(retried.failed, 1)
    }))

  it.scoped("robots.txt answering 503 fails the pages as robots.txt unreachable, without requesting them", () =>
    Effect.gen(function*() {
      const site = yield* startFixtureServer({
        "/robots.txt": (_, res) => res.writeHead(503).end(),
        "/": (_, res) => res.writeHead(200, { "content-type": "text/html" }).end("<html><title>home</title></html>"),
        "/no": (_, res) => res.writeHead(200, { "content-type": "text/html" }).end("<html><title>no</title></html>")
      })
      const lands = yield* Lands
      const land = yield* lands.create({ name: "robots" })
      yield* lands.addUrls(land, [site.url("/"), site.url("/no")])
      const first = yield* crawlLand(land.id, options())
      assert.strictEqual(first.fetched, 0)
      const pages = yield* pagesOf(land.id)
      for (const p of pages) {
        assert.strictEqual(p.crawlState, "failed")
        expect(p.error).toMatch(/^RobotsUnreachable: robots\.txt unreachable: .*\/robots\.txt answered 503/)
      }
      assert.strictEqual(site.requestsTo("/").length, 0)
      assert.deepStrictEqual(first.problems.map((p) => [p.reason, p.count]), [["RobotsUnreachable", 2]])
      assert.strictEqual(first.requeued, 0)
    }))
})

describe("mwi land crawl --retry", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mwi-retry-"))
  const env = { MWI_DATA_DIR: copyMigratedDataDir(tmp), MWI_DATABASE_URL: "", MWI_ALLOW_PRIVATE_NETWORK: "false", MWI_FETCH_RETRIES: "0" }
  let server: Server
  let origin = ""
  let robotsTxt: string | null = null
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === "/robots.txt") return robotsTxt === null ? res.writeHead(404).end() : res.writeHead(200).end(robotsTxt)
      res.writeHead(200, { "content-type": "text/html" }).end(`<html><title>page ${req.url}</title></html>`)
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
    fs.rmSync(tmp, { recursive: true, force: true })
  })

  it("a local site crawled without --allow-private-network: skipped as private address, exit 1 with the way out", async () => {
    await runMwi(["land", "create", "--name", "local"], env)
    await runMwi(["land", "addurl", "--land", "local", "--urls", `${origin}/a ${origin}/b`], env)
    const refused = await runMwi(["land", "crawl", "--name", "local", "--delay-ms", "0"], env)
    expect(refused.code).toBe(1)
    expect(refused.stdout).toContain("Crawl of land local completed")
    expect(refused.stdout).toMatch(/2 × PrivateAddress: 127\.0\.0\.1 resolves to 127\.0\.0\.1 \(loopback\)/)
    expect(refused.stdout).not.toMatch(/robots/i)
    expect(refused.stderr.trim()).toBe(
      "mwi: nothing could be fetched: 2 × PrivateAddress; to crawl a local or private site, run again with --allow-private-network --retry skipped"
    )

    const again = await runMwi(["land", "crawl", "--name", "local", "--delay-ms", "0", "--allow-private-network", "--json"], env)
    expect(again.code).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({ fetched: 0, requeued: 0 })

    const retried = await runMwi(["land", "crawl", "--name", "local", "--delay-ms", "0", "--allow-private-network", "--retry", "skipped", "--reason", "private", "--json"], env)
    expect(retried.stderr).toBe("")
    expect(retried.code).toBe(0)
    expect(JSON.parse(retried.stdout)).toMatchObject({ fetched: 2, requeued: 2, problems: [] })
  }, 120_000)

  it("land pages lists the pages with state, status, relevance and reason", async () => {
    const all = await runMwi(["land", "pages", "--name", "local", "--json"], env)
    expect(all.code).toBe(0)
    const page = JSON.parse(all.stdout)
    expect(page.total).toBe(2)
    expect(page.items.map((p: { url: string; crawlState: string; httpStatus: number }) => [p.url, p.crawlState, p.httpStatus]))
      .toEqual([[`${origin}/a`, "fetched", 200], [`${origin}/b`, "fetched", 200]])
    const human = await runMwi(["land", "pages", "--name", "local", "--sort", "url", "--limit", "1"], env)
    expect(human.stdout).toMatch(new RegExp(`^\\s+\\d+  fetched   200\\s+\\S+  d0  ${origin}/a  "page /a"\\n1 page of 2 in land local \\(--limit to see more\\)\\n$`))
    const none = await runMwi(["land", "pages", "--name", "local", "--state", "failed"], env)
    expect(none.stdout.trim()).toBe("No page in land local matches")
    const bad = await runMwi(["land", "pages", "--name", "local", "--limit", "0"], env)
    expect(bad.code).toBe(1)
    expect(bad.stderr.trim()).toBe("mwi: invalid limit: limit must be at least 1")
  }, 60_000)

  it("a robots.txt change is recovered with --retry skipped --reason robots", async () => {
    robotsTxt = "User-agent: *\nDisallow: /\n"
    await runMwi(["land", "create", "--name", "robots"], env)
    await runMwi(["land", "addurl", "--land", "robots", "--urls", `${origin}/r1`], env)
    const crawl = ["land", "crawl", "--name", "robots", "--delay-ms", "0", "--allow-private-network", "--json"]
    const refused = await runMwi(crawl, env)
    expect(refused.code).toBe(1)
    expect(JSON.parse(refused.stdout).problems).toMatchObject([{ reason: "BlockedByRobots", count: 1 }])
    expect(JSON.parse(refused.stderr)).toMatchObject({ error: "NothingFetched" })
    robotsTxt = "User-agent: *\nDisallow:\n"
    const wrongReason = await runMwi([...crawl, "--retry", "skipped", "--reason", "PrivateAddress"], env)
    expect(JSON.parse(wrongReason.stdout)).toMatchObject({ requeued: 0, fetched: 0 })
    const retried = await runMwi([...crawl, "--retry", "skipped", "--reason", "robots"], env)
    expect(retried.code).toBe(0)
    expect(JSON.parse(retried.stdout)).toMatchObject({ requeued: 1, fetched: 1 })
  }, 120_000)

  it("--retry refuses an unknown state, naming the option", async () => {
    const bad = await runMwi(["land", "crawl", "--name", "local", "--retry", "failed,bogus"], env)
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/^mwi: invalid retry\.1: /)
  }, 60_000)
})

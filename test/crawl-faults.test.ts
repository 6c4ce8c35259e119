import { SqlClient } from "@effect/sql"
import { assert, expect } from "@effect/vitest"
import { Effect, Schema } from "effect"
import iconv from "iconv-lite"
import { ExtractorPool } from "../src/services/ExtractorPool.js"
import { Lands } from "../src/services/Lands.js"
import { crawlLand } from "../src/streams/crawl.js"
import { CrawlOptions } from "../src/streams/crawl-options.js"
import { appOn } from "./support/app.js"
import { onBothDatabases } from "./support/databases.js"
import { startFixtureServer, streamBytes } from "./support/fixture-server.js"
import { articlePage, sendHtml } from "./support/fixture-site.js"
import { type LoggedRequest, startWorkerSite } from "./support/worker-site.js"

const options = (o: typeof CrawlOptions.Encoded = {}) => Schema.decodeSync(CrawlOptions)({ delayMs: 0, concurrency: 6, minrel: 0, ...o })
const fetcher = { timeoutMs: 800, retries: 2, backoffBaseMs: 10, maxBodyBytes: 1_000_000 }

// An extractor worker that hangs on some pages and dies on others, as a real one could on a pathological page; the
// rest get a minimal extraction.
const faultyExtractor = new URL("data:text/javascript," + encodeURIComponent(`
  import { parentPort } from "node:worker_threads"
  parentPort.on("message", ({ url }) => {
    if (url.includes("hang")) for (;;) {}
    if (url.includes("crash")) throw new Error("out of luck")
    parentPort.postMessage({ _tag: "Extracted", extraction: {
      title: "ok", description: null, keywords: null, htmlLang: null, detectedLang: null, lang: null, canonicalUrl: null,
      publishedAt: null, readableSource: "none", readableMarkdown: "", readableText: "", wordCount: 0,
      readingTimeMinutes: 0, links: [], media: [] }, relevance: 0 })
  })
`))

// One database after the other (sideBySide: false): intervals, slots and time-outs timed on a machine this file alone
// loads.
onBothDatabases("crawl faults", (db) => appOn(db, { fetcher }), (it) => {
  it.scoped("every fault ends in the right terminal state with its reason", () =>
    Effect.gen(function*() {
      const site = yield* startFixtureServer()
      let flaky = 0
      const latin1 = iconv.encode(articlePage({ title: "Économie et société", topic: "l'économie française" }), "latin1")
      site.route("/flaky", (_q, res) => {
        if (++flaky <= 2) return void res.writeHead(500).end("oops")
        sendHtml(res, articlePage({ title: "Recovered", topic: "le climat" }))
      })
      // A second host: its 503s raise its interval (adaptive pacing), which would pace every page of the first one too,
      // and its hanging page waits out its time-outs beside the first one's dripping page.
      const other = yield* startFixtureServer({
        "/always-500": (_q, res) => void res.writeHead(503).end("down"),
        "/hang": () => {}
      })
      const urlOf = (p: string) => (p === "/always-500" || p === "/hang" ? other : site).url(p)
      site.route("/drip", (_q, res) => {
        res.writeHead(200, { "content-type": "text/html" })
        const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write("<p>drip</p>")), 200)
      })
      site.route("/r1", (_q, res) => void res.writeHead(301, { location: "/r2" }).end())
      site.route("/r2", (_q, res) => void res.writeHead(302, { location: "/final" }).end())
      site.route("/final", (_q, res) => sendHtml(res, articlePage({ title: "Final", topic: "la redirection" })))
      site.route("/loop1", (_q, res) => void res.writeHead(302, { location: "/loop2" }).end())
      site.route("/loop2", (_q, res) => void res.writeHead(302, { location: "/loop1" }).end())
      site.route("/huge", (_q, res) => {
        res.writeHead(200, { "content-type": "text/html" })
        streamBytes(res, 200_000_000)
      })
      site.route("/pdf", (_q, res) => void res.writeHead(200, { "content-type": "application/pdf" }).end("%PDF-1.4"))
      site.route("/latin1", (_q, res) => void res.writeHead(200, { "content-type": "text/html; charset=iso-8859-1" }).end(latin1))
      site.route("/no-charset", (_q, res) => {
        res.writeHead(200, { "content-type": "text/html" })
        res.end(iconv.encode(`<html><head><meta charset="windows-1252"><title>Café crème</title></head><body><p>${"Un café crème à la terrasse. ".repeat(20)}</p></body></html>`, "win1252"))
      })
      site.route("/malformed", (_q, res) => sendHtml(res, `<html><body><div><p>Unclosed <b>tags <i>everywhere ${"texte du climat ".repeat(40)}<table><tr><td>cell</div></p>`))
      site.route("/missing", (_q, res) => sendHtml(res, "<h1>Not found</h1>", 404))

      const lands = yield* Lands
      const land = yield* lands.create({ name: "faults", terms: "climat" })
      const paths = ["/flaky", "/always-500", "/hang", "/drip", "/r1", "/loop1", "/huge", "/pdf", "/latin1", "/no-charset", "/malformed", "/missing", "/nothing-here"]
      yield* lands.addUrls(land, paths.map(urlOf))
      const summary = yield* crawlLand(land.id, options())
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql<{ url: string; crawlState: string; httpStatus: number | null; error: string | null; title: string | null; finalUrl: string | null; readable: string | null }>`
        SELECT normalized_url AS url, crawl_state, http_status, error, title, final_url, readable FROM expressions WHERE land_id = ${land.id}`
      const at = (p: string) => rows.find((r) => r.url === urlOf(p))!
      const expectState = (p: string, state: string, status: number | null, error?: RegExp) => {
        const r = at(p)
        expect([r.crawlState, r.httpStatus], p).toEqual([state, status])
        if (error) expect(r.error, p).toMatch(error)
        else expect(r.error, p).toBeNull()
      }
      expectState("/flaky", "fetched", 200)
      assert.lengthOf(site.requestsTo("/flaky"), 3)
      expectState("/always-500", "fetched", 503)
      assert.lengthOf(other.requestsTo("/always-500"), 3)
      expectState("/hang", "failed", null, /^FetchTimeout/)
      expectState("/drip", "failed", null, /^FetchTimeout/)
      expectState("/r1", "fetched", 200)
      assert.strictEqual(at("/r1").finalUrl, site.url("/final"))
      expectState("/loop1", "failed", null, /^RedirectLoop/)
      expectState("/huge", "failed", null, /^BodyTooLarge/)
      expectState("/pdf", "skipped", 200, /^NotHtml: application\/pdf/)
      expectState("/latin1", "fetched", 200)
      assert.strictEqual(at("/latin1").title, "Économie et société")
      expectState("/no-charset", "fetched", 200)
      assert.strictEqual(at("/no-charset").title, "Café crème")
      expectState("/malformed", "fetched", 200)
      expect(at("/malformed").readable).toContain("texte du climat")
      expectState("/missing", "fetched", 404)
      expectState("/nothing-here", "fetched", 404)
      assert.deepStrictEqual(
        { fetched: summary.fetched, failed: summary.failed, skipped: summary.skipped, pending: summary.pending },
        { fetched: 8, failed: 4, skipped: 1, pending: 0 }
      )
      // the oversized body was cut, not downloaded
      for (const r of site.requestsTo("/huge")) assert.isFalse(r.finished)
    }), { timeout: 120_000 })

  it.scoped("per-host concurrency and minimum interval hold, Crawl-delay raises it, other hosts are not held up", () =>
    Effect.gen(function*() {
      // Five intervals on each 1 s host and two on the 2 s one: six seconds of crawl.
      const [hostPages, delayedPages] = [6, 3]
      const page = (i: number) => articlePage({ title: `Page ${i}`, topic: "le climat" })
      const routes = (prefix: string, latencyMs: number) =>
        Object.fromEntries(Array.from({ length: hostPages }, (_, i) => [`${prefix}${i}`, { body: page(i), latencyMs }]))
      const slow = yield* startWorkerSite(routes("/s/", 150))
      const fast = yield* startWorkerSite(routes("/f/", 0))
      const delayed = yield* startWorkerSite({
        ...routes("/d/", 0),
        "/robots.txt": { body: "User-agent: *\nCrawl-delay: 2\n", headers: { "content-type": "text/plain" } }
      })
      const lands = yield* Lands
      const land = yield* lands.create({ name: "polite", terms: "climat" })
      // the slow host comes first in the frontier, all its URLs before any other
      yield* lands.addUrls(land, Array.from({ length: hostPages }, (_, i) => slow.url(`/s/${i}`)))
      yield* lands.addUrls(land, Array.from({ length: hostPages }, (_, i) => fast.url(`/f/${i}`)))
      yield* lands.addUrls(land, Array.from({ length: delayedPages }, (_, i) => delayed.url(`/d/${i}`)))
      const summary = yield* crawlLand(land.id, options({ depth: 0, perHost: 2, delayMs: 1000, concurrency: 2 }))
      assert.strictEqual(summary.fetched, 2 * hostPages + delayedPages)
      const pages = (log: ReadonlyArray<LoggedRequest>) => log.filter((r) => r.path !== "/robots.txt")
      const logs = { slow: yield* slow.log, fast: yield* fast.log, delayed: yield* delayed.log }
      const slowReqs = pages(logs.slow)
      const fastReqs = pages(logs.fast)
      const delayedReqs = pages(logs.delayed)
      // robots.txt is a request to the host like any other: its first page comes an interval after it. It opened the
      // connection, which the server's thread must accept before it logs the request: on a loaded machine that thread
      // can wait its turn of CPU for tens of milliseconds, hence the slack here only.
      const robotsToFirstPage = (log: ReadonlyArray<LoggedRequest>) => pages(log)[0]!.at - log.find((r) => r.path === "/robots.txt")!.at
      assert.isAtLeast(robotsToFirstPage(logs.slow), 900)
      assert.isAtLeast(robotsToFirstPage(logs.fast), 900)
      assert.isAtLeast(robotsToFirstPage(logs.delayed), 1900)
      // at most 2 requests in flight on the slow host (1 ms for the clocks of two threads)
      for (const r of slowReqs) {
        assert.isAtMost(slowReqs.filter((o) => o.at <= r.at && o.endedAt > r.at + 1).length, 2)
      }
      // Request starts at least the interval apart as the servers see them: the crawler counts the interval from when
      // each request leaves. The servers' threads share a loaded machine with the crawl's: 5% for their turns of CPU
      // (test/polite-intervals.test.ts holds the 5 ms tolerance on a crawl of its own).
      const gaps = (rs: ReadonlyArray<LoggedRequest>) => rs.slice(1).map((r, i) => r.at - rs[i]!.at)
      for (const g of gaps(slowReqs)) assert.isAtLeast(g, 950)
      for (const g of gaps(fastReqs)) assert.isAtLeast(g, 950)
      // Crawl-delay 2 s raises the 1 s interval of that host
      for (const g of gaps(delayedReqs)) assert.isAtLeast(g, 1950)
      // With only 2 global slots, the slow host (first in the frontier, 2 requests of 150 ms in flight) never holds a
      // slot while it waits for its interval: the fast host starts at once and keeps its own pace.
      assert.isBelow(fastReqs[0]!.at - slowReqs[0]!.at, 250)
      assert.isBelow(fastReqs.at(-1)!.at - fastReqs[0]!.at, (hostPages - 1) * 1000 + 500)
    }), { timeout: 120_000 })

  it.scoped("a page whose extraction hangs or crashes ends failed with the reason; its worker is replaced", () =>
    Effect.gen(function*() {
      const site = yield* startFixtureServer()
      const paths = ["/ok1", "/hang", "/ok2", "/crash", "/ok3"]
      for (const p of paths) site.route(p, (_q, res) => sendHtml(res, articlePage({ title: p, topic: "le climat" })))
      const lands = yield* Lands
      const land = yield* lands.create({ name: "extraction faults", terms: "climat" })
      yield* lands.addUrls(land, paths.map((p) => site.url(p)))
      // The time-out counts from when a page is handed to a thread, the start of a replacement thread included: on a
      // loaded machine that start alone took over half a second.
      const summary = yield* crawlLand(land.id, options({ depth: 0 })).pipe(
        Effect.provide(ExtractorPool.layer({ workers: 1, timeoutMs: 2_000, entry: faultyExtractor }))
      )
      assert.deepStrictEqual({ fetched: summary.fetched, failed: summary.failed }, { fetched: 3, failed: 2 })
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql<{ url: string; crawlState: string; httpStatus: number; title: string | null; error: string | null }>`
        SELECT normalized_url AS url, crawl_state, http_status, title, error FROM expressions WHERE land_id = ${land.id}`
      const row = (p: string) => rows.find((r) => r.url === site.url(p))!
      for (const p of ["/ok1", "/ok2", "/ok3"]) assert.deepStrictEqual([row(p).crawlState, row(p).title], ["fetched", "ok"])
      assert.deepStrictEqual(
        [row("/hang").crawlState, row("/hang").httpStatus, row("/hang").error],
        ["failed", 200, `ExtractionFailed: extraction of ${site.url("/hang")} failed: no result after 2000 ms`]
      )
      assert.deepStrictEqual(
        [row("/crash").crawlState, row("/crash").error],
        ["failed", `ExtractionFailed: extraction of ${site.url("/crash")} failed: worker crashed: out of luck`]
      )
    }), { timeout: 60_000 })
}, { sideBySide: false })

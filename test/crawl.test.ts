import { SqlClient } from "@effect/sql"
import { assert, expect } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { Lands } from "../src/services/Lands.js"
import { crawlLand } from "../src/streams/crawl.js"
import { CrawlOptions } from "../src/streams/crawl-options.js"
import { appOn } from "./support/app.js"
import { onBothDatabases } from "./support/databases.js"
import { startFixtureServer } from "./support/fixture-server.js"
import { articlePage, sendHtml } from "./support/fixture-site.js"

const options = (o: typeof CrawlOptions.Encoded = {}) =>
  Schema.decodeSync(CrawlOptions)({ delayMs: 0, concurrency: 4, ...o })
const fetcher = { timeoutMs: 3000, retries: 1, backoffBaseMs: 10 }

/** Two loopback sites with a known link graph (see the expectations below). */
const twoSites = Effect.gen(function*() {
  const a = yield* startFixtureServer()
  const b = yield* startFixtureServer()
  const page = (title: string, topic: string, links: ReadonlyArray<readonly [string, string]>, images: ReadonlyArray<string> = []) =>
    (_req: unknown, res: Parameters<typeof sendHtml>[0]) =>
      sendHtml(res, articlePage({ title, topic, links, images, navLinks: ["/about", "/contact"] }))
  a.route("/robots.txt", (_q, res) => {
    res.writeHead(200, { "content-type": "text/plain" })
    res.end("User-agent: *\nDisallow: /private\n")
  })
  a.route("/", page("Climat accueil", "le climat", [["/a", "page a"], ["/b", "page b"], [b.url("/x"), "site b"], ["/private", "privé"], ["/doc.pdf", "pdf"]], ["/img.png"]))
  a.route("/a", page("Le climat en A", "le climat", [["/b", "b encore"], ["/c", "page c"]]))
  a.route("/b", page("Cuisine", "la cuisine", [["/d", "page d"]]))
  a.route("/c", page("Climat C", "le climat", [["/e", "page e"], ["/", "accueil"]]))
  a.route("/e", page("Climat E", "le climat", [["/f", "trop loin"], ["/a", "retour a"]]))
  for (const p of ["/d", "/f", "/about", "/contact", "/legal", "/private"]) a.route(p, page("Other", "le climat", []))
  b.route("/robots.txt", (_q, res) => { res.writeHead(404); res.end() })
  b.route("/x", page("Climat ailleurs", "le climat", [[a.url("/"), "retour"]]))
  return { a, b }
})

const graphOf = (landId: number) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const pages = yield* sql<{ url: string; depth: number; crawlState: string; httpStatus: number | null; relevance: number | null; error: string | null }>`
      SELECT normalized_url AS url, depth, crawl_state, http_status, relevance, error FROM expressions WHERE land_id = ${landId} ORDER BY normalized_url`
    const links = yield* sql<{ s: string; t: string; linkType: string; anchorText: string }>`
      SELECT s.normalized_url AS s, t.normalized_url AS t, k.link_type, k.anchor_text FROM expression_links k
      JOIN expressions s ON s.id = k.source_id JOIN expressions t ON t.id = k.target_id
      WHERE s.land_id = ${landId} ORDER BY 1, 2`
    return { pages, links }
  })

onBothDatabases("crawl pipeline", (db) => appOn(db, { fetcher }), (it) => {
  it.scoped("crawls a site to the exact link graph, obeying depth, minrel and robots.txt", () =>
    Effect.gen(function*() {
      const { a, b } = yield* twoSites
      const lands = yield* Lands
      const land = yield* lands.create({ name: "graph", terms: "climat" })
      yield* lands.addUrls(land, [a.url("/")])
      const summary = yield* crawlLand(land.id, options())
      const { links, pages } = yield* graphOf(land.id)
      const A = (p: string) => a.url(p)
      const B = (p: string) => b.url(p)
      const short = (u: string) => u.startsWith(a.origin) ? `A${u.slice(a.origin.length)}` : `B${u.slice(b.origin.length)}`
      assert.deepStrictEqual(pages.map((p) => [short(p.url), p.depth, p.crawlState]).sort(), [
        ["A/", 0, "fetched"], ["A/a", 1, "fetched"], ["A/b", 1, "fetched"], ["A/c", 2, "fetched"],
        ["A/e", 3, "fetched"], ["A/private", 1, "skipped"], ["B/x", 1, "fetched"]
      ].sort())
      assert.deepStrictEqual(links.map((l) => `${short(l.s)}>${short(l.t)}`).sort(), [
        "A/>A/a", "A/>A/b", "A/>A/private", "A/>B/x", "A/a>A/b", "A/a>A/c", "A/c>A/", "A/c>A/e", "A/e>A/a", "B/x>A/"
      ].sort())
      assert.strictEqual(links.find((l) => l.s === A("/") && l.t === B("/x"))!.linkType, "external")
      assert.strictEqual(links.find((l) => l.s === A("/") && l.t === A("/a"))!.anchorText, "page a")
      // relevance: "climat" in the title (×10) plus the article's words; "Cuisine" has none and is not followed
      const rel = Object.fromEntries(pages.map((p) => [short(p.url), p.relevance]))
      assert.strictEqual(rel["A/b"], 0)
      expect(rel["A/a"]).toBeGreaterThanOrEqual(10 + 5)
      assert.match(pages.find((p) => p.url === A("/private"))!.error!, /BlockedByRobots/)
      // navigation links, beyond-depth links and links of irrelevant pages were never requested
      for (const p of ["/about", "/contact", "/legal", "/d", "/f", "/private", "/doc.pdf"]) assert.lengthOf(a.requestsTo(p), 0, p)
      assert.lengthOf(a.requestsTo("/robots.txt"), 1)
      assert.deepStrictEqual(
        { fetched: summary.fetched, skipped: summary.skipped, failed: summary.failed, discovered: summary.discovered, links: summary.links, status: summary.status },
        { fetched: 6, skipped: 1, failed: 0, discovered: 6, links: 10, status: "completed" }
      )
      const sql = yield* SqlClient.SqlClient
      const media = yield* sql<{ url: string; type: string }>`SELECT url, type FROM media`
      assert.deepStrictEqual(media.map((m) => [m.url, m.type]), [[A("/img.png"), "image"]])
      const domains = yield* sql<{ host: string; title: string | null }>`SELECT host, title FROM domains WHERE land_id = ${land.id} ORDER BY host`
      assert.deepStrictEqual(domains.find((d) => d.host === new URL(a.origin).host)?.title, "Climat accueil")
      // a second run has nothing left to do and fetches nothing again
      const before = a.requests.length
      const again = yield* crawlLand(land.id, options())
      assert.strictEqual(again.fetched, 0)
      assert.strictEqual(a.requests.length, before)
    }))

  it.scoped("minrel 0 follows every page; depth 1 stops one level down; --limit caps this run", () =>
    Effect.gen(function*() {
      const { a } = yield* twoSites
      const lands = yield* Lands
      const all = yield* lands.create({ name: "all", terms: "climat" })
      yield* lands.addUrls(all, [a.url("/")])
      yield* crawlLand(all.id, options({ minrel: 0 }))
      const g = yield* graphOf(all.id)
      assert.isTrue(g.pages.some((p) => p.url === a.url("/d")), "the irrelevant page's link was followed")
      const shallow = yield* lands.create({ name: "shallow", terms: "climat" })
      yield* lands.addUrls(shallow, [a.url("/")])
      yield* crawlLand(shallow.id, options({ depth: 1 }))
      const s = yield* graphOf(shallow.id)
      assert.strictEqual(Math.max(...s.pages.map((p) => p.depth)), 1)
      assert.isTrue(s.pages.filter((p) => p.depth === 1).every((p) => p.crawlState !== "pending"))
      const limited = yield* lands.create({ name: "limited", terms: "climat" })
      yield* lands.addUrls(limited, [a.url("/")])
      const first = yield* crawlLand(limited.id, options({ limit: 2 }))
      assert.strictEqual(first.fetched + first.skipped + first.failed, 2)
      assert.isAbove(first.pending, 0)
      const rest = yield* crawlLand(limited.id, options())
      assert.strictEqual(rest.pending, 0)
      const l = yield* graphOf(limited.id)
      assert.strictEqual(l.pages.length, 7)
    }))

  it.scoped("stores each page's row whole: response, content, dates, NUL characters removed, nulls kept", () =>
    Effect.gen(function*() {
      const site = yield* startFixtureServer()
      site.route("/robots.txt", (_q, res) => { res.writeHead(404); res.end() })
      const withNul = articlePage({ title: "Climat\u0000 et NUL", topic: "le climat", links: [["/cuisine", "cuisine"], ["/gone", "disparue"]] })
        .replace("</head>", `<meta property="article:published_time" content="2024-03-05T10:30:00Z"></head>`)
      site.route("/", (_q, res) => sendHtml(res, withNul))
      site.route("/cuisine", (_q, res) => sendHtml(res, articlePage({ title: "Cuisine", topic: "la cuisine" })))
      site.route("/gone", (_q, res) => sendHtml(res, "<html><body>not here</body></html>", 404))
      const lands = yield* Lands
      const land = yield* lands.create({ name: "rows", terms: "climat" })
      yield* lands.addUrls(land, [site.url("/")])
      yield* crawlLand(land.id, options({ minrel: 0 }))
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql<{
        url: string
        crawlState: string
        httpStatus: number | null
        contentType: string | null
        contentLength: string | number | null
        headerType: string | null
        title: string | null
        html: string | null
        readable: string | null
        published: string | null
        wordCount: number | null
        relevance: number | null
        readableSet: boolean
        approvedSet: boolean
        claimedBy: number | null
        error: string | null
      }>`
        SELECT normalized_url AS url, crawl_state, http_status, content_type, content_length,
               headers->>'content-type' AS header_type, title, html, readable,
               to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS published, word_count, relevance,
               readable_at IS NOT NULL AS readable_set, approved_at IS NOT NULL AS approved_set, claimed_by, error
        FROM expressions WHERE land_id = ${land.id} ORDER BY normalized_url`
      const row = (path: string) => rows.find((r) => r.url === site.url(path))!
      const home = row("/")
      assert.strictEqual(home.crawlState, "fetched")
      assert.strictEqual(home.httpStatus, 200)
      assert.strictEqual(home.headerType, "text/html; charset=utf-8")
      assert.strictEqual(home.contentType, "text/html; charset=utf-8")
      assert.strictEqual(Number(home.contentLength), Buffer.byteLength(withNul))
      assert.strictEqual(home.title, "Climat et NUL")
      assert.strictEqual(home.html, withNul.replaceAll("\u0000", ""))
      assert.strictEqual(home.published, "2024-03-05 10:30:00")
      assert.isAbove(home.wordCount!, 50)
      assert.isAbove(home.relevance!, 0)
      assert.deepStrictEqual([home.readableSet, home.approvedSet, home.claimedBy, home.error], [true, true, null, null])
      // readable but irrelevant: not approved
      const cuisine = row("/cuisine")
      assert.deepStrictEqual([cuisine.relevance, cuisine.readableSet, cuisine.approvedSet, cuisine.published], [0, true, false, null])
      // an error page keeps its response only
      const gone = row("/gone")
      assert.deepStrictEqual(
        [gone.crawlState, gone.httpStatus, gone.headerType, gone.title, gone.html, gone.readable, gone.wordCount, gone.relevance],
        ["fetched", 404, "text/html; charset=utf-8", null, null, null, null, null]
      )
      assert.deepStrictEqual([gone.readableSet, gone.approvedSet], [false, false])
    }))
})

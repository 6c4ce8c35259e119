import { SqlClient } from "@effect/sql"
import { assert, expect } from "@effect/vitest"
import { Effect, Fiber, Layer, Schema } from "effect"
import type { LandId } from "../src/domain/ids.js"
import { ExtractorPool } from "../src/services/ExtractorPool.js"
import { JobRepo } from "../src/services/JobRepo.js"
import { Lands } from "../src/services/Lands.js"
import { crawlLand } from "../src/streams/crawl.js"
import { CrawlOptions } from "../src/streams/crawl-options.js"
import { readableLand } from "../src/streams/readable.js"
import { WebArchive } from "../src/services/WebArchive.js"
import { ReadableOptions } from "../src/streams/readable-options.js"
import { appOn } from "./support/app.js"
import { onBothDatabases } from "./support/databases.js"
import { type FixtureServer, startFixtureServer } from "./support/fixture-server.js"
import { articlePage, sendHtml } from "./support/fixture-site.js"

const fetcher = { timeoutMs: 3000, retries: 0, backoffBaseMs: 10 }
const archiveAt = (url: string) => Effect.provide(WebArchive.layer({ url }))
const readableOptions = (o: typeof ReadableOptions.Encoded = {}) =>
  Schema.decodeSync(ReadableOptions)({ delayMs: 0, ...o })

const SNAPSHOT = "20240105120000"

/**
 * A site and a fake web archive. At crawl time `/gone` answers 404 and `/thin` has no article; the archive holds an
 * article for `/gone` (linking to a page the crawl never saw), nothing for `/thin` and `/empty`, and fails on
 * `/flaky`.
 */
const siteAndArchive = Effect.gen(function*() {
  const site = yield* startFixtureServer()
  const archive = yield* startFixtureServer()
  site.route("/", (_q, res) =>
    sendHtml(res, articlePage({
      title: "Climat accueil",
      topic: "le climat",
      links: [["/a", "page a"], ["/gone", "disparue"], ["/thin", "mince"], ["/empty", "vide"], ["/flaky", "instable"]]
    })))
  site.route("/a", (_q, res) =>
    sendHtml(res, articlePage({ title: "Le climat en A", topic: "le climat", links: [["/a1", "suite"]], images: ["/fig.png"] })))
  site.route("/gone", (_q, res) => sendHtml(res, "<html><body>Not here</body></html>", 404))
  const thin = `<html><head><title>Thin</title></head><body><ul><li><a href="/x">Climat</a></li></ul><p>Le climat est un sujet.</p></body></html>`
  site.route("/thin", (_q, res) => sendHtml(res, thin))
  site.route("/flaky", (_q, res) => sendHtml(res, thin))
  site.route("/empty", (_q, res) => sendHtml(res, "<html><head><title>Empty</title></head><body></body></html>"))
  for (const p of ["/a1", "/x"]) site.route(p, (_q, res) => sendHtml(res, articlePage({ title: "Autre", topic: "autre chose" })))

  archive.route("/wayback/available", (req, res) => {
    const asked = new URL(req.url!, archive.origin).searchParams.get("url")!
    if (asked === site.url("/flaky")) {
      res.writeHead(500).end("archive down")
      return
    }
    const closest = asked === site.url("/gone")
      ? { closest: { available: true, status: "200", timestamp: SNAPSHOT, url: `${archive.origin}/web/${SNAPSHOT}/${asked}` } }
      : {}
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ url: asked, archived_snapshots: closest }))
  })
  archive.route(`/web/${SNAPSHOT}id_/${site.url("/gone")}`, (_q, res) =>
    sendHtml(res, articlePage({
      title: "Le climat disparu",
      topic: "le climat archivé",
      links: [["/archived-only", "seulement dans l'archive"], ["/a", "page a"]],
      images: ["/archived.png"]
    })))
  return { site, archive }
})

const crawled = (name: string, site: FixtureServer) =>
  Effect.gen(function*() {
    const lands = yield* Lands
    const land = yield* lands.create({ name, terms: "climat" })
    yield* lands.addUrls(land, [site.url("/")])
    yield* crawlLand(land.id, Schema.decodeSync(CrawlOptions)({ delayMs: 0, depth: 1, minrel: 0 }))
    return land.id
  })

interface PageRow {
  url: string
  depth: number
  title: string | null
  description: string | null
  readable: string | null
  readableSource: string | null
  readableError: string | null
  readableJobId: number | null
  relevance: number | null
  publishedAt: Date | null
}

const pagesOf = (landId: LandId, site: FixtureServer) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<PageRow>`
      SELECT normalized_url AS url, depth, title, description, readable, readable_source, readable_error,
             readable_job_id, relevance, published_at
      FROM expressions WHERE land_id = ${landId}`
    return new Map(rows.map((r) => [r.url.slice(site.origin.length), r]))
  })

const linksFrom = (landId: LandId, site: FixtureServer, path: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ t: string }>`
      SELECT t.normalized_url AS t FROM expression_links k
      JOIN expressions s ON s.id = k.source_id JOIN expressions t ON t.id = k.target_id
      WHERE s.land_id = ${landId} AND s.normalized_url = ${site.url(path)} ORDER BY 1`
    return rows.map((r) => r.t.slice(site.origin.length))
  })

const services = (db: Layer.Layer<SqlClient.SqlClient, unknown>) =>
  appOn(db, { fetcher })

// One database after the other (sideBySide: false): the archive's intervals are timed by its server in this process.
onBothDatabases("readable pipeline", services, (it) => {
  it.scoped("goes through Readability, the archive and the heuristic, and says which source won or why none did", () =>
    Effect.gen(function*() {
      const { archive, site } = yield* siteAndArchive
      const landId = yield* crawled("chain", site)
      const summary = yield* readableLand(landId, readableOptions()).pipe(archiveAt(archive.origin))
      const pages = yield* pagesOf(landId, site)

      expect(summary).toMatchObject({ status: "completed", pending: 0, updated: 1, unchanged: 4, failed: 1 })
      assert.deepStrictEqual(summary.sources, { readability: 2, archive: 1, heuristic: 2 })
      // The crawl stored what Readability finds on the same HTML: nothing to change.
      expect(pages.get("/a")).toMatchObject({ readableSource: "readability", readableError: null })
      expect(pages.get("/thin")).toMatchObject({ readableSource: "heuristic", readableError: null })
      // Dead at crawl time, recovered from the archive, with its links and media rebuilt from the capture.
      const gone = pages.get("/gone")!
      expect(gone).toMatchObject({ readableSource: "archive", title: "Le climat disparu", readableError: null })
      expect(gone.readable).toContain("le climat archivé")
      expect(gone.relevance).toBeGreaterThan(0)
      assert.deepStrictEqual(yield* linksFrom(landId, site, "/gone"), ["/a", "/archived-only"])
      expect(pages.get("/archived-only")).toMatchObject({ depth: 2 })
      const sql = yield* SqlClient.SqlClient
      const media = yield* sql<{ url: string }>`
        SELECT m.url FROM media m JOIN expressions e ON e.id = m.expression_id WHERE e.normalized_url = ${site.url("/gone")}`
      assert.deepStrictEqual(media.map((m) => m.url), [site.url("/archived.png")])
      // The capture is asked for as archived (id_), near the date the page was fetched.
      const asked = archive.requests.find((r) => r.path.startsWith("/wayback/available") && r.path.includes("gone"))!
      expect(new URL(asked.path, archive.origin).searchParams.get("timestamp")).toMatch(/^\d{14}$/)
      expect(archive.requestsTo(`/web/${SNAPSHOT}id_/${site.url("/gone")}`)).toHaveLength(1)
      // Nothing anywhere: failed, with every step's reason.
      expect(pages.get("/empty")!.readableError).toBe(
        "no readable content: Readability found no article in the stored HTML; the archive has no snapshot; " +
          "the heuristic found no text either"
      )
      // The archive failing is a reason, not a failure, when the heuristic has text.
      expect(pages.get("/flaky")).toMatchObject({ readableSource: "heuristic", readableError: null })
      // Readability's pages never reach the archive.
      expect(archive.requests.filter((r) => r.path.includes(encodeURIComponent(site.url("/a"))))).toHaveLength(0)
    }))

  it.scoped("merges by strategy, recomputes relevance and rebuilds the page's links and media", () =>
    Effect.gen(function*() {
      const { archive, site } = yield* siteAndArchive
      const landId = yield* crawled("merge", site)
      const sql = yield* SqlClient.SqlClient
      const a = site.url("/a")
      const [row] = yield* sql<{ id: number }>`SELECT id FROM expressions WHERE land_id = ${landId} AND normalized_url = ${a}`
      const id = row!.id
      const tamper = sql`
        UPDATE expressions SET title = 'X', description = 'A stored description longer than the page''s own one',
          readable = 'old text', readable_source = 'heuristic', relevance = 999,
          published_at = '2001-02-03T00:00:00Z'
        WHERE id = ${id}`
      const run = (merge: ReadableOptions["merge"]) =>
        readableLand(landId, readableOptions({ merge, archive: false })).pipe(archiveAt(archive.origin))

      // Stale links and media, and an analysed image still shown: the first go, the last keeps its analysis.
      yield* tamper
      const [stale] = yield* sql<{ id: number }>`SELECT id FROM expressions WHERE land_id = ${landId} AND normalized_url = ${site.url("/thin")}`
      yield* sql`INSERT INTO expression_links (source_id, target_id, link_type) VALUES (${id}, ${stale!.id}, 'internal')`
      yield* sql`INSERT INTO media (expression_id, url, type) VALUES (${id}, ${site.url("/old.png")}, 'image')`
      yield* sql`UPDATE media SET width = 123 WHERE expression_id = ${id} AND url = ${site.url("/fig.png")}`

      const smart = yield* run("smart_merge")
      // Without the archive, the page dead at crawl time and the empty one have nothing.
      expect(smart).toMatchObject({ updated: 1, unchanged: 3, failed: 2 })
      let page = (yield* pagesOf(landId, site)).get("/a")!
      expect(page).toMatchObject({
        title: "Le climat en A",
        description: "A stored description longer than the page's own one",
        readableSource: "readability"
      })
      expect(page.readable).toContain("Paragraph 1 discusses le climat")
      expect(page.publishedAt!.toISOString()).toBe("2001-02-03T00:00:00.000Z")
      expect(page.relevance).not.toBe(999)
      expect(page.relevance).toBeGreaterThan(0)
      assert.deepStrictEqual(yield* linksFrom(landId, site, "/a"), ["/a1"])
      const media = yield* sql<{ url: string; width: number | null }>`SELECT url, width FROM media WHERE expression_id = ${id}`
      assert.deepStrictEqual(media.map((m) => [m.url, m.width]), [[site.url("/fig.png"), 123]])

      yield* tamper
      expect(yield* run("mercury_priority")).toMatchObject({ updated: 1 })
      page = (yield* pagesOf(landId, site)).get("/a")!
      expect(page).toMatchObject({ title: "Le climat en A", description: "About le climat", readableSource: "readability" })

      yield* tamper
      expect(yield* run("preserve_existing")).toMatchObject({ updated: 0, unchanged: 4 })
      page = (yield* pagesOf(landId, site)).get("/a")!
      expect(page).toMatchObject({ title: "X", readable: "old text", relevance: 999 })
    }))

  it.scoped("continues a pass across --limit runs, then starts a new pass; resumes an interrupted job", () =>
    Effect.gen(function*() {
      const { archive, site } = yield* siteAndArchive
      const landId = yield* crawled("passes", site)
      const run = (o: typeof ReadableOptions.Encoded) =>
        readableLand(landId, readableOptions({ archive: false, ...o })).pipe(archiveAt(archive.origin))
      const first = yield* run({ limit: 2 })
      expect(first).toMatchObject({ status: "completed", pending: 4 })
      const second = yield* run({ limit: 3 })
      expect(second).toMatchObject({ pending: 1 })
      const third = yield* run({})
      expect(third).toMatchObject({ pending: 0, unchanged: 1 })
      const jobOf = (jobId: number) =>
        Effect.map(pagesOf(landId, site), (pages) => [...pages.values()].filter((p) => p.readableJobId === jobId).length)
      assert.deepStrictEqual([yield* jobOf(first.jobId), yield* jobOf(second.jobId), yield* jobOf(third.jobId)], [2, 3, 1])
      // A complete pass: the next job goes through every page again.
      expect(yield* run({})).toMatchObject({ pending: 0, unchanged: 4, failed: 2 })

      // Interrupted between two pages (the archive is slow and polite), then resumed: each page done once.
      let started: number | undefined
      const slowFrom = performance.now()
      const slow = readableLand(landId, readableOptions({ delayMs: 150, concurrency: 1 }), {
        onJob: (job) => Effect.sync(() => void (started = job.id))
      }).pipe(archiveAt(archive.origin))
      const fiber = yield* Effect.fork(slow)
      yield* Effect.sleep("500 millis")
      yield* Fiber.interrupt(fiber)
      const job = yield* (yield* JobRepo).get(started!)
      expect(job.status).toBe("interrupted")
      const doneBefore = yield* jobOf(job.id)
      expect(doneBefore).toBeLessThan(6)
      const resumed = yield* readableLand(landId, readableOptions({ delayMs: 150, concurrency: 1 }), {
        resumeJobId: job.id
      }).pipe(archiveAt(archive.origin))
      expect(resumed).toMatchObject({ jobId: job.id, status: "completed", pending: 0 })
      expect(yield* jobOf(job.id)).toBe(6)
      // The archive's interval holds across the interruption: the host's pace belongs to the process, not the job.
      const asked = archive.requests.filter((r) => r.at >= slowFrom)
      expect(asked.length).toBeGreaterThan(1)
      for (let i = 1; i < asked.length; i++) expect(asked[i]!.at - asked[i - 1]!.at).toBeGreaterThanOrEqual(140)
    }))

  it.scoped("refuses an archive address that is not an http(s) URL, and treats an unreachable archive as a reason", () =>
    Effect.gen(function*() {
      const { site } = yield* siteAndArchive
      const landId = yield* crawled("archive-errors", site)
      const bad = yield* Effect.flip(readableLand(landId, readableOptions()).pipe(archiveAt("ftp://archive")))
      expect(bad.message).toBe('invalid MWI_ARCHIVE_URL: "ftp://archive" is not an http(s) URL')
      const closed = yield* Effect.scoped(Effect.map(startFixtureServer(), (s) => s.origin))
      const summary = yield* readableLand(landId, readableOptions()).pipe(archiveAt(closed))
      expect(summary).toMatchObject({ status: "completed", failed: 2 })
      const pages = yield* pagesOf(landId, site)
      expect(pages.get("/gone")!.readableError).toMatch(/^no readable content: no stored HTML; archive: ConnectionRefused: /)
      // Nothing stored was lost: the 404 page keeps its crawl outcome.
      const sql = yield* SqlClient.SqlClient
      const [gone] = yield* sql<{ httpStatus: number; crawlState: string }>`
        SELECT http_status, crawl_state FROM expressions WHERE normalized_url = ${site.url("/gone")}`
      expect(gone).toMatchObject({ httpStatus: 404, crawlState: "fetched" })
    }))

  it.scoped("an extraction that crashes is that page's reason, and leaves what is stored as it was", () =>
    Effect.gen(function*() {
      const { archive, site } = yield* siteAndArchive
      const landId = yield* crawled("crashing", site)
      const before = yield* pagesOf(landId, site)
      const crashing = new URL("data:text/javascript," + encodeURIComponent(`
        import { parentPort } from "node:worker_threads"
        parentPort.on("message", () => { throw new Error("boom") })`))
      const summary = yield* readableLand(landId, readableOptions({ archive: false })).pipe(archiveAt(archive.origin)).pipe(
        Effect.provide(ExtractorPool.layer({ workers: 1, entry: crashing }))
      )
      expect(summary).toMatchObject({ status: "completed", updated: 0, unchanged: 0, failed: 6 })
      const after = yield* pagesOf(landId, site)
      expect(after.get("/a")!.readableError).toBe(
        "no readable content: the stored HTML: worker crashed: boom; the archive was not asked (--no-archive)"
      )
      for (const [path, page] of before) {
        expect({ ...after.get(path)!, readableError: null, readableJobId: null }).toEqual({ ...page, readableError: null, readableJobId: null })
      }
    }))
}, { sideBySide: false })

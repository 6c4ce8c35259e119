import { assert, expect } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import type { ServerResponse } from "node:http"
import { hammingDistance } from "../src/domain/image-hash.js"
import { apiServer, baseUrl, call, openWs, userWithToken, type WsClient } from "./support/api.js"
import { onBothDatabases } from "./support/databases.js"
import { type FixtureServer, startFixtureServer } from "./support/fixture-server.js"
import { articlePage, sendHtml } from "./support/fixture-site.js"
import { scene, twoColours } from "./support/images.js"

const photo = scene(256, 192, 1)
const files = {
  photo: await photo.clone().withExif({ IFD0: { Make: "Canon", Model: "EOS 5D" } }).jpeg({ quality: 90 }).toBuffer(),
  // The same picture, half the size and recompressed, without EXIF: a near-duplicate.
  copy: await photo.clone().resize(128, 96).jpeg({ quality: 40 }).toBuffer(),
  other: await scene(256, 192, 6).png().toBuffer(),
  small: await twoColours(40, 20, [250, 10, 5], [10, 20, 240]).png().toBuffer(),
  svg: Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60"><rect width="120" height="60"/></svg>`),
  broken: (await scene(300, 200, 3).png().toBuffer()).subarray(0, 3000),
  clip: Buffer.alloc(20_000, 1)
}

const send = (type: string, body: Buffer, delayMs: () => number = () => 0) => (_req: unknown, res: ServerResponse) =>
  setTimeout(() => res.writeHead(200, { "content-type": type, "content-length": body.length }).end(body), delayMs())

const withVideo = (html: string, src: string) => html.replace("</article>", `<video src="${src}"></video></article>`)

/**
 * Two pages: the home page shows every kind of file (the photo, its near-duplicate, another picture, a small one, an
 * SVG, a broken PNG, a missing one, a video) and links to a second page showing the photo and the other picture again.
 */
const mediaSite = Effect.gen(function*() {
  const site = yield* startFixtureServer()
  site.route("/robots.txt", (_q, res) => res.writeHead(404).end())
  const home = articlePage({
    title: "Le climat en images",
    topic: "climat",
    links: [["/p2", "la suite du climat"]],
    images: ["/img/photo.jpg", "/img/copy.jpg", "/img/other.png", "/img/small.png", "/img/logo.svg", "/img/broken.png", "/img/missing.png"]
  })
  site.route("/", (_q, res) => sendHtml(res, withVideo(home, "/media/clip.mp4")))
  site.route("/p2", (_q, res) =>
    sendHtml(res, articlePage({ title: "Le climat, suite", topic: "climat", images: ["/img/photo.jpg", "/img/other.png"] })))
  const served: ReadonlyArray<readonly [string, string, Buffer]> = [
    ["/img/photo.jpg", "image/jpeg", files.photo],
    ["/img/copy.jpg", "image/jpeg", files.copy],
    ["/img/other.png", "image/png", files.other],
    ["/img/small.png", "image/png", files.small],
    ["/img/logo.svg", "image/svg+xml", files.svg],
    ["/img/broken.png", "image/png", files.broken],
    ["/media/clip.mp4", "video/mp4", files.clip]
  ]
  for (const [path, type, body] of served) site.route(path, send(type, body))
  return site
})

/**
 * Pictures served slowly enough for a job on them to be caught running, until `release` (once the test has cancelled
 * it): the resumed run needs no wait.
 */
const slowSite = Effect.gen(function*() {
  const site = yield* startFixtureServer()
  const count = 16
  let latencyMs = 400
  const pictures = yield* Effect.promise(() => Promise.all(Array.from({ length: count }, (_, i) => scene(48, 48, i).png().toBuffer())))
  site.route("/robots.txt", (_q, res) => res.writeHead(404).end())
  site.route("/", (_q, res) =>
    sendHtml(res, articlePage({ title: "Le climat lent", topic: "climat", images: pictures.map((_, i) => `/slow/${i}.png`) })))
  pictures.forEach((bytes, i) => site.route(`/slow/${i}.png`, send("image/png", bytes, () => latencyMs)))
  return { site, count, release: () => void (latencyMs = 0) }
})

const ws = (base: string) => base.replace(/^http/, "ws")

const events = (base: string, path: string, token: string) => Effect.acquireRelease(
  Effect.promise(() => openWs(`${ws(base)}${path}`, token)),
  (socket) => Effect.promise(() => socket.close())
)

const finalOf = (socket: WsClient, jobId: number) =>
  Effect.promise(() => socket.next((m) => m.type === "final" && m.jobId === jobId, 120_000))

const landWithSeed = (base: string, token: string, name: string, site: FixtureServer) =>
  Effect.gen(function*() {
    const land = yield* call(base, "POST", "/api/v1/lands", { token, body: { name, terms: ["climat"] } })
    assert.strictEqual(land.status, 201)
    yield* call(base, "POST", `/api/v1/lands/${land.body.id}/urls`, { token, body: { urls: [site.url("/")] } })
    return land.body.id as number
  })

const pathOf = (m: { url: string }) => new URL(m.url).pathname

onBothDatabases("HTTP API: media", apiServer, (it) => {
  it.scoped("media job with live progress, then the media list with its filters, one media and the expression detail", () =>
    Effect.gen(function*() {
      const base = yield* baseUrl
      const site = yield* mediaSite
      const token = yield* userWithToken(base, "alice")
      const landId = yield* landWithSeed(base, token, "images", site)
      const landEvents = yield* events(base, `/api/v1/lands/${landId}/events`, token)

      const crawl = yield* call(base, "POST", `/api/v1/lands/${landId}/jobs/crawl`, { token, body: { depth: 1, delayMs: 0 } })
      assert.strictEqual(crawl.status, 202)
      assert.deepInclude(yield* finalOf(landEvents, crawl.body.jobId), { kind: "crawl", status: "completed" })
      const list = (query: string) => call(base, "GET", `/api/v1/lands/${landId}/media${query}`, { token })
      const before = yield* list("?analysed=false")
      assert.strictEqual(before.body.total, 10)
      assert.isTrue(before.body.items.every((m: { analyzedAt: unknown }) => m.analyzedAt === null))

      const started = yield* call(base, "POST", `/api/v1/lands/${landId}/jobs/media`, { token, body: { delayMs: 0, concurrency: 4, perHost: 4 } })
      assert.strictEqual(started.status, 202)
      const jobId = started.body.jobId as number
      const socket = yield* events(base, `/api/v1/jobs/${jobId}/events`, token)
      const first = yield* Effect.promise(() => socket.next(() => true))
      assert.include(["snapshot", "final"], first.type)
      assert.deepInclude(first, { jobId, kind: "media" })
      const final = yield* finalOf(socket, jobId)
      assert.deepInclude(final, { kind: "media", status: "completed", unit: "files" })
      // Files, not rows: the photo and the other picture are shown by both pages and downloaded once.
      assert.deepInclude(final.counters, { analysed: 5, failed: 2, skipped: 1, queued: 0 })
      assert.deepInclude(yield* finalOf(landEvents, jobId), { kind: "media", status: "completed" })
      // Connecting after the end gets the final state at once.
      const late = yield* events(base, `/api/v1/jobs/${jobId}/events`, token)
      const lateFinal = yield* Effect.promise(() => late.next(() => true))
      assert.deepInclude(lateFinal, { type: "final", status: "completed", kind: "media" })
      const job = yield* call(base, "GET", `/api/v1/jobs/${jobId}`, { token })
      assert.deepInclude(job.body, { kind: "media", status: "completed" })
      assert.deepInclude(job.body.result, { analysed: 5, failed: 2, skipped: 1, rows: 10, pending: 0 })
      assert.deepInclude(job.body.parameters, { delayMs: 0, concurrency: 4, perHost: 4, maxBytes: 10 * 1024 * 1024 })
      const landJobs = yield* call(base, "GET", `/api/v1/lands/${landId}/jobs`, { token })
      assert.deepStrictEqual(landJobs.body.items.map((j: { kind: string }) => j.kind), ["media", "crawl"])
      assert.strictEqual(landJobs.body.total, 2)

      const all = yield* list("")
      assert.deepInclude(all.body, { total: 10, limit: 50, offset: 0 })
      const ids = all.body.items.map((m: { id: number }) => m.id)
      assert.deepStrictEqual(ids, [...ids].sort((a, b) => a - b))
      const pages = [yield* list("?limit=4"), yield* list("?limit=4&offset=4"), yield* list("?limit=4&offset=8")]
      assert.deepStrictEqual(pages.map((p) => p.body.items.length), [4, 4, 2])
      assert.deepStrictEqual(pages.flatMap((p) => p.body.items.map((m: { id: number }) => m.id)), ids)
      assert.isTrue(pages.every((p) => p.body.total === 10))

      const paths = (r: { body: { items: ReadonlyArray<{ url: string }> } }) => r.body.items.map(pathOf).sort()
      assert.deepStrictEqual(paths(yield* list("?type=video")), ["/media/clip.mp4"])
      assert.strictEqual((yield* list("?type=image")).body.total, 9)
      assert.deepStrictEqual(paths(yield* list("?minWidth=200")), ["/img/other.png", "/img/other.png", "/img/photo.jpg", "/img/photo.jpg"])
      assert.deepStrictEqual(paths(yield* list("?hasExif=true")), ["/img/photo.jpg", "/img/photo.jpg"])
      assert.strictEqual((yield* list("?hasExif=false")).body.total, 8)
      assert.deepStrictEqual(paths(yield* list("?error=true")), ["/img/broken.png", "/img/missing.png"])
      assert.strictEqual((yield* list("?analysed=true&error=false")).body.total, 8)
      assert.strictEqual((yield* list("?analysed=false")).body.total, 0)
      assert.deepStrictEqual(paths(yield* list("?type=image&minWidth=100&hasExif=false&error=false")), [
        "/img/copy.jpg", "/img/logo.svg", "/img/other.png", "/img/other.png"
      ])

      const item = (path: string) => all.body.items.find((m: { url: string }) => pathOf(m) === path)
      const shot = item("/img/photo.jpg")
      assert.deepInclude(shot, {
        type: "image", format: "jpeg", mimeType: "image/jpeg", width: 256, height: 192, aspectRatio: 1.33,
        colorMode: "RGB", channels: 3, hasTransparency: false, fileSize: files.photo.length, analysisError: null, distance: null
      })
      assert.deepInclude(shot.exif, { make: "Canon", model: "EOS 5D" })
      assert.match(shot.sha256, /^[0-9a-f]{64}$/)
      assert.match(shot.phash, /^[0-9a-f]{16}$/)
      assert.isAbove(shot.dominantColors.length, 0)
      assert.containsAllKeys(shot.dominantColors[0], ["rgb", "share"])
      assert.isAbove(Object.keys(shot.websafeColors).length, 0)
      assert.match(item("/img/broken.png").analysisError, /^ImageUndecodable/)
      assert.match(item("/img/missing.png").analysisError, /^MediaHttpStatus: .* answered HTTP 404$/)

      // Near-duplicates of the photo: its other row (distance 0), the recompressed copy, not the other picture.
      const near = (yield* list(`?nearDuplicatesOf=${shot.id}`)).body.items
      const distances = near.map((m: { distance: number }) => m.distance)
      assert.deepStrictEqual(distances, [...distances].sort((a, b) => a - b))
      assert.isTrue(distances.every((d: number) => d <= 10))
      assert.deepInclude(near.find((m: { url: string }) => m.url === shot.url), { distance: 0 })
      assert.deepInclude(near.find((m: { url: string }) => pathOf(m) === "/img/copy.jpg"), {
        distance: hammingDistance(shot.phash, item("/img/copy.jpg").phash)
      })
      assert.notInclude(near.map(pathOf), "/img/other.png")
      assert.notInclude(near.map((m: { id: number }) => m.id), shot.id)
      const same = (yield* list(`?nearDuplicatesOf=${shot.id}&maxDistance=0`)).body.items
      assert.include(same.map(pathOf), "/img/photo.jpg")
      assert.isTrue(same.every((m: { distance: number }) => m.distance === 0))
      const loose = (yield* list(`?nearDuplicatesOf=${shot.id}&maxDistance=64&limit=2&offset=1`)).body
      assert.strictEqual(loose.total, 4) // one entry per file, however many pages show it
      assert.lengthOf(loose.items, 2)
      // An image without a perceptual hash (SVG) has no near-duplicates.
      assert.strictEqual((yield* list(`?nearDuplicatesOf=${item("/img/logo.svg").id}`)).body.total, 0)

      const one = yield* call(base, "GET", `/api/v1/lands/${landId}/media/${shot.id}`, { token })
      assert.strictEqual(one.status, 200)
      assert.deepStrictEqual(one.body, shot)

      // The page's detail shows the analysis of its media.
      const detail = yield* call(base, "GET", `/api/v1/expressions/${shot.expressionId}`, { token })
      assert.strictEqual(detail.status, 200, JSON.stringify(detail.body).slice(0, 1500))
      const shown = detail.body.media.find((m: { id: number }) => m.id === shot.id)
      for (const key of ["width", "height", "format", "mimeType", "fileSize", "dominantColors", "exif", "sha256", "phash", "analysisError"]) {
        assert.deepStrictEqual(shown[key], shot[key], key)
      }
    }), { timeout: 240_000 })

  it.scoped("a crawl with media goes on with a media job: 409 while it runs, cancel, resume to the end", () =>
    Effect.gen(function*() {
      const base = yield* baseUrl
      const { count, release, site } = yield* slowSite
      const token = yield* userWithToken(base, "bob")
      const landId = yield* landWithSeed(base, token, "slow", site)
      const landEvents = yield* events(base, `/api/v1/lands/${landId}/events`, token)
      const media = { delayMs: 0, concurrency: 1, perHost: 1 }

      const crawl = yield* call(base, "POST", `/api/v1/lands/${landId}/crawl`, { token, body: { depth: 0, delayMs: 0, perHost: 1, concurrency: 1, media: true } })
      assert.strictEqual(crawl.status, 202)
      assert.deepInclude(yield* finalOf(landEvents, crawl.body.jobId), { kind: "crawl", status: "completed" })
      const progress = yield* Effect.promise(() => landEvents.next((m) => m.kind === "media" && m.counters.analysed >= 1, 60_000))
      const jobId = progress.jobId as number

      const twice = yield* call(base, "POST", `/api/v1/lands/${landId}/jobs/media`, { token, body: media })
      assert.strictEqual(twice.status, 409)
      assert.strictEqual(twice.body.error, "JobAlreadyRunning")
      expect(twice.body.message).toContain(`job ${jobId} is already running`)
      // The crawl is over, though the fiber that ran it now runs the media job.
      assert.strictEqual((yield* call(base, "POST", `/api/v1/jobs/${crawl.body.jobId}/cancel`, { token })).status, 409)

      const cancelled = yield* call(base, "POST", `/api/v1/jobs/${jobId}/cancel`, { token })
      assert.strictEqual(cancelled.status, 200)
      assert.deepInclude(cancelled.body, { kind: "media", status: "cancelled" })
      assert.deepInclude(yield* finalOf(landEvents, jobId), { status: "cancelled" })
      const left = (yield* call(base, "GET", `/api/v1/lands/${landId}/media?analysed=false`, { token })).body.total as number
      assert.isAbove(left, 0)
      assert.isBelow(left, count)
      assert.strictEqual((yield* call(base, "POST", `/api/v1/jobs/${jobId}/cancel`, { token })).status, 409)
      release()

      const resumed = yield* call(base, "POST", `/api/v1/jobs/${jobId}/resume`, { token })
      assert.strictEqual(resumed.status, 202)
      assert.strictEqual(resumed.body.jobId, jobId)
      // A job's socket ends with its final event: the resumed run is watched on a new one, and ends completed.
      const socket = yield* events(base, `/api/v1/jobs/${jobId}/events`, token)
      yield* Effect.promise(() => socket.next((m) => m.type === "final" && m.status === "completed", 120_000))
      assert.strictEqual((yield* call(base, "GET", `/api/v1/lands/${landId}/media?analysed=true&error=false`, { token })).body.total, count)
      const job = yield* call(base, "GET", `/api/v1/jobs/${jobId}`, { token })
      assert.deepInclude(job.body.result, { status: "completed", pending: 0 })
      assert.deepInclude(job.body.parameters, { depth: 0, concurrency: 1, perHost: 1 })
      const again = yield* call(base, "POST", `/api/v1/jobs/${jobId}/resume`, { token })
      assert.strictEqual(again.status, 409)
      assert.strictEqual(again.body.error, "JobNotResumable")
    }), { timeout: 240_000 })

  it.scoped("bad filters and bodies are 400 naming the field; other users' lands and media are 404", () =>
    Effect.gen(function*() {
      const base = yield* baseUrl
      const carol = yield* userWithToken(base, "carol")
      const eve = yield* userWithToken(base, "eve")
      const site = yield* mediaSite
      const landId = yield* landWithSeed(base, carol, "mine", site)
      const landEvents = yield* events(base, `/api/v1/lands/${landId}/events`, carol)
      const crawl = yield* call(base, "POST", `/api/v1/lands/${landId}/crawl`, { token: carol, body: { depth: 0, delayMs: 0 } })
      yield* finalOf(landEvents, crawl.body.jobId)
      const mediaId = (yield* call(base, "GET", `/api/v1/lands/${landId}/media?limit=1`, { token: carol })).body.items[0].id as number

      const cases: ReadonlyArray<readonly [string, string, unknown, string]> = [
        ["GET", "/media?type=gif", undefined, "type"],
        ["GET", "/media?minWidth=-1", undefined, "minWidth"],
        ["GET", "/media?minWidth=wide", undefined, "minWidth"],
        ["GET", "/media?hasExif=maybe", undefined, "hasExif"],
        ["GET", "/media?analysed=yes", undefined, "analysed"],
        ["GET", "/media?error=1", undefined, "error"],
        ["GET", "/media?nearDuplicatesOf=abc", undefined, "nearDuplicatesOf"],
        ["GET", "/media?nearDuplicatesOf=999999", undefined, "nearDuplicatesOf"],
        ["GET", `/media?nearDuplicatesOf=${mediaId}&maxDistance=65`, undefined, "maxDistance"],
        ["GET", "/media?maxDistance=5", undefined, "maxDistance"],
        ["GET", "/media?limit=0", undefined, "limit"],
        ["POST", "/jobs/media", { concurrency: 0 }, "concurrency"],
        ["POST", "/jobs/media", { maxBytes: 10 }, "maxBytes"],
        ["POST", "/jobs/media", { depth: "deep" }, "depth"],
        ["POST", "/jobs/media", { minrel: -1 }, "minrel"],
        ["POST", "/jobs/crawl", { perHost: 0 }, "perHost"]
      ]
      for (const [method, path, body, field] of cases) {
        const r = yield* call(base, method, `/api/v1/lands/${landId}${path}`, { token: carol, body })
        assert.strictEqual(r.status, 400, `${method} ${path}: ${JSON.stringify(r.body)}`)
        expect(r.body.message, path).toContain(field)
        assert.strictEqual(r.body.details.field.split(".")[0], field, path)
      }
      assert.strictEqual((yield* call(base, "POST", `/api/v1/lands/${landId}/jobs/media`, { token: carol, raw: "{oops" })).status, 400)
      assert.strictEqual((yield* call(base, "GET", `/api/v1/lands/${landId}/media/abc`, { token: carol })).status, 404)

      // Another user: the land, its media and its jobs do not exist for them.
      for (const [method, path] of [["GET", "/media"], ["GET", `/media/${mediaId}`], ["POST", "/jobs/media"], ["POST", "/jobs/crawl"]] as const) {
        const r = yield* call(base, method, `/api/v1/lands/${landId}${path}`, { token: eve, body: method === "POST" ? {} : undefined })
        assert.strictEqual(r.status, 404, `${method} ${path}`)
        assert.strictEqual(r.body.error, "LandNotFound")
      }
      assert.strictEqual((yield* call(base, "GET", `/api/v1/jobs/${crawl.body.jobId}`, { token: eve })).status, 404)
      // A media of another land (of the same user) is not found through this one.
      const other = yield* call(base, "POST", "/api/v1/lands", { token: carol, body: { name: "other" } })
      const wrongLand = yield* call(base, "GET", `/api/v1/lands/${other.body.id}/media/${mediaId}`, { token: carol })
      assert.strictEqual(wrongLand.status, 404)
      assert.strictEqual(wrongLand.body.error, "MediaNotFound")
      assert.strictEqual((yield* call(base, "GET", `/api/v1/lands/999999/media`, { token: carol })).status, 404)
      assert.strictEqual((yield* call(base, "POST", `/api/v1/lands/999999/jobs/media`, { token: carol, body: {} })).status, 404)
      assert.strictEqual((yield* call(base, "GET", `/api/v1/lands/${landId}/media`)).status, 401)
      assert.strictEqual((yield* call(base, "POST", `/api/v1/lands/${landId}/jobs/media`, { body: {} })).status, 401)

      // Documented in the OpenAPI description.
      const openapi = (yield* call(base, "GET", "/openapi.json")).body
      assert.containsAllKeys(openapi.paths, [
        "/api/v1/lands/{id}/media", "/api/v1/lands/{id}/media/{mediaId}", "/api/v1/lands/{id}/jobs/media",
        "/api/v1/lands/{id}/jobs/readable", "/api/v1/lands/{id}/jobs/crawl"
      ])
      const parameters = openapi.paths["/api/v1/lands/{id}/media"].get.parameters.map((p: { name: string }) => p.name)
      assert.includeMembers(parameters, ["type", "minWidth", "hasExif", "analysed", "error", "nearDuplicatesOf", "maxDistance", "limit", "offset"])
      assert.containsAllKeys(openapi.paths["/api/v1/lands/{id}/jobs/media"].post.requestBody.content["application/json"].schema.properties, [
        "depth", "minrel", "concurrency", "perHost", "delayMs", "maxBytes"
      ])
    }), { timeout: 240_000 })
})

/** The web archive of the server's configuration: answers slowly that it has no snapshot of any page. */
class GoneArchive extends Context.Tag("test/GoneArchive")<GoneArchive, FixtureServer>() {}
const goneArchive = Layer.scoped(GoneArchive, Effect.gen(function*() {
  const archive = yield* startFixtureServer()
  archive.route("/wayback/available", (req, res) => {
    const asked = new URL(req.url!, archive.origin).searchParams.get("url")
    setTimeout(() => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ url: asked, archived_snapshots: {} })), 400)
  })
  return archive
}))

/**
 * A site whose pages were gone at crawl time (404, nothing stored to extract from) and a web archive that answers
 * slowly that it has no snapshot of them: a readable job that spends its time asking the archive.
 */
const goneSite = Effect.gen(function*() {
  const site = yield* startFixtureServer()
  const archive = yield* GoneArchive
  const count = 10
  site.route("/robots.txt", (_q, res) => res.writeHead(404).end())
  site.route("/", (_q, res) => sendHtml(res, articlePage({
    title: "Le climat perdu",
    topic: "climat",
    links: Array.from({ length: count }, (_, i) => [`/gone/${i}`, `climat disparu ${i}`] as const)
  })))
  for (let i = 0; i < count; i++) site.route(`/gone/${i}`, (_q, res) => sendHtml(res, "<html><body>Not here</body></html>", 404))
  return { site, archive, count }
})

onBothDatabases("HTTP API: readable jobs", (db) =>
  Layer.flatMap(goneArchive, (archive) =>
    apiServer(db, { archiveUrl: Context.get(archive, GoneArchive).origin }).pipe(Layer.merge(Layer.succeedContext(archive)))), (it) => {
  it.scoped("a readable job with live progress: 409 while it runs, cancel, resume to the end; bad bodies are 400", () =>
    Effect.gen(function*() {
      const base = yield* baseUrl
      const { archive, count, site } = yield* goneSite
      const token = yield* userWithToken(base, "rita")
      const eve = yield* userWithToken(base, "eve")
      const landId = yield* landWithSeed(base, token, "lost", site)
      const landEvents = yield* events(base, `/api/v1/lands/${landId}/events`, token)
      const crawl = yield* call(base, "POST", `/api/v1/lands/${landId}/jobs/crawl`, { token, body: { depth: 1, delayMs: 0 } })
      assert.deepInclude(yield* finalOf(landEvents, crawl.body.jobId), { status: "completed" })

      for (const [body, field] of [[{ merge: "newest" }, "merge"], [{ limit: 0 }, "limit"], [{ maxDepth: 101 }, "maxDepth"], [{ archive: "yes" }, "archive"]] as const) {
        const r = yield* call(base, "POST", `/api/v1/lands/${landId}/jobs/readable`, { token, body })
        assert.strictEqual(r.status, 400, JSON.stringify(r.body))
        assert.strictEqual(r.body.details.field, field)
      }
      assert.strictEqual((yield* call(base, "POST", `/api/v1/lands/${landId}/jobs/readable`, { token: eve, body: {} })).status, 404)

      const options = { delayMs: 0, concurrency: 1, perHost: 1 }
      const started = yield* call(base, "POST", `/api/v1/lands/${landId}/jobs/readable`, { token, body: options })
      assert.strictEqual(started.status, 202)
      const jobId = started.body.jobId as number
      yield* Effect.promise(() => landEvents.next((m) => m.jobId === jobId && m.kind === "readable" && m.counters.failed >= 1, 60_000))
      const twice = yield* call(base, "POST", `/api/v1/lands/${landId}/jobs/readable`, { token, body: options })
      assert.strictEqual(twice.status, 409)
      assert.strictEqual(twice.body.error, "JobAlreadyRunning")
      const cancelled = yield* call(base, "POST", `/api/v1/jobs/${jobId}/cancel`, { token })
      assert.deepInclude(cancelled.body, { kind: "readable", status: "cancelled" })
      assert.isBelow(archive.requests.length, count)

      const ended = yield* events(base, `/api/v1/jobs/${jobId}/events`, token)
      assert.deepInclude(yield* Effect.promise(() => ended.next(() => true)), { type: "final", status: "cancelled", kind: "readable" })
      assert.strictEqual(yield* Effect.promise(() => ended.closed), 1000)
      const resumed = yield* call(base, "POST", `/api/v1/jobs/${jobId}/resume`, { token })
      assert.strictEqual(resumed.status, 202)
      assert.strictEqual(resumed.body.jobId, jobId)
      const socket = yield* events(base, `/api/v1/jobs/${jobId}/events`, token)
      yield* Effect.promise(() => socket.next((m) => m.type === "final" && m.status === "completed", 120_000))
      const job = yield* call(base, "GET", `/api/v1/jobs/${jobId}`, { token })
      assert.deepInclude(job.body, { kind: "readable", status: "completed" })
      assert.deepInclude(job.body.parameters, { merge: "smart_merge", archive: true, concurrency: 1 })
      assert.deepInclude(job.body.result, { failed: count, pending: 0 })
      assert.strictEqual(job.body.result.updated + job.body.result.unchanged, 1)
      // Each gone page was asked of the archive once, but for the one in flight when the job was cancelled.
      const perPage = Array.from({ length: count }, (_, i) =>
        archive.requests.filter((r) => new URL(r.path, archive.origin).searchParams.get("url") === site.url(`/gone/${i}`)).length)
      assert.isTrue(perPage.every((n) => n >= 1 && n <= 2), JSON.stringify(perPage))
      assert.isAtMost(perPage.reduce((a, b) => a + b, 0), count + 1)
      // The page shows why no source had text for it.
      const list = yield* call(base, "GET", `/api/v1/lands/${landId}/expressions?limit=50`, { token })
      const gone = list.body.items.find((e: { url: string }) => e.url === site.url("/gone/0"))
      const detail = yield* call(base, "GET", `/api/v1/expressions/${gone.id}`, { token })
      assert.deepInclude(detail.body, {
        readableError: "no readable content: no stored HTML; the archive has no snapshot",
        readable: null
      })
    }), { timeout: 240_000 })
})

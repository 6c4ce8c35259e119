import { SqlClient } from "@effect/sql"
import { assert, expect } from "@effect/vitest"
import { Effect, Fiber, Schema } from "effect"
import * as crypto from "node:crypto"
import type { IncomingMessage, ServerResponse } from "node:http"
import { hammingDistance } from "../src/domain/image-hash.js"
import type { LandId } from "../src/domain/ids.js"
import { JobRepo } from "../src/services/JobRepo.js"
import { Lands } from "../src/services/Lands.js"
import { MediaRepo } from "../src/services/MediaRepo.js"
import { crawlLand } from "../src/streams/crawl.js"
import { CrawlOptions } from "../src/streams/crawl-options.js"
import { analyseLandMedia } from "../src/streams/media-analysis.js"
import { MediaOptions } from "../src/streams/media-options.js"
import { appOn } from "./support/app.js"
import { onBothDatabases } from "./support/databases.js"
import { type FixtureServer, startFixtureServer, streamBytes } from "./support/fixture-server.js"
import { bombPng, drawn, scene, twoColours } from "./support/images.js"

const crawlOptions = Schema.decodeSync(CrawlOptions)({ delayMs: 0, concurrency: 4, depth: 1 })
const mediaOptions = (o: typeof MediaOptions.Encoded = {}) =>
  Schema.decodeSync(MediaOptions)({ delayMs: 0, concurrency: 4, maxBytes: 64 * 1024, ...o })
const fetcher = { timeoutMs: 5000, retries: 0, backoffBaseMs: 10 }

const CAP_EXCEEDED = 5_000_000

// Generated once: every file the fixture site serves, with what the analysis must find in it.
const photo = scene(256, 192, 1)
const files = {
  two: await twoColours(200, 100, [250, 10, 5], [10, 20, 240]).png().toBuffer(),
  alpha: await drawn(100, 100, 4, (_x, y) => (y < 50 ? [0, 0, 0, 0] : [0, 200, 0, 255])).png().toBuffer(),
  opaqueAlpha: await drawn(60, 40, 4, () => [200, 100, 50, 255]).png().toBuffer(),
  photo: await photo.clone().withExif({
    IFD0: { Make: "Canon", Model: "EOS 5D", DateTime: "2021:05:04 10:20:30" },
    IFD2: { DateTimeOriginal: "2020:01:02 03:04:05" },
    IFD3: { GPSLatitudeRef: "N", GPSLatitude: "48/1 51/1 2960/100", GPSLongitudeRef: "E", GPSLongitude: "2/1 17/1 4020/100" }
  }).jpeg({ quality: 90 }).toBuffer(),
  // The same picture, half the size, recompressed hard, without its EXIF: a near-duplicate.
  copy: await photo.clone().resize(128, 96).jpeg({ quality: 40 }).toBuffer(),
  other: await scene(256, 192, 6).png().toBuffer(),
  grey: await scene(80, 60, 2).toColourspace("b-w").jpeg().toBuffer(),
  svg: Buffer.from(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="120" height="60"><script>alert(1)</script><rect width="120" height="60" fill="red"/></svg>`),
  corrupt: (await scene(300, 200, 3).png().toBuffer()).subarray(0, 3000),
  bomb: bombPng(100_000, 100_000),
  html: Buffer.from("<!doctype html><html><body><h1>Not found</h1></body></html>")
}

const sha256 = (b: Uint8Array) => crypto.createHash("sha256").update(b).digest("hex")

const send = (type: string, body: Buffer) => (_req: unknown, res: ServerResponse) => {
  res.writeHead(200, { "content-type": type, "content-length": body.length })
  res.end(body)
}

const page = (title: string, body: string) => (_req: unknown, res: ServerResponse) => {
  const text = [1, 2, 3].map((i) => `<p>Paragraphe ${i} sur le climat, avec assez de mots ordinaires autour pour qu'un lecteur voie un vrai article.</p>`).join("\n")
  res.writeHead(200, { "content-type": "text/html; charset=utf-8" })
  res.end(`<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>${title}</title></head>
<body><main><article><h1>${title}</h1>${text}${body}</article></main></body></html>`)
}

const img = (src: string) => `<p><img src="${src}" alt="${src}"></p>`

/** The site: two pages (depth 0 and 1) whose media cover every case, one image shown by both. */
const mediaSite = Effect.gen(function*() {
  const site = yield* startFixtureServer()
  const streamed: Record<string, () => number> = {}
  const streaming = (type: string, total: number, declare: boolean) => (req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { "content-type": type, ...(declare ? { "content-length": total } : {}) })
    streamed[req.url ?? ""] = streamBytes(res, total)
  }
  site.route("/robots.txt", (_q, res) => res.writeHead(404).end())
  site.route("/", page("Le climat en images", [
    img("/img/two.png"), img("/img/alpha.png"), img("/img/photo.jpg"), img("/img/logo.svg"), img("/img/corrupt.png"),
    img("/img/bomb.png"), img("/img/huge.png"), img("/img/huge-chunked.png"), img("/img/page.png"),
    img("/img/error.jpg"), img("/img/missing.png"),
    `<video src="/media/clip.mp4"></video>`, `<audio src="/media/sound.mp3"></audio>`, `<audio src="/media/long.ogg"></audio>`,
    `<p><a href="/p2">la suite du climat</a></p>`
  ].join("\n")))
  site.route("/p2", page("Le climat, suite", [
    img("/img/two.png"), img("/img/opaque-alpha.png"), img("/img/copy.jpg"), img("/img/other.png"), img("/img/grey.jpg")
  ].join("\n")))
  site.route("/img/two.png", send("image/png", files.two))
  site.route("/img/alpha.png", send("image/png", files.alpha))
  site.route("/img/opaque-alpha.png", send("image/png", files.opaqueAlpha))
  site.route("/img/photo.jpg", send("image/jpeg", files.photo))
  site.route("/img/copy.jpg", send("image/jpeg", files.copy))
  site.route("/img/other.png", send("image/png", files.other))
  site.route("/img/grey.jpg", send("image/jpeg", files.grey))
  site.route("/img/logo.svg", send("image/svg+xml", files.svg))
  site.route("/img/corrupt.png", send("image/png", files.corrupt))
  site.route("/img/bomb.png", send("image/png", files.bomb))
  site.route("/img/huge.png", streaming("image/png", CAP_EXCEEDED, true))
  site.route("/img/huge-chunked.png", streaming("image/png", CAP_EXCEEDED, false))
  site.route("/img/page.png", send("image/png", files.html))
  site.route("/img/error.jpg", send("text/html; charset=utf-8", files.html))
  site.route("/media/clip.mp4", streaming("video/mp4", CAP_EXCEEDED, true))
  site.route("/media/sound.mp3", streaming("audio/mpeg", 20_000, false))
  site.route("/media/long.ogg", streaming("audio/ogg", CAP_EXCEEDED, false))
  return { site, streamed }
})

const crawledLand = (name: string, site: FixtureServer) =>
  Effect.gen(function*() {
    const lands = yield* Lands
    const land = yield* lands.create({ name, terms: "climat" })
    yield* lands.addUrls(land, [site.url("/")])
    const crawl = yield* crawlLand(land.id, crawlOptions)
    assert.strictEqual(crawl.fetched, 2)
    return land.id
  })

const allMedia = (landId: LandId) =>
  Effect.flatMap(MediaRepo, (repo) => repo.list(landId, { limit: 1000 })).pipe(Effect.map((p) => p.items))

const byPath = <M extends { url: string }>(rows: ReadonlyArray<M>, path: string) => {
  const found = rows.filter((m) => new URL(m.url).pathname === path)
  assert.isAbove(found.length, 0, path)
  return found[0]!
}

onBothDatabases("media analysis", (db) => appOn(db, { fetcher }), (it) => {
  it.scoped("analyses every file of a crawled land; each failure ends as its row's error", () =>
    Effect.gen(function*() {
      const { site, streamed } = yield* mediaSite
      const landId = yield* crawledLand("media", site)
      const summary = yield* analyseLandMedia(landId, mediaOptions())
      assert.deepInclude(summary, { status: "completed", analysed: 9, failed: 8, skipped: 1, rows: 19, pending: 0 })
      // One download per file, however many pages show it.
      assert.lengthOf(site.requestsTo("/img/two.png"), 1)

      const rows = yield* allMedia(landId)
      assert.lengthOf(rows, 19)
      assert.isTrue(rows.every((m) => m.analyzedAt !== null))
      const m = (path: string) => byPath(rows, path)

      const two = m("/img/two.png")
      assert.deepInclude(two, {
        type: "image", format: "png", mimeType: "image/png", width: 200, height: 100, aspectRatio: 2, colorMode: "RGB",
        channels: 3, hasTransparency: false, fileSize: files.two.length, sha256: sha256(files.two), exif: null,
        analysisError: null
      })
      const [first, second] = two.dominantColors!
      expect(first!.rgb[0]).toBeGreaterThan(235)
      expect(first!.share).toBeCloseTo(0.75, 1)
      expect(second!.rgb[2]).toBeGreaterThan(225)
      expect(second!.share).toBeCloseTo(0.25, 1)
      expect(two.dominantColors!.length).toBeLessThanOrEqual(5)
      expect(two.websafeColors!["#ff0000"]).toBeGreaterThan(0.72)
      expect(two.websafeColors!["#0000ff"]).toBeGreaterThan(0.22)
      assert.match(two.phash!, /^[0-9a-f]{16}$/)
      // Both rows of the file carry the analysis.
      const twos = rows.filter((r) => r.url === two.url)
      assert.lengthOf(twos, 2)
      assert.deepStrictEqual({ ...twos[1]!, id: 0, expressionId: 0, createdAt: null, analyzedAt: null }, { ...twos[0]!, id: 0, expressionId: 0, createdAt: null, analyzedAt: null })

      const alpha = m("/img/alpha.png")
      assert.deepInclude(alpha, { hasTransparency: true, colorMode: "RGBA", channels: 4 })
      // Transparent pixels are not a colour: only the green half counts (its edge a shade off after resampling).
      expect(alpha.dominantColors![0]!.share).toBeGreaterThan(0.9)
      for (const c of alpha.dominantColors!) expect(c.rgb[0] < 5 && c.rgb[2] < 5 && Math.abs(c.rgb[1] - 200) < 10, String(c.rgb)).toBe(true)
      assert.deepInclude(m("/img/opaque-alpha.png"), { hasTransparency: false, colorMode: "RGBA", channels: 4 })
      assert.deepInclude(m("/img/grey.jpg"), { colorMode: "L", channels: 1, format: "jpeg" })

      const shot = m("/img/photo.jpg")
      assert.deepInclude(shot, { format: "jpeg", mimeType: "image/jpeg", width: 256, height: 192, aspectRatio: 1.33 })
      assert.deepStrictEqual(shot.exif, {
        make: "Canon", model: "EOS 5D", dateTaken: "2020-01-02T03:04:05", latitude: 48.858222, longitude: 2.2945
      })
      // SHA-256 tells the copy apart, the perceptual hash does not.
      const copy = m("/img/copy.jpg")
      assert.notStrictEqual(copy.sha256, shot.sha256)
      expect(hammingDistance(copy.phash!, shot.phash!)).toBeLessThanOrEqual(6)
      expect(hammingDistance(m("/img/other.png").phash!, shot.phash!)).toBeGreaterThan(16)

      // SVG: recorded, never rendered.
      assert.deepInclude(m("/img/logo.svg"), {
        format: "svg", mimeType: "image/svg+xml", width: 120, height: 60, aspectRatio: 2, fileSize: files.svg.length,
        sha256: sha256(files.svg), phash: null, dominantColors: null, analysisError: null
      })

      const corrupt = m("/img/corrupt.png")
      assert.match(corrupt.analysisError!, /^ImageUndecodable: cannot decode this png file/)
      assert.deepInclude(corrupt, { fileSize: 3000, sha256: sha256(files.corrupt), mimeType: "image/png", width: null, phash: null })
      assert.strictEqual(m("/img/bomb.png").analysisError, "ImageTooLarge: 100000×100000 pixels is over the 50000000-pixel limit")
      for (const path of ["/img/huge.png", "/img/huge-chunked.png"]) {
        assert.match(m(path).analysisError!, /^BodyTooLarge: .* larger than the 65536-byte limit$/)
        expect(streamed[path]!()).toBeLessThan(CAP_EXCEEDED)
      }
      assert.strictEqual(m("/img/page.png").analysisError, "WrongContentType: expected an image, got an HTML page served as image/png")
      assert.strictEqual(m("/img/error.jpg").analysisError, "WrongContentType: expected an image, got an HTML page served as text/html")
      assert.strictEqual(m("/img/missing.png").analysisError, `MediaHttpStatus: ${site.url("/img/missing.png")} answered HTTP 404`)

      // Video and audio: type, MIME and size, without downloading past the cap.
      assert.deepInclude(m("/media/clip.mp4"), { type: "video", mimeType: "video/mp4", fileSize: CAP_EXCEEDED, analysisError: null, width: null })
      expect(streamed["/media/clip.mp4"]!()).toBeLessThan(CAP_EXCEEDED)
      assert.deepInclude(m("/media/sound.mp3"), { type: "audio", mimeType: "audio/mpeg", fileSize: 20_000, analysisError: null })
      assert.deepInclude(m("/media/long.ogg"), { mimeType: null, fileSize: null })
      assert.match(m("/media/long.ogg").analysisError!, /^BodyTooLarge/)

      const jobs = yield* (yield* JobRepo).listByLand(landId)
      assert.deepInclude(jobs[0]!, { kind: "media", status: "completed" })
      assert.deepInclude(jobs[0]!.counters, { analysed: 9, failed: 8, skipped: 1, queued: 0 })

      // Nothing left: a second run downloads nothing.
      const before = site.requests.length
      const again = yield* analyseLandMedia(landId, mediaOptions())
      assert.deepInclude(again, { status: "completed", analysed: 0, failed: 0, rows: 0 })
      assert.strictEqual(site.requests.length, before)
    }))

  it.scoped("lists media by type, width, EXIF and near-duplicates of an image", () =>
    Effect.gen(function*() {
      const { site } = yield* mediaSite
      const landId = yield* crawledLand("list", site)
      yield* analyseLandMedia(landId, mediaOptions())
      const repo = yield* MediaRepo
      const rows = yield* allMedia(landId)
      const paths = (items: ReadonlyArray<{ url: string }>) => items.map((i) => new URL(i.url).pathname).sort()

      const videos = yield* repo.list(landId, { type: "video" })
      assert.deepStrictEqual(paths(videos.items), ["/media/clip.mp4"])
      const wide = yield* repo.list(landId, { minWidth: 200 })
      assert.deepStrictEqual(paths(wide.items), ["/img/other.png", "/img/photo.jpg", "/img/two.png", "/img/two.png"])
      const withExif = yield* repo.list(landId, { hasExif: true })
      assert.deepStrictEqual(paths(withExif.items), ["/img/photo.jpg"])
      const paged = yield* repo.list(landId, { type: "image", limit: 5, offset: 5 })
      assert.strictEqual(paged.total, 16)
      assert.lengthOf(paged.items, 5)

      const shot = byPath(rows, "/img/photo.jpg")
      const near = yield* repo.nearDuplicates(landId, shot.id)
      assert.deepStrictEqual(paths(near), ["/img/copy.jpg"])
      expect(near[0]!.distance).toBeLessThanOrEqual(6)
      assert.strictEqual(near[0]!.distance, hammingDistance(near[0]!.phash!, shot.phash!))
      const two = byPath(rows, "/img/two.png")
      const sameFile = yield* repo.list(landId, { nearDuplicatesOf: two.id, maxDistance: 0 })
      assert.deepStrictEqual(sameFile.items.map((i) => [new URL(i.url).pathname, i.distance]), [["/img/two.png", 0]])
      // A whole-land threshold finds every image within it, ordered by distance.
      const loose = yield* repo.nearDuplicates(landId, shot.id, 64)
      const distances = loose.map((i) => i.distance!)
      assert.deepStrictEqual(distances, [...distances].sort((a, b) => a - b))
      // An image without hash has no near-duplicates; an id of another land is not found.
      assert.lengthOf(yield* repo.nearDuplicates(landId, byPath(rows, "/img/bomb.png").id), 0)
      const other = yield* (yield* Lands).create({ name: "elsewhere" })
      const missing = yield* Effect.flip(repo.nearDuplicates(other.id, shot.id))
      assert.strictEqual(missing._tag, "MediaNotFound")
      assert.strictEqual(missing.message, `no media with id ${shot.id}`)
    }))

  it.scoped("takes only the media of pages within the depth and relevance asked", () =>
    Effect.gen(function*() {
      const { site } = yield* mediaSite
      const landId = yield* crawledLand("filters", site)
      const none = yield* analyseLandMedia(landId, mediaOptions({ minrel: 1_000_000 }))
      assert.deepInclude(none, { status: "completed", analysed: 0, failed: 0, rows: 0 })
      const home = yield* analyseLandMedia(landId, mediaOptions({ depth: 0 }))
      assert.deepInclude(home, { analysed: 5, failed: 8, skipped: 1, rows: 14 })
      const sql = yield* SqlClient.SqlClient
      const pending = yield* sql<{ url: string; depth: number }>`
        SELECT m.url, e.depth FROM media m JOIN expressions e ON e.id = m.expression_id
        WHERE e.land_id = ${landId} AND m.analyzed_at IS NULL`
      assert.lengthOf(pending, 5)
      assert.isTrue(pending.every((p) => p.depth === 1))
      const rest = yield* analyseLandMedia(landId, mediaOptions())
      assert.deepInclude(rest, { analysed: 5, failed: 0, skipped: 0, rows: 5 })
    }))

  it.scoped("a killed job resumes on the files not analysed yet", () =>
    Effect.gen(function*() {
      const site = yield* startFixtureServer()
      const count = 8
      const pictures = yield* Effect.promise(() => Promise.all(Array.from({ length: count }, (_, i) => scene(64, 64, i).png().toBuffer())))
      site.route("/", page("Le climat lent", pictures.map((_, i) => img(`/slow/${i}.png`)).join("\n")))
      pictures.forEach((bytes, i) =>
        site.route(`/slow/${i}.png`, (_q, res) => setTimeout(() => send("image/png", bytes)(_q, res), 150)))
      const lands = yield* Lands
      const land = yield* lands.create({ name: "resume", terms: "climat" })
      yield* lands.addUrls(land, [site.url("/")])
      yield* crawlLand(land.id, crawlOptions)

      const sql = yield* SqlClient.SqlClient
      const analysed = sql<{ n: number }>`
        SELECT count(*)::int AS n FROM media m JOIN expressions e ON e.id = m.expression_id
        WHERE e.land_id = ${land.id} AND m.analyzed_at IS NOT NULL`.pipe(
        Effect.map((r) => r[0]!.n)
      )
      const running = yield* Effect.fork(analyseLandMedia(land.id, mediaOptions({ concurrency: 1 })))
      while ((yield* analysed) < 2) yield* Effect.sleep("20 millis")
      yield* Fiber.interrupt(running)
      const done = yield* analysed
      expect(done).toBeLessThan(count)
      const jobs = yield* (yield* JobRepo).listByLand(land.id)
      assert.deepInclude(jobs[0]!, { kind: "media", status: "interrupted" })

      const resumed = yield* analyseLandMedia(land.id, mediaOptions())
      assert.deepInclude(resumed, { status: "completed", analysed: count - done, failed: 0 })
      assert.strictEqual(yield* analysed, count)
      // Only what was in flight at the kill is downloaded twice.
      const downloads = site.requests.filter((r) => r.path.startsWith("/slow/")).length
      expect(downloads).toBeGreaterThanOrEqual(count)
      expect(downloads).toBeLessThanOrEqual(count + 3)
    }))

  it.scoped("refuses a land that does not exist, and a second media job on the same land", () =>
    Effect.gen(function*() {
      const missing = yield* Effect.flip(analyseLandMedia(999_999 as LandId, mediaOptions()))
      assert.strictEqual(missing._tag, "LandNotFound")
      const { site } = yield* mediaSite
      const landId = yield* crawledLand("twice", site)
      const first = yield* Effect.fork(analyseLandMedia(landId, mediaOptions({ concurrency: 1 })))
      const jobs = yield* JobRepo
      while ((yield* jobs.listByLand(landId)).find((j) => j.kind === "media")?.status !== "running") yield* Effect.sleep("10 millis")
      const second = yield* Effect.flip(analyseLandMedia(landId, mediaOptions()))
      assert.strictEqual(second._tag, "JobAlreadyRunning")
      assert.deepInclude(yield* Fiber.join(first), { status: "completed" })
    }))
})

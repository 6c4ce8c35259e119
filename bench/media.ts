// Media analysis benchmark: images analysed per second, sequential against concurrent, in one run.
//
//   npx tsx bench/media.ts [--quick]
//
// A. The analyser alone (decode, colours, EXIF, hashes) on images held in memory: one at a time, then as many at once
//    as the analyser decodes (one per CPU).
// B. Whole media jobs on an embedded PGlite: files on loopback hosts answering after a network-like latency,
//    downloaded and analysed with concurrency 1 (sequential), then with the default concurrency.
// Results are printed and written to bench/results/media.json. `runMediaBench` is what bench/run.ts can call.

import { Effect, Layer, Logger, LogLevel, Schema } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { ServicesLive } from "../src/layers.js"
import { layerFor } from "../src/services/Database.js"
import { Lands } from "../src/services/Lands.js"
import { MediaAnalyzer } from "../src/services/MediaAnalyzer.js"
import { crawlLand } from "../src/streams/crawl.js"
import { CrawlOptions } from "../src/streams/crawl-options.js"
import { analyseLandMedia } from "../src/streams/media-analysis.js"
import { MediaOptions, type MediaSummary } from "../src/streams/media-options.js"
import { startFixtureServer } from "../test/support/fixture-server.js"
import { scene } from "../test/support/images.js"

export interface MediaBenchOptions {
  readonly quick: boolean
}

export interface MediaBenchResult {
  readonly cpus: number
  readonly images: { readonly distinct: number; readonly averageBytes: number }
  readonly analyser: { readonly sequential: number; readonly concurrent: number; readonly workers: number; readonly speedup: number }
  readonly job: {
    readonly files: number
    readonly hosts: number
    readonly latencyMs: number
    readonly sequential: number
    readonly concurrent: number
    readonly concurrency: number
    readonly speedup: number
  }
}

const HOSTS = 4
const LATENCY_MS = 40
const CONCURRENCY = 8

/** Web-sized pictures: JPEG photographs and PNG graphics. */
const makeImages = (quick: boolean) =>
  Effect.promise(() =>
    Promise.all(Array.from({ length: quick ? 4 : 8 }, (_, i) =>
      i % 4 === 3
        ? scene(600, 400, i).png().toBuffer()
        : scene(1200, 800, i).jpeg({ quality: 82 }).toBuffer()))
  )

const perSecond = (count: number, ms: number) => Math.round((count / ms) * 100_000) / 100

const timed = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const t0 = performance.now()
    const result = yield* self
    return { result, ms: performance.now() - t0 }
  })

const analyserBench = (images: ReadonlyArray<Buffer>, rounds: number) =>
  Effect.gen(function*() {
    const analyzer = yield* MediaAnalyzer
    const work = Array.from({ length: rounds }, () => images).flat()
    const run = (concurrency: number) =>
      timed(Effect.forEach(work, (bytes) => analyzer.image(bytes, null), { concurrency, discard: true }))
    yield* run(analyzer.settings.workers) // warm-up: libvips and the JIT
    const sequential = yield* run(1)
    const concurrent = yield* run(analyzer.settings.workers)
    const s = perSecond(work.length, sequential.ms)
    const c = perSecond(work.length, concurrent.ms)
    return { sequential: s, concurrent: c, workers: analyzer.settings.workers, speedup: Math.round((c / s) * 100) / 100 }
  })

const jobBench = (images: ReadonlyArray<Buffer>, filesPerHost: number) =>
  Effect.gen(function*() {
    const hosts = yield* Effect.forEach(Array.from({ length: HOSTS }), () => startFixtureServer())
    hosts.forEach((host, h) => {
      const paths = Array.from({ length: filesPerHost }, (_, i) => `/img/${h}-${i}.${i % 4 === 3 ? "png" : "jpg"}`)
      host.route("/robots.txt", (_q, res) => res.writeHead(404).end())
      host.route("/", (_q, res) => {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" })
        res.end(`<!doctype html><html lang="fr"><head><title>Climat ${h}</title></head><body><main><article>
<h1>Climat ${h}</h1>${[1, 2, 3].map((p) => `<p>Paragraphe ${p} sur le climat, assez long pour être un article.</p>`).join("")}
${paths.map((p) => `<p><img src="${p}" alt="${p}"></p>`).join("\n")}</article></main></body></html>`)
      })
      paths.forEach((p, i) =>
        host.route(p, (_q, res) =>
          setTimeout(() => {
            const bytes = images[i % images.length]!
            res.writeHead(200, { "content-type": p.endsWith(".png") ? "image/png" : "image/jpeg", "content-length": bytes.length })
            res.end(bytes)
          }, LATENCY_MS)))
    })
    const lands = yield* Lands
    const run = (name: string, concurrency: number) =>
      Effect.gen(function*() {
        const land = yield* lands.create({ name, terms: "climat" })
        yield* lands.addUrls(land, hosts.map((h) => h.url("/")))
        yield* crawlLand(land.id, Schema.decodeSync(CrawlOptions)({ depth: 0, delayMs: 0, concurrency: HOSTS }))
        const options = Schema.decodeSync(MediaOptions)({ concurrency, perHost: Math.max(1, concurrency / HOSTS), delayMs: 0 })
        const { ms, result } = yield* timed(analyseLandMedia(land.id, options))
        return { summary: result as MediaSummary, ms }
      })
    const sequential = yield* run("sequential", 1)
    const concurrent = yield* run("concurrent", CONCURRENCY)
    const files = HOSTS * filesPerHost
    for (const r of [sequential, concurrent]) {
      if (r.summary.analysed !== files) return yield* Effect.dieMessage(`expected ${files} files analysed: ${JSON.stringify(r.summary)}`)
    }
    const s = perSecond(files, sequential.ms)
    const c = perSecond(files, concurrent.ms)
    return {
      files,
      hosts: HOSTS,
      latencyMs: LATENCY_MS,
      sequential: s,
      concurrent: c,
      concurrency: CONCURRENCY,
      speedup: Math.round((c / s) * 100) / 100
    }
  })

const tempDir = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "mwi-bench-media-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
)

/** Both measurements, on a fresh embedded database removed afterwards. */
export const runMediaBench = (options: MediaBenchOptions) =>
  Effect.gen(function*() {
    const images = yield* makeImages(options.quick)
    const dir = yield* tempDir
    const services = ServicesLive({ allowPrivateNetwork: true, fetcher: { timeoutMs: 30_000, retries: 0 } }).pipe(
      Layer.provideMerge(layerFor({ _tag: "Embedded", dataDir: dir }))
    )
    return yield* Effect.gen(function*() {
      const analyser = yield* analyserBench(images, options.quick ? 3 : 6)
      const job = yield* jobBench(images, options.quick ? 12 : 40)
      return {
        cpus: os.availableParallelism(),
        images: { distinct: images.length, averageBytes: Math.round(images.reduce((s, b) => s + b.length, 0) / images.length) },
        analyser,
        job
      } satisfies MediaBenchResult
    }).pipe(Effect.provide(services))
  }).pipe(Effect.scoped, Logger.withMinimumLogLevel(LogLevel.Warning))

export const formatMediaBench = (r: MediaBenchResult) =>
  [
    `Media analysis (${r.cpus} CPUs; ${r.images.distinct} distinct images, ${Math.round(r.images.averageBytes / 1024)} KiB on average)`,
    `  analyser alone: ${r.analyser.sequential} images/s sequential, ${r.analyser.concurrent} images/s with ${r.analyser.workers} at once (×${r.analyser.speedup})`,
    `  media job, ${r.job.files} files on ${r.job.hosts} hosts answering after ${r.job.latencyMs} ms: ` +
    `${r.job.sequential} files/s with concurrency 1, ${r.job.concurrent} files/s with concurrency ${r.job.concurrency} (×${r.job.speedup})`
  ].join("\n")

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = await Effect.runPromise(runMediaBench({ quick: process.argv.includes("--quick") }))
  console.log(formatMediaBench(result))
  const out = path.join(path.dirname(fileURLToPath(import.meta.url)), "results", "media.json")
  fs.mkdirSync(path.dirname(out), { recursive: true })
  fs.writeFileSync(out, JSON.stringify({ at: new Date().toISOString(), ...result }, null, 2) + "\n")
}

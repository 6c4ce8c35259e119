// Embed stage benchmark.
//
//   npx tsx bench/embed.ts [--quick]
//
// A. The offline `hash` provider alone: paragraphs embedded per second (paragraphs split from generated pages of
//    English and French prose), and the splitter's pages per second.
// B. The cost of `crawl --embed`: the same crawl of a loopback site (pages answering after a network-like latency) on
//    a fresh embedded PGlite, without and with the embed job beside it, in pairs (`--pairs=N`, default 5); the
//    median of the pairs' ratios.
// Results are printed and written to bench/results/embed.json.

import { Effect, Layer, Logger, LogLevel, Schema } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { splitParagraphs } from "../src/domain/paragraphs.js"
import { ServicesLive } from "../src/layers.js"
import { layerFor } from "../src/services/Database.js"
import { hashEmbedding } from "../src/services/embeddings/hash.js"
import { Lands } from "../src/services/Lands.js"
import { crawlLand } from "../src/streams/crawl.js"
import { CrawlOptions } from "../src/streams/crawl-options.js"
import { crawlWithEmbed } from "../src/streams/embedding.js"
import { english, french } from "../test/fixtures/passages.js"
import { startFixtureServer } from "../test/support/fixture-server.js"
import { generatedSite } from "../test/support/fixture-site.js"

const quick = process.argv.includes("--quick")
const PAIRS = Number(process.argv.find((a) => a.startsWith("--pairs="))?.split("=")[1] ?? 5)
const here = path.dirname(fileURLToPath(import.meta.url))

/** A page of prose: passages of both languages, reordered and numbered so that no two pages are the same. */
const page = (i: number) =>
  Array.from({ length: 12 }, (_, j) => {
    const pool = (i + j) % 2 === 0 ? english : french
    return `${pool[(i * 7 + j) % pool.length]} (${i}.${j})`
  }).map((p, j) => (j % 5 === 0 ? `## Section ${j}\n\n${p}` : p)).join("\n\n")

const hashBench = () => {
  const pages = Array.from({ length: quick ? 300 : 1500 }, (_, i) => page(i))
  let started = performance.now()
  const paragraphs = pages.flatMap((p) => splitParagraphs(p).map((q) => q.text))
  const splitMs = performance.now() - started
  started = performance.now()
  for (const text of paragraphs) hashEmbedding(text)
  const embedMs = performance.now() - started
  return {
    paragraphs: paragraphs.length,
    averageChars: Math.round(paragraphs.reduce((n, t) => n + t.length, 0) / paragraphs.length),
    paragraphsPerSecond: Math.round((paragraphs.length / embedMs) * 1000),
    splitPagesPerSecond: Math.round((pages.length / splitMs) * 1000)
  }
}

const crawlOnce = (origin: string, embed: boolean) =>
  Effect.gen(function*() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mwi-bench-embed-"))
    const app = ServicesLive({ allowPrivateNetwork: true }).pipe(Layer.provideMerge(layerFor({ _tag: "Embedded", dataDir: dir })))
    const run = Effect.gen(function*() {
      const lands = yield* Lands
      const land = yield* lands.create({ name: "bench", terms: "climat" })
      yield* lands.addUrls(land, [`${origin}/p/0`])
      const options = Schema.decodeSync(CrawlOptions)({ delayMs: 0, depth: 50, minrel: 0, concurrency: 10, perHost: 10 })
      const started = performance.now()
      const result = yield* crawlWithEmbed(land.id, embed, (hooks) => crawlLand(land.id, options, hooks))
      return {
        ms: performance.now() - started,
        crawlMs: result.crawl.durationMs,
        fetched: result.crawl.fetched,
        vectors: result.embed?.vectors ?? 0
      }
    })
    return yield* Effect.provide(run, app).pipe(Effect.ensuring(Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))))
  })

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const ratio = (x: number) => Math.round(x * 1000) / 1000

/**
 * Plain and inline crawls in pairs, each pair's order swapped from the previous one's, so that a machine whose speed
 * drifts (it is shared) weighs on both alike; the ratio is taken pair by pair. `ms`: until the crawl and the embed job
 * beside it are both done; `crawlMs`: the crawl job's own duration.
 */
const inlineBench = Effect.gen(function*() {
  const site = yield* startFixtureServer()
  const pages = quick ? 150 : 400
  generatedSite(site, { pages, latencyMs: 20 })
  site.route("/robots.txt", (_q, res) => res.writeHead(404).end())
  // A first crawl warms the extraction threads and the code paths.
  yield* crawlOnce(site.origin, false)
  const pairs: Array<{ plain: { ms: number; crawlMs: number }; inline: { ms: number; crawlMs: number } }> = []
  let vectors = 0
  for (let i = 0; i < (quick ? 2 : PAIRS); i++) {
    const first = yield* crawlOnce(site.origin, i % 2 === 1)
    const second = yield* crawlOnce(site.origin, i % 2 === 0)
    const [plain, inline] = i % 2 === 0 ? [first, second] : [second, first]
    vectors = inline.vectors
    pairs.push({ plain, inline })
  }
  const ratios = pairs.map((p) => p.inline.ms / p.plain.ms)
  const crawlRatios = pairs.map((p) => p.inline.crawlMs / p.plain.crawlMs)
  return {
    pages,
    latencyMs: 20,
    vectors,
    pairs: pairs.length,
    plainMs: Math.round(median(pairs.map((p) => p.plain.ms))),
    inlineMs: Math.round(median(pairs.map((p) => p.inline.ms))),
    ratio: ratio(median(ratios)),
    ratioMin: ratio(Math.min(...ratios)),
    ratioMax: ratio(Math.max(...ratios)),
    crawlOnlyRatio: ratio(median(crawlRatios)),
    loadavg: os.loadavg().map((l) => +l.toFixed(1))
  }
}).pipe(Effect.scoped)

const main = Effect.gen(function*() {
  const hash = hashBench()
  console.log(`hash provider: ${hash.paragraphsPerSecond} paragraphs/s (${hash.paragraphs} paragraphs of ${hash.averageChars} chars on average); splitter ${hash.splitPagesPerSecond} pages/s`)
  const inline = yield* inlineBench
  console.log(`crawl of ${inline.pages} pages: ${inline.plainMs} ms, with --embed ${inline.inlineMs} ms (${inline.vectors} vectors): ratio ${inline.ratio} (${inline.ratioMin}–${inline.ratioMax} over ${inline.pairs} pairs; the crawl job alone ${inline.crawlOnlyRatio})`)
  fs.mkdirSync(path.join(here, "results"), { recursive: true })
  fs.writeFileSync(path.join(here, "results", "embed.json"), JSON.stringify({ cpus: os.cpus().length, quick, hash, inline }, null, 2) + "\n")
})

main.pipe(Logger.withMinimumLogLevel(LogLevel.Warning), Effect.runPromise).catch((e) => {
  console.error(e)
  process.exitCode = 1
})

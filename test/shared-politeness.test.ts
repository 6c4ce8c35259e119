import { assert, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { Lands } from "../src/services/Lands.js"
import { crawlLand } from "../src/streams/crawl.js"
import { CrawlOptions } from "../src/streams/crawl-options.js"
import { analyseLandMedia } from "../src/streams/media-analysis.js"
import { MediaOptions } from "../src/streams/media-options.js"
import { appOn } from "./support/app.js"
import { pgliteDatabase } from "./support/databases.js"
import { articlePage } from "./support/fixture-site.js"
import { scene } from "./support/images.js"
import { type StaticRoute, startWorkerSite } from "./support/worker-site.js"

const PAGES = 8
const DELAY_MS = 150

// Politeness is one layer per process: a crawl and a media job running at once on one host share its interval,
// as the host itself sees it (its own request log), not only as each job counts.
layer(appOn(pgliteDatabase, { fetcher: { timeoutMs: 5000, retries: 0 } }), { timeout: "120 seconds", excludeTestServices: true })(
  "politeness shared by the jobs of a process",
  (it) => {
    it.scoped("a crawl and a media job on the same host at once: no two requests closer than the interval", () =>
      Effect.gen(function*() {
        const png = yield* Effect.promise(() => scene(32, 24, 1).png().toBuffer())
        const routes: Record<string, StaticRoute> = {}
        for (let i = 0; i < PAGES; i++) {
          const links: Array<readonly [string, string]> = [[`/p/${(i + 1) % PAGES}`, "suite du climat"]]
          routes[`/p/${i}`] = {
            body: articlePage({ title: `Climat ${i}`, topic: "le climat", links, images: [`/img/${i}a.png`, `/img/${i}b.png`] })
          }
          for (const s of ["a", "b"]) routes[`/img/${i}${s}.png`] = { headers: { "content-type": "image/png" }, body: png }
        }
        // The site logs arrivals in a process of its own, so its times are not those of a busy crawler's event loop.
        const site = yield* startWorkerSite(routes)
        const lands = yield* Lands
        const crawl = (name: string) =>
          Effect.gen(function*() {
            const land = yield* lands.create({ name, terms: "climat" })
            yield* lands.addUrls(land, [site.url("/p/0")])
            return land
          })
        const options = Schema.decodeSync(CrawlOptions)({ delayMs: DELAY_MS, concurrency: 4, perHost: 1, minrel: 0, depth: PAGES })
        const first = yield* crawl("first")
        assert.strictEqual((yield* crawlLand(first.id, options)).fetched, PAGES)

        const second = yield* crawl("second")
        const from = (yield* site.log).length
        const [crawled, analysed] = yield* Effect.all([
          crawlLand(second.id, options),
          analyseLandMedia(first.id, Schema.decodeSync(MediaOptions)({ delayMs: DELAY_MS, concurrency: 4, perHost: 1 }))
        ], { concurrency: "unbounded" })
        assert.strictEqual(crawled.fetched, PAGES)
        assert.strictEqual(analysed.analysed, PAGES * 2)

        const seen = (yield* site.log).slice(from).filter((r) => r.path !== "/robots.txt")
        assert.strictEqual(seen.length, PAGES * 3)
        // Both jobs' requests interleave on the host…
        const kinds = seen.map((r) => r.path.startsWith("/img/") ? "media" : "page")
        assert.isAbove(kinds.slice(0, PAGES).filter((k) => k === "media").length, 0)
        assert.isAbove(kinds.slice(0, PAGES).filter((k) => k === "page").length, 0)
        // …and arrive the interval apart, not at once as two separate politenesses would send them (the interval counts
        // from when each request leaves).
        const at = seen.map((r) => r.at).sort((a, b) => a - b)
        const closest = Math.min(...at.slice(1).map((t, i) => t - at[i]!))
        // 20 ms: the site's process is woken late at times on a loaded machine (see polite-intervals.test.ts).
        assert.isAtLeast(closest, DELAY_MS - 20, `closest requests ${closest.toFixed(1)} ms apart`)
      }))
  }
)

import { assert, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { Lands } from "../src/services/Lands.js"
import { crawlLand } from "../src/streams/crawl.js"
import { CrawlOptions } from "../src/streams/crawl-options.js"
import { appOn } from "./support/app.js"
import { pgliteDatabase } from "./support/databases.js"
import { articlePage } from "./support/fixture-site.js"
import { type StaticRoute, startWorkerSite } from "./support/worker-site.js"

const SLOW_PAGES = 12
const OTHER_PAGES = 24

/** A host whose home page links to its pages, served after `latencyMs`. */
const host = (pages: number, extra: Record<string, StaticRoute> = {}) =>
  startWorkerSite({
    "/": { body: articlePage({ title: "Accueil", topic: "le climat", links: Array.from({ length: pages }, (_, i) => [`/p/${i}`, `climat ${i}`] as const) }), latencyMs: 50 },
    ...Object.fromEntries(Array.from({ length: pages }, (_, i) => [`/p/${i}`, { body: articlePage({ title: `P${i}`, topic: "le climat" }), latencyMs: 50 }])),
    ...extra
  })

// A crawl whose length is set by one host with a Crawl-delay: that host never waits for anything but its interval.
// A measurement more than a test (13 s of Crawl-delay, and the ratio depends on the machine's load): run with
// MWI_SLOW_HOST=1.
layer(appOn(pgliteDatabase, { fetcher: { timeoutMs: 5000, retries: 0 } }), { timeout: "120 seconds", excludeTestServices: true })(
  "the slowest host sets the pace",
  (it) => {
    it.scoped.skipIf(!process.env["MWI_SLOW_HOST"])("a Crawl-delay host keeps its pace while its next pages are known: >= 0.95 of the politeness bound", () =>
      Effect.gen(function*() {
        const slow = yield* host(SLOW_PAGES, {
          "/robots.txt": { body: "User-agent: *\nCrawl-delay: 1\n", headers: { "content-type": "text/plain" } }
        })
        // Enough work on the other hosts to keep the job's queue more than half full for a while.
        const others = yield* Effect.all(Array.from({ length: 6 }, () => host(OTHER_PAGES)))
        const lands = yield* Lands
        const land = yield* lands.create({ name: "slow", terms: "climat" })
        const pages = (site: typeof slow, n: number) => Array.from({ length: n }, (_, i) => site.url(`/p/${i}`))
        // Every page is known from the start: the slow host waits for nothing but its interval.
        yield* lands.addUrls(land, [...pages(slow, SLOW_PAGES), ...others.flatMap((o) => pages(o, OTHER_PAGES))])
        const options = Schema.decodeSync(CrawlOptions)({ delayMs: 200, concurrency: 10, minrel: 0, depth: 0 })
        const summary = yield* crawlLand(land.id, options)
        const at = (yield* slow.log).map((r) => r.at).sort((a, b) => a - b)
        // robots.txt and the pages: each a Crawl-delay after the one before at best
        assert.lengthOf(at, 1 + SLOW_PAGES)
        const bound = (at.length - 1) * 1000
        const ratio = bound / (at.at(-1)! - at[0]!)
        console.log(`slow host starts (ms): ${at.map((t) => Math.round(t - at[0]!)).join(" ")}`)
        console.log(`slow host: ${at.length} requests, span ${Math.round(at.at(-1)! - at[0]!)} ms, bound ${bound} ms, ratio ${ratio.toFixed(3)}`)
        assert.strictEqual(summary.fetched, SLOW_PAGES + 6 * OTHER_PAGES)
        assert.isAtLeast(ratio, 0.95)
      }), 300_000)
  }
)

import { HttpClient, HttpClientResponse } from "@effect/platform"
import { assert, layer } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import { CrawlerHttpClient } from "../src/services/CrawlerHttpClient.js"
import { Lands } from "../src/services/Lands.js"
import { Robots } from "../src/services/Robots.js"
import { crawlLand } from "../src/streams/crawl.js"
import { CrawlOptions } from "../src/streams/crawl-options.js"
import { appOn } from "./support/app.js"
import { pgliteDatabase } from "./support/databases.js"
import { articlePage } from "./support/fixture-site.js"

// The network is a layer like any other: a site answered from memory (no socket, no network guard involved), no
// robots.txt policy. The crawl, the extraction threads and the database are the real ones.
const pages: Record<string, string> = {
  "/": articlePage({ title: "Le climat", topic: "le climat", links: [["/a", "page a"], ["/b", "page b"]] }),
  "/a": articlePage({ title: "Climat A", topic: "le climat", links: [["/", "accueil"]] }),
  "/b": articlePage({ title: "Cuisine", topic: "la cuisine", links: [] })
}
const requested: Array<string> = []
const inMemory = HttpClient.make((request) =>
  Effect.sync(() => {
    const url = new URL(request.url)
    requested.push(url.pathname)
    const html = pages[url.pathname]
    return HttpClientResponse.fromWeb(
      request,
      new Response(html ?? "not here", { status: html === undefined ? 404 : 200, headers: { "content-type": "text/html" } })
    )
  }))

const App = appOn(pgliteDatabase, {
  allowPrivateNetwork: false,
  httpClient: Layer.succeed(CrawlerHttpClient, inMemory),
  robots: Robots.allowAll
})

layer(App, { timeout: "60 seconds", excludeTestServices: true })("a crawl over layers a program provides", (it) => {
  it.scoped("crawls a site served by an in-memory HTTP client, without robots.txt", () =>
    Effect.gen(function*() {
      const lands = yield* Lands
      const land = yield* lands.create({ name: "memory", terms: "climat" })
      yield* lands.addUrls(land, ["https://memory.example/"])
      const summary = yield* crawlLand(land.id, Schema.decodeSync(CrawlOptions)({ delayMs: 0, minrel: 0 }))
      assert.deepInclude(summary, { status: "completed", fetched: 3, failed: 0, skipped: 0 })
      assert.deepStrictEqual([...requested].sort(), ["/", "/a", "/b"])
    }))
})

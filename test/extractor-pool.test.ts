import { assert, describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { readFileSync } from "node:fs"
import { ExtractorPool } from "../src/services/ExtractorPool.js"
import { compileDictionary, type DictionarySource, storedRelevance } from "../src/domain/relevance.js"
import { extract } from "../src/services/extractor/extract.js"
import { splitParagraphs } from "../src/domain/paragraphs.js"
import { hashEmbedding } from "../src/services/embeddings/hash.js"
import { decodeVector } from "../src/domain/vector.js"
import { vectorBytesAt } from "../src/services/embeddings/page.js"
import { EMPTY } from "./support/extraction.js"

const news = readFileSync(new URL("./fixtures/extractor/news-article.html", import.meta.url), "utf8")
const NEWS_URL = "https://www.lequotidien.example/societe/2024/03/05/les-robots-des-chercheurs"

// A worker speaking the extractor's protocol that misbehaves on request, as a real extraction could on a
// pathological page: it hangs, throws, exits or answers something that is not an Extraction.
const misbehaving = new URL("data:text/javascript," + encodeURIComponent(`
  import { parentPort } from "node:worker_threads"
  parentPort.on("message", ({ url }) => {
    if (url.includes("hang")) for (;;) {}
    if (url.includes("throw")) throw new Error("boom on " + url)
    if (url.includes("exit")) process.exit(3)
    if (url.includes("garbage")) return parentPort.postMessage({ _tag: "Extracted", extraction: { title: 42 } })
    if (url.includes("refuse")) return parentPort.postMessage({ _tag: "Failed", reason: "refused" })
    parentPort.postMessage({ _tag: "Extracted", extraction: { ...${JSON.stringify(EMPTY)}, title: url } })
  })
`))

const withPool = <A, E>(settings: Parameters<typeof ExtractorPool.layer>[0], f: (pool: ExtractorPool["Type"]) => Effect.Effect<A, E>) =>
  Effect.flatMap(ExtractorPool, f).pipe(Effect.provide(ExtractorPool.layer(settings)))

const failure = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.map(Effect.exit(effect), (exit) => {
    assert.isTrue(Exit.isFailure(exit))
    return Exit.isFailure(exit) ? String((exit.cause as unknown as { error?: { message?: string } }).error?.message) : ""
  })

describe("ExtractorPool", () => {
  it.live("a worker thread extracts exactly what extract does on the main thread", () =>
    withPool({ workers: 2 }, (pool) =>
      Effect.gen(function*() {
        const expected = extract(NEWS_URL, news, { links: "content" })
        const results = yield* Effect.forEach(
          Array.from({ length: 6 }, () => NEWS_URL),
          (url) => pool.extract(url, news, { links: "content" }),
          { concurrency: 6 }
        )
        for (const r of results) expect(r).toEqual(expected)
        expect(yield* pool.extract(NEWS_URL, news, { links: "all" })).toEqual(extract(NEWS_URL, news, { links: "all" }))
      })), 60_000)

  it.live("a worker thread scores the page with the dictionary it is sent, as on the main thread", () =>
    withPool({ workers: 2 }, (pool) =>
      Effect.gen(function*() {
        const robots: DictionarySource = { terms: [{ term: "robot", weight: 1 }, { term: "chercheur", weight: 2 }], langs: ["fr"] }
        const climate: DictionarySource = { terms: [{ term: "climat", weight: 1 }], langs: ["fr"] }
        const expected = extract(NEWS_URL, news, { links: "content" })
        const score = (source: DictionarySource) =>
          storedRelevance(compileDictionary(source.terms, source.langs), {
            title: expected.title,
            markdown: expected.readableMarkdown,
            lang: expected.lang
          })
        assert.isAbove(score(robots), 10)
        // Two dictionaries in turn on the same threads: each page is scored with its own.
        const results = yield* Effect.forEach(
          [robots, climate, robots, climate],
          (source) => pool.extractScored(NEWS_URL, news, { links: "content" }, source),
          { concurrency: 4 }
        )
        expect(results.map((r) => r.relevance)).toEqual([score(robots), score(climate), score(robots), score(climate)])
        for (const r of results) expect(r.extraction).toEqual(expected)
        expect(results.map((r) => r.embedded)).toEqual([null, null, null, null])
        // For crawl --embed: the page's paragraphs and hash vectors, as the embed job makes them from the stored text.
        const embedded = (yield* pool.extractScored(NEWS_URL, news, { links: "content" }, climate, { language: "de" })).embedded!
        const paragraphs = splitParagraphs(expected.readableMarkdown)
        assert.isAbove(paragraphs.length, 2)
        expect(embedded.paragraphs).toEqual(paragraphs.map((p) => ({ ...p, language: expected.lang ?? "de" })))
        paragraphs.forEach((p, i) => expect(decodeVector(vectorBytesAt(embedded, i))).toEqual(hashEmbedding(p.text)))
      })), 60_000)

  it.live("a hanging, crashing or exiting worker fails its page with the reason and is replaced", () =>
    withPool({ workers: 1, timeoutMs: 500, entry: misbehaving }, (pool) =>
      Effect.gen(function*() {
        const page = (url: string) => pool.extract(url, "<p>x</p>", { links: "content" })
        expect(yield* failure(page("https://a.example/hang"))).toBe(
          "extraction of https://a.example/hang failed: no result after 500 ms"
        )
        expect((yield* page("https://a.example/1")).title).toBe("https://a.example/1")
        expect(yield* failure(page("https://a.example/throw"))).toBe(
          "extraction of https://a.example/throw failed: worker crashed: boom on https://a.example/throw"
        )
        expect((yield* page("https://a.example/2")).title).toBe("https://a.example/2")
        expect(yield* failure(page("https://a.example/exit"))).toBe(
          "extraction of https://a.example/exit failed: worker exited with code 3"
        )
        expect(yield* failure(page("https://a.example/garbage"))).toMatch(/^extraction of https:\/\/a\.example\/garbage failed: invalid result: /)
        expect(yield* failure(page("https://a.example/refuse"))).toBe("extraction of https://a.example/refuse failed: refused")
        // Asked for a score, a worker answering without one gave no valid result either.
        const scored = pool.extractScored("https://a.example/4", "<p>x</p>", { links: "content" }, { terms: [], langs: [] })
        expect(yield* failure(scored)).toMatch(/^extraction of https:\/\/a\.example\/4 failed: invalid result: .*relevance/s)
        expect((yield* page("https://a.example/3")).title).toBe("https://a.example/3")
      })), 30_000)

  it.live("under concurrency every page gets its own result or its own failure, none is lost", () =>
    withPool({ workers: 2, timeoutMs: 1000, entry: misbehaving }, (pool) =>
      Effect.gen(function*() {
        const urls = Array.from({ length: 40 }, (_, i) =>
          `https://a.example/${i % 10 === 3 ? "hang" : i % 10 === 7 ? "throw" : "ok"}/${i}`)
        const results = yield* Effect.forEach(urls, (url) =>
          pool.extract(url, "<p>x</p>", { links: "content" }).pipe(
            Effect.map((x) => x.title),
            Effect.catchTag("ExtractionFailed", (e) => Effect.succeed(`failed ${e.url}`))
          ), { concurrency: 10 })
        expect(results).toEqual(urls.map((u) => u.includes("/ok/") ? u : `failed ${u}`))
      })), 60_000)

  it.live("an interrupted caller's page does not answer the next caller", () =>
    withPool({ workers: 1, timeoutMs: 5000, entry: misbehaving }, (pool) =>
      Effect.gen(function*() {
        const interrupted = yield* pool.extract("https://a.example/hang", "", { links: "content" }).pipe(
          Effect.timeout("300 millis"),
          Effect.exit
        )
        assert.isTrue(Exit.isFailure(interrupted))
        expect((yield* pool.extract("https://a.example/next", "", { links: "content" })).title).toBe("https://a.example/next")
      })), 30_000)
})

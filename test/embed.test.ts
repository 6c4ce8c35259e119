import { SqlClient } from "@effect/sql"
import { expect } from "@effect/vitest"
import { Chunk, ConfigProvider, Effect, Fiber, Queue, Schema } from "effect"
import type { ServerResponse } from "node:http"
import type { LandId } from "../src/domain/ids.js"
import { decodeVector } from "../src/domain/vector.js"
import { InlineEmbedding } from "../src/services/InlineEmbedding.js"
import { JobRepo } from "../src/services/JobRepo.js"
import { ParagraphStore } from "../src/services/ParagraphStore.js"
import { Lands } from "../src/services/Lands.js"
import { crawlLand } from "../src/streams/crawl.js"
import { CrawlOptions } from "../src/streams/crawl-options.js"
import { EmbedOptions } from "../src/streams/embed-options.js"
import type { JobHooks } from "../src/streams/job-run.js"
import { crawlWithEmbed, embedLand } from "../src/streams/embedding.js"
import { readableLand } from "../src/streams/readable.js"
import { ReadableOptions } from "../src/streams/readable-options.js"
import { appOn } from "./support/app.js"
import { onBothDatabases } from "./support/databases.js"
import { type FixtureServer, startFixtureServer } from "./support/fixture-server.js"
import { articlePage, sendHtml } from "./support/fixture-site.js"

const fetcher = { timeoutMs: 3000, retries: 0, backoffBaseMs: 10 }
const HASH_KEY = "hash/ngrams-v1/512"
const embedOptions = (o: typeof EmbedOptions.Encoded = {}) => Schema.decodeSync(EmbedOptions)(o)
const crawlOptions = (o: typeof CrawlOptions.Encoded = {}) => Schema.decodeSync(CrawlOptions)({ delayMs: 0, depth: 1, minrel: 0, ...o })
const TOPICS = ["le climat", "les océans", "la forêt", "les glaciers", "les villes"]

/** A home page linking to four articles, each on its own topic. */
const articles = Effect.gen(function*() {
  const site = yield* startFixtureServer()
  site.route("/robots.txt", (_q, res) => res.writeHead(404).end())
  site.route("/", (_q, res) =>
    sendHtml(res, articlePage({ title: "Accueil", topic: TOPICS[0]!, links: [1, 2, 3, 4].map((i) => [`/a${i}`, `article ${i}`] as const) })))
  for (const i of [1, 2, 3, 4]) site.route(`/a${i}`, (_q, res) => sendHtml(res, articlePage({ title: `Article ${i}`, topic: TOPICS[i]! })))
  return site
})

/** A land whose frontier holds the site's home page. */
const seeded = (name: string, site: FixtureServer) =>
  Effect.gen(function*() {
    const lands = yield* Lands
    const land = yield* lands.create({ name, terms: "climat" })
    yield* lands.addUrls(land, [site.url("/")])
    return land
  })

const crawled = (name: string, site: FixtureServer) =>
  Effect.gen(function*() {
    const land = yield* seeded(name, site)
    yield* crawlLand(land.id, crawlOptions())
    return land.id
  })

const stored = (landId: LandId) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ url: string; paragraphId: number; model: string | null; vector: Uint8Array | null; createdAt: Date | null; language: string | null }>`
      SELECT e.url, p.id AS paragraph_id, v.model, v.vector, v.created_at, p.language
      FROM expressions e JOIN paragraphs p ON p.expression_id = e.id LEFT JOIN embeddings v ON v.paragraph_id = p.id
      WHERE e.land_id = ${landId} ORDER BY p.id`)

/**
 * A server speaking OpenAI's embeddings API that answers `answering` requests, then holds the others until released
 * (or, `rejecting`, answers them 401 as to a revoked key); `received` lists the texts of each request as it arrives.
 */
const heldOpenAi = (answering: number, rejecting = false) =>
  Effect.gen(function*() {
    const server = yield* startFixtureServer()
    const held: Array<() => void> = []
    const state = { answering, received: [] as Array<ReadonlyArray<string>> }
    server.route("/v1/embeddings", (req, res: ServerResponse) => {
      let raw = ""
      req.on("data", (c: Buffer) => (raw += c.toString()))
      req.on("end", () => {
        const input: Array<string> = JSON.parse(raw).input
        state.received.push(input)
        const answer = () => {
          const data = input.map((text, index) => ({
            index,
            embedding: Buffer.from(Float32Array.from([text.length, 1, 2, 3]).buffer).toString("base64")
          }))
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ object: "list", data, model: "m" }))
        }
        if (state.answering-- > 0) answer()
        else if (rejecting) res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "revoked" } }))
        else held.push(answer)
      })
    })
    const release = () => {
      state.answering = Infinity
      for (const answer of held.splice(0)) answer()
    }
    return { url: server.url("/v1"), state, release }
  })

onBothDatabases("embed job", (db) => appOn(db, { fetcher }), (it) => {
  it.scoped("splits and embeds a land's pages once; a page whose text changed gets new paragraphs and vectors", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const landId = yield* crawled("embed", yield* articles)
      const first = yield* embedLand(landId, embedOptions())
      expect(first).toMatchObject({ status: "completed", model: HASH_KEY, pages: 5, empty: 0, pending: 0 })
      expect(first.vectors).toBe(first.paragraphs)
      const rows = yield* stored(landId)
      expect(rows.length).toBe(first.paragraphs)
      expect(rows.every((r) => r.model === HASH_KEY && r.vector !== null && decodeVector(r.vector).length === 512 && r.language !== null)).toBe(true)
      expect((yield* sql<{ m: string }>`SELECT embedding_model AS m FROM lands WHERE id = ${landId}`)[0]!.m).toBe(HASH_KEY)

      const again = yield* embedLand(landId, embedOptions())
      expect(again).toMatchObject({ status: "completed", pages: 0, paragraphs: 0, vectors: 0, pending: 0 })

      const changed = rows.find((r) => r.url.endsWith("/a2"))!.url
      yield* sql`UPDATE expressions SET readable = readable || ${"\n\nA closing paragraph added later, long enough to be one of the page's own paragraphs."}
        WHERE land_id = ${landId} AND url = ${changed}`
      const third = yield* embedLand(landId, embedOptions())
      const after = yield* stored(landId)
      expect(third).toMatchObject({ pages: 1, pending: 0 })
      // Only the paragraph added is embedded: the page's others keep their vectors, their text being the same.
      expect(third.vectors).toBe(1)
      const hex = (rs: typeof rows) => rs.filter((r) => r.url === changed).map((r) => Buffer.from(r.vector!).toString("hex"))
      expect(hex(after)).toHaveLength(hex(rows).length + 1)
      expect(hex(after)).toEqual(expect.arrayContaining(hex(rows)))
      // The other pages kept their paragraphs and vectors as they were.
      const others = (rs: typeof rows) => rs.filter((r) => r.url !== changed).map((r) => [r.paragraphId, r.createdAt?.valueOf()])
      expect(others(after)).toEqual(others(rows))
    }))

  it.scoped("a page split again keeps the rows of the paragraphs whose text is the same to the character, with their vectors and pairs", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const landId = yield* crawled("kept", yield* articles)
      yield* embedLand(landId, embedOptions())
      const rows = yield* stored(landId)
      const of = (rs: typeof rows, page: string) => rs.filter((r) => r.url.endsWith(`/${page}`))
      const pair = (a: number, b: number) => sql`INSERT INTO similarities (source_paragraph_id, target_paragraph_id, method, score) VALUES (${a}, ${b}, 'exact', 1)`
      const a1 = of(rows, "a1")[0]!.paragraphId
      yield* pair(a1, of(rows, "a3")[0]!.paragraphId)
      yield* pair(a1, of(rows, "a4")[0]!.paragraphId)
      const edit = (page: string, text: ReturnType<typeof sql.literal>) =>
        sql`UPDATE expressions SET readable = ${text} WHERE land_id = ${landId} AND url LIKE ${`%/${page}`}`
      // a3 in capitals: every paragraph changed (the hash provider folds case, an API model does not); a4 with a rule
      // added, which is no paragraph: none changed.
      yield* edit("a3", sql.literal("upper(readable)"))
      yield* edit("a4", sql.literal("readable || E'\\n\\n---'"))
      const job = yield* embedLand(landId, embedOptions())
      expect(job).toMatchObject({ pages: 2, empty: 0, pending: 0 })
      expect(job.vectors).toBe(of(rows, "a3").length)
      const after = yield* stored(landId)
      expect(of(after, "a4").map((r) => [r.paragraphId, r.vector])).toEqual(of(rows, "a4").map((r) => [r.paragraphId, r.vector]))
      expect(of(after, "a3").some((r) => of(rows, "a3").some((b) => b.paragraphId === r.paragraphId))).toBe(false)
      const pairs = yield* sql<{ t: number }>`SELECT target_paragraph_id AS t FROM similarities WHERE source_paragraph_id = ${a1}`
      expect(pairs.map((p) => p.t)).toEqual([of(rows, "a4")[0]!.paragraphId])
    }))

  it.scoped("filters by relevance and limit, and refuses an unknown model of the hash provider", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const landId = yield* crawled("filtered", yield* articles)
      yield* sql`UPDATE expressions SET relevance = CASE WHEN url LIKE '%/a1' THEN 5 ELSE 0 END WHERE land_id = ${landId}`
      expect(yield* embedLand(landId, embedOptions({ minrel: 1 }))).toMatchObject({ pages: 1, pending: 0 })
      expect(yield* embedLand(landId, embedOptions({ limit: 2 }))).toMatchObject({ pages: 2, pending: 2 })
      const error = yield* Effect.flip(embedLand(landId, embedOptions({ model: "bert" })))
      expect(error.message).toBe("invalid model: the hash provider has one model, ngrams-v1")
    }))

  it.scoped("the land searches with the model that covers it; a job naming no model takes the land's", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const landId = yield* crawled("models", yield* articles)
      const landModel = Effect.map(sql<{ m: string | null }>`SELECT embedding_model AS m FROM lands WHERE id = ${landId}`, (rows) => rows[0]!.m)
      const vectorsOf = (model: string) => Effect.map(sql<{ n: number }>`
        SELECT count(*)::int AS n FROM embeddings v JOIN paragraphs p ON p.id = v.paragraph_id
        JOIN expressions e ON e.id = p.expression_id WHERE e.land_id = ${landId} AND v.model = ${model}`, (rows) => rows[0]!.n)
      const openAi = (server: { url: string }) =>
        ConfigProvider.fromMap(new Map([["OPENAI_API_KEY", "sk-test"], ["OPENAI_BASE_URL", server.url], ["MWI_EMBED_BATCH_SIZE", "4"]]))
      const options = embedOptions({ provider: "openai", model: "m" })
      const revoked = yield* heldOpenAi(1, true)
      const failing = Effect.flip(embedLand(landId, options).pipe(Effect.withConfigProvider(openAi(revoked))))

      // The land's first job fails (the key revoked after the dimension probe) having stored nothing: it has no model
      // then, and the next job naming none takes the default (hash).
      expect((yield* failing).message).toContain("401")
      expect(yield* landModel).toBeNull()
      yield* embedLand(landId, embedOptions())
      expect(yield* landModel).toBe(HASH_KEY)

      // A job of another model that fails, or is stopped with some of its vectors stored: the land keeps its own.
      expect((yield* failing).message).toContain("401")
      expect(yield* landModel).toBe(HASH_KEY)
      // (The probe and the two requests of the first page: its five paragraphs in batches of four.)
      const held = yield* heldOpenAi(3)
      const stopped = yield* Effect.fork(embedLand(landId, options).pipe(Effect.withConfigProvider(openAi(held))))
      while ((yield* vectorsOf("openai/m/4")) === 0) yield* Effect.sleep("20 millis")
      yield* Fiber.interrupt(stopped)
      expect(yield* landModel).toBe(HASH_KEY)

      // A job over part of the land leaves it too; a job naming no model embeds with the land's (nothing left to do).
      const server = yield* heldOpenAi(Infinity)
      expect(yield* embedLand(landId, embedOptions({ provider: "openai", model: "m", limit: 1 })).pipe(Effect.withConfigProvider(openAi(server))))
        .toMatchObject({ status: "completed", model: "openai/m/4" })
      expect(yield* landModel).toBe(HASH_KEY)
      expect(yield* embedLand(landId, embedOptions()).pipe(Effect.withConfigProvider(openAi(server))))
        .toMatchObject({ model: HASH_KEY, vectors: 0 })

      // Once the other model covers the land, the land searches with it, and a job naming no model keeps to it.
      expect(yield* embedLand(landId, options).pipe(Effect.withConfigProvider(openAi(server)))).toMatchObject({ pending: 0 })
      expect(yield* vectorsOf("openai/m/4")).toBe(yield* vectorsOf(HASH_KEY))
      expect(yield* landModel).toBe("openai/m/4")
      expect(yield* embedLand(landId, embedOptions()).pipe(Effect.withConfigProvider(openAi(server))))
        .toMatchObject({ model: "openai/m/4", vectors: 0 })
    }))

  it.scoped("re-extraction splits a page's new text at once, keeping the vectors of the paragraphs it did not change", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const landId = yield* crawled("reextracted", yield* articles)
      const textOf = (page: string) =>
        Effect.map(sql<{ readable: string }>`SELECT readable FROM expressions WHERE land_id = ${landId} AND url LIKE ${`%/${page}`}`,
          (rows) => rows[0]!.readable)
      const a3 = yield* textOf("a3")
      // Texts that are not what the stored HTML gives now (an older extractor's, say): a3 with a stray paragraph, a4
      // wholly wrong, a2 wrong and never split (a page without paragraphs gets none from re-extraction).
      const wrong = "An older extraction of the page, long enough to be a paragraph of its own, but wrong."
      yield* sql`UPDATE expressions SET readable = ${`${wrong}\n\n${a3}`} WHERE land_id = ${landId} AND url LIKE '%/a3'`
      yield* sql`UPDATE expressions SET readable = ${wrong} WHERE land_id = ${landId} AND url LIKE '%/a4'`
      yield* embedLand(landId, embedOptions())
      yield* sql`UPDATE expressions SET readable = ${wrong}, paragraphs_hash = NULL WHERE land_id = ${landId} AND url LIKE '%/a2'`
      yield* sql`DELETE FROM paragraphs p USING expressions e WHERE e.id = p.expression_id AND e.url LIKE '%/a2' AND e.land_id = ${landId}`
      const paragraphsOf = (page: string) =>
        sql<{ text: string; vector: Uint8Array | null; current: boolean }>`
          SELECT p.text, v.vector, e.paragraphs_hash = e.readable_hash AS current
          FROM expressions e JOIN paragraphs p ON p.expression_id = e.id LEFT JOIN embeddings v ON v.paragraph_id = p.id
          WHERE e.land_id = ${landId} AND e.url LIKE ${`%/${page}`} ORDER BY p.position`
      const before = yield* paragraphsOf("a3")
      expect(before[0]!.text).toBe(wrong)

      const readable = yield* readableLand(landId, Schema.decodeSync(ReadableOptions)({ archive: false, delayMs: 0, merge: "mercury_priority" }))
      expect(readable).toMatchObject({ updated: 3, unchanged: 2 })
      expect(yield* textOf("a3")).toBe(a3)
      const after = yield* paragraphsOf("a3")
      // The stray paragraph is gone; the others kept their vectors, to the byte.
      expect(after.map((p) => p.text)).toEqual(before.slice(1).map((p) => p.text))
      expect(after.map((p) => p.vector)).toEqual(before.slice(1).map((p) => p.vector))
      expect(after.every((p) => p.current)).toBe(true)
      const a4 = yield* paragraphsOf("a4")
      expect(a4.length).toBeGreaterThan(1)
      expect(a4.every((p) => p.current && p.vector === null && p.text !== wrong)).toBe(true)
      expect(yield* paragraphsOf("a2")).toHaveLength(0)

      // The next job embeds a4's new paragraphs and splits a2; a3 costs nothing.
      const next = yield* embedLand(landId, embedOptions())
      expect(next).toMatchObject({ pages: 2, pending: 0 })
      expect(next.vectors).toBe(a4.length + (yield* paragraphsOf("a2")).length)
      expect((yield* stored(landId)).every((r) => r.model === HASH_KEY)).toBe(true)
    }))

  it.scoped("a job interrupted part-way resumes without embedding again what it stored", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const landId = yield* crawled("resumed", yield* articles)
      const server = yield* heldOpenAi(2)
      const env = ConfigProvider.fromMap(new Map([["OPENAI_API_KEY", "sk-test"], ["OPENAI_BASE_URL", server.url], ["MWI_EMBED_BATCH_SIZE", "8"]]))
      const options = embedOptions({ provider: "openai", model: "m" })
      let jobId = 0
      const fiber = yield* Effect.fork(embedLand(landId, options, { onJob: (job) => Effect.sync(() => void (jobId = job.id)) }).pipe(
        Effect.withConfigProvider(env)
      ))
      // The dimension probe, then one request (a page's paragraphs) answered and stored; the next ones are held.
      const vectors = Effect.map(sql<{ n: number }>`
        SELECT count(*)::int AS n FROM embeddings v JOIN paragraphs p ON p.id = v.paragraph_id
        JOIN expressions e ON e.id = p.expression_id WHERE e.land_id = ${landId}`, (rows) => rows[0]!.n)
      while ((yield* vectors) === 0) yield* Effect.sleep("20 millis")
      yield* Fiber.interrupt(fiber)
      expect((yield* (yield* JobRepo).get(jobId as never)).status).toBe("interrupted")
      const storedBefore = yield* vectors
      const embeddedBefore = (yield* stored(landId)).filter((r) => r.model !== null).map((r) => r.paragraphId)
      const textsBefore = new Set((yield* sql<{ text: string }>`SELECT text FROM paragraphs WHERE id = ANY(${embeddedBefore}::int[])`).map((r) => r.text))
      server.release()
      const requestsBefore = server.state.received.length
      const resumed = yield* embedLand(landId, options, { resumeJobId: jobId as never }).pipe(Effect.withConfigProvider(env))
      expect(resumed).toMatchObject({ jobId, status: "completed", pending: 0, model: "openai/m/4" })
      const total = (yield* stored(landId)).length
      expect(resumed.vectors).toBe(total - storedBefore)
      // No text whose vector was stored is sent again (a request the interrupted job had under way may still arrive).
      expect(server.state.received.slice(requestsBefore).flat().filter((t) => textsBefore.has(t))).toEqual([])
      expect(storedBefore).toBeGreaterThan(0)
      expect(total - storedBefore).toBeGreaterThan(0)
    }))

  it.scoped("crawl with embed: the pages are embedded as they are stored, in a job beside the crawl's", () =>
    Effect.gen(function*() {
      const land = yield* seeded("inline", yield* articles)
      const jobs: Array<number> = []
      const { crawl, embed } = yield* crawlWithEmbed(land.id, true, (hooks) => crawlLand(land.id, crawlOptions(), hooks), {
        onJob: (job) => Effect.sync(() => void jobs.push(job.id))
      })
      expect(crawl).toMatchObject({ status: "completed", fetched: 5 })
      expect(embed).toMatchObject({ status: "completed", pages: 5, pending: 0 })
      expect(jobs).toEqual([crawl.jobId, embed!.jobId])
      expect((yield* stored(land.id)).every((r) => r.model === HASH_KEY)).toBe(true)
    }))

  it.scoped("crawl with embed whose key is rejected part-way: the crawl's result is answered, with the embedding's failure", () =>
    Effect.gen(function*() {
      const land = yield* seeded("rejected", yield* articles)
      // (The default model's dimension is known: no probe, the first request of the pages is refused.)
      const revoked = yield* heldOpenAi(0, true)
      const env = ConfigProvider.fromMap(new Map([
        ["OPENAI_API_KEY", "sk-test"], ["OPENAI_BASE_URL", revoked.url], ["MWI_EMBED_PROVIDER", "openai"]
      ]))
      const run = yield* crawlWithEmbed(land.id, true, (hooks) => crawlLand(land.id, crawlOptions(), hooks)).pipe(
        Effect.withConfigProvider(env)
      )
      expect(run.crawl).toMatchObject({ status: "completed", fetched: 5 })
      expect(run.embed).toBeNull()
      expect(run.embedFailure?.message).toContain("rejected the API key (HTTP 401)")
    }))

  it.scoped("crawl with embed (hash) killed part-way: each stored page holds its paragraphs and vectors; resumed, none is lost or doubled", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const site = yield* articles
      // The last article answers once released: the crawl is killed with the other pages stored.
      const held: Array<() => void> = []
      let released = false
      site.route("/a4", (_q, res) => {
        const answer = () => sendHtml(res, articlePage({ title: "Article 4", topic: TOPICS[4]! }))
        released ? answer() : held.push(answer)
      })
      const land = yield* seeded("killed", site)
      const jobs: Array<number> = []
      const run = (hooks: JobHooks) => crawlWithEmbed(land.id, true, (h) => crawlLand(land.id, crawlOptions(), h), hooks)
      const fiber = yield* Effect.fork(run({ onJob: (job) => Effect.sync(() => void jobs.push(job.id)) }))
      const counts = Effect.map(sql<{ pages: number; paragraphs: number; vectors: number; current: number }>`
        SELECT count(DISTINCT e.id)::int AS pages, count(DISTINCT p.id)::int AS paragraphs, count(v.paragraph_id)::int AS vectors,
               count(DISTINCT e.id) FILTER (WHERE e.paragraphs_hash = e.readable_hash)::int AS current
        FROM expressions e JOIN paragraphs p ON p.expression_id = e.id LEFT JOIN embeddings v ON v.paragraph_id = p.id
        WHERE e.land_id = ${land.id}`, (rows) => rows[0]!)
      while ((yield* counts).pages < 4) yield* Effect.sleep("20 millis")
      yield* Fiber.interrupt(fiber)
      const killed = yield* counts
      expect(killed).toMatchObject({ pages: 4, current: 4, vectors: killed.paragraphs })

      released = true
      for (const answer of held.splice(0)) answer()
      const { crawl, embed } = yield* run({ resumeJobId: jobs[0] as never })
      // The resumed job counts the pages of both runs.
      expect(crawl).toMatchObject({ jobId: jobs[0], status: "completed", fetched: 5 })
      expect(embed).toMatchObject({ status: "completed", pages: 1, pending: 0 })
      const resumed = yield* counts
      expect(resumed).toMatchObject({ pages: 5, current: 5, vectors: resumed.paragraphs })
      expect(resumed.paragraphs - killed.paragraphs).toBe(embed!.vectors)
    }))

  it.scoped("crawl with embed (hash): the crawl's threads make the paragraphs and vectors the job makes from the stored text", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const site = yield* articles
      const land = yield* seeded("threads", site)
      // What crawlWithEmbed does with the hash provider: the land followed, so the crawl writes the pages' paragraphs
      // and vectors as it stores them, and reports them.
      const followed = yield* (yield* InlineEmbedding).follow(land.id)
      yield* crawlLand(land.id, crawlOptions())
      const written = Chunk.toReadonlyArray(yield* Queue.takeAll(followed))
      expect(written.reduce((n, w) => n + w.pages, 0)).toBe(5)
      // Nothing left to embed: the pages' paragraphs are from their stored text, each with its vector.
      expect(yield* (yield* ParagraphStore).pendingCount({ landId: land.id, minRelevance: null, model: HASH_KEY })).toBe(0)
      expect(yield* embedLand(land.id, embedOptions())).toMatchObject({ pages: 0, vectors: 0, pending: 0 })

      const byJob = yield* crawled("job", site)
      yield* embedLand(byJob, embedOptions())
      const contents = (landId: LandId) =>
        sql<{ path: string; position: number; text: string; textHash: string; wordCount: number; language: string | null; vector: Uint8Array }>`
          SELECT substring(e.url from '//[^/]+(.*)$') AS path, p.position, p.text, p.text_hash, p.word_count, p.language, v.vector
          FROM expressions e JOIN paragraphs p ON p.expression_id = e.id JOIN embeddings v ON v.paragraph_id = p.id
          WHERE e.land_id = ${landId} AND v.model = ${HASH_KEY} ORDER BY 1, 2`.pipe(
          Effect.map((rows) => rows.map((r) => ({ ...r, vector: Array.from(decodeVector(r.vector)) })))
        )
      const inline = yield* contents(land.id)
      expect(inline.length).toBeGreaterThan(5)
      expect(inline).toEqual(yield* contents(byJob))
    }))
})

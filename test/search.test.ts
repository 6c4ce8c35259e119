import { SqlClient } from "@effect/sql"
import { expect } from "@effect/vitest"
import { parse } from "csv-parse/sync"
import { Deferred, Effect, Fiber, Schema } from "effect"
import { hashEmbedder } from "../src/services/embeddings/hash.js"
import { Lands } from "../src/services/Lands.js"
import { Pseudolinks } from "../src/services/Pseudolinks.js"
import { crawlLand } from "../src/streams/crawl.js"
import { CrawlOptions } from "../src/streams/crawl-options.js"
import { EmbedOptions } from "../src/streams/embed-options.js"
import { embedLand } from "../src/streams/embedding.js"
import { english, french } from "./fixtures/passages.js"
import { apiServer, baseUrl, call, userWithToken } from "./support/api.js"
import { onBothDatabases } from "./support/databases.js"
import { reuseSites } from "./support/reuse-sites.js"

const crawlOptions = Schema.decodeSync(CrawlOptions)({ delayMs: 0, concurrency: 4, minrel: 0 })
const embed = (o: typeof EmbedOptions.Encoded = {}) => Schema.decodeSync(EmbedOptions)({ provider: "hash", ...o })

const text = (base: string, path: string, token: string) =>
  Effect.promise(async () => {
    const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } })
    return { status: res.status, body: await res.text() }
  })

const waitForJob = (base: string, token: string, id: number) =>
  Effect.gen(function*() {
    for (let i = 0; i < 600; i++) {
      const job = (yield* call(base, "GET", `/api/v1/jobs/${id}`, { token })).body
      if (job.status !== "running" && job.status !== "queued") return job
      yield* Effect.sleep("50 millis")
    }
    throw new Error(`job ${id} did not end`)
  })

// The index is asked whether the database changed at every use, so a search sees an embed job's vectors at once.
onBothDatabases("semantic search and pseudolinks", (db) => apiServer(db, { vectorIndex: { refreshMs: 0, dir: null } }), (it) => {
  it.scoped("searches, finds similar pages, computes and exports pseudolinks, and follows new and replaced vectors", () =>
    Effect.gen(function*() {
      const sites = yield* reuseSites
      const base = yield* baseUrl
      const token = yield* userWithToken(base, "searcher")
      const created = yield* call(base, "POST", "/api/v1/lands", { token, body: { name: "reuse", terms: "tram" } })
      const landId = created.body.id as number
      const lands = yield* Lands
      const land = yield* lands.find(landId)
      yield* lands.addUrls(land, [sites.seed])

      // Not embedded yet: a clear 409 that says what to run.
      const early = yield* call(base, "GET", `/api/v1/lands/${landId}/search?q=tram`, { token })
      expect(early.status).toBe(409)
      expect(early.body).toMatchObject({ error: "LandNotEmbedded" })
      expect(early.body.message).toContain("mwi land embed")
      expect((yield* call(base, "POST", `/api/v1/lands/${landId}/jobs/pseudolinks`, { token, body: {} })).status).toBe(409)

      const crawled = yield* crawlLand(land.id, crawlOptions)
      expect(crawled.fetched).toBe(5)
      // The pages about the tram first (/reuse and /copy), the rest later: the index must follow.
      yield* embedLand(land.id, embed({ minrel: 1 }))
      const sql = yield* SqlClient.SqlClient
      const idOf = (url: string) =>
        sql<{ id: number }>`SELECT id FROM expressions WHERE land_id = ${landId} AND normalized_url = ${url}`.pipe(
          Effect.map((r) => r[0]!.id))
      const reuse = yield* idOf(sites.reuse)
      const copy = yield* idOf(sites.copy)
      const edit = yield* idOf(sites.edit)

      const seals = encodeURIComponent("quarante phoques gris équipés de balises au large")
      const first = yield* call(base, "GET", `/api/v1/lands/${landId}/search?q=${seals}&limit=3`, { token })
      expect(first.status).toBe(200)
      expect(first.body[0]).toMatchObject({ expressionId: reuse, url: sites.reuse, title: "Tram and seals" })
      expect(first.body[0].text).toBe(french[1])
      expect(first.body.map((h: any) => h.expressionId)).not.toContain(edit)

      yield* embedLand(land.id, embed())
      const all = yield* call(base, "GET", `/api/v1/lands/${landId}/search?q=${seals}&limit=3`, { token })
      expect(all.body.slice(0, 2).map((h: any) => h.expressionId).sort()).toEqual([reuse, edit].sort())
      expect(all.body[0].score).toBeGreaterThan(all.body[2].score)
      // Only pages with "tram" (relevance ≥ 1): the edited copy on site c goes.
      const relevant = yield* call(base, "GET", `/api/v1/lands/${landId}/search?q=${seals}&limit=3&minrel=1`, { token })
      expect(relevant.body.every((h: any) => h.relevance >= 1)).toBe(true)
      expect(relevant.body.map((h: any) => h.expressionId)).not.toContain(edit)
      expect((yield* call(base, "GET", `/api/v1/lands/${landId}/search?q=x&limit=0`, { token })).status).toBe(400)
      // A bad query is named as the parameter it came in.
      const wordless = yield* call(base, "GET", `/api/v1/lands/${landId}/search?q=${encodeURIComponent("!!! ???")}`, { token })
      expect(wordless).toMatchObject({ status: 400, body: { error: "InvalidInput", message: "invalid q: has no word to search for" } })
      const empty = yield* call(base, "GET", `/api/v1/lands/${landId}/search?q=`, { token })
      expect(empty.status).toBe(400)
      expect(JSON.stringify(empty.body)).toContain("must not be empty")

      const similar = yield* call(base, "GET", `/api/v1/expressions/${reuse}/similar?limit=2`, { token })
      expect(similar.status).toBe(200)
      expect(similar.body.map((p: any) => p.expressionId)).toEqual([copy, edit])
      expect(similar.body[0].score).toBeCloseTo(1, 2)
      expect((yield* call(base, "GET", `/api/v1/expressions/999999/similar`, { token })).status).toBe(404)

      const started = yield* call(base, "POST", `/api/v1/lands/${landId}/jobs/pseudolinks`, { token, body: {} })
      expect(started.status).toBe(202)
      const job = yield* waitForJob(base, token, started.body.jobId)
      expect(job).toMatchObject({ kind: "pseudolinks", status: "completed" })
      expect(job.result.report).toMatchObject({ model: hashEmbedder.key, threshold: 0.4, exact: 1, similar: 1, pagePairs: 2, domainPairs: 2 })

      const stored = yield* sql<{ s: number; t: number; method: string; score: number }>`
        SELECT a.expression_id AS s, b.expression_id AS t, k.method, k.score FROM similarities k
        JOIN paragraphs a ON a.id = k.source_paragraph_id JOIN paragraphs b ON b.id = k.target_paragraph_id
        ORDER BY k.method, a.expression_id, b.expression_id`
      // A pair is stored once, from the page of the smaller id; the copy is an exact pair only, not also a neighbour.
      const pair = (x: number, y: number) => (x < y ? [x, y] : [y, x])
      expect(stored.map((r) => [r.s, r.t, r.method])).toEqual([[...pair(reuse, copy), "exact"], [...pair(reuse, edit), hashEmbedder.key]])
      expect(stored.every((r) => r.method === "exact" ? r.score === 1 : r.score >= 0.4 && r.score <= 1)).toBe(true)

      // A run stopped part-way (at its first progress: its exact pairs written aside) leaves the land's pairs as they
      // were; the next run clears what it left aside.
      const pairRows = sql<{ method: string }>`
        SELECT source_paragraph_id, target_paragraph_id, method, score FROM similarities ORDER BY 1, 2, 3`
      const before = yield* pairRows
      const blocked = yield* Deferred.make<void>()
      const pseudolinks = yield* Pseudolinks
      const stopped = yield* Effect.fork(pseudolinks.compute(land, { threshold: 0.1 }, () =>
        Effect.zipRight(Deferred.succeed(blocked, undefined), Effect.never)))
      yield* Deferred.await(blocked)
      yield* Fiber.interrupt(stopped)
      const left = yield* pairRows
      expect(left.filter((r) => r.method.startsWith("staged:")).length).toBeGreaterThan(0)
      expect(left.filter((r) => !r.method.startsWith("staged:"))).toEqual(before)
      expect((yield* pseudolinks.compute(land)).exact).toBe(1)
      expect(yield* pairRows).toEqual(before)

      const csv = (type: string) =>
        Effect.map(text(base, `/api/v1/lands/${landId}/export?type=${type}&minrel=0`, token), (r) => {
          expect(r.status).toBe(200)
          return parse(r.body, { columns: true }) as Array<Record<string, string>>
        })
      const pairs = yield* csv("pseudolinks")
      expect(pairs).toHaveLength(2)
      const copied = pairs.find((p) => p["method"] === "exact")!
      expect(copied).toMatchObject({ source_text: english[0], target_text: english[0], similarity: "1" })
      expect([copied["source_url"], copied["target_url"]].sort()).toEqual([sites.reuse, sites.copy].sort())
      expect(Number(pairs.find((p) => [p["source_url"], p["target_url"]].includes(sites.edit))!["similarity"])).toBeGreaterThan(0.6)
      const pagePairs = yield* csv("pseudolinkspage")
      expect(pagePairs.map((p) => [[p["source_url"], p["target_url"]].sort().join(" "), p["pairs"]]).sort()).toEqual([
        [[sites.reuse, sites.copy].sort().join(" "), "1"],
        [[sites.reuse, sites.edit].sort().join(" "), "1"]
      ].sort())
      const domainPairs = yield* csv("pseudolinksdomain")
      expect(domainPairs).toHaveLength(2)
      expect(domainPairs.every((d) => d["page_pairs"] === "1")).toBe(true)
      const gexf = yield* text(base, `/api/v1/lands/${landId}/export?type=pseudolinksgexf&minrel=0`, token)
      expect(gexf.body).toContain(`defaultedgetype="undirected"`)
      expect(gexf.body.match(/<edge /g)).toHaveLength(2)
      const [s, t] = pair(reuse, copy)
      expect(gexf.body).toContain(`<edge id="${s}_${t}" source="${s}" target="${t}" weight="1"/>`)

      // The edited page's text changes: its paragraphs (and their vectors) are replaced at the next embed job.
      yield* sql`UPDATE expressions SET readable = ${`# Phoques\n\n${english[1]}`} WHERE id = ${edit}`
      yield* embedLand(land.id, embed())
      const after = yield* call(base, "GET", `/api/v1/lands/${landId}/search?q=${seals}&limit=5`, { token })
      const replaced = all.body.find((h: any) => h.expressionId === edit).paragraphId
      expect(after.body.map((h: any) => h.paragraphId)).not.toContain(replaced)
      expect(after.body[0].expressionId).toBe(reuse)
      expect(after.body[1].score).toBeLessThan(0.4)
      const seal = yield* call(base, "GET", `/api/v1/lands/${landId}/search?q=${encodeURIComponent("grey seals tagged along the coast")}&limit=1`, { token })
      expect(seal.body[0]).toMatchObject({ expressionId: edit, text: expect.stringContaining(english[1]!) })

      const openapi = (yield* call(base, "GET", "/openapi.json")).body
      expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining([
        "/api/v1/lands/{id}/search", "/api/v1/expressions/{id}/similar", "/api/v1/lands/{id}/jobs/pseudolinks"
      ]))
      expect(JSON.stringify(openapi.paths["/api/v1/lands/{id}/search"].get.responses["409"])).toContain("LandNotEmbedded")
    }))
})

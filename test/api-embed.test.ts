import { assert, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { apiServer, baseUrl, call, userWithToken } from "./support/api.js"
import { runMwi } from "./support/cli.js"
import { copyMigratedDataDir, onBothDatabases } from "./support/databases.js"
import { startFixtureServer } from "./support/fixture-server.js"
import { articlePage, sendHtml } from "./support/fixture-site.js"

const site = Effect.gen(function*() {
  const server = yield* startFixtureServer()
  server.route("/robots.txt", (_q, res) => res.writeHead(404).end())
  server.route("/", (_q, res) => sendHtml(res, articlePage({ title: "Accueil", topic: "le climat", links: [["/a", "article"]] })))
  server.route("/a", (_q, res) => sendHtml(res, articlePage({ title: "Article", topic: "les océans" })))
  return server
})

const finished = (base: string, token: string, jobId: number) =>
  Effect.gen(function*() {
    for (;;) {
      const job = yield* call(base, "GET", `/api/v1/jobs/${jobId}`, { token })
      if (!["queued", "running"].includes(job.body.status)) return job.body
      yield* Effect.sleep("100 millis")
    }
  })

onBothDatabases("HTTP API: embed job", apiServer, (it) => {
  it.scoped("POST /lands/{id}/jobs/embed runs a job; bad options and a missing key answer at once", () =>
    Effect.gen(function*() {
      const base = yield* baseUrl
      const origin = yield* site
      const token = yield* userWithToken(base, "emma")
      const land = yield* call(base, "POST", "/api/v1/lands", { token, body: { name: "vectors", terms: ["climat"] } })
      yield* call(base, "POST", `/api/v1/lands/${land.body.id}/urls`, { token, body: { urls: [origin.url("/")] } })
      const crawl = yield* call(base, "POST", `/api/v1/lands/${land.body.id}/jobs/crawl`, { token, body: { delayMs: 0, minrel: 0, embed: true } })
      assert.strictEqual(crawl.status, 202)
      expect(yield* finished(base, token, crawl.body.jobId)).toMatchObject({ status: "completed" })
      // The embed job beside the crawl ends after it.
      const inline = (yield* call(base, "GET", `/api/v1/lands/${land.body.id}/jobs`, { token })).body.items.find((j: { kind: string }) => j.kind === "embed")
      expect(yield* finished(base, token, inline.id)).toMatchObject({ status: "completed" })
      const started = yield* call(base, "POST", `/api/v1/lands/${land.body.id}/jobs/embed`, { token, body: { provider: "hash" } })
      assert.strictEqual(started.status, 202)
      const job = yield* finished(base, token, started.body.jobId)
      expect(job).toMatchObject({ kind: "embed", status: "completed" })
      expect(job.result).toMatchObject({ model: "hash/ngrams-v1/512", pending: 0 })

      const missing = yield* call(base, "POST", `/api/v1/lands/${land.body.id}/jobs/embed`, { token, body: { provider: "mistral" } })
      assert.strictEqual(missing.status, 400)
      expect(missing.body).toMatchObject({ error: "EmbeddingKeyMissing" })
      const bad = yield* call(base, "POST", `/api/v1/lands/${land.body.id}/jobs/embed`, { token, body: { provider: "bert" } })
      assert.strictEqual(bad.status, 400)
      expect(bad.body).toMatchObject({ error: "InvalidInput", message: "invalid provider: must be hash, openai or mistral" })
      const openapi = yield* call(base, "GET", "/openapi.json")
      assert.property(openapi.body.paths, "/api/v1/lands/{id}/jobs/embed")
    }))
})

describe("mwi land embed (in process, embedded database)", () => {
  it.scopedLive("embeds a crawled land and prints its summary", () =>
    Effect.gen(function*() {
      const origin = yield* site
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mwi-embed-cli-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(tmp, { recursive: true, force: true })))
      const env = { MWI_DATA_DIR: copyMigratedDataDir(tmp), MWI_DATABASE_URL: "" }
      const run = (args: ReadonlyArray<string>) => Effect.promise(() => runMwi(args, env))
      yield* run(["land", "create", "--name", "v", "--terms", "climat"])
      yield* run(["land", "addurl", "--land", "v", "--urls", origin.url("/")])
      expect((yield* run(["land", "crawl", "--name", "v", "--delay-ms", "0", "--minrel", "0", "--allow-private-network"])).code).toBe(0)
      const embedded = yield* run(["land", "embed", "--name", "v", "--json"])
      expect(embedded.stderr).toBe("")
      expect(JSON.parse(embedded.stdout)).toMatchObject({ status: "completed", pages: 2, pending: 0, model: "hash/ngrams-v1/512" })
      const text = yield* run(["land", "embed", "--name", "v"])
      expect(text.stdout).toMatch(/^Embedding of land v completed \(job \d+, model hash\/ngrams-v1\/512\): 0 pages embedded/)
      const missing = yield* Effect.promise(() => runMwi(["land", "embed", "--name", "v", "--provider", "openai"], { ...env, OPENAI_API_KEY: "" }))
      expect(missing.code).toBe(1)
      expect(missing.stderr.trim()).toBe("mwi: the openai provider needs an API key: set OPENAI_API_KEY in the environment (the server's, when the command goes through one), or embed with the offline hash provider")
      const unknown = yield* run(["land", "embed", "--name", "v", "--provider", "bert"])
      expect(unknown.code).toBe(1)
      expect(unknown.stderr.trim()).toBe("mwi: invalid provider: must be hash, openai or mistral")
    }))
})

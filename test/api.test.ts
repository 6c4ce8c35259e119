import { assert, expect } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import { apiServer, baseUrl, call, openWs, userWithToken } from "./support/api.js"
import { onBothDatabases } from "./support/databases.js"
import { startFixtureServer } from "./support/fixture-server.js"
import { generatedSite } from "./support/fixture-site.js"

const ws = (base: string) => base.replace(/^http/, "ws")
const waitFor = (f: () => Effect.Effect<boolean>, timeoutMs = 60_000) =>
  Effect.gen(function*() {
    const until = Date.now() + timeoutMs
    while (!(yield* f())) {
      if (Date.now() > until) return yield* Effect.die(new Error("condition not met in time"))
      yield* Effect.sleep("50 millis")
    }
  })

onBothDatabases("HTTP API", apiServer, (it) => {
  it.scoped("the whole workflow: login, land, terms, seeds, crawl with live progress, expressions and links", () =>
    Effect.gen(function*() {
      const base = yield* baseUrl
      const site = yield* startFixtureServer()
      generatedSite(site, { pages: 12, latencyMs: 60 })
      const token = yield* userWithToken(base, "alice")

      const created = yield* call(base, "POST", "/api/v1/lands", { token, body: { name: "climate", description: "d", lang: ["fr"], terms: ["climat"] } })
      assert.strictEqual(created.status, 201)
      const landId = created.body.id as number
      const terms = yield* call(base, "POST", `/api/v1/lands/${landId}/terms`, { token, body: { terms: ["océan", { term: "mer", weight: 2 }] } })
      assert.deepStrictEqual(terms.body, { added: ["mer", "océan"], existing: [], rescored: 0 })
      const urls = yield* call(base, "POST", `/api/v1/lands/${landId}/urls`, { token, body: { urls: [site.url("/p/0"), "nope", "ftp://x"] } })
      assert.strictEqual(urls.status, 200)
      assert.strictEqual(urls.body.added.length, 1)
      assert.deepStrictEqual(urls.body.invalid.map((i: { input: string }) => i.input), ["nope", "ftp://x"])

      // A land at rest says so at once on its socket.
      const resting = yield* Effect.promise(() => openWs(`${ws(base)}/api/v1/lands/${landId}/events`, token))
      assert.deepStrictEqual(yield* Effect.promise(() => resting.next(() => true)), { type: "idle", landId, latestJob: null })
      yield* Effect.promise(() => resting.close())
      const started = yield* call(base, "POST", `/api/v1/lands/${landId}/crawl`, { token, body: { depth: 20, delayMs: 0, concurrency: 2 } })
      assert.strictEqual(started.status, 202)
      const jobId = started.body.jobId as number
      const socket = yield* Effect.promise(() => openWs(`${ws(base)}/api/v1/jobs/${jobId}/events`, token))
      const first = socket.messages[0] ?? (yield* Effect.promise(() => socket.next(() => true)))
      assert.include(["snapshot", "final"], first.type)
      assert.strictEqual(first.jobId, jobId)
      if (first.type !== "final") {
        socket.send("ping")
        assert.strictEqual((yield* Effect.promise(() => socket.next((m) => m.type === "pong"))).type, "pong")
      }
      const final = yield* Effect.promise(() => socket.next((m) => m.type === "final"))
      assert.strictEqual(final.status, "completed")
      assert.strictEqual(final.counters.fetched, 12)
      const progress = socket.messages.filter((m) => m.type === "progress")
      assert.isAbove(progress.length, 0)
      for (const p of progress) assert.containsAllKeys(p, ["seq", "counters", "perSecond", "unit", "stage"])
      const seqs = socket.messages.filter((m) => m.type !== "snapshot" && m.type !== "pong").map((m) => m.seq)
      assert.deepStrictEqual(seqs, [...seqs].sort((a, b) => a - b))
      // The final event is the last: the server closes the socket.
      assert.strictEqual(yield* Effect.promise(() => socket.closed), 1000)

      const job = yield* call(base, "GET", `/api/v1/jobs/${jobId}`, { token })
      assert.strictEqual(job.body.status, "completed")
      const list = yield* call(base, "GET", `/api/v1/lands/${landId}/expressions?minrel=1&state=fetched&sort=url&order=asc&limit=5&offset=5`, { token })
      assert.strictEqual(list.status, 200)
      assert.strictEqual(list.body.total, 12)
      assert.strictEqual(list.body.items.length, 5)
      const sorted = list.body.items.map((i: { url: string }) => i.url)
      assert.deepStrictEqual(sorted, [...sorted].sort())
      const search = yield* call(base, "GET", `/api/v1/lands/${landId}/expressions?q=${encodeURIComponent("/p/1")}`, { token })
      assert.isTrue(search.body.items.every((i: { url: string }) => i.url.includes("/p/1")))
      const zero = yield* call(base, "GET", `/api/v1/lands/${landId}/expressions`, { token })
      const one = zero.body.items.find((i: { url: string }) => i.url === site.url("/p/0"))
      const detail = yield* call(base, "GET", `/api/v1/expressions/${one.id}`, { token })
      assert.strictEqual(detail.status, 200)
      assert.include(detail.body.readable, "climat")
      assert.isAbove(detail.body.outgoing.length, 0)
      assert.isAbove(detail.body.incoming.length, 0)
      assert.includeMembers(detail.body.outgoing.map((l: { url: string }) => l.url), [site.url("/p/1")])
      const domains = yield* call(base, "GET", `/api/v1/lands/${landId}/domains`, { token })
      assert.strictEqual(domains.body.items[0].pageCount, 12)
      const graph = yield* call(base, "GET", `/api/v1/lands/${landId}/graph?minrel=1`, { token })
      assert.strictEqual(graph.body.nodes.length, 12)
      const stats = yield* call(base, "GET", `/api/v1/lands/${landId}/stats`, { token })
      assert.strictEqual(stats.body.byState.fetched, 12)
      assert.strictEqual(stats.body.links, graph.body.edges.length)
      const metrics = yield* Effect.promise(() => fetch(`${base}/metrics`).then((r) => r.text()))
      expect(metrics).toMatch(/mwi_pages_total\{status_class="2xx"\} \d+/)
      expect(metrics).toMatch(/mwi_fetch_duration_seconds_bucket/)
      expect(metrics).toMatch(/mwi_http_requests_total\{method="GET",route="\/api\/v1\/lands\/:id\/expressions",status="200"\}/)
      const download = yield* Effect.promise(() =>
        fetch(`${base}/api/v1/lands/${landId}/export?type=pagecsv&minrel=1`, { headers: { authorization: `Bearer ${token}` } }))
      assert.strictEqual(download.status, 200)
      expect(download.headers.get("content-type")).toMatch(/^text\/csv/)
      expect(download.headers.get("content-disposition")).toMatch(/^attachment; filename="climate_pagecsv_[^"]*\.csv"/)
      const csv = yield* Effect.promise(() => download.text())
      assert.strictEqual(csv.trim().split("\r\n").length, 1 + 12)
      const badType = yield* call(base, "GET", `/api/v1/lands/${landId}/export?type=nope`, { token })
      assert.strictEqual(badType.status, 400)
      const health = yield* call(base, "GET", "/health")
      assert.deepStrictEqual(health, { status: 200, body: { status: "ok", database: "reachable" } })
    }), { timeout: 180_000 })

  it.scoped("auth failures and other users' lands", () =>
    Effect.gen(function*() {
      const base = yield* baseUrl
      const bob = yield* userWithToken(base, "bob")
      const eve = yield* userWithToken(base, "eve")
      const none = yield* call(base, "GET", "/api/v1/lands")
      assert.strictEqual(none.status, 401)
      assert.deepStrictEqual(none.body, {
        _tag: "Unauthorized",
        error: "Unauthorized",
        message: "an API token is required (Authorization: Bearer <token>)",
        details: { reason: "missing" }
      })
      assert.strictEqual((yield* call(base, "GET", "/api/v1/lands", { token: "mwi_forged" })).status, 401)
      const land = yield* call(base, "POST", "/api/v1/lands", { token: bob, body: { name: "secret" } })
      // another user: not listed, 404 on every path, even with the same name free to use
      assert.deepStrictEqual((yield* call(base, "GET", "/api/v1/lands", { token: eve })).body.items, [])
      for (const [method, path] of [["GET", ""], ["PATCH", ""], ["DELETE", ""], ["GET", "/expressions"], ["POST", "/crawl"], ["GET", "/graph"]] as const) {
        const r = yield* call(base, method, `/api/v1/lands/${land.body.id}${path}`, { token: eve, body: method === "GET" ? undefined : {} })
        assert.strictEqual(r.status, 404, `${method} ${path}`)
      }
      assert.strictEqual((yield* call(base, "POST", "/api/v1/lands", { token: eve, body: { name: "secret" } })).status, 201)
      assert.strictEqual((yield* call(base, "GET", `/api/v1/lands/${land.body.id}/export?type=pagecsv`, { token: eve })).status, 404)
      const refused = yield* Effect.promise(() => openWs(`${ws(base)}/api/v1/lands/${land.body.id}/events`, eve).then(() => "open", (e: Error) => e.message))
      assert.strictEqual(refused, "status 404")
      const anonymous = yield* Effect.promise(() => openWs(`${ws(base)}/api/v1/lands/${land.body.id}/events`).then(() => "open", (e: Error) => e.message))
      assert.strictEqual(anonymous, "status 401")
      const viaQuery = yield* Effect.promise(() => openWs(`${ws(base)}/api/v1/lands/${land.body.id}/events`, bob, "query"))
      yield* Effect.promise(() => viaQuery.close())
      // a revoked token stops working at once
      const extra = yield* call(base, "POST", "/api/v1/tokens", { token: bob, body: { name: "script" } })
      assert.strictEqual((yield* call(base, "GET", "/api/v1/me", { token: extra.body.token })).body.username, "bob")
      assert.strictEqual((yield* call(base, "DELETE", `/api/v1/tokens/${extra.body.tokenId}`, { token: bob })).status, 204)
      const revoked = yield* call(base, "GET", "/api/v1/me", { token: extra.body.token })
      assert.strictEqual(revoked.status, 401)
      expect(revoked.body.message).toMatch(/revoked/)
      assert.strictEqual((yield* call(base, "GET", "/api/v1/users", { token: bob })).status, 403)
      const wrong = yield* call(base, "POST", "/api/v1/auth/login", { body: { username: "bob", password: "wrong password here" } })
      assert.strictEqual(wrong.status, 401)
    }), { timeout: 120_000 })

  it.scoped("invalid bodies and parameters are 400 naming the field; arbitrary JSON never gives a 5xx", () =>
    Effect.gen(function*() {
      const base = yield* baseUrl
      const token = yield* userWithToken(base, "carol")
      const land = yield* call(base, "POST", "/api/v1/lands", { token, body: { name: "fuzz" } })
      const cases: ReadonlyArray<readonly [string, string, unknown, string]> = [
        ["POST", "/api/v1/lands", { name: 5 }, "name"],
        ["POST", "/api/v1/lands", { name: "" }, "name"],
        ["POST", "/api/v1/lands", { name: "x", lang: "klingon" }, "lang"],
        ["POST", `/api/v1/lands/${land.body.id}/terms`, { terms: [3] }, "terms"],
        ["POST", `/api/v1/lands/${land.body.id}/urls`, { urls: "http://a" }, "urls"],
        ["POST", `/api/v1/lands/${land.body.id}/crawl`, { concurrency: 0 }, "concurrency"],
        ["POST", `/api/v1/lands/${land.body.id}/crawl`, { depth: "deep" }, "depth"],
        ["GET", `/api/v1/lands/${land.body.id}/expressions?limit=abc`, undefined, "limit"],
        ["GET", `/api/v1/lands/${land.body.id}/expressions?state=maybe`, undefined, "state"]
      ]
      for (const [method, path, body, field] of cases) {
        const r = yield* call(base, method, path, { token, body })
        assert.strictEqual(r.status, 400, `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`)
        assert.strictEqual(r.body.error === "BadRequest" || r.body.error === "InvalidInput", true)
        expect(r.body.message, path).toContain(field)
      }
      // A malformed id names nothing: 404, as another account's id.
      assert.strictEqual((yield* call(base, "GET", "/api/v1/lands/abc", { token })).status, 404)
      const broken = yield* call(base, "POST", "/api/v1/lands", { token, raw: "{not json" })
      assert.strictEqual(broken.status, 400)
      const endpoints = ["/api/v1/lands", `/api/v1/lands/${land.body.id}/terms`, `/api/v1/lands/${land.body.id}/urls`, "/api/v1/auth/login", "/api/v1/tokens"]
      const statuses = new Set<number>()
      yield* Effect.promise(() =>
        fc.assert(fc.asyncProperty(fc.constantFrom(...endpoints), fc.json(), async (path, json) => {
          const res = await fetch(`${base}${path}`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: json })
          statuses.add(res.status)
          await res.text()
          return res.status < 500
        }), { numRuns: 150 }))
      assert.isTrue([...statuses].every((s) => s < 500))
    }), { timeout: 180_000 })

  it.scoped("cancel and resume a crawl; a WebSocket that reconnects gets the current state first", () =>
    Effect.gen(function*() {
      const base = yield* baseUrl
      const site = yield* startFixtureServer()
      // Slow until the cancel, so that it lands mid-crawl; the resumed crawl needs no wait.
      let latencyMs = 150
      generatedSite(site, { pages: 30, latencyMs: () => latencyMs })
      const token = yield* userWithToken(base, "dave")
      const land = yield* call(base, "POST", "/api/v1/lands", { token, body: { name: "long", terms: "climat" } })
      yield* call(base, "POST", `/api/v1/lands/${land.body.id}/urls`, { token, body: { urls: [site.url("/p/0")] } })
      const { body: { jobId } } = yield* call(base, "POST", `/api/v1/lands/${land.body.id}/crawl`, { token, body: { depth: 50, delayMs: 0, concurrency: 1 } })
      const first = yield* Effect.promise(() => openWs(`${ws(base)}/api/v1/jobs/${jobId}/events`, token))
      yield* Effect.promise(() => first.next((m) => m.type === "progress" && m.counters.fetched >= 2))
      yield* Effect.promise(() => first.close())
      const again = yield* Effect.promise(() => openWs(`${ws(base)}/api/v1/jobs/${jobId}/events`, token))
      const snapshot = yield* Effect.promise(() => again.next(() => true))
      assert.strictEqual(snapshot.type, "snapshot")
      assert.isAtLeast(snapshot.counters.fetched, 2)
      const twice = yield* call(base, "POST", `/api/v1/lands/${land.body.id}/crawl`, { token, body: {} })
      assert.strictEqual(twice.status, 409)
      const cancelled = yield* call(base, "POST", `/api/v1/jobs/${jobId}/cancel`, { token })
      assert.strictEqual(cancelled.body.status, "cancelled")
      const final = yield* Effect.promise(() => again.next((m) => m.type === "final"))
      assert.strictEqual(final.status, "cancelled")
      yield* Effect.promise(() => again.close())
      const fetchedAtCancel = (yield* call(base, "GET", `/api/v1/lands/${land.body.id}/stats`, { token })).body.byState.fetched as number
      assert.isBelow(fetchedAtCancel, 30)
      assert.strictEqual((yield* call(base, "POST", `/api/v1/jobs/${jobId}/cancel`, { token })).status, 409)
      latencyMs = 0
      const resumed = yield* call(base, "POST", `/api/v1/jobs/${jobId}/resume`, { token })
      assert.strictEqual(resumed.status, 202)
      assert.strictEqual(resumed.body.jobId, jobId)
      yield* waitFor(() => Effect.map(call(base, "GET", `/api/v1/jobs/${jobId}`, { token }), (r) => r.body.status === "completed"), 120_000)
      const stats = yield* call(base, "GET", `/api/v1/lands/${land.body.id}/stats`, { token })
      assert.strictEqual(stats.body.byState.fetched, 30)
      assert.strictEqual(stats.body.expressions, 30)
    }), { timeout: 240_000 })
})

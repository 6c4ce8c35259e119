import { assert, expect } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import { apiServer, baseUrl, call, userWithToken } from "./support/api.js"
import { onBothDatabases } from "./support/databases.js"

// Strict input: malformed requests to every route get a 4xx naming the problem, never a 5xx, and the server stays
// healthy; two accounts never see each other's lands.

/** Every route, `{id}` standing for a land (or job, expression, token) id, `{mediaId}` for a media id. */
const ROUTES: ReadonlyArray<readonly [string, string]> = [
  ["POST", "/api/v1/auth/login"],
  ["GET", "/api/v1/me"],
  ["GET", "/api/v1/tokens"],
  ["POST", "/api/v1/tokens"],
  ["DELETE", "/api/v1/tokens/{id}"],
  ["GET", "/api/v1/users"],
  ["POST", "/api/v1/users"],
  ["POST", "/api/v1/lands"],
  ["GET", "/api/v1/lands"],
  ["GET", "/api/v1/lands/{id}"],
  ["PATCH", "/api/v1/lands/{id}"],
  ["DELETE", "/api/v1/lands/{id}"],
  ["GET", "/api/v1/lands/{id}/terms"],
  ["POST", "/api/v1/lands/{id}/terms"],
  ["DELETE", "/api/v1/lands/{id}/terms/{term}"],
  ["POST", "/api/v1/lands/{id}/urls"],
  ["GET", "/api/v1/lands/{id}/stats"],
  ["GET", "/api/v1/lands/{id}/domains"],
  ["GET", "/api/v1/lands/{id}/graph"],
  ["GET", "/api/v1/lands/{id}/expressions"],
  ["GET", "/api/v1/expressions/{id}"],
  ["GET", "/api/v1/lands/{id}/media"],
  ["GET", "/api/v1/lands/{id}/media/{mediaId}"],
  ["POST", "/api/v1/lands/{id}/crawl"],
  ["POST", "/api/v1/lands/{id}/jobs/crawl"],
  ["POST", "/api/v1/lands/{id}/jobs/media"],
  ["POST", "/api/v1/lands/{id}/jobs/readable"],
  ["GET", "/api/v1/lands/{id}/jobs"],
  ["GET", "/api/v1/jobs/{id}"],
  ["POST", "/api/v1/jobs/{id}/cancel"],
  ["POST", "/api/v1/jobs/{id}/resume"],
  ["GET", "/api/v1/lands/{id}/export"],
  ["GET", "/api/v1/jobs/{id}/events"],
  ["GET", "/api/v1/lands/{id}/events"]
]

const BAD_IDS = ["0", "-1", "%201", "1%20", "0x10", "1e3", "1.5", "2147483648", "99999999999999999999", "abc", "%00", "%FF", "１"]
const BAD_NUMBERS = ["NaN", "Infinity", "-Infinity", "1e400", "0x10", "%201", "", "%00", "%FF", "99999999999999999999", "-1", "1.", "abc"]
const QUERY_NAMES = ["limit", "offset", "minrel", "depth", "status", "state", "q", "sort", "order", "name", "type", "minWidth", "nearDuplicatesOf", "maxDistance", "hasExif", "http"]
const TEXT_FIELDS = ["name", "description", "lang", "terms", "urls", "username", "password", "tokenName", "email", "userAgent", "retryReason", "q"]

const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth)

/** A request: method, path with its ids filled in, and a raw body (bytes) or none. */
const malformed = (ids: { land: number; mediaId: number }) => {
  const route = fc.constantFrom(...ROUTES)
  const id = fc.oneof(fc.constantFrom(...BAD_IDS), fc.constant(String(ids.land)))
  const query = fc.array(fc.tuple(fc.constantFrom(...QUERY_NAMES), fc.oneof(fc.constantFrom(...BAD_NUMBERS), fc.string())), { maxLength: 3 })
    .map((pairs) => pairs.length === 0 ? "" : "?" + pairs.map(([k, v]) => `${k}=${/%|^$/.test(v) ? v : encodeURIComponent(v)}`).join("&"))
  const text = fc.oneof(
    fc.constantFrom("a\u0000b", "\ud800", "x\udc00y", "ok"),
    fc.string({ unit: "binary", maxLength: 20 })
  )
  const body = fc.oneof(
    fc.json().map((j) => Buffer.from(j)),
    fc.tuple(fc.constantFrom(...TEXT_FIELDS), text).map(([k, v]) => Buffer.from(JSON.stringify({ [k]: v, name: v }))),
    fc.constantFrom(...TEXT_FIELDS).map((k) => Buffer.from(`{"${k}": 1e400}`)),
    fc.integer({ min: 33, max: 5000 }).map((d) => Buffer.from(nested(d))),
    fc.constant(Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])),
    fc.constant(Buffer.from('{"name": "x", "description": "\\u0000"}')),
    fc.constant(Buffer.alloc(0))
  )
  return fc.record({ route, id, mediaId: fc.oneof(fc.constantFrom(...BAD_IDS), fc.constant(String(ids.mediaId))), query, body })
    .map(({ body, id, mediaId, query, route: [method, template] }) => ({
      method,
      path: template.replace("{id}", id).replace("{mediaId}", mediaId).replace("{term}", encodeURIComponent("a\u0000")) + query,
      body: method === "GET" || method === "DELETE" ? undefined : body
    }))
}

const send = (base: string, token: string, r: { method: string; path: string; body: Buffer | undefined }) =>
  fetch(`${base}${r.path}`, {
    method: r.method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(r.body === undefined ? {} : { body: new Uint8Array(r.body) })
  }).then(async (res) => ({ status: res.status, text: await res.text() }))

onBothDatabases("strict API input", apiServer, (it, backend) => {
  it.scoped("named cases: 400 naming the field, 404 for ids, 413 for a body too large", () =>
    Effect.gen(function*() {
      const base = yield* baseUrl
      const token = yield* userWithToken(base, "strict")
      const land = (yield* call(base, "POST", "/api/v1/lands", { token, body: { name: "strict" } })).body
      const raw = (method: string, path: string, body?: Buffer | string) =>
        Effect.promise(() => send(base, token, { method, path, body: typeof body === "string" ? Buffer.from(body) : body }))
      const cases: ReadonlyArray<readonly [string, string, string | Buffer | undefined, number, RegExp]> = [
        ["POST", "/api/v1/lands", JSON.stringify({ name: "a\u0000b" }), 400, /invalid name: must not contain the NUL character/],
        ["POST", "/api/v1/lands", JSON.stringify({ name: "x", description: "\u0000" }), 400, /invalid description: must not contain the NUL/],
        ["POST", "/api/v1/lands", '{"name": "\\ud800"}', 400, /invalid name: is not valid Unicode text/],
        ["POST", `/api/v1/lands/${land.id}/terms`, JSON.stringify({ terms: ["ok", "a\u0000"] }), 400, /invalid terms\.1: must not contain/],
        ["POST", "/api/v1/lands", Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), 400, /invalid body: is not valid UTF-8/],
        ["POST", "/api/v1/lands", nested(100_000), 400, /invalid body: is nested deeper than 32 levels/],
        ["POST", `/api/v1/lands/${land.id}/crawl`, '{"minrel": 1e400}', 400, /invalid minrel: must be a finite number/],
        ["GET", `/api/v1/lands/${land.id}/expressions?q=a%00b`, undefined, 400, /invalid q: must not contain the NUL/],
        ["GET", `/api/v1/lands/${land.id}/expressions?q=%FF`, undefined, 400, /invalid q: is not valid percent-encoded UTF-8/],
        ["GET", `/api/v1/lands/${land.id}/expressions?minrel=NaN`, undefined, 400, /minrel/],
        ["GET", `/api/v1/lands/${land.id}/expressions?minrel=Infinity`, undefined, 400, /minrel/],
        ["GET", `/api/v1/lands/${land.id}/expressions?minrel=1e400`, undefined, 400, /minrel/],
        ["GET", `/api/v1/lands/${land.id}/expressions?limit=%2010`, undefined, 400, /limit/],
        ["GET", `/api/v1/lands/${land.id}/export?type=pagecsv&minrel=NaN`, undefined, 400, /invalid minrel/],
        ["GET", "/api/v1/lands/%201", undefined, 404, /nothing at/],
        ["GET", "/api/v1/jobs/0x10", undefined, 404, /nothing at/],
        ["GET", "/api/v1/lands/2147483648", undefined, 404, /nothing at/],
        ["GET", "/api/v1/lands/99999999999999999999", undefined, 404, /nothing at/],
        ["GET", "/api/v1/expressions/2147483647", undefined, 404, /no expression with id 2147483647/],
        ["GET", "/api/v1/lands/2147483648/export?type=pagecsv", undefined, 404, /nothing at/],
        ["POST", "/api/v1/lands", Buffer.alloc(11 * 1024 * 1024, 0x20), 413, /larger than 10485760 bytes/]
      ]
      for (const [method, path, body, status, message] of cases) {
        const r = yield* raw(method, path, body)
        assert.strictEqual(r.status, status, `${method} ${path}: ${r.text.slice(0, 300)}`)
        expect(JSON.parse(r.text).message, `${method} ${path}`).toMatch(message)
      }
      // Nothing of it was stored.
      const lands = yield* call(base, "GET", "/api/v1/lands", { token })
      assert.deepStrictEqual(lands.body.items.map((l: { name: string }) => l.name), ["strict"])
    }), { timeout: 120_000 })

  it.scoped(`generated malformed requests to every route get a 4xx, and the server stays healthy [${backend}]`, () =>
    Effect.gen(function*() {
      const base = yield* baseUrl
      const token = yield* userWithToken(base, "fuzzer")
      const land = (yield* call(base, "POST", "/api/v1/lands", { token, body: { name: "fuzzed" } })).body
      const statuses = new Map<number, number>()
      yield* Effect.promise(() =>
        fc.assert(fc.asyncProperty(malformed({ land: land.id, mediaId: 1 }), async (r) => {
          const res = await send(base, token, r)
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
          if (res.status >= 500) throw new Error(`${r.method} ${r.path} ${r.body?.subarray(0, 200).toString()} → ${res.status} ${res.text.slice(0, 300)}`)
          return true
        }), { numRuns: 400, seed: 20261206 }))
      assert.isTrue([...statuses.keys()].every((s) => s < 500), JSON.stringify([...statuses]))
      const health = yield* call(base, "GET", "/health")
      assert.strictEqual(health.status, 200)
      // (the fuzzing may have revoked its own token: a new account logs in and works)
      const after = yield* userWithToken(base, "after")
      assert.strictEqual((yield* call(base, "GET", "/api/v1/me", { token: after })).status, 200)
    }), { timeout: 180_000 })

  it.scoped("two accounts: neither sees, changes or runs anything of the other's lands", () =>
    Effect.gen(function*() {
      const base = yield* baseUrl
      const alice = yield* userWithToken(base, "alice")
      const bob = yield* userWithToken(base, "bob")
      const land = (yield* call(base, "POST", "/api/v1/lands", { token: alice, body: { name: "private", terms: "secret" } })).body
      yield* call(base, "POST", `/api/v1/lands/${land.id}/urls`, { token: alice, body: { urls: ["https://example.org/"] } })
      const expression = (yield* call(base, "GET", `/api/v1/lands/${land.id}/expressions`, { token: alice })).body.items[0].id
      // Bob's own land of the same name is his: names are per account.
      assert.strictEqual((yield* call(base, "POST", "/api/v1/lands", { token: bob, body: { name: "private" } })).status, 201)
      for (const [method, template] of ROUTES.filter(([, t]) => t.includes("{id}") && !t.startsWith("/api/v1/tokens"))) {
        const path = template.replace("{id}", String(template.startsWith("/api/v1/expressions") ? expression : land.id))
          .replace("{mediaId}", "1").replace("{term}", "secret")
        if (path.endsWith("/events")) continue
        const body = method === "GET" || method === "DELETE" ? undefined : (path.endsWith("/terms") ? { terms: "x" } : path.endsWith("/urls") ? { urls: ["https://example.org/x"] } : {})
        const r = yield* call(base, method, path + (path.endsWith("/export") ? "?type=pagecsv" : ""), { token: bob, body })
        if (path.startsWith("/api/v1/jobs/")) continue
        assert.strictEqual(r.status, 404, `${method} ${path}: ${JSON.stringify(r.body)}`)
      }
      const bobs = (yield* call(base, "GET", "/api/v1/lands", { token: bob })).body.items
      assert.deepStrictEqual(bobs.map((l: { id: number }) => l.id).includes(land.id), false)
      // Alice's land is untouched.
      const still = (yield* call(base, "GET", `/api/v1/lands/${land.id}`, { token: alice })).body
      assert.strictEqual(still.name, "private")
      assert.strictEqual(still.termCount, 1)
      assert.strictEqual(still.expressionCount, 1)
    }), { timeout: 120_000 })
})

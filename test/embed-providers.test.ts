import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Fiber, TestClock } from "effect"
import { createHash } from "node:crypto"
import type { ServerResponse } from "node:http"
import { decodeVector, dot, encodeVector, normalise } from "../src/domain/vector.js"
import { type EmbedderChoice, Embedders } from "../src/services/Embedders.js"
import { MAX_ATTEMPTS } from "../src/services/embeddings/retry.js"
import { startFixtureServer } from "./support/fixture-server.js"
import { parseModelKey, requestsOf } from "../src/services/embeddings/Embedder.js"
import { HASH_DIMENSION, hashEmbedder, hashEmbedding } from "../src/services/embeddings/hash.js"
import { edited, english, french, quoted, unrelatedPairs } from "./fixtures/passages.js"

const similarity = (a: string, b: string) => dot(hashEmbedding(a), hashEmbedding(b))
const max = (xs: ReadonlyArray<number>) => Math.max(...xs)
const min = (xs: ReadonlyArray<number>) => Math.min(...xs)

describe("hash provider", () => {
  it.effect("is deterministic, L2-normalised, of its dimension, in the texts' order", () =>
    Effect.gen(function*() {
      const vs = yield* hashEmbedder.embed([english[0]!, french[0]!, english[0]!])
      expect(vs).toHaveLength(3)
      expect(vs[0]!.length).toBe(HASH_DIMENSION)
      expect(Array.from(vs[0]!)).toEqual(Array.from(vs[2]!))
      expect(Array.from(vs[0]!)).toEqual(Array.from(hashEmbedding(english[0]!)))
      expect(dot(vs[0]!, vs[0]!)).toBeCloseTo(1, 5)
      expect(hashEmbedder.key).toBe(`hash/ngrams-v1/${HASH_DIMENSION}`)
    }))

  it("makes the vectors of its model's first version, to the bit (stored vectors stay comparable)", () => {
    const digest = createHash("sha256")
    for (const text of [...english, ...french, "Ὀδυσσεύς ΣΟΦΟΣ, İstanbul: 日本語 😀 ﬁn ½ the the the"]) {
      const v = hashEmbedding(text)
      digest.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))
    }
    expect(digest.digest("hex")).toBe("cf0b697396b5b369c2f1452b50ee1351edfe7839a7f24ffc6bc328110504ad03")
  })

  it("folds case and accents", () => {
    expect(similarity("Élève à l'école", "eleve a l ECOLE")).toBeCloseTo(1, 5)
  })

  for (const [language, passages] of [["English", english], ["French", french]] as const) {
    it(`puts reused and edited ${language} passages far above unrelated ones`, () => {
      const unrelated = unrelatedPairs(passages).map(([a, b]) => similarity(a, b))
      const lightlyEdited = passages.map((p) => similarity(p, edited(p)))
      const heavilyEdited = passages.map((p) => similarity(p, edited(p, 4)))
      const inQuotes = passages.map((p, i) => similarity(p, quoted(p, passages[(i + 1) % 6]!.slice(0, 200), passages[(i + 2) % 6]!.slice(0, 200))))
      expect(max(unrelated)).toBeLessThan(0.25)
      expect(min(passages.map((p) => similarity(p, p)))).toBeCloseTo(1, 5)
      expect(min(lightlyEdited)).toBeGreaterThan(0.6)
      expect(min(inQuotes)).toBeGreaterThan(0.6)
      // One word in four replaced and a sentence dropped is still well above the unrelated.
      expect(min(heavilyEdited)).toBeGreaterThan(0.45)
    })
  }

  it("does not take a translation for a reuse (it is lexical)", () => {
    expect(max(english.map((e, i) => similarity(e, french[i]!)))).toBeLessThan(0.25)
  })
})

describe("vectors and requests", () => {
  it("stores vectors packed or as float32 little-endian and reads them back exactly, at any byte offset", () => {
    const roundTrip = (v: Float32Array) => {
      const bytes = encodeVector(v)
      const shifted = new Uint8Array(bytes.byteLength + 1)
      shifted.set(bytes, 1)
      const back = decodeVector(shifted.subarray(1))
      expect(new Uint8Array(back.buffer, back.byteOffset, back.byteLength)).toEqual(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))
      return bytes.byteLength
    }
    // A hash vector has few distinct magnitudes: packed, a fifth of its float32 size.
    expect(roundTrip(hashEmbedding(english[1]!))).toBeLessThan(HASH_DIMENSION * 4 / 4)
    expect(roundTrip(hashEmbedding(""))).toBeLessThan(HASH_DIMENSION)
    // Zeros of both signs, NaN and infinities come back as they were.
    expect(roundTrip(Float32Array.from({ length: 512 }, (_, i) => [0, -0, NaN, -Infinity, 1.5, -1.5][i % 6]!))).toBeLessThan(512)
    // An API model's vector has as many magnitudes as numbers: float32.
    expect(roundTrip(normalise(Float32Array.from({ length: 512 }, (_, i) => Math.sin(i + 1))))).toBe(512 * 4)
    expect(roundTrip(Float32Array.from([0.25, -0.5, 0.75]))).toBe(12)
  })

  it("cuts texts into requests within the inputs and approximate tokens limits", () => {
    const texts = Array.from({ length: 10 }, (_, i) => "x".repeat(30 * (i + 1)))
    const requests = requestsOf(texts, { maxInputs: 4, maxTokens: 100, concurrency: 1 })
    expect(requests.flat()).toEqual(texts)
    for (const r of requests) expect(r.length).toBeLessThanOrEqual(4)
    expect(requests.filter((r) => r.length > 1).every((r) => r.reduce((n, t) => n + t.length / 3, 0) <= 100)).toBe(true)
  })

  it("reads model keys back, model names with slashes included", () => {
    expect(parseModelKey("openai/org/model/768")).toEqual({ provider: "openai", model: "org/model", dimension: 768 })
    expect(parseModelKey("nonsense")).toBeNull()
  })
})

// The real SDKs against loopback servers that speak their embeddings APIs.

const SECRET = "sk-test-0123456789abcdefSECRET"

interface FakeEmbeddingServer {
  readonly url: string
  /** The inputs of each request answered, in order. */
  readonly answered: Array<ReadonlyArray<string>>
  readonly bodies: Array<any>
  readonly auth: Array<string | undefined>
  /** Answers of the next requests, before the normal one (e.g. a 429, a 401). */
  readonly script: Array<(res: ServerResponse) => void>
}

/** A vector per text, of 8 numbers, that the test can recompute. */
const fakeVector = (text: string) => Float32Array.from({ length: 8 }, (_, i) => (text.length % 7) + i + 1)

const fakeServer = (dialect: "openai" | "mistral") =>
  Effect.gen(function*() {
    const state: Omit<FakeEmbeddingServer, "url"> = { answered: [], bodies: [], auth: [], script: [] }
    const server = yield* startFixtureServer()
    server.route("/v1/embeddings", (req, res) => {
      let raw = ""
      req.on("data", (c: Buffer) => (raw += c.toString()))
      req.on("end", () => {
        const body = JSON.parse(raw)
        state.bodies.push(body)
        state.auth.push(req.headers["authorization"])
        const scripted = state.script.shift()
        if (scripted) return scripted(res)
        // Both APIs name the texts `input` on the wire.
        const inputs: Array<string> = body.input
        state.answered.push(inputs)
        const data = inputs.map((text, index) => ({
          object: "embedding",
          index,
          embedding: dialect === "openai" && body.encoding_format === "base64"
            ? Buffer.from(fakeVector(text).buffer).toString("base64")
            : Array.from(fakeVector(text))
        }))
        // Answered out of order: the client must put them back by index.
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({
          id: "e-1",
          object: "list",
          model: body.model,
          data: dialect === "openai" ? data.reverse() : data,
          usage: { prompt_tokens: 1, total_tokens: 1 }
        }))
      })
    })
    return { ...state, url: dialect === "openai" ? server.url("/v1") : server.origin } satisfies FakeEmbeddingServer
  })

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => (res: ServerResponse) =>
  void res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body))

const chooseWith = (env: Record<string, string>, choice: EmbedderChoice) =>
  Effect.flatMap(Embedders, (e) => e.choose(choice)).pipe(
    Effect.provide(Embedders.Default),
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
  )

const expectedVector = (text: string) => Array.from(normalise(fakeVector(text)))

const texts7 = ["un", "deux", "trois", "quatre", "cinq", "six", "sept"]

describe("openai provider (the openai SDK against a loopback server)", () => {
  it.scopedLive("asks for base64, decodes it, batches within the limit and keeps the texts' order", () =>
    Effect.gen(function*() {
      const server = yield* fakeServer("openai")
      const embedder = yield* chooseWith({ OPENAI_API_KEY: SECRET, OPENAI_BASE_URL: server.url, MWI_EMBED_BATCH_SIZE: "3" }, { provider: "openai" })
      expect(embedder.key).toBe("openai/text-embedding-3-small/1536")
      const custom = yield* chooseWith({ OPENAI_API_KEY: SECRET, OPENAI_BASE_URL: server.url, MWI_EMBED_BATCH_SIZE: "3" }, { provider: "openai", model: "local-model" })
      // An unknown model's dimension is asked of the server with one text.
      expect(custom.key).toBe("openai/local-model/8")
      const vectors = yield* custom.embed(texts7)
      expect(vectors.map((v) => Array.from(v))).toEqual(texts7.map(expectedVector))
      expect(server.answered.slice(1)).toEqual([["un", "deux", "trois"], ["quatre", "cinq", "six"], ["sept"]])
      expect(server.bodies.every((b) => b.encoding_format === "base64" && b.model === "local-model")).toBe(true)
      expect(server.auth.every((a) => a === `Bearer ${SECRET}`)).toBe(true)
    }))

  it.scopedLive("waits as Retry-After asks after a 429, then succeeds", () =>
    Effect.gen(function*() {
      const server = yield* fakeServer("openai")
      server.script.push(json(429, { error: { message: "slow down" } }, { "retry-after": "1" }))
      const started = performance.now()
      const embedder = yield* chooseWith({ OPENAI_API_KEY: SECRET, OPENAI_BASE_URL: server.url }, { provider: "openai", model: "m" })
      expect(embedder.dimension).toBe(8)
      expect(performance.now() - started).toBeGreaterThanOrEqual(990)
      expect(server.bodies).toHaveLength(2)
    }))

  // On the test clock: the backoff between six attempts adds up to several seconds.
  it.scoped("retries a 5xx, and reports a server still failing after the last attempt", () =>
    Effect.gen(function*() {
      const server = yield* fakeServer("openai")
      const embedder = yield* chooseWith({ OPENAI_API_KEY: SECRET, OPENAI_BASE_URL: server.url }, { provider: "openai", model: "m" })
      const settle = <A, E>(effect: Effect.Effect<A, E>) =>
        Effect.gen(function*() {
          const fiber = yield* Effect.fork(effect)
          while ((yield* Fiber.poll(fiber))._tag === "None") {
            yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 10)))
            yield* TestClock.adjust("1 minute")
          }
          return yield* Fiber.join(fiber)
        })
      server.script.push(json(503, { error: { message: "busy" } }))
      expect(yield* settle(embedder.embed(["a"]))).toHaveLength(1)
      for (let i = 0; i < MAX_ATTEMPTS; i++) server.script.push(json(500, { error: { message: "down" } }))
      const error = yield* Effect.flip(settle(embedder.embed(["b"])))
      expect(error._tag).toBe("EmbeddingServerError")
      expect(error.message).toContain("HTTP 500")
      expect(server.bodies).toHaveLength(1 + 2 + MAX_ATTEMPTS)
      // A proxy's page where the answer should be: said as such, not as no answer.
      for (let i = 0; i < MAX_ATTEMPTS; i++) {
        server.script.push((res) => void res.writeHead(200, { "content-type": "application/json" }).end("<html>Bad gateway</html>"))
      }
      const garbled = yield* Effect.flip(settle(embedder.embed(["c"])))
      expect(garbled._tag).toBe("EmbeddingServerError")
      expect(garbled.message).toContain(`an answer that is not JSON from ${server.url}`)
    }))

  it.scopedLive("turns a 401 into a clear error that does not hold the key", () =>
    Effect.gen(function*() {
      const server = yield* fakeServer("openai")
      server.script.push(json(401, { error: { message: `Incorrect API key provided: ${SECRET}`, type: "invalid_request_error" } }))
      const error = yield* Effect.flip(chooseWith({ OPENAI_API_KEY: SECRET, OPENAI_BASE_URL: server.url }, { provider: "openai", model: "m" }))
      expect(error._tag).toBe("EmbeddingKeyRejected")
      expect(error.message).toBe("the openai server rejected the API key (HTTP 401): check OPENAI_API_KEY")
      expect(JSON.stringify(error)).not.toContain("SECRET")
      expect(server.bodies).toHaveLength(1)
    }))

  it.effect("says which variable to set when the key is missing, before any request", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(chooseWith({ OPENAI_BASE_URL: "http://127.0.0.1:9" }, { provider: "openai" }))
      expect(error.message).toBe("the openai provider needs an API key: set OPENAI_API_KEY in the environment (the server's, when the command goes through one), or embed with the offline hash provider")
      const provider = yield* Effect.flip(chooseWith({ MWI_EMBED_PROVIDER: "bert" }, {}))
      expect(provider.message).toBe(`invalid MWI_EMBED_PROVIDER: "bert" is not hash, openai or mistral`)
      expect((yield* chooseWith({}, {})).key).toBe(hashEmbedder.key)
      expect((yield* chooseWith({ MWI_EMBED_PROVIDER: "mistral", MISTRAL_API_KEY: SECRET }, { provider: "hash" })).key).toBe(hashEmbedder.key)
    }))
})

describe("mistral provider (@mistralai/mistralai against a loopback server)", () => {
  it.scopedLive("embeds in batches, retries a 429 honouring Retry-After, and refuses a rejected key clearly", () =>
    Effect.gen(function*() {
      const server = yield* fakeServer("mistral")
      const env = { MISTRAL_API_KEY: SECRET, MWI_MISTRAL_SERVER_URL: server.url, MWI_EMBED_BATCH_SIZE: "4" }
      const embedder = yield* chooseWith(env, { provider: "mistral" })
      expect(embedder.key).toBe("mistral/mistral-embed/1024")
      const local = yield* chooseWith(env, { provider: "mistral", model: "local-embed" })
      expect(local.key).toBe("mistral/local-embed/8")
      server.script.push(json(429, { message: "rate limited" }, { "retry-after": "1" }))
      const started = performance.now()
      const vectors = yield* local.embed(texts7)
      expect(performance.now() - started).toBeGreaterThanOrEqual(990)
      expect(vectors.map((v) => Array.from(v))).toEqual(texts7.map(expectedVector))
      // Two requests in flight at once: the 429 may have hit either.
      expect(server.answered.slice(1).sort((a, b) => a.length - b.length)).toEqual([["cinq", "six", "sept"], ["un", "deux", "trois", "quatre"]])
      expect(server.auth.every((a) => a === `Bearer ${SECRET}`)).toBe(true)

      server.script.push(json(401, { message: `Unauthorized key ${SECRET}` }))
      const error = yield* Effect.flip(local.embed(["x"]))
      expect(error.message).toBe("the mistral server rejected the API key (HTTP 401): check MISTRAL_API_KEY")
      expect(JSON.stringify(error)).not.toContain("SECRET")
      const missing = yield* Effect.flip(chooseWith({ MWI_EMBED_PROVIDER: "mistral" }, {}))
      expect(missing._tag).toBe("EmbeddingKeyMissing")
    }))
})

import { assert, describe, it, layer } from "@effect/vitest"
import { Chunk, ConfigProvider, Effect, Fiber, Layer, TestClock, TestContext } from "effect"
import iconv from "iconv-lite"
import { createServer } from "node:net"
import * as zlib from "node:zlib"
import {
  BlockedByRobots,
  failureReason,
  type FetchResult,
  parseContentType,
  parseRetryAfter
} from "../src/domain/fetch.js"
import { Fetcher } from "../src/services/Fetcher.js"
import { FetcherConfig, type FetcherSettings } from "../src/services/FetcherConfig.js"
import { startFixtureServer, streamBytes } from "./support/fixture-server.js"

const settings: Partial<FetcherSettings> = {
  timeoutMs: 1_000,
  maxBodyBytes: 1_000_000,
  maxRedirects: 5,
  retries: 3,
  backoffBaseMs: 20,
  retryAfterCapMs: 5_000
}
const TestFetcher = Fetcher.layer({ config: settings, allowPrivateNetwork: true })
// Timeouts are retried too: one retry keeps those tests short.
const ShortTimeoutFetcher = Fetcher.layer({ config: { ...settings, timeoutMs: 300, retries: 1 }, allowPrivateNetwork: true })

const html = (body: string) => `<!doctype html><html><head><title>t</title></head><body>${body}</body></html>`

const expectHtml = (result: FetchResult) => {
  if (result._tag !== "Html") throw new Error(`expected Html, got ${result._tag}`)
  return result
}

/** A few real milliseconds, for the sockets, while the test clock stands still. */
const realPause = Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 20)))

/** Waits (real time, up to 5 s) until `done` holds. */
const eventually = (done: Effect.Effect<boolean>) =>
  Effect.gen(function*() {
    for (let i = 0; i < 250; i++) {
      if (yield* done) return
      yield* realPause
    }
    assert.fail("still not done after 5 s")
  })

const closedPort = Effect.async<number>((resume) => {
  const server = createServer().listen(0, "127.0.0.1", () => {
    const { port } = server.address() as { port: number }
    server.close(() => resume(Effect.succeed(port)))
  })
})

layer(TestFetcher, { excludeTestServices: true })("Fetcher", (it) => {
  it.scoped("200 HTML with our request headers", () =>
    Effect.gen(function*() {
      const server = yield* startFixtureServer({
        "/": (_, res) => res.writeHead(200, { "content-type": "text/html; charset=utf-8", "X-Custom": "A" }).end(html("héllo"))
      })
      const page = expectHtml(yield* (yield* Fetcher).fetch(server.url("/")))
      assert.strictEqual(page.status, 200)
      assert.include(page.body, "héllo")
      assert.strictEqual(page.charset, "utf-8")
      assert.strictEqual(page.finalUrl, server.url("/"))
      assert.strictEqual(page.requestedUrl, server.url("/"))
      assert.deepStrictEqual(page.redirects, [])
      assert.strictEqual(page.attempts, 1)
      assert.strictEqual(page.headers["x-custom"], "A")
      assert.strictEqual(page.contentType, "text/html; charset=utf-8")
      assert.strictEqual(page.bytes, Buffer.byteLength(html("héllo")))
      const sent = server.requests[0]!.headers
      assert.match(sent["user-agent"] ?? "", /^MyWebIntelligence\/3 /)
      assert.strictEqual(sent["accept"], "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5")
      assert.strictEqual(sent["accept-encoding"], "gzip, deflate, br")
      assert.isUndefined(sent["traceparent"])
    }))

  it.scoped("an HTTP error page is a result, with its HTML body", () =>
    Effect.gen(function*() {
      const server = yield* startFixtureServer({
        "/missing": (_, res) => res.writeHead(404, { "content-type": "text/html" }).end(html("gone"))
      })
      const page = expectHtml(yield* (yield* Fetcher).fetch(server.url("/missing")))
      assert.strictEqual(page.status, 404)
      assert.include(page.body, "gone")
      assert.strictEqual(page.attempts, 1)
    }))

  it.scoped("follows 301 -> 302 -> 200 and records the chain", () =>
    Effect.gen(function*() {
      const server = yield* startFixtureServer({
        "/r1": (_, res) => res.writeHead(301, { location: "/r2" }).end(),
        "/r2": (_, res) => res.writeHead(302, { location: "/final?utm_source=x" }).end(),
        "/final": (_, res) => res.writeHead(200, { "content-type": "text/html" }).end(html("final"))
      })
      const page = expectHtml(yield* (yield* Fetcher).fetch(server.url("/r1")))
      assert.strictEqual(page.finalUrl, server.url("/final"))
      assert.deepStrictEqual(page.redirects, [{ url: server.url("/r1"), status: 301 }, {
        url: server.url("/r2"),
        status: 302
      }])
      assert.include(page.body, "final")
    }))

  it.scoped("a redirect loop fails with the chain", () =>
    Effect.gen(function*() {
      const server = yield* startFixtureServer({
        "/a": (_, res) => res.writeHead(302, { location: "/b" }).end(),
        "/b": (_, res) => res.writeHead(307, { location: "/a" }).end()
      })
      const error = yield* Effect.flip((yield* Fetcher).fetch(server.url("/a")))
      assert.strictEqual(error._tag, "RedirectLoop")
      if (error._tag === "RedirectLoop") {
        assert.deepStrictEqual(error.chain, [server.url("/a"), server.url("/b"), server.url("/a")])
      }
      assert.strictEqual(server.requests.length, 2)
    }))

  it.scoped("more redirects than the maximum fail", () =>
    Effect.gen(function*() {
      const server = yield* startFixtureServer()
      for (let i = 0; i < 10; i++) server.route(`/hop${i}`, (_, res) => res.writeHead(301, { location: `/hop${i + 1}` }).end())
      const error = yield* Effect.flip((yield* Fetcher).fetch(server.url("/hop0")))
      assert.strictEqual(error._tag, "TooManyRedirects")
      if (error._tag === "TooManyRedirects") {
        assert.strictEqual(error.max, 5)
        assert.strictEqual(error.chain.length, 7)
      }
      assert.strictEqual(server.requests.length, 6)
      assert.match(failureReason(error), /^TooManyRedirects: more than 5 redirects: /)
    }))

  it.scoped("an unusable Location fails as InvalidRedirect", () =>
    Effect.gen(function*() {
      const server = yield* startFixtureServer({
        "/mail": (_, res) => res.writeHead(302, { location: "mailto:someone@example.org" }).end()
      })
      const error = yield* Effect.flip((yield* Fetcher).fetch(server.url("/mail")))
      assert.strictEqual(error._tag, "InvalidRedirect")
    }))

  it.scoped("each hop passes the allow check (robots)", () =>
    Effect.gen(function*() {
      const server = yield* startFixtureServer({
        "/open": (_, res) => res.writeHead(301, { location: "/closed" }).end(),
        "/closed": (_, res) => res.writeHead(200, { "content-type": "text/html" }).end(html("secret"))
      })
      const allow = (url: string) => url.endsWith("/closed") ? Effect.fail(new BlockedByRobots({ url })) : Effect.void
      const error = yield* Effect.flip((yield* Fetcher).fetch(server.url("/open"), { allow }))
      assert.strictEqual(error._tag, "BlockedByRobots")
      assert.strictEqual(error.url, server.url("/closed"))
      assert.deepStrictEqual(server.requests.map((r) => r.path), ["/open"])
    }))

  it.scoped("500 twice then 200: retried, attempts counted", () =>
    Effect.gen(function*() {
      let calls = 0
      const server = yield* startFixtureServer({
        "/flaky": (_, res) =>
          ++calls <= 2
            ? res.writeHead(500, { "content-type": "text/html" }).end(html("oops"))
            : res.writeHead(200, { "content-type": "text/html" }).end(html("ok"))
      })
      const page = expectHtml(yield* (yield* Fetcher).fetch(server.url("/flaky")))
      assert.strictEqual(page.status, 200)
      assert.strictEqual(page.attempts, 3)
      assert.strictEqual(server.requestsTo("/flaky").length, 3)
    }))

  it.scoped("429 with Retry-After: 1 waits a second before retrying", () =>
    Effect.gen(function*() {
      let calls = 0
      const server = yield* startFixtureServer({
        "/busy": (_, res) =>
          ++calls === 1
            ? res.writeHead(429, { "retry-after": "1" }).end()
            : res.writeHead(200, { "content-type": "text/html" }).end(html("ok"))
      })
      // The wait is on the test clock: the second passes at once, and not a millisecond sooner. The timeouts are long,
      // so the only sleep due at 1000 is the wait.
      const fetching = yield* Effect.fork((yield* Fetcher).fetch(server.url("/busy")))
      yield* eventually(TestClock.sleeps().pipe(Effect.map(Chunk.some((at) => at === 1_000))))
      yield* TestClock.adjust("999 millis")
      yield* realPause
      assert.strictEqual(server.requestsTo("/busy").length, 1)
      yield* TestClock.adjust("1 millis")
      const page = expectHtml(yield* Fiber.join(fetching))
      assert.strictEqual(page.attempts, 2)
      assert.strictEqual(server.requestsTo("/busy").length, 2)
    }).pipe(Effect.provide(Layer.merge(
      Fetcher.layer({ config: { ...settings, timeoutMs: 60_000 }, allowPrivateNetwork: true }),
      TestContext.TestContext
    ))))

  it.scoped("a persistent 503 is returned as a result after the retries", () =>
    Effect.gen(function*() {
      const server = yield* startFixtureServer({
        "/down": (_, res) => res.writeHead(503, { "content-type": "text/html" }).end(html("maintenance"))
      })
      const page = expectHtml(yield* (yield* Fetcher).fetch(server.url("/down")))
      assert.strictEqual(page.status, 503)
      assert.strictEqual(page.attempts, 4)
      assert.include(page.body, "maintenance")
      const times = server.requestsTo("/down").map((r) => r.at)
      assert.strictEqual(times.length, 4)
      // exponential backoff: 20, 40, 80 ms (±50% jitter)
      assert.isAtLeast(times[3]! - times[0]!, 70)
    }))

  it.scoped("a refused connection is ConnectionRefused after the retries", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const error = yield* Effect.flip((yield* Fetcher).fetch(`http://127.0.0.1:${port}/`))
      assert.strictEqual(error._tag, "ConnectionRefused")
      assert.strictEqual(error.message, `connection refused by 127.0.0.1:${port}`)
    }))

  it.scoped("a hanging response times out in the headers phase", () =>
    Effect.gen(function*() {
      const server = yield* startFixtureServer({ "/hang": () => {} })
      const started = performance.now()
      const error = yield* Effect.flip((yield* Fetcher).fetch(server.url("/hang")))
      assert.strictEqual(error._tag, "FetchTimeout")
      if (error._tag === "FetchTimeout") {
        assert.strictEqual(error.phase, "headers")
        assert.strictEqual(error.timeoutMs, 300)
      }
      assert.strictEqual(server.requestsTo("/hang").length, 2)
      assert.isBelow(performance.now() - started, 2_000)
    }).pipe(Effect.provide(ShortTimeoutFetcher)))

  it.scoped("a slow drip body times out in the body phase", () =>
    Effect.gen(function*() {
      const server = yield* startFixtureServer({
        "/drip": (_, res) => {
          res.writeHead(200, { "content-type": "text/html" })
          res.write("<!doctype html><html>")
          const timer = setInterval(() => res.write("."), 50)
          res.on("close", () => clearInterval(timer))
        }
      })
      const error = yield* Effect.flip((yield* Fetcher).fetch(server.url("/drip")))
      assert.strictEqual(error._tag, "FetchTimeout")
      if (error._tag === "FetchTimeout") assert.strictEqual(error.phase, "body")
      yield* Effect.sleep("50 millis")
      assert.isTrue(server.requestsTo("/drip").every((r) => r.finished === false))
    }).pipe(Effect.provide(ShortTimeoutFetcher)))

  const hundredMb = 100 * 1024 * 1024

  it.scoped("a 100 MB body with Content-Length fails at once, unread", () =>
    Effect.gen(function*() {
      let sent = () => 0
      const server = yield* startFixtureServer({
        "/huge": (_, res) => {
          res.writeHead(200, { "content-type": "text/html", "content-length": String(hundredMb) })
          sent = streamBytes(res, hundredMb)
        }
      })
      const started = performance.now()
      const error = yield* Effect.flip((yield* Fetcher).fetch(server.url("/huge")))
      assert.strictEqual(error._tag, "BodyTooLarge")
      assert.isBelow(performance.now() - started, 2_000)
      yield* Effect.sleep("100 millis")
      assert.isFalse(server.requestsTo("/huge")[0]!.finished)
      assert.isBelow(sent(), 20 * 1024 * 1024)
    }))

  it.scoped("a 100 MB chunked body is cut at the cap and its socket closed", () =>
    Effect.gen(function*() {
      let sent = () => 0
      const server = yield* startFixtureServer({
        "/stream": (_, res) => {
          res.writeHead(200, { "content-type": "text/html" })
          res.write("<!doctype html>")
          sent = streamBytes(res, hundredMb)
        }
      })
      const started = performance.now()
      const error = yield* Effect.flip((yield* Fetcher).fetch(server.url("/stream")))
      assert.strictEqual(error._tag, "BodyTooLarge")
      if (error._tag === "BodyTooLarge") assert.strictEqual(error.limitBytes, 1_000_000)
      assert.isBelow(performance.now() - started, 2_000)
      yield* Effect.sleep("100 millis")
      const record = server.requestsTo("/stream")[0]!
      assert.isFalse(record.finished)
      assert.isDefined(record.closedAt)
      assert.isBelow(sent(), 20 * 1024 * 1024)
    }))

  it.scoped("a gzip bomb is capped on its decompressed size", () =>
    Effect.gen(function*() {
      // 50 concatenated gzip members of 1 MiB of spaces each: 50 MiB once inflated, ~50 KB on the wire.
      const member = zlib.gzipSync(Buffer.alloc(1024 * 1024, 0x20), { level: 9 })
      const bomb = Buffer.concat(Array.from({ length: 50 }, () => member))
      assert.isBelow(bomb.length, 100_000)
      const server = yield* startFixtureServer({
        "/bomb": (_, res) => res.writeHead(200, { "content-type": "text/html", "content-encoding": "gzip" }).end(bomb)
      })
      const error = yield* Effect.flip((yield* Fetcher).fetch(server.url("/bomb")))
      assert.strictEqual(error._tag, "BodyTooLarge")
    }))

  it.scoped("gzip, deflate and br bodies are decoded", () =>
    Effect.gen(function*() {
      const text = html("compressed café")
      const server = yield* startFixtureServer({
        "/gzip": (_, res) =>
          res.writeHead(200, { "content-type": "text/html", "content-encoding": "gzip" }).end(zlib.gzipSync(text)),
        "/deflate": (_, res) =>
          res.writeHead(200, { "content-type": "text/html", "content-encoding": "deflate" }).end(zlib.deflateSync(text)),
        "/br": (_, res) =>
          res.writeHead(200, { "content-type": "text/html", "content-encoding": "br" }).end(zlib.brotliCompressSync(text))
      })
      const fetcher = yield* Fetcher
      for (const path of ["/gzip", "/deflate", "/br"]) {
        const page = expectHtml(yield* fetcher.fetch(server.url(path)))
        assert.strictEqual(page.body, text, path)
        assert.strictEqual(page.bytes, Buffer.byteLength(text), path)
      }
    }))

  it.scoped("non-HTML content types are NotHtml, their bodies left unread", () =>
    Effect.gen(function*() {
      const pdfSize = 50 * 1024 * 1024
      let sent = () => 0
      const server = yield* startFixtureServer({
        "/image.png": (_, res) =>
          res.writeHead(200, { "content-type": "image/png", "content-length": "8" }).end(
            Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
          ),
        "/doc.pdf": (_, res) => {
          res.writeHead(200, { "content-type": "application/pdf", "content-length": String(pdfSize) })
          sent = streamBytes(res, pdfSize)
        }
      })
      const fetcher = yield* Fetcher
      const png = yield* fetcher.fetch(server.url("/image.png"))
      assert.strictEqual(png._tag, "NotHtml")
      assert.strictEqual(png.contentType, "image/png")
      assert.strictEqual(png.bytes, 8)
      const pdf = yield* fetcher.fetch(server.url("/doc.pdf"))
      assert.strictEqual(pdf._tag, "NotHtml")
      assert.strictEqual(pdf.bytes, pdfSize)
      yield* Effect.sleep("100 millis")
      assert.isFalse(server.requestsTo("/doc.pdf")[0]!.finished)
      assert.isBelow(sent(), 20 * 1024 * 1024)
    }))

  it.scoped("a missing or malformed Content-Type is sniffed", () =>
    Effect.gen(function*() {
      const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(2000)])
      const server = yield* startFixtureServer({
        "/bare-html": (_, res) => res.writeHead(200).end(`\n  ${html("sniffed")}`),
        "/bare-png": (_, res) => res.writeHead(200).end(png),
        "/malformed": (_, res) => res.writeHead(200, { "content-type": "html" }).end(html("malformed")),
        "/empty-type": (_, res) => res.writeHead(200, { "content-type": "; charset=utf-8" }).end(html("empty type")),
        "/bad-charset": (_, res) =>
          res.writeHead(200, { "content-type": "text/html; charset=no-such-charset" }).end(html("bad charset é"))
      })
      const fetcher = yield* Fetcher
      assert.include(expectHtml(yield* fetcher.fetch(server.url("/bare-html"))).body, "sniffed")
      const bare = yield* fetcher.fetch(server.url("/bare-png"))
      assert.strictEqual(bare._tag, "NotHtml")
      assert.strictEqual(bare.contentType, null)
      assert.include(expectHtml(yield* fetcher.fetch(server.url("/malformed"))).body, "malformed")
      assert.include(expectHtml(yield* fetcher.fetch(server.url("/empty-type"))).body, "empty type")
      const badCharset = expectHtml(yield* fetcher.fetch(server.url("/bad-charset")))
      assert.strictEqual(badCharset.charset, "utf-8")
      assert.include(badCharset.body, "bad charset é")
    }))

  it.scoped("charsets: header, <meta>, http-equiv, BOM, default", () =>
    Effect.gen(function*() {
      const latin1 = (text: string) => iconv.encode(text, "latin1")
      const server = yield* startFixtureServer({
        "/header": (_, res) =>
          res.writeHead(200, { "content-type": "text/html; charset=ISO-8859-1" }).end(latin1(html("café"))),
        "/meta": (_, res) =>
          res.writeHead(200, { "content-type": "text/html" }).end(
            latin1(`<!doctype html><html><head><meta charset="iso-8859-1"></head><body>déjà</body></html>`)
          ),
        "/http-equiv": (_, res) =>
          res.writeHead(200, { "content-type": "text/html" }).end(
            iconv.encode(
              `<html><head><meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS"></head><body>日本語</body></html>`,
              "shift_jis"
            )
          ),
        "/bom": (_, res) =>
          res.writeHead(200, { "content-type": "text/html; charset=iso-8859-1" }).end(
            Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(html("naïve"))])
          ),
        "/cp1252": (_, res) =>
          res.writeHead(200, { "content-type": "text/html; charset=iso-8859-1" }).end(
            Buffer.concat([Buffer.from("<html><body>"), Buffer.from([0x93, 0x71, 0x94]), Buffer.from("</body></html>")])
          ),
        "/default": (_, res) => res.writeHead(200, { "content-type": "text/html" }).end(html("ünïcödé"))
      })
      const fetcher = yield* Fetcher
      const header = expectHtml(yield* fetcher.fetch(server.url("/header")))
      assert.include(header.body, "café")
      assert.strictEqual(header.charset, "windows-1252")
      const meta = expectHtml(yield* fetcher.fetch(server.url("/meta")))
      assert.include(meta.body, "déjà")
      assert.strictEqual(meta.charset, "windows-1252")
      const equiv = expectHtml(yield* fetcher.fetch(server.url("/http-equiv")))
      assert.include(equiv.body, "日本語")
      assert.strictEqual(equiv.charset, "shift_jis")
      const bom = expectHtml(yield* fetcher.fetch(server.url("/bom")))
      assert.strictEqual(bom.charset, "utf-8")
      assert.include(bom.body, "naïve")
      assert.isFalse(bom.body.startsWith("\uFEFF"))
      assert.include(expectHtml(yield* fetcher.fetch(server.url("/cp1252"))).body, "\u201Cq\u201D")
      const fallback = expectHtml(yield* fetcher.fetch(server.url("/default")))
      assert.strictEqual(fallback.charset, "utf-8")
      assert.include(fallback.body, "ünïcödé")
    }))

  it.scoped("fetchText reads any content type", () =>
    Effect.gen(function*() {
      const server = yield* startFixtureServer({
        "/robots.txt": (_, res) => res.writeHead(200, { "content-type": "text/plain" }).end("User-agent: *\nDisallow:\n")
      })
      const text = yield* (yield* Fetcher).fetchText(server.url("/robots.txt"))
      assert.strictEqual(text.body, "User-agent: *\nDisallow:\n")
      assert.strictEqual(text.status, 200)
    }))
})

describe("content rules", () => {
  it("parseRetryAfter: seconds or an HTTP date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z")
    assert.strictEqual(parseRetryAfter("3", now), 3_000)
    assert.strictEqual(parseRetryAfter("Thu, 01 Jan 2026 00:00:10 GMT", now), 10_000)
    assert.strictEqual(parseRetryAfter("Wed, 31 Dec 2025 00:00:00 GMT", now), 0)
    assert.isUndefined(parseRetryAfter("soon", now))
    assert.isUndefined(parseRetryAfter(undefined, now))
  })

  it("parseContentType: mime and charset, undefined when unusable", () => {
    assert.deepStrictEqual(parseContentType("Text/HTML; Charset=\"ISO-8859-1\""), { mime: "text/html", charset: "ISO-8859-1" })
    assert.deepStrictEqual(parseContentType("application/xhtml+xml"), { mime: "application/xhtml+xml", charset: undefined })
    assert.deepStrictEqual(parseContentType("text/html; charset="), { mime: "text/html", charset: undefined })
    assert.isUndefined(parseContentType("html"))
    assert.isUndefined(parseContentType(""))
    assert.isUndefined(parseContentType(undefined))
  })
})

describe("FetcherConfig", () => {
  it.effect("reads the environment, explicit overrides win", () =>
    Effect.gen(function*() {
      const env = Layer.setConfigProvider(ConfigProvider.fromMap(
        new Map([["MWI_FETCH_TIMEOUT_MS", "1234"], ["MWI_MAX_REDIRECTS", "2"], ["MWI_USER_AGENT", "TestBot/1"]])
      ))
      const fromEnv = yield* Effect.provide(FetcherConfig, FetcherConfig.Default.pipe(Layer.provide(env)))
      assert.deepStrictEqual(fromEnv, {
        timeoutMs: 1234,
        maxBodyBytes: 10 * 1024 * 1024,
        maxRedirects: 2,
        userAgent: "TestBot/1",
        retries: 3,
        backoffBaseMs: 500,
        retryAfterCapMs: 60_000
      })
      const overridden = yield* Effect.provide(FetcherConfig, FetcherConfig.layer({ timeoutMs: 50 }).pipe(Layer.provide(env)))
      assert.strictEqual(overridden.timeoutMs, 50)
      assert.strictEqual(overridden.maxRedirects, 2)
      const invalid = Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["MWI_FETCH_TIMEOUT_MS", "0"]])))
      const error = yield* Effect.flip(Effect.provide(FetcherConfig, FetcherConfig.Default.pipe(Layer.provide(invalid))))
      assert.include(String(error), "MWI_FETCH_TIMEOUT_MS must be a positive integer")
    }))
})

describe("failureReason", () => {
  it("is one line naming the failure", () => {
    const reason = failureReason(new BlockedByRobots({ url: "https://example.org/a\nb" }))
    assert.strictEqual(reason, "BlockedByRobots: https://example.org/a b is disallowed by robots.txt")
  })
})

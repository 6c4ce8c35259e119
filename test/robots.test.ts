import { assert, it, layer } from "@effect/vitest"
import { Effect, Fiber, TestClock } from "effect"
import { createServer } from "node:net"
import { BlockedByRobots } from "../src/domain/fetch.js"
import { Fetcher } from "../src/services/Fetcher.js"
import { CRAWL_DELAY_CAP_MS, makeRobots, productToken, Robots } from "../src/services/Robots.js"
import { type FixtureServer, type Route, startFixtureServer } from "./support/fixture-server.js"

const TestFetcher = Fetcher.layer({
  config: { timeoutMs: 1_000, retries: 2, backoffBaseMs: 10 },
  allowPrivateNetwork: true
})

const robotsTxt = (text: string, status = 200): Route => (_, res) =>
  res.writeHead(status, { "content-type": "text/plain" }).end(text)

const page: Route = (_, res) => res.writeHead(200, { "content-type": "text/html" }).end("<html></html>")

const robotsFetches = (server: FixtureServer) => server.requestsTo("/robots.txt").length

it("productToken keeps the product name of the User-Agent", () => {
  assert.strictEqual(productToken("MyWebIntelligence/3 (+https://github.com/MyWebIntelligence)"), "MyWebIntelligence")
  assert.strictEqual(productToken("FooBot"), "FooBot")
})

layer(TestFetcher, { excludeTestServices: true })("Robots", (it) => {
  it.scoped("Disallow in our agent's group, which takes precedence over *", () =>
    Effect.gen(function*() {
      const server = yield* startFixtureServer({
        "/robots.txt": robotsTxt("User-agent: *\nDisallow: /\n\nUser-agent: MyWebIntelligence\nDisallow: /private\n")
      })
      const robots = yield* makeRobots
      assert.isFalse((yield* robots.check(server.url("/private/page"))).allowed)
      assert.isTrue((yield* robots.check(server.url("/public"))).allowed)
      assert.strictEqual(robotsFetches(server), 1)
    }))

  it.scoped("Allow overrides a broader Disallow", () =>
    Effect.gen(function*() {
      const server = yield* startFixtureServer({
        "/robots.txt": robotsTxt("User-agent: mywebintelligence\nDisallow: /docs\nAllow: /docs/public\n")
      })
      const robots = yield* makeRobots
      assert.isTrue((yield* robots.check(server.url("/docs/public/a.html"))).allowed)
      assert.isFalse((yield* robots.check(server.url("/docs/secret"))).allowed)
      assert.isTrue((yield* robots.check(server.url("/other"))).allowed)
    }))

  it.scoped("the * group applies when no group names us", () =>
    Effect.gen(function*() {
      const server = yield* startFixtureServer({
        "/robots.txt": robotsTxt("User-agent: OtherBot\nDisallow: /\n\nUser-agent: *\nDisallow: /tmp/\n")
      })
      const robots = yield* makeRobots
      assert.isFalse((yield* robots.check(server.url("/tmp/x"))).allowed)
      assert.isTrue((yield* robots.check(server.url("/x"))).allowed)
    }))

  it.scoped("Crawl-delay in milliseconds, capped", () =>
    Effect.gen(function*() {
      const slow = yield* startFixtureServer({ "/robots.txt": robotsTxt("User-agent: *\nCrawl-delay: 2.5\n") })
      const glacial = yield* startFixtureServer({ "/robots.txt": robotsTxt("User-agent: *\nCrawl-delay: 3600\n") })
      const none = yield* startFixtureServer({ "/robots.txt": robotsTxt("User-agent: *\nDisallow:\n") })
      const robots = yield* makeRobots
      assert.deepStrictEqual(yield* robots.check(slow.url("/")), { allowed: true, refusal: null, crawlDelayMs: 2_500 })
      assert.strictEqual((yield* robots.check(glacial.url("/"))).crawlDelayMs, CRAWL_DELAY_CAP_MS)
      assert.strictEqual((yield* robots.check(none.url("/"))).crawlDelayMs, null)
    }))

  it.scoped("a 404 robots.txt allows everything", () =>
    Effect.gen(function*() {
      const server = yield* startFixtureServer({ "/robots.txt": robotsTxt("not here", 404) })
      const robots = yield* makeRobots
      assert.deepStrictEqual(yield* robots.check(server.url("/anything")), { allowed: true, refusal: null, crawlDelayMs: null })
    }))

  it.scoped("a 500 robots.txt disallows everything (after the retries), as robots.txt unreachable, not disallowed", () =>
    Effect.gen(function*() {
      const server = yield* startFixtureServer({ "/robots.txt": robotsTxt("broken", 500) })
      const robots = yield* makeRobots
      const verdict = yield* robots.check(server.url("/anything"))
      assert.isFalse(verdict.allowed)
      assert.strictEqual(verdict.refusal?._tag, "RobotsUnreachable")
      assert.match(verdict.refusal!.message, /^robots\.txt unreachable: .* answered 500/)
      assert.isFalse((yield* robots.check(server.url("/other"))).allowed)
      assert.strictEqual(robotsFetches(server), 3)
    }))

  it.scoped("rules that were read and disallow give BlockedByRobots for the URL checked", () =>
    Effect.gen(function*() {
      const server = yield* startFixtureServer({ "/robots.txt": robotsTxt("User-agent: *\nDisallow: /no\n") })
      const verdict = yield* (yield* makeRobots).check(server.url("/no/page"))
      assert.strictEqual(verdict.refusal?._tag, "BlockedByRobots")
      assert.strictEqual((verdict.refusal as BlockedByRobots).url, server.url("/no/page"))
    }))

  it.scoped("an unreachable host disallows everything, the refusal saying the connection was refused", () =>
    Effect.gen(function*() {
      const port = yield* Effect.async<number>((resume) => {
        const probe = createServer().listen(0, "127.0.0.1", () => {
          const { port } = probe.address() as { port: number }
          probe.close(() => resume(Effect.succeed(port)))
        })
      })
      const robots = yield* makeRobots
      const verdict = yield* robots.check(`http://127.0.0.1:${port}/page`)
      assert.isFalse(verdict.allowed)
      assert.strictEqual(verdict.refusal?._tag, "ConnectionRefused")
    }))

  it.scoped("robots.txt redirects are followed", () =>
    Effect.gen(function*() {
      const server = yield* startFixtureServer({
        "/robots.txt": (_, res) => res.writeHead(301, { location: "/real-robots.txt" }).end(),
        "/real-robots.txt": robotsTxt("User-agent: *\nDisallow: /no\n")
      })
      const robots = yield* makeRobots
      assert.isFalse((yield* robots.check(server.url("/no"))).allowed)
      assert.isTrue((yield* robots.check(server.url("/yes"))).allowed)
    }))

  it.scoped("fetched once per host for many concurrent checks", () =>
    Effect.gen(function*() {
      const server = yield* startFixtureServer({
        "/robots.txt": (_, res) =>
          void setTimeout(() => res.writeHead(200, { "content-type": "text/plain" }).end("User-agent: *\nDisallow: /x\n"), 100)
      })
      const robots = yield* makeRobots
      const verdicts = yield* Effect.forEach(
        Array.from({ length: 50 }, (_, i) => server.url(i % 2 === 0 ? `/x/${i}` : `/y/${i}`)),
        (url) => robots.check(url),
        { concurrency: "unbounded" }
      )
      assert.deepStrictEqual(verdicts.map((v) => v.allowed), Array.from({ length: 50 }, (_, i) => i % 2 === 1))
      assert.strictEqual(robotsFetches(server), 1)
    }))

  it.scoped("an interrupted first check does not cancel the fetch for the others", () =>
    Effect.gen(function*() {
      const server = yield* startFixtureServer({
        "/robots.txt": (_, res) =>
          void setTimeout(() => res.writeHead(200, { "content-type": "text/plain" }).end("User-agent: *\nDisallow: /x\n"), 100)
      })
      const robots = yield* makeRobots
      const first = yield* Effect.fork(robots.check(server.url("/x")))
      yield* Effect.sleep("20 millis")
      yield* Fiber.interrupt(first)
      assert.isFalse((yield* robots.check(server.url("/x"))).allowed)
      assert.strictEqual(robotsFetches(server), 1)
    }))

  it.scoped("each job (scope) has its own cache", () =>
    Effect.gen(function*() {
      const server = yield* startFixtureServer({ "/robots.txt": robotsTxt("User-agent: *\nDisallow:\n"), "/": page })
      yield* Effect.scoped(Effect.flatMap(makeRobots, (robots) => robots.check(server.url("/"))))
      yield* Effect.scoped(Effect.flatMap(makeRobots, (robots) => robots.check(server.url("/"))))
      assert.strictEqual(robotsFetches(server), 2)
    }))

  it.scoped("Robots.allowAll (a job's ignoreRobots) allows everything without fetching", () =>
    Effect.gen(function*() {
      const server = yield* startFixtureServer({ "/robots.txt": robotsTxt("User-agent: *\nDisallow: /\n") })
      const robots = yield* Effect.provide(Robots, Robots.allowAll)
      assert.isTrue((yield* robots.check(server.url("/anything"))).allowed)
      assert.strictEqual(server.requests.length, 0)
    }))

  it.scoped("as the Fetcher's allow check, a disallowed redirect hop is BlockedByRobots", () =>
    Effect.gen(function*() {
      const server = yield* startFixtureServer({
        "/robots.txt": robotsTxt("User-agent: *\nDisallow: /private\n"),
        "/go": (_, res) => res.writeHead(302, { location: "/private/page" }).end(),
        "/private/page": page
      })
      const robots = yield* makeRobots
      const allow = (url: string) =>
        Effect.flatMap(robots.check(url), (v) => v.allowed ? Effect.void : Effect.fail(new BlockedByRobots({ url })))
      const error = yield* Effect.flip((yield* Fetcher).fetch(server.url("/go"), { allow }))
      assert.strictEqual(error._tag, "BlockedByRobots")
      assert.strictEqual(server.requestsTo("/private/page").length, 0)
    }))
})

// On the test clock: a day's cache, ten minutes for a robots.txt that could not be reached.
layer(TestFetcher)("Robots, cached per origin", (it) => {
  it.scoped("a robots.txt is fetched again after a day, an unreachable one after ten minutes", () =>
    Effect.gen(function*() {
      let failing = true
      const server = yield* startFixtureServer({
        "/robots.txt": robotsTxt("User-agent: *\nDisallow: /private\n")
      })
      const flaky = yield* startFixtureServer({
        "/robots.txt": (_, res) => failing ? res.writeHead(503).end() : res.writeHead(200).end("User-agent: *\nDisallow:\n")
      })
      const robots = yield* makeRobots
      const check = (s: FixtureServer) => robots.check(s.url("/page"))
      assert.isTrue((yield* check(server)).allowed)
      yield* TestClock.adjust("23 hours")
      assert.isTrue((yield* check(server)).allowed)
      assert.strictEqual(robotsFetches(server), 1)
      yield* TestClock.adjust("2 hours")
      assert.isTrue((yield* check(server)).allowed)
      assert.strictEqual(robotsFetches(server), 2)

      // 503 after the fetcher's retries (their backoff runs on the test clock too).
      const first = yield* Effect.fork(check(flaky))
      for (let i = 0; i < 10 && (yield* Fiber.poll(first))._tag === "None"; i++) {
        yield* TestClock.adjust("5 seconds")
        yield* Effect.yieldNow()
      }
      assert.isFalse((yield* Fiber.join(first)).allowed)
      failing = false
      yield* TestClock.adjust("9 minutes")
      assert.isFalse((yield* check(flaky)).allowed)
      yield* TestClock.adjust("2 minutes")
      assert.isTrue((yield* check(flaky)).allowed)
    }))
})

import { assert, describe, it } from "@effect/vitest"
import { Clock, Deferred, Effect, Fiber, Ref, Scope, TestClock } from "effect"
import { type HostRequest, type HostWork, type Lane, Politeness } from "../src/services/Politeness.js"

// The per-process politeness on the test clock: intervals are asserted exactly, and a test takes milliseconds.

const limits = (delayMs: number, perHost = 1) => ({ perHost, delayMs })

type Log = Ref.Ref<ReadonlyArray<readonly [string, number]>>
const newLog = Ref.make<ReadonlyArray<readonly [string, number]>>([])

/** A request to the host going out, as the Fetcher tells it: its turn, then its send. */
const leaves = (request: HostRequest, host: string) =>
  Effect.zipRight(request.onRequest(`http://${host}/`), Effect.sync(() => request.onSent(`http://${host}/`)))

/** Work that records when it started (clock time) under its name, then completes `done`. */
const recorded = (log: Log, name: string, work: Omit<HostWork, "run">) =>
  Effect.gen(function*() {
    const done = yield* Deferred.make<void>()
    const full: HostWork = {
      ...work,
      run: (request) =>
        Effect.gen(function*() {
          yield* leaves(request, work.host)
          const now = yield* Clock.currentTimeMillis
          yield* Ref.update(log, (l) => [...l, [name, now] as const])
          yield* Deferred.succeed(done, undefined)
        })
    }
    return { work: full, done }
  })

const startsOf = (log: ReadonlyArray<readonly [string, number]>, prefix = "") =>
  log.filter(([n]) => n.startsWith(prefix)).map(([, t]) => t)

const gaps = (starts: ReadonlyArray<number>) => starts.slice(1).map((t, i) => t - starts[i]!)

/** Moves the test clock on, a step at a time, until the fiber is done. */
const clockUntil = <A>(fiber: Fiber.Fiber<A>, stepMs = 10, maxMs = 60_000) =>
  Effect.gen(function*() {
    for (let t = 0; t < maxMs && (yield* Fiber.poll(fiber))._tag === "None"; t += stepMs) yield* TestClock.adjust(stepMs)
    return yield* Fiber.join(fiber)
  })

/** Submits work and lets the clock run until every piece has started. */
const runAll = (pairs: ReadonlyArray<readonly [Lane, Effect.Effect<{ work: HostWork; done: Deferred.Deferred<void> }>]>) =>
  Effect.gen(function*() {
    const dones: Array<Deferred.Deferred<void>> = []
    for (const [lane, make] of pairs) {
      const { done, work } = yield* make
      dones.push(done)
      yield* lane.submit(work)
    }
    yield* clockUntil(yield* Effect.fork(Effect.forEach(dones, Deferred.await, { discard: true })))
  })

describe("Politeness", () => {
  it.scoped("spaces request starts on a host by its interval, and keeps it across the retirement of its actor", () =>
    Effect.gen(function*() {
      const politeness = yield* Politeness
      const lane = yield* politeness.lane({ concurrency: 4 })
      const log = yield* newLog
      yield* runAll([[lane, recorded(log, "a1", { host: "a", limits: limits(300) })]])
      // The host's queue is empty: its actor retires. A URL of the same host arriving 50 ms later still waits.
      yield* TestClock.adjust(50)
      yield* runAll([
        [lane, recorded(log, "a2", { host: "a", limits: limits(300) })],
        [lane, recorded(log, "a3", { host: "a", limits: limits(300) })]
      ])
      assert.deepStrictEqual(gaps(startsOf(yield* Ref.get(log))), [300, 300])
    }).pipe(Effect.provide(Politeness.Default)))

  it.scoped("a host waiting for its interval holds no slot of its job: another host goes meanwhile", () =>
    Effect.gen(function*() {
      const lane = yield* (yield* Politeness).lane({ concurrency: 1 })
      const log = yield* newLog
      yield* runAll([
        [lane, recorded(log, "a", { host: "a", limits: limits(500) })],
        [lane, recorded(log, "a", { host: "a", limits: limits(500) })],
        [lane, recorded(log, "b", { host: "b", limits: limits(500) })],
        [lane, recorded(log, "b", { host: "b", limits: limits(500) })]
      ])
      const starts = yield* Ref.get(log)
      assert.deepStrictEqual(startsOf(starts, "a"), [0, 500])
      assert.deepStrictEqual(startsOf(starts, "b"), [0, 500])
    }).pipe(Effect.provide(Politeness.Default)))

  it.scoped("the first request is spaced from robots.txt's, by the host's interval raised by its Crawl-delay", () =>
    Effect.gen(function*() {
      const lane = yield* (yield* Politeness).lane({ concurrency: 4 })
      const log = yield* newLog
      const prepare = Effect.map(Clock.currentTimeMillis, (now) => ({ intervalFloorMs: 400, requestedAt: now }))
      yield* TestClock.adjust(1000)
      yield* runAll([
        [lane, recorded(log, "a", { host: "a", limits: limits(100), prepare })],
        [lane, recorded(log, "a", { host: "a", limits: limits(100), prepare })]
      ])
      assert.deepStrictEqual(startsOf(yield* Ref.get(log)), [1400, 1800])
    }).pipe(Effect.provide(Politeness.Default)))

  it.scoped("two jobs on one host share its interval: the larger of theirs separates their requests", () =>
    Effect.gen(function*() {
      const politeness = yield* Politeness
      const crawl = yield* politeness.lane({ concurrency: 4 })
      const media = yield* politeness.lane({ concurrency: 4 })
      const log = yield* newLog
      yield* runAll([
        [crawl, recorded(log, "crawl", { host: "a", limits: limits(200) })],
        [media, recorded(log, "media", { host: "a", limits: limits(50) })],
        [crawl, recorded(log, "crawl", { host: "a", limits: limits(200) })],
        [media, recorded(log, "media", { host: "a", limits: limits(50) })]
      ])
      const starts = startsOf(yield* Ref.get(log))
      assert.lengthOf(starts, 4)
      for (const gap of gaps(starts)) assert.isAtLeast(gap, 200)
    }).pipe(Effect.provide(Politeness.Default)))

  it.scoped("jobs sharing a host take turns at it, whichever queued first", () =>
    Effect.gen(function*() {
      const politeness = yield* Politeness
      const first = yield* politeness.lane({ concurrency: 4 })
      const second = yield* politeness.lane({ concurrency: 4 })
      const log = yield* newLog
      yield* runAll([
        ...Array.from({ length: 4 }, () => [first, recorded(log, "first", { host: "a", limits: limits(100) })] as const),
        ...Array.from({ length: 2 }, () => [second, recorded(log, "second", { host: "a", limits: limits(100) })] as const)
      ])
      assert.deepStrictEqual((yield* Ref.get(log)).map(([n]) => n), ["first", "second", "first", "second", "first", "first"])
    }).pipe(Effect.provide(Politeness.Default)))

  it.scoped("per-host concurrency: at most `perHost` requests of a host in flight", () =>
    Effect.gen(function*() {
      const lane = yield* (yield* Politeness).lane({ concurrency: 10 })
      let inFlight = 0
      let most = 0
      const done = yield* Deferred.make<void>()
      let left = 6
      for (let i = 0; i < 6; i++) {
        yield* lane.submit({
          host: "a",
          limits: limits(0, 2),
          run: (request) =>
            Effect.gen(function*() {
              yield* leaves(request, "a")
              most = Math.max(most, ++inFlight)
              yield* Effect.sleep(100)
              inFlight--
              if (--left === 0) yield* Deferred.succeed(done, undefined)
            })
        })
      }
      yield* clockUntil(yield* Effect.fork(Deferred.await(done)), 10, 1000)
      assert.strictEqual(most, 2)
    }).pipe(Effect.provide(Politeness.Default)))

  it.scoped("a lane closed while its request waits for a slot frees the host for the other jobs", () =>
    Effect.gen(function*() {
      const politeness = yield* Politeness
      const log = yield* newLog
      const scope = yield* Scope.make()
      const lane = yield* Scope.extend(politeness.lane({ concurrency: 1 }), scope)
      // The lane's one slot is held by a request that never ends; the next waits for it, then the lane closes.
      yield* lane.submit({ host: "x", limits: limits(0), run: () => Effect.never })
      yield* lane.submit((yield* recorded(log, "a", { host: "a", limits: limits(0) })).work)
      yield* TestClock.adjust(10)
      yield* Scope.close(scope, { _tag: "Success", value: undefined } as never)
      const other = yield* politeness.lane({ concurrency: 1 })
      yield* runAll([[other, recorded(log, "b", { host: "a", limits: limits(0) })]])
      yield* runAll([[other, recorded(log, "c", { host: "x", limits: limits(0) })]])
      assert.deepStrictEqual((yield* Ref.get(log)).map(([n]) => n), ["b", "c"])
    }).pipe(Effect.provide(Politeness.Default)))

  it.scoped("a closed lane leaves nothing behind: its queued work never runs", () =>
    Effect.gen(function*() {
      const politeness = yield* Politeness
      const log = yield* newLog
      const scope = yield* Scope.make()
      const lane = yield* Scope.extend(politeness.lane({ concurrency: 1 }), scope)
      for (let i = 0; i < 3; i++) yield* lane.submit((yield* recorded(log, "a", { host: "a", limits: limits(1000) })).work)
      yield* TestClock.adjust(10)
      assert.lengthOf(yield* Ref.get(log), 1)
      yield* Scope.close(scope, { _tag: "Success", value: undefined } as never)
      yield* TestClock.adjust(5000)
      assert.lengthOf(yield* Ref.get(log), 1)
      // The host is free for another job, still spaced from the closed lane's last request.
      const other = yield* politeness.lane({ concurrency: 1 })
      yield* runAll([[other, recorded(log, "b", { host: "a", limits: limits(1000) })]])
      assert.deepStrictEqual(startsOf(yield* Ref.get(log)), [0, 5010])
    }).pipe(Effect.provide(Politeness.Default)))

  it.scoped("adaptive pace: a host refusing requests closer than 250 ms, asked every 100 ms, refuses 3 times at most", () =>
    Effect.gen(function*() {
      const lane = yield* (yield* Politeness).lane({ concurrency: 4 })
      const url = "http://a/"
      let lastAt = -Infinity
      const statuses: Array<number> = []
      const done = yield* Deferred.make<void>()
      const total = 60
      for (let i = 0; i < total; i++) {
        yield* lane.submit({
          host: "a",
          limits: limits(100),
          run: (request) =>
            Effect.gen(function*() {
              yield* leaves(request, "a")
              const now = yield* Clock.currentTimeMillis
              const status = now - lastAt < 250 ? 429 : 200
              lastAt = now
              statuses.push(status)
              yield* Effect.sleep(20)
              request.onAnswer(url, { status, elapsedMs: 20 })
              if (statuses.length === total) yield* Deferred.succeed(done, undefined)
            })
        })
      }
      yield* clockUntil(yield* Effect.fork(Deferred.await(done)), 50, 120_000)
      assert.isAtMost(statuses.filter((s) => s === 429).length, 3)
    }).pipe(Effect.provide(Politeness.Default)))

  it.scoped("adaptive pace: a refusal's Retry-After holds the host's next request back; successes bring the pace back", () =>
    Effect.gen(function*() {
      const lane = yield* (yield* Politeness).lane({ concurrency: 4 })
      const log = yield* newLog
      const answers = [{ status: 429, retryAfterMs: 2000 }, ...Array.from({ length: 120 }, () => ({ status: 200 }))]
      let n = 0
      const done = yield* Deferred.make<void>()
      for (let i = 0; i < answers.length; i++) {
        yield* lane.submit({
          host: "a",
          limits: limits(100),
          run: (request) =>
            Effect.gen(function*() {
              yield* leaves(request, "a")
              const now = yield* Clock.currentTimeMillis
              yield* Ref.update(log, (l) => [...l, ["a", now] as const])
              request.onAnswer("http://a/", { elapsedMs: 10, ...answers[n++]! })
              if (n === answers.length) yield* Deferred.succeed(done, undefined)
            })
        })
      }
      yield* clockUntil(yield* Effect.fork(Deferred.await(done)), 50, 600_000)
      const g = gaps(startsOf(yield* Ref.get(log)))
      assert.isAtLeast(g[0]!, 2000)
      // raised after the refusal, then back to the configured interval
      assert.isAtLeast(g[1]!, 190)
      assert.strictEqual(g.at(-1), 100)
    }).pipe(Effect.provide(Politeness.Default)))
})

import { assert, describe, it } from "@effect/vitest"
import { Clock, Deferred, Effect } from "effect"
import { makeHostScheduler } from "../src/streams/host-scheduler.js"

describe("host scheduler", () => {
  it.scopedLive("keeps a host's interval across the retirement of its actor", () =>
    Effect.gen(function*() {
      const scheduler = yield* makeHostScheduler({ concurrency: 4, perHost: 1, delayMs: 300 })
      const starts: Array<number> = []
      const once = Effect.gen(function*() {
        const done = yield* Deferred.make<void>()
        yield* scheduler.submit({
          host: "a.example",
          run: (requestStarting) =>
            Effect.zipRight(requestStarting, Effect.sync(() => starts.push(performance.now()))).pipe(
              Effect.zipRight(Deferred.succeed(done, undefined))
            )
        })
        yield* Deferred.await(done)
      })
      yield* once
      // the host's queue is empty now: its actor retires; a URL of the same host arriving later still waits
      yield* Effect.sleep("50 millis")
      yield* once
      yield* once
      assert.lengthOf(starts, 3)
      for (let i = 1; i < starts.length; i++) assert.isAtLeast(starts[i]! - starts[i - 1]!, 295)
    }))

  it.scopedLive("a host waiting for its interval holds no global slot", () =>
    Effect.gen(function*() {
      const scheduler = yield* makeHostScheduler({ concurrency: 1, perHost: 1, delayMs: 500 })
      const log: Array<string> = []
      const all = yield* Deferred.make<void>()
      let left = 4
      const work = (host: string) => ({
        host,
        run: (requestStarting: Effect.Effect<void>) =>
          Effect.zipRight(requestStarting, Effect.sync(() => log.push(host))).pipe(
            Effect.zipRight(Effect.suspend(() => (--left === 0 ? Deferred.succeed(all, undefined) : Effect.void)))
          )
      })
      // two URLs of a first, then b: with one global slot, b runs while a waits for its 500 ms
      yield* scheduler.submit(work("a"))
      yield* scheduler.submit(work("a"))
      yield* scheduler.submit(work("b"))
      yield* scheduler.submit(work("b"))
      yield* Deferred.await(all)
      assert.deepStrictEqual(log.slice(0, 2).sort(), ["a", "b"])
    }))

  it.scopedLive("the first request is spaced from the one made while getting ready (robots.txt), by the host's interval", () =>
    Effect.gen(function*() {
      const scheduler = yield* makeHostScheduler({ concurrency: 4, perHost: 1, delayMs: 100 })
      const done = yield* Deferred.make<number>()
      let robotsAt = 0
      yield* scheduler.submit({
        host: "a.example",
        // robots.txt requested now, with a Crawl-delay of 400 ms raising the 100 ms interval
        prepare: Effect.map(Clock.currentTimeMillis, (now) => {
          robotsAt = now
          return { intervalFloorMs: 400, requestedAt: now }
        }),
        run: (requestStarting) =>
          Effect.zipRight(requestStarting, Effect.flatMap(Clock.currentTimeMillis, (now) => Deferred.succeed(done, now)))
      })
      assert.isAtLeast((yield* Deferred.await(done)) - robotsAt, 400)
    }))
})

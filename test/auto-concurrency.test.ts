import { assert, it } from "@effect/vitest"
import { Effect, Fiber, TestClock } from "effect"
import { makePrioritySlots } from "../src/services/PrioritySlots.js"
import { autoscale, storeTimes } from "../src/streams/auto-concurrency.js"
import { AUTO_START } from "../src/streams/crawl-options.js"

// The controller samples every 500 ms of the (test) clock; the event loop, idle between two adjustments, keeps up.
const samples = (n: number) => Effect.repeatN(TestClock.adjust("500 millis"), n - 1)

/** Every slot taken and `extra` requests waiting for one: the bound is what holds the job back. */
const saturate = (slots: ReturnType<typeof makePrioritySlots>, extra: number) =>
  Effect.gen(function*() {
    const fibers = []
    for (let i = 0; i < slots.limit() + extra; i++) fibers.push(yield* Effect.fork(slots.take(0)))
    yield* Effect.yieldNow()
    return fibers
  })

it.scoped("--concurrency auto: the bound grows while the database keeps up and requests wait, shrinks when it does not", () =>
  Effect.gen(function*() {
    const slots = makePrioritySlots(AUTO_START)
    const store = storeTimes()
    store.record(20)
    yield* autoscale(slots, store)

    // nothing waits for a slot: no reason to grow
    yield* samples(2)
    assert.strictEqual(slots.limit(), AUTO_START)

    // requests wait and store batches stay fast: +10% (at least one) per sample
    const waiting = yield* saturate(slots, 50)
    for (let i = 0; i < 4; i++) store.record(25)
    yield* samples(4)
    const grown = slots.limit()
    assert.isAtLeast(grown, AUTO_START + 4, `bound after 4 samples: ${grown}`)

    // the database stops keeping up (batches over 250 ms and three times their best): −20% per sample
    for (let i = 0; i < 10; i++) store.record(900)
    yield* samples(3)
    assert.isBelow(slots.limit(), grown)
    assert.isAtMost(slots.limit(), Math.floor(grown * 0.8))

    // it never goes below one
    yield* samples(30)
    assert.strictEqual(slots.limit(), 1)
    yield* Effect.forEach(waiting, Fiber.interrupt, { discard: true })
  }))

import { Effect, type Scope } from "effect"
import { monitorEventLoopDelay } from "node:perf_hooks"
import { getHeapStatistics } from "node:v8"
import type { Lane } from "../services/Politeness.js"
import { AUTO_MAX } from "./crawl-options.js"

const SAMPLE_MS = 500
// Overloaded, after Crawlee's AutoscaledPool: the event loop late by more than 50 ms (its p90 over the sample), the
// heap more than 70% full, or a store batch taking three times its best and over a quarter of a second.
const LOOP_DELAY_MS = 50
const HEAP_SHARE = 0.7
const STORE_SLOWDOWN = 3
const STORE_SLOW_MS = 250
// Up by 25% (at least one) per sample while everything keeps up and the bound is what holds the job back; down by
// 20% when something does not keep up, so that an overload is shed faster than load is added.
const GROW = 0.25
const SHRINK = 0.2

/** What the crawl tells the controller: how long its store batches take. */
export interface StoreTimes {
  readonly record: (ms: number) => void
  readonly slow: () => boolean
}

export const storeTimes = (): StoreTimes => {
  let best = Infinity
  let recent: number | null = null
  return {
    record: (ms) => {
      best = Math.min(best, ms)
      recent = recent === null ? ms : recent + 0.3 * (ms - recent)
    },
    slow: () => recent !== null && recent > STORE_SLOW_MS && recent > STORE_SLOWDOWN * best
  }
}

const eventLoopDelay = Effect.acquireRelease(
  Effect.sync(() => {
    const histogram = monitorEventLoopDelay({ resolution: 10 })
    histogram.enable()
    return histogram
  }),
  (histogram) => Effect.sync(() => histogram.disable())
)

/**
 * Moves a lane's bound on requests in flight with what the process can bear: it grows while the event loop, the memory
 * and the database keep up and the bound is full (requests wait for a slot), and shrinks as soon as one does not.
 * Runs until the scope closes.
 */
export const autoscale = (slots: Lane["slots"], store: StoreTimes): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function*() {
    const loop = yield* eventLoopDelay
    const step = Effect.sync(() => {
      const lateMs = loop.percentile(90) / 1e6
      loop.reset()
      const heap = getHeapStatistics()
      const overloaded = lateMs > LOOP_DELAY_MS || heap.used_heap_size > HEAP_SHARE * heap.heap_size_limit || store.slow()
      const limit = slots.limit()
      if (overloaded) slots.resize(Math.max(1, Math.floor(limit * (1 - SHRINK))))
      else if (slots.inUse() >= limit && slots.waiting() > 0) slots.resize(Math.min(AUTO_MAX, limit + Math.max(1, Math.floor(limit * GROW))))
    })
    yield* Effect.forkScoped(Effect.forever(Effect.zipRight(Effect.sleep(SAMPLE_MS), step)))
  })

import { Clock, Effect, FiberSet, Option, Queue } from "effect"
import { urlHost } from "../domain/url.js"

/** The host a URL's work is queued under. An unparsable URL fails in the fetcher with its reason; any bucket will do. */
export const hostOf = (url: string) => {
  try {
    return urlHost(url)
  } catch {
    return ""
  }
}

export interface HostSchedulerOptions {
  /** Requests in flight across all hosts. */
  readonly concurrency: number
  /** Requests in flight on one host. */
  readonly perHost: number
  /** Minimum time between two request starts on one host. */
  readonly delayMs: number
}

/** What a host's actor learns before its first request. */
export interface HostReady {
  /** The host's own minimum interval (robots.txt Crawl-delay), raising the scheduler's. */
  readonly intervalFloorMs: number
  /** When a request to the host made while getting ready started (robots.txt), null when none was made. */
  readonly requestedAt: number | null
}

export interface HostWork {
  readonly host: string
  /** Runs before the host's first request; the first request is spaced from the one it made, if any. */
  readonly prepare?: Effect.Effect<HostReady>
  /**
   * The request and its hand-off; runs holding a global slot and a slot of its host. It calls `requestStarting` as
   * each request really goes out, so the host's interval counts from then (a busy event loop can delay the send).
   */
  readonly run: (requestStarting: Effect.Effect<void>) => Effect.Effect<void>
}

interface Actor {
  readonly host: string
  readonly queue: Array<HostWork>
  readonly wake: Queue.Queue<void>
  inFlight: number
  nextStartAt: number
  intervalMs: number | undefined
}

/**
 * Host actors: each host with queued work has one fiber that owns its politeness (interval, per-host concurrency)
 * and takes a slot of the global bound only once its host is ready to start a request. A host waiting for its
 * interval therefore holds nothing, and the other hosts go at full speed (no head-of-line blocking). An actor is
 * created when its host gets work and retires when its queue is empty and nothing of it is in flight.
 */
export const makeHostScheduler = (options: HostSchedulerOptions) =>
  Effect.gen(function*() {
    const global = yield* Effect.makeSemaphore(Math.max(1, options.concurrency))
    const perHost = Math.max(1, options.perHost)
    const actors = new Map<string, Actor>()
    // When a host's actor retires, its next allowed start outlives it: a URL of that host discovered a moment later
    // must still wait for the interval.
    const nextStartOf = new Map<string, number>()
    const running = yield* FiberSet.make<void, never>()
    let queued = 0

    const signal = (actor: Actor) => Queue.offer(actor.wake, undefined)

    const startOne = (actor: Actor, work: HostWork) =>
      Effect.gen(function*() {
        actor.inFlight++
        queued--
        const requestStarting = Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Effect.sync(() => {
            actor.nextStartAt = Math.max(actor.nextStartAt, now + (actor.intervalMs ?? options.delayMs))
          }))
        yield* FiberSet.run(running, work.run(requestStarting).pipe(
          Effect.ensuring(Effect.zipRight(global.release(1), Effect.suspend(() => {
            actor.inFlight--
            return signal(actor)
          })))
        ))
      })

    const loop = (actor: Actor): Effect.Effect<void> =>
      Effect.gen(function*() {
        if (actor.intervalMs === undefined) {
          const prepare = actor.queue[0]?.prepare
          const ready = prepare === undefined ? { intervalFloorMs: 0, requestedAt: null } : yield* prepare
          actor.intervalMs = Math.max(options.delayMs, ready.intervalFloorMs)
          if (ready.requestedAt !== null) {
            actor.nextStartAt = Math.max(actor.nextStartAt, ready.requestedAt + actor.intervalMs)
          }
        }
        for (;;) {
          const retire = yield* Effect.sync(() => {
            if (actor.queue.length === 0 && actor.inFlight === 0) {
              actors.delete(actor.host)
              nextStartOf.set(actor.host, actor.nextStartAt)
              return true
            }
            return false
          })
          if (retire) return
          if (actor.queue.length === 0 || actor.inFlight >= perHost) {
            yield* Queue.take(actor.wake)
            continue
          }
          const now = yield* Clock.currentTimeMillis
          if (now < actor.nextStartAt) {
            yield* Effect.sleep(actor.nextStartAt - now)
            continue
          }
          yield* global.take(1)
          const work = actor.queue.shift()!
          actor.nextStartAt = (yield* Clock.currentTimeMillis) + actor.intervalMs
          yield* startOne(actor, work)
        }
      })

    /** Queues work for its host, creating the host's actor if it has none. */
    const submit = (work: HostWork) =>
      Effect.gen(function*() {
        queued++
        const existing = actors.get(work.host)
        if (existing !== undefined) {
          existing.queue.push(work)
          return yield* signal(existing)
        }
        const actor: Actor = {
          host: work.host,
          queue: [work],
          wake: yield* Queue.sliding<void>(1),
          inFlight: 0,
          nextStartAt: nextStartOf.get(work.host) ?? 0,
          intervalMs: undefined
        }
        actors.set(work.host, actor)
        yield* FiberSet.run(running, loop(actor))
      })

    return {
      submit,
      /** Work queued in memory and not yet started, all hosts together. */
      queued: () => queued,
      /** Work queued for one host. */
      queuedFor: (host: string) => Option.fromNullable(actors.get(host)).pipe(Option.map((a) => a.queue.length), Option.getOrElse(() => 0)),
      hosts: () => actors.size
    } as const
  })

export type HostScheduler = Effect.Effect.Success<ReturnType<typeof makeHostScheduler>>

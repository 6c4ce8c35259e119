import { Clock, Effect, Fiber, FiberMap, FiberSet, MetricLabel, Queue, type Scope } from "effect"
import { urlHost } from "../domain/url.js"
import { positiveInt } from "./config.js"
import { hostInterval } from "./Metrics.js"
import { type HostAnswer, type HostPace, initialPace, intervalOf, isRefusal, paceAfter } from "./HostPace.js"

/** The host a URL's work is queued under. An unparsable URL fails in the fetcher with its reason; any bucket will do. */
export const hostOf = (url: string) => {
  try {
    return urlHost(url)
  } catch {
    return ""
  }
}

/** What a job asks of each host it sends requests to. */
export interface HostLimits {
  /** Requests in flight on one host. */
  readonly perHost: number
  /** Minimum time between two request starts on one host. */
  readonly delayMs: number
}

/** What a request learns when it reaches the head of its host's queue, before it is started. */
export interface HostReady {
  /** The host's own minimum interval (robots.txt Crawl-delay), raising the job's. */
  readonly intervalFloorMs: number
  /** When a request to the host made while getting ready started (robots.txt), null when none was made. */
  readonly requestedAt: number | null
}

/**
 * The pacing of one piece of work's requests, shaped as the Fetcher's hooks. Only requests to the work's host count:
 * a redirect elsewhere is another host's.
 */
export interface HostRequest {
  /** Awaited before each attempt and redirect hop: at once for the first (its host's actor waited), else the host's turn. */
  readonly onRequest: (url: string) => Effect.Effect<void>
  /** As a request leaves: the host's interval counts from here, so the server never sees two starts closer. */
  readonly onSent: (url: string) => void
  /** As an answer comes: the host's pace adapts to it (see HostPace). */
  readonly onAnswer: (url: string, answer: HostAnswer) => void
}

export interface HostWork {
  readonly host: string
  readonly limits: HostLimits
  /** Runs when the work reaches the head of its host's queue; the request is spaced from the one it made, if any. */
  readonly prepare?: Effect.Effect<HostReady>
  /** The request and its hand-off, run holding a slot of its job and of its host. */
  readonly run: (request: HostRequest) => Effect.Effect<void>
}

export interface LaneOptions {
  /** Requests of the lane in flight at once, all hosts together. */
  readonly concurrency: number
  /**
   * Told as a host's queue in the lane runs low (one piece of work left, or none), so that the job hands it more at
   * once if it has any: a host paced by a long Crawl-delay is the one whose pauses lengthen the whole job.
   */
  readonly onLow?: (host: string) => void
}

/** A job's share of the process's politeness: its own bound on requests in flight, its own queued work. */
export interface Lane {
  readonly submit: (work: HostWork) => Effect.Effect<void>
  /** Work of this lane queued and not yet started, all hosts together. */
  readonly queued: () => number
  /** Work of this lane queued for one host. */
  readonly queuedFor: (host: string) => number
}

interface LaneState {
  readonly slots: Effect.Semaphore
  readonly onLow: ((host: string) => void) | undefined
  readonly running: FiberSet.FiberSet<void, never>
  readonly perHost: Map<string, number>
  queued: number
  closed: boolean
}

interface Entry {
  readonly work: HostWork
  readonly lane: LaneState
  ready?: HostReady
}

interface Host {
  readonly name: string
  /** Queued work per lane; a lane served moves to the back, so jobs sharing the host take turns. */
  readonly queues: Map<LaneState, Array<Entry>>
  readonly wake: Queue.Queue<void>
  inFlight: number
  pace: HostPace
  /** Requests let go and not yet sent: the next waits for them, since it is spaced from when they really leave. */
  unsent: number
  lastStartAt: number
  nextStartAt: number
}

// A Retry-After longer than this is not waited for by the host's other requests (the Fetcher caps its own wait).
const MAX_RETRY_AFTER_MS = 60_000
// A retired host's last start is kept this long: longer than any interval (Crawl-delay is capped at 30 s).
const FORGET_AFTER_MS = 120_000

/**
 * Politeness for the whole process, keyed by host and shared by every job: each host with queued work has one actor
 * fiber that spaces request starts (the largest interval any of its requests asks for, robots.txt Crawl-delay
 * included), bounds requests in flight on the host, and only then takes a slot of the job's bound and of the
 * process's. Jobs sharing a host take turns at it. A host waiting for its interval holds no slot, so the other hosts go at full speed (no head-of-line
 * blocking), and two jobs on one host share its interval. The actors live in a FiberMap keyed by host; an actor
 * retires when its host has nothing queued or in flight, and its host's last start outlives it.
 */
export class Politeness extends Effect.Service<Politeness>()("mwi/Politeness", {
  scoped: Effect.gen(function*() {
    const connections = yield* Effect.makeSemaphore(yield* Effect.orDie(positiveInt("MWI_MAX_CONNECTIONS", 256)))
    const actors = yield* FiberMap.make<string, void, never>()
    const hosts = new Map<string, Host>()
    const retired = new Map<string, { lastStartAt: number; nextStartAt: number; pace: HostPace; at: number }>()

    const signal = (host: Host) => Queue.offer(host.wake, undefined)

    const headOf = (host: Host): Entry | undefined => host.queues.values().next().value?.[0]

    const forgetOld = (now: number) => {
      for (const [name, r] of retired) if (now - r.at > FORGET_AFTER_MS) retired.delete(name)
    }

    const unqueue = (entry: Entry) => {
      entry.lane.queued--
      const left = (entry.lane.perHost.get(entry.work.host) ?? 1) - 1
      if (left === 0) entry.lane.perHost.delete(entry.work.host)
      else entry.lane.perHost.set(entry.work.host, left)
      if (left <= 1) entry.lane.onLow?.(entry.work.host)
    }

    const stamp = (host: Host, now: number, configuredMs: number) => {
      host.lastStartAt = Math.max(host.lastStartAt, now)
      host.nextStartAt = Math.max(host.nextStartAt, now + intervalOf(host.pace, configuredMs))
    }

    /** A retry or redirect hop of running work: it waits for the host like a new request, then is let go. */
    const turn = (host: Host, configuredMs: number): Effect.Effect<void> =>
      Effect.gen(function*() {
        for (;;) {
          const now = yield* Clock.currentTimeMillis
          const earliest = Math.max(host.nextStartAt, host.lastStartAt + intervalOf(host.pace, configuredMs))
          if (host.unsent === 0 && now >= earliest) return stamp(host, now, configuredMs)
          // Another request of the host not sent yet: it is let go within a few turns of the event loop.
          yield* Effect.sleep(Math.max(5, earliest - now))
        }
      })

    const start = (host: Host, entry: Entry, configuredMs: number) =>
      Effect.gen(function*() {
        const clock = yield* Effect.clock
        host.inFlight++
        host.unsent++
        let unsent = true
        let first = true
        const settle = () => {
          if (unsent) host.unsent--
          unsent = false
        }
        const ofHost = (url: string) => hostOf(url) === host.name
        const request: HostRequest = {
          onRequest: (url) =>
            Effect.suspend(() => {
              if (!ofHost(url)) return Effect.void
              if (first) {
                first = false
                return Effect.void
              }
              // The previous attempt may never have left (a refused connection): it holds the host no longer.
              settle()
              return Effect.zipRight(turn(host, configuredMs), Effect.sync(() => {
                host.unsent++
                unsent = true
              }))
            }),
          onSent: (url) => {
            if (!ofHost(url)) return
            settle()
            stamp(host, clock.unsafeCurrentTimeMillis(), configuredMs)
            host.wake.unsafeOffer(undefined)
          },
          onAnswer: (url, answer) => {
            if (!ofHost(url)) return
            const wasRaised = host.pace.raisedMs > 0
            host.pace = paceAfter(host.pace, answer, configuredMs)
            // Only hosts that raised their pace are listed: one series per crawled host would be too many.
            if (wasRaised || host.pace.raisedMs > 0) {
              hostInterval.unsafeUpdate(intervalOf(host.pace, configuredMs), [MetricLabel.make("host", host.name)])
            }
            // A refusal pushes the host's next start back by the raise, or by what its Retry-After asks.
            if (isRefusal(answer.status)) {
              const wait = Math.min(Math.max(intervalOf(host.pace, configuredMs), answer.retryAfterMs ?? 0), MAX_RETRY_AFTER_MS)
              host.nextStartAt = Math.max(host.nextStartAt, clock.unsafeCurrentTimeMillis() + wait)
            }
          }
        }
        const release = Effect.zipRight(
          Effect.zipRight(connections.release(1), entry.lane.slots.release(1)),
          Effect.suspend(() => {
            host.inFlight--
            settle()
            return signal(host)
          })
        )
        // A lane that closed meanwhile never starts the work: the slots are given back when the fiber ends, whether
        // it ran or not, or the host would stay busy for every other job.
        const fiber = yield* FiberSet.run(entry.lane.running, entry.work.run(request))
        yield* Effect.forkDaemon(Effect.zipRight(Fiber.await(fiber), release))
      })

    const loop = (host: Host): Effect.Effect<void> =>
      Effect.gen(function*() {
        for (;;) {
          const head = headOf(host)
          if (head === undefined && host.inFlight === 0) {
            const now = yield* Clock.currentTimeMillis
            forgetOld(now)
            hosts.delete(host.name)
            retired.set(host.name, { lastStartAt: host.lastStartAt, nextStartAt: host.nextStartAt, pace: host.pace, at: now })
            return
          }
          if (head === undefined || host.unsent > 0 || host.inFlight >= Math.max(1, head.work.limits.perHost)) {
            yield* Queue.take(host.wake)
            continue
          }
          // A host handed over by another process may not be free yet: even its robots.txt waits.
          if (head.ready === undefined && host.nextStartAt > (yield* Clock.currentTimeMillis)) {
            yield* Effect.sleep(host.nextStartAt - (yield* Clock.currentTimeMillis))
            continue
          }
          head.ready ??= head.work.prepare === undefined
            ? { intervalFloorMs: 0, requestedAt: null }
            : yield* head.work.prepare
          const configuredMs = Math.max(head.work.limits.delayMs, head.ready.intervalFloorMs)
          const intervalMs = intervalOf(host.pace, configuredMs)
          const earliest = Math.max(
            host.nextStartAt,
            host.lastStartAt + intervalMs,
            head.ready.requestedAt === null ? 0 : head.ready.requestedAt + intervalMs
          )
          const now = yield* Clock.currentTimeMillis
          if (now < earliest) {
            yield* Effect.sleep(earliest - now)
            continue
          }
          yield* head.lane.slots.take(1)
          yield* connections.take(1)
          // The lane may have closed, or the head changed, while the slots were awaited.
          if (head.lane.closed || headOf(host) !== head) {
            yield* Effect.zipRight(connections.release(1), head.lane.slots.release(1))
            continue
          }
          const rest = host.queues.get(head.lane)!
          rest.shift()
          host.queues.delete(head.lane)
          if (rest.length > 0) host.queues.set(head.lane, rest)
          unqueue(head)
          const startAt = yield* Clock.currentTimeMillis
          host.lastStartAt = startAt
          host.nextStartAt = startAt + intervalMs
          yield* start(host, head, configuredMs)
        }
      })

    const submitTo = (lane: LaneState) => (work: HostWork) =>
      Effect.gen(function*() {
        if (lane.closed) return
        const entry: Entry = { work, lane }
        lane.queued++
        lane.perHost.set(work.host, (lane.perHost.get(work.host) ?? 0) + 1)
        const existing = hosts.get(work.host)
        if (existing !== undefined) {
          const own = existing.queues.get(lane)
          if (own === undefined) existing.queues.set(lane, [entry])
          else own.push(entry)
          return yield* signal(existing)
        }
        const past = retired.get(work.host)
        retired.delete(work.host)
        const host: Host = {
          name: work.host,
          queues: new Map([[lane, [entry]]]),
          wake: yield* Queue.sliding<void>(1),
          inFlight: 0,
          pace: past?.pace ?? initialPace,
          unsent: 0,
          lastStartAt: past?.lastStartAt ?? -Infinity,
          nextStartAt: past?.nextStartAt ?? 0
        }
        hosts.set(work.host, host)
        yield* FiberMap.run(actors, work.host, loop(host))
      })

    /**
     * A job's lane, closed with the job's scope: its queued work is dropped and its running work interrupted, so a
     * stopped job leaves nothing behind in the shared actors.
     */
    const lane = (options: LaneOptions): Effect.Effect<Lane, never, Scope.Scope> =>
      Effect.gen(function*() {
        const state: LaneState = {
          slots: yield* Effect.makeSemaphore(Math.max(1, options.concurrency)),
          onLow: options.onLow,
          running: yield* FiberSet.make<void, never>(),
          perHost: new Map(),
          queued: 0,
          closed: false
        }
        yield* Effect.addFinalizer(() =>
          Effect.suspend(() => {
            state.closed = true
            const names = [...state.perHost.keys()]
            state.perHost.clear()
            state.queued = 0
            return Effect.forEach(names, (name) => {
              const host = hosts.get(name)
              if (host === undefined) return Effect.void
              host.queues.delete(state)
              return signal(host)
            }, { discard: true })
          })
        )
        return {
          submit: submitTo(state),
          queued: () => state.queued,
          queuedFor: (host: string) => state.perHost.get(host) ?? 0
        }
      })

    /** No work of the host queued or in flight in this process. */
    const idle = (name: string) => !hosts.has(name)

    /** When the host may be sent its next request, by this process's reckoning (0: now). */
    const freeAt = (name: string) => hosts.get(name)?.nextStartAt ?? retired.get(name)?.nextStartAt ?? 0

    /** Another process sent the host requests until lately: none from here before `at`. */
    const holdUntil = (name: string, at: number) =>
      Effect.gen(function*() {
        const live = hosts.get(name)
        if (live !== undefined) return void (live.nextStartAt = Math.max(live.nextStartAt, at))
        const past = retired.get(name)
        const now = yield* Clock.currentTimeMillis
        retired.set(name, past === undefined
          ? { lastStartAt: -Infinity, nextStartAt: at, pace: initialPace, at: now }
          : { ...past, nextStartAt: Math.max(past.nextStartAt, at), at: now })
      })

    return { lane, idle, freeAt, holdUntil } as const
  })
}) {}

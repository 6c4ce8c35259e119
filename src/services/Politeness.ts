import { Effect, Fiber, FiberMap, FiberSet, Queue, type Scope } from "effect"
import { positiveInt } from "./config.js"
import { type HostPace, initialPace, intervalOf } from "./HostPace.js"
import { earliestStart, type HostRequest, type HostTiming, hostRequest, nowMs } from "./HostTiming.js"
import { makePrioritySlots, type PrioritySlots } from "./PrioritySlots.js"

export { hostOf, type HostRequest } from "./HostTiming.js"

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

export interface HostWork {
  readonly host: string
  readonly limits: HostLimits
  /** Runs when the work reaches the head of its host's queue; the request is spaced from the one it made, if any. */
  readonly prepare?: Effect.Effect<HostReady>
  /**
   * The request and its hand-off, run holding a slot of its job and of its host. `doneWithHost` gives the host's slot
   * back early, once the work makes no more requests (its answer read): the host's next request then waits for its
   * interval only, not for this one's hand-off to a busy extraction.
   */
  readonly run: (request: HostRequest, doneWithHost: Effect.Effect<void>) => Effect.Effect<void>
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

/** A host's interval between request starts, as it is now. */
export interface HostInterval {
  readonly host: string
  readonly intervalMs: number
}

/** A job's share of the process's politeness: its own bound on requests in flight, its own queued work. */
export interface Lane {
  readonly submit: (work: HostWork) => Effect.Effect<void>
  /** Work of this lane queued and not yet started, all hosts together. */
  readonly queued: () => number
  /** Work of this lane queued for one host. */
  readonly queuedFor: (host: string) => number
  /** The lane's bound on requests in flight, which may move while it runs. */
  readonly slots: Omit<PrioritySlots, "take" | "release">
  /** The current intervals of the hosts the lane has work queued for, longest first, `max` of them. */
  readonly intervals: (max: number) => ReadonlyArray<HostInterval>
}

interface LaneState {
  readonly slots: PrioritySlots
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

interface Host extends HostTiming {
  /** Queued work per lane; a lane served moves to the back, so jobs sharing the host take turns. */
  readonly queues: Map<LaneState, Array<Entry>>
  inFlight: number
  /** The interval its last request was configured with (delay, Crawl-delay), before its pace raises it. */
  configuredMs: number
  /** Another process sent the host requests until lately (HostLeases): nothing from here, robots.txt included, before. */
  heldUntil: number
}
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
    const retired = new Map<string, { lastStartAt: number; nextStartAt: number; heldUntil: number; pace: HostPace; at: number }>()

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

    const start = (host: Host, entry: Entry, configuredMs: number) =>
      Effect.gen(function*() {
        const clock = yield* Effect.clock
        host.inFlight++
        const { request, settle } = hostRequest(host, configuredMs, clock)
        let onHost = true
        const doneWithHost = Effect.suspend(() => {
          if (!onHost) return Effect.void
          onHost = false
          host.inFlight--
          settle()
          return signal(host)
        })
        const release = Effect.zipRight(Effect.zipRight(connections.release(1), entry.lane.slots.release), doneWithHost)
        // A lane that closed meanwhile never starts the work: the slots are given back when the fiber ends, whether
        // it ran or not, or the host would stay busy for every other job.
        const fiber = yield* FiberSet.run(entry.lane.running, entry.work.run(request, doneWithHost))
        yield* Effect.forkDaemon(Effect.zipRight(Fiber.await(fiber), release))
      })

    const loop = (host: Host): Effect.Effect<void> =>
      Effect.gen(function*() {
        for (;;) {
          const head = headOf(host)
          if (head === undefined && host.inFlight === 0) {
            const now = yield* nowMs
            forgetOld(now)
            hosts.delete(host.name)
            retired.set(host.name, { lastStartAt: host.lastStartAt, nextStartAt: host.nextStartAt, heldUntil: host.heldUntil, pace: host.pace, at: now })
            return
          }
          if (head === undefined || host.unsent > 0 || host.inFlight >= Math.max(1, head.work.limits.perHost)) {
            yield* Queue.take(host.wake)
            continue
          }
          if (head.ready === undefined && host.heldUntil > (yield* nowMs)) {
            yield* Effect.sleep(host.heldUntil - (yield* nowMs))
            continue
          }
          head.ready ??= head.work.prepare === undefined
            ? { intervalFloorMs: 0, requestedAt: null }
            : yield* head.work.prepare
          const configuredMs = Math.max(head.work.limits.delayMs, head.ready.intervalFloorMs)
          host.configuredMs = configuredMs
          const intervalMs = intervalOf(host.pace, configuredMs)
          const earliest = earliestStart(host, intervalMs, head.ready.requestedAt)
          const now = yield* nowMs
          if (now < earliest) {
            yield* Effect.sleep(earliest - now)
            continue
          }
          // The host of longest interval is served first: its waits lengthen the job the most (a Crawl-delay host
          // whose next page waits behind pages of fast hosts for a slot loses its turn for a whole interval).
          yield* head.lane.slots.take(intervalMs)
          yield* connections.take(1)
          // The lane may have closed, or the head changed, while the slots were awaited.
          if (head.lane.closed || headOf(host) !== head) {
            yield* Effect.zipRight(connections.release(1), head.lane.slots.release)
            continue
          }
          const rest = host.queues.get(head.lane)!
          rest.shift()
          host.queues.delete(head.lane)
          if (rest.length > 0) host.queues.set(head.lane, rest)
          unqueue(head)
          const startAt = yield* nowMs
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
          configuredMs: work.limits.delayMs,
          lastStartAt: past?.lastStartAt ?? -Infinity,
          nextStartAt: past?.nextStartAt ?? 0,
          heldUntil: past?.heldUntil ?? 0
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
          slots: makePrioritySlots(options.concurrency),
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
          queuedFor: (host: string) => state.perHost.get(host) ?? 0,
          slots: state.slots,
          intervals: (max: number) => {
            const all: Array<HostInterval> = []
            for (const name of state.perHost.keys()) {
              const host = hosts.get(name)
              if (host !== undefined) all.push({ host: name, intervalMs: intervalOf(host.pace, host.configuredMs) })
            }
            return all.sort((a, b) => b.intervalMs - a.intervalMs).slice(0, max)
          }
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
        if (live !== undefined) {
          live.heldUntil = Math.max(live.heldUntil, at)
          live.nextStartAt = Math.max(live.nextStartAt, at)
          return
        }
        const past = retired.get(name)
        const now = yield* nowMs
        retired.set(name, past === undefined
          ? { lastStartAt: -Infinity, nextStartAt: at, heldUntil: at, pace: initialPace, at: now }
          : { ...past, nextStartAt: Math.max(past.nextStartAt, at), heldUntil: Math.max(past.heldUntil, at), at: now })
      })

    return { lane, idle, freeAt, holdUntil } as const
  })
}) {}

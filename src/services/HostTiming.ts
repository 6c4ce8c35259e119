import { Clock, Effect, MetricLabel, type Queue } from "effect"
import { urlHost } from "../domain/url.js"
import { type HostAnswer, type HostPace, intervalOf, isRefusal, paceAfter } from "./HostPace.js"
import { hostInterval } from "./Metrics.js"

/** The host a URL's work is queued under. An unparsable URL fails in the fetcher with its reason; any bucket will do. */
export const hostOf = (url: string) => {
  try {
    return urlHost(url)
  } catch {
    return ""
  }
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

/** When a host's requests may start: the clock its actor keeps. */
export interface HostTiming {
  readonly name: string
  readonly wake: Queue.Queue<void>
  pace: HostPace
  /** Requests let go and not yet sent: the next waits for them, since it is spaced from when they really leave. */
  unsent: number
  lastStartAt: number
  nextStartAt: number
}

// A Retry-After longer than this is not waited for by the host's other requests (the Fetcher caps its own wait).
const MAX_RETRY_AFTER_MS = 60_000

// Sub-millisecond time (the clock's nanoseconds): whole milliseconds let a request leave up to 2 ms before its due time.
const fromNanos = (nanos: bigint) => Number(nanos) / 1_000_000
export const nowMs: Effect.Effect<number> = Effect.map(Clock.currentTimeNanos, fromNanos)
export const unsafeNowMs = (clock: Clock.Clock) => fromNanos(clock.unsafeCurrentTimeNanos())

/** The earliest start of the host's next request, `requestedAt` being a request made while getting ready (robots.txt). */
export const earliestStart = (host: HostTiming, intervalMs: number, requestedAt: number | null = null) =>
  Math.max(host.nextStartAt, host.lastStartAt + intervalMs, requestedAt === null ? 0 : requestedAt + intervalMs)

const stamp = (host: HostTiming, now: number, configuredMs: number) => {
  host.lastStartAt = Math.max(host.lastStartAt, now)
  host.nextStartAt = Math.max(host.nextStartAt, now + intervalOf(host.pace, configuredMs))
}

/** A retry or redirect hop of running work: it waits for the host like a new request, then is let go. */
const turn = (host: HostTiming, configuredMs: number): Effect.Effect<void> =>
  Effect.gen(function*() {
    for (;;) {
      const now = yield* nowMs
      const earliest = earliestStart(host, intervalOf(host.pace, configuredMs))
      if (host.unsent === 0 && now >= earliest) return stamp(host, now, configuredMs)
      // Another request of the host not sent yet: it is let go within a few turns of the event loop.
      yield* Effect.sleep(Math.max(5, earliest - now))
    }
  })

/**
 * The hooks of one request let go on the host, counted unsent until it leaves, and `settle`, called as it ends,
 * for an attempt that never left (a refused connection).
 */
export const hostRequest = (host: HostTiming, configuredMs: number, clock: Clock.Clock) => {
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
      stamp(host, unsafeNowMs(clock), configuredMs)
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
        host.nextStartAt = Math.max(host.nextStartAt, unsafeNowMs(clock) + wait)
      }
    }
  }
  return { request, settle }
}

/**
 * Adaptive pacing of one host (AIMD on its interval): a 429 or 503 doubles the interval the host is asked to bear (at
 * least once the configured one), successes bring it back slowly towards the configured interval, and response times
 * rising well above the host's usual ones raise it a little. The raise is kept between requests and jobs, like the
 * host's last start.
 */
export interface HostPace {
  /** The interval the host's answers call for, on top of the configured one (0: none). */
  readonly raisedMs: number
  /** Smoothed response time, and the lowest it has been: the host's unloaded speed. */
  readonly latencyMs: number | null
  readonly fastestMs: number | null
}

export interface HostAnswer {
  readonly status: number
  /** Time from the request's send to its answer's head. */
  readonly elapsedMs: number
  /** What a refusal's Retry-After asks for. */
  readonly retryAfterMs?: number | undefined
}

export const initialPace: HostPace = { raisedMs: 0, latencyMs: null, fastestMs: null }

// The share of the gap to the configured interval given back per success (1 ms at least): about 35 successes halve a
// raise, so a host that refuses a pace is asked it again rarely.
const RECOVERY = 0.02
// A response this many times slower than the host's fastest (smoothed) is the host struggling.
const SLOWDOWN = 3
const SMOOTHING = 0.2

export const isRefusal = (status: number) => status === 429 || status === 503

/** The pace after an answer, for a host whose configured interval (delay, Crawl-delay) is `configuredMs`. */
export const paceAfter = (pace: HostPace, answer: HostAnswer, configuredMs: number): HostPace => {
  const current = Math.max(configuredMs, pace.raisedMs)
  if (isRefusal(answer.status)) return { ...pace, raisedMs: Math.max(2 * current, 100) }
  const latencyMs = pace.latencyMs === null ? answer.elapsedMs : pace.latencyMs + SMOOTHING * (answer.elapsedMs - pace.latencyMs)
  const fastestMs = pace.fastestMs === null ? latencyMs : Math.min(pace.fastestMs, latencyMs)
  const struggling = latencyMs > SLOWDOWN * fastestMs + 50
  // One step up while it struggles, not one per slow answer: the answers of a loaded host are all slow.
  const raisedMs = struggling
    ? Math.max(pace.raisedMs, 2 * configuredMs, 100)
    : pace.raisedMs <= configuredMs ? 0 : pace.raisedMs - Math.max(RECOVERY * (pace.raisedMs - configuredMs), 1)
  return { raisedMs: raisedMs < configuredMs + 1 ? 0 : raisedMs, latencyMs, fastestMs }
}

/** The interval between two request starts on the host, now. */
export const intervalOf = (pace: HostPace, configuredMs: number) => Math.max(configuredMs, Math.round(pace.raisedMs))

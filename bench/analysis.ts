export interface PolitenessAnalysis {
  readonly pages: number
  readonly hosts: number
  readonly perHostMin: number
  readonly perHostMax: number
  /** First to last page request start, all hosts, as the servers saw them. */
  readonly spanMs: number
  /**
   * The shortest time any crawler may take to start `pages` requests on `hosts` hosts: every host starts its first
   * request at t0, then one per interval, so the slowest host (ceil(pages/hosts) of them) needs that many minus one
   * intervals.
   */
  readonly boundMs: number
  readonly achievedPagesPerSecond: number
  readonly boundPagesPerSecond: number
  /** achieved ÷ bound = boundMs ÷ spanMs. */
  readonly ratio: number
  /** The shortest gap between two request starts on one host: never below the interval if politeness holds. */
  readonly minGapMs: number
  /** Gaps shorter than the interval (less a few ms of measurement tolerance), out of `gaps`. */
  readonly shortGaps: number
  readonly gaps: number
  /** Mean of the gaps beyond the interval (short gaps left out): how late, on average, a host's next request started. */
  readonly meanLatenessMs: number
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits

/**
 * The scheduler reads a millisecond clock and the request is created a moment after its decision, by however long
 * the event loop takes to get there: a gap a few ms short is that, not impoliteness (which shows in hundreds of ms).
 */
export const GAP_TOLERANCE_MS = 5

/** `hosts`: each host's request start times, in order. */
export const analysePoliteness = (hosts: ReadonlyArray<ReadonlyArray<number>>, intervalMs: number): PolitenessAnalysis => {
  const active = hosts.filter((h) => h.length > 0)
  const pages = active.reduce((n, h) => n + h.length, 0)
  const starts = active.flat()
  const spanMs = starts.length === 0 ? 0 : Math.max(...starts) - Math.min(...starts)
  const boundMs = (Math.ceil(pages / Math.max(1, active.length)) - 1) * intervalMs
  let minGap = Infinity
  let lateness = 0
  let gaps = 0
  let shortGaps = 0
  let allGaps = 0
  for (const h of active) {
    for (let i = 1; i < h.length; i++) {
      allGaps++
      const gap = h[i]! - h[i - 1]!
      minGap = Math.min(minGap, gap)
      if (gap < intervalMs - GAP_TOLERANCE_MS) shortGaps++
      else {
        lateness += gap - intervalMs
        gaps++
      }
      gaps++
    }
  }
  return {
    pages,
    hosts: active.length,
    perHostMin: Math.min(...active.map((h) => h.length)),
    perHostMax: Math.max(...active.map((h) => h.length)),
    spanMs: Math.round(spanMs),
    boundMs,
    achievedPagesPerSecond: round(pages / (spanMs / 1000), 2),
    boundPagesPerSecond: round(pages / (boundMs / 1000), 2),
    ratio: spanMs === 0 ? 0 : round(boundMs / spanMs, 3),
    minGapMs: Math.round(minGap === Infinity ? 0 : minGap),
    shortGaps,
    gaps: allGaps,
    meanLatenessMs: gaps === 0 ? 0 : Math.round(lateness / gaps)
  }
}

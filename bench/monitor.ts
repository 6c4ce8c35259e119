import { Effect, Tracer } from "effect"
import { constants, monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks"
import * as v8 from "node:v8"
import * as vm from "node:vm"

const MB = 1024 * 1024
const round1 = (n: number) => Math.round(n * 10) / 10

// A full collection before each measurement, so that garbage left by the previous one (a closed PGlite's memory above
// all) is not counted as the next one's; `--expose-gc` cannot be given through tsx's command line, hence the flag.
v8.setFlagsFromString("--expose-gc")
const collect = vm.runInNewContext("gc") as () => void

export const fullGc = () => {
  collect()
  collect()
}

export interface RssSummary {
  /** After a full GC, just before the crawl started. */
  readonly baselineMb: number
  readonly peakMb: number
  readonly endMb: number
  /** Peaks of the JS heap and of memory outside it (PGlite's WebAssembly memory is there), sampled with the RSS. */
  readonly heapUsedBaselineMb: number
  readonly heapUsedPeakMb: number
  readonly externalBaselineMb: number
  readonly externalPeakMb: number
  readonly samples: number
}

/** Samples `process.memoryUsage()` every `everyMs` until stopped. */
export const startRssSampler = (everyMs = 100) => {
  const baseline = process.memoryUsage()
  let peak = { ...baseline }
  let last = baseline
  let samples = 1
  const sample = () => {
    last = process.memoryUsage()
    peak = {
      ...peak,
      rss: Math.max(peak.rss, last.rss),
      heapUsed: Math.max(peak.heapUsed, last.heapUsed),
      external: Math.max(peak.external, last.external)
    }
    samples++
  }
  const timer = setInterval(sample, everyMs)
  return {
    stop: (): RssSummary => {
      clearInterval(timer)
      sample()
      return {
        baselineMb: round1(baseline.rss / MB),
        peakMb: round1(peak.rss / MB),
        endMb: round1(last.rss / MB),
        heapUsedBaselineMb: round1(baseline.heapUsed / MB),
        heapUsedPeakMb: round1(peak.heapUsed / MB),
        externalBaselineMb: round1(baseline.external / MB),
        externalPeakMb: round1(peak.external / MB),
        samples
      }
    }
  }
}

export interface LiveHeapSummary {
  /** `heapUsed` just after each major (mark-compact) GC during the crawl: about what the crawl really holds. */
  readonly afterMajorGcMb: ReadonlyArray<number>
  readonly majorGcs: number
  /** Mean of the first and of the last quarter of those samples: equal if what the crawl holds does not grow. */
  readonly firstQuarterMb: number
  readonly lastQuarterMb: number
}

const mean = (xs: ReadonlyArray<number>) => (xs.length === 0 ? 0 : round1(xs.reduce((a, b) => a + b, 0) / xs.length))

/**
 * The heap after each major GC V8 chooses to run: the peak of `heapUsed` says how lazily V8 collects, this says
 * whether what the crawl keeps alive grows as it goes, without forcing collections that would change the peak. The
 * observer runs when the event loop gets to it, so a busy loop adds what was allocated meanwhile: compare samples of
 * one crawl with each other rather than with another crawl's.
 */
export const startLiveHeapSampler = () => {
  const samples: Array<number> = []
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) samples.push(round1(process.memoryUsage().heapUsed / MB))
    }
  })
  observer.observe({ entryTypes: ["gc"] })
  return {
    stop: (): LiveHeapSummary => {
      observer.disconnect()
      const quarter = Math.max(1, Math.floor(samples.length / 4))
      return {
        afterMajorGcMb: samples,
        majorGcs: samples.length,
        firstQuarterMb: mean(samples.slice(0, quarter)),
        lastQuarterMb: mean(samples.slice(-quarter))
      }
    }
  }
}

export interface LagSummary {
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
  readonly meanMs: number
}

/**
 * Event-loop delay as `monitorEventLoopDelay` sees it: how late a timer of `resolution` ms fires, i.e. how long the
 * loop was busy with something else (synchronous extraction, PGlite's WebAssembly) when it should have run.
 */
export const startLagMonitor = (resolutionMs = 5) => {
  const h = monitorEventLoopDelay({ resolution: resolutionMs })
  h.enable()
  return {
    stop: (): LagSummary => {
      h.disable()
      const ms = (ns: number) => Math.round(ns / 1e4) / 100
      return { p50Ms: ms(h.percentile(50)), p99Ms: ms(h.percentile(99)), maxMs: ms(h.max), meanMs: ms(h.mean) }
    }
  }
}

export interface SpanTotal {
  readonly count: number
  readonly totalMs: number
}

// A statement's first words, enough to tell the crawl's queries apart ("UPDATE expressions SET crawl_state…").
const statementKey = (query: string) => query.replace(/\s+/g, " ").trim().slice(0, 60)

/**
 * A tracer that delegates to the current one and adds up the duration of spans by name: the crawl's own spans
 * (Frontier.claim, PageStore.store, Fetcher.fetch, sql.execute…) tell where its wall time went without touching it.
 * Statements are also added up by their first words. Durations include waiting: for the one PGlite connection, and
 * for the event loop, which a long synchronous task delays for every span open at the time.
 */
export const withSpanTotals = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const base = yield* Effect.tracer
    const totals = new Map<string, { count: number; ns: bigint }>()
    const add = (key: string, ns: bigint) => {
      const t = totals.get(key) ?? { count: 0, ns: 0n }
      t.count++
      t.ns += ns
      totals.set(key, t)
    }
    const tracer = Tracer.make({
      context: (f, fiber) => base.context(f, fiber),
      span: (name, parent, context, links, startTime, kind, options) => {
        const span = base.span(name, parent, context, links, startTime, kind, options)
        const end = span.end.bind(span)
        span.end = (endTime, exit) => {
          add(name, endTime - startTime)
          const query = span.attributes.get("db.query.text")
          if (name === "sql.execute" && typeof query === "string") add(`sql: ${statementKey(query)}`, endTime - startTime)
          end(endTime, exit)
        }
        return span
      }
    })
    const result = yield* Effect.withTracer(effect, tracer)
    const spans: Record<string, SpanTotal> = {}
    for (const [name, t] of [...totals].sort((a, b) => Number(b[1].ns - a[1].ns))) {
      spans[name] = { count: t.count, totalMs: Math.round(Number(t.ns / 1000n) / 100) / 10 }
    }
    return { result, spans }
  })

import { Effect, Metric, MetricBoundaries, MetricState } from "effect"

// The process's metrics, exposed in Prometheus text format by GET /metrics.

export const pagesFetched = Metric.counter("mwi_pages_total", { description: "URLs that reached a terminal state", incremental: true })
export const fetchDuration = Metric.histogram(
  "mwi_fetch_duration_seconds",
  MetricBoundaries.exponential({ start: 0.01, factor: 2, count: 12 }),
  "Time from request to body read, per fetched page"
)
export const bytesDownloaded = Metric.counter("mwi_downloaded_bytes_total", { description: "Body bytes read", incremental: true })
export const frontierSize = Metric.gauge("mwi_frontier_size", { description: "URLs pending in the frontier of running jobs' lands" })
export const runningJobs = Metric.gauge("mwi_jobs_running", { description: "Jobs running in this process" })
export const websocketConnections = Metric.gauge("mwi_websocket_connections", { description: "Open WebSocket connections" })
export const hostInterval = Metric.gauge("mwi_host_interval_ms", {
  description: "Interval between request starts of a host whose answers raised it (429, 503, slowness), by host"
})
export const jobItemsDone = Metric.gauge("mwi_job_items_done", {
  description: "Items done by a job (pages fetched by a crawl), all its workers together, as its row had them at the last report"
})
export const httpRequests = Metric.counter("mwi_http_requests_total", { description: "HTTP requests served", incremental: true })

/** A page's terminal state by HTTP status class ("2xx" … "5xx"), or "failed"/"skipped" without one. */
export const countPage = (httpStatus: number | null, state: string) =>
  Metric.increment(Metric.tagged(pagesFetched, "status_class", httpStatus === null ? state : `${Math.floor(httpStatus / 100)}xx`))

const escape = (v: string) => v.replace(/["\\\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`))
const labels = (tags: ReadonlyArray<{ key: string; value: string }>, extra: Record<string, string> = {}) => {
  const all = [...tags.map((t) => [t.key, t.value] as const), ...Object.entries(extra)]
  return all.length === 0 ? "" : `{${all.map(([k, v]) => `${k}="${escape(v)}"`).join(",")}}`
}

/** Effect's metric registry in Prometheus text exposition format (families contiguous, histograms cumulative). */
export const prometheusText = Effect.map(Metric.snapshot, (pairs) => {
  const out: Array<string> = []
  const typed = new Set<string>()
  const head = (name: string, type: string, help: string | undefined) => {
    if (typed.has(name)) return
    typed.add(name)
    if (help) out.push(`# HELP ${name} ${help.replace(/\n/g, " ")}`)
    out.push(`# TYPE ${name} ${type}`)
  }
  const sorted = [...pairs]
    .filter((p) => p.metricKey.name.startsWith("mwi_"))
    .sort((a, b) => a.metricKey.name.localeCompare(b.metricKey.name))
  for (const { metricKey: k, metricState: s } of sorted) {
    const name = k.name
    const help = k.description._tag === "Some" ? k.description.value : undefined
    if (MetricState.isCounterState(s)) {
      head(name, "counter", help)
      out.push(`${name}${labels(k.tags)} ${s.count}`)
    } else if (MetricState.isGaugeState(s)) {
      head(name, "gauge", help)
      out.push(`${name}${labels(k.tags)} ${s.value}`)
    } else if (MetricState.isHistogramState(s)) {
      head(name, "histogram", help)
      for (const [le, n] of s.buckets) out.push(`${name}_bucket${labels(k.tags, { le: Number.isFinite(le) ? String(le) : "+Inf" })} ${n}`)
      out.push(`${name}_sum${labels(k.tags)} ${s.sum}`, `${name}_count${labels(k.tags)} ${s.count}`)
    }
  }
  return out.join("\n") + "\n"
})

import type { JobEvent } from "../api.js"
import { useI18n } from "../i18n.js"

// Counters named for what the job counts; `queued` is what is left, `discovered` is no work done.
const done = (counters: Readonly<Record<string, number>>) =>
  Object.entries(counters).reduce((n, [k, v]) => (k === "queued" || k === "discovered" ? n : n + v), 0)

/** The fraction done of a job, from its counters (done / done + left); a finished job is whole. */
export const fractionOf = (e: Pick<JobEvent, "counters" | "status">) => {
  if (e.status === "completed") return 1
  const d = done(e.counters)
  const total = d + (e.counters as Record<string, number>)["queued"]!
  return total === 0 ? 0 : d / total
}

/** A job's live state: bar, rate, counters, stage. */
export const JobProgress = ({ event }: { readonly event: JobEvent }) => {
  const { t, maybe, num } = useI18n()
  const fraction = fractionOf(event)
  const percent = Math.round(fraction * 100)
  return (
    <div class={`progress ${event.status}`} data-job={event.jobId} data-status={event.status}>
      <div class="progress-head">
        <strong>{maybe(`kind.${event.kind}`) ?? event.kind} #{event.jobId}</strong>
        <span>{maybe(`status.${event.status}`) ?? event.status}</span>
        {event.stage && <span class="muted">{maybe(`stage.${event.stage}`) ?? event.stage}</span>}
        <span class="spacer" />
        <span>{t("progress.rate", { rate: event.perSecond, unit: maybe(`unit.${event.unit}`) ?? event.unit })}</span>
        <span>{t("progress.elapsed", { s: Math.round(event.elapsedMs / 1000) })}</span>
      </div>
      <div class="bar" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
        <div style={{ width: `${percent}%` }} />
        <span>{percent} %</span>
      </div>
      <ul class="counters">
        {Object.entries(event.counters).map(([k, v]) => <li data-counter={k}>{maybe(`counter.${k}`) ?? k}: <strong>{num(v)}</strong></li>)}
      </ul>
      {event.error && <p class="error">{event.error}</p>}
    </div>
  )
}

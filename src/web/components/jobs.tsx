import { useEffect, useRef, useState } from "preact/hooks"
import { call, type JobEvent, watchEvents } from "../api.js"
import { useI18n } from "../i18n.js"
import { href } from "../router.js"
import { JobForm } from "./job-form.js"
import { JobProgress } from "./progress.js"
import { ErrorBox, Pager, useAction, useLoad } from "./ui.js"

const RECENT = 8
const HISTORY = 20

/** Start a job, watch it live over the land's WebSocket, see the last pages it stored, cancel, resume, history. */
export const Jobs = ({ landId, onChange }: { readonly landId: number; readonly onChange: () => void }) => {
  const { t, maybe, num, date } = useI18n()
  const [offset, setOffset] = useState(0)
  const history = useLoad(() => call((api) => api.jobs.landJobs({ path: { id: landId }, urlParams: { limit: HISTORY, offset } })), [landId, offset])
  const [tick, setTick] = useState(0)
  const recent = useLoad(() => call((api) => api.lands.expressions({ path: { id: landId }, urlParams: { sort: "fetched", order: "desc", limit: RECENT } })), [landId, tick])
  const [live, setLive] = useState<ReadonlyMap<number, JobEvent>>(new Map())
  const action = useAction()
  // The last pages are read again at most every two seconds while events come in.
  const lastRefresh = useRef(0)
  useEffect(() => watchEvents(`/api/v1/lands/${landId}/events`, (event) => {
    setLive((m) => new Map(m).set(event.jobId, event))
    const now = Date.now()
    if (event.type === "final" || now - lastRefresh.current > 2000) {
      lastRefresh.current = now
      setTick((n) => n + 1)
    }
    if (event.type === "final") {
      history.reload()
      onChange()
    }
  }), [landId])
  const jobAction = (f: () => Promise<unknown>) => void action.run(async () => {
    await f()
    history.reload()
  })
  const events = [...live.values()].sort((a, b) => b.jobId - a.jobId)
  return (
    <div>
      <JobForm landId={landId} onStarted={history.reload} />
      <ErrorBox error={action.error} />
      {events.length > 0 && (
        <div class="card">
          <h2>{t("jobs.live")}</h2>
          {events.map((e) => (
            <div key={e.jobId}>
              <JobProgress event={e} />
              {e.status === "running" && <button onClick={() => jobAction(() => call((api) => api.jobs.cancel({ path: { id: e.jobId } })))}>{t("jobs.cancel")}</button>}
            </div>
          ))}
          <h3>{t("jobs.recent")}</h3>
          <ul class="recent">
            {recent.data?.items.filter((p) => p.fetchedAt !== null).map((p) => (
              <li><span class={`state ${p.crawlState}`}>{p.httpStatus ?? maybe(`state.${p.crawlState}`)}</span> <a href={href(`/lands/${landId}/pages/${p.id}`)}>{p.title ?? p.url}</a> <span class="muted small">{p.domain}</span></li>
            ))}
          </ul>
        </div>
      )}
      <div class="card">
        <h2>{t("jobs.history")}</h2>
        <ErrorBox error={history.error} />
        <table class="data">
          <thead><tr><th>#</th><th>{t("jobs.kind")}</th><th>{t("jobs.status")}</th><th class="n">{t("jobs.progress")}</th><th>{t("jobs.counters")}</th><th>{t("jobs.started")}</th><th>{t("jobs.finished")}</th><th /></tr></thead>
          <tbody>
            {history.data?.items.map((j) => (
              <tr key={j.id}>
                <td>{j.id}</td>
                <td>{maybe(`kind.${j.kind}`) ?? j.kind}</td>
                <td>{maybe(`status.${j.status}`) ?? j.status}{j.error && <div class="error small">{j.error}</div>}</td>
                <td class="n">{num(Math.round(j.progress * 100))} %</td>
                <td class="small">{Object.entries(j.counters).map(([k, v]) => `${maybe(`counter.${k}`) ?? k} ${num(v)}`).join(" · ")}</td>
                <td>{date(j.startedAt)}</td>
                <td>{date(j.finishedAt)}</td>
                <td>
                  {(j.status === "running" || j.status === "queued") && <button onClick={() => jobAction(() => call((api) => api.jobs.cancel({ path: { id: j.id } })))}>{t("jobs.cancel")}</button>}
                  {(j.status === "interrupted" || j.status === "cancelled" || j.status === "failed") && <button onClick={() => jobAction(() => call((api) => api.jobs.resume({ path: { id: j.id } })))}>{t("jobs.resume")}</button>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {history.data?.total === 0 && <p class="empty">{t("jobs.none")}</p>}
        {history.data && history.data.total > HISTORY && <Pager total={history.data.total} limit={HISTORY} offset={offset} onOffset={setOffset} />}
      </div>
    </div>
  )
}

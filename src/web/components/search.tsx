import { useState } from "preact/hooks"
import { call } from "../api.js"
import { useI18n } from "../i18n.js"
import { href } from "../router.js"
import { ErrorBox, useAction } from "./ui.js"

// What search hits and similar pages share, as the API gives them.
export interface Hit {
  readonly expressionId: number
  readonly url: string
  readonly title: string | null
  readonly score: number
  readonly text?: string
}

export const Hits = ({ landId, hits }: { readonly landId: number; readonly hits: ReadonlyArray<Hit> }) => {
  const { num } = useI18n()
  return (
    <ol class="hits">
      {hits.map((h) => (
        <li>
          <a href={href(`/lands/${landId}/pages/${h.expressionId}`)}>{h.title ?? h.url}</a> <span class="muted">{num(h.score)}</span>
          {h.text && <p>{h.text}</p>}
        </li>
      ))}
    </ol>
  )
}

/** Semantic search over the land's paragraphs (embedded by an embed job). */
export const Search = ({ landId }: { readonly landId: number }) => {
  const { t } = useI18n()
  const [q, setQ] = useState("")
  const [hits, setHits] = useState<ReadonlyArray<Hit> | null>(null)
  const { busy, error, run } = useAction()
  return (
    <div class="card">
      <form class="inline" onSubmit={(e) => {
        e.preventDefault()
        void run(async () => setHits(await call((api) => api.search.search({ path: { id: landId }, urlParams: { q, limit: 20 } }))))
      }}>
        <input name="q" type="search" placeholder={t("search.hint")} value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        <button type="submit" class="primary" disabled={busy || q.trim() === ""}>{t("search.submit")}</button>
      </form>
      <ErrorBox error={error} />
      {hits?.length === 0 && <p class="empty">{t("search.none")}</p>}
      {hits && <Hits landId={landId} hits={hits} />}
    </div>
  )
}

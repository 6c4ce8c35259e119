import { useState } from "preact/hooks"
import { untypedCall } from "../api.js"
import { useI18n } from "../i18n.js"
import { href } from "../router.js"
import { ErrorBox, useAction } from "./ui.js"

// The embed stage's answer, read loosely: this console is built without its schema and shows what it finds.
interface Hit {
  readonly expressionId?: number
  readonly url?: string
  readonly title?: string | null
  readonly text?: string
  readonly score?: number
  readonly similarity?: number
}

const hitsOf = (body: unknown): ReadonlyArray<Hit> =>
  Array.isArray(body) ? body : Array.isArray((body as { items?: unknown })?.items) ? (body as { items: Array<Hit> }).items : Array.isArray((body as { results?: unknown })?.results) ? (body as { results: Array<Hit> }).results : []

/** Semantic search over the land's paragraphs: shown only when the server offers it. */
export const Search = ({ landId }: { readonly landId: number }) => {
  const { t, num } = useI18n()
  const [q, setQ] = useState("")
  const [hits, setHits] = useState<ReadonlyArray<Hit> | null>(null)
  const { busy, error, run } = useAction()
  return (
    <div class="card">
      <form class="inline" onSubmit={(e) => {
        e.preventDefault()
        void run(async () => setHits(hitsOf(await untypedCall("GET", `/api/v1/lands/${landId}/search`, { params: { q, limit: 20 } }))))
      }}>
        <input name="q" type="search" placeholder={t("search.hint")} value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        <button type="submit" class="primary" disabled={busy || q.trim() === ""}>{t("search.submit")}</button>
      </form>
      <ErrorBox error={error} />
      {hits?.length === 0 && <p class="empty">{t("search.none")}</p>}
      <ol class="hits">
        {hits?.map((h) => (
          <li>
            {h.expressionId !== undefined ? <a href={href(`/lands/${landId}/pages/${h.expressionId}`)}>{h.title ?? h.url}</a> : <span>{h.title ?? h.url}</span>}
            {" "}<span class="muted">{num(h.score ?? h.similarity)}</span>
            {h.text && <p>{h.text}</p>}
          </li>
        ))}
      </ol>
    </div>
  )
}

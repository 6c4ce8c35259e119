import { useState } from "preact/hooks"
import { call } from "../api.js"
import { useI18n } from "../i18n.js"
import { ErrorBox, useAction, useLoad } from "./ui.js"

/** The land's terms: add (several at once), remove, and how many pages were rescored. */
export const Dictionary = ({ landId, onChange }: { readonly landId: number; readonly onChange: () => void }) => {
  const { t, num } = useI18n()
  const terms = useLoad(() => call((api) => api.lands.terms({ path: { id: landId } })), [landId])
  const [text, setText] = useState("")
  const [report, setReport] = useState<string | null>(null)
  const { busy, error, run } = useAction()
  const done = (message: string) => {
    setReport(message)
    terms.reload()
    onChange()
  }
  return (
    <div class="card">
      <h2>{t("dictionary.title")}</h2>
      <ul class="chips">
        {terms.data?.map((term) => (
          <li key={term.term} title={t("dictionary.lemma", { lemma: term.lemma, weight: term.weight })}>
            {term.term}
            <button class="link" aria-label={t("dictionary.remove", { term: term.term })} disabled={busy} onClick={() =>
              void run(async () => {
                const r = await call((api) => api.lands.removeTerm({ path: { id: landId, term: term.term } }))
                done(t("dictionary.removed", { terms: r.removed.join(", "), rescored: num(r.rescored) }))
              })}>×</button>
          </li>
        ))}
      </ul>
      {terms.data?.length === 0 && <p class="empty">{t("dictionary.empty")}</p>}
      <form class="inline" onSubmit={(e) => {
        e.preventDefault()
        void run(async () => {
          const r = await call((api) => api.lands.addTerms({ path: { id: landId }, payload: { terms: text } }))
          setText("")
          done(t("dictionary.added", { added: r.added.length, existing: r.existing.length, rescored: num(r.rescored) }))
        })
      }}>
        <input name="newTerms" placeholder={t("land.termsHint")} value={text} onInput={(e) => setText(e.currentTarget.value)} />
        <button type="submit" disabled={busy || text.trim() === ""}>{t("dictionary.add")}</button>
      </form>
      <ErrorBox error={error ?? terms.error} />
      {report && <p class="note">{report}</p>}
    </div>
  )
}

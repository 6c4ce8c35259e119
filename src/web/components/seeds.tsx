import { useState } from "preact/hooks"
import type { UrlsReport } from "../../http/dto.js"
import { call } from "../api.js"
import { useI18n } from "../i18n.js"
import { ErrorBox, useAction } from "./ui.js"

/** Seed URLs, pasted or read from a text file (one per line); the refused ones are listed with the reason. */
export const Seeds = ({ landId, onChange }: { readonly landId: number; readonly onChange: () => void }) => {
  const { t } = useI18n()
  const [text, setText] = useState("")
  const [report, setReport] = useState<typeof UrlsReport.Type | null>(null)
  const { busy, error, run } = useAction()
  const urls = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"))
  return (
    <form class="card" onSubmit={(e) => {
      e.preventDefault()
      void run(async () => {
        const r = await call((api) => api.lands.addUrls({ path: { id: landId }, payload: { urls } }))
        setReport(r)
        // The refused lines stay in the box, to be corrected.
        setText(r.invalid.map((i) => i.input).join("\n"))
        onChange()
      })
    }}>
      <h2>{t("seeds.title")}</h2>
      <textarea name="seeds" rows={6} placeholder={t("seeds.hint")} value={text} onInput={(e) => setText(e.currentTarget.value)} />
      <div class="actions">
        <button type="submit" class="primary" disabled={busy || urls.length === 0}>{t("seeds.add", { n: urls.length })}</button>
        <label class="file">
          {t("seeds.file")}
          <input type="file" accept=".txt,.csv,text/plain" onChange={(e) => {
            const file = e.currentTarget.files?.[0]
            void file?.text().then((content) => setText((before) => [before.trim(), content.trim()].filter((s) => s !== "").join("\n")))
          }} />
        </label>
      </div>
      <ErrorBox error={error} />
      {report && (
        <div class="note">
          <p>{t("seeds.report", { added: report.added.length, existing: report.existing.length, invalid: report.invalid.length })}</p>
          {report.invalid.length > 0 && (
            <ul class="invalid">{report.invalid.map((i) => <li><code>{i.input}</code> — {i.reason}</li>)}</ul>
          )}
        </div>
      )}
    </form>
  )
}

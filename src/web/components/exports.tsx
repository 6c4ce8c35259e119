import { useState } from "preact/hooks"
import { type ExportType, exportTypes, formatOf } from "../../domain/export-types.js"
import { exportUrl } from "../api.js"
import { useI18n } from "../i18n.js"
import { Field } from "./ui.js"

/** Every export type, with the filters the export route takes, downloaded by the browser as a file. */
export const Exports = ({ landId }: { readonly landId: number }) => {
  const { t, maybe } = useI18n()
  const [type, setType] = useState<ExportType>(exportTypes[0]!)
  const [minrel, setMinrel] = useState("1")
  const [depth, setDepth] = useState("")
  const [http, setHttp] = useState("")
  const [intraDomain, setIntraDomain] = useState(false)
  const url = exportUrl(landId, { type, minrel, depth, http, intraDomain: intraDomain || undefined })
  return (
    <div class="card">
      <h2>{t("export.title")}</h2>
      <div class="grid">
        <Field label={t("export.type")}>
          <select name="type" value={type} onChange={(e) => setType(e.currentTarget.value as ExportType)}>
            {exportTypes.map((x) => <option value={x}>{x} — {maybe(`export.${x}`) ?? formatOf[x].extension}</option>)}
          </select>
        </Field>
        <Field label={t("pages.minrel")}><input name="minrel" type="number" step="any" value={minrel} onInput={(e) => setMinrel(e.currentTarget.value)} /></Field>
        <Field label={t("export.depth")}><input name="depth" type="number" min={0} value={depth} onInput={(e) => setDepth(e.currentTarget.value)} /></Field>
        <Field label={t("pages.http")}><input name="http" type="number" min={100} max={599} value={http} onInput={(e) => setHttp(e.currentTarget.value)} /></Field>
        <Field label={t("export.intraDomain")}><input name="intraDomain" type="checkbox" checked={intraDomain} onChange={(e) => setIntraDomain(e.currentTarget.checked)} /></Field>
      </div>
      <p class="hint">{t("export.hint")}</p>
      <a class="button primary" href={url} download>{t("export.download", { ext: formatOf[type].extension })}</a>
    </div>
  )
}

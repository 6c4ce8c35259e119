import { useState } from "preact/hooks"
import type { LandJson } from "../../http/dto.js"
import { useI18n } from "../i18n.js"
import { ErrorBox, Field, useAction } from "./ui.js"

export interface LandFields {
  readonly name: string
  readonly description: string
  readonly lang: ReadonlyArray<string>
  readonly terms: string
}

const split = (text: string) => text.split(/[,\s]+/).map((s) => s.trim()).filter((s) => s !== "")

/** A land's name, description and languages (and its first terms, when creating it). */
export const LandForm = ({ land, submitLabel, onSubmit, onCancel }: {
  readonly land?: typeof LandJson.Type
  readonly submitLabel: string
  readonly onSubmit: (fields: LandFields) => Promise<void>
  readonly onCancel?: () => void
}) => {
  const { t } = useI18n()
  const [name, setName] = useState(land?.name ?? "")
  const [description, setDescription] = useState(land?.description ?? "")
  const [lang, setLang] = useState((land?.lang ?? ["fr"]).join(", "))
  const [terms, setTerms] = useState("")
  const { busy, error, run } = useAction()
  return (
    <form class="card" onSubmit={(e) => {
      e.preventDefault()
      void run(() => onSubmit({ name: name.trim(), description, lang: split(lang), terms }))
    }}>
      <Field label={t("land.name")}><input name="name" required value={name} onInput={(e) => setName(e.currentTarget.value)} /></Field>
      <Field label={t("land.description")}>
        <textarea name="description" rows={2} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      </Field>
      <Field label={t("land.languages")}><input name="lang" value={lang} onInput={(e) => setLang(e.currentTarget.value)} /></Field>
      {land === undefined && (
        <Field label={t("land.terms")}>
          <input name="terms" placeholder={t("land.termsHint")} value={terms} onInput={(e) => setTerms(e.currentTarget.value)} />
        </Field>
      )}
      <ErrorBox error={error} />
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>{submitLabel}</button>
        {onCancel && <button type="button" onClick={onCancel}>{t("common.cancel")}</button>}
      </div>
    </form>
  )
}

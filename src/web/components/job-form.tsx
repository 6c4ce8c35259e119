import { Effect, Schema } from "effect"
import { useState } from "preact/hooks"
import { PseudolinksRequest } from "../../domain/search.js"
import { CrawlRequest } from "../../http/api.js"
import { EmbedOptions } from "../../streams/embed-options.js"
import { MediaOptions } from "../../streams/media-options.js"
import { ReadableOptions } from "../../streams/readable-options.js"
import { call } from "../api.js"
import { useI18n } from "../i18n.js"
import { initialValues, type OptionValue, optionFields, payloadOf } from "../options.js"
import { ErrorBox, Field, useAction } from "./ui.js"

// Each job kind's options come from its request schema; the form's values are decoded by it here (defaults filled
// in), so a wrong value is named before the request.
const known = {
  crawl: {
    fields: optionFields(CrawlRequest),
    start: (id: number, input: object) =>
      call((api) => Effect.flatMap(Schema.decodeUnknown(CrawlRequest)(input), (payload) => api.jobs.crawlJob({ path: { id }, payload })))
  },
  readable: {
    fields: optionFields(ReadableOptions),
    start: (id: number, input: object) =>
      call((api) => Effect.flatMap(Schema.decodeUnknown(ReadableOptions)(input), (payload) => api.jobs.readable({ path: { id }, payload })))
  },
  media: {
    fields: optionFields(MediaOptions),
    start: (id: number, input: object) =>
      call((api) => Effect.flatMap(Schema.decodeUnknown(MediaOptions)(input), (payload) => api.jobs.media({ path: { id }, payload })))
  },
  embed: {
    fields: optionFields(EmbedOptions),
    start: (id: number, input: object) =>
      call((api) => Effect.flatMap(Schema.decodeUnknown(EmbedOptions)(input), (payload) => api.jobs.embed({ path: { id }, payload })))
  },
  pseudolinks: {
    fields: optionFields(PseudolinksRequest),
    start: (id: number, input: object) =>
      call((api) => Effect.flatMap(Schema.decodeUnknown(PseudolinksRequest)(input), (payload) => api.search.pseudolinks({ path: { id }, payload })))
  }
} as const

type Kind = keyof typeof known

export const JobForm = ({ landId, onStarted }: { readonly landId: number; readonly onStarted: () => void }) => {
  const { t, maybe } = useI18n()
  const kinds: ReadonlyArray<Kind> = ["crawl", "readable", "media", "embed", "pseudolinks"]
  const [kind, setKind] = useState<Kind>("crawl")
  const [values, setValues] = useState<Record<string, OptionValue>>(() => initialValues(known.crawl.fields))
  const [started, setStarted] = useState<number | null>(null)
  const { busy, error, run } = useAction()
  const fields = known[kind].fields
  const set = (name: string, value: OptionValue) => setValues((v) => ({ ...v, [name]: value }))
  return (
    <form class="card" onSubmit={(e) => {
      e.preventDefault()
      void run(async () => {
        const r = await known[kind].start(landId, payloadOf(fields, values))
        setStarted(r.jobId)
        onStarted()
      })
    }}>
      <h2>{t("jobs.start")}</h2>
      <div class="grid">
        <Field label={t("jobs.kind")}>
          <select name="kind" value={kind} onChange={(e) => {
            const k = e.currentTarget.value as Kind
            setKind(k)
            setValues(initialValues(known[k].fields))
          }}>
            {kinds.map((k) => <option value={k}>{maybe(`kind.${k}`) ?? k}</option>)}
          </select>
        </Field>
        {fields.map((f) => (
          <Field label={maybe(`option.${f.name}`) ?? f.name}>
            {f.kind === "boolean"
              ? <input type="checkbox" name={f.name} checked={values[f.name] === true} onChange={(e) => set(f.name, e.currentTarget.checked)} />
              : f.kind === "choice"
              ? (
                <select name={f.name} value={String(values[f.name])} onChange={(e) => set(f.name, e.currentTarget.value)}>
                  {(f.initial === undefined || f.nullable) && <option value="">{t("jobs.serverDefault")}</option>}
                  {f.choices.map((c) => <option value={c}>{maybe(`choice.${c}`) ?? c}</option>)}
                </select>
              )
              : f.kind === "several"
              ? (
                <span class="several">
                  {f.choices.map((c) => {
                    const chosen = values[f.name] as ReadonlyArray<string>
                    return (
                      <label><input type="checkbox" name={`${f.name}.${c}`} checked={chosen.includes(c)} onChange={(e) =>
                        set(f.name, e.currentTarget.checked ? [...chosen, c] : chosen.filter((x) => x !== c))} /> {maybe(`choice.${c}`) ?? c}</label>
                    )
                  })}
                </span>
              )
              : f.kind === "number" && f.choices.length > 0
              ? (
                <>
                  <input name={f.name} inputMode="numeric" list={`${f.name}-words`} placeholder={f.choices.join(", ")}
                    value={String(values[f.name] ?? "")} onInput={(e) => set(f.name, e.currentTarget.value)} />
                  <datalist id={`${f.name}-words`}>{f.choices.map((c) => <option value={c} />)}</datalist>
                </>
              )
              : f.kind === "number"
              ? (
                <input name={f.name} type="number" step="any" placeholder={f.nullable ? t("jobs.noLimit") : ""}
                  value={String(values[f.name] ?? "")} onInput={(e) => set(f.name, e.currentTarget.value)} />
              )
              : <input name={f.name} value={String(values[f.name] ?? "")} onInput={(e) => set(f.name, e.currentTarget.value)} />}
          </Field>
        ))}
      </div>
      <ErrorBox error={error} />
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>{t("jobs.startButton", { kind: maybe(`kind.${kind}`) ?? kind })}</button>
        {started !== null && <span class="note">{t("jobs.startedNote", { id: started })}</span>}
      </div>
    </form>
  )
}

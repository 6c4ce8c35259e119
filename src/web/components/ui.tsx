import type { ComponentChildren } from "preact"
import { useCallback, useEffect, useState } from "preact/hooks"
import { ApiFailure } from "../api.js"
import { useI18n } from "../i18n.js"

/** An API failure in the reader's language: the error's own sentence when the table has one, else the server's. */
export const useErrorText = () => {
  const { t, maybe } = useI18n()
  return (e: unknown) => {
    if (!(e instanceof ApiFailure)) return e instanceof Error ? e.message : String(e)
    const vars = Object.fromEntries(Object.entries(e.fields).map(([k, v]) => [k, typeof v === "number" ? v : String(v)]))
    return maybe(`error.${e.tag}`, vars) ?? (e.message === "" ? t("error.Unknown") : e.message)
  }
}

export const ErrorBox = ({ error }: { readonly error: unknown }) => {
  const text = useErrorText()
  return error === null || error === undefined ? null : <p class="error" role="alert">{text(error)}</p>
}

export interface Loaded<A> {
  readonly data: A | undefined
  readonly error: unknown
  readonly loading: boolean
  readonly reload: () => void
}

/** Loads once per change of `deps`; a newer load wins over an older one still on its way. */
export const useLoad = <A,>(load: () => Promise<A>, deps: ReadonlyArray<unknown>): Loaded<A> => {
  const [state, setState] = useState<{ data: A | undefined; error: unknown; loading: boolean }>({ data: undefined, error: null, loading: true })
  const [tick, setTick] = useState(0)
  useEffect(() => {
    let current = true
    setState((s) => ({ ...s, loading: true }))
    load().then(
      (data) => current && setState({ data, error: null, loading: false }),
      (error: unknown) => current && setState((s) => ({ data: s.data, error, loading: false }))
    )
    return () => void (current = false)
  }, [...deps, tick])
  const reload = useCallback(() => setTick((n) => n + 1), [])
  return { ...state, reload }
}

/** A form's submit: busy while it runs, the failure kept to show, the inputs left as they were. */
export const useAction = () => {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const run = async (action: () => Promise<void>) => {
    setBusy(true)
    setError(null)
    try {
      await action()
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
    }
  }
  return { busy, error, run }
}

export const Field = ({ label, children }: { readonly label: string; readonly children: ComponentChildren }) => (
  <label class="field">
    <span>{label}</span>
    {children}
  </label>
)

/** A button that asks once more before it acts. */
export const ConfirmButton = ({ label, question, onConfirm }: { readonly label: string; readonly question: string; readonly onConfirm: () => void }) => {
  const { t } = useI18n()
  const [asking, setAsking] = useState(false)
  return asking
    ? (
      <span class="confirm">
        {question} <button class="danger" onClick={() => { setAsking(false); onConfirm() }}>{t("common.yes")}</button>
        <button onClick={() => setAsking(false)}>{t("common.no")}</button>
      </span>
    )
    : <button class="danger" onClick={() => setAsking(true)}>{label}</button>
}

export const Pager = ({ total, limit, offset, onOffset }: {
  readonly total: number
  readonly limit: number
  readonly offset: number
  readonly onOffset: (offset: number) => void
}) => {
  const { t } = useI18n()
  const last = Math.min(offset + limit, total)
  return (
    <div class="pager">
      <button disabled={offset === 0} onClick={() => onOffset(Math.max(0, offset - limit))}>‹ {t("common.previous")}</button>
      <span>{t("common.range", { from: total === 0 ? 0 : offset + 1, to: last, total })}</span>
      <button disabled={last >= total} onClick={() => onOffset(offset + limit)}>{t("common.next")} ›</button>
    </div>
  )
}

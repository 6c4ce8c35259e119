import type { ExpressionFilters } from "../../http/api.js"
import { CrawlState } from "../../domain/expression.js"
import { call, compact } from "../api.js"
import { type Key, useI18n } from "../i18n.js"
import { go, href } from "../router.js"
import { useState } from "preact/hooks"
import { ErrorBox, Field, Pager, useLoad } from "./ui.js"

type Sort = NonNullable<ExpressionFilters["sort"]>
const LIMIT = 50
const filterNames = ["minrel", "depth", "state", "status", "q", "domain"] as const
const columns: ReadonlyArray<readonly [Sort | null, Key]> = [
  ["title", "pages.page"], [null, "pages.domain"], ["depth", "pages.depth"], [null, "pages.state"], [null, "pages.http"],
  ["relevance", "pages.relevance"], ["fetched", "pages.fetched"]
]

const numberOr = (v: string | null) => (v === null || v.trim() === "" || Number.isNaN(Number(v)) ? undefined : Number(v))

/** The land's pages: sorted and filtered through the address (#/lands/1/pages?sort=depth&state=failed), paged. */
export const Pages = ({ landId, params }: { readonly landId: number; readonly params: URLSearchParams }) => {
  const { t, maybe, num, date } = useI18n()
  const current = Object.fromEntries([...params.entries()]) as Record<string, string>
  const sort = (params.get("sort") ?? "relevance") as Sort
  const order = params.get("order") === "asc" ? "asc" : "desc"
  const offset = numberOr(params.get("offset")) ?? 0
  const state = CrawlState.literals.find((s) => s === params.get("state"))
  const text = (name: string) => params.get(name)?.trim() || undefined
  const urlParams = {
    sort, order, limit: LIMIT, offset,
    minrel: numberOr(params.get("minrel")), depth: numberOr(params.get("depth")), status: numberOr(params.get("status")),
    state, q: text("q"), domain: text("domain")
  } as const
  const pages = useLoad(() => call((api) => api.lands.expressions({ path: { id: landId }, urlParams: compact(urlParams) })), [landId, params.toString()])
  const update = (changes: Record<string, string | number | undefined>) => go(`/lands/${landId}/pages`, { ...current, offset: undefined, ...changes })
  return (
    <div>
      <Filters key={params.toString()} landId={landId} current={current} onApply={update} />
      <ErrorBox error={pages.error} />
      {pages.data && (
        <>
          <table class="data pages">
            <thead>
              <tr>
                {columns.map(([key, label]) => (
                  <th class={key === sort ? `sorted ${order}` : ""}>
                    {key === null
                      ? t(label)
                      : <button class="link" onClick={() => update({ sort: key, order: key === sort && order === "desc" ? "asc" : "desc" })}>
                        {t(label)} {key === sort ? (order === "desc" ? "▼" : "▲") : ""}
                      </button>}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {pages.data.items.map((p) => (
                <tr key={p.id}>
                  <td><a href={href(`/lands/${landId}/pages/${p.id}`)}>{p.title ?? p.url}</a><div class="muted small">{p.url}</div></td>
                  <td>{p.domain}</td>
                  <td class="n">{p.depth}</td>
                  <td><span class={`state ${p.crawlState}`}>{maybe(`state.${p.crawlState}`) ?? p.crawlState}</span></td>
                  <td class="n">{p.httpStatus ?? "—"}</td>
                  <td class="n">{num(p.relevance)}</td>
                  <td>{date(p.fetchedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {pages.data.total === 0 && <p class="empty">{t("pages.none")}</p>}
          <Pager total={pages.data.total} limit={LIMIT} offset={offset} onOffset={(o) => update({ offset: o })} />
        </>
      )}
    </div>
  )
}

/**
 * The filter form holds what the reader types in its own state, so that a re-render (the table arriving) never wipes
 * it; it starts again from the address when the address changes (keyed by it).
 */
const Filters = ({ landId, current, onApply }: {
  readonly landId: number
  readonly current: Readonly<Record<string, string>>
  readonly onApply: (changes: Record<string, string>) => void
}) => {
  const { t, maybe } = useI18n()
  const [values, setValues] = useState(() => Object.fromEntries(filterNames.map((n) => [n, current[n] ?? ""])))
  const bind = (name: typeof filterNames[number]) => ({
    name,
    value: values[name],
    onInput: (e: { currentTarget: HTMLInputElement | HTMLSelectElement }) => setValues((v) => ({ ...v, [name]: e.currentTarget.value }))
  })
  return (
    <form class="filters card" onSubmit={(e) => {
      e.preventDefault()
      onApply(values)
    }}>
      <Field label={t("pages.text")}><input type="search" {...bind("q")} /></Field>
      <Field label={t("pages.minrel")}><input type="number" step="any" {...bind("minrel")} /></Field>
      <Field label={t("pages.depth")}><input type="number" min={0} {...bind("depth")} /></Field>
      <Field label={t("pages.state")}>
        <select {...bind("state")}>
          <option value="">{t("common.all")}</option>
          {CrawlState.literals.map((s) => <option value={s}>{maybe(`state.${s}`) ?? s}</option>)}
        </select>
      </Field>
      <Field label={t("pages.http")}><input type="number" min={0} max={999} {...bind("status")} /></Field>
      <Field label={t("pages.domain")}><input {...bind("domain")} /></Field>
      <div class="actions">
        <button type="submit" class="primary">{t("pages.apply")}</button>
        <a class="button" href={href(`/lands/${landId}/pages`)}>{t("pages.reset")}</a>
      </div>
    </form>
  )
}

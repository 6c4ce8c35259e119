import type { LinkJson } from "../../http/dto.js"
import { call } from "../api.js"
import { useI18n } from "../i18n.js"
import { href } from "../router.js"
import { Hits } from "./search.js"
import { ErrorBox, useLoad } from "./ui.js"

const Links = ({ landId, links }: { readonly landId: number; readonly links: ReadonlyArray<typeof LinkJson.Type> }) => (
  <ul class="links">
    {links.map((l) => (
      <li><a href={href(`/lands/${landId}/pages/${l.id}`)}>{l.title ?? l.url}</a> {l.anchorText && <span class="muted">« {l.anchorText} »</span>}</li>
    ))}
  </ul>
)

/** One page: its metadata, why it failed, its readable text, its links both ways and its media. */
export const PageDetail = ({ landId, id }: { readonly landId: number; readonly id: number }) => {
  const { t, maybe, num, date } = useI18n()
  const page = useLoad(() => call((api) => api.lands.expression({ path: { id } })), [id])
  // Pages like this one; none until the land is embedded (the API says LandNotEmbedded).
  const similar = useLoad(() => call((api) => api.search.similar({ path: { id }, urlParams: { limit: 10 } })).catch(() => []), [id])
  if (page.error) return <ErrorBox error={page.error} />
  const p = page.data
  if (!p) return <p>{t("common.loading")}</p>
  const rows: ReadonlyArray<readonly [string, string | number | null]> = [
    [t("detail.url"), p.url], [t("detail.finalUrl"), p.finalUrl], [t("pages.domain"), p.domain], [t("pages.depth"), p.depth],
    [t("pages.state"), maybe(`state.${p.crawlState}`) ?? p.crawlState], [t("pages.http"), p.httpStatus], [t("detail.contentType"), p.contentType],
    [t("detail.language"), p.language], [t("pages.relevance"), num(p.relevance)], [t("detail.words"), num(p.wordCount)],
    [t("detail.readingTime"), p.readingTime], [t("detail.published"), date(p.publishedAt)], [t("pages.fetched"), date(p.fetchedAt)],
    [t("detail.description"), p.description], [t("detail.keywords"), p.keywords], [t("detail.canonical"), p.canonicalUrl],
    [t("detail.readableSource"), p.readableSource]
  ]
  return (
    <article class="detail">
      <p><a href={href(`/lands/${landId}/pages`)}>‹ {t("tab.pages")}</a></p>
      <h2>{p.title ?? p.url}</h2>
      {p.error && <p class="error" role="alert">{t("detail.failed", { reason: p.error })}</p>}
      {p.readableError && <p class="warning">{t("detail.noReadable", { reason: p.readableError })}</p>}
      <dl class="meta">
        {rows.filter(([, v]) => v !== null && v !== "" && v !== "—").map(([k, v]) => <><dt>{k}</dt><dd>{v}</dd></>)}
      </dl>
      <div class="columns">
        <section class="card"><h3>{t("detail.outgoing", { n: p.outgoing.length })}</h3><Links landId={landId} links={p.outgoing} /></section>
        <section class="card"><h3>{t("detail.incoming", { n: p.incoming.length })}</h3><Links landId={landId} links={p.incoming} /></section>
      </div>
      {similar.data && similar.data.length > 0 && (
        <section class="card"><h3>{t("detail.similar")}</h3><Hits landId={landId} hits={similar.data} /></section>
      )}
      {p.media.length > 0 && (
        <section class="card">
          <h3>{t("tab.media")} ({p.media.length})</h3>
          <div class="gallery small">{p.media.map((m) => <a href={m.url} target="_blank" rel="noreferrer"><img src={m.url} alt={m.alt ?? ""} loading="lazy" /></a>)}</div>
        </section>
      )}
      <section class="card">
        <h3>{t("detail.readable")}</h3>
        {p.readable ? <div class="readable">{p.readable}</div> : <p class="empty">{t("detail.noText")}</p>}
      </section>
    </article>
  )
}

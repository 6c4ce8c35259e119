import { useState } from "preact/hooks"
import { call } from "../api.js"
import { type Key, useI18n } from "../i18n.js"
import { go, href, type Route } from "../router.js"
import { Dictionary } from "./dictionary.js"
import { Domains } from "./domains.js"
import { Exports } from "./exports.js"
import { GraphView } from "./graph.js"
import { Jobs } from "./jobs.js"
import { LandForm } from "./land-form.js"
import { MediaGallery } from "./media.js"
import { PageDetail } from "./page-detail.js"
import { Pages } from "./pages.js"
import { Search } from "./search.js"
import { Seeds } from "./seeds.js"
import { ConfirmButton, ErrorBox, useAction, useLoad } from "./ui.js"

const tabs = ["overview", "jobs", "pages", "domains", "graph", "media", "export", "search"] as const
type Tab = typeof tabs[number]

/** A land: its header (counts, edit, delete) and one tab of its study. */
export const LandView = ({ id, route }: { readonly id: number; readonly route: Route }) => {
  const { t, num } = useI18n()
  const land = useLoad(() => call((api) => api.lands.get({ path: { id } })), [id])
  const [editing, setEditing] = useState(false)
  const removal = useAction()
  const tab: Tab = tabs.find((x) => x === route.parts[2]) ?? "overview"
  if (land.error && !land.data) return <ErrorBox error={land.error} />
  if (!land.data) return <p>{t("common.loading")}</p>
  const l = land.data
  return (
    <section>
      <div class="title-row">
        <h1><a href="#/">{t("lands.title")}</a> › {l.name}</h1>
        <span class="spacer" />
        <button onClick={() => setEditing(!editing)}>{t("common.edit")}</button>
        <ConfirmButton label={t("common.delete")} question={t("land.deleteQuestion", { name: l.name })} onConfirm={() =>
          void removal.run(async () => {
            await call((api) => api.lands.delete({ path: { id } }))
            go("/")
          })} />
      </div>
      <ErrorBox error={removal.error} />
      {editing && (
        <LandForm land={l} submitLabel={t("common.save")} onCancel={() => setEditing(false)} onSubmit={async (f) => {
          await call((api) => api.lands.update({ path: { id }, payload: { name: f.name, description: f.description, lang: f.lang } }))
          setEditing(false)
          land.reload()
        }} />
      )}
      <p class="counts">
        {l.description && <span>{l.description} · </span>}
        {t("land.counts", { pages: num(l.expressionCount), fetched: num(l.fetchedCount), failed: num(l.failedCount), domains: num(l.domainCount), media: num(l.mediaCount) })}
      </p>
      <nav class="tabs">
        {tabs.map((x) => <a class={x === tab ? "active" : ""} href={href(`/lands/${id}/${x}`)}>{t(`tab.${x}` as Key)}</a>)}
      </nav>
      {tab === "overview" && (
        <div class="columns">
          <Dictionary landId={id} onChange={land.reload} />
          <Seeds landId={id} onChange={land.reload} />
        </div>
      )}
      {tab === "jobs" && <Jobs landId={id} onChange={land.reload} />}
      {tab === "pages" && (route.parts[3] ? <PageDetail landId={id} id={Number(route.parts[3])} /> : <Pages landId={id} params={route.params} />)}
      {tab === "domains" && <Domains landId={id} />}
      {tab === "graph" && <GraphView landId={id} />}
      {tab === "media" && <MediaGallery landId={id} />}
      {tab === "export" && <Exports landId={id} />}
      {tab === "search" && <Search landId={id} />}
    </section>
  )
}

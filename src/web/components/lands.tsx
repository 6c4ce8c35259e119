import { useState } from "preact/hooks"
import { call } from "../api.js"
import { useI18n } from "../i18n.js"
import { go, href } from "../router.js"
import { LandForm } from "./land-form.js"
import { ErrorBox, Pager, useLoad } from "./ui.js"

const LIMIT = 50

/** The caller's lands with their counts, and the form that creates one. */
export const LandList = () => {
  const { t, num, date } = useI18n()
  const [offset, setOffset] = useState(0)
  const [creating, setCreating] = useState(false)
  const lands = useLoad(() => call((api) => api.lands.list({ urlParams: { limit: LIMIT, offset } })), [offset])
  return (
    <section>
      <div class="title-row">
        <h1>{t("lands.title")}</h1>
        {!creating && <button class="primary" onClick={() => setCreating(true)}>{t("lands.new")}</button>}
      </div>
      {creating && (
        <LandForm
          submitLabel={t("lands.create")}
          onCancel={() => setCreating(false)}
          onSubmit={async (f) => {
            const land = await call((api) => api.lands.create({
              payload: { name: f.name, description: f.description, lang: f.lang, ...(f.terms.trim() === "" ? {} : { terms: f.terms }) }
            }))
            go(`/lands/${land.id}`)
          }}
        />
      )}
      <ErrorBox error={lands.error} />
      {lands.data && lands.data.total === 0 && !creating && <p class="empty">{t("lands.empty")}</p>}
      {lands.data && lands.data.total > 0 && (
        <>
          <table class="data">
            <thead>
              <tr>
                <th>{t("land.name")}</th><th>{t("land.languages")}</th><th class="n">{t("lands.terms")}</th>
                <th class="n">{t("lands.pages")}</th><th class="n">{t("lands.fetched")}</th><th class="n">{t("lands.domains")}</th>
                <th class="n">{t("lands.media")}</th><th>{t("lands.updated")}</th>
              </tr>
            </thead>
            <tbody>
              {lands.data.items.map((l) => (
                <tr key={l.id}>
                  <td>
                    <a href={href(`/lands/${l.id}`)}>{l.name}</a>
                    <div class="muted">{l.ownerName === null ? "" : `${t("lands.owner", { owner: l.ownerName })} `}{l.description}</div>
                  </td>
                  <td>{l.lang.join(", ")}</td>
                  <td class="n">{num(l.termCount)}</td>
                  <td class="n">{num(l.expressionCount)}</td>
                  <td class="n">{num(l.fetchedCount)}</td>
                  <td class="n">{num(l.domainCount)}</td>
                  <td class="n">{num(l.mediaCount)}</td>
                  <td>{date(l.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager total={lands.data.total} limit={LIMIT} offset={offset} onOffset={setOffset} />
        </>
      )}
    </section>
  )
}

import { useState } from "preact/hooks"
import { call } from "../api.js"
import { useI18n } from "../i18n.js"
import { href } from "../router.js"
import { ErrorBox, Pager, useLoad } from "./ui.js"

const LIMIT = 50

export const Domains = ({ landId }: { readonly landId: number }) => {
  const { t, num } = useI18n()
  const [offset, setOffset] = useState(0)
  const domains = useLoad(() => call((api) => api.lands.domains({ path: { id: landId }, urlParams: { limit: LIMIT, offset } })), [landId, offset])
  return (
    <div>
      <ErrorBox error={domains.error} />
      {domains.data && (
        <>
          <table class="data">
            <thead><tr><th>{t("domains.host")}</th><th>{t("domains.title")}</th><th class="n">{t("lands.pages")}</th><th class="n">{t("lands.fetched")}</th><th class="n">{t("domains.relevance")}</th></tr></thead>
            <tbody>
              {domains.data.items.map((d) => (
                <tr key={d.id}>
                  <td><a href={href(`/lands/${landId}/pages`, { domain: d.host })}>{d.host}</a></td>
                  <td>{d.title ?? ""}</td>
                  <td class="n">{num(d.pageCount)}</td>
                  <td class="n">{num(d.fetchedCount)}</td>
                  <td class="n">{num(d.averageRelevance)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager total={domains.data.total} limit={LIMIT} offset={offset} onOffset={setOffset} />
        </>
      )}
    </div>
  )
}

import { useEffect, useRef, useState } from "preact/hooks"
import Sigma from "sigma"
import { call } from "../api.js"
import { buildGraph, type GraphLevel, type SizeBy } from "../graph-model.js"
import { useI18n } from "../i18n.js"
import { go } from "../router.js"
import { ErrorBox, Field, useLoad } from "./ui.js"

// The page graph draws every page: past this many, only the domain graph is offered.
const PAGE_GRAPH_MAX = 2000
const NODES_MAX = 10_000

/** The land's link graph (domains, or pages for a small land) drawn by sigma.js; a click opens what the node is. */
export const GraphView = ({ landId }: { readonly landId: number }) => {
  const { t, num } = useI18n()
  const [level, setLevel] = useState<GraphLevel>("domains")
  const [sizeBy, setSizeBy] = useState<SizeBy>("pages")
  const [minrel, setMinrel] = useState("0")
  const data = useLoad(() => call((api) => api.lands.graph({ path: { id: landId }, urlParams: { minrel: Number(minrel) || 0, limit: NODES_MAX } })), [landId, minrel])
  const container = useRef<HTMLDivElement>(null)
  const pagesAllowed = (data.data?.nodes.length ?? 0) <= PAGE_GRAPH_MAX
  const shownLevel = pagesAllowed ? level : "domains"
  const [order, setOrder] = useState(0)
  useEffect(() => {
    if (!data.data || !container.current) return
    const graph = buildGraph(data.data, shownLevel, sizeBy)
    setOrder(graph.order)
    if (graph.order === 0) return
    const renderer = new Sigma(graph, container.current, { labelRenderedSizeThreshold: 8, stagePadding: 60 })
    renderer.on("clickNode", ({ node }) => {
      const target = graph.getNodeAttribute(node, "target")
      if (shownLevel === "domains") go(`/lands/${landId}/pages`, { domain: target })
      else go(`/lands/${landId}/pages/${target}`)
    })
    renderer.on("enterNode", () => container.current?.classList.add("pointer"))
    renderer.on("leaveNode", () => container.current?.classList.remove("pointer"))
    return () => renderer.kill()
  }, [data.data, shownLevel, sizeBy])
  return (
    <div>
      <div class="filters card">
        <Field label={t("graph.level")}>
          <select name="level" value={shownLevel} onChange={(e) => setLevel(e.currentTarget.value as GraphLevel)}>
            <option value="domains">{t("graph.domains")}</option>
            <option value="pages" disabled={!pagesAllowed}>{t("graph.pages")}</option>
          </select>
        </Field>
        <Field label={t("graph.sizeBy")}>
          <select name="sizeBy" value={sizeBy} onChange={(e) => setSizeBy(e.currentTarget.value as SizeBy)}>
            <option value="pages">{t("graph.byPages")}</option>
            <option value="relevance">{t("graph.byRelevance")}</option>
          </select>
        </Field>
        <Field label={t("pages.minrel")}><input name="minrel" type="number" step="any" min={0} value={minrel} onChange={(e) => setMinrel(e.currentTarget.value)} /></Field>
        {data.data && <p class="muted">{t("graph.summary", { nodes: num(order), pages: num(data.data.nodes.length), links: num(data.data.edges.length) })}</p>}
      </div>
      <ErrorBox error={data.error} />
      {data.data && order === 0 && <p class="empty">{t("graph.empty")}</p>}
      <div class="graph" ref={container} data-nodes={order} />
      <p class="hint">{t("graph.hint")}</p>
    </div>
  )
}

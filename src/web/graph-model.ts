import { DirectedGraph } from "graphology"
import forceAtlas2Module from "graphology-layout-forceatlas2"
import type { GraphJson } from "../http/dto.js"

// A CommonJS module whose exports are the layout function itself; TypeScript reads its `export default` as a property.
const forceAtlas2 = forceAtlas2Module as unknown as typeof forceAtlas2Module.default

export type GraphLevel = "domains" | "pages"
export type SizeBy = "pages" | "relevance"

export interface NodeAttributes {
  x: number
  y: number
  size: number
  label: string
  color: string
  /** Where a click leads: a domain's host or a page's id. */
  target: string
}

interface EdgeAttributes {
  size: number
  weight: number
  color: string
}

const palette = ["#2b6cb0", "#c05621", "#2f855a", "#9b2c2c", "#6b46c1", "#b7791f", "#2c7a7b", "#97266d"]
const colorOf = (key: string) => palette[[...key].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) % palette.length]!

/**
 * The page graph as the API gives it, or folded into its domains (a domain's weight: its pages, or their mean
 * relevance; an edge's: the links between them), laid out by ForceAtlas2. Sizes are scaled to 3–20 px.
 */
export const buildGraph = (data: typeof GraphJson.Type, level: GraphLevel, sizeBy: SizeBy) => {
  const graph = new DirectedGraph<NodeAttributes, EdgeAttributes>()
  const weights = new Map<string, { pages: number; relevance: number; label: string; target: string; color: string }>()
  const keyOf = new Map<number, string>()
  for (const n of data.nodes) {
    const key = level === "domains" ? n.domain : String(n.id)
    keyOf.set(n.id, key)
    const w = weights.get(key) ?? { pages: 0, relevance: 0, label: level === "domains" ? n.domain : n.title ?? n.url, target: key, color: colorOf(n.domain) }
    w.pages += 1
    w.relevance += n.relevance ?? 0
    weights.set(key, w)
  }
  const measure = (w: { pages: number; relevance: number }) => (sizeBy === "pages" ? w.pages : w.relevance / w.pages)
  const max = Math.max(1e-9, ...[...weights.values()].map(measure))
  let i = 0
  for (const [key, w] of weights) {
    // On a circle to start with: ForceAtlas2 needs positions, and the same data lays out the same way each time.
    const angle = (2 * Math.PI * i++) / weights.size
    graph.addNode(key, { x: Math.cos(angle), y: Math.sin(angle), size: 3 + 17 * Math.sqrt(Math.max(0, measure(w)) / max), label: w.label, color: w.color, target: w.target })
  }
  for (const e of data.edges) {
    const source = keyOf.get(e.source)
    const target = keyOf.get(e.target)
    if (source === undefined || target === undefined || source === target) continue
    if (graph.hasEdge(source, target)) graph.updateEdgeAttribute(source, target, "weight", (w: number | undefined) => (w ?? 0) + 1)
    else graph.addEdge(source, target, { size: 1, weight: 1, color: "#cbd5e0" })
  }
  graph.forEachEdge((edge: string, a: EdgeAttributes) => graph.setEdgeAttribute(edge, "size", Math.min(6, 0.5 + Math.log2(a.weight))))
  if (graph.order > 1) forceAtlas2.assign(graph, { iterations: 150, settings: { ...forceAtlas2.inferSettings(graph), edgeWeightInfluence: 1 } })
  return graph
}

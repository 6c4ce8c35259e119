import { formatNumber } from "./export-csv.js"

// GEXF 1.3 (gexf.net), written piece by piece so that a graph of any size streams: the header with the attribute
// declarations, one line per node and per edge, then the closing tags. Legacy wrote 1.2 with the viz namespace of
// 1.1, which Gephi reads but no schema validates.

// Characters XML 1.0 cannot carry at all (control characters, lone surrogates, U+FFFE/U+FFFF): web pages do hold
// them, and one is enough for Gephi to refuse the whole file.
const INVALID_XML = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu

const ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  "\"": "&quot;",
  "'": "&apos;",
  // In an attribute a raw tab or line break would be read back as a space.
  "\t": "&#9;",
  "\n": "&#10;",
  "\r": "&#13;"
}

/** Text safe in an XML attribute value or element: escaped, characters XML forbids removed. */
export const xmlText = (s: string) => s.replace(INVALID_XML, "").replace(/[&<>"'\t\n\r]/g, (c) => ESCAPES[c]!)

export type GexfAttributeType = "string" | "integer" | "double" | "boolean"

export interface GexfAttribute<Row> {
  readonly title: string
  readonly type: GexfAttributeType
  /** Null leaves the attribute out of the node (no `attvalue`). */
  readonly value: (row: Row) => string | number | boolean | Date | null
}

export interface GexfNodeSpec<Row> {
  readonly attributes: ReadonlyArray<GexfAttribute<Row>>
  readonly id: (row: Row) => number
  readonly label: (row: Row) => string
  /** `viz:size`; negative values are written as 0 (the schema's minimum). */
  readonly size: (row: Row) => number | null
}

export interface GexfEdge {
  readonly source: number
  readonly target: number
  readonly weight: number
}

export interface GexfMeta {
  readonly description: string
  readonly lastModified: Date
  /** Edges without a direction (pairs alike), where links go from a page to another. */
  readonly undirected?: boolean
}

const attributeValue = (v: string | number | boolean | Date) =>
  typeof v === "number" ? formatNumber(v) : v instanceof Date ? v.toISOString() : xmlText(String(v))

/** Everything before the first node: declaration, root with namespaces, meta, attribute model, `<nodes>`. */
export const gexfHeader = <Row>(spec: GexfNodeSpec<Row>, meta: GexfMeta) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n` +
  `<gexf xmlns="http://gexf.net/1.3" xmlns:viz="http://gexf.net/1.3/viz" ` +
  `xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ` +
  `xsi:schemaLocation="http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd" version="1.3">\n` +
  `  <meta lastmodifieddate="${meta.lastModified.toISOString().slice(0, 10)}">\n` +
  `    <creator>MyWebIntelligence</creator>\n` +
  `    <description>${xmlText(meta.description)}</description>\n` +
  `  </meta>\n` +
  `  <graph mode="static" defaultedgetype="${meta.undirected === true ? "undirected" : "directed"}">\n` +
  `    <attributes class="node" mode="static">\n` +
  spec.attributes.map((a, i) => `      <attribute id="${i}" title="${xmlText(a.title)}" type="${a.type}"/>\n`).join("") +
  `    </attributes>\n` +
  `    <nodes>\n`

export const gexfNode = <Row>(spec: GexfNodeSpec<Row>, row: Row) => {
  let values = ""
  spec.attributes.forEach((a, i) => {
    const v = a.value(row)
    if (v !== null && !(typeof v === "number" && !Number.isFinite(v))) {
      values += `<attvalue for="${i}" value="${attributeValue(v)}"/>`
    }
  })
  const size = spec.size(row)
  return `      <node id="${spec.id(row)}" label="${xmlText(spec.label(row))}">` +
    (values === "" ? "" : `<attvalues>${values}</attvalues>`) +
    `<viz:size value="${formatNumber(Math.max(0, size !== null && Number.isFinite(size) ? size : 0))}"/></node>\n`
}

export const gexfBetweenNodesAndEdges = `    </nodes>\n    <edges>\n`

export const gexfEdge = (e: GexfEdge) =>
  `      <edge id="${e.source}_${e.target}" source="${e.source}" target="${e.target}" weight="${formatNumber(e.weight)}"/>\n`

export const gexfFooter = `    </edges>\n  </graph>\n</gexf>\n`

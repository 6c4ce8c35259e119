import type { CsvTable } from "./export-csv.js"
import type { GexfNodeSpec } from "./export-gexf.js"

// The rows the exporter reads and the columns each export writes (legacy §11, its bugs fixed: no `na` for missing
// values, a header even when nothing matched, no columns for data this product does not have such as seorank,
// validllm, validmodel).

/**
 * A page of the land, with its domain. `readable`, `tags` and the dates but `publishedAt` are filled only by the
 * exports that use them.
 */
export interface PageRow {
  readonly id: number
  /** The normalised URL, the one the crawler fetched. */
  readonly url: string
  readonly title: string | null
  readonly description: string | null
  readonly keywords: string | null
  readonly language: string | null
  readonly relevance: number | null
  readonly depth: number
  readonly httpStatus: number | null
  readonly domainId: number
  readonly domainName: string
  readonly domainDescription: string | null
  readonly domainKeywords: string | null
  readonly createdAt: Date | null
  readonly publishedAt: Date | null
  readonly fetchedAt: Date | null
  readonly approvedAt: Date | null
  readonly readableAt: Date | null
  /** Markdown, as stored. */
  readonly readable: string | null
  /** The distinct names of the tags on the page's tagged snippets, sorted, comma-joined. */
  readonly tags: string | null
}

/** A domain that has at least one exported page, with figures over those pages only. */
export interface DomainRow {
  readonly id: number
  readonly name: string
  readonly title: string | null
  readonly description: string | null
  readonly keywords: string | null
  readonly httpStatus: number | null
  readonly expressions: number
  /** Mean relevance of its exported pages, rounded to 2 decimals; null when none is scored. */
  readonly averageRelevance: number | null
  /** When its first and last exported pages entered the land. */
  readonly firstExpressionDate: Date
  readonly lastExpressionDate: Date
}

export interface MediaRow {
  readonly id: number
  readonly expressionId: number
  readonly url: string
  readonly type: string
  readonly alt: string | null
  readonly mimeType: string | null
  readonly width: number | null
  readonly height: number | null
  readonly fileSize: number | null
  readonly format: string | null
  readonly colorMode: string | null
  readonly channels: number | null
  readonly hasTransparency: boolean | null
  readonly aspectRatio: number | null
  readonly dominantColors: unknown
  readonly websafeColors: unknown
  readonly exif: unknown
  readonly sha256: string | null
  readonly phash: string | null
  readonly analyzedAt: Date | null
  readonly analysisError: string | null
}

export interface LinkRow {
  readonly sourceId: number
  readonly sourceUrl: string
  readonly sourceDomainId: number
  readonly targetId: number
  readonly targetUrl: string
  readonly targetDomainId: number
}

export interface DomainLinkRow {
  readonly sourceDomainId: number
  readonly sourceDomainName: string
  readonly targetDomainId: number
  readonly targetDomainName: string
  readonly linkCount: number
}

const pageHead = (p: PageRow) => [p.id, p.url, p.title, p.description, p.keywords] as const
const pageTail = (p: PageRow) =>
  [p.relevance, p.depth, p.domainId, p.domainName, p.domainDescription, p.domainKeywords, p.tags] as const
const pageTailColumns = ["relevance", "depth", "domain_id", "domain_name", "domain_description", "domain_keywords", "tags"]

export const pageCsv: CsvTable<PageRow> = {
  columns: ["id", "url", "title", "description", "keywords", ...pageTailColumns],
  cells: (p) => [...pageHead(p), ...pageTail(p)]
}

/** pagecsv with the readable text (Markdown, as stored) after the keywords. */
export const fullPageCsv: CsvTable<PageRow> = {
  columns: ["id", "url", "title", "description", "keywords", "readable", ...pageTailColumns],
  cells: (p) => [...pageHead(p), p.readable, ...pageTail(p)]
}

export const domainCsv: CsvTable<DomainRow> = {
  columns: ["id", "name", "title", "description", "keywords", "expressions", "average_relevance"],
  cells: (d) => [d.id, d.name, d.title, d.description, d.keywords, d.expressions, d.averageRelevance]
}

/** The legacy four columns, then what media analysis found (empty until it ran). */
export const mediaCsv: CsvTable<MediaRow> = {
  columns: [
    "id", "expression_id", "url", "type", "alt", "mime_type", "width", "height", "file_size", "format", "color_mode",
    "channels", "has_transparency", "aspect_ratio", "dominant_colors", "websafe_colors", "exif", "sha256", "phash",
    "analyzed_at", "analysis_error"
  ],
  cells: (m) => [
    m.id, m.expressionId, m.url, m.type, m.alt, m.mimeType, m.width, m.height, m.fileSize, m.format, m.colorMode,
    m.channels, m.hasTransparency, m.aspectRatio, m.dominantColors ?? null, m.websafeColors ?? null, m.exif ?? null,
    m.sha256, m.phash, m.analyzedAt, m.analysisError
  ]
}

/** nodelinkcsv's pagesnodes.csv; `crawled_at` is when the page was fetched. */
export const pageNodeCsv: CsvTable<PageRow> = {
  columns: [
    "id", "url", "domain_id", "domain_name", "title", "description", "keywords", "lang", "relevance", "depth",
    "http_status", "created_at", "published_at", "crawled_at", "approved_at", "readable_at"
  ],
  cells: (p) => [
    p.id, p.url, p.domainId, p.domainName, p.title, p.description, p.keywords, p.language, p.relevance, p.depth,
    p.httpStatus, p.createdAt, p.publishedAt, p.fetchedAt, p.approvedAt, p.readableAt
  ]
}

/** nodelinkcsv's pageslinks.csv: both ends are exported pages (V2 filtered the source only). */
export const pageLinkCsv: CsvTable<LinkRow> = {
  columns: ["source_id", "source_url", "source_domain_id", "target_id", "target_url", "target_domain_id"],
  cells: (l) => [l.sourceId, l.sourceUrl, l.sourceDomainId, l.targetId, l.targetUrl, l.targetDomainId]
}

export const domainNodeCsv: CsvTable<DomainRow> = {
  columns: [
    "id", "name", "title", "description", "http_status", "nbexpressions", "average_relevance",
    "first_expression_date", "last_expression_date"
  ],
  cells: (d) => [
    d.id, d.name, d.title, d.description, d.httpStatus, d.expressions, d.averageRelevance, d.firstExpressionDate,
    d.lastExpressionDate
  ]
}

export const domainLinkCsv: CsvTable<DomainLinkRow> = {
  columns: ["source_domain_id", "source_domain_name", "target_domain_id", "target_domain_name", "link_count"],
  cells: (l) => [l.sourceDomainId, l.sourceDomainName, l.targetDomainId, l.targetDomainName, l.linkCount]
}

/** Pages as Gephi nodes: the legacy attributes (domain_id now an integer), then domain, status, language, date. */
export const pageNodes: GexfNodeSpec<PageRow> = {
  attributes: [
    { title: "title", type: "string", value: (p) => p.title },
    { title: "description", type: "string", value: (p) => p.description },
    { title: "keywords", type: "string", value: (p) => p.keywords },
    { title: "domain_id", type: "integer", value: (p) => p.domainId },
    { title: "relevance", type: "double", value: (p) => p.relevance },
    { title: "depth", type: "integer", value: (p) => p.depth },
    { title: "domain", type: "string", value: (p) => p.domainName },
    { title: "http_status", type: "integer", value: (p) => p.httpStatus },
    { title: "language", type: "string", value: (p) => p.language },
    { title: "published_at", type: "string", value: (p) => p.publishedAt }
  ],
  id: (p) => p.id,
  label: (p) => p.url,
  size: (p) => p.relevance
}

export const domainNodes: GexfNodeSpec<DomainRow> = {
  attributes: [
    { title: "title", type: "string", value: (d) => d.title },
    { title: "description", type: "string", value: (d) => d.description },
    { title: "keywords", type: "string", value: (d) => d.keywords },
    { title: "expressions", type: "integer", value: (d) => d.expressions },
    { title: "average_relevance", type: "double", value: (d) => d.averageRelevance }
  ],
  id: (d) => d.id,
  label: (d) => d.name,
  size: (d) => d.averageRelevance
}

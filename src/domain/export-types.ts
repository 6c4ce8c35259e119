import { Schema } from "effect"

/** The export formats (legacy §11, plus nodelinkcsv from V2, plus the pseudolinks of the embed stage). */
export const ExportType = Schema.Literal(
  "pagecsv",
  "fullpagecsv",
  "nodecsv",
  "mediacsv",
  "pagegexf",
  "nodegexf",
  "nodelinkcsv",
  "corpus",
  "pseudolinks",
  "pseudolinkspage",
  "pseudolinksdomain",
  "pseudolinksgexf"
)
export type ExportType = typeof ExportType.Type

export const exportTypes: ReadonlyArray<ExportType> = ExportType.literals

/** Which pages an export takes; links are kept only when both their ends are taken. */
export const ExportFilters = Schema.Struct({
  /** Pages whose relevance is at least this; 0 (or less) takes every page, unscored ones included. */
  minrel: Schema.optionalWith(Schema.Number.pipe(Schema.finite({ message: () => "minrel must be a number" })), {
    default: () => 1
  }),
  /** Pages at this depth or shallower (seeds are 0). */
  depth: Schema.optional(Schema.Int.pipe(Schema.between(0, 1000, { message: () => "depth must be an integer from 0 to 1000" }))),
  /** Pages that answered this HTTP status. */
  httpStatus: Schema.optional(Schema.Int.pipe(Schema.between(100, 599, { message: () => "the HTTP status must be from 100 to 599" }))),
  /** Keep links between two pages of one domain (self-loops in domain graphs); legacy dropped them. */
  intraDomainEdges: Schema.optionalWith(Schema.Boolean, { default: () => false })
})
export type ExportFilters = typeof ExportFilters.Type
export type ExportFiltersInput = typeof ExportFilters.Encoded

/** Rows written, by kind: pages, links, domains, domainLinks, media, texts, withoutText. */
export type ExportCounts = Readonly<Record<string, number>>

interface Format {
  readonly extension: string
  readonly contentType: string
}

const csv: Format = { extension: "csv", contentType: "text/csv; charset=utf-8; header=present" }
const gexf: Format = { extension: "gexf", contentType: "application/gexf+xml; charset=utf-8" }
const zip: Format = { extension: "zip", contentType: "application/zip" }

export const formatOf: Readonly<Record<ExportType, Format>> = {
  pagecsv: csv,
  fullpagecsv: csv,
  nodecsv: csv,
  mediacsv: csv,
  pagegexf: gexf,
  nodegexf: gexf,
  nodelinkcsv: zip,
  corpus: zip,
  pseudolinks: csv,
  pseudolinkspage: csv,
  pseudolinksdomain: csv,
  pseudolinksgexf: gexf
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0")

/** `YYYYMMDD-HHMMSS` in UTC, sortable and safe in a file name. */
export const fileTimestamp = (d: Date) =>
  `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}-` +
  `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`

// Letters of any script stay (a land named "écologie" keeps its name); separators and reserved characters do not.
const safeName = (name: string) =>
  name.normalize("NFC").replace(/[^\p{L}\p{N}_-]+/gu, "-").replace(/^-+|-+$/g, "").slice(0, 100) || "land"

/** `<land>_<type>_<YYYYMMDD-HHMMSS>.<ext>`. */
export const exportFilename = (landName: string, type: ExportType, at: Date) =>
  `${safeName(landName)}_${type}_${fileTimestamp(at)}.${formatOf[type].extension}`

/**
 * The `Content-Disposition` of a download: an ASCII `filename` for old clients and the exact UTF-8 name in
 * `filename*` (RFC 6266 / RFC 5987).
 */
export const contentDisposition = (filename: string) => {
  const ascii = filename.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/[^\x20-\x7e]|["\\]/g, "_")
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`
}

/** The filters in words, for the header of a graph and the CLI's report. */
export const describeFilters = (f: ExportFilters) =>
  [
    f.minrel > 0 ? `relevance ≥ ${f.minrel}` : "any relevance",
    ...(f.depth === undefined ? [] : [`depth ≤ ${f.depth}`]),
    ...(f.httpStatus === undefined ? [] : [`HTTP ${f.httpStatus}`]),
    f.intraDomainEdges ? "links within a domain kept" : "links between different domains only"
  ].join(", ")

export class FileUnwritable extends Schema.TaggedError<FileUnwritable>()("FileUnwritable", {
  path: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `cannot write ${this.path}: ${this.reason}`
  }
}

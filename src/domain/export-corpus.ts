import type { PageRow } from "./export-columns.js"
import type { CsvTable } from "./export-csv.js"
import { markdownToText } from "./markdown-text.js"

// The corpus export: one plain-text file per page for text-analysis tools, each opening with a Dublin-Core-style
// header between `---` lines. Legacy left Date and Language empty, prefixed every slug with `b-` and crashed on a
// page without readable text; here such pages get no file, and MANIFEST.csv lists every page with its file or why
// it has none.

export const MANIFEST = "MANIFEST.csv"

/** The title as a file-name fragment: ASCII, lower case, runs of anything else as one `-`, at most 50 characters. */
export const slug = (title: string | null) => {
  const ascii = (title ?? "").normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
  const s = ascii.replace(/[^a-z0-9]+/g, "-").replace(/^-+/, "").slice(0, 50).replace(/-+$/, "")
  return s === "" ? "untitled" : s
}

/** Unique within a land (the id comes first) and stable from one export to the next. */
export const corpusFileName = (page: Pick<PageRow, "id" | "title">) => `${page.id}-${slug(page.title)}.txt`

// JSON strings are YAML double-quoted scalars too: a title with quotes or line breaks stays on its one line.
const field = (name: string, value: string | number | null) =>
  `${name}: ${typeof value === "number" ? String(value) : JSON.stringify(value ?? "")}\n`

/** A page's file (the metadata header, a blank line, its readable text without Markdown), or null without text. */
export const corpusFile = (page: PageRow): { readonly name: string; readonly content: string } | null => {
  const text = markdownToText(page.readable ?? "")
  if (text === "") return null
  const header = "---\n" +
    field("Title", page.title) +
    field("Source", page.url) +
    field("Publisher", page.domainName) +
    field("Language", page.language) +
    field("Date", page.publishedAt === null ? null : page.publishedAt.toISOString()) +
    field("Relevance", page.relevance) +
    field("Identifier", page.id) +
    field("Description", page.description) +
    "---\n\n"
  return { name: corpusFileName(page), content: header + text + "\n" }
}

export interface ManifestLine {
  readonly page: PageRow
  /** The page's file in the archive; null when it has no readable text. */
  readonly file: string | null
}

export const manifestCsv: CsvTable<ManifestLine> = {
  columns: ["id", "file", "status", "url", "title", "domain", "language", "published_at", "relevance"],
  cells: ({ file, page: p }) => [
    p.id,
    file,
    file === null ? "no readable text" : "ok",
    p.url,
    p.title,
    p.domainName,
    p.language,
    p.publishedAt,
    p.relevance
  ]
}

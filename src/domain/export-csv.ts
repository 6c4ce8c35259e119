// CSV as RFC 4180 writes it: CRLF line ends, a field quoted when it holds a comma, a quote or a line break, quotes
// doubled. The header is always written, so an empty export still says what its columns are (legacy wrote none).

/** What a cell can hold. Null is an empty field; objects (JSON columns) are written as compact JSON. */
export type Cell = string | number | boolean | Date | null | undefined | object

const NEEDS_QUOTES = /[",\r\n]/

const quote = (s: string) => (NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, `""`)}"` : s)

/** Numbers as JavaScript prints them (shortest exact form, `.` decimal point); nothing for NaN or infinities. */
export const formatNumber = (n: number) => (Number.isFinite(n) ? String(n) : "")

/** ISO 8601 in UTC with milliseconds: one format whatever the server's time zone. */
export const formatDate = (d: Date) => d.toISOString()

export const csvField = (value: Cell): string => {
  if (value === null || value === undefined) return ""
  if (typeof value === "string") return value === "" ? `""` : quote(value)
  if (typeof value === "number") return formatNumber(value)
  if (typeof value === "boolean") return value ? "true" : "false"
  if (value instanceof Date) return formatDate(value)
  return quote(JSON.stringify(value))
}

export const csvRow = (cells: ReadonlyArray<Cell>) => cells.map(csvField).join(",") + "\r\n"

/** A table of an export: its header and how a row of the query becomes its cells. */
export interface CsvTable<Row> {
  readonly columns: ReadonlyArray<string>
  readonly cells: (row: Row) => ReadonlyArray<Cell>
}

export const csvHeader = <Row>(table: CsvTable<Row>) => csvRow(table.columns)

export const csvLines = <Row>(table: CsvTable<Row>, rows: ReadonlyArray<Row>) => {
  let out = ""
  for (const row of rows) out += csvRow(table.cells(row))
  return out
}

// Publication dates as found in pages, to ISO-8601 UTC strings. Only explicit formats are read: V8's `Date.parse` is
// lenient to the point of reading "nonsense 2024" as a date, and reads zone-less date-times in the machine's local
// time zone, which would make the stored value depend on where the crawler runs.

const ISO_LIKE = new RegExp(
  "^(\\d{4})(?:[-/.](\\d{1,2})(?:[-/.](\\d{1,2})" + // date: 2024, 2024-03, 2024-03-05, 2024/3/5
    "(?:[T ](\\d{2}):(\\d{2})(?::(\\d{2})(?:[.,](\\d+))?)?)?)?)?" + // time: T10:00, T10:00:00.123
    "\\s*(Z|[+-]\\d{2}(?::?\\d{2})?)?$", // zone: Z, +01, +0100, +01:00
  "i"
)
const MONTH_NAME = /\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?(?=[\s,.\d]|$)/i
const YEAR = /\b\d{4}\b/
const EXPLICIT_ZONE = /\b(?:gmt|utc|z)\b|[+-]\d{4}\b|\b[ecmp][sd]t\b/i

const fromIsoLike = (match: RegExpExecArray): number | null => {
  const [, y, mo = "1", d = "1", h = "0", mi = "0", s = "0", fraction = "", zone] = match
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number)
  // Date.UTC reads years below 100 as 19xx.
  if (year < 1000 || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return null
  const millis = Number(fraction.slice(0, 3).padEnd(3, "0"))
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millis)
  // Date.UTC rolls 31 April over to 1 May; a day that does not exist is not a date.
  if (new Date(local).getUTCDate() !== day) return null
  if (zone === undefined || zone.toUpperCase() === "Z") return local
  const [, sign, zh, zm = "0"] = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone) ?? []
  return local - (sign === "-" ? -1 : 1) * (Number(zh) * 60 + Number(zm)) * 60_000
}

const fromText = (text: string): number | null => {
  if (text.length > 100 || !MONTH_NAME.test(text) || !YEAR.test(text)) return null
  const time = Date.parse(EXPLICIT_ZONE.test(text) ? text : `${text} UTC`)
  return Number.isNaN(time) ? null : time
}

/** The instant as `toISOString()` gives it, or null for anything that is not a plausible date (years 1000–9999). */
export const toIsoDate = (raw: string): string | null => {
  const text = raw.trim()
  const isoLike = ISO_LIKE.exec(text)
  const time = isoLike === null ? fromText(text) : fromIsoLike(isoLike)
  if (time === null) return null
  const date = new Date(time)
  const year = date.getUTCFullYear()
  return year >= 1000 && year <= 9999 ? date.toISOString() : null
}

// The EXIF subset kept per image: which camera, when, and where (when the photo says so).

/** The tags read from the EXIF block (exifr names); GPS coordinates come out as `latitude`/`longitude`. */
export const EXIF_TAGS = [
  "Make",
  "Model",
  "DateTimeOriginal",
  "OffsetTimeOriginal",
  "CreateDate",
  "ModifyDate",
  "GPSLatitude",
  "GPSLatitudeRef",
  "GPSLongitude",
  "GPSLongitudeRef"
] as const

export interface ExifSubset {
  readonly make?: string
  readonly model?: string
  /** Local time as the camera wrote it (`2021-05-04T10:20:30`), with its UTC offset only when the file gives one. */
  readonly dateTaken?: string
  readonly latitude?: number
  readonly longitude?: number
}

// EXIF strings are fixed-size fields padded with NULs, which jsonb refuses.
const clean = (value: unknown): string | undefined => {
  if (typeof value !== "string") return undefined
  const s = value.replace(/\u0000/g, "").trim()
  return s === "" ? undefined : s.slice(0, 200)
}

const EXIF_DATE = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/
const OFFSET = /^[+-]\d{2}:\d{2}$/

// EXIF dates carry no time zone: kept as written rather than read in the zone of whichever machine runs the analysis.
const exifDate = (value: unknown, offset: unknown): string | undefined => {
  const m = EXIF_DATE.exec(clean(value) ?? "")
  if (m === null || m[1] === "0000") return undefined
  const zone = clean(offset)
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${zone !== undefined && OFFSET.test(zone) ? zone : ""}`
}

const coordinate = (value: unknown, limit: number): number | undefined =>
  typeof value === "number" && Number.isFinite(value) && Math.abs(value) <= limit
    ? Math.round(value * 1_000_000) / 1_000_000
    : undefined

/**
 * The subset of what exifr parsed (with `reviveValues: false`, so dates stay as written), or null when none of it is
 * there. The date is the original capture's, else the file's creation, else its last change (the legacy `DateTime`).
 * A position of exactly 0, 0 is what cameras without a fix write, not a place.
 */
export const exifSubset = (parsed: Readonly<Record<string, unknown>> | null | undefined): ExifSubset | null => {
  if (parsed === null || parsed === undefined) return null
  const make = clean(parsed["Make"])
  const model = clean(parsed["Model"])
  const dateTaken = exifDate(parsed["DateTimeOriginal"], parsed["OffsetTimeOriginal"]) ??
    exifDate(parsed["CreateDate"], undefined) ?? exifDate(parsed["ModifyDate"], undefined)
  let latitude = coordinate(parsed["latitude"], 90)
  let longitude = coordinate(parsed["longitude"], 180)
  if (latitude === undefined || longitude === undefined || (latitude === 0 && longitude === 0)) {
    latitude = undefined
    longitude = undefined
  }
  const subset: ExifSubset = {
    ...(make === undefined ? {} : { make }),
    ...(model === undefined ? {} : { model }),
    ...(dateTaken === undefined ? {} : { dateTaken }),
    ...(latitude === undefined || longitude === undefined ? {} : { latitude, longitude })
  }
  return Object.keys(subset).length === 0 ? null : subset
}

import { Either, Option, Schema } from "effect"

// The Internet Archive's Wayback Machine: the availability API names the snapshot closest to a date, and the
// snapshot is served either inside the archive's page (links rewritten to the archive) or, with `id_` after the
// timestamp, as the page was captured — which is what extraction needs, links pointing at the original site.

export const DEFAULT_ARCHIVE_URL = "https://archive.org"

/** `…/wayback/available?url=…&timestamp=YYYYMMDDhhmmss`: the snapshot closest to when the page was fetched. */
export const availabilityUrl = (archiveBase: string, pageUrl: string, near: Date | null): string => {
  const u = new URL("wayback/available", archiveBase.endsWith("/") ? archiveBase : `${archiveBase}/`)
  u.searchParams.set("url", pageUrl)
  if (near !== null && !Number.isNaN(near.getTime())) {
    u.searchParams.set("timestamp", near.toISOString().replace(/[-:T]/g, "").slice(0, 14))
  }
  return u.toString()
}

const Availability = Schema.Struct({
  archived_snapshots: Schema.optional(Schema.Struct({
    closest: Schema.optional(Schema.Struct({
      available: Schema.Boolean,
      url: Schema.String,
      timestamp: Schema.String,
      status: Schema.optional(Schema.String)
    }))
  }))
})

export interface Snapshot {
  /** The capture as archived, without the archive's rewriting. */
  readonly rawUrl: string
  /** YYYYMMDDhhmmss. */
  readonly timestamp: string
}

export class ArchiveAnswerInvalid extends Schema.TaggedError<ArchiveAnswerInvalid>()("ArchiveAnswerInvalid", {
  reason: Schema.String
}) {
  override get message() {
    return `the archive's availability answer is not usable: ${this.reason}`
  }
}

const SNAPSHOT_PATH = /^(\/web\/\d{1,14})(?:[a-z]{2}_)?\//

/** The closest snapshot the archive has of a page with a 2xx capture, if any. */
export const parseAvailability = (body: string): Either.Either<Option.Option<Snapshot>, ArchiveAnswerInvalid> => {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    return Either.left(new ArchiveAnswerInvalid({ reason: "not JSON" }))
  }
  const decoded = Schema.decodeUnknownOption(Availability)(json)
  if (Option.isNone(decoded)) return Either.left(new ArchiveAnswerInvalid({ reason: "unexpected shape" }))
  const closest = decoded.value.archived_snapshots?.closest
  if (closest === undefined || !closest.available || (closest.status !== undefined && !/^2\d\d$/.test(closest.status))) {
    return Either.right(Option.none())
  }
  let url: URL
  try {
    url = new URL(closest.url)
  } catch {
    return Either.left(new ArchiveAnswerInvalid({ reason: `snapshot URL ${JSON.stringify(closest.url)}` }))
  }
  url.pathname = url.pathname.replace(SNAPSHOT_PATH, "$1id_/")
  return Either.right(Option.some({ rawUrl: url.toString(), timestamp: closest.timestamp }))
}

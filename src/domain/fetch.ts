import iconv from "iconv-lite"
import { Schema } from "effect"
import { classifyAddress } from "./ip.js"

// ---------------------------------------------------------------------------------------------------------------------
// Per-URL failures. Each one becomes the URL's terminal state (see `failureReason`), never a failed job.
// ---------------------------------------------------------------------------------------------------------------------

export class FetchTimeout extends Schema.TaggedError<FetchTimeout>()("FetchTimeout", {
  url: Schema.String,
  phase: Schema.Literal("connect", "headers", "body"),
  timeoutMs: Schema.Number
}) {
  override get message(): string {
    return this.phase === "connect"
      ? `could not connect to ${hostOf(this.url)} within ${this.timeoutMs} ms`
      : this.phase === "headers"
      ? `no response from ${this.url} within ${this.timeoutMs} ms`
      : `the body of ${this.url} did not arrive within ${this.timeoutMs} ms`
  }
}

export class BodyTooLarge extends Schema.TaggedError<BodyTooLarge>()("BodyTooLarge", {
  url: Schema.String,
  limitBytes: Schema.Number
}) {
  override get message(): string {
    return `the body of ${this.url} is larger than the ${this.limitBytes}-byte limit`
  }
}

export class RedirectLoop extends Schema.TaggedError<RedirectLoop>()("RedirectLoop", {
  url: Schema.String,
  chain: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `redirect loop: ${this.chain.join(" -> ")}`
  }
}

export class TooManyRedirects extends Schema.TaggedError<TooManyRedirects>()("TooManyRedirects", {
  url: Schema.String,
  chain: Schema.Array(Schema.String),
  max: Schema.Number
}) {
  override get message(): string {
    return `more than ${this.max} redirects: ${this.chain.join(" -> ")}`
  }
}

const hostOf = (url: string): string => {
  try {
    return new URL(url).host
  } catch {
    return url
  }
}

/** The host's name does not resolve (no such domain, or the resolver failed: `temporary`). */
export class HostNotFound extends Schema.TaggedError<HostNotFound>()("HostNotFound", {
  url: Schema.String,
  code: Schema.String,
  temporary: Schema.Boolean
}) {
  override get message(): string {
    return this.temporary
      ? `the name of ${hostOf(this.url)} could not be resolved for now (DNS ${this.code})`
      : `host not found: ${hostOf(this.url)} does not resolve (DNS ${this.code})`
  }
}

export class ConnectionRefused extends Schema.TaggedError<ConnectionRefused>()("ConnectionRefused", {
  url: Schema.String
}) {
  override get message(): string {
    return `connection refused by ${hostOf(this.url)}`
  }
}

/** The TLS handshake failed: an invalid, expired or self-signed certificate, or no common protocol. */
export class TlsFailure extends Schema.TaggedError<TlsFailure>()("TlsFailure", {
  url: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `TLS failure with ${hostOf(this.url)}: ${this.detail}`
  }
}

/**
 * RFC 9309 §2.3.1.4: the origin's robots.txt answered a server error (5xx, or 429): its rules are unknown, so its
 * pages are not fetched for now; robots.txt is asked again later.
 */
export class RobotsUnreachable extends Schema.TaggedError<RobotsUnreachable>()("RobotsUnreachable", {
  url: Schema.String,
  status: Schema.Number,
  retryAfterMs: Schema.Number
}) {
  override get message(): string {
    return `robots.txt unreachable: ${this.url} answered ${this.status}; the site's pages are not fetched until it ` +
      `answers (asked again after ${Math.round(this.retryAfterMs / 60_000)} min)`
  }
}

/** Connection reset, a body cut short or undecodable, any other transport failure. */
export class NetworkError extends Schema.TaggedError<NetworkError>()("NetworkError", {
  url: Schema.String,
  message: Schema.String
}) {}

export class PrivateAddress extends Schema.TaggedError<PrivateAddress>()("PrivateAddress", {
  url: Schema.String,
  host: Schema.String,
  address: Schema.String
}) {
  override get message(): string {
    return `${this.host} resolves to ${this.address} (${classifyAddress(this.address)}), a non-public address; ` +
      `refused unless private networks are allowed`
  }
}

export class BlockedByRobots extends Schema.TaggedError<BlockedByRobots>()("BlockedByRobots", {
  url: Schema.String
}) {
  override get message(): string {
    return `${this.url} is disallowed by robots.txt`
  }
}

export class InvalidRedirect extends Schema.TaggedError<InvalidRedirect>()("InvalidRedirect", {
  url: Schema.String,
  location: Schema.String
}) {
  override get message(): string {
    return `${this.url} redirects to an unusable location: ${JSON.stringify(this.location)}`
  }
}

export type FetchFailure =
  | FetchTimeout
  | BodyTooLarge
  | RedirectLoop
  | TooManyRedirects
  | NetworkError
  | HostNotFound
  | ConnectionRefused
  | TlsFailure
  | PrivateAddress
  | BlockedByRobots
  | RobotsUnreachable
  | InvalidRedirect

/** Failures of the connection itself (the transport), as opposed to answers and refusals. */
export type TransportFailure = NetworkError | HostNotFound | ConnectionRefused | TlsFailure | PrivateAddress | FetchTimeout

/** One line for the database: the failure kind, then what happened (and where: it may be a redirect hop). */
export const failureReason = (f: FetchFailure): string =>
  `${f._tag}: ${f._tag === "NetworkError" ? `${f.url}: ${f.message}` : f.message}`.replace(/\s+/g, " ").slice(0, 2000)

// ---------------------------------------------------------------------------------------------------------------------
// Results. A 4xx/5xx final response is a result: its status is the page's terminal state.
// ---------------------------------------------------------------------------------------------------------------------

export interface RedirectHop {
  readonly url: string
  readonly status: number
}

interface ResponseMeta {
  readonly requestedUrl: string
  readonly finalUrl: string
  readonly status: number
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string>>
  /** The Content-Type header as sent, or null when absent. */
  readonly contentType: string | null
  /** Every hop before `finalUrl`, in order, with the redirect status it answered. */
  readonly redirects: ReadonlyArray<RedirectHop>
  readonly elapsedMs: number
  /** Requests made for the final URL: 1, plus one per retry. */
  readonly attempts: number
}

/** A response whose body was read and decoded (an HTML page, or any text through `Fetcher.fetchText`). */
export interface TextBody extends ResponseMeta {
  /** The encoding the body was decoded with (lower-case iconv label). */
  readonly charset: string
  readonly body: string
  /** Body size after content decoding (gzip, br), which is what the byte cap applies to. */
  readonly bytes: number
}

export interface HtmlPage extends TextBody {
  readonly _tag: "Html"
}

export interface NotHtml extends ResponseMeta {
  readonly _tag: "NotHtml"
  /** Declared Content-Length, else the size counted when sniffing read the whole body, else null (not read). */
  readonly bytes: number | null
}

export type FetchResult = HtmlPage | NotHtml

// ---------------------------------------------------------------------------------------------------------------------
// Content rules (pure).
// ---------------------------------------------------------------------------------------------------------------------

export interface ContentType {
  /** Lower-case `type/subtype`. */
  readonly mime: string
  readonly charset: string | undefined
}

const MIME = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/
const CHARSET_PARAM = /;\s*charset\s*=\s*["']?([^"';\s]*)/i

/** Parses a Content-Type header; undefined when it is absent or has no usable `type/subtype` (then sniff). */
export const parseContentType = (header: string | undefined): ContentType | undefined => {
  if (header === undefined) return undefined
  const mime = header.split(";")[0]!.trim().toLowerCase()
  if (!MIME.test(mime)) return undefined
  const charset = CHARSET_PARAM.exec(header)?.[1]
  return { mime, charset: charset === undefined || charset === "" ? undefined : charset }
}

export const isHtmlMime = (mime: string): boolean => mime === "text/html" || mime === "application/xhtml+xml"

/** How many leading bytes `looksLikeHtml` needs to decide. */
export const SNIFF_BYTES = 1024

const HTML_SIGNATURES = ["<!doctype html", "<html", "<head", "<body"]

/** Content sniffing for responses without a usable Content-Type: does the body start like an HTML document? */
export const looksLikeHtml = (prefix: Uint8Array): boolean => {
  const head = Buffer.from(prefix.subarray(0, SNIFF_BYTES)).toString("latin1")
    .replace(/^\u00ef\u00bb\u00bf/, "")
    .trimStart()
    .toLowerCase()
  return HTML_SIGNATURES.some((signature) => head.startsWith(signature))
}

// Browsers (WHATWG Encoding) read these labels as windows-1252, a superset whose 0x80-0x9F are printable; pages
// labelled Latin-1 routinely contain curly quotes from that range.
const WINDOWS_1252_ALIASES = new Set([
  "iso-8859-1", "iso8859-1", "iso_8859-1", "iso-ir-100", "latin1", "l1", "cp819", "ibm819", "csisolatin1",
  "us-ascii", "ascii", "ansi_x3.4-1968", "iso-8859-1:1987", "windows-1252", "cp1252", "x-cp1252"
])

const resolveCharset = (label: string | undefined): string | undefined => {
  if (label === undefined) return undefined
  const normalized = label.trim().toLowerCase()
  if (WINDOWS_1252_ALIASES.has(normalized)) return "windows-1252"
  if (normalized === "utf8") return "utf-8"
  return iconv.encodingExists(normalized) ? normalized : undefined
}

const META_PRESCAN_BYTES = 2048
// Covers `<meta charset=x>` and `<meta http-equiv="content-type" content="text/html; charset=x">` alike.
const META_CHARSET = /<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([a-z0-9_:.+-]+)/i

const bomCharset = (bytes: Uint8Array): string | undefined => {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return "utf-8"
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return "utf-16le"
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return "utf-16be"
  return undefined
}

const metaCharset = (bytes: Uint8Array): string | undefined => {
  const head = Buffer.from(bytes.subarray(0, META_PRESCAN_BYTES)).toString("latin1")
  const charset = resolveCharset(META_CHARSET.exec(head)?.[1])
  // An ASCII-readable <meta> cannot truly be UTF-16, so browsers take such a declaration as UTF-8.
  return charset?.startsWith("utf-16") ? "utf-8" : charset
}

export interface DecodedText {
  readonly text: string
  readonly charset: string
}

/**
 * Decodes a body: BOM first, then the Content-Type charset, then a `<meta>` declaration in the first 2 KB, else
 * UTF-8. An unknown label is skipped (falls through to the next source).
 */
export const decodeBody = (bytes: Uint8Array, headerCharset: string | undefined): DecodedText => {
  const charset = bomCharset(bytes) ?? resolveCharset(headerCharset) ?? metaCharset(bytes) ?? "utf-8"
  return { text: iconv.decode(bytes, charset), charset }
}

/** Milliseconds to wait from a Retry-After header (delay seconds or an HTTP date), or undefined when unusable. */
export const parseRetryAfter = (header: string | undefined, nowMs: number): number | undefined => {
  if (header === undefined) return undefined
  const value = header.trim()
  if (/^\d+$/.test(value)) return Number(value) * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs)
}

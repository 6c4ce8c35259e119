import { Either } from "effect"

// Query parameters that only track the visitor: two URLs differing by them are the same page.
const TRACKING_PARAM = /^(utm_[a-z0-9_]*|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|yclid|igshid|_hsenc|_hsmi|mkt_tok)$/i

export type UrlRejection =
  | "empty"
  | "malformed"
  | "unsupported-scheme"
  | "no-host"
  | "credentials"

export interface InvalidUrlReason {
  readonly input: string
  readonly reason: UrlRejection
  readonly message: string
}

// RFC 3986 §6.2.2: escapes of unreserved characters mean the character itself; other escapes compare in upper case.
const normalizeEscapes = (s: string) =>
  s.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => {
    const c = String.fromCharCode(parseInt(hex, 16))
    return /[A-Za-z0-9\-._~]/.test(c) ? c : `%${hex.toUpperCase()}`
  })

const reject = (input: string, reason: UrlRejection, message: string) =>
  Either.left<InvalidUrlReason>({ input, reason, message })

/**
 * The canonical form of a page URL inside a land: two links that reach the same page by different spellings must map
 * to one expression, so this is the key the database enforces uniqueness on.
 */
export const normalizeUrl = (raw: string, base?: string): Either.Either<string, InvalidUrlReason> => {
  const input = raw.trim()
  if (input.length === 0) return reject(raw, "empty", "the URL is empty")
  let url: URL
  try {
    url = base === undefined ? new URL(input) : new URL(input, base)
  } catch {
    return reject(raw, "malformed", `"${input}" is not a valid absolute URL`)
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return reject(raw, "unsupported-scheme", `only http and https URLs can be crawled, not ${url.protocol.replace(/:$/, "")}`)
  }
  const hostname = url.hostname.replace(/\.+$/, "")
  if (hostname.length === 0) return reject(raw, "no-host", `"${input}" has no host`)
  if (url.username !== "" || url.password !== "") {
    return reject(raw, "credentials", `"${input}" carries credentials; they are never stored`)
  }
  url.hostname = hostname
  url.hash = ""
  url.pathname = normalizeEscapes(url.pathname)
  const kept = [...url.searchParams].filter(([key]) => !TRACKING_PARAM.test(key))
  if (kept.length !== [...url.searchParams].length) {
    url.search = kept.length === 0 ? "" : new URLSearchParams(kept).toString()
  }
  if (url.search !== "") url.search = normalizeEscapes(url.search)
  let href = url.href
  if (href.endsWith("?")) href = href.slice(0, -1)
  return Either.right(href)
}

/** The politeness and domain key of a URL: host name plus any non-default port ("example.org", "127.0.0.1:8080"). */
export const urlHost = (url: string): string => new URL(url).host

/** True when both URLs are served by the same host (same politeness key). */
export const sameHost = (a: string, b: string): boolean => urlHost(a) === urlHost(b)

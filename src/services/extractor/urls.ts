import { Either } from "effect"
import { normalizeUrl, urlHost } from "../../domain/url.js"
import { withAttributes } from "./elements.js"

/** The page's own URL and the base its relative references resolve against. */
export interface PageUrls {
  /** The normalised page URL, or null when the caller's URL is not a crawlable one. */
  readonly page: string | null
  /** `<base href>` resolved against the page, else the page. */
  readonly base: string | null
  readonly host: string | null
}

/** `elements`: all those of the document. */
export const pageUrls = (elements: ReadonlyArray<Element>, url: string): PageUrls => {
  const page = Either.getOrNull(normalizeUrl(url))
  const baseHref = withAttributes(elements, "base", "href")[0]?.getAttribute("href")
  const declaredBase = baseHref == null ? null : Either.getOrNull(normalizeUrl(baseHref, page ?? undefined))
  return { page, base: declaredBase ?? page, host: page === null ? null : urlHost(page) }
}

/** A reference from the page as a normalised http(s) URL, or null (other scheme, malformed, unresolvable). */
export const resolveUrl = (reference: string, urls: PageUrls): string | null =>
  Either.getOrNull(normalizeUrl(reference, urls.base ?? undefined))

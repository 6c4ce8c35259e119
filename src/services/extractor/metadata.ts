import { withAttributes } from "./elements.js"
import { firstTag, metaTags } from "./meta-tags.js"
import { publishedAt } from "./published.js"
import { collapseWhitespace } from "./text.js"
import { type PageUrls, resolveUrl } from "./urls.js"

export interface Metadata {
  readonly title: string | null
  readonly description: string | null
  readonly keywords: string | null
  readonly htmlLang: string | null
  readonly canonicalUrl: string | null
  readonly publishedAt: string | null
}

const nonEmpty = (text: string | null | undefined): string | null => {
  const collapsed = collapseWhitespace(text ?? "")
  return collapsed === "" ? null : collapsed
}

// An <svg> may carry its own <title>, which is not the document's.
const documentTitle = (document: Document): string | null => {
  for (const title of Array.from(document.getElementsByTagName("title"))) {
    if (title.closest("svg") === null) {
      const text = nonEmpty(title.textContent)
      if (text !== null) return text
    }
  }
  return null
}

const keywordList = (raw: string | null): string | null => {
  if (raw === null) return null
  const seen = new Set<string>()
  const keywords: Array<string> = []
  for (const part of raw.split(/[,;]/)) {
    const keyword = collapseWhitespace(part)
    if (keyword !== "" && !seen.has(keyword.toLowerCase())) {
      seen.add(keyword.toLowerCase())
      keywords.push(keyword)
    }
  }
  return keywords.length === 0 ? null : keywords.join(", ")
}

const primaryLanguage = (tag: string | null): string | null => {
  const primary = tag?.trim().split(/[-_]/)[0]?.toLowerCase() ?? ""
  return /^[a-z]{2,3}$/.test(primary) ? primary : null
}

const canonicalLink = (elements: ReadonlyArray<Element>): string | null => {
  for (const link of withAttributes(elements, "link", "rel", "href")) {
    const rel = link.getAttribute("rel")?.toLowerCase().split(/\s+/) ?? []
    if (rel.includes("canonical")) return link.getAttribute("href")
  }
  return null
}

const resolved = (reference: string | null, urls: PageUrls): string | null =>
  reference === null ? null : resolveUrl(reference, urls)

/**
 * Reads the pristine document: Readability later strips the <script type="application/ld+json"> this needs.
 * Title order: og:title, twitter:title, <title>, first <h1> (social titles are usually the headline without the
 * " | Site name" suffix). Description order: meta description, og:description, twitter:description.
 */
export const extractMetadata = (document: Document, elements: ReadonlyArray<Element>, urls: PageUrls): Metadata => {
  const tags = metaTags(elements)
  return {
    title:
      firstTag(tags, ["og:title", "twitter:title"]) ??
      documentTitle(document) ??
      nonEmpty(document.querySelector("h1")?.textContent),
    description: firstTag(tags, ["description", "og:description", "twitter:description"]),
    keywords: keywordList(tags.get("keywords") ?? null),
    htmlLang: primaryLanguage(document.documentElement.getAttribute("lang")),
    canonicalUrl: resolved(canonicalLink(elements), urls) ?? resolved(tags.get("og:url") ?? null, urls),
    publishedAt: publishedAt(elements, tags)
  }
}

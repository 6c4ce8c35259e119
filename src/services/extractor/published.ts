import { toIsoDate } from "./dates.js"
import { attributeValue, tagName, withAttributes } from "./elements.js"
import type { MetaTags } from "./meta-tags.js"

// Sources in decreasing order of trust: explicit publication properties, then structured data, then generic date
// meta names (sometimes a modification date), then a <time> in the article body.
const PUBLISHED_PROPERTIES = ["article:published_time", "og:published_time", "datepublished"]
const DATE_NAMES = ["date", "pubdate", "publishdate", "dc.date", "dcterms.created", "citation_publication_date"]

const firstDate = (candidates: ReadonlyArray<string | null | undefined>): string | null => {
  for (const candidate of candidates) {
    const date = typeof candidate === "string" ? toIsoDate(candidate) : null
    if (date !== null) return date
  }
  return null
}

// Some sites wrap their JSON-LD in an HTML comment or CDATA section, as for inline scripts.
const JSON_WRAPPER = /^\s*(?:<!--|\/\/\s*<!\[CDATA\[|<!\[CDATA\[)|(?:-->|\/\/\s*\]\]>|\]\]>)\s*$/g

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text.replace(JSON_WRAPPER, ""))
  } catch {
    return undefined
  }
}

/**
 * The first `datePublished` met breadth-first, so the page's own entity (top level or in `@graph`) wins over a nested
 * one such as a quoted article or a comment. Iterative: JSON.parse accepts nestings deeper than the call stack.
 */
const jsonLdDate = (elements: ReadonlyArray<Element>): string | null => {
  const queue: Array<unknown> = []
  for (const script of withAttributes(elements, "script", "type")) {
    if (script.getAttribute("type")?.trim().toLowerCase() === "application/ld+json") {
      queue.push(parseJson(script.textContent ?? ""))
    }
  }
  for (let index = 0; index < queue.length; index++) {
    const value = queue[index]
    if (Array.isArray(value)) {
      for (const item of value) queue.push(item)
    } else if (typeof value === "object" && value !== null) {
      const record = value as Record<string, unknown>
      const published = record["datePublished"]
      const date = firstDate(Array.isArray(published) ? published : [published])
      if (date !== null) return date
      for (const item of Object.values(record)) queue.push(item)
    }
  }
  return null
}

const elementDate = (element: Element | undefined): string | null =>
  element === undefined ? null : firstDate([element.getAttribute("datetime"), element.getAttribute("content")])

/** As `[itemprop=datePublished][datetime]` selects it. */
const isDatePublished = (element: Element): boolean =>
  attributeValue(element, "itemprop") === "datePublished" && element.hasAttribute("datetime")

/** As `article time[datetime]` selects it. */
const isArticleTime = (element: Element): boolean => {
  if (tagName(element) !== "time" || !element.hasAttribute("datetime")) return false
  for (let ancestor = element.parentElement; ancestor !== null; ancestor = ancestor.parentElement) {
    if (tagName(ancestor) === "article") return true
  }
  return false
}

/** `elements`: all those of the document. */
export const publishedAt = (elements: ReadonlyArray<Element>, tags: MetaTags): string | null =>
  firstDate(PUBLISHED_PROPERTIES.map((key) => tags.get(key))) ??
  jsonLdDate(elements) ??
  elementDate(elements.find(isDatePublished)) ??
  firstDate(DATE_NAMES.map((key) => tags.get(key))) ??
  elementDate(elements.find(isArticleTime))

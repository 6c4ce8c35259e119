import { withAttributes } from "./elements.js"
import { collapseWhitespace } from "./text.js"

/** `<meta content>` values keyed by lower-cased `property`, `name` and `itemprop`; the first of a key wins. */
export type MetaTags = ReadonlyMap<string, string>

const KEY_ATTRIBUTES = ["property", "name", "itemprop"] as const

/** `elements`: all those of the document. */
export const metaTags = (elements: ReadonlyArray<Element>): MetaTags => {
  const tags = new Map<string, string>()
  for (const meta of withAttributes(elements, "meta", "content")) {
    const content = collapseWhitespace(meta.getAttribute("content") ?? "")
    if (content === "") continue
    for (const attribute of KEY_ATTRIBUTES) {
      const key = meta.getAttribute(attribute)?.trim().toLowerCase()
      if (key !== undefined && key !== "" && !tags.has(key)) tags.set(key, content)
    }
  }
  return tags
}

/** The value of the first key present. */
export const firstTag = (tags: MetaTags, keys: ReadonlyArray<string>): string | null => {
  for (const key of keys) {
    const value = tags.get(key)
    if (value !== undefined) return value
  }
  return null
}

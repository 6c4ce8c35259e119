import type { ExtractedMedia } from "../../domain/extraction.js"
import { srcsetUrls } from "./srcset.js"
import { collapseWhitespace } from "./text.js"
import { type PageUrls, resolveUrl } from "./urls.js"

// Lazy-loading scripts keep the real URL in a data attribute and put a placeholder (often a data: URI) in src.
const IMAGE_URL_ATTRIBUTES = ["src", "data-src", "data-lazy-src", "data-original"] as const
const IMAGE_SRCSET_ATTRIBUTES = ["srcset", "data-srcset"] as const

const attributeUrls = (
  element: Element,
  urlAttributes: ReadonlyArray<string>,
  srcsetAttributes: ReadonlyArray<string>
): Array<string> => {
  const references: Array<string> = []
  for (const attribute of urlAttributes) {
    const value = element.getAttribute(attribute)?.trim()
    if (value !== undefined && value !== "") references.push(value)
  }
  for (const attribute of srcsetAttributes) {
    const value = element.getAttribute(attribute)
    if (value !== null) for (const url of srcsetUrls(value)) references.push(url)
  }
  return references
}

/** Every URL an <img> may display, in preference order (src first), resolved and normalised. */
export const imageUrls = (image: Element, urls: PageUrls): Array<string> => {
  const resolved: Array<string> = []
  for (const reference of attributeUrls(image, IMAGE_URL_ATTRIBUTES, IMAGE_SRCSET_ATTRIBUTES)) {
    const url = resolveUrl(reference, urls)
    if (url !== null && !resolved.includes(url)) resolved.push(url)
  }
  return resolved
}

const altText = (image: Element | null): string | null => {
  const alt = collapseWhitespace(image?.getAttribute("alt") ?? "")
  return alt === "" ? null : alt
}

type Found = { readonly references: Array<string>; readonly type: ExtractedMedia["type"]; readonly alt: string | null }

const mediaOf = (element: Element): Found | null => {
  switch (element.nodeName.toUpperCase()) {
    case "IMG":
      return {
        references: attributeUrls(element, IMAGE_URL_ATTRIBUTES, IMAGE_SRCSET_ATTRIBUTES),
        type: "image",
        alt: altText(element)
      }
    case "VIDEO":
      return { references: attributeUrls(element, ["src"], []), type: "video", alt: null }
    case "AUDIO":
      return { references: attributeUrls(element, ["src"], []), type: "audio", alt: null }
    case "SOURCE": {
      const parent = element.parentElement
      switch (parent?.nodeName.toUpperCase()) {
        case "PICTURE":
          return {
            references: attributeUrls(element, [], IMAGE_SRCSET_ATTRIBUTES),
            type: "image",
            alt: altText(parent.querySelector("img"))
          }
        case "VIDEO":
          return { references: attributeUrls(element, ["src"], []), type: "video", alt: null }
        case "AUDIO":
          return { references: attributeUrls(element, ["src"], []), type: "audio", alt: null }
        default:
          return null
      }
    }
    default:
      return null
  }
}

/** Images (all lazy and srcset variants), pictures, video and audio under `root`, deduplicated by URL. */
export const extractMedia = (root: ParentNode, urls: PageUrls): Array<ExtractedMedia> => {
  const seen = new Set<string>()
  const media: Array<ExtractedMedia> = []
  for (const element of Array.from(root.querySelectorAll("img, video, audio, source"))) {
    const found = mediaOf(element)
    if (found === null) continue
    for (const reference of found.references) {
      const url = resolveUrl(reference, urls)
      if (url === null || seen.has(url)) continue
      seen.add(url)
      media.push({ url, type: found.type, alt: found.alt })
    }
  }
  return media
}

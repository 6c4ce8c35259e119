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

const resolvedUrls = (references: ReadonlyArray<string>, urls: PageUrls): Array<string> => {
  const resolved: Array<string> = []
  for (const reference of references) {
    const url = resolveUrl(reference, urls)
    if (url !== null && !resolved.includes(url)) resolved.push(url)
  }
  return resolved
}

/** Every URL an <img> may display, in preference order (src first), resolved and normalised. */
export const imageUrls = (image: Element, urls: PageUrls): Array<string> =>
  resolvedUrls(attributeUrls(image, IMAGE_URL_ATTRIBUTES, IMAGE_SRCSET_ATTRIBUTES), urls)

const altText = (image: Element | null): string | null => {
  const alt = collapseWhitespace(image?.getAttribute("alt") ?? "")
  return alt === "" ? null : alt
}

const PLAYERS: Partial<Record<string, "video" | "audio">> = { VIDEO: "video", AUDIO: "audio" }

type Found = { readonly references: Array<string>; readonly type: ExtractedMedia["type"]; readonly alt: string | null }

const mediaOf = (element: Element): Found | null => {
  const tag = element.nodeName.toUpperCase()
  if (tag === "IMG") {
    const references = attributeUrls(element, IMAGE_URL_ATTRIBUTES, IMAGE_SRCSET_ATTRIBUTES)
    return { references, type: "image", alt: altText(element) }
  }
  // A <source> is its <picture>'s image in another format or size, or a file of its <video> or <audio>.
  const parent = tag === "SOURCE" ? element.parentElement : null
  if (parent?.nodeName.toUpperCase() === "PICTURE") {
    const references = attributeUrls(element, [], IMAGE_SRCSET_ATTRIBUTES)
    return { references, type: "image", alt: altText(parent.querySelector("img")) }
  }
  const player = PLAYERS[(parent ?? element).nodeName.toUpperCase()]
  return player === undefined ? null : { references: attributeUrls(element, ["src"], []), type: player, alt: null }
}

/** Images (all lazy and srcset variants), pictures, video and audio under `root`, deduplicated by URL. */
export const extractMedia = (root: ParentNode, urls: PageUrls): Array<ExtractedMedia> => {
  const seen = new Set<string>()
  const media: Array<ExtractedMedia> = []
  for (const element of Array.from(root.querySelectorAll("img, video, audio, source"))) {
    const found = mediaOf(element)
    if (found === null) continue
    for (const url of resolvedUrls(found.references, urls)) {
      if (seen.has(url)) continue
      seen.add(url)
      media.push({ url, type: found.type, alt: found.alt })
    }
  }
  return media
}

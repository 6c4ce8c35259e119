import type { ExtractedLink } from "../../domain/extraction.js"
import { urlHost } from "../../domain/url.js"
import { blockText, collapseWhitespace } from "./text.js"
import { type PageUrls, resolveUrl } from "./urls.js"

const MAX_ANCHOR_TEXT = 200

// By blocks, so that a card link (<a><h3>Title</h3><p>Summary</p></a>) does not read "TitleSummary". An image link
// has no text of its own: its image's alt (or the link's title) is what a reader sees it as.
const anchorText = (anchor: Element): string => {
  const text =
    collapseWhitespace(blockText(anchor)) ||
    collapseWhitespace(anchor.querySelector("img[alt]")?.getAttribute("alt") ?? "") ||
    collapseWhitespace(anchor.getAttribute("title") ?? "")
  // By code points, so that the cut never splits a surrogate pair.
  return text.length <= MAX_ANCHOR_TEXT ? text : Array.from(text).slice(0, MAX_ANCHOR_TEXT).join("").trimEnd()
}

const relTokens = (anchor: Element): string | null => {
  const rel = collapseWhitespace(anchor.getAttribute("rel") ?? "").toLowerCase()
  return rel === "" ? null : rel
}

/**
 * The http(s) links under `root`, deduplicated by normalised target (the first anchor wins), without links to the
 * page itself (fragments of it included).
 */
export const extractLinks = (root: ParentNode, urls: PageUrls): Array<ExtractedLink> => {
  const seen = new Set<string>()
  const links: Array<ExtractedLink> = []
  for (const anchor of Array.from(root.querySelectorAll("a[href]"))) {
    const url = resolveUrl(anchor.getAttribute("href") ?? "", urls)
    if (url === null || url === urls.page || seen.has(url)) continue
    seen.add(url)
    links.push({ url, anchorText: anchorText(anchor), rel: relTokens(anchor), internal: urlHost(url) === urls.host })
  }
  return links
}

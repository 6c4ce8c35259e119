import TurndownService from "turndown"
import { imageUrls } from "./media.js"
import { collapseWhitespace } from "./text.js"
import { type PageUrls, resolveUrl } from "./urls.js"

// Elements whose text is not prose (code, CSS, fallback messages for old browsers, form labels, the <title> of a page
// without <head>): turndown would otherwise print it. An <object>'s content is kept: with plugins gone, it is what
// browsers show.
const NON_CONTENT = new Set([
  "SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "IFRAME", "EMBED", "SVG", "CANVAS", "VIDEO", "AUDIO", "FORM",
  "BUTTON", "SELECT", "TEXTAREA", "INPUT", "TITLE"
])

const turndown = new TurndownService({
  headingStyle: "atx",
  hr: "---",
  bulletListMarker: "-",
  codeBlockStyle: "fenced",
  emDelimiter: "_",
  strongDelimiter: "**",
  linkStyle: "inlined"
})
turndown.remove((node) => NON_CONTENT.has(node.nodeName.toUpperCase()))

// Markdown is read away from the page, so every link and image must be absolute; a link that cannot be followed
// (mailto:, javascript:, malformed) or leads back to the page (#fragment) is kept as its text, and a lazy image
// shows its real URL, not the placeholder.
const absolutize = (root: Element, urls: PageUrls): void => {
  for (const anchor of Array.from(root.querySelectorAll("a[href]"))) {
    const url = resolveUrl(anchor.getAttribute("href") ?? "", urls)
    if (url === null || url === urls.page) anchor.removeAttribute("href")
    else anchor.setAttribute("href", url)
  }
  for (const image of Array.from(root.querySelectorAll("img"))) {
    const [url] = imageUrls(image, urls)
    if (url === undefined) image.removeAttribute("src")
    else image.setAttribute("src", url)
    // Turndown copies alt verbatim, and a line break inside ![...] ends the image.
    const alt = image.getAttribute("alt")
    if (alt !== null) image.setAttribute("alt", collapseWhitespace(alt))
  }
}

// Turndown collapses the whitespace of a copy of the element it is given, and copying a page's content costs as much as
// converting it; the callers have no use for `root` afterwards, so it is handed over as its own copy.
const handedOver = (root: Element): HTMLElement => {
  root.cloneNode = () => root
  return root as HTMLElement
}

/**
 * The content as Markdown (ATX headings, "-" lists, inline links). Rewrites `root` in place: its URLs, and turndown
 * its whitespace.
 */
export const toMarkdown = (root: Element, urls: PageUrls): string => {
  absolutize(root, urls)
  return turndown.turndown(handedOver(root)).trim()
}

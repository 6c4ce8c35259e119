// Plain text of a DOM subtree as a reader sees it: block elements start new lines (so "</p><p>" does not glue two
// words together the way `textContent` does), whitespace collapsed, empty lines dropped.

const BLOCK_TAGS = new Set([
  "ADDRESS", "ARTICLE", "ASIDE", "BLOCKQUOTE", "BR", "CAPTION", "DD", "DETAILS", "DIV", "DL", "DT", "FIELDSET",
  "FIGCAPTION", "FIGURE", "FOOTER", "FORM", "H1", "H2", "H3", "H4", "H5", "H6", "HEADER", "HR", "LI", "MAIN", "NAV",
  "OL", "P", "PRE", "SECTION", "SUMMARY", "TABLE", "TD", "TH", "TR", "UL"
])
// Not rendered as text: <video>/<audio> content is a fallback for browsers without media support, and a <title> is
// in the body only when the page has no <head>. An <object>'s content is shown, as browsers no longer run the plugins
// it is the fallback for.
const INVISIBLE_TAGS = new Set([
  "SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "SVG", "CANVAS", "IFRAME", "VIDEO", "AUDIO", "TITLE"
])

const ELEMENT_NODE = 1
const TEXT_NODE = 3

/** Whitespace runs (including non-breaking spaces) collapsed to one space, trimmed. */
export const collapseWhitespace = (text: string): string => text.replace(/\s+/g, " ").trim()

/** Iterative so that deeply nested markup cannot overflow the stack. */
export const blockText = (root: Node): string => {
  let raw = ""
  let node: Node | null = root.firstChild
  while (node !== null) {
    let descend = false
    if (node.nodeType === TEXT_NODE) {
      raw += node.nodeValue ?? ""
    } else if (node.nodeType === ELEMENT_NODE && !INVISIBLE_TAGS.has(node.nodeName.toUpperCase())) {
      if (BLOCK_TAGS.has(node.nodeName.toUpperCase())) raw += "\n"
      descend = node.firstChild !== null
    }
    if (descend) {
      node = node.firstChild
      continue
    }
    while (node !== null && node !== root && node.nextSibling === null) {
      node = node.parentNode
      if (node !== null && node !== root && BLOCK_TAGS.has(node.nodeName.toUpperCase())) raw += "\n"
    }
    node = node === null || node === root ? null : node.nextSibling
  }
  return raw
    .split("\n")
    .map(collapseWhitespace)
    .filter((line) => line.length > 0)
    .join("\n")
}

/** Whitespace-separated tokens. */
export const countWords = (text: string): number => text.match(/\S+/g)?.length ?? 0

/** At 200 words a minute, rounded up; 0 only for an empty text. */
export const readingTimeMinutes = (wordCount: number): number =>
  wordCount > 0 ? Math.max(1, Math.ceil(wordCount / 200)) : 0

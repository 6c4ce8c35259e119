import { ELEMENT_NODE, TEXT_NODE } from "./elements.js"

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


/** Whitespace runs (including non-breaking spaces) collapsed to one space, trimmed. */
export const collapseWhitespace = (text: string): string => text.replace(/\s+/g, " ").trim()

/**
 * The length of `collapseWhitespace` of a text given in pieces, without joining them: the tallies of consecutive
 * pieces add up (`addTally`), so the lengths of nested elements come out of one walk over their text.
 */
export interface TextTally {
  chars: number
  /** Whitespace before the first character counted; while none is counted, whitespace seen at all. */
  leadingSpace: boolean
  /** Whitespace after the last character counted. */
  trailingSpace: boolean
}

const emptyTally = (): TextTally => ({ chars: 0, leadingSpace: false, trailingSpace: false })

// Most text is words between single spaces, which a regular expression tells faster than a loop over the characters.
const IRREGULAR_SPACE = /[^\S ]| {2}/

// Per UTF-16 code unit, as `\s` (and `trim`) test them without the u flag: 1 whitespace, 2 not, 0 not yet asked.
const SPACE_CODE_UNITS = new Uint8Array(0x10000)

const isSpace = (code: number): boolean => {
  if (SPACE_CODE_UNITS[code] === 0) SPACE_CODE_UNITS[code] = /\s/.test(String.fromCharCode(code)) ? 1 : 2
  return SPACE_CODE_UNITS[code] === 1
}

const irregularTally = (text: string): TextTally => {
  const tally = emptyTally()
  for (let index = 0; index < text.length; index++) {
    if (isSpace(text.charCodeAt(index))) {
      if (tally.chars === 0) tally.leadingSpace = true
      tally.trailingSpace = true
    } else {
      // A whitespace run between two characters collapses to one space.
      if (tally.chars > 0 && tally.trailingSpace) tally.chars++
      tally.chars++
      tally.trailingSpace = false
    }
  }
  return tally
}

export const textTally = (text: string): TextTally => {
  if (IRREGULAR_SPACE.test(text)) return irregularTally(text)
  const leadingSpace = text.startsWith(" ")
  const trailingSpace = text.endsWith(" ")
  // Math.max: " " alone is both.
  return { chars: Math.max(0, text.length - Number(leadingSpace) - Number(trailingSpace)), leadingSpace, trailingSpace }
}

export const addTally = (tally: TextTally, next: TextTally): void => {
  if (next.chars === 0) {
    if (next.leadingSpace) {
      if (tally.chars === 0) tally.leadingSpace = true
      tally.trailingSpace = true
    }
    return
  }
  if (tally.chars === 0) tally.leadingSpace ||= next.leadingSpace
  else if (tally.trailingSpace || next.leadingSpace) tally.chars++
  tally.chars += next.chars
  tally.trailingSpace = next.trailingSpace
}

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

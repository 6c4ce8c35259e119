import { parseHTML } from "linkedom"
import { boundedNesting } from "./nesting.js"

// linkedom does not run the HTML5 tree builder: it neither creates a missing <html>/<head>/<body> nor moves stray
// content into <body>, and `document.head`/`body` crash when there is no root element. So the structural tags of the
// source are dropped and its content re-wrapped in a skeleton that always has all three. Only `lang` is carried over
// from the source's <html> tag, re-quoted, so a broken attribute there cannot swallow the skeleton.
// A tag body stops at the next "<" ([^<>]), so that a page full of unclosed "<body" cannot make these scans quadratic.
const STRUCTURAL_TAG = /<!doctype[^<>]*>|<\/?(?:html|head|body)(?=[\s/>])[^<>]*>/gi
const HTML_TAG = /<html(?=[\s/>])[^<>]*/i
const LANG_ATTRIBUTE = /[\s:]lang\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/i
// The body starts at the first such tag outside scripts, styles and comments: a script writing "<body>" into a frame, or
// a comment telling where to paste a snippet ("before the </head> tag"), would otherwise end the head inside a script,
// and the whole page would be parsed as the script's text or into the head. Each skip jumps to its own end, so that
// the scan stays linear.
const BODY_START = /<(script|style)(?=[\s>])|<!--|<body(?=[\s/>])[^<>]*>|<\/head\s*>/gi
const RAW_END: Record<string, RegExp> = { script: /<\/script/gi, style: /<\/style/gi, "": /-->/g }

// NUL cannot be stored in a PostgreSQL text column, and the other C0 controls are never text.
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000E-\u001F\u007F]/g
// Markup has none; binary content (an image or PDF served as text/html, UTF-16 read as UTF-8) has one byte in ten.
const BINARY_SAMPLE_CHARS = 4096
const BINARY_CONTROL_SHARE = 0.05
// Every "<" and "&" may become a node, and linkedom's cost per node grows with their number (it registers each in a
// WeakMap): 100,000 "<" parse in a third of a second, a million in minutes. A real page, even a very long one, has
// far fewer; past the limit the rest of the page is dropped.
const MAX_MARKUP_TOKENS = 100_000
const MARKUP_TOKEN = /[<&]/g

const looksBinary = (text: string): boolean => {
  const sample = text.slice(0, BINARY_SAMPLE_CHARS)
  const controls = sample.match(CONTROL_CHARACTERS)?.length ?? 0
  return controls > sample.length * BINARY_CONTROL_SHARE
}

const truncated = (html: string): string => {
  // A token is one character: a shorter page is under the limit without counting.
  if (html.length <= MAX_MARKUP_TOKENS) return html
  MARKUP_TOKEN.lastIndex = 0
  for (let count = 1; MARKUP_TOKEN.test(html); count++) {
    if (count > MAX_MARKUP_TOKENS) return html.slice(0, MARKUP_TOKEN.lastIndex - 1)
  }
  return html
}

const escapeAttribute = (value: string): string =>
  value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;")

const htmlLangAttribute = (html: string): string => {
  const tag = HTML_TAG.exec(html)?.[0]
  const lang = tag === undefined ? null : LANG_ATTRIBUTE.exec(tag)
  return lang === null ? "" : ` lang="${escapeAttribute(lang[1] ?? lang[2] ?? lang[3] ?? "")}"`
}

const bodyStartIndex = (html: string): number => {
  BODY_START.lastIndex = 0
  for (let match = BODY_START.exec(html); match !== null; match = BODY_START.exec(html)) {
    const skipped = match[0] === "<!--" ? "" : match[1]?.toLowerCase()
    if (skipped === undefined) return match.index
    const end = RAW_END[skipped]!
    end.lastIndex = BODY_START.lastIndex
    // Unclosed: the rest of the page is that script or comment.
    if (end.exec(html) === null) return html.length
    BODY_START.lastIndex = end.lastIndex
  }
  return 0
}

/**
 * A linkedom document for any input, with `documentElement`, `head` and `body` always present; binary input gives
 * an empty one.
 */
export const parseDocument = (source: string): Document => {
  const html = looksBinary(source) ? "" : boundedNesting(truncated(source.replace(CONTROL_CHARACTERS, "")))
  const bodyStart = bodyStartIndex(html)
  const head = html.slice(0, bodyStart).replace(STRUCTURAL_TAG, "")
  const body = html.slice(bodyStart).replace(STRUCTURAL_TAG, "")
  const { document } = parseHTML(
    `<!DOCTYPE html><html${htmlLangAttribute(html)}><head>${head}</head><body>${body}</body></html>`
  )
  // linkedom makes a text node of every entity and every stray "<": "Tom &amp; Jerry" is three. Merged, they stop
  // multiplying the work of everything that walks the tree (a page of 100,000 "<" took Readability minutes).
  document.documentElement.normalize()
  return document
}

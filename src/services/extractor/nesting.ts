// linkedom's parser (htmlparser2) keeps its open elements in an array it shifts and unshifts, and does not repair
// misnested markup the way browsers do: 20,000 unclosed <b> take it seconds, and Readability and turndown (recursive)
// slow down quadratically with depth, then overflow the stack. Old hand-written pages do leave thousands of <font> or
// <a> unclosed, so markup nested deeper than a real page ever is gets flattened before it is parsed.

const MAX_NESTING = 256

const VOID_ELEMENTS = new Set([
  "area", "base", "basefont", "br", "col", "command", "embed", "frame", "hr", "img", "input", "isindex", "keygen",
  "link", "meta", "param", "source", "track", "wbr"
])
const RAW_TEXT_END: Record<string, RegExp> = {
  script: /<\/script/gi,
  style: /<\/style/gi,
  textarea: /<\/textarea/gi,
  title: /<\/title/gi,
  xmp: /<\/xmp/gi
}
// htmlparser2's rule: opening the key closes the open element on top of the stack while it is one of these.
const CLOSES_P = new Set(["p"])
const CLOSES_CELL = new Set(["tr", "th", "td"])
const IMPLIED_CLOSE: Record<string, ReadonlySet<string>> = {
  p: CLOSES_P, h1: CLOSES_P, h2: CLOSES_P, h3: CLOSES_P, h4: CLOSES_P, h5: CLOSES_P, h6: CLOSES_P, address: CLOSES_P,
  article: CLOSES_P, aside: CLOSES_P, blockquote: CLOSES_P, details: CLOSES_P, div: CLOSES_P, dl: CLOSES_P,
  fieldset: CLOSES_P, figcaption: CLOSES_P, figure: CLOSES_P, footer: CLOSES_P, form: CLOSES_P, header: CLOSES_P,
  main: CLOSES_P, nav: CLOSES_P, ol: CLOSES_P, pre: CLOSES_P, section: CLOSES_P, table: CLOSES_P, ul: CLOSES_P,
  li: new Set(["li"]), dd: new Set(["dd", "dt"]), dt: new Set(["dd", "dt"]), option: new Set(["option"]),
  tr: CLOSES_CELL, td: CLOSES_CELL, th: CLOSES_CELL, tbody: new Set(["thead", "tbody"]),
  tfoot: new Set(["thead", "tbody"])
}

// A tag body stops at the next "<" ([^<>]), so that a run of "<" without ">" cannot make the scans quadratic.
const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9:-]*)[^<>]*>|<!--/g

/** Replays htmlparser2's open-element stack over the tags, stopping as soon as it grows past `MAX_NESTING`. */
const tooDeep = (html: string): boolean => {
  const stack: Array<string> = []
  TAG.lastIndex = 0
  for (let match = TAG.exec(html); match !== null; match = TAG.exec(html)) {
    const [token, closing, rawName] = match
    if (token === "<!--") {
      const end = html.indexOf("-->", TAG.lastIndex)
      if (end < 0) return false
      TAG.lastIndex = end + 3
      continue
    }
    const name = rawName.toLowerCase()
    if (closing === "/") {
      const position = stack.lastIndexOf(name)
      if (position >= 0) stack.length = position
      continue
    }
    const rawTextEnd = RAW_TEXT_END[name]
    if (rawTextEnd !== undefined) {
      rawTextEnd.lastIndex = TAG.lastIndex
      if (rawTextEnd.exec(html) === null) return false
      TAG.lastIndex = rawTextEnd.lastIndex
      continue
    }
    const closes = IMPLIED_CLOSE[name]
    while (closes !== undefined && stack.length > 0 && closes.has(stack[stack.length - 1])) stack.pop()
    if (token.endsWith("/>") || VOID_ELEMENTS.has(name)) continue
    stack.push(name)
    if (stack.length > MAX_NESTING) return true
  }
  return false
}

// First resort: what browsers repair silently. Inline formatting tags are dropped (the text stays) and a new <a>
// closes the previous one, as nested anchors are not allowed.
const INLINE_FORMATTING_TAG =
  /<\/?(?:b|big|blink|center|cite|code|em|font|i|mark|nobr|s|small|span|strike|strong|sub|sup|tt|u)(?=[\s/>])[^<>]*>/gi
const ANCHOR_OPEN = /<a(?=[\s>])/gi
// Last resort: only tags that cannot nest are kept; every other tag becomes a paragraph break, so that the text and
// images survive, in order, without the structure (links included).
const NESTING_TAG = /<\/?([a-zA-Z][a-zA-Z0-9:-]*)[^<>]*>/g
const KEPT_FLAT = new Set([...VOID_ELEMENTS, "p", "script", "style", "title", "textarea"])

// An unclosed <p> directly followed by another is an empty paragraph; both tiers leave thousands of them.
const EMPTY_PARAGRAPHS = /(?:<p>\s*){2,}/g

/** The markup unchanged when its nesting is plausible, else repaired or flattened until it is. */
export const boundedNesting = (html: string): string => {
  if (!tooDeep(html)) return html
  const repaired = html
    .replace(INLINE_FORMATTING_TAG, "")
    .replace(ANCHOR_OPEN, "</a><a")
    .replace(EMPTY_PARAGRAPHS, "<p>")
  if (!tooDeep(repaired)) return repaired
  return html
    .replace(NESTING_TAG, (tag, name: string) => (KEPT_FLAT.has(name.toLowerCase()) ? tag : "<p>"))
    .replace(EMPTY_PARAGRAPHS, "<p>")
}

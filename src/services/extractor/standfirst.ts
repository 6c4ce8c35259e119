import { attributeValue, tagName } from "./elements.js"
import { isSideBlock } from "./side-blocks.js"
import { collapseWhitespace } from "./text.js"

// The standfirst (lead, chapô, deck, teaser) of an article is often set apart from its body, in the article's header
// beside the headline, where Readability, which keeps one container, leaves it out. It is marked by its class; the
// first such block of the page, if it reads as prose (not a list of teasers, not a link), is put back at the top of
// the content.
const STANDFIRST_NAME =
  /(?:^|[\s_-])(?:lead|leader|standfirst|chapo|chapeau|deck|intro|subtitle|subheadline|sub-headline|teaser-text|excerpt|summary|abstract)(?:$|[\s_-])/i
const MIN_CHARS = 60
const MAX_CHARS = 800
const NOT_IN = "a, li, nav, aside, footer, form, figure, button"

// The excerpt of a related article, in a box beside this one, is not this article's standfirst.
const inSideBlock = (element: Element): boolean => {
  for (let node: Element | null = element; node !== null; node = node.parentElement) if (isSideBlock(node)) return true
  return false
}

const names = (element: Element): string =>
  `${attributeValue(element, "class") ?? ""} ${attributeValue(element, "id") ?? ""}`

/** A copy of the page's standfirst, from `elements` (the body's, before Readability moves them), or null. */
export const findStandfirst = (elements: ReadonlyArray<Element>): Element | null => {
  for (const element of elements) {
    if (!STANDFIRST_NAME.test(names(element))) continue
    const text = collapseWhitespace(element.textContent ?? "")
    if (text.length < MIN_CHARS || text.length > MAX_CHARS || element.closest(NOT_IN) !== null) continue
    if (inSideBlock(element)) continue
    const linked = Array.from(element.querySelectorAll("a")).reduce(
      (sum, link) => sum + collapseWhitespace(link.textContent ?? "").length,
      0
    )
    if (2 * linked > text.length || element.querySelector("h1, h2, h3, ul, ol, img") !== null && tagName(element) !== "p") {
      continue
    }
    return element.cloneNode(true) as Element
  }
  return null
}

/** Puts `standfirst` at the top of `root` unless the content already holds its text. */
export const withStandfirst = (root: Element, standfirst: Element | null): void => {
  if (standfirst === null) return
  const text = collapseWhitespace(standfirst.textContent ?? "")
  if (collapseWhitespace(root.textContent ?? "").includes(text)) return
  root.insertBefore(standfirst, root.firstChild)
}

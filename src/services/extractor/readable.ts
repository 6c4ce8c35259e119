import { Readability } from "@mozilla/readability"
import type { ReadableSource } from "../../domain/extraction.js"
import { findStandfirst, withStandfirst } from "./standfirst.js"
import { removeBoilerplateLines, removeOrphanHeadings } from "./boilerplate.js"
import { allElements, attributeValue, tagName } from "./elements.js"
import { blockText, collapseWhitespace } from "./text.js"
import { removeTrailingPrompts } from "./prompts.js"
import { isSideBlock, removeSideBlocks } from "./side-blocks.js"
import { trimEdges } from "./trim.js"

export interface ReadableContent {
  /** The element holding the main content, or null when the page has no text at all. */
  readonly root: Element | null
  /** `blockText(root)`. */
  readonly text: string
  readonly source: ReadableSource
}

// Readability's own `charThreshold`: below it, Readability itself deems its pick unreliable (on short pages it tends
// to take the whole body, banners included).
const READABILITY_CONFIDENT_CHARS = 500
// Readability is made for articles. Elsewhere (home pages, listings, link directories) its pick is arbitrary and
// costly: it makes up to four attempts, re-parsing the page between them, at 50 µs or more per element each on
// linkedom (a page of 500 short linked paragraphs takes it a third of a second). Such pages, and very large ones,
// go to the linear heuristic. An article is recognised as Readability's `isProbablyReaderable` does (the square roots
// of what its paragraphs have beyond 140 characters add up past 20), without the per-paragraph selector matching
// and style checks that make that function cost more than a millisecond per hundred paragraphs on linkedom.
const ARTICLE_PARAGRAPH_CHARS = 140
const ARTICLE_MIN_SCORE = 20
// Counted here because Readability's own `maxElemsToParse` counts with getElementsByTagName("*"), which finds
// nothing in linkedom.
const READABILITY_MAX_ELEMENTS = 5_000
// About one short paragraph: a container with less is a teaser or a shell, not the page's content.
const CONTAINER_MIN_CHARS = 140

// In priority order: the most specific marking of "the content" first; the largest element of the first group with
// enough text wins.
const CONTAINER_GROUPS = [
  "article, [itemprop=articleBody]",
  "main, [role=main]",
  "#content, #main-content, #main, .content, .main-content, .post-content, .entry-content, .article-content, " +
    ".article-body, .post-body, .story-body"
]
// Never the main content. Readability drops footers and asides from its result anyway, and discards navigation
// and drawings only after walking and scoring them: removed up front they cost nothing, and cannot leak into a short
// page's content.
const NEVER_CONTENT_TAGS = new Set(["nav", "aside", "footer", "svg", "template"])
const NEVER_CONTENT_ROLES = new Set(["navigation", "menu", "menubar", "complementary", "contentinfo"])
// Hidden by class rather than by the `hidden` attribute (which Readability honours): skip links ("Continue reading
// the main story"), screen-reader labels, overlays not yet opened.
const HIDDEN_CLASS = /(?:^|\s)(?:hidden|sr-only|visually-hidden|screen-reader-text)(?:$|\s)/
// Readability removes these itself (and turns <noscript> fallbacks of lazy images into images); the heuristic has to.
const NOT_TEXT = "script, style, noscript, iframe"
const removeAll = (root: ParentNode, selector: string): void => {
  for (const element of Array.from(root.querySelectorAll(selector))) element.remove()
}

const neverContent = (element: Element): boolean =>
  NEVER_CONTENT_TAGS.has(tagName(element)) ||
  NEVER_CONTENT_ROLES.has(attributeValue(element, "role") ?? "") ||
  HIDDEN_CLASS.test(attributeValue(element, "class") ?? "")

/**
 * Mutates `document`: what is never content goes, and an <object> gives way to its fallback content, which browsers
 * show now that Flash and other plugins are gone (a video's still and caption, say; Readability would drop it whole).
 */
const prepare = (document: Document): Document => {
  for (const element of allElements(document.body)) {
    if (tagName(element) === "object") element.replaceWith(...Array.from(element.childNodes))
    else if (neverContent(element)) element.remove()
  }
  return document
}

// Readability wraps loose phrasing content, <audio> included, in a <p>, then drops the paragraphs that have neither
// text nor image: a podcast player would vanish from the content. Inside a <figure> it is kept.
const shieldAudio = (document: Document, elements: ReadonlyArray<Element>): void => {
  for (const audio of elements.filter((element) => tagName(element) === "audio")) {
    if (audio.parentElement?.nodeName.toUpperCase() === "FIGURE") continue
    const figure = document.createElement("figure")
    audio.replaceWith(figure)
    figure.appendChild(audio)
  }
}

const PARAGRAPH_TAGS = new Set(["p", "pre"])

const looksLikeArticle = (elements: ReadonlyArray<Element>): boolean => {
  let score = 0
  for (const paragraph of elements.filter((element) => PARAGRAPH_TAGS.has(tagName(element)))) {
    const length = (paragraph.textContent ?? "").trim().length
    if (length > ARTICLE_PARAGRAPH_CHARS) score += Math.sqrt(length - ARTICLE_PARAGRAPH_CHARS)
    if (score > ARTICLE_MIN_SCORE) return true
  }
  return false
}

/** `elements`: all those of the body. */
const readability = (document: Document, elements: ReadonlyArray<Element>): Element | null => {
  try {
    shieldAudio(document, elements)
    // Classes kept: they tell the side blocks inside its pick (removeSideBlocks).
    const options = { serializer: (node: Node) => node as Element, disableJSONLD: true, keepClasses: true }
    return new Readability<Element>(document, options).parse()?.content ?? null
  } catch {
    // Readability assumes a browser DOM; whatever it trips on in linkedom, the heuristic still gets its chance.
    return null
  }
}

const textLength = (element: Element): number => collapseWhitespace(element.textContent ?? "").length

const largestContainer = (body: HTMLElement): Element | null => {
  for (const selector of CONTAINER_GROUPS) {
    let best: Element | null = null
    let bestLength = CONTAINER_MIN_CHARS - 1
    for (const candidate of Array.from(body.querySelectorAll(selector))) {
      const length = textLength(candidate)
      if (length > bestLength) {
        best = candidate
        bestLength = length
      }
    }
    if (best !== null) return best
  }
  return null
}

type Heuristic = { readonly root: Element; readonly kind: "container" | "paragraphs" | "body" }

/** Mutates a `prepare`d `document`. The page's declared content container, else all its paragraphs, else its body. */
const heuristic = (document: Document): Heuristic | null => {
  const body = document.body
  removeAll(body, NOT_TEXT)
  // The site's header (logo, search, menus) is not content, but an article's own <header> holds its headline.
  for (const header of Array.from(body.querySelectorAll("header, [role=banner]"))) {
    if (header.closest("article, main") === null) header.remove()
  }
  const pageLength = textLength(body)
  for (const element of Array.from(body.querySelectorAll("[class], [id]"))) {
    if (isSideBlock(element) && 2 * textLength(element) < pageLength) element.remove()
  }
  const container = largestContainer(body)
  if (container !== null) return { root: container, kind: "container" }
  // Outermost paragraphs only: misnested markup can put a <p> inside another, and moving it out would split both.
  const paragraphs = Array.from(body.querySelectorAll("p")).filter(
    (paragraph) => paragraph.parentElement?.closest("p") == null && textLength(paragraph) > 0
  )
  if (paragraphs.length > 0) {
    const root = document.createElement("div")
    for (const paragraph of paragraphs) root.appendChild(paragraph)
    return { root, kind: "paragraphs" }
  }
  return textLength(body) > 0 ? { root: body, kind: "body" } : null
}

const content = (root: Element | null, source: ReadableSource): ReadableContent | null => {
  if (root === null) return null
  removeSideBlocks(root)
  trimEdges(root)
  removeBoilerplateLines(root)
  removeTrailingPrompts(root)
  removeOrphanHeadings(root)
  const text = blockText(root)
  return text === "" ? null : { root, text, source }
}

const NO_CONTENT: ReadableContent = { root: null, text: "", source: "none" }

/**
 * Readability for an article, when it is confident. Otherwise its pick is a guess, and a content container the page
 * declares is better evidence unless it holds much less text (then it is a teaser, not the content); the heuristic's
 * scrape of all paragraphs or of the body only serves when Readability found nothing. Readability mutates
 * `document`, so after it the heuristic runs on a fresh one from `reparse`, and only when needed.
 */
const ruledContent = (document: Document, reparse: () => Document): ReadableContent => {
  const elements = allElements(prepare(document).body)
  if (!looksLikeArticle(elements) || elements.length > READABILITY_MAX_ELEMENTS) {
    return content(heuristic(document)?.root ?? null, "heuristic") ?? NO_CONTENT
  }
  const standfirst = findStandfirst(elements)
  const picked = readability(document, elements)
  if (picked !== null) withStandfirst(picked, standfirst)
  const byReadability = content(picked, "readability")
  if (byReadability !== null && byReadability.text.length >= READABILITY_CONFIDENT_CHARS) return byReadability
  const fallback = heuristic(prepare(reparse()))
  const byHeuristic = content(fallback?.root ?? null, "heuristic")
  if (byReadability === null) return byHeuristic ?? NO_CONTENT
  const declaredContainer = fallback?.kind === "container" && byHeuristic !== null
  return declaredContainer && 2 * byHeuristic.text.length >= byReadability.text.length ? byHeuristic : byReadability
}

// The safety net under the rules above: each of them (what `prepare` removes, the containers tried first, the
// heuristic, the trimming) wins on some pages and can lose an article on others. When the result holds little of the
// page's visible text and is not Readability's own confident pick, Readability alone, on the page as published, is
// asked too, and its pick taken when it is much longer. Only then: Readability is the costly step on the pages the
// rules keep from it (on the development set, 29 pages in 630 are asked again; every page whose result was under
// half of plain Readability's had gone through the heuristic).
const SUSPICIOUS_SHARE = 0.25
const PLAIN_MUCH_LONGER = 2

const plainReadability = (document: Document): ReadableContent | null => {
  const root = readability(document, allElements(document.body))
  const text = root === null ? "" : blockText(root)
  return text === "" ? null : { root, text, source: "readability" }
}

export const readableContent = (document: Document, reparse: () => Document): ReadableContent => {
  const pageChars = blockText(document.body).length
  const ruled = ruledContent(document, reparse)
  const confident = ruled.source === "readability" && ruled.text.length >= READABILITY_CONFIDENT_CHARS
  if (confident || ruled.text.length >= SUSPICIOUS_SHARE * pageChars) return ruled
  const plain = plainReadability(reparse())
  return plain !== null && plain.text.length > PLAIN_MUCH_LONGER * ruled.text.length ? plain : ruled
}

import { attributeValue, tagName } from "./elements.js"
import { measureAll } from "./trim.js"

// Blocks that pages mark, by class or id, as around the content rather than part of it: Readability discards such
// "unlikely candidates" while it looks for the article, but keeps those inside the container it picks, and a declared
// content container holds them too. A name is a word of the class or id (cut at anything not a letter, so "share"
// does not match "shareholders"). Compound names are read as English ones, by their last word: "article-footer" is
// a footer, "comment-content" content, and a block with a name of the content ("entry-content no-share") is kept. So
// is one whose name tells what it holds or lacks ("section--has-ads", "no-sidebar"), and one holding a large part
// of the content: that is a wrapper ("page sidebar-right"), not a side block.
const AROUND_CONTENT = new RegExp(
  `(?<![a-z])(?<!(?:has|no|with|without)[-_]+)(?:${[
    "ads?", "advert\\w*", "banner", "breadcrumbs?", "comments?", "community", "consent", "cookies?", "disqus", "footer",
    "gdpr", "menu", "modal", "navbar", "newsletter\\w*", "news-letter\\w*", "outbrain", "pager", "pagination", "popup",
    "promo", "related\\w*", "replies", "share", "sharing", "sidebar", "social", "sponsor\\w*", "taboola", "widget",
    "author", "bio", "byline", "copyright", "credits?", "ratings?", "subscribe", "subscription", "signup", "paywall",
    "disclaimer", "licen[cs]e\\w*", "tags?", "tagcloud", "cta", "affiliate", "notice", "postmetadata",
    "(?:post|entry)-?meta", "reading-?time"
  ].join("|")})(?![a-z])`,
  "gi"
)
const CONTENT_NAME = /article|body|content|main/gi

const lastMatch = (pattern: RegExp, token: string): number => {
  let last = -1
  for (const match of token.matchAll(pattern)) last = match.index
  return last
}

// Elements that are the content's own structure whatever their names.
const NEVER_SIDE = new Set(["article", "main", "body"])
// Captions describe a picture rather than tell the story, and read as stray lines in the text (the picture itself
// stays). Where they hold much of the text, as in a slideshow, they are the content.
const CAPTION_NAME = /(?<![a-z])(?:caption|legend)(?![a-z])/i
const CAPTIONS_MAX_SHARE = 1 / 3
// A side block is at most this share of the text it is cut from.
const SIDE_SHARE = 0.5

const names = (element: Element): string =>
  `${attributeValue(element, "class") ?? ""} ${attributeValue(element, "id") ?? ""}`

const isCaption = (element: Element): boolean =>
  tagName(element) === "figcaption" || CAPTION_NAME.test(names(element))

export const isSideBlock = (element: Element): boolean => {
  if (NEVER_SIDE.has(tagName(element))) return false
  let side = false
  for (const token of names(element).split(/\s+/)) {
    const around = lastMatch(AROUND_CONTENT, token)
    const content = lastMatch(CONTENT_NAME, token)
    if (content > around) return false
    side ||= around >= 0
  }
  return side
}

/** Removes from `root` the blocks named as around the content, and its captions; `root` itself stays. */
export const removeSideBlocks = (root: Element): void => {
  const measured = measureAll(root)
  const chars = (element: Element): number => measured.get(element)?.chars ?? 0
  const total = chars(root)
  const captions: Array<Element> = []
  for (const element of Array.from(root.querySelectorAll("[class], [id], figcaption"))) {
    if (isCaption(element)) {
      // In document order, a caption nested in another comes right after it: only the outer one counts.
      if (!(captions.at(-1)?.contains(element) ?? false)) captions.push(element)
    } else if (chars(element) < SIDE_SHARE * total && isSideBlock(element)) {
      element.remove()
    }
  }
  const captionChars = captions.reduce((sum, caption) => sum + chars(caption), 0)
  if (captionChars <= CAPTIONS_MAX_SHARE * total) for (const caption of captions) caption.remove()
}

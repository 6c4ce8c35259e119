import { CDATA_SECTION_NODE, ELEMENT_NODE, tagName, TEXT_NODE } from "./elements.js"
import { addTally, type TextTally, textTally } from "./text.js"

// Around an article, pages put boxes and lists of links: related and most-read stories, share buttons, tags, the
// site's own teasers. Readability keeps them when they share the article's container (it spares lists, and blocks
// made of lists, from its link-density test), and a declared content container often holds them too. So the content
// is trimmed. Going down from the root through the wrappers, a wrapper being an element one of whose children holds
// most of the prose (the text outside links), the link-heavy boxes beside that child are dropped; at the level of the
// article's own blocks, where the prose is spread, only boxes that are mostly links go, and only at the ends.
// Paragraphs and loose text are kept whatever their links: a sentence such as "Read the rest of the investigation" is
// the author's, and its link one the crawl should follow. A page whose text is mostly links (a directory, a list of
// stories) is left whole: there the links are the content.
const WRAPPER_PROSE_SHARE = 0.5
const LINK_HEAVY_BESIDE_PROSE = 0.3
const LINK_HEAVY_AT_ARTICLE_END = 0.5
// About one short paragraph, as for a content container.
const MIN_PROSE_TO_TRIM = 140
const WRAPPER_TAGS = new Set(["DIV", "SECTION", "ARTICLE", "MAIN"])
const BOX_TAGS = new Set(["DIV", "SECTION", "UL", "OL", "DL", "TABLE"])

interface Block {
  readonly element: Element
  readonly chars: number
  readonly linkChars: number
}

interface OpenElement extends TextTally {
  /** The text of the links inside, a link nested in another counted again, as `querySelectorAll("a")` finds them. */
  linkChars: number
}

// A literal, not a spread of an empty tally: this runs once per element of the content, and the spread costs more
// than the rest of the measuring.
const openElement = (): OpenElement => ({ chars: 0, leadingSpace: false, trailingSpace: false, linkChars: 0 })

/**
 * Every element under `root` (itself included) as a Block: `chars` is its `textLength`, and `linkChars` that of
 * the links inside it, or its own for a link. One walk over the text, where measuring each block with `textContent`
 * read the text of the content again at every level trimEdges goes down.
 */
export const measureAll = (root: Element): ReadonlyMap<Element, Block> => {
  const blocks = new Map<Element, Block>()
  const open: Array<OpenElement> = []
  const leave = (element: Element): void => {
    const measured = open.pop()!
    const link = tagName(element) === "a"
    blocks.set(element, { element, chars: measured.chars, linkChars: link ? measured.chars : measured.linkChars })
    const parent = open[open.length - 1]
    if (parent === undefined) return
    addTally(parent, measured)
    // Like `querySelectorAll`, which does not look into a <template>'s content (`textContent` does).
    const linksOutside = element.localName === "template" ? 0 : measured.linkChars
    parent.linkChars += linksOutside + (link ? measured.chars : 0)
  }
  let node: Node = root
  for (;;) {
    if (node.nodeType === ELEMENT_NODE) {
      open.push(openElement())
      if (node.firstChild !== null) {
        node = node.firstChild
        continue
      }
      leave(node as Element)
    } else if (node.nodeType === TEXT_NODE || node.nodeType === CDATA_SECTION_NODE) {
      addTally(open[open.length - 1], textTally((node as CharacterData).data))
    }
    while (node !== root && node.nextSibling === null) {
      node = node.parentNode!
      leave(node as Element)
    }
    if (node === root) return blocks
    node = node.nextSibling!
  }
}

const prose = (block: Block): number => Math.max(0, block.chars - block.linkChars)

/** Removes blocks from the start of `blocks` while `drop` says so; empty ones, which may hold an image, stay. */
const trimWhile = (blocks: ReadonlyArray<Block>, drop: (block: Block) => boolean): void => {
  for (const block of blocks) {
    if (block.chars === 0) continue
    if (!drop(block)) return
    block.element.remove()
  }
}

const linkBox = (block: Block, linkShare: number): boolean =>
  BOX_TAGS.has(block.element.nodeName.toUpperCase()) && block.linkChars >= linkShare * block.chars

export const trimEdges = (root: Element): void => {
  const measured = measureAll(root)
  const measure = (element: Element): Block => measured.get(element)!
  const whole = measure(root)
  if (prose(whole) < MIN_PROSE_TO_TRIM || 2 * whole.linkChars > whole.chars) return
  let container = root
  for (;;) {
    const blocks = Array.from(container.children).map(measure)
    if (blocks.length === 0) return
    const total = blocks.reduce((sum, block) => sum + prose(block), 0)
    const core = blocks.reduce((best, block) => (prose(block) > prose(best) ? block : best))
    if (!WRAPPER_TAGS.has(core.element.nodeName.toUpperCase()) || prose(core) < WRAPPER_PROSE_SHARE * total) {
      const coreIndex = blocks.indexOf(core)
      const navigation = (block: Block) => linkBox(block, LINK_HEAVY_AT_ARTICLE_END)
      trimWhile(blocks.slice(coreIndex + 1).reverse(), navigation)
      trimWhile(blocks.slice(0, coreIndex), navigation)
      return
    }
    for (const block of blocks) {
      if (block !== core && block.chars > 0 && linkBox(block, LINK_HEAVY_BESIDE_PROSE)) block.element.remove()
    }
    container = core.element
  }
}


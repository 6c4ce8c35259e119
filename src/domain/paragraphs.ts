import { hash } from "node:crypto"
import { countWords, markdownToText } from "./markdown-text.js"

/** A paragraph of a page's readable text, as stored (its language is set by the embed stage). */
export interface Paragraph {
  /** 0, 1, 2… in reading order. */
  readonly position: number
  readonly text: string
  /** md5 of the normalised text: equal for texts that differ only by case, accents, punctuation or spacing. */
  readonly textHash: string
  readonly wordCount: number
  readonly charCount: number
}

/** A block shorter than this is joined to the next one (headings, captions, one-line remarks travel with their text). */
export const MIN_PARAGRAPH_CHARS = 80
/** A block longer than this is cut at sentence ends into parts of about `TARGET_PARAGRAPH_CHARS`. */
export const MAX_PARAGRAPH_CHARS = 1500
export const TARGET_PARAGRAPH_CHARS = 1000
/** A text block of fewer words (a "Share", a "Read more") is dropped. */
export const MIN_PARAGRAPH_WORDS = 3

type Kind = "heading" | "list" | "text"

interface Block {
  readonly kind: Kind
  readonly lines: ReadonlyArray<string>
}

const FENCE = /^\s{0,3}(```|~~~)/
const LIST_ITEM = /^\s*(?:[-*+]|\d+[.)])\s+/
const HEADING = /^\s{0,3}#{1,6}\s/
const RULE = /^\s{0,3}(?:-{3,}|\*{3,}|_{3,})\s*$/
const TABLE_SEPARATOR = /^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$/
const IMAGE = /!\[[^\]]*\]\((?:[^()]|\([^)]*\))*\)/g

/** Blocks separated by blank lines, without code blocks, rules and table separators; quote marks removed. */
const blocksOf = (markdown: string): Array<Block> => {
  const blocks: Array<Block> = []
  let lines: Array<string> = []
  let inFence = false
  const flush = () => {
    if (lines.length === 0) return
    const kind: Kind = lines.every((l) => HEADING.test(l)) ? "heading" : LIST_ITEM.test(lines[0]!) ? "list" : "text"
    const last = blocks[blocks.length - 1]
    // The items of a loose list (blank lines between them) are still one list.
    if (kind === "list" && last?.kind === "list") blocks[blocks.length - 1] = { kind, lines: [...last.lines, ...lines] }
    else blocks.push({ kind, lines })
    lines = []
  }
  for (const raw of markdown.replace(/\r\n?/g, "\n").split("\n")) {
    if (FENCE.test(raw)) {
      flush()
      inFence = !inFence
      continue
    }
    if (inFence) continue
    const line = raw.replace(/^\s{0,3}(?:>\s?)+/, "").replace(IMAGE, "")
    if (TABLE_SEPARATOR.test(line)) continue
    if (line.trim() === "" || RULE.test(line)) {
      flush()
      continue
    }
    lines.push(line.trim().startsWith("|") ? line.replace(/\|/g, " ") : line)
  }
  flush()
  return blocks
}

/** A block's words as a reader sees them: one line per list item, other line breaks as spaces. */
const textOf = (block: Block): string => {
  const text = markdownToText(block.lines.join("\n"))
  // Runs of white space as one space: any run but a lone space, which is left as it is (most are).
  const lines = text.split("\n").map((l) => l.replace(/[^\S ]\s*| \s+/g, " ").trim()).filter((l) => l !== "")
  return block.kind === "list" ? lines.join("\n") : lines.join(" ")
}

// Chinese and Japanese end a sentence with a full-width mark and no space after it.
const SENTENCE_END = /(?<=[.!?…;:»"”)])\s+|(?<=[。！？])\s*/u
const FULL_WIDTH_END = /[。！？]$/u

/** A long text cut at sentence ends into parts of about the target size (a sentence longer than the maximum at a space). */
export const cutLong = (text: string): Array<string> => {
  if (text.length <= MAX_PARAGRAPH_CHARS) return [text]
  const pieces = text.split(SENTENCE_END).flatMap((sentence) => {
    const out: Array<string> = []
    let rest = sentence
    while (rest.length > MAX_PARAGRAPH_CHARS) {
      const at = rest.lastIndexOf(" ", TARGET_PARAGRAPH_CHARS)
      const cut = at > 0 ? at : TARGET_PARAGRAPH_CHARS
      out.push(rest.slice(0, cut))
      rest = rest.slice(cut).trimStart()
    }
    return rest === "" ? out : [...out, rest]
  })
  const parts: Array<string> = []
  let current = ""
  for (const piece of pieces) {
    if (current !== "" && current.length + 1 + piece.length > TARGET_PARAGRAPH_CHARS) {
      parts.push(current)
      current = piece
    } else {
      current = current === "" ? piece : FULL_WIDTH_END.test(current) ? current + piece : `${current} ${piece}`
    }
  }
  if (current !== "") parts.push(current)
  return parts
}

const NOT_ASCII = /[^\x00-\x7f]/

/** The rule `normaliseText` follows: compatibility-decomposed, marks removed, lower-cased, non-letters as spaces. */
export const normaliseByRule = (text: string): string =>
  text.normalize("NFKD").replace(/\p{M}+/gu, "").toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim()

// Each of those steps, but for two, acts on one character at a time, so the rule's result is the characters' own
// results laid end to end, spaces collapsed. The two: a surrogate is half a character, and a capital sigma lower-cases
// to σ or ς by what follows it. Texts holding either take the rule itself.
const CONTEXTUAL = null
const SIGMA = /\u03a3/
const parts: Array<string | null | undefined> = new Array(0x10000)

/** A character's part of a normalised text (a space where it is not a letter or a digit), worked out once by the rule. */
const partOf = (code: number): string | null => {
  let part = parts[code]
  if (part === undefined) {
    const bare = String.fromCharCode(code).normalize("NFKD").replace(/\p{M}+/gu, "")
    part = (code >= 0xd800 && code <= 0xdfff) || SIGMA.test(bare)
      ? CONTEXTUAL
      : bare.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ")
    parts[code] = part
  }
  return part
}

let units = new Uint16Array(1024)

/** Lower-cased, accents folded, punctuation and spacing reduced to single spaces. */
export const normaliseText = (text: string): string => {
  // ASCII has nothing to decompose or fold, and only ASCII letters and digits.
  if (!NOT_ASCII.test(text)) return text.toLowerCase().replace(/[^a-z0-9]+/g, " ").trim()
  // Other texts character by character through the table: a third of the time of the rule's four passes.
  let length = 0
  let space = false
  const put = (c: number) => {
    if (c === 32) {
      space = length > 0
      return
    }
    if (length + 2 > units.length) {
      const grown = new Uint16Array(units.length * 2)
      grown.set(units)
      units = grown
    }
    if (space) units[length++] = 32
    space = false
    units[length++] = c
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 128) {
      const part = partOf(c)
      if (part === CONTEXTUAL) return normaliseByRule(text)
      for (let j = 0; j < part.length; j++) put(part.charCodeAt(j))
    } else if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) put(c)
    else put(c >= 65 && c <= 90 ? c + 32 : 32)
  }
  let out = ""
  for (let at = 0; at < length; at += 4096) {
    // (`apply` takes the typed array as it is; a spread would iterate it.)
    out += String.fromCharCode.apply(null, units.subarray(at, Math.min(length, at + 4096)) as unknown as Array<number>)
  }
  return out
}

export const textHash = (text: string): string => hashOfNormalised(normaliseText(text))

const hashOfNormalised = (normalised: string) => hash("md5", normalised)

/**
 * A page's readable Markdown as paragraphs: blocks separated by blank lines (code blocks, rules and images dropped,
 * the items of one list together, quotes unquoted, Markdown reduced to text); a heading, and any block shorter than
 * `MIN_PARAGRAPH_CHARS`, joined to the next block; text blocks of fewer than `MIN_PARAGRAPH_WORDS` words, unless as
 * long as `MIN_PARAGRAPH_CHARS`, dropped; blocks over `MAX_PARAGRAPH_CHARS` cut at sentence ends; a short remainder
 * before a heading or at the end joined to the paragraph before it; a heading with nothing after it dropped.
 */
export const splitParagraphs = (markdown: string): Array<Paragraph> =>
  paragraphTexts(markdown).map((text, position) => paragraphOf(text, position))

const IDEOGRAPHIC = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/gu

/**
 * Words as a reader counts them: Chinese and Japanese, written without spaces, at two characters a word (about their
 * words' length), other text by its runs between spaces.
 */
const wordsOf = (text: string): number => {
  const ideographs = NOT_ASCII.test(text) ? text.match(IDEOGRAPHIC)?.length ?? 0 : 0
  return ideographs === 0 ? countWords(text) : countWords(text.replace(IDEOGRAPHIC, " ")) + Math.ceil(ideographs / 2)
}

/** A paragraph's row; `normalised`: its text normalised, when the caller has it already (for an embedding). */
export const paragraphOf = (text: string, position: number, normalised = normaliseText(text)): Paragraph => ({
  position,
  text,
  textHash: hashOfNormalised(normalised),
  wordCount: wordsOf(text),
  charCount: text.length
})

/** The texts of `splitParagraphs`, in reading order. */
export const paragraphTexts = (markdown: string): Array<string> => {
  const texts: Array<string> = []
  let pending = ""
  let pendingIsHeading = false
  // A short remainder belongs to the text before it; a heading with nothing after it titles nothing.
  const flushRemainder = () => {
    const last = texts[texts.length - 1]
    if (pending !== "" && !pendingIsHeading) {
      if (last !== undefined && last.length + 1 + pending.length <= MAX_PARAGRAPH_CHARS) texts[texts.length - 1] = `${last}\n${pending}`
      else texts.push(pending)
    }
    pending = ""
    pendingIsHeading = false
  }
  for (const block of blocksOf(markdown)) {
    const text = textOf(block)
    // (In a script written without spaces that `wordsOf` does not know, a block is one "word": its length vouches for it.)
    if (text === "" || block.kind === "text" && wordsOf(text) < MIN_PARAGRAPH_WORDS && text.length < MIN_PARAGRAPH_CHARS) continue
    if (block.kind === "heading" && !pendingIsHeading) flushRemainder()
    pending = pending === "" ? text : `${pending}\n${text}`
    pendingIsHeading = block.kind === "heading"
    if (block.kind === "heading" || pending.length < MIN_PARAGRAPH_CHARS) continue
    texts.push(...cutLong(pending))
    pending = ""
    pendingIsHeading = false
  }
  flushRemainder()
  return texts
}

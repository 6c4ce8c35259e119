import { tagName } from "./elements.js"
import { collapseWhitespace } from "./text.js"

// Below an article, publishers ask the reader to subscribe, to sign up for a newsletter, to follow them or to get
// their app, often in a paragraph of the article's own container, where no class tells it apart. Such a prompt is
// told by its wording, and only among the last blocks of the content: in the middle of an article, the same words are
// more likely the story's own ("the company asked users to sign up").
const PROMPT = new RegExp(
  `(?<!\\p{L})(?:${[
    "newsletter", "follow (?:us|the|@)", "download (?:the|our)",
    "abonnieren", "abonniere", "abonnez-vous", "inscrivez-vous", "folg(?:en sie|t) uns", "suscr[ií]b\\p{L}*",
    "s[ií]guenos", "subskrypcj\\p{L}*", "obserwuj", "zapisz si[ęe]", "iscriviti", "seguici"
  ].join("|")})(?!\\p{L})`,
  "iu"
)
// Subscribing and signing up are also what countries, firms and people do in the news: such a line is a prompt
// when it speaks to the reader, or is a mere label.
const ASKED = /(?<!\p{L})(?:sign(?:ing)? up|subscri(?:be|ption))(?!\p{L})/iu
const TO_THE_READER = /(?<!\p{L})(?:you|your|our|us|here|now|today)(?!\p{L})/iu
const LABEL_MAX_CHARS = 40
const isPrompt = (text: string) =>
  PROMPT.test(text) || (ASKED.test(text) && (text.length <= LABEL_MAX_CHARS || TO_THE_READER.test(text)))
// A prompt is a line or two; a longer paragraph that mentions a newsletter is the article's.
const PROMPT_MAX_CHARS = 300
// How far from the end prompts are looked for, in blocks with text.
const TAIL_BLOCKS = 5
const LEAF_BLOCKS = new Set(["p", "li", "h2", "h3", "h4", "h5", "h6", "div", "blockquote", "section", "dd", "td"])

/** Removes the prompts among the last blocks of `root`. */
export const removeTrailingPrompts = (root: Element): void => {
  const prompts: Array<Element> = []
  let seen = 0
  let last: Element | null = null
  for (const element of Array.from(root.querySelectorAll("*")).reverse()) {
    // In reverse document order, an element that holds the last leaf seen is its ancestor, not a block of its own.
    if (!LEAF_BLOCKS.has(tagName(element)) || (last !== null && element.contains(last))) continue
    const text = collapseWhitespace(element.textContent ?? "")
    if (text === "") continue
    last = element
    if (text.length <= PROMPT_MAX_CHARS && isPrompt(text)) prompts.push(element)
    if (++seen >= TAIL_BLOCKS) break
  }
  for (const prompt of prompts) prompt.remove()
}

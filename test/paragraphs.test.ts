import { describe, expect, it } from "@effect/vitest"
import {
  cutLong,
  MAX_PARAGRAPH_CHARS,
  MIN_PARAGRAPH_CHARS,
  normaliseByRule,
  normaliseText,
  splitParagraphs,
  textHash
} from "../src/domain/paragraphs.js"

const long = (words: number, seed = "mot") => Array.from({ length: words }, (_, i) => `${seed}word${i}`).join(" ") + "."
const texts = (md: string) => splitParagraphs(md).map((p) => p.text)

describe("splitParagraphs", () => {
  it("splits blocks at blank lines and reduces Markdown to text", () => {
    const a = "A first paragraph, long enough to stand alone, with a [link](https://example.org/a) and **bold** words in it."
    const b = "A second paragraph that is also long enough to stand on its own, with `code` and _emphasis_ in it."
    expect(texts(`${a}\n\n${b}`)).toEqual([
      "A first paragraph, long enough to stand alone, with a link and bold words in it.",
      "A second paragraph that is also long enough to stand on its own, with code and emphasis in it."
    ])
  })

  it("reduces each run of white space to one space, and keeps lone spaces", () => {
    const md = "Words  with\t\ttabs, \u00a0no-break\u00a0spaces and a line\nbreak, \t in a block long enough to stand alone."
    expect(texts(md)).toEqual(["Words with tabs, no-break spaces and a line break, in a block long enough to stand alone."])
  })

  it("joins a heading to what follows it and drops a heading with nothing after it", () => {
    const body = "The body of the section, which the heading introduces, is long enough to make a paragraph alone."
    expect(texts(`# Title\n\n## Section\n\n${body}\n\n## Orphan heading`)).toEqual([`Title\nSection\n${body}`])
  })

  it("keeps the items of one list together, one per line, even a loose list", () => {
    const md = "- first item of the list\n- second item of the list\n\n- third item, after a blank line, still in the list"
    expect(texts(md)).toEqual(["first item of the list\nsecond item of the list\nthird item, after a blank line, still in the list"])
  })

  it("unquotes quotes and drops code blocks, images, rules and table separators", () => {
    const md = [
      "> A quotation that someone said about the subject, long enough to be a paragraph on its own here.",
      "```\nconst x = 1\n\nconst y = 2\n```",
      "![a picture](https://example.org/p.png)",
      "---",
      "| column one | column two |\n|---|---|\n| cell one | cell two |"
    ].join("\n\n")
    expect(texts(md)).toEqual([
      "A quotation that someone said about the subject, long enough to be a paragraph on its own here.\n" +
      "column one column two cell one cell two"
    ])
  })

  it("joins short blocks to the next, drops one- and two-word blocks, and attaches a short end to the paragraph before", () => {
    const body = "A paragraph long enough to stand on its own in the text of the page, more than eighty characters."
    expect(texts(`Short line of text.\n\n${body}\n\nShare\n\nRead more\n\nA short closing remark.`)).toEqual([
      `Short line of text.\n${body}\nA short closing remark.`
    ])
    expect(texts("Share\n\nRead more")).toEqual([])
    expect(texts("Only a short text here.")).toEqual(["Only a short text here."])
  })

  it("cuts very long blocks at sentence ends, each part within the maximum", () => {
    const sentences = Array.from({ length: 40 }, (_, i) => `Sentence number ${i} says something about the subject at hand.`)
    const parts = texts(sentences.join(" "))
    expect(parts.length).toBeGreaterThan(1)
    for (const p of parts) {
      expect(p.length).toBeLessThanOrEqual(MAX_PARAGRAPH_CHARS)
      expect(p.endsWith(".")).toBe(true)
    }
    expect(parts.join(" ")).toBe(sentences.join(" "))
  })

  it("splits Chinese and Japanese text, written without spaces, and cuts it at its full-width sentence ends", () => {
    const zh = "气候变化正在影响全球的农业生产，科学家们警告说粮食安全面临严重威胁。各国政府需要采取紧急措施减少温室气体排放。"
    const ja = "東京では今年の夏、記録的な暑さが続き、多くの人が熱中症で病院に運ばれました。専門家は対策を呼びかけています。"
    // Each shorter than 80 characters, the two blocks make one paragraph, as two short blocks of any script do.
    const [both, ...none] = splitParagraphs(`${zh}\n\n${ja}`)
    expect(none).toEqual([])
    expect(both!.text).toBe(`${zh}\n${ja}`)
    // About two characters a word, and the marks between them.
    expect(both!.wordCount).toBeGreaterThanOrEqual(55)
    expect(texts(`${zh}${zh}\n\n${ja}${ja}`)).toEqual([zh + zh, ja + ja])
    const long = zh.repeat(30)
    const parts = texts(long)
    expect(parts.length).toBeGreaterThan(1)
    for (const p of parts) {
      expect(p.length).toBeLessThanOrEqual(MAX_PARAGRAPH_CHARS)
      expect(p).toMatch(/。$/)
    }
    expect(parts.join("")).toBe(long)
    // A block of one or two words is still dropped ("Share", "Read more").
    expect(texts(`分享\n\n${long}`)).toEqual(parts)
    expect(texts(`阅读更多\n\n${long}`)).toEqual(parts)
  })

  it("cuts a sentence longer than the maximum at spaces", () => {
    const parts = cutLong(long(600))
    expect(parts.length).toBeGreaterThan(1)
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(MAX_PARAGRAPH_CHARS)
    expect(parts.join(" ")).toBe(long(600))
  })

  it("numbers paragraphs in order and counts words and characters", () => {
    const ps = splitParagraphs(`${long(20, "a")}\n\n${long(30, "b")}`)
    expect(ps.map((p) => p.position)).toEqual([0, 1])
    expect(ps.map((p) => p.wordCount)).toEqual([20, 30])
    expect(ps[0]!.charCount).toBe(ps[0]!.text.length)
    expect(ps[0]!.text.length).toBeGreaterThanOrEqual(MIN_PARAGRAPH_CHARS)
  })

  it("is empty for an empty or blank text", () => {
    expect(splitParagraphs("")).toEqual([])
    expect(splitParagraphs("\n\n  \n")).toEqual([])
  })
})

describe("textHash", () => {
  it("is equal for texts differing only by case, accents, punctuation and spacing", () => {
    expect(normaliseText("  Élève, À l'ÉCOLE !  ")).toBe("eleve a l ecole")
    expect(textHash("Le Élève, à l'école.")).toBe(textHash("le eleve a l ecole"))
    expect(textHash("Le élève")).not.toBe(textHash("Les élèves"))
  })

  it("normalises as its rule does, for every character alone and between others", () => {
    const differ: Array<string> = []
    for (let code = 0; code < 0x10000; code++) {
      const c = String.fromCharCode(code)
      for (const text of [c, `Ab${c}cD`, `é${c}${c}É `]) {
        if (normaliseText(text) !== normaliseByRule(text)) differ.push(text)
      }
    }
    expect(differ).toEqual([])
    // The contexts a table of characters cannot know: a final sigma, characters outside the BMP (surrogate pairs).
    expect(normaliseText("ΟΔΟΣ ΚΑΙ Σ.")).toBe("οδος και σ")
    expect(normaliseText("ΟΔΟΣ ΚΑΙ Σ.")).toBe(normaliseByRule("ΟΔΟΣ ΚΑΙ Σ."))
    expect(normaliseText("Ça 𝐀𝐁 va 😀 très — bien")).toBe("ca ab va tres bien")
  })
})

import type { Extraction } from "../../src/domain/extraction.js"

/** What `extract` gives for a page with nothing in it. */
export const EMPTY: Extraction = {
  title: null,
  description: null,
  keywords: null,
  htmlLang: null,
  detectedLang: null,
  lang: null,
  canonicalUrl: null,
  publishedAt: null,
  readableSource: "none",
  readableMarkdown: "",
  readableText: "",
  wordCount: 0,
  readingTimeMinutes: 0,
  links: [],
  media: []
}

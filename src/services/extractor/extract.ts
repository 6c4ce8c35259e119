import type { Extraction } from "../../domain/extraction.js"
import { parseDocument } from "./document.js"
import { allElements } from "./elements.js"
import { languages } from "./language.js"
import { extractLinks } from "./links.js"
import { toMarkdown } from "./markdown.js"
import { extractMedia } from "./media.js"
import { extractMetadata } from "./metadata.js"
import { readableContent } from "./readable.js"
import { countWords, readingTimeMinutes } from "./text.js"
import { pageUrls } from "./urls.js"

export interface ExtractOptions {
  /** "content": links of the main content only (what the crawl follows); "all": every link of the page. */
  readonly links: "content" | "all"
}

/**
 * Everything the crawl keeps from an HTML page. Pure and synchronous, and total: any input, including empty or
 * binary text, gives a valid Extraction. The page is parsed once, twice when Readability is not confident.
 */
export const extract = (url: string, html: string, options: ExtractOptions): Extraction => {
  const document = parseDocument(html)
  // Everything that needs the page as published is read before Readability rewrites the document.
  const elements = allElements(document)
  const urls = pageUrls(elements, url)
  const metadata = extractMetadata(document, elements, urls)
  const allLinks = options.links === "all" ? extractLinks(document, urls) : null
  const { root, text, source } = readableContent(document, () => parseDocument(html))
  const links = allLinks ?? (root === null ? [] : extractLinks(root, urls))
  const media = root === null ? [] : extractMedia(root, urls)
  const wordCount = countWords(text)
  return {
    ...metadata,
    ...languages(text, metadata.htmlLang),
    readableSource: source,
    // Last: it rewrites `root` in place.
    readableMarkdown: root === null ? "" : toMarkdown(root, urls),
    readableText: text,
    wordCount,
    readingTimeMinutes: readingTimeMinutes(wordCount),
    links,
    media
  }
}

import { Either } from "effect"
import type { Extraction } from "../domain/extraction.js"
import type { FetchFailure, HtmlPage, NotHtml } from "../domain/fetch.js"
import { failureReason } from "../domain/fetch.js"
import { normalizeUrl, urlHost } from "../domain/url.js"
import type { OutLink, PageOutcome } from "../domain/page-outcome.js"
import type { ScoredExtraction } from "../services/ExtractorPool.js"
import type { ClaimedUrl } from "../services/Frontier.js"
import type { Extracted } from "./extract.js"

// The links stage, `Extracted → PageOutcome`: pure rules turning what the network and the extractor said into what
// is stored: terminal state and reason, which links are followed (and become pages to crawl) and which media are
// recorded.

export interface LinkPolicy {
  readonly maxDepth: number
  readonly minRelevance: number
}

// Files that are not pages: a link to them is not a page to crawl (images are recorded as media instead).
const NOT_A_PAGE = /\.(?:jpe?g|png|gif|bmp|webp|svg|ico|avif|tiff?|pdf|txt|csv|xlsx?|docx?|pptx?|odt|ods|zip|gz|tgz|rar|7z|mp3|mp4|m4a|wav|ogg|webm|mov|avi)$/i

const base = (claimed: ClaimedUrl) => ({
  expressionId: claimed.id,
  depth: claimed.depth,
  links: [] as ReadonlyArray<OutLink>,
  createTargets: false,
  media: [],
  domainRootOf: null,
  content: null
})

/** A URL the network layer gave up on (or refused): failed, or skipped when it was refused on purpose. */
export const failedOutcome = (claimed: ClaimedUrl, failure: FetchFailure): PageOutcome => ({
  ...base(claimed),
  state: failure._tag === "BlockedByRobots" || failure._tag === "PrivateAddress" ? "skipped" : "failed",
  httpStatus: null,
  finalUrl: null,
  contentType: null,
  contentLength: null,
  headers: null,
  error: failureReason(failure)
})

/** A non-HTML answer: recorded, not parsed. An error status is the page's outcome whatever the error body is. */
export const notHtmlOutcome = (claimed: ClaimedUrl, page: NotHtml): PageOutcome => ({
  ...base(claimed),
  state: page.status >= 400 ? "fetched" : "skipped",
  httpStatus: page.status,
  finalUrl: page.finalUrl,
  contentType: page.contentType,
  contentLength: page.bytes,
  headers: page.headers,
  error: page.status >= 400 ? null : `NotHtml: ${page.contentType ?? "no content type"}`
})

const isDomainRoot = (url: string) => {
  const u = new URL(url)
  return u.pathname === "/" && u.search === ""
}

/** The links of an extraction that lead to pages, with the host their domain row is keyed by. */
export const outLinks = (links: Extraction["links"]): Array<OutLink> =>
  links.flatMap((l) => {
    const n = normalizeUrl(l.url)
    if (Either.isLeft(n) || NOT_A_PAGE.test(new URL(n.right).pathname)) return []
    return [{ url: l.url, normalizedUrl: n.right, host: urlHost(n.right), anchorText: l.anchorText, rel: l.rel, internal: l.internal }]
  })

/**
 * A fetched HTML page. Error statuses (4xx/5xx) keep status and headers only: their body is an error page, not
 * content. A page passing the relevance threshold records its links; unknown targets become expressions only
 * within the depth limit.
 */
export const htmlOutcome = (
  claimed: ClaimedUrl,
  page: HtmlPage,
  scored: ScoredExtraction | null,
  policy: LinkPolicy
): PageOutcome => {
  const response = {
    ...base(claimed),
    state: "fetched" as const,
    httpStatus: page.status,
    finalUrl: page.finalUrl,
    contentType: page.contentType,
    contentLength: page.bytes,
    headers: page.headers,
    error: null
  }
  if (page.status >= 400 || scored === null) {
    return { ...response, error: scored === null && page.status < 400 ? "extraction failed" : null }
  }
  const { extraction, relevance: score } = scored
  const follows = score >= policy.minRelevance
  return {
    ...response,
    content: {
      title: extraction.title,
      description: extraction.description,
      keywords: extraction.keywords,
      language: extraction.lang,
      canonicalUrl: extraction.canonicalUrl,
      publishedAt: extraction.publishedAt,
      html: page.body,
      readable: extraction.readableMarkdown === "" ? null : extraction.readableMarkdown,
      readableSource: extraction.readableSource,
      wordCount: extraction.wordCount,
      readingTime: extraction.readingTimeMinutes,
      relevance: score
    },
    links: follows ? outLinks(extraction.links) : [],
    createTargets: follows && claimed.depth + 1 <= policy.maxDepth,
    media: extraction.media,
    domainRootOf: isDomainRoot(claimed.normalizedUrl) ? urlHost(claimed.normalizedUrl) : null
  }
}

/** The links stage: one page's outcome under the crawl's link policy. */
export const pageOutcome = (policy: LinkPolicy) => (x: Extracted): PageOutcome => {
  switch (x._tag) {
    case "Unfetched":
      return failedOutcome(x.claimed, x.failure)
    case "NotHtml":
      return notHtmlOutcome(x.claimed, x.page)
    case "Html":
      // The response is kept (status, headers); a page the extractor gave up on ends failed with its reason.
      return x.extractionError === null
        ? htmlOutcome(x.claimed, x.page, x.scored, policy)
        : { ...htmlOutcome(x.claimed, x.page, null, policy), state: "failed", error: x.extractionError }
  }
}

import type { ExpressionId } from "./ids.js"
import type { MediaType } from "./media.js"

// What the crawl's stages hand to the store: one page's terminal state, content and place in the graph.

export type TerminalState = "fetched" | "skipped" | "failed"

export interface PageContent {
  readonly title: string | null
  readonly description: string | null
  readonly keywords: string | null
  readonly language: string | null
  readonly canonicalUrl: string | null
  readonly publishedAt: string | null
  readonly html: string | null
  readonly readable: string | null
  readonly readableSource: string | null
  readonly wordCount: number | null
  readonly readingTime: number | null
  readonly relevance: number | null
}

export interface OutLink {
  readonly url: string
  readonly normalizedUrl: string
  readonly host: string
  readonly anchorText: string
  readonly rel: string | null
  readonly internal: boolean
}

export interface PageMedia {
  readonly url: string
  readonly type: MediaType
  readonly alt: string | null
}

/** A page's place in the graph: what it links to and shows. */
export interface PageGraph {
  readonly expressionId: ExpressionId
  readonly depth: number
  /** Links to record as edges (the page passed the relevance threshold); empty otherwise. */
  readonly links: ReadonlyArray<OutLink>
  /** Whether unknown link targets become new expressions at depth + 1 (within the depth limit). */
  readonly createTargets: boolean
  readonly media: ReadonlyArray<PageMedia>
  /** Whether the page's previous outgoing edges are dropped first. */
  readonly replaceLinks: boolean
}

/** Everything the crawl learnt about one URL, written in one go. */
export interface PageOutcome extends Omit<PageGraph, "replaceLinks"> {
  readonly state: TerminalState
  readonly httpStatus: number | null
  readonly finalUrl: string | null
  readonly contentType: string | null
  readonly contentLength: number | null
  readonly headers: Readonly<Record<string, string>> | null
  readonly error: string | null
  readonly content: PageContent | null
  /** The host this page is the home page of, whose domain row takes the page's metadata. */
  readonly domainRootOf: string | null
}

import { Schema } from "effect"

/**
 * Where a URL stands in the crawl. `claimed` is held by a running job; every other URL ends in one of the three
 * terminal states, each with its reason.
 */
export const CrawlState = Schema.Literal("pending", "claimed", "fetched", "skipped", "failed")
export type CrawlState = typeof CrawlState.Type

export const ReadableSource = Schema.Literal("readability", "heuristic", "archive", "none")
export type ReadableSource = typeof ReadableSource.Type

export const LinkType = Schema.Literal("internal", "external")
export type LinkType = typeof LinkType.Type

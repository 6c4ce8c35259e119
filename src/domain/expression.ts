import { Schema } from "effect"
import { DomainId, ExpressionId, JobId, LandId } from "./ids.js"

/**
 * Where a URL stands in the crawl. `claimed` is held by a running job; every other URL ends in one of the three
 * terminal states, each with its reason.
 */
export const CrawlState = Schema.Literal("pending", "claimed", "fetched", "skipped", "failed")
export type CrawlState = typeof CrawlState.Type

export const ReadableSource = Schema.Literal("readability", "heuristic", "archive", "none")
export type ReadableSource = typeof ReadableSource.Type

export class Expression extends Schema.Class<Expression>("Expression")({
  id: ExpressionId,
  landId: LandId,
  domainId: DomainId,
  url: Schema.String,
  normalizedUrl: Schema.String,
  depth: Schema.Int,
  crawlState: CrawlState,
  claimedBy: Schema.NullOr(JobId),
  httpStatus: Schema.NullOr(Schema.Int),
  finalUrl: Schema.NullOr(Schema.String),
  contentType: Schema.NullOr(Schema.String),
  contentLength: Schema.NullOr(Schema.Number),
  headers: Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.String })),
  title: Schema.NullOr(Schema.String),
  description: Schema.NullOr(Schema.String),
  keywords: Schema.NullOr(Schema.String),
  language: Schema.NullOr(Schema.String),
  canonicalUrl: Schema.NullOr(Schema.String),
  publishedAt: Schema.NullOr(Schema.DateFromSelf),
  html: Schema.NullOr(Schema.String),
  readable: Schema.NullOr(Schema.String),
  readableSource: Schema.NullOr(ReadableSource),
  wordCount: Schema.NullOr(Schema.Int),
  readingTime: Schema.NullOr(Schema.Int),
  relevance: Schema.NullOr(Schema.Number),
  fetchedAt: Schema.NullOr(Schema.DateFromSelf),
  readableAt: Schema.NullOr(Schema.DateFromSelf),
  approvedAt: Schema.NullOr(Schema.DateFromSelf),
  error: Schema.NullOr(Schema.String),
  createdAt: Schema.DateFromSelf,
  updatedAt: Schema.DateFromSelf
}) {}

export const LinkType = Schema.Literal("internal", "external")
export type LinkType = typeof LinkType.Type

export class ExpressionLink extends Schema.Class<ExpressionLink>("ExpressionLink")({
  sourceId: ExpressionId,
  targetId: ExpressionId,
  anchorText: Schema.NullOr(Schema.String),
  rel: Schema.NullOr(Schema.String),
  linkType: LinkType,
  createdAt: Schema.DateFromSelf
}) {}

export class Domain extends Schema.Class<Domain>("Domain")({
  id: DomainId,
  landId: LandId,
  host: Schema.String,
  title: Schema.NullOr(Schema.String),
  description: Schema.NullOr(Schema.String),
  keywords: Schema.NullOr(Schema.String),
  language: Schema.NullOr(Schema.String),
  httpStatus: Schema.NullOr(Schema.Int),
  fetchedAt: Schema.NullOr(Schema.DateFromSelf),
  createdAt: Schema.DateFromSelf
}) {}

import { Schema } from "effect"
import { CrawlState, LinkType } from "../domain/expression.js"
import { JobCounters, JobKind, JobStatus } from "../domain/job.js"
import { LandSummary } from "../domain/land.js"
import { DominantColor, MediaType } from "../domain/media.js"

// The JSON shapes of the API. Dates travel as ISO 8601 strings; ids are integers.

const Id = Schema.Int
const DateTime = Schema.Date
const Nullable = <S extends Schema.Schema.Any>(s: S) => Schema.NullOr(s)

export const LandJson = Schema.Struct({
  ...LandSummary.fields,
  createdAt: DateTime,
  updatedAt: DateTime
}).annotations({ identifier: "Land" })

export const Page = <S extends Schema.Schema.Any>(item: S) =>
  Schema.Struct({ items: Schema.Array(item), total: Schema.Int, limit: Schema.Int, offset: Schema.Int })

export const TermJson = Schema.Struct({ term: Schema.String, lemma: Schema.String, weight: Schema.Number })
  .annotations({ identifier: "Term" })

export const TermInput = Schema.Union(
  Schema.String,
  Schema.Struct({ term: Schema.String, weight: Schema.optional(Schema.Number) })
)

export const TermsReport = Schema.Struct({
  added: Schema.Array(Schema.String),
  existing: Schema.Array(Schema.String),
  rescored: Schema.Int
})

export const UrlsReport = Schema.Struct({
  added: Schema.Array(Schema.Struct({ url: Schema.String, id: Id })),
  existing: Schema.Array(Schema.Struct({ url: Schema.String, id: Id })),
  invalid: Schema.Array(Schema.Struct({ input: Schema.String, reason: Schema.String }))
})

export const JobJson = Schema.Struct({
  id: Id,
  landId: Id,
  kind: JobKind,
  parameters: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  status: JobStatus,
  counters: JobCounters,
  progress: Schema.Number,
  stage: Nullable(Schema.String),
  result: Nullable(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  error: Nullable(Schema.String),
  createdAt: DateTime,
  startedAt: Nullable(DateTime),
  finishedAt: Nullable(DateTime)
}).annotations({ identifier: "Job" })

export const ExpressionItem = Schema.Struct({
  id: Id,
  url: Schema.String,
  domain: Schema.String,
  depth: Schema.Int,
  crawlState: CrawlState,
  httpStatus: Nullable(Schema.Int),
  title: Nullable(Schema.String),
  description: Nullable(Schema.String),
  language: Nullable(Schema.String),
  relevance: Nullable(Schema.Number),
  wordCount: Nullable(Schema.Int),
  publishedAt: Nullable(DateTime),
  fetchedAt: Nullable(DateTime),
  error: Nullable(Schema.String)
}).annotations({ identifier: "ExpressionItem" })

export const LinkJson = Schema.Struct({
  id: Id,
  url: Schema.String,
  title: Nullable(Schema.String),
  anchorText: Nullable(Schema.String),
  rel: Nullable(Schema.String),
  linkType: LinkType
})

export const MediaJson = Schema.Struct({
  id: Id,
  url: Schema.String,
  type: MediaType,
  alt: Nullable(Schema.String),
  mimeType: Nullable(Schema.String),
  width: Nullable(Schema.Int),
  height: Nullable(Schema.Int),
  fileSize: Nullable(Schema.Number),
  format: Nullable(Schema.String),
  dominantColors: Nullable(Schema.Array(DominantColor)),
  exif: Nullable(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  sha256: Nullable(Schema.String),
  phash: Nullable(Schema.String),
  analyzedAt: Nullable(DateTime),
  analysisError: Nullable(Schema.String)
}).annotations({ identifier: "Media" })

/** A media of the land's media list, with all of its analysis. */
export const MediaItemJson = Schema.Struct({
  ...MediaJson.fields,
  expressionId: Id,
  colorMode: Nullable(Schema.String),
  channels: Nullable(Schema.Int),
  hasTransparency: Nullable(Schema.Boolean),
  aspectRatio: Nullable(Schema.Number),
  websafeColors: Nullable(Schema.Record({ key: Schema.String, value: Schema.Number })),
  createdAt: DateTime,
  /** Bits between this image's perceptual hash and the reference's, for a near-duplicate query. */
  distance: Nullable(Schema.Int)
}).annotations({ identifier: "MediaItem" })

export const ExpressionDetail = Schema.Struct({
  ...ExpressionItem.fields,
  landId: Id,
  finalUrl: Nullable(Schema.String),
  contentType: Nullable(Schema.String),
  keywords: Nullable(Schema.String),
  canonicalUrl: Nullable(Schema.String),
  readable: Nullable(Schema.String),
  readableSource: Nullable(Schema.String),
  readableAt: Nullable(DateTime),
  /** Why the last readable job found no readable content for this page; null when it found some. */
  readableError: Nullable(Schema.String),
  readingTime: Nullable(Schema.Int),
  outgoing: Schema.Array(LinkJson),
  incoming: Schema.Array(LinkJson),
  media: Schema.Array(MediaJson)
}).annotations({ identifier: "ExpressionDetail" })

export const DomainJson = Schema.Struct({
  id: Id,
  host: Schema.String,
  title: Nullable(Schema.String),
  pageCount: Schema.Int,
  fetchedCount: Schema.Int,
  averageRelevance: Nullable(Schema.Number)
}).annotations({ identifier: "Domain" })

export const GraphJson = Schema.Struct({
  nodes: Schema.Array(Schema.Struct({
    id: Id,
    url: Schema.String,
    title: Nullable(Schema.String),
    domain: Schema.String,
    depth: Schema.Int,
    relevance: Nullable(Schema.Number)
  })),
  edges: Schema.Array(Schema.Struct({ source: Id, target: Id, linkType: LinkType, anchorText: Nullable(Schema.String) }))
}).annotations({ identifier: "Graph" })

export const StatsJson = Schema.Struct({
  expressions: Schema.Int,
  byState: Schema.Record({ key: Schema.String, value: Schema.Int }),
  byHttpStatus: Schema.Record({ key: Schema.String, value: Schema.Int }),
  byDepth: Schema.Record({ key: Schema.String, value: Schema.Int }),
  domains: Schema.Int,
  links: Schema.Int,
  media: Schema.Int,
  relevance: Schema.Struct({ min: Nullable(Schema.Number), max: Nullable(Schema.Number), average: Nullable(Schema.Number) }),
  lastFetchedAt: Nullable(DateTime)
}).annotations({ identifier: "Stats" })

export const UserJson = Schema.Struct({
  id: Id,
  username: Schema.String,
  email: Nullable(Schema.String),
  isAdmin: Schema.Boolean,
  isActive: Schema.Boolean,
  createdAt: DateTime,
  lastLoginAt: Nullable(DateTime)
}).annotations({ identifier: "User" })

export const TokenJson = Schema.Struct({
  id: Id,
  name: Schema.String,
  createdAt: DateTime,
  lastUsedAt: Nullable(DateTime),
  expiresAt: Nullable(DateTime),
  revokedAt: Nullable(DateTime)
}).annotations({ identifier: "Token" })

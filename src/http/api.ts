import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiMiddleware, HttpApiSchema, HttpApiSecurity, OpenApi } from "@effect/platform"
import { Context, Schema } from "effect"
import { CrawlState } from "../domain/expression.js"
import { MediaId } from "../domain/ids.js"
import { MediaType } from "../domain/media.js"
import { CrawlOptions } from "../streams/crawl-options.js"
import { EmbedOptions } from "../streams/embed-options.js"
import { MediaOptions } from "../streams/media-options.js"
import { ReadableOptions } from "../streams/readable-options.js"
import {
  DomainJson,
  ExpressionDetail,
  ExpressionItem,
  GraphJson,
  JobJson,
  LandJson,
  MediaItemJson,
  Page,
  StatsJson,
  TermInput,
  TermJson,
  TermsReport,
  TokenJson,
  UrlsReport,
  UserJson
} from "./dto.js"
import {
  DuplicateUser,
  Forbidden,
  InvalidCredentials,
  TokenNotFound,
  TooManyAttempts,
  Unauthorized,
  UserNotFound
} from "../domain/account-errors.js"
import {
  DatabaseError,
  DuplicateLand,
  ExpressionNotFound,
  InvalidInput,
  JobAlreadyRunning,
  JobNotFound,
  JobNotResumable,
  JobNotRunning,
  LandNotFound
} from "../domain/errors.js"
import { MediaNotFound } from "../domain/media-analysis.js"
import {
  EmbeddingBadResponse,
  EmbeddingKeyMissing,
  EmbeddingKeyRejected,
  EmbeddingRateLimited,
  EmbeddingServerError
} from "../domain/embedding-errors.js"
import { apiError, documentDecodeFailures } from "./errors.js"
import { IdParam, IntParam, MAX_ID, NumberParam } from "./params.js"
import { SearchGroup } from "./search-api.js"

/** The authenticated caller. */
export class CurrentUser extends Context.Tag("mwi/CurrentUser")<CurrentUser, {
  readonly id: number
  readonly username: string
  readonly isAdmin: boolean
}>() {}

export class Authentication extends HttpApiMiddleware.Tag<Authentication>()("Authentication", {
  failure: Schema.Union(apiError(Unauthorized), apiError(DatabaseError)),
  provides: CurrentUser,
  security: { bearer: HttpApiSecurity.bearer }
}) {}

const id = HttpApiSchema.param("id", IdParam)
const term = HttpApiSchema.param("term", Schema.String)
const MediaIdFromString = IdParam.pipe(Schema.compose(MediaId))
const mediaId = HttpApiSchema.param("mediaId", MediaIdFromString)

const Limit = IntParam(1, 500)
const Offset = IntParam(0, MAX_ID)
const Pagination = { limit: Schema.optional(Limit), offset: Schema.optional(Offset) }
const MinRelevance = NumberParam(0)

export const ExpressionFilters = Schema.Struct({
  ...Pagination,
  minrel: Schema.optional(MinRelevance),
  depth: Schema.optional(IntParam(0, 1000)),
  status: Schema.optional(IntParam(0, 999)),
  state: Schema.optional(CrawlState),
  q: Schema.optional(Schema.String.pipe(Schema.maxLength(500))),
  domain: Schema.optional(Schema.String.pipe(Schema.maxLength(255)).annotations({ description: "only the pages of this host (a domain of the land)" })),
  sort: Schema.optional(Schema.Literal("relevance", "depth", "fetched", "title", "url", "id")),
  order: Schema.optional(Schema.Literal("asc", "desc"))
})
export type ExpressionFilters = typeof ExpressionFilters.Type

const Name = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(255))
const Lang = Schema.Union(Schema.String, Schema.Array(Schema.String))

export class AuthGroup extends HttpApiGroup.make("auth")
  .add(HttpApiEndpoint.post("login", "/auth/login")
    .setPayload(Schema.Struct({ username: Schema.String, password: Schema.String, tokenName: Schema.optional(Schema.String) }))
    .addSuccess(Schema.Struct({ token: Schema.String, tokenId: Schema.Int, user: UserJson }))
    .addError(apiError(InvalidCredentials))
    .addError(apiError(Unauthorized))
    .addError(apiError(TooManyAttempts))
    .addError(apiError(InvalidInput))
    .addError(apiError(UserNotFound)))
  .prefix("/api/v1") {}

export class AccountGroup extends HttpApiGroup.make("account")
  .add(HttpApiEndpoint.get("me", "/me").addSuccess(UserJson).addError(apiError(UserNotFound)))
  .add(HttpApiEndpoint.get("listTokens", "/tokens").addSuccess(Schema.Array(TokenJson)))
  .add(HttpApiEndpoint.post("createToken", "/tokens")
    .setPayload(Schema.Struct({ name: Schema.String.pipe(Schema.maxLength(100)), expiresInDays: Schema.optional(Schema.Int.pipe(Schema.between(1, 3650))) }))
    .addSuccess(Schema.Struct({ token: Schema.String, tokenId: Schema.Int }))
    .addError(apiError(InvalidInput))
    .addError(apiError(UserNotFound)))
  .add(HttpApiEndpoint.del("revokeToken")`/tokens/${id}`.addSuccess(HttpApiSchema.NoContent).addError(apiError(TokenNotFound)))
  .add(HttpApiEndpoint.get("listUsers", "/users").addSuccess(Schema.Array(UserJson)).addError(apiError(Forbidden)))
  .add(HttpApiEndpoint.post("createUser", "/users")
    .setPayload(Schema.Struct({ username: Schema.String, password: Schema.String, email: Schema.optional(Schema.String), isAdmin: Schema.optional(Schema.Boolean) }))
    .addSuccess(UserJson, { status: 201 })
    .addError(apiError(Forbidden))
    .addError(apiError(DuplicateUser))
    .addError(apiError(InvalidInput)))
  .middleware(Authentication)
  .prefix("/api/v1") {}

// Another user's land, job or expression is reported as absent (404), never as forbidden: ids of others leak nothing.
const landNotFound = apiError(LandNotFound)
const jobNotFound = apiError(JobNotFound)
const invalidInput = apiError(InvalidInput)

export class LandsGroup extends HttpApiGroup.make("lands")
  .add(HttpApiEndpoint.post("create", "/lands")
    .setPayload(Schema.Struct({
      name: Name,
      description: Schema.optional(Schema.String.pipe(Schema.maxLength(10_000))),
      lang: Schema.optional(Lang),
      terms: Schema.optional(Schema.Union(Schema.String, Schema.Array(TermInput)))
    }))
    .addSuccess(LandJson, { status: 201 })
    .addError(apiError(DuplicateLand))
    .addError(invalidInput)
    .addError(landNotFound))
  .add(HttpApiEndpoint.get("list", "/lands")
    .setUrlParams(Schema.Struct({ ...Pagination, name: Schema.optional(Schema.String) }))
    .addSuccess(Page(LandJson)))
  .add(HttpApiEndpoint.get("get")`/lands/${id}`.addSuccess(LandJson).addError(landNotFound))
  .add(HttpApiEndpoint.patch("update")`/lands/${id}`
    .setPayload(Schema.Struct({ name: Schema.optional(Name), description: Schema.optional(Schema.String), lang: Schema.optional(Lang) }))
    .addSuccess(LandJson)
    .addError(landNotFound)
    .addError(apiError(DuplicateLand))
    .addError(invalidInput))
  .add(HttpApiEndpoint.del("delete")`/lands/${id}`.addSuccess(HttpApiSchema.NoContent).addError(landNotFound))
  .add(HttpApiEndpoint.get("terms")`/lands/${id}/terms`.addSuccess(Schema.Array(TermJson)).addError(landNotFound))
  .add(HttpApiEndpoint.post("addTerms")`/lands/${id}/terms`
    .setPayload(Schema.Struct({ terms: Schema.Union(Schema.String, Schema.Array(TermInput)) }))
    .addSuccess(TermsReport)
    .addError(landNotFound)
    .addError(invalidInput))
  .add(HttpApiEndpoint.del("removeTerm")`/lands/${id}/terms/${term}`
    .addSuccess(Schema.Struct({ removed: Schema.Array(Schema.String), rescored: Schema.Int }))
    .addError(landNotFound)
    .addError(invalidInput))
  .add(HttpApiEndpoint.post("addUrls")`/lands/${id}/urls`
    .setPayload(Schema.Struct({ urls: Schema.Array(Schema.String).pipe(Schema.maxItems(100_000)) }))
    .addSuccess(UrlsReport)
    .addError(landNotFound))
  .add(HttpApiEndpoint.get("stats")`/lands/${id}/stats`.addSuccess(StatsJson).addError(landNotFound))
  .add(HttpApiEndpoint.get("domains")`/lands/${id}/domains`
    .setUrlParams(Schema.Struct({ ...Pagination, minrel: Schema.optional(MinRelevance) }))
    .addSuccess(Page(DomainJson))
    .addError(landNotFound))
  .add(HttpApiEndpoint.get("graph")`/lands/${id}/graph`
    .setUrlParams(Schema.Struct({ minrel: Schema.optional(MinRelevance), limit: Schema.optional(IntParam(1, 100_000)) }))
    .addSuccess(GraphJson)
    .addError(landNotFound))
  .add(HttpApiEndpoint.get("expressions")`/lands/${id}/expressions`.setUrlParams(ExpressionFilters).addSuccess(Page(ExpressionItem)).addError(landNotFound))
  .add(HttpApiEndpoint.get("expression")`/expressions/${id}`.addSuccess(ExpressionDetail).addError(apiError(ExpressionNotFound)))
  .middleware(Authentication)
  .prefix("/api/v1") {}

const BooleanFromString = Schema.BooleanFromString.annotations({ description: "true or false", jsonSchema: { type: "boolean" } })

export const MediaFilters = Schema.Struct({
  ...Pagination,
  type: Schema.optional(MediaType),
  minWidth: Schema.optional(IntParam(0, MAX_ID).annotations({
    description: "only media at least this many pixels wide (known once analysed)"
  })),
  hasExif: Schema.optional(BooleanFromString.annotations({ description: "only images with (true) or without (false) EXIF details" })),
  analysed: Schema.optional(BooleanFromString.annotations({ description: "only media analysed (true, with or without an error) or not yet (false)" })),
  error: Schema.optional(BooleanFromString.annotations({ description: "only media whose analysis failed (true) or did not (false)" })),
  nearDuplicatesOf: Schema.optional(MediaIdFromString.annotations({
    description: "only images that look like this media of the land (perceptual hashes), nearest first, each with its distance"
  })),
  maxDistance: Schema.optional(IntParam(0, 64).annotations({
    description: "largest Hamming distance between 64-bit perceptual hashes for nearDuplicatesOf (default 10)"
  }))
})
export type MediaFilters = typeof MediaFilters.Type

export class MediaGroup extends HttpApiGroup.make("media")
  .add(HttpApiEndpoint.get("list")`/lands/${id}/media`.setUrlParams(MediaFilters).addSuccess(Page(MediaItemJson)).addError(landNotFound).addError(invalidInput))
  .add(HttpApiEndpoint.get("get")`/lands/${id}/media/${mediaId}`.addSuccess(MediaItemJson).addError(landNotFound).addError(apiError(MediaNotFound)))
  .middleware(Authentication)
  .prefix("/api/v1") {}

export const CrawlRequest = CrawlOptions.pipe(Schema.omit("userAgent"))
const Started = Schema.Struct({ jobId: Schema.Int })

export class JobsGroup extends HttpApiGroup.make("jobs")
  // A crawl with `embed` chooses its model first (the land's, else MWI_EMBED_PROVIDER's): a missing key fails before it starts.
  .add(HttpApiEndpoint.post("crawl")`/lands/${id}/crawl`.setPayload(CrawlRequest).addSuccess(Started, { status: 202 }).addError(landNotFound).addError(apiError(JobAlreadyRunning))
    .addError(invalidInput).addError(apiError(EmbeddingKeyMissing)))
  // The same under /jobs/, beside the other kinds.
  .add(HttpApiEndpoint.post("crawlJob")`/lands/${id}/jobs/crawl`.setPayload(CrawlRequest).addSuccess(Started, { status: 202 }).addError(landNotFound).addError(apiError(JobAlreadyRunning))
    .addError(invalidInput).addError(apiError(EmbeddingKeyMissing)))
  .add(HttpApiEndpoint.post("media")`/lands/${id}/jobs/media`.setPayload(MediaOptions).addSuccess(Started, { status: 202 }).addError(landNotFound).addError(apiError(JobAlreadyRunning)))
  .add(HttpApiEndpoint.post("readable")`/lands/${id}/jobs/readable`.setPayload(ReadableOptions).addSuccess(Started, { status: 202 }).addError(landNotFound).addError(apiError(JobAlreadyRunning)))
  // The model is chosen before the job starts: a missing key, or a server that refuses it when asked for the
  // dimension of a model it does not list, answers at once.
  .add(HttpApiEndpoint.post("embed")`/lands/${id}/jobs/embed`.setPayload(EmbedOptions).addSuccess(Started, { status: 202 })
    .addError(landNotFound)
    .addError(apiError(JobAlreadyRunning))
    .addError(invalidInput)
    .addError(apiError(EmbeddingKeyMissing))
    .addError(apiError(EmbeddingKeyRejected))
    .addError(apiError(EmbeddingRateLimited))
    .addError(apiError(EmbeddingServerError))
    .addError(apiError(EmbeddingBadResponse)))
  .add(HttpApiEndpoint.get("landJobs")`/lands/${id}/jobs`.setUrlParams(Schema.Struct(Pagination)).addSuccess(Page(JobJson)).addError(landNotFound))
  .add(HttpApiEndpoint.get("get")`/jobs/${id}`.addSuccess(JobJson).addError(jobNotFound))
  .add(HttpApiEndpoint.post("cancel")`/jobs/${id}/cancel`.addSuccess(JobJson).addError(jobNotFound).addError(apiError(JobNotRunning)))
  .add(HttpApiEndpoint.post("resume")`/jobs/${id}/resume`.addSuccess(Started, { status: 202 })
    .addError(jobNotFound)
    .addError(apiError(JobNotResumable))
    .addError(apiError(JobAlreadyRunning))
    .addError(invalidInput))
  .middleware(Authentication)
  .prefix("/api/v1") {}

export class MwiApi extends HttpApi.make("mwi")
  .add(AuthGroup)
  .add(AccountGroup)
  .add(LandsGroup)
  .add(MediaGroup)
  .add(JobsGroup)
  .add(SearchGroup.middleware(Authentication))
  // Every endpoint reads the database.
  .addError(apiError(DatabaseError))
  .annotate(OpenApi.Transform, documentDecodeFailures)
  .annotate(OpenApi.Title, "MyWebIntelligence API")
  .annotate(OpenApi.Description, "Lands, dictionaries, seeds, crawl, media, readable and embed jobs, expressions, media, domains and the link graph.") {}

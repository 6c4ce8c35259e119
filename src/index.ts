// The package's public surface (`import … from "mywebintelligence"`): what a program needs to compose the layers and
// crawl, read and export a land, or serve the API. Modules not named here are internal and may change at any time.

// Database: a SqlClient over embedded PGlite or a PostgreSQL server, migrated when the layer is built.
export {
  DatabaseLive,
  type DatabaseTarget,
  DatabaseTargetConfig,
  describeTarget,
  layerFor
} from "./services/Database.js"

// Lands: create a land, its dictionary and its seeds; rescoring.
export { type CreateLand, Lands, type TermsReport, type UrlsReport } from "./services/Lands.js"

// Jobs, each with its options (a Schema: decode a plain object into them), its summary and the layer it needs over a
// SqlClient. A job's environment sets whether it may reach private addresses and which job it resumes.
export { type CrawlEnvironment, crawlLand, CrawlerLive, CrawlerRepositories } from "./streams/crawl.js"
export { CrawlOptions, CrawlSummary } from "./streams/crawl-options.js"
export { type ReadableEnvironment, readableLand, ReadableLive } from "./streams/readable.js"
export { MergeStrategy, ReadableOptions, ReadableSummary } from "./streams/readable-options.js"
export { analyseAfterCrawl, analyseLandMedia, type MediaEnvironment, MediaLive } from "./streams/media-analysis.js"
export { MediaOptions, MediaSummary } from "./streams/media-options.js"
export type { JobEnvironment } from "./streams/job-run.js"
export { JobSupervisor, type SupervisorOptions } from "./streams/supervisor.js"

// The parts the job layers are made of, for a program that provides its own.
export { ExtractorPool, type ExtractorPoolSettings } from "./services/ExtractorPool.js"
export type { FetcherSettings } from "./services/Fetcher.js"

// Job progress: every job publishes its events here; subscribe to watch them.
export { JobEvent, Progress } from "./services/Progress.js"

// Reading and exporting what a land holds.
export { type ExpressionQuery, ExpressionQueries } from "./services/ExpressionQueries.js"
export { type ExportFile, Exporter } from "./services/Exporter.js"
export {
  contentDisposition,
  type ExportCounts,
  exportFilename,
  ExportFilters,
  ExportType,
  exportTypes
} from "./domain/export-types.js"

// Accounts, for a program that serves the API (users, tokens, the first administrator).
export { Accounts, type BootstrapResult, type NewUser } from "./services/Accounts.js"

// The HTTP API: its definition (for HttpApiClient and the OpenAPI document) and the layer serving it on an HttpServer.
export { MwiApi } from "./http/api.js"
export { ApiLive, apiServices } from "./http/server.js"

// Domain types.
export { DomainId, ExpressionId, JobId, LandId, MediaId, UserId } from "./domain/ids.js"
export { DictionaryEntry, Land, LandSummary, Word } from "./domain/land.js"
export { Job, JobCounters, JobKind, JobStatus } from "./domain/job.js"
export { CrawlState, Domain } from "./domain/expression.js"
export { Extraction } from "./domain/extraction.js"
export { DominantColor, Media, MediaType } from "./domain/media.js"
export { ApiToken, User } from "./domain/user.js"
export type { FetchFailure } from "./domain/fetch.js"
export type { MediaFailure } from "./domain/media-analysis.js"

// Domain errors, as they appear in the error channel.
export {
  AmbiguousLandName,
  DatabaseUnavailable,
  DataDirLocked,
  DuplicateLand,
  ExpressionNotFound,
  FileUnreadable,
  InvalidInput,
  InvalidUrl,
  JobAlreadyRunning,
  JobNotFound,
  LandNotFound
} from "./domain/errors.js"
export {
  DuplicateUser,
  InvalidCredentials,
  TokenNotFound,
  TooManyAttempts,
  Unauthorized,
  UserNotFound
} from "./domain/account-errors.js"
export { FileUnwritable } from "./domain/export-types.js"
export { ExtractionFailed } from "./domain/extraction.js"
export { MediaNotFound } from "./domain/media-analysis.js"
export { JobNotResumable, JobNotRunning } from "./streams/supervisor.js"

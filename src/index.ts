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

// The application, composed once (src/layers.ts): `AppLive` on the configured database, `ServicesLive` over a
// SqlClient of your choice, `ServerLive`/`HttpLive` for the API. `AppOptions` sets what a program may choose over the
// environment (private networks, fetcher settings).
export {
  AppLive,
  type AppOptions,
  HttpLive,
  type Listen,
  NetworkLive,
  RepositoriesLive,
  ServerLive,
  ServicesLive,
  WorkersLive
} from "./layers.js"

// Jobs, each with its options (a Schema: decode a plain object into them) and its summary. Their hooks say which job
// to resume and let a caller learn the job's id or cancel it.
export { crawlLand } from "./streams/crawl.js"
export { CrawlOptions, CrawlSummary } from "./streams/crawl-options.js"
export { readableLand } from "./streams/readable.js"
export { MergeStrategy } from "./domain/readable-merge.js"
export { ReadableOptions, ReadableSummary } from "./streams/readable-options.js"
export { analyseAfterCrawl, analyseLandMedia } from "./streams/media-analysis.js"
export { MediaOptions, MediaSummary } from "./streams/media-options.js"
export type { JobHooks } from "./streams/job-run.js"
export { JobSupervisor } from "./streams/supervisor.js"

// The parts the layers are made of, for a program or a test that provides its own (another HTTP client, no robots.txt,
// a different archive).
export { CrawlerHttpClient } from "./services/CrawlerHttpClient.js"
export { ExtractorPool, type ExtractorPoolSettings } from "./services/ExtractorPool.js"
export { Fetcher } from "./services/Fetcher.js"
export { FetcherConfig, type FetcherSettings } from "./services/FetcherConfig.js"
export { NetworkGuard } from "./services/NetworkGuard.js"
export { type HostLimits, type HostWork, type Lane, Politeness } from "./services/Politeness.js"
export { Robots, type RobotsPolicy, type RobotsVerdict } from "./services/Robots.js"
export { WebArchive } from "./services/WebArchive.js"

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

// The HTTP API's definition, for HttpApiClient and the OpenAPI document (served by `HttpLive` above).
export { MwiApi } from "./http/api.js"

// Domain types.
export { DomainId, ExpressionId, JobId, LandId, MediaId, UserId } from "./domain/ids.js"
export { DictionaryEntry, Land, LandSummary, Word } from "./domain/land.js"
export { Job, JobCounters, JobKind, JobStatus } from "./domain/job.js"
export { CrawlState } from "./domain/expression.js"
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
  JobNotResumable,
  JobNotRunning,
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

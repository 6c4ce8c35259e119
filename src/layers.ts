import type { HttpServer } from "@effect/platform"
import { type NodeContext, NodeHttpServer } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import { Context, Effect, Layer } from "effect"
import { Application } from "./cli/app.js"
import { runLocal } from "./cli/index.js"
import { type ServerCli, serveLocalCli } from "./cli/remote-run.js"
import { createServer } from "node:http"
import { HttpAppLive } from "./http/server.js"
import { Accounts } from "./services/Accounts.js"
import { CrawlerHttpClient } from "./services/CrawlerHttpClient.js"
import { DatabaseInfo, DatabaseLive } from "./services/Database.js"
import { DictionaryRepo } from "./services/DictionaryRepo.js"
import { Embedders } from "./services/Embedders.js"
import { ExpressionQueries } from "./services/ExpressionQueries.js"
import { Exporter } from "./services/Exporter.js"
import { ExtractorPool } from "./services/ExtractorPool.js"
import { InlineEmbedding } from "./services/InlineEmbedding.js"
import { Fetcher } from "./services/Fetcher.js"
import { FetcherConfig, type FetcherSettings } from "./services/FetcherConfig.js"
import { Frontier } from "./services/Frontier.js"
import { HostLeases } from "./services/HostLeases.js"
import { JobRepo } from "./services/JobRepo.js"
import { LandRepo } from "./services/LandRepo.js"
import { Lands } from "./services/Lands.js"
import { LocalAdmin } from "./services/LocalAdmin.js"
import { MediaAnalyzer } from "./services/MediaAnalyzer.js"
import { MediaRepo } from "./services/MediaRepo.js"
import { NetworkGuard } from "./services/NetworkGuard.js"
import { PageStore } from "./services/PageStore.js"
import { ParagraphStore } from "./services/ParagraphStore.js"
import { Politeness } from "./services/Politeness.js"
import { Progress } from "./services/Progress.js"
import { ReadableStore } from "./services/ReadableStore.js"
import { Robots } from "./services/Robots.js"
import { Pseudolinks } from "./services/Pseudolinks.js"
import { SemanticSearch } from "./services/SemanticSearch.js"
import { VectorIndex, VectorIndexConfig, type VectorIndexSettings } from "./services/VectorIndex.js"
import { WebArchive } from "./services/WebArchive.js"
import { WorkerRegistry } from "./services/WorkerRegistry.js"
import { JobRelayLive } from "./http/job-relay.js"
import { JobSupervisor } from "./streams/supervisor.js"

// The application, composed once. Every layer reads its settings from `Config` (the environment); the options below
// are what a program or a command may choose over them. Each service is built once per process: one HTTP agent, one
// robots.txt cache, one politeness (per-host intervals shared by every job), one pool of extraction threads (started
// at the first page), one progress hub.

export interface AppOptions {
  /** Overrides `MWI_ALLOW_PRIVATE_NETWORK` (the CLI's `--allow-private-network`). */
  readonly allowPrivateNetwork?: boolean | undefined
  /** Fetcher settings over the environment's (timeouts, caps, retries, User-Agent). */
  readonly fetcher?: Partial<FetcherSettings> | undefined
  /** Replaces the HTTP client the Fetcher sends through (default: undici, connecting where the network guard allows). */
  readonly httpClient?: Layer.Layer<CrawlerHttpClient, unknown, FetcherConfig | NetworkGuard> | undefined
  /** Replaces the robots.txt policy (default: fetched and cached per origin; `Robots.allowAll` obeys none). */
  readonly robots?: Layer.Layer<Robots, unknown, Fetcher> | undefined
  /** The web archive the readable pipeline asks, over `MWI_ARCHIVE_URL`. */
  readonly archiveUrl?: string | undefined
  /** Vector index settings over the environment's (`MWI_VECTOR_INDEX_*`). */
  readonly vectorIndex?: Partial<VectorIndexSettings> | undefined
}

/**
 * The network, as the sites see it: guard → HTTP client → fetcher → robots.txt, the hosts' politeness, and the web
 * archive the readable pipeline falls back on.
 */
export const NetworkLive = (options: AppOptions = {}) =>
  Layer.mergeAll(
    options.robots ?? Robots.Default,
    Politeness.Default,
    WebArchive.layer(options.archiveUrl === undefined ? {} : { url: options.archiveUrl })
  ).pipe(
    Layer.provideMerge(Fetcher.Default),
    Layer.provideMerge(options.httpClient ?? CrawlerHttpClient.Default),
    Layer.provideMerge(Layer.merge(
      NetworkGuard.layer({ allowPrivateNetwork: options.allowPrivateNetwork }),
      FetcherConfig.layer(options.fetcher)
    ))
  )

/** The database's repositories (they need a SqlClient). */
export const RepositoriesLive = Layer.mergeAll(
  LandRepo.Default,
  DictionaryRepo.Default,
  Frontier.Default,
  PageStore.Default,
  ReadableStore.Default,
  JobRepo.Default,
  MediaRepo.Default,
  ExpressionQueries.Default,
  ParagraphStore.Default,
  LocalAdmin.Default,
  WorkerRegistry.Default
)

/** CPU work off the main thread: extraction threads, image decoding. */
export const WorkersLive = Layer.mergeAll(ExtractorPool.Default, MediaAnalyzer.Default)

/** Semantic search and pseudolinks, over one in-process vector index per land and model. */
export const SearchLive = (options: AppOptions = {}) =>
  Layer.mergeAll(SemanticSearch.Default, Pseudolinks.Default).pipe(
    Layer.provideMerge(VectorIndex.Default),
    Layer.provideMerge(VectorIndexConfig.layer(options.vectorIndex)),
    Layer.provide(Embedders.Default)
  )

/** Everything jobs, commands and the API use, over a SqlClient: provide `layerFor(target)` or `DatabaseLive`. */
export const ServicesLive = (options: AppOptions = {}) =>
  Layer.mergeAll(Lands.Default, Exporter.Default, Accounts.Default, Progress.Default, Embedders.Default, SearchLive(options), HostLeases.Default, InlineEmbedding.Default).pipe(
    Layer.provideMerge(Layer.mergeAll(RepositoriesLive, NetworkLive(options), WorkersLive))
  )

/** The application on the configured database (`MWI_DATABASE_URL`, else the embedded one in `MWI_DATA_DIR`). */
export const AppLive = (options: AppOptions = {}) => ServicesLive(options).pipe(Layer.provideMerge(DatabaseLive))

export interface Listen {
  readonly port: number
  readonly host: string
}

/** The HTTP API and WebSocket progress, with the job supervisor, served over the application's services. */
export const HttpLive = HttpAppLive.pipe(Layer.provideMerge(JobSupervisor.Default), Layer.provideMerge(JobRelayLive))

type App = Layer.Layer.Success<ReturnType<typeof AppLive>>

/**
 * The CLI of the server's data folder runs its commands on the server's services (src/cli/remote-run.ts); a command
 * with its own network options gets its own services over the server's database.
 */
const LocalCliLive = (options: AppOptions): Layer.Layer<ServerCli, never, App | HttpServer.HttpServer> =>
  serveLocalCli((served: Context.Context<App>) => (argv): Effect.Effect<void, unknown, NodeContext.NodeContext> => {
    // The database exists by now, whoever created it: the CLI is not told it is new.
    const app = Context.add(served, DatabaseInfo, { ...Context.get(served, DatabaseInfo), created: false })
    return runLocal(argv).pipe(Effect.provideService(Application, {
      app: (own: AppOptions = {}) =>
        Object.keys(own).length === 0
          ? Layer.succeedContext(app)
          : ServicesLive({ ...options, ...own }).pipe(Layer.provideMerge(Layer.succeedContext(Context.pick(SqlClient.SqlClient, DatabaseInfo)(app)))),
      workers: Layer.succeedContext(Context.pick(ExtractorPool, MediaAnalyzer)(app)),
      server: () => Layer.die("the server runs no second server for its CLI")
    }))
  })

/** The server: `HttpLive` listening on a TCP port, on the configured database. */
export const ServerLive = (listen: Listen, options: AppOptions = {}) =>
  HttpLive.pipe(
    Layer.provide(LocalCliLive(options)),
    Layer.provide(NodeHttpServer.layer(createServer, listen)),
    Layer.provideMerge(AppLive(options))
  )

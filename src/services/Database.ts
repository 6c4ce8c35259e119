import { PGlite } from "@electric-sql/pglite"
import { createPgConfig } from "@electric-sql/pglite/node-postgres"
import { Reactivity } from "@effect/experimental"
import { Migrator } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Config, Context, Duration, Effect, Layer, Option, Redacted } from "effect"
import * as path from "node:path"
import Pg from "pg"
import type { SqlError } from "@effect/sql/SqlError"
import { type DataDirLocked, DatabaseUnavailable } from "../domain/errors.js"
import { lockDataDir } from "./DataDirLock.js"
import { positiveInt } from "./config.js"
import initial from "./migrations/0001_initial.js"
import accounts from "./migrations/0002_accounts.js"
import readable from "./migrations/0003_readable.js"
import frontierByHost from "./migrations/0004_frontier_by_host.js"
import embeddings from "./migrations/0005_embeddings.js"
import pseudolinks from "./migrations/0006_pseudolinks.js"
import onedb from "./migrations/0007_onedb.js"
import workers from "./migrations/0008_workers.js"

const snakeToCamel = (s: string) => s.replace(/_(\w)/g, (_, c: string) => c.toUpperCase())
const camelToSnake = (s: string) => s.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase())
const transforms = { transformResultNames: snakeToCamel, transformQueryNames: camelToSnake } as const

export const migrations = {
  "0001_initial": initial,
  "0002_accounts": accounts,
  "0003_readable": readable,
  "0004_frontier_by_host": frontierByHost,
  "0005_embeddings": embeddings,
  "0006_pseudolinks": pseudolinks,
  "0007_onedb": onedb,
  "0008_workers": workers
}

/** Where the data lives, as given by the configuration; printed by commands so the user knows which one they hit. */
export type DatabaseTarget =
  | { readonly _tag: "Embedded"; readonly dataDir: string }
  | { readonly _tag: "Server"; readonly url: Redacted.Redacted }

export const describeTarget = (t: DatabaseTarget): string =>
  t._tag === "Embedded" ? `embedded PGlite in ${t.dataDir}` : `PostgreSQL ${redactUrl(Redacted.value(t.url))}`

const redactUrl = (url: string) => url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@")

export const DatabaseTargetConfig: Config.Config<DatabaseTarget> = Config.all({
  url: Config.option(Config.redacted("MWI_DATABASE_URL")),
  dataDir: Config.string("MWI_DATA_DIR").pipe(Config.withDefault("./data"))
}).pipe(Config.map(({ dataDir, url }): DatabaseTarget =>
  Option.isSome(url) && Redacted.value(url.value).trim() !== ""
    ? { _tag: "Server", url: url.value }
    : { _tag: "Embedded", dataDir: path.resolve(dataDir) }
))

/** PGlite behind @effect/sql-pg through PGlite's node-postgres adapter (effect-stack.md §4, option A). */
const embedded = (dataDir: string) =>
  Layer.unwrapScoped(Effect.gen(function*() {
    yield* lockDataDir(dataDir)
    const db = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => PGlite.create(path.join(dataDir, "pglite")),
        catch: (cause) => new DatabaseUnavailable({ target: dataDir, reason: String(cause) })
      }),
      (db) => Effect.promise(() => db.close())
    )
    return PgClient.layerFromPool({
      // PGlite is one session: a pool of exactly one client that is never closed while idle.
      acquire: Effect.acquireRelease(
        Effect.sync(() => new Pg.Pool({ ...createPgConfig(db), max: 1, idleTimeoutMillis: 0 })),
        (pool) => Effect.promise(() => pool.end())
      ),
      ...transforms
    })
  }))

/** Which database a process opened, and whether opening it created it (its first migration ran just now). */
export class DatabaseInfo extends Context.Tag("mwi/DatabaseInfo")<DatabaseInfo, {
  readonly target: DatabaseTarget
  readonly created: boolean
}>() {}

// The driver's own words (`database "x" does not exist`, `password authentication failed`), not the client's wrapper.
const connectReason = (e: { readonly message: string; readonly cause?: unknown }) => {
  const cause = e.cause as { message?: unknown; code?: unknown } | undefined
  const reason = typeof cause?.message === "string" && cause.message !== "" ? cause.message : e.message
  return cause?.code === "3D000" ? `${reason}: create it (createdb) or name an existing one in MWI_DATABASE_URL` : reason
}

const server = (url: Redacted.Redacted) =>
  Layer.unwrapEffect(Effect.gen(function*() {
    const maxConnections = yield* Config.integer("MWI_DB_POOL_SIZE").pipe(Config.withDefault(10))
    // A busy server can take seconds to start a session: the client's default (5 s) gave up on one under load.
    const connectTimeout = Duration.millis(yield* positiveInt("MWI_DB_CONNECT_TIMEOUT_MS", 15_000))
    return PgClient.layer({ url, maxConnections, connectTimeout, ...transforms })
  })).pipe(
    Layer.catchAll((e) =>
      Layer.fail(new DatabaseUnavailable({ target: redactUrl(Redacted.value(url)), reason: connectReason(e) }))
    )
  )

const toUnavailable = (target: string) => (e: SqlError | DatabaseUnavailable | DataDirLocked) =>
  e._tag === "SqlError" ? new DatabaseUnavailable({ target, reason: e.message }) : e

const runMigrations = (target: DatabaseTarget) =>
  Layer.effect(
    DatabaseInfo,
    Migrator.make({})({ loader: Migrator.fromRecord(migrations) }).pipe(
      Effect.map((ran) => ({ target, created: ran.some(([id]) => id === 1) })),
      Effect.mapError((e) => new DatabaseUnavailable({ target: "migrations", reason: e.message }))
    )
  )

/** The SqlClient for a given target, migrated, with what it is (`DatabaseInfo`). */
export const layerFor = (target: DatabaseTarget) =>
  runMigrations(target).pipe(
    Layer.provideMerge(
      target._tag === "Embedded"
        ? embedded(target.dataDir).pipe(Layer.mapError(toUnavailable(target.dataDir)))
        : server(target.url)
    ),
    Layer.provide(Reactivity.layer)
  )

/** The SqlClient chosen by configuration: MWI_DATABASE_URL, else embedded PGlite in MWI_DATA_DIR (./data). */
export const DatabaseLive = Layer.unwrapEffect(
  DatabaseTargetConfig.pipe(Effect.map(layerFor))
)


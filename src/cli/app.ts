import { Console, Context, Effect, type Layer } from "effect"
import { LandNotFound } from "../domain/errors.js"
import type { AppLive, AppOptions, Listen, ServerLive, WorkersLive } from "../layers.js"
import { DatabaseInfo, describeTarget } from "../services/Database.js"

type App = Layer.Layer.Success<ReturnType<typeof AppLive>>
type Workers = Layer.Layer.Success<typeof WorkersLive>
type Server = Layer.Layer.Success<ReturnType<typeof ServerLive>>

/**
 * The layers the commands run on, given by `src/main.ts` (or a program or test running the CLI in process), so that
 * every command and the server use the one graph of `src/layers.ts`. Each command builds what it needs when it runs:
 * `--help` never opens the database, `extract` opens none.
 */
export class Application extends Context.Tag("mwi/Application")<Application, {
  readonly app: (options?: AppOptions) => Layer.Layer<App, unknown>
  readonly workers: Layer.Layer<Workers, unknown>
  readonly server: (listen: Listen, options?: AppOptions) => Layer.Layer<Server, unknown>
}>() {}

/**
 * Runs a command's body on the application's services (opening the database). Where the data is is never a surprise:
 * a database created by opening it is announced (on stderr), and a land not found names the database looked in.
 */
export const withApp = (options: AppOptions = {}) => <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.flatMap(Application, (application) =>
    Effect.provide(
      Effect.flatMap(DatabaseInfo, (info) => {
        const where = describeTarget(info.target)
        return Effect.zipRight(
          info.created ? Console.error(`mwi: created a new, empty database: ${where} (MWI_DATA_DIR or MWI_DATABASE_URL choose another)`) : Effect.void,
          self.pipe(Effect.catchIf(
            (e): e is E & LandNotFound => e instanceof LandNotFound && e.database === undefined,
            (e) => Effect.fail(new LandNotFound({ land: e.land, database: info.created ? `${where}, a new, empty database` : where }))
          ))
        )
      }),
      application.app(options)
    ))

/** Runs a command's body on the extraction and analysis workers only. */
export const withWorkers = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.flatMap(Application, (application) => Effect.provide(self, application.workers))

/** `--allow-private-network` as an application option: unset leaves `MWI_ALLOW_PRIVATE_NETWORK` in charge. */
export const networkOptions = (allowPrivateNetwork: boolean): AppOptions =>
  allowPrivateNetwork ? { allowPrivateNetwork: true } : {}

import { ValidationError } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Effect, Logger, LogLevel } from "effect"
import { Application } from "./cli/app.js"
import { withCliConsole } from "./cli/console.js"
import { runCli } from "./cli/index.js"
import { AppLive, ServerLive, WorkersLive } from "./layers.js"

// The `mwi` command line over the application of src/layers.ts: `mwi serve` runs the server (ServerLive), the other
// commands the application's services (AppLive), `mwi extract` only the workers. Usage errors are printed by
// @effect/cli itself (through the console of cli/console.ts); they only set the exit code.
runCli(process.argv).pipe(
  Effect.provideService(Application, { app: AppLive, workers: WorkersLive, server: ServerLive }),
  Effect.catchIf(ValidationError.isValidationError, () =>
    Effect.sync(() => {
      process.exitCode = 2
    })),
  withCliConsole(process.argv),
  Logger.withMinimumLogLevel(LogLevel.Warning),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain
)

import { ValidationError } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Effect, Logger, LogLevel } from "effect"
import { runCli } from "./cli/index.js"

// Entry point: the `mwi` command line. Usage errors are printed by @effect/cli itself; they only set the exit code.
runCli(process.argv).pipe(
  Effect.catchIf(ValidationError.isValidationError, () => Effect.sync(() => {
    process.exitCode = 2
  })),
  Logger.withMinimumLogLevel(LogLevel.Warning),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain
)

import { Command } from "@effect/cli"
import { Effect, Option } from "effect"
import { dbCommand } from "./db.js"
import { extractCommand } from "./extract.js"
import { landCommand } from "./land.js"
import { runCommand } from "./output.js"
import { liveServer, runOnServer } from "./remote-client.js"
import { serveCommand } from "./serve.js"
import { packageVersion } from "../version.js"
import { workerCommand } from "./worker.js"

export const mwi = Command.make("mwi").pipe(
  Command.withDescription("MyWebIntelligence: map how a topic lives on the web"),
  Command.withSubcommands([landCommand, dbCommand, serveCommand, extractCommand, workerCommand])
)

/** Runs a command in this process. */
export const runLocal = Command.run(mwi, { name: "mwi", version: packageVersion })

/** Runs a command: on the server holding the data folder when one does (cli/remote-client.ts), else here. */
export const runCli = (argv: ReadonlyArray<string>) =>
  Effect.flatMap(liveServer(argv.slice(2)), Option.match({
    onNone: () => runLocal(argv),
    onSome: (server) => runCommand(argv.includes("--json"), runOnServer(server, argv.slice(2)))
  }))

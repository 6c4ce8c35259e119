import { Command } from "@effect/cli"
import { dbCommand } from "./db.js"
import { extractCommand } from "./extract.js"
import { landCommand } from "./land.js"
import { serveCommand } from "./serve.js"
import { workerCommand } from "./worker.js"

export const mwi = Command.make("mwi").pipe(
  Command.withDescription("MyWebIntelligence: map how a topic lives on the web"),
  Command.withSubcommands([landCommand, dbCommand, serveCommand, extractCommand, workerCommand])
)

export const runCli = Command.run(mwi, { name: "mwi", version: "0.1.0" })

import { Command } from "@effect/cli"
import { dbCommand } from "./db.js"
import { extractCommand } from "./extract.js"
import { landCommand } from "./land.js"
import { serveCommand } from "./serve.js"
import { packageVersion } from "../version.js"

export const mwi = Command.make("mwi").pipe(
  Command.withDescription("MyWebIntelligence: map how a topic lives on the web"),
  Command.withSubcommands([landCommand, dbCommand, serveCommand, extractCommand])
)

export const runCli = Command.run(mwi, { name: "mwi", version: packageVersion })

import { Command, Options } from "@effect/cli"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { DatabaseTargetConfig, describeTarget } from "../services/Database.js"
import { withApp } from "./app.js"
import { emit, runCommand } from "./output.js"

const migrate = Command.make("migrate", {
  json: Options.boolean("json").pipe(Options.withDescription("print a machine-readable JSON result"))
}, (o) =>
  runCommand(o.json, withApp()(Effect.gen(function*() {
    // Opening the database applies pending migrations under the migrator's lock; this reports where it stands.
    const target = yield* DatabaseTargetConfig
    const sql = yield* SqlClient.SqlClient
    const applied = yield* sql<{ migrationId: number; name: string; createdAt: Date }>`
      SELECT migration_id, name, created_at FROM effect_sql_migrations ORDER BY migration_id`
    yield* emit(o.json, { database: describeTarget(target), migrations: applied }, (r) =>
      [`Database ${r.database} is up to date`, ...r.migrations.map((m) => `  ${String(m.migrationId).padStart(4, "0")}_${m.name}`)].join("\n"))
  })))).pipe(Command.withDescription("apply pending database migrations (safe to run more than once)"))

export const dbCommand = Command.make("db").pipe(
  Command.withDescription("database maintenance"),
  Command.withSubcommands([migrate])
)

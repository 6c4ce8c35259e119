import { Command, Options } from "@effect/cli"
import { Console, Effect, Layer, Option } from "effect"
import { Accounts } from "../services/Accounts.js"
import { DatabaseTargetConfig, describeTarget } from "../services/Database.js"
import { LocalAdmin } from "../services/LocalAdmin.js"
import { Application } from "./app.js"
import { runCommand } from "./output.js"

type Bootstrap = Effect.Effect.Success<Accounts["bootstrap"]>

const loginLines = (result: Bootstrap, address: string) => {
  switch (result._tag) {
    case "Created":
      return [
        `First start: an administrator account was created: sign in at ${address}/ as ${result.username} with password ${result.password}, or log in with`,
        `  curl -X POST -H 'content-type: application/json' -d '{"username":"${result.username}","password":"${result.password}"}' ${address}/api/v1/auth/login`,
        `(this password is shown once; it is stored hashed)`
      ]
    case "EnvToken":
      return ["The administrator token is the one in MWI_ADMIN_TOKEN (Authorization: Bearer $MWI_ADMIN_TOKEN)"]
    case "Existing":
      return []
  }
}

/** `--json`: the same, as one JSON object (the first password only when it was just created). */
const loginJson = (result: Bootstrap) =>
  result._tag === "Created"
    ? { created: true, username: result.username, password: result.password }
    : { created: false, adminTokenFromEnv: result._tag === "EnvToken" }

export const serveCommand = Command.make("serve", {
  port: Options.integer("port").pipe(Options.withDescription("TCP port (default 8080, or MWI_PORT)"), Options.optional),
  host: Options.text("host").pipe(Options.withDescription("address to listen on (default 127.0.0.1, or MWI_HOST)"), Options.optional),
  json: Options.boolean("json").pipe(Options.withDescription("announce the server as one JSON line (address, database, routes, first login)"))
}, (o) =>
  runCommand(o.json, Effect.gen(function*() {
    const port = Option.getOrElse(o.port, () => Number(process.env["MWI_PORT"] ?? 8080))
    const host = Option.getOrElse(o.host, () => process.env["MWI_HOST"] ?? "127.0.0.1")
    const target = yield* DatabaseTargetConfig
    const Announce = Layer.effectDiscard(Effect.gen(function*() {
      const address = `http://${host.includes(":") ? `[${host}]` : host}:${port}`
      const login = yield* (yield* Accounts).bootstrap
      yield* (yield* LocalAdmin).adoptOwnerless
      const routes = {
        console: `${address}/`,
        docs: `${address}/docs`,
        openapi: `${address}/openapi.json`,
        health: `${address}/health`,
        metrics: `${address}/metrics`
      }
      yield* o.json
        ? Console.log(JSON.stringify({ address, database: describeTarget(target), ...routes, login: loginJson(login) }))
        : Console.log([
          `MyWebIntelligence API listening on ${address} (${describeTarget(target)})`,
          `  console: ${routes.console}   docs: ${routes.docs}   OpenAPI: ${routes.openapi}   health: ${routes.health}   metrics: ${routes.metrics}`,
          ...loginLines(login, address)
        ].join("\n"))
    }))
    const { server } = yield* Application
    return yield* Layer.launch(Announce.pipe(Layer.provideMerge(server({ port, host }))))
  }))).pipe(Command.withDescription("start the HTTP API server (web console, REST, WebSocket progress, metrics, docs)"))

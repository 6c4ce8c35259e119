import { ValidationError } from "@effect/cli"
import { HttpLayerRouter, HttpServer, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { Cause, Context, Effect, Layer, Logger, LogLevel, Option, Schema, Stream } from "effect"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { Writable } from "node:stream"
import { Unauthorized } from "../domain/account-errors.js"
import { InvalidInput } from "../domain/errors.js"
import { errorResponse, pathNotFound } from "../http/errors.js"
import { DatabaseInfo } from "../services/Database.js"
import { cliConsole, consoleOn } from "./console.js"
import { CliProcess } from "./terminal.js"

// PGlite is one process's database, so while `mwi serve` holds a data folder, the CLI runs its commands here: the
// server writes where it listens and a secret in the folder (readable by its user only), the CLI finds them and sends
// its arguments; the command runs on the server's services and its output and exit code stream back as they come.

/** The file a CLI finds the server of its data folder by. */
export const serverFileOf = (dataDir: string) => path.join(dataDir, "mwi-server.json")

export interface ServerFile {
  readonly address: string
  readonly pid: number
  readonly secret: string
}

export const CLI_ROUTE = "/api/v1/cli"

/** Runs a CLI's command (argv) on the server's services; the secret that CLI proves it reads the folder with. */
export class ServerCli extends Context.Tag("mwi/ServerCli")<ServerCli, {
  readonly runCommand: (argv: ReadonlyArray<string>) => Effect.Effect<void, unknown, NodeContext.NodeContext>
  readonly secret: string
}>() {}

/** Serves the CLI of this server's data folder: writes the server file (0600), removed when the server stops. */
export const serveLocalCli = <App>(
  runCommand: (app: Context.Context<App>) => (argv: ReadonlyArray<string>) => Effect.Effect<void, unknown, NodeContext.NodeContext>
) =>
  Layer.scoped(ServerCli, Effect.gen(function*() {
    const app = yield* Effect.context<App | DatabaseInfo | HttpServer.HttpServer>()
    const secret = crypto.randomBytes(32).toString("base64url")
    const info = Context.get(app, DatabaseInfo)
    const address = Context.get(app, HttpServer.HttpServer).address
    if (info.target._tag === "Embedded" && address._tag === "TcpAddress") {
      const host = address.hostname === "0.0.0.0" || address.hostname === "::" ? "127.0.0.1" : address.hostname
      const file: ServerFile = { address: `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`, pid: process.pid, secret }
      const target = serverFileOf(info.target.dataDir)
      yield* Effect.acquireRelease(
        Effect.sync(() => {
          fs.rmSync(target, { force: true })
          fs.writeFileSync(target, JSON.stringify(file), { mode: 0o600, flag: "wx" })
        }),
        () => Effect.sync(() => fs.rmSync(target, { force: true }))
      )
    }
    return { runCommand: runCommand(app as Context.Context<App>), secret }
  }))

export const RunRequest = Schema.Struct({
  args: Schema.Array(Schema.String).pipe(Schema.maxItems(500)),
  stdinIsTTY: Schema.Boolean,
  stdoutIsTTY: Schema.Boolean,
  stderrIsTTY: Schema.Boolean,
  stderrColumns: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 10_000)), { default: () => 80 })
})
export type RunRequest = typeof RunRequest.Type

/** One line of the answer: standard output (`o`), standard error (`e`), a raw progress write (`w`), the exit code. */
export type RunEvent = { readonly o: string } | { readonly e: string } | { readonly w: string } | { readonly exit: number }

const sameSecret = (given: string, secret: string) => {
  const a = Buffer.from(given)
  const b = Buffer.from(secret)
  return a.length === b.length && crypto.timingSafeEqual(a, b)
}

/** Runs one command as `mwi` would, its output as events; the command is interrupted if the CLI goes away. */
const run = (runCommand: Context.Tag.Service<ServerCli>["runCommand"], request: RunRequest) =>
  Stream.asyncScoped<RunEvent>((emit) => {
    const send = (event: RunEvent) => void emit.single(event)
    const sink = (key: "o" | "e") => new Writable({
      write(chunk: Buffer, _encoding, done) {
        send({ [key]: chunk.toString() } as RunEvent)
        done()
      }
    })
    const argv = ["node", "mwi", ...request.args]
    let code = 0
    const processOfCli = {
      stdinIsTTY: request.stdinIsTTY,
      stderrIsTTY: request.stderrIsTTY,
      stderrColumns: request.stderrColumns,
      writeStderr: (text: string) => send({ w: text }),
      setExitCode: (c: number) => {
        code = c
      }
    }
    return runCommand(argv).pipe(
      Effect.catchIf(ValidationError.isValidationError, () => Effect.sync(() => processOfCli.setExitCode(2))),
      Effect.catchAllCause((cause) => Effect.sync(() => {
        send({ e: `${Cause.pretty(cause)}\n` })
        code = 1
      })),
      Effect.provideService(CliProcess, processOfCli),
      Effect.withConsole(cliConsole(consoleOn(sink("o"), sink("e")), argv, { stdout: request.stdoutIsTTY, stderr: request.stderrIsTTY })),
      Logger.withMinimumLogLevel(LogLevel.Warning),
      Effect.provide(NodeContext.layer),
      Effect.zipRight(Effect.sync(() => send({ exit: code }))),
      Effect.ensuring(Effect.sync(() => void emit.end())),
      Effect.forkScoped
    )
  })

/** `POST /api/v1/cli`: a command of the CLI of this server's data folder, answered as NDJSON events. */
export const CliRoute = HttpLayerRouter.add("POST", CLI_ROUTE, (req) =>
  Effect.gen(function*() {
    const host = yield* Effect.serviceOption(ServerCli)
    if (Option.isNone(host)) return pathNotFound(CLI_ROUTE)
    const auth = req.headers["authorization"] ?? ""
    if (!sameSecret(auth, `Bearer ${host.value.secret}`)) return errorResponse(new Unauthorized({ reason: auth === "" ? "missing" : "invalid" }))
    const request = yield* HttpServerRequest.schemaBodyJson(RunRequest).pipe(Effect.option)
    if (Option.isNone(request)) return errorResponse(new InvalidInput({ field: "args", reason: "expected {args: string[], stdinIsTTY, stdoutIsTTY, stderrIsTTY}" }))
    const lines = run(host.value.runCommand, request.value).pipe(
      Stream.map((event) => `${JSON.stringify(event)}\n`),
      Stream.encodeText
    )
    return HttpServerResponse.stream(lines, { contentType: "application/x-ndjson" })
  }))

import { Prompt } from "@effect/cli"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { Console, Effect, Option, Stream } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { DatabaseUnavailable } from "../domain/errors.js"
import { DatabaseTargetConfig } from "../services/Database.js"
import { isProcessAlive } from "../services/DataDirLock.js"
import { plural } from "./output.js"
import { CLI_ROUTE, type RunEvent, type RunRequest, type ServerFile, serverFileOf } from "./remote-run.js"
import { CliProcess, setExitCode } from "./terminal.js"

// The CLI's half of cli/remote-run.ts: a command on a data folder a live `mwi serve` holds is sent to that server.

// Commands that open no database, or print only their help, run here.
const LOCAL = new Set(["--help", "-h", "--version", "--wizard", "--completions"])

/** The server holding the configured data folder, if one runs: its file is there and its process is alive. */
export const liveServer = (args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    if ((args[0] !== "land" && args[0] !== "db") || args.some((a) => LOCAL.has(a))) return Option.none()
    const target = yield* Effect.orElseSucceed(DatabaseTargetConfig, () => undefined)
    if (target?._tag !== "Embedded") return Option.none()
    const dataDir = target.dataDir
    return Option.filter(
      Option.liftThrowable(() => JSON.parse(fs.readFileSync(serverFileOf(dataDir), "utf8")) as ServerFile)(),
      (file) => typeof file.address === "string" && typeof file.secret === "string" && isProcessAlive(file.pid)
    ).pipe(Option.map((file) => ({ ...file, dataDir })))
  })

type LiveServer = ServerFile & { readonly dataDir: string }

/** The options naming files, made absolute: the server reads and writes them for this folder, not its own. */
const PATH_OPTIONS = new Set(["--path", "--out"])

const withLocalPaths = (args: ReadonlyArray<string>) => {
  const out = args.map((arg, i) => {
    const eq = arg.indexOf("=")
    if (arg.startsWith("--") && eq > 0 && PATH_OPTIONS.has(arg.slice(0, eq))) return `${arg.slice(0, eq)}=${path.resolve(arg.slice(eq + 1))}`
    return i > 0 && PATH_OPTIONS.has(args[i - 1]!) ? path.resolve(arg) : arg
  })
  // An export without --out goes to the current folder: this one.
  const exporting = args[0] === "land" && args[1] === "export"
  return exporting && !args.some((a) => a === "--out" || a.startsWith("--out=")) ? [...out, "--out", process.cwd()] : out
}

/** Sends one command, handing each event to `on`; the command's exit code. */
const send = (server: LiveServer, args: ReadonlyArray<string>, on: (event: RunEvent) => Effect.Effect<void>) =>
  Effect.gen(function*() {
    const proc = yield* CliProcess
    const body: RunRequest = {
      args,
      stdinIsTTY: proc.stdinIsTTY,
      stdoutIsTTY: process.stdout.isTTY === true,
      stderrIsTTY: proc.stderrIsTTY,
      stderrColumns: proc.stderrColumns
    }
    const client = yield* HttpClient.HttpClient
    const response = yield* client.execute(
      HttpClientRequest.post(`${server.address}${CLI_ROUTE}`).pipe(
        HttpClientRequest.bearerToken(server.secret),
        HttpClientRequest.bodyUnsafeJson(body)
      )
    )
    if (response.status !== 200) {
      return yield* new DatabaseUnavailable({ target: server.dataDir, reason: `the server holding it answered ${response.status}: ${yield* response.text}` })
    }
    let code = 1
    yield* response.stream.pipe(
      Stream.decodeText(),
      Stream.splitLines,
      Stream.filter((line) => line !== ""),
      Stream.runForEach((line) => {
        const event = JSON.parse(line) as RunEvent
        if ("exit" in event) code = event.exit
        return on(event)
      })
    )
    return code
  }).pipe(
    Effect.catchTags({
      RequestError: (e) => new DatabaseUnavailable({ target: server.dataDir, reason: `held by mwi serve (pid ${server.pid}), which does not answer at ${server.address}: ${e.message}` }),
      ResponseError: (e) => new DatabaseUnavailable({ target: server.dataDir, reason: `the server at ${server.address} broke off: ${e.message}` })
    }),
    Effect.provide(FetchHttpClient.layer)
  )

// The server already printed these lines with their newline; the console adds it back.
const line = (text: string) => text.endsWith("\n") ? text.slice(0, -1) : text

const print = (event: RunEvent) =>
  "o" in event ? Console.log(line(event.o))
  : "e" in event ? Console.error(line(event.e))
  : "w" in event ? Effect.flatMap(CliProcess, (p) => Effect.sync(() => p.writeStderr(event.w)))
  : Effect.void

/** `land delete` at a terminal asks here, as it would locally, with the land the server finds. */
const confirmDelete = (server: LiveServer, args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const asking = args[0] === "land" && args[1] === "delete" && !args.some((a) => a === "--yes" || a === "-y" || a === "--json")
    if (!asking || !(yield* CliProcess).stdinIsTTY) return Option.some(args)
    let shown = ""
    const events: Array<RunEvent> = []
    const code = yield* send(server, ["land", "show", ...args.slice(2), "--json"], (e) => Effect.sync(() => {
      if ("o" in e) shown += e.o
      else events.push(e)
    }))
    if (code !== 0) {
      yield* Effect.forEach(events, print, { discard: true })
      yield* setExitCode(code)
      return Option.none()
    }
    const land = JSON.parse(shown) as { name: string; expressionCount: number }
    const sure = yield* Prompt.confirm({ message: `Delete land "${land.name}" and its ${plural(land.expressionCount, "expression")}?`, initial: false })
    if (!sure) {
      yield* Console.log("Nothing deleted")
      return Option.none()
    }
    return Option.some([...args, "--yes"])
  })

/** Runs the command (the arguments after `mwi`) on the server, printing what it prints and exiting as it exits. */
export const runOnServer = (server: LiveServer, args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const confirmed = yield* confirmDelete(server, withLocalPaths(args))
    if (Option.isNone(confirmed)) return
    const code = yield* send(server, confirmed.value, print)
    if (code !== 0) yield* setExitCode(code)
  })

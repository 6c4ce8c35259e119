import { ValidationError } from "@effect/cli"
import { NodeContext } from "@effect/platform-node"
import { Cause, ConfigProvider, Effect, Exit, Logger, LogLevel } from "effect"
import { execFile } from "node:child_process"
import * as path from "node:path"
import { Writable } from "node:stream"
import { Application } from "../../src/cli/app.js"
import { consoleOn } from "../../src/cli/console.js"
import { runCli } from "../../src/cli/index.js"
import { CliProcess } from "../../src/cli/terminal.js"
import { AppLive, ServerLive, WorkersLive } from "../../src/layers.js"

const bin = path.resolve(import.meta.dirname, "../../bin/mwi.js")

export interface CliResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs the real `mwi` binary in a child process, as a user would: the smoke tests of the binary itself. */
export const runMwiProcess = (args: ReadonlyArray<string>, env: Record<string, string>, cwd?: string): Promise<CliResult> =>
  new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], {
      env: { ...process.env, NO_COLOR: "1", ...env },
      cwd: cwd ?? process.cwd(),
      timeout: 120_000
    }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr })
    })
  })

const collector = () => {
  let text = ""
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString()
      done()
    }
  })
  return { stream, text: () => text }
}

/**
 * Runs an `mwi` command inside this test process, as src/main.ts runs it (usage errors exit with 2, a defect with 1),
 * with `env` as its configuration, its output captured and its exit code its own (the commands set it through
 * `CliProcess`), so that runs without `cwd` may overlap. `cwd` is the process's: runs given one are sequential.
 */
export const runMwi = async (args: ReadonlyArray<string>, env: Record<string, string>, cwd?: string): Promise<CliResult> => {
  const stdout = collector()
  const stderr = collector()
  const settings = { ...process.env, ...env, NO_COLOR: "1" }
  const config = ConfigProvider.fromMap(new Map(Object.entries(settings).filter((e): e is [string, string] => e[1] !== undefined)))
  let code = 0
  const setExitCode = (c: number) => {
    code = c
  }
  const dir = process.cwd()
  try {
    if (cwd) process.chdir(cwd)
    const exit = await runCli(["node", "mwi", ...args]).pipe(
      Effect.provideService(Application, { app: AppLive, workers: WorkersLive, server: ServerLive }),
      Effect.catchIf(ValidationError.isValidationError, () => Effect.sync(() => setExitCode(2))),
      Logger.withMinimumLogLevel(LogLevel.Warning),
      Effect.withConsole(consoleOn(stdout.stream, stderr.stream)),
      Effect.withConfigProvider(config),
      Effect.provideServiceEffect(CliProcess, Effect.map(CliProcess, (p) => ({ ...p, setExitCode }))),
      Effect.provide(NodeContext.layer),
      Effect.runPromiseExit
    )
    if (Exit.isFailure(exit)) {
      stderr.stream.write(`${Cause.pretty(exit.cause)}\n`)
      return { code: 1, stdout: stdout.text(), stderr: stderr.text() }
    }
    return { code, stdout: stdout.text(), stderr: stderr.text() }
  } finally {
    if (cwd) process.chdir(dir)
  }
}

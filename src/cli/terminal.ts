import { Context, Effect } from "effect"

/**
 * What a command sees of the process it prints for: whether its standard input and error are terminals, raw writes
 * to standard error (a progress line) and its exit code. By default this process; a command the server runs for a
 * CLI (cli/remote-run.ts) sees that CLI's instead.
 */
export class CliProcess extends Context.Reference<CliProcess>()("mwi/CliProcess", {
  defaultValue: () => ({
    stdinIsTTY: process.stdin.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    // A terminal that does not tell its size (script, some CI) says 0.
    stderrColumns: process.stderr.columns || 80,
    writeStderr: (text: string): void => {
      process.stderr.write(text)
    },
    setExitCode: (code: number): void => {
      process.exitCode = code
    }
  })
}) {}

export const setExitCode = (code: number) => Effect.flatMap(CliProcess, (p) => Effect.sync(() => p.setExitCode(code)))

/** Whether a live progress line is drawn: on a terminal, never under --json. */
export const showsProgress = (json: boolean) => Effect.map(CliProcess, (p) => p.stderrIsTTY && !json)

export const writeStderr = (text: string) => Effect.flatMap(CliProcess, (p) => Effect.sync(() => p.writeStderr(text)))

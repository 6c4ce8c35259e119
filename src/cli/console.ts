import { Console, Effect } from "effect"

// @effect/cli prints its help and usage errors itself, in ANSI colours, without our `mwi:` prefix and whatever
// --json says. The console of `mwi` (src/main.ts) makes them like every other line: plain text into pipes and files,
// usage errors as `mwi: ...`, or as a JSON object under --json.

const ANSI = /\x1b\[[0-9;]*m/g

const plain = (text: string, tty: boolean | undefined) => tty ? text : text.replace(ANSI, "")

/** The console `mwi` runs with, given its arguments and whether its outputs are terminals. */
export const cliConsole = (
  base: Console.Console,
  argv: ReadonlyArray<string>,
  tty: { readonly stdout: boolean | undefined; readonly stderr: boolean | undefined }
): Console.Console => {
  const json = argv.includes("--json")
  return {
    ...base,
    log: (...args) => base.log(plain(args.map(String).join(" "), tty.stdout)),
    error: (...args) => {
      const text = plain(args.map(String).join(" "), tty.stderr)
      // Our own lines already say who speaks (`mwi: ...`, or JSON); anything else is @effect/cli's usage error.
      if (text.startsWith("mwi: ") || text.startsWith("{")) return base.error(text)
      const message = text.replace(ANSI, "").trim().replace(/\s*\n\s*/g, " ")
      return base.error(json ? JSON.stringify({ error: "UsageError", message }) : `mwi: ${message}`)
    }
  }
}

/** Runs `self` on `cliConsole`. */
export const withCliConsole = (argv: ReadonlyArray<string>) => <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.flatMap(Effect.console, (base) =>
    Effect.withConsole(self, cliConsole(base, argv, { stdout: process.stdout.isTTY, stderr: process.stderr.isTTY })))

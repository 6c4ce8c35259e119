import { Console, Effect } from "effect"
import { Console as NodeConsole } from "node:console"
import type { Writable } from "node:stream"

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

/** An Effect Console writing to the given streams, as the global one writes to the process's. */
export const consoleOn = (stdout: Writable, stderr: Writable): Console.Console => {
  const c = new NodeConsole({ stdout, stderr, colorMode: false })
  const run = (f: () => void) => Effect.sync(f)
  return {
    [Console.TypeId]: Console.TypeId,
    assert: (condition, ...args) => run(() => c.assert(condition, ...args)),
    clear: run(() => c.clear()),
    count: (label) => run(() => c.count(label)),
    countReset: (label) => run(() => c.countReset(label)),
    debug: (...args) => run(() => c.debug(...args)),
    dir: (item, options) => run(() => c.dir(item, options)),
    dirxml: (...args) => run(() => c.dirxml(...args)),
    error: (...args) => run(() => c.error(...args)),
    group: (options) => run(() => (options?.collapsed ? c.groupCollapsed(options.label) : c.group(options?.label))),
    groupEnd: run(() => c.groupEnd()),
    info: (...args) => run(() => c.info(...args)),
    log: (...args) => run(() => c.log(...args)),
    table: (data, properties) => run(() => c.table(data, properties)),
    time: (label) => run(() => c.time(label)),
    timeEnd: (label) => run(() => c.timeEnd(label)),
    timeLog: (label, ...args) => run(() => c.timeLog(label, ...args)),
    trace: (...args) => run(() => c.trace(...args)),
    warn: (...args) => run(() => c.warn(...args)),
    unsafe: c
  }
}

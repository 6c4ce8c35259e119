import { Options } from "@effect/cli"
import type { PlatformError } from "@effect/platform/Error"
import { Console, Effect, ParseResult, Schema } from "effect"
import { InvalidInput } from "../domain/errors.js"
import { setExitCode } from "./terminal.js"

/**
 * A file system failure in a few words: `missing` names what was not found ("file", "folder"), `unusable` says what a
 * bad resource is not ("not a readable file").
 */
export const platformReason = (e: PlatformError, missing: string, unusable: string) => {
  if (e._tag === "SystemError") {
    if (e.reason === "NotFound") return `no such ${missing}`
    if (e.reason === "PermissionDenied") return "permission denied"
    if (e.reason === "AlreadyExists") return "a file of that name is in the way"
    if (e.reason === "BadResource") return unusable
  }
  return e.message.replace(/^.*\): /, "")
}

/** Prints a command's result: the JSON document with --json, the human text otherwise. */
export const emit = <A>(json: boolean, value: A, human: (value: A) => string) =>
  json ? Console.log(JSON.stringify(value, null, 2)) : Console.log(human(value))

const describeCause = (e: unknown): string => {
  if (typeof e === "object" && e !== null) {
    const tagged = e as { _tag?: string; message?: string; cause?: unknown }
    if (tagged._tag === "SqlError") {
      const cause = tagged.cause as { message?: string } | undefined
      return `database error: ${cause?.message ?? tagged.message ?? "unknown"}`
    }
    if (tagged._tag === "ConfigError") return `configuration error: ${String(e)}`
    if (typeof tagged.message === "string" && tagged.message !== "") return tagged.message
  }
  return String(e)
}

/** The one line a failed command prints (as JSON with --json), on standard error. */
export const reportFailure = (e: unknown, json: boolean) => {
  const message = describeCause(e).replace(/\s*\n\s*/g, " ")
  const tag = typeof e === "object" && e !== null && "_tag" in e ? String((e as { _tag: unknown })._tag) : "Error"
  return Console.error(json ? JSON.stringify({ error: tag, message }) : `mwi: ${message}`)
}

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`

export const formatDate = (d: Date) => d.toISOString().slice(0, 16).replace("T", " ")

/** Runs a command body and turns any failure into its one line and a non-zero exit code. */
export const runCommand = <A, E, R>(json: boolean, body: Effect.Effect<A, E, R>) =>
  body.pipe(
    Effect.asVoid,
    Effect.catchAll((e) => reportFailure(e, json).pipe(Effect.zipRight(setExitCode(1))))
  )

/** Command options through their Schema: the first problem becomes `invalid <option>: <reason>`. */
export const decodeOptions = <A, I>(schema: Schema.Schema<A, I>, input: Record<string, unknown>) =>
  Schema.decodeUnknown(schema)(input, { errors: "first", onExcessProperty: "ignore" }).pipe(
    Effect.mapError((e) => {
      const issue = ParseResult.ArrayFormatter.formatErrorSync(e)[0]
      return new InvalidInput({ field: issue?.path.join(".") || "options", reason: issue?.message ?? e.message })
    })
  )

/** An optional integer option with its help line. */
export const optionalInt = (name: string, description: string) =>
  Options.integer(name).pipe(Options.withDescription(description), Options.optional)

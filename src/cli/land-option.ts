import { Options } from "@effect/cli"
import { Effect, Option } from "effect"
import type { SqlError } from "@effect/sql/SqlError"
import { type AmbiguousLandName, InvalidInput, type LandNotFound } from "../domain/errors.js"
import type { LandSummary } from "../domain/land.js"
import { Lands } from "../services/Lands.js"

/** How a command names its land: `--name N` (or `--land N`), `owner/name` where names collide, or `--id ID`. */
export const landOptions = (flag: "name" | "land" = "name") => ({
  [flag]: Options.text(flag).pipe(Options.withDescription("the land's name, or owner/name where two owners use it"), Options.optional),
  id: Options.integer("id").pipe(Options.withDescription("the land's id (land list shows it), instead of its name"), Options.optional)
}) as { readonly [K in typeof flag]: Options.Options<Option.Option<string>> } & { readonly id: Options.Options<Option.Option<number>> }

/** The land the options name: exactly one of the name and the id. */
export const selectLand = (name: Option.Option<string>, id: Option.Option<number>, flag: "name" | "land" = "name") =>
  Effect.flatMap(Lands, (lands): Effect.Effect<LandSummary, InvalidInput | LandNotFound | AmbiguousLandName | SqlError> =>
    Option.isSome(id)
      ? Option.isSome(name)
        ? Effect.fail(new InvalidInput({ field: flag, reason: `give --${flag} or --id, not both` }))
        : lands.get(id.value)
      : Option.isSome(name)
      ? lands.getByName(name.value)
      : Effect.fail(new InvalidInput({ field: flag, reason: `name the land with --${flag} NAME (or owner/NAME) or --id ID` })))

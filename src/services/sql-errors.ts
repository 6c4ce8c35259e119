import type { SqlError } from "@effect/sql/SqlError"
import { Effect } from "effect"

/** PostgreSQL's unique_violation: the database refused a duplicate. */
export const isUniqueViolation = (e: SqlError): boolean =>
  (e.cause as { code?: string } | undefined)?.code === "23505"

/** Rows that fail to decode are our bug (schema and migration out of step), not a user error. */
export const orDieOnParse = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.catchIf(self, (e): e is Extract<E, { _tag: "ParseError" }> => (e as { _tag?: string })._tag === "ParseError",
    (e) => Effect.die(e)) as Effect.Effect<A, Exclude<E, { _tag: "ParseError" }>, R>

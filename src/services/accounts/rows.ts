import type { SqlClient } from "@effect/sql"
import { Effect, Option } from "effect"

/** The columns of `User`, for queries that alias users as `u`. */
export const userColumns = (sql: SqlClient.SqlClient) =>
  sql`u.id, u.username, u.email, u.is_admin, u.is_active, u.created_at, u.last_login_at`

/** `SqlSchema.single` on `INSERT ... RETURNING`: no row back is a bug, not an error a caller handles. */
export const dieIfNoRow = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.catchIf(
    self,
    (e): e is Extract<E, { _tag: "NoSuchElementException" }> => (e as { _tag?: string })._tag === "NoSuchElementException",
    () => Effect.die("INSERT ... RETURNING returned no row")
  ) as Effect.Effect<A, Exclude<E, { _tag: "NoSuchElementException" }>, R>

export const someOrFail = <E>(onNone: () => E) => <A, E1, R>(self: Effect.Effect<Option.Option<A>, E1, R>) =>
  Effect.flatMap(self, Option.match({ onNone: () => Effect.fail(onNone()), onSome: Effect.succeed }))

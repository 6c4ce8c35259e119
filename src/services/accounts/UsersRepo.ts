import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Schema } from "effect"
import { DuplicateUser, InvalidCredentials, UserNotFound } from "../../domain/account-errors.js"
import { UserId } from "../../domain/ids.js"
import type { ThrottlePolicy } from "../../domain/password.js"
import { User } from "../../domain/user.js"
import { isUniqueViolation, orDieOnParse } from "../sql-errors.js"
import { dieIfNoRow, someOrFail, userColumns } from "./rows.js"

const NewUserRow = Schema.Struct({
  username: Schema.String,
  email: Schema.NullOr(Schema.String),
  passwordHash: Schema.String,
  isAdmin: Schema.Boolean
})

/** A user as a login sees it: with the stored hash and whether the users table counted this attempt. */
const LoginRow = Schema.Struct({
  ...User.fields,
  passwordHash: Schema.String,
  reserved: Schema.Boolean,
  retryAfterSeconds: Schema.NullOr(Schema.Number)
})

const ById = Schema.Struct({ id: Schema.Number })
const Throttled = Schema.Struct({ username: Schema.String, windowSeconds: Schema.Number, maxFailures: Schema.Number })
const throttled = (username: string, policy: ThrottlePolicy) =>
  ({ username, windowSeconds: policy.windowMillis / 1000, maxFailures: policy.maxFailures })

/** The users table, with the username half of the login throttle (which must hold across restarts and servers). */
export class UsersRepo extends Effect.Service<UsersRepo>()("mwi/UsersRepo", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const columns = userColumns(sql)

    const insertRow = SqlSchema.single({
      Request: NewUserRow,
      Result: User,
      execute: (user) => sql`
        INSERT INTO users AS u (username, email, password_hash, is_admin)
        VALUES (${user.username}, ${user.email}, ${user.passwordHash}, ${user.isAdmin})
        RETURNING ${columns}`
    })

    const insert = (user: typeof NewUserRow.Type) =>
      insertRow(user).pipe(
        Effect.catchIf((e) => e._tag === "SqlError" && isUniqueViolation(e), (e) => {
          const constraint = (e.cause as { constraint?: unknown } | undefined)?.constraint
          return Effect.fail(new DuplicateUser(user.email !== null && String(constraint).includes("email")
            ? { field: "email", value: user.email }
            : { field: "username", value: user.username }))
        }),
        dieIfNoRow,
        orDieOnParse
      )

    const findAll = SqlSchema.findAll({
      Request: Schema.Void,
      Result: User,
      execute: () => sql`SELECT ${columns} FROM users u ORDER BY u.id`
    })

    const findById = SqlSchema.findOne({
      Request: ById,
      Result: User,
      execute: ({ id }) => sql`SELECT ${columns} FROM users u WHERE u.id = ${id}`
    })

    /** An inactive user's tokens stop working at once (checked on every request); activating restores them. */
    const updateActive = SqlSchema.findOne({
      Request: Schema.Struct({ id: Schema.Number, active: Schema.Boolean }),
      Result: User,
      execute: ({ active, id }) => sql`UPDATE users u SET is_active = ${active} WHERE u.id = ${id} RETURNING ${columns}`
    })

    const orNotFound = (id: number) => someOrFail(() => new UserNotFound({ id }))

    const windowOver = (windowSeconds: number) =>
      sql`(failed_window_start IS NULL OR failed_window_start <= now() - ${windowSeconds}::int * interval '1 second')`

    /**
     * In one statement, so that two servers cannot both take the last attempt: counts this attempt unless the user is
     * blocked or at the limit, and returns the user (if any) with whether it was counted and, if not, how long to
     * wait. Mirrors `reserveAttempt` of `domain/password.ts`.
     */
    const reserveRow = SqlSchema.findOne({
      Request: Throttled,
      Result: LoginRow,
      execute: ({ maxFailures, username, windowSeconds }) => sql`
        WITH attempt AS (
          UPDATE users SET
            failed_window_start = CASE WHEN ${windowOver(windowSeconds)} THEN now() ELSE failed_window_start END,
            failed_attempts = CASE WHEN ${windowOver(windowSeconds)} THEN 1 ELSE failed_attempts + 1 END
          WHERE username = ${username}
            AND (blocked_until IS NULL OR blocked_until <= now())
            AND (${windowOver(windowSeconds)} OR failed_attempts < ${maxFailures})
          RETURNING id
        )
        SELECT ${columns}, u.password_hash,
          EXISTS (SELECT 1 FROM attempt) AS reserved,
          ceil(extract(epoch FROM
            GREATEST(u.blocked_until, u.failed_window_start + ${windowSeconds}::int * interval '1 second') - now()))::int
            AS retry_after_seconds
        FROM users u WHERE u.username = ${username}`
    })

    /** Mirrors `failAttempt`; also run for unknown usernames, so both cases issue the same statements. */
    const failRow = SqlSchema.void({
      Request: Throttled,
      execute: ({ maxFailures, username, windowSeconds }) => sql`
        UPDATE users SET blocked_until = now() + ${windowSeconds}::int * interval '1 second'
        WHERE username = ${username} AND failed_attempts >= ${maxFailures}`
    })

    const succeedRow = SqlSchema.findOne({
      Request: ById,
      Result: User,
      execute: ({ id }) => sql`
        UPDATE users u SET failed_attempts = 0, failed_window_start = NULL, blocked_until = NULL,
          last_login_at = CASE WHEN u.is_active THEN now() ELSE u.last_login_at END
        WHERE u.id = ${id}
        RETURNING ${columns}`
    })

    /** The account the environment token belongs to, made (without a password) or promoted to admin. */
    const upsertAdmin = SqlSchema.single({
      Request: Schema.Struct({ username: Schema.String, passwordHash: Schema.String }),
      Result: Schema.Struct({ id: UserId }),
      execute: ({ passwordHash, username }) => sql`
        INSERT INTO users (username, password_hash, is_admin) VALUES (${username}, ${passwordHash}, true)
        ON CONFLICT (username) DO UPDATE SET is_admin = true
        RETURNING id`
    })

    const anyRow = SqlSchema.single({
      Request: Schema.Void,
      Result: Schema.Struct({ found: Schema.Boolean }),
      execute: () => sql`SELECT EXISTS (SELECT 1 FROM users) AS found`
    })

    return {
      insert,
      list: () => findAll(undefined).pipe(orDieOnParse),
      get: (id: number) => findById({ id }).pipe(orDieOnParse, orNotFound(id)),
      setActive: (id: number, active: boolean) => updateActive({ id, active }).pipe(orDieOnParse, orNotFound(id)),
      reserveLogin: (username: string, policy: ThrottlePolicy) =>
        reserveRow(throttled(username, policy)).pipe(orDieOnParse),
      failLogin: (username: string, policy: ThrottlePolicy) => failRow(throttled(username, policy)).pipe(orDieOnParse),
      /** Clears the user's failures and records the login; the user vanishing meanwhile reads as a failed login. */
      succeedLogin: (id: number) =>
        succeedRow({ id }).pipe(orDieOnParse, someOrFail(() => new InvalidCredentials())),
      upsertAdmin: (username: string, passwordHash: string) =>
        upsertAdmin({ username, passwordHash }).pipe(dieIfNoRow, orDieOnParse, Effect.map((row) => row.id)),
      any: anyRow(undefined).pipe(dieIfNoRow, orDieOnParse, Effect.map((row) => row.found))
    } as const
  })
}) {}

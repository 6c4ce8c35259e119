import { SqlClient } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import { Clock, Config, type ConfigError, Effect, Either, Option, Redacted, Schema } from "effect"
import * as crypto from "node:crypto"
import {
  DuplicateUser,
  InvalidCredentials,
  TokenNotFound,
  TooManyAttempts,
  Unauthorized,
  UserNotFound
} from "../domain/account-errors.js"
import { InvalidInput } from "../domain/errors.js"
import { TokenId } from "../domain/ids.js"
import {
  type AttemptWindow,
  checkEmail,
  checkPassword,
  checkUsername,
  failAttempt,
  formatHash,
  isSpent,
  normalizePassword,
  type PasswordHash,
  parseHash,
  releaseAttempt,
  reserveAttempt,
  type ScryptParams,
  type ThrottlePolicy,
  USERNAME_PATTERN
} from "../domain/password.js"
import { ApiToken, User } from "../domain/user.js"
import { isUniqueViolation, orDieOnParse } from "./sql-errors.js"

export interface NewUser {
  readonly username: string
  readonly password: string
  readonly email?: string | undefined
  readonly isAdmin?: boolean | undefined
}

export interface LoginOptions {
  /** Who is knocking, usually the client's IP address: failures are also counted per client. */
  readonly clientKey: string
  readonly tokenName?: string | undefined
}

export interface LoginResult {
  /** The bearer token; shown this once, only its hash is stored. */
  readonly token: string
  readonly tokenId: TokenId
  readonly user: User
}

export interface NewToken {
  /** The bearer token; shown this once, only its hash is stored. */
  readonly token: string
  readonly tokenId: TokenId
  readonly apiToken: ApiToken
}

/** What `bootstrap` did, so that the server can print the first admin's password once. */
export type BootstrapResult =
  | { readonly _tag: "EnvToken" }
  | { readonly _tag: "Created"; readonly username: string; readonly password: string }
  | { readonly _tag: "Existing" }

const USERNAME_THROTTLE: ThrottlePolicy = { maxFailures: 5, windowMillis: 5 * 60_000 }
const CLIENT_THROTTLE: ThrottlePolicy = { maxFailures: 20, windowMillis: 5 * 60_000 }
// Past this many remembered keys the limiter sweeps spent ones, and past the cap it forgets the oldest: the memory a
// flood of made-up usernames or addresses can take stays bounded.
const THROTTLE_SWEEP_AT = 10_000
const THROTTLE_MAX_KEYS = 100_000

const SALT_BYTES = 16
const KEY_BYTES = 64
const TOKEN_NAME_MAX = 100
// Longer than any token we issue or any sane MWI_ADMIN_TOKEN: hashing it would only be work for an attacker.
const TOKEN_MAX_LENGTH = 512
const ADMIN_USERNAME = "admin"
const ENV_TOKEN_NAME = "MWI_ADMIN_TOKEN"
// An account made for the environment token has no password: this is no hash, so every password login fails.
const NO_PASSWORD = "!"
const PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"

const scryptCost = Config.integer("MWI_SCRYPT_COST").pipe(
  Config.withDefault(32_768),
  Config.validate({
    message: "MWI_SCRYPT_COST must be a power of two from 1024 to 1048576",
    validation: (n) => n >= 1024 && n <= 2 ** 20 && (n & (n - 1)) === 0
  })
)

const loginTokenDays = Config.integer("MWI_LOGIN_TOKEN_DAYS").pipe(
  Config.withDefault(30),
  Config.validate({ message: "MWI_LOGIN_TOKEN_DAYS must be from 1 to 3650", validation: (n) => n >= 1 && n <= 3650 })
)

const adminToken = Config.option(Config.redacted("MWI_ADMIN_TOKEN").pipe(
  Config.map((t) => Redacted.make(Redacted.value(t).trim())),
  Config.validate({
    message: "MWI_ADMIN_TOKEN must be at least 16 characters (or empty to leave it unset)",
    validation: (t) => {
      const length = Redacted.value(t).length
      return length === 0 || (length >= 16 && length <= TOKEN_MAX_LENGTH)
    }
  })
))

/** Off the event loop: node runs scrypt on its thread pool, so logins do not stall the server. */
const scrypt = (password: string, salt: Uint8Array, keyBytes: number, params: ScryptParams) =>
  Effect.async<Buffer>((resume) => {
    crypto.scrypt(
      normalizePassword(password),
      salt,
      keyBytes,
      { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r * params.p },
      (error, key) => resume(error ? Effect.die(error) : Effect.succeed(key))
    )
  })

const hashToken = (token: string) => crypto.createHash("sha256").update(token, "utf8").digest("hex")

const newTokenSecret = Effect.sync(() => "mwi_" + crypto.randomBytes(32).toString("base64url"))

const randomPassword = Effect.sync(() =>
  Array.from({ length: 20 }, () => PASSWORD_ALPHABET[crypto.randomInt(PASSWORD_ALPHABET.length)]).join("")
)

const checkTokenName = (name: string): Either.Either<string, InvalidInput> => {
  const trimmed = name.trim()
  if (trimmed.length > TOKEN_NAME_MAX) {
    return Either.left(new InvalidInput({ field: "name", reason: `a token name is at most ${TOKEN_NAME_MAX} characters` }))
  }
  // bootstrap revokes superseded environment tokens by this name; a user's token must not be mistaken for one
  return trimmed === ENV_TOKEN_NAME
    ? Either.left(new InvalidInput({ field: "name", reason: `${ENV_TOKEN_NAME} is reserved` }))
    : Either.right(trimmed)
}

const checkExpiry = (days: number | undefined): Either.Either<number | null, InvalidInput> =>
  days === undefined
    ? Either.right(null)
    : Number.isInteger(days) && days >= 1 && days <= 3650
    ? Either.right(days)
    : Either.left(new InvalidInput({ field: "expiresInDays", reason: "a token lives 1 to 3650 days" }))

const retryAfter = (millis: number) => new TooManyAttempts({ retryAfterSeconds: Math.max(1, Math.ceil(millis / 1000)) })

/** One in-memory limiter: a map of attempt windows, swept so that it cannot grow without bound. */
const makeThrottle = (policy: ThrottlePolicy) => {
  const windows = new Map<string, AttemptWindow>()
  const sweep = (now: number) => {
    if (windows.size < THROTTLE_SWEEP_AT) return
    for (const [key, window] of windows) if (isSpent(policy, window, now)) windows.delete(key)
    for (const key of windows.keys()) {
      if (windows.size <= THROTTLE_MAX_KEYS) break
      windows.delete(key)
    }
  }
  return {
    reserve: (key: string, now: number) => reserveAttempt(policy, windows.get(key), now),
    save: (key: string, window: AttemptWindow, now: number) => {
      // re-inserted so that the map's order is least recently used first, which the cap relies on
      windows.delete(key)
      windows.set(key, window)
      sweep(now)
    },
    fail: (key: string, now: number) => {
      const window = windows.get(key)
      if (window !== undefined) windows.set(key, failAttempt(policy, window, now))
    },
    release: (key: string) => {
      const window = windows.get(key)
      if (window !== undefined) windows.set(key, releaseAttempt(window))
    },
    forget: (key: string) => {
      windows.delete(key)
    }
  }
}

const decodeAll = <A, I>(schema: Schema.Schema<A, I>) => <E, R>(rows: Effect.Effect<ReadonlyArray<unknown>, E, R>) =>
  rows.pipe(Effect.flatMap(Schema.decodeUnknown(Schema.Array(schema))), orDieOnParse)

const decodeFirst = <A, I>(schema: Schema.Schema<A, I>) => <E, R>(rows: Effect.Effect<ReadonlyArray<unknown>, E, R>) =>
  decodeAll(schema)(rows).pipe(Effect.map((all) => Option.fromNullable(all[0])))

const firstOr = <E>(onNone: () => E) => <A, E1, R>(self: Effect.Effect<Option.Option<A>, E1, R>) =>
  Effect.flatMap(self, Option.match({ onNone: () => Effect.fail(onNone()), onSome: Effect.succeed }))

const returned = <A, E, R>(self: Effect.Effect<Option.Option<A>, E, R>) =>
  Effect.flatMap(self, Option.match({ onNone: () => Effect.die("INSERT ... RETURNING returned no row"), onSome: Effect.succeed }))

const toUser = (row: typeof User.Type): User =>
  new User({
    id: row.id,
    username: row.username,
    email: row.email,
    isAdmin: row.isAdmin,
    isActive: row.isActive,
    createdAt: row.createdAt,
    lastLoginAt: row.lastLoginAt
  })

const LoginRow = Schema.Struct({
  ...User.fields,
  passwordHash: Schema.String,
  reserved: Schema.Boolean,
  retryAfterSeconds: Schema.NullOr(Schema.Number)
})

const TokenRow = Schema.Struct({
  ...User.fields,
  tokenId: TokenId,
  revoked: Schema.Boolean,
  expired: Schema.Boolean,
  stale: Schema.Boolean
})

/**
 * Users, passwords and bearer tokens. Passwords are hashed with scrypt; tokens are random and stored as their SHA-256
 * only, so a copy of the database lets nobody in. Failed logins are throttled per username and per client, in memory
 * and, per username, in the users table (which survives restarts and is shared by every server on one database).
 */
export class Accounts extends Effect.Service<Accounts>()("Accounts", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const params: ScryptParams = { N: yield* scryptCost, r: 8, p: 1 }
    const loginDays = yield* loginTokenDays
    const byUsername = makeThrottle(USERNAME_THROTTLE)
    const byClient = makeThrottle(CLIENT_THROTTLE)

    const derive = (password: string) =>
      Effect.gen(function*() {
        const salt = crypto.randomBytes(SALT_BYTES)
        const key = yield* scrypt(password, salt, KEY_BYTES, params)
        return { ...params, salt, key } satisfies PasswordHash
      })

    const hashPassword = (password: string) => Effect.map(derive(password), formatHash)

    // Checked in place of a missing user's hash, so that an unknown username costs what a wrong password costs; only
    // the derivation is timed, so random bytes serve as well as the hash of a real password.
    const dummyHash: PasswordHash = { ...params, salt: crypto.randomBytes(SALT_BYTES), key: crypto.randomBytes(KEY_BYTES) }

    const matches = (password: string, hash: PasswordHash) =>
      Effect.map(scrypt(password, hash.salt, hash.key.length, hash), (key) => crypto.timingSafeEqual(key, hash.key))

    const verifyPassword = (password: string, stored: string | undefined) =>
      Option.match(stored === undefined ? Option.none() : parseHash(stored), {
        onNone: () => Effect.as(matches(password, dummyHash), false),
        onSome: (hash) => matches(password, hash)
      })

    const userColumns = sql`u.id, u.username, u.email, u.is_admin, u.is_active, u.created_at, u.last_login_at`
    const tokenColumns = sql`t.id, t.user_id, t.name, t.created_at, t.last_used_at, t.expires_at, t.revoked_at`

    const insertUser = (user: { username: string; email: string | null; passwordHash: string; isAdmin: boolean }) =>
      sql`
        INSERT INTO users AS u (username, email, password_hash, is_admin)
        VALUES (${user.username}, ${user.email}, ${user.passwordHash}, ${user.isAdmin})
        RETURNING ${userColumns}`.pipe(
        Effect.catchIf(isUniqueViolation, (e) => {
          const email = user.email !== null && String((e.cause as { constraint?: unknown }).constraint).includes("email")
          return Effect.fail(new DuplicateUser(email
            ? { field: "email", value: user.email ?? "" }
            : { field: "username", value: user.username }))
        }),
        decodeFirst(User),
        returned,
        Effect.map(toUser)
      )

    const createUser = (input: NewUser) =>
      Effect.gen(function*() {
        const username = yield* checkUsername(input.username)
        const password = yield* checkPassword(input.password)
        const email = yield* checkEmail(input.email)
        const passwordHash = yield* hashPassword(password)
        return yield* insertUser({ username, email, passwordHash, isAdmin: input.isAdmin ?? false })
      }).pipe(Effect.withSpan("Accounts.createUser"))

    const insertToken = (userId: number, name: string, token: string, days: number | null) =>
      sql`
        INSERT INTO api_tokens AS t (user_id, name, token_hash, expires_at)
        VALUES (${userId}, ${name}, ${hashToken(token)}, now() + ${days}::int * interval '1 day')
        RETURNING ${tokenColumns}`.pipe(
        Effect.catchIf(
          (e) => (e.cause as { code?: unknown } | undefined)?.code === "23503",
          () => Effect.fail(new UserNotFound({ id: userId }))
        ),
        decodeFirst(ApiToken),
        returned,
        Effect.map((apiToken): NewToken => ({ token, tokenId: apiToken.id, apiToken }))
      )

    const createToken = (userId: number, name: string, expiresInDays?: number | undefined) =>
      Effect.gen(function*() {
        const tokenName = yield* checkTokenName(name)
        const days = yield* checkExpiry(expiresInDays)
        return yield* insertToken(userId, tokenName, yield* newTokenSecret, days)
      }).pipe(Effect.withSpan("Accounts.createToken"))

    const windowSeconds = USERNAME_THROTTLE.windowMillis / 1000
    const windowOver =
      sql`(failed_window_start IS NULL OR failed_window_start <= now() - ${windowSeconds}::int * interval '1 second')`

    /**
     * The users-table half of the throttle, in one statement so that two servers cannot both take the last attempt:
     * counts this attempt unless the user is blocked or at the limit, and returns the user (if any) with whether it
     * was counted and, if not, how long to wait. Mirrors `reserveAttempt`.
     */
    const reserveInTable = (username: string) =>
      sql`
        WITH attempt AS (
          UPDATE users SET
            failed_window_start = CASE WHEN ${windowOver} THEN now() ELSE failed_window_start END,
            failed_attempts = CASE WHEN ${windowOver} THEN 1 ELSE failed_attempts + 1 END
          WHERE username = ${username}
            AND (blocked_until IS NULL OR blocked_until <= now())
            AND (${windowOver} OR failed_attempts < ${USERNAME_THROTTLE.maxFailures})
          RETURNING id
        )
        SELECT ${userColumns}, u.password_hash,
          EXISTS (SELECT 1 FROM attempt) AS reserved,
          ceil(extract(epoch FROM
            GREATEST(u.blocked_until, u.failed_window_start + ${windowSeconds}::int * interval '1 second') - now()))::int
            AS retry_after_seconds
        FROM users u WHERE u.username = ${username}`.pipe(decodeFirst(LoginRow))

    /** Mirrors `failAttempt`; also run for unknown usernames, so both cases issue the same statements. */
    const failInTable = (username: string) =>
      sql`
        UPDATE users SET blocked_until = now() + ${windowSeconds}::int * interval '1 second'
        WHERE username = ${username} AND failed_attempts >= ${USERNAME_THROTTLE.maxFailures}`

    const succeedInTable = (id: number) =>
      sql`
        UPDATE users u SET failed_attempts = 0, failed_window_start = NULL, blocked_until = NULL,
          last_login_at = CASE WHEN u.is_active THEN now() ELSE u.last_login_at END
        WHERE u.id = ${id}
        RETURNING ${userColumns}`.pipe(
        decodeFirst(User),
        firstOr(() => new InvalidCredentials()),
        Effect.map(toUser)
      )

    /** Counts the attempt against the client and the username, or fails if either is at its limit. */
    const reserveInMemory = (clientKey: string, username: string | undefined, now: number) =>
      Effect.suspend(() => {
        const client = byClient.reserve(clientKey, now)
        const user = username === undefined ? undefined : byUsername.reserve(username, now)
        const waits = [client, user].flatMap((r) => r !== undefined && Either.isLeft(r) ? [r.left] : [])
        if (waits.length > 0) return Effect.fail(retryAfter(Math.max(...waits)))
        if (Either.isRight(client)) byClient.save(clientKey, client.right, now)
        if (username !== undefined && user !== undefined && Either.isRight(user)) byUsername.save(username, user.right, now)
        return Effect.void
      })

    const login = (username: string, password: string, options: LoginOptions) =>
      Effect.gen(function*() {
        const tokenName = yield* checkTokenName(options.tokenName ?? "login")
        // A name no account can have needs no username counter and no query; the client counter still applies.
        const throttled = USERNAME_PATTERN.test(username) ? username : undefined
        yield* reserveInMemory(options.clientKey, throttled, yield* Clock.currentTimeMillis)
        const row = throttled === undefined ? Option.none() : yield* reserveInTable(throttled)
        if (Option.isSome(row) && !row.value.reserved) {
          return yield* retryAfter((row.value.retryAfterSeconds ?? 1) * 1000)
        }
        const verified = yield* verifyPassword(password, Option.getOrUndefined(row)?.passwordHash)
        if (!verified || Option.isNone(row)) {
          const now = yield* Clock.currentTimeMillis
          byClient.fail(options.clientKey, now)
          if (throttled !== undefined) {
            byUsername.fail(throttled, now)
            yield* failInTable(throttled)
          }
          return yield* new InvalidCredentials()
        }
        byClient.release(options.clientKey)
        byUsername.forget(row.value.username)
        const user = yield* succeedInTable(row.value.id)
        if (!user.isActive) return yield* new Unauthorized({ reason: "inactive" })
        const issued = yield* insertToken(user.id, tokenName, yield* newTokenSecret, loginDays)
        return { token: issued.token, tokenId: issued.tokenId, user } satisfies LoginResult
      }).pipe(Effect.withSpan("Accounts.login"))

    const listTokens = (userId: number) =>
      sql`SELECT ${tokenColumns} FROM api_tokens t WHERE t.user_id = ${userId} ORDER BY t.id`.pipe(
        decodeAll(ApiToken),
        Effect.withSpan("Accounts.listTokens")
      )

    /** Revoking twice keeps the first date; another user's token is reported absent, not forbidden. */
    const revokeToken = (userId: number, tokenId: number) =>
      sql`
        UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, now())
        WHERE id = ${tokenId} AND user_id = ${userId}
        RETURNING id`.pipe(
        Effect.flatMap((rows) => rows.length === 0 ? Effect.fail(new TokenNotFound({ id: tokenId })) : Effect.void),
        Effect.withSpan("Accounts.revokeToken")
      )

    /** The user a bearer token stands for. */
    const authenticate = (token: string | undefined) =>
      Effect.gen(function*() {
        const given = token?.trim() ?? ""
        if (given === "") return yield* new Unauthorized({ reason: "missing" })
        if (given.length > TOKEN_MAX_LENGTH) return yield* new Unauthorized({ reason: "invalid" })
        const found = yield* sql`
          SELECT ${userColumns}, t.id AS token_id,
            t.revoked_at IS NOT NULL AS revoked,
            COALESCE(t.expires_at <= now(), false) AS expired,
            (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute') AS stale
          FROM api_tokens t JOIN users u ON u.id = t.user_id
          WHERE t.token_hash = ${hashToken(given)}`.pipe(decodeFirst(TokenRow))
        if (Option.isNone(found)) return yield* new Unauthorized({ reason: "invalid" })
        const row = found.value
        if (row.revoked) return yield* new Unauthorized({ reason: "revoked" })
        if (row.expired) return yield* new Unauthorized({ reason: "expired" })
        if (!row.isActive) return yield* new Unauthorized({ reason: "inactive" })
        // last_used_at is informative: once a minute is precise enough and spares a write on every request
        if (row.stale) {
          yield* sql`
            UPDATE api_tokens SET last_used_at = now()
            WHERE id = ${row.tokenId} AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`
        }
        return toUser(row)
      }).pipe(Effect.withSpan("Accounts.authenticate"))

    const listUsers = () =>
      sql`SELECT ${userColumns} FROM users u ORDER BY u.id`.pipe(decodeAll(User), Effect.withSpan("Accounts.listUsers"))

    const getUser = (id: number) =>
      sql`SELECT ${userColumns} FROM users u WHERE u.id = ${id}`.pipe(
        decodeFirst(User),
        firstOr(() => new UserNotFound({ id })),
        Effect.withSpan("Accounts.getUser")
      )

    /** An inactive user's tokens stop working at once (checked on every request); activating restores them. */
    const setActive = (id: number, active: boolean) =>
      sql`UPDATE users u SET is_active = ${active} WHERE u.id = ${id} RETURNING ${userColumns}`.pipe(
        decodeFirst(User),
        firstOr(() => new UserNotFound({ id })),
        Effect.withSpan("Accounts.setActive")
      )

    /**
     * The configured token is the operator's key: whatever happened to it (revoked, moved) it is made a valid token of
     * `admin` again, and an earlier environment token that it replaces stops working.
     */
    const installEnvToken = (token: string) =>
      Effect.gen(function*() {
        const admin = yield* sql<{ id: number }>`
          INSERT INTO users (username, password_hash, is_admin) VALUES (${ADMIN_USERNAME}, ${NO_PASSWORD}, true)
          ON CONFLICT (username) DO UPDATE SET is_admin = true
          RETURNING id`
        const adminId = admin[0]!.id
        const hash = hashToken(token)
        yield* sql`
          INSERT INTO api_tokens (user_id, name, token_hash) VALUES (${adminId}, ${ENV_TOKEN_NAME}, ${hash})
          ON CONFLICT (token_hash) DO UPDATE
            SET user_id = EXCLUDED.user_id, name = EXCLUDED.name, revoked_at = NULL, expires_at = NULL`
        yield* sql`
          UPDATE api_tokens SET revoked_at = now()
          WHERE user_id = ${adminId} AND name = ${ENV_TOKEN_NAME} AND token_hash <> ${hash} AND revoked_at IS NULL`
      }).pipe(sql.withTransaction)

    /**
     * Run once at server start. With `MWI_ADMIN_TOKEN`, that token becomes the admin's; else, on a database without
     * users, an `admin` with a random password is created and the password returned for the server to print once.
     */
    const bootstrap: Effect.Effect<BootstrapResult, SqlError | ConfigError.ConfigError> = Effect.gen(function*() {
      const envToken = yield* adminToken
      if (Option.isSome(envToken) && Redacted.value(envToken.value) !== "") {
        yield* installEnvToken(Redacted.value(envToken.value))
        return { _tag: "EnvToken" } as const
      }
      const existing = yield* sql<{ found: boolean }>`SELECT EXISTS (SELECT 1 FROM users) AS found`
      if (existing[0]?.found) return { _tag: "Existing" } as const
      const password = yield* randomPassword
      const passwordHash = yield* hashPassword(password)
      return yield* insertUser({ username: ADMIN_USERNAME, email: null, passwordHash, isAdmin: true }).pipe(
        Effect.as<BootstrapResult>({ _tag: "Created", username: ADMIN_USERNAME, password }),
        // another server on the same database made it first
        Effect.catchTag("DuplicateUser", () => Effect.succeed<BootstrapResult>({ _tag: "Existing" }))
      )
    }).pipe(Effect.withSpan("Accounts.bootstrap"))

    return {
      createUser,
      login,
      createToken,
      listTokens,
      revokeToken,
      authenticate,
      listUsers,
      getUser,
      setActive,
      bootstrap
    } as const
  })
}) {}

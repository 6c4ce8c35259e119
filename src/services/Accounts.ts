import { SqlClient } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import { Config, type ConfigError, Effect, Option, Redacted } from "effect"
import * as crypto from "node:crypto"
import { InvalidCredentials, Unauthorized } from "../domain/account-errors.js"
import type { TokenId } from "../domain/ids.js"
import { checkEmail, checkPassword, checkUsername, USERNAME_PATTERN } from "../domain/password.js"
import type { User } from "../domain/user.js"
import { LoginLimiter, tooManyAttempts } from "./accounts/LoginLimiter.js"
import { PasswordHasher } from "./accounts/PasswordHasher.js"
import { adminToken, checkExpiry, checkTokenName, ENV_TOKEN_NAME, TOKEN_MAX_LENGTH } from "./accounts/token-rules.js"
import { TokensRepo } from "./accounts/TokensRepo.js"
import { UsersRepo } from "./accounts/UsersRepo.js"

export type { NewToken } from "./accounts/TokensRepo.js"

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

/** What `bootstrap` did, so that the server can print the first admin's password once. */
export type BootstrapResult =
  | { readonly _tag: "EnvToken" }
  | { readonly _tag: "Created"; readonly username: string; readonly password: string }
  | { readonly _tag: "Existing" }

const ADMIN_USERNAME = "admin"
// An account made for the environment token has no password: this is no hash, so every password login fails.
const NO_PASSWORD = "!"
const PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"

const loginTokenDays = Config.integer("MWI_LOGIN_TOKEN_DAYS").pipe(
  Config.withDefault(30),
  Config.validate({ message: "MWI_LOGIN_TOKEN_DAYS must be from 1 to 3650", validation: (n) => n >= 1 && n <= 3650 })
)

const randomPassword = Effect.sync(() =>
  Array.from({ length: 20 }, () => PASSWORD_ALPHABET[crypto.randomInt(PASSWORD_ALPHABET.length)]).join("")
)

/**
 * Users, passwords and bearer tokens: the rules and the login sequence, over the password hasher, the users and
 * tokens repositories and the login limiter.
 */
export class Accounts extends Effect.Service<Accounts>()("mwi/Accounts", {
  dependencies: [PasswordHasher.Default, LoginLimiter.Default, UsersRepo.Default, TokensRepo.Default],
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const hasher = yield* PasswordHasher
    const limiter = yield* LoginLimiter
    const users = yield* UsersRepo
    const tokens = yield* TokensRepo
    const loginDays = yield* loginTokenDays

    const createUser = (input: NewUser) =>
      Effect.gen(function*() {
        const username = yield* checkUsername(input.username)
        const password = yield* checkPassword(input.password)
        const email = yield* checkEmail(input.email)
        const passwordHash = yield* hasher.hash(password)
        return yield* users.insert({ username, email, passwordHash, isAdmin: input.isAdmin ?? false })
      }).pipe(Effect.withSpan("Accounts.createUser"))

    const createToken = (userId: number, name: string, expiresInDays?: number | undefined) =>
      Effect.gen(function*() {
        const tokenName = yield* checkTokenName(name)
        return yield* tokens.issue(userId, tokenName, yield* checkExpiry(expiresInDays))
      }).pipe(Effect.withSpan("Accounts.createToken"))

    const login = (username: string, password: string, options: LoginOptions) =>
      Effect.gen(function*() {
        const tokenName = yield* checkTokenName(options.tokenName ?? "login")
        // A name no account can have needs no username counter and no query; the client counter still applies.
        const throttled = USERNAME_PATTERN.test(username) ? username : undefined
        yield* limiter.reserve(options.clientKey, throttled)
        const row = throttled === undefined ? Option.none() : yield* users.reserveLogin(throttled, limiter.usernamePolicy)
        if (Option.isSome(row) && !row.value.reserved) {
          return yield* tooManyAttempts((row.value.retryAfterSeconds ?? 1) * 1000)
        }
        const verified = yield* hasher.verify(password, Option.getOrUndefined(row)?.passwordHash)
        if (!verified || Option.isNone(row)) {
          yield* limiter.fail(options.clientKey, throttled)
          if (throttled !== undefined) yield* users.failLogin(throttled, limiter.usernamePolicy)
          return yield* new InvalidCredentials()
        }
        yield* limiter.succeed(options.clientKey, row.value.username)
        const user = yield* users.succeedLogin(row.value.id)
        if (!user.isActive) return yield* new Unauthorized({ reason: "inactive" })
        const issued = yield* tokens.issue(user.id, tokenName, loginDays)
        return { token: issued.token, tokenId: issued.tokenId, user } satisfies LoginResult
      }).pipe(Effect.withSpan("Accounts.login"))

    /** The user a bearer token stands for. */
    const authenticate = (token: string | undefined) =>
      Effect.gen(function*() {
        const given = token?.trim() ?? ""
        if (given === "") return yield* new Unauthorized({ reason: "missing" })
        if (given.length > TOKEN_MAX_LENGTH) return yield* new Unauthorized({ reason: "invalid" })
        const found = yield* tokens.findOwner(given)
        if (Option.isNone(found)) return yield* new Unauthorized({ reason: "invalid" })
        const { expired, revoked, stale, tokenId, user } = found.value
        if (revoked) return yield* new Unauthorized({ reason: "revoked" })
        if (expired) return yield* new Unauthorized({ reason: "expired" })
        if (!user.isActive) return yield* new Unauthorized({ reason: "inactive" })
        if (stale) yield* tokens.touch(tokenId)
        return user
      }).pipe(Effect.withSpan("Accounts.authenticate"))

    /**
     * Run once at server start. With `MWI_ADMIN_TOKEN`, that token becomes the admin's; else, on a database without
     * users, an `admin` with a random password is created and the password returned for the server to print once.
     */
    const bootstrap: Effect.Effect<BootstrapResult, SqlError | ConfigError.ConfigError> = Effect.gen(function*() {
      const envToken = yield* adminToken
      if (Option.isSome(envToken) && Redacted.value(envToken.value) !== "") {
        yield* users.upsertAdmin(ADMIN_USERNAME, NO_PASSWORD).pipe(
          Effect.flatMap((adminId) => tokens.install(adminId, ENV_TOKEN_NAME, Redacted.value(envToken.value))),
          sql.withTransaction
        )
        return { _tag: "EnvToken" } as const
      }
      if (yield* users.any) return { _tag: "Existing" } as const
      const password = yield* randomPassword
      const passwordHash = yield* hasher.hash(password)
      return yield* users.insert({ username: ADMIN_USERNAME, email: null, passwordHash, isAdmin: true }).pipe(
        Effect.as<BootstrapResult>({ _tag: "Created", username: ADMIN_USERNAME, password }),
        // another server on the same database made it first
        Effect.catchTag("DuplicateUser", () => Effect.succeed<BootstrapResult>({ _tag: "Existing" }))
      )
    }).pipe(Effect.withSpan("Accounts.bootstrap"))

    return {
      createUser,
      login,
      createToken,
      listTokens: (userId: number) => tokens.list(userId).pipe(Effect.withSpan("Accounts.listTokens")),
      revokeToken: (userId: number, tokenId: number) =>
        tokens.revoke(userId, tokenId).pipe(Effect.withSpan("Accounts.revokeToken")),
      authenticate,
      listUsers: () => users.list().pipe(Effect.withSpan("Accounts.listUsers")),
      getUser: (id: number) => users.get(id).pipe(Effect.withSpan("Accounts.getUser")),
      setActive: (id: number, active: boolean) => users.setActive(id, active).pipe(Effect.withSpan("Accounts.setActive")),
      bootstrap
    } as const
  })
}) {}

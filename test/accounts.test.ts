import { SqlClient } from "@effect/sql"
import { assert, expect } from "@effect/vitest"
import { ConfigProvider, Effect, Layer } from "effect"
import { createHash } from "node:crypto"
import { parseHash } from "../src/domain/password.js"
import { Accounts } from "../src/services/Accounts.js"
import { onBothDatabases } from "./support/databases.js"

// The cheapest cost the service accepts, so that the suite spends its time on behaviour rather than on scrypt.
const testConfig = (entries: ReadonlyArray<readonly [string, string]> = []) =>
  ConfigProvider.fromMap(new Map([["MWI_SCRYPT_COST", "1024"], ...entries]))

const accountsOn = (db: Layer.Layer<SqlClient.SqlClient, unknown>) =>
  Accounts.Default.pipe(Layer.provide(Layer.setConfigProvider(testConfig())), Layer.provideMerge(db))

// the reason of an authentication failure, or the tag of any other error
const reason = (e: { readonly _tag: string; readonly reason?: unknown }) => e._tag === "Unauthorized" ? e.reason : e._tag
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex")
const PASSWORD = "correct horse battery"

onBothDatabases("accounts", accountsOn, (it) => {
  it.effect("creates a user with a scrypt hash and refuses a duplicate username or email", () =>
    Effect.gen(function*() {
      const accounts = yield* Accounts
      const sql = yield* SqlClient.SqlClient
      const alice = yield* accounts.createUser({ username: "alice", password: PASSWORD, email: "alice@example.org" })
      assert.strictEqual(alice.username, "alice")
      assert.strictEqual(alice.email, "alice@example.org")
      assert.isFalse(alice.isAdmin)
      assert.isTrue(alice.isActive)
      assert.isNull(alice.lastLoginAt)
      const [row] = yield* sql<{ passwordHash: string }>`SELECT password_hash FROM users WHERE id = ${alice.id}`
      expect(row!.passwordHash).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/)
      const hash = parseHash(row!.passwordHash)
      assert.isTrue(hash._tag === "Some" && hash.value.salt.length === 16 && hash.value.key.length === 64)
      assert.notInclude(row!.passwordHash, PASSWORD)

      const dup = yield* accounts.createUser({ username: "alice", password: PASSWORD }).pipe(Effect.flip)
      assert.strictEqual(dup._tag, "DuplicateUser")
      assert.strictEqual(dup.message, `a user with username "alice" already exists`)
      const dupEmail = yield* accounts.createUser({ username: "alice2", password: PASSWORD, email: "alice@example.org" })
        .pipe(Effect.flip)
      assert.deepInclude(dupEmail, { _tag: "DuplicateUser", field: "email" })
      const admin = yield* accounts.createUser({ username: "boss.admin", password: PASSWORD, isAdmin: true })
      assert.isTrue(admin.isAdmin)
      assert.deepStrictEqual((yield* accounts.getUser(admin.id)).username, "boss.admin")
      assert.includeMembers((yield* accounts.listUsers()).map((u) => u.username), ["alice", "boss.admin"])
    }))

  it.effect("refuses a bad username, password or email with the field named, and stores nothing", () =>
    Effect.gen(function*() {
      const accounts = yield* Accounts
      const cases = [
        [{ username: "ab", password: PASSWORD }, "username"],
        [{ username: "has space", password: PASSWORD }, "username"],
        [{ username: "x".repeat(51), password: PASSWORD }, "username"],
        [{ username: "shorty", password: "123456789" }, "password"],
        [{ username: "mailer", password: PASSWORD, email: "not-an-email" }, "email"]
      ] as const
      for (const [input, field] of cases) {
        const error = yield* accounts.createUser(input).pipe(Effect.flip)
        assert.deepInclude(error, { _tag: "InvalidInput", field })
      }
      const short = yield* accounts.createUser({ username: "shorty", password: "short" }).pipe(Effect.flip)
      assert.strictEqual(short.message, "invalid password: a password has at least 10 characters")
      const names = (yield* accounts.listUsers()).map((u) => u.username)
      assert.notInclude(names, "shorty")
      assert.notInclude(names, "mailer")
    }))

  it.effect("login returns a token that authenticates the user and records the login", () =>
    Effect.gen(function*() {
      const accounts = yield* Accounts
      const bob = yield* accounts.createUser({ username: "bob", password: PASSWORD })
      const session = yield* accounts.login("bob", PASSWORD, { clientKey: "10.0.0.1", tokenName: "laptop" })
      expect(session.token).toMatch(/^mwi_[A-Za-z0-9_-]{43}$/)
      assert.strictEqual(session.user.id, bob.id)
      assert.isNotNull(session.user.lastLoginAt)
      const me = yield* accounts.authenticate(session.token)
      assert.strictEqual(me.id, bob.id)
      const [token] = yield* accounts.listTokens(bob.id)
      assert.strictEqual(token!.id, session.tokenId)
      assert.strictEqual(token!.name, "laptop")
      // login tokens expire (MWI_LOGIN_TOKEN_DAYS, 30 by default)
      const days = (token!.expiresAt!.getTime() - token!.createdAt.getTime()) / 86_400_000
      assert.closeTo(days, 30, 0.01)
      assert.strictEqual(reason(yield* accounts.authenticate(undefined).pipe(Effect.flip)), "missing")
      assert.strictEqual(reason(yield* accounts.authenticate("mwi_nope").pipe(Effect.flip)), "invalid")
    }))

  it.effect("a wrong password and an unknown user fail alike", () =>
    Effect.gen(function*() {
      const accounts = yield* Accounts
      yield* accounts.createUser({ username: "carol", password: PASSWORD })
      const wrong = yield* accounts.login("carol", "wrong password!", { clientKey: "10.0.0.2" }).pipe(Effect.flip)
      const unknown = yield* accounts.login("nobody", PASSWORD, { clientKey: "10.0.0.2" }).pipe(Effect.flip)
      const malformed = yield* accounts.login("no body!", PASSWORD, { clientKey: "10.0.0.2" }).pipe(Effect.flip)
      assert.deepStrictEqual([wrong, unknown, malformed].map((e) => [e._tag, e.message]), [
        ["InvalidCredentials", "wrong username or password"],
        ["InvalidCredentials", "wrong username or password"],
        ["InvalidCredentials", "wrong username or password"]
      ])
    }))

  it.effect("five failures block a username, known or not, in memory and in the users table", () =>
    Effect.gen(function*() {
      const accounts = yield* Accounts
      const sql = yield* SqlClient.SqlClient
      const dave = yield* accounts.createUser({ username: "dave", password: PASSWORD })
      for (const username of ["dave", "ghost"]) {
        for (let i = 0; i < 5; i++) {
          const e = yield* accounts.login(username, "wrong password!", { clientKey: `10.1.0.${i}` }).pipe(Effect.flip)
          assert.strictEqual(e._tag, "InvalidCredentials")
        }
        // even the right password, from another client
        const blocked = yield* accounts.login(username, PASSWORD, { clientKey: "10.1.1.1" }).pipe(Effect.flip)
        assert.strictEqual(blocked._tag, "TooManyAttempts")
        if (blocked._tag !== "TooManyAttempts") return
        assert.isTrue(blocked.retryAfterSeconds > 290 && blocked.retryAfterSeconds <= 300, String(blocked.retryAfterSeconds))
        expect(blocked.message).toMatch(/^too many failed login attempts; try again in \d+ seconds$/)
      }
      const [row] = yield* sql<{ failedAttempts: number; blocked: boolean }>`
        SELECT failed_attempts, blocked_until > now() AS blocked FROM users WHERE id = ${dave.id}`
      assert.deepStrictEqual(row, { failedAttempts: 5, blocked: true })
      // another user is not affected
      yield* accounts.createUser({ username: "dave2", password: PASSWORD })
      yield* accounts.login("dave2", PASSWORD, { clientKey: "10.1.1.1" })
    }))

  it.effect("a success before the limit resets the username's count", () =>
    Effect.gen(function*() {
      const accounts = yield* Accounts
      const sql = yield* SqlClient.SqlClient
      const erin = yield* accounts.createUser({ username: "erin", password: PASSWORD })
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 4; i++) {
          assert.strictEqual(
            (yield* accounts.login("erin", "wrong password!", { clientKey: `10.2.${round}.${i}` }).pipe(Effect.flip))._tag,
            "InvalidCredentials"
          )
        }
        yield* accounts.login("erin", PASSWORD, { clientKey: "10.2.9.9" })
      }
      const [row] = yield* sql<{ failedAttempts: number; blockedUntil: Date | null }>`
        SELECT failed_attempts, blocked_until FROM users WHERE id = ${erin.id}`
      assert.deepStrictEqual(row, { failedAttempts: 0, blockedUntil: null })
    }))

  it.effect("twenty failures block a client whatever usernames it tries", () =>
    Effect.gen(function*() {
      const accounts = yield* Accounts
      yield* accounts.createUser({ username: "frank", password: PASSWORD })
      for (let i = 0; i < 20; i++) {
        const e = yield* accounts.login(`spray${i}`, PASSWORD, { clientKey: "203.0.113.7" }).pipe(Effect.flip)
        assert.strictEqual(e._tag, "InvalidCredentials")
      }
      const blocked = yield* accounts.login("frank", PASSWORD, { clientKey: "203.0.113.7" }).pipe(Effect.flip)
      assert.strictEqual(blocked._tag, "TooManyAttempts")
      // the same account from another client is fine, and was not counted as a failure by the refused attempt
      yield* accounts.login("frank", PASSWORD, { clientKey: "203.0.113.8" })
    }))

  it.effect("concurrent guesses cannot get past the limit", () =>
    Effect.gen(function*() {
      const accounts = yield* Accounts
      yield* accounts.createUser({ username: "gina", password: PASSWORD })
      const results = yield* Effect.forEach(
        Array.from({ length: 30 }, (_, i) => i),
        (i) => accounts.login("gina", `guess number ${i}`, { clientKey: `10.3.0.${i}` }).pipe(Effect.flip),
        { concurrency: "unbounded" }
      )
      const tags = results.map((e) => e._tag)
      assert.strictEqual(tags.filter((t) => t === "InvalidCredentials").length, 5)
      assert.strictEqual(tags.filter((t) => t === "TooManyAttempts").length, 25)
    }))

  it.effect("tokens are listed without their secret and stored only as a SHA-256", () =>
    Effect.gen(function*() {
      const accounts = yield* Accounts
      const sql = yield* SqlClient.SqlClient
      const hank = yield* accounts.createUser({ username: "hank", password: PASSWORD })
      const made = yield* accounts.createToken(hank.id, "  script  ", 7)
      expect(made.token).toMatch(/^mwi_/)
      assert.strictEqual(made.apiToken.name, "script")
      assert.strictEqual((yield* accounts.authenticate(made.token)).id, hank.id)
      const listed = yield* accounts.listTokens(hank.id)
      assert.deepStrictEqual(listed.map((t) => t.id), [made.tokenId])
      assert.notInclude(JSON.stringify(listed), made.token.slice(4))
      assert.deepStrictEqual(
        Object.keys(listed[0]!).sort(),
        ["createdAt", "expiresAt", "id", "lastUsedAt", "name", "revokedAt", "userId"]
      )
      const rows = yield* sql<{ tokenHash: string }>`SELECT token_hash FROM api_tokens WHERE user_id = ${hank.id}`
      assert.deepStrictEqual(rows.map((r) => r.tokenHash), [sha256(made.token)])
      const leaks = yield* sql<{ n: number }>`
        SELECT count(*)::int AS n FROM api_tokens WHERE position(${made.token.slice(4)} IN token_hash || name) > 0`
      assert.strictEqual(leaks[0]!.n, 0)

      const badDays = yield* accounts.createToken(hank.id, "x", 0).pipe(Effect.flip)
      assert.deepInclude(badDays, { _tag: "InvalidInput", field: "expiresInDays" })
      const badName = yield* accounts.createToken(hank.id, "MWI_ADMIN_TOKEN").pipe(Effect.flip)
      assert.deepInclude(badName, { _tag: "InvalidInput", field: "name" })
      assert.strictEqual((yield* accounts.createToken(999_999, "x").pipe(Effect.flip))._tag, "UserNotFound")
    }))

  it.effect("last use is written at most once a minute", () =>
    Effect.gen(function*() {
      const accounts = yield* Accounts
      const sql = yield* SqlClient.SqlClient
      const ivy = yield* accounts.createUser({ username: "ivy", password: PASSWORD })
      const { token, tokenId } = yield* accounts.createToken(ivy.id, "cli")
      const lastUsed = () =>
        sql<{ lastUsedAt: Date | null }>`SELECT last_used_at FROM api_tokens WHERE id = ${tokenId}`.pipe(
          Effect.map((rows) => rows[0]!.lastUsedAt)
        )
      assert.isNull(yield* lastUsed())
      yield* accounts.authenticate(token)
      const first = yield* lastUsed()
      assert.isNotNull(first)
      yield* accounts.authenticate(token)
      assert.deepStrictEqual(yield* lastUsed(), first)
      yield* sql`UPDATE api_tokens SET last_used_at = now() - interval '2 minutes' WHERE id = ${tokenId}`
      yield* accounts.authenticate(token)
      assert.isTrue((yield* lastUsed())!.getTime() >= first!.getTime())
    }))

  it.effect("a revoked token stops working, and only its owner can revoke it", () =>
    Effect.gen(function*() {
      const accounts = yield* Accounts
      const jack = yield* accounts.createUser({ username: "jack", password: PASSWORD })
      const kate = yield* accounts.createUser({ username: "kate", password: PASSWORD })
      const { token, tokenId } = yield* accounts.createToken(jack.id, "ci")
      const notYours = yield* accounts.revokeToken(kate.id, tokenId).pipe(Effect.flip)
      assert.deepInclude(notYours, { _tag: "TokenNotFound", id: tokenId })
      assert.strictEqual(notYours.message, `no token with id ${tokenId}`)
      assert.strictEqual((yield* accounts.authenticate(token)).id, jack.id)
      yield* accounts.revokeToken(jack.id, tokenId)
      const refused = yield* accounts.authenticate(token).pipe(Effect.flip)
      assert.strictEqual(reason(refused), "revoked")
      assert.strictEqual(refused.message, "the API token has been revoked")
      const [listed] = yield* accounts.listTokens(jack.id)
      assert.isNotNull(listed!.revokedAt)
      // revoking again is harmless
      yield* accounts.revokeToken(jack.id, tokenId)
    }))

  it.effect("an expired token is refused", () =>
    Effect.gen(function*() {
      const accounts = yield* Accounts
      const sql = yield* SqlClient.SqlClient
      const leo = yield* accounts.createUser({ username: "leo", password: PASSWORD })
      const { token, tokenId } = yield* accounts.createToken(leo.id, "short-lived", 1)
      assert.strictEqual((yield* accounts.authenticate(token)).id, leo.id)
      yield* sql`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = ${tokenId}`
      assert.strictEqual(reason(yield* accounts.authenticate(token).pipe(Effect.flip)), "expired")
    }))

  it.effect("an inactive user can neither use a token nor log in, until reactivated", () =>
    Effect.gen(function*() {
      const accounts = yield* Accounts
      const mia = yield* accounts.createUser({ username: "mia", password: PASSWORD })
      const { token } = yield* accounts.login("mia", PASSWORD, { clientKey: "10.4.0.1" })
      const off = yield* accounts.setActive(mia.id, false)
      assert.isFalse(off.isActive)
      assert.strictEqual(reason(yield* accounts.authenticate(token).pipe(Effect.flip)), "inactive")
      const login = yield* accounts.login("mia", PASSWORD, { clientKey: "10.4.0.1" }).pipe(Effect.flip)
      assert.deepInclude(login, { _tag: "Unauthorized", reason: "inactive" })
      // a wrong password still says nothing about the account
      const wrong = yield* accounts.login("mia", "wrong password!", { clientKey: "10.4.0.1" }).pipe(Effect.flip)
      assert.strictEqual(wrong._tag, "InvalidCredentials")
      yield* accounts.setActive(mia.id, true)
      assert.strictEqual((yield* accounts.authenticate(token)).id, mia.id)
      assert.strictEqual((yield* accounts.setActive(999_999, true).pipe(Effect.flip)).message, "no user with id 999999")
      assert.strictEqual((yield* accounts.getUser(999_999).pipe(Effect.flip))._tag, "UserNotFound")
    }))

  it.effect("MWI_ADMIN_TOKEN makes an admin whose token works; idempotent; a new token replaces the old", () =>
    Effect.gen(function*() {
      const accounts = yield* Accounts
      const sql = yield* SqlClient.SqlClient
      const withToken = (token: string) =>
        accounts.bootstrap.pipe(Effect.withConfigProvider(testConfig([["MWI_ADMIN_TOKEN", token]])))
      const first = "env-token-0123456789abcdef"
      assert.deepStrictEqual(yield* withToken(first), { _tag: "EnvToken" })
      assert.deepStrictEqual(yield* withToken(first), { _tag: "EnvToken" })
      const admin = yield* accounts.authenticate(first)
      assert.strictEqual(admin.username, "admin")
      assert.isTrue(admin.isAdmin)
      const rows = yield* sql<{ name: string; tokenHash: string }>`
        SELECT name, token_hash FROM api_tokens WHERE user_id = ${admin.id}`
      assert.deepStrictEqual(rows.map((r) => ({ ...r })), [{ name: "MWI_ADMIN_TOKEN", tokenHash: sha256(first) }])
      // the account has no password
      const byPassword = yield* accounts.login("admin", first, { clientKey: "10.5.0.1" }).pipe(Effect.flip)
      assert.strictEqual(byPassword._tag, "InvalidCredentials")
      // revoked through the API: the next start restores it
      yield* accounts.revokeToken(admin.id, (yield* accounts.listTokens(admin.id))[0]!.id)
      yield* withToken(first)
      assert.strictEqual((yield* accounts.authenticate(first)).id, admin.id)

      const second = "env-token-fedcba9876543210"
      yield* withToken(second)
      assert.strictEqual((yield* accounts.authenticate(second)).id, admin.id)
      assert.strictEqual(reason(yield* accounts.authenticate(first).pipe(Effect.flip)), "revoked")
      assert.strictEqual((yield* accounts.listTokens(admin.id)).length, 2)

      const weak = yield* withToken("short").pipe(Effect.flip)
      expect(String(weak)).toMatch(/MWI_ADMIN_TOKEN must be at least 16 characters/)
      // users exist, so without the variable nothing happens
      assert.deepStrictEqual(yield* accounts.bootstrap.pipe(Effect.withConfigProvider(testConfig())), { _tag: "Existing" })
    }))
})

onBothDatabases("accounts bootstrap on an empty database", accountsOn, (it) => {
  it.effect("creates admin with a random password that logs in, once", () =>
    Effect.gen(function*() {
      const accounts = yield* Accounts
      const bootstrap = accounts.bootstrap.pipe(Effect.withConfigProvider(testConfig()))
      const created = yield* bootstrap
      assert.strictEqual(created._tag, "Created")
      if (created._tag !== "Created") return
      assert.strictEqual(created.username, "admin")
      expect(created.password).toMatch(/^[A-Za-z0-9]{20}$/)
      const session = yield* accounts.login("admin", created.password, { clientKey: "127.0.0.1" })
      assert.isTrue(session.user.isAdmin)
      assert.strictEqual((yield* accounts.authenticate(session.token)).username, "admin")
      assert.deepStrictEqual(yield* bootstrap, { _tag: "Existing" })
      assert.strictEqual((yield* accounts.listUsers()).length, 1)
    }))
})

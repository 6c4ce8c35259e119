import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, TestClock } from "effect"
import { failAttempt, releaseAttempt, reserveAttempt, type ThrottlePolicy } from "../src/domain/password.js"
import { LoginLimiter } from "../src/services/accounts/LoginLimiter.js"

// No database here: @effect/vitest's layer() rebinds the module's `it.effect` to its own runtime (live clock), so
// the TestClock tests of the in-memory limiter live apart from the database suites of accounts.test.ts.

describe("login throttling policy", () => {
  const policy: ThrottlePolicy = { maxFailures: 3, windowMillis: 1000 }
  const attempt = (window: Parameters<typeof reserveAttempt>[1], now: number) => {
    const r = reserveAttempt(policy, window, now)
    if (Either.isLeft(r)) throw new Error(`refused, wait ${r.left}`)
    return failAttempt(policy, r.right, now)
  }

  it("blocks for a window after the last allowed failure, then starts afresh", () => {
    let w = attempt(undefined, 0)
    w = attempt(w, 100)
    w = attempt(w, 200)
    assert.deepStrictEqual(w, { startedAt: 0, attempts: 3, blockedUntil: 1200 })
    assert.deepStrictEqual(reserveAttempt(policy, w, 1199), Either.left(1))
    assert.deepStrictEqual(reserveAttempt(policy, w, 1200), Either.right({ startedAt: 1200, attempts: 1, blockedUntil: 0 }))
  })

  it("failures outside the window are forgotten", () => {
    let w = attempt(undefined, 0)
    w = attempt(w, 100)
    w = attempt(w, 1100)
    assert.deepStrictEqual(w, { startedAt: 1100, attempts: 1, blockedUntil: 0 })
  })

  it("attempts in flight count, and a success gives its attempt back", () => {
    const one = reserveAttempt(policy, undefined, 0)
    const two = Either.flatMap(one, (w) => reserveAttempt(policy, w, 1))
    const three = Either.flatMap(two, (w) => reserveAttempt(policy, w, 2))
    assert.isTrue(Either.isRight(three))
    if (Either.isLeft(three)) return
    assert.deepStrictEqual(reserveAttempt(policy, three.right, 3), Either.left(997))
    assert.isTrue(Either.isRight(reserveAttempt(policy, releaseAttempt(three.right), 3)))
  })
})

describe("login limiter", () => {
  const failed = (limiter: LoginLimiter, clientKey: string, username: string) =>
    Effect.zipRight(limiter.reserve(clientKey, username), limiter.fail(clientKey, username))
  const refusedFor = (limiter: LoginLimiter, clientKey: string, username: string) =>
    limiter.reserve(clientKey, username).pipe(Effect.flip, Effect.map((e) => e.retryAfterSeconds))

  it.effect("blocks a username for a whole window from its fifth failure, then lets it in", () =>
    Effect.gen(function*() {
      const limiter = yield* LoginLimiter
      for (let i = 0; i < 5; i++) {
        yield* failed(limiter, `10.9.0.${i}`, "olga")
        yield* TestClock.adjust("30 seconds")
      }
      // the fifth failure came at 120 s, so the block lasts until 420 s; it is 150 s now
      assert.strictEqual(yield* refusedFor(limiter, "10.9.1.1", "olga"), 270)
      yield* TestClock.adjust("269 seconds")
      assert.strictEqual(yield* refusedFor(limiter, "10.9.1.1", "olga"), 1)
      yield* TestClock.adjust("1 second")
      yield* limiter.reserve("10.9.1.1", "olga")
    }).pipe(Effect.provide(LoginLimiter.Default)))

  it.effect("a client's window opens at its first attempt and its failures end with it", () =>
    Effect.gen(function*() {
      const limiter = yield* LoginLimiter
      for (let i = 0; i < 19; i++) yield* failed(limiter, "203.0.113.9", `spray${i}`)
      yield* TestClock.adjust("299 seconds")
      yield* failed(limiter, "203.0.113.9", "spray19")
      assert.strictEqual(yield* refusedFor(limiter, "203.0.113.9", "spray20"), 300)
      yield* TestClock.adjust("300 seconds")
      for (let i = 0; i < 20; i++) yield* failed(limiter, "203.0.113.9", `again${i}`)
      assert.strictEqual(yield* refusedFor(limiter, "203.0.113.9", "again20"), 300)
    }).pipe(Effect.provide(LoginLimiter.Default)))

  it.effect("a success gives the client its attempt back and clears the username; a refusal counts nowhere", () =>
    Effect.gen(function*() {
      const limiter = yield* LoginLimiter
      const client = "198.51.100.4"
      for (let i = 0; i < 4; i++) yield* failed(limiter, client, "rita")
      yield* limiter.reserve(client, "rita")
      yield* limiter.succeed(client, "rita")
      // rita starts afresh: five more failures before her block
      for (let i = 0; i < 5; i++) yield* failed(limiter, `10.9.2.${i}`, "rita")
      assert.strictEqual(yield* refusedFor(limiter, client, "rita"), 300)
      // the client has 4 failures and 1 given back; the refusal above took nothing: 16 more, then the limit
      for (let i = 0; i < 16; i++) yield* failed(limiter, client, `user${i}`)
      assert.strictEqual(yield* refusedFor(limiter, client, "someone"), 300)
    }).pipe(Effect.provide(LoginLimiter.Default)))
})

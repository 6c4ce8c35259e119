import { Clock, Effect, Either } from "effect"
import { TooManyAttempts } from "../../domain/account-errors.js"
import {
  type AttemptWindow,
  failAttempt,
  isSpent,
  releaseAttempt,
  reserveAttempt,
  type ThrottlePolicy
} from "../../domain/password.js"

const USERNAME_POLICY: ThrottlePolicy = { maxFailures: 5, windowMillis: 5 * 60_000 }
const CLIENT_POLICY: ThrottlePolicy = { maxFailures: 20, windowMillis: 5 * 60_000 }
// Past this many remembered keys the limiter sweeps spent ones, and past the cap it forgets the oldest: the memory a
// flood of made-up usernames or addresses can take stays bounded.
const SWEEP_AT = 10_000
const MAX_KEYS = 100_000

export const tooManyAttempts = (waitMillis: number) =>
  new TooManyAttempts({ retryAfterSeconds: Math.max(1, Math.ceil(waitMillis / 1000)) })

/** One policy's attempt windows by key, least recently used first (the map's order), which the cap relies on. */
const makeWindows = (policy: ThrottlePolicy) => {
  const windows = new Map<string, AttemptWindow>()
  const sweep = (now: number) => {
    if (windows.size < SWEEP_AT) return
    for (const [key, window] of windows) if (isSpent(policy, window, now)) windows.delete(key)
    for (const key of windows.keys()) {
      if (windows.size <= MAX_KEYS) break
      windows.delete(key)
    }
  }
  const update = (key: string, f: (window: AttemptWindow) => AttemptWindow) => {
    const window = windows.get(key)
    if (window !== undefined) windows.set(key, f(window))
  }
  return {
    reserve: (key: string, now: number) => reserveAttempt(policy, windows.get(key), now),
    save: (key: string, window: AttemptWindow, now: number) => {
      windows.delete(key)
      windows.set(key, window)
      sweep(now)
    },
    fail: (key: string, now: number) => update(key, (window) => failAttempt(policy, window, now)),
    release: (key: string) => update(key, releaseAttempt),
    forget: (key: string) => windows.delete(key)
  }
}

/**
 * Failed logins per username and per client, in memory: an attempt is counted when it starts, against both keys at
 * once or against neither, so that concurrent guesses cannot all slip under a limit. The users table keeps the
 * username half too (`UsersRepo.reserveLogin`, with `usernamePolicy`), which survives restarts and is shared by every
 * server on one database.
 *
 * Not `@effect/experimental`'s RateLimiter (0.61): it can only take attempts, while a success here gives its attempt
 * back or clears the username; its fixed window is stretched by window/limit per attempt instead of blocking a whole
 * window from the last failure, so it would disagree with the users table and tell known usernames from unknown
 * ones; and its memory store never forgets a key.
 */
export class LoginLimiter extends Effect.Service<LoginLimiter>()("mwi/LoginLimiter", {
  sync: () => {
    const byUsername = makeWindows(USERNAME_POLICY)
    const byClient = makeWindows(CLIENT_POLICY)

    /** Counts the attempt against the client and the username (if any), or fails if either is at its limit. */
    const reserve = (clientKey: string, username: string | undefined) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const client = byClient.reserve(clientKey, now)
        const user = username === undefined ? undefined : byUsername.reserve(username, now)
        const waits = [client, user].flatMap((r) => r !== undefined && Either.isLeft(r) ? [r.left] : [])
        if (waits.length > 0) return Effect.fail(tooManyAttempts(Math.max(...waits)))
        if (Either.isRight(client)) byClient.save(clientKey, client.right, now)
        if (username !== undefined && user !== undefined && Either.isRight(user)) byUsername.save(username, user.right, now)
        return Effect.void
      })

    /** The reserved attempt failed: a key at its limit is blocked for a whole window from now. */
    const fail = (clientKey: string, username: string | undefined) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        byClient.fail(clientKey, now)
        if (username !== undefined) byUsername.fail(username, now)
      })

    /** The reserved attempt succeeded: the client gets it back and the username starts afresh. */
    const succeed = (clientKey: string, username: string) =>
      Effect.sync(() => {
        byClient.release(clientKey)
        byUsername.forget(username)
      })

    return { usernamePolicy: USERNAME_POLICY, reserve, fail, succeed } as const
  }
}) {}

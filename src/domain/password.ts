import { Either, Option } from "effect"
import { InvalidInput } from "./errors.js"

// Account rules that need no I/O: what a username, a password and an email look like, how a password hash is written
// down, and how failed logins are counted.

export const USERNAME_PATTERN = /^[A-Za-z0-9._-]{3,50}$/
export const PASSWORD_MIN_LENGTH = 10
// scrypt hashes the whole password once per derivation; a bound keeps a pasted novel from costing anything.
export const PASSWORD_MAX_LENGTH = 1024
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

export const checkUsername = (username: string): Either.Either<string, InvalidInput> =>
  USERNAME_PATTERN.test(username)
    ? Either.right(username)
    : Either.left(new InvalidInput({
      field: "username",
      reason: "a username is 3 to 50 letters, digits, dots, underscores or hyphens"
    }))

/** Passwords are compared in Unicode NFC, so the same password typed on two systems that compose accents differently matches. */
export const normalizePassword = (password: string) => password.normalize("NFC")

export const checkPassword = (password: string): Either.Either<string, InvalidInput> => {
  const length = [...normalizePassword(password)].length
  if (length < PASSWORD_MIN_LENGTH) {
    return Either.left(new InvalidInput({ field: "password", reason: `a password has at least ${PASSWORD_MIN_LENGTH} characters` }))
  }
  if (length > PASSWORD_MAX_LENGTH) {
    return Either.left(new InvalidInput({ field: "password", reason: `a password has at most ${PASSWORD_MAX_LENGTH} characters` }))
  }
  return Either.right(password)
}

/** An email is optional; an empty one means none. */
export const checkEmail = (email: string | undefined): Either.Either<string | null, InvalidInput> => {
  const trimmed = email?.trim() ?? ""
  if (trimmed === "") return Either.right(null)
  return trimmed.length <= 254 && EMAIL_PATTERN.test(trimmed)
    ? Either.right(trimmed)
    : Either.left(new InvalidInput({ field: "email", reason: "an email address looks like name@example.org" }))
}

export interface ScryptParams {
  readonly N: number
  readonly r: number
  readonly p: number
}

export interface PasswordHash extends ScryptParams {
  readonly salt: Uint8Array
  readonly key: Uint8Array
}

/** `scrypt$N$r$p$salt$key`, base64: the parameters travel with the hash, so raising the cost later keeps old hashes valid. */
export const formatHash = (hash: PasswordHash): string =>
  ["scrypt", hash.N, hash.r, hash.p, Buffer.from(hash.salt).toString("base64"), Buffer.from(hash.key).toString("base64")]
    .join("$")

const isPowerOfTwo = (n: number) => Number.isSafeInteger(n) && n >= 2 && (n & (n - 1)) === 0

/** None for anything that is not a hash this code wrote, e.g. the "!" of an account that has no password. */
export const parseHash = (stored: string): Option.Option<PasswordHash> => {
  const parts = stored.split("$")
  if (parts.length !== 6 || parts[0] !== "scrypt") return Option.none()
  const [N, r, p] = parts.slice(1, 4).map((s) => /^\d+$/.test(s) ? Number(s) : NaN) as [number, number, number]
  const salt = Buffer.from(parts[4]!, "base64")
  const key = Buffer.from(parts[5]!, "base64")
  // Bounds keep a corrupted row from asking scrypt for gigabytes.
  return isPowerOfTwo(N) && N <= 2 ** 20 && r >= 1 && r <= 32 && p >= 1 && p <= 16 && salt.length >= 16 && key.length >= 32
    ? Option.some({ N, r, p, salt, key })
    : Option.none()
}

export interface ThrottlePolicy {
  readonly maxFailures: number
  readonly windowMillis: number
}

/**
 * Login attempts of one username or one client within a window that opens at the first of them. An attempt is counted
 * when it starts, before its password is checked, so that concurrent guesses cannot all slip under the limit; a
 * success then takes it back. The users table keeps the same window in SQL (UsersRepo.ts), so an unknown username is
 * throttled exactly like an existing one and the limiter tells nobody which usernames exist.
 */
export interface AttemptWindow {
  readonly startedAt: number
  readonly attempts: number
  readonly blockedUntil: number
}

/** The window with this attempt counted, or how many milliseconds to wait. */
export const reserveAttempt = (
  policy: ThrottlePolicy,
  window: AttemptWindow | undefined,
  now: number
): Either.Either<AttemptWindow, number> => {
  if (window !== undefined && window.blockedUntil > now) return Either.left(window.blockedUntil - now)
  const current = window === undefined || window.startedAt + policy.windowMillis <= now
    ? { startedAt: now, attempts: 0, blockedUntil: 0 }
    : window
  return current.attempts >= policy.maxFailures
    ? Either.left(current.startedAt + policy.windowMillis - now)
    : Either.right({ ...current, attempts: current.attempts + 1 })
}

/** The attempt failed: at the limit, the key is blocked for a whole window from now. */
export const failAttempt = (policy: ThrottlePolicy, window: AttemptWindow, now: number): AttemptWindow =>
  window.attempts >= policy.maxFailures ? { ...window, blockedUntil: now + policy.windowMillis } : window

/** The attempt succeeded: it was no failure. */
export const releaseAttempt = (window: AttemptWindow): AttemptWindow => ({
  ...window,
  attempts: Math.max(0, window.attempts - 1)
})

/** Neither blocked nor within its window: forgetting it changes nothing. */
export const isSpent = (policy: ThrottlePolicy, window: AttemptWindow, now: number): boolean =>
  window.blockedUntil <= now && window.startedAt + policy.windowMillis <= now

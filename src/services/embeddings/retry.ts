import { Data, Duration, Effect, Random } from "effect"
import {
  EmbeddingBadResponse,
  type EmbeddingError,
  EmbeddingKeyRejected,
  EmbeddingRateLimited,
  EmbeddingServerError,
  type EmbedProviderName
} from "../../domain/embedding-errors.js"

// One policy for every provider, applied here rather than by each SDK (whose own retries are off): up to six
// attempts, exponential backoff from half a second with jitter, at least what the server's Retry-After asks for, and
// never more than a minute between two attempts.
export const MAX_ATTEMPTS = 6
const BASE_DELAY_MS = 500
const MAX_DELAY_MS = 60_000

/** A failure worth another attempt: HTTP 429, 408, 5xx, or no answer (status 0). */
export class RetryableFailure extends Data.TaggedError("RetryableFailure")<{
  readonly status: number
  readonly retryAfterMs: number | null
  readonly reason: string
}> {}

export type RequestFailure = RetryableFailure | EmbeddingError

/** What the server asks to wait, from `retry-after-ms` or `Retry-After` (seconds or an HTTP date). */
export const retryAfterMs = (headers: Headers | undefined, now: number): number | null => {
  const ms = headers?.get("retry-after-ms")
  if (ms != null && Number.isFinite(parseFloat(ms))) return Math.max(0, parseFloat(ms))
  const value = headers?.get("retry-after")
  if (value == null) return null
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? null : Math.max(0, date - now)
}

/** The words of a server or SDK message, without the key in any form it was sent in. */
export const scrub = (message: string, secret: string) =>
  (secret.length >= 4 ? message.split(secret).join("***") : message).replace(/\bsk-[A-Za-z0-9_*.-]{6,}/g, "sk-***").slice(0, 500)

/**
 * An HTTP answer's failure as the providers share it: a refused key, a retryable status, or another refusal. The
 * server's words are not kept for 401/403, which may quote the key.
 */
export const httpFailure = (
  provider: EmbedProviderName,
  variable: string,
  status: number,
  headers: Headers | undefined,
  reason: string,
  now: number
): RequestFailure => {
  if (status === 401 || status === 403) return new EmbeddingKeyRejected({ provider, variable, status })
  if (status === 0 || status === 408 || status === 429 || status >= 500) {
    return new RetryableFailure({ status, retryAfterMs: retryAfterMs(headers, now), reason })
  }
  return new EmbeddingServerError({ provider, status, reason })
}

const delayMs = (attempt: number, asked: number | null) =>
  Effect.map(Random.nextRange(0.5, 1), (jitter) =>
    Math.min(MAX_DELAY_MS, Math.max(BASE_DELAY_MS * 2 ** (attempt - 1) * jitter, asked ?? 0)))

/** Runs a request under the shared policy; a failure still retryable after the last attempt becomes its typed error. */
export const withRetries = <A>(provider: EmbedProviderName, request: Effect.Effect<A, RequestFailure>) => {
  const attempt = (n: number): Effect.Effect<A, EmbeddingError> =>
    request.pipe(Effect.catchTag("RetryableFailure", (failure) =>
      n >= MAX_ATTEMPTS
        ? Effect.fail(
          failure.status === 429
            ? new EmbeddingRateLimited({ provider, attempts: n })
            : new EmbeddingServerError({ provider, status: failure.status, reason: failure.reason })
        )
        : delayMs(n, failure.retryAfterMs).pipe(
          Effect.tap((ms) => Effect.logDebug(`${provider}: HTTP ${failure.status}, attempt ${n + 1} in ${Math.round(ms)} ms`)),
          Effect.flatMap((ms) => Effect.sleep(Duration.millis(ms))),
          Effect.zipRight(Effect.suspend(() => attempt(n + 1)))
        )))
  return attempt(1)
}

/** Answers checked before use: one vector per text, all of the expected dimension. */
export const checkVectors = (
  provider: EmbedProviderName,
  vectors: ReadonlyArray<Float32Array>,
  count: number,
  dimension: number | null
): Effect.Effect<ReadonlyArray<Float32Array>, EmbeddingBadResponse> => {
  if (vectors.length !== count) {
    return Effect.fail(new EmbeddingBadResponse({ provider, reason: `${vectors.length} vectors for ${count} texts` }))
  }
  const wrong = vectors.find((v) => v.length === 0 || (dimension !== null && v.length !== dimension) || v.some((x) => !Number.isFinite(x)))
  if (wrong !== undefined) {
    return Effect.fail(new EmbeddingBadResponse({
      provider,
      reason: wrong.length === 0 || dimension === null || wrong.length === dimension
        ? "a vector is empty or holds a non-number"
        : `a vector of ${wrong.length} numbers where ${dimension} were expected`
    }))
  }
  return Effect.succeed(vectors)
}

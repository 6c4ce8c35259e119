import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"

// The failures of an embedding provider. None carries an API key or a server's words about it: a server may quote
// the key it rejected (masked or not), so a rejection is described by its status only.

export const EmbedProviderName = Schema.Literal("hash", "openai", "mistral")
export type EmbedProviderName = typeof EmbedProviderName.Type

/** The provider needs a key and the environment has none. */
export class EmbeddingKeyMissing extends Schema.TaggedError<EmbeddingKeyMissing>()("EmbeddingKeyMissing", {
  provider: EmbedProviderName,
  variable: Schema.String
}, HttpApiSchema.annotations({ status: 400 })) {
  override get message() {
    // Also a search's answer, for a land embedded with that provider: `--provider` is no option of `land search`.
    return `the ${this.provider} provider needs an API key: set ${this.variable} in the environment ` +
      "(the server's, when the command goes through one), or embed with the offline hash provider"
  }
}

/** The server refused the key (HTTP 401 or 403). */
export class EmbeddingKeyRejected extends Schema.TaggedError<EmbeddingKeyRejected>()("EmbeddingKeyRejected", {
  provider: EmbedProviderName,
  variable: Schema.String,
  status: Schema.Int
}, HttpApiSchema.annotations({ status: 502 })) {
  override get message() {
    return `the ${this.provider} server rejected the API key (HTTP ${this.status}): check ${this.variable}`
  }
}

/** Still HTTP 429 after the retries. */
export class EmbeddingRateLimited extends Schema.TaggedError<EmbeddingRateLimited>()("EmbeddingRateLimited", {
  provider: EmbedProviderName,
  attempts: Schema.Int
}, HttpApiSchema.annotations({ status: 503 })) {
  override get message() {
    return `the ${this.provider} server still limits the rate after ${this.attempts} attempts: try again later`
  }
}

/** HTTP 5xx (after the retries), another refusal, or no answer at all (`status` 0). */
export class EmbeddingServerError extends Schema.TaggedError<EmbeddingServerError>()("EmbeddingServerError", {
  provider: EmbedProviderName,
  status: Schema.Int,
  reason: Schema.String
}, HttpApiSchema.annotations({ status: 502 })) {
  override get message() {
    return `the ${this.provider} server failed${this.status === 0 ? "" : ` (HTTP ${this.status})`}: ${this.reason}`
  }
}

/** An answer that is not the vectors asked for (count, dimension, encoding). */
export class EmbeddingBadResponse extends Schema.TaggedError<EmbeddingBadResponse>()("EmbeddingBadResponse", {
  provider: EmbedProviderName,
  reason: Schema.String
}, HttpApiSchema.annotations({ status: 502 })) {
  override get message() {
    return `the ${this.provider} server answered something unexpected: ${this.reason}`
  }
}

export type EmbeddingError =
  | EmbeddingKeyMissing
  | EmbeddingKeyRejected
  | EmbeddingRateLimited
  | EmbeddingServerError
  | EmbeddingBadResponse

/** What can be retried: a rate limit or a server failure, not a missing or refused key or a malformed answer. */
export const isTransient = (e: EmbeddingError): boolean =>
  e._tag === "EmbeddingRateLimited" || e._tag === "EmbeddingServerError" && (e.status === 0 || e.status >= 500 || e.status === 408)

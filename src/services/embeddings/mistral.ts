import { Clock, Effect, Redacted } from "effect"
import { EmbeddingBadResponse, type EmbeddingError } from "../../domain/embedding-errors.js"
import { normalise } from "../../domain/vector.js"
import { type Embedder, embedInRequests, modelKey, type RequestLimits } from "./Embedder.js"
import { checkVectors, httpFailure, type RequestFailure, RetryableFailure, scrub, withRetries } from "./retry.js"

export const MISTRAL_DEFAULT_MODEL = "mistral-embed"
export const MISTRAL_KEY_VARIABLE = "MISTRAL_API_KEY"

// Mistral takes about 16,000 tokens per request for mistral-embed; inputs are counted generously.
const LIMITS: RequestLimits = { maxInputs: 128, maxTokens: 15_000, concurrency: 2 }
const KNOWN_DIMENSIONS: Record<string, number> = { "mistral-embed": 1024 }

export interface MistralSettings {
  readonly apiKey: Redacted.Redacted
  /** Another server than Mistral's (`MWI_MISTRAL_SERVER_URL`); none means the SDK's own. */
  readonly serverUrl: string | null
  readonly model: string
  readonly timeoutMs: number
  /** Texts per request (`MWI_EMBED_BATCH_SIZE`); none means the provider's default. */
  readonly batchSize?: number | undefined
  /** Known from a stored model key: spares asking the server. */
  readonly dimension?: number | undefined
}

/** Mistral's embeddings API through `@mistralai/mistralai`, its retries off (the shared policy applies). */
export const makeMistralEmbedder = (settings: MistralSettings): Effect.Effect<Embedder, EmbeddingError> =>
  Effect.gen(function*() {
    const secret = Redacted.value(settings.apiKey)
    const limits: RequestLimits = { ...LIMITS, maxInputs: settings.batchSize ?? LIMITS.maxInputs }
    // Loaded when used: the SDK costs about a second of CPU to load, which every other command would pay.
    const [{ Mistral }, { MistralError, ResponseValidationError }] = yield* Effect.promise(() =>
      Promise.all([import("@mistralai/mistralai"), import("@mistralai/mistralai/models/errors")])
    )
    const client = new Mistral({
      apiKey: secret,
      ...(settings.serverUrl === null ? {} : { serverURL: settings.serverUrl }),
      retryConfig: { strategy: "none" },
      timeoutMs: settings.timeoutMs
    })

    const failure = (e: unknown, now: number): RequestFailure => {
      if (e instanceof ResponseValidationError) {
        return new EmbeddingBadResponse({ provider: "mistral", reason: scrub(e.message, secret) })
      }
      if (e instanceof MistralError) {
        return httpFailure("mistral", MISTRAL_KEY_VARIABLE, e.statusCode, e.headers, scrub(e.message, secret), now)
      }
      const reason = e instanceof Error ? e.message : String(e)
      const what = e instanceof SyntaxError ? "an answer that is not JSON" : "no answer"
      return new RetryableFailure({ status: 0, retryAfterMs: null, reason: `${what}: ${scrub(reason, secret)}` })
    }

    const request = (dimension: number | null) => (texts: ReadonlyArray<string>) =>
      withRetries("mistral", Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.tryPromise({
          try: (signal) => client.embeddings.create({ model: settings.model, inputs: [...texts] }, { fetchOptions: { signal } }),
          catch: (e) => failure(e, now)
        }))).pipe(
          Effect.flatMap((answer) => {
            const vectors = answer.data.map((d) => d.embedding === undefined ? null : Float32Array.from(d.embedding))
            return vectors.some((v) => v === null)
              ? Effect.fail(new EmbeddingBadResponse({ provider: "mistral", reason: "an answer without its embedding" }))
              : checkVectors("mistral", vectors as Array<Float32Array>, texts.length, dimension)
          }),
          Effect.map((vectors) => vectors.map(normalise))
        )

    const dimension = settings.dimension ?? KNOWN_DIMENSIONS[settings.model] ?? (yield* request(null)(["dimension"]))[0]!.length
    return {
      provider: "mistral",
      model: settings.model,
      dimension,
      key: modelKey("mistral", settings.model, dimension),
      batchSize: limits.maxInputs,
      concurrency: limits.concurrency,
      embed: (texts) => embedInRequests(texts, limits, request(dimension))
    } satisfies Embedder
  })

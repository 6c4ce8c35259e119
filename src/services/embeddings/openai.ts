import { Clock, Effect, Redacted } from "effect"
import OpenAI from "openai"
import { EmbeddingBadResponse, type EmbeddingError } from "../../domain/embedding-errors.js"
import { normalise } from "../../domain/vector.js"
import { type Embedder, embedInRequests, modelKey, type RequestLimits } from "./Embedder.js"
import { checkVectors, httpFailure, type RequestFailure, RetryableFailure, scrub, withRetries } from "./retry.js"

export const OPENAI_DEFAULT_MODEL = "text-embedding-3-small"
export const OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1"
export const OPENAI_KEY_VARIABLE = "OPENAI_API_KEY"

// OpenAI takes up to 2,048 inputs and 300,000 tokens per request; servers that speak its API (Ollama, vLLM, TEI)
// often take fewer tokens, so requests stay well within.
const LIMITS: RequestLimits = { maxInputs: 256, maxTokens: 100_000, concurrency: 2 }
const KNOWN_DIMENSIONS: Record<string, number> = {
  "text-embedding-3-small": 1536,
  "text-embedding-3-large": 3072,
  "text-embedding-ada-002": 1536
}

export interface OpenAiSettings {
  readonly apiKey: Redacted.Redacted
  readonly baseUrl: string
  readonly model: string
  readonly timeoutMs: number
  /** Texts per request (`MWI_EMBED_BATCH_SIZE`); none means the provider's default. */
  readonly batchSize?: number | undefined
  /** Known from a stored model key: spares asking the server. */
  readonly dimension?: number | undefined
}

/** A vector as the server sent it: base64 float32 little-endian (asked for), or a list of numbers (servers that ignore it). */
const decode = (embedding: unknown): Float32Array | null => {
  if (typeof embedding === "string") {
    const bytes = Buffer.from(embedding, "base64")
    if (bytes.byteLength % 4 !== 0) return null
    const v = new Float32Array(bytes.byteLength / 4)
    for (let i = 0; i < v.length; i++) v[i] = bytes.readFloatLE(i * 4)
    return v
  }
  return Array.isArray(embedding) && embedding.every((x) => typeof x === "number") ? Float32Array.from(embedding) : null
}

/**
 * OpenAI's embeddings API through the `openai` package, for OpenAI and every server that speaks it. The model's
 * dimension is known for OpenAI's models and asked of the server with one text for the others.
 */
export const makeOpenAiEmbedder = (settings: OpenAiSettings): Effect.Effect<Embedder, EmbeddingError> =>
  Effect.gen(function*() {
    const secret = Redacted.value(settings.apiKey)
    const limits: RequestLimits = { ...LIMITS, maxInputs: settings.batchSize ?? LIMITS.maxInputs }
    const client = new OpenAI({ apiKey: secret, baseURL: settings.baseUrl, maxRetries: 0, timeout: settings.timeoutMs })

    const failure = (e: unknown, now: number): RequestFailure => {
      if (e instanceof OpenAI.APIError && typeof e.status === "number") {
        return httpFailure("openai", OPENAI_KEY_VARIABLE, e.status, e.headers, scrub(e.message, secret), now)
      }
      const reason = e instanceof Error ? e.message : String(e)
      // A 200 whose body is no JSON (a proxy's page, say) reaches here as the SDK's SyntaxError.
      const what = e instanceof SyntaxError ? "an answer that is not JSON" : "no answer"
      return new RetryableFailure({ status: 0, retryAfterMs: null, reason: `${what} from ${settings.baseUrl}: ${scrub(reason, secret)}` })
    }

    const request = (dimension: number | null) => (texts: ReadonlyArray<string>) =>
      withRetries("openai", Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.tryPromise({
          try: (signal) =>
            client.embeddings.create({ model: settings.model, input: [...texts], encoding_format: "base64" }, { signal }),
          catch: (e) => failure(e, now)
        }))).pipe(
          Effect.flatMap((answer) => {
            const data = Array.isArray(answer?.data) ? [...answer.data].sort((a, b) => a.index - b.index) : null
            const vectors = data?.map((d) => decode(d.embedding))
            return vectors === undefined || vectors.some((v) => v === null)
              ? Effect.fail(new EmbeddingBadResponse({ provider: "openai", reason: "no embeddings in the answer, or one not base64 float32 nor a list of numbers" }))
              : checkVectors("openai", vectors as Array<Float32Array>, texts.length, dimension)
          }),
          Effect.map((vectors) => vectors.map(normalise))
        )

    const dimension = settings.dimension ?? KNOWN_DIMENSIONS[settings.model] ?? (yield* request(null)(["dimension"]))[0]!.length
    return {
      provider: "openai",
      model: settings.model,
      dimension,
      key: modelKey("openai", settings.model, dimension),
      batchSize: limits.maxInputs,
      concurrency: limits.concurrency,
      embed: (texts) => embedInRequests(texts, limits, request(dimension))
    } satisfies Embedder
  })

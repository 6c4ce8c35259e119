import { Config, Effect, Option, Redacted, Schema } from "effect"
import {
  type EmbeddingError,
  EmbeddingKeyMissing,
  EmbedProviderName
} from "../domain/embedding-errors.js"
import { InvalidInput } from "../domain/errors.js"
import { type Embedder, parseModelKey } from "./embeddings/Embedder.js"
import { HASH_MODEL, hashEmbedder } from "./embeddings/hash.js"
import { makeMistralEmbedder, MISTRAL_DEFAULT_MODEL, MISTRAL_KEY_VARIABLE } from "./embeddings/mistral.js"
import { makeOpenAiEmbedder, OPENAI_DEFAULT_BASE_URL, OPENAI_DEFAULT_MODEL, OPENAI_KEY_VARIABLE } from "./embeddings/openai.js"
import { nonNegativeInt, positiveInt } from "./config.js"

/** The provider and model a job asks for; unset, `MWI_EMBED_PROVIDER` (default `hash`) and the provider's default model. */
export interface EmbedderChoice {
  readonly provider?: EmbedProviderName | undefined
  readonly model?: string | undefined
}

const isProvider = Schema.is(EmbedProviderName)

// Keys are read when a model is chosen, never at start (a land embedded offline needs none), and kept only inside the
// SDK client of that choice.
const apiKey = (provider: EmbedProviderName, variable: string) =>
  Config.option(Config.redacted(variable)).pipe(
    Effect.orDie,
    Effect.flatMap((key) =>
      Option.isSome(key) && Redacted.value(key.value).trim() !== ""
        ? Effect.succeed(key.value)
        : Effect.fail(new EmbeddingKeyMissing({ provider, variable }))
    )
  )

const optionalText = (name: string) =>
  Config.option(Config.string(name)).pipe(
    Effect.orDie,
    Effect.map((v) => Option.filter(v, (s) => s.trim() !== "").pipe(Option.getOrNull))
  )

const setting = (name: string, config: Config.Config<number>) =>
  Effect.mapError(config, (e) => new InvalidInput({ field: name, reason: String(e).replace(/^.*?: /, "") }))
const timeoutMs = setting("MWI_EMBED_TIMEOUT_MS", positiveInt("MWI_EMBED_TIMEOUT_MS", 60_000))
const batchSize = setting("MWI_EMBED_BATCH_SIZE", nonNegativeInt("MWI_EMBED_BATCH_SIZE", 0)).pipe(
  Effect.map((n) => (n === 0 ? undefined : n))
)

const choose = (choice: EmbedderChoice, dimension?: number): Effect.Effect<Embedder, EmbeddingError | InvalidInput> =>
  Effect.gen(function*() {
    const provider = choice.provider ?? (yield* optionalText("MWI_EMBED_PROVIDER")) ?? "hash"
    if (!isProvider(provider)) {
      return yield* new InvalidInput({ field: "MWI_EMBED_PROVIDER", reason: `"${provider}" is not hash, openai or mistral` })
    }
    switch (provider) {
      case "hash":
        if (choice.model !== undefined && choice.model !== HASH_MODEL) {
          return yield* new InvalidInput({ field: "model", reason: `the hash provider has one model, ${HASH_MODEL}` })
        }
        return hashEmbedder
      case "openai":
        return yield* makeOpenAiEmbedder({
          apiKey: yield* apiKey("openai", OPENAI_KEY_VARIABLE),
          baseUrl: (yield* optionalText("OPENAI_BASE_URL")) ?? OPENAI_DEFAULT_BASE_URL,
          model: choice.model ?? OPENAI_DEFAULT_MODEL,
          timeoutMs: yield* timeoutMs,
          batchSize: yield* batchSize,
          dimension
        })
      case "mistral":
        return yield* makeMistralEmbedder({
          apiKey: yield* apiKey("mistral", MISTRAL_KEY_VARIABLE),
          serverUrl: yield* optionalText("MWI_MISTRAL_SERVER_URL"),
          model: choice.model ?? MISTRAL_DEFAULT_MODEL,
          timeoutMs: yield* timeoutMs,
          batchSize: yield* batchSize,
          dimension
        })
    }
  })

/** The model of stored vectors, by their key (to embed a query the way a land's paragraphs were). */
const forKey = (key: string): Effect.Effect<Embedder, EmbeddingError | InvalidInput> =>
  Effect.gen(function*() {
    const parsed = parseModelKey(key)
    if (parsed === null || !isProvider(parsed.provider)) {
      return yield* new InvalidInput({ field: "model", reason: `"${key}" is not a model key (provider/model/dimension)` })
    }
    const embedder = yield* choose({ provider: parsed.provider, model: parsed.model }, parsed.dimension)
    if (embedder.key !== key) {
      return yield* new InvalidInput({ field: "model", reason: `${key} is not available here (${embedder.key} is)` })
    }
    return embedder
  })

/**
 * The embedding models a job or a search may use: the offline `hash` provider, OpenAI-compatible servers, Mistral.
 * A missing key, an unknown provider or model is an error before any work.
 */
export class Embedders extends Effect.Service<Embedders>()("mwi/Embedders", { succeed: { choose, forKey } }) {}

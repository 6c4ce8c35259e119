import { Effect } from "effect"
import type { EmbeddingError, EmbedProviderName } from "../../domain/embedding-errors.js"

/**
 * An embedding model, ready to use: its vectors are L2-normalised `Float32Array`s of `dimension` numbers, one per text
 * in the order given, stored and compared under `key` only.
 */
export interface Embedder {
  readonly provider: EmbedProviderName
  readonly model: string
  readonly dimension: number
  /** `provider/model/dimension`: the name its vectors are stored under (vectors of different keys are never compared). */
  readonly key: string
  /** Texts worth gathering for one `embed` call (the embed stage groups pages up to it). */
  readonly batchSize: number
  /** Calls of `embed` worth running at once. */
  readonly concurrency: number
  readonly embed: (texts: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<Float32Array>, EmbeddingError>
}

export const modelKey = (provider: EmbedProviderName, model: string, dimension: number) => `${provider}/${model}/${dimension}`

/** A model key's parts back (the model name may hold slashes: `openai/org/model-name/768`). */
export const parseModelKey = (key: string): { provider: string; model: string; dimension: number } | null => {
  const m = /^([^/]+)\/(.+)\/(\d+)$/.exec(key)
  return m === null ? null : { provider: m[1]!, model: m[2]!, dimension: Number(m[3]) }
}

/** What one request to a provider may hold. */
export interface RequestLimits {
  readonly maxInputs: number
  /** Approximate: a token is taken as 3 characters, which overestimates for English and French prose. */
  readonly maxTokens: number
  /** Requests in flight at once. */
  readonly concurrency: number
}

export const approximateTokens = (text: string) => Math.ceil(text.length / 3)

/** Texts cut into consecutive requests, each within the limits (a text alone over the token limit goes alone). */
export const requestsOf = (texts: ReadonlyArray<string>, limits: RequestLimits): Array<Array<string>> => {
  const requests: Array<Array<string>> = []
  let current: Array<string> = []
  let tokens = 0
  for (const text of texts) {
    const t = approximateTokens(text)
    if (current.length > 0 && (current.length >= limits.maxInputs || tokens + t > limits.maxTokens)) {
      requests.push(current)
      current = []
      tokens = 0
    }
    current.push(text)
    tokens += t
  }
  if (current.length > 0) requests.push(current)
  return requests
}

/** Embeds texts through requests within the limits, at most `concurrency` in flight, answers in the texts' order. */
export const embedInRequests = <E>(
  texts: ReadonlyArray<string>,
  limits: RequestLimits,
  request: (texts: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<Float32Array>, E>
) =>
  Effect.forEach(requestsOf(texts, limits), request, { concurrency: limits.concurrency }).pipe(
    Effect.map((answers) => answers.flat())
  )

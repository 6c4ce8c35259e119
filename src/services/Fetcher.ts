import { HttpClient, type HttpClientError, HttpClientRequest } from "@effect/platform"
import { Clock, Data, Duration, Effect, Either, Layer, Random } from "effect"
import {
  type FetchFailure,
  type FetchResult,
  FetchTimeout,
  InvalidRedirect,
  NetworkError,
  parseRetryAfter,
  type RedirectHop,
  RedirectLoop,
  type TextBody,
  TooManyRedirects
} from "../domain/fetch.js"
import { normalizeUrl } from "../domain/url.js"
import { announcingSent, CrawlerHttpClient } from "./CrawlerHttpClient.js"
import type { ResponseHead } from "./fetcher/body.js"
import { type ContentReader, contentReaders } from "./fetcher/readers.js"
import { FetcherConfig, type FetcherSettings } from "./FetcherConfig.js"
import type { HostAnswer } from "./HostPace.js"
import { NetworkGuard } from "./NetworkGuard.js"
import { isTransient, transportFailure } from "./fetcher/transport.js"

export interface FetchOptions {
  /** Checked for the first URL and every redirect hop before it is requested (robots.txt): its failure is the URL's. */
  readonly allow?: (url: string) => Effect.Effect<void, FetchFailure>
  /** Runs right before each request goes out (every attempt and redirect hop), for politeness bookkeeping. */
  readonly onRequest?: (url: string) => Effect.Effect<void>
  /** Called once per attempt as its request leaves (or, with a client that cannot tell, when its answer comes). */
  readonly onSent?: (url: string) => void
  /** Called with each answer's status and how long its head took to come (politeness adapts its pace to them). */
  readonly onAnswer?: (url: string, answer: HostAnswer) => void
  /** Overrides the configured `maxRedirects` for this call. */
  readonly maxRedirects?: number
  /** Overrides the configured User-Agent for this call (a job's own). */
  readonly userAgent?: string | undefined
}

export interface BytesOptions extends FetchOptions {
  /** Larger bodies fail with `BodyTooLarge`, before any byte is read when Content-Length says so. */
  readonly maxBytes: number
  /**
   * Only the size is wanted: a declared Content-Length is taken without reading (whatever `maxBytes`), else bytes are
   * counted, not kept, up to `maxBytes`.
   */
  readonly sizeOnly?: boolean
}

/** A response of `fetchBytes`: the body is only read for a 2xx answer. */
export interface BytesBody extends Omit<TextBody, "charset" | "body" | "bytes"> {
  /** Null when not read: a status other than 2xx, or `sizeOnly`. */
  readonly body: Uint8Array | null
  /** Body size after content decoding, or as declared (`sizeOnly`); null when not read. */
  readonly bytes: number | null
}

const ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
const ACCEPT_ENCODING = "gzip, deflate, br"
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])

const isRetryableStatus = (status: number) => status === 429 || status >= 500

/** A 5xx/429 that is not the last attempt: retried without reading its body. */
class RetryableStatus extends Data.TaggedError("RetryableStatus")<{
  readonly status: number
  readonly retryAfterMs: number | undefined
}> {}

type Hop<C> =
  | { readonly _tag: "Redirect"; readonly status: number; readonly location: string }
  | { readonly _tag: "Final"; readonly head: ResponseHead; readonly content: C }

const requestFailure = (url: string, error: HttpClientError.HttpClientError, timeoutMs: number) =>
  error._tag === "RequestError" && error.reason === "InvalidUrl"
    ? new NetworkError({ url, message: "invalid URL" })
    : transportFailure(url, error, timeoutMs)

const make = Effect.gen(function*() {
  const settings = yield* FetcherConfig
  // withScope aborts the request (and its socket) when the attempt's scope closes: unread bodies (redirects,
  // non-HTML, oversized) are dropped at once. Trace headers are not sent to the sites crawled.
  const client = (yield* CrawlerHttpClient).pipe(HttpClient.withTracerPropagation(false), HttpClient.withScope)
  const headersFor = (userAgent: string | undefined) => ({
    "user-agent": userAgent ?? settings.userAgent,
    accept: ACCEPT,
    "accept-encoding": ACCEPT_ENCODING
  })

  const attempt = <C>(url: string, read: ContentReader<C>, last: boolean, options: FetchOptions) => {
    const headers = headersFor(options.userAgent)
    let phase: "headers" | "body" = "headers"
    let sent = false
    const onSent = () => {
      if (!sent) options.onSent?.(url)
      sent = true
    }
    return Effect.gen(function*() {
      if (options.onRequest) yield* options.onRequest(url)
      const askedAt = yield* Clock.currentTimeMillis
      const response = yield* client.execute(HttpClientRequest.get(url).pipe(HttpClientRequest.setHeaders(headers)))
        .pipe(announcingSent(onSent), Effect.mapError((error) => requestFailure(url, error, settings.timeoutMs)))
      onSent()
      if (options.onAnswer) {
        const now = yield* Clock.currentTimeMillis
        const retryAfterMs = parseRetryAfter(response.headers["retry-after"], now)
        options.onAnswer(url, { status: response.status, elapsedMs: now - askedAt, retryAfterMs })
      }
      phase = "body"
      const head: ResponseHead = { status: response.status, headers: { ...response.headers } }
      const location = head.headers["location"]
      if (REDIRECT_STATUSES.has(head.status) && location !== undefined) {
        return { _tag: "Redirect", status: head.status, location } satisfies Hop<C>
      }
      if (isRetryableStatus(head.status) && !last) {
        const now = yield* Clock.currentTimeMillis
        return yield* new RetryableStatus({
          status: head.status,
          retryAfterMs: parseRetryAfter(head.headers["retry-after"], now)
        })
      }
      return { _tag: "Final", head, content: yield* read(url, head, response) } satisfies Hop<C>
    }).pipe(
      Effect.scoped,
      Effect.timeoutFail({
        duration: Duration.millis(settings.timeoutMs),
        onTimeout: () => new FetchTimeout({ url, phase, timeoutMs: settings.timeoutMs })
      })
    )
  }

  const backoff = (failed: number, error: FetchFailure | RetryableStatus) =>
    Effect.gen(function*() {
      const retryAfterMs = error._tag === "RetryableStatus" ? error.retryAfterMs : undefined
      if (retryAfterMs !== undefined) return Math.min(retryAfterMs, settings.retryAfterCapMs)
      const jitter = yield* Random.nextRange(0.5, 1.5)
      return Math.round(settings.backoffBaseMs * 2 ** (failed - 1) * jitter)
    })

  /** One URL with its retries; the last attempt returns a 5xx/429 as a result. */
  const request = <C>(url: string, read: ContentReader<C>, options: FetchOptions) => {
    const loop = (n: number): Effect.Effect<readonly [Hop<C>, number], FetchFailure> =>
      attempt(url, read, n > settings.retries, options).pipe(
        Effect.map((hop) => [hop, n] as const),
        Effect.catchAll((error) => {
          const retryable = error._tag === "RetryableStatus" || (n <= settings.retries && isTransient(error))
          if (!retryable) return Effect.fail(error)
          return backoff(n, error).pipe(
            Effect.tap((delayMs) =>
              Effect.logDebug(`retrying in ${delayMs} ms`).pipe(
                Effect.annotateLogs({ url, attempt: n, after: error._tag === "RetryableStatus" ? error.status : error._tag })
              )
            ),
            Effect.flatMap((delayMs) => Effect.sleep(Duration.millis(delayMs))),
            Effect.zipRight(loop(n + 1))
          )
        })
      )
    return loop(1)
  }

  /** Follows redirects by hand so each hop is normalised, loop-checked, robots-checked and recorded. */
  const follow = <C>(requestedUrl: string, read: ContentReader<C>, options: FetchOptions) =>
    Effect.gen(function*() {
      const startedAt = yield* Clock.currentTimeMillis
      const maxRedirects = options.maxRedirects ?? settings.maxRedirects
      const start = normalizeUrl(requestedUrl)
      if (Either.isLeft(start)) return yield* new NetworkError({ url: requestedUrl, message: start.left.message })
      let current = start.right
      const redirects: Array<RedirectHop> = []
      for (;;) {
        if (options.allow) yield* options.allow(current)
        const [hop, attempts] = yield* request(current, read, options)
        if (hop._tag === "Final") {
          const elapsedMs = (yield* Clock.currentTimeMillis) - startedAt
          const meta = {
            requestedUrl,
            finalUrl: current,
            status: hop.head.status,
            headers: hop.head.headers,
            contentType: hop.head.headers["content-type"] ?? null,
            redirects,
            elapsedMs,
            attempts
          }
          return { meta, content: hop.content }
        }
        redirects.push({ url: current, status: hop.status })
        const next = normalizeUrl(hop.location, current)
        if (Either.isLeft(next)) return yield* new InvalidRedirect({ url: current, location: hop.location })
        const chain = [...redirects.map((r) => r.url), next.right]
        if (redirects.some((r) => r.url === next.right)) return yield* new RedirectLoop({ url: requestedUrl, chain })
        if (redirects.length > maxRedirects) {
          return yield* new TooManyRedirects({ url: requestedUrl, chain, max: maxRedirects })
        }
        current = next.right
      }
    })

  const { readBytes, readPage, readText } = contentReaders(settings.maxBodyBytes)

  /**
   * Fetches a page. Redirects, 4xx and final 5xx/429 are results; only the failures of `FetchFailure` fail. A response
   * whose Content-Type is not HTML is returned as `NotHtml` without reading its body; a missing or malformed
   * Content-Type is sniffed from the first bytes.
   */
  const fetch = (url: string, options: FetchOptions = {}): Effect.Effect<FetchResult, FetchFailure> =>
    follow(url, readPage, options).pipe(
      Effect.map(({ content, meta }): FetchResult =>
        content._tag === "Text"
          ? { _tag: "Html", ...meta, charset: content.charset, body: content.body, bytes: content.bytes }
          : { _tag: "NotHtml", ...meta, bytes: content.bytes }
      ),
      Effect.withSpan("Fetcher.fetch", { attributes: { url } })
    )

  /** Like `fetch`, but reads and decodes the body whatever its content type (robots.txt, sitemaps). */
  const fetchText = (url: string, options: FetchOptions = {}): Effect.Effect<TextBody, FetchFailure> =>
    follow(url, readText, options).pipe(
      Effect.map(({ content, meta }): TextBody => ({
        ...meta,
        charset: content.charset,
        body: content.body,
        bytes: content.bytes
      })),
      Effect.withSpan("Fetcher.fetchText", { attributes: { url } })
    )

  /**
   * Fetches a binary resource (an image, a video) under its own byte cap. Redirects are followed, and an answer other
   * than 2xx is a result whose body is not read.
   */
  const fetchBytes = (url: string, options: BytesOptions): Effect.Effect<BytesBody, FetchFailure> =>
    follow(url, readBytes(options.maxBytes, options.sizeOnly ?? false), options).pipe(
      Effect.map(({ content, meta }): BytesBody => ({ ...meta, body: content.body, bytes: content.bytes })),
      Effect.withSpan("Fetcher.fetchBytes", { attributes: { url } })
    )

  return { settings, fetch, fetchText, fetchBytes } as const
})

export interface FetcherLayerOptions {
  /** Overrides on top of the `Config` values (tests use small timeouts). */
  readonly config?: Partial<FetcherSettings>
  readonly allowPrivateNetwork?: boolean | undefined
}

/** The crawler's HTTP client: guarded, capped, timed out, retried, redirect-aware. */
export class Fetcher extends Effect.Service<Fetcher>()("mwi/Fetcher", { scoped: make }) {
  /** A Fetcher on its own guarded HTTP client; unset settings come from `Config`. */
  static readonly layer = (options: FetcherLayerOptions = {}) =>
    Fetcher.Default.pipe(
      Layer.provide(CrawlerHttpClient.Default),
      Layer.provide(Layer.merge(
        FetcherConfig.layer(options.config),
        NetworkGuard.layer({ allowPrivateNetwork: options.allowPrivateNetwork })
      ))
    )
}

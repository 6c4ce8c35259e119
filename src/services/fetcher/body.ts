import type { HttpClientResponse } from "@effect/platform"
import * as NodeStream from "@effect/platform-node/NodeStream"
import { Effect, Stream } from "effect"
import type { Duplex } from "node:stream"
import * as zlib from "node:zlib"
import { BodyTooLarge, decodeBody, looksLikeHtml, NetworkError, SNIFF_BYTES } from "../../domain/fetch.js"

// Reading a response body: content decoding, the byte cap, HTML sniffing and charset decoding.

export interface ResponseHead {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
}

export interface TextContent {
  readonly _tag: "Text"
  readonly body: string
  readonly charset: string
  readonly bytes: number
}

// undici.request does not decompress: bodies are decoded here, and the byte cap counts decoded bytes, so a small
// compressed body that inflates hugely (a gzip bomb) is cut like any other oversized body.
const DECODERS: Readonly<Record<string, () => Duplex>> = {
  gzip: () => zlib.createGunzip(),
  "x-gzip": () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress()
}

/** The innermost cause's message, with its error code when the message does not already say it. */
export const describe = (error: unknown): string => {
  let innermost: unknown = error
  for (let depth = 0; depth < 8; depth++) {
    const cause = (innermost as { cause?: unknown } | null)?.cause
    if (cause === undefined || cause === null) break
    innermost = cause
  }
  if (!(innermost instanceof Error)) return String(innermost)
  const code = (innermost as { code?: unknown }).code
  return typeof code === "string" && !innermost.message.includes(code) ? `${innermost.message} (${code})` : innermost.message
}

export const declaredLength = (head: ResponseHead): number | undefined => {
  const value = head.headers["content-length"]
  return value !== undefined && /^\d+$/.test(value.trim()) ? Number(value) : undefined
}

/** The body stream with its Content-Encoding undone (codings applied in order, so undone in reverse). */
export const decodedStream = (url: string, head: ResponseHead, response: HttpClientResponse.HttpClientResponse) => {
  const codings = (head.headers["content-encoding"] ?? "").split(",")
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== "" && coding !== "identity")
    .reverse()
  const raw: Stream.Stream<Uint8Array, NetworkError> = response.stream.pipe(
    Stream.mapError((error) => new NetworkError({ url, message: describe(error) }))
  )
  return codings.reduce<Stream.Stream<Uint8Array, NetworkError>>((stream, coding) => {
    const decoder = DECODERS[coding]
    return decoder === undefined
      ? Stream.fail(new NetworkError({ url, message: `unsupported Content-Encoding "${coding}"` }))
      : NodeStream.pipeThroughDuplex(
        stream,
        decoder,
        (cause) => new NetworkError({ url, message: `cannot decode ${coding} body: ${describe(cause)}` })
      )
  }, raw)
}

export interface BodyRead {
  readonly chunks: Array<Uint8Array>
  readonly bytes: number
  /** undefined until enough bytes were seen to sniff (or when not sniffing: then true). */
  readonly html: boolean | undefined
}

/**
 * Reads the body chunk by chunk and fails as soon as the cap is crossed: the stream is interrupted, which destroys the
 * response and its socket, so an oversized body is never buffered. When sniffing, reading stops at the first
 * `SNIFF_BYTES` if they do not look like HTML.
 */
export const readBody = (stream: Stream.Stream<Uint8Array, NetworkError>, url: string, limitBytes: number, sniff: boolean) =>
  Effect.suspend(() => stream.pipe(
    Stream.runFoldWhileEffect(
      { chunks: [], bytes: 0, html: sniff ? undefined : true } as BodyRead,
      (read) => read.html !== false,
      (read, chunk): Effect.Effect<BodyRead, BodyTooLarge> => {
        const bytes = read.bytes + chunk.length
        if (bytes > limitBytes) return Effect.fail(new BodyTooLarge({ url, limitBytes }))
        read.chunks.push(chunk)
        const html = read.html ?? (bytes >= SNIFF_BYTES ? looksLikeHtml(Buffer.concat(read.chunks)) : undefined)
        return Effect.succeed({ chunks: read.chunks, bytes, html })
      }
    ),
    Effect.map((read) => ({ ...read, html: read.html ?? looksLikeHtml(Buffer.concat(read.chunks)) }))
  ))

export interface BytesContent {
  readonly body: Uint8Array | null
  readonly bytes: number | null
}

export const countBytes = (stream: Stream.Stream<Uint8Array, NetworkError>, url: string, limitBytes: number) =>
  Stream.runFoldEffect(stream, 0, (bytes, chunk): Effect.Effect<number, BodyTooLarge> =>
    bytes + chunk.length > limitBytes
      ? Effect.fail(new BodyTooLarge({ url, limitBytes }))
      : Effect.succeed(bytes + chunk.length))

export const textContent = (read: BodyRead, headerCharset: string | undefined): TextContent => {
  const { charset, text } = decodeBody(Buffer.concat(read.chunks), headerCharset)
  return { _tag: "Text", body: text, charset, bytes: read.bytes }
}

import type { HttpClientResponse } from "@effect/platform"
import { Effect } from "effect"
import { BodyTooLarge, type FetchFailure, isHtmlMime, parseContentType } from "../../domain/fetch.js"
import {
  type BytesContent,
  countBytes,
  declaredLength,
  decodedStream,
  readBody,
  type ResponseHead,
  type TextContent,
  textContent
} from "./body.js"

export interface SkippedContent {
  readonly _tag: "Skipped"
  readonly bytes: number | null
}

export type ContentReader<C> = (
  url: string,
  head: ResponseHead,
  response: HttpClientResponse.HttpClientResponse
) => Effect.Effect<C, FetchFailure>

/** What the Fetcher reads of a final answer: a page (HTML only, sniffed when untyped), any text, or bytes. */
export const contentReaders = (maxBodyBytes: number) => {
  const readPage: ContentReader<TextContent | SkippedContent> = (url, head, response) =>
    Effect.gen(function*() {
      const contentType = parseContentType(head.headers["content-type"])
      const declared = declaredLength(head)
      if (contentType !== undefined && !isHtmlMime(contentType.mime)) {
        return { _tag: "Skipped", bytes: declared ?? null } as const
      }
      if (declared !== undefined && declared > maxBodyBytes) {
        return yield* new BodyTooLarge({ url, limitBytes: maxBodyBytes })
      }
      const body = yield* readBody(decodedStream(url, head, response), url, maxBodyBytes, contentType === undefined)
      if (!body.html) return { _tag: "Skipped", bytes: declared ?? null } as const
      return textContent(body, contentType?.charset)
    })

  const readText: ContentReader<TextContent> = (url, head, response) =>
    Effect.gen(function*() {
      const declared = declaredLength(head)
      if (declared !== undefined && declared > maxBodyBytes) {
        return yield* new BodyTooLarge({ url, limitBytes: maxBodyBytes })
      }
      const body = yield* readBody(decodedStream(url, head, response), url, maxBodyBytes, false)
      return textContent(body, parseContentType(head.headers["content-type"])?.charset)
    })

  const readBytes = (maxBytes: number, sizeOnly: boolean): ContentReader<BytesContent> => (url, head, response) =>
    Effect.gen(function*() {
      if (head.status < 200 || head.status >= 300) return { body: null, bytes: null }
      const declared = declaredLength(head)
      // A declared length is the encoded size, so with a Content-Encoding the decoded bytes are counted instead.
      const encoded = (head.headers["content-encoding"] ?? "identity").trim().toLowerCase() !== "identity"
      if (sizeOnly && declared !== undefined && !encoded) return { body: null, bytes: declared }
      if (declared !== undefined && declared > maxBytes) return yield* new BodyTooLarge({ url, limitBytes: maxBytes })
      const stream = decodedStream(url, head, response)
      if (sizeOnly) return { body: null, bytes: yield* countBytes(stream, url, maxBytes) }
      const read = yield* readBody(stream, url, maxBytes, false)
      return { body: Buffer.concat(read.chunks), bytes: read.bytes }
    })

  return { readPage, readText, readBytes } as const
}

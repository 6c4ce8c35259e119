// The entry of an ExtractorPool worker thread: extracts one page per message, and scores it when sent the land's
// dictionary. It runs no Effect runtime: the pool on the main thread owns timeouts, crashes and replacement, and a
// worker only answers.
import { parentPort } from "node:worker_threads"
import type { Extraction } from "../../domain/extraction.js"
import {
  compileDictionary,
  type CompiledDictionary,
  type DictionarySource,
  storedRelevance
} from "../../domain/relevance.js"
import { type EmbeddedPage, embedPage } from "../embeddings/page.js"
import { extract, type ExtractOptions } from "./extract.js"

export interface ExtractRequest {
  readonly url: string
  readonly html: string
  readonly options: ExtractOptions
  /** The dictionary to score the page with, under a key naming it: compiled once per key, not once per page. */
  readonly dictionary?: { readonly key: string; readonly source: DictionarySource }
  /** Set by `crawl --embed` with the `hash` provider: the page's paragraphs and vectors too (language: the land's). */
  readonly embed?: { readonly language: string | null }
}

export type ExtractReply =
  | {
    readonly _tag: "Extracted"
    readonly extraction: Extraction
    readonly relevance: number | null
    readonly embedded: EmbeddedPage | null
  }
  | { readonly _tag: "Failed"; readonly reason: string }

const port = parentPort
if (port === null) throw new Error("the extractor worker runs in a worker thread only")

// A crawl sends one dictionary for all its pages; a few jobs at once (a server) send a few.
const MAX_DICTIONARIES = 16
const dictionaries = new Map<string, CompiledDictionary>()

const compiled = ({ key, source }: NonNullable<ExtractRequest["dictionary"]>): CompiledDictionary => {
  let dictionary = dictionaries.get(key)
  if (dictionary === undefined) {
    if (dictionaries.size >= MAX_DICTIONARIES) dictionaries.clear()
    dictionary = compileDictionary(source.terms, source.langs)
    dictionaries.set(key, dictionary)
  }
  return dictionary
}

port.on("message", (request: ExtractRequest) => {
  let reply: ExtractReply
  try {
    const extraction = extract(request.url, request.html, request.options)
    const relevance = request.dictionary === undefined
      ? null
      : storedRelevance(compiled(request.dictionary), {
        title: extraction.title,
        markdown: extraction.readableMarkdown,
        lang: extraction.lang
      })
    const embedded = request.embed === undefined || extraction.readableMarkdown === ""
      ? null
      : embedPage(extraction.readableMarkdown, extraction.lang ?? request.embed.language)
    reply = { _tag: "Extracted", extraction, relevance, embedded }
  } catch (e) {
    // extract is total by contract; should a dependency throw anyway, the page fails with the reason, the worker lives
    reply = { _tag: "Failed", reason: e instanceof Error ? e.message : String(e) }
  }
  // The vectors' buffers are moved, not copied.
  const embedded = reply._tag === "Extracted" ? reply.embedded : null
  port.postMessage(reply, embedded === null ? [] : [embedded.vectors.buffer, embedded.ends.buffer])
})

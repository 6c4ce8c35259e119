// The entry of an ExtractorPool worker thread: extracts one page per message. It runs no Effect runtime: the pool on
// the main thread owns timeouts, crashes and replacement, and a worker only answers.
import { parentPort } from "node:worker_threads"
import type { Extraction } from "../../domain/extraction.js"
import { extract, type ExtractOptions } from "./extract.js"

export interface ExtractRequest {
  readonly url: string
  readonly html: string
  readonly options: ExtractOptions
}

export type ExtractReply =
  | { readonly _tag: "Extracted"; readonly extraction: Extraction }
  | { readonly _tag: "Failed"; readonly reason: string }

const port = parentPort
if (port === null) throw new Error("the extractor worker runs in a worker thread only")

port.on("message", (request: ExtractRequest) => {
  let reply: ExtractReply
  try {
    reply = { _tag: "Extracted", extraction: extract(request.url, request.html, request.options) }
  } catch (e) {
    // extract is total by contract; should a dependency throw anyway, the page fails with the reason, the worker lives
    reply = { _tag: "Failed", reason: e instanceof Error ? e.message : String(e) }
  }
  port.postMessage(reply)
})

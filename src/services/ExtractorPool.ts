import { Config, Context, Effect, Exit, Layer, Pool, Schema } from "effect"
import { createRequire } from "node:module"
import * as os from "node:os"
import { fileURLToPath } from "node:url"
import { Worker } from "node:worker_threads"
import { Extraction, ExtractionFailed } from "../domain/extraction.js"
import type { ExtractOptions } from "./extractor/extract.js"
import type { ExtractReply, ExtractRequest } from "./extractor/worker.js"

export interface ExtractorPoolSettings {
  /** Worker threads (`MWI_EXTRACT_WORKERS`; by default one per core). */
  readonly workers: number
  /** A page not extracted by then fails and its worker is replaced (`MWI_EXTRACT_TIMEOUT_MS`, 30000). */
  readonly timeoutMs: number
  /** The workers' entry module: the extractor's own unless a test brings one that misbehaves. */
  readonly entry: URL
}

export interface ExtractorPoolService {
  /** `extract` of src/services/extractor/extract.ts, run on a worker thread. */
  readonly extract: (url: string, html: string, options: ExtractOptions) => Effect.Effect<Extraction, ExtractionFailed>
}

// From the sources (tsx, vitest) this module is a .ts file next to extractor/worker.ts; in the esbuild bundle it is
// dist/mwi.js, and bin/mwi.js builds the worker as dist/extractor/worker.js: the same relative path either way.
const ownEntry = new URL(`./extractor/worker${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url)

const positive = (name: string, fallback: number) =>
  Config.integer(name).pipe(
    Config.withDefault(fallback),
    Config.validate({ message: `${name} must be a positive integer`, validation: (n) => n > 0 })
  )

// A worker per core: a page costs its worker two to three times what it costs the main thread (the embedded
// database, relevance), so the main thread shares a core rather than keeping one mostly idle. On two cores, the crawl
// bench went from 21–29 pages/s with one worker to 25–44 with two, event-loop delay p99 from 27 to 38 ms.
const settingsConfig = Config.all({
  workers: positive("MWI_EXTRACT_WORKERS", os.availableParallelism()),
  timeoutMs: positive("MWI_EXTRACT_TIMEOUT_MS", 30_000)
})

interface Thread {
  readonly worker: Worker
  /** Why the thread died, once it has. */
  failure: string | null
}

// Node 20 applies no loader hooks to a worker's entry, and neither tsx's ESM hooks registered inside the worker nor
// `import.meta.resolve` (vitest) are available to load a TypeScript entry: tsx's CommonJS API loads it, as CommonJS
// (Node 20.19 can require the ES-module dependencies).
const spawn = (entry: URL): Worker => {
  if (!entry.pathname.endsWith(".ts")) return new Worker(entry)
  const tsx = createRequire(import.meta.url).resolve("tsx/cjs/api")
  return new Worker(`require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(fileURLToPath(entry))})`, {
    eval: true
  })
}

const startThread = (entry: URL) =>
  Effect.acquireRelease(
    Effect.try({
      try: () => spawn(entry),
      catch: (e) => `cannot start a worker: ${e instanceof Error ? e.message : String(e)}`
    }).pipe(Effect.map((worker) => {
      const thread: Thread = { worker, failure: null }
      // Always listened to: an error event nobody listens to would be thrown on the main thread.
      thread.worker.on("error", (e) => {
        thread.failure ??= `worker crashed: ${e.message}`
      })
      thread.worker.on("exit", (code) => {
        thread.failure ??= `worker exited with code ${code}`
      })
      return thread
    })),
    (thread) => Effect.promise(() => thread.worker.terminate())
  )

/** One page to one thread; fails with the reason when the thread dies first. */
const ask = (thread: Thread, request: ExtractRequest) =>
  Effect.async<ExtractReply, string>((resume) => {
    if (thread.failure !== null) return resume(Effect.fail(thread.failure))
    const onMessage = (reply: ExtractReply) => {
      unlisten()
      resume(Effect.succeed(reply))
    }
    const onExit = () => {
      unlisten()
      resume(Effect.fail(thread.failure ?? "worker exited"))
    }
    const unlisten = () => {
      thread.worker.off("message", onMessage)
      thread.worker.off("exit", onExit)
    }
    thread.worker.on("message", onMessage)
    thread.worker.on("exit", onExit)
    thread.worker.postMessage(request)
    return Effect.sync(unlisten)
  })

const decodeExtraction = Schema.decodeUnknown(Extraction)

const make = (settings: ExtractorPoolSettings) =>
  Effect.gen(function*() {
    // Started at once, in the background: a worker takes a second or more to load the extractor, which the first
    // pages of a crawl would otherwise wait for. Callers beyond the pool's size wait in the pool for a free thread:
    // the queue is as long as the callers' own concurrency, and no page is buffered anywhere else.
    const pool = yield* Pool.make({ acquire: startThread(settings.entry), size: settings.workers })

    const extract = (url: string, html: string, options: ExtractOptions) =>
      Effect.scoped(Effect.gen(function*() {
        const thread = yield* pool.get
        const reply = yield* ask(thread, { url, html, options }).pipe(
          Effect.timeoutFail({
            duration: settings.timeoutMs,
            onTimeout: () => `no result after ${settings.timeoutMs} ms`
          }),
          // A thread that died, hangs or was left working for an interrupted caller would answer the next page
          // with this one's result: it is terminated (when handed back) and the pool starts another.
          Effect.onExit((exit) => Exit.isSuccess(exit) ? Effect.void : pool.invalidate(thread))
        )
        if (reply._tag === "Failed") return yield* Effect.fail(reply.reason)
        return yield* decodeExtraction(reply.extraction).pipe(
          Effect.mapError((e) => `invalid result: ${e.message}`)
        )
      })).pipe(
        Effect.mapError((reason) => new ExtractionFailed({ url, reason })),
        Effect.withSpan("ExtractorPool.extract")
      )

    return { extract } satisfies ExtractorPoolService
  })

/** Page extraction on a pool of worker threads, so the main thread's event loop never runs it. */
export class ExtractorPool extends Context.Tag("mwi/ExtractorPool")<ExtractorPool, ExtractorPoolService>() {
  /** Settings from `Config` (environment), with explicit overrides on top; the threads end with the layer's scope. */
  static readonly layer = (overrides: Partial<ExtractorPoolSettings> = {}) =>
    Layer.scoped(
      ExtractorPool,
      Effect.flatMap(settingsConfig, (settings) => make({ ...settings, entry: ownEntry, ...overrides }))
    )

  static readonly Default = ExtractorPool.layer()
}

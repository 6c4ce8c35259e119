import { Config, Context, Effect, Exit, Layer, Schema, Scope } from "effect"
import type { ParseError } from "effect/ParseResult"
import { createRequire } from "node:module"
import * as os from "node:os"
import { fileURLToPath, pathToFileURL } from "node:url"
import { Worker } from "node:worker_threads"
import { Extraction, ExtractionFailed } from "../domain/extraction.js"
import type { DictionarySource } from "../domain/relevance.js"
import { positiveInt } from "./config.js"
import { EmbeddedPage } from "./embeddings/page.js"
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

export interface ScoredExtraction {
  readonly extraction: Extraction
  /** `storedRelevance` of the extraction. */
  readonly relevance: number
  /** The page's paragraphs and `hash` vectors, when asked for and the page has readable text. */
  readonly embedded: EmbeddedPage | null
}

export interface ExtractorPoolService {
  /** Starts the threads now rather than at the first page (a thread takes a second or more to load the extractor). */
  readonly warm: Effect.Effect<void>
  /** `extract` of src/services/extractor/extract.ts, run on a worker thread. */
  readonly extract: (url: string, html: string, options: ExtractOptions) => Effect.Effect<Extraction, ExtractionFailed>
  /**
   * `extract` and the page's relevance to a dictionary, both on the worker thread: scoring a page's words costs about
   * a millisecond, which the crawl's main thread (its bottleneck, with the database and the network) is spared. With
   * `embed`, the page's paragraphs and `hash` vectors as well (`crawl --embed`), for the same reason.
   */
  readonly extractScored: (
    url: string,
    html: string,
    options: ExtractOptions,
    dictionary: DictionarySource,
    embed?: { readonly language: string | null }
  ) => Effect.Effect<ScoredExtraction, ExtractionFailed>
}

// The worker is ./extractor/worker beside this module in every form: the sources (.ts, under tsx or vitest), the
// compiled dist/services/, and a checkout's bundle .bundle/mwi.js (bin/mwi.js builds .bundle/extractor/worker.js).
const ownEntry = new URL(`./extractor/worker${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url)

// A worker per core: a page costs its worker two to three times what it costs the main thread (the embedded
// database, relevance), so the main thread shares a core rather than keeping one mostly idle. On two cores, the crawl
// bench went from 21–29 pages/s with one worker to 25–44 with two, event-loop delay p99 from 27 to 38 ms.
const settingsConfig = Config.all({
  workers: positiveInt("MWI_EXTRACT_WORKERS", os.availableParallelism()),
  timeoutMs: positiveInt("MWI_EXTRACT_TIMEOUT_MS", 30_000),
  // A prebuilt bundle of the worker (the test setup's): a thread loading the sources through tsx costs twice the CPU.
  entry: Config.string("MWI_EXTRACT_ENTRY").pipe(
    Config.map((file) => pathToFileURL(file)),
    Config.withDefault(ownEntry)
  )
})

interface Thread {
  /** Null when the thread could not even be started. */
  readonly worker: Worker | null
  /** Why the thread died (or never started), once it has. */
  failure: string | null
}

// Parsing a page allocates a DOM object, and a Map, per node, attribute and text (linkedom), which live until the page
// is done: with V8's default 16 MB semi-space, scavenges copy the same DOM again and again and took a quarter to a
// third of the extraction time. A young generation of 96 MB (32 MB semi-spaces) holds a page's DOM: on the development
// set, 10 to 15 % less CPU per page, the same output.
const WORKER_LIMITS = { resourceLimits: { maxYoungGenerationSizeMb: 96 } }

// Node 20 applies no loader hooks to a worker's entry, and neither tsx's ESM hooks registered inside the worker nor
// `import.meta.resolve` (vitest) are available to load a TypeScript entry: tsx's CommonJS API loads it, as CommonJS
// (Node 20.19 can require the ES-module dependencies).
const spawn = (entry: URL): Worker => {
  if (!entry.pathname.endsWith(".ts")) return new Worker(entry, WORKER_LIMITS)
  const tsx = createRequire(import.meta.url).resolve("tsx/cjs/api")
  return new Worker(`require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(fileURLToPath(entry))})`, {
    eval: true,
    ...WORKER_LIMITS
  })
}

/** A thread that could not start is one that failed: its page fails with the reason, and it is replaced. */
const startThread = (entry: URL): Thread => {
  let worker: Worker
  try {
    worker = spawn(entry)
  } catch (e) {
    return { worker: null, failure: `cannot start a worker: ${e instanceof Error ? e.message : String(e)}` }
  }
  const thread: Thread = { worker, failure: null }
  // Always listened to: an error event nobody listens to would be thrown on the main thread.
  worker.on("error", (e) => {
    thread.failure ??= `worker crashed: ${e.message}`
  })
  worker.on("exit", (code) => {
    thread.failure ??= `worker exited with code ${code}`
  })
  return thread
}

/** One page to one thread; fails with the reason when the thread dies first or does not answer in time. */
const ask = (thread: Thread, request: ExtractRequest, timeoutMs: number) =>
  Effect.async<ExtractReply, string>((resume) => {
    const worker = thread.worker
    if (worker === null || thread.failure !== null) return resume(Effect.fail(thread.failure ?? "worker exited"))
    // A timer rather than Effect.timeout, which forks a fiber per call: a page costs the main thread less.
    const timer = setTimeout(() => {
      unlisten()
      resume(Effect.fail(`no result after ${timeoutMs} ms`))
    }, timeoutMs)
    const onMessage = (reply: ExtractReply) => {
      unlisten()
      resume(Effect.succeed(reply))
    }
    const onExit = () => {
      unlisten()
      resume(Effect.fail(thread.failure ?? "worker exited"))
    }
    const unlisten = () => {
      clearTimeout(timer)
      worker.off("message", onMessage)
      worker.off("exit", onExit)
    }
    worker.on("message", onMessage)
    worker.on("exit", onExit)
    worker.postMessage(request)
    return Effect.sync(unlisten)
  })

const terminate = (thread: Thread) => thread.worker?.terminate() ?? Promise.resolve(0)

/**
 * The threads, each lent to one page at a time; callers beyond their number wait for a permit. Effect's Pool would
 * do, at a quarter of a millisecond of the main thread per page.
 */
const makeThreads = (settings: ExtractorPoolSettings) =>
  Effect.gen(function*() {
    const idle = Array.from({ length: settings.workers }, () => startThread(settings.entry))
    const all = new Set(idle)
    yield* Effect.addFinalizer(() => Effect.promise(() => Promise.all([...all].map(terminate))))
    // As many permits as threads: whoever holds one finds an idle thread.
    const permits = yield* Effect.makeSemaphore(settings.workers)

    // A thread that died, hangs or was left working for an interrupted caller would answer the next page with this
    // one's result: it is terminated and another takes its place.
    const release = (thread: Thread, healthy: boolean) =>
      Effect.sync(() => {
        if (healthy && thread.failure === null) return void idle.push(thread)
        all.delete(thread)
        void terminate(thread)
        const replacement = startThread(settings.entry)
        all.add(replacement)
        idle.push(replacement)
      })

    /** Runs `request` on a free thread, waiting for one if all are busy. */
    const run = (request: ExtractRequest) =>
      permits.withPermits(1)(Effect.uninterruptibleMask((restore) => {
        const thread = idle.pop()!
        return restore(ask(thread, request, settings.timeoutMs)).pipe(
          Effect.onExit((exit) => release(thread, Exit.isSuccess(exit)))
        )
      }))

    return { run } as const
  })

const decodeExtraction = Schema.decodeUnknown(Extraction)
const decodeScored = Schema.decodeUnknown(Schema.Struct({
  extraction: Extraction,
  relevance: Schema.Number,
  embedded: Schema.optionalWith(Schema.NullOr(EmbeddedPage), { default: () => null })
}))

const make = (settings: ExtractorPoolSettings) =>
  Effect.gen(function*() {
    // Threads start with the first use (or `warm`), not with the layer: commands that never extract start none.
    const scope = yield* Effect.scope
    const threads = yield* Effect.cached(Scope.extend(makeThreads(settings), scope))

    // Dictionaries are sent with every page under a key, which the workers compile once.
    const dictionaryKeys = new WeakMap<DictionarySource, string>()
    const keyOf = (source: DictionarySource) => {
      let key = dictionaryKeys.get(source)
      if (key === undefined) {
        key = JSON.stringify(source)
        dictionaryKeys.set(source, key)
      }
      return key
    }

    const run = <A>(request: ExtractRequest, decode: (reply: ExtractReply & { _tag: "Extracted" }) => Effect.Effect<A, ParseError>) =>
      Effect.gen(function*() {
        const reply = yield* (yield* threads).run(request)
        if (reply._tag === "Failed") return yield* Effect.fail(reply.reason)
        return yield* decode(reply).pipe(Effect.mapError((e) => `invalid result: ${e.message}`))
      }).pipe(
        Effect.mapError((reason) => new ExtractionFailed({ url: request.url, reason })),
        Effect.withSpan("ExtractorPool.extract")
      )

    const extract = (url: string, html: string, options: ExtractOptions) =>
      run({ url, html, options }, (reply) => decodeExtraction(reply.extraction))

    const extractScored = (
      url: string,
      html: string,
      options: ExtractOptions,
      dictionary: DictionarySource,
      embed?: { readonly language: string | null }
    ) =>
      run({
        url,
        html,
        options,
        dictionary: { key: keyOf(dictionary), source: dictionary },
        ...(embed === undefined ? {} : { embed })
      }, decodeScored)

    return { warm: Effect.asVoid(threads), extract, extractScored } satisfies ExtractorPoolService
  })

/** Page extraction on a pool of worker threads, so the main thread's event loop never runs it. */
export class ExtractorPool extends Context.Tag("mwi/ExtractorPool")<ExtractorPool, ExtractorPoolService>() {
  /** Settings from `Config` (environment), with explicit overrides on top; the threads end with the layer's scope. */
  static readonly layer = (overrides: Partial<ExtractorPoolSettings> = {}) =>
    Layer.scoped(
      ExtractorPool,
      Effect.flatMap(settingsConfig, (settings) => make({ ...settings, ...overrides }))
    )

  static readonly Default = ExtractorPool.layer()
}

import { Deferred, Effect, type Scope } from "effect"
import { Worker } from "node:worker_threads"
import { pagePath, type SiteShape } from "./pages.js"
import type { FromWorker, HostStats, SiteWorkerData, ToWorker } from "./site-worker.js"

export interface SiteOptions {
  readonly shape: SiteShape
  /** Delay before each response is written (the server's think time plus the network's round trip). */
  readonly latencyMs: number
}

export interface Site {
  readonly shape: SiteShape
  readonly origins: ReadonlyArray<string>
  readonly url: (host: number, index: number) => string
  /** What the servers saw since the last reset; `reset` starts a new count. */
  readonly stats: (reset?: boolean) => Effect.Effect<ReadonlyArray<HostStats>>
}

const ADDRESS = "127.0.0.1"

// Under tsx the worker's entry is TypeScript, which a worker cannot load by itself (Node 20 does not apply the
// parent's loader hooks to a worker's entry): the worker imports tsx's API first and loads the entry through it.
const spawn = (data: SiteWorkerData): Worker => {
  const entry = new URL("./site-worker.ts", import.meta.url)
  if (!import.meta.url.endsWith(".ts")) return new Worker(new URL("./site-worker.js", import.meta.url), { workerData: data })
  const code = `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))})` +
    `.then(({ tsImport }) => tsImport(${JSON.stringify(entry.href)}, ${JSON.stringify(import.meta.url)}))`
  return new Worker(code, { eval: true, workerData: data })
}

/**
 * Starts one HTTP server per host of the shape on loopback ports, in a worker thread; they stop when the scope
 * closes. Robots.txt answers 404 (everything allowed), unknown paths 404, pages 200 after `latencyMs`.
 */
export const startSite = (options: SiteOptions): Effect.Effect<Site, never, Scope.Scope> =>
  Effect.gen(function*() {
    const pending = new Map<number, (m: FromWorker) => void>()
    let nextId = 1
    const ready = yield* Deferred.make<ReadonlyArray<number>, Error>()
    const worker = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const w = spawn({ shape: options.shape, latencyMs: options.latencyMs, address: ADDRESS })
        w.on("message", (m: FromWorker) => {
          if (m.type === "ready") Deferred.unsafeDone(ready, Effect.succeed(m.ports))
          else pending.get(m.id)?.(m)
        })
        w.on("error", (e) => Deferred.unsafeDone(ready, Effect.fail(e)))
        return w
      }),
      (w) =>
        ask({ type: "stop", id: nextId++ }).pipe(
          Effect.timeout("5 seconds"),
          Effect.ignore,
          Effect.zipRight(Effect.promise(() => w.terminate()))
        )
    )
    function ask(message: ToWorker): Effect.Effect<FromWorker> {
      return Effect.async<FromWorker>((resume) => {
        pending.set(message.id, (m) => {
          pending.delete(message.id)
          resume(Effect.succeed(m))
        })
        worker.postMessage(message)
      })
    }
    const ports = yield* Deferred.await(ready).pipe(Effect.orDie)
    const origins = ports.map((p) => `http://${ADDRESS}:${p}`)
    return {
      shape: options.shape,
      origins,
      url: (host, index) => `${origins[host]}${pagePath(index)}`,
      stats: (reset = false) =>
        ask({ type: "stats", id: nextId++, reset }).pipe(
          Effect.map((m) => (m.type === "stats" ? m.hosts : []))
        )
    } satisfies Site
  })

/** `hosts` hosts of `pages` pages each, every page between 20 and 60 KB. */
export const uniformShape = (hosts: number, pages: number): SiteShape => ({
  pagesPerHost: Array.from({ length: hosts }, () => pages),
  minBytes: 20_000,
  maxBytes: 60_000
})

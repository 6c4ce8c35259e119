import { Effect, type Scope } from "effect"
import { Worker } from "node:worker_threads"

export interface StaticRoute {
  readonly status?: number
  readonly headers?: Readonly<Record<string, string>>
  readonly body: string | Uint8Array
  readonly latencyMs?: number
}

export interface LoggedRequest {
  readonly path: string
  /** Wall-clock milliseconds (performance.timeOrigin + now) when the request arrived and when its response ended. */
  readonly at: number
  readonly endedAt: number
}

// The server runs in a worker thread, with an event loop of its own: the times it logs are when requests really
// arrived, not when a test process busy crawling got round to handling them.
const source = `
const { parentPort, workerData } = require("node:worker_threads")
const http = require("node:http")
const log = []
const now = () => performance.timeOrigin + performance.now()
const server = http.createServer((req, res) => {
  const entry = { path: req.url, at: now(), endedAt: 0 }
  log.push(entry)
  res.on("close", () => { entry.endedAt = now() })
  const route = workerData.routes[req.url.split("?")[0]]
  if (!route) { res.writeHead(404); res.end(); return }
  setTimeout(() => { res.writeHead(route.status || 200, route.headers || { "content-type": "text/html; charset=utf-8" }); res.end(route.body) }, route.latencyMs || 0)
})
server.listen(0, "127.0.0.1", () => parentPort.postMessage({ port: server.address().port }))
parentPort.on("message", (m) => {
  if (m === "log") parentPort.postMessage({ log })
  if (m === "close") { server.closeAllConnections(); server.close(() => process.exit(0)) }
})
`

export interface WorkerSite {
  readonly origin: string
  readonly url: (path: string) => string
  readonly log: Effect.Effect<ReadonlyArray<LoggedRequest>>
}

/** A loopback site of static routes served from a worker thread; stopped when the scope closes. */
export const startWorkerSite = (routes: Readonly<Record<string, StaticRoute>>): Effect.Effect<WorkerSite, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ worker: Worker; port: number }>((resume) => {
      const worker = new Worker(source, { eval: true, workerData: { routes } })
      worker.once("message", (m: { port: number }) => resume(Effect.succeed({ worker, port: m.port })))
    }),
    ({ worker }) => Effect.async<void>((resume) => {
      worker.once("exit", () => resume(Effect.void))
      worker.postMessage("close")
    })
  ).pipe(Effect.map(({ port, worker }) => {
    const origin = `http://127.0.0.1:${port}`
    return {
      origin,
      url: (path: string) => `${origin}${path}`,
      log: Effect.async<ReadonlyArray<LoggedRequest>>((resume) => {
        const onMessage = (m: { log?: ReadonlyArray<LoggedRequest> }) => {
          if (m.log) {
            worker.off("message", onMessage)
            resume(Effect.succeed(m.log))
          }
        }
        worker.on("message", onMessage)
        worker.postMessage("log")
      })
    }
  }))

import { Effect, type Scope } from "effect"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

/** One request the fixture server received. `finished`/`closedAt` are filled in when its response ends. */
export interface RecordedRequest {
  readonly method: string
  /** Path with query string, as sent. */
  readonly path: string
  readonly headers: IncomingMessage["headers"]
  /** `performance.now()` when the request arrived, for measuring gaps between retries. */
  readonly at: number
  /** Whether the whole response was handed to the socket (false: the client closed it early). */
  finished: boolean | undefined
  closedAt: number | undefined
}

export type Route = (req: IncomingMessage, res: ServerResponse, request: RecordedRequest) => void

export interface FixtureServer {
  /** `http://127.0.0.1:port` (or `http://[::1]:port`), without trailing slash. */
  readonly origin: string
  readonly port: number
  readonly url: (path: string) => string
  /** Every request so far, in arrival order (a live array). */
  readonly requests: ReadonlyArray<RecordedRequest>
  readonly requestsTo: (path: string) => ReadonlyArray<RecordedRequest>
  /** Adds or replaces a route while the server runs. */
  readonly route: (path: string, handler: Route) => void
}

export interface FixtureServerOptions {
  readonly host?: "127.0.0.1" | "::1"
}

/**
 * A loopback HTTP server for tests, stopped by the scope's finalizer (open connections included). Routes are matched
 * on the path without query string; unknown paths answer 404.
 */
export const startFixtureServer = (
  routes: Readonly<Record<string, Route>> = {},
  options: FixtureServerOptions = {}
): Effect.Effect<FixtureServer, never, Scope.Scope> => {
  const host = options.host ?? "127.0.0.1"
  const table = new Map(Object.entries(routes))
  const requests: Array<RecordedRequest> = []
  const server = createServer((req, res) => {
    const record: RecordedRequest = {
      method: req.method ?? "GET",
      path: req.url ?? "/",
      headers: req.headers,
      at: performance.now(),
      finished: undefined,
      closedAt: undefined
    }
    requests.push(record)
    res.on("close", () => {
      record.finished = res.writableFinished
      record.closedAt = performance.now()
    })
    const handler = table.get(record.path.split("?")[0]!)
    if (handler === undefined) res.writeHead(404, { "content-type": "text/plain" }).end("not found")
    else handler(req, res, record)
  })
  return Effect.acquireRelease(
    Effect.async<FixtureServer>((resume) => {
      server.listen(0, host, () => {
        const port = (server.address() as AddressInfo).port
        const origin = host === "::1" ? `http://[::1]:${port}` : `http://${host}:${port}`
        resume(Effect.succeed({
          origin,
          port,
          url: (path) => `${origin}${path}`,
          requests,
          requestsTo: (path) => requests.filter((r) => r.path === path),
          route: (path, handler) => void table.set(path, handler)
        }))
      })
    }),
    () =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  )
}

/**
 * Writes `total` bytes in `chunk`-sized pieces, honouring backpressure, and stops when the client goes away. Returns
 * how many bytes were handed to the socket so far.
 */
export const streamBytes = (res: ServerResponse, total: number, chunk = 64 * 1024, fill = 0x61): () => number => {
  const piece = Buffer.alloc(chunk, fill)
  let sent = 0
  const pump = (): void => {
    while (sent < total && !res.destroyed) {
      const n = Math.min(chunk, total - sent)
      sent += n
      if (!res.write(n === chunk ? piece : piece.subarray(0, n))) {
        res.once("drain", pump)
        return
      }
    }
    if (sent >= total && !res.destroyed) res.end()
  }
  pump()
  return () => sent
}

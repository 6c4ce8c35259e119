// The synthetic site's HTTP servers, run in a worker thread: rendering and serving pages then costs the crawler's
// event loop nothing, so its throughput and event-loop lag are measured as if the sites were remote.

import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { parentPort, workerData } from "node:worker_threads"
import { pageIndexOf, renderPage, type SiteShape } from "./pages.js"

export interface SiteWorkerData {
  readonly shape: SiteShape
  readonly latencyMs: number
  /** A loopback address; hosts are told apart by port (the crawler's host key is hostname:port). */
  readonly address: string
}

export interface HostStats {
  /** `performance.timeOrigin + performance.now()` at each page request's arrival, in arrival order. */
  readonly pageRequests: Array<number>
  robots: number
  notFound: number
  bytes: number
}

export type ToWorker =
  | { readonly type: "stats"; readonly id: number; readonly reset: boolean }
  | { readonly type: "stop"; readonly id: number }

export type FromWorker =
  | { readonly type: "ready"; readonly ports: ReadonlyArray<number> }
  | { readonly type: "stats"; readonly id: number; readonly hosts: ReadonlyArray<HostStats> }
  | { readonly type: "stopped"; readonly id: number }

const { address, latencyMs, shape } = workerData as SiteWorkerData
const port = parentPort!
const ports: Array<number> = []
const origin = (host: number) => `http://${address}:${ports[host]}`
const fresh = (): HostStats => ({ pageRequests: [], robots: 0, notFound: 0, bytes: 0 })
let stats: Array<HostStats> = shape.pagesPerHost.map(fresh)
const servers: Array<Server> = []

const after = (ms: number, f: () => void) => (ms > 0 ? void setTimeout(f, ms) : f())

const serve = (host: number) =>
  createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!
    const s = stats[host]!
    if (path === "/robots.txt") {
      s.robots++
      return after(latencyMs, () => res.writeHead(404, { "content-type": "text/plain" }).end("not found"))
    }
    const index = pageIndexOf(path)
    if (index === undefined || index >= shape.pagesPerHost[host]!) {
      s.notFound++
      return after(latencyMs, () => res.writeHead(404, { "content-type": "text/plain" }).end("not found"))
    }
    s.pageRequests.push(performance.timeOrigin + performance.now())
    after(latencyMs, () => {
      const body = Buffer.from(renderPage(shape, origin, host, index), "utf8")
      s.bytes += body.length
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-length": String(body.length) })
      res.end(body)
    })
  })

const listen = (server: Server) =>
  new Promise<number>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, address, () => resolve((server.address() as AddressInfo).port))
  })

const close = (server: Server) =>
  new Promise<void>((resolve) => {
    // Keep-alive sockets would hold `close` back until they time out.
    server.closeAllConnections()
    server.close(() => resolve())
  })

port.on("message", (message: ToWorker) => {
  switch (message.type) {
    case "stats": {
      const reply: FromWorker = { type: "stats", id: message.id, hosts: stats }
      if (message.reset) stats = shape.pagesPerHost.map(fresh)
      port.postMessage(reply)
      return
    }
    case "stop":
      void Promise.all(servers.map(close)).then(() => port.postMessage({ type: "stopped", id: message.id } satisfies FromWorker))
      return
  }
})

for (let h = 0; h < shape.pagesPerHost.length; h++) {
  const server = serve(h)
  servers.push(server)
  ports.push(await listen(server))
}
port.postMessage({ type: "ready", ports } satisfies FromWorker)

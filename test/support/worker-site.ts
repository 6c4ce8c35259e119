import { Effect, type Scope } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"

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

// The server runs in a process of its own, in a session of its own: the kernel schedules a session's threads as one
// group (autogroup), so a site sharing the test's process (its CPU-load thread, the crawler's busy loop) was woken
// late by tens of milliseconds and logged arrivals late, while an idle session of its own is woken at once. Its log
// then says when requests really arrived, as a remote server's would. Only comparisons within one site's log are
// meaningful (each process has its own time origin). Where the test may (root, as in CI), its session is scheduled
// ahead of the others (autogroup nice -10), as a remote server has CPUs of its own: the machine's load, the suites of
// the other test process included, then no longer delays its wake-ups. It exits with its channel, so a dying test
// leaves none behind.
const source = `
const http = require("node:http")
const log = []
const now = () => performance.timeOrigin + performance.now()
let routes = {}
const server = http.createServer((req, res) => {
  if (req.headers["x-warm-up"]) { res.end(); return }
  const entry = { path: req.url, at: now(), endedAt: 0 }
  log.push(entry)
  res.on("close", () => { entry.endedAt = now() })
  const route = routes[req.url.split("?")[0]]
  if (!route) { res.writeHead(404); res.end(); return }
  setTimeout(() => { res.writeHead(route.status || 200, route.headers || { "content-type": "text/html; charset=utf-8" }); res.end(route.body) }, route.latencyMs || 0)
})
process.on("disconnect", () => process.exit(0))
process.on("message", (m) => {
  if (m.routes) {
    routes = m.routes
    // A request of its own first, not logged: the first request a process serves loads and compiles Node's HTTP
    // paths, which logged the first real arrival milliseconds late (a gap to the next one short by as much).
    server.listen(0, "127.0.0.1", () => {
      const port = server.address().port
      http.get({ host: "127.0.0.1", port, path: "/", headers: { "x-warm-up": "1" }, agent: false }, (res) => {
        res.resume()
        res.on("end", () => process.send({ port }))
      })
    })
  }
  if (m === "log") process.send({ log })
  if (m === "close") { server.closeAllConnections(); server.close(() => process.exit(0)) }
})
`

export interface WorkerSite {
  readonly origin: string
  readonly url: (path: string) => string
  readonly log: Effect.Effect<ReadonlyArray<LoggedRequest>>
}

/** A loopback site of static routes served by a process of its own; stopped when the scope closes. */
export const startWorkerSite = (routes: Readonly<Record<string, StaticRoute>>): Effect.Effect<WorkerSite, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ child: ChildProcess; port: number }>((resume) => {
      const child = spawn(process.execPath, ["-e", source], {
        stdio: ["ignore", "inherit", "inherit", "ipc"],
        serialization: "advanced",
        detached: true
      })
      try {
        fs.writeFileSync(`/proc/${child.pid}/autogroup`, "-10")
      } catch {
        // not permitted here (or not Linux): the site runs at the priority of the others
      }
      child.once("message", (m: { port: number }) => resume(Effect.succeed({ child, port: m.port })))
      child.send({ routes })
    }),
    ({ child }) => Effect.async<void>((resume) => {
      if (child.exitCode !== null) return resume(Effect.void)
      child.once("exit", () => resume(Effect.void))
      child.send("close")
    })
  ).pipe(Effect.map(({ child, port }) => {
    const origin = `http://127.0.0.1:${port}`
    return {
      origin,
      url: (path: string) => `${origin}${path}`,
      log: Effect.async<ReadonlyArray<LoggedRequest>>((resume) => {
        const onMessage = (m: { log?: ReadonlyArray<LoggedRequest> }) => {
          if (m.log) {
            child.off("message", onMessage)
            resume(Effect.succeed(m.log))
          }
        }
        child.on("message", onMessage)
        child.send("log")
      })
    }
  }))

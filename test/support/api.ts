import { Reactivity } from "@effect/experimental"
import { HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import type { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import WebSocket from "ws"
import { type AppOptions, HttpLive } from "../../src/layers.js"
import { Accounts } from "../../src/services/Accounts.js"
import { appOn } from "./app.js"

/** The API on a real HTTP server on an ephemeral loopback port, over the given database. */
export const apiServer = (db: Layer.Layer<SqlClient.SqlClient, unknown>, options: AppOptions = {}) =>
  HttpLive.pipe(
    Layer.provideMerge(NodeHttpServer.layerTest),
    Layer.provideMerge(appOn(db, { fetcher: { timeoutMs: 5000, retries: 1, backoffBaseMs: 10 }, ...options })),
    Layer.provide(Reactivity.layer)
  )

export const baseUrl = Effect.map(HttpServer.HttpServer, (server) =>
  server.address._tag === "TcpAddress" ? `http://127.0.0.1:${server.address.port}` : "")

export interface Response<T = any> {
  readonly status: number
  readonly body: T
}

/** A JSON request with the real fetch, as any API client would send it. */
export const call = <T = any>(base: string, method: string, path: string, options: { token?: string | undefined; body?: unknown; raw?: string } = {}) =>
  Effect.promise(async (): Promise<Response<T>> => {
    const headers: Record<string, string> = {}
    if (options.token) headers["authorization"] = `Bearer ${options.token}`
    const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body))
    if (body !== undefined) headers["content-type"] = "application/json"
    const res = await fetch(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body }) })
    const text = await res.text()
    return { status: res.status, body: text === "" ? null : JSON.parse(text) }
  })

/** A user with a token. */
export const userWithToken = (base: string, username: string) =>
  Effect.gen(function*() {
    const accounts = yield* Accounts
    yield* accounts.createUser({ username, password: "a long enough password" })
    const login = yield* call(base, "POST", "/api/v1/auth/login", { body: { username, password: "a long enough password" } })
    return login.body.token as string
  })

export interface WsClient {
  readonly messages: Array<any>
  /** Resolves with the first message (past or future) matching the predicate. */
  readonly next: (predicate: (m: any) => boolean, timeoutMs?: number) => Promise<any>
  readonly send: (text: string) => void
  readonly close: () => Promise<void>
  /** Resolves with the close code once the socket is closed (by either side). */
  readonly closed: Promise<number>
}

/** A real WebSocket client (the `ws` package). Rejects with the HTTP status when the upgrade is refused. */
export const openWs = (url: string, token?: string, via: "header" | "query" = "header") =>
  new Promise<WsClient>((resolve, reject) => {
    const target = token && via === "query" ? `${url}?token=${encodeURIComponent(token)}` : url
    const socket = new WebSocket(target, token && via === "header" ? { headers: { authorization: `Bearer ${token}` } } : {})
    const messages: Array<any> = []
    const closed = new Promise<number>((done) => socket.on("close", (code) => done(code)))
    const waiters: Array<{ predicate: (m: any) => boolean; resolve: (m: any) => void }> = []
    socket.on("message", (data) => {
      const m = JSON.parse(String(data))
      messages.push(m)
      for (const w of [...waiters]) {
        if (w.predicate(m)) {
          waiters.splice(waiters.indexOf(w), 1)
          w.resolve(m)
        }
      }
    })
    socket.on("unexpected-response", (_req, res) => reject(new Error(`status ${res.statusCode}`)))
    socket.on("error", reject)
    socket.on("open", () =>
      resolve({
        messages,
        closed,
        send: (text) => socket.send(text),
        next: (predicate, timeoutMs = 30_000) =>
          new Promise((ok, fail) => {
            const found = messages.find(predicate)
            if (found) return ok(found)
            const timer = setTimeout(() => fail(new Error(`no matching message in ${timeoutMs} ms; got ${JSON.stringify(messages)}`)), timeoutMs)
            waiters.push({ predicate, resolve: (m) => { clearTimeout(timer); ok(m) } })
          }),
        close: () => new Promise((done) => {
          if (socket.readyState === WebSocket.CLOSED) return done()
          socket.once("close", () => done())
          socket.close()
        })
      }))
  })

import { FetchHttpClient, HttpApiClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { Effect, Either, ParseResult } from "effect"
import { MwiApi } from "../http/api.js"
import type { JobEvent } from "../services/Progress.js"

// The console's one way to the server: the API's own client, made from its definition, so every path, payload and
// answer is typed by the server's schema. Calls become promises here, at the edge of the page.

export type { JobEvent }

const makeClient = (token: string | null) =>
  HttpApiClient.make(MwiApi, {
    baseUrl: location.origin,
    ...(token === null ? {} : { transformClient: HttpClient.mapRequest(HttpClientRequest.bearerToken(token)) })
  })

export type Api = Effect.Effect.Success<ReturnType<typeof makeClient>>

/** An API failure, with the error's tag and fields so the page can word it in the reader's language. */
export class ApiFailure extends Error {
  constructor(readonly tag: string, message: string, readonly fields: Readonly<Record<string, unknown>> = {}) {
    super(message)
  }
}

const failureOf = (e: unknown): ApiFailure => {
  if (typeof e !== "object" || e === null) return new ApiFailure("Unknown", String(e))
  const { _tag, message, ...fields } = e as { _tag?: string; message?: string }
  // A transport failure (server down, connection lost) or an answer the client could not read.
  if (_tag === "RequestError") return new ApiFailure("Network", String(message))
  // A value the API's schema refuses before the request is sent: named like the server's InvalidInput.
  if (ParseResult.isParseError(e)) {
    const [first] = ParseResult.ArrayFormatter.formatErrorSync(e)
    return new ApiFailure("InvalidInput", String(message), { field: first?.path.join(".") || "request", reason: first?.message ?? "" })
  }
  if (_tag === "ResponseError") {
    const status = (e as { response?: { status?: number } }).response?.status ?? 0
    return new ApiFailure(status === 401 ? "Unauthorized" : "Server", String(message), { status })
  }
  return new ApiFailure(_tag ?? "Unknown", String(message ?? ""), fields)
}

const TOKEN = "mwi.token"
const TOKEN_ID = "mwi.tokenId"

export const session = {
  get token(): string | null {
    return localStorage.getItem(TOKEN)
  },
  get tokenId(): number | null {
    const id = localStorage.getItem(TOKEN_ID)
    return id === null ? null : Number(id)
  },
  save(token: string, tokenId: number) {
    localStorage.setItem(TOKEN, token)
    localStorage.setItem(TOKEN_ID, String(tokenId))
  },
  clear() {
    localStorage.removeItem(TOKEN)
    localStorage.removeItem(TOKEN_ID)
  }
}

/** Listeners told when the server no longer accepts the token (expired, revoked): the page goes back to sign-in. */
const signedOut = new Set<() => void>()
export const onSignedOut = (f: () => void) => {
  signedOut.add(f)
  return () => void signedOut.delete(f)
}

/** Runs one API call; rejects with an ApiFailure. */
export const call = async <A, E>(f: (api: Api) => Effect.Effect<A, E>): Promise<A> => {
  const result = await Effect.runPromise(
    Effect.flatMap(makeClient(session.token), f).pipe(Effect.provide(FetchHttpClient.layer), Effect.either)
  )
  if (Either.isRight(result)) return result.right
  const failure = failureOf(result.left)
  if (failure.tag === "Unauthorized" && session.token !== null) {
    session.clear()
    for (const f of signedOut) f()
  }
  throw failure
}

/** Signs in and keeps the token for the next visits. */
export const signIn = async (username: string, password: string) => {
  const r = await call((api) => api.auth.login({ payload: { username, password, tokenName: "web console" } }))
  session.save(r.token, r.tokenId)
  return r.user
}

/** Revokes this browser's token, then forgets it. */
export const signOut = async () => {
  const id = session.tokenId
  if (id !== null) await call((api) => api.account.revokeToken({ path: { id } })).catch(() => undefined)
  session.clear()
  for (const f of signedOut) f()
}

// Browsers set no header on a download link or a WebSocket: those routes take the token in the query.
type Params = Readonly<Record<string, string | number | boolean | undefined>>

const queryOf = (params: Params) => {
  const query = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") query.set(k, String(v))
  return query
}

const withToken = (path: string, params: Params = {}) => {
  const query = queryOf(params)
  if (session.token !== null) query.set("token", session.token)
  return `${path}?${query}`
}

export const exportUrl = (landId: number, params: Params) =>
  withToken(`/api/v1/lands/${landId}/export`, params)

/**
 * Job events of a land (or one job) over the WebSocket, reconnecting after a drop (each connection starts with a
 * snapshot, so nothing is missed). Returns the function that stops watching.
 */
export const watchEvents = (path: `/api/v1/${string}/events`, onEvent: (e: JobEvent) => void) => {
  let socket: WebSocket | null = null
  let stopped = false
  let delay = 500
  const open = () => {
    const scheme = location.protocol === "https:" ? "wss" : "ws"
    socket = new WebSocket(`${scheme}://${location.host}${withToken(path)}`)
    socket.onopen = () => void (delay = 500)
    socket.onmessage = (m) => {
      // A land at rest first says so ("idle", with its latest job as a snapshot); pongs answer our pings.
      const event = JSON.parse(String(m.data)) as JobEvent | { type: "pong" } | { type: "idle"; latestJob: JobEvent | null }
      if (event.type === "idle") {
        if (event.latestJob !== null) onEvent(event.latestJob)
      } else if (event.type !== "pong") onEvent(event)
    }
    socket.onclose = () => {
      if (stopped) return
      setTimeout(open, delay)
      delay = Math.min(delay * 2, 10_000)
    }
  }
  open()
  return () => {
    stopped = true
    socket?.close()
  }
}


type Compact<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & { [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined> }

/** Parameters without the unset ones: the API's optional parameters are absent, never undefined. */
export const compact = <T extends object>(params: T): Compact<T> =>
  Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as Compact<T>

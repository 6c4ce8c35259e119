import { HttpServerRequest } from "@effect/platform"
import { Effect, Layer, Redacted } from "effect"
import { Accounts } from "../services/Accounts.js"
import { Authentication, CurrentUser } from "./api.js"
import { orDatabaseError } from "./errors.js"

/** Bearer tokens → the user they belong to; a 401 saying why, or a 503 when the database cannot tell. */
export const AuthenticationLive = Layer.effect(
  Authentication,
  Effect.gen(function*() {
    const accounts = yield* Accounts
    return Authentication.of({
      bearer: (token) =>
        accounts.authenticate(Redacted.value(token)).pipe(
          Effect.map((user) => CurrentUser.of({ id: user.id, username: user.username, isAdmin: user.isAdmin })),
          orDatabaseError
        )
    })
  })
)

/**
 * The caller of a raw route (WebSocket, download) from `Authorization: Bearer …` or `?token=…`: browsers cannot set
 * headers on a WebSocket or a download link.
 */
export const caller = Effect.gen(function*() {
  const req = yield* HttpServerRequest.HttpServerRequest
  const header = req.headers["authorization"]
  const fromHeader = header?.toLowerCase().startsWith("bearer ") ? header.slice(7).trim() : undefined
  const fromQuery = new URL(req.url, "http://x").searchParams.get("token") ?? undefined
  const accounts = yield* Accounts
  return yield* orDatabaseError(accounts.authenticate(fromHeader ?? fromQuery))
})

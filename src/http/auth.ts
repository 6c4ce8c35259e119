import { HttpServerRequest } from "@effect/platform"
import { Effect, Layer, Redacted } from "effect"
import { Accounts } from "../services/Accounts.js"
import { Authentication, CurrentUser } from "./api.js"
import { Unauthorized } from "./errors.js"

/** Bearer tokens → the user they belong to; any failure is a 401 saying why. */
export const AuthenticationLive = Layer.effect(
  Authentication,
  Effect.gen(function*() {
    const accounts = yield* Accounts
    return Authentication.of({
      bearer: (token) =>
        accounts.authenticate(Redacted.value(token)).pipe(
          Effect.map((user) => CurrentUser.of({ id: user.id, username: user.username, isAdmin: user.isAdmin })),
          Effect.catchAll((e) =>
            Effect.fail(new Unauthorized({
              error: "Unauthorized",
              message: e._tag === "Unauthorized" ? e.message : "the database is unavailable"
            }))
          )
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
  return yield* accounts.authenticate(fromHeader ?? fromQuery)
})

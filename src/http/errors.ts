import { HttpApiSchema } from "@effect/platform"
import { Effect, Schema } from "effect"

// Every API error has the same body, {error, message, details} (plus the `_tag` of its status class, which the typed
// client uses to tell them apart); `error` names the precise failure (LandNotFound, DuplicateLand, ...).
const fields = {
  error: Schema.String,
  message: Schema.String,
  details: Schema.optional(Schema.Unknown)
}

export class BadRequest extends Schema.TaggedError<BadRequest>()("BadRequest", fields, HttpApiSchema.annotations({ status: 400 })) {}
export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", fields, HttpApiSchema.annotations({ status: 401 })) {}
export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", fields, HttpApiSchema.annotations({ status: 403 })) {}
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", fields, HttpApiSchema.annotations({ status: 404 })) {}
export class Conflict extends Schema.TaggedError<Conflict>()("Conflict", fields, HttpApiSchema.annotations({ status: 409 })) {}
export class TooManyRequests extends Schema.TaggedError<TooManyRequests>()("TooManyRequests", fields, HttpApiSchema.annotations({ status: 429 })) {}
export class ServiceUnavailable extends Schema.TaggedError<ServiceUnavailable>()("ServiceUnavailable", fields, HttpApiSchema.annotations({ status: 503 })) {}

export type ApiError = BadRequest | Unauthorized | Forbidden | NotFound | Conflict | TooManyRequests | ServiceUnavailable

const message = (e: unknown) =>
  typeof e === "object" && e !== null && typeof (e as { message?: unknown }).message === "string"
    ? (e as { message: string }).message
    : String(e)
const tag = (e: unknown) => (typeof e === "object" && e !== null && "_tag" in e ? String((e as { _tag: unknown })._tag) : "Error")

/**
 * Domain failures → their HTTP status. A land of someone else is reported as absent (404), never as forbidden, so
 * ids of others' lands leak nothing.
 */
export const toApiError = (e: unknown): ApiError | undefined => {
  const body = { error: tag(e), message: message(e) }
  switch (tag(e)) {
    case "InvalidInput":
      return new BadRequest({ ...body, details: { field: (e as { field: string }).field } })
    case "InvalidUrl":
      return new BadRequest(body)
    case "LandNotFound":
    case "JobNotFound":
    case "ExpressionNotFound":
    case "TokenNotFound":
    case "UserNotFound":
    case "MediaNotFound":
      return new NotFound(body)
    case "DuplicateLand":
    case "DuplicateUser":
    case "JobAlreadyRunning":
    case "JobNotResumable":
    case "JobNotRunning":
      return new Conflict(body)
    case "InvalidCredentials":
    case "Unauthorized":
      return new Unauthorized(body)
    case "TooManyAttempts":
      return new TooManyRequests({ ...body, details: { retryAfterSeconds: (e as { retryAfterSeconds?: number }).retryAfterSeconds } })
    case "SqlError":
    case "DatabaseUnavailable":
      return new ServiceUnavailable({ error: "DatabaseUnavailable", message: "the database is unavailable" })
    default:
      return undefined
  }
}

/** Known failures become their API error; anything else is a bug and a 500 (a defect, logged). */
export const apiErrors = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, ApiError, R> =>
  Effect.catchAll(self, (e) => {
    const api = toApiError(e)
    return api === undefined ? Effect.die(e) : Effect.fail(api)
  })

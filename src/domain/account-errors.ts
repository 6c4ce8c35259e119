import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"

// Failures of accounts and tokens, each with the one line the API returns as `message`.

/** The username, or the email, belongs to another user already (`field` says which). */
export class DuplicateUser extends Schema.TaggedError<DuplicateUser>()("DuplicateUser", {
  field: Schema.Literal("username", "email"),
  value: Schema.String
}, HttpApiSchema.annotations({ status: 409 })) {
  override get message() {
    return `a user with ${this.field} "${this.value}" already exists`
  }
}

/** Unknown user and wrong password are one error, so that a login never tells which usernames exist. */
export class InvalidCredentials extends Schema.TaggedError<InvalidCredentials>()("InvalidCredentials", {}, HttpApiSchema.annotations({ status: 401 })) {
  override get message() {
    return "wrong username or password"
  }
}

export class TooManyAttempts extends Schema.TaggedError<TooManyAttempts>()("TooManyAttempts", {
  retryAfterSeconds: Schema.Int
}, HttpApiSchema.annotations({ status: 429 })) {
  override get message() {
    return `too many failed login attempts; try again in ${this.retryAfterSeconds} seconds`
  }
}

export const UnauthorizedReason = Schema.Literal("missing", "invalid", "revoked", "expired", "inactive")
export type UnauthorizedReason = typeof UnauthorizedReason.Type

export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", { reason: UnauthorizedReason }, HttpApiSchema.annotations({ status: 401 })) {
  override get message() {
    switch (this.reason) {
      case "missing":
        return "an API token is required (Authorization: Bearer <token>)"
      case "invalid":
        return "the API token is not valid"
      case "revoked":
        return "the API token has been revoked"
      case "expired":
        return "the API token has expired"
      case "inactive":
        return "this account is disabled"
    }
  }
}

export class TokenNotFound extends Schema.TaggedError<TokenNotFound>()("TokenNotFound", { id: Schema.Number }, HttpApiSchema.annotations({ status: 404 })) {
  override get message() {
    return `no token with id ${this.id}`
  }
}

export class UserNotFound extends Schema.TaggedError<UserNotFound>()("UserNotFound", { id: Schema.Number }, HttpApiSchema.annotations({ status: 404 })) {
  override get message() {
    return `no user with id ${this.id}`
  }
}

/** An administrator's action asked by another user. */
export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", { action: Schema.String }, HttpApiSchema.annotations({ status: 403 })) {
  override get message() {
    return `only administrators can ${this.action}`
  }
}

import { Config, Either, Redacted } from "effect"
import { InvalidInput } from "../../domain/errors.js"

// What a token's name, lifetime and secret may be, before anything is stored.

const TOKEN_NAME_MAX = 100
/** The name of the token `MWI_ADMIN_TOKEN` installs; reserved, since bootstrap revokes superseded ones by it. */
export const ENV_TOKEN_NAME = "MWI_ADMIN_TOKEN"
// Longer than any token we issue or any sane MWI_ADMIN_TOKEN: hashing it would only be work for an attacker.
export const TOKEN_MAX_LENGTH = 512

export const adminToken = Config.option(Config.redacted(ENV_TOKEN_NAME).pipe(
  Config.map((t) => Redacted.make(Redacted.value(t).trim())),
  Config.validate({
    message: "MWI_ADMIN_TOKEN must be at least 16 characters (or empty to leave it unset)",
    validation: (t) => {
      const length = Redacted.value(t).length
      return length === 0 || (length >= 16 && length <= TOKEN_MAX_LENGTH)
    }
  })
))

export const checkTokenName = (name: string): Either.Either<string, InvalidInput> => {
  const trimmed = name.trim()
  if (trimmed.length > TOKEN_NAME_MAX) {
    return Either.left(new InvalidInput({ field: "name", reason: `a token name is at most ${TOKEN_NAME_MAX} characters` }))
  }
  return trimmed === ENV_TOKEN_NAME
    ? Either.left(new InvalidInput({ field: "name", reason: `${ENV_TOKEN_NAME} is reserved` }))
    : Either.right(trimmed)
}

/** Days a token lives; none given, it lives until revoked. */
export const checkExpiry = (days: number | undefined): Either.Either<number | null, InvalidInput> =>
  days === undefined
    ? Either.right(null)
    : Number.isInteger(days) && days >= 1 && days <= 3650
    ? Either.right(days)
    : Either.left(new InvalidInput({ field: "expiresInDays", reason: "a token lives 1 to 3650 days" }))

import { Schema } from "effect"
import { TokenId, UserId } from "./ids.js"

export class User extends Schema.Class<User>("User")({
  id: UserId,
  username: Schema.String,
  email: Schema.NullOr(Schema.String),
  isAdmin: Schema.Boolean,
  isActive: Schema.Boolean,
  createdAt: Schema.DateFromSelf,
  lastLoginAt: Schema.NullOr(Schema.DateFromSelf)
}) {}

/** A bearer token as listed to its owner; the secret itself is only shown once, at creation, and stored hashed. */
export class ApiToken extends Schema.Class<ApiToken>("ApiToken")({
  id: TokenId,
  userId: UserId,
  name: Schema.String,
  createdAt: Schema.DateFromSelf,
  lastUsedAt: Schema.NullOr(Schema.DateFromSelf),
  expiresAt: Schema.NullOr(Schema.DateFromSelf),
  revokedAt: Schema.NullOr(Schema.DateFromSelf)
}) {}

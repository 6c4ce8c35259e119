import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Option, Schema } from "effect"
import * as crypto from "node:crypto"
import { TokenNotFound, UserNotFound } from "../../domain/account-errors.js"
import { TokenId } from "../../domain/ids.js"
import { ApiToken, User } from "../../domain/user.js"
import { orDieOnParse } from "../sql-errors.js"
import { dieIfNoRow, someOrFail, userColumns } from "./rows.js"

export interface NewToken {
  /** The bearer token; shown this once, only its hash is stored. */
  readonly token: string
  readonly tokenId: TokenId
  readonly apiToken: ApiToken
}

const hashToken = (token: string) => ({ tokenHash: crypto.createHash("sha256").update(token, "utf8").digest("hex") })

const newSecret = Effect.sync(() => "mwi_" + crypto.randomBytes(32).toString("base64url"))

/** A token's owner and state, as authentication needs them. */
const OwnerRow = Schema.Struct({
  ...User.fields,
  tokenId: TokenId,
  revoked: Schema.Boolean,
  expired: Schema.Boolean,
  stale: Schema.Boolean
})

const toOwner = ({ expired, revoked, stale, tokenId, ...user }: typeof OwnerRow.Type) =>
  ({ user: new User(user), tokenId, revoked, expired, stale })

const NewTokenRow = Schema.Struct({
  userId: Schema.Number,
  name: Schema.String,
  tokenHash: Schema.String,
  days: Schema.NullOr(Schema.Number)
})

const isForeignKeyViolation = (e: { readonly cause?: unknown }) =>
  (e.cause as { code?: unknown } | undefined)?.code === "23503"

/**
 * Bearer tokens. Secrets are random and stored as their SHA-256 only, so a copy of the database lets nobody in; the
 * secret leaves this service once, when the token is issued.
 */
export class TokensRepo extends Effect.Service<TokensRepo>()("mwi/TokensRepo", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const columns = sql`t.id, t.user_id, t.name, t.created_at, t.last_used_at, t.expires_at, t.revoked_at`

    const insertRow = SqlSchema.single({
      Request: NewTokenRow,
      Result: ApiToken,
      execute: ({ days, name, tokenHash, userId }) => sql`
        INSERT INTO api_tokens AS t (user_id, name, token_hash, expires_at)
        VALUES (${userId}, ${name}, ${tokenHash}, now() + ${days}::int * interval '1 day')
        RETURNING ${columns}`
    })

    /** A new token of the user, living `days` days or, given null, until revoked. */
    const issue = (userId: number, name: string, days: number | null) =>
      Effect.gen(function*() {
        const token = yield* newSecret
        const apiToken = yield* insertRow({ userId, name, days, ...hashToken(token) }).pipe(
          Effect.catchIf(
            (e) => e._tag === "SqlError" && isForeignKeyViolation(e),
            () => new UserNotFound({ id: userId })
          ),
          dieIfNoRow,
          orDieOnParse
        )
        return { token, tokenId: apiToken.id, apiToken } satisfies NewToken
      })

    const findAll = SqlSchema.findAll({
      Request: Schema.Struct({ userId: Schema.Number }),
      Result: ApiToken,
      execute: ({ userId }) => sql`SELECT ${columns} FROM api_tokens t WHERE t.user_id = ${userId} ORDER BY t.id`
    })

    /** Revoking twice keeps the first date; another user's token is reported absent, not forbidden. */
    const revokeRow = SqlSchema.findOne({
      Request: Schema.Struct({ userId: Schema.Number, tokenId: Schema.Number }),
      Result: Schema.Struct({ id: TokenId }),
      execute: ({ tokenId, userId }) => sql`
        UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, now())
        WHERE id = ${tokenId} AND user_id = ${userId}
        RETURNING id`
    })

    const findOwner = SqlSchema.findOne({
      Request: Schema.Struct({ tokenHash: Schema.String }),
      Result: OwnerRow,
      execute: ({ tokenHash }) => sql`
        SELECT ${userColumns(sql)}, t.id AS token_id,
          t.revoked_at IS NOT NULL AS revoked,
          COALESCE(t.expires_at <= now(), false) AS expired,
          (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute') AS stale
        FROM api_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = ${tokenHash}`
    })

    // last_used_at is informative: once a minute is precise enough and spares a write on every request
    const touchRow = SqlSchema.void({
      Request: Schema.Struct({ tokenId: Schema.Number }),
      execute: ({ tokenId }) => sql`
        UPDATE api_tokens SET last_used_at = now()
        WHERE id = ${tokenId} AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`
    })

    /**
     * Makes `token` a valid token of the user under `name`, whatever happened to it (revoked, moved), and revokes the
     * user's other tokens of that name: the operator's configured key replaces the one it supersedes.
     */
    const installRows = SqlSchema.void({
      Request: Schema.Struct({ userId: Schema.Number, name: Schema.String, tokenHash: Schema.String }),
      execute: ({ name, tokenHash, userId }) =>
        Effect.zipRight(
          sql`
            INSERT INTO api_tokens (user_id, name, token_hash) VALUES (${userId}, ${name}, ${tokenHash})
            ON CONFLICT (token_hash) DO UPDATE
              SET user_id = EXCLUDED.user_id, name = EXCLUDED.name, revoked_at = NULL, expires_at = NULL`,
          sql`
            UPDATE api_tokens SET revoked_at = now()
            WHERE user_id = ${userId} AND name = ${name} AND token_hash <> ${tokenHash} AND revoked_at IS NULL`
        )
    })

    return {
      issue,
      list: (userId: number) => findAll({ userId }).pipe(orDieOnParse),
      revoke: (userId: number, tokenId: number) =>
        revokeRow({ userId, tokenId }).pipe(
          orDieOnParse,
          someOrFail(() => new TokenNotFound({ id: tokenId })),
          Effect.asVoid
        ),
      /** The token's owner, and whether the token is revoked, expired or due a `touch`. */
      findOwner: (token: string) => findOwner(hashToken(token)).pipe(orDieOnParse, Effect.map(Option.map(toOwner))),
      touch: (tokenId: number) => touchRow({ tokenId }).pipe(orDieOnParse),
      install: (userId: number, name: string, token: string) =>
        installRows({ userId, name, ...hashToken(token) }).pipe(orDieOnParse)
    } as const
  })
}) {}

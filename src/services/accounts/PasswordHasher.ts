import { Config, Effect, Option } from "effect"
import * as crypto from "node:crypto"
import { formatHash, normalizePassword, parseHash, type PasswordHash, type ScryptParams } from "../../domain/password.js"

const SALT_BYTES = 16
const KEY_BYTES = 64

const scryptCost = Config.integer("MWI_SCRYPT_COST").pipe(
  Config.withDefault(32_768),
  Config.validate({
    message: "MWI_SCRYPT_COST must be a power of two from 1024 to 1048576",
    validation: (n) => n >= 1024 && n <= 2 ** 20 && (n & (n - 1)) === 0
  })
)

/** Off the event loop: node runs scrypt on its thread pool, so logins do not stall the server. */
const scrypt = (password: string, salt: Uint8Array, keyBytes: number, params: ScryptParams) =>
  Effect.async<Buffer>((resume) => {
    crypto.scrypt(
      normalizePassword(password),
      salt,
      keyBytes,
      { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r * params.p },
      (error, key) => resume(error ? Effect.die(error) : Effect.succeed(key))
    )
  })

/**
 * scrypt password hashes, written as `domain/password.ts` formats them. New hashes use the cost of `MWI_SCRYPT_COST`;
 * a stored hash is checked with the parameters it carries.
 */
export class PasswordHasher extends Effect.Service<PasswordHasher>()("mwi/PasswordHasher", {
  effect: Effect.gen(function*() {
    const params: ScryptParams = { N: yield* scryptCost, r: 8, p: 1 }

    const hash = (password: string) =>
      Effect.gen(function*() {
        const salt = crypto.randomBytes(SALT_BYTES)
        const key = yield* scrypt(password, salt, KEY_BYTES, params)
        return formatHash({ ...params, salt, key })
      })

    // Checked in place of a missing user's hash, so that an unknown username costs what a wrong password costs; only
    // the derivation is timed, so random bytes serve as well as the hash of a real password.
    const dummyHash: PasswordHash = { ...params, salt: crypto.randomBytes(SALT_BYTES), key: crypto.randomBytes(KEY_BYTES) }

    const matches = (password: string, hash: PasswordHash) =>
      Effect.map(scrypt(password, hash.salt, hash.key.length, hash), (key) => crypto.timingSafeEqual(key, hash.key))

    /** False for a missing or unusable stored hash (e.g. an account without a password), after the same work. */
    const verify = (password: string, stored: string | undefined) =>
      Option.match(stored === undefined ? Option.none() : parseHash(stored), {
        onNone: () => Effect.as(matches(password, dummyHash), false),
        onSome: (hash) => matches(password, hash)
      })

    return { hash, verify } as const
  })
}) {}

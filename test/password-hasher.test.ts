import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer } from "effect"
import { PasswordHasher } from "../src/services/accounts/PasswordHasher.js"

// The integration suites hash at the cheapest cost (vitest.config.ts); the cost a deployment gets is checked here.
const hasherWith = (entries: ReadonlyArray<readonly [string, string]>) =>
  PasswordHasher.Default.pipe(Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(entries)))))

describe("password hashing", () => {
  it.effect("hashes with scrypt N=32768, r=8, p=1 by default, and a hash verifies its password only", () =>
    Effect.gen(function*() {
      const hasher = yield* PasswordHasher
      const stored = yield* hasher.hash("correct horse battery")
      expect(stored).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/)
      expect(yield* hasher.verify("correct horse battery", stored)).toBe(true)
      expect(yield* hasher.verify("correct horse battery!", stored)).toBe(false)
      expect(yield* hasher.verify("correct horse battery", undefined)).toBe(false)
    }).pipe(Effect.provide(hasherWith([]))))

  it.effect("MWI_SCRYPT_COST sets the cost of new hashes; a value that is not a power of two is refused", () =>
    Effect.gen(function*() {
      const cheap = yield* Effect.provide(PasswordHasher, hasherWith([["MWI_SCRYPT_COST", "1024"]]))
      expect(yield* cheap.hash("correct horse battery")).toMatch(/^scrypt\$1024\$8\$1\$/)
      const refused = yield* Effect.flip(Effect.provide(PasswordHasher, hasherWith([["MWI_SCRYPT_COST", "1000"]])))
      expect(String(refused)).toContain("MWI_SCRYPT_COST must be a power of two from 1024 to 1048576")
    }))
})

import Undici from "@effect/platform-node/Undici"
import { Config, Context, Effect, Layer } from "effect"
import * as dns from "node:dns"
import type { LookupFunction } from "node:net"
import { NetworkError, PrivateAddress } from "../domain/fetch.js"
import { type AddressClass, classifyAddress } from "../domain/ip.js"

/**
 * Raised from inside a socket connection attempt (a Node callback API, hence a plain Error); the Fetcher finds it in
 * the cause of the transport error and turns it into a `PrivateAddress` failure.
 */
export class AddressRefused extends Error {
  readonly code = "EMWI_PRIVATE_ADDRESS"
  constructor(readonly host: string, readonly address: string, readonly addressClass: AddressClass) {
    super(`${host} resolves to ${address} (${addressClass}); private networks are not allowed`)
    this.name = "AddressRefused"
  }
}

/** The AddressRefused somewhere in an error's cause chain, if any. */
export const findAddressRefused = (error: unknown): AddressRefused | undefined => {
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    if (e instanceof AddressRefused) return e
    e = (e as { cause?: unknown }).cause
  }
  return undefined
}

const stripBrackets = (host: string) => host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host

const refusal = (host: string, address: string): AddressRefused | undefined => {
  const addressClass = classifyAddress(address)
  return addressClass === "public" ? undefined : new AddressRefused(host, address, addressClass)
}

/**
 * A `lookup` for sockets that resolves every address of the host and refuses them all when any is non-public. It runs
 * at connect time, so the address checked is the address connected to: a DNS answer that changes between a pre-check
 * and the connection (DNS rebinding) cannot slip through.
 */
const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, "", 0)
    for (const { address } of addresses) {
      const refused = refusal(hostname, address)
      if (refused) return callback(refused, "", 0)
    }
    if (options.all) return callback(null, addresses)
    const [first] = addresses
    return first === undefined
      ? callback(Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }), "", 0)
      : callback(null, first.address, first.family)
  })
}

export interface NetworkGuardShape {
  readonly allowPrivateNetwork: boolean
  /**
   * An undici connector that enforces the policy on every connection: IP-literal hosts are classified directly (Node
   * skips `lookup` for them), named hosts through the guarded lookup. Give it to every Agent that fetches user URLs.
   */
  readonly connector: (options: Undici.buildConnector.BuildOptions) => Undici.buildConnector.connector
  /**
   * Up-front check of a URL's host (for validating input early): an IP literal is classified directly, a name is
   * resolved and all its addresses must be public. Fetching does not rely on it: the connector re-checks at connect.
   */
  readonly check: (url: string) => Effect.Effect<void, PrivateAddress | NetworkError>
}

const make = (allowPrivateNetwork: boolean): NetworkGuardShape => ({
  allowPrivateNetwork,
  connector: (options) => {
    if (allowPrivateNetwork) return Undici.buildConnector(options)
    const connect = Undici.buildConnector({ ...options, lookup: guardedLookup })
    return (target, callback) => {
      const literal = classifyAddress(target.hostname)
      if (literal !== "invalid" && literal !== "public") {
        return callback(new AddressRefused(target.hostname, target.hostname, literal), null)
      }
      return connect(target, callback)
    }
  },
  check: (url) =>
    Effect.gen(function*() {
      if (allowPrivateNetwork) return
      const host = yield* Effect.try({
        try: () => stripBrackets(new URL(url).hostname),
        catch: () => new NetworkError({ url, message: "not a valid URL" })
      })
      const addresses = classifyAddress(host) === "invalid"
        ? yield* Effect.tryPromise({
          try: () => dns.promises.lookup(host, { all: true }),
          catch: (cause) => new NetworkError({ url, message: cause instanceof Error ? cause.message : String(cause) })
        }).pipe(Effect.map((all) => all.map((a) => a.address)))
        : [host]
      for (const address of addresses) {
        if (refusal(host, address)) return yield* new PrivateAddress({ url, host, address })
      }
    })
})

export interface NetworkGuardOptions {
  /** Overrides `MWI_ALLOW_PRIVATE_NETWORK` (the CLI's `--allow-private-network`). */
  readonly allowPrivateNetwork?: boolean | undefined
}

const allowPrivateNetworkConfig = Config.boolean("MWI_ALLOW_PRIVATE_NETWORK").pipe(Config.withDefault(false))

/** Refuses private, loopback, link-local and other non-public destinations unless private networks are allowed. */
export class NetworkGuard extends Context.Tag("mwi/NetworkGuard")<NetworkGuard, NetworkGuardShape>() {
  static readonly layer = (options: NetworkGuardOptions = {}) =>
    Layer.effect(
      NetworkGuard,
      options.allowPrivateNetwork === undefined
        ? Effect.map(allowPrivateNetworkConfig, make)
        : Effect.succeed(make(options.allowPrivateNetwork))
    )

  /** Reads `MWI_ALLOW_PRIVATE_NETWORK` (`1`/`true` allows). */
  static readonly Default = NetworkGuard.layer()
}

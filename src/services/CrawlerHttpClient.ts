import type { HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import Undici from "@effect/platform-node/Undici"
import { Context, Effect, Layer } from "effect"
import { FetcherConfig } from "./FetcherConfig.js"
import { NetworkGuard } from "./NetworkGuard.js"

/**
 * The HTTP client the Fetcher sends its requests through. The default one connects only where the network guard
 * allows; a program or a test may provide any other `HttpClient` (one answering from memory, say).
 */
export class CrawlerHttpClient extends Context.Tag("mwi/CrawlerHttpClient")<CrawlerHttpClient, HttpClient.HttpClient>() {
  static readonly Default = Layer.scoped(
    CrawlerHttpClient,
    Effect.gen(function*() {
      const settings = yield* FetcherConfig
      const guard = yield* NetworkGuard
      // Own Agent: every connection goes through the guard's connector (checked at connect time, see NetworkGuard).
      const agent = yield* Effect.acquireRelease(
        Effect.sync(() => new Undici.Agent({ connect: guard.connector({ timeout: settings.timeoutMs }) })),
        (agent) => Effect.promise(() => agent.destroy())
      )
      // undici.request never follows redirects, so the Fetcher sees each hop.
      return NodeHttpClient.makeUndici(agent)
    })
  )
}

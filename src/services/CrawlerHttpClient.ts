import type { HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import Undici from "@effect/platform-node/Undici"
import { Context, Effect, Layer } from "effect"
import { FetcherConfig } from "./FetcherConfig.js"
import { NetworkGuard } from "./NetworkGuard.js"

// Carried in a request's undici options (symbol keys survive the spread into them), read back by the agent.
const ON_SENT = Symbol.for("mwi/CrawlerHttpClient/onSent")

type Handler = Undici.Dispatcher.DispatchHandler & { onRequestSent?: () => void }

/**
 * An agent that tells a request's `onSent` when its bytes were handed to the socket (undici's `onRequestSent`), the
 * moment the server's clock starts: politeness counts intervals from there, not from when a busy event loop was asked.
 */
class SendAwareAgent extends Undici.Agent {
  override dispatch(options: Undici.Agent.DispatchOptions, handler: Undici.Dispatcher.DispatchHandler): boolean {
    const onSent = (options as { [ON_SENT]?: () => void })[ON_SENT]
    if (onSent === undefined) return super.dispatch(options, handler)
    const target = handler as Handler
    // A proxy, not a copy: undici checks which callbacks a handler has, and the request's own keep their `this`.
    const announcing = new Proxy(target, {
      get: (t, key) => {
        if (key === "onRequestSent") {
          return () => {
            onSent()
            return t.onRequestSent?.()
          }
        }
        const value = Reflect.get(t, key)
        return typeof value === "function" ? value.bind(t) : value
      }
    })
    return super.dispatch(options, announcing)
  }
}

/**
 * Runs a request of the crawler's client telling `onSent` as it leaves. A client that cannot tell (one answering from
 * memory) never calls it: the caller calls it itself when the answer comes.
 */
export const announcingSent = (onSent: () => void) =>
  Effect.provideService(
    NodeHttpClient.UndiciRequestOptions,
    { [ON_SENT]: onSent } as unknown as Undici.Dispatcher.RequestOptions<null>
  )

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
        Effect.sync(() => new SendAwareAgent({ connect: guard.connector({ timeout: settings.timeoutMs }) })),
        (agent) => Effect.promise(() => agent.destroy())
      )
      // undici.request never follows redirects, so the Fetcher sees each hop.
      return NodeHttpClient.makeUndici(agent)
    })
  )
}

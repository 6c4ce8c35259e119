import { Clock, Context, Deferred, Effect, FiberId, Layer, type Scope } from "effect"
import robotsParserModule from "robots-parser"
import type { FetchFailure } from "../domain/fetch.js"
import { Fetcher } from "./Fetcher.js"

// The typings declare an ES default export, but the package is CommonJS (`module.exports = fn`): under NodeNext the
// default import is that function at runtime, and TypeScript needs telling.
const robotsParser = robotsParserModule as unknown as typeof robotsParserModule.default

export interface RobotsVerdict {
  readonly allowed: boolean
  /** The Crawl-delay for our agent (or `*`), capped at `CRAWL_DELAY_CAP_MS`; null when none is set. */
  readonly crawlDelayMs: number | null
}

export interface RobotsPolicy {
  readonly check: (url: string) => Effect.Effect<RobotsVerdict>
  /**
   * When the last request for the robots.txt of the URL's origin went to that origin (Clock milliseconds), null when
   * this job sent none: a host's first page is spaced from it by the host's interval, as any two requests are.
   */
  readonly requestedAt: (url: string) => Effect.Effect<number | null>
}

export interface RobotsOptions {
  /** Always allow, without fetching any robots.txt. */
  readonly ignoreRobots?: boolean
}

export const CRAWL_DELAY_CAP_MS = 30_000
/** RFC 9309 §2.3.1.2: follow at least five consecutive redirects for robots.txt. */
const ROBOTS_MAX_REDIRECTS = 5

type Rules =
  | { readonly _tag: "AllowAll" }
  | { readonly _tag: "DisallowAll" }
  | { readonly _tag: "Parsed"; readonly robots: ReturnType<typeof robotsParser> }

const ALLOW_ALL: Rules = { _tag: "AllowAll" }
const DISALLOW_ALL: Rules = { _tag: "DisallowAll" }

/** `MyWebIntelligence/3 (+https://…)` → `MyWebIntelligence`: the token robots.txt groups are matched against. */
export const productToken = (userAgent: string): string => userAgent.trim().split(/[\s/]/)[0] ?? userAgent

/**
 * RFC 9309 §2.3.1: a robots.txt that is unavailable (4xx, including 404; or a redirect chain that cannot be followed;
 * or one too large to read) allows everything; an unreachable one (5xx after retries, network error, timeout)
 * disallows everything, since the server may be failing under load and its rules are unknown. 429 counts as
 * unreachable (the server asks us to back off, as Google treats it). A host refused by the network guard is disallowed
 * too: its pages would be refused anyway.
 */
const rulesFromFailure = (failure: FetchFailure): Rules => {
  switch (failure._tag) {
    case "NetworkError":
    case "FetchTimeout":
    case "PrivateAddress":
    case "BlockedByRobots":
      return DISALLOW_ALL
    case "RedirectLoop":
    case "TooManyRedirects":
    case "InvalidRedirect":
    case "BodyTooLarge":
      return ALLOW_ALL
  }
}

const verdict = (rules: Rules, url: string, agent: string): RobotsVerdict => {
  switch (rules._tag) {
    case "AllowAll":
      return { allowed: true, crawlDelayMs: null }
    case "DisallowAll":
      return { allowed: false, crawlDelayMs: null }
    case "Parsed": {
      const delay = rules.robots.getCrawlDelay(agent)
      return {
        allowed: rules.robots.isAllowed(url, agent) ?? true,
        crawlDelayMs: delay === undefined || !Number.isFinite(delay) || delay < 0
          ? null
          : Math.min(Math.round(delay * 1000), CRAWL_DELAY_CAP_MS)
      }
    }
  }
}

const ALWAYS_ALLOWED: RobotsPolicy = {
  check: () => Effect.succeed({ allowed: true, crawlDelayMs: null }),
  requestedAt: () => Effect.succeed(null)
}

const originOf = (url: string): string | null => {
  try {
    return new URL(url).origin
  } catch {
    return null
  }
}

/**
 * robots.txt rules for one job. Each origin's robots.txt is fetched once, through the Fetcher (so the network guard,
 * caps and retries apply), by a fiber of the job's scope: checks that arrive while it is in flight wait for the same
 * fetch, and a check that is interrupted does not cancel it for the others. The cache dies with the scope.
 */
const make = (options: RobotsOptions = {}): Effect.Effect<RobotsPolicy, never, Fetcher | Scope.Scope> =>
  Effect.gen(function*() {
    if (options.ignoreRobots === true) return ALWAYS_ALLOWED
    const fetcher = yield* Fetcher
    const scope = yield* Effect.scope
    const agent = productToken(fetcher.settings.userAgent)
    const cache = new Map<string, Deferred.Deferred<Rules>>()
    const requested = new Map<string, number>()

    // Every attempt counts, and only hops to the origin itself: a redirect elsewhere is another host's request.
    const onRequest = (origin: string) => (url: string) =>
      originOf(url) === origin
        ? Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.sync(() => requested.set(origin, now)))
        : Effect.void

    const fetchRules = (origin: string): Effect.Effect<Rules> =>
      fetcher.fetchText(`${origin}/robots.txt`, { maxRedirects: ROBOTS_MAX_REDIRECTS, onRequest: onRequest(origin) }).pipe(
        Effect.map((result): Rules =>
          result.status >= 500 || result.status === 429
            ? DISALLOW_ALL
            : result.status >= 200 && result.status < 300
            ? { _tag: "Parsed", robots: robotsParser(`${origin}/robots.txt`, result.body) }
            : ALLOW_ALL
        ),
        Effect.catchAll((failure) =>
          Effect.as(Effect.logWarning(`robots.txt of ${origin}: ${failure.message}`), rulesFromFailure(failure))
        ),
        Effect.tap((rules) => Effect.logDebug(`robots.txt of ${origin}: ${rules._tag}`))
      )

    const rulesFor = (origin: string): Effect.Effect<Rules> =>
      Effect.flatMap(
        Effect.suspend(() => {
          const known = cache.get(origin)
          if (known !== undefined) return Effect.succeed(known)
          const deferred = Deferred.unsafeMake<Rules>(FiberId.none)
          cache.set(origin, deferred)
          return fetchRules(origin).pipe(Effect.intoDeferred(deferred), Effect.forkIn(scope), Effect.as(deferred))
        }),
        Deferred.await
      )

    return {
      check: (url: string) =>
        Effect.suspend(() => {
          const origin = originOf(url)
          return origin === null
            ? Effect.succeed<RobotsVerdict>({ allowed: false, crawlDelayMs: null })
            : Effect.map(rulesFor(origin), (rules) => verdict(rules, url, agent))
        }),
      requestedAt: (url: string) =>
        Effect.sync(() => {
          const origin = originOf(url)
          return origin === null ? null : requested.get(origin) ?? null
        })
    }
  })

/** The robots.txt policy of a job: `Robots.make` inside the job's scope, or `Robots.layer` for a scoped layer. */
export class Robots extends Context.Tag("mwi/Robots")<Robots, RobotsPolicy>() {
  static readonly make = make
  static readonly layer = (options: RobotsOptions = {}) => Layer.scoped(Robots, make(options))
}

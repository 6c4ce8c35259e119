import { Clock, Deferred, Effect, FiberId, Layer } from "effect"
import robotsParserModule from "robots-parser"
import { BlockedByRobots, type FetchFailure, NetworkError, RobotsUnreachable } from "../domain/fetch.js"
import { Fetcher } from "./Fetcher.js"
import { unsafeNowMs } from "./HostTiming.js"

// The typings declare an ES default export, but the package is CommonJS (`module.exports = fn`): under NodeNext the
// default import is that function at runtime, and TypeScript needs telling.
const robotsParser = robotsParserModule as unknown as typeof robotsParserModule.default

export interface RobotsVerdict {
  readonly allowed: boolean
  /** Why a URL that is not allowed is not: its rules disallow it, or robots.txt could not be read (and why). */
  readonly refusal: FetchFailure | null
  /** The Crawl-delay for our agent (or `*`), capped at `CRAWL_DELAY_CAP_MS`; null when none is set. */
  readonly crawlDelayMs: number | null
}

export interface RobotsPolicy {
  /** The verdict for a URL, for a User-Agent's product token (unset: the configured User-Agent's). */
  readonly check: (url: string, agent?: string) => Effect.Effect<RobotsVerdict>
  /**
   * When the last request for the robots.txt of the URL's origin went to that origin (Clock milliseconds), null when
   * none was sent: a host's first page is spaced from it by the host's interval, as any two requests are.
   */
  readonly requestedAt: (url: string) => Effect.Effect<number | null>
}

export const CRAWL_DELAY_CAP_MS = 30_000
/** RFC 9309 §2.3.1.2: follow at least five consecutive redirects for robots.txt. */
const ROBOTS_MAX_REDIRECTS = 5

type Rules =
  | { readonly _tag: "AllowAll" }
  | { readonly _tag: "Unreachable"; readonly failure: FetchFailure }
  | { readonly _tag: "Parsed"; readonly robots: ReturnType<typeof robotsParser> }

const ALLOW_ALL: Rules = { _tag: "AllowAll" }

/** `MyWebIntelligence/3 (+https://…)` → `MyWebIntelligence`: the token robots.txt groups are matched against. */
export const productToken = (userAgent: string): string => userAgent.trim().split(/[\s/]/)[0] ?? userAgent

/**
 * RFC 9309 §2.3.1: a robots.txt that is unavailable (4xx, including 404; or a redirect chain that cannot be followed;
 * or one too large to read) allows everything; an unreachable one (5xx after retries, network error, timeout)
 * disallows everything for a while, since the server may be failing under load and its rules are unknown. 429 counts
 * as unreachable (the server asks us to back off, as Google treats it). A host refused by the network guard is
 * disallowed too. The pages keep the true reason: a host that does not resolve is "host not found", a refused address
 * "private address", a failing server "robots.txt unreachable"; never "disallowed", which only rules that were read say.
 */
const rulesFromFailure = (failure: FetchFailure): Rules => {
  switch (failure._tag) {
    case "NetworkError":
    case "HostNotFound":
    case "ConnectionRefused":
    case "TlsFailure":
    case "FetchTimeout":
    case "PrivateAddress":
    case "BlockedByRobots":
    case "RobotsUnreachable":
      return { _tag: "Unreachable", failure }
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
      return { allowed: true, refusal: null, crawlDelayMs: null }
    case "Unreachable":
      return { allowed: false, refusal: rules.failure, crawlDelayMs: null }
    case "Parsed": {
      const delay = rules.robots.getCrawlDelay(agent)
      const allowed = rules.robots.isAllowed(url, agent) ?? true
      return {
        allowed,
        refusal: allowed ? null : new BlockedByRobots({ url }),
        crawlDelayMs: delay === undefined || !Number.isFinite(delay) || delay < 0
          ? null
          : Math.min(Math.round(delay * 1000), CRAWL_DELAY_CAP_MS)
      }
    }
  }
}

/** A policy that allows everything without fetching any robots.txt (a job's `ignoreRobots`). */
export const ALWAYS_ALLOWED: RobotsPolicy = {
  check: () => Effect.succeed({ allowed: true, refusal: null, crawlDelayMs: null }),
  requestedAt: () => Effect.succeed(null)
}

const originOf = (url: string): string | null => {
  try {
    return new URL(url).origin
  } catch {
    return null
  }
}

// RFC 9309 §2.4: a cached robots.txt should not be used for more than 24 hours. A host whose robots.txt could not be
// reached is asked again sooner: its disallow-all is a precaution, not its rules.
const CACHE_TTL_MS = 24 * 60 * 60 * 1000
const UNREACHABLE_TTL_MS = 10 * 60 * 1000

interface Cached {
  readonly rules: Deferred.Deferred<Rules>
  expiresAt: number
}

/**
 * robots.txt rules for the process, shared by every job. Each origin's robots.txt is fetched once a day at most
 * (ten minutes when it was unreachable),
 * through the Fetcher (so the network guard, caps and retries apply), by a fiber of the service's scope: checks that
 * arrive while it is in flight wait for the same fetch, and a check that is interrupted does not cancel it.
 */
export const makeRobots = Effect.gen(function*() {
  const fetcher = yield* Fetcher
  const scope = yield* Effect.scope
  const defaultAgent = productToken(fetcher.settings.userAgent)
  const cache = new Map<string, Cached>()
  const requested = new Map<string, number>()

  // Every attempt counts, when it really leaves, and only hops to the origin itself: a redirect elsewhere is
  // another host's request.
  const clock = yield* Effect.clock
  const onSent = (origin: string) => (url: string) => {
    if (originOf(url) === origin) requested.set(origin, unsafeNowMs(clock))
  }

  const fetchRules = (origin: string): Effect.Effect<Rules> =>
    fetcher.fetchText(`${origin}/robots.txt`, { maxRedirects: ROBOTS_MAX_REDIRECTS, onSent: onSent(origin) }).pipe(
      Effect.map((result): Rules =>
        result.status >= 500 || result.status === 429
          ? {
            _tag: "Unreachable",
            failure: new RobotsUnreachable({ url: result.finalUrl, status: result.status, retryAfterMs: UNREACHABLE_TTL_MS })
          }
          : result.status >= 200 && result.status < 300
          ? { _tag: "Parsed", robots: robotsParser(`${origin}/robots.txt`, result.body) }
          : ALLOW_ALL
      ),
      // Info, not a warning: the pages this refuses carry the reason, and a command's output stays its own.
      Effect.catchAll((failure) =>
        Effect.as(Effect.logInfo(`robots.txt of ${origin}: ${failure.message}`), rulesFromFailure(failure))
      ),
      Effect.tap((rules) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Effect.sync(() => {
            const entry = cache.get(origin)
            if (entry !== undefined) entry.expiresAt = now + (rules._tag === "Unreachable" ? UNREACHABLE_TTL_MS : CACHE_TTL_MS)
          }))
      ),
      Effect.tap((rules) => Effect.logDebug(`robots.txt of ${origin}: ${rules._tag}`))
    )

  const rulesFor = (origin: string): Effect.Effect<Rules> =>
    Effect.flatMap(
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const known = cache.get(origin)
        if (known !== undefined && now < known.expiresAt) return Effect.succeed(known.rules)
        const rules = Deferred.unsafeMake<Rules>(FiberId.none)
        cache.set(origin, { rules, expiresAt: Infinity })
        return fetchRules(origin).pipe(Effect.intoDeferred(rules), Effect.forkIn(scope), Effect.as(rules))
      }),
      Deferred.await
    )

  return {
    check: (url: string, agent?: string) =>
      Effect.suspend(() => {
        const origin = originOf(url)
        return origin === null
          ? Effect.succeed<RobotsVerdict>({
            allowed: false,
            refusal: new NetworkError({ url, message: "not a valid URL" }),
            crawlDelayMs: null
          })
          : Effect.map(rulesFor(origin), (rules) => verdict(rules, url, agent ?? defaultAgent))
      }),
    requestedAt: (url: string) =>
      Effect.sync(() => {
        const origin = originOf(url)
        return origin === null ? null : requested.get(origin) ?? null
      })
  } satisfies RobotsPolicy
})

/** The robots.txt policy of the process; `Robots.allowAll` for a program that does not want one. */
export class Robots extends Effect.Service<Robots>()("mwi/Robots", { scoped: makeRobots }) {
  static readonly allowAll = Layer.succeed(Robots, Robots.make(ALWAYS_ALLOWED))
}

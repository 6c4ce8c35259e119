import { Effect, Either, Metric } from "effect"
import { BlockedByRobots, type FetchFailure, type FetchResult } from "../domain/fetch.js"
import { urlHost } from "../domain/url.js"
import { Fetcher } from "../services/Fetcher.js"
import type { ClaimedUrl } from "../services/Frontier.js"
import { bytesDownloaded, fetchDuration } from "../services/Metrics.js"
import type { HostLimits, HostWork } from "../services/Politeness.js"
import { ALWAYS_ALLOWED, productToken, Robots } from "../services/Robots.js"

/** The fetch stage's output: a claimed URL and what the network answered, or why it did not. */
export interface Fetched {
  readonly claimed: ClaimedUrl
  readonly result: Either.Either<FetchResult, FetchFailure>
}

export interface FetchStageOptions {
  readonly limits: HostLimits
  readonly ignoreRobots: boolean
  /** The job's own User-Agent, also its robots.txt agent (unset: the configured one). */
  readonly userAgent?: string | undefined
}

/**
 * The fetch stage, `ClaimedUrl → Fetched`, as work for the politeness lane: robots.txt is read when the URL reaches
 * the head of its host's queue (its Crawl-delay raising the host's interval), then checked again at each redirect hop.
 */
export const makeFetchStage = (options: FetchStageOptions) =>
  Effect.gen(function*() {
    const fetcher = yield* Fetcher
    const robots = options.ignoreRobots ? ALWAYS_ALLOWED : yield* Robots
    const agent = options.userAgent === undefined ? undefined : productToken(options.userAgent)

    const allow = (url: string) =>
      robots.check(url, agent).pipe(
        Effect.flatMap((v) => v.allowed ? Effect.void : Effect.fail(v.refusal ?? new BlockedByRobots({ url })))
      )

    const measured = (result: Either.Either<FetchResult, FetchFailure>) =>
      Either.isLeft(result) ? Effect.void : Effect.zipRight(
        Metric.update(fetchDuration, result.right.elapsedMs / 1000),
        Metric.incrementBy(bytesDownloaded, result.right.bytes ?? 0)
      )

    return (claimed: ClaimedUrl, emit: (fetched: Fetched) => Effect.Effect<void>): HostWork => ({
      host: urlHost(claimed.normalizedUrl),
      limits: options.limits,
      prepare: Effect.zipWith(
        robots.check(claimed.normalizedUrl, agent),
        robots.requestedAt(claimed.normalizedUrl),
        (verdict, requestedAt) => ({ intervalFloorMs: verdict.crawlDelayMs ?? 0, requestedAt })
      ),
      run: (paced, doneWithHost) =>
        fetcher.fetch(claimed.normalizedUrl, { allow, ...paced, userAgent: options.userAgent }).pipe(
          Effect.either,
          Effect.tap(measured),
          Effect.zipLeft(doneWithHost),
          Effect.flatMap((result) => emit({ claimed, result }))
        )
    })
  })

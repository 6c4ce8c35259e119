import { Config, Context } from "effect"
import { nonNegativeInt, positiveInt, settingsLayer } from "./config.js"

export interface FetcherSettings {
  /** Whole request per attempt, body included (`MWI_FETCH_TIMEOUT_MS`, 15000). */
  readonly timeoutMs: number
  /** Cap on the (decompressed) body (`MWI_MAX_BODY_BYTES`, 10 MiB). */
  readonly maxBodyBytes: number
  /** Redirects followed before `TooManyRedirects` (`MWI_MAX_REDIRECTS`, 5). */
  readonly maxRedirects: number
  /** `MWI_USER_AGENT`; its product token (before the first `/`) is also the robots.txt agent. */
  readonly userAgent: string
  /** Retries after the first attempt on network errors, timeouts, 5xx and 429 (`MWI_FETCH_RETRIES`, 3). */
  readonly retries: number
  /** First backoff, doubled per retry, with jitter (`MWI_FETCH_BACKOFF_MS`, 500). */
  readonly backoffBaseMs: number
  /** Longest Retry-After honoured (`MWI_RETRY_AFTER_CAP_MS`, 60000). */
  readonly retryAfterCapMs: number
}

const settingsConfig: Config.Config<FetcherSettings> = Config.all({
  timeoutMs: positiveInt("MWI_FETCH_TIMEOUT_MS", 15_000),
  maxBodyBytes: positiveInt("MWI_MAX_BODY_BYTES", 10 * 1024 * 1024),
  maxRedirects: nonNegativeInt("MWI_MAX_REDIRECTS", 5),
  userAgent: Config.string("MWI_USER_AGENT").pipe(
    Config.withDefault("MyWebIntelligence/3 (+https://github.com/MyWebIntelligence)")
  ),
  retries: nonNegativeInt("MWI_FETCH_RETRIES", 3),
  backoffBaseMs: nonNegativeInt("MWI_FETCH_BACKOFF_MS", 500),
  retryAfterCapMs: nonNegativeInt("MWI_RETRY_AFTER_CAP_MS", 60_000)
})

/** The fetcher's settings: timeouts, caps, retries, User-Agent. */
export class FetcherConfig extends Context.Tag("mwi/FetcherConfig")<FetcherConfig, FetcherSettings>() {
  /** Settings from `Config` (environment), with explicit overrides on top (tests use small timeouts). */
  static readonly layer = settingsLayer(FetcherConfig, settingsConfig)
  static readonly Default = FetcherConfig.layer()
}

import { Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import { crawlLand } from "../streams/crawl.js"
import { CrawlOptions, type CrawlSummary } from "../streams/crawl-options.js"
import { crawlWithEmbed } from "../streams/embedding.js"
import { analyseAfterCrawl } from "../streams/media-analysis.js"
import { joiningOptions, runningCrawlOn } from "../streams/worker.js"
import { networkOptions, withApp } from "./app.js"
import { embedSummaryText } from "./embed.js"
import { mediaSummaryText } from "./medianalyse.js"
import { decodeOptions, emit, optionalInt as int, plural, reportFailure, runCommand } from "./output.js"
import { followJobs } from "./progress.js"
import { landOptions, selectLand } from "./land-option.js"
import { setExitCode } from "./terminal.js"

const summaryText = (landName: string, s: CrawlSummary) =>
  [
    ...(s.requeued > 0 ? [`${plural(s.requeued, "page")} put back in the frontier (--retry)`] : []),
    `Crawl of land ${landName} ${s.status} (job ${s.jobId}): ${s.fetched} fetched, ${s.failed} failed, ` +
    `${s.skipped} skipped, ${s.discovered} discovered, ${s.links} links, ${s.pending} still pending; ` +
    `${(s.durationMs / 1000).toFixed(1)} s, ${s.pagesPerSecond} pages/s`,
    ...s.problems.map((p) => `  ${p.count} × ${p.example}`)
  ].join("\n")

// What to run next when every page of a run was refused or failed, by the kind of reason.
const HINTS: Readonly<Record<string, string>> = {
  PrivateAddress: "to crawl a local or private site, run again with --allow-private-network --retry skipped",
  BlockedByRobots: "the sites' robots.txt disallow these pages; --ignore-robots --retry skipped overrides it",
  RobotsUnreachable: "the sites' robots.txt answered a server error; try again later with --retry failed",
  HostNotFound: "check the URLs and the network (DNS), then run again with --retry failed",
  ConnectionRefused: "the servers refused the connection; when they are up, run again with --retry failed",
  FetchTimeout: "the servers did not answer in time; run again with --retry failed",
  TlsFailure: "the sites' TLS certificates could not be verified"
}

/** One line when nothing could be fetched: the main reason, and what to do about it. */
export const nothingFetched = (s: CrawlSummary): string | null => {
  const main = s.problems[0]
  if (s.fetched > 0 || main === undefined) return null
  const hint = HINTS[main.reason]
  return `nothing could be fetched: ${main.count} × ${main.reason}` + (hint === undefined ? "" : `; ${hint}`)
}

export const crawlCommand = Command.make("crawl", {
  ...landOptions(),
  depth: int("depth", "deepest level to crawl, seeds are 0 (default 3)"),
  limit: int("limit", "fetch at most this many pages in this run"),
  http: int("http", "re-crawl stored pages that answered this HTTP status"),
  minrel: Options.float("minrel").pipe(Options.withDescription("follow the links of pages with at least this relevance (default 1; 0 follows all)"), Options.optional),
  links: Options.choice("links", ["content", "all"]).pipe(Options.withDescription("which links to follow: the main content's (default) or all"), Options.optional),
  concurrency: Options.text("concurrency").pipe(Options.withDescription("requests in flight at once (default 10), or auto: as many as the event loop, memory and database bear"), Options.optional),
  perHost: int("per-host", "requests in flight on one host (default 1)"),
  delayMs: int("delay-ms", "minimum milliseconds between two requests to one host (default 1000)"),
  ignoreRobots: Options.boolean("ignore-robots").pipe(Options.withDescription("do not obey robots.txt")),
  allowPrivateNetwork: Options.boolean("allow-private-network").pipe(Options.withDescription("allow hosts on private, loopback and link-local addresses")),
  userAgent: Options.text("user-agent").pipe(Options.withDescription("the User-Agent header to send"), Options.optional),
  media: Options.boolean("media").pipe(Options.withDescription("then analyse the media of the crawled pages (see land medianalyse)")),
  retry: Options.text("retry").pipe(Options.withDescription("first put back in the frontier the pages that ended: failed, skipped, errors (HTTP error status); comma-separated"), Options.optional),
  reason: Options.text("reason").pipe(Options.withDescription("with --retry: only pages whose reason or HTTP status contains this (e.g. HostNotFound, robots, 503)"), Options.optional),
  embed: Options.boolean("embed").pipe(Options.withDescription("embed the pages as they are stored (see land embed; the land's model, else MWI_EMBED_PROVIDER's)")),
  json: Options.boolean("json").pipe(Options.withDescription("print the final summary as JSON"))
}, (o) =>
  runCommand(o.json, withApp(networkOptions(o.allowPrivateNetwork))(Effect.gen(function*() {
    const concurrency = Option.getOrUndefined(Option.map(o.concurrency, (c) => /^\d+$/.test(c.trim()) ? Number(c) : c.trim()))
    const options = yield* decodeOptions(CrawlOptions, {
      depth: Option.getOrUndefined(o.depth),
      limit: Option.getOrUndefined(o.limit),
      http: Option.getOrUndefined(o.http),
      minrel: Option.getOrUndefined(o.minrel),
      links: Option.getOrUndefined(o.links),
      // A number, or `auto`; anything else is refused by the options' schema, which names the choices.
      concurrency,
      perHost: Option.getOrUndefined(o.perHost),
      delayMs: Option.getOrUndefined(o.delayMs),
      ignoreRobots: o.ignoreRobots,
      userAgent: Option.getOrUndefined(o.userAgent),
      media: o.media,
      retry: Option.match(o.retry, { onNone: () => undefined, onSome: (r) => r.split(",").map((x) => x.trim()).filter((x) => x !== "") }),
      retryReason: Option.getOrUndefined(o.reason),
      embed: o.embed
    })
    const land = yield* selectLand(o.name, o.id)
    // On a PostgreSQL server, a crawl already running on the land is joined, on its own options.
    const running = yield* runningCrawlOn(land.id)
    if (Option.isSome(running)) {
      yield* Console.error(`mwi: joining the crawl already running on land ${land.name} (job ${running.value.id})`)
      const joined = yield* joiningOptions(running.value, concurrency)
      const summary = yield* Effect.scoped(Effect.zipRight(
        followJobs(land, o.json, { crawl: joined.limit }),
        crawlLand(land.id, joined, { resumeJobId: running.value.id })
      ))
      return yield* emit(o.json, summary, () => summaryText(land.name, summary))
    }
    const { crawl: summary, embed, embedFailure, media } = yield* Effect.scoped(Effect.gen(function*() {
      yield* followJobs(land, o.json, { crawl: options.limit })
      const run = yield* crawlWithEmbed(land.id, options.embed, (hooks) => crawlLand(land.id, options, hooks))
      return { ...run, media: yield* analyseAfterCrawl(land.id, options, run.crawl) }
    }))
    yield* emit(o.json, { ...summary, ...(media === null ? {} : { media }), ...(embed === null ? {} : { embed }) }, () =>
      [summaryText(land.name, summary), ...(media === null ? [] : [mediaSummaryText(land.name, media)]), ...(embed === null ? [] : [embedSummaryText(land.name, embed)])]
        .join("\n"))
    if (embed !== null && embed.status !== "completed") yield* Console.error(`mwi: embedding ${embed.status}`)
    if (embedFailure !== null) {
      // The crawl's pages are stored: the embedding's failure is said after its summary, and `land embed` goes on.
      yield* reportFailure(embedFailure, o.json)
      yield* setExitCode(1)
    }
    if (media !== null && media.status !== "completed") yield* Console.error(`mwi: media analysis ${media.status}`)
    if (summary.status !== "completed") yield* Console.error(`mwi: crawl ${summary.status}`)
    const nothing = nothingFetched(summary)
    if (nothing !== null) {
      yield* Console.error(o.json ? JSON.stringify({ error: "NothingFetched", message: nothing }) : `mwi: ${nothing}`)
      yield* setExitCode(1)
    }
  })))).pipe(Command.withDescription("crawl a land's frontier: fetch, extract, score, follow links"))

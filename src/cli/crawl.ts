import { Command, Options } from "@effect/cli"
import { Console, Effect, Option, Queue } from "effect"
import type { JobCounters } from "../domain/job.js"
import { Lands } from "../services/Lands.js"
import { Progress } from "../services/Progress.js"
import { crawlLand } from "../streams/crawl.js"
import { CrawlOptions, type CrawlSummary } from "../streams/crawl-options.js"
import { crawlWithEmbed } from "../streams/embedding.js"
import { analyseAfterCrawl } from "../streams/media-analysis.js"
import { networkOptions, withApp } from "./app.js"
import { embedSummaryText } from "./embed.js"
import { mediaSummaryText } from "./medianalyse.js"
import { decodeOptions, emit, runCommand } from "./output.js"

const int = (name: string, description: string) =>
  Options.integer(name).pipe(Options.withDescription(description), Options.optional)

const summaryText = (s: CrawlSummary) =>
  `Crawl of land ${s.landId} ${s.status} (job ${s.jobId}): ${s.fetched} fetched, ${s.failed} failed, ` +
  `${s.skipped} skipped, ${s.discovered} discovered, ${s.links} links, ${s.pending} still pending; ` +
  `${(s.durationMs / 1000).toFixed(1)} s, ${s.pagesPerSecond} pages/s`

const crawlLine = (c: JobCounters, perSecond: number) =>
  `${c.fetched} fetched, ${c.failed} failed, ${c.skipped} skipped, ${c.queued} queued, ${c.discovered} discovered - ` +
  `${perSecond} pages/s`

/** The live line of a job on a terminal (the caller only starts it on one). */
export const progressBar = (jobOf: () => number | undefined, line: (c: JobCounters, perSecond: number) => string) =>
  Effect.gen(function*() {
    const progress = yield* Progress
    const events = yield* progress.subscribe
    return yield* Effect.forkScoped(Effect.forever(Effect.gen(function*() {
      const e = yield* Queue.take(events)
      if (e.jobId !== jobOf() || e.type !== "progress") return
      process.stderr.write(`\r\x1b[K${line(e.counters, e.pagesPerSecond)}`)
    })))
  })

export const crawlCommand = Command.make("crawl", {
  name: Options.text("name").pipe(Options.withDescription("the land's name")),
  depth: int("depth", "deepest level to crawl, seeds are 0 (default 3)"),
  limit: int("limit", "fetch at most this many pages in this run"),
  http: int("http", "re-crawl stored pages that answered this HTTP status"),
  minrel: Options.float("minrel").pipe(Options.withDescription("follow the links of pages with at least this relevance (default 1; 0 follows all)"), Options.optional),
  links: Options.choice("links", ["content", "all"]).pipe(Options.withDescription("which links to follow: the main content's (default) or all"), Options.optional),
  concurrency: int("concurrency", "requests in flight at once (default 10)"),
  perHost: int("per-host", "requests in flight on one host (default 1)"),
  delayMs: int("delay-ms", "minimum milliseconds between two requests to one host (default 1000)"),
  ignoreRobots: Options.boolean("ignore-robots").pipe(Options.withDescription("do not obey robots.txt")),
  allowPrivateNetwork: Options.boolean("allow-private-network").pipe(Options.withDescription("allow hosts on private, loopback and link-local addresses")),
  userAgent: Options.text("user-agent").pipe(Options.withDescription("the User-Agent header to send"), Options.optional),
  media: Options.boolean("media").pipe(Options.withDescription("then analyse the media of the crawled pages (see land medianalyse)")),
  embed: Options.boolean("embed").pipe(Options.withDescription("embed the pages as they are stored (see land embed; model from MWI_EMBED_PROVIDER)")),
  json: Options.boolean("json").pipe(Options.withDescription("print the final summary as JSON"))
}, (o) =>
  runCommand(o.json, withApp(networkOptions(o.allowPrivateNetwork))(Effect.gen(function*() {
    const options = yield* decodeOptions(CrawlOptions, {
      depth: Option.getOrUndefined(o.depth),
      limit: Option.getOrUndefined(o.limit),
      http: Option.getOrUndefined(o.http),
      minrel: Option.getOrUndefined(o.minrel),
      links: Option.getOrUndefined(o.links),
      concurrency: Option.getOrUndefined(o.concurrency),
      perHost: Option.getOrUndefined(o.perHost),
      delayMs: Option.getOrUndefined(o.delayMs),
      ignoreRobots: o.ignoreRobots,
      userAgent: Option.getOrUndefined(o.userAgent),
      media: o.media,
      embed: o.embed
    })
    const lands = yield* Lands
    const land = yield* lands.getByName(o.name)
    let jobId: number | undefined
    if (process.stderr.isTTY && !o.json) yield* progressBar(() => jobId, crawlLine)
    const { crawl: summary, embed } = yield* crawlWithEmbed(land.id, options.embed, (hooks) => crawlLand(land.id, options, hooks), {
      onJob: (job) => Effect.sync(() => {
        jobId ??= job.id
      })
    })
    if (process.stderr.isTTY && !o.json) process.stderr.write("\r\x1b[K")
    const media = yield* analyseAfterCrawl(land.id, options, summary)
    yield* emit(o.json, { ...summary, ...(media === null ? {} : { media }), ...(embed === null ? {} : { embed }) }, () =>
      [summaryText(summary), ...(media === null ? [] : [mediaSummaryText(media)]), ...(embed === null ? [] : [embedSummaryText(embed)])]
        .join("\n"))
    if (embed !== null && embed.status !== "completed") yield* Console.error(`mwi: embedding ${embed.status}`)
    if (media !== null && media.status !== "completed") yield* Console.error(`mwi: media analysis ${media.status}`)
    if (summary.status !== "completed") yield* Console.error(`mwi: crawl ${summary.status}`)
  }).pipe(Effect.scoped)))).pipe(Command.withDescription("crawl a land's frontier: fetch, extract, score, follow links"))

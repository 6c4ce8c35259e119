import { Command, Options } from "@effect/cli"
import { Console, Effect, Option, Queue } from "effect"
import { Lands } from "../services/Lands.js"
import { type JobEvent, Progress } from "../services/Progress.js"
import { crawlLand } from "../streams/crawl.js"
import { CrawlOptions, type CrawlSummary } from "../streams/crawl-options.js"
import { analyseAfterCrawl } from "../streams/media-analysis.js"
import { networkOptions, withApp } from "./app.js"
import { mediaSummaryText } from "./medianalyse.js"
import { decodeOptions, emit, runCommand } from "./output.js"

const int = (name: string, description: string) =>
  Options.integer(name).pipe(Options.withDescription(description), Options.optional)

const summaryText = (s: CrawlSummary) =>
  `Crawl of land ${s.landId} ${s.status} (job ${s.jobId}): ${s.fetched} fetched, ${s.failed} failed, ` +
  `${s.skipped} skipped, ${s.discovered} discovered, ${s.links} links, ${s.pending} still pending; ` +
  `${(s.durationMs / 1000).toFixed(1)} s, ${s.pagesPerSecond} pages/s`

// Each kind's own counter names, in the event's order: "12 fetched, 0 failed, … 3 queued - 5.2 pages/s".
const progressLine = (e: JobEvent) =>
  [...Object.entries(e.counters).filter(([name]) => name !== "queued"), ["queued", e.counters.queued] as const]
    .map(([name, n]) => `${n} ${name}`).join(", ") + ` - ${e.perSecond} ${e.unit}/s`

/** The live line of a job on a terminal (the caller only starts it on one). */
export const progressBar = (jobOf: () => number | undefined) =>
  Effect.gen(function*() {
    const progress = yield* Progress
    const events = yield* progress.subscribe
    return yield* Effect.forkScoped(Effect.forever(Effect.gen(function*() {
      const e = yield* Queue.take(events)
      if (e.jobId !== jobOf() || e.type !== "progress") return
      process.stderr.write(`\r\x1b[K${progressLine(e)}`)
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
      media: o.media
    })
    const lands = yield* Lands
    const land = yield* lands.getByName(o.name)
    let jobId: number | undefined
    if (process.stderr.isTTY && !o.json) yield* progressBar(() => jobId)
    const summary = yield* crawlLand(land.id, options, {
      onJob: (job) => Effect.sync(() => {
        jobId = job.id
      })
    })
    if (process.stderr.isTTY && !o.json) process.stderr.write("\r\x1b[K")
    const media = yield* analyseAfterCrawl(land.id, options, summary)
    yield* emit(o.json, media === null ? summary : { ...summary, media }, () =>
      media === null ? summaryText(summary) : `${summaryText(summary)}\n${mediaSummaryText(media)}`)
    if (media !== null && media.status !== "completed") yield* Console.error(`mwi: media analysis ${media.status}`)
    if (summary.status !== "completed") yield* Console.error(`mwi: crawl ${summary.status}`)
  }).pipe(Effect.scoped)))).pipe(Command.withDescription("crawl a land's frontier: fetch, extract, score, follow links"))

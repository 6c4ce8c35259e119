import { Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import { readableLand } from "../streams/readable.js"
import { ReadableOptions, type ReadableSummary } from "../streams/readable-options.js"
import { networkOptions, withApp } from "./app.js"
import { decodeOptions, emit, optionalInt as int, runCommand } from "./output.js"
import { followJobs } from "./progress.js"
import { landOptions, selectLand } from "./land-option.js"

export const readableSummaryText = (landName: string, s: ReadableSummary) =>
  `Readable of land ${landName} ${s.status} (job ${s.jobId}): ${s.updated} updated, ${s.unchanged} unchanged, ` +
  `${s.failed} failed; sources: ${s.sources.readability} Readability, ${s.sources.archive} archive, ` +
  `${s.sources.heuristic} heuristic; ${s.discovered} discovered, ${s.pending} still pending; ` +
  `${(s.durationMs / 1000).toFixed(1)} s, ${s.pagesPerSecond} pages/s` +
  (s.archiveUnreachable === null ? "" : `\nThe web archive was unreachable, and not asked for the pages after: ${s.archiveUnreachable}`)

export const readableCommand = Command.make("readable", {
  ...landOptions(),
  limit: int("limit", "process at most this many pages in this run"),
  depth: int("depth", "only pages at most this deep"),
  merge: Options.choice("merge", ["smart_merge", "mercury_priority", "preserve_existing"]).pipe(
    Options.withDescription("how new values merge into stored ones (default smart_merge)"),
    Options.optional
  ),
  noArchive: Options.boolean("no-archive").pipe(Options.withDescription("never ask the web archive")),
  minrel: Options.float("minrel").pipe(Options.withDescription("record the links of pages with at least this relevance (default 1; 0 records all)"), Options.optional),
  maxDepth: int("max-depth", "create new link targets only down to this depth (default 3)"),
  concurrency: int("concurrency", "pages processed at once (default 10)"),
  perHost: int("per-host", "archive requests in flight at once (default 1)"),
  delayMs: int("delay-ms", "minimum milliseconds between two archive requests (default 1000)"),
  allowPrivateNetwork: Options.boolean("allow-private-network").pipe(Options.withDescription("allow an archive on a private, loopback or link-local address")),
  json: Options.boolean("json").pipe(Options.withDescription("print the final summary as JSON"))
}, (o) =>
  runCommand(o.json, withApp(networkOptions(o.allowPrivateNetwork))(Effect.gen(function*() {
    const options = yield* decodeOptions(ReadableOptions, {
      limit: Option.getOrUndefined(o.limit),
      depth: Option.getOrUndefined(o.depth),
      merge: Option.getOrUndefined(o.merge),
      archive: !o.noArchive,
      minrel: Option.getOrUndefined(o.minrel),
      maxDepth: Option.getOrUndefined(o.maxDepth),
      concurrency: Option.getOrUndefined(o.concurrency),
      perHost: Option.getOrUndefined(o.perHost),
      delayMs: Option.getOrUndefined(o.delayMs)
    })
    const land = yield* selectLand(o.name, o.id)
    const summary = yield* Effect.scoped(Effect.zipRight(followJobs(land, o.json, { readable: options.limit }), readableLand(land.id, options)))
    yield* emit(o.json, summary, (s) => readableSummaryText(land.name, s))
    if (summary.status !== "completed") yield* Console.error(`mwi: readable ${summary.status}`)
  })))).pipe(
  Command.withDescription("re-extract the readable text of a land's pages: Readability, then the web archive, then a heuristic")
)

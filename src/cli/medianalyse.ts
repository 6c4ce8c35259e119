import { Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import { analyseLandMedia } from "../streams/media-analysis.js"
import { MediaOptions, type MediaSummary } from "../streams/media-options.js"
import { networkOptions, withApp } from "./app.js"
import { decodeOptions, emit, optionalInt as int, runCommand } from "./output.js"
import { followJobs } from "./progress.js"
import { landOptions, selectLand } from "./land-option.js"

export const mediaSummaryText = (landName: string, s: MediaSummary) =>
  `Media analysis of land ${landName} ${s.status} (job ${s.jobId}): ${s.analysed} analysed, ${s.failed} failed, ` +
  `${s.skipped} recorded without decoding (SVG), ${s.rows} media rows written, ${s.pending} still pending; ` +
  `${(s.durationMs / 1000).toFixed(1)} s, ${s.filesPerSecond} files/s`

export const medianalyseCommand = Command.make("medianalyse", {
  ...landOptions(),
  depth: int("depth", "only the media of pages at most this deep"),
  minrel: Options.float("minrel").pipe(Options.withDescription("only the media of pages at least this relevant"), Options.optional),
  concurrency: int("concurrency", "downloads in flight at once (default 8)"),
  perHost: int("per-host", "downloads in flight on one host (default 2)"),
  delayMs: int("delay-ms", "minimum milliseconds between two downloads from one host (default 200)"),
  maxBytes: int("max-bytes", "largest file downloaded, in bytes (default 10485760)"),
  allowPrivateNetwork: Options.boolean("allow-private-network").pipe(Options.withDescription("allow hosts on private, loopback and link-local addresses")),
  json: Options.boolean("json").pipe(Options.withDescription("print the final summary as JSON"))
}, (o) =>
  runCommand(o.json, withApp(networkOptions(o.allowPrivateNetwork))(Effect.gen(function*() {
    const options = yield* decodeOptions(MediaOptions, {
      depth: Option.getOrUndefined(o.depth),
      minrel: Option.getOrUndefined(o.minrel),
      concurrency: Option.getOrUndefined(o.concurrency),
      perHost: Option.getOrUndefined(o.perHost),
      delayMs: Option.getOrUndefined(o.delayMs),
      maxBytes: Option.getOrUndefined(o.maxBytes)
    })
    const land = yield* selectLand(o.name, o.id)
    const summary = yield* Effect.scoped(Effect.zipRight(followJobs(land, o.json), analyseLandMedia(land.id, options)))
    yield* emit(o.json, summary, (s) => mediaSummaryText(land.name, s))
    if (summary.status !== "completed") yield* Console.error(`mwi: media analysis ${summary.status}`)
  })))).pipe(
  Command.withDescription("analyse the images, video and audio of a land's pages: size, format, colours, EXIF, hashes")
)

import { Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import { embedLand } from "../streams/embedding.js"
import { EmbedOptions, type EmbedSummary } from "../streams/embed-options.js"
import { withApp } from "./app.js"
import { decodeOptions, emit, optionalInt, plural, runCommand } from "./output.js"
import { followJobs } from "./progress.js"
import { landOptions, selectLand } from "./land-option.js"

export const embedSummaryText = (landName: string, s: EmbedSummary) =>
  `Embedding of land ${landName} ${s.status} (job ${s.jobId}, model ${s.model}): ${plural(s.pages, "page")} embedded, ` +
  `${s.empty} without paragraphs, ${plural(s.paragraphs, "paragraph")} split, ${plural(s.vectors, "vector")} stored, ` +
  `${plural(s.pending, "page")} still pending; ${(s.durationMs / 1000).toFixed(1)} s, ${s.vectorsPerSecond} vectors/s`

export const embedCommand = Command.make("embed", {
  ...landOptions(),
  // Checked by EmbedOptions, whose error names the option (a choice's names only the values).
  provider: Options.text("provider").pipe(
    Options.withDescription(
      "hash (offline, lexical), openai or mistral (default: the land's model, else MWI_EMBED_PROVIDER, else hash)"
    ),
    Options.optional
  ),
  model: Options.text("model").pipe(
    Options.withDescription("the provider's model (default ngrams-v1, text-embedding-3-small, mistral-embed)"),
    Options.optional
  ),
  minrel: Options.float("minrel").pipe(Options.withDescription("only pages at least this relevant"), Options.optional),
  limit: optionalInt("limit", "embed at most this many pages in this run"),
  json: Options.boolean("json").pipe(Options.withDescription("print the final summary as JSON"))
}, (o) =>
  runCommand(o.json, withApp()(Effect.gen(function*() {
    const options = yield* decodeOptions(EmbedOptions, {
      provider: Option.getOrUndefined(o.provider),
      model: Option.getOrUndefined(o.model),
      minrel: Option.getOrUndefined(o.minrel),
      limit: Option.getOrUndefined(o.limit)
    })
    const land = yield* selectLand(o.name, o.id)
    const summary = yield* Effect.scoped(Effect.zipRight(followJobs(land, o.json, { embed: options.limit }), embedLand(land.id, options)))
    yield* emit(o.json, summary, (s) => embedSummaryText(land.name, s))
    if (summary.status !== "completed") yield* Console.error(`mwi: embedding ${summary.status}`)
  })))).pipe(
  Command.withDescription("split a land's readable pages into paragraphs and store a vector of each (see README: Embeddings)")
)

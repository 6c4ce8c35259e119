import { Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import { PseudolinksRequest, type SearchHit } from "../domain/search.js"
import { SemanticSearch } from "../services/SemanticSearch.js"
import { pseudolinksLand, type PseudolinksSummary } from "../streams/pseudolinks.js"
import { withApp } from "./app.js"
import { followJobs } from "./progress.js"
import { decodeOptions, emit, optionalInt, plural, runCommand } from "./output.js"
import { landOptions, selectLand } from "./land-option.js"

const json = Options.boolean("json").pipe(Options.withDescription("print a machine-readable JSON result"))

const excerpt = (text: string, max = 200) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`)

const hitsText = (query: string) => (hits: ReadonlyArray<SearchHit>) =>
  hits.length === 0
    ? `Nothing found for "${query}"`
    : hits.map((h, i) =>
      `${i + 1}. ${h.score.toFixed(3)}  ${h.title ?? "(no title)"} - ${h.url} (page ${h.expressionId}, ` +
      `paragraph ${h.paragraphId}, relevance ${h.relevance ?? "-"})\n   ${excerpt(h.text.replace(/\s+/g, " "))}`
    ).join("\n")

export const searchCommand = Command.make("search", {
  ...landOptions(),
  query: Options.text("query").pipe(Options.withDescription("the text to find passages like")),
  limit: Options.integer("limit").pipe(Options.withDescription("how many paragraphs (default 10, at most 500)"), Options.withDefault(10)),
  minrel: Options.float("minrel").pipe(Options.withDescription("only paragraphs of pages with at least this relevance"), Options.optional),
  json
}, (o) =>
  runCommand(o.json, withApp()(Effect.gen(function*() {
    const land = yield* selectLand(o.name, o.id)
    const hits = yield* (yield* SemanticSearch).search(land, o.query, { limit: o.limit, minrel: Option.getOrUndefined(o.minrel) })
    yield* emit(o.json, hits, hitsText(o.query))
  })))).pipe(Command.withDescription("find the paragraphs of a land nearest to a text (the land's embedding model)"))

const summaryText = (landName: string, s: PseudolinksSummary) => {
  const r = s.report
  if (r === null) return `Pseudolinks of land ${landName} ${s.status} (job ${s.jobId})`
  return `Pseudolinks of land ${landName} ${s.status} (job ${s.jobId}): ${plural(r.paragraphs, "paragraph")} of ${r.model}, ` +
    `${plural(r.similar, "similar pair")} (similarity ≥ ${r.threshold}, ${r.neighbours} nearest each, ` +
    `${r.nearCopies} of them near copies), ` +
    `${plural(r.exact, "exact duplicate pair")}; ${plural(r.pagePairs, "page pair")}, ${plural(r.domainPairs, "domain pair")}; ` +
    `${(s.durationMs / 1000).toFixed(1)} s`
}

export const pseudolinksCommand = Command.make("pseudolinks", {
  ...landOptions(),
  threshold: Options.float("threshold").pipe(
    Options.withDescription("least cosine similarity of a pair (default: the model's; 0.4 for hash)"),
    Options.optional
  ),
  neighbours: optionalInt("neighbours", "nearest paragraphs looked at per paragraph (default 10)"),
  json
}, (o) =>
  runCommand(o.json, withApp()(Effect.gen(function*() {
    const options = yield* decodeOptions(PseudolinksRequest, {
      threshold: Option.getOrUndefined(o.threshold),
      neighbours: Option.getOrUndefined(o.neighbours)
    })
    const land = yield* selectLand(o.name, o.id)
    const summary = yield* Effect.scoped(Effect.zipRight(followJobs(land, o.json), pseudolinksLand(land.id, options)))
    yield* emit(o.json, summary, (s) => summaryText(land.name, s))
    if (summary.status !== "completed") yield* Console.error(`mwi: pseudolinks ${summary.status}`)
  })))).pipe(
  Command.withDescription("find passages reused across a land's pages (nearest paragraphs and exact duplicates) and store them")
)

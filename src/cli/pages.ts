import { Command, Options } from "@effect/cli"
import { Effect, Option, Schema } from "effect"
import { CrawlState } from "../domain/expression.js"
import { ExpressionQueries } from "../services/ExpressionQueries.js"
import { withApp } from "./app.js"
import { decodeOptions, emit, optionalInt, plural, runCommand } from "./output.js"
import { between } from "../streams/crawl-options.js"
import { landOptions, selectLand } from "./land-option.js"

const PageListOptions = Schema.Struct({
  state: Schema.optional(CrawlState),
  minrel: Schema.optional(Schema.Number.pipe(Schema.finite(), Schema.nonNegative({ message: () => "minrel must be at least 0" }))),
  limit: Schema.optionalWith(between("limit", 1, 100_000), { default: () => 50 })
})

type PageRow = Effect.Effect.Success<ReturnType<ExpressionQueries["list"]>>["items"][number]

const pageLine = (p: PageRow) =>
  [
    `${p.id}`.padStart(6),
    p.crawlState.padEnd(8),
    (p.httpStatus === null ? "-" : String(p.httpStatus)).padStart(3),
    (p.relevance === null ? "-" : String(p.relevance)).padStart(5),
    `d${p.depth}`,
    p.url,
    ...(p.title ? [`"${p.title.slice(0, 80)}"`] : []),
    ...(p.error ? [`- ${p.error.slice(0, 200)}`] : [])
  ].join("  ")

/** `mwi land pages`: what a land's crawl did, page by page, with the reason of every page not fetched. */
export const pagesCommand = Command.make("pages", {
  ...landOptions(),
  state: Options.choice("state", CrawlState.literals).pipe(Options.withDescription("only pages in this state"), Options.optional),
  minrel: Options.float("minrel").pipe(Options.withDescription("only pages with at least this relevance"), Options.optional),
  sort: Options.choice("sort", ["relevance", "depth", "fetched", "title", "url", "id"]).pipe(
    Options.withDescription("order (default relevance, highest first; url, title and id ascending)"),
    Options.optional
  ),
  limit: optionalInt("limit", "at most this many pages (default 50)"),
  json: Options.boolean("json").pipe(Options.withDescription("print a machine-readable JSON result"))
}, (o) =>
  runCommand(o.json, withApp()(Effect.gen(function*() {
    const q = yield* decodeOptions(PageListOptions, {
      state: Option.getOrUndefined(o.state),
      minrel: Option.getOrUndefined(o.minrel),
      limit: Option.getOrUndefined(o.limit)
    })
    const land = yield* selectLand(o.name, o.id)
    const sort = Option.getOrElse(o.sort, () => "relevance" as const)
    const page = yield* (yield* ExpressionQueries).list(land.id, {
      ...q,
      sort,
      order: sort === "url" || sort === "title" || sort === "id" ? "asc" : "desc"
    })
    yield* emit(o.json, page, (p) =>
      p.items.length === 0
        ? `No page in land ${land.name} matches`
        : [
          ...p.items.map(pageLine),
          `${plural(p.items.length, "page")} of ${p.total} in land ${land.name}` +
          (p.total > p.items.length ? ` (--limit to see more)` : "")
        ].join("\n"))
  })))).pipe(Command.withDescription("list a land's pages: state, HTTP status, relevance, depth, URL, title, reason"))

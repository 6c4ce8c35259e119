import { Command, Options } from "@effect/cli"
import { FileSystem, Path } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Clock, Effect, Exit, Option, Random, Sink, Stream } from "effect"
import { describeFilters, type ExportCounts, exportTypes, FileUnwritable } from "../domain/export-types.js"
import { Exporter } from "../services/Exporter.js"
import { withApp } from "./app.js"
import { emit, platformReason, plural, runCommand } from "./output.js"
import { type ProgressDisplay, progressDisplay } from "./progress.js"
import { landOptions, selectLand } from "./land-option.js"


/**
 * Writes a stream to `target` through a temporary file beside it, renamed into place once complete: a failed or
 * interrupted export leaves no half-written file, and an existing file is replaced only by a whole one.
 */
export const writeFileAtomically = <E, R>(target: string, stream: Stream.Stream<Uint8Array, E, R>) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const suffix = (yield* Random.nextInt).toString(36).replace("-", "")
    const part = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}-${suffix}.part`)
    const unwritable = (e: PlatformError) =>
      new FileUnwritable({ path: target, reason: platformReason(e, "folder", "not a writable file") })
    let bytes = 0
    const counted = Stream.tap(stream, (chunk) => Effect.sync(() => {
      bytes += chunk.length
    }))
    yield* Stream.run(counted, fs.sink(part, { flag: "wx" }).pipe(Sink.mapError(unwritable))).pipe(
      Effect.zipRight(fs.rename(part, target).pipe(Effect.mapError(unwritable))),
      Effect.onExit((exit) => Exit.isSuccess(exit) ? Effect.void : fs.remove(part).pipe(Effect.ignore))
    )
    return bytes
  })

/** `--out`: a file, or a folder to put the default file name in; none is the current folder. */
const targetPath = (out: Option.Option<string>, filename: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    if (Option.isNone(out)) return path.resolve(filename)
    const info = yield* fs.stat(out.value).pipe(Effect.option)
    return Option.isSome(info) && info.value.type === "Directory"
      ? path.resolve(out.value, filename)
      : path.resolve(out.value)
  })

const countWords: Readonly<Record<string, string>> = {
  pages: "page",
  links: "link",
  domains: "domain",
  domainLinks: "domain link",
  media: "media item",
  texts: "text",
  withoutText: "page without readable text",
  pairs: "paragraph pair",
  pagePairs: "page pair",
  domainPairs: "domain pair"
}

const countsText = (counts: ExportCounts) =>
  Object.entries(counts).map(([kind, n]) =>
    kind === "withoutText" ? `${n} ${n === 1 ? "page" : "pages"} without readable text` : plural(n, countWords[kind] ?? kind)
  ).join(", ")

/** Shows the bytes of an export as they are written (its total is known only at its end), from before the first. */
const withProgress = (display: ProgressDisplay, land: string, type: string) =>
<E, R>(stream: Stream.Stream<Uint8Array, E, R>) =>
  Stream.unwrap(Effect.gen(function*() {
    const startedAt = yield* Clock.currentTimeMillis
    let written = 0
    const show = Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const elapsedMs = now - startedAt
      const perSecond = elapsedMs > 0 ? Math.round(written / (elapsedMs / 1000)) : 0
      return display.set("export", { land, kind: `export ${type}`, done: written, total: null, unit: "bytes", perSecond, elapsedMs, failed: 0, stage: null })
    })
    yield* show
    return Stream.tap(stream, (chunk) => Effect.suspend(() => {
      written += chunk.length
      return show
    }))
  }))

export const exportCommand = Command.make("export", {
  ...landOptions(),
  type: Options.text("type").pipe(Options.withDescription(`the export: ${exportTypes.join(", ")}`)),
  minrel: Options.float("minrel").pipe(
    Options.withDescription("pages with at least this relevance (default 1; 0 takes every page, unscored ones too)"),
    Options.withDefault(1)
  ),
  depth: Options.integer("depth").pipe(Options.withDescription("pages at this depth or shallower (seeds are 0)"), Options.optional),
  http: Options.integer("http").pipe(Options.withDescription("pages that answered this HTTP status"), Options.optional),
  intraDomain: Options.boolean("intra-domain").pipe(
    Options.withDescription("keep links between pages of one domain (dropped by default, as legacy did)")
  ),
  out: Options.text("out").pipe(
    Options.withDescription("the file to write, or a folder (default: <land>_<type>_<YYYYMMDD-HHMMSS>.<ext> here)"),
    Options.optional
  ),
  json: Options.boolean("json").pipe(Options.withDescription("print a machine-readable JSON result"))
}, (o) =>
  runCommand(o.json, withApp()(Effect.gen(function*() {
    const exporter = yield* Exporter
    const land = yield* selectLand(o.name, o.id)
    const filters = {
      minrel: o.minrel,
      intraDomainEdges: o.intraDomain,
      ...Option.match(o.depth, { onNone: () => ({}), onSome: (depth) => ({ depth }) }),
      ...Option.match(o.http, { onNone: () => ({}), onSome: (httpStatus) => ({ httpStatus }) })
    }
    const file = yield* exporter.export(land.id, o.type, filters)
    const target = yield* targetPath(o.out, file.filename)
    const bytes = yield* Effect.scoped(Effect.gen(function*() {
      const display = yield* progressDisplay(o.json)
      return yield* writeFileAtomically(target, file.stream.pipe(withProgress(display, land.name, file.type)))
    }))
    const counts = yield* file.counts
    const report = { land: { id: land.id, name: land.name }, type: file.type, path: target, bytes, counts, filters: file.filters }
    yield* emit(o.json, report, (r) =>
      `Exported land "${r.land.name}" as ${r.type} to ${r.path}: ${countsText(r.counts)} (${describeFilters(r.filters)})`)
  })))).pipe(
  Command.withDescription("export a land for Gephi (gexf), spreadsheets (csv) or text analysis (corpus)")
)

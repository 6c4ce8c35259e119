import { Command, Options, Prompt } from "@effect/cli"
import { FileSystem } from "@effect/platform"
import { Console, Effect, Option } from "effect"
import { FileUnreadable, InvalidInput } from "../domain/errors.js"
import type { DictionaryEntry, LandSummary } from "../domain/land.js"
import { splitUrlList } from "../domain/land-input.js"
import { Lands, type TermsReport, type UrlsReport } from "../services/Lands.js"
import { allLands } from "../services/LandRepo.js"
import { ParagraphStore } from "../services/ParagraphStore.js"
import { LocalAdmin } from "../services/LocalAdmin.js"
import { emit, formatDate, platformReason, plural, runCommand } from "./output.js"
import { withApp } from "./app.js"
import { crawlCommand } from "./crawl.js"
import { landOptions, selectLand } from "./land-option.js"
import { embedCommand } from "./embed.js"
import { exportCommand } from "./export.js"
import { medianalyseCommand } from "./medianalyse.js"
import { pagesCommand } from "./pages.js"
import { readableCommand } from "./readable.js"
import { pseudolinksCommand, searchCommand } from "./search.js"
import { CliProcess, setExitCode } from "./terminal.js"

const json = Options.boolean("json").pipe(Options.withDescription("print a machine-readable JSON result"))
const name = Options.text("name").pipe(Options.withDescription("the land's name"))

const landLines = (land: LandSummary) => [
  `${land.name} (id ${land.id}${land.ownerName === null ? "" : `, owner ${land.ownerName}`}) - created ${formatDate(land.createdAt)} - ` +
  `languages ${land.lang.join(", ")}`,
  ...(land.description ? [`  ${land.description}`] : []),
  `  ${plural(land.termCount, "term")} in the dictionary`,
  `  ${plural(land.expressionCount, "expression")}: ${land.pendingCount} to crawl, ${land.fetchedCount} fetched, ` +
  `${land.failedCount} failed, ${land.skippedCount} skipped`,
  `  ${plural(land.domainCount, "domain")}, ${plural(land.linkCount, "link")}, ${plural(land.mediaCount, "media item")}`
]

const create = Command.make("create", {
  name,
  desc: Options.text("desc").pipe(Options.withDescription("a description of the research field"), Options.optional),
  lang: Options.text("lang").pipe(Options.withDescription("comma-separated ISO 639-1 codes, first is main (default fr)"), Options.optional),
  terms: Options.text("terms").pipe(Options.withDescription(`dictionary terms, comma-separated: "a, b, multi word"`), Options.optional),
  json
}, (o) =>
  runCommand(o.json, withApp()(Effect.gen(function*() {
    const lands = yield* Lands
    const land = yield* lands.create({
      name: o.name,
      description: Option.getOrUndefined(o.desc),
      lang: Option.getOrUndefined(o.lang),
      terms: Option.getOrUndefined(o.terms),
      // The CLI acts as the local administrator (none yet: the server's first start adopts the land).
      ownerId: Option.getOrNull(yield* (yield* LocalAdmin).id)
    })
    yield* emit(o.json, land, (l) => [`Land "${l.name}" created (id ${l.id})`, ...landLines(l).slice(1)].join("\n"))
  })))).pipe(Command.withDescription("create a land"))

const list = Command.make("list", {
  name: Options.text("name").pipe(Options.withDescription("only lands whose name contains this"), Options.optional),
  json
}, (o) =>
  runCommand(o.json, withApp()(Effect.gen(function*() {
    const lands = yield* Lands
    const found = yield* lands.list({ scope: allLands, nameContains: Option.getOrUndefined(o.name), limit: 100_000 })
    yield* emit(o.json, found, (ls) => ls.length === 0 ? "No land yet: create one with mwi land create --name NAME" : ls.flatMap(landLines).join("\n"))
  })))).pipe(Command.withDescription("list the lands"))

const termsLine = (terms: ReadonlyArray<DictionaryEntry>) =>
  terms.length === 0 ? "  no term yet" : `  terms: ${terms.map((t) => t.weight === 1 ? t.term : `${t.term} (×${t.weight})`).join(", ")}`

const show = Command.make("show", { ...landOptions(), json }, (o) =>
  runCommand(o.json, withApp()(Effect.gen(function*() {
    const lands = yield* Lands
    const land = yield* selectLand(o.name, o.id)
    const terms = yield* lands.terms(land)
    // The model the land searches with, which its pseudolinks exports read the pairs of.
    const store = yield* ParagraphStore
    const model = yield* store.landModel(land.id)
    const embedding = model === null ? null : { model, ...(yield* store.counts({ landId: land.id, minRelevance: null, model })) }
    const embeddingLine = embedding === null
      ? "  not embedded (mwi land embed)"
      : `  searched with ${embedding.model}: ${embedding.vectors} of ${plural(embedding.paragraphs, "paragraph")} embedded`
    yield* emit(o.json, { ...land, terms, embedding }, () => [...landLines(land), termsLine(terms), embeddingLine].join("\n"))
  })))).pipe(Command.withDescription("show a land with its counts, dictionary and search model"))

const remove = Command.make("delete", {
  ...landOptions(),
  yes: Options.boolean("yes").pipe(Options.withAlias("y"), Options.withDescription("do not ask for confirmation")),
  json
}, (o) =>
  runCommand(o.json, withApp()(Effect.gen(function*() {
    const lands = yield* Lands
    const land = yield* selectLand(o.name, o.id)
    // Only a person at a terminal is asked; scripts (no TTY) mean what they run.
    if (!o.yes && (yield* CliProcess).stdinIsTTY && !o.json) {
      const sure = yield* Prompt.confirm({
        message: `Delete land "${land.name}" and its ${plural(land.expressionCount, "expression")}?`,
        initial: false
      })
      if (!sure) return yield* Console.log("Nothing deleted")
    }
    yield* lands.remove(land)
    yield* emit(o.json, { deleted: { id: land.id, name: land.name, expressions: land.expressionCount } },
      () => `Land "${land.name}" deleted with its ${plural(land.expressionCount, "expression")}`)
  })))).pipe(Command.withDescription("delete a land and everything in it"))

const addterm = Command.make("addterm", {
  ...landOptions("land"),
  terms: Options.text("terms").pipe(Options.withDescription(`comma-separated: "a, b, multi word"`)),
  json
}, (o) =>
  runCommand(o.json, withApp()(Effect.gen(function*() {
    const lands = yield* Lands
    const land = yield* selectLand(o.land, o.id, "land")
    const report = yield* lands.addTerms(land, o.terms)
    yield* emit(o.json, report, (r: TermsReport) => [
      ...r.added.map((t) => `Term "${t}" added to land ${land.name}`),
      ...r.existing.map((t) => `Term "${t}" was already in land ${land.name}`),
      `Relevance recomputed for ${plural(r.rescored, "expression")}`
    ].join("\n"))
  })))).pipe(Command.withDescription("add terms to a land's dictionary (recomputes relevance)"))


const readUrlFile = (path: string) =>
  Effect.flatMap(FileSystem.FileSystem, (fs) => fs.readFileString(path)).pipe(
    Effect.mapError((e) => new FileUnreadable({ path, reason: platformReason(e, "file", "not a readable file") }))
  )

const addurl = Command.make("addurl", {
  ...landOptions("land"),
  urls: Options.text("urls").pipe(Options.withDescription(`seed URLs separated by spaces: "u1 u2"`), Options.optional),
  path: Options.text("path").pipe(Options.withDescription("a file of URLs, one per line (# comments)"), Options.optional),
  json
}, (o) =>
  runCommand(o.json, withApp()(Effect.gen(function*() {
    if (Option.isNone(o.urls) && Option.isNone(o.path)) {
      return yield* new InvalidInput({ field: "urls", reason: "give --urls \"u1 u2\" or --path FILE" })
    }
    const fromFile = Option.isSome(o.path) ? splitUrlList(yield* readUrlFile(o.path.value)) : []
    const lands = yield* Lands
    const land = yield* selectLand(o.land, o.id, "land")
    const urls = [...(Option.isSome(o.urls) ? splitUrlList(o.urls.value) : []), ...fromFile]
    if (urls.length === 0) return yield* new InvalidInput({ field: "urls", reason: "no URL given" })
    const report = yield* lands.addUrls(land, urls)
    yield* emit(o.json, report, (r: UrlsReport) => [
      ...r.added.map((u) => `Added URL: ${u.url}`),
      `${plural(r.added.length, "URL")} added to land ${land.name}` +
      (r.existing.length > 0 ? `, ${r.existing.length} already there` : "")
    ].join("\n"))
    if (report.invalid.length > 0) {
      yield* Effect.forEach(report.invalid, (i) => Console.error(`mwi: invalid URL "${i.input}": ${i.reason}`))
      yield* setExitCode(1)
    }
  })))).pipe(Command.withDescription("add seed URLs (depth 0) to a land"))

export const landCommand = Command.make("land").pipe(
  Command.withDescription("research lands: create, list, show, delete, dictionary terms, seed URLs"),
  Command.withSubcommands([create, list, show, remove, addterm, addurl, crawlCommand, exportCommand, medianalyseCommand, readableCommand, pagesCommand, embedCommand,
    searchCommand, pseudolinksCommand])
)

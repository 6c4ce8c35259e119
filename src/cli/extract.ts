import { Command, Options } from "@effect/cli"
import { FileSystem, Path } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Console, Effect, Either, Option, Stream } from "effect"
import { pathToFileURL } from "node:url"
import { FileUnreadable, InvalidInput, PageNotExtracted } from "../domain/errors.js"
import type { Extraction } from "../domain/extraction.js"
import { FileUnwritable } from "../domain/export-types.js"
import { decodeBody } from "../domain/fetch.js"
import { ExtractorPool } from "../services/ExtractorPool.js"
import { writeFileAtomically } from "./export.js"
import { withWorkers } from "./app.js"
import { emit, platformReason, plural, runCommand } from "./output.js"
import { setExitCode } from "./terminal.js"

// `mwi extract`: the page extractor on HTML files saved by other tools (a browser's "save page", wget, an archive),
// without a database. Every *.html and *.htm file under the input folder, subfolders included, gives one file at the
// same relative place under the output folder.

export type ExtractFormat = "markdown" | "text"

export interface FileFailure {
  readonly file: string
  readonly reason: string
}

export interface ExtractSummary {
  readonly inputDir: string
  readonly outputDir: string
  readonly format: ExtractFormat
  readonly files: number
  readonly ok: number
  readonly failed: number
  /** Written, but no readable content was found (an empty page, a frameset, binary content). */
  readonly empty: number
  /** The run's wall time per written file: the extraction workers run side by side, reading and writing overlap. */
  readonly msPerPage: number
  readonly durationMs: number
  readonly failures: ReadonlyArray<FileFailure>
}

const HTML_FILE = /\.html?$/i
// Enough to keep the extraction workers busy while files are read and written; more would only hold more pages in
// memory.
const FILES_IN_FLIGHT = 4


// ---------------------------------------------------------------------------------------------------------------------
// --url-map: CSV lines `file,url`, the file relative to the input folder.
// ---------------------------------------------------------------------------------------------------------------------

// The first comma followed by a URL scheme separates the two columns, so that neither a comma in a file name nor one
// in a URL (both legal) needs quoting.
const COLUMN_SEPARATOR = /,(?=\s*[a-z][a-z0-9+.-]*:)/i
const MAPPABLE_PROTOCOLS = new Set(["http:", "https:", "file:"])

const mapKey = (file: string) => file.trim().replace(/\\/g, "/").replace(/^(?:\.\/)+/, "")

/** `file,url` lines; blank lines, `#` comments and a `file,url` header are skipped. */
export const parseUrlMap = (text: string): Either.Either<ReadonlyMap<string, string>, InvalidInput> => {
  const map = new Map<string, string>()
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/)
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim()
    if (line === "" || line.startsWith("#") || (index === 0 && /^file\s*,\s*url$/i.test(line))) continue
    const invalid = (reason: string) => Either.left(new InvalidInput({ field: `--url-map line ${index + 1}`, reason }))
    const separator = COLUMN_SEPARATOR.exec(line)
    if (separator === null) return invalid(`expected "file,url" with an absolute URL, got ${JSON.stringify(line)}`)
    const file = mapKey(line.slice(0, separator.index))
    const url = line.slice(separator.index + 1).trim()
    if (file === "") return invalid("the file name is empty")
    const parsed = URL.canParse(url) ? new URL(url) : null
    if (parsed === null || !MAPPABLE_PROTOCOLS.has(parsed.protocol)) {
      return invalid(`${JSON.stringify(url)} is not an http, https or file URL`)
    }
    if (map.has(file)) return invalid(`${JSON.stringify(file)} is already mapped on an earlier line`)
    map.set(file, parsed.href)
  }
  return Either.right(map)
}

// ---------------------------------------------------------------------------------------------------------------------
// Output documents.
// ---------------------------------------------------------------------------------------------------------------------

const comparable = (text: string) => text.replace(/\\/g, "").replace(/\s+/g, " ").trim().toLowerCase()

/**
 * The Markdown under the page's title as a level-1 heading, so that a file read on its own says what it is; not
 * repeated when the content already opens with that heading (Readability sometimes keeps the article's <h1>).
 */
export const markdownDocument = (extraction: Extraction): string => {
  const title = extraction.title?.replace(/\s+/g, " ").trim() ?? ""
  const firstHeading = /^#{1,6}\s+(.*)/.exec(extraction.readableMarkdown)?.[1]
  if (title === "" || (firstHeading !== undefined && comparable(firstHeading) === comparable(title))) {
    return extraction.readableMarkdown
  }
  return extraction.readableMarkdown === "" ? `# ${title}` : `# ${title}\n\n${extraction.readableMarkdown}`
}

// An empty chunk is refused by the file sink ("0 bytes written"), so an empty document is an empty stream.
const documentStream = (document: string) =>
  document === "" ? Stream.empty : Stream.make(new TextEncoder().encode(document))

const documentOf = (extraction: Extraction, format: ExtractFormat): string => {
  // The text is exactly what the crawl stores and scores relevance on, so no title is added to it.
  const body = format === "markdown" ? markdownDocument(extraction) : extraction.readableText
  return body === "" ? "" : `${body}\n`
}

// ---------------------------------------------------------------------------------------------------------------------
// The run.
// ---------------------------------------------------------------------------------------------------------------------

const reasonOf = (e: PlatformError, what: "file" | "folder") => platformReason(e, what, `not a readable ${what}`)

/** The input folder, checked before anything is written. */
const checkInputDir = (inputDir: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const info = yield* fs.stat(inputDir).pipe(
      Effect.mapError((e) => new FileUnreadable({ path: inputDir, reason: reasonOf(e, "folder") }))
    )
    if (info.type !== "Directory") return yield* new FileUnreadable({ path: inputDir, reason: "not a folder" })
  })

/**
 * The pages under `inputDir`, relative to it, in name order. Symbolic links are followed, each real folder visited
 * once (Node's recursive listing follows a link to a parent until the path is too long). The output folder is
 * skipped: a second run must not read the first one's output.
 */
const inputFiles = (inputDir: string, outputDir: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const realOutput = yield* fs.realPath(outputDir).pipe(Effect.orElseSucceed(() => outputDir))
    const realInput = yield* fs.realPath(inputDir).pipe(Effect.orElseSucceed(() => inputDir))
    // Outputs written beside their pages (the same folder) are told apart by their extension instead.
    const visited = new Set(realOutput === realInput ? [] : [realOutput])
    const visit = (relative: string): Effect.Effect<Array<string>, FileUnreadable> =>
      Effect.gen(function*() {
        const folder = path.join(inputDir, relative)
        const unreadable = (e: PlatformError) => new FileUnreadable({ path: folder, reason: reasonOf(e, "folder") })
        const real = yield* fs.realPath(folder).pipe(Effect.mapError(unreadable))
        if (visited.has(real)) return []
        visited.add(real)
        const names = (yield* fs.readDirectory(folder).pipe(Effect.mapError(unreadable))).sort()
        const found = yield* Effect.forEach(names, (name) => {
          const entry = path.join(relative, name)
          return fs.stat(path.join(inputDir, entry)).pipe(
            Effect.flatMap((info) => info.type === "Directory" ? visit(entry) : Effect.succeed([entry])),
            // An entry that cannot be examined (a dangling link) is kept; its reading will say why.
            Effect.catchTag("SystemError", "BadArgument", () => Effect.succeed([entry]))
          )
        })
        return found.flat().filter((entry) => HTML_FILE.test(entry))
      })
    return yield* visit("")
  })

const outputName = (file: string, format: ExtractFormat) => file.replace(HTML_FILE, format === "markdown" ? ".md" : ".txt")

export const extractFiles = (options: {
  readonly inputDir: string
  readonly outputDir: string
  readonly format: ExtractFormat
  readonly urlMap: Option.Option<string>
}) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const extractor = yield* ExtractorPool
    const started = performance.now()
    const inputDir = path.resolve(options.inputDir)
    const outputDir = path.resolve(options.outputDir)
    const urls = yield* Option.match(options.urlMap, {
      onNone: () => Effect.succeed(new Map<string, string>() as ReadonlyMap<string, string>),
      onSome: (file) =>
        fs.readFileString(file).pipe(
          Effect.mapError((e) => new FileUnreadable({ path: file, reason: reasonOf(e, "file") })),
          Effect.flatMap(parseUrlMap)
        )
    })
    yield* checkInputDir(inputDir)
    yield* fs.makeDirectory(outputDir, { recursive: true }).pipe(
      Effect.mapError((e) => new FileUnwritable({ path: outputDir, reason: reasonOf(e, "folder") }))
    )
    const files = yield* inputFiles(inputDir, outputDir)
    const unknown = [...urls.keys()].filter((file) => !files.some((f) => mapKey(f) === file))
    if (unknown.length > 0) {
      yield* Console.error(`mwi: the URL map names ${plural(unknown.length, "file")} not found: ${unknown.join(", ")}`)
    }

    // "a.html" and "a.htm" side by side would write the same output: the first (in name order) wins.
    const claimedBy = new Map<string, string>()
    const one = (file: string) =>
      Effect.gen(function*() {
        const output = outputName(file, options.format)
        const earlier = claimedBy.get(output)
        if (earlier !== undefined) {
          return yield* new PageNotExtracted({ file, reason: `${output} is already written for ${earlier}` })
        }
        claimedBy.set(output, file)
        const source = path.join(inputDir, file)
        const bytes = yield* fs.readFile(source).pipe(Effect.mapError((e) => new PageNotExtracted({ file, reason: reasonOf(e, "file") })))
        // Saved pages carry no HTTP header: the charset comes from a BOM or a <meta> declaration, else UTF-8.
        const html = decodeBody(bytes, undefined).text
        // Without a known URL, the file's own: the extractor keeps http(s) links only, so relative links then stay as
        // their text, unless the page declares an http(s) <base href> (as pages saved by some tools do).
        const url = urls.get(mapKey(file)) ?? pathToFileURL(source).href
        // On a worker thread: a page that crashes or hangs the extractor fails alone, after MWI_EXTRACT_TIMEOUT_MS.
        const extraction = yield* extractor.extract(url, html, { links: "content" }).pipe(
          Effect.mapError((e) => new PageNotExtracted({ file, reason: e.reason }))
        )
        const target = path.join(outputDir, output)
        yield* fs.makeDirectory(path.dirname(target), { recursive: true }).pipe(
          Effect.zipRight(writeFileAtomically(target, documentStream(documentOf(extraction, options.format)))),
          Effect.mapError((e) =>
            new PageNotExtracted({ file, reason: e._tag === "FileUnwritable" ? e.reason : reasonOf(e, "folder") })
          )
        )
        return { empty: extraction.readableText === "" }
      })

    const results = yield* Effect.forEach(files, (file) => Effect.either(one(file)), { concurrency: FILES_IN_FLIGHT })
    const written = results.filter(Either.isRight).map((r) => r.right)
    const failures = results.filter(Either.isLeft).map(({ left }): FileFailure => ({ file: left.file, reason: left.reason }))
    const durationMs = Math.round(performance.now() - started)
    const summary: ExtractSummary = {
      inputDir,
      outputDir,
      format: options.format,
      files: files.length,
      ok: written.length,
      failed: failures.length,
      empty: written.filter((w) => w.empty).length,
      msPerPage: written.length === 0 ? 0 : Math.round((durationMs / written.length) * 10) / 10,
      durationMs,
      failures
    }
    return summary
  })

export const extractSummaryText = (s: ExtractSummary) =>
  `Extracted ${plural(s.files, "HTML file")} from ${s.inputDir} to ${s.outputDir} as ${s.format}: ` +
  `${s.ok} ok (${s.empty} empty), ${s.failed} failed; ${s.msPerPage} ms/page, ${(s.durationMs / 1000).toFixed(1)} s in all`

export const extractCommand = Command.make("extract", {
  inputDir: Options.text("input-dir").pipe(Options.withDescription("the folder of saved pages (*.html, *.htm; subfolders too)")),
  outputDir: Options.text("output-dir").pipe(Options.withDescription("where to write one file per page (created if missing)")),
  format: Options.choice("format", ["markdown", "text"]).pipe(
    Options.withDescription("markdown (default: the title as a heading, then the content) or text (the readable text)"),
    Options.withDefault("markdown")
  ),
  urlMap: Options.text("url-map").pipe(
    Options.withDescription("a CSV file of \"file,url\" lines giving each page's original URL (file relative to --input-dir)"),
    Options.optional
  ),
  json: Options.boolean("json").pipe(Options.withDescription("print a machine-readable JSON result"))
}, (o) =>
  runCommand(o.json, Effect.gen(function*() {
    const summary = yield* extractFiles(o)
    yield* Effect.forEach(summary.failures, (f) => Console.error(`mwi: ${new PageNotExtracted(f).message}`))
    yield* emit(o.json, summary, extractSummaryText)
    if (summary.failed > 0) yield* setExitCode(1)
  }).pipe(withWorkers))).pipe(
  Command.withDescription("extract the readable content of saved HTML files into Markdown or text files (no database)")
)

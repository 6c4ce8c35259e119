// Extraction quality and speed on real pages with hand-labelled article bodies (test/fixtures/heldout, see its
// README): word 5-gram shingle precision, recall and F1 of what `mwi extract` writes (the Markdown document, read as
// text, images left out) against the labelled body, and the time of `extract` per page.
//
// Beside them, the snippet-labelled development set of 630 real pages from about 600 sites (../shared/reference/
// extraction-dev, from trafilatura's evaluation; or $MWI_EXTRACTION_DEV): F1, precision and recall of the snippets that
// must and must not be in what `mwi extract --format text` writes, the pages left empty, and the time of `extract`.
//
//   npx tsx bench/extract.ts            both subsets: dev (for tuning the extractor) and held-out (for reporting),
//                                       then the development set when present
//   npx tsx bench/extract.ts held-out   one subset, page by page
//   npx tsx bench/extract.ts snippets   the development set only
//
// The times are taken on this thread; the extraction workers run with a larger young generation (ExtractorPool.ts,
// WORKER_LIMITS), so time as they run with `npx tsx --max-semi-space-size=32 bench/extract.ts`.

import { Either } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { gunzipSync } from "node:zlib"
import { fileURLToPath } from "node:url"
import { parseHTML } from "linkedom"
import { markdownDocument, parseUrlMap } from "../src/cli/extract.js"
import { decodeBody } from "../src/domain/fetch.js"
import { markdownToText } from "../src/domain/markdown-text.js"
import { shingleScore, type ShingleScore } from "../src/domain/shingles.js"
import { extract } from "../src/services/extractor/extract.js"

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../test/fixtures/heldout")
export const SUBSETS = ["dev", "held-out"] as const

export interface LabelledPage {
  readonly name: string
  readonly url: string
  readonly html: string
  /** The labelled article body as plain text. */
  readonly body: string
}

export interface PageResult extends ShingleScore {
  readonly name: string
  readonly ms: number
}

/**
 * CleanEval's gold-standard format: a `URL:` line, then one block per paragraph opened by `<h>`, `<p>` or `<l>`
 * (heading, paragraph, list item), the text with its HTML entities as the annotators copied it.
 */
export const cleanEvalText = (gold: string): string => {
  const blocks = gold.replace(/^\s*URL:.*$/m, "").replace(/^\s*<[hpl]>/gm, "\n").replace(/</g, "&lt;")
  const { document } = parseHTML(`<!DOCTYPE html><html><body><pre>${blocks}</pre></body></html>`)
  return (document.querySelector("pre")?.textContent ?? "").replace(/[ \t]*\n\s*/g, "\n").trim()
}

export const loadPages = (subset: string): ReadonlyArray<LabelledPage> => {
  const dir = path.join(FIXTURES, subset)
  const urls = parseUrlMap(fs.readFileSync(path.join(dir, "urls.csv"), "utf8"))
  if (Either.isLeft(urls)) throw new Error(`${dir}/urls.csv: ${urls.left.message}`)
  return fs.readdirSync(dir).filter((file) => file.endsWith(".html")).sort().map((file) => {
    const name = file.replace(/\.html$/, "")
    const url = urls.right.get(file)
    if (url === undefined) throw new Error(`${dir}/urls.csv has no URL for ${file}`)
    return {
      name,
      url,
      html: decodeBody(fs.readFileSync(path.join(dir, file)), undefined).text,
      body: cleanEvalText(fs.readFileSync(path.join(dir, `${name}.gold.txt`), "utf8"))
    }
  })
}

// Images are left out of the comparison: their alt text is not shown to a reader, and annotators never copy it.
const MARKDOWN_IMAGE = /!\[[^\]]*\]\([^)]*\)/g

/** What `mwi extract` writes for the page, as the words a reader sees. */
const extractedText = (page: LabelledPage): string =>
  markdownToText(markdownDocument(extract(page.url, page.html, { links: "content" })).replace(MARKDOWN_IMAGE, ""))

// The JIT needs a few rounds over the pages before times settle, and on a shared machine one run can be stalled by
// another process: a page's time is the median of several runs after the warm-up.
const WARM_UP_ROUNDS = 3
const TIMED_ROUNDS = 5

const median = (values: ReadonlyArray<number>) => quantile(values, 0.5)

/** Scores every page on what `mwi extract` writes, and times `extract` on it (the median of the timed rounds). */
export const evaluate = (
  pages: ReadonlyArray<LabelledPage>,
  rounds: { readonly warmUp: number; readonly timed: number } = { warmUp: WARM_UP_ROUNDS, timed: TIMED_ROUNDS }
): ReadonlyArray<PageResult> => {
  for (let round = 0; round < rounds.warmUp; round++) for (const page of pages) extractedText(page)
  const times = pages.map(() => [] as Array<number>)
  for (let round = 0; round < rounds.timed; round++) {
    pages.forEach((page, index) => {
      const started = performance.now()
      extract(page.url, page.html, { links: "content" })
      times[index]!.push(performance.now() - started)
    })
  }
  return pages.map((page, index) => ({
    name: page.name,
    ms: median(times[index]!),
    ...shingleScore(extractedText(page), page.body)
  }))
}

const mean = (values: ReadonlyArray<number>) => values.reduce((sum, v) => sum + v, 0) / Math.max(1, values.length)
const quantile = (values: ReadonlyArray<number>, q: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0
}

export interface Summary {
  readonly pages: number
  readonly meanF1: number
  readonly medianF1: number
  readonly meanPrecision: number
  readonly meanRecall: number
  readonly meanMs: number
  readonly p95Ms: number
}

export const summarise = (results: ReadonlyArray<PageResult>): Summary => ({
  pages: results.length,
  meanF1: mean(results.map((r) => r.f1)),
  medianF1: quantile(results.map((r) => r.f1), 0.5),
  meanPrecision: mean(results.map((r) => r.precision)),
  meanRecall: mean(results.map((r) => r.recall)),
  meanMs: mean(results.map((r) => r.ms)),
  p95Ms: quantile(results.map((r) => r.ms), 0.95)
})

const f = (n: number) => n.toFixed(3)

export const pageLine = (r: PageResult) =>
  `${r.name.padEnd(34)} F1 ${f(r.f1)}  P ${f(r.precision)}  R ${f(r.recall)}  ${r.ms.toFixed(1).padStart(6)} ms`

export const summaryLine = (subset: string, s: Summary) =>
  `${subset.padEnd(9)} ${String(s.pages).padStart(3)} pages  F1 mean ${f(s.meanF1)} median ${f(s.medianF1)}  ` +
  `P ${f(s.meanPrecision)}  R ${f(s.meanRecall)}  ms/page mean ${s.meanMs.toFixed(1)} p95 ${s.p95Ms.toFixed(1)}`

export const SNIPPET_SET = process.env["MWI_EXTRACTION_DEV"] ??
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../shared/reference/extraction-dev")

/** A page of a snippet-labelled set: what must be in its main content, and what must not. */
export interface SnippetPage {
  readonly url: string
  readonly html: string
  readonly with: ReadonlyArray<string>
  readonly without: ReadonlyArray<string>
}

/** A set laid out as the development set: gold.json, and each page under pages/ as HTML, gzipped or not. */
export const loadSnippetPages = (dir: string): ReadonlyArray<SnippetPage> => {
  const gold = JSON.parse(fs.readFileSync(path.join(dir, "gold.json"), "utf8")) as Record<
    string,
    { readonly file: string; readonly with: Array<string>; readonly without: Array<string> }
  >
  return Object.entries(gold).map(([url, item]) => {
    const file = path.join(dir, "pages", item.file)
    const bytes = fs.existsSync(file) ? fs.readFileSync(file) : gunzipSync(fs.readFileSync(`${file}.gz`))
    return { url, html: decodeBody(bytes, undefined).text, with: item.with, without: item.without }
  })
}

export interface SnippetSummary {
  readonly pages: number
  readonly f1: number
  readonly precision: number
  readonly recall: number
  readonly empty: number
  readonly meanMs: number
}

const comparableText = (text: string) => text.replace(/\s+/g, " ").trim()

/** The metric of trafilatura's evaluation, over all pages together: a snippet is found by a substring test. */
export const evaluateSnippets = (pages: ReadonlyArray<SnippetPage>): SnippetSummary => {
  let tp = 0, fp = 0, fn = 0, empty = 0, ms = 0
  for (const page of pages) {
    const started = performance.now()
    const text = comparableText(extract(page.url, page.html, { links: "content" }).readableText)
    ms += performance.now() - started
    if (text === "") empty++
    const found = page.with.filter((snippet) => text.includes(comparableText(snippet))).length
    tp += found
    fn += page.with.length - found
    fp += page.without.filter((snippet) => text.includes(comparableText(snippet))).length
  }
  return {
    pages: pages.length,
    f1: 2 * tp / Math.max(1, 2 * tp + fp + fn),
    precision: tp / Math.max(1, tp + fp),
    recall: tp / Math.max(1, tp + fn),
    empty,
    meanMs: ms / Math.max(1, pages.length)
  }
}

export const snippetSummaryLine = (name: string, s: SnippetSummary) =>
  `${name.padEnd(9)} ${String(s.pages).padStart(3)} pages  F1 ${f(s.f1)}  P ${f(s.precision)}  R ${f(s.recall)}  ` +
  `empty ${s.empty}  ms/page mean ${s.meanMs.toFixed(1)}`

// The JIT settles over the first pages; they are extracted once before the timed round.
const SNIPPET_WARM_UP_PAGES = 100

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const chosen = process.argv[2]
  const snippetsOnly = chosen === "snippets"
  for (const subset of snippetsOnly ? [] : chosen === undefined ? SUBSETS : [chosen]) {
    const results = evaluate(loadPages(subset))
    if (chosen !== undefined) for (const result of results) console.log(pageLine(result))
    console.log(summaryLine(subset, summarise(results)))
  }
  if ((chosen === undefined || snippetsOnly) && fs.existsSync(path.join(SNIPPET_SET, "gold.json"))) {
    const pages = loadSnippetPages(SNIPPET_SET)
    evaluateSnippets(pages.slice(0, SNIPPET_WARM_UP_PAGES))
    console.log(snippetSummaryLine("snippets", evaluateSnippets(pages)))
  }
}

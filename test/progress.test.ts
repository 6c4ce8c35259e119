import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll } from "vitest"
import { jobSnapshot, type ProgressSnapshot, renderBar, renderLine, renderTerminalLine } from "../src/cli/progress.js"
import type { JobEvent } from "../src/services/Progress.js"
import { runMwi } from "./support/cli.js"
import { copyMigratedDataDir } from "./support/databases.js"
import { type FixtureServer, startFixtureServer } from "./support/fixture-server.js"
import { articlePage, sendHtml } from "./support/fixture-site.js"

const crawl = (queued: number, fetched: number, type: JobEvent["type"] = "progress"): JobEvent => ({
  type,
  jobId: 1,
  landId: 1,
  kind: "crawl",
  seq: 0,
  status: type === "final" ? "completed" : "running",
  counters: { queued, fetched, failed: 1, skipped: 0, discovered: 0 },
  perSecond: 2,
  unit: "pages",
  elapsedMs: 10_000,
  stage: "fetching",
  error: null
})

describe("progress rendering", () => {
  it("a terminal line: land, kind, bar, done/total, percentage, rate, ETA, failures, stage", () => {
    const s: ProgressSnapshot = { land: "demo", kind: "crawl", done: 45, total: 120, unit: "pages", perSecond: 3.2, elapsedMs: 14_000, failed: 2, stage: "fetching" }
    expect(renderBar(s)).toBe("demo crawl [████████░░░░░░░░░░░░] 45/120 pages 37% · 3.2 pages/s · ETA 0:23 · 2 failed · fetching")
    expect(renderLine(s)).toBe("mwi: demo: crawl 45/120 pages (37%), 3.2 pages/s, ETA 0:23, 2 failed, fetching")
    // Two jobs at once share the line, cut to the terminal's width.
    const both = renderTerminalLine([s, { ...s, kind: "embed", done: 3, total: 3, failed: 0, stage: null }], 60)
    expect(both).toHaveLength(59)
    expect(both.endsWith("…")).toBe(true)
  })

  it("without a total (an export): the amount, the rate and the time spent", () => {
    const s: ProgressSnapshot = { land: "demo", kind: "export pagegexf", done: 3 * 1024 * 1024, total: null, unit: "bytes", perSecond: 1024 * 1024, elapsedMs: 3_000, failed: 0, stage: null }
    expect(renderLine(s)).toBe("mwi: demo: export pagegexf 3.0 MB, 1.0 MB/s, 0:03")
    expect(renderBar(s)).toBe("demo export pagegexf 3.0 MB · 1.0 MB/s · 0:03")
  })

  it("the total known never jumps back, is capped by --limit, and is what was done at the end", () => {
    const first = jobSnapshot("demo", crawl(21, 0), undefined, null)
    expect(first.total).toBe(22)
    const next = jobSnapshot("demo", crawl(3, 5), first, null)
    expect(next).toMatchObject({ done: 6, total: 22 })
    expect(jobSnapshot("demo", crawl(100, 5), next, 10).total).toBe(10)
    expect(jobSnapshot("demo", crawl(0, 12, "final"), next, null)).toMatchObject({ done: 13, total: 13 })
  })
})

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mwi-progress-"))
const scope = Effect.runSync(Scope.make())
let site: FixtureServer
let archive: FixtureServer
const PAGES = 6

beforeAll(async () => {
  site = await Effect.runPromise(Scope.extend(startFixtureServer(), scope))
  const links = Array.from({ length: PAGES }, (_, i) => [`/gone/${i}`, `page ${i}`] as const)
  site.route("/", (_q, res) => sendHtml(res, articlePage({ title: "Climat", topic: "le climat", links })))
  // Slow pages without an article: the crawl lasts long enough for a few lines, and readable asks the archive for them.
  for (let i = 0; i < PAGES; i++) site.route(`/gone/${i}`, (_q, res) => void setTimeout(() => sendHtml(res, "<p>gone</p>", 410), 150))
  // An archive that drops every connection without an answer.
  archive = await Effect.runPromise(Scope.extend(startFixtureServer(), scope))
  archive.route("/wayback/available", (req) => req.socket.destroy())
})

afterAll(async () => {
  await Effect.runPromise(Scope.close(scope, Exit.void))
  fs.rmSync(tmp, { recursive: true, force: true })
})

describe("progress of mwi commands, standard error not a terminal", () => {
  const dataDir = copyMigratedDataDir(tmp)
  const env = () => ({
    MWI_DATA_DIR: dataDir,
    MWI_DATABASE_URL: "",
    MWI_ARCHIVE_URL: archive.origin,
    MWI_FETCH_RETRIES: "0",
    MWI_PROGRESS_MS: "100"
  })

  it("plain lines with the land's name and done/total; none under --json; readable gives up an unreachable archive", async () => {
    expect((await runMwi(["land", "create", "--name", "slow", "--terms", "climat"], env())).code).toBe(0)
    expect((await runMwi(["land", "addurl", "--land", "slow", "--urls", site.url("/")], env())).code).toBe(0)
    const crawled = await runMwi(["land", "crawl", "--name", "slow", "--delay-ms", "0", "--allow-private-network"], env())
    expect(crawled.code).toBe(0)
    const lines = crawled.stderr.trim().split("\n")
    expect(lines.length).toBeGreaterThan(0)
    for (const line of lines) expect(line).toMatch(/^mwi: slow: crawl \d+\/\d+ pages \(\d+%\), [\d.]+ pages\/s, (ETA )?\d+:\d\d/)
    // Every line's total is the whole site once the seed's links are known, never less.
    const totals = lines.map((l) => Number(/\/(\d+) pages/.exec(l)![1]))
    expect(totals).toEqual([...totals].sort((a, b) => a - b))
    expect(crawled.stdout).toMatch(/^Crawl of land slow completed/)

    const json = await runMwi(["land", "readable", "--name", "slow", "--delay-ms", "0", "--concurrency", "1", "--allow-private-network", "--json"], env())
    expect(json.stderr).toBe("")
    const summary = JSON.parse(json.stdout)
    expect(summary).toMatchObject({ status: "completed", failed: PAGES, archiveUnreachable: expect.any(String) })
    // Three pages found the archive unreachable; the others did not wait for it.
    expect(archive.requests).toHaveLength(3)

    const text = await runMwi(["land", "readable", "--name", "slow", "--delay-ms", "0", "--concurrency", "1", "--allow-private-network"], env())
    expect(text.stdout).toMatch(/^Readable of land slow completed .*\nThe web archive was unreachable, and not asked for the pages after: /)
  }, 300_000)
})

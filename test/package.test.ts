import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll } from "vitest"
import { copyMigratedDataDir } from "./support/databases.js"
import { startFixtureServer } from "./support/fixture-server.js"
import { generatedSite } from "./support/fixture-site.js"
import { linkTree } from "./support/link-tree.js"

// What a consumer does: the packed tarball installed in an empty folder, then plain `node` (no tsx) importing
// "mywebintelligence". The npm cache is warm from the repository's own `npm ci`, so the install stays offline.

const root = path.resolve(import.meta.dirname, "..")
const PAGES = 4

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
  readonly ms: number
}

// Children get no MWI_* variable of the test's environment, only those given; one extraction thread and the cheapest
// password hashing spare the CPU.
const childEnv = (env: Record<string, string>) => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("MWI_"))),
  MWI_EXTRACT_WORKERS: "1",
  MWI_SCRYPT_COST: "1024",
  NO_COLOR: "1",
  ...env
})

const run = (command: string, args: ReadonlyArray<string>, cwd: string, env: Record<string, string> = {}) =>
  new Promise<Run>((resolve) => {
    const started = performance.now()
    execFile(command, args, { cwd, env: childEnv(env), timeout: 240_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0
      resolve({ code, stdout, stderr, ms: Math.round(performance.now() - started) })
    })
  })

const succeeded = (what: string, r: Run) => {
  if (r.code !== 0) throw new Error(`${what} exited with ${r.code}\n${r.stdout}\n${r.stderr}`)
  return r
}

/** The fenced blocks of a README section, in order, with their language. */
const codeBlocks = (markdown: string, heading: string) => {
  const start = markdown.indexOf(`\n${heading}\n`)
  if (start < 0) throw new Error(`README has no "${heading}" section`)
  const end = markdown.indexOf("\n## ", start + heading.length + 2)
  const section = markdown.slice(start, end < 0 ? undefined : end)
  return [...section.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, code: m[2]! }))
}

/**
 * The consumer's node_modules seeded with the repository's packages, so that `npm install` unpacks only those it lacks
 * (from the cache: 280 MB, 15 to 30 s) and removes the others: what the consumer ends with is the package's own
 * dependency tree, which the first test checks. Hidden entries (npm's record of the repository's tree, .bin, caches) are
 * left behind; on another file system, nothing is seeded.
 */
const seedNodeModules = (consumer: string) => {
  const from = path.join(root, "node_modules")
  if (fs.statSync(from).dev !== fs.statSync(consumer).dev) return
  fs.mkdirSync(path.join(consumer, "node_modules"))
  for (const name of fs.readdirSync(from)) {
    if (!name.startsWith(".")) linkTree(path.join(from, name), path.join(consumer, "node_modules", name))
  }
}

const withSite = Effect.gen(function*() {
  const server = yield* startFixtureServer()
  generatedSite(server, { pages: PAGES })
  return server
})

// A program of the consumer's own: the package's layers composed with a service of its own, a crawl, its progress.
const prog = `import { Context, Effect, Layer, Queue, Schema } from "effect"
import { crawlLand, CrawlOptions, Lands, layerFor, Progress, ServicesLive } from "mywebintelligence"

class Seeds extends Context.Tag("prog/Seeds")() {}
const [dataDir, seed] = process.argv.slice(2)

const program = Effect.gen(function*() {
  const lands = yield* Lands
  const land = yield* lands.create({ name: "consumer", terms: "climat", lang: "fr" })
  yield* lands.addUrls(land, yield* Seeds)
  const events = yield* (yield* Progress).subscribe
  const options = Schema.decodeSync(CrawlOptions)({ depth: 1, delayMs: 0 })
  const summary = yield* crawlLand(land.id, options)
  const seen = yield* Queue.takeAll(events)
  return { summary, events: seen.length }
}).pipe(Effect.scoped)

const App = Layer.mergeAll(ServicesLive({ allowPrivateNetwork: true }), Layer.succeed(Seeds, [seed])).pipe(
  Layer.provideMerge(layerFor({ _tag: "Embedded", dataDir }))
)
Effect.runPromise(program.pipe(Effect.provide(App))).then((r) => console.log(JSON.stringify(r)))
`

// The three checks need only the installed package, each its own folder and site: they run at once, their child
// processes' waits (the README's 1 s politeness delay, database opens) overlapping.
describe("the packed package", { concurrent: true }, () => {
  let tmp = ""
  let consumer = ""
  let tarball = ""

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mwi-package-"))
    // The repository's dist/, brought up to date (`npm ci` built it: then a second); the clean build `npm pack` runs
    // through prepack would add a full compilation, the bulk of this suite's time.
    const build = succeeded("npm run build", await run("npm", ["run", "build"], root))
    const pack = succeeded("npm pack", await run("npm", ["pack", "--ignore-scripts", "--pack-destination", tmp, "--json"], root))
    const packed = JSON.parse(pack.stdout.slice(pack.stdout.indexOf("["))) as ReadonlyArray<{ filename: string }>
    tarball = path.join(tmp, packed[0]!.filename)
    consumer = path.join(tmp, "consumer")
    fs.mkdirSync(consumer)
    fs.writeFileSync(path.join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }))
    seedNodeModules(consumer)
    const install = succeeded(
      "npm install",
      await run("npm", ["install", tarball, "--prefer-offline", "--no-audit", "--no-fund"], consumer)
    )
    const seconds = (r: Run) => `${(r.ms / 1000).toFixed(1)} s`
    console.log(`npm run build ${seconds(build)}, npm pack ${seconds(pack)}, npm install of the tarball ${seconds(install)}`)
  }, 600_000)

  afterAll(() => {
    if (tmp !== "") fs.rmSync(tmp, { recursive: true, force: true })
  })

  it("ships the compiled dist/ and the bin, not the sources; `mwi` runs from dist/", async () => {
    const installed = path.join(consumer, "node_modules", "mywebintelligence")
    expect(fs.existsSync(path.join(installed, "dist", "index.js"))).toBe(true)
    expect(fs.existsSync(path.join(installed, "dist", "index.d.ts"))).toBe(true)
    expect(fs.existsSync(path.join(installed, "dist", "services", "extractor", "worker.js"))).toBe(true)
    expect(fs.existsSync(path.join(installed, "dist", "console", "index.html"))).toBe(true)
    expect(fs.existsSync(path.join(installed, "src"))).toBe(false)
    expect(fs.existsSync(path.join(installed, "test"))).toBe(false)
    expect(fs.existsSync(path.join(installed, "dist", ".tsbuildinfo"))).toBe(false)
    // the repository's own tooling is gone: the consumer has the package's dependencies, not the checkout's
    for (const dev of ["vitest", "typescript", "@effect/vitest"]) expect(fs.existsSync(path.join(consumer, "node_modules", dev)), dev).toBe(false)
    const version = succeeded("mwi --version", await run(path.join(consumer, "node_modules", ".bin", "mwi"), ["--version"], consumer))
    const own = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { version: string }
    expect(version.stdout.trim()).toBe(own.version)
  }, 120_000)

  it.scopedLive("a plain node program imports it, composes its layers with its own and crawls a loopback site", () =>
    Effect.gen(function*() {
      const site = yield* withSite
      fs.writeFileSync(path.join(consumer, "prog.mjs"), prog)
      // A copy of the migrated template, as below: a new database costs an initdb (7 CPU-s), and opening one loads the
      // same files of the installed PGlite; test/cli.test.ts has the CLI make a new one.
      const data = copyMigratedDataDir(tmp)
      const r = yield* Effect.promise(() => run("node", ["prog.mjs", data, site.url("/p/0")], consumer))
      succeeded("node prog.mjs", r)
      const { events, summary } = JSON.parse(r.stdout) as { summary: { status: string; fetched: number }; events: number }
      expect(summary.status).toBe("completed")
      expect(summary.fetched).toBe(PAGES)
      expect(events).toBeGreaterThan(0)
      for (let i = 0; i < PAGES; i++) expect(site.requestsTo(`/p/${i}`).length).toBe(1)
    }), 240_000)

  it.scopedLive("the README's programmatic examples run as written", () =>
    Effect.gen(function*() {
      const blocks = codeBlocks(fs.readFileSync(path.join(root, "README.md"), "utf8"), "## Programmatic use")
      expect(blocks.filter((b) => b.lang === "sh").map((b) => b.code.trim())).toEqual(["npm install mywebintelligence"])
      const [crawl, serve, ...others] = blocks.filter((b) => b.lang === "js")
      expect(others).toEqual([])
      fs.writeFileSync(path.join(consumer, "crawl.mjs"), crawl!.code)
      fs.writeFileSync(path.join(consumer, "serve.mjs"), serve!.code)

      // The README crawls a public site; here the seed is on loopback, which the configuration then allows. Its
      // ./my-data is a copy of the migrated template.
      const site = yield* withSite
      fs.renameSync(copyMigratedDataDir(tmp), path.join(consumer, "my-data"))
      const crawled = succeeded("node crawl.mjs", yield* Effect.promise(() =>
        run("node", ["crawl.mjs", site.url("/p/0")], consumer, { MWI_ALLOW_PRIVATE_NETWORK: "true" })))
      expect(crawled.stdout).toMatch(/status: 'completed'/)
      expect(crawled.stdout).toMatch(new RegExp(`fetched: ${PAGES}\\b`))

      const served = succeeded("node serve.mjs", yield* Effect.promise(() => run("node", ["serve.mjs"], consumer)))
      expect(served.stdout).toMatch(/^created land \d+; 1 land\(s\) visible to reader$/m)
    }), 240_000)
})

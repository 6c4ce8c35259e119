import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll } from "vitest"
import { runMwi } from "./support/cli.js"
import { copyMigratedDataDir } from "./support/databases.js"
import { type FixtureServer, startFixtureServer } from "./support/fixture-server.js"
import { articlePage, sendHtml } from "./support/fixture-site.js"

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mwi-readable-cli-"))
const scope = Effect.runSync(Scope.make())
let site: FixtureServer
let archive: FixtureServer

beforeAll(async () => {
  site = await Effect.runPromise(Scope.extend(startFixtureServer(), scope))
  archive = await Effect.runPromise(Scope.extend(startFixtureServer(), scope))
  site.route("/", (_q, res) => sendHtml(res, articlePage({ title: "Climat", topic: "le climat", links: [["/gone", "disparue"]] })))
  site.route("/gone", (_q, res) => sendHtml(res, "gone", 410))
  archive.route("/wayback/available", (req, res) => {
    const asked = new URL(req.url!, archive.origin).searchParams.get("url")!
    const closest = { available: true, status: "200", timestamp: "20200101000000", url: `${archive.origin}/web/20200101000000/${asked}` }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ archived_snapshots: { closest } }))
  })
  archive.route(`/web/20200101000000id_/${site.url("/gone")}`, (_q, res) =>
    sendHtml(res, articlePage({ title: "Le climat d'avant", topic: "le climat passé" })))
})

afterAll(async () => {
  await Effect.runPromise(Scope.close(scope, Exit.void))
  fs.rmSync(tmp, { recursive: true, force: true })
})

describe("mwi land readable", () => {
  const dataDir = copyMigratedDataDir(tmp)
  const env = () => ({ MWI_DATA_DIR: dataDir, MWI_DATABASE_URL: "", MWI_ARCHIVE_URL: archive.origin, MWI_FETCH_RETRIES: "0" })

  it("re-extracts a crawled land, recovering a dead page from the archive", async () => {
    expect((await runMwi(["land", "create", "--name", "r", "--terms", "climat"], env())).code).toBe(0)
    expect((await runMwi(["land", "addurl", "--land", "r", "--urls", site.url("/")], env())).code).toBe(0)
    const crawled = await runMwi(["land", "crawl", "--name", "r", "--delay-ms", "0", "--allow-private-network", "--json"], env())
    expect(crawled.stderr).toBe("")
    expect(JSON.parse(crawled.stdout)).toMatchObject({ fetched: 2 })

    const run = await runMwi(["land", "readable", "--name", "r", "--delay-ms", "0", "--allow-private-network", "--json"], env())
    expect(run.stderr).toBe("")
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: "completed",
      updated: 1,
      unchanged: 1,
      failed: 0,
      sources: { readability: 1, archive: 1, heuristic: 0 },
      pending: 0
    })
    const text = await runMwi(["land", "readable", "--name", "r", "--merge", "preserve_existing", "--no-archive"], env())
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/^Readable of land r completed \(job \d+\): 0 updated, 1 unchanged, 1 failed; sources: 1 Readability, 0 archive, 0 heuristic;/)
  }, 600_000)

  it("refuses bad options, a bad archive address and unknown lands with one line", async () => {
    const merge = await runMwi(["land", "readable", "--name", "r", "--merge", "newest"], env())
    expect(merge.code).toBe(2)
    expect(merge.stderr).toContain("smart_merge, mercury_priority, preserve_existing")
    const limit = await runMwi(["land", "readable", "--name", "r", "--limit", "0"], env())
    expect(limit.code).toBe(1)
    expect(limit.stderr.trim()).toBe("mwi: invalid limit: limit must be at least 1")
    const url = await runMwi(["land", "readable", "--name", "r"], { ...env(), MWI_ARCHIVE_URL: "archive.org" })
    expect(url.code).toBe(1)
    expect(url.stderr.trim()).toBe(`mwi: invalid MWI_ARCHIVE_URL: "archive.org" is not an http(s) URL`)
    const json = await runMwi(["land", "readable", "--name", "nope", "--json"], env())
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stderr)).toEqual({ error: "LandNotFound", message: expect.stringMatching(/^no land named "nope" in embedded PGlite in \//) })
  }, 600_000)
})

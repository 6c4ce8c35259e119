import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll } from "vitest"
import { runMwi } from "./support/cli.js"
import { copyMigratedDataDir } from "./support/databases.js"
import { type FixtureServer, startFixtureServer } from "./support/fixture-server.js"
import { scene } from "./support/images.js"

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mwi-media-cli-"))
const scope = Effect.runSync(Scope.make())
let site: FixtureServer

beforeAll(async () => {
  const photo = await scene(120, 90, 1).jpeg().toBuffer()
  site = await Effect.runPromise(Scope.extend(startFixtureServer(), scope))
  site.route("/", (_q, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" })
    res.end(`<!doctype html><html lang="fr"><head><title>Le climat en photo</title></head><body><main><article>
<h1>Le climat en photo</h1>${[1, 2, 3].map((i) => `<p>Paragraphe ${i} sur le climat, avec assez de mots ordinaires autour pour qu'un lecteur voie un vrai article.</p>`).join("")}
<p><img src="/photo.jpg" alt="photo"> <img src="/gone.png" alt="gone"></p></article></main></body></html>`)
  })
  site.route("/photo.jpg", (_q, res) => {
    res.writeHead(200, { "content-type": "image/jpeg" })
    res.end(photo)
  })
})

afterAll(async () => {
  await Effect.runPromise(Scope.close(scope, Exit.void))
  fs.rmSync(tmp, { recursive: true, force: true })
})

describe("mwi land medianalyse", () => {
  const env = { MWI_DATA_DIR: copyMigratedDataDir(tmp), MWI_DATABASE_URL: "", MWI_FETCH_RETRIES: "0" }

  it("crawls with --media, then analyses again with nothing left; reports errors per file", async () => {
    expect((await runMwi(["land", "create", "--name", "pics", "--terms", "climat"], env)).code).toBe(0)
    expect((await runMwi(["land", "addurl", "--land", "pics", "--urls", site.url("/")], env)).code).toBe(0)

    const crawled = await runMwi(["land", "crawl", "--name", "pics", "--delay-ms", "0", "--allow-private-network", "--media", "--json"], env)
    expect(crawled.stderr).toBe("")
    expect(crawled.code).toBe(0)
    const summary = JSON.parse(crawled.stdout)
    expect(summary).toMatchObject({ status: "completed", fetched: 1, media: { status: "completed", analysed: 1, failed: 1, rows: 2, pending: 0 } })

    const again = await runMwi(["land", "medianalyse", "--name", "pics", "--allow-private-network"], env)
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(/^Media analysis of land pics completed \(job \d+\): 0 analysed, 0 failed, 0 recorded without decoding \(SVG\), 0 media rows written, 0 still pending/)
  }, 600_000)

  it("refuses bad options and unknown lands with one line", async () => {
    const bad = await runMwi(["land", "medianalyse", "--name", "pics", "--concurrency", "0"], env)
    expect(bad.code).toBe(1)
    expect(bad.stderr.trim()).toBe("mwi: invalid concurrency: concurrency must be at least 1")
    const json = await runMwi(["land", "medianalyse", "--name", "nope", "--json"], env)
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stderr)).toEqual({ error: "LandNotFound", message: expect.stringMatching(/^no land named "nope" in embedded PGlite in \//) })
  }, 600_000)
})

import { Reactivity } from "@effect/experimental"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll } from "vitest"
import { copyMigratedDataDir, throwAwayPgDatabase } from "./support/databases.js"
import { runMwi, runMwiProcess } from "./support/cli.js"

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mwi-cli-"))
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

describe("mwi on the embedded database", () => {
  const env = { MWI_DATA_DIR: copyMigratedDataDir(tmp), MWI_DATABASE_URL: "" }

  it("creates, lists, shows, adds terms and URLs, deletes", async () => {
    const created = await runMwi(["land", "create", "--name", "demo", "--desc", "a demo", "--lang", "fr,en", "--terms", "climat, océan", "--json"], env)
    expect(created.stderr).toBe("")
    expect(created.code).toBe(0)
    const land = JSON.parse(created.stdout)
    expect(land).toMatchObject({ name: "demo", description: "a demo", lang: ["fr", "en"], termCount: 2 })

    const dup = await runMwi(["land", "create", "--name", "demo"], env)
    expect(dup.code).toBe(1)
    expect(dup.stderr.trim()).toBe(`mwi: a land named "demo" already exists`)

    const seeds = path.join(tmp, "seeds.txt")
    fs.writeFileSync(seeds, "# seeds\nhttps://example.org/a?utm_source=x\n\nhttps://example.org/b # second\nmailto:someone@example.org\n")
    const added = await runMwi(["land", "addurl", "--land", "demo", "--urls", "https://example.org/a https://other.example/", "--path", seeds, "--json"], env)
    expect(added.code).toBe(1)
    expect(JSON.parse(added.stdout)).toMatchObject({
      added: [{ url: "https://example.org/a" }, { url: "https://other.example/" }, { url: "https://example.org/b" }],
      invalid: [{ input: "mailto:someone@example.org" }]
    })
    expect(added.stderr.trim()).toBe(`mwi: invalid URL "mailto:someone@example.org": only http and https URLs can be crawled, not mailto`)

    const terms = await runMwi(["land", "addterm", "--land", "demo", "--terms", "mer, climat"], env)
    expect(terms.code).toBe(0)
    expect(terms.stdout).toContain(`Term "mer" added to land demo`)
    expect(terms.stdout).toContain(`Term "climat" was already in land demo`)

    const list = await runMwi(["land", "list"], env)
    expect(list.code).toBe(0)
    expect(list.stdout).toContain("demo (id 1)")
    expect(list.stdout).toContain("3 terms in the dictionary")
    expect(list.stdout).toContain("3 expressions: 3 to crawl")

    const shown = await runMwi(["land", "show", "--name", "demo", "--json"], env)
    expect(JSON.parse(shown.stdout).terms.map((t: { term: string }) => t.term)).toEqual(["climat", "mer", "océan"])

    const deleted = await runMwi(["land", "delete", "--name", "demo"], env)
    expect(deleted.code).toBe(0)
    expect(deleted.stdout.trim()).toBe(`Land "demo" deleted with its 3 expressions`)
    const after = await runMwi(["land", "list", "--json"], env)
    expect(JSON.parse(after.stdout)).toEqual([])
  }, 600_000)

  it("fails with one line and a non-zero code on bad input", async () => {
    const cases: Array<[Array<string>, string]> = [
      [["land", "show", "--name", "nope"], `mwi: no land named "nope"`],
      [["land", "addurl", "--land", "nope", "--urls", "https://example.org/"], `mwi: no land named "nope"`],
      [["land", "addterm", "--land", "nope", "--terms", "x"], `mwi: no land named "nope"`],
      [["land", "create", "--name", "x", "--lang", "xx"], `mwi: invalid lang: "xx" is not a supported language`],
      [["land", "addurl", "--land", "x", "--path", path.join(tmp, "missing.txt")], `mwi: cannot read ${path.join(tmp, "missing.txt")}: no such file`]
    ]
    for (const [args, line] of cases) {
      const r = await runMwi(args, env)
      expect(r.code, args.join(" ")).toBe(1)
      expect(r.stderr.split("\n").filter((l) => l !== "").length, r.stderr).toBe(1)
      expect(r.stderr.trim().startsWith(line), r.stderr).toBe(true)
    }
    const json = await runMwi(["land", "show", "--name", "nope", "--json"], env)
    expect(JSON.parse(json.stderr)).toEqual({ error: "LandNotFound", message: expect.stringMatching(/^no land named "nope" in embedded PGlite in \//) })
    const usage = await runMwi(["land", "create"], env)
    expect(usage.code).toBe(2)
    expect(usage.stderr).toContain("--name")
    // the binary itself: src/main.ts sets the same code
    expect((await runMwiProcess(["land", "create"], env)).code).toBe(2)
  }, 600_000)

  it("says where the data is: a database it creates, the database a land was not found in", async () => {
    const fresh = path.join(tmp, "elsewhere", "data")
    const first = await runMwi(["land", "list", "--json"], { ...env, MWI_DATA_DIR: fresh })
    expect(first.code).toBe(0)
    expect(first.stdout.trim()).toBe("[]")
    expect(first.stderr.trim()).toBe(`mwi: created a new, empty database: embedded PGlite in ${fresh} (MWI_DATA_DIR or MWI_DATABASE_URL choose another)`)
    const second = await runMwi(["land", "show", "--name", "demo"], { ...env, MWI_DATA_DIR: fresh })
    expect(second.code).toBe(1)
    expect(second.stderr.trim()).toBe(`mwi: no land named "demo" in embedded PGlite in ${fresh}`)
  }, 300_000)

  it("refuses a data folder that another process holds", async () => {
    const dataDir = copyMigratedDataDir(tmp)
    // the process that started this test process is alive, so its pid in the lock file means "held"
    fs.writeFileSync(path.join(dataDir, "mwi.lock"), String(process.ppid))
    const r = await runMwi(["land", "list"], { ...env, MWI_DATA_DIR: dataDir })
    expect(r.code).toBe(1)
    expect(r.stderr.trim()).toBe(`mwi: the data folder ${dataDir} is in use by another mwi process (pid ${process.ppid}); stop it or set MWI_DATA_DIR to another folder`)
    // a lock left by a process that no longer exists is taken over
    fs.writeFileSync(path.join(dataDir, "mwi.lock"), "999999999")
    const ok = await runMwi(["land", "list", "--json"], { ...env, MWI_DATA_DIR: dataDir })
    expect(ok.stderr).toBe("")
    expect(ok.code).toBe(0)
    expect(fs.existsSync(path.join(dataDir, "mwi.lock"))).toBe(false)
  }, 300_000)
})

describe("mwi on PostgreSQL (MWI_DATABASE_URL)", () => {
  const scope = Effect.runSync(Scope.make())
  let env: Record<string, string> = {}
  beforeAll(async () => {
    const url = await Effect.runPromise(Scope.extend(throwAwayPgDatabase, scope).pipe(Effect.provide(Reactivity.layer)))
    env = { MWI_DATABASE_URL: url, MWI_DATA_DIR: path.join(tmp, "unused") }
  })
  afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)))

  it("runs the same commands against the server", async () => {
    const migrate = await runMwi(["db", "migrate"], env)
    expect(migrate.stderr).toMatch(/^mwi: created a new, empty database: PostgreSQL postgres:\/\/.*\/mwi_t_\w+ \(MWI_DATA_DIR or MWI_DATABASE_URL choose another\)\n$/)
    expect(migrate.stdout).toMatch(/^Database PostgreSQL postgres:\/\/.* is up to date\n {2}0001_initial/)
    const created = await runMwi(["land", "create", "--name", "srv", "--terms", "a, b", "--json"], env)
    expect(created.code).toBe(0)
    const added = await runMwi(["land", "addurl", "--land", "srv", "--urls", "http://a.example/ http://A.example:80/#x"], env)
    expect(added.stdout).toBe("Added URL: http://a.example/\n1 URL added to land srv\n")
    const again = await runMwi(["land", "addurl", "--land", "srv", "--urls", "HTTP://a.example/?utm_campaign=z"], env)
    expect(again.stdout).toBe("0 URLs added to land srv, 1 already there\n")
    const shown = await runMwi(["land", "show", "--name", "srv", "--json"], env)
    expect(JSON.parse(shown.stdout)).toMatchObject({ name: "srv", termCount: 2, expressionCount: 1, domainCount: 1 })
    // nothing was written to the embedded folder
    expect(fs.existsSync(path.join(tmp, "unused"))).toBe(false)
    const bad = await runMwi(["land", "list"], { ...env, MWI_DATABASE_URL: "postgres://postgres@127.0.0.1:1/none" })
    expect(bad.code).toBe(1)
    expect(bad.stderr.trim()).toMatch(/^mwi: cannot open the database postgres:\/\/postgres@127\.0\.0\.1:1\/none: /)
    const missing = new URL(env["MWI_DATABASE_URL"]!)
    missing.pathname = "/mwi_no_such_database"
    const absent = await runMwi(["land", "list"], { ...env, MWI_DATABASE_URL: missing.toString() })
    expect(absent.code).toBe(1)
    expect(absent.stderr.trim()).toMatch(
      /^mwi: cannot open the database postgres:\/\/.*\/mwi_no_such_database: database "mwi_no_such_database" does not exist: create it \(createdb\) or name an existing one in MWI_DATABASE_URL$/
    )
  }, 300_000)
})

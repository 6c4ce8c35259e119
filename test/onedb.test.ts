import { NodeContext } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import { assert, describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Fiber, Layer } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll } from "vitest"
import { serverFileOf } from "../src/cli/remote-run.js"
import { ServerLive } from "../src/layers.js"
import { Accounts } from "../src/services/Accounts.js"
import adoptOwnerless from "../src/services/migrations/0007_onedb.js"
import { apiServer, baseUrl, call, userWithToken } from "./support/api.js"
import { type CliResult, runMwi } from "./support/cli.js"
import { copyMigratedDataDir, onBothDatabases } from "./support/databases.js"
import { startFixtureServer } from "./support/fixture-server.js"
import { generatedSite } from "./support/fixture-site.js"

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mwi-onedb-"))
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

/** `mwi serve` in this process on a data folder (port chosen by the system), with its first administrator. */
const serve = (dataDir: string) =>
  Effect.gen(function*() {
    const settings = { ...process.env, MWI_DATA_DIR: dataDir, MWI_DATABASE_URL: "" }
    const config = ConfigProvider.fromMap(new Map(Object.entries(settings).filter((e): e is [string, string] => e[1] !== undefined)))
    let password = ""
    const admin = Layer.effectDiscard(Effect.flatMap(Accounts, (a) => a.bootstrap).pipe(Effect.map((r) => {
      if (r._tag === "Created") password = r.password
    })))
    const fiber = yield* Layer.launch(admin.pipe(Layer.provideMerge(ServerLive({ port: 0, host: "127.0.0.1" })))).pipe(
      Effect.withConfigProvider(config),
      Effect.provide(NodeContext.layer),
      Effect.forkScoped
    )
    const file = serverFileOf(dataDir)
    while (!fs.existsSync(file) || password === "") yield* Effect.sleep("50 millis")
    const { address } = JSON.parse(fs.readFileSync(file, "utf8")) as { address: string }
    return { fiber, file, address, password }
  })

// What differs between two runs on two folders: the folder, timings, dates.
const normalize = (dirs: ReadonlyArray<string>) => (r: CliResult) => {
  const clean = (text: string) =>
    dirs.reduce((t, d) => t.split(d).join("DIR"), text)
      .replace(/\d+\.\d s, [\d.]+ pages\/s/g, "T s, R pages/s")
      .replace(/\d{4}-\d\d-\d\d \d\d:\d\d/g, "DATE")
      .replace(/, owner admin\)/g, ")")
      // runMwi leaves out the console of src/main.ts, which the server's run of a command has
      .replace(/^mwi: (Received unknown)/gm, "$1")
  return { code: r.code, stdout: clean(r.stdout).trimEnd(), stderr: clean(r.stderr).trimEnd() }
}

describe("the CLI beside a running server, on one embedded data folder", () => {
  it.scopedLive("runs every command through the server with the output and exit codes of a local run", () =>
    Effect.gen(function*() {
      const site = yield* startFixtureServer()
      generatedSite(site, { pages: 4 })
      const [served, alone] = [copyMigratedDataDir(tmp), copyMigratedDataDir(tmp)]
      const [cwdServed, cwdAlone] = [fs.mkdtempSync(path.join(tmp, "cwd-")), fs.mkdtempSync(path.join(tmp, "cwd-"))]
      const study: ReadonlyArray<ReadonlyArray<string>> = [
        ["land", "create", "--name", "demo", "--terms", "climat, le climat"],
        ["land", "addurl", "--land", "demo", "--urls", `${site.url("/p/0")} notaurl`],
        ["land", "crawl", "--name", "demo", "--depth", "1", "--delay-ms", "0", "--allow-private-network"],
        ["land", "list"],
        ["land", "show", "--id", "1"],
        ["land", "pages", "--name", "demo", "--sort", "url"],
        ["land", "export", "--name", "demo", "--type", "pagecsv", "--out", "pages.csv"],
        ["land", "show", "--name", "nope"],
        ["land", "show"],
        ["land", "crawl", "--name", "demo", "--bogus"]
      ]
      const runAll = (dataDir: string, cwd: string) =>
        Effect.forEach(study, (args) => Effect.promise(() => runMwi(args, { MWI_DATA_DIR: dataDir, MWI_DATABASE_URL: "" }, cwd)))

      const server = yield* serve(served)
      assert.strictEqual(fs.statSync(server.file).mode & 0o777, 0o600)
      const remote = yield* runAll(served, cwdServed)
      const local = yield* runAll(alone, cwdAlone)
      const dirs = [served, alone, cwdServed, cwdAlone]
      expect(remote.map(normalize(dirs))).toEqual(local.map(normalize(dirs)))
      expect(remote.map((r) => r.code)).toEqual([0, 1, 0, 0, 0, 0, 0, 1, 1, 2])
      expect(remote[2]!.stdout).toContain("completed")
      // made by the CLI, the land is the local administrator's
      expect(remote[3]!.stdout).toContain("demo (id 1, owner admin)")
      expect(fs.readFileSync(path.join(cwdServed, "pages.csv"), "utf8")).toBe(fs.readFileSync(path.join(cwdAlone, "pages.csv"), "utf8"))

      // Another account's land of the same name: the CLI says how to pick one; the administrator sees both.
      const login = yield* call(server.address, "POST", "/api/v1/auth/login", { body: { username: "admin", password: server.password } })
      const admin = login.body.token as string
      assert.strictEqual((yield* call(server.address, "POST", "/api/v1/users", { token: admin, body: { username: "alice", password: "a long enough password" } })).status, 201)
      const alice = (yield* call(server.address, "POST", "/api/v1/auth/login", { body: { username: "alice", password: "a long enough password" } })).body.token as string
      const hers = yield* call(server.address, "POST", "/api/v1/lands", { token: alice, body: { name: "demo" } })
      const env = { MWI_DATA_DIR: served, MWI_DATABASE_URL: "" }
      const ambiguous = yield* Effect.promise(() => runMwi(["land", "show", "--name", "demo"], env))
      assert.strictEqual(ambiguous.code, 1)
      assert.strictEqual(ambiguous.stderr.trim(),
        `mwi: several lands are named "demo" (id 1 of admin, id ${hers.body.id} of alice): pick one with --id 1 or --name admin/demo`)
      const byOwner = yield* Effect.promise(() => runMwi(["land", "show", "--name", "alice/demo", "--json"], env))
      expect(JSON.parse(byOwner.stdout)).toMatchObject({ id: hers.body.id, ownerName: "alice", expressionCount: 0 })
      const byId = yield* Effect.promise(() => runMwi(["land", "addterm", "--id", String(hers.body.id), "--terms", "océan"], env))
      expect(byId.stdout).toContain(`Term "océan" added to land demo`)
      const seen = (yield* call(server.address, "GET", "/api/v1/lands", { token: admin })).body
      expect(seen.items.map((l: { ownerName: string }) => l.ownerName)).toEqual(["admin", "alice"])
      expect((yield* call(server.address, "GET", "/api/v1/lands", { token: alice })).body.items.map((l: { id: number }) => l.id)).toEqual([hers.body.id])
      assert.strictEqual((yield* call(server.address, "GET", "/api/v1/lands/1", { token: alice })).status, 404)

      // Stopped, the server takes its file away and the CLI opens the folder itself.
      yield* Fiber.interrupt(server.fiber)
      assert.isFalse(fs.existsSync(server.file))
      const after = yield* Effect.promise(() => runMwi(["land", "list", "--name", "demo"], env))
      assert.strictEqual(after.code, 0)
      expect(after.stdout).toContain("demo (id 1, owner admin)")
      expect(after.stdout).toContain(`demo (id ${hers.body.id}, owner alice)`)
    }), { timeout: 300_000 })
})

onBothDatabases("Lands of the local administrator", (db) => apiServer(db), (it) => {
  it.scoped("migration 0007 gives ownerless lands to the administrator, renaming a name it already uses", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const [admin] = yield* sql<{ id: number }>`INSERT INTO users (username, password_hash, is_admin) VALUES ('admin', '!', true) RETURNING id`
      const [kept] = yield* sql<{ id: number }>`INSERT INTO lands (owner_id, name) VALUES (${admin!.id}, 'old') RETURNING id`
      const [clash] = yield* sql<{ id: number }>`INSERT INTO lands (owner_id, name) VALUES (NULL, 'old') RETURNING id`
      const [free] = yield* sql<{ id: number }>`INSERT INTO lands (owner_id, name) VALUES (NULL, 'cli') RETURNING id`
      yield* adoptOwnerless
      const rows = yield* sql<{ id: number; name: string; ownerId: number | null }>`SELECT id, name, owner_id FROM lands ORDER BY id`
      expect(rows).toEqual([
        { id: kept!.id, name: "old", ownerId: admin!.id },
        { id: clash!.id, name: `old (${clash!.id})`, ownerId: admin!.id },
        { id: free!.id, name: "cli", ownerId: admin!.id }
      ])

      // An administrator sees every land with its owner; users only their own.
      const base = yield* baseUrl
      const bob = yield* userWithToken(base, "bob")
      const eve = yield* userWithToken(base, "eve")
      yield* (yield* Accounts).createUser({ username: "root", password: "a long enough password", isAdmin: true })
      const root = (yield* call(base, "POST", "/api/v1/auth/login", { body: { username: "root", password: "a long enough password" } })).body.token as string
      const bobs = yield* call(base, "POST", "/api/v1/lands", { token: bob, body: { name: "shared" } })
      const eves = yield* call(base, "POST", "/api/v1/lands", { token: eve, body: { name: "shared" } })
      const all = (yield* call(base, "GET", "/api/v1/lands?name=shared", { token: root })).body
      expect(all.items.map((l: { id: number; ownerName: string }) => [l.id, l.ownerName])).toEqual([[bobs.body.id, "bob"], [eves.body.id, "eve"]])
      assert.strictEqual((yield* call(base, "GET", `/api/v1/lands/${bobs.body.id}`, { token: root })).status, 200)
      assert.strictEqual((yield* call(base, "GET", `/api/v1/lands/${bobs.body.id}`, { token: eve })).status, 404)
      assert.strictEqual((yield* call(base, "DELETE", `/api/v1/lands/${eves.body.id}`, { token: bob })).status, 404)
      expect((yield* call(base, "GET", "/api/v1/lands", { token: eve })).body.items.map((l: { id: number }) => l.id)).toEqual([eves.body.id])
    }), { timeout: 120_000 })
})

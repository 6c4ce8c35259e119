import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Reactivity } from "@effect/experimental"
import { layer, type Vitest } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterEach, beforeEach, describe, inject, type RunnerTestCase, type RunnerTestSuite } from "vitest"
import { layerFor } from "../../src/services/Database.js"
import { linkTree } from "./link-tree.js"

export type Backend = "pglite" | "postgres"

/**
 * A new embedded data folder in `parent`, already migrated: a copy of the template the global setup made (see
 * test/support/global-setup.ts), for a suite or for `MWI_DATA_DIR`. The folders no session writes are hard-linked: a
 * copy and its removal cost half as much.
 */
export const copyMigratedDataDir = (parent: string): string => {
  const template = inject("pgliteTemplate")
  if (!template) throw new Error("no PGlite template: run through the integration project (test/support/global-setup.ts)")
  const dir = fs.mkdtempSync(path.join(parent, "mwi-data-"))
  const linked = new Set(template.linked.map((p) => path.join(template.dir, p)))
  fs.cpSync(template.dir, dir, { recursive: true, filter: (source) => !linked.has(source) })
  for (const p of template.linked) linkTree(path.join(template.dir, p), path.join(dir, p))
  return dir
}

/** A fresh embedded database in a temporary folder, removed when the layer closes. */
export const pgliteDatabase = Layer.unwrapScoped(Effect.gen(function*() {
  const dir = yield* Effect.acquireRelease(
    Effect.sync(() => copyMigratedDataDir(os.tmpdir())),
    (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
  )
  return layerFor({ _tag: "Embedded", dataDir: dir })
}))

/** The URL of a throw-away database on the test PostgreSQL server (created now, dropped when the scope closes). */
export const throwAwayPgDatabase = Effect.gen(function*() {
  const base = inject("pgUrl")
  if (!base) return yield* Effect.die(new Error("no test PostgreSQL: set MWI_TEST_PG_URL or let test/support/global-setup.ts start one"))
  const admin = yield* PgClient.make({ url: Redacted.make(base) })
  const name = `mwi_t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
  yield* admin.unsafe(`CREATE DATABASE ${name}`)
  yield* Effect.addFinalizer(() => admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).pipe(Effect.orDie))
  const url = new URL(base)
  url.pathname = `/${name}`
  return url.toString()
}).pipe(Effect.orDie)

/** A fresh database on the test PostgreSQL server, dropped when the layer closes. */
export const postgresDatabase = Layer.unwrapScoped(
  throwAwayPgDatabase.pipe(Effect.map((url) => layerFor({ _tag: "Server", url: Redacted.make(url) })))
).pipe(Layer.provide(Reactivity.layer))

export const databases: ReadonlyArray<{ readonly backend: Backend; readonly layer: Layer.Layer<SqlClient.SqlClient, unknown> }> = [
  { backend: "pglite", layer: pgliteDatabase },
  { backend: "postgres", layer: postgresDatabase }
]

/**
 * The tests of the current suite one after the other, in the order written, though Vitest starts them at once (a
 * concurrent suite): each waits in `beforeEach` (the hook's time-out, not the test's) for those before it to end.
 */
const inTurn = () => {
  let ended = 0
  const waiting = new Map<number, () => void>()
  const order = (task: RunnerTestCase) => {
    const all: Array<RunnerTestCase> = []
    const walk = (suite: RunnerTestSuite) => {
      for (const t of suite.tasks) {
        if (t.type === "suite") walk(t)
        else if (t.mode === "run") all.push(t)
      }
    }
    walk(task.suite!)
    return all.indexOf(task)
  }
  beforeEach(({ task }) => {
    const turn = order(task)
    return turn <= ended ? undefined : new Promise<void>((resolve) => void waiting.set(turn, resolve))
  })
  afterEach(() => {
    ended += 1
    waiting.get(ended)?.()
    waiting.delete(ended)
  })
}

/**
 * Runs one suite on each backend against a database of its own: the same code and migrations must behave the same on
 * embedded PGlite and on a PostgreSQL server. The two run at the same time, each test of a backend after the one
 * before it: the file takes about the longer of the two, not their sum, as their time goes mostly to waits (sites'
 * latencies, politeness intervals, time-outs, the database server). `sideBySide: false` runs one after the other, for
 * a suite timing requests on a site in this process, whose arrivals the other half's work would log late.
 */
export const onBothDatabases = <ROut, E>(
  name: string,
  services: (db: Layer.Layer<SqlClient.SqlClient, unknown>) => Layer.Layer<ROut, E>,
  suite: (it: Vitest.MethodsNonLive<ROut, true>, backend: Backend) => void,
  options: { readonly sideBySide?: boolean } = {}
) => {
  for (const { backend, layer: db } of databases) {
    describe(`${name} [${backend}]`, { concurrent: options.sideBySide ?? true }, () => {
      inTurn()
      layer(services(db), { timeout: "180 seconds", excludeTestServices: true })((it) => suite(it, backend))
    })
  }
}

import { PGlite } from "@electric-sql/pglite"
import { SqlClient } from "@effect/sql"
import { Context, Effect, Layer } from "effect"
import { execFile, execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { promisify } from "node:util"
import type { TestProject } from "vitest/node"
import { layerFor } from "../../src/services/Database.js"

// Every repository suite also runs on a real PostgreSQL. .ci/run starts one and sets MWI_TEST_PG_URL; a plain
// `npm test` starts its own throw-away cluster with .ci/pg.sh and stops it at the end, so the command stays whole.
const script = path.resolve(import.meta.dirname, "../../.ci/pg.sh")

const startPostgres = async () => {
  const { stdout, stderr } = await promisify(execFile)("bash", [
    "-c",
    `source "${script}" && pg_start >&2 && echo "$MWI_TEST_PG_URL $PG_DIR"`
  ])
  process.stderr.write(stderr)
  const [url, dir] = stdout.trim().split(/\s+/)
  return { url: url!, dir: dir! }
}

/**
 * An embedded database migrated once and closed, copied by every suite (test/support/databases.ts): an initdb and the
 * migrations cost each suite seconds, a copy of the closed folder a fraction of one. With it, the folders of its other
 * databases (template0, template1), which a copy may hard-link: a session writes no database but its own.
 */
const migratedTemplate = async (): Promise<PgliteTemplate> => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mwi-template-"))
  const data = path.join(dir, "pglite")
  // WAL segments of 1 MB rather than 16: the suites copy and remove this folder dozens of times, and a 16 MB segment
  // was 40 % of its bytes.
  await (await PGlite.create(data, { initDbStartParams: ["--wal-segsize=1"] })).close()
  // PGlite clears its whole shared buffer pool at every start: 128 MB by default, 0.8 CPU-s an open against 0.35 at
  // 16 MB, and the suites open their copies a few hundred times (every embedded `runMwi` is one). Their data is small.
  fs.appendFileSync(path.join(data, "postgresql.conf"), "\nshared_buffers = 16MB\nmin_wal_size = 2MB\nmax_wal_size = 1GB\n")
  const others = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const sql = Context.get(yield* Layer.build(layerFor({ _tag: "Embedded", dataDir: dir })), SqlClient.SqlClient)
    return yield* sql<{ oid: number }>`SELECT oid FROM pg_database WHERE datname <> current_database()`
  })))
  return { dir, linked: others.map((r) => path.join("pglite", "base", String(r.oid))) }
}

/**
 * The extraction worker bundled once for the run, as bin/mwi.js bundles it: a pool's thread loading the worker's
 * sources through tsx costs about four times the CPU of one loading the bundle, and the suites start dozens. Inside the
 * repository, so that the imports of the packages left outside resolve to node_modules.
 */
const bundledWorker = async () => {
  const parent = path.resolve(import.meta.dirname, "../../.bundle")
  fs.mkdirSync(parent, { recursive: true })
  const dir = fs.mkdtempSync(path.join(parent, "test-"))
  const { build } = await import("esbuild")
  const { bundleOptions } = await import("../../bin/bundle-options.js")
  const outfile = path.join(dir, "worker.mjs")
  await build({
    ...bundleOptions,
    entryPoints: [path.resolve(import.meta.dirname, "../../src/services/extractor/worker.ts")],
    outfile,
    logLevel: "error"
  })
  return { dir, outfile }
}

export default async function setup(project: TestProject) {
  const worker = process.env.MWI_EXTRACT_ENTRY ? undefined : await bundledWorker()
  // Read by ExtractorPool's Config in the test forks, which inherit this process's environment.
  if (worker) process.env.MWI_EXTRACT_ENTRY = worker.outfile
  const wantPostgres = !process.env.MWI_TEST_PG_URL && process.env.MWI_TEST_SKIP_PG !== "1"
  // Both at once: PostgreSQL's initdb runs in its own processes while PGlite's runs in this one.
  const [pg, template] = await Promise.allSettled([wantPostgres ? startPostgres() : undefined, migratedTemplate()])
  const teardown = () => {
    if (worker) fs.rmSync(worker.dir, { recursive: true, force: true })
    if (template.status === "fulfilled") fs.rmSync(template.value.dir, { recursive: true, force: true })
    if (pg.status === "fulfilled" && pg.value) {
      execFileSync("bash", ["-c", `source "${script}" && PG_DIR="${pg.value.dir}" pg_stop`], { stdio: "inherit" })
    }
  }
  if (pg.status === "rejected" || template.status === "rejected") {
    teardown()
    throw pg.status === "rejected" ? pg.reason : (template as PromiseRejectedResult).reason
  }
  project.provide("pgUrl", pg.value?.url ?? process.env.MWI_TEST_PG_URL ?? "")
  project.provide("pgliteTemplate", template.value)
  return teardown
}

interface PgliteTemplate {
  /** A closed, migrated PGlite data folder to copy (its `pglite` subfolder is the database). */
  readonly dir: string
  /** Its subfolders that no session writes, relative to `dir`. */
  readonly linked: ReadonlyArray<string>
}

declare module "vitest" {
  export interface ProvidedContext {
    pgUrl: string
    pgliteTemplate: PgliteTemplate
  }
}

import { execFileSync } from "node:child_process"
import * as path from "node:path"
import type { TestProject } from "vitest/node"

// Every repository suite also runs on a real PostgreSQL. .ci/run starts one and sets MWI_TEST_PG_URL; a plain
// `npm test` starts its own throw-away cluster with .ci/pg.sh and stops it at the end, so the command stays whole.
const script = path.resolve(import.meta.dirname, "../../.ci/pg.sh")
let pgDir: string | undefined

export default function setup(project: TestProject) {
  let url = process.env.MWI_TEST_PG_URL
  if (!url && process.env.MWI_TEST_SKIP_PG !== "1") {
    const out = execFileSync("bash", ["-c", `source "${script}" && pg_start >&2 && echo "$MWI_TEST_PG_URL $PG_DIR"`], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"]
    }).trim().split(/\s+/)
    url = out[0]
    pgDir = out[1]
  }
  project.provide("pgUrl", url ?? "")
  return () => {
    if (pgDir) execFileSync("bash", ["-c", `source "${script}" && PG_DIR="${pgDir}" pg_stop`], { stdio: "inherit" })
  }
}

declare module "vitest" {
  export interface ProvidedContext {
    pgUrl: string
  }
}

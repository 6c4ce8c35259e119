import { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { DataDirLocked, DatabaseUnavailable } from "../domain/errors.js"

/** Whether a process with this pid exists on this host. */
export const isProcessAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

const tryCreate = (file: string): boolean => {
  try {
    fs.writeFileSync(file, String(process.pid), { flag: "wx" })
    return true
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false
    throw e
  }
}

/**
 * PGlite is a single-process database: two processes opening one data folder would corrupt it. A lock file holding
 * the owner's pid keeps the second one out; a lock left by a killed process (its pid gone) is taken over.
 */
export const lockDataDir = (dataDir: string) =>
  Effect.acquireRelease(
    Effect.try({
      try: () => {
        fs.mkdirSync(dataDir, { recursive: true })
        const file = path.join(dataDir, "mwi.lock")
        for (let attempt = 0; attempt < 2; attempt++) {
          if (tryCreate(file)) return { file, heldBy: undefined }
          const pid = Number(fs.readFileSync(file, "utf8").trim())
          if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isProcessAlive(pid)) return { file, heldBy: pid }
          fs.rmSync(file, { force: true })
        }
        return { file, heldBy: -1 }
      },
      catch: (e) => new DatabaseUnavailable({ target: dataDir, reason: String((e as Error).message ?? e) })
    }).pipe(
      Effect.flatMap(({ file, heldBy }) =>
        heldBy === undefined ? Effect.succeed(file) : Effect.fail(new DataDirLocked({ dataDir, pid: heldBy }))
      )
    ),
    (file) => Effect.sync(() => fs.rmSync(file, { force: true }))
  )

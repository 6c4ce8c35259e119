import { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { DataDirLocked, DatabaseUnavailable } from "../domain/errors.js"

/**
 * Linux's state letter of a process (`/proc/PID/stat`, after the parenthesised name), undefined where there is none.
 * A zombie (Z) or dead (X) process still answers signals but holds nothing: it only waits for its parent to reap it.
 */
const procState = (pid: number): string | undefined => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3)
  } catch {
    return undefined
  }
}

/** Whether a process with this pid exists on this host and is not a zombie left by a crash. */
export const isProcessAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false
  }
  const state = procState(pid)
  return state !== "Z" && state !== "X"
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

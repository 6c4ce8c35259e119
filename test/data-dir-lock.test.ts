import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { isProcessAlive, lockDataDir } from "../src/services/DataDirLock.js"

/**
 * A real zombie: a shell starts a child that exits a moment later, once the shell has become `sleep`, which never
 * reaps it (a child that exits at once may be reaped by the shell before its exec). Its pid answers
 * signals until the sleeper ends, as a killed `mwi` does whose parent died too.
 */
const zombie = Effect.acquireRelease(
  Effect.async<{ pid: number; kill: () => void }>((resume) => {
    const shell = spawn("sh", ["-c", "sleep 0.2 & echo $!; exec sleep 30"], { stdio: ["ignore", "pipe", "ignore"] })
    shell.stdout.once("data", (d: Buffer) => resume(Effect.succeed({ pid: Number(d.toString().trim()), kill: () => shell.kill() })))
  }),
  (z) => Effect.sync(z.kill)
)

const stateOf = (pid: number) => {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
  return stat[stat.lastIndexOf(")") + 2]
}

describe("data folder lock", () => {
  it.scoped.skipIf(process.platform !== "linux")("a lock naming a zombie is taken over; a live owner still keeps it", () =>
    Effect.gen(function*() {
      const z = yield* zombie
      for (let i = 0; i < 100 && stateOf(z.pid) !== "Z"; i++) yield* Effect.promise(() => new Promise((r) => setTimeout(r, 10)))
      assert.strictEqual(stateOf(z.pid), "Z")
      assert.isFalse(isProcessAlive(z.pid))
      assert.isTrue(isProcessAlive(process.pid))

      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mwi-lock-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })))
      fs.writeFileSync(path.join(dir, "mwi.lock"), String(z.pid))
      yield* Effect.scoped(lockDataDir(dir))

      fs.writeFileSync(path.join(dir, "mwi.lock"), String(process.ppid))
      const refused = yield* Effect.exit(Effect.scoped(lockDataDir(dir)))
      assert.isTrue(Exit.isFailure(refused))
    }))
})

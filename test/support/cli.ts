import { execFile } from "node:child_process"
import * as path from "node:path"

const bin = path.resolve(import.meta.dirname, "../../bin/mwi.js")

export interface CliResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs the real `mwi` binary in a child process, as a user would. */
export const runMwi = (args: ReadonlyArray<string>, env: Record<string, string>, cwd?: string): Promise<CliResult> =>
  new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], {
      env: { ...process.env, NO_COLOR: "1", ...env },
      cwd: cwd ?? process.cwd(),
      timeout: 120_000
    }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr })
    })
  })

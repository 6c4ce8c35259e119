import { Effect } from "effect"
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { promisify } from "node:util"
import { type BrowserContext, chromium } from "playwright-core"

const root = path.resolve(import.meta.dirname, "..", "..")

/** Debian's Chromium, or the one MWI_CHROMIUM names; undefined when there is none. */
export const chromiumPath = (() => {
  const candidate = process.env["MWI_CHROMIUM"] ?? "/usr/bin/chromium"
  return fs.existsSync(candidate) ? candidate : undefined
})()

/** Browser tests run where Chromium is, and always under CI (where a missing Chromium is a failure, not a skip). */
export const browserTestsRun = chromiumPath !== undefined || process.env["CI"] === "true"

/** Where the browser tests leave their screenshots (git-ignored). */
export const artefacts = path.join(root, "test-artifacts", "console")

let built: Promise<unknown> | undefined

/** Builds the web console, once per test file, where the server run from the sources serves it (src/http/console-route.ts). */
export const buildConsole = Effect.promise(() =>
  built ??= promisify(execFile)(process.execPath, [path.join(root, "bin", "console-build.js"), path.join(root, ".bundle", "console")]))

/**
 * Headless Chromium with a fresh profile, closed (and its profile removed) with the scope: no GPU, no network of its
 * own (updates, sync, QUIC), English unless told otherwise.
 */
export const launchChromium = (locale = "en-US") =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      if (chromiumPath === undefined) throw new Error("CI=true but no Chromium: apt-get install chromium, or set MWI_CHROMIUM")
      const profile = fs.mkdtempSync(path.join(os.tmpdir(), "mwi-chromium-"))
      const context = await chromium.launchPersistentContext(profile, {
        executablePath: chromiumPath,
        headless: true,
        locale,
        acceptDownloads: true,
        viewport: { width: 1280, height: 800 },
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
      })
      return { context, profile }
    }),
    ({ context, profile }) =>
      Effect.promise(async () => {
        await context.close()
        fs.rmSync(profile, { recursive: true, force: true })
      })
  ).pipe(Effect.map(({ context }): BrowserContext => context))

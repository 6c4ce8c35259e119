import { Effect } from "effect"
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { promisify } from "node:util"
import { type Browser, chromium } from "playwright-core"

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
 * Headless Chromium, closed with the scope: no GPU, no network of its own (updates, sync, QUIC). Its contexts
 * (`newContext`) are fresh profiles, at a fraction of the cost of starting another browser.
 */
export const launchChromium = Effect.acquireRelease(
  Effect.promise(() => {
    if (chromiumPath === undefined) throw new Error("CI=true but no Chromium: apt-get install chromium, or set MWI_CHROMIUM")
    return chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    })
  }),
  (browser) => Effect.promise(() => browser.close())
)

/** A fresh profile in `browser`, English unless told otherwise, closed with the scope. */
export const newContext = (browser: Browser, locale = "en-US") =>
  Effect.acquireRelease(
    Effect.promise(() => browser.newContext({ locale, acceptDownloads: true, viewport: { width: 1280, height: 800 } })),
    (context) => Effect.promise(() => context.close())
  )

#!/usr/bin/env node
// `mwi`. An installed package has no src/: it runs its compiled dist/ (`npm run build`, run by `npm pack`). A checkout
// runs a bundle of src/ and of most packages instead (bin/bundle-options.js), since dist/ goes stale as soon as a
// source is edited: the bundle is rebuilt when a source is newer, in a second or two, and loading Effect's many modules
// through a TypeScript loader hook would cost seconds per command. Where the folder is read-only the sources run through tsx.
// The extractor's worker thread is a second entry point beside the bundle, at the path ExtractorPool.ts expects.
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const main = path.join(root, "src", "main.ts")
const out = path.join(root, ".bundle")
const bundle = path.join(out, "mwi.js")
const entryPoints = [
  { in: main, out: "mwi" },
  { in: path.join(root, "src", "services", "extractor", "worker.ts"), out: "extractor/worker" }
]

const newestSource = (dir) => {
  let newest = 0
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : fs.statSync(full).mtimeMs)
  }
  return newest
}

const fresh = () => {
  try {
    const newest = newestSource(path.join(root, "src"))
    return entryPoints.every((e) => fs.statSync(path.join(out, `${e.out}.js`)).mtimeMs >= newest)
  } catch {
    return false
  }
}

const build = async () => {
  try {
    const { buildSync } = await import("esbuild")
    const { bundleOptions } = await import("./bundle-options.js")
    const result = buildSync({
      ...bundleOptions,
      entryPoints,
      sourcemap: "linked",
      sourcesContent: false,
      outdir: out,
      write: false,
      logLevel: "error"
    })
    // Written aside and renamed, so a command started meanwhile never loads half a bundle; the command's bundle last,
    // so that it never starts with a worker older than itself.
    const last = (file) => (file.path.startsWith(bundle) ? 1 : 0)
    for (const file of [...result.outputFiles].sort((a, b) => last(a) - last(b))) {
      fs.mkdirSync(path.dirname(file.path), { recursive: true })
      const tmp = `${file.path}.${process.pid}.tmp`
      fs.writeFileSync(tmp, file.contents)
      fs.renameSync(tmp, file.path)
    }
    return true
  } catch {
    return false
  }
}

// `mwi serve` serves the web console (src/web), rebuilt like the bundle when a source is newer; without it the
// server still runs, and answers `/` with how to build it.
const consoleIndex = path.join(out, "console", "index.html")
if (fs.existsSync(main) && process.argv.includes("serve")) {
  let stale = true
  try {
    stale = fs.statSync(consoleIndex).mtimeMs < newestSource(path.join(root, "src"))
  } catch {}
  if (stale) {
    const { buildConsole } = await import("./console-build.js")
    await buildConsole(path.dirname(consoleIndex)).catch((e) => console.error(`mwi: the web console did not build: ${e.message}`))
  }
}

if (!fs.existsSync(main)) {
  await import(pathToFileURL(path.join(root, "dist", "main.js")).href)
} else if (fresh() || (await build())) {
  await import(pathToFileURL(bundle).href)
} else {
  const { register } = await import("tsx/esm/api")
  register()
  await import(pathToFileURL(main).href)
}

#!/usr/bin/env node
// Builds the web console (src/web) into a folder `mwi serve` serves: index.html and content-hashed assets, so the
// assets can be cached for good and index.html never is. Run by `npm run build` (into dist/console) and, in a
// checkout, by bin/mwi.js before `mwi serve` when a source is newer (into .bundle/console).
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const web = path.join(root, "src", "web")

// The console imports the API's definition (src/http/api.ts), whose error classes reach src/domain/fetch.ts: its
// charset decoder is never called in a browser, and Node's Buffer it needs does not exist there.
const nodeOnly = {
  name: "node-only",
  setup(build) {
    build.onResolve({ filter: /^iconv-lite$/ }, () => ({ path: "iconv-lite", namespace: "node-only" }))
    build.onLoad({ filter: /.*/, namespace: "node-only" }, () => ({ contents: "export default {}", loader: "js" }))
  }
}

/** Builds into `outdir`; returns the files written (relative names). */
export const buildConsole = async (outdir) => {
  const { build } = await import("esbuild")
  const result = await build({
    entryPoints: [path.join(web, "main.tsx")],
    entryNames: "[name]-[hash]",
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    jsx: "automatic",
    jsxImportSource: "preact",
    minify: true,
    // Maps name the sources' lines without carrying them: a tenth of the size.
    sourcemap: "linked",
    sourcesContent: false,
    outdir: path.join(outdir, "assets"),
    write: false,
    metafile: true,
    logLevel: "error",
    plugins: [nodeOnly]
  })
  const outputs = Object.keys(result.metafile.outputs).map((f) => path.basename(f))
  const script = outputs.find((f) => f.endsWith(".js"))
  const style = outputs.find((f) => f.endsWith(".css"))
  const html = fs.readFileSync(path.join(web, "index.html"), "utf8")
    .replace("%SCRIPT%", `assets/${script}`)
    .replace("%STYLE%", `assets/${style}`)
  // Assets first (new names), index.html last and renamed into place, so a server never reads a page whose assets
  // are not there yet; then the previous build's assets go.
  fs.mkdirSync(path.join(outdir, "assets"), { recursive: true })
  for (const file of result.outputFiles) fs.writeFileSync(file.path, file.contents)
  const tmp = path.join(outdir, `index.html.${process.pid}.tmp`)
  fs.writeFileSync(tmp, html)
  fs.renameSync(tmp, path.join(outdir, "index.html"))
  for (const old of fs.readdirSync(path.join(outdir, "assets"))) {
    if (!outputs.includes(old)) fs.rmSync(path.join(outdir, "assets", old), { force: true })
  }
  return ["index.html", ...outputs.map((f) => `assets/${f}`)]
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const files = await buildConsole(path.resolve(process.argv[2] ?? path.join(root, "dist", "console")))
  console.log(`console: ${files.length} files`)
}

import { HttpLayerRouter, HttpRouter, HttpServerResponse } from "@effect/platform"
import { Effect, Layer } from "effect"
import * as fs from "node:fs/promises"
import { fileURLToPath } from "node:url"

/**
 * The web console's folder, built by bin/console-build.js: dist/console beside the compiled dist/http, .bundle/console
 * beside a checkout's bundle .bundle/mwi.js, and the bundle's folder for the sources run by tsx or vitest.
 */
export const consoleDir = (() => {
  const here = import.meta.url
  const dir = here.endsWith(".ts") ? "../../.bundle/console/" : here.includes("/.bundle/") ? "./console/" : "../console/"
  return fileURLToPath(new URL(dir, here))
})()

const types: Readonly<Record<string, string>> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  map: "application/json; charset=utf-8"
}

// A plain file name of the assets folder: no separator, no leading dot, so no path outside it can be named.
const assetName = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9]+)+$/

const notBuilt = HttpServerResponse.text(
  "The web console is not built: run `npm run build` (or start the server with `npm start` in a checkout).",
  { status: 503 }
)

const file = (relative: string, cacheControl: string) =>
  Effect.tryPromise(() => fs.readFile(consoleDir + relative)).pipe(
    Effect.map((body) =>
      HttpServerResponse.uint8Array(body, {
        contentType: types[relative.slice(relative.lastIndexOf(".") + 1)] ?? "application/octet-stream",
        headers: { "cache-control": cacheControl, "x-content-type-options": "nosniff" }
      })),
    Effect.option
  )

const notFound = HttpServerResponse.unsafeJson({ error: "NotFound", message: "no such console file" }, { status: 404 })

// index.html names the assets of its build: it is asked again each time, the assets (content-hashed names) never.
const IndexRoute = HttpLayerRouter.add("GET", "/", Effect.map(file("index.html", "no-cache"), (r) => r._tag === "Some" ? r.value : notBuilt))

const AssetRoute = HttpLayerRouter.add("GET", "/assets/:file", Effect.gen(function*() {
  const name = (yield* HttpRouter.RouteContext).params["file"] ?? ""
  if (!assetName.test(name)) return notFound
  const res = yield* file(`assets/${name}`, "public, max-age=31536000, immutable")
  return res._tag === "Some" ? res.value : notFound
}))

/** `GET /`: the web console, and its assets under /assets/. */
export const ConsoleRoutes = Layer.mergeAll(IndexRoute, AssetRoute)

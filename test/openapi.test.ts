import { HttpLayerRouter } from "@effect/platform"
import { assert, expect, layer } from "@effect/vitest"
import { Validator } from "@seriousme/openapi-schema-validator"
import { Effect, Layer } from "effect"
import * as fs from "node:fs"
import { Routes } from "../src/http/server.js"
import { apiServer, baseUrl, call } from "./support/api.js"
import { pgliteDatabase } from "./support/databases.js"

const packageJson = JSON.parse(fs.readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }

/** The server's routes, as `METHOD /path/{param}`: its router, recording what each route layer adds. */
const serverRoutes = Effect.gen(function*() {
  const added = new Set<string>()
  const record = (method: string, path: string) => added.add(`${method} ${path.replace(/:(\w+)/g, "{$1}")}`)
  const Recording = Layer.effect(HttpLayerRouter.HttpRouter, Effect.map(HttpLayerRouter.make, (router) => ({
    ...router,
    add: (method, path, handler, options) => {
      record(method, path)
      return router.add(method, path, handler, options)
    },
    addAll: (routes) => {
      for (const r of routes) record(r.method, r.path)
      return router.addAll(routes)
    }
  } satisfies HttpLayerRouter.HttpRouter)))
  // The routes' requirements are the services the test layer provides; their phantom request types are for serve().
  yield* Layer.build(Routes.pipe(Layer.provide(Recording)) as unknown as Layer.Layer<never>)
  return added
})

layer(apiServer(pgliteDatabase), { timeout: "60 seconds", excludeTestServices: true })("the OpenAPI document", (it) => {
  it.scoped("is a valid OpenAPI 3.1 document of every route the server answers, each with a summary and typed parameters", () =>
    Effect.gen(function*() {
      const base = yield* baseUrl
      const doc = (yield* call(base, "GET", "/openapi.json")).body
      const validation = yield* Effect.promise(() => new Validator().validate(doc))
      assert.isTrue(validation.valid, JSON.stringify(validation.errors))
      assert.strictEqual(doc.openapi, "3.1.0")
      assert.strictEqual(doc.info.version, packageJson.version)

      const operations = Object.entries(doc.paths as Record<string, Record<string, any>>)
        .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })))
      for (const { route, op } of operations) {
        assert.isNotEmpty(op.summary, `${route} has no summary`)
        assert.isNotEmpty(op.description, `${route} has no description`)
        for (const p of op.parameters) {
          // Numbers are documented as numbers, not as the strings they are spelt with in a URL.
          if (["id", "mediaId", "limit", "offset", "depth", "status", "http", "maxDistance", "minWidth", "nearDuplicatesOf"].includes(p.name)) {
            assert.strictEqual(p.schema.type, "integer", `${route}: ${p.name}`)
          }
          if (p.name === "minrel") assert.strictEqual(p.schema.type, "number", `${route}: minrel`)
        }
      }
      const documented = new Set(operations.map((o) => o.route))
      expect([...(yield* serverRoutes)].sort()).toEqual([...documented].sort())

      // Every list is paged the same way.
      for (const { route, op } of operations.filter((o) => o.route.startsWith("GET ") && o.op.parameters.some((p: any) => p.name === "offset"))) {
        const schema = op.responses["200"].content["application/json"].schema
        const body = schema.$ref ? doc.components.schemas[schema.$ref.split("/").pop()] : schema
        expect(Object.keys(body.properties), route).toEqual(["items", "total", "limit", "offset"])
      }
      // The WebSockets say what they send and when they close.
      const jobEvents = doc.paths["/api/v1/jobs/{id}/events"].get
      expect(jobEvents.description).toContain("1000")
      expect(Object.keys(jobEvents.responses)).toContain("101")
      expect(doc.paths["/"].get.responses["200"].content).toHaveProperty("text/html")
    }))
})

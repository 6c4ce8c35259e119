import { HttpLayerRouter, HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, Option, Schema } from "effect"
import { InvalidInput } from "../domain/errors.js"
import { contentDisposition } from "../domain/export-types.js"
import { Exporter } from "../services/Exporter.js"
import { scopeOf } from "../services/LandRepo.js"
import { caller } from "./auth.js"
import { errorResponse, orDatabaseError, pathNotFound } from "./errors.js"
import { IdParam, IntParam, NumberParam } from "./params.js"

export const ExportNumbers = { minrel: NumberParam(0), depth: IntParam(0, 1000), http: IntParam(100, 599) }

/** A numeric query parameter, strictly spelt (see params.ts); absent or empty is unset. */
const numberParam = (query: URLSearchParams, name: keyof typeof ExportNumbers) => {
  const value = query.get(name)
  if (value === null || value === "") return Effect.succeed(undefined)
  return Schema.decodeUnknown(ExportNumbers[name])(value).pipe(
    Effect.mapError(() => new InvalidInput({ field: name, reason: `must be a ${name === "minrel" ? "finite number" : "decimal integer"} in range` }))
  )
}

/**
 * GET /api/v1/lands/{id}/export?type=T&minrel=N[&depth=D&http=S&intraDomain=true]: the export streamed from the
 * database as it is written, with its Content-Type and a Content-Disposition file name. A client that goes away
 * interrupts the stream, which stops the query.
 */
export const ExportRoute = HttpLayerRouter.add("GET", "/api/v1/lands/:id/export", Effect.gen(function*() {
  const req = yield* HttpServerRequest.HttpServerRequest
  const { params } = yield* HttpRouter.RouteContext
  const query = new URL(req.url, "http://x").searchParams
  const id = Schema.decodeUnknownOption(IdParam)(params["id"])
  if (Option.isNone(id)) return pathNotFound("/api/v1/lands/{id}/export")
  const file = yield* Effect.gen(function*() {
    const user = yield* caller
    const exporter = yield* Exporter
    const given = {
      minrel: yield* numberParam(query, "minrel"),
      depth: yield* numberParam(query, "depth"),
      httpStatus: yield* numberParam(query, "http")
    }
    const filters = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined))
    const intraDomainEdges = query.get("intraDomain") === "true" || query.get("intraDomain") === "1"
    return yield* exporter.export(id.value, query.get("type") ?? "", { ...filters, intraDomainEdges }, scopeOf(user))
  }).pipe(orDatabaseError, Effect.either)
  if (file._tag === "Left") return errorResponse(file.left)
  return HttpServerResponse.stream(file.right.stream, {
    contentType: file.right.contentType,
    headers: { "content-disposition": contentDisposition(file.right.filename) }
  })
}))

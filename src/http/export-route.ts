import { HttpLayerRouter, HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, Schema } from "effect"
import { InvalidInput } from "../domain/errors.js"
import type { UserId } from "../domain/ids.js"
import { contentDisposition } from "../domain/export-types.js"
import { Exporter } from "../services/Exporter.js"
import { ownerScope } from "../services/LandRepo.js"
import { caller } from "./auth.js"
import { errorResponse, orDatabaseError } from "./errors.js"

const IdParam = Schema.NumberFromString.pipe(Schema.int(), Schema.positive())
const number = (v: string | null) => (v === null || v.trim() === "" ? undefined : Number(v))

/**
 * GET /api/v1/lands/{id}/export?type=T&minrel=N[&depth=D&http=S&intraDomain=true]: the export streamed from the
 * database as it is written, with its Content-Type and a Content-Disposition file name. A client that goes away
 * interrupts the stream, which stops the query.
 */
export const ExportRoute = HttpLayerRouter.add("GET", "/api/v1/lands/:id/export", Effect.gen(function*() {
  const req = yield* HttpServerRequest.HttpServerRequest
  const { params } = yield* HttpRouter.RouteContext
  const query = new URL(req.url, "http://x").searchParams
  const file = yield* Effect.gen(function*() {
    const id = yield* Schema.decodeUnknown(IdParam)(params["id"]).pipe(
      Effect.mapError(() => new InvalidInput({ field: "id", reason: "must be a positive integer" }))
    )
    const user = yield* caller
    const exporter = yield* Exporter
    const given = { minrel: number(query.get("minrel")), depth: number(query.get("depth")), httpStatus: number(query.get("http")) }
    const filters = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined))
    const intraDomainEdges = query.get("intraDomain") === "true" || query.get("intraDomain") === "1"
    return yield* exporter.export(id, query.get("type") ?? "", { ...filters, intraDomainEdges }, ownerScope(user.id as UserId))
  }).pipe(orDatabaseError, Effect.either)
  if (file._tag === "Left") return errorResponse(file.left)
  return HttpServerResponse.stream(file.right.stream, {
    contentType: file.right.contentType,
    headers: { "content-disposition": contentDisposition(file.right.filename) }
  })
}))

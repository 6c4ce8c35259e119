import { HttpApiSwagger, HttpLayerRouter, OpenApi, type HttpServerError, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { Effect, Layer, Metric } from "effect"
import { InvalidInput } from "../domain/errors.js"
import { httpRequests, prometheusText } from "../services/Metrics.js"
import { MwiApi } from "./api.js"
import { AuthenticationLive } from "./auth.js"
import { CliRoute } from "../cli/remote-run.js"
import { ConsoleRoutes } from "./console-route.js"
import { errorResponse, pathNotFound } from "./errors.js"
import { guardInput } from "./input-guard.js"
import { JobEventsRoute, LandEventsRoute } from "./events.js"
import { ExportRoute } from "./export-route.js"
import { MwiApiDocument } from "./routes-api.js"
import { AccountHandlers, AuthHandlers, JobsHandlers, LandsHandlers, MediaHandlers } from "./handlers.js"
import { SearchHandlers } from "./search-handlers.js"

const HealthRoute = HttpLayerRouter.add("GET", "/health", Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  return yield* sql`SELECT 1`.pipe(
    Effect.as(HttpServerResponse.unsafeJson({ status: "ok", database: "reachable" })),
    Effect.catchAll(() => Effect.succeed(HttpServerResponse.unsafeJson({ status: "error", database: "unreachable" }, { status: 503 })))
  )
}))

// Built at the first request (then cached by OpenApi), not when a CLI command imports the server's modules.
const OpenApiRoute = HttpLayerRouter.add("GET", "/openapi.json", Effect.suspend(() => HttpServerResponse.json(OpenApi.fromApi(MwiApiDocument))))

const MetricsRoute = HttpLayerRouter.add("GET", "/metrics", Effect.map(prometheusText, (text) =>
  HttpServerResponse.text(text, { contentType: "text/plain; version=0.0.4; charset=utf-8" })))

interface Issue {
  readonly path: ReadonlyArray<string | number>
  readonly message: string
}

// Path parameters that are ids: one that is not a decimal id in range names nothing that exists (404, as for the ids of
// another account), whatever its spelling.
const ID_PARAMS = new Set(["id", "mediaId"])

/**
 * Schema decoding failures come out of HttpApi as {_tag: "HttpApiDecodeError", issues, message}; they are rewritten
 * to the API's InvalidInput body, naming the first field at fault (a malformed id in the path is a 404).
 */
const decodeErrorBody = (req: HttpServerRequest.HttpServerRequest, res: HttpServerResponse.HttpServerResponse) => {
  if (res.status !== 400 || res.body._tag !== "Uint8Array") return res
  try {
    const body = JSON.parse(new TextDecoder().decode(res.body.body)) as { _tag?: string; issues?: ReadonlyArray<Issue> }
    if (body._tag !== "HttpApiDecodeError") return res
    const first = body.issues?.[0]
    if (first?.path.length === 1 && ID_PARAMS.has(String(first.path[0]))) return pathNotFound(new URL(req.url, "http://x").pathname)
    const field = first && first.path.length > 0 ? first.path.join(".") : "request"
    return errorResponse(new InvalidInput({ field, reason: first?.message ?? "does not match the expected schema" }))
  } catch {
    return res
  }
}

const routeLabel = (url: string) => new URL(url, "http://x").pathname.replace(/\/\d+(?=\/|$)/g, "/:id")

const ApiMiddleware = HttpLayerRouter.middleware<{ handles: HttpServerError.RouteNotFound }>()((app) =>
  Effect.gen(function*() {
    const req = yield* HttpServerRequest.HttpServerRequest
    const guarded = yield* guardInput(req)
    const res = guarded._tag === "Refused" ? guarded.response : yield* app.pipe(
      Effect.map((res) => decodeErrorBody(req, res)),
      Effect.catchTag("RouteNotFound", () =>
        Effect.succeed(HttpServerResponse.unsafeJson({ error: "NotFound", message: `no route ${req.method} ${routeLabel(req.url)}` }, { status: 404 }))),
      Effect.provideService(HttpServerRequest.HttpServerRequest, guarded.request)
    )
    const route = res.status === 404 ? "unmatched" : routeLabel(req.url)
    yield* Metric.increment(
      Metric.tagged(Metric.tagged(Metric.tagged(httpRequests, "method", req.method), "route", route), "status", String(res.status))
    )
    return res
  }), { global: true })

/** Every route of the server, for `serve` (and for a test that lists them). */
export const Routes = Layer.mergeAll(
  HttpLayerRouter.addHttpApi(MwiApi).pipe(
    Layer.provide([AuthHandlers, AccountHandlers, LandsHandlers, MediaHandlers, JobsHandlers, SearchHandlers]),
    Layer.provide(AuthenticationLive)
  ),
  HttpApiSwagger.layerHttpLayerRouter({ api: MwiApiDocument, path: "/docs" }),
  OpenApiRoute,
  HealthRoute,
  MetricsRoute,
  JobEventsRoute,
  LandEventsRoute,
  ExportRoute,
  CliRoute,
  ConsoleRoutes,
  ApiMiddleware
)

/** The HTTP application (routes, OpenAPI, docs, WebSocket progress, metrics), to be served over the services. */
export const HttpAppLive = HttpLayerRouter.serve(Routes)

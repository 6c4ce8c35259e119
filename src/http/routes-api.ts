import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { ExportType } from "../domain/export-types.js"
import { JobNotFound, LandNotFound } from "../domain/errors.js"
import { JobEvent } from "../services/Progress.js"
import { packageVersion } from "../version.js"
import { Authentication, MwiApi } from "./api.js"
import { describeOperations, withoutSchemaIds } from "./api-docs.js"
import { apiError, documentDecodeFailures } from "./errors.js"
import { RunRequest } from "../cli/remote-run.js"
import { ExportNumbers } from "./export-route.js"
import { IdParam } from "./params.js"

// The routes served beside HttpApi (server.ts: a streamed download, WebSockets, health, metrics, the console and the
// docs), described here for the OpenAPI document only: their handlers stay raw routes. A test checks that every route
// the server answers is in the document.

const id = HttpApiSchema.param("id", IdParam)
const token = Schema.optional(Schema.String.annotations({
  description: "the API token, for clients that cannot send an Authorization header (browsers' WebSocket and download links)"
}))
const Boolean = Schema.Literal("true", "1", "false", "0").annotations({ jsonSchema: { type: "boolean" } })

const UpgradeRequired = Schema.Struct({
  _tag: Schema.Literal("UpgradeRequired"),
  error: Schema.Literal("UpgradeRequired"),
  message: Schema.String
}).annotations({ identifier: "UpgradeRequired", description: "the request was not a WebSocket upgrade" })

const JobEventMessage = JobEvent.annotations({ identifier: "JobEvent" })
const IdleMessage = Schema.Struct({
  type: Schema.Literal("idle"),
  landId: Schema.Int,
  latestJob: Schema.NullOr(JobEventMessage)
}).annotations({ identifier: "LandIdle", description: "sent first when no job of the land runs: its latest job as it ended" })
const PongMessage = Schema.Struct({ type: Schema.Literal("pong"), at: Schema.String })
  .annotations({ identifier: "Pong", description: "the answer to a client's \"ping\" text message" })

const MESSAGES = "The server sends JSON text messages, one per event: first a `snapshot` of each job's current state, " +
  "then `progress` events (at most five a second per job) and each job's `final` event (status completed, failed, " +
  "cancelled or interrupted, with its last counters). A client may send the text `ping`: the server answers `pong`. " +
  "Authenticate with `Authorization: Bearer <token>` or `?token=<token>`."

/** An operation's responses without those it never answers (HttpApi lists a 400 for every operation, a 503 for the API's). */
const without = (op: Record<string, any>, ...statuses: ReadonlyArray<string>) => ({
  ...op,
  responses: Object.fromEntries(Object.entries(op.responses).filter(([status]) => !statuses.includes(status)))
})

const webSocket = (description: string) => (op: Record<string, any>) => {
  const rest = without(op, "200", "400")
  return {
    ...rest,
    description: `${description}\n\n${MESSAGES}`,
    responses: {
      ...rest.responses,
      101: { ...op.responses["101"], description: "Switching Protocols: the WebSocket is open; its messages follow this schema" }
    }
  }
}

// The routes that never read the database nor decode input.
const noDatabase = (op: Record<string, any>) => without(op, "400", "503")

const html = HttpApiSchema.Text({ contentType: "text/html" })

export class ServerRoutesGroup extends HttpApiGroup.make("server")
  .add(HttpApiEndpoint.get("export")`/api/v1/lands/${id}/export`
    .setUrlParams(Schema.Struct({
      type: ExportType.annotations({ description: "the export's format" }),
      minrel: Schema.optional(ExportNumbers.minrel.annotations({ description: "pages with at least this relevance (default 1; 0 takes every page)" })),
      depth: Schema.optional(ExportNumbers.depth.annotations({ description: "pages at this depth or shallower (seeds are 0)" })),
      http: Schema.optional(ExportNumbers.http.annotations({ description: "pages that answered this HTTP status" })),
      intraDomain: Schema.optional(Boolean.annotations({ description: "keep links between pages of one domain (dropped by default)" })),
      token
    }))
    .addSuccess(HttpApiSchema.Uint8Array({ contentType: "application/octet-stream" }))
    .addError(apiError(LandNotFound))
    .middleware(Authentication)
    .annotate(OpenApi.Summary, "Download an export of a land")
    .annotate(OpenApi.Transform, (op) => ({
      ...op,
      description: "The export file, streamed from the database as it is written, with a `Content-Disposition` file " +
        "name. CSV types answer `text/csv`, GEXF types `application/gexf+xml`, `corpus` a ZIP of one text file per page " +
        "(`application/zip`). An unknown `type` or a malformed number answers 400 naming the parameter. Authenticate " +
        "with the Authorization header or `?token=` (a download link).",
      responses: {
        ...op.responses,
        200: {
          description: "the export file",
          content: Object.fromEntries(["text/csv", "application/gexf+xml", "application/zip"].map((type) => [type, { schema: { type: "string", format: "binary" } }]))
        }
      }
    })))
  .add(HttpApiEndpoint.get("jobEvents")`/api/v1/jobs/${id}/events`
    .setUrlParams(Schema.Struct({ token }))
    .addSuccess(Schema.Union(JobEventMessage, PongMessage), { status: 101 })
    .addError(apiError(JobNotFound))
    .addError(UpgradeRequired, { status: 426 })
    .middleware(Authentication)
    .annotate(OpenApi.Summary, "Watch a job (WebSocket)")
    .annotate(OpenApi.Transform, webSocket(
      "A WebSocket of one job's events. After the job's `final` event the server closes the socket with code 1000, " +
        "reason `final`; a client that connects after the job ended receives its final state and the close at once."
    )))
  .add(HttpApiEndpoint.get("landEvents")`/api/v1/lands/${id}/events`
    .setUrlParams(Schema.Struct({ token }))
    .addSuccess(Schema.Union(JobEventMessage, IdleMessage, PongMessage), { status: 101 })
    .addError(apiError(LandNotFound))
    .addError(UpgradeRequired, { status: 426 })
    .middleware(Authentication)
    .annotate(OpenApi.Summary, "Watch a land's jobs (WebSocket)")
    .annotate(OpenApi.Transform, webSocket(
      "A WebSocket of the events of every job of a land, for as long as the client stays: the server never closes it " +
        "(jobs started later are followed too). When no job runs, the first message is `idle`, with the latest job as it ended."
    )))
  .add(HttpApiEndpoint.post("cli", "/api/v1/cli")
    .setPayload(RunRequest)
    .addSuccess(HttpApiSchema.Text({ contentType: "application/x-ndjson" }))
    .annotate(OpenApi.Summary, "Run a CLI command on this server's data folder")
    .annotate(OpenApi.Transform, (op) => ({
      ...op,
      description: "For the `mwi` CLI of the machine only: while this server holds an embedded (PGlite) data folder, a " +
        "CLI started on that folder sends its command here and prints what comes back. Authenticated by the secret " +
        "the server writes to `mwi-server.json` in the folder (readable by its user only), not by an API token; " +
        "answers 404 when the server runs on PostgreSQL. The answer is NDJSON, one event per line: `{\"o\": text}` " +
        "(standard output), `{\"e\": text}` (standard error), `{\"w\": text}` (a progress line), then " +
        "`{\"exit\": code}`.",
      responses: { ...without(op, "503").responses, 401: { description: "not the secret of this server's data folder" }, 404: { description: "this server holds no embedded data folder" } }
    })))
  .add(HttpApiEndpoint.get("health", "/health")
    .addSuccess(Schema.Struct({ status: Schema.Literal("ok"), database: Schema.Literal("reachable") }))
    .annotate(OpenApi.Summary, "Health check")
    .annotate(OpenApi.Transform, (op) => ({
      ...noDatabase(op),
      description: "Whether the server runs and its database answers; no authentication.",
      responses: {
        ...noDatabase(op).responses,
        503: {
          description: "the database does not answer",
          content: { "application/json": { schema: { type: "object", required: ["status", "database"], properties: { status: { enum: ["error"] }, database: { enum: ["unreachable"] } } } } }
        }
      }
    })))
  .add(HttpApiEndpoint.get("metrics", "/metrics")
    .addSuccess(HttpApiSchema.Text({ contentType: "text/plain; version=0.0.4" }))
    .annotate(OpenApi.Summary, "Prometheus metrics")
    .annotate(OpenApi.Description, "Counters and gauges in the Prometheus text format: HTTP requests by route and status, " +
      "running jobs, frontier sizes, open WebSockets, fetches. No authentication.")
    .annotate(OpenApi.Transform, noDatabase))
  .add(HttpApiEndpoint.get("console", "/")
    .addSuccess(html)
    .annotate(OpenApi.Summary, "The web console")
    .annotate(OpenApi.Description, "The web console (a single-page application in the browser), which uses this API with a " +
      "token it obtains by signing in. Its scripts and styles are under /assets/.")
    .annotate(OpenApi.Transform, (op) => ({
      ...noDatabase(op),
      responses: { ...noDatabase(op).responses, 503: { description: "the web console is not built (`npm run build`)", content: { "text/plain": { schema: { type: "string" } } } } }
    })))
  .add(HttpApiEndpoint.get("asset")`/assets/${HttpApiSchema.param("file", Schema.String)}`
    .addSuccess(HttpApiSchema.Uint8Array({ contentType: "application/octet-stream" }))
    .annotate(OpenApi.Summary, "A file of the web console")
    .annotate(OpenApi.Description, "The console's scripts, styles and source maps, under content-hashed names (cached for a year).")
    .annotate(OpenApi.Transform, (op) => ({
      ...noDatabase(op),
      responses: { ...noDatabase(op).responses, 404: { description: "no such file of the console" } }
    })))
  .add(HttpApiEndpoint.get("docs", "/docs")
    .addSuccess(html)
    .annotate(OpenApi.Summary, "This document in Swagger UI")
    .annotate(OpenApi.Description, "Swagger UI over /openapi.json, served by this server (works offline), to read and try the API.")
    .annotate(OpenApi.Transform, noDatabase))
  .add(HttpApiEndpoint.get("openapi", "/openapi.json")
    .addSuccess(Schema.Object.annotations({ description: "an OpenAPI 3.1 document" }))
    .annotate(OpenApi.Summary, "This document (OpenAPI 3.1)")
    .annotate(OpenApi.Description, "The OpenAPI 3.1 document of every route of this server, its version the package's.")
    .annotate(OpenApi.Transform, noDatabase))
  .annotate(OpenApi.Description, "Routes beside the JSON API: downloads, WebSockets, health, metrics, the web console and these docs.") {}

/** What /openapi.json and /docs describe: the JSON API and the routes served beside it. */
export class MwiApiDocument extends MwiApi
  .add(ServerRoutesGroup)
  .annotate(OpenApi.Version, packageVersion)
  .annotate(OpenApi.Transform, (spec) => describeOperations(withoutSchemaIds(documentDecodeFailures(spec)))) {}

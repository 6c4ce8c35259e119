import { FetchHttpClient, HttpApi, HttpApiClient, HttpApiSchema, HttpClient, HttpClientRequest, OpenApi } from "@effect/platform"
import { SqlError } from "@effect/sql/SqlError"
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Exit, Option, Schema } from "effect"
import * as AST from "effect/SchemaAST"
import * as accountErrors from "../src/domain/account-errors.js"
import * as domainErrors from "../src/domain/errors.js"
import * as embeddingErrors from "../src/domain/embedding-errors.js"
import { MediaNotFound } from "../src/domain/media-analysis.js"
import { LandNotEmbedded } from "../src/domain/search.js"
import { MwiApi } from "../src/http/api.js"
import { apiError, type ErrorClass, onlyErrors, orDatabaseError, statusNames } from "../src/http/errors.js"
import { apiServer, baseUrl, call, userWithToken } from "./support/api.js"
import { pgliteDatabase } from "./support/databases.js"

// The error contract: every error an endpoint can return is declared with its status, in the API definition and in
// the OpenAPI document, and the server answers it with that status and the {_tag, error, message, details} body.

const isErrorClass = (v: unknown): v is ErrorClass<{ readonly _tag: string; readonly message: string }> =>
  typeof v === "function" && "fields" in v && "_tag" in v && Schema.isSchema(v)
const domainClasses = ([...Object.values(domainErrors), ...Object.values(accountErrors), ...Object.values(embeddingErrors), MediaNotFound, LandNotEmbedded] as ReadonlyArray<unknown>)
  .filter(isErrorClass)

interface Declared {
  readonly operation: string
  readonly path: string
  readonly method: string
  readonly authenticated: boolean
  readonly errors: ReadonlyMap<string, number>
}

/** Each endpoint with the errors it declares (the `error` name of each body → its status). */
const declared: ReadonlyArray<Declared> = (() => {
  const out: Array<Declared> = []
  HttpApi.reflect(MwiApi, {
    onGroup: () => {},
    onEndpoint: ({ endpoint, errors, group, middleware }) => {
      const byName = new Map<string, number>()
      for (const [status, { ast }] of errors) {
        if (ast._tag === "None") continue
        const members: ReadonlyArray<AST.AST> = ast.value._tag === "Union" ? ast.value.types : [ast.value]
        for (const member of members) {
          const name = member._tag === "Transformation" && member.from._tag === "TypeLiteral"
            ? member.from.propertySignatures.find((p) => p.name === "error")?.type
            : undefined
          const other = AST.getIdentifierAnnotation(member._tag === "Transformation" ? member.to : member)
          byName.set(name?._tag === "Literal" ? String(name.literal) : Option.getOrElse(other, () => String(member)), status)
        }
      }
      out.push({
        operation: `${group.identifier}.${endpoint.name}`,
        path: endpoint.path,
        method: endpoint.method.toLowerCase(),
        authenticated: middleware.size > 0,
        errors: byName
      })
    }
  })
  return out
})()

describe("the API's error contract", () => {
  it("every domain error the API returns carries a status the API knows, and is returned by some endpoint", () => {
    const listed = new Set(declared.flatMap((d) => [...d.errors.keys()]))
    for (const cls of domainClasses) {
      const status = HttpApiSchema.getStatusError(cls)
      if (status === 500) {
        assert.isFalse(listed.has(cls._tag), `${cls._tag} is listed by an endpoint but has no status`)
        continue
      }
      assert.property(statusNames, String(status), `${cls._tag}: ${status}`)
      assert.isTrue(listed.has(cls._tag), `${cls._tag} has status ${status} but no endpoint lists it`)
    }
    const known = new Set(domainClasses.map((c) => c._tag))
    for (const d of declared) {
      for (const [name, status] of d.errors) {
        if (name === "HttpApiDecodeError") continue
        assert.isTrue(known.has(name), `${d.operation} lists ${name}, which is not a domain error`)
        assert.notStrictEqual(status, 500, `${d.operation}: ${name}`)
      }
    }
  })

  it("every endpoint lists the failures every request can meet", () => {
    for (const d of declared) {
      assert.strictEqual(d.errors.get("DatabaseError"), 503, d.operation)
      if (d.authenticated) assert.strictEqual(d.errors.get("Unauthorized"), 401, d.operation)
      // An id in the path names something that may not exist (or belong to someone else).
      if (d.path.includes(":id")) assert.includeMembers([...d.errors.values()], [404], d.operation)
    }
  })

  it("the OpenAPI document lists each endpoint's errors with their status and body, decoding failures as InvalidInput", () => {
    const doc = OpenApi.fromApi(MwiApi)
    assert.notInclude(JSON.stringify(doc), "HttpApiDecodeError")
    for (const d of declared) {
      const openApiPath = d.path.replace(/:(\w+)/g, "{$1}")
      const responses = (doc.paths[openApiPath] as Record<string, { responses: Record<string, any> }>)[d.method]!.responses
      for (const [name, status] of d.errors) {
        const schema = responses[String(status)]?.content?.["application/json"]?.schema
        const refs: ReadonlyArray<string> = schema?.anyOf ? schema.anyOf.map((s: { $ref: string }) => s.$ref) : [schema?.$ref]
        const documented = name === "HttpApiDecodeError" ? "InvalidInput" : name
        assert.include(refs, `#/components/schemas/${documented}`, `${d.operation} ${status}`)
      }
      assert.property(responses, "400", `${d.operation}: a request that does not decode`)
    }
    for (const cls of domainClasses.filter((c) => HttpApiSchema.getStatusError(c) !== 500)) {
      const body = doc.components.schemas[cls._tag] as { properties: Record<string, { enum?: Array<string> }> }
      assert.deepStrictEqual(body.properties["_tag"]!.enum, [statusNames[HttpApiSchema.getStatusError(cls)]])
      assert.deepStrictEqual(body.properties["error"]!.enum, [cls._tag])
    }
  })

  it("each error's body decodes back to the same error, as the typed client reads it", () => {
    const samples = [
      new domainErrors.LandNotFound({ land: 7 }),
      new domainErrors.InvalidInput({ field: "name", reason: "too long" }),
      new domainErrors.DatabaseError(),
      new accountErrors.TooManyAttempts({ retryAfterSeconds: 30 }),
      new accountErrors.Unauthorized({ reason: "expired" })
    ]
    for (const e of samples) {
      const cls = e.constructor as unknown as ErrorClass<typeof e>
      const schema = apiError(cls)
      const body = Schema.encodeSync(schema)(e)
      assert.strictEqual(body.error, e._tag)
      assert.strictEqual(body.message, e.message)
      const back = Schema.decodeUnknownSync(schema)(JSON.parse(JSON.stringify(body)))
      assert.instanceOf(back, cls as unknown as new() => unknown)
      assert.deepStrictEqual(back, e)
    }
  })

  it.effect("an error a handler did not declare is a defect, never a silent status; a failed query is a 503", () =>
    Effect.gen(function*() {
      const only = onlyErrors(domainErrors.JobAlreadyRunning)
      const undeclared = yield* Effect.exit(only(Effect.fail(new domainErrors.DuplicateLand({ name: "x" }))))
      assert.isTrue(Exit.isFailure(undeclared) && undeclared.cause._tag === "Die")
      const listed = yield* Effect.flip(only(Effect.fail(new domainErrors.JobAlreadyRunning({ landId: 1, jobId: 2 }))))
      assert.instanceOf(listed, domainErrors.JobAlreadyRunning)
      const query = yield* Effect.flip(orDatabaseError(Effect.fail(new SqlError({ message: "connection refused to db.internal" }))))
      assert.instanceOf(query, domainErrors.DatabaseError)
      assert.notInclude(JSON.stringify(Schema.encodeSync(apiError(domainErrors.DatabaseError))(query)), "db.internal")
    }))
})

layer(apiServer(pgliteDatabase), { timeout: "120 seconds", excludeTestServices: true })("the API's errors on the wire", (it) => {
  /** The status and error the OpenAPI document declares for this route, so the test checks the document too. */
  const documented = (method: string, path: string, status: number, error: string) => {
    const route = declared.find((d) => d.method === method.toLowerCase() && new RegExp(`^${d.path.replace(/:\w+/g, "[^/]+")}$`).test(path))
    assert.isDefined(route, `${method} ${path}`)
    assert.strictEqual(route!.errors.get(error), status, `${route!.operation} declares ${error} as ${status}`)
  }

  it.scoped("each failure answers its declared status and body", () =>
    Effect.gen(function*() {
      const base = yield* baseUrl
      const token = yield* userWithToken(base, "frank")
      const other = yield* userWithToken(base, "grace")
      const land = yield* call(base, "POST", "/api/v1/lands", { token, body: { name: "mine" } })
      const cases: ReadonlyArray<readonly [string, string, { token?: string; body?: unknown }, number, Record<string, unknown>]> = [
        ["POST", "/api/v1/auth/login", { body: { username: "frank", password: "not the password" } }, 401,
          { _tag: "Unauthorized", error: "InvalidCredentials", message: "wrong username or password" }],
        ["GET", "/api/v1/users", { token }, 403,
          { _tag: "Forbidden", error: "Forbidden", message: "only administrators can manage users", details: { action: "manage users" } }],
        ["GET", `/api/v1/lands/${land.body.id}`, { token: other }, 404,
          { _tag: "NotFound", error: "LandNotFound", message: `no land with id ${land.body.id}`, details: { land: land.body.id } }],
        ["POST", "/api/v1/lands", { token, body: { name: "mine" } }, 409,
          { _tag: "Conflict", error: "DuplicateLand", message: `a land named "mine" already exists`, details: { name: "mine" } }],
        ["GET", "/api/v1/jobs/999999", { token }, 404,
          { _tag: "NotFound", error: "JobNotFound", message: "no job with id 999999", details: { id: 999999 } }],
        ["DELETE", "/api/v1/tokens/999999", { token }, 404,
          { _tag: "NotFound", error: "TokenNotFound", message: "no token with id 999999", details: { id: 999999 } }],
        ["POST", "/api/v1/tokens", { token, body: { name: "MWI_ADMIN_TOKEN" } }, 400,
          { _tag: "BadRequest", error: "InvalidInput", message: "invalid name: MWI_ADMIN_TOKEN is reserved", details: { field: "name", reason: "MWI_ADMIN_TOKEN is reserved" } }],
        ["GET", "/api/v1/me", { token: "mwi_forged" }, 401,
          { _tag: "Unauthorized", error: "Unauthorized", message: "the API token is not valid", details: { reason: "invalid" } }]
      ]
      for (const [method, path, options, status, body] of cases) {
        const r = yield* call(base, method, path, options)
        assert.strictEqual(r.status, status, `${method} ${path}: ${JSON.stringify(r.body)}`)
        for (const [key, value] of Object.entries(body)) assert.deepStrictEqual(r.body[key], value, `${method} ${path} ${key}`)
        assert.hasAllKeys(r.body, Object.keys(r.body).filter((k) => ["_tag", "error", "message", "details"].includes(k)))
        documented(method, path, status, String(body["error"]))
      }
      // A request that does not decode: the InvalidInput body naming the field.
      const bad = yield* call(base, "POST", "/api/v1/lands", { token, body: { name: 5 } })
      assert.strictEqual(bad.status, 400)
      assert.strictEqual(bad.body.error, "InvalidInput")
      assert.strictEqual(bad.body.details.field, "name")
    }))

  it.scoped("the typed client gets the domain errors themselves", () =>
    Effect.gen(function*() {
      const base = yield* baseUrl
      const token = yield* userWithToken(base, "heidi")
      const client = yield* HttpApiClient.make(MwiApi, {
        baseUrl: base,
        transformClient: HttpClient.mapRequest(HttpClientRequest.bearerToken(token))
      })
      const missing = yield* Effect.flip(client.lands.get({ path: { id: 424242 } }))
      assert.instanceOf(missing, domainErrors.LandNotFound)
      assert.strictEqual(missing.message, "no land with id 424242")
      yield* client.lands.create({ payload: { name: "twice" } })
      const twice = yield* Effect.flip(client.lands.create({ payload: { name: "twice" } }))
      assert.instanceOf(twice, domainErrors.DuplicateLand)
      const notRunning = yield* Effect.flip(client.jobs.cancel({ path: { id: 31337 } }))
      assert.instanceOf(notRunning, domainErrors.JobNotFound)
    }).pipe(Effect.provide(FetchHttpClient.layer)))
})

import { HttpApiSchema, HttpServerResponse } from "@effect/platform"
import { SqlError } from "@effect/sql/SqlError"
import { Effect, ParseResult, Schema } from "effect"
import { DatabaseError } from "../domain/errors.js"

// The statuses the API answers with; `_tag` of an error body names the status, `error` the error itself.
export const statusNames: Readonly<Record<number, string>> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  409: "Conflict",
  429: "TooManyRequests",
  502: "BadGateway",
  503: "ServiceUnavailable"
}

export interface ErrorBody {
  readonly _tag: string
  readonly error: string
  readonly message: string
  readonly details?: unknown
}

interface DomainError {
  readonly _tag: string
  readonly message: string
}

/** A Schema.TaggedError class with its status (`HttpApiSchema.annotations({ status })`). */
export type ErrorClass<A extends DomainError> = Schema.Schema<A, any> & {
  readonly _tag: string
  readonly fields: Schema.Struct.Fields
}

const cache = new Map<ErrorClass<any>, Schema.Schema<any, ErrorBody>>()

/**
 * A domain error as the API's body, `{_tag, error, message, details}`: `details` holds the error's fields, the status
 * is the one its class carries. One schema per class, so the OpenAPI document and the error union list it once.
 */
export const apiError = <A extends DomainError>(cls: ErrorClass<A>): Schema.Schema<A, ErrorBody> => {
  const known = cache.get(cls)
  if (known !== undefined) return known
  const status = HttpApiSchema.getStatusError(cls)
  const statusName = statusNames[status] ?? "InternalServerError"
  const { _tag: _, ...fields } = cls.fields
  const hasDetails = Object.keys(fields).length > 0
  const bodyFields: Schema.Struct.Fields = {
    _tag: Schema.Literal(statusName),
    error: Schema.Literal(cls._tag),
    message: Schema.String,
    ...(hasDetails ? { details: Schema.encodedSchema(Schema.Struct(fields)) } : {})
  }
  const body = Schema.Struct(bodyFields).annotations({ identifier: cls._tag })
  const decode = ParseResult.decodeUnknown(cls)
  const encode = ParseResult.encodeUnknown(cls)
  const schema = Schema.transformOrFail(body, Schema.typeSchema(cls), {
    strict: false,
    decode: (b) => decode({ ...(hasDetails ? (b as { details: object }).details : {}), _tag: cls._tag }),
    encode: (e) =>
      ParseResult.map(encode(e), ({ _tag, ...details }) => ({
        _tag: statusName,
        error: cls._tag,
        message: e.message,
        ...(hasDetails ? { details } : {})
      }))
  }).annotations(HttpApiSchema.annotations({ status })) as unknown as Schema.Schema<A, ErrorBody>
  cache.set(cls, schema)
  return schema
}

/** The response for a domain error on a route outside HttpApi (WebSocket upgrade, streamed export): the same body. */
export const errorResponse = (e: DomainError): HttpServerResponse.HttpServerResponse => {
  const schema = apiError(e.constructor as unknown as ErrorClass<DomainError>)
  return HttpServerResponse.unsafeJson(Schema.encodeSync(schema)(e), { status: HttpApiSchema.getStatusError(schema) })
}

/** A failed query answers 503; its cause goes to the log only, since it may name the database server. */
export const orDatabaseError = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, Exclude<E, SqlError> | DatabaseError, R> =>
  Effect.catchIf(self, (e) => e instanceof SqlError, (e) =>
    Effect.zipRight(Effect.logError("a query failed while serving a request", e), Effect.fail(new DatabaseError()))) as never

type Constructor = abstract new(...args: ReadonlyArray<any>) => unknown

/**
 * For a failure the compiler cannot type (a job's start failure comes from the job's own fiber): the listed errors
 * pass, a failed query is a 503, anything else a defect.
 */
export const onlyErrors = <const C extends ReadonlyArray<Constructor>>(...classes: C) =>
<A, R>(self: Effect.Effect<A, unknown, R>): Effect.Effect<A, InstanceType<C[number]> | DatabaseError, R> =>
  Effect.catchAll(self, (e): Effect.Effect<never, InstanceType<C[number]> | DatabaseError> =>
    classes.some((c) => e instanceof c)
      ? Effect.fail(e as InstanceType<C[number]>)
      : e instanceof SqlError
      ? orDatabaseError(Effect.fail(e))
      : Effect.die(e))

/**
 * HttpApi documents its request decoding failures as HttpApiDecodeError, which the server answers with the
 * InvalidInput body (server.ts): the document says what the client gets.
 */
export const documentDecodeFailures = (spec: Record<string, any>): Record<string, any> => {
  const decodeRef = "#/components/schemas/HttpApiDecodeError"
  const invalidRef = "#/components/schemas/InvalidInput"
  const out = JSON.parse(JSON.stringify(spec).replaceAll(`"${decodeRef}"`, `"${invalidRef}"`))
  for (const operation of Object.values(out.paths ?? {}).flatMap((path) => Object.values(path as object))) {
    const content = operation?.responses?.["400"]?.content?.["application/json"]
    if (content?.schema?.anyOf) {
      const refs = [...new Set((content.schema.anyOf as Array<{ $ref: string }>).map((s) => s.$ref))]
      content.schema = refs.length === 1 ? { $ref: refs[0] } : { anyOf: refs.map(($ref) => ({ $ref })) }
    }
  }
  for (const name of ["HttpApiDecodeError", "Issue", "PropertyKey"]) delete out.components?.schemas?.[name]
  return out
}

import { HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, Option } from "effect"
import { InvalidInput } from "../domain/errors.js"
import { errorResponse } from "./errors.js"

// Request input is checked once, before any route sees it: text that PostgreSQL refuses (NUL) or that is not Unicode
// (invalid UTF-8, lone surrogates), numbers JSON cannot round-trip (1e400 is Infinity), nesting that would exhaust
// the parser's stack, bodies too large. Each is a 4xx naming the field, never a 5xx from deeper down.

type Guarded =
  | { readonly _tag: "Refused"; readonly response: HttpServerResponse.HttpServerResponse }
  | { readonly _tag: "Checked"; readonly request: HttpServerRequest.HttpServerRequest }
const refused = (response: HttpServerResponse.HttpServerResponse): Guarded => ({ _tag: "Refused", response })
const checked = (request: HttpServerRequest.HttpServerRequest): Guarded => ({ _tag: "Checked", request })

/** The largest request body (10 MiB: 100,000 seed URLs fit). */
export const MAX_BODY_BYTES = 10 * 1024 * 1024
/** The deepest JSON nesting accepted: the API's documents are a few levels deep. */
export const MAX_JSON_DEPTH = 32

const BODY_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"])
const utf8 = new TextDecoder("utf-8", { fatal: true })

/** What is wrong with a text value, if anything. */
export const textProblem = (s: string): string | null => {
  if (s.includes("\u0000")) return "must not contain the NUL character"
  // A lone surrogate (from a `\ud800` escape) is not a character: PostgreSQL would store U+FFFD or refuse it.
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s)) return "is not valid Unicode text"
  return null
}

/** Nesting depth of a JSON text, counted without parsing it (a parser would overflow first). */
export const jsonDepth = (text: string): number => {
  let depth = 0
  let max = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92) i++
      else if (c === 34) inString = false
    } else if (c === 34) inString = true
    else if (c === 123 || c === 91) max = Math.max(max, ++depth)
    else if (c === 125 || c === 93) depth--
  }
  return max
}

/** The first text or number in a parsed JSON value that no field may hold, with its path. */
export const jsonProblem = (value: unknown, path: ReadonlyArray<string | number> = []): InvalidInput | null => {
  const field = () => path.length === 0 ? "body" : path.join(".")
  if (typeof value === "string") {
    const problem = textProblem(value)
    return problem === null ? null : new InvalidInput({ field: field(), reason: problem })
  }
  if (typeof value === "number") {
    return Number.isFinite(value) ? null : new InvalidInput({ field: field(), reason: "must be a finite number" })
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = jsonProblem(value[i], [...path, i])
      if (found) return found
    }
    return null
  }
  if (typeof value === "object" && value !== null) {
    for (const [key, v] of Object.entries(value)) {
      const keyProblem = textProblem(key)
      if (keyProblem) return new InvalidInput({ field: [...path, "(key)"].join("."), reason: keyProblem })
      const found = jsonProblem(v, [...path, key])
      if (found) return found
    }
  }
  return null
}

const tooLarge = () =>
  HttpServerResponse.unsafeJson({
    _tag: "PayloadTooLarge",
    error: "PayloadTooLarge",
    message: `the request body is larger than ${MAX_BODY_BYTES} bytes`
  }, { status: 413 })

/** The query string's and path's problems: percent-escapes that are not UTF-8, NUL, lone surrogates. */
const urlProblem = (url: string): InvalidInput | null => {
  const [pathname = "", query = ""] = url.split("?", 2)
  for (const segment of pathname.split("/")) {
    let decoded: string
    try {
      decoded = decodeURIComponent(segment)
    } catch {
      return new InvalidInput({ field: "path", reason: "is not valid percent-encoded UTF-8" })
    }
    const problem = textProblem(decoded)
    if (problem) return new InvalidInput({ field: "path", reason: problem })
  }
  for (const pair of query.split("&")) {
    if (pair === "") continue
    const [rawKey = "", rawValue = ""] = pair.split("=", 2)
    let key: string
    let value: string
    try {
      key = decodeURIComponent(rawKey.replaceAll("+", " "))
      value = decodeURIComponent(rawValue.replaceAll("+", " "))
    } catch {
      return new InvalidInput({ field: rawKey, reason: "is not valid percent-encoded UTF-8" })
    }
    const problem = textProblem(key) ?? textProblem(value)
    if (problem) return new InvalidInput({ field: key, reason: problem })
  }
  return null
}

/**
 * Checks a request's URL and JSON body, and hands the app a request whose body is the checked text: the 4xx response
 * for bad input, or the request to serve.
 */
export const guardInput = (req: HttpServerRequest.HttpServerRequest) =>
  Effect.gen(function*() {
    const inUrl = urlProblem(req.url)
    if (inUrl) return refused(errorResponse(inUrl))
    if (!BODY_METHODS.has(req.method)) return checked(req)
    const declared = Number(req.headers["content-length"] ?? "0")
    if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) return refused(tooLarge())
    const read = yield* req.arrayBuffer.pipe(
      HttpServerRequest.withMaxBodySize(Option.some(MAX_BODY_BYTES)),
      Effect.option
    )
    if (Option.isNone(read)) return refused(tooLarge())
    let text: string
    try {
      text = utf8.decode(read.value)
    } catch {
      return refused(errorResponse(new InvalidInput({ field: "body", reason: "is not valid UTF-8" })))
    }
    if (text.trim() !== "") {
      if (jsonDepth(text) > MAX_JSON_DEPTH) {
        return refused(errorResponse(new InvalidInput({ field: "body", reason: `is nested deeper than ${MAX_JSON_DEPTH} levels` })))
      }
      let parsed: unknown
      try {
        parsed = JSON.parse(text)
      } catch {
        return refused(errorResponse(new InvalidInput({ field: "body", reason: "is not valid JSON" })))
      }
      const problem = jsonProblem(parsed)
      if (problem) return refused(errorResponse(problem))
    }
    // The body stream is read: the routes get the same request with its text kept (json and text read it).
    const kept = Object.create(req) as HttpServerRequest.HttpServerRequest
    Object.defineProperty(kept, "text", { value: Effect.succeed(text) })
    return checked(kept)
  })

import { Schema, SchemaAST } from "effect"

// A job's option form is drawn from the job's own schema (the one the API decodes the request with): a new option
// appears in the console without a line here, its default is the schema's.

export interface OptionField {
  readonly name: string
  /** `several`: a list of choices (checkboxes). */
  readonly kind: "number" | "boolean" | "choice" | "several" | "text"
  /** An empty input sends null (no limit, every depth, …). */
  readonly nullable: boolean
  readonly choices: ReadonlyArray<string>
  readonly initial: unknown
}

const members = (ast: SchemaAST.AST): ReadonlyArray<SchemaAST.AST> =>
  SchemaAST.isUnion(ast) ? ast.types.flatMap(members) : [ast]

const literals = (types: ReadonlyArray<SchemaAST.AST>) =>
  types.flatMap((t) => (SchemaAST.isLiteral(t) && typeof t.literal === "string" ? [t.literal] : []))

export type OptionValue = string | boolean | ReadonlyArray<string>

export const optionFields = <A, I extends object>(schema: Schema.Schema<A, I>): ReadonlyArray<OptionField> => {
  const defaults = Schema.decodeUnknownSync(schema)({}) as Record<string, unknown>
  const ast = Schema.encodedSchema(schema).ast
  if (!SchemaAST.isTypeLiteral(ast)) return []
  return ast.propertySignatures.map((p) => {
    const types = members(p.type).filter((t) => !SchemaAST.isUndefinedKeyword(t))
    const list = types.find(SchemaAST.isTupleType)?.rest[0]?.type
    const choices = literals(list === undefined ? types : members(list))
    // A number that also takes words (concurrency: 10 or auto) is a number field offering those words.
    const kind = list !== undefined ? "several" : types.some(SchemaAST.isNumberKeyword) ? "number" : choices.length > 0 ? "choice" : types.some(SchemaAST.isBooleanKeyword) ? "boolean" : "text"
    return { name: String(p.name), kind, nullable: types.some((t) => SchemaAST.isLiteral(t) && t.literal === null), choices, initial: defaults[String(p.name)] }
  })
}

/** The request body from the form's text values: only what differs from the defaults is sent. */
export const payloadOf = (fields: ReadonlyArray<OptionField>, values: Readonly<Record<string, OptionValue>>) => {
  const payload: Record<string, unknown> = {}
  for (const f of fields) {
    const v = values[f.name]
    if (v === undefined || (Array.isArray(v) && v.length === 0)) continue
    const value = f.kind === "boolean" || f.kind === "several" ? v : v === "" ? (f.nullable ? null : undefined) : f.kind === "number" && !f.choices.includes(String(v).trim()) ? Number(v) : f.kind === "number" ? String(v).trim() : v
    if (value !== undefined && value !== f.initial) payload[f.name] = value
  }
  return payload
}

/** The form's first values: the schema's defaults. */
export const initialValues = (fields: ReadonlyArray<OptionField>): Record<string, OptionValue> =>
  Object.fromEntries(fields.map((f) => [
    f.name,
    f.kind === "boolean" ? f.initial === true : f.kind === "several" ? (f.initial as ReadonlyArray<string> | undefined) ?? [] : f.initial === null || f.initial === undefined ? "" : String(f.initial)
  ]))

import { Schema, SchemaAST } from "effect"

// A job's option form is drawn from the job's own schema (the one the API decodes the request with): a new option
// appears in the console without a line here, its default is the schema's.

export interface OptionField {
  readonly name: string
  readonly kind: "number" | "boolean" | "choice" | "text"
  /** An empty input sends null (no limit, every depth, …). */
  readonly nullable: boolean
  readonly choices: ReadonlyArray<string>
  readonly initial: unknown
}

const members = (ast: SchemaAST.AST): ReadonlyArray<SchemaAST.AST> =>
  SchemaAST.isUnion(ast) ? ast.types.flatMap(members) : [ast]

export const optionFields = <A, I extends object>(schema: Schema.Schema<A, I>): ReadonlyArray<OptionField> => {
  const defaults = Schema.decodeUnknownSync(schema)({}) as Record<string, unknown>
  const ast = Schema.encodedSchema(schema).ast
  if (!SchemaAST.isTypeLiteral(ast)) return []
  return ast.propertySignatures.map((p) => {
    const types = members(p.type).filter((t) => !SchemaAST.isUndefinedKeyword(t))
    const choices = types.flatMap((t) => (SchemaAST.isLiteral(t) && typeof t.literal === "string" ? [t.literal] : []))
    const kind = choices.length > 0 ? "choice" : types.some(SchemaAST.isNumberKeyword) ? "number" : types.some(SchemaAST.isBooleanKeyword) ? "boolean" : "text"
    return { name: String(p.name), kind, nullable: types.some((t) => SchemaAST.isLiteral(t) && t.literal === null), choices, initial: defaults[String(p.name)] }
  })
}

/** The request body from the form's text values: only what differs from the defaults is sent. */
export const payloadOf = (fields: ReadonlyArray<OptionField>, values: Readonly<Record<string, string | boolean>>) => {
  const payload: Record<string, unknown> = {}
  for (const f of fields) {
    const v = values[f.name]
    if (v === undefined) continue
    const value = f.kind === "boolean" ? v === true : f.kind === "number" ? (v === "" ? (f.nullable ? null : undefined) : Number(v)) : v
    if (value !== undefined && value !== f.initial) payload[f.name] = value
  }
  return payload
}

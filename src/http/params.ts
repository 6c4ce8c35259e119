import { Schema } from "effect"

// Numbers in paths and query strings, spelt strictly: decimal digits only (not " 1", "0x10", "1e3" or "Infinity"),
// within range (an id fits PostgreSQL's integer), documented as the numbers they are.

/** The largest id a PostgreSQL `integer` column holds. */
export const MAX_ID = 2_147_483_647

const decimal = Schema.String.pipe(Schema.pattern(/^(0|[1-9][0-9]{0,15})$/, { message: () => "must be a decimal integer" }))
const number = Schema.String.pipe(
  Schema.pattern(/^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/, { message: () => "must be a decimal number" })
)

/** A decimal integer in `[min, max]`. */
export const IntParam = (min: number, max: number) =>
  Schema.compose(decimal, Schema.NumberFromString).pipe(
    Schema.int(),
    Schema.between(min, max, { message: () => `must be between ${min} and ${max}` })
  ).annotations({ jsonSchema: { type: "integer", minimum: min, maximum: max } })

/** An id: a decimal integer from 1 to 2,147,483,647. */
export const IdParam = IntParam(1, MAX_ID)

/** A finite decimal number, at least `min`. */
export const NumberParam = (min: number) =>
  Schema.compose(number, Schema.NumberFromString).pipe(
    Schema.finite(),
    Schema.greaterThanOrEqualTo(min, { message: () => `must be at least ${min}` })
  ).annotations({ jsonSchema: { type: "number", minimum: min } })

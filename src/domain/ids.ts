import { Schema } from "effect"

// Integer ids, branded per table so a LandId can never be passed where an ExpressionId is expected.
const id = <B extends string>(brand: B) => Schema.Int.pipe(Schema.positive(), Schema.brand(brand))

export const UserId = id("UserId")
export type UserId = typeof UserId.Type
export const TokenId = id("TokenId")
export type TokenId = typeof TokenId.Type
export const LandId = id("LandId")
export type LandId = typeof LandId.Type
export const WordId = id("WordId")
export type WordId = typeof WordId.Type
export const DomainId = id("DomainId")
export type DomainId = typeof DomainId.Type
export const ExpressionId = id("ExpressionId")
export type ExpressionId = typeof ExpressionId.Type
export const MediaId = id("MediaId")
export type MediaId = typeof MediaId.Type
export const JobId = id("JobId")
export type JobId = typeof JobId.Type

import { Schema } from "effect"
import { ExpressionId, LandId, TagId, TaggedContentId } from "./ids.js"

export class Tag extends Schema.Class<Tag>("Tag")({
  id: TagId,
  landId: LandId,
  parentId: Schema.NullOr(TagId),
  name: Schema.String,
  description: Schema.NullOr(Schema.String),
  color: Schema.NullOr(Schema.String),
  sorting: Schema.Int,
  createdAt: Schema.DateFromSelf
}) {}

/** A passage of an expression's readable text marked with a tag (character range in the readable Markdown). */
export class TaggedContent extends Schema.Class<TaggedContent>("TaggedContent")({
  id: TaggedContentId,
  tagId: TagId,
  expressionId: ExpressionId,
  text: Schema.String,
  fromChar: Schema.Int,
  toChar: Schema.Int,
  createdAt: Schema.DateFromSelf
}) {}

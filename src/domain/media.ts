import { Schema } from "effect"
import { ExpressionId, MediaId } from "./ids.js"

export const MediaType = Schema.Literal("image", "video", "audio")
export type MediaType = typeof MediaType.Type

export const DominantColor = Schema.Struct({ rgb: Schema.Tuple(Schema.Int, Schema.Int, Schema.Int), share: Schema.Number })

export class Media extends Schema.Class<Media>("Media")({
  id: MediaId,
  expressionId: ExpressionId,
  url: Schema.String,
  type: MediaType,
  alt: Schema.NullOr(Schema.String),
  mimeType: Schema.NullOr(Schema.String),
  width: Schema.NullOr(Schema.Int),
  height: Schema.NullOr(Schema.Int),
  fileSize: Schema.NullOr(Schema.Number),
  format: Schema.NullOr(Schema.String),
  colorMode: Schema.NullOr(Schema.String),
  channels: Schema.NullOr(Schema.Int),
  hasTransparency: Schema.NullOr(Schema.Boolean),
  aspectRatio: Schema.NullOr(Schema.Number),
  dominantColors: Schema.NullOr(Schema.Array(DominantColor)),
  websafeColors: Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.Number })),
  exif: Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  sha256: Schema.NullOr(Schema.String),
  phash: Schema.NullOr(Schema.String),
  analyzedAt: Schema.NullOr(Schema.DateFromSelf),
  analysisError: Schema.NullOr(Schema.String),
  createdAt: Schema.DateFromSelf
}) {}

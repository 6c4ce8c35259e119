import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"
import { type FetchFailure, failureReason } from "./fetch.js"
import type { ColorShare } from "./image-color.js"
import type { ExifSubset } from "./image-exif.js"
import { MediaType } from "./media.js"

/** What the analysis of one media file writes to its rows; unknown facts are null. */
export interface MediaFacts {
  /** The response's Content-Type (type/subtype), else the sniffed format's. */
  readonly mimeType: string | null
  readonly fileSize: number | null
  readonly sha256: string | null
  readonly format: string | null
  readonly width: number | null
  readonly height: number | null
  readonly colorMode: string | null
  readonly channels: number | null
  readonly hasTransparency: boolean | null
  readonly aspectRatio: number | null
  readonly dominantColors: ReadonlyArray<ColorShare> | null
  readonly websafeColors: Readonly<Record<string, number>> | null
  readonly exif: ExifSubset | null
  /** 64-bit DCT perceptual hash, 16 hex characters. */
  readonly phash: string | null
}

export const noFacts: MediaFacts = {
  mimeType: null,
  fileSize: null,
  sha256: null,
  format: null,
  width: null,
  height: null,
  colorMode: null,
  channels: null,
  hasTransparency: null,
  aspectRatio: null,
  dominantColors: null,
  websafeColors: null,
  exif: null,
  phash: null
}

// ---------------------------------------------------------------------------------------------------------------------
// Per-media failures: each ends as that media's `analysis_error`, never as a failed job.
// ---------------------------------------------------------------------------------------------------------------------

export class MediaHttpStatus extends Schema.TaggedError<MediaHttpStatus>()("MediaHttpStatus", {
  url: Schema.String,
  status: Schema.Int
}) {
  override get message() {
    return `${this.url} answered HTTP ${this.status}`
  }
}

const EXPECTED = { image: "an image", video: "a video", audio: "an audio file" } as const

/** The file is not of the kind the page said (an error page served in place of an image, a video that is HTML). */
export class WrongContentType extends Schema.TaggedError<WrongContentType>()("WrongContentType", {
  expected: MediaType,
  contentType: Schema.NullOr(Schema.String),
  html: Schema.Boolean
}) {
  override get message() {
    const served = this.contentType === null ? "without a Content-Type" : `as ${this.contentType}`
    return `expected ${EXPECTED[this.expected]}, got ${this.html ? "an HTML page" : "a file of unknown format"} served ${served}`
  }
}

export class UnsupportedImage extends Schema.TaggedError<UnsupportedImage>()("UnsupportedImage", {
  format: Schema.String
}) {
  override get message() {
    return `${this.format} images are not decoded`
  }
}

/** More pixels than allowed: a decompression bomb, or a picture too big to analyse safely. */
export class ImageTooLarge extends Schema.TaggedError<ImageTooLarge>()("ImageTooLarge", {
  width: Schema.Number,
  height: Schema.Number,
  limitPixels: Schema.Number
}) {
  override get message() {
    return `${this.width}×${this.height} pixels is over the ${this.limitPixels}-pixel limit`
  }
}

/** The decoder refused the file: corrupt, truncated, or too slow to decode. */
export class ImageUndecodable extends Schema.TaggedError<ImageUndecodable>()("ImageUndecodable", {
  format: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `cannot decode this ${this.format} file: ${this.reason}`
  }
}

export type ImageFailure = WrongContentType | UnsupportedImage | ImageTooLarge | ImageUndecodable

export type MediaFailure = FetchFailure | MediaHttpStatus | ImageFailure

/** The media's `analysis_error`: the failure kind, then what happened, on one line. */
export const mediaFailureReason = (f: MediaFailure): string =>
  f._tag === "NetworkError" ? failureReason(f) : `${f._tag}: ${f.message}`.replace(/\s+/g, " ").slice(0, 2000)

export class MediaNotFound extends Schema.TaggedError<MediaNotFound>()("MediaNotFound", { id: Schema.Number }, HttpApiSchema.annotations({
  status: 404
})) {
  override get message() {
    return `no media with id ${this.id}`
  }
}

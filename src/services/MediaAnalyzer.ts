import { Config, Context, Effect, Layer } from "effect"
import exifr from "exifr"
import * as crypto from "node:crypto"
import * as os from "node:os"
import sharp from "sharp"
import { parseContentType } from "../domain/fetch.js"
import { dominantColors, websafePalette } from "../domain/image-color.js"
import { EXIF_TAGS, exifSubset } from "../domain/image-exif.js"
import { aspectRatio, colorMode, type DecodableFormat, FORMAT_MIME, sniffImage, svgSize } from "../domain/image-format.js"
import { greyForHash, phash, PHASH_SIZE } from "../domain/image-hash.js"
import { positiveInt, settingsLayer } from "./config.js"
import {
  type ImageFailure,
  ImageTooLarge,
  ImageUndecodable,
  type MediaFacts,
  noFacts,
  UnsupportedImage,
  WrongContentType
} from "../domain/media-analysis.js"

export interface MediaAnalyzerSettings {
  /** Images declaring more pixels are refused before decoding (`MWI_MEDIA_MAX_PIXELS`, 50 000 000). */
  readonly maxPixels: number
  /** Images decoded at once (`MWI_MEDIA_WORKERS`, the number of CPUs). */
  readonly workers: number
  /** Longest decode of one image (`MWI_MEDIA_DECODE_TIMEOUT_S`, 20). */
  readonly decodeTimeoutSeconds: number
}

const settingsConfig: Config.Config<MediaAnalyzerSettings> = Config.all({
  maxPixels: positiveInt("MWI_MEDIA_MAX_PIXELS", 50_000_000),
  workers: positiveInt("MWI_MEDIA_WORKERS", os.availableParallelism()),
  decodeTimeoutSeconds: positiveInt("MWI_MEDIA_DECODE_TIMEOUT_S", 20)
})

export class MediaAnalyzerConfig extends Context.Tag("mwi/MediaAnalyzerConfig")<MediaAnalyzerConfig, MediaAnalyzerSettings>() {
  /** Settings from `Config` (environment), with explicit overrides on top. */
  static readonly layer = settingsLayer(MediaAnalyzerConfig, settingsConfig)

  static readonly Default = MediaAnalyzerConfig.layer()
}

/** Side of the square RGBA sample both the colours and the hash are computed from (a multiple of PHASH_SIZE). */
const SAMPLE = PHASH_SIZE * 2

/** The MIME type of a Content-Type header (no parameters), or null when absent or malformed. */
export const mimeOf = (contentType: string | null): string | null => parseContentType(contentType ?? undefined)?.mime ?? null

/** What is known of any downloaded file, decodable or not: its type as served, its size and its SHA-256. */
export const fileFacts = (bytes: Uint8Array, contentType: string | null): MediaFacts => ({
  ...noFacts,
  mimeType: mimeOf(contentType),
  fileSize: bytes.length,
  sha256: crypto.createHash("sha256").update(bytes).digest("hex")
})

const describe = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause)).replace(/\s+/g, " ").trim()

// sharp hands the raw EXIF block with its APP1 "Exif\0\0" prefix; exifr reads the TIFF structure after it.
const EXIF_PREFIX = Buffer.from("Exif\0\0", "latin1")

const readExif = (block: Buffer) =>
  Effect.tryPromise(() =>
    exifr.parse(block.subarray(0, 6).equals(EXIF_PREFIX) ? block.subarray(6) : block, {
      pick: [...EXIF_TAGS],
      gps: true,
      reviveValues: false
    }) as Promise<Record<string, unknown> | undefined>
  ).pipe(
    Effect.map(exifSubset),
    // A damaged EXIF block loses the camera details, not the image.
    Effect.orElseSucceed(() => null)
  )

/**
 * Image analysis from the file's bytes: what it is (sniffed, not as served), its size and colour layout, dominant
 * colours, EXIF subset, SHA-256 and perceptual hash. Safety: only raster formats recognised by their magic number reach
 * the decoder; SVG is never rendered (its declared size is read from the markup); the pixel count declared in the
 * header is checked before decoding and sharp enforces it again; decoding reads sequentially, fails on truncated or
 * broken data, is timed out, and at most `workers` images are decoded at once.
 */
export class MediaAnalyzer extends Effect.Service<MediaAnalyzer>()("mwi/MediaAnalyzer", {
  effect: Effect.gen(function*() {
    const settings = yield* MediaAnalyzerConfig
    const decoding = yield* Effect.makeSemaphore(settings.workers)

    const decode = (bytes: Buffer, format: DecodableFormat, file: MediaFacts) =>
      Effect.gen(function*() {
        const undecodable = (cause: unknown) => new ImageUndecodable({ format, reason: describe(cause) })
        // The header alone, without the limit, so that a refusal can say what the file declares.
        const header = yield* Effect.tryPromise({
          try: () => sharp(bytes, { limitInputPixels: false, autoOrient: true }).metadata(),
          catch: undecodable
        })
        const { height, width } = header.autoOrient
        if (width * height > settings.maxPixels) {
          return yield* new ImageTooLarge({ width, height, limitPixels: settings.maxPixels })
        }
        const input = sharp(bytes, {
          limitInputPixels: settings.maxPixels,
          sequentialRead: true,
          autoOrient: true,
          // Truncated or broken pixel data fails; mere decoder warnings (stray bytes, common in camera JPEGs) do not.
          failOn: "error"
        }).timeout({ seconds: settings.decodeTimeoutSeconds })
        const [sample, opaque] = yield* Effect.tryPromise({
          try: () =>
            Promise.all([
              // A triangle filter: no ringing, so the sample holds no colour the image does not have.
              input.clone().toColourspace("srgb").ensureAlpha()
                .resize(SAMPLE, SAMPLE, { fit: "fill", kernel: "linear" }).raw().toBuffer(),
              // Transparency is a property of the full image: a single clear pixel would vanish in the sample.
              header.hasAlpha ? input.clone().stats().then((s) => s.isOpaque) : Promise.resolve(true)
            ]),
          catch: undecodable
        })
        const exif = header.exif === undefined ? null : yield* readExif(header.exif)
        const colors = dominantColors(sample)
        return {
          ...file,
          mimeType: file.mimeType ?? FORMAT_MIME[format],
          format: format === "heif" && header.compression === "av1" ? "avif" : format,
          width,
          height,
          colorMode: colorMode(header.space, header.hasAlpha, header.isPalette),
          channels: header.channels,
          hasTransparency: header.hasAlpha && !opaque,
          aspectRatio: aspectRatio(width, height),
          dominantColors: colors,
          websafeColors: websafePalette(colors),
          exif,
          phash: phash(greyForHash(sample, SAMPLE))
        } satisfies MediaFacts
      })

    /** Analyses an image file; `contentType` is the response's header, kept as the MIME type when present. */
    const image = (bytes: Uint8Array, contentType: string | null): Effect.Effect<MediaFacts, ImageFailure> =>
      Effect.suspend((): Effect.Effect<MediaFacts, ImageFailure> => {
        const file = fileFacts(bytes, contentType)
        const sniffed = sniffImage(bytes)
        switch (sniffed._tag) {
          case "Svg": {
            const { height, width } = svgSize(bytes)
            return Effect.succeed({
              ...file,
              mimeType: file.mimeType ?? FORMAT_MIME.svg,
              format: "svg",
              width,
              height,
              aspectRatio: aspectRatio(width, height)
            })
          }
          case "Undecodable":
            return Effect.fail(new UnsupportedImage({ format: sniffed.format }))
          case "Unknown":
            return Effect.fail(new WrongContentType({ expected: "image", contentType: file.mimeType, html: sniffed.html }))
          case "Raster":
            return decoding.withPermits(1)(decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), sniffed.format, file))
        }
      }).pipe(Effect.withSpan("MediaAnalyzer.image", { attributes: { bytes: bytes.length } }))

    return { settings, image } as const
  }),
  dependencies: [MediaAnalyzerConfig.Default]
}) {
  /** `MediaAnalyzer.Default` with explicit settings; unset values still come from `Config`. */
  static readonly layer = (overrides: Partial<MediaAnalyzerSettings> = {}) =>
    MediaAnalyzer.DefaultWithoutDependencies.pipe(Layer.provide(MediaAnalyzerConfig.layer(overrides)))
}

import { assert, describe, expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import sharp, { type Sharp } from "sharp"
import { MediaAnalyzer } from "../src/services/MediaAnalyzer.js"
import { drawn, scene } from "./support/images.js"

const encode = (image: Sharp) => Effect.promise(() => image.toBuffer())

describe("MediaAnalyzer", () => {
  layer(MediaAnalyzer.layer({ maxPixels: 1_000_000 }))((it) => {
    it.effect("reports the displayed size of a photo turned by its EXIF orientation", () =>
      Effect.gen(function*() {
        const analyzer = yield* MediaAnalyzer
        const turned = yield* encode(scene(80, 40, 1).withMetadata({ orientation: 6 }).jpeg())
        const facts = yield* analyzer.image(turned, "image/jpeg")
        assert.deepInclude(facts, { width: 40, height: 80, aspectRatio: 0.5 })
      }))

    it.effect("names palette, 16-bit, CMYK and WebP images; reads EXIF from WebP too", () =>
      Effect.gen(function*() {
        const analyzer = yield* MediaAnalyzer
        const palette = yield* analyzer.image(yield* encode(scene(50, 50, 2).png({ palette: true })), null)
        assert.deepInclude(palette, { format: "png", colorMode: "P", mimeType: "image/png" })
        const deep = yield* analyzer.image(yield* encode(scene(50, 50, 2).toColourspace("rgb16").png()), null)
        assert.deepInclude(deep, { colorMode: "RGB", channels: 3 })
        const cmyk = yield* analyzer.image(yield* encode(drawn(40, 40, 3, () => [255, 0, 0]).toColourspace("cmyk").jpeg()), null)
        assert.deepInclude(cmyk, { colorMode: "CMYK", channels: 4 })
        expect(cmyk.dominantColors![0]!.rgb[0]).toBeGreaterThan(200)
        const webp = yield* analyzer.image(yield* encode(scene(60, 30, 3).withExif({ IFD0: { Make: "Fuji", Model: "X100" } }).webp()), "image/webp")
        assert.deepInclude(webp, { format: "webp", exif: { make: "Fuji", model: "X100" } })
      }))

    it.effect("analyses the first frame of an animated GIF", () =>
      Effect.gen(function*() {
        const analyzer = yield* MediaAnalyzer
        const frames = yield* encode(sharp([
          yield* encode(drawn(30, 20, 3, () => [0, 0, 255]).png()),
          yield* encode(drawn(30, 20, 3, () => [255, 255, 0]).png())
        ], { join: { animated: true } }).gif())
        const facts = yield* analyzer.image(frames, "image/gif")
        assert.deepInclude(facts, { format: "gif", width: 30, height: 20 })
        assert.deepStrictEqual(facts.dominantColors!.map((c) => c.rgb), [[0, 0, 255]])
      }))

    it.effect("refuses what is over the pixel limit, BMP files, and what is not an image", () =>
      Effect.gen(function*() {
        const analyzer = yield* MediaAnalyzer
        const big = yield* Effect.flip(analyzer.image(yield* encode(drawn(1001, 1000, 3, () => [1, 2, 3]).png()), null))
        assert.strictEqual(big.message, "1001×1000 pixels is over the 1000000-pixel limit")
        const bmp = Buffer.alloc(64)
        bmp.write("BM", 0, "latin1")
        const unsupported = yield* Effect.flip(analyzer.image(bmp, "image/bmp"))
        assert.strictEqual(unsupported._tag, "UnsupportedImage")
        const text = yield* Effect.flip(analyzer.image(Buffer.from("hello"), "application/octet-stream"))
        assert.strictEqual(text.message, "expected an image, got a file of unknown format served as application/octet-stream")
      }))
  })
})

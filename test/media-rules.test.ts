import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { dominantColors, websafe, websafePalette } from "../src/domain/image-color.js"
import { exifSubset } from "../src/domain/image-exif.js"
import { aspectRatio, colorMode, sniffImage, svgSize } from "../src/domain/image-format.js"
import { greyForHash, hammingDistance, phash } from "../src/domain/image-hash.js"

type Rgba = readonly [number, number, number, number]

const pixels = (list: ReadonlyArray<readonly [Rgba, number]>) => {
  const out: Array<number> = []
  for (const [px, n] of list) for (let i = 0; i < n; i++) out.push(...px)
  return Uint8Array.from(out)
}

/** A square RGBA image drawn by a function of (x, y) in 0..1. */
const draw = (side: number, f: (x: number, y: number) => number): Uint8Array => {
  const out = new Uint8Array(side * side * 4)
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const v = Math.max(0, Math.min(255, Math.round(f(x / side, y / side))))
      out.set([v, v, v, 255], (y * side + x) * 4)
    }
  }
  return out
}

describe("dominant colours", () => {
  it("finds the exact colours and shares of a two-colour image", () => {
    const rgba = pixels([[[250, 10, 5, 255], 3072], [[10, 20, 240, 255], 1024]])
    expect(dominantColors(rgba)).toEqual([{ rgb: [250, 10, 5], share: 0.75 }, { rgb: [10, 20, 240], share: 0.25 }])
  })

  it("ignores pixels less than half opaque; a fully transparent image has none", () => {
    const rgba = pixels([[[0, 0, 0, 0], 500], [[0, 0, 0, 100], 100], [[0, 200, 0, 255], 100]])
    expect(dominantColors(rgba)).toEqual([{ rgb: [0, 200, 0], share: 1 }])
    expect(dominantColors(pixels([[[9, 9, 9, 0], 64]]))).toEqual([])
  })

  it("clusters many colours into at most five, shares summing to one, largest first", () => {
    const rgba = new Uint8Array(64 * 64 * 4)
    for (let i = 0; i < 64 * 64; i++) rgba.set([(i * 37) % 256, (i * 91) % 256, (i * 13) % 256, 255], i * 4)
    const colors = dominantColors(rgba)
    expect(colors.length).toBe(5)
    expect(colors.reduce((s, c) => s + c.share, 0)).toBeCloseTo(1, 3)
    for (let i = 1; i < colors.length; i++) expect(colors[i - 1]!.share).toBeGreaterThanOrEqual(colors[i]!.share)
  })

  it("is deterministic and does not depend on the order of the pixels", () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 300 }),
      fc.integer(),
      (colors, seed) => {
        const rgba = Uint8Array.from(colors.flatMap(([r, g, b]) => [r, g, b, 255]))
        const shuffled = [...colors].map((c, i) => [c, (i * 2654435761 + seed) % 1000] as const).sort((a, b) => a[1] - b[1]).map(([c]) => c)
        const again = Uint8Array.from(shuffled.flatMap(([r, g, b]) => [r, g, b, 255]))
        expect(dominantColors(again)).toEqual(dominantColors(rgba))
      }
    ), { numRuns: 50 })
  })
})

describe("web-safe palette", () => {
  it("snaps each channel to the nearest of 0, 51, … 255 and sums the shares of colours that meet", () => {
    expect(websafe([250, 10, 5])).toBe("#ff0000")
    expect(websafe([25, 26, 128])).toBe("#003399")
    expect(websafePalette([
      { rgb: [250, 10, 5], share: 0.5 },
      { rgb: [10, 20, 240], share: 0.3 },
      { rgb: [240, 20, 20], share: 0.2 }
    ])).toEqual({ "#ff0000": 0.7, "#0000ff": 0.3 })
  })
})

describe("perceptual hash", () => {
  const scene = (x: number, y: number) => 128 + 100 * Math.sin(6 * x) * Math.cos(4 * y) + (x > 0.6 && y < 0.4 ? 60 : 0)

  it("is 16 hex characters; the same picture at another size or with noise is a few bits away", () => {
    const base = phash(greyForHash(draw(64, scene), 64))
    expect(base).toMatch(/^[0-9a-f]{16}$/)
    const bigger = phash(greyForHash(draw(128, scene), 128))
    expect(hammingDistance(base, bigger)).toBeLessThanOrEqual(4)
    const noisy = phash(greyForHash(draw(64, (x, y) => scene(x, y) + ((x * 977 + y * 131) % 1 < 0.5 ? 6 : -6)), 64))
    expect(hammingDistance(base, noisy)).toBeLessThanOrEqual(6)
  })

  it("tells different pictures apart", () => {
    const a = phash(greyForHash(draw(64, scene), 64))
    const b = phash(greyForHash(draw(64, (x, y) => 128 + 120 * Math.cos(9 * (x + y))), 64))
    expect(hammingDistance(a, b)).toBeGreaterThan(20)
    expect(phash(greyForHash(draw(64, (x, y) => 255 - scene(x, y)), 64))).not.toBe(a)
  })

  it("counts differing bits", () => {
    expect(hammingDistance("0000000000000000", "ffffffffffffffff")).toBe(64)
    expect(hammingDistance("8000000000000001", "0000000000000000")).toBe(2)
    expect(() => hammingDistance("xyz", "0000000000000000")).toThrow(RangeError)
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (a, b) => {
      const hex = (n: bigint) => n.toString(16).padStart(16, "0")
      const expected = (a ^ b).toString(2).split("").filter((c) => c === "1").length
      expect(hammingDistance(hex(a), hex(b))).toBe(expected)
    }))
  })

  it("lays transparency over white", () => {
    const clear = new Uint8Array(64 * 64 * 4)
    expect([...new Set(greyForHash(clear, 64))]).toEqual([255])
  })
})

describe("EXIF subset", () => {
  it("keeps make, model, the capture date as written and a GPS position", () => {
    expect(exifSubset({
      Make: "NIKON CORPORATION\u0000\u0000",
      Model: " D750 ",
      DateTimeOriginal: "2020:01:02 03:04:05",
      OffsetTimeOriginal: "+02:00",
      ModifyDate: "2021:05:04 10:20:30",
      latitude: 48.856666666,
      longitude: 2.35
    })).toEqual({ make: "NIKON CORPORATION", model: "D750", dateTaken: "2020-01-02T03:04:05+02:00", latitude: 48.856667, longitude: 2.35 })
  })

  it("falls back to the file's dates, drops 0,0 positions and empty values, and is null when nothing is left", () => {
    expect(exifSubset({ ModifyDate: "2021:05:04 10:20:30", latitude: 0, longitude: 0 })).toEqual({ dateTaken: "2021-05-04T10:20:30" })
    expect(exifSubset({ Make: "\u0000", DateTimeOriginal: "0000:00:00 00:00:00", latitude: 91, longitude: 3 })).toBeNull()
    expect(exifSubset(undefined)).toBeNull()
  })
})

describe("formats", () => {
  it("sniffs formats by their magic numbers, not by what the server says", () => {
    const bytes = (...b: Array<number>) => Uint8Array.from([...b, ...new Array(40).fill(0)])
    const text = (s: string) => new TextEncoder().encode(s)
    expect(sniffImage(bytes(0xff, 0xd8, 0xff, 0xe0))).toEqual({ _tag: "Raster", format: "jpeg" })
    expect(sniffImage(bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a))).toEqual({ _tag: "Raster", format: "png" })
    expect(sniffImage(text("GIF89a......"))).toEqual({ _tag: "Raster", format: "gif" })
    expect(sniffImage(text("RIFF\u0000\u0000\u0000\u0000WEBPVP8 "))).toEqual({ _tag: "Raster", format: "webp" })
    expect(sniffImage(text("\u0000\u0000\u0000\u001cftypavif"))).toEqual({ _tag: "Raster", format: "avif" })
    expect(sniffImage(text("BM" + " ".repeat(40)))).toEqual({ _tag: "Undecodable", format: "bmp" })
    expect(sniffImage(text(`<?xml version="1.0"?>\n<!-- drawn by hand -->\n<svg xmlns="http://www.w3.org/2000/svg"/>`))).toEqual({ _tag: "Svg" })
    expect(sniffImage(text("\ufeff<!DOCTYPE html><html><body>not found</body></html>"))).toEqual({ _tag: "Unknown", html: true })
    expect(sniffImage(text("just some bytes"))).toEqual({ _tag: "Unknown", html: false })
  })

  it("reads an SVG's declared size without rendering it", () => {
    const text = (s: string) => new TextEncoder().encode(s)
    expect(svgSize(text(`<svg width="120px" height='80'></svg>`))).toEqual({ width: 120, height: 80 })
    expect(svgSize(text(`<svg viewBox="0 0 300 150" width="100%"></svg>`))).toEqual({ width: 300, height: 150 })
    expect(svgSize(text(`<svg width="50%"></svg>`))).toEqual({ width: null, height: null })
  })

  it("names colour modes as the legacy tool did; aspect ratio to two decimals", () => {
    expect(colorMode("srgb", false, false)).toBe("RGB")
    expect(colorMode("srgb", true, false)).toBe("RGBA")
    expect(colorMode("b-w", false, false)).toBe("L")
    expect(colorMode("srgb", true, true)).toBe("P")
    expect(colorMode("cmyk", false, false)).toBe("CMYK")
    expect(colorMode("lab", false, false)).toBe("LAB")
    expect(aspectRatio(1920, 1080)).toBe(1.78)
    expect(aspectRatio(null, 10)).toBeNull()
  })
})

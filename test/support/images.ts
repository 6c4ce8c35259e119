import * as zlib from "node:zlib"
import sharp from "sharp"

type Pixel = readonly [number, number, number] | readonly [number, number, number, number]

/** An image drawn pixel by pixel (RGB, or RGBA when `channels` is 4), as a sharp pipeline to encode. */
export const drawn = (width: number, height: number, channels: 3 | 4, pixel: (x: number, y: number) => Pixel) => {
  const data = Buffer.alloc(width * height * channels)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = pixel(x, y)
      for (let c = 0; c < channels; c++) data[(y * width + x) * channels + c] = Math.max(0, Math.min(255, Math.round(p[c] ?? 255)))
    }
  }
  return sharp(data, { raw: { width, height, channels } })
}

/** A photograph-like picture: smooth shading and a few shapes, different for each `seed`. */
export const scene = (width: number, height: number, seed: number) =>
  drawn(width, height, 3, (px, py) => {
    const x = px / width
    const y = py / height
    const wave = Math.sin((3 + seed) * x + seed) * Math.cos((2 + (seed % 3)) * y * 3)
    const disc = (x - 0.3 - 0.1 * (seed % 4)) ** 2 + (y - 0.5) ** 2 < 0.04 ? 80 : 0
    const bar = y > 0.7 && x > 0.5 ? -70 : 0
    const base = 120 + 90 * wave + disc + bar
    return [base, base * 0.8 + 30 * seed, 255 - base]
  })

/** `left` fills the first three quarters of the width, `right` the last quarter. */
export const twoColours = (width: number, height: number, left: Pixel, right: Pixel) =>
  drawn(width, height, 3, (x) => (x < (width * 3) / 4 ? left : right))

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

const crc32 = (bytes: Uint8Array) => {
  let c = 0xffffffff
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

const chunk = (type: string, data: Buffer) => {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, "latin1"), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

/**
 * A decompression bomb: a valid PNG header declaring `width`×`height` RGB pixels, followed by a little compressed
 * data. Decoding it would allocate gigabytes; a few hundred bytes on the wire.
 */
export const bombPng = (width: number, height: number) => {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header[8] = 8
  header[9] = 2
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", zlib.deflateSync(Buffer.alloc(64 * 1024))),
    chunk("IEND", Buffer.alloc(0))
  ])
}

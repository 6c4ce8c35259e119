// A 64-bit perceptual hash (DCT pHash): images that look alike have hashes a few bits apart, whatever their size,
// format or compression. SHA-256 only finds byte-identical files.

/** Side of the greyscale square the hash is computed on. */
export const PHASH_SIZE = 32
const LOW = 8

// cos((2x + 1)uπ / 2N) for the 8 lowest frequencies u, the only DCT coefficients the hash uses.
const COS = (() => {
  const table = new Float64Array(LOW * PHASH_SIZE)
  for (let u = 0; u < LOW; u++) {
    for (let x = 0; x < PHASH_SIZE; x++) table[u * PHASH_SIZE + x] = Math.cos(((2 * x + 1) * u * Math.PI) / (2 * PHASH_SIZE))
  }
  return table
})()

/**
 * The pHash of a 32×32 greyscale image (row-major, one byte per pixel): the 8×8 lowest frequencies of its 2-D DCT-II,
 * each bit set when its coefficient is above their median, row by row from the DC term, as 16 hex characters.
 */
export const phash = (grey: Uint8Array): string => {
  if (grey.length !== PHASH_SIZE * PHASH_SIZE) throw new RangeError(`pHash needs ${PHASH_SIZE}×${PHASH_SIZE} pixels`)
  // Separable DCT: along each row first (column frequency v), then down the columns (row frequency u).
  const rows = new Float64Array(PHASH_SIZE * LOW)
  for (let y = 0; y < PHASH_SIZE; y++) {
    for (let v = 0; v < LOW; v++) {
      let sum = 0
      for (let x = 0; x < PHASH_SIZE; x++) sum += COS[v * PHASH_SIZE + x]! * grey[y * PHASH_SIZE + x]!
      rows[y * LOW + v] = sum
    }
  }
  const coefficients = new Float64Array(LOW * LOW)
  for (let u = 0; u < LOW; u++) {
    for (let v = 0; v < LOW; v++) {
      let sum = 0
      for (let y = 0; y < PHASH_SIZE; y++) sum += COS[u * PHASH_SIZE + y]! * rows[y * LOW + v]!
      coefficients[u * LOW + v] = sum
    }
  }
  const sorted = Float64Array.from(coefficients).sort()
  const median = (sorted[31]! + sorted[32]!) / 2
  let hex = ""
  for (let nibble = 0; nibble < 16; nibble++) {
    let value = 0
    for (let bit = 0; bit < 4; bit++) value = (value << 1) | (coefficients[nibble * 4 + bit]! > median ? 1 : 0)
    hex += value.toString(16)
  }
  return hex
}

/** Luma (ITU-R BT.601) of an RGBA pixel laid over white, so transparent areas hash like the page behind them. */
const lumaOverWhite = (rgba: Uint8Array, i: number) => {
  const a = rgba[i + 3]! / 255
  return (0.299 * rgba[i]! + 0.587 * rgba[i + 1]! + 0.114 * rgba[i + 2]!) * a + 255 * (1 - a)
}

/** The 32×32 greyscale input of `phash` from a square RGBA buffer whose side is a multiple of 32 (box average). */
export const greyForHash = (rgba: Uint8Array, side: number): Uint8Array => {
  const factor = side / PHASH_SIZE
  if (!Number.isInteger(factor) || rgba.length !== side * side * 4) throw new RangeError(`needs a square RGBA buffer, side a multiple of ${PHASH_SIZE}`)
  const grey = new Uint8Array(PHASH_SIZE * PHASH_SIZE)
  for (let y = 0; y < PHASH_SIZE; y++) {
    for (let x = 0; x < PHASH_SIZE; x++) {
      let sum = 0
      for (let dy = 0; dy < factor; dy++) {
        for (let dx = 0; dx < factor; dx++) sum += lumaOverWhite(rgba, ((y * factor + dy) * side + x * factor + dx) * 4)
      }
      grey[y * PHASH_SIZE + x] = Math.round(sum / (factor * factor))
    }
  }
  return grey
}

const PHASH_PATTERN = /^[0-9a-f]{16}$/

export const isPhash = (s: string): boolean => PHASH_PATTERN.test(s)

const POPCOUNT = Array.from({ length: 16 }, (_, n) => (n & 1) + ((n >> 1) & 1) + ((n >> 2) & 1) + ((n >> 3) & 1))

/** Bits that differ between two 64-bit hashes written as 16 hex characters (0 = same picture, 64 = opposite). */
export const hammingDistance = (a: string, b: string): number => {
  if (!isPhash(a) || !isPhash(b)) throw new RangeError("hashes must be 16 lower-case hex characters")
  let distance = 0
  for (let i = 0; i < 16; i++) distance += POPCOUNT[parseInt(a[i]!, 16) ^ parseInt(b[i]!, 16)]!
  return distance
}

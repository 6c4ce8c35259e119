/**
 * Vectors as stored: float32, little-endian, L2-normalised, so that the dot product of two vectors of one model is
 * their cosine similarity.
 */

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/** Scales a vector to length 1 in place (a zero vector stays zero) and returns it. */
export const normalise = (v: Float32Array): Float32Array => {
  let sum = 0
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!
  if (sum > 0) {
    const scale = 1 / Math.sqrt(sum)
    for (let i = 0; i < v.length; i++) v[i] = v[i]! * scale
  }
  return v
}

export const dot = (a: Float32Array, b: Float32Array): number => {
  let sum = 0
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) sum += a[i]! * b[i]!
  return sum
}

/** Vectors of one dimension laid end to end in one array: the form a batch search or an index's add takes. */
export const endToEnd = (vectors: ReadonlyArray<Float32Array>): Float32Array => {
  const dimension = vectors[0]?.length ?? 0
  const flat = new Float32Array(vectors.length * dimension)
  vectors.forEach((v, i) => flat.set(v, i * dimension))
  return flat
}

// A packed vector: u16 dimension, u8 count of distinct magnitudes, a bitmap of the non-zero coordinates, the
// magnitudes (float32 bits), then a byte per non-zero coordinate: its magnitude's index, its sign in the high bit.
// Padded so that its length is never a multiple of 4, which a float32 vector's always is.
const PACKED_HEADER = 3
const MAX_MAGNITUDES = 127

/** Magnitudes and codes of a vector, when it has few distinct magnitudes (`hash` vectors: about 30 of 512). */
const magnitudesOf = (bits: Uint32Array) => {
  const magnitudes = new Uint32Array(MAX_MAGNITUDES)
  const codes = new Uint8Array(bits.length)
  let count = 0
  let nonZero = 0
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i]!
    if (b === 0) continue
    const magnitude = b & 0x7fffffff
    let m = 0
    while (m < count && magnitudes[m] !== magnitude) m++
    if (m === count) {
      if (count === MAX_MAGNITUDES) return null
      magnitudes[count++] = magnitude
    }
    codes[nonZero++] = m | (b >>> 24 & 0x80)
  }
  return { magnitudes: magnitudes.subarray(0, count), codes: codes.subarray(0, nonZero) }
}

const pack = (v: Float32Array): Uint8Array | null => {
  const bits = new Uint32Array(v.buffer, v.byteOffset, v.length)
  const found = v.length > 0xffff ? null : magnitudesOf(bits)
  if (found === null) return null
  const bitmap = (v.length + 7) >> 3
  let length = PACKED_HEADER + bitmap + found.magnitudes.length * 4 + found.codes.length
  if (length % 4 === 0) length++
  if (length >= v.length * 4) return null
  const bytes = new Uint8Array(length)
  const view = new DataView(bytes.buffer)
  view.setUint16(0, v.length, true)
  bytes[2] = found.magnitudes.length
  for (let i = 0; i < bits.length; i++) if (bits[i] !== 0) bytes[PACKED_HEADER + (i >> 3)] |= 1 << (i & 7)
  let at = PACKED_HEADER + bitmap
  for (const m of found.magnitudes) {
    view.setUint32(at, m, true)
    at += 4
  }
  bytes.set(found.codes, at)
  return bytes
}

const unpack = (bytes: Uint8Array): Float32Array => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const dimension = view.getUint16(0, true)
  const count = bytes[2]!
  const bitmap = (dimension + 7) >> 3
  const magnitudes = Array.from({ length: count }, (_, m) => view.getUint32(PACKED_HEADER + bitmap + m * 4, true))
  const v = new Float32Array(dimension)
  const bits = new Uint32Array(v.buffer)
  let at = PACKED_HEADER + bitmap + count * 4
  for (let i = 0; i < dimension; i++) {
    if ((bytes[PACKED_HEADER + (i >> 3)]! & (1 << (i & 7))) === 0) continue
    const code = bytes[at++]!
    bits[i] = (magnitudes[code & 0x7f]! | (code & 0x80) << 24) >>> 0
  }
  return v
}

/**
 * The bytes stored for a vector (bytea): packed when it has few distinct magnitudes (a `hash` vector: about 0.4 KB
 * instead of 2 KB, which PostgreSQL would otherwise compress with pglz, a third of the time of storing it), else
 * float32 little-endian.
 */
export const encodeVector = (v: Float32Array): Uint8Array => pack(v) ?? float32Bytes(v)

const float32Bytes = (v: Float32Array): Uint8Array => {
  if (littleEndian) return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength))
  const bytes = new Uint8Array(v.length * 4)
  const view = new DataView(bytes.buffer)
  for (let i = 0; i < v.length; i++) view.setFloat32(i * 4, v[i]!, true)
  return bytes
}

/** A stored vector back (from a bytea, whatever its buffer's alignment). */
export const decodeVector = (bytes: Uint8Array): Float32Array => {
  if (bytes.byteLength % 4 !== 0) return unpack(bytes)
  // One copy of the bytes where the machine keeps the stored order: two to three times faster than a read per number.
  if (littleEndian) return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
  const v = new Float32Array(bytes.byteLength / 4)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let i = 0; i < v.length; i++) v[i] = view.getFloat32(i * 4, true)
  return v
}

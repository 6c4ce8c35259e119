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

// Scratch space reused from vector to vector: the magnitudes seen, in an open-addressing table (a linear search per
// coordinate took most of the packing's time), the bitmap and the codes.
const SLOTS = 256
const slotMagnitude = new Uint32Array(SLOTS)
const slotIndex = new Uint8Array(SLOTS)
const slotStamp = new Uint32Array(SLOTS)
let stamp = 0
const magnitudes = new Uint32Array(MAX_MAGNITUDES)
let scratch = new Uint8Array(0)

const pack = (v: Float32Array): Uint8Array | null => {
  if (v.length > 0xffff) return null
  const bits = new Uint32Array(v.buffer, v.byteOffset, v.length)
  const bitmap = (v.length + 7) >> 3
  if (scratch.length < bitmap + v.length) scratch = new Uint8Array(bitmap + v.length)
  scratch.fill(0, 0, bitmap)
  stamp = (stamp + 1) >>> 0
  if (stamp === 0) {
    slotStamp.fill(0)
    stamp = 1
  }
  let count = 0
  let nonZero = 0
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i]!
    if (b === 0) continue
    const magnitude = b & 0x7fffffff
    let slot = Math.imul(magnitude, 0x9e3779b1) >>> 24
    while (slotStamp[slot] === stamp && slotMagnitude[slot] !== magnitude) slot = (slot + 1) & (SLOTS - 1)
    if (slotStamp[slot] !== stamp) {
      if (count === MAX_MAGNITUDES) return null
      slotStamp[slot] = stamp
      slotMagnitude[slot] = magnitude
      slotIndex[slot] = count
      magnitudes[count++] = magnitude
    }
    scratch[i >> 3] |= 1 << (i & 7)
    scratch[bitmap + nonZero++] = slotIndex[slot]! | (b >>> 24 & 0x80)
  }
  let length = PACKED_HEADER + bitmap + count * 4 + nonZero
  if (length % 4 === 0) length++
  if (length >= v.length * 4) return null
  const bytes = new Uint8Array(length)
  const view = new DataView(bytes.buffer)
  view.setUint16(0, v.length, true)
  bytes[2] = count
  bytes.set(scratch.subarray(0, bitmap), PACKED_HEADER)
  let at = PACKED_HEADER + bitmap
  for (let m = 0; m < count; m++, at += 4) view.setUint32(at, magnitudes[m]!, true)
  bytes.set(scratch.subarray(bitmap, bitmap + nonZero), at)
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

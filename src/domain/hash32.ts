/** Murmur3's finaliser: a bijection of 32-bit numbers (unsigned) in which every input bit moves every output bit. */
export const mix32 = (x: number): number => {
  let h = x ^ (x >>> 16)
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

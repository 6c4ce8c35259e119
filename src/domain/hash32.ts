/** Murmur3's finaliser: a bijection of 32-bit numbers (unsigned) in which every input bit moves every output bit. */
export const mix32 = (x: number): number => {
  let h = x ^ (x >>> 16)
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/** FNV-1a of the UTF-16 code units of `s` from `from` to `to`, starting from `seed` (FNV's offset basis by default). */
export const fnv1a = (s: string, from = 0, to = s.length, seed = 0x811c9dc5): number => {
  let h = seed
  for (let i = from; i < to; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619)
  return h
}

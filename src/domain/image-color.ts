// Dominant colours of an image and their web-safe palette, from a small RGBA sample of its pixels.

export interface ColorShare {
  readonly rgb: readonly [number, number, number]
  /** Fraction (0..1) of the counted pixels in this colour's cluster, rounded to 4 decimals. */
  readonly share: number
}

/** Clusters computed per image (`N_DOMINANT_COLORS` of the legacy tool). */
export const DOMINANT_COLORS = 5

const MAX_ITERATIONS = 50
// A pixel at most half covered is the background showing through, not a colour of the image.
const MIN_ALPHA = 128

const round4 = (x: number) => Math.round(x * 10_000) / 10_000

interface Histogram {
  /** Distinct colours, ascending by 0xRRGGBB, as [r, g, b] triples. */
  readonly colors: Float64Array
  readonly counts: Float64Array
  readonly total: number
}

const histogram = (rgba: Uint8Array): Histogram => {
  const byKey = new Map<number, number>()
  let total = 0
  for (let i = 0; i + 3 < rgba.length; i += 4) {
    if (rgba[i + 3]! < MIN_ALPHA) continue
    const key = (rgba[i]! << 16) | (rgba[i + 1]! << 8) | rgba[i + 2]!
    byKey.set(key, (byKey.get(key) ?? 0) + 1)
    total++
  }
  const keys = [...byKey.keys()].sort((a, b) => a - b)
  const colors = new Float64Array(keys.length * 3)
  const counts = new Float64Array(keys.length)
  keys.forEach((key, i) => {
    colors[i * 3] = key >> 16
    colors[i * 3 + 1] = (key >> 8) & 0xff
    colors[i * 3 + 2] = key & 0xff
    counts[i] = byKey.get(key)!
  })
  return { colors, counts, total }
}

const distance2 = (a: Float64Array, i: number, b: Float64Array, j: number) => {
  const dr = a[i * 3]! - b[j * 3]!
  const dg = a[i * 3 + 1]! - b[j * 3 + 1]!
  const db = a[i * 3 + 2]! - b[j * 3 + 2]!
  return dr * dr + dg * dg + db * db
}

/**
 * Deterministic seeding in the spirit of k-means++ without its randomness: the most frequent colour first, then each
 * time the colour with the largest pixel count × squared distance to the centroids chosen so far (ties go to the
 * lowest 0xRRGGBB, the histogram's order). Stops early when every colour already is a centroid.
 */
const seed = (h: Histogram, k: number): Float64Array => {
  const n = h.counts.length
  const chosen: Array<number> = []
  let first = 0
  for (let i = 1; i < n; i++) if (h.counts[i]! > h.counts[first]!) first = i
  chosen.push(first)
  const nearest = new Float64Array(n).fill(Infinity)
  while (chosen.length < k) {
    const last = chosen[chosen.length - 1]!
    let best = -1
    let bestScore = 0
    for (let i = 0; i < n; i++) {
      nearest[i] = Math.min(nearest[i]!, distance2(h.colors, i, h.colors, last))
      const score = h.counts[i]! * nearest[i]!
      if (score > bestScore) {
        best = i
        bestScore = score
      }
    }
    if (best < 0) break
    chosen.push(best)
  }
  const centroids = new Float64Array(chosen.length * 3)
  chosen.forEach((c, j) => centroids.set(h.colors.subarray(c * 3, c * 3 + 3), j * 3))
  return centroids
}

/**
 * The `k` dominant colours of an RGBA pixel buffer (a downsampled copy of the image): weighted k-means (Lloyd) over
 * the distinct colours, deterministically seeded, so the same pixels always give the same answer. Pixels less than
 * half opaque are not counted; shares are of the counted pixels. Sorted by share, largest first.
 */
export const dominantColors = (rgba: Uint8Array, k: number = DOMINANT_COLORS): Array<ColorShare> => {
  const h = histogram(rgba)
  const n = h.counts.length
  if (n === 0) return []
  const centroids = seed(h, k)
  const m = centroids.length / 3
  const assignment = new Int32Array(n).fill(-1)
  const sums = new Float64Array(m * 3)
  const weights = new Float64Array(m)
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    let changed = false
    sums.fill(0)
    weights.fill(0)
    for (let i = 0; i < n; i++) {
      let best = 0
      let bestDistance = Infinity
      for (let j = 0; j < m; j++) {
        const d = distance2(h.colors, i, centroids, j)
        if (d < bestDistance) {
          best = j
          bestDistance = d
        }
      }
      if (assignment[i] !== best) {
        assignment[i] = best
        changed = true
      }
      const w = h.counts[i]!
      weights[best] = weights[best]! + w
      for (let c = 0; c < 3; c++) sums[best * 3 + c] = sums[best * 3 + c]! + w * h.colors[i * 3 + c]!
    }
    if (!changed) break
    for (let j = 0; j < m; j++) {
      if (weights[j]! === 0) continue
      for (let c = 0; c < 3; c++) centroids[j * 3 + c] = sums[j * 3 + c]! / weights[j]!
    }
  }
  const clusters: Array<ColorShare & { readonly weight: number }> = []
  for (let j = 0; j < m; j++) {
    if (weights[j]! === 0) continue
    const rgb = [0, 1, 2].map((c) => Math.round(sums[j * 3 + c]! / weights[j]!)) as [number, number, number]
    clusters.push({ rgb, share: round4(weights[j]! / h.total), weight: weights[j]! })
  }
  const key = (c: ColorShare) => (c.rgb[0] << 16) | (c.rgb[1] << 8) | c.rgb[2]
  return clusters.sort((a, b) => b.weight - a.weight || key(a) - key(b)).map(({ rgb, share }) => ({ rgb, share }))
}

/** The nearest of the 216 web-safe colours (channels 0, 51, …, 255; the grid is separable, so per channel). */
export const websafe = (rgb: readonly [number, number, number]): string =>
  "#" + rgb.map((c) => (Math.round(Math.min(255, Math.max(0, c)) / 51) * 51).toString(16).padStart(2, "0")).join("")

/** Each dominant colour snapped to its web-safe colour, shares of colours snapping together summed; largest first. */
export const websafePalette = (colors: ReadonlyArray<ColorShare>): Record<string, number> => {
  const sums = new Map<string, number>()
  for (const c of colors) sums.set(websafe(c.rgb), (sums.get(websafe(c.rgb)) ?? 0) + c.share)
  return Object.fromEntries([...sums].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([hex, s]) => [hex, round4(s)]))
}

// What a downloaded file is, told from its first bytes rather than from what the server says it is.

/** Raster formats handed to the decoder. Anything else never reaches it. */
export type DecodableFormat = "jpeg" | "png" | "gif" | "webp" | "tiff" | "avif" | "heif"

export type Sniffed =
  | { readonly _tag: "Raster"; readonly format: DecodableFormat }
  /** Recorded without decoding: SVG is never rasterised (a script-capable XML document from anyone). */
  | { readonly _tag: "Svg" }
  /** Known image formats this build does not decode. */
  | { readonly _tag: "Undecodable"; readonly format: "bmp" | "ico" }
  | { readonly _tag: "Unknown"; readonly html: boolean }

export const FORMAT_MIME: Readonly<Record<DecodableFormat | "svg" | "bmp" | "ico", string>> = {
  jpeg: "image/jpeg",
  png: "image/png",
  gif: "image/gif",
  webp: "image/webp",
  tiff: "image/tiff",
  avif: "image/avif",
  heif: "image/heif",
  svg: "image/svg+xml",
  bmp: "image/bmp",
  ico: "image/vnd.microsoft.icon"
}

const startsWith = (bytes: Uint8Array, signature: ReadonlyArray<number>, at = 0) =>
  bytes.length >= at + signature.length && signature.every((b, i) => bytes[at + i] === b)

const ascii = (bytes: Uint8Array, from: number, to: number) => Buffer.from(bytes.subarray(from, to)).toString("latin1")

const HEIF_BRANDS = new Set(["heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1"])
const AVIF_BRANDS = new Set(["avif", "avis"])

const SVG_START = /^(?:\s|<\?xml[^>]*>|<!--[\s\S]*?-->|<!doctype[^>]*>)*<svg[\s>/]/i
const HTML_START = /^(?:\s|<!--[\s\S]*?-->)*<(?:!doctype\s+html|html|head|body)[\s>]/i

const textHead = (bytes: Uint8Array) => ascii(bytes, 0, 4096).replace(/^\u00ef\u00bb\u00bf/, "")

/** The file's format by its magic number (SVG and HTML by their opening markup). */
export const sniffImage = (bytes: Uint8Array): Sniffed => {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { _tag: "Raster", format: "jpeg" }
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { _tag: "Raster", format: "png" }
  if (ascii(bytes, 0, 6) === "GIF87a" || ascii(bytes, 0, 6) === "GIF89a") return { _tag: "Raster", format: "gif" }
  if (ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 12) === "WEBP") return { _tag: "Raster", format: "webp" }
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) {
    return { _tag: "Raster", format: "tiff" }
  }
  if (ascii(bytes, 4, 8) === "ftyp") {
    const brand = ascii(bytes, 8, 12)
    if (AVIF_BRANDS.has(brand)) return { _tag: "Raster", format: "avif" }
    if (HEIF_BRANDS.has(brand)) return { _tag: "Raster", format: "heif" }
  }
  if (ascii(bytes, 0, 2) === "BM" && bytes.length >= 26) return { _tag: "Undecodable", format: "bmp" }
  if (startsWith(bytes, [0x00, 0x00, 0x01, 0x00]) && bytes.length >= 22) return { _tag: "Undecodable", format: "ico" }
  const head = textHead(bytes)
  if (SVG_START.test(head)) return { _tag: "Svg" }
  return { _tag: "Unknown", html: HTML_START.test(head) }
}

export interface SvgSize {
  readonly width: number | null
  readonly height: number | null
}

const SVG_TAG = /<svg\b[^>]*>/i
const attribute = (tag: string, name: string) => new RegExp(`\\s${name}\\s*=\\s*["']([^"']*)["']`, "i").exec(tag)?.[1]?.trim()
const pixels = (value: string | undefined) => {
  const match = value === undefined ? null : /^(\d+(?:\.\d+)?)(?:px)?$/.exec(value)
  return match === null ? null : Math.round(Number(match[1]))
}

/**
 * An SVG's size as its root element declares it: `width`/`height` in pixels, else the `viewBox`'s; null when it only
 * gives relative units. Read from the markup: the document is never rendered.
 */
export const svgSize = (bytes: Uint8Array): SvgSize => {
  const tag = SVG_TAG.exec(textHead(bytes))?.[0]
  if (tag === undefined) return { width: null, height: null }
  const width = pixels(attribute(tag, "width"))
  const height = pixels(attribute(tag, "height"))
  if (width !== null && height !== null) return { width, height }
  const box = attribute(tag, "viewBox")?.split(/[\s,]+/).map(Number)
  if (box?.length === 4 && box.every(Number.isFinite) && box[2]! > 0 && box[3]! > 0) {
    return { width: Math.round(box[2]!), height: Math.round(box[3]!) }
  }
  return { width, height }
}

/** Width over height, two decimals (as the legacy exports have it); null without both. */
export const aspectRatio = (width: number | null, height: number | null): number | null =>
  width === null || height === null || width <= 0 || height <= 0 ? null : Math.round((width / height) * 100) / 100

/**
 * The colour mode in the legacy tool's (PIL's) names, which its exports and users know: `P` palette, `L`/`LA` grey,
 * `RGB`/`RGBA`, `CMYK`; another colour space by its own name.
 */
export const colorMode = (space: string, hasAlpha: boolean, isPalette: boolean): string => {
  if (isPalette) return "P"
  if (space === "b-w" || space === "grey16") return hasAlpha ? "LA" : "L"
  if (space === "srgb" || space === "rgb" || space === "rgb16" || space === "scrgb") return hasAlpha ? "RGBA" : "RGB"
  if (space === "cmyk") return "CMYK"
  return space.toUpperCase()
}

import * as fs from "node:fs"
import type { VectorStamp } from "./vectors.js"

// Beside a saved vector index, files stamped with the database's vectors they were brought up to date with: a start
// whose stamp still matches skips reading every vector's keys (the keys file) or every vector (the exact rows) from the
// database, seconds on a large land. One line of JSON, then the body: for the keys file, the (paragraph, page) pairs
// as little-endian int32.

interface Header {
  readonly stamp: VectorStamp
  readonly count: number
}

export const keysFileOf = (indexFile: string) => `${indexFile}.keys`
export const exactFileOf = (indexFile: string) => `${indexFile}.exact`

export const writeStamped = (file: string, stamp: VectorStamp, count: number, body: ReadonlyArray<Uint8Array>) => {
  const header = Buffer.from(JSON.stringify({ stamp, count } satisfies Header) + "\n")
  const part = `${file}.${process.pid}.part`
  fs.writeFileSync(part, Buffer.concat([header, ...body]))
  fs.renameSync(part, file)
}

/** The body saved in `file` if it holds `count` entries as of `stamp`; null otherwise (absent, older, damaged). */
export const readStamped = (file: string, stamp: VectorStamp, count: number): Uint8Array | null => {
  if (!fs.existsSync(file)) return null
  const bytes = fs.readFileSync(file)
  const end = bytes.indexOf(10)
  if (end < 0) return null
  let header: Header
  try {
    header = JSON.parse(bytes.subarray(0, end).toString("utf8")) as Header
  } catch {
    return null
  }
  if (header.count !== count || header.stamp?.count !== stamp.count || header.stamp.last !== stamp.last) return null
  return bytes.subarray(end + 1)
}

export const writeKeysFile = (file: string, stamp: VectorStamp, pages: ReadonlyMap<number, number>) => {
  const pairs = new Int32Array(pages.size * 2)
  let i = 0
  for (const [paragraphId, expressionId] of pages) {
    pairs[i++] = paragraphId
    pairs[i++] = expressionId
  }
  writeStamped(file, stamp, pages.size, [new Uint8Array(pairs.buffer)])
}

/** The pages saved in `file` if it holds `count` of them as of `stamp`; null otherwise. */
export const readKeysFile = (file: string, stamp: VectorStamp, count: number): Map<number, number> | null => {
  const body = readStamped(file, stamp, count)
  if (body === null || body.length !== count * 8) return null
  // Copied out: the pairs start at any byte offset.
  const pairs = new Int32Array(new Uint8Array(body).buffer)
  const pages = new Map<number, number>()
  for (let i = 0; i < pairs.length; i += 2) pages.set(pairs[i]!, pairs[i + 1]!)
  return pages
}

import * as fs from "node:fs"
import type { VectorStamp } from "./vectors.js"

// Beside a saved vector index: the page of each of its paragraphs and the stamp of the database's vectors it was
// brought up to date with. A start whose stamp still matches skips reading every vector's keys from the database
// (seconds on a large land). One line of JSON, then the (paragraph, page) pairs as little-endian int32.

interface Header {
  readonly stamp: VectorStamp
  readonly count: number
}

export const keysFileOf = (indexFile: string) => `${indexFile}.keys`

export const writeKeysFile = (file: string, stamp: VectorStamp, pages: ReadonlyMap<number, number>) => {
  const pairs = new Int32Array(pages.size * 2)
  let i = 0
  for (const [paragraphId, expressionId] of pages) {
    pairs[i++] = paragraphId
    pairs[i++] = expressionId
  }
  const header = Buffer.from(JSON.stringify({ stamp, count: pages.size } satisfies Header) + "\n")
  const part = `${file}.${process.pid}.part`
  fs.writeFileSync(part, Buffer.concat([header, Buffer.from(pairs.buffer, pairs.byteOffset, pairs.byteLength)]))
  fs.renameSync(part, file)
}

/** The pages saved in `file` if it holds `count` of them as of `stamp`; null otherwise (absent, older, damaged). */
export const readKeysFile = (file: string, stamp: VectorStamp, count: number): Map<number, number> | null => {
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
  if (bytes.length - end - 1 !== count * 8) return null
  // Copied out: the pairs start at any byte offset.
  const pairs = new Int32Array(bytes.buffer.slice(bytes.byteOffset + end + 1, bytes.byteOffset + bytes.length))
  const pages = new Map<number, number>()
  for (let i = 0; i < pairs.length; i += 2) pages.set(pairs[i]!, pairs[i + 1]!)
  return pages
}

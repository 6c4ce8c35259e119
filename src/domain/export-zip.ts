import { type FlateError, Zip, ZipDeflate, ZipPassThrough } from "fflate"
import { deflateRawSync } from "node:zlib"

// A zip archive written entry by entry and chunk by chunk with fflate: each entry's data is deflated as it is pushed
// and the archive's bytes are handed out as they are produced, so neither an entry nor the archive is ever held
// whole. fflate writes no ZIP64 records: past 65,535 entries (a corpus of a large land) its entry count wraps, so the
// end of the archive is rewritten with a ZIP64 end record; past 4 GiB of output it cannot write offsets at all.

const MAX_ENTRIES_ZIP32 = 0xffff
const MAX_OFFSET_ZIP32 = 0xffffffff
const EOCD_LENGTH = 22

export interface ZipEntryWriter {
  readonly push: (data: Uint8Array) => void
  readonly close: () => void
}

export interface ZipWriter {
  /** Starts the next entry; the previous one must have been closed. */
  readonly open: (name: string) => ZipEntryWriter
  /** An entry in one piece. */
  readonly file: (name: string, data: Uint8Array) => void
  /** The archive's bytes produced since the last call (often empty). */
  readonly take: () => Uint8Array
  /** Ends the archive and returns its last bytes. */
  readonly finish: () => Uint8Array
}

const EMPTY = new Uint8Array(0)

type Level = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9

/**
 * An entry given whole, deflated in one call by zlib. fflate's streaming deflater takes about 0.3 ms to set up per
 * entry, which on a corpus of 100,000 small texts would be most of the export; zlib does the whole text in a fifth.
 */
class WholeDeflate extends ZipPassThrough {
  constructor(name: string, private readonly level: Level) {
    super(name)
    this.compression = 8
  }

  protected override process(chunk: Uint8Array, final: boolean) {
    this.ondata(null, deflateRawSync(chunk, { level: this.level }), final)
  }
}

const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  if (parts.length === 0) return EMPTY
  if (parts.length === 1) return parts[0]!
  let length = 0
  for (const p of parts) length += p.length
  const out = new Uint8Array(length)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/**
 * The central directory as fflate wrote it, followed by a ZIP64 end record, its locator, and an end record whose
 * entry counts say "see ZIP64" (APPNOTE 4.3.14-4.3.16).
 */
export const zip64End = (tail: Uint8Array, directoryOffset: number, entries: number): Uint8Array => {
  const directorySize = tail.length - EOCD_LENGTH
  const out = new Uint8Array(directorySize + 56 + 20 + EOCD_LENGTH)
  out.set(tail.subarray(0, directorySize))
  const v = new DataView(out.buffer)
  let p = directorySize
  v.setUint32(p, 0x06064b50, true)
  v.setBigUint64(p + 4, 44n, true)
  v.setUint16(p + 12, 45, true)
  v.setUint16(p + 14, 45, true)
  v.setBigUint64(p + 24, BigInt(entries), true)
  v.setBigUint64(p + 32, BigInt(entries), true)
  v.setBigUint64(p + 40, BigInt(directorySize), true)
  v.setBigUint64(p + 48, BigInt(directoryOffset), true)
  p += 56
  v.setUint32(p, 0x07064b50, true)
  v.setBigUint64(p + 8, BigInt(directoryOffset + directorySize), true)
  v.setUint32(p + 16, 1, true)
  p += 20
  v.setUint32(p, 0x06054b50, true)
  v.setUint16(p + 8, 0xffff, true)
  v.setUint16(p + 10, 0xffff, true)
  v.setUint32(p + 12, directorySize, true)
  v.setUint32(p + 16, directoryOffset, true)
  return out
}

/** A new archive. fflate reports its errors through callbacks; they are thrown here, as the bugs they would be. */
export const makeZipWriter = (mtime: Date, level: Level = 6): ZipWriter => {
  let parts: Array<Uint8Array> = []
  let written = 0
  let entries = 0
  let failure: FlateError | null = null
  const zip = new Zip((err, data, final) => {
    if (err) failure = err
    else if (!final) {
      parts.push(data)
      written += data.length
    } else parts.push(entries > MAX_ENTRIES_ZIP32 ? zip64End(data, written, entries) : data)
  })
  const check = () => {
    if (failure !== null) throw failure
    if (written > MAX_OFFSET_ZIP32) throw new Error("the archive is larger than 4 GiB, which zip cannot hold without ZIP64")
  }
  const take = () => {
    check()
    const out = concat(parts)
    parts = []
    return out
  }
  const add = <F extends ZipDeflate | WholeDeflate>(entry: F) => {
    check()
    entry.mtime = mtime
    zip.add(entry)
    entries++
    return entry
  }
  return {
    open: (name) => {
      const entry = add(new ZipDeflate(name, { level }))
      return {
        push: (data) => entry.push(data),
        close: () => entry.push(EMPTY, true)
      }
    },
    file: (name, data) => add(new WholeDeflate(name, level)).push(data, true),
    take,
    finish: () => {
      zip.end()
      return take()
    }
  }
}

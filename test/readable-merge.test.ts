import { describe, expect, it } from "@effect/vitest"
import { Either, Option } from "effect"
import * as fc from "fast-check"
import { type MergeStrategy, mergeReadable, type ReadableFields, readableChanges } from "../src/domain/readable-merge.js"
import { availabilityUrl, parseAvailability } from "../src/domain/web-archive.js"

const text = (markdown: string) => ({ markdown, source: "readability" as const, wordCount: 2, readingTime: 1 })
const stored: ReadableFields = {
  title: "A much longer stored title",
  description: "short",
  language: "fr",
  publishedAt: "2020-01-01T00:00:00.000Z",
  readable: text("old text")
}
const fresh: ReadableFields = {
  title: "New title",
  description: "a longer new description",
  language: "en",
  publishedAt: "2019-06-01T00:00:00.000Z",
  readable: text("new text")
}

describe("readable merge strategies", () => {
  it("smart_merge: longer title and description, new text and language, earlier date", () => {
    expect(mergeReadable("smart_merge", stored, fresh)).toEqual({
      title: "A much longer stored title",
      description: "a longer new description",
      language: "en",
      publishedAt: "2019-06-01T00:00:00.000Z",
      readable: text("new text")
    })
    expect(mergeReadable("smart_merge", fresh, stored).publishedAt).toBe("2019-06-01T00:00:00.000Z")
  })

  it("mercury_priority takes every new value, preserve_existing keeps every stored one", () => {
    expect(mergeReadable("mercury_priority", stored, fresh)).toEqual(fresh)
    expect(mergeReadable("preserve_existing", stored, fresh)).toEqual(stored)
  })

  it("whatever the strategy, an empty value never replaces a present one and an empty field is filled", () => {
    const strategies: ReadonlyArray<MergeStrategy> = ["smart_merge", "mercury_priority", "preserve_existing"]
    const field = fc.option(fc.constantFrom("", "  ", "a", "bb"), { nil: null })
    fc.assert(fc.property(fc.constantFrom(...strategies), field, field, (strategy, a, b) => {
      const merged = mergeReadable(strategy, { ...stored, title: a }, { ...fresh, title: b }).title
      const present = (v: string | null) => v !== null && v.trim() !== ""
      if (present(a) && !present(b)) expect(merged).toBe(a)
      if (!present(a) && present(b)) expect(merged).toBe(b)
      if (present(a) || present(b)) expect(present(merged)).toBe(true)
    }))
  })

  it("tells a text change (links rebuilt) from a title change (relevance only) and from no change", () => {
    expect(readableChanges(stored, stored)).toEqual({ any: false, text: false, relevance: false })
    expect(readableChanges(stored, { ...stored, title: "t" })).toEqual({ any: true, text: false, relevance: true })
    expect(readableChanges(stored, { ...stored, readable: text("x") })).toEqual({ any: true, text: true, relevance: true })
    expect(readableChanges(stored, { ...stored, description: "d" })).toEqual({ any: true, text: false, relevance: false })
    // The same instant written differently is no change.
    expect(readableChanges(stored, { ...stored, publishedAt: "2020-01-01T00:00:00Z" }).any).toBe(false)
  })
})

describe("web archive availability", () => {
  it("asks for the snapshot nearest to the fetch date", () => {
    const u = new URL(availabilityUrl("http://127.0.0.1:9/base", "https://ex.org/a?b=1&c", new Date("2024-01-05T12:34:56Z")))
    expect(u.pathname).toBe("/base/wayback/available")
    expect(u.searchParams.get("url")).toBe("https://ex.org/a?b=1&c")
    expect(u.searchParams.get("timestamp")).toBe("20240105123456")
    expect(new URL(availabilityUrl("https://archive.org", "https://ex.org/", null)).searchParams.has("timestamp")).toBe(false)
  })

  it("reads the closest 2xx capture as the raw archived page, and nothing otherwise", () => {
    const answer = (closest: unknown) => JSON.stringify({ url: "x", archived_snapshots: closest === undefined ? {} : { closest } })
    const snapshot = parseAvailability(answer({
      available: true,
      status: "200",
      timestamp: "20130919044612",
      url: "http://web.archive.org/web/20130919044612/http://example.com/"
    }))
    expect(snapshot).toEqual(Either.right(Option.some({
      rawUrl: "http://web.archive.org/web/20130919044612id_/http://example.com/",
      timestamp: "20130919044612"
    })))
    expect(parseAvailability(answer(undefined))).toEqual(Either.right(Option.none()))
    expect(parseAvailability(answer({ available: true, status: "404", timestamp: "1", url: "http://a/web/1/x" })))
      .toEqual(Either.right(Option.none()))
    const invalid = (body: string) => Either.getLeft(parseAvailability(body)).pipe(Option.map((e) => e.message), Option.getOrNull)
    expect(invalid("<html>")).toBe("the archive's availability answer is not usable: not JSON")
    expect(invalid(JSON.stringify({ archived_snapshots: { closest: { available: "yes" } } })))
      .toBe("the archive's availability answer is not usable: unexpected shape")
  })
})

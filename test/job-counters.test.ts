import { describe, expect, it } from "vitest"
import { countersOf, JobKind, tallyOf, unitOf } from "../src/domain/job.js"

const tally = { queued: 3, done: 12, failed: 2, skipped: 1, discovered: 40 }

describe("job counters, named per kind", () => {
  it("gives each kind its own words for what it did", () => {
    expect(countersOf("crawl", tally)).toEqual({ queued: 3, fetched: 12, failed: 2, skipped: 1, discovered: 40 })
    expect(countersOf("readable", tally)).toEqual({ queued: 3, updated: 12, unchanged: 1, failed: 2, discovered: 40 })
    expect(countersOf("media", tally)).toEqual({ queued: 3, analysed: 12, failed: 2, skipped: 1 })
    expect(countersOf("embed", tally)).toEqual({ queued: 3, embedded: 12, failed: 2, skipped: 1 })
    expect(["crawl", "readable", "media", "embed"].map((k) => unitOf(k as JobKind))).toEqual(["pages", "pages", "files", "pages"])
  })

  it("reads the named counters back into the tally a resumed job goes on from", () => {
    for (const kind of JobKind.literals) {
      const back = tallyOf(kind, countersOf(kind, tally))
      expect(back).toEqual(kind === "media" || kind === "embed" ? { ...tally, discovered: 0 } : tally)
    }
  })
})

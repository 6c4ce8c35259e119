import { SqlClient } from "@effect/sql"
import { assert, expect } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Lands } from "../src/services/Lands.js"
import { onBothDatabases } from "./support/databases.js"

onBothDatabases("lands, dictionary and seeds", (db) => Lands.Default.pipe(Layer.provideMerge(db)), (it) => {
  it.effect("creates a land with languages and terms, and refuses a duplicate name", () =>
    Effect.gen(function*() {
      const lands = yield* Lands
      const land = yield* lands.create({ name: "  climat ", description: "a study", lang: "fr, en", terms: "climat, Changement climatique, climat" })
      assert.strictEqual(land.name, "climat")
      assert.deepStrictEqual(land.lang, ["fr", "en"])
      assert.strictEqual(land.termCount, 2)
      const terms = yield* lands.terms(land)
      assert.deepStrictEqual(terms.map((t) => [t.term, t.lemma]), [["changement climatique", "chang climat"], ["climat", "climat"]])
      const dup = yield* lands.create({ name: "climat" }).pipe(Effect.flip)
      assert.strictEqual(dup._tag, "DuplicateLand")
      assert.strictEqual(dup.message, `a land named "climat" already exists`)
      // a failed create leaves nothing behind
      assert.strictEqual((yield* lands.list({ scope: { _tag: "all" } })).filter((l) => l.name === "climat").length, 1)
    }))

  it.effect("refuses bad input with the field named", () =>
    Effect.gen(function*() {
      const lands = yield* Lands
      const badLang = yield* lands.create({ name: "x1", lang: "fr,klingon" }).pipe(Effect.flip)
      assert.strictEqual(badLang._tag, "InvalidInput")
      expect(badLang.message).toMatch(/invalid lang: "klingon" is not a supported language/)
      const empty = yield* lands.create({ name: "   " }).pipe(Effect.flip)
      assert.strictEqual(empty.message, "invalid name: a land name cannot be empty")
      const noWord = yield* lands.create({ name: "x2", terms: "ok, ?!" }).pipe(Effect.flip)
      assert.strictEqual(noWord.message, `invalid terms: "?!" contains no word`)
      const missing = yield* lands.getByName("nope").pipe(Effect.flip)
      assert.strictEqual(missing.message, `no land named "nope"`)
      // nothing was created by the refused commands
      assert.strictEqual((yield* lands.list({ scope: { _tag: "all" }, nameContains: "x" })).length, 0)
    }))

  it.effect("lists with a name filter and pagination", () =>
    Effect.gen(function*() {
      const lands = yield* Lands
      for (const name of ["page-a", "page-b", "page-c", "other_%"]) yield* lands.create({ name })
      const all = yield* lands.list({ scope: { _tag: "all" }, nameContains: "page-" })
      assert.deepStrictEqual(all.map((l) => l.name), ["page-a", "page-b", "page-c"])
      const second = yield* lands.list({ scope: { _tag: "all" }, nameContains: "page-", limit: 1, offset: 1 })
      assert.deepStrictEqual(second.map((l) => l.name), ["page-b"])
      // LIKE wildcards in the filter are taken literally
      assert.deepStrictEqual((yield* lands.list({ scope: { _tag: "all" }, nameContains: "_%" })).map((l) => l.name), ["other_%"])
      assert.strictEqual(yield* lands.count({ scope: { _tag: "all" }, nameContains: "page-" }), 3)
    }))

  it.effect("adds seed URLs normalised, reports invalid ones and ignores duplicates", () =>
    Effect.gen(function*() {
      const lands = yield* Lands
      const land = yield* lands.create({ name: "seeds" })
      const report = yield* lands.addUrls(land, [
        "HTTPS://Example.ORG:443/a?utm_source=x&b=1#frag",
        "https://example.org/a?b=1",
        "ftp://example.org/file",
        "not a url",
        "http://other.example/"
      ])
      assert.deepStrictEqual(report.added.map((a) => a.url), ["https://example.org/a?b=1", "http://other.example/"])
      assert.deepStrictEqual(report.invalid.map((i) => i.input), ["ftp://example.org/file", "not a url"])
      expect(report.invalid[0]!.reason).toMatch(/only http and https/)
      const again = yield* lands.addUrls(land, ["https://example.org/a?b=1&utm_medium=y"])
      assert.strictEqual(again.added.length, 0)
      assert.deepStrictEqual(again.existing.map((e) => e.id), [report.added[0]!.id])
      const shown = yield* lands.get(land.id)
      assert.strictEqual(shown.expressionCount, 2)
      assert.strictEqual(shown.pendingCount, 2)
      assert.strictEqual(shown.domainCount, 2)
    }))

  it.effect("adding terms recomputes the relevance of stored pages", () =>
    Effect.gen(function*() {
      const lands = yield* Lands
      const sql = yield* SqlClient.SqlClient
      const land = yield* lands.create({ name: "rescore", lang: "fr", terms: "climat" })
      const { added } = yield* lands.addUrls(land, ["https://a.example/1", "https://a.example/2"])
      yield* sql`UPDATE expressions SET title = 'Le climat change', readable = ${"Les **changements climatiques** et le [climat](https://x.example/climat).\n\nLe climat."}, crawl_state = 'fetched'
                 WHERE id = ${added[0]!.id}`
      const before = yield* lands.addTerms(land, "climat")
      assert.deepStrictEqual(before, { added: [], existing: ["climat"], rescored: 0 })
      const report = yield* lands.addTerms(land, "changement climatique, océan")
      assert.deepStrictEqual(report.added, ["changement climatique", "océan"])
      assert.strictEqual(report.rescored, 1)
      const rows = yield* sql<{ id: number; relevance: number | null; approvedAt: Date | null }>`
        SELECT id, relevance, approved_at FROM expressions WHERE land_id = ${land.id} ORDER BY id`
      // title: climat ×10; text: "changements climatiques" (phrase + climat) and two more "climat": the link URL is not text
      assert.strictEqual(rows[0]!.relevance, 10 + 1 + 3)
      assert.isNotNull(rows[0]!.approvedAt)
      assert.isNull(rows[1]!.relevance)
      const removed = yield* lands.removeTerms(land, ["climat"])
      assert.deepStrictEqual(removed, { removed: ["climat"], rescored: 1 })
      const after = yield* sql<{ relevance: number }>`SELECT relevance FROM expressions WHERE id = ${added[0]!.id}`
      assert.strictEqual(after[0]!.relevance, 1)
    }))

  it.effect("deleting a land removes everything that belongs to it", () =>
    Effect.gen(function*() {
      const lands = yield* Lands
      const sql = yield* SqlClient.SqlClient
      const keep = yield* lands.create({ name: "keep", terms: "a" })
      yield* lands.addUrls(keep, ["https://keep.example/"])
      const land = yield* lands.create({ name: "gone", terms: "a, b" })
      const { added } = yield* lands.addUrls(land, ["https://gone.example/1", "https://gone.example/2"])
      yield* sql`INSERT INTO expression_links (source_id, target_id, link_type) VALUES (${added[0]!.id}, ${added[1]!.id}, 'internal')`
      yield* sql`INSERT INTO media (expression_id, url, type) VALUES (${added[0]!.id}, 'https://gone.example/i.png', 'image')`
      const shown = yield* lands.get(land.id)
      assert.strictEqual(shown.linkCount, 1)
      assert.strictEqual(shown.mediaCount, 1)
      yield* lands.remove(shown)
      const counts = yield* sql<{ e: number; d: number; k: number; m: number; t: number }>`
        SELECT (SELECT count(*)::int FROM expressions WHERE land_id = ${land.id}) AS e,
               (SELECT count(*)::int FROM domains WHERE land_id = ${land.id}) AS d,
               (SELECT count(*)::int FROM expression_links) AS k,
               (SELECT count(*)::int FROM media) AS m,
               (SELECT count(*)::int FROM land_dictionaries WHERE land_id = ${land.id}) AS t`
      assert.deepStrictEqual(counts[0], { e: 0, d: 0, k: 0, m: 0, t: 0 })
      assert.strictEqual((yield* lands.get(keep.id)).expressionCount, 1)
      assert.strictEqual((yield* lands.get(land.id).pipe(Effect.flip))._tag, "LandNotFound")
    }))

  it.effect("50 fibers inserting overlapping URLs leave one row per normalised URL and no error", () =>
    Effect.gen(function*() {
      const lands = yield* Lands
      const sql = yield* SqlClient.SqlClient
      const land = yield* lands.create({ name: "concurrent" })
      // 50 writers, each with 40 URLs drawn from 100 distinct pages on 7 hosts, spelled differently
      const spell = (n: number, variant: number) =>
        variant % 2 === 0 ? `https://host${n % 7}.example/p/${n}` : `HTTPS://HOST${n % 7}.example:443/p/${n}?utm_source=w${variant}#x`
      const reports = yield* Effect.forEach(
        Array.from({ length: 50 }, (_, w) => w),
        (w) => lands.addUrls(land, Array.from({ length: 40 }, (_, i) => spell((w * 13 + i * 7) % 100, w + i))),
        { concurrency: 50 }
      )
      const rows = yield* sql<{ n: number; distinct: number; domains: number }>`
        SELECT count(*)::int AS n, count(DISTINCT normalized_url)::int AS distinct,
               (SELECT count(*)::int FROM domains WHERE land_id = ${land.id}) AS domains
        FROM expressions WHERE land_id = ${land.id}`
      assert.strictEqual(rows[0]!.n, rows[0]!.distinct)
      assert.strictEqual(rows[0]!.n, 100)
      assert.strictEqual(rows[0]!.domains, 7)
      // each page was reported as added by exactly one writer
      assert.strictEqual(reports.reduce((s, r) => s + r.added.length, 0), 100)
    }), { timeout: 120_000 })
})

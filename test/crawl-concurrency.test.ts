import { SqlClient } from "@effect/sql"
import { assert } from "@effect/vitest"
import { Effect, Schema } from "effect"
import type { LandId } from "../src/domain/ids.js"
import { Lands } from "../src/services/Lands.js"
import type { OutLink, PageOutcome } from "../src/domain/page-outcome.js"
import { PageStore } from "../src/services/PageStore.js"
import { crawlLand } from "../src/streams/crawl.js"
import { CrawlOptions } from "../src/streams/crawl-options.js"
import { appOn } from "./support/app.js"
import { onBothDatabases } from "./support/databases.js"
import { startFixtureServer } from "./support/fixture-server.js"
import { generatedSite } from "./support/fixture-site.js"

const link = (url: string): OutLink => ({ url, normalizedUrl: url, host: new URL(url).host, anchorText: "t", rel: null, internal: false })

const fetchedPage = (id: number, links: ReadonlyArray<OutLink>): PageOutcome => ({
  expressionId: id as PageOutcome["expressionId"],
  depth: 0,
  state: "fetched",
  httpStatus: 200,
  finalUrl: null,
  contentType: "text/html",
  contentLength: 10,
  headers: {},
  error: null,
  content: null,
  links,
  createTargets: true,
  media: [{ url: `https://media.example/${id}.png`, type: "image", alt: null }],
  domainRootOf: null
})

onBothDatabases("concurrent writers", (db) => appOn(db, { fetcher: { timeoutMs: 10_000 } }), (it) => {
  it.effect("20 fibers storing pages with overlapping links: no duplicate, no lost edge", () =>
    Effect.gen(function*() {
      const lands = yield* Lands
      const store = yield* PageStore
      const sql = yield* SqlClient.SqlClient
      const land = yield* lands.create({ name: "writers" })
      const seeds = Array.from({ length: 100 }, (_, i) => `https://site${i % 5}.example/page/${i}`)
      const { added } = yield* lands.addUrls(land, seeds)
      const ids = added.map((a) => a.id)
      // page i links to 12 of 60 shared targets (and to 3 other seeds): every target is wanted by many writers at once
      const linksOf = (i: number) => [
        ...Array.from({ length: 12 }, (_, k) => link(`https://shared${k % 4}.example/t/${(i * 7 + k * 5) % 60}`)),
        ...Array.from({ length: 3 }, (_, k) => link(seeds[(i + k + 1) % 100]!))
      ]
      yield* Effect.forEach(Array.from({ length: 20 }, (_, w) => w), (w) =>
        store.store(land.id as LandId, Array.from({ length: 5 }, (_, j) => w * 5 + j).map((i) => fetchedPage(ids[i]!, linksOf(i)))),
      { concurrency: 20 })
      const expected = new Set<string>()
      for (let i = 0; i < 100; i++) for (const l of linksOf(i)) expected.add(`${seeds[i]} ${l.normalizedUrl}`)
      const edges = yield* sql<{ s: string; t: string }>`
        SELECT s.normalized_url AS s, t.normalized_url AS t FROM expression_links k
        JOIN expressions s ON s.id = k.source_id JOIN expressions t ON t.id = k.target_id WHERE s.land_id = ${land.id}`
      assert.strictEqual(edges.length, expected.size)
      assert.deepStrictEqual(new Set(edges.map((e) => `${e.s} ${e.t}`)), expected)
      const counts = yield* sql<{ n: number; d: number; m: number }>`
        SELECT count(*)::int AS n, count(DISTINCT normalized_url)::int AS d,
               (SELECT count(*)::int FROM media m JOIN expressions e ON e.id = m.expression_id WHERE e.land_id = ${land.id}) AS m
        FROM expressions WHERE land_id = ${land.id}`
      const targets = new Set([...expected].map((e) => e.split(" ")[1]!).filter((t) => !seeds.includes(t)))
      assert.deepStrictEqual(counts[0], { n: 100 + targets.size, d: 100 + targets.size, m: 100 })
    }), { timeout: 120_000 })

  // Twelve crawls at once, three requests each, all reaching the same three sites: each land's pages and links must come
  // out whole while the others write to the same tables.
  it.scoped("12 concurrent crawls over overlapping sites produce the same complete graph", () =>
    Effect.gen(function*() {
      const sites = [yield* startFixtureServer(), yield* startFixtureServer(), yield* startFixtureServer()]
      const expected = new Set<string>()
      for (const site of sites) {
        const links = generatedSite(site, { pages: 10, latencyMs: 5, others: sites.filter((o) => o !== site).map((o) => o.origin) })
        for (const [from, hrefs] of links) {
          for (const href of hrefs) {
            const target = new URL(href, site.origin).href
            if (target !== site.url(from)) expected.add(`${site.url(from)} ${target}`)
          }
        }
      }
      const lands = yield* Lands
      const sql = yield* SqlClient.SqlClient
      const ids = yield* Effect.forEach(Array.from({ length: 12 }, (_, i) => i), (i) =>
        Effect.gen(function*() {
          const land = yield* lands.create({ name: `overlap-${i}`, terms: "climat" })
          yield* lands.addUrls(land, [sites[i % 3]!.url("/p/0")])
          return land.id
        }))
      const options = Schema.decodeSync(CrawlOptions)({ delayMs: 0, concurrency: 3, depth: 100 })
      const summaries = yield* Effect.forEach(ids, (id) =>
        crawlLand(id, options), { concurrency: ids.length })
      for (const s of summaries) assert.strictEqual(s.status, "completed")
      const graphs = yield* Effect.forEach(ids, (id) =>
        sql<{ s: string; t: string }>`
          SELECT s.normalized_url AS s, t.normalized_url AS t FROM expression_links k
          JOIN expressions s ON s.id = k.source_id JOIN expressions t ON t.id = k.target_id
          WHERE s.land_id = ${id} ORDER BY 1, 2`.pipe(Effect.map((rows) => rows.map((r) => `${r.s} ${r.t}`))))
      const pages = yield* sql<{ landId: number; n: number; d: number }>`
        SELECT land_id, count(*)::int AS n, count(DISTINCT normalized_url)::int AS d FROM expressions
        WHERE land_id = ANY(${ids}::int[]) GROUP BY land_id`
      assert.strictEqual(pages.length, ids.length)
      for (const p of pages) assert.deepStrictEqual([p.n, p.d], [30, 30])
      // every land reached the whole of the three sites through every one of their links
      for (const g of graphs) {
        assert.strictEqual(new Set(g).size, g.length)
        assert.deepStrictEqual(new Set(g), expected)
      }
    }), { timeout: 300_000 })
})

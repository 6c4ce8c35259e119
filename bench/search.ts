// Semantic search and pseudolinks at scale: `npx tsx bench/search.ts` (200,000 paragraphs, several minutes) or
// `--paragraphs=N`; `--data=DIR` keeps the filled database in DIR and starts later runs (of any branch) from a copy of
// it, so that runs compare on the same data without filling again. A fresh embedded PGlite is filled with synthetic paragraphs (words drawn from a made-up
// vocabulary, 2% of them reused on another page, whole or lightly edited), embedded with the offline hash provider;
// then the vector index is built from the database (rebuild), saved, loaded back in a new scope (load), searched
// through SemanticSearch (the query embedded, the paragraphs and pages read back), and pseudolinks computed.
import { SqlClient } from "@effect/sql"
import { Effect, Layer, Logger, LogLevel } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import type { Land } from "../src/domain/land.js"
import { normaliseText } from "../src/domain/paragraphs.js"
import { encodeVector } from "../src/domain/vector.js"
import { SearchLive } from "../src/layers.js"
import { layerFor } from "../src/services/Database.js"
import { hashEmbedder, hashEmbedding } from "../src/services/embeddings/hash.js"
import { LandRepo } from "../src/services/LandRepo.js"
import { Lands } from "../src/services/Lands.js"
import { Pseudolinks } from "../src/services/Pseudolinks.js"
import { SemanticSearch } from "../src/services/SemanticSearch.js"
import { VectorIndex } from "../src/services/VectorIndex.js"
import { createHash } from "node:crypto"
import { fullGc, startRssSampler, withSpanTotals } from "./monitor.js"

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1]
const PARAGRAPHS = Number(arg("paragraphs") ?? 200_000)
const DATA = arg("data")
// Search only: pseudolinks (minutes on 200k paragraphs) left out.
const SEARCH_ONLY = process.argv.includes("--search-only")
const PER_PAGE = 10
const PAGES = Math.ceil(PARAGRAPHS / PER_PAGE)
const HOSTS = 200
const QUERIES = 300
const BATCH = 2000

// A deterministic generator, so that runs compare.
let seed = 42
const random = () => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0
  return seed / 2 ** 32
}
const syllables = ["ka", "lo", "mi", "ren", "to", "sa", "vi", "dor", "pe", "lun", "ar", "ix", "no", "be", "tru", "che"]
const vocabulary = Array.from({ length: 6000 }, () =>
  Array.from({ length: 2 + Math.floor(random() * 3) }, () => syllables[Math.floor(random() * syllables.length)]).join(""))
// Zipf-like: common words come often, as in prose.
const word = () => vocabulary[Math.floor(vocabulary.length * random() ** 3)]!
const sentence = () => Array.from({ length: 8 + Math.floor(random() * 12) }, word).join(" ") + "."
const paragraph = () => Array.from({ length: 3 + Math.floor(random() * 3) }, sentence).join(" ")
// Every run draws the same texts, whether it fills the database or finds it filled.
const FIRST_TEXT_SEED = seed
const edit = (text: string) => text.split(" ").map((w, i) => (i % 9 === 8 ? word() : w)).join(" ")

const ms = (t0: number) => Math.round(performance.now() - t0)
const percentile = (xs: ReadonlyArray<number>, q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!

// The edited copies of another page's paragraph the texts hold: [source, copy], as indexes in the order of the texts.
const edited: Array<readonly [number, number]> = []

/** The paragraphs, batch by batch: `page` is an index into the land's pages, in id order. */
function* generate() {
  seed = FIRST_TEXT_SEED
  edited.length = 0
  const texts: Array<string> = []
  for (let from = 0; from < PARAGRAPHS; from += BATCH) {
    yield Array.from({ length: Math.min(BATCH, PARAGRAPHS - from) }, (_, j) => {
      const i = from + j
      const source = i > 1000 && random() < 0.02 ? Math.floor(random() * texts.length) : -1
      const reused = source < 0 ? null : texts[source]!
      const text = reused === null ? paragraph() : random() < 0.5 ? reused : edit(reused)
      if (reused !== null && text !== reused && Math.floor(source / PER_PAGE) !== Math.floor(i / PER_PAGE)) edited.push([source, i])
      if (texts.length < 50_000) texts.push(text)
      return { page: Math.floor(i / PER_PAGE), position: i % PER_PAGE, text }
    })
  }
  return texts
}

/** The texts the fill stored, generated again (the same draws) for a database filled by an earlier run. */
const regenerate = () => {
  const batches = generate()
  for (;;) {
    const next = batches.next()
    if (next.done === true) return next.value
  }
}

const fill = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const land = yield* (yield* Lands).create({ name: LAND })
  yield* sql`
    INSERT INTO domains (land_id, host) SELECT ${land.id}, 'site' || h || '.example' FROM generate_series(0, ${HOSTS - 1}) h`
  yield* sql`
    INSERT INTO expressions (land_id, domain_id, url, normalized_url, depth, crawl_state, http_status, title, relevance)
    SELECT ${land.id}, d.id, u, u, 1, 'fetched', 200, 'Page ' || g, g % 5
    FROM generate_series(1, ${PAGES}) g
    CROSS JOIN LATERAL (SELECT 'https://site' || (g % ${HOSTS}) || '.example/p' || g AS u) x
    JOIN domains d ON d.land_id = ${land.id} AND d.host = 'site' || (g % ${HOSTS}) || '.example'`
  const pages = (yield* sql<{ id: number }>`SELECT id FROM expressions WHERE land_id = ${land.id} ORDER BY id`).map((r) => r.id)
  let embedMs = 0
  const batches = generate()
  for (let next = batches.next(); next.done !== true; next = batches.next()) {
    const rows = next.value
    const t0 = performance.now()
    const vectors = rows.map((r) => encodeVector(hashEmbedding(r.text)))
    embedMs += performance.now() - t0
    yield* sql.withTransaction(Effect.gen(function*() {
      const ids = yield* sql<{ id: number }>`
        INSERT INTO paragraphs (expression_id, position, text, text_hash, word_count, char_count)
        SELECT * FROM unnest(${rows.map((r) => pages[r.page]!)}::int[], ${rows.map((r) => r.position)}::int[],
          ${rows.map((r) => r.text)}::text[],
          ${rows.map((r) => createHash("md5").update(normaliseText(r.text)).digest("hex"))}::text[],
          ${rows.map((r) => r.text.split(" ").length)}::int[], ${rows.map((r) => r.text.length)}::int[])
        RETURNING id`
      yield* sql`
        INSERT INTO embeddings (paragraph_id, model, vector)
        SELECT * FROM unnest(${ids.map((r) => r.id)}::int[], ${ids.map(() => hashEmbedder.key)}::text[], ${vectors}::bytea[])`
    }))
  }
  yield* sql`UPDATE lands SET embedding_model = ${hashEmbedder.key} WHERE id = ${land.id}`
  yield* sql.unsafe("ANALYZE")
  return Math.round(PARAGRAPHS / (embedMs / 1000))
})

const LAND = "bench search"
const pglite = (dir: string) => path.join(dir, "pglite")

/** Fills the database in `dir`, or copies the one `--data` kept (filling and keeping it the first time). */
const prepare = (dir: string) =>
  Effect.gen(function*() {
    const kept = DATA === undefined ? null : path.resolve(DATA, String(PARAGRAPHS))
    if (kept !== null && fs.existsSync(pglite(kept))) {
      const t0 = performance.now()
      fs.cpSync(pglite(kept), pglite(dir), { recursive: true })
      console.error(`copied the database kept in ${kept} in ${ms(t0)} ms`)
      return { fillMs: null, hashEmbedPerSecond: null }
    }
    const t0 = performance.now()
    const hashEmbedPerSecond = yield* fill.pipe(Effect.provide(Lands.Default.pipe(Layer.provideMerge(layerFor({ _tag: "Embedded", dataDir: dir })))), Effect.scoped)
    const fillMs = ms(t0)
    console.error(`filled ${PARAGRAPHS} paragraphs in ${fillMs} ms (hash: ${hashEmbedPerSecond} paragraphs/s)`)
    if (kept !== null) fs.cpSync(pglite(dir), pglite(kept), { recursive: true })
    return { fillMs, hashEmbedPerSecond }
  })

const landOf = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ id: number }>`SELECT id FROM lands WHERE name = ${LAND}`
  return yield* (yield* LandRepo).find(row!.id)
})

/** A query: part of a stored paragraph (`source`), lightly edited. */
interface Query {
  readonly text: string
  readonly source: string
}

/** The search's wall time and its parts, `queries` searched one after the other. */
const searchRun = (land: Land, queries: ReadonlyArray<Query>) =>
  Effect.gen(function*() {
    const search = yield* SemanticSearch
    const times: Array<number> = []
    let top1 = 0
    let found = 0
    for (const q of queries) {
      const t = performance.now()
      const hits = yield* search.search(land, q.text, { limit: 10 })
      times.push(performance.now() - t)
      if ((hits[0]?.score ?? 0) > 0.5) top1++
      if (hits.some((h) => h.text === q.source)) found++
    }
    return { times, top1, found }
  }).pipe(withSpanTotals, Effect.map(({ result, spans }) => ({
    p50Ms: +percentile(result.times, 0.5).toFixed(2),
    p95Ms: +percentile(result.times, 0.95).toFixed(2),
    p99Ms: +percentile(result.times, 0.99).toFixed(2),
    queriesWithATopHitAbove05: result.top1,
    // The paragraph a query was cut from (or a copy of it) among its 10 hits: what an exact search would always give.
    sourceInTop10: +(result.found / result.times.length).toFixed(3),
    // Mean per query of each part (spans and statements), in ms.
    parts: Object.fromEntries(Object.entries(spans).map(([name, t]) => [name, +(t.totalMs / queries.length).toFixed(2)]))
  })))

const program = (dir: string) =>
  Effect.gen(function*() {
    const prepared = yield* prepare(dir)
    const texts = regenerate()
    const db = layerFor({ _tag: "Embedded", dataDir: dir })
    const services = (vectorDir: string, refreshMs: number) =>
      Layer.mergeAll(Lands.Default, LandRepo.Default, SearchLive({ vectorIndex: { dir: vectorDir, refreshMs } })).pipe(Layer.provideMerge(db))
    const vectorDir = path.join(dir, "vectors")

    // Rebuild: nothing saved yet; the index is built from the database's vectors, then saved when its scope closes.
    const rebuild = yield* Effect.gen(function*() {
      const land = yield* landOf
      const index = yield* VectorIndex
      const t = performance.now()
      const size = (yield* index.paragraphs(land.id, hashEmbedder.key)).size
      return { size, ms: ms(t) }
    }).pipe(Effect.provide(services(vectorDir, 60_000)), Effect.scoped)
    console.error(`rebuild: ${JSON.stringify(rebuild)}`)

    const queries = Array.from({ length: QUERIES }, (): Query => {
      const source = texts[Math.floor(random() * texts.length)]!
      return { source, text: edit(source.slice(0, Math.max(80, Math.floor(source.length * (0.3 + random() * 0.5))))) }
    })

    // Each query as if it came long after the previous one: the index asks the database whether its vectors changed.
    const checked = yield* Effect.gen(function*() {
      const land = yield* landOf
      yield* (yield* VectorIndex).paragraphs(land.id, hashEmbedder.key)
      return yield* searchRun(land, queries.slice(0, 100))
    }).pipe(Effect.provide(services(vectorDir, 0)), Effect.scoped)
    console.error(`search, each query checking for changes: p95 ${checked.p95Ms} ms`)

    return yield* Effect.gen(function*() {
      const land = yield* landOf
      const index = yield* VectorIndex
      let t = performance.now()
      yield* index.paragraphs(land.id, hashEmbedder.key)
      const loadMs = ms(t)
      console.error(`load: ${loadMs} ms`)

      const search = yield* searchRun(land, queries)
      const indexOnly: Array<number> = []
      for (const q of queries.slice(0, 100)) {
        const v = hashEmbedding(q.text)
        t = performance.now()
        yield* index.search(land.id, hashEmbedder.key, v, 10)
        indexOnly.push(performance.now() - t)
      }
      console.error(`search p95 ${search.p95Ms} ms`)
      if (SEARCH_ONLY) return { paragraphs: PARAGRAPHS, loadavg: os.loadavg().map((l) => +l.toFixed(1)), search, searchCheckingChanges: checked }

      fullGc()
      const rss = startRssSampler()
      t = performance.now()
      const { result: report, spans } = yield* withSpanTotals((yield* Pseudolinks).compute(land))
      const pseudolinksMs = ms(t)
      const memory = rss.stop()
      // The edited copies linked to their source: what only the vector neighbours can find (copies are exact pairs).
      const sql = yield* SqlClient.SqlClient
      const ids = (yield* sql<{ id: number }>`SELECT id FROM paragraphs ORDER BY id`).map((r) => r.id)
      const linked = new Set((yield* sql<{ s: number; t: number }>`
        SELECT source_paragraph_id AS s, target_paragraph_id AS t FROM similarities WHERE method = ${hashEmbedder.key}`)
        .flatMap((r) => [`${r.s} ${r.t}`, `${r.t} ${r.s}`]))
      const editedFound = edited.filter(([a, b]) => linked.has(`${ids[a]} ${ids[b]}`)).length
      console.error(`pseudolinks ${pseudolinksMs} ms, edited copies linked ${editedFound}/${edited.length}`)
      return {
        paragraphs: PARAGRAPHS,
        pages: PAGES,
        cpus: os.availableParallelism(),
        loadavg: os.loadavg().map((l) => +l.toFixed(1)),
        ...prepared,
        index: {
          rebuildMs: rebuild.ms,
          rebuildMsPer100k: Math.round(rebuild.ms * 100_000 / PARAGRAPHS),
          loadMs,
          loadMsPer100k: Math.round(loadMs * 100_000 / PARAGRAPHS),
          fileMb: +(fs.readdirSync(vectorDir).reduce((s, f) => s + fs.statSync(path.join(vectorDir, f)).size, 0) / 1e6).toFixed(1)
        },
        search: { queries: QUERIES, ...search, indexOnlyP95Ms: +percentile(indexOnly, 0.95).toFixed(2) },
        searchCheckingChanges: { queries: 100, ...checked },
        pseudolinks: {
          ms: pseudolinksMs,
          report,
          editedCopiesLinked: +(editedFound / edited.length).toFixed(3),
          editedCopies: edited.length,
          memory,
          parts: Object.fromEntries(Object.entries(spans).map(([name, t]) => [name, t.totalMs]))
        }
      }
    }).pipe(Effect.provide(services(vectorDir, 60_000)), Effect.scoped)
  })

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mwi-bench-search-"))
try {
  const result = await Effect.runPromise(program(dir).pipe(Logger.withMinimumLogLevel(LogLevel.Warning)))
  console.log(JSON.stringify(result, null, 2))
  const out = path.join(path.dirname(fileURLToPath(import.meta.url)), "results", "search.json")
  fs.writeFileSync(out, JSON.stringify({ at: new Date().toISOString(), ...result }, null, 2) + "\n")
} finally {
  fs.rmSync(dir, { recursive: true, force: true })
}

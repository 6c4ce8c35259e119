// Semantic search and pseudolinks at scale: `npx tsx bench/search.ts` (200,000 paragraphs, several minutes) or
// `--paragraphs=N`. A fresh embedded PGlite is filled with synthetic paragraphs (words drawn from a made-up
// vocabulary, 2% of them reused on another page, whole or lightly edited), embedded with the offline hash provider;
// then the vector index is built from the database (rebuild), saved, loaded back in a new scope (load), searched
// through SemanticSearch (the query embedded, the paragraphs and pages read back), and pseudolinks computed.
import { SqlClient } from "@effect/sql"
import { Effect, Layer, Logger, LogLevel } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { normaliseText } from "../src/domain/paragraphs.js"
import { encodeVector } from "../src/domain/vector.js"
import { SearchLive } from "../src/layers.js"
import { layerFor } from "../src/services/Database.js"
import { hashEmbedder, hashEmbedding } from "../src/services/embeddings/hash.js"
import { Lands } from "../src/services/Lands.js"
import { Pseudolinks } from "../src/services/Pseudolinks.js"
import { SemanticSearch } from "../src/services/SemanticSearch.js"
import { VectorIndex } from "../src/services/VectorIndex.js"
import { createHash } from "node:crypto"
import { startRssSampler } from "./monitor.js"

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1]
const PARAGRAPHS = Number(arg("paragraphs") ?? 200_000)
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
const edit = (text: string) => text.split(" ").map((w, i) => (i % 9 === 8 ? word() : w)).join(" ")

const ms = (t0: number) => Math.round(performance.now() - t0)
const percentile = (xs: ReadonlyArray<number>, q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!

const fill = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const land = yield* (yield* Lands).create({ name: "bench search" })
  yield* sql`
    INSERT INTO domains (land_id, host) SELECT ${land.id}, 'site' || h || '.example' FROM generate_series(0, ${HOSTS - 1}) h`
  yield* sql`
    INSERT INTO expressions (land_id, domain_id, url, normalized_url, depth, crawl_state, http_status, title, relevance)
    SELECT ${land.id}, d.id, u, u, 1, 'fetched', 200, 'Page ' || g, g % 5
    FROM generate_series(1, ${PAGES}) g
    CROSS JOIN LATERAL (SELECT 'https://site' || (g % ${HOSTS}) || '.example/p' || g AS u) x
    JOIN domains d ON d.land_id = ${land.id} AND d.host = 'site' || (g % ${HOSTS}) || '.example'`
  const pages = (yield* sql<{ id: number }>`SELECT id FROM expressions WHERE land_id = ${land.id} ORDER BY id`).map((r) => r.id)
  const texts: Array<string> = []
  let embedMs = 0
  for (let from = 0; from < PARAGRAPHS; from += BATCH) {
    const rows = Array.from({ length: Math.min(BATCH, PARAGRAPHS - from) }, (_, j) => {
      const i = from + j
      const reused = i > 1000 && random() < 0.02 ? texts[Math.floor(random() * texts.length)]! : null
      const text = reused === null ? paragraph() : random() < 0.5 ? reused : edit(reused)
      if (texts.length < 50_000) texts.push(text)
      return { page: pages[Math.floor(i / PER_PAGE)]!, position: i % PER_PAGE, text }
    })
    const t0 = performance.now()
    const vectors = rows.map((r) => encodeVector(hashEmbedding(r.text)))
    embedMs += performance.now() - t0
    yield* sql.withTransaction(Effect.gen(function*() {
      const ids = yield* sql<{ id: number }>`
        INSERT INTO paragraphs (expression_id, position, text, text_hash, word_count, char_count)
        SELECT * FROM unnest(${rows.map((r) => r.page)}::int[], ${rows.map((r) => r.position)}::int[],
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
  return { land, texts, embedPerSecond: Math.round(PARAGRAPHS / (embedMs / 1000)) }
})

const program = (dir: string) =>
  Effect.gen(function*() {
    const db = layerFor({ _tag: "Embedded", dataDir: dir })
    const services = (vectorDir: string) =>
      Layer.mergeAll(Lands.Default, SearchLive({ vectorIndex: { dir: vectorDir, refreshMs: 60_000 } })).pipe(Layer.provideMerge(db))
    const vectorDir = path.join(dir, "vectors")

    let t0 = performance.now()
    const { land, texts, embedPerSecond } = yield* fill.pipe(Effect.provide(Layer.mergeAll(Lands.Default).pipe(Layer.provideMerge(db))))
    const fillMs = ms(t0)
    console.error(`filled ${PARAGRAPHS} paragraphs in ${fillMs} ms (hash: ${embedPerSecond} paragraphs/s)`)

    // Rebuild: nothing saved yet; the index is built from the database's vectors, then saved when its scope closes.
    const rebuild = yield* Effect.gen(function*() {
      const index = yield* VectorIndex
      const t = performance.now()
      const size = (yield* index.paragraphs(land.id, hashEmbedder.key)).size
      return { size, ms: ms(t) }
    }).pipe(Effect.provide(services(vectorDir)), Effect.scoped)
    console.error(`rebuild: ${JSON.stringify(rebuild)}`)

    return yield* Effect.gen(function*() {
      const index = yield* VectorIndex
      const search = yield* SemanticSearch
      let t = performance.now()
      yield* index.paragraphs(land.id, hashEmbedder.key)
      const loadMs = ms(t)
      console.error(`load: ${loadMs} ms`)

      const queries = Array.from({ length: QUERIES }, () => {
        const text = texts[Math.floor(random() * texts.length)]!
        return edit(text.slice(0, Math.max(80, Math.floor(text.length * (0.3 + random() * 0.5)))))
      })
      const times: Array<number> = []
      let top1 = 0
      for (const q of queries) {
        t = performance.now()
        const hits = yield* search.search(land, q, { limit: 10 })
        times.push(performance.now() - t)
        if ((hits[0]?.score ?? 0) > 0.5) top1++
      }
      const indexOnly: Array<number> = []
      for (const q of queries.slice(0, 100)) {
        const v = hashEmbedding(q)
        t = performance.now()
        yield* index.search(land.id, hashEmbedder.key, v, 10)
        indexOnly.push(performance.now() - t)
      }
      console.error(`search p95 ${percentile(times, 0.95).toFixed(1)} ms`)

      const rss = startRssSampler()
      t = performance.now()
      const report = yield* (yield* Pseudolinks).compute(land)
      const pseudolinksMs = ms(t)
      const memory = rss.stop()
      return {
        paragraphs: PARAGRAPHS,
        pages: PAGES,
        cpus: os.availableParallelism(),
        loadavg: os.loadavg().map((l) => +l.toFixed(1)),
        fillMs,
        hashEmbedPerSecond: embedPerSecond,
        index: {
          rebuildMs: rebuild.ms,
          rebuildMsPer100k: Math.round(rebuild.ms * 100_000 / PARAGRAPHS),
          loadMs,
          loadMsPer100k: Math.round(loadMs * 100_000 / PARAGRAPHS),
          fileMb: +(fs.readdirSync(vectorDir).reduce((s, f) => s + fs.statSync(path.join(vectorDir, f)).size, 0) / 1e6).toFixed(1)
        },
        search: {
          queries: QUERIES,
          p50Ms: +percentile(times, 0.5).toFixed(2),
          p95Ms: +percentile(times, 0.95).toFixed(2),
          p99Ms: +percentile(times, 0.99).toFixed(2),
          indexOnlyP95Ms: +percentile(indexOnly, 0.95).toFixed(2),
          queriesWithATopHitAbove05: top1
        },
        pseudolinks: {
          ms: pseudolinksMs,
          report,
          memory
        }
      }
    }).pipe(Effect.provide(services(vectorDir)), Effect.scoped)
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

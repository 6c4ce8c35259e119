import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { encodeVector } from "../src/domain/vector.js"
import { SearchLive } from "../src/layers.js"
import { hashEmbedder, hashEmbedding } from "../src/services/embeddings/hash.js"
import { Lands } from "../src/services/Lands.js"
import { ParagraphStore } from "../src/services/ParagraphStore.js"
import { exactFileOf, keysFileOf } from "../src/services/search/keysFile.js"
import { VectorIndex, VectorIndexConfig } from "../src/services/VectorIndex.js"
import { Pseudolinks } from "../src/services/Pseudolinks.js"
import { edited, english, french } from "./fixtures/passages.js"
import { pgliteDatabase } from "./support/databases.js"

const services = Layer.mergeAll(Lands.Default, ParagraphStore.Default, SearchLive({ vectorIndex: { refreshMs: 0, dir: null } })).pipe(
  Layer.provideMerge(pgliteDatabase)
)

const model = hashEmbedder.key

// A page and its paragraph, with or without its vector (stored as another process would: straight into the database).
const paragraph = (landId: number, n: number, text: string, vector: boolean) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const [domain] = yield* sql<{ id: number }>`
      INSERT INTO domains (land_id, host) VALUES (${landId}, ${`s${n}.example`}) RETURNING id`
    const url = `https://s${n}.example/`
    const [page] = yield* sql<{ id: number }>`
      INSERT INTO expressions (land_id, domain_id, url, normalized_url, depth) VALUES (${landId}, ${domain!.id}, ${url}, ${url}, 0)
      RETURNING id`
    const [row] = yield* sql<{ id: number }>`
      INSERT INTO paragraphs (expression_id, position, text, text_hash, word_count, char_count)
      VALUES (${page!.id}, 0, ${text}, ${`h${n}`}, 1, ${text.length}) RETURNING id`
    if (vector) yield* sql`INSERT INTO embeddings (paragraph_id, model, vector) VALUES (${row!.id}, ${model}, ${encodeVector(hashEmbedding(text))})`
    return row!.id
  })

// Only one database: what is tested is the index's bookkeeping, above SQL that search.test.ts runs on both.
layer(services, { timeout: "60 seconds", excludeTestServices: true })("vector index", (it) => {
  it.effect("answers without waiting for its check of other processes' changes, and follows its own at once", () =>
    Effect.gen(function*() {
      const land = yield* (yield* Lands).create({ name: "index" })
      const index = yield* VectorIndex
      const nearest = (text: string) =>
        Effect.map(index.search(land.id, model, hashEmbedding(text), 1), (found) => found[0]?.paragraphId)
      const first = yield* paragraph(land.id, 1, english[0]!, true)
      expect(yield* nearest(english[0]!)).toBe(first)

      // Another process stores a vector: the next search answers from the index it has and checks meanwhile.
      const other = yield* paragraph(land.id, 2, french[0]!, true)
      expect(yield* nearest(french[0]!)).toBe(first)
      let seen: number | undefined
      for (let i = 0; i < 200 && seen !== other; i++) {
        yield* Effect.sleep("10 millis")
        seen = yield* nearest(french[0]!)
      }
      expect(seen).toBe(other)

      // This process stores one (as an embed job does): the very next search has it.
      const own = yield* paragraph(land.id, 3, english[1]!, false)
      yield* (yield* ParagraphStore).store(model, [{ paragraphId: own, vector: hashEmbedding(english[1]!) }])
      expect(yield* nearest(english[1]!)).toBe(own)
    }))

  it.scoped("starts from its saved index and keys while the database's vectors are unchanged, and reads them again when not", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const land = yield* (yield* Lands).create({ name: "saved" })
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mwi-vectors-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })))
      // Each run is a process of its own: a new index service over the same folder, saved when it closes.
      const run = <A, E>(use: (index: VectorIndex) => Effect.Effect<A, E>, exactMax?: number) =>
        Effect.flatMap(VectorIndex, use).pipe(
          Effect.provide(VectorIndex.Default.pipe(Layer.provide(VectorIndexConfig.layer({ dir, refreshMs: 0, ...(exactMax === undefined ? {} : { exactMax }) })))),
          Effect.scoped)
      const state = (text: string, exactMax?: number) =>
        run((index) => Effect.all([index.paragraphs(land.id, model), index.search(land.id, model, hashEmbedding(text), 1)]),
          exactMax).pipe(Effect.map(([pages, found]) => ({ pages: new Map(pages), nearest: found[0]?.paragraphId })))
      const first = yield* paragraph(land.id, 11, english[0]!, true)
      const second = yield* paragraph(land.id, 12, french[0]!, true)
      const built = yield* state(french[0]!)
      expect(built.nearest).toBe(second)
      const file = path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith(".usearch"))!)
      const keys = keysFileOf(file)
      const written = fs.statSync(keys).mtimeMs
      const exact = exactFileOf(file)
      const exactWritten = fs.statSync(exact).mtimeMs

      // Unchanged: the same pages, from the keys file, and the same exact rows (neither written again).
      expect(yield* state(english[0]!)).toEqual({ pages: built.pages, nearest: first })
      expect(fs.statSync(keys).mtimeMs).toBe(written)
      expect(fs.statSync(exact).mtimeMs).toBe(exactWritten)
      // A damaged exact file is read from the database again; beyond the exact search's size, the graph answers.
      fs.writeFileSync(exact, "{not json\n")
      expect(yield* state(english[0]!)).toEqual({ pages: built.pages, nearest: first })
      expect(fs.statSync(exact).size).toBeGreaterThan(1000)
      fs.rmSync(exact)
      expect(yield* state(french[0]!, 1)).toEqual({ pages: built.pages, nearest: second })
      expect(fs.existsSync(exact)).toBe(false)

      // Another process adds a vector and drops a paragraph: the saved keys are stale and the database is read.
      const third = yield* paragraph(land.id, 13, english[1]!, true)
      yield* sql`DELETE FROM paragraphs WHERE id = ${second}`
      const changed = yield* state(english[1]!)
      expect(changed.nearest).toBe(third)
      expect([...changed.pages.keys()].sort()).toEqual([first, third].sort())

      // A damaged keys file is ignored.
      fs.writeFileSync(keys, "{not json\n")
      expect((yield* state(english[1]!)).pages).toEqual(changed.pages)
    }))

  it.effect("pseudolinks pair the near copies that the nearest neighbours leave out", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const land = yield* (yield* Lands).create({ name: "near" })
      yield* sql`UPDATE lands SET embedding_model = ${model} WHERE id = ${land.id}`
      // A passage and three light edits of it, on four pages: one neighbour each links at most four of their six pairs.
      const source = english[2]!
      const ids = yield* Effect.forEach([source, edited(source, 19), edited(source, 20), edited(source, 21)],
        (text, n) => paragraph(land.id, 20 + n, text, true))
      const report = yield* (yield* Pseudolinks).compute(land, { neighbours: 1 })
      const pairs = yield* sql<{ s: number; t: number }>`
        SELECT source_paragraph_id AS s, target_paragraph_id AS t FROM similarities WHERE method = ${model}`
      expect(pairs.map((p) => `${p.s} ${p.t}`).sort()).toEqual(
        ids.flatMap((a, i) => ids.slice(i + 1).map((b) => `${a} ${b}`)).sort())
      expect(report).toMatchObject({ similar: 6, pagePairs: 6 })
      expect(report.nearCopies).toBeGreaterThanOrEqual(2)
    }))
})

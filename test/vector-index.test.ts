import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { encodeVector } from "../src/domain/vector.js"
import { SearchLive } from "../src/layers.js"
import { hashEmbedder, hashEmbedding } from "../src/services/embeddings/hash.js"
import { Lands } from "../src/services/Lands.js"
import { ParagraphStore } from "../src/services/ParagraphStore.js"
import { VectorIndex } from "../src/services/VectorIndex.js"
import { english, french } from "./fixtures/passages.js"
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
})

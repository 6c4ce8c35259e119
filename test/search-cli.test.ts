import { Reactivity } from "@effect/experimental"
import { describe, expect, it } from "@effect/vitest"
import { parse } from "csv-parse/sync"
import { Effect, Exit, Scope } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll } from "vitest"
import { hashEmbedder } from "../src/services/embeddings/hash.js"
import { french } from "./fixtures/passages.js"
import { runMwi } from "./support/cli.js"
import { copyMigratedDataDir, throwAwayPgDatabase } from "./support/databases.js"
import { reuseSites } from "./support/reuse-sites.js"

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mwi-search-cli-"))
const scope = Effect.runSync(Scope.make())
let sites: Effect.Effect.Success<typeof reuseSites>
let pgUrl: string

beforeAll(async () => {
  sites = await Effect.runPromise(Scope.extend(reuseSites, scope))
  pgUrl = await Effect.runPromise(Scope.extend(throwAwayPgDatabase, scope).pipe(Effect.provide(Reactivity.layer)))
})

afterAll(async () => {
  await Effect.runPromise(Scope.close(scope, Exit.void))
  fs.rmSync(tmp, { recursive: true, force: true })
})

describe("mwi land search and pseudolinks", () => {
  const dataDir = copyMigratedDataDir(tmp)
  const backends = [
    ["pglite", () => ({ MWI_DATA_DIR: dataDir, MWI_DATABASE_URL: "", MWI_FETCH_RETRIES: "0", MWI_EMBED_PROVIDER: "" })],
    ["postgres", () => ({ MWI_DATA_DIR: path.join(tmp, "unused"), MWI_DATABASE_URL: pgUrl, MWI_FETCH_RETRIES: "0", MWI_EMBED_PROVIDER: "" })]
  ] as const

  for (const [backend, env] of backends) {
    it(`crawls, embeds, searches, links and exports [${backend}]`, async () => {
      expect((await runMwi(["land", "create", "--name", "r", "--terms", "tram"], env())).code).toBe(0)
      expect((await runMwi(["land", "addurl", "--land", "r", "--urls", sites.seed], env())).code).toBe(0)
      const crawled = await runMwi(["land", "crawl", "--name", "r", "--delay-ms", "0", "--minrel", "0", "--allow-private-network", "--json"], env())
      expect(JSON.parse(crawled.stdout)).toMatchObject({ fetched: 5 })

      const early = await runMwi(["land", "search", "--name", "r", "--query", "tram"], env())
      expect(early.code).toBe(1)
      expect(early.stderr.trim()).toBe(`mwi: land "r" has no paragraph vectors yet: run mwi land embed --name "r" first (pages without readable text give none)`)

      expect((await runMwi(["land", "show", "--name", "r"], env())).stdout).toContain("  not embedded (mwi land embed)")
      const embedded = JSON.parse((await runMwi(["land", "embed", "--name", "r", "--json"], env())).stdout)
      const shown = await runMwi(["land", "show", "--name", "r"], env())
      expect(shown.stdout).toContain(`  searched with hash/ngrams-v1/512: ${embedded.vectors} of ${embedded.paragraphs} paragraphs embedded`)
      expect(JSON.parse((await runMwi(["land", "show", "--name", "r", "--json"], env())).stdout).embedding)
        .toEqual({ model: "hash/ngrams-v1/512", paragraphs: embedded.paragraphs, vectors: embedded.vectors })
      const found = await runMwi(["land", "search", "--name", "r", "--query", "quarante phoques gris équipés de balises", "--limit", "2", "--json"], env())
      expect(found.stderr).toBe("")
      const hits = JSON.parse(found.stdout)
      expect(hits).toHaveLength(2)
      expect(hits.map((h: any) => h.url).sort()).toEqual([sites.reuse, sites.edit].sort())
      expect(hits.find((h: any) => h.url === sites.reuse)).toMatchObject({ text: french[1], title: "Tram and seals" })
      const human = await runMwi(["land", "search", "--name", "r", "--query", "tram network stations", "--limit", "1", "--minrel", "1"], env())
      expect(human.stdout).toMatch(/^1\. 0\.\d{3} {2}Tram/)
      const bad = await runMwi(["land", "search", "--name", "r", "--query", "tram", "--limit", "0", "--json"], env())
      expect(bad.code).toBe(1)
      expect(JSON.parse(bad.stderr)).toMatchObject({ error: "InvalidInput", message: "invalid limit: must be an integer from 1 to 500" })

      const wordless = await runMwi(["land", "search", "--name", "r", "--query", "!!! ???", "--json"], env())
      expect(wordless.code).toBe(1)
      expect(JSON.parse(wordless.stderr)).toMatchObject({ error: "InvalidInput", message: "invalid query: has no word to search for" })
      const negative = await runMwi(["land", "search", "--name", "r", "--query", "tram", "--minrel", "-1"], env())
      expect(negative.code).toBe(1)
      expect(negative.stderr).toContain("invalid minrel: must be at least 0")
      const infinite = await runMwi(["land", "search", "--name", "r", "--query", "tram", "--minrel", "1e400"], env())
      expect(infinite.code).toBe(1)
      expect(infinite.stderr).toContain("invalid minrel: must be a finite number")
      const embedAll = await runMwi(["land", "embed", "--name", "r", "--minrel", "1e400"], env())
      expect(embedAll.code).toBe(1)
      expect(embedAll.stderr).toContain("minrel must be a finite number")

      for (const t of ["2", "-0.5", "0"]) {
        const threshold = await runMwi(["land", "pseudolinks", "--name", "r", "--threshold", t], env())
        expect(threshold.code).toBe(1)
        expect(threshold.stderr).toContain("threshold must be a cosine similarity above 0 and at most 1")
      }
      const linked = await runMwi(["land", "pseudolinks", "--name", "r", "--json"], env())
      expect(linked.stderr).toBe("")
      expect(JSON.parse(linked.stdout)).toMatchObject({
        status: "completed",
        report: { model: hashEmbedder.key, threshold: 0.4, exact: 1, similar: 1, pagePairs: 2, domainPairs: 2 }
      })
      const text = await runMwi(["land", "pseudolinks", "--name", "r", "--threshold", "0.9"], env())
      expect(text.stdout).toMatch(/: \d+ paragraphs of hash\/ngrams-v1\/512, 0 similar pairs \(similarity ≥ 0\.9, 10 nearest each, 0 of them near copies\), 1 exact duplicate pair; 1 page pair, 1 domain pair;/)

      const out = path.join(tmp, `${backend}-pages.csv`)
      const exported = await runMwi(["land", "export", "--name", "r", "--type", "pseudolinkspage", "--minrel", "0", "--out", out, "--json"], env())
      expect(JSON.parse(exported.stdout)).toMatchObject({ counts: { pagePairs: 1 } })
      const rows = parse(fs.readFileSync(out, "utf8"), { columns: true }) as Array<Record<string, string>>
      expect([rows[0]!["source_url"], rows[0]!["target_url"]].sort()).toEqual([sites.reuse, sites.copy].sort())
      expect(rows[0]).toMatchObject({ pairs: "1", max_similarity: "1" })
    }, 300_000)
  }

  it("keeps the embedded database's index beside it, and deletes it with its land", async () => {
    const files = () => fs.readdirSync(path.join(dataDir, "vectors"))
    expect(files().sort()).toEqual([`land-1-hash_ngrams-v1_512.usearch`, `land-1-hash_ngrams-v1_512.usearch.exact`,
      `land-1-hash_ngrams-v1_512.usearch.keys`])
    expect((await runMwi(["land", "delete", "--name", "r"], backends[0][1]())).code).toBe(0)
    expect(files()).toEqual([])
  })
})

import { NodeContext } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import { assert, describe, expect, it } from "@effect/vitest"
import { DOMParser } from "@xmldom/xmldom"
import { parse as parseCsvText } from "csv-parse/sync"
import { Chunk, Effect, Schema, Stream } from "effect"
import { strFromU8, unzipSync } from "fflate"
import { DirectedGraph, UndirectedGraph } from "graphology"
import gexf from "graphology-gexf"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll } from "vitest"
import { writeFileAtomically } from "../src/cli/export.js"
import { corpusFileName, slug } from "../src/domain/export-corpus.js"
import { csvField, csvRow } from "../src/domain/export-csv.js"
import { xmlText } from "../src/domain/export-gexf.js"
import { contentDisposition, exportFilename, type ExportFiltersInput, exportTypes } from "../src/domain/export-types.js"
import { makeZipWriter } from "../src/domain/export-zip.js"
import { Exporter } from "../src/services/Exporter.js"
import { Lands } from "../src/services/Lands.js"
import { crawlLand } from "../src/streams/crawl.js"
import { CrawlOptions } from "../src/streams/crawl-options.js"
import { runMwi } from "./support/cli.js"
import { appOn } from "./support/app.js"
import { copyMigratedDataDir, onBothDatabases } from "./support/databases.js"
import { startFixtureServer } from "./support/fixture-server.js"
import { articlePage, sendHtml } from "./support/fixture-site.js"

// ---------------------------------------------------------------------------------------------------------------------
// Reading exports back with real parsers

const INVALID_XML = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u

const collect = (stream: Stream.Stream<Uint8Array, SqlError>) =>
  Stream.runCollect(stream).pipe(Effect.map((chunks) => Buffer.concat(Chunk.toReadonlyArray(chunks))))

const runExport = (landId: number, type: string, filters: ExportFiltersInput = {}) =>
  Effect.gen(function*() {
    const exporter = yield* Exporter
    const file = yield* exporter.export(landId, type, filters)
    const bytes = yield* collect(file.stream)
    return { file, bytes, counts: yield* file.counts }
  })

type Record_ = Readonly<Record<string, string>>

/** Strict RFC 4180 reading: records end with CRLF (a bare LF outside quotes would break the column count). */
const readCsv = (bytes: Uint8Array) => {
  const text = Buffer.from(bytes).toString("utf8")
  assert.isTrue(text.endsWith("\r\n"), "the file ends with CRLF")
  const rows = parseCsvText(text, { record_delimiter: "\r\n" })
  const [header, ...body] = rows
  return {
    header: header!,
    records: body.map((r): Record_ => Object.fromEntries(header!.map((h, i) => [h, r[i]!])))
  }
}

const wellFormed = (xml: string) => {
  const problems: Array<string> = []
  const report = (m: string) => {
    problems.push(m)
  }
  new DOMParser({ errorHandler: { warning: report, error: report, fatalError: report } }).parseFromString(xml, "application/xml")
  assert.deepStrictEqual(problems, [], "the XML parser reports nothing")
}

/** A GEXF file read back; `undirected` for pairs alike (pseudolinks), where links have a direction. */
const readGexf = (bytes: Uint8Array, undirected = false) => {
  const text = Buffer.from(bytes).toString("utf8")
  assert.notMatch(text, INVALID_XML, "no character XML 1.0 forbids")
  assert.include(text, `<gexf xmlns="http://gexf.net/1.3" xmlns:viz="http://gexf.net/1.3/viz"`)
  wellFormed(text)
  assert.include(text, `<graph mode="static" defaultedgetype="${undirected ? "undirected" : "directed"}">`)
  return undirected
    ? gexf.parse(UndirectedGraph, text, { respectInputGraphType: true })
    : gexf.parse(DirectedGraph, text, { respectInputGraphType: true })
}

const readZip = (bytes: Uint8Array) => unzipSync(bytes)

const edgeSet = (g: ReturnType<typeof readGexf>) =>
  g.mapEdges((_e, attrs, s, t) => `${s}>${t}:${attrs["weight"]}`).sort()

// ---------------------------------------------------------------------------------------------------------------------
// A land with the awkward cases on purpose

const TITLE_1 = "Été, \"quoted\"\nnew line; ünïcödé 🌍, 中文"
const TITLE_2 = "Tabs\tand <tags> & a bell \u0007 here"

const seed = (name: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const lands = yield* Lands
    const land = yield* lands.create({ name })
    const domain = (host: string, title: string | null, description: string | null) =>
      sql<{ id: number }>`
        INSERT INTO domains (land_id, host, title, description, keywords, http_status)
        VALUES (${land.id}, ${host}, ${title}, ${description}, ${title === null ? null : "k1, k2"}, ${title === null ? null : 200})
        RETURNING id`.pipe(Effect.map((rows) => rows[0]!.id))
    const A = yield* domain("a.example", "Site A, \"the first\"", "line one\nline two")
    const B = yield* domain("b.example", null, null)
    const C = yield* domain("c.example", "Cuisine", null)
    const D = yield* domain("d.example", "Empty", null)
    const page = (p: {
      domain: number
      url: string
      depth: number
      relevance: number | null
      status: number | null
      title?: string | null
      readable?: string | null
      lang?: string | null
      published?: string | null
    }) =>
      sql<{ id: number }>`
        INSERT INTO expressions (land_id, domain_id, url, normalized_url, depth, crawl_state, http_status, title,
                                 description, keywords, language, published_at, readable, relevance, fetched_at)
        VALUES (${land.id}, ${p.domain}, ${p.url}, ${p.url}, ${p.depth}, ${p.status === null ? "pending" : "fetched"},
                ${p.status}, ${p.title ?? null}, ${p.title ? `About ${p.title}` : null}, ${p.title ? "a, b" : null},
                ${p.lang ?? null}, ${p.published ?? null}::timestamptz, ${p.readable ?? null}, ${p.relevance},
                ${p.status === null ? null : "2025-05-06T07:08:09Z"}::timestamptz)
        RETURNING id`.pipe(Effect.map((rows) => rows[0]!.id))
    const p1 = yield* page({
      domain: A,
      url: "https://a.example/",
      depth: 0,
      relevance: 12,
      status: 200,
      title: TITLE_1,
      lang: "fr",
      published: "2024-03-01T10:00:00Z",
      readable: "# Climat\n\nLe **climat** change, voir [ce lien](https://b.example/).\n\nDeuxième paragraphe, «guillemets»."
    })
    const p2 = yield* page({ domain: A, url: "https://a.example/2", depth: 1, relevance: 3, status: 200, title: TITLE_2, readable: "  \n\t " })
    const p3 = yield* page({ domain: B, url: "https://b.example/", depth: 1, relevance: 1, status: 200, readable: "Texte **B**" })
    const p4 = yield* page({ domain: B, url: "https://b.example/404", depth: 2, relevance: null, status: 404 })
    const p5 = yield* page({ domain: C, url: "https://c.example/", depth: 2, relevance: 0, status: 200, title: "Cuisine", readable: "rien" })
    const p6 = yield* page({ domain: A, url: "https://a.example/deep", depth: 3, relevance: 5, status: 200, title: "Deep" })
    const links: ReadonlyArray<readonly [number, number]> = [
      [p1, p2], [p1, p3], [p2, p3], [p3, p1], [p3, p4], [p1, p5], [p6, p3], [p3, p6]
    ]
    for (const [s, t] of links) {
      yield* sql`INSERT INTO expression_links (source_id, target_id, link_type) VALUES (${s}, ${t}, 'external')`
    }
    const media = (expression: number, url: string, analysed: boolean) =>
      sql<{ id: number }>`
        INSERT INTO media (expression_id, url, type, alt, mime_type, width, height, file_size, format, color_mode,
                           channels, has_transparency, aspect_ratio, dominant_colors, websafe_colors, exif, sha256,
                           phash, analyzed_at)
        VALUES (${expression}, ${url}, 'image', ${analysed ? "a, \"figure\"" : null},
                ${analysed ? "image/png" : null}, ${analysed ? 640 : null}, ${analysed ? 480 : null},
                ${analysed ? 12345 : null}, ${analysed ? "png" : null}, ${analysed ? "RGBA" : null},
                ${analysed ? 4 : null}, ${analysed ? true : null}, ${analysed ? 1.33 : null},
                ${analysed ? JSON.stringify([{ rgb: [255, 0, 0], share: 0.75 }]) : null}::jsonb,
                ${analysed ? JSON.stringify({ "#ff0000": 0.75 }) : null}::jsonb,
                ${analysed ? JSON.stringify({ Make: "Canon", Model: "EOS" }) : null}::jsonb,
                ${analysed ? "ab".repeat(32) : null}, ${analysed ? "0123456789abcdef" : null},
                ${analysed ? "2025-01-02T03:04:05Z" : null}::timestamptz)
        RETURNING id`.pipe(Effect.map((rows) => rows[0]!.id))
    const m1 = yield* media(p1, "https://a.example/i.png", true)
    const m2 = yield* media(p1, "https://a.example/j.png", false)
    const m3 = yield* media(p5, "https://c.example/k.png", false)
    const tag = (tagName: string) =>
      sql<{ id: number }>`INSERT INTO tags (land_id, name) VALUES (${land.id}, ${tagName}) RETURNING id`.pipe(
        Effect.map((rows) => rows[0]!.id)
      )
    const zeta = yield* tag("Zeta")
    const alpha = yield* tag("alpha")
    for (const [t, e] of [[zeta, p1], [zeta, p1], [alpha, p1], [alpha, p5]] as const) {
      yield* sql`INSERT INTO tagged_content (tag_id, expression_id, text, from_char, to_char) VALUES (${t}, ${e}, 'x', 0, 1)`
    }
    return { land, p: { p1, p2, p3, p4, p5, p6 }, d: { A, B, C, D }, m: { m1, m2, m3 } }
  })

/** The pages as the database has them, to compare exports with. */
const dbPages = (ids: ReadonlyArray<number>) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{
      id: number
      normalizedUrl: string
      title: string | null
      description: string | null
      keywords: string | null
      relevance: number | null
      depth: number
      domainId: number
      host: string
      httpStatus: number | null
      language: string | null
      publishedAt: Date | null
      readable: string | null
    }>`
      SELECT e.id, e.normalized_url, e.title, e.description, e.keywords, e.relevance, e.depth, e.domain_id, d.host,
             e.http_status, e.language, e.published_at, e.readable
      FROM expressions e JOIN domains d ON d.id = e.domain_id WHERE e.id = ANY(${[...ids]}::int[]) ORDER BY e.id`)

const s = (v: string | number | null) => (v === null ? "" : String(v))


// ---------------------------------------------------------------------------------------------------------------------

describe("export format rules", () => {
  it("quotes CSV fields per RFC 4180 and writes stable numbers and dates", () => {
    assert.strictEqual(csvField("plain"), "plain")
    assert.strictEqual(csvField("a,b"), `"a,b"`)
    assert.strictEqual(csvField(`say "hi"`), `"say ""hi"""`)
    assert.strictEqual(csvField("two\nlines"), `"two\nlines"`)
    assert.strictEqual(csvField("cr\r"), `"cr\r"`)
    assert.strictEqual(csvField(""), `""`)
    assert.strictEqual(csvField(null), "")
    assert.strictEqual(csvField(6.67), "6.67")
    assert.strictEqual(csvField(12), "12")
    assert.strictEqual(csvField(Number.NaN), "")
    assert.strictEqual(csvField(false), "false")
    assert.strictEqual(csvField(new Date(Date.UTC(2024, 0, 2, 3, 4, 5))), "2024-01-02T03:04:05.000Z")
    assert.strictEqual(csvField({ a: [1, "x,y"] }), `"{""a"":[1,""x,y""]}"`)
    assert.strictEqual(csvRow(["a", 1, null]), "a,1,\r\n")
  })

  it("escapes XML and removes the characters XML 1.0 forbids", () => {
    assert.strictEqual(xmlText(`<a href="x">&'</a>`), "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;")
    assert.strictEqual(xmlText("bell\u0007 nul\u0000 esc\u001b ok"), "bell nul esc ok")
    assert.strictEqual(xmlText("lone \uD800 surrogate \uFFFE"), "lone  surrogate ")
    assert.strictEqual(xmlText("tab\tline\nret\r"), "tab&#9;line&#10;ret&#13;")
    assert.strictEqual(xmlText("emoji 🌍 kept"), "emoji 🌍 kept")
  })

  it("names files and corpus entries safely", () => {
    const at = new Date(Date.UTC(2025, 11, 31, 23, 59, 58))
    assert.strictEqual(exportFilename("écologie / climat", "pagegexf", at), "écologie-climat_pagegexf_20251231-235958.gexf")
    assert.strictEqual(exportFilename("../..", "corpus", at), "land_corpus_20251231-235958.zip")
    assert.strictEqual(slug("Été: l'année «chaude»!"), "ete-l-annee-chaude")
    assert.strictEqual(slug(null), "untitled")
    assert.strictEqual(slug("中文"), "untitled")
    assert.strictEqual(slug("b".repeat(80)).length, 50)
    assert.strictEqual(corpusFileName({ id: 7, title: "Bonjour" }), "7-bonjour.txt")
    assert.strictEqual(
      contentDisposition("écologie_pagecsv.csv"),
      `attachment; filename="ecologie_pagecsv.csv"; filename*=UTF-8''%C3%A9cologie_pagecsv.csv`
    )
  })

  it("writes a ZIP64 end record past 65,535 entries, which unzippers read back whole", () => {
    const zip = makeZipWriter(new Date(), 0)
    const parts: Array<Uint8Array> = []
    const n = 70_000
    for (let i = 0; i < n; i++) {
      zip.file(`${i}.txt`, new TextEncoder().encode(String(i)))
      if (i % 1000 === 0) parts.push(zip.take())
    }
    parts.push(zip.finish())
    const files = unzipSync(Buffer.concat(parts))
    const names = Object.keys(files)
    assert.strictEqual(names.length, n)
    assert.strictEqual(strFromU8(files["69999.txt"]!), "69999")
  }, 60_000)

  it("leaves no file behind when the stream fails, and replaces a target only with a whole file", () =>
    Effect.gen(function*() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mwi-atomic-"))
      const target = path.join(dir, "out.csv")
      fs.writeFileSync(target, "previous")
      const failing = Stream.make(new TextEncoder().encode("half")).pipe(Stream.concat(Stream.fail("boom" as const)))
      const error = yield* writeFileAtomically(target, failing).pipe(Effect.flip)
      assert.strictEqual(error, "boom")
      assert.deepStrictEqual(fs.readdirSync(dir), ["out.csv"])
      assert.strictEqual(fs.readFileSync(target, "utf8"), "previous")
      const bytes = yield* writeFileAtomically(target, Stream.make(new TextEncoder().encode("whole")))
      assert.strictEqual(bytes, 5)
      assert.deepStrictEqual(fs.readdirSync(dir), ["out.csv"])
      assert.strictEqual(fs.readFileSync(target, "utf8"), "whole")
      const missing = yield* writeFileAtomically(path.join(dir, "no", "x.csv"), Stream.empty).pipe(Effect.flip)
      assert.strictEqual(missing.message, `cannot write ${path.join(dir, "no", "x.csv")}: no such folder`)
      fs.rmSync(dir, { recursive: true })
    }).pipe(Effect.provide(NodeContext.layer)))
})

onBothDatabases(
  "exports",
  (db) => appOn(db, { fetcher: { timeoutMs: 3000, retries: 1, backoffBaseMs: 10 } }),
  (it) => {
    it.effect("pagecsv and fullpagecsv: legacy columns, quoting, unicode, tags, relevance ≥ 1", () =>
      Effect.gen(function*() {
        const { land, p } = yield* seed("pagecsv")
        const { bytes, counts, file } = yield* runExport(land.id, "pagecsv")
        assert.strictEqual(file.contentType, "text/csv; charset=utf-8; header=present")
        assert.match(file.filename, /^pagecsv_pagecsv_\d{8}-\d{6}\.csv$/)
        const { header, records } = readCsv(bytes)
        assert.deepStrictEqual(header, [
          "id", "url", "title", "description", "keywords", "relevance", "depth", "domain_id", "domain_name",
          "domain_description", "domain_keywords", "tags"
        ])
        const expected = [p.p1, p.p2, p.p3, p.p6]
        assert.deepStrictEqual(records.map((r) => Number(r["id"])), expected)
        assert.deepStrictEqual(counts, { pages: 4 })
        const db = yield* dbPages(expected)
        for (const [i, row] of db.entries()) {
          const r = records[i]!
          assert.strictEqual(r["url"], row.normalizedUrl)
          assert.strictEqual(r["title"], s(row.title))
          assert.strictEqual(r["description"], s(row.description))
          assert.strictEqual(Number(r["relevance"]), row.relevance)
          assert.strictEqual(Number(r["depth"]), row.depth)
          assert.strictEqual(Number(r["domain_id"]), row.domainId)
          assert.strictEqual(r["domain_name"], row.host)
        }
        assert.strictEqual(records[0]!["title"], TITLE_1)
        assert.strictEqual(records[0]!["domain_description"], "line one\nline two")
        assert.strictEqual(records[0]!["tags"], "Zeta,alpha")
        assert.strictEqual(records[1]!["tags"], "")

        const full = readCsv((yield* runExport(land.id, "fullpagecsv")).bytes)
        assert.deepStrictEqual(full.header.slice(4, 7), ["keywords", "readable", "relevance"])
        assert.strictEqual(full.records[0]!["readable"], db[0]!.readable)
        assert.strictEqual(full.records[3]!["readable"], "")
      }))

    it.effect("nodecsv and mediacsv: domains with their exported pages, media with analysis columns", () =>
      Effect.gen(function*() {
        const { d, land, m, p } = yield* seed("nodes")
        const nodes = readCsv((yield* runExport(land.id, "nodecsv")).bytes)
        assert.deepStrictEqual(nodes.header, ["id", "name", "title", "description", "keywords", "expressions", "average_relevance"])
        assert.deepStrictEqual(nodes.records, [
          { id: String(d.A), name: "a.example", title: "Site A, \"the first\"", description: "line one\nline two", keywords: "k1, k2", expressions: "3", average_relevance: "6.67" },
          { id: String(d.B), name: "b.example", title: "", description: "", keywords: "", expressions: "1", average_relevance: "1" }
        ])
        const all = readCsv((yield* runExport(land.id, "nodecsv", { minrel: 0 })).bytes)
        assert.deepStrictEqual(all.records.map((r) => [r["name"], r["expressions"], r["average_relevance"]]), [
          ["a.example", "3", "6.67"], ["b.example", "2", "1"], ["c.example", "1", "0"]
        ])

        const media = yield* runExport(land.id, "mediacsv")
        const { header, records } = readCsv(media.bytes)
        assert.deepStrictEqual(header.slice(0, 4), ["id", "expression_id", "url", "type"])
        assert.deepStrictEqual(media.counts, { media: 2 })
        assert.deepStrictEqual(records.map((r) => Number(r["id"])), [m.m1, m.m2])
        const r = records[0]!
        assert.strictEqual(Number(r["expression_id"]), p.p1)
        assert.deepStrictEqual(
          [r["alt"], r["mime_type"], r["width"], r["height"], r["file_size"], r["format"], r["has_transparency"], r["aspect_ratio"]],
          ["a, \"figure\"", "image/png", "640", "480", "12345", "png", "true", "1.33"]
        )
        assert.deepStrictEqual(JSON.parse(r["dominant_colors"]!), [{ rgb: [255, 0, 0], share: 0.75 }])
        assert.deepStrictEqual(JSON.parse(r["websafe_colors"]!), { "#ff0000": 0.75 })
        assert.deepStrictEqual(JSON.parse(r["exif"]!), { Make: "Canon", Model: "EOS" })
        assert.strictEqual(r["sha256"], "ab".repeat(32))
        assert.strictEqual(r["analyzed_at"], "2025-01-02T03:04:05.000Z")
        assert.deepStrictEqual([records[1]!["width"], records[1]!["exif"], records[1]!["analyzed_at"]], ["", "", ""])
      }))

    it.effect("pagegexf and nodegexf read back in graphology with the database's nodes, edges and attributes", () =>
      Effect.gen(function*() {
        const { d, land, p } = yield* seed("gexf")
        const pages = yield* runExport(land.id, "pagegexf")
        assert.strictEqual(pages.file.contentType, "application/gexf+xml; charset=utf-8")
        const g = readGexf(pages.bytes)
        assert.deepStrictEqual(g.nodes().map(Number), [p.p1, p.p2, p.p3, p.p6])
        // inter-domain links between exported pages only: p1>p2 is within a.example, p3>p4 and p1>p5 leave the export
        assert.deepStrictEqual(edgeSet(g), [`${p.p1}>${p.p3}:1`, `${p.p2}>${p.p3}:1`, `${p.p3}>${p.p1}:1`, `${p.p3}>${p.p6}:1`, `${p.p6}>${p.p3}:1`].sort())
        assert.deepStrictEqual(pages.counts, { pages: 4, links: 5 })
        const db = yield* dbPages([p.p1, p.p2, p.p3, p.p6])
        for (const row of db) {
          const a = g.getNodeAttributes(String(row.id))
          assert.strictEqual(a["label"], row.normalizedUrl)
          assert.strictEqual(a["size"], row.relevance)
          assert.strictEqual(a["relevance"], row.relevance)
          assert.strictEqual(a["depth"], row.depth)
          assert.strictEqual(a["domain_id"], row.domainId)
          assert.strictEqual(a["domain"], row.host)
          assert.strictEqual(a["http_status"], row.httpStatus)
          assert.strictEqual(a["title"], row.title === null ? undefined : row.title.replace("\u0007", ""))
        }
        assert.strictEqual(g.getNodeAttribute(String(p.p1), "title"), TITLE_1)
        assert.strictEqual(g.getNodeAttribute(String(p.p2), "title"), "Tabs\tand <tags> & a bell  here")
        assert.strictEqual(g.getNodeAttribute(String(p.p1), "published_at"), "2024-03-01T10:00:00.000Z")
        assert.strictEqual(g.getNodeAttribute(String(p.p1), "language"), "fr")

        const intra = readGexf((yield* runExport(land.id, "pagegexf", { intraDomainEdges: true })).bytes)
        assert.deepStrictEqual(edgeSet(intra), [...edgeSet(g), `${p.p1}>${p.p2}:1`].sort())

        const domains = yield* runExport(land.id, "nodegexf")
        const n = readGexf(domains.bytes)
        assert.deepStrictEqual(n.nodes().map(Number), [d.A, d.B])
        assert.deepStrictEqual(n.getNodeAttributes(String(d.A)), {
          label: "a.example",
          title: "Site A, \"the first\"",
          description: "line one\nline two",
          keywords: "k1, k2",
          expressions: 3,
          average_relevance: 6.67,
          size: 6.67
        })
        // a.example > b.example: p1>p3, p2>p3, p6>p3; b.example > a.example: p3>p1, p3>p6
        assert.deepStrictEqual(edgeSet(n), [`${d.A}>${d.B}:3`, `${d.B}>${d.A}:2`].sort())
        assert.deepStrictEqual(domains.counts, { domains: 2, domainLinks: 2 })
        const loops = readGexf((yield* runExport(land.id, "nodegexf", { intraDomainEdges: true })).bytes)
        assert.deepStrictEqual(edgeSet(loops), [`${d.A}>${d.A}:1`, `${d.A}>${d.B}:3`, `${d.B}>${d.A}:2`].sort())
      }))

    it.effect("nodelinkcsv: a zip of four CSVs that agree with the graph exports", () =>
      Effect.gen(function*() {
        const { d, land, p } = yield* seed("nodelink")
        const out = yield* runExport(land.id, "nodelinkcsv")
        assert.strictEqual(out.file.contentType, "application/zip")
        assert.match(out.file.filename, /\.zip$/)
        const files = readZip(out.bytes)
        assert.deepStrictEqual(Object.keys(files), ["pagesnodes.csv", "pageslinks.csv", "domainnodes.csv", "domainlinks.csv"])
        const nodes = readCsv(files["pagesnodes.csv"]!)
        assert.deepStrictEqual(nodes.header, [
          "id", "url", "domain_id", "domain_name", "title", "description", "keywords", "lang", "relevance", "depth",
          "http_status", "created_at", "published_at", "crawled_at", "approved_at", "readable_at"
        ])
        assert.deepStrictEqual(nodes.records.map((r) => Number(r["id"])), [p.p1, p.p2, p.p3, p.p6])
        assert.strictEqual(nodes.records[0]!["published_at"], "2024-03-01T10:00:00.000Z")
        assert.strictEqual(nodes.records[0]!["crawled_at"], "2025-05-06T07:08:09.000Z")
        assert.match(nodes.records[0]!["created_at"]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
        const links = readCsv(files["pageslinks.csv"]!)
        assert.deepStrictEqual(links.records.map((r) => `${r["source_id"]}>${r["target_id"]}`),
          [`${p.p1}>${p.p3}`, `${p.p2}>${p.p3}`, `${p.p3}>${p.p1}`, `${p.p3}>${p.p6}`, `${p.p6}>${p.p3}`])
        assert.deepStrictEqual(links.records[0], {
          source_id: String(p.p1), source_url: "https://a.example/", source_domain_id: String(d.A),
          target_id: String(p.p3), target_url: "https://b.example/", target_domain_id: String(d.B)
        })
        const domains = readCsv(files["domainnodes.csv"]!)
        assert.deepStrictEqual(domains.records.map((r) => [r["name"], r["nbexpressions"], r["average_relevance"], r["http_status"]]), [
          ["a.example", "3", "6.67", "200"], ["b.example", "1", "1", ""]
        ])
        const domainLinks = readCsv(files["domainlinks.csv"]!)
        assert.deepStrictEqual(domainLinks.records, [
          { source_domain_id: String(d.A), source_domain_name: "a.example", target_domain_id: String(d.B), target_domain_name: "b.example", link_count: "3" },
          { source_domain_id: String(d.B), source_domain_name: "b.example", target_domain_id: String(d.A), target_domain_name: "a.example", link_count: "2" }
        ])
        assert.deepStrictEqual(out.counts, { pages: 4, links: 5, domains: 2, domainLinks: 2 })
      }))

    it.effect("corpus: one text per page with its metadata header; pages without readable text in the manifest", () =>
      Effect.gen(function*() {
        const { land, p } = yield* seed("corpus")
        const out = yield* runExport(land.id, "corpus")
        const files = readZip(out.bytes)
        const first = `${p.p1}-ete-quoted-new-line-unicode.txt`
        assert.deepStrictEqual(Object.keys(files), [first, `${p.p3}-untitled.txt`, "MANIFEST.csv"])
        assert.strictEqual(strFromU8(files[first]!), [
          "---",
          `Title: ${JSON.stringify(TITLE_1)}`,
          `Source: "https://a.example/"`,
          `Publisher: "a.example"`,
          `Language: "fr"`,
          `Date: "2024-03-01T10:00:00.000Z"`,
          "Relevance: 12",
          `Identifier: ${p.p1}`,
          `Description: ${JSON.stringify(`About ${TITLE_1}`)}`,
          "---",
          "",
          "Climat\n\nLe climat change, voir ce lien.\n\nDeuxième paragraphe, «guillemets».",
          ""
        ].join("\n"))
        const manifest = readCsv(files["MANIFEST.csv"]!)
        assert.deepStrictEqual(manifest.records.map((r) => [Number(r["id"]), r["file"], r["status"]]), [
          [p.p1, first, "ok"],
          [p.p2, "", "no readable text"],
          [p.p3, `${p.p3}-untitled.txt`, "ok"],
          [p.p6, "", "no readable text"]
        ])
        assert.deepStrictEqual(out.counts, { texts: 2, withoutText: 2 })
      }))

    it.effect("filters: minrel 0 takes unscored pages, depth is a maximum, http picks a status", () =>
      Effect.gen(function*() {
        const { land, p } = yield* seed("filters")
        const ids = (bytes: Uint8Array) => readCsv(bytes).records.map((r) => Number(r["id"]))
        assert.deepStrictEqual(ids((yield* runExport(land.id, "pagecsv", { minrel: 0 })).bytes), [p.p1, p.p2, p.p3, p.p4, p.p5, p.p6])
        assert.deepStrictEqual(ids((yield* runExport(land.id, "pagecsv", { minrel: 5 })).bytes), [p.p1, p.p6])
        assert.deepStrictEqual(ids((yield* runExport(land.id, "pagecsv", { depth: 1 })).bytes), [p.p1, p.p2, p.p3])
        assert.deepStrictEqual(ids((yield* runExport(land.id, "pagecsv", { minrel: 0, httpStatus: 404 })).bytes), [p.p4])
        // edges follow the filtered pages: with minrel 0, p3>p4 stays out (same domain) but p1>p5 comes in
        const g = readGexf((yield* runExport(land.id, "pagegexf", { minrel: 0 })).bytes)
        assert.strictEqual(g.order, 6)
        assert.include(edgeSet(g), `${p.p1}>${p.p5}:1`)
        assert.notInclude(edgeSet(g), `${p.p3}>${p.p4}:1`)
        const shallow = readGexf((yield* runExport(land.id, "pagegexf", { depth: 1 })).bytes)
        assert.deepStrictEqual(edgeSet(shallow), [`${p.p1}>${p.p3}:1`, `${p.p2}>${p.p3}:1`, `${p.p3}>${p.p1}:1`].sort())
        const media = readCsv((yield* runExport(land.id, "mediacsv", { minrel: 0 })).bytes)
        assert.strictEqual(media.records.length, 3)
        const bad = yield* Exporter.pipe(Effect.flatMap((e) => e.export(land.id, "pagecsv", { depth: -1 })), Effect.flip)
        assert.strictEqual(bad.message, "invalid depth: depth must be an integer from 0 to 1000")
        const unknown = yield* Exporter.pipe(Effect.flatMap((e) => e.export(land.id, "paragraphs")), Effect.flip)
        assert.strictEqual(unknown._tag, "InvalidInput")
        assert.match(unknown.message, /^invalid type: unknown export type "paragraphs": use one of pagecsv, /)
        const missing = yield* Exporter.pipe(Effect.flatMap((e) => e.export(999_999, "pagecsv")), Effect.flip)
        assert.strictEqual(missing._tag, "LandNotFound")
      }))

    it.effect("an empty land: every export is valid and empty", () =>
      Effect.gen(function*() {
        const lands = yield* Lands
        const land = yield* lands.create({ name: "empty" })
        for (const type of exportTypes) {
          const { bytes, counts } = yield* runExport(land.id, type)
          assert.isTrue(Object.values(counts).every((n) => n === 0), type)
          if (type.endsWith("gexf")) {
            const g = readGexf(bytes, type === "pseudolinksgexf")
            assert.strictEqual(g.order + g.size, 0)
          } else if (type === "nodelinkcsv" || type === "corpus") {
            const files = readZip(bytes)
            assert.deepStrictEqual(
              Object.values(files).map((f) => readCsv(f).records.length),
              type === "corpus" ? [0] : [0, 0, 0, 0]
            )
          } else {
            const { header, records } = readCsv(bytes)
            assert.isAbove(header.length, 3)
            assert.strictEqual(records.length, 0)
          }
        }
      }))

    it.effect("a land whose pages have no readable text: the corpus is just its manifest", () =>
      Effect.gen(function*() {
        const lands = yield* Lands
        const sql = yield* SqlClient.SqlClient
        const land = yield* lands.create({ name: "no text" })
        yield* lands.addUrls(land, ["https://x.example/1", "https://x.example/2", "https://y.example/"])
        yield* sql`UPDATE expressions SET relevance = 2, readable = CASE WHEN normalized_url LIKE '%/2' THEN '' END WHERE land_id = ${land.id}`
        const out = yield* runExport(land.id, "corpus")
        const files = readZip(out.bytes)
        assert.deepStrictEqual(Object.keys(files), ["MANIFEST.csv"])
        const manifest = readCsv(files["MANIFEST.csv"]!)
        assert.deepStrictEqual(manifest.records.map((r) => [r["url"], r["file"], r["status"]]), [
          ["https://x.example/1", "", "no readable text"],
          ["https://x.example/2", "", "no readable text"],
          ["https://y.example/", "", "no readable text"]
        ])
        assert.deepStrictEqual(out.counts, { texts: 0, withoutText: 3 })
      }))

    it.effect("2,500 pages and 5,000 links come out whole across query pages; a consumer that stops stops the queries", () =>
      Effect.gen(function*() {
        const lands = yield* Lands
        const sql = yield* SqlClient.SqlClient
        const land = yield* lands.create({ name: "many" })
        yield* sql`INSERT INTO domains (land_id, host) SELECT ${land.id}, 'h' || g || '.example' FROM generate_series(0, 4) g`
        yield* sql`
          INSERT INTO expressions (land_id, domain_id, url, normalized_url, depth, crawl_state, http_status, title, relevance, readable)
          SELECT ${land.id}, d.id, 'https://h' || (g % 5) || '.example/p/' || g, 'https://h' || (g % 5) || '.example/p/' || g,
                 g % 4, 'fetched', 200, 'Page ' || g || ', "n°' || g || '"', 1 + (g % 7), 'Text of page ' || g
          FROM generate_series(1, 2500) g JOIN domains d ON d.land_id = ${land.id} AND d.host = 'h' || (g % 5) || '.example'`
        yield* sql`
          WITH p AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM expressions WHERE land_id = ${land.id})
          INSERT INTO expression_links (source_id, target_id, link_type)
          SELECT a.id, b.id, 'external' FROM p a JOIN p b ON b.n = (a.n % 2500) + 1 OR b.n = ((a.n + 6) % 2500) + 1`
        const csv = yield* runExport(land.id, "pagecsv")
        const ids = readCsv(csv.bytes).records.map((r) => Number(r["id"]))
        assert.strictEqual(ids.length, 2500)
        assert.isTrue(ids.every((id, i) => i === 0 || id > ids[i - 1]!), "ids strictly increasing, none repeated")
        const g = readGexf((yield* runExport(land.id, "pagegexf")).bytes)
        assert.deepStrictEqual([g.order, g.size], [2500, 5000])
        const zip = readZip((yield* runExport(land.id, "nodelinkcsv")).bytes)
        assert.strictEqual(readCsv(zip["pageslinks.csv"]!).records.length, 5000)
        const corpus = yield* runExport(land.id, "corpus")
        assert.strictEqual(Object.keys(readZip(corpus.bytes)).length, 2501)

        const exporter = yield* Exporter
        const file = yield* exporter.export(land.id, "pagecsv")
        yield* file.stream.pipe(Stream.take(2), Stream.runDrain)
        assert.deepStrictEqual(yield* file.counts, { pages: 1000 }, "one query page read for the header and one chunk")
        const texts = yield* exporter.export(land.id, "corpus")
        yield* texts.stream.pipe(Stream.take(1), Stream.runDrain)
        assert.deepStrictEqual(yield* texts.counts, { texts: 100, withoutText: 0 })
      }), { timeout: 120_000 })

    it.scoped("a crawled site exports the crawl's graph", () =>
      Effect.gen(function*() {
        const a = yield* startFixtureServer()
        const b = yield* startFixtureServer()
        const page = (title: string, links: ReadonlyArray<readonly [string, string]>) =>
          (_req: unknown, res: Parameters<typeof sendHtml>[0]) =>
            sendHtml(res, articlePage({ title, topic: "le climat", links }))
        a.route("/", page("Climat, accueil", [["/a", "page a"], [b.url("/x"), "site b"]]))
        a.route("/a", page("Le climat en \"A\"", [["/", "accueil"], [b.url("/y"), "b y"]]))
        b.route("/x", page("Climat ailleurs", [[a.url("/"), "retour"], ["/y", "y"]]))
        b.route("/y", page("Climat Y", []))
        const lands = yield* Lands
        const land = yield* lands.create({ name: "crawled", terms: "climat" })
        yield* lands.addUrls(land, [a.url("/")])
        yield* crawlLand(land.id, Schema.decodeSync(CrawlOptions)({ delayMs: 0, concurrency: 4, ignoreRobots: true }))
        const sql = yield* SqlClient.SqlClient
        const pages = yield* sql<{ id: number; relevance: number; domainId: number }>`
          SELECT id, relevance, domain_id FROM expressions WHERE land_id = ${land.id} AND relevance >= 1 ORDER BY id`
        const links = yield* sql<{ s: number; t: number }>`
          SELECT k.source_id AS s, k.target_id AS t FROM expression_links k
          JOIN expressions x ON x.id = k.source_id JOIN expressions y ON y.id = k.target_id
          WHERE x.land_id = ${land.id} AND x.relevance >= 1 AND y.relevance >= 1 AND x.domain_id <> y.domain_id`
        assert.strictEqual(pages.length, 4)
        const g = readGexf((yield* runExport(land.id, "pagegexf")).bytes)
        assert.deepStrictEqual(g.nodes().map(Number), pages.map((x) => x.id))
        assert.deepStrictEqual(edgeSet(g), links.map((l) => `${l.s}>${l.t}:1`).sort())
        assert.strictEqual(g.size, 3)
        const n = readGexf((yield* runExport(land.id, "nodegexf")).bytes)
        assert.strictEqual(n.order, 2)
        assert.strictEqual(n.reduceEdges((sum, _edge, attrs) => sum + (attrs["weight"] as number), 0), 3)
        const corpus = readZip((yield* runExport(land.id, "corpus")).bytes)
        assert.strictEqual(Object.keys(corpus).length, 5)
        expect(strFromU8(Object.values(corpus)[0]!)).toMatch(/^---\nTitle: "Climat, accueil"\nSource: "http:\/\/127\.0\.0\.1:\d+\/"\n/)
      }))
  }
)

describe("mwi land export", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mwi-export-cli-"))
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))
  const env = { MWI_DATA_DIR: copyMigratedDataDir(tmp), MWI_DATABASE_URL: "" }

  it("writes the file, reports counts, and fails in one line on a bad type or path", async () => {
    expect((await runMwi(["land", "create", "--name", "cli land"], env)).code).toBe(0)
    const seeds = await runMwi(["land", "addurl", "--land", "cli land", "--urls", "https://a.example/ https://a.example/2 https://b.example/"], env)
    expect(seeds.code).toBe(0)

    const out = path.join(tmp, "pages.csv")
    const done = await runMwi(["land", "export", "--name", "cli land", "--type", "pagecsv", "--minrel", "0", "--out", out, "--json"], env)
    expect(done.stderr).toBe("")
    expect(done.code).toBe(0)
    expect(JSON.parse(done.stdout)).toMatchObject({ type: "pagecsv", path: out, counts: { pages: 3 }, filters: { minrel: 0 } })
    expect(readCsv(fs.readFileSync(out)).records.map((r) => r["url"])).toEqual(["https://a.example/", "https://a.example/2", "https://b.example/"])

    const here = path.join(tmp, "here")
    fs.mkdirSync(here)
    const named = await runMwi(["land", "export", "--name", "cli land", "--type", "nodegexf", "--minrel", "0"], env, here)
    expect(named.code).toBe(0)
    const file = fs.readdirSync(here)[0]!
    expect(file).toMatch(/^cli-land_nodegexf_\d{8}-\d{6}\.gexf$/)
    expect(named.stdout.trim()).toBe(
      `Exported land "cli land" as nodegexf to ${path.join(here, file)}: 2 domains, 0 domain links (any relevance, links between different domains only)`
    )
    expect(readGexf(fs.readFileSync(path.join(here, file))).order).toBe(2)

    const badType = await runMwi(["land", "export", "--name", "cli land", "--type", "pdf"], env, here)
    expect(badType.code).toBe(1)
    expect(badType.stderr.trim()).toMatch(/^mwi: invalid type: unknown export type "pdf": use one of pagecsv, [a-z, ]+$/)
    const badPath = await runMwi(["land", "export", "--name", "cli land", "--type", "corpus", "--out", path.join(tmp, "no", "x.zip")], env)
    expect(badPath.code).toBe(1)
    expect(badPath.stderr.trim()).toBe(`mwi: cannot write ${path.join(tmp, "no", "x.zip")}: no such folder`)
    expect(fs.readdirSync(here)).toEqual([file])
  }, 600_000)
})

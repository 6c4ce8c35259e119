import type { SqlError } from "@effect/sql/SqlError"
import { Stream } from "effect"
import { csvHeader, csvLines, type CsvTable } from "../../domain/export-csv.js"
import {
  gexfBetweenNodesAndEdges,
  type GexfEdge,
  gexfEdge,
  gexfFooter,
  gexfHeader,
  type GexfMeta,
  gexfNode,
  type GexfNodeSpec
} from "../../domain/export-gexf.js"
import { makeZipWriter, type ZipWriter } from "../../domain/export-zip.js"

// The exports' file formats over streams of row pages: what is written does not depend on where the rows come from.

type Rows<Row> = Stream.Stream<ReadonlyArray<Row>, SqlError>
type Bytes = Stream.Stream<Uint8Array, SqlError>

const utf8 = new TextEncoder()

const encoded = (s: Stream.Stream<string, SqlError>): Bytes => Stream.map(s, (chunk) => utf8.encode(chunk))

/** A CSV file: the header, then one block of lines per page of rows. */
export const csvFile = <Row>(table: CsvTable<Row>, rows: Rows<Row>): Bytes =>
  encoded(Stream.make(csvHeader(table)).pipe(Stream.concat(Stream.map(rows, (page) => csvLines(table, page)))))

/** A GEXF graph: every node, then every edge. */
export const gexfFile = <Row>(spec: GexfNodeSpec<Row>, nodes: Rows<Row>, edges: Rows<GexfEdge>, meta: GexfMeta): Bytes =>
  encoded(Stream.make(gexfHeader(spec, meta)).pipe(
    Stream.concat(Stream.map(nodes, (page) => page.map((row) => gexfNode(spec, row)).join(""))),
    Stream.concat(Stream.make(gexfBetweenNodesAndEdges)),
    Stream.concat(Stream.map(edges, (page) => page.map(gexfEdge).join(""))),
    Stream.concat(Stream.make(gexfFooter))
  ))

/** One entry of `zip` from `data`, handing out the archive's bytes as the entry is deflated. */
export const zipEntry = (zip: ZipWriter, name: string, data: Bytes): Bytes =>
  Stream.suspend(() => {
    const writer = zip.open(name)
    return data.pipe(
      Stream.map((chunk) => {
        writer.push(chunk)
        return zip.take()
      }),
      Stream.concat(Stream.sync(() => {
        writer.close()
        return zip.take()
      }))
    )
  })

/** A zip archive whose entries `body` writes; a new archive each time the stream runs. */
export const zipArchive = (now: Date, body: (zip: ZipWriter) => Bytes): Bytes =>
  Stream.suspend(() => {
    const zip = makeZipWriter(now)
    return body(zip).pipe(Stream.concat(Stream.sync(() => zip.finish())))
  })

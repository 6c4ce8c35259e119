import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

// A row of a 512-dimension vector (2 KB) passes the 2 KB past which PostgreSQL compresses a row's values: compressing
// every vector with pglz cost a third of the time `crawl --embed` spends storing paragraphs and vectors (the embedded
// database runs on the crawl's main thread), for rows of 0.6 KB instead of 2 KB. Rows up to 4 KB are now kept as they
// are; larger vectors (1024 dimensions and up) are compressed as before. Rows already stored are left as they are.
export default Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`
ALTER TABLE embeddings SET (toast_tuple_target = 4080);
`))

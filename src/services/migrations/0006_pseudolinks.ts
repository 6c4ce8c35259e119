import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

// Pseudolinks are computed by a job of their own kind.
export default Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`
ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check CHECK (kind IN ('crawl', 'readable', 'media', 'embed', 'pseudolinks'));
`))

import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

// Login throttling counts failures within a window that starts at the first of them; without its start, failures
// spread over months would add up to a lockout, and the table could not mirror the in-memory limiter.
export default Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`
ALTER TABLE users ADD COLUMN failed_window_start timestamptz;
`))

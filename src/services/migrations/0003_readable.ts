import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

// A readable job marks each page it has processed, so that a killed job resumes on the pages left and a page ends
// updated, unchanged or failed with its reason. The reason is kept apart from `error`, the crawl's own outcome.
export default Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`
ALTER TABLE expressions ADD COLUMN readable_job_id integer REFERENCES jobs(id) ON DELETE SET NULL;
ALTER TABLE expressions ADD COLUMN readable_error text;
`))

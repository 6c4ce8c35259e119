import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

// Several processes crawling one land on a PostgreSQL server: the live workers (their heartbeats), the hosts each one
// holds (one worker at a time, so a host's interval and bound hold across all of them), and which worker claimed a
// URL, so a dead worker's claims go back to the frontier and not its living peers'.
export default Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`
CREATE TABLE workers (
  id text PRIMARY KEY,
  started_at timestamptz NOT NULL DEFAULT now(),
  heartbeat_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE worker_jobs (
  worker text NOT NULL REFERENCES workers(id) ON DELETE CASCADE,
  job_id integer NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  PRIMARY KEY (job_id, worker)
);
CREATE TABLE host_leases (
  host text PRIMARY KEY,
  worker text REFERENCES workers(id) ON DELETE SET NULL,
  leased_at timestamptz,
  free_at timestamptz
);
CREATE INDEX host_leases_worker ON host_leases (worker);
ALTER TABLE expressions ADD COLUMN claimed_worker text;
`))

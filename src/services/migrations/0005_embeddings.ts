import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

// Vectors live beside the paragraphs, one row per (model, paragraph): a land may hold the vectors of several models,
// and those of different models are never compared. A vector is float32 little-endian, L2-normalised, in a bytea, so
// the schema is the same on PGlite and PostgreSQL without pgvector. A page's paragraphs are current when they were
// split from the text it holds now: `paragraphs_hash` is the `readable_hash` they were split from. The land remembers
// the model of its last embed job, with which search embeds its queries.
export default Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`
ALTER TABLE paragraphs DROP COLUMN embedding, DROP COLUMN embedding_provider, DROP COLUMN embedding_model,
  DROP COLUMN embedded_at;
CREATE TABLE embeddings (
  paragraph_id integer NOT NULL REFERENCES paragraphs(id) ON DELETE CASCADE,
  model text NOT NULL,
  vector bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (model, paragraph_id)
);
CREATE INDEX embeddings_paragraph ON embeddings (paragraph_id);
ALTER TABLE expressions ADD COLUMN readable_hash text GENERATED ALWAYS AS (md5(readable)) STORED;
ALTER TABLE expressions ADD COLUMN paragraphs_hash text;
CREATE INDEX expressions_paragraphs_stale ON expressions (land_id, id)
  WHERE readable IS NOT NULL AND paragraphs_hash IS DISTINCT FROM readable_hash;
ALTER TABLE lands ADD COLUMN embedding_model text;
`))

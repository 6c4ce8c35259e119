import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

// PostgreSQL 15 dialect (the oldest server we support); PGlite runs the same statements.
export default Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`
CREATE TABLE users (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username text NOT NULL UNIQUE,
  email text UNIQUE,
  password_hash text NOT NULL,
  is_admin boolean NOT NULL DEFAULT false,
  is_active boolean NOT NULL DEFAULT true,
  failed_attempts integer NOT NULL DEFAULT 0,
  blocked_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_login_at timestamptz
);

CREATE TABLE api_tokens (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id integer NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name text NOT NULL DEFAULT '',
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  expires_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE lands (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  owner_id integer REFERENCES users(id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(btrim(name)) > 0),
  description text NOT NULL DEFAULT '',
  lang text[] NOT NULL DEFAULT '{fr}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- Names are unique per owner; lands made from the CLI have no owner and share one namespace.
CREATE UNIQUE INDEX lands_owner_name ON lands ((COALESCE(owner_id, 0)), name);

CREATE TABLE words (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  word text NOT NULL,
  lemma text NOT NULL,
  language text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (word, language)
);
CREATE INDEX words_lemma ON words (lemma);

CREATE TABLE land_dictionaries (
  land_id integer NOT NULL REFERENCES lands(id) ON DELETE CASCADE,
  word_id integer NOT NULL REFERENCES words(id) ON DELETE CASCADE,
  weight double precision NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (land_id, word_id)
);

CREATE TABLE domains (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  land_id integer NOT NULL REFERENCES lands(id) ON DELETE CASCADE,
  host text NOT NULL,
  title text,
  description text,
  keywords text,
  language text,
  http_status integer,
  fetched_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (land_id, host)
);

CREATE TABLE jobs (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  land_id integer NOT NULL REFERENCES lands(id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('crawl', 'readable', 'media', 'embed')),
  parameters jsonb NOT NULL DEFAULT '{}',
  status text NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted')),
  queued integer NOT NULL DEFAULT 0,
  fetched integer NOT NULL DEFAULT 0,
  failed integer NOT NULL DEFAULT 0,
  skipped integer NOT NULL DEFAULT 0,
  discovered integer NOT NULL DEFAULT 0,
  progress double precision NOT NULL DEFAULT 0,
  stage text,
  result jsonb,
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  heartbeat_at timestamptz,
  -- host:pid:token of the process running it, so a process on the same host can tell a dead job at once
  worker text
);
CREATE INDEX jobs_land_status ON jobs (land_id, status);

CREATE TABLE expressions (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  land_id integer NOT NULL REFERENCES lands(id) ON DELETE CASCADE,
  domain_id integer NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
  url text NOT NULL,
  normalized_url text NOT NULL,
  depth integer NOT NULL CHECK (depth >= 0),
  crawl_state text NOT NULL DEFAULT 'pending'
    CHECK (crawl_state IN ('pending', 'claimed', 'fetched', 'skipped', 'failed')),
  claimed_by integer REFERENCES jobs(id) ON DELETE SET NULL,
  claimed_at timestamptz,
  http_status integer,
  final_url text,
  content_type text,
  content_length bigint,
  headers jsonb,
  title text,
  description text,
  keywords text,
  language text,
  canonical_url text,
  published_at timestamptz,
  html text,
  readable text,
  readable_source text,
  word_count integer,
  reading_time integer,
  relevance double precision,
  fetched_at timestamptz,
  readable_at timestamptz,
  approved_at timestamptz,
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (land_id, normalized_url)
);
-- The frontier: pending URLs of a land, shallowest first.
CREATE INDEX expressions_frontier ON expressions (land_id, depth, id) WHERE crawl_state = 'pending';
CREATE INDEX expressions_claimed ON expressions (claimed_by) WHERE crawl_state = 'claimed';
CREATE INDEX expressions_land_state ON expressions (land_id, crawl_state);
CREATE INDEX expressions_land_relevance ON expressions (land_id, relevance DESC NULLS LAST, id);
CREATE INDEX expressions_land_status ON expressions (land_id, http_status);
CREATE INDEX expressions_domain ON expressions (domain_id);

CREATE TABLE expression_links (
  source_id integer NOT NULL REFERENCES expressions(id) ON DELETE CASCADE,
  target_id integer NOT NULL REFERENCES expressions(id) ON DELETE CASCADE,
  anchor_text text,
  rel text,
  link_type text NOT NULL CHECK (link_type IN ('internal', 'external')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source_id, target_id),
  CHECK (source_id <> target_id)
);
CREATE INDEX expression_links_target ON expression_links (target_id);

CREATE TABLE media (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  expression_id integer NOT NULL REFERENCES expressions(id) ON DELETE CASCADE,
  url text NOT NULL,
  type text NOT NULL CHECK (type IN ('image', 'video', 'audio')),
  alt text,
  mime_type text,
  width integer,
  height integer,
  file_size bigint,
  format text,
  color_mode text,
  channels integer,
  has_transparency boolean,
  aspect_ratio double precision,
  dominant_colors jsonb,
  websafe_colors jsonb,
  exif jsonb,
  sha256 text,
  phash text,
  analyzed_at timestamptz,
  analysis_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (expression_id, url)
);
CREATE INDEX media_sha256 ON media (sha256);

CREATE TABLE paragraphs (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  expression_id integer NOT NULL REFERENCES expressions(id) ON DELETE CASCADE,
  position integer NOT NULL,
  text text NOT NULL,
  text_hash text NOT NULL,
  word_count integer NOT NULL,
  char_count integer NOT NULL,
  language text,
  embedding real[],
  embedding_provider text,
  embedding_model text,
  embedded_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (expression_id, position)
);
CREATE INDEX paragraphs_hash ON paragraphs (text_hash);

CREATE TABLE similarities (
  source_paragraph_id integer NOT NULL REFERENCES paragraphs(id) ON DELETE CASCADE,
  target_paragraph_id integer NOT NULL REFERENCES paragraphs(id) ON DELETE CASCADE,
  method text NOT NULL DEFAULT 'cosine',
  score double precision NOT NULL,
  computed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source_paragraph_id, target_paragraph_id, method),
  CHECK (source_paragraph_id <> target_paragraph_id)
);
CREATE INDEX similarities_target ON similarities (target_paragraph_id);

CREATE TABLE tags (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  land_id integer NOT NULL REFERENCES lands(id) ON DELETE CASCADE,
  parent_id integer REFERENCES tags(id) ON DELETE CASCADE,
  name text NOT NULL,
  description text,
  color text CHECK (color ~ '^#[0-9a-fA-F]{6}$'),
  sorting integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX tags_land_parent_name ON tags (land_id, (COALESCE(parent_id, 0)), name);

CREATE TABLE tagged_content (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tag_id integer NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
  expression_id integer NOT NULL REFERENCES expressions(id) ON DELETE CASCADE,
  text text NOT NULL,
  from_char integer NOT NULL CHECK (from_char >= 0),
  to_char integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (to_char >= from_char)
);
CREATE INDEX tagged_content_expression ON tagged_content (expression_id);
`))

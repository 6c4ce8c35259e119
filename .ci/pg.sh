# Sourced by .ci/run and usable by hand (`source .ci/pg.sh && pg_start`): a throw-away PostgreSQL 15 cluster in a
# temporary folder, trust auth, listening on a free loopback port. Exports MWI_TEST_PG_URL for the test suite.
# The binaries: PG_BIN if set, else the real folder of `initdb` on PATH (links followed), else Debian's
# /usr/lib/postgresql/<newest>/bin.
pg_find_bin() {
  local initdb
  if initdb="$(command -v initdb 2>/dev/null)"; then dirname "$(readlink -f "$initdb")"; return; fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}
PG_BIN="${PG_BIN:-$(pg_find_bin)}"

pg_as_owner() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

pg_start() {
  if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
    echo "PostgreSQL binaries not found (PG_BIN, initdb on PATH, /usr/lib/postgresql/*/bin): install PostgreSQL 15+," \
      "set PG_BIN to its bin folder, or MWI_TEST_SKIP_PG=1 to skip the PostgreSQL runs" >&2
    return 1
  fi
  PG_DIR="$(mktemp -d /tmp/mwi-pg.XXXXXX)"
  if [ "$(id -u)" = "0" ]; then chown postgres "$PG_DIR"; fi
  PG_PORT="$(pg_free_port)"
  pg_as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --no-locale >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log" >&2; return 1; }
  pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off" start >/dev/null \
    || { cat "$PG_DIR/server.log" >&2; return 1; }
  export MWI_TEST_PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
  echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') running on 127.0.0.1:$PG_PORT ($PG_DIR)"
}

pg_stop() {
  if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ]; then
    pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
}

#!/usr/bin/env bash
# Runs CMD against a throwaway PostgreSQL 15 cluster:
#   scripts/test-postgres.sh CMD [ARGS...]
# Starts a fresh cluster in a temporary directory (127.0.0.1 on a free port, plus a unix socket
# in that directory), exports FOLIO_TEST_DB=postgresql://postgres@127.0.0.1:PORT/postgres, runs
# CMD, then stops the server and removes the directory, also when CMD or the startup fails.
# Exit status: CMD's (or 1 if the cluster could not be started).
# When run as root the server runs as the `postgres` system user.
set -uo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
for tool in initdb pg_ctl postgres; do
  if [ ! -x "$PGBIN/$tool" ]; then
    echo "test-postgres: $PGBIN/$tool not found (install postgresql-15: scripts/deps.sh)" >&2
    exit 1
  fi
done

as_user=""
if [ "$(id -u)" -eq 0 ]; then
  if ! id postgres >/dev/null 2>&1; then
    echo "test-postgres: running as root but there is no 'postgres' user to run the server" >&2
    exit 1
  fi
  as_user=postgres
fi

# Runs a command as the server user (or as ourselves when not root).
run_pg() {
  if [ -n "$as_user" ]; then
    if command -v runuser >/dev/null 2>&1; then
      runuser -u "$as_user" -- "$@"
    else
      su -s /bin/sh "$as_user" -c "$(printf '%q ' "$@")"
    fi
  else
    "$@"
  fi
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/folio-pg.XXXXXX") || { echo "test-postgres: mktemp failed" >&2; exit 1; }
chmod 755 "$tmp"
[ -n "$as_user" ] && chown "$as_user" "$tmp"
data="$tmp/data"
log="$tmp/server.log"
started=0

cleanup() {
  if [ "$started" = 1 ]; then
    run_pg "$PGBIN/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' && return
  fi
  local p
  for p in $(seq 55432 55532); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  return 1
}

locale=C.UTF-8
if ! locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then locale=C; fi
if ! run_pg "$PGBIN/initdb" -D "$data" -A trust -U postgres --no-sync -E UTF8 --locale="$locale" \
    >"$tmp/initdb.log" 2>&1; then
  echo "test-postgres: initdb failed:" >&2
  cat "$tmp/initdb.log" >&2
  exit 1
fi

# The port can be taken between probing and binding: retry a few times.
ok=0
for attempt in 1 2 3; do
  port=$(free_port) || { echo "test-postgres: no free port" >&2; exit 1; }
  opts="-c listen_addresses=127.0.0.1 -p $port -k $tmp -c fsync=off -c synchronous_commit=off"
  opts="$opts -c full_page_writes=off -c max_connections=100"
  started=1
  if run_pg "$PGBIN/pg_ctl" -D "$data" -l "$log" -o "$opts" -w -t 60 start >/dev/null 2>&1; then
    ok=1
    break
  fi
  started=0
  run_pg "$PGBIN/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
done
if [ "$ok" != 1 ]; then
  echo "test-postgres: the server did not start; its log ($log):" >&2
  cat "$log" >&2 2>/dev/null
  exit 1
fi

export FOLIO_TEST_DB="postgresql://postgres@127.0.0.1:$port/postgres"
echo "test-postgres: PostgreSQL 15 at $FOLIO_TEST_DB (data $data, log $log)"

"$@"
status=$?
exit $status

#!/usr/bin/env bash
# API benchmark (bench/api/README.md): reading one patient's chart header over HTTP with wrk,
# on SQLite, with auditing on and then off (--no-audit, for the comparison only).
# Usage: scripts/bench-api.sh
# Environment: BENCH_DURATION (default 20s), BENCH_CONNECTIONS (64), BENCH_WRK_THREADS (2),
#   BENCH_SERVER_THREADS (4), BENCH_USER (him.tech), BENCH_PATH (default /api/v1/patients/ID),
#   FOLIO_BENCH_BUILD (default build/bench), BENCH_PERF=1 (record a perf profile of the audited run
#   into $FOLIO_BENCH_BUILD/perf-api.data and print its top symbols).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FOLIO_BENCH_BUILD:-$root/build/bench}
duration=${BENCH_DURATION:-20s}
conns=${BENCH_CONNECTIONS:-64}
wthreads=${BENCH_WRK_THREADS:-2}
sthreads=${BENCH_SERVER_THREADS:-4}
user=${BENCH_USER:-him.tech}

command -v wrk >/dev/null || { echo "bench-api: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
command -v curl >/dev/null || { echo "bench-api: curl is not installed" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench-api: python3 is not installed" >&2; exit 1; }

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DFOLIO_WERROR=OFF -DFOLIO_SANITIZE=OFF >/dev/null \
  || { echo "bench-api: cmake configure failed" >&2; exit 1; }
cmake --build "$build" -j2 --target folio >/dev/null || { echo "bench-api: build failed" >&2; exit 1; }
bin="$build/folio"

tmp=$(mktemp -d)
srv_pid=
cleanup() {
  [ -n "$srv_pid" ] && kill -TERM "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
db="sqlite:$tmp/bench.db"
key="$tmp/folio.key"
f() { "$bin" --db "$db" --key "$key" --quiet "$@"; }

echo "bench-api: creating the demo database ..."
f demo >/dev/null || { echo "bench-api: folio demo failed" >&2; exit 1; }
pid=$(f --json patient list --limit 1 2>/dev/null | python3 -c '
import json,sys
d=json.load(sys.stdin)
items=d.get("items", d) if isinstance(d, dict) else d
print(items[0]["id"])' 2>/dev/null)
[ -n "$pid" ] || pid=1
path=${BENCH_PATH:-/api/v1/patients/$pid}

# start_server EXTRA_ARGS...: sets srv_pid and port.
start_server() {
  local fifo="$tmp/out.$RANDOM" line
  mkfifo "$fifo"
  "$bin" --db "$db" --key "$key" serve --listen 127.0.0.1:0 --threads "$sthreads" "$@" \
    >"$fifo" 2>"$tmp/serve.err" &
  srv_pid=$!
  exec 3<"$fifo"
  if ! read -r -t 30 line <&3; then
    echo "bench-api: the server did not start:" >&2; cat "$tmp/serve.err" >&2; exit 1
  fi
  exec 3<&-
  port=${line##*:}; port=${port%/}
}

stop_server() {
  kill -TERM "$srv_pid"; wait "$srv_pid"; srv_pid=
}

# bench LABEL EXTRA_ARGS...
bench() {
  local label=$1; shift
  start_server "$@"
  local token
  token=$(curl -s -X POST -H 'Content-Type: application/json' \
    -d "{\"username\":\"$user\",\"password\":\"demo-password\",\"mode\":\"bearer\"}" \
    "http://127.0.0.1:$port/api/v1/session" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  [ -n "$token" ] || { echo "bench-api: sign-in failed" >&2; exit 1; }
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "http://127.0.0.1:$port$path")
  [ "$code" = 200 ] || { echo "bench-api: GET $path answered $code" >&2; exit 1; }
  wrk -t"$wthreads" -c"$conns" -d2s -H "Authorization: Bearer $token" "http://127.0.0.1:$port$path" >/dev/null
  local perf_pid=
  if [ "${BENCH_PERF:-0}" = 1 ] && [ "$label" = "audit on" ] && command -v perf >/dev/null; then
    perf record -g -F 499 -p "$srv_pid" -o "$build/perf-api.data" >/dev/null 2>&1 &
    perf_pid=$!
  fi
  echo
  if [ -n "$pace_ms" ]; then
    # wrk's delay() hook: each connection waits pace_ms before its next request, so 64
    # connections offer about 64 * 1000 / (pace_ms + latency) requests/s: the paced run measures
    # the latency at the target rate instead of at saturation.
    printf 'function delay()\n  return %s\nend\n' "$pace_ms" > "$tmp/pace.lua"
    echo "== GET $path, $label, paced (each connection waits ${pace_ms} ms between requests): wrk -t$wthreads -c$conns -d$duration, server --threads $sthreads =="
    wrk -t"$wthreads" -c"$conns" -d"$duration" --latency -s "$tmp/pace.lua" -H "Authorization: Bearer $token" \
      "http://127.0.0.1:$port$path" | tee "$tmp/wrk.out" | grep -E 'Requests/sec|Latency|50%|75%|90%|99%|requests in|Non-2xx|Socket errors'
  else
    echo "== GET $path, $label: wrk -t$wthreads -c$conns -d$duration, server --threads $sthreads =="
    wrk -t"$wthreads" -c"$conns" -d"$duration" --latency -H "Authorization: Bearer $token" \
      "http://127.0.0.1:$port$path" | tee "$tmp/wrk.out" | grep -E 'Requests/sec|Latency|50%|75%|90%|99%|requests in|Non-2xx|Socket errors'
  fi
  if [ -n "$perf_pid" ]; then
    kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null
    perf report -i "$build/perf-api.data" --no-children --sort symbol --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -25
  fi
  local entries
  stop_server
  entries=$(sqlite3 "$tmp/bench.db" 'SELECT COUNT(*) FROM audit_log' 2>/dev/null || echo '?')
  echo "audit entries in the database after this run: $entries"
}

pace_ms=
bench "audit on"
bench "audit off" --no-audit 2>/dev/null
# The acceptance rate: 64 connections each waiting BENCH_PACE_MS (default 11 ms) between
# requests offer a little over 5,000 requests/s.
pace_ms=${BENCH_PACE_MS:-11}
bench "audit on"

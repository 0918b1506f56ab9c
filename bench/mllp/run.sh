#!/usr/bin/env bash
# MLLP benchmark against a real `folio serve --mllp` (release build, SQLite, synchronous=FULL
# on the MLLP writer): ADT^A01 + ORU^R01 messages, 1 and 8 connections, strict send-and-wait
# (window 1) and pipelined (window 32). Prints messages/s and ACK latency p50/p99 per run.
# Usage: bench/mllp/run.sh [BUILD_DIR]   (default build/release; configure it with
#        cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release && cmake --build build/release)
# Environment: FOLIO_BENCH_MLLP_N (messages per run, default 40000).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/release}
folio="$build/folio"
bench="$build/bench/bench_mllp"
[ -x "$folio" ] && [ -x "$bench" ] || { echo "bench/mllp: build $build first (folio, bench_mllp)" >&2; exit 1; }
n=${FOLIO_BENCH_MLLP_N:-40000}
tmp=$(mktemp -d)
srv=""
cleanup() { [ -n "$srv" ] && kill -TERM "$srv" 2>/dev/null && wait "$srv" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
"$folio" --db "sqlite:$tmp/folio.db" --key "$tmp/key" init >/dev/null 2>&1
"$folio" --db "sqlite:$tmp/folio.db" --key "$tmp/key" serve --listen 127.0.0.1:0 \
  --mllp 127.0.0.1:0 >"$tmp/out" 2>"$tmp/err" &
srv=$!
for _ in $(seq 1 100); do grep -q '^mllp listening' "$tmp/out" && break; sleep 0.1; done
addr=$(sed -n 's/^mllp listening on //p' "$tmp/out")
[ -n "$addr" ] || { cat "$tmp/err" >&2; exit 1; }
echo "folio serve --mllp $addr (SQLite $tmp/folio.db, $(nproc) cores)"
"$bench" --to "$addr" --messages "$n" --connections 1,8 --window 32
"$bench" --to "$addr" --messages $((n / 4)) --connections 1,8 --window 1
echo "database: $(du -sh "$tmp" | cut -f1), log rows: $(sqlite3 "$tmp/folio.db" 'SELECT COUNT(*) FROM hl7_messages')"

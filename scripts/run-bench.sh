#!/usr/bin/env bash
# Runs every benchmark program built in BUILD_DIR/bench (bench/bench_*.c) and prints their
# figures. Benchmarks never fail on time; a non-zero exit means a benchmark itself broke.
# Usage: scripts/run-bench.sh BUILD_DIR [ARGS passed to each benchmark]
# Environment: FOLIO_BENCH_N (patients, default 10000), FOLIO_BENCH_DB (postgresql://... to
# measure PostgreSQL as well), FOLIO_BENCH_API=0 (skip scripts/bench-api.sh).
set -uo pipefail
build=${1:?usage: scripts/run-bench.sh BUILD_DIR [ARGS]}
shift
dir="$build/bench"
if [ ! -d "$dir" ]; then
  echo "run-bench: no benchmarks in $dir (build first: cmake --build $build)" >&2
  exit 1
fi
status=0
found=0
for b in "$dir"/bench_*; do
  [ -x "$b" ] && [ -f "$b" ] || continue
  found=1
  echo "== $(basename "$b") =="
  start=$(date +%s)
  if ! "$b" "$@"; then
    echo "run-bench: $(basename "$b") failed" >&2
    status=1
  fi
  echo "($(( $(date +%s) - start )) s)"
done
[ "$found" -eq 1 ] || { echo "run-bench: no benchmark programs in $dir" >&2; exit 1; }
# The HTTP API benchmark (bench/api/README.md); FOLIO_BENCH_API=0 skips it.
if [ "${FOLIO_BENCH_API:-1}" != 0 ]; then
  if command -v wrk >/dev/null; then
    echo "== bench-api =="
    start=$(date +%s)
    if ! "$(dirname "$0")/bench-api.sh"; then
      echo "run-bench: bench-api failed" >&2
      status=1
    fi
    echo "($(( $(date +%s) - start )) s)"
  else
    echo "run-bench: wrk is not installed: skipping the API benchmark (scripts/deps.sh)" >&2
  fi
fi
# The MLLP benchmark against a separate server process (bench/mllp/README.md).
if [ "${FOLIO_BENCH_MLLP:-1}" != 0 ]; then
  echo "== bench-mllp =="
  "$(dirname "$0")/../bench/mllp/run.sh" "$build" || status=1
fi
exit $status

#!/usr/bin/env bash
# Runs the whole CTest suite of the ASan+UBSan build once per storage backend:
# SQLite (a temp file per test), then PostgreSQL 15 (a throwaway cluster, scripts/test-postgres.sh).
# Usage: scripts/run-tests.sh [--only sqlite|pg] [extra ctest args]
set -uo pipefail
cd "$(dirname "$0")/.."
only=""
if [ "${1:-}" = "--only" ]; then only="$2"; shift 2; fi
build=build/asan
jobs=$(nproc)
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

status=0
summary=()
if [ -z "$only" ] || [ "$only" = sqlite ]; then
  echo "== tests on SQLite =="
  if FOLIO_TEST_DB=sqlite ctest --test-dir "$build" -j "$jobs" --output-on-failure "$@"; then
    summary+=("sqlite: passed")
  else
    summary+=("sqlite: FAILED"); status=1
  fi
fi
if [ -z "$only" ] || [ "$only" = pg ]; then
  echo "== tests on PostgreSQL =="
  if bash scripts/test-postgres.sh ctest --test-dir "$build" -j "$jobs" --output-on-failure "$@"; then
    summary+=("postgresql: passed")
  else
    summary+=("postgresql: FAILED"); status=1
  fi
fi
printf '%s\n' "${summary[@]}"
exit $status

#!/usr/bin/env bash
# Runs the whole CTest suite of the ASan+UBSan build once per storage backend:
# SQLite (a temp file per test), then PostgreSQL 15 (a throwaway cluster, scripts/test-postgres.sh).
# Usage: scripts/run-tests.sh [--only sqlite|pg] [extra ctest args]
set -uo pipefail
shopt -s lastpipe
cd "$(dirname "$0")/.."
only=""
if [ "${1:-}" = "--only" ]; then only="$2"; shift 2; fi
build=build/asan
jobs=$(nproc)
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

status=0
summary=()
total_pass=0
total_fail=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# count LOG: adds the "N tests failed out of M" figures of the last ctest run to the totals.
count() {
  local line failed all
  line=$(grep -E "tests? failed out of [0-9]+" "$log" | tail -1)
  if [ -z "$line" ]; then total_fail=$((total_fail + 1)); return; fi
  failed=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
  all=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\2/' <<<"$line")
  total_pass=$((total_pass + all - failed))
  total_fail=$((total_fail + failed))
}
if [ -z "$only" ] || [ "$only" = sqlite ]; then
  echo "== tests on SQLite =="
  if FOLIO_TEST_DB=sqlite ctest --test-dir "$build" -j "$jobs" --output-on-failure "$@" 2>&1 | tee "$log"; then
    summary+=("sqlite: passed")
  else
    summary+=("sqlite: FAILED"); status=1
  fi
  count
fi
if [ -z "$only" ] || [ "$only" = pg ]; then
  echo "== tests on PostgreSQL =="
  if bash scripts/test-postgres.sh ctest --test-dir "$build" -j "$jobs" --output-on-failure "$@" 2>&1 | tee "$log"; then
    summary+=("postgresql: passed")
  else
    summary+=("postgresql: FAILED"); status=1
  fi
  count
fi
printf '%s\n' "${summary[@]}"
# The closing line counts every test run, over both backends.
echo "$total_pass passed, $total_fail failed"
exit $status

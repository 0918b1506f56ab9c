#!/usr/bin/env bash
# Runs every libFuzzer target of a fuzz build for a while, each on a copy of its seed corpus
# (the repository's corpus is never written to), and reports per target.
# Usage: scripts/run-fuzz.sh [BUILD_DIR [SECONDS]]     defaults: build/fuzz 60
# Build first:  cmake --preset fuzz && cmake --build --preset fuzz -j2
# Each run works on a fresh copy of tests/fuzz/corpus/<name>/ in BUILD_DIR/fuzz-work/<name>/corpus
# (kept afterwards: minimise with -merge=1 and copy useful entries into the repository by hand).
# Crash inputs and the log of a failed run go to BUILD_DIR/fuzz-artifacts/<name>/.
set -uo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$src/build/fuzz}"
secs="${2:-60}"
case "$secs" in ''|*[!0-9]*) echo "run-fuzz: SECONDS must be a whole number" >&2; exit 2;; esac
[ -d "$build" ] || { echo "run-fuzz: no build dir $build (cmake --preset fuzz)" >&2; exit 2; }

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

mapfile -t bins < <(find "$build/tests/fuzz" -maxdepth 1 -type f -perm -u+x -name 'fuzz_*' 2>/dev/null | sort)
if [ "${#bins[@]}" -eq 0 ]; then
  echo "run-fuzz: no fuzz_* executables under $build/tests/fuzz" >&2; exit 2
fi

status=0
ran=0
summary=()
for bin in "${bins[@]}"; do
  target="$(basename "$bin")"
  name="${target#fuzz_}"
  if ! grep -q LLVMFuzzerRunDriver "$bin" 2>/dev/null && ! grep -q 'libFuzzer' "$bin" 2>/dev/null; then
    summary+=("$name: skipped (not a libFuzzer build: use cmake --preset fuzz)")
    continue
  fi
  ran=$((ran + 1))
  work="$build/fuzz-work/$name"
  rm -rf "$work"
  mkdir -p "$work/corpus"
  seeds=0
  if [ -d "$src/tests/fuzz/corpus/$name" ]; then
    cp -p "$src/tests/fuzz/corpus/$name"/. "$work/corpus/" -r 2>/dev/null
    seeds=$(find "$work/corpus" -type f | wc -l)
  fi
  artifacts="$build/fuzz-artifacts/$name"
  mkdir -p "$artifacts"
  echo "== $target: $secs s, $seeds seed(s) =="
  "$bin" -max_total_time="$secs" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$artifacts/" "$work/corpus" >"$work/log" 2>&1
  rc=$?
  tail -n 12 "$work/log"
  after=$(find "$work/corpus" -type f | wc -l)
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$' || true)
  if [ $rc -eq 0 ]; then
    summary+=("$name: ok, ${execs:-?} runs, corpus $seeds -> $after")
  else
    status=1
    cp "$work/log" "$artifacts/last-run.log"
    summary+=("$name: FAILED (exit $rc), see $artifacts/")
  fi
done
echo "== summary =="
printf '%s\n' "${summary[@]}"
[ "$ran" -gt 0 ] || { echo "run-fuzz: no libFuzzer target ran" >&2; exit 2; }
exit $status

# Shared helpers for integration tests (bash). Source it first:  . "$(dirname "$0")/lib.sh"
# Environment from CTest: FOLIO_BIN (the folio binary), FOLIO_SHARED (../shared),
# FOLIO_TEST_DB ("sqlite" or a PostgreSQL admin URL, see tests/support/testdb.h).
set -uo pipefail

T_PASS=0
T_FAIL=0
T_TMP=$(mktemp -d)
T_DBS=()

t_cleanup() {
  local u
  for u in "${T_DBS[@]:-}"; do
    [ -n "$u" ] && psql -q "$FOLIO_TEST_DB" -c "DROP DATABASE IF EXISTS \"$u\"" >/dev/null 2>&1
  done
  rm -rf "$T_TMP"
}
trap t_cleanup EXIT

# fresh_db: sets DB to the URL of a new empty database and KEY to a new key path.
fresh_db() {
  local n=$(( ${#T_DBS[@]} + 1 ))
  if [[ "${FOLIO_TEST_DB:-sqlite}" == postgres* ]]; then
    local name="folio_it_$$_${n}_${RANDOM}"
    psql -q "$FOLIO_TEST_DB" -c "CREATE DATABASE \"$name\"" >/dev/null || { echo "cannot create database"; exit 1; }
    T_DBS+=("$name")
    DB="${FOLIO_TEST_DB%/*}/$name"
    case "$FOLIO_TEST_DB" in *\?*) DB="${DB}?${FOLIO_TEST_DB#*\?}";; esac
  else
    T_DBS+=("")
    DB="sqlite:$T_TMP/db$n.sqlite"
  fi
  KEY="$T_TMP/key$n"
  export DB KEY
}

# folio ARGS...: the binary under test against $DB with $KEY.
folio() { "$FOLIO_BIN" --db "$DB" --key "$KEY" "$@"; }

# sql "QUERY": one query through the database's own client (independent of Folio's code);
# prints rows with | between columns.
sql() {
  if [[ "$DB" == postgres* ]]; then
    psql -qAtX "$DB" -c "$1"
  else
    sqlite3 "${DB#sqlite:}" "$1"
  fi
}

# db_dump: the whole database as text through the database's own tools (for "is X stored in
# plain text anywhere" checks).
db_dump() {
  if [[ "$DB" == postgres* ]]; then
    pg_dump --no-owner "$DB"
  else
    sqlite3 "${DB#sqlite:}" .dump
  fi
}

ok()   { T_PASS=$((T_PASS+1)); echo "ok - $*"; }
bad()  { T_FAIL=$((T_FAIL+1)); echo "not ok - $*"; }
# check NAME EXPECTED ACTUAL
check() { if [ "$2" == "$3" ]; then ok "$1"; else bad "$1: expected [$2], got [$3]"; fi; }
# expect_fail NAME EXPECTED_EXIT CMD...: the command must exit with that code and say something on stderr.
expect_fail() {
  local name=$1 want=$2; shift 2
  local out rc
  out=$("$@" 2>&1 >/dev/null); rc=$?
  if [ "$rc" -eq "$want" ] && [ -n "$out" ]; then ok "$name (exit $rc: $out)"; else bad "$name: exit $rc (want $want), stderr [$out]"; fi
}
# skip_if_no_shared REL: exit 0 with a clear message when ../shared data is absent.
need_shared() {
  if [ ! -e "${FOLIO_SHARED:-}/data/$1" ]; then echo "SKIP: ${FOLIO_SHARED:-../shared}/data/$1 is absent"; exit 77; fi
}
# done_testing: print the summary line and exit non-zero on any failure.
done_testing() {
  echo "$T_PASS passed, $T_FAIL failed"
  [ "$T_FAIL" -eq 0 ] && [ "$T_PASS" -gt 0 ]
}

#!/usr/bin/env bash
# folio command framework: init, db migrate/status, help, global options, exit codes, odd argv.
. "$(dirname "$0")/lib.sh"

fresh_db

# --- init: creates the key (0600) and the schema; idempotent
out=$(folio init 2>/dev/null); rc=$?
check "init exits 0" 0 "$rc"
check "init created the key file" yes "$([ -f "$KEY" ] && echo yes || echo no)"
check "key file mode 0600" 600 "$(stat -c %a "$KEY")"
check "init says what it did" yes "$(grep -q 'created' <<<"$out" && echo yes || echo no)"
n_mig=$(sql "SELECT COUNT(*) FROM schema_migrations")
check "init applied migrations" yes "$([ "${n_mig:-0}" -ge 1 ] && echo yes || echo no)"
out2=$(folio init 2>/dev/null); rc=$?
check "init again exits 0" 0 "$rc"
check "init again applies nothing" yes "$(grep -q '0 migrations applied' <<<"$out2" && echo yes || echo no)"
check "init again keeps the key" yes "$(grep -q 'exists' <<<"$out2" && echo yes || echo no)"
check "migration rows unchanged" "$n_mig" "$(sql "SELECT COUNT(*) FROM schema_migrations")"

# --- db migrate / status
check "db migrate applies nothing" yes "$(folio db migrate 2>/dev/null | grep -q '^applied 0 migrations' && echo yes || echo no)"
j=$(folio --json db migrate)
check "db migrate --json" 0 "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["applied"])' "$j")"
st=$(folio db status); rc=$?
check "db status exits 0" 0 "$rc"
check "db status has a header" yes "$(grep -q '^NUMBER *NAME *APPLIED_AT' <<<"$st" && echo yes || echo no)"
check "db status: no pending" yes "$(grep -q '0 pending' <<<"$st" && echo yes || echo no)"
j=$(folio db status --json)
check "db status --json lists every migration" "$n_mig" \
  "$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(sum(1 for m in d["migrations"] if m["applied_at"]))' "$j")"
check "db status --json pending" 0 "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["pending"])' "$j")"

# --- db status on a fresh database shows pending migrations and migrates nothing
fresh_db
st=$(folio db status 2>&1); rc=$?
check "db status on empty db exits 0" 0 "$rc"
check "db status on empty db: pending" yes "$(grep -q 'pending' <<<"$st" && echo yes || echo no)"
j=$(folio --json db migrate)
check "db migrate on empty db applies some" yes \
  "$(python3 -c 'import json,sys; print("yes" if json.loads(sys.argv[1])["applied"] >= 1 else "no")' "$j")"

# --- help and version
check "--version" 0 "$("$FOLIO_BIN" --version >/dev/null; echo $?)"
check "help lists commands" yes "$("$FOLIO_BIN" help | grep -q 'patient' && echo yes || echo no)"
check "help patient" 0 "$("$FOLIO_BIN" help patient >/dev/null; echo $?)"
check "patient --help" 0 "$("$FOLIO_BIN" patient --help >/dev/null; echo $?)"
expect_fail "help of unknown command" 14 "$FOLIO_BIN" help frobnicate

# --- usage errors: exit 14, naming the bad thing
expect_fail "no command" 14 "$FOLIO_BIN"
expect_fail "unknown command" 14 folio frobnicate
out=$("$FOLIO_BIN" frobnicate 2>&1 >/dev/null)
check "unknown command named" yes "$(grep -q "frobnicate" <<<"$out" && echo yes || echo no)"
expect_fail "unknown global option" 14 "$FOLIO_BIN" --frob patient list
out=$("$FOLIO_BIN" --frob patient list 2>&1 >/dev/null)
check "unknown option named" yes "$(grep -q -- "--frob" <<<"$out" && echo yes || echo no)"
expect_fail "--db without value" 14 "$FOLIO_BIN" --db
expect_fail "--db empty" 14 "$FOLIO_BIN" --db "" db status
expect_fail "--key without value" 14 "$FOLIO_BIN" --key
expect_fail "db without subcommand" 14 folio db
expect_fail "db unknown subcommand" 14 folio db frob
expect_fail "db status extra arg" 14 folio db status extra
expect_fail "unknown command option" 14 folio db status --frob
expect_fail "global option after command" 14 folio db status --db x
expect_fail "flag with value" 14 folio db status --json=1
one=$("$FOLIO_BIN" frobnicate 2>&1 >/dev/null | wc -l)
check "error is one line" 1 "$one"
first=$("$FOLIO_BIN" frobnicate 2>&1 >/dev/null)
check "error starts with folio:" yes "$([[ "$first" == folio:* ]] && echo yes || echo no)"

# --- missing key file is refused (exit 9) for commands that need it
KEY2="$T_TMP/nokey"
out=$("$FOLIO_BIN" --db "$DB" --key "$KEY2" patient list 2>&1 >/dev/null); rc=$?
check "missing key exit 9" 9 "$rc"
check "missing key message names the path" yes "$(grep -q "$KEY2" <<<"$out" && echo yes || echo no)"

# --- a bad database URL is reported with the URL but never its password
out=$("$FOLIO_BIN" --db "postgresql://folio:s3cretpw@127.0.0.1:1/nodb?connect_timeout=2" --key "$KEY" db status 2>&1); rc=$?
check "unreachable database fails" yes "$([ "$rc" -ne 0 ] && [ "$rc" -ne 134 ] && echo yes || echo no)"
check "password not printed" no "$(grep -q 's3cretpw' <<<"$out" && echo yes || echo no)"
out=$("$FOLIO_BIN" --db "sqlite:$T_TMP/no/such/dir/x.db" --key "$KEY" db status 2>&1); rc=$?
check "sqlite in a missing dir fails cleanly" yes "$([ "$rc" -ne 0 ] && [ "$rc" -lt 64 ] && echo yes || echo no)"

# --- the default paths: var/ is created in the working directory
( cd "$T_TMP" && mkdir -p defaults && cd defaults && \
  env -u FOLIO_DB -u FOLIO_KEY_FILE "$FOLIO_BIN" init >/dev/null 2>&1 )
check "init with default paths creates var/folio.key" yes "$([ -f "$T_TMP/defaults/var/folio.key" ] && echo yes || echo no)"
check "init with default paths creates var/folio.db" yes "$([ -f "$T_TMP/defaults/var/folio.db" ] && echo yes || echo no)"

# --- odd argv never crashes (exit < 64: no signal, no sanitizer abort)
fresh_db
folio init >/dev/null 2>&1
big=$(printf '9%.0s' {1..400})
odd_cases=(
  "patient" "patient show" "patient show 0" "patient show -1" "patient show $big" "patient show abc"
  "patient show 99999999999999999999" "patient show ''" "patient add" "patient add --family"
  "patient add --family= --given=" "patient search" "patient search --limit -1" "patient search --limit $big"
  "patient search --name ''" "patient list --limit abc" "patient list --offset 99999999999999"
  "encounter" "encounter show x" "encounter add --patient $big" "encounter discharge"
  "document" "document show" "document show 1 --version abc" "document history 0" "document add --file /nonexistent"
  "document amend 1" "demo --frob" "import" "db status --json --json" "-- patient list" "help help"
  "patient list ----" "patient list -" "patient --=x" "patient add --=" "document show 1 --version 0"
)
crashed=0
for c in "${odd_cases[@]}"; do
  eval "args=($c)"
  folio "${args[@]}" >/dev/null 2>"$T_TMP/err"; rc=$?
  if [ "$rc" -ge 64 ] || grep -q -E 'Sanitizer|runtime error' "$T_TMP/err"; then
    crashed=$((crashed+1)); echo "# crash: folio $c -> $rc"; cat "$T_TMP/err" | head -5
  fi
  if [ "$rc" -ne 0 ] && [ ! -s "$T_TMP/err" ]; then echo "# silent failure: folio $c -> $rc"; crashed=$((crashed+1)); fi
done
check "odd argv: no crash, every failure explained" 0 "$crashed"
# a very long argument
long=$(head -c 100000 /dev/zero | tr '\0' 'x')
folio patient search --name "$long" >/dev/null 2>"$T_TMP/err"; rc=$?
check "100 kB argument handled" yes "$([ "$rc" -lt 64 ] && echo yes || echo no)"

done_testing

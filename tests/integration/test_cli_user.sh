#!/usr/bin/env bash
# folio user add/list/disable/enable/roles/reset-password: passwords from stdin or a file, never
# from argv, never printed, never stored; bad input refused with the documented exit codes.
. "$(dirname "$0")/lib.sh"

export FOLIO_PWHASH_FAST=1 # minimum Argon2id limits: test speed only (docs/users.md)
fresh_db
folio init >/dev/null 2>&1 || { bad "init"; done_testing; exit 1; }
jget() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(eval(sys.argv[1], {"d": d}))' "$1"; }
LOG="$T_TMP/all-output.txt"  # everything the commands print, checked for passwords at the end
run() { "$FOLIO_BIN" --db "$DB" --key "$KEY" "$@" 2>>"$LOG" | tee -a "$LOG"; return "${PIPESTATUS[0]}"; }

PW1='first-Secret-pass1'
PW2='second-Secret-pass2'
PW3='third-Secret-pass3'
PW4='fourth-Secret-pass4'

out=$(printf '%s\n' "$PW1" | run user add Alice --roles coder,clinician --name "Alice Able" --password-stdin); rc=$?
check "add --password-stdin exits 0" 0 "$rc"
check "add says created (lower-cased)" yes "$(grep -q '^created user alice (id [0-9]*), roles coder,clinician' <<<"$out" && echo yes || echo no)"
printf '%s\n' "$PW2" >"$T_TMP/pw"
chmod 600 "$T_TMP/pw"
j=$(run --json user add bob --roles analyst --password-file "$T_TMP/pw"); rc=$?
check "add --password-file exits 0" 0 "$rc"
check "add --json roles" "['analyst']" "$(jget 'd["roles"]' <<<"$j")"
out=$(printf '%s\r\n' "$PW3" | run --as it.admin user add carol --roles administrator); rc=$?
check "add with the password on stdin (not a terminal) exits 0" 0 "$rc"

l=$(run user list); rc=$?
check "list exits 0" 0 "$rc"
check "list header" yes "$(grep -q '^USERNAME *NAME *ROLES *DISABLED *LOCKED *LAST_LOGIN' <<<"$l" && echo yes || echo no)"
check "list shows alice" yes "$(grep -q '^alice *Alice Able *coder,clinician *no *no *never' <<<"$l" && echo yes || echo no)"
check "list count" "3 users" "$(tail -1 <<<"$l")"
j=$(run user list --json)
check "list --json total" 3 "$(jget 'd["total"]' <<<"$j")"
check "list --json fields" "id,username,display_name,roles,disabled,locked,locked_until,last_login_at,created_at,password_changed_at,provider_id" "$(jget '",".join(d["items"][0].keys())' <<<"$j")"
check "list --json roles" "['coder', 'clinician']" "$(jget '[u["roles"] for u in d["items"] if u["username"]=="alice"][0]' <<<"$j")"
check "created_by is the --as actor" it.admin "$(sql "SELECT created_by FROM users WHERE username='carol'")"
check "stored hash is Argon2id" yes "$(sql "SELECT password_hash FROM users WHERE username='alice'" | grep -q '^\$argon2id\$' && echo yes || echo no)"

# --- bad input: refused with the documented exit codes, nothing written
count() { sql "SELECT COUNT(*) FROM users"; }
before=$(count)
expect_fail "duplicate username exits 4" 4 sh -c "printf '%s\n' '$PW4' | \"\$0\" --db \"$DB\" --key \"$KEY\" user add ALICE --roles coder --password-stdin" "$FOLIO_BIN"
err=$(printf '%s\n' "$PW4" | run user add 'bad name' --roles coder --password-stdin 2>&1 >/dev/null); rc=$?
check "bad username exits 2" 2 "$rc"
err=$(printf '%s\n' "$PW4" | "$FOLIO_BIN" --db "$DB" --key "$KEY" user add 'bad name' --roles coder --password-stdin 2>&1 >/dev/null)
check "bad username named" yes "$(grep -q "username.*bad name" <<<"$err" && echo yes || echo no)"
err=$(printf '%s\n' "$PW4" | "$FOLIO_BIN" --db "$DB" --key "$KEY" user add dave --roles coder,wizard --password-stdin 2>&1 >/dev/null); rc=$?
check "bad role exits 2" 2 "$rc"
check "bad role named" yes "$(grep -q "wizard" <<<"$err" && echo yes || echo no)"
err=$(printf 'short-pw1\n' | "$FOLIO_BIN" --db "$DB" --key "$KEY" user add dave --roles coder --password-stdin 2>&1 >/dev/null); rc=$?
check "short password exits 2" 2 "$rc"
check "short password: the message names the field" yes "$(grep -q "password" <<<"$err" && echo yes || echo no)"
check "short password: the message does not show it" no "$(grep -q "short-pw1" <<<"$err" && echo yes || echo no)"
err=$("$FOLIO_BIN" --db "$DB" --key "$KEY" user add dave --roles coder --password "$PW4" 2>&1 </dev/null >/dev/null); rc=$?
check "--password on the command line exits 14" 14 "$rc"
check "--password refusal does not echo the value" no "$(grep -qF "$PW4" <<<"$err" && echo yes || echo no)"
err=$("$FOLIO_BIN" --db "$DB" --key "$KEY" user add dave "$PW4" --roles coder 2>&1 </dev/null >/dev/null); rc=$?
check "extra argument exits 14" 14 "$rc"
check "extra argument not echoed" no "$(grep -qF "$PW4" <<<"$err" && echo yes || echo no)"
expect_fail "missing --roles exits 14" 14 folio user add dave --password-stdin
expect_fail "missing username exits 14" 14 folio user add --roles coder --password-stdin
expect_fail "no password on stdin exits 2" 2 sh -c "\"\$0\" --db \"$DB\" --key \"$KEY\" user add dave --roles coder </dev/null" "$FOLIO_BIN"
expect_fail "missing password file exits 3" 3 folio user add dave --roles coder --password-file "$T_TMP/nope"
expect_fail "both password sources exit 14" 14 folio user add dave --roles coder --password-file "$T_TMP/pw" --password-stdin
expect_fail "unknown subcommand exits 14" 14 folio user frob
expect_fail "unknown option exits 14" 14 folio user list --colour
check "nothing written by bad input" "$before" "$(count)"

# --- disable / enable / roles
expect_fail "disable unknown user exits 3" 3 folio user disable nobody
out=$(run user disable alice); rc=$?
check "disable exits 0" 0 "$rc"
check "disabled in list" true "$(run user list --json | jget '[u["disabled"] for u in d["items"] if u["username"]=="alice"][0]' | tr A-Z a-z)"
check "disable is recorded with who" 1 "$(sql "SELECT disabled FROM users WHERE username='alice'")"
out=$(run user enable alice); rc=$?
check "enable exits 0" 0 "$rc"
check "enabled in list" no "$(run user list | awk '$1=="alice"{print $(NF-2)}')"
out=$(run --json user roles bob --roles analyst,chart_analyst); rc=$?
check "roles exits 0" 0 "$rc"
check "roles --json" "['chart_analyst', 'analyst']" "$(jget 'd["roles"]' <<<"$out")"
expect_fail "roles with a bad role exits 2" 2 folio user roles bob --roles wizard
expect_fail "roles without --roles exits 14" 14 folio user roles bob
check "roles unchanged by the refusal" 258 "$(sql "SELECT roles FROM users WHERE username='bob'")"

# --- reset-password: new hash, lockout cleared, sessions ended
sql "UPDATE users SET failed_count = 5, locked_until = '2999-01-01T00:00:00Z' WHERE username = 'bob'" >/dev/null
check "locked user shows as locked" "2999-01-01T00:00:00Z" "$(run user list | awk '$1=="bob"{print $(NF-1)}')"
sql "INSERT INTO sessions (token_sha256, user_id, cookie, created_at, last_seen_at, expires_at) SELECT 'x', id, 0, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2999-01-01T00:00:00Z' FROM users WHERE username = 'bob'" >/dev/null
h1=$(sql "SELECT password_hash FROM users WHERE username='bob'")
out=$(printf '%s\n' "$PW4" | run user reset-password bob --password-stdin); rc=$?
check "reset-password exits 0" 0 "$rc"
check "reset-password changed the hash" yes "$([ "$h1" != "$(sql "SELECT password_hash FROM users WHERE username='bob'")" ] && echo yes || echo no)"
check "reset-password cleared the lockout" "0|" "$(sql "SELECT failed_count || '|' || COALESCE(locked_until, '') FROM users WHERE username='bob'")"
check "reset-password ended the session (row kept)" "password_reset" "$(sql "SELECT ended_reason FROM sessions WHERE token_sha256='x'")"
expect_fail "reset-password unknown user exits 3" 3 folio user reset-password nobody --password-stdin
expect_fail "reset-password with a short one exits 2" 2 sh -c "printf 'tooshort\n' | \"\$0\" --db \"$DB\" --key \"$KEY\" user reset-password bob --password-stdin" "$FOLIO_BIN"

# --- user provider: the provider a user is (a clinician's inbox)
sql "INSERT INTO provider (npi, family, given, created_at, created_by) VALUES ('1234567893', 'Oak', 'Robin', '2024-01-01T00:00Z', 'test')" >/dev/null
pid=$(sql "SELECT id FROM provider WHERE npi='1234567893'")
out=$(run user provider alice --npi 1234567893); rc=$?
check "provider --npi exits 0" 0 "$rc"
check "provider --npi says who" "user alice is provider $pid (Oak, Robin, NPI 1234567893)" "$out"
check "provider linked" "$pid" "$(sql "SELECT provider_id FROM users WHERE username='alice'")"
check "list --json provider_id" "$pid" "$(run user list --json | jget '[u["provider_id"] for u in d["items"] if u["username"]=="alice"][0]')"
j=$(run --json user provider bob --id "$pid")
check "provider --id --json" "$pid" "$(jget 'd["provider_id"]' <<<"$j")"
out=$(run user provider bob --none); rc=$?
check "provider --none exits 0" 0 "$rc"
check "provider --none unlinks" "" "$(sql "SELECT provider_id FROM users WHERE username='bob'")"
expect_fail "provider unknown id exits 3" 3 folio user provider alice --id 99999
expect_fail "provider unknown NPI exits 3" 3 folio user provider alice --npi 1245319599
expect_fail "provider unknown user exits 3" 3 folio user provider nobody --id "$pid"
expect_fail "provider needs one of --npi, --id, --none" 14 folio user provider alice
expect_fail "provider takes only one of them" 14 folio user provider alice --none --id "$pid"
check "refused links changed nothing" "$pid" "$(sql "SELECT provider_id FROM users WHERE username='alice'")"

# --- the passwords appear nowhere
for p in "$PW1" "$PW2" "$PW3" "$PW4"; do
  check "password never printed" 0 "$(grep -cF -- "$p" "$LOG")"
  check "password not in the database" 0 "$(db_dump | grep -cF -- "$p")"
done
check "users are never deleted" 3 "$(count)"
# every user change is in the audit trail, and a refused one is not
check "user changes audited" 1 "$(( $(sql "SELECT COUNT(*) FROM audit_log WHERE action='user.admin'") >= 3 ))"
check "audit names the user changed" 1 "$(( $(sql "SELECT COUNT(*) FROM audit_log WHERE action='user.admin' AND detail LIKE 'add %'") >= 1 ))"

# --- folio demo: one user per role, idempotent, an existing user left as it is
if [ -d "${FOLIO_SHARED:-}/data/corpora/synthea/csv_unmc_111pt" ]; then
  fresh_db
  printf '%s\n' "$PW1" | folio user add coder --roles clinician --password-stdin >/dev/null 2>&1
  j=$(FOLIO_SHARED="$FOLIO_SHARED" folio --quiet --json demo); rc=$?
  check "demo exits 0" 0 "$rc"
  check "demo lists its users" "him.tech,chart.analyst,coder,coding.auditor,roi,roi.qa,privacy,registrar,clinician,analyst,admin" "$(jget '",".join(d["users"])' <<<"$j")"
  check "demo added 10 users (coder existed)" 10 "$(jget 'd["demo"]["users"]' <<<"$j")"
  check "existing user left as it was" 128 "$(sql "SELECT roles FROM users WHERE username='coder'")"
  check "admin is an administrator" 512 "$(sql "SELECT roles FROM users WHERE username='admin'")"
  check "every role but coder (4) has its demo user, roi (16) two" 1035 "$(sql "SELECT SUM(roles) FROM users WHERE username <> 'coder'")"
  j=$(folio --quiet --json demo)
  check "demo again adds no user" 0 "$(jget 'd["demo"]["users"]' <<<"$j")"
  check "11 users" 11 "$(sql "SELECT COUNT(*) FROM users")"
  check "demo links the clinician to a provider" 1 "$(sql "SELECT COUNT(*) FROM users WHERE username='clinician' AND provider_id IS NOT NULL")"
  check "demo password not stored" 0 "$(db_dump | grep -c 'demo-password')"
fi

done_testing

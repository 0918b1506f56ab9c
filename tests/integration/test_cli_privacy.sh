#!/usr/bin/env bash
# folio privacy restrict/vip/care/alerts/reviews/review and folio user home (docs/privacy.md):
# restrictions with their reason and history, care-team grants, an alert run over accesses made
# with the CLI (--as), its rerun adding nothing, the review, and bad input refused with one line
# on stderr and the documented exit codes; workforce data never printed.
. "$(dirname "$0")/lib.sh"

export FOLIO_PWHASH_FAST=1 # minimum Argon2id limits: test speed only (docs/users.md)
fresh_db
folio init >/dev/null 2>&1 || { bad "init"; done_testing; exit 1; }
jget() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(eval(sys.argv[1], {"d": d}))' "$1"; }

pid=$(folio --json patient add --family Okafor --given Ada --birth-date 1970-02-03 --sex female \
  --address-line "12 Leavenworth Street" --city Omaha --state NE --zip 68105-1234 | jget 'd["id"]')
check "patient added" yes "$([ -n "$pid" ] && echo yes || echo no)"
printf 'a-long-password-1\n' | folio user add alice --roles clinician --password-stdin >/dev/null
printf 'a-long-password-2\n' | folio user add bob --roles clinician --password-stdin >/dev/null

# restrictions
expect_fail "restrict needs a reason" 14 folio privacy restrict "$pid"
expect_fail "restrict: unknown patient" 3 folio privacy restrict 99999 --reason "staff member"
out=$(folio --as po privacy restrict "$pid" --reason "staff member"); rc=$?
check "restrict exits 0" 0 "$rc"
check "restrict says so" "patient $pid: restricted, not VIP" "$out"
expect_fail "restrict again: nothing changes" 10 folio privacy restrict "$pid" --reason "again"
j=$(folio --json privacy vip "$pid" --reason "in the news")
check "vip --json" "True True" "$(jget 'd["restricted"], d["vip"]' <<<"$j" | tr -d '(),')"
check "history rows" 2 "$(sql "SELECT COUNT(*) FROM chart_restriction_event WHERE patient_id = $pid")"
check "history keeps the actor" po "$(sql "SELECT by_user FROM chart_restriction_event ORDER BY id LIMIT 1")"

# care team
expect_fail "care: unknown user" 3 folio privacy care "$pid" --user nobody
expect_fail "care: bad time" 2 folio privacy care "$pid" --user bob --to 2026-13-01
out=$(folio privacy care "$pid" --user bob --role attending); rc=$?
check "care grant exits 0" 0 "$rc"
check "care list" "1 care-team grant" "$(tail -1 <<<"$out")"
cid=$(folio --json privacy care "$pid" | jget 'd["items"][0]["id"]')
check "care grant without --to ends in 90 days" yes \
  "$(folio --json privacy care "$pid" | jget 'd["items"][0]["to_at"][:10]' | grep -qx "$(date -u -d '+90 days' +%F)" && echo yes || echo no)"
expect_fail "care: from more than a year ahead" 2 folio privacy care "$pid" --user bob --from 9999-01-01
folio privacy care "$pid" --end "$cid" >/dev/null
check "care ended" 1 "$(sql "SELECT COUNT(*) FROM care_relationship WHERE ended_at IS NOT NULL")"

# workforce data: recorded, never echoed
out=$(folio user home alice --family "O'Kafor" --postal-code 68105 --street "12 Leavenworth St."); rc=$?
check "user home exits 0" 0 "$rc"
check "user home does not echo the values" no "$(grep -qi 'leavenworth\|kafor\|68105' <<<"$out" && echo yes || echo no)"
expect_fail "user home needs an option" 14 folio user home alice
expect_fail "user home: unknown user" 3 folio user home ghost --family X
# 120 x "é" (240 bytes, 120 characters): accepted whole, stored as valid UTF-8, not cut
long=$(python3 -c 'print("\u00e9" * 120)')
folio user home bob --family "$long" >/dev/null; rc=$?
check "user home: 120 accented characters" 0 "$rc"
if [[ "$DB" == postgres* ]]; then bytes="octet_length(family_name)"; else bytes="length(CAST(family_name AS BLOB))"; fi
check "user home: stored whole" 240 "$(sql "SELECT $bytes FROM users WHERE username = 'bob'")"
expect_fail "user home: 129 characters" 2 folio user home bob --family "$(python3 -c 'print("\u00e9" * 129)')"
folio user home bob --family "" >/dev/null

# accesses made with the CLI are audited under --as: alice views the chart, bob does too
folio --as alice patient show "$pid" >/dev/null
folio --as bob patient show "$pid" >/dev/null
# the day of the accesses themselves (not the clock after them: no flake across midnight UTC)
today=$(sql "SELECT substr(MIN(at), 1, 10) FROM audit_log WHERE username = 'alice'")
j=$(folio --json privacy alerts --day "$today"); rc=$?
check "alerts exit 0" 0 "$rc"
check "same family name" 1 "$(jget 'd["found"]["same_family_name"]' <<<"$j")"
check "same address" 1 "$(jget 'd["found"]["same_address"]' <<<"$j")"
check "vip without care relationship (alice, bob)" 2 "$(jget 'd["found"]["vip_access"]' <<<"$j")"
j=$(folio --json privacy alerts --day "$today")
check "rerun adds nothing" 0 "$(jget 'sum(d["added"].values())' <<<"$j")"
expect_fail "alerts: bad day" 2 folio privacy alerts --day 2026-02-30
expect_fail "alerts: future day" 2 folio privacy alerts --day 2999-01-01

# the queue
out=$(folio privacy reviews --status open)
check "reviews list" "4 of 4 items" "$(tail -1 <<<"$out")"
check "reviews show no address" no "$(grep -qi 'leavenworth' <<<"$out" && echo yes || echo no)"
expect_fail "reviews: bad kind" 2 folio privacy reviews --kind snooping
rid=$(folio --json privacy reviews --kind same_address | jget 'd["items"][0]["id"]')
expect_fail "review: note required" 2 folio privacy review "$rid" --disposition escalated
out=$(folio privacy review "$rid" --disposition escalated --note "lives at the same address"); rc=$?
check "review exits 0" 0 "$rc"
expect_fail "review twice" 10 folio privacy review "$rid" --disposition appropriate
check "one reviewed" 1 "$(folio --json privacy reviews --status reviewed | jget 'd["total"]')"
check "audited" yes "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'privacy.review'" | grep -q '^1$' && echo yes || echo no)"
# a break-the-glass reason is free text: not in the table, only with --json
sql "INSERT INTO privacy_review (kind, username, patient_id, day, at, detail, status, created_at) VALUES ('break_the_glass', 'bob', $pid, '2026-01-02', '2026-01-02T10:00:00Z', 'asked by Mrs Zebedee', 'open', '2026-01-02T10:00:00Z')" >/dev/null
out=$(folio privacy reviews --kind break_the_glass)
check "reviews table: no reason" no "$(grep -q 'Zebedee' <<<"$out" && echo yes || echo no)"
check "reviews --json: the reason" "asked by Mrs Zebedee" "$(folio --json privacy reviews --kind break_the_glass | jget 'd["items"][0]["detail"]')"
expect_fail "unknown subcommand" 14 folio privacy frobnicate

done_testing

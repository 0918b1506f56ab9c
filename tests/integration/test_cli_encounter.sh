#!/usr/bin/env bash
# folio encounter add/show/list/discharge; discharging twice is refused.
. "$(dirname "$0")/lib.sh"

fresh_db
folio init >/dev/null 2>&1 || { bad "init"; done_testing; exit 1; }
jget() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(eval(sys.argv[1], {"d": d}))' "$1"; }

P=$(folio --json patient add --family Doe --given Jane --birth-date 1950-01-02 --sex F --mrn M1 | jget 'd["id"]')
out=$(folio encounter add --patient "$P" --class inpatient --facility MAIN --admit-at 2024-03-05T14:07-05:00 \
  --account A100 --admit-type 1 --admit-source 1 --service MED --location "4W^412^B" --reason "chest pain"); rc=$?
check "encounter add exits 0" 0 "$rc"
E=$(sed -n 's/^created encounter \([0-9]*\).*/\1/p' <<<"$out")
check "encounter id" yes "$([[ "$E" =~ ^[0-9]+$ ]] && echo yes || echo no)"
j=$(folio --json encounter show "$E")
check "show --json class" inpatient "$(jget 'd["class"]' <<<"$j")"
check "show --json status" in-progress "$(jget 'd["status"]' <<<"$j")"
check "show --json admit_at in UTC" 2024-03-05T19:07Z "$(jget 'd["admit_at"]' <<<"$j")"
check "show --json account" A100 "$(jget 'd["account_number"]' <<<"$j")"
check "show --json location" "4W^412^B" "$(jget 'd["location"]' <<<"$j")"
check "show --json patient" "$P" "$(jget 'd["patient_id"]' <<<"$j")"
t=$(folio encounter show "$E")
check "show text: reason" yes "$(grep -q 'chest pain' <<<"$t" && echo yes || echo no)"
check "show text: status" yes "$(grep -qE '^status +in-progress' <<<"$t" && echo yes || echo no)"
E2=$(folio --json encounter add --patient "$P" --class outpatient --admit-at 2024-01-01T09:00Z | jget 'd["id"]')
check "list for the patient" 2 "$(folio --json encounter list --patient "$P" | jget 'd["total"]')"
check "list text footer" "2 of 2 encounters" "$(folio encounter list --patient "$P" | tail -1)"
check "patient show counts encounters" 2 "$(folio --json patient show "$P" | jget 'd["n_encounters"]')"

# --- discharge
out=$(folio encounter discharge "$E" --at 2024-03-08T10:00Z --disposition 01); rc=$?
check "discharge exits 0" 0 "$rc"
j=$(folio --json encounter show "$E")
check "discharged status" discharged "$(jget 'd["status"]' <<<"$j")"
check "discharge_at" 2024-03-08T10:00Z "$(jget 'd["discharge_at"]' <<<"$j")"
check "disposition" 01 "$(jget 'd["disposition"]' <<<"$j")"
expect_fail "discharge twice refused (exit 10)" 10 folio encounter discharge "$E" --at 2024-03-09T10:00Z
check "second discharge changed nothing" 2024-03-08T10:00Z "$(folio --json encounter show "$E" | jget 'd["discharge_at"]')"
expect_fail "discharge before admit refused" 2 folio encounter discharge "$E2" --at 2023-01-01T00:00Z
expect_fail "discharge bad time" 2 folio encounter discharge "$E2" --at yesterday
expect_fail "discharge unknown encounter" 3 folio encounter discharge 999999
folio encounter discharge "$E2" >/dev/null 2>&1
check "discharge defaults to now" discharged "$(folio --json encounter show "$E2" | jget 'd["status"]')"

# --- bad input writes nothing
before=$(sql "SELECT COUNT(*) FROM encounter")
expect_fail "unknown patient exits 3" 3 folio encounter add --patient 999999 --class inpatient
expect_fail "bad class exits 2" 2 folio encounter add --patient "$P" --class spaceship
expect_fail "missing class exits 2" 2 folio encounter add --patient "$P"
expect_fail "bad admit time exits 2" 2 folio encounter add --patient "$P" --class inpatient --admit-at 2024-02-30T10:00Z
expect_fail "duplicate account exits 4" 4 folio encounter add --patient "$P" --class inpatient --account A100
expect_fail "missing --patient exits 14" 14 folio encounter add --class inpatient
expect_fail "bad patient id exits 14" 14 folio encounter add --patient x --class inpatient
expect_fail "show unknown exits 3" 3 folio encounter show 424242
check "nothing written" "$before" "$(sql "SELECT COUNT(*) FROM encounter")"

done_testing

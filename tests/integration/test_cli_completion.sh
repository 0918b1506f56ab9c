#!/usr/bin/env bash
# folio completeness worklist/complete/reopen and what a complete chart still accepts from
# `folio document` (late entries with a reason, amendments) (docs/completeness.md "Completion").
. "$(dirname "$0")/lib.sh"

fresh_db
folio init >/dev/null 2>&1 || { bad "init"; done_testing; exit 1; }
jget() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(eval(sys.argv[1], {"d": d}))' "$1"; }

cat >"$T_TMP/rules" <<'R'
require DCSUM type 18842-5 class inpatient within 30d after discharge
sign    SIGNED within 48h
R
folio rules load "$T_TMP/rules" >/dev/null
sql "INSERT INTO provider (npi, family, given, created_at, created_by) VALUES ('1234567893', 'Oak', 'Robin', '2024-01-01T00:00Z', 'test')" >/dev/null
P=$(folio --json patient add --family Roe --given Richard --birth-date 1944-07-04 --sex M --mrn MRN77 | jget 'd["id"]')
E1=$(folio --json encounter add --patient "$P" --class inpatient --admit-at 2024-05-01T08:00Z --attending 1234567893 | jget 'd["id"]')
E2=$(folio --json encounter add --patient "$P" --class inpatient --admit-at 2024-04-01T08:00Z --attending 1234567893 | jget 'd["id"]')
folio encounter discharge "$E1" --at 2024-05-04T10:00Z --disposition 01 >/dev/null
folio encounter discharge "$E2" --at 2024-04-03T10:00Z --disposition 01 >/dev/null
folio completeness analyze "$E1" --now 2024-05-05T00:00Z >/dev/null
folio completeness analyze "$E2" --now 2024-05-05T00:00Z >/dev/null

# --- the worklist: oldest discharge first
j=$(folio --json completeness worklist --as-of 2024-05-10T00:00Z); rc=$?
check "worklist exits 0" 0 "$rc"
check "worklist total" 2 "$(jget 'd["total"]' <<<"$j")"
check "worklist order" "$E2,$E1" "$(jget '",".join(str(c["encounter_id"]) for c in d["items"])' <<<"$j")"
check "worklist row" "Roe, Richard|MRN77|Oak, Robin|1|1|36" "$(jget '"|".join(str(x) for x in [d["items"][0]["patient_name"], d["items"][0]["mrn"], d["items"][0]["attending"]["name"], d["items"][0]["open"], d["items"][0]["overdue"], d["items"][0]["days_since_discharge"]])' <<<"$j")"
t=$(folio completeness worklist --as-of 2024-05-10T00:00Z)
check "worklist table" yes "$(grep -q "^$E2 *Roe, Richard *MRN77 *2024-04-03T10:00Z *36 *Oak, Robin *1 *1 *0 *-" <<<"$t" && echo yes || echo no)"
check "worklist audited" 2 "$(sql "SELECT COUNT(*) FROM audit_log WHERE action='completeness.worklist'")"
# the other commands leave their entries too, with the patient
check "rules load audited" 1 "$(sql "SELECT COUNT(*) FROM audit_log WHERE action='completeness.rules' AND entity_type='ruleset'")"
check "analyze audited with the patient" 2 "$(sql "SELECT COUNT(*) FROM audit_log WHERE action='completeness.analyze' AND patient_id=$P")"
folio completeness list --encounter "$E1" >/dev/null
check "list audited with the patient" 1 "$(sql "SELECT COUNT(*) FROM audit_log WHERE action='completeness.view' AND patient_id=$P AND entity_id=$E1")"
folio completeness report --to 2024-05 >/dev/null
check "report audited" 1 "$(sql "SELECT COUNT(*) FROM audit_log WHERE action='completeness.delinquency'")"
folio provider resident --npi 1234567893 off >/dev/null
check "provider change audited" 1 "$(sql "SELECT COUNT(*) FROM audit_log WHERE action='provider.update' AND detail='resident off'")"
expect_fail "worklist bad status exits 2" 2 folio completeness worklist --status pending

# --- complete: refused while a deficiency is open
expect_fail "complete with an open deficiency exits 10" 10 folio completeness complete "$E1" --now 2024-05-06T00:00Z
D=$(folio --json document add --patient "$P" --encounter "$E1" --type 18842-5 --text "Discharge summary." | jget 'd["id"]')
folio document sign "$D" --provider 1234567893 >/dev/null
out=$(folio completeness complete "$E1" --now 2024-05-06T00:00Z); rc=$?
check "complete exits 0" 0 "$rc"
check "complete says so" "chart of encounter $E1 complete at 2024-05-06T00:00:00Z" "$out"
check "complete audited" 1 "$(sql "SELECT COUNT(*) FROM audit_log WHERE action='completeness.complete' AND entity_id=$E1")"
expect_fail "complete again exits 10" 10 folio completeness complete "$E1"
check "worklist --status complete" "$E1" "$(folio --json completeness worklist --status complete | jget '",".join(str(c["encounter_id"]) for c in d["items"])')"

# --- after completion: a late entry needs a reason; filing it reopens the chart when the
# analysis then finds it unsigned
expect_fail "document without a reason on a complete chart exits 2" 2 folio document add --patient "$P" --encounter "$E1" --type 11506-3 --text "late note"
L=$(folio --json document add --patient "$P" --encounter "$E1" --type 11506-3 --text "late note" --reason "dictation found" | jget 'd["id"]')
check "late entry recorded" "late-entry|dictation found" "$(folio --json document history "$L" | jget 'd["versions"][0]["change_kind"] + "|" + d["versions"][0]["reason"]')"
check "the unsigned late entry reopened the chart" "" "$(sql "SELECT chart_completed_at FROM encounter WHERE id=$E1")"
check "reopened by the analysis" 1 "$(sql "SELECT COUNT(*) FROM chart_completion_event WHERE encounter_id=$E1 AND action='reopen' AND detail LIKE 'reopened by the analysis%'")"
folio document sign "$L" --provider 1234567893 >/dev/null
folio completeness complete "$E1" >/dev/null
check "complete again once signed" 0 "$?"
expect_fail "addendum without a reason on a complete chart exits 2" 2 folio document addendum "$D" --text "more"
folio document addendum "$D" --text "more" --reason "follow-up" >/dev/null
check "addendum with a reason" 0 "$?"
folio document sign "$D" --provider 1234567893 >/dev/null
folio completeness complete "$E1" >/dev/null
check "complete after signing the addendum" 0 "$?"

# --- reopen
expect_fail "reopen without a reason exits 2" 2 folio completeness reopen "$E1"
j=$(folio --json completeness reopen "$E1" --reason "late note to sign" --now 2030-05-07T00:00Z); rc=$?
check "reopen exits 0" 0 "$rc"
check "reopened: no completed_at" None "$(jget 'd["completed_at"]' <<<"$j")"
expect_fail "reopen an incomplete chart exits 10" 10 folio completeness reopen "$E1" --reason again
check "completion history" "complete,reopen,complete,reopen,complete,reopen" "$(sql "SELECT action FROM chart_completion_event WHERE encounter_id=$E1 ORDER BY id" | paste -sd,)"

# a waiver is audited with the patient and the reason
D=$(sql "SELECT id FROM deficiency WHERE encounter_id=$E2 AND status='open' ORDER BY id LIMIT 1")
folio completeness waive "$D" --reason "dictation system outage" >/dev/null
check "waive audited" "$P|dictation system outage" "$(sql "SELECT patient_id || '|' || detail FROM audit_log WHERE action='completeness.waive' AND entity_id=$D")"

done_testing

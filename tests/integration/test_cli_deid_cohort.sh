#!/usr/bin/env bash
# folio deid cohort / folio deid dua: a small Safe Harbor extract (CSV and JSON, no identifier
# left), a limited data set refused without a data use agreement in force and made with one
# (dates and ZIP5 kept, written to a file only, one disclosure per patient), the extract log,
# and the CLI's errors. docs/deid.md "Cohort extracts".
. "$(dirname "$0")/lib.sh"

fresh_db
folio init >/dev/null 2>&1 || { echo "init failed"; exit 1; }
jget() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

P1=$(folio --json patient add --family Quillfeather --given Ottoline --birth-date 1931-05-09 --sex F \
  --mrn QF9001 --address-line "77 Larkspur Row" --city Lebanon --state NH --zip 03601 \
  --phone 603-555-0199 | jget 'd["id"]')
P2=$(folio --json patient add --family Brackenbury --given Silas --birth-date 1975-02-03 --sex M \
  --mrn BB4402 --address-line "5 Pine Ct" --city "Troy, City of" --state NY --zip 12180 | jget 'd["id"]')
E1=$(folio --json encounter add --patient "$P1" --class inpatient --admit-at 2024-02-10T08:00Z \
  --account ACCT-71 | jget 'd["id"]')
folio encounter discharge "$E1" --at 2024-02-14T10:00Z --disposition 01 >/dev/null
E2=$(folio --json encounter add --patient "$P2" --class emergency --admit-at 2024-05-01T22:00Z \
  --account ACCT-72 | jget 'd["id"]')
folio encounter discharge "$E2" --at 2024-05-02T03:00Z --disposition 01 >/dev/null
folio document add --patient "$P1" --encounter "$E1" --type 18842-5 \
  --text "Ottoline Quillfeather, MRN QF9001, admitted 02/10/2024. Daughter: call 603-555-0199." >/dev/null

# ---- Safe Harbor, CSV on stdout
out=$(folio deid cohort --from 2024-01-01 --to 2024-12-31 2>"$T_TMP/err"); rc=$?
check "safe harbor exits 0" 0 "$rc"
check "header line" "study_id,sex,age_at_admission,admission_year,discharge_year,length_of_stay_days,zip3,encounter_class,discharge_disposition,diagnoses,procedures,ms_drg" \
  "$(head -1 <<<"$out" | tr -d '\r')"
check "two rows" 3 "$(wc -l <<<"$out" | tr -d ' ')"
check "92-year-old grouped, years only, ZIP 036 -> 000" yes \
  "$(grep -q ',F,90 or older,2024,2024,4,000,inpatient,01,,,' <<<"$out" && echo yes || echo no)"
check "ZIP3 of a large area" yes "$(grep -q ',M,49,2024,2024,1,121,emergency,01,' <<<"$out" && echo yes || echo no)"
check "no identifier in the extract" 0 \
  "$(grep -c -E 'Quillfeather|Ottoline|Brackenbury|Silas|QF9001|BB4402|Larkspur|Lebanon|Troy|03601|12180|ACCT-7|2024-02-10|555-0199' <<<"$out")"
check "stderr says what was logged" yes "$(grep -q '^extract [0-9]*: safe_harbor, 2 row(s), 2 patient(s)' "$T_TMP/err" && echo yes || echo no)"

# ---- JSON with notes
j=$(folio deid cohort --class inpatient --format json --notes 2>/dev/null); rc=$?
check "json exits 0" 0 "$rc"
check "json header, one row, note de-identified" ok "$(python3 -c '
import json,sys
d=json.loads(sys.argv[1]); h=d["header"]; r=d["rows"]
assert h["method"]=="safe_harbor" and h["counts"]["rows"]==1 and h["counts"]["notes"]==1, h
assert len(h["removal_report"])==18
t=r[0]["notes"][0]["text"]
for s in ("Ottoline","Quillfeather","QF9001","02/10/2024","555-0199"): assert s not in t, (s,t)
assert "[NAME]" in t and "[MRN]" in t, t
print("ok")' "$j" 2>&1)"
check "study ids differ across extracts" yes "$(python3 -c '
import json,sys
a=json.loads(sys.argv[1])["rows"][0]["study_id"]
print("yes" if a not in sys.argv[2] else "no")' "$j" "$out")"

# ---- limited data set: refused without a DUA in force
expect_fail "LDS without --dua (exit 2)" 2 folio deid cohort --class inpatient --limited --out "$T_TMP/l.csv"
expect_fail "LDS to stdout without --stdout or --out (exit 14)" 14 folio deid cohort --class inpatient --limited --dua 1
expect_fail "unknown DUA (exit 3)" 3 folio deid cohort --class inpatient --limited --dua 42 --out "$T_TMP/l.csv"
D1=$(folio --json deid dua add --recipient "Outcomes Lab" --purpose "readmission study" --users "study team" \
  --signed-on 2024-01-01 --safeguards --no-other-use --report-violations --agents-bound | jget 'd["id"]')
msg=$(folio deid cohort --class inpatient --limited --dua "$D1" --out "$T_TMP/l.csv" 2>&1 >/dev/null); rc=$?
check "DUA without every assurance refused (exit 10)" 10 "$rc"
check "the refusal names the missing assurance" yes "$(grep -q 'assurance missing: no_reidentify' <<<"$msg" && echo yes || echo no)"
check "nothing written on refusal" no "$([ -e "$T_TMP/l.csv" ] && echo yes || echo no)"
D2=$(folio --json deid dua add --recipient "Outcomes Lab" --purpose "readmission study" --users "study team" \
  --signed-on 2024-01-01 --expires-on 2024-06-30 --safeguards --no-other-use --report-violations \
  --agents-bound --no-reidentify | jget 'd["id"]')
msg=$(folio deid cohort --class inpatient --limited --dua "$D2" --out "$T_TMP/l.csv" 2>&1 >/dev/null)
check "expired DUA refused" yes "$(grep -q 'expired on 2024-06-30' <<<"$msg" && echo yes || echo no)"
D3=$(folio --json deid dua add --recipient "Outcomes Lab" --purpose "readmission study" --users "study team" \
  --signed-on 2024-01-01 --safeguards --no-other-use --report-violations --agents-bound --no-reidentify | jget 'd["id"]')
check "dua list shows it in force" yes "$(folio deid dua list | grep -q "^$D3 .*in force" && echo yes || echo no)"
check "dua show --json" true "$(folio --json deid dua show "$D3" | jget 'str(d["no_reidentify"]).lower()')"

out=$(folio deid cohort --from 2024-01-01 --to 2024-12-31 --limited --dua "$D3" --out "$T_TMP/l.csv" 2>"$T_TMP/err"); rc=$?
check "LDS exits 0" 0 "$rc"
check "LDS: nothing on stdout" "" "$out"
check "LDS file is 0600" 600 "$(stat -c %a "$T_TMP/l.csv")"
check "LDS keeps dates, ZIP5, city (quoted) and state" yes \
  "$(grep -q ',92,2024-02-10,2024-02-14,4,03601,Lebanon,NH,inpatient,01,' "$T_TMP/l.csv" && \
     grep -q ',49,2024-05-01,2024-05-02,1,12180,"Troy, City of",NY,emergency,' "$T_TMP/l.csv" && echo yes || echo no)"
check "LDS has no name, MRN or street" 0 "$(grep -c -E 'Quillfeather|QF9001|Larkspur|ACCT-7' "$T_TMP/l.csv")"
check "one disclosure per patient, basis limited_data_set" 2 \
  "$(sql "SELECT COUNT(*) FROM roi_disclosure WHERE basis = 'limited_data_set'")"
check "the log keeps the file's SHA-256" "$(sha256sum "$T_TMP/l.csv" | cut -d' ' -f1)" \
  "$(sql "SELECT sha256 FROM deid_extract WHERE method = 'limited_data_set'")"
check "the extracts are audited" 3 "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'deid.extract' AND entity_type = 'deid_extract'")"
check "the audit keeps the whole SHA-256" 1 \
  "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'deid.extract' AND detail LIKE '%sha256=$(sha256sum "$T_TMP/l.csv" | cut -d' ' -f1)%'")"
# an existing world-readable file is replaced by a 0600 one, never rewritten in place
printf 'stale\n' >"$T_TMP/old.csv"; chmod 644 "$T_TMP/old.csv"
folio deid cohort --patients "$P2" --limited --dua "$D3" --out "$T_TMP/old.csv" 2>/dev/null; rc=$?
check "LDS over an existing 0644 file exits 0" 0 "$rc"
check "the file is 0600 now" 600 "$(stat -c %a "$T_TMP/old.csv")"
check "the file holds the extract" yes "$(head -1 "$T_TMP/old.csv" | grep -q '^study_id,' && echo yes || echo no)"
# a symlink at the path is replaced, its target left alone
printf 'keep\n' >"$T_TMP/target.txt"; chmod 644 "$T_TMP/target.txt"
ln -s "$T_TMP/target.txt" "$T_TMP/link.csv"
folio deid cohort --patients "$P2" --limited --dua "$D3" --out "$T_TMP/link.csv" 2>/dev/null; rc=$?
check "LDS over a symlink exits 0" 0 "$rc"
check "the symlink's target is untouched" keep "$(cat "$T_TMP/target.txt")"
check "the path is a regular 0600 file now" "regular file 600" "$(stat -c '%F %a' "$T_TMP/link.csv")"
# a directory that cannot be written: nothing logged, nothing left
mkdir "$T_TMP/ro"; chmod 500 "$T_TMP/ro"
n_before=$(sql "SELECT COUNT(*) FROM deid_extract")
if [ "$(id -u)" != 0 ]; then
  expect_fail "unwritable --out (exit 5)" 5 folio deid cohort --patients "$P2" --limited --dua "$D3" --out "$T_TMP/ro/x.csv"
  check "a failed write logs nothing" "$n_before" "$(sql "SELECT COUNT(*) FROM deid_extract")"
fi
check "no temporary file left behind" 0 "$(find "$T_TMP" -name '*.tmp' | wc -l | tr -d ' ')"
out=$(folio deid cohort --patients "$P2" --limited --dua "$D3" --stdout 2>/dev/null); rc=$?
check "LDS --stdout allowed when asked" 0 "$rc"
check "LDS --stdout row" 2 "$(wc -l <<<"$out" | tr -d ' ')"

# ---- terminate
expect_fail "terminate needs a reason (exit 2)" 2 folio deid dua terminate "$D3"
folio deid dua terminate "$D3" --reason "study closed" >/dev/null
msg=$(folio deid cohort --class inpatient --limited --dua "$D3" --stdout 2>&1 >/dev/null)
check "terminated DUA refused" yes "$(grep -q 'terminated on' <<<"$msg" && echo yes || echo no)"
expect_fail "terminating twice (exit 10)" 10 folio deid dua terminate "$D3" --reason again

# ---- errors
expect_fail "no criteria (exit 14)" 14 folio deid cohort
expect_fail "bad date (exit 2)" 2 folio deid cohort --from 2024-02-30
expect_fail "bad class (exit 2)" 2 folio deid cohort --class ward
expect_fail "bad dx prefix (exit 2)" 2 folio deid cohort --dx "1%"
expect_fail "bad patient list (exit 2)" 2 folio deid cohort --patients 1,x
expect_fail "unknown patient (exit 3)" 3 folio deid cohort --patients 999999
expect_fail "bad format (exit 2)" 2 folio deid cohort --class inpatient --format xml
expect_fail "--dua without --limited (exit 14)" 14 folio deid cohort --class inpatient --dua "$D3"
expect_fail "dua add without recipient (exit 2)" 2 folio deid dua add --purpose p --users u --signed-on 2024-01-01
expect_fail "dua show unknown (exit 3)" 3 folio deid dua show 4242
check "the refusals logged nothing" 6 "$(sql "SELECT COUNT(*) FROM deid_extract")"
check "dua add is audited" 3 "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'deid.dua_add' AND entity_type = 'deid_dua'")"
check "dua terminate is audited" 1 "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'deid.dua_terminate' AND entity_id = $D3")"

done_testing

#!/usr/bin/env bash
# folio import synthea: CSV folder and FHIR bundles, checked against counts computed
# independently (synthea_counts.py, Python csv/json) with the database's own client; a second
# import adds nothing; a malformed copy is refused naming where, and nothing is written.
. "$(dirname "$0")/lib.sh"
need_shared corpora/synthea/csv_unmc_111pt
need_shared corpora/synthea/fhir-bundles
SRC="$FOLIO_SHARED/data/corpora/synthea"
COUNTS="$(dirname "$0")/synthea_counts.py"
TABLES="facility provider patient encounter encounter_provider condition procedure_event observation"

# compare_counts LABEL PATH [TABLES]: every table's row count equals the Python count.
compare_counts() {
  local label=$1 path=$2 tables=${3:-$TABLES} t want
  python3 "$COUNTS" "$path" > "$T_TMP/expected"
  for t in $tables; do
    want=$(awk -v k="$t" '$1 == k {print $2}' "$T_TMP/expected")
    check "$label: $t count" "$want" "$(sql "SELECT COUNT(*) FROM $t")"
  done
}
# added_total: sum of "added" in the --json summary on stdin.
added_total() {
  python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(v["added"] for v in d["counts"].values()))'
}
now() { date +%s.%N; }
elapsed() { python3 -c "print('%.2f' % ($2 - $1))"; }

# ---- CSV folder ----
fresh_db
folio init >/dev/null || bad "init"
t0=$(now)
out=$(folio --quiet --json import synthea "$SRC/csv_unmc_111pt"); rc=$?
t1=$(now)
check "csv import exit" 0 "$rc"
echo "# csv_unmc_111pt import: $(elapsed "$t0" "$t1") s"
compare_counts csv "$SRC/csv_unmc_111pt" "$TABLES patient_identifier"
check "csv: 111 patients" 111 "$(sql "SELECT COUNT(*) FROM patient")"
check "csv: 7584 encounters" 7584 "$(sql "SELECT COUNT(*) FROM encounter")"
check "csv: summary added patients" 111 "$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["counts"]["patients"]["added"])')"
check "csv: SSNs are sealed" 0 "$(sql "SELECT COUNT(*) FROM patient_identifier WHERE kind='SS' AND value LIKE '999-%'")"
check "csv: maiden names" "$(python3 -c "import csv; print(sum(1 for r in csv.DictReader(open('$SRC/csv_unmc_111pt/patients.csv')) if r['MAIDEN']))")" \
  "$(sql "SELECT COUNT(*) FROM patient_name WHERE name_use='maiden'")"
check "csv: source class kept" 2366 "$(sql "SELECT COUNT(*) FROM encounter WHERE source_class='wellness' AND enc_class='outpatient'")"

out=$(folio --quiet --json import synthea "$SRC/csv_unmc_111pt"); rc=$?
check "csv re-import exit" 0 "$rc"
check "csv re-import adds nothing" 0 "$(echo "$out" | added_total)"
check "csv re-import: patients present" 111 "$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["counts"]["patients"]["present"])')"
compare_counts "csv again" "$SRC/csv_unmc_111pt"

# dry run writes nothing
fresh_db
folio init >/dev/null
out=$(folio --quiet --json import synthea --dry-run "$SRC/csv_unmc_111pt"); rc=$?
check "dry run exit" 0 "$rc"
check "dry run reports additions" 111 "$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["counts"]["patients"]["added"])')"
check "dry run writes nothing" 0 "$(sql "SELECT COUNT(*) FROM patient")"

# malformed copies: nothing written, the error names file:line, column and value
BAD="$T_TMP/bad_csv"
cp -r "$SRC/csv_unmc_111pt" "$BAD"; chmod -R u+w "$BAD"
python3 - "$BAD/patients.csv" <<'PY'
import sys
p = sys.argv[1]
lines = open(p, encoding="utf-8").read().split("\n")
f = lines[11].split(",")
f[1] = "1961-13-01"
lines[11] = ",".join(f)
open(p, "w", encoding="utf-8").write("\n".join(lines))
PY
expect_fail "csv bad birth date refused" 2 folio import synthea "$BAD"
msg=$(folio import synthea "$BAD" 2>&1 >/dev/null)
case "$msg" in *'patients.csv:12: BIRTHDATE: "1961-13-01" is not a valid date'*) ok "csv error names file:line, field, value";; *) bad "csv error message: $msg";; esac
check "csv bad: nothing written" 0 "$(sql "SELECT COUNT(*) FROM patient")"

# a late error (after thousands of rows were written) also leaves nothing
cp "$SRC/csv_unmc_111pt/patients.csv" "$BAD/patients.csv"
python3 - "$BAD/procedures.csv" <<'PY'
import sys
p = sys.argv[1]
lines = open(p, encoding="utf-8").read().split("\n")
lines[9000] = lines[9000] + ",extra"
open(p, "w", encoding="utf-8").write("\n".join(lines))
PY
msg=$(folio import synthea "$BAD" 2>&1 >/dev/null); rc=$?
check "csv late error exit" 8 "$rc"
case "$msg" in *"procedures.csv:9001: expected 9 fields, found 10"*) ok "late error names the line";; *) bad "late error message: $msg";; esac
check "csv late error: no patients" 0 "$(sql "SELECT COUNT(*) FROM patient")"
check "csv late error: no encounters" 0 "$(sql "SELECT COUNT(*) FROM encounter")"

# ---- partial CSV folder: no encounters.csv ----
if [ -d "$SRC/csv_apr2020_1171pt_partial" ]; then
  fresh_db
  folio init >/dev/null
  t0=$(now)
  out=$(folio --quiet --json import synthea "$SRC/csv_apr2020_1171pt_partial"); rc=$?
  t1=$(now)
  echo "# csv_apr2020_1171pt_partial import: $(elapsed "$t0" "$t1") s"
  check "partial import exit" 0 "$rc"
  compare_counts partial "$SRC/csv_apr2020_1171pt_partial" "facility provider patient encounter condition"
  check "partial: conditions have no encounter" 0 "$(sql "SELECT COUNT(*) FROM condition WHERE encounter_id IS NOT NULL")"
fi

# ---- FHIR bundles ----
fresh_db
folio init >/dev/null
t0=$(now)
out=$(folio --quiet --json import synthea "$SRC/fhir-bundles"); rc=$?
t1=$(now)
check "fhir import exit" 0 "$rc"
echo "# fhir-bundles import: $(elapsed "$t0" "$t1") s"
compare_counts fhir "$SRC/fhir-bundles"
check "fhir: Claims skipped" 828 "$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["skipped"].get("Claim", 0))')"
check "fhir: MRNs" 35 "$(sql "SELECT COUNT(*) FROM patient_identifier WHERE kind='MR'")"
out=$(folio --quiet --json import synthea "$SRC/fhir-bundles"); rc=$?
check "fhir re-import exit" 0 "$rc"
check "fhir re-import adds nothing" 0 "$(echo "$out" | added_total)"
compare_counts "fhir again" "$SRC/fhir-bundles"

# one bundle file
fresh_db
folio init >/dev/null
one=$(ls "$SRC"/fhir-bundles/*.json | head -1)
folio --quiet import synthea "$one" >/dev/null; check "single bundle exit" 0 "$?"
compare_counts "one bundle" "$one"

# malformed bundle in a folder: refused, nothing written
fresh_db
folio init >/dev/null
BADF="$T_TMP/bad_fhir"; mkdir -p "$BADF"
ls "$SRC"/fhir-bundles/*.json | head -3 | while read -r f; do cp "$f" "$BADF/"; done
chmod u+w "$BADF"/*.json
last=$(ls "$BADF"/*.json | tail -1)
python3 - "$last" <<'PY'
import json, sys
p = sys.argv[1]
b = json.load(open(p, encoding="utf-8"))
for i, e in enumerate(b["entry"]):
    r = e["resource"]
    if r["resourceType"] == "Observation" and "valueQuantity" in r:
        r["valueQuantity"]["value"] = "not-a-number"
        print(i, r["id"])
        break
json.dump(b, open(p, "w", encoding="utf-8"))
PY
msg=$(folio import synthea "$BADF" 2>&1 >/dev/null); rc=$?
check "fhir bad exit" 2 "$rc"
case "$msg" in *"$(basename "$last"): Bundle entry["*"] Observation/"*": field valueQuantity.value"*) ok "fhir error names entry and field";; *) bad "fhir error message: $msg";; esac
check "fhir bad: nothing written" 0 "$(sql "SELECT COUNT(*) FROM patient")"

expect_fail "not a synthea path" 14 folio import synthea "$T_TMP"
expect_fail "missing path" 3 folio import synthea "$T_TMP/nope"
expect_fail "usage" 14 folio import

done_testing

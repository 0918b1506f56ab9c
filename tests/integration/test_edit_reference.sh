#!/usr/bin/env bash
# folio edit against CMS's MCE 43.1 on the public 20,000-claim reference set
# (../shared/data/reference/msdrg-v431): agreement on mce_edits >= 99.9% of claims and on
# mce_code_edits >= 99.5% (edit_compare.py); standard input; errors naming line, column, value;
# missing tables. No database is involved.
. "$(dirname "$0")/lib.sh"
need_shared reference/msdrg-v431/cases.tsv
need_shared codesets/mce-v431/mce_i10_dx_master.tsv

REF="$FOLIO_SHARED/data/reference/msdrg-v431"
MCE="$FOLIO_SHARED/data/codesets/mce-v431"
HERE=$(dirname "$0")
BIN=$(readlink -f "$FOLIO_BIN")
E() { "$BIN" edit "$@"; }

# --- the reference set: both agreement rates over the thresholds
E "$REF/cases.tsv" >"$T_TMP/out.tsv"; rc=$?
check "edit cases.tsv exits 0" 0 "$rc"
check "one row per claim plus header" "$(wc -l <"$REF/cases.tsv")" "$(wc -l <"$T_TMP/out.tsv")"
check "header" "id	mce_edits	mce_code_edits" "$(head -1 "$T_TMP/out.tsv")"
res=$(python3 "$HERE/edit_compare.py" "$REF/expected.tsv" "$T_TMP/out.tsv" --min-edits 99.9 \
      --min-code-edits 99.5 --show 20); rc=$?
echo "$res"
check "agreement with CMS MCE 43.1 over 99.9% / 99.5%" 0 "$rc"

# --- standard input, the same answers; the --mce option; --type
head -201 "$REF/cases.tsv" | E --mce "$MCE" >"$T_TMP/stdin.tsv"; rc=$?
check "edit from standard input exits 0" 0 "$rc"
check "standard input gives the same rows" "$(head -201 "$T_TMP/out.tsv" | md5sum)" "$(md5sum <"$T_TMP/stdin.tsv")"
head -201 "$REF/cases.tsv" | E --type >"$T_TMP/type.tsv"
res=$(python3 - "$REF/expected.tsv" "$T_TMP/type.tsv" <<'PY'
import csv, sys
exp = {r["id"]: r["mce_edit_type"] for r in csv.DictReader(open(sys.argv[1]), delimiter="\t")}
got = list(csv.DictReader(open(sys.argv[2]), delimiter="\t"))
print(sum(exp[r["id"]] == r["mce_edit_type"] for r in got), len(got))
PY
)
check "mce_edit_type agrees" "200 200" "$res"

# --- a bad line: rows before it are written, one error line naming line, column and value
{ head -3 "$REF/cases.tsv"; printf 'bad1\t4x\tM\t01\tI10\tY\t\t\n'; sed -n 4,5p "$REF/cases.tsv"; } >"$T_TMP/bad.tsv"
out=$(E "$T_TMP/bad.tsv" 2>"$T_TMP/err"); rc=$?
check "bad line exits 2" 2 "$rc"
check "rows before the bad line written" 3 "$(wc -l <<<"$out")"
check "error names file, line, column and value" yes \
  "$(grep -q "bad.tsv:4:age: .*'4x'" "$T_TMP/err" && echo yes || echo no)"
check "error is one line" 1 "$(wc -l <"$T_TMP/err")"
expect_fail "sex not M/F/U" 2 E <(printf 'id\tage\tsex\tdischarge_status\tpdx\tpdx_poa\tsdx\tprocedures\nc\t1\tX\t01\tA000\tY\t\t\n')
expect_fail "missing column" 8 E <(printf 'id\tage\tsex\n')
expect_fail "missing file" 3 E "$T_TMP/nope.tsv"
expect_fail "missing tables" 3 E --mce "$T_TMP" "$REF/cases.tsv"
expect_fail "bad --discharge-date" 14 E --discharge-date 2026-13-01 "$REF/cases.tsv"
expect_fail "date outside the tables" 2 E --discharge-date 2027-01-01 "$REF/cases.tsv"
out=$(cd "$T_TMP" && FOLIO_SHARED= "$BIN" edit "$REF/cases.tsv" 2>&1 >/dev/null); rc=$?
check "no tables found: clear message" yes "$(grep -q 'MCE tables not found' <<<"$out" && echo yes || echo no)"

done_testing

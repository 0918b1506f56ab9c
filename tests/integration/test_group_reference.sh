#!/usr/bin/env bash
# folio group against CMS's MS-DRG grouper v43.1 (and MCE 43.1) on the public 20,000-claim
# reference set (../shared/data/reference/msdrg-v431): per-column agreement on all fourteen
# columns, the six acceptance columns (mdc drg med_surg final_severity grc sdx_severity) at 100%
# (group_compare.py), printed for all claims and for the development and holdout parts
# (docs/drg.md); standard input; errors naming line, column and value; missing tables. No
# database is involved. Skips (77) without ../shared.
. "$(dirname "$0")/lib.sh"
need_shared reference/msdrg-v431/cases.tsv
need_shared codesets/msdrg-v431/msdrg_v431_dx.tsv
need_shared codesets/mce-v431/mce_i10_dx_master.tsv

REF="$FOLIO_SHARED/data/reference/msdrg-v431"
DRG="$FOLIO_SHARED/data/codesets/msdrg-v431"
MCE="$FOLIO_SHARED/data/codesets/mce-v431"
HERE=$(dirname "$0")
BIN=$(readlink -f "$FOLIO_BIN")
G() { "$BIN" group "$@"; }

# --- the reference set: every column, the six required ones at 100%
G "$REF/cases.tsv" >"$T_TMP/out.tsv"; rc=$?
check "group cases.tsv exits 0" 0 "$rc"
check "one row per claim plus header" "$(wc -l <"$REF/cases.tsv")" "$(wc -l <"$T_TMP/out.tsv")"
check "header: the columns of expected.tsv" "$(head -1 "$REF/expected.tsv")" "$(head -1 "$T_TMP/out.tsv")"
for part in all dev holdout; do
  res=$(python3 "$HERE/group_compare.py" "$REF/expected.tsv" "$T_TMP/out.tsv" --part "$part" --show 10); rc=$?
  echo "$res"
  check "six acceptance columns at 100% ($part)" 0 "$rc"
done

# --- standard input gives the same rows; the options; the version is chosen by date
head -301 "$REF/cases.tsv" | G --drg "$DRG" --mce "$MCE" >"$T_TMP/stdin.tsv"; rc=$?
check "group from standard input exits 0" 0 "$rc"
check "standard input gives the same rows" "$(head -301 "$T_TMP/out.tsv" | md5sum)" "$(md5sum <"$T_TMP/stdin.tsv")"
head -301 "$REF/cases.tsv" | G --no-mce - >"$T_TMP/nomce.tsv"; rc=$?
check "--no-mce exits 0" 0 "$rc"
check "--no-mce: the grouper columns unchanged" "$(head -301 "$T_TMP/out.tsv" | cut -f1-8,10,11,14 | md5sum)" \
  "$(cut -f1-8,10,11,14 "$T_TMP/nomce.tsv" | md5sum)"
check "--no-mce: the mce columns empty" "" "$(tail -n +2 "$T_TMP/nomce.tsv" | cut -f9,12,13 | tr -d '\t\n')"
expect_fail "no version covers the date" 2 G --discharge-date 2025-12-01 "$REF/cases.tsv"
expect_fail "bad --discharge-date" 14 G --discharge-date 2026-13-01 "$REF/cases.tsv"

# --- a bad line: rows before it are written, one error line naming line, column and value
{ head -3 "$REF/cases.tsv"; printf 'bad1\t70\tM\t01\tI10\tQ\t\t\n'; sed -n 4,5p "$REF/cases.tsv"; } >"$T_TMP/bad.tsv"
out=$(G "$T_TMP/bad.tsv" 2>"$T_TMP/err"); rc=$?
check "bad line exits 2" 2 "$rc"
check "rows before the bad line written" 3 "$(wc -l <<<"$out")"
check "error names file, line, column and value" yes \
  "$(grep -q "bad.tsv:4:pdx_poa: .*'Q'" "$T_TMP/err" && echo yes || echo no)"
check "error is one line" 1 "$(wc -l <"$T_TMP/err")"
expect_fail "missing column" 8 G <(printf 'id\tage\tsex\n')
expect_fail "missing file" 3 G "$T_TMP/nope.tsv"
expect_fail "missing grouper tables" 3 G --drg "$T_TMP" "$REF/cases.tsv"
mkdir -p "$T_TMP/badtables"
cp "$DRG"/*.tsv "$T_TMP/badtables/"
chmod u+w "$T_TMP/badtables"/*.tsv
sed -i '12s/.*/5\t1\t291\t291\tMEDICAL\t0\t0\t0\t\tMCC \& (PDX:dxc0505/' "$T_TMP/badtables/msdrg_v431_drg_formulas.tsv"
out=$(G --drg "$T_TMP/badtables" "$REF/cases.tsv" 2>&1 >/dev/null); rc=$?
check "a bad formula exits 8" 8 "$rc"
check "a bad formula names file and line" yes \
  "$(grep -q "msdrg_v431_drg_formulas.tsv:12: formula: ')' expected" <<<"$out" && echo yes || echo no)"
out=$(cd "$T_TMP" && FOLIO_SHARED= "$BIN" group "$REF/cases.tsv" 2>&1 >/dev/null); rc=$?
check "no tables found: clear message" yes "$(grep -q 'drg tables not found' <<<"$out" && echo yes || echo no)"

done_testing

#!/usr/bin/env bash
# folio codes search / show / pcs on small hand-made release files (an ICD-10-CM order file and
# tabular, a valid-code list without titles, ICD-10-PCS tables and definitions), their refusals
# and exit codes; then folio demo --codes: an empty code-set folder is reported file by file, and
# with the staged releases of ../shared the encoder finds codes by words, abbreviation and code.
. "$(dirname "$0")/lib.sh"

fresh_db
jget() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(eval(sys.argv[1], {"d": d}))' "$1"; }
D=$T_TMP/files
mkdir -p "$D"

# ---- nothing loaded: a clear refusal, not a crash ----
out=$(folio codes search diabetes 2>&1 >/dev/null); rc=$?
check "search without code sets exits 10 (state)" 10 "$rc"
check "search without code sets says how to load them" yes "$(grep -q 'no code sets loaded: folio codes load' <<<"$out" && echo yes || echo no)"
expect_fail "pcs without tables" 10 folio codes pcs 0F

# ---- small release files ----
order() { printf '%05d %-7s %d %-60.60s %s\n' "$1" "$2" "$3" "$4" "$4"; }
{
  order 1 E11 0 "Type 2 diabetes mellitus"
  order 2 E116 0 "Type 2 diabetes mellitus with other specified complications"
  order 3 E1165 1 "Type 2 diabetes mellitus with hyperglycemia"
  order 4 E119 1 "Type 2 diabetes mellitus without complications"
  order 5 I50 0 "Heart failure"
  order 6 I509 1 "Heart failure, unspecified"
  order 7 S52 0 "Fracture of forearm"
  order 8 S52501 0 "Unspecified fracture of the lower end of right radius"
  order 9 S52501A 1 "Unspecified fracture of the lower end of right radius, initial encounter for closed fracture"
  order 10 S52501D 1 "Unspecified fracture of the lower end of right radius, subsequent encounter for closed fracture with routine healing"
} > "$D/icd10cm_order_2021.txt"
cat > "$D/icd10cm_tabular_2021.xml" <<'EOF'
<?xml version="1.0" encoding="utf-8"?>
<ICD10CM.tabular><version>2021</version>
<chapter><name>4</name><desc>Endocrine, nutritional and metabolic diseases (E00-E89)</desc>
<section id="E08-E13"><desc>Diabetes mellitus (E08-E13)</desc>
<diag><name>E11</name><desc>Type 2 diabetes mellitus</desc>
<excludes1><note>gestational diabetes (O24.4-)</note></excludes1>
<useAdditionalCode><note>insulin (Z79.4)</note></useAdditionalCode>
<diag><name>E11.6</name><desc>Type 2 diabetes mellitus with other specified complications</desc>
<diag><name>E11.65</name><desc>Type 2 diabetes mellitus with hyperglycemia</desc>
<inclusionTerm><note>Type 2 diabetes mellitus with poorly controlled diabetes</note></inclusionTerm></diag>
</diag>
<diag><name>E11.9</name><desc>Type 2 diabetes mellitus without complications</desc></diag>
</diag></section></chapter>
</ICD10CM.tabular>
EOF
printf 'E1110\nE1165\nE119\nI509\n' > "$D/valid_fy2026.txt"
cat > "$D/icd10pcs_tables_2026.xml" <<'EOF'
<?xml version="1.0"?>
<ICD10PCS.tabular><version>2026</version>
<pcsTable>
 <axis pos="1" values="1"><title>Section</title><label code="0">Medical and Surgical</label></axis>
 <axis pos="2" values="1"><title>Body System</title><label code="F">Hepatobiliary System and Pancreas</label></axis>
 <axis pos="3" values="1"><title>Operation</title><label code="T">Resection</label><definition>Cutting out or off, without replacement, all of a body part</definition></axis>
 <pcsRow codes="2">
  <axis pos="4" values="1"><title>Body Part</title><label code="4">Gallbladder</label></axis>
  <axis pos="5" values="2"><title>Approach</title><label code="0">Open</label><label code="4">Percutaneous Endoscopic</label></axis>
  <axis pos="6" values="1"><title>Device</title><label code="Z">No Device</label></axis>
  <axis pos="7" values="1"><title>Qualifier</title><label code="Z">No Qualifier</label></axis>
 </pcsRow>
 <pcsRow codes="1">
  <axis pos="4" values="1"><title>Body Part</title><label code="5">Hepatic Duct, Right</label></axis>
  <axis pos="5" values="1"><title>Approach</title><label code="3">Percutaneous</label></axis>
  <axis pos="6" values="1"><title>Device</title><label code="Z">No Device</label></axis>
  <axis pos="7" values="1"><title>Qualifier</title><label code="X">Diagnostic</label></axis>
 </pcsRow>
</pcsTable>
</ICD10PCS.tabular>
EOF
cat > "$D/icd10pcs_definitions_2026.xml" <<'EOF'
<?xml version="1.0"?>
<ICD10PCS.definitions><version>2026</version><section code="0"><title>Medical and Surgical</title>
<axis pos="5"><title>Approach</title><terms><title>Open</title><definition>Cutting through the skin or mucous membrane</definition></terms></axis>
</section></ICD10PCS.definitions>
EOF
ok_all=yes
for f in "icd10cm-order icd10cm_order_2021.txt" "icd10cm-tabular icd10cm_tabular_2021.xml" "icd10cm-valid valid_fy2026.txt" \
         "icd10pcs-tables icd10pcs_tables_2026.xml" "icd10pcs-definitions icd10pcs_definitions_2026.xml"; do
  set -- $f
  folio --quiet codes load "$1" "$D/$2" >/dev/null || ok_all=no
done
check "the small release files load" yes "$ok_all"

# ---- search ----
out=$(folio --quiet codes search "type 2 diabetes hyperglycemia")
check "words: E11.65 first, billable" "E11.65 billable" "$(head -1 <<<"$out" | awk '{print $1, $2}')"
out=$(folio --quiet codes search "poorly controlled")
check "inclusion term: E11.65, saying which term matched" yes "$(head -1 <<<"$out" | grep -q '^E11.65 .*(matched: .*poorly controlled' && echo yes || echo no)"
check "abbreviation: chf -> I50.9" "I50.9" "$(folio --quiet codes search chf | head -1 | awk '{print $1}')"
check "code without dot: e119 -> E11.9 first" "E11.9" "$(folio --quiet codes search e119 | head -1 | awk '{print $1}')"
out=$(folio --quiet codes search "fracture lower end right radius")
check "7th-character stem with its choices" yes "$(head -1 <<<"$out" | grep -q '^S52.501 *+7th .*\[7th: A D\]' && echo yes || echo no)"
check "header marked" yes "$(folio --quiet codes search "E11" --limit 50 | grep -q '^E11 *header ' && echo yes || echo no)"
check "--limit" 2 "$(folio --quiet codes search E11 --limit 2 | wc -l)"
check "--system icd10pcs" "0FT44ZZ" "$(folio --quiet codes search "gallbladder endoscopic" --system icd10pcs | head -1 | awk '{print $1}')"
check "--system icd10cm leaves PCS out" yes "$(folio --quiet codes search gallbladder --system icd10cm | grep -q '^no code matches' && echo yes || echo no)"
j=$(folio --quiet --json codes search "s52501")
check "--json hit" "S52.501 True A,D" "$(jget 'd["hits"][0]["dotted"] + " " + str(d["hits"][0]["needs_seventh"]) + " " + ",".join(s["value"] for s in d["hits"][0]["seventh"])' <<<"$j")"
expect_fail "--system unknown" 2 folio codes search diabetes --system icd9
expect_fail "--limit 0" 2 folio codes search diabetes --limit 0
expect_fail "--limit 101" 2 folio codes search diabetes --limit 101
expect_fail "a query over 256 bytes" 2 folio codes search "$(printf 'a%.0s' $(seq 300))"
expect_fail "no query" 14 folio codes search

# ---- show ----
out=$(folio codes show E11.65)
check "show: the FY2026 row takes its title from FY2021" yes "$(grep -q '^title from .*2020-10-01' <<<"$out" && echo yes || echo no)"
check "show: inherited excludes1 with where it is stated" yes "$(grep -q 'Excludes1 \[E11, inherited\]: gestational diabetes (O24.4-)' <<<"$out" && echo yes || echo no)"
check "show: own inclusion term" yes "$(grep -q 'Inclusion term \[E11.65\]: Type 2 diabetes mellitus with poorly controlled' <<<"$out" && echo yes || echo no)"
check "show --date: the FY2021 row" "2020-10-01" "$(folio codes show E11.65 --date 2021-03-01 | awk '$1=="effective"{print $2}')"
check "show --on still works" "2020-10-01" "$(folio codes show E11.65 --on 2021-03-01 | awk '$1=="effective"{print $2}')"
check "show: children of a header" yes "$(folio codes show E11.6 | grep -q '> E11.65 ' && echo yes || echo no)"
expect_fail "show --date malformed" 2 folio codes show E11.65 --date 2021-02-30
expect_fail "show an unknown code" 3 folio codes show Z99.99
expect_fail "show a malformed code" 2 folio codes show 'E11$9'

# ---- the PCS builder ----
out=$(folio codes pcs)
check "pcs: position 1" yes "$(grep -q '^position 1, Section' <<<"$out" && grep -q '^  0  Medical and Surgical' <<<"$out" && echo yes || echo no)"
out=$(folio codes pcs 0FT4)
check "pcs 0FT4: approaches of that row only" "0 4" "$(grep -E '^  [0-9A-Z]  ' <<<"$out" | awk '{print $1}' | tr '\n' ' ' | sed 's/ $//')"
check "pcs 0FT4: definition shown" yes "$(grep -q '^  0  Open -- Cutting through the skin' <<<"$out" && echo yes || echo no)"
check "pcs 0FT4: the choices so far" yes "$(grep -q '^4 Body Part *4  Gallbladder' <<<"$out" && echo yes || echo no)"
check "pcs complete code" "complete: 0FT44ZZ  Resection of Gallbladder, Percutaneous Endoscopic Approach" "$(folio codes pcs 0ft44zz | tail -1)"
out=$(folio codes pcs 0FT43 2>&1 >/dev/null); rc=$?
check "pcs: a prefix no row allows exits 2" 2 "$rc"
check "pcs: the refusal names the position" yes "$(grep -q 'position 5' <<<"$out" && echo yes || echo no)"
expect_fail "pcs --date outside the tables" 3 folio codes pcs 0F --date 2024-01-01
j=$(folio --json codes pcs 0FT4)
check "pcs --json" "5 Approach 0,4" "$(jget 'str(d["position"]) + " " + d["axis_title"] + " " + ",".join(o["value"] for o in d["options"])' <<<"$j")"

# ---- folio demo --codes ----
need_shared corpora/synthea/csv_unmc_111pt
fresh_db
mkdir -p "$T_TMP/empty"
out=$(folio --quiet demo --codes-dir "$T_TMP/empty"); rc=$?
check "demo with an empty code-set folder exits 0" 0 "$rc"
check "demo says the files are absent" yes "$(grep -q '0 loaded, 0 already loaded, 7 absent' <<<"$out" && echo yes || echo no)"
expect_fail "demo --codes-dir missing" 3 folio demo --codes-dir "$T_TMP/nonexistent"
if [ -d "$FOLIO_SHARED/data/codesets/icd10pcs" ]; then
  fresh_db
  j=$(folio --quiet --json demo --codes); rc=$?
  check "demo --codes exits 0" 0 "$rc"
  check "demo --codes loaded the 7 staged files" "7 0" "$(jget 'str(d["codes"]["loaded"]) + " " + str(d["codes"]["absent"])' <<<"$j")"
  j=$(folio --quiet --json demo --codes)
  check "demo --codes again: already loaded" 7 "$(jget 'd["codes"]["already_loaded"]' <<<"$j")"
  check "real data: type 2 diabetes hyperglycemia -> E11.65" "E11.65" "$(folio --quiet codes search "type 2 diabetes hyperglycemia" --limit 3 | head -1 | awk '{print $1}')"
  check "real data: CHF -> a heart failure code" yes "$(folio --quiet codes search CHF --limit 3 | head -1 | grep -q '^I50\.' && echo yes || echo no)"
  check "real data: 0FT44ZZ" "complete: 0FT44ZZ  Resection of Gallbladder, Percutaneous Endoscopic Approach" "$(folio codes pcs 0FT44ZZ | tail -1)"
else
  echo "# $FOLIO_SHARED/data/codesets is absent: the real-data part is skipped"
fi

done_testing

#!/usr/bin/env bash
# folio demo: imports the Synthea sample and adds demo documents; a second run adds nothing.
. "$(dirname "$0")/lib.sh"
need_shared corpora/synthea/csv_unmc_111pt

fresh_db
jget() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(eval(sys.argv[1], {"d": d}))' "$1"; }

j=$(FOLIO_SHARED="$FOLIO_SHARED" folio --quiet --json demo); rc=$?
check "demo exits 0" 0 "$rc"
check "demo created the key" yes "$([ -f "$KEY" ] && echo yes || echo no)"
check "demo imported 111 patients" 111 "$(jget 'd["imported"]["patients"]["added"]' <<<"$j")"
check "demo added 3 documents" 3 "$(jget 'd["demo"]["documents"]' <<<"$j")"
check "demo added 5 document versions" 5 "$(jget 'd["demo"]["versions"]' <<<"$j")"
# chart completeness: the shipped rules, the clinician's provider, the analysed stays
check "demo loaded the shipped rules" "1 etc/completeness.rules" "$(jget 'str(d["demo"]["rules_version"]) + " " + "/".join(d["demo"]["rules_loaded_from"].split("/")[-2:])' <<<"$j")"
check "demo analysed charts and found deficiencies" yes "$(jget 'd["demo"]["charts_analysed"] > 300 and d["demo"]["deficiencies_created"] > 0' <<<"$j" | sed 's/True/yes/')"
check "demo sent a query" 1 "$(jget 'd["demo"]["queries"]' <<<"$j")"
check "demo clinician linked to the demo attending" 1234567893 "$(sql "SELECT p.npi FROM users u JOIN provider p ON p.id = u.provider_id WHERE u.username='clinician'")"
w=$(folio --json completeness worklist --responsible 1234567893)
check "the clinician's chart is in the worklist with open deficiencies and the query" "1 yes 1" "$(jget 'str(d["total"]) + " " + ("yes" if d["items"][0]["open"] > 0 and d["items"][0]["overdue"] > 0 else "no") + " " + str(d["items"][0]["open_queries"])' <<<"$w")"
check "the delinquency report has delinquent records" yes "$(folio --json completeness report | jget 'd["months"][-1]["delinquent"] > 0' | sed 's/True/yes/')"
n_def=$(sql "SELECT COUNT(*) FROM deficiency")
counts() { sql "SELECT (SELECT COUNT(*) FROM patient) || ' ' || (SELECT COUNT(*) FROM encounter) || ' ' || (SELECT COUNT(*) FROM document_version) || ' ' || (SELECT COUNT(*) FROM observation)"; }
c1=$(counts)
j=$(folio --quiet --json demo); rc=$?
check "demo again exits 0" 0 "$rc"
check "demo again adds no patient" 0 "$(jget 'd["imported"]["patients"]["added"]' <<<"$j")"
check "demo again: all 111 present" 111 "$(jget 'd["imported"]["patients"]["present"]' <<<"$j")"
check "demo again adds no document" 0 "$(jget 'd["demo"]["documents"]+d["demo"]["versions"]+d["demo"]["observations"]' <<<"$j")"
check "demo again: row counts unchanged" "$c1" "$(counts)"
check "demo again: rules kept, no new deficiency or query" "1 None 0 0" "$(jget '" ".join(str(d["demo"][k]) for k in ["rules_version", "rules_loaded_from", "deficiencies_created", "queries"])' <<<"$j")"
check "demo again: deficiencies unchanged" "$n_def" "$(sql "SELECT COUNT(*) FROM deficiency")"

# every screen has something
P=$(folio --json patient search --name Demo | jget 'd["items"][0]["id"]')
check "demo patient found" yes "$([[ "$P" =~ ^[0-9]+$ ]] && echo yes || echo no)"
j=$(folio --json patient show "$P")
check "demo patient has an encounter" 1 "$(jget 'd["n_encounters"]' <<<"$j")"
check "demo patient SSN masked" "***-**-3456" "$(jget '[i["value"] for i in d["identifiers"] if i["kind"]=="SS"][0]' <<<"$j")"
check "demo patient has 3 documents" 3 "$(jget 'len(d["documents"])' <<<"$j")"
D=$(jget '[x["id"] for x in d["documents"] if x["type_code"]=="18842-5"][0]' <<<"$j")
h=$(folio --json document history "$D")
check "discharge summary history" "original,status-change,amendment" "$(jget '",".join(v["change_kind"] for v in d["versions"])' <<<"$h")"
check "discharge summary v1 readable" yes "$(folio document show "$D" --version 1 --raw | grep -q 'Discharge diagnosis: acute appendicitis.' && echo yes || echo no)"
check "patient list shows 112" 112 "$(folio --json patient list | jget 'd["total"]')"
check "SSN of the demo patient not in plain text" 0 "$(db_dump | grep -c '999-12-3456\|999123456')"
out=$(FOLIO_SHARED=/nonexistent "$FOLIO_BIN" --db "$DB" --key "$KEY" demo --source /nonexistent/dir 2>&1 >/dev/null); rc=$?
check "demo with a missing source fails" yes "$([ "$rc" -ne 0 ] && [ "$rc" -lt 64 ] && echo yes || echo no)"

done_testing

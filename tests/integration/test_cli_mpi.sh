#!/usr/bin/env bash
# folio mpi: registration indexes the patient; scan proposes, decide not-duplicate is remembered,
# merge / merges / unmerge restore both charts, worklist and overlays read (and are audited).
. "$(dirname "$0")/lib.sh"

fresh_db
folio init >/dev/null 2>&1 || { bad "init"; done_testing; exit 1; }
jget() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(eval(sys.argv[1], {"d": d}))' "$1"; }
add() { folio --json patient add "$@" | jget 'd["id"]'; }

A=$(add --family Garcia --given Maria --birth-date 1970-05-06 --sex F --mrn M1 --phone 2175550101 --address-line "12 Oak St" --zip 62701)
B=$(add --family Garcia --given Marai --birth-date 1970-05-06 --sex F --mrn M2 --phone 2175550101 --address-line "12 Oak Street" --zip 62701)
C=$(add --family Nguyen --given Linh --birth-date 1985-11-02 --sex F --mrn M3 --ssn 123-45-6780 --phone 2175550199)
D=$(add --family Nguyen --given Linh --birth-date 1985-11-20 --sex F --mrn M4 --phone 2175550199)
check "patients registered" yes "$([[ "$A$B$C$D" =~ ^[0-9]+$ ]] && echo yes || echo no)"
check "patient add indexes the identity (4 rows in mpi_person)" 4 "$(sql 'SELECT COUNT(*) FROM mpi_person')"
check "the SSN is indexed as blind keys only" 0 "$(db_dump | grep -c -e '123-45-6780' -e '123456780')"

out=$(folio mpi search --family Garcia --given Maria --birth-date 1970-05-06); rc=$?
check "mpi search exits 0" 0 "$rc"
check "mpi search finds both Garcia charts" 2 "$(grep -c '^[0-9]*\. patient' <<<"$out")"

out=$(folio mpi scan); rc=$?
check "mpi scan exits 0" 0 "$rc"
check "mpi scan proposes pairs" yes "$(grep -q '^scan: [1-9][0-9]* new pairs' <<<"$out" && echo yes || echo no)"
wl=$(folio --json mpi worklist)
PAB=$(jget "[p['id'] for p in d if {p['patient_a'], p['patient_b']} == {$A, $B}][0]" <<<"$wl")
PCD=$(jget "[p['id'] for p in d if {p['patient_a'], p['patient_b']} == {$C, $D}][0]" <<<"$wl")
check "worklist has the Garcia pair" yes "$([[ "$PAB" =~ ^[0-9]+$ ]] && echo yes || echo no)"
check "worklist has the Nguyen pair" yes "$([[ "$PCD" =~ ^[0-9]+$ ]] && echo yes || echo no)"
check "worklist --json carries the reasons" yes "$(jget "'given' in [x['field'] for x in d[0]['reasons']['fields']] and 'yes' or 'no'" <<<"$wl")"
check "worklist text lists pairs" yes "$(folio mpi worklist | grep -q 'pairs$' && echo yes || echo no)"
check "worklist read audited" yes "$([ "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'mpi.worklist'")" -ge 2 ] && echo yes || echo no)"

folio mpi decide "$PCD" not-duplicate --note "different people" >/dev/null; rc=$?
check "decide not-duplicate exits 0" 0 "$rc"
folio mpi scan >/dev/null
check "not-duplicate remembered across scans" not_duplicate "$(folio --json mpi worklist --status all | jget "[p['status'] for p in d if p['id'] == $PCD][0]")"
check "open worklist no longer has it" 0 "$(folio --json mpi worklist | jget "len([p for p in d if p['id'] == $PCD])")"
folio mpi decide "$PAB" defer >/dev/null 2>&1; rc=$?
check "defer without --until is a usage error" 14 "$rc"
folio mpi decide "$PAB" defer --until 2001-01-01 >/dev/null 2>&1; rc=$?
check "defer to a past date refused (EINVAL)" 2 "$rc"
folio mpi decide "$PAB" maybe >/dev/null 2>&1; rc=$?
check "unknown decision is a usage error" 14 "$rc"

# merge, list, unmerge: both charts exactly as before
tables="patient patient_name patient_identifier patient_address patient_phone"
snap() { for t in $tables; do sql "SELECT * FROM $t ORDER BY id"; done; }
before=$(snap)
folio mpi merge "$A" "$B" >/dev/null 2>&1; rc=$?
check "merge without --reason is a usage error" 14 "$rc"
out=$(folio mpi merge "$A" "$B" --reason "same person, typo in given name"); rc=$?
check "mpi merge exits 0" 0 "$rc"
MID=$(sed -n 's/.*: merge \([0-9]*\),.*/\1/p' <<<"$out")
check "mpi merge names the merge" yes "$([[ "$MID" =~ ^[0-9]+$ ]] && echo yes || echo no)"
check "retired chart is merged" "merged|$A" "$(sql "SELECT status, merged_into FROM patient WHERE id = $B")"
check "merge audited for both patients" 2 "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'patient.merge'")"
check "retired chart left the index" 0 "$(sql "SELECT COUNT(*) FROM mpi_person WHERE patient_id = $B")"
folio mpi merge "$C" "$B" --reason again >/dev/null 2>&1; rc=$?
check "merging a merged chart refused (ESTATE)" 10 "$rc"
ml=$(folio --json mpi merges --patient "$B")
check "mpi merges lists it" "$MID" "$(jget 'd[0]["id"]' <<<"$ml")"
check "mpi merges text" yes "$(folio mpi merges | grep -q '1 of 1 merges' && echo yes || echo no)"
out=$(folio mpi unmerge "$MID" --reason "wrong merge"); rc=$?
check "mpi unmerge exits 0" 0 "$rc"
check "unmerge restores every row of both charts" "$before" "$(snap)"
check "unmerge audited" 2 "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'patient.unmerge'")"
folio mpi unmerge "$MID" --reason twice >/dev/null 2>&1; rc=$?
check "unmerging twice refused (ESTATE)" 10 "$rc"
check "merges shows unmerged" unmerged "$(folio --json mpi merges | jget 'd[0]["status"]')"

out=$(folio mpi overlays); rc=$?
check "mpi overlays exits 0" 0 "$rc"
check "mpi overlays: none here" yes "$(grep -q '^0 of 0 disagreements' <<<"$out" && echo yes || echo no)"
check "audit chain verifies" 0 "$(folio audit verify >/dev/null 2>&1; echo $?)"

done_testing

#!/usr/bin/env bash
# folio audit verify/checkpoint/search/export/report: the chain verifies; tampering through the
# database's own client is found and named; CLI reads of a chart leave audit entries.
. "$(dirname "$0")/lib.sh"

fresh_db
folio init >/dev/null 2>&1 || { bad "init"; done_testing; exit 1; }
jget() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(eval(sys.argv[1], {"d": d}))' "$1"; }
yn() { if "$@"; then echo yes; else echo no; fi; }

out=$(folio audit verify); rc=$?
check "verify on an empty trail exits 0" 0 "$rc"
check "verify says ok" yes "$(yn grep -q '^ok: 0 entries verified, head 0 0\{64\}$' <<<"$out")"

# --- chart reads leave entries
P=$(folio --as alice patient add --family Audit --given Ann --birth-date 1970-01-02 --sex F --mrn A1 | sed -n 's/^created patient \([0-9]*\).*/\1/p')
folio --as bob patient show "$P" >/dev/null
folio --as bob patient search --name audit >/dev/null
E=$(folio --as carol --json encounter add --patient "$P" --class inpatient --admit-at 2024-03-05T10:00Z | jget 'd["id"]')
folio --as carol encounter show "$E" >/dev/null
folio --as dave document add --patient "$P" --type 11506-3 --title Note --text "hello" >/dev/null 2>&1
D=$(sql "SELECT MAX(id) FROM document")
folio --as dave document show "$D" --raw >/dev/null 2>&1
check "patient.create entry" 1 "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'patient.create' AND username = 'alice' AND patient_id = $P AND client = 'cli'")"
check "patient.view entry" 1 "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'patient.view' AND username = 'bob' AND patient_id = $P")"
check "patient.search entry with terms and count" 1 "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'patient.search' AND username = 'bob' AND detail LIKE '%audit%' AND detail LIKE '%results=1%'")"
check "encounter.create entry" 1 "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'encounter.create' AND username = 'carol' AND patient_id = $P AND entity_id = $E")"
check "encounter.view entry" 1 "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'encounter.view' AND username = 'carol' AND entity_id = $E")"
check "document.create entry" 1 "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'document.create' AND username = 'dave' AND patient_id = $P")"
check "document show --raw is a download" 1 "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'document.download' AND username = 'dave' AND patient_id = $P")"

# --- search / report / export
j=$(folio --json audit search --patient "$P")
check "search --patient finds the chart's entries" yes "$(yn test "$(jget 'd["total"]' <<<"$j")" -ge 2)"
check "search is newest first" yes "$(jget 'str(d["items"][0]["seq"] > d["items"][-1]["seq"]).replace("True","yes")' <<<"$j")"
check "search --user --action" 1 "$(folio --json audit search --user bob --action patient.view | jget 'd["total"]')"
check "search --action prefix" yes "$(yn test "$(folio --json audit search --action patient. | jget 'd["total"]')" -ge 3)"
check "audit.search entries are written" yes "$(yn test "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'audit.search'")" -ge 3)"
r=$(folio --json audit report --patient "$P")
check "report lists bob" yes "$(jget '"yes" if any(u["username"]=="bob" and "patient.view" in u["actions"] for u in d["users"]) else "no"' <<<"$r")"
check "report is audited" 1 "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'audit.report' AND patient_id = $P")"
folio audit export --format fhir --output "$T_TMP/fhir.json"; rc=$?
check "export fhir exits 0" 0 "$rc"
check "export file is owner-only" 600 "$(stat -c %a "$T_TMP/fhir.json")"
check "fhir export is a Bundle of AuditEvents" yes "$(python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
ok=d["resourceType"]=="Bundle" and d["type"]=="collection" and len(d["entry"])>0 and all(e["resource"]["resourceType"]=="AuditEvent" for e in d["entry"])
print("yes" if ok else "no")' "$T_TMP/fhir.json")"
folio audit export --format syslog --hostname him1 >"$T_TMP/sys.log"; rc=$?
check "export syslog exits 0" 0 "$rc"
check "every syslog line is RFC 5424 + ATNA" 0 "$(grep -cv '^<8[45]>1 [0-9T:.Z-]* him1 folio - AUDIT - <?xml version="1.0" encoding="UTF-8"?><AuditMessage>.*</AuditMessage>$' "$T_TMP/sys.log")"
check "export is audited" 2 "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'audit.export'")"
expect_fail "export without --format exits 14" 14 folio audit export
expect_fail "report without --patient exits 14" 14 folio audit report

# --- verify, checkpoint, tampering
N=$(sql "SELECT MAX(seq) FROM audit_log")
out=$(folio audit verify); rc=$?
check "untouched trail verifies" 0 "$rc"
check "verify counts every entry" yes "$(yn grep -q "^ok: $N entries verified, head $N [0-9a-f]\{64\}$" <<<"$out")"
CP=$(folio audit checkpoint)
check "checkpoint is SEQ:HASH" yes "$(yn grep -qE '^[0-9]+:[0-9a-f]{64}$' <<<"$CP")"
folio audit verify --checkpoint "$CP" >/dev/null; rc=$?
check "verify with a fresh checkpoint" 0 "$rc"

U2=$(sql "SELECT username FROM audit_log WHERE seq = 2")
sql "UPDATE audit_log SET username = 'mallory' WHERE seq = 2" >/dev/null
err=$(folio audit verify 2>&1 >/dev/null); rc=$?
check "changed entry: exit 10" 10 "$rc"
check "changed entry: named" yes "$(yn grep -q 'entry 2: hash mismatch' <<<"$err")"
sql "UPDATE audit_log SET username = '$U2' WHERE seq = 2" >/dev/null
err=$(folio audit verify 2>&1 >/dev/null); rc=$?
check "restored entry verifies again" 0 "$rc"
[ "$rc" -eq 0 ] || echo "# $err"

sql "DELETE FROM audit_log WHERE seq = 3" >/dev/null
err=$(folio audit verify 2>&1 >/dev/null); rc=$?
check "deleted entry: exit 10" 10 "$rc"
check "deleted entry: named" yes "$(yn grep -q 'entry 3: sequence gap' <<<"$err")"
check "a failed verify is itself audited" yes "$(yn test "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'audit.verify' AND outcome = 'failure'")" -ge 2)"

# a fresh database: truncation with the head rewound is only caught by the checkpoint
fresh_db
folio init >/dev/null 2>&1
for i in 1 2 3 4 5; do folio audit checkpoint >/dev/null; folio audit search >/dev/null; done
CP=$(folio audit checkpoint)
S=${CP%%:*}
H4=$(sql "SELECT hash FROM audit_log WHERE seq = $((S-1))")
sql "DELETE FROM audit_log WHERE seq = $S" >/dev/null
err=$(folio audit verify 2>&1 >/dev/null); rc=$?
check "deleted last entry: exit 10" 10 "$rc"
check "deleted last entry: named via the head" yes "$(yn grep -q "entry $S: head is at entry $S" <<<"$err")"
# (that verify appended its own entry S+1): cut the tail from S on and rewind the head
sql "DELETE FROM audit_log WHERE seq >= $S" >/dev/null
sql "UPDATE audit_head SET seq = $((S-1)), hash = '$H4'" >/dev/null
folio audit verify >/dev/null; rc=$?
check "rewound head alone verifies (the limit of a chain)" 0 "$rc"
err=$(folio audit verify --checkpoint "$CP" 2>&1 >/dev/null); rc=$?
check "checkpoint catches the truncation: exit 10" 10 "$rc"
check "checkpoint catches the truncation: named" yes "$(yn grep -q "entry $S: checkpoint" <<<"$err")"
expect_fail "malformed --checkpoint exits 14" 14 folio audit verify --checkpoint nonsense

done_testing

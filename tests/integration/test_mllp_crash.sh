#!/usr/bin/env bash
# Crash safety (issue 4): a client streams 2,000 ADT^A01/ORU^R01 messages with unique MSH-10s;
# the server is killed with SIGKILL mid-stream. After a restart every message that got AA is
# in the log as applied and in the chart (its patient, its result); resending all 2,000 applies
# each exactly once (the ones already applied are answered from the log).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mllp/serve.sh"
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
STREAM="$(dirname "$0")/mllp/stream.py"
N=2000

fresh_db
folio init >/dev/null 2>&1 || { echo "init failed"; exit 1; }
start_mllp
trap '[ -n "${SRV_PID:-}" ] && kill -9 "$SRV_PID" 2>/dev/null; t_cleanup' EXIT

acks="$T_TMP/acks.tsv"
: > "$acks"
python3 "$STREAM" "$MLLP" "$N" "$acks" --window 8 --tag K &
CLI_PID=$!
# kill -9 once a few hundred answers are in, while messages are still in flight
for i in $(seq 1 600); do
  [ "$(wc -l < "$acks")" -ge 300 ] && break
  kill -0 "$CLI_PID" 2>/dev/null || break
  sleep 0.02
done
kill -9 "$SRV_PID"
wait "$SRV_PID" 2>/dev/null
SRV_PID=""
wait "$CLI_PID"
crc=$?
n_acked=$(awk -F'\t' '$2 == "AA"' "$acks" | wc -l)
echo "answered before the kill: $(wc -l < "$acks") ($n_acked AA), client exit $crc"
if [ "$n_acked" -ge 1 ] && [ "$n_acked" -lt "$N" ]; then ok "killed mid-stream"; else bad "killed mid-stream: $n_acked AA of $N"; fi

# After the restart: every AA is durable, in the log and in the chart.
start_mllp
awk -F'\t' '$2 == "AA" {print $1}' "$acks" | sort > "$T_TMP/aa.txt"
sql "SELECT control_id FROM hl7_messages WHERE status = 'applied' AND sender_app IN ('CRASH','CRASHLAB')" | sort > "$T_TMP/applied.txt"
check "every AA is in the log as applied" "" "$(comm -23 "$T_TMP/aa.txt" "$T_TMP/applied.txt" | head -5)"
awk -F- '{ if ($2 % 2 == 0) print "K-P" ($2 / 2) }' "$T_TMP/aa.txt" | sort > "$T_TMP/aa_mrn.txt"
sql "SELECT value FROM patient_identifier WHERE kind = 'MR' AND value LIKE 'K-P%'" | sort > "$T_TMP/mrn.txt"
check "every AA'd admit has its patient" "" "$(comm -23 "$T_TMP/aa_mrn.txt" "$T_TMP/mrn.txt" | head -5)"
n_oru_aa=$(awk -F- '$2 % 2 == 1' "$T_TMP/aa.txt" | wc -l)
n_obs=$(sql "SELECT COUNT(*) FROM observation")
if [ "$n_obs" -ge "$n_oru_aa" ]; then ok "every AA'd result is in the chart ($n_obs >= $n_oru_aa)"; else bad "results: $n_obs < $n_oru_aa"; fi

# Resend everything: each message applies exactly once.
: > "$T_TMP/acks2.tsv"
python3 "$STREAM" "$MLLP" "$N" "$T_TMP/acks2.tsv" --window 8 --tag K
check "resend: all answered" 0 $?
check "resend: all AA" "$N" "$(awk -F'\t' '$2 == "AA"' "$T_TMP/acks2.tsv" | wc -l)"
check "one first receipt per message" "$N" \
  "$(sql "SELECT COUNT(DISTINCT control_id) FROM hl7_messages WHERE dedup = 1 AND sender_app IN ('CRASH','CRASHLAB')")"
check "no message applied twice" 0 \
  "$(sql "SELECT COUNT(*) FROM (SELECT control_id FROM hl7_messages WHERE status = 'applied' GROUP BY sender_app, control_id HAVING COUNT(*) > 1) x")"
check "answered from the log: the ones applied before the kill" \
  "$(sql "SELECT COUNT(*) FROM hl7_messages WHERE status = 'duplicate'")" \
  "$(wc -l < "$T_TMP/applied.txt" | tr -d ' ')"
check "patients" $((N / 2)) "$(sql "SELECT COUNT(*) FROM patient_identifier WHERE kind = 'MR' AND value LIKE 'K-P%'")"
check "results" $((N / 2)) "$(sql "SELECT COUNT(*) FROM observation")"
check "audit chain intact" 0 "$(folio audit verify >/dev/null 2>&1; echo $?)"
stop_mllp
done_testing

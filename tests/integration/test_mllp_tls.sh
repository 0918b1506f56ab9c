#!/usr/bin/env bash
# MLLP over TLS (docs/mllp.md "TLS"): `folio serve --mllp 127.0.0.1:0 --mllp-tls-cert/--key`
# with certificates made now by the openssl command. Two clients: `folio hl7 send --tls`
# (GnuTLS) and mllp_send.py --tls (Python's ssl, i.e. OpenSSL); ACKs parsed, messages logged
# and applied. Plain MLLP to the TLS port gets nothing; a client that does not trust the
# certificate refuses it; mutual TLS (--mllp-tls-ca) accepts the CA's client certificate and
# refuses none; the loopback rule (non-loopback needs TLS or --insecure-mllp).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mllp/serve.sh"
command -v openssl >/dev/null || { echo "SKIP: the openssl command is not installed"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
SEND="$(dirname "$0")/mllp/mllp_send.py"
C="$T_TMP/certs"
mkdir -p "$C"
ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1"
( cd "$C" &&
  openssl req -x509 $ec -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
    -keyout srv.key -out srv.pem &&
  openssl req -x509 $ec -subj "/CN=Folio Test CA" -keyout ca.key -out ca.pem &&
  openssl req $ec -subj /CN=lab-sender -keyout cli.key -out cli.csr &&
  openssl x509 -req -in cli.csr -CA ca.pem -CAkey ca.key -set_serial 2 -days 1 -out cli.pem
) >/dev/null 2>&1 || { echo "openssl could not make the test certificates"; exit 1; }

now=20240305120000
msg() { # msg FILE CONTROL_ID KIND [PATIENT]: PATIENT (default CONTROL_ID) names MRN and visit
  local pt="${4:-$2}"
  local pv1="PV1|1|I|W2^201^B||||||||||||||||V-$pt^^^FAC^VN"
  case "$3" in
    adt) printf 'MSH|^~\\&|TLSADT|FAC|FOLIO|HOSP|%s||ADT^A01^ADT_A01|%s|P|2.5.1\rEVN|A01|%s\rPID|1||M-%s^^^FAC^MR||Tls^Tina||19800101|F\r%s\r' \
           "$now" "$2" "$now" "$pt" "$pv1" > "$1" ;;
    oru) printf 'MSH|^~\\&|TLSLAB|FAC|FOLIO|HOSP|%s||ORU^R01^ORU_R01|%s|P|2.5.1\rPID|1||M-%s^^^FAC^MR||Tls^Tina||19800101|F\r%s\rOBR|1|PL%s|FL%s|2345-7^Glucose^LN|||20240305113000\rOBX|1|NM|2345-7^Glucose^LN||117|mg/dL|70-99|H|||F|||20240305113000\r' \
           "$now" "$2" "$pt" "$pv1" "$2" "$2" > "$1" ;;
    bad) printf 'MSH|^~\\&|TLSX|FAC|FOLIO|HOSP|%s||ZZZ^Z01|%s|P|2.5.1\rZZZ|1\r' "$now" "$2" > "$1" ;;
  esac
}
msg "$T_TMP/c1.hl7" TLS-C1 adt
msg "$T_TMP/c2.hl7" TLS-C2 oru TLS-C1
msg "$T_TMP/c3.hl7" TLS-C3 bad
msg "$T_TMP/p1.hl7" TLS-P1 adt
msg "$T_TMP/p2.hl7" TLS-P2 oru TLS-P1
msg "$T_TMP/p3.hl7" TLS-P3 bad
msg "$T_TMP/m1.hl7" TLS-M1 adt
msg "$T_TMP/n1.hl7" TLS-N1 adt

fresh_db
folio init >/dev/null 2>&1 || { echo "init failed"; exit 1; }
trap 'stop_mllp; t_cleanup' EXIT

# ---- server certificate only ----
start_mllp --mllp-tls-cert "$C/srv.pem" --mllp-tls-key "$C/srv.key"
folio hl7 send --tls --tls-ca "$C/srv.pem" --to "$MLLP" "$T_TMP/c1.hl7" "$T_TMP/c2.hl7" \
  "$T_TMP/c3.hl7" > "$T_TMP/send.out" 2> "$T_TMP/send.err"
check "folio hl7 send --tls exit" 0 $?
check "folio hl7 send --tls: ACK codes" "AA AA AR" "$(sed -n 's/^MSA|\([A-Z]*\)|.*/\1/p' "$T_TMP/send.out" | tr '\n' ' ' | sed 's/ $//')"
check "folio hl7 send --tls: ACKs name the messages" "TLS-C1 TLS-C2 TLS-C3" \
  "$(sed -n 's/^MSA|[A-Z]*|\([^|]*\).*/\1/p' "$T_TMP/send.out" | tr '\n' ' ' | sed 's/ $//')"
python3 "$SEND" --tls "$C/srv.pem" "$MLLP" "$T_TMP/p1.hl7" "$T_TMP/p2.hl7" "$T_TMP/p3.hl7" \
  > "$T_TMP/py.tsv" 2> "$T_TMP/py.err"
check "python ssl client exit" 0 $?
check "python ssl client: ACK codes" "AA AA AR" "$(cut -f2 "$T_TMP/py.tsv" | tr '\n' ' ' | sed 's/ $//')"
check "messages logged" 6 "$(sql "SELECT COUNT(*) FROM hl7_messages WHERE control_id LIKE 'TLS-%'")"
check "results reached the chart" 2 "$(sql "SELECT COUNT(*) FROM observation WHERE value_text = '117'")"
# a resend over TLS is answered from the log: same framing, same dedup
python3 "$SEND" --tls "$C/srv.pem" "$MLLP" "$T_TMP/p1.hl7" > "$T_TMP/py2.tsv" 2>/dev/null
check "resend over TLS answered" AA "$(cut -f2 "$T_TMP/py2.tsv")"
check "resend logged as a duplicate" 1 "$(sql "SELECT COUNT(*) FROM hl7_messages WHERE control_id = 'TLS-P1' AND status = 'duplicate'")"
# plain MLLP to the TLS port: no answer, nothing logged, the listener lives on
python3 "$SEND" "$MLLP" "$T_TMP/n1.hl7" > "$T_TMP/plain.tsv" 2>/dev/null
check "plain MLLP to the TLS port is not answered" "NONE" "$(cut -f2 "$T_TMP/plain.tsv" | head -1)"
check "plain MLLP to the TLS port logs nothing" 0 "$(sql "SELECT COUNT(*) FROM hl7_messages WHERE control_id = 'TLS-N1'")"
# a client that does not trust the certificate refuses it (the CA file is not the server's)
expect_fail "folio hl7 send --tls with the wrong CA" 5 \
  folio hl7 send --tls --tls-ca "$C/ca.pem" --to "$MLLP" "$T_TMP/n1.hl7"
python3 "$SEND" --tls "$C/ca.pem" "$MLLP" "$T_TMP/n1.hl7" >/dev/null 2>&1
check "python refuses an untrusted server certificate" 2 $?
expect_fail "--tls-ca without --tls" 14 folio hl7 send --tls-ca "$C/srv.pem" --to "$MLLP" "$T_TMP/n1.hl7"
kill -0 "$SRV_PID" 2>/dev/null && ok "server alive after the refused clients" || bad "server died"
stop_mllp
check "graceful stop" 0 "$SRV_RC"
grep -q 'event=mllp.tls_error' "$T_TMP/serve.err" && ok "TLS failures in the operational log" || bad "no mllp.tls_error logged"
grep -q 'Tls\|M-TLS' "$T_TMP/serve.err" && bad "patient data in the operational log" || ok "no patient data in the operational log"

# ---- mutual TLS ----
start_mllp --mllp-tls-cert "$C/srv.pem" --mllp-tls-key "$C/srv.key" --mllp-tls-ca "$C/ca.pem"
python3 "$SEND" --tls "$C/srv.pem" --tls-cert "$C/cli.pem" --tls-key "$C/cli.key" "$MLLP" \
  "$T_TMP/m1.hl7" > "$T_TMP/m.tsv" 2>/dev/null
check "mutual TLS, python with the CA's client certificate" AA "$(cut -f2 "$T_TMP/m.tsv")"
folio hl7 send --tls --tls-ca "$C/srv.pem" --tls-cert "$C/cli.pem" --tls-key "$C/cli.key" \
  --to "$MLLP" "$T_TMP/m1.hl7" > "$T_TMP/m2.out" 2>/dev/null
check "mutual TLS, folio hl7 send with a client certificate" 0 $?
python3 "$SEND" --tls "$C/srv.pem" "$MLLP" "$T_TMP/n1.hl7" > "$T_TMP/n.tsv" 2>/dev/null
n_rc=$?
[ "$n_rc" -ne 0 ] && ok "mutual TLS refuses python without a certificate (exit $n_rc)" || bad "mutual TLS accepted a client without a certificate"
expect_fail "mutual TLS refuses folio hl7 send without a certificate" 5 \
  folio hl7 send --tls --tls-ca "$C/srv.pem" --to "$MLLP" "$T_TMP/n1.hl7"
check "nothing from the refused clients" 0 "$(sql "SELECT COUNT(*) FROM hl7_messages WHERE control_id = 'TLS-N1'")"
stop_mllp

# ---- the loopback rule ----
expect_fail "non-loopback MLLP without TLS refused" 14 \
  folio serve --listen 127.0.0.1:0 --mllp 0.0.0.0:0
expect_fail "half a TLS pair refused" 14 \
  folio serve --listen 127.0.0.1:0 --mllp 127.0.0.1:0 --mllp-tls-cert "$C/srv.pem"
out="$T_TMP/any.out"
# The binary itself, not the folio shell function: $! must be the server, or stop_mllp kills
# only a subshell and leaves the server running.
"$FOLIO_BIN" --db "$DB" --key "$KEY" serve --listen 127.0.0.1:0 --mllp 0.0.0.0:0 \
  --mllp-tls-cert "$C/srv.pem" --mllp-tls-key "$C/srv.key" > "$out" 2>>"$T_TMP/serve.err" &
SRV_PID=$!
for i in $(seq 1 100); do grep -q '^mllp listening on' "$out" && break; sleep 0.1; done
grep -q '^mllp listening on 0\.0\.0\.0:[1-9]' "$out" && ok "non-loopback MLLP with TLS allowed" || bad "non-loopback MLLP with TLS: $(cat "$out")"
stop_mllp
check "the server stopped" 0 "$(pgrep -f -- "--key $KEY serve" | wc -l)"
done_testing

# Helpers for the MLLP integration tests (source after lib.sh).
# start_mllp [EXTRA ARGS]: starts `folio serve --mllp 127.0.0.1:0` on $DB in the background;
# sets SRV_PID and MLLP (HOST:PORT) from the second line of its output.
start_mllp() {
  local out="$T_TMP/serve.$RANDOM.out" i
  "$FOLIO_BIN" --db "$DB" --key "$KEY" serve --listen 127.0.0.1:0 --mllp 127.0.0.1:0 "$@" \
    >"$out" 2>>"$T_TMP/serve.err" &
  SRV_PID=$!
  MLLP=""
  for i in $(seq 1 300); do
    MLLP=$(sed -n 's/^mllp listening on //p' "$out")
    [ -n "$MLLP" ] && break
    kill -0 "$SRV_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$MLLP" ]; then
    echo "folio serve --mllp did not start:"; cat "$out" "$T_TMP/serve.err"; exit 1
  fi
}
# stop_mllp: SIGTERM and wait (graceful).
stop_mllp() {
  [ -n "${SRV_PID:-}" ] || return 0
  kill -TERM "$SRV_PID" 2>/dev/null
  wait "$SRV_PID" 2>/dev/null
  SRV_RC=$?
  SRV_PID=""
}

#!/usr/bin/env bash
# folio deid text: de-identifies one note from stdin (tags, --spans JSON, --json report),
# needs no database, refuses invalid UTF-8 and notes over the size cap. docs/deid.md.
. "$(dirname "$0")/lib.sh"

# No database anywhere: --db points at a path that cannot exist; the command must not open it.
DB="sqlite:$T_TMP/no/such/dir/db.sqlite"
KEY="$T_TMP/no/such/key"
export DB KEY
nodb() { "$FOLIO_BIN" --db "$DB" --key "$KEY" "$@"; }

note='Pt John Smith (MRN: 12345678) seen by Dr. Alice Nguyen on 03/05/2024.
Lives at 123 Oak Street, Springfield, IL 62704. Call (217) 555-0143, email john.smith@example.com.
SSN 123-45-6789. Diabetes since 2015.'

out=$(printf '%s\n' "$note" | nodb deid text); rc=$?
check "deid text exits 0" 0 "$rc"
check "names tagged" yes "$(grep -q 'Pt \[NAME\] (MRN: \[MRN\]) seen by Dr. \[NAME\] on \[DATE\]\.' <<<"$out" && echo yes || echo no)"
check "an address block after 'lives at' is one tag" yes \
  "$(grep -q 'Lives at \[GEOGRAPHIC\]\. Call' <<<"$out" && echo yes || echo no)"
out2=$(printf 'Transferred from Springfield, IL 62704 by ambulance.' | nodb deid text)
check "city and ZIP tagged, state kept" "Transferred from [GEOGRAPHIC], IL [GEOGRAPHIC] by ambulance." "$out2"
check "phone, email, SSN tagged" yes \
  "$(grep -q 'Call \[PHONE\], email \[EMAIL\]\.' <<<"$out" && grep -q 'SSN \[SSN\]\.' <<<"$out" && echo yes || echo no)"
check "year alone kept" yes "$(grep -q 'Diabetes since 2015\.' <<<"$out" && echo yes || echo no)"
check "no PHI left" 0 "$(grep -c -E 'Smith|Nguyen|12345678|03/05/2024|Oak Street|62704|555-0143|example.com|6789' <<<"$out")"
check "no database created" no "$([ -e "$T_TMP/no" ] && echo yes || echo no)"

# --spans: JSON with byte offsets into the input; every span's text is what was replaced
j=$(printf '%s' "$note" | nodb deid text --spans); rc=$?
check "deid text --spans exits 0" 0 "$rc"
check "--spans is a JSON array of start/end/type" ok "$(python3 -c '
import json,sys
a=json.loads(sys.argv[1]); note=sys.argv[2].encode()
assert isinstance(a,list) and len(a)==8, len(a)
for s in a: assert set(s)=={"start","end","type"} and 0<=s["start"]<s["end"]<=len(note)
got=[(note[s["start"]:s["end"]].decode(), s["type"]) for s in a]
assert ("John Smith","name") in got and ("12345678","mrn") in got and ("Alice Nguyen","name") in got, got
assert ("03/05/2024","date") in got and ("123-45-6789","ssn") in got and ("(217) 555-0143","phone") in got, got
print("ok")' "$j" "$note" 2>&1)"

# byte offsets with multi-byte characters
j=$(printf 'Zoë met Dr. José Álvarez on 5 Mar 2024.' | nodb deid text --spans)
check "--spans offsets are bytes" '[{"start":0,"end":4,"type":"name"},{"start":13,"end":27,"type":"name"},{"start":31,"end":41,"type":"date"}]' "$j"

# --json: the text and the report of what was removed
j=$(printf '%s' "$note" | nodb --json deid text)
check "--json report counts" "2 1 1 1 8" "$(python3 -c '
import json,sys; d=json.loads(sys.argv[1]); r=d["removed"]
print(r["name"], r["date"], r["mrn"], r["geographic"], d["total"])' "$j")"
check "--json text" yes "$(python3 -c 'import json,sys; print("yes" if json.loads(sys.argv[1])["text"].startswith("Pt [NAME] (MRN: [MRN])") else "no")' "$j")"

# empty input, no PHI
check "empty note" "" "$(printf '' | nodb deid text)"
check "empty note --spans" "[]" "$(printf '' | nodb deid text --spans)"
check "note without PHI unchanged" "Cough for 3 days, afebrile." "$(printf 'Cough for 3 days, afebrile.' | nodb deid text)"

# bad input
expect_fail "invalid UTF-8 refused (exit 2)" 2 bash -c "printf 'abc\xff' | \"$FOLIO_BIN\" --db '$DB' deid text"
msg=$(printf 'abc\xff' | nodb deid text 2>&1 >/dev/null)
check "invalid UTF-8 message names the offset" yes \
  "$(grep -q 'not valid UTF-8.*offset 3' <<<"$msg" && echo yes || echo no)"
head -c 1048577 /dev/zero | tr '\0' 'a' >"$T_TMP/big.txt"
expect_fail "note over 1 MiB refused (exit 7)" 7 bash -c "\"$FOLIO_BIN\" --db '$DB' deid text <'$T_TMP/big.txt'"
expect_fail "unknown subcommand (exit 14)" 14 nodb deid cohort
expect_fail "unknown option (exit 14)" 14 nodb deid text --bogus
check "help" yes "$(nodb deid --help | grep -q 'folio deid text' && echo yes || echo no)"
check "listed in folio help" yes "$(nodb help | grep -q '^ *deid' && echo yes || echo no)"

done_testing

#!/usr/bin/env bash
# folio document add/amend/amend/history: every version kept and readable.
. "$(dirname "$0")/lib.sh"

fresh_db
folio init >/dev/null 2>&1 || { bad "init"; done_testing; exit 1; }
jget() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(eval(sys.argv[1], {"d": d}))' "$1"; }

P=$(folio --json patient add --family Roe --given Richard --birth-date 1944-07-04 --sex M | jget 'd["id"]')
E=$(folio --json encounter add --patient "$P" --class inpatient --admit-at 2024-05-01T08:00Z | jget 'd["id"]')
printf 'History and physical.\nChief complaint: cough.\n' > "$T_TMP/v1.txt"
out=$(folio --as dr.house document add --patient "$P" --encounter "$E" --type 34117-2 --file "$T_TMP/v1.txt"); rc=$?
check "document add exits 0" 0 "$rc"
D=$(sed -n 's/^created document \([0-9]*\).*/\1/p' <<<"$out")
check "document id" yes "$([[ "$D" =~ ^[0-9]+$ ]] && echo yes || echo no)"
check "v1 raw content" "$(cat "$T_TMP/v1.txt")" "$(folio document show "$D" --raw)"

out=$(folio --as dr.house document amend "$D" --reason "wrong side" --text "History and physical.
Chief complaint: cough, left side."); rc=$?
check "amend 1 exits 0" 0 "$rc"
check "amend 1 makes version 2" yes "$(grep -q 'version 2' <<<"$out" && echo yes || echo no)"
printf 'v3 content\n' | folio --as dr.wilson document amend "$D" --reason "added exam" --file - >/dev/null
check "amend 2 from stdin" 0 "$?"

h=$(folio document history "$D")
check "history header" yes "$(grep -q '^VERSION *STATUS *CHANGE *CHANGED_BY *CHANGED_AT' <<<"$h" && echo yes || echo no)"
check "history has 3 versions" 3 "$(tail -n +2 <<<"$h" | wc -l)"
j=$(folio --json document history "$D")
check "history --json versions" "1,2,3" "$(jget '",".join(str(v["version_no"]) for v in d["versions"])' <<<"$j")"
check "history --json kinds" "original,amendment,amendment" "$(jget '",".join(v["change_kind"] for v in d["versions"])' <<<"$j")"
check "history --json reasons" "None|wrong side|added exam" "$(jget '"|".join(str(v["reason"]) for v in d["versions"])' <<<"$j")"
check "history --json who" "dr.house,dr.house,dr.wilson" "$(jget '",".join(v["changed_by"] for v in d["versions"])' <<<"$j")"
check "history --json when" yes "$(jget 'all(v["changed_at"] for v in d["versions"])' <<<"$j" | sed 's/True/yes/')"
check "v1 still readable" "$(cat "$T_TMP/v1.txt")" "$(folio document show "$D" --version 1 --raw)"
check "v2 readable" "History and physical.
Chief complaint: cough, left side." "$(folio document show "$D" --version 2 --raw)"
check "v3 is current" "v3 content" "$(folio document show "$D" --raw)"
check "v3 by --version" "v3 content" "$(folio document show "$D" --version 3 --raw)"
j=$(folio --json document show "$D" --version 1)
check "show --json version 1 content" "$(cat "$T_TMP/v1.txt")" "$(jget 'd["content"].rstrip("\n")' <<<"$j")"
check "show --json version status" final "$(jget 'd["version"]["status"]' <<<"$j")"
check "show --json current status" amended "$(jget 'd["current"]["status"]' <<<"$j")"
t=$(folio document show "$D")
check "show text: version 3 of 3" yes "$(grep -qE '^version +3 of 3' <<<"$t" && echo yes || echo no)"
check "show text: content" yes "$(grep -q 'v3 content' <<<"$t" && echo yes || echo no)"
expect_fail "version 9 not found" 3 folio document show "$D" --version 9
expect_fail "unknown document" 3 folio document show 777777

# --- corrections, addenda, preliminary -> final
check "correct" 0 "$(folio document correct "$D" --reason typo --text 'v4 corrected' >/dev/null 2>&1; echo $?)"
check "addendum" 0 "$(folio document addendum "$D" --text 'late note' >/dev/null 2>&1; echo $?)"
check "addendum keeps the old text" yes "$(folio document show "$D" --raw | grep -q 'v4 corrected' && echo yes || echo no)"
check "addendum appends" yes "$(folio document show "$D" --raw | grep -q 'late note' && echo yes || echo no)"
D2=$(folio --json document add --patient "$P" --type 18842-5 --text 'draft' --status preliminary | jget 'd["id"]')
expect_fail "amend a preliminary refused (exit 10)" 10 folio document amend "$D2" --reason x --text y
check "finalize" 0 "$(folio document finalize "$D2" >/dev/null 2>&1; echo $?)"
check "finalized status" final "$(folio --json document show "$D2" | jget 'd["current"]["status"]')"
check "sign" 0 "$(folio document sign "$D2" >/dev/null 2>&1; echo $?)"
check "signature shown" 1 "$(folio --json document show "$D2" | jget 'len(d["current"]["signatures"])')"
check "list for patient" 2 "$(folio --json document list --patient "$P" | jget 'd["total"]')"
check "patient show lists documents" 2 "$(folio --json patient show "$P" | jget 'len(d["documents"])')"
expect_fail "stale --if-version refused (exit 4)" 4 folio document amend "$D" --if-version 1 --reason r --text t

# --- bad input writes nothing
nv=$(sql "SELECT COUNT(*) FROM document_version")
nd=$(sql "SELECT COUNT(*) FROM document")
expect_fail "amend without reason" 2 folio document amend "$D" --text x
out=$(folio document amend "$D" --text x 2>&1 >/dev/null)
check "missing reason names the field" yes "$(grep -q reason <<<"$out" && echo yes || echo no)"
expect_fail "amend without content" 14 folio document amend "$D" --reason x
expect_fail "both --file and --text" 14 folio document add --patient "$P" --type 34117-2 --text a --file "$T_TMP/v1.txt"
expect_fail "missing file" 3 folio document add --patient "$P" --type 34117-2 --file "$T_TMP/nope.txt"
expect_fail "unknown patient" 3 folio document add --patient 999999 --type 34117-2 --text a
expect_fail "unknown type without title" 2 folio document add --patient "$P" --type 99999-9 --text a
expect_fail "bad status" 2 folio document add --patient "$P" --type 34117-2 --text a --status weird
expect_fail "bad author" 2 folio document add --patient "$P" --type 34117-2 --text a --author nobody
expect_fail "missing --type" 14 folio document add --patient "$P" --text a
expect_fail "history of unknown document" 3 folio document history 888888
check "no version written" "$nv" "$(sql "SELECT COUNT(*) FROM document_version")"
check "no document written" "$nd" "$(sql "SELECT COUNT(*) FROM document")"

# sensitivity tags (docs/roi.md "Sensitive records")
out=$(folio --as him.clerk document tag "$D" --add hiv --reason "result in note"); rc=$?
check "tag add exits 0" 0 "$rc"
check "tag add names the canonical tag" yes "$(grep -q 'tagged hiv_sti' <<<"$out" && echo yes || echo no)"
expect_fail "tag twice" 4 folio document tag "$D" --add hiv_sti
expect_fail "unknown tag" 2 folio document tag "$D" --add vip
expect_fail "remove without reason" 2 folio document tag "$D" --remove hiv_sti
folio --as him.clerk document tag "$D" --remove hiv_sti --reason "tagged in error" >/dev/null
check "tag remove exits 0" 0 "$?"
expect_fail "remove an absent tag" 10 folio document tag "$D" --remove hiv_sti --reason again
check "no active tag" 1 "$(folio document tag "$D" | wc -l)"
check "history keeps the removed tag" "hiv_sti:him.clerk" "$(folio --json document tag "$D" --history | jget '",".join(t["tag"] + ":" + str(t["set_by"]) for t in d["tags"] if t["removed_at"])')"
check "the JSON keeps both reasons" "result in note|tagged in error" "$(folio --json document tag "$D" --history | jget '",".join(t["set_reason"] + "|" + t["removed_reason"] for t in d["tags"] if t["removed_at"])')"
check "tag changes audited" yes "$([ "$(sql "SELECT COUNT(*) FROM audit_log WHERE detail LIKE 'tag %'")" -ge 2 ] 2>/dev/null && echo yes || echo no)"

done_testing

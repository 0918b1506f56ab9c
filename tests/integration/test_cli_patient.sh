#!/usr/bin/env bash
# folio patient add/show/search/list: text and --json, SSN protection, bad input writes nothing.
. "$(dirname "$0")/lib.sh"

fresh_db
folio init >/dev/null 2>&1 || { bad "init"; done_testing; exit 1; }
jget() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(eval(sys.argv[1], {"d": d}))' "$1"; }

out=$(folio patient add --family Smith --given John --middle Quincy --birth-date 1961-04-12 --sex male \
  --mrn MRN0001 --facility MAIN --ssn 123-45-6789 --phone "(402) 555-0100" --email john@example.org \
  --address-line "1 Main St" --city Omaha --state NE --zip 68102); rc=$?
check "patient add exits 0" 0 "$rc"
check "patient add says created" yes "$(grep -q '^created patient [0-9]' <<<"$out" && echo yes || echo no)"
P1=$(sed -n 's/^created patient \([0-9]*\).*/\1/p' <<<"$out")
P2=$(folio --json patient add --family Smithson --given Jane --birth-date 1975 --sex F --mrn MRN0002 | jget 'd["id"]')
check "patient add --json gives an id" yes "$([[ "$P2" =~ ^[0-9]+$ ]] && echo yes || echo no)"
P3=$(folio patient add --family "Müller" --given "Zoë" --birth-date 1990-02-28 --sex F | sed -n 's/^created patient \([0-9]*\).*/\1/p')
check "patient add with UTF-8 name" yes "$([[ "$P3" =~ ^[0-9]+$ ]] && echo yes || echo no)"

# --- show
show=$(folio patient show "$P1"); rc=$?
check "patient show exits 0" 0 "$rc"
check "show: name" yes "$(grep -q 'Smith, John Quincy' <<<"$show" && echo yes || echo no)"
check "show: mrn" yes "$(grep -q 'MRN0001' <<<"$show" && echo yes || echo no)"
check "show: birth date" yes "$(grep -q '1961-04-12' <<<"$show" && echo yes || echo no)"
check "show: SSN masked" yes "$(grep -q '\*\*\*-\*\*-6789' <<<"$show" && echo yes || echo no)"
check "show: SSN never in clear" no "$(grep -q '123-45-6789\|123456789' <<<"$show" && echo yes || echo no)"
j=$(folio --json patient show "$P1")
check "show --json id" "$P1" "$(jget 'd["id"]' <<<"$j")"
check "show --json name.family" Smith "$(jget 'd["name"]["family"]' <<<"$j")"
check "show --json name.given" John "$(jget 'd["name"]["given"]' <<<"$j")"
check "show --json birth_date" 1961-04-12 "$(jget 'd["birth_date"]' <<<"$j")"
check "show --json sex" M "$(jget 'd["sex"]' <<<"$j")"
check "show --json mrn" MRN0001 "$(jget 'd["mrn"]' <<<"$j")"
check "show --json SSN masked" "***-**-6789" "$(jget '[i["value"] for i in d["identifiers"] if i["kind"]=="SS"][0]' <<<"$j")"
check "show --json phone digits" 4025550100 "$(jget 'd["phones"][0]["number"]' <<<"$j")"
check "show --json address city" Omaha "$(jget 'd["addresses"][0]["city"]' <<<"$j")"
check "show --json email" john@example.org "$(jget 'd["email"]' <<<"$j")"
check "SSN not in plain text anywhere in the database" 0 "$(db_dump | grep -c -e '123-45-6789' -e '123456789')"
check "SSN not in --json output" no "$(grep -q '123-45-6789\|123456789' <<<"$j" && echo yes || echo no)"
expect_fail "show unknown id exits 3" 3 folio patient show 999999
expect_fail "show bad id exits 14" 14 folio patient show abc
expect_fail "show without id exits 14" 14 folio patient show

# --- search
s=$(folio patient search --name Smith)
check "search Smith: header" yes "$(grep -q '^ID *MRN *NAME *BIRTH_DATE *SEX *STATUS' <<<"$s" && echo yes || echo no)"
check "search Smith: 2 rows (Smith, Smithson)" "2 of 2 patients" "$(tail -1 <<<"$s")"
check "search 'Smith, John'" 1 "$(folio --json patient search --name 'Smith, John' | jget 'd["total"]')"
check "search 'smith, jo' (case-insensitive prefix)" "$P1" "$(folio --json patient search --name 'smith, jo' | jget 'd["items"][0]["id"]')"
check "search 'John Smith'" 1 "$(folio --json patient search --name 'John Smith' | jget 'd["total"]')"
check "search --mrn" "$P2" "$(folio --json patient search --mrn MRN0002 | jget 'd["items"][0]["id"]')"
check "search --birth-date year" "$P2" "$(folio --json patient search --birth-date 1975 | jget 'd["items"][0]["id"]')"
check "search --birth-date day" 1 "$(folio --json patient search --birth-date 1961-04-12 | jget 'd["total"]')"
check "search by SSN digits finds the patient" "$P1" "$(folio --json patient search --identifier 123456789 | jget 'd["items"][0]["id"] if d["items"] else None')"
check "search nothing" "0 of 0 patients" "$(folio patient search --name Nobody | tail -1)"
check "search UTF-8" "$P3" "$(folio --json patient search --name 'müller' | jget 'd["items"][0]["id"] if d["items"] else None')"
j=$(folio --json patient search --name Smith --limit 1 --offset 1)
check "search --limit/--offset: total" 2 "$(jget 'd["total"]' <<<"$j")"
check "search --limit/--offset: one item" 1 "$(jget 'len(d["items"])' <<<"$j")"
check "search item fields" "id,mrn,family,given,middle,birth_date,sex,status,deceased_at" "$(jget '",".join(d["items"][0].keys())' <<<"$j")"

# --- list
l=$(folio patient list)
check "list all" "3 of 3 patients" "$(tail -1 <<<"$l")"
check "list --json total" 3 "$(folio patient list --json | jget 'd["total"]')"
check "list --limit 2" 2 "$(folio patient list --json --limit 2 | jget 'len(d["items"])')"
expect_fail "list takes no --name" 14 folio patient list --name Smith

# --- bad input: non-zero, message names the field, nothing written
count() { sql "SELECT COUNT(*) FROM patient"; }
before=$(count)
bad_add() { # NAME FIELD-REGEX ARGS...
  local name=$1 field=$2; shift 2
  local err rc
  err=$(folio patient add "$@" 2>&1 >/dev/null); rc=$?
  if [ "$rc" -ne 0 ] && grep -qiE "$field" <<<"$err"; then ok "$name (exit $rc: $err)"; else bad "$name: exit $rc, stderr [$err]"; fi
}
bad_add "impossible birth date" "birth_date.*2023-02-29|2023-02-29.*birth" --family A --given B --birth-date 2023-02-29
bad_add "malformed birth date" "birth_date" --family A --given B --birth-date 12/04/1961
bad_add "missing birth date" "birth_date" --family A --given B
bad_add "missing name" "family|given|name" --birth-date 1961
bad_add "bad sex" "sex.*XYZ|XYZ.*sex" --family A --given B --birth-date 1961 --sex XYZ
bad_add "bad SSN" "ssn|SS|identifier" --family A --given B --birth-date 1961 --ssn 12-34
bad_add "bad email" "email" --family A --given B --birth-date 1961 --email nobody
bad_add "bad phone" "phone|number" --family A --given B --birth-date 1961 --phone 12
bad_add "duplicate MRN" "MRN0001|conflict|identifier" --family A --given B --birth-date 1961 --mrn MRN0001
bad_add "empty family and given" "family|given|name" --family "" --given "" --birth-date 1961
check "nothing written by bad input" "$before" "$(count)"
check "no facility written by a failed add" 1 "$(sql "SELECT COUNT(*) FROM facility")"
folio patient add --family A --given B --birth-date 1961 --mrn X1 --facility NEWFAC --ssn 1 >/dev/null 2>&1
check "failed add with new facility leaves no facility" 0 "$(sql "SELECT COUNT(*) FROM facility WHERE code='NEWFAC'")"
expect_fail "duplicate MRN exits 4" 4 folio patient add --family A --given B --birth-date 1961 --mrn MRN0001
expect_fail "bad date exits 2" 2 folio patient add --family A --given B --birth-date 1961-13-01
expect_fail "unknown option exits 14" 14 folio patient add --family A --given B --birth-date 1961 --colour blue
expect_fail "missing option value exits 14" 14 folio patient add --family
expect_fail "positional argument exits 14" 14 folio patient add Smith
expect_fail "search --limit abc exits 14" 14 folio patient search --limit abc
expect_fail "search --limit 5000 refused" 2 folio patient search --limit 5000
expect_fail "unknown subcommand exits 14" 14 folio patient frob
check "still nothing written" "$before" "$(count)"

done_testing

#!/usr/bin/env bash
# The JSON API against a real `folio serve`: sign-in (bearer, cookie + CSRF), patients (search,
# paging, create, If-Match), encounters, documents (amend flow, versions, byte-exact downloads),
# observations, minimum-necessary redaction, input errors, audit entries, users.
# Runs on the backend named by FOLIO_TEST_DB (SQLite by default, PostgreSQL under test-postgres.sh).
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || { echo "SKIP: python3 is missing"; exit 77; }
fresh_db
folio init >/dev/null 2>&1 || { bad "init"; done_testing; exit 1; }
PW="demo-password-123"
for u in him.tech:him_technician clinician:clinician analyst:analyst privacy:privacy_officer \
         admin:administrator all:him_technician,clinician,privacy_officer,administrator,coding_auditor,chart_analyst,roi_specialist \
         lock.me:coder; do
  printf '%s\n' "$PW" | folio user add "${u%%:*}" --roles "${u#*:}" --name "Test ${u%%:*}" \
    --password-stdin >/dev/null 2>&1 || { bad "user add ${u%%:*}"; done_testing; exit 1; }
done

"$FOLIO_BIN" --db "$DB" --key "$KEY" serve --listen 127.0.0.1:0 >"$T_TMP/serve.out" 2>"$T_TMP/serve.err" &
SRV=$!
URL=""
for _ in $(seq 1 100); do
  URL=$(sed -n 's|^listening on \(http://[^ ]*\)/$|\1|p' "$T_TMP/serve.out")
  [ -n "$URL" ] && break
  kill -0 "$SRV" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$URL" ]; then
  bad "server did not start: $(cat "$T_TMP/serve.err")"; done_testing; exit 1
fi
trap 'kill "$SRV" 2>/dev/null; t_cleanup' EXIT
ok "server listening at $URL"

FOLIO_URL="$URL" FOLIO_PW="$PW" python3 - <<'PY' >"$T_TMP/py.out" 2>&1
import base64, http.client, json, os, sys, urllib.parse

URL = urllib.parse.urlparse(os.environ["FOLIO_URL"])
PW = os.environ["FOLIO_PW"]
passed = failed = 0

def check(name, want, got):
    global passed, failed
    if want == got:
        passed += 1; print("ok - %s" % name)
    else:
        failed += 1; print("not ok - %s: expected [%r], got [%r]" % (name, want, got))

def truthy(name, v):
    check(name, True, bool(v))

class Resp:
    def __init__(self, r):
        self.status = r.status
        self.headers = {k.lower(): v for k, v in r.getheaders()}
        self.cookies = r.msg.get_all("Set-Cookie") or []
        self.raw = r.read()
        try:
            self.json = json.loads(self.raw) if self.raw else None
        except ValueError:
            self.json = None
    def err_field(self):
        return ((self.json or {}).get("error") or {}).get("field")

def call(method, path, body=None, token=None, cookie=None, csrf=None, headers=None, raw=None):
    c = http.client.HTTPConnection(URL.hostname, URL.port, timeout=30)
    h = dict(headers or {})
    data = None
    if raw is not None:
        data = raw; h["Content-Type"] = "application/json"
    elif body is not None:
        data = json.dumps(body).encode(); h["Content-Type"] = "application/json"
    if token: h["Authorization"] = "Bearer " + token
    if cookie: h["Cookie"] = "folio_session=" + cookie
    if csrf: h["X-CSRF-Token"] = csrf
    c.request(method, path, body=data, headers=h)
    r = Resp(c.getresponse())
    c.close()
    return r

def login(user, mode="bearer"):
    r = call("POST", "/api/v1/session", {"username": user, "password": PW, "mode": mode})
    check("sign in %s (%s)" % (user, mode), 200, r.status)
    return r

# ---- public routes
r = call("GET", "/api/v1/health")
check("health 200", 200, r.status)
check("health body", {"status": "ok", "database": "ok"}, r.json)
r = call("GET", "/api/v1/openapi.json")
check("openapi 200", 200, r.status)
check("openapi version", "3.0.3", (r.json or {}).get("openapi"))
truthy("openapi has /api/v1/patients", "/api/v1/patients" in (r.json or {}).get("paths", {}))
try:
    from openapi_spec_validator import validate as oas_validate
except ImportError:
    print("# openapi_spec_validator is not installed: schema validation skipped")
else:
    try:
        oas_validate(r.json); check("openapi document is valid OpenAPI 3", True, True)
    except Exception as ex:  # the validator's own error types vary between versions
        check("openapi document is valid OpenAPI 3", "valid", str(ex)[:300])

# ---- sign-in
r = call("POST", "/api/v1/session", {"username": "him.tech", "password": "wrong-password-x", "mode": "bearer"})
check("bad password 401", 401, r.status)
check("bad password error code", "permission", ((r.json or {}).get("error") or {}).get("code"))
r = call("POST", "/api/v1/session", {"username": "him.tech", "password": PW, "mode": "sideways"})
check("bad mode 400", 400, r.status); check("bad mode field", "mode", r.err_field())
r = call("POST", "/api/v1/session", {"username": "him.tech", "password": PW, "extra": 1})
check("sign-in unknown field 400", 400, r.status); check("sign-in unknown field named", "extra", r.err_field())
r = call("GET", "/api/v1/patients")
check("no session 401", 401, r.status)

r = login("him.tech")
TECH = r.json["token"]
check("bearer: roles", ["him_technician"], r.json["user"]["roles"])
truthy("bearer: expires_at", r.json.get("expires_at"))
check("bearer: no csrf token", None, r.json.get("csrf_token"))
r = login("him.tech", "cookie")
truthy("cookie: Set-Cookie", any(c.startswith("folio_session=") for c in r.cookies))
check("cookie: no token in body", None, r.json.get("token"))
CSRF = r.json["csrf_token"]
COOKIE = [c for c in r.cookies if c.startswith("folio_session=")][0].split(";")[0].split("=", 1)[1]
r = call("GET", "/api/v1/session", cookie=COOKIE)
check("GET session (cookie)", 200, r.status)
check("GET session user", "him.tech", (r.json or {}).get("user", {}).get("username"))
check("GET session csrf", CSRF, (r.json or {}).get("csrf_token"))

NEW = {"name": {"family": "Smith", "given": "John"}, "birth_date": "1961-04-12", "sex": "M",
       "mrn": "000123", "ssn": "123-45-6789", "email": "john@example.org",
       "addresses": [{"line1": "1 Main St", "city": "Omaha", "state": "NE", "postal_code": "68102"}],
       "phones": [{"use": "mobile", "number": "402-555-0100"}]}
r = call("POST", "/api/v1/patients", NEW, cookie=COOKIE)
check("cookie POST without CSRF 403", 403, r.status)
r = call("POST", "/api/v1/patients", NEW, cookie=COOKIE, csrf=CSRF)
check("cookie POST with CSRF 201", 201, r.status)
P = r.json["id"]
check("Location", "/api/v1/patients/%d" % P, r.headers.get("location"))
ETAG = r.headers.get("etag")
check("ETag of a new patient", '"v%d"' % r.json["version"], ETAG)
check("mrn", "000123", r.json.get("mrn"))
check("SSN masked", ["***-**-6789"], [i["value"] for i in r.json["identifiers"] if i["kind"] == "SS"])
check("name", "Smith", r.json["name"]["family"])
check("address", "Omaha", r.json["addresses"][0]["city"])

for fam, given, bd in (("Smithers", "Waylon", "1950-01-02"), ("Smythe", "Anna", "1961-08-30"),
                       ("Jones", "Mary", "1975-05-05")):
    r = call("POST", "/api/v1/patients", {"name": {"family": fam, "given": given}, "birth_date": bd, "sex": "F"}, token=TECH)
    check("create %s" % fam, 201, r.status)

# ---- input errors: 400 with the field named, never 5xx
r = call("POST", "/api/v1/patients", raw=b'{"name": ', token=TECH)
check("malformed JSON 400", 400, r.status)
r = call("POST", "/api/v1/patients", raw=b'[1,2]', token=TECH)
check("array body 400", 400, r.status)
r = call("POST", "/api/v1/patients", {"name": {"family": "X"}, "birth_date": "1961", "colour": "red"}, token=TECH)
check("unknown field 400", 400, r.status); check("unknown field named", "colour", r.err_field())
r = call("POST", "/api/v1/patients", {"name": {"family": "X", "nick": "y"}, "birth_date": "1961"}, token=TECH)
check("unknown nested field named", "name.nick", r.err_field())
r = call("POST", "/api/v1/patients", {"name": {"family": 7}, "birth_date": "1961"}, token=TECH)
check("wrong nested type 400", 400, r.status); check("wrong nested type named", "name.family", r.err_field())
r = call("POST", "/api/v1/patients", {"name": {"family": "X"}, "birth_date": 1961}, token=TECH)
check("wrong type named", "birth_date", r.err_field())
r = call("POST", "/api/v1/patients", {"name": {"family": "X"}, "birth_date": "2023-02-29"}, token=TECH)
check("bad date 400", 400, r.status); check("bad date named", "birth_date", r.err_field())
r = call("POST", "/api/v1/patients", {"name": {"family": "X"}, "birth_date": "1961", "sex": "Q"}, token=TECH)
check("bad code 400", 400, r.status); check("bad code named", "sex", r.err_field())
r = call("POST", "/api/v1/patients", {"name": {"family": "X"}, "birth_date": "1961", "phones": [{"number": 5}]}, token=TECH)
check("array element field named", "phones[0].number", r.err_field())
r = call("POST", "/api/v1/patients", {"name": {"family": "X"}, "birth_date": "1961", "mrn": "000123"}, token=TECH)
check("duplicate MRN 409", 409, r.status)
r = call("GET", "/api/v1/patients?limit=0", token=TECH)
check("limit 0 is 400", 400, r.status); check("limit named", "limit", r.err_field())
r = call("GET", "/api/v1/patients?sex=Q", token=TECH)
check("bad sex query 400", 400, r.status)
r = call("GET", "/api/v1/patients/999999", token=TECH)
check("unknown patient 404", 404, r.status)

# ---- search and paging
r = call("GET", "/api/v1/patients?name=smi", token=TECH)
check("search smi total", 2, r.json["total"])
check("search smi names", ["Smith", "Smithers"], [i["family"] for i in r.json["items"]])
r = call("GET", "/api/v1/patients?limit=2&offset=1", token=TECH)
check("paging total", 4, r.json["total"]); check("paging page size", 2, len(r.json["items"]))
check("paging limit/offset echoed", (2, 1), (r.json["limit"], r.json["offset"]))
r = call("GET", "/api/v1/patients?mrn=000123", token=TECH)
check("search by MRN", [P], [i["id"] for i in r.json["items"]])
r = call("GET", "/api/v1/patients?birth_date=1961", token=TECH)
check("search by birth year", 2, r.json["total"])

# ---- view + PATCH with If-Match
r = call("GET", "/api/v1/patients/%d" % P, token=TECH)
check("view 200", 200, r.status); check("view ETag", ETAG, r.headers.get("etag"))
r = call("PATCH", "/api/v1/patients/%d" % P, {"language": "en"}, token=TECH)
check("PATCH without If-Match 428", 428, r.status)
r = call("PATCH", "/api/v1/patients/%d" % P, {"language": "en"}, token=TECH, headers={"If-Match": '"v999"'})
check("PATCH stale 412", 412, r.status)
r = call("PATCH", "/api/v1/patients/%d" % P, {"language": "en", "phone": {"use": "home", "number": "4025550199"}},
         token=TECH, headers={"If-Match": ETAG})
check("PATCH current 200", 200, r.status)
check("PATCH applied", "en", (r.json or {}).get("language"))
NEW_ETAG = r.headers.get("etag")
truthy("PATCH new ETag differs", NEW_ETAG and NEW_ETAG != ETAG)
r = call("PATCH", "/api/v1/patients/%d" % P, {"language": "fr"}, token=TECH, headers={"If-Match": ETAG})
check("PATCH with the old ETag 412", 412, r.status)
r = call("PATCH", "/api/v1/patients/%d" % P, {"language": 3}, token=TECH, headers={"If-Match": NEW_ETAG})
check("PATCH wrong type 400", 400, r.status); check("PATCH wrong type named", "language", r.err_field())

# ---- encounters
r = call("POST", "/api/v1/patients/%d/encounters" % P, {"class": "inpatient", "admit_at": "2024-05-01T08:00Z",
         "account_number": "A100", "location": "4W^412^B"}, token=TECH)
check("encounter create 201", 201, r.status)
E = r.json["id"]; EETAG = r.headers.get("etag")
r = call("POST", "/api/v1/patients/%d/encounters" % P, {"class": "inpatient", "admit_at": "yesterday"}, token=TECH)
check("encounter bad time 400", 400, r.status); check("encounter bad time named", "admit_at", r.err_field())
r = call("POST", "/api/v1/patients/999999/encounters", {"class": "inpatient"}, token=TECH)
check("encounter for unknown patient 404", 404, r.status)
r = call("GET", "/api/v1/patients/%d/encounters" % P, token=TECH)
check("encounter list", [E], [e["id"] for e in r.json["items"]])
r = call("GET", "/api/v1/encounters/%d" % E, token=TECH)
check("encounter view locations", ["4W^412^B"], [l["location"] for l in r.json["locations"]])
r = call("POST", "/api/v1/encounters/%d/discharge" % E, {"discharge_at": "2024-05-04T10:00Z", "disposition": "01"}, token=TECH)
check("discharge without If-Match 428", 428, r.status)
r = call("POST", "/api/v1/encounters/%d/discharge" % E, {"discharge_at": "2024-05-04T10:00Z", "disposition": "01"},
         token=TECH, headers={"If-Match": EETAG})
check("discharge 200", 200, r.status); check("discharged", "discharged", (r.json or {}).get("status"))
r = call("POST", "/api/v1/encounters/%d/discharge" % E, {}, token=TECH, headers={"If-Match": r.headers.get("etag")})
check("discharge twice 409", 409, r.status)

# ---- documents: file as the technician, amend as the clinician
V1 = "History and physical.\nChief complaint: cough.\n"
r = call("POST", "/api/v1/patients/%d/documents" % P, {"type": "34117-2", "encounter_id": E, "text": V1}, token=TECH)
check("document create 201", 201, r.status)
D = r.json["id"]; DETAG = r.headers.get("etag")
check("document ETag v1", '"v1"', DETAG)
check("document Location", "/api/v1/documents/%d" % D, r.headers.get("location"))
BIN = bytes(range(256)) * 3
r = call("POST", "/api/v1/patients/%d/documents" % P, {"type": "34117-2", "content_base64": base64.b64encode(BIN).decode(),
         "mime_type": "application/pdf"}, token=TECH)
check("binary document 201", 201, r.status); DB_ = r.json["id"]
r = call("POST", "/api/v1/patients/%d/documents" % P, {"type": "34117-2", "content_base64": "!!!", "mime_type": "application/pdf"}, token=TECH)
check("bad base64 400", 400, r.status); check("bad base64 named", "content_base64", r.err_field())
r = call("POST", "/api/v1/patients/%d/documents" % P, {"type": "34117-2", "text": "x", "encounter_id": "1"}, token=TECH)
check("encounter_id string 400", 400, r.status); check("encounter_id named", "encounter_id", r.err_field())
r = call("POST", "/api/v1/documents/%d/amend" % D, {"kind": "amendment", "reason": "x", "text": "y"}, token=TECH, headers={"If-Match": DETAG})
check("technician cannot amend 403", 403, r.status)
CLIN = login("clinician").json["token"]
V2 = "History and physical.\nChief complaint: cough, left side.\n"
r = call("POST", "/api/v1/documents/%d/amend" % D, {"kind": "amendment", "reason": "wrong side", "text": V2}, token=CLIN)
check("amend without If-Match 428", 428, r.status)
r = call("POST", "/api/v1/documents/%d/amend" % D, {"kind": "amendment", "reason": "wrong side", "text": V2}, token=CLIN, headers={"If-Match": '"v7"'})
check("amend stale 412", 412, r.status)
r = call("POST", "/api/v1/documents/%d/amend" % D, {"kind": "rewrite", "reason": "x", "text": V2}, token=CLIN, headers={"If-Match": DETAG})
check("amend bad kind 400", 400, r.status); check("amend bad kind named", "kind", r.err_field())
r = call("POST", "/api/v1/documents/%d/amend" % D, {"kind": "amendment", "text": V2}, token=CLIN, headers={"If-Match": DETAG})
check("amend without reason 400", 400, r.status); check("amend reason named", "reason", r.err_field())
r = call("POST", "/api/v1/documents/%d/amend" % D, {"kind": "amendment", "reason": "wrong side", "text": V2}, token=CLIN, headers={"If-Match": DETAG})
check("amend 200", 200, r.status)
check("amended version 2", (2, "amended"), (r.json["current"]["version_no"], r.json["current"]["status"]))
check("amend ETag v2", '"v2"', r.headers.get("etag"))
r = call("POST", "/api/v1/documents/%d/amend" % D, {"kind": "addendum", "text": "late note"}, token=CLIN, headers={"If-Match": '"v2"'})
check("addendum 200", 200, r.status)
r = call("POST", "/api/v1/documents/%d/sign" % D, {"role": "author"}, token=CLIN)
check("sign 200", 200, r.status); check("signed by", ["clinician"], [s["signer"] for s in r.json["current"]["signatures"]])

# ---- sensitivity tags (docs/roi.md "Sensitive records")
r = call("GET", "/api/v1/documents/%d/tags" % D, token=TECH)
check("tags none yet", [], r.json["items"]); check("tags known", 6, len(r.json["known"]))
r = call("POST", "/api/v1/documents/%d/tags" % D, {"tag": "part2", "reason": "detox unit note"}, token=TECH)
check("tag set 201", 201, r.status); check("tag alias canonical", ["sud_part2"], [t["tag"] for t in r.json["items"]])
check("tag who and why", ["him.tech|detox unit note"], ["%s|%s" % (t["set_by"], t["set_reason"]) for t in r.json["items"]])
r = call("POST", "/api/v1/documents/%d/tags" % D, {"tag": "sud_part2"}, token=TECH)
check("tag twice 409", 409, r.status); check("tag twice field", "tag", r.err_field())
r = call("POST", "/api/v1/documents/%d/tags" % D, {"tag": "gossip"}, token=TECH)
check("unknown tag 400", 400, r.status); check("unknown tag field", "tag", r.err_field())
r = call("POST", "/api/v1/documents/%d/tags/sud_part2/removal" % D, {}, token=TECH)
check("removal without reason 400", 400, r.status); check("removal reason field", "reason", r.err_field())
r = call("POST", "/api/v1/documents/%d/tags/genetic/removal" % D, {"reason": "x"}, token=TECH)
check("removing an unset tag 409", 409, r.status)
r = call("POST", "/api/v1/documents/%d/tags/sud_part2/removal" % D, {"reason": "not a Part 2 program"}, token=TECH)
check("removal 200", 200, r.status); check("no active tag", [], r.json["items"])
r = call("GET", "/api/v1/documents/%d/tags?history=1" % D, token=TECH)
check("history keeps the removed tag", ["sud_part2|him.tech|not a Part 2 program"],
      ["%s|%s|%s" % (t["tag"], t["removed_by"], t["removed_reason"]) for t in r.json["items"]])
r = call("POST", "/api/v1/documents/999999/tags", {"tag": "genetic"}, token=TECH)
check("tag unknown document 404", 404, r.status)
r = call("GET", "/api/v1/documents/%d/versions" % D, token=CLIN)
check("versions", [1, 2, 3], [v["version_no"] for v in r.json["versions"]])
check("versions who", ["him.tech", "clinician", "clinician"], [v["changed_by"] for v in r.json["versions"]])
check("versions why", [None, "wrong side"], [v["reason"] for v in r.json["versions"][:2]])
r = call("GET", "/api/v1/documents/%d/versions/1" % D, token=CLIN)
check("version 1 text", V1, (r.json or {}).get("content"))
check("version 1 status", "final", r.json["version"]["status"])
r = call("GET", "/api/v1/documents/%d/versions/9" % D, token=CLIN)
check("version 9 404", 404, r.status)
r = call("GET", "/api/v1/documents/%d/versions/2/content" % D, token=CLIN)
check("content v2 bytes", V2.encode(), r.raw)
truthy("content disposition attachment", r.headers.get("content-disposition", "").startswith("attachment"))
truthy("content type text", r.headers.get("content-type", "").startswith("text/plain"))
r = call("GET", "/api/v1/documents/%d/versions/3/content" % D, token=CLIN)
truthy("addendum appended", b"late note" in r.raw and V2.encode() in r.raw)
r = call("GET", "/api/v1/documents/%d/versions/1/content" % DB_, token=CLIN)
check("binary download bytes == uploaded", BIN, r.raw)
check("binary content type", "application/pdf", r.headers.get("content-type"))
r = call("GET", "/api/v1/documents/%d/versions/1" % DB_, token=CLIN)
check("binary version has no text", None, (r.json or {}).get("content", "absent"))
r = call("POST", "/api/v1/documents/%d/error" % DB_, {"reason": "wrong patient"}, token=CLIN, headers={"If-Match": '"v1"'})
check("entered-in-error 200", 200, r.status); check("status eie", "entered-in-error", r.json["current"]["status"])
r = call("GET", "/api/v1/patients/%d/documents" % P, token=CLIN)
check("document list", 2, r.json["total"])
r = call("GET", "/api/v1/documents/424242", token=CLIN)
check("unknown document 404", 404, r.status)

# ---- observations
r = call("POST", "/api/v1/patients/%d/observations" % P, {"code": "2345-7", "title": "Glucose", "value": "182",
         "units": "mg/dL", "ref_range": "70-99", "abnormal_flag": "H", "observed_at": "2024-05-02T06:00Z", "encounter_id": E}, token=CLIN)
check("observation 201", 201, r.status)
check("observation value", ("182", "H", "70-99"), (r.json["value"], r.json["abnormal_flag"], r.json["ref_range"]))
r = call("POST", "/api/v1/patients/%d/observations" % P, {"code": "8867-4", "value": "72", "units": "/min"}, token=CLIN)
r = call("POST", "/api/v1/patients/%d/observations" % P, {"code": "2345-7", "value_type": "NM", "value": "high"}, token=CLIN)
check("NM value not a number 400", 400, r.status); check("value named", "value", r.err_field())
r = call("GET", "/api/v1/patients/%d/observations?code=2345-7&current=1" % P, token=CLIN)
check("observations by code", ["2345-7"], [o["code"] for o in r.json["items"]])
r = call("GET", "/api/v1/patients/%d/observations" % P, token=CLIN)
check("observations total", 2, r.json["total"])

# ---- minimum necessary: the analyst
AN = login("analyst").json["token"]
r = call("GET", "/api/v1/patients/%d" % P, token=AN)
check("analyst view 200", 200, r.status)
leak = [k for k in ("name", "names", "identifiers", "mrn", "addresses", "phones", "email") if k in (r.json or {})]
check("analyst sees no identifiers", [], leak)
check("analyst birth year only", "1961", r.json.get("birth_date"))
truthy("no SSN/MRN/name anywhere", all(s not in r.raw.decode() for s in ("6789", "000123", "Smith", "Omaha", "402")))
r = call("GET", "/api/v1/patients?name=smith", token=AN)
check("analyst name search 403", 403, r.status); check("analyst name search field", "name", r.err_field())
r = call("GET", "/api/v1/patients?mrn=000123", token=AN)
check("analyst MRN search 403", 403, r.status)
r = call("GET", "/api/v1/patients?birth_date=1961-04-12", token=AN)
check("analyst exact birth date search 403", 403, r.status)
r = call("GET", "/api/v1/patients?birth_date=1961", token=AN)
check("analyst year search 200", 200, r.status)
check("analyst search items redacted", [], [i for i in r.json["items"] if "family" in i or len(i.get("birth_date") or "") > 4])
r = call("GET", "/api/v1/patients/%d/encounters" % P, token=AN)
check("analyst encounters without account number", [], [e for e in r.json["items"] if "account_number" in e])
r = call("GET", "/api/v1/patients/%d/documents" % P, token=AN)
check("analyst has no document.read", 403, r.status)

# ---- lockout: failed sign-ins are counted even though they answer 401
for i in range(5):
    r = call("POST", "/api/v1/session", {"username": "lock.me", "password": "not-the-password", "mode": "bearer"})
r = call("POST", "/api/v1/session", {"username": "lock.me", "password": PW, "mode": "bearer"})
check("locked after 5 failures: right password refused", 401, r.status)
r = call("POST", "/api/v1/session", {"username": "no.such.user", "password": PW, "mode": "bearer"})
check("unknown user 401", 401, r.status)

# ---- audit, as the privacy officer
PRIV = login("privacy").json["token"]
r = call("GET", "/api/v1/audit?patient_id=%d&limit=1000" % P, token=PRIV)
check("audit search 200", 200, r.status)
acts = [e["action"] for e in r.json["items"]]
for a in ("patient.create", "patient.view", "patient.update", "encounter.create", "document.create",
          "document.amend", "document.view", "document.download", "observation.create"):
    truthy("audited %s" % a, a in acts)
views = [e for e in r.json["items"] if e["action"] == "patient.view" and e["username"] == "analyst"]
check("analyst's view audited once", 1, len(views))
r = call("GET", "/api/v1/audit?action=patient.search&user=him.tech&limit=1000", token=PRIV)
dets = [e["detail"] for e in r.json["items"]]
truthy("search audited with terms and count", any("name=smi" in d and "results=2" in d for d in dets))
check("one entry per search (4 searches by him.tech)", 4, r.json["total"])
r = call("GET", "/api/v1/audit?action=auth.login_failed", token=PRIV)
truthy("failed sign-in audited with reason", any("bad_password" in (e["detail"] or "") for e in r.json["items"]))
r = call("GET", "/api/v1/audit?action=auth.login_failed&user=lock.me", token=PRIV)
check("lockout: 6 failures audited", 6, r.json["total"])
truthy("lockout reason audited", "reason=locked" in [e["detail"] for e in r.json["items"]])
r = call("GET", "/api/v1/audit?action=auth.login_failed&user=no.such.user", token=PRIV)
check("unknown user audited", ["reason=unknown_user"], [e["detail"] for e in r.json["items"]])
r = call("GET", "/api/v1/audit?action=access.denied&user=analyst", token=PRIV)
truthy("analyst refusals audited", r.json["total"] >= 3)
r = call("GET", "/api/v1/audit?from=tomorrow", token=PRIV)
check("audit bad from 400", 400, r.status); check("audit from named", "from", r.err_field())
r = call("GET", "/api/v1/audit/verify", token=PRIV)
check("verify ok", True, (r.json or {}).get("ok")); truthy("verify checked", (r.json or {}).get("checked", 0) > 10)
r = call("GET", "/api/v1/audit/export?format=fhir&patient_id=%d" % P, token=PRIV)
check("export fhir 200", 200, r.status)
check("export fhir bundle", "Bundle", json.loads(r.raw).get("resourceType") if r.status == 200 else None)
r = call("GET", "/api/v1/audit/export?format=syslog", token=PRIV)
check("export syslog 200", 200, r.status); truthy("syslog lines", r.raw.startswith(b"<"))
r = call("GET", "/api/v1/audit/export?format=xml", token=PRIV)
check("export bad format 400", 400, r.status)
r = call("GET", "/api/v1/patients/%d/access-report" % P, token=PRIV)
check("access report 200", 200, r.status)
truthy("access report lists the analyst", "analyst" in [i["username"] for i in r.json["items"]])
r = call("GET", "/api/v1/audit", token=TECH)
check("technician cannot read audit 403", 403, r.status)

# ---- users
ADM = login("admin").json["token"]
r = call("GET", "/api/v1/users", token=ADM)
check("users list", True, "privacy" in [u["username"] for u in r.json["items"]])
r = call("POST", "/api/v1/users", {"username": "coder1", "display_name": "Coder One", "roles": ["coder"], "password": PW}, token=ADM)
check("user create 201", 201, r.status); check("user roles", ["coder"], (r.json or {}).get("roles"))
r = call("POST", "/api/v1/users", {"username": "coder2", "roles": ["coder", "wizard"], "password": PW}, token=ADM)
check("bad role 400", 400, r.status); check("bad role named", "roles[1]", r.err_field())
r = call("PATCH", "/api/v1/users/coder1", {"roles": ["coder", "coding_auditor"]}, token=ADM)
check("roles change", ["coder", "coding_auditor"], (r.json or {}).get("roles"))
r = call("PATCH", "/api/v1/users/coder1", {"disabled": "yes"}, token=ADM)
check("disabled wrong type 400", 400, r.status)
r = call("PATCH", "/api/v1/users/nobody", {"disabled": True}, token=ADM)
check("unknown user 404", 404, r.status)
r = call("POST", "/api/v1/users/coder1/password", {"password": "another-password-456"}, token=ADM)
check("password reset 204", 204, r.status)
r = call("POST", "/api/v1/session", {"username": "coder1", "password": "another-password-456", "mode": "bearer"})
check("new password works", 200, r.status)
r = call("GET", "/api/v1/users", token=TECH)
check("technician cannot list users 403", 403, r.status)

# ---- every request body of the OpenAPI document: bad bodies are 400 with a field, never 5xx
ALL = login("all").json["token"]
spec = call("GET", "/api/v1/openapi.json").json
subst = {"/api/v1/patients/{id}": P, "/api/v1/encounters/{id}": E, "/api/v1/documents/{id}": D}
for path, item in sorted(spec["paths"].items()):
    for method, o in sorted(item.items()):
        if "requestBody" not in o:
            continue
        concrete = path.replace("{username}", "coder1").replace("{n}", "1")
        for prefix, ident in subst.items():
            if concrete.startswith(prefix):
                concrete = concrete.replace("{id}", str(ident), 1)
                break
        # any other id: the body is checked before the id is looked up, so a made-up one serves
        concrete = concrete.replace("{id}", "1")
        hdrs = {}
        if any(prm.get("name") == "If-Match" for prm in o.get("parameters", [])):
            # the resource whose ETag the change must name: the abstract for its routes
            base = concrete[:concrete.index("/abstract") + 9] if "/abstract" in concrete \
                else "/".join(concrete.split("/")[:5])
            hdrs["If-Match"] = call("GET", base, token=ALL).headers.get("etag", "")
        for label, raw in (("malformed", b'{"a":'), ("non-object", b'["x"]'), ("unknown field", b'{"zz_unknown": 1}'),
                           ("empty", b'')):
            if label == "empty" and not o["requestBody"].get("required", False):
                continue  # an optional body (sign: the role defaults to author; scan)
            r = call(method.upper(), concrete, raw=raw, token=ALL, headers=hdrs)
            check("%s %s %s body -> 400" % (method.upper(), path, label), 400, r.status)
            if label == "unknown field":
                check("%s %s unknown field named" % (method.upper(), path), "zz_unknown", r.err_field())

# ---- sign-out
r = call("DELETE", "/api/v1/session", token=TECH)
check("sign out 204", 204, r.status)
r = call("GET", "/api/v1/session", token=TECH)
check("token dead after sign-out 401", 401, r.status)
r = call("DELETE", "/api/v1/session", cookie=COOKIE, csrf=CSRF)
check("cookie sign out 204", 204, r.status)
truthy("cookie cleared", any(c.startswith("folio_session=") and "Max-Age=0" in c for c in r.cookies))
r = call("GET", "/api/v1/audit?action=auth.logout", token=PRIV)
check("sign-outs audited", 2, r.json["total"])

print("PY %d %d" % (passed, failed))
PY
cat "$T_TMP/py.out"
counts=$(sed -n 's/^PY \([0-9]*\) \([0-9]*\)$/\1 \2/p' "$T_TMP/py.out")
if [ -z "$counts" ]; then bad "the API client stopped early (see above)"; counts="0 0"; fi
T_PASS=$((T_PASS + ${counts% *})); T_FAIL=$((T_FAIL + ${counts#* }))

kill -TERM "$SRV"; wait "$SRV"; rc=$?
check "server exits 0 on SIGTERM (sanitizers clean)" 0 "$rc"
[ "$rc" -eq 0 ] || tail -n 30 "$T_TMP/serve.err"
done_testing

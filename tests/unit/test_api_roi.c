/* Release of information through a real server (tests/support/http_client.h) on the backend
 * under test (docs/roi.md "HTTP API"): intake for a patient (deadline, extension, fee) and for an
 * attorney with an authorization; the checklist of an incomplete authorization and the refusal to
 * validate under it (409 authorization), an expired one refused, a valid one accepted; the
 * document picker leaving out a Part 2 record the authorization does not name, and the packet
 * refusing it; a packet made and its PDF fetched (%PDF, SHA-256 of the bytes = the packet's);
 * QA refused to the packet's maker and passed by a second user, then the release; the accounting
 * listing what 164.528 lists and not the excluded disclosures, and its PDF; revocation; denial;
 * bad input naming the field; permissions (403 without roi.read, roi.read without roi.write);
 * the audit entries. The server runs on the real clock: dates are chosen far from today. */
#include "folio/base.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "folio/audit.h"
#include "folio/crypto.h"
#include "folio/json.h"
#include "folio/records.h"
#include "folio/time.h"
#include "http_client.h"
#include "server/server.h"
#include "testdb.h"

static struct http_fixture F;
static int64_t PID; /* the test's patient */
static int64_t D_NOTE, D_PART2,
    D_DS;                    /* its documents: a note, a Part 2 note, a discharge summary */
static int64_t ATTORNEY_REQ; /* the attorney's request (released by test_packet_qa) */

/* Fixture users: index = role bit (policy.c order), 10 = every role. */
enum { U_CODER = 2, U_ROI = 4, U_PRIVACY = 5, U_ALL = 10 };

static int64_t mk_doc(const struct folio_chart *c, const char *type, const char *at,
                      const char *text, const char *tag)
{
    struct folio_document_new d;
    struct folio_err err;
    int64_t id = 0;

    folio_err_clear(&err);
    memset(&d, 0, sizeof d);
    d.patient_id = PID;
    d.type_code = type;
    d.service_at = at;
    d.content = text;
    d.content_len = strlen(text);
    if (folio_document_create(c, &d, &id, NULL, &err) != FOLIO_OK)
        fail_msg("document: %s", err.msg);
    if (tag && folio_document_tag_add(c, id, tag, "test", &err) != FOLIO_OK)
        fail_msg("tag: %s", err.msg);
    return id;
}

static int setup(void **state)
{
    struct folio_identifier mrn = {.kind = "MR", .assigner = "MAIN", .value = "ROI-API-1"};
    struct folio_patient_new p = {.name = {.family = "Release", .given = "Rita"},
                                  .birth_date = "1971-04-05",
                                  .sex = "F",
                                  .ids = &mrn,
                                  .n_ids = 1};
    struct folio_chart c;
    struct folio_err err;

    (void)state;
    http_fixture_start(&F, true);
    c.store = F.db;
    c.key = &F.key;
    c.actor = "fixture";
    folio_err_clear(&err);
    if (folio_facility_ensure(&c, "MAIN", "Main Hospital", NULL, &err) != FOLIO_OK ||
        folio_patient_create(&c, &p, &PID, &err) != FOLIO_OK)
        fail_msg("patient: %s", err.msg);
    D_NOTE = mk_doc(&c, "11506-3", "2023-03-01T09:00:00Z", "Progress note: synthetic text.", NULL);
    D_PART2 =
        mk_doc(&c, "11506-3", "2023-04-01T09:00:00Z", "Program note: synthetic.", "sud_part2");
    D_DS = mk_doc(&c, "18842-5", "2023-05-01T09:00:00Z", "Discharge summary: synthetic.", NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    http_fixture_stop(&F);
    return 0;
}

/* ---------------------------------------------------------------- HTTP helpers */

struct res {
    int status;
    json_t *j; /* body as JSON, or NULL */
    char ctype[128], disp[160], location[160];
    char *raw; /* body */
    size_t raw_len;
};

static void res_free(struct res *r)
{
    json_decref(r->j);
    free(r->raw);
    memset(r, 0, sizeof *r);
}

static struct res call_port(unsigned port, int user, const char *method, const char *path,
                            const char *body)
{
    struct http_req q;
    struct http_resp resp;
    struct res out;
    json_error_t je;
    char hdr[512];

    memset(&out, 0, sizeof out);
    (void)folio_snprintf(hdr, sizeof hdr, "Authorization: Bearer %s\r\n%s", F.tokens[user],
                         body ? "Content-Type: application/json\r\n" : "");
    memset(&q, 0, sizeof q);
    q.method = method;
    q.path = path;
    q.headers = hdr;
    q.body = body;
    q.body_len = body ? strlen(body) : 0;
    q.content_length = -1;
    if (http_do(NULL, port, &q, &resp) != 0)
        fail_msg("%s %s: no response", method, path);
    out.status = resp.status;
    if (resp.status >= 500)
        fail_msg("%s %s: %d %s", method, path, resp.status, resp.body);
    out.j = json_loadb(resp.body, resp.body_len, 0, &je);
    if (!http_header(&resp, "Content-Type", out.ctype, sizeof out.ctype))
        out.ctype[0] = '\0';
    if (!http_header(&resp, "Content-Disposition", out.disp, sizeof out.disp))
        out.disp[0] = '\0';
    if (!http_header(&resp, "Location", out.location, sizeof out.location))
        out.location[0] = '\0';
    out.raw = resp.body;
    out.raw_len = resp.body_len;
    resp.body = NULL;
    http_resp_free(&resp);
    return out;
}

static struct res call(int user, const char *method, const char *path, const char *body)
{
    return call_port(F.port, user, method, path, body);
}

static const char *err_field(const struct res *r)
{
    return json_string_value(json_object_get(json_object_get(r->j, "error"), "field"));
}

static void expect_status(const struct res *r, int status, const char *what)
{
    if (r->status != status)
        fail_msg("%s: HTTP %d, expected %d: %.400s", what, r->status, status,
                 r->raw ? r->raw : "(no body)");
}

static void expect_field(const struct res *r, int status, const char *field, const char *what)
{
    const char *f;

    expect_status(r, status, what);
    f = err_field(r);
    if (!f || strcmp(f, field) != 0)
        fail_msg("%s: error field %s, expected %s (%.400s)", what, f ? f : "(none)", field,
                 r->raw ? r->raw : "");
}

static void expect_err(int user, const char *method, const char *path, const char *body, int status,
                       const char *field)
{
    struct res r = call(user, method, path, body);

    expect_field(&r, status, field, path);
    res_free(&r);
}

static void expect(int user, const char *method, const char *path, const char *body, int status)
{
    struct res r = call(user, method, path, body);

    expect_status(&r, status, path);
    res_free(&r);
}

static int64_t jint(const json_t *o, const char *k)
{
    return (int64_t)json_integer_value(json_object_get(o, k));
}

static const char *jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* prefix + id + suffix, in one of four rotating buffers. */
static const char *pathf(const char *prefix, int64_t id, const char *suffix)
{
    static char p[4][256];
    static int k;

    k = (k + 1) % 4;
    (void)folio_snprintf(p[k], sizeof p[k], "%s%lld%s", prefix, (long long)id, suffix);
    return p[k];
}

static const char *bodyf(const char *fmt, ...)
{
    static char b[4][2048];
    static int k;
    va_list ap;

    k = (k + 1) % 4;
    va_start(ap, fmt);
    (void)vsnprintf(b[k], sizeof b[k], fmt, ap);
    va_end(ap);
    return b[k];
}

static int64_t audit_count(const char *action, int64_t patient_id)
{
    struct folio_audit_query aq;
    struct folio_audit_page page;
    struct folio_arena a;
    struct folio_err err;
    int64_t n;

    folio_err_clear(&err);
    folio_arena_init(&a, 0);
    memset(&aq, 0, sizeof aq);
    aq.action = action;
    aq.patient_id = patient_id;
    if (folio_audit_search(F.db, &aq, &a, &page, &err) != FOLIO_OK)
        fail_msg("audit search: %s", err.msg);
    n = page.total;
    folio_arena_release(&a);
    return n;
}

/* One integer read from the test's own connection ("SELECT COUNT(*) ... WHERE x = ?"). */
static int64_t db_i64(const char *sql, int64_t arg)
{
    struct folio_err err;
    int64_t v = -1;

    folio_err_clear(&err);
    if (folio_store_exec_fmt(F.db, &v, NULL, NULL, &err, sql, "i", arg) != FOLIO_OK)
        fail_msg("%s: %s", sql, err.msg);
    return v;
}

/* Today's UTC date plus days. */
static void date_plus(int64_t days, char out[11])
{
    char now[32];
    int y, m, d;

    folio_time_now_utc(now);
    y = (now[0] - '0') * 1000 + (now[1] - '0') * 100 + (now[2] - '0') * 10 + (now[3] - '0');
    m = (now[5] - '0') * 10 + (now[6] - '0');
    d = (now[8] - '0') * 10 + (now[9] - '0');
    folio_date_format_days(folio_days_from_civil(y, m, d) + days, out);
}

/* The checklist item of element in an authorization. */
static json_t *check_item(json_t *auth, const char *element)
{
    json_t *it;
    size_t i;

    json_array_foreach(json_object_get(json_object_get(auth, "checklist"), "items"), i, it)
    {
        if (strcmp(jstr(it, "element"), element) == 0)
            return it;
    }
    fail_msg("no checklist item %s", element);
    return NULL;
}

static const char *verdict(json_t *auth)
{
    return jstr(json_object_get(auth, "checklist"), "verdict");
}

/* A complete authorization for the attorney, expiring on expires_on; returns its id. */
static int64_t mk_auth(const char *expires_on, const char *sensitive)
{
    struct res r =
        call(U_ROI, "POST", pathf("/api/v1/patients/", PID, "/authorizations"),
             bodyf("{\"description\":\"records of 2023\",\"discloser\":\"Main Hospital HIM\","
                   "\"recipient\":\"Lawyer & Partners LLP\",\"purpose\":\"at the request of the "
                   "individual\",\"expires_on\":\"%s\",\"signed_by\":\"Rita Release\","
                   "\"signed_on\":\"2024-01-15\",\"stmt_revoke\":true,\"stmt_conditioning\":true,"
                   "\"stmt_redisclosure\":true,\"sensitive\":%s}",
                   expires_on, sensitive));
    int64_t id;

    expect_status(&r, 201, "authorization");
    id = jint(r.j, "id");
    res_free(&r);
    return id;
}

static struct res move(int user, int64_t req, const char *to)
{
    return call(user, "POST", pathf("/api/v1/roi/requests/", req, "/status"),
                bodyf("{\"to\":\"%s\"}", to));
}

static void move_ok(int user, int64_t req, const char *to)
{
    struct res r = move(user, req, to);

    expect_status(&r, 200, to);
    assert_string_equal(jstr(r.j, "status"), to);
    res_free(&r);
}

static bool has_doc(json_t *arr, int64_t id)
{
    json_t *it;
    size_t i;

    json_array_foreach(arr, i, it)
    {
        if (jint(it, "document_id") == id)
            return true;
    }
    return false;
}

/* ---------------------------------------------------------------- a patient's own request */

static void test_patient_request(void **state)
{
    struct res r;
    char due[11], due2[11];
    int64_t id, intakes = audit_count("roi.intake", PID);
    json_t *it;
    size_t i;
    bool found = false;

    (void)state;
    r = call(U_ROI, "POST", "/api/v1/roi/requests",
             bodyf("{\"patient_id\":%lld,\"requester_type\":\"patient\",\"requester_name\":\"Rita "
                   "Release\",\"purpose\":\"personal records\",\"delivery\":\"portal\","
                   "\"doc_types\":[\"18842-5\"]}",
                   (long long)PID));
    expect_status(&r, 201, "patient intake");
    id = jint(r.j, "id");
    assert_true(id > 0);
    assert_non_null(strstr(r.location, "/api/v1/roi/requests/"));
    assert_string_equal(jstr(r.j, "status"), "received");
    assert_string_equal(jstr(r.j, "requester_type"), "patient");
    assert_string_equal(jstr(r.j, "basis"), "individual");
    assert_true(json_is_false(json_object_get(r.j, "needs_authorization")));
    assert_true(json_is_null(json_object_get(r.j, "authorization")));
    date_plus(30, due);
    assert_string_equal(jstr(r.j, "due_on"), due); /* 164.524(b)(2)(i) */
    assert_int_equal(jint(r.j, "days_left"), 30);
    assert_string_equal(json_string_value(json_array_get(json_object_get(r.j, "doc_types"), 0)),
                        "18842-5");
    assert_string_equal(jstr(json_object_get(r.j, "patient"), "name"), "Release, Rita");
    assert_string_equal(jstr(json_object_get(r.j, "patient"), "mrn"), "ROI-API-1");
    assert_string_equal(jstr(json_object_get(r.j, "patient"), "birth_date"), "1971-04-05");
    assert_string_equal(jstr(json_array_get(json_object_get(r.j, "events"), 0), "action"),
                        "receive");
    res_free(&r);
    assert_int_equal(audit_count("roi.intake", PID), intakes + 1);

    /* the queue, by due date, with the patient's name */
    r = call(U_ROI, "GET", "/api/v1/roi/requests", NULL);
    expect_status(&r, 200, "queue");
    assert_non_null(jstr(r.j, "today"));
    json_array_foreach(json_object_get(r.j, "items"), i, it)
    {
        if (jint(it, "id") == id) {
            found = true;
            assert_string_equal(jstr(it, "patient_name"), "Release, Rita");
            assert_string_equal(jstr(it, "mrn"), "ROI-API-1");
            assert_string_equal(jstr(it, "due_on"), due);
            assert_int_equal(jint(it, "days_open"), 0);
            assert_true(json_is_false(json_object_get(it, "overdue")));
        }
    }
    assert_true(found);
    res_free(&r);
    r = call(U_ROI, "GET", "/api/v1/roi/requests?status=released", NULL);
    expect_status(&r, 200, "queue released");
    res_free(&r);

    /* the one extension, with its reason */
    expect_err(U_ROI, "POST", pathf("/api/v1/roi/requests/", id, "/extension"), "{}", 400,
               "reason");
    r = call(U_ROI, "POST", pathf("/api/v1/roi/requests/", id, "/extension"),
             "{\"reason\":\"records in off-site storage\"}");
    expect_status(&r, 200, "extension");
    date_plus(60, due2);
    assert_string_equal(jstr(r.j, "due_on"), due2);
    assert_string_equal(jstr(r.j, "original_due_on"), due);
    assert_string_equal(jstr(r.j, "extension_reason"), "records in off-site storage");
    res_free(&r);
    expect_err(U_ROI, "POST", pathf("/api/v1/roi/requests/", id, "/extension"),
               "{\"reason\":\"again\"}", 409, "extension");

    /* the fee: flat for an electronic copy, cost-based otherwise */
    r = call(U_ROI, "PUT", pathf("/api/v1/roi/requests/", id, "/fee"),
             "{\"method\":\"flat\",\"flat_cents\":650,\"electronic\":true}");
    expect_status(&r, 200, "flat fee");
    assert_int_equal(jint(r.j, "total_cents"), 650);
    res_free(&r);
    expect_err(U_ROI, "PUT", pathf("/api/v1/roi/requests/", id, "/fee"),
               "{\"method\":\"flat\",\"flat_cents\":650}", 400, "method");
    expect_err(U_ROI, "PUT", pathf("/api/v1/roi/requests/", id, "/fee"),
               "{\"method\":\"cost\",\"pages\":-1}", 400, "pages");
    expect_err(U_ROI, "PUT", pathf("/api/v1/roi/requests/", id, "/fee"), "{\"method\":\"free\"}",
               400, "method");
    r = call(U_ROI, "PUT", pathf("/api/v1/roi/requests/", id, "/fee"),
             "{\"method\":\"cost\",\"labor_minutes\":15,\"labor_cents_per_hour\":2000,"
             "\"pages\":10,\"supply_cents_per_page\":10,\"postage_cents\":150,\"mailed\":true}");
    expect_status(&r, 200, "cost fee");
    assert_int_equal(jint(r.j, "labor_cents"), 500);
    assert_int_equal(jint(r.j, "supplies_cents"), 100);
    assert_int_equal(jint(r.j, "postage_cents"), 150);
    assert_int_equal(jint(r.j, "total_cents"), 750);
    res_free(&r);
    r = call(U_ROI, "GET", pathf("/api/v1/roi/requests/", id, ""), NULL);
    expect_status(&r, 200, "request with fee");
    assert_string_equal(jstr(json_object_get(r.j, "fee"), "method"), "cost");
    assert_int_equal(jint(json_object_get(r.j, "fee"), "total_cents"), 750);
    assert_int_equal(jint(json_object_get(json_object_get(r.j, "fee"), "params"), "pages"), 10);
    res_free(&r);

    /* the patient's picker: Part 2 records go to the patient (42 CFR 2.23); only the type asked */
    r = call(U_ROI, "GET", pathf("/api/v1/roi/requests/", id, "/documents"), NULL);
    expect_status(&r, 200, "patient's documents");
    assert_true(has_doc(json_object_get(r.j, "included"), D_DS));
    assert_false(has_doc(json_object_get(r.j, "included"), D_NOTE));
    res_free(&r);

    /* denial needs a reason */
    expect_err(U_ROI, "POST", pathf("/api/v1/roi/requests/", id, "/status"), "{\"to\":\"denied\"}",
               400, "reason");
    r = call(U_ROI, "POST", pathf("/api/v1/roi/requests/", id, "/status"),
             "{\"to\":\"denied\",\"reason\":\"the requester withdrew the request\"}");
    expect_status(&r, 200, "deny");
    assert_string_equal(jstr(r.j, "status"), "denied");
    assert_string_equal(jstr(r.j, "deny_reason"), "the requester withdrew the request");
    assert_true(json_is_null(json_object_get(r.j, "days_left")));
    res_free(&r);
    r = move(U_ROI, id, "validated");
    expect_field(&r, 409, "status", "validate a denied request");
    res_free(&r);
}

/* ---------------------------------------------------------------- authorizations */

static void test_authorizations(void **state)
{
    struct res r;
    char exp_future[11];
    int64_t bad_auth, old_auth, good_auth, id;
    json_t *it;
    size_t i;
    bool seen = false;

    (void)state;
    date_plus(365, exp_future);
    /* an incomplete authorization is stored; the checklist lists what is missing */
    r = call(U_ROI, "POST", pathf("/api/v1/patients/", PID, "/authorizations"),
             bodyf("{\"description\":\"all records\",\"discloser\":\"Main Hospital\","
                   "\"purpose\":\"litigation\",\"expires_on\":\"%s\",\"signed_by\":\"Rita "
                   "Release\",\"signed_on\":\"2024-01-15\",\"stmt_revoke\":true,"
                   "\"stmt_conditioning\":true}",
                   exp_future));
    expect_status(&r, 201, "incomplete authorization");
    bad_auth = jint(r.j, "id");
    assert_string_equal(verdict(r.j), "incomplete");
    assert_int_equal(jint(json_object_get(r.j, "checklist"), "n_missing"), 2);
    assert_true(json_is_false(json_object_get(check_item(r.j, "recipient"), "present")));
    assert_true(json_is_true(json_object_get(check_item(r.j, "description"), "present")));
    assert_string_equal(jstr(check_item(r.j, "recipient"), "citation"),
                        "45 CFR 164.508(c)(1)(iii)");
    assert_non_null(jstr(json_object_get(r.j, "checklist"), "verdict_citation"));
    res_free(&r);

    /* the attorney's request under it: taken in, but not validated */
    r = call(U_ROI, "POST", "/api/v1/roi/requests",
             bodyf("{\"patient_id\":%lld,\"requester_type\":\"attorney_authorization\","
                   "\"requester_name\":\"Lawyer & Partners LLP\",\"requester_address\":\"1 Court "
                   "St\",\"purpose\":\"litigation\",\"delivery\":\"mail\",\"date_from\":"
                   "\"2023-01-01\",\"date_to\":\"2023-12-31\",\"authorization_id\":%lld}",
                   (long long)PID, (long long)bad_auth));
    expect_status(&r, 201, "attorney intake");
    id = ATTORNEY_REQ = jint(r.j, "id");
    assert_true(json_is_true(json_object_get(r.j, "needs_authorization")));
    assert_true(json_is_null(json_object_get(r.j, "due_on")));
    assert_true(json_is_null(json_object_get(r.j, "days_left")));
    assert_string_equal(verdict(json_object_get(r.j, "authorization")), "incomplete");
    res_free(&r);
    r = move(U_ROI, id, "validated");
    expect_field(&r, 409, "authorization", "validate under an incomplete authorization");
    assert_non_null(strstr(jstr(json_object_get(r.j, "error"), "message"), "164.508"));
    res_free(&r);

    /* an expired one is refused too */
    old_auth = mk_auth("2020-12-31", "[]");
    r = call(U_ROI, "GET", pathf("/api/v1/roi/authorizations/", old_auth, ""), NULL);
    expect_status(&r, 200, "expired authorization");
    assert_string_equal(verdict(r.j), "expired");
    assert_int_equal(jint(json_object_get(r.j, "checklist"), "n_missing"), 0);
    res_free(&r);
    r = call(U_ROI, "POST", pathf("/api/v1/roi/requests/", id, "/authorization"),
             bodyf("{\"authorization_id\":%lld}", (long long)old_auth));
    expect_status(&r, 200, "link expired");
    assert_int_equal(jint(json_object_get(r.j, "authorization"), "id"), old_auth);
    res_free(&r);
    r = move(U_ROI, id, "validated");
    expect_field(&r, 409, "authorization", "validate under an expired authorization");
    assert_non_null(strstr(jstr(json_object_get(r.j, "error"), "message"), "expired"));
    res_free(&r);

    /* a valid one that names no sensitive category */
    good_auth = mk_auth(exp_future, "[]");
    expect(U_ROI, "POST", pathf("/api/v1/roi/requests/", id, "/authorization"),
           bodyf("{\"authorization_id\":%lld}", (long long)good_auth), 200);
    move_ok(U_ROI, id, "validated");
    /* linking again once validated is refused */
    expect_err(U_ROI, "POST", pathf("/api/v1/roi/requests/", id, "/authorization"),
               bodyf("{\"authorization_id\":%lld}", (long long)good_auth), 409, "status");

    /* the patient's authorizations, each with its checklist */
    r = call(U_ROI, "GET", pathf("/api/v1/patients/", PID, "/authorizations"), NULL);
    expect_status(&r, 200, "authorizations");
    assert_true(json_array_size(json_object_get(r.j, "items")) >= 3);
    json_array_foreach(json_object_get(r.j, "items"), i, it)
    {
        if (jint(it, "id") == good_auth) {
            seen = true;
            assert_string_equal(verdict(it), "valid");
            assert_int_equal(
                json_array_size(json_object_get(json_object_get(it, "checklist"), "items")), 9);
        }
    }
    assert_true(seen);
    res_free(&r);

    /* revocation: once */
    r = call(U_ROI, "POST", pathf("/api/v1/roi/authorizations/", bad_auth, "/revocation"),
             "{\"note\":\"written revocation received\"}");
    expect_status(&r, 200, "revoke");
    assert_string_equal(verdict(r.j), "revoked");
    assert_non_null(jstr(r.j, "revoked_on"));
    res_free(&r);
    expect_err(U_ROI, "POST", pathf("/api/v1/roi/authorizations/", bad_auth, "/revocation"), "{}",
               409, "revoked_on");
    expect_err(U_ROI, "GET", "/api/v1/roi/authorizations/999999", NULL, 404, "id");
}

/* ---------------------------------------------------------------- picker, packet, QA, release */

static void test_packet_qa(void **state)
{
    struct res r;
    const json_t *ex;
    json_t *pk;
    char sha[FOLIO_SHA256_HEX_LEN + 1], want[FOLIO_SHA256_HEX_LEN + 1];
    int64_t id = ATTORNEY_REQ, packet_id;
    size_t i;
    bool found = false;

    (void)state;
    assert_true(id > 0);
    /* the picker: the Part 2 note is left out, with the rule */
    r = call(U_ROI, "GET", pathf("/api/v1/roi/requests/", id, "/documents"), NULL);
    expect_status(&r, 200, "documents");
    assert_true(has_doc(json_object_get(r.j, "included"), D_NOTE));
    assert_true(has_doc(json_object_get(r.j, "included"), D_DS));
    assert_false(has_doc(json_object_get(r.j, "included"), D_PART2));
    assert_true(json_is_true(json_object_get(r.j, "auth_valid")));
    assert_true(json_is_false(json_object_get(r.j, "part2_notice")));
    json_array_foreach(json_object_get(r.j, "excluded"), i, ex)
    {
        if (jint(ex, "document_id") == D_PART2) {
            found = true;
            assert_string_equal(json_string_value(json_array_get(json_object_get(ex, "tags"), 0)),
                                "sud_part2");
            assert_non_null(jstr(ex, "reason"));
            assert_non_null(strstr(jstr(ex, "cite"), "42 CFR 2"));
        }
    }
    assert_true(found);
    res_free(&r);

    /* a packet only once pulled */
    expect_err(U_ROI, "POST", pathf("/api/v1/roi/requests/", id, "/packets"),
               bodyf("{\"document_ids\":[%lld]}", (long long)D_NOTE), 409, "status");
    move_ok(U_ROI, id, "pulled");
    /* qa needs a packet */
    r = move(U_ROI, id, "qa");
    expect_field(&r, 409, "packet", "qa without a packet");
    res_free(&r);
    /* the excluded Part 2 record is refused */
    r = call(U_ROI, "POST", pathf("/api/v1/roi/requests/", id, "/packets"),
             bodyf("{\"document_ids\":[%lld,%lld]}", (long long)D_NOTE, (long long)D_PART2));
    expect_status(&r, 400, "packet with the Part 2 record");
    assert_string_equal(err_field(&r), "document_ids[1]");
    res_free(&r);
    expect_err(U_ROI, "POST", pathf("/api/v1/roi/requests/", id, "/packets"),
               "{\"document_ids\":[]}", 400, "document_ids");
    expect_err(U_ROI, "POST", pathf("/api/v1/roi/requests/", id, "/packets"),
               "{\"document_ids\":[\"x\"]}", 400, "document_ids[0]");
    expect_err(U_ROI, "POST", pathf("/api/v1/roi/requests/", id, "/packets"),
               "{\"document_ids\":[999999]}", 400, "document_ids[0]");
    expect_err(U_ROI, "POST", pathf("/api/v1/roi/requests/", id, "/packets"),
               bodyf("{\"document_ids\":[%lld],\"emergency\":true}", (long long)D_NOTE), 400,
               "emergency_reason");
    expect_err(U_ROI, "POST", pathf("/api/v1/roi/requests/", id, "/packets"),
               bodyf("{\"document_ids\":[%lld],\"emergency_reason\":\"x\"}", (long long)D_NOTE),
               400, "emergency_reason");

    r = call(U_ROI, "POST", pathf("/api/v1/roi/requests/", id, "/packets"),
             bodyf("{\"document_ids\":[%lld,%lld]}", (long long)D_NOTE, (long long)D_DS));
    expect_status(&r, 201, "packet");
    packet_id = jint(r.j, "id");
    (void)folio_strlcpy(want, jstr(r.j, "sha256"), sizeof want);
    assert_int_equal(strlen(want), 64);
    assert_true(jint(r.j, "pages") >= 3); /* cover letter + one page per document */
    assert_int_equal(json_array_size(json_object_get(r.j, "document_ids")), 2);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(r.j, "document_ids"), 0)),
                     D_NOTE);
    assert_true(json_is_true(json_object_get(r.j, "redisclosure_notice")));
    assert_true(json_is_false(json_object_get(r.j, "part2_notice")));
    assert_string_equal(jstr(r.j, "created_by"), F.usernames[U_ROI]);
    assert_true(json_is_false(json_object_get(json_object_get(r.j, "qa"), "done")));
    res_free(&r);

    /* its PDF: the bytes hash to the recorded SHA-256 */
    r = call(U_PRIVACY, "GET", pathf("/api/v1/roi/packets/", packet_id, "/pdf"), NULL);
    expect_status(&r, 200, "packet pdf");
    assert_true(r.raw_len > 100);
    assert_memory_equal(r.raw, "%PDF", 4);
    assert_non_null(strstr(r.ctype, "application/pdf"));
    assert_non_null(
        strstr(r.disp, bodyf("ROI-%06lld-p%lld.pdf", (long long)id, (long long)packet_id)));
    folio_sha256_hex(r.raw, r.raw_len, sha);
    assert_string_equal(sha, want);
    {
        struct res g = call(U_ROI, "GET", pathf("/api/v1/roi/requests/", id, ""), NULL);

        expect_status(&g, 200, "request with packet");
        pk = json_array_get(json_object_get(g.j, "packets"), 0);
        assert_int_equal(jint(pk, "byte_size"), (int64_t)r.raw_len);
        assert_string_equal(jstr(pk, "sha256"), want);
        res_free(&g);
    }
    res_free(&r);
    expect_err(U_ROI, "GET", "/api/v1/roi/packets/999999/pdf", NULL, 404, "id");

    /* QA: not by the packet's maker; passed by a second user */
    move_ok(U_ROI, id, "qa");
    r = move(U_ROI, id, "released");
    expect_field(&r, 409, "qa", "release before QA");
    res_free(&r);
    expect_err(U_ROI, "POST", pathf("/api/v1/roi/requests/", id, "/qa"),
               "{\"right_patient\":true,\"right_records\":true,\"right_recipient\":true}", 409,
               "user");
    expect_err(U_ALL, "POST", pathf("/api/v1/roi/requests/", id, "/qa"),
               "{\"right_patient\":true,\"right_records\":true}", 400, "right_recipient");
    /* a failed check sends it back; the same packet cannot return to QA: a new one must be made */
    r = call(U_ALL, "POST", pathf("/api/v1/roi/requests/", id, "/qa"),
             "{\"right_patient\":true,\"right_records\":false,\"right_recipient\":true,"
             "\"note\":\"the progress note was not asked for\"}");
    expect_status(&r, 200, "failed qa");
    assert_true(json_is_false(json_object_get(r.j, "passed")));
    assert_string_equal(jstr(json_object_get(r.j, "request"), "status"), "pulled");
    res_free(&r);
    r = move(U_ROI, id, "qa");
    expect_field(&r, 409, "packet", "the failed packet back to qa");
    res_free(&r);
    r = call(U_ROI, "POST", pathf("/api/v1/roi/requests/", id, "/packets"),
             bodyf("{\"document_ids\":[%lld,%lld]}", (long long)D_NOTE, (long long)D_DS));
    expect_status(&r, 201, "a new packet");
    packet_id = jint(r.j, "id");
    res_free(&r);
    move_ok(U_ROI, id, "qa");
    r = call(U_ALL, "POST", pathf("/api/v1/roi/requests/", id, "/qa"),
             "{\"right_patient\":true,\"right_records\":true,\"right_recipient\":true,"
             "\"note\":\"checked against the authorization\"}");
    expect_status(&r, 200, "qa by a second user");
    assert_true(json_is_true(json_object_get(r.j, "passed")));
    /* the second packet, the one that goes */
    pk = json_array_get(json_object_get(json_object_get(r.j, "request"), "packets"), 1);
    assert_int_equal(jint(pk, "id"), packet_id);
    assert_true(json_is_true(json_object_get(json_object_get(pk, "qa"), "passed")));
    assert_string_equal(jstr(json_object_get(pk, "qa"), "by"), F.usernames[U_ALL]);
    res_free(&r);

    /* released: exactly one disclosure is logged, basis authorization, naming the packet */
    r = move(U_ROI, id, "released");
    expect_status(&r, 200, "release");
    assert_string_equal(jstr(r.j, "status"), "released");
    assert_non_null(jstr(r.j, "released_on"));
    assert_string_equal(jstr(r.j, "basis"), "authorization");
    res_free(&r);
    assert_int_equal(db_i64("SELECT COUNT(*) FROM roi_disclosure WHERE request_id = ?", id), 1);
    assert_int_equal(db_i64("SELECT COUNT(*) FROM roi_disclosure WHERE request_id = ? AND basis = "
                            "'authorization'",
                            id),
                     1);
    assert_int_equal(
        db_i64(bodyf("SELECT COUNT(*) FROM roi_disclosure WHERE request_id = ? AND description "
                     "LIKE '%%packet %lld%%'",
                     (long long)packet_id),
               id),
        1);
    assert_true(audit_count("roi.packet", PID) >= 1);
    assert_true(audit_count("roi.qa", PID) >= 1);
    assert_true(audit_count("roi.packet_pdf", PID) >= 1);
}

/* ---------------------------------------------------------------- accounting */

static void test_accounting(void **state)
{
    struct res r;
    json_t *it;
    size_t i;
    int64_t ph_id, n_ph = 0, n_other = 0;

    (void)state;
    /* a public health report (listed) and a disclosure for treatment (excluded) */
    r = call(U_ROI, "POST", pathf("/api/v1/patients/", PID, "/disclosures"),
             "{\"disclosed_on\":\"2024-06-01\",\"recipient\":\"County Health Department\","
             "\"description\":\"reportable condition report\",\"purpose\":\"disease "
             "surveillance\",\"basis\":\"public_health\"}");
    expect_status(&r, 201, "public health disclosure");
    ph_id = jint(r.j, "id");
    assert_string_equal(jstr(r.j, "cite"), "45 CFR 164.512(b)");
    res_free(&r);
    expect(U_ROI, "POST", pathf("/api/v1/patients/", PID, "/disclosures"),
           "{\"disclosed_on\":\"2024-06-02\",\"recipient\":\"Dr. Outside\","
           "\"description\":\"discharge summary\",\"purpose\":\"continuing care\","
           "\"basis\":\"tpo\"}",
           201);
    expect_err(U_ROI, "POST", pathf("/api/v1/patients/", PID, "/disclosures"),
               "{\"recipient\":\"x\",\"description\":\"y\",\"purpose\":\"z\",\"basis\":\"gossip\"}",
               400, "basis");
    expect_err(U_ROI, "POST", pathf("/api/v1/patients/", PID, "/disclosures"),
               "{\"recipient\":\"x\",\"description\":\"y\",\"purpose\":\"z\"}", 400, "basis");

    r = call(U_PRIVACY, "GET", pathf("/api/v1/patients/", PID, "/accounting"), NULL);
    expect_status(&r, 200, "accounting");
    assert_int_equal(jint(json_object_get(r.j, "patient"), "id"), PID);
    assert_string_equal(jstr(json_object_get(r.j, "patient"), "name"), "Release, Rita");
    json_array_foreach(json_object_get(r.j, "items"), i, it)
    {
        if (jint(it, "id") == ph_id) {
            n_ph++;
            assert_string_equal(jstr(it, "recipient"), "County Health Department");
            assert_string_equal(jstr(it, "basis"), "public_health");
            assert_string_equal(jstr(it, "disclosed_on"), "2024-06-01");
        } else {
            n_other++;
        }
    }
    assert_int_equal(n_ph, 1);
    /* neither the release under the authorization nor the treatment disclosure is listed */
    assert_int_equal(n_other, 0);
    assert_int_equal(jint(r.j, "n_excluded"), 2);
    res_free(&r);

    /* as of a date before the report: nothing listed */
    r = call(U_ROI, "GET", pathf("/api/v1/patients/", PID, "/accounting?on=2024-05-31"), NULL);
    expect_status(&r, 200, "accounting on a date");
    assert_string_equal(jstr(r.j, "requested_on"), "2024-05-31");
    assert_string_equal(jstr(r.j, "from"), "2018-05-31");
    assert_int_equal(json_array_size(json_object_get(r.j, "items")), 0);
    res_free(&r);
    expect_err(U_ROI, "GET", pathf("/api/v1/patients/", PID, "/accounting?on=2024-02-30"), NULL,
               400, "on");
    expect_err(U_ROI, "GET", pathf("/api/v1/patients/", PID, "/accounting?on=0001-01-01"), NULL,
               400, "on");
    expect_err(U_ROI, "GET", pathf("/api/v1/patients/", PID, "/accounting.pdf?on=0001-01-01"),
               NULL, 400, "on");

    r = call(U_ROI, "GET", pathf("/api/v1/patients/", PID, "/accounting.pdf"), NULL);
    expect_status(&r, 200, "accounting pdf");
    assert_memory_equal(r.raw, "%PDF", 4);
    assert_non_null(strstr(r.ctype, "application/pdf"));
    assert_non_null(strstr(r.disp, "attachment"));
    res_free(&r);
    expect_err(U_ROI, "GET", "/api/v1/patients/999999/accounting", NULL, 404, "id");
    assert_true(audit_count("roi.accounting", PID) >= 2);
}

/* ---------------------------------------------------------------- the letterhead */

static bool have_pdftotext(void)
{
    return system("command -v pdftotext >/dev/null 2>&1") == 0;
}

/* The text of a PDF body (pdftotext), heap; NULL when pdftotext is missing. */
static char *pdf_text(const struct res *r, const char *name)
{
    char pdf[400], txt[420], cmd[900];
    struct folio_buf b;
    struct folio_err err;
    FILE *fp;
    size_t len = 0;

    if (!have_pdftotext())
        return NULL;
    folio_err_clear(&err);
    (void)folio_snprintf(pdf, sizeof pdf, "%s/%s.pdf", F.dir, name);
    (void)folio_snprintf(txt, sizeof txt, "%s/%s.txt", F.dir, name);
    fp = fopen(pdf, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(r->raw, 1, r->raw_len, fp), r->raw_len);
    assert_int_equal(fclose(fp), 0);
    (void)folio_snprintf(cmd, sizeof cmd, "pdftotext -layout '%s' '%s'", pdf, txt);
    assert_int_equal(system(cmd), 0);
    folio_buf_init(&b, 16 << 20);
    if (folio_buf_read_file(&b, txt, &err) != FOLIO_OK)
        fail_msg("%s", err.msg);
    return folio_buf_detach(&b, &len);
}

/* `folio serve --facility-name/--facility-address` puts the facility on the letters; the
 * default names Folio. A second server on the same database, started with the options. */
static void test_facility(void **state)
{
    struct folio_server_opts o;
    struct folio_server *srv = NULL;
    struct folio_err err;
    struct res r;
    char *t;

    (void)state;
    if (!have_pdftotext()) {
        print_message("SKIP: pdftotext (poppler-utils) is not installed: letterhead not checked\n");
        skip();
    }
    r = call(U_ROI, "GET", pathf("/api/v1/patients/", PID, "/accounting.pdf"), NULL);
    expect_status(&r, 200, "accounting pdf (default facility)");
    t = pdf_text(&r, "default");
    assert_non_null(strstr(t, FOLIO_SERVER_FACILITY_DEFAULT));
    free(t);
    res_free(&r);

    folio_err_clear(&err);
    folio_server_opts_defaults(&o);
    o.db_url = folio_test_store_url();
    o.key_path = F.key_path;
    o.listen = "127.0.0.1:0";
    o.threads = 1;
    o.facility_name = "Riverside Medical Records";
    o.facility_address = "12 River Road\nSpringfield";
    if (folio_server_start(&o, &srv, &err) != FOLIO_OK)
        fail_msg("second server: %s", err.msg);
    r = call_port(folio_server_port(srv), U_ROI, "GET",
                  pathf("/api/v1/patients/", PID, "/accounting.pdf"), NULL);
    folio_server_stop(srv);
    expect_status(&r, 200, "accounting pdf (configured facility)");
    t = pdf_text(&r, "configured");
    assert_non_null(strstr(t, "Riverside Medical Records"));
    assert_non_null(strstr(t, "12 River Road"));
    assert_null(strstr(t, FOLIO_SERVER_FACILITY_DEFAULT));
    assert_non_null(strstr(t, "County Health Department")); /* the listed disclosure */
    free(t);
    res_free(&r);
}

/* ---------------------------------------------------------------- bad input, permissions */

static void test_bad_input(void **state)
{
    const char *base = bodyf("\"patient_id\":%lld,\"requester_type\":\"patient\","
                             "\"requester_name\":\"R\",\"purpose\":\"p\",\"delivery\":\"mail\"",
                             (long long)PID);
    char b[1024];

    (void)state;
    (void)folio_snprintf(b, sizeof b, "{%s,\"colour\":\"red\"}", base);
    expect_err(U_ROI, "POST", "/api/v1/roi/requests", b, 400, "colour");
    (void)folio_snprintf(b, sizeof b, "{%s,\"received_on\":\"2024-02-30\"}", base);
    expect_err(U_ROI, "POST", "/api/v1/roi/requests", b, 400, "received_on");
    (void)folio_snprintf(b, sizeof b, "{%s,\"date_from\":\"03/01/2024\"}", base);
    expect_err(U_ROI, "POST", "/api/v1/roi/requests", b, 400, "date_from");
    (void)folio_snprintf(b, sizeof b, "{%s,\"doc_types\":[\"18842-5\",7]}", base);
    expect_err(U_ROI, "POST", "/api/v1/roi/requests", b, 400, "doc_types[1]");
    expect_err(U_ROI, "POST", "/api/v1/roi/requests",
               bodyf("{\"patient_id\":%lld,\"requester_type\":\"neighbour\",\"requester_name\":"
                     "\"R\",\"purpose\":\"p\",\"delivery\":\"mail\"}",
                     (long long)PID),
               400, "requester_type");
    expect_err(U_ROI, "POST", "/api/v1/roi/requests",
               bodyf("{\"patient_id\":%lld,\"requester_type\":\"patient\",\"requester_name\":"
                     "\"R\",\"purpose\":\"p\",\"delivery\":\"pigeon\"}",
                     (long long)PID),
               400, "delivery");
    expect_err(U_ROI, "POST", "/api/v1/roi/requests",
               "{\"requester_type\":\"patient\",\"requester_name\":\"R\",\"purpose\":\"p\","
               "\"delivery\":\"mail\"}",
               400, "patient_id");
    expect_err(U_ROI, "POST", "/api/v1/roi/requests",
               "{\"patient_id\":999999,\"requester_type\":\"patient\",\"requester_name\":\"R\","
               "\"purpose\":\"p\",\"delivery\":\"mail\"}",
               404, "patient_id");
    expect_err(U_ROI, "POST", "/api/v1/roi/requests", "{\"patient_id\":\"1\"}", 400, "patient_id");
    expect(U_ROI, "POST", "/api/v1/roi/requests", "[1]", 400);
    expect_err(U_ROI, "GET", "/api/v1/roi/requests?status=lost", NULL, 400, "status");
    expect_err(U_ROI, "GET", "/api/v1/roi/requests?limit=0", NULL, 400, "limit");
    {
        /* the first of the queue, and how many there are */
        struct res all = call(U_ROI, "GET", "/api/v1/roi/requests?status=released", NULL);
        struct res one = call(U_ROI, "GET", "/api/v1/roi/requests?status=released&limit=1", NULL);
        expect_status(&all, 200, "queue");
        expect_status(&one, 200, "queue limit 1");
        assert_true(json_array_size(json_object_get(all.j, "items")) >= 1);
        assert_int_equal(json_array_size(json_object_get(one.j, "items")), 1);
        assert_int_equal(jint(one.j, "total"), (int64_t)json_array_size(json_object_get(all.j, "items")));
        assert_true(json_is_boolean(json_object_get(one.j, "truncated")));
        assert_int_equal(json_is_true(json_object_get(one.j, "truncated")), jint(one.j, "total") > 1);
        assert_int_equal(jint(json_array_get(json_object_get(one.j, "items"), 0), "id"),
                         jint(json_array_get(json_object_get(all.j, "items"), 0), "id"));
        res_free(&all);
        res_free(&one);
    }
    expect_err(U_ROI, "GET", "/api/v1/roi/requests/999999", NULL, 404, "id");
    expect_err(U_ROI, "POST", "/api/v1/roi/requests/999999/status", "{\"to\":\"validated\"}", 404,
               "id");
    expect_err(U_ROI, "POST", "/api/v1/roi/requests/999999/status", "{\"to\":\"received\"}", 400,
               "to");
    expect_err(U_ROI, "POST", "/api/v1/roi/requests/999999/status", "{\"to\":\"denied\"}", 400,
               "reason");
    expect_err(U_ROI, "POST", "/api/v1/roi/requests/999999/status", "{\"to\":7}", 400, "to");
    expect_err(U_ROI, "POST", pathf("/api/v1/patients/", PID, "/authorizations"),
               "{\"signed_on\":\"2024-1-5\"}", 400, "signed_on");
    expect_err(U_ROI, "POST", pathf("/api/v1/patients/", PID, "/authorizations"),
               "{\"sensitive\":[\"vip\"]}", 400, "sensitive[0]");
    expect_err(U_ROI, "POST", pathf("/api/v1/patients/", PID, "/authorizations"),
               "{\"stmt_revoke\":\"yes\"}", 400, "stmt_revoke");
    expect_err(U_ROI, "POST", "/api/v1/patients/999999/authorizations", "{}", 404, "id");
    expect_err(U_ROI, "GET", pathf("/api/v1/roi/requests/", ATTORNEY_REQ, "/documents?emergency=2"),
               NULL, 400, "emergency");
}

static void test_permissions(void **state)
{
    int64_t views = audit_count("roi.view", PID);
    (void)state;
    /* the coder has no roi.read */
    expect(U_CODER, "GET", "/api/v1/roi/requests", NULL, 403);
    expect(U_CODER, "GET", pathf("/api/v1/roi/requests/", ATTORNEY_REQ, ""), NULL, 403);
    expect(U_CODER, "GET", pathf("/api/v1/patients/", PID, "/accounting"), NULL, 403);
    expect(U_CODER, "GET", pathf("/api/v1/patients/", PID, "/authorizations"), NULL, 403);
    /* the privacy officer reads (roi.read) but does not act (no roi.write) */
    expect(U_PRIVACY, "GET", pathf("/api/v1/roi/requests/", ATTORNEY_REQ, ""), NULL, 200);
    expect(U_PRIVACY, "POST", "/api/v1/roi/requests", "{}", 403);
    expect(U_PRIVACY, "POST", pathf("/api/v1/patients/", PID, "/disclosures"), "{}", 403);
    /* the privacy officer's one read is audited; the refusals read nothing */
    assert_int_equal(audit_count("roi.view", PID), views + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_patient_request), cmocka_unit_test(test_authorizations),
        cmocka_unit_test(test_packet_qa),       cmocka_unit_test(test_accounting),
        cmocka_unit_test(test_facility),        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_permissions),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

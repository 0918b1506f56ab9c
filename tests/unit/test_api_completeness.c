/* Chart completeness and physician queries through a real server (tests/support/http_client.h)
 * on the backend under test: the rules (GET, PUT with an error naming the line, unchanged
 * reload), the analysis triggers (a discharge through the API opens deficiencies, filing the
 * discharge summary through the API closes one), an encounter's deficiencies, one deficiency
 * with its history, waivers, completion refused while deficiencies are open, completion and
 * reopening, the worklist, the delinquency report as JSON and CSV, the query routes (templates,
 * the leading-query check, create and send, list, view, withdraw, answer by the addressee only,
 * the report), the clinician's inbox (409 until linked to a provider), the provider picker,
 * users' provider_id, signing as the linked provider, permissions, bad input naming the field
 * and the audit entries. */
#include "folio/base.h"

#include <setjmp.h>
#include <cmocka.h>

#include "folio/audit.h"
#include "folio/json.h"
#include "folio/records.h"
#include "http_client.h"
#include "server/server.h"
#include "testdb.h"

static struct http_fixture F;
static int64_t P1, P2; /* providers: Quill (the clinician's), Rowan */

/* Fixture users: index = role bit (policy.c order), 10 = every role. */
enum {
    U_TECH = 0,
    U_CHART = 1,
    U_CODER = 2,
    U_ROI = 4,
    U_CLINICIAN = 7,
    U_ANALYST = 8,
    U_ADMIN = 9,
    U_ALL = 10
};

static const char RULES[] =
    "# test rules\n"
    "require DCSUM type 18842-5 class inpatient within 30d after discharge\n"
    "field   ATTENDING attending class inpatient within 24h after admit\n";

static int setup(void **state)
{
    struct folio_chart c;
    struct folio_provider p;
    struct folio_err err;

    (void)state;
    http_fixture_start(&F, true);
    c.store = F.db;
    c.key = &F.key;
    c.actor = "fixture";
    folio_err_clear(&err);
    memset(&p, 0, sizeof p);
    p.family = "Quill";
    p.given = "Ada";
    p.npi = "1234567893";
    if (folio_provider_create(&c, &p, &P1, &err) != FOLIO_OK)
        fail_msg("provider: %s", err.msg);
    memset(&p, 0, sizeof p);
    p.family = "Rowan";
    p.given = "Ben";
    if (folio_provider_create(&c, &p, &P2, &err) != FOLIO_OK)
        fail_msg("provider: %s", err.msg);
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
    json_t *j; /* body, or NULL */
    char etag[64];
    char ctype[128], disp[160];
    char *raw; /* body as text */
};

static void res_free(struct res *r)
{
    json_decref(r->j);
    free(r->raw);
    memset(r, 0, sizeof *r);
}

static struct res call(int user, const char *method, const char *path, const char *body,
                       const char *if_match)
{
    struct http_req q;
    struct http_resp resp;
    struct res out;
    json_error_t je;
    char hdr[512];

    memset(&out, 0, sizeof out);
    (void)folio_snprintf(hdr, sizeof hdr, "Authorization: Bearer %s\r\n%s%s%s%s", F.tokens[user],
                         body ? "Content-Type: application/json\r\n" : "",
                         if_match ? "If-Match: " : "", if_match ? if_match : "",
                         if_match ? "\r\n" : "");
    memset(&q, 0, sizeof q);
    q.method = method;
    q.path = path;
    q.headers = hdr;
    q.body = body;
    q.body_len = body ? strlen(body) : 0;
    q.content_length = -1;
    if (http_do(NULL, F.port, &q, &resp) != 0)
        fail_msg("%s %s: no response", method, path);
    out.status = resp.status;
    if (resp.status >= 500)
        fail_msg("%s %s: %d %s", method, path, resp.status, resp.body);
    out.j = json_loadb(resp.body, resp.body_len, 0, &je);
    if (!http_header(&resp, "ETag", out.etag, sizeof out.etag))
        out.etag[0] = '\0';
    if (!http_header(&resp, "Content-Type", out.ctype, sizeof out.ctype))
        out.ctype[0] = '\0';
    if (!http_header(&resp, "Content-Disposition", out.disp, sizeof out.disp))
        out.disp[0] = '\0';
    out.raw = resp.body;
    resp.body = NULL;
    http_resp_free(&resp);
    return out;
}

static const char *err_field(const struct res *r)
{
    return json_string_value(json_object_get(json_object_get(r->j, "error"), "field"));
}

static void expect_status(const struct res *r, int status, const char *what)
{
    if (r->status != status)
        fail_msg("%s: HTTP %d, expected %d: %s", what, r->status, status,
                 r->raw ? r->raw : "(no body)");
}

static void expect_field(const struct res *r, int status, const char *field, const char *what)
{
    const char *f;

    expect_status(r, status, what);
    f = err_field(r);
    if (!f || strcmp(f, field) != 0)
        fail_msg("%s: error field %s, expected %s (%s)", what, f ? f : "(none)", field,
                 r->raw ? r->raw : "");
}

/* Calls and checks the status; the result is freed unless kept. */
static void expect(int user, const char *method, const char *path, const char *body, int status)
{
    struct res r = call(user, method, path, body, NULL);

    expect_status(&r, status, path);
    res_free(&r);
}

static void expect_err(int user, const char *method, const char *path, const char *body, int status,
                       const char *field)
{
    struct res r = call(user, method, path, body, NULL);

    expect_field(&r, status, field, path);
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

static void load_rules(void)
{
    json_t *b = json_pack("{s:s, s:s}", "source", "test.rules", "content", RULES);
    char *s = json_dumps(b, JSON_COMPACT);
    struct res r = call(U_ADMIN, "PUT", "/api/v1/completeness/rules", s, NULL);

    expect_status(&r, 200, "load rules");
    res_free(&r);
    free(s);
    json_decref(b);
}

/* A new inpatient encounter of the fixture patient, admitted, not discharged. */
static int64_t new_encounter(void)
{
    struct res r = call(U_TECH, "POST", pathf("/api/v1/patients/", F.patient_id, "/encounters"),
                        "{\"class\":\"inpatient\",\"admit_at\":\"2024-05-01T08:00Z\"}", NULL);
    int64_t id;

    expect_status(&r, 201, "new encounter");
    id = jint(r.j, "id");
    res_free(&r);
    return id;
}

/* Discharges enc through the API (If-Match from a read). */
static void discharge(int64_t enc)
{
    struct res r = call(U_TECH, "GET", pathf("/api/v1/encounters/", enc, ""), NULL, NULL);
    char etag[64];

    expect_status(&r, 200, "encounter");
    (void)folio_strlcpy(etag, r.etag, sizeof etag);
    res_free(&r);
    r = call(U_TECH, "POST", pathf("/api/v1/encounters/", enc, "/discharge"),
             "{\"disposition\":\"01\"}", etag);
    expect_status(&r, 200, "discharge");
    res_free(&r);
}

/* The deficiency of rule on enc's list ({"chart", "items"}), NULL when none; borrowed from j. */
static json_t *find_rule(json_t *j, const char *rule)
{
    json_t *it;
    size_t i;

    json_array_foreach(json_object_get(j, "items"), i, it)
    {
        if (strcmp(jstr(it, "rule"), rule) == 0)
            return it;
    }
    return NULL;
}

/* ---------------------------------------------------------------- rules */

static void test_rules(void **state)
{
    struct res r;
    int64_t before = audit_count("completeness.rules", 0);

    (void)state;
    /* the administrator who loads the rules reads them too (signed_in: policy, not PHI) */
    r = call(U_ADMIN, "GET", "/api/v1/completeness/rules", NULL, NULL);
    expect_status(&r, 200, "rules before any load");
    assert_int_equal(jint(r.j, "version"), 0);
    assert_true(json_is_null(json_object_get(r.j, "content")));
    res_free(&r);

    /* an error names the file and the line */
    expect_err(U_ADMIN, "PUT", "/api/v1/completeness/rules",
               "{\"source\":\"test.rules\",\"content\":\"# one\\nrequire X type 99999-9 "
               "within 1d after admit\\n\"}",
               400, "test.rules:2");
    expect_err(U_ADMIN, "PUT", "/api/v1/completeness/rules", "{\"content\":\"\",\"extra\":1}", 400,
               "extra");
    expect_err(U_ADMIN, "PUT", "/api/v1/completeness/rules", "{\"source\":\"x\"}", 400, "content");
    expect_err(U_ADMIN, "PUT", "/api/v1/completeness/rules",
               "{\"source\":\"a\\nb\",\"content\":\"# x\"}", 400, "source");
    /* the chart analyst reads the rules but may not load them; every signed-in user reads them */
    expect(U_CHART, "PUT", "/api/v1/completeness/rules", "{\"content\":\"\"}", 403);
    expect(U_ANALYST, "GET", "/api/v1/completeness/rules", NULL, 200);

    load_rules();
    r = call(U_CHART, "GET", "/api/v1/completeness/rules", NULL, NULL);
    expect_status(&r, 200, "rules");
    assert_int_equal(jint(r.j, "version"), 1);
    assert_int_equal(jint(r.j, "n_rules"), 2);
    assert_string_equal(jstr(r.j, "source"), "test.rules");
    assert_string_equal(jstr(r.j, "loaded_by"), "u_administrator");
    assert_string_equal(jstr(r.j, "content"), RULES);
    assert_int_equal(strlen(jstr(r.j, "sha256")), 64);
    res_free(&r);

    /* the same content again changes nothing */
    {
        json_t *b = json_pack("{s:s}", "content", RULES);
        char *s = json_dumps(b, JSON_COMPACT);

        r = call(U_ADMIN, "PUT", "/api/v1/completeness/rules", s, NULL);
        expect_status(&r, 200, "reload");
        assert_int_equal(jint(r.j, "version"), 1);
        assert_true(json_is_false(json_object_get(r.j, "changed")));
        assert_int_equal(jint(r.j, "n_rules"), 2);
        res_free(&r);
        free(s);
        json_decref(b);
    }
    /* two loads and three reads succeeded */
    assert_int_equal(audit_count("completeness.rules", 0), before + 5);
}

/* ---------------------------------------------------------------- deficiencies */

static void test_trigger_waive_complete(void **state)
{
    struct res r;
    json_t *d;
    int64_t enc, dc_id, att_id, views = audit_count("completeness.view", F.patient_id);
    int64_t waives = audit_count("completeness.waive", F.patient_id);
    char body[512];

    (void)state;
    enc = new_encounter();
    /* nothing happens before the discharge */
    r = call(U_CHART, "GET", pathf("/api/v1/encounters/", enc, "/deficiencies"), NULL, NULL);
    expect_status(&r, 200, "deficiencies before discharge");
    assert_int_equal(json_array_size(json_object_get(r.j, "items")), 0);
    res_free(&r);

    /* the discharge through the API runs the analysis: summary and attending missing */
    discharge(enc);
    r = call(U_CHART, "GET", pathf("/api/v1/encounters/", enc, "/deficiencies"), NULL, NULL);
    expect_status(&r, 200, "deficiencies");
    assert_int_equal(jint(json_object_get(r.j, "chart"), "encounter_id"), enc);
    assert_int_equal(jint(json_object_get(r.j, "chart"), "open"), 2);
    assert_string_equal(jstr(json_object_get(r.j, "chart"), "patient_name"), "Fixture, Fran");
    assert_string_equal(jstr(json_object_get(r.j, "chart"), "mrn"), "FIX-0001");
    d = find_rule(r.j, "DCSUM");
    assert_non_null(d);
    assert_string_equal(jstr(d, "status"), "open");
    assert_string_equal(jstr(d, "kind"), "require");
    assert_true(json_is_false(json_object_get(d, "overdue")));
    assert_true(json_is_null(json_object_get(d, "document_id")));
    assert_int_equal(jint(d, "ruleset_version"), 1);
    dc_id = jint(d, "id");
    d = find_rule(r.j, "ATTENDING");
    assert_non_null(d);
    att_id = jint(d, "id");
    res_free(&r);

    /* completion is refused while deficiencies are open */
    expect_err(U_CHART, "POST", pathf("/api/v1/encounters/", enc, "/complete"), "{}", 409,
               "deficiencies");

    /* filing the discharge summary through the API closes its deficiency */
    (void)folio_snprintf(body, sizeof body,
                         "{\"type\":\"18842-5\",\"encounter_id\":%lld,\"text\":\"Discharge "
                         "summary: well.\"}",
                         (long long)enc);
    expect(U_TECH, "POST", pathf("/api/v1/patients/", F.patient_id, "/documents"), body, 201);
    r = call(U_CHART, "GET", pathf("/api/v1/deficiencies/", dc_id, ""), NULL, NULL);
    expect_status(&r, 200, "deficiency");
    assert_string_equal(jstr(r.j, "status"), "closed");
    assert_string_equal(jstr(r.j, "closed_how"), "resolved");
    assert_int_equal(json_array_size(json_object_get(r.j, "history")), 2);
    assert_string_equal(jstr(json_array_get(json_object_get(r.j, "history"), 0), "action"),
                        "create");
    assert_string_equal(jstr(json_array_get(json_object_get(r.j, "history"), 1), "action"),
                        "close");
    res_free(&r);
    r = call(U_CHART, "GET", pathf("/api/v1/encounters/", enc, "/deficiencies?all=0"), NULL, NULL);
    expect_status(&r, 200, "open deficiencies");
    assert_int_equal(json_array_size(json_object_get(r.j, "items")), 1);
    assert_non_null(find_rule(r.j, "ATTENDING"));
    res_free(&r);

    /* waive: bad input, permissions, then waived */
    expect_err(U_CHART, "POST", pathf("/api/v1/deficiencies/", att_id, "/waive"), "{}", 400,
               "reason");
    expect_err(U_CHART, "POST", pathf("/api/v1/deficiencies/", att_id, "/waive"),
               "{\"reason\":\"x\",\"why\":1}", 400, "why");
    expect_err(U_CHART, "POST", pathf("/api/v1/deficiencies/", att_id, "/waive"), "{\"reason\":7}",
               400, "reason");
    expect(U_TECH, "POST", pathf("/api/v1/deficiencies/", att_id, "/waive"), "{\"reason\":\"x\"}",
           403);
    expect(U_CHART, "POST", "/api/v1/deficiencies/999999/waive", "{\"reason\":\"x\"}", 404);
    r = call(U_CHART, "POST", pathf("/api/v1/deficiencies/", att_id, "/waive"),
             "{\"reason\":\"attending documented on paper\"}", NULL);
    expect_status(&r, 200, "waive");
    assert_string_equal(jstr(r.j, "status"), "waived");
    assert_string_equal(jstr(r.j, "waived_by"), "u_chart_analyst");
    assert_string_equal(jstr(r.j, "waived_reason"), "attending documented on paper");
    res_free(&r);
    expect_err(U_CHART, "POST", pathf("/api/v1/deficiencies/", att_id, "/waive"),
               "{\"reason\":\"again\"}", 409, "status");

    /* analysis on demand: nothing new */
    r = call(U_CHART, "POST", pathf("/api/v1/encounters/", enc, "/analyze"), NULL, NULL);
    expect_status(&r, 200, "analyze");
    assert_int_equal(jint(r.j, "ruleset_version"), 1);
    assert_int_equal(jint(r.j, "created"), 0);
    assert_int_equal(jint(r.j, "open"), 0);
    res_free(&r);
    expect_err(U_CHART, "POST", pathf("/api/v1/encounters/", enc, "/analyze"), "{\"x\":1}", 400,
               "x");
    expect_err(U_CHART, "POST", "/api/v1/encounters/999999/analyze", "{}", 404, "id");
    expect(U_CODER, "POST", pathf("/api/v1/encounters/", enc, "/analyze"), "{}", 403);

    /* complete, then reopen */
    r = call(U_CHART, "POST", pathf("/api/v1/encounters/", enc, "/complete"), "{}", NULL);
    expect_status(&r, 200, "complete");
    assert_non_null(jstr(r.j, "completed_at"));
    assert_string_equal(jstr(r.j, "completed_by"), "u_chart_analyst");
    res_free(&r);
    expect(U_CHART, "POST", pathf("/api/v1/encounters/", enc, "/complete"), "{}", 409);
    /* a document filed for a complete chart is a late entry: reason required */
    (void)folio_snprintf(body, sizeof body,
                         "{\"type\":\"11506-3\",\"encounter_id\":%lld,\"text\":\"Late note.\"}",
                         (long long)enc);
    expect_err(U_TECH, "POST", pathf("/api/v1/patients/", F.patient_id, "/documents"), body, 400,
               "reason");
    (void)folio_snprintf(body, sizeof body,
                         "{\"type\":\"11506-3\",\"encounter_id\":%lld,\"text\":\"Late note.\","
                         "\"reason\":\"dictation arrived late\"}",
                         (long long)enc);
    r = call(U_TECH, "POST", pathf("/api/v1/patients/", F.patient_id, "/documents"), body, NULL);
    expect_status(&r, 201, "late entry");
    assert_string_equal(jstr(json_object_get(r.j, "current"), "change_kind"), "late-entry");
    res_free(&r);
    expect_err(U_CHART, "POST", pathf("/api/v1/encounters/", enc, "/reopen"), "{}", 400, "reason");
    expect_err(U_CHART, "POST", pathf("/api/v1/encounters/", enc, "/reopen"),
               "{\"reason\":\"late lab\",\"x\":1}", 400, "x");
    r = call(U_CHART, "POST", pathf("/api/v1/encounters/", enc, "/reopen"),
             "{\"reason\":\"late lab result\"}", NULL);
    expect_status(&r, 200, "reopen");
    assert_true(json_is_null(json_object_get(r.j, "completed_at")));
    res_free(&r);
    expect(U_CHART, "POST", pathf("/api/v1/encounters/", enc, "/reopen"), "{\"reason\":\"again\"}",
           409);

    /* reads of the patient's deficiencies and the waiver are audited with the patient */
    assert_true(audit_count("completeness.view", F.patient_id) >= views + 4);
    assert_int_equal(audit_count("completeness.waive", F.patient_id), waives + 1);
    assert_true(audit_count("completeness.complete", F.patient_id) >= 1);
    assert_true(audit_count("completeness.reopen", F.patient_id) >= 1);
    /* a role without completeness.read */
    expect(U_CLINICIAN, "GET", pathf("/api/v1/encounters/", enc, "/deficiencies"), NULL, 403);
    expect(U_ANALYST, "GET", pathf("/api/v1/deficiencies/", dc_id, ""), NULL, 403);
    expect_err(U_CHART, "GET", "/api/v1/deficiencies/999999", NULL, 404, "id");
    expect_err(U_CHART, "GET", pathf("/api/v1/encounters/", enc, "/deficiencies?all=2"), NULL, 400,
               "all");
}

static void test_worklist(void **state)
{
    struct res r;
    json_t *it;
    size_t i;
    int64_t enc, before = audit_count("completeness.worklist", 0);
    bool found = false;

    (void)state;
    enc = new_encounter();
    discharge(enc);
    r = call(U_TECH, "GET", "/api/v1/completeness/worklist?limit=500", NULL, NULL);
    expect_status(&r, 200, "worklist");
    assert_true(jint(r.j, "total") >= 1);
    json_array_foreach(json_object_get(r.j, "items"), i, it)
    {
        if (jint(it, "encounter_id") == enc) {
            found = true;
            assert_int_equal(jint(it, "open"), 2);
            assert_int_equal(jint(it, "patient_id"), F.patient_id);
            assert_string_equal(jstr(it, "patient_name"), "Fixture, Fran");
            assert_true(json_is_null(json_object_get(it, "completed_at")));
        }
    }
    assert_true(found);
    res_free(&r);
    expect(U_CHART, "GET", "/api/v1/completeness/worklist?status=complete", NULL, 200);
    expect(U_CHART, "GET", "/api/v1/completeness/worklist?status=all&offset=1&limit=1", NULL, 200);
    expect_err(U_CHART, "GET", "/api/v1/completeness/worklist?status=bogus", NULL, 400, "status");
    expect_err(U_CHART, "GET", "/api/v1/completeness/worklist?limit=501", NULL, 400, "limit");
    expect_err(U_CHART, "GET", "/api/v1/completeness/worklist?responsible_id=x", NULL, 400,
               "responsible_id");
    expect(U_CLINICIAN, "GET", "/api/v1/completeness/worklist", NULL, 403);
    expect(U_ANALYST, "GET", "/api/v1/completeness/worklist", NULL, 403);
    assert_int_equal(audit_count("completeness.worklist", 0), before + 3);
}

static void test_delinquency(void **state)
{
    struct res r;
    int64_t before = audit_count("completeness.delinquency", 0);

    (void)state;
    r = call(U_TECH, "GET", "/api/v1/completeness/delinquency", NULL, NULL);
    expect_status(&r, 200, "delinquency");
    assert_int_equal(json_array_size(json_object_get(r.j, "months")), 12);
    assert_int_equal(jint(r.j, "bylaws_days"), 30);
    assert_int_equal(jint(r.j, "threshold_pct"), 50);
    assert_non_null(json_object_get(json_object_get(r.j, "aging"), "over-60"));
    res_free(&r);

    r = call(U_CHART, "GET",
             "/api/v1/completeness/delinquency?from=2024-01&to=2024-06&bylaws_days=10"
             "&as_of=2024-12-31T00:00Z",
             NULL, NULL);
    expect_status(&r, 200, "delinquency 2024");
    assert_int_equal(json_array_size(json_object_get(r.j, "months")), 6);
    assert_string_equal(jstr(json_array_get(json_object_get(r.j, "months"), 2), "month"),
                        "2024-03");
    /* the fixture's encounter was discharged in March 2024 */
    assert_int_equal(jint(json_array_get(json_object_get(r.j, "months"), 2), "discharges"), 1);
    assert_int_equal(jint(r.j, "bylaws_days"), 10);
    res_free(&r);

    r = call(U_CHART, "GET",
             "/api/v1/completeness/delinquency?from=2024-01&to=2024-03&format=csv"
             "&as_of=2024-12-31T00:00Z",
             NULL, NULL);
    expect_status(&r, 200, "delinquency csv");
    assert_null(r.j);
    assert_non_null(strstr(r.ctype, "text/csv"));
    assert_non_null(strstr(r.disp, "attachment"));
    assert_non_null(strstr(r.disp, "delinquency-2024-01-2024-03.csv"));
    assert_non_null(strstr(r.raw, "\r\n"));
    assert_non_null(strstr(r.raw, "2024-03"));
    assert_true(strncmp(r.raw, "section", 7) == 0);
    res_free(&r);

    expect_err(U_CHART, "GET", "/api/v1/completeness/delinquency?format=xml", NULL, 400, "format");
    expect_err(U_CHART, "GET", "/api/v1/completeness/delinquency?bylaws_days=-1", NULL, 400,
               "bylaws_days");
    expect_err(U_CHART, "GET", "/api/v1/completeness/delinquency?from=2024-13", NULL, 400, "from");
    expect_err(U_CHART, "GET", "/api/v1/completeness/delinquency?from=2024-05&to=2024-01", NULL,
               400, "to");
    expect(U_CLINICIAN, "GET", "/api/v1/completeness/delinquency", NULL, 403);
    assert_int_equal(audit_count("completeness.delinquency", 0), before + 3);
}

/* ---------------------------------------------------------------- queries, inbox */

static int64_t create_query(int user, int64_t enc, int64_t provider, bool send)
{
    char body[1024];
    struct res r;
    int64_t id;

    (void)folio_snprintf(body, sizeof body,
                         "{\"provider_id\":%lld,\"kind\":\"open_ended\",\"purpose\":"
                         "\"specificity\",\"question\":\"Please clarify the type and acuity of "
                         "the heart failure documented.\",\"indicators\":[{\"document_id\":%lld,"
                         "\"excerpt\":\"CHF exacerbation, BNP 900\"}],\"send\":%s}",
                         (long long)provider, (long long)F.document_id, send ? "true" : "false");
    r = call(user, "POST", pathf("/api/v1/encounters/", enc, "/queries"), body, NULL);
    expect_status(&r, 201, "create query");
    id = jint(r.j, "id");
    assert_string_equal(jstr(r.j, "status"), send ? "sent" : "draft");
    assert_int_equal(jint(json_object_get(r.j, "provider"), "id"), provider);
    assert_int_equal(json_array_size(json_object_get(r.j, "indicators")), 1);
    res_free(&r);
    return id;
}

static void test_queries(void **state)
{
    struct res r;
    int64_t enc = F.encounter_id, q1, q2, q3, doc;
    int64_t creates = audit_count("query.create", F.patient_id);
    int64_t answers = audit_count("query.answer", F.patient_id);
    int64_t denied = audit_count("access.denied", 0);
    char body[256], big[5200];
    json_t *it;
    size_t i;
    bool found = false;

    (void)state;
    /* templates and the draft check */
    r = call(U_CODER, "GET", "/api/v1/queries/templates", NULL, NULL);
    expect_status(&r, 200, "templates");
    json_array_foreach(json_object_get(r.j, "items"), i, it)
    {
        found |= strcmp(jstr(it, "code"), "open-ended") == 0;
    }
    assert_true(found);
    res_free(&r);
    expect(U_CLINICIAN, "GET", "/api/v1/queries/templates", NULL, 403);
    expect_err(U_CODER, "POST", "/api/v1/queries/check",
               "{\"kind\":\"open_ended\",\"purpose\":\"specificity\",\"question\":\"Would a "
               "higher DRG apply?\",\"indicators\":[{\"source\":\"ED\",\"excerpt\":\"x\"}]}",
               400, "question");
    expect_err(U_CODER, "POST", "/api/v1/queries/check",
               "{\"kind\":\"open_ended\",\"purpose\":\"specificity\",\"question\":\"Please "
               "clarify.\"}",
               400, "indicators");
    expect_err(U_CODER, "POST", "/api/v1/queries/check", "{\"purpose\":\"specificity\"}", 400,
               "kind");
    expect_err(U_CODER, "POST", "/api/v1/queries/check",
               "{\"kind\":\"sideways\",\"purpose\":\"specificity\"}", 400, "kind");
    expect_err(U_CODER, "POST", "/api/v1/queries/check",
               "{\"kind\":\"multiple_choice\",\"purpose\":\"specificity\",\"question\":\"q\","
               "\"options\":[{\"role\":\"maybe\",\"label\":\"x\"}]}",
               400, "options[0].role");
    r = call(U_CODER, "POST", "/api/v1/queries/check",
             "{\"kind\":\"open_ended\",\"purpose\":\"specificity\",\"question\":\"Please "
             "clarify the type of anemia.\",\"indicators\":[{\"source\":\"CBC 03/02\","
             "\"excerpt\":\"Hgb 7.1\"}]}",
             NULL);
    expect_status(&r, 200, "check ok");
    assert_true(json_is_true(json_object_get(r.j, "ok")));
    res_free(&r);

    /* bad input on create */
    expect_err(U_CODER, "POST", pathf("/api/v1/encounters/", enc, "/queries"),
               "{\"kind\":\"open_ended\"}", 400, "provider_id");
    expect_err(U_CODER, "POST", pathf("/api/v1/encounters/", enc, "/queries"),
               "{\"provider_id\":1,\"nope\":1}", 400, "nope");
    expect_err(U_CODER, "POST", pathf("/api/v1/encounters/", enc, "/queries"),
               "{\"provider_id\":999999,\"kind\":\"open_ended\",\"purpose\":\"specificity\","
               "\"question\":\"Please clarify.\"}",
               404, "provider_id");
    expect_err(U_CODER, "POST", pathf("/api/v1/encounters/", enc, "/queries"),
               "{\"provider_id\":1,\"template_code\":\"no-such\"}", 404, "template_code");
    expect_err(U_CODER, "POST", "/api/v1/encounters/999999/queries",
               "{\"provider_id\":1,\"kind\":\"open_ended\"}", 404, "id");
    (void)folio_snprintf(body, sizeof body, "{\"provider_id\":%lld,\"options\":[%s]}",
                         (long long)P1,
                         "{\"label\":\"a\"},{\"label\":\"a\"},{\"label\":\"a\"},{\"label\":\"a\"},"
                         "{\"label\":\"a\"},{\"label\":\"a\"},{\"label\":\"a\"},{\"label\":\"a\"},"
                         "{\"label\":\"a\"},{\"label\":\"a\"},{\"label\":\"a\"},{\"label\":\"a\"},"
                         "{\"label\":\"a\"}");
    expect_err(U_CODER, "POST", pathf("/api/v1/encounters/", enc, "/queries"), body, 400,
               "options");
    memset(big, 'x', sizeof big);
    memcpy(big, "{\"provider_id\":1,\"indicators\":[{\"excerpt\":\"", 43);
    memcpy(big + sizeof big - 6, "\"}]}", 5);
    expect_err(U_CODER, "POST", pathf("/api/v1/encounters/", enc, "/queries"), big, 400,
               "indicators[0].excerpt");
    /* sending at once runs the guard: nothing is written when it fails */
    (void)folio_snprintf(body, sizeof body,
                         "{\"provider_id\":%lld,\"kind\":\"open_ended\",\"purpose\":"
                         "\"specificity\",\"question\":\"Please clarify.\",\"send\":true}",
                         (long long)P1);
    expect_err(U_CODER, "POST", pathf("/api/v1/encounters/", enc, "/queries"), body, 400,
               "indicators");
    expect(U_CLINICIAN, "POST", pathf("/api/v1/encounters/", enc, "/queries"), body, 403);

    q1 = create_query(U_CODER, enc, P1, true);
    q2 = create_query(U_CHART, enc, P2, true);
    q3 = create_query(U_CODER, enc, P1, false);
    assert_int_equal(audit_count("query.create", F.patient_id), creates + 3);

    /* the list: no options or indicators */
    r = call(U_TECH, "GET", pathf("/api/v1/encounters/", enc, "/queries"), NULL, NULL);
    expect_status(&r, 200, "list");
    assert_int_equal(json_array_size(json_object_get(r.j, "items")), 3);
    it = json_array_get(json_object_get(r.j, "items"), 0);
    assert_int_equal(jint(it, "id"), q1);
    assert_null(json_object_get(it, "indicators"));
    assert_string_equal(jstr(json_object_get(it, "provider"), "name"), "Quill, Ada");
    res_free(&r);

    /* send a draft; a second send is refused */
    r = call(U_CODER, "POST", pathf("/api/v1/queries/", q3, "/send"), "{}", NULL);
    expect_status(&r, 200, "send");
    assert_string_equal(jstr(r.j, "status"), "sent");
    assert_string_equal(jstr(r.j, "sent_by"), "u_coder");
    res_free(&r);
    expect(U_CODER, "POST", pathf("/api/v1/queries/", q3, "/send"), "{}", 409);
    expect_err(U_CODER, "POST", pathf("/api/v1/queries/", q3, "/send"), "{\"now\":1}", 400, "now");

    /* the inbox needs a provider link */
    expect_err(U_CLINICIAN, "GET", "/api/v1/inbox", NULL, 409, "provider");
    expect(U_CODER, "GET", "/api/v1/inbox", NULL, 403);
    /* a clinician not linked may neither read nor answer a query */
    expect(U_CLINICIAN, "GET", pathf("/api/v1/queries/", q1, ""), NULL, 403);
    expect(U_CLINICIAN, "POST", pathf("/api/v1/queries/", q1, "/answer"), "{\"text\":\"x\"}", 403);

    /* link the clinician to Quill (users API) */
    expect_err(U_ADMIN, "PATCH", "/api/v1/users/u_clinician", "{\"provider_id\":999999}", 404,
               "provider_id");
    expect_err(U_ADMIN, "PATCH", "/api/v1/users/u_clinician", "{\"provider_id\":\"x\"}", 400,
               "provider_id");
    (void)folio_snprintf(body, sizeof body, "{\"provider_id\":%lld}", (long long)P1);
    expect(U_CHART, "PATCH", "/api/v1/users/u_clinician", body, 403);
    r = call(U_ADMIN, "PATCH", "/api/v1/users/u_clinician", body, NULL);
    expect_status(&r, 200, "link");
    assert_int_equal(jint(r.j, "provider_id"), P1);
    res_free(&r);
    r = call(U_ADMIN, "GET", "/api/v1/users", NULL, NULL);
    expect_status(&r, 200, "users");
    json_array_foreach(json_object_get(r.j, "items"), i, it)
    {
        if (strcmp(jstr(it, "username"), "u_clinician") == 0)
            assert_int_equal(jint(it, "provider_id"), P1);
        else
            assert_true(json_is_null(json_object_get(it, "provider_id")));
    }
    res_free(&r);
    (void)folio_snprintf(body, sizeof body,
                         "{\"username\":\"dr.rowan\",\"roles\":[\"clinician\"],\"password\":"
                         "\"a long password 1\",\"provider_id\":%lld}",
                         (long long)P2);
    r = call(U_ADMIN, "POST", "/api/v1/users", body, NULL);
    expect_status(&r, 201, "create linked user");
    assert_int_equal(jint(r.j, "provider_id"), P2);
    res_free(&r);

    /* the inbox: Quill's two sent queries, with the patient's name */
    r = call(U_CLINICIAN, "GET", "/api/v1/inbox", NULL, NULL);
    expect_status(&r, 200, "inbox");
    assert_int_equal(jint(json_object_get(r.j, "provider"), "id"), P1);
    assert_string_equal(jstr(json_object_get(r.j, "provider"), "name"), "Quill, Ada");
    assert_int_equal(json_array_size(json_object_get(r.j, "queries")), 2);
    it = json_array_get(json_object_get(r.j, "queries"), 0);
    assert_int_equal(jint(it, "id"), q1);
    assert_string_equal(jstr(it, "patient_name"), "Fixture, Fran");
    assert_string_equal(jstr(it, "kind"), "open_ended");
    assert_true(json_is_array(json_object_get(r.j, "deficiencies")));
    res_free(&r);
    assert_true(audit_count("query.inbox", 0) >= 1);

    /* the addressee reads q1 with its history; not q2 (Rowan's) */
    r = call(U_CLINICIAN, "GET", pathf("/api/v1/queries/", q1, ""), NULL, NULL);
    expect_status(&r, 200, "view");
    assert_int_equal(json_array_size(json_object_get(r.j, "history")), 2);
    assert_string_equal(jstr(json_array_get(json_object_get(r.j, "history"), 1), "new_status"),
                        "sent");
    assert_true(json_is_null(
        json_object_get(json_array_get(json_object_get(r.j, "history"), 0), "old_status")));
    res_free(&r);
    /* without completeness.read another's query looks like an unknown id: nothing to probe */
    expect_err(U_CLINICIAN, "GET", pathf("/api/v1/queries/", q2, ""), NULL, 404, "id");
    expect_err(U_ROI, "GET", pathf("/api/v1/queries/", q1, ""), NULL, 404, "id");
    expect(U_CHART, "GET", pathf("/api/v1/queries/", q2, ""), NULL, 200);
    expect_err(U_CHART, "GET", "/api/v1/queries/999999", NULL, 404, "id");
    expect_err(U_CLINICIAN, "GET", "/api/v1/queries/999999", NULL, 404, "id");
    expect_err(U_CLINICIAN, "POST", "/api/v1/queries/999999/answer", "{\"text\":\"x\"}", 404,
               "id");

    /* answering: only the addressee, bad input named */
    expect(U_CLINICIAN, "POST", pathf("/api/v1/queries/", q2, "/answer"), "{\"text\":\"x\"}", 404);
    expect(U_CODER, "POST", pathf("/api/v1/queries/", q1, "/answer"), "{\"text\":\"x\"}", 403);
    expect_err(U_CLINICIAN, "POST", pathf("/api/v1/queries/", q1, "/answer"),
               "{\"text\":\"x\",\"sig\":1}", 400, "sig");
    expect_err(U_CLINICIAN, "POST", pathf("/api/v1/queries/", q1, "/answer"), "{\"option\":0}", 400,
               "option");
    expect_err(U_CLINICIAN, "POST", pathf("/api/v1/queries/", q1, "/answer"), "{}", 400, "text");
    r = call(U_CLINICIAN, "POST", pathf("/api/v1/queries/", q1, "/answer"),
             "{\"text\":\"Acute on chronic systolic heart failure.\"}", NULL);
    expect_status(&r, 200, "answer");
    doc = jint(r.j, "document_id");
    assert_true(doc > 0);
    assert_string_equal(jstr(json_object_get(r.j, "query"), "status"), "answered");
    assert_int_equal(jint(json_object_get(r.j, "query"), "answer_document_id"), doc);
    res_free(&r);
    assert_int_equal(audit_count("query.answer", F.patient_id), answers + 1);
    expect(U_CLINICIAN, "POST", pathf("/api/v1/queries/", q1, "/answer"), "{\"text\":\"again\"}",
           409);

    /* withdraw */
    expect_err(U_CODER, "POST", pathf("/api/v1/queries/", q2, "/withdraw"), "{}", 400, "reason");
    r = call(U_CODER, "POST", pathf("/api/v1/queries/", q2, "/withdraw"),
             "{\"reason\":\"documented meanwhile\"}", NULL);
    expect_status(&r, 200, "withdraw");
    assert_string_equal(jstr(r.j, "status"), "withdrawn");
    assert_string_equal(jstr(r.j, "close_reason"), "documented meanwhile");
    res_free(&r);
    expect(U_CODER, "POST", pathf("/api/v1/queries/", q2, "/withdraw"), "{\"reason\":\"x\"}", 409);
    expect(U_CLINICIAN, "POST", pathf("/api/v1/queries/", q3, "/withdraw"), "{\"reason\":\"x\"}",
           403);

    /* the report */
    r = call(U_CODER, "GET", "/api/v1/queries/report?from=2024-01-01&to=2025-01-01", NULL, NULL);
    expect_status(&r, 200, "report");
    assert_int_equal(jint(json_object_get(r.j, "total"), "queries"), 3);
    assert_int_equal(jint(json_object_get(r.j, "total"), "answered"), 1);
    assert_int_equal(jint(json_object_get(r.j, "total"), "discharges"), 1);
    assert_int_equal(jint(json_object_get(r.j, "aging"), "open"), 1);
    res_free(&r);
    expect(U_CODER, "GET", "/api/v1/queries/report", NULL, 200);
    expect_err(U_CODER, "GET", "/api/v1/queries/report?from=2024-13-01", NULL, 400, "from");
    expect(U_CHART, "GET", "/api/v1/queries/report", NULL, 200);
    expect(U_TECH, "GET", "/api/v1/queries/report", NULL, 403);

    /* a linked clinician signs as the provider */
    r = call(U_CLINICIAN, "POST", pathf("/api/v1/documents/", F.document_id, "/sign"), "{}", NULL);
    expect_status(&r, 200, "sign");
    it = json_object_get(json_object_get(r.j, "current"), "signatures");
    assert_int_equal(jint(json_array_get(it, json_array_size(it) - 1), "provider_id"), P1);
    res_free(&r);
    /* an unlinked signer signs by user name */
    r = call(U_ALL, "POST", pathf("/api/v1/documents/", F.document_id, "/sign"), "{}", NULL);
    expect_status(&r, 200, "sign unlinked");
    it = json_object_get(json_object_get(r.j, "current"), "signatures");
    it = json_array_get(it, json_array_size(it) - 1);
    assert_true(json_is_null(json_object_get(it, "provider_id")));
    assert_string_equal(jstr(it, "signer"), "u_all");
    res_free(&r);

    /* refusals of this test were audited */
    assert_true(audit_count("access.denied", 0) > denied);
}

static void test_providers(void **state)
{
    struct res r;

    (void)state;
    r = call(U_ANALYST, "GET", "/api/v1/providers?q=qu", NULL, NULL);
    expect_status(&r, 200, "providers");
    assert_int_equal(json_array_size(json_object_get(r.j, "items")), 1);
    assert_int_equal(jint(json_array_get(json_object_get(r.j, "items"), 0), "id"), P1);
    assert_string_equal(jstr(json_array_get(json_object_get(r.j, "items"), 0), "name"),
                        "Quill, Ada");
    assert_string_equal(jstr(json_array_get(json_object_get(r.j, "items"), 0), "npi"),
                        "1234567893");
    assert_true(json_is_false(
        json_object_get(json_array_get(json_object_get(r.j, "items"), 0), "resident")));
    res_free(&r);
    r = call(U_CODER, "GET", "/api/v1/providers?q=123456", NULL, NULL);
    expect_status(&r, 200, "providers by NPI");
    assert_int_equal(json_array_size(json_object_get(r.j, "items")), 1);
    res_free(&r);
    r = call(U_CODER, "GET", "/api/v1/providers", NULL, NULL);
    expect_status(&r, 200, "all providers");
    assert_true(json_array_size(json_object_get(r.j, "items")) >= 2);
    res_free(&r);
    r = call(U_CODER, "GET", "/api/v1/providers?q=%25", NULL, NULL);
    expect_status(&r, 200, "LIKE metacharacters are literal");
    assert_int_equal(json_array_size(json_object_get(r.j, "items")), 0);
    res_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules),    cmocka_unit_test(test_trigger_waive_complete),
        cmocka_unit_test(test_worklist), cmocka_unit_test(test_delinquency),
        cmocka_unit_test(test_queries),  cmocka_unit_test(test_providers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

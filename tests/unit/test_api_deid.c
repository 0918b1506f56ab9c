/* Research extracts through a real server (tests/support/http_client.h) on the backend under
 * test: permissions (deid.extract), data use agreements (record, read, terminate, in_force and
 * the problem), a Safe Harbor CSV extract answered as an attachment whose SHA-256 the log
 * keeps, a limited data set refused under an agreement missing an assurance or terminated and
 * made under one in force (JSON, one disclosure per patient), bad input naming the field, and
 * the audit entries. Agreements are recorded and terminated by the privacy officer only;
 * restricted charts are left out for a user who may not open them. */
#include "folio/base.h"

#include <setjmp.h>
#include <cmocka.h>

#include "folio/audit.h"
#include "folio/btg.h"
#include "folio/crypto.h"
#include "folio/json.h"
#include "http_client.h"
#include "server/server.h"
#include "testdb.h"

static struct http_fixture F;

enum { U_TECH = 0, U_CODER = 2, U_PRIVACY = 5, U_ANALYST = 8 };

static int setup(void **state)
{
    (void)state;
    http_fixture_start(&F, true);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    http_fixture_stop(&F);
    return 0;
}

struct res {
    int status;
    json_t *j;
    char ctype[128], disp[160];
    char *raw;
    size_t len;
};

static void res_free(struct res *r)
{
    json_decref(r->j);
    free(r->raw);
    memset(r, 0, sizeof *r);
}

static struct res call(int user, const char *method, const char *path, const char *body)
{
    struct http_req q;
    struct http_resp resp;
    struct res out;
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
    if (http_do(NULL, F.port, &q, &resp) != 0)
        fail_msg("%s %s: no response", method, path);
    if (resp.status >= 500)
        fail_msg("%s %s: %d %s", method, path, resp.status, resp.body);
    out.status = resp.status;
    out.j = json_loadb(resp.body, resp.body_len, 0, NULL);
    if (!http_header(&resp, "Content-Type", out.ctype, sizeof out.ctype))
        out.ctype[0] = '\0';
    if (!http_header(&resp, "Content-Disposition", out.disp, sizeof out.disp))
        out.disp[0] = '\0';
    out.raw = resp.body;
    out.len = resp.body_len;
    resp.body = NULL;
    http_resp_free(&resp);
    return out;
}

/* Expects status; for an error, the field it names. Returns the response. */
static struct res expect(int user, const char *method, const char *path, const char *body,
                         int status, const char *field)
{
    struct res r = call(user, method, path, body);
    if (r.status != status)
        fail_msg("%s %s %s: %d (want %d): %s", method, path, body ? body : "", r.status, status,
                 r.raw);
    if (field) {
        const char *f = json_string_value(json_object_get(json_object_get(r.j, "error"), "field"));
        if (!f || strcmp(f, field) != 0)
            fail_msg("%s %s: error field %s, want %s (%s)", method, path, f ? f : "(none)", field,
                     r.raw);
    }
    return r;
}

static int64_t count(const char *sql)
{
    int64_t n = -1;
    bool found = false;
    struct folio_err err = {0};
    if (folio_store_query_i64(F.db, sql, NULL, 0, &n, &found, &err) != FOLIO_OK)
        fail_msg("%s: %s", sql, err.msg);
    return n;
}

static int64_t audit_count(const char *action)
{
    char sql[200];
    (void)folio_snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM audit_log WHERE action = '%s'",
                         action);
    return count(sql);
}

static int64_t add_dua(const char *extra, bool in_force)
{
    char body[600];
    struct res r;
    int64_t id;

    (void)folio_snprintf(body, sizeof body,
                         "{\"recipient\":\"Outcomes Lab\",\"purpose\":\"readmission study\","
                         "\"users\":\"study team\",\"signed_on\":\"2024-01-01\","
                         "\"no_other_use\":true,\"safeguards\":true,\"report_violations\":true,"
                         "\"agents_bound\":true%s}",
                         extra);
    /* the analyst who uses an agreement never records it: the privacy officer does */
    r = expect(U_ANALYST, "POST", "/api/v1/deid/duas", body, 403, NULL);
    res_free(&r);
    r = expect(U_PRIVACY, "POST", "/api/v1/deid/duas", body, 201, NULL);
    id = json_integer_value(json_object_get(r.j, "id"));
    assert_true(id > 0);
    assert_int_equal(json_is_true(json_object_get(r.j, "in_force")), in_force);
    assert_string_equal(json_string_value(json_object_get(r.j, "created_by")),
                        F.usernames[U_PRIVACY]);
    res_free(&r);
    return id;
}

static void test_permissions(void **state)
{
    struct res r;
    (void)state;
    r = expect(U_CODER, "GET", "/api/v1/deid/duas", NULL, 403, NULL);
    res_free(&r);
    r = expect(U_TECH, "POST", "/api/v1/deid/extracts", "{\"criteria\":{\"class\":\"inpatient\"}}",
               403, NULL);
    res_free(&r);
    r = expect(U_PRIVACY, "GET", "/api/v1/deid/extracts", NULL, 200, NULL);
    res_free(&r);
}

static void test_duas_and_extracts(void **state)
{
    char body[400], path[80], sha[65], crit[80];
    int64_t partial, good;
    struct res r;
    json_t *doc;
    (void)state;

    (void)folio_snprintf(crit, sizeof crit, "{\"patients\":[%lld]}", (long long)F.patient_id);

    /* bad input names the field */
    r = expect(U_ANALYST, "POST", "/api/v1/deid/extracts", "{}", 400, "criteria");
    res_free(&r);
    r = expect(U_ANALYST, "POST", "/api/v1/deid/extracts", "{\"criteria\":{\"klass\":1}}", 400,
               "criteria.klass");
    res_free(&r);
    r = expect(U_ANALYST, "POST", "/api/v1/deid/extracts",
               "{\"criteria\":{\"class\":\"inpatient\"},\"format\":\"xml\"}", 400, "format");
    res_free(&r);
    r = expect(U_PRIVACY, "POST", "/api/v1/deid/duas", "{\"recipient\":\"x\"}", 400, "purpose");
    res_free(&r);
    r = expect(U_ANALYST, "GET", "/api/v1/deid/duas/4242", NULL, 404, "dua_id");
    res_free(&r);

    /* an agreement without every assurance: recorded, not usable */
    partial = add_dua("", false);
    (void)folio_snprintf(path, sizeof path, "/api/v1/deid/duas/%lld", (long long)partial);
    r = expect(U_ANALYST, "GET", path, NULL, 200, NULL);
    assert_non_null(strstr(json_string_value(json_object_get(r.j, "problem")), "no_reidentify"));
    res_free(&r);
    (void)folio_snprintf(body, sizeof body,
                         "{\"criteria\":%s,\"method\":\"limited_data_set\",\"dua_id\":%lld}", crit,
                         (long long)partial);
    r = expect(U_ANALYST, "POST", "/api/v1/deid/extracts", body, 409, "dua_id");
    res_free(&r);
    r = expect(U_ANALYST, "POST", "/api/v1/deid/extracts",
               "{\"criteria\":{\"class\":\"inpatient\"},\"method\":\"limited_data_set\"}", 400,
               "dua_id");
    res_free(&r);
    assert_int_equal(count("SELECT COUNT(*) FROM deid_extract"), 0);

    /* Safe Harbor CSV: an attachment; the log keeps its SHA-256; audited */
    (void)folio_snprintf(body, sizeof body, "{\"criteria\":%s}", crit);
    r = expect(U_ANALYST, "POST", "/api/v1/deid/extracts", body, 200, NULL);
    assert_non_null(strstr(r.ctype, "text/csv"));
    assert_non_null(strstr(r.disp, "attachment; filename=\"deid-extract-"));
    assert_non_null(strstr(r.disp, "-safe-harbor.csv\""));
    assert_true(strncmp(r.raw, "study_id,sex,age_at_admission,admission_year,", 45) == 0);
    folio_sha256_hex(r.raw, r.len, sha);
    res_free(&r);
    r = expect(U_ANALYST, "GET", "/api/v1/deid/extracts?limit=5", NULL, 200, NULL);
    {
        json_t *it = json_array_get(json_object_get(r.j, "items"), 0);
        assert_string_equal(json_string_value(json_object_get(it, "sha256")), sha);
        assert_string_equal(json_string_value(json_object_get(it, "method")), "safe_harbor");
        assert_true(json_is_null(json_object_get(it, "dua_id")));
        /* internal patient ids stay in the log: the list shows how many were given */
        assert_null(json_object_get(json_object_get(it, "criteria"), "patient_ids"));
        assert_int_equal(json_integer_value(
                             json_object_get(json_object_get(it, "criteria"), "patients_listed")),
                         1);
    }
    res_free(&r);
    assert_int_equal(audit_count("deid.extract"), 1);

    /* a limited data set under an agreement in force: JSON, one disclosure per patient */
    good = add_dua(",\"no_reidentify\":true", true);
    (void)folio_snprintf(body, sizeof body,
                         "{\"criteria\":%s,\"method\":\"limited_data_set\",\"dua_id\":%lld,"
                         "\"format\":\"json\",\"notes\":true}",
                         crit, (long long)good);
    r = expect(U_ANALYST, "POST", "/api/v1/deid/extracts", body, 200, NULL);
    assert_non_null(strstr(r.ctype, "application/json"));
    assert_non_null(strstr(r.disp, "-lds.json\""));
    doc = json_object_get(r.j, "header");
    assert_string_equal(json_string_value(json_object_get(doc, "method")), "limited_data_set");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "data_use_agreement"),
                                                        "id")),
                     good);
    res_free(&r);
    assert_int_equal(count("SELECT COUNT(*) FROM roi_disclosure WHERE basis = 'limited_data_set'"),
                     1);
    assert_int_equal(audit_count("deid.extract"), 2);
    assert_int_equal(audit_count("deid.dua_add"), 2);

    /* terminated: refused */
    (void)folio_snprintf(path, sizeof path, "/api/v1/deid/duas/%lld/termination", (long long)good);
    r = expect(U_PRIVACY, "POST", path, "{}", 400, "reason");
    res_free(&r);
    r = expect(U_ANALYST, "POST", path, "{\"reason\":\"study closed\"}", 403, NULL);
    res_free(&r);
    r = expect(U_PRIVACY, "POST", path, "{\"reason\":\"study closed\"}", 200, NULL);
    assert_false(json_is_true(json_object_get(r.j, "in_force")));
    assert_string_equal(json_string_value(json_object_get(r.j, "termination_reason")),
                        "study closed");
    res_free(&r);
    r = expect(U_PRIVACY, "POST", path, "{\"reason\":\"again\"}", 409, "dua_id");
    res_free(&r);
    r = expect(U_ANALYST, "POST", "/api/v1/deid/extracts", body, 409, "dua_id");
    assert_non_null(strstr(json_string_value(json_object_get(json_object_get(r.j, "error"),
                                                             "message")),
                           "terminated on"));
    res_free(&r);
    assert_int_equal(count("SELECT COUNT(*) FROM deid_extract"), 2);
    assert_int_equal(audit_count("deid.dua_terminate"), 1);

    r = expect(U_ANALYST, "GET", "/api/v1/deid/duas", NULL, 200, NULL);
    assert_int_equal(json_array_size(json_object_get(r.j, "items")), 2);
    res_free(&r);
}

/* A restricted chart the analyst has no care relationship with is left out of the extract and
 * counted; the privacy officer (who passes, btg.h) gets it. No glass is broken by an extract. */
static void test_restricted_left_out(void **state)
{
    char body[200];
    struct folio_err err = {0};
    const json_t *counts;
    struct res r;
    (void)state;

    if (folio_btg_restriction_set(F.db, "privacy", F.patient_id, true, false, "test: restricted",
                                  &err) != FOLIO_OK)
        fail_msg("restrict: %s", err.msg);
    (void)folio_snprintf(body, sizeof body, "{\"criteria\":{\"patients\":[%lld]},\"format\":\"json\"}",
                         (long long)F.patient_id);
    r = expect(U_ANALYST, "POST", "/api/v1/deid/extracts", body, 200, NULL);
    counts = json_object_get(json_object_get(r.j, "header"), "counts");
    assert_int_equal(json_integer_value(json_object_get(counts, "rows")), 0);
    assert_int_equal(json_integer_value(json_object_get(counts, "restricted_patients_left_out")),
                     1);
    res_free(&r);
    r = expect(U_PRIVACY, "POST", "/api/v1/deid/extracts", body, 200, NULL);
    counts = json_object_get(json_object_get(r.j, "header"), "counts");
    assert_true(json_integer_value(json_object_get(counts, "rows")) >= 1);
    assert_int_equal(json_integer_value(json_object_get(counts, "restricted_patients_left_out")),
                     0);
    res_free(&r);
    assert_int_equal(count("SELECT COUNT(*) FROM btg_grant"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_permissions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duas_and_extracts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restricted_left_out, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

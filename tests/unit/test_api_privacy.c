/* Break-the-glass through a real server (tests/support/http_client.h) on the backend under test:
 * the privacy officer restricts the fixture's chart; a clinician without a care relationship
 * gets 403 {"error":{"field":"break_the_glass"}} on the chart routes tried (chart, encounters,
 * document, the coding check and draft DRG, a merge and an unmerge; rolled back, audited
 * access.denied even so); lists (identity and patient search, coding and completeness
 * worklists, merge history) redact the chart; a grant ends with its session; an empty or short
 * reason is refused naming "reason"; after breaking the glass the chart opens; the item is in the
 * review queue and is reviewed; care-team grants; the alert run; users' family name and home
 * address; permissions. The check also runs when the server audits nothing. */
#include "folio/base.h"

#include <setjmp.h>
#include <cmocka.h>

#include "folio/audit.h"
#include "folio/json.h"
#include "folio/mpi.h"
#include "folio/privacy.h"
#include "folio/records.h"
#include "folio/roi.h"
#include "http_client.h"
#include "server/server.h"
#include "testdb.h"

static struct http_fixture F;

enum {
    U_TECH = 0,
    U_CODER = 2,
    U_ROI = 4,
    U_PRIVACY = 5,
    U_CLINICIAN = 7,
    U_ADMIN = 9,
    U_ALL = 10
};

static int setup(void **state)
{
    (void)state;
    http_fixture_start(&F, true);
    return 0;
}

static int setup_noaudit(void **state)
{
    (void)state;
    http_fixture_start(&F, false);
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
    char *raw;
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
    json_error_t je;
    char hdr[256];

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
    out.j = json_loadb(resp.body, resp.body_len, 0, &je);
    out.raw = resp.body;
    resp.body = NULL;
    http_resp_free(&resp);
    return out;
}

static const char *err_field(const struct res *r)
{
    return json_string_value(json_object_get(json_object_get(r->j, "error"), "field"));
}

static void expect(int user, const char *method, const char *path, const char *body, int status,
                   const char *field)
{
    struct res r = call(user, method, path, body);

    if (r.status != status)
        fail_msg("%s %s: HTTP %d, expected %d: %s", method, path, r.status, status,
                 r.raw ? r.raw : "");
    if (field && (!err_field(&r) || strcmp(err_field(&r), field) != 0))
        fail_msg("%s %s: field %s, expected %s", method, path,
                 err_field(&r) ? err_field(&r) : "(none)", field);
    res_free(&r);
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

static int64_t audit_count(const char *action, int64_t patient_id, const char *user)
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
    aq.username = user;
    if (folio_audit_search(F.db, &aq, &a, &page, &err) != FOLIO_OK)
        fail_msg("audit search: %s", err.msg);
    n = page.total;
    folio_arena_release(&a);
    return n;
}

static void restrict_chart(void)
{
    struct res r = call(U_PRIVACY, "PUT", pathf("/api/v1/patients/", F.patient_id, "/restriction"),
                        "{\"restricted\":true,\"reason\":\"a member of staff\"}");
    if (r.status != 200)
        fail_msg("restrict: %d %s", r.status, r.raw);
    assert_true(json_is_true(json_object_get(r.j, "restricted")));
    assert_string_equal(json_string_value(json_object_get(r.j, "access_why")), "privacy_officer");
    assert_int_equal(json_array_size(json_object_get(r.j, "history")), 1);
    res_free(&r);
}

static void test_break_the_glass(void **state)
{
    char chart[128], glass[128];
    struct res r;
    int64_t denied, rid;
    char body[128];

    (void)state;
    (void)folio_snprintf(chart, sizeof chart, "/api/v1/patients/%lld", (long long)F.patient_id);
    (void)folio_snprintf(glass, sizeof glass, "/api/v1/patients/%lld/break-glass",
                         (long long)F.patient_id);
    /* nothing restricted: the clinician opens the chart; there is no glass to break */
    expect(U_CLINICIAN, "GET", chart, NULL, 200, NULL);
    expect(U_CLINICIAN, "POST", glass, "{\"reason\":\"covering the ward tonight\"}", 409, "id");
    /* only the privacy officer restricts; a reason is required */
    expect(U_CLINICIAN, "PUT", pathf("/api/v1/patients/", F.patient_id, "/restriction"),
           "{\"restricted\":true,\"reason\":\"x\"}", 403, NULL);
    expect(U_PRIVACY, "PUT", pathf("/api/v1/patients/", F.patient_id, "/restriction"),
           "{\"restricted\":true}", 400, "reason");
    expect(U_PRIVACY, "PUT", pathf("/api/v1/patients/", F.patient_id, "/restriction"),
           "{\"restricted\":\"yes\",\"reason\":\"r\"}", 400, "restricted");
    restrict_chart();

    /* the clinician: 403 with field break_the_glass on every patient-scoped read, rolled back
     * (no patient.view committed) but audited access.denied */
    denied = audit_count("access.denied", F.patient_id, F.usernames[U_CLINICIAN]);
    {
        int64_t views = audit_count("patient.view", F.patient_id, F.usernames[U_CLINICIAN]);
        r = call(U_CLINICIAN, "GET", chart, NULL);
        assert_int_equal(r.status, 403);
        assert_string_equal(err_field(&r), "break_the_glass");
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(r.j, "error"), "code")),
            "permission");
        res_free(&r);
        assert_int_equal(audit_count("patient.view", F.patient_id, F.usernames[U_CLINICIAN]),
                         views);
    }
    expect(U_CLINICIAN, "GET", pathf("/api/v1/patients/", F.patient_id, "/encounters"), NULL, 403,
           "break_the_glass");
    expect(U_CLINICIAN, "GET", pathf("/api/v1/documents/", F.document_id, ""), NULL, 403,
           "break_the_glass");
    assert_int_equal(audit_count("access.denied", F.patient_id, F.usernames[U_CLINICIAN]),
                     denied + 3);
    /* the restriction itself may be read, and says what to do */
    r = call(U_CLINICIAN, "GET", pathf("/api/v1/patients/", F.patient_id, "/restriction"), NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.j, "access")), "needs_break_the_glass");
    assert_null(json_object_get(r.j, "history"));
    res_free(&r);
    /* the privacy officer passes; so does a user with every role (privacy officer included) */
    expect(U_PRIVACY, "GET", chart, NULL, 200, NULL);
    expect(U_ALL, "GET", chart, NULL, 200, NULL);

    /* the reason: required, long enough, a string */
    expect(U_CLINICIAN, "POST", glass, "{}", 400, "reason");
    expect(U_CLINICIAN, "POST", glass, "{\"reason\":\"\"}", 400, "reason");
    expect(U_CLINICIAN, "POST", glass, "{\"reason\":\"short\"}", 400, "reason");
    expect(U_CLINICIAN, "POST", glass, "{\"reason\":42}", 400, "reason");
    expect(U_CLINICIAN, "POST", glass, "{\"reason\":\"covering the ward\",\"x\":1}", 400, "x");
    expect(U_CLINICIAN, "POST", "/api/v1/patients/999999/break-glass",
           "{\"reason\":\"covering the ward tonight\"}", 404, NULL);
    r = call(U_CLINICIAN, "POST", glass, "{\"reason\":\"covering the ward tonight\"}");
    if (r.status != 201)
        fail_msg("break the glass: %d %s", r.status, r.raw);
    rid = (int64_t)json_integer_value(json_object_get(r.j, "review_id"));
    assert_true(rid > 0);
    assert_non_null(json_string_value(json_object_get(r.j, "expires_at")));
    res_free(&r);
    assert_int_equal(audit_count("privacy.break_glass", F.patient_id, F.usernames[U_CLINICIAN]), 1);
    /* now the chart opens */
    expect(U_CLINICIAN, "GET", chart, NULL, 200, NULL);
    expect(U_CLINICIAN, "GET", pathf("/api/v1/documents/", F.document_id, ""), NULL, 200, NULL);
    /* but not for another user without a relationship */
    expect(U_TECH, "GET", chart, NULL, 403, "break_the_glass");

    /* the privacy officer's queue */
    expect(U_CLINICIAN, "GET", "/api/v1/privacy/reviews", NULL, 403, NULL);
    expect(U_PRIVACY, "GET", "/api/v1/privacy/reviews?status=closed", NULL, 400, "status");
    expect(U_PRIVACY, "GET", "/api/v1/privacy/reviews?kind=nope", NULL, 400, "kind");
    r = call(U_PRIVACY, "GET", "/api/v1/privacy/reviews?status=open&kind=break_the_glass", NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_integer_value(json_object_get(r.j, "total")), 1);
    {
        json_t *it = json_array_get(json_object_get(r.j, "items"), 0);
        assert_int_equal(json_integer_value(json_object_get(it, "id")), rid);
        assert_string_equal(json_string_value(json_object_get(it, "username")),
                            F.usernames[U_CLINICIAN]);
        assert_int_equal(json_integer_value(json_object_get(it, "patient_id")), F.patient_id);
        assert_string_equal(json_string_value(json_object_get(it, "detail")),
                            "covering the ward tonight");
        /* the name and MRN read with the item (btg.h), as the other lists show them */
        assert_non_null(strstr(json_string_value(json_object_get(it, "patient_name")), "Fixture, "));
        assert_non_null(json_string_value(json_object_get(it, "mrn")));
    }
    res_free(&r);
    expect(U_PRIVACY, "POST", pathf("/api/v1/privacy/reviews/", rid, ""),
           "{\"disposition\":\"bad\"}", 400, "disposition");
    expect(U_PRIVACY, "POST", pathf("/api/v1/privacy/reviews/", rid, ""),
           "{\"disposition\":\"escalated\"}", 400, "note");
    expect(U_PRIVACY, "POST", "/api/v1/privacy/reviews/999999", "{\"disposition\":\"appropriate\"}",
           404, NULL);
    r = call(U_PRIVACY, "POST", pathf("/api/v1/privacy/reviews/", rid, ""),
             "{\"disposition\":\"appropriate\",\"note\":\"on call\"}");
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.j, "status")), "reviewed");
    assert_string_equal(json_string_value(json_object_get(r.j, "reviewed_by")),
                        F.usernames[U_PRIVACY]);
    res_free(&r);
    expect(U_PRIVACY, "POST", pathf("/api/v1/privacy/reviews/", rid, ""),
           "{\"disposition\":\"appropriate\"}", 409, "id");

    /* care-team grants: the coder gets one and passes, until it ends */
    expect(U_CODER, "GET", chart, NULL, 403, "break_the_glass");
    expect(U_PRIVACY, "POST", pathf("/api/v1/patients/", F.patient_id, "/care-team"),
           "{\"username\":\"nobody\"}", 404, "username");
    expect(U_PRIVACY, "POST", pathf("/api/v1/patients/", F.patient_id, "/care-team"),
           "{\"username\":\"x\",\"from_at\":\"2024-13-45\"}", 400, "from_at");
    (void)folio_snprintf(body, sizeof body, "{\"username\":\"%s\",\"role\":\"coder\"}",
                         F.usernames[U_CODER]);
    r = call(U_PRIVACY, "POST", pathf("/api/v1/patients/", F.patient_id, "/care-team"), body);
    assert_int_equal(r.status, 201);
    {
        json_t *it = json_array_get(json_object_get(r.j, "items"), 0);
        int64_t cid = (int64_t)json_integer_value(json_object_get(it, "id"));
        char p[128];
        res_free(&r);
        expect(U_CODER, "GET", chart, NULL, 200, NULL);
        (void)folio_snprintf(p, sizeof p, "/api/v1/patients/%lld/care-team/%lld",
                             (long long)F.patient_id, (long long)cid);
        expect(U_PRIVACY, "DELETE", p, NULL, 200, NULL);
        expect(U_PRIVACY, "DELETE", p, NULL, 409, "id");
        expect(U_CODER, "GET", chart, NULL, 403, "break_the_glass");
    }

    /* the alert run: bad day, then today (counts by kind); a rerun adds nothing */
    expect(U_PRIVACY, "POST", "/api/v1/privacy/alerts/run", "{\"day\":\"2024-13-45\"}", 400, "day");
    expect(U_PRIVACY, "POST", "/api/v1/privacy/alerts/run", "{\"day\":\"2999-01-01\"}", 400, "day");
    expect(U_CLINICIAN, "POST", "/api/v1/privacy/alerts/run", "{}", 403, NULL);
    r = call(U_PRIVACY, "POST", "/api/v1/privacy/alerts/run", "{}");
    assert_int_equal(r.status, 200);
    assert_non_null(json_object_get(json_object_get(r.j, "found"), "same_family_name"));
    assert_true(json_integer_value(json_object_get(r.j, "accesses")) > 0);
    res_free(&r);

    /* lifting the restriction opens the chart again */
    expect(U_PRIVACY, "PUT", pathf("/api/v1/patients/", F.patient_id, "/restriction"),
           "{\"restricted\":false,\"reason\":\"no longer needed\"}", 200, NULL);
    expect(U_TECH, "GET", chart, NULL, 200, NULL);
}

/* The family name and home address of users (for the alerts) through the users API, and a
 * same-family-name alert from real accesses of today. */
static void test_users_and_alert(void **state)
{
    char path[128], body[256];
    struct res r;
    char chart[128];
    json_t *pt;
    const char *family;

    (void)state;
    (void)folio_snprintf(chart, sizeof chart, "/api/v1/patients/%lld", (long long)F.patient_id);
    r = call(U_ALL, "GET", chart, NULL);
    assert_int_equal(r.status, 200);
    pt = json_object_get(r.j, "name");
    family = json_string_value(json_object_get(pt, "family"));
    assert_non_null(family);
    (void)folio_snprintf(body, sizeof body,
                         "{\"family_name\":\"%s\",\"home_postal_code\":\"68105\"}", family);
    res_free(&r);
    (void)folio_snprintf(path, sizeof path, "/api/v1/users/%s", F.usernames[U_TECH]);
    expect(U_ADMIN, "PATCH", path, "{\"family_name\":12}", 400, "family_name");
    r = call(U_ADMIN, "PATCH", path, body);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.j, "home_postal_code")), "68105");
    res_free(&r);
    r = call(U_ADMIN, "PATCH", path, "{\"home_street\":\"1 Main St\"}");
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.j, "home_postal_code")), "68105");
    assert_string_equal(json_string_value(json_object_get(r.j, "home_street")), "1 Main St");
    assert_non_null(json_string_value(json_object_get(r.j, "family_name")));
    res_free(&r);
    /* the technician opens the chart of someone with their own family name */
    expect(U_TECH, "GET", chart, NULL, 200, NULL);
    r = call(U_PRIVACY, "POST", "/api/v1/privacy/alerts/run", "{}");
    assert_int_equal(r.status, 200);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(r.j, "found"), "same_family_name")), 1);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(r.j, "added"), "same_family_name")), 1);
    res_free(&r);
    r = call(U_PRIVACY, "POST", "/api/v1/privacy/alerts/run", "{}");
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(r.j, "added"), "same_family_name")), 0);
    res_free(&r);
    r = call(U_PRIVACY, "GET", "/api/v1/privacy/reviews?kind=same_family_name", NULL);
    assert_int_equal(json_integer_value(json_object_get(r.j, "total")), 1);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(r.j, "items"), 0), "username")),
                        F.usernames[U_TECH]);
    res_free(&r);
}

/* Without auditing the rule still holds. */
static void test_no_audit(void **state)
{
    char chart[128];

    (void)state;
    (void)folio_snprintf(chart, sizeof chart, "/api/v1/patients/%lld", (long long)F.patient_id);
    restrict_chart();
    expect(U_CLINICIAN, "GET", chart, NULL, 403, "break_the_glass");
    expect(U_CLINICIAN, "POST", pathf("/api/v1/patients/", F.patient_id, "/break-glass"),
           "{\"reason\":\"covering the ward tonight\"}", 201, NULL);
    expect(U_CLINICIAN, "GET", chart, NULL, 200, NULL);
}

/* The item of a list (items[]) whose key equals id, or NULL. */
static json_t *item_with(json_t *list, const char *key, int64_t id)
{
    size_t i;
    json_t *it;

    json_array_foreach(list, i, it)
    {
        if (json_integer_value(json_object_get(it, key)) == id)
            return it;
    }
    return NULL;
}

/* Lists that name patients redact a restricted chart the user may not open (no name, MRN,
 * birth date, address); identity search and patient search keep the name the searcher typed
 * only; the per-encounter coding POSTs, a merge and an unmerge are checked like a chart opening;
 * the VIP flag is the privacy officer's to see; grants end with the session. */
static void test_lists_merge_session(void **state)
{
    char chart[128], body[512], search[512], family[128], given[128], born[40];
    struct res r;
    json_t *it;
    int64_t other = 0;

    (void)state;
    (void)folio_snprintf(chart, sizeof chart, "/api/v1/patients/%lld", (long long)F.patient_id);
    r = call(U_ALL, "GET", chart, NULL);
    assert_int_equal(r.status, 200);
    (void)folio_strlcpy(family,
                        json_string_value(json_object_get(json_object_get(r.j, "name"), "family")),
                        sizeof family);
    (void)folio_strlcpy(given,
                        json_string_value(json_object_get(json_object_get(r.j, "name"), "given")),
                        sizeof given);
    (void)folio_strlcpy(born, json_string_value(json_object_get(r.j, "birth_date")), sizeof born);
    (void)folio_snprintf(body, sizeof body,
                         "{\"family\":\"%s\",\"given\":\"%s\",\"birth_date\":\"%s\"}", family,
                         given, born);
    res_free(&r);
    {
        struct folio_chart c = {F.db, NULL, "tester"};
        struct folio_patient_new p = {
            .name = {.family = "Other", .given = "Olga"}, .birth_date = "1980-02-02", .sex = "F"};
        struct folio_err err;

        folio_err_clear(&err);
        struct folio_roi_request rq = {.patient_id = F.patient_id,
                                       .requester_type = FOLIO_ROI_PATIENT,
                                       .requester_name = "The Patient Herself",
                                       .purpose = "personal",
                                       .delivery = "mail"};

        folio_err_clear(&err);
        if (folio_roi_request_create(F.db, &rq, "tester", NULL, &err) != FOLIO_OK)
            fail_msg("roi request: %s", err.msg);
        if (folio_patient_create(&c, &p, &other, &err) != FOLIO_OK ||
            folio_mpi_index_patient(&c, F.patient_id, &err) != FOLIO_OK ||
            folio_mpi_index_patient(&c, other, &err) != FOLIO_OK)
            fail_msg("patient: %s", err.msg);
    }
    /* open: the technician sees everything */
    r = call(U_TECH, "POST", "/api/v1/patients/identity-search", body);
    assert_int_equal(r.status, 200);
    it = item_with(json_object_get(r.j, "items"), "patient_id", F.patient_id);
    if (!it)
        fail_msg("identity search: %s", r.raw);
    assert_non_null(json_object_get(json_object_get(it, "patient"), "birth_date"));
    res_free(&r);

    restrict_chart();
    expect(U_PRIVACY, "PUT", pathf("/api/v1/patients/", F.patient_id, "/restriction"),
           "{\"vip\":true,\"reason\":\"in the news\"}", 200, NULL);
    /* the VIP flag: only the privacy officer */
    r = call(U_CLINICIAN, "GET", pathf("/api/v1/patients/", F.patient_id, "/restriction"), NULL);
    assert_int_equal(r.status, 200);
    assert_null(json_object_get(r.j, "vip"));
    assert_true(json_is_true(json_object_get(r.j, "restricted")));
    res_free(&r);
    r = call(U_PRIVACY, "GET", pathf("/api/v1/patients/", F.patient_id, "/restriction"), NULL);
    assert_true(json_is_true(json_object_get(r.j, "vip")));
    res_free(&r);

    /* identity search: the name only */
    r = call(U_TECH, "POST", "/api/v1/patients/identity-search", body);
    assert_int_equal(r.status, 200);
    it = item_with(json_object_get(r.j, "items"), "patient_id", F.patient_id);
    assert_non_null(it);
    assert_true(json_is_true(json_object_get(it, "restricted")));
    it = json_object_get(it, "patient");
    assert_true(json_is_true(json_object_get(it, "restricted")));
    assert_null(json_object_get(it, "birth_date"));
    assert_null(json_object_get(it, "address"));
    assert_null(json_object_get(it, "email"));
    assert_null(json_object_get(it, "ssn"));
    res_free(&r);
    /* patient search by name: listed, no MRN or birth date */
    (void)folio_snprintf(search, sizeof search, "/api/v1/patients?name=%s", family);
    r = call(U_TECH, "GET", search, NULL);
    assert_int_equal(r.status, 200);
    it = item_with(json_object_get(r.j, "items"), "id", F.patient_id);
    assert_non_null(it);
    assert_true(json_is_true(json_object_get(it, "restricted")));
    assert_null(json_object_get(it, "mrn"));
    assert_null(json_object_get(it, "birth_date"));
    res_free(&r);
    /* the privacy officer still sees the list in full */
    r = call(U_ALL, "GET", search, NULL);
    it = item_with(json_object_get(r.j, "items"), "id", F.patient_id);
    assert_non_null(it);
    assert_null(json_object_get(it, "restricted"));
    res_free(&r);

    /* worklists: the fixture's discharged inpatient stay is on both */
    r = call(U_TECH, "GET", "/api/v1/coding/worklist?limit=500", NULL);
    assert_int_equal(r.status, 200);
    it = item_with(json_object_get(r.j, "items"), "patient_id", F.patient_id);
    assert_non_null(it);
    assert_true(json_is_true(json_object_get(json_object_get(it, "patient"), "restricted")));
    assert_null(json_object_get(json_object_get(it, "patient"), "mrn"));
    assert_true(json_is_null(json_object_get(it, "account_number")));
    assert_null(strstr(r.raw, family));
    res_free(&r);
    r = call(U_TECH, "GET", "/api/v1/completeness/worklist?status=all&limit=500", NULL);
    assert_int_equal(r.status, 200);
    it = item_with(json_object_get(r.j, "items"), "patient_id", F.patient_id);
    assert_non_null(it);
    assert_string_equal(json_string_value(json_object_get(it, "patient_name")), "restricted chart");
    assert_true(json_is_null(json_object_get(it, "mrn")));
    assert_null(strstr(r.raw, family));
    res_free(&r);
    /* the ROI queue: no name, MRN, nor the requester's name when it is the patient */
    r = call(U_ROI, "GET", "/api/v1/roi/requests", NULL);
    assert_int_equal(r.status, 200);
    it = item_with(json_object_get(r.j, "items"), "patient_id", F.patient_id);
    assert_non_null(it);
    assert_true(json_is_true(json_object_get(it, "restricted")));
    assert_string_equal(json_string_value(json_object_get(it, "patient_name")), "restricted chart");
    assert_true(json_is_null(json_object_get(it, "mrn")));
    assert_null(strstr(r.raw, family));
    assert_null(strstr(r.raw, "Herself"));
    res_free(&r);
    /* per-encounter POSTs read the chart: checked */
    expect(U_CODER, "POST", pathf("/api/v1/encounters/", F.encounter_id, "/abstract/check"),
           "{\"codes\":[]}", 403, "break_the_glass");
    expect(U_CODER, "POST", pathf("/api/v1/encounters/", F.encounter_id, "/abstract/drg"),
           "{\"codes\":[]}", 403, "break_the_glass");

    /* a merge of the restricted chart into an open one: refused for the technician */
    (void)folio_snprintf(body, sizeof body,
                         "{\"surviving_id\":%lld,\"retired_id\":%lld,\"reason\":\"same person\"}",
                         (long long)other, (long long)F.patient_id);
    expect(U_TECH, "POST", "/api/v1/mpi/merges", body, 403, "break_the_glass");
    /* done by someone who may open both, the survivor is restricted too */
    r = call(U_ALL, "POST", "/api/v1/mpi/merges", body);
    assert_int_equal(r.status, 201);
    {
        int64_t mid = (int64_t)json_integer_value(json_object_get(r.j, "id"));
        res_free(&r);
        expect(U_TECH, "GET", pathf("/api/v1/patients/", other, ""), NULL, 403, "break_the_glass");
        /* the merge history lists the survivor redacted */
        r = call(U_TECH, "GET", "/api/v1/mpi/merges", NULL);
        assert_int_equal(r.status, 200);
        it = item_with(json_object_get(r.j, "items"), "id", mid);
        assert_non_null(it);
        assert_true(json_is_true(json_object_get(json_object_get(it, "surviving"), "restricted")));
        res_free(&r);
        expect(U_TECH, "POST", pathf("/api/v1/mpi/merges/", mid, "/unmerge"),
               "{\"reason\":\"two people\"}", 403, "break_the_glass");
        expect(U_ALL, "POST", pathf("/api/v1/mpi/merges/", mid, "/unmerge"),
               "{\"reason\":\"two people\"}", 200, NULL);
    }

    /* the MPI worklist: a twin of the restricted patient pairs with it; the pair is listed with
     * both charts redacted (and no values in its reasons), and no decision is taken on it by
     * someone who may not open both */
    {
        struct folio_chart c = {F.db, NULL, "tester"};
        struct folio_patient_new p = {
            .name = {.family = family, .given = given}, .birth_date = born, .sex = "F"};
        struct folio_err err;
        int64_t twin = 0, pair = 0;
        size_t i;

        folio_err_clear(&err);
        if (folio_patient_create(&c, &p, &twin, &err) != FOLIO_OK ||
            folio_mpi_index_patient(&c, twin, &err) != FOLIO_OK ||
            folio_mpi_index_patient(&c, F.patient_id, &err) != FOLIO_OK)
            fail_msg("twin: %s", err.msg);
        expect(U_ALL, "POST", "/api/v1/mpi/worklist/scan", "{}", 200, NULL);
        r = call(U_TECH, "GET", "/api/v1/mpi/worklist?status=all&limit=1000", NULL);
        assert_int_equal(r.status, 200);
        json_array_foreach(json_object_get(r.j, "items"), i, it)
        {
            if (json_integer_value(json_object_get(it, "patient_a")) == F.patient_id ||
                json_integer_value(json_object_get(it, "patient_b")) == F.patient_id) {
                json_t *pa = json_object_get(it, "a"), *pb = json_object_get(it, "b");
                json_t *rp =
                    json_integer_value(json_object_get(pa, "id")) == F.patient_id ? pa : pb;
                pair = (int64_t)json_integer_value(json_object_get(it, "id"));
                json_t *fl;
                size_t k;

                assert_true(json_is_true(json_object_get(rp, "restricted")));
                assert_null(json_object_get(rp, "birth_date"));
                /* the reasons quote no values (the twin's are the restricted patient's too) */
                json_array_foreach(json_object_get(json_object_get(it, "reasons"), "fields"), k, fl)
                {
                    assert_false(json_is_string(json_object_get(fl, "a")));
                    assert_false(json_is_string(json_object_get(fl, "b")));
                }
                break;
            }
        }
        if (!pair)
            fail_msg("no worklist pair with the restricted patient: %s", r.raw);
        res_free(&r);
        expect(U_TECH, "POST", pathf("/api/v1/mpi/worklist/", pair, "/decision"),
               "{\"decision\":\"not_duplicate\",\"note\":\"different people\"}", 403,
               "break_the_glass");
    }

    /* bad input on the care team */
    expect(U_PRIVACY, "POST", pathf("/api/v1/patients/", F.patient_id, "/care-team"),
           "{\"username\":\"u_coder\",\"from_at\":\"9999-01-01\"}", 400, "from_at");
    expect(U_PRIVACY, "DELETE", pathf("/api/v1/patients/", F.patient_id, "/care-team/999999"), NULL,
           404, "id");

    /* a grant ends with the session that broke the glass */
    expect(U_CLINICIAN, "POST", pathf("/api/v1/patients/", F.patient_id, "/break-glass"),
           "{\"reason\":\"covering the ward tonight\"}", 201, NULL);
    expect(U_CLINICIAN, "GET", chart, NULL, 200, NULL);
    expect(U_CLINICIAN, "DELETE", "/api/v1/session", NULL, 204, NULL);
    {
        struct folio_auth_policy pol;
        struct folio_session sess;
        struct folio_err err;
        const char *why = NULL;

        folio_auth_policy_defaults(&pol);
        folio_err_clear(&err);
        if (folio_auth_login(F.db, &pol, F.usernames[U_CLINICIAN], "fixture-password-1", false,
                             F.tokens[U_CLINICIAN], &sess, &why, &err) != FOLIO_OK)
            fail_msg("login: %s", err.msg);
    }
    expect(U_CLINICIAN, "GET", chart, NULL, 403, "break_the_glass");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_break_the_glass, setup, teardown),
        cmocka_unit_test_setup_teardown(test_users_and_alert, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_audit, setup_noaudit, teardown),
        cmocka_unit_test_setup_teardown(test_lists_merge_session, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

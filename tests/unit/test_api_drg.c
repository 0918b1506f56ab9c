/* The MS-DRG routes through a real server (tests/support/http_client.h): the DRG of a saved
 * abstract, a draft's DRG and the what-if (dropping the only MCC lowers the DRG), the drivers,
 * weight and expected payment (computed here from the test's own Table 5 and rates), the
 * version by discharge date and the labelled fallback, outpatient refused, no tables 409, the
 * case-mix report (numbers computed here independently: the stays are grouped with the grouper
 * library directly and weighed from the Table 5 this test writes), bad input naming the field,
 * permissions and audit entries.
 *
 * The grouper tables are the real v43.1 ones from ../shared (FOLIO_SHARED): every test is
 * skipped, saying so, when they are absent. The Table 5 is written by the test: made-up weights
 * (not CMS's) for every DRG except 195, fiscal year 2026. The expected DRGs are the MS-DRG
 * definitions': simple pneumonia 193/194/195 (with MCC / CC / neither), heart failure 291/292. */
#include "folio/base.h"

#include <math.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>

#include "folio/audit.h"
#include "folio/drg.h"
#include "folio/json.h"
#include "folio/records.h"
#include "http_client.h"
#include "server/drg_cache.h"
#include "server/server.h"
#include "testdb.h"

static struct http_fixture F;
static char drg_dir[512];
static bool have_tables;
static struct folio_drg_version *V; /* the test's own copy, for the independent computation */

enum { U_TECH = 0, U_CODER = 2, U_AUDITOR = 3, U_CLINICIAN = 7, U_ANALYST = 8 };

#define BASE_RATE   6000.00
#define LABOR_SHARE 0.676
#define WAGE_INDEX  1.05
#define NO_ROW_DRG  195 /* left out of the test's Table 5 */

/* The test's made-up weight of a DRG (four decimals, as Table 5 has them): of the order of real
 * ones for the DRGs the tests reach (with MCC > with CC > without), arbitrary for the others. */
static double test_weight(int drg)
{
    switch (drg) {
    case 193:
        return 1.3100;
    case 194:
        return 0.9200;
    case 195:
        return 0.6700;
    case 291:
        return 1.3400;
    case 292:
        return 0.9300;
    case 293:
        return 0.6600;
    }
    return 0.4 + (double)((drg * 37) % 300) / 100.0 + (double)(drg % 7) / 10000.0;
}

static const char *fpath(const char *name)
{
    static char p[512];

    (void)folio_snprintf(p, sizeof p, "%s/%s", F.dir, name);
    return p;
}

static void write_table5(void)
{
    FILE *fp = fopen(fpath("table5_test.txt"), "wb");
    int d;

    assert_non_null(fp);
    fputs("TABLE 5 (TEST DATA: made-up weights)\n"
          "MS-DRG\tFY 2026 Final Rule Post-Acute DRG\tFY 2026 Final Rule Special Pay DRG\tMDC\t"
          "TYPE\tMS-DRG Title\tWeights\tGeometric mean LOS\tArithmetic mean LOS\n",
          fp);
    for (d = 1; d <= 998; d++) {
        if (d == NO_ROW_DRG)
            continue;
        fprintf(fp, "%03d\t%s\tNo\t05\tMED\tTEST DRG %d\t%.4f\t%.1f\t%.1f\n", d,
                d % 3 == 0 ? "Yes" : "No", d, test_weight(d), 2.0 + d % 7, 3.0 + d % 7);
    }
    fclose(fp);
}

/* Loads the server's tables (the shared v43.1 grouper, the test's Table 5, the rates). */
static void install(bool fallback)
{
    struct folio_drg_cache_opts o;
    struct folio_drg_cache *c = NULL;
    struct folio_err err;
    const char *dirs[1] = {drg_dir};
    const char *t5[1] = {fpath("table5_test.txt")};

    memset(&o, 0, sizeof o);
    folio_err_clear(&err);
    o.drg_dirs = dirs;
    o.n_drg_dirs = 1;
    o.table5_files = t5;
    o.n_table5 = 1;
    o.have_rates = true;
    o.rates.base_rate = BASE_RATE;
    o.rates.labor_share = LABOR_SHARE;
    o.rates.wage_index = WAGE_INDEX;
    o.fallback_newest = fallback;
    if (folio_drg_cache_load(&o, &c, &err) != FOLIO_OK)
        fail_msg("drg cache: %s", err.msg);
    folio_drg_cache_install(c);
}

static int setup(void **state)
{
    const char *shared = getenv("FOLIO_SHARED");
    char probe[600];
    struct folio_err err;

    (void)state;
    (void)folio_snprintf(drg_dir, sizeof drg_dir, "%s/data/codesets/msdrg-v431",
                         shared && shared[0] ? shared : "../shared");
    (void)folio_snprintf(probe, sizeof probe, "%s/msdrg_v431_dx.tsv", drg_dir);
    have_tables = access(probe, R_OK) == 0;
    if (!have_tables)
        print_message("SKIP: no MS-DRG v43.1 tables at %s (set FOLIO_SHARED): every test of this "
                      "file is skipped\n",
                      drg_dir);
    http_fixture_start(&F, true);
    if (have_tables) {
        write_table5();
        install(false);
        folio_err_clear(&err);
        if (folio_drg_load(drg_dir, &V, &err) != FOLIO_OK)
            fail_msg("drg load: %s", err.msg);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    folio_drg_cache_install(NULL);
    folio_drg_free(V);
    unlink(fpath("table5_test.txt"));
    http_fixture_stop(&F);
    return 0;
}

#define NEED_TABLES()                                                                              \
    do {                                                                                           \
        if (!have_tables)                                                                          \
            skip();                                                                                \
    } while (0)

/* ---------------------------------------------------------------- HTTP helpers */

struct res {
    int status;
    json_t *j;
    char *raw;
    char ctype[128];
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
    out.raw = strdup(resp.body ? resp.body : "");
    if (!http_header(&resp, "Content-Type", out.ctype, sizeof out.ctype))
        out.ctype[0] = '\0';
    http_resp_free(&resp);
    return out;
}

static const char *jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static int64_t jint(const json_t *o, const char *k)
{
    return (int64_t)json_integer_value(json_object_get(o, k));
}

static void expect_status(const struct res *r, int status, const char *what)
{
    if (r->status != status)
        fail_msg("%s: HTTP %d, expected %d: %s", what, r->status, status, r->raw);
}

static void expect_field(const struct res *r, int status, const char *field, const char *what)
{
    const char *f;

    expect_status(r, status, what);
    f = jstr(json_object_get(r->j, "error"), "field");
    if (!f || strcmp(f, field) != 0)
        fail_msg("%s: error field %s, expected %s: %s", what, f ? f : "(none)", field, r->raw);
}

static const char *path_of(int64_t enc, const char *tail)
{
    static char p[160];

    (void)folio_snprintf(p, sizeof p, "/api/v1/encounters/%lld/abstract%s", (long long)enc, tail);
    return p;
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

/* A new encounter of the fixture patient (a woman born 1961). */
static int64_t new_encounter(const char *cls, const char *admit, const char *discharge,
                             const char *service, const char *dispo)
{
    struct folio_chart c = {F.db, &F.key, "fixture"};
    struct folio_encounter_new e;
    struct folio_err err;
    int64_t id = 0;

    folio_err_clear(&err);
    memset(&e, 0, sizeof e);
    e.patient_id = F.patient_id;
    e.facility_code = "MAIN";
    e.enc_class = cls;
    e.admit_at = admit;
    e.discharge_at = discharge;
    e.service = service;
    e.disposition = dispo;
    if (folio_encounter_create(&c, &e, &id, &err) != FOLIO_OK)
        fail_msg("encounter: %s", err.msg);
    return id;
}

static int64_t new_provider(const char *family, const char *given)
{
    struct folio_chart c = {F.db, &F.key, "fixture"};
    struct folio_provider p;
    struct folio_err err;
    int64_t id = 0;

    folio_err_clear(&err);
    memset(&p, 0, sizeof p);
    p.family = family;
    p.given = given;
    if (folio_provider_create(&c, &p, &id, &err) != FOLIO_OK)
        fail_msg("provider: %s", err.msg);
    return id;
}

static void attend(int64_t enc, int64_t provider, const char *from)
{
    struct folio_chart c = {F.db, &F.key, "fixture"};
    struct folio_err err;
    int64_t id = 0;

    folio_err_clear(&err);
    if (folio_encounter_add_provider(&c, enc, provider, "attending", from, &id, &err) != FOLIO_OK)
        fail_msg("attending: %s", err.msg);
}

/* {"codes":[...]} of a principal diagnosis and secondary diagnoses, all POA Y. sdx: NULL-ended. */
static char *draft(const char *pdx, const char *const *sdx, const char *extra)
{
    static char b[2048];
    size_t n;

    (void)folio_snprintf(b, sizeof b,
                         "{\"codes\":[{\"role\":\"principal\",\"code\":\"%s\","
                         "\"poa\":\"Y\"}",
                         pdx);
    for (; sdx && *sdx; sdx++) {
        n = strlen(b);
        (void)folio_snprintf(b + n, sizeof b - n,
                             ",{\"role\":\"secondary\",\"code\":\"%s\",\"poa\":\"Y\"}", *sdx);
    }
    n = strlen(b);
    (void)folio_snprintf(b + n, sizeof b - n, "]%s}", extra ? extra : "");
    return b;
}

/* Saves codes on enc and finalizes the abstract. */
static void save_final(int64_t enc, const char *body)
{
    struct res r = call(U_CODER, "PUT", path_of(enc, ""), body, NULL);
    char etag[32];

    expect_status(&r, 200, "save");
    (void)folio_snprintf(etag, sizeof etag, "\"v%lld\"", (long long)jint(r.j, "version"));
    res_free(&r);
    r = call(U_CODER, "POST", path_of(enc, "/status"), "{\"to\":\"final\"}", etag);
    expect_status(&r, 200, "finalize");
    res_free(&r);
}

/* The expected payment of a discharge (not a transfer): CMS's formula as docs/drg-payment.md
 * writes it, each figure rounded to the cent, half away from zero. */
static int64_t expected_payment(double weight)
{
    int64_t base = llround(BASE_RATE * 100.0);
    int64_t labor = llround((double)base * LABOR_SHARE);
    int64_t adjusted = llround((double)labor * WAGE_INDEX) + (base - labor);

    return llround(weight * (double)adjusted);
}

/* ---------------------------------------------------------------- tests */

static void test_no_tables(void **state)
{
    int64_t enc;
    struct res r;

    (void)state;
    NEED_TABLES();
    enc = new_encounter("inpatient", "2026-05-01T08:00Z", "2026-05-03T10:00Z", NULL, "01");
    folio_drg_cache_install(NULL);
    r = call(U_CODER, "GET", path_of(enc, "/drg"), NULL, NULL);
    expect_field(&r, 409, "drg", "GET without tables");
    assert_non_null(
        strstr(jstr(json_object_get(r.j, "error"), "message"), "no MS-DRG tables loaded"));
    res_free(&r);
    r = call(U_CODER, "POST", path_of(enc, "/drg"), draft("J189", NULL, NULL), NULL);
    expect_field(&r, 409, "drg", "POST without tables");
    res_free(&r);
    r = call(U_CODER, "GET", "/api/v1/coding/casemix", NULL, NULL);
    expect_field(&r, 409, "drg", "case mix without tables");
    res_free(&r);
    install(false);
    r = call(U_CODER, "GET", path_of(enc, "/drg"), NULL, NULL);
    expect_status(&r, 200, "GET with tables");
    assert_string_equal(jstr(r.j, "state"), "no_principal");
    res_free(&r);
}

static void test_saved_abstract(void **state)
{
    const char *sdx[] = {"N179", "E119", NULL};
    int64_t enc, views;
    const json_t *d, *pay;
    struct res r;

    (void)state;
    NEED_TABLES();
    enc = new_encounter("inpatient", "2026-05-01T08:00Z", "2026-05-04T10:00Z", "MED", "01");
    r = call(U_CODER, "PUT", path_of(enc, ""), draft("J18.9", sdx, NULL), NULL);
    expect_status(&r, 200, "save");
    res_free(&r);
    views = audit_count("coding.view", F.patient_id);
    r = call(U_CODER, "GET", path_of(enc, "/drg"), NULL, NULL);
    expect_status(&r, 200, "GET drg");
    assert_int_equal(audit_count("coding.view", F.patient_id), views + 1);
    assert_string_equal(jstr(r.j, "state"), "grouped");
    assert_int_equal(jint(r.j, "abstract_version"), 1);
    /* v43.1 covers 2026-05-04 */
    assert_string_equal(jstr(json_object_get(r.j, "version"), "name"), "43.1");
    assert_true(json_is_true(json_object_get(json_object_get(r.j, "version"), "in_force")));
    assert_string_equal(jstr(r.j, "message"), "grouped with v43.1, in force on 2026-05-04");
    /* pneumonia with a CC */
    assert_int_equal(jint(r.j, "drg"), 194);
    assert_int_equal(jint(r.j, "mdc"), 4);
    assert_string_equal(jstr(r.j, "severity"), "CC");
    assert_string_equal(jstr(r.j, "med_surg"), "MEDICAL");
    assert_non_null(strstr(jstr(r.j, "title"), "Pneumonia"));
    assert_true(json_is_null(json_object_get(r.j, "initial")));
    /* N17.9 (the saved abstract's code 1) is the CC that drives it */
    d = json_object_get(r.j, "drivers");
    assert_int_equal(json_array_size(d), 1);
    assert_int_equal(jint(json_array_get(d, 0), "code_index"), 1);
    assert_string_equal(jstr(json_array_get(d, 0), "dotted"), "N17.9");
    assert_string_equal(jstr(json_array_get(d, 0), "text"), "CC: drives DRG 194");
    d = json_object_get(r.j, "sdx");
    assert_int_equal(json_array_size(d), 2);
    assert_string_equal(jstr(json_array_get(d, 0), "usage"), "CC");
    assert_true(json_is_true(json_object_get(json_array_get(d, 0), "driver")));
    assert_int_equal(jint(json_object_get(json_array_get(d, 0), "without"), "drg"), 195);
    assert_string_equal(jstr(json_array_get(d, 1), "usage"), "NEITHER");
    assert_int_equal(jint(json_object_get(json_array_get(d, 1), "without"), "drg"), 194);
    /* weight from the test's Table 5; payment from the rates */
    assert_true(fabs(json_real_value(json_object_get(r.j, "weight")) - test_weight(194)) < 1e-9);
    assert_true(fabs(json_real_value(json_object_get(r.j, "gmlos")) - (2.0 + 194 % 7)) < 1e-9);
    pay = json_object_get(r.j, "payment");
    assert_non_null(pay);
    assert_int_equal(jint(pay, "total_cents"), expected_payment(test_weight(194)));
    assert_string_equal(jstr(pay, "status_kind"), "discharge");
    assert_true(json_array_size(json_object_get(pay, "explain")) > 3);
    assert_string_equal(jstr(json_object_get(r.j, "inputs"), "discharge_status"), "01");
    assert_false(
        json_is_true(json_object_get(json_object_get(r.j, "inputs"), "discharge_status_assumed")));
    assert_int_equal(jint(json_object_get(r.j, "inputs"), "los"), 3);
    res_free(&r);
}

static void test_draft_what_if(void **state)
{
    const char *with_mcc[] = {"I5023", "E119", NULL}, *without[] = {"E119", NULL};
    const char *two_mcc[] = {"I5023", "J9601", NULL};
    int64_t enc, views;
    const json_t *d, *sdx;
    struct res r, w;

    (void)state;
    NEED_TABLES();
    enc = new_encounter("inpatient", "2026-06-01T08:00Z", "2026-06-05T10:00Z", "MED", "01");
    views = audit_count("coding.view", F.patient_id);
    /* the only MCC drives DRG 193 */
    r = call(U_CODER, "POST", path_of(enc, "/drg"), draft("J189", with_mcc, NULL), NULL);
    expect_status(&r, 200, "draft with the MCC");
    assert_int_equal(jint(r.j, "drg"), 193);
    assert_string_equal(jstr(r.j, "severity"), "MCC");
    d = json_object_get(r.j, "drivers");
    assert_int_equal(json_array_size(d), 1);
    assert_string_equal(jstr(json_array_get(d, 0), "code"), "I5023");
    assert_string_equal(jstr(json_array_get(d, 0), "level"), "MCC");
    assert_string_equal(jstr(json_array_get(d, 0), "text"), "MCC: drives DRG 193");
    sdx = json_object_get(r.j, "sdx");
    /* its what-if: without it, DRG 195 (E11.9 is no CC) */
    assert_int_equal(jint(json_object_get(json_array_get(sdx, 0), "without"), "drg"), 195);
    assert_true(json_is_true(
        json_object_get(json_object_get(json_array_get(sdx, 0), "without"), "changes")));
    /* the what-if done by the client (the same draft without it) agrees */
    w = call(U_CODER, "POST", path_of(enc, "/drg"), draft("J189", without, NULL), NULL);
    expect_status(&w, 200, "draft without the MCC");
    assert_int_equal(jint(w.j, "drg"), 195);
    assert_string_equal(jstr(w.j, "severity"), "NON_CC");
    assert_int_equal(json_array_size(json_object_get(w.j, "drivers")), 0);
    /* DRG 195 has no row in the test's Table 5: no weight, and the note says why */
    assert_true(json_is_null(json_object_get(w.j, "weight")));
    assert_true(json_is_null(json_object_get(w.j, "payment")));
    assert_non_null(strstr(jstr(w.j, "payment_note"), "DRG 195 has no row in Table 5"));
    res_free(&w);
    res_free(&r);
    /* two MCCs: each is "one of 2", and dropping one alone keeps the DRG */
    r = call(U_CODER, "POST", path_of(enc, "/drg"), draft("I5023", two_mcc + 1, NULL), NULL);
    expect_status(&r, 200, "heart failure with an MCC");
    assert_int_equal(jint(r.j, "drg"), 291);
    res_free(&r);
    r = call(U_CODER, "POST", path_of(enc, "/drg"), draft("J189", two_mcc, NULL), NULL);
    expect_status(&r, 200, "two MCCs");
    assert_int_equal(jint(r.j, "drg"), 193);
    d = json_object_get(r.j, "drivers");
    assert_int_equal(json_array_size(d), 2);
    assert_non_null(strstr(jstr(json_array_get(d, 0), "text"), "one of 2"));
    assert_int_equal(
        jint(json_object_get(json_array_get(json_object_get(r.j, "sdx"), 1), "without"), "drg"),
        193);
    res_free(&r);
    /* what is not grouped is listed: the admitting diagnosis, a CPT code */
    r = call(U_CODER, "POST", path_of(enc, "/drg"),
             "{\"codes\":[{\"role\":\"principal\",\"code\":\"J189\",\"poa\":\"Y\"},"
             "{\"role\":\"admitting\",\"code\":\"R05\"},"
             "{\"role\":\"procedure\",\"system\":\"cpt\",\"code\":\"99223\"}]}",
             NULL);
    expect_status(&r, 200, "not grouped");
    d = json_object_get(json_object_get(r.j, "inputs"), "not_grouped");
    assert_int_equal(json_array_size(d), 2);
    assert_int_equal(jint(json_array_get(d, 0), "code_index"), 1);
    assert_int_equal(jint(json_array_get(d, 1), "code_index"), 2);
    assert_int_equal(jint(r.j, "drg"), 195);
    res_free(&r);
    /* no principal: said, not an error */
    r = call(U_CODER, "POST", path_of(enc, "/drg"), "{\"codes\":[]}", NULL);
    expect_status(&r, 200, "empty draft");
    assert_string_equal(jstr(r.j, "state"), "no_principal");
    res_free(&r);
    /* drafts are not audited and write nothing */
    assert_int_equal(audit_count("coding.view", F.patient_id), views);
    r = call(U_CODER, "GET", path_of(enc, ""), NULL, NULL);
    expect_status(&r, 200, "abstract after drafts");
    assert_int_equal(jint(r.j, "version"), 0);
    res_free(&r);
}

static void test_version_by_date(void **state)
{
    const char *sdx[] = {"I5023", NULL};
    int64_t enc, unk;
    struct res r;

    (void)state;
    NEED_TABLES();
    /* FY2021: no version loaded covers it */
    enc = new_encounter("inpatient", "2021-03-01T08:00Z", "2021-03-04T10:00Z", NULL, "01");
    r = call(U_CODER, "POST", path_of(enc, "/drg"), draft("J189", sdx, NULL), NULL);
    expect_status(&r, 200, "FY2021 draft");
    assert_string_equal(jstr(r.j, "state"), "no_version");
    assert_non_null(strstr(jstr(r.j, "message"), "no MS-DRG version in force on 2021-03-04"));
    assert_non_null(strstr(jstr(r.j, "message"), "v43.1 (2026-04-01 to 2026-09-30)"));
    assert_null(json_object_get(r.j, "drg"));
    res_free(&r);
    /* the fallback, asked for: grouped with the newest version, labelled */
    r = call(U_CODER, "POST", path_of(enc, "/drg"), draft("J189", sdx, ",\"fallback\":true"), NULL);
    expect_status(&r, 200, "FY2021 draft with the fallback");
    assert_string_equal(jstr(r.j, "state"), "grouped");
    assert_string_equal(jstr(r.j, "message"), "grouped with v43.1; no version covers 2021-03-04");
    assert_false(json_is_true(json_object_get(json_object_get(r.j, "version"), "in_force")));
    assert_int_equal(jint(r.j, "drg"), 193);
    /* priced with the Table 5 of the version's first day */
    assert_int_equal(jint(json_object_get(r.j, "table5"), "fiscal_year"), 2026);
    assert_int_equal(jint(json_object_get(r.j, "payment"), "total_cents"),
                     expected_payment(test_weight(193)));
    res_free(&r);
    /* the server's default (folio serve --drg-fallback), and the GET's query parameter */
    install(true);
    r = call(U_CODER, "POST", path_of(enc, "/drg"), draft("J189", sdx, NULL), NULL);
    expect_status(&r, 200, "server default fallback");
    assert_string_equal(jstr(r.j, "state"), "grouped");
    res_free(&r);
    r = call(U_CODER, "POST", path_of(enc, "/drg"), draft("J189", sdx, ",\"fallback\":false"),
             NULL);
    expect_status(&r, 200, "fallback refused by the request");
    assert_string_equal(jstr(r.j, "state"), "no_version");
    res_free(&r);
    install(false);
    r = call(U_CODER, "PUT", path_of(enc, ""), draft("J189", sdx, NULL), NULL);
    expect_status(&r, 200, "save FY2021");
    res_free(&r);
    r = call(U_CODER, "GET", path_of(enc, "/drg?fallback=true"), NULL, NULL);
    expect_status(&r, 200, "GET with fallback");
    assert_int_equal(jint(r.j, "drg"), 193);
    res_free(&r);
    /* an unknown discharge status: grouped and priced as 01, said so */
    unk = new_encounter("inpatient", "2026-05-01T08:00Z", "2026-05-02T10:00Z", NULL, NULL);
    r = call(U_CODER, "POST", path_of(unk, "/drg"), draft("J189", sdx, NULL), NULL);
    expect_status(&r, 200, "unknown status");
    assert_true(
        json_is_true(json_object_get(json_object_get(r.j, "inputs"), "discharge_status_assumed")));
    res_free(&r);
}

static void test_outpatient_and_bad_input(void **state)
{
    int64_t outpt, enc;
    struct res r;

    (void)state;
    NEED_TABLES();
    outpt = new_encounter("outpatient", "2026-05-01T08:00Z", "2026-05-01T10:00Z", NULL, "01");
    r = call(U_CODER, "GET", path_of(outpt, "/drg"), NULL, NULL);
    expect_field(&r, 409, "class", "outpatient GET");
    assert_non_null(strstr(jstr(json_object_get(r.j, "error"), "message"),
                           "MS-DRG applies to inpatient stays"));
    res_free(&r);
    r = call(U_CODER, "POST", path_of(outpt, "/drg"), draft("J189", NULL, NULL), NULL);
    expect_field(&r, 409, "class", "outpatient POST");
    res_free(&r);

    enc = new_encounter("inpatient", "2026-05-01T08:00Z", "2026-05-03T10:00Z", NULL, "01");
    r = call(U_CODER, "GET", "/api/v1/encounters/999999/abstract/drg", NULL, NULL);
    expect_field(&r, 404, "id", "unknown encounter");
    res_free(&r);
    r = call(U_CODER, "POST", path_of(enc, "/drg"), "{\"codes\":{}}", NULL);
    expect_field(&r, 400, "codes", "codes not an array");
    res_free(&r);
    r = call(U_CODER, "POST", path_of(enc, "/drg"), "{}", NULL);
    expect_field(&r, 400, "codes", "no codes");
    res_free(&r);
    r = call(U_CODER, "POST", path_of(enc, "/drg"),
             "{\"codes\":[{\"role\":\"primary\",\"code\":\"J189\"}]}", NULL);
    expect_field(&r, 400, "codes[0].role", "bad role");
    res_free(&r);
    r = call(U_CODER, "POST", path_of(enc, "/drg"),
             "{\"codes\":[{\"role\":\"secondary\",\"code\":\"J189\",\"poa\":\"Q\"}]}", NULL);
    expect_field(&r, 400, "codes[0].poa", "bad POA");
    res_free(&r);
    r = call(U_CODER, "POST", path_of(enc, "/drg"), "{\"codes\":[],\"fallback\":\"yes\"}", NULL);
    expect_field(&r, 400, "fallback", "fallback not a boolean");
    res_free(&r);
    r = call(U_CODER, "POST", path_of(enc, "/drg"), "{\"codes\":[],\"drg\":291}", NULL);
    expect_field(&r, 400, "drg", "unknown member");
    res_free(&r);
    r = call(U_CODER, "GET", path_of(enc, "/drg?fallback=maybe"), NULL, NULL);
    expect_field(&r, 400, "fallback", "fallback query");
    res_free(&r);
    r = call(U_CODER, "GET", "/api/v1/coding/casemix?by=week", NULL, NULL);
    expect_field(&r, 400, "by", "by");
    res_free(&r);
    r = call(U_CODER, "GET", "/api/v1/coding/casemix?from=2026-02-30", NULL, NULL);
    expect_field(&r, 400, "from", "from");
    res_free(&r);
    r = call(U_CODER, "GET", "/api/v1/coding/casemix?from=2026-05-01&to=2026-04-01", NULL, NULL);
    expect_field(&r, 400, "to", "to before from");
    res_free(&r);
    r = call(U_CODER, "GET", "/api/v1/coding/casemix?format=xml", NULL, NULL);
    expect_field(&r, 400, "format", "format");
    res_free(&r);
}

static void test_permissions(void **state)
{
    int64_t enc;
    struct res r;
    int ok[] = {U_CODER, U_TECH, U_AUDITOR}, no[] = {U_CLINICIAN, U_ANALYST};
    size_t i;

    (void)state;
    NEED_TABLES();
    enc = new_encounter("inpatient", "2026-05-01T08:00Z", "2026-05-03T10:00Z", NULL, "01");
    for (i = 0; i < FOLIO_ARRAY_LEN(ok); i++) {
        r = call(ok[i], "GET", path_of(enc, "/drg"), NULL, NULL);
        expect_status(&r, 200, "coding.read: GET");
        res_free(&r);
        r = call(ok[i], "POST", path_of(enc, "/drg"), draft("J189", NULL, NULL), NULL);
        expect_status(&r, 200, "coding.read: POST");
        res_free(&r);
        r = call(ok[i], "GET", "/api/v1/coding/casemix", NULL, NULL);
        expect_status(&r, 200, "coding.read: case mix");
        res_free(&r);
    }
    for (i = 0; i < FOLIO_ARRAY_LEN(no); i++) {
        r = call(no[i], "GET", path_of(enc, "/drg"), NULL, NULL);
        expect_status(&r, 403, "no coding.read: GET");
        res_free(&r);
        r = call(no[i], "POST", path_of(enc, "/drg"), draft("J189", NULL, NULL), NULL);
        expect_status(&r, 403, "no coding.read: POST");
        res_free(&r);
        r = call(no[i], "GET", "/api/v1/coding/casemix", NULL, NULL);
        expect_status(&r, 403, "no coding.read: case mix");
        res_free(&r);
    }
}

/* ---- the case-mix report, checked against an independent computation ---- */

struct stay_def {
    const char *admit, *discharge, *service;
    int attending; /* index into the providers, -1 none */
    const char *pdx;
    const char *sdx[3];
    bool finalize;
    const char *cls;
};

/* Expected per-key figures, computed here. */
struct expect {
    char key[32], label[64];
    int stays, grouped, weighed;
    double total;
};

static struct expect *expect_for(struct expect *e, size_t *n, const char *key, const char *label)
{
    size_t i;

    for (i = 0; i < *n; i++)
        if (strcmp(e[i].key, key) == 0)
            return &e[i];
    memset(&e[*n], 0, sizeof e[*n]);
    (void)folio_strlcpy(e[*n].key, key, sizeof e[*n].key);
    (void)folio_strlcpy(e[*n].label, label, sizeof e[*n].label);
    return &e[(*n)++];
}

static const json_t *item_for(const json_t *items, const char *key)
{
    const json_t *it;
    size_t i;

    json_array_foreach(items, i, it)
    {
        if (jstr(it, "key") && strcmp(jstr(it, "key"), key) == 0)
            return it;
    }
    return NULL;
}

static void check_item(const json_t *items, const struct expect *e, const char *what)
{
    const json_t *it = item_for(items, e->key);

    if (!it)
        fail_msg("%s: no row %s", what, e->key);
    assert_string_equal(jstr(it, "label"), e->label);
    assert_int_equal(jint(it, "stays"), e->stays);
    assert_int_equal(jint(it, "grouped"), e->grouped);
    assert_int_equal(jint(it, "weighed"), e->weighed);
    if (fabs(json_real_value(json_object_get(it, "total_weight")) - e->total) > 6e-5)
        fail_msg("%s %s: total weight %f, expected %f", what, e->key,
                 json_real_value(json_object_get(it, "total_weight")), e->total);
    if (e->weighed) {
        double cmi = e->total / e->weighed;

        if (fabs(json_real_value(json_object_get(it, "cmi")) - cmi) > 6e-5)
            fail_msg("%s %s: CMI %f, expected %f", what, e->key,
                     json_real_value(json_object_get(it, "cmi")), cmi);
    } else {
        assert_true(json_is_null(json_object_get(it, "cmi")));
    }
}

static void test_casemix(void **state)
{
    /* The period is 2026-07-01..2026-08-31, so that the stays of the other tests (May, June) are
     * not in it. Not counted: in progress, outpatient, discharged outside the period. */
    static const struct stay_def defs[] = {
        {"2026-07-01T08:00Z", "2026-07-04T10:00Z", "MED", 0, "J189", {"I5023", "N179"}, true, NULL},
        {"2026-07-02T08:00Z", "2026-07-05T10:00Z", "MED", 0, "J189", {"N179"}, true, NULL},
        {"2026-07-10T08:00Z", "2026-07-12T10:00Z", "CARD", 1, "I5023", {"J9601"}, true, NULL},
        {"2026-07-20T08:00Z", "2026-07-21T10:00Z", "CARD", -1, "I5023", {"E119"}, true, NULL},
        {"2026-08-03T08:00Z", "2026-08-06T10:00Z", NULL, 1, "J189", {"E119"}, true, NULL},
        {"2026-08-10T08:00Z", "2026-08-14T10:00Z", "MED", 1, "I5023", {"N179", "E119"}, true, NULL},
        {"2026-08-30T08:00Z", "2026-08-31T23:00Z", "MED", 0, "J189", {"I5023"}, true, NULL},
        /* not in the report */
        {"2026-08-11T08:00Z", "2026-08-12T10:00Z", "MED", 0, "J189", {"I5023"}, false, NULL},
        {"2026-08-11T08:00Z", "2026-08-11T10:00Z", "MED", 0, "J189", {"I5023"}, true, "outpatient"},
        {"2026-09-01T08:00Z", "2026-09-01T10:00Z", "MED", 0, "J189", {"I5023"}, true, NULL},
    };
    struct expect by_month[8], by_service[8], by_doc[8], total;
    size_t nm = 0, ns = 0, nd = 0, i, k;
    int64_t docs[2], reports;
    char doc_key[2][32];
    const char *doc_name[2] = {"Able, Ann", "Baker, Bob"};
    struct res r;
    char body[1024];

    (void)state;
    NEED_TABLES();
    docs[0] = new_provider("Able", "Ann");
    docs[1] = new_provider("Baker", "Bob");
    for (i = 0; i < 2; i++)
        (void)folio_snprintf(doc_key[i], sizeof doc_key[i], "%lld", (long long)docs[i]);
    memset(&total, 0, sizeof total);
    for (i = 0; i < FOLIO_ARRAY_LEN(defs); i++) {
        const struct stay_def *s = &defs[i];
        int64_t enc =
            new_encounter(s->cls ? s->cls : "inpatient", s->admit, s->discharge, s->service, "01");
        struct folio_claim claim;
        struct folio_drg_result *res = calloc(1, sizeof *res);
        struct folio_err err;
        struct expect *e[3];
        char month[8];
        int drg;
        bool weighed;

        assert_non_null(res);
        if (s->attending >= 0) {
            /* an earlier attending first: the report takes the latest */
            attend(enc, docs[1 - s->attending], s->admit);
            attend(enc, docs[s->attending], s->discharge);
        }
        (void)folio_snprintf(body, sizeof body,
                             "{\"codes\":[{\"role\":\"principal\",\"code\":\"%s\",\"poa\":\"Y\"}",
                             s->pdx);
        for (k = 0; k < 3 && s->sdx[k]; k++) {
            size_t n = strlen(body);

            (void)folio_snprintf(body + n, sizeof body - n,
                                 ",{\"role\":\"secondary\",\"code\":\"%s\",\"poa\":\"Y\"}",
                                 s->sdx[k]);
        }
        (void)folio_strlcpy(body + strlen(body), "]}", sizeof body - strlen(body));
        if (s->finalize) {
            save_final(enc, body);
        } else {
            r = call(U_CODER, "PUT", path_of(enc, ""), body, NULL);
            expect_status(&r, 200, "save in progress");
            res_free(&r);
        }
        if (!s->finalize || s->cls || strcmp(s->discharge, "2026-09") > 0) {
            free(res);
            continue;
        }
        /* the independent computation: the grouper library on the claim, the test's weights */
        memset(&claim, 0, sizeof claim);
        claim.sex = 'F';
        claim.discharge_status = 1;
        (void)folio_strlcpy(claim.pdx.code, s->pdx, sizeof claim.pdx.code);
        claim.pdx.poa = 'Y';
        for (k = 0; k < 3 && s->sdx[k]; k++) {
            (void)folio_strlcpy(claim.sdx[k].code, s->sdx[k], sizeof claim.sdx[k].code);
            claim.sdx[k].poa = 'Y';
            claim.nsdx++;
        }
        folio_err_clear(&err);
        assert_int_equal(folio_drg_group(V, &claim, res, &err), FOLIO_OK);
        drg = res->final.drg;
        free(res);
        weighed = drg != NO_ROW_DRG;
        (void)folio_snprintf(month, sizeof month, "%.7s", s->discharge);
        e[0] = expect_for(by_month, &nm, month, month);
        e[1] = expect_for(by_service, &ns, s->service ? s->service : "",
                          s->service ? s->service : "(no service)");
        e[2] = s->attending >= 0
                   ? expect_for(by_doc, &nd, doc_key[s->attending], doc_name[s->attending])
                   : expect_for(by_doc, &nd, "", "(no attending)");
        for (k = 0; k < 3; k++) {
            e[k]->stays++;
            e[k]->grouped++;
            e[k]->weighed += weighed;
            e[k]->total += weighed ? test_weight(drg) : 0;
        }
        total.stays++;
        total.grouped++;
        total.weighed += weighed;
        total.total += weighed ? test_weight(drg) : 0;
    }
    assert_int_equal(total.stays, 7);
    assert_true(total.weighed < total.stays); /* DRG 195 has no weight: not in the CMI */

    reports = audit_count("coding.casemix", 0);
    r = call(U_CODER, "GET", "/api/v1/coding/casemix?from=2026-07-01&to=2026-08-31&by=month", NULL,
             NULL);
    expect_status(&r, 200, "by month");
    assert_int_equal(json_array_size(json_object_get(r.j, "items")), nm);
    for (i = 0; i < nm; i++)
        check_item(json_object_get(r.j, "items"), &by_month[i], "by month");
    (void)folio_strlcpy(total.key, "", sizeof total.key);
    {
        const json_t *t = json_object_get(r.j, "total");

        assert_int_equal(jint(t, "stays"), total.stays);
        assert_int_equal(jint(t, "weighed"), total.weighed);
        assert_true(fabs(json_real_value(json_object_get(t, "cmi")) - total.total / total.weighed) <
                    6e-5);
    }
    assert_true(json_is_true(json_object_get(r.j, "weights_loaded")));
    res_free(&r);
    assert_int_equal(audit_count("coding.casemix", 0), reports + 1);

    r = call(U_TECH, "GET", "/api/v1/coding/casemix?from=2026-07-01&to=2026-08-31&by=service", NULL,
             NULL);
    expect_status(&r, 200, "by service");
    assert_int_equal(json_array_size(json_object_get(r.j, "items")), ns);
    for (i = 0; i < ns; i++)
        check_item(json_object_get(r.j, "items"), &by_service[i], "by service");
    res_free(&r);

    r = call(U_CODER, "GET", "/api/v1/coding/casemix?from=2026-07-01&to=2026-08-31&by=physician",
             NULL, NULL);
    expect_status(&r, 200, "by physician");
    assert_int_equal(json_array_size(json_object_get(r.j, "items")), nd);
    for (i = 0; i < nd; i++)
        check_item(json_object_get(r.j, "items"), &by_doc[i], "by physician");
    res_free(&r);

    /* CSV: a header, one line per row, the total; numbers as in the JSON */
    r = call(U_CODER, "GET",
             "/api/v1/coding/casemix?from=2026-07-01&to=2026-08-31&by=physician&format=csv", NULL,
             NULL);
    expect_status(&r, 200, "csv");
    assert_non_null(strstr(r.ctype, "text/csv"));
    assert_true(strncmp(r.raw, "by,key,label,stays,grouped,fallback,weighed,total_weight,cmi\r\n",
                        62) == 0);
    {
        char line[256];

        (void)folio_snprintf(line, sizeof line, "physician,%s,\"%s\",", doc_key[0], doc_name[0]);
        assert_non_null(strstr(r.raw, line));
        (void)folio_snprintf(
            line, sizeof line, "\r\ntotal,total,all stays,%d,%d,0,%d,%.4f,%.4f\r\n", total.stays,
            total.grouped, total.weighed, total.total, total.total / total.weighed);
        if (!strstr(r.raw, line))
            fail_msg("csv total: expected %s in %s", line + 2, r.raw);
    }
    res_free(&r);

    /* a stay no version covers: counted, not grouped, unless the fallback is asked for */
    {
        const char *sdx[] = {"I5023", NULL};
        int64_t old =
            new_encounter("inpatient", "2021-03-01T08:00Z", "2021-03-04T10:00Z", "MED", "01");

        save_final(old, draft("J189", sdx, NULL));
        r = call(U_CODER, "GET", "/api/v1/coding/casemix?from=2021-03-01&to=2021-03-31", NULL,
                 NULL);
        expect_status(&r, 200, "2021");
        assert_int_equal(jint(json_object_get(r.j, "total"), "stays"), 1);
        assert_int_equal(jint(json_object_get(r.j, "total"), "no_version"), 1);
        assert_int_equal(jint(json_object_get(r.j, "total"), "grouped"), 0);
        res_free(&r);
        r = call(U_CODER, "GET",
                 "/api/v1/coding/casemix?from=2021-03-01&to=2021-03-31&fallback=true", NULL, NULL);
        expect_status(&r, 200, "2021 with the fallback");
        assert_int_equal(jint(json_object_get(r.j, "total"), "grouped"), 1);
        assert_int_equal(jint(json_object_get(r.j, "total"), "fallback"), 1);
        assert_true(fabs(json_real_value(json_object_get(json_object_get(r.j, "total"), "cmi")) -
                         test_weight(193)) < 6e-5);
        res_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_tables),
        cmocka_unit_test(test_saved_abstract),
        cmocka_unit_test(test_draft_what_if),
        cmocka_unit_test(test_version_by_date),
        cmocka_unit_test(test_outpatient_and_bad_input),
        cmocka_unit_test(test_permissions),
        cmocka_unit_test(test_casemix),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

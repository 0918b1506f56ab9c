/* The coding routes through a real server (tests/support/http_client.h) on the backend under
 * test: the DNFC worklist with its aging buckets, an abstract's view, saves with If-Match
 * (428, 412), the draft check (nothing written), holds, finalize refused with the blocking
 * findings listed, finalize, reopen for rebill, history, assignment (take vs assign others),
 * productivity (own row vs everyone), permissions by role, bad input naming the field, and the
 * audit entries. Small hand-made FY2024 code sets (ICD-10-CM order file and tabular with an
 * Excludes1 note, ICD-10-PCS order file) and MCE tables are loaded into the fixture's database;
 * the fixture's encounter is an inpatient stay discharged 2024-03-05. */
#include "folio/base.h"

#include <setjmp.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>

#include "folio/audit.h"
#include "folio/codes.h"
#include "folio/json.h"
#include "folio/records.h"
#include "folio/time.h"
#include "http_client.h"
#include "server/server.h"
#include "testdb.h"

static struct http_fixture F;

/* Fixture users: index = role bit (policy.c order), 10 = every role. */
enum {
    U_TECH = 0,
    U_ANALYST_CHART = 1,
    U_CODER = 2,
    U_AUDITOR = 3,
    U_CLINICIAN = 7,
    U_ANALYST = 8,
    U_ALL = 10
};

static const char *tmp_files[] = {"icd10cm_order_2024.txt",      "icd10cm_tabular_2024.xml",
                                  "icd10pcs_order_2024.txt",     "mce/mce_i10_dx_master.tsv",
                                  "mce/mce_i10_pr_master.tsv",   "mce/mce_age_ranges.tsv",
                                  "mce/mce_discharge_status.tsv"};

static const char *fpath(const char *name)
{
    static char p[512];

    (void)folio_snprintf(p, sizeof p, "%s/%s", F.dir, name);
    return p;
}

static void write_file(const char *name, const char *text)
{
    FILE *fp = fopen(fpath(name), "wb");

    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void order_line(struct folio_buf *b, int order, const char *code, int flag,
                       const char *title)
{
    assert_int_equal(
        folio_buf_appendf(b, "%05d %-7s %d %-60.60s %s\r\n", order, code, flag, title, title),
        FOLIO_OK);
}

static void load(enum folio_codes_load_kind k, const char *path)
{
    struct folio_codes_load_opts o;
    struct folio_codes_load_result r;
    struct folio_err err;

    memset(&o, 0, sizeof o);
    folio_err_clear(&err);
    o.kind = k;
    o.path = path;
    o.fiscal_year = 2024;
    if (folio_codes_load(F.db, &o, &r, &err) != FOLIO_OK)
        fail_msg("load %s: %s", path, err.msg);
}

static void load_code_sets(void)
{
    struct folio_buf b;

    folio_buf_init(&b, 0);
    order_line(&b, 1, "E11", 0, "Type 2 diabetes mellitus");
    order_line(&b, 2, "E116", 0, "Type 2 diabetes mellitus with other specified complications");
    order_line(&b, 3, "E1165", 1, "Type 2 diabetes mellitus with hyperglycemia");
    order_line(&b, 4, "E119", 1, "Type 2 diabetes mellitus without complications");
    order_line(&b, 5, "I10", 1, "Essential (primary) hypertension");
    order_line(&b, 6, "O24", 0, "Diabetes mellitus in pregnancy, childbirth, and the puerperium");
    order_line(&b, 7, "O244", 0, "Gestational diabetes mellitus");
    order_line(&b, 8, "O2441", 0, "Gestational diabetes mellitus in pregnancy");
    order_line(&b, 9, "O24419", 1,
               "Gestational diabetes mellitus in pregnancy, unspecified "
               "control");
    order_line(&b, 10, "Z79", 0, "Long term (current) drug therapy");
    order_line(&b, 11, "Z794", 1, "Long term (current) use of insulin");
    write_file(tmp_files[0], b.data);
    load(FOLIO_LOAD_ICD10CM_ORDER, fpath(tmp_files[0]));
    write_file(tmp_files[1],
               "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<ICD10CM.tabular>\n"
               "<version>2024</version>\n<chapter><name>4</name><desc>Endocrine</desc>\n"
               "<section id=\"E08-E13\"><desc>Diabetes mellitus (E08-E13)</desc>\n"
               "<diag><name>E11</name><desc>Type 2 diabetes mellitus</desc>\n"
               "<excludes1><note>gestational diabetes (O24.4-)</note></excludes1>\n"
               "<diag><name>E11.9</name><desc>Type 2 diabetes mellitus without "
               "complications</desc></diag>\n"
               "</diag></section></chapter>\n"
               "<chapter><name>15</name><desc>Pregnancy</desc>\n"
               "<section id=\"O20-O29\"><desc>Other maternal disorders</desc>\n"
               "<diag><name>O24</name><desc>Diabetes mellitus in pregnancy</desc>\n"
               "<diag><name>O24.4</name><desc>Gestational diabetes mellitus</desc>\n"
               "<diag><name>O24.41</name><desc>Gestational diabetes mellitus in pregnancy</desc>\n"
               "<diag><name>O24.419</name><desc>Gestational diabetes mellitus in pregnancy, "
               "unspecified control</desc></diag>\n"
               "</diag></diag></diag></section></chapter></ICD10CM.tabular>\n");
    load(FOLIO_LOAD_ICD10CM_TABULAR, fpath(tmp_files[1]));
    folio_buf_reset(&b);
    order_line(&b, 1, "0DTJ4ZZ", 1, "Resection of Appendix, Percutaneous Endoscopic Approach");
    order_line(&b, 2, "0DTJ0ZZ", 1, "Resection of Appendix, Open Approach");
    write_file(tmp_files[2], b.data);
    load(FOLIO_LOAD_ICD10PCS_ORDER, fpath(tmp_files[2]));
    folio_buf_release(&b);
}

static void load_mce(void)
{
    char dir[320];

    (void)folio_snprintf(dir, sizeof dir, "%s/mce", F.dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    write_file(tmp_files[3], "code\teffective_from\teffective_to\tmce_attributes\n"
                             "E1165\t2015-10-01\t2026-09-30\t\n"
                             "E119\t2015-10-01\t2026-09-30\tQADM\n"
                             "I10\t2015-10-01\t2026-09-30\tQADM\n"
                             "O24419\t2015-10-01\t2026-09-30\tMATERNITY\n"
                             "Z794\t2015-10-01\t2026-09-30\t\n");
    write_file(tmp_files[4], "code\teffective_from\teffective_to\tmce_attributes\n"
                             "0DTJ0ZZ\t2015-10-01\t2026-09-30\t\n"
                             "0DTJ4ZZ\t2015-10-01\t2026-09-30\t\n");
    write_file(tmp_files[5], "key\tstart_age\tend_age\teffective_from\teffective_to\n"
                             "ADULT\t15\t124\t1984-03-01\t2026-09-30\n"
                             "MATERNITY\t9\t64\t2019-10-01\t2026-09-30\n"
                             "NEWBORN\t0\t0\t1984-03-01\t2026-09-30\n"
                             "PEDIATRIC\t0\t17\t1984-03-01\t2026-09-30\n");
    write_file(tmp_files[6], "key\teffective_from\teffective_to\trow\n"
                             "1\t1980-10-01\t2026-09-30\tDischargeStatRow{}\n"
                             "20\t1980-10-01\t2026-09-30\tDischargeStatRow{}\n");
    load(FOLIO_LOAD_MCE, dir);
}

static int setup(void **state)
{
    (void)state;
    http_fixture_start(&F, true);
    load_code_sets();
    return 0;
}

static int teardown(void **state)
{
    char dir[320];
    size_t i;

    (void)state;
    for (i = 0; i < FOLIO_ARRAY_LEN(tmp_files); i++)
        unlink(fpath(tmp_files[i]));
    (void)folio_snprintf(dir, sizeof dir, "%s/mce", F.dir);
    rmdir(dir);
    http_fixture_stop(&F);
    return 0;
}

/* ---------------------------------------------------------------- HTTP helpers */

struct res {
    int status;
    json_t *j; /* body, or NULL */
    char etag[64];
};

static void res_free(struct res *r)
{
    json_decref(r->j);
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
    http_resp_free(&resp);
    return out;
}

static const char *err_field(const struct res *r)
{
    return json_string_value(json_object_get(json_object_get(r->j, "error"), "field"));
}

static void expect_status(const struct res *r, int status, const char *what)
{
    if (r->status != status) {
        char *dump = r->j ? json_dumps(r->j, JSON_COMPACT) : NULL;

        fail_msg("%s: HTTP %d, expected %d: %s", what, r->status, status,
                 dump ? dump : "(no JSON)");
    }
}

static void expect_field(const struct res *r, int status, const char *field, const char *what)
{
    const char *f;

    expect_status(r, status, what);
    f = err_field(r);
    if (!f || strcmp(f, field) != 0)
        fail_msg("%s: error field %s, expected %s", what, f ? f : "(none)", field);
}

static const char *abs_path(int64_t enc, const char *tail)
{
    static char p[128];

    (void)folio_snprintf(p, sizeof p, "/api/v1/encounters/%lld/abstract%s", (long long)enc,
                         tail ? tail : "");
    return p;
}

/* A new inpatient encounter of the fixture patient, discharged on the day given. */
static int64_t new_encounter(const char *cls, const char *admit, const char *discharge)
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
    if (discharge)
        e.disposition = "01";
    if (folio_encounter_create(&c, &e, &id, &err) != FOLIO_OK)
        fail_msg("encounter: %s", err.msg);
    return id;
}

/* Two source diagnoses (ICD-10-CM, SNOMED CT) and a source ICD-10-PCS procedure on enc. */
static void add_source_codes(int64_t enc)
{
    struct folio_chart c = {F.db, &F.key, "fixture"};
    struct folio_condition cd;
    struct folio_procedure_event pe;
    struct folio_err err;
    int64_t id = 0;

    folio_err_clear(&err);
    memset(&cd, 0, sizeof cd);
    cd.patient_id = F.patient_id;
    cd.encounter_id = enc;
    cd.code_system = "http://hl7.org/fhir/sid/icd-10-cm";
    cd.code = "E11.9";
    cd.display = "Type 2 diabetes";
    cd.dx_type = "W"; /* HL7 DG1-6 working, DG1-15 secondary */
    cd.dx_priority = 2;
    cd.has_dx_priority = true;
    if (folio_condition_create(&c, &cd, &id, &err) != FOLIO_OK)
        fail_msg("condition: %s", err.msg);
    cd.dx_type = NULL;
    cd.has_dx_priority = false;
    cd.code_system = "http://snomed.info/sct";
    cd.code = "233604007";
    cd.display = "Pneumonia (disorder)";
    if (folio_condition_create(&c, &cd, &id, &err) != FOLIO_OK)
        fail_msg("condition: %s", err.msg);
    memset(&pe, 0, sizeof pe);
    pe.patient_id = F.patient_id;
    pe.encounter_id = enc;
    pe.code_system = "http://www.cms.gov/Medicare/Coding/ICD10";
    pe.code = "0DTJ4ZZ";
    pe.performed_start = "2024-04-02T10:00Z";
    if (folio_procedure_create(&c, &pe, &id, &err) != FOLIO_OK)
        fail_msg("procedure: %s", err.msg);
}

/* Number of findings of kind (and severity, when not NULL) in r's "findings". */
static size_t count_findings(const json_t *obj, const char *kind, const char *severity)
{
    const json_t *fs = json_object_get(obj, "findings"), *f;
    size_t i, n = 0;

    json_array_foreach(fs, i, f)
    {
        const char *k = json_string_value(json_object_get(f, "kind"));
        const char *s = json_string_value(json_object_get(f, "severity"));

        if (k && strcmp(k, kind) == 0 && (!severity || (s && strcmp(s, severity) == 0)))
            n++;
    }
    return n;
}

static int64_t jint(const json_t *o, const char *k)
{
    return (int64_t)json_integer_value(json_object_get(o, k));
}

static const char *jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* Audit entries with action (and patient, when not 0) since the start. */
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

/* Whether the worklist (as_of 2024-12-31, up to 500 rows, extra query) lists enc; its row in
 * *row (a new reference) when wanted. */
static bool on_worklist(int user, const char *extra, int64_t enc, json_t **row)
{
    char path[256];
    struct res r;
    json_t *it;
    size_t i;
    bool found = false;

    (void)folio_snprintf(path, sizeof path, "/api/v1/coding/worklist?as_of=2024-12-31&limit=500%s",
                         extra ? extra : "");
    r = call(user, "GET", path, NULL, NULL);
    expect_status(&r, 200, path);
    json_array_foreach(json_object_get(r.j, "items"), i, it)
    {
        if (jint(it, "encounter_id") == enc) {
            found = true;
            if (row)
                *row = json_incref(it);
        }
    }
    res_free(&r);
    return found;
}

/* ---------------------------------------------------------------- tests */

static void test_worklist(void **state)
{
    int64_t open_enc = new_encounter("inpatient", "2024-03-10T08:00Z", NULL);
    int64_t outpt = new_encounter("outpatient", "2024-03-12T09:00Z", "2024-03-12T11:00Z");
    int64_t before = audit_count("coding.worklist", 0);
    const json_t *b;
    json_t *row = NULL;
    struct res r;
    size_t i;
    int64_t sum = 0;

    (void)state;
    /* DNFC days to as_of; aging buckets over the matching rows */
    r = call(U_CODER, "GET", "/api/v1/coding/worklist?as_of=2024-03-15", NULL, NULL);
    expect_status(&r, 200, "worklist");
    assert_true(jint(r.j, "total") >= 2);
    b = json_object_get(json_object_get(r.j, "summary"), "buckets");
    assert_int_equal(json_array_size(b), 5);
    for (i = 0; i < 5; i++)
        sum += jint(json_array_get(b, i), "count");
    assert_int_equal(sum, jint(json_object_get(r.j, "summary"), "total"));
    /* the fixture's stay (discharged 03-05) is 10 days old: bucket 8-14; oldest first */
    assert_string_equal(jstr(json_array_get(b, 2), "label"), "8-14");
    assert_true(jint(json_array_get(b, 2), "count") >= 1);
    row = json_array_get(json_object_get(r.j, "items"), 0);
    assert_int_equal(jint(row, "encounter_id"), F.encounter_id);
    assert_int_equal(jint(row, "dnfc_days"), 10);
    assert_string_equal(jstr(row, "status"), "uncoded");
    assert_string_equal(jstr(row, "class"), "inpatient");
    /* the coder has identifiers: the patient's name */
    assert_string_equal(jstr(json_object_get(json_object_get(row, "patient"), "name"), "family"),
                        "Fixture");
    row = NULL;
    res_free(&r);
    assert_int_equal(audit_count("coding.worklist", 0), before + 1);

    /* never discharged: not on the list; class filter */
    assert_false(on_worklist(U_CODER, NULL, open_enc, NULL));
    assert_true(on_worklist(U_CODER, NULL, outpt, NULL));
    assert_false(on_worklist(U_CODER, "&class=inpatient", outpt, NULL));
    assert_true(on_worklist(U_CODER, "&class=outpatient", outpt, &row));
    assert_int_equal(jint(row, "dnfc_days"), 294);
    json_decref(row);
    assert_false(on_worklist(U_CODER, "&min_days=300", outpt, NULL));
    assert_true(on_worklist(U_CODER, "&status=uncoded", outpt, NULL));
    assert_false(on_worklist(U_CODER, "&status=on_hold", outpt, NULL));

    /* bad input names the parameter */
    r = call(U_CODER, "GET", "/api/v1/coding/worklist?status=final", NULL, NULL);
    expect_field(&r, 400, "status", "status final");
    res_free(&r);
    r = call(U_CODER, "GET", "/api/v1/coding/worklist?as_of=2024-02-30", NULL, NULL);
    expect_field(&r, 400, "as_of", "as_of");
    res_free(&r);
    r = call(U_CODER, "GET", "/api/v1/coding/worklist?limit=501", NULL, NULL);
    expect_field(&r, 400, "limit", "limit");
    res_free(&r);
    r = call(U_CODER, "GET", "/api/v1/coding/worklist?unassigned=maybe", NULL, NULL);
    expect_field(&r, 400, "unassigned", "unassigned");
    res_free(&r);
    /* roles: the HIM technician reads it, the clinician and the analyst do not */
    r = call(U_TECH, "GET", "/api/v1/coding/worklist", NULL, NULL);
    expect_status(&r, 200, "technician");
    res_free(&r);
    r = call(U_CLINICIAN, "GET", "/api/v1/coding/worklist", NULL, NULL);
    expect_status(&r, 403, "clinician");
    res_free(&r);
    r = call(U_ANALYST, "GET", "/api/v1/coding/worklist", NULL, NULL);
    expect_status(&r, 403, "analyst");
    res_free(&r);
}

static void test_view_save_preconditions(void **state)
{
    int64_t enc = new_encounter("inpatient", "2024-04-01T08:00Z", "2024-04-04T10:00Z");
    int64_t views = audit_count("coding.view", F.patient_id);
    int64_t saves = audit_count("coding.save", F.patient_id);
    const char *body = "{\"codes\":[{\"role\":\"principal\",\"code\":\"e11.9\",\"poa\":\"Y\"},"
                       "{\"role\":\"secondary\",\"code\":\"I10\",\"poa\":\"Y\"}]}";
    const json_t *codes;
    struct res r;

    (void)state;
    add_source_codes(enc);
    r = call(U_CODER, "GET", abs_path(enc, NULL), NULL, NULL);
    expect_status(&r, 200, "view uncoded");
    /* the source system's codes, with what one click adds for the abstract's systems */
    {
        const json_t *src = json_object_get(r.j, "source_codes"), *it;
        size_t i, seen = 0;

        assert_int_equal(json_array_size(src), 3);
        json_array_foreach(src, i, it)
        {
            const char *code = jstr(it, "code");

            if (strcmp(code, "E11.9") == 0) {
                assert_string_equal(jstr(it, "kind"), "diagnosis");
                assert_string_equal(jstr(it, "abstract_system"), "icd10cm");
                assert_string_equal(jstr(it, "abstract_code"), "E119");
                assert_string_equal(jstr(it, "dx_type"), "W");
                assert_int_equal(jint(it, "dx_priority"), 2);
                seen++;
            } else if (strcmp(code, "233604007") == 0) {
                assert_true(json_is_null(json_object_get(it, "abstract_system")));
                assert_string_equal(jstr(it, "display"), "Pneumonia (disorder)");
                assert_true(json_is_null(json_object_get(it, "dx_type")));
                assert_true(json_is_null(json_object_get(it, "dx_priority")));
                seen++;
            } else if (strcmp(code, "0DTJ4ZZ") == 0) {
                assert_string_equal(jstr(it, "kind"), "procedure");
                assert_string_equal(jstr(it, "abstract_system"), "icd10pcs");
                seen++;
            }
        }
        assert_int_equal(seen, 3);
    }
    assert_string_equal(jstr(r.j, "status"), "uncoded");
    assert_int_equal(jint(r.j, "version"), 0);
    assert_string_equal(r.etag, "\"v0\"");
    assert_string_equal(jstr(r.j, "code_date"), "2024-04-04");
    assert_string_equal(jstr(json_object_get(r.j, "encounter"), "class"), "inpatient");
    assert_int_equal(jint(json_object_get(r.j, "encounter"), "age"), 62);
    assert_int_equal(jint(json_object_get(r.j, "encounter"), "los"), 3);
    assert_true(json_is_array(json_object_get(r.j, "documents")));
    assert_true(json_is_array(json_object_get(r.j, "source_codes")));
    /* no principal yet: an error finding, blocking */
    assert_true(count_findings(r.j, "no_principal", "error") >= 1);
    assert_true(json_is_true(json_object_get(r.j, "blocking")));
    res_free(&r);
    assert_int_equal(audit_count("coding.view", F.patient_id), views + 1);

    /* first save: no If-Match needed (or "v0") */
    r = call(U_CODER, "PUT", abs_path(enc, NULL), body, NULL);
    expect_status(&r, 200, "first save");
    assert_int_equal(jint(r.j, "version"), 1);
    assert_string_equal(r.etag, "\"v1\"");
    assert_string_equal(jstr(r.j, "status"), "in_progress");
    codes = json_object_get(r.j, "codes");
    assert_int_equal(json_array_size(codes), 2);
    assert_string_equal(jstr(json_array_get(codes, 0), "code"), "E119");
    assert_string_equal(jstr(json_array_get(codes, 0), "dotted"), "E11.9");
    assert_string_equal(jstr(json_array_get(codes, 0), "title"),
                        "Type 2 diabetes mellitus without complications");
    assert_string_equal(jstr(json_array_get(codes, 1), "poa"), "Y");
    assert_int_equal(count_findings(r.j, "no_principal", NULL), 0);
    res_free(&r);
    assert_int_equal(audit_count("coding.save", F.patient_id), saves + 1);

    /* it exists now: If-Match is required (428), a stale one is 412, "v0" is stale too */
    r = call(U_CODER, "PUT", abs_path(enc, NULL), body, NULL);
    expect_field(&r, 428, "If-Match", "no If-Match");
    res_free(&r);
    r = call(U_CODER, "PUT", abs_path(enc, NULL), body, "\"v7\"");
    expect_field(&r, 412, "If-Match", "stale If-Match");
    res_free(&r);
    r = call(U_CODER, "PUT", abs_path(enc, NULL), body, "\"v0\"");
    expect_field(&r, 412, "If-Match", "v0 after the first save");
    res_free(&r);
    r = call(U_CODER, "PUT", abs_path(enc, NULL), body, "garbage");
    expect_field(&r, 400, "If-Match", "malformed If-Match");
    res_free(&r);
    /* the same list again writes nothing */
    r = call(U_CODER, "PUT", abs_path(enc, NULL), body, "\"v1\"");
    expect_status(&r, 200, "unchanged save");
    assert_int_equal(jint(r.j, "version"), 1);
    res_free(&r);
    /* a change: POA of I10 and a new code */
    r = call(U_AUDITOR, "PUT", abs_path(enc, NULL),
             "{\"codes\":[{\"role\":\"principal\",\"code\":\"E11.9\",\"poa\":\"Y\"},"
             "{\"role\":\"secondary\",\"code\":\"I10\",\"poa\":\"N\"},"
             "{\"role\":\"procedure\",\"system\":\"icd10pcs\",\"code\":\"0DTJ4ZZ\","
             "\"date\":\"2024-04-02\",\"operator\":\"Dr. Cut\"}],\"reason\":\"review\"}",
             "\"v1\"");
    expect_status(&r, 200, "second save");
    assert_int_equal(jint(r.j, "version"), 2);
    codes = json_object_get(r.j, "codes");
    assert_int_equal(json_array_size(codes), 3);
    assert_string_equal(jstr(json_array_get(codes, 2), "operator"), "Dr. Cut");
    assert_string_equal(jstr(json_array_get(codes, 2), "date"), "2024-04-02");
    res_free(&r);

    /* unknown encounter: 404 on every abstract route */
    r = call(U_CODER, "GET", abs_path(999999, NULL), NULL, NULL);
    expect_status(&r, 404, "unknown encounter");
    res_free(&r);
    r = call(U_CODER, "PUT", abs_path(999999, NULL), "{\"codes\":[]}", NULL);
    expect_status(&r, 404, "unknown encounter save");
    res_free(&r);
    r = call(U_CODER, "GET", abs_path(999999, "/history"), NULL, NULL);
    expect_status(&r, 404, "unknown encounter history");
    res_free(&r);
}

static void test_bad_input(void **state)
{
    static const struct {
        const char *body, *field;
    } cases[] = {
        {"{\"codes\":[],\"zz\":1}", "zz"},
        {"{\"codes\":{}}", "codes"},
        {"{}", "codes"},
        {"{\"codes\":[1]}", "codes[0]"},
        {"{\"codes\":[{\"role\":\"principal\",\"code\":\"E119\",\"x\":1}]}", "codes[0].x"},
        {"{\"codes\":[{\"role\":\"boss\",\"code\":\"E119\"}]}", "codes[0].role"},
        {"{\"codes\":[{\"code\":\"E119\"}]}", "codes[0].role"},
        {"{\"codes\":[{\"role\":\"principal\"}]}", "codes[0].code"},
        {"{\"codes\":[{\"role\":\"principal\",\"code\":\"E1!9\"}]}", "codes[0].code"},
        {"{\"codes\":[{\"role\":\"principal\",\"code\":\"E119\",\"system\":\"snomed\"}]}",
         "codes[0].system"},
        {"{\"codes\":[{\"role\":\"principal\",\"code\":\"0DTJ4ZZ\",\"system\":\"icd10pcs\"}]}",
         "codes[0].system"},
        {"{\"codes\":[{\"role\":\"principal\",\"code\":\"E119\"},{\"role\":\"secondary\","
         "\"code\":\"I10\",\"poa\":\"X\"}]}",
         "codes[1].poa"},
        {"{\"codes\":[{\"role\":\"principal\",\"code\":\"E119\",\"poa\":5}]}", "codes[0].poa"},
        {"{\"codes\":[{\"role\":\"procedure\",\"code\":\"0DTJ4ZZ\",\"date\":\"2024-13-01\"}]}",
         "codes[0].date"},
        {"{\"codes\":[{\"role\":\"principal\",\"code\":\"E119\",\"date\":\"2024-01-01\"}]}",
         "codes[0].date"},
        {"{\"codes\":[{\"role\":\"principal\",\"code\":\"E119\"},{\"role\":\"principal\","
         "\"code\":\"I10\"}]}",
         "codes[1].role"},
        {"{\"codes\":[],\"reason\":7}", "reason"},
    };
    int64_t enc = new_encounter("inpatient", "2024-05-01T08:00Z", "2024-05-03T10:00Z");
    struct res r;
    size_t i;

    (void)state;
    for (i = 0; i < FOLIO_ARRAY_LEN(cases); i++) {
        r = call(U_CODER, "PUT", abs_path(enc, NULL), cases[i].body, NULL);
        expect_field(&r, 400, cases[i].field, cases[i].body);
        res_free(&r);
        /* the check route parses the same list (reason is not one of its fields) */
        if (strstr(cases[i].body, "reason") || strstr(cases[i].field, "role") ||
            strcmp(cases[i].field, "zz") == 0)
            continue;
        r = call(U_CODER, "POST", abs_path(enc, "/check"), cases[i].body, NULL);
        expect_field(&r, 400, cases[i].field, cases[i].body);
        res_free(&r);
    }
    r = call(U_CODER, "PUT", abs_path(enc, NULL), "{\"codes\":", NULL);
    expect_status(&r, 400, "malformed JSON");
    res_free(&r);
    r = call(U_CODER, "POST", abs_path(enc, "/status"), "{\"to\":\"done\"}", NULL);
    expect_field(&r, 400, "to", "status to");
    res_free(&r);
    r = call(U_CODER, "POST", abs_path(enc, "/status"),
             "{\"to\":\"on_hold\",\"hold_reason\":\"lunch\"}", NULL);
    expect_field(&r, 400, "hold_reason", "hold reason");
    res_free(&r);
    r = call(U_CODER, "POST", abs_path(enc, "/status"),
             "{\"to\":\"final\",\"hold_reason\":\"billing\"}", NULL);
    expect_field(&r, 400, "hold_reason", "hold reason without hold");
    res_free(&r);
    r = call(U_CODER, "POST", abs_path(enc, "/status"), "{\"to\":\"on_hold\",\"hold_note\":[]}",
             NULL);
    expect_field(&r, 400, "hold_note", "hold note type");
    res_free(&r);
    /* nothing was written by any of it */
    r = call(U_CODER, "GET", abs_path(enc, NULL), NULL, NULL);
    expect_status(&r, 200, "view after bad input");
    assert_int_equal(jint(r.j, "version"), 0);
    res_free(&r);
}

static void test_check_hold_finalize_rebill(void **state)
{
    int64_t enc = new_encounter("inpatient", "2024-06-01T08:00Z", "2024-06-05T10:00Z");
    int64_t statuses = audit_count("coding.status", F.patient_id);
    const char *draft = "{\"codes\":[{\"role\":\"principal\",\"code\":\"E11.9\"},"
                        "{\"role\":\"secondary\",\"code\":\"O24.419\"}]}";
    const json_t *f, *fs;
    bool ex1 = false;
    struct res r;
    size_t i;

    (void)state;
    /* the draft check: Excludes1 E11 / O24.4- (warning), POA missing (errors); no write */
    r = call(U_CODER, "POST", abs_path(enc, "/check"), draft, NULL);
    expect_status(&r, 200, "check");
    assert_true(json_is_true(json_object_get(r.j, "blocking")));
    assert_true(count_findings(r.j, "poa_missing", "error") >= 2);
    fs = json_object_get(r.j, "findings");
    json_array_foreach(fs, i, f)
    {
        if (strcmp(jstr(f, "kind"), "excludes1") == 0) {
            ex1 = true;
            assert_string_equal(jstr(f, "severity"), "warning");
            assert_true(json_is_integer(json_object_get(f, "code_index")));
            assert_non_null(jstr(f, "message"));
        }
    }
    assert_true(ex1);
    assert_false(json_is_true(json_object_get(r.j, "mce_loaded")));
    res_free(&r);
    r = call(U_CODER, "GET", abs_path(enc, NULL), NULL, NULL);
    assert_int_equal(jint(r.j, "version"), 0);
    res_free(&r);

    /* saved as is; finalize is refused with the blocking findings listed */
    r = call(U_CODER, "PUT", abs_path(enc, NULL), draft, "\"v0\"");
    expect_status(&r, 200, "save draft");
    res_free(&r);
    r = call(U_CODER, "POST", abs_path(enc, "/status"), "{\"to\":\"final\"}", "\"v1\"");
    expect_status(&r, 409, "finalize with errors");
    assert_string_equal(jstr(json_object_get(r.j, "error"), "code"), folio_rc_name(FOLIO_ESTATE));
    assert_true(count_findings(r.j, "poa_missing", "error") >= 2);
    assert_int_equal(count_findings(r.j, "excludes1", NULL), 0); /* blocking ones only */
    res_free(&r);

    /* on hold awaiting a query; the worklist shows it so; back to work */
    r = call(U_CODER, "POST", abs_path(enc, "/status"),
             "{\"to\":\"on_hold\",\"hold_reason\":\"awaiting_query\",\"hold_note\":\"type of "
             "diabetes?\"}",
             NULL);
    expect_field(&r, 428, "If-Match", "hold without If-Match");
    res_free(&r);
    r = call(U_CODER, "POST", abs_path(enc, "/status"),
             "{\"to\":\"on_hold\",\"hold_reason\":\"awaiting_query\",\"hold_note\":\"type of "
             "diabetes?\"}",
             "\"v1\"");
    expect_status(&r, 200, "hold");
    assert_string_equal(jstr(r.j, "status"), "on_hold");
    assert_string_equal(jstr(r.j, "hold_reason"), "awaiting_query");
    assert_string_equal(r.etag, "\"v2\"");
    res_free(&r);
    assert_true(on_worklist(U_CODER, "&status=on_hold", enc, NULL));
    /* finalizing on hold: the transition is refused as such, not by the checks */
    r = call(U_CODER, "POST", abs_path(enc, "/status"), "{\"to\":\"final\"}", "\"v2\"");
    expect_field(&r, 409, "status", "finalize on hold");
    assert_null(json_object_get(r.j, "findings"));
    res_free(&r);
    r = call(U_CODER, "POST", abs_path(enc, "/status"), "{\"to\":\"in_progress\"}", "\"v2\"");
    expect_status(&r, 200, "release hold");
    res_free(&r);

    /* the offending code removed, POAs set; MCE tables loaded now: the cache picks them up
     * (before: one info finding says the MCE edits were not run) */
    r = call(U_CODER, "POST", abs_path(enc, "/check"),
             "{\"codes\":[{\"role\":\"principal\",\"code\":\"E11.9\",\"poa\":\"Y\"}]}", NULL);
    expect_status(&r, 200, "check without MCE");
    assert_int_equal(count_findings(r.j, "mce", "info"), 1);
    assert_int_equal(count_findings(r.j, "mce", "error"), 0);
    res_free(&r);
    load_mce();
    r = call(U_CODER, "POST", abs_path(enc, "/check"),
             "{\"codes\":[{\"role\":\"principal\",\"code\":\"E11.9\",\"poa\":\"Y\"}]}", NULL);
    expect_status(&r, 200, "check with MCE");
    assert_true(json_is_true(json_object_get(r.j, "mce_loaded")));
    assert_int_equal(count_findings(r.j, "mce", "info"), 0);
    fs = json_object_get(r.j, "findings");
    ex1 = false;
    json_array_foreach(fs, i, f)
    {
        const char *ed = jstr(f, "edit");

        if (ed && strcmp(ed, "QUESTIONABLE_ADMISSION") == 0) {
            ex1 = true;
            assert_int_equal(jint(f, "code_index"), 0);
            assert_string_equal(jstr(f, "dotted"), "E11.9");
        }
    }
    assert_true(ex1); /* E11.9 is QADM in the MCE table */
    res_free(&r);
    r = call(U_CODER, "PUT", abs_path(enc, NULL),
             "{\"codes\":[{\"role\":\"principal\",\"code\":\"E11.65\",\"poa\":\"Y\"},"
             "{\"role\":\"secondary\",\"code\":\"Z79.4\",\"poa\":\"1\"},"
             "{\"role\":\"procedure\",\"code\":\"0DTJ4ZZ\",\"date\":\"2024-06-02\"}]}",
             "\"v3\"");
    expect_status(&r, 200, "save fixed");
    assert_true(json_is_true(json_object_get(r.j, "mce_loaded")));
    if (json_is_true(json_object_get(r.j, "blocking")))
        fail_msg("still blocking: %s", json_dumps(json_object_get(r.j, "findings"), 0));
    res_free(&r);
    r = call(U_CODER, "POST", abs_path(enc, "/status"), "{\"to\":\"final\"}", "\"v4\"");
    expect_status(&r, 200, "finalize");
    assert_string_equal(jstr(r.j, "status"), "final");
    assert_string_equal(jstr(r.j, "finalized_by"), "u_coder");
    res_free(&r);
    assert_false(on_worklist(U_CODER, NULL, enc, NULL));

    /* final: saves refused; rebill needs a reason; then saves need one too */
    r = call(U_CODER, "PUT", abs_path(enc, NULL), "{\"codes\":[]}", "\"v5\"");
    expect_status(&r, 409, "save final");
    res_free(&r);
    r = call(U_CODER, "POST", abs_path(enc, "/status"), "{\"to\":\"rebill\"}", "\"v5\"");
    expect_field(&r, 400, "reason", "rebill without reason");
    res_free(&r);
    r = call(U_CODER, "POST", abs_path(enc, "/status"),
             "{\"to\":\"rebill\",\"reason\":\"payer asked for the POA of Z79.4\"}", "\"v5\"");
    expect_status(&r, 200, "rebill");
    assert_string_equal(jstr(r.j, "status"), "rebill");
    res_free(&r);
    assert_true(on_worklist(U_CODER, "&status=rebill", enc, NULL));
    r = call(U_CODER, "PUT", abs_path(enc, NULL),
             "{\"codes\":[{\"role\":\"principal\",\"code\":\"E11.65\",\"poa\":\"Y\"},"
             "{\"role\":\"procedure\",\"code\":\"0DTJ4ZZ\",\"date\":\"2024-06-02\"}]}",
             "\"v6\"");
    expect_field(&r, 400, "reason", "rebill save without reason");
    res_free(&r);
    r = call(U_CODER, "PUT", abs_path(enc, NULL),
             "{\"codes\":[{\"role\":\"principal\",\"code\":\"E11.65\",\"poa\":\"Y\"},"
             "{\"role\":\"procedure\",\"code\":\"0DTJ4ZZ\",\"date\":\"2024-06-02\"}],"
             "\"reason\":\"insulin not documented\"}",
             "\"v6\"");
    expect_status(&r, 200, "rebill save");
    res_free(&r);
    r = call(U_CODER, "POST", abs_path(enc, "/status"), "{\"to\":\"final\"}", "\"v7\"");
    expect_status(&r, 200, "finalize again");
    res_free(&r);
    assert_int_equal(audit_count("coding.status", F.patient_id), statuses + 5);

    /* history, oldest first: adds, the hold, the removal with its reason, statuses */
    r = call(U_AUDITOR, "GET", abs_path(enc, "/history"), NULL, NULL);
    expect_status(&r, 200, "history");
    {
        const json_t *it, *items = json_object_get(r.j, "items");
        bool add = false, hold = false, removed = false, fin = false;

        assert_true(json_array_size(items) >= 8);
        json_array_foreach(items, i, it)
        {
            const char *a = jstr(it, "action"), *nv = jstr(it, "new_value");
            const char *code = jstr(it, "code"), *why = jstr(it, "reason");

            add |= strcmp(a, "add") == 0 && code && strcmp(code, "O24419") == 0;
            hold |= strcmp(a, "status") == 0 && nv && strcmp(nv, "on_hold") == 0;
            removed |= strcmp(a, "remove") == 0 && code && strcmp(code, "Z794") == 0 && why &&
                       strcmp(why, "insulin not documented") == 0;
            fin |= strcmp(a, "status") == 0 && nv && strcmp(nv, "final") == 0;
        }
        assert_true(add);
        assert_true(hold);
        assert_true(removed);
        assert_true(fin);
        assert_string_equal(jstr(json_array_get(items, 0), "user"), "u_coder");
    }
    res_free(&r);
}

static void test_assign(void **state)
{
    int64_t e1 = new_encounter("inpatient", "2024-07-01T08:00Z", "2024-07-03T10:00Z");
    int64_t e2 = new_encounter("emergency", "2024-07-02T08:00Z", "2024-07-02T10:00Z");
    int64_t before = audit_count("coding.assign", F.patient_id);
    int64_t denied = audit_count("access.denied", 0);
    char body[256];
    json_t *row = NULL;
    struct res r;

    (void)state;
    /* a coder takes work */
    (void)folio_snprintf(body, sizeof body, "{\"encounter_ids\":[%lld],\"coder\":\"u_coder\"}",
                         (long long)e1);
    r = call(U_CODER, "POST", "/api/v1/coding/assign", body, NULL);
    expect_status(&r, 200, "take");
    assert_int_equal(jint(r.j, "assigned"), 1);
    res_free(&r);
    assert_true(on_worklist(U_CODER, "&assigned_to=u_coder", e1, &row));
    assert_string_equal(jstr(row, "assigned_to"), "u_coder");
    json_decref(row);
    assert_false(on_worklist(U_CODER, "&unassigned=1", e1, NULL));
    assert_true(on_worklist(U_CODER, "&unassigned=1", e2, NULL));
    /* ... but may not give work to others (audited refusal) */
    (void)folio_snprintf(body, sizeof body,
                         "{\"encounter_ids\":[%lld],\"coder\":\"u_coding_auditor\"}",
                         (long long)e2);
    r = call(U_CODER, "POST", "/api/v1/coding/assign", body, NULL);
    expect_field(&r, 403, "coder", "coder assigns to another");
    res_free(&r);
    assert_int_equal(audit_count("access.denied", 0), denied + 1);
    /* the coding auditor (coding.manage) assigns e2 to the auditor, both to the coder */
    r = call(U_AUDITOR, "POST", "/api/v1/coding/assign", body, NULL);
    expect_status(&r, 200, "lead assigns");
    res_free(&r);
    /* the coder cannot take work another coder has */
    (void)folio_snprintf(body, sizeof body, "{\"encounter_ids\":[%lld],\"coder\":\"u_coder\"}",
                         (long long)e2);
    r = call(U_CODER, "POST", "/api/v1/coding/assign", body, NULL);
    expect_field(&r, 409, "encounter_ids[0]", "take another's work");
    res_free(&r);
    (void)folio_snprintf(body, sizeof body, "{\"encounter_ids\":[%lld,%lld],\"coder\":\"u_coder\"}",
                         (long long)e1, (long long)e2);
    r = call(U_AUDITOR, "POST", "/api/v1/coding/assign", body, NULL);
    expect_status(&r, 200, "lead reassigns");
    assert_int_equal(jint(r.j, "assigned"), 2);
    res_free(&r);
    assert_true(on_worklist(U_AUDITOR, "&assigned_to=u_coder", e2, NULL));
    /* unassign (lead only) */
    (void)folio_snprintf(body, sizeof body, "{\"encounter_ids\":[%lld],\"coder\":null}",
                         (long long)e2);
    r = call(U_CODER, "POST", "/api/v1/coding/assign", body, NULL);
    expect_status(&r, 403, "coder unassigns");
    res_free(&r);
    r = call(U_AUDITOR, "POST", "/api/v1/coding/assign", body, NULL);
    expect_status(&r, 200, "lead unassigns");
    res_free(&r);
    assert_true(on_worklist(U_AUDITOR, "&unassigned=true", e2, NULL));
    assert_int_equal(audit_count("coding.assign", F.patient_id), before + 5);

    /* bad input */
    r = call(U_AUDITOR, "POST", "/api/v1/coding/assign",
             "{\"encounter_ids\":[1],\"coder\":\"nobody-here\"}", NULL);
    expect_field(&r, 400, "coder", "unknown coder");
    res_free(&r);
    r = call(U_AUDITOR, "POST", "/api/v1/coding/assign",
             "{\"encounter_ids\":[1],\"coder\":\"u_clinician\"}", NULL);
    expect_field(&r, 400, "coder", "coder who cannot code");
    res_free(&r);
    r = call(U_AUDITOR, "POST", "/api/v1/coding/assign",
             "{\"encounter_ids\":[999999],\"coder\":\"u_coder\"}", NULL);
    expect_field(&r, 404, "encounter_ids[0]", "unknown encounter");
    res_free(&r);
    r = call(U_AUDITOR, "POST", "/api/v1/coding/assign",
             "{\"encounter_ids\":[],\"coder\":\"u_coder\"}", NULL);
    expect_field(&r, 400, "encounter_ids", "empty list");
    res_free(&r);
    r = call(U_AUDITOR, "POST", "/api/v1/coding/assign",
             "{\"encounter_ids\":[\"1\"],\"coder\":\"u_coder\"}", NULL);
    expect_field(&r, 400, "encounter_ids", "string id");
    res_free(&r);
    r = call(U_AUDITOR, "POST", "/api/v1/coding/assign", "{\"encounter_ids\":[1]}", NULL);
    expect_field(&r, 400, "coder", "coder missing");
    res_free(&r);
    r = call(U_TECH, "POST", "/api/v1/coding/assign", "{\"encounter_ids\":[1],\"coder\":null}",
             NULL);
    expect_status(&r, 403, "technician assigns");
    res_free(&r);
}

static void test_productivity(void **state)
{
    char path[128], today[32];
    const json_t *it;
    struct res r;
    size_t i;
    bool mine = false;

    (void)state;
    folio_time_now_utc(today);
    today[10] = '\0';
    /* test_check_hold_finalize_rebill finalized as u_coder today (twice) */
    (void)folio_snprintf(path, sizeof path, "/api/v1/coding/productivity?from=%s&to=%s", today,
                         today);
    r = call(U_CODER, "GET", path, NULL, NULL);
    expect_status(&r, 200, "coder productivity");
    assert_string_equal(jstr(r.j, "scope"), "own");
    json_array_foreach(json_object_get(r.j, "items"), i, it)
    {
        assert_string_equal(jstr(it, "coder"), "u_coder");
        mine = true;
        assert_true(jint(it, "finalized") >= 1);
        assert_int_equal(jint(json_object_get(it, "by_class"), "inpatient"), jint(it, "finalized"));
        assert_true(json_number_value(json_object_get(it, "active_hours")) > 0);
    }
    assert_true(mine);
    res_free(&r);
    r = call(U_AUDITOR, "GET", path, NULL, NULL);
    expect_status(&r, 200, "lead productivity");
    assert_string_equal(jstr(r.j, "scope"), "all");
    assert_true(json_array_size(json_object_get(r.j, "items")) >= 2); /* coder and auditor */
    res_free(&r);
    r = call(U_AUDITOR, "GET", "/api/v1/coding/productivity?from=2024-02-01&to=2024-01-01", NULL,
             NULL);
    expect_field(&r, 400, "from", "from after to");
    res_free(&r);
    r = call(U_AUDITOR, "GET", "/api/v1/coding/productivity?to=yesterday", NULL, NULL);
    expect_field(&r, 400, "to", "bad to");
    res_free(&r);
    r = call(U_TECH, "GET", "/api/v1/coding/productivity", NULL, NULL);
    expect_status(&r, 403, "technician productivity");
    res_free(&r);
}

/* The coders a lead may assign to: active users whose roles may code, nobody else. */
static void test_coders(void **state)
{
    const json_t *it;
    struct res r;
    size_t i;
    bool coder = false, auditor = false, all = false;

    (void)state;
    r = call(U_AUDITOR, "GET", "/api/v1/coding/coders", NULL, NULL);
    expect_status(&r, 200, "coders");
    json_array_foreach(json_object_get(r.j, "items"), i, it)
    {
        const char *u = jstr(it, "username");
        bool manager = json_is_true(json_object_get(it, "manager"));
        if (!strcmp(u, "u_coder"))
            coder = !manager;
        else if (!strcmp(u, "u_coding_auditor"))
            auditor = manager;
        else if (!strcmp(u, "u_all"))
            all = manager;
        else
            fail_msg("%s may not code but is listed", u);
    }
    assert_true(coder && auditor && all);
    res_free(&r);
    r = call(U_CODER, "GET", "/api/v1/coding/coders", NULL, NULL);
    expect_status(&r, 403, "a coder may not list coders");
    res_free(&r);
}

static void test_permissions(void **state)
{
    int64_t enc = new_encounter("inpatient", "2024-08-01T08:00Z", "2024-08-02T10:00Z");
    struct res r;

    (void)state;
    /* the HIM technician reads abstracts and checks, changes nothing */
    r = call(U_TECH, "GET", abs_path(enc, NULL), NULL, NULL);
    expect_status(&r, 200, "technician reads");
    res_free(&r);
    r = call(U_TECH, "PUT", abs_path(enc, NULL), "{\"codes\":[]}", NULL);
    expect_status(&r, 403, "technician saves");
    res_free(&r);
    r = call(U_TECH, "POST", abs_path(enc, "/status"), "{\"to\":\"on_hold\"}", NULL);
    expect_status(&r, 403, "technician holds");
    res_free(&r);
    /* the clinician, chart analyst and analyst get nothing */
    r = call(U_CLINICIAN, "GET", abs_path(enc, NULL), NULL, NULL);
    expect_status(&r, 403, "clinician reads");
    res_free(&r);
    r = call(U_ANALYST_CHART, "GET", abs_path(enc, "/history"), NULL, NULL);
    expect_status(&r, 403, "chart analyst history");
    res_free(&r);
    r = call(U_ANALYST, "POST", abs_path(enc, "/check"), "{\"codes\":[]}", NULL);
    expect_status(&r, 403, "analyst checks");
    res_free(&r);
    /* the coding auditor codes too */
    r = call(U_AUDITOR, "PUT", abs_path(enc, NULL),
             "{\"codes\":[{\"role\":\"principal\",\"code\":\"I10\",\"poa\":\"Y\"}]}", NULL);
    expect_status(&r, 200, "auditor saves");
    res_free(&r);
}

/* Bodies over the server's cap are refused before any handler runs (413). */
static void test_big_body(void **state)
{
    size_t len = (size_t)20 << 20;
    char *big = malloc(len + 1);
    struct res r;

    (void)state;
    assert_non_null(big);
    memset(big, ' ', len);
    big[len] = '\0';
    big[0] = '{';
    big[len - 1] = '}';
    r = call(U_CODER, "PUT", abs_path(F.encounter_id, NULL), big, NULL);
    expect_status(&r, 413, "20 MB body");
    res_free(&r);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worklist),    cmocka_unit_test(test_view_save_preconditions),
        cmocka_unit_test(test_bad_input),   cmocka_unit_test(test_check_hold_finalize_rebill),
        cmocka_unit_test(test_assign),      cmocka_unit_test(test_productivity),
        cmocka_unit_test(test_coders),
        cmocka_unit_test(test_permissions), cmocka_unit_test(test_big_body),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

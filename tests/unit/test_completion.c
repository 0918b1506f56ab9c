/* Tests of the analyst's worklist, chart completion and what a complete chart still accepts
 * (late entries, amendments), the analysis trigger and users linked to providers
 * (include/folio/completeness.h, include/folio/records.h, include/folio/privacy.h) on the
 * backend under test. Synthetic data only; the clock is always given. */
#include "folio/base.h"

#include <setjmp.h>
#include <cmocka.h>

#include "folio/completeness.h"
#include "folio/crypto.h"
#include "folio/privacy.h"
#include "folio/query.h"
#include "folio/records.h"
#include "folio/store.h"
#include "testdb.h"

#define DCSUM "18842-5"
#define PROG  "11506-3"

static const char rules[] =
    "require DCSUM type 18842-5 class inpatient within 30d after discharge\n"
    "sign    SIGNED within 48h\n";

struct fx {
    struct folio_store *store;
    struct folio_chart chart;
    struct folio_arena arena;
    struct folio_err err;
    int64_t pid, attending, other, n_acct;
};

#define OK(call)                                                                                   \
    do {                                                                                           \
        enum folio_rc rc_ = (call);                                                                \
        if (rc_ != FOLIO_OK)                                                                       \
            fail_msg("%s -> %s: %s [%s]", #call, folio_rc_name(rc_), f->err.msg, f->err.field);    \
    } while (0)

#define EXPECT(code, fld, call)                                                                    \
    do {                                                                                           \
        folio_err_clear(&f->err);                                                                  \
        enum folio_rc rc_ = (call);                                                                \
        if (rc_ != (code))                                                                         \
            fail_msg("%s -> %s (want %s): %s", #call, folio_rc_name(rc_), folio_rc_name(code),     \
                     f->err.msg);                                                                  \
        assert_string_equal(f->err.field, fld);                                                    \
    } while (0)

static int64_t mk_provider(struct fx *f, const char *family)
{
    struct folio_provider p = {.family = family, .given = "Pat"};
    int64_t id = 0;
    OK(folio_provider_create(&f->chart, &p, &id, &f->err));
    return id;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct folio_err err = {0};
    int64_t v = 0;
    assert_non_null(f);
    assert_int_equal(folio_crypto_init(&err), FOLIO_OK);
    f->store = folio_test_store_open();
    f->chart = (struct folio_chart){f->store, NULL, "registrar"};
    folio_arena_init(&f->arena, 0);
    *state = f;
    OK(folio_facility_ensure(&f->chart, "MAIN", "Main Hospital", NULL, &f->err));
    struct folio_identifier mrn = {.kind = "MR", .assigner = "MAIN", .value = "MRN100"};
    struct folio_patient_new p = {.name = {.family = "Chartwell", .given = "Test"},
                                  .birth_date = "1950-01-01",
                                  .sex = "F",
                                  .ids = &mrn,
                                  .n_ids = 1};
    OK(folio_patient_create(&f->chart, &p, &f->pid, &f->err));
    f->attending = mk_provider(f, "Attending");
    f->other = mk_provider(f, "Other");
    OK(folio_rules_load(f->store, "test.rules", rules, strlen(rules), "him", "2024-01-01T00:00Z",
                        &v, NULL, &f->err));
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    folio_arena_release(&f->arena);
    folio_test_store_close(f->store);
    free(f);
    return 0;
}

/* An inpatient stay with attending `att` (0: none), discharged at discharge unless NULL. */
static int64_t mk_enc(struct fx *f, const char *admit, const char *discharge, int64_t att)
{
    char acct[32];
    int64_t id = 0;
    folio_snprintf(acct, sizeof acct, "A%04lld", (long long)++f->n_acct);
    struct folio_encounter_new e = {.patient_id = f->pid,
                                    .facility_code = "MAIN",
                                    .account_number = acct,
                                    .enc_class = "inpatient",
                                    .service = "MED",
                                    .admit_at = admit,
                                    .status = "in-progress"};
    OK(folio_encounter_create(&f->chart, &e, &id, &f->err));
    if (att)
        OK(folio_encounter_add_provider(&f->chart, id, att, "attending", NULL, NULL, &f->err));
    if (discharge)
        OK(folio_encounter_discharge(&f->chart, id, discharge, "01", &f->err));
    return id;
}

static int64_t mk_doc(struct fx *f, int64_t enc, const char *type, const char *status,
                      const char *reason, int64_t *version_id)
{
    struct folio_document_new d = {.patient_id = f->pid,
                                   .encounter_id = enc,
                                   .author_id = f->attending,
                                   .type_code = type,
                                   .status = status,
                                   .content = "note",
                                   .content_len = 4,
                                   .reason = reason};
    int64_t id = 0;
    OK(folio_document_create(&f->chart, &d, &id, version_id, &f->err));
    return id;
}

static void sign(struct fx *f, int64_t version_id, const char *at)
{
    OK(folio_document_sign(&f->chart, version_id, f->attending, NULL, "author", at, NULL, &f->err));
}

/* A discharge summary, final and signed: the chart of the default rules is then complete. */
static int64_t complete_docs(struct fx *f, int64_t enc, const char *at)
{
    int64_t vid = 0, id = mk_doc(f, enc, DCSUM, "final", NULL, &vid);
    sign(f, vid, at);
    return id;
}

static struct folio_cmpl_chart *worklist(struct fx *f, const char *status, int64_t resp,
                                         size_t limit, size_t offset, size_t *n, int64_t *total)
{
    struct folio_cmpl_worklist_filter flt = {.status = status,
                                             .responsible_id = resp,
                                             .as_of = "2024-04-05T00:00Z",
                                             .limit = limit,
                                             .offset = offset};
    struct folio_cmpl_chart *v = NULL;
    OK(folio_completeness_worklist(f->store, &flt, &f->arena, &v, n, total, &f->err));
    return v;
}

static int64_t count_sql(struct fx *f, const char *sql, int64_t id)
{
    int64_t n = -1;
    OK(folio_store_exec_fmt(f->store, &n, NULL, NULL, &f->err, sql, "i", id));
    return n;
}

static const char *completed_at(struct fx *f, int64_t enc)
{
    struct folio_cmpl_chart c;
    OK(folio_completeness_chart(f->store, enc, "2024-04-05T00:00Z", &f->arena, &c, &f->err));
    return folio_arena_strdup(&f->arena, c.completed_at);
}

/* ---- the worklist ---- */

static void test_worklist(void **state)
{
    struct fx *f = *state;
    size_t n = 0;
    int64_t total = 0, qid = 0;
    int64_t e1 = mk_enc(f, "2024-03-01T08:00Z", "2024-03-05T10:00Z", f->attending);
    int64_t e2 = mk_enc(f, "2024-03-02T08:00Z", "2024-03-03T09:00Z", f->attending);
    int64_t e3 = mk_enc(f, "2024-03-04T08:00Z", "2024-03-10T12:00Z", f->attending);
    int64_t e4 = mk_enc(f, "2024-03-04T08:00Z", NULL, f->attending);
    /* e3's attending changed during the stay: the current one is Other */
    OK(folio_encounter_add_provider(&f->chart, e3, f->other, "attending", "2024-03-06T08:00Z", NULL,
                                    &f->err));
    complete_docs(f, e1, "2024-03-05T12:00Z");
    for (int64_t e = e1; e <= e4; e++)
        OK(folio_completeness_on_change(f->store, e, "2024-03-20T00:00Z", "him", NULL, &f->err));
    /* an open query on e2 */
    struct folio_query_indicator ind = {.source = "CBC 03/02", .excerpt = "Hgb 7.9 g/dL"};
    struct folio_query_new q = {.encounter_id = e2,
                                .provider_id = f->attending,
                                .kind = FOLIO_QK_OPEN_ENDED,
                                .purpose = FOLIO_QP_SPECIFICITY,
                                .question = "Please clarify the type of anemia being treated.",
                                .indicators = &ind,
                                .n_indicators = 1,
                                .user = "cdi1",
                                .now = "2024-03-21T00:00Z"};
    OK(folio_query_create(&f->chart, &q, &qid, &f->err));
    OK(folio_query_send(&f->chart, qid, "cdi1", "2024-03-21T00:00Z", &f->err));

    /* oldest discharge first; the stay in progress is not there */
    struct folio_cmpl_chart *v = worklist(f, NULL, 0, 0, 0, &n, &total);
    assert_int_equal(n, 3);
    assert_int_equal(total, 3);
    assert_int_equal(v[0].encounter_id, e2);
    assert_int_equal(v[1].encounter_id, e1);
    assert_int_equal(v[2].encounter_id, e3);
    assert_int_equal(v[0].patient_id, f->pid);
    assert_string_equal(v[0].patient_name, "Chartwell, Test");
    assert_string_equal(v[0].mrn, "MRN100");
    assert_string_equal(v[0].account_number, "A0002");
    assert_string_equal(v[0].enc_class, "inpatient");
    assert_string_equal(v[0].service, "MED");
    assert_string_equal(v[0].discharge_at, "2024-03-03T09:00Z");
    assert_int_equal(v[0].days_since_discharge, 32);
    assert_int_equal(v[0].attending_id, f->attending);
    assert_string_equal(v[0].attending_name, "Attending, Pat");
    assert_int_equal(v[0].open, 1);    /* no discharge summary */
    assert_int_equal(v[0].overdue, 1); /* due 2024-04-02 */
    assert_int_equal(v[0].open_queries, 1);
    assert_string_equal(v[0].completed_at, "");
    assert_null(v[0].completed_by);
    assert_int_equal(v[1].open, 0);
    assert_int_equal(v[1].overdue, 0);
    assert_int_equal(v[1].open_queries, 0);
    assert_int_equal(v[2].attending_id, f->other);
    assert_string_equal(v[2].attending_name, "Other, Pat");
    assert_int_equal(v[2].open, 1);
    assert_int_equal(v[2].overdue, 0); /* due 2024-04-09 */

    /* paging */
    v = worklist(f, NULL, 0, 2, 0, &n, &total);
    assert_int_equal(n, 2);
    assert_int_equal(total, 3);
    assert_int_equal(v[1].encounter_id, e1);
    v = worklist(f, NULL, 0, 2, 2, &n, &total);
    assert_int_equal(n, 1);
    assert_int_equal(total, 3);
    assert_int_equal(v[0].encounter_id, e3);

    /* charts with an open deficiency of a provider: the responsible is the current attending */
    v = worklist(f, NULL, f->attending, 0, 0, &n, &total);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].encounter_id, e2);
    v = worklist(f, NULL, f->other, 0, 0, &n, &total);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].encounter_id, e3);

    /* status */
    OK(folio_completeness_complete(f->store, e1, "him", "2024-04-04T00:00Z", &f->err));
    v = worklist(f, "complete", 0, 0, 0, &n, &total);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].encounter_id, e1);
    assert_string_equal(v[0].completed_at, "2024-04-04T00:00:00Z");
    assert_string_equal(v[0].completed_by, "him");
    v = worklist(f, "incomplete", 0, 0, 0, &n, &total);
    assert_int_equal(total, 2);
    assert_int_equal(v[0].encounter_id, e2);
    assert_int_equal(v[1].encounter_id, e3);
    v = worklist(f, "all", 0, 0, 0, &n, &total);
    assert_int_equal(total, 3);

    /* one chart, any status */
    struct folio_cmpl_chart c;
    OK(folio_completeness_chart(f->store, e4, NULL, &f->arena, &c, &f->err));
    assert_int_equal(c.encounter_id, e4);
    assert_string_equal(c.discharge_at, "");
    assert_int_equal(c.days_since_discharge, 0);
    assert_int_equal(c.open, 0);

    /* bad arguments */
    struct folio_cmpl_worklist_filter bad = {.status = "pending"};
    struct folio_cmpl_chart *out = NULL;
    EXPECT(FOLIO_EINVAL, "status",
           folio_completeness_worklist(f->store, &bad, &f->arena, &out, &n, &total, &f->err));
    bad = (struct folio_cmpl_worklist_filter){.as_of = "yesterday"};
    EXPECT(FOLIO_EINVAL, "as_of",
           folio_completeness_worklist(f->store, &bad, &f->arena, &out, &n, &total, &f->err));
    EXPECT(FOLIO_ENOTFOUND, "encounter",
           folio_completeness_chart(f->store, 999999, NULL, &f->arena, &c, &f->err));
}

/* ---- completion ---- */

static void test_complete_and_reopen(void **state)
{
    struct fx *f = *state;
    int64_t e1 = mk_enc(f, "2024-03-01T08:00Z", "2024-03-05T10:00Z", f->attending);
    int64_t e2 = mk_enc(f, "2024-03-01T08:00Z", NULL, f->attending);

    EXPECT(FOLIO_ESTATE, "status",
           folio_completeness_complete(f->store, e2, "him", "2024-03-20T00:00Z", &f->err));
    /* the missing discharge summary is found by the analysis complete runs first */
    EXPECT(FOLIO_ESTATE, "deficiencies",
           folio_completeness_complete(f->store, e1, "him", "2024-03-20T00:00Z", &f->err));
    assert_non_null(strstr(f->err.msg, "1 open deficiency"));
    assert_string_equal(completed_at(f, e1), "");
    EXPECT(FOLIO_EINVAL, "user",
           folio_completeness_complete(f->store, e1, NULL, "2024-03-20T00:00Z", &f->err));

    complete_docs(f, e1, "2024-03-06T00:00Z");
    OK(folio_completeness_complete(f->store, e1, "him", "2024-03-20T00:00Z", &f->err));
    assert_string_equal(completed_at(f, e1), "2024-03-20T00:00:00Z");
    EXPECT(FOLIO_ESTATE, "completed_at",
           folio_completeness_complete(f->store, e1, "him", "2024-03-21T00:00Z", &f->err));

    EXPECT(FOLIO_EINVAL, "reason",
           folio_completeness_reopen(f->store, e1, "", "him", "2024-03-22T00:00Z", &f->err));
    OK(folio_completeness_reopen(f->store, e1, "wrong patient's note found", "him",
                                 "2024-03-22T00:00Z", &f->err));
    assert_string_equal(completed_at(f, e1), "");
    EXPECT(FOLIO_ESTATE, "completed_at",
           folio_completeness_reopen(f->store, e1, "again", "him", "2024-03-22T00:00Z", &f->err));
    EXPECT(FOLIO_ENOTFOUND, "encounter",
           folio_completeness_reopen(f->store, 999999, "x", "him", NULL, &f->err));
    assert_int_equal(
        count_sql(f, "SELECT COUNT(*) FROM chart_completion_event WHERE encounter_id = ?", e1), 2);
    assert_int_equal(count_sql(f,
                               "SELECT COUNT(*) FROM chart_completion_event WHERE encounter_id = ? "
                               "AND action = 'reopen' AND detail = 'wrong patient''s note found'",
                               e1),
                     1);
    /* and complete again */
    OK(folio_completeness_complete(f->store, e1, "him", "2024-03-23T00:00Z", &f->err));
}

/* After completion every change is an amendment. */
static void test_amendments_after_completion(void **state)
{
    struct fx *f = *state;
    struct folio_document_version *hist = NULL;
    struct folio_document doc;
    size_t nh = 0;
    int64_t vid = 0, prelim_vid = 0, late_vid = 0;
    int64_t e1 = mk_enc(f, "2024-03-01T08:00Z", "2024-03-05T10:00Z", f->attending);
    int64_t dcsum = complete_docs(f, e1, "2024-03-06T00:00Z");
    int64_t prelim = mk_doc(f, e1, PROG, "preliminary", NULL, &prelim_vid);
    sign(f, prelim_vid, "2024-03-06T00:00Z");
    OK(folio_completeness_complete(f->store, e1, "him", "2024-03-20T00:00Z", &f->err));

    /* a new document is a late entry: a reason is required and recorded */
    struct folio_document_new d = {.patient_id = f->pid,
                                   .encounter_id = e1,
                                   .type_code = PROG,
                                   .content = "late",
                                   .content_len = 4};
    EXPECT(FOLIO_EINVAL, "reason", folio_document_create(&f->chart, &d, NULL, NULL, &f->err));
    int64_t late = mk_doc(f, e1, PROG, "final", "dictation lost", &late_vid);
    OK(folio_document_history(&f->chart, late, &f->arena, &hist, &nh, &f->err));
    assert_int_equal(nh, 1);
    assert_string_equal(hist[0].change_kind, "late-entry");
    assert_string_equal(hist[0].reason, "dictation lost");
    /* a document without an encounter is no chart's: no reason needed */
    d.encounter_id = 0;
    OK(folio_document_create(&f->chart, &d, NULL, NULL, &f->err));

    /* a preliminary can be neither replaced nor finalized */
    struct folio_document_change ch = {
        .kind = FOLIO_DOC_REPLACE, .content = "v2", .content_len = 2, .reason = "typo"};
    EXPECT(FOLIO_ESTATE, "kind", folio_document_revise(&f->chart, prelim, &ch, NULL, &f->err));
    assert_non_null(strstr(f->err.msg, "amend instead"));
    ch = (struct folio_document_change){.kind = FOLIO_DOC_FINALIZE, .reason = "done"};
    EXPECT(FOLIO_ESTATE, "kind", folio_document_revise(&f->chart, prelim, &ch, NULL, &f->err));

    /* amend, correct, addendum, entered-in-error: with a reason */
    ch = (struct folio_document_change){.kind = FOLIO_DOC_AMEND, .content = "v2", .content_len = 2};
    EXPECT(FOLIO_EINVAL, "reason", folio_document_revise(&f->chart, dcsum, &ch, NULL, &f->err));
    ch.reason = "medication list completed";
    OK(folio_document_revise(&f->chart, dcsum, &ch, &vid, &f->err));
    ch = (struct folio_document_change){
        .kind = FOLIO_DOC_ADDENDUM, .content = "v2 + addendum", .content_len = 13};
    EXPECT(FOLIO_EINVAL, "reason", folio_document_revise(&f->chart, dcsum, &ch, NULL, &f->err));
    ch.reason = "follow-up added";
    OK(folio_document_revise(&f->chart, dcsum, &ch, &vid, &f->err));
    ch = (struct folio_document_change){.kind = FOLIO_DOC_ENTERED_IN_ERROR,
                                        .reason = "wrong patient"};
    OK(folio_document_revise(&f->chart, late, &ch, NULL, &f->err));
    /* signing stays allowed */
    sign(f, vid, "2024-03-21T00:00Z");
    OK(folio_document_get(&f->chart, dcsum, &f->arena, &doc, &f->err));
    assert_string_equal(doc.current.status, "amended");
    assert_int_equal(doc.current.n_signatures, 1);

    /* reopened, the preliminary can be finalized again */
    OK(folio_completeness_reopen(f->store, e1, "finish the note", "him", "2024-03-22T00:00Z",
                                 &f->err));
    ch = (struct folio_document_change){.kind = FOLIO_DOC_FINALIZE};
    OK(folio_document_revise(&f->chart, prelim, &ch, NULL, &f->err));
}

/* A change that makes a complete chart deficient reopens it. */
static void test_auto_reopen(void **state)
{
    struct fx *f = *state;
    struct folio_cmpl_result r;
    int64_t vid = 0;
    int64_t e1 = mk_enc(f, "2024-03-01T08:00Z", "2024-03-05T10:00Z", f->attending);
    complete_docs(f, e1, "2024-03-06T00:00Z");
    OK(folio_completeness_complete(f->store, e1, "him", "2024-03-20T00:00Z", &f->err));

    /* a change that finds nothing new leaves it complete */
    OK(folio_completeness_on_change(f->store, e1, "2024-03-21T00:00Z", "api", &r, &f->err));
    assert_int_equal(r.created, 0);
    assert_string_equal(completed_at(f, e1), "2024-03-20T00:00:00Z");

    /* an unsigned late entry: a signature deficiency, the chart is reopened */
    mk_doc(f, e1, PROG, "final", "late dictation", &vid);
    OK(folio_completeness_on_change(f->store, e1, "2024-03-22T00:00Z", "api", &r, &f->err));
    assert_int_equal(r.created, 1);
    assert_int_equal(r.open, 1);
    assert_string_equal(completed_at(f, e1), "");
    assert_int_equal(count_sql(f,
                               "SELECT COUNT(*) FROM chart_completion_event WHERE encounter_id = ? "
                               "AND action = 'reopen' AND user_name = 'api' AND detail LIKE "
                               "'reopened by the analysis: 1 new deficiency%'",
                               e1),
                     1);
    EXPECT(FOLIO_ESTATE, "deficiencies",
           folio_completeness_complete(f->store, e1, "him", "2024-03-22T01:00Z", &f->err));
    sign(f, vid, "2024-03-22T02:00Z");
    OK(folio_completeness_complete(f->store, e1, "him", "2024-03-22T03:00Z", &f->err));
}

/* A cancelled discharge (A13) withdraws every open and waived deficiency and undoes completion. */
static void test_withdraw_reopens(void **state)
{
    struct fx *f = *state;
    size_t n = 99;
    int64_t e1 = mk_enc(f, "2024-03-01T08:00Z", "2024-03-05T10:00Z", f->attending);
    int64_t e2 = mk_enc(f, "2024-03-01T08:00Z", "2024-03-05T10:00Z", f->attending);

    complete_docs(f, e1, "2024-03-06T00:00Z");
    OK(folio_completeness_complete(f->store, e1, "him", "2024-03-20T00:00Z", &f->err));
    OK(folio_completeness_withdraw(f->store, e1, "A13", "feed", "2024-03-21T00:00Z", &n, &f->err));
    assert_int_equal(n, 0);
    assert_string_equal(completed_at(f, e1), "");
    assert_int_equal(count_sql(f,
                               "SELECT COUNT(*) FROM chart_completion_event WHERE encounter_id = ? "
                               "AND action = 'reopen' AND detail = 'discharge cancelled: A13'",
                               e1),
                     1);

    /* e2: the open deficiency (no discharge summary) is withdrawn, with its event */
    OK(folio_completeness_analyze(f->store, e2, "2024-03-20T00:00Z", "him", NULL, &f->err));
    n = 0;
    OK(folio_completeness_withdraw(f->store, e2, "A13", "feed", "2024-03-21T00:00Z", &n, &f->err));
    assert_int_equal(n, 1);
    assert_int_equal(count_sql(f,
                               "SELECT COUNT(*) FROM deficiency WHERE encounter_id = ? AND "
                               "status = 'withdrawn' AND closed_how = 'withdrawn: A13'",
                               e2),
                     1);
    assert_int_equal(count_sql(f,
                               "SELECT COUNT(*) FROM deficiency_event x JOIN deficiency d ON "
                               "d.id = x.deficiency_id WHERE d.encounter_id = ? AND "
                               "x.action = 'withdraw' AND x.user_name = 'feed'",
                               e2),
                     1);
    /* nothing left to withdraw */
    OK(folio_completeness_withdraw(f->store, e2, "A13", "feed", "2024-03-22T00:00Z", &n, &f->err));
    assert_int_equal(n, 0);
}

/* ---- the trigger ---- */

static void test_on_change_waits_for_discharge(void **state)
{
    struct fx *f = *state;
    struct folio_cmpl_result r = {.created = 99, .open = 99};
    size_t n = 0;
    int64_t e1 = mk_enc(f, "2024-03-01T08:00Z", NULL, f->attending);
    struct folio_deficiency_filter flt = {.encounter_id = e1};
    struct folio_deficiency *v = NULL;
    OK(folio_completeness_on_change(f->store, e1, "2024-05-01T00:00Z", "api", &r, &f->err));
    assert_int_equal(r.ruleset_version, 0);
    assert_int_equal(r.created, 0);
    assert_int_equal(r.open, 0);
    OK(folio_completeness_list(f->store, &flt, &f->arena, &v, &n, &f->err));
    assert_int_equal(n, 0);
    /* discharged: the summary is missing */
    OK(folio_encounter_discharge(&f->chart, e1, "2024-03-05T10:00Z", "01", &f->err));
    OK(folio_completeness_on_change(f->store, e1, "2024-05-01T00:00Z", "api", &r, &f->err));
    assert_int_equal(r.ruleset_version, 1);
    assert_int_equal(r.created, 1);
    EXPECT(FOLIO_ENOTFOUND, "encounter",
           folio_completeness_on_change(f->store, 999999, NULL, "api", NULL, &f->err));
    EXPECT(FOLIO_EINVAL, "now",
           folio_completeness_on_change(f->store, e1, "soon", "api", NULL, &f->err));
}

/* ---- users linked to providers ---- */

static void test_user_provider(void **state)
{
    struct fx *f = *state;
    struct folio_user u, *all = NULL;
    size_t n = 0;
    OK(folio_user_add(f->store, "admin", "dr.attending", "Dr Attending", FOLIO_ROLE_CLINICIAN,
                      "correct horse battery", NULL, &f->err));
    OK(folio_user_get(f->store, "dr.attending", &f->arena, &u, &f->err));
    assert_int_equal(u.provider_id, 0);
    OK(folio_user_set_provider(f->store, "admin", "dr.attending", f->attending, &f->err));
    OK(folio_user_get(f->store, "dr.attending", &f->arena, &u, &f->err));
    assert_int_equal(u.provider_id, f->attending);
    OK(folio_user_list(f->store, &f->arena, &all, &n, &f->err));
    assert_int_equal(n, 1);
    assert_int_equal(all[0].provider_id, f->attending);
    EXPECT(FOLIO_ENOTFOUND, "provider_id",
           folio_user_set_provider(f->store, "admin", "dr.attending", 999999, &f->err));
    EXPECT(FOLIO_ENOTFOUND, "username",
           folio_user_set_provider(f->store, "admin", "nobody", f->attending, &f->err));
    EXPECT(FOLIO_EINVAL, "provider_id",
           folio_user_set_provider(f->store, "admin", "dr.attending", -3, &f->err));
    /* the failed changes changed nothing; 0 unlinks */
    OK(folio_user_get(f->store, "dr.attending", &f->arena, &u, &f->err));
    assert_int_equal(u.provider_id, f->attending);
    OK(folio_user_set_provider(f->store, "admin", "dr.attending", 0, &f->err));
    OK(folio_user_get(f->store, "dr.attending", &f->arena, &u, &f->err));
    assert_int_equal(u.provider_id, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_worklist, setup, teardown),
        cmocka_unit_test_setup_teardown(test_complete_and_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_amendments_after_completion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auto_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_withdraw_reopens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_on_change_waits_for_discharge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_provider, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

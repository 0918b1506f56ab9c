/* Tests of physician queries (include/folio/query.h) on the backend under test: template
 * enforcement, the leading-query guard (each rule), the lifecycle, the answer filed into the
 * chart as a signed document, the inbox and the reports. Synthetic data only. */
#include "folio/base.h"

#include <math.h>
#include <setjmp.h>
#include <cmocka.h>

#include "folio/crypto.h"
#include "folio/query.h"
#include "folio/records.h"
#include "folio/store.h"
#include "testdb.h"

struct fx {
    struct folio_store *store;
    struct folio_chart chart;
    struct folio_arena arena;
    struct folio_err err;
    int64_t pid, enc, doc, obs, dr_a, dr_b;
    int n_acct;
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
        if ((fld) != NULL)                                                                         \
            assert_string_equal(f->err.field, (const char *)(fld));                                \
    } while (0)

static int64_t mk_provider(struct fx *f, const char *family)
{
    struct folio_provider p = {.family = family, .given = "Ann", .credentials = "MD"};
    int64_t id = 0;
    OK(folio_provider_create(&f->chart, &p, &id, &f->err));
    return id;
}

/* A discharged encounter of f->pid, attended by attending (0 = none). */
static int64_t mk_enc(struct fx *f, const char *day, int64_t attending)
{
    char acct[16], admit[40], disch[40];
    int64_t id = 0;
    folio_snprintf(acct, sizeof acct, "Q%04d", ++f->n_acct);
    folio_snprintf(admit, sizeof admit, "%sT01:00Z", day);
    folio_snprintf(disch, sizeof disch, "%sT15:00Z", day);
    struct folio_encounter_new e = {.patient_id = f->pid,
                                    .facility_code = "MAIN",
                                    .account_number = acct,
                                    .enc_class = "inpatient",
                                    .admit_at = admit,
                                    .discharge_at = disch};
    OK(folio_encounter_create(&f->chart, &e, &id, &f->err));
    if (attending)
        OK(folio_encounter_add_provider(&f->chart, id, attending, "attending", admit, NULL,
                                        &f->err));
    return id;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct folio_err err = {0};
    assert_non_null(f);
    assert_int_equal(folio_crypto_init(&err), FOLIO_OK);
    f->store = folio_test_store_open();
    f->chart = (struct folio_chart){f->store, NULL, "cdi1"};
    folio_arena_init(&f->arena, 0);
    *state = f;
    struct folio_patient_new p = {
        .name = {.family = "Query", .given = "Test"}, .birth_date = "1950-01-01", .sex = "F"};
    OK(folio_patient_create(&f->chart, &p, &f->pid, &f->err));
    OK(folio_facility_ensure(&f->chart, "MAIN", "Main", NULL, &f->err));
    f->dr_a = mk_provider(f, "Able");
    f->dr_b = mk_provider(f, "Baker");
    f->enc = mk_enc(f, "2024-03-05", f->dr_a);
    static const char note[] = "BNP 1250. EF 30%. Started IV furosemide.";
    struct folio_document_new d = {.patient_id = f->pid,
                                   .encounter_id = f->enc,
                                   .author_id = f->dr_a,
                                   .type_code = "11506-3",
                                   .content = note,
                                   .content_len = sizeof note - 1};
    OK(folio_document_create(&f->chart, &d, &f->doc, NULL, &f->err));
    struct folio_observation o = {.patient_id = f->pid,
                                  .encounter_id = f->enc,
                                  .code = "30934-4",
                                  .title = "BNP",
                                  .value_text = "1250",
                                  .units = "pg/mL",
                                  .observed_at = "2024-03-05T03:00Z"};
    OK(folio_observation_create(&f->chart, &o, &f->obs, &f->err));
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

static const struct folio_query_indicator *indicators(struct fx *f)
{
    static struct folio_query_indicator ind[2];
    ind[0] = (struct folio_query_indicator){.document_id = f->doc, .excerpt = "EF 30%"};
    ind[1] = (struct folio_query_indicator){.observation_id = f->obs, .excerpt = "BNP 1250 pg/mL"};
    return ind;
}

/* A heart-failure specificity query from the built-in template, as a draft. */
static int64_t mk_query(struct fx *f, int64_t enc, int64_t provider, const char *user,
                        const char *now)
{
    struct folio_query_new q = {.encounter_id = enc,
                                .provider_id = provider,
                                .template_code = "heart-failure-specificity",
                                .indicators = indicators(f),
                                .n_indicators = 2,
                                .user = user,
                                .now = now};
    int64_t id = 0;
    OK(folio_query_create(&f->chart, &q, &id, &f->err));
    return id;
}

static void test_templates(void **state)
{
    struct fx *f = *state;
    struct folio_query_template *t = NULL;
    size_t n = 0;
    int64_t id = 0;
    OK(folio_query_template_list(f->store, &f->arena, &t, &n, &f->err));
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n; i++) /* every built-in passes the guard as it stands */
        if (t[i].kind == FOLIO_QK_MULTIPLE_CHOICE) {
            assert_int_equal(t[i].options[t[i].n_options - 2].role, FOLIO_QO_OTHER);
            assert_int_equal(t[i].options[t[i].n_options - 1].role, FOLIO_QO_UNDETERMINED);
        }

    /* multiple choice: other and undetermined added when missing, moved last, never doubled */
    struct folio_query_option o1[] = {{FOLIO_QO_CLINICAL, "Acute blood loss anemia"},
                                      {0, "clinically undetermined"},
                                      {FOLIO_QO_CLINICAL, "Anemia of chronic disease"}};
    struct folio_query_template in = {.code = "anemia-type",
                                      .title = "Anemia type",
                                      .kind = FOLIO_QK_MULTIPLE_CHOICE,
                                      .purpose = FOLIO_QP_SPECIFICITY,
                                      .question = "Please clarify the type of anemia.",
                                      .options = o1,
                                      .n_options = 3};
    OK(folio_query_template_create(f->store, &in, "cdi1", &id, &f->err));
    OK(folio_query_template_get(f->store, "anemia-type", &f->arena, &t, &f->err));
    assert_int_equal(t->n_options, 4);
    assert_string_equal(t->options[0].label, "Acute blood loss anemia");
    assert_string_equal(t->options[1].label, "Anemia of chronic disease");
    assert_int_equal(t->options[2].role, FOLIO_QO_OTHER);
    assert_string_equal(t->options[2].label, FOLIO_QUERY_OTHER_LABEL);
    assert_int_equal(t->options[3].role, FOLIO_QO_UNDETERMINED);
    EXPECT(FOLIO_ECONFLICT, "code",
           folio_query_template_create(f->store, &in, "cdi1", &id, &f->err));

    /* a single clinical option is refused even with other/undetermined added */
    in.code = "one-choice";
    in.n_options = 1;
    EXPECT(FOLIO_EINVAL, "options",
           folio_query_template_create(f->store, &in, "cdi1", &id, &f->err));
    /* yes/no only where the guideline allows it */
    in = (struct folio_query_template){.code = "yn-hf",
                                       .title = "t",
                                       .kind = FOLIO_QK_YES_NO,
                                       .purpose = FOLIO_QP_SPECIFICITY,
                                       .question = "Is it acute?"};
    EXPECT(FOLIO_EINVAL, "kind", folio_query_template_create(f->store, &in, "cdi1", &id, &f->err));
    in.purpose = FOLIO_QP_CAUSE_EFFECT;
    OK(folio_query_template_create(f->store, &in, "cdi1", &id, &f->err));
    OK(folio_query_template_get(f->store, "yn-hf", &f->arena, &t, &f->err));
    assert_int_equal(t->n_options, 3);
    assert_int_equal(t->options[2].role, FOLIO_QO_UNDETERMINED);
    /* open-ended takes no options; no payment words */
    in = (struct folio_query_template){.code = "oe",
                                       .title = "t",
                                       .kind = FOLIO_QK_OPEN_ENDED,
                                       .purpose = FOLIO_QP_OTHER,
                                       .question = "Please clarify.",
                                       .options = o1,
                                       .n_options = 1};
    EXPECT(FOLIO_EINVAL, "options",
           folio_query_template_create(f->store, &in, "cdi1", &id, &f->err));
    in.n_options = 0;
    in.question = "Please clarify; this affects the DRG.";
    EXPECT(FOLIO_EINVAL, "question",
           folio_query_template_create(f->store, &in, "cdi1", &id, &f->err));
    OK(folio_query_template_retire(f->store, "anemia-type", &f->err));
    EXPECT(FOLIO_ESTATE, "code", folio_query_template_retire(f->store, "anemia-type", &f->err));
    OK(folio_query_template_list(f->store, &f->arena, &t, &n, &f->err));
    assert_int_equal(n, 6); /* 5 built-ins + yn-hf */
}

static void test_leading(void **state)
{
    struct fx *f = *state;
    struct folio_query_option mc[] = {{FOLIO_QO_CLINICAL, "Acute systolic heart failure"},
                                      {FOLIO_QO_CLINICAL, "Chronic systolic heart failure"},
                                      {FOLIO_QO_OTHER, "Other (please specify)"},
                                      {FOLIO_QO_UNDETERMINED, "Clinically undetermined"}};
    struct folio_query_draft d = {FOLIO_QK_MULTIPLE_CHOICE,
                                  FOLIO_QP_SPECIFICITY,
                                  "Please clarify the acuity of the heart failure.",
                                  mc,
                                  4,
                                  indicators(f),
                                  2};
    OK(folio_query_check(&d, &f->err));
    static const char *const bad_q[] = {
        "Documenting acute heart failure would change the MS-DRG.",
        "Please clarify for reimbursement purposes.",
        "This has a financial impact: please clarify.",
        "Acute HF is an MCC; please clarify.",
        "Clarify so that the payer does not deny.",
        "Worth $4,000: please clarify.",
    };
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(bad_q); i++) {
        d.question = bad_q[i];
        EXPECT(FOLIO_EINVAL, "question", folio_query_check(&d, &f->err));
        assert_non_null(strstr(f->err.msg, "leading query"));
    }
    /* whole words only: "display", "payload", "accurate" are not payment words */
    d.question = "Please clarify the heart failure shown on the display of the monitor.";
    OK(folio_query_check(&d, &f->err));
    mc[1].label = "Chronic heart failure (higher payment)";
    EXPECT(FOLIO_EINVAL, "options[1].label", folio_query_check(&d, &f->err));
    mc[1].label = "Chronic systolic heart failure";
    /* multiple choice without other / undetermined / two clinical options */
    struct folio_query_option no_other[] = {mc[0], mc[1], mc[3]};
    d.options = no_other;
    d.n_options = 3;
    EXPECT(FOLIO_EINVAL, "options", folio_query_check(&d, &f->err));
    assert_non_null(strstr(f->err.msg, "other"));
    struct folio_query_option no_undet[] = {mc[0], mc[1], mc[2]};
    d.options = no_undet;
    EXPECT(FOLIO_EINVAL, "options", folio_query_check(&d, &f->err));
    assert_non_null(strstr(f->err.msg, "clinically undetermined"));
    struct folio_query_option one[] = {mc[0], mc[2], mc[3]};
    d.options = one;
    EXPECT(FOLIO_EINVAL, "options", folio_query_check(&d, &f->err));
    /* yes/no outside the allowed situations */
    struct folio_query_option yn[] = {{FOLIO_QO_YES, "Yes"},
                                      {FOLIO_QO_NO, "No"},
                                      {FOLIO_QO_UNDETERMINED, "Clinically undetermined"}};
    d = (struct folio_query_draft){FOLIO_QK_YES_NO,
                                   FOLIO_QP_SPECIFICITY,
                                   "Does the patient have acute heart failure?",
                                   yn,
                                   3,
                                   indicators(f),
                                   2};
    EXPECT(FOLIO_EINVAL, "kind", folio_query_check(&d, &f->err));
    d.purpose = FOLIO_QP_POA;
    OK(folio_query_check(&d, &f->err));
    /* no clinical indicators; an indicator that quotes nothing or points nowhere */
    d.n_indicators = 0;
    EXPECT(FOLIO_EINVAL, "indicators", folio_query_check(&d, &f->err));
    struct folio_query_indicator bad_ind[] = {{.excerpt = "EF 30%"}};
    d.indicators = bad_ind;
    d.n_indicators = 1;
    EXPECT(FOLIO_EINVAL, "indicators[0].source", folio_query_check(&d, &f->err));
    bad_ind[0] = (struct folio_query_indicator){.source = "echo report"};
    EXPECT(FOLIO_EINVAL, "indicators[0].excerpt", folio_query_check(&d, &f->err));

    /* send runs the guard on the stored draft and leaves it a draft when refused */
    struct folio_query *q = NULL;
    struct folio_query_new nq = {.encounter_id = f->enc,
                                 .provider_id = f->dr_a,
                                 .template_code = "open-ended",
                                 .question = "Please clarify the diagnosis; it affects the DRG.",
                                 .indicators = indicators(f),
                                 .n_indicators = 2,
                                 .user = "cdi1"};
    int64_t id = 0;
    OK(folio_query_create(&f->chart, &nq, &id, &f->err));
    EXPECT(FOLIO_EINVAL, "question", folio_query_send(&f->chart, id, "cdi1", NULL, &f->err));
    nq.question = NULL;
    nq.n_indicators = 0;
    OK(folio_query_create(&f->chart, &nq, &id, &f->err));
    EXPECT(FOLIO_EINVAL, "indicators", folio_query_send(&f->chart, id, "cdi1", NULL, &f->err));
    OK(folio_query_get(&f->chart, id, &f->arena, &q, &f->err));
    assert_int_equal(q->status, FOLIO_QS_DRAFT);
    /* a draft that sets yes/no for a new diagnosis is refused at send */
    nq = (struct folio_query_new){.encounter_id = f->enc,
                                  .provider_id = f->dr_a,
                                  .kind = FOLIO_QK_YES_NO,
                                  .purpose = FOLIO_QP_CLINICAL_VALIDATION,
                                  .question = "Does the patient have sepsis?",
                                  .indicators = indicators(f),
                                  .n_indicators = 2,
                                  .user = "cdi1"};
    OK(folio_query_create(&f->chart, &nq, &id, &f->err));
    EXPECT(FOLIO_EINVAL, "kind", folio_query_send(&f->chart, id, "cdi1", NULL, &f->err));
    /* indicators must come from this patient's record */
    struct folio_query_indicator stranger[] = {{.document_id = f->doc + 1000, .excerpt = "x"}};
    nq.indicators = stranger;
    nq.n_indicators = 1;
    EXPECT(FOLIO_EINVAL, "indicators[0].document_id",
           folio_query_create(&f->chart, &nq, &id, &f->err));
}

static void test_lifecycle(void **state)
{
    struct fx *f = *state;
    struct folio_query *q = NULL;
    struct folio_query_event *h = NULL;
    size_t n = 0;
    int64_t expired = 0;
    int64_t a = mk_query(f, f->enc, f->dr_a, "cdi1", "2024-03-05T10:00Z");
    OK(folio_query_get(&f->chart, a, &f->arena, &q, &f->err));
    assert_int_equal(q->status, FOLIO_QS_DRAFT);
    assert_int_equal(q->n_options, 7);
    assert_int_equal(q->n_indicators, 2);
    assert_int_equal(q->indicators[1].observation_id, f->obs);
    /* answers and expiry need a sent query */
    EXPECT(FOLIO_ESTATE, "status",
           folio_query_answer(&f->chart, a, f->dr_a, 1, NULL, NULL, NULL, &f->err));
    OK(folio_query_send(&f->chart, a, "cdi1", "2024-03-05T11:00Z", &f->err));
    EXPECT(FOLIO_ESTATE, "status", folio_query_send(&f->chart, a, "cdi1", NULL, &f->err));
    EXPECT(FOLIO_EINVAL, "reason", folio_query_withdraw(&f->chart, a, "cdi1", NULL, NULL, &f->err));
    OK(folio_query_withdraw(&f->chart, a, "cdi1", "documented in progress note",
                            "2024-03-05T12:00Z", &f->err));
    EXPECT(FOLIO_ESTATE, "status",
           folio_query_withdraw(&f->chart, a, "cdi1", "again", NULL, &f->err));
    EXPECT(FOLIO_ESTATE, "status",
           folio_query_answer(&f->chart, a, f->dr_a, 1, NULL, NULL, NULL, &f->err));
    OK(folio_query_history(&f->chart, a, &f->arena, &h, &n, &f->err));
    assert_int_equal(n, 3);
    assert_string_equal(h[0].action, "create");
    assert_int_equal(h[1].new_status, FOLIO_QS_SENT);
    assert_string_equal(h[2].action, "withdraw");
    assert_int_equal(h[2].old_status, FOLIO_QS_SENT);
    assert_string_equal(h[2].detail, "documented in progress note");
    assert_string_equal(h[2].at, "2024-03-05T12:00:00Z");

    /* expiry: only sent queries older than the limit */
    int64_t b = mk_query(f, f->enc, f->dr_a, "cdi1", "2024-03-05T10:00Z");
    int64_t c = mk_query(f, f->enc, f->dr_a, "cdi1", "2024-03-05T10:00Z");
    int64_t d = mk_query(f, f->enc, f->dr_a, "cdi1", "2024-03-05T10:00Z"); /* stays a draft */
    OK(folio_query_send(&f->chart, b, "cdi1", "2024-03-05T10:00Z", &f->err));
    OK(folio_query_send(&f->chart, c, "cdi1", "2024-03-07T10:00Z", &f->err));
    OK(folio_query_expire_overdue(&f->chart, 72, "2024-03-08T11:00Z", &expired, &f->err));
    assert_int_equal(expired, 1);
    OK(folio_query_get(&f->chart, b, &f->arena, &q, &f->err));
    assert_int_equal(q->status, FOLIO_QS_EXPIRED);
    assert_string_equal(q->close_reason, "no answer within 72 hours");
    OK(folio_query_get(&f->chart, c, &f->arena, &q, &f->err));
    assert_int_equal(q->status, FOLIO_QS_SENT);
    OK(folio_query_get(&f->chart, d, &f->arena, &q, &f->err));
    assert_int_equal(q->status, FOLIO_QS_DRAFT);
    EXPECT(FOLIO_ESTATE, "status",
           folio_query_answer(&f->chart, b, f->dr_a, 1, NULL, NULL, NULL, &f->err));
    EXPECT(FOLIO_EINVAL, "max_age_hours",
           folio_query_expire_overdue(&f->chart, 0, NULL, NULL, &f->err));
    EXPECT(FOLIO_ENOTFOUND, "id", folio_query_send(&f->chart, 9999, "cdi1", NULL, &f->err));
}

static void test_answer(void **state)
{
    struct fx *f = *state;
    struct folio_query *q = NULL;
    struct folio_document doc;
    const void *p = NULL;
    size_t len = 0;
    int64_t doc_id = 0;
    int64_t id = mk_query(f, f->enc, f->dr_a, "cdi1", "2024-03-05T10:00Z");
    OK(folio_query_send(&f->chart, id, "cdi1", "2024-03-05T11:00Z", &f->err));
    f->chart.actor = "dr.able";
    EXPECT(FOLIO_EPERM, "provider_id",
           folio_query_answer(&f->chart, id, f->dr_b, 2, NULL, NULL, NULL, &f->err));
    EXPECT(FOLIO_EINVAL, "option",
           folio_query_answer(&f->chart, id, f->dr_a, 8, NULL, NULL, NULL, &f->err));
    EXPECT(FOLIO_EINVAL, "option",
           folio_query_answer(&f->chart, id, f->dr_a, 0, "acute", NULL, NULL, &f->err));
    EXPECT(FOLIO_EINVAL, "text", /* option 6 is "other" */
           folio_query_answer(&f->chart, id, f->dr_a, 6, NULL, NULL, NULL, &f->err));
    OK(folio_query_answer(&f->chart, id, f->dr_a, 2, NULL, "2024-03-05T14:30Z", &doc_id, &f->err));
    EXPECT(FOLIO_ESTATE, "status",
           folio_query_answer(&f->chart, id, f->dr_a, 2, NULL, NULL, NULL, &f->err));
    OK(folio_query_get(&f->chart, id, &f->arena, &q, &f->err));
    assert_int_equal(q->status, FOLIO_QS_ANSWERED);
    assert_int_equal(q->answer_option, 2);
    assert_int_equal(q->answer_document_id, doc_id);
    assert_string_equal(q->closed_by, "dr.able");
    /* the response is a signed, final document of the encounter, authored by the provider */
    OK(folio_document_get(&f->chart, doc_id, &f->arena, &doc, &f->err));
    assert_int_equal(doc.patient_id, f->pid);
    assert_int_equal(doc.encounter_id, f->enc);
    assert_int_equal(doc.author_id, f->dr_a);
    assert_string_equal(doc.type_code, FOLIO_QUERY_DOC_TYPE);
    assert_string_equal(doc.type_title, "Physician query response");
    assert_string_equal(doc.current.status, "final");
    assert_int_equal(doc.current.n_signatures, 1);
    assert_int_equal(doc.current.signatures[0].provider_id, f->dr_a);
    assert_string_equal(doc.current.signatures[0].role, "author");
    OK(folio_document_content(&f->chart, doc.current.id, &f->arena, &p, &len, &f->err));
    assert_non_null(strstr(p, "Answer: Acute on chronic systolic (HFrEF) heart failure"));
    assert_non_null(strstr(p, "\"EF 30%\""));
    assert_non_null(strstr(p, "[x] 2."));

    /* "other" with the provider's words; open-ended in words only */
    int64_t o = mk_query(f, f->enc, f->dr_a, "cdi1", NULL);
    OK(folio_query_send(&f->chart, o, "cdi1", NULL, &f->err));
    OK(folio_query_answer(&f->chart, o, f->dr_a, 6, "High-output heart failure", NULL, &doc_id,
                          &f->err));
    OK(folio_document_get(&f->chart, doc_id, &f->arena, &doc, &f->err));
    OK(folio_document_content(&f->chart, doc.current.id, &f->arena, &p, &len, &f->err));
    assert_non_null(
        strstr(p, "Answer: Other (please specify)\nComment: High-output heart failure"));
    struct folio_query_new oe = {.encounter_id = f->enc,
                                 .provider_id = f->dr_a,
                                 .template_code = "open-ended",
                                 .indicators = indicators(f),
                                 .n_indicators = 1,
                                 .user = "cdi1"};
    OK(folio_query_create(&f->chart, &oe, &o, &f->err));
    OK(folio_query_send(&f->chart, o, "cdi1", NULL, &f->err));
    EXPECT(FOLIO_EINVAL, "text",
           folio_query_answer(&f->chart, o, f->dr_a, 0, NULL, NULL, NULL, &f->err));
    OK(folio_query_answer(&f->chart, o, f->dr_a, 0, "Cardiorenal syndrome", NULL, &doc_id,
                          &f->err));
    OK(folio_document_get(&f->chart, doc_id, &f->arena, &doc, &f->err));
    assert_int_equal(doc.current.n_signatures, 1);
}

static double pctl(double *v, size_t n, double p) /* sorted v; the test's own computation */
{
    double pos = p * (double)(n - 1);
    size_t lo = (size_t)floor(pos);
    return lo + 1 < n ? v[lo] + (pos - (double)lo) * (v[lo + 1] - v[lo]) : v[lo];
}

static void test_inbox_and_report(void **state)
{
    struct fx *f = *state;
    struct folio_query_inbox_item *in = NULL;
    struct folio_query_report r;
    size_t n = 0;
    /* period 2024-03: four discharges (f->enc + 3); one in April outside it */
    int64_t e2 = mk_enc(f, "2024-03-10", f->dr_b);
    int64_t e3 = mk_enc(f, "2024-03-20", f->dr_a);
    (void)mk_enc(f, "2024-03-31", 0);
    int64_t e_apr = mk_enc(f, "2024-04-02", f->dr_a);
    /* queries: cdi1 x3 (to Able), coder2 x2 (to Baker) on March encounters; 1 April; 1 draft */
    int64_t q1 = mk_query(f, f->enc, f->dr_a, "cdi1", "2024-03-05T08:00Z");
    int64_t q2 = mk_query(f, e3, f->dr_a, "cdi1", "2024-03-20T08:00Z");
    int64_t q3 = mk_query(f, e3, f->dr_a, "cdi1", "2024-03-20T08:00Z");
    int64_t q4 = mk_query(f, e2, f->dr_b, "coder2", "2024-03-10T08:00Z");
    int64_t q5 = mk_query(f, e2, f->dr_b, "coder2", "2024-03-10T08:00Z");
    int64_t q6 = mk_query(f, e_apr, f->dr_a, "cdi1", "2024-04-02T08:00Z");
    (void)mk_query(f, e2, f->dr_b, "coder2", "2024-03-10T08:00Z"); /* draft: not counted */
    OK(folio_query_send(&f->chart, q1, "cdi1", "2024-03-05T09:00Z", &f->err));
    OK(folio_query_send(&f->chart, q2, "cdi1", "2024-03-20T09:00Z", &f->err));
    OK(folio_query_send(&f->chart, q3, "cdi1", "2024-03-20T08:30Z", &f->err));
    OK(folio_query_send(&f->chart, q4, "coder2", "2024-03-10T09:00Z", &f->err));
    OK(folio_query_send(&f->chart, q5, "coder2", "2024-03-10T09:00Z", &f->err));
    OK(folio_query_send(&f->chart, q6, "cdi1", "2024-04-02T09:00Z", &f->err));
    /* answers: q1 after 5 h (option 1, agree), q4 after 30 h (undetermined: option 7),
     * q5 after 2 h (other, with text), q6 (April) after 1 h */
    OK(folio_query_answer(&f->chart, q1, f->dr_a, 1, NULL, "2024-03-05T14:00Z", NULL, &f->err));
    OK(folio_query_answer(&f->chart, q4, f->dr_b, 7, NULL, "2024-03-11T15:00Z", NULL, &f->err));
    OK(folio_query_answer(&f->chart, q5, f->dr_b, 6, "Other dx", "2024-03-10T11:00Z", NULL,
                          &f->err));
    OK(folio_query_answer(&f->chart, q6, f->dr_a, 3, NULL, "2024-04-02T10:00Z", NULL, &f->err));

    /* inbox of Able: q3 (sent 08:30) before q2 (09:00); Baker has none open */
    OK(folio_query_inbox(&f->chart, f->dr_a, "2024-03-21T09:00Z", &f->arena, &in, &n, &f->err));
    assert_int_equal(n, 2);
    assert_int_equal(in[0].id, q3);
    assert_int_equal(in[1].id, q2);
    assert_int_equal(in[1].age_hours, 24);
    assert_int_equal(in[0].age_hours, 24); /* 24.5 h, whole hours */
    OK(folio_query_inbox(&f->chart, f->dr_b, NULL, &f->arena, &in, &n, &f->err));
    assert_int_equal(n, 0);

    OK(folio_query_report(&f->chart, "2024-03-01", "2024-04-01", "2024-03-30T09:00Z", &f->arena, &r,
                          &f->err));
    /* expected, computed here: 5 queries over 4 discharges; answered q1 5 h, q4 30 h, q5 2 h */
    double hours[] = {2, 5, 30};
    assert_int_equal(r.total.discharges, 4);
    assert_int_equal(r.total.queries, 5);
    assert_true(fabs(r.total.rate - 5.0 / 4.0) < 1e-9);
    assert_int_equal(r.total.answered, 3);
    assert_true(fabs(r.total.median_hours - pctl(hours, 3, 0.5)) < 1e-9);
    assert_true(fabs(r.total.p90_hours - pctl(hours, 3, 0.9)) < 1e-9);
    assert_true(fabs(r.total.p90_hours - 25.0) < 1e-9); /* 5 + 0.8 * (30 - 5) */
    assert_int_equal(r.total.agreed, 1);
    assert_true(fabs(r.total.agreement_rate - 1.0 / 3.0) < 1e-9);
    assert_int_equal(r.n_by_author, 2);
    for (size_t i = 0; i < r.n_by_author; i++) {
        const struct folio_query_stats *s = &r.by_author[i].s;
        if (strcmp(r.by_author[i].who, "cdi1") == 0) {
            assert_int_equal(s->queries, 3);
            assert_true(fabs(s->rate - 3.0 / 4.0) < 1e-9);
            assert_int_equal(s->answered, 1);
            assert_true(fabs(s->median_hours - 5.0) < 1e-9);
        } else {
            assert_string_equal(r.by_author[i].who, "coder2");
            assert_int_equal(s->queries, 2);
            assert_true(fabs(s->median_hours - 16.0) < 1e-9); /* (2 + 30) / 2 */
            assert_true(fabs(s->p90_hours - (2 + 0.9 * 28)) < 1e-9);
            assert_int_equal(s->agreed, 0);
        }
    }
    assert_int_equal(r.n_by_provider, 2);
    for (size_t i = 0; i < r.n_by_provider; i++) {
        const struct folio_query_stats *s = &r.by_provider[i].s;
        if (r.by_provider[i].provider_id == f->dr_a) {
            assert_int_equal(s->discharges, 2); /* attended f->enc and e3 in March */
            assert_int_equal(s->queries, 3);
            assert_true(fabs(s->rate - 1.5) < 1e-9);
            assert_string_equal(r.by_provider[i].who, "Able, Ann");
        } else {
            assert_int_equal(r.by_provider[i].provider_id, f->dr_b);
            assert_int_equal(s->discharges, 1);
            assert_int_equal(s->queries, 2);
        }
    }
    /* aging as of 2024-03-30T09:00Z: q2 and q3 open, sent ~10 days before */
    assert_int_equal(r.aging.open, 2);
    assert_int_equal(r.aging.buckets[2], 2);
    assert_true(fabs(r.aging.oldest_hours - 240.5) < 1e-9);
    EXPECT(FOLIO_EINVAL, "from",
           folio_query_report(&f->chart, "2024-3-1", "2024-04-01", NULL, &f->arena, &r, &f->err));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_templates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leading, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inbox_and_report, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

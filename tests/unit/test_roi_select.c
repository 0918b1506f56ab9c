/* Tests of sensitivity tags on documents (records.h) and the release packet's document selection
 * (folio_roi_select, roi.h; docs/roi.md "Sensitive records"): each tag withheld unless the
 * authorization names it, psychotherapy notes only with their own authorization, a Part 2
 * record not named in the authorization refused, the patient's own access, date and type
 * filters. Synthetic data only, on the backend under test; the clock is always given. */
#include "folio/base.h"

#include <setjmp.h>
#include <cmocka.h>

#include "folio/crypto.h"
#include "folio/records.h"
#include "folio/roi.h"
#include "folio/store.h"
#include "testdb.h"

#define NOW "2024-03-01T10:00:00Z"

struct fx {
    struct folio_store *store;
    struct folio_chart chart;
    struct folio_arena arena;
    struct folio_err err;
    int64_t pid;
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

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct folio_err err = {0};
    struct folio_identifier mrn = {.kind = "MR", .assigner = "MAIN", .value = "MRN300"};
    struct folio_patient_new p = {.name = {.family = "Sensitive", .given = "Test"},
                                  .birth_date = "1970-02-02",
                                  .sex = "F",
                                  .ids = &mrn,
                                  .n_ids = 1};
    assert_non_null(f);
    assert_int_equal(folio_crypto_init(&err), FOLIO_OK);
    f->store = folio_test_store_open();
    f->chart = (struct folio_chart){f->store, NULL, "him.clerk"};
    folio_arena_init(&f->arena, 0);
    *state = f;
    OK(folio_facility_ensure(&f->chart, "MAIN", "Main Hospital", NULL, &f->err));
    OK(folio_patient_create(&f->chart, &p, &f->pid, &f->err));
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

/* A document of the patient, with an optional tag. */
static int64_t mk_doc(struct fx *f, const char *type, const char *service_at, const char *tag)
{
    struct folio_document_new d = {.patient_id = f->pid,
                                   .type_code = type,
                                   .service_at = service_at,
                                   .content = "synthetic note",
                                   .content_len = 14};
    int64_t id = 0;
    OK(folio_document_create(&f->chart, &d, &id, NULL, &f->err));
    if (tag)
        OK(folio_document_tag_add(&f->chart, id, tag, "test", &f->err));
    return id;
}

static int64_t mk_auth(struct fx *f, const char *sensitive, bool psychotherapy,
                       const char *expires_on)
{
    struct folio_roi_auth a = {.patient_id = f->pid,
                               .description = "records of 2023",
                               .discloser = "Main Hospital HIM",
                               .recipient = "Lawyer & Partners LLP",
                               .purpose = "at the request of the individual",
                               .expires_on = expires_on,
                               .signed_by = "Test Sensitive",
                               .signed_on = "2024-01-15",
                               .stmt_revoke = true,
                               .stmt_conditioning = true,
                               .stmt_redisclosure = true,
                               .psychotherapy_notes = psychotherapy,
                               .sensitive = sensitive};
    OK(folio_roi_auth_create(f->store, &a, "roi.clerk", NOW, &f->err));
    return a.id;
}

static int64_t mk_request(struct fx *f, enum folio_roi_requester t, int64_t auth_id,
                          const char *from, const char *to, const char *types)
{
    struct folio_roi_request r = {.patient_id = f->pid,
                                  .requester_type = t,
                                  .requester_name = "Requester",
                                  .date_from = from,
                                  .date_to = to,
                                  .doc_types = types,
                                  .purpose = "test",
                                  .delivery = "mail",
                                  .authorization_id = auth_id,
                                  .received_on = "2024-02-20"};
    OK(folio_roi_request_create(f->store, &r, "roi.clerk", NOW, &f->err));
    return r.id;
}

static void sel(struct fx *f, int64_t req, unsigned flags, struct folio_roi_selection *out)
{
    OK(folio_roi_select(f->store, req, flags, NOW, &f->arena, out, &f->err));
}

static bool has(const struct folio_roi_doc *v, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].document_id == id)
            return true;
    return false;
}

static const struct folio_roi_doc *excluded(const struct folio_roi_selection *s, int64_t id)
{
    for (size_t i = 0; i < s->n_excluded; i++)
        if (s->excluded[i].document_id == id)
            return &s->excluded[i];
    return NULL;
}

static void test_tags(void **state)
{
    struct fx *f = *state;
    struct folio_document_tag *t = NULL;
    size_t n = 0;
    int64_t d = mk_doc(f, "11506-3", "2023-05-01T09:00:00Z", NULL);
    assert_string_equal(folio_sensitivity_tag("PART2"), "sud_part2");
    assert_string_equal(folio_sensitivity_tag("hiv"), "hiv_sti");
    assert_null(folio_sensitivity_tag("vip"));

    OK(folio_document_tag_add(&f->chart, d, "hiv_sti", "positive test in note", &f->err));
    EXPECT(FOLIO_ECONFLICT, "tag", folio_document_tag_add(&f->chart, d, "HIV", NULL, &f->err));
    EXPECT(FOLIO_EINVAL, "tag", folio_document_tag_add(&f->chart, d, "vip", NULL, &f->err));
    EXPECT(FOLIO_ENOTFOUND, "document_id",
           folio_document_tag_add(&f->chart, 999999, "genetic", NULL, &f->err));
    EXPECT(FOLIO_EINVAL, "reason",
           folio_document_tag_remove(&f->chart, d, "hiv_sti", NULL, &f->err));
    OK(folio_document_tag_remove(&f->chart, d, "hiv_sti", "tagged in error", &f->err));
    EXPECT(FOLIO_ESTATE, "tag",
           folio_document_tag_remove(&f->chart, d, "hiv_sti", "again", &f->err));
    OK(folio_document_tags(&f->chart, d, false, &f->arena, &t, &n, &f->err));
    assert_int_equal(n, 0);
    /* set again: a new row; the removed one stays in the history */
    OK(folio_document_tag_add(&f->chart, d, "hiv_sti", NULL, &f->err));
    OK(folio_document_tags(&f->chart, d, false, &f->arena, &t, &n, &f->err));
    assert_int_equal(n, 1);
    assert_null(t[0].removed_at);
    OK(folio_document_tags(&f->chart, d, true, &f->arena, &t, &n, &f->err));
    assert_int_equal(n, 2);
    assert_string_equal(t[0].removed_by, "him.clerk");
    assert_string_equal(t[0].removed_reason, "tagged in error");
    assert_string_equal(t[0].set_reason, "positive test in note");
}

/* Each sensitive tag is withheld from a release under an authorization unless it names it. */
static void test_each_tag_unless_named(void **state)
{
    struct fx *f = *state;
    static const char *const tags[] = {"sud_part2", "hiv_sti", "genetic", "reproductive_health",
                                       "behavioral_health"};
    int64_t docs[5], plain = mk_doc(f, "11506-3", "2023-02-01T09:00:00Z", NULL);
    struct folio_roi_selection s;
    for (size_t i = 0; i < 5; i++)
        docs[i] = mk_doc(f, "11506-3", "2023-03-01T09:00:00Z", tags[i]);

    /* named nothing: only the plain note */
    sel(f,
        mk_request(f, FOLIO_ROI_ATTORNEY_AUTHORIZATION, mk_auth(f, NULL, false, "2024-12-31"),
                   "2023-01-01", "2023-12-31", NULL),
        0, &s);
    assert_true(s.auth_valid);
    assert_false(s.minimum_necessary); /* 164.502(b)(2)(iii) */
    assert_int_equal(s.n_included, 1);
    assert_int_equal(s.included[0].document_id, plain);
    assert_int_equal(s.n_excluded, 5);
    assert_false(s.part2_notice);

    /* each tag named alone: that one comes in, the others stay out */
    for (size_t i = 0; i < 5; i++) {
        char named[64];
        folio_snprintf(named, sizeof named, ",%s,", tags[i]);
        sel(f,
            mk_request(f, FOLIO_ROI_ATTORNEY_AUTHORIZATION, mk_auth(f, named, false, "2024-12-31"),
                       "2023-01-01", "2023-12-31", NULL),
            0, &s);
        assert_int_equal(s.n_included, 2);
        assert_true(has(s.included, s.n_included, docs[i]));
        assert_int_equal(s.n_excluded, 4);
        assert_int_equal(s.part2_notice, i == 0); /* 42 CFR 2.32 */
        for (size_t j = 0; j < 5; j++)
            if (j != i) {
                const struct folio_roi_doc *e = excluded(&s, docs[j]);
                assert_non_null(e);
                assert_non_null(e->reason);
                assert_non_null(e->cite);
                assert_non_null(strstr(e->tags, tags[j]));
            }
    }

    /* the short names of migration 0016 work too */
    sel(f,
        mk_request(f, FOLIO_ROI_RESEARCHER,
                   mk_auth(f, ",part2,hiv,genetic,reproductive_health,behavioral_health,", false,
                           "2024-12-31"),
                   NULL, NULL, NULL),
        0, &s);
    assert_int_equal(s.n_included, 6);
    assert_int_equal(s.n_excluded, 0);
    assert_true(s.part2_notice);

    /* an expired authorization names nothing: every document is withheld */
    sel(f,
        mk_request(f, FOLIO_ROI_ATTORNEY_AUTHORIZATION, mk_auth(f, ",hiv,", false, "2024-01-31"),
                   NULL, NULL, NULL),
        0, &s);
    assert_false(s.auth_valid);
    assert_int_equal(s.n_included, 0);
    assert_int_equal(s.n_excluded, 6);
    assert_string_equal(s.excluded[0].reason, "the authorization has expired");

    /* without an authorization, a public health report carries none of them, and minimum
     * necessary applies (164.502(b)) */
    sel(f, mk_request(f, FOLIO_ROI_PUBLIC_HEALTH, 0, NULL, NULL, NULL), 0, &s);
    assert_true(s.minimum_necessary);
    assert_int_equal(s.n_included, 1);
    assert_int_equal(s.n_excluded, 5);
}

/* Psychotherapy notes only under their own authorization (164.508(a)(2), (b)(3)(ii)). */
static void test_psychotherapy(void **state)
{
    struct fx *f = *state;
    int64_t psy = mk_doc(f, "11506-3", "2023-04-01T09:00:00Z", "psychotherapy_notes");
    int64_t plain = mk_doc(f, "11506-3", "2023-04-02T09:00:00Z", NULL);
    struct folio_roi_selection s;
    const struct folio_roi_doc *e;

    /* a general authorization, even one listing psychotherapy notes among its categories */
    sel(f,
        mk_request(f, FOLIO_ROI_ATTORNEY_AUTHORIZATION,
                   mk_auth(f, ",psychotherapy_notes,", false, "2024-12-31"), NULL, NULL, NULL),
        0, &s);
    assert_true(has(s.included, s.n_included, plain));
    assert_non_null(e = excluded(&s, psy));
    assert_string_equal(e->cite, "45 CFR 164.508(a)(2)");

    /* its own authorization: the notes and nothing else */
    sel(f,
        mk_request(f, FOLIO_ROI_ATTORNEY_AUTHORIZATION, mk_auth(f, NULL, true, "2024-12-31"), NULL,
                   NULL, NULL),
        0, &s);
    assert_int_equal(s.n_included, 1);
    assert_int_equal(s.included[0].document_id, psy);
    assert_non_null(e = excluded(&s, plain));
    assert_string_equal(e->cite, "45 CFR 164.508(b)(3)(ii)");

    /* a treating provider does not get them without one either */
    sel(f, mk_request(f, FOLIO_ROI_PROVIDER_CONTINUITY, 0, NULL, NULL, NULL), 0, &s);
    assert_false(s.minimum_necessary); /* 164.502(b)(2)(i) */
    assert_non_null(excluded(&s, psy));
    assert_true(has(s.included, s.n_included, plain));
}

/* The Acceptance example: a Part 2 document not named in the authorization is refused. */
static void test_part2(void **state)
{
    struct fx *f = *state;
    int64_t sud = mk_doc(f, "18842-5", "2023-06-01T09:00:00Z", "sud_part2");
    int64_t hiv = mk_doc(f, "18842-5", "2023-06-02T09:00:00Z", "hiv_sti");
    struct folio_roi_selection s;
    const struct folio_roi_doc *e;

    sel(f,
        mk_request(f, FOLIO_ROI_ATTORNEY_AUTHORIZATION, mk_auth(f, ",hiv,", false, "2024-12-31"),
                   NULL, NULL, NULL),
        0, &s);
    assert_true(has(s.included, s.n_included, hiv));
    assert_non_null(e = excluded(&s, sud));
    assert_string_equal(e->reason, "a Part 2 record not named in the authorization (consent)");
    assert_string_equal(e->cite, "42 CFR 2.31, 2.33");
    assert_string_equal(e->tags, ",sud_part2,");
    assert_false(s.part2_notice);

    /* treatment by an outside provider still needs consent ... */
    int64_t req = mk_request(f, FOLIO_ROI_PROVIDER_CONTINUITY, 0, NULL, NULL, NULL);
    sel(f, req, 0, &s);
    assert_non_null(e = excluded(&s, sud));
    assert_string_equal(e->cite, "42 CFR 2.31, 2.33, 2.51");
    assert_true(has(s.included, s.n_included, hiv)); /* HIPAA: treatment */
    /* ... except in a medical emergency (42 CFR 2.51) */
    sel(f, req, FOLIO_ROI_SELECT_EMERGENCY, &s);
    assert_true(has(s.included, s.n_included, sud));
    assert_true(s.part2_emergency);
    assert_false(s.part2_notice);
    /* ... or with the patient's consent naming it (42 CFR 2.31), then with the 2.32 notice */
    sel(f,
        mk_request(f, FOLIO_ROI_PROVIDER_CONTINUITY, mk_auth(f, ",sud_part2,", false, "2024-12-31"),
                   NULL, NULL, NULL),
        0, &s);
    assert_true(has(s.included, s.n_included, sud));
    assert_true(s.part2_notice);
    /* a court order is not a 42 CFR 2.64 order */
    sel(f, mk_request(f, FOLIO_ROI_COURT_ORDER, 0, NULL, NULL, NULL), 0, &s);
    assert_non_null(excluded(&s, sud));
    assert_false(s.minimum_necessary);
}

/* The patient's own access: everything but psychotherapy notes (164.524(a)(1)(i)). */
static void test_patient_access(void **state)
{
    struct fx *f = *state;
    static const char *const tags[] = {"sud_part2", "hiv_sti", "genetic", "reproductive_health",
                                       "behavioral_health"};
    int64_t psy = mk_doc(f, "11506-3", "2023-07-01T09:00:00Z", "psychotherapy_notes");
    struct folio_roi_selection s;
    const struct folio_roi_doc *e;
    for (size_t i = 0; i < 5; i++)
        mk_doc(f, "11506-3", "2023-07-02T09:00:00Z", tags[i]);
    mk_doc(f, "11506-3", "2023-07-03T09:00:00Z", NULL);

    for (int t = FOLIO_ROI_PATIENT; t <= FOLIO_ROI_PERSONAL_REPRESENTATIVE; t++) {
        sel(f, mk_request(f, (enum folio_roi_requester)t, 0, NULL, NULL, NULL), 0, &s);
        assert_int_equal(s.n_included, 6);
        assert_int_equal(s.n_excluded, 1);
        assert_non_null(e = excluded(&s, psy));
        assert_string_equal(e->cite, "45 CFR 164.524(a)(1)(i)");
        assert_false(s.minimum_necessary); /* 164.502(b)(2)(ii) */
        assert_false(s.part2_notice);      /* 42 CFR 2.23 */
    }
}

/* The request's date range and document types; entered-in-error documents stay out. */
static void test_filters(void **state)
{
    struct fx *f = *state;
    struct folio_roi_selection s;
    struct folio_document_change err = {.kind = FOLIO_DOC_ENTERED_IN_ERROR,
                                        .reason = "wrong patient"};
    int64_t before = mk_doc(f, "18842-5", "2022-12-31T23:00:00Z", NULL);
    int64_t first = mk_doc(f, "18842-5", "2023-01-01T00:30:00Z", NULL);
    int64_t progress = mk_doc(f, "11506-3", "2023-06-15T09:00:00Z", NULL);
    int64_t consult = mk_doc(f, "11488-4", "2023-06-16T09:00:00Z", NULL);
    int64_t last = mk_doc(f, "18842-5", "2023-12-31T22:00:00Z", NULL);
    int64_t after = mk_doc(f, "18842-5", "2024-01-01T08:00:00Z", NULL);
    int64_t month = mk_doc(f, "18842-5", "2023-09", NULL);
    int64_t wrong = mk_doc(f, "18842-5", "2023-08-01T08:00:00Z", NULL);
    OK(folio_document_revise(&f->chart, wrong, &err, NULL, &f->err));

    sel(f, mk_request(f, FOLIO_ROI_PATIENT, 0, "2023-01-01", "2023-12-31", NULL), 0, &s);
    assert_int_equal(s.n_included, 5);
    assert_int_equal(s.included[0].document_id, first);
    assert_string_equal(s.included[0].on, "2023-01-01");
    assert_false(has(s.included, s.n_included, before));
    assert_false(has(s.included, s.n_included, after));
    assert_true(has(s.included, s.n_included, month));
    assert_true(has(s.included, s.n_included, last));
    assert_int_equal(s.n_excluded, 1);
    assert_string_equal(s.excluded[0].reason, "entered in error");
    assert_int_equal(s.excluded[0].document_id, wrong);

    sel(f, mk_request(f, FOLIO_ROI_PATIENT, 0, "2023-01-01", "2023-12-31", ",11506-3,11488-4,"), 0,
        &s);
    assert_int_equal(s.n_included, 2);
    assert_int_equal(s.included[0].document_id, progress);
    assert_int_equal(s.included[1].document_id, consult);
    assert_int_equal(s.n_excluded, 0);

    sel(f, mk_request(f, FOLIO_ROI_PATIENT, 0, "2023-06-16", NULL, ",18842-5,"), 0, &s);
    assert_int_equal(s.n_included, 3); /* 2023-09, last, after */
    assert_true(has(s.included, s.n_included, after));

    EXPECT(FOLIO_ENOTFOUND, "id",
           folio_roi_select(f->store, 999999, 0, NOW, &f->arena, &s, &f->err));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_each_tag_unless_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_psychotherapy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_part2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_patient_access, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

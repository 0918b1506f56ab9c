/* Tests of the delinquency report (folio_completeness_delinquency and its CSV) on the backend
 * under test. Encounters and deficiencies are made through the chart and completeness APIs at
 * fixed times; every expected figure is worked out by hand in the comments. Synthetic data. */
#include "folio/base.h"

#include <setjmp.h>
#include <cmocka.h>

#include "folio/completeness.h"
#include "folio/crypto.h"
#include "folio/records.h"
#include "folio/store.h"
#include "testdb.h"

struct fx {
    struct folio_store *store;
    struct folio_chart chart;
    struct folio_arena arena;
    struct folio_err err;
    int64_t pid, prov_a, prov_b, n_acct;
    int64_t e1, e2, e3, e4, e5, e6;
};

#define OK(call)                                                                                   \
    do {                                                                                           \
        enum folio_rc rc_ = (call);                                                                \
        if (rc_ != FOLIO_OK)                                                                       \
            fail_msg("%s -> %s: %s [%s]", #call, folio_rc_name(rc_), f->err.msg, f->err.field);    \
    } while (0)

/* Two rules, both the attending's: the discharge summary within 30 days of discharge, the
 * disposition within 24 hours of it. */
static const char rules[] =
    "require DCSUM type 18842-5 class inpatient within 30d after discharge\n"
    "field   DISPO disposition class inpatient within 24h after discharge\n";

static int64_t mk_provider(struct fx *f, const char *family)
{
    struct folio_provider p = {.family = family, .given = "Pat"};
    int64_t id = 0;
    OK(folio_provider_create(&f->chart, &p, &id, &f->err));
    return id;
}

/* An inpatient stay admitted a day before discharge, attending `att`; no disposition when
 * dispo is NULL. Analysed two hours after discharge. */
static int64_t mk_stay(struct fx *f, int64_t att, const char *admit, const char *discharge,
                       const char *dispo, const char *analyze_at)
{
    char acct[32];
    int64_t id = 0;
    folio_snprintf(acct, sizeof acct, "D%04lld", (long long)++f->n_acct);
    struct folio_encounter_new e = {.patient_id = f->pid,
                                    .facility_code = "MAIN",
                                    .account_number = acct,
                                    .enc_class = "inpatient",
                                    .admit_at = admit,
                                    .status = "in-progress"};
    OK(folio_encounter_create(&f->chart, &e, &id, &f->err));
    OK(folio_encounter_add_provider(&f->chart, id, att, "attending", NULL, NULL, &f->err));
    OK(folio_encounter_discharge(&f->chart, id, discharge, dispo, &f->err));
    OK(folio_completeness_analyze(f->store, id, analyze_at, "him", NULL, &f->err));
    return id;
}

static int64_t def_id(struct fx *f, int64_t enc, const char *rule, const char *status)
{
    struct folio_deficiency_filter flt = {.encounter_id = enc, .now = "2024-01-01T00:00Z"};
    struct folio_deficiency *v = NULL;
    size_t n = 0;
    OK(folio_completeness_list(f->store, &flt, &f->arena, &v, &n, &f->err));
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].rule, rule) == 0 && strcmp(v[i].status, status) == 0)
            return v[i].id;
    fail_msg("no %s deficiency %s on encounter %lld", status, rule, (long long)enc);
    return 0;
}

/* The chart of every test (2024 is a leap year: February has 29 days).
 *   E1 A  discharged 01-10 10:00, no disposition: DCSUM (due 02-09 10:00) and DISPO (due 01-11
 *         10:00), never resolved.
 *   E2 B  discharged 01-20 08:00: DCSUM, closed 03-10 when the summary is filed.
 *   E3 A  discharged 01-02 00:00: DCSUM, waived 02-15.
 *   E4 B  discharged 02-01 00:00 without disposition (DCSUM, DISPO), discharge cancelled (A13) on
 *         02-03: both withdrawn; discharged again 02-05 00:00 with a disposition: a new DCSUM
 *         (due 03-06 00:00), never resolved.
 *   E5 A  discharged 01-05, open DCSUM and DISPO, then marked cancelled (legacy data).
 *   E6 A  discharged 03-05 00:00: DCSUM (due 04-04), never resolved. */
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
    struct folio_patient_new p = {
        .name = {.family = "Latebird", .given = "Test"}, .birth_date = "1950-01-01", .sex = "M"};
    OK(folio_patient_create(&f->chart, &p, &f->pid, &f->err));
    OK(folio_facility_ensure(&f->chart, "MAIN", "Main Hospital", NULL, &f->err));
    f->prov_a = mk_provider(f, "Alpha");
    f->prov_b = mk_provider(f, "Beta");
    OK(folio_rules_load(f->store, "t.rules", rules, strlen(rules), "him", "2023-12-01T00:00Z", &v,
                        NULL, &f->err));

    f->e1 =
        mk_stay(f, f->prov_a, "2024-01-09T10:00Z", "2024-01-10T10:00Z", NULL, "2024-01-10T12:00Z");
    f->e2 =
        mk_stay(f, f->prov_b, "2024-01-19T08:00Z", "2024-01-20T08:00Z", "01", "2024-01-20T09:00Z");
    struct folio_document_new d = {.patient_id = f->pid,
                                   .encounter_id = f->e2,
                                   .author_id = f->prov_b,
                                   .type_code = "18842-5",
                                   .service_at = "2024-03-10T00:00Z",
                                   .status = "final",
                                   .content = "summary",
                                   .content_len = 7};
    int64_t doc = 0, ver = 0;
    OK(folio_document_create(&f->chart, &d, &doc, &ver, &f->err));
    OK(folio_completeness_analyze(f->store, f->e2, "2024-03-10T00:00Z", "him", NULL, &f->err));

    f->e3 =
        mk_stay(f, f->prov_a, "2024-01-01T00:00Z", "2024-01-02T00:00Z", "01", "2024-01-02T02:00Z");
    OK(folio_completeness_waive(f->store, def_id(f, f->e3, "DCSUM", "open"), "transferred chart",
                                "him", "2024-02-15T00:00Z", &f->err));

    f->e4 =
        mk_stay(f, f->prov_b, "2024-01-31T00:00Z", "2024-02-01T00:00Z", NULL, "2024-02-01T02:00Z");
    OK(folio_encounter_cancel_discharge(&f->chart, f->e4, "A13", &f->err));
    OK(folio_completeness_withdraw(f->store, f->e4, "discharge cancelled", "him",
                                   "2024-02-03T00:00Z", NULL, &f->err));
    OK(folio_encounter_discharge(&f->chart, f->e4, "2024-02-05T00:00Z", "01", &f->err));
    OK(folio_completeness_analyze(f->store, f->e4, "2024-02-05T02:00Z", "him", NULL, &f->err));

    f->e5 =
        mk_stay(f, f->prov_a, "2024-01-04T00:00Z", "2024-01-05T00:00Z", NULL, "2024-01-05T02:00Z");
    /* No API cancels a discharged encounter (analysis would close its deficiencies): written
     * directly, to prove the report leaves cancelled encounters out. */
    OK(folio_store_exec_fmt(f->store, NULL, NULL, NULL, &f->err,
                            "UPDATE encounter SET status = 'cancelled' WHERE id = ?", "i", f->e5));

    f->e6 =
        mk_stay(f, f->prov_a, "2024-03-04T00:00Z", "2024-03-05T00:00Z", "01", "2024-03-05T02:00Z");
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

static struct folio_delinq_report report(struct fx *f, const char *from, const char *to, int bylaws,
                                         const char *as_of)
{
    struct folio_delinq_report r;
    OK(folio_completeness_delinquency(f->store, from, to, bylaws, as_of, &f->arena, &r, &f->err));
    return r;
}

static void check_month(const struct folio_delinq_month *m, const char *month, const char *at,
                        int64_t disch, int64_t delinq)
{
    assert_string_equal(m->month, month);
    assert_string_equal(m->measured_at, at);
    if (m->discharges != disch || m->delinquent != delinq)
        fail_msg("%s: discharges %lld delinquent %lld, want %lld and %lld", month,
                 (long long)m->discharges, (long long)m->delinquent, (long long)disch,
                 (long long)delinq);
}

/* Bylaws 30 days, January to March, as of April 15.
 * Discharges: Jan E1 E2 E3 (E5 cancelled) = 3; Feb E4 (02-05; its 02-01 discharge was
 * cancelled) = 1; Mar E6 = 1. Total 5.
 * Delinquent (outstanding deficiency and more than 30 days since discharge at the month's last
 * second):
 *   Jan 31 23:59:59: E1 21.6 d, E2 11.7 d, E3 29 d 23:59:59 (not more than 30) -> 0.
 *   Feb 29 23:59:59: E1 50.6 d yes; E2 40.7 d yes; E3 waived 02-15 -> no; E4 24.99 d -> 2.
 *   Mar 31 23:59:59: E1 yes; E2 closed 03-10 -> no; E4 55 d yes; E6 26.99 d no -> 2.
 * Rate 4/5 = 80%: a finding. */
static void test_rate_period(void **state)
{
    struct fx *f = *state;
    struct folio_delinq_report r = report(f, "2024-01", "2024-03", 30, "2024-04-15T12:00Z");
    assert_int_equal(r.n_months, 3);
    check_month(&r.months[0], "2024-01", "2024-01-31T23:59:59Z", 3, 0);
    check_month(&r.months[1], "2024-02", "2024-02-29T23:59:59Z", 1, 2);
    check_month(&r.months[2], "2024-03", "2024-03-31T23:59:59Z", 1, 2);
    assert_false(r.months[2].partial);
    assert_int_equal(r.sum_discharges, 5);
    assert_int_equal(r.sum_delinquent, 4);
    assert_true(r.avg_discharges > 5.0 / 3 - 1e-9 && r.avg_discharges < 5.0 / 3 + 1e-9);
    assert_true(r.avg_delinquent > 4.0 / 3 - 1e-9 && r.avg_delinquent < 4.0 / 3 + 1e-9);
    assert_true(r.rate_defined);
    assert_true(r.rate_pct > 79.999 && r.rate_pct < 80.001);
    assert_true(r.finding);
    assert_string_equal(r.measured_at, "2024-03-31T23:59:59Z");
    assert_int_equal(r.bylaws_days, 30);
}

/* January..February: 2 delinquent / 4 discharges = exactly 50%: a finding. January alone:
 * 0 / 3, no finding. February..March: 4 / 2 = 200%. */
static void test_threshold_exactly_50(void **state)
{
    struct fx *f = *state;
    struct folio_delinq_report r = report(f, "2024-01", "2024-02", 30, "2024-04-15T12:00Z");
    assert_int_equal(r.sum_discharges, 4);
    assert_int_equal(r.sum_delinquent, 2);
    assert_true(r.rate_pct > 49.999 && r.rate_pct < 50.001);
    assert_true(r.finding);
    r = report(f, "2024-01", "2024-01", 30, "2024-04-15T12:00Z");
    assert_int_equal(r.sum_delinquent, 0);
    assert_true(r.rate_defined);
    assert_false(r.finding);
    r = report(f, "2024-02", "2024-03", 30, "2024-04-15T12:00Z");
    assert_true(r.rate_pct > 199.999 && r.rate_pct < 200.001);
    /* a period with no discharge has no rate */
    r = report(f, "2023-10", "2023-12", 30, "2024-04-15T12:00Z");
    assert_false(r.rate_defined);
    assert_false(r.finding);
    assert_int_equal(r.sum_discharges, 0);
}

/* The bylaws period is a parameter.
 * 29 days: Jan end E3 (29 d 23:59:59 > 29 d, not yet waived) -> 1; Feb E1 E2 -> 2; Mar E1 E4 ->
 * 2 (E6 26.99 d): 5/5 = 100%.
 * 60 days: Jan 0; Feb E1 50.6 d, E2 40.7 d -> 0; Mar E1 81.6 d yes, E4 55 d no -> 1: 1/5 = 20%,
 * no finding. */
static void test_bylaws_parameter(void **state)
{
    struct fx *f = *state;
    struct folio_delinq_report r = report(f, "2024-01", "2024-03", 29, "2024-04-15T12:00Z");
    check_month(&r.months[0], "2024-01", "2024-01-31T23:59:59Z", 3, 1);
    check_month(&r.months[1], "2024-02", "2024-02-29T23:59:59Z", 1, 2);
    check_month(&r.months[2], "2024-03", "2024-03-31T23:59:59Z", 1, 2);
    assert_true(r.rate_pct > 99.999 && r.rate_pct < 100.001);
    r = report(f, "2024-01", "2024-03", 60, "2024-04-15T12:00Z");
    check_month(&r.months[0], "2024-01", "2024-01-31T23:59:59Z", 3, 0);
    check_month(&r.months[1], "2024-02", "2024-02-29T23:59:59Z", 1, 0);
    check_month(&r.months[2], "2024-03", "2024-03-31T23:59:59Z", 1, 1);
    assert_true(r.rate_pct > 19.999 && r.rate_pct < 20.001);
    assert_false(r.finding);
}

/* The month as_of falls in is measured at as_of. April 15 12:00: E1 yes, E4 yes, E6 41.5 d yes
 * -> 3, no discharge in April. A month beginning after as_of is refused. */
static void test_partial_month_and_clock(void **state)
{
    struct fx *f = *state;
    struct folio_delinq_report r = report(f, "2024-04", "2024-04", 30, "2024-04-15T12:00Z");
    assert_true(r.months[0].partial);
    check_month(&r.months[0], "2024-04", "2024-04-15T12:00:00Z", 0, 3);
    assert_false(r.rate_defined);
    /* exactly 30 days after E6's discharge (03-05 00:00) it is not yet delinquent; one second
     * later it is ("more than" the bylaws period) */
    r = report(f, "2024-04", "2024-04", 30, "2024-04-04T00:00:00Z");
    check_month(&r.months[0], "2024-04", "2024-04-04T00:00:00Z", 0, 2);
    r = report(f, "2024-04", "2024-04", 30, "2024-04-04T00:00:01Z");
    check_month(&r.months[0], "2024-04", "2024-04-04T00:00:01Z", 0, 3);
    /* as of March 9 (before E2's summary), March is partial: E1 59 d yes, E2 49 d yes, E4 33 d
     * yes -> 3; discharges E6 -> 1 */
    r = report(f, "2024-03", "2024-03", 30, "2024-03-09T12:00Z");
    check_month(&r.months[0], "2024-03", "2024-03-09T12:00:00Z", 1, 3);
    folio_err_clear(&f->err);
    assert_int_equal(folio_completeness_delinquency(f->store, "2024-01", "2024-05", 30,
                                                    "2024-04-15T12:00Z", &f->arena, &r, &f->err),
                     FOLIO_EINVAL);
    assert_string_equal(f->err.field, "to");
    assert_int_equal(folio_completeness_delinquency(f->store, "2024-13", "2024-03", 30,
                                                    "2024-04-15T12:00Z", &f->arena, &r, &f->err),
                     FOLIO_EINVAL);
    assert_string_equal(f->err.field, "from");
    assert_int_equal(folio_completeness_delinquency(f->store, "2024-03", "2024-01", 30,
                                                    "2024-04-15T12:00Z", &f->arena, &r, &f->err),
                     FOLIO_EINVAL);
    assert_int_equal(folio_completeness_delinquency(f->store, "2024-01", "2024-03", -1,
                                                    "2024-04-15T12:00Z", &f->arena, &r, &f->err),
                     FOLIO_EINVAL);
    assert_string_equal(f->err.field, "bylaws_days");
    assert_int_equal(folio_completeness_delinquency(f->store, "2024-01", "2024-03", 30,
                                                    "2024-04-15", &f->arena, &r, &f->err),
                     FOLIO_EINVAL);
    assert_string_equal(f->err.field, "as_of");
}

/* Breakdowns at March 31 23:59:59, bylaws 30: delinquent records E1 (A: DCSUM, DISPO) and E4
 * (B: DCSUM; its withdrawn DCSUM and DISPO do not count).
 *   providers: A 1 record 2 deficiencies, B 1 record 1 deficiency (A first: more deficiencies).
 *   types: DCSUM 2 records 2 deficiencies, DISPO 1 and 1.
 * Aging of every outstanding deficiency (E5 cancelled, E2 closed, E3 waived, E4's withdrawn
 * ones excluded): E1 DCSUM due 02-09 10:00 -> 51 d (31-60); E1 DISPO due 01-11 10:00 -> 80 d
 * (over 60); E4 DCSUM due 03-06 00:00 -> 25 d (15-30); E6 DCSUM due 04-04: not overdue. */
static void test_breakdowns(void **state)
{
    struct fx *f = *state;
    struct folio_delinq_report r = report(f, "2024-01", "2024-03", 30, "2024-04-15T12:00Z");
    assert_int_equal(r.n_providers, 2);
    assert_int_equal(r.providers[0].provider_id, f->prov_a);
    assert_string_equal(r.providers[0].name, "Alpha, Pat");
    assert_int_equal(r.providers[0].records, 1);
    assert_int_equal(r.providers[0].deficiencies, 2);
    assert_int_equal(r.providers[1].provider_id, f->prov_b);
    assert_int_equal(r.providers[1].records, 1);
    assert_int_equal(r.providers[1].deficiencies, 1);
    assert_int_equal(r.n_types, 2);
    assert_string_equal(r.types[0].rule, "DCSUM");
    assert_int_equal(r.types[0].records, 2);
    assert_int_equal(r.types[0].deficiencies, 2);
    assert_string_equal(r.types[1].rule, "DISPO");
    assert_int_equal(r.types[1].records, 1);
    assert_int_equal(r.types[1].deficiencies, 1);
    assert_int_equal(r.aging[FOLIO_AGE_0_7], 0);
    assert_int_equal(r.aging[FOLIO_AGE_8_14], 0);
    assert_int_equal(r.aging[FOLIO_AGE_15_30], 1);
    assert_int_equal(r.aging[FOLIO_AGE_31_60], 1);
    assert_int_equal(r.aging[FOLIO_AGE_OVER_60], 1);
    assert_int_equal(r.not_overdue, 1);

    /* At February's end: E1 (A: DCSUM due 02-09 10:00 -> 20 d; DISPO -> 49 d) and E2 (B: DCSUM
     * due 02-19 08:00 -> 10 d) are delinquent; E4's DCSUM is due 03-06: not overdue; E3 waived. */
    r = report(f, "2024-02", "2024-02", 30, "2024-04-15T12:00Z");
    assert_int_equal(r.n_types, 2);
    assert_int_equal(r.types[0].records, 2); /* DCSUM: E1, E2 */
    assert_int_equal(r.aging[FOLIO_AGE_8_14], 1);
    assert_int_equal(r.aging[FOLIO_AGE_15_30], 1);
    assert_int_equal(r.aging[FOLIO_AGE_31_60], 1);
    assert_int_equal(r.aging[FOLIO_AGE_OVER_60], 0);
    assert_int_equal(r.not_overdue, 1);
}

static void test_csv(void **state)
{
    struct fx *f = *state;
    struct folio_delinq_report r = report(f, "2024-01", "2024-02", 30, "2024-04-15T12:00Z");
    struct folio_buf b;
    char want[256];
    folio_buf_init(&b, 0);
    OK(folio_completeness_delinquency_csv(&r, &b));
    assert_non_null(strstr(b.data, "section,key,name,measured_at,discharges,delinquent,records,"
                                   "deficiencies,rate_pct,finding\r\n"));
    assert_non_null(strstr(b.data, "\r\nmonth,2024-01,,2024-01-31T23:59:59Z,3,0,,,,\r\n"));
    assert_non_null(strstr(b.data, "\r\nmonth,2024-02,,2024-02-29T23:59:59Z,1,2,,,,\r\n"));
    assert_non_null(strstr(
        b.data, "\r\naverage,bylaws 30 days,,2024-02-29T23:59:59Z,2.00,1.00,,,50.00,yes\r\n"));
    folio_snprintf(want, sizeof want,
                   "\r\nprovider,%lld,\"Alpha, Pat\",2024-02-29T23:59:59Z,,,1,2,,\r\n",
                   (long long)f->prov_a);
    assert_non_null(strstr(b.data, want));
    assert_non_null(strstr(b.data, "\r\ntype,DCSUM,,2024-02-29T23:59:59Z,,,2,2,,\r\n"));
    assert_non_null(strstr(b.data, "\r\naging,over 60,,2024-02-29T23:59:59Z,,,,0,,\r\n"));
    folio_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rate_period, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threshold_exactly_50, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bylaws_parameter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_month_and_clock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_breakdowns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

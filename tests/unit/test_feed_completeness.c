/* Deficiency analysis driven by the HL7 feed (issue 8, item 2) on the backend under test: A03
 * analyses the discharged visit at the message time, MDM documents close deficiencies (on time
 * or late by the message time), A13 withdraws the open ones, and with no rule set nothing
 * happens. */
#include "folio/base.h"

#include <setjmp.h>
#include <cmocka.h>

#include "folio/completeness.h"
#include "folio/crypto.h"
#include "folio/feed.h"
#include "folio/hl7v2.h"
#include "folio/records.h"
#include "testdb.h"

struct fx {
    struct folio_store *store;
    struct folio_key key;
    struct folio_chart chart;
    struct folio_arena arena;
    struct folio_err err;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(folio_crypto_init(&f->err), FOLIO_OK);
    f->store = folio_test_store_open();
    memset(f->key.k, 7, sizeof f->key.k);
    f->chart = (struct folio_chart){f->store, &f->key, NULL};
    folio_arena_init(&f->arena, 0);
    *state = f;
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

static const char rules[] =
    "# test rules\n"
    "require HP    type 34117-2 class inpatient within 24h after admit\n"
    "require DCSUM type 18842-5 class inpatient within 2d after discharge\n";

static void load_rules(struct fx *f)
{
    if (folio_rules_load(f->store, "feed.rules", rules, strlen(rules), "him",
                         "2024-01-01T00:00:00Z", NULL, NULL, &f->err) != FOLIO_OK)
        fail_msg("rules: %s", f->err.msg);
}

#define PID_A "PID|1||MRN1^^^MAIN^MR||DOE^JANE^Q||19610412|F\r"
/* Admitted 2024-03-01 08:00 UTC (PV1-44); PV1-45 the discharge time (may be empty). */
#define PV1(disch)                                                                                 \
    "PV1|1|I|4W^412^B||||1234567893^WELBY^MARCUS^^^^MD^^^^^^NPI||||||||||||V200||||||||||||||||"   \
    "|||||||||20240301080000|" disch "\r"

static void dump_errors(const struct folio_feed_result *r)
{
    for (size_t i = 0; i < r->n_errors; i++)
        print_message("  ERR %s-%u %d %c %s\n", r->errors[i].loc.seg, r->errors[i].loc.field,
                      r->errors[i].code, r->errors[i].severity, r->errors[i].text);
}

/* type^trigger sent at `at` (MSH-7 and EVN-2, the analysis clock) + rest. AA without any ERR
 * expected. */
static struct folio_feed_result apply(struct fx *f, const char *type, const char *control,
                                      const char *at, const char *rest)
{
    char buf[4096];
    struct folio_hl7_msg *m = NULL;
    struct folio_feed_result res;
    const char *tr = strchr(type, '^') + 1;
    int n =
        snprintf(buf, sizeof buf, "MSH|^~\\&|HIS|MAIN|FOLIO|MAIN|%s||%s|%s|P|2.5.1\rEVN|%s|%s\r%s",
                 at, type, control, tr, at, rest);
    assert_true(n > 0 && (size_t)n < sizeof buf);
    assert_int_equal(folio_hl7_parse(buf, (size_t)n, NULL, &m, NULL, &f->err), FOLIO_OK);
    if (folio_feed_apply(&f->chart, m, NULL, &res, &f->err) != FOLIO_OK)
        fail_msg("feed: %s", f->err.msg);
    folio_hl7_free(m);
    dump_errors(&res);
    assert_int_equal(res.ack, FOLIO_FEED_AA);
    assert_int_equal(res.n_errors, 0);
    return res;
}

/* An authenticated document of TXA-2 type (DS, HP) number num, filed on visit V200. */
static struct folio_feed_result document(struct fx *f, const char *control, const char *at,
                                         const char *type, const char *num)
{
    char rest[1024];
    int n = snprintf(rest, sizeof rest,
                     PID_A PV1("") "TXA|1|%s|TX|%s||%s||||||%s|||||AU\rOBX|1|TX|||Text of %s\r",
                     type, at, at, num, num);
    assert_true(n > 0 && (size_t)n < sizeof rest);
    struct folio_feed_result r = apply(f, "MDM^T02", control, at, rest);
    assert_true(r.document_id > 0);
    assert_false(r.unchanged);
    return r;
}

/* The encounter's deficiencies (by due time, then id). */
static struct folio_deficiency *list(struct fx *f, int64_t enc, size_t *n)
{
    struct folio_deficiency_filter flt = {.encounter_id = enc, .now = "2024-03-04T13:00:00Z"};
    struct folio_deficiency *d = NULL;
    if (folio_completeness_list(f->store, &flt, &f->arena, &d, n, &f->err) != FOLIO_OK)
        fail_msg("list: %s", f->err.msg);
    return d;
}

static const struct folio_deficiency *by_rule(const struct folio_deficiency *d, size_t n,
                                              const char *rule, const char *status)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(d[i].rule, rule) && !strcmp(d[i].status, status))
            return &d[i];
    fail_msg("no %s deficiency of rule %s", status, rule);
    return NULL;
}

static void test_discharge_document_cancel(void **state)
{
    struct fx *f = *state;
    size_t n = 0;
    load_rules(f);
    struct folio_feed_result a = apply(f, "ADT^A01", "a1", "20240301080500", PID_A PV1(""));
    int64_t enc = a.encounter_id;
    assert_true(enc > 0);
    list(f, enc, &n);
    assert_int_equal(n, 0); /* in progress: analysed at the discharge */

    /* A03: analysed at the message time (EVN-2), due times from admit and discharge */
    apply(f, "ADT^A03", "a2", "20240304120500", PID_A PV1("20240304120000"));
    struct folio_deficiency *d = list(f, enc, &n);
    assert_int_equal(n, 2);
    assert_string_equal(d[0].rule, "HP");
    assert_string_equal(d[0].status, "open");
    assert_string_equal(d[0].due_at, "2024-03-02T08:00:00Z");
    assert_true(d[0].overdue);
    assert_string_equal(d[0].created_at, "2024-03-04T12:05:00Z");
    assert_true(d[0].responsible_id > 0); /* the attending of PV1-7 */
    assert_string_equal(d[1].rule, "DCSUM");
    assert_string_equal(d[1].due_at, "2024-03-06T12:00:00Z");
    assert_false(d[1].overdue);
    /* a repeat of the A03 adds no deficiency */
    apply(f, "ADT^A03", "a2b", "20240304130000", PID_A PV1("20240304120000"));
    list(f, enc, &n);
    assert_int_equal(n, 2);

    /* the discharge summary arrives within the 2 days: closed on time at the message time */
    document(f, "m1", "20240305100000", "DS", "DOC-1");
    d = list(f, enc, &n);
    assert_int_equal(n, 2);
    const struct folio_deficiency *ds = by_rule(d, n, "DCSUM", "closed");
    assert_string_equal(ds->closed_at, "2024-03-05T10:00:00Z");
    assert_string_equal(ds->closed_how, "resolved");
    assert_false(ds->late);
    by_rule(d, n, "HP", "open");

    /* A13: the open H&P deficiency is withdrawn; the closed one stays closed */
    apply(f, "ADT^A13", "a3", "20240305110000", PID_A PV1("20240304120000"));
    d = list(f, enc, &n);
    assert_int_equal(n, 2);
    const struct folio_deficiency *hp = by_rule(d, n, "HP", "withdrawn");
    assert_string_equal(hp->closed_at, "2024-03-05T11:00:00Z");
    assert_non_null(strstr(hp->closed_how, "A13"));
    by_rule(d, n, "DCSUM", "closed");

    /* discharged again: the H&P is missing again (a new deficiency); it arrives late */
    apply(f, "ADT^A03", "a4", "20240306090000", PID_A PV1("20240306080000"));
    d = list(f, enc, &n);
    assert_int_equal(n, 3);
    hp = by_rule(d, n, "HP", "open");
    assert_string_equal(hp->created_at, "2024-03-06T09:00:00Z");
    document(f, "m2", "20240307100000", "HP", "DOC-2");
    d = list(f, enc, &n);
    hp = by_rule(d, n, "HP", "closed");
    assert_string_equal(hp->closed_at, "2024-03-07T10:00:00Z");
    assert_true(hp->late);
    for (size_t i = 0; i < n; i++)
        assert_string_not_equal(d[i].status, "open");
}

/* The analysis clock falls back to MSH-7 when the message has no EVN-2. */
static void test_clock_msh7(void **state)
{
    struct fx *f = *state;
    size_t n = 0;
    load_rules(f);
    struct folio_feed_result a = apply(f, "ADT^A01", "c1", "20240301080500", PID_A PV1(""));
    const char msg[] = "MSH|^~\\&|HIS|MAIN|FOLIO|MAIN|20240304150000||ADT^A03|c2|P|2.5.1\r"
                       "EVN|A03\r" PID_A PV1("20240304120000");
    struct folio_hl7_msg *m = NULL;
    struct folio_feed_result r;
    assert_int_equal(folio_hl7_parse(msg, strlen(msg), NULL, &m, NULL, &f->err), FOLIO_OK);
    assert_int_equal(folio_feed_apply(&f->chart, m, NULL, &r, &f->err), FOLIO_OK);
    folio_hl7_free(m);
    assert_int_equal(r.ack, FOLIO_FEED_AA);
    struct folio_deficiency *d = list(f, a.encounter_id, &n);
    assert_int_equal(n, 2);
    assert_string_equal(d[0].created_at, "2024-03-04T15:00:00Z");
}

static void test_no_rules_nothing_happens(void **state)
{
    struct fx *f = *state;
    size_t n = 0;
    int64_t cnt = -1;
    bool found = false;
    struct folio_feed_result a = apply(f, "ADT^A01", "n1", "20240301080500", PID_A PV1(""));
    apply(f, "ADT^A03", "n2", "20240304120500", PID_A PV1("20240304120000"));
    document(f, "n3", "20240305100000", "DS", "DOC-9");
    apply(f, "ADT^A13", "n4", "20240305110000", PID_A PV1("20240304120000"));
    list(f, a.encounter_id, &n);
    assert_int_equal(n, 0);
    assert_int_equal(folio_store_query_i64(f->store, "SELECT COUNT(*) FROM deficiency", NULL, 0,
                                           &cnt, &found, &f->err),
                     FOLIO_OK);
    assert_int_equal(cnt, 0);
}

/* An MDM for a complete chart is filed (a late entry with the interface's reason); when the
 * analysis then finds a new deficiency the chart is reopened (docs/completeness.md
 * "Completion"). */
static void test_mdm_into_complete_chart(void **state)
{
    struct fx *f = *state;
    struct folio_cmpl_chart c;
    struct folio_document_version *h = NULL;
    size_t nh = 0;
    static const char more[] = "sign SIGNED within 48h\n";
    char text[512];
    load_rules(f);
    struct folio_feed_result a = apply(f, "ADT^A01", "k1", "20240301080500", PID_A PV1(""));
    apply(f, "ADT^A03", "k2", "20240304120500", PID_A PV1("20240304120000"));
    document(f, "k3", "20240304130000", "HP", "DOC-K1");
    document(f, "k4", "20240304140000", "DS", "DOC-K2");
    if (folio_completeness_complete(f->store, a.encounter_id, "him", "2024-03-05T00:00Z",
                                    &f->err) != FOLIO_OK)
        fail_msg("complete: %s", f->err.msg);

    /* filed: a late entry; nothing new is missing, so the chart stays complete */
    struct folio_feed_result r = document(f, "k5", "20240306100000", "HP", "DOC-K3");
    assert_int_equal(folio_document_history(&f->chart, r.document_id, &f->arena, &h, &nh, &f->err),
                     FOLIO_OK);
    assert_string_equal(h[0].change_kind, "late-entry");
    assert_non_null(strstr(h[0].reason, "filed by the interface after the chart was completed"));
    assert_int_equal(folio_completeness_chart(f->store, a.encounter_id, NULL, &f->arena, &c,
                                              &f->err),
                     FOLIO_OK);
    assert_string_equal(c.completed_at, "2024-03-05T00:00:00Z");

    /* with a signature rule, the next document is found unsigned: the chart is reopened */
    assert_true(strlen(rules) + sizeof more < sizeof text);
    snprintf(text, sizeof text, "%s%s", rules, more);
    if (folio_rules_load(f->store, "feed.rules", text, strlen(text), "him",
                         "2024-03-06T00:00:00Z", NULL, NULL, &f->err) != FOLIO_OK)
        fail_msg("rules: %s", f->err.msg);
    document(f, "k6", "20240307100000", "DS", "DOC-K4");
    assert_int_equal(folio_completeness_chart(f->store, a.encounter_id, NULL, &f->arena, &c,
                                              &f->err),
                     FOLIO_OK);
    assert_string_equal(c.completed_at, "");
    assert_true(c.open > 0);
}

/* The principal diagnosis statement over HL7 (docs/completeness.md "Principal diagnosis"): DG1
 * with DG1-6 F (final) and DG1-15 1 (principal). The admitting diagnosis sent at A01 does not
 * count; the A08 that restates it as final and principal closes the deficiency. */
static void test_principal_dx_from_dg1(void **state)
{
    struct fx *f = *state;
    size_t n = 0;
    static const char pdx[] = "field PDX principal-diagnosis class inpatient within 30d after "
                              "discharge\n";
    if (folio_rules_load(f->store, "feed.rules", pdx, strlen(pdx), "him", "2024-01-01T00:00:00Z",
                         NULL, NULL, &f->err) != FOLIO_OK)
        fail_msg("rules: %s", f->err.msg);
#define DG1_ADMIT "DG1|1||R07.9^Chest pain^I10|||A|||||||||1\r"
#define DG1_SEC   "DG1|2||E11.9^Type 2 diabetes^I10|||F|||||||||2\r"
#define DG1_FINAL "DG1|1||R07.9^Chest pain^I10|||F|||||||||1\r"
    struct folio_feed_result a =
        apply(f, "ADT^A01", "p1", "20240301080500", PID_A PV1("") DG1_ADMIT);
    int64_t enc = a.encounter_id;
    apply(f, "ADT^A03", "p2", "20240304120500", PID_A PV1("20240304120000") DG1_ADMIT DG1_SEC);
    struct folio_deficiency *d = list(f, enc, &n);
    assert_int_equal(n, 1);
    const struct folio_deficiency *x = by_rule(d, n, "PDX", "open");
    assert_string_equal(x->description, "Principal diagnosis statement missing");
    assert_string_equal(x->due_at, "2024-04-03T12:00:00Z");

    apply(f, "ADT^A08", "p3", "20240305090000", PID_A PV1("20240304120000") DG1_FINAL DG1_SEC);
    d = list(f, enc, &n);
    assert_int_equal(n, 1);
    x = by_rule(d, n, "PDX", "closed");
    assert_string_equal(x->closed_at, "2024-03-05T09:00:00Z");
    assert_string_equal(x->closed_how, "resolved");
#undef DG1_ADMIT
#undef DG1_SEC
#undef DG1_FINAL
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_discharge_document_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clock_msh7, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_rules_nothing_happens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mdm_into_complete_chart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_principal_dx_from_dg1, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Tests of the HL7 feed (include/folio/feed.h) on the backend under test: idempotence, unknown
 * visits created from the snapshot, cancels, merge requests, refusals. */
#include "folio/base.h"

#include <setjmp.h>
#include <cmocka.h>

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

#define PID_A "PID|1||MRN1^^^MAIN^MR||DOE^JANE^Q||19610412|F|||1 Main St^^Springfield^IL^62701^USA^H||(217)555-0100\r"

static struct folio_feed_result apply(struct fx *f, const char *trigger, const char *control,
                                      const char *rest)
{
    char buf[4096];
    struct folio_hl7_msg *m = NULL;
    struct folio_feed_result res;
    int n = snprintf(buf, sizeof buf,
                     "MSH|^~\\&|REG|MAIN|FOLIO|MAIN|20240305090700||ADT^%s|%s|P|2.5.1\r"
                     "EVN|%s|20240305090700\r%s",
                     trigger, control, trigger, rest);
    assert_true(n > 0 && (size_t)n < sizeof buf);
    assert_int_equal(folio_hl7_parse(buf, (size_t)n, NULL, &m, NULL, &f->err), FOLIO_OK);
    if (folio_feed_apply(&f->chart, m, NULL, &res, &f->err) != FOLIO_OK)
        fail_msg("feed: %s", f->err.msg);
    folio_hl7_free(m);
    return res;
}

static void test_admit_idempotent(void **state)
{
    struct fx *f = *state;
    const char *body = PID_A "PV1|1|I|4W^412^B|E|||1234567893^WELBY^MARCUS^^^^MD^^^^^^NPI||||||||||||V100|||||||||||||||||||||||||20240305090000-0500\r"
                             "DG1|1||I10^Essential hypertension^I10\r";
    struct folio_feed_result r1 = apply(f, "A01", "m1", body);
    assert_int_equal(r1.ack, FOLIO_FEED_AA);
    assert_true(r1.created_patient && r1.created_encounter);
    assert_int_equal(r1.n_conditions, 1);
    struct folio_feed_result r2 = apply(f, "A01", "m2", body);
    assert_int_equal(r2.ack, FOLIO_FEED_AA);
    if (!r2.unchanged) {
        int64_t n = 0, v = 0;
        bool fd = false;
        assert_int_equal(folio_store_query_i64(f->store, "SELECT COUNT(*) FROM encounter_event",
                                               NULL, 0, &n, &fd, &f->err), FOLIO_OK);
        assert_int_equal(folio_store_query_i64(f->store, "SELECT version FROM patient", NULL, 0,
                                               &v, &fd, &f->err), FOLIO_OK);
        fail_msg("repeat changed something: %lld encounter events, patient version %lld",
                 (long long)n, (long long)v);
    }
    assert_int_equal(r2.patient_id, r1.patient_id);
    assert_int_equal(r2.encounter_id, r1.encounter_id);
    struct folio_encounter e;
    assert_int_equal(folio_encounter_get(&f->chart, r1.encounter_id, &f->arena, &e, &f->err),
                     FOLIO_OK);
    assert_string_equal(e.admit_at, "2024-03-05T14:00:00Z");
    assert_string_equal(e.enc_class, "inpatient");
    assert_string_equal(e.location, "4W^412^B");
    assert_int_equal(e.n_providers, 1);
    assert_string_equal(e.providers[0].npi, "1234567893");
}

static void test_unknown_visit_discharge_then_admit(void **state)
{
    struct fx *f = *state;
    const char *pv1 = "PV1|1|I|4W^412^B||||||||||||||||V200|||||||||||||||||01||||||||"
                      "20240301080000|20240304120000\r";
    char body[2048];
    snprintf(body, sizeof body, "%s%s", PID_A, pv1);
    struct folio_feed_result r = apply(f, "A03", "d1", body);
    assert_int_equal(r.ack, FOLIO_FEED_AA);
    assert_true(r.created_encounter);
    struct folio_encounter e;
    assert_int_equal(folio_encounter_get(&f->chart, r.encounter_id, &f->arena, &e, &f->err),
                     FOLIO_OK);
    assert_string_equal(e.status, "discharged");
    assert_string_equal(e.discharge_at, "2024-03-04T12:00:00Z");
    /* the admit arriving late finds the same visit */
    struct folio_feed_result a = apply(f, "A01", "d2", body);
    assert_int_equal(a.ack, FOLIO_FEED_AA);
    assert_int_equal(a.encounter_id, r.encounter_id);
    assert_false(a.created_encounter);
    /* cancel the discharge: back in progress */
    struct folio_feed_result c = apply(f, "A13", "d3", body);
    assert_int_equal(c.ack, FOLIO_FEED_AA);
    assert_int_equal(folio_encounter_get(&f->chart, r.encounter_id, &f->arena, &e, &f->err),
                     FOLIO_OK);
    assert_string_equal(e.status, "in-progress");
    assert_null(e.discharge_at);
}

static void test_cancel_unknown_and_refusals(void **state)
{
    struct fx *f = *state;
    struct folio_feed_result r = apply(f, "A11", "c1", PID_A "PV1|1|I|||||||||||||||||V9\r");
    assert_int_equal(r.ack, FOLIO_FEED_AE);
    assert_int_equal(r.errors[0].code, 204);
    r = apply(f, "A09", "c2", PID_A "PV1|1|I\r");
    assert_int_equal(r.ack, FOLIO_FEED_AR);
    assert_int_equal(r.errors[0].code, 201);
    r = apply(f, "A01", "c3", "PID|1||MRN2^^^MAIN^MR||ROE^RICK||19990230|M\rPV1|1|I\r");
    assert_int_equal(r.ack, FOLIO_FEED_AE);
    assert_int_equal(r.errors[0].code, 102);
    assert_string_equal(r.errors[0].loc.seg, "PID");
    assert_int_equal(r.errors[0].loc.field, 7);
    /* nothing of a refused message reaches the chart */
    int64_t id = 0;
    assert_int_equal(folio_patient_find_by_identifier(&f->chart, "MR", "MAIN", "MRN2", &id,
                                                      &f->err),
                     FOLIO_ENOTFOUND);
}

static void test_merge_request_recorded(void **state)
{
    struct fx *f = *state;
    struct folio_feed_result a = apply(f, "A28", "g1", PID_A);
    assert_int_equal(a.ack, FOLIO_FEED_AA);
    struct folio_feed_result b =
        apply(f, "A28", "g2", "PID|1||MRN9^^^MAIN^MR||DOE^JANE||19610412|F\r");
    assert_int_equal(b.ack, FOLIO_FEED_AA);
    assert_true(a.patient_id != b.patient_id);
    struct folio_feed_result m =
        apply(f, "A40", "g3", PID_A "MRG|MRN9^^^MAIN^MR\r");
    assert_int_equal(m.ack, FOLIO_FEED_AA);
    assert_int_equal(m.prior_patient_id, b.patient_id);
    int64_t n = 0;
    bool found = false;
    assert_int_equal(folio_store_query_i64(f->store,
                                           "SELECT COUNT(*) FROM feed_merge_request", NULL, 0,
                                           &n, &found, &f->err),
                     FOLIO_OK);
    assert_int_equal(n, 1);
    /* nothing moved: the prior patient still has its identifier */
    int64_t id = 0;
    assert_int_equal(folio_patient_find_by_identifier(&f->chart, "MR", "MAIN", "MRN9", &id,
                                                      &f->err),
                     FOLIO_OK);
    assert_int_equal(id, b.patient_id);
}

/* Identity search at registration: an A04 that creates a patient closely matching an existing
 * one (same name and birth date, SSN with two digits transposed) answers AA with a new chart,
 * puts the pair on the duplicate worklist and says so in an informational ERR; nothing merged.
 * A clearly different person is not proposed. */
static void test_registration_proposes_duplicate(void **state)
{
    struct fx *f = *state;
    struct folio_feed_result a =
        apply(f, "A04", "r1",
              "PID|1||MRN1^^^MAIN^MR~123456789^^^^SS||DOE^JANE^Q||19610412|F|||1 Main "
              "St^^Springfield^IL^62701^USA^H||(217)555-0100\r"
              "PV1|1|O|||||||||||||||||V301\r");
    assert_int_equal(a.ack, FOLIO_FEED_AA);
    assert_true(a.created_patient);
    struct folio_feed_result b =
        apply(f, "A04", "r2",
              "PID|1||MRN7^^^MAIN^MR~123456798^^^^SS||DOE^JANE||19610412|F|||1 Main "
              "Street^^Springfield^IL^62701^USA^H\r"
              "PV1|1|O|||||||||||||||||V302\r");
    assert_int_equal(b.ack, FOLIO_FEED_AA);
    assert_true(b.created_patient);
    assert_true(b.patient_id != a.patient_id);
    int64_t lo = a.patient_id < b.patient_id ? a.patient_id : b.patient_id;
    int64_t hi = a.patient_id < b.patient_id ? b.patient_id : a.patient_id;
    int64_t n = 0;
    bool found = false;
    const int64_t args[] = {lo, hi};
    assert_int_equal(folio_store_query_i64(f->store,
                                           "SELECT COUNT(*) FROM mpi_worklist WHERE patient_a = ? "
                                           "AND patient_b = ? AND status = 'open' AND source = "
                                           "'hl7'",
                                           args, 2, &n, &found, &f->err),
                     FOLIO_OK);
    assert_int_equal(n, 1);
    bool info = false;
    char want[64];
    snprintf(want, sizeof want, "possible duplicate of patient %lld", (long long)a.patient_id);
    for (size_t i = 0; i < b.n_errors; i++)
        info = info || (b.errors[i].severity == FOLIO_FEED_SEV_INFO &&
                        strstr(b.errors[i].text, want) != NULL);
    assert_true(info);
    /* nothing merged: both charts active */
    assert_int_equal(folio_store_query_i64(f->store,
                                           "SELECT COUNT(*) FROM patient WHERE status = 'active'",
                                           NULL, 0, &n, &found, &f->err),
                     FOLIO_OK);
    assert_int_equal(n, 2);

    /* a clearly different person: no pair, no informational ERR */
    struct folio_feed_result c =
        apply(f, "A04", "r3",
              "PID|1||MRN8^^^MAIN^MR~987654321^^^^SS||OKAFOR^CHIDI||19900101|M|||9 Pine "
              "Rd^^Shelbyville^IL^62565^USA^H||(217)555-0777\r"
              "PV1|1|O|||||||||||||||||V303\r");
    assert_int_equal(c.ack, FOLIO_FEED_AA);
    assert_true(c.created_patient);
    const int64_t cid[] = {c.patient_id, c.patient_id};
    assert_int_equal(folio_store_query_i64(f->store,
                                           "SELECT COUNT(*) FROM mpi_worklist WHERE patient_a = ? "
                                           "OR patient_b = ?",
                                           cid, 2, &n, &found, &f->err),
                     FOLIO_OK);
    assert_int_equal(n, 0);
    for (size_t i = 0; i < c.n_errors; i++)
        assert_null(strstr(c.errors[i].text, "possible duplicate"));
    /* the repeat of the first registration finds its patient: nothing proposed again */
    struct folio_feed_result b2 =
        apply(f, "A04", "r4",
              "PID|1||MRN7^^^MAIN^MR~123456798^^^^SS||DOE^JANE||19610412|F|||1 Main "
              "Street^^Springfield^IL^62701^USA^H\r"
              "PV1|1|O|||||||||||||||||V302\r");
    assert_int_equal(b2.ack, FOLIO_FEED_AA);
    assert_false(b2.created_patient);
    assert_int_equal(folio_store_query_i64(f->store, "SELECT COUNT(*) FROM mpi_worklist", NULL,
                                           0, &n, &found, &f->err),
                     FOLIO_OK);
    assert_int_equal(n, 1);
}

/* The warning of segment seg, field fld in r, or NULL. */
static const struct folio_feed_error *warning_at(const struct folio_feed_result *r,
                                                 const char *seg, unsigned fld)
{
    for (size_t i = 0; i < r->n_errors; i++)
        if (!strcmp(r->errors[i].loc.seg, seg) && r->errors[i].loc.field == fld &&
            r->errors[i].severity == FOLIO_FEED_SEV_WARNING)
            return &r->errors[i];
    return NULL;
}

/* The condition of code `code` among the encounter's. */
static const struct folio_condition *condition_of(struct fx *f, int64_t pid, int64_t enc,
                                                  const char *code)
{
    struct folio_condition *c = NULL;
    size_t n = 0;
    assert_int_equal(folio_condition_list(&f->chart, pid, enc, 0, &f->arena, &c, &n, &f->err),
                     FOLIO_OK);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(c[i].code, code))
            return &c[i];
    fail_msg("no condition %s", code);
    return NULL;
}

/* DG1-6 diagnosis type and DG1-15 priority (docs/hl7-mapping.md "Other ADT segments"). */
static void test_dg1_type_priority(void **state)
{
    struct fx *f = *state;
    const char *pv1 = "PV1|1|I|4W^412^B||||||||||||||||V400|||||||||||||||||||||||||"
                      "20240301080000\r";
    char body[2048];
    /* 1: final, principal; 2: admitting, secondary rank 2; 3: a bad priority; 4: a site's own
     * type; 5: neither given */
    snprintf(body, sizeof body,
             "%s%s"
             "DG1|1||I21.4^NSTEMI^I10|||F|||||||||1\r"
             "DG1|2||R07.9^Chest pain^I10|||A|||||||||02\r"
             "DG1|3||E11.9^Type 2 diabetes^I10|||W|||||||||first\r"
             "DG1|4||I10^Hypertension^I10|||X\r"
             "DG1|5||N18.3^CKD 3^I10\r",
             PID_A, pv1);
    struct folio_feed_result r = apply(f, "A01", "g1", body);
    assert_int_equal(r.ack, FOLIO_FEED_AA);
    assert_int_equal(r.n_conditions, 5);
    const struct folio_feed_error *w = warning_at(&r, "DG1", 15);
    assert_non_null(w);
    assert_int_equal(w->code, FOLIO_HL7_E_DATA_TYPE);
    assert_non_null(strstr(w->text, "'first'"));
    w = warning_at(&r, "DG1", 6);
    assert_non_null(w);
    assert_int_equal(w->code, FOLIO_HL7_E_TABLE_VALUE);
    assert_non_null(strstr(w->text, "table 0052"));
    assert_int_equal(r.n_errors, 2);

    const struct folio_condition *c = condition_of(f, r.patient_id, r.encounter_id, "I21.4");
    assert_string_equal(c->dx_type, "F");
    assert_true(c->has_dx_priority);
    assert_int_equal(c->dx_priority, 1);
    c = condition_of(f, r.patient_id, r.encounter_id, "R07.9");
    assert_string_equal(c->dx_type, "A");
    assert_int_equal(c->dx_priority, 2);
    c = condition_of(f, r.patient_id, r.encounter_id, "E11.9");
    assert_string_equal(c->dx_type, "W");
    assert_false(c->has_dx_priority); /* NULL, not 0 */
    c = condition_of(f, r.patient_id, r.encounter_id, "I10");
    assert_string_equal(c->dx_type, "X"); /* kept as given */
    c = condition_of(f, r.patient_id, r.encounter_id, "N18.3");
    assert_null(c->dx_type);
    assert_false(c->has_dx_priority);
    int64_t n = 0;
    bool found = false;
    assert_int_equal(folio_store_query_i64(f->store,
                                           "SELECT COUNT(*) FROM condition WHERE dx_priority "
                                           "IS NULL",
                                           NULL, 0, &n, &found, &f->err),
                     FOLIO_OK);
    assert_int_equal(n, 3);

    /* A08 restates DG1 2 as final principal and ranks DG1 1 second; an empty DG1-6 and a bad
     * DG1-15 leave the stored values */
    snprintf(body, sizeof body,
             "%s%s"
             "DG1|1||I21.4^NSTEMI^I10|||F|||||||||2\r"
             "DG1|2||R07.9^Chest pain^I10|||F|||||||||1\r"
             "DG1|4||I10^Hypertension^I10||||||||||||1x\r",
             PID_A, pv1);
    struct folio_feed_result u = apply(f, "A08", "g2", body);
    assert_int_equal(u.ack, FOLIO_FEED_AA);
    assert_false(u.unchanged);
    assert_int_equal(u.n_conditions, 0);
    assert_non_null(warning_at(&u, "DG1", 15));
    c = condition_of(f, r.patient_id, r.encounter_id, "I21.4");
    assert_int_equal(c->dx_priority, 2);
    c = condition_of(f, r.patient_id, r.encounter_id, "R07.9");
    assert_string_equal(c->dx_type, "F");
    assert_int_equal(c->dx_priority, 1);
    c = condition_of(f, r.patient_id, r.encounter_id, "I10");
    assert_string_equal(c->dx_type, "X");
    assert_false(c->has_dx_priority);
    /* the same again changes nothing */
    u = apply(f, "A08", "g3", body);
    assert_int_equal(u.ack, FOLIO_FEED_AA);
    assert_true(u.unchanged);
}

/* The records API checks what the feed may not (a client other than the feed). */
static void test_condition_dx_checks(void **state)
{
    struct fx *f = *state;
    struct folio_feed_result r = apply(f, "A01", "h1", PID_A "PV1|1|I|||||||||||||||||V401\r");
    assert_int_equal(r.ack, FOLIO_FEED_AA);
    struct folio_condition c = {.patient_id = r.patient_id,
                                .encounter_id = r.encounter_id,
                                .code_system = "I10",
                                .code = "J18.9",
                                .dx_type = "F",
                                .dx_priority = 100,
                                .has_dx_priority = true};
    assert_int_equal(folio_condition_create(&f->chart, &c, NULL, &f->err), FOLIO_EINVAL);
    assert_string_equal(f->err.field, "dx_priority");
    c.dx_priority = -1;
    assert_int_equal(folio_condition_create(&f->chart, &c, NULL, &f->err), FOLIO_EINVAL);
    assert_string_equal(f->err.field, "dx_priority");
    c.dx_priority = 0; /* table 0359: not included in the ranking */
    c.dx_type = "F F";
    assert_int_equal(folio_condition_create(&f->chart, &c, NULL, &f->err), FOLIO_EINVAL);
    assert_string_equal(f->err.field, "dx_type");
    c.dx_type = "F";
    assert_int_equal(folio_condition_create(&f->chart, &c, NULL, &f->err), FOLIO_OK);
    const struct folio_condition *got = condition_of(f, r.patient_id, r.encounter_id, "J18.9");
    assert_true(got->has_dx_priority);
    assert_int_equal(got->dx_priority, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_admit_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_visit_discharge_then_admit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_unknown_and_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_request_recorded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_registration_proposes_duplicate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dg1_type_priority, setup, teardown),
        cmocka_unit_test_setup_teardown(test_condition_dx_checks, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

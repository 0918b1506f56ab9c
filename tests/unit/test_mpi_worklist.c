/* Tests of the potential-duplicate worklist (include/folio/merge.h) on the backend under test:
 * a scan proposes likely duplicates; "not a duplicate" is remembered across scans; a deferred
 * pair comes back at the first scan on or after its date; a merge decision merges; an HL7 A40
 * goes to the worklist for review and never merges by itself. */
#include "folio/base.h"

#include <setjmp.h>
#include <cmocka.h>

#include "folio/crypto.h"
#include "folio/feed.h"
#include "folio/hl7v2.h"
#include "folio/merge.h"
#include "folio/mpi.h"
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
    f->chart = (struct folio_chart){f->store, &f->key, "tester"};
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

#define OK(call)                                                                                   \
    do {                                                                                           \
        enum folio_rc rc_ = (call);                                                                \
        if (rc_ != FOLIO_OK)                                                                       \
            fail_msg("%s -> %s: %s [%s]", #call, folio_rc_name(rc_), f->err.msg, f->err.field);    \
    } while (0)

#define EXPECT(code, call)                                                                         \
    do {                                                                                           \
        folio_err_clear(&f->err);                                                                  \
        enum folio_rc rc_ = (call);                                                                \
        if (rc_ != (code))                                                                         \
            fail_msg("%s -> %s (want %s): %s", #call, folio_rc_name(rc_), folio_rc_name(code),   \
                     f->err.msg);                                                                  \
    } while (0)

/* A registered, indexed patient (as the faces do it: create, then index). */
static int64_t mk(struct fx *f, const char *family, const char *given, const char *dob,
                  const char *mrn, const char *line1, const char *phone)
{
    struct folio_identifier ids[] = {{.kind = "MR", .assigner = "MAIN", .value = mrn}};
    struct folio_address addr = {.use = "home", .line1 = line1, .city = "Springfield",
                                 .state = "IL", .postal_code = "62701"};
    struct folio_phone ph = {.use = "home", .number = phone};
    struct folio_patient_new p = {.name = {.family = family, .given = given},
                                  .birth_date = dob, .sex = "F", .ids = ids, .n_ids = 1,
                                  .addresses = &addr, .n_addresses = 1, .phones = &ph,
                                  .n_phones = 1};
    int64_t id = 0, fac = 0;
    OK(folio_facility_ensure(&f->chart, "MAIN", NULL, &fac, &f->err));
    OK(folio_patient_create(&f->chart, &p, &id, &f->err));
    OK(folio_mpi_index_patient(&f->chart, id, &f->err));
    return id;
}

/* The pair (a, b) on the worklist, any status; 0 when absent. */
static int64_t find_pair(struct fx *f, int64_t a, int64_t b, struct folio_mpi_pair *out)
{
    struct folio_mpi_worklist_query q = {.status = "all", .patient_id = a, .limit = 1000};
    struct folio_mpi_pair_page pg;
    OK(folio_mpi_worklist_list(&f->chart, &q, &f->arena, &pg, &f->err));
    for (size_t i = 0; i < pg.n; i++)
        if ((pg.items[i].patient_a == a && pg.items[i].patient_b == b) ||
            (pg.items[i].patient_a == b && pg.items[i].patient_b == a)) {
            if (out)
                *out = pg.items[i];
            return pg.items[i].id;
        }
    return 0;
}

static void test_scan_not_duplicate_defer_merge(void **state)
{
    struct fx *f = *state;
    /* two likely duplicates (typo in the given name), a third pair, and a stranger */
    int64_t a = mk(f, "GARCIA", "MARIA", "1970-05-06", "W1", "12 Oak St", "217-555-0101");
    int64_t b = mk(f, "GARCIA", "MARIA", "1970-05-06", "W2", "12 Oak Street", "217-555-0101");
    int64_t c = mk(f, "NGUYEN", "LINH", "1985-11-02", "W3", "4 Elm St", "217-555-0199");
    int64_t d = mk(f, "NGUYEN", "LINH", "1985-11-20", "W4", "4 Elm St", "217-555-0199");
    int64_t e = mk(f, "OKAFOR", "CHIDI", "1990-01-01", "W5", "9 Pine Rd", "217-555-0777");
    int64_t added = 0, reopened = 0;
    OK(folio_mpi_worklist_scan(&f->chart, &added, &f->err));
    assert_true(added >= 2);
    struct folio_mpi_pair p1, p2;
    int64_t ab = find_pair(f, a, b, &p1), cd = find_pair(f, c, d, &p2);
    assert_true(ab > 0 && cd > 0);
    assert_string_equal(p1.status, "open");
    assert_string_equal(p1.source, "scan");
    assert_true(p1.score >= 8);
    assert_non_null(strstr(p1.reasons_json, "\"given\""));
    assert_int_equal(find_pair(f, a, e, NULL), 0); /* a stranger is not proposed */

    /* not a duplicate: remembered, a second scan neither re-adds nor reopens it */
    struct folio_mpi_decide no = {.verdict = FOLIO_MPI_VERDICT_NOT_DUPLICATE, .note = "checked"};
    OK(folio_mpi_worklist_decide(&f->chart, ab, &no, NULL, &f->err));
    OK(folio_mpi_worklist_scan(&f->chart, &added, &f->err));
    assert_int_equal(added, 0);
    assert_int_equal(find_pair(f, a, b, &p1), ab);
    assert_string_equal(p1.status, "not_duplicate");
    assert_string_equal(p1.decided_by, "tester");
    EXPECT(FOLIO_ESTATE, folio_mpi_worklist_decide(&f->chart, ab, &no, NULL, &f->err));

    /* defer: a date in the past is refused; the pair stays deferred until its date */
    struct folio_mpi_decide later = {.verdict = FOLIO_MPI_VERDICT_DEFER,
                                     .defer_until = "2001-01-01"};
    EXPECT(FOLIO_EINVAL, folio_mpi_worklist_decide(&f->chart, cd, &later, NULL, &f->err));
    later.defer_until = "2999-06-01";
    OK(folio_mpi_worklist_decide(&f->chart, cd, &later, NULL, &f->err));
    struct folio_mpi_scan_opts so = {.today = "2999-05-31"};
    OK(folio_mpi_worklist_scan_ex(&f->chart, NULL, &added, &reopened, &f->err));
    assert_int_equal(reopened, 0);
    OK(folio_mpi_worklist_scan_ex(&f->chart, &so, &added, &reopened, &f->err));
    assert_int_equal(reopened, 0);
    find_pair(f, c, d, &p2);
    assert_string_equal(p2.status, "deferred");
    assert_string_equal(p2.defer_until, "2999-06-01");
    struct folio_mpi_pair_page pg;
    struct folio_mpi_worklist_query open_q = {0};
    OK(folio_mpi_worklist_list(&f->chart, &open_q, &f->arena, &pg, &f->err));
    for (size_t i = 0; i < pg.n; i++)
        assert_int_not_equal(pg.items[i].id, cd);
    so.today = "2999-06-01";
    OK(folio_mpi_worklist_scan_ex(&f->chart, &so, &added, &reopened, &f->err));
    assert_int_equal(reopened, 1);
    find_pair(f, c, d, &p2);
    assert_string_equal(p2.status, "open");

    /* merge: the older chart survives by default; the pair records the merge */
    int64_t mid = 0;
    struct folio_mpi_decide yes = {.verdict = FOLIO_MPI_VERDICT_MERGE, .note = "same person",
                                   .expected_status = "deferred"};
    EXPECT(FOLIO_ECONFLICT, folio_mpi_worklist_decide(&f->chart, cd, &yes, &mid, &f->err));
    yes.expected_status = "open";
    OK(folio_mpi_worklist_decide(&f->chart, cd, &yes, &mid, &f->err));
    assert_true(mid > 0);
    find_pair(f, c, d, &p2);
    assert_string_equal(p2.status, "merged");
    assert_int_equal(p2.merge_id, mid);
    struct folio_patient pd;
    OK(folio_patient_get(&f->chart, d, &f->arena, &pd, &f->err));
    assert_string_equal(pd.status, "merged");
    assert_int_equal(pd.merged_into, c);
    /* the unmerge turns the decision into not_duplicate: never proposed again */
    OK(folio_mpi_unmerge(&f->chart, mid, "not the same person after all", &f->err));
    find_pair(f, c, d, &p2);
    assert_string_equal(p2.status, "not_duplicate");
    OK(folio_mpi_worklist_scan(&f->chart, &added, &f->err));
    assert_int_equal(added, 0);
}

static void feed(struct fx *f, const char *msg, int64_t *patient)
{
    struct folio_hl7_msg *m = NULL;
    struct folio_feed_result res;
    assert_int_equal(folio_hl7_parse(msg, strlen(msg), NULL, &m, NULL, &f->err), FOLIO_OK);
    OK(folio_feed_apply(&f->chart, m, NULL, &res, &f->err));
    folio_hl7_free(m);
    if (res.ack != FOLIO_FEED_AA)
        fail_msg("feed answered %s: %s", folio_feed_ack_name(res.ack),
                 res.n_errors ? res.errors[res.n_errors - 1].text : "?");
    if (patient)
        *patient = res.patient_id;
}

#define MSH(trig, ctl)                                                                             \
    "MSH|^~\\&|REG|MAIN|FOLIO|MAIN|20240305090700||ADT^" trig "|" ctl "|P|2.5.1\r"              \
    "EVN|" trig "|20240305090700\r"

static void test_a40_goes_to_review(void **state)
{
    struct fx *f = *state;
    int64_t s = 0, p = 0;
    /* the feed indexes the patients it registers */
    feed(f, MSH("A28", "r1") "PID|1||M100^^^MAIN^MR||ROE^ANNA||19610412|F|||1 Main St^^Springfield^IL^62701||(217)555-0100\r", &s);
    feed(f, MSH("A28", "r2") "PID|1||M200^^^MAIN^MR||ROE^ANN||19610412|F|||1 Main St^^Springfield^IL^62701||(217)555-0100\r", &p);
    int64_t n = -1;
    bool found = false;
    OK(folio_store_query_i64(f->store, "SELECT COUNT(*) FROM mpi_person WHERE patient_id = ?",
                             &p, 1, &n, &found, &f->err));
    assert_int_equal(n, 1);
    feed(f, MSH("A40", "m1") "PID|1||M100^^^MAIN^MR||ROE^ANNA||19610412|F\rMRG|M200^^^MAIN^MR\r",
         NULL);
    /* recorded and proposed, nothing merged */
    struct folio_mpi_pair pr;
    int64_t pair = find_pair(f, s, p, &pr);
    assert_true(pair > 0);
    assert_string_equal(pr.source, "hl7");
    assert_string_equal(pr.status, "open");
    assert_true(pr.feed_request_id > 0);
    struct folio_patient pt;
    OK(folio_patient_get(&f->chart, p, &f->arena, &pt, &f->err));
    assert_string_equal(pt.status, "active");
    OK(folio_store_query_i64(f->store, "SELECT COUNT(*) FROM mpi_merge", NULL, 0, &n, &found,
                             &f->err));
    assert_int_equal(n, 0);
    /* the same A40 again: one request, one pair */
    feed(f, MSH("A40", "m2") "PID|1||M100^^^MAIN^MR||ROE^ANNA||19610412|F\rMRG|M200^^^MAIN^MR\r",
         NULL);
    OK(folio_store_query_i64(f->store, "SELECT COUNT(*) FROM feed_merge_request", NULL, 0, &n,
                             &found, &f->err));
    assert_int_equal(n, 1);
    assert_int_equal(find_pair(f, s, p, NULL), pair);
    /* a person confirms: the A40's survivor survives, the request is marked merged */
    int64_t mid = 0;
    struct folio_mpi_decide yes = {.verdict = FOLIO_MPI_VERDICT_MERGE};
    OK(folio_mpi_worklist_decide(&f->chart, pair, &yes, &mid, &f->err));
    OK(folio_patient_get(&f->chart, p, &f->arena, &pt, &f->err));
    assert_string_equal(pt.status, "merged");
    assert_int_equal(pt.merged_into, s);
    OK(folio_store_query_i64(f->store, "SELECT merge_id FROM feed_merge_request", NULL, 0, &n,
                             &found, &f->err));
    assert_int_equal(n, mid);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_scan_not_duplicate_defer_merge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a40_goes_to_review, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

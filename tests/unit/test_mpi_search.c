/* Tests of the MPI search index and identity search (include/folio/mpi.h) on the backend under
 * test: index maintenance, ranked candidates with reasons, fuzzy SSN through blind indexes,
 * duplicates of a patient, pair scoring. */
#include "folio/base.h"

#include <setjmp.h>
#include <cmocka.h>

#include "folio/crypto.h"
#include "folio/mpi.h"
#include "folio/records.h"
#include "folio/store.h"
#include "testdb.h"

struct fx {
    struct folio_store *store;
    struct folio_key key;
    struct folio_chart chart;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->store = folio_test_store_open();
    memset(f->key.k, 7, sizeof f->key.k);
    f->chart = (struct folio_chart){f->store, &f->key, "tester"};
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    folio_test_store_close(f->store);
    free(f);
    return 0;
}

static int64_t add(struct fx *f, const char *given, const char *family, const char *dob,
                   const char *sex, const char *ssn, const char *line1, const char *zip,
                   const char *phone)
{
    struct folio_identifier id = {.kind = "SS", .value = ssn};
    struct folio_address ad = {.line1 = line1, .postal_code = zip};
    struct folio_phone ph = {.number = phone};
    struct folio_patient_new in = {
        .name = {.family = family, .given = given},
        .birth_date = dob,
        .sex = sex,
        .ids = ssn ? &id : NULL,
        .n_ids = ssn ? 1 : 0,
        .addresses = line1 ? &ad : NULL,
        .n_addresses = line1 ? 1 : 0,
        .phones = phone ? &ph : NULL,
        .n_phones = phone ? 1 : 0,
    };
    int64_t pid = 0;
    struct folio_err err = {0};
    assert_int_equal(folio_patient_create(&f->chart, &in, &pid, &err), FOLIO_OK);
    assert_int_equal(folio_mpi_index_patient(&f->chart, pid, &err), FOLIO_OK);
    return pid;
}

static void test_search_ranked(void **state)
{
    struct fx *f = *state;
    int64_t bill = add(f, "William", "Garcia", "1961-04-12", "M", "123-45-6780", "12 Main Street",
                       "02139", "6175551234");
    int64_t twin = add(f, "Robert", "Garcia", "1961-04-12", "M", "222-33-4444", "12 Main Street",
                       "02139", "6175551234");
    (void)add(f, "Maria", "Lopez", "1980-01-02", "F", NULL, "1 Elm Rd", "10001", NULL);
    struct folio_arena a = {0};
    struct folio_err err = {0};
    struct folio_mpi_candidate *cs = NULL;
    size_t n = 0;
    /* the clerk types a nickname, a swapped date and an SSN with two digits transposed */
    struct folio_mpi_record q = {.given = "Bill", .family = "GARCIA", .birth_date = "1961-12-04",
                                 .sex = "M", .ssn = "123-45-6870"};
    struct folio_mpi_search_opts o = {.min_score = NAN};
    assert_int_equal(folio_mpi_search(&f->chart, &q, &o, &a, &cs, &n, &err), FOLIO_OK);
    assert_true(n >= 1);
    assert_int_equal(cs[0].patient_id, bill);
    assert_int_equal(cs[0].score.reasons[FOLIO_MPI_SSN].level, FOLIO_MPI_CLOSE);
    assert_int_equal(cs[0].score.reasons[FOLIO_MPI_GIVEN].level, FOLIO_MPI_CLOSE);
    assert_string_equal(cs[0].score.reasons[FOLIO_MPI_SSN].b, "***-**-6780");
    assert_string_equal(cs[0].ssn_last4, "6780");
    for (size_t i = 1; i < n; i++)
        assert_true(cs[i].score.score <= cs[i - 1].score.score);
    /* exact SSN alone finds him */
    struct folio_mpi_record q2 = {.ssn = "123456780"};
    assert_int_equal(folio_mpi_search(&f->chart, &q2, &o, &a, &cs, &n, &err), FOLIO_OK);
    assert_true(n >= 1);
    assert_int_equal(cs[0].patient_id, bill);
    assert_int_equal(cs[0].score.reasons[FOLIO_MPI_SSN].level, FOLIO_MPI_EXACT);
    /* nothing to search on */
    struct folio_mpi_record q3 = {.sex = "F"};
    assert_int_equal(folio_mpi_search(&f->chart, &q3, &o, &a, &cs, &n, &err), FOLIO_EINVAL);
    /* twins are scored, never linked */
    struct folio_mpi_score s;
    assert_int_equal(folio_mpi_score_patients(&f->chart, NULL, bill, twin, &s, &err), FOLIO_OK);
    assert_int_not_equal(s.decision, FOLIO_MPI_LINK);
    assert_int_equal(s.reasons[FOLIO_MPI_SSN].level, FOLIO_MPI_DISAGREE);
    folio_arena_release(&a);
}

static void test_duplicates_and_reindex(void **state)
{
    struct fx *f = *state;
    int64_t a1 = add(f, "Katherine", "Smith", "1975-06-30", "F", "555-12-3456", "5 Oak Ave",
                     "30301", "4045550000");
    int64_t a2 = add(f, "Kathy", "Smith-Jones", "1975-06-30", "F", "555-12-3457", "99 Pine Rd",
                     "30302", NULL);
    int64_t other = add(f, "Kathy", "Brown", "1990-01-01", "F", NULL, NULL, NULL, NULL);
    struct folio_arena a = {0};
    struct folio_err err = {0};
    struct folio_mpi_candidate *cs = NULL;
    size_t n = 0;
    assert_int_equal(folio_mpi_find_duplicates(&f->chart, a1, NULL, &a, &cs, &n, &err), FOLIO_OK);
    assert_true(n >= 1);
    assert_int_equal(cs[0].patient_id, a2);
    assert_int_equal(cs[0].score.reasons[FOLIO_MPI_SSN].level, FOLIO_MPI_CLOSE);
    assert_string_equal(cs[0].score.reasons[FOLIO_MPI_FAMILY].note, "hyphen part");
    for (size_t i = 0; i < n; i++)
        assert_int_not_equal(cs[i].patient_id, a1);
    /* after a reindex the same answers; unknown ids are ENOTFOUND */
    size_t count = 0;
    assert_int_equal(folio_mpi_reindex(&f->chart, NULL, NULL, &count, &err), FOLIO_OK);
    assert_int_equal(count, 3);
    struct folio_mpi_score s;
    assert_int_equal(folio_mpi_score_patients(&f->chart, NULL, a1, a2, &s, &err), FOLIO_OK);
    assert_true(s.score > 0);
    assert_int_equal(folio_mpi_score_patients(&f->chart, NULL, a1, 999999, &s, &err),
                     FOLIO_ENOTFOUND);
    assert_int_equal(folio_mpi_index_patient(&f->chart, 999999, &err), FOLIO_ENOTFOUND);
    /* without the key a patient is indexed without its SSN (no error); with it, SSN again */
    struct folio_chart nokey = {f->store, NULL, "tester"};
    int64_t has = -1;
    bool found = false;
    assert_int_equal(folio_mpi_index_patient(&nokey, a1, &err), FOLIO_OK);
    assert_int_equal(folio_store_query_i64(f->store,
                                           "SELECT has_ssn FROM mpi_person WHERE patient_id = ?",
                                           &a1, 1, &has, &found, &err),
                     FOLIO_OK);
    assert_true(found);
    assert_int_equal(has, 0);
    assert_int_equal(folio_mpi_index_patient(&nokey, other, &err), FOLIO_OK);
    assert_int_equal(folio_mpi_index_patient(&f->chart, a1, &err), FOLIO_OK);
    assert_int_equal(folio_store_query_i64(f->store,
                                           "SELECT has_ssn FROM mpi_person WHERE patient_id = ?",
                                           &a1, 1, &has, &found, &err),
                     FOLIO_OK);
    assert_int_equal(has, 1);
    folio_arena_release(&a);
}

static int count_pair(void *ctx, int64_t a, int64_t b, const struct folio_mpi_score *s)
{
    (void)a;
    (void)b;
    (void)s;
    (*(int *)ctx)++;
    return 0;
}

static void test_scan_pairs(void **state)
{
    struct fx *f = *state;
    (void)add(f, "John", "Doe", "1950-02-03", "M", "111-22-3333", "1 A St", "12345", NULL);
    (void)add(f, "Jon", "Doe", "1950-02-03", "M", "111-22-3334", "1 A Street", "12345", NULL);
    (void)add(f, "Jane", "Roe", "1960-02-03", "F", NULL, NULL, "99999", NULL);
    int found = 0;
    struct folio_err err = {0};
    assert_int_equal(folio_mpi_scan_pairs(&f->chart, NULL, NAN, count_pair, &found, &err), FOLIO_OK);
    assert_int_equal(found, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_search_ranked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicates_and_reindex, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scan_pairs, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

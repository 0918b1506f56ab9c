/* Tests of the MPI matching core (include/folio/mpi.h): comparators, scores, hard rules, batch
 * de-duplication, and the accuracy on a generated population (tests/mpi/gen.c). */
#include "folio/base.h"

#include <setjmp.h>
#include <cmocka.h>
#include <unistd.h>

#include "folio/mpi.h"

#include "../mpi/gen.c"

static void test_jaro_winkler(void **state)
{
    (void)state;
    assert_true(fabs(folio_mpi_jaro_winkler("martha", "marhta") - 0.9611) < 0.001);
    assert_true(fabs(folio_mpi_jaro_winkler("dwayne", "duane") - 0.84) < 0.001);
    assert_true(fabs(folio_mpi_jaro_winkler("dixon", "dicksonx") - 0.8133) < 0.001);
    assert_true(folio_mpi_jaro_winkler("abc", "abc") == 1.0);
    assert_true(folio_mpi_jaro_winkler("", "abc") == 0.0);
    assert_true(folio_mpi_jaro_winkler("abc", "xyz") == 0.0);
}

static void test_fold_nysiis_nicknames(void **state)
{
    (void)state;
    char out[64];
    folio_mpi_fold("José Muñoz-Peña", out, sizeof out, true);
    assert_string_equal(out, "jose munoz-pena");
    folio_mpi_fold("O'Brien", out, sizeof out, false);
    assert_string_equal(out, "obrien");
    folio_mpi_fold("Weiß", out, sizeof out, false);
    assert_string_equal(out, "weiss");
    char a[16], b[16];
    folio_mpi_nysiis("Macintosh", a, sizeof a);
    assert_string_equal(a, "MCANT");
    folio_mpi_nysiis("Knight", a, sizeof a);
    assert_string_equal(a, "NAGT");
    folio_mpi_nysiis("Schmidt", a, sizeof a);
    folio_mpi_nysiis("Schmid", b, sizeof b);
    assert_string_equal(a, b);
    folio_mpi_nysiis("Katherine", a, sizeof a);
    folio_mpi_nysiis("Catherine", b, sizeof b);
    assert_string_equal(a, b);
    assert_true(folio_mpi_nickname_match("Bill", "William"));
    assert_true(folio_mpi_nickname_match("Billy", "will"));
    assert_true(folio_mpi_nickname_match("Pepe", "José"));
    assert_true(folio_mpi_nickname_match("Paco", "Pancho"));
    assert_true(folio_mpi_nickname_match("Lupe", "Guadalupe"));
    assert_true(folio_mpi_nickname_match("Peggy", "Margaret"));
    assert_false(folio_mpi_nickname_match("Bill", "Robert"));
    assert_true(folio_mpi_nickname_count() >= 300);
    folio_mpi_nickname_canonical("Bob", out, sizeof out);
    assert_string_equal(out, "robert");
}

static struct folio_mpi_record base_rec(void)
{
    return (struct folio_mpi_record){
        .given = "William", .middle = "James", .family = "Garcia", .birth_date = "1961-04-12",
        .sex = "M", .address = "12 North Main Street Apt 4", .zip = "02139",
        .phone = "(617) 555-1234", .ssn = "123-45-6780", .email = "Bill.Garcia+x@example.org"};
}

static const struct folio_mpi_reason *why(const struct folio_mpi_score *s, enum folio_mpi_field f)
{
    return &s->reasons[f];
}

static void test_compare_levels(void **state)
{
    (void)state;
    struct folio_mpi_model m;
    folio_mpi_model_default(&m);
    struct folio_mpi_score s;
    struct folio_mpi_record a = base_rec(), b = base_rec();
    folio_mpi_compare(&m, &a, &b, &s);
    assert_int_equal(s.decision, FOLIO_MPI_LINK);
    for (int f = 0; f < FOLIO_MPI_NFIELDS; f++)
        if (f != FOLIO_MPI_SUFFIX)
            assert_int_equal(why(&s, (enum folio_mpi_field)f)->level, FOLIO_MPI_EXACT);
    assert_string_equal(why(&s, FOLIO_MPI_SSN)->a, "***-**-6780"); /* masked */

    b.given = "Bill";
    b.birth_date = "1961-12-04"; /* day/month swapped */
    b.ssn = "123-45-6870";       /* adjacent transposition */
    b.address = "12 N Main St";
    b.phone = "555-1234";
    b.email = "bill.garcia@other.org";
    folio_mpi_compare(&m, &a, &b, &s);
    assert_int_equal(why(&s, FOLIO_MPI_GIVEN)->level, FOLIO_MPI_CLOSE);
    assert_string_equal(why(&s, FOLIO_MPI_GIVEN)->note, "nickname");
    assert_int_equal(why(&s, FOLIO_MPI_BIRTH_DATE)->level, FOLIO_MPI_CLOSE);
    assert_int_equal(why(&s, FOLIO_MPI_SSN)->level, FOLIO_MPI_CLOSE);
    assert_int_equal(why(&s, FOLIO_MPI_ADDRESS)->level, FOLIO_MPI_EXACT);
    assert_int_equal(why(&s, FOLIO_MPI_PHONE)->level, FOLIO_MPI_CLOSE);
    assert_int_equal(why(&s, FOLIO_MPI_EMAIL)->level, FOLIO_MPI_CLOSE);
    assert_int_equal(s.decision, FOLIO_MPI_LINK);

    /* one digit off, year off by ten, missing values weigh nothing */
    b = base_rec();
    b.birth_date = "1971-04-12";
    b.ssn = "";
    b.phone = NULL;
    folio_mpi_compare(&m, &a, &b, &s);
    assert_int_equal(why(&s, FOLIO_MPI_BIRTH_DATE)->level, FOLIO_MPI_CLOSE);
    assert_int_equal(why(&s, FOLIO_MPI_SSN)->level, FOLIO_MPI_MISSING);
    assert_true(why(&s, FOLIO_MPI_SSN)->weight == 0.0);

    /* swapped given/family; hyphenated married name; previous name */
    b = base_rec();
    b.given = "Garcia";
    b.family = "William";
    folio_mpi_compare(&m, &a, &b, &s);
    assert_string_equal(why(&s, FOLIO_MPI_GIVEN)->note, "swapped");
    assert_int_equal(s.decision, FOLIO_MPI_LINK);
    b = base_rec();
    b.family = "Lopez-Garcia";
    folio_mpi_compare(&m, &a, &b, &s);
    assert_string_equal(why(&s, FOLIO_MPI_FAMILY)->note, "hyphen part");
    b.family = "Lopez";
    b.other_family = "Smith|Garcia";
    folio_mpi_compare(&m, &a, &b, &s);
    assert_string_equal(why(&s, FOLIO_MPI_FAMILY)->note, "previous name");

    /* the score is the sum of the reasons */
    double sum = 0;
    for (int f = 0; f < FOLIO_MPI_NFIELDS; f++)
        sum += s.reasons[f].weight;
    assert_true(fabs(sum - s.score) < 1e-9);
}

static void test_hard_rules(void **state)
{
    (void)state;
    struct folio_mpi_model m;
    folio_mpi_model_default(&m);
    struct folio_mpi_score s;
    /* father and son: same name, address, phone; Sr/Jr */
    struct folio_mpi_record a = base_rec(), b = base_rec();
    a.suffix = "Sr";
    b.suffix = "JR.";
    b.ssn = NULL;
    folio_mpi_compare(&m, &a, &b, &s);
    assert_true(s.rules & FOLIO_MPI_RULE_SUFFIX);
    assert_int_not_equal(s.decision, FOLIO_MPI_LINK);
    /* twins: same birth date, family, address, phone; different given; one SSN missing */
    a = base_rec();
    b = base_rec();
    b.given = "Robert";
    b.middle = NULL;
    b.ssn = NULL;
    b.email = NULL;
    folio_mpi_compare(&m, &a, &b, &s);
    assert_true(s.rules & FOLIO_MPI_RULE_TWINS);
    assert_int_not_equal(s.decision, FOLIO_MPI_LINK);
    /* twin sisters with similar names (Margarita / Margaret: Jaro-Winkler close, but neither
     * a nickname nor one keystroke): never linked without an agreeing SSN */
    a.given = "Margarita";
    a.sex = "F";
    b.given = "Margaret";
    b.sex = "F";
    folio_mpi_compare(&m, &a, &b, &s);
    assert_int_equal(s.reasons[FOLIO_MPI_GIVEN].level, FOLIO_MPI_CLOSE);
    assert_true(s.rules & FOLIO_MPI_RULE_TWINS);
    assert_int_not_equal(s.decision, FOLIO_MPI_LINK);
    /* ... while a one-keystroke typo of the same person still links */
    b.given = "Margarite";
    folio_mpi_compare(&m, &a, &b, &s);
    assert_false(s.rules & FOLIO_MPI_RULE_TWINS);
    assert_int_equal(s.decision, FOLIO_MPI_LINK);
    /* ... unless the middle names differ */
    b.middle = "Rosa";
    folio_mpi_compare(&m, &a, &b, &s);
    assert_true(s.rules & FOLIO_MPI_RULE_TWINS);
    b.middle = NULL;
    a = base_rec();
    /* boy/girl twins with close names */
    b.given = "Williamina";
    b.sex = "F";
    folio_mpi_compare(&m, &a, &b, &s);
    assert_true(s.rules & FOLIO_MPI_RULE_SEX_GIVEN);
    assert_int_not_equal(s.decision, FOLIO_MPI_LINK);
    /* different SSN, different given */
    b = base_rec();
    b.given = "Walter";
    b.ssn = "987-65-4321";
    folio_mpi_compare(&m, &a, &b, &s);
    assert_true(s.rules & FOLIO_MPI_RULE_SSN);
    assert_int_not_equal(s.decision, FOLIO_MPI_LINK);
    /* birth dates far apart (parent and child at one address) */
    b = base_rec();
    b.birth_date = "1989-07-30";
    b.ssn = NULL;
    folio_mpi_compare(&m, &a, &b, &s);
    assert_true(s.rules & FOLIO_MPI_RULE_BIRTH_DATE);
    assert_int_not_equal(s.decision, FOLIO_MPI_LINK);
}

struct links {
    uint32_t (*v)[2];
    size_t n, cap;
};
static void collect(void *ctx, size_t a, size_t b, const struct folio_mpi_score *s)
{
    struct links *l = ctx;
    if (s->decision != FOLIO_MPI_LINK)
        return;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 1024;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        assert_non_null(l->v);
    }
    l->v[l->n][0] = (uint32_t)a;
    l->v[l->n][1] = (uint32_t)b;
    l->n++;
}

/* Acceptance on a generated population: precision >= 0.995, F1 >= 0.98, no twins, no Jr/Sr. */
static void test_population_accuracy(void **state)
{
    (void)state;
    struct gen_pop pop;
    assert_true(gen_population(20000, 1, &pop));
    struct folio_mpi_record *recs = calloc(pop.n, sizeof *recs);
    assert_non_null(recs);
    for (size_t i = 0; i < pop.n; i++)
        gen_to_record(&pop.r[i], &recs[i]);
    struct links l = {0};
    struct folio_mpi_dedupe_opts o = {.threshold = NAN, .threads = 2};
    struct folio_mpi_dedupe_stats st;
    struct folio_err err = {0};
    assert_int_equal(folio_mpi_dedupe_records(recs, pop.n, &o, NAN, collect, &l, &st, &err),
                     FOLIO_OK);
    struct gen_eval e;
    gen_evaluate(&pop, (const uint32_t(*)[2])l.v, l.n, &e);
    print_message("precision %.4f recall %.4f F1 %.4f (TP %zu FP %zu FN %zu) twins %zu jrsr %zu\n",
                  e.precision, e.recall, e.f1, e.tp, e.fp, e.fn, e.twins_merged, e.jrsr_merged);
    assert_true(e.true_pairs > 1000);
    assert_true(e.precision >= 0.995);
    assert_true(e.f1 >= 0.98);
    assert_int_equal(e.twins_merged, 0);
    assert_int_equal(e.jrsr_merged, 0);
    free(l.v);
    free(recs);
    free(pop.r);
}

static char tmpdir[256];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *read_all(const char *path)
{
    struct folio_buf b;
    struct folio_err err = {0};
    folio_buf_init(&b, 0);
    assert_int_equal(folio_buf_read_file(&b, path, &err), FOLIO_OK);
    return folio_buf_detach(&b, NULL);
}

#define HDR "record_id,facility,mrn,given,middle,family,suffix,dob,sex,address,city,state,zip,phone,ssn,email\n"

static void test_dedupe_file(void **state)
{
    (void)state;
    char in[300], out[300], rev[300];
    folio_snprintf(in, sizeof in, "%s/in.csv", tmpdir);
    folio_snprintf(out, sizeof out, "%s/out.csv", tmpdir);
    folio_snprintf(rev, sizeof rev, "%s/review.csv", tmpdir);
    write_file(in, HDR
               "b2,MAIN,1,William,J,Garcia,,1961-04-12,M,12 Main St,Boston,MA,02139,6175551234,123456780,\n"
               "a1,EAST,9,Bill,,Garcia,,1961-04-12,M,12 Main Street,Boston,MA,02139,617-555-1234,123-45-6780,\n"
               "c3,EAST,7,Robert,,Garcia,,1961-04-12,M,12 Main St,Boston,MA,02139,6175551234,,\n"
               "d4,EAST,8,,,,,,,,,,,,,\n");
    struct folio_mpi_dedupe_opts o = {.threshold = NAN};
    struct folio_mpi_dedupe_stats st;
    struct folio_err err = {0};
    assert_int_equal(folio_mpi_dedupe_file(in, out, rev, &o, &st, &err), FOLIO_OK);
    char *text = read_all(out);
    assert_true(strncmp(text, "record_id_a,record_id_b,score\na1,b2,", 36) == 0);
    assert_null(strstr(text, "c3")); /* the twin-like record is not linked */
    free(text);
    text = read_all(rev);
    assert_non_null(strstr(text, "c3"));
    assert_non_null(strstr(text, "twins"));
    free(text);

    /* bad input names the line, the field and the value */
    write_file(in, HDR "x1,,,A,,B,,1961-13-01,,,,,,,,\n");
    assert_int_equal(folio_mpi_dedupe_file(in, out, NULL, &o, &st, &err), FOLIO_EINVAL);
    assert_non_null(strstr(err.msg, "in.csv:2"));
    assert_non_null(strstr(err.msg, "dob"));
    assert_non_null(strstr(err.msg, "1961-13-01"));
    write_file(in, HDR "x1,,,A,,B,,,,,,,,,12-34,\nx1,,,A,,B,,,,,,,,,,\n");
    assert_int_equal(folio_mpi_dedupe_file(in, out, NULL, &o, &st, &err), FOLIO_EINVAL);
    assert_non_null(strstr(err.msg, "ssn"));
    write_file(in, HDR "x1,,,A,,B,,,,,,,,,,\nx1,,,A,,B,,,,,,,,,,\n");
    assert_int_equal(folio_mpi_dedupe_file(in, out, NULL, &o, &st, &err), FOLIO_EINVAL);
    assert_non_null(strstr(err.msg, ":3"));
    assert_non_null(strstr(err.msg, "record_id"));
    write_file(in, "record_id,given\nx,y\n");
    assert_int_equal(folio_mpi_dedupe_file(in, out, NULL, &o, &st, &err), FOLIO_EPARSE);
    assert_non_null(strstr(err.msg, "missing column"));
}

static void test_em(void **state)
{
    (void)state;
    struct folio_mpi_model m;
    folio_mpi_model_default(&m);
    struct folio_err err = {0};
    assert_int_equal(folio_mpi_em_estimate(&m, NULL, 0, NULL, &err), FOLIO_EINVAL);
    /* 90% clear non-matches, 10% clear matches */
    size_t n = 1000;
    unsigned char *lv = calloc(n * FOLIO_MPI_NFIELDS, 1);
    assert_non_null(lv);
    for (size_t i = 0; i < n; i++)
        for (int f = 0; f < FOLIO_MPI_NFIELDS; f++)
            lv[i * FOLIO_MPI_NFIELDS + (size_t)f] =
                f == FOLIO_MPI_SUFFIX ? FOLIO_MPI_MISSING
                : i % 10 == 0         ? FOLIO_MPI_EXACT
                                      : (i + (size_t)f) % 7 == 0 ? FOLIO_MPI_EXACT : FOLIO_MPI_DISAGREE;
    double p = 0;
    assert_int_equal(folio_mpi_em_estimate(&m, lv, n, &p, &err), FOLIO_OK);
    assert_true(p > 0.05 && p < 0.2);
    for (int f = 0; f < FOLIO_MPI_NFIELDS; f++) {
        if (f == FOLIO_MPI_SUFFIX)
            continue;
        assert_true(m.w[f][FOLIO_MPI_EXACT] > 0);
        assert_true(m.w[f][FOLIO_MPI_DISAGREE] < 0);
    }
    free(lv);
}

static int setup(void **state)
{
    (void)state;
    folio_snprintf(tmpdir, sizeof tmpdir, "/tmp/folio_mpi_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    const char *names[] = {"in.csv", "out.csv", "review.csv"};
    for (size_t i = 0; i < 3; i++) {
        char p[300];
        folio_snprintf(p, sizeof p, "%s/%s", tmpdir, names[i]);
        remove(p);
    }
    rmdir(tmpdir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jaro_winkler),        cmocka_unit_test(test_fold_nysiis_nicknames),
        cmocka_unit_test(test_compare_levels),      cmocka_unit_test(test_hard_rules),
        cmocka_unit_test(test_dedupe_file),         cmocka_unit_test(test_em),
        cmocka_unit_test(test_population_accuracy),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

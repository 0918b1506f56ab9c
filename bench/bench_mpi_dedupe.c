/* MPI batch de-duplication: generated populations (tests/mpi/gen.c), precision/recall/F1 and
 * time. Figures only; never fails on them.
 *   bench_mpi_dedupe                         10k and 100k records, two seeds each (in memory)
 *   bench_mpi_dedupe gen N SEED records.csv truth.csv   write a population as dedupe input
 *   bench_mpi_dedupe eval truth.csv pairs.csv           score `folio mpi dedupe` output */
#include "folio/base.h"
#include "folio/csv.h"
#include "folio/mpi.h"

#include "../tests/mpi/gen.c"

#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct collect {
    uint32_t (*v)[2];
    size_t n, cap;
};

static void on_pair(void *ctx, size_t a, size_t b, const struct folio_mpi_score *s)
{
    struct collect *c = ctx;
    if (s->decision != FOLIO_MPI_LINK)
        return;
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 4096;
        void *p = realloc(c->v, nc * sizeof *c->v);
        if (!p)
            return;
        c->v = p;
        c->cap = nc;
    }
    c->v[c->n][0] = (uint32_t)a;
    c->v[c->n][1] = (uint32_t)b;
    c->n++;
}

static int run_mem(size_t n, uint64_t seed, bool em)
{
    struct gen_pop pop;
    if (!gen_population(n, seed, &pop))
        return 1;
    struct folio_mpi_record *recs = calloc(pop.n, sizeof *recs);
    if (!recs)
        return 1;
    for (size_t i = 0; i < pop.n; i++)
        gen_to_record(&pop.r[i], &recs[i]);
    struct collect c = {0};
    struct folio_mpi_model model;
    folio_mpi_model_default(&model);
    const char *hi = getenv("FOLIO_MPI_HIGH");
    if (hi && folio_sv_to_double(folio_sv_from(hi), &model.high))
        return 2;
    struct folio_mpi_dedupe_opts o = {.model = &model, .threshold = NAN, .em = em, .threads = 2};
    struct folio_mpi_dedupe_stats st;
    struct folio_err err = {0};
    double t0 = now_s();
    enum folio_rc rc = folio_mpi_dedupe_records(recs, pop.n, &o, NAN, on_pair, &c, &st, &err);
    double t1 = now_s();
    if (rc) {
        fprintf(stderr, "dedupe: %s\n", err.msg);
        return 1;
    }
    struct gen_eval e;
    gen_evaluate(&pop, (const uint32_t(*)[2])c.v, c.n, &e);
    if (getenv("FOLIO_MPI_SHOW_FP"))
        for (size_t i = 0; i < c.n; i++) {
            const struct gen_rec *a = &pop.r[c.v[i][0]], *b = &pop.r[c.v[i][1]];
            if (a->person != b->person)
                fprintf(stderr, "FP %s %s %s %s | %s %s %s %s | tw %u %u\n", a->given, a->family,
                        a->dob, a->ssn, b->given, b->family, b->dob, b->ssn, a->twin_group,
                        b->twin_group);
        }
    printf("n=%zu seed=%llu em=%d  pairs compared %zu  links %zu reviews %zu  true pairs %zu  "
           "TP %zu FP %zu FN %zu  precision %.4f recall %.4f F1 %.4f  twins merged %zu Jr/Sr "
           "merged %zu  %.2f s\n",
           n, (unsigned long long)seed, em, st.candidate_pairs, st.links, st.reviews,
           e.true_pairs, e.tp, e.fp, e.fn, e.precision, e.recall, e.f1, e.twins_merged,
           e.jrsr_merged, t1 - t0);
    free(c.v);
    free(recs);
    free(pop.r);
    return 0;
}

static void csvf(FILE *f, const char *s, char sep)
{
    if (strpbrk(s, ",\"")) {
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else
        fputs(s, f);
    fputc(sep, f);
}

static int gen_files(size_t n, uint64_t seed, const char *out, const char *truth)
{
    struct gen_pop pop;
    if (!gen_population(n, seed, &pop))
        return 1;
    FILE *f = fopen(out, "w"), *t = fopen(truth, "w");
    if (!f || !t)
        return 1;
    fputs("record_id,facility,mrn,given,middle,family,suffix,dob,sex,address,city,state,zip,phone,"
          "ssn,email\n",
          f);
    fputs("record_id,person,twin_group,jr_group\n", t);
    for (size_t i = 0; i < pop.n; i++) {
        const struct gen_rec *r = &pop.r[i];
        char mrn[16];
        folio_snprintf(mrn, sizeof mrn, "M%07zu", i + 1);
        csvf(f, r->id, ',');
        csvf(f, i % 3 ? "MAIN" : "EAST", ',');
        csvf(f, mrn, ',');
        csvf(f, r->given, ',');
        csvf(f, r->middle, ',');
        csvf(f, r->family, ',');
        csvf(f, r->suffix, ',');
        csvf(f, r->dob, ',');
        csvf(f, r->sex, ',');
        csvf(f, r->address, ',');
        csvf(f, r->city, ',');
        csvf(f, r->state, ',');
        csvf(f, r->zip, ',');
        csvf(f, r->phone, ',');
        csvf(f, r->ssn, ',');
        csvf(f, r->email, '\n');
        fprintf(t, "%s,%u,%u,%u\n", r->id, r->person, r->twin_group, r->jr_group);
    }
    fclose(f);
    fclose(t);
    free(pop.r);
    return 0;
}

/* record ids are "R%07zu" from 1: index = number - 1 */
static bool id_index(const char *id, size_t n, uint32_t *out)
{
    int64_t v = 0;
    if (id[0] != 'R' || folio_sv_to_i64(folio_sv_from(id + 1), &v) || v < 1 || (size_t)v > n)
        return false;
    *out = (uint32_t)(v - 1);
    return true;
}

static int eval_files(const char *truth, const char *pairs)
{
    struct folio_err err = {0};
    struct folio_csv *c = NULL;
    struct gen_pop pop = {0};
    size_t cap = 0;
    int rc = 1;
    if (folio_csv_open_file(truth, NULL, NULL, &c, &err) || folio_csv_read_header(c, &err))
        goto out;
    for (;;) {
        bool have = false;
        if (folio_csv_next(c, &have, &err))
            goto out;
        if (!have)
            break;
        if (pop.n == cap) {
            cap = cap ? cap * 2 : 65536;
            void *p = realloc(pop.r, cap * sizeof *pop.r);
            if (!p)
                goto out;
            pop.r = p;
        }
        struct gen_rec *r = &pop.r[pop.n++];
        memset(r, 0, sizeof *r);
        int64_t v[3] = {0, 0, 0};
        for (int k = 0; k < 3; k++)
            if (folio_sv_to_i64(folio_csv_sv(c, k + 1), &v[k]))
                goto out;
        r->person = (uint32_t)v[0];
        r->twin_group = (uint32_t)v[1];
        r->jr_group = (uint32_t)v[2];
    }
    folio_csv_free(c);
    c = NULL;
    struct collect col = {0};
    if (folio_csv_open_file(pairs, NULL, NULL, &c, &err) || folio_csv_read_header(c, &err))
        goto out;
    for (;;) {
        bool have = false;
        if (folio_csv_next(c, &have, &err))
            goto out;
        if (!have)
            break;
        uint32_t a, b;
        if (!id_index(folio_csv_get(c, 0), pop.n, &a) || !id_index(folio_csv_get(c, 1), pop.n, &b))
            goto out;
        struct folio_mpi_score s = {.decision = FOLIO_MPI_LINK};
        on_pair(&col, a, b, &s);
    }
    struct gen_eval e;
    gen_evaluate(&pop, (const uint32_t(*)[2])col.v, col.n, &e);
    printf("records %zu  true pairs %zu  output pairs %zu  TP %zu FP %zu FN %zu  precision %.4f "
           "recall %.4f F1 %.4f  twins merged %zu Jr/Sr merged %zu\n",
           pop.n, e.true_pairs, col.n, e.tp, e.fp, e.fn, e.precision, e.recall, e.f1,
           e.twins_merged, e.jrsr_merged);
    free(col.v);
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "eval: %s\n", err.msg[0] ? err.msg : "bad truth or pairs file");
    folio_csv_free(c);
    free(pop.r);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 6 && !strcmp(argv[1], "gen")) {
        int64_t n = 0, seed = 0;
        if (folio_sv_to_i64(folio_sv_from(argv[2]), &n) || n < 1 ||
            folio_sv_to_i64(folio_sv_from(argv[3]), &seed))
            return 2;
        return gen_files((size_t)n, (uint64_t)seed, argv[4], argv[5]);
    }
    if (argc == 4 && !strcmp(argv[1], "eval"))
        return eval_files(argv[2], argv[3]);
    if (argc == 4 && !strcmp(argv[1], "mem")) {
        int64_t n = 0, seed = 0;
        if (folio_sv_to_i64(folio_sv_from(argv[2]), &n) || n < 1 ||
            folio_sv_to_i64(folio_sv_from(argv[3]), &seed))
            return 2;
        return run_mem((size_t)n, (uint64_t)seed, getenv("FOLIO_MPI_EM") != NULL);
    }
    int rc = 0;
    size_t sizes[] = {10000, 100000};
    for (size_t i = 0; i < 2; i++)
        for (uint64_t seed = 1; seed <= 2; seed++)
            rc |= run_mem(sizes[i], seed, false);
    rc |= run_mem(100000, 3, true);
    return rc;
}

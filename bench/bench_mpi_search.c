/* MPI identity search latency with N patients in the index (SQLite). Setup writes patients and
 * their index rows (mpi_person, mpi_key) with direct bulk SQL, exactly as folio_mpi_index_patient
 * would; then it times folio_mpi_search with registration-like queries (one person's identity
 * with registration errors: nickname, typo, date error, missing SSN ...).
 *   bench_mpi_search [N] [DB_PATH]     N defaults to $FOLIO_BENCH_N or 10000 */
#include "folio/base.h"
#include "folio/crypto.h"
#include "folio/mpi.h"
#include "folio/store.h"
#include "mpi/mpi_int.h"

#include "../tests/mpi/gen.c"

#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int dcmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if ((x) != FOLIO_OK) {                                                                     \
            fprintf(stderr, "bench_mpi_search: %s:%d: %s\n", __FILE__, __LINE__, err.msg);         \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

static enum folio_rc ins_key(struct folio_stmt *st, const char *k, int64_t pid,
                             struct folio_err *err)
{
    bool row;
    enum folio_rc rc = folio_stmt_reset(st, err);
    if (!rc)
        rc = folio_stmt_bind_text(st, 1, k, (size_t)-1);
    if (!rc)
        rc = folio_stmt_bind_i64(st, 2, pid);
    if (!rc)
        rc = folio_stmt_step(st, &row, err);
    return rc;
}

int main(int argc, char **argv)
{
    int64_t n = 10000;
    const char *env = getenv("FOLIO_BENCH_N");
    if (argc > 1 && folio_sv_to_i64(folio_sv_from(argv[1]), &n))
        return 2;
    else if (argc <= 1 && env && folio_sv_to_i64(folio_sv_from(env), &n))
        return 2;
    char path[256];
    if (argc > 2)
        folio_strlcpy(path, argv[2], sizeof path);
    else
        folio_snprintf(path, sizeof path, "/tmp/folio_bench_mpi_%d.db", (int)getpid());
    char url[300];
    folio_snprintf(url, sizeof url, "sqlite:%s", path);
    struct folio_err err = {0};
    struct folio_store *s = NULL;
    struct folio_key key;
    memset(key.k, 3, sizeof key.k);
    CHECK(folio_store_open(url, &s, &err));
    CHECK(folio_store_migrate(s, NULL, &err));
    struct folio_chart chart = {s, &key, "bench"};
    struct gen_pop pop;
    if (!gen_population((size_t)n, 11, &pop))
        return 1;
    double t0 = now_s();
    bool have = false;
    int64_t existing = 0;
    CHECK(folio_store_query_i64(s, "SELECT COUNT(*) FROM mpi_person", NULL, 0, &existing, &have,
                                &err));
    if (existing < n) {
        struct folio_stmt *sp = NULL, *sn = NULL, *sm = NULL, *sk = NULL;
        CHECK(folio_store_begin(s, &err));
        CHECK(folio_store_prepare(s,
                                  "INSERT INTO patient (birth_date, sex, email, created_at, "
                                  "created_by, updated_at, updated_by) VALUES (?,?,?,'2026-01-01',"
                                  "'bench','2026-01-01','bench') RETURNING id",
                                  &sp, &err));
        CHECK(folio_store_prepare(s,
                                  "INSERT INTO patient_name (patient_id, name_use, family, given, "
                                  "family_fold, given_fold, created_at, created_by) VALUES "
                                  "(?,'official',?,?,?,?,'2026-01-01','bench')",
                                  &sn, &err));
        CHECK(folio_store_prepare(s,
                                  "INSERT INTO mpi_person (patient_id, given, middle, family, "
                                  "suffix, birth_date, sex, address, zip, phone, email, "
                                  "ssn_last4, has_ssn) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                                  &sm, &err));
        CHECK(folio_store_prepare(s, "INSERT INTO mpi_key (mkey, patient_id) VALUES (?,?)", &sk,
                                  &err));
        for (size_t i = 0; i < pop.n; i++) {
            const struct gen_rec *g = &pop.r[i];
            bool row;
            int64_t pid = 0;
            CHECK(folio_stmt_reset(sp, &err));
            CHECK(folio_stmt_bind_text(sp, 1, g->dob, (size_t)-1));
            CHECK(folio_stmt_bind_text(sp, 2, g->sex[0] ? g->sex : "U", (size_t)-1));
            CHECK(folio_stmt_bind_text(sp, 3, g->email[0] ? g->email : NULL, (size_t)-1));
            CHECK(folio_stmt_step(sp, &row, &err));
            pid = folio_stmt_column_i64(sp, 0);
            CHECK(folio_stmt_step(sp, &row, &err));
            char ff[64], gf[64];
            folio_mpi_fold(g->family, ff, sizeof ff, true);
            folio_mpi_fold(g->given, gf, sizeof gf, true);
            CHECK(folio_stmt_reset(sn, &err));
            CHECK(folio_stmt_bind_i64(sn, 1, pid));
            CHECK(folio_stmt_bind_text(sn, 2, g->family, (size_t)-1));
            CHECK(folio_stmt_bind_text(sn, 3, g->given, (size_t)-1));
            CHECK(folio_stmt_bind_text(sn, 4, ff, (size_t)-1));
            CHECK(folio_stmt_bind_text(sn, 5, gf, (size_t)-1));
            CHECK(folio_stmt_step(sn, &row, &err));
            char digits[10] = "";
            size_t nd = 0;
            for (const char *p = g->ssn; *p && nd < 9; p++)
                if (*p >= '0' && *p <= '9')
                    digits[nd++] = *p;
            digits[nd] = '\0';
            bool has_ssn = nd == 9;
            const char *v[] = {g->given, g->middle, g->family, g->suffix, g->dob, g->sex,
                               g->address, g->zip, g->phone, g->email,
                               has_ssn ? digits + 5 : ""};
            CHECK(folio_stmt_reset(sm, &err));
            CHECK(folio_stmt_bind_i64(sm, 1, pid));
            for (int k = 0; k < 11; k++)
                CHECK(folio_stmt_bind_text(sm, k + 2, v[k][0] ? v[k] : NULL, (size_t)-1));
            CHECK(folio_stmt_bind_i64(sm, 13, has_ssn));
            CHECK(folio_stmt_step(sm, &row, &err));
            struct folio_mpi_record r;
            gen_to_record(g, &r);
            r.ssn = NULL;
            struct mpi_prep p;
            mpix_prepare(&r, &p);
            char keys[MPI_MAX_KEYS][MPI_KEY_LEN];
            size_t nk = mpix_block_keys(&p, false, keys);
            for (size_t k = 0; k < nk; k++)
                CHECK(ins_key(sk, keys[k], pid, &err));
            if (has_ssn) {
                char bidx[FOLIO_SHA256_HEX_LEN + 1], kk[100], masks[8][10];
                folio_blind_index(&key, digits, 9, bidx);
                folio_snprintf(kk, sizeof kk, "s:%s", bidx);
                CHECK(ins_key(sk, kk, pid, &err));
                mpix_ssn_masks(digits, masks);
                for (int k = 0; k < 8; k++) {
                    folio_blind_index(&key, masks[k], 9, bidx);
                    bidx[32] = '\0';
                    folio_snprintf(kk, sizeof kk, "v%d:%s", k, bidx);
                    CHECK(ins_key(sk, kk, pid, &err));
                }
            }
            if (i % 50000 == 49999) {
                CHECK(folio_store_commit(s, &err));
                CHECK(folio_store_begin(s, &err));
            }
        }
        folio_stmt_free(sp);
        folio_stmt_free(sn);
        folio_stmt_free(sm);
        folio_stmt_free(sk);
        CHECK(folio_store_commit(s, &err));
        CHECK(folio_store_exec(s, "ANALYZE", &err));
    }
    double t1 = now_s();
    /* queries: registration-like variants of existing people */
    size_t nq = 2000;
    double *lat = calloc(nq, sizeof *lat);
    if (!lat)
        return 1;
    size_t found_top = 0, total_c = 0;
    gen_state = 99;
    unsigned n_zip = (unsigned)(pop.n / 800 + 20);
    for (size_t q = 0; q < nq; q++) {
        size_t i = gen_u((unsigned)pop.n);
        struct gen_rec d;
        gen_dup(&pop.r[i], &d, n_zip);
        struct folio_mpi_record r;
        gen_to_record(&d, &r);
        r.email = NULL;
        struct folio_arena a = {0};
        struct folio_mpi_candidate *cs = NULL;
        size_t nc = 0;
        struct folio_mpi_search_opts o = {.min_score = NAN};
        double q0 = now_s();
        CHECK(folio_mpi_search(&chart, &r, &o, &a, &cs, &nc, &err));
        lat[q] = (now_s() - q0) * 1000.0;
        total_c += nc;
        if (nc && cs[0].patient_id == (int64_t)i + 1)
            found_top++;
        folio_arena_release(&a);
    }
    qsort(lat, nq, sizeof *lat, dcmp);
    printf("mpi search: %lld patients (setup %.1f s), %zu queries: p50 %.2f ms, p90 %.2f ms, "
           "p99 %.2f ms, max %.2f ms; the person searched for ranked first in %.1f%%, %.1f "
           "candidates per query\n",
           (long long)n, t1 - t0, nq, lat[nq / 2], lat[nq * 9 / 10], lat[nq * 99 / 100],
           lat[nq - 1], 100.0 * (double)found_top / (double)nq, (double)total_c / (double)nq);
    free(lat);
    free(pop.r);
    folio_store_close(s);
    if (argc <= 2) {
        remove(path);
        char side[300];
        folio_snprintf(side, sizeof side, "%s-wal", path);
        remove(side);
        folio_snprintf(side, sizeof side, "%s-shm", path);
        remove(side);
    }
    return 0;
}

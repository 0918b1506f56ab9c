/* Encoder search latency per keystroke. Loads the ICD-10-CM order file and the ICD-10-PCS
 * tables (and definitions) from ../shared/data/codesets (or $FOLIO_SHARED/data/codesets), builds
 * the index, then replays bench/encoder/queries.txt: every keystroke prefix of every query
 * ("c", "ch", "chf") is one timed search (20 hits). Prints p50/p90/p99/max.
 *   bench_encoder [QUERIES_FILE]      (numeric arguments from scripts/run-bench.sh are ignored) */
#include "folio/base.h"
#include "folio/encoder.h"

#include <time.h>

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

struct timed {
    double us;
    char q[128];
};

static int tcmp(const void *a, const void *b)
{
    return dcmp(&((const struct timed *)b)->us, &((const struct timed *)a)->us);
}

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if ((x) != FOLIO_OK) {                                                                     \
            fprintf(stderr, "bench_encoder: %s:%d: %s\n", __FILE__, __LINE__, err.msg);            \
            goto out;                                                                              \
        }                                                                                          \
    } while (0)

int main(int argc, char **argv)
{
    int status = 1;
    struct folio_err err;
    struct folio_encoder *enc = NULL;
    struct folio_enc_searcher *s = NULL;
    struct folio_pcs_tables *pcs = NULL;
    struct folio_buf qb;
    struct folio_enc_results *res = malloc(sizeof *res);
    struct timed *t = NULL;
    double *us = NULL;
    folio_buf_init(&qb, 0);
    memset(&err, 0, sizeof err);

    char here[512], shared[512], p1[600], p2[600], p3[600], qpath[600];
    folio_strlcpy(here, __FILE__, sizeof here);
    char *slash = strrchr(here, '/');
    if (slash)
        *slash = '\0';
    else
        folio_strlcpy(here, ".", sizeof here);
    const char *env = getenv("FOLIO_SHARED");
    if (env && env[0])
        folio_strlcpy(shared, env, sizeof shared);
    else
        (void)folio_snprintf(shared, sizeof shared, "%s/../../shared", here);
    (void)folio_snprintf(p1, sizeof p1, "%s/data/codesets/icd10cm/fy2021/icd10cm-order-Jan-2021.txt",
                         shared);
    (void)folio_snprintf(p2, sizeof p2, "%s/data/codesets/icd10pcs/icd10pcs_tables_2026.xml", shared);
    (void)folio_snprintf(p3, sizeof p3, "%s/data/codesets/icd10pcs/icd10pcs_definitions_2026.xml",
                         shared);
    (void)folio_snprintf(qpath, sizeof qpath, "%s/encoder/queries.txt", here);
    for (int i = 1; i < argc; i++)
        if (argv[i][0] < '0' || argv[i][0] > '9')
            folio_strlcpy(qpath, argv[i], sizeof qpath);
    if (res == NULL)
        goto out;

    double t0 = now_s();
    CHECK(folio_pcs_tables_load(p2, p3, &pcs, &err));
    CHECK(folio_encoder_new(&enc, &err));
    CHECK(folio_encoder_add_order_file(enc, FOLIO_CS_ICD10CM, p1, &err));
    CHECK(folio_encoder_add_pcs_tables(enc, pcs, &err));
    double t1 = now_s();
    CHECK(folio_encoder_finish(enc, &err));
    double t2 = now_s();
    CHECK(folio_enc_searcher_new(enc, &s, &err));
    struct folio_encoder_stats st;
    folio_encoder_stats(enc, &st);
    printf("encoder: %zu codes (%zu searchable by words), %zu words, %zu postings, %zu synonyms, "
           "%.1f MiB\n",
           st.n_codes, st.n_indexed, st.n_tokens, st.n_postings, st.n_synonyms,
           (double)st.bytes / (1024.0 * 1024.0));
    printf("load files %.2f s, build index %.2f s\n", t1 - t0, t2 - t1);

    CHECK(folio_buf_read_file(&qb, qpath, &err));
    /* the keystroke prefixes */
    size_t n = 0, cap = 0, n_queries = 0;
    struct folio_sv rest = {qb.data, qb.len}, line;
    while (rest.len > 0 && folio_sv_next_field(&rest, '\n', &line)) {
        line = folio_sv_trim(line);
        if (line.len == 0 || line.p[0] == '#' || line.len >= 128)
            continue;
        n_queries++;
        for (size_t k = 1; k <= line.len; k++) {
            if (line.p[k - 1] == ' ')
                continue; /* a space adds nothing to search */
            if (n == cap) {
                cap = cap ? cap * 2 : 4096;
                struct timed *nt = realloc(t, cap * sizeof *t);
                if (nt == NULL)
                    goto out;
                t = nt;
            }
            memcpy(t[n].q, line.p, k);
            t[n].q[k] = '\0';
            t[n].us = 0;
            n++;
        }
    }
    if (n == 0) {
        fprintf(stderr, "bench_encoder: no queries in %s\n", qpath);
        goto out;
    }
    us = malloc(n * sizeof *us);
    if (us == NULL)
        goto out;
    size_t hits = 0, empty = 0;
    for (int round = 0; round < 2; round++) { /* round 0 warms the caches */
        for (size_t i = 0; i < n; i++) {
            double a = now_s();
            CHECK(folio_enc_search(s, t[i].q, 0, 20, res, &err));
            double b = now_s();
            t[i].us = (b - a) * 1e6;
            us[i] = t[i].us;
            if (round == 1) {
                hits += res->n;
                empty += res->n == 0;
            }
        }
    }
    qsort(us, n, sizeof *us, dcmp);
    printf("%zu queries, %zu keystroke searches (20 hits each at most; %zu with no hit)\n",
           n_queries, n, empty);
    printf("latency per keystroke: p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms\n",
           us[n / 2] / 1000.0, us[n * 90 / 100] / 1000.0, us[n * 99 / 100] / 1000.0,
           us[n - 1] / 1000.0);
    qsort(t, n, sizeof *t, tcmp);
    printf("slowest:");
    for (size_t i = 0; i < 5 && i < n; i++)
        printf(" \"%s\" %.2f ms;", t[i].q, t[i].us / 1000.0);
    printf("\n");
    (void)hits;
    status = 0;
out:
    folio_enc_searcher_free(s);
    folio_encoder_free(enc);
    folio_pcs_tables_free(pcs);
    folio_buf_release(&qb);
    free(res);
    free(t);
    free(us);
    return status;
}

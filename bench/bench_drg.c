/* MS-DRG grouper throughput on one core, input parsing included. Loads the v43.1 grouper and
 * MCE tables from ../shared/data/codesets (or $FOLIO_SHARED/data/codesets), reads
 * msdrg-v431/cases.tsv into memory once, then parses and groups it again and again (through the
 * claim reader over the in-memory bytes, as `folio group` reads a file) for about two seconds of
 * CPU per figure. Prints claims per second of this thread's CPU time (one core, whatever else the
 * machine runs; the wall time is shown too) for: parsing only; grouping claims parsed beforehand;
 * parsing + grouping (the acceptance figure); parsing + MCE + grouping (all of `folio group` but
 * the output); and the table load times.
 *   bench_drg [SECONDS] [CASES_FILE]   (SECONDS defaults to 2; an argument that is not a
 *   number is the cases file) */
#include "folio/base.h"
#include "folio/drg.h"
#include "folio/edits.h"

#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this thread: the figure of one core, whatever else the machine runs. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

enum mode { PARSE, GROUP, MCE_GROUP };

struct run {
    const struct folio_drg_version *v;
    const struct folio_mce *mce;
    struct folio_claim *claim;
    struct folio_drg_result *res;
    struct folio_mce_result *mres;
    unsigned long checksum; /* keeps the work observable */
};

/* One pass over the bytes; returns the claims read, or -1 on error. */
static long one_pass(struct run *r, const char *data, size_t len, enum mode m,
                     struct folio_err *err)
{
    FILE *f = fmemopen((void *)(uintptr_t)data, len, "rb");
    struct folio_claim_reader *rd = NULL;
    long n = 0;
    bool have = true;

    if (f == NULL)
        return -1;
    if (folio_claim_reader_open(f, "cases.tsv", &rd, err) != FOLIO_OK) {
        fclose(f);
        return -1;
    }
    for (;;) {
        if (folio_claim_reader_next(rd, r->claim, &have, err) != FOLIO_OK) {
            n = -1;
            break;
        }
        if (!have)
            break;
        n++;
        if (m == MCE_GROUP &&
            folio_mce_edit(r->mce, r->claim, 20260415, 5, r->mres, err) != FOLIO_OK) {
            n = -1;
            break;
        }
        if (m != PARSE) {
            if (folio_drg_group(r->v, r->claim, r->res, err) != FOLIO_OK) {
                n = -1;
                break;
            }
            r->checksum += r->res->final.drg;
        } else {
            r->checksum += r->claim->nsdx;
        }
    }
    folio_claim_reader_free(rd);
    fclose(f);
    return n;
}

static int measure(struct run *r, const char *data, size_t len, enum mode m, double seconds,
                   const char *what, struct folio_err *err)
{
    long total = 0, n;
    double w0 = now_s(), c0 = cpu_s(), c;

    do {
        n = one_pass(r, data, len, m, err);
        if (n < 0) {
            fprintf(stderr, "bench_drg: %s\n", err->msg);
            return 1;
        }
        total += n;
        c = cpu_s() - c0;
    } while (c < seconds);
    printf("%-22s %9.0f claims/s of CPU (%5.2f us/claim; %ld claims, %.2f s CPU, "
           "%.2f s wall)\n",
           what, (double)total / c, 1e6 * c / (double)total, total, c, now_s() - w0);
    return 0;
}

/* Grouping alone: the claims parsed once into memory, then grouped again and again. */
static int measure_group_only(struct run *r, const char *data, size_t len, double seconds,
                              struct folio_err *err)
{
    FILE *f = fmemopen((void *)(uintptr_t)data, len, "rb");
    struct folio_claim_reader *rd = NULL;
    struct folio_claim *all = NULL;
    size_t n = 0, cap = 0;
    long total = 0;
    bool have = true;
    double w0, c0, c;
    int status = 1;

    if (f == NULL || folio_claim_reader_open(f, "cases.tsv", &rd, err) != FOLIO_OK)
        goto out;
    for (;;) {
        if (n == cap) {
            struct folio_claim *na = realloc(all, (cap ? cap * 2 : 1024) * sizeof *na);
            if (na == NULL)
                goto out;
            all = na;
            cap = cap ? cap * 2 : 1024;
        }
        if (folio_claim_reader_next(rd, &all[n], &have, err) != FOLIO_OK)
            goto out;
        if (!have)
            break;
        n++;
    }
    w0 = now_s();
    c0 = cpu_s();
    do {
        for (size_t i = 0; i < n; i++) {
            if (folio_drg_group(r->v, &all[i], r->res, err) != FOLIO_OK)
                goto out;
            r->checksum += r->res->final.drg;
        }
        total += (long)n;
        c = cpu_s() - c0;
    } while (c < seconds);
    printf("%-22s %9.0f claims/s of CPU (%5.2f us/claim; %ld claims, %.2f s CPU, "
           "%.2f s wall)\n",
           "group (pre-parsed)", (double)total / c, 1e6 * c / (double)total, total, c,
           now_s() - w0);
    status = 0;
out:
    if (status)
        fprintf(stderr, "bench_drg: %s\n", err->msg[0] ? err->msg : "out of memory");
    folio_claim_reader_free(rd);
    if (f)
        fclose(f);
    free(all);
    return status;
}

int main(int argc, char **argv)
{
    int status = 1;
    struct folio_err err;
    struct folio_drg_version *v = NULL;
    struct folio_mce *mce = NULL;
    struct folio_buf cases;
    struct run r = {0};
    double seconds = 2.0, t0;
    char here[512], shared[512], drg[700], mcedir[700], path[700];
    const char *env = getenv("FOLIO_SHARED");
    char *slash;

    memset(&err, 0, sizeof err);
    folio_buf_init(&cases, 0);
    (void)folio_strlcpy(here, __FILE__, sizeof here);
    slash = strrchr(here, '/');
    if (slash)
        *slash = '\0';
    else
        (void)folio_strlcpy(here, ".", sizeof here);
    if (env && env[0])
        (void)folio_strlcpy(shared, env, sizeof shared);
    else
        (void)folio_snprintf(shared, sizeof shared, "%s/../../shared", here);
    (void)folio_snprintf(drg, sizeof drg, "%s/data/codesets/msdrg-v431", shared);
    (void)folio_snprintf(mcedir, sizeof mcedir, "%s/data/codesets/mce-v431", shared);
    (void)folio_snprintf(path, sizeof path, "%s/data/reference/msdrg-v431/cases.tsv", shared);
    for (int i = 1; i < argc; i++) {
        double d;
        if (folio_sv_to_double(folio_sv_from(argv[i]), &d) == FOLIO_OK) {
            if (d > 0 && d < 3600)
                seconds = d;
        } else {
            (void)folio_strlcpy(path, argv[i], sizeof path);
        }
    }

    t0 = now_s();
    if (folio_drg_load(drg, &v, &err) != FOLIO_OK) {
        fprintf(stderr, "bench_drg: %s\n", err.msg);
        goto out;
    }
    printf("grouper tables loaded in %.3f s (%s)\n", now_s() - t0, drg);
    t0 = now_s();
    if (folio_mce_load(mcedir, &mce, &err) != FOLIO_OK) {
        fprintf(stderr, "bench_drg: %s\n", err.msg);
        goto out;
    }
    printf("MCE tables loaded in %.3f s\n", now_s() - t0);
    if (folio_buf_read_file(&cases, path, &err) != FOLIO_OK) {
        fprintf(stderr, "bench_drg: %s\n", err.msg);
        goto out;
    }
    r.v = v;
    r.mce = mce;
    r.claim = malloc(sizeof *r.claim);
    r.res = malloc(sizeof *r.res);
    r.mres = malloc(sizeof *r.mres);
    if (r.claim == NULL || r.res == NULL || r.mres == NULL)
        goto out;
    printf("input: %s (%zu bytes), one thread, %.1f s per figure\n", path, cases.len, seconds);
    if (measure(&r, cases.data, cases.len, PARSE, seconds, "parse", &err) ||
        measure_group_only(&r, cases.data, cases.len, seconds, &err) ||
        measure(&r, cases.data, cases.len, GROUP, seconds, "parse + group", &err) ||
        measure(&r, cases.data, cases.len, MCE_GROUP, seconds, "parse + MCE + group", &err))
        goto out;
    printf("(checksum %lu)\n", r.checksum);
    status = 0;
out:
    free(r.claim);
    free(r.res);
    free(r.mres);
    folio_buf_release(&cases);
    folio_drg_free(v);
    folio_mce_free(mce);
    return status;
}

/* Chart benchmark: creates N patients (default 10,000; argv[1] or $FOLIO_BENCH_N) with a name,
 * an MRN and a birth date through the chart API, then measures search latency (p50/p99) for a
 * name prefix and for an exact MRN. Runs on a temporary SQLite file, and also on PostgreSQL
 * when $FOLIO_BENCH_DB holds a postgresql:// URL (rows are added to that database).
 * Prints its figures; asserts nothing about time. */
#include "folio/base.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "folio/crypto.h"
#include "folio/records.h"
#include "folio/store.h"

#define BENCH_QUERIES 1000
#define BENCH_BATCH   500

static const char *const families[] = {
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
    "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Müller", "Østergaard", "Kowalski",
};
static const char *const givens[] = {
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Charles", "Karen", "Christopher", "Lisa", "Daniel", "Nancy", "Matthew", "Betty", "Anthony",
    "Margaret", "Mark", "Sandra", "Zoë", "José", "Łukasz",
};

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint64_t rng(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    rng_state = x;
    return x;
}
static size_t pick(size_t n)
{
    return (size_t)(rng() % n);
}

/* The first n code points of the UTF-8 string s into out (never splits a character). */
static void utf8_prefix(char *out, size_t cap, const char *s, size_t n)
{
    size_t i = 0, cps = 0;

    while (s[i] && i + 1 < cap) {
        if (((unsigned char)s[i] & 0xC0) != 0x80 && cps++ == n)
            break;
        i++;
    }
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
        i--; /* out of room mid-character */
    memcpy(out, s, i);
    out[i] = '\0';
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(double *v, size_t n, double p)
{
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

static int run(const char *label, const char *url, const struct folio_key *key, int64_t n,
               const char *tag)
{
    struct folio_store *s = NULL;
    struct folio_err err;
    struct folio_chart chart;
    struct folio_arena a;
    double t0, t1, *lat = NULL;
    int64_t i, fid = 0;
    int ret = 1;
    enum folio_rc rc;

    memset(&err, 0, sizeof(err));
    folio_arena_init(&a, 0);
    lat = calloc(BENCH_QUERIES, sizeof(*lat));
    if (!lat)
        goto out;
    rc = folio_store_open(url, &s, &err);
    if (!rc)
        rc = folio_store_migrate(s, NULL, &err);
    if (rc)
        goto fail;
    chart.store = s;
    chart.key = key;
    chart.actor = "bench";
    rc = folio_facility_ensure(&chart, "BENCH", "Benchmark facility", &fid, &err);
    if (rc)
        goto fail;

    t0 = now_s();
    for (i = 0; i < n; i++) {
        struct folio_patient_new in;
        struct folio_identifier id;
        char mrn[64], birth[16];
        int64_t pid = 0;

        if (i % BENCH_BATCH == 0) {
            rc = folio_store_begin(s, &err);
            if (rc)
                goto fail;
        }
        memset(&in, 0, sizeof(in));
        memset(&id, 0, sizeof(id));
        (void)folio_snprintf(mrn, sizeof(mrn), "%s-%08lld", tag, (long long)i);
        (void)folio_snprintf(birth, sizeof(birth), "%04d-%02d-%02d", 1920 + (int)pick(100),
                             1 + (int)pick(12), 1 + (int)pick(28));
        in.name.family = families[pick(FOLIO_ARRAY_LEN(families))];
        in.name.given = givens[pick(FOLIO_ARRAY_LEN(givens))];
        in.birth_date = birth;
        in.sex = (i & 1) ? "F" : "M";
        id.kind = "MR";
        id.assigner = "BENCH";
        id.value = mrn;
        in.ids = &id;
        in.n_ids = 1;
        rc = folio_patient_create(&chart, &in, &pid, &err);
        if (rc) {
            folio_store_rollback(s);
            goto fail;
        }
        if (i % BENCH_BATCH == BENCH_BATCH - 1 || i == n - 1) {
            rc = folio_store_commit(s, &err);
            if (rc)
                goto fail;
        }
    }
    t1 = now_s();
    printf("bench_chart %s: %lld patients created in %.2f s (%.0f patients/s, batches of %d)\n",
           label, (long long)n, t1 - t0, (double)n / (t1 - t0), BENCH_BATCH);

    /* name prefix: first three letters of a family name, plus ", " and a given initial */
    for (i = 0; i < BENCH_QUERIES; i++) {
        struct folio_patient_query q;
        struct folio_patient_page pg;
        char name[64], fam[32], giv[16];

        utf8_prefix(fam, sizeof(fam), families[pick(FOLIO_ARRAY_LEN(families))], 3);
        utf8_prefix(giv, sizeof(giv), givens[pick(FOLIO_ARRAY_LEN(givens))], 1);
        (void)folio_snprintf(name, sizeof(name), "%s, %s", fam, giv);
        memset(&q, 0, sizeof(q));
        q.name = name;
        q.limit = 50;
        t0 = now_s();
        rc = folio_patient_search(&chart, &q, &a, &pg, &err);
        lat[i] = (now_s() - t0) * 1000.0;
        folio_arena_release(&a);
        if (rc)
            goto fail;
    }
    qsort(lat, BENCH_QUERIES, sizeof(*lat), cmp_double);
    printf("bench_chart %s: name-prefix search (\"Smi, J\", limit 50): p50 %.3f ms, p99 %.3f ms "
           "over %d queries\n",
           label, pct(lat, BENCH_QUERIES, 0.50), pct(lat, BENCH_QUERIES, 0.99), BENCH_QUERIES);

    for (i = 0; i < BENCH_QUERIES; i++) {
        struct folio_patient_query q;
        struct folio_patient_page pg;
        char mrn[64];

        (void)folio_snprintf(mrn, sizeof(mrn), "%s-%08lld", tag, (long long)pick((size_t)n));
        memset(&q, 0, sizeof(q));
        q.identifier = mrn;
        q.limit = 50;
        t0 = now_s();
        rc = folio_patient_search(&chart, &q, &a, &pg, &err);
        lat[i] = (now_s() - t0) * 1000.0;
        folio_arena_release(&a);
        if (rc)
            goto fail;
        if (pg.n != 1) {
            fprintf(stderr, "bench_chart %s: MRN %s found %zu patients, expected 1\n", label, mrn,
                    pg.n);
            goto out;
        }
    }
    qsort(lat, BENCH_QUERIES, sizeof(*lat), cmp_double);
    printf("bench_chart %s: MRN search (exact): p50 %.3f ms, p99 %.3f ms over %d queries\n", label,
           pct(lat, BENCH_QUERIES, 0.50), pct(lat, BENCH_QUERIES, 0.99), BENCH_QUERIES);
    ret = 0;
    goto out;
fail:
    fprintf(stderr, "bench_chart %s: %s: %s\n", label, folio_rc_name(err.code), err.msg);
out:
    folio_arena_release(&a);
    free(lat);
    folio_store_close(s);
    return ret;
}

int main(int argc, char **argv)
{
    char dir[] = "/tmp/folio-bench-XXXXXX", path[256], url[300], keypath[300], tag[32];
    struct folio_key key;
    struct folio_err err;
    const char *n_s = argc > 1 ? argv[1] : getenv("FOLIO_BENCH_N");
    const char *pg = getenv("FOLIO_BENCH_DB");
    int64_t n = 10000;
    int ret = 0;

    memset(&err, 0, sizeof(err));
    if (n_s && (folio_sv_to_i64(folio_sv_from(n_s), &n) != FOLIO_OK || n < 1 || n > 10000000)) {
        fprintf(stderr, "usage: bench_chart [N]   (N patients, 1..10000000; default 10000)\n");
        return 14;
    }
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 5;
    }
    (void)folio_snprintf(keypath, sizeof(keypath), "%s/key", dir);
    (void)folio_snprintf(path, sizeof(path), "%s/bench.db", dir);
    (void)folio_snprintf(url, sizeof(url), "sqlite:%s", path);
    if (folio_crypto_init(&err) || folio_key_create(keypath, &err) ||
        folio_key_load(keypath, &key, &err)) {
        fprintf(stderr, "bench_chart: %s\n", err.msg);
        ret = 1;
        goto out;
    }
    (void)folio_snprintf(tag, sizeof(tag), "B%lld", (long long)time(NULL));
    if (run("sqlite", url, &key, n, tag))
        ret = 1;
    if (pg && pg[0] && run("postgresql", pg, &key, n, tag))
        ret = 1;
    if (!pg || !pg[0])
        printf("bench_chart: set FOLIO_BENCH_DB=postgresql://... to measure PostgreSQL too\n");
out:
    folio_key_wipe(&key);
    (void)unlink(keypath);
    (void)unlink(path);
    {
        char side[320];
        (void)folio_snprintf(side, sizeof(side), "%s-wal", path);
        (void)unlink(side);
        (void)folio_snprintf(side, sizeof(side), "%s-shm", path);
        (void)unlink(side);
    }
    (void)rmdir(dir);
    return ret;
}

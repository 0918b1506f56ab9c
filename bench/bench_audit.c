/* Audit trail benchmark: appends N entries (default 1,000,000; argv[1] or $FOLIO_BENCH_N) in
 * batched transactions of 1,000 into a temporary SQLite file, then times a full verify, a
 * who-accessed report and a patient search on the result. Also times appends of one entry per
 * transaction (the server's pattern: one entry per request). On PostgreSQL too when
 * $FOLIO_BENCH_DB holds a postgresql:// URL (entries are added to that database's trail).
 * Prints its figures; asserts nothing about time. */
#include "folio/base.h"

#include <sys/stat.h>
#include <unistd.h>

#include "folio/audit.h"
#include "folio/store.h"

#define BENCH_BATCH  1000
#define BENCH_SINGLE 5000

static const char *const actions[] = {"patient.view", "patient.search", "document.view",
                                      "encounter.view", "document.download", "auth.login"};
static const char *const users[] = {"alice", "bob", "carol", "dave", "erin", "frank", "grace",
                                    "heidi"};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void make_event(struct folio_audit_event *ev, int64_t i, char *detail, size_t cap)
{
    memset(ev, 0, sizeof(*ev));
    ev->action = actions[i % (int64_t)FOLIO_ARRAY_LEN(actions)];
    ev->username = users[(i / 7) % (int64_t)FOLIO_ARRAY_LEN(users)];
    ev->roles = "clinician";
    ev->client = "10.1.2.3";
    if (strcmp(ev->action, "patient.search") == 0) {
        (void)folio_snprintf(detail, cap, "name=smith%lld results=12", (long long)(i % 100));
        ev->detail = detail;
    } else if (strcmp(ev->action, "auth.login") != 0) {
        ev->patient_id = 1 + i % 5000;
        ev->entity_type = "patient";
        ev->entity_id = ev->patient_id;
    }
}

static int run(const char *label, const char *url, int64_t n)
{
    struct folio_store *s = NULL;
    struct folio_err err;
    struct folio_audit_verify_result vr;
    struct folio_arena a;
    int64_t i, head = 0;
    char hash[65], detail[64];
    double t0, t1;
    int ret = 1;
    enum folio_rc rc;

    memset(&err, 0, sizeof(err));
    folio_arena_init(&a, 0);
    rc = folio_store_open(url, &s, &err);
    if (!rc)
        rc = folio_store_migrate(s, NULL, &err);
    if (rc)
        goto fail;

    t0 = now_s();
    for (i = 0; i < n; i++) {
        struct folio_audit_event ev;

        if (i % BENCH_BATCH == 0) {
            rc = folio_store_begin(s, &err);
            if (rc)
                goto fail;
        }
        make_event(&ev, i, detail, sizeof(detail));
        rc = folio_audit_append(s, &ev, NULL, &err);
        if (rc)
            goto fail;
        if (i % BENCH_BATCH == BENCH_BATCH - 1 || i == n - 1) {
            rc = folio_store_commit(s, &err);
            if (rc)
                goto fail;
        }
    }
    t1 = now_s();
    printf("%s: append %lld entries in batches of %d: %.2f s, %.0f entries/s\n", label,
           (long long)n, BENCH_BATCH, t1 - t0, (double)n / (t1 - t0));

    t0 = now_s();
    for (i = 0; i < BENCH_SINGLE; i++) {
        struct folio_audit_event ev;
        make_event(&ev, i, detail, sizeof(detail));
        rc = folio_audit_append(s, &ev, NULL, &err);
        if (rc)
            goto fail;
    }
    t1 = now_s();
    printf("%s: append %d entries, one transaction each: %.2f s, %.0f entries/s\n", label,
           BENCH_SINGLE, t1 - t0, (double)BENCH_SINGLE / (t1 - t0));

    rc = folio_audit_checkpoint(s, &head, hash, &err);
    if (rc)
        goto fail;
    t0 = now_s();
    rc = folio_audit_verify(s, 0, NULL, &vr, &err);
    if (rc)
        goto fail;
    t1 = now_s();
    printf("%s: verify %lld entries: %.2f s (%.0f entries/s) -> %s\n", label,
           (long long)vr.checked, t1 - t0, (double)vr.checked / (t1 - t0),
           vr.ok ? "ok" : vr.reason);

    {
        struct folio_audit_access *acc = NULL;
        struct folio_audit_page page;
        struct folio_audit_query q;
        size_t na = 0;

        t0 = now_s();
        rc = folio_audit_who_accessed(s, 42, NULL, NULL, &a, &acc, &na, &err);
        if (rc)
            goto fail;
        t1 = now_s();
        printf("%s: who-accessed patient 42: %zu users, %.2f ms\n", label, na, (t1 - t0) * 1e3);
        memset(&q, 0, sizeof(q));
        q.patient_id = 42;
        q.limit = 50;
        t0 = now_s();
        rc = folio_audit_search(s, &q, &a, &page, &err);
        if (rc)
            goto fail;
        t1 = now_s();
        printf("%s: search patient 42 (50 of %lld): %.2f ms\n", label, (long long)page.total,
               (t1 - t0) * 1e3);
    }
    ret = vr.ok ? 0 : 1;
    goto out;
fail:
    fprintf(stderr, "%s: %s: %s\n", label, folio_rc_name(rc), err.msg);
out:
    folio_arena_release(&a);
    folio_store_close(s);
    return ret;
}

int main(int argc, char **argv)
{
    const char *ns = argc > 1 ? argv[1] : getenv("FOLIO_BENCH_N");
    const char *pg = getenv("FOLIO_BENCH_DB");
    char dir[] = "/tmp/folio-bench-audit-XXXXXX", path[128], url[160];
    int64_t n = 1000000;
    int ret;

    if (ns && folio_sv_to_i64(folio_sv_from(ns), &n) != FOLIO_OK) {
        fprintf(stderr, "usage: bench_audit [N]\n");
        return 2;
    }
    if (n < 1)
        n = 1;
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    (void)folio_snprintf(path, sizeof(path), "%s/audit.db", dir);
    (void)folio_snprintf(url, sizeof(url), "sqlite:%s", path);
    ret = run("sqlite", url, n);
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(suffixes); i++) {
        char p[160];
        (void)folio_snprintf(p, sizeof(p), "%s%s", path, suffixes[i]);
        (void)unlink(p);
    }
    (void)rmdir(dir);
    if (pg && (strncmp(pg, "postgresql://", 13) == 0 || strncmp(pg, "postgres://", 11) == 0))
        ret |= run("postgresql", pg, n);
    return ret;
}

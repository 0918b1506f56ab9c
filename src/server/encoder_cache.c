/* The server's code index: built in the background from the store, shared read-only, replaced
 * when the loaded code sets change, freed by its last user (encoder_cache.h). */
#include "folio/base.h"

#include <pthread.h>

#include "folio/log.h"
#include "folio/time.h"
#include "server/encoder_cache.h"

#define POOL_MAX      16 /* idle searchers kept per index (the server has a few workers) */
#define RETRY_SECONDS 10 /* a failed build is tried again after this */

/* ---------------------------------------------------------------- building */

/* The stamp of the loaded ICD-10-CM/PCS versions: "count|newest id|its sha256". *n the count. */
static enum folio_rc version_stamp(struct folio_store *s, char *out, size_t cap, size_t *count,
                                   struct folio_err *err)
{
    struct folio_arena a;
    struct folio_codeset_version *v = NULL;
    size_t n = 0, i, k = 0;
    int64_t max_id = 0;
    const char *sha = "";
    enum folio_rc rc;

    folio_arena_init(&a, 64 * 1024);
    rc = folio_codes_versions(s, &a, &v, &n, err);
    for (i = 0; !rc && i < n; i++) {
        if (v[i].system != FOLIO_CS_ICD10CM && v[i].system != FOLIO_CS_ICD10PCS)
            continue;
        k++;
        if (v[i].id > max_id) {
            max_id = v[i].id;
            sha = v[i].sha256;
        }
    }
    if (!rc)
        (void)folio_snprintf(out, cap, "%zu|%lld|%s", k, (long long)max_id, sha);
    *count = k;
    folio_arena_release(&a);
    return rc;
}

static enum folio_rc no_code_sets(struct folio_err *err)
{
    return folio_err_set(err, FOLIO_ESTATE, "code_sets",
                         "no code sets loaded: folio codes load icd10cm-order FILE (and "
                         "icd10cm-tabular, icd10pcs-tables ...; docs/codesets.md)");
}

void folio_enc_built_release(struct folio_enc_built *b)
{
    if (!b)
        return;
    folio_encoder_free(b->enc);
    folio_pcs_tables_free(b->pcs);
    memset(b, 0, sizeof *b);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

enum folio_rc folio_enc_cache_build(struct folio_store *s, struct folio_enc_built *out,
                                    struct folio_err *err)
{
    enum folio_rc rc;
    char stamp[160];
    size_t n = 0;
    double t0 = now_seconds();

    memset(out, 0, sizeof *out);
    if ((rc = version_stamp(s, stamp, sizeof stamp, &n, err)))
        return rc;
    if (n == 0)
        return no_code_sets(err);
    rc = folio_pcs_tables_from_store(s, &out->pcs, &out->pcs_version, err);
    rc = rc ? rc : folio_encoder_new(&out->enc, err);
    rc = rc ? rc : folio_encoder_add_store(out->enc, s, NULL, out->pcs, err);
    rc = rc ? rc : folio_encoder_finish(out->enc, err);
    if (rc) {
        folio_enc_built_release(out);
        return rc;
    }
    folio_encoder_stats(out->enc, &out->stats);
    out->seconds = now_seconds() - t0;
    folio_time_now_utc(out->built_at);
    return FOLIO_OK;
}

/* ---------------------------------------------------------------- the shared index */

struct entry {
    struct folio_enc_built b;
    char key[1200]; /* database URL + version stamp */
    unsigned refs;
    bool retired; /* replaced: freed by the last release */
    struct folio_enc_searcher *pool[POOL_MAX];
    size_t n_pool;
};

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* a build finished */
    struct entry *cur;
    bool building;
    char building_key[1200];
    char fail_key[1200]; /* the last failed build, for RETRY_SECONDS */
    double fail_at;
    struct folio_err fail_err;
} C = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, false, "", "", 0, {0}};

static void entry_free(struct entry *e)
{
    size_t i;
    if (!e)
        return;
    for (i = 0; i < e->n_pool; i++)
        folio_enc_searcher_free(e->pool[i]);
    folio_enc_built_release(&e->b);
    free(e);
}

/* key = URL + "\n" + stamp; the URL part is what comes before the newline. */
static bool same_db(const char *a, const char *b)
{
    size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
    return la == lb && memcmp(a, b, la) == 0;
}

/* Installs a finished build (e, rc, err) and wakes the waiters; frees what is no longer used. */
static void finish_build(struct entry *e, enum folio_rc rc, const struct folio_err *err)
{
    struct entry *old = NULL;

    pthread_mutex_lock(&C.mu);
    if (rc == FOLIO_OK) {
        old = C.cur;
        C.cur = e;
        e = NULL;
        if (old && old->refs > 0) {
            old->retired = true;
            old = NULL; /* the last release frees it */
        }
        C.fail_key[0] = '\0';
        folio_log(FOLIO_LOG_INFO, "encoder.built", FOLIO_LOG_INT("codes", C.cur->b.stats.n_codes),
                  FOLIO_LOG_INT("indexed", C.cur->b.stats.n_indexed),
                  FOLIO_LOG_INT("ms", (int64_t)(C.cur->b.seconds * 1000.0)), FOLIO_LOG_END);
    } else {
        (void)folio_strlcpy(C.fail_key, C.building_key, sizeof C.fail_key);
        C.fail_at = now_seconds();
        /* a failed build is the server's problem, whatever the cause: not the client's input */
        folio_err_set(&C.fail_err, rc == FOLIO_EBUSY ? FOLIO_EBUSY : FOLIO_EINTERNAL, "code_sets",
                      "the code index could not be built: %s", err->msg);
        folio_log(FOLIO_LOG_ERROR, "encoder.build_failed", FOLIO_LOG_RC("rc", rc), FOLIO_LOG_END);
    }
    C.building = false;
    pthread_cond_broadcast(&C.cv);
    pthread_mutex_unlock(&C.mu);
    entry_free(old);
    entry_free(e);
}

/* Builds from s into a new entry keyed by url and the stamp read now. */
static enum folio_rc build_entry(struct folio_store *s, const char *url, struct entry **out,
                                 struct folio_err *err)
{
    struct entry *e = calloc(1, sizeof *e);
    char stamp[160] = "";
    size_t n = 0;
    enum folio_rc rc;

    *out = e;
    if (!e)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    rc = version_stamp(s, stamp, sizeof stamp, &n, err);
    rc = rc ? rc : folio_enc_cache_build(s, &e->b, err);
    (void)folio_snprintf(e->key, sizeof e->key, "%s\n%s", url, stamp);
    return rc;
}

struct job {
    char url[1024];
};

/* SQLite: the build runs here, on its own connection, outside every request. */
static void *build_thread(void *arg)
{
    struct job *j = arg;
    struct folio_store *s = NULL;
    struct folio_err err;
    struct entry *e = NULL;
    enum folio_rc rc;

    memset(&err, 0, sizeof err);
    rc = folio_store_open(j->url, &s, &err);
    if (!rc)
        rc = build_entry(s, j->url, &e, &err);
    folio_store_close(s);
    finish_build(e, rc, &err);
    free(j);
    return NULL;
}

/* With C.mu held: starts a build of url's database in a thread unless one runs. */
static enum folio_rc start_build_locked(const char *url, const char *key, struct folio_err *err)
{
    pthread_t t;
    pthread_attr_t attr;
    struct job *j;
    int r;

    if (C.building)
        return FOLIO_OK;
    j = calloc(1, sizeof *j);
    if (!j)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    if (!folio_strlcpy(j->url, url, sizeof j->url)) {
        free(j);
        return folio_err_set(err, FOLIO_ETOOBIG, "db", "database URL too long for the code index");
    }
    if (pthread_attr_init(&attr) != 0) {
        free(j);
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "cannot start the code index build");
    }
    (void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    C.building = true;
    (void)folio_strlcpy(C.building_key, key, sizeof C.building_key);
    r = pthread_create(&t, &attr, build_thread, j);
    pthread_attr_destroy(&attr);
    if (r != 0) {
        C.building = false;
        free(j);
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "cannot start the code index build");
    }
    return FOLIO_OK;
}

enum folio_rc folio_enc_cache_acquire(struct folio_store *s, struct folio_enc_lease *out,
                                      struct folio_err *err)
{
    char stamp[160], key[1200];
    size_t n = 0;
    struct entry *e = NULL;
    struct folio_enc_searcher *sr = NULL;
    const char *url = folio_store_url_safe(s);
    bool build_here = false;
    enum folio_rc rc;

    memset(out, 0, sizeof *out);
    if ((rc = version_stamp(s, stamp, sizeof stamp, &n, err)))
        return rc;
    if (n == 0)
        return no_code_sets(err);
    (void)folio_snprintf(key, sizeof key, "%s\n%s", url, stamp);

    pthread_mutex_lock(&C.mu);
    if (!(C.cur && strcmp(C.cur->key, key) == 0) && !C.building &&
        !(strcmp(C.fail_key, key) == 0 && now_seconds() - C.fail_at < RETRY_SECONDS)) {
        if (folio_store_kind(s) == FOLIO_STORE_PG) {
            /* PostgreSQL: requests run on their own connections, not in one serialised
             * transaction, so this request builds (its URL may lack the password a new
             * connection would need). Others meanwhile get the old index, or EBUSY. */
            C.building = build_here = true;
            (void)folio_strlcpy(C.building_key, key, sizeof C.building_key);
        } else {
            rc = start_build_locked(url, key, err);
        }
    }
    pthread_mutex_unlock(&C.mu);
    if (rc)
        return rc;
    if (build_here) {
        struct folio_err berr;
        memset(&berr, 0, sizeof berr);
        rc = build_entry(s, url, &e, &berr);
        finish_build(e, rc, &berr);
        e = NULL;
    }

    pthread_mutex_lock(&C.mu);
    if (C.cur && strcmp(C.cur->key, key) == 0) {
        e = C.cur;
    } else if (C.cur && same_db(C.cur->key, key)) {
        e = C.cur; /* serve the old index while the new one is built */
        out->stale = true;
    } else if (C.fail_key[0] && strcmp(C.fail_key, key) == 0 && !C.building) {
        *err = C.fail_err;
        rc = err->code ? err->code : FOLIO_EINTERNAL;
    } else {
        rc = folio_err_set(err, FOLIO_EBUSY, "code_sets",
                           "the code index is being built from the loaded code sets (a few "
                           "seconds); try again");
    }
    if (e) {
        e->refs++;
        if (e->n_pool)
            sr = e->pool[--e->n_pool];
    }
    pthread_mutex_unlock(&C.mu);
    if (!e)
        return rc;
    out->entry_ = e;
    out->enc = e->b.enc;
    out->pcs = e->b.pcs;
    out->pcs_version = &e->b.pcs_version;
    if (!sr && (rc = folio_enc_searcher_new(e->b.enc, &sr, err))) {
        folio_enc_cache_release(out);
        return rc;
    }
    out->searcher = sr;
    return FOLIO_OK;
}

void folio_enc_cache_release(struct folio_enc_lease *l)
{
    struct entry *e = l ? l->entry_ : NULL, *dead = NULL;
    struct folio_enc_searcher *extra = NULL;

    if (!e)
        return;
    pthread_mutex_lock(&C.mu);
    if (l->searcher) {
        if (e->n_pool < POOL_MAX && !e->retired)
            e->pool[e->n_pool++] = l->searcher;
        else
            extra = l->searcher;
    }
    if (--e->refs == 0 && e->retired)
        dead = e;
    pthread_mutex_unlock(&C.mu);
    folio_enc_searcher_free(extra);
    entry_free(dead);
    memset(l, 0, sizeof *l);
}

const char *folio_enc_cache_state_name(enum folio_enc_cache_state s)
{
    switch (s) {
    case FOLIO_ENC_CACHE_BUILDING:
        return "building";
    case FOLIO_ENC_CACHE_READY:
        return "ready";
    case FOLIO_ENC_CACHE_FAILED:
        return "failed";
    case FOLIO_ENC_CACHE_NONE:
        break;
    }
    return "none";
}

void folio_enc_cache_status(struct folio_enc_cache_status *out)
{
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&C.mu);
    if (C.cur) {
        out->state = FOLIO_ENC_CACHE_READY;
        out->rebuilding = C.building;
        out->stats = C.cur->b.stats;
        out->build_seconds = C.cur->b.seconds;
        (void)folio_strlcpy(out->built_at, C.cur->b.built_at, sizeof out->built_at);
    } else if (C.building) {
        out->state = FOLIO_ENC_CACHE_BUILDING;
    } else if (C.fail_key[0]) {
        out->state = FOLIO_ENC_CACHE_FAILED;
        (void)folio_strlcpy(out->error, C.fail_err.msg, sizeof out->error);
    }
    pthread_mutex_unlock(&C.mu);
}

void folio_enc_cache_shutdown(void)
{
    struct entry *dead = NULL;

    pthread_mutex_lock(&C.mu);
    while (C.building)
        pthread_cond_wait(&C.cv, &C.mu);
    if (C.cur) {
        if (C.cur->refs == 0)
            dead = C.cur;
        else
            C.cur->retired = true;
        C.cur = NULL;
    }
    C.fail_key[0] = '\0';
    pthread_mutex_unlock(&C.mu);
    entry_free(dead);
}

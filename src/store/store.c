/* Storage dispatch: URL parsing, transaction nesting, statement calls to the backend. */
#include "folio/base.h"

#include "store/store_impl.h"

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

char *folio_store_url_redact_(const char *url)
{
    struct folio_buf b;
    const char *scheme_end = strstr(url, "://");
    const char *auth, *auth_end, *at = NULL, *colon = NULL, *p, *q;
    bool first = true;

    folio_buf_init(&b, 64 * 1024);
    if (scheme_end == NULL) {
        if (folio_buf_append_str(&b, url))
            goto fail;
        return folio_buf_detach(&b, NULL);
    }
    auth = scheme_end + 3;
    auth_end = auth + strcspn(auth, "/?#");
    for (p = auth; p < auth_end; p++)
        if (*p == '@')
            at = p; /* the last '@' ends the user info */
    if (at != NULL)
        colon = memchr(auth, ':', (size_t)(at - auth));
    if (colon != NULL) {
        if (folio_buf_append(&b, url, (size_t)(colon - url)) ||
            folio_buf_append(&b, at, (size_t)(auth_end - at)))
            goto fail;
    } else if (folio_buf_append(&b, url, (size_t)(auth_end - url))) {
        goto fail;
    }
    /* path */
    q = auth_end + strcspn(auth_end, "?#");
    if (folio_buf_append(&b, auth_end, (size_t)(q - auth_end)))
        goto fail;
    if (*q == '?') {
        const char *params = q + 1;
        const char *params_end = params + strcspn(params, "#");
        p = params;
        while (p < params_end) {
            const char *amp = memchr(p, '&', (size_t)(params_end - p));
            const char *end = amp ? amp : params_end;
            size_t len = (size_t)(end - p);
            if (!(len >= 9 && strncmp(p, "password=", 9) == 0)) {
                if (folio_buf_append_ch(&b, first ? '?' : '&') || folio_buf_append(&b, p, len))
                    goto fail;
                first = false;
            }
            p = amp ? amp + 1 : params_end;
        }
        q = params_end;
    }
    if (folio_buf_append_str(&b, q))
        goto fail;
    return folio_buf_detach(&b, NULL);
fail:
    folio_buf_release(&b);
    return NULL;
}

/* ---- the statement cache ----
 * Each connection keeps up to cache_max statements its users have freed, keyed by their SQL
 * text, in a list ordered most recently freed first (a hit is usually near the front: the
 * same few statements run on every request). prepare takes a matching idle statement out of
 * the list, so a statement is never handed out twice; free resets it, clears its bindings and
 * puts it at the front, finalising the least recently used one past the bound. */

static uint64_t sql_hash(const char *sql, size_t *len)
{
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
    const unsigned char *p = (const unsigned char *)sql;

    while (*p) {
        h ^= *p++;
        h *= 0x100000001b3u;
    }
    *len = (size_t)(p - (const unsigned char *)sql);
    return h;
}

static void idle_unlink(struct folio_store *s, struct folio_stmt *st)
{
    if (st->prev)
        st->prev->next = st->next;
    else
        s->idle_head = st->next;
    if (st->next)
        st->next->prev = st->prev;
    else
        s->idle_tail = st->prev;
    st->prev = st->next = NULL;
    s->n_idle--;
}

static void stmt_destroy(struct folio_stmt *st)
{
    char *sql = st->sql;
    st->store->ops->stmt_free(st);
    free(sql);
}

/* Finalises idle statements, least recently used first, until at most keep remain. */
static void cache_trim(struct folio_store *s, size_t keep)
{
    while (s->n_idle > keep && s->idle_tail) {
        struct folio_stmt *st = s->idle_tail;
        idle_unlink(s, st);
        stmt_destroy(st);
    }
}

void folio_store_stmt_cache_limit(struct folio_store *s, size_t max_idle)
{
    s->cache_max = max_idle;
    cache_trim(s, max_idle);
}

void folio_store_stmt_cache_stats(const struct folio_store *s,
                                  struct folio_stmt_cache_stats *out)
{
    out->idle = s->n_idle;
    out->max_idle = s->cache_max;
    out->hits = s->cache_hits;
    out->misses = s->cache_misses;
}

enum folio_rc folio_store_open(const char *url, struct folio_store **out, struct folio_err *err)
{
    enum folio_rc rc = FOLIO_OK;
    const struct folio_store_ops *ops;
    const char *target;
    struct folio_store *s = NULL;
    char *safe = NULL;

    *out = NULL;
    if (folio_str_empty(url)) {
        rc = folio_err_set(err, FOLIO_EINVAL, "db", "empty database URL");
        goto out;
    }
    if (has_prefix(url, "postgresql://") || has_prefix(url, "postgres://")) {
        ops = &folio_store_pg_ops;
        target = url;
        safe = folio_store_url_redact_(url);
    } else {
        ops = &folio_store_sqlite_ops;
        target = has_prefix(url, "sqlite:") ? url + 7 : url;
        if (target[0] == '\0') {
            rc = folio_err_set(err, FOLIO_EINVAL, "db", "no path in SQLite URL '%s'", url);
            goto out;
        }
        if (strcmp(url, "sqlite::memory:") == 0)
            target = ":memory:";
        safe = strdup(url);
    }
    if (safe == NULL) {
        rc = folio_err_set(err, FOLIO_ENOMEM, "db", "out of memory");
        goto out;
    }
    rc = ops->open(target, &s, err);
    if (rc)
        goto out;
    s->ops = ops;
    s->depth = 0;
    s->url_safe = safe;
    s->cache_max = FOLIO_STMT_CACHE_DEFAULT;
    safe = NULL;
    *out = s;
out:
    free(safe);
    return rc;
}

void folio_store_close(struct folio_store *s)
{
    char *safe;

    if (s == NULL)
        return;
    while (s->depth > 0)
        folio_store_rollback(s);
    cache_trim(s, 0);
    safe = s->url_safe;
    s->ops->close(s);
    free(safe);
}

enum folio_store_kind folio_store_kind(const struct folio_store *s)
{
    return s->ops->kind;
}

const char *folio_store_url_safe(const struct folio_store *s)
{
    return s->url_safe;
}

void folio_store_tx_sql_(enum folio_store_tx_op op, int level, const char *outer_begin, char *buf,
                         size_t cap)
{
    bool ok = false;

    switch (op) {
    case FOLIO_TX_BEGIN:
        ok = level <= 1 ? folio_strlcpy(buf, outer_begin, cap)
                        : folio_snprintf(buf, cap, "SAVEPOINT sp%d", level);
        break;
    case FOLIO_TX_COMMIT:
        ok = level <= 1 ? folio_strlcpy(buf, "COMMIT", cap)
                        : folio_snprintf(buf, cap, "RELEASE SAVEPOINT sp%d", level);
        break;
    case FOLIO_TX_ROLLBACK:
        ok = level <= 1 ? folio_strlcpy(buf, "ROLLBACK", cap)
                        : folio_snprintf(buf, cap, "ROLLBACK TO SAVEPOINT sp%d; RELEASE SAVEPOINT sp%d",
                                         level, level);
        break;
    }
    if (!ok)
        FOLIO_BUG("transaction SQL buffer too small");
}

enum folio_rc folio_store_begin(struct folio_store *s, struct folio_err *err)
{
    enum folio_rc rc = s->ops->tx(s, FOLIO_TX_BEGIN, s->depth + 1, err);
    if (rc == FOLIO_OK)
        s->depth++;
    return rc;
}

enum folio_rc folio_store_commit(struct folio_store *s, struct folio_err *err)
{
    enum folio_rc rc;

    if (s->depth <= 0)
        return folio_err_set(err, FOLIO_EINTERNAL, NULL, "commit without an open transaction");
    rc = s->ops->tx(s, FOLIO_TX_COMMIT, s->depth, err);
    if (rc == FOLIO_OK)
        s->depth--;
    /* On failure the level stays open: the caller rolls it back (see store.h). */
    return rc;
}

void folio_store_rollback(struct folio_store *s)
{
    struct folio_err ignored;

    if (s == NULL || s->depth <= 0)
        return;
    (void)s->ops->tx(s, FOLIO_TX_ROLLBACK, s->depth, &ignored);
    s->depth--;
}

int folio_store_tx_depth(const struct folio_store *s)
{
    return s->depth;
}

enum folio_rc folio_store_exec(struct folio_store *s, const char *sql, struct folio_err *err)
{
    return s->ops->exec(s, sql, err);
}

enum folio_rc folio_store_prepare(struct folio_store *s, const char *sql, struct folio_stmt **out,
                                  struct folio_err *err)
{
    struct folio_stmt *st;
    enum folio_rc rc;
    uint64_t h;
    size_t len;

    *out = NULL;
    if (sql == NULL)
        return folio_err_set(err, FOLIO_EINVAL, NULL, "no SQL statement to prepare");
    h = sql_hash(sql, &len);
    for (st = s->idle_head; st; st = st->next) {
        if (st->hash == h && strcmp(st->sql, sql) == 0) {
            idle_unlink(s, st);
            s->cache_hits++;
            *out = st;
            return FOLIO_OK;
        }
    }
    s->cache_misses++;
    rc = s->ops->prepare(s, sql, &st, err);
    if (rc)
        return rc;
    st->store = s;
    st->hash = h;
    st->prev = st->next = NULL;
    st->sql = malloc(len + 1);
    if (st->sql == NULL) {
        s->ops->stmt_free(st);
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    }
    memcpy(st->sql, sql, len + 1);
    *out = st;
    return FOLIO_OK;
}

void folio_stmt_free(struct folio_stmt *st)
{
    struct folio_store *s;

    if (st == NULL)
        return;
    s = st->store;
    if (s->cache_max == 0 || !s->ops->stmt_recycle(st)) {
        stmt_destroy(st);
        return;
    }
    st->prev = NULL;
    st->next = s->idle_head;
    if (s->idle_head)
        s->idle_head->prev = st;
    else
        s->idle_tail = st;
    s->idle_head = st;
    s->n_idle++;
    cache_trim(s, s->cache_max);
}

enum folio_rc folio_stmt_reset(struct folio_stmt *st, struct folio_err *err)
{
    return st->store->ops->stmt_reset(st, err);
}

enum folio_rc folio_stmt_bind_null(struct folio_stmt *st, int idx)
{
    return st->store->ops->bind_null(st, idx);
}

enum folio_rc folio_stmt_bind_i64(struct folio_stmt *st, int idx, int64_t v)
{
    return st->store->ops->bind_i64(st, idx, v);
}

enum folio_rc folio_stmt_bind_double(struct folio_stmt *st, int idx, double v)
{
    return st->store->ops->bind_double(st, idx, v);
}

enum folio_rc folio_stmt_bind_text(struct folio_stmt *st, int idx, const char *s, size_t len)
{
    if (s == NULL)
        return st->store->ops->bind_null(st, idx);
    if (len == (size_t)-1)
        len = strlen(s);
    return st->store->ops->bind_text(st, idx, s, len);
}

enum folio_rc folio_stmt_bind_blob(struct folio_stmt *st, int idx, const void *p, size_t len)
{
    if (p == NULL && len > 0)
        return FOLIO_EINVAL;
    return st->store->ops->bind_blob(st, idx, p, len);
}

enum folio_rc folio_stmt_step(struct folio_stmt *st, bool *row, struct folio_err *err)
{
    *row = false;
    return st->store->ops->step(st, row, err);
}

int folio_stmt_column_count(struct folio_stmt *st)
{
    return st->store->ops->column_count(st);
}

bool folio_stmt_column_is_null(struct folio_stmt *st, int idx)
{
    return st->store->ops->column_is_null(st, idx);
}

const char *folio_stmt_column_text(struct folio_stmt *st, int idx)
{
    return st->store->ops->column_text(st, idx);
}

int64_t folio_stmt_column_i64(struct folio_stmt *st, int idx)
{
    return st->store->ops->column_i64(st, idx);
}

double folio_stmt_column_double(struct folio_stmt *st, int idx)
{
    return st->store->ops->column_double(st, idx);
}

const void *folio_stmt_column_blob(struct folio_stmt *st, int idx, size_t *len)
{
    size_t ignored;
    return st->store->ops->column_blob(st, idx, len ? len : &ignored);
}

int64_t folio_stmt_changes(struct folio_stmt *st)
{
    return st->store->ops->changes(st);
}

enum folio_rc folio_store_query_i64(struct folio_store *s, const char *sql, const int64_t *params,
                                    size_t n_params, int64_t *out, bool *found,
                                    struct folio_err *err)
{
    enum folio_rc rc;
    struct folio_stmt *st = NULL;
    bool row = false;
    size_t i;

    *found = false;
    rc = folio_store_prepare(s, sql, &st, err);
    if (rc)
        goto out;
    for (i = 0; i < n_params; i++) {
        if (i >= (size_t)INT32_MAX) {
            rc = folio_err_set(err, FOLIO_EINVAL, NULL, "too many parameters");
            goto out;
        }
        rc = folio_stmt_bind_i64(st, (int)i + 1, params[i]);
        if (rc) {
            rc = folio_err_set(err, rc, NULL, "cannot bind parameter %zu", i + 1);
            goto out;
        }
    }
    rc = folio_stmt_step(st, &row, err);
    if (rc)
        goto out;
    if (row) {
        *out = folio_stmt_column_i64(st, 0);
        *found = true;
    }
out:
    folio_stmt_free(st);
    return rc;
}

/* Binds the parameters fmt describes (store.h, folio_store_prepare_fmt). */
static enum folio_rc bind_fmt(struct folio_stmt *st, const char *fmt, va_list ap)
{
    enum folio_rc rc = FOLIO_OK;
    int idx = 1;

    for (const char *f = fmt; *f && rc == FOLIO_OK; f++, idx++) {
        switch (*f) {
        case 't': {
            const char *v = va_arg(ap, const char *);
            rc = folio_str_empty(v) ? folio_stmt_bind_null(st, idx)
                                    : folio_stmt_bind_text(st, idx, v, (size_t)-1);
            break;
        }
        case 'T':
            rc = folio_stmt_bind_text(st, idx, va_arg(ap, const char *), (size_t)-1);
            break;
        case 'i':
            rc = folio_stmt_bind_i64(st, idx, va_arg(ap, int64_t));
            break;
        case 'I': {
            int64_t v = va_arg(ap, int64_t);
            rc = v ? folio_stmt_bind_i64(st, idx, v) : folio_stmt_bind_null(st, idx);
            break;
        }
        case 'n':
            (void)va_arg(ap, int64_t);
            rc = folio_stmt_bind_null(st, idx);
            break;
        case 'd':
            rc = folio_stmt_bind_double(st, idx, va_arg(ap, double));
            break;
        case 'D': {
            int has = va_arg(ap, int);
            double v = va_arg(ap, double);
            rc = has ? folio_stmt_bind_double(st, idx, v) : folio_stmt_bind_null(st, idx);
            break;
        }
        case 'b': {
            const void *p = va_arg(ap, const void *);
            size_t len = va_arg(ap, size_t);
            rc = folio_stmt_bind_blob(st, idx, p ? p : "", len);
            break;
        }
        default:
            FOLIO_BUG("bad bind format char %c", *f);
        }
    }
    return rc;
}

static enum folio_rc prepare_fmt_va(struct folio_store *s, struct folio_stmt **out,
                                    struct folio_err *err, const char *sql, const char *fmt,
                                    va_list ap)
{
    enum folio_rc rc = folio_store_prepare(s, sql, out, err);

    if (rc)
        return rc;
    rc = bind_fmt(*out, fmt, ap);
    if (rc) {
        folio_stmt_free(*out);
        *out = NULL;
        return folio_err_set(err, rc, NULL, "binding parameters failed");
    }
    return FOLIO_OK;
}

enum folio_rc folio_store_prepare_fmt(struct folio_store *s, struct folio_stmt **out,
                                      struct folio_err *err, const char *sql, const char *fmt, ...)
{
    enum folio_rc rc;
    va_list ap;

    va_start(ap, fmt);
    rc = prepare_fmt_va(s, out, err, sql, fmt, ap);
    va_end(ap);
    return rc;
}

enum folio_rc folio_store_exec_fmt(struct folio_store *s, int64_t *id_out, bool *found,
                                   int64_t *changes, struct folio_err *err, const char *sql,
                                   const char *fmt, ...)
{
    struct folio_stmt *st = NULL;
    bool row = false;
    enum folio_rc rc;
    va_list ap;

    va_start(ap, fmt);
    rc = prepare_fmt_va(s, &st, err, sql, fmt, ap);
    va_end(ap);
    if (rc)
        goto out;
    rc = folio_stmt_step(st, &row, err);
    if (rc)
        goto out;
    if (found)
        *found = row;
    if (row && id_out)
        *id_out = folio_stmt_column_i64(st, 0);
    /* run to completion: RETURNING on PostgreSQL, the change count on SQLite */
    while (row) {
        rc = folio_stmt_step(st, &row, err);
        if (rc)
            goto out;
    }
    if (changes)
        *changes = folio_stmt_changes(st);
out:
    folio_stmt_free(st);
    return rc;
}

char *folio_stmt_column_dup(struct folio_arena *a, struct folio_stmt *st, int idx, bool *oom)
{
    const char *v = folio_stmt_column_text(st, idx);
    char *d;
    if (!v)
        return NULL;
    d = folio_arena_strdup(a, v);
    if (!d)
        *oom = true;
    return d;
}

void folio_stmt_column_copy(struct folio_stmt *st, int idx, char *dst, size_t cap)
{
    const char *v = folio_stmt_column_text(st, idx);
    folio_strlcpy(dst, v ? v : "", cap);
}

enum folio_rc folio_store_end(struct folio_store *s, enum folio_rc rc, struct folio_err *err)
{
    if (rc == FOLIO_OK) {
        rc = folio_store_commit(s, err);
        if (rc == FOLIO_OK)
            return FOLIO_OK;
    }
    folio_store_rollback(s);
    return rc;
}

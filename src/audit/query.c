/* Reading the audit trail: search (newest first) and "who accessed my record". */
#include "folio/base.h"

#include "audit/audit_int.h"

#define SEARCH_DEFAULT 100
#define SEARCH_MAX     1000

static char *dup_or_null(struct folio_arena *a, const char *s, bool *oom)
{
    char *d;

    if (s == NULL)
        return NULL;
    d = folio_arena_strdup(a, s);
    if (d == NULL)
        *oom = true;
    return d;
}

enum folio_rc folio_audit_search(struct folio_store *s, const struct folio_audit_query *q,
                                 struct folio_arena *a, struct folio_audit_page *out,
                                 struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct audit_where w;
    char sql[768];
    int64_t limit = q ? q->limit : 0, offset = q ? q->offset : 0;
    bool row = false, oom = false;
    enum folio_rc rc;
    int idx = 1;

    memset(out, 0, sizeof(*out));
    if (limit <= 0)
        limit = SEARCH_DEFAULT;
    if (limit > SEARCH_MAX)
        limit = SEARCH_MAX;
    if (offset < 0) {
        rc = folio_err_set(err, FOLIO_EINVAL, "offset", "offset %lld is negative",
                           (long long)offset);
        goto out;
    }
    rc = audit_where_build(q, &w, err);
    if (rc)
        goto out;

    if (!folio_snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM audit_log WHERE 1 = 1%s", w.sql))
        FOLIO_BUG("audit query buffer too small");
    rc = folio_store_prepare(s, sql, &st, err);
    if (rc)
        goto out;
    rc = audit_where_bind(&w, st, &idx);
    if (rc) {
        rc = folio_err_set(err, rc, NULL, "cannot bind the audit query");
        goto out;
    }
    rc = folio_stmt_step(st, &row, err);
    if (rc)
        goto out;
    out->total = row ? folio_stmt_column_i64(st, 0) : 0;
    folio_stmt_free(st);
    st = NULL;
    if (out->total == 0 || offset >= out->total)
        goto out;

    if (!folio_snprintf(sql, sizeof(sql),
                        "SELECT " AUDIT_COLS
                        " FROM audit_log WHERE 1 = 1%s ORDER BY seq DESC LIMIT ? OFFSET ?",
                        w.sql))
        FOLIO_BUG("audit query buffer too small");
    rc = folio_store_prepare(s, sql, &st, err);
    if (rc)
        goto out;
    idx = 1;
    rc = audit_where_bind(&w, st, &idx);
    if (!rc)
        rc = folio_stmt_bind_i64(st, idx++, limit);
    if (!rc)
        rc = folio_stmt_bind_i64(st, idx, offset);
    if (rc) {
        rc = folio_err_set(err, rc, NULL, "cannot bind the audit query");
        goto out;
    }
    out->items = folio_arena_calloc(a, (size_t)limit, sizeof(*out->items));
    if (out->items == NULL) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    for (;;) {
        struct folio_audit_entry e, *d;

        rc = folio_stmt_step(st, &row, err);
        if (rc)
            goto out;
        if (!row || out->n >= (size_t)limit)
            break;
        audit_row(st, &e, NULL);
        d = &out->items[out->n++];
        d->seq = e.seq;
        d->patient_id = e.patient_id;
        d->entity_id = e.entity_id;
        d->at = dup_or_null(a, e.at, &oom);
        d->action = dup_or_null(a, e.action, &oom);
        d->outcome = dup_or_null(a, e.outcome, &oom);
        d->username = dup_or_null(a, e.username, &oom);
        d->roles = dup_or_null(a, e.roles, &oom);
        d->entity_type = dup_or_null(a, e.entity_type, &oom);
        d->detail = dup_or_null(a, e.detail, &oom);
        d->client = dup_or_null(a, e.client, &oom);
        d->hash = dup_or_null(a, e.hash, &oom);
        if (oom) {
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
            goto out;
        }
    }
out:
    folio_stmt_free(st);
    if (rc)
        memset(out, 0, sizeof(*out));
    return rc;
}

/* ---- who accessed ---- */

static bool same_user(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

static int by_last_desc(const void *pa, const void *pb)
{
    const struct folio_audit_access *x = pa, *y = pb;
    int c = strcmp(y->last_at ? y->last_at : "", x->last_at ? x->last_at : "");

    if (c == 0)
        c = strcmp(x->username ? x->username : "", y->username ? y->username : "");
    return c;
}

/* Finishes the user being collected: copies its actions list into the arena. */
static bool close_user(struct folio_arena *a, struct folio_audit_access *u, struct folio_buf *acts)
{
    u->actions = folio_arena_strdup(a, acts->data);
    folio_buf_reset(acts);
    return u->actions != NULL;
}

enum folio_rc folio_audit_who_accessed(struct folio_store *s, int64_t patient_id, const char *from,
                                       const char *to, struct folio_arena *a,
                                       struct folio_audit_access **out, size_t *n,
                                       struct folio_err *err)
{
    struct folio_audit_query q;
    struct audit_where w;
    struct folio_stmt *st = NULL;
    struct folio_audit_access *arr = NULL, *u = NULL;
    struct folio_buf acts;
    char sql[768], last_action[80] = "";
    size_t cap = 0, cnt = 0;
    bool row = false, oom = false;
    enum folio_rc rc;
    int idx = 1;

    *out = NULL;
    *n = 0;
    folio_buf_init(&acts, 64 * 1024);
    if (patient_id <= 0) {
        rc = folio_err_set(err, FOLIO_EINVAL, "patient_id", "a patient id is required");
        goto out;
    }
    memset(&q, 0, sizeof(q));
    q.patient_id = patient_id;
    q.from = from;
    q.to = to;
    rc = audit_where_build(&q, &w, err);
    if (rc)
        goto out;
    /* One group per (user, action, roles); merged per user below. The distinct actions and the
     * roles at the last access are not portable aggregates (group_concat vs string_agg). */
    if (!folio_snprintf(sql, sizeof(sql),
                        "SELECT username, action, roles, COUNT(*), MIN(at), MAX(at) FROM audit_log "
                        "WHERE 1 = 1%s GROUP BY username, action, roles ORDER BY username, action",
                        w.sql))
        FOLIO_BUG("audit query buffer too small");
    rc = folio_store_prepare(s, sql, &st, err);
    if (rc)
        goto out;
    rc = audit_where_bind(&w, st, &idx);
    if (rc) {
        rc = folio_err_set(err, rc, NULL, "cannot bind the audit query");
        goto out;
    }
    for (;;) {
        const char *user, *action, *roles, *first_at, *last_at;
        int64_t count;

        rc = folio_stmt_step(st, &row, err);
        if (rc)
            goto out;
        if (!row)
            break;
        user = folio_stmt_column_text(st, 0);
        action = folio_stmt_column_text(st, 1);
        roles = folio_stmt_column_text(st, 2);
        count = folio_stmt_column_i64(st, 3);
        first_at = folio_stmt_column_text(st, 4);
        last_at = folio_stmt_column_text(st, 5);
        if (u == NULL || !same_user(u->username, user)) {
            if (u && !close_user(a, u, &acts)) {
                oom = true;
                break;
            }
            if (cnt == cap) {
                size_t ncap = cap ? cap * 2 : 16;
                struct folio_audit_access *na = folio_arena_calloc(a, ncap, sizeof(*na));
                if (na == NULL) {
                    oom = true;
                    break;
                }
                if (cnt)
                    memcpy(na, arr, cnt * sizeof(*na));
                arr = na;
                cap = ncap;
            }
            u = &arr[cnt++];
            u->username = dup_or_null(a, user, &oom);
            last_action[0] = '\0';
        }
        if (action && strcmp(action, last_action) != 0) {
            if ((acts.len && folio_buf_append_ch(&acts, ',')) || folio_buf_append_str(&acts, action))
                oom = true;
            folio_strlcpy(last_action, action, sizeof(last_action));
        }
        u->count += count;
        if (first_at && (u->first_at == NULL || strcmp(first_at, u->first_at) < 0))
            u->first_at = dup_or_null(a, first_at, &oom);
        if (last_at && (u->last_at == NULL || strcmp(last_at, u->last_at) > 0)) {
            u->last_at = dup_or_null(a, last_at, &oom);
            u->roles = dup_or_null(a, roles, &oom);
        }
        if (oom)
            break;
    }
    if (!oom && u && !close_user(a, u, &acts))
        oom = true;
    if (oom) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    if (cnt > 1)
        qsort(arr, cnt, sizeof(*arr), by_last_desc);
    *out = arr;
    *n = cnt;
out:
    folio_stmt_free(st);
    folio_buf_release(&acts);
    return rc;
}

/* The coder's worklist: encounters discharged and not final-coded (DNFC), with their age, payer,
 * assignee and abstract status, and assigning them (include/folio/abstract.h, docs/coding.md). */
#include "folio/base.h"

#include "coding/abstract_int.h"
#include "folio/abstract.h"

#define WL_DEFAULT_LIMIT 50
#define WL_MAX_LIMIT     500
#define ASSIGN_MAX       1000

/* The DNFC encounters with their abstract and payer. The payer is the patient's coverage in
 * force on the discharge date (effective on or before it, not expired before it), else the
 * latest one (by effective date, then id). Dates compare as text: canonical "YYYY-MM-DD". */
#define WL_BASE                                                                                    \
    "SELECT e.id AS id, e.patient_id AS patient_id, e.account_number AS account_number, "          \
    "e.enc_class AS enc_class, e.service AS service, e.discharge_at AS discharge_at, "             \
    "SUBSTR(e.discharge_at, 1, 10) AS dday, a.id AS abstract_id, a.status AS status, "             \
    "a.hold_reason AS hold_reason, a.assigned_to AS assigned_to, a.version AS version, "           \
    "COALESCE((SELECT COALESCE(c.payer_name, c.payer_id) FROM coverage c WHERE c.patient_id = "    \
    "e.patient_id AND COALESCE(c.effective, '') <= SUBSTR(e.discharge_at, 1, 10) AND "             \
    "(c.expires IS NULL OR c.expires >= SUBSTR(e.discharge_at, 1, 10)) ORDER BY "                  \
    "COALESCE(c.effective, '') DESC, c.id DESC LIMIT 1), (SELECT COALESCE(c.payer_name, "          \
    "c.payer_id) FROM coverage c WHERE c.patient_id = e.patient_id ORDER BY "                      \
    "COALESCE(c.effective, '') DESC, c.id DESC LIMIT 1)) AS payer "                                \
    "FROM encounter e LEFT JOIN coding_abstract a ON a.encounter_id = e.id "                       \
    "WHERE e.status = 'discharged' AND e.discharge_at IS NOT NULL AND "                            \
    "(a.id IS NULL OR a.status <> 'final')"

/* The filter as SQL: fixed fragments only (never input), values bound in order by bind_filter. */
struct wl_args {
    char as_of[11];
    char cutoff[11];    /* min_days: discharged on or before this date */
    char bounds[4][11]; /* bucket edges: as_of - 3, - 7, - 14, - 30 */
    int64_t as_of_days;
    char *payer_like; /* heap: "%text%" lower case, LIKE-escaped */
};

static enum folio_rc where_sql(const struct folio_worklist_filter *f, struct folio_buf *b)
{
    enum folio_rc rc = folio_buf_append_str(b, " WHERE 1 = 1");
    if (!rc && f->enc_class)
        rc = folio_buf_append_str(b, " AND w.enc_class = ?");
    if (!rc && f->payer)
        rc = folio_buf_append_str(b, " AND LOWER(w.payer) LIKE ? ESCAPE '\\'");
    if (!rc && f->assigned_to)
        rc = folio_buf_append_str(b, f->assigned_to[0] ? " AND w.assigned_to = ?"
                                                       : " AND w.assigned_to IS NULL");
    if (!rc && f->status == FOLIO_ABS_UNCODED)
        rc = folio_buf_append_str(b, " AND w.abstract_id IS NULL");
    else if (!rc && f->status > 0)
        rc = folio_buf_append_str(b, " AND w.status = ?");
    if (!rc && f->min_days > 0)
        rc = folio_buf_append_str(b, " AND w.dday <= ?");
    return rc;
}

static enum folio_rc bind_filter(struct folio_stmt *st, int *idx,
                                 const struct folio_worklist_filter *f, const struct wl_args *x)
{
    enum folio_rc rc = FOLIO_OK;
    if (f->enc_class)
        rc = folio_stmt_bind_text(st, (*idx)++, f->enc_class, (size_t)-1);
    if (!rc && f->payer)
        rc = folio_stmt_bind_text(st, (*idx)++, x->payer_like, (size_t)-1);
    if (!rc && f->assigned_to && f->assigned_to[0])
        rc = folio_stmt_bind_text(st, (*idx)++, f->assigned_to, (size_t)-1);
    if (!rc && f->status > 0)
        rc = folio_stmt_bind_text(st, (*idx)++,
                                  folio_abstract_status_name((enum folio_abstract_status)f->status),
                                  (size_t)-1);
    if (!rc && f->min_days > 0)
        rc = folio_stmt_bind_text(st, (*idx)++, x->cutoff, (size_t)-1);
    return rc;
}

/* "%text%": lower case (ASCII), LIKE metacharacters escaped. */
static char *like_contains(const char *s)
{
    struct folio_buf b;
    enum folio_rc rc;
    folio_buf_init(&b, 1024);
    rc = folio_buf_append_ch(&b, '%');
    for (const char *p = s; *p && !rc; p++) {
        char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c == '\\' || c == '%' || c == '_')
            rc = folio_buf_append_ch(&b, '\\');
        if (!rc)
            rc = folio_buf_append_ch(&b, c);
    }
    if (!rc)
        rc = folio_buf_append_ch(&b, '%');
    if (rc) {
        folio_buf_release(&b);
        return NULL;
    }
    return folio_buf_detach(&b, NULL);
}

static enum folio_rc check_filter(const struct folio_worklist_filter *f, struct wl_args *x,
                                  struct folio_err *err)
{
    static const int edges[4] = {3, 7, 14, 30};
    enum folio_rc rc = abs_date_arg(f->as_of, "as_of", x->as_of, err);
    if (rc)
        return rc;
    if (!abs_date_days(x->as_of, &x->as_of_days))
        return folio_err_set(err, FOLIO_EINVAL, "as_of", "as_of: not a date");
    if (f->status < -1 || f->status > FOLIO_ABS_REBILL)
        return folio_err_set(err, FOLIO_EINVAL, "status", "status: %d is not an abstract status",
                             f->status);
    if (f->status == FOLIO_ABS_FINAL)
        return folio_err_set(err, FOLIO_EINVAL, "status",
                             "status: the worklist holds only abstracts that are not final");
    if (f->min_days < 0 || f->min_days > 100000)
        return folio_err_set(err, FOLIO_EINVAL, "min_days", "min_days: %d is out of range",
                             f->min_days);
    if ((rc = abs_check_text(f->enc_class, 16, "enc_class", err)) ||
        (rc = abs_check_text(f->payer, 200, "payer", err)) ||
        (rc = abs_check_text(f->assigned_to, ABS_NAME_MAX, "assigned_to", err)))
        return rc;
    abs_date_format(x->as_of_days - f->min_days, x->cutoff);
    for (size_t i = 0; i < 4; i++)
        abs_date_format(x->as_of_days - edges[i], x->bounds[i]);
    if (f->payer && !(x->payer_like = like_contains(f->payer)))
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    return FOLIO_OK;
}

/* Total and aging buckets over every matching row: one aggregate query. */
static enum folio_rc summary(struct folio_store *s, const struct folio_worklist_filter *f,
                             const struct wl_args *x, struct folio_worklist_summary *sum,
                             struct folio_err *err)
{
    struct folio_buf sql;
    struct folio_stmt *st = NULL;
    bool row = false;
    int idx = 1;
    enum folio_rc rc;
    folio_buf_init(&sql, 16384);
    rc = folio_buf_append_str(&sql,
                              "SELECT COUNT(*), "
                              "COALESCE(SUM(CASE WHEN w.dday >= ? THEN 1 ELSE 0 END), 0), "
                              "COALESCE(SUM(CASE WHEN w.dday < ? AND w.dday >= ? THEN 1 ELSE 0 "
                              "END), 0), "
                              "COALESCE(SUM(CASE WHEN w.dday < ? AND w.dday >= ? THEN 1 ELSE 0 "
                              "END), 0), "
                              "COALESCE(SUM(CASE WHEN w.dday < ? AND w.dday >= ? THEN 1 ELSE 0 "
                              "END), 0), "
                              "COALESCE(SUM(CASE WHEN w.dday < ? THEN 1 ELSE 0 END), 0) "
                              "FROM (" WL_BASE ") w");
    if (!rc)
        rc = where_sql(f, &sql);
    if (rc) {
        rc = folio_err_set(err, rc, NULL, "worklist query too long");
        goto out;
    }
    if ((rc = folio_store_prepare(s, sql.data, &st, err)))
        goto out;
    /* bucket k holds days in (edge[k-1], edge[k]]: dday in [as_of - edge[k], as_of - edge[k-1]) */
    const char *p[8] = {x->bounds[0], x->bounds[0], x->bounds[1], x->bounds[1],
                        x->bounds[2], x->bounds[2], x->bounds[3], x->bounds[3]};
    for (size_t i = 0; i < 8 && !rc; i++)
        rc = folio_stmt_bind_text(st, idx++, p[i], (size_t)-1);
    if (!rc)
        rc = bind_filter(st, &idx, f, x);
    if (rc) {
        rc = folio_err_set(err, rc, NULL, "binding parameters failed");
        goto out;
    }
    if ((rc = folio_stmt_step(st, &row, err)))
        goto out;
    if (row) {
        sum->total = (size_t)folio_stmt_column_i64(st, 0);
        for (int i = 0; i < 5; i++)
            sum->buckets[i] = (size_t)folio_stmt_column_i64(st, i + 1);
    }
out:
    folio_stmt_free(st);
    folio_buf_release(&sql);
    return rc;
}

enum folio_rc folio_coding_worklist(struct folio_store *s, const struct folio_worklist_filter *f,
                                    struct folio_arena *a, struct folio_worklist_row **out,
                                    size_t *n, struct folio_worklist_summary *sum,
                                    struct folio_err *err)
{
    static const struct folio_worklist_filter none = {.status = -1};
    struct wl_args x = {0};
    struct folio_buf sql;
    struct folio_stmt *st = NULL;
    struct folio_worklist_row *v = NULL;
    size_t limit, k = 0;
    int idx = 1;
    bool row = false, oom = false;
    enum folio_rc rc;
    *out = NULL;
    *n = 0;
    if (sum)
        memset(sum, 0, sizeof *sum);
    if (!f)
        f = &none;
    folio_buf_init(&sql, 16384);
    if ((rc = check_filter(f, &x, err)))
        goto out;
    limit = f->limit == 0 ? WL_DEFAULT_LIMIT : (f->limit > WL_MAX_LIMIT ? WL_MAX_LIMIT : f->limit);
    if (f->offset > (size_t)INT64_MAX) {
        rc = folio_err_set(err, FOLIO_EINVAL, "offset", "offset: out of range");
        goto out;
    }
    if (sum && (rc = summary(s, f, &x, sum, err)))
        goto out;
    if (!(v = folio_arena_calloc(a, limit, sizeof *v))) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    rc = folio_buf_append_str(&sql, "SELECT w.id, w.patient_id, w.account_number, w.enc_class, "
                                    "w.service, w.discharge_at, w.status, w.hold_reason, "
                                    "w.assigned_to, w.version, w.payer FROM (" WL_BASE ") w");
    if (!rc)
        rc = where_sql(f, &sql);
    if (!rc)
        rc = folio_buf_append_str(&sql, " ORDER BY w.discharge_at, w.id LIMIT ? OFFSET ?");
    if (rc) {
        rc = folio_err_set(err, rc, NULL, "worklist query too long");
        goto out;
    }
    if ((rc = folio_store_prepare(s, sql.data, &st, err)))
        goto out;
    rc = bind_filter(st, &idx, f, &x);
    if (!rc)
        rc = folio_stmt_bind_i64(st, idx++, (int64_t)limit);
    if (!rc)
        rc = folio_stmt_bind_i64(st, idx++, (int64_t)f->offset);
    if (rc) {
        rc = folio_err_set(err, rc, NULL, "binding parameters failed");
        goto out;
    }
    while (k < limit && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        struct folio_worklist_row *w = &v[k++];
        int64_t d = 0;
        w->encounter_id = folio_stmt_column_i64(st, 0);
        w->patient_id = folio_stmt_column_i64(st, 1);
        folio_stmt_column_copy(st, 2, w->account_number, sizeof w->account_number);
        folio_stmt_column_copy(st, 3, w->enc_class, sizeof w->enc_class);
        w->service = folio_stmt_column_dup(a, st, 4, &oom);
        folio_stmt_column_copy(st, 5, w->discharge_at, sizeof w->discharge_at);
        /* discharged after as_of: not yet DNFC on that date, shown with 0 days */
        if (abs_time_day(w->discharge_at, &d) && x.as_of_days > d)
            w->dnfc_days = (int)(x.as_of_days - d);
        w->status = folio_stmt_column_is_null(st, 6)
                        ? FOLIO_ABS_UNCODED
                        : abs_status_from(folio_stmt_column_text(st, 6));
        w->hold_reason = abs_hold_from(folio_stmt_column_text(st, 7));
        w->assigned_to = folio_stmt_column_dup(a, st, 8, &oom);
        w->version = folio_stmt_column_is_null(st, 9) ? 0 : folio_stmt_column_i64(st, 9);
        w->payer = folio_stmt_column_dup(a, st, 10, &oom);
    }
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory reading the worklist");
    if (rc == FOLIO_OK) {
        *out = v;
        *n = k;
    }
out:
    folio_stmt_free(st);
    folio_buf_release(&sql);
    free(x.payer_like);
    return rc;
}

/* ---- assigning ---- */

enum folio_rc folio_coding_assign(struct folio_store *s, const int64_t *encounter_ids, size_t n,
                                  const char *coder, const char *user, const char *now_in,
                                  struct folio_err *err)
{
    char now[32], field[48];
    const char *to = folio_str_empty(coder) ? NULL : coder;
    enum folio_rc rc;
    if (!encounter_ids || n == 0)
        return folio_err_set(err, FOLIO_EINVAL, "encounter_ids", "encounter_ids: none given");
    if (n > ASSIGN_MAX)
        return folio_err_set(err, FOLIO_EINVAL, "encounter_ids",
                             "encounter_ids: %zu encounters, at most %d at once", n, ASSIGN_MAX);
    if ((rc = abs_check_user(user, "user", err)) || (rc = abs_now_arg(now_in, now, err)))
        return rc;
    if (to && (rc = abs_check_user(to, "coder", err)))
        return rc;
    if ((rc = folio_store_begin(s, err)))
        return rc;
    for (size_t i = 0; i < n && !rc; i++) {
        struct abs_row r;
        folio_snprintf(field, sizeof field, "encounter_ids[%zu]", i);
        rc = abs_row_load(s, encounter_ids[i], &r, err);
        if (rc == FOLIO_ENOTFOUND)
            rc = folio_err_set(err, FOLIO_ENOTFOUND, field, "no encounter with id %lld",
                               (long long)encounter_ids[i]);
        if (rc)
            break;
        if (strcmp(r.enc_status, "cancelled") == 0) {
            rc = folio_err_set(err, FOLIO_ESTATE, field,
                               "cannot assign encounter %lld: it is cancelled",
                               (long long)r.encounter_id);
            break;
        }
        if (r.status == FOLIO_ABS_FINAL) {
            rc = folio_err_set(err, FOLIO_ESTATE, field,
                               "cannot assign encounter %lld: its abstract is final; reopen it "
                               "for rebilling first",
                               (long long)r.encounter_id);
            break;
        }
        if (strcmp(r.assigned_to, to ? to : "") == 0)
            continue; /* already so: nothing to record */
        if (r.id == 0 && (rc = abs_create(s, &r, FOLIO_ABS_IN_PROGRESS, user, now, NULL, err)))
            break;
        rc = abs_exec(s, NULL, NULL, NULL, err,
                      "UPDATE coding_abstract SET assigned_to = ?, updated_at = ?, updated_by = ? "
                      "WHERE id = ?",
                      "ttti", to, now, user, r.id);
        if (!rc)
            rc = abs_history_add(s, r.id, r.version, now, user, "assign", 0, NULL,
                                 r.assigned_to[0] ? r.assigned_to : NULL, to, NULL, err);
    }
    return folio_store_end(s, rc, err);
}

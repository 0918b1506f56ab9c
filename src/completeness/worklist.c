/* The chart analyst's worklist: discharged charts to analyse, oldest discharge first, with their
 * open and overdue deficiencies and open queries (include/folio/completeness.h,
 * docs/completeness.md "Worklist"). Built as the coder's DNFC worklist is (src/coding/worklist.c):
 * a WHERE of fixed fragments with values bound in order, a COUNT for paging, then the page. */
#include "folio/base.h"

#include "completeness/completeness_int.h"
#include "folio/records.h"

#define CW_DEFAULT_LIMIT 50
#define CW_MAX_LIMIT     500

/* One chart row of encounter e. The attending is the current one: the latest attending assigned
 * (from_at, then id), as the analysis and the case-mix report take it; the discharge closes the
 * assignment (to_at) but does not change who it was. Bound: as_of (overdue). The overdue count
 * is a SUM over the encounter's open deficiencies: a `due_at < ?` condition would let the
 * planner scan every overdue deficiency of the database (index deficiency_status_due) per row. */
#define CW_MRN     FOLIO_SQL_PATIENT_MRN("e.patient_id")
#define CW_NAME_ID FOLIO_SQL_PATIENT_NAME_ID("e.patient_id")
#define CW_ATTENDING                                                                               \
    "(SELECT ep.provider_id FROM encounter_provider ep WHERE ep.encounter_id = e.id AND "          \
    "ep.role = 'attending' ORDER BY ep.from_at DESC, ep.id DESC LIMIT 1)"
#define CW_COLS                                                                                    \
    "SELECT e.id, e.patient_id, n.family, n.given, " CW_MRN ", e.account_number, e.enc_class, "    \
    "e.service, e.admit_at, e.discharge_at, e.chart_completed_at, e.chart_completed_by, pr.id, "   \
    "pr.family, pr.given, "                                                                        \
    "(SELECT COUNT(*) FROM deficiency d WHERE d.encounter_id = e.id AND d.status = 'open'), "      \
    "(SELECT COALESCE(SUM(CASE WHEN d.due_at < ? THEN 1 ELSE 0 END), 0) FROM deficiency d "        \
    "WHERE d.encounter_id = e.id AND d.status = 'open'), "                                         \
    "(SELECT COUNT(*) FROM cdi_query q WHERE q.encounter_id = e.id AND q.status = 'sent') "        \
    "FROM encounter e LEFT JOIN patient_name n ON n.id = " CW_NAME_ID " "                          \
    "LEFT JOIN provider pr ON pr.id = " CW_ATTENDING " "

enum cw_status { CW_INCOMPLETE, CW_COMPLETE, CW_ALL };

/* The filter as SQL over encounter e: fixed fragments only, values bound by bind_where. */
static enum folio_rc where_sql(enum cw_status status, int64_t responsible, struct folio_buf *b)
{
    enum folio_rc rc =
        folio_buf_append_str(b, " WHERE e.status = 'discharged' AND e.discharge_at IS NOT NULL");
    if (!rc && status == CW_INCOMPLETE)
        rc = folio_buf_append_str(b, " AND e.chart_completed_at IS NULL");
    else if (!rc && status == CW_COMPLETE)
        rc = folio_buf_append_str(b, " AND e.chart_completed_at IS NOT NULL");
    if (!rc && responsible)
        rc = folio_buf_append_str(b, " AND EXISTS (SELECT 1 FROM deficiency r WHERE "
                                     "r.encounter_id = e.id AND r.status = 'open' AND "
                                     "r.responsible_id = ?)");
    return rc;
}

static enum folio_rc bind_where(struct folio_stmt *st, int *idx, int64_t responsible)
{
    if (responsible)
        return folio_stmt_bind_i64(st, (*idx)++, responsible);
    return FOLIO_OK;
}

static char *person_name(struct folio_arena *a, struct folio_stmt *st, int fam_col, bool *oom)
{
    const char *fam = folio_stmt_column_text(st, fam_col);
    const char *giv = folio_stmt_column_text(st, fam_col + 1);
    char *v;
    if (folio_str_empty(fam) && folio_str_empty(giv))
        return NULL;
    v = folio_arena_printf(a, "%s%s%s", fam ? fam : "",
                           !folio_str_empty(fam) && !folio_str_empty(giv) ? ", " : "",
                           giv ? giv : "");
    if (!v)
        *oom = true;
    return v;
}

/* Fills one row from CW_COLS; as_of_s: the clock in seconds. */
static void read_row(struct folio_stmt *st, int64_t as_of_s, struct folio_arena *a,
                     struct folio_cmpl_chart *c, bool *oom)
{
    int64_t d = 0;
    memset(c, 0, sizeof *c);
    c->encounter_id = folio_stmt_column_i64(st, 0);
    c->patient_id = folio_stmt_column_i64(st, 1);
    c->patient_name = person_name(a, st, 2, oom);
    c->mrn = folio_stmt_column_dup(a, st, 4, oom);
    c->account_number = folio_stmt_column_dup(a, st, 5, oom);
    c->enc_class = folio_stmt_column_dup(a, st, 6, oom);
    c->service = folio_stmt_column_dup(a, st, 7, oom);
    folio_stmt_column_copy(st, 8, c->admit_at, sizeof c->admit_at);
    folio_stmt_column_copy(st, 9, c->discharge_at, sizeof c->discharge_at);
    folio_stmt_column_copy(st, 10, c->completed_at, sizeof c->completed_at);
    c->completed_by = folio_stmt_column_dup(a, st, 11, oom);
    c->attending_id = folio_stmt_column_is_null(st, 12) ? 0 : folio_stmt_column_i64(st, 12);
    c->attending_name = person_name(a, st, 13, oom);
    c->open = folio_stmt_column_i64(st, 15);
    c->overdue = folio_stmt_column_i64(st, 16);
    c->open_queries = folio_stmt_column_i64(st, 17);
    /* discharged after as_of (a clock in the past): not yet, 0 days */
    if (cmpl_secs(c->discharge_at, &d) && as_of_s > d)
        c->days_since_discharge = (as_of_s - d) / 86400;
}

static enum folio_rc parse_status(const char *in, enum cw_status *out, struct folio_err *err)
{
    if (in == NULL || strcmp(in, "incomplete") == 0)
        *out = CW_INCOMPLETE;
    else if (strcmp(in, "complete") == 0)
        *out = CW_COMPLETE;
    else if (strcmp(in, "all") == 0)
        *out = CW_ALL;
    else
        return folio_err_set(err, FOLIO_EINVAL, "status",
                             "status: '%.40s' is not one of incomplete, complete, all", in);
    return FOLIO_OK;
}

enum folio_rc folio_completeness_worklist(struct folio_store *s,
                                          const struct folio_cmpl_worklist_filter *f,
                                          struct folio_arena *a, struct folio_cmpl_chart **out,
                                          size_t *n, int64_t *total, struct folio_err *err)
{
    static const struct folio_cmpl_worklist_filter none = {0};
    struct folio_buf where, sql;
    struct folio_stmt *st = NULL;
    struct folio_cmpl_chart *v = NULL;
    enum cw_status status = CW_INCOMPLETE;
    char as_of[32];
    int64_t as_of_s = 0, count = 0;
    size_t limit, k = 0;
    int idx = 1;
    bool row = false, oom = false;
    enum folio_rc rc;

    *out = NULL;
    *n = 0;
    if (total)
        *total = 0;
    if (!f)
        f = &none;
    folio_buf_init(&where, 4096);
    folio_buf_init(&sql, 16384);
    if ((rc = parse_status(f->status, &status, err)))
        goto out;
    if ((rc = cmpl_now(f->as_of, as_of, &as_of_s, err))) {
        if (err && strcmp(err->field, "now") == 0)
            folio_strlcpy(err->field, "as_of", sizeof err->field);
        goto out;
    }
    if (f->responsible_id < 0) {
        rc = folio_err_set(err, FOLIO_EINVAL, "responsible_id", "responsible_id: %lld is not an id",
                           (long long)f->responsible_id);
        goto out;
    }
    if (f->offset > (size_t)INT64_MAX) {
        rc = folio_err_set(err, FOLIO_EINVAL, "offset", "offset: out of range");
        goto out;
    }
    limit = f->limit == 0 ? CW_DEFAULT_LIMIT : (f->limit > CW_MAX_LIMIT ? CW_MAX_LIMIT : f->limit);
    if ((rc = where_sql(status, f->responsible_id, &where))) {
        rc = folio_err_set(err, rc, NULL, "worklist query too long");
        goto out;
    }

    /* the total, for paging */
    rc = folio_buf_appendf(&sql, "SELECT COUNT(*) FROM encounter e%s", where.data);
    if (rc) {
        rc = folio_err_set(err, rc, NULL, "worklist query too long");
        goto out;
    }
    if ((rc = folio_store_prepare(s, sql.data, &st, err)))
        goto out;
    if ((rc = bind_where(st, &idx, f->responsible_id))) {
        rc = folio_err_set(err, rc, NULL, "binding parameters failed");
        goto out;
    }
    if ((rc = folio_stmt_step(st, &row, err)))
        goto out;
    count = row ? folio_stmt_column_i64(st, 0) : 0;
    folio_stmt_free(st);
    st = NULL;

    /* the page: the ids first (ordered, limited), then their rows, so the per-row counts run
     * for the page only */
    folio_buf_reset(&sql);
    rc = folio_buf_appendf(&sql,
                           CW_COLS "WHERE e.id IN (SELECT e.id FROM encounter e%s ORDER BY "
                                   "e.discharge_at, e.id LIMIT ? OFFSET ?) "
                                   "ORDER BY e.discharge_at, e.id",
                           where.data);
    if (rc) {
        rc = folio_err_set(err, rc, NULL, "worklist query too long");
        goto out;
    }
    if ((rc = folio_store_prepare(s, sql.data, &st, err)))
        goto out;
    idx = 1;
    rc = folio_stmt_bind_text(st, idx++, as_of, (size_t)-1);
    if (!rc)
        rc = bind_where(st, &idx, f->responsible_id);
    if (!rc)
        rc = folio_stmt_bind_i64(st, idx++, (int64_t)limit);
    if (!rc)
        rc = folio_stmt_bind_i64(st, idx++, (int64_t)f->offset);
    if (rc) {
        rc = folio_err_set(err, rc, NULL, "binding parameters failed");
        goto out;
    }
    if (!(v = folio_arena_calloc(a, limit, sizeof *v))) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    while (k < limit && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row)
        read_row(st, as_of_s, a, &v[k++], &oom);
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory reading the worklist");
    if (rc == FOLIO_OK) {
        *out = v;
        *n = k;
        if (total)
            *total = count;
    }
out:
    folio_stmt_free(st);
    folio_buf_release(&where);
    folio_buf_release(&sql);
    return rc;
}

enum folio_rc folio_completeness_chart(struct folio_store *s, int64_t encounter_id,
                                       const char *as_of_in, struct folio_arena *a,
                                       struct folio_cmpl_chart *out, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    char as_of[32];
    int64_t as_of_s = 0;
    bool row = false, oom = false;
    enum folio_rc rc;

    memset(out, 0, sizeof *out);
    if ((rc = cmpl_now(as_of_in, as_of, &as_of_s, err))) {
        if (err && strcmp(err->field, "now") == 0)
            folio_strlcpy(err->field, "as_of", sizeof err->field);
        return rc;
    }
    rc = cmpl_prepare(s, &st, err, CW_COLS "WHERE e.id = ?", "Ti", as_of, encounter_id);
    if (rc == FOLIO_OK)
        rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && !row)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "encounter", "no encounter with id %lld",
                           (long long)encounter_id);
    if (rc == FOLIO_OK)
        read_row(st, as_of_s, a, out, &oom);
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    folio_stmt_free(st);
    return rc;
}

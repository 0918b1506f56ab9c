/* Merge and unmerge (include/folio/merge.h, docs/mpi-merge.md).
 *
 * A merge changes only columns listed in merge_tables.c and writes each change to the merge log
 * (mpi_merge_move) before making it; the unmerge walks that log backwards and writes the old
 * values back where the column still holds the merge's value. Nothing is deleted. */
#include "folio/base.h"

#include "folio/audit.h"
#include "folio/mpi.h"
#include "folio/time.h"
#include "merge_int.h"

/* ---- shared helpers ---- */

const char *mpi_actor(const struct folio_chart *c)
{
    return c && !folio_str_empty(c->actor) ? c->actor : "system";
}

const char *mpi_col_str(struct folio_arena *a, struct folio_stmt *st, int idx, bool *oom)
{
    const char *s = folio_stmt_column_text(st, idx);
    if (!s)
        return NULL;
    char *d = folio_arena_strdup(a, s);
    if (!d)
        *oom = true;
    return d;
}

void mpi_page(int64_t *limit, int64_t *offset, int64_t def, int64_t max)
{
    if (*limit <= 0)
        *limit = def;
    if (*limit > max)
        *limit = max;
    if (*offset < 0)
        *offset = 0;
}

enum folio_rc mpi_audit2(const struct folio_chart *c, const char *action, const char *roles,
                         const char *client, int64_t pa, int64_t pb, const char *entity_type,
                         int64_t entity_id, const char *detail, struct folio_err *err)
{
    int64_t pts[2] = {pa, pb};
    for (size_t i = 0; i < 2; i++) {
        if (i == 1 && pb == 0)
            break;
        struct folio_audit_event ev = {
            .action = action,
            .outcome = "success",
            .username = mpi_actor(c),
            .roles = roles,
            .patient_id = pts[i],
            .entity_type = entity_type,
            .entity_id = entity_id,
            .detail = detail,
            .client = client,
        };
        enum folio_rc rc = folio_audit_append(c->store, &ev, NULL, err);
        if (rc)
            return rc;
    }
    return FOLIO_OK;
}

static enum folio_rc tx_finish(struct folio_store *s, enum folio_rc rc, struct folio_err *err)
{
    if (rc == FOLIO_OK) {
        rc = folio_store_commit(s, err);
        if (rc == FOLIO_OK)
            return FOLIO_OK;
    }
    folio_store_rollback(s);
    return rc;
}

/* ---- merge ---- */

struct mctx {
    const struct folio_chart *c;
    struct folio_err *err;
    int64_t merge_id;
    int64_t n_moves;
    char now[32];
    char today[16];
};

static void i64_text(int64_t v, char out[24])
{
    folio_snprintf(out, 24, "%lld", (long long)v);
}

/* UPDATE table SET column = to WHERE id = row AND column holds expect (NULL = SQL NULL), with the
 * values bound as the column's type. *changes gets the changed row count. */
static enum folio_rc set_if(struct folio_store *s, const struct mpi_col *col, int64_t row,
                            const char *to, const char *expect, int64_t *changes,
                            struct folio_err *err)
{
    char sql[256], fmt[4];
    int64_t iv_to = 0, iv_expect = 0;
    if (expect)
        folio_snprintf(sql, sizeof sql, "UPDATE %s SET %s = ? WHERE id = ? AND %s = ?",
                       col->table, col->column, col->column);
    else
        folio_snprintf(sql, sizeof sql, "UPDATE %s SET %s = ? WHERE id = ? AND %s IS NULL",
                       col->table, col->column, col->column);
    if (col->type == 't')
        return expect ? mpi_exec(s, NULL, NULL, changes, err, sql, "TiT", to, row, expect)
                      : mpi_exec(s, NULL, NULL, changes, err, sql, "Ti", to, row);
    if ((to && folio_sv_to_i64(folio_sv_from(to), &iv_to)) ||
        (expect && folio_sv_to_i64(folio_sv_from(expect), &iv_expect)))
        return folio_err_set(err, FOLIO_ESTATE, col->column,
                             "merge log: a non-integer value for %s.%s", col->table, col->column);
    fmt[0] = to ? 'i' : 'n';
    fmt[1] = 'i';
    fmt[2] = expect ? 'i' : '\0';
    fmt[3] = '\0';
    return expect ? mpi_exec(s, NULL, NULL, changes, err, sql, fmt, iv_to, row, iv_expect)
                  : mpi_exec(s, NULL, NULL, changes, err, sql, fmt, iv_to, row);
}

/* Logs one change and makes it (the column must still hold old: a concurrent change is caught).
 * old/new NULL = SQL NULL. */
static enum folio_rc log_set(struct mctx *m, const char *table, const char *column, int64_t row,
                             const char *old_v, const char *new_v)
{
    const struct mpi_col *col = mpi_col_find(table, column);
    int64_t changes = 0;
    enum folio_rc rc;
    if (!col)
        FOLIO_BUG("merge: column %s.%s is not in merge_tables.c", table, column);
    rc = mpi_exec(m->c->store, NULL, NULL, NULL, m->err,
                  "INSERT INTO mpi_merge_move (merge_id, table_name, row_id, column_name, "
                  "old_value, new_value) VALUES (?, ?, ?, ?, ?, ?)",
                  "iTiTTT", m->merge_id, col->table, row, col->column, old_v, new_v);
    if (!rc)
        rc = set_if(m->c->store, col, row, new_v, old_v, &changes, m->err);
    if (rc)
        return rc;
    if (changes != 1)
        return folio_err_set(m->err, FOLIO_ECONFLICT, col->table,
                             "%s %lld changed while it was being merged; try again", col->table,
                             (long long)row);
    m->n_moves++;
    return FOLIO_OK;
}

struct patient_row {
    bool found;
    char status[16];
    int64_t merged_into;
    int64_t version;
    char *updated_at; /* heap */
    char *updated_by;
};

static void patient_row_release(struct patient_row *p)
{
    free(p->updated_at);
    free(p->updated_by);
    p->updated_at = p->updated_by = NULL;
}

static enum folio_rc load_patient(struct mctx *m, int64_t id, const char *field,
                                  struct patient_row *p)
{
    struct folio_stmt *st = NULL;
    bool row = false;
    enum folio_rc rc = mpi_prepare(m->c->store, &st, m->err,
                                   "SELECT status, merged_into, version, updated_at, updated_by "
                                   "FROM patient WHERE id = ?",
                                   "i", id);
    if (rc)
        return rc;
    rc = folio_stmt_step(st, &row, m->err);
    if (rc)
        goto out;
    if (!row) {
        rc = folio_err_set(m->err, FOLIO_ENOTFOUND, field, "no patient %lld", (long long)id);
        goto out;
    }
    p->found = true;
    folio_strlcpy(p->status, folio_stmt_column_text(st, 0), sizeof p->status);
    p->merged_into = folio_stmt_column_is_null(st, 1) ? 0 : folio_stmt_column_i64(st, 1);
    p->version = folio_stmt_column_i64(st, 2);
    p->updated_at = strdup(folio_stmt_column_text(st, 3));
    p->updated_by = strdup(folio_stmt_column_text(st, 4));
    if (!p->updated_at || !p->updated_by)
        rc = folio_err_set(m->err, FOLIO_ENOMEM, NULL, "out of memory");
out:
    folio_stmt_free(st);
    return rc;
}

/* Ids of rows selected by sql (one int64 parameter pair), collected before changing them. */
struct idlist {
    int64_t *v;
    size_t n, cap;
};

static enum folio_rc collect_ids(struct mctx *m, const char *sql, int64_t p1, int64_t p2,
                                 struct idlist *out)
{
    struct folio_stmt *st = NULL;
    bool row = false;
    enum folio_rc rc = mpi_prepare(m->c->store, &st, m->err, sql, "ii", p1, p2);
    if (rc)
        return rc;
    out->n = 0;
    while ((rc = folio_stmt_step(st, &row, m->err)) == FOLIO_OK && row) {
        if (out->n == out->cap) {
            size_t nc = out->cap ? out->cap * 2 : 16, bytes;
            if (!folio_size_mul(nc, sizeof *out->v, &bytes)) {
                rc = folio_err_set(m->err, FOLIO_ENOMEM, NULL, "too many rows");
                break;
            }
            int64_t *nv = realloc(out->v, bytes);
            if (!nv) {
                rc = folio_err_set(m->err, FOLIO_ENOMEM, NULL, "out of memory");
                break;
            }
            out->v = nv;
            out->cap = nc;
        }
        out->v[out->n++] = folio_stmt_column_i64(st, 0);
    }
    folio_stmt_free(st);
    return rc;
}

/* Identifiers active on both sides with the same kind, assigner and value: the retired side's
 * copy is retired (logged) rather than moved. (The unique index on active identifiers makes this
 * impossible today; kept so that the rule holds if that index ever becomes per patient.) */
static enum folio_rc retire_colliding_ids(struct mctx *m, int64_t surv, int64_t ret)
{
    struct idlist ids = {0};
    char why[160];
    enum folio_rc rc = collect_ids(
        m,
        "SELECT r.id FROM patient_identifier r WHERE r.patient_id = ? AND r.active = 1 AND "
        "EXISTS (SELECT 1 FROM patient_identifier s WHERE s.patient_id = ? AND s.active = 1 "
        "AND s.kind = r.kind AND s.assigner = r.assigner AND s.match_key = r.match_key) "
        "ORDER BY r.id",
        ret, surv, &ids);
    folio_snprintf(why, sizeof why, "merge %lld: patient %lld already holds this identifier",
                   (long long)m->merge_id, (long long)surv);
    for (size_t i = 0; !rc && i < ids.n; i++) {
        rc = log_set(m, "patient_identifier", "active", ids.v[i], "1", "0");
        if (!rc)
            rc = log_set(m, "patient_identifier", "retired_at", ids.v[i], NULL, m->now);
        if (!rc)
            rc = log_set(m, "patient_identifier", "retired_by", ids.v[i], NULL, mpi_actor(m->c));
        if (!rc)
            rc = log_set(m, "patient_identifier", "retired_reason", ids.v[i], NULL, why);
    }
    free(ids.v);
    return rc;
}

/* The retired side's current names, addresses and phones of a use the survivor already has
 * current become history (closed on the merge date); the others stay current. */
static enum folio_rc close_history(struct mctx *m, int64_t surv, int64_t ret)
{
    struct idlist ids = {0};
    const char *actor = mpi_actor(m->c);
    enum folio_rc rc = collect_ids(
        m,
        "SELECT r.id FROM patient_name r WHERE r.patient_id = ? AND r.valid_to IS NULL AND "
        "r.ended_by IS NULL AND EXISTS (SELECT 1 FROM patient_name s WHERE s.patient_id = ? AND "
        "s.valid_to IS NULL AND s.name_use = r.name_use) ORDER BY r.id",
        ret, surv, &ids);
    for (size_t i = 0; !rc && i < ids.n; i++) {
        rc = log_set(m, "patient_name", "valid_to", ids.v[i], NULL, m->today);
        if (!rc)
            rc = log_set(m, "patient_name", "ended_by", ids.v[i], NULL, actor);
    }
    if (!rc)
        rc = collect_ids(
            m,
            "SELECT r.id FROM patient_address r WHERE r.patient_id = ? AND r.valid_to IS NULL "
            "AND r.ended_by IS NULL AND EXISTS (SELECT 1 FROM patient_address s WHERE "
            "s.patient_id = ? AND s.valid_to IS NULL AND s.addr_use = r.addr_use) ORDER BY r.id",
            ret, surv, &ids);
    for (size_t i = 0; !rc && i < ids.n; i++) {
        rc = log_set(m, "patient_address", "valid_to", ids.v[i], NULL, m->today);
        if (!rc)
            rc = log_set(m, "patient_address", "ended_by", ids.v[i], NULL, actor);
    }
    if (!rc)
        rc = collect_ids(
            m,
            "SELECT r.id FROM patient_phone r WHERE r.patient_id = ? AND r.is_current = 1 AND "
            "r.ended_at IS NULL AND r.ended_by IS NULL AND EXISTS (SELECT 1 FROM patient_phone "
            "s WHERE s.patient_id = ? AND s.is_current = 1 AND s.phone_use = r.phone_use) "
            "ORDER BY r.id",
            ret, surv, &ids);
    for (size_t i = 0; !rc && i < ids.n; i++) {
        rc = log_set(m, "patient_phone", "is_current", ids.v[i], "1", "0");
        if (!rc)
            rc = log_set(m, "patient_phone", "ended_at", ids.v[i], NULL, m->now);
        if (!rc)
            rc = log_set(m, "patient_phone", "ended_by", ids.v[i], NULL, actor);
    }
    free(ids.v);
    return rc;
}

/* Restricted and VIP charts (include/folio/btg.h): the survivor takes the flags of both charts
 * (OR), so a merge never opens a restricted chart's records to everyone; a change is written to
 * the restriction history. An unmerge leaves the survivor's flags as they are (the privacy
 * officer lifts them by hand) and the retired chart keeps its own. */
static enum folio_rc carry_restriction(struct mctx *m, int64_t surv, int64_t ret)
{
    struct folio_stmt *st = NULL;
    int64_t r[2] = {0, 0}, v[2] = {0, 0}, pid[2] = {surv, ret};
    bool row = false;
    char why[160];
    enum folio_rc rc = FOLIO_OK;

    for (int i = 0; i < 2 && !rc; i++) {
        rc = folio_store_prepare_fmt(m->c->store, &st, m->err,
                                     "SELECT restricted, vip FROM chart_restriction WHERE "
                                     "patient_id = ?",
                                     "i", pid[i]);
        rc = rc ? rc : folio_stmt_step(st, &row, m->err);
        if (rc == FOLIO_OK && row) {
            r[i] = folio_stmt_column_i64(st, 0) != 0;
            v[i] = folio_stmt_column_i64(st, 1) != 0;
        }
        folio_stmt_free(st);
        st = NULL;
    }
    if (rc || ((r[1] | r[0]) == r[0] && (v[1] | v[0]) == v[0]))
        return rc;
    folio_snprintf(why, sizeof why, "merge %lld: patient %lld merged into this chart was %s%s%s",
                   (long long)m->merge_id, (long long)ret, r[1] ? "restricted" : "",
                   r[1] && v[1] ? " and " : "", v[1] ? "flagged VIP" : "");
    rc = mpi_exec(m->c->store, NULL, NULL, NULL, m->err,
                  "INSERT INTO chart_restriction (patient_id, restricted, vip, updated_at, "
                  "updated_by) VALUES (?,?,?,?,?) ON CONFLICT (patient_id) DO UPDATE SET "
                  "restricted = excluded.restricted, vip = excluded.vip, updated_at = "
                  "excluded.updated_at, updated_by = excluded.updated_by",
                  "iiiTT", surv, r[0] | r[1], v[0] | v[1], m->now, mpi_actor(m->c));
    rc = rc ? rc
            : mpi_exec(m->c->store, NULL, NULL, NULL, m->err,
                       "INSERT INTO chart_restriction_event (patient_id, restricted, vip, reason, "
                       "at, by_user) VALUES (?,?,?,?,?,?)",
                       "iiiTTT", surv, r[0] | r[1], v[0] | v[1], why, m->now, mpi_actor(m->c));
    return rc;
}

/* Every MOVE column: log each row of the retired patient, then repoint them all. */
static enum folio_rc move_rows(struct mctx *m, int64_t surv, int64_t ret)
{
    char sql[512], sv[24], rv[24];
    enum folio_rc rc = FOLIO_OK;
    i64_text(surv, sv);
    i64_text(ret, rv);
    for (size_t i = 0; i < mpi_n_cols && !rc; i++) {
        const struct mpi_col *col = &mpi_cols[i];
        int64_t logged = 0, moved = 0;
        if (col->kind != MPI_MOVE)
            continue;
        folio_snprintf(sql, sizeof sql,
                       "INSERT INTO mpi_merge_move (merge_id, table_name, row_id, column_name, "
                       "old_value, new_value) SELECT ?, '%s', id, '%s', ?, ? FROM %s WHERE %s = ? "
                       "ORDER BY id",
                       col->table, col->column, col->table, col->column);
        rc = mpi_exec(m->c->store, NULL, NULL, &logged, m->err, sql, "iTTi", m->merge_id, rv, sv,
                      ret);
        if (rc)
            break;
        folio_snprintf(sql, sizeof sql, "UPDATE %s SET %s = ? WHERE %s = ?", col->table,
                       col->column, col->column);
        rc = mpi_exec(m->c->store, NULL, NULL, &moved, m->err, sql, "ii", surv, ret);
        if (rc)
            break;
        if (moved != logged)
            rc = folio_err_set(m->err, FOLIO_ECONFLICT, col->table,
                               "%s rows of patient %lld changed during the merge; try again",
                               col->table, (long long)ret);
        m->n_moves += moved;
    }
    return rc;
}

static bool valid_source(const char *s)
{
    static const char *const ok[] = {"manual", "worklist", "hl7", "import"};
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(ok); i++)
        if (!strcmp(s, ok[i]))
            return true;
    return false;
}

static enum folio_rc check_reason(const char *reason, struct folio_err *err)
{
    if (folio_str_empty(reason))
        return folio_err_set(err, FOLIO_EINVAL, "reason", "a reason is required");
    if (strlen(reason) > MPI_NOTE_MAX)
        return folio_err_set(err, FOLIO_EINVAL, "reason", "reason is longer than %d bytes",
                             MPI_NOTE_MAX);
    for (const unsigned char *p = (const unsigned char *)reason; *p; p++)
        if (*p < 0x20 && *p != '\t')
            return folio_err_set(err, FOLIO_EINVAL, "reason",
                                 "reason holds a control character");
    return FOLIO_OK;
}

/* Reindex both patients in the matcher's index (the retired one leaves it). */
static enum folio_rc reindex_pair(const struct folio_chart *c, int64_t a, int64_t b,
                                  struct folio_err *err)
{
    enum folio_rc rc = folio_mpi_index_patient(c, a, err);
    if (!rc)
        rc = folio_mpi_index_patient(c, b, err);
    return rc;
}

enum folio_rc mpi_merge_do(const struct folio_chart *c, int64_t surv, int64_t ret,
                           const struct folio_mpi_merge_opts *opts, int64_t *merge_id,
                           struct folio_err *err)
{
    struct mctx m = {.c = c, .err = err};
    struct patient_row ps = {0}, pr = {0};
    char vold[24], vnew[24], sv[24], detail[900];
    const char *source = opts && !folio_str_empty(opts->source) ? opts->source : "manual";
    enum folio_rc rc;
    int64_t changes = 0;
    if (!opts)
        FOLIO_BUG("merge: opts required");
    if (surv <= 0)
        return folio_err_set(err, FOLIO_EINVAL, "surviving_id", "surviving_id is required");
    if (ret <= 0)
        return folio_err_set(err, FOLIO_EINVAL, "retired_id", "retired_id is required");
    if (surv == ret)
        return folio_err_set(err, FOLIO_EINVAL, "retired_id",
                             "cannot merge patient %lld into itself", (long long)ret);
    rc = check_reason(opts->reason, err);
    if (rc)
        return rc;
    if (!valid_source(source))
        return folio_err_set(err, FOLIO_EINVAL, "source", "unknown merge source '%s'", source);
    folio_time_now_utc(m.now);
    memcpy(m.today, m.now, 10);
    m.today[10] = '\0';

    rc = folio_store_begin(c->store, err);
    if (rc)
        return rc;
    rc = load_patient(&m, surv, "surviving_id", &ps);
    if (!rc)
        rc = load_patient(&m, ret, "retired_id", &pr);
    if (rc)
        goto out;
    if (strcmp(ps.status, "active") != 0) {
        rc = folio_err_set(err, FOLIO_ESTATE, "surviving_id",
                           "patient %lld was merged into %lld: it cannot take another chart",
                           (long long)surv, (long long)ps.merged_into);
        goto out;
    }
    if (strcmp(pr.status, "active") != 0) {
        rc = folio_err_set(err, FOLIO_ESTATE, "retired_id",
                           "patient %lld was already merged into %lld", (long long)ret,
                           (long long)pr.merged_into);
        goto out;
    }
    rc = mpi_exec(c->store, &m.merge_id, NULL, NULL, err,
                  "INSERT INTO mpi_merge (surviving_patient_id, retired_patient_id, status, "
                  "source, reason, worklist_pair_id, merged_at, merged_by) "
                  "VALUES (?, ?, 'merged', ?, ?, ?, ?, ?) RETURNING id",
                  "iiTTITT", surv, ret, source, opts->reason, opts->worklist_pair_id, m.now,
                  mpi_actor(c));
    if (rc)
        goto out;
    /* Takes the survivor's row lock (PostgreSQL) and re-checks it is still active. */
    rc = mpi_exec(c->store, NULL, NULL, &changes, err,
                  "UPDATE patient SET status = status WHERE id = ? AND status = 'active'", "i",
                  surv);
    if (!rc && changes != 1)
        rc = folio_err_set(err, FOLIO_ESTATE, "surviving_id",
                           "patient %lld was merged meanwhile", (long long)surv);
    if (rc)
        goto out;
    /* The retired patient: status first, so that a concurrent merge of it fails. */
    i64_text(pr.version, vold);
    i64_text(pr.version + 1, vnew);
    i64_text(surv, sv);
    rc = log_set(&m, "patient", "status", ret, "active", "merged");
    if (!rc)
        rc = log_set(&m, "patient", "merged_into", ret, NULL, sv);
    if (!rc)
        rc = log_set(&m, "patient", "version", ret, vold, vnew);
    if (!rc)
        rc = log_set(&m, "patient", "updated_at", ret, pr.updated_at, m.now);
    if (!rc)
        rc = log_set(&m, "patient", "updated_by", ret, pr.updated_by, mpi_actor(c));
    if (!rc)
        rc = retire_colliding_ids(&m, surv, ret);
    if (!rc)
        rc = close_history(&m, surv, ret);
    if (!rc)
        rc = move_rows(&m, surv, ret);
    if (!rc)
        rc = carry_restriction(&m, surv, ret);
    if (!rc)
        rc = reindex_pair(c, surv, ret, err);
    if (rc)
        goto out;
    folio_snprintf(detail, sizeof detail,
                   "merge=%lld surviving=%lld retired=%lld moved=%lld source=%s reason=%s",
                   (long long)m.merge_id, (long long)surv, (long long)ret, (long long)m.n_moves,
                   source, opts->reason);
    rc = mpi_audit2(c, "patient.merge", opts->roles, opts->client, surv, ret, "merge", m.merge_id,
                    detail, err);
out:
    patient_row_release(&ps);
    patient_row_release(&pr);
    rc = tx_finish(c->store, rc, err);
    if (rc == FOLIO_OK && merge_id)
        *merge_id = m.merge_id;
    return rc;
}

enum folio_rc folio_mpi_merge_ex(const struct folio_chart *c, int64_t surviving_id,
                                 int64_t retired_id, const struct folio_mpi_merge_opts *opts,
                                 int64_t *merge_id, struct folio_err *err)
{
    if (!opts)
        return folio_err_set(err, FOLIO_EINVAL, "reason", "a reason is required");
    return mpi_merge_do(c, surviving_id, retired_id, opts, merge_id, err);
}

enum folio_rc folio_mpi_merge(const struct folio_chart *c, int64_t surviving_id,
                              int64_t retired_id, const char *reason, int64_t *merge_id,
                              struct folio_err *err)
{
    struct folio_mpi_merge_opts o = {.reason = reason, .source = "manual"};
    return mpi_merge_do(c, surviving_id, retired_id, &o, merge_id, err);
}

/* ---- unmerge ---- */

struct move_row {
    int64_t seq;
    const struct mpi_col *col;
    int64_t row_id;
    char *old_v; /* heap, NULL for SQL NULL */
    char *new_v;
};

static void moves_free(struct move_row *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].old_v);
        free(v[i].new_v);
    }
    free(v);
}

static char *dup_or_null(const char *s, bool *oom)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (!d)
        *oom = true;
    else
        memcpy(d, s, n);
    return d;
}

static enum folio_rc load_moves(const struct folio_chart *c, int64_t merge_id,
                                struct move_row **out, size_t *n_out, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct move_row *v = NULL;
    size_t n = 0, cap = 0;
    bool row = false, oom = false;
    enum folio_rc rc = mpi_prepare(c->store, &st, err,
                                   "SELECT id, table_name, row_id, column_name, old_value, "
                                   "new_value FROM mpi_merge_move WHERE merge_id = ? ORDER BY id",
                                   "i", merge_id);
    if (rc)
        return rc;
    while ((rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        const struct mpi_col *col =
            mpi_col_find(folio_stmt_column_text(st, 1), folio_stmt_column_text(st, 3));
        if (!col) {
            rc = folio_err_set(err, FOLIO_ESTATE, "merge_id",
                               "merge log row %lld names a column this program does not know",
                               (long long)folio_stmt_column_i64(st, 0));
            break;
        }
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 64, bytes;
            struct move_row *nv;
            if (!folio_size_mul(nc, sizeof *v, &bytes) || !(nv = realloc(v, bytes))) {
                oom = true;
                break;
            }
            v = nv;
            cap = nc;
        }
        v[n].seq = folio_stmt_column_i64(st, 0);
        v[n].col = col;
        v[n].row_id = folio_stmt_column_i64(st, 2);
        v[n].old_v = dup_or_null(folio_stmt_column_text(st, 4), &oom);
        v[n].new_v = dup_or_null(folio_stmt_column_text(st, 5), &oom);
        n++;
        if (oom)
            break;
    }
    folio_stmt_free(st);
    if (!rc && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory reading the merge log");
    if (rc) {
        moves_free(v, n);
        return rc;
    }
    *out = v;
    *n_out = n;
    return FOLIO_OK;
}

/* Writes one logged value back, where the column still holds the merge's value. */
static enum folio_rc revert_one(const struct folio_chart *c, const struct move_row *mv,
                                struct folio_err *err)
{
    const struct mpi_col *col = mv->col;
    int64_t changes = 0;
    enum folio_rc rc = set_if(c->store, col, mv->row_id, mv->old_v, mv->new_v, &changes, err);
    if (rc)
        return rc;
    if (changes != 1)
        return folio_err_set(err, FOLIO_ECONFLICT, col->table,
                             "%s %lld: %s was changed after the merge (the merge set it to '%s'); "
                             "the unmerge cannot restore it exactly",
                             col->table, (long long)mv->row_id, col->column,
                             mv->new_v ? mv->new_v : "NULL");
    return FOLIO_OK;
}

/* After the reversal: a row still on the survivor (filed after the merge) must not point at an
 * encounter that went back to the restored patient. */
static enum folio_rc check_encounters(const struct folio_chart *c, int64_t surv, int64_t ret,
                                      struct folio_err *err)
{
    char sql[512];
    enum folio_rc rc = FOLIO_OK;
    for (size_t i = 0; i < mpi_n_cols && !rc; i++) {
        const struct mpi_col *col = &mpi_cols[i];
        int64_t id = 0, enc = 0;
        bool found = false;
        struct folio_stmt *st = NULL;
        if (col->kind != MPI_MOVE || !col->has_encounter)
            continue;
        folio_snprintf(sql, sizeof sql,
                       "SELECT t.id, t.encounter_id FROM %s t JOIN encounter e ON e.id = "
                       "t.encounter_id WHERE t.%s IN (?, ?) AND e.patient_id <> t.%s ORDER BY t.id "
                       "LIMIT 1",
                       col->table, col->column, col->column);
        rc = mpi_prepare(c->store, &st, err, sql, "ii", surv, ret);
        if (rc)
            break;
        rc = folio_stmt_step(st, &found, err);
        if (!rc && found) {
            id = folio_stmt_column_i64(st, 0);
            enc = folio_stmt_column_i64(st, 1);
        }
        folio_stmt_free(st);
        if (!rc && found)
            rc = folio_err_set(err, FOLIO_ECONFLICT, col->table,
                               "%s %lld was filed after the merge on encounter %lld, which goes "
                               "back to patient %lld: move or correct it first",
                               col->table, (long long)id, (long long)enc, (long long)ret);
    }
    return rc;
}

enum folio_rc folio_mpi_unmerge_ex(const struct folio_chart *c, int64_t merge_id,
                                   const struct folio_mpi_merge_opts *opts, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct move_row *mv = NULL;
    size_t n = 0;
    bool row = false;
    int64_t surv = 0, ret = 0, changes = 0;
    char status[16] = "", now[32], detail[900];
    enum folio_rc rc;
    if (merge_id <= 0)
        return folio_err_set(err, FOLIO_EINVAL, "merge_id", "merge_id is required");
    rc = check_reason(opts ? opts->reason : NULL, err);
    if (rc)
        return rc;
    folio_time_now_utc(now);
    rc = folio_store_begin(c->store, err);
    if (rc)
        return rc;
    rc = mpi_prepare(c->store, &st, err,
                     "SELECT m.surviving_patient_id, m.retired_patient_id, m.status, p.status, "
                     "p.merged_into FROM mpi_merge m JOIN patient p ON p.id = "
                     "m.surviving_patient_id WHERE m.id = ?",
                     "i", merge_id);
    if (rc)
        goto out;
    rc = folio_stmt_step(st, &row, err);
    if (!rc && !row)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "merge_id", "no merge %lld", (long long)merge_id);
    if (!rc) {
        surv = folio_stmt_column_i64(st, 0);
        ret = folio_stmt_column_i64(st, 1);
        folio_strlcpy(status, folio_stmt_column_text(st, 2), sizeof status);
        if (strcmp(status, "merged") != 0)
            rc = folio_err_set(err, FOLIO_ESTATE, "merge_id", "merge %lld was already unmerged",
                               (long long)merge_id);
        else if (strcmp(folio_stmt_column_text(st, 3), "active") != 0)
            rc = folio_err_set(err, FOLIO_ESTATE, "merge_id",
                               "patient %lld (the survivor) has since been merged into %lld: "
                               "unmerge that merge first",
                               (long long)surv, (long long)folio_stmt_column_i64(st, 4));
    }
    folio_stmt_free(st);
    st = NULL;
    if (rc)
        goto out;
    /* Lock the merge row (and fail a concurrent unmerge). */
    rc = mpi_exec(c->store, NULL, NULL, &changes, err,
                  "UPDATE mpi_merge SET status = 'unmerged', unmerged_at = ?, unmerged_by = ?, "
                  "unmerge_reason = ? WHERE id = ? AND status = 'merged'",
                  "TTTi", now, mpi_actor(c), opts->reason, merge_id);
    if (!rc && changes != 1)
        rc = folio_err_set(err, FOLIO_ESTATE, "merge_id", "merge %lld was unmerged meanwhile",
                           (long long)merge_id);
    if (!rc)
        rc = load_moves(c, merge_id, &mv, &n, err);
    for (size_t i = n; !rc && i > 0; i--)
        rc = revert_one(c, &mv[i - 1], err);
    if (!rc)
        rc = check_encounters(c, surv, ret, err);
    if (!rc)
        rc = mpi_exec(c->store, NULL, NULL, NULL, err,
                      "UPDATE mpi_worklist SET status = 'not_duplicate', decided_by = ?, "
                      "decided_at = ?, updated_at = ?, note = ? WHERE merge_id = ?",
                      "TTTTi", mpi_actor(c), now, now, opts->reason, merge_id);
    if (!rc)
        rc = mpi_exec(c->store, NULL, NULL, NULL, err,
                      "UPDATE feed_merge_request SET status = 'unmerged' WHERE merge_id = ?", "i",
                      merge_id);
    if (!rc)
        rc = reindex_pair(c, surv, ret, err);
    if (rc)
        goto out;
    folio_snprintf(detail, sizeof detail,
                   "merge=%lld surviving=%lld retired=%lld restored=%zu reason=%s",
                   (long long)merge_id, (long long)surv, (long long)ret, n, opts->reason);
    rc = mpi_audit2(c, "patient.unmerge", opts->roles, opts->client, surv, ret, "merge", merge_id,
                    detail, err);
out:
    moves_free(mv, n);
    return tx_finish(c->store, rc, err);
}

enum folio_rc folio_mpi_unmerge(const struct folio_chart *c, int64_t merge_id, const char *reason,
                                struct folio_err *err)
{
    struct folio_mpi_merge_opts o = {.reason = reason};
    return folio_mpi_unmerge_ex(c, merge_id, &o, err);
}

/* ---- reading ---- */

#define MERGE_COLS                                                                                 \
    "m.id, m.surviving_patient_id, m.retired_patient_id, m.status, m.source, m.reason, "         \
    "m.merged_at, m.merged_by, m.unmerged_at, m.unmerged_by, m.unmerge_reason, "                 \
    "m.worklist_pair_id, (SELECT COUNT(*) FROM mpi_merge_move v WHERE v.merge_id = m.id)"

static void read_merge(struct folio_stmt *st, struct folio_arena *a,
                       struct folio_mpi_merge_info *o, bool *oom)
{
    o->id = folio_stmt_column_i64(st, 0);
    o->surviving_id = folio_stmt_column_i64(st, 1);
    o->retired_id = folio_stmt_column_i64(st, 2);
    o->status = mpi_col_str(a, st, 3, oom);
    o->source = mpi_col_str(a, st, 4, oom);
    o->reason = mpi_col_str(a, st, 5, oom);
    o->merged_at = mpi_col_str(a, st, 6, oom);
    o->merged_by = mpi_col_str(a, st, 7, oom);
    o->unmerged_at = mpi_col_str(a, st, 8, oom);
    o->unmerged_by = mpi_col_str(a, st, 9, oom);
    o->unmerge_reason = mpi_col_str(a, st, 10, oom);
    o->worklist_pair_id = folio_stmt_column_is_null(st, 11) ? 0 : folio_stmt_column_i64(st, 11);
    o->n_moves = folio_stmt_column_i64(st, 12);
}

enum folio_rc folio_mpi_merge_get(const struct folio_chart *c, int64_t merge_id,
                                  struct folio_arena *a, struct folio_mpi_merge_info *out,
                                  struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false, oom = false;
    enum folio_rc rc = mpi_prepare(c->store, &st, err,
                                   "SELECT " MERGE_COLS " FROM mpi_merge m WHERE m.id = ?", "i",
                                   merge_id);
    if (rc)
        return rc;
    rc = folio_stmt_step(st, &row, err);
    if (!rc && !row)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "merge_id", "no merge %lld", (long long)merge_id);
    if (!rc) {
        memset(out, 0, sizeof *out);
        read_merge(st, a, out, &oom);
        if (oom)
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    }
    folio_stmt_free(st);
    return rc;
}

enum folio_rc folio_mpi_merge_list(const struct folio_chart *c, int64_t patient_id, int64_t limit,
                                   int64_t offset, struct folio_arena *a,
                                   struct folio_mpi_merge_page *out, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false, oom = false, found = false;
    size_t n = 0;
    enum folio_rc rc;
    memset(out, 0, sizeof *out);
    mpi_page(&limit, &offset, 50, 1000);
    rc = mpi_exec(c->store, &out->total, &found, NULL, err,
                  "SELECT COUNT(*) FROM mpi_merge WHERE ? = 0 OR surviving_patient_id = ? OR "
                  "retired_patient_id = ?",
                  "iii", patient_id, patient_id, patient_id);
    if (rc)
        return rc;
    out->items = folio_arena_calloc(a, (size_t)limit, sizeof *out->items);
    if (!out->items)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    rc = mpi_prepare(c->store, &st, err,
                     "SELECT " MERGE_COLS " FROM mpi_merge m WHERE ? = 0 OR "
                     "m.surviving_patient_id = ? OR m.retired_patient_id = ? ORDER BY m.id DESC "
                     "LIMIT ? OFFSET ?",
                     "iiiii", patient_id, patient_id, patient_id, limit, offset);
    if (rc)
        return rc;
    while ((rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row && n < (size_t)limit)
        read_merge(st, a, &out->items[n++], &oom);
    folio_stmt_free(st);
    out->n = n;
    if (!rc && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    return rc;
}

enum folio_rc folio_mpi_merge_moves(const struct folio_chart *c, int64_t merge_id, int64_t limit,
                                    int64_t offset, struct folio_arena *a,
                                    struct folio_mpi_move **out, size_t *n, int64_t *total,
                                    struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false, oom = false, found = false;
    size_t k = 0;
    int64_t t = 0;
    struct folio_mpi_move *v;
    enum folio_rc rc;
    *out = NULL;
    *n = 0;
    if (limit <= 0)
        limit = 1000;
    mpi_page(&limit, &offset, 1000, 10000);
    rc = mpi_exec(c->store, &t, &found, NULL, err, "SELECT id FROM mpi_merge WHERE id = ?", "i",
                  merge_id);
    if (!rc && !found)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "merge_id", "no merge %lld", (long long)merge_id);
    if (!rc)
        rc = mpi_exec(c->store, &t, NULL, NULL, err,
                      "SELECT COUNT(*) FROM mpi_merge_move WHERE merge_id = ?", "i", merge_id);
    if (rc)
        return rc;
    if (total)
        *total = t;
    v = folio_arena_calloc(a, (size_t)limit, sizeof *v);
    if (!v)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    rc = mpi_prepare(c->store, &st, err,
                     "SELECT id, table_name, row_id, column_name, old_value, new_value FROM "
                     "mpi_merge_move WHERE merge_id = ? ORDER BY id LIMIT ? OFFSET ?",
                     "iii", merge_id, limit, offset);
    if (rc)
        return rc;
    while ((rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row && k < (size_t)limit) {
        v[k].seq = folio_stmt_column_i64(st, 0);
        v[k].table = mpi_col_str(a, st, 1, &oom);
        v[k].row_id = folio_stmt_column_i64(st, 2);
        v[k].column = mpi_col_str(a, st, 3, &oom);
        v[k].old_value = mpi_col_str(a, st, 4, &oom);
        v[k].new_value = mpi_col_str(a, st, 5, &oom);
        k++;
    }
    folio_stmt_free(st);
    if (!rc && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    if (!rc) {
        *out = v;
        *n = k;
    }
    return rc;
}

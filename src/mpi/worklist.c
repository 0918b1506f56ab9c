/* The potential-duplicate worklist (include/folio/merge.h, docs/mpi-merge.md): pairs proposed by
 * the matcher (folio/mpi.h) or by an HL7 A40, and a person's decision on each. A pair is one row
 * forever, so "not a duplicate" is remembered across scans. */
#include "folio/base.h"

#include <math.h>

#include "folio/json.h"
#include "folio/mpi.h"
#include "folio/time.h"
#include "merge_int.h"

static enum folio_rc tx_end(struct folio_store *s, enum folio_rc rc, struct folio_err *err)
{
    if (rc == FOLIO_OK) {
        rc = folio_store_commit(s, err);
        if (rc == FOLIO_OK)
            return FOLIO_OK;
    }
    folio_store_rollback(s);
    return rc;
}

/* The explanation of a score as JSON (see struct folio_mpi_pair), appended to b. */
static enum folio_rc reasons_json(const struct folio_mpi_score *sc, struct folio_buf *b,
                                  struct folio_err *err)
{
    json_t *o = json_object(), *rules = json_array(), *fields = json_array();
    enum folio_rc rc = FOLIO_OK;
    if (!o || !rules || !fields) {
        rc = FOLIO_ENOMEM;
        goto out;
    }
    for (unsigned bit = 1; bit && bit <= sc->rules; bit <<= 1)
        if ((sc->rules & bit) && json_array_append_new(rules, json_string(folio_mpi_rule_text(bit))))
            rc = FOLIO_ENOMEM;
    for (size_t i = 0; i < FOLIO_MPI_NFIELDS && !rc; i++) {
        const struct folio_mpi_reason *r = &sc->reasons[i];
        json_t *f = json_object();
        if (!f || json_object_set_new(f, "field", json_string(folio_mpi_field_name(r->field))) ||
            json_object_set_new(f, "level", json_string(folio_mpi_level_name(r->level))) ||
            json_object_set_new(f, "weight", json_real(r->weight)) ||
            json_object_set_new(f, "a", folio_json_str_or_null(r->a)) ||
            json_object_set_new(f, "b", folio_json_str_or_null(r->b)) ||
            json_object_set_new(f, "note", json_string(r->note)) ||
            json_array_append_new(fields, f))
            rc = FOLIO_ENOMEM;
    }
    if (rc)
        goto out;
    if (json_object_set_new(o, "score", json_real(sc->score)) ||
        json_object_set_new(o, "decision", json_string(folio_mpi_decision_name(sc->decision))) ||
        json_object_set(o, "rules", rules) || json_object_set(o, "fields", fields)) {
        rc = FOLIO_ENOMEM;
        goto out;
    }
    rc = folio_json_dump(o, b);
out:
    json_decref(rules);
    json_decref(fields);
    json_decref(o);
    if (rc)
        return folio_err_set(err, rc, NULL, "could not write the explanation of a score");
    return FOLIO_OK;
}

static const char *band_of(const struct folio_mpi_score *sc)
{
    return sc->decision == FOLIO_MPI_LINK ? "link" : "review";
}

struct scan_ctx {
    const struct folio_chart *c;
    struct folio_err *err;
    char now[32];
    int64_t added;
    int64_t max_pairs;
    enum folio_rc rc;
    struct folio_buf json;
};

#define SCAN_STOP 1000 /* returned by the callback to stop at max_pairs */

static int scan_pair(void *vctx, int64_t a_id, int64_t b_id, const struct folio_mpi_score *sc)
{
    struct scan_ctx *x = vctx;
    int64_t id = 0, changes = 0;
    bool found = false;
    enum folio_rc rc;
    if (a_id == b_id)
        return 0;
    if (a_id > b_id) {
        int64_t t = a_id;
        a_id = b_id;
        b_id = t;
    }
    folio_buf_reset(&x->json);
    rc = reasons_json(sc, &x->json, x->err);
    if (rc)
        goto fail;
    /* Only open pairs are refreshed; decided ones are never touched. */
    rc = mpi_exec(x->c->store, NULL, NULL, &changes, x->err,
                  "UPDATE mpi_worklist SET score = ?, band = ?, reasons = ?, updated_at = ? "
                  "WHERE patient_a = ? AND patient_b = ? AND status = 'open' AND source = 'scan'",
                  "dTTTii", sc->score, band_of(sc), x->json.data, x->now, a_id, b_id);
    if (rc)
        goto fail;
    if (changes > 0)
        return 0;
    rc = mpi_exec(x->c->store, &id, &found, NULL, x->err,
                  "INSERT INTO mpi_worklist (patient_a, patient_b, score, band, source, reasons, "
                  "status, created_at, updated_at) VALUES (?, ?, ?, ?, 'scan', ?, 'open', ?, ?) "
                  "ON CONFLICT (patient_a, patient_b) DO NOTHING RETURNING id",
                  "iidTTTT", a_id, b_id, sc->score, band_of(sc), x->json.data, x->now, x->now);
    if (rc)
        goto fail;
    if (found) {
        x->added++;
        if (x->max_pairs > 0 && x->added >= x->max_pairs)
            return SCAN_STOP;
    }
    return 0;
fail:
    x->rc = rc;
    return (int)rc;
}

enum folio_rc folio_mpi_worklist_scan_ex(const struct folio_chart *c,
                                         const struct folio_mpi_scan_opts *opts, int64_t *added,
                                         int64_t *reopened, struct folio_err *err)
{
    struct scan_ctx x = {.c = c, .err = err};
    struct folio_mpi_model model;
    char today[48], detail[96];
    int64_t n_reopened = 0;
    enum folio_rc rc;
    folio_time_now_utc(x.now);
    if (opts && !folio_str_empty(opts->today)) {
        rc = folio_time_normalize(opts->today, today, sizeof today, "today", err);
        if (rc)
            return rc;
        if (strlen(today) != 10)
            return folio_err_set(err, FOLIO_EINVAL, "today", "today must be a date: '%s'",
                                 opts->today);
    } else {
        memcpy(today, x.now, 10);
        today[10] = '\0';
    }
    x.max_pairs = opts ? opts->max_pairs : 0;
    folio_buf_init(&x.json, 64 * 1024);
    folio_mpi_model_default(&model);
    rc = folio_store_begin(c->store, err);
    if (rc)
        goto done;
    rc = mpi_exec(c->store, NULL, NULL, &n_reopened, err,
                  "UPDATE mpi_worklist SET status = 'open', updated_at = ? WHERE status = "
                  "'deferred' AND defer_until <= ?",
                  "TT", x.now, today);
    if (rc)
        goto out;
    rc = folio_mpi_scan_pairs(c, &model, NAN, scan_pair, &x, err);
    if (rc == (enum folio_rc)SCAN_STOP)
        rc = FOLIO_OK;
    else if (rc && x.rc)
        rc = x.rc;
    if (rc)
        goto out;
    folio_snprintf(detail, sizeof detail, "added=%lld reopened=%lld", (long long)x.added,
                   (long long)n_reopened);
    rc = mpi_audit2(c, "mpi.scan", NULL, NULL, 0, 0, "worklist", 0, detail, err);
out:
    rc = tx_end(c->store, rc, err);
done:
    folio_buf_release(&x.json);
    if (rc == FOLIO_OK) {
        if (added)
            *added = x.added;
        if (reopened)
            *reopened = n_reopened;
    }
    return rc;
}

enum folio_rc folio_mpi_worklist_scan(const struct folio_chart *c, int64_t *added,
                                      struct folio_err *err)
{
    return folio_mpi_worklist_scan_ex(c, NULL, added, NULL, err);
}

/* ---- reading ---- */

#define PAIR_COLS                                                                                  \
    "w.id, w.patient_a, w.patient_b, w.score, w.band, w.source, w.feed_request_id, w.reasons, "  \
    "w.status, w.defer_until, w.decided_by, w.decided_at, w.note, w.merge_id, w.created_at, "     \
    "w.updated_at"

static void read_pair(struct folio_stmt *st, struct folio_arena *a, struct folio_mpi_pair *p,
                      bool *oom)
{
    p->id = folio_stmt_column_i64(st, 0);
    p->patient_a = folio_stmt_column_i64(st, 1);
    p->patient_b = folio_stmt_column_i64(st, 2);
    p->score = folio_stmt_column_double(st, 3);
    p->band = mpi_col_str(a, st, 4, oom);
    p->source = mpi_col_str(a, st, 5, oom);
    p->feed_request_id = folio_stmt_column_is_null(st, 6) ? 0 : folio_stmt_column_i64(st, 6);
    p->reasons_json = mpi_col_str(a, st, 7, oom);
    p->status = mpi_col_str(a, st, 8, oom);
    p->defer_until = mpi_col_str(a, st, 9, oom);
    p->decided_by = mpi_col_str(a, st, 10, oom);
    p->decided_at = mpi_col_str(a, st, 11, oom);
    p->note = mpi_col_str(a, st, 12, oom);
    p->merge_id = folio_stmt_column_is_null(st, 13) ? 0 : folio_stmt_column_i64(st, 13);
    p->created_at = mpi_col_str(a, st, 14, oom);
    p->updated_at = mpi_col_str(a, st, 15, oom);
}

enum folio_rc folio_mpi_worklist_get(const struct folio_chart *c, int64_t pair_id,
                                     struct folio_arena *a, struct folio_mpi_pair *out,
                                     struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false, oom = false;
    enum folio_rc rc = mpi_prepare(c->store, &st, err,
                                   "SELECT " PAIR_COLS " FROM mpi_worklist w WHERE w.id = ?", "i",
                                   pair_id);
    if (rc)
        return rc;
    rc = folio_stmt_step(st, &row, err);
    if (!rc && !row)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "pair_id", "no worklist pair %lld",
                           (long long)pair_id);
    if (!rc) {
        memset(out, 0, sizeof *out);
        read_pair(st, a, out, &oom);
        if (oom)
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    }
    folio_stmt_free(st);
    return rc;
}

static const char *const statuses[] = {"open", "merged", "not_duplicate", "deferred", "all"};

enum folio_rc folio_mpi_worklist_list(const struct folio_chart *c,
                                      const struct folio_mpi_worklist_query *q,
                                      struct folio_arena *a, struct folio_mpi_pair_page *out,
                                      struct folio_err *err)
{
    static const char where[] =
        " FROM mpi_worklist w JOIN patient pa ON pa.id = w.patient_a JOIN patient pb ON pb.id = "
        "w.patient_b WHERE (? = 'all' OR w.status = ?) AND (? = 0 OR w.patient_a = ? OR "
        "w.patient_b = ?) AND (w.status <> 'open' OR (pa.status = 'active' AND pb.status = "
        "'active'))";
    struct folio_stmt *st = NULL;
    const char *status = q && !folio_str_empty(q->status) ? q->status : "open";
    int64_t limit = q ? q->limit : 0, offset = q ? q->offset : 0, pid = q ? q->patient_id : 0;
    bool row = false, oom = false, ok = false;
    size_t n = 0;
    enum folio_rc rc;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(statuses); i++)
        ok = ok || !strcmp(statuses[i], status);
    if (!ok)
        return folio_err_set(err, FOLIO_EINVAL, "status",
                             "unknown status '%s' (open, merged, not_duplicate, deferred, all)",
                             status);
    mpi_page(&limit, &offset, 50, 1000);
    {
        char sql[1024];
        folio_snprintf(sql, sizeof sql, "SELECT COUNT(*)%s", where);
        rc = mpi_exec(c->store, &out->total, NULL, NULL, err, sql, "TTiii", status, status, pid,
                      pid, pid);
    }
    if (rc)
        return rc;
    out->items = folio_arena_calloc(a, (size_t)limit, sizeof *out->items);
    if (!out->items)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    {
        char sql[1024];
        folio_snprintf(sql, sizeof sql,
                       "SELECT " PAIR_COLS "%s ORDER BY w.score DESC, w.id LIMIT ? OFFSET ?",
                       where);
        rc = mpi_prepare(c->store, &st, err, sql, "TTiiiii", status, status, pid, pid, pid, limit,
                         offset);
    }
    if (rc)
        return rc;
    while ((rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row && n < (size_t)limit)
        read_pair(st, a, &out->items[n++], &oom);
    folio_stmt_free(st);
    out->n = n;
    if (!rc && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    return rc;
}

/* ---- decisions ---- */

enum folio_rc folio_mpi_worklist_decide(const struct folio_chart *c, int64_t pair_id,
                                        const struct folio_mpi_decide *d, int64_t *merge_id,
                                        struct folio_err *err)
{
    struct folio_arena a;
    struct folio_mpi_pair p;
    char now[32], until[48] = "", detail[700];
    int64_t mid = 0, changes = 0;
    const char *status_to = NULL;
    enum folio_rc rc;
    if (!d)
        return folio_err_set(err, FOLIO_EINVAL, "decision", "a decision is required");
    if (d->note && strlen(d->note) > MPI_NOTE_MAX)
        return folio_err_set(err, FOLIO_EINVAL, "note", "note is longer than %d bytes",
                             MPI_NOTE_MAX);
    folio_time_now_utc(now);
    switch (d->verdict) {
    case FOLIO_MPI_VERDICT_MERGE:
        status_to = "merged";
        break;
    case FOLIO_MPI_VERDICT_NOT_DUPLICATE:
        status_to = "not_duplicate";
        break;
    case FOLIO_MPI_VERDICT_DEFER:
        status_to = "deferred";
        if (folio_str_empty(d->defer_until))
            return folio_err_set(err, FOLIO_EINVAL, "defer_until", "defer_until is required");
        rc = folio_time_normalize(d->defer_until, until, sizeof until, "defer_until", err);
        if (rc)
            return rc;
        if (strlen(until) != 10)
            return folio_err_set(err, FOLIO_EINVAL, "defer_until",
                                 "defer_until must be a date (YYYY-MM-DD): '%s'", d->defer_until);
        if (strncmp(until, now, 10) < 0)
            return folio_err_set(err, FOLIO_EINVAL, "defer_until",
                                 "defer_until %s is in the past", until);
        break;
    default:
        return folio_err_set(err, FOLIO_EINVAL, "decision", "unknown decision %d",
                             (int)d->verdict);
    }
    folio_arena_init(&a, 0);
    rc = folio_store_begin(c->store, err);
    if (rc)
        goto done;
    rc = folio_mpi_worklist_get(c, pair_id, &a, &p, err);
    if (rc)
        goto out;
    if (!strcmp(p.status, "merged") || !strcmp(p.status, "not_duplicate")) {
        rc = folio_err_set(err, FOLIO_ESTATE, "pair_id", "pair %lld was already decided: %s",
                           (long long)pair_id, p.status);
        goto out;
    }
    if (d->expected_status && strcmp(d->expected_status, p.status) != 0) {
        rc = folio_err_set(err, FOLIO_ECONFLICT, "status",
                           "pair %lld is now %s (expected %s): someone decided meanwhile",
                           (long long)pair_id, p.status, d->expected_status);
        goto out;
    }
    if (d->verdict == FOLIO_MPI_VERDICT_MERGE) {
        int64_t surv = d->surviving_id, ret;
        struct folio_mpi_merge_opts mo = {
            .reason = !folio_str_empty(d->note) ? d->note : "potential-duplicate worklist",
            .source = p.source && !strcmp(p.source, "hl7") ? "hl7" : "worklist",
            .worklist_pair_id = pair_id,
            .roles = d->roles,
            .client = d->client,
        };
        if (surv == 0 && p.feed_request_id) {
            bool found = false;
            rc = mpi_exec(c->store, &surv, &found, NULL, err,
                          "SELECT surviving_patient_id FROM feed_merge_request WHERE id = ?", "i",
                          p.feed_request_id);
            if (rc)
                goto out;
            if (!found || (surv != p.patient_a && surv != p.patient_b))
                surv = 0;
        }
        if (surv == 0)
            surv = p.patient_a; /* the older chart */
        if (surv != p.patient_a && surv != p.patient_b) {
            rc = folio_err_set(err, FOLIO_EINVAL, "surviving_id",
                               "patient %lld is not one of pair %lld's patients", (long long)surv,
                               (long long)pair_id);
            goto out;
        }
        ret = surv == p.patient_a ? p.patient_b : p.patient_a;
        rc = mpi_merge_do(c, surv, ret, &mo, &mid, err);
        if (rc)
            goto out;
        if (p.feed_request_id)
            rc = mpi_exec(c->store, NULL, NULL, NULL, err,
                          "UPDATE feed_merge_request SET status = 'merged', merge_id = ? WHERE "
                          "id = ?",
                          "ii", mid, p.feed_request_id);
        if (rc)
            goto out;
    }
    rc = mpi_exec(c->store, NULL, NULL, &changes, err,
                  "UPDATE mpi_worklist SET status = ?, defer_until = ?, decided_by = ?, "
                  "decided_at = ?, note = ?, merge_id = ?, updated_at = ? WHERE id = ? AND "
                  "status = ?",
                  "TTTTTITiT", status_to, until[0] ? until : NULL, mpi_actor(c), now,
                  folio_str_empty(d->note) ? NULL : d->note, mid, now, pair_id, p.status);
    if (!rc && changes != 1)
        rc = folio_err_set(err, FOLIO_ECONFLICT, "status",
                           "pair %lld changed meanwhile: reload it", (long long)pair_id);
    if (rc || d->verdict == FOLIO_MPI_VERDICT_MERGE)
        goto out; /* the merge audited itself */
    folio_snprintf(detail, sizeof detail, "pair=%lld a=%lld b=%lld decision=%s%s%s note=%s",
                   (long long)pair_id, (long long)p.patient_a, (long long)p.patient_b, status_to,
                   until[0] ? " until=" : "", until, d->note ? d->note : "");
    rc = mpi_audit2(c, "mpi.decide", d->roles, d->client, p.patient_a, p.patient_b, "worklist",
                    pair_id, detail, err);
out:
    rc = tx_end(c->store, rc, err);
done:
    folio_arena_release(&a);
    if (rc == FOLIO_OK && merge_id)
        *merge_id = mid;
    return rc;
}

enum folio_rc folio_mpi_worklist_request(const struct folio_chart *c, int64_t surviving_id,
                                         int64_t prior_id, int64_t feed_request_id,
                                         const char *note, int64_t *pair_id, const char **state,
                                         struct folio_err *err)
{
    struct folio_mpi_model model;
    struct folio_mpi_score sc;
    struct folio_buf json;
    int64_t a_id = surviving_id < prior_id ? surviving_id : prior_id;
    int64_t b_id = surviving_id < prior_id ? prior_id : surviving_id;
    int64_t id = 0;
    bool found = false, scored = false;
    char now[32], st_buf[16] = "open";
    const char *band = "request";
    enum folio_rc rc;
    static const char *const known[] = {"open", "merged", "not_duplicate", "deferred"};
    if (surviving_id <= 0 || prior_id <= 0 || surviving_id == prior_id)
        return folio_err_set(err, FOLIO_EINVAL, "prior_id",
                             "a merge request needs two different patients");
    if (note && strlen(note) > MPI_NOTE_MAX)
        return folio_err_set(err, FOLIO_EINVAL, "note", "note is longer than %d bytes",
                             MPI_NOTE_MAX);
    folio_time_now_utc(now);
    folio_buf_init(&json, 64 * 1024);
    folio_mpi_model_default(&model);
    rc = folio_mpi_score_patients(c, &model, a_id, b_id, &sc, err);
    if (rc == FOLIO_ENOTFOUND) {
        folio_err_clear(err);
        rc = FOLIO_OK;
    } else if (rc == FOLIO_OK) {
        scored = true;
        if (sc.decision != FOLIO_MPI_NONLINK)
            band = folio_mpi_decision_name(sc.decision);
        rc = reasons_json(&sc, &json, err);
    }
    if (rc)
        goto done;
    rc = folio_store_begin(c->store, err);
    if (rc)
        goto done;
    rc = mpi_exec(c->store, &id, &found, NULL, err,
                  "INSERT INTO mpi_worklist (patient_a, patient_b, score, band, source, "
                  "feed_request_id, reasons, status, note, created_at, updated_at) VALUES "
                  "(?, ?, ?, ?, 'hl7', ?, ?, 'open', ?, ?, ?) ON CONFLICT (patient_a, patient_b) "
                  "DO NOTHING RETURNING id",
                  "iidTITTTT", a_id, b_id, scored ? sc.score : 0.0, band, feed_request_id,
                  scored ? json.data : NULL, note, now, now);
    if (rc || found)
        goto out;
    {
        struct folio_stmt *st = NULL;
        bool row = false;
        rc = mpi_prepare(c->store, &st, err,
                         "SELECT id, status FROM mpi_worklist WHERE patient_a = ? AND patient_b = ?",
                         "ii", a_id, b_id);
        if (!rc)
            rc = folio_stmt_step(st, &row, err);
        if (!rc && row) {
            id = folio_stmt_column_i64(st, 0);
            folio_strlcpy(st_buf, folio_stmt_column_text(st, 1), sizeof st_buf);
        }
        folio_stmt_free(st);
        if (!rc && !row)
            rc = folio_err_set(err, FOLIO_ECONFLICT, "pair", "the pair changed meanwhile");
    }
    if (rc)
        goto out;
    if (!strcmp(st_buf, "open") || !strcmp(st_buf, "deferred")) {
        rc = mpi_exec(c->store, NULL, NULL, NULL, err,
                      "UPDATE mpi_worklist SET source = 'hl7', feed_request_id = ?, status = "
                      "'open', defer_until = NULL, note = ?, updated_at = ? WHERE id = ?",
                      "ITTi", feed_request_id, note, now, id);
        folio_strlcpy(st_buf, "open", sizeof st_buf);
    }
out:
    rc = tx_end(c->store, rc, err);
done:
    folio_buf_release(&json);
    if (rc == FOLIO_OK) {
        if (pair_id)
            *pair_id = id;
        if (state) {
            *state = "open";
            for (size_t i = 0; i < FOLIO_ARRAY_LEN(known); i++)
                if (!strcmp(known[i], st_buf))
                    *state = known[i];
        }
    }
    return rc;
}

enum folio_rc folio_mpi_worklist_propose(const struct folio_chart *c, int64_t a_id, int64_t b_id,
                                         const struct folio_mpi_score *sc, const char *source,
                                         const char *note, int64_t *pair_id, const char **state,
                                         struct folio_err *err)
{
    static const char *const known[] = {"open", "merged", "not_duplicate", "deferred"};
    struct folio_buf json;
    int64_t id = 0;
    bool found = false;
    char now[32], st_buf[16] = "open";
    enum folio_rc rc;
    if (a_id <= 0 || b_id <= 0 || a_id == b_id)
        return folio_err_set(err, FOLIO_EINVAL, "patient_b",
                             "a duplicate pair needs two different patients");
    if (!sc)
        return folio_err_set(err, FOLIO_EINVAL, "score", "a proposed pair needs its score");
    if (note && strlen(note) > MPI_NOTE_MAX)
        return folio_err_set(err, FOLIO_EINVAL, "note", "note is longer than %d bytes",
                             MPI_NOTE_MAX);
    if (folio_str_empty(source))
        source = "scan";
    if (a_id > b_id) {
        int64_t t = a_id;
        a_id = b_id;
        b_id = t;
    }
    folio_time_now_utc(now);
    folio_buf_init(&json, 64 * 1024);
    rc = reasons_json(sc, &json, err);
    if (rc)
        goto done;
    rc = folio_store_begin(c->store, err);
    if (rc)
        goto done;
    rc = mpi_exec(c->store, &id, &found, NULL, err,
                  "INSERT INTO mpi_worklist (patient_a, patient_b, score, band, source, reasons, "
                  "status, note, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, "
                  "?) ON CONFLICT (patient_a, patient_b) DO NOTHING RETURNING id",
                  "iidTTTTTT", a_id, b_id, sc->score, band_of(sc), source, json.data,
                  folio_str_empty(note) ? NULL : note, now, now);
    if (rc || found)
        goto out;
    {
        struct folio_stmt *st = NULL;
        bool row = false;
        rc = mpi_prepare(c->store, &st, err,
                         "SELECT id, status FROM mpi_worklist WHERE patient_a = ? AND patient_b = ?",
                         "ii", a_id, b_id);
        if (!rc)
            rc = folio_stmt_step(st, &row, err);
        if (!rc && row) {
            id = folio_stmt_column_i64(st, 0);
            folio_strlcpy(st_buf, folio_stmt_column_text(st, 1), sizeof st_buf);
        }
        folio_stmt_free(st);
        if (!rc && !row)
            rc = folio_err_set(err, FOLIO_ECONFLICT, "pair", "the pair changed meanwhile");
    }
    if (rc || strcmp(st_buf, "open") != 0)
        goto out; /* decided or deferred: a person's decision stands */
    rc = mpi_exec(c->store, NULL, NULL, NULL, err,
                  "UPDATE mpi_worklist SET score = ?, band = ?, reasons = ?, updated_at = ? "
                  "WHERE id = ? AND status = 'open'",
                  "dTTTi", sc->score, band_of(sc), json.data, now, id);
out:
    rc = tx_end(c->store, rc, err);
done:
    folio_buf_release(&json);
    if (rc == FOLIO_OK) {
        if (pair_id)
            *pair_id = id;
        if (state) {
            *state = "open";
            for (size_t i = 0; i < FOLIO_ARRAY_LEN(known); i++)
                if (!strcmp(known[i], st_buf))
                    *state = known[i];
        }
    }
    return rc;
}

/* ---- side by side ---- */

enum folio_rc folio_mpi_worklist_compare(const struct folio_chart *c, int64_t pair_id,
                                         struct folio_arena *a, struct folio_mpi_side_by_side *out,
                                         struct folio_err *err)
{
    struct folio_mpi_model model;
    struct folio_mpi_score sc;
    struct folio_buf json;
    enum folio_rc rc;
    memset(out, 0, sizeof *out);
    rc = folio_mpi_worklist_get(c, pair_id, a, &out->pair, err);
    if (!rc)
        rc = folio_patient_get(c, out->pair.patient_a, a, &out->a, err);
    if (!rc)
        rc = folio_patient_get(c, out->pair.patient_b, a, &out->b, err);
    if (rc)
        return rc;
    out->current_score = out->pair.score;
    out->current_band = out->pair.band;
    out->current_reasons_json = out->pair.reasons_json;
    folio_mpi_model_default(&model);
    rc = folio_mpi_score_patients(c, &model, out->pair.patient_a, out->pair.patient_b, &sc, err);
    if (rc == FOLIO_ENOTFOUND) { /* not both indexed (merged, or the index not built) */
        folio_err_clear(err);
        return FOLIO_OK;
    }
    if (rc)
        return rc;
    folio_buf_init(&json, 64 * 1024);
    rc = reasons_json(&sc, &json, err);
    if (!rc) {
        char *s = folio_arena_strdup(a, json.data);
        if (!s)
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        out->current_reasons_json = s;
        out->current_score = sc.score;
        out->current_band = sc.decision == FOLIO_MPI_LINK     ? "link"
                            : sc.decision == FOLIO_MPI_REVIEW ? "review"
                                                              : "non-link";
    }
    folio_buf_release(&json);
    return rc;
}

/* Reading and working the HL7 message log: list, get, counts, replay, resolve, prune
 * (include/folio/hl7log.h). */
#include "folio/base.h"

#include <jansson.h>

#include "folio/audit.h"
#include "folio/hl7log.h"
#include "folio/json.h"
#include "folio/time.h"
#include "hl7log/hl7log_int.h"

#define COLS                                                                                       \
    "id, kind, received_at, connection_id, peer, sender_app, sender_fac, receiver_app, "           \
    "receiver_fac, control_id, msg_type, version, status, ack_code, patient_id, encounter_id, "    \
    "replay_of, duplicate_of, resolved_by, resolved_at, resolution, applied_at, n_errors, "        \
    "raw_len"

#define OPEN_ERRORS "status IN ('error', 'rejected') AND resolved_at IS NULL AND kind = 'received'"

static const char *dup_text(struct folio_arena *a, struct folio_stmt *st, int col, bool *oom)
{
    const char *t = folio_stmt_column_text(st, col);
    char *c;

    if (!t)
        return NULL;
    c = folio_arena_strdup(a, t);
    if (!c)
        *oom = true;
    return c;
}

static void read_row(struct folio_stmt *st, struct folio_arena *a, struct folio_hl7log_msg *m,
                     bool *oom)
{
    int i = 0;

    memset(m, 0, sizeof(*m));
    m->id = folio_stmt_column_i64(st, i++);
    m->kind = dup_text(a, st, i++, oom);
    m->received_at = dup_text(a, st, i++, oom);
    m->connection_id = folio_stmt_column_i64(st, i++);
    m->peer = dup_text(a, st, i++, oom);
    m->sender_app = dup_text(a, st, i++, oom);
    m->sender_fac = dup_text(a, st, i++, oom);
    m->receiver_app = dup_text(a, st, i++, oom);
    m->receiver_fac = dup_text(a, st, i++, oom);
    m->control_id = dup_text(a, st, i++, oom);
    m->msg_type = dup_text(a, st, i++, oom);
    m->version = dup_text(a, st, i++, oom);
    m->status = dup_text(a, st, i++, oom);
    m->ack_code = dup_text(a, st, i++, oom);
    m->patient_id = folio_stmt_column_i64(st, i++);
    m->encounter_id = folio_stmt_column_i64(st, i++);
    m->replay_of = folio_stmt_column_i64(st, i++);
    m->duplicate_of = folio_stmt_column_i64(st, i++);
    m->resolved_by = folio_stmt_column_i64(st, i++);
    m->resolved_at = dup_text(a, st, i++, oom);
    m->resolution = dup_text(a, st, i++, oom);
    m->applied_at = dup_text(a, st, i++, oom);
    m->n_errors = folio_stmt_column_i64(st, i++);
    m->raw_len = folio_stmt_column_i64(st, i++);
}

/* "2024-03-05" -> ">= 2024-03-05", upper: "2024-03-05~" (after every time of that day). */
static enum folio_rc bound(const char *in, bool upper, char out[48], const char *field,
                           struct folio_err *err)
{
    char norm[40];
    size_t n;
    enum folio_rc rc;

    out[0] = '\0';
    if (folio_str_empty(in))
        return FOLIO_OK;
    rc = folio_time_normalize(in, norm, sizeof(norm), field, err);
    if (rc)
        return rc;
    n = strlen(norm);
    if (n > 0 && norm[n - 1] == 'Z')
        norm[--n] = '\0';
    (void)folio_snprintf(out, 48, "%s%s", norm, upper ? "~" : "");
    return FOLIO_OK;
}

#define MAX_PARAMS 8
struct where {
    char sql[512];
    const char *text[MAX_PARAMS];
    int64_t num[MAX_PARAMS];
    bool is_num[MAX_PARAMS];
    int n;
    char since[48], until[48], like[40];
};

static void w_add(struct where *w, const char *frag)
{
    size_t n = strlen(w->sql);
    (void)folio_strlcpy(w->sql + n, frag, sizeof(w->sql) - n);
}

static void w_text(struct where *w, const char *frag, const char *v)
{
    w_add(w, frag);
    w->text[w->n] = v;
    w->is_num[w->n++] = false;
}

static void w_num(struct where *w, const char *frag, int64_t v)
{
    w_add(w, frag);
    w->num[w->n] = v;
    w->is_num[w->n++] = true;
}

static enum folio_rc where_build(const struct folio_hl7log_query *q, struct where *w,
                                 struct folio_err *err)
{
    enum folio_rc rc;

    memset(w, 0, sizeof(*w));
    w_add(w, " WHERE 1 = 1");
    if (!q)
        return FOLIO_OK;
    rc = bound(q->since, false, w->since, "since", err);
    if (!rc)
        rc = bound(q->until, true, w->until, "until", err);
    if (rc)
        return rc;
    if (w->since[0])
        w_text(w, " AND received_at >= ?", w->since);
    if (w->until[0])
        w_text(w, " AND received_at <= ?", w->until);
    if (!folio_str_empty(q->type)) {
        size_t n = strlen(q->type), i;
        if (n > 20)
            return folio_err_set(err, FOLIO_EINVAL, "type", "message type '%s' is too long",
                                 q->type);
        for (i = 0; i < n; i++) {
            char c = q->type[i];
            if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '^' || c == '_'))
                return folio_err_set(err, FOLIO_EINVAL, "type",
                                     "message type '%s': want e.g. ADT^A01 or ADT", q->type);
        }
        if (strchr(q->type, '^'))
            w_text(w, " AND msg_type = ?", q->type);
        else {
            (void)folio_snprintf(w->like, sizeof(w->like), "%s^%%", q->type);
            w_text(w, " AND msg_type LIKE ?", w->like);
        }
    }
    if (!folio_str_empty(q->status)) {
        static const char *const ok[] = {"applied", "held", "error", "rejected", "duplicate"};
        bool found = false;
        for (size_t i = 0; i < FOLIO_ARRAY_LEN(ok); i++)
            found = found || strcmp(ok[i], q->status) == 0;
        if (!found)
            return folio_err_set(err, FOLIO_EINVAL, "status",
                                 "status '%s': want applied, held, error, rejected or duplicate",
                                 q->status);
        w_text(w, " AND status = ?", q->status);
    }
    if (q->held_only)
        w_add(w, " AND status = 'held'");
    if (q->errors_only)
        w_add(w, " AND " OPEN_ERRORS);
    if (!folio_str_empty(q->sender))
        w_text(w, " AND sender_app = ?", q->sender);
    if (!folio_str_empty(q->control_id))
        w_text(w, " AND control_id = ?", q->control_id);
    if (q->patient_id > 0)
        w_num(w, " AND patient_id = ?", q->patient_id);
    return FOLIO_OK;
}

static enum folio_rc where_bind(const struct where *w, struct folio_stmt *st, struct folio_err *err)
{
    int i;

    for (i = 0; i < w->n; i++) {
        enum folio_rc rc = w->is_num[i] ? folio_stmt_bind_i64(st, i + 1, w->num[i])
                                        : folio_stmt_bind_text(st, i + 1, w->text[i], (size_t)-1);
        if (rc)
            return folio_err_set(err, rc, NULL, "cannot bind a filter");
    }
    return FOLIO_OK;
}

enum folio_rc folio_hl7log_list(struct folio_store *s, const struct folio_hl7log_query *q,
                                struct folio_arena *a, struct folio_hl7log_page *out,
                                struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct where w;
    char sql[1024];
    int64_t limit = q ? q->limit : 0, offset = q ? q->offset : 0;
    size_t cap;
    bool row = false, oom = false;
    enum folio_rc rc;

    memset(out, 0, sizeof(*out));
    if (limit <= 0)
        limit = 50;
    if (limit > 1000)
        limit = 1000;
    if (offset < 0)
        return folio_err_set(err, FOLIO_EINVAL, "offset", "offset %lld is negative",
                             (long long)offset);
    rc = where_build(q, &w, err);
    if (rc)
        return rc;
    (void)folio_snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM hl7_messages%s", w.sql);
    rc = folio_store_prepare(s, sql, &st, err);
    if (!rc)
        rc = where_bind(&w, st, err);
    if (!rc)
        rc = folio_stmt_step(st, &row, err);
    if (rc)
        goto out;
    out->total = row ? folio_stmt_column_i64(st, 0) : 0;
    folio_stmt_free(st);
    st = NULL;

    (void)folio_snprintf(sql, sizeof(sql),
                         "SELECT " COLS " FROM hl7_messages%s ORDER BY id DESC LIMIT ? OFFSET ?",
                         w.sql);
    rc = folio_store_prepare(s, sql, &st, err);
    if (!rc)
        rc = where_bind(&w, st, err);
    if (!rc &&
        (folio_stmt_bind_i64(st, w.n + 1, limit) || folio_stmt_bind_i64(st, w.n + 2, offset)))
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    if (rc)
        goto out;
    cap = (size_t)limit;
    out->items = folio_arena_calloc(a, cap, sizeof(*out->items));
    if (!out->items) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    for (;;) {
        rc = folio_stmt_step(st, &row, err);
        if (rc || !row)
            break;
        if (out->n >= cap)
            break;
        read_row(st, a, &out->items[out->n++], &oom);
    }
    if (!rc && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
out:
    folio_stmt_free(st);
    return rc;
}

static enum folio_rc parse_errors(const char *text, struct folio_arena *a,
                                  struct folio_hl7log_msg *m, struct folio_err *err)
{
    json_t *arr = NULL;
    size_t i, n;
    enum folio_rc rc;

    if (folio_str_empty(text))
        return FOLIO_OK;
    rc = folio_json_parse(text, strlen(text), &arr, "errors", err);
    if (rc)
        return rc;
    if (!json_is_array(arr)) {
        json_decref(arr);
        return FOLIO_OK;
    }
    n = json_array_size(arr);
    m->errors = folio_arena_calloc(a, n ? n : 1, sizeof(*m->errors));
    if (!m->errors) {
        json_decref(arr);
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    }
    for (i = 0; i < n; i++) {
        json_t *e = json_array_get(arr, i);
        struct folio_hl7log_error *o = &m->errors[i];
        o->code = folio_arena_strdup(a, json_string_value(json_object_get(e, "code")));
        o->severity = folio_arena_strdup(a, json_string_value(json_object_get(e, "severity")));
        o->location = folio_arena_strdup(a, json_string_value(json_object_get(e, "location")));
        o->text = folio_arena_strdup(a, json_string_value(json_object_get(e, "text")));
    }
    m->n_errors_detail = n;
    json_decref(arr);
    return FOLIO_OK;
}

enum folio_rc folio_hl7log_get(struct folio_store *s, int64_t id, struct folio_arena *a,
                               struct folio_hl7log_msg *out, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false, oom = false;
    enum folio_rc rc;

    memset(out, 0, sizeof(*out));
    rc = folio_store_prepare(s, "SELECT " COLS ", raw, ack, errors FROM hl7_messages WHERE id = ?",
                             &st, err);
    if (rc)
        goto out;
    if (folio_stmt_bind_i64(st, 1, id)) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    rc = folio_stmt_step(st, &row, err);
    if (rc)
        goto out;
    if (!row) {
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "id", "no logged HL7 message with id %lld",
                           (long long)id);
        goto out;
    }
    read_row(st, a, out, &oom);
    {
        size_t n = 0;
        const void *p = folio_stmt_column_blob(st, 24, &n);
        out->raw = folio_arena_strndup(a, p ? p : "", p ? n : 0);
        oom = oom || !out->raw;
        p = folio_stmt_column_blob(st, 25, &n);
        out->ack = folio_arena_strndup(a, p ? p : "", p ? n : 0);
        out->ack_len = p ? (int64_t)n : 0;
        oom = oom || !out->ack;
    }
    if (oom) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    rc = parse_errors(folio_stmt_column_text(st, 26), a, out, err);
out:
    folio_stmt_free(st);
    return rc;
}

enum folio_rc folio_hl7log_count(struct folio_store *s, struct folio_hl7log_counts *out,
                                 struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    enum folio_rc rc;
    bool row = false;

    memset(out, 0, sizeof(*out));
    rc = folio_store_prepare(s, "SELECT status, COUNT(*) FROM hl7_messages GROUP BY status", &st,
                             err);
    while (!rc) {
        const char *stt;
        int64_t n;

        rc = folio_stmt_step(st, &row, err);
        if (rc || !row)
            break;
        stt = folio_stmt_column_text(st, 0);
        n = folio_stmt_column_i64(st, 1);
        out->total += n;
        if (!stt)
            continue;
        if (strcmp(stt, "applied") == 0)
            out->applied = n;
        else if (strcmp(stt, "held") == 0)
            out->held = n;
        else if (strcmp(stt, "error") == 0)
            out->error = n;
        else if (strcmp(stt, "rejected") == 0)
            out->rejected = n;
        else if (strcmp(stt, "duplicate") == 0)
            out->duplicate = n;
    }
    folio_stmt_free(st);
    st = NULL;
    if (!rc) {
        bool found = false;
        rc = folio_store_query_i64(s, "SELECT COUNT(*) FROM hl7_messages WHERE " OPEN_ERRORS, NULL,
                                   0, &out->open_errors, &found, err);
    }
    return rc;
}

static enum folio_rc audit_simple(const struct folio_chart *c, const char *action, int64_t id,
                                  int64_t patient_id, const char *detail, struct folio_err *err)
{
    struct folio_audit_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.action = action;
    ev.username = c->actor ? c->actor : "interface";
    ev.patient_id = patient_id;
    ev.entity_type = "hl7_message";
    ev.entity_id = id;
    ev.detail = detail;
    ev.client = "cli";
    return folio_audit_append(c->store, &ev, NULL, err);
}

static enum folio_rc mark_resolved(struct folio_store *s, int64_t id, int64_t by,
                                   const char *resolution, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    char iso[32], dtm[32];
    bool row = false;
    enum folio_rc rc;

    hl7log_now(iso, dtm);
    rc = folio_store_prepare(s,
                             "UPDATE hl7_messages SET resolved_at = ?, resolution = ?, "
                             "resolved_by = ? WHERE id = ? AND resolved_at IS NULL",
                             &st, err);
    if (rc)
        goto out;
    if (folio_stmt_bind_text(st, 1, iso, (size_t)-1) ||
        folio_stmt_bind_text(st, 2, resolution, (size_t)-1) ||
        (by ? folio_stmt_bind_i64(st, 3, by) : folio_stmt_bind_null(st, 3)) ||
        folio_stmt_bind_i64(st, 4, id)) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    rc = folio_stmt_step(st, &row, err);
out:
    folio_stmt_free(st);
    return rc;
}

enum folio_rc folio_hl7log_replay(const struct folio_chart *c, int64_t id, struct folio_arena *a,
                                  struct folio_hl7_receipt *out, struct folio_err *err)
{
    struct folio_hl7log_msg m;
    struct folio_hl7_inbound in;
    enum folio_rc rc;
    bool in_tx = false;

    memset(out, 0, sizeof(*out));
    rc = folio_store_begin(c->store, err);
    if (rc)
        return rc;
    in_tx = true;
    rc = folio_hl7log_get(c->store, id, a, &m, err);
    if (rc)
        goto out;
    if (strcmp(m.status, "applied") == 0 || strcmp(m.status, "duplicate") == 0) {
        rc = folio_err_set(err, FOLIO_ESTATE, "id",
                           "message %lld was %s: replaying it would apply it twice", (long long)id,
                           m.status);
        goto out;
    }
    memset(&in, 0, sizeof(in));
    in.raw = m.raw;
    in.len = (size_t)m.raw_len;
    in.peer = "replay";
    rc = hl7log_process(c, &in, "replay", id, a, out, err);
    if (rc)
        goto out;
    if (strcmp(out->ack_code, "AA") == 0)
        rc = mark_resolved(c->store, id, out->log_id, "replayed", err);
    if (rc)
        goto out;
    rc = folio_store_commit(c->store, err);
    if (rc)
        goto out;
    in_tx = false;
out:
    if (in_tx)
        folio_store_rollback(c->store);
    return rc;
}

enum folio_rc folio_hl7log_resolve(const struct folio_chart *c, int64_t id, const char *reason,
                                   struct folio_err *err)
{
    struct folio_arena a;
    struct folio_hl7log_msg m;
    enum folio_rc rc;
    bool in_tx = false;

    folio_arena_init(&a, 0);
    if (folio_str_empty(reason)) {
        rc = folio_err_set(err, FOLIO_EINVAL, "reason", "a reason is required");
        goto out;
    }
    rc = folio_store_begin(c->store, err);
    if (rc)
        goto out;
    in_tx = true;
    rc = folio_hl7log_get(c->store, id, &a, &m, err);
    if (rc)
        goto out;
    if ((strcmp(m.status, "error") != 0 && strcmp(m.status, "rejected") != 0) || m.resolved_at ||
        strcmp(m.kind, "received") != 0) {
        rc = folio_err_set(err, FOLIO_ESTATE, "id", "message %lld is not in the errors queue",
                           (long long)id);
        goto out;
    }
    rc = mark_resolved(c->store, id, 0, reason, err);
    if (!rc)
        rc = audit_simple(c, "interface.resolve", id, m.patient_id, reason, err);
    if (!rc)
        rc = folio_store_commit(c->store, err);
    if (!rc)
        in_tx = false;
out:
    if (in_tx)
        folio_store_rollback(c->store);
    folio_arena_release(&a);
    return rc;
}

enum folio_rc folio_hl7log_prune(struct folio_store *s, const char *before, int64_t *deleted,
                                 struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    char b[48];
    bool row = false, in_tx = false;
    enum folio_rc rc;

    if (deleted)
        *deleted = 0;
    if (folio_str_empty(before))
        return folio_err_set(err, FOLIO_EINVAL, "before", "a cut-off time is required");
    rc = bound(before, false, b, "before", err);
    if (rc)
        return rc;
    rc = folio_store_begin(s, err);
    if (rc)
        return rc;
    in_tx = true;
    rc = folio_store_prepare(s,
                             "DELETE FROM hl7_messages WHERE received_at < ? AND (status IN "
                             "('applied', 'duplicate') OR (status IN ('error', 'rejected') AND "
                             "resolved_at IS NOT NULL))",
                             &st, err);
    if (!rc && folio_stmt_bind_text(st, 1, b, (size_t)-1))
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    if (!rc)
        rc = folio_stmt_step(st, &row, err);
    if (rc)
        goto out;
    if (deleted)
        *deleted = folio_stmt_changes(st);
    folio_stmt_free(st);
    st = NULL;
    rc = folio_store_commit(s, err);
    if (!rc)
        in_tx = false;
out:
    folio_stmt_free(st);
    if (in_tx)
        folio_store_rollback(s);
    return rc;
}

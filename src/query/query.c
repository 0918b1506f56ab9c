/* Physician queries: templates, drafts, the lifecycle, answers filed into the chart, the
 * history and the clinician's inbox (include/folio/query.h, docs/queries.md). */
#include "folio/base.h"

#include "folio/records.h"
#include "folio/time.h"
#include "query/query_int.h"

#define ACTOR(c) ((c)->actor ? (c)->actor : "system")

static enum folio_rc check_text(const char *v, size_t max, const char *field, bool required,
                                struct folio_err *err)
{
    if (folio_str_empty(v)) {
        if (required)
            return folio_err_set(err, FOLIO_EINVAL, field, "%s is required", field);
        return FOLIO_OK;
    }
    if (strlen(v) > max)
        return folio_err_set(err, FOLIO_EINVAL, field, "%s: longer than %zu bytes", field, max);
    return FOLIO_OK;
}

static enum folio_rc add_history(struct folio_store *s, int64_t qid, const char *at,
                                 const char *user, const char *action, enum folio_query_status from,
                                 enum folio_query_status to, const char *detail,
                                 struct folio_err *err)
{
    return q_exec(s, NULL, NULL, err,
                  "INSERT INTO query_history (query_id, at, user_name, action, old_status, "
                  "new_status, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
                  "itttttt", qid, at, user, action, folio_query_status_name(from),
                  folio_query_status_name(to), detail);
}

static enum folio_rc insert_options(struct folio_store *s, const char *table, const char *fk,
                                    int64_t owner, const struct folio_query_option *o, size_t n,
                                    struct folio_err *err)
{
    char sql[160];
    folio_snprintf(sql, sizeof sql, "INSERT INTO %s (%s, seq, label, role) VALUES (?, ?, ?, ?)",
                   table, fk);
    for (size_t i = 0; i < n; i++) {
        enum folio_rc rc = q_exec(s, NULL, NULL, err, sql, "iitt", owner, (int64_t)(i + 1),
                                  o[i].label, folio_query_opt_role_name(o[i].role));
        if (rc)
            return rc;
    }
    return FOLIO_OK;
}

static enum folio_rc read_options(struct folio_store *s, const char *sql, int64_t owner,
                                  struct folio_arena *a, struct folio_query_option **out, size_t *n,
                                  struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false, oom = false;
    struct folio_query_option *v = folio_arena_calloc(a, FOLIO_QUERY_MAX_OPTIONS + 3, sizeof *v);
    enum folio_rc rc;
    *n = 0;
    if (!v)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    if ((rc = q_prepare(s, &st, err, sql, "i", owner)))
        return rc;
    while ((rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row &&
           *n < FOLIO_QUERY_MAX_OPTIONS + 3) {
        v[*n].label = folio_stmt_column_dup(a, st, 0, &oom);
        v[*n].role = q_role_from(folio_stmt_column_text(st, 1));
        (*n)++;
    }
    folio_stmt_free(st);
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    *out = v;
    return rc;
}

/* ---- templates ---- */

static bool code_ok(const char *code)
{
    size_t n = code ? strlen(code) : 0;
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((code[i] >= 'a' && code[i] <= 'z') || (code[i] >= '0' && code[i] <= '9') ||
              code[i] == '-'))
            return false;
    return true;
}

enum folio_rc folio_query_template_create(struct folio_store *s,
                                          const struct folio_query_template *in, const char *user,
                                          int64_t *id_out, struct folio_err *err)
{
    struct folio_arena a = {0};
    struct folio_query_option *opts = NULL;
    size_t n_opts = 0;
    char now[32];
    int64_t id = 0;
    enum folio_rc rc;
    if (!code_ok(in->code))
        return folio_err_set(err, FOLIO_EINVAL, "code",
                             "code: '%.64s' must be 1-64 characters of a-z, 0-9 and '-'",
                             in->code ? in->code : "");
    if ((rc = check_text(in->title, FOLIO_QUERY_LABEL_MAX, "title", true, err)) ||
        (rc = check_text(user, FOLIO_QUERY_LABEL_MAX, "user", true, err)))
        return rc;
    if (in->kind == FOLIO_QK_OPEN_ENDED && in->n_options)
        return folio_err_set(err, FOLIO_EINVAL, "options",
                             "an open-ended template offers no options (%zu given)", in->n_options);
    if (in->n_options > FOLIO_QUERY_MAX_OPTIONS)
        return folio_err_set(err, FOLIO_EINVAL, "options", "at most %d options",
                             FOLIO_QUERY_MAX_OPTIONS);
    folio_arena_init(&a, 0);
    rc = q_normalize_options(in->kind, in->options, in->n_options, &a, &opts, &n_opts, err);
    if (rc == FOLIO_OK) {
        /* A template has no indicators of its own: check everything else. */
        struct folio_query_indicator placeholder = {.source = "template", .excerpt = "template"};
        struct folio_query_draft d = {
            in->kind, in->purpose, in->question, opts, n_opts, &placeholder, 1};
        rc = folio_query_check(&d, err);
    }
    folio_time_now_utc(now);
    if (rc == FOLIO_OK && (rc = folio_store_begin(s, err)) == FOLIO_OK) {
        rc = q_exec(s, &id, NULL, err,
                    "INSERT INTO query_template (code, title, kind, purpose, question, active, "
                    "created_at, created_by) VALUES (?, ?, ?, ?, ?, 1, ?, ?) RETURNING id",
                    "ttttttt", in->code, in->title, folio_query_kind_name(in->kind),
                    folio_query_purpose_name(in->purpose), in->question, now, user);
        if (rc == FOLIO_ECONFLICT)
            rc = folio_err_set(err, FOLIO_ECONFLICT, "code", "a template with code '%s' exists",
                               in->code);
        if (rc == FOLIO_OK)
            rc = insert_options(s, "query_template_option", "template_id", id, opts, n_opts, err);
        rc = folio_store_end(s, rc, err);
    }
    folio_arena_release(&a);
    if (rc == FOLIO_OK && id_out)
        *id_out = id;
    return rc;
}

#define TEMPLATE_COLS "id, code, title, kind, purpose, question, active FROM query_template"
#define TEMPLATE_OPTS                                                                              \
    "SELECT label, role FROM query_template_option WHERE template_id = ? ORDER BY seq"

static enum folio_rc read_templates(struct folio_store *s, const char *sql, const char *code,
                                    struct folio_arena *a, struct folio_query_template **out,
                                    size_t *n, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct folio_query_template *v = NULL;
    size_t cap = 0;
    bool row = false, oom = false;
    enum folio_rc rc =
        code ? q_prepare(s, &st, err, sql, "t", code) : q_prepare(s, &st, err, sql, "");
    *n = 0;
    if (rc)
        return rc;
    while ((rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        {
            struct folio_query_template *nv =
                folio_arena_grow(a, v, *n, &cap, sizeof *nv, 8);
            if (!nv) {
                oom = true;
                break;
            }
            v = nv;
        }
        struct folio_query_template *t = &v[(*n)++];
        t->id = folio_stmt_column_i64(st, 0);
        t->code = folio_stmt_column_dup(a, st, 1, &oom);
        t->title = folio_stmt_column_dup(a, st, 2, &oom);
        t->kind = q_kind_from(folio_stmt_column_text(st, 3));
        t->purpose = q_purpose_from(folio_stmt_column_text(st, 4));
        t->question = folio_stmt_column_dup(a, st, 5, &oom);
        t->active = folio_stmt_column_i64(st, 6) != 0;
    }
    folio_stmt_free(st);
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; rc == FOLIO_OK && i < *n; i++)
        rc = read_options(s, TEMPLATE_OPTS, v[i].id, a, &v[i].options, &v[i].n_options, err);
    *out = v;
    return rc;
}

enum folio_rc folio_query_template_list(struct folio_store *s, struct folio_arena *a,
                                        struct folio_query_template **out, size_t *n,
                                        struct folio_err *err)
{
    return read_templates(s, "SELECT " TEMPLATE_COLS " WHERE active = 1 ORDER BY code", NULL, a,
                          out, n, err);
}

enum folio_rc folio_query_template_get(struct folio_store *s, const char *code,
                                       struct folio_arena *a, struct folio_query_template **out,
                                       struct folio_err *err)
{
    size_t n = 0;
    enum folio_rc rc = read_templates(s, "SELECT " TEMPLATE_COLS " WHERE code = ?",
                                      code ? code : "", a, out, &n, err);
    if (rc == FOLIO_OK && n == 0)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "code", "no query template with code '%.64s'",
                           code ? code : "");
    return rc;
}

enum folio_rc folio_query_template_retire(struct folio_store *s, const char *code,
                                          struct folio_err *err)
{
    int64_t active = 0;
    bool found = false;
    enum folio_rc rc = q_exec(s, &active, &found, err,
                              "SELECT active FROM query_template WHERE code = ?", "t", code);
    if (rc)
        return rc;
    if (!found)
        return folio_err_set(err, FOLIO_ENOTFOUND, "code", "no query template with code '%.64s'",
                             code ? code : "");
    if (!active)
        return folio_err_set(err, FOLIO_ESTATE, "code", "template '%s' is already retired", code);
    return q_exec(s, NULL, NULL, err, "UPDATE query_template SET active = 0 WHERE code = ?", "t",
                  code);
}

/* ---- queries ---- */

enum folio_rc folio_query_create(const struct folio_chart *c, const struct folio_query_new *in,
                                 int64_t *id_out, struct folio_err *err)
{
    struct folio_store *s = c->store;
    struct folio_arena a = {0};
    struct folio_query_template *t = NULL;
    struct folio_query_option *opts = NULL;
    size_t n_opts = 0;
    int64_t patient_id = 0, v = 0, id = 0;
    bool found = false;
    char now[32], field[48];
    enum folio_rc rc;
    if ((rc = check_text(in->user, FOLIO_QUERY_LABEL_MAX, "user", true, err)) ||
        (rc = q_time_arg(in->now, "now", now, err)))
        return rc;
    if (in->n_indicators > FOLIO_QUERY_MAX_INDICATORS)
        return folio_err_set(err, FOLIO_EINVAL, "indicators", "at most %d clinical indicators",
                             FOLIO_QUERY_MAX_INDICATORS);
    if (in->n_options > FOLIO_QUERY_MAX_OPTIONS)
        return folio_err_set(err, FOLIO_EINVAL, "options", "at most %d options",
                             FOLIO_QUERY_MAX_OPTIONS);
    folio_arena_init(&a, 0);
    if (!folio_str_empty(in->template_code))
        rc = folio_query_template_get(s, in->template_code, &a, &t, err);
    if (rc == FOLIO_OK && t && !t->active)
        rc = folio_err_set(err, FOLIO_ESTATE, "template_code", "template '%s' is retired", t->code);
    enum folio_query_kind kind = in->kind ? in->kind : (t ? t->kind : (enum folio_query_kind)0);
    enum folio_query_purpose purpose =
        in->purpose ? in->purpose : (t ? t->purpose : (enum folio_query_purpose)0);
    const char *question = !folio_str_empty(in->question) ? in->question : (t ? t->question : NULL);
    if (rc == FOLIO_OK && !folio_query_kind_name(kind))
        rc = folio_err_set(err, FOLIO_EINVAL, "kind", "kind is required (or a template)");
    if (rc == FOLIO_OK && !folio_query_purpose_name(purpose))
        rc = folio_err_set(err, FOLIO_EINVAL, "purpose", "purpose is required (or a template)");
    if (rc == FOLIO_OK)
        rc = check_text(question, FOLIO_QUERY_TEXT_MAX, "question", true, err);
    if (rc == FOLIO_OK) {
        const struct folio_query_option *src = in->options;
        size_t n_src = in->n_options;
        if (!src && t && t->kind == kind) {
            src = t->options;
            n_src = t->n_options;
        }
        for (size_t i = 0; rc == FOLIO_OK && i < n_src; i++) {
            folio_snprintf(field, sizeof field, "options[%zu].label", i);
            rc = check_text(src[i].label, FOLIO_QUERY_LABEL_MAX, field, false, err);
        }
        if (rc == FOLIO_OK)
            rc = q_normalize_options(kind, src, n_src, &a, &opts, &n_opts, err);
    }
    if (rc == FOLIO_OK) {
        rc = q_exec(s, &patient_id, &found, err, "SELECT patient_id FROM encounter WHERE id = ?",
                    "i", in->encounter_id);
        if (rc == FOLIO_OK && !found)
            rc = folio_err_set(err, FOLIO_ENOTFOUND, "encounter_id", "no encounter with id %lld",
                               (long long)in->encounter_id);
    }
    if (rc == FOLIO_OK) {
        rc = q_exec(s, &v, &found, err, "SELECT id FROM provider WHERE id = ?", "i",
                    in->provider_id);
        if (rc == FOLIO_OK && !found)
            rc = folio_err_set(err, FOLIO_ENOTFOUND, "provider_id", "no provider with id %lld",
                               (long long)in->provider_id);
    }
    for (size_t i = 0; rc == FOLIO_OK && i < in->n_indicators; i++) {
        const struct folio_query_indicator *ind = &in->indicators[i];
        folio_snprintf(field, sizeof field, "indicators[%zu].excerpt", i);
        rc = check_text(ind->excerpt, FOLIO_QUERY_TEXT_MAX, field, false, err);
        if (rc == FOLIO_OK) {
            folio_snprintf(field, sizeof field, "indicators[%zu].source", i);
            rc = check_text(ind->source, FOLIO_QUERY_LABEL_MAX, field, false, err);
        }
        if (rc == FOLIO_OK && ind->document_id) {
            rc = q_exec(s, &v, &found, err, "SELECT patient_id FROM document WHERE id = ?", "i",
                        ind->document_id);
            if (rc == FOLIO_OK && (!found || v != patient_id)) {
                folio_snprintf(field, sizeof field, "indicators[%zu].document_id", i);
                rc = folio_err_set(err, FOLIO_EINVAL, field,
                                   "document %lld is not in this patient's record",
                                   (long long)ind->document_id);
            }
        }
        if (rc == FOLIO_OK && ind->observation_id) {
            rc = q_exec(s, &v, &found, err, "SELECT patient_id FROM observation WHERE id = ?", "i",
                        ind->observation_id);
            if (rc == FOLIO_OK && (!found || v != patient_id)) {
                folio_snprintf(field, sizeof field, "indicators[%zu].observation_id", i);
                rc = folio_err_set(err, FOLIO_EINVAL, field,
                                   "observation %lld is not in this patient's record",
                                   (long long)ind->observation_id);
            }
        }
    }
    if (rc == FOLIO_OK && (rc = folio_store_begin(s, err)) == FOLIO_OK) {
        rc = q_exec(s, &id, NULL, err,
                    "INSERT INTO cdi_query (encounter_id, provider_id, template_id, kind, purpose, "
                    "question, status, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, 'draft', "
                    "?, ?) RETURNING id",
                    "iiIttttt", in->encounter_id, in->provider_id, t ? t->id : (int64_t)0,
                    folio_query_kind_name(kind), folio_query_purpose_name(purpose), question, now,
                    in->user);
        if (rc == FOLIO_OK)
            rc = insert_options(s, "query_option", "query_id", id, opts, n_opts, err);
        for (size_t i = 0; rc == FOLIO_OK && i < in->n_indicators; i++) {
            const struct folio_query_indicator *ind = &in->indicators[i];
            rc = q_exec(s, NULL, NULL, err,
                        "INSERT INTO query_indicator (query_id, seq, document_id, observation_id, "
                        "source, excerpt) VALUES (?, ?, ?, ?, ?, ?)",
                        "iiIItt", id, (int64_t)(i + 1), ind->document_id, ind->observation_id,
                        ind->source, ind->excerpt ? ind->excerpt : "");
        }
        if (rc == FOLIO_OK)
            rc = add_history(s, id, now, in->user, "create", (enum folio_query_status)0,
                             FOLIO_QS_DRAFT, t ? t->code : NULL, err);
        rc = folio_store_end(s, rc, err);
    }
    folio_arena_release(&a);
    if (rc == FOLIO_OK && id_out)
        *id_out = id;
    return rc;
}

enum folio_rc folio_query_get(const struct folio_chart *c, int64_t id, struct folio_arena *a,
                              struct folio_query **out, struct folio_err *err)
{
    struct folio_store *s = c->store;
    struct folio_stmt *st = NULL;
    struct folio_query *q = folio_arena_alloc(a, sizeof *q);
    bool row = false, oom = false;
    enum folio_rc rc;
    if (!q)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    rc = q_prepare(s, &st, err,
                   "SELECT q.encounter_id, e.patient_id, q.provider_id, q.template_id, q.kind, "
                   "q.purpose, q.status, q.question, q.created_by, q.sent_by, q.closed_by, "
                   "q.created_at, q.sent_at, q.closed_at, q.close_reason, q.answer_option, "
                   "q.answer_text, q.answer_document_id FROM cdi_query q JOIN encounter e ON "
                   "e.id = q.encounter_id WHERE q.id = ?",
                   "i", id);
    if (rc)
        return rc;
    rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && !row)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "id", "no query with id %lld", (long long)id);
    if (rc == FOLIO_OK) {
        q->id = id;
        q->encounter_id = folio_stmt_column_i64(st, 0);
        q->patient_id = folio_stmt_column_i64(st, 1);
        q->provider_id = folio_stmt_column_i64(st, 2);
        q->template_id = folio_stmt_column_is_null(st, 3) ? 0 : folio_stmt_column_i64(st, 3);
        q->kind = q_kind_from(folio_stmt_column_text(st, 4));
        q->purpose = q_purpose_from(folio_stmt_column_text(st, 5));
        q->status = q_status_from(folio_stmt_column_text(st, 6));
        q->question = folio_stmt_column_dup(a, st, 7, &oom);
        q->created_by = folio_stmt_column_dup(a, st, 8, &oom);
        q->sent_by = folio_stmt_column_dup(a, st, 9, &oom);
        q->closed_by = folio_stmt_column_dup(a, st, 10, &oom);
        folio_stmt_column_copy(st, 11, q->created_at, sizeof q->created_at);
        folio_stmt_column_copy(st, 12, q->sent_at, sizeof q->sent_at);
        folio_stmt_column_copy(st, 13, q->closed_at, sizeof q->closed_at);
        q->close_reason = folio_stmt_column_dup(a, st, 14, &oom);
        q->answer_option =
            folio_stmt_column_is_null(st, 15) ? 0 : (int)folio_stmt_column_i64(st, 15);
        q->answer_text = folio_stmt_column_dup(a, st, 16, &oom);
        q->answer_document_id =
            folio_stmt_column_is_null(st, 17) ? 0 : folio_stmt_column_i64(st, 17);
    }
    folio_stmt_free(st);
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    if (rc == FOLIO_OK)
        rc = read_options(s, "SELECT label, role FROM query_option WHERE query_id = ? ORDER BY seq",
                          id, a, &q->options, &q->n_options, err);
    if (rc == FOLIO_OK) {
        q->indicators = folio_arena_calloc(a, FOLIO_QUERY_MAX_INDICATORS, sizeof *q->indicators);
        if (!q->indicators)
            return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        rc = q_prepare(s, &st, err,
                       "SELECT document_id, observation_id, source, excerpt FROM query_indicator "
                       "WHERE query_id = ? ORDER BY seq",
                       "i", id);
        while (rc == FOLIO_OK && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row &&
               q->n_indicators < FOLIO_QUERY_MAX_INDICATORS) {
            struct folio_query_indicator *ind = &q->indicators[q->n_indicators++];
            ind->document_id = folio_stmt_column_is_null(st, 0) ? 0 : folio_stmt_column_i64(st, 0);
            ind->observation_id =
                folio_stmt_column_is_null(st, 1) ? 0 : folio_stmt_column_i64(st, 1);
            ind->source = folio_stmt_column_dup(a, st, 2, &oom);
            ind->excerpt = folio_stmt_column_dup(a, st, 3, &oom);
        }
        folio_stmt_free(st);
        if (rc == FOLIO_OK && oom)
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    }
    *out = q;
    return rc;
}

static enum folio_rc refuse_state(struct folio_err *err, const struct folio_query *q,
                                  const char *what)
{
    return folio_err_set(err, FOLIO_ESTATE, "status", "cannot %s query %lld: it is %s", what,
                         (long long)q->id, folio_query_status_name(q->status));
}

enum folio_rc folio_query_send(const struct folio_chart *c, int64_t id, const char *user,
                               const char *now_in, struct folio_err *err)
{
    struct folio_arena a = {0};
    struct folio_query *q = NULL;
    char now[32];
    enum folio_rc rc;
    if ((rc = check_text(user, FOLIO_QUERY_LABEL_MAX, "user", true, err)) ||
        (rc = q_time_arg(now_in, "now", now, err)))
        return rc;
    folio_arena_init(&a, 0);
    if ((rc = folio_store_begin(c->store, err)) == FOLIO_OK) {
        rc = folio_query_get(c, id, &a, &q, err);
        if (rc == FOLIO_OK && q->status != FOLIO_QS_DRAFT)
            rc = refuse_state(err, q, "send");
        if (rc == FOLIO_OK) {
            struct folio_query_draft d = {q->kind,      q->purpose,    q->question,    q->options,
                                          q->n_options, q->indicators, q->n_indicators};
            rc = folio_query_check(&d, err);
        }
        if (rc == FOLIO_OK)
            rc = q_exec(
                c->store, NULL, NULL, err,
                "UPDATE cdi_query SET status = 'sent', sent_at = ?, sent_by = ? WHERE id = ?",
                "tti", now, user, id);
        if (rc == FOLIO_OK)
            rc = add_history(c->store, id, now, user, "send", FOLIO_QS_DRAFT, FOLIO_QS_SENT, NULL,
                             err);
        rc = folio_store_end(c->store, rc, err);
    }
    folio_arena_release(&a);
    return rc;
}

static enum folio_rc close_query(struct folio_store *s, int64_t id, enum folio_query_status from,
                                 enum folio_query_status to, const char *action, const char *user,
                                 const char *reason, const char *now, struct folio_err *err)
{
    enum folio_rc rc = q_exec(s, NULL, NULL, err,
                              "UPDATE cdi_query SET status = ?, closed_at = ?, closed_by = ?, "
                              "close_reason = ? WHERE id = ?",
                              "tttti", folio_query_status_name(to), now, user, reason, id);
    if (rc == FOLIO_OK)
        rc = add_history(s, id, now, user, action, from, to, reason, err);
    return rc;
}

enum folio_rc folio_query_withdraw(const struct folio_chart *c, int64_t id, const char *user,
                                   const char *reason, const char *now_in, struct folio_err *err)
{
    struct folio_arena a = {0};
    struct folio_query *q = NULL;
    char now[32];
    enum folio_rc rc;
    if ((rc = check_text(user, FOLIO_QUERY_LABEL_MAX, "user", true, err)) ||
        (rc = check_text(reason, FOLIO_QUERY_TEXT_MAX, "reason", true, err)) ||
        (rc = q_time_arg(now_in, "now", now, err)))
        return rc;
    folio_arena_init(&a, 0);
    if ((rc = folio_store_begin(c->store, err)) == FOLIO_OK) {
        rc = folio_query_get(c, id, &a, &q, err);
        if (rc == FOLIO_OK && q->status != FOLIO_QS_DRAFT && q->status != FOLIO_QS_SENT)
            rc = refuse_state(err, q, "withdraw");
        if (rc == FOLIO_OK)
            rc = close_query(c->store, id, q->status, FOLIO_QS_WITHDRAWN, "withdraw", user, reason,
                             now, err);
        rc = folio_store_end(c->store, rc, err);
    }
    folio_arena_release(&a);
    return rc;
}

enum folio_rc folio_query_expire_overdue(const struct folio_chart *c, int64_t max_age_hours,
                                         const char *now_in, int64_t *n_out, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    char now[32], cutoff[32], reason[64];
    int64_t secs = 0, ids[256], n = 0, total = 0;
    bool row = false;
    enum folio_rc rc;
    if (max_age_hours < 1)
        return folio_err_set(err, FOLIO_EINVAL, "max_age_hours",
                             "max_age_hours must be at least 1 (%lld given)",
                             (long long)max_age_hours);
    if ((rc = q_time_arg(now_in, "now", now, err)))
        return rc;
    if (!q_time_secs(now, &secs))
        return folio_err_set(err, FOLIO_EINTERNAL, "now", "cannot read back '%s'", now);
    q_time_format(secs - max_age_hours * 3600, cutoff);
    folio_snprintf(reason, sizeof reason, "no answer within %lld hours", (long long)max_age_hours);
    if ((rc = folio_store_begin(c->store, err)))
        return rc;
    do { /* in batches, so the id array stays bounded */
        n = 0;
        rc = q_prepare(c->store, &st, err,
                       "SELECT id FROM cdi_query WHERE status = 'sent' AND sent_at < ? ORDER BY id "
                       "LIMIT 256",
                       "t", cutoff);
        while (rc == FOLIO_OK && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row)
            ids[n++] = folio_stmt_column_i64(st, 0);
        folio_stmt_free(st);
        st = NULL;
        for (int64_t i = 0; rc == FOLIO_OK && i < n; i++)
            rc = close_query(c->store, ids[i], FOLIO_QS_SENT, FOLIO_QS_EXPIRED, "expire", "system",
                             reason, now, err);
        total += n;
    } while (rc == FOLIO_OK && n == 256);
    rc = folio_store_end(c->store, rc, err);
    if (rc == FOLIO_OK && n_out)
        *n_out = total;
    return rc;
}

/* The filed response: the query as the provider saw it, and the answer. */
static enum folio_rc response_text(const struct folio_query *q, int option, const char *text,
                                   const char *provider_name, const char *now, struct folio_buf *b)
{
    enum folio_rc rc =
        folio_buf_appendf(b, "PHYSICIAN QUERY RESPONSE (query %lld)\n", (long long)q->id);
    if (!rc)
        rc = folio_buf_appendf(b, "Query sent %s by %s to %s\n\nClinical indicators:\n", q->sent_at,
                               q->sent_by ? q->sent_by : "", provider_name);
    for (size_t i = 0; !rc && i < q->n_indicators; i++) {
        const struct folio_query_indicator *in = &q->indicators[i];
        if (in->document_id)
            rc = folio_buf_appendf(b, "- [document %lld] ", (long long)in->document_id);
        else if (in->observation_id)
            rc = folio_buf_appendf(b, "- [observation %lld] ", (long long)in->observation_id);
        else
            rc = folio_buf_appendf(b, "- [%s] ", in->source ? in->source : "");
        if (!rc)
            rc = folio_buf_appendf(b, "\"%s\"\n", in->excerpt ? in->excerpt : "");
    }
    if (!rc)
        rc = folio_buf_appendf(b, "\nQuestion: %s\n", q->question);
    for (size_t i = 0; !rc && i < q->n_options; i++)
        rc = folio_buf_appendf(b, "  %s %zu. %s\n", (int)(i + 1) == option ? "[x]" : "[ ]", i + 1,
                               q->options[i].label);
    if (!rc && option)
        rc = folio_buf_appendf(b, "\nAnswer: %s\n", q->options[option - 1].label);
    if (!rc && !folio_str_empty(text))
        rc = folio_buf_appendf(b, "%s%s\n", option ? "Comment: " : "\nAnswer: ", text);
    if (!rc)
        rc = folio_buf_appendf(b, "\nAnswered %s by %s\n", now, provider_name);
    return rc;
}

enum folio_rc folio_query_answer(const struct folio_chart *c, int64_t id, int64_t provider_id,
                                 int option, const char *text, const char *now_in,
                                 int64_t *doc_id_out, struct folio_err *err)
{
    struct folio_arena a = {0};
    struct folio_query *q = NULL;
    struct folio_provider prov = {0};
    struct folio_buf b;
    char now[32], name[256];
    int64_t doc_id = 0, version_id = 0;
    enum folio_rc rc;
    if ((rc = check_text(text, FOLIO_QUERY_TEXT_MAX, "text", false, err)) ||
        (rc = q_time_arg(now_in, "now", now, err)))
        return rc;
    folio_arena_init(&a, 0);
    folio_buf_init(&b, 256 * 1024);
    if ((rc = folio_store_begin(c->store, err)) == FOLIO_OK) {
        rc = folio_query_get(c, id, &a, &q, err);
        if (rc == FOLIO_OK && q->status != FOLIO_QS_SENT)
            rc = refuse_state(err, q, "answer");
        if (rc == FOLIO_OK && provider_id != q->provider_id)
            rc = folio_err_set(err, FOLIO_EPERM, "provider_id",
                               "query %lld is addressed to provider %lld, not %lld", (long long)id,
                               (long long)q->provider_id, (long long)provider_id);
        if (rc == FOLIO_OK && q->kind == FOLIO_QK_OPEN_ENDED && option != 0)
            rc = folio_err_set(err, FOLIO_EINVAL, "option",
                               "an open-ended query is answered in words, not option %d", option);
        if (rc == FOLIO_OK && q->kind != FOLIO_QK_OPEN_ENDED &&
            (option < 1 || (size_t)option > q->n_options))
            rc = folio_err_set(err, FOLIO_EINVAL, "option", "option %d: choose one of 1..%zu",
                               option, q->n_options);
        if (rc == FOLIO_OK && folio_str_empty(text) &&
            (q->kind == FOLIO_QK_OPEN_ENDED || q->options[option - 1].role == FOLIO_QO_OTHER))
            rc = folio_err_set(err, FOLIO_EINVAL, "text", "text is required: %s",
                               option ? "the answer \"other\" must say what"
                                      : "an open-ended query is answered in words");
        if (rc == FOLIO_OK)
            rc = folio_provider_get(c, provider_id, &a, &prov, err);
        if (rc == FOLIO_OK) {
            folio_snprintf(name, sizeof name, "%s%s%s%s%s", prov.given ? prov.given : "",
                           prov.given && prov.family ? " " : "", prov.family ? prov.family : "",
                           prov.credentials ? ", " : "", prov.credentials ? prov.credentials : "");
            rc = response_text(q, option, text, name, now, &b);
        }
        if (rc == FOLIO_OK) {
            char title[64], late[96];
            folio_snprintf(title, sizeof title, "%s (query %lld)", FOLIO_QUERY_DOC_TITLE,
                           (long long)id);
            /* recorded only when the chart was completed meanwhile (a late entry) */
            folio_snprintf(late, sizeof late,
                           "the provider's answer to physician query %lld", (long long)id);
            struct folio_document_new d = {
                .patient_id = q->patient_id,
                .encounter_id = q->encounter_id,
                .author_id = provider_id,
                .type_code = FOLIO_QUERY_DOC_TYPE,
                .type_title = FOLIO_QUERY_DOC_TITLE,
                .title = title,
                .service_at = now,
                .status = "final",
                .content = b.data,
                .content_len = b.len,
                .mime_type = "text/plain",
                .reason = late,
            };
            rc = folio_document_create(c, &d, &doc_id, &version_id, err);
        }
        if (rc == FOLIO_OK)
            rc = folio_document_sign(c, version_id, provider_id, NULL, "author", now, NULL, err);
        if (rc == FOLIO_OK)
            rc = q_exec(c->store, NULL, NULL, err,
                        "UPDATE cdi_query SET status = 'answered', closed_at = ?, closed_by = ?, "
                        "answer_option = ?, answer_text = ?, answer_document_id = ? WHERE id = ?",
                        "ttItii", now, ACTOR(c), (int64_t)option, text, doc_id, id);
        if (rc == FOLIO_OK)
            rc =
                add_history(c->store, id, now, ACTOR(c), "answer", FOLIO_QS_SENT, FOLIO_QS_ANSWERED,
                            option ? q->options[option - 1].label : "free text", err);
        rc = folio_store_end(c->store, rc, err);
    }
    folio_buf_release(&b);
    folio_arena_release(&a);
    if (rc == FOLIO_OK && doc_id_out)
        *doc_id_out = doc_id;
    return rc;
}

enum folio_rc folio_query_list_encounter(const struct folio_chart *c, int64_t encounter_id,
                                         struct folio_arena *a, struct folio_query **out, size_t *n,
                                         struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    int64_t ids[512];
    size_t k = 0;
    bool row = false;
    enum folio_rc rc = q_prepare(c->store, &st, err,
                                 "SELECT id FROM cdi_query WHERE encounter_id = ? ORDER BY "
                                 "created_at, id LIMIT 512",
                                 "i", encounter_id);
    *n = 0;
    while (rc == FOLIO_OK && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row)
        ids[k++] = folio_stmt_column_i64(st, 0);
    folio_stmt_free(st);
    if (rc)
        return rc;
    struct folio_query *v = folio_arena_calloc(a, k ? k : 1, sizeof *v);
    if (!v)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < k; i++) {
        struct folio_query *q = NULL;
        if ((rc = folio_query_get(c, ids[i], a, &q, err)))
            return rc;
        v[i] = *q;
    }
    *out = v;
    *n = k;
    return FOLIO_OK;
}

enum folio_rc folio_query_history(const struct folio_chart *c, int64_t id, struct folio_arena *a,
                                  struct folio_query_event **out, size_t *n, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct folio_query_event *v = NULL;
    size_t cap = 0;
    bool row = false, oom = false, found = false;
    int64_t dummy = 0;
    enum folio_rc rc =
        q_exec(c->store, &dummy, &found, err, "SELECT id FROM cdi_query WHERE id = ?", "i", id);
    *n = 0;
    if (rc == FOLIO_OK && !found)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "id", "no query with id %lld", (long long)id);
    if (rc == FOLIO_OK)
        rc = q_prepare(c->store, &st, err,
                       "SELECT id, at, user_name, action, old_status, new_status, detail FROM "
                       "query_history WHERE query_id = ? ORDER BY id",
                       "i", id);
    while (rc == FOLIO_OK && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        {
            struct folio_query_event *nv =
                folio_arena_grow(a, v, *n, &cap, sizeof *nv, 8);
            if (!nv) {
                oom = true;
                break;
            }
            v = nv;
        }
        struct folio_query_event *e = &v[(*n)++];
        e->id = folio_stmt_column_i64(st, 0);
        folio_stmt_column_copy(st, 1, e->at, sizeof e->at);
        e->user = folio_stmt_column_dup(a, st, 2, &oom);
        folio_stmt_column_copy(st, 3, e->action, sizeof e->action);
        e->old_status = q_status_from(folio_stmt_column_text(st, 4));
        e->new_status = q_status_from(folio_stmt_column_text(st, 5));
        e->detail = folio_stmt_column_dup(a, st, 6, &oom);
    }
    folio_stmt_free(st);
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    *out = v;
    return rc;
}

enum folio_rc folio_query_inbox(const struct folio_chart *c, int64_t provider_id,
                                const char *as_of_in, struct folio_arena *a,
                                struct folio_query_inbox_item **out, size_t *n,
                                struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct folio_query_inbox_item *v = NULL;
    size_t cap = 0;
    bool row = false, oom = false;
    char as_of[32];
    int64_t now_s = 0, sent_s = 0;
    enum folio_rc rc;
    *n = 0;
    if ((rc = q_time_arg(as_of_in, "as_of", as_of, err)))
        return rc;
    (void)q_time_secs(as_of, &now_s);
    rc = q_prepare(c->store, &st, err,
                   "SELECT q.id, q.encounter_id, e.patient_id, q.kind, q.question, q.created_by, "
                   "q.sent_at FROM cdi_query q JOIN encounter e ON e.id = q.encounter_id WHERE "
                   "q.provider_id = ? AND q.status = 'sent' ORDER BY q.sent_at, q.id",
                   "i", provider_id);
    while (rc == FOLIO_OK && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        {
            struct folio_query_inbox_item *nv =
                folio_arena_grow(a, v, *n, &cap, sizeof *nv, 8);
            if (!nv) {
                oom = true;
                break;
            }
            v = nv;
        }
        struct folio_query_inbox_item *it = &v[(*n)++];
        it->id = folio_stmt_column_i64(st, 0);
        it->encounter_id = folio_stmt_column_i64(st, 1);
        it->patient_id = folio_stmt_column_i64(st, 2);
        it->kind = q_kind_from(folio_stmt_column_text(st, 3));
        it->question = folio_stmt_column_dup(a, st, 4, &oom);
        it->created_by = folio_stmt_column_dup(a, st, 5, &oom);
        folio_stmt_column_copy(st, 6, it->sent_at, sizeof it->sent_at);
        if (q_time_secs(it->sent_at, &sent_s))
            it->age_hours = (now_s - sent_s) / 3600;
    }
    folio_stmt_free(st);
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    *out = v;
    return rc;
}

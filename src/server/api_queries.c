/* Physician queries over HTTP (folio/query.h; docs/api.md "Physician queries"): templates, the
 * leading-query check of a draft, an encounter's queries, writing, sending, withdrawing and
 * answering a query, the query report, the signed-in clinician's inbox (their sent queries and
 * open deficiencies) and the provider picker.
 *
 * Who may read a query: completeness.read, or the clinician the query is addressed to (inbox and
 * users.provider_id = the query's provider). Answering is for the addressee only.
 *
 * Audit: reading an encounter's queries or one query is query.view (with the patient); a new
 * query query.create; query.send, query.withdraw, query.answer; the report query.report; the
 * inbox query.inbox. Templates, the draft check and the provider picker carry no patient
 * information and are not audited.
 *
 * Minimum necessary: inbox rows carry the patient's name only with `identifiers`. */
#include "folio/base.h"

#include "folio/completeness.h"
#include "folio/privacy.h"
#include "folio/query.h"
#include "folio/records.h"
#include "folio/time.h"
#include "server/api_completeness.h"
#include "server/render.h"
#include "server/server.h"

#define CODE_MAX   64 /* template code */
#define REASON_MAX 1000

/* ---------------------------------------------------------------- helpers */

static const char *user_of(const struct folio_req *req)
{
    return req->session ? req->session->username : NULL;
}

static const char *nz(const char *s)
{
    return folio_str_empty(s) ? NULL : s;
}

static enum folio_rc text_cap(const char *v, const char *field, size_t max, struct folio_err *err)
{
    if (v && strlen(v) > max)
        return folio_err_set(err, FOLIO_EINVAL, field, "%s is longer than %zu bytes", field, max);
    return FOLIO_OK;
}

static enum folio_rc opt_role_parse(const char *s, const char *field,
                                    enum folio_query_opt_role *out, struct folio_err *err)
{
    int r;

    for (r = FOLIO_QO_CLINICAL; r <= FOLIO_QO_NO; r++) {
        const char *name = folio_query_opt_role_name((enum folio_query_opt_role)r);

        if (name && folio_sv_ieq_cstr(folio_sv_from(s), name)) {
            *out = (enum folio_query_opt_role)r;
            return FOLIO_OK;
        }
    }
    return folio_err_set(err, FOLIO_EINVAL, field,
                         "%s: '%.32s' is not an option role (clinical, other, undetermined, yes, "
                         "no)",
                         field, s);
}

/* "options": [{"role", "label"}] -> an array in the arena; *present false when absent. */
static enum folio_rc parse_options(struct folio_req *req, const json_t *body,
                                   struct folio_query_option **out, size_t *n, bool *present,
                                   struct folio_err *err)
{
    static const char *const allowed[] = {"role", "label", NULL};
    const json_t *arr = NULL, *v;
    struct folio_query_option *o = NULL;
    enum folio_rc rc;
    size_t i;

    *out = NULL;
    *n = 0;
    *present = false;
    rc = folio_api_arr(body, NULL, "options", FOLIO_QUERY_MAX_OPTIONS, &arr, err);
    if (rc || !arr)
        return rc;
    *present = true;
    if (json_array_size(arr)) {
        o = folio_arena_calloc(req->arena, json_array_size(arr), sizeof *o);
        if (!o)
            return folio_render_nomem(err);
    }
    json_array_foreach(arr, i, v)
    {
        const char *role = NULL, *label = NULL;
        char path[24], f[40];

        (void)folio_snprintf(path, sizeof path, "options[%zu]", i);
        if (!json_is_object(v))
            return folio_err_set(err, FOLIO_EINVAL, path, "%s must be an object", path);
        rc = folio_api_only(v, path, allowed, err);
        rc = rc ? rc : folio_api_str(v, path, "role", &role, err);
        rc = rc ? rc : folio_api_req_str(v, path, "label", &label, err);
        (void)folio_snprintf(f, sizeof f, "%s.label", path);
        rc = rc ? rc : text_cap(label, f, FOLIO_QUERY_LABEL_MAX, err);
        if (rc)
            return rc;
        (void)folio_snprintf(f, sizeof f, "%s.role", path);
        o[i].role = FOLIO_QO_CLINICAL;
        if (!folio_str_empty(role)) {
            rc = opt_role_parse(role, f, &o[i].role, err);
            if (rc)
                return rc;
        }
        o[i].label = folio_arena_strdup(req->arena, label);
        if (!o[i].label)
            return folio_render_nomem(err);
    }
    *out = o;
    *n = json_array_size(arr);
    return FOLIO_OK;
}

/* "indicators": [{"document_id", "observation_id", "source", "excerpt"}]. */
static enum folio_rc parse_indicators(struct folio_req *req, const json_t *body,
                                      struct folio_query_indicator **out, size_t *n,
                                      struct folio_err *err)
{
    static const char *const allowed[] = {"document_id", "observation_id", "source", "excerpt",
                                          NULL};
    const json_t *arr = NULL, *v;
    struct folio_query_indicator *ind = NULL;
    enum folio_rc rc;
    size_t i;

    *out = NULL;
    *n = 0;
    rc = folio_api_arr(body, NULL, "indicators", FOLIO_QUERY_MAX_INDICATORS, &arr, err);
    if (rc || !arr || json_array_size(arr) == 0)
        return rc;
    ind = folio_arena_calloc(req->arena, json_array_size(arr), sizeof *ind);
    if (!ind)
        return folio_render_nomem(err);
    json_array_foreach(arr, i, v)
    {
        struct folio_query_indicator *x = &ind[i];
        const char *source = NULL, *excerpt = NULL;
        char path[24], f[48];

        (void)folio_snprintf(path, sizeof path, "indicators[%zu]", i);
        if (!json_is_object(v))
            return folio_err_set(err, FOLIO_EINVAL, path, "%s must be an object", path);
        rc = folio_api_only(v, path, allowed, err);
        rc = rc ? rc
                : folio_api_i64(v, path, "document_id", 1, INT64_MAX, &x->document_id, NULL, err);
        rc = rc ? rc
                : folio_api_i64(v, path, "observation_id", 1, INT64_MAX, &x->observation_id, NULL,
                                err);
        rc = rc ? rc : folio_api_str(v, path, "source", &source, err);
        rc = rc ? rc : folio_api_str(v, path, "excerpt", &excerpt, err);
        (void)folio_snprintf(f, sizeof f, "%s.source", path);
        rc = rc ? rc : text_cap(source, f, FOLIO_QUERY_LABEL_MAX, err);
        (void)folio_snprintf(f, sizeof f, "%s.excerpt", path);
        rc = rc ? rc : text_cap(excerpt, f, FOLIO_QUERY_TEXT_MAX, err);
        if (rc)
            return rc;
        x->source = source ? folio_arena_strdup(req->arena, source) : NULL;
        x->excerpt = excerpt ? folio_arena_strdup(req->arena, excerpt) : NULL;
        if ((source && !x->source) || (excerpt && !x->excerpt))
            return folio_render_nomem(err);
    }
    *out = ind;
    *n = json_array_size(arr);
    return FOLIO_OK;
}

/* kind, purpose and question of a body (absent: 0 / NULL), copied into the arena. */
static enum folio_rc parse_head(struct folio_req *req, const json_t *body,
                                enum folio_query_kind *kind, enum folio_query_purpose *purpose,
                                const char **question, struct folio_err *err)
{
    const char *k = NULL, *p = NULL, *q = NULL;
    enum folio_rc rc;

    *kind = 0;
    *purpose = 0;
    *question = NULL;
    rc = folio_api_str(body, NULL, "kind", &k, err);
    rc = rc ? rc : folio_api_str(body, NULL, "purpose", &p, err);
    rc = rc ? rc : folio_api_str(body, NULL, "question", &q, err);
    rc = rc ? rc : text_cap(k, "kind", 32, err);
    rc = rc ? rc : text_cap(p, "purpose", 32, err);
    rc = rc ? rc : text_cap(q, "question", FOLIO_QUERY_TEXT_MAX, err);
    if (!rc && !folio_str_empty(k))
        rc = folio_query_kind_parse(k, kind, err);
    if (!rc && !folio_str_empty(p))
        rc = folio_query_purpose_parse(p, purpose, err);
    if (!rc && q) {
        *question = folio_arena_strdup(req->arena, q);
        if (!*question)
            rc = folio_render_nomem(err);
    }
    return rc;
}

/* Template id -> code, from the active templates (a retired template's code is not listed). */
struct templates {
    bool loaded;
    struct folio_query_template *t;
    size_t n;
};

static enum folio_rc template_code(struct folio_req *req, struct templates *tc, int64_t id,
                                   const char **out, struct folio_err *err)
{
    size_t i;

    *out = NULL;
    if (id <= 0)
        return FOLIO_OK;
    if (!tc->loaded) {
        enum folio_rc rc = folio_query_template_list(req->store, req->arena, &tc->t, &tc->n, err);

        if (rc)
            return rc;
        tc->loaded = true;
    }
    for (i = 0; i < tc->n; i++) {
        if (tc->t[i].id == id) {
            *out = tc->t[i].code;
            break;
        }
    }
    return FOLIO_OK;
}

static json_t *options_json(const struct folio_query_option *o, size_t n)
{
    json_t *arr = json_array();
    size_t i;

    for (i = 0; arr && i < n; i++) {
        json_t *x = json_object();
        int bad = !x;

        bad |= x ? folio_jset_str(x, "role", folio_query_opt_role_name(o[i].role)) : 0;
        bad |= x ? folio_jset_str(x, "label", o[i].label) : 0;
        if (bad || json_array_append_new(arr, x)) {
            if (bad)
                json_decref(x);
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static json_t *indicators_json(const struct folio_query_indicator *ind, size_t n)
{
    json_t *arr = json_array();
    size_t i;

    for (i = 0; arr && i < n; i++) {
        json_t *x = json_object();
        int bad = !x;

        bad |= x ? (ind[i].document_id ? folio_jset_int(x, "document_id", ind[i].document_id)
                                       : folio_jset(x, "document_id", json_null()))
                 : 0;
        bad |=
            x ? (ind[i].observation_id ? folio_jset_int(x, "observation_id", ind[i].observation_id)
                                       : folio_jset(x, "observation_id", json_null()))
              : 0;
        bad |= x ? folio_jset_str(x, "source", nz(ind[i].source)) : 0;
        bad |= x ? folio_jset_str(x, "excerpt", ind[i].excerpt) : 0;
        if (bad || json_array_append_new(arr, x)) {
            if (bad)
                json_decref(x);
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* The query JSON (Q); full adds options and indicators. */
static enum folio_rc query_json(struct folio_req *req, struct folio_api_pnames *names,
                                struct templates *tc, const struct folio_query *q, bool full,
                                json_t **out, struct folio_err *err)
{
    const char *pname = NULL, *code = NULL;
    json_t *o;
    enum folio_rc rc;
    int bad;

    *out = NULL;
    rc = folio_api_provider_name(req, names, q->provider_id, &pname, err);
    rc = rc ? rc : template_code(req, tc, q->template_id, &code, err);
    if (rc)
        return rc;
    o = json_object();
    bad = !o;
    if (!bad) {
        bad |= folio_jset_int(o, "id", q->id);
        bad |= folio_jset_int(o, "encounter_id", q->encounter_id);
        bad |= folio_jset_int(o, "patient_id", q->patient_id);
        bad |= folio_jset(o, "provider", folio_api_provider_ref(q->provider_id, pname));
        bad |= folio_jset_str(o, "template_code", code);
        bad |= folio_jset_str(o, "kind", folio_query_kind_name(q->kind));
        bad |= folio_jset_str(o, "purpose", folio_query_purpose_name(q->purpose));
        bad |= folio_jset_str(o, "status", folio_query_status_name(q->status));
        bad |= folio_jset_str(o, "question", q->question);
        if (full) {
            bad |= folio_jset(o, "options", options_json(q->options, q->n_options));
            bad |= folio_jset(o, "indicators", indicators_json(q->indicators, q->n_indicators));
        }
        bad |= folio_jset_str(o, "created_by", q->created_by);
        bad |= folio_jset_str(o, "created_at", nz(q->created_at));
        bad |= folio_jset_str(o, "sent_by", q->sent_by);
        bad |= folio_jset_str(o, "sent_at", nz(q->sent_at));
        bad |= folio_jset_str(o, "closed_by", q->closed_by);
        bad |= folio_jset_str(o, "closed_at", nz(q->closed_at));
        bad |= folio_jset_str(o, "close_reason", q->close_reason);
        bad |= q->answer_option > 0 ? folio_jset_int(o, "answer_option", q->answer_option)
                                    : folio_jset(o, "answer_option", json_null());
        bad |= folio_jset_str(o, "answer_text", q->answer_text);
        bad |= q->answer_document_id > 0
                   ? folio_jset_int(o, "answer_document_id", q->answer_document_id)
                   : folio_jset(o, "answer_document_id", json_null());
    }
    if (bad) {
        json_decref(o);
        return folio_render_nomem(err);
    }
    *out = o;
    return FOLIO_OK;
}

static enum folio_rc get_query(struct folio_req *req, int64_t id, struct folio_query **q,
                               struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);

    return folio_query_get(&c, id, req->arena, q, err);
}

/* The query as JSON after a change (reloaded). */
static enum folio_rc reload_json(struct folio_req *req, int64_t id, json_t **out,
                                 struct folio_err *err)
{
    struct folio_api_pnames names;
    struct templates tc;
    struct folio_query *q = NULL;
    enum folio_rc rc;

    names.n = 0;
    memset(&tc, 0, sizeof tc);
    rc = get_query(req, id, &q, err);
    return rc ? rc : query_json(req, &names, &tc, q, true, out, err);
}

/* "YYYY-MM-01" of the first day of the month `back` months before now's month (negative:
 * after). */
static void month_start(int back, char out[11])
{
    char now[32];
    int y, m;

    folio_time_now_utc(now);
    y = (now[0] - '0') * 1000 + (now[1] - '0') * 100 + (now[2] - '0') * 10 + (now[3] - '0');
    m = (now[5] - '0') * 10 + (now[6] - '0') - 1 - back; /* 0-based month index */
    while (m < 0) {
        m += 12;
        y--;
    }
    while (m > 11) {
        m -= 12;
        y++;
    }
    (void)folio_snprintf(out, 11, "%04d-%02d-01", y, m + 1);
}

/* ---------------------------------------------------------------- templates, check */

static enum folio_rc templates(struct folio_req *req, struct folio_resp *resp,
                               struct folio_err *err)
{
    struct folio_query_template *t = NULL;
    json_t *o, *items;
    size_t n = 0, i;
    enum folio_rc rc;
    int bad;

    rc = folio_query_template_list(req->store, req->arena, &t, &n, err);
    if (rc)
        return rc;
    o = json_object();
    items = json_array();
    bad = !o || !items;
    if (!bad && folio_jset(o, "items", items)) {
        items = NULL;
        bad = 1;
    }
    for (i = 0; !bad && i < n; i++) {
        json_t *x = json_object();

        bad |= !x;
        bad |= x ? folio_jset_str(x, "code", t[i].code) : 0;
        bad |= x ? folio_jset_str(x, "title", t[i].title) : 0;
        bad |= x ? folio_jset_str(x, "kind", folio_query_kind_name(t[i].kind)) : 0;
        bad |= x ? folio_jset_str(x, "purpose", folio_query_purpose_name(t[i].purpose)) : 0;
        bad |= x ? folio_jset_str(x, "question", t[i].question) : 0;
        bad |= x ? folio_jset(x, "options", options_json(t[i].options, t[i].n_options)) : 0;
        if (bad || json_array_append_new(items, x)) {
            if (bad)
                json_decref(x);
            bad = 1;
        }
    }
    if (bad) {
        if (!o)
            json_decref(items);
        json_decref(o);
        return folio_render_nomem(err);
    }
    return folio_api_reply(resp, 200, o, err);
}

static enum folio_rc check(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    static const char *const allowed[] = {"kind",    "purpose",    "question",
                                          "options", "indicators", NULL};
    struct folio_query_draft d;
    struct folio_query_option *opts = NULL;
    struct folio_query_indicator *ind = NULL;
    json_t *body = NULL, *o;
    bool has_opts = false;
    enum folio_rc rc;

    memset(&d, 0, sizeof d);
    rc = folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc : parse_head(req, body, &d.kind, &d.purpose, &d.question, err);
    rc = rc ? rc : parse_options(req, body, &opts, &d.n_options, &has_opts, err);
    rc = rc ? rc : parse_indicators(req, body, &ind, &d.n_indicators, err);
    json_decref(body);
    if (rc)
        return rc;
    if (!d.kind)
        return folio_err_set(err, FOLIO_EINVAL, "kind",
                             "kind is required (open_ended, multiple_choice, yes_no)");
    if (!d.purpose)
        return folio_err_set(err, FOLIO_EINVAL, "purpose", "purpose is required");
    d.options = opts;
    d.indicators = ind;
    rc = folio_query_check(&d, err);
    if (rc)
        return rc;
    o = json_object();
    if (o && folio_jset_bool(o, "ok", true)) {
        json_decref(o);
        o = NULL;
    }
    return folio_api_reply(resp, 200, o, err);
}

/* ---------------------------------------------------------------- an encounter's queries */

static enum folio_rc encounter_patient(struct folio_req *req, int64_t encounter_id, int64_t *pid,
                                       struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_encounter e;
    enum folio_rc rc;

    rc = folio_encounter_get(&c, encounter_id, req->arena, &e, err);
    if (rc == FOLIO_ENOTFOUND)
        (void)folio_strlcpy(err->field, "id", sizeof err->field);
    if (rc)
        return rc;
    *pid = e.patient_id;
    return FOLIO_OK;
}

static enum folio_rc list(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_api_pnames names;
    struct templates tc;
    struct folio_query *q = NULL;
    int64_t pid = 0;
    json_t *o, *items;
    size_t n = 0, i;
    enum folio_rc rc;

    names.n = 0;
    memset(&tc, 0, sizeof tc);
    rc = encounter_patient(req, req->ids[0], &pid, err);
    rc = rc ? rc : folio_query_list_encounter(&c, req->ids[0], req->arena, &q, &n, err);
    rc = rc ? rc
            : folio_srv_audit(req, "query.view", pid, "encounter", req->ids[0],
                              folio_arena_printf(req->arena, "queries: %zu", n), err);
    if (rc)
        return rc;
    o = json_object();
    items = json_array();
    if (!o || !items || folio_jset(o, "items", json_incref(items))) {
        json_decref(o);
        json_decref(items);
        return folio_render_nomem(err);
    }
    json_decref(items); /* o holds it */
    for (i = 0; i < n; i++) {
        json_t *x = NULL;

        rc = query_json(req, &names, &tc, &q[i], false, &x, err);
        if (!rc && json_array_append_new(items, x))
            rc = folio_render_nomem(err);
        if (rc) {
            json_decref(o);
            return rc;
        }
    }
    return folio_api_reply(resp, 200, o, err);
}

static enum folio_rc create(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    static const char *const allowed[] = {"provider_id", "template_code", "kind",
                                          "purpose",     "question",      "options",
                                          "indicators",  "send",          NULL};
    struct folio_chart c = folio_api_chart(req);
    struct folio_query_new in;
    struct folio_query_option *opts = NULL;
    struct folio_query_indicator *ind = NULL;
    const char *code = NULL;
    json_t *body = NULL, *o = NULL;
    bool has_opts = false, send = false, has_provider = false;
    int64_t pid = 0, id = 0;
    enum folio_rc rc;

    memset(&in, 0, sizeof in);
    in.encounter_id = req->ids[0];
    in.user = user_of(req);
    rc = folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc
            : folio_api_i64(body, NULL, "provider_id", 1, INT64_MAX, &in.provider_id, &has_provider,
                            err);
    rc = rc ? rc : folio_api_str(body, NULL, "template_code", &code, err);
    rc = rc ? rc : text_cap(code, "template_code", CODE_MAX, err);
    rc = rc ? rc : parse_head(req, body, &in.kind, &in.purpose, &in.question, err);
    rc = rc ? rc : parse_options(req, body, &opts, &in.n_options, &has_opts, err);
    rc = rc ? rc : parse_indicators(req, body, &ind, &in.n_indicators, err);
    rc = rc ? rc : folio_api_bool(body, NULL, "send", &send, NULL, err);
    rc = rc ? rc : encounter_patient(req, in.encounter_id, &pid, err);
    if (rc)
        goto out;
    if (!has_provider) {
        rc = folio_err_set(err, FOLIO_EINVAL, "provider_id",
                           "provider_id is required (the clinician asked)");
        goto out;
    }
    if (code) {
        in.template_code = folio_arena_strdup(req->arena, code);
        if (!in.template_code) {
            rc = folio_render_nomem(err);
            goto out;
        }
    }
    in.options = has_opts ? opts : NULL;
    in.indicators = ind;
    rc = folio_query_create(&c, &in, &id, err);
    if (rc == FOLIO_ENOTFOUND && strcmp(err->field, "code") == 0)
        (void)folio_strlcpy(err->field, "template_code", sizeof err->field);
    rc = rc ? rc : folio_srv_audit(req, "query.create", pid, "query", id, NULL, err);
    if (!rc && send) {
        rc = folio_query_send(&c, id, in.user, NULL, err);
        rc = rc ? rc : folio_srv_audit(req, "query.send", pid, "query", id, NULL, err);
    }
    rc = rc ? rc : reload_json(req, id, &o, err);
    if (rc)
        goto out;
    (void)folio_snprintf(resp->location, sizeof resp->location, "/api/v1/queries/%lld",
                         (long long)id);
    rc = folio_api_reply(resp, 201, o, err);
out:
    json_decref(body);
    return rc;
}

/* ---------------------------------------------------------------- one query */

/* completeness.read, or the addressee (inbox + linked to the query's provider). */
static enum folio_rc may_read(struct folio_req *req, const struct folio_query *q, bool *ok,
                              struct folio_err *err)
{
    int64_t mine = 0;
    enum folio_rc rc;

    *ok = folio_req_can(req, FOLIO_PERM_CMPL_READ);
    if (*ok || !folio_req_can(req, FOLIO_PERM_INBOX))
        return FOLIO_OK;
    rc = folio_api_session_provider(req, &mine, err);
    if (rc)
        return rc;
    *ok = mine != 0 && mine == q->provider_id;
    return FOLIO_OK;
}

static enum folio_rc view(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_api_pnames names;
    struct templates tc;
    struct folio_query *q = NULL;
    struct folio_query_event *ev = NULL;
    json_t *o = NULL, *arr;
    size_t n = 0, i;
    bool ok = false;
    enum folio_rc rc;
    int bad;

    names.n = 0;
    memset(&tc, 0, sizeof tc);
    rc = get_query(req, req->ids[0], &q, err);
    if (rc || (rc = may_read(req, q, &ok, err)))
        return rc;
    /* another's query is "not found" to a user without completeness.read, as an unknown id is:
     * the answer must not tell which ids exist (the refusal is audited) */
    if (!ok && folio_req_can(req, FOLIO_PERM_INBOX)) {
        int64_t mine = 0;
        if ((rc = folio_api_session_provider(req, &mine, err)))
            return rc;
        if (mine == 0)
            return folio_api_deny(req, resp, "provider_id",
                                  "your user is not linked to a provider: your inbox has no "
                                  "queries",
                                  err);
    }
    if (!ok)
        return folio_api_deny_as(req, resp, 404, FOLIO_ENOTFOUND, "id",
                                 folio_arena_printf(req->arena, "no query with id %lld",
                                                    (long long)req->ids[0]),
                                 err);
    rc = folio_query_history(&c, q->id, req->arena, &ev, &n, err);
    rc = rc ? rc : folio_srv_audit(req, "query.view", q->patient_id, "query", q->id, NULL, err);
    rc = rc ? rc : query_json(req, &names, &tc, q, true, &o, err);
    if (rc)
        return rc;
    arr = json_array();
    bad = !arr || folio_jset(o, "history", arr);
    for (i = 0; !bad && i < n; i++) {
        json_t *x = json_object();

        bad |= !x;
        bad |= x ? folio_jset_str(x, "at", ev[i].at) : 0;
        bad |= x ? folio_jset_str(x, "user", ev[i].user) : 0;
        bad |= x ? folio_jset_str(x, "action", ev[i].action) : 0;
        bad |=
            x ? folio_jset_str(x, "old_status",
                               ev[i].old_status ? folio_query_status_name(ev[i].old_status) : NULL)
              : 0;
        bad |= x ? folio_jset_str(x, "new_status", folio_query_status_name(ev[i].new_status)) : 0;
        bad |= x ? folio_jset_str(x, "detail", ev[i].detail) : 0;
        if (bad || json_array_append_new(arr, x)) {
            if (bad)
                json_decref(x);
            bad = 1;
        }
    }
    if (bad) {
        json_decref(o);
        return folio_render_nomem(err);
    }
    return folio_api_reply(resp, 200, o, err);
}

static enum folio_rc send(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_query *q = NULL;
    json_t *o = NULL;
    enum folio_rc rc;

    rc = folio_api_empty_body(req, err);
    rc = rc ? rc : get_query(req, req->ids[0], &q, err);
    rc = rc ? rc : folio_query_send(&c, q->id, user_of(req), NULL, err);
    rc = rc ? rc : folio_srv_audit(req, "query.send", q->patient_id, "query", q->id, NULL, err);
    rc = rc ? rc : reload_json(req, q->id, &o, err);
    return rc ? rc : folio_api_reply(resp, 200, o, err);
}

static enum folio_rc withdraw(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    static const char *const allowed[] = {"reason", NULL};
    struct folio_chart c = folio_api_chart(req);
    struct folio_query *q = NULL;
    const char *reason = NULL;
    json_t *body = NULL, *o = NULL;
    enum folio_rc rc;

    rc = folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc : folio_api_req_str(body, NULL, "reason", &reason, err);
    rc = rc ? rc : text_cap(reason, "reason", REASON_MAX, err);
    rc = rc ? rc : get_query(req, req->ids[0], &q, err);
    rc = rc ? rc : folio_query_withdraw(&c, q->id, user_of(req), reason, NULL, err);
    rc = rc ? rc : folio_srv_audit(req, "query.withdraw", q->patient_id, "query", q->id, NULL, err);
    rc = rc ? rc : reload_json(req, q->id, &o, err);
    json_decref(body);
    return rc ? rc : folio_api_reply(resp, 200, o, err);
}

static enum folio_rc answer(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    static const char *const allowed[] = {"option", "text", NULL};
    struct folio_chart c = folio_api_chart(req);
    struct folio_query *q = NULL;
    const char *text = NULL;
    json_t *body = NULL, *o = NULL, *qj = NULL;
    int64_t option = 0, mine = 0, doc = 0;
    enum folio_rc rc;
    int bad;

    rc = folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc
            : folio_api_i64(body, NULL, "option", 1, FOLIO_QUERY_MAX_OPTIONS, &option, NULL, err);
    rc = rc ? rc : folio_api_str(body, NULL, "text", &text, err);
    rc = rc ? rc : text_cap(text, "text", FOLIO_QUERY_TEXT_MAX, err);
    rc = rc ? rc : get_query(req, req->ids[0], &q, err);
    rc = rc ? rc : folio_api_session_provider(req, &mine, err);
    if (rc)
        goto out;
    if (mine == 0) {
        rc = folio_api_deny(req, resp, "provider_id",
                            "your user is not linked to a provider: only the clinician asked "
                            "can answer",
                            err);
        goto out;
    }
    if (mine != q->provider_id) { /* another's query looks like an unknown id */
        rc = folio_api_deny_as(req, resp, 404, FOLIO_ENOTFOUND, "id",
                               folio_arena_printf(req->arena, "no query with id %lld",
                                                  (long long)req->ids[0]),
                               err);
        goto out;
    }
    rc = folio_query_answer(&c, q->id, mine, (int)option, text, NULL, &doc, err);
    rc = rc ? rc
            : folio_srv_audit(
                  req, "query.answer", q->patient_id, "query", q->id,
                  folio_arena_printf(req->arena, "response document %lld", (long long)doc), err);
    /* The response is a document of the encounter: the chart's analysis sees it. */
    rc = rc ? rc
            : folio_completeness_on_change(req->store, q->encounter_id, NULL, user_of(req), NULL,
                                           err);
    rc = rc ? rc : reload_json(req, q->id, &qj, err);
    if (rc)
        goto out;
    o = json_object();
    if (!o) {
        json_decref(qj);
        rc = folio_render_nomem(err);
        goto out;
    }
    bad = folio_jset(o, "query", qj);
    bad |= folio_jset_int(o, "document_id", doc);
    if (bad) {
        json_decref(o);
        rc = folio_render_nomem(err);
        goto out;
    }
    rc = folio_api_reply(resp, 200, o, err);
out:
    json_decref(body);
    return rc;
}

/* ---------------------------------------------------------------- report */

static json_t *stats_json(const struct folio_query_stats *s)
{
    json_t *o = json_object();
    int bad = !o;

    bad |= o ? folio_jset_int(o, "discharges", s->discharges) : 1;
    bad |= o ? folio_jset_int(o, "queries", s->queries) : 1;
    bad |= o ? folio_jset(o, "rate", json_real(s->rate)) : 1;
    bad |= o ? folio_jset_int(o, "answered", s->answered) : 1;
    bad |= o ? folio_jset(o, "median_hours", json_real(s->median_hours)) : 1;
    bad |= o ? folio_jset(o, "p90_hours", json_real(s->p90_hours)) : 1;
    bad |= o ? folio_jset_int(o, "agreed", s->agreed) : 1;
    bad |= o ? folio_jset(o, "agreement_rate", json_real(s->agreement_rate)) : 1;
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *rows_json(const struct folio_query_stats_row *r, size_t n, bool provider)
{
    json_t *arr = json_array();
    size_t i;

    for (i = 0; arr && i < n; i++) {
        json_t *x = stats_json(&r[i].s);
        int bad = !x;

        bad |= x ? folio_jset_str(x, "who", r[i].who) : 0;
        if (provider)
            bad |= x ? folio_jset_id(x, "provider_id", r[i].provider_id) : 0;
        if (bad || json_array_append_new(arr, x)) {
            if (bad)
                json_decref(x);
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static json_t *report_json(const struct folio_query_report *r, const char *from, const char *to)
{
    static const char *const labels[4] = {"0-48h", "48h-7d", "7d-14d", "14d+"};
    json_t *o = json_object(), *aging = json_object(), *b = json_array();
    int bad = !o || !aging || !b;
    size_t i;

    for (i = 0; !bad && i < 4; i++) {
        json_t *x = json_object();

        bad |= !x;
        bad |= x ? folio_jset_str(x, "label", labels[i]) : 0;
        bad |= x ? folio_jset_int(x, "count", r->aging.buckets[i]) : 0;
        if (bad || json_array_append_new(b, x)) {
            if (bad)
                json_decref(x);
            bad = 1;
        }
    }
    if (bad) {
        json_decref(o);
        json_decref(aging);
        json_decref(b);
        return NULL;
    }
    bad |= folio_jset_int(aging, "open", r->aging.open);
    bad |= folio_jset(aging, "buckets", b);
    bad |= folio_jset(aging, "oldest_hours", json_real(r->aging.oldest_hours));
    bad |= folio_jset_str(o, "from", from);
    bad |= folio_jset_str(o, "to", to);
    bad |= folio_jset(o, "total", stats_json(&r->total));
    bad |= folio_jset(o, "by_author", rows_json(r->by_author, r->n_by_author, false));
    bad |= folio_jset(o, "by_provider", rows_json(r->by_provider, r->n_by_provider, true));
    bad |= folio_jset(o, "aging", aging);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static enum folio_rc report(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_query_report r;
    const char *from = folio_req_query(req, "from"), *to = folio_req_query(req, "to");
    char dfrom[11], dto[11];
    enum folio_rc rc;

    /* default: the twelve months up to the end of this one */
    month_start(11, dfrom);
    month_start(-1, dto);
    if (folio_str_empty(from))
        from = dfrom;
    if (folio_str_empty(to))
        to = dto;
    rc = text_cap(from, "from", 10, err);
    rc = rc ? rc : text_cap(to, "to", 10, err);
    rc = rc ? rc : folio_query_report(&c, from, to, NULL, req->arena, &r, err);
    rc = rc ? rc
            : folio_srv_audit(req, "query.report", 0, "query", 0,
                              folio_arena_printf(req->arena, "%s..%s: %lld queries", from, to,
                                                 (long long)r.total.queries),
                              err);
    if (rc)
        return rc;
    return folio_api_reply(resp, 200, report_json(&r, from, to), err);
}

/* ---------------------------------------------------------------- inbox, providers */

/* Patient names of the inbox ("Family, Given"), NULL without identifiers; one read per patient. */
struct pcache {
    int64_t ids[64];
    const char *names[64];
    size_t n;
};

static enum folio_rc patient_name(struct folio_req *req, struct pcache *pc, int64_t id,
                                  const char **out, struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_patient p;
    enum folio_rc rc;
    size_t i;

    *out = NULL;
    if (!folio_req_can(req, FOLIO_PERM_IDENTIFIERS))
        return FOLIO_OK;
    for (i = 0; i < pc->n; i++) {
        if (pc->ids[i] == id) {
            *out = pc->names[i];
            return FOLIO_OK;
        }
    }
    /* A restricted chart the user may not open (btg.h): no name. */
    if (!folio_srv_btg_visible(req, id)) {
        *out = "restricted chart";
        return FOLIO_OK;
    }
    rc = folio_patient_get(&c, id, req->arena, &p, err);
    if (rc == FOLIO_ENOTFOUND) {
        folio_err_clear(err);
        return FOLIO_OK;
    }
    if (rc)
        return rc;
    if (p.name.family || p.name.given) {
        *out = folio_arena_printf(req->arena, "%s%s%s", p.name.family ? p.name.family : "",
                                  p.name.family && p.name.given ? ", " : "",
                                  p.name.given ? p.name.given : "");
        if (!*out)
            return folio_render_nomem(err);
    }
    if (pc->n < FOLIO_ARRAY_LEN(pc->ids)) {
        pc->ids[pc->n] = id;
        pc->names[pc->n] = *out;
        pc->n++;
    }
    return FOLIO_OK;
}

static enum folio_rc inbox_queries(struct folio_req *req, int64_t provider, struct pcache *pc,
                                   json_t *arr, size_t *count, struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_query_inbox_item *it = NULL;
    size_t n = 0, i;
    enum folio_rc rc;

    rc = folio_query_inbox(&c, provider, NULL, req->arena, &it, &n, err);
    for (i = 0; !rc && i < n; i++) {
        const char *name = NULL;
        json_t *x;
        int bad;

        rc = patient_name(req, pc, it[i].patient_id, &name, err);
        if (rc)
            break;
        x = json_object();
        bad = !x;
        bad |= x ? folio_jset_int(x, "id", it[i].id) : 0;
        bad |= x ? folio_jset_int(x, "encounter_id", it[i].encounter_id) : 0;
        bad |= x ? folio_jset_int(x, "patient_id", it[i].patient_id) : 0;
        bad |= x ? folio_jset_str(x, "patient_name", name) : 0;
        bad |= x ? folio_jset_str(x, "kind", folio_query_kind_name(it[i].kind)) : 0;
        bad |= x ? folio_jset_str(x, "question", it[i].question) : 0;
        bad |= x ? folio_jset_str(x, "created_by", it[i].created_by) : 0;
        bad |= x ? folio_jset_str(x, "sent_at", nz(it[i].sent_at)) : 0;
        bad |= x ? folio_jset_int(x, "age_hours", it[i].age_hours) : 0;
        if (bad || json_array_append_new(arr, x)) {
            if (bad)
                json_decref(x);
            rc = folio_render_nomem(err);
        }
    }
    *count = n;
    return rc;
}

static enum folio_rc inbox_deficiencies(struct folio_req *req, int64_t provider,
                                        struct folio_api_pnames *names, struct pcache *pc,
                                        json_t *arr, size_t *count, struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_deficiency_filter f;
    struct folio_deficiency *v = NULL;
    int64_t last_enc = 0, last_pid = 0;
    size_t n = 0, i;
    enum folio_rc rc;

    memset(&f, 0, sizeof f);
    f.responsible_id = provider;
    f.open_only = true;
    f.limit = 1000;
    rc = folio_completeness_list(req->store, &f, req->arena, &v, &n, err);
    for (i = 0; !rc && i < n; i++) {
        const char *name = NULL, *title = NULL;
        json_t *x = NULL;
        int bad;

        if (v[i].encounter_id != last_enc) {
            struct folio_encounter e;

            rc = folio_encounter_get(&c, v[i].encounter_id, req->arena, &e, err);
            if (rc)
                break;
            last_enc = e.id;
            last_pid = e.patient_id;
        }
        rc = patient_name(req, pc, last_pid, &name, err);
        if (!rc && v[i].document_id) {
            struct folio_document d;

            rc = folio_document_get(&c, v[i].document_id, req->arena, &d, err);
            if (rc == FOLIO_ENOTFOUND) {
                folio_err_clear(err);
                rc = FOLIO_OK;
            } else if (!rc) {
                title = d.current.title;
            }
        }
        rc = rc ? rc : folio_api_deficiency_json(req, names, &v[i], &x, err);
        if (rc)
            break;
        bad = folio_jset_int(x, "patient_id", last_pid);
        bad |= folio_jset_str(x, "patient_name", name);
        bad |= folio_jset_str(x, "document_title", title);
        if (bad || json_array_append_new(arr, x)) {
            if (bad)
                json_decref(x);
            rc = folio_render_nomem(err);
        }
    }
    *count = n;
    return rc;
}

static enum folio_rc inbox(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    struct folio_api_pnames names;
    struct pcache pc;
    const char *pname = NULL;
    int64_t provider = 0;
    size_t nq = 0, nd = 0;
    json_t *o, *qs, *ds;
    enum folio_rc rc;
    int bad;

    names.n = 0;
    pc.n = 0;
    rc = folio_api_session_provider(req, &provider, err);
    if (rc)
        return rc;
    if (provider == 0)
        return folio_err_set(err, FOLIO_ESTATE, "provider",
                             "your user is not linked to a provider: an administrator sets it "
                             "(users: provider_id)");
    rc = folio_api_provider_name(req, &names, provider, &pname, err);
    if (rc)
        return rc;
    o = json_object();
    qs = json_array();
    ds = json_array();
    if (!o || !qs || !ds) {
        json_decref(o);
        json_decref(qs);
        json_decref(ds);
        return folio_render_nomem(err);
    }
    bad = folio_jset(o, "provider", folio_api_provider_ref(provider, pname));
    bad |= folio_jset(o, "queries", json_incref(qs));
    bad |= folio_jset(o, "deficiencies", json_incref(ds));
    rc = bad ? folio_render_nomem(err) : FOLIO_OK;
    rc = rc ? rc : inbox_queries(req, provider, &pc, qs, &nq, err);
    rc = rc ? rc : inbox_deficiencies(req, provider, &names, &pc, ds, &nd, err);
    json_decref(qs);
    json_decref(ds);
    rc = rc ? rc
            : folio_srv_audit(
                  req, "query.inbox", 0, "provider", provider,
                  folio_arena_printf(req->arena, "queries %zu, deficiencies %zu", nq, nd), err);
    if (rc) {
        json_decref(o);
        return rc;
    }
    return folio_api_reply(resp, 200, o, err);
}

static enum folio_rc providers(struct folio_req *req, struct folio_resp *resp,
                               struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_provider_hit *h = NULL;
    json_t *o, *items;
    size_t n = 0, i;
    enum folio_rc rc;
    int bad;

    rc = folio_provider_search(&c, folio_req_query(req, "q"), 50, req->arena, &h, &n, err);
    if (rc)
        return rc;
    o = json_object();
    items = json_array();
    bad = !o || !items;
    if (!bad && folio_jset(o, "items", items)) {
        items = NULL;
        bad = 1;
    }
    for (i = 0; !bad && i < n; i++) {
        json_t *x = json_object();
        const char *name = h[i].family && h[i].given
                               ? folio_arena_printf(req->arena, "%s, %s", h[i].family, h[i].given)
                               : (h[i].family ? h[i].family : h[i].given);

        bad |= !x;
        bad |= x ? folio_jset_int(x, "id", h[i].id) : 0;
        bad |= x ? folio_jset_str(x, "name", name) : 0;
        bad |= x ? folio_jset_str(x, "npi", h[i].npi) : 0;
        bad |= x ? folio_jset_bool(x, "resident", h[i].resident) : 0;
        if (bad || json_array_append_new(items, x)) {
            if (bad)
                json_decref(x);
            bad = 1;
        }
    }
    if (bad) {
        if (!o)
            json_decref(items);
        json_decref(o);
        return folio_render_nomem(err);
    }
    return folio_api_reply(resp, 200, o, err);
}

const struct folio_route folio_api_query_routes[] = {
    {"GET", "/api/v1/queries/templates", FOLIO_PERM_QUERY_WRITE, templates,
     "Active physician query templates"},
    {"POST", "/api/v1/queries/check", FOLIO_PERM_QUERY_WRITE, check,
     "Check a draft query against the leading-query rules (nothing written)"},
    {"GET", "/api/v1/queries/report", FOLIO_PERM_QUERY_WRITE, report,
     "Query rates, response times and agreement for a period"},
    {"GET", "/api/v1/encounters/{id}/queries", FOLIO_PERM_CMPL_READ, list,
     "An encounter's physician queries"},
    {"POST", "/api/v1/encounters/{id}/queries", FOLIO_PERM_QUERY_WRITE, create,
     "Write a physician query (a draft, or sent at once)"},
    {"GET", "/api/v1/queries/{id}", FOLIO_PERM_SIGNED_IN, view,
     "One query with its history (completeness.read, or its addressee)"},
    {"POST", "/api/v1/queries/{id}/send", FOLIO_PERM_QUERY_WRITE, send,
     "Send a draft query to the provider's inbox"},
    {"POST", "/api/v1/queries/{id}/withdraw", FOLIO_PERM_QUERY_WRITE, withdraw,
     "Withdraw a draft or sent query (reason required)"},
    {"POST", "/api/v1/queries/{id}/answer", FOLIO_PERM_INBOX, answer,
     "Answer a query addressed to you (files a signed response document)"},
    {"GET", "/api/v1/inbox", FOLIO_PERM_INBOX, inbox,
     "The signed-in clinician's open queries and deficiencies"},
    {"GET", "/api/v1/providers", FOLIO_PERM_SIGNED_IN, providers,
     "Providers by name or NPI (query addressees)"},
    {NULL, NULL, FOLIO_PERM_NONE, NULL, NULL},
};

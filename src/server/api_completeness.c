/* Chart completeness over HTTP (folio/completeness.h; docs/api.md "Chart completeness"): the
 * analysis worklist, an encounter's deficiencies, analysis, completion and reopening, one
 * deficiency with its history, waivers, the rules in force and their loading, and the
 * delinquency report (JSON or CSV).
 *
 * The handlers parse and check input, call the library and render; what a deficiency is, when a
 * chart may be completed and how delinquency is counted are the library's.
 *
 * Audit: the worklist is completeness.worklist; an encounter's deficiencies or one deficiency
 * completeness.view (with the patient); analysis completeness.analyze; completion and reopening
 * completeness.complete / completeness.reopen; a waiver completeness.waive; reading or loading
 * the rules completeness.rules; the report completeness.delinquency.
 *
 * Minimum necessary: a session without `identifiers` gets chart rows without the patient's name,
 * MRN and account number. */
#include "folio/base.h"

#include "folio/completeness.h"
#include "folio/privacy.h"
#include "folio/records.h"
#include "folio/time.h"
#include "server/api_completeness.h"
#include "server/render.h"
#include "server/server.h"

#define REASON_MAX 1000 /* waiver and reopening reasons (as the library keeps them) */
#define SOURCE_MAX 200  /* the rules file's name */
#define CSV_MAX    ((size_t)8 * 1024 * 1024)

/* ---------------------------------------------------------------- shared helpers */

enum folio_rc folio_api_provider_name(struct folio_req *req, struct folio_api_pnames *cache,
                                      int64_t id, const char **out, struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_provider p;
    const char *name;
    enum folio_rc rc;
    size_t i;

    *out = NULL;
    if (id <= 0)
        return FOLIO_OK;
    for (i = 0; cache && i < cache->n; i++) {
        if (cache->ids[i] == id) {
            *out = cache->names[i];
            return FOLIO_OK;
        }
    }
    rc = folio_provider_get(&c, id, req->arena, &p, err);
    if (rc == FOLIO_ENOTFOUND) {
        folio_err_clear(err);
        return FOLIO_OK;
    }
    if (rc)
        return rc;
    if (folio_str_empty(p.family) && folio_str_empty(p.given))
        return FOLIO_OK;
    if (!folio_str_empty(p.family) && !folio_str_empty(p.given))
        name = folio_arena_printf(req->arena, "%s, %s", p.family, p.given);
    else
        name = folio_arena_strdup(req->arena, folio_str_empty(p.family) ? p.given : p.family);
    if (!name)
        return folio_render_nomem(err);
    if (cache && cache->n < FOLIO_ARRAY_LEN(cache->ids)) {
        cache->ids[cache->n] = id;
        cache->names[cache->n] = name;
        cache->n++;
    }
    *out = name;
    return FOLIO_OK;
}

json_t *folio_api_provider_ref(int64_t id, const char *name)
{
    json_t *o;
    int bad;

    if (id <= 0)
        return json_null();
    o = json_object();
    bad = !o;
    bad |= o ? folio_jset_int(o, "id", id) : 1;
    bad |= o ? folio_jset_str(o, "name", name) : 1;
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static const char *nz(const char *s)
{
    return folio_str_empty(s) ? NULL : s;
}

static int set_id_or_null(json_t *o, const char *k, int64_t v)
{
    return v > 0 ? folio_jset_int(o, k, v) : folio_jset(o, k, json_null());
}

enum folio_rc folio_api_deficiency_json(struct folio_req *req, struct folio_api_pnames *cache,
                                        const struct folio_deficiency *d, json_t **out,
                                        struct folio_err *err)
{
    const char *who = NULL;
    json_t *o;
    enum folio_rc rc;
    int bad;

    *out = NULL;
    rc = folio_api_provider_name(req, cache, d->responsible_id, &who, err);
    if (rc)
        return rc;
    o = json_object();
    bad = !o;
    if (!bad) {
        bad |= folio_jset_int(o, "id", d->id);
        bad |= folio_jset_int(o, "encounter_id", d->encounter_id);
        bad |= folio_jset_str(o, "rule", d->rule);
        bad |= folio_jset_str(o, "kind", d->kind);
        bad |= folio_jset_str(o, "subject", d->subject);
        bad |= set_id_or_null(o, "document_id", d->document_id);
        bad |= set_id_or_null(o, "procedure_id", d->procedure_id);
        bad |= folio_jset_str(o, "doc_type", nz(d->doc_type));
        bad |= folio_jset_str(o, "description", d->description);
        bad |= folio_jset(o, "responsible", folio_api_provider_ref(d->responsible_id, who));
        bad |= folio_jset_str(o, "due_at", nz(d->due_at));
        bad |= folio_jset_str(o, "status", d->status);
        bad |= folio_jset_bool(o, "overdue", d->overdue);
        bad |= folio_jset_bool(o, "late", d->late);
        bad |= folio_jset_str(o, "created_at", nz(d->created_at));
        bad |= folio_jset_str(o, "closed_at", nz(d->closed_at));
        bad |= folio_jset_str(o, "closed_how", nz(d->closed_how));
        bad |= folio_jset_str(o, "waived_by", nz(d->waived_by));
        bad |= folio_jset_str(o, "waived_reason", nz(d->waived_reason));
        bad |= folio_jset_int(o, "ruleset_version", d->ruleset_version);
    }
    if (bad) {
        json_decref(o);
        return folio_render_nomem(err);
    }
    *out = o;
    return FOLIO_OK;
}

enum folio_rc folio_api_session_provider(struct folio_req *req, int64_t *provider_id,
                                         struct folio_err *err)
{
    struct folio_user u;
    enum folio_rc rc;

    *provider_id = 0;
    if (!req->session)
        return FOLIO_OK;
    rc = folio_user_get(req->store, req->session->username, req->arena, &u, err);
    if (rc)
        return rc;
    *provider_id = u.provider_id;
    return FOLIO_OK;
}

enum folio_rc folio_api_empty_body(struct folio_req *req, struct folio_err *err)
{
    static const char *const none[] = {NULL};
    json_t *body = NULL;
    enum folio_rc rc;

    if (req->body_len == 0)
        return FOLIO_OK;
    rc = folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, none, err);
    json_decref(body);
    return rc;
}

/* ---------------------------------------------------------------- local helpers */

static const char *user_of(const struct folio_req *req)
{
    return req->session ? req->session->username : NULL;
}

/* The library names a missing encounter "encounter"; here it is the path's {id}. */
static enum folio_rc path_field(enum folio_rc rc, const char *lib_field, struct folio_err *err)
{
    if (rc == FOLIO_ENOTFOUND && strcmp(err->field, lib_field) == 0)
        (void)folio_strlcpy(err->field, "id", sizeof err->field);
    return rc;
}

static enum folio_rc text_cap(const char *v, const char *field, size_t max, struct folio_err *err)
{
    if (v && strlen(v) > max)
        return folio_err_set(err, FOLIO_EINVAL, field, "%s is longer than %zu bytes", field, max);
    return FOLIO_OK;
}

/* The chart row (C); names, MRN and account number only with identifiers. */
static enum folio_rc chart_json(struct folio_req *req, const struct folio_cmpl_chart *c,
                                json_t **out, struct folio_err *err)
{
    /* A restricted chart the user may not open (btg.h): no name, MRN or account number. */
    bool open = folio_srv_btg_visible(req, c->patient_id);
    bool ids = folio_req_can(req, FOLIO_PERM_IDENTIFIERS) && open;
    json_t *o = json_object();
    int bad = !o;

    *out = NULL;
    if (!bad) {
        bad |= folio_jset_int(o, "encounter_id", c->encounter_id);
        bad |= folio_jset_int(o, "patient_id", c->patient_id);
        bad |= folio_jset_str(o, "patient_name",
                              !open ? "restricted chart"
                              : ids ? c->patient_name
                                    : NULL);
        bad |= folio_jset_str(o, "mrn", ids ? c->mrn : NULL);
        bad |= folio_jset_str(o, "account_number", ids ? c->account_number : NULL);
        if (!open)
            bad |= folio_jset_bool(o, "restricted", true);
        bad |= folio_jset_str(o, "class", c->enc_class);
        bad |= folio_jset_str(o, "service", c->service);
        bad |= folio_jset_str(o, "admit_at", nz(c->admit_at));
        bad |= folio_jset_str(o, "discharge_at", nz(c->discharge_at));
        bad |= folio_jset_int(o, "days_since_discharge", c->days_since_discharge);
        bad |=
            folio_jset(o, "attending", folio_api_provider_ref(c->attending_id, c->attending_name));
        bad |= folio_jset_int(o, "open", c->open);
        bad |= folio_jset_int(o, "overdue", c->overdue);
        bad |= folio_jset_int(o, "open_queries", c->open_queries);
        bad |= folio_jset_str(o, "completed_at", nz(c->completed_at));
        bad |= folio_jset_str(o, "completed_by", c->completed_by);
        if (!ids)
            bad |= folio_jset_bool(o, "redacted", true);
    }
    if (bad) {
        json_decref(o);
        return folio_render_nomem(err);
    }
    *out = o;
    return FOLIO_OK;
}

static enum folio_rc load_chart(struct folio_req *req, int64_t encounter_id,
                                struct folio_cmpl_chart *c, struct folio_err *err)
{
    return path_field(folio_completeness_chart(req->store, encounter_id, NULL, req->arena, c, err),
                      "encounter", err);
}

static enum folio_rc reply_chart(struct folio_req *req, struct folio_resp *resp,
                                 int64_t encounter_id, struct folio_err *err)
{
    struct folio_cmpl_chart c;
    json_t *o = NULL;
    enum folio_rc rc;

    rc = load_chart(req, encounter_id, &c, err);
    rc = rc ? rc : chart_json(req, &c, &o, err);
    return rc ? rc : folio_api_reply(resp, 200, o, err);
}

/* The patient of an encounter (for audit entries). */
static enum folio_rc patient_of(struct folio_req *req, int64_t encounter_id, int64_t *pid,
                                struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_encounter e;
    enum folio_rc rc;

    rc = folio_encounter_get(&c, encounter_id, req->arena, &e, err);
    if (rc)
        return rc;
    *pid = e.patient_id;
    return FOLIO_OK;
}

/* A body {"reason": "..."} (required, capped). */
static enum folio_rc read_reason(struct folio_req *req, const char **reason, struct folio_err *err)
{
    static const char *const allowed[] = {"reason", NULL};
    json_t *body = NULL;
    enum folio_rc rc;

    *reason = NULL;
    rc = folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc : folio_api_req_str(body, NULL, "reason", reason, err);
    rc = rc ? rc : text_cap(*reason, "reason", REASON_MAX, err);
    if (!rc && folio_str_empty(*reason))
        rc = folio_err_set(err, FOLIO_EINVAL, "reason", "reason is required");
    if (!rc) {
        *reason = folio_arena_strdup(req->arena, *reason);
        if (!*reason)
            rc = folio_render_nomem(err);
    }
    json_decref(body);
    return rc;
}

/* ---------------------------------------------------------------- worklist, an encounter */

static enum folio_rc worklist(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    struct folio_cmpl_worklist_filter f;
    struct folio_cmpl_chart *rows = NULL;
    const char *status = folio_req_query(req, "status");
    int64_t limit = 50, offset = 0, resp_id = 0, total = 0;
    json_t *items;
    size_t n = 0, i;
    enum folio_rc rc;

    memset(&f, 0, sizeof f);
    rc = folio_req_query_i64(req, "limit", 50, 1, 500, &limit, err);
    rc = rc ? rc : folio_req_query_i64(req, "offset", 0, 0, INT64_MAX / 2, &offset, err);
    rc = rc ? rc : folio_req_query_i64(req, "responsible_id", 0, 1, INT64_MAX, &resp_id, err);
    rc = rc ? rc : folio_api_query_time(req, "as_of", &f.as_of, err);
    if (rc)
        return rc;
    if (status && strlen(status) > 16)
        return folio_err_set(err, FOLIO_EINVAL, "status",
                             "status must be incomplete, complete or all");
    f.status = folio_str_empty(status) ? NULL : status;
    f.responsible_id = resp_id;
    f.limit = (size_t)limit;
    f.offset = (size_t)offset;
    rc = folio_completeness_worklist(req->store, &f, req->arena, &rows, &n, &total, err);
    rc = rc ? rc
            : folio_srv_audit(req, "completeness.worklist", 0, "encounter", 0,
                              folio_arena_printf(req->arena, "status=%s: %zu of %lld",
                                                 f.status ? f.status : "incomplete", n,
                                                 (long long)total),
                              err);
    if (rc)
        return rc;
    items = json_array();
    if (!items)
        return folio_render_nomem(err);
    for (i = 0; i < n; i++) {
        json_t *x = NULL;

        rc = chart_json(req, &rows[i], &x, err);
        if (!rc && json_array_append_new(items, x))
            rc = folio_render_nomem(err);
        if (rc) {
            json_decref(items);
            return rc;
        }
    }
    return folio_api_reply(resp, 200, folio_render_page(items, total, limit, offset), err);
}

static enum folio_rc deficiencies(struct folio_req *req, struct folio_resp *resp,
                                  struct folio_err *err)
{
    struct folio_api_pnames names;
    struct folio_deficiency_filter f;
    struct folio_deficiency *v = NULL;
    struct folio_cmpl_chart c;
    int64_t all = 1;
    json_t *o = NULL, *items = NULL, *x = NULL;
    size_t n = 0, i;
    enum folio_rc rc;

    names.n = 0;
    memset(&f, 0, sizeof f);
    rc = folio_req_query_i64(req, "all", 1, 0, 1, &all, err);
    rc = rc ? rc : load_chart(req, req->ids[0], &c, err);
    if (rc)
        return rc;
    f.encounter_id = c.encounter_id;
    f.open_only = all == 0;
    f.limit = 1000;
    rc = folio_completeness_list(req->store, &f, req->arena, &v, &n, err);
    rc = rc ? rc
            : folio_srv_audit(req, "completeness.view", c.patient_id, "encounter", c.encounter_id,
                              folio_arena_printf(req->arena, "deficiencies: %zu", n), err);
    rc = rc ? rc : chart_json(req, &c, &x, err);
    if (rc)
        return rc;
    o = json_object();
    items = json_array();
    if (!o || !items) {
        json_decref(o);
        json_decref(items);
        json_decref(x);
        return folio_render_nomem(err);
    }
    if (folio_jset(o, "chart", x)) {
        json_decref(o);
        json_decref(items);
        return folio_render_nomem(err);
    }
    if (folio_jset(o, "items", items)) {
        json_decref(o);
        return folio_render_nomem(err);
    }
    /* o owns items from here on */
    for (i = 0; i < n; i++) {
        x = NULL;
        rc = folio_api_deficiency_json(req, &names, &v[i], &x, err);
        if (!rc && json_array_append_new(items, x))
            rc = folio_render_nomem(err);
        if (rc) {
            json_decref(o);
            return rc;
        }
    }
    return folio_api_reply(resp, 200, o, err);
}

static enum folio_rc analyze(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    struct folio_cmpl_result res;
    struct folio_cmpl_chart c;
    json_t *o;
    enum folio_rc rc;
    int bad;

    memset(&res, 0, sizeof res);
    rc = folio_api_empty_body(req, err);
    rc = rc ? rc : load_chart(req, req->ids[0], &c, err);
    rc = rc ? rc
            : path_field(folio_completeness_analyze(req->store, c.encounter_id, NULL, user_of(req),
                                                    &res, err),
                         "encounter", err);
    rc =
        rc ? rc
           : folio_srv_audit(req, "completeness.analyze", c.patient_id, "encounter", c.encounter_id,
                             folio_arena_printf(req->arena,
                                                "rules v%lld: created %zu, closed %zu, "
                                                "updated %zu, open %zu",
                                                (long long)res.ruleset_version, res.created,
                                                res.closed, res.updated, res.open),
                             err);
    if (rc)
        return rc;
    o = json_object();
    bad = !o;
    bad |= o ? folio_jset_int(o, "ruleset_version", res.ruleset_version) : 1;
    bad |= o ? folio_jset_int(o, "created", (int64_t)res.created) : 1;
    bad |= o ? folio_jset_int(o, "closed", (int64_t)res.closed) : 1;
    bad |= o ? folio_jset_int(o, "updated", (int64_t)res.updated) : 1;
    bad |= o ? folio_jset_int(o, "open", (int64_t)res.open) : 1;
    if (bad) {
        json_decref(o);
        return folio_render_nomem(err);
    }
    return folio_api_reply(resp, 200, o, err);
}

static enum folio_rc complete(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    struct folio_cmpl_chart c;
    enum folio_rc rc;

    rc = folio_api_empty_body(req, err);
    rc = rc ? rc : load_chart(req, req->ids[0], &c, err);
    rc = rc ? rc
            : path_field(
                  folio_completeness_complete(req->store, c.encounter_id, user_of(req), NULL, err),
                  "encounter", err);
    rc = rc ? rc
            : folio_srv_audit(req, "completeness.complete", c.patient_id, "encounter",
                              c.encounter_id, NULL, err);
    return rc ? rc : reply_chart(req, resp, c.encounter_id, err);
}

static enum folio_rc reopen(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    struct folio_cmpl_chart c;
    const char *reason = NULL;
    enum folio_rc rc;

    rc = read_reason(req, &reason, err);
    rc = rc ? rc : load_chart(req, req->ids[0], &c, err);
    rc = rc ? rc
            : path_field(folio_completeness_reopen(req->store, c.encounter_id, reason, user_of(req),
                                                   NULL, err),
                         "encounter", err);
    rc = rc ? rc
            : folio_srv_audit(req, "completeness.reopen", c.patient_id, "encounter", c.encounter_id,
                              NULL, err);
    return rc ? rc : reply_chart(req, resp, c.encounter_id, err);
}

/* ---------------------------------------------------------------- one deficiency */

static enum folio_rc get_deficiency(struct folio_req *req, int64_t id, struct folio_deficiency *d,
                                    struct folio_err *err)
{
    return path_field(folio_completeness_get(req->store, id, NULL, req->arena, d, err),
                      "deficiency", err);
}

static enum folio_rc deficiency(struct folio_req *req, struct folio_resp *resp,
                                struct folio_err *err)
{
    struct folio_api_pnames names;
    struct folio_deficiency d;
    struct folio_deficiency_event *ev = NULL;
    int64_t pid = 0;
    json_t *o = NULL, *arr;
    size_t n = 0, i;
    enum folio_rc rc;
    int bad;

    names.n = 0;
    rc = get_deficiency(req, req->ids[0], &d, err);
    rc = rc ? rc
            : path_field(folio_completeness_history(req->store, d.id, req->arena, &ev, &n, err),
                         "deficiency", err);
    rc = rc ? rc : patient_of(req, d.encounter_id, &pid, err);
    rc = rc ? rc : folio_srv_audit(req, "completeness.view", pid, "deficiency", d.id, NULL, err);
    rc = rc ? rc : folio_api_deficiency_json(req, &names, &d, &o, err);
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

static enum folio_rc waive(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    struct folio_api_pnames names;
    struct folio_deficiency d;
    const char *reason = NULL;
    int64_t pid = 0;
    json_t *o = NULL;
    enum folio_rc rc;

    names.n = 0;
    rc = read_reason(req, &reason, err);
    rc = rc ? rc : get_deficiency(req, req->ids[0], &d, err);
    rc =
        rc ? rc
           : path_field(folio_completeness_waive(req->store, d.id, reason, user_of(req), NULL, err),
                        "deficiency", err);
    rc = rc ? rc : patient_of(req, d.encounter_id, &pid, err);
    rc = rc ? rc : folio_srv_audit(req, "completeness.waive", pid, "deficiency", d.id, d.rule, err);
    rc = rc ? rc : get_deficiency(req, d.id, &d, err);
    rc = rc ? rc : folio_api_deficiency_json(req, &names, &d, &o, err);
    return rc ? rc : folio_api_reply(resp, 200, o, err);
}

/* ---------------------------------------------------------------- rules */

static enum folio_rc rules_get(struct folio_req *req, struct folio_resp *resp,
                               struct folio_err *err)
{
    struct folio_rules_version v;
    json_t *o;
    enum folio_rc rc;
    int bad;

    rc = folio_rules_in_force(req->store, req->arena, &v, NULL, err);
    rc = rc ? rc
            : folio_srv_audit(
                  req, "completeness.rules", 0, "ruleset", v.version,
                  folio_arena_printf(req->arena, "view version %lld", (long long)v.version), err);
    if (rc)
        return rc;
    o = json_object();
    bad = !o;
    bad |= o ? folio_jset_int(o, "version", v.version) : 1;
    bad |= o ? folio_jset_str(o, "sha256", v.version ? v.sha256 : NULL) : 1;
    bad |= o ? folio_jset_str(o, "source", v.source) : 1;
    bad |= o ? folio_jset_str(o, "loaded_by", v.loaded_by) : 1;
    bad |= o ? folio_jset_str(o, "loaded_at", nz(v.loaded_at)) : 1;
    bad |= o ? folio_jset_int(o, "n_rules", v.n_rules) : 1;
    bad |= o ? folio_jset_str(o, "content", v.content) : 1;
    if (bad) {
        json_decref(o);
        return folio_render_nomem(err);
    }
    return folio_api_reply(resp, 200, o, err);
}

static enum folio_rc rules_put(struct folio_req *req, struct folio_resp *resp,
                               struct folio_err *err)
{
    static const char *const allowed[] = {"source", "content", NULL};
    struct folio_rules_version v;
    const char *source = NULL, *content = NULL;
    json_t *body = NULL, *o = NULL;
    int64_t version = 0;
    bool changed = false;
    enum folio_rc rc;
    int bad;

    rc = folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc : folio_api_str(body, NULL, "source", &source, err);
    rc = rc ? rc : folio_api_req_str(body, NULL, "content", &content, err);
    rc = rc ? rc : text_cap(source, "source", SOURCE_MAX, err);
    if (rc)
        goto out;
    if (strlen(content) > FOLIO_RULES_MAX_BYTES) {
        rc = folio_err_set(err, FOLIO_ETOOBIG, "content", "content is larger than %d bytes",
                           FOLIO_RULES_MAX_BYTES);
        goto out;
    }
    if (source && (strchr(source, '\n') || strchr(source, '\r') || strchr(source, '/'))) {
        rc = folio_err_set(err, FOLIO_EINVAL, "source",
                           "source is a file name: no line breaks or '/'");
        goto out;
    }
    rc = folio_rules_load(req->store, folio_str_empty(source) ? NULL : source, content,
                          strlen(content), user_of(req), NULL, &version, &changed, err);
    rc = rc ? rc : folio_rules_in_force(req->store, req->arena, &v, NULL, err);
    rc = rc ? rc
            : folio_srv_audit(req, "completeness.rules", 0, "ruleset", version,
                              folio_arena_printf(req->arena, "load version %lld%s",
                                                 (long long)version, changed ? "" : " (unchanged)"),
                              err);
    if (rc)
        goto out;
    o = json_object();
    bad = !o;
    bad |= o ? folio_jset_int(o, "version", version) : 1;
    bad |= o ? folio_jset_bool(o, "changed", changed) : 1;
    bad |= o ? folio_jset_int(o, "n_rules", v.n_rules) : 1;
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

/* ---------------------------------------------------------------- delinquency */

static json_t *delinquency_json(const struct folio_delinq_report *r)
{
    static const char *const age_keys[FOLIO_AGE_N] = {"0-7", "8-14", "15-30", "31-60", "over-60"};
    json_t *o = json_object(), *months = json_array(), *prov = json_array(), *types = json_array(),
           *aging = json_object();
    int bad = !o || !months || !prov || !types || !aging;
    size_t i;

    for (i = 0; !bad && i < r->n_months; i++) {
        const struct folio_delinq_month *m = &r->months[i];
        json_t *x = json_object();

        bad |= !x;
        bad |= x ? folio_jset_str(x, "month", m->month) : 0;
        bad |= x ? folio_jset_str(x, "measured_at", m->measured_at) : 0;
        bad |= x ? folio_jset_bool(x, "partial", m->partial) : 0;
        bad |= x ? folio_jset_int(x, "discharges", m->discharges) : 0;
        bad |= x ? folio_jset_int(x, "delinquent", m->delinquent) : 0;
        if (bad || json_array_append_new(months, x)) {
            if (bad)
                json_decref(x);
            bad = 1;
        }
    }
    for (i = 0; !bad && i < r->n_providers; i++) {
        const struct folio_delinq_provider *p = &r->providers[i];
        json_t *x = json_object();

        bad |= !x;
        bad |= x ? set_id_or_null(x, "id", p->provider_id) : 0;
        bad |= x ? folio_jset_str(x, "name", p->name) : 0;
        bad |= x ? folio_jset_int(x, "records", p->records) : 0;
        bad |= x ? folio_jset_int(x, "deficiencies", p->deficiencies) : 0;
        if (bad || json_array_append_new(prov, x)) {
            if (bad)
                json_decref(x);
            bad = 1;
        }
    }
    for (i = 0; !bad && i < r->n_types; i++) {
        const struct folio_delinq_type *t = &r->types[i];
        json_t *x = json_object();

        bad |= !x;
        bad |= x ? folio_jset_str(x, "rule", t->rule) : 0;
        bad |= x ? folio_jset_int(x, "records", t->records) : 0;
        bad |= x ? folio_jset_int(x, "deficiencies", t->deficiencies) : 0;
        if (bad || json_array_append_new(types, x)) {
            if (bad)
                json_decref(x);
            bad = 1;
        }
    }
    for (i = 0; !bad && i < FOLIO_AGE_N; i++)
        bad |= folio_jset_int(aging, age_keys[i], r->aging[i]);
    bad |= bad ? 0 : folio_jset_int(aging, "not_overdue", r->not_overdue);
    if (bad) {
        json_decref(o);
        json_decref(months);
        json_decref(prov);
        json_decref(types);
        json_decref(aging);
        return NULL;
    }
    bad |= folio_jset_int(o, "bylaws_days", r->bylaws_days);
    bad |= folio_jset_str(o, "as_of", r->as_of);
    bad |= folio_jset_str(o, "measured_at", r->measured_at);
    bad |= folio_jset_int(o, "threshold_pct", FOLIO_DELINQ_FINDING_PCT);
    bad |= folio_jset(o, "months", months);
    bad |= folio_jset_int(o, "sum_discharges", r->sum_discharges);
    bad |= folio_jset_int(o, "sum_delinquent", r->sum_delinquent);
    bad |= folio_jset(o, "avg_discharges", json_real(r->avg_discharges));
    bad |= folio_jset(o, "avg_delinquent", json_real(r->avg_delinquent));
    bad |= folio_jset(o, "rate_pct", r->rate_defined ? json_real(r->rate_pct) : json_null());
    bad |= folio_jset_bool(o, "finding", r->finding);
    bad |= folio_jset(o, "providers", prov);
    bad |= folio_jset(o, "types", types);
    bad |= folio_jset(o, "aging", aging);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static enum folio_rc delinquency(struct folio_req *req, struct folio_resp *resp,
                                 struct folio_err *err)
{
    struct folio_delinq_report r;
    const char *from = folio_req_query(req, "from"), *to = folio_req_query(req, "to");
    const char *format = folio_req_query(req, "format"), *as_of = NULL;
    int64_t bylaws = FOLIO_DELINQ_BYLAWS_DAYS;
    bool csv;
    enum folio_rc rc;

    if (format && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0)
        return folio_err_set(err, FOLIO_EINVAL, "format", "format must be json or csv");
    csv = format && strcmp(format, "csv") == 0;
    rc = folio_req_query_i64(req, "bylaws_days", FOLIO_DELINQ_BYLAWS_DAYS, 0, 3660, &bylaws, err);
    rc = rc ? rc : folio_api_query_time(req, "as_of", &as_of, err);
    if (rc)
        return rc;
    if (from && strlen(from) > 7)
        return folio_err_set(err, FOLIO_EINVAL, "from", "from must be a month YYYY-MM");
    if (to && strlen(to) > 7)
        return folio_err_set(err, FOLIO_EINVAL, "to", "to must be a month YYYY-MM");
    /* absent from/to: the library's default period (twelve months up to the month of as_of) */
    rc = folio_completeness_delinquency(req->store, from, to, (int)bylaws, as_of, req->arena, &r,
                                        err);
    rc = rc ? rc
            : folio_srv_audit(req, "completeness.delinquency", 0, "encounter", 0,
                              folio_arena_printf(req->arena, "%s..%s bylaws %lld days%s",
                                                 r.months[0].month,
                                                 r.months[r.n_months - 1].month,
                                                 (long long)bylaws, csv ? " csv" : ""),
                              err);
    if (rc)
        return rc;
    if (csv) {
        struct folio_buf b;
        char *copy;

        folio_buf_init(&b, CSV_MAX);
        rc = folio_completeness_delinquency_csv(&r, &b);
        if (rc) {
            folio_buf_release(&b);
            return folio_err_set(err, rc, NULL, "the report is too large for CSV");
        }
        copy = folio_arena_alloc(req->arena, b.len + 1);
        if (!copy) {
            folio_buf_release(&b);
            return folio_render_nomem(err);
        }
        memcpy(copy, b.data, b.len);
        copy[b.len] = '\0';
        resp->status = 200;
        resp->raw = copy;
        resp->raw_len = b.len;
        folio_buf_release(&b);
        resp->content_type = "text/csv; charset=utf-8";
        resp->content_disposition = folio_arena_printf(
            req->arena, "attachment; filename=\"delinquency-%s-%s.csv\"", from, to);
        return resp->content_disposition ? FOLIO_OK : folio_render_nomem(err);
    }
    return folio_api_reply(resp, 200, delinquency_json(&r), err);
}

const struct folio_route folio_api_completeness_routes[] = {
    {"GET", "/api/v1/completeness/worklist", FOLIO_PERM_CMPL_READ, worklist,
     "Charts to analyse: discharged encounters with their open deficiencies"},
    {"GET", "/api/v1/completeness/rules", FOLIO_PERM_SIGNED_IN, rules_get,
     "The completeness rule set in force (version, content)"},
    {"PUT", "/api/v1/completeness/rules", FOLIO_PERM_CMPL_MANAGE, rules_put,
     "Load a new version of the completeness rules"},
    {"GET", "/api/v1/completeness/delinquency", FOLIO_PERM_CMPL_READ, delinquency,
     "The delinquent-record report (JSON or CSV)"},
    {"GET", "/api/v1/encounters/{id}/deficiencies", FOLIO_PERM_CMPL_READ, deficiencies,
     "An encounter's chart row and deficiencies"},
    {"POST", "/api/v1/encounters/{id}/analyze", FOLIO_PERM_CMPL_WRITE, analyze,
     "Run the deficiency analysis of an encounter"},
    {"POST", "/api/v1/encounters/{id}/complete", FOLIO_PERM_CMPL_WRITE, complete,
     "Mark a chart complete (refused while deficiencies are open)"},
    {"POST", "/api/v1/encounters/{id}/reopen", FOLIO_PERM_CMPL_WRITE, reopen,
     "Reopen a complete chart (reason required)"},
    {"GET", "/api/v1/deficiencies/{id}", FOLIO_PERM_CMPL_READ, deficiency,
     "One deficiency with its history"},
    {"POST", "/api/v1/deficiencies/{id}/waive", FOLIO_PERM_CMPL_WRITE, waive,
     "Waive an open deficiency (reason required)"},
    {NULL, NULL, FOLIO_PERM_NONE, NULL, NULL},
};

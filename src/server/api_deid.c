/* API of research extracts (issue 9 item 6; folio/deid.h, docs/deid.md "Cohort extracts"):
 * data use agreements and cohort extracts, Safe Harbor or limited data set. Permission
 * deid.extract (analyst, privacy officer) to read the agreements and make extracts; recording
 * and terminating an agreement is the privacy officer's (privacy.review), never the analyst's
 * who uses it. Every extract is audited (deid.extract) and logged by the library with the
 * SHA-256 of the bytes answered. Restricted charts the user cannot open (folio/btg.h) are left
 * out of the extract and counted. */
#include "folio/base.h"

#include "folio/btg.h"
#include "folio/deid.h"
#include "folio/records.h"
#include "folio/time.h"
#include "server/drg_cache.h"
#include "server/render.h"
#include "server/server.h"

#define EXTRACT_MAX ((size_t)256 << 20)

static void today_utc(char out[11])
{
    char now[32];
    folio_time_now_utc(now);
    folio_strlcpy(out, now, 11);
}

static json_t *dua_json(const struct folio_deid_dua *d, const char *today)
{
    struct folio_err e = {0};
    bool ok = folio_deid_dua_check(d, today, &e) == FOLIO_OK;
    json_t *o = json_object();

    if (o && (folio_jset_int(o, "id", d->id) || folio_jset_str(o, "recipient", d->recipient) ||
              folio_jset_str(o, "purpose", d->purpose) || folio_jset_str(o, "users", d->users) ||
              folio_jset_str(o, "signed_on", d->signed_on) ||
              folio_jset_str(o, "expires_on", d->expires_on) ||
              folio_jset_bool(o, "no_other_use", d->no_other_use) ||
              folio_jset_bool(o, "safeguards", d->safeguards) ||
              folio_jset_bool(o, "report_violations", d->report_violations) ||
              folio_jset_bool(o, "agents_bound", d->agents_bound) ||
              folio_jset_bool(o, "no_reidentify", d->no_reidentify) ||
              folio_jset_str(o, "created_at", d->created_at) ||
              folio_jset_str(o, "created_by", d->created_by) ||
              folio_jset_str(o, "terminated_on", d->terminated_on) ||
              folio_jset_str(o, "terminated_by", d->terminated_by) ||
              folio_jset_str(o, "termination_reason", d->termination_reason) ||
              folio_jset_bool(o, "in_force", ok) ||
              folio_jset_str(o, "problem", ok ? NULL : e.msg))) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

static enum folio_rc list_duas(struct folio_req *req, struct folio_resp *resp,
                               struct folio_err *err)
{
    struct folio_deid_dua *v = NULL;
    size_t n = 0, i;
    char today[11];
    json_t *items;
    enum folio_rc rc;

    today_utc(today);
    rc = folio_deid_dua_list(req->store, req->arena, &v, &n, err);
    if (rc)
        return rc;
    items = json_array();
    for (i = 0; items && i < n; i++)
        if (json_array_append_new(items, dua_json(&v[i], today))) {
            json_decref(items);
            items = NULL;
        }
    return folio_api_reply(resp, 200, items ? json_pack("{s:o}", "items", items) : NULL, err);
}

static enum folio_rc get_dua(struct folio_req *req, struct folio_resp *resp,
                             struct folio_err *err)
{
    struct folio_deid_dua d;
    char today[11];
    enum folio_rc rc = folio_deid_dua_get(req->store, req->ids[0], req->arena, &d, err);

    if (rc)
        return rc;
    today_utc(today);
    return folio_api_reply(resp, 200, dua_json(&d, today), err);
}

static enum folio_rc add_dua(struct folio_req *req, struct folio_resp *resp,
                             struct folio_err *err)
{
    static const char *const allowed[] = {"recipient",    "purpose",         "users",
                                          "signed_on",    "expires_on",      "no_other_use",
                                          "safeguards",   "report_violations", "agents_bound",
                                          "no_reidentify", NULL};
    struct folio_deid_dua d = {0};
    json_t *body = NULL;
    char today[11];
    enum folio_rc rc;

    rc = folio_req_json(req, &body, err);
    if (!rc)
        rc = folio_api_only(body, NULL, allowed, err);
    if (!rc)
        rc = folio_api_str(body, NULL, "recipient", &d.recipient, err);
    if (!rc)
        rc = folio_api_str(body, NULL, "purpose", &d.purpose, err);
    if (!rc)
        rc = folio_api_str(body, NULL, "users", &d.users, err);
    if (!rc)
        rc = folio_api_str(body, NULL, "signed_on", &d.signed_on, err);
    if (!rc)
        rc = folio_api_str(body, NULL, "expires_on", &d.expires_on, err);
    if (!rc)
        rc = folio_api_bool(body, NULL, "no_other_use", &d.no_other_use, NULL, err);
    if (!rc)
        rc = folio_api_bool(body, NULL, "safeguards", &d.safeguards, NULL, err);
    if (!rc)
        rc = folio_api_bool(body, NULL, "report_violations", &d.report_violations, NULL, err);
    if (!rc)
        rc = folio_api_bool(body, NULL, "agents_bound", &d.agents_bound, NULL, err);
    if (!rc)
        rc = folio_api_bool(body, NULL, "no_reidentify", &d.no_reidentify, NULL, err);
    if (!rc)
        rc = folio_deid_dua_add(req->store, &d, req->session->username, NULL, err);
    if (!rc)
        rc = folio_srv_audit(req, "deid.dua_add", 0, "deid_dua", d.id, NULL, err);
    if (!rc)
        rc = folio_deid_dua_get(req->store, d.id, req->arena, &d, err);
    json_decref(body);
    if (rc)
        return rc;
    today_utc(today);
    (void)folio_snprintf(resp->location, sizeof resp->location, "/api/v1/deid/duas/%lld",
                         (long long)d.id);
    return folio_api_reply(resp, 201, dua_json(&d, today), err);
}

static enum folio_rc terminate_dua(struct folio_req *req, struct folio_resp *resp,
                                   struct folio_err *err)
{
    static const char *const allowed[] = {"reason", "terminated_on", NULL};
    const char *reason = NULL, *on = NULL;
    struct folio_deid_dua d;
    json_t *body = NULL;
    char today[11];
    enum folio_rc rc;

    rc = folio_req_json(req, &body, err);
    if (!rc)
        rc = folio_api_only(body, NULL, allowed, err);
    if (!rc)
        rc = folio_api_str(body, NULL, "reason", &reason, err);
    if (!rc)
        rc = folio_api_str(body, NULL, "terminated_on", &on, err);
    if (!rc)
        rc = folio_deid_dua_terminate(req->store, req->ids[0], on, reason,
                                      req->session->username, NULL, err);
    json_decref(body);
    if (!rc)
        rc = folio_srv_audit(req, "deid.dua_terminate", 0, "deid_dua", req->ids[0], NULL, err);
    if (!rc)
        rc = folio_deid_dua_get(req->store, req->ids[0], req->arena, &d, err);
    if (rc)
        return rc;
    today_utc(today);
    return folio_api_reply(resp, 200, dua_json(&d, today), err);
}

/* criteria {from, to, class, dx, patients: [ids]} into r (strings borrowed from body). */
static enum folio_rc read_criteria(struct folio_req *req, const json_t *body,
                                   struct folio_deid_criteria *c, struct folio_err *err)
{
    static const char *const allowed[] = {"from", "to", "class", "dx", "patients", NULL};
    const json_t *cr = NULL, *ids = NULL;
    int64_t *v;
    size_t i;
    enum folio_rc rc;

    rc = folio_api_obj(body, NULL, "criteria", allowed, &cr, err);
    if (rc)
        return rc;
    if (!cr)
        return folio_err_set(err, FOLIO_EINVAL, "criteria",
                             "criteria: give at least one of from, to, class, dx, patients");
    if ((rc = folio_api_str(cr, "criteria", "from", &c->from, err)) ||
        (rc = folio_api_str(cr, "criteria", "to", &c->to, err)) ||
        (rc = folio_api_str(cr, "criteria", "class", &c->enc_class, err)) ||
        (rc = folio_api_str(cr, "criteria", "dx", &c->dx_prefix, err)) ||
        (rc = folio_api_arr(cr, "criteria", "patients", FOLIO_DEID_COHORT_MAX_PATIENTS, &ids,
                            err)))
        return rc;
    if (!ids || !json_array_size(ids))
        return FOLIO_OK;
    v = folio_arena_calloc(req->arena, json_array_size(ids), sizeof *v);
    if (!v)
        return folio_render_nomem(err);
    for (i = 0; i < json_array_size(ids); i++) {
        const json_t *x = json_array_get(ids, i);
        if (!json_is_integer(x) || json_integer_value(x) <= 0)
            return folio_err_set(err, FOLIO_EINVAL, "criteria.patients",
                                 "criteria.patients[%zu]: not a patient id", i);
        v[i] = json_integer_value(x);
    }
    c->patient_ids = v;
    c->n_patients = json_array_size(ids);
    return FOLIO_OK;
}

/* Restricted charts: the break-the-glass rule of the chart screens, without the glass (an
 * extract is no reason to break it): a chart the user may not open now is left out. */
static enum folio_rc may_open_chart(void *arg, int64_t patient_id, bool *allowed,
                                    struct folio_err *err)
{
    struct folio_req *req = arg;
    struct folio_btg_decision d;
    /* session 0: a grant the user holds from breaking the glass (for care) does not count */
    enum folio_rc rc = folio_btg_check(req->store, req->session->user_id, 0, req->session->roles,
                                       patient_id, 0, &d, err);

    *allowed = rc == FOLIO_OK && d.access == FOLIO_BTG_ALLOWED;
    return rc;
}

static enum folio_rc make_extract(struct folio_req *req, struct folio_resp *resp,
                                  struct folio_err *err)
{
    static const char *const allowed[] = {"criteria", "method", "dua_id", "format", "notes",
                                          NULL};
    const struct folio_drg_cache *cache = NULL;
    struct folio_deid_extract_req r;
    struct folio_deid_extract_result res;
    struct folio_chart chart = folio_api_chart(req);
    const char *method = NULL, *format = NULL;
    struct folio_buf out;
    json_t *body = NULL;
    char detail[300];
    enum folio_rc rc;

    memset(&r, 0, sizeof r);
    folio_buf_init(&out, EXTRACT_MAX);
    rc = folio_req_json(req, &body, err);
    if (!rc)
        rc = folio_api_only(body, NULL, allowed, err);
    if (!rc)
        rc = read_criteria(req, body, &r.crit, err);
    if (!rc)
        rc = folio_api_str(body, NULL, "method", &method, err);
    if (!rc)
        rc = folio_deid_method_parse(method ? method : "safe_harbor", &r.method, err);
    if (!rc)
        rc = folio_api_str(body, NULL, "format", &format, err);
    if (!rc)
        rc = folio_deid_format_parse(format ? format : "csv", &r.format, err);
    if (!rc)
        rc = folio_api_i64(body, NULL, "dua_id", 1, INT64_MAX, &r.dua_id, NULL, err);
    if (!rc)
        rc = folio_api_bool(body, NULL, "notes", &r.notes, NULL, err);
    if (rc)
        goto out;
    cache = folio_drg_cache_acquire();
    r.drg = cache ? cache->set : NULL;
    r.user = req->session->username;
    r.may_open = may_open_chart;
    r.may_open_arg = req;
    rc = folio_deid_cohort_extract(&chart, &r, &out, &res, err);
    if (rc)
        goto out;
    (void)folio_snprintf(detail, sizeof detail,
                         "method=%s dua=%lld rows=%zu patients=%zu notes=%zu withheld=%zu "
                         "restricted_left_out=%zu sha256=%s",
                         folio_deid_method_name(r.method), (long long)r.dua_id, res.rows,
                         res.patients, res.notes, res.notes_withheld, res.patients_left_out,
                         res.sha256);
    rc = folio_srv_audit(req, "deid.extract", 0, "deid_extract", res.log_id, detail, err);
    if (rc)
        goto out;
    resp->raw = folio_arena_strndup(req->arena, out.data, out.len);
    if (!resp->raw) {
        rc = folio_render_nomem(err);
        goto out;
    }
    resp->raw_len = out.len;
    resp->status = 200;
    resp->content_type = r.format == FOLIO_DEID_CSV ? "text/csv; charset=utf-8"
                                                    : "application/json";
    resp->content_disposition = folio_arena_printf(
        req->arena, "attachment; filename=\"deid-extract-%lld-%s.%s\"", (long long)res.log_id,
        r.method == FOLIO_DEID_LIMITED ? "lds" : "safe-harbor",
        folio_deid_format_name(r.format));
    if (!resp->content_disposition)
        rc = folio_render_nomem(err);
out:
    folio_drg_cache_release(cache);
    folio_buf_release(&out);
    json_decref(body);
    return rc;
}

static enum folio_rc list_extracts(struct folio_req *req, struct folio_resp *resp,
                                   struct folio_err *err)
{
    struct folio_deid_extract_log *v = NULL;
    size_t n = 0, i;
    int64_t limit = 100;
    json_t *items;
    enum folio_rc rc;

    rc = folio_req_query_i64(req, "limit", 100, 1, 1000, &limit, err);
    if (!rc)
        rc = folio_deid_extract_list(req->store, limit, req->arena, &v, &n, err);
    if (rc)
        return rc;
    items = json_array();
    for (i = 0; items && i < n; i++) {
        json_t *o = json_object(), *crit = NULL, *ids;
        struct folio_err e = {0};
        if (v[i].criteria &&
            folio_json_parse(v[i].criteria, strlen(v[i].criteria), &crit, "criteria", &e))
            crit = NULL;
        /* the log keeps the internal patient ids ((R) identifiers): the list shows how many */
        if (crit && (ids = json_object_get(crit, "patient_ids")) != NULL) {
            json_int_t k = (json_int_t)json_array_size(ids);
            if (json_object_del(crit, "patient_ids") ||
                json_object_set_new(crit, "patients_listed", json_integer(k))) {
                json_decref(crit);
                crit = NULL;
            }
        }
        if (!o || folio_jset_int(o, "id", v[i].id) ||
            folio_jset_str(o, "created_at", v[i].created_at) ||
            folio_jset_str(o, "created_by", v[i].created_by) ||
            folio_jset_str(o, "method", v[i].method) || folio_jset_str(o, "format", v[i].format) ||
            folio_jset_id(o, "dua_id", v[i].dua_id) || folio_jset_bool(o, "notes", v[i].notes) ||
            folio_jset_int(o, "rows", v[i].rows) || folio_jset_int(o, "patients", v[i].patients) ||
            folio_jset_str(o, "sha256", v[i].sha256)) {
            json_decref(o);
            json_decref(crit);
            json_decref(items);
            items = NULL;
            break;
        }
        /* folio_jset takes crit's reference and json_array_append_new o's, failed or not */
        if (folio_jset(o, "criteria", crit ? crit : json_null())) {
            json_decref(o);
            json_decref(items);
            items = NULL;
        } else if (json_array_append_new(items, o)) {
            json_decref(items);
            items = NULL;
        }
    }
    return folio_api_reply(resp, 200, items ? json_pack("{s:o}", "items", items) : NULL, err);
}

const struct folio_route folio_api_deid_routes[] = {
    {"GET", "/api/v1/deid/duas", FOLIO_PERM_DEID_EXTRACT, list_duas,
     "Data use agreements for limited data sets, newest first"},
    {"POST", "/api/v1/deid/duas", FOLIO_PERM_PRIVACY_REVIEW, add_dua,
     "Record a data use agreement (45 CFR 164.514(e)(4)); the privacy officer's"},
    {"GET", "/api/v1/deid/duas/{id}", FOLIO_PERM_DEID_EXTRACT, get_dua,
     "One data use agreement and whether it is in force"},
    {"POST", "/api/v1/deid/duas/{id}/termination", FOLIO_PERM_PRIVACY_REVIEW, terminate_dua,
     "Terminate a data use agreement; the privacy officer's"},
    {"POST", "/api/v1/deid/extracts", FOLIO_PERM_DEID_EXTRACT, make_extract,
     "Make a research extract of a cohort (Safe Harbor or limited data set), CSV or JSON"},
    {"GET", "/api/v1/deid/extracts", FOLIO_PERM_DEID_EXTRACT, list_extracts,
     "The extract log: who, when, method, DUA, criteria, rows, SHA-256"},
    {0},
};

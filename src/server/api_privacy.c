/* Break-the-glass, restricted/VIP charts, care-team grants, the privacy officer's review queue
 * and the daily snooping alerts (include/folio/btg.h, docs/privacy.md). The rule itself is
 * enforced in folio_srv_audit (req.c); these routes let a user state a reason and let the
 * privacy officer manage restrictions and review. Their audit actions are privacy.*, which the
 * restriction check lets through (breaking the glass must be possible on a restricted chart). */
#include "folio/base.h"

#include "folio/btg.h"
#include "folio/records.h"
#include "folio/time.h"
#include "server/render.h"
#include "server/server.h"

static const char *actor_of(const struct folio_req *req)
{
    return req->session ? req->session->username : NULL;
}

/* ---------------------------------------------------------------- break the glass */

static enum folio_rc break_glass(struct folio_req *req, struct folio_resp *resp,
                                 struct folio_err *err)
{
    static const char *const allowed[] = {"reason", NULL};
    const char *reason = NULL;
    json_t *body = NULL, *o = NULL;
    int64_t pid = req->ids[0], gid = 0, rid = 0;
    char expires[32];
    enum folio_rc rc;

    rc = folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc : folio_api_str(body, NULL, "reason", &reason, err);
    rc = rc ? rc : folio_api_patient_exists(req, pid, err);
    if (rc)
        goto out;
    if (folio_str_empty(reason)) {
        rc = folio_err_set(err, FOLIO_EINVAL, "reason",
                           "reason is required: say why you need this restricted chart");
        goto out;
    }
    rc = folio_btg_break(req->store, req->session->user_id, req->session->id, req->session->roles,
                         pid, reason, 0, req->session->expires_at, req->client, &gid, &rid, expires,
                         err);
    rc = rc ? rc
            : folio_srv_audit(
                  req, "privacy.break_glass", pid, "btg_grant", gid,
                  folio_arena_printf(req->arena, "break the glass until %s: %s", expires, reason),
                  err);
    if (rc)
        goto out;
    o = json_object();
    if (!o || folio_jset_int(o, "patient_id", pid) || folio_jset_int(o, "grant_id", gid) ||
        folio_jset_int(o, "review_id", rid) || folio_jset_str(o, "expires_at", expires)) {
        json_decref(o);
        o = NULL;
    }
    rc = folio_api_reply(resp, 201, o, err);
out:
    json_decref(body);
    return rc;
}

/* ---------------------------------------------------------------- restriction */

static json_t *render_restriction(struct folio_req *req, int64_t pid, struct folio_err *err,
                                  enum folio_rc *rc)
{
    struct folio_btg_restriction r;
    struct folio_btg_decision d;
    json_t *o;
    int bad;

    *rc = folio_btg_restriction_get(req->store, pid, req->arena, &r, err);
    *rc = *rc ? *rc
              : folio_btg_check(req->store, req->session->user_id, req->session->id,
                                req->session->roles, pid, 0, &d, err);
    if (*rc)
        return NULL;
    o = json_object();
    if (!o)
        return NULL;
    bad = folio_jset_int(o, "patient_id", pid);
    bad |= folio_jset_bool(o, "restricted", r.restricted);
    /* Whether a patient is a VIP is itself sensitive: only the privacy officer learns it. */
    if (folio_req_can(req, FOLIO_PERM_PRIVACY_REVIEW)) {
        bad |= folio_jset_bool(o, "vip", r.vip);
        bad |= folio_jset_str(o, "updated_at", r.updated_at);
        bad |= folio_jset_str(o, "updated_by", r.updated_by);
    }
    bad |= folio_jset_str(o, "access",
                          d.access == FOLIO_BTG_ALLOWED ? "allowed" : "needs_break_the_glass");
    bad |= folio_jset_str(o, "access_why", d.why);
    if (folio_req_can(req, FOLIO_PERM_PRIVACY_REVIEW)) {
        struct folio_btg_restriction_event *ev = NULL;
        size_t n = 0;
        json_t *arr = json_array();

        *rc = folio_btg_restriction_history(req->store, pid, req->arena, &ev, &n, err);
        for (size_t i = 0; !*rc && arr && i < n; i++) {
            json_t *e = json_object();
            int b = !e;
            b |= folio_jset_int(e, "id", ev[i].id);
            b |= folio_jset_bool(e, "restricted", ev[i].restricted);
            b |= folio_jset_bool(e, "vip", ev[i].vip);
            b |= folio_jset_str(e, "reason", ev[i].reason);
            b |= folio_jset_str(e, "at", ev[i].at);
            b |= folio_jset_str(e, "by", ev[i].by);
            if (b || json_array_append_new(arr, e)) {
                json_decref(arr);
                arr = NULL;
            }
        }
        bad |= folio_jset(o, "history", arr);
    }
    if (*rc || bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static enum folio_rc get_restriction(struct folio_req *req, struct folio_resp *resp,
                                     struct folio_err *err)
{
    enum folio_rc rc = folio_api_patient_exists(req, req->ids[0], err);
    json_t *o;

    if (rc)
        return rc;
    o = render_restriction(req, req->ids[0], err, &rc);
    if (rc)
        return rc;
    rc = folio_srv_audit(req, "privacy.restriction", req->ids[0], "patient", req->ids[0], "view",
                         err);
    if (rc) {
        json_decref(o);
        return rc;
    }
    return folio_api_reply(resp, 200, o, err);
}

static enum folio_rc put_restriction(struct folio_req *req, struct folio_resp *resp,
                                     struct folio_err *err)
{
    static const char *const allowed[] = {"restricted", "vip", "reason", NULL};
    const char *reason = NULL;
    bool restricted = false, vip = false, has_r = false, has_v = false;
    struct folio_btg_restriction cur;
    json_t *body = NULL, *o;
    int64_t pid = req->ids[0];
    enum folio_rc rc;

    rc = folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc : folio_api_str(body, NULL, "reason", &reason, err);
    rc = rc ? rc : folio_api_bool(body, NULL, "restricted", &restricted, &has_r, err);
    rc = rc ? rc : folio_api_bool(body, NULL, "vip", &vip, &has_v, err);
    rc = rc ? rc : folio_api_patient_exists(req, pid, err);
    if (rc)
        goto out;
    if (!has_r && !has_v) {
        rc = folio_err_set(err, FOLIO_EINVAL, "restricted", "give restricted and/or vip");
        goto out;
    }
    if (folio_str_empty(reason)) {
        rc = folio_err_set(err, FOLIO_EINVAL, "reason", "reason is required");
        goto out;
    }
    rc = folio_btg_restriction_get(req->store, pid, req->arena, &cur, err);
    if (rc)
        goto out;
    if (!has_r)
        restricted = cur.restricted;
    if (!has_v)
        vip = cur.vip;
    rc = folio_btg_restriction_set(req->store, actor_of(req), pid, restricted, vip, reason, err);
    rc = rc ? rc
            : folio_srv_audit(req, "privacy.restriction", pid, "patient", pid,
                              folio_arena_printf(req->arena, "restricted=%s vip=%s: %s",
                                                 restricted ? "true" : "false",
                                                 vip ? "true" : "false", reason),
                              err);
    if (rc)
        goto out;
    o = render_restriction(req, pid, err, &rc);
    if (rc)
        goto out;
    rc = folio_api_reply(resp, 200, o, err);
out:
    json_decref(body);
    return rc;
}

/* ---------------------------------------------------------------- care team */

static json_t *render_care(const struct folio_btg_care *c)
{
    json_t *o = json_object();
    int bad = !o;

    if (bad)
        return NULL;
    bad |= folio_jset_int(o, "id", c->id);
    bad |= folio_jset_str(o, "username", c->username);
    bad |= folio_jset_int(o, "patient_id", c->patient_id);
    bad |= folio_jset_str(o, "role", c->role);
    bad |= folio_jset_str(o, "from_at", c->from_at);
    bad |= folio_jset_str(o, "to_at", c->to_at);
    bad |= folio_jset_str(o, "reason", c->reason);
    bad |= folio_jset_str(o, "created_at", c->created_at);
    bad |= folio_jset_str(o, "created_by", c->created_by);
    bad |= folio_jset_str(o, "ended_at", c->ended_at);
    bad |= folio_jset_str(o, "ended_by", c->ended_by);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static enum folio_rc reply_care_list(struct folio_req *req, struct folio_resp *resp, int status,
                                     int64_t pid, struct folio_err *err)
{
    struct folio_btg_care *items = NULL;
    size_t n = 0;
    json_t *arr;
    enum folio_rc rc = folio_btg_care_list(req->store, pid, req->arena, &items, &n, err);

    if (rc)
        return rc;
    arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        if (json_array_append_new(arr, render_care(&items[i]))) {
            json_decref(arr);
            arr = NULL;
        }
    }
    return folio_api_reply(resp, status, folio_render_page(arr, (int64_t)n, (int64_t)n, 0), err);
}

static enum folio_rc list_care(struct folio_req *req, struct folio_resp *resp,
                               struct folio_err *err)
{
    enum folio_rc rc = folio_api_patient_exists(req, req->ids[0], err);

    rc = rc ? rc
            : folio_srv_audit(req, "privacy.care_team", req->ids[0], "patient", req->ids[0], "list",
                              err);
    return rc ? rc : reply_care_list(req, resp, 200, req->ids[0], err);
}

static enum folio_rc add_care(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    static const char *const allowed[] = {"username", "role", "from_at", "to_at", "reason", NULL};
    const char *username = NULL, *role = NULL, *from = NULL, *to = NULL, *reason = NULL;
    json_t *body = NULL;
    int64_t pid = req->ids[0], id = 0;
    enum folio_rc rc;

    rc = folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc : folio_api_str(body, NULL, "username", &username, err);
    rc = rc ? rc : folio_api_str(body, NULL, "role", &role, err);
    rc = rc ? rc : folio_api_str(body, NULL, "from_at", &from, err);
    rc = rc ? rc : folio_api_str(body, NULL, "to_at", &to, err);
    rc = rc ? rc : folio_api_str(body, NULL, "reason", &reason, err);
    rc = rc ? rc : folio_api_patient_exists(req, pid, err);
    if (rc == FOLIO_OK && folio_str_empty(username))
        rc = folio_err_set(err, FOLIO_EINVAL, "username", "username is required");
    rc = rc ? rc
            : folio_btg_care_grant(req->store, actor_of(req), username, pid, role, from, to, reason,
                                   &id, err);
    rc = rc ? rc
            : folio_srv_audit(req, "privacy.care_team", pid, "care_relationship", id,
                              folio_arena_printf(req->arena, "grant %s", username), err);
    rc = rc ? rc : reply_care_list(req, resp, 201, pid, err);
    json_decref(body);
    return rc;
}

static enum folio_rc end_care(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    struct folio_btg_care *items = NULL;
    size_t n = 0;
    bool mine = false;
    enum folio_rc rc = folio_btg_care_list(req->store, req->ids[0], req->arena, &items, &n, err);

    for (size_t i = 0; rc == FOLIO_OK && i < n; i++)
        mine |= items[i].id == req->ids[1];
    if (rc == FOLIO_OK && !mine)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "id", "no care relationship %lld for patient %lld",
                           (long long)req->ids[1], (long long)req->ids[0]);
    rc = rc ? rc : folio_btg_care_end(req->store, actor_of(req), req->ids[1], err);
    rc = rc ? rc
            : folio_srv_audit(req, "privacy.care_team", req->ids[0], "care_relationship",
                              req->ids[1], "end", err);
    return rc ? rc : reply_care_list(req, resp, 200, req->ids[0], err);
}

/* ---------------------------------------------------------------- review queue */

static json_t *render_review(struct folio_req *req, const struct folio_btg_review *r)
{
    json_t *o = json_object();
    int bad = !o;

    if (bad)
        return NULL;
    bad |= folio_jset_int(o, "id", r->id);
    bad |= folio_jset_str(o, "kind", r->kind);
    bad |= folio_jset_str(o, "username", r->username);
    bad |= folio_jset_id(o, "patient_id", r->patient_id);
    bad |= folio_jset_str(o, "day", r->day);
    bad |= folio_jset_str(o, "at", r->at);
    bad |= folio_jset_str(o, "detail", r->detail);
    bad |= folio_jset_id(o, "grant_id", r->grant_id);
    bad |= folio_jset_str(o, "status", r->status);
    bad |= folio_jset_str(o, "disposition", r->disposition);
    bad |= folio_jset_str(o, "note", r->note);
    bad |= folio_jset_str(o, "reviewed_by", r->reviewed_by);
    bad |= folio_jset_str(o, "reviewed_at", r->reviewed_at);
    if (r->patient_id && folio_req_can(req, FOLIO_PERM_IDENTIFIERS)) {
        /* the name and MRN the lists show, read with the item (btg.h) */
        const char *name = r->patient_family || r->patient_given
                               ? folio_arena_printf(req->arena, "%s, %s", r->patient_family ? r->patient_family : "",
                                                    r->patient_given ? r->patient_given : "")
                               : NULL;
        bad |= (r->patient_family || r->patient_given) && !name;
        bad |= folio_jset_str(o, "patient_name", name);
        bad |= folio_jset_str(o, "mrn", r->patient_mrn);
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static enum folio_rc list_reviews(struct folio_req *req, struct folio_resp *resp,
                                  struct folio_err *err)
{
    struct folio_btg_review_query q;
    struct folio_btg_review *items = NULL;
    size_t n = 0;
    int64_t total = 0;
    json_t *arr;
    enum folio_rc rc;

    memset(&q, 0, sizeof(q));
    q.status = folio_req_query(req, "status");
    q.kind = folio_req_query(req, "kind");
    q.day = folio_req_query(req, "day");
    rc = folio_req_query_i64(req, "limit", 100, 1, 500, &q.limit, err);
    rc = rc ? rc : folio_req_query_i64(req, "offset", 0, 0, INT64_MAX / 2, &q.offset, err);
    rc = rc ? rc : folio_btg_review_list(req->store, &q, req->arena, &items, &n, &total, err);
    rc = rc ? rc
            : folio_srv_audit(req, "privacy.reviews", 0, "privacy_review", 0,
                              folio_arena_printf(req->arena, "list status=%s kind=%s",
                                                 q.status ? q.status : "any",
                                                 q.kind ? q.kind : "any"),
                              err);
    if (rc)
        return rc;
    arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        if (json_array_append_new(arr, render_review(req, &items[i]))) {
            json_decref(arr);
            arr = NULL;
        }
    }
    return folio_api_reply(resp, 200, folio_render_page(arr, total, q.limit, q.offset), err);
}

static enum folio_rc review_one(struct folio_req *req, struct folio_resp *resp,
                                struct folio_err *err)
{
    static const char *const allowed[] = {"disposition", "note", NULL};
    const char *disposition = NULL, *note = NULL;
    struct folio_btg_review r;
    json_t *body = NULL;
    enum folio_rc rc;

    rc = folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc : folio_api_str(body, NULL, "disposition", &disposition, err);
    rc = rc ? rc : folio_api_str(body, NULL, "note", &note, err);
    rc = rc ? rc : folio_btg_review_get(req->store, req->ids[0], req->arena, &r, err);
    rc =
        rc ? rc
           : folio_btg_review_close(req->store, actor_of(req), req->ids[0], disposition, note, err);
    rc = rc ? rc
            : folio_srv_audit(req, "privacy.review", r.patient_id, "privacy_review", r.id,
                              folio_arena_printf(req->arena, "%s: %s", r.kind, disposition), err);
    rc = rc ? rc : folio_btg_review_get(req->store, req->ids[0], req->arena, &r, err);
    json_decref(body);
    if (rc)
        return rc;
    return folio_api_reply(resp, 200, render_review(req, &r), err);
}

static enum folio_rc run_alerts(struct folio_req *req, struct folio_resp *resp,
                                struct folio_err *err)
{
    static const char *const allowed[] = {"day", NULL};
    struct folio_chart c = folio_api_chart(req);
    struct folio_snoop_result res;
    const char *day = NULL;
    char today[32];
    json_t *body = NULL, *o = NULL, *found = NULL, *added = NULL;
    enum folio_rc rc;

    rc = folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc : folio_api_str(body, NULL, "day", &day, err);
    if (rc)
        goto out;
    if (folio_str_empty(day)) {
        folio_time_now_utc(today);
        today[10] = '\0';
        day = today;
    }
    rc = folio_snoop_run(&c, day, NULL, &res, err);
    rc = rc ? rc
            : folio_srv_audit(req, "privacy.alerts", 0, "privacy_review", 0,
                              folio_arena_printf(req->arena, "alert run for %s", day), err);
    if (rc)
        goto out;
    o = json_object();
    found = json_object();
    added = json_object();
    if (o && found && added) {
        int bad = folio_jset_str(o, "day", day);
        bad |= folio_jset_int(o, "accesses", res.accesses);
        for (int k = 0; k < FOLIO_BTG_KIND__COUNT; k++) {
            if (k == FOLIO_BTG_KIND_BREAK_GLASS)
                continue;
            bad |= folio_jset_int(found, folio_btg_kind_name((enum folio_btg_kind)k), res.found[k]);
            bad |= folio_jset_int(added, folio_btg_kind_name((enum folio_btg_kind)k), res.added[k]);
        }
        bad |= folio_jset(o, "found", found);
        found = NULL;
        bad |= folio_jset(o, "added", added);
        added = NULL;
        if (bad) {
            json_decref(o);
            o = NULL;
        }
    } else {
        json_decref(o);
        o = NULL;
    }
    json_decref(found);
    json_decref(added);
    rc = folio_api_reply(resp, 200, o, err);
out:
    json_decref(body);
    return rc;
}

const struct folio_route folio_api_privacy_routes[] = {
    {"POST", "/api/v1/patients/{id}/break-glass", FOLIO_PERM_PATIENT_READ, break_glass,
     "Break the glass: state a reason to open a restricted chart (reviewed by the privacy "
     "officer)"},
    {"GET", "/api/v1/patients/{id}/restriction", FOLIO_PERM_PATIENT_READ, get_restriction,
     "Whether the chart is restricted or VIP, and whether you may open it"},
    {"PUT", "/api/v1/patients/{id}/restriction", FOLIO_PERM_PRIVACY_REVIEW, put_restriction,
     "Restrict or unrestrict a chart, flag or unflag it VIP (reason required)"},
    {"GET", "/api/v1/patients/{id}/care-team", FOLIO_PERM_PRIVACY_REVIEW, list_care,
     "Explicit care-team grants of a patient"},
    {"POST", "/api/v1/patients/{id}/care-team", FOLIO_PERM_PRIVACY_REVIEW, add_care,
     "Grant a user a care relationship with the patient"},
    {"DELETE", "/api/v1/patients/{id}/care-team/{n}", FOLIO_PERM_PRIVACY_REVIEW, end_care,
     "End a care-team grant"},
    {"GET", "/api/v1/privacy/reviews", FOLIO_PERM_PRIVACY_REVIEW, list_reviews,
     "The privacy officer's review queue (status, kind, day filters)"},
    {"POST", "/api/v1/privacy/reviews/{id}", FOLIO_PERM_PRIVACY_REVIEW, review_one,
     "Review an item: disposition and note"},
    {"POST", "/api/v1/privacy/alerts/run", FOLIO_PERM_PRIVACY_REVIEW, run_alerts,
     "Run the snooping alerts for a day (idempotent)"},
    {NULL, NULL, FOLIO_PERM_NONE, NULL, NULL},
};

/* Encounters: a patient's list, admission, one encounter with its history, discharge. */
#include "folio/base.h"

#include "folio/chart_json.h"
#include "folio/completeness.h"
#include "folio/records.h"
#include "folio/time.h"
#include "server/render.h"
#include "server/server.h"

static enum folio_rc list(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_encounter_page pg;
    bool ids = folio_req_can(req, FOLIO_PERM_IDENTIFIERS);
    int64_t pid = req->ids[0], limit = 0, offset = 0;
    json_t *items;
    enum folio_rc rc;
    size_t i;

    rc = folio_req_query_i64(req, "limit", 50, 1, 1000, &limit, err);
    rc = rc ? rc : folio_req_query_i64(req, "offset", 0, 0, INT64_MAX / 2, &offset, err);
    rc = rc ? rc : folio_api_patient_exists(req, pid, err);
    rc = rc ? rc : folio_encounter_list(&c, pid, limit, offset, req->arena, &pg, err);
    if (rc)
        return rc;
    rc = folio_srv_audit(req, "encounter.view", pid, "encounter", 0, "list", err);
    if (rc)
        return rc;
    items = json_array();
    for (i = 0; items && i < pg.n; i++) {
        if (json_array_append_new(items, folio_chart_json_encounter(&pg.items[i], ids))) {
            json_decref(items);
            items = NULL;
        }
    }
    return folio_api_reply(resp, 200, folio_render_page(items, pg.total, limit, offset), err);
}

static enum folio_rc reply_encounter(struct folio_req *req, struct folio_resp *resp, int status,
                                     int64_t id, int64_t *patient_id, struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_encounter e;
    enum folio_rc rc;

    rc = folio_encounter_get(&c, id, req->arena, &e, err);
    if (rc)
        return rc;
    if (patient_id)
        *patient_id = e.patient_id;
    folio_resp_etag(resp, e.version);
    return folio_api_reply(
        resp, status, folio_chart_json_encounter(&e, folio_req_can(req, FOLIO_PERM_IDENTIFIERS)),
        err);
}

static enum folio_rc create(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    static const char *const allowed[] = {
        "facility",    "account_number", "class",   "source_class", "status",
        "admit_at",    "discharge_at",   "admit_type", "admit_source", "disposition",
        "service",     "location",       "reason",  NULL};
    struct folio_chart c = folio_api_chart(req);
    struct folio_encounter_new in;
    json_t *body = NULL;
    int64_t id = 0, fid = 0;
    enum folio_rc rc;

    memset(&in, 0, sizeof(in));
    in.patient_id = req->ids[0];
    rc = folio_api_patient_exists(req, in.patient_id, err);
    rc = rc ? rc : folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc : folio_api_str(body, NULL, "facility", &in.facility_code, err);
    rc = rc ? rc : folio_api_str(body, NULL, "account_number", &in.account_number, err);
    rc = rc ? rc : folio_api_str(body, NULL, "class", &in.enc_class, err);
    rc = rc ? rc : folio_api_str(body, NULL, "source_class", &in.source_class, err);
    rc = rc ? rc : folio_api_str(body, NULL, "status", &in.status, err);
    rc = rc ? rc : folio_api_str(body, NULL, "admit_at", &in.admit_at, err);
    rc = rc ? rc : folio_api_str(body, NULL, "discharge_at", &in.discharge_at, err);
    rc = rc ? rc : folio_api_str(body, NULL, "admit_type", &in.admit_type, err);
    rc = rc ? rc : folio_api_str(body, NULL, "admit_source", &in.admit_source, err);
    rc = rc ? rc : folio_api_str(body, NULL, "disposition", &in.disposition, err);
    rc = rc ? rc : folio_api_str(body, NULL, "service", &in.service, err);
    rc = rc ? rc : folio_api_str(body, NULL, "location", &in.location, err);
    rc = rc ? rc : folio_api_str(body, NULL, "reason", &in.reason, err);
    if (rc)
        goto out;
    if (!in.enc_class && !in.source_class) {
        rc = folio_err_set(err, FOLIO_EINVAL, "class",
                           "class is required (inpatient, outpatient, emergency, observation, "
                           "newborn)");
        goto out;
    }
    /* As `folio encounter add`: the facility defaults to MAIN and is created when missing. */
    if (!in.facility_code)
        in.facility_code = "MAIN";
    rc = folio_facility_ensure(&c, in.facility_code, NULL, &fid, err);
    if (rc) {
        if (rc == FOLIO_EINVAL)
            (void)folio_strlcpy(err->field, "facility", sizeof(err->field));
        goto out;
    }
    rc = folio_encounter_create(&c, &in, &id, err);
    if (rc) {
        if (strcmp(err->field, "facility_code") == 0)
            (void)folio_strlcpy(err->field, "facility", sizeof(err->field));
        goto out;
    }
    rc = folio_srv_audit(req, "encounter.create", in.patient_id, "encounter", id, NULL, err);
    /* An encounter recorded already discharged is analysed like a discharge (no-op otherwise). */
    rc = rc ? rc
            : folio_completeness_on_change(req->store, id, NULL,
                                           req->session ? req->session->username : NULL, NULL,
                                           err);
    if (rc)
        goto out;
    (void)folio_snprintf(resp->location, sizeof(resp->location), "/api/v1/encounters/%lld",
                         (long long)id);
    rc = reply_encounter(req, resp, 201, id, NULL, err);
out:
    json_decref(body);
    return rc;
}

static enum folio_rc view(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    int64_t pid = 0;
    enum folio_rc rc;

    rc = reply_encounter(req, resp, 200, req->ids[0], &pid, err);
    if (rc)
        return rc;
    return folio_srv_audit(req, "encounter.view", pid, "encounter", req->ids[0], NULL, err);
}

static enum folio_rc discharge(struct folio_req *req, struct folio_resp *resp,
                               struct folio_err *err)
{
    static const char *const allowed[] = {"discharge_at", "disposition", NULL};
    struct folio_chart c = folio_api_chart(req);
    struct folio_encounter e;
    const char *at = NULL, *dispo = NULL;
    char now[32];
    json_t *body = NULL;
    bool present = false;
    int64_t version = 0;
    enum folio_rc rc;

    rc = folio_encounter_get(&c, req->ids[0], req->arena, &e, err);
    rc = rc ? rc : folio_req_if_match(req, &present, &version, err);
    if (rc)
        goto out;
    if (!present) {
        rc = folio_srv_precondition_required(err);
        goto out;
    }
    if (version != e.version) {
        rc = folio_srv_stale(e.version, err);
        goto out;
    }
    rc = folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc : folio_api_str(body, NULL, "discharge_at", &at, err);
    rc = rc ? rc : folio_api_str(body, NULL, "disposition", &dispo, err);
    if (rc)
        goto out;
    if (!at) {
        folio_time_now_utc(now);
        at = now;
    }
    rc = folio_encounter_discharge(&c, req->ids[0], at, dispo, err);
    rc = rc ? rc
            : folio_srv_audit(req, "encounter.update", e.patient_id, "encounter", req->ids[0],
                              "discharge", err);
    /* The discharge starts the chart's deficiency analysis (folio/completeness.h). */
    rc = rc ? rc
            : folio_completeness_on_change(req->store, req->ids[0], NULL,
                                           req->session ? req->session->username : NULL, NULL,
                                           err);
    rc = rc ? rc : reply_encounter(req, resp, 200, req->ids[0], NULL, err);
out:
    json_decref(body);
    return rc;
}

const struct folio_route folio_api_encounter_routes[] = {
    {"GET", "/api/v1/patients/{id}/encounters", FOLIO_PERM_PATIENT_READ, list,
     "A patient's encounters, newest first"},
    {"POST", "/api/v1/patients/{id}/encounters", FOLIO_PERM_ENCOUNTER_WRITE, create,
     "Register an encounter (admission or visit)"},
    {"GET", "/api/v1/encounters/{id}", FOLIO_PERM_PATIENT_READ, view,
     "An encounter with its location history and providers"},
    {"POST", "/api/v1/encounters/{id}/discharge", FOLIO_PERM_ENCOUNTER_WRITE, discharge,
     "Discharge an encounter (If-Match required)"},
    {NULL, NULL, FOLIO_PERM_NONE, NULL, NULL},
};

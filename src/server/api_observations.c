/* Observations (results) of a patient: list and record. Corrections supersede, never overwrite. */
#include "folio/base.h"

#include "folio/chart_json.h"
#include "folio/records.h"
#include "server/render.h"
#include "server/server.h"

static enum folio_rc list(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_observation_page pg;
    int64_t pid = req->ids[0], limit = 0, offset = 0, current = 0, enc = 0;
    const char *code = folio_req_query(req, "code");
    json_t *items;
    enum folio_rc rc;
    size_t i;

    rc = folio_req_query_i64(req, "limit", 100, 1, 1000, &limit, err);
    rc = rc ? rc : folio_req_query_i64(req, "offset", 0, 0, INT64_MAX / 2, &offset, err);
    rc = rc ? rc : folio_req_query_i64(req, "current", 0, 0, 1, &current, err);
    rc = rc ? rc : folio_req_query_i64(req, "encounter_id", 0, 1, INT64_MAX, &enc, err);
    rc = rc ? rc : folio_api_patient_exists(req, pid, err);
    if (rc)
        return rc;
    if (code) {
        /* Filtering by code is done here over the whole list: a patient's results fit a page
         * of the records API's maximum, and the filter keeps paging consistent. */
        rc = folio_observation_list(&c, pid, enc, current != 0, 1000, 0, req->arena, &pg, err);
    } else {
        rc = folio_observation_list(&c, pid, enc, current != 0, limit, offset, req->arena, &pg,
                                    err);
    }
    rc = rc ? rc
            : folio_srv_audit(req, "observation.view", pid, "observation", 0,
                              code ? folio_arena_printf(req->arena, "code=%s", code) : NULL, err);
    if (rc)
        return rc;
    items = json_array();
    if (code) {
        int64_t seen = 0;

        for (i = 0; items && i < pg.n; i++) {
            if (!pg.items[i].code || strcmp(pg.items[i].code, code) != 0)
                continue;
            if (seen++ < offset || seen > offset + limit)
                continue;
            if (json_array_append_new(items, folio_chart_json_observation(&pg.items[i]))) {
                json_decref(items);
                items = NULL;
            }
        }
        pg.total = seen;
    } else {
        for (i = 0; items && i < pg.n; i++) {
            if (json_array_append_new(items, folio_chart_json_observation(&pg.items[i]))) {
                json_decref(items);
                items = NULL;
            }
        }
    }
    return folio_api_reply(resp, 200, folio_render_page(items, pg.total, limit, offset), err);
}

static enum folio_rc create(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    static const char *const allowed[] = {
        "encounter_id", "code_system", "code",   "title",         "value_type", "value",
        "units",        "ref_range",   "abnormal_flag", "status", "observed_at", NULL};
    struct folio_chart c = folio_api_chart(req);
    struct folio_observation in, out;
    json_t *body = NULL;
    int64_t id = 0;
    enum folio_rc rc;

    memset(&in, 0, sizeof(in));
    in.patient_id = req->ids[0];
    rc = folio_api_patient_exists(req, in.patient_id, err);
    rc = rc ? rc : folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc : folio_api_i64(body, NULL, "encounter_id", 1, INT64_MAX, &in.encounter_id, NULL, err);
    rc = rc ? rc : folio_api_str(body, NULL, "code_system", &in.code_system, err);
    rc = rc ? rc : folio_api_req_str(body, NULL, "code", &in.code, err);
    rc = rc ? rc : folio_api_str(body, NULL, "title", &in.title, err);
    rc = rc ? rc : folio_api_str(body, NULL, "value_type", &in.value_type, err);
    rc = rc ? rc : folio_api_str(body, NULL, "value", &in.value_text, err);
    rc = rc ? rc : folio_api_str(body, NULL, "units", &in.units, err);
    rc = rc ? rc : folio_api_str(body, NULL, "ref_range", &in.ref_range, err);
    rc = rc ? rc : folio_api_str(body, NULL, "abnormal_flag", &in.abnormal_flag, err);
    rc = rc ? rc : folio_api_str(body, NULL, "status", &in.status, err);
    rc = rc ? rc : folio_api_str(body, NULL, "observed_at", &in.observed_at, err);
    if (rc)
        goto out;
    rc = folio_observation_create(&c, &in, &id, err);
    if (rc) {
        if (strcmp(err->field, "value_text") == 0)
            (void)folio_strlcpy(err->field, "value", sizeof(err->field));
        goto out;
    }
    rc = folio_srv_audit(req, "observation.create", in.patient_id, "observation", id, NULL, err);
    rc = rc ? rc : folio_observation_get(&c, id, req->arena, &out, err);
    if (rc)
        goto out;
    rc = folio_api_reply(resp, 201, folio_chart_json_observation(&out), err);
out:
    json_decref(body);
    return rc;
}

const struct folio_route folio_api_observation_routes[] = {
    {"GET", "/api/v1/patients/{id}/observations", FOLIO_PERM_RESULT_READ, list,
     "A patient's observations (results), newest first"},
    {"POST", "/api/v1/patients/{id}/observations", FOLIO_PERM_RESULT_WRITE, create,
     "Record an observation"},
    {NULL, NULL, FOLIO_PERM_NONE, NULL, NULL},
};

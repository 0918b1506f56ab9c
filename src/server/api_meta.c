/* GET /api/v1/health and GET /api/v1/openapi.json: public. */
#include "folio/base.h"

#include "server/render.h"
#include "server/server.h"

/* Embedded at build time from src/server/openapi.json (cmake/embed_file.cmake). */
extern const char folio_openapi_json[];
extern const size_t folio_openapi_json_len;

/* The store answers a trivial query: the process is up and its database reachable. */
static enum folio_rc health(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    json_t *o = json_object();
    int64_t one = 0;
    bool found = false;
    enum folio_rc rc;
    int bad = !o;

    if (bad)
        return folio_render_nomem(err);
    rc = folio_store_query_i64(req->store, "SELECT 1", NULL, 0, &one, &found, err);
    if (rc) {
        /* Reported in the body, not as an error, so monitoring sees what is down. */
        bad |= folio_jset_str(o, "status", "degraded");
        bad |= folio_jset_str(o, "database", "unavailable");
        resp->status = 503;
    } else {
        bad |= folio_jset_str(o, "status", "ok");
        bad |= folio_jset_str(o, "database", found && one == 1 ? "ok" : "unavailable");
        resp->status = 200;
    }
    if (bad) {
        json_decref(o);
        return folio_render_nomem(err);
    }
    folio_err_clear(err);
    resp->json = o;
    return FOLIO_OK;
}

static enum folio_rc openapi(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    (void)req;
    (void)err;
    resp->status = 200;
    resp->raw = folio_openapi_json;
    resp->raw_len = folio_openapi_json_len;
    resp->content_type = "application/json";
    return FOLIO_OK;
}

const struct folio_route folio_api_meta_routes[] = {
    {"GET", "/api/v1/health", FOLIO_PERM_NONE, health, "Liveness and database check"},
    {"GET", "/api/v1/openapi.json", FOLIO_PERM_NONE, openapi, "This API's OpenAPI 3 document"},
    {NULL, NULL, FOLIO_PERM_NONE, NULL, NULL},
};

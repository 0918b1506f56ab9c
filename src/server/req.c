/* Helpers the API handlers use (server.h): query, headers, JSON body, If-Match, errors, audit,
 * cookies; and the response pieces the core shares (error bodies, security headers). */
#include "folio/base.h"

#include <strings.h>

#include "folio/audit.h"
#include "folio/btg.h"
#include "server/core_int.h"

static struct core_req *core_of(const struct folio_req *r)
{
    return r ? (struct core_req *)r->core : NULL;
}

const char *folio_req_query(const struct folio_req *r, const char *name)
{
    struct core_req *c = core_of(r);

    if (!c || !c->conn || !name)
        return NULL;
    return MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *folio_req_header(const struct folio_req *r, const char *name)
{
    struct core_req *c = core_of(r);

    if (!c || !c->conn || !name)
        return NULL;
    return MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND, name);
}

static struct folio_auth_policy default_policy;

static void init_default_policy(void)
{
    folio_auth_policy_defaults(&default_policy);
}

const struct folio_auth_policy *folio_req_auth_policy(const struct folio_req *r)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    struct core_req *c = core_of(r);

    if (c && c->srv)
        return &c->srv->o.auth;
    (void)pthread_once(&once, init_default_policy);
    return &default_policy;
}

const char *core_request_token(struct MHD_Connection *conn)
{
    const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");

    if (h) {
        if (strncasecmp(h, "Bearer ", 7) == 0) {
            h += 7;
            while (*h == ' ')
                h++;
            return *h ? h : NULL;
        }
        return NULL;
    }
    return MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, CORE_COOKIE_NAME);
}

const char *folio_req_token(const struct folio_req *r)
{
    struct core_req *c = core_of(r);

    return c && c->conn ? core_request_token(c->conn) : NULL;
}

bool folio_req_tls(const struct folio_req *r)
{
    struct core_req *c = core_of(r);

    return c && c->srv && c->srv->tls;
}

enum folio_rc folio_req_query_i64(const struct folio_req *r, const char *name, int64_t def,
                                  int64_t min, int64_t max, int64_t *out, struct folio_err *err)
{
    const char *v = folio_req_query(r, name);
    int64_t n;

    if (v == NULL) {
        *out = def;
        return FOLIO_OK;
    }
    if (folio_sv_to_i64(folio_sv_from(v), &n) != FOLIO_OK)
        return folio_err_set(err, FOLIO_EINVAL, name, "query parameter '%s' must be an integer",
                             name);
    if (n < min || n > max)
        return folio_err_set(err, FOLIO_EINVAL, name,
                             "query parameter '%s' must be between %lld and %lld", name,
                             (long long)min, (long long)max);
    *out = n;
    return FOLIO_OK;
}

enum folio_rc folio_req_json(const struct folio_req *r, json_t **out, struct folio_err *err)
{
    enum folio_rc rc;
    json_t *v = NULL;

    *out = NULL;
    if (r->body == NULL || r->body_len == 0)
        return folio_err_set(err, FOLIO_EINVAL, NULL,
                             "the request body must be a JSON object, and it is empty");
    rc = folio_json_parse(r->body, r->body_len, &v, "body", err);
    if (rc == FOLIO_EPARSE) {
        err->code = FOLIO_EINVAL;
        err->field[0] = '\0';
        return FOLIO_EINVAL;
    }
    if (rc)
        return rc;
    if (!json_is_object(v)) {
        json_decref(v);
        return folio_err_set(err, FOLIO_EINVAL, NULL, "the request body must be a JSON object");
    }
    *out = v;
    return FOLIO_OK;
}

enum folio_rc folio_json_only(const json_t *obj, const char *const *allowed, struct folio_err *err)
{
    const char *key;
    json_t *val;

    if (!json_is_object(obj))
        return folio_err_set(err, FOLIO_EINVAL, NULL, "expected a JSON object");
    json_object_foreach((json_t *)(uintptr_t)obj, key, val) {
        const char *const *a;
        bool known = false;

        (void)val;
        for (a = allowed; a && *a; a++) {
            if (strcmp(*a, key) == 0) {
                known = true;
                break;
            }
        }
        if (!known)
            return folio_err_set(err, FOLIO_EINVAL, key, "unknown field \"%s\"", key);
    }
    return FOLIO_OK;
}

enum folio_rc folio_req_if_match(const struct folio_req *r, bool *present, int64_t *version,
                                 struct folio_err *err)
{
    const char *h = folio_req_header(r, "If-Match");
    struct folio_sv s;
    int64_t v;

    *present = false;
    *version = 0;
    if (h == NULL)
        return FOLIO_OK;
    s = folio_sv_trim(folio_sv_from(h));
    if (s.len >= 4 && s.p[0] == '"' && s.p[1] == 'v' && s.p[s.len - 1] == '"') {
        struct folio_sv num = {s.p + 2, s.len - 3};
        if (folio_sv_to_i64(num, &v) == FOLIO_OK && v > 0) {
            *present = true;
            *version = v;
            return FOLIO_OK;
        }
    }
    return folio_err_set(err, FOLIO_EINVAL, "If-Match",
                         "If-Match must be an ETag this server sent, like \"v3\"");
}

bool folio_req_can(const struct folio_req *r, enum folio_perm p)
{
    if (p == FOLIO_PERM_NONE)
        return true;
    return r && r->session && folio_roles_can(r->session->roles, p);
}

void folio_resp_etag(struct folio_resp *resp, int64_t version)
{
    (void)folio_snprintf(resp->etag, sizeof(resp->etag), "\"v%lld\"", (long long)version);
}

void folio_resp_set_cookie(struct folio_resp *resp, const char *token)
{
    resp->cookie_set = true;
    resp->cookie_clear = token == NULL;
    resp->cookie[0] = '\0';
    if (token)
        (void)folio_strlcpy(resp->cookie, token, sizeof(resp->cookie));
}

enum folio_rc folio_srv_precondition_required(struct folio_err *err)
{
    return folio_err_set(err, FOLIO_ESTATE, "If-Match",
                         "this change needs an If-Match header with the resource's ETag");
}

enum folio_rc folio_srv_stale(int64_t current_version, struct folio_err *err)
{
    return folio_err_set(err, FOLIO_ECONFLICT, "If-Match",
                         "the resource has changed (now version %lld): reload and retry",
                         (long long)current_version);
}

int folio_srv_status_for(const struct folio_err *err)
{
    bool if_match = strcmp(err->field, "If-Match") == 0;

    switch (err->code) {
    case FOLIO_OK:
        return 200;
    case FOLIO_EINVAL:
    case FOLIO_EPARSE:
    case FOLIO_EUSAGE:
        return 400;
    case FOLIO_ENOTFOUND:
        return 404;
    case FOLIO_ECONFLICT:
        return if_match ? 412 : 409;
    case FOLIO_ETOOBIG:
        return 413;
    case FOLIO_EPERM:
        return 403;
    case FOLIO_ESTATE:
        return if_match ? 428 : 409;
    case FOLIO_EBUSY:
        return 503;
    default:
        return 500;
    }
}

static json_t *error_json(enum folio_rc code, const char *msg, const char *field)
{
    json_t *inner, *outer;

    inner = json_object();
    outer = json_object();
    if (!inner || !outer)
        goto fail;
    if (json_object_set_new(inner, "code", json_string(folio_rc_name(code))) ||
        json_object_set_new(inner, "message",
                            json_string(folio_str_empty(msg) ? folio_rc_name(code) : msg)) ||
        json_object_set_new(inner, "field",
                            folio_str_empty(field) ? json_null() : json_string(field)))
        goto fail;
    if (json_object_set_new(outer, "error", inner)) {
        inner = NULL;
        goto fail;
    }
    return outer;
fail:
    json_decref(inner);
    json_decref(outer);
    return NULL;
}

json_t *folio_srv_error_body(const struct folio_err *err)
{
    return error_json(err->code, err->msg, err->field);
}

char *core_error_text(enum folio_rc code, const char *msg, const char *field, size_t *len)
{
    json_t *j = error_json(code, msg, field);
    struct folio_buf b;
    char *out = NULL;

    *len = 0;
    if (!j)
        return NULL;
    folio_buf_init(&b, 1u << 16);
    if (folio_json_dump(j, &b) == FOLIO_OK)
        out = folio_buf_detach(&b, len);
    folio_buf_release(&b);
    json_decref(j);
    return out;
}

void core_add_security_headers(struct MHD_Response *r, bool api)
{
    (void)MHD_add_response_header(r, "Content-Security-Policy",
                                  "default-src 'self'; object-src 'none'; base-uri 'none'; "
                                  "frame-ancestors 'none'; form-action 'self'");
    (void)MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    (void)MHD_add_response_header(r, "X-Frame-Options", "DENY");
    (void)MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    if (api)
        (void)MHD_add_response_header(r, "Cache-Control", "no-store");
}

enum folio_rc folio_srv_audit_event(struct folio_req *req, const struct folio_audit_event *ev,
                                    struct folio_err *err)
{
    struct core_req *c = core_of(req);
    struct folio_audit_event e = *ev;

    if (c && c->srv && !c->srv->o.audit)
        return FOLIO_OK;
    if (!e.client)
        e.client = req->client;
    return folio_audit_append(req->store, &e, NULL, err);
}

/* Restricted charts (btg.h): every patient-scoped action passes here, so this is the one
 * place the break-the-glass rule is enforced, audit on or off. The privacy officer's own
 * actions (privacy.*: breaking the glass itself, restrictions, reviews) and audit-trail
 * searches are not chart accesses. A refusal fails the request (rolled back, 403 with field
 * "break_the_glass"); the core then appends its access.denied entry on its own. */
static enum folio_rc btg_gate(struct folio_req *req, const char *action, int64_t patient_id,
                              struct folio_err *err)
{
    struct core_req *c = core_of(req);
    struct folio_btg_decision d;
    enum folio_rc rc;

    if (patient_id <= 0 || !req->session || !action || strncmp(action, "privacy.", 8) == 0 ||
        strncmp(action, "audit.", 6) == 0)
        return FOLIO_OK;
    rc = folio_btg_check(req->store, req->session->user_id, req->session->id, req->session->roles,
                         patient_id, 0, &d, err);
    if (rc || d.access == FOLIO_BTG_ALLOWED)
        return rc;
    if (c)
        c->btg_denied_patient = patient_id;
    return folio_err_set(err, FOLIO_EPERM, "break_the_glass",
                         "this chart is restricted: you have no care relationship with the "
                         "patient; state a reason to break the glass (POST "
                         "/api/v1/patients/%lld/break-glass)",
                         (long long)patient_id);
}

bool folio_srv_btg_visible(struct folio_req *req, int64_t patient_id)
{
    struct folio_btg_decision d;
    struct folio_err e;

    if (patient_id <= 0 || !req->session)
        return true;
    folio_err_clear(&e);
    if (folio_btg_check(req->store, req->session->user_id, req->session->id, req->session->roles,
                        patient_id, 0, &d, &e) != FOLIO_OK)
        return false; /* fails closed */
    return d.access == FOLIO_BTG_ALLOWED;
}

enum folio_rc folio_srv_btg_require(struct folio_req *req, int64_t patient_id,
                                    struct folio_err *err)
{
    return btg_gate(req, "btg.require", patient_id, err);
}

json_t *folio_srv_restricted_stub(int64_t patient_id)
{
    /* name in the shape of a patient brief's, so that screens show the words */
    return json_pack("{s:I, s:{s:s}, s:b}", "id", (json_int_t)patient_id, "name", "family",
                     "restricted chart", "restricted", 1);
}

enum folio_rc folio_srv_audit(struct folio_req *req, const char *action, int64_t patient_id,
                              const char *entity_type, int64_t entity_id, const char *detail,
                              struct folio_err *err)
{
    struct core_req *c = core_of(req);
    struct folio_audit_event ev;
    char roles[256];
    enum folio_rc rc = btg_gate(req, action, patient_id, err);

    if (rc)
        return rc;
    if (c && c->srv && !c->srv->o.audit)
        return FOLIO_OK;
    memset(&ev, 0, sizeof(ev));
    ev.action = action;
    ev.outcome = "success";
    if (req->session) {
        ev.username = req->session->username;
        if (folio_roles_format(req->session->roles, roles, sizeof(roles)))
            ev.roles = roles;
    }
    ev.patient_id = patient_id;
    ev.entity_type = entity_type;
    ev.entity_id = entity_id;
    ev.detail = detail;
    ev.client = req->client;
    return folio_audit_append(req->store, &ev, NULL, err);
}

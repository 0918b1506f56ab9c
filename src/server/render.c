/* JSON rendering for the API and the body-reading helpers of the handlers (see render.h). */
#include "folio/base.h"

#include "folio/time.h"
#include "server/render.h"

/* ---------------------------------------------------------------- building objects */

int folio_jset(json_t *o, const char *k, json_t *v)
{
    if (!v)
        return 1;
    return json_object_set_new(o, k, v) != 0;
}

int folio_jset_str(json_t *o, const char *k, const char *s)
{
    return folio_jset(o, k, s ? json_string(s) : json_null());
}

int folio_jset_int(json_t *o, const char *k, int64_t v)
{
    return folio_jset(o, k, json_integer((json_int_t)v));
}

int folio_jset_id(json_t *o, const char *k, int64_t v)
{
    return folio_jset(o, k, v ? json_integer((json_int_t)v) : json_null());
}

int folio_jset_bool(json_t *o, const char *k, bool v)
{
    return folio_jset(o, k, json_boolean(v));
}

static json_t *done(json_t *o, int bad)
{
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---------------------------------------------------------------- audit, users */

json_t *folio_render_audit_entry(const struct folio_audit_entry *e)
{
    json_t *o = json_object();
    int bad = !o;

    if (bad)
        return NULL;
    bad |= folio_jset_int(o, "seq", e->seq);
    bad |= folio_jset_str(o, "at", e->at);
    bad |= folio_jset_str(o, "action", e->action);
    bad |= folio_jset_str(o, "outcome", e->outcome);
    bad |= folio_jset_str(o, "username", e->username);
    bad |= folio_jset_str(o, "roles", e->roles);
    bad |= folio_jset_id(o, "patient_id", e->patient_id);
    bad |= folio_jset_str(o, "entity_type", e->entity_type);
    bad |= folio_jset_id(o, "entity_id", e->entity_id);
    bad |= folio_jset_str(o, "detail", e->detail);
    bad |= folio_jset_str(o, "client", e->client);
    bad |= folio_jset_str(o, "hash", e->hash);
    return done(o, bad);
}

json_t *folio_render_roles(uint32_t roles)
{
    json_t *arr = json_array();
    uint32_t bit;

    if (!arr)
        return NULL;
    for (bit = 1; bit & FOLIO_ROLE_ALL; bit <<= 1) {
        if (!(roles & bit))
            continue;
        if (json_array_append_new(arr, json_string(folio_role_name(bit))) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

json_t *folio_render_permissions(uint32_t roles)
{
    json_t *arr = json_array();

    if (!arr)
        return NULL;
    for (int p = FOLIO_PERM_SIGNED_IN; p < FOLIO_PERM__COUNT; p++) {
        if (!folio_roles_can(roles, (enum folio_perm)p))
            continue;
        if (json_array_append_new(arr, json_string(folio_perm_name((enum folio_perm)p))) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

json_t *folio_render_user(const struct folio_user *u)
{
    json_t *o = json_object();
    int bad = !o;

    if (bad)
        return NULL;
    bad |= folio_jset_int(o, "id", u->id);
    bad |= folio_jset_str(o, "username", u->username);
    bad |= folio_jset_str(o, "display_name", u->display_name);
    bad |= folio_jset(o, "roles", folio_render_roles(u->roles));
    bad |= folio_jset_bool(o, "disabled", u->disabled);
    bad |= folio_jset_int(o, "failed_count", u->failed_count);
    bad |= folio_jset_str(o, "locked_until", u->locked_until);
    bad |= folio_jset_str(o, "last_login_at", u->last_login_at);
    bad |= folio_jset_str(o, "created_at", u->created_at);
    bad |= folio_jset_str(o, "password_changed_at", u->password_changed_at);
    bad |= folio_jset_id(o, "provider_id", u->provider_id);
    return done(o, bad);
}

json_t *folio_render_page(json_t *items, int64_t total, int64_t limit, int64_t offset)
{
    json_t *o;
    int bad;

    if (!items)
        return NULL;
    o = json_object();
    if (!o) {
        json_decref(items);
        return NULL;
    }
    bad = folio_jset(o, "items", items);
    bad |= folio_jset_int(o, "total", total);
    bad |= folio_jset_int(o, "limit", limit);
    bad |= folio_jset_int(o, "offset", offset);
    return done(o, bad);
}

/* ---------------------------------------------------------------- handler helpers */

struct folio_chart folio_api_chart(const struct folio_req *req)
{
    struct folio_chart c;

    c.store = req->store;
    c.key = req->key;
    c.actor = req->session ? req->session->username : NULL;
    return c;
}

enum folio_rc folio_api_patient_exists(const struct folio_req *req, int64_t id,
                                       struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_patient p;
    struct folio_arena a;
    enum folio_rc rc;

    folio_arena_init(&a, 0);
    rc = folio_patient_get(&c, id, &a, &p, err);
    folio_arena_release(&a);
    return rc;
}

json_t *folio_api_error_body(enum folio_rc code, const char *field, const char *msg)
{
    struct folio_err e;

    folio_err_clear(&e);
    (void)folio_err_set(&e, code, folio_str_empty(field) ? NULL : field, "%s", msg);
    return folio_srv_error_body(&e);
}

enum folio_rc folio_api_deny(struct folio_req *req, struct folio_resp *resp, const char *field,
                             const char *msg, struct folio_err *err)
{
    return folio_api_deny_as(req, resp, 403, FOLIO_EPERM, field, msg, err);
}

enum folio_rc folio_api_deny_as(struct folio_req *req, struct folio_resp *resp, int status,
                                enum folio_rc code, const char *field, const char *msg,
                                struct folio_err *err)
{
    struct folio_audit_event ev;
    char detail[256], roles[256];
    enum folio_rc rc;

    /* folio_srv_audit records outcome "success"; a refusal is "denied". */
    memset(&ev, 0, sizeof(ev));
    ev.action = "access.denied";
    ev.outcome = "denied";
    if (req->session) {
        ev.username = req->session->username;
        if (folio_roles_format(req->session->roles, roles, sizeof(roles)))
            ev.roles = roles;
    }
    (void)folio_snprintf(detail, sizeof(detail), "%s %s: %s", req->method, req->path,
                         field ? field : "-");
    ev.detail = detail;
    ev.client = req->client;
    rc = folio_audit_append(req->store, &ev, NULL, err);
    if (rc)
        return rc;
    return folio_api_reply(resp, status, folio_api_error_body(code, field, msg), err);
}

enum folio_rc folio_render_nomem(struct folio_err *err)
{
    return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory while building the response");
}

enum folio_rc folio_api_reply(struct folio_resp *resp, int status, json_t *body,
                              struct folio_err *err)
{
    if (!body)
        return folio_render_nomem(err);
    resp->status = status;
    resp->json = body;
    return FOLIO_OK;
}

static void dotted(char *out, size_t cap, const char *path, const char *key)
{
    if (folio_str_empty(path))
        (void)folio_strlcpy(out, key, cap);
    else
        (void)folio_snprintf(out, cap, "%s.%s", path, key);
}

static const json_t *member(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);

    return (v && !json_is_null(v)) ? v : NULL;
}

enum folio_rc folio_api_str(const json_t *obj, const char *path, const char *key,
                            const char **out, struct folio_err *err)
{
    const json_t *v = member(obj, key);
    char f[64];

    *out = NULL;
    if (!v)
        return FOLIO_OK;
    if (!json_is_string(v)) {
        dotted(f, sizeof(f), path, key);
        return folio_err_set(err, FOLIO_EINVAL, f, "%s must be a string", f);
    }
    *out = json_string_value(v);
    return FOLIO_OK;
}

enum folio_rc folio_api_req_str(const json_t *obj, const char *path, const char *key,
                                const char **out, struct folio_err *err)
{
    enum folio_rc rc = folio_api_str(obj, path, key, out, err);
    char f[64];

    if (rc)
        return rc;
    if (folio_str_empty(*out)) {
        dotted(f, sizeof(f), path, key);
        return folio_err_set(err, FOLIO_EINVAL, f, "%s is required", f);
    }
    return FOLIO_OK;
}

enum folio_rc folio_api_i64(const json_t *obj, const char *path, const char *key, int64_t min,
                            int64_t max, int64_t *out, bool *present, struct folio_err *err)
{
    const json_t *v = member(obj, key);
    char f[64];
    json_int_t n;

    if (present)
        *present = false;
    if (!v)
        return FOLIO_OK;
    dotted(f, sizeof(f), path, key);
    if (!json_is_integer(v))
        return folio_err_set(err, FOLIO_EINVAL, f, "%s must be an integer", f);
    n = json_integer_value(v);
    if (n < min || n > max)
        return folio_err_set(err, FOLIO_EINVAL, f, "%s: %lld is out of range (%lld..%lld)", f,
                             (long long)n, (long long)min, (long long)max);
    *out = (int64_t)n;
    if (present)
        *present = true;
    return FOLIO_OK;
}

enum folio_rc folio_api_bool(const json_t *obj, const char *path, const char *key, bool *out,
                             bool *present, struct folio_err *err)
{
    const json_t *v = member(obj, key);
    char f[64];

    if (present)
        *present = false;
    if (!v)
        return FOLIO_OK;
    if (!json_is_boolean(v)) {
        dotted(f, sizeof(f), path, key);
        return folio_err_set(err, FOLIO_EINVAL, f, "%s must be true or false", f);
    }
    *out = json_is_true(v);
    if (present)
        *present = true;
    return FOLIO_OK;
}

enum folio_rc folio_api_only(const json_t *obj, const char *path, const char *const *allowed,
                             struct folio_err *err)
{
    const char *k;
    json_t *v;
    char f[64];
    size_t i;

    if (!json_is_object(obj)) {
        (void)folio_strlcpy(f, folio_str_empty(path) ? "body" : path, sizeof(f));
        return folio_err_set(err, FOLIO_EINVAL, f, "%s must be a JSON object", f);
    }
    /* jansson's iteration macro takes a non-const object; it only reads. */
    json_object_foreach((json_t *)(uintptr_t)obj, k, v) {
        bool ok = false;

        for (i = 0; allowed[i]; i++)
            ok |= strcmp(allowed[i], k) == 0;
        if (!ok) {
            dotted(f, sizeof(f), path, k);
            return folio_err_set(err, FOLIO_EINVAL, f, "unknown field \"%s\"", f);
        }
    }
    return FOLIO_OK;
}

enum folio_rc folio_api_obj(const json_t *obj, const char *path, const char *key,
                            const char *const *allowed, const json_t **out,
                            struct folio_err *err)
{
    const json_t *v = member(obj, key);
    char f[64];

    *out = NULL;
    if (!v)
        return FOLIO_OK;
    dotted(f, sizeof(f), path, key);
    if (!json_is_object(v))
        return folio_err_set(err, FOLIO_EINVAL, f, "%s must be a JSON object", f);
    if (allowed) {
        enum folio_rc rc = folio_api_only(v, f, allowed, err);

        if (rc)
            return rc;
    }
    *out = v;
    return FOLIO_OK;
}

enum folio_rc folio_api_arr(const json_t *obj, const char *path, const char *key, size_t max,
                            const json_t **out, struct folio_err *err)
{
    const json_t *v = member(obj, key);
    char f[64];

    *out = NULL;
    if (!v)
        return FOLIO_OK;
    dotted(f, sizeof(f), path, key);
    if (!json_is_array(v))
        return folio_err_set(err, FOLIO_EINVAL, f, "%s must be an array", f);
    if (json_array_size(v) > max)
        return folio_err_set(err, FOLIO_EINVAL, f, "%s has %zu entries, at most %zu", f,
                             json_array_size(v), max);
    *out = v;
    return FOLIO_OK;
}

enum folio_rc folio_api_query_time(const struct folio_req *req, const char *name,
                                   const char **out, struct folio_err *err)
{
    const char *v = folio_req_query(req, name);
    char buf[48];
    enum folio_rc rc;

    *out = NULL;
    if (!v)
        return FOLIO_OK;
    rc = folio_time_normalize(v, buf, sizeof(buf), name, err);
    if (rc)
        return rc;
    *out = folio_arena_strdup(req->arena, buf);
    return *out ? FOLIO_OK : folio_render_nomem(err);
}

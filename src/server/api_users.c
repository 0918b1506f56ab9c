/* Users and roles (administrators). Every call is audited user.admin; passwords never are. */
#include "folio/base.h"

#include "folio/btg.h"
#include "folio/privacy.h"
#include "server/render.h"
#include "server/server.h"

/* "roles": ["coder", ...] -> bit set; errors name "roles[i]". */
static enum folio_rc read_roles(const json_t *body, uint32_t *roles, bool *present,
                                struct folio_err *err)
{
    const json_t *arr = NULL;
    enum folio_rc rc;
    size_t i;

    *roles = 0;
    *present = false;
    rc = folio_api_arr(body, NULL, "roles", 16, &arr, err);
    if (rc || !arr)
        return rc;
    for (i = 0; i < json_array_size(arr); i++) {
        const json_t *v = json_array_get(arr, i);
        char field[32];
        uint32_t one = 0;

        (void)folio_snprintf(field, sizeof(field), "roles[%zu]", i);
        if (!json_is_string(v))
            return folio_err_set(err, FOLIO_EINVAL, field, "%s must be a role name", field);
        if (strchr(json_string_value(v), ',') ||
            folio_roles_parse(json_string_value(v), &one, err) != FOLIO_OK) {
            return folio_err_set(err, FOLIO_EINVAL, field, "%s: '%s' is not a role", field,
                                 json_string_value(v));
        }
        *roles |= one;
    }
    if (!*roles)
        return folio_err_set(err, FOLIO_EINVAL, "roles", "roles must name at least one role");
    *present = true;
    return FOLIO_OK;
}

/* "provider_id": a provider id links the user to the provider they are (their inbox), null
 * unlinks. *present false when the member is absent. */
static enum folio_rc read_provider(const json_t *body, int64_t *provider_id, bool *present,
                                   struct folio_err *err)
{
    const json_t *v = json_object_get(body, "provider_id");

    *provider_id = 0;
    *present = v != NULL;
    if (!v || json_is_null(v))
        return FOLIO_OK;
    return folio_api_i64(body, NULL, "provider_id", 1, INT64_MAX, provider_id, NULL, err);
}

/* folio_render_user plus the workforce data the snooping alerts compare (btg.h): shown to
 * user administrators only, so it is added here rather than in every rendering of a user. */
static json_t *user_json(const struct folio_user *u)
{
    json_t *o = folio_render_user(u);

    if (o && (folio_jset_str(o, "family_name", u->family_name) ||
              folio_jset_str(o, "home_postal_code", u->home_postal_code) ||
              folio_jset_str(o, "home_street", u->home_street))) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

/* "family_name", "home_postal_code", "home_street": strings, null or "" clears; *present when
 * any of them is in the body. */
static enum folio_rc read_home(const json_t *body, const char *v[3], bool *present,
                               struct folio_err *err)
{
    static const char *const keys[3] = {"family_name", "home_postal_code", "home_street"};
    enum folio_rc rc = FOLIO_OK;

    *present = false;
    for (int i = 0; rc == FOLIO_OK && i < 3; i++) {
        v[i] = NULL;
        if (json_object_get(body, keys[i]))
            *present = true;
        rc = folio_api_str(body, NULL, keys[i], &v[i], err);
    }
    return rc;
}

static enum folio_rc reply_user(struct folio_req *req, struct folio_resp *resp, int status,
                                const char *username, struct folio_err *err)
{
    struct folio_user u;
    enum folio_rc rc = folio_user_get(req->store, username, req->arena, &u, err);

    if (rc)
        return rc;
    return folio_api_reply(resp, status, user_json(&u), err);
}

static enum folio_rc list(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    struct folio_user *users = NULL;
    json_t *items;
    size_t n = 0, i;
    enum folio_rc rc;

    rc = folio_user_list(req->store, req->arena, &users, &n, err);
    rc = rc ? rc : folio_srv_audit(req, "user.admin", 0, "user", 0, "list users", err);
    if (rc)
        return rc;
    items = json_array();
    for (i = 0; items && i < n; i++) {
        if (json_array_append_new(items, user_json(&users[i]))) {
            json_decref(items);
            items = NULL;
        }
    }
    return folio_api_reply(resp, 200, folio_render_page(items, (int64_t)n, (int64_t)n, 0), err);
}

static enum folio_rc create(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    static const char *const allowed[] = {"username", "display_name", "roles", "password",
                                          "provider_id", "family_name", "home_postal_code",
                                          "home_street", NULL};
    const char *home[3] = {NULL, NULL, NULL};
    bool has_home = false;
    const char *username = NULL, *display = NULL, *password = NULL, *actor;
    struct folio_user u;
    json_t *body = NULL;
    uint32_t roles = 0;
    bool present = false, has_provider = false;
    int64_t id = 0, provider = 0;
    char rl[256];
    enum folio_rc rc;

    actor = req->session ? req->session->username : NULL;
    rc = folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc : folio_api_req_str(body, NULL, "username", &username, err);
    rc = rc ? rc : folio_api_str(body, NULL, "display_name", &display, err);
    rc = rc ? rc : folio_api_req_str(body, NULL, "password", &password, err);
    rc = rc ? rc : read_roles(body, &roles, &present, err);
    rc = rc ? rc : read_provider(body, &provider, &has_provider, err);
    rc = rc ? rc : read_home(body, home, &has_home, err);
    if (rc)
        goto out;
    if (!present) {
        rc = folio_err_set(err, FOLIO_EINVAL, "roles", "roles is required");
        goto out;
    }
    rc = folio_user_add(req->store, actor, username, display, roles, password, &id, err);
    if (!rc && provider)
        rc = folio_user_set_provider(req->store, actor, username, provider, err);
    if (!rc && has_home)
        rc = folio_btg_user_set_home(req->store, actor, username, home[0], home[1], home[2], err);
    rc = rc ? rc : folio_user_get(req->store, username, req->arena, &u, err);
    if (rc)
        goto out;
    (void)folio_roles_format(roles, rl, sizeof(rl));
    rc = folio_srv_audit(req, "user.admin", 0, "user", id,
                         provider ? folio_arena_printf(req->arena, "create %s roles=%s provider_id=%lld",
                                                       u.username, rl, (long long)provider)
                                  : folio_arena_printf(req->arena, "create %s roles=%s", u.username,
                                                       rl),
                         err);
    if (rc)
        goto out;
    (void)folio_snprintf(resp->location, sizeof(resp->location), "/api/v1/users/%s", u.username);
    rc = folio_api_reply(resp, 201, user_json(&u), err);
out:
    json_decref(body);
    return rc;
}

static enum folio_rc update(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    static const char *const allowed[] = {"disabled", "roles", "provider_id", "family_name",
                                          "home_postal_code", "home_street", NULL};
    const char *home[3] = {NULL, NULL, NULL};
    bool has_home = false;
    const char *username = req->words[0], *actor = req->session ? req->session->username : NULL;
    struct folio_user u;
    json_t *body = NULL;
    uint32_t roles = 0;
    bool has_roles = false, has_disabled = false, disabled = false, has_provider = false;
    int64_t provider = 0;
    char rl[256], pv[40];
    enum folio_rc rc;

    rc = folio_user_get(req->store, username, req->arena, &u, err);
    rc = rc ? rc : folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc : folio_api_bool(body, NULL, "disabled", &disabled, &has_disabled, err);
    rc = rc ? rc : read_roles(body, &roles, &has_roles, err);
    rc = rc ? rc : read_provider(body, &provider, &has_provider, err);
    rc = rc ? rc : read_home(body, home, &has_home, err);
    if (rc)
        goto out;
    if (has_disabled && disabled && actor && strcmp(actor, u.username) == 0) {
        rc = folio_err_set(err, FOLIO_ESTATE, "disabled", "you cannot disable your own account");
        goto out;
    }
    if (has_disabled) {
        rc = folio_user_set_disabled(req->store, actor, u.username, disabled, err);
        if (rc)
            goto out;
    }
    if (has_roles) {
        rc = folio_user_set_roles(req->store, actor, u.username, roles, err);
        if (rc)
            goto out;
    }
    if (has_provider) {
        rc = folio_user_set_provider(req->store, actor, u.username, provider, err);
        if (rc)
            goto out;
    }
    if (has_home) { /* a field left out keeps its value */
        rc = folio_btg_user_set_home(
            req->store, actor, u.username,
            json_object_get(body, "family_name") ? home[0] : u.family_name,
            json_object_get(body, "home_postal_code") ? home[1] : u.home_postal_code,
            json_object_get(body, "home_street") ? home[2] : u.home_street, err);
        if (rc)
            goto out;
    }
    pv[0] = '\0';
    if (has_provider)
        (void)folio_snprintf(pv, sizeof pv, " provider_id=%lld", (long long)provider);
    rl[0] = '\0';
    if (has_roles)
        (void)folio_roles_format(roles, rl, sizeof(rl));
    rc = folio_srv_audit(req, "user.admin", 0, "user", u.id,
                         folio_arena_printf(req->arena, "update %s%s%s%s%s%s%s", u.username,
                                            has_disabled ? " disabled=" : "",
                                            has_disabled ? (disabled ? "true" : "false") : "",
                                            has_roles ? " roles=" : "", rl, pv,
                                            has_home ? " home address/family name" : ""),
                         err);
    rc = rc ? rc : reply_user(req, resp, 200, u.username, err);
out:
    json_decref(body);
    return rc;
}

static enum folio_rc set_password(struct folio_req *req, struct folio_resp *resp,
                                  struct folio_err *err)
{
    static const char *const allowed[] = {"password", NULL};
    const char *actor = req->session ? req->session->username : NULL, *password = NULL;
    struct folio_user u;
    json_t *body = NULL;
    enum folio_rc rc;

    rc = folio_user_get(req->store, req->words[0], req->arena, &u, err);
    rc = rc ? rc : folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc : folio_api_req_str(body, NULL, "password", &password, err);
    rc = rc ? rc : folio_user_reset_password(req->store, actor, u.username, password, err);
    rc = rc ? rc
            : folio_srv_audit(req, "user.admin", 0, "user", u.id,
                              folio_arena_printf(req->arena, "reset password of %s", u.username),
                              err);
    json_decref(body);
    if (rc)
        return rc;
    resp->status = 204;
    return FOLIO_OK;
}

const struct folio_route folio_api_user_routes[] = {
    {"GET", "/api/v1/users", FOLIO_PERM_USER_ADMIN, list, "List users"},
    {"POST", "/api/v1/users", FOLIO_PERM_USER_ADMIN, create, "Create a user"},
    {"PATCH", "/api/v1/users/{username}", FOLIO_PERM_USER_ADMIN, update,
     "Disable or enable a user, change their roles, provider link, family name or home address"},
    {"POST", "/api/v1/users/{username}/password", FOLIO_PERM_USER_ADMIN, set_password,
     "Set a user's password (ends their sessions)"},
    {NULL, NULL, FOLIO_PERM_NONE, NULL, NULL},
};

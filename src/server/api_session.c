/* /api/v1/session: sign in (cookie + CSRF token, or bearer token), who am I, sign out.
 * Every sign-in, failure and sign-out is audited in the request's transaction. A refused sign-in
 * answers 401 itself and returns FOLIO_OK so that the failure count (lockout) and the
 * auth.login_failed entry commit. */
#include "folio/base.h"

#include <sodium.h>

#include "folio/audit.h"
#include "folio/privacy.h"
#include "server/render.h"
#include "server/server.h"


/* The provider the signed-in user is linked to (0 when none). */
static enum folio_rc user_provider(struct folio_req *req, const char *username, int64_t *out,
                                   struct folio_err *err)
{
    struct folio_user u;
    enum folio_rc rc = folio_user_get(req->store, username, req->arena, &u, err);

    *out = rc == FOLIO_OK ? u.provider_id : 0;
    return rc;
}

/* provider_id: the provider the user is (the inbox), 0 when none. */
static json_t *session_body(const struct folio_session *s, const char *token, int64_t provider_id)
{
    json_t *o = json_object(), *u = json_object();
    int bad = !o || !u;

    if (bad) {
        json_decref(o);
        json_decref(u);
        return NULL;
    }
    bad |= folio_jset_str(u, "username", s->username);
    bad |= folio_jset_str(u, "display_name", s->display_name);
    bad |= folio_jset(u, "roles", folio_render_roles(s->roles));
    bad |= folio_jset(u, "permissions", folio_render_permissions(s->roles));
    bad |= folio_jset_id(u, "provider_id", provider_id);
    bad |= folio_jset(o, "user", u);
    bad |= folio_jset_str(o, "mode", s->cookie ? "cookie" : "bearer");
    if (s->cookie)
        bad |= folio_jset_str(o, "csrf_token", s->csrf);
    if (token)
        bad |= folio_jset_str(o, "token", token);
    bad |= folio_jset_str(o, "expires_at", s->expires_at);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static enum folio_rc audit_login(struct folio_req *req, const char *action, const char *outcome,
                                 const char *username, uint32_t roles, const char *detail,
                                 struct folio_err *err)
{
    struct folio_audit_event ev;
    char rl[256];

    memset(&ev, 0, sizeof(ev));
    ev.action = action;
    ev.outcome = outcome;
    ev.username = username;
    if (roles && folio_roles_format(roles, rl, sizeof(rl)))
        ev.roles = rl;
    ev.entity_type = "user";
    ev.detail = detail;
    return folio_srv_audit_event(req, &ev, err);
}

static enum folio_rc login(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    static const char *const allowed[] = {"username", "password", "mode", NULL};
    struct folio_session s;
    struct folio_err lerr;
    char token[FOLIO_TOKEN_HEX_LEN + 1];
    const char *username = NULL, *password = NULL, *mode = NULL, *reason = NULL;
    json_t *body = NULL;
    bool cookie = true;
    enum folio_rc rc;
    int64_t provider_id = 0;

    memset(&s, 0, sizeof(s));
    token[0] = '\0';
    rc = folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc : folio_api_req_str(body, NULL, "username", &username, err);
    rc = rc ? rc : folio_api_req_str(body, NULL, "password", &password, err);
    rc = rc ? rc : folio_api_str(body, NULL, "mode", &mode, err);
    if (rc)
        goto out;
    if (mode && strcmp(mode, "cookie") != 0 && strcmp(mode, "bearer") != 0) {
        rc = folio_err_set(err, FOLIO_EINVAL, "mode", "mode must be cookie or bearer, not '%s'",
                           mode);
        goto out;
    }
    cookie = !mode || strcmp(mode, "cookie") == 0;
    folio_err_clear(&lerr);
    rc = folio_auth_login_from(req->store, folio_req_auth_policy(req), username, password, cookie,
                               req->client, token, &s, &reason, &lerr);
    if (rc == FOLIO_EPERM) {
        char detail[96];

        (void)folio_snprintf(detail, sizeof(detail), "reason=%s", reason ? reason : "unknown");
        rc = audit_login(req, "auth.login_failed", "failure", username, 0, detail, err);
        if (rc)
            goto out;
        rc = folio_api_reply(resp, 401, folio_api_error_body(FOLIO_EPERM, NULL, lerr.msg), err);
        goto out;
    }
    if (rc) {
        *err = lerr;
        goto out;
    }
    rc = audit_login(req, "auth.login", "success", s.username, s.roles,
                     cookie ? "mode=cookie" : "mode=bearer", err);
    if (rc)
        goto out;
    rc = user_provider(req, s.username, &provider_id, err);
    if (rc)
        goto out;
    if (cookie)
        folio_resp_set_cookie(resp, token);
    rc = folio_api_reply(resp, 200, session_body(&s, cookie ? NULL : token, provider_id), err);
out:
    sodium_memzero(token, sizeof(token));
    json_decref(body);
    return rc;
}

static enum folio_rc whoami(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    int64_t provider_id = 0;
    enum folio_rc rc;

    if (!req->session)
        return folio_err_set(err, FOLIO_EPERM, NULL, "not signed in");
    rc = user_provider(req, req->session->username, &provider_id, err);
    if (rc)
        return rc;
    return folio_api_reply(resp, 200, session_body(req->session, NULL, provider_id), err);
}

static enum folio_rc logout(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    const char *token = folio_req_token(req);
    enum folio_rc rc;

    if (!req->session)
        return folio_err_set(err, FOLIO_EPERM, NULL, "not signed in");
    if (!token)
        return folio_err_set(err, FOLIO_EINTERNAL, NULL, "the session token is not readable");
    rc = folio_auth_logout(req->store, token, err);
    rc = rc ? rc : folio_srv_audit(req, "auth.logout", 0, "user", req->session->user_id, NULL, err);
    if (rc)
        return rc;
    if (req->session->cookie)
        folio_resp_set_cookie(resp, NULL);
    resp->status = 204;
    return FOLIO_OK;
}

const struct folio_route folio_api_session_routes[] = {
    {"POST", "/api/v1/session", FOLIO_PERM_NONE, login,
     "Sign in (cookie + CSRF token, or bearer token)"},
    {"GET", "/api/v1/session", FOLIO_PERM_SIGNED_IN, whoami, "The signed-in user and CSRF token"},
    {"DELETE", "/api/v1/session", FOLIO_PERM_SIGNED_IN, logout, "Sign out"},
    {NULL, NULL, FOLIO_PERM_NONE, NULL, NULL},
};

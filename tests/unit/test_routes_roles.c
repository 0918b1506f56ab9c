/* Every API route from folio_api_route() against every role: without a session each non-public
 * route answers 401; with a role the policy does not grant the route's permission, 403; with a
 * role it grants, anything but 401/403. Prints the route x role table. Also: CSRF for cookie
 * sessions, and the refusals are in the audit trail. */
#include "folio/base.h"

#include <setjmp.h>
#include <cmocka.h>

#include "folio/audit.h"
#include "http_client.h"
#include "server/server.h"
#include "testdb.h"

static struct http_fixture F;

static int setup(void **state)
{
    (void)state;
    http_fixture_start(&F, true);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    http_fixture_stop(&F);
    return 0;
}

static bool ends_session(const struct folio_route *r)
{
    return strcmp(r->method, "DELETE") == 0 && strcmp(r->pattern, "/api/v1/session") == 0;
}

static int call(const struct folio_route *r, const char *token)
{
    char path[512];
    struct http_resp resp;
    bool body = strcmp(r->method, "POST") == 0 || strcmp(r->method, "PATCH") == 0 ||
                strcmp(r->method, "PUT") == 0;
    int status;

    http_fixture_path(&F, r->pattern, path, sizeof(path));
    if (http_simple(F.port, r->method, path, token, body ? "{}" : NULL, &resp) != 0)
        fail_msg("%s %s: no response", r->method, path);
    status = resp.status;
    if (status >= 500)
        fail_msg("%s %s: %d %s", r->method, path, status, resp.body);
    http_resp_free(&resp);
    return status;
}

static void test_every_route_every_role(void **state)
{
    size_t n = folio_api_route_count(), i, bad = 0;
    int u;
    int(*status)[HTTP_FIX_USERS + 1];

    (void)state;
    assert_true(n > 0);
    status = calloc(n, sizeof(*status));
    assert_non_null(status);
    /* No session. */
    for (i = 0; i < n; i++)
        status[i][0] = call(folio_api_route(i), NULL);
    /* Each user; the sign-out route last, since it ends the session. */
    for (u = 0; u < HTTP_FIX_USERS; u++) {
        for (i = 0; i < n; i++) {
            if (!ends_session(folio_api_route(i)))
                status[i][u + 1] = call(folio_api_route(i), F.tokens[u]);
        }
        for (i = 0; i < n; i++) {
            if (ends_session(folio_api_route(i)))
                status[i][u + 1] = call(folio_api_route(i), F.tokens[u]);
        }
    }

    print_message("%-7s %-48s %-16s %4s", "method", "pattern", "permission", "none");
    for (u = 0; u < HTTP_FIX_USERS; u++)
        print_message(" %4.4s", F.usernames[u] + 2);
    print_message("\n");
    for (i = 0; i < n; i++) {
        const struct folio_route *r = folio_api_route(i);
        bool none_ok;

        print_message("%-7s %-48s %-16s %4d", r->method, r->pattern, folio_perm_name(r->perm),
                      status[i][0]);
        none_ok = r->perm != FOLIO_PERM_NONE ? status[i][0] == 401
                                             : status[i][0] != 401 && status[i][0] != 403;
        print_message("%c", none_ok ? ' ' : '!');
        if (!none_ok)
            bad++;
        for (u = 0; u < HTTP_FIX_USERS; u++) {
            int s = status[i][u + 1];
            bool granted = folio_roles_can(F.roles[u], r->perm);
            bool ok = granted ? (s != 401 && s != 403) : s == 403;
            print_message(" %3d%c", s, ok ? ' ' : '!');
            if (!ok)
                bad++;
        }
        print_message("\n");
    }
    print_message("%zu routes x %d users: %zu unexpected (marked !)\n", n, HTTP_FIX_USERS + 1,
                  bad);
    free(status);
    assert_int_equal(bad, 0);
}

static void test_csrf_for_cookie_sessions(void **state)
{
    struct folio_auth_policy pol;
    struct folio_session sess;
    struct folio_err err;
    char token[FOLIO_TOKEN_HEX_LEN + 1], hdr[400], path[256];
    const char *reason = NULL;
    struct http_req q;
    struct http_resp r;

    (void)state;
    memset(&err, 0, sizeof(err));
    folio_auth_policy_defaults(&pol);
    if (folio_auth_login(F.db, &pol, "u_all", "fixture-password-1", true, token, &sess, &reason,
                         &err) != FOLIO_OK)
        fail_msg("login: %s", err.msg);
    assert_true(sess.cookie);
    assert_true(strlen(sess.csrf) > 0);
    (void)folio_snprintf(path, sizeof(path), "/api/v1/patients/%lld/observations",
                         (long long)F.patient_id);
    memset(&q, 0, sizeof(q));
    q.method = "POST";
    q.path = path;
    q.body = "{}";
    q.body_len = 2;
    q.content_length = -1;

    /* No X-CSRF-Token: refused. */
    (void)folio_snprintf(hdr, sizeof(hdr),
                         "Cookie: folio_session=%s\r\nContent-Type: application/json\r\n", token);
    q.headers = hdr;
    assert_int_equal(http_do(NULL, F.port, &q, &r), 0);
    assert_int_equal(r.status, 403);
    assert_non_null(strstr(r.body, "X-CSRF-Token"));
    http_resp_free(&r);

    /* Wrong token: refused. */
    (void)folio_snprintf(hdr, sizeof(hdr),
                         "Cookie: folio_session=%s\r\nX-CSRF-Token: nope\r\n"
                         "Content-Type: application/json\r\n",
                         token);
    assert_int_equal(http_do(NULL, F.port, &q, &r), 0);
    assert_int_equal(r.status, 403);
    http_resp_free(&r);

    /* Right token: past the CSRF check (the empty body is then a 400). */
    (void)folio_snprintf(hdr, sizeof(hdr),
                         "Cookie: folio_session=%s\r\nX-CSRF-Token: %s\r\n"
                         "Content-Type: application/json\r\n",
                         token, sess.csrf);
    assert_int_equal(http_do(NULL, F.port, &q, &r), 0);
    assert_int_not_equal(r.status, 403);
    assert_int_not_equal(r.status, 401);
    http_resp_free(&r);

    /* GET with the cookie needs no CSRF token. */
    (void)folio_snprintf(hdr, sizeof(hdr), "Cookie: folio_session=%s\r\n", token);
    (void)folio_snprintf(path, sizeof(path), "/api/v1/patients/%lld", (long long)F.patient_id);
    q.method = "GET";
    q.body = NULL;
    q.body_len = 0;
    assert_int_equal(http_do(NULL, F.port, &q, &r), 0);
    assert_int_equal(r.status, 200);
    http_resp_free(&r);
}

static void test_refusals_audited(void **state)
{
    struct folio_audit_query aq;
    struct folio_audit_page page;
    struct folio_arena a;
    struct folio_err err;
    struct http_resp r;
    char path[128];

    (void)state;
    memset(&err, 0, sizeof(err));
    (void)folio_snprintf(path, sizeof(path), "/api/v1/patients/%lld", (long long)F.patient_id);
    assert_int_equal(http_simple(F.port, "GET", path, NULL, NULL, &r), 0);
    assert_int_equal(r.status, 401);
    http_resp_free(&r);
    folio_arena_init(&a, 0);
    memset(&aq, 0, sizeof(aq));
    aq.action = "auth.denied";
    if (folio_audit_search(F.db, &aq, &a, &page, &err) != FOLIO_OK)
        fail_msg("audit search: %s", err.msg);
    assert_true(page.total >= 1);
    assert_int_equal(page.items[0].patient_id, F.patient_id);
    assert_string_equal(page.items[0].outcome, "denied");
    assert_non_null(page.items[0].client);
    folio_arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_route_every_role),
        cmocka_unit_test(test_csrf_for_cookie_sessions),
        cmocka_unit_test(test_refusals_audited),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

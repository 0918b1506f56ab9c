/* Bad input on every route that takes a body (POST/PATCH/PUT from folio_api_route()): malformed
 * JSON, an array instead of an object, an unknown field, a wrong type for a known field, a bad
 * date, a 20 MB body. Each must get a 4xx with a message (never a 5xx, never a hang); the known
 * fields come from the route's request schema in the embedded OpenAPI document, and where the
 * case is about one field the error's "field" must name it. Prints a table. */
#include "folio/base.h"

#include <setjmp.h>
#include <cmocka.h>

#include "folio/json.h"
#include "http_client.h"
#include "server/server.h"
#include "testdb.h"

extern const char folio_openapi_json[];
extern const size_t folio_openapi_json_len;

#define ALL 10 /* fixture user with every role */

static struct http_fixture F;
static json_t *openapi;

static int setup(void **state)
{
    json_error_t je;

    (void)state;
    openapi = json_loadb(folio_openapi_json, folio_openapi_json_len, 0, &je);
    if (!openapi)
        return -1;
    http_fixture_start(&F, true);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    http_fixture_stop(&F);
    json_decref(openapi);
    return 0;
}

/* The request body schema of method+pattern (borrowed), or NULL. */
static json_t *body_schema(const char *method, const char *pattern)
{
    char m[8];
    size_t i;
    json_t *op, *ref, *schema;
    const char *r;

    for (i = 0; method[i] && i < sizeof(m) - 1; i++)
        m[i] = (char)(method[i] - 'A' + 'a');
    m[i] = '\0';
    op = json_object_get(json_object_get(json_object_get(openapi, "paths"), pattern), m);
    schema = json_object_get(
        json_object_get(json_object_get(json_object_get(op, "requestBody"), "content"),
                        "application/json"),
        "schema");
    ref = json_object_get(schema, "$ref");
    r = json_string_value(ref);
    if (r && strncmp(r, "#/components/schemas/", 21) == 0)
        schema = json_object_get(json_object_get(json_object_get(openapi, "components"),
                                                 "schemas"),
                                 r + 21);
    return schema;
}

/* First property of the given type (and format, when fmt is not NULL). */
static const char *find_prop(json_t *props, const char *type, const char *fmt)
{
    const char *k;
    json_t *v;

    json_object_foreach(props, k, v) {
        const char *t = json_string_value(json_object_get(v, "type"));
        const char *f = json_string_value(json_object_get(v, "format"));
        if (t && strcmp(t, type) == 0 && (!fmt || (f && strcmp(f, fmt) == 0)))
            return k;
    }
    return NULL;
}

/* A string property that holds a date or time: format date/date-time, or named *_date / *_at. */
static const char *find_date_prop(json_t *props)
{
    const char *k;
    json_t *v;

    json_object_foreach(props, k, v) {
        const char *t = json_string_value(json_object_get(v, "type"));
        const char *f = json_string_value(json_object_get(v, "format"));
        size_t kl = strlen(k);
        if (!t || strcmp(t, "string") != 0)
            continue;
        if ((f && (strcmp(f, "date") == 0 || strcmp(f, "date-time") == 0)) ||
            (kl > 5 && strcmp(k + kl - 5, "_date") == 0) ||
            (kl > 3 && strcmp(k + kl - 3, "_at") == 0))
            return k;
    }
    return NULL;
}

struct outcome {
    int status;
    char field[80];
    bool has_message;
};

static void send_body(const struct folio_route *r, const char *body, size_t len,
                      struct outcome *o)
{
    char path[512], hdr[400], etag[64] = "\"v1\"";
    struct http_req q;
    struct http_resp resp;
    json_error_t je;
    json_t *j, *e;

    memset(o, 0, sizeof(*o));
    http_fixture_path(&F, r->pattern, path, sizeof(path));
    /* A change to a versioned resource needs If-Match: use the current ETag of the resource
     * (the path itself, or its parent for actions like .../discharge). */
    {
        char gp[512];
        int tries;

        (void)folio_strlcpy(gp, path, sizeof(gp));
        for (tries = 0; tries < 2; tries++) {
            char v[64];
            char *slash;
            bool got = false;

            if (http_simple(F.port, "GET", gp, F.tokens[ALL], NULL, &resp) == 0) {
                if (resp.status == 200 && http_header(&resp, "ETag", v, sizeof(v))) {
                    (void)folio_strlcpy(etag, v, sizeof(etag));
                    got = true;
                }
                http_resp_free(&resp);
            }
            slash = strrchr(gp, '/');
            if (got || !slash)
                break;
            *slash = '\0';
        }
    }
    (void)folio_snprintf(hdr, sizeof(hdr),
                         "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                         "If-Match: %s\r\n",
                         F.tokens[ALL], etag);
    memset(&q, 0, sizeof(q));
    q.method = r->method;
    q.path = path;
    q.headers = hdr;
    q.body = body;
    q.body_len = len;
    q.content_length = -1;
    if (http_do(NULL, F.port, &q, &resp) != 0)
        fail_msg("%s %s: no response", r->method, path);
    o->status = resp.status;
    j = json_loadb(resp.body, resp.body_len, 0, &je);
    e = json_object_get(j, "error");
    if (e) {
        const char *m = json_string_value(json_object_get(e, "message"));
        const char *f = json_string_value(json_object_get(e, "field"));
        o->has_message = m && m[0];
        if (f)
            (void)folio_strlcpy(o->field, f, sizeof(o->field));
    }
    json_decref(j);
    http_resp_free(&resp);
}

/* The field names prop (equal, or a dotted path ending in it), or names a required member of
 * the schema that the case did not send (a handler may check those first). */
static bool names(const char *field, const char *prop, json_t *schema)
{
    size_t fl = strlen(field), pl = strlen(prop), i;
    json_t *req = json_object_get(schema, "required");

    if (strcmp(field, prop) == 0)
        return true;
    if (fl > pl && strcmp(field + fl - pl, prop) == 0 && field[fl - pl - 1] == '.')
        return true;
    for (i = 0; i < json_array_size(req); i++) {
        const char *rq = json_string_value(json_array_get(req, i));
        size_t rl = rq ? strlen(rq) : 0;
        if (rq && strcmp(rq, prop) != 0 && strncmp(field, rq, rl) == 0 &&
            (field[rl] == '\0' || field[rl] == '.' || field[rl] == '['))
            return true;
    }
    return false;
}

static void test_bad_bodies(void **state)
{
    size_t n = folio_api_route_count(), i, bad = 0, routes = 0;
    size_t big_len = (size_t)20 << 20;
    char *big = malloc(big_len);

    (void)state;
    assert_non_null(big);
    memset(big, '[', big_len);
    print_message("%-6s %-42s %-9s %-9s %-26s %-26s %-26s %s\n", "method", "pattern", "malformed",
                  "array", "unknown field", "wrong type", "bad date", "20MB");
    for (i = 0; i < n; i++) {
        const struct folio_route *r = folio_api_route(i);
        json_t *props, *schema;
        const char *str_prop, *date_prop;
        struct outcome o[6];
        bool want_field[6] = {false, false, true, true, true, false};
        const char *field_of[6] = {NULL, NULL, "zz_unknown_field", NULL, NULL, NULL};
        char body[256];
        int k;

        if (strcmp(r->method, "POST") != 0 && strcmp(r->method, "PATCH") != 0 &&
            strcmp(r->method, "PUT") != 0)
            continue;
        routes++;
        schema = body_schema(r->method, r->pattern);
        props = json_object_get(schema, "properties");
        str_prop = find_prop(props, "string", NULL);
        date_prop = find_date_prop(props);
        field_of[3] = str_prop;
        field_of[4] = date_prop;

        send_body(r, "{\"a\":", 5, &o[0]);
        send_body(r, "[1,2,3]", 7, &o[1]);
        send_body(r, "{\"zz_unknown_field\":1}", 22, &o[2]);
        memset(&o[3], 0, sizeof(o[3]));
        memset(&o[4], 0, sizeof(o[4]));
        if (str_prop) {
            (void)folio_snprintf(body, sizeof(body), "{\"%s\":12345}", str_prop);
            send_body(r, body, strlen(body), &o[3]);
        }
        if (date_prop) {
            (void)folio_snprintf(body, sizeof(body), "{\"%s\":\"2024-13-45\"}", date_prop);
            send_body(r, body, strlen(body), &o[4]);
        }
        send_body(r, big, big_len, &o[5]);

        print_message("%-6s %-42s", r->method, r->pattern);
        for (k = 0; k < 6; k++) {
            bool ok;
            char cell[64];

            if (k >= 3 && k <= 4 && !field_of[k]) {
                print_message(" %-26s", "-");
                continue;
            }
            ok = o[k].status >= 400 && o[k].status < 500 && o[k].has_message;
            if (k == 5)
                ok = ok && o[k].status == 413;
            if (ok && want_field[k] && field_of[k] && o[k].status == 400)
                ok = names(o[k].field, field_of[k], schema);
            if (!ok)
                bad++;
            if (k <= 1 || k == 5)
                (void)folio_snprintf(cell, sizeof(cell), "%d%s", o[k].status, ok ? "" : "!");
            else
                (void)folio_snprintf(cell, sizeof(cell), "%d %s%s", o[k].status,
                                     o[k].field[0] ? o[k].field : "null", ok ? "" : "!");
            print_message(" %-*s", k <= 1 ? 9 : 26, cell);
        }
        print_message("\n");
    }
    print_message("%zu routes with a body: %zu unexpected answers (marked !)\n", routes, bad);
    free(big);
    assert_true(routes > 0);
    assert_int_equal(bad, 0);
}

static void test_server_still_healthy(void **state)
{
    struct http_resp r;

    (void)state;
    assert_int_equal(http_simple(F.port, "GET", "/api/v1/health", NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    http_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_bodies),
        cmocka_unit_test(test_server_still_healthy),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

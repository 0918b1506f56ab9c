/* Unit tests: the embedded OpenAPI document describes exactly the API's routes: every route is a
 * path + method in the document, every operation in the document is a route (no stale entries),
 * and each operation's security matches the route's permission (public = security []). */
#include "folio/base.h"
#include "folio/json.h"
#include "folio/privacy.h"

#include <setjmp.h>

#include <cmocka.h>

#include "server/server.h"

extern const char folio_openapi_json[];
extern const size_t folio_openapi_json_len;

static const char *const methods[] = {"get", "post", "put", "patch", "delete", NULL};

static json_t *load(void)
{
    struct folio_err err;
    json_t *doc = NULL;

    folio_err_clear(&err);
    if (folio_json_parse(folio_openapi_json, folio_openapi_json_len, &doc, "openapi.json", &err))
        fail_msg("openapi.json does not parse: %s", err.msg);
    return doc;
}

static void lower(const char *in, char *out, size_t cap)
{
    size_t i;

    for (i = 0; in[i] && i + 1 < cap; i++)
        out[i] = (char)((in[i] >= 'A' && in[i] <= 'Z') ? in[i] + 32 : in[i]);
    out[i] = '\0';
}

static void test_header(void **state)
{
    json_t *doc = load(), *schemes, *err_schema;

    (void)state;
    assert_string_equal(json_string_value(json_object_get(doc, "openapi")), "3.0.3");
    assert_non_null(json_object_get(json_object_get(doc, "info"), "title"));
    schemes = json_object_get(json_object_get(doc, "components"), "securitySchemes");
    assert_non_null(json_object_get(schemes, "cookieAuth"));
    assert_string_equal(json_string_value(json_object_get(json_object_get(schemes, "bearerAuth"),
                                                          "scheme")),
                        "bearer");
    err_schema = json_object_get(json_object_get(json_object_get(doc, "components"), "schemas"),
                                 "Error");
    assert_non_null(err_schema);
    json_decref(doc);
}

/* Every route is documented with its method, summary and security. */
static void test_routes_documented(void **state)
{
    json_t *doc = load(), *paths = json_object_get(doc, "paths");
    size_t i, n = folio_api_route_count();

    (void)state;
    assert_true(n >= 30);
    for (i = 0; i < n; i++) {
        const struct folio_route *r = folio_api_route(i);
        char m[16];
        json_t *op, *sec, *perm;

        assert_non_null(r);
        assert_non_null(r->summary);
        lower(r->method, m, sizeof(m));
        op = json_object_get(json_object_get(paths, r->pattern), m);
        if (!op)
            fail_msg("route %s %s is not in openapi.json", r->method, r->pattern);
        assert_non_null(json_object_get(op, "summary"));
        assert_non_null(json_object_get(op, "responses"));
        sec = json_object_get(op, "security");
        if (!json_is_array(sec))
            fail_msg("%s %s: no security array", r->method, r->pattern);
        if (r->perm == FOLIO_PERM_NONE) {
            if (json_array_size(sec) != 0)
                fail_msg("%s %s is public: security must be []", r->method, r->pattern);
        } else {
            if (json_array_size(sec) != 2)
                fail_msg("%s %s needs a session: security must list cookie and bearer", r->method,
                         r->pattern);
            perm = json_object_get(op, "x-folio-permission");
            if (!json_is_string(perm) ||
                strcmp(json_string_value(perm), folio_perm_name(r->perm)) != 0)
                fail_msg("%s %s: x-folio-permission is %s, the route needs %s", r->method,
                         r->pattern, json_is_string(perm) ? json_string_value(perm) : "(none)",
                         folio_perm_name(r->perm));
        }
    }
    json_decref(doc);
}

/* Every documented operation is a route: no stale entries. Path parameters are declared. */
static void test_no_stale_entries(void **state)
{
    json_t *doc = load(), *paths = json_object_get(doc, "paths"), *item;
    const char *path;
    size_t ops = 0;

    (void)state;
    json_object_foreach(paths, path, item) {
        size_t k;

        for (k = 0; methods[k]; k++) {
            json_t *op = json_object_get(item, methods[k]);
            bool found = false;
            size_t i;

            if (!op)
                continue;
            ops++;
            for (i = 0; i < folio_api_route_count(); i++) {
                const struct folio_route *r = folio_api_route(i);
                char m[16];

                lower(r->method, m, sizeof(m));
                found |= strcmp(r->pattern, path) == 0 && strcmp(m, methods[k]) == 0;
            }
            if (!found)
                fail_msg("openapi.json documents %s %s, which is not a route", methods[k], path);
            /* each {param} in the path is declared as a path parameter */
            for (const char *p = strchr(path, '{'); p; p = strchr(p + 1, '{')) {
                const char *e = strchr(p, '}');
                json_t *params = json_object_get(op, "parameters"), *prm;
                bool declared = false;
                size_t j;

                assert_non_null(e);
                json_array_foreach(params, j, prm) {
                    const char *nm = json_string_value(json_object_get(prm, "name"));
                    const char *in = json_string_value(json_object_get(prm, "in"));

                    declared |= nm && in && strcmp(in, "path") == 0 &&
                                strlen(nm) == (size_t)(e - p - 1) &&
                                strncmp(nm, p + 1, strlen(nm)) == 0;
                }
                if (!declared)
                    fail_msg("%s %s: path parameter %.*s is not declared", methods[k], path,
                             (int)(e - p - 1), p + 1);
            }
        }
    }
    assert_int_equal(ops, folio_api_route_count());
    json_decref(doc);
}

/* Request bodies are closed (additionalProperties false), like the handlers' unknown-field check. */
static void test_request_bodies_closed(void **state)
{
    json_t *doc = load(), *paths = json_object_get(doc, "paths"), *item;
    json_t *schemas = json_object_get(json_object_get(doc, "components"), "schemas");
    const char *path;

    (void)state;
    json_object_foreach(paths, path, item) {
        const char *m;
        json_t *op;

        json_object_foreach(item, m, op) {
            json_t *schema = json_object_get(
                json_object_get(json_object_get(json_object_get(op, "requestBody"), "content"),
                                "application/json"),
                "schema");
            const char *ref, *name;

            if (!schema)
                continue;
            ref = json_string_value(json_object_get(schema, "$ref"));
            assert_non_null(ref);
            name = strrchr(ref, '/');
            assert_non_null(name);
            schema = json_object_get(schemas, name + 1);
            if (!schema)
                fail_msg("%s %s: schema %s is missing", m, path, name + 1);
            if (!json_is_false(json_object_get(schema, "additionalProperties")))
                fail_msg("%s %s: schema %s must have additionalProperties false", m, path,
                         name + 1);
        }
    }
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_routes_documented),
        cmocka_unit_test(test_no_stale_entries),
        cmocka_unit_test(test_request_bodies_closed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

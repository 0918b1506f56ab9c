/* Unit tests: JSON parsing with named errors, member accessors, canonical dumps. */
#include "folio/base.h"
#include "folio/json.h"

#include <setjmp.h>

#include <cmocka.h>

static json_t *parse_ok(const char *text)
{
    json_t *v = NULL;
    struct folio_err err;
    folio_err_clear(&err);
    if (folio_json_parse(text, strlen(text), &v, "body", &err) != FOLIO_OK)
        fail_msg("parse failed: %s", err.msg);
    return v;
}

static void test_parse_ok(void **state)
{
    (void)state;
    json_t *v = parse_ok("{\"name\": \"Ann\", \"n\": 3, \"a\": [1, 2, {\"x\": null}]}");
    assert_true(json_is_object(v));
    assert_int_equal(json_integer_value(json_object_get(v, "n")), 3);
    json_decref(v);
    /* a length shorter than the string: only len bytes are parsed */
    struct folio_err err;
    const char *text = "[1,2]garbage";
    assert_int_equal(folio_json_parse(text, 5, &v, "body", &err), FOLIO_OK);
    assert_int_equal(json_array_size(v), 2);
    json_decref(v);
}

static void test_parse_errors(void **state)
{
    (void)state;
    json_t *v = (json_t *)0x1;
    struct folio_err err;

    folio_err_clear(&err);
    const char *dup = "{\"a\": 1, \"a\": 2}";
    assert_int_equal(folio_json_parse(dup, strlen(dup), &v, "Patient", &err), FOLIO_EPARSE);
    assert_null(v);
    assert_non_null(strstr(err.msg, "Patient"));
    assert_non_null(strstr(err.msg, "duplicate"));

    const char *bad = "{\n  \"a\": 1,\n  \"b\": }\n";
    assert_int_equal(folio_json_parse(bad, strlen(bad), &v, "request body", &err), FOLIO_EPARSE);
    assert_non_null(strstr(err.msg, "request body: line 3"));
    assert_non_null(strstr(err.msg, "column"));
    assert_string_equal(err.field, "request body");
    assert_null(strchr(err.msg, '\n'));

    assert_int_equal(folio_json_parse("", 0, &v, "x", &err), FOLIO_EPARSE);
    assert_int_equal(folio_json_parse("[1,", 3, &v, "x", &err), FOLIO_EPARSE);
    assert_int_equal(folio_json_parse("{} {}", 5, &v, "x", &err), FOLIO_EPARSE);
    assert_int_equal(folio_json_parse(NULL, 0, &v, "x", &err), FOLIO_EPARSE);
    /* NUL inside a string is refused */
    const char nul[] = "[\"a\\u0000b\"]";
    assert_int_equal(folio_json_parse(nul, sizeof(nul) - 1, &v, "x", &err), FOLIO_EPARSE);

    /* the size cap is checked before reading the text */
    assert_int_equal(folio_json_parse("{}", (size_t)64 * 1024 * 1024 + 1, &v, "upload", &err),
                     FOLIO_ETOOBIG);
    assert_non_null(strstr(err.msg, "upload"));

    /* deep nesting is refused, not a stack overflow */
    size_t depth = 100000;
    char *deep = malloc(depth * 2);
    assert_non_null(deep);
    memset(deep, '[', depth);
    memset(deep + depth, ']', depth);
    assert_int_equal(folio_json_parse(deep, depth * 2, &v, "x", &err), FOLIO_EPARSE);
    free(deep);
}

static void test_get_req_str(void **state)
{
    (void)state;
    json_t *v = parse_ok("{\"family\": \"Smith\", \"given\": null, \"age\": 42}");
    struct folio_err err;
    const char *s = "untouched";

    folio_err_clear(&err);
    assert_int_equal(folio_json_get_str(v, "family", &s, "Patient.name", &err), FOLIO_OK);
    assert_string_equal(s, "Smith");
    assert_int_equal(folio_json_get_str(v, "given", &s, "Patient.name", &err), FOLIO_OK);
    assert_null(s);
    s = "x";
    assert_int_equal(folio_json_get_str(v, "prefix", &s, "Patient.name", &err), FOLIO_OK);
    assert_null(s);

    assert_int_equal(folio_json_get_str(v, "age", &s, "Patient", &err), FOLIO_EINVAL);
    assert_string_equal(err.field, "age");
    assert_non_null(strstr(err.msg, "age"));
    assert_non_null(strstr(err.msg, "Patient"));

    assert_int_equal(folio_json_req_str(v, "family", &s, "Patient.name", &err), FOLIO_OK);
    assert_string_equal(s, "Smith");
    folio_err_clear(&err);
    assert_int_equal(folio_json_req_str(v, "birthDate", &s, "Patient", &err), FOLIO_EINVAL);
    assert_null(s);
    assert_string_equal(err.field, "birthDate");
    assert_non_null(strstr(err.msg, "missing field \"birthDate\""));
    assert_int_equal(folio_json_req_str(v, "given", &s, "Patient", &err), FOLIO_EINVAL);
    assert_non_null(strstr(err.msg, "given"));
    assert_int_equal(folio_json_req_str(v, "age", &s, "Patient", &err), FOLIO_EINVAL);

    json_t *arr = json_array();
    assert_int_equal(folio_json_get_str(arr, "family", &s, "Patient", &err), FOLIO_EINVAL);
    assert_non_null(strstr(err.msg, "object"));
    assert_int_equal(folio_json_req_str(NULL, "family", &s, "Patient", &err), FOLIO_EINVAL);
    json_decref(arr);
    json_decref(v);
}

static void test_dump(void **state)
{
    (void)state;
    json_t *v = parse_ok("{ \"b\": 1, \"a\": [1, 2, {\"z\": \"x\", \"y\": null}], \"c\": \"é\" }");
    struct folio_buf b;
    folio_buf_init(&b, 1024);
    assert_int_equal(folio_json_dump(v, &b), FOLIO_OK);
    assert_string_equal(b.data, "{\"a\":[1,2,{\"y\":null,\"z\":\"x\"}],\"b\":1,\"c\":\"é\"}");
    folio_buf_release(&b);

    /* over the buffer's cap: fails and leaves the buffer as it was */
    folio_buf_init(&b, 20);
    assert_int_equal(folio_buf_append_str(&b, "pre:"), FOLIO_OK);
    assert_int_equal(folio_json_dump(v, &b), FOLIO_ETOOBIG);
    assert_string_equal(b.data, "pre:");
    assert_int_equal(b.len, 4);
    folio_buf_release(&b);

    /* scalars dump too */
    json_t *s = json_string("a\"b");
    folio_buf_init(&b, 64);
    assert_int_equal(folio_json_dump(s, &b), FOLIO_OK);
    assert_string_equal(b.data, "\"a\\\"b\"");
    assert_int_equal(folio_json_dump(NULL, &b), FOLIO_EINVAL);
    folio_buf_release(&b);
    json_decref(s);
    json_decref(v);
}

static void test_str_or_null(void **state)
{
    (void)state;
    json_t *a = folio_json_str_or_null("x");
    json_t *n = folio_json_str_or_null(NULL);
    assert_true(json_is_string(a));
    assert_string_equal(json_string_value(a), "x");
    assert_true(json_is_null(n));
    json_decref(a);
    json_decref(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_ok),    cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_get_req_str), cmocka_unit_test(test_dump),
        cmocka_unit_test(test_str_or_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* CSV reader: RFC 4180 quoting, line endings, BOM, header mapping, line numbers, caps, errors. */
#include "folio/base.h"
#include "folio/csv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <unistd.h>

static struct folio_csv *open_str(const char *s, const struct folio_csv_opts *o)
{
    struct folio_csv *c = NULL;
    struct folio_err err = {0};
    assert_int_equal(folio_csv_open_mem(s, strlen(s), "t.csv", o, &c, &err), FOLIO_OK);
    return c;
}

/* Reads everything; returns the rc of the first failure (or OK) and fills err. */
static enum folio_rc read_all(struct folio_csv *c, long *nrec, struct folio_err *err)
{
    enum folio_rc rc;
    bool have = true;
    *nrec = 0;
    while ((rc = folio_csv_next(c, &have, err)) == FOLIO_OK && have)
        (*nrec)++;
    return rc;
}

static void test_basic_header(void **state)
{
    (void)state;
    struct folio_err err = {0};
    struct folio_csv *c = open_str("Id,NAME , CITY\n1,Ann,Omaha\n2,Bob,Lincoln\n", NULL);
    bool have;
    int idx[2];
    static const char *const names[] = {"CITY", "NAME"};

    assert_int_equal(folio_csv_read_header(c, &err), FOLIO_OK);
    assert_int_equal(folio_csv_header_count(c), 3);
    assert_string_equal(folio_csv_header_name(c, 1), "NAME");
    assert_int_equal(folio_csv_column(c, "CITY"), 2);
    assert_int_equal(folio_csv_column(c, "ZIP"), -1);
    assert_int_equal(folio_csv_columns(c, names, 2, idx, &err), FOLIO_OK);
    assert_int_equal(idx[0], 2);
    assert_int_equal(idx[1], 1);

    assert_int_equal(folio_csv_next(c, &have, &err), FOLIO_OK);
    assert_true(have);
    assert_int_equal(folio_csv_line(c), 2);
    assert_string_equal(folio_csv_get(c, idx[0]), "Omaha");
    assert_string_equal(folio_csv_get(c, -1), "");
    assert_int_equal(folio_csv_sv(c, 1).len, 3);
    assert_int_equal(folio_csv_next(c, &have, &err), FOLIO_OK);
    assert_true(have);
    assert_int_equal(folio_csv_line(c), 3);
    assert_string_equal(folio_csv_get(c, 1), "Bob");
    assert_int_equal(folio_csv_next(c, &have, &err), FOLIO_OK);
    assert_false(have);
    assert_int_equal(folio_csv_records(c), 2);
    folio_csv_free(c);
}

static void test_missing_column(void **state)
{
    (void)state;
    struct folio_err err = {0};
    struct folio_csv *c = open_str("A,B\n1,2\n", NULL);
    static const char *const names[] = {"A", "ZIP"};
    int idx[2];
    assert_int_equal(folio_csv_read_header(c, &err), FOLIO_OK);
    assert_int_equal(folio_csv_columns(c, names, 2, idx, &err), FOLIO_EPARSE);
    assert_non_null(strstr(err.msg, "t.csv: missing column ZIP"));
    folio_csv_free(c);
}

static void test_quotes_and_newlines(void **state)
{
    (void)state;
    struct folio_err err = {0};
    /* line 2: embedded comma and "" escape; line 3-4: embedded CRLF; line 5: empty quoted */
    struct folio_csv *c =
        open_str("a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\r\n\"two\r\nlines\",z\r\n\"\",\r\nlast,1", NULL);
    bool have;

    assert_int_equal(folio_csv_read_header(c, &err), FOLIO_OK);
    assert_int_equal(folio_csv_next(c, &have, &err), FOLIO_OK);
    assert_string_equal(folio_csv_get(c, 0), "x, y");
    assert_string_equal(folio_csv_get(c, 1), "say \"hi\"");
    assert_int_equal(folio_csv_line(c), 2);
    assert_int_equal(folio_csv_next(c, &have, &err), FOLIO_OK);
    assert_string_equal(folio_csv_get(c, 0), "two\r\nlines");
    assert_string_equal(folio_csv_get(c, 1), "z");
    assert_int_equal(folio_csv_line(c), 3);
    assert_int_equal(folio_csv_next(c, &have, &err), FOLIO_OK);
    assert_int_equal(folio_csv_count(c), 2);
    assert_string_equal(folio_csv_get(c, 0), "");
    assert_string_equal(folio_csv_get(c, 1), "");
    assert_int_equal(folio_csv_line(c), 5);
    assert_int_equal(folio_csv_next(c, &have, &err), FOLIO_OK);
    assert_true(have);
    assert_string_equal(folio_csv_get(c, 0), "last");
    assert_int_equal(folio_csv_line(c), 6);
    assert_int_equal(folio_csv_next(c, &have, &err), FOLIO_OK);
    assert_false(have);
    folio_csv_free(c);
}

static void test_bom_and_blank_lines(void **state)
{
    (void)state;
    struct folio_err err = {0};
    struct folio_csv *c = open_str("\xEF\xBB\xBF" "Id,X\n\n1,2\n\r\n3,4\n\n", NULL);
    bool have;
    assert_int_equal(folio_csv_read_header(c, &err), FOLIO_OK);
    assert_string_equal(folio_csv_header_name(c, 0), "Id");
    assert_int_equal(folio_csv_next(c, &have, &err), FOLIO_OK);
    assert_int_equal(folio_csv_line(c), 3);
    assert_int_equal(folio_csv_next(c, &have, &err), FOLIO_OK);
    assert_string_equal(folio_csv_get(c, 1), "4");
    assert_int_equal(folio_csv_line(c), 5);
    assert_int_equal(folio_csv_next(c, &have, &err), FOLIO_OK);
    assert_false(have);
    folio_csv_free(c);
}

struct bad_case {
    const char *input;
    enum folio_rc rc;
    const char *msg; /* substring of err.msg */
};

static void test_errors(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        {"a,b\n1,2\n\"open,3\n4,5\n", FOLIO_EPARSE, "t.csv:3: unterminated quoted field"},
        {"a,b\n1,2\n3\n", FOLIO_EPARSE, "t.csv:3: expected 2 fields, found 1"},
        {"a,b\n1,2,3\n", FOLIO_EPARSE, "t.csv:2: expected 2 fields, found 3"},
        {"a,b\n1,x\"y\n", FOLIO_EPARSE, "t.csv:2: quote inside an unquoted field"},
        {"a,b\n\"1\"x,2\n", FOLIO_EPARSE, "t.csv:2: unexpected character after a closing quote"},
        {"a,b\n1,2\r3,4\n", FOLIO_EPARSE, "t.csv:2: carriage return without line feed"},
        {"a,b\n1,\xC3\x28\n", FOLIO_EPARSE, "t.csv:2: field 2 is not valid UTF-8"},
        {"a,b\n\"x\ny\",\"\n\n\"\n1,\xFF\n", FOLIO_EPARSE, "t.csv:6: field 2 is not valid UTF-8"},
        {"a,b\n1,\xED\xA0\x80\n", FOLIO_EPARSE, "not valid UTF-8"},
    };
    size_t i;
    for (i = 0; i < FOLIO_ARRAY_LEN(cases); i++) {
        struct folio_err err = {0};
        struct folio_csv *c = open_str(cases[i].input, NULL);
        long n;
        assert_int_equal(folio_csv_read_header(c, &err), FOLIO_OK);
        enum folio_rc rc = read_all(c, &n, &err);
        if (rc != cases[i].rc || !strstr(err.msg, cases[i].msg))
            fail_msg("case %zu: rc %d msg [%s], want [%s]", i, rc, err.msg, cases[i].msg);
        folio_csv_free(c);
    }
}

static void test_nul_byte(void **state)
{
    (void)state;
    static const char in[] = "a,b\n1,x\0y\n";
    struct folio_csv *c = NULL;
    struct folio_err err = {0};
    long n;
    assert_int_equal(folio_csv_open_mem(in, sizeof in - 1, "t.csv", NULL, &c, &err), FOLIO_OK);
    assert_int_equal(folio_csv_read_header(c, &err), FOLIO_OK);
    assert_int_equal(read_all(c, &n, &err), FOLIO_EPARSE);
    assert_non_null(strstr(err.msg, "NUL byte"));
    folio_csv_free(c);
}

static void test_header_errors(void **state)
{
    (void)state;
    struct folio_err err = {0};
    struct folio_csv *c = open_str("", NULL);
    assert_int_equal(folio_csv_read_header(c, &err), FOLIO_EPARSE);
    assert_non_null(strstr(err.msg, "no header row"));
    folio_csv_free(c);
    c = open_str("a,b,a\n", NULL);
    assert_int_equal(folio_csv_read_header(c, &err), FOLIO_EPARSE);
    assert_non_null(strstr(err.msg, "duplicate column name \"a\""));
    folio_csv_free(c);
    c = open_str("a,,b\n", NULL);
    assert_int_equal(folio_csv_read_header(c, &err), FOLIO_EPARSE);
    assert_non_null(strstr(err.msg, "column 2 has no name"));
    folio_csv_free(c);
}

static void test_caps(void **state)
{
    (void)state;
    struct folio_csv_opts o = {.max_field = 4, .max_record = 16, .max_fields = 3};
    struct folio_err err = {0};
    long n;
    struct folio_csv *c = open_str("a,b\n1234,5\n12345,6\n", &o);
    assert_int_equal(folio_csv_read_header(c, &err), FOLIO_OK);
    assert_int_equal(read_all(c, &n, &err), FOLIO_ETOOBIG);
    assert_int_equal(n, 1);
    assert_non_null(strstr(err.msg, "t.csv:3: field exceeds the size limit"));
    folio_csv_free(c);

    c = open_str("a,b,c,d\n", &o);
    assert_int_equal(folio_csv_read_header(c, &err), FOLIO_ETOOBIG);
    folio_csv_free(c);

    c = open_str("1234,1234,1234\n1234,1234,1234,\n", &o);
    assert_int_equal(read_all(c, &n, &err), FOLIO_ETOOBIG);
    folio_csv_free(c);
}

static void test_no_header_any_width(void **state)
{
    (void)state;
    struct folio_err err = {0};
    long n;
    struct folio_csv *c = open_str("1\n1,2\n1,2,3", NULL);
    assert_int_equal(read_all(c, &n, &err), FOLIO_OK);
    assert_int_equal(n, 3);
    folio_csv_free(c);
}

static void test_file(void **state)
{
    (void)state;
    char path[] = "/tmp/folio_csv_XXXXXX";
    int fd = mkstemp(path);
    FILE *f;
    struct folio_csv *c = NULL;
    struct folio_err err = {0};
    long n;
    size_t i;

    assert_true(fd >= 0);
    f = fdopen(fd, "wb");
    assert_non_null(f);
    fputs("\xEF\xBB\xBFId,V\n", f);
    for (i = 0; i < 20000; i++) /* several read buffers' worth */
        fprintf(f, "%zu,\"v%zu\nx\"\r\n", i, i);
    fclose(f);
    assert_int_equal(folio_csv_open_file(path, NULL, NULL, &c, &err), FOLIO_OK);
    assert_string_equal(folio_csv_name(c), strrchr(path, '/') + 1);
    assert_int_equal(folio_csv_read_header(c, &err), FOLIO_OK);
    assert_string_equal(folio_csv_header_name(c, 0), "Id");
    assert_int_equal(read_all(c, &n, &err), FOLIO_OK);
    assert_int_equal(n, 20000);
    assert_int_equal(folio_csv_line(c), 2 + 2 * 19999);
    folio_csv_free(c);
    unlink(path);

    assert_int_equal(folio_csv_open_file(path, NULL, NULL, &c, &err), FOLIO_ENOTFOUND);
    assert_null(c);
    folio_csv_free(NULL);
}

static void test_shared_synthea(void **state)
{
    (void)state;
    const char *dir = getenv("FOLIO_SHARED");
    char path[1024];
    struct folio_csv *c = NULL;
    struct folio_err err = {0};
    long n;

    if (!dir)
        skip();
    (void)folio_snprintf(path, sizeof path, "%s/data/corpora/synthea/csv_unmc_111pt/encounters.csv",
                         dir);
    if (access(path, R_OK) != 0)
        skip();
    assert_int_equal(folio_csv_open_file(path, NULL, NULL, &c, &err), FOLIO_OK);
    assert_int_equal(folio_csv_read_header(c, &err), FOLIO_OK);
    assert_int_equal(folio_csv_column(c, "ENCOUNTERCLASS"), 7);
    assert_int_equal(read_all(c, &n, &err), FOLIO_OK);
    assert_int_equal(n, 7584);
    folio_csv_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_header),
        cmocka_unit_test(test_missing_column),
        cmocka_unit_test(test_quotes_and_newlines),
        cmocka_unit_test(test_bom_and_blank_lines),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_header_errors),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_no_header_any_width),
        cmocka_unit_test(test_file),
        cmocka_unit_test(test_shared_synthea),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

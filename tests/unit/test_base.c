/* Unit tests: return codes, errors, string views, buffers, arenas, bounded formatting, log. */
#include "folio/base.h"
#include "folio/log.h"

#include <setjmp.h>
#include <signal.h>
#include <stdalign.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

/* ---- return codes and errors ---- */

static void test_rc_names(void **state)
{
    (void)state;
    static const char *const want[] = {
        "ok",    "nomem",  "invalid", "not_found",  "conflict", "io",     "store", "too_big",
        "parse", "crypto", "state",   "permission", "busy",     "schema", "usage", "internal"};
    for (int i = 0; i < (int)FOLIO_ARRAY_LEN(want); i++)
        assert_string_equal(folio_rc_name((enum folio_rc)i), want[i]);
    assert_int_equal(FOLIO_EINTERNAL, 15);
    assert_string_equal(folio_rc_name((enum folio_rc)99), "unknown");
    assert_string_equal(folio_rc_name((enum folio_rc) - 1), "unknown");
}

static void test_err_set(void **state)
{
    (void)state;
    struct folio_err err;
    folio_err_clear(&err);
    assert_int_equal(err.code, FOLIO_OK);
    assert_string_equal(err.msg, "");

    enum folio_rc rc =
        folio_err_set(&err, FOLIO_EINVAL, "birth_date", "bad value '%s'\r\nnext", "x");
    assert_int_equal(rc, FOLIO_EINVAL);
    assert_int_equal(err.code, FOLIO_EINVAL);
    assert_string_equal(err.field, "birth_date");
    assert_string_equal(err.msg, "bad value 'x'  next");
    assert_non_null(strstr(err.file, "test_base.c"));
    assert_true(err.line > 0);

    /* NULL err: just returns the code */
    assert_int_equal(folio_err_set(NULL, FOLIO_EIO, NULL, "x"), FOLIO_EIO);

    /* NULL field -> "" */
    (void)folio_err_set(&err, FOLIO_EIO, NULL, "io");
    assert_string_equal(err.field, "");

    /* long message and field are truncated safely */
    char big[2000];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    (void)folio_err_set(&err, FOLIO_EPARSE, big, "%s", big);
    assert_int_equal(strlen(err.msg), sizeof(err.msg) - 1);
    assert_int_equal(strlen(err.field), sizeof(err.field) - 1);

    /* truncation never cuts a UTF-8 sequence (faces put messages into JSON and HL7):
     * 511 bytes of two-byte letters would end in half an 'é' */
    char accents[1201];
    for (size_t i = 0; i + 1 < sizeof(accents); i += 2)
        memcpy(accents + i, "\xc3\xa9", 2);
    accents[sizeof(accents) - 1] = '\0';
    (void)folio_err_set(&err, FOLIO_EINVAL, accents, "%s", accents);
    assert_int_equal(strlen(err.msg), sizeof(err.msg) - 2);
    assert_int_equal(strlen(err.field) % 2, 0);
    assert_int_equal((unsigned char)err.msg[strlen(err.msg) - 1], 0xa9);
    /* a three-byte sequence cut after its first byte goes too */
    char euro[600];
    memset(euro, 'a', sizeof(euro));
    memcpy(euro + 510, "\xe2\x82\xac", 3);
    euro[sizeof(euro) - 1] = '\0';
    (void)folio_err_set(&err, FOLIO_EINVAL, NULL, "%s", euro);
    assert_int_equal(strlen(err.msg), 510);
    (void)folio_err_set(&err, FOLIO_EINVAL, NULL, "%s", euro + 1);
    assert_int_equal(strlen(err.msg), 509);
    /* and prefixing does not cut one either */
    (void)folio_err_set(&err, FOLIO_EINVAL, NULL, "%s", accents);
    folio_err_prefix(&err, "pq"); /* "pq: " + 507 bytes would cut the last letter */
    assert_int_equal(strlen(err.msg), 510);
    assert_int_equal((unsigned char)err.msg[509], 0xa9);
    folio_err_prefix(&err, "%s", accents); /* the prefix itself is cut, then ":" fits */
    assert_int_equal(strlen(err.msg), 511);
    assert_int_equal((unsigned char)err.msg[509], 0xa9);
    assert_int_equal(err.msg[510], ':');
}

static void test_err_prefix(void **state)
{
    (void)state;
    struct folio_err err;
    folio_err_clear(&err);
    (void)folio_err_set(&err, FOLIO_EINVAL, "f", "bad thing");
    folio_err_prefix(&err, "%s:%d", "patients.csv", 12);
    assert_string_equal(err.msg, "patients.csv:12: bad thing");
    assert_int_equal(err.code, FOLIO_EINVAL);
    folio_err_prefix(&err, "a\nb");
    assert_string_equal(err.msg, "a b: patients.csv:12: bad thing");
    folio_err_prefix(NULL, "x"); /* no crash */
    folio_err_clear(&err);
    folio_err_prefix(&err, "only");
    assert_string_equal(err.msg, "only");
    folio_err_clear(NULL);
}

static void test_bug_aborts(void **state)
{
    (void)state;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* silence the child's report */
        if (freopen("/dev/null", "w", stderr) == NULL)
            _exit(3);
        FOLIO_BUG("impossible %d", 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
}

/* ---- string views ---- */

static void test_sv_basic(void **state)
{
    (void)state;
    struct folio_sv e = folio_sv_from(NULL);
    assert_int_equal(e.len, 0);
    assert_non_null(e.p);
    assert_true(folio_sv_eq(e, FOLIO_SV_LIT("")));
    assert_true(folio_sv_eq_cstr(FOLIO_SV_LIT("abc"), "abc"));
    assert_false(folio_sv_eq_cstr(FOLIO_SV_LIT("abc"), "abcd"));
    assert_false(folio_sv_eq_cstr(FOLIO_SV_LIT("abc"), "abd"));
    assert_true(folio_sv_ieq_cstr(FOLIO_SV_LIT("MSH"), "msh"));
    assert_false(folio_sv_ieq_cstr(FOLIO_SV_LIT("MSH"), "msi"));
    assert_false(folio_sv_ieq_cstr(FOLIO_SV_LIT("MSH"), "ms"));

    struct folio_sv t = folio_sv_trim(FOLIO_SV_LIT(" \t a b \r\n"));
    assert_true(folio_sv_eq_cstr(t, "a b"));
    t = folio_sv_trim(FOLIO_SV_LIT("   "));
    assert_int_equal(t.len, 0);

    assert_true(folio_sv_starts_with(FOLIO_SV_LIT("v1:abc"), "v1:"));
    assert_true(folio_sv_starts_with(FOLIO_SV_LIT("v1"), ""));
    assert_false(folio_sv_starts_with(FOLIO_SV_LIT("v1"), "v1:"));
}

static void test_sv_next_field(void **state)
{
    (void)state;
    struct folio_sv s = FOLIO_SV_LIT("a,bc,,d,");
    struct folio_sv f;
    const char *want[] = {"a", "bc", "", "d", ""};
    size_t n = 0;
    while (folio_sv_next_field(&s, ',', &f)) {
        assert_true(n < FOLIO_ARRAY_LEN(want));
        assert_true(folio_sv_eq_cstr(f, want[n]));
        n++;
    }
    assert_int_equal(n, 5);
    assert_false(folio_sv_next_field(&s, ',', &f));

    s = FOLIO_SV_LIT("single");
    assert_true(folio_sv_next_field(&s, '|', &f));
    assert_true(folio_sv_eq_cstr(f, "single"));
    assert_false(folio_sv_next_field(&s, '|', &f));
}

static void test_sv_to_i64(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int64_t want;
    } ok[] = {
        {"0", 0},
        {"-0", 0},
        {"7", 7},
        {"-42", -42},
        {"00012", 12},
        {"9223372036854775807", INT64_MAX},
        {"-9223372036854775808", INT64_MIN},
    };
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(ok); i++) {
        int64_t v = -1;
        assert_int_equal(folio_sv_to_i64(folio_sv_from(ok[i].in), &v), FOLIO_OK);
        assert_true(v == ok[i].want);
    }
    static const char *const bad[] = {"",
                                      "-",
                                      "+1",
                                      " 1",
                                      "1 ",
                                      "12a",
                                      "1.0",
                                      "--1",
                                      "0x10",
                                      "9223372036854775808",
                                      "-9223372036854775809",
                                      "99999999999999999999",
                                      "1e3"};
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(bad); i++) {
        int64_t v = 1234;
        assert_int_equal(folio_sv_to_i64(folio_sv_from(bad[i]), &v), FOLIO_EINVAL);
        assert_true(v == 1234); /* untouched on failure */
    }
    /* a view is not NUL-terminated: only len bytes count */
    int64_t v = 0;
    struct folio_sv part = {"12345", 3};
    assert_int_equal(folio_sv_to_i64(part, &v), FOLIO_OK);
    assert_true(v == 123);
}

static void test_sv_to_double(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        double want;
    } ok[] = {{"-12.5", -12.5}, {"3e2", 300.0},  {"0", 0.0},        {".5", 0.5},
              {"5.", 5.0},      {"1E-3", 0.001}, {"-0.25e+1", -2.5}};
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(ok); i++) {
        double v = -1;
        assert_int_equal(folio_sv_to_double(folio_sv_from(ok[i].in), &v), FOLIO_OK);
        assert_float_equal(v, ok[i].want, 1e-12);
    }
    static const char *const bad[] = {"",    "-",   ".",  "1e400", "-1e400", "inf",
                                      "nan", "NaN", "1e", "1e+",   "0x10",   " 1",
                                      "1 ",  "1,5", "+1", "1.2.3", "e5",     "infinity"};
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(bad); i++) {
        double v = 7.0;
        assert_int_equal(folio_sv_to_double(folio_sv_from(bad[i]), &v), FOLIO_EINVAL);
        assert_float_equal(v, 7.0, 0);
    }
    double v = 0;
    struct folio_sv part = {"2.5xyz", 3};
    assert_int_equal(folio_sv_to_double(part, &v), FOLIO_OK);
    assert_float_equal(v, 2.5, 0);
}

/* ---- buffers ---- */

static void test_buf_basic(void **state)
{
    (void)state;
    struct folio_buf b;
    folio_buf_init(&b, 100);
    assert_non_null(b.data);
    assert_string_equal(b.data, "");
    assert_int_equal(b.len, 0);
    folio_buf_reset(&b); /* must not write through the static "" */
    folio_buf_release(&b);
    assert_string_equal(b.data, "");

    assert_int_equal(folio_buf_append(&b, "abc", 3), FOLIO_OK);
    assert_int_equal(folio_buf_append_str(&b, "de"), FOLIO_OK);
    assert_int_equal(folio_buf_append_ch(&b, 'f'), FOLIO_OK);
    assert_int_equal(folio_buf_appendf(&b, "-%d-%s", 42, "x"), FOLIO_OK);
    assert_string_equal(b.data, "abcdef-42-x");
    assert_int_equal(b.len, 11);
    assert_int_equal(folio_buf_append(&b, NULL, 0), FOLIO_OK);
    folio_buf_reset(&b);
    assert_string_equal(b.data, "");
    assert_int_equal(b.len, 0);
    assert_int_equal(folio_buf_append_str(&b, "again"), FOLIO_OK);
    assert_string_equal(b.data, "again");
    folio_buf_release(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    folio_buf_release(NULL);
    folio_buf_reset(NULL);
}

static void test_buf_cap(void **state)
{
    (void)state;
    struct folio_buf b;
    folio_buf_init(&b, 10);
    assert_int_equal(folio_buf_append(&b, "0123456789", 10), FOLIO_OK); /* exactly max */
    assert_int_equal(folio_buf_append_ch(&b, 'x'), FOLIO_ETOOBIG);
    assert_string_equal(b.data, "0123456789");
    assert_int_equal(b.len, 10);
    folio_buf_reset(&b);
    assert_int_equal(folio_buf_append_str(&b, "12345"), FOLIO_OK);
    assert_int_equal(folio_buf_append_str(&b, "678901"), FOLIO_ETOOBIG);
    assert_string_equal(b.data, "12345");
    assert_int_equal(folio_buf_appendf(&b, "%s", "abcdefgh"), FOLIO_ETOOBIG);
    assert_string_equal(b.data, "12345");
    assert_int_equal(b.len, 5);
    assert_true(b.cap <= 11);
    /* size_t overflow of len + n is refused, not wrapped */
    assert_int_equal(folio_buf_append(&b, "x", SIZE_MAX), FOLIO_ETOOBIG);
    assert_string_equal(b.data, "12345");
    folio_buf_release(&b);

    /* growth across many appends */
    folio_buf_init(&b, 100000);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(folio_buf_append(&b, "0123456789", 10), FOLIO_OK);
    assert_int_equal(b.len, 100000);
    assert_int_equal(folio_buf_append_ch(&b, 'x'), FOLIO_ETOOBIG);
    assert_int_equal(strlen(b.data), 100000);
    folio_buf_release(&b);
}

static void test_buf_detach(void **state)
{
    (void)state;
    struct folio_buf b;
    size_t len = 99;
    folio_buf_init(&b, 64);
    char *s = folio_buf_detach(&b, &len);
    assert_non_null(s);
    assert_string_equal(s, "");
    assert_int_equal(len, 0);
    s[0] = '\0'; /* a real heap copy: writable */
    free(s);

    assert_int_equal(folio_buf_append_str(&b, "hello"), FOLIO_OK);
    s = folio_buf_detach(&b, &len);
    assert_string_equal(s, "hello");
    assert_int_equal(len, 5);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    assert_int_equal(b.max, 64);
    free(s);
    s = folio_buf_detach(&b, NULL);
    free(s);
    folio_buf_release(&b);
}

static void test_buf_read_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/folio_test_base_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    assert_true(folio_snprintf(path, sizeof(path), "%s/f.txt", dir));
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (int i = 0; i < 5000; i++)
        fputs("line of text\n", f);
    fclose(f);

    struct folio_buf b;
    struct folio_err err;
    folio_err_clear(&err);
    folio_buf_init(&b, 1 << 20);
    assert_int_equal(folio_buf_read_file(&b, path, &err), FOLIO_OK);
    assert_int_equal(b.len, 5000 * 13);
    assert_int_equal(strlen(b.data), b.len);
    folio_buf_release(&b);

    folio_buf_init(&b, 1000);
    assert_int_equal(folio_buf_append_str(&b, "keep"), FOLIO_OK);
    assert_int_equal(folio_buf_read_file(&b, path, &err), FOLIO_ETOOBIG);
    assert_int_equal(err.code, FOLIO_ETOOBIG);
    assert_non_null(strstr(err.msg, path));
    assert_string_equal(b.data, "keep");
    folio_buf_release(&b);

    char missing[300];
    assert_true(folio_snprintf(missing, sizeof(missing), "%s/nope.txt", dir));
    folio_buf_init(&b, 1000);
    assert_int_not_equal(folio_buf_read_file(&b, missing, &err), FOLIO_OK);
    assert_non_null(strstr(err.msg, missing));
    assert_int_equal(b.len, 0);
    /* a directory is not a file */
    assert_int_not_equal(folio_buf_read_file(&b, dir, &err), FOLIO_OK);
    assert_non_null(strstr(err.msg, dir));
    folio_buf_release(&b);

    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

static void test_snprintf_strlcpy(void **state)
{
    (void)state;
    char s[8];
    assert_true(folio_snprintf(s, sizeof(s), "%d", 1234567));
    assert_string_equal(s, "1234567");
    assert_false(folio_snprintf(s, sizeof(s), "%d", 12345678));
    assert_string_equal(s, "1234567");
    assert_false(folio_snprintf(s, 0, "x"));

    assert_true(folio_strlcpy(s, "abc", sizeof(s)));
    assert_string_equal(s, "abc");
    assert_false(folio_strlcpy(s, "abcdefghij", sizeof(s)));
    assert_string_equal(s, "abcdefg");
    assert_true(folio_strlcpy(s, NULL, sizeof(s)));
    assert_string_equal(s, "");
    assert_false(folio_strlcpy(s, "a", 0));
}

/* ---- arenas ---- */

static void test_arena_basic(void **state)
{
    (void)state;
    struct folio_arena a;
    folio_arena_init(&a, 0);
    assert_int_equal(a.max_total, (size_t)256 * 1024 * 1024);
    for (int i = 0; i < 5000; i++) {
        size_t sz = (size_t)(i % 37) + 1;
        unsigned char *p = folio_arena_alloc(&a, sz);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % alignof(max_align_t), 0);
        for (size_t k = 0; k < sz; k++)
            assert_int_equal(p[k], 0);
        memset(p, 0xAB, sz);
    }
    /* a big allocation gets its own block and small ones still work after it */
    unsigned char *big = folio_arena_alloc(&a, 1 << 20);
    assert_non_null(big);
    assert_int_equal(big[(1 << 20) - 1], 0);
    memset(big, 1, 1 << 20);
    assert_non_null(folio_arena_alloc(&a, 8));

    assert_string_equal(folio_arena_strdup(&a, "abc"), "abc");
    assert_null(folio_arena_strdup(&a, NULL));
    assert_string_equal(folio_arena_strndup(&a, "abcdef", 3), "abc");
    assert_string_equal(folio_arena_sv(&a, FOLIO_SV_LIT("view")), "view");
    assert_string_equal(folio_arena_sv(&a, folio_sv_from(NULL)), "");
    assert_string_equal(folio_arena_printf(&a, "%s-%03d", "x", 7), "x-007");
    int *arr = folio_arena_calloc(&a, 100, sizeof(int));
    assert_non_null(arr);
    assert_int_equal(arr[99], 0);
    assert_null(folio_arena_calloc(&a, SIZE_MAX / 2, 3));
    assert_null(folio_arena_alloc(&a, SIZE_MAX));
    assert_null(folio_arena_alloc(&a, SIZE_MAX - 4));
    folio_arena_release(&a);
    assert_null(a.head);
    assert_int_equal(a.total, 0);
    /* reusable after release */
    assert_non_null(folio_arena_alloc(&a, 10));
    folio_arena_release(&a);
    folio_arena_release(NULL);
}

static void test_arena_cap(void **state)
{
    (void)state;
    struct folio_arena a;
    folio_arena_init(&a, 1000);
    assert_non_null(folio_arena_alloc(&a, 600));
    assert_null(folio_arena_alloc(&a, 600));
    assert_non_null(folio_arena_alloc(&a, 300));
    assert_true(a.total <= 1000);
    assert_null(folio_arena_printf(&a, "%0500d", 1));
    folio_arena_release(&a);

    folio_arena_init(&a, 100000);
    size_t got = 0;
    while (folio_arena_alloc(&a, 1000) != NULL)
        got += 1000;
    assert_true(got <= 100000);
    assert_true(got >= 90000);
    folio_arena_release(&a);

    struct folio_arena z = {0}; /* zeroed struct: default cap */
    assert_non_null(folio_arena_alloc(&z, 16));
    folio_arena_release(&z);
}

/* Growing an arena array keeps the elements, doubles the capacity only when full, and fails
 * cleanly at the arena's cap. */
static void test_arena_grow(void **state)
{
    (void)state;
    struct folio_arena a;
    int64_t *v = NULL, *nv;
    size_t n = 0, cap = 0;
    folio_arena_init(&a, 0);
    for (int64_t i = 0; i < 1000; i++) {
        nv = folio_arena_grow(&a, v, n, &cap, sizeof *v, 4);
        assert_non_null(nv);
        if (n < 4)
            assert_int_equal(cap, 4);
        v = nv;
        v[n++] = i * 7;
    }
    assert_int_equal(cap, 1024); /* 4, 8, ..., 1024 */
    for (size_t i = 0; i < n; i++)
        assert_int_equal(v[i], (int64_t)i * 7);
    assert_ptr_equal(folio_arena_grow(&a, v, 10, &cap, sizeof *v, 4), v); /* room left */
    folio_arena_release(&a);

    folio_arena_init(&a, 4096);
    v = NULL;
    n = cap = 0;
    while ((nv = folio_arena_grow(&a, v, n, &cap, sizeof *v, 16)) != NULL) {
        v = nv;
        v[n++] = 1;
    }
    assert_true(n >= 16 && n * sizeof *v <= 4096); /* the cap stops it; the old array is intact */
    assert_int_equal(v[n - 1], 1);
    folio_arena_release(&a);
}

/* ---- log ---- */

static char *read_all(FILE *f)
{
    long n;
    fflush(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    char *s = calloc((size_t)n + 1, 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    return s;
}

static void test_log(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    folio_log_set_file(f);
    folio_log_set_level(FOLIO_LOG_INFO);
    folio_log(FOLIO_LOG_INFO, "import.done", FOLIO_LOG_INT("patients", 111),
              FOLIO_LOG_INT("neg", -5), FOLIO_LOG_LIT("source", "csv"),
              FOLIO_LOG_RC("rc", FOLIO_EINVAL), FOLIO_LOG_LIT("note", "two words"), FOLIO_LOG_END);
    folio_log(FOLIO_LOG_DEBUG, "hidden.debug", FOLIO_LOG_END);
    folio_log(FOLIO_LOG_ERROR, "store.fail", FOLIO_LOG_RC("rc", FOLIO_EBUSY), FOLIO_LOG_END);
    folio_log_set_level(FOLIO_LOG_ERROR);
    folio_log(FOLIO_LOG_WARN, "hidden.warn", FOLIO_LOG_END);
    folio_log_set_level(FOLIO_LOG_DEBUG);
    folio_log(FOLIO_LOG_DEBUG, "shown.debug", FOLIO_LOG_END);
    folio_log_set_level(FOLIO_LOG_INFO);
    folio_log_set_file(NULL);

    char *s = read_all(f);
    fclose(f);
    char *line1 = s;
    char *nl = strchr(line1, '\n');
    assert_non_null(nl);
    *nl = '\0';
    /* 2026-11-21T22:22:05Z level=info event=import.done ... */
    assert_int_equal(strlen(line1) > 21, 1);
    assert_true(line1[4] == '-' && line1[7] == '-' && line1[10] == 'T' && line1[13] == ':' &&
                line1[16] == ':' && line1[19] == 'Z' && line1[20] == ' ');
    assert_string_equal(line1 + 21, "level=info event=import.done patients=111 neg=-5 source=csv "
                                    "rc=invalid note=\"two words\"");
    char *line2 = nl + 1;
    nl = strchr(line2, '\n');
    assert_non_null(nl);
    *nl = '\0';
    assert_string_equal(line2 + 21, "level=error event=store.fail rc=busy");
    char *line3 = nl + 1;
    nl = strchr(line3, '\n');
    assert_non_null(nl);
    *nl = '\0';
    assert_string_equal(line3 + 21, "level=debug event=shown.debug");
    assert_string_equal(nl + 1, "");
    assert_null(strstr(s, "hidden"));
    free(s);
}


/* A quoted literal that starts 2 bytes before the end of the 2 KiB line must not write past it
 * (regression: the closing quote and NUL were written at line[2047] and line[2048]). */
#define K10  "kkkkkkkkkk"
#define K50  K10 K10 K10 K10 K10
#define K200 K50 K50 K50 K50
#define K174 K50 K50 K50 K10 K10 "kkkk"
static void test_log_quoted_at_line_end(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    folio_log_set_file(f);
    /* "2026-11-21T22:22:05Z level=info event=e" is 39 bytes; nine " K200=1" fields (203 each)
     * and one " K174=1" (177) make 2043; " q=" then ends at 2046, where the quote opens. */
    folio_log(FOLIO_LOG_INFO, "e", FOLIO_LOG_INT(K200, 1), FOLIO_LOG_INT(K200, 1),
              FOLIO_LOG_INT(K200, 1), FOLIO_LOG_INT(K200, 1), FOLIO_LOG_INT(K200, 1),
              FOLIO_LOG_INT(K200, 1), FOLIO_LOG_INT(K200, 1), FOLIO_LOG_INT(K200, 1),
              FOLIO_LOG_INT(K200, 1), FOLIO_LOG_INT(K174, 1), FOLIO_LOG_LIT("q", "two words"),
              FOLIO_LOG_END);
    folio_log_set_file(NULL);
    char *s = read_all(f);
    fclose(f);
    char *nl = strchr(s, '\n');
    assert_non_null(nl);
    *nl = '\0';
    assert_int_equal(strlen(s), 2046);
    assert_string_equal(s + 2043, " q=");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rc_names),         cmocka_unit_test(test_err_set),
        cmocka_unit_test(test_err_prefix),       cmocka_unit_test(test_bug_aborts),
        cmocka_unit_test(test_sv_basic),         cmocka_unit_test(test_sv_next_field),
        cmocka_unit_test(test_sv_to_i64),        cmocka_unit_test(test_sv_to_double),
        cmocka_unit_test(test_buf_basic),        cmocka_unit_test(test_buf_cap),
        cmocka_unit_test(test_buf_detach),       cmocka_unit_test(test_buf_read_file),
        cmocka_unit_test(test_snprintf_strlcpy), cmocka_unit_test(test_arena_basic),
        cmocka_unit_test(test_arena_cap),        cmocka_unit_test(test_arena_grow),
        cmocka_unit_test(test_log),
        cmocka_unit_test(test_log_quoted_at_line_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

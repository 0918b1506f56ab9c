/* The HTTP core (src/server/http.c, router.c, req.c, static.c) against an in-process server on
 * 127.0.0.1:0 with a database of the backend under test (FOLIO_TEST_DB). */
#include "folio/base.h"

#include <pthread.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "folio/crypto.h"
#include "folio/json.h"
#include "http_client.h"
#include "server/server.h"
#include "testdb.h"

struct fixture {
    struct folio_store *db;
    struct folio_server *srv;
    unsigned port;
    char dir[256];
    char key[320];
    char web[320];
};

static struct fixture F;

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        fail_msg("cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

static struct folio_server *start(const char *cert, const char *key, unsigned drain)
{
    struct folio_server_opts o;
    struct folio_server *srv = NULL;
    struct folio_err err;

    memset(&err, 0, sizeof(err));
    folio_server_opts_defaults(&o);
    o.db_url = folio_test_store_url();
    o.key_path = F.key;
    o.listen = "127.0.0.1:0";
    o.web_root = F.web;
    o.threads = 2;
    o.tls_cert = cert;
    o.tls_key = key;
    o.drain_seconds = drain;
    if (folio_server_start(&o, &srv, &err) != FOLIO_OK)
        fail_msg("server start: %s", err.msg);
    return srv;
}

static int group_setup(void **state)
{
    struct folio_err err;
    char p[400];

    (void)state;
    memset(&err, 0, sizeof(err));
    (void)folio_strlcpy(F.dir, "/tmp/folio-http-XXXXXX", sizeof(F.dir));
    if (!mkdtemp(F.dir))
        return -1;
    (void)folio_snprintf(F.key, sizeof(F.key), "%s/key", F.dir);
    (void)folio_snprintf(F.web, sizeof(F.web), "%s/web", F.dir);
    if (folio_key_create(F.key, &err) != FOLIO_OK)
        return -1;
    mkdir(F.web, 0700);
    (void)folio_snprintf(p, sizeof(p), "%s/index.html", F.web);
    write_file(p, "<!doctype html><title>folio</title>\n");
    (void)folio_snprintf(p, sizeof(p), "%s/app.js", F.web);
    write_file(p, "console.log('folio');\n");
    (void)folio_snprintf(p, sizeof(p), "%s/.hidden", F.web);
    write_file(p, "secret\n");
    (void)folio_snprintf(p, sizeof(p), "%s/sub", F.web);
    mkdir(p, 0700);
    (void)folio_snprintf(p, sizeof(p), "%s/outside.txt", F.dir);
    write_file(p, "outside the web root\n");
    (void)folio_snprintf(p, sizeof(p), "%s/escape.txt", F.web);
    if (symlink("../outside.txt", p) != 0)
        return -1;
    F.db = folio_test_store_open();
    F.srv = start(NULL, NULL, 0);
    F.port = folio_server_port(F.srv);
    return F.port ? 0 : -1;
}

static int group_teardown(void **state)
{
    char cmd[400];

    (void)state;
    folio_server_stop(F.srv);
    folio_test_store_close(F.db);
    (void)folio_snprintf(cmd, sizeof(cmd), "rm -rf '%s'", F.dir);
    if (system(cmd) != 0)
        return -1;
    return 0;
}

static void get(const char *path, struct http_resp *r)
{
    if (http_simple(F.port, "GET", path, NULL, NULL, r) != 0)
        fail_msg("GET %s: no response", path);
}

/* Asserts the body is {"error":{"code":code,"message":non-empty,...}}; returns field or NULL. */
static void assert_error_body(const struct http_resp *r, enum folio_rc code)
{
    json_error_t je;
    json_t *j = json_loadb(r->body, r->body_len, 0, &je);
    json_t *e, *c, *m;

    if (!j)
        fail_msg("error body is not JSON: %s", r->body);
    e = json_object_get(j, "error");
    assert_non_null(e);
    c = json_object_get(e, "code");
    m = json_object_get(e, "message");
    assert_true(json_is_string(c));
    assert_string_equal(json_string_value(c), folio_rc_name(code));
    assert_true(json_is_string(m));
    assert_true(strlen(json_string_value(m)) > 0);
    assert_non_null(json_object_get(e, "field"));
    json_decref(j);
}

static void assert_security_headers(const struct http_resp *r, bool api)
{
    char v[256];

    assert_non_null(http_header(r, "Content-Security-Policy", v, sizeof(v)));
    assert_non_null(strstr(v, "default-src 'self'"));
    assert_null(strstr(v, "unsafe-inline"));
    assert_non_null(http_header(r, "X-Content-Type-Options", v, sizeof(v)));
    assert_string_equal(v, "nosniff");
    assert_non_null(http_header(r, "X-Frame-Options", v, sizeof(v)));
    assert_string_equal(v, "DENY");
    assert_non_null(http_header(r, "Referrer-Policy", v, sizeof(v)));
    assert_string_equal(v, "no-referrer");
    if (api) {
        assert_non_null(http_header(r, "Cache-Control", v, sizeof(v)));
        assert_string_equal(v, "no-store");
    }
}

static void test_health(void **state)
{
    struct http_resp r;

    (void)state;
    get("/healthz", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "ok");
    assert_security_headers(&r, false);
    http_resp_free(&r);

    get("/api/v1/health", &r);
    assert_int_equal(r.status, 200);
    assert_security_headers(&r, true);
    http_resp_free(&r);
}

static void test_not_found_and_method(void **state)
{
    struct http_resp r;
    char v[128];

    (void)state;
    get("/api/v1/no-such-thing", &r);
    assert_int_equal(r.status, 404);
    assert_non_null(http_header(&r, "Content-Type", v, sizeof(v)));
    assert_string_equal(v, "application/json");
    assert_error_body(&r, FOLIO_ENOTFOUND);
    assert_security_headers(&r, true);
    http_resp_free(&r);

    get("/api/v1/patients/abc", &r); /* {id} must be numeric */
    assert_int_equal(r.status, 404);
    http_resp_free(&r);

    assert_int_equal(http_simple(F.port, "DELETE", "/api/v1/health", NULL, NULL, &r), 0);
    assert_int_equal(r.status, 405);
    assert_non_null(http_header(&r, "Allow", v, sizeof(v)));
    assert_non_null(strstr(v, "GET"));
    assert_error_body(&r, FOLIO_EUSAGE);
    http_resp_free(&r);
}

static void test_unauthenticated(void **state)
{
    struct http_resp r;
    char v[128];

    (void)state;
    get("/api/v1/patients/1", &r);
    assert_int_equal(r.status, 401);
    assert_non_null(http_header(&r, "WWW-Authenticate", v, sizeof(v)));
    assert_non_null(strstr(v, "Bearer"));
    assert_error_body(&r, FOLIO_EPERM);
    http_resp_free(&r);

    assert_int_equal(http_simple(F.port, "GET", "/api/v1/patients/1",
                                 "00000000000000000000000000000000000000000000000000000000000000"
                                 "00",
                                 NULL, &r),
                     0);
    assert_int_equal(r.status, 401);
    http_resp_free(&r);
}

static void test_body_too_big(void **state)
{
    struct http_req q;
    struct http_resp r;
    char *big;
    size_t n = (size_t)20 << 20;

    (void)state;
    /* Declared too big: answered before the body is read. */
    memset(&q, 0, sizeof(q));
    q.method = "POST";
    q.path = "/api/v1/session";
    q.headers = "Content-Type: application/json\r\n";
    q.content_length = (long long)n;
    assert_int_equal(http_do(NULL, F.port, &q, &r), 0);
    assert_int_equal(r.status, 413);
    assert_error_body(&r, FOLIO_ETOOBIG);
    http_resp_free(&r);

    /* Actually sent. */
    big = malloc(n);
    assert_non_null(big);
    memset(big, ' ', n);
    q.body = big;
    q.body_len = n;
    q.content_length = -1;
    assert_int_equal(http_do(NULL, F.port, &q, &r), 0);
    assert_int_equal(r.status, 413);
    assert_error_body(&r, FOLIO_ETOOBIG);
    http_resp_free(&r);

    /* Chunked, no Content-Length: read and discarded past the cap, then 413. */
    {
        struct folio_buf b;
        size_t sent = 0;

        folio_buf_init(&b, n + (1u << 20));
        assert_int_equal(folio_buf_append_str(&b, ""), FOLIO_OK);
        while (sent < (size_t)17 << 20) {
            assert_int_equal(folio_buf_appendf(&b, "%x\r\n", 1u << 20), FOLIO_OK);
            assert_int_equal(folio_buf_append(&b, big, 1u << 20), FOLIO_OK);
            assert_int_equal(folio_buf_append_str(&b, "\r\n"), FOLIO_OK);
            sent += 1u << 20;
        }
        assert_int_equal(folio_buf_append_str(&b, "0\r\n\r\n"), FOLIO_OK);
        memset(&q, 0, sizeof(q));
        q.method = "PUT";
        q.path = "/api/v1/session";
        q.headers = "Transfer-Encoding: chunked\r\n";
        q.body = b.data;
        q.body_len = b.len;
        q.content_length = -2; /* neither: the chunked body carries its length */
        assert_int_equal(http_do(NULL, F.port, &q, &r), 0);
        assert_int_equal(r.status, 413);
        http_resp_free(&r);
        folio_buf_release(&b);
    }
    free(big);

    get("/healthz", &r); /* still serving */
    assert_int_equal(r.status, 200);
    http_resp_free(&r);
}

static void test_header_too_big(void **state)
{
    struct http_req q;
    struct http_resp r;
    struct folio_buf h;
    int rc;

    (void)state;
    folio_buf_init(&h, 1u << 20);
    assert_int_equal(folio_buf_append_str(&h, "X-Big: "), FOLIO_OK);
    while (h.len < 200000)
        assert_int_equal(folio_buf_append_str(&h, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), FOLIO_OK);
    assert_int_equal(folio_buf_append_str(&h, "\r\n"), FOLIO_OK);
    memset(&q, 0, sizeof(q));
    q.method = "GET";
    q.path = "/api/v1/health";
    q.headers = h.data;
    q.content_length = -1;
    rc = http_do(NULL, F.port, &q, &r);
    /* 431 (or the connection is closed without a response): never a 200. */
    assert_true(rc != 0 || r.status == 431 || r.status == 413 || r.status == 400 ||
                r.status == 0);
    http_resp_free(&r);
    folio_buf_release(&h);

    get("/healthz", &r);
    assert_int_equal(r.status, 200);
    http_resp_free(&r);
}

static void test_static(void **state)
{
    struct http_resp r;
    char v[128], etag[128], hdr[200];
    struct http_req q;
    static const char *const refused[] = {
        "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc%2fpasswd",
        "/sub/../../outside.txt", "/escape.txt", "/.hidden", "/sub/", "/sub", "/missing.js",
        "/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/..\\..\\etc\\passwd", "/%5c..%5c..%5cetc/passwd",
    };
    size_t i;

    (void)state;
    get("/", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "<title>folio</title>"));
    assert_non_null(http_header(&r, "Content-Type", v, sizeof(v)));
    assert_string_equal(v, "text/html; charset=utf-8");
    assert_security_headers(&r, false);
    http_resp_free(&r);

    get("/app.js", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(http_header(&r, "Content-Type", v, sizeof(v)));
    assert_string_equal(v, "text/javascript; charset=utf-8");
    assert_non_null(http_header(&r, "ETag", etag, sizeof(etag)));
    http_resp_free(&r);

    memset(&q, 0, sizeof(q));
    (void)folio_snprintf(hdr, sizeof(hdr), "If-None-Match: %s\r\n", etag);
    q.method = "GET";
    q.path = "/app.js";
    q.headers = hdr;
    q.content_length = -1;
    assert_int_equal(http_do(NULL, F.port, &q, &r), 0);
    assert_int_equal(r.status, 304);
    assert_int_equal(r.body_len, 0);
    http_resp_free(&r);

    for (i = 0; i < FOLIO_ARRAY_LEN(refused); i++) {
        get(refused[i], &r);
        if (r.status != 404 && r.status != 400) {
            print_message("%s: status %d, body %s\n", refused[i], r.status, r.body);
            http_resp_free(&r);
            fail();
        }
        assert_null(strstr(r.body, "root:"));
        assert_null(strstr(r.body, "outside the web root"));
        assert_null(strstr(r.body, "secret"));
        http_resp_free(&r);
    }

    assert_int_equal(http_simple(F.port, "POST", "/index.html", NULL, "{}", &r), 0);
    assert_int_equal(r.status, 405);
    http_resp_free(&r);
}

/* ---- graceful stop: a request in flight completes ---- */

struct stopper {
    struct folio_server *srv;
    volatile bool done;
};

static void *stop_thread(void *arg)
{
    struct stopper *s = arg;
    folio_server_stop(s->srv);
    s->done = true;
    return NULL;
}

static int raw_connect(unsigned port)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(0x7f000001);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

static void test_graceful_stop(void **state)
{
    struct folio_server *srv = start(NULL, NULL, 10);
    unsigned port = folio_server_port(srv);
    const char *head = "POST /api/v1/no-such HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                       "Content-Type: application/json\r\nContent-Length: 4\r\n\r\n{\"";
    struct stopper s = {srv, false};
    struct timespec ts = {0, 300 * 1000 * 1000};
    pthread_t th;
    char buf[4096];
    size_t got = 0;
    ssize_t n;
    int fd;

    (void)state;
    fd = raw_connect(port);
    assert_true(fd >= 0);
    assert_int_equal(send(fd, head, strlen(head), MSG_NOSIGNAL), (ssize_t)strlen(head));
    nanosleep(&ts, NULL); /* the server has the headers: the request is in flight */
    assert_int_equal(pthread_create(&th, NULL, stop_thread, &s), 0);
    nanosleep(&ts, NULL);
    assert_false(s.done);               /* waiting for the request */
    assert_true(raw_connect(port) < 0); /* no longer accepting */
    assert_int_equal(send(fd, "a\"", 2, MSG_NOSIGNAL), 2);
    while ((n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0)) > 0)
        got += (size_t)n;
    buf[got] = '\0';
    close(fd);
    assert_non_null(strstr(buf, "HTTP/1.1 404"));
    assert_non_null(strstr(buf, "\"error\""));
    pthread_join(th, NULL);
    assert_true(s.done);
}

/* ---- TLS round trip with a certificate made now by openssl, checked with curl ---- */

static bool have_cmd(const char *name)
{
    char cmd[128];
    (void)folio_snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
    return system(cmd) == 0;
}

static void test_tls(void **state)
{
    char cert[400], key[400], cmd[1200], out[256] = "";
    struct folio_server *srv;
    FILE *p;
    size_t n;

    (void)state;
    if (!have_cmd("openssl") || !have_cmd("curl")) {
        print_message("SKIP: openssl or curl is not installed\n");
        skip();
    }
    (void)folio_snprintf(cert, sizeof(cert), "%s/cert.pem", F.dir);
    (void)folio_snprintf(key, sizeof(key), "%s/tlskey.pem", F.dir);
    (void)folio_snprintf(cmd, sizeof(cmd),
                         "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
                         "-keyout '%s' -out '%s' >/dev/null 2>&1",
                         key, cert);
    assert_int_equal(system(cmd), 0);
    srv = start(cert, key, 0);
    assert_true(folio_server_tls(srv));
    (void)folio_snprintf(cmd, sizeof(cmd),
                         "curl -s --max-time 10 --cacert '%s' -o - -w ' %%{http_code}' "
                         "https://localhost:%u/healthz",
                         cert, folio_server_port(srv));
    p = popen(cmd, "r");
    assert_non_null(p);
    n = fread(out, 1, sizeof(out) - 1, p);
    out[n] = '\0';
    pclose(p);
    assert_string_equal(out, "ok 200");

    /* Plain HTTP to the TLS port is not served. */
    {
        struct http_resp r;
        (void)http_simple(folio_server_port(srv), "GET", "/healthz", NULL, NULL, &r);
        assert_int_not_equal(r.status, 200);
        http_resp_free(&r);
    }
    folio_server_stop(srv);
}

static void test_listen_rules(void **state)
{
    struct folio_server_opts o;
    struct folio_server *srv = NULL;
    struct folio_err err;

    (void)state;
    memset(&err, 0, sizeof(err));
    folio_server_opts_defaults(&o);
    o.db_url = folio_test_store_url();
    o.key_path = F.key;
    o.listen = "0.0.0.0:0";
    assert_int_equal(folio_server_start(&o, &srv, &err), FOLIO_EUSAGE);
    assert_null(srv);
    assert_non_null(strstr(err.msg, "without TLS"));

    o.listen = "nonsense";
    assert_int_equal(folio_server_start(&o, &srv, &err), FOLIO_EUSAGE);
    o.listen = "127.0.0.1:70000";
    assert_int_equal(folio_server_start(&o, &srv, &err), FOLIO_EUSAGE);

    o.listen = "127.0.0.1:0";
    o.key_path = "/nonexistent/folio.key";
    assert_int_equal(folio_server_start(&o, &srv, &err), FOLIO_ECRYPTO);
    assert_non_null(strstr(err.msg, "folio init"));

    /* IPv6 loopback, when the host has it. */
    o.key_path = F.key;
    o.listen = "[::1]:0";
    if (folio_server_start(&o, &srv, &err) == FOLIO_OK) {
        struct http_resp r;
        struct http_req q;
        memset(&q, 0, sizeof(q));
        q.method = "GET";
        q.path = "/healthz";
        q.content_length = -1;
        assert_int_equal(http_do("::1", folio_server_port(srv), &q, &r), 0);
        assert_int_equal(r.status, 200);
        http_resp_free(&r);
        folio_server_stop(srv);
    } else {
        print_message("note: no IPv6 loopback here (%s)\n", err.msg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_health),          cmocka_unit_test(test_not_found_and_method),
        cmocka_unit_test(test_unauthenticated), cmocka_unit_test(test_body_too_big),
        cmocka_unit_test(test_header_too_big),  cmocka_unit_test(test_static),
        cmocka_unit_test(test_graceful_stop),   cmocka_unit_test(test_tls),
        cmocka_unit_test(test_listen_rules),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

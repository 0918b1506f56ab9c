/* Tests of the MLLP listener (src/server/mllp.h) in this process, on the backend under test:
 * framing (garbage, <FS> without <CR>, a frame cut by a new <VT>, oversize, EOF mid-frame),
 * pipelined order, many connections, the connection limit, idle timeout, the loopback rule;
 * TLS with certificates made at test time by the openssl command (skipped without it): round
 * trip, a plain client on the TLS port, handshakes that never come, mutual TLS. */
#include "folio/base.h"

#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "folio/crypto.h"
#include "folio/store.h"
#include "server/mllp.h"
#include "testdb.h"

struct fx {
    struct folio_store *store;
    struct folio_mllp *m;
    char dir[64], key[96], addr[64];
    struct folio_err err;
};

struct tls_files {
    const char *cert, *key, *ca;
    unsigned handshake_seconds;
    const char *listen;
};

static struct fx *start_with(unsigned max_conn, unsigned idle, size_t max_msg,
                             const struct tls_files *t)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct folio_mllp_opts o;

    assert_non_null(f);
    assert_int_equal(folio_crypto_init(&f->err), FOLIO_OK);
    f->store = folio_test_store_open();
    (void)folio_strlcpy(f->dir, "/tmp/folio-test-mllp-XXXXXX", sizeof(f->dir));
    assert_non_null(mkdtemp(f->dir));
    (void)folio_snprintf(f->key, sizeof(f->key), "%s/key", f->dir);
    assert_int_equal(folio_key_create(f->key, &f->err), FOLIO_OK);
    folio_mllp_opts_defaults(&o);
    o.db_url = folio_test_store_url();
    o.key_path = f->key;
    o.listen = "127.0.0.1:0";
    o.max_connections = max_conn;
    o.idle_seconds = idle;
    o.max_message = max_msg;
    if (t) {
        o.tls_cert = t->cert;
        o.tls_key = t->key;
        o.tls_ca = t->ca;
        o.tls_handshake_seconds = t->handshake_seconds;
        if (t->listen)
            o.listen = t->listen;
    }
    if (folio_mllp_start(&o, &f->m, &f->err) != FOLIO_OK)
        fail_msg("start: %s", f->err.msg);
    (void)folio_snprintf(f->addr, sizeof(f->addr), "127.0.0.1:%u", folio_mllp_port(f->m));
    return f;
}

static struct fx *start(unsigned max_conn, unsigned idle, size_t max_msg)
{
    return start_with(max_conn, idle, max_msg, NULL);
}

static void stop(struct fx *f)
{
    folio_mllp_stop(f->m);
    folio_test_store_close(f->store);
    (void)unlink(f->key);
    (void)rmdir(f->dir);
    free(f);
}

static int dial(const struct fx *f)
{
    struct sockaddr_in sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)folio_mllp_port(f->m));
    sa.sin_addr.s_addr = htonl(0x7f000001);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    return fd;
}

static void send_raw(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        assert_true(w > 0);
        p += w;
        n -= (size_t)w;
    }
}

/* Reads one framed answer (content into out, NUL-terminated); false on close/timeout. */
static bool read_frame(int fd, char *out, size_t cap, int timeout_ms)
{
    size_t n = 0;
    bool in = false;

    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        char c;
        if (poll(&p, 1, timeout_ms) <= 0)
            return false;
        if (recv(fd, &c, 1, 0) != 1)
            return false;
        if (!in) {
            in = c == 0x0B;
            continue;
        }
        if (c == 0x1C) {
            out[n] = '\0';
            if (poll(&p, 1, timeout_ms) > 0)
                (void)recv(fd, &c, 1, 0); /* the CR */
            return true;
        }
        if (n + 1 < cap)
            out[n++] = c;
    }
}

static const char *adt(char *buf, size_t cap, const char *ctl)
{
    (void)folio_snprintf(buf, cap,
                         "MSH|^~\\&|T|FAC|FOLIO|HOSP|20240305120000||ADT^A01^ADT_A01|%s|P|2.5.1\r"
                         "EVN|A01|20240305120000\r"
                         "PID|1||M%s^^^FAC^MR||Doe^Jane||19610412|F\r"
                         "PV1|1|I|W1^101^A||||||||||||||||V%s^^^FAC^VN\r",
                         ctl, ctl, ctl);
    return buf;
}

static void send_frame(int fd, const char *msg)
{
    send_raw(fd, "\x0b", 1);
    send_raw(fd, msg, strlen(msg));
    send_raw(fd, "\x1c\r", 2);
}

static void test_framing(void **state)
{
    struct fx *f = start(0, 0, 4096);
    char msg[1024], ack[8192];
    int fd = dial(f);

    (void)state;
    /* garbage before <VT> is skipped */
    send_raw(fd, "hello\r\n", 7);
    send_frame(fd, adt(msg, sizeof(msg), "G1"));
    assert_true(read_frame(fd, ack, sizeof(ack), 10000));
    assert_non_null(strstr(ack, "MSA|AA|G1"));
    /* <FS> without <CR> is accepted */
    send_raw(fd, "\x0b", 1);
    send_raw(fd, adt(msg, sizeof(msg), "G2"), strlen(msg));
    send_raw(fd, "\x1c", 1);
    send_frame(fd, adt(msg, sizeof(msg), "G3"));
    assert_true(read_frame(fd, ack, sizeof(ack), 10000));
    assert_non_null(strstr(ack, "MSA|AA|G2"));
    assert_true(read_frame(fd, ack, sizeof(ack), 10000));
    assert_non_null(strstr(ack, "MSA|AA|G3"));
    /* a frame cut by a new <VT>: AR naming the problem, then the next frame as usual */
    send_raw(fd, "\x0b", 1);
    send_raw(fd, adt(msg, sizeof(msg), "G4"), 40);
    send_frame(fd, adt(msg, sizeof(msg), "G5"));
    assert_true(read_frame(fd, ack, sizeof(ack), 10000));
    assert_non_null(strstr(ack, "MSA|AR"));
    assert_non_null(strstr(ack, "start block"));
    assert_true(read_frame(fd, ack, sizeof(ack), 10000));
    assert_non_null(strstr(ack, "MSA|AA|G5"));
    /* oversize (limit 4096): AR with the reason, the connection stays usable */
    {
        char *big = malloc(20000);
        size_t n;
        assert_non_null(big);
        n = strlen(adt(big, 20000, "G6"));
        memset(big + n, 'x', 20000 - n - 1);
        big[19999] = '\0';
        big[n] = 'Z';
        big[n + 1] = 'X';
        big[n + 2] = 'X';
        big[n + 3] = '|';
        send_frame(fd, big);
        free(big);
    }
    assert_true(read_frame(fd, ack, sizeof(ack), 10000));
    assert_non_null(strstr(ack, "MSA|AR|G6"));
    assert_non_null(strstr(ack, "size limit"));
    send_frame(fd, adt(msg, sizeof(msg), "G7"));
    assert_true(read_frame(fd, ack, sizeof(ack), 10000));
    assert_non_null(strstr(ack, "MSA|AA|G7"));
    /* not HL7 at all: AR with a minimal MSH */
    send_frame(fd, "not a message");
    assert_true(read_frame(fd, ack, sizeof(ack), 10000));
    assert_non_null(strstr(ack, "MSA|AR"));
    /* EOF in the middle of a frame: dropped, not applied, nothing crashes */
    send_raw(fd, "\x0b", 1);
    send_raw(fd, adt(msg, sizeof(msg), "G8"), 30);
    close(fd);
    {
        int64_t n = 0;
        bool found = false;
        fd = dial(f); /* the listener still works */
        send_frame(fd, adt(msg, sizeof(msg), "G9"));
        assert_true(read_frame(fd, ack, sizeof(ack), 10000));
        assert_non_null(strstr(ack, "MSA|AA|G9"));
        assert_int_equal(folio_store_query_i64(f->store,
                                               "SELECT COUNT(*) FROM hl7_messages WHERE "
                                               "control_id = 'G8'",
                                               NULL, 0, &n, &found, &f->err),
                         FOLIO_OK);
        assert_int_equal(n, 0);
    }
    close(fd);
    stop(f);
}

static void test_pipelined_order_and_connections(void **state)
{
    struct fx *f = start(0, 0, 0);
    char msg[1024], ack[8192], ctl[32];
    int fd = dial(f), fds[40], i;

    (void)state;
    /* 100 messages written at once on one connection: answered in the same order */
    for (i = 0; i < 100; i++) {
        (void)folio_snprintf(ctl, sizeof(ctl), "P%d", i);
        send_frame(fd, adt(msg, sizeof(msg), ctl));
    }
    for (i = 0; i < 100; i++) {
        char want[40];
        assert_true(read_frame(fd, ack, sizeof(ack), 20000));
        (void)folio_snprintf(want, sizeof(want), "MSA|AA|P%d\r", i);
        if (!strstr(ack, want))
            fail_msg("answer %d out of order: %s", i, ack);
    }
    close(fd);
    /* 40 connections at once */
    for (i = 0; i < 40; i++) {
        fds[i] = dial(f);
        (void)folio_snprintf(ctl, sizeof(ctl), "C%d", i);
        send_frame(fds[i], adt(msg, sizeof(msg), ctl));
    }
    for (i = 0; i < 40; i++) {
        char want[40];
        assert_true(read_frame(fds[i], ack, sizeof(ack), 20000));
        (void)folio_snprintf(want, sizeof(want), "MSA|AA|C%d\r", i);
        assert_non_null(strstr(ack, want));
        close(fds[i]);
    }
    stop(f);
}

static void test_limits(void **state)
{
    struct fx *f = start(2, 1, 0);
    char msg[1024], ack[8192], c;
    int a = dial(f), b = dial(f), x;
    struct pollfd p;

    (void)state;
    send_frame(a, adt(msg, sizeof(msg), "L1"));
    assert_true(read_frame(a, ack, sizeof(ack), 10000));
    /* the third connection is closed at once */
    x = dial(f);
    p = (struct pollfd){x, POLLIN, 0};
    assert_true(poll(&p, 1, 5000) == 1);
    assert_true(recv(x, &c, 1, 0) <= 0);
    close(x);
    /* idle connections are closed after idle_seconds (1 s) */
    p = (struct pollfd){b, POLLIN, 0};
    assert_true(poll(&p, 1, 5000) == 1);
    assert_true(recv(b, &c, 1, 0) <= 0);
    close(a);
    close(b);
    stop(f);
}

static void test_loopback_rule(void **state)
{
    struct folio_mllp_opts o;
    struct folio_mllp *m = NULL;
    struct folio_err err;

    (void)state;
    memset(&err, 0, sizeof(err));
    folio_mllp_opts_defaults(&o);
    o.db_url = "sqlite::memory:";
    o.key_path = "/nonexistent";
    o.listen = "0.0.0.0:0";
    assert_int_equal(folio_mllp_start(&o, &m, &err), FOLIO_EUSAGE);
    assert_non_null(strstr(err.msg, "without TLS"));
    o.listen = "nonsense";
    assert_int_equal(folio_mllp_start(&o, &m, &err), FOLIO_EUSAGE);
    o.listen = "127.0.0.1:0";
    o.tls_cert = "c.pem"; /* half a pair */
    assert_int_equal(folio_mllp_start(&o, &m, &err), FOLIO_EUSAGE);
    assert_non_null(strstr(err.msg, "both"));
    o.tls_cert = NULL;
    o.tls_ca = "ca.pem"; /* client certificates without a server certificate */
    assert_int_equal(folio_mllp_start(&o, &m, &err), FOLIO_EUSAGE);
    o.tls_cert = "/nonexistent/c.pem"; /* with TLS, a non-loopback address is allowed */
    o.tls_key = "/nonexistent/k.pem";
    o.tls_ca = NULL;
    o.listen = "0.0.0.0:0";
    assert_int_equal(folio_mllp_start(&o, &m, &err), FOLIO_EIO);
    assert_non_null(strstr(err.msg, "/nonexistent/c.pem"));
    assert_null(m);
}

/* ---- TLS ---- */

static bool have_openssl(void)
{
    return system("command -v openssl >/dev/null 2>&1") == 0;
}

struct certs {
    char dir[64];
    char srv[96], srv_key[96], ca[96], cli[96], cli_key[96], rogue[96], rogue_key[96];
};

/* A server certificate for localhost/127.0.0.1 (self-signed), a CA, a client certificate it
 * issued, and a "rogue" client certificate issued by another CA of the same name (so the
 * client offers it and the server's signature check must refuse it). False (skip) without
 * openssl. */
static bool make_certs(struct certs *c)
{
    char cmd[2048];
    const char *ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1";

    if (!have_openssl()) {
        print_message("SKIP: the openssl command is not installed\n");
        return false;
    }
    (void)folio_strlcpy(c->dir, "/tmp/folio-test-mllp-tls-XXXXXX", sizeof(c->dir));
    assert_non_null(mkdtemp(c->dir));
    (void)folio_snprintf(c->srv, sizeof(c->srv), "%s/srv.pem", c->dir);
    (void)folio_snprintf(c->srv_key, sizeof(c->srv_key), "%s/srv.key", c->dir);
    (void)folio_snprintf(c->ca, sizeof(c->ca), "%s/ca.pem", c->dir);
    (void)folio_snprintf(c->cli, sizeof(c->cli), "%s/cli.pem", c->dir);
    (void)folio_snprintf(c->cli_key, sizeof(c->cli_key), "%s/cli.key", c->dir);
    (void)folio_snprintf(c->rogue, sizeof(c->rogue), "%s/rogue.pem", c->dir);
    (void)folio_snprintf(c->rogue_key, sizeof(c->rogue_key), "%s/rogue.key", c->dir);
    (void)folio_snprintf(
        cmd, sizeof(cmd),
        "cd '%s' && ("
        "openssl req -x509 %s -subj /CN=localhost "
        "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout srv.key -out srv.pem && "
        "openssl req -x509 %s -subj '/CN=Folio Test CA' -keyout ca.key -out ca.pem && "
        "openssl req %s -subj /CN=lab-sender -keyout cli.key -out cli.csr && "
        "openssl x509 -req -in cli.csr -CA ca.pem -CAkey ca.key -set_serial 2 -days 1 "
        "-out cli.pem && "
        "openssl req -x509 %s -subj '/CN=Folio Test CA' -keyout rca.key -out rca.pem && "
        "openssl req %s -subj /CN=lab-sender -keyout rogue.key -out rogue.csr && "
        "openssl x509 -req -in rogue.csr -CA rca.pem -CAkey rca.key -set_serial 3 -days 1 "
        "-out rogue.pem"
        ") >/dev/null 2>&1",
        c->dir, ec, ec, ec, ec, ec);
    assert_int_equal(system(cmd), 0);
    return true;
}

static void drop_certs(const struct certs *c)
{
    char cmd[128];

    (void)folio_snprintf(cmd, sizeof(cmd), "rm -rf '%s'", c->dir);
    assert_int_equal(system(cmd), 0);
}

/* Sends n ADT^A01 (control ids PREFIX0..) pipelined over the C client with TLS settings t and
 * checks the AAs come back in order. False when the connection or the handshake failed or the
 * server closed before answering (err says which). */
static bool tls_exchange(const struct fx *f, const struct folio_mllp_client_tls *t,
                         const char *prefix, int n, struct folio_err *err)
{
    struct folio_mllp_client *c = calloc(1, sizeof(*c));
    struct folio_buf ack;
    char msg[1024], ctl[32], want[48];
    bool ok = false;
    int i;

    assert_non_null(c);
    folio_buf_init(&ack, 1u << 20);
    memset(err, 0, sizeof(*err));
    if (folio_mllp_client_connect_tls(c, f->addr, t, err) != FOLIO_OK)
        goto out;
    for (i = 0; i < n; i++) {
        (void)folio_snprintf(ctl, sizeof(ctl), "%s%d", prefix, i);
        adt(msg, sizeof(msg), ctl);
        if (folio_mllp_client_send(c, msg, strlen(msg), err) != FOLIO_OK)
            goto out;
    }
    for (i = 0; i < n; i++) {
        if (folio_mllp_client_recv(c, &ack, 10000, err) != FOLIO_OK)
            goto out;
        (void)folio_snprintf(want, sizeof(want), "MSA|AA|%s%d\r", prefix, i);
        if (!strstr(ack.data, want))
            fail_msg("answer %d: %s", i, ack.data);
    }
    ok = true;
out:
    folio_mllp_client_close(c);
    folio_buf_release(&ack);
    free(c);
    return ok;
}

/* True when the server closes fd within timeout_ms (bytes before the close, such as a TLS
 * alert, are read and ignored). */
static bool closed_by_server(int fd, int timeout_ms)
{
    char buf[512];

    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        ssize_t r;
        if (poll(&p, 1, timeout_ms) <= 0)
            return false;
        r = recv(fd, buf, sizeof(buf), 0);
        if (r <= 0)
            return true;
    }
}

static int64_t count_ctl(struct fx *f, const char *like)
{
    char sql[160];
    int64_t n = -1;
    bool found = false;

    /* like: a test's own literal pattern */
    (void)folio_snprintf(sql, sizeof(sql),
                         "SELECT COUNT(*) FROM hl7_messages WHERE control_id LIKE '%s'", like);
    assert_int_equal(folio_store_query_i64(f->store, sql, NULL, 0, &n, &found, &f->err), FOLIO_OK);
    return n;
}

static void test_tls_round_trip(void **state)
{
    struct certs c;
    struct tls_files t = {0};
    struct folio_mllp_client_tls ct = {0};
    struct folio_mllp_stats st;
    struct folio_err err;
    struct fx *f;

    (void)state;
    if (!make_certs(&c))
        skip();
    t.cert = c.srv;
    t.key = c.srv_key;
    t.listen = "0.0.0.0:0"; /* non-loopback: allowed with TLS */
    f = start_with(0, 0, 0, &t);
    ct.ca = c.srv;
    if (!tls_exchange(f, &ct, "T", 20, &err))
        fail_msg("TLS exchange: %s", err.msg);
    assert_int_equal(count_ctl(f, "T%"), 20);
    /* a client that does not trust the server's certificate refuses it */
    ct.ca = c.ca;
    assert_false(tls_exchange(f, &ct, "U", 1, &err));
    assert_non_null(strstr(err.msg, "not accepted"));
    assert_int_equal(count_ctl(f, "U%"), 0);
    folio_mllp_get_stats(f->m, &st);
    assert_true(st.tls_handshakes >= 1);
    stop(f);
    drop_certs(&c);
}

static void test_tls_plain_client_and_stalled_handshakes(void **state)
{
    struct certs c;
    struct tls_files t = {0};
    struct folio_mllp_client_tls ct = {0};
    struct folio_mllp_stats st;
    struct folio_err err;
    char msg[1024];
    struct fx *f;
    int plain, silent, partial;

    (void)state;
    if (!make_certs(&c))
        skip();
    t.cert = c.srv;
    t.key = c.srv_key;
    t.handshake_seconds = 1;
    f = start_with(0, 0, 0, &t);
    ct.ca = c.srv;
    /* MLLP in plain TCP to the TLS port: the handshake fails, the connection is closed, nothing
     * is logged or applied */
    plain = dial(f);
    send_frame(plain, adt(msg, sizeof(msg), "PLAIN1"));
    assert_true(closed_by_server(plain, 5000));
    close(plain);
    assert_int_equal(count_ctl(f, "PLAIN%"), 0);
    /* a client that never says anything, and one that stops in the middle of its ClientHello:
     * neither blocks other connections, both are closed after the handshake timeout (1 s) */
    silent = dial(f);
    partial = dial(f);
    send_raw(partial, "\x16\x03\x01\x01\x00\x01\x00", 7);
    if (!tls_exchange(f, &ct, "S", 3, &err))
        fail_msg("TLS exchange beside stalled handshakes: %s", err.msg);
    assert_true(closed_by_server(silent, 6000));
    assert_true(closed_by_server(partial, 6000));
    close(silent);
    close(partial);
    folio_mllp_get_stats(f->m, &st);
    assert_true(st.tls_failures >= 3);
    /* the listener still works */
    if (!tls_exchange(f, &ct, "S2-", 1, &err))
        fail_msg("TLS exchange after: %s", err.msg);
    stop(f);
    drop_certs(&c);
}

static void test_tls_mutual(void **state)
{
    struct certs c;
    struct tls_files t = {0};
    struct folio_mllp_client_tls ct = {0};
    struct folio_err err;
    struct fx *f;

    (void)state;
    if (!make_certs(&c))
        skip();
    t.cert = c.srv;
    t.key = c.srv_key;
    t.ca = c.ca;
    f = start_with(0, 0, 0, &t);
    ct.ca = c.srv;
    /* a certificate the CA issued: accepted */
    ct.cert = c.cli;
    ct.key = c.cli_key;
    if (!tls_exchange(f, &ct, "M", 2, &err))
        fail_msg("mutual TLS: %s", err.msg);
    /* no certificate: refused (in the handshake, or at the first read under TLS 1.3, where
     * the client finishes before the server has checked it) */
    ct.cert = ct.key = NULL;
    assert_false(tls_exchange(f, &ct, "N", 1, &err));
    /* a certificate from an impostor CA with the trusted CA's name: refused */
    ct.cert = c.rogue;
    ct.key = c.rogue_key;
    assert_false(tls_exchange(f, &ct, "R", 1, &err));
    assert_int_equal(count_ctl(f, "M%"), 2);
    assert_int_equal(count_ctl(f, "N%"), 0);
    assert_int_equal(count_ctl(f, "R%"), 0);
    stop(f);
    drop_certs(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_framing),
        cmocka_unit_test(test_pipelined_order_and_connections),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_loopback_rule),
        cmocka_unit_test(test_tls_round_trip),
        cmocka_unit_test(test_tls_plain_client_and_stalled_handshakes),
        cmocka_unit_test(test_tls_mutual),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

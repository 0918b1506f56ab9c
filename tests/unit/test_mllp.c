/* Tests of the MLLP listener (src/server/mllp.h) in this process, on the backend under test:
 * framing (garbage, <FS> without <CR>, a frame cut by a new <VT>, oversize, EOF mid-frame),
 * pipelined order, many connections, the connection limit, idle timeout, the loopback rule. */
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

static struct fx *start(unsigned max_conn, unsigned idle, size_t max_msg)
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
    if (folio_mllp_start(&o, &f->m, &f->err) != FOLIO_OK)
        fail_msg("start: %s", f->err.msg);
    (void)folio_snprintf(f->addr, sizeof(f->addr), "127.0.0.1:%u", folio_mllp_port(f->m));
    return f;
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
    o.tls_cert = "c.pem";
    o.tls_key = "k.pem";
    assert_int_equal(folio_mllp_start(&o, &m, &err), FOLIO_EUSAGE);
    assert_null(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_framing),
        cmocka_unit_test(test_pipelined_order_and_connections),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_loopback_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

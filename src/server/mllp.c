/* The MLLP listener (src/server/mllp.h, docs/mllp.md): one epoll thread for the sockets (plain
 * or TLS through GnuTLS, handshakes non-blocking in the same thread), one writer thread that
 * applies messages through the HL7 message log (folio/hl7log.h) with group commit, and a small
 * blocking client. */
#include "folio/base.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "folio/crypto.h"
#include "folio/hl7log.h"
#include "folio/log.h"
#include "folio/records.h"
#include "folio/store.h"
#include "server/mllp.h"
#include "server/net.h"

#define VT 0x0B
#define FS 0x1C
#define CR 0x0D

#define DEFAULT_LISTEN   "127.0.0.1:2575"
#define DEFAULT_MAX_MSG  ((size_t)1 << 20)
#define DEFAULT_MAX_CONN 256u
#define DEFAULT_IDLE     600u
#define DEFAULT_PENDING  256u
#define DEFAULT_BATCH    512u
#define DEFAULT_DRAIN    10u
#define OUT_PAUSE        ((size_t)1 << 20) /* unsent ACK bytes that pause reading */
#define READ_CHUNK       65536
#define DEFAULT_HS       10u
#define TLS_WRITE_MAX    16384 /* one TLS record of ACK bytes per gnutls_record_send */

/* TLS 1.2 and 1.3 only; AEAD ciphers only (GCM, ChaCha20-Poly1305, CCM); forward-secret key
 * exchange only (no static RSA); SECURE128 keeps keys and signatures at 128-bit strength or
 * more (no SHA-1 signatures, no small groups). The server's order wins. docs/mllp.md "TLS". */
#define TLS_PRIORITY                                                                               \
    "SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-RSA:-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:"    \
    "+CHACHA20-POLY1305:+AES-256-CCM:+AES-128-CCM:%SERVER_PRECEDENCE"

enum frame_state { ST_IDLE = 0, ST_FRAME, ST_DISCARD, ST_AFTER_FS };

struct conn {
    struct conn *prev, *next; /* live list (I/O thread only) */
    int fd;
    int64_t id;
    char peer[80];
    enum frame_state st;
    struct folio_buf in;  /* frame being read (capped at max_message) */
    size_t garbage;       /* bytes outside frames since the last frame */
    size_t dropped;       /* bytes of an oversize frame not kept */
    struct folio_buf out; /* ACK bytes to send */
    size_t out_off;
    unsigned pending; /* jobs queued, not yet answered */
    unsigned refs;    /* jobs holding this conn */
    bool closed;      /* fd closed; freed when refs == 0 */
    bool reading;     /* EPOLLIN armed */
    bool want_out;    /* EPOLLOUT armed */
    time_t last;
    gnutls_session_t tls; /* NULL on a plain listener */
    bool hs_done;         /* TLS handshake complete: frames may flow */
    time_t hs_deadline;   /* the handshake must be done by then */
    size_t tls_wlen;      /* bytes of a gnutls_record_send that returned AGAIN (retry them) */
};

struct job {
    struct job *next;
    struct conn *c;
    char *data;
    size_t len;
    const char *frame_error; /* static text */
    char *reply;             /* framed ACK(s) to send, malloc'd; NULL = nothing */
    size_t reply_len;
};

struct folio_mllp {
    struct folio_mllp_opts o;
    struct folio_key key;
    int lfd, efd, ep;
    unsigned port;
    pthread_t io, wr;
    bool io_started, wr_started;
    atomic_bool stopping;
    /* writer queue */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct job *q_head, *q_tail;
    size_t q_len;
    bool wr_stop;
    /* answered jobs, back to the I/O thread */
    struct job *d_head, *d_tail;
    /* I/O thread only */
    struct conn *conns;
    struct conn *dead; /* closed, freed by reap() once no job holds them (linked by next) */
    unsigned n_conns;
    int64_t next_id;
    /* TLS (read-only once started) */
    bool tls;
    gnutls_certificate_credentials_t cred;
    gnutls_priority_t prio;
    /* stats */
    atomic_uint_fast64_t st_conns, st_msgs, st_batches, st_naks, st_frame_errors;
    atomic_uint_fast64_t st_tls_ok, st_tls_fail;
};

void folio_mllp_opts_defaults(struct folio_mllp_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->listen = DEFAULT_LISTEN;
}

unsigned folio_mllp_port(const struct folio_mllp *m)
{
    return m ? m->port : 0;
}

void folio_mllp_get_stats(struct folio_mllp *m, struct folio_mllp_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (!m)
        return;
    out->connections = atomic_load(&m->st_conns);
    out->messages = atomic_load(&m->st_msgs);
    out->batches = atomic_load(&m->st_batches);
    out->naks = atomic_load(&m->st_naks);
    out->frame_errors = atomic_load(&m->st_frame_errors);
    out->tls_handshakes = atomic_load(&m->st_tls_ok);
    out->tls_failures = atomic_load(&m->st_tls_fail);
}

/* ---- addresses ---- */

static void peer_text(const struct sockaddr_storage *ss, socklen_t len, char *out, size_t cap)
{
    char host[INET6_ADDRSTRLEN + 8], serv[16];

    if (getnameinfo((const struct sockaddr *)ss, len, host, sizeof(host), serv, sizeof(serv),
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        (void)folio_strlcpy(out, "unknown", cap);
        return;
    }
    if (ss->ss_family == AF_INET6)
        (void)folio_snprintf(out, cap, "[%s]:%s", host, serv);
    else
        (void)folio_snprintf(out, cap, "%s:%s", host, serv);
}

/* ---- the writer: group commit ---- */

static void tx_lock(struct folio_mllp *m)
{
    if (m->o.tx_lock)
        m->o.tx_lock(m->o.tx_ctx);
}

static void tx_unlock(struct folio_mllp *m)
{
    if (m->o.tx_unlock)
        m->o.tx_unlock(m->o.tx_ctx);
}

/* Appends <VT> p <FS><CR> to b. */
static enum folio_rc frame_into(struct folio_buf *b, const char *p, size_t len)
{
    enum folio_rc rc = folio_buf_append_ch(b, VT);
    if (!rc)
        rc = folio_buf_append(b, p, len);
    if (!rc)
        rc = folio_buf_append_ch(b, FS);
    if (!rc)
        rc = folio_buf_append_ch(b, CR);
    return rc;
}

static void job_set_reply(struct job *j, const struct folio_hl7_receipt *r, const char *nak,
                          size_t nak_len)
{
    struct folio_buf b;

    folio_buf_init(&b, 0);
    if (nak) {
        if (frame_into(&b, nak, nak_len))
            goto fail;
    } else {
        if (r->ack && frame_into(&b, r->ack, r->ack_len))
            goto fail;
    }
    if (b.len)
        j->reply = folio_buf_detach(&b, &j->reply_len);
    folio_buf_release(&b);
    return;
fail:
    folio_buf_release(&b);
}

static void job_nak(struct folio_mllp *m, struct job *j, struct folio_arena *a, enum folio_rc why)
{
    const char *ack = NULL;
    size_t len = 0;
    struct folio_err err;

    memset(&err, 0, sizeof(err));
    atomic_fetch_add(&m->st_naks, 1);
    folio_log(FOLIO_LOG_ERROR, "mllp.nak", FOLIO_LOG_RC("rc", why), FOLIO_LOG_END);
    if (folio_hl7log_nak(j->data, j->len,
                         "the message could not be stored (database failure): send it again", a,
                         &ack, &len, &err) == FOLIO_OK)
        job_set_reply(j, NULL, ack, len);
}

static void rollback_all(struct folio_store *st)
{
    int guard = 64;

    while (folio_store_tx_depth(st) > 0 && guard-- > 0)
        folio_store_rollback(st);
}

/* One transaction for the whole batch. Returns false when it failed as a whole (nothing
 * committed, no reply set): the caller retries one message per transaction. */
static bool run_batch(struct folio_mllp *m, const struct folio_chart *chart, struct job *batch,
                      struct folio_arena *a, bool single)
{
    struct folio_err err;
    struct folio_hl7_receipt *rs = NULL;
    struct job *j;
    size_t n = 0, i;
    bool ok = false;

    for (j = batch; j; j = j->next)
        n++;
    rs = calloc(n ? n : 1, sizeof(*rs));
    if (!rs)
        return false;
    memset(&err, 0, sizeof(err));
    tx_lock(m);
    if (folio_store_begin(chart->store, &err) != FOLIO_OK)
        goto out;
    for (j = batch, i = 0; j; j = j->next, i++) {
        struct folio_hl7_inbound in;
        enum folio_rc rc;

        memset(&in, 0, sizeof(in));
        in.raw = j->data;
        in.len = j->len;
        in.connection_id = j->c->id;
        in.peer = j->c->peer;
        in.frame_error = j->frame_error;
        memset(&err, 0, sizeof(err));
        rc = folio_hl7log_receive(chart, &in, a, &rs[i], &err);
        if (rc) {
            if (!single)
                goto out; /* retry one by one: this message's failure must not sink others */
            job_nak(m, j, a, rc);
            rs[i].log_id = -1;
        }
    }
    memset(&err, 0, sizeof(err));
    if (folio_store_commit(chart->store, &err) != FOLIO_OK) {
        if (single) {
            for (j = batch; j; j = j->next)
                if (!j->reply)
                    job_nak(m, j, a, err.code);
            for (j = batch, i = 0; j; j = j->next, i++)
                rs[i].log_id = -1;
        } else {
            goto out;
        }
    }
    /* Committed (durably: synchronous=FULL / PostgreSQL commit): now the answers. */
    for (j = batch, i = 0; j; j = j->next, i++)
        if (rs[i].log_id > 0)
            job_set_reply(j, &rs[i], NULL, 0);
    ok = true;
out:
    if (!ok || folio_store_tx_depth(chart->store) > 0)
        rollback_all(chart->store);
    tx_unlock(m);
    free(rs);
    return ok;
}

static void hand_back(struct folio_mllp *m, struct job *batch)
{
    struct job *tail = batch;
    uint64_t one = 1;

    while (tail->next)
        tail = tail->next;
    pthread_mutex_lock(&m->mu);
    if (m->d_tail)
        m->d_tail->next = batch;
    else
        m->d_head = batch;
    m->d_tail = tail;
    pthread_mutex_unlock(&m->mu);
    if (write(m->efd, &one, sizeof(one)) < 0) {
        /* the counter is saturated: the I/O thread is awake anyway */
    }
}

/* The writer's connection: synchronous=FULL on SQLite (WAL + synchronous=NORMAL loses the last
 * commits on power loss: an AA must not). NULL when the database cannot be opened. */
static struct folio_store *writer_open(struct folio_mllp *m)
{
    struct folio_store *st = NULL;
    struct folio_err err;

    memset(&err, 0, sizeof(err));
    if (folio_store_open(m->o.db_url, &st, &err) != FOLIO_OK) {
        folio_log(FOLIO_LOG_ERROR, "mllp.db_open_failed", FOLIO_LOG_RC("rc", err.code),
                  FOLIO_LOG_END);
        return NULL;
    }
    if (folio_store_kind(st) == FOLIO_STORE_SQLITE &&
        folio_store_exec(st, "PRAGMA synchronous=FULL", &err) != FOLIO_OK) {
        folio_log(FOLIO_LOG_ERROR, "mllp.sync_full_failed", FOLIO_LOG_RC("rc", err.code),
                  FOLIO_LOG_END);
        folio_store_close(st);
        return NULL;
    }
    return st;
}

static void *writer_main(void *arg)
{
    struct folio_mllp *m = arg;
    struct folio_store *st = NULL;
    struct folio_chart chart;
    struct folio_arena a;
    struct folio_err err;
    uint_fast64_t naks_seen = 0;

    memset(&err, 0, sizeof(err));
    folio_arena_init(&a, 0);
    st = writer_open(m);
    memset(&chart, 0, sizeof(chart));
    chart.store = st;
    chart.key = &m->key;
    chart.actor = NULL;

    for (;;) {
        struct job *batch = NULL, **tail = &batch, *j;
        unsigned n = 0;

        pthread_mutex_lock(&m->mu);
        while (!m->q_head && !m->wr_stop)
            pthread_cond_wait(&m->cv, &m->mu);
        if (!m->q_head && m->wr_stop) {
            pthread_mutex_unlock(&m->mu);
            break;
        }
        while (m->q_head && n < m->o.max_batch) {
            j = m->q_head;
            m->q_head = j->next;
            j->next = NULL;
            *tail = j;
            tail = &j->next;
            n++;
            m->q_len--;
        }
        if (!m->q_head)
            m->q_tail = NULL;
        pthread_mutex_unlock(&m->mu);

        folio_arena_release(&a);
        if (!st) { /* lost (or never had) the database: try again for this batch */
            st = writer_open(m);
            chart.store = st;
        }
        if (!st) {
            for (j = batch; j; j = j->next)
                job_nak(m, j, &a, FOLIO_ESTORE);
        } else if (!run_batch(m, &chart, batch, &a, n == 1)) {
            /* The batch failed as a whole: each message in its own transaction, so one bad
             * message (or a busy database) costs only itself. */
            for (j = batch; j; j = j->next) {
                struct job *next = j->next;
                folio_arena_release(&a);
                j->next = NULL;
                if (!run_batch(m, &chart, j, &a, true) && !j->reply)
                    job_nak(m, j, &a, FOLIO_ESTORE);
                j->next = next;
            }
        }
        atomic_fetch_add(&m->st_batches, 1);
        atomic_fetch_add(&m->st_msgs, n);
        if (st && atomic_load(&m->st_naks) != naks_seen) {
            /* a failure of the database itself (e.g. PostgreSQL restarted): a new connection
             * for the next batch */
            folio_store_close(st);
            st = NULL;
            chart.store = NULL;
        }
        naks_seen = atomic_load(&m->st_naks);
        hand_back(m, batch);
    }
    folio_arena_release(&a);
    folio_store_close(st);
    return NULL;
}

/* ---- the I/O thread ---- */

static void conn_arm(struct folio_mllp *m, struct conn *c)
{
    struct epoll_event ev;

    if (c->closed)
        return;
    memset(&ev, 0, sizeof(ev));
    ev.events = (c->reading ? EPOLLIN | EPOLLRDHUP : 0u) | (c->want_out ? EPOLLOUT : 0u);
    ev.data.ptr = c;
    (void)epoll_ctl(m->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void conn_free(struct conn *c)
{
    if (c->tls)
        gnutls_deinit(c->tls);
    folio_buf_release(&c->in);
    folio_buf_release(&c->out);
    free(c);
}

static void conn_close(struct folio_mllp *m, struct conn *c, const char *why)
{
    if (c->closed)
        return;
    (void)epoll_ctl(m->ep, EPOLL_CTL_DEL, c->fd, NULL);
    /* TLS close_notify, best effort (the socket is non-blocking); not after a TLS error */
    if (c->tls && c->hs_done && strcmp(why, "tls") != 0)
        (void)gnutls_bye(c->tls, GNUTLS_SHUT_WR);
    close(c->fd);
    c->fd = -1;
    c->closed = true;
    if (c->prev)
        c->prev->next = c->next;
    else
        m->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = NULL;
    c->next = m->dead;
    m->dead = c;
    m->n_conns--;
}

/* Frees closed connections no job refers to any more. Called between event batches only, so
 * no pointer to them is in use. */
static void reap(struct folio_mllp *m)
{
    struct conn **pp = &m->dead;

    while (*pp) {
        struct conn *c = *pp;
        if (c->refs == 0) {
            *pp = c->next;
            conn_free(c);
        } else {
            pp = &c->next;
        }
    }
}

/* A TLS failure on a connection: counted and logged by GnuTLS error code (no peer data). */
static void tls_fail(struct folio_mllp *m, const struct conn *c, int code)
{
    atomic_fetch_add(&m->st_tls_fail, 1);
    folio_log(FOLIO_LOG_WARN, "mllp.tls_error", FOLIO_LOG_INT("conn", c->id),
              FOLIO_LOG_INT("gnutls", code), FOLIO_LOG_INT("handshake_done", c->hs_done),
              FOLIO_LOG_END);
}

/* send(2) semantics over the connection's transport, plain or TLS: -1 with errno EAGAIN or
 * EINTR (try again), or EPROTO (a TLS error, logged: close with why "tls"). */
static ssize_t conn_send(struct folio_mllp *m, struct conn *c, const char *p, size_t n)
{
    ssize_t r;
    size_t len;

    if (!c->tls)
        return send(c->fd, p, n, MSG_NOSIGNAL);
    /* After AGAIN, GnuTLS holds the encrypted record: the retry passes the same length. */
    len = c->tls_wlen ? c->tls_wlen : (n < TLS_WRITE_MAX ? n : TLS_WRITE_MAX);
    r = gnutls_record_send(c->tls, p, len);
    if (r >= 0) {
        c->tls_wlen = 0;
        return r;
    }
    if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
        c->tls_wlen = len;
        errno = r == GNUTLS_E_AGAIN ? EAGAIN : EINTR;
        return -1;
    }
    tls_fail(m, c, (int)r);
    errno = EPROTO;
    return -1;
}

/* recv(2) semantics likewise: 0 = closed by the peer (close_notify, or TCP closed without
 * it), -1 with errno EAGAIN, EINTR or EPROTO (a TLS error, logged). */
static ssize_t conn_recv(struct folio_mllp *m, struct conn *c, char *buf, size_t cap)
{
    ssize_t r;

    if (!c->tls)
        return recv(c->fd, buf, cap, 0);
    r = gnutls_record_recv(c->tls, buf, cap);
    if (r >= 0)
        return r;
    if (r == GNUTLS_E_AGAIN) {
        errno = EAGAIN;
        return -1;
    }
    if (r == GNUTLS_E_PREMATURE_TERMINATION)
        return 0;
    /* a warning alert: read on. A renegotiation request (TLS 1.2) is refused: closed. */
    if (r == GNUTLS_E_INTERRUPTED ||
        (!gnutls_error_is_fatal((int)r) && r != GNUTLS_E_REHANDSHAKE)) {
        errno = EINTR;
        return -1;
    }
    tls_fail(m, c, (int)r);
    errno = EPROTO;
    return -1;
}

static void conn_flush(struct folio_mllp *m, struct conn *c)
{
    while (!c->closed && c->out_off < c->out.len) {
        ssize_t w = conn_send(m, c, c->out.data + c->out_off, c->out.len - c->out_off);
        if (w > 0) {
            c->out_off += (size_t)w;
            c->last = time(NULL);
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!c->want_out) {
                c->want_out = true;
                conn_arm(m, c);
            }
            return;
        }
        conn_close(m, c, w < 0 && errno == EPROTO ? "tls" : "write");
        return;
    }
    if (c->closed)
        return;
    folio_buf_reset(&c->out);
    c->out_off = 0;
    if (c->want_out) {
        c->want_out = false;
        conn_arm(m, c);
    }
}

static bool should_read(const struct folio_mllp *m, const struct conn *c)
{
    return !atomic_load(&m->stopping) && c->pending < m->o.max_pending &&
           c->out.len - c->out_off < OUT_PAUSE;
}

static void enqueue(struct folio_mllp *m, struct conn *c, char *data, size_t len,
                    const char *frame_error)
{
    struct job *j = calloc(1, sizeof(*j));

    if (!j) {
        free(data);
        conn_close(m, c, "oom");
        return;
    }
    if (frame_error) {
        atomic_fetch_add(&m->st_frame_errors, 1);
        folio_log(FOLIO_LOG_WARN, "mllp.broken_frame", FOLIO_LOG_INT("conn", c->id),
                  FOLIO_LOG_INT("bytes", len), FOLIO_LOG_END);
    }
    j->c = c;
    j->data = data;
    j->len = len;
    j->frame_error = frame_error;
    c->pending++;
    c->refs++;
    pthread_mutex_lock(&m->mu);
    if (m->q_tail)
        m->q_tail->next = j;
    else
        m->q_head = j;
    m->q_tail = j;
    m->q_len++;
    pthread_cond_signal(&m->cv);
    pthread_mutex_unlock(&m->mu);
}

/* Hands the frame read so far to the writer. */
static void frame_done(struct folio_mllp *m, struct conn *c, const char *frame_error)
{
    size_t len = 0;
    char *data;

    if (c->dropped && !frame_error)
        frame_error = "the message exceeds the size limit of the interface: it was not "
                      "processed (only its beginning is kept in the message log)";
    data = folio_buf_detach(&c->in, &len);
    c->dropped = 0;
    if (!data) {
        conn_close(m, c, "oom");
        return;
    }
    enqueue(m, c, data, len, frame_error);
}

/* Runs the framing state machine over bytes just read. */
static void on_bytes(struct folio_mllp *m, struct conn *c, const char *p, size_t n)
{
    size_t i = 0;

    while (i < n && !c->closed) {
        switch (c->st) {
        case ST_AFTER_FS:
            c->st = ST_IDLE;
            if (p[i] == CR) { /* <FS><CR>: the end block */
                i++;
                continue;
            }
            /* <FS> without <CR>: accepted (lenient), the byte is read as the next one */
            continue;
        case ST_IDLE: {
            const char *vt = memchr(p + i, VT, n - i);
            size_t skip = vt ? (size_t)(vt - (p + i)) : n - i;
            size_t k;

            for (k = 0; k < skip; k++) {
                char ch = p[i + k];
                if (ch != CR && ch != '\n' && ch != ' ' && ch != '\t')
                    c->garbage++;
            }
            i += skip;
            if (c->garbage > m->o.max_message) {
                folio_log(FOLIO_LOG_WARN, "mllp.garbage", FOLIO_LOG_INT("conn", c->id),
                          FOLIO_LOG_INT("bytes", c->garbage),
                          FOLIO_LOG_LIT("effect", "connection closed"), FOLIO_LOG_END);
                atomic_fetch_add(&m->st_frame_errors, 1);
                conn_close(m, c, "garbage");
                return;
            }
            if (vt) {
                if (c->garbage) {
                    folio_log(FOLIO_LOG_WARN, "mllp.garbage", FOLIO_LOG_INT("conn", c->id),
                              FOLIO_LOG_INT("bytes", c->garbage),
                              FOLIO_LOG_LIT("effect", "skipped"), FOLIO_LOG_END);
                    c->garbage = 0;
                }
                i++;
                c->st = ST_FRAME;
                folio_buf_reset(&c->in);
                c->dropped = 0;
            }
            break;
        }
        case ST_FRAME:
        case ST_DISCARD: {
            const char *fs = memchr(p + i, FS, n - i);
            size_t span = fs ? (size_t)(fs - (p + i)) : n - i;
            const char *vt = memchr(p + i, VT, span);

            if (vt) {
                /* A start block inside a frame: the frame before it never ended. */
                size_t part = (size_t)(vt - (p + i));
                if (c->st == ST_FRAME && folio_buf_append(&c->in, p + i, part) != FOLIO_OK)
                    c->dropped += part;
                frame_done(m, c,
                           "the frame was cut off: a new start block <VT> came before the end "
                           "block <FS><CR>");
                i += part + 1;
                c->st = ST_FRAME;
                folio_buf_reset(&c->in);
                continue;
            }
            if (c->st == ST_FRAME) {
                if (folio_buf_append(&c->in, p + i, span) != FOLIO_OK) {
                    /* over max_message: keep what fits, drop the rest until <FS> */
                    size_t room = c->in.max > c->in.len ? c->in.max - c->in.len : 0;
                    if (room && folio_buf_append(&c->in, p + i, room) != FOLIO_OK)
                        room = 0;
                    c->dropped += span - room;
                    c->st = ST_DISCARD;
                }
            } else {
                c->dropped += span;
            }
            i += span;
            if (fs) {
                i++;
                frame_done(m, c, NULL);
                c->st = ST_AFTER_FS;
            }
            break;
        }
        }
    }
}

static void on_readable(struct folio_mllp *m, struct conn *c)
{
    char buf[READ_CHUNK];

    while (!c->closed && should_read(m, c)) {
        ssize_t r = conn_recv(m, c, buf, sizeof(buf));
        if (r > 0) {
            c->last = time(NULL);
            on_bytes(m, c, buf, (size_t)r);
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        /* closed by the peer (or an error): a frame cut short is dropped, never applied */
        if (c->st == ST_FRAME || c->st == ST_DISCARD) {
            atomic_fetch_add(&m->st_frame_errors, 1);
            folio_log(FOLIO_LOG_WARN, "mllp.partial_frame", FOLIO_LOG_INT("conn", c->id),
                      FOLIO_LOG_INT("bytes", c->in.len + c->dropped), FOLIO_LOG_END);
        }
        conn_close(m, c, r < 0 && errno == EPROTO ? "tls" : "eof");
        return;
    }
    if (!c->closed && c->reading && !should_read(m, c)) {
        c->reading = false; /* back-pressure: resumes when answers go out */
        conn_arm(m, c);
    }
}

/* ---- TLS: per-connection session, handshake driven by epoll ---- */

/* Mutual TLS: the client's certificate must chain to --mllp-tls-ca (and be in its validity
 * period, with acceptable signatures). Called by GnuTLS in the handshake, so a refused client
 * gets an alert and no session. */
static int verify_client(gnutls_session_t s)
{
    unsigned status = 0;

    if (gnutls_certificate_verify_peers2(s, &status) < 0 || status != 0)
        return -1;
    return 0;
}

static bool conn_tls_new(struct folio_mllp *m, struct conn *c)
{
    if (gnutls_init(&c->tls, GNUTLS_SERVER | GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL) !=
        GNUTLS_E_SUCCESS) {
        c->tls = NULL;
        return false;
    }
    if (gnutls_priority_set(c->tls, m->prio) != GNUTLS_E_SUCCESS ||
        gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, m->cred) != GNUTLS_E_SUCCESS)
        return false; /* conn_free deinits */
    if (m->o.tls_ca) {
        gnutls_certificate_server_set_request(c->tls, GNUTLS_CERT_REQUIRE);
        gnutls_session_set_verify_function(c->tls, verify_client);
    }
    gnutls_transport_set_int(c->tls, c->fd);
    c->hs_deadline = time(NULL) + (time_t)m->o.tls_handshake_seconds;
    return true;
}

/* Advances the handshake as far as the socket allows; never blocks. A failed handshake closes
 * the connection; a slow one is closed by sweep_idle() at hs_deadline. */
static void conn_handshake(struct folio_mllp *m, struct conn *c)
{
    int guard = 16;

    for (;;) {
        int r = gnutls_handshake(c->tls);

        if (r == GNUTLS_E_SUCCESS) {
            c->hs_done = true;
            atomic_fetch_add(&m->st_tls_ok, 1);
            c->last = time(NULL);
            c->reading = true;
            c->want_out = false;
            conn_arm(m, c);
            on_readable(m, c); /* data may have arrived with the handshake's last flight */
            return;
        }
        if (r == GNUTLS_E_AGAIN) {
            bool w = gnutls_record_get_direction(c->tls) == 1;
            if (c->reading == w || c->want_out != w) {
                c->reading = !w;
                c->want_out = w;
                conn_arm(m, c);
            }
            return;
        }
        if ((r == GNUTLS_E_INTERRUPTED || !gnutls_error_is_fatal(r)) && guard-- > 0)
            continue;
        tls_fail(m, c, r);
        conn_close(m, c, "tls");
        return;
    }
}

static void on_accept(struct folio_mllp *m)
{
    for (;;) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        struct epoll_event ev;
        struct conn *c;
        int one = 1;
        int fd = accept(m->lfd, (struct sockaddr *)&ss, &len);

        if (fd < 0)
            return;
        if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0 ||
            fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
            close(fd);
            continue;
        }
        if (m->n_conns >= m->o.max_connections || atomic_load(&m->stopping)) {
            folio_log(FOLIO_LOG_WARN, "mllp.refused", FOLIO_LOG_INT("connections", m->n_conns),
                      FOLIO_LOG_LIT("reason", "connection limit"), FOLIO_LOG_END);
            close(fd);
            continue;
        }
        c = calloc(1, sizeof(*c));
        if (!c) {
            close(fd);
            continue;
        }
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        c->fd = fd;
        c->id = ++m->next_id;
        peer_text(&ss, len, c->peer, sizeof(c->peer));
        folio_buf_init(&c->in, m->o.max_message);
        folio_buf_init(&c->out, 0);
        c->reading = true;
        c->last = time(NULL);
        if (m->tls && !conn_tls_new(m, c)) {
            close(fd);
            conn_free(c);
            continue;
        }
        memset(&ev, 0, sizeof(ev));
        ev.events = EPOLLIN | EPOLLRDHUP;
        ev.data.ptr = c;
        if (epoll_ctl(m->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
            close(fd);
            conn_free(c);
            continue;
        }
        c->next = m->conns;
        if (m->conns)
            m->conns->prev = c;
        m->conns = c;
        m->n_conns++;
        atomic_fetch_add(&m->st_conns, 1);
    }
}

/* Answers that came back from the writer: queue their bytes and send. */
static void on_done(struct folio_mllp *m)
{
    struct job *j, *next;
    uint64_t v;

    if (read(m->efd, &v, sizeof(v)) < 0) {
        /* nothing to read: spurious wake-up */
    }
    pthread_mutex_lock(&m->mu);
    j = m->d_head;
    m->d_head = m->d_tail = NULL;
    pthread_mutex_unlock(&m->mu);
    for (; j; j = next) {
        struct conn *c = j->c;

        next = j->next;
        c->pending--;
        c->refs--;
        if (!c->closed && j->reply) {
            if (folio_buf_append(&c->out, j->reply, j->reply_len) != FOLIO_OK)
                conn_close(m, c, "oom");
            else
                conn_flush(m, c);
        }
        if (!c->closed && !c->reading && should_read(m, c)) {
            c->reading = true;
            conn_arm(m, c);
            /* records GnuTLS already decrypted wake no epoll: read them now */
            if (c->tls && gnutls_record_check_pending(c->tls) > 0)
                on_readable(m, c);
        }
        free(j->data);
        free(j->reply);
        free(j);
    }
}

static void sweep_idle(struct folio_mllp *m)
{
    time_t now = time(NULL);
    struct conn *c = m->conns, *next;

    for (; c; c = next) {
        next = c->next;
        if (c->tls && !c->hs_done) {
            if (now >= c->hs_deadline) {
                atomic_fetch_add(&m->st_tls_fail, 1);
                folio_log(FOLIO_LOG_WARN, "mllp.tls_timeout", FOLIO_LOG_INT("conn", c->id),
                          FOLIO_LOG_INT("seconds", m->o.tls_handshake_seconds), FOLIO_LOG_END);
                conn_close(m, c, "tls");
            }
            continue;
        }
        if (c->pending == 0 && now - c->last > (time_t)m->o.idle_seconds) {
            folio_log(FOLIO_LOG_INFO, "mllp.idle_close", FOLIO_LOG_INT("conn", c->id),
                      FOLIO_LOG_END);
            conn_close(m, c, "idle");
        }
    }
}

static unsigned total_pending(const struct folio_mllp *m)
{
    unsigned n = 0;
    const struct conn *c;

    for (c = m->conns; c; c = c->next)
        n += c->pending + (c->out.len > c->out_off ? 1u : 0u);
    return n;
}

static void *io_main(void *arg)
{
    struct folio_mllp *m = arg;
    struct epoll_event evs[64];
    time_t last_sweep = time(NULL), drain_until = 0;
    bool draining = false;

    for (;;) {
        int n, i;

        if (atomic_load(&m->stopping) && !draining) {
            draining = true;
            drain_until = time(NULL) + (time_t)m->o.drain_seconds;
            (void)epoll_ctl(m->ep, EPOLL_CTL_DEL, m->lfd, NULL);
            close(m->lfd);
            m->lfd = -1;
        }
        if (draining) {
            unsigned queued;
            pthread_mutex_lock(&m->mu);
            queued = (unsigned)m->q_len;
            pthread_mutex_unlock(&m->mu);
            if ((queued == 0 && total_pending(m) == 0) || time(NULL) > drain_until)
                break;
        }
        n = epoll_wait(m->ep, evs, (int)FOLIO_ARRAY_LEN(evs), draining ? 50 : 1000);
        for (i = 0; i < n; i++) {
            void *p = evs[i].data.ptr;
            if (p == &m->lfd) {
                on_accept(m);
            } else if (p == &m->efd) {
                on_done(m);
            } else {
                struct conn *c = p;
                if (c->closed)
                    continue;
                if (c->tls && !c->hs_done) {
                    conn_handshake(m, c);
                    continue;
                }
                if (evs[i].events & EPOLLOUT)
                    conn_flush(m, c);
                if (!c->closed && (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)))
                    on_readable(m, c);
            }
        }
        if (time(NULL) != last_sweep) {
            last_sweep = time(NULL);
            sweep_idle(m);
        }
        reap(m);
    }
    /* Stop the writer (it finishes what is queued), then collect its last answers. */
    pthread_mutex_lock(&m->mu);
    m->wr_stop = true;
    pthread_cond_signal(&m->cv);
    pthread_mutex_unlock(&m->mu);
    pthread_join(m->wr, NULL);
    m->wr_started = false;
    on_done(m);
    while (m->conns)
        conn_close(m, m->conns, "stop");
    reap(m);
    return NULL;
}

/* ---- start / stop ---- */

static enum folio_rc tls_readable(const char *path, const char *field, struct folio_err *err)
{
    if (access(path, R_OK) != 0)
        return folio_err_set(err, FOLIO_EIO, field, "cannot read '%s': %s", path, strerror(errno));
    return FOLIO_OK;
}

/* The server's credentials and priorities, shared (read-only) by every session. */
static enum folio_rc tls_setup(struct folio_mllp *m, struct folio_err *err)
{
    const char *pos = NULL;
    enum folio_rc rc;
    int r;

    if (!m->o.tls_handshake_seconds)
        m->o.tls_handshake_seconds = DEFAULT_HS;
    rc = tls_readable(m->o.tls_cert, "mllp-tls-cert", err);
    if (!rc)
        rc = tls_readable(m->o.tls_key, "mllp-tls-key", err);
    if (!rc && m->o.tls_ca)
        rc = tls_readable(m->o.tls_ca, "mllp-tls-ca", err);
    if (rc)
        return rc;
    if (gnutls_certificate_allocate_credentials(&m->cred) != GNUTLS_E_SUCCESS) {
        m->cred = NULL;
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory (TLS credentials)");
    }
    r = gnutls_certificate_set_x509_key_file(m->cred, m->o.tls_cert, m->o.tls_key,
                                             GNUTLS_X509_FMT_PEM);
    if (r < 0)
        return folio_err_set(err, FOLIO_ECRYPTO, "mllp-tls-key",
                             "cannot use certificate '%s' with key '%s' (PEM, key not "
                             "encrypted): %s",
                             m->o.tls_cert, m->o.tls_key, gnutls_strerror(r));
    if (m->o.tls_ca) {
        r = gnutls_certificate_set_x509_trust_file(m->cred, m->o.tls_ca, GNUTLS_X509_FMT_PEM);
        if (r <= 0)
            return folio_err_set(err, FOLIO_ECRYPTO, "mllp-tls-ca",
                                 "'%s' holds no usable PEM CA certificate%s%s", m->o.tls_ca,
                                 r < 0 ? ": " : "", r < 0 ? gnutls_strerror(r) : "");
    }
    r = gnutls_priority_init(&m->prio, TLS_PRIORITY, &pos);
    if (r < 0) {
        m->prio = NULL;
        return folio_err_set(err, FOLIO_EINTERNAL, NULL, "TLS priority string refused at '%s'",
                             pos ? pos : "");
    }
    return FOLIO_OK;
}

static enum folio_rc migrate_db(const char *url, struct folio_err *err)
{
    struct folio_store *st = NULL;
    enum folio_rc rc = folio_store_open(url, &st, err);

    if (!rc)
        rc = folio_store_migrate(st, NULL, err);
    folio_store_close(st);
    return rc;
}

enum folio_rc folio_mllp_start(const struct folio_mllp_opts *o, struct folio_mllp **out,
                               struct folio_err *err)
{
    struct folio_mllp *m;
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    struct epoll_event ev;
    bool loopback = false;
    int one = 1;
    enum folio_rc rc;

    *out = NULL;
    m = calloc(1, sizeof(*m));
    if (!m)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    m->o = *o;
    m->lfd = m->efd = m->ep = -1;
    if (!m->o.max_message)
        m->o.max_message = DEFAULT_MAX_MSG;
    if (!m->o.max_connections)
        m->o.max_connections = DEFAULT_MAX_CONN;
    if (!m->o.idle_seconds)
        m->o.idle_seconds = DEFAULT_IDLE;
    if (!m->o.max_pending)
        m->o.max_pending = DEFAULT_PENDING;
    if (!m->o.max_batch)
        m->o.max_batch = DEFAULT_BATCH;
    if (!m->o.drain_seconds)
        m->o.drain_seconds = DEFAULT_DRAIN;
    if (pthread_mutex_init(&m->mu, NULL) != 0) {
        free(m);
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "cannot create a mutex");
    }
    if (pthread_cond_init(&m->cv, NULL) != 0) {
        pthread_mutex_destroy(&m->mu);
        free(m);
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "cannot create a condition variable");
    }

    rc = folio_net_parse_hostport(folio_str_empty(m->o.listen) ? DEFAULT_LISTEN : m->o.listen, "mllp", &ss,
                        &sslen, &loopback, NULL, 0, err);
    if (rc)
        goto out;
    if (!m->o.tls_cert != !m->o.tls_key) {
        rc = folio_err_set(err, FOLIO_EUSAGE, "mllp-tls",
                           "give both --mllp-tls-cert and --mllp-tls-key");
        goto out;
    }
    if (m->o.tls_ca && !m->o.tls_cert) {
        rc = folio_err_set(err, FOLIO_EUSAGE, "mllp-tls-ca",
                           "--mllp-tls-ca (client certificates) needs --mllp-tls-cert and "
                           "--mllp-tls-key");
        goto out;
    }
    m->tls = m->o.tls_cert != NULL;
    if (!loopback && !m->tls && !m->o.insecure) {
        rc = folio_err_set(err, FOLIO_EUSAGE, "mllp",
                           "refusing MLLP on %s without TLS: HL7 carries patient data; give "
                           "--mllp-tls-cert and --mllp-tls-key, or --insecure-mllp when the "
                           "network is otherwise protected",
                           m->o.listen);
        goto out;
    }
    if (m->tls) {
        rc = tls_setup(m, err);
        if (rc)
            goto out;
    }
    if (folio_str_empty(m->o.db_url)) {
        rc = folio_err_set(err, FOLIO_EUSAGE, "db", "no database URL");
        goto out;
    }
    rc = folio_crypto_init(err);
    if (rc)
        goto out;
    if (folio_str_empty(m->o.key_path) || access(m->o.key_path, F_OK) != 0) {
        rc = folio_err_set(err, FOLIO_ECRYPTO, "key",
                           "key file '%s' not found: run 'folio init' (or 'folio demo') first",
                           m->o.key_path ? m->o.key_path : "");
        goto out;
    }
    rc = folio_key_load(m->o.key_path, &m->key, err);
    if (rc)
        goto out;
    rc = migrate_db(m->o.db_url, err);
    if (rc)
        goto out;

    m->lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (m->lfd < 0 || setsockopt(m->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(m->lfd, (struct sockaddr *)&ss, sslen) != 0 || listen(m->lfd, 1024) != 0) {
        rc = folio_err_set(err, FOLIO_EIO, "mllp", "cannot listen on %s: %s", m->o.listen,
                           strerror(errno));
        goto out;
    }
    {
        struct sockaddr_storage b;
        socklen_t bl = sizeof(b);
        if (getsockname(m->lfd, (struct sockaddr *)&b, &bl) == 0)
            m->port = b.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&b)->sin6_port)
                                              : ntohs(((struct sockaddr_in *)&b)->sin_port);
    }
    m->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    m->ep = epoll_create1(EPOLL_CLOEXEC);
    if (m->efd < 0 || m->ep < 0) {
        rc = folio_err_set(err, FOLIO_EIO, "mllp", "cannot create the event loop: %s",
                           strerror(errno));
        goto out;
    }
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN;
    ev.data.ptr = &m->lfd;
    if (epoll_ctl(m->ep, EPOLL_CTL_ADD, m->lfd, &ev) != 0) {
        rc = folio_err_set(err, FOLIO_EIO, "mllp", "epoll: %s", strerror(errno));
        goto out;
    }
    ev.data.ptr = &m->efd;
    if (epoll_ctl(m->ep, EPOLL_CTL_ADD, m->efd, &ev) != 0) {
        rc = folio_err_set(err, FOLIO_EIO, "mllp", "epoll: %s", strerror(errno));
        goto out;
    }
    if (pthread_create(&m->wr, NULL, writer_main, m) != 0) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "cannot start the MLLP writer thread");
        goto out;
    }
    m->wr_started = true;
    if (pthread_create(&m->io, NULL, io_main, m) != 0) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "cannot start the MLLP thread");
        goto out;
    }
    m->io_started = true;
    folio_log(FOLIO_LOG_INFO, "mllp.start", FOLIO_LOG_INT("port", m->port),
              FOLIO_LOG_INT("tls", m->tls), FOLIO_LOG_INT("client_certs", m->o.tls_ca != NULL),
              FOLIO_LOG_INT("max_message", m->o.max_message),
              FOLIO_LOG_INT("max_connections", m->o.max_connections), FOLIO_LOG_END);
    *out = m;
    m = NULL;
out:
    folio_mllp_stop(m);
    return rc;
}

void folio_mllp_stop(struct folio_mllp *m)
{
    if (!m)
        return;
    atomic_store(&m->stopping, true);
    if (m->io_started) {
        uint64_t one = 1;
        if (write(m->efd, &one, sizeof(one)) < 0) {
            /* saturated: awake anyway */
        }
        pthread_join(m->io, NULL);
    } else if (m->wr_started) {
        pthread_mutex_lock(&m->mu);
        m->wr_stop = true;
        pthread_cond_signal(&m->cv);
        pthread_mutex_unlock(&m->mu);
        pthread_join(m->wr, NULL);
    }
    /* Jobs never answered (stop timed out): drop them. */
    while (m->q_head) {
        struct job *j = m->q_head;
        m->q_head = j->next;
        free(j->data);
        free(j->reply);
        free(j);
    }
    while (m->d_head) {
        struct job *j = m->d_head;
        m->d_head = j->next;
        free(j->data);
        free(j->reply);
        free(j);
    }
    while (m->dead) { /* every job is gone: nothing refers to them */
        struct conn *c = m->dead;
        m->dead = c->next;
        conn_free(c);
    }
    if (m->cred)
        gnutls_certificate_free_credentials(m->cred);
    if (m->prio)
        gnutls_priority_deinit(m->prio);
    if (m->lfd >= 0)
        close(m->lfd);
    if (m->efd >= 0)
        close(m->efd);
    if (m->ep >= 0)
        close(m->ep);
    if (m->io_started)
        folio_log(FOLIO_LOG_INFO, "mllp.stop", FOLIO_LOG_INT("messages", atomic_load(&m->st_msgs)),
                  FOLIO_LOG_END);
    folio_key_wipe(&m->key);
    pthread_cond_destroy(&m->cv);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

/* ---- client ---- */

static enum folio_rc client_tls(struct folio_mllp_client *c, const struct folio_mllp_client_tls *t,
                                struct folio_err *err);

enum folio_rc folio_mllp_client_connect(struct folio_mllp_client *c, const char *hostport,
                                        struct folio_err *err)
{
    return folio_mllp_client_connect_tls(c, hostport, NULL, err);
}

enum folio_rc folio_mllp_client_connect_tls(struct folio_mllp_client *c, const char *hostport,
                                            const struct folio_mllp_client_tls *tls,
                                            struct folio_err *err)
{
    struct sockaddr_storage ss;
    socklen_t len = 0;
    bool loopback = false;
    int one = 1;
    enum folio_rc rc;

    memset(c, 0, sizeof(*c));
    c->fd = -1;
    rc = folio_net_parse_hostport(hostport, "to", &ss, &len, &loopback, c->host, sizeof(c->host), err);
    if (rc)
        return rc;
    c->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&ss, len) != 0) {
        rc = folio_err_set(err, FOLIO_EIO, "to", "cannot connect to %s: %s", hostport,
                           strerror(errno));
        if (c->fd >= 0)
            close(c->fd);
        c->fd = -1;
        return rc;
    }
    (void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (tls) {
        rc = client_tls(c, tls, err);
        if (rc)
            folio_mllp_client_close(c);
    }
    return rc;
}

/* The client side of TLS on the connected (blocking) socket: trust anchors, optional client
 * certificate, the server's name checked against its certificate, handshake with a timeout.
 * On success c->tls holds the session. */
static enum folio_rc client_tls(struct folio_mllp_client *c, const struct folio_mllp_client_tls *t,
                                struct folio_err *err)
{
    gnutls_certificate_credentials_t cred = NULL;
    gnutls_session_t s = NULL;
    unsigned char addr[sizeof(struct in6_addr)];
    const char *pos = NULL;
    int r, guard = 16;
    enum folio_rc rc = FOLIO_OK;

    if (gnutls_certificate_allocate_credentials(&cred) != GNUTLS_E_SUCCESS)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory (TLS credentials)");
    c->tls_cred = cred;
    if (t->ca && access(t->ca, R_OK) != 0)
        return folio_err_set(err, FOLIO_EIO, "tls-ca", "cannot read '%s': %s", t->ca,
                             strerror(errno));
    r = t->ca ? gnutls_certificate_set_x509_trust_file(cred, t->ca, GNUTLS_X509_FMT_PEM)
              : gnutls_certificate_set_x509_system_trust(cred);
    if (r <= 0)
        return t->ca ? folio_err_set(err, FOLIO_ECRYPTO, "tls-ca",
                                     "'%s' holds no usable PEM CA certificate", t->ca)
                     : folio_err_set(err, FOLIO_ECRYPTO, "tls-ca",
                                     "no system CA certificates: give --tls-ca PEM");
    if (!t->cert != !t->key)
        return folio_err_set(err, FOLIO_EUSAGE, "tls-cert", "give both --tls-cert and --tls-key");
    if (t->cert) {
        r = gnutls_certificate_set_x509_key_file(cred, t->cert, t->key, GNUTLS_X509_FMT_PEM);
        if (r < 0)
            return folio_err_set(err, FOLIO_ECRYPTO, "tls-key",
                                 "cannot use certificate '%s' with key '%s': %s", t->cert, t->key,
                                 gnutls_strerror(r));
    }
    if (gnutls_init(&s, GNUTLS_CLIENT | GNUTLS_NO_SIGNAL) != GNUTLS_E_SUCCESS)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory (TLS session)");
    if (gnutls_priority_set_direct(s, TLS_PRIORITY, &pos) != GNUTLS_E_SUCCESS ||
        gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred) != GNUTLS_E_SUCCESS) {
        rc = folio_err_set(err, FOLIO_EINTERNAL, NULL, "cannot set up the TLS session");
        goto out;
    }
    /* SNI carries names only, never addresses (RFC 6066 3) */
    if (inet_pton(AF_INET, c->host, addr) != 1 && inet_pton(AF_INET6, c->host, addr) != 1)
        (void)gnutls_server_name_set(s, GNUTLS_NAME_DNS, c->host, strlen(c->host));
    gnutls_session_set_verify_cert(s, c->host, 0);
    gnutls_transport_set_int(s, c->fd);
    gnutls_handshake_set_timeout(s, t->timeout_ms > 0 ? (unsigned)t->timeout_ms : 30000u);
    do
        r = gnutls_handshake(s);
    while (r < 0 && !gnutls_error_is_fatal(r) && guard-- > 0);
    if (r == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
        gnutls_datum_t why = {NULL, 0};
        unsigned status = gnutls_session_get_verify_cert_status(s);

        if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &why, 0) < 0)
            why.data = NULL;
        rc = folio_err_set(err, FOLIO_EIO, "to",
                           "TLS: the certificate of %s is not accepted (want one for '%s'): %s",
                           c->host, c->host, why.data ? (const char *)why.data : "refused");
        gnutls_free(why.data);
        goto out;
    }
    if (r < 0) {
        rc = folio_err_set(
            err, FOLIO_EIO, "to", "TLS handshake with %s failed: %s%s%s", c->host,
            gnutls_strerror(r), r == GNUTLS_E_FATAL_ALERT_RECEIVED ? ": " : "",
            r == GNUTLS_E_FATAL_ALERT_RECEIVED ? gnutls_alert_get_name(gnutls_alert_get(s)) : "");
        goto out;
    }
    c->tls = s;
    s = NULL;
out:
    if (s)
        gnutls_deinit(s);
    return rc;
}

void folio_mllp_client_close(struct folio_mllp_client *c)
{
    if (!c)
        return;
    if (c->tls) {
        if (c->fd >= 0)
            (void)gnutls_bye(c->tls, GNUTLS_SHUT_WR);
        gnutls_deinit(c->tls);
        c->tls = NULL;
    }
    if (c->tls_cred) {
        gnutls_certificate_free_credentials(c->tls_cred);
        c->tls_cred = NULL;
    }
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
}

static enum folio_rc send_all(int fd, const char *p, size_t n, struct folio_err *err)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return folio_err_set(err, FOLIO_EIO, "to", "send failed: %s", strerror(errno));
        p += w;
        n -= (size_t)w;
    }
    return FOLIO_OK;
}

static enum folio_rc client_write(struct folio_mllp_client *c, const char *p, size_t n,
                                  struct folio_err *err)
{
    if (!c->tls)
        return send_all(c->fd, p, n, err);
    while (n) {
        ssize_t w = gnutls_record_send(c->tls, p, n);
        if (w == GNUTLS_E_AGAIN || w == GNUTLS_E_INTERRUPTED)
            continue;
        if (w <= 0)
            return folio_err_set(err, FOLIO_EIO, "to", "send failed: %s", gnutls_strerror((int)w));
        p += w;
        n -= (size_t)w;
    }
    return FOLIO_OK;
}

enum folio_rc folio_mllp_client_send(struct folio_mllp_client *c, const char *msg, size_t len,
                                     struct folio_err *err)
{
    char vt = VT, end[2] = {FS, CR};
    enum folio_rc rc = client_write(c, &vt, 1, err);

    if (!rc)
        rc = client_write(c, msg, len, err);
    if (!rc)
        rc = client_write(c, end, 2, err);
    return rc;
}

/* One read of TLS records into c->buf, waiting up to timeout_ms (< 0: forever). */
static enum folio_rc client_tls_read(struct folio_mllp_client *c, int timeout_ms, bool in_frame,
                                     struct folio_err *err)
{
    int guard = 16;

    gnutls_record_set_timeout(c->tls, timeout_ms < 0    ? 0u
                                      : timeout_ms == 0 ? 1u
                                                        : (unsigned)timeout_ms);
    for (;;) {
        ssize_t r = gnutls_record_recv(c->tls, c->buf, sizeof(c->buf));
        if (r > 0) {
            c->len = (size_t)r;
            return FOLIO_OK;
        }
        if (r == GNUTLS_E_TIMEDOUT)
            return folio_err_set(err, FOLIO_EIO, "to", "no answer within %d ms", timeout_ms);
        if (r < 0 && !gnutls_error_is_fatal((int)r) && guard-- > 0)
            continue;
        if (r == 0 || r == GNUTLS_E_PREMATURE_TERMINATION)
            return folio_err_set(err, FOLIO_EIO, "to", "the connection was closed%s",
                                 in_frame ? " in the middle of an answer" : "");
        return folio_err_set(err, FOLIO_EIO, "to", "TLS: %s%s%s", gnutls_strerror((int)r),
                             r == GNUTLS_E_FATAL_ALERT_RECEIVED ? ": " : "",
                             r == GNUTLS_E_FATAL_ALERT_RECEIVED
                                 ? gnutls_alert_get_name(gnutls_alert_get(c->tls))
                                 : "");
    }
}

enum folio_rc folio_mllp_client_recv(struct folio_mllp_client *c, struct folio_buf *out,
                                     int timeout_ms, struct folio_err *err)
{
    bool in_frame = false;

    folio_buf_reset(out);
    for (;;) {
        while (c->off < c->len) {
            char ch = c->buf[c->off];
            if (!in_frame) {
                c->off++;
                if (ch == VT)
                    in_frame = true;
                continue;
            }
            {
                const char *fs = memchr(c->buf + c->off, FS, c->len - c->off);
                size_t span = fs ? (size_t)(fs - (c->buf + c->off)) : c->len - c->off;
                if (folio_buf_append(out, c->buf + c->off, span) != FOLIO_OK)
                    return folio_err_set(err, FOLIO_ETOOBIG, "to", "answer too large");
                c->off += span;
                if (fs) {
                    c->off++;
                    /* the CR after FS, when it is already here */
                    if (c->off < c->len && c->buf[c->off] == CR)
                        c->off++;
                    return FOLIO_OK;
                }
            }
        }
        c->off = c->len = 0;
        if (c->tls) {
            enum folio_rc rc = client_tls_read(c, timeout_ms, in_frame, err);
            if (rc)
                return rc;
            continue;
        }
        {
            struct pollfd pfd = {c->fd, POLLIN, 0};
            int pr = poll(&pfd, 1, timeout_ms);
            ssize_t r;

            if (pr == 0)
                return folio_err_set(err, FOLIO_EIO, "to", "no answer within %d ms", timeout_ms);
            if (pr < 0 && errno == EINTR)
                continue;
            r = recv(c->fd, c->buf, sizeof(c->buf), 0);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                return folio_err_set(err, FOLIO_EIO, "to", "the connection was closed%s",
                                     in_frame ? " in the middle of an answer" : "");
            c->len = (size_t)r;
        }
    }
}

/* The MLLP listener of `folio serve --mllp` and a small MLLP client (docs/mllp.md). Private to
 * src/server, src/cli and bench/: not a public library header.
 *
 * MLLP (HL7 v2.5.1 appendix C, release 1): a message travels as <VT> message <FS><CR>
 * (0x0B ... 0x1C 0x0D). The listener reads frames on many connections (one epoll thread), and
 * hands complete messages to one writer thread that applies them in arrival order: each
 * connection's messages in the order they came, many connections' messages batched into one
 * transaction (group commit). Every ACK is sent only after the transaction holding its message
 * has committed durably (SQLite: synchronous=FULL on the writer's connection; PostgreSQL:
 * synchronous_commit as configured, on by default). */
#ifndef FOLIO_SERVER_MLLP_H
#define FOLIO_SERVER_MLLP_H

#include "folio/base.h"

struct folio_mllp;

struct folio_mllp_opts {
    const char *db_url;
    const char *key_path; /* the data key (SSNs arriving in PID-19 are sealed) */
    const char *listen;   /* "127.0.0.1:2575"; ":PORT" = 127.0.0.1; port 0 = any */
    bool insecure;        /* allow a non-loopback address without TLS */
    /* TLS (GnuTLS, TLS 1.2+): both PEM files, or neither for plain MLLP. tls_ca: PEM trust
     * anchors; when set, every client must present a certificate that chains to one of them
     * (mutual TLS). */
    const char *tls_cert, *tls_key, *tls_ca;
    unsigned tls_handshake_seconds; /* a handshake not done by then closes the connection, 10 */
    /* Limits (0 = default): */
    size_t max_message;       /* bytes per message, 1 MiB */
    unsigned max_connections; /* concurrent connections, 256 */
    unsigned idle_seconds;    /* close a connection silent for this long, 600 */
    unsigned max_pending;     /* messages read from one connection and not yet answered,
                                 256; reading pauses beyond it */
    unsigned max_batch;       /* messages per transaction, 512 */
    unsigned drain_seconds;   /* stop: how long to wait for messages in flight, 10 */
    /* Optional: serialise the writer's transactions with the HTTP core's (SQLite allows one
     * writer; queueing in-process avoids SQLite's busy-sleep). NULL = rely on busy_timeout. */
    void (*tx_lock)(void *ctx);
    void (*tx_unlock)(void *ctx);
    void *tx_ctx;
};
void folio_mllp_opts_defaults(struct folio_mllp_opts *o);

/* Applies pending migrations, binds, starts the I/O and writer threads. EUSAGE for a bad or
 * refused address (non-loopback without TLS and without insecure) or half a TLS pair, EIO when
 * it cannot listen or read a TLS file, ECRYPTO without a key file or for a TLS certificate/key
 * GnuTLS refuses. */
enum folio_rc folio_mllp_start(const struct folio_mllp_opts *o, struct folio_mllp **out,
                               struct folio_err *err) FOLIO_MUST_USE;
unsigned folio_mllp_port(const struct folio_mllp *m);
/* Stops accepting and reading, lets the messages already read commit and be answered (bounded
 * by drain_seconds), closes everything. NULL ok. */
void folio_mllp_stop(struct folio_mllp *m);

struct folio_mllp_stats {
    uint64_t connections, messages, batches, naks, frame_errors;
    uint64_t tls_handshakes; /* completed */
    uint64_t tls_failures;   /* handshakes that failed or timed out, TLS errors after it */
};
void folio_mllp_get_stats(struct folio_mllp *m, struct folio_mllp_stats *out);

/* ---- client ---- */

struct folio_mllp_client {
    int fd;
    void *tls;      /* gnutls_session_t under TLS, else NULL */
    void *tls_cred; /* gnutls_certificate_credentials_t */
    char host[256]; /* the server's name or address, checked against its certificate */
    char buf[65536];
    size_t off, len;
    size_t max_frame; /* 0 = 16 MiB */
};
struct folio_mllp_client_tls {
    const char *ca;         /* PEM trust anchors; NULL = the system's */
    const char *cert, *key; /* client certificate for mutual TLS; NULL = none */
    int timeout_ms;         /* handshake; <= 0 = 30 s */
};
/* Connects to "HOST:PORT" (TCP_NODELAY). EIO/EUSAGE with err naming the address. */
enum folio_rc folio_mllp_client_connect(struct folio_mllp_client *c, const char *hostport,
                                        struct folio_err *err) FOLIO_MUST_USE;
/* The same over TLS (1.2+): the server's certificate must chain to tls->ca (or the system's
 * anchors) and name HOST (DNS or IP subjectAltName). tls NULL = plain. EIO for a failed
 * connection or handshake, ECRYPTO for a certificate file GnuTLS refuses. */
enum folio_rc folio_mllp_client_connect_tls(struct folio_mllp_client *c, const char *hostport,
                                            const struct folio_mllp_client_tls *tls,
                                            struct folio_err *err) FOLIO_MUST_USE;
/* Closes (sends TLS close_notify first). NULL and closed clients ok. */
void folio_mllp_client_close(struct folio_mllp_client *c);
/* Sends one framed message (blocking). */
enum folio_rc folio_mllp_client_send(struct folio_mllp_client *c, const char *msg, size_t len,
                                     struct folio_err *err) FOLIO_MUST_USE;
/* Reads the next frame's content into out (reset first). timeout_ms < 0 = wait forever.
 * EIO on timeout, close or error (err says which). */
enum folio_rc folio_mllp_client_recv(struct folio_mllp_client *c, struct folio_buf *out,
                                     int timeout_ms, struct folio_err *err) FOLIO_MUST_USE;

#endif

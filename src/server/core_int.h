/* Private to the HTTP core (http.c, router.c, req.c, static.c): never included by api_*.c. */
#ifndef FOLIO_SERVER_CORE_INT_H
#define FOLIO_SERVER_CORE_INT_H

#include "folio/base.h"

#include <limits.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>

#include "server/server.h"

struct folio_server {
    struct MHD_Daemon *d;
    struct folio_server_opts o; /* strings borrowed from the caller until stop */
    struct folio_key key;
    bool tls;
    bool have_web_root;
    char web_root[PATH_MAX]; /* realpath of opts.web_root */
    size_t web_root_len;
    unsigned port;
    pthread_key_t tkey; /* this worker thread's store */
    bool tkey_ok;
    pthread_mutex_t mu; /* guards stores */
    struct folio_store **stores;
    size_t n_stores, cap_stores;
    /* SQLite: one writer at a time in this process, queued here rather than in SQLite's busy
     * handler (which sleeps in steps of up to 100 ms: long tails under load). */
    bool serialize_tx;
    pthread_mutex_t tx_mu;
    /* SQLite: the one connection every write transaction runs on, used only while holding
     * tx_mu (one thread at a time, as store.h requires). As the only writer it keeps its page
     * cache and compiled statements warm: SQLite drops a connection's page cache whenever
     * another connection has committed, which with one connection per thread happened on
     * nearly every request. The per-thread connections serve the session check (a read). */
    struct folio_store *wstore;
    /* Group commit on wstore (http.c tx_begin/tx_end): requests that queue for the write lock
     * while a transaction is open run as savepoints inside it, and the last one commits for
     * all; each answers only after that COMMIT. All guarded by tx_mu. */
    atomic_int tx_waiting;    /* threads blocked on tx_mu */
    bool grp_open;            /* wstore has the group's transaction open */
    unsigned grp_n;           /* members so far */
    struct tx_member *grp_members;
    pthread_cond_t grp_cv;    /* with tx_mu: a group committed */
    bool grp_cv_ok;
    /* SQLite: WAL checkpoints run in a background thread, not in a request's commit. */
    pthread_t ckpt_thread;
    bool ckpt_running;
    pthread_cond_t ckpt_cv; /* with mu: wakes the checkpointer at stop */
    bool stopping;
    atomic_int inflight; /* requests between their first byte and their completion */
    struct folio_buf tls_cert_pem, tls_key_pem;
};

/* One request: allocated on MHD's first call, freed when MHD reports it completed. */
struct core_req {
    struct folio_server *srv;
    struct MHD_Connection *conn;
    struct folio_arena arena;
    struct folio_buf body;
    bool too_big;
    bool api;
    struct folio_req req;
    struct folio_resp resp;
    struct folio_session session;
    /* A patient-scoped action refused for want of break-the-glass (req.c folio_srv_audit): the
     * patient, whose access.denied entry the core appends after the rollback. 0 = none. */
    int64_t btg_denied_patient;
};

/* ---- router.c ---- */
enum core_match { CORE_NO_PATH = 0, CORE_MATCHED, CORE_WRONG_METHOD };
/* Finds the route for method+path. On CORE_MATCHED fills ids/words (words copied into a);
 * on CORE_WRONG_METHOD fills allow ("GET, POST"). */
enum core_match core_route_find(const char *method, const char *path, struct folio_arena *a,
                                const struct folio_route **route, int64_t ids[3],
                                const char *words[2], char *allow, size_t allow_cap);

/* ---- req.c ---- */
#define CORE_COOKIE_NAME "folio_session"
/* The token a request presents: Bearer header, else the session cookie; NULL when none. */
const char *core_request_token(struct MHD_Connection *conn);
/* The JSON error body text for code/msg/field (malloc'd, caller frees), NULL on ENOMEM. */
char *core_error_text(enum folio_rc code, const char *msg, const char *field, size_t *len);
/* Adds the security headers every response carries; api adds Cache-Control no-store. */
void core_add_security_headers(struct MHD_Response *r, bool api);

/* ---- static.c ---- */
/* Serves a GET/HEAD for path from srv->web_root (404/405 plain pages otherwise). */
enum MHD_Result core_static_serve(struct folio_server *srv, struct MHD_Connection *conn,
                                  const char *method, const char *path);
/* Queues a plain-text response with the security headers. */
enum MHD_Result core_queue_text(struct MHD_Connection *conn, unsigned status, const char *text,
                                bool api);

#endif

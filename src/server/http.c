/* The HTTP core of `folio serve` on libmicrohttpd: listening (TLS, loopback rule, limits), one
 * store connection per worker thread, the API request pipeline of server.h (route -> session ->
 * CSRF -> permission -> BEGIN -> handler -> COMMIT/ROLLBACK -> response), static files, graceful
 * stop. */
#include "folio/base.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "folio/audit.h"
#include "folio/log.h"
#include "server/core_int.h"
#include "server/net.h"

#define DEFAULT_LISTEN      "127.0.0.1:8080"
#define DEFAULT_THREADS     4u
#define DEFAULT_MAX_BODY    ((size_t)16 << 20)
#define DEFAULT_MAX_HEADER  ((size_t)64 << 10)
#define DEFAULT_PER_IP      256u
#define DEFAULT_TIMEOUT     60u
#define DEFAULT_DRAIN       10u
#define MAX_THREADS         256u
#define MAX_JSON_RESPONSE   ((size_t)256 << 20)
#define REQ_ARENA_MAX       ((size_t)256 << 20)

void folio_server_opts_defaults(struct folio_server_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->listen = DEFAULT_LISTEN;
    o->threads = DEFAULT_THREADS;
    o->max_body = DEFAULT_MAX_BODY;
    o->audit = true;
    folio_auth_policy_defaults(&o->auth);
}

const char *folio_req_facility_name(const struct folio_req *r)
{
    const struct core_req *c = r ? (const struct core_req *)r->core : NULL;

    if (c && c->srv && !folio_str_empty(c->srv->o.facility_name))
        return c->srv->o.facility_name;
    return FOLIO_SERVER_FACILITY_DEFAULT;
}

const char *folio_req_facility_address(const struct folio_req *r)
{
    const struct core_req *c = r ? (const struct core_req *)r->core : NULL;

    if (c && c->srv && !folio_str_empty(c->srv->o.facility_address))
        return c->srv->o.facility_address;
    return NULL;
}

unsigned folio_server_port(const struct folio_server *srv)
{
    return srv ? srv->port : 0;
}

bool folio_server_tls(const struct folio_server *srv)
{
    return srv && srv->tls;
}

/* ---- per-thread store ---- */

static struct folio_store *thread_store(struct folio_server *srv, struct folio_err *err,
                                        enum folio_rc *rc)
{
    struct folio_store *st = pthread_getspecific(srv->tkey);

    *rc = FOLIO_OK;
    if (st)
        return st;
    *rc = folio_store_open(srv->o.db_url, &st, err);
    if (*rc)
        return NULL;
    if (srv->ckpt_running) {
        *rc = folio_store_exec(st, "PRAGMA wal_autocheckpoint=0", err);
        if (*rc) {
            folio_store_close(st);
            return NULL;
        }
    }
    pthread_mutex_lock(&srv->mu);
    if (srv->n_stores == srv->cap_stores) {
        size_t ncap = srv->cap_stores ? srv->cap_stores * 2 : 16;
        struct folio_store **n = realloc(srv->stores, ncap * sizeof(*n));
        if (!n) {
            pthread_mutex_unlock(&srv->mu);
            folio_store_close(st);
            *rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
            return NULL;
        }
        srv->stores = n;
        srv->cap_stores = ncap;
    }
    srv->stores[srv->n_stores++] = st;
    pthread_mutex_unlock(&srv->mu);
    (void)pthread_setspecific(srv->tkey, st);
    return st;
}

static void rollback_all(struct folio_store *st)
{
    int guard = 64;

    while (folio_store_tx_depth(st) > 0 && guard-- > 0)
        folio_store_rollback(st);
}

#define GROUP_MAX 16u /* requests per group commit, bounding what a member waits for */

/* A request waiting for its group's COMMIT (on its thread's stack). */
struct tx_member {
    struct tx_member *next;
    bool done;
    enum folio_rc rc;
    struct folio_err err;
};

/* One request's transaction: the connection it runs on and the depth to return to. */
struct tx_run {
    struct folio_store *st;
    int base;
    bool grouped;
};

static void tx_mutex_lock(struct folio_server *srv)
{
    atomic_fetch_add(&srv->tx_waiting, 1);
    pthread_mutex_lock(&srv->tx_mu);
    atomic_fetch_sub(&srv->tx_waiting, 1);
}

/* Commits the open group (tx_mu held) and wakes its members with the outcome. */
static void group_commit_locked(struct folio_server *srv)
{
    struct folio_err err;
    struct tx_member *m;
    enum folio_rc rc;

    if (!srv->grp_open)
        return;
    memset(&err, 0, sizeof(err));
    rc = folio_store_commit(srv->wstore, &err);
    if (rc)
        rollback_all(srv->wstore);
    for (m = srv->grp_members; m; m = m->next) {
        m->rc = rc;
        if (rc)
            m->err = err;
        m->done = true;
    }
    srv->grp_members = NULL;
    srv->grp_n = 0;
    srv->grp_open = false;
    pthread_cond_broadcast(&srv->grp_cv);
}

/* Opens a request's transaction. SQLite: takes the write lock and runs on the shared writer
 * connection, as a savepoint in the group's transaction (opened when none is); PostgreSQL: a
 * plain BEGIN on the thread's own connection (own). On error nothing is held. */
static enum folio_rc tx_begin(struct folio_server *srv, struct folio_store *own, struct tx_run *t,
                              struct folio_err *err)
{
    enum folio_rc rc;

    memset(t, 0, sizeof(*t));
    t->st = own;
    if (!srv->serialize_tx)
        return folio_store_begin(own, err);
    tx_mutex_lock(srv);
    if (!srv->wstore) {
        rc = folio_store_begin(own, err);
        if (rc)
            pthread_mutex_unlock(&srv->tx_mu);
        return rc;
    }
    t->st = srv->wstore;
    t->grouped = true;
    if (!srv->grp_open) {
        rc = folio_store_begin(t->st, err);
        if (rc) {
            rollback_all(t->st);
            pthread_mutex_unlock(&srv->tx_mu);
            return rc;
        }
        srv->grp_open = true;
    }
    t->base = folio_store_tx_depth(t->st);
    rc = folio_store_begin(t->st, err);
    if (rc) {
        group_commit_locked(srv); /* the others' work stands on its own */
        pthread_mutex_unlock(&srv->tx_mu);
    }
    return rc;
}

/* Ends a request's transaction with the work's outcome rc: commits it (rc OK) or rolls it back,
 * releases the lock, and returns the final outcome: only FOLIO_OK once the work is committed
 * (grouped: after the group's COMMIT). err gets the commit's error. */
static enum folio_rc tx_end(struct folio_server *srv, struct tx_run *t, enum folio_rc rc,
                            struct folio_err *err)
{
    struct tx_member me;

    if (rc == FOLIO_OK) {
        while (folio_store_tx_depth(t->st) > t->base + 1) /* a handler left a savepoint open */
            folio_store_rollback(t->st);
        rc = folio_store_commit(t->st, err);
    }
    if (rc) {
        int guard = 64;
        while (folio_store_tx_depth(t->st) > t->base && guard-- > 0)
            folio_store_rollback(t->st);
    }
    if (!t->grouped) {
        if (srv->serialize_tx)
            pthread_mutex_unlock(&srv->tx_mu);
        return rc;
    }
    memset(&me, 0, sizeof(me));
    if (rc == FOLIO_OK) {
        me.next = srv->grp_members;
        srv->grp_members = &me;
        srv->grp_n++;
    }
    /* Commit now unless another request is queued to join (it, or a later one, commits).
     * After a failure too: SQLite may have ended the whole transaction on some errors. */
    if (rc || atomic_load(&srv->tx_waiting) == 0 || srv->grp_n >= GROUP_MAX)
        group_commit_locked(srv);
    if (rc == FOLIO_OK) {
        while (!me.done)
            pthread_cond_wait(&srv->grp_cv, &srv->tx_mu);
        rc = me.rc;
        if (rc)
            *err = me.err;
    }
    pthread_mutex_unlock(&srv->tx_mu);
    return rc;
}

/* WAL frames (pages) past which the checkpointer restarts the WAL: 2048 = 8 MiB of
 * 4 KiB pages. */
#define WAL_RESTART_FRAMES 2048

/* Runs a wal_checkpoint pragma; *log gets the WAL's size in frames. false on an error (busy:
 * next time). */
static bool wal_checkpoint(struct folio_store *st, const char *sql, int64_t *log)
{
    struct folio_stmt *stmt = NULL;
    struct folio_err err;
    bool row = false, ok;

    memset(&err, 0, sizeof(err));
    ok = folio_store_prepare(st, sql, &stmt, &err) == FOLIO_OK &&
         folio_stmt_step(stmt, &row, &err) == FOLIO_OK && row;
    if (ok)
        *log = folio_stmt_column_i64(stmt, 1);
    folio_stmt_free(stmt);
    return ok;
}

/* Checkpoints the WAL every 250 ms with its own connection (PASSIVE: never blocks readers or
 * writers), so no request pays for copying pages and fsync. */
static void *checkpointer(void *arg)
{
    struct folio_server *srv = arg;
    struct folio_store *st = NULL;
    struct folio_err err;
    int64_t log = 0;

    memset(&err, 0, sizeof(err));
    if (folio_store_open(srv->o.db_url, &st, &err) != FOLIO_OK)
        return NULL;
    pthread_mutex_lock(&srv->mu);
    while (!srv->stopping) {
        struct timespec until;

        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 250 * 1000 * 1000;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        (void)pthread_cond_timedwait(&srv->ckpt_cv, &srv->mu, &until);
        if (srv->stopping)
            break;
        pthread_mutex_unlock(&srv->mu);
        /* Without the write lock: copies the frames and pays the fsyncs while requests run. */
        if (wal_checkpoint(st, "PRAGMA wal_checkpoint(PASSIVE)", &log) && log > WAL_RESTART_FRAMES) {
            /* Under a steady write load the WAL never starts over by itself (a frame is always
             * appended between a checkpoint and the next write) and grows without bound. So
             * once it is large, checkpoint between two writers and wait for the readers
             * (RESTART): the next writer starts the WAL from its beginning. This holds the
             * write lock for the fsyncs (milliseconds), hence only past the threshold. */
            tx_mutex_lock(srv);
            group_commit_locked(srv);
            (void)wal_checkpoint(st, "PRAGMA wal_checkpoint(RESTART)", &log);
            pthread_mutex_unlock(&srv->tx_mu);
        }
        pthread_mutex_lock(&srv->mu);
    }
    pthread_mutex_unlock(&srv->mu);
    folio_store_close(st);
    return NULL;
}

/* ---- responses ---- */

/* Queues body (malloc'd, taken) as application/json with the API headers. */
static enum MHD_Result queue_json_text(struct core_req *c, unsigned status, char *text, size_t len,
                                       const char *allow, bool www_auth)
{
    struct MHD_Response *r;
    enum MHD_Result ret;

    r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(text);
        return MHD_NO;
    }
    (void)MHD_add_response_header(r, "Content-Type", "application/json");
    if (allow)
        (void)MHD_add_response_header(r, "Allow", allow);
    if (www_auth)
        (void)MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"folio\"");
    core_add_security_headers(r, true);
    ret = MHD_queue_response(c->conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result queue_error(struct core_req *c, unsigned status, enum folio_rc code,
                                   const char *msg, const char *field, const char *allow)
{
    size_t len;
    char *text = core_error_text(code, msg, field, &len);

    if (!text)
        return MHD_NO;
    return queue_json_text(c, status, text, len, allow, status == 401);
}

static enum MHD_Result queue_err(struct core_req *c, const struct folio_err *err)
{
    int status = folio_srv_status_for(err);

    if (status >= 500 && err->code != FOLIO_EBUSY) {
        folio_log(FOLIO_LOG_ERROR, "http.error", FOLIO_LOG_RC("rc", err->code),
                  FOLIO_LOG_INT("status", status), FOLIO_LOG_END);
        return queue_error(c, (unsigned)status, err->code,
                           "internal error: the server could not complete the request", NULL,
                           NULL);
    }
    return queue_error(c, (unsigned)status, err->code, err->msg, err->field, NULL);
}

static enum MHD_Result queue_handler_resp(struct core_req *c)
{
    struct folio_resp *resp = &c->resp;
    struct MHD_Response *r;
    enum MHD_Result ret;
    unsigned status = resp->status > 0 ? (unsigned)resp->status : 200u;

    if (resp->json) {
        struct folio_buf b;
        char *text;
        size_t len = 0;

        folio_buf_init(&b, MAX_JSON_RESPONSE);
        if (folio_json_dump(resp->json, &b) != FOLIO_OK) {
            folio_buf_release(&b);
            return queue_error(c, 500, FOLIO_ENOMEM, "the response is too large", NULL, NULL);
        }
        text = folio_buf_detach(&b, &len);
        if (!text)
            return MHD_NO;
        r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
        if (!r) {
            free(text);
            return MHD_NO;
        }
        (void)MHD_add_response_header(r, "Content-Type", "application/json");
    } else {
        r = MHD_create_response_from_buffer(resp->raw ? resp->raw_len : 0,
                                            (void *)(uintptr_t)resp->raw, MHD_RESPMEM_MUST_COPY);
        if (!r)
            return MHD_NO;
        if (resp->raw)
            (void)MHD_add_response_header(r, "Content-Type",
                                          resp->content_type ? resp->content_type
                                                             : "application/octet-stream");
    }
    if (resp->content_disposition)
        (void)MHD_add_response_header(r, "Content-Disposition", resp->content_disposition);
    if (resp->etag[0])
        (void)MHD_add_response_header(r, "ETag", resp->etag);
    if (resp->location[0])
        (void)MHD_add_response_header(r, "Location", resp->location);
    if (resp->cookie_set) {
        char cookie[256];
        const char *secure = c->srv->tls ? "; Secure" : "";
        if (resp->cookie_clear)
            (void)folio_snprintf(cookie, sizeof(cookie),
                                 CORE_COOKIE_NAME "=; Max-Age=0; HttpOnly; SameSite=Strict; Path=/%s",
                                 secure);
        else
            (void)folio_snprintf(cookie, sizeof(cookie),
                                 CORE_COOKIE_NAME "=%s; HttpOnly; SameSite=Strict; Path=/%s",
                                 resp->cookie, secure);
        (void)MHD_add_response_header(r, "Set-Cookie", cookie);
    }
    if (status == 401)
        (void)MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"folio\"");
    core_add_security_headers(r, true);
    ret = MHD_queue_response(c->conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* ---- the API pipeline ---- */

static bool method_unsafe(const char *m)
{
    return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0 && strcmp(m, "OPTIONS") != 0;
}

/* A refusal's audit entry, in its own short transaction. */
static void audit_refusal(struct core_req *c, struct folio_store *st, const char *action,
                          const struct folio_route *route, const char *why)
{
    struct folio_audit_event ev;
    struct folio_err err;
    struct tx_run t;
    char roles[256], detail[256];
    enum folio_rc rc;

    if (!c->srv->o.audit)
        return;
    memset(&err, 0, sizeof(err));
    memset(&ev, 0, sizeof(ev));
    ev.action = action;
    ev.outcome = "denied";
    if (c->req.session) {
        ev.username = c->req.session->username;
        if (folio_roles_format(c->req.session->roles, roles, sizeof(roles)))
            ev.roles = roles;
    }
    if (strncmp(route->pattern, "/api/v1/patients/{id}", 21) == 0)
        ev.patient_id = c->req.ids[0];
    if (c->btg_denied_patient)
        ev.patient_id = c->btg_denied_patient;
    (void)folio_snprintf(detail, sizeof(detail), "%s %s: %s", route->method, route->pattern, why);
    ev.detail = detail;
    ev.client = c->req.client;
    rc = tx_begin(c->srv, st, &t, &err);
    if (rc == FOLIO_OK)
        rc = tx_end(c->srv, &t, folio_audit_append(t.st, &ev, NULL, &err), &err);
    if (rc) {
        folio_log(FOLIO_LOG_ERROR, "http.audit_failed", FOLIO_LOG_RC("rc", rc), FOLIO_LOG_END);
    }
}

static const char *client_text(struct core_req *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char host[INET6_ADDRSTRLEN + 8];
    socklen_t len;

    if (!ci || !ci->client_addr)
        return "unknown";
    len = ci->client_addr->sa_family == AF_INET6 ? (socklen_t)sizeof(struct sockaddr_in6)
                                                 : (socklen_t)sizeof(struct sockaddr_in);
    if (getnameinfo(ci->client_addr, len, host, sizeof(host), NULL, 0, NI_NUMERICHOST) != 0)
        return "unknown";
    return folio_arena_strdup(&c->arena, host);
}

static enum MHD_Result handle_api(struct core_req *c, const char *method, const char *path)
{
    struct folio_server *srv = c->srv;
    const struct folio_route *route = NULL;
    struct folio_store *st;
    struct folio_err err;
    struct tx_run t;
    char allow[64], msg[160];
    const char *token;
    bool bad_token = false;
    enum folio_rc rc;

    memset(&err, 0, sizeof(err));
    if (c->too_big) {
        (void)folio_snprintf(msg, sizeof(msg), "the request body exceeds the limit of %zu bytes",
                             srv->o.max_body);
        return queue_error(c, 413, FOLIO_ETOOBIG, msg, NULL, NULL);
    }
    switch (core_route_find(method, path, &c->arena, &route, c->req.ids, c->req.words, allow,
                            sizeof(allow))) {
    case CORE_NO_PATH:
        return queue_error(c, 404, FOLIO_ENOTFOUND, "no API endpoint at this path", NULL, NULL);
    case CORE_WRONG_METHOD:
        (void)folio_snprintf(msg, sizeof(msg), "method %s is not allowed here (allowed: %s)",
                             method, allow);
        return queue_error(c, 405, FOLIO_EUSAGE, msg, NULL, allow);
    case CORE_MATCHED:
        break;
    }

    st = thread_store(srv, &err, &rc);
    if (!st)
        return queue_error(c, 503, FOLIO_EBUSY, "the database is not available", NULL, NULL);
    c->req.method = method;
    c->req.path = path;
    c->req.body = c->body.data;
    c->req.body_len = c->body.len;
    c->req.client = client_text(c);
    c->req.store = st;
    c->req.key = &srv->key;
    c->req.arena = &c->arena;
    c->req.core = c;
    c->req.session = NULL;

    /* Session and permission checks before the transaction: the session look-up is a read (its
     * once-a-minute last_seen refresh commits on its own), and refusals write only their audit
     * entry, in a short transaction of its own. */
    token = core_request_token(c->conn);
    if (token) {
        rc = folio_auth_check(st, &srv->o.auth, token, &c->session, &err);
        if (rc == FOLIO_OK) {
            c->req.session = &c->session;
        } else if (rc == FOLIO_EPERM) {
            bad_token = true;
            memset(&err, 0, sizeof(err));
        } else {
            goto fail;
        }
    }
    if (route->perm != FOLIO_PERM_NONE && !c->req.session) {
        audit_refusal(c, st, "auth.denied", route, bad_token ? "session expired or unknown"
                                                              : "no session");
        return queue_error(c, 401, FOLIO_EPERM,
                           bad_token ? "the session has expired or is unknown: sign in again"
                                     : "sign in first (session cookie or Authorization: Bearer)",
                           NULL, NULL);
    }
    if (c->req.session && c->req.session->cookie && method_unsafe(method) &&
        !folio_auth_csrf_ok(c->req.session,
                            MHD_lookup_connection_value(c->conn, MHD_HEADER_KIND,
                                                        "X-CSRF-Token"))) {
        audit_refusal(c, st, "access.denied", route, "missing or wrong X-CSRF-Token");
        return queue_error(c, 403, FOLIO_EPERM,
                           "missing or wrong X-CSRF-Token header (cookie sessions must send it)",
                           "X-CSRF-Token", NULL);
    }
    if (route->perm != FOLIO_PERM_NONE && !folio_roles_can(c->req.session->roles, route->perm)) {
        audit_refusal(c, st, "access.denied", route, folio_perm_name(route->perm));
        (void)folio_snprintf(msg, sizeof(msg), "your roles do not grant %s",
                             folio_perm_name(route->perm));
        return queue_error(c, 403, FOLIO_EPERM, msg, NULL, NULL);
    }

    rc = tx_begin(srv, st, &t, &err);
    if (rc)
        goto fail;
    c->req.store = t.st;
    rc = route->fn(&c->req, &c->resp, &err);
    if (rc == FOLIO_OK && err.code != FOLIO_OK)
        memset(&err, 0, sizeof(err));
    rc = tx_end(srv, &t, rc, &err);
    c->req.store = st;
    if (rc && c->btg_denied_patient) /* rolled back: the refusal is audited on its own */
        audit_refusal(c, st, "access.denied", route, "break_the_glass required");
    if (rc)
        goto fail;
    return queue_handler_resp(c);

fail:
    if (err.code == FOLIO_OK)
        err.code = rc;
    json_decref(c->resp.json);
    c->resp.json = NULL;
    return queue_err(c, &err);
}

/* ---- libmicrohttpd callbacks ---- */

static bool is_api_path(const char *url)
{
    return strncmp(url, "/api/", 5) == 0 || strcmp(url, "/api") == 0;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload,
                                 size_t *upload_size, void **con_cls)
{
    struct folio_server *srv = cls;
    struct core_req *c = *con_cls;

    (void)version;
    if (!c) {
        const char *cl;

        c = calloc(1, sizeof(*c));
        if (!c)
            return MHD_NO;
        c->srv = srv;
        c->conn = conn;
        folio_arena_init(&c->arena, REQ_ARENA_MAX);
        folio_buf_init(&c->body, srv->o.max_body);
        c->api = is_api_path(url);
        atomic_fetch_add(&srv->inflight, 1);
        *con_cls = c;
        cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl) {
            int64_t n = 0;
            if (folio_sv_to_i64(folio_sv_from(cl), &n) == FOLIO_OK && n >= 0 &&
                (uint64_t)n > (uint64_t)srv->o.max_body) {
                c->too_big = true;
                if (c->api) /* answer now, without reading the body */
                    return handle_api(c, method, url);
                return core_queue_text(conn, 413, "request body too large\n", false);
            }
        }
        return MHD_YES;
    }
    if (*upload_size) {
        if (!c->too_big && folio_buf_append(&c->body, upload, *upload_size) != FOLIO_OK) {
            c->too_big = true;
            folio_buf_release(&c->body);
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (strcmp(url, "/healthz") == 0)
        return core_queue_text(conn, 200, "ok", false);
    if (c->api)
        return handle_api(c, method, url);
    if (c->too_big)
        return core_queue_text(conn, 413, "request body too large\n", false);
    return core_static_serve(srv, conn, method, url);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct folio_server *srv = cls;
    struct core_req *c = *con_cls;

    (void)conn;
    (void)toe;
    if (!c)
        return;
    json_decref(c->resp.json);
    folio_arena_release(&c->arena);
    folio_buf_release(&c->body);
    memset(&c->session, 0, sizeof(c->session));
    free(c);
    *con_cls = NULL;
    atomic_fetch_sub(&srv->inflight, 1);
}

/* ---- start / stop ---- */

/* "HOST:PORT", "[v6]:PORT" or ":PORT" (127.0.0.1); the default when empty. */
static enum folio_rc parse_listen(const char *listen, struct sockaddr_storage *ss, bool *loopback,
                                  struct folio_err *err)
{
    socklen_t len;

    return folio_net_parse_hostport(folio_str_empty(listen) ? DEFAULT_LISTEN : listen, "listen",
                                    ss, &len, loopback, NULL, 0, err);
}

static void resolve_web_root(struct folio_server *srv)
{
    const char *root = srv->o.web_root;

    if (folio_str_empty(root))
        root = getenv("FOLIO_WEB_ROOT");
    if (folio_str_empty(root))
        root = FOLIO_SOURCE_DIR "/web";
    srv->have_web_root = realpath(root, srv->web_root) != NULL;
    srv->web_root_len = srv->have_web_root ? strlen(srv->web_root) : 0;
    if (!srv->have_web_root)
        folio_log(FOLIO_LOG_WARN, "http.no_web_root", FOLIO_LOG_LIT("effect", "static files 404"),
                  FOLIO_LOG_END);
}

static enum folio_rc prepare_db(struct folio_server *srv, struct folio_err *err)
{
    struct folio_store *st = NULL;
    enum folio_rc rc;

    rc = folio_store_open(srv->o.db_url, &st, err);
    if (rc)
        goto out;
    rc = folio_store_migrate(st, NULL, err);
    if (rc == FOLIO_OK)
        srv->serialize_tx = folio_store_kind(st) == FOLIO_STORE_SQLITE;
out:
    folio_store_close(st);
    return rc;
}

enum folio_rc folio_server_start(const struct folio_server_opts *o, struct folio_server **out,
                                 struct folio_err *err)
{
    struct folio_server *srv = NULL;
    struct sockaddr_storage ss;
    struct MHD_OptionItem items[4];
    const union MHD_DaemonInfo *di;
    unsigned int flags;
    bool loopback = false;
    size_t ni = 0;
    enum folio_rc rc;

    *out = NULL;
    srv = calloc(1, sizeof(*srv));
    if (!srv)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    srv->o = *o;
    folio_buf_init(&srv->tls_cert_pem, 1u << 20);
    folio_buf_init(&srv->tls_key_pem, 1u << 20);
    if (srv->o.threads == 0)
        srv->o.threads = DEFAULT_THREADS;
    if (srv->o.threads > MAX_THREADS)
        srv->o.threads = MAX_THREADS;
    if (srv->o.max_body == 0)
        srv->o.max_body = DEFAULT_MAX_BODY;
    if (srv->o.max_header == 0)
        srv->o.max_header = DEFAULT_MAX_HEADER;
    if (srv->o.per_ip_limit == 0)
        srv->o.per_ip_limit = DEFAULT_PER_IP;
    if (srv->o.conn_timeout == 0)
        srv->o.conn_timeout = DEFAULT_TIMEOUT;
    if (srv->o.drain_seconds == 0)
        srv->o.drain_seconds = DEFAULT_DRAIN;
    {
        struct folio_auth_policy d;
        folio_auth_policy_defaults(&d);
        if (srv->o.auth.idle_minutes <= 0)
            srv->o.auth.idle_minutes = d.idle_minutes;
        if (srv->o.auth.absolute_minutes <= 0)
            srv->o.auth.absolute_minutes = d.absolute_minutes;
        if (srv->o.auth.max_failures <= 0)
            srv->o.auth.max_failures = d.max_failures;
        if (srv->o.auth.lockout_minutes <= 0)
            srv->o.auth.lockout_minutes = d.lockout_minutes;
    }
    if (pthread_mutex_init(&srv->mu, NULL) != 0) {
        free(srv);
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "cannot create a mutex");
    }
    if (pthread_mutex_init(&srv->tx_mu, NULL) != 0) {
        pthread_mutex_destroy(&srv->mu);
        free(srv);
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "cannot create a mutex");
    }
    atomic_init(&srv->inflight, 0);
    atomic_init(&srv->tx_waiting, 0);
    if (pthread_cond_init(&srv->grp_cv, NULL) != 0) {
        pthread_mutex_destroy(&srv->tx_mu);
        pthread_mutex_destroy(&srv->mu);
        free(srv);
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "cannot create a condition variable");
    }
    srv->grp_cv_ok = true;

    rc = parse_listen(srv->o.listen, &ss, &loopback, err);
    if (rc)
        goto out;
    if (!srv->o.tls_cert != !srv->o.tls_key) {
        rc = folio_err_set(err, FOLIO_EUSAGE, "tls", "give both --tls-cert and --tls-key");
        goto out;
    }
    srv->tls = srv->o.tls_cert != NULL;
    if (!loopback && !srv->tls && !srv->o.insecure_http) {
        rc = folio_err_set(err, FOLIO_EUSAGE, "listen",
                           "refusing to listen on %s without TLS: give --tls-cert and --tls-key, "
                           "or --insecure-http when a TLS proxy is in front",
                           srv->o.listen);
        goto out;
    }
    if (folio_str_empty(srv->o.db_url)) {
        rc = folio_err_set(err, FOLIO_EUSAGE, "db", "no database URL");
        goto out;
    }
    rc = folio_crypto_init(err);
    if (rc)
        goto out;
    if (folio_str_empty(srv->o.key_path) || access(srv->o.key_path, F_OK) != 0) {
        rc = folio_err_set(err, FOLIO_ECRYPTO, "key",
                           "key file '%s' not found: run 'folio init' (or 'folio demo') first, "
                           "or pass --key PATH",
                           srv->o.key_path ? srv->o.key_path : "");
        goto out;
    }
    rc = folio_key_load(srv->o.key_path, &srv->key, err);
    if (rc)
        goto out;
    rc = prepare_db(srv, err);
    if (rc)
        goto out;
    if (srv->tls) {
        rc = folio_buf_read_file(&srv->tls_cert_pem, srv->o.tls_cert, err);
        if (rc == FOLIO_OK)
            rc = folio_buf_read_file(&srv->tls_key_pem, srv->o.tls_key, err);
        if (rc)
            goto out;
    }
    resolve_web_root(srv);
    if (srv->serialize_tx && pthread_cond_init(&srv->ckpt_cv, NULL) == 0) {
        if (pthread_create(&srv->ckpt_thread, NULL, checkpointer, srv) == 0)
            srv->ckpt_running = true;
        else
            pthread_cond_destroy(&srv->ckpt_cv);
    }
    if (srv->serialize_tx) {
        rc = folio_store_open(srv->o.db_url, &srv->wstore, err);
        if (rc == FOLIO_OK && srv->ckpt_running)
            rc = folio_store_exec(srv->wstore, "PRAGMA wal_autocheckpoint=0", err);
        if (rc)
            goto out;
    }
    if (pthread_key_create(&srv->tkey, NULL) != 0) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "cannot create a thread key");
        goto out;
    }
    srv->tkey_ok = true;

    flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_TURBO;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (srv->tls)
        flags |= MHD_USE_TLS;
    if (srv->o.threads > 1)
        items[ni++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE,
                                              (intptr_t)srv->o.threads, NULL};
    if (srv->tls) {
        items[ni++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0,
                                              srv->tls_cert_pem.data};
        items[ni++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, srv->tls_key_pem.data};
    }
    items[ni++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};

    srv->d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_access, srv, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        srv->o.max_header, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)srv->o.per_ip_limit,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)srv->o.conn_timeout,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)1024, MHD_OPTION_ARRAY, items,
        MHD_OPTION_END);
    if (!srv->d) {
        rc = folio_err_set(err, FOLIO_EIO, "listen",
                           "cannot listen on %s (address in use, not available here, or a bad "
                           "TLS certificate/key)",
                           srv->o.listen);
        goto out;
    }
    di = MHD_get_daemon_info(srv->d, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = di ? di->port : 0;
    folio_log(FOLIO_LOG_INFO, "http.start", FOLIO_LOG_INT("port", srv->port),
              FOLIO_LOG_INT("threads", srv->o.threads), FOLIO_LOG_INT("tls", srv->tls),
              FOLIO_LOG_INT("audit", srv->o.audit), FOLIO_LOG_END);
    *out = srv;
    srv = NULL;
out:
    folio_server_stop(srv);
    return rc;
}

void folio_server_stop(struct folio_server *srv)
{
    size_t i;

    if (!srv)
        return;
    if (srv->d) {
        /* Stop accepting: libmicrohttpd hands the listening socket back; closing it now makes
         * new connections fail at once instead of waiting in the backlog. */
        MHD_socket lfd = MHD_quiesce_daemon(srv->d);
        struct timespec ts = {0, 5 * 1000 * 1000};
        unsigned waited_ms = 0;

        if (lfd != MHD_INVALID_SOCKET)
            close(lfd);

        while (atomic_load(&srv->inflight) > 0 && waited_ms < srv->o.drain_seconds * 1000u) {
            nanosleep(&ts, NULL);
            waited_ms += 5;
        }
        MHD_stop_daemon(srv->d);
        folio_log(FOLIO_LOG_INFO, "http.stop", FOLIO_LOG_INT("waited_ms", waited_ms),
                  FOLIO_LOG_END);
    }
    if (srv->ckpt_running) {
        pthread_mutex_lock(&srv->mu);
        srv->stopping = true;
        pthread_cond_signal(&srv->ckpt_cv);
        pthread_mutex_unlock(&srv->mu);
        pthread_join(srv->ckpt_thread, NULL);
        pthread_cond_destroy(&srv->ckpt_cv);
    }
    for (i = 0; i < srv->n_stores; i++)
        folio_store_close(srv->stores[i]);
    folio_store_close(srv->wstore);
    free(srv->stores);
    if (srv->tkey_ok)
        (void)pthread_key_delete(srv->tkey);
    pthread_mutex_destroy(&srv->mu);
    pthread_mutex_destroy(&srv->tx_mu);
    if (srv->grp_cv_ok)
        pthread_cond_destroy(&srv->grp_cv);
    folio_key_wipe(&srv->key);
    if (srv->tls_key_pem.len)
        memset(srv->tls_key_pem.data, 0, srv->tls_key_pem.len);
    folio_buf_release(&srv->tls_key_pem);
    folio_buf_release(&srv->tls_cert_pem);
    free(srv);
}

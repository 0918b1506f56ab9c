/* Internal contract of the server (`folio serve`): the HTTP core (http.c, router, sessions,
 * static files) and the API handlers (api_*.c), which never see libmicrohttpd.
 *
 * Flow of one API request (core):
 *   parse + size limits -> route match (405/404) -> session from cookie or Bearer (401 when the
 *   route needs one and there is none/expired: audited auth.denied) -> CSRF check for cookie
 *   sessions on POST/PUT/PATCH/DELETE (403) -> permission check folio_roles_can(route->perm)
 *   (403, audited access.denied) -> BEGIN -> handler -> COMMIT (ROLLBACK on error; the error
 *   response is sent after the rollback) -> response.
 * Handlers append their audit entries with folio_srv_audit() inside that transaction, so the
 * entry and the action commit together.
 */
#ifndef FOLIO_SERVER_H
#define FOLIO_SERVER_H

#include "folio/base.h"
#include "folio/crypto.h"
#include "folio/json.h"
#include "folio/privacy.h"
#include "folio/store.h"

struct folio_server; /* the running server (core) */

struct folio_req {
    const char *method;          /* "GET", "POST", ... */
    const char *path;            /* decoded path, no query */
    int64_t ids[3];              /* numeric path parameters ({id}, {n}) in order */
    const char *words[2];        /* non-numeric path parameters ({username}) in order */
    const char *body;            /* raw body (NUL-terminated), "" when none */
    size_t body_len;
    const char *client;          /* peer address text */
    const struct folio_session *session; /* NULL on public routes without a session */
    struct folio_store *store;   /* this worker's connection; a transaction is open */
    const struct folio_key *key; /* the data key */
    struct folio_arena *arena;   /* freed after the response is sent */
    void *core;                  /* core-private (query string, headers) */
};

/* Query string and header access (borrowed; NULL when absent). */
const char *folio_req_query(const struct folio_req *r, const char *name);
const char *folio_req_header(const struct folio_req *r, const char *name);
/* Query parameter as int64 in [min,max]; absent -> def. EINVAL names the parameter. */
enum folio_rc folio_req_query_i64(const struct folio_req *r, const char *name, int64_t def,
                                  int64_t min, int64_t max, int64_t *out,
                                  struct folio_err *err) FOLIO_MUST_USE;
/* The body as a JSON object; 400-class EINVAL for malformed JSON or not an object (message with
 * line and column), ETOOBIG beyond the cap. *out is a new reference the caller decrefs. */
enum folio_rc folio_req_json(const struct folio_req *r, json_t **out,
                             struct folio_err *err) FOLIO_MUST_USE;
/* Rejects any member of obj not in the NULL-terminated list `allowed` (EINVAL, field = the
 * unknown member's name, message "unknown field"). */
enum folio_rc folio_json_only(const json_t *obj, const char *const *allowed,
                              struct folio_err *err) FOLIO_MUST_USE;
/* If-Match as a version: ETags are "\"v<N>\"" (strong). Missing header -> *present false. */
enum folio_rc folio_req_if_match(const struct folio_req *r, bool *present, int64_t *version,
                                 struct folio_err *err) FOLIO_MUST_USE;
/* The server's sign-in policy (timeouts, lockout), as `folio serve` was configured. Never NULL. */
const struct folio_auth_policy *folio_req_auth_policy(const struct folio_req *r);
/* The session token the request presented (Bearer header, else the session cookie), borrowed;
 * NULL when none. */
const char *folio_req_token(const struct folio_req *r);
/* The facility the server's letters come from (folio_server_opts.facility_name, else
 * FOLIO_SERVER_FACILITY_DEFAULT) and its address (NULL when not configured); borrowed. */
const char *folio_req_facility_name(const struct folio_req *r);
const char *folio_req_facility_address(const struct folio_req *r);
/* True when the session's roles grant p (handlers use it for minimum-necessary redaction). */
bool folio_req_can(const struct folio_req *r, enum folio_perm p);

struct folio_resp {
    int status;          /* 200 unless set */
    json_t *json;        /* body as JSON (the core takes the reference), or */
    const void *raw;     /* raw body (borrowed from the request arena), with */
    size_t raw_len;
    const char *content_type;        /* for raw; default application/octet-stream */
    const char *content_disposition; /* e.g. attachment; filename="..." (optional) */
    char etag[32];       /* set with folio_resp_etag(); "" = none */
    char location[128];  /* for 201 Created; "" = none */
    /* Set with folio_resp_set_cookie() only. */
    char cookie[FOLIO_TOKEN_HEX_LEN + 1];
    bool cookie_set, cookie_clear;
};
void folio_resp_etag(struct folio_resp *resp, int64_t version); /* "\"v<N>\"" */
/* Session cookie for the response: folio_session=<token>; HttpOnly; SameSite=Strict; Path=/
 * (+ Secure under TLS). token NULL clears the cookie (Max-Age=0). token is copied. */
void folio_resp_set_cookie(struct folio_resp *resp, const char *token);
/* True when the request came over HTTPS. */
bool folio_req_tls(const struct folio_req *r);

/* A handler returns FOLIO_OK after filling resp, or an error code with err filled: the core maps
 * it to the status below and the body {"error":{"code","message","field"}} and rolls back.
 *   EINVAL/EPARSE 400 (422 is not used), EUSAGE 400, ENOTFOUND 404, ECONFLICT 409 (412 when
 *   the handler set err->field to "If-Match"), ETOOBIG 413, EPERM 403, ESTATE 409, EBUSY 503,
 *   anything else 500 (logged by code name only, never the message).
 * Precondition: a change to a versioned resource without If-Match is 428 — handlers return
 * folio_srv_precondition_required(err).
 * A handler may also return FOLIO_OK with resp->status >= 400 and a JSON body it built itself
 * (e.g. a refused sign-in whose failure count must be kept): the transaction then commits. */
typedef enum folio_rc (*folio_handler_fn)(struct folio_req *req, struct folio_resp *resp,
                                          struct folio_err *err);
enum folio_rc folio_srv_precondition_required(struct folio_err *err);
/* The error body {"error":{"code","message","field"}} for err (new reference), and the status
 * the core sends for it (for handlers that answer an error themselves, see above). */
json_t *folio_srv_error_body(const struct folio_err *err);
int folio_srv_status_for(const struct folio_err *err);
enum folio_rc folio_srv_stale(int64_t current_version, struct folio_err *err); /* 412 */

/* Appends an audit entry for this request (user, roles and client come from the request). */
enum folio_rc folio_srv_audit(struct folio_req *req, const char *action, int64_t patient_id,
                              const char *entity_type, int64_t entity_id, const char *detail,
                              struct folio_err *err) FOLIO_MUST_USE;

/* Restricted charts (btg.h) for lists: whether the session's user may open patient_id's chart
 * now, without an audit entry (true for patient_id <= 0 and without a session; false on a
 * store error: fails closed). A list that names patients calls it for each row and shows a
 * chart the user may not open as folio_srv_restricted_stub (no name, MRN, birth date). */
bool folio_srv_btg_visible(struct folio_req *req, int64_t patient_id);
/* EPERM (403, field "break_the_glass") unless the user may open the chart: for actions that
 * change a chart without opening it through folio_srv_audit (a merge). */
enum folio_rc folio_srv_btg_require(struct folio_req *req, int64_t patient_id,
                                    struct folio_err *err) FOLIO_MUST_USE;
/* {"id": patient_id, "name": {"family": "restricted chart"}, "restricted": true} (new
 * reference; the name in the shape of a patient brief's so that screens show the words). */
json_t *folio_srv_restricted_stub(int64_t patient_id);

/* Appends ev as given (username, roles and outcome may differ from the session's: sign-in,
 * refusals); client defaults to the request's. A no-op when the server runs without auditing. */
struct folio_audit_event;
enum folio_rc folio_srv_audit_event(struct folio_req *req, const struct folio_audit_event *ev,
                                    struct folio_err *err) FOLIO_MUST_USE;

struct folio_route {
    const char *method;  /* "GET", "POST", "PATCH", "PUT", "DELETE" */
    const char *pattern; /* "/api/v1/patients/{id}"; {id} {n} numeric, {username} a word */
    enum folio_perm perm; /* FOLIO_PERM_NONE = public */
    folio_handler_fn fn;
    const char *summary; /* one line, used by the OpenAPI test and docs */
};

/* Each api_<area>.c defines one table; api_routes.c lists them all for the core. */
extern const struct folio_route folio_api_session_routes[];
extern const struct folio_route folio_api_patient_routes[];
extern const struct folio_route folio_api_encounter_routes[];
extern const struct folio_route folio_api_document_routes[];
extern const struct folio_route folio_api_observation_routes[];
extern const struct folio_route folio_api_audit_routes[];
extern const struct folio_route folio_api_user_routes[];
extern const struct folio_route folio_api_hl7_routes[];
extern const struct folio_route folio_api_mpi_routes[];
extern const struct folio_route folio_api_codes_routes[];  /* code sets, encoder, PCS builder */
extern const struct folio_route folio_api_coding_routes[]; /* abstracts, worklist, checks */
extern const struct folio_route folio_api_drg_routes[];    /* MS-DRG of abstracts, case mix */
extern const struct folio_route folio_api_completeness_routes[]; /* deficiencies, completion */
extern const struct folio_route folio_api_query_routes[]; /* physician queries, inbox */
extern const struct folio_route folio_api_roi_routes[];   /* release of information, accounting */
extern const struct folio_route folio_api_privacy_routes[]; /* break-the-glass, review queue */
extern const struct folio_route folio_api_deid_routes[];  /* research extracts, DUAs */
extern const struct folio_route folio_api_meta_routes[]; /* health, openapi.json */
/* Each table ends with a {NULL} sentinel. All routes, in match order: */
size_t folio_api_route_count(void);
const struct folio_route *folio_api_route(size_t i);

/* Server options and lifecycle (core, used by src/cli/cmd_serve.c and tests). */
struct folio_server_opts {
    const char *db_url;
    const char *key_path;
    const char *listen;        /* "127.0.0.1:8080" */
    const char *tls_cert, *tls_key;
    bool insecure_http;        /* allow a non-loopback address without TLS */
    const char *web_root;      /* directory of the web UI's static files (default: web/ beside
                                  the source tree, or $FOLIO_WEB_ROOT) */
    unsigned threads;          /* worker threads (default 4) */
    size_t max_body;           /* default 16 MiB */
    bool audit;                /* default true; false only for the benchmark's comparison */
    struct folio_auth_policy auth;
    /* Limits (0 = default): */
    size_t max_header;         /* request line + headers + read buffer per connection, 64 KiB */
    unsigned per_ip_limit;     /* concurrent connections per client address, 256 */
    unsigned conn_timeout;     /* seconds of inactivity before a connection is closed, 60 */
    unsigned drain_seconds;    /* stop: how long to wait for requests in flight, 10 */
    /* The letterhead of release-of-information packets and accounting letters (`folio serve
     * --facility-name NAME --facility-address TEXT`; NULL = FOLIO_SERVER_FACILITY_DEFAULT, no
     * address). Borrowed until stop. */
    const char *facility_name, *facility_address;
};
#define FOLIO_SERVER_FACILITY_DEFAULT "Folio Health Information Management"
void folio_server_opts_defaults(struct folio_server_opts *o);
enum folio_rc folio_server_start(const struct folio_server_opts *o, struct folio_server **out,
                                 struct folio_err *err) FOLIO_MUST_USE;
unsigned folio_server_port(const struct folio_server *srv); /* the bound port (listen ":0") */
bool folio_server_tls(const struct folio_server *srv);
/* Stops accepting, finishes requests in flight (bounded by opts.drain_seconds), frees
 * everything. NULL ok. */
void folio_server_stop(struct folio_server *srv);

#endif

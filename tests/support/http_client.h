/* A tiny blocking HTTP/1.1 client over TCP for the server's C tests: one request per connection
 * ("Connection: close"), 15 s timeouts so a test never hangs, no TLS (tests use curl for that). */
#ifndef FOLIO_TEST_HTTP_CLIENT_H
#define FOLIO_TEST_HTTP_CLIENT_H

#include "folio/base.h"

struct http_resp {
    int status;      /* 0 when the server closed without a response */
    char *head;      /* status line + headers, NUL-terminated */
    char *body;      /* NUL-terminated (binary-safe with body_len) */
    size_t body_len;
};

struct http_req {
    const char *method;  /* "GET" */
    const char *path;    /* raw request target, sent as is: "/api/v1/health?x=1" */
    const char *headers; /* extra header lines, each ending in "\r\n"; may be NULL */
    const char *body;    /* may be NULL */
    size_t body_len;
    long long content_length; /* >= 0: sent instead of body_len (lying), -1: body_len,
                                 -2: no Content-Length header (chunked bodies) */
};

/* Sends req to 127.0.0.1:port (or host) and reads the whole response. Stops sending the body
 * as soon as the server answers. Returns 0, or -1 when the connection failed (out->status 0). */
int http_do(const char *host, unsigned port, const struct http_req *req, struct http_resp *out);
/* Shorthand: method, path, optional "Authorization: Bearer <token>" header and body. */
int http_simple(unsigned port, const char *method, const char *path, const char *bearer,
                const char *body, struct http_resp *out);
/* Header value (first match, case-insensitive name), copied into buf; NULL when absent. */
const char *http_header(const struct http_resp *r, const char *name, char *buf, size_t cap);
void http_resp_free(struct http_resp *r);

/* ---- a running server with users and a small chart, for the route tests ---- */
#include "folio/crypto.h"
#include "folio/privacy.h"
#include "folio/store.h"

#define HTTP_FIX_USERS 11 /* one per role (index = bit number), then one with every role */
struct http_fixture {
    struct folio_store *db;     /* the test's own connection (testdb.h) */
    struct folio_server *srv;
    unsigned port;
    char dir[256], key_path[320];
    struct folio_key key;
    int64_t patient_id, encounter_id, document_id, observation_id;
    uint32_t roles[HTTP_FIX_USERS];
    char usernames[HTTP_FIX_USERS][32];
    char tokens[HTTP_FIX_USERS][FOLIO_TOKEN_HEX_LEN + 1]; /* bearer sessions */
};
/* Creates the database (testdb), key, users "u_<role>" and "u_all" (password
 * "fixture-password-1"), one more user "victim", a patient with an encounter, a document and an
 * observation, signs every user in (bearer) and starts the server on 127.0.0.1:0. Fails the
 * cmocka test on error. */
void http_fixture_start(struct http_fixture *f, bool audit);
void http_fixture_stop(struct http_fixture *f);
/* Fills a route pattern's parameters with the fixture's ids: {id} after /patients/ -> the
 * patient, after /encounters/ -> the encounter, after /documents/ -> the document, after
 * /observations/ -> the observation, {n} -> 1, a word parameter -> "victim". */
void http_fixture_path(const struct http_fixture *f, const char *pattern, char *out, size_t cap);

#endif

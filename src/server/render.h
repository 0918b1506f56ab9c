/* JSON rendering of audit and user objects for the API, and the small helpers the API handlers
 * (api_*.c) share: reading typed members of request bodies with errors that name the field
 * (dotted paths for nested members), and the chart handle of a request.
 *
 * Chart objects (patients, encounters, documents, observations) are rendered by the library
 * (folio/chart_json.h), the same code the CLI's --json output uses; handlers pass `identifiers`
 * from folio_req_can(req, FOLIO_PERM_IDENTIFIERS) for minimum necessary (45 CFR 164.502(b)).
 *
 * Every renderer returns a new reference, or NULL when out of memory or when a string is not
 * UTF-8 (callers map NULL to FOLIO_ENOMEM via folio_render_nomem()).
 */
#ifndef FOLIO_SERVER_RENDER_H
#define FOLIO_SERVER_RENDER_H

#include "folio/base.h"
#include "folio/audit.h"
#include "folio/json.h"
#include "folio/privacy.h"
#include "folio/records.h"

#include "server/server.h"

/* ---- building objects: each returns nonzero on failure; v (a new reference) is consumed ---- */
int folio_jset(json_t *o, const char *k, json_t *v);
int folio_jset_str(json_t *o, const char *k, const char *s); /* NULL -> null */
int folio_jset_int(json_t *o, const char *k, int64_t v);
int folio_jset_id(json_t *o, const char *k, int64_t v);      /* 0 -> null */
int folio_jset_bool(json_t *o, const char *k, bool v);

/* ---- audit, users (chart objects: folio/chart_json.h) ---- */
json_t *folio_render_audit_entry(const struct folio_audit_entry *e);
json_t *folio_render_user(const struct folio_user *u);
json_t *folio_render_roles(uint32_t roles); /* ["coder", ...] */
/* The permissions the roles grant, by name: ["signed_in", "patient.read", ...]. The UI offers
 * screens from this list, so it never keeps a copy of the policy. */
json_t *folio_render_permissions(uint32_t roles);
/* {"items": items, "total", "limit", "offset"}; takes the reference to items (even on error). */
json_t *folio_render_page(json_t *items, int64_t total, int64_t limit, int64_t offset);

/* ---- handler helpers ---- */
/* The chart handle of a request: its store, the data key, the session's user as actor. */
struct folio_chart folio_api_chart(const struct folio_req *req);
/* ENOTFOUND (field "id") when no patient has that id. */
enum folio_rc folio_api_patient_exists(const struct folio_req *req, int64_t id,
                                       struct folio_err *err) FOLIO_MUST_USE;
/* Answers 403 with the error body WITHOUT failing the request, so the transaction commits the
 * access.denied audit entry appended here (detail says what was refused). */
enum folio_rc folio_api_deny(struct folio_req *req, struct folio_resp *resp, const char *field,
                             const char *msg, struct folio_err *err) FOLIO_MUST_USE;
/* The same refusal (audited access.denied) answered with another status and code: 404
 * ENOTFOUND where telling "not yours" from "does not exist" would let a user probe ids. */
enum folio_rc folio_api_deny_as(struct folio_req *req, struct folio_resp *resp, int status,
                                enum folio_rc code, const char *field, const char *msg,
                                struct folio_err *err) FOLIO_MUST_USE;
/* The error body {"error":{"code","message","field"}} of the core, for handlers that answer an
 * error status themselves (sign-in failures, refusals that must commit their audit entry). */
json_t *folio_api_error_body(enum folio_rc code, const char *field, const char *msg);
/* Out-of-memory error for a NULL from a renderer. */
enum folio_rc folio_render_nomem(struct folio_err *err) FOLIO_MUST_USE;
/* Puts a JSON body (consumed; NULL -> ENOMEM) into resp with the status. */
enum folio_rc folio_api_reply(struct folio_resp *resp, int status, json_t *body,
                              struct folio_err *err) FOLIO_MUST_USE;

/* Typed members of a request body. `path` is the dotted name of the member's parent ("" or NULL
 * at top level, "name" for members of "name"); errors name "path.key". Absent or null members
 * leave *out untouched (string: NULL) and set *present (may be NULL) false. */
enum folio_rc folio_api_str(const json_t *obj, const char *path, const char *key,
                            const char **out, struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc folio_api_req_str(const json_t *obj, const char *path, const char *key,
                                const char **out, struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc folio_api_i64(const json_t *obj, const char *path, const char *key, int64_t min,
                            int64_t max, int64_t *out, bool *present,
                            struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc folio_api_bool(const json_t *obj, const char *path, const char *key, bool *out,
                             bool *present, struct folio_err *err) FOLIO_MUST_USE;
/* An object member (borrowed; NULL when absent/null); EINVAL when present and not an object, or
 * when it holds a member outside `allowed`. */
enum folio_rc folio_api_obj(const json_t *obj, const char *path, const char *key,
                            const char *const *allowed, const json_t **out,
                            struct folio_err *err) FOLIO_MUST_USE;
/* An array member (borrowed; NULL when absent/null); EINVAL when not an array or longer than max. */
enum folio_rc folio_api_arr(const json_t *obj, const char *path, const char *key, size_t max,
                            const json_t **out, struct folio_err *err) FOLIO_MUST_USE;
/* folio_json_only with the unknown member named by its dotted path. */
enum folio_rc folio_api_only(const json_t *obj, const char *path, const char *const *allowed,
                             struct folio_err *err) FOLIO_MUST_USE;
/* A time query parameter, normalised to canonical UTC into the arena (NULL when absent). */
enum folio_rc folio_api_query_time(const struct folio_req *req, const char *name,
                                   const char **out, struct folio_err *err) FOLIO_MUST_USE;

#endif

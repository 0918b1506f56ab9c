/* JSON through jansson, with accessors that name the offending field in errors.
 * Objects returned by jansson follow jansson's reference rules; these helpers borrow. */
#ifndef FOLIO_JSON_H
#define FOLIO_JSON_H

#include "folio/base.h"
#include <jansson.h>

/* Parse text (len bytes) with a size cap of 64 MiB (ETOOBIG beyond) and jansson's depth limit
 * (2048). Duplicate object keys are refused. EPARSE on bad JSON, err says
 * "<what>: line L column C: <reason>" and err->field is what. Caller owns *out (NULL on error). */
enum folio_rc folio_json_parse(const char *text, size_t len, json_t **out, const char *what,
                               struct folio_err *err) FOLIO_MUST_USE;
/* Borrowed string member, or NULL when absent or null; EINVAL when present but not a string, or
 * when obj is not an object. err->field is key; the message starts with where. */
enum folio_rc folio_json_get_str(const json_t *obj, const char *key, const char **out,
                                 const char *where, struct folio_err *err) FOLIO_MUST_USE;
/* Same for a required member: EINVAL "<where>: missing field "<key>"" when absent or null. */
enum folio_rc folio_json_req_str(const json_t *obj, const char *key, const char **out,
                                 const char *where, struct folio_err *err) FOLIO_MUST_USE;
/* Serialize compactly (sorted keys, any JSON value) by appending to b. ETOOBIG over b's cap,
 * leaving b as it was; EINVAL for v NULL. */
enum folio_rc folio_json_dump(const json_t *v, struct folio_buf *b) FOLIO_MUST_USE;
/* json_string of s, or json_null() when s is NULL. New reference; NULL if s is not UTF-8. */
json_t *folio_json_str_or_null(const char *s);

#endif

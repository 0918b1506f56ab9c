/* JSON through jansson, with accessors that name the offending field in errors.
 * Objects returned by jansson follow jansson's reference rules; these helpers borrow. */
#ifndef FOLIO_JSON_H
#define FOLIO_JSON_H

#include "folio/base.h"
#include <jansson.h>

/* Parse text (len bytes) with a depth/size limit; err says line and column. Caller owns *out. */
enum folio_rc folio_json_parse(const char *text, size_t len, json_t **out, const char *what,
                               struct folio_err *err) FOLIO_MUST_USE;
/* Borrowed string member, or NULL when absent or null; EINVAL when present but not a string. */
enum folio_rc folio_json_get_str(const json_t *obj, const char *key, const char **out,
                                 const char *where, struct folio_err *err) FOLIO_MUST_USE;
/* Same for a required member: ENOTFOUND-as-EINVAL "missing field" when absent. */
enum folio_rc folio_json_req_str(const json_t *obj, const char *key, const char **out,
                                 const char *where, struct folio_err *err) FOLIO_MUST_USE;
/* Serialize compactly (sorted keys) into b. */
enum folio_rc folio_json_dump(const json_t *v, struct folio_buf *b) FOLIO_MUST_USE;
/* json_string of s, or json_null() when s is NULL. New reference. */
json_t *folio_json_str_or_null(const char *s);

#endif

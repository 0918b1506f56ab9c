/* Internal to src/query: SQL helpers and times. Not a public contract. */
#ifndef FOLIO_QUERY_INT_H
#define FOLIO_QUERY_INT_H

#include "folio/base.h"
#include "folio/query.h"
#include "folio/store.h"

/* The store's format binder (store.h: 't' text, NULL or "" -> NULL; 'i' int64; 'I' int64,
 * 0 -> NULL). q_exec: run to the end; *id_out column 0 of the first row, *found whether one. */
#define q_prepare folio_store_prepare_fmt
#define q_exec(s, id_out, found, err, ...)                                                         \
    folio_store_exec_fmt(s, id_out, found, NULL, err, __VA_ARGS__)

/* A caller time (NULL = now) as canonical UTC text at second precision; EINVAL naming field
 * for a value without a time of day. */
enum folio_rc q_time_arg(const char *in, const char *field, char out[32],
                         struct folio_err *err) FOLIO_MUST_USE;
/* Seconds since the epoch of a canonical stored time; false when unparsable. */
bool q_time_secs(const char *stored, int64_t *secs);
/* Canonical text of epoch seconds. */
void q_time_format(int64_t secs, char out[32]);

enum folio_query_kind q_kind_from(const char *name);
enum folio_query_purpose q_purpose_from(const char *name);
enum folio_query_status q_status_from(const char *name);
enum folio_query_opt_role q_role_from(const char *name);

/* Options normalised for a kind (template and query creation): multiple_choice gets "other"
 * and "undetermined" appended when missing and moved last; yes_no is replaced by the fixed
 * three; open_ended keeps what it has (check refuses). Allocated in a. */
enum folio_rc q_normalize_options(enum folio_query_kind kind, const struct folio_query_option *in,
                                  size_t n, struct folio_arena *a, struct folio_query_option **out,
                                  size_t *n_out, struct folio_err *err) FOLIO_MUST_USE;

#endif

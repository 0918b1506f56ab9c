/* Internal to src/audit: the row layout, the canonical form, query filters, chunked walks. */
#ifndef FOLIO_AUDIT_INT_H
#define FOLIO_AUDIT_INT_H

#include "folio/base.h"
#include "folio/audit.h"
#include "folio/store.h"

/* Columns every row-reading statement selects, in this order (audit_row reads them). */
#define AUDIT_COLS                                                                                 \
    "seq, at, action, outcome, username, roles, patient_id, entity_type, entity_id, detail, "     \
    "client, prev_hash, hash"

/* The current row of a statement selecting AUDIT_COLS; strings are borrowed from the statement.
 * prev_hash may be NULL. */
void audit_row(struct folio_stmt *st, struct folio_audit_entry *e, const char **prev_hash);

/* canonical(e) (docs/audit.md) into b, which is reset first. */
enum folio_rc audit_canonical(struct folio_buf *b, const struct folio_audit_entry *e) FOLIO_MUST_USE;

/* The WHERE fragment and parameters of a query's filters (patient, user, action, from, to). */
struct audit_where {
    char sql[256]; /* " AND patient_id = ? AND ..." (constant fragments only) */
    int64_t patient_id;
    const char *username;
    const char *action; /* exact match, or NULL */
    char like[160];     /* escaped prefix pattern "document.%", or "" */
    char from[48], to[48];
};
enum folio_rc audit_where_build(const struct folio_audit_query *q, struct audit_where *w,
                                struct folio_err *err) FOLIO_MUST_USE;
/* Binds the filter parameters from *idx on, advancing *idx. */
enum folio_rc audit_where_bind(const struct audit_where *w, struct folio_stmt *st,
                               int *idx) FOLIO_MUST_USE;
/* A time bound for text comparison with `at`: normalised, without its 'Z'; an upper bound gets
 * '~' appended so that it includes the whole of its precision. */
enum folio_rc audit_bound(const char *in, bool upper, char out[48], const char *field,
                          struct folio_err *err) FOLIO_MUST_USE;

/* Rows fetched per statement execution: PostgreSQL results are fetched whole, so walks go in
 * keyset chunks there; SQLite steps one row at a time, so one execution covers everything. */
int64_t audit_chunk(struct folio_store *s);

/* Calls fn for each entry q selects, oldest first, in constant memory. */
typedef enum folio_rc (*audit_visit_fn)(void *ctx, const struct folio_audit_entry *e,
                                        struct folio_err *err);
enum folio_rc audit_each(struct folio_store *s, const struct folio_audit_query *q,
                         audit_visit_fn fn, void *ctx, struct folio_err *err) FOLIO_MUST_USE;

#endif

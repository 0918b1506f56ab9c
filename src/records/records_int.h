/* Internal helpers shared by the files of src/records. Not a public contract. */
#ifndef FOLIO_RECORDS_INT_H
#define FOLIO_RECORDS_INT_H

#include "folio/base.h"
#include "folio/records.h"
#include "folio/store.h"

#define REC_TEXT_MAX 4096 /* cap on ordinary text fields */

/* The actor to record (never NULL). */
const char *rec_actor(const struct folio_chart *c);
/* Current UTC time, canonical text. */
void rec_now(char out[32]);

/* Transaction wrappers: rec_begin opens a (nested) transaction; rec_finish commits it when
 * rc is FOLIO_OK, otherwise rolls back; returns the final rc. */
enum folio_rc rec_begin(const struct folio_chart *c, struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc rec_finish(const struct folio_chart *c, enum folio_rc rc,
                         struct folio_err *err) FOLIO_MUST_USE;

/* folio_store_prepare_fmt / folio_store_exec_fmt (store.h: the format characters) on the chart's
 * store. rec_exec: *id_out and *changes may be NULL; rec_query_i64: *found tells whether a row
 * came back. */
#define rec_prepare(c, st, err, sql, ...)                                                          \
    folio_store_prepare_fmt((c)->store, st, err, sql, __VA_ARGS__)
#define rec_exec(c, id_out, changes, err, sql, ...)                                                \
    folio_store_exec_fmt((c)->store, id_out, NULL, changes, err, sql, __VA_ARGS__)
#define rec_query_i64(c, out, found, err, sql, ...)                                                \
    folio_store_exec_fmt((c)->store, out, found, NULL, err, sql, __VA_ARGS__)

/* Column reading into an arena; sets *oom on allocation failure. */
const char *rec_col_str(struct folio_arena *a, struct folio_stmt *st, int idx, bool *oom);
int64_t rec_col_i64(struct folio_stmt *st, int idx); /* NULL -> 0 */

/* Validation helpers. All set err with field and value. */
/* Optional text with max length (bytes), valid UTF-8 without control characters other than
 * tab, CR and LF; trims nothing. */
enum folio_rc rec_check_text(const char *v, size_t max, const char *field,
                             struct folio_err *err) FOLIO_MUST_USE;
/* External (system, id) of an import: both or neither, each at most 256 bytes of text. */
enum folio_rc rec_check_ext(const char *ext_system, const char *ext_id,
                            struct folio_err *err) FOLIO_MUST_USE;
/* Normalises an optional time into out (empty string when absent). */
enum folio_rc rec_norm_time(const char *in, char out[48], const char *field,
                            struct folio_err *err) FOLIO_MUST_USE;
/* Same, but only day precision or coarser. */
enum folio_rc rec_norm_date(const char *in, char out[48], const char *field,
                            struct folio_err *err) FOLIO_MUST_USE;
/* Returns the canonical entry from list (NULL-terminated) matching v case-insensitively, or
 * NULL. */
const char *rec_pick(const char *v, const char *const *list);
/* Looks code up in a table. */
const char *rec_table_title(const struct folio_code_title *t, size_t n, const char *code);

/* Lower-case, accent-folded copy of a UTF-8 name into a heap string (caller frees). */
char *rec_fold(const char *s);
/* Escape LIKE metacharacters (\ % _) of s into a heap string with a trailing '%'. */
char *rec_like_prefix(const char *s);

/* Clamp paging. */
void rec_page(int64_t *limit, int64_t *offset, int64_t def, int64_t max);

/* ENOTFOUND unless row `id` exists in table (table is a literal name from the caller). */
enum folio_rc rec_require(const struct folio_chart *c, const char *sql_exists, int64_t id,
                          const char *field, const char *what, struct folio_err *err) FOLIO_MUST_USE;

/* ENOTFOUND unless the patient exists; when encounter_id is not 0, ENOTFOUND unless that
 * encounter exists and EINVAL (field "encounter_id") when it belongs to another patient. */
enum folio_rc rec_check_patient_encounter(const struct folio_chart *c, int64_t patient_id,
                                          int64_t encounter_id,
                                          struct folio_err *err) FOLIO_MUST_USE;

static inline const char *rec_nz(const char *s)
{
    return folio_str_empty(s) ? NULL : s;
}

#endif

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

/* Prepare sql and bind parameters described by fmt, one char per parameter:
 *   't' const char *  (NULL or "" -> NULL)
 *   'T' const char *  (NULL -> NULL, "" kept)
 *   'i' int64_t
 *   'I' int64_t       (0 -> NULL: optional foreign keys)
 *   'd' double
 *   'D' int (bool) then double: when the int is false binds NULL
 *   'b' const void *, size_t */
enum folio_rc rec_prepare(const struct folio_chart *c, struct folio_stmt **st,
                          struct folio_err *err, const char *sql, const char *fmt,
                          ...) FOLIO_MUST_USE;
/* Prepare + bind + run. *id_out (may be NULL) gets column 0 of the first row (e.g. RETURNING
 * id); *changes (may be NULL) the changed row count. */
enum folio_rc rec_exec(const struct folio_chart *c, int64_t *id_out, int64_t *changes,
                       struct folio_err *err, const char *sql, const char *fmt,
                       ...) FOLIO_MUST_USE;
/* Like rec_exec but *found tells whether a row came back. */
enum folio_rc rec_query_i64(const struct folio_chart *c, int64_t *out, bool *found,
                            struct folio_err *err, const char *sql, const char *fmt,
                            ...) FOLIO_MUST_USE;

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

/* Helpers shared by btg.c and snoop.c. Not a public contract. */
#ifndef FOLIO_PRIVACY_BTG_INT_H
#define FOLIO_PRIVACY_BTG_INT_H

#include "folio/base.h"
#include "folio/store.h"

/* Canonical UTC text (second precision) of epoch seconds now (0 = the current time). */
void btg_time_text(int64_t now, char out[32]);
int64_t btg_now(int64_t now);
/* Commits the caller's folio_store_begin when rc is FOLIO_OK, else rolls it back. */
enum folio_rc btg_finish(struct folio_store *s, enum folio_rc rc,
                         struct folio_err *err) FOLIO_MUST_USE;
/* Free text of min..max characters (trimmed, valid UTF-8, no control characters but newline
 * and tab); *out (may be NULL) the trimmed view. EINVAL names field. */
enum folio_rc btg_text(const char *v, const char *field, size_t min, size_t max,
                       struct folio_sv *out, struct folio_err *err) FOLIO_MUST_USE;
/* ENOTFOUND ("patient_id") unless the patient exists. */
enum folio_rc btg_patient_exists(struct folio_store *s, int64_t patient_id,
                                 struct folio_err *err) FOLIO_MUST_USE;
/* EINVAL (field) unless day is "YYYY-MM-DD" and a real date. */
enum folio_rc btg_check_day(const char *day, const char *field,
                            struct folio_err *err) FOLIO_MUST_USE;

#endif

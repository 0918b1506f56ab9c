/* Internal to release of information (src/roi): dates as day numbers, the caller's clock,
 * argument checks, SQL helpers. Not a public contract. */
#ifndef FOLIO_ROI_INT_H
#define FOLIO_ROI_INT_H

#include "folio/base.h"
#include "folio/roi.h"
#include "folio/store.h"

#define ROI_NAME_MAX 200 /* user names */

#define roi_prepare                   folio_store_prepare_fmt
#define roi_exec(s, id_out, err, ...) folio_store_exec_fmt(s, id_out, NULL, NULL, err, __VA_ARGS__)

/* A calendar date "YYYY-MM-DD" (exactly; a real date) as days since 1970-01-01. */
bool roi_date_days(const char *s, int64_t *days);
void roi_date_fmt(int64_t days, char out[11]);
/* Optional date argument: NULL or "" -> *out = "" (or dflt when given); else must be a date
 * (EINVAL field). */
enum folio_rc roi_date_arg(const char *in, const char *dflt, const char *field, char out[11],
                           struct folio_err *err) FOLIO_MUST_USE;
/* The caller's clock (NULL = now) as canonical UTC text and its UTC date. EINVAL "now". */
enum folio_rc roi_now(const char *in, char at[32], char today[11],
                      struct folio_err *err) FOLIO_MUST_USE;
/* Required user name (EINVAL "user"). */
enum folio_rc roi_user(const char *in, struct folio_err *err) FOLIO_MUST_USE;
/* Text argument: required -> EINVAL when empty; any -> EINVAL over FOLIO_ROI_TEXT_MAX. */
enum folio_rc roi_text(const char *in, bool required, const char *field,
                       struct folio_err *err) FOLIO_MUST_USE;
/* ENOTFOUND field unless a patient with this id exists. */
enum folio_rc roi_patient_exists(struct folio_store *s, int64_t patient_id, const char *field,
                                 struct folio_err *err) FOLIO_MUST_USE;
/* disclosure.c: insert one row, arguments already checked; *id set. */
enum folio_rc roi_disclosure_insert(struct folio_store *s, const struct folio_roi_disclosure *d,
                                    const char *on, const char *user, const char *at, int64_t *id,
                                    struct folio_err *err) FOLIO_MUST_USE;

/* ENOTFOUND "id" unless the ROI request exists. */
enum folio_rc roi_request_exists(struct folio_store *s, int64_t id,
                                 struct folio_err *err) FOLIO_MUST_USE;
/* EINVAL field when the date "YYYY-MM-DD" is after today (a record of something that happened). */
enum folio_rc roi_not_future(const char *date, const char *today, const char *field,
                             struct folio_err *err) FOLIO_MUST_USE;
/* packet.c: the documents of a packet may all go under folio_roi_select now (flags as the packet
 * was recorded with); part2: the packet carries the 42 CFR 2.32 notice. EINVAL
 * "document_ids[i]" / "part2" naming what fails. */
enum folio_rc roi_check_selection(struct folio_store *s, int64_t request_id, const int64_t *ids,
                                  size_t n, unsigned flags, bool part2, const char *now,
                                  struct folio_arena *ar, struct folio_err *err) FOLIO_MUST_USE;
/* request.c: append an event to a request's history. */
enum folio_rc roi_add_event(struct folio_store *s, int64_t id, const char *at, const char *user,
                            const char *action, const char *from, const char *to,
                            const char *detail, struct folio_err *err) FOLIO_MUST_USE;
/* qa.c: the request's latest packet with its QA (*found false when none). */
enum folio_rc roi_latest_packet(struct folio_store *s, int64_t request_id, struct folio_arena *ar,
                                struct folio_roi_packet_info *out, bool *found,
                                struct folio_err *err) FOLIO_MUST_USE;

#endif

/* Internal to the coding abstract (abstract.c, worklist.c, productivity.c): SQL helpers, the
 * abstract row as the writers see it, history rows, dates. Not a public contract. */
#ifndef FOLIO_ABSTRACT_INT_H
#define FOLIO_ABSTRACT_INT_H

#include "folio/base.h"
#include "folio/abstract.h"
#include "folio/store.h"

#define ABS_TEXT_MAX 1000 /* reason, hold note */
#define ABS_NAME_MAX 200  /* user names, operator names */

/* folio_store_prepare_fmt / folio_store_exec_fmt (store.h: the format characters). */
#define abs_prepare folio_store_prepare_fmt
#define abs_exec    folio_store_exec_fmt


/* ---- dates ---- */
/* Day number (days since 1970-01-01) of an exact "YYYY-MM-DD" (a real calendar date). */
bool abs_date_days(const char *s, int64_t *days);
/* Day number of the date a stored time falls on: "2024-03-05T14:07Z" -> 2024-03-05; coarser
 * values count from their first day ("2024-03" -> 2024-03-01). false when unparsable. */
bool abs_time_day(const char *stored, int64_t *days);
void abs_date_format(int64_t days, char out[11]);
/* Seconds since 1970-01-01T00:00Z of a stored time; false when unparsable or coarser than an
 * hour. */
bool abs_time_seconds(const char *stored, int64_t *secs);
/* Today (UTC) as "YYYY-MM-DD". */
void abs_today(char out[11]);
/* An optional caller date ("YYYY-MM-DD"; NULL or "" = today UTC) into out; EINVAL naming
 * field otherwise. */
enum folio_rc abs_date_arg(const char *in, const char *field, char out[11],
                           struct folio_err *err) FOLIO_MUST_USE;
/* An optional caller timestamp (NULL = now) into canonical UTC text at second precision (so
 * that stored times sort chronologically as text). EINVAL (field "now") for a value coarser
 * than an hour. */
enum folio_rc abs_now_arg(const char *in, char out[32], struct folio_err *err) FOLIO_MUST_USE;
/* Optional text: at most max bytes, UTF-8 without control characters. EINVAL naming field. */
enum folio_rc abs_check_text(const char *v, size_t max, const char *field,
                             struct folio_err *err) FOLIO_MUST_USE;
/* The user who acts: required, a name of at most ABS_NAME_MAX bytes. EINVAL naming field. */
enum folio_rc abs_check_user(const char *user, const char *field,
                             struct folio_err *err) FOLIO_MUST_USE;

/* ---- the abstract row of an encounter, for the writers ---- */
struct abs_row {
    int64_t encounter_id, patient_id;
    char enc_status[16]; /* encounter.status */
    char enc_class[16];
    char discharge_at[32];             /* "" when not discharged */
    int64_t id;                        /* 0 when the encounter has no abstract */
    enum folio_abstract_status status; /* UNCODED when none */
    enum folio_hold_reason hold_reason;
    char assigned_to[ABS_NAME_MAX + 1]; /* "" when unassigned */
    int64_t version;                    /* 0 when none */
};
/* Loads the encounter and its abstract. ENOTFOUND (field "encounter") for an unknown one. */
enum folio_rc abs_row_load(struct folio_store *s, int64_t encounter_id, struct abs_row *r,
                           struct folio_err *err) FOLIO_MUST_USE;
/* ECONFLICT (field "version") unless expected matches r->version. */
enum folio_rc abs_check_version(const struct abs_row *r, int64_t expected,
                                struct folio_err *err) FOLIO_MUST_USE;
/* ESTATE (field "encounter") for a cancelled encounter; what says what was refused. */
enum folio_rc abs_check_encounter(const struct abs_row *r, const char *what,
                                  struct folio_err *err) FOLIO_MUST_USE;
/* Creates the abstract of an uncoded encounter (version 1) in status `status`, with a history
 * row "status" uncoded -> status. Fills r->id, r->status, r->version. */
enum folio_rc abs_create(struct folio_store *s, struct abs_row *r,
                         enum folio_abstract_status status, const char *user, const char *now,
                         const char *reason, struct folio_err *err) FOLIO_MUST_USE;
/* Appends one history row. role 0 -> NULL, code NULL or "" -> NULL. */
enum folio_rc abs_history_add(struct folio_store *s, int64_t abstract_id, int64_t version,
                              const char *at, const char *user, const char *action,
                              enum folio_abs_role role, const char *code, const char *old_value,
                              const char *new_value, const char *reason,
                              struct folio_err *err) FOLIO_MUST_USE;

/* Parsing stored names back (unknown names give 0). */
enum folio_abstract_status abs_status_from(const char *name);
enum folio_hold_reason abs_hold_from(const char *name);
enum folio_abs_role abs_role_from(const char *name);

#endif

/* Restricted and VIP charts, care relationships, break-the-glass, the privacy officer's review
 * queue and the daily snooping alerts (issue 9 item 7; docs/privacy.md).
 *
 * A chart may be restricted (only users with a care relationship may open it) and/or flagged VIP
 * (every opening without a care relationship raises an alert). A user has a care relationship
 * with a patient when
 *   - an explicit care-team grant user -> patient is in force (from_at <= now < to_at, not
 *     ended by now; a grant given without to_at ends FOLIO_BTG_CARE_DEFAULT_DAYS after
 *     from_at), or
 *   - the provider the user is (users.provider_id) is a provider, in any role but
 *     "referring", whose part had not ended before the window, of one of the patient's
 *     encounters that took place (not planned, not cancelled, admitted by now) and was
 *     discharged less than FOLIO_BTG_PROVIDER_WINDOW_DAYS ago or, never discharged, admitted
 *     less than FOLIO_BTG_OPEN_VISIT_DAYS ago.
 * A user without one may open a restricted chart only after breaking the glass: stating a reason
 * (at least FOLIO_BTG_REASON_MIN characters), which creates a grant valid FOLIO_BTG_GRANT_SECONDS
 * for the sign-in session that broke the glass only (it ends with that session: sign-out, idle
 * or absolute expiry) and an item in the review queue. The privacy officer role always passes.
 * A merge gives the surviving chart the restricted and VIP flags of both (src/mpi/merge.c).
 *
 * The daily alert run (folio_snoop_run) reads the audit trail of one day and adds review items:
 * same family name, same home address, VIP chart without care relationship, unusual volume.
 * A rerun of the same day adds nothing (one item per kind, user, patient and day).
 *
 * Depends on records (patient names and addresses, encounter providers), audit and store: a
 * privacy module that reads the chart, written down in docs/ARCHITECTURE.md.
 * Every function may be called with or without an open transaction (it uses a savepoint).
 * Strings of outputs live in the caller's arena. `now` arguments are epoch seconds; 0 = now.
 */
#ifndef FOLIO_BTG_H
#define FOLIO_BTG_H

#include "folio/base.h"
#include "folio/records.h"
#include "folio/store.h"

#define FOLIO_BTG_REASON_MIN           10 /* characters of a break-the-glass reason */
#define FOLIO_BTG_REASON_MAX           500
#define FOLIO_BTG_GRANT_SECONDS        (8 * 3600) /* a break-the-glass grant lasts 8 hours */
#define FOLIO_BTG_PROVIDER_WINDOW_DAYS 90         /* implied care relationship after discharge */
#define FOLIO_BTG_OPEN_VISIT_DAYS      30  /* ... for a visit never discharged, after admission */
#define FOLIO_BTG_CARE_DEFAULT_DAYS    90  /* a care-team grant without to_at */
#define FOLIO_BTG_CARE_MAX_AHEAD_DAYS  365 /* from_at at most this far ahead */

/* ---- restrictions ---- */
struct folio_btg_restriction {
    int64_t patient_id;
    bool restricted, vip;
    const char *updated_at, *updated_by; /* NULL when never restricted nor flagged */
};
struct folio_btg_restriction_event {
    int64_t id;
    bool restricted, vip; /* the state after the change */
    const char *reason, *at, *by;
};
/* The current state (both false, updated_* NULL, when the chart was never restricted). */
enum folio_rc folio_btg_restriction_get(struct folio_store *s, int64_t patient_id,
                                        struct folio_arena *a, struct folio_btg_restriction *out,
                                        struct folio_err *err) FOLIO_MUST_USE;
/* Sets both flags, with a reason (required, 1..500 characters: EINVAL "reason"); ENOTFOUND
 * ("patient_id") for an unknown patient. A change appends a history row; setting the state the
 * chart already has is ESTATE ("restricted"). */
enum folio_rc folio_btg_restriction_set(struct folio_store *s, const char *actor,
                                        int64_t patient_id, bool restricted, bool vip,
                                        const char *reason, struct folio_err *err) FOLIO_MUST_USE;
/* The history, newest first. */
enum folio_rc folio_btg_restriction_history(struct folio_store *s, int64_t patient_id,
                                            struct folio_arena *a,
                                            struct folio_btg_restriction_event **out, size_t *n,
                                            struct folio_err *err) FOLIO_MUST_USE;

/* ---- care relationships ---- */
struct folio_btg_care {
    int64_t id, user_id, patient_id;
    const char *username, *role, *from_at, *to_at, *reason, *created_at, *created_by;
    const char *ended_at, *ended_by;
};
/* Grants user -> patient from from_at (NULL = now; at most FOLIO_BTG_CARE_MAX_AHEAD_DAYS ahead)
 * to to_at (NULL = FOLIO_BTG_CARE_DEFAULT_DAYS after from_at). Times: any ISO 8601 form
 * (EINVAL "from_at"/"to_at"; to_at must be after from_at). ENOTFOUND "username" /
 * "patient_id". role: free text up to 64 characters (e.g. "attending"), may be NULL. */
enum folio_rc folio_btg_care_grant(struct folio_store *s, const char *actor, const char *username,
                                   int64_t patient_id, const char *role, const char *from_at,
                                   const char *to_at, const char *reason, int64_t *id_out,
                                   struct folio_err *err) FOLIO_MUST_USE;
/* Ends a grant now (ENOTFOUND "id"; ESTATE when already ended). */
enum folio_rc folio_btg_care_end(struct folio_store *s, const char *actor, int64_t id,
                                 struct folio_err *err) FOLIO_MUST_USE;
/* The explicit grants of a patient (ended ones too), newest first. */
enum folio_rc folio_btg_care_list(struct folio_store *s, int64_t patient_id, struct folio_arena *a,
                                  struct folio_btg_care **out, size_t *n,
                                  struct folio_err *err) FOLIO_MUST_USE;
/* Whether user_id has a care relationship with the patient at `now`; *how (may be NULL) gets
 * "care_team" or "provider" (static text), or NULL. */
enum folio_rc folio_btg_has_care(struct folio_store *s, int64_t user_id, int64_t patient_id,
                                 int64_t now, bool *has, const char **how,
                                 struct folio_err *err) FOLIO_MUST_USE;

/* ---- the access check ---- */
enum folio_btg_access {
    FOLIO_BTG_ALLOWED = 0,
    FOLIO_BTG_NEEDS_GLASS = 1, /* restricted chart, no care relationship, no live grant */
};
struct folio_btg_decision {
    enum folio_btg_access access;
    bool restricted, vip;
    const char *why;  /* static text: "not_restricted", "privacy_officer", "care_team",
                         "provider", "grant", "no_relationship" */
    int64_t grant_id; /* the live grant, when why is "grant" */
};
/* roles: the session's role bits (the privacy officer passes); session_id: the sign-in session
 * (0 = none): only a grant of that session counts. One indexed read when the chart is not
 * restricted. */
enum folio_rc folio_btg_check(struct folio_store *s, int64_t user_id, int64_t session_id,
                              uint32_t roles, int64_t patient_id, int64_t now,
                              struct folio_btg_decision *out, struct folio_err *err) FOLIO_MUST_USE;
/* Breaks the glass: reason required (FOLIO_BTG_REASON_MIN..MAX characters after trimming:
 * EINVAL "reason"); ENOTFOUND "patient_id"; ESTATE (field "id") when the chart is not restricted
 * or the user may already open it. Creates a grant until min(now + FOLIO_BTG_GRANT_SECONDS,
 * session_expires_at when not NULL), valid for session_id only (0 = outside a session), and a
 * break_the_glass review item with the reason. */
enum folio_rc folio_btg_break(struct folio_store *s, int64_t user_id, int64_t session_id,
                              uint32_t roles, int64_t patient_id, const char *reason, int64_t now,
                              const char *session_expires_at, const char *client, int64_t *grant_id,
                              int64_t *review_id, char expires_at[32],
                              struct folio_err *err) FOLIO_MUST_USE;

/* ---- the review queue ---- */
enum folio_btg_kind {
    FOLIO_BTG_KIND_BREAK_GLASS = 0,
    FOLIO_BTG_KIND_SAME_FAMILY,
    FOLIO_BTG_KIND_SAME_ADDRESS,
    FOLIO_BTG_KIND_VIP,
    FOLIO_BTG_KIND_VOLUME,
    FOLIO_BTG_KIND__COUNT
};
/* "break_the_glass", "same_family_name", "same_address", "vip_access", "volume". */
const char *folio_btg_kind_name(enum folio_btg_kind k);
/* EINVAL (field) for an unknown name. */
enum folio_rc folio_btg_kind_parse(const char *name, const char *field, enum folio_btg_kind *out,
                                   struct folio_err *err) FOLIO_MUST_USE;

struct folio_btg_review {
    int64_t id;
    const char *kind, *username;
    int64_t user_id, patient_id; /* 0 when none */
    const char *day, *at, *detail;
    int64_t grant_id;
    const char *status, *disposition, *note, *reviewed_by, *reviewed_at;
    /* the patient's current name and MRN, as the lists show them (NULL when none); the caller
     * decides who may see them */
    const char *patient_family, *patient_given, *patient_mrn;
};
struct folio_btg_review_query {
    const char *status;    /* "open", "reviewed" or NULL = both (EINVAL "status") */
    const char *kind;      /* NULL = any (EINVAL "kind") */
    const char *day;       /* "YYYY-MM-DD" or NULL (EINVAL "day") */
    int64_t limit, offset; /* limit clamped to 1..500 (0 -> 100); newest first */
};
enum folio_rc folio_btg_review_list(struct folio_store *s, const struct folio_btg_review_query *q,
                                    struct folio_arena *a, struct folio_btg_review **out, size_t *n,
                                    int64_t *total, struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc folio_btg_review_get(struct folio_store *s, int64_t id, struct folio_arena *a,
                                   struct folio_btg_review *out,
                                   struct folio_err *err) FOLIO_MUST_USE;
/* Closes an open item: disposition appropriate | inappropriate | escalated (EINVAL
 * "disposition"); note up to 2000 characters, required for inappropriate and escalated
 * (EINVAL "note"); ENOTFOUND "id"; ESTATE when already reviewed; EPERM ("id") when the item
 * is about the actor's own access (someone else reviews it). */
enum folio_rc folio_btg_review_close(struct folio_store *s, const char *actor, int64_t id,
                                     const char *disposition, const char *note,
                                     struct folio_err *err) FOLIO_MUST_USE;

/* ---- workforce data (the user's own family name and home address) ---- */
/* Sets the fields the alerts compare (NULL or "" clears one): family name and street up to 128
 * characters (UTF-8), postal code up to 16 (EINVAL names the field); ENOTFOUND "username". */
enum folio_rc folio_btg_user_set_home(struct folio_store *s, const char *actor,
                                      const char *username, const char *family_name,
                                      const char *postal_code, const char *street,
                                      struct folio_err *err) FOLIO_MUST_USE;

/* ---- the daily snooping alerts (snoop.c) ---- */
struct folio_snoop_params {
    int64_t volume_floor; /* distinct patients a day below which volume never alerts: 50 */
    double volume_factor; /* ... and above which factor x the user's median: 3.0 */
    int baseline_days;    /* the median is over this many previous days (zeros count): 30 */
};
void folio_snoop_params_defaults(struct folio_snoop_params *p);
struct folio_snoop_result {
    int64_t found[FOLIO_BTG_KIND__COUNT]; /* alerts the day has (new or already there) */
    int64_t added[FOLIO_BTG_KIND__COUNT]; /* of which this run added */
    int64_t accesses;                     /* (user, patient) pairs of the day looked at */
};
/* Runs the alerts for day ("YYYY-MM-DD", EINVAL "day"; a day that has not started yet is
 * EINVAL too) over the audit trail's successful patient-scoped entries of that day (UTC),
 * privacy.* actions excepted. c: the chart handle (names and addresses are read through the
 * records API). p NULL = defaults. */
enum folio_rc folio_snoop_run(const struct folio_chart *c, const char *day,
                              const struct folio_snoop_params *p, struct folio_snoop_result *out,
                              struct folio_err *err) FOLIO_MUST_USE;
/* Normalised forms used by the comparison (exposed for tests): family name folded to lower-case
 * letters; street line lower-case alphanumerics with common suffixes abbreviated ("Street" ->
 * "st"); postal code the first 5 digits (or the folded text when not US). */
void folio_snoop_norm_street(const char *in, char *out, size_t cap);
void folio_snoop_norm_postal(const char *in, char *out, size_t cap);

#endif

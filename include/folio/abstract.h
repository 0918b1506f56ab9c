/* The coding abstract of an encounter and the coder's worklist (docs/coding.md).
 *
 * An abstract is what the coder assigns to one encounter: the principal (inpatient) or
 * first-listed (outpatient) diagnosis, secondary diagnoses with their POA indicators, the
 * admitting diagnosis, reasons for visit, external-cause codes, and procedures (ICD-10-PCS for
 * inpatients, CPT/HCPCS for outpatients) with their dates and operator. It has a status:
 *
 *   in_progress -> on_hold (a reason: awaiting query, awaiting documentation, ...) -> in_progress
 *   in_progress -> final (finalize: refused while a blocking check fails) -> rebill -> final
 *
 * "rebill" reopens a final abstract for a correction after billing: it is edited like an
 * in-progress one and finalized again. Every change is kept forever in the abstract's history:
 * who added, removed or changed which code (and its POA, date, operator), resequenced the
 * diagnoses, or changed the status, when, and why (a reason is optional for a first coding and
 * required once the abstract has been final).
 *
 * Saving replaces the whole code list (the client sends the abstract as the coder sees it); the
 * module computes the differences for the history. Saves and status changes take the version the
 * client last read (optimistic concurrency: ECONFLICT with err->field "version" when stale).
 * Codes are stored without dots, upper case; a code need not be valid to be saved (work in
 * progress is kept), but finalizing checks them (coding_check.h).
 *
 * The source system's codes (HL7 DG1/PR1 and imported conditions and procedures of the
 * encounter) are shown beside the abstract: folio_abstract_source().
 *
 * Worklist: encounters discharged and not final-coded (DNFC), oldest discharge first, with DNFC
 * days (whole days from the discharge date to the as-of date), class, service, payer (the
 * patient's coverage in force at discharge, else the latest), assignee and status. Encounters
 * never abstracted appear with status "uncoded". Assigning sets the coder who should work it.
 *
 * Productivity: per coder and period, abstracts finalized, and active coding hours measured from
 * the abstract history: the coder's changes to one abstract are grouped into sittings (a gap
 * over FOLIO_CODING_IDLE_GAP_S between two changes ends a sitting); a sitting's time is from its
 * first to its last change, plus FOLIO_CODING_MIN_SITTING_S; charts per hour = finalized /
 * active hours.
 *
 * All functions run inside the caller's transaction if one is open (else their own). Returned
 * structs live in the caller's arena. Library code: never prints. */
#ifndef FOLIO_ABSTRACT_H
#define FOLIO_ABSTRACT_H

#include "folio/base.h"
#include "folio/codes.h"
#include "folio/store.h"

#define FOLIO_CODING_IDLE_GAP_S   (15 * 60)
#define FOLIO_CODING_MIN_SITTING_S 60
#define FOLIO_ABSTRACT_MAX_CODES  200 /* per abstract, all roles together */

enum folio_abstract_status {
    FOLIO_ABS_UNCODED = 0,     /* "uncoded": no abstract yet (worklist only) */
    FOLIO_ABS_IN_PROGRESS = 1, /* "in_progress" */
    FOLIO_ABS_ON_HOLD = 2,     /* "on_hold" (hold_reason set) */
    FOLIO_ABS_FINAL = 3,       /* "final" */
    FOLIO_ABS_REBILL = 4,      /* "rebill": reopened after final, to be finalized again */
};
const char *folio_abstract_status_name(enum folio_abstract_status s); /* NULL if unknown */
enum folio_rc folio_abstract_status_parse(const char *name, enum folio_abstract_status *out,
                                          struct folio_err *err) FOLIO_MUST_USE;

/* Hold reasons (stored as these names). */
enum folio_hold_reason {
    FOLIO_HOLD_NONE = 0,
    FOLIO_HOLD_AWAITING_QUERY = 1,         /* "awaiting_query": physician query outstanding */
    FOLIO_HOLD_AWAITING_DOCUMENTATION = 2, /* "awaiting_documentation": e.g. discharge summary */
    FOLIO_HOLD_AWAITING_PATHOLOGY = 3,     /* "awaiting_pathology" */
    FOLIO_HOLD_BILLING = 4,                /* "billing": charges or account issue */
    FOLIO_HOLD_OTHER = 5,                  /* "other": hold_note says what */
};
const char *folio_hold_reason_name(enum folio_hold_reason r); /* NULL if unknown */
enum folio_rc folio_hold_reason_parse(const char *name, enum folio_hold_reason *out,
                                      struct folio_err *err) FOLIO_MUST_USE;

/* Where a code sits on the abstract (stored as these names). */
enum folio_abs_role {
    FOLIO_ABS_PRINCIPAL = 1,     /* "principal": principal / first-listed diagnosis (one) */
    FOLIO_ABS_SECONDARY = 2,     /* "secondary": other diagnoses, in sequence */
    FOLIO_ABS_ADMITTING = 3,     /* "admitting": admitting diagnosis (inpatient, at most one) */
    FOLIO_ABS_REASON_VISIT = 4,  /* "reason_for_visit": patient's reason for visit (outpatient,
                                    up to 3) */
    FOLIO_ABS_EXTERNAL_CAUSE = 5, /* "external_cause": V00-Y99 codes, in sequence */
    FOLIO_ABS_PROCEDURE = 6,     /* "procedure": ICD-10-PCS, CPT or HCPCS, principal first */
};
const char *folio_abs_role_name(enum folio_abs_role r); /* NULL if unknown */
enum folio_rc folio_abs_role_parse(const char *name, enum folio_abs_role *out,
                                   struct folio_err *err) FOLIO_MUST_USE;

struct folio_abstract_code {
    enum folio_abs_role role;
    enum folio_code_system system; /* diagnoses: ICD10CM; procedures: ICD10PCS, CPT or HCPCS */
    char code[16];                 /* without dot, upper case */
    char poa;            /* diagnoses of inpatients: 'Y' 'N' 'U' 'W' '1', '\0' = not given */
    char date[11];       /* procedures: YYYY-MM-DD, "" = not given */
    char *operator_name; /* procedures: the operating provider as written; NULL = not given */
    int64_t operator_id; /* procedures: provider.id when known, else 0 */
    char modifiers[12];  /* CPT/HCPCS modifiers, e.g. "LT" or "26 59"; "" = none */
    char *title;         /* on read: the code's title in force at discharge, NULL if unknown */
};

struct folio_abstract {
    int64_t id;             /* 0 when the encounter has no abstract yet */
    int64_t encounter_id;
    int64_t patient_id;
    int64_t version;        /* 0 when none yet; each save or status change adds 1 */
    enum folio_abstract_status status;
    enum folio_hold_reason hold_reason;
    char *hold_note;        /* free text with the hold (NULL when none) */
    char *assigned_to;      /* username, NULL = unassigned */
    char *created_by, *updated_by, *finalized_by; /* NULL when not yet */
    char created_at[32], updated_at[32], finalized_at[32]; /* "" when not yet */
    /* The encounter, for the coder: */
    char enc_class[16];
    char admit_at[32], discharge_at[32]; /* "" when not known / not discharged */
    char code_date[11];     /* the date the code set is taken as of: discharge, else today */
    struct folio_abstract_code *codes; /* in role order (principal, admitting, reason,
                                          secondary, external cause, procedure), then sequence */
    size_t n_codes;
};

/* The abstract of an encounter. An encounter never abstracted gives id 0, status UNCODED and no
 * codes (nothing is written). ENOTFOUND (field "encounter") for an unknown encounter. Titles
 * are filled from the code set in force on code_date. */
enum folio_rc folio_abstract_get(struct folio_store *s, int64_t encounter_id, const char *today,
                                 struct folio_arena *a, struct folio_abstract **out,
                                 struct folio_err *err) FOLIO_MUST_USE;

struct folio_abstract_save {
    int64_t encounter_id;
    int64_t expected_version;    /* the version read (0 for a first save) */
    const struct folio_abstract_code *codes; /* the whole new list; order within a role is the
                                                sequence */
    size_t n_codes;
    const char *reason;          /* why (history); required (EINVAL "reason") when the abstract
                                    has been final before (status rebill) */
    const char *user;            /* who */
    const char *now;             /* timestamp, folio_time format; NULL = now */
};

/* Replaces the code list. Creates the abstract (status in_progress) on a first save. Refused:
 * a final abstract (ESTATE: reopen it as rebill first); an on-hold one is saved and stays on
 * hold. EINVAL naming "codes[i].field" for: two principals or two admitting diagnoses, a role
 * with the wrong code system, a malformed code, a POA other than Y N U W 1, a bad date, more
 * than FOLIO_ABSTRACT_MAX_CODES codes. ECONFLICT "version" when stale. A save that changes
 * nothing writes nothing (version unchanged). *out (optional) is the abstract after the save. */
enum folio_rc folio_abstract_put(struct folio_store *s, const struct folio_abstract_save *in,
                                 struct folio_arena *a, struct folio_abstract **out,
                                 struct folio_err *err) FOLIO_MUST_USE;

/* Status change: to on_hold (hold_reason required, note optional; OTHER requires a note), back
 * to in_progress (from on_hold), to final (from in_progress or rebill; the caller has run the
 * checks: see coding_check.h, finalize is refused by the API layer while a blocking finding
 * remains; here: ESTATE without a principal diagnosis), to rebill (from final; reason
 * required). Any other transition is ESTATE naming both states. Creates the abstract when the
 * encounter has none (on_hold of an uncoded encounter). */
struct folio_abstract_status_change {
    int64_t encounter_id;
    int64_t expected_version;
    enum folio_abstract_status to;
    enum folio_hold_reason hold_reason;
    const char *hold_note;
    const char *reason;
    const char *user;
    const char *now;
};
enum folio_rc folio_abstract_set_status(struct folio_store *s,
                                        const struct folio_abstract_status_change *in,
                                        struct folio_arena *a, struct folio_abstract **out,
                                        struct folio_err *err) FOLIO_MUST_USE;

/* History, oldest first. */
struct folio_abstract_change {
    int64_t id;
    char at[32];
    char *user;
    /* "add", "remove", "change" (POA/date/operator/modifiers of a code kept), "sequence" (a
     * code moved within its role or to another role), "status" */
    char action[12];
    enum folio_abs_role role;  /* 0 for status */
    char code[16];             /* "" for status */
    char *old_value, *new_value; /* e.g. "POA N" -> "POA Y", "secondary 3" -> "principal",
                                    "in_progress" -> "final"; NULL where not applicable */
    char *reason;              /* NULL when none given */
};
enum folio_rc folio_abstract_history(struct folio_store *s, int64_t encounter_id,
                                     struct folio_arena *a, struct folio_abstract_change **out,
                                     size_t *n, struct folio_err *err) FOLIO_MUST_USE;

/* The source system's codes for the encounter: HL7 DG1/PR1 and imported conditions and
 * procedures (condition and procedure_event rows of the encounter), as received. */
struct folio_source_code {
    char kind[12];          /* "diagnosis" | "procedure" */
    char *system;           /* as received: "I10", "ICD10CM", "http://snomed.info/sct", ... */
    char *code;
    char *display;          /* NULL when none */
    char *date;             /* onset / performed; NULL when none */
    char *source;           /* ext_system ("HL7", "synthea"...) or NULL */
};
enum folio_rc folio_abstract_source(struct folio_store *s, int64_t encounter_id,
                                    struct folio_arena *a, struct folio_source_code **out,
                                    size_t *n, struct folio_err *err) FOLIO_MUST_USE;

/* ---- worklist ---- */

struct folio_worklist_filter {
    const char *as_of;       /* YYYY-MM-DD for DNFC days; NULL = today (UTC) */
    const char *enc_class;   /* NULL = all */
    const char *payer;       /* substring of the payer name, case-insensitive; NULL = all */
    const char *assigned_to; /* username; "" = unassigned only; NULL = all */
    int status;              /* -1 = every not-final status; else enum folio_abstract_status */
    int min_days;            /* DNFC days at least (0 = all) */
    size_t offset, limit;    /* limit 0 = 50; at most 500 */
};

struct folio_worklist_row {
    int64_t encounter_id;
    int64_t patient_id;
    char account_number[64];
    char enc_class[16];
    char *service;           /* NULL when none */
    char discharge_at[32];
    int dnfc_days;
    char *payer;             /* NULL when no coverage is known */
    enum folio_abstract_status status;
    enum folio_hold_reason hold_reason;
    char *assigned_to;       /* NULL = unassigned */
    int64_t version;         /* abstract version, 0 when uncoded */
};

struct folio_worklist_summary {
    size_t total;            /* rows matching the filter (before offset/limit) */
    /* DNFC aging buckets over the matching rows: 0-3, 4-7, 8-14, 15-30, over 30 days */
    size_t buckets[5];
};

/* Discharged encounters whose abstract is not final (uncoded, in progress, on hold, rebill),
 * oldest discharge first. Cancelled encounters and those never discharged are not listed. */
enum folio_rc folio_coding_worklist(struct folio_store *s, const struct folio_worklist_filter *f,
                                    struct folio_arena *a, struct folio_worklist_row **out,
                                    size_t *n, struct folio_worklist_summary *sum,
                                    struct folio_err *err) FOLIO_MUST_USE;

/* Assigns the encounters to coder (a username; NULL or "" unassigns), recorded in each
 * abstract's history (creating an uncoded encounter's abstract in status in_progress with no
 * codes). ENOTFOUND naming the first unknown encounter; ESTATE for a final one. All or none. */
enum folio_rc folio_coding_assign(struct folio_store *s, const int64_t *encounter_ids, size_t n,
                                  const char *coder, const char *user, const char *now,
                                  struct folio_err *err) FOLIO_MUST_USE;

struct folio_productivity_row {
    char *coder;
    int64_t finalized;       /* abstracts this coder finalized in the period */
    int64_t by_class[5];     /* of which: inpatient, outpatient, emergency, observation, other */
    double active_hours;     /* sittings in the period (see above) */
    double charts_per_hour;  /* finalized / active_hours; 0 when no active time */
};
/* Per coder with any activity in [from, to] (dates YYYY-MM-DD, inclusive), by username. */
enum folio_rc folio_coding_productivity(struct folio_store *s, const char *from, const char *to,
                                        struct folio_arena *a,
                                        struct folio_productivity_row **out, size_t *n,
                                        struct folio_err *err) FOLIO_MUST_USE;

#endif

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
/* Names are matched ASCII case-insensitively; EINVAL (field "status", naming the value) else. The
 * same holds for the hold reason ("hold_reason") and role ("role") parsers below. */
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
/* NULL for FOLIO_HOLD_NONE and unknown values; the parser refuses "none". */
const char *folio_hold_reason_name(enum folio_hold_reason r);
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
 * are filled from the code set in force on code_date (folio_codes_get: title, else short
 * title; NULL when the code is not in force then). today: "YYYY-MM-DD", the code date of an
 * encounter not discharged; NULL = today (UTC); EINVAL "today" when malformed. The code date of
 * a discharged encounter is the date part of discharge_at (UTC). */
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
                                    has been final before (status rebill) and the save changes
                                    something; at most 1000 bytes */
    const char *user;            /* who; required (EINVAL "user") */
    const char *now;             /* timestamp with a time of day (EINVAL "now" for a date alone),
                                    any folio_time form; stored in UTC at second precision;
                                    NULL = now */
};

/* Replaces the code list. Creates the abstract (status in_progress, a "status" history row
 * uncoded -> in_progress) on a first save that has codes. Refused: a final abstract (ESTATE
 * "status": reopen it as rebill first); a cancelled encounter (ESTATE "encounter"); an unknown
 * one (ENOTFOUND "encounter"). An on-hold abstract is saved and stays on hold.
 * EINVAL naming "codes[i].<field>" (i = index in the caller's array) for: a second principal
 * or admitting diagnosis or a fourth reason for visit ("role"), an unknown role ("role"), a
 * role with the wrong code system ("system": diagnoses ICD-10-CM, procedures ICD-10-PCS, CPT or
 * HCPCS), a code that is not of its system's shape ("code": ICD-10-CM letter digit + 1-5;
 * ICD-10-PCS 7 characters without I or O; CPT 4 digits + 1; HCPCS letter + 4 digits), a POA
 * other than Y N U W 1 or on a procedure ("poa"), a date that is not YYYY-MM-DD or on a
 * diagnosis ("date"), an operator on a diagnosis or an operator_id naming no provider
 * ("operator_name", "operator_id"), modifiers other than 1-4 two-character ones separated by
 * blanks or commas, or on a code other than CPT/HCPCS ("modifiers"); EINVAL "codes" for more
 * than FOLIO_ABSTRACT_MAX_CODES codes. POA and modifiers are stored upper case. ECONFLICT
 * "version" when stale (the message names the current version). A save that changes nothing
 * writes nothing (version unchanged; no reason needed). *out (optional) is the abstract after
 * the save. History rows of a save (all with the save's user, time and reason):
 *   "remove"   old_value = position and attributes ("secondary 2; POA N")
 *   "add"      new_value = position and attributes ("procedure 1; date 2024-03-06; operator
 *              Dr. Able (#12); modifiers LT")
 *   "sequence" old/new position ("secondary 1" -> "principal"): a code that changed role, or
 *              whose order among the codes kept in its role changed (a removal or an insertion
 *              moves nothing else)
 *   "change"   one row per attribute changed: "POA N" -> "POA Y", "date none" -> "date
 *              2024-03-07", "operator ..." , "modifiers LT" -> "modifiers RT 59"
 * Codes are paired old to new by system and code (same position first, then same role, then
 * any role). Replaced code rows are closed, never deleted (docs/coding.md). */
enum folio_rc folio_abstract_put(struct folio_store *s, const struct folio_abstract_save *in,
                                 struct folio_arena *a, struct folio_abstract **out,
                                 struct folio_err *err) FOLIO_MUST_USE;

/* Status change: to on_hold (from in_progress or uncoded; hold_reason required, EINVAL
 * "hold_reason"; note optional, but OTHER requires one, EINVAL "hold_note"), back to
 * in_progress (from on_hold; clears the hold), to final (from in_progress or rebill; the caller
 * has run the checks: see coding_check.h, finalize is refused by the API layer while a blocking
 * finding remains; here: ESTATE "codes" without a principal diagnosis; sets finalized_at/by),
 * to rebill (from final; reason required, EINVAL "reason"). Any other transition is ESTATE
 * (field "status") naming the state and the change asked for: "cannot finalize: the abstract
 * is on hold (awaiting_query); release the hold first". EINVAL "to" for an unknown status;
 * ESTATE "encounter" for a cancelled encounter; ECONFLICT "version" when stale. Checked in
 * that order: version, transition, required fields. Creates the abstract when the encounter
 * has none (on_hold of an uncoded encounter: version 1, one history row uncoded -> on_hold).
 * Each change is one "status" history row (old_value, new_value: status names); for a hold its
 * reason is "<hold reason>[: <note>][; <reason>]". user and now as in folio_abstract_save. */
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
     * code moved within its role or to another role), "status", "assign" (old_value and
     * new_value: the previous and new assignee, NULL = nobody) */
    char action[12];
    enum folio_abs_role role;  /* 0 for status and assign */
    char code[16];             /* "" for status and assign */
    char *old_value, *new_value; /* e.g. "POA N" -> "POA Y", "secondary 3" -> "principal",
                                    "in_progress" -> "final"; NULL where not applicable (see
                                    folio_abstract_put) */
    char *reason;              /* NULL when none given */
};
/* *n may be 0 (never abstracted). ENOTFOUND (field "encounter") for an unknown encounter. */
enum folio_rc folio_abstract_history(struct folio_store *s, int64_t encounter_id,
                                     struct folio_arena *a, struct folio_abstract_change **out,
                                     size_t *n, struct folio_err *err) FOLIO_MUST_USE;

/* The source system's codes for the encounter: HL7 DG1/PR1 and imported conditions and
 * procedures (condition and procedure_event rows of the encounter), as received: diagnoses
 * first, then procedures, each in the order received. ENOTFOUND "encounter". */
struct folio_source_code {
    char kind[12];          /* "diagnosis" | "procedure" */
    char *system;           /* as received: "I10", "ICD10CM", "http://snomed.info/sct", ... */
    char *code;
    char *display;          /* NULL when none */
    char *date;             /* onset / performed; NULL when none */
    char *source;           /* "HL7 DG1" / "HL7 PR1" for the feed's rows, else ext_system as
                               stored ("synthea", ...), or NULL */
    /* diagnoses: the clinician's type and rank (HL7 DG1-6, DG1-15; struct folio_condition) */
    char *dx_type;          /* "A" admitting, "W" working, "F" final, ...; NULL when none */
    int64_t dx_priority;    /* when has_dx_priority: 1 principal, 2.. secondary, 0 not ranked */
    bool has_dx_priority;
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
    int status;              /* -1 = every not-final status; else enum folio_abstract_status
                                (FOLIO_ABS_FINAL: EINVAL "status") */
    int min_days;            /* DNFC days at least (0 = all; negative: EINVAL "min_days") */
    size_t offset, limit;    /* limit 0 = 50; larger than 500 = 500 */
};

struct folio_worklist_row {
    int64_t encounter_id;
    int64_t patient_id;
    char account_number[64];
    char enc_class[16];
    char *service;           /* NULL when none */
    char discharge_at[32];
    int dnfc_days;           /* 0 when discharged after as_of */
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
 * oldest discharge first (then encounter id). Cancelled encounters and those never discharged
 * are not listed. f NULL = no filter, today; sum may be NULL. DNFC days count calendar days
 * from the date part of discharge_at (UTC) to as_of. EINVAL "as_of" for a malformed date. */
enum folio_rc folio_coding_worklist(struct folio_store *s, const struct folio_worklist_filter *f,
                                    struct folio_arena *a, struct folio_worklist_row **out,
                                    size_t *n, struct folio_worklist_summary *sum,
                                    struct folio_err *err) FOLIO_MUST_USE;

/* Assigns the encounters to coder (a username; NULL or "" unassigns), recorded in each
 * abstract's history as "assign" (creating an uncoded encounter's abstract in status
 * in_progress with no codes, version 1; unassigning an uncoded one creates nothing). Assigning
 * does not change the abstract's version; assigning to the current assignee records nothing.
 * ENOTFOUND naming the first unknown encounter (field "encounter_ids[i]"); ESTATE (same field)
 * for a final abstract or a cancelled encounter; EINVAL "encounter_ids" for none or more than
 * 1000, "user" without a user. All or none. now as in folio_abstract_save. */
enum folio_rc folio_coding_assign(struct folio_store *s, const int64_t *encounter_ids, size_t n,
                                  const char *coder, const char *user, const char *now,
                                  struct folio_err *err) FOLIO_MUST_USE;

struct folio_productivity_row {
    char *coder;
    int64_t finalized;       /* abstracts this coder finalized in the period (an abstract
                                finalized again after a rebill counts once) */
    int64_t by_class[5];     /* of which: inpatient, outpatient, emergency, observation, other
                                (newborn), by the encounter's class */
    double active_hours;     /* sittings in the period (see above) */
    double charts_per_hour;  /* finalized / active_hours; 0 when no active time */
};
/* Per coder with any activity in [from, to] (dates YYYY-MM-DD, inclusive, UTC days), by
 * username (byte order). Activity = the coder's history rows except "assign" (assigning work is
 * not coding); only rows inside the period count, so a sitting over the period's edge is cut
 * there. EINVAL "from" / "to" for malformed dates or to before from. */
enum folio_rc folio_coding_productivity(struct folio_store *s, const char *from, const char *to,
                                        struct folio_arena *a,
                                        struct folio_productivity_row **out, size_t *n,
                                        struct folio_err *err) FOLIO_MUST_USE;

#endif

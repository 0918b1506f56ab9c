/* Chart completeness (issue 8): documentation rules as data, and deficiency analysis.
 *
 * Rules live in a text file an HIM administrator edits (format: docs/completeness.md). Loading a
 * file stores a new version of the rule set (content, SHA-256, who, when); the newest version is
 * in force and the next analysis uses it, without a rebuild. A file with an error is refused
 * with a message naming the line ("rules.txt:14: unknown document type '1234-5'").
 *
 * Deficiency analysis evaluates the rules in force against one encounter's chart and reconciles
 * the deficiency table: missing deficiencies are created (responsible provider, due date from
 * the rule's anchor and deadline), resolved ones are closed (with when, how, and whether late),
 * waived and withdrawn ones are left alone. Each deficiency keeps an append-only event history.
 *
 * Entry points for the faces (in the transaction of the change: the HL7 feed at the message's
 * time, src/feed/deficiency.c; the API and the CLI at the real clock):
 * - discharge (HL7 A03, API, CLI):       folio_completeness_on_change
 * - a document arrives, changes or is signed (MDM, API, CLI): folio_completeness_on_change
 * - discharge cancelled (HL7 A13):       folio_completeness_withdraw
 * - HIM staff:                           folio_completeness_analyze, _waive, _list, _worklist,
 *                                        _complete, _reopen
 *
 * The clock is a parameter: every `now` is a time in any folio_time form (NULL = the real
 * clock), stored as canonical UTC text at second precision. A deficiency is overdue when
 * now > due_at. Errors: EINVAL naming the field, ENOTFOUND for unknown ids, ESTATE when the
 * record's state forbids the action, EPARSE for a rules file with an error, ESTORE/EBUSY from the
 * database. Output strings are allocated in the caller's arena.
 */
#ifndef FOLIO_COMPLETENESS_H
#define FOLIO_COMPLETENESS_H

#include "folio/base.h"
#include "folio/store.h"

#define FOLIO_RULES_MAX_BYTES (1024 * 1024) /* a rules file larger than this is ETOOBIG */

/* ---- rules ---- */

enum folio_rule_kind {
    FOLIO_RULE_REQUIRE = 1, /* "require": a document of a type must be in the chart */
    FOLIO_RULE_SIGN = 2,    /* "sign": documents must be signed (and co-signed) in time */
    FOLIO_RULE_FIELD = 3,   /* "field": an encounter field must be filled */
    FOLIO_RULE_CHECK = 4,   /* "check": an accuracy check on documents */
};
enum folio_rule_anchor {
    FOLIO_ANCHOR_ADMIT = 1,
    FOLIO_ANCHOR_DISCHARGE = 2,
    FOLIO_ANCHOR_PROCEDURE = 3, /* each procedure of the encounter (procedure_event rows) */
    FOLIO_ANCHOR_DOCUMENT = 4,  /* each document's filing time */
    FOLIO_ANCHOR_DAY = 5,       /* require ... daily: each calendar day (UTC) of the stay */
};
enum folio_rule_field {
    FOLIO_FIELD_ATTENDING = 1,    /* an attending provider on the encounter */
    FOLIO_FIELD_DISPOSITION = 2,  /* the discharge disposition */
    FOLIO_FIELD_PRINCIPAL_DX = 3, /* a principal diagnosis (the coding abstract's, see docs) */
};
enum folio_rule_check {
    FOLIO_CHECK_DATES_IN_STAY = 1, /* document service time outside admission..discharge */
    FOLIO_CHECK_FINAL = 2,         /* document (of the rule's type) still preliminary */
    FOLIO_CHECK_OTHER_MRN = 3,     /* a text document names another patient's MRN */
};
enum folio_rule_resp {
    FOLIO_RESP_DEFAULT = 0, /* the kind's default: attending for require/field, author else */
    FOLIO_RESP_ATTENDING = 1,
    FOLIO_RESP_AUTHOR = 2, /* the document's author (attending when none) */
    FOLIO_RESP_ADMITTING = 3,
    FOLIO_RESP_OPERATOR = 4, /* procedure rules: the procedure's operator (attending when none) */
};
enum folio_rule_when {
    FOLIO_WHEN_ALWAYS = 0,
    FOLIO_WHEN_TISSUE = 1, /* procedure rules: only procedures whose tissue went to pathology */
};

struct folio_rule {
    char name[33]; /* unique in the set: letters, digits, '-', '_' */
    int line;      /* line in the file */
    enum folio_rule_kind kind;
    char doc_type[16];  /* LOINC document code; "" = any type (sign, check) */
    char classes[96];   /* ",inpatient,emergency," or "" = every class */
    char services[160]; /* ",SUR,ORTH," (upper case) or "" = every service */
    int64_t within_s;   /* deadline after the anchor, seconds */
    enum folio_rule_anchor anchor;
    bool before_procedure; /* require: also before the first procedure starts */
    bool cosign;           /* sign: needs a cosigner signature as well */
    bool cosign_residents; /* sign ... cosign residents: only documents by residents */
    char except[96];       /* sign, check: ",46209-3," document types left out, "" = none */
    enum folio_rule_when when;
    enum folio_rule_field field;
    enum folio_rule_check check;
    enum folio_rule_resp resp;
};

struct folio_ruleset {
    struct folio_rule *rules; /* in file order */
    size_t n;
};

/* Parses a rules file (text, len bytes; need not be NUL-terminated). name is used in error
 * messages ("name:LINE: ..."; NULL -> "rules"). EPARSE with err->field "name:LINE" on the
 * first error; ETOOBIG over FOLIO_RULES_MAX_BYTES. Rules are allocated in a. */
enum folio_rc folio_rules_parse(const char *name, const char *text, size_t len,
                                struct folio_arena *a, struct folio_ruleset *out,
                                struct folio_err *err) FOLIO_MUST_USE;

struct folio_rules_version {
    int64_t version; /* 1, 2, ...; 0 when no rule set was ever loaded */
    char sha256[65];
    char *source; /* the file name given at load, NULL when none */
    char *content;
    char *loaded_by;
    char loaded_at[32];
    int64_t n_rules;
};

/* Parses (refusing errors as folio_rules_parse does) and stores text as the new version in
 * force. Content identical to the version in force is a no-op: *changed false and *version is
 * the existing one. user required (EINVAL "user"); now as above. version/changed may be NULL. */
enum folio_rc folio_rules_load(struct folio_store *s, const char *source, const char *text,
                               size_t len, const char *user, const char *now, int64_t *version,
                               bool *changed, struct folio_err *err) FOLIO_MUST_USE;
/* The version in force (out->version 0 when none) and, when set is not NULL, its parsed rules. */
enum folio_rc folio_rules_in_force(struct folio_store *s, struct folio_arena *a,
                                   struct folio_rules_version *out, struct folio_ruleset *set,
                                   struct folio_err *err) FOLIO_MUST_USE;

/* Marks a provider a resident (house staff) or not (provider.resident): the notes of residents
 * need a co-signature where a rule says "cosign residents". *changed (may be NULL) is false when
 * the provider already had that value. ENOTFOUND "provider"; user required (EINVAL "user"). */
enum folio_rc folio_completeness_set_resident(struct folio_store *s, int64_t provider_id,
                                              bool resident, const char *user, bool *changed,
                                              struct folio_err *err) FOLIO_MUST_USE;

/* ---- deficiencies ---- */

struct folio_cmpl_result {
    int64_t ruleset_version;         /* the rules used; 0 when none is loaded (nothing is done) */
    size_t created, closed, updated; /* updated: a due date moved after a rule edit */
    size_t open;                     /* open deficiencies of the encounter afterwards */
};

/* Analyses one encounter at `now` (see top). A cancelled encounter is analysed as having no
 * requirement (its open deficiencies close). Idempotent: a second run at the same time with the
 * same chart and rules changes nothing. ENOTFOUND "encounter". user: who runs it (NULL ->
 * "system"). res may be NULL. Runs in one transaction. */
enum folio_rc folio_completeness_analyze(struct folio_store *s, int64_t encounter_id,
                                         const char *now, const char *user,
                                         struct folio_cmpl_result *res,
                                         struct folio_err *err) FOLIO_MUST_USE;
/* A cancelled discharge (A13): every open or waived deficiency of the encounter becomes
 * "withdrawn" (kept, with the reason). *n (may be NULL) gets the count. reason required. */
enum folio_rc folio_completeness_withdraw(struct folio_store *s, int64_t encounter_id,
                                          const char *reason, const char *user, const char *now,
                                          size_t *n, struct folio_err *err) FOLIO_MUST_USE;
/* Waives an open deficiency (reason required, EINVAL "reason"); ESTATE unless open;
 * ENOTFOUND "deficiency". A waived deficiency is never closed or re-created by analysis. */
enum folio_rc folio_completeness_waive(struct folio_store *s, int64_t deficiency_id,
                                       const char *reason, const char *user, const char *now,
                                       struct folio_err *err) FOLIO_MUST_USE;

struct folio_deficiency {
    int64_t id;
    int64_t encounter_id;
    char *rule;          /* rule name */
    char kind[12];       /* require | sign | field | check */
    char *subject;       /* what it is about: "encounter", "procedure:7", "document:12" */
    int64_t document_id; /* 0 when none */
    int64_t procedure_id;
    char *doc_type; /* NULL when none */
    char *description;
    int64_t responsible_id; /* provider, 0 when nobody could be named */
    char due_at[32];        /* "" when none */
    char status[12];        /* open | closed | waived | withdrawn */
    int64_t ruleset_version;
    char created_at[32];
    char closed_at[32]; /* "" unless closed/withdrawn */
    char *closed_how;   /* "resolved", "rule no longer applies", withdrawal reason ... */
    bool late;          /* closed after due_at */
    bool overdue;       /* open and the list's now > due_at */
    char *waived_by, *waived_reason;
};
struct folio_deficiency_filter {
    int64_t id;             /* 0 = all; else that deficiency only */
    int64_t encounter_id;   /* 0 = all */
    int64_t responsible_id; /* 0 = all */
    bool open_only;
    const char *now; /* for `overdue`; NULL = the real clock */
    size_t limit;    /* 0 = 200, at most 1000 */
};
/* Deficiencies by due date (none last), then id. f NULL = all. */
enum folio_rc folio_completeness_list(struct folio_store *s,
                                      const struct folio_deficiency_filter *f,
                                      struct folio_arena *a, struct folio_deficiency **out,
                                      size_t *n, struct folio_err *err) FOLIO_MUST_USE;

struct folio_deficiency_event {
    char at[32];
    char *user;
    char action[12]; /* create | close | due | waive | withdraw */
    char *detail;
};
/* One deficiency (overdue as of now, NULL = the real clock). ENOTFOUND "deficiency". */
enum folio_rc folio_completeness_get(struct folio_store *s, int64_t deficiency_id,
                                     const char *now, struct folio_arena *a,
                                     struct folio_deficiency *out,
                                     struct folio_err *err) FOLIO_MUST_USE;
/* The history of one deficiency, oldest first. ENOTFOUND "deficiency". */
enum folio_rc folio_completeness_history(struct folio_store *s, int64_t deficiency_id,
                                         struct folio_arena *a, struct folio_deficiency_event **out,
                                         size_t *n, struct folio_err *err) FOLIO_MUST_USE;

/* ---- delinquency (issue 8 item 4; definitions: docs/completeness.md "Delinquency") ----
 *
 * A record (encounter, not cancelled) is delinquent at a point P when it has a deficiency
 * outstanding at P (created by P, not closed, waived or withdrawn by P) and P is more than
 * bylaws_days after its discharge. Each month is measured at its last second (or at as_of when
 * the month has not ended by then). The rate is the Joint Commission's: average monthly
 * delinquent records / average monthly discharges, a finding at 50% or more. */

#define FOLIO_DELINQ_BYLAWS_DAYS 30 /* default bylaws period, days after discharge */
#define FOLIO_DELINQ_MAX_MONTHS 120 /* longest period one report covers */
#define FOLIO_DELINQ_FINDING_PCT 50 /* a rate at or above this is a finding */

enum folio_delinq_age { /* days past the deficiency's due time, at the report's point */
    FOLIO_AGE_0_7 = 0,
    FOLIO_AGE_8_14 = 1,
    FOLIO_AGE_15_30 = 2,
    FOLIO_AGE_31_60 = 3,
    FOLIO_AGE_OVER_60 = 4,
    FOLIO_AGE_N = 5,
};

struct folio_delinq_month {
    char month[8];        /* "YYYY-MM" */
    char measured_at[32]; /* the month's last second, or as_of when earlier */
    bool partial;         /* as_of falls inside the month */
    int64_t discharges;   /* encounters discharged in the month (by measured_at) */
    int64_t delinquent;   /* records delinquent at measured_at */
};
struct folio_delinq_provider {
    int64_t provider_id; /* 0: nobody could be named */
    char *name;          /* "Family, Given"; NULL for 0 */
    int64_t records;     /* delinquent records with an outstanding deficiency of theirs */
    int64_t deficiencies;
};
struct folio_delinq_type {
    char *rule; /* the deficiency's rule name */
    int64_t records, deficiencies;
};
#define FOLIO_DELINQ_DEFAULT_MONTHS 12 /* the default period: a year of months */

struct folio_delinq_report {
    int bylaws_days;
    char as_of[32];
    char measured_at[32]; /* point of the breakdowns and aging: the last month's measured_at */
    struct folio_delinq_month *months; /* from..to, in order */
    size_t n_months;
    int64_t sum_discharges, sum_delinquent;
    double avg_discharges, avg_delinquent; /* sums / n_months */
    bool rate_defined;  /* false when no discharge in the period */
    double rate_pct;    /* 100 * avg_delinquent / avg_discharges */
    bool finding;       /* rate_pct >= FOLIO_DELINQ_FINDING_PCT (compared exactly, in integers) */
    /* Delinquent records at measured_at: by responsible provider and by rule, most records
     * first. A record with deficiencies of two providers counts once for each. */
    struct folio_delinq_provider *providers;
    size_t n_providers;
    struct folio_delinq_type *types;
    size_t n_types;
    /* Every outstanding deficiency at measured_at (non-cancelled encounters), by days past due
     * (floor of the seconds past due_at / 86400); not_overdue: no due time or not past it. */
    int64_t aging[FOLIO_AGE_N];
    int64_t not_overdue;
};

/* The delinquency report for the months from..to ("YYYY-MM", from <= to, at most
 * FOLIO_DELINQ_MAX_MONTHS) at the clock as_of (as `now` above; NULL = the real clock). to NULL
 * or "": the month of as_of (UTC); from NULL or "": FOLIO_DELINQ_DEFAULT_MONTHS months ending
 * with to (the report's months say which were used).
 * bylaws_days 0..3660 (pass FOLIO_DELINQ_BYLAWS_DAYS for the default). EINVAL "from", "to"
 * (also when to begins after as_of), "bylaws_days", "as_of". Allocated in a. */
enum folio_rc folio_completeness_delinquency(struct folio_store *s, const char *from,
                                             const char *to, int bylaws_days, const char *as_of,
                                             struct folio_arena *a,
                                             struct folio_delinq_report *out,
                                             struct folio_err *err) FOLIO_MUST_USE;
/* Appends the report as CSV (RFC 4180; one header line, then rows whose first column says the
 * section: month, total, provider, type, aging) to b. ETOOBIG/ENOMEM from the buffer. */
enum folio_rc folio_completeness_delinquency_csv(const struct folio_delinq_report *r,
                                                 struct folio_buf *b) FOLIO_MUST_USE;

/* ---- the analysis worklist (issue 8 item 6; docs/completeness.md "Worklist") ---- */

struct folio_cmpl_chart {
    int64_t encounter_id, patient_id;
    char *patient_name;        /* "Family, Given" (current legal name), NULL when none */
    char *mrn;                 /* NULL when none */
    char *account_number;      /* NULL when none */
    char *enc_class, *service; /* NULL when none */
    char admit_at[32], discharge_at[32]; /* "" when none */
    int64_t days_since_discharge;        /* whole days discharge -> as_of (0 when none/after) */
    int64_t attending_id;                /* the current attending; 0 none */
    char *attending_name;                /* "Family, Given", NULL none */
    int64_t open, overdue; /* open deficiencies, of which past due at as_of */
    int64_t open_queries;  /* sent, unanswered physician queries */
    char completed_at[32]; /* "" unless the chart is complete */
    char *completed_by;    /* NULL unless complete */
};
struct folio_cmpl_worklist_filter {
    const char *status;     /* "incomplete" (NULL/default: discharged, not complete),
                               "complete", "all" (discharged); EINVAL "status" otherwise */
    int64_t responsible_id; /* 0 = all; else only charts with an open deficiency of theirs */
    const char *as_of;      /* NULL = real clock */
    size_t limit;           /* 0 = 50, at most 500 */
    size_t offset;
};
/* Discharged (not cancelled) encounters, oldest discharge first (then id). *total: all rows
 * matching (for paging). f NULL = defaults. Allocated in a. */
enum folio_rc folio_completeness_worklist(struct folio_store *s,
                                          const struct folio_cmpl_worklist_filter *f,
                                          struct folio_arena *a, struct folio_cmpl_chart **out,
                                          size_t *n, int64_t *total,
                                          struct folio_err *err) FOLIO_MUST_USE;
/* One encounter's row (any status, also not discharged). ENOTFOUND "encounter". */
enum folio_rc folio_completeness_chart(struct folio_store *s, int64_t encounter_id,
                                       const char *as_of, struct folio_arena *a,
                                       struct folio_cmpl_chart *out,
                                       struct folio_err *err) FOLIO_MUST_USE;

/* ---- completion (issue 8 item 5; docs/completeness.md "Completion") ----
 *
 * A complete chart (encounter.chart_completed_at set) takes changes to its documents only as
 * amendments (src/records enforces it): a new document is a late entry with a reason, a
 * preliminary cannot be replaced or finalized, amend/correct/addendum/entered-in-error need a
 * reason, signing is allowed. Analysis of a complete chart that finds a new open deficiency
 * reopens it (event "reopen" by the analysing user). */

/* Runs the analysis at now, then marks the chart complete. ESTATE "status" unless discharged;
 * ESTATE "deficiencies" when open deficiencies remain (the message says how many); ESTATE
 * "completed_at" when already complete. A "complete" chart_completion_event. user required. */
enum folio_rc folio_completeness_complete(struct folio_store *s, int64_t encounter_id,
                                          const char *user, const char *now,
                                          struct folio_err *err) FOLIO_MUST_USE;
/* Complete -> incomplete (reason required, EINVAL "reason"); ESTATE "completed_at" when not
 * complete. A "reopen" event with the reason. */
enum folio_rc folio_completeness_reopen(struct folio_store *s, int64_t encounter_id,
                                        const char *reason, const char *user, const char *now,
                                        struct folio_err *err) FOLIO_MUST_USE;

/* ---- triggers (for the API and the feed) ---- */

/* Analyses the encounter when it is discharged or cancelled (else does nothing, res zeroed).
 * The API calls it after filing, revising or signing a document of the encounter and after a
 * discharge, in the request's transaction, with now = NULL (real clock). ENOTFOUND
 * "encounter". res may be NULL. */
enum folio_rc folio_completeness_on_change(struct folio_store *s, int64_t encounter_id,
                                           const char *now, const char *user,
                                           struct folio_cmpl_result *res,
                                           struct folio_err *err) FOLIO_MUST_USE;

#endif

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
 * Entry points for the faces (not yet wired: a later step calls them):
 * - discharge (HL7 A03, API):            folio_completeness_analyze
 * - a document arrives or is signed (MDM, API, UI): folio_completeness_analyze
 * - discharge cancelled (HL7 A13):       folio_completeness_withdraw
 * - HIM staff:                           folio_completeness_waive, folio_completeness_list
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
};
enum folio_rule_field {
    FOLIO_FIELD_ATTENDING = 1,   /* an attending provider on the encounter */
    FOLIO_FIELD_DISPOSITION = 2, /* the discharge disposition */
};
enum folio_rule_check {
    FOLIO_CHECK_DATES_IN_STAY = 1, /* document service time outside admission..discharge */
    FOLIO_CHECK_FINAL = 2,         /* document (of the rule's type) still preliminary */
};
enum folio_rule_resp {
    FOLIO_RESP_DEFAULT = 0, /* the kind's default: attending for require/field, author else */
    FOLIO_RESP_ATTENDING = 1,
    FOLIO_RESP_AUTHOR = 2, /* the document's author (attending when none) */
    FOLIO_RESP_ADMITTING = 3,
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
/* The history of one deficiency, oldest first. ENOTFOUND "deficiency". */
enum folio_rc folio_completeness_history(struct folio_store *s, int64_t deficiency_id,
                                         struct folio_arena *a, struct folio_deficiency_event **out,
                                         size_t *n, struct folio_err *err) FOLIO_MUST_USE;

#endif

/* Physician queries (docs/queries.md): a CDI specialist or coder asks the responsible clinician
 * to clarify the documentation of an encounter, following the AHIMA/ACDIS "Guidelines for
 * Achieving a Compliant Query Practice (2022 Update)".
 *
 * A query is linked to an encounter, addressed to a provider, written by a user, and carries:
 * the clinical indicators (quoted excerpts of the record, each pointing at a document or an
 * observation of the encounter's patient, or naming its source), the question, and for
 * multiple-choice and yes/no queries the answer options. Its life:
 *
 *   draft --send--> sent --answer--> answered
 *     |               |--withdraw--> withdrawn
 *     '--withdraw-->  '--expire----> expired
 *
 * Sending runs folio_query_check(): a guard against the leading queries a program can see
 * (payment words, missing options, no clinical indicators, yes/no outside the situations the
 * guideline allows). It does not replace a person's review of the query (docs/queries.md).
 * Answering files the provider's response into the chart as a document of type
 * FOLIO_QUERY_DOC_TYPE ("Physician query response"), authored and signed by the provider, and
 * links it to the query. Every change is one row of the query's append-only history.
 *
 * Contract (as records.h): inputs are borrowed; outputs are allocated in the caller's arena;
 * mutating calls run in their own transaction (a SAVEPOINT inside the caller's); errors fill err
 * with the field at fault: EINVAL bad input, ENOTFOUND unknown id, ESTATE a transition the status
 * forbids (the message names the status), EPERM an answer by a provider other than the
 * addressee. Times accept any folio_time form with a time of day and are stored as canonical
 * UTC text at second precision; `now` NULL means the current time. Library code never prints. */
#ifndef FOLIO_QUERY_H
#define FOLIO_QUERY_H

#include "folio/base.h"
#include "folio/records.h"
#include "folio/store.h"

#define FOLIO_QUERY_TEXT_MAX       4000 /* question, excerpt, answer text */
#define FOLIO_QUERY_LABEL_MAX      300  /* option label, template title, source */
#define FOLIO_QUERY_MAX_OPTIONS    12   /* including "other" and "clinically undetermined" */
#define FOLIO_QUERY_MAX_INDICATORS 40
/* The document type of a filed response. There is no LOINC document code for a query response;
 * this is a local code (records.h accepts any code with a type_title). */
#define FOLIO_QUERY_DOC_TYPE    "FOLIO-QUERY-RESPONSE"
#define FOLIO_QUERY_DOC_TITLE   "Physician query response"
#define FOLIO_QUERY_OTHER_LABEL "Other (please specify)"
#define FOLIO_QUERY_UNDET_LABEL "Clinically undetermined"

enum folio_query_kind {
    FOLIO_QK_OPEN_ENDED = 1, /* "open_ended": no options, the provider writes the answer */
    FOLIO_QK_MULTIPLE_CHOICE =
        2,               /* "multiple_choice": >= 2 clinical options + other + undetermined */
    FOLIO_QK_YES_NO = 3, /* "yes_no": yes, no, clinically undetermined; only for the
                            purposes folio_query_yes_no_allowed() accepts */
};
/* Why the query is asked (2022 brief, "query types and formats"). */
enum folio_query_purpose {
    FOLIO_QP_CLINICAL_VALIDATION = 1, /* "clinical_validation" */
    FOLIO_QP_SPECIFICITY = 2,         /* "specificity" */
    FOLIO_QP_POA = 3,                 /* "poa": present-on-admission status */
    FOLIO_QP_CONFLICTING = 4,         /* "conflicting_documentation" */
    FOLIO_QP_CONFIRM_DOCUMENTED = 5,  /* "confirm_documented": a diagnosis documented elsewhere
                                         in the record (e.g. by another provider) */
    FOLIO_QP_CAUSE_EFFECT = 6,        /* "cause_effect": a relationship the record implies */
    FOLIO_QP_OTHER = 7,               /* "other" */
};
enum folio_query_status {
    FOLIO_QS_DRAFT = 1,     /* "draft" */
    FOLIO_QS_SENT = 2,      /* "sent": in the provider's inbox */
    FOLIO_QS_ANSWERED = 3,  /* "answered" */
    FOLIO_QS_WITHDRAWN = 4, /* "withdrawn" */
    FOLIO_QS_EXPIRED = 5,   /* "expired": no answer in the time the policy allows */
};
/* The role of an option. */
enum folio_query_opt_role {
    FOLIO_QO_CLINICAL = 1,     /* "clinical": a clinically supported answer */
    FOLIO_QO_OTHER = 2,        /* "other": free text required with it */
    FOLIO_QO_UNDETERMINED = 3, /* "undetermined": clinically undetermined */
    FOLIO_QO_YES = 4,          /* "yes" */
    FOLIO_QO_NO = 5,           /* "no" */
};

/* Stored names; NULL for an unknown value. Parsers match ASCII case-insensitively, EINVAL naming
 * field ("kind", "purpose", "status") and the value otherwise. */
const char *folio_query_kind_name(enum folio_query_kind k);
const char *folio_query_purpose_name(enum folio_query_purpose p);
const char *folio_query_status_name(enum folio_query_status s);
const char *folio_query_opt_role_name(enum folio_query_opt_role r);
enum folio_rc folio_query_kind_parse(const char *name, enum folio_query_kind *out,
                                     struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc folio_query_purpose_parse(const char *name, enum folio_query_purpose *out,
                                        struct folio_err *err) FOLIO_MUST_USE;
/* Yes/no queries are allowed for POA, conflicting documentation, confirming a diagnosis
 * documented elsewhere, and cause and effect only (2022 brief: "yes/no queries"). */
bool folio_query_yes_no_allowed(enum folio_query_purpose p);

struct folio_query_option {
    enum folio_query_opt_role role;
    const char *label;
};
/* A piece of evidence: document_id (a document of the patient) and/or observation_id (an
 * observation of the patient), or source (free text naming where, e.g. "ED triage note
 * 03/05"); excerpt required (the quoted words or values). */
struct folio_query_indicator {
    int64_t document_id;
    int64_t observation_id;
    const char *source;
    const char *excerpt;
};

/* ---- templates ---- */
struct folio_query_template {
    int64_t id;
    const char *code; /* unique, 1..64 of [a-z0-9-] */
    const char *title;
    enum folio_query_kind kind;
    enum folio_query_purpose purpose;
    const char *question;
    struct folio_query_option *options; /* in order */
    size_t n_options;
    bool active;
};
/* Creates a template. The kind's rules are enforced: open_ended takes no options (EINVAL
 * "options"); multiple_choice needs >= 2 clinical options and gets "Other (please specify)" and
 * "Clinically undetermined" appended when missing (an option whose role is other/undetermined,
 * or whose label is one of those, ASCII case-insensitively, counts), and keeps them last;
 * yes_no is refused (EINVAL "kind") unless folio_query_yes_no_allowed(purpose), and its options
 * are always yes / no / clinically undetermined (options given are ignored). A template's
 * question is checked like a query's (folio_query_check: no payment words). Templates are never
 * edited: retire one and create another. ECONFLICT "code" when the code is taken. `in->id`,
 * `in->active` are ignored. */
enum folio_rc folio_query_template_create(struct folio_store *s,
                                          const struct folio_query_template *in, const char *user,
                                          int64_t *id_out, struct folio_err *err) FOLIO_MUST_USE;
/* Active templates by code (built-ins: open-ended, clinical-validation,
 * heart-failure-specificity, poa-status, conflicting-documentation). */
enum folio_rc folio_query_template_list(struct folio_store *s, struct folio_arena *a,
                                        struct folio_query_template **out, size_t *n,
                                        struct folio_err *err) FOLIO_MUST_USE;
/* ENOTFOUND "code". */
enum folio_rc folio_query_template_get(struct folio_store *s, const char *code,
                                       struct folio_arena *a, struct folio_query_template **out,
                                       struct folio_err *err) FOLIO_MUST_USE;
/* Active = 0; it stays readable and the queries made from it keep it. ESTATE when already
 * retired. */
enum folio_rc folio_query_template_retire(struct folio_store *s, const char *code,
                                          struct folio_err *err) FOLIO_MUST_USE;

/* ---- queries ---- */
struct folio_query_new {
    int64_t encounter_id;       /* required */
    int64_t provider_id;        /* the responsible clinician; required */
    const char *template_code;  /* optional: kind, purpose, question and options default to it */
    enum folio_query_kind kind; /* 0 = the template's (required without a template) */
    enum folio_query_purpose purpose; /* 0 = the template's (required without a template) */
    const char *question;             /* NULL = the template's (required without a template) */
    const struct folio_query_option *options; /* NULL = the template's */
    size_t n_options;
    const struct folio_query_indicator *indicators; /* may be empty in a draft; send needs >= 1 */
    size_t n_indicators;
    const char *user; /* the CDI specialist or coder; required */
    const char *now;
};

struct folio_query {
    int64_t id;
    int64_t encounter_id, patient_id, provider_id;
    int64_t template_id; /* 0 = none */
    enum folio_query_kind kind;
    enum folio_query_purpose purpose;
    enum folio_query_status status;
    char *question;
    struct folio_query_option *options;
    size_t n_options;
    struct folio_query_indicator *indicators;
    size_t n_indicators;
    char *created_by, *sent_by, *closed_by;          /* NULL when not yet */
    char created_at[32], sent_at[32], closed_at[32]; /* "" when not yet */
    char *close_reason;                              /* withdraw / expire reason, NULL when none */
    int answer_option;          /* 1-based index into options; 0 = none / open-ended */
    char *answer_text;          /* NULL when none */
    int64_t answer_document_id; /* the filed response, 0 until answered */
};

/* The leading-query guard, pure (no database). Checks, in this order, and refuses with EINVAL
 * naming the field and the problem:
 *   "question"   empty or over FOLIO_QUERY_TEXT_MAX;
 *   "question" / "options[i].label"  mentions payment or quality impact: DRG, MS-DRG, APR-DRG,
 *                reimbursement, payment, pay, paid, financial, revenue, money, dollar, '$',
 *                CC/MCC, MCC, HCC, case mix index, CMI, risk adjustment, quality score(s),
 *                denial, payer, insurance (whole words, ASCII case-insensitive);
 *   "kind"       yes_no for a purpose where the guideline does not allow it;
 *   "options"    open_ended with options; multiple_choice without "other" or without
 *                "clinically undetermined", or with fewer than 2 clinical options; yes_no
 *                without exactly one yes, one no and one undetermined;
 *   "indicators" none, or one without an excerpt or without a reference (document,
 *                observation or source).
 * The message names the rule's source in the 2022 brief. Used by folio_query_send and
 * folio_query_template_create; callers (the UI) may run it on a draft as the user types. */
struct folio_query_draft {
    enum folio_query_kind kind;
    enum folio_query_purpose purpose;
    const char *question;
    const struct folio_query_option *options;
    size_t n_options;
    const struct folio_query_indicator *indicators;
    size_t n_indicators;
};
enum folio_rc folio_query_check(const struct folio_query_draft *q,
                                struct folio_err *err) FOLIO_MUST_USE;

/* Creates a draft. Without explicit options a multiple_choice query takes its template's; a
 * multiple_choice query always gets "other" and "clinically undetermined" appended when missing
 * (as templates); yes_no options are always yes / no / undetermined. Indicators must point at a
 * document or observation of the encounter's patient (EINVAL "indicators[i].document_id" /
 * ".observation_id"). The payment-word, option and indicator rules are NOT checked here (a draft
 * is work in progress); send checks them. ENOTFOUND "encounter_id", "provider_id",
 * "template_code". A "create" history row. */
enum folio_rc folio_query_create(const struct folio_chart *c, const struct folio_query_new *in,
                                 int64_t *id_out, struct folio_err *err) FOLIO_MUST_USE;
/* draft -> sent after folio_query_check (its error is returned as is). ESTATE "status"
 * otherwise. */
enum folio_rc folio_query_send(const struct folio_chart *c, int64_t id, const char *user,
                               const char *now, struct folio_err *err) FOLIO_MUST_USE;
/* draft|sent -> withdrawn; reason required (EINVAL "reason"). */
enum folio_rc folio_query_withdraw(const struct folio_chart *c, int64_t id, const char *user,
                                   const char *reason, const char *now,
                                   struct folio_err *err) FOLIO_MUST_USE;
/* Every sent query sent more than max_age_hours (>= 1) before now becomes expired (reason
 * "no answer within N hours", user "system"). *n_out (may be NULL) gets the count. */
enum folio_rc folio_query_expire_overdue(const struct folio_chart *c, int64_t max_age_hours,
                                         const char *now, int64_t *n_out,
                                         struct folio_err *err) FOLIO_MUST_USE;

/* The provider's answer. option: 1-based index into the query's options, 0 = none (open-ended
 * only). text: the provider's words; required for open-ended and for the "other" option (EINVAL
 * "text"); optional comment otherwise. provider_id must be the addressee (EPERM "provider_id").
 * ESTATE "status" unless sent. EINVAL "option" for an index out of range, or an option given to
 * an open-ended query. Files a final document (FOLIO_QUERY_DOC_TYPE, patient and encounter of
 * the query, author = signer = the provider, role "author", signed at now) whose content is the
 * query (question, indicators, options) and the answer as text/plain; *doc_id (may be NULL) gets
 * it. The chart's actor is recorded as the one who entered the answer. */
enum folio_rc folio_query_answer(const struct folio_chart *c, int64_t id, int64_t provider_id,
                                 int option, const char *text, const char *now, int64_t *doc_id,
                                 struct folio_err *err) FOLIO_MUST_USE;

enum folio_rc folio_query_get(const struct folio_chart *c, int64_t id, struct folio_arena *a,
                              struct folio_query **out, struct folio_err *err) FOLIO_MUST_USE;
/* The queries of an encounter, oldest first (indicators and options not filled). */
enum folio_rc folio_query_list_encounter(const struct folio_chart *c, int64_t encounter_id,
                                         struct folio_arena *a, struct folio_query **out, size_t *n,
                                         struct folio_err *err) FOLIO_MUST_USE;

struct folio_query_event {
    int64_t id;
    char at[32];
    char *user;
    char action[12];                    /* create | send | answer | withdraw | expire */
    enum folio_query_status old_status; /* 0 for create */
    enum folio_query_status new_status;
    char *detail; /* e.g. the answer's option label, the reason; NULL when none */
};
/* Oldest first. ENOTFOUND "id". */
enum folio_rc folio_query_history(const struct folio_chart *c, int64_t id, struct folio_arena *a,
                                  struct folio_query_event **out, size_t *n,
                                  struct folio_err *err) FOLIO_MUST_USE;

/* ---- the clinician's inbox ---- */
struct folio_query_inbox_item {
    int64_t id, encounter_id, patient_id;
    enum folio_query_kind kind;
    char *question;
    char *created_by;
    char sent_at[32];
    int64_t age_hours; /* whole hours from sent_at to as_of */
};
/* The provider's sent queries, oldest sent first (then id). as_of NULL = now. */
enum folio_rc folio_query_inbox(const struct folio_chart *c, int64_t provider_id, const char *as_of,
                                struct folio_arena *a, struct folio_query_inbox_item **out,
                                size_t *n, struct folio_err *err) FOLIO_MUST_USE;

/* ---- reports ---- */
/* Figures of one group of queries. */
struct folio_query_stats {
    int64_t discharges; /* denominator of the rate (see the report) */
    int64_t queries;    /* queries sent (any status but draft) */
    double rate;        /* queries / discharges; 0 when no discharges */
    int64_t answered;
    double median_hours;   /* response time sent -> answered; 0 when none answered */
    double p90_hours;      /* 90th percentile, linear interpolation between closest ranks */
    int64_t agreed;        /* answered with a clinical / yes / no option, or open-ended text */
    double agreement_rate; /* agreed / answered; 0 when none answered */
};
struct folio_query_stats_row {
    char *who;           /* user name (by author) or provider display name (by provider) */
    int64_t provider_id; /* by provider only */
    struct folio_query_stats s;
};
/* Open (sent) queries by age as of the report's as_of: [0,48h), [48h,7d), [7d,14d), >= 14d. */
struct folio_query_aging {
    int64_t open;
    int64_t buckets[4];
    double oldest_hours;
};
struct folio_query_report {
    struct folio_query_stats total;          /* discharges: all discharges in the period */
    struct folio_query_stats_row *by_author; /* discharges: all in the period; by user name */
    size_t n_by_author;
    struct folio_query_stats_row *by_provider; /* discharges: those where the provider was
                                                  attending; by provider id */
    size_t n_by_provider;
    struct folio_query_aging aging;
};
/* The queries of encounters discharged in [from, to) (dates "YYYY-MM-DD"; EINVAL "from"/"to"),
 * excluding drafts; aging over every open query as of as_of (NULL = now). */
enum folio_rc folio_query_report(const struct folio_chart *c, const char *from, const char *to,
                                 const char *as_of, struct folio_arena *a,
                                 struct folio_query_report *out,
                                 struct folio_err *err) FOLIO_MUST_USE;

#endif

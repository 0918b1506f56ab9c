/* Release of information (issue 9 items 1, 2, 5; docs/roi.md): requests for records and their
 * lifecycle, authorizations and their checklist (45 CFR 164.508(c)), the patient-access deadline
 * (164.524(b)(2)) and fee (164.524(c)(4)), the disclosure log and the accounting of disclosures
 * (164.528).
 *
 * Pure functions (no store): folio_roi_auth_check, folio_roi_fee, folio_roi_basis_*,
 * folio_roi_requester_*, folio_roi_status_*. The others take a store and open their own
 * (nested) transaction.
 *
 * Dates ("on" fields) are calendar dates "YYYY-MM-DD": the rule counts calendar days. `now` is a
 * time in any folio_time form with a time of day (NULL = the real clock); "today" is its UTC
 * date. `user` (who acts) is required. Errors: EINVAL naming the field, ENOTFOUND for unknown
 * ids, ESTATE when the request's state or its authorization forbids the action (err->field
 * names what: "status", "authorization", "extension"), ESTORE/EBUSY from the database. Output
 * strings are allocated in the caller's arena; inputs are borrowed.
 */
#ifndef FOLIO_ROI_H
#define FOLIO_ROI_H

#include "folio/base.h"
#include "folio/store.h"

#define FOLIO_ROI_TEXT_MAX         2000         /* each text field */
#define FOLIO_ROI_ACCESS_DAYS      30           /* 45 CFR 164.524(b)(2)(i) */
#define FOLIO_ROI_EXTENSION_DAYS   30           /* 45 CFR 164.524(b)(2)(ii), once */
#define FOLIO_ROI_ACCOUNTING_YEARS 6            /* 45 CFR 164.528(a)(1) */
#define FOLIO_ROI_COMPLIANCE_DATE  "2003-04-14" /* 45 CFR 164.534(b)(1); 164.528(a)(1)(ix) */
#define FOLIO_ROI_HHS_FLAT_CENTS   650 /* HHS guidance (2016): flat fee for electronic copies */

/* ---- requesters ---- */

enum folio_roi_requester {
    FOLIO_ROI_PATIENT = 1,                 /* right of access, 164.524 */
    FOLIO_ROI_PERSONAL_REPRESENTATIVE = 2, /* treated as the individual, 164.502(g) */
    FOLIO_ROI_PROVIDER_CONTINUITY = 3,     /* treatment, 164.506(c)(2) */
    FOLIO_ROI_PAYER = 4,                   /* payment, 164.506(c)(1),(3) */
    FOLIO_ROI_ATTORNEY_AUTHORIZATION = 5,  /* 164.508 */
    FOLIO_ROI_ATTORNEY_SUBPOENA = 6,       /* 164.512(e)(1)(ii): assurance, else authorization */
    FOLIO_ROI_COURT_ORDER = 7,             /* 164.512(e)(1)(i) */
    FOLIO_ROI_RESEARCHER = 8,              /* 164.508 (waivers of 164.512(i) not modelled) */
    FOLIO_ROI_PUBLIC_HEALTH = 9,           /* 164.512(b) */
    FOLIO_ROI_LAW_ENFORCEMENT = 10,        /* 164.512(f) */
    FOLIO_ROI_WORKERS_COMP = 11,           /* 164.512(l) */
};
#define FOLIO_ROI_N_REQUESTERS 11

/* "patient", "personal_representative", ...; NULL for an unknown value. */
const char *folio_roi_requester_name(enum folio_roi_requester t);
/* 0 when unknown. */
enum folio_roi_requester folio_roi_requester_parse(const char *name);
/* True for the right-of-access requests (patient, personal representative): the 30-day
 * deadline, the extension and the cost-based fee apply. */
bool folio_roi_requester_is_access(enum folio_roi_requester t);
/* Whether a release to this requester needs a valid authorization (docs/roi.md table);
 * subpoena_assurance: for attorney_subpoena, the satisfactory assurance of 164.512(e)(1)(ii) is
 * on file. *cite gets the citation of the basis (static). */
bool folio_roi_requester_needs_auth(enum folio_roi_requester t, bool subpoena_assurance,
                                    const char **cite);
/* The legal basis (below) a release to this requester is logged with. */
const char *folio_roi_requester_basis(enum folio_roi_requester t, bool subpoena_assurance);

/* ---- legal bases of disclosures (docs/roi.md; 164.528(a)(1) decides the accounting) ----
 * Excluded from the accounting: "tpo" (i), "individual" (ii), "incident" (iii),
 * "authorization" (iv), "directory" and "involved_in_care" (v), "national_security" (vi),
 * "correctional" (vii), "limited_data_set" (viii). Included: "required_by_law" 164.512(a),
 * "public_health" (b), "abuse_neglect" (c), "health_oversight" (d), "judicial" (e),
 * "law_enforcement" (f), "decedent" (g), "organ_donation" (h), "research" (i, without an
 * authorization), "serious_threat" (j), "military" (k)(1), "workers_comp" (l), "impermissible"
 * (a disclosure the rule did not permit). */
bool folio_roi_basis_known(const char *basis);
/* True when 164.528 lists a disclosure of this basis made on disclosed_on: a known basis not
 * excluded by (a)(1)(i)-(viii), on or after the compliance date ((a)(1)(ix)). */
bool folio_roi_basis_accountable(const char *basis, const char *disclosed_on);
/* The citation of a basis ("45 CFR 164.512(b)"), or NULL when unknown. Static. */
const char *folio_roi_basis_cite(const char *basis);

/* ---- authorizations (164.508) ---- */

struct folio_roi_auth {
    int64_t id; /* out */
    int64_t patient_id;
    const char *description, *discloser, *recipient, *purpose;
    const char *expires_on;   /* date, or NULL with expiry_event */
    const char *expiry_event; /* "end of the research study", ... */
    const char *signed_by, *signed_on;
    const char *signer_authority; /* representative's authority; NULL when the patient signs */
    bool stmt_revoke, stmt_conditioning, stmt_redisclosure;
    bool psychotherapy_notes;
    const char *sensitive;  /* ",part2,hiv," or NULL */
    const char *revoked_on; /* out (and input to the checklist) */
};

enum folio_roi_auth_element {
    FOLIO_AUTH_DESCRIPTION = 0,   /* 164.508(c)(1)(i) */
    FOLIO_AUTH_DISCLOSER,         /* (c)(1)(ii) */
    FOLIO_AUTH_RECIPIENT,         /* (c)(1)(iii) */
    FOLIO_AUTH_PURPOSE,           /* (c)(1)(iv) */
    FOLIO_AUTH_EXPIRATION,        /* (c)(1)(v) */
    FOLIO_AUTH_SIGNATURE,         /* (c)(1)(vi): signature and date */
    FOLIO_AUTH_STMT_REVOKE,       /* (c)(2)(i) */
    FOLIO_AUTH_STMT_CONDITIONING, /* (c)(2)(ii) */
    FOLIO_AUTH_STMT_REDISCLOSURE, /* (c)(2)(iii) */
    FOLIO_AUTH_N_ELEMENTS
};

enum folio_roi_auth_verdict {
    FOLIO_AUTH_VALID = 0,
    FOLIO_AUTH_INCOMPLETE = 1,     /* an element is missing: 164.508(b)(2)(ii) */
    FOLIO_AUTH_EXPIRED = 2,        /* the expiration date has passed: 164.508(b)(2)(i) */
    FOLIO_AUTH_REVOKED = 3,        /* revoked: 164.508(b)(2)(iii), (b)(5) */
    FOLIO_AUTH_NOT_SIGNED_YET = 4, /* signed after today (a future date): not yet in force */
};

struct folio_roi_auth_item {
    const char *element;  /* "description", "discloser", ... (static) */
    const char *citation; /* "45 CFR 164.508(c)(1)(i)" (static) */
    bool present;
};
struct folio_roi_auth_result {
    struct folio_roi_auth_item items[FOLIO_AUTH_N_ELEMENTS];
    int n_missing;
    enum folio_roi_auth_verdict verdict; /* revoked > expired > not signed yet > incomplete */
    const char *verdict_citation;        /* static; NULL when valid */
};

/* "valid", "incomplete", "expired", "revoked", "not_signed_yet"; NULL for an unknown value. */
const char *folio_roi_auth_verdict_name(enum folio_roi_auth_verdict v);

/* The checklist: each element present or missing with its citation, and the verdict as of
 * today ("YYYY-MM-DD"). An element is present when its text is not empty (for the expiration:
 * a valid expires_on date or an expiry_event; for the signature: signed_by and a valid
 * signed_on). An expiry_event is not evaluated (the checklist cannot know it happened).
 * EINVAL "today" when today is not a date. Pure. */
enum folio_rc folio_roi_auth_check(const struct folio_roi_auth *a, const char *today,
                                   struct folio_roi_auth_result *out,
                                   struct folio_err *err) FOLIO_MUST_USE;

/* Stores an authorization as given (an incomplete one too: the checklist reports it). The
 * patient must exist (ENOTFOUND "patient_id"); dates must be dates (EINVAL). a->id is set. */
enum folio_rc folio_roi_auth_create(struct folio_store *s, struct folio_roi_auth *a,
                                    const char *user, const char *now,
                                    struct folio_err *err) FOLIO_MUST_USE;
/* Into *out (strings in ar). ENOTFOUND "id". */
enum folio_rc folio_roi_auth_get(struct folio_store *s, int64_t id, struct folio_arena *ar,
                                 struct folio_roi_auth *out, struct folio_err *err) FOLIO_MUST_USE;
/* The patient's authorizations, newest first, at most `limit` (1..1000); *truncated tells
 * whether there were more. Strings in ar. ENOTFOUND "patient_id". */
enum folio_rc folio_roi_auth_list(struct folio_store *s, int64_t patient_id, size_t limit,
                                  struct folio_arena *ar, struct folio_roi_auth **out, size_t *n,
                                  bool *truncated, struct folio_err *err) FOLIO_MUST_USE;
/* Records a written revocation received on revoked_on (NULL = today). ESTATE "revoked_on" when
 * already revoked. */
enum folio_rc folio_roi_auth_revoke(struct folio_store *s, int64_t id, const char *revoked_on,
                                    const char *note, const char *user, const char *now,
                                    struct folio_err *err) FOLIO_MUST_USE;

/* ---- requests ---- */

enum folio_roi_status {
    FOLIO_ROI_RECEIVED = 1,
    FOLIO_ROI_VALIDATED = 2,
    FOLIO_ROI_PULLED = 3,
    FOLIO_ROI_QA = 4,
    FOLIO_ROI_RELEASED = 5,
    FOLIO_ROI_DENIED = 6,
};
const char *folio_roi_status_name(enum folio_roi_status st);
enum folio_roi_status folio_roi_status_parse(const char *name); /* 0 when unknown */
/* The transitions of docs/roi.md: received -> validated -> pulled -> qa -> released; qa ->
 * pulled (QA sends back); any open status -> denied. */
bool folio_roi_status_can(enum folio_roi_status from, enum folio_roi_status to);

struct folio_roi_request {
    int64_t id; /* out */
    int64_t patient_id;
    enum folio_roi_requester requester_type;
    const char *requester_name, *requester_address;
    const char *date_from, *date_to; /* service dates asked for; NULL = open */
    const char *doc_types;           /* ",18842-5,11506-3," or NULL = all */
    const char *purpose;
    const char *delivery;     /* mail | pickup | fax | email | portal | electronic_media */
    int64_t authorization_id; /* 0 = none (yet) */
    bool subpoena_assurance;
    const char *received_on; /* date; NULL = today */
    /* out (folio_roi_request_get) */
    enum folio_roi_status status;
    const char *deny_reason;
    const char *due_on, *original_due_on, *extension_reason, *released_on;
};

/* Intake: status received, due_on = received_on + 30 days for access requests. The patient
 * (and the authorization, which must be the same patient's) must exist; received_on may not be
 * after today (EINVAL). r->id is set. */
enum folio_rc folio_roi_request_create(struct folio_store *s, struct folio_roi_request *r,
                                       const char *user, const char *now,
                                       struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc folio_roi_request_get(struct folio_store *s, int64_t id, struct folio_arena *ar,
                                    struct folio_roi_request *out,
                                    struct folio_err *err) FOLIO_MUST_USE;
/* Links (or replaces) the request's authorization while it is received (ESTATE "status"). */
enum folio_rc folio_roi_request_set_auth(struct folio_store *s, int64_t id, int64_t auth_id,
                                         const char *user, const char *now,
                                         struct folio_err *err) FOLIO_MUST_USE;

/* Moves the request to `to`. Refused with ESTATE "status" when folio_roi_status_can says no;
 * denied needs a reason (EINVAL "reason"); to validated and to released, a requester that needs
 * an authorization must have one for this patient that the checklist finds valid today (ESTATE
 * "authorization", the message naming the verdict and its citation, or the first missing
 * element). Released records the disclosure (basis folio_roi_requester_basis) in the same
 * transaction. detail (optional) goes to the event. */
enum folio_rc folio_roi_request_move(struct folio_store *s, int64_t id, enum folio_roi_status to,
                                     const char *detail, const char *user, const char *now,
                                     struct folio_err *err) FOLIO_MUST_USE;

/* The one documented extension of 164.524(b)(2)(ii): due_on += 30 days, with the written reason
 * (required, EINVAL "reason"). ESTATE "extension" for a request other than access, a second
 * extension, or after the original due date passed; ESTATE "status" once released or denied. */
enum folio_rc folio_roi_request_extend(struct folio_store *s, int64_t id, const char *reason,
                                       const char *user, const char *now,
                                       struct folio_err *err) FOLIO_MUST_USE;

struct folio_roi_event {
    char at[32];
    char *user, *action, *from_status, *to_status, *detail;
};
/* The request's history, oldest first (arrays and strings in ar). */
enum folio_rc folio_roi_request_events(struct folio_store *s, int64_t id, struct folio_arena *ar,
                                       struct folio_roi_event **out, size_t *n,
                                       struct folio_err *err) FOLIO_MUST_USE;

/* Days from today to the due date (negative = overdue); false when the request has none. */
bool folio_roi_days_left(const char *due_on, const char *today, int64_t *days);

/* The ROI queue (aging): requests of one status, or every open one (status 0: received,
 * validated, pulled, qa), ordered by due date (those without one last), then received date and
 * id; the first `limit` (1..FOLIO_ROI_QUEUE_MAX, EINVAL "limit"), *total (may be NULL) gets how
 * many match. today (NULL = the real clock's date) decides days_left and overdue. */
#define FOLIO_ROI_QUEUE_MAX 5000
struct folio_roi_queue_item {
    int64_t id, patient_id;
    enum folio_roi_requester requester_type;
    char *requester_name;
    enum folio_roi_status status;
    char received_on[11], due_on[11]; /* due_on "" when none */
    int64_t days_open;                /* today - received */
    bool has_due;
    int64_t days_left; /* when has_due: due - today, negative when overdue */
    bool overdue;
};
enum folio_rc folio_roi_queue(struct folio_store *s, enum folio_roi_status status,
                              const char *today, size_t limit, struct folio_arena *ar,
                              struct folio_roi_queue_item **out, size_t *n, int64_t *total,
                              struct folio_err *err) FOLIO_MUST_USE;

/* ---- the fee of a patient's access request (164.524(c)(4)) ---- */

enum folio_roi_fee_method {
    FOLIO_ROI_FEE_COST = 1, /* actual or average cost: labor for copying, supplies, postage */
    FOLIO_ROI_FEE_FLAT = 2, /* a flat fee for electronic copies of electronic records */
};
struct folio_roi_fee_params {
    enum folio_roi_fee_method method;
    int64_t labor_minutes; /* copying labor only: not search and retrieval */
    int64_t labor_cents_per_hour;
    int64_t pages;                 /* paper copies */
    int64_t supply_cents_per_page; /* paper, toner */
    int64_t media_cents;           /* portable media the individual asked for (CD, USB) */
    int64_t postage_cents;         /* only when mailed */
    int64_t summary_cents;         /* preparing a summary, when agreed in advance, (c)(4)(iv) */
    int64_t flat_cents;            /* FOLIO_ROI_FEE_FLAT */
    bool electronic;               /* the copy is electronic */
    bool mailed;
};
/* "cost", "flat"; NULL for an unknown value. parse: 0 when unknown. */
const char *folio_roi_fee_method_name(enum folio_roi_fee_method m);
enum folio_roi_fee_method folio_roi_fee_method_parse(const char *name);
struct folio_roi_fee_result {
    int64_t labor_cents, supplies_cents, postage_cents, summary_cents, total_cents;
};
/* Integer cents; labor = minutes x rate / 60, rounded half up. Each parameter must be in
 * 0..100000000 (EINVAL naming it); the flat fee only for an electronic copy (EINVAL
 * "method"). Pure. */
enum folio_rc folio_roi_fee(const struct folio_roi_fee_params *p, struct folio_roi_fee_result *out,
                            struct folio_err *err) FOLIO_MUST_USE;

/* ---- disclosures and their accounting (164.528) ---- */

struct folio_roi_disclosure {
    int64_t id; /* out */
    int64_t patient_id;
    const char *disclosed_on; /* date, not after today (EINVAL); NULL = today */
    const char *recipient, *recipient_address;
    const char *description, *purpose;
    const char *basis;        /* a known basis (EINVAL "basis") */
    int64_t request_id;       /* 0 = none */
    int64_t authorization_id; /* 0 = none */
};
enum folio_rc folio_roi_disclosure_record(struct folio_store *s, struct folio_roi_disclosure *d,
                                          const char *user, const char *now,
                                          struct folio_err *err) FOLIO_MUST_USE;

struct folio_roi_accounting {
    char from[11], to[11];              /* the window, both inclusive */
    struct folio_roi_disclosure *items; /* listed, by date then id; strings in the arena */
    size_t n;
    size_t n_excluded; /* disclosures in the window the rule excludes */
};
/* The accounting for a patient requested on request_on (NULL = today): the disclosures made in
 * the six years up to and including that date (from = the same day six years earlier; Feb 29 ->
 * Feb 28) that folio_roi_basis_accountable lists. */
enum folio_rc folio_roi_accounting(struct folio_store *s, int64_t patient_id,
                                   const char *request_on, struct folio_arena *ar,
                                   struct folio_roi_accounting *out,
                                   struct folio_err *err) FOLIO_MUST_USE;

/* ---- the release packet (issue 9 item 4; src/roi/packet.c, docs/roi.md) ----
 * A PDF (libharu, base-14 fonts): a cover letter page, then each selected document from a new
 * page. Every page is stamped with the patient's name, the request number
 * (FOLIO_ROI_PACKET_NUMBER_FMT) and "Page n of N". Text is WinAnsi (Latin-1): UTF-8 letters of
 * U+00A0..U+00FF print as themselves, every other non-ASCII character, invalid UTF-8 byte or
 * control character prints as '?'. */

#define FOLIO_ROI_PACKET_NUMBER_FMT "ROI-%06lld" /* the request number printed */
#define FOLIO_ROI_PACKET_MAX_PAGES  5000
#define FOLIO_ROI_PACKET_MAX_DOCS   500

struct folio_roi_packet_in {
    int64_t request_id;
    const int64_t *document_ids;  /* the selected documents (current versions), in this order */
    size_t n_documents;           /* 1..FOLIO_ROI_PACKET_MAX_DOCS */
    const char *facility_name;    /* the letterhead (required) */
    const char *facility_address; /* optional, may hold '\n' */
    const char *letter_date;      /* "YYYY-MM-DD"; NULL = today of now */
    /* The redisclosure notice on the cover letter: part2 prints the 42 CFR 2.32(a) statement
     * (a Part 2 record is enclosed under the patient's consent); otherwise redisclosure_notice
     * prints a general statement (the information may be redisclosed by the recipient and no
     * longer protected by the Privacy Rule, cf. 164.508(c)(2)(iii)). notice (optional) replaces
     * the default text of either. */
    bool part2, redisclosure_notice;
    const char *notice;
    /* folio_roi_select flags the packet's documents are checked with when recorded
     * (FOLIO_ROI_SELECT_EMERGENCY: Part 2 records for a medical emergency, 42 CFR 2.51). */
    unsigned select_flags;
    /* With FOLIO_ROI_SELECT_EMERGENCY: the nature of the medical emergency, required (EINVAL
     * "emergency_reason"), recorded with the packet and the release (42 CFR 2.51(c)). */
    const char *emergency_reason;
};

struct folio_roi_packet {
    unsigned char *pdf; /* heap: folio_roi_packet_release frees it */
    size_t len;
    int pages;
    int rendered_docs, separate_docs; /* rendered as text / listed as enclosed separately */
    char sha256[65];                  /* lowercase hex, FOLIO_SHA256_HEX_LEN + 1 */
};

/* Renders the packet of request in->request_id (ENOTFOUND "request_id"; ESTATE "status" when
 * denied). Documents: ENOTFOUND "document_ids[i]"; EINVAL "document_ids[i]" when another
 * patient's or listed twice; text/ * and XML (CDA: its text, tags removed) are printed, other
 * types get a page saying the document is enclosed separately. ETOOBIG over
 * FOLIO_ROI_PACKET_MAX_PAGES; EINTERNAL "pdf" when libharu reports an error (the message has its
 * error code). *out is filled on success only (release it either way; a zeroed struct is fine).
 * Reads only: no transaction. */
enum folio_rc folio_roi_packet_render(struct folio_store *s, const struct folio_roi_packet_in *in,
                                      const char *now, struct folio_roi_packet *out,
                                      struct folio_err *err) FOLIO_MUST_USE;
void folio_roi_packet_release(struct folio_roi_packet *p);

/* Records a rendered packet on its request (table roi_packet: SHA-256, pages, bytes, the
 * documents, who and when) and a "packet" event in the request's history. in: what p was
 * rendered from. EINVAL "sha256" when p->sha256 is not the hash of p's bytes, "document_ids"
 * when a document is not the request's patient's; ESTATE "status" unless the request is pulled
 * or in QA. *id (may be NULL) gets the packet's id. */
enum folio_rc folio_roi_packet_record(struct folio_store *s, const struct folio_roi_packet_in *in,
                                      const struct folio_roi_packet *p, const char *user,
                                      const char *now, int64_t *id,
                                      struct folio_err *err) FOLIO_MUST_USE;

/* ---- packets recorded on a request, their PDF, and the QA check (issue 9 item 4) ----
 * folio_roi_packet_record also keeps the PDF bytes (content-addressed by their SHA-256) and
 * refuses a document folio_roi_select excludes (EINVAL "document_ids[i]" with the reason), and a
 * packet without the 42 CFR 2.32 notice when the selection needs it (EINVAL "part2"). */

struct folio_roi_packet_info {
    int64_t id, request_id;
    char sha256[65];
    int pages;
    int64_t byte_size;
    int64_t *document_ids; /* in packet order (in the arena) */
    size_t n_documents;
    bool part2_notice, redisclosure_notice;
    unsigned select_flags;  /* as recorded (FOLIO_ROI_SELECT_EMERGENCY) */
    char *emergency_reason; /* NULL unless a medical emergency */
    char created_at[32];
    char *created_by;
    /* the QA check of this packet (folio_roi_request_qa) */
    bool qa_done, qa_passed;
    bool right_patient, right_records, right_recipient;
    char qa_at[32];
    char *qa_by, *qa_note;
};
/* The request's packets, oldest first (arrays and strings in ar); the last is the one that goes
 * out. ENOTFOUND "id" for an unknown request. */
enum folio_rc folio_roi_packets(struct folio_store *s, int64_t request_id, struct folio_arena *ar,
                                struct folio_roi_packet_info **out, size_t *n,
                                struct folio_err *err) FOLIO_MUST_USE;
/* The PDF bytes of a recorded packet (in ar), checked against the recorded SHA-256 (EINTERNAL
 * "sha256" when they differ). ENOTFOUND "packet_id". *request_id (may be NULL) gets its request. */
enum folio_rc folio_roi_packet_pdf(struct folio_store *s, int64_t packet_id, struct folio_arena *ar,
                                   const unsigned char **pdf, size_t *len, int64_t *request_id,
                                   struct folio_err *err) FOLIO_MUST_USE;

/* A second person's QA of the request's latest packet before release: right patient, right
 * records, right recipient. The request must be in qa (ESTATE "status") with a packet (ESTATE
 * "packet") that has not been checked yet (ESTATE "packet": one that failed needs a new packet);
 * the checker must not be the user who recorded that packet (ESTATE "user"). All three
 * confirmed: the packet passes and the request may be released. Otherwise it fails, a note
 * saying what is wrong is required (EINVAL "note"), and the request goes back to pulled (event
 * "return"). *passed (may be NULL) gets the outcome. folio_roi_request_move refuses pulled -> qa
 * without a packet or when the latest packet failed QA (ESTATE "packet"), and qa -> released
 * unless the latest packet passed QA (ESTATE "qa") and its documents may all still go
 * (folio_roi_select at the time of release: a tag or an entered-in-error mark added since,
 * ESTATE "packet" naming the document). */
struct folio_roi_qa_in {
    bool right_patient, right_records, right_recipient;
    const char *note;
};
enum folio_rc folio_roi_request_qa(struct folio_store *s, int64_t id,
                                   const struct folio_roi_qa_in *q, const char *user,
                                   const char *now, bool *passed,
                                   struct folio_err *err) FOLIO_MUST_USE;

/* ---- the fee saved on a request ---- */
struct folio_roi_fee_saved {
    bool set; /* false: no fee recorded yet */
    struct folio_roi_fee_params params;
    struct folio_roi_fee_result result;
    char at[32];
    char *by;
};
/* Computes the fee (folio_roi_fee: its EINVALs) and records it on the open request (ESTATE
 * "status" once released or denied), replacing an earlier one (history: a "fee" event with the
 * total). *out (may be NULL) gets the result. */
enum folio_rc folio_roi_request_set_fee(struct folio_store *s, int64_t id,
                                        const struct folio_roi_fee_params *p, const char *user,
                                        const char *now, struct folio_roi_fee_result *out,
                                        struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc folio_roi_request_fee(struct folio_store *s, int64_t id, struct folio_arena *ar,
                                    struct folio_roi_fee_saved *out,
                                    struct folio_err *err) FOLIO_MUST_USE;

/* ---- the accounting of disclosures as a PDF (issue 9 item 5) ----
 * A letter to the patient: the facility, the period, then each listed disclosure with date,
 * recipient (and address), description and purpose (164.528(b)(2)), or a sentence saying there
 * were none; pages stamped with the patient's name and "Page n of N". out->sha256 is set;
 * out->rendered_docs/separate_docs are 0. facility_name required (EINVAL). */
enum folio_rc folio_roi_accounting_pdf(struct folio_store *s, int64_t patient_id,
                                       const char *request_on, const char *facility_name,
                                       const char *facility_address, const char *now,
                                       struct folio_roi_packet *out,
                                       struct folio_err *err) FOLIO_MUST_USE;

/* ---- the packet's document selection (issue 9 item 3; docs/roi.md "Sensitive records") ---- */

struct folio_roi_doc {
    int64_t document_id;
    const char *type_code, *title;
    char on[11];       /* the service date (else the filing date), UTC */
    const char *tags;  /* active sensitivity tags ",genetic,hiv_sti," or NULL */
    const char *reason; /* excluded: why (NULL when included) */
    const char *cite;   /* excluded: the rule (static) */
};
struct folio_roi_selection {
    struct folio_roi_doc *included, *excluded; /* by date then id; in the arena */
    size_t n_included, n_excluded;
    bool auth_valid;             /* a linked authorization the checklist finds valid today */
    bool part2_notice;           /* a Part 2 record is included under consent: the notice of
                                    42 CFR 2.32 must accompany the packet */
    bool part2_emergency;        /* Part 2 records included for a medical emergency (42 CFR
                                    2.51): the program must document the disclosure */
    bool minimum_necessary;      /* 164.502(b) applies: staff limit the packet to the minimum
                                    necessary (not to the individual, treatment or under an
                                    authorization, 164.502(b)(2)) */
};
/* Medical emergency for a treatment request (42 CFR 2.51): Part 2 records go without consent. */
#define FOLIO_ROI_SELECT_EMERGENCY 1u

/* The documents of the request's patient in its date range (service date, else filing date;
 * both ends inclusive) and document types, split into included and excluded, each excluded
 * one with its reason and rule. Entered-in-error documents are excluded. Sensitive records
 * (tags of records.h) follow docs/roi.md: psychotherapy notes only under a valid
 * psychotherapy-notes authorization (164.508(a)(2)), never in the patient's access
 * (164.524(a)(1)(i)); a psychotherapy-notes authorization covers nothing else
 * (164.508(b)(3)(ii)); Part 2 records to the patient (42 CFR 2.23), under a valid consent
 * naming them (2.31; notice of 2.32 flagged), or for treatment in a medical emergency (2.51,
 * flags); other tags to the patient and for treatment, else only when a valid authorization
 * names them. The authorization counts only when the checklist finds it valid on today's date
 * (now: NULL = the real clock). Reads only. ENOTFOUND "id". */
enum folio_rc folio_roi_select(struct folio_store *s, int64_t request_id, unsigned flags,
                               const char *now, struct folio_arena *ar,
                               struct folio_roi_selection *out,
                               struct folio_err *err) FOLIO_MUST_USE;

#endif

/* De-identification of free text: finds the PHI spans of a clinical note (pure: no database, no
 * I/O) and writes the note with each span replaced by a tag such as [DATE].
 *
 * Rules, not a model: context cues (titles, "patient", "seen by", labels such as "MRN:"), shapes
 * (dates, phones, SSN, e-mail, URLs, IPs, Luhn-valid card numbers) and lists of common
 * given and family names. Measured recall and precision: docs/deid.md. Safe Harbor on
 * structured fields (dates to year, ages over 89, ZIP3) is at the end. */
#ifndef FOLIO_DEID_H
#define FOLIO_DEID_H

#include "folio/base.h"

/* The 18 Safe Harbor identifiers, 45 CFR 164.514(b)(2)(i)(A)-(R), in the rule's order. The
 * numbers and the names of folio_deid_type_name() are stable (JSON, reports). */
enum folio_deid_type {
    FOLIO_DEID_NAME = 0,        /* (A) names */
    FOLIO_DEID_GEOGRAPHIC = 1,  /* (B) subdivisions smaller than a state: street, city, ZIP */
    FOLIO_DEID_DATE = 2,        /* (C) dates except year; ages over 89 */
    FOLIO_DEID_PHONE = 3,       /* (D) telephone numbers */
    FOLIO_DEID_FAX = 4,         /* (E) fax numbers */
    FOLIO_DEID_EMAIL = 5,       /* (F) e-mail addresses */
    FOLIO_DEID_SSN = 6,         /* (G) social security numbers */
    FOLIO_DEID_MRN = 7,         /* (H) medical record numbers */
    FOLIO_DEID_HEALTH_PLAN = 8, /* (I) health plan beneficiary numbers */
    FOLIO_DEID_ACCOUNT = 9,     /* (J) account numbers (and card numbers) */
    FOLIO_DEID_LICENSE = 10,    /* (K) certificate/license numbers */
    FOLIO_DEID_VEHICLE = 11,    /* (L) vehicle identifiers, serial numbers, plates */
    FOLIO_DEID_DEVICE = 12,     /* (M) device identifiers and serial numbers */
    FOLIO_DEID_URL = 13,        /* (N) web URLs (and bare domain names) */
    FOLIO_DEID_IP = 14,         /* (O) IP addresses */
    FOLIO_DEID_BIOMETRIC = 15,  /* (P) biometric identifiers */
    FOLIO_DEID_PHOTO = 16,      /* (Q) full-face photographs */
    FOLIO_DEID_OTHER = 17,      /* (R) any other unique identifying number or code */
    FOLIO_DEID_NTYPES = 18
};

/* "name", "geographic", "date", ... "other"; "unknown" out of range. Never NULL. */
const char *folio_deid_type_name(enum folio_deid_type t);
/* The replacement tag without brackets: "NAME", "GEOGRAPHIC", "DATE", ... Never NULL. */
const char *folio_deid_type_tag(enum folio_deid_type t);
/* Parses a stable name back; false when unknown. */
bool folio_deid_type_from_name(const char *name, enum folio_deid_type *out);

/* Notes larger than this are refused (FOLIO_ETOOBIG). */
#define FOLIO_DEID_TEXT_MAX ((size_t)1 << 20)

/* One span: bytes [start, end) of the input. */
struct folio_deid_span {
    size_t start;
    size_t end;
    enum folio_deid_type type;
};

/* Spans sorted by start, non-overlapping. Heap-owned: release with folio_deid_spans_release. */
struct folio_deid_spans {
    struct folio_deid_span *v;
    size_t n;
    size_t cap;
};
void folio_deid_spans_release(struct folio_deid_spans *s); /* accepts NULL; struct reusable */

/* Finds the PHI spans of text[0..len) (UTF-8) into out (which must be empty or released).
 * EINVAL for invalid UTF-8 (the message names the byte offset) or a NUL byte, ETOOBIG over
 * FOLIO_DEID_TEXT_MAX, ENOMEM. On error out is empty. */
enum folio_rc folio_deid_text_find(const char *text, size_t len, struct folio_deid_spans *out,
                                   struct folio_err *err) FOLIO_MUST_USE;

/* What was removed: spans per type. */
struct folio_deid_report {
    size_t count[FOLIO_DEID_NTYPES];
    size_t total;
};

/* Appends text with every span of spans replaced by "[TAG]" to out and, when report is not
 * NULL, fills it. spans must come from folio_deid_text_find on the same text. */
enum folio_rc folio_deid_text_apply(const char *text, size_t len,
                                    const struct folio_deid_spans *spans, struct folio_buf *out,
                                    struct folio_deid_report *report) FOLIO_MUST_USE;

/* find + apply in one call. Same errors as folio_deid_text_find, plus the buffer's ETOOBIG. */
enum folio_rc folio_deid_text_redact(const char *text, size_t len, struct folio_buf *out,
                                     struct folio_deid_report *report,
                                     struct folio_err *err) FOLIO_MUST_USE;

/* Appends [{"start":N,"end":N,"type":"name"},...] (no newline) to out. */
enum folio_rc folio_deid_spans_json(const struct folio_deid_spans *spans,
                                    struct folio_buf *out) FOLIO_MUST_USE;

/* Name lists (src/deid/names.c): ASCII case-insensitive membership of a word (ptr, len). */
bool folio_deid_is_given_name(const char *p, size_t len);
bool folio_deid_is_family_name(const char *p, size_t len);

/* ---- Structured Safe Harbor: 45 CFR 164.514(b)(2)(i) on fields (src/deid/structured.c) ----
 * HHS, "Guidance Regarding Methods for De-identification of Protected Health Information in
 * Accordance with the HIPAA Privacy Rule" (2012), section 3 (Safe Harbor), questions 3.3-3.5. */

/* Initial 3-digit ZIP areas of 20,000 people or fewer: (b)(2)(i)(B) requires them as "000".
 * The caller may pass its own table built from a newer census (same layout: "ddd" strings). */
struct folio_deid_zip3_table {
    const char *const *zip3; /* borrowed: n strings of exactly 3 digits */
    size_t n;
    const char *source; /* e.g. "Census 2000 (HHS guidance 2012)" */
};
/* The 17 areas listed by the HHS guidance from Census 2000 data. */
extern const struct folio_deid_zip3_table folio_deid_zip3_census2000;

/* (b)(2)(i)(C): all elements of dates except the year. date is YYYY, YYYY-MM, YYYY-MM-DD,
 * optionally followed by 'T' or ' ' and a time, or HL7 YYYYMMDD[hhmm...]. Writes "YYYY" into
 * year_out[5]. EINVAL (message names the value) for anything else or an impossible date. */
enum folio_rc folio_deid_sh_date(const char *date, size_t len, char year_out[5],
                                 struct folio_err *err) FOLIO_MUST_USE;

/* (b)(2)(i)(C): ages over 89 aggregated into one category. Writes the age ("0".."89") or
 * "90 or older" into out[16]. EINVAL for a negative age or one over 150. */
enum folio_rc folio_deid_sh_age(int age, char out[16], struct folio_err *err) FOLIO_MUST_USE;

/* (b)(2)(i)(B): the initial 3 digits of a ZIP (5 digits or ZIP+4, "12345-6789"), or "000"
 * when the area is in table (NULL = folio_deid_zip3_census2000). Writes out[4]. EINVAL for
 * anything else. */
enum folio_rc folio_deid_sh_zip(const char *zip, size_t len,
                                const struct folio_deid_zip3_table *table, char out[4],
                                struct folio_err *err) FOLIO_MUST_USE;

/* Age in whole years on ref_date of someone born on birth_date (both as folio_deid_sh_date
 * accepts). When either date lacks month or day the age is the largest it can be (the
 * conservative side for the 90 rule). EINVAL for bad dates or ref_date before birth_date. */
enum folio_rc folio_deid_sh_age_on(const char *birth_date, size_t blen, const char *ref_date,
                                   size_t rlen, int *age_out, struct folio_err *err) FOLIO_MUST_USE;

/* One person's identifying fields in (all borrowed, NUL-terminated, NULL or "" = absent). */
struct folio_deid_sh_person {
    const char *given, *family;          /* (A) removed */
    const char *street, *city;           /* (B) removed */
    const char *state;                   /* kept: a state is not a subdivision smaller than one */
    const char *zip;                     /* (B) -> 3 digits or "000" */
    const char *phone, *fax, *email;     /* (D)(E)(F) removed */
    const char *ssn, *mrn, *health_plan; /* (G)(H)(I) removed */
    const char *account, *license;       /* (J)(K) removed */
    const char *birth_date;              /* (C) -> year, or removed when the age is over 89 */
    const char *ref_date;                /* the date the age is taken on (an encounter, today) */
};

/* What is left: no names, street, city, phone, fax, e-mail or numbers. Strings are "" when
 * absent or suppressed. age is "" when birth_date or ref_date is absent, "90 or older" over 89
 * (and then birth_year is "": a birth year would reveal the age, (b)(2)(i)(C)). */
struct folio_deid_sh_result {
    char birth_year[5];
    char age[16];
    char state[3]; /* two-letter code kept as given, upper case; "" if not two letters */
    char zip3[4];
    size_t removed; /* how many present identifying fields were dropped */
};

/* Applies Safe Harbor to in. table as for folio_deid_sh_zip. EINVAL for a malformed date or
 * ZIP (the field named), never a partial result: on error *out is zeroed. */
enum folio_rc folio_deid_sh_person_apply(const struct folio_deid_sh_person *in,
                                         const struct folio_deid_zip3_table *table,
                                         struct folio_deid_sh_result *out,
                                         struct folio_err *err) FOLIO_MUST_USE;

/* ---- Research extracts of a cohort (src/deid/cohort.c; docs/deid.md "Cohort extracts") ----
 * One row per encounter of the cohort, de-identified under Safe Harbor (45 CFR 164.514(b)(2))
 * or as a limited data set (164.514(e)) under a data use agreement in force. Every extract is
 * logged (deid_extract: who, when, method, DUA, criteria, row count, SHA-256 of the output);
 * a limited data set also records one disclosure per patient with basis "limited_data_set"
 * (folio/roi.h; excluded from the accounting by 164.528(a)(1)(viii), but logged). */

struct folio_chart;
struct folio_drg_set;
struct folio_store;

#define FOLIO_DEID_COHORT_MAX_PATIENTS 1000 /* ids in an explicit patient list */
#define FOLIO_DEID_COHORT_MAX_ROWS 100000   /* encounters in one extract (ETOOBIG beyond) */
#define FOLIO_DEID_COHORT_MAX_ROWS_NOTES 10000 /* ... when the notes are included */
#define FOLIO_DEID_DUA_TEXT_MAX 2000        /* bytes of a DUA's text fields */

enum folio_deid_method {
    FOLIO_DEID_SAFE_HARBOR = 1,  /* "safe_harbor": 164.514(b)(2), de-identified */
    FOLIO_DEID_LIMITED = 2,      /* "limited_data_set": 164.514(e), needs a DUA in force */
};
enum folio_deid_format {
    FOLIO_DEID_CSV = 1,  /* "csv": RFC 4180, a header line then one line per encounter */
    FOLIO_DEID_JSON = 2, /* "json": {"header": {...}, "rows": [{...}, ...]} */
};
/* Names as above; NULL for an unknown value. */
const char *folio_deid_method_name(enum folio_deid_method m);
const char *folio_deid_format_name(enum folio_deid_format f);
/* EINVAL naming "method" / "format" and the value. */
enum folio_rc folio_deid_method_parse(const char *s, enum folio_deid_method *out,
                                      struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc folio_deid_format_parse(const char *s, enum folio_deid_format *out,
                                      struct folio_err *err) FOLIO_MUST_USE;

/* Which encounters (not cancelled): every given criterion must hold. from/to: YYYY-MM-DD,
 * inclusive, on the discharge date (UTC), else the admission date of a stay not discharged.
 * enc_class: inpatient|outpatient|emergency|observation|newborn. dx_prefix: an ICD-10-CM
 * code prefix (letter first, dot optional, 1-8 characters) of any diagnosis on the encounter's
 * final coding abstract. patient_ids: only these patients (1..FOLIO_DEID_COHORT_MAX_PATIENTS
 * ids). At least one criterion is required (EINVAL "criteria"). All borrowed. */
struct folio_deid_criteria {
    const char *from, *to;
    const char *enc_class;
    const char *dx_prefix;
    const int64_t *patient_ids;
    size_t n_patients;
};

/* A data use agreement, 164.514(e)(4). Strings borrowed on input, in the arena on output. */
struct folio_deid_dua {
    int64_t id;            /* out */
    const char *recipient; /* required */
    const char *purpose;   /* the permitted uses and disclosures, required, (e)(4)(ii)(A) */
    const char *users;     /* who may use or receive the data set, required, (e)(4)(ii)(B) */
    const char *signed_on; /* YYYY-MM-DD, required */
    const char *expires_on; /* YYYY-MM-DD not before signed_on; NULL = no end date */
    /* The assurances of (e)(4)(ii)(C), as the agreement states them: */
    bool no_other_use;      /* (C)(1) not use or further disclose other than as permitted */
    bool safeguards;        /* (C)(2) appropriate safeguards */
    bool report_violations; /* (C)(3) report any use or disclosure not provided for */
    bool agents_bound;      /* (C)(4) agents to whom it is provided agree to the same */
    bool no_reidentify;     /* (C)(5) not identify the information or contact the individuals */
    /* out: */
    const char *created_at, *created_by;
    const char *terminated_on, *terminated_by, *termination_reason; /* NULL while not */
};
/* Records a DUA (missing assurances are recorded as such: the agreement is kept, an extract
 * under it is refused). EINVAL naming "recipient", "purpose", "users", "signed_on",
 * "expires_on" or "user". now: NULL = the clock. Sets d->id. */
enum folio_rc folio_deid_dua_add(struct folio_store *s, struct folio_deid_dua *d, const char *user,
                                 const char *now, struct folio_err *err) FOLIO_MUST_USE;
/* ENOTFOUND "dua_id". */
enum folio_rc folio_deid_dua_get(struct folio_store *s, int64_t id, struct folio_arena *a,
                                 struct folio_deid_dua *out, struct folio_err *err) FOLIO_MUST_USE;
/* Every DUA, newest first. */
enum folio_rc folio_deid_dua_list(struct folio_store *s, struct folio_arena *a,
                                  struct folio_deid_dua **out, size_t *n,
                                  struct folio_err *err) FOLIO_MUST_USE;
/* Ends a DUA on `on` (YYYY-MM-DD, NULL = today): reason required (EINVAL "reason"); ESTATE
 * "dua_id" when already terminated; ENOTFOUND "dua_id". */
enum folio_rc folio_deid_dua_terminate(struct folio_store *s, int64_t id, const char *on,
                                       const char *reason, const char *user, const char *now,
                                       struct folio_err *err) FOLIO_MUST_USE;
/* Whether a limited data set may be made under d on today (YYYY-MM-DD): ESTATE field "dua_id"
 * with a message naming each thing missing ("DUA 3 cannot be used: it expired on 2024-12-31;
 * assurance missing: safeguards (164.514(e)(4)(ii)(C)(2))"). Pure. */
enum folio_rc folio_deid_dua_check(const struct folio_deid_dua *d, const char *today,
                                   struct folio_err *err) FOLIO_MUST_USE;

/* What to extract. user: who (required, EINVAL "user"); now: NULL = the clock. dua_id: required
 * for a limited data set (EINVAL "dua_id"; ENOTFOUND / ESTATE from the check above), refused
 * for Safe Harbor (EINVAL "dua_id"). notes: add the de-identified text of the encounter's text
 * documents (sensitivity-tagged documents are withheld and counted). drg: grouper versions for
 * the MS-DRG of final inpatient abstracts (NULL: the column stays empty). */
struct folio_deid_extract_req {
    struct folio_deid_criteria crit;
    enum folio_deid_method method;
    enum folio_deid_format format;
    int64_t dua_id;
    bool notes;
    const struct folio_drg_set *drg;
    const char *user;
    const char *now;
    /* Restricted charts (folio/btg.h): when set, asked once per patient of the cohort whether
     * the requesting user may open the chart (*allowed); a refused patient's encounters are left
     * out and counted in res->patients_left_out (the API sets it; the CLI, not subject to
     * break-the-glass, does not). An error from it fails the extract. */
    enum folio_rc (*may_open)(void *arg, int64_t patient_id, bool *allowed, struct folio_err *err);
    void *may_open_arg;
};
struct folio_deid_extract_result {
    int64_t log_id;
    size_t rows, patients;
    size_t notes, notes_withheld; /* documents included / withheld (sensitivity-tagged, not
                                     readable, or not de-identifiable) */
    size_t disclosures;           /* limited data set: one per patient */
    size_t patients_left_out;     /* restricted charts may_open refused (none in the output) */
    struct folio_deid_report removed; /* identifiers removed from the notes, per type */
    char sha256[65];
};
/* Selects the cohort, writes the extract into out (format as asked; the caller sets out's cap:
 * ETOOBIG beyond it, checked while the notes are read, and beyond FOLIO_DEID_COHORT_MAX_ROWS
 * rows, FOLIO_DEID_COHORT_MAX_ROWS_NOTES with notes), logs it and, for a limited
 * data set, records the disclosures, all in one transaction (nothing is logged when it fails).
 * c->key is needed by nothing here (no SSN is read). Errors: EINVAL naming "from", "to",
 * "class", "dx", "patients", "criteria", "method", "format", "dua_id"; ENOTFOUND "patients"
 * naming an unknown patient id; the DUA's refusals. An empty cohort is not an error. */
enum folio_rc folio_deid_cohort_extract(const struct folio_chart *c,
                                        const struct folio_deid_extract_req *r,
                                        struct folio_buf *out,
                                        struct folio_deid_extract_result *res,
                                        struct folio_err *err) FOLIO_MUST_USE;

/* The extract log, newest first (limit 1..1000; other values -> 100). */
struct folio_deid_extract_log {
    int64_t id;
    const char *created_at, *created_by, *method, *format, *criteria, *sha256;
    int64_t dua_id; /* 0 for Safe Harbor */
    bool notes;
    int64_t rows, patients;
};
enum folio_rc folio_deid_extract_list(struct folio_store *s, int64_t limit, struct folio_arena *a,
                                      struct folio_deid_extract_log **out, size_t *n,
                                      struct folio_err *err) FOLIO_MUST_USE;

#endif

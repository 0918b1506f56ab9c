/* The patient chart: facilities, patients (names, identifiers, addresses, phones), providers,
 * encounters (locations, provider roles), documents (versions, content, signatures),
 * observations, and source-reported conditions and procedures.
 *
 * General contract (applies to every function below unless it says otherwise):
 * - Every call takes a struct folio_chart: the store to use, the data key (needed only when an SSN
 *   is written, searched or revealed; NULL otherwise -> FOLIO_ECRYPTO when one is needed) and the
 *   actor (user name recorded as who changed what; NULL -> "system"). All borrowed.
 * - Input structs and their strings are borrowed for the duration of the call. A NULL or ""
 *   string input means "absent" unless the field says otherwise.
 * - Output structs are filled with strings and arrays allocated from a caller-provided
 *   struct folio_arena; they stay valid until the caller releases that arena. Absent values are
 *   NULL strings and 0 ids. On error the output is unspecified and the arena may hold garbage
 *   that is freed with it.
 * - Every mutating call runs in its own store transaction (a SAVEPOINT when the caller already has
 *   one open), so it either happens completely or not at all; callers may wrap many calls in one
 *   outer folio_store_begin/commit (importers do, for speed).
 * - Errors: FOLIO_EINVAL for bad input, with err->field naming the field ("birth_date",
 *   "identifiers[1].value", ...) and err->msg naming the bad value; FOLIO_ENOTFOUND when an id does
 *   not exist; FOLIO_ECONFLICT for uniqueness violations or a stale expected version;
 *   FOLIO_ESTATE when the record's state forbids the action; FOLIO_ESTORE/FOLIO_EBUSY from the
 *   database; FOLIO_ENOMEM when the arena or heap is exhausted.
 * - Times and dates are accepted in any form folio_time_parse_any() accepts (ISO 8601 / FHIR or
 *   HL7 v2 DTM) and are stored and returned in canonical UTC text (folio/time.h). "Date" fields
 *   (birth_date, valid_from/valid_to) accept only day precision or coarser ("1961", "1961-04",
 *   "1961-04-12"); "time" fields (*_at, onset, performed_*) accept any precision.
 * - Nothing is ever physically deleted: corrections are new rows or versions that point at what
 *   they supersede, with who (actor), when and why.
 * - Ids are positive int64 values assigned by the database.
 */
#ifndef FOLIO_RECORDS_H
#define FOLIO_RECORDS_H

#include "folio/base.h"
#include "folio/crypto.h"
#include "folio/store.h"

struct folio_chart {
    struct folio_store *store;
    const struct folio_key *key; /* for SSN sealing / blind index; may be NULL */
    const char *actor;           /* who is making changes; NULL -> "system" */
};

/* A code with its title, for the code tables shipped in code. */
struct folio_code_title {
    const char *code;
    const char *title;
};

/* ======================================================================================
 * Facilities: the assigning authority of MRNs and account numbers, and where encounters happen.
 * ====================================================================================== */
struct folio_facility {
    int64_t id;
    const char *code; /* unique, e.g. "MAIN" or a Synthea organization id */
    const char *name;
};
/* Get-or-create by code. name may be NULL (the code is used as name) and is only used when the
 * facility is created (an existing facility's name is not changed). code: 1..64 characters. */
enum folio_rc folio_facility_ensure(const struct folio_chart *c, const char *code, const char *name,
                                    int64_t *id_out, struct folio_err *err) FOLIO_MUST_USE;
/* ENOTFOUND when no facility has that code. */
enum folio_rc folio_facility_get(const struct folio_chart *c, const char *code,
                                 struct folio_arena *a, struct folio_facility *out,
                                 struct folio_err *err) FOLIO_MUST_USE;

/* ======================================================================================
 * Patients
 * ====================================================================================== */

/* Person name. use: "official" (default when NULL), "usual", "maiden", "alias", "nickname",
 * "old" ("previous" is accepted and stored as "old"). At least family or given is required.
 * On output, current is true when valid_to is NULL. */
struct folio_name {
    int64_t id; /* output only */
    const char *use;
    const char *family;
    const char *given;
    const char *middle;
    const char *prefix;
    const char *suffix;
    const char *valid_from; /* date */
    const char *valid_to;   /* date; NULL = still valid */
    bool current;           /* output only */
};

/* Patient identifier. kind: HL7 table 0203 code (MR, SS, DL, MB, PI, PPN, AN; any other 2-5
 * letter upper-case code is accepted too); assigner: facility code or system name ("synthea",
 * a state for DL, "SSA" is used for SS when NULL). value: as issued; trimmed.
 * SS: value must hold exactly 9 digits (dashes and spaces allowed); it is never stored in plain
 * text: it is sealed with the chart key and a blind index over the 9 digits allows exact
 * search. On output, value is masked "***-**-1234" for SS; use folio_patient_ssn_reveal() for
 * the plaintext. Uniqueness: (kind, assigner, value) among active identifiers -> ECONFLICT. */
struct folio_identifier {
    int64_t id; /* output only */
    const char *kind;
    const char *assigner;
    const char *value;
    bool active; /* output only */
};

/* Address. use: "home" (default), "work", "mailing", "temp", "old". country: ISO code or text.
 * On output current is true when valid_to is NULL. */
struct folio_address {
    int64_t id; /* output only */
    const char *use;
    const char *line1;
    const char *line2;
    const char *city;
    const char *state;
    const char *postal_code;
    const char *county;
    const char *country;
    const char *valid_from; /* date */
    const char *valid_to;   /* date */
    bool current;           /* output only */
};

/* Phone. use: "home" (default), "mobile", "work". number: any punctuation, stored as digits only
 * (a leading '+' is kept); 3..20 digits. */
struct folio_phone {
    int64_t id; /* output only */
    const char *use;
    const char *number;
    bool current; /* output only */
};

struct folio_patient_new {
    struct folio_name name;  /* the current name (use defaults to "official") */
    const char *birth_date;  /* date; may be partial; required */
    const char *sex;         /* HL7 0001: F M O U A N, or female/male/other/unknown; NULL -> "U" */
    const char *deceased_at; /* time */
    const char *language;    /* e.g. "en", free text up to 64 chars */
    const char *marital_status; /* HL7 0002: A B C D E G I M N O P R S T U W */
    const char *email;       /* must contain one '@' with text on both sides */
    const char *race;        /* free text */
    const char *ethnicity;   /* free text */
    const struct folio_identifier *ids;
    size_t n_ids;
    const struct folio_address *addresses;
    size_t n_addresses;
    const struct folio_phone *phones;
    size_t n_phones;
    const struct folio_name *other_names; /* e.g. maiden names, aliases; may be NULL */
    size_t n_other_names;
};

/* The chart header. */
struct folio_patient {
    int64_t id;
    const char *birth_date;
    const char *sex;
    const char *deceased_at;
    const char *language;
    const char *marital_status;
    const char *email;
    const char *race;
    const char *ethnicity;
    const char *status;     /* "active" or "merged" */
    int64_t merged_into;    /* 0 unless merged */
    int64_t version;        /* row version, bumped by every update (optimistic concurrency) */
    const char *created_at;
    const char *updated_at;
    struct folio_name name; /* current official name (or the newest current name) */
    struct folio_name *names; /* every other name, current ones first, then previous, newest first */
    size_t n_names;
    struct folio_identifier *ids; /* active first, SSN masked */
    size_t n_ids;
    struct folio_address *addresses; /* current first, then history newest first */
    size_t n_addresses;
    struct folio_phone *phones; /* current first */
    size_t n_phones;
    const char *mrn;         /* value of the first active MR identifier, or NULL */
    int64_t n_encounters;
};

/* Creates a patient with its names, identifiers, addresses and phones. */
enum folio_rc folio_patient_create(const struct folio_chart *c, const struct folio_patient_new *in,
                                   int64_t *id_out, struct folio_err *err) FOLIO_MUST_USE;
/* The full chart header (see struct folio_patient). ENOTFOUND for an unknown id. */
enum folio_rc folio_patient_get(const struct folio_chart *c, int64_t id, struct folio_arena *a,
                                struct folio_patient *out, struct folio_err *err) FOLIO_MUST_USE;

/* Demographic update. Each string field: NULL = unchanged, "" = clear (birth_date cannot be
 * cleared), otherwise the new value (validated like create).
 * name: when not NULL, becomes the current name of its use; the previous current name of that
 *   use is kept as history (valid_to = today).
 * address / phone: when not NULL, becomes the current one of its use; the previous current one
 *   of that use is kept as history (valid_to = today / current = 0).
 * expected_version: 0 = no check; otherwise ECONFLICT when the patient's version differs.
 * The patient's version is bumped and updated_at set; *new_version (may be NULL) gets it.
 * ESTATE when the patient is merged. */
struct folio_patient_update {
    int64_t expected_version;
    const char *birth_date;
    const char *sex;
    const char *deceased_at;
    const char *language;
    const char *marital_status;
    const char *email;
    const char *race;
    const char *ethnicity;
    const struct folio_name *name;
    const struct folio_address *address;
    const struct folio_phone *phone;
};
enum folio_rc folio_patient_update(const struct folio_chart *c, int64_t id,
                                   const struct folio_patient_update *u, int64_t *new_version,
                                   struct folio_err *err) FOLIO_MUST_USE;

/* Adds a name that is not the current official one (maiden, alias, ...). Bumps the version. */
enum folio_rc folio_patient_add_name(const struct folio_chart *c, int64_t patient_id,
                                     const struct folio_name *name, int64_t *id_out,
                                     struct folio_err *err) FOLIO_MUST_USE;
/* Adds an identifier (rules as in struct folio_identifier). ECONFLICT when another active
 * identifier has the same (kind, assigner, value). Bumps the version. */
enum folio_rc folio_patient_add_identifier(const struct folio_chart *c, int64_t patient_id,
                                           const struct folio_identifier *ident, int64_t *id_out,
                                           struct folio_err *err) FOLIO_MUST_USE;
/* Marks an identifier inactive (kept for history, with who/when/why); reason required.
 * ESTATE when already inactive. */
enum folio_rc folio_patient_retire_identifier(const struct folio_chart *c, int64_t identifier_id,
                                              const char *reason,
                                              struct folio_err *err) FOLIO_MUST_USE;
/* Patient id holding the active identifier (kind, assigner, value). assigner NULL matches any
 * assigner (first match by id). SS values are matched through the blind index (needs the key).
 * ENOTFOUND when none. */
enum folio_rc folio_patient_find_by_identifier(const struct folio_chart *c, const char *kind,
                                               const char *assigner, const char *value,
                                               int64_t *patient_id,
                                               struct folio_err *err) FOLIO_MUST_USE;
/* The plaintext SSN ("123-45-6789" form) of the patient's active SS identifier, allocated in a.
 * An explicit, separate call so that callers can audit it. ENOTFOUND when the patient has no
 * SSN; ECRYPTO without a key or with the wrong key. */
enum folio_rc folio_patient_ssn_reveal(const struct folio_chart *c, int64_t patient_id,
                                       struct folio_arena *a, const char **ssn_out,
                                       struct folio_err *err) FOLIO_MUST_USE;

/* Search. All criteria are optional and combine with AND; none = list all patients.
 * name: any name part, case-insensitive prefix match on family or given of any of the patient's
 *   names (current or previous); "Smith, John" means family prefix "Smith" AND given prefix
 *   "John"; "John Smith" (several words) means every word must prefix-match family or given.
 *   Case folding is ASCII plus the Latin-1/Latin Extended-A letters of UTF-8 (é, Ö, ł ...).
 * birth_date: exact canonical date, or a prefix at coarser precision ("1961" matches all of 1961).
 * identifier: value of any active identifier (exact; for an SSN input of 9 digits also the blind
 *   index when a key is given).
 * sex: HL7 0001 code.
 * limit: clamped to 1..1000 (0 or less -> 50); offset >= 0. Ordered by family, given, id. total = all matches. */
struct folio_patient_query {
    const char *name;
    const char *birth_date;
    const char *identifier;
    const char *sex;
    int64_t limit;
    int64_t offset;
};
struct folio_patient_summary {
    int64_t id;
    const char *family;
    const char *given;
    const char *middle;
    const char *birth_date;
    const char *sex;
    const char *mrn;    /* first active MR value, or NULL */
    const char *status; /* active / merged */
    const char *deceased_at;
};
struct folio_patient_page {
    struct folio_patient_summary *items;
    size_t n;
    int64_t total;
};
enum folio_rc folio_patient_search(const struct folio_chart *c, const struct folio_patient_query *q,
                                   struct folio_arena *a, struct folio_patient_page *out,
                                   struct folio_err *err) FOLIO_MUST_USE;

/* SQL fragments for other modules' list queries that show a patient (worklists), so every list
 * picks the same name and MRN as folio_patient_get and the search. PID is an SQL expression
 * naming the patient id (a column such as "e.patient_id"), never input.
 * FOLIO_SQL_PATIENT_NAME_ID: the id of the current name: current (no valid_to) first, official
 * first, newest first. FOLIO_SQL_PATIENT_MRN: the first active MR identifier's value. */
#define FOLIO_SQL_PATIENT_NAME_ID(PID)                                                             \
    "(SELECT n2.id FROM patient_name n2 WHERE n2.patient_id = " PID " ORDER BY CASE WHEN "         \
    "n2.valid_to IS NULL THEN 0 ELSE 1 END, CASE WHEN n2.name_use = 'official' THEN 0 ELSE 1 "     \
    "END, n2.id DESC LIMIT 1)"
#define FOLIO_SQL_PATIENT_MRN(PID)                                                                 \
    "(SELECT i.value FROM patient_identifier i WHERE i.patient_id = " PID " AND i.kind = 'MR' "    \
    "AND i.active = 1 ORDER BY i.id LIMIT 1)"

/* Normalisers, exposed for importers and faces. Return the canonical code (static string) or
 * NULL when the input is not recognised (case-insensitive). */
const char *folio_sex_normalize(const char *in);     /* "female" -> "F" */
const char *folio_marital_normalize(const char *in); /* "m" -> "M" */
/* Title of an HL7 table 0001 / 0002 / 0203 code, NULL when unknown. */
const char *folio_sex_title(const char *code);
const char *folio_marital_title(const char *code);
const char *folio_identifier_kind_title(const char *code);

/* ======================================================================================
 * Providers
 * ====================================================================================== */
struct folio_provider {
    int64_t id; /* output only */
    const char *npi;         /* 10 digits, Luhn check over "80840" + first 9 digits; optional */
    const char *family;      /* family or given required */
    const char *given;
    const char *credentials; /* "MD", "RN" ... */
    const char *specialty;
    const char *ext_system;  /* external (system, id) unique, for idempotent imports */
    const char *ext_id;
};
/* ECONFLICT when the NPI or (ext_system, ext_id) is already used. */
enum folio_rc folio_provider_create(const struct folio_chart *c, const struct folio_provider *in,
                                    int64_t *id_out, struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc folio_provider_get(const struct folio_chart *c, int64_t id, struct folio_arena *a,
                                 struct folio_provider *out, struct folio_err *err) FOLIO_MUST_USE;
/* ENOTFOUND when no provider has that NPI; EINVAL when npi is not a valid NPI. */
enum folio_rc folio_provider_find_npi(const struct folio_chart *c, const char *npi,
                                      int64_t *id_out, struct folio_err *err) FOLIO_MUST_USE;
/* True when s is 10 digits whose last is the Luhn check digit of "80840" + first nine (CMS). */
bool folio_npi_valid(const char *s);
/* A provider as pickers list it. */
struct folio_provider_hit {
    int64_t id;
    const char *npi, *family, *given, *credentials; /* NULL when none */
    bool resident; /* house staff (provider.resident) */
};
/* Providers whose family or given name starts with q (ASCII case-insensitive), or whose NPI
 * starts with q when q is all digits; q NULL or "" lists every provider. By family, given, id;
 * at most limit (0 or over 50 -> 50). EINVAL "q" over 100 bytes. Allocated in a. */
enum folio_rc folio_provider_search(const struct folio_chart *c, const char *q, size_t limit,
                                    struct folio_arena *a, struct folio_provider_hit **out,
                                    size_t *n, struct folio_err *err) FOLIO_MUST_USE;

/* ======================================================================================
 * Encounters
 * ====================================================================================== */
struct folio_encounter_new {
    int64_t patient_id;          /* required */
    const char *facility_code;   /* required; the facility must exist (folio_facility_ensure) */
    const char *account_number;  /* unique per facility when given */
    const char *enc_class;       /* inpatient|outpatient|emergency|observation|newborn; NULL ->
                                    derived from source_class (folio_encounter_class_from_source)
                                    or EINVAL when neither maps */
    const char *source_class;    /* class as the sender gave it, kept verbatim */
    const char *status;          /* planned|in-progress|discharged|cancelled; NULL -> "discharged"
                                    when discharge_at is given, else "in-progress" */
    const char *admit_at;        /* time; required unless status is planned or cancelled */
    const char *discharge_at;    /* time; must not precede admit_at */
    const char *admit_type;      /* UB-04 priority of admission: 1 2 3 4 5 9 */
    const char *admit_source;    /* UB-04 point of origin: 1 2 4 5 6 8 9 D E F G */
    const char *disposition;     /* UB-04 patient discharge status, e.g. "01" ("1" -> "01") */
    const char *service;         /* hospital service, free text ("MED", "SUR") */
    const char *location;        /* first location, e.g. "4W^412^B" (point of care^room^bed) */
    const char *reason;          /* reason for visit, free text */
    const char *ext_system;      /* external (system, id), unique */
    const char *ext_id;
};

struct folio_encounter_location {
    int64_t id;
    const char *location;
    const char *from_at;
    const char *to_at; /* NULL while current */
    const char *changed_by;
};
struct folio_encounter_provider {
    int64_t id;
    int64_t provider_id;
    const char *role; /* attending|admitting|consulting|referring */
    const char *from_at;
    const char *to_at;
    const char *family; /* of the provider, for display */
    const char *given;
    const char *npi;
};
struct folio_encounter {
    int64_t id;
    int64_t patient_id;
    const char *facility_code;
    const char *account_number;
    const char *enc_class;
    const char *source_class;
    const char *status;
    const char *admit_at;
    const char *discharge_at;
    const char *admit_type;
    const char *admit_source;
    const char *disposition;
    const char *disposition_title; /* from the code table, NULL when none */
    const char *service;
    const char *location; /* current location, NULL when none */
    const char *reason;
    const char *ext_system;
    const char *ext_id;
    int64_t version;
    const char *created_at;
    const char *updated_at;
    /* filled by folio_encounter_get only (NULL/0 in list pages): */
    struct folio_encounter_location *locations; /* oldest first */
    size_t n_locations;
    struct folio_encounter_provider *providers; /* oldest first */
    size_t n_providers;
};
struct folio_encounter_page {
    struct folio_encounter *items;
    size_t n;
    int64_t total;
};

/* ENOTFOUND (field "patient_id" / "facility_code") when the patient or facility does not exist;
 * ESTATE when the patient is merged; ECONFLICT for a duplicate account number or external id. */
enum folio_rc folio_encounter_create(const struct folio_chart *c,
                                     const struct folio_encounter_new *in, int64_t *id_out,
                                     struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc folio_encounter_get(const struct folio_chart *c, int64_t id, struct folio_arena *a,
                                  struct folio_encounter *out, struct folio_err *err) FOLIO_MUST_USE;
/* A patient's encounters, newest admit first (then id descending). limit clamped to 1..1000 (0 or less -> 50). */
enum folio_rc folio_encounter_list(const struct folio_chart *c, int64_t patient_id, int64_t limit,
                                   int64_t offset, struct folio_arena *a,
                                   struct folio_encounter_page *out,
                                   struct folio_err *err) FOLIO_MUST_USE;
/* Sets discharge_at (required, not before admit_at) and disposition (UB-04, may be NULL), status
 * "discharged", closes the current location and open provider roles at discharge_at.
 * ESTATE when already discharged or cancelled. */
enum folio_rc folio_encounter_discharge(const struct folio_chart *c, int64_t id,
                                        const char *discharge_at, const char *disposition,
                                        struct folio_err *err) FOLIO_MUST_USE;
/* Cancels a planned or in-progress encounter (reason required, kept with who/when).
 * ESTATE when discharged or already cancelled. */
enum folio_rc folio_encounter_cancel(const struct folio_chart *c, int64_t id, const char *reason,
                                     struct folio_err *err) FOLIO_MUST_USE;
/* Moves the patient: the current location row is closed at `at` and a new one opened.
 * at: time, NULL = now; must not precede the current location's from_at nor admit_at.
 * ESTATE when the encounter is discharged or cancelled. */
enum folio_rc folio_encounter_transfer(const struct folio_chart *c, int64_t id,
                                       const char *location, const char *at,
                                       struct folio_err *err) FOLIO_MUST_USE;
/* Adds a provider in a role from `from_at` (NULL = admit_at, or now when no admit_at).
 * For attending and admitting, an open row of the same role is closed at from_at first.
 * ENOTFOUND for an unknown provider. */
enum folio_rc folio_encounter_add_provider(const struct folio_chart *c, int64_t id,
                                           int64_t provider_id, const char *role,
                                           const char *from_at, int64_t *id_out,
                                           struct folio_err *err) FOLIO_MUST_USE;
/* Maps a sender's class (Synthea/FHIR/HL7 PV1-2 codes, case-insensitive) to a Folio class:
 * ambulatory/wellness/outpatient/urgentcare/virtual/home/AMB/VR/HH/O -> outpatient;
 * inpatient/hospice/snf/IMP/ACUTE/NONAC/I -> inpatient; emergency/EMER/E -> emergency;
 * observation/OBSENC -> observation; newborn -> newborn. NULL when unknown, which includes the
 * HL7 table 0004 codes N (not applicable) and B (obstetrics): neither means newborn. */
const char *folio_encounter_class_from_source(const char *source_class);

/* UB-04 code tables (NUBC), exposed for faces. Title or NULL when the code is unknown. */
const char *folio_ub04_disposition_title(const char *code);
const char *folio_ub04_admit_type_title(const char *code);
const char *folio_ub04_admit_source_title(const char *code);
/* The whole disposition table (for menus); *n gets the count. */
const struct folio_code_title *folio_ub04_dispositions(size_t *n);

/* ======================================================================================
 * Documents: versions kept forever, content stored once per SHA-256.
 * ====================================================================================== */

/* Version statuses: "preliminary", "final", "amended", "corrected", "entered-in-error".
 * Change kinds: "original", "late-entry", "replacement", "status-change", "amendment",
 * "correction", "addendum".
 *
 * A complete chart (encounter.chart_completed_at set by HIM, completeness.h) takes changes only
 * as amendments: a new document of its encounter is a late entry (reason required); replacing or
 * finalizing a preliminary version is refused (ESTATE field "kind"); amend, correct, addendum and
 * entered-in-error need a reason (EINVAL "reason"); signing is allowed. */

struct folio_document_new {
    int64_t patient_id;   /* required */
    int64_t encounter_id; /* 0 = none; must belong to the patient */
    int64_t author_id;    /* provider, 0 = none */
    const char *type_code;  /* LOINC document code, required */
    const char *type_title; /* required when type_code is not in folio_loinc_doc_types() */
    const char *title;      /* NULL -> the type title */
    const char *service_at; /* time of the service documented; optional */
    const char *status;     /* "preliminary" or "final"; NULL -> "final" */
    const void *content;    /* bytes (text or binary); len 0 allowed only for scanned placeholders */
    size_t content_len;     /* capped at 64 MiB -> ETOOBIG */
    const char *mime_type;  /* NULL -> "text/plain" */
    const char *ext_system; /* external (system, id), unique */
    const char *ext_id;
    /* Why the document comes after its encounter's chart was completed: required then (EINVAL
     * "reason"; version 1 is recorded with change kind "late-entry" and this reason), ignored
     * otherwise. */
    const char *reason;
};

/* The change made to a document, which makes a new version. */
enum folio_doc_change {
    /* current preliminary -> new preliminary with new content (kind "replacement") */
    FOLIO_DOC_REPLACE = 1,
    /* current preliminary -> final; content NULL keeps the content (kind "status-change") */
    FOLIO_DOC_FINALIZE = 2,
    /* current final/amended/corrected -> "amended"; content required; reason required */
    FOLIO_DOC_AMEND = 3,
    /* current final/amended/corrected -> "corrected"; content required; reason required */
    FOLIO_DOC_CORRECT = 4,
    /* current final/amended/corrected -> "amended" (kind "addendum"); content is the full new
     * content (the caller appends the addendum text); reason optional */
    FOLIO_DOC_ADDENDUM = 5,
    /* any current status but entered-in-error -> "entered-in-error" with the same content;
     * reason required */
    FOLIO_DOC_ENTERED_IN_ERROR = 6,
};
struct folio_document_change {
    enum folio_doc_change kind;
    int64_t expected_version_no; /* 0 = no check; else ECONFLICT when the current differs */
    const void *content;         /* NULL = same content as the current version */
    size_t content_len;
    const char *mime_type;       /* NULL = unchanged */
    const char *title;           /* NULL = unchanged */
    const char *reason;          /* why; required where the kind says */
};

struct folio_signature {
    int64_t id;
    int64_t version_id;
    int64_t provider_id; /* 0 when signed by a user name only */
    const char *signer;  /* provider display name or user name */
    const char *role;    /* author|cosigner|authenticator */
    const char *signed_at;
};
struct folio_document_version {
    int64_t id;
    int64_t document_id;
    int64_t version_no;  /* 1, 2, ... */
    const char *status;
    const char *change_kind;
    const char *reason;
    const char *changed_by;
    const char *changed_at;
    const char *title;
    const char *mime_type;
    const char *content_sha256; /* lowercase hex */
    int64_t content_len;
    int64_t supersedes_id;     /* version id it replaces, 0 for the first */
    struct folio_signature *signatures;
    size_t n_signatures;
};
struct folio_document {
    int64_t id;
    int64_t patient_id;
    int64_t encounter_id;
    int64_t author_id;
    const char *type_code;
    const char *type_title;
    const char *service_at;
    const char *filed_at;
    const char *ext_system;
    const char *ext_id;
    int64_t n_versions;
    struct folio_document_version current; /* the newest version */
};
struct folio_document_page {
    struct folio_document *items; /* current versions without signatures */
    size_t n;
    int64_t total;
};

/* Creates the document and its version 1 (kind "original", or "late-entry" when the encounter's
 * chart is complete). *doc_id and *version_id may be NULL. ENOTFOUND for an unknown patient,
 * encounter or author; EINVAL when the encounter belongs to another patient, or field "reason"
 * for a late entry without one. */
enum folio_rc folio_document_create(const struct folio_chart *c, const struct folio_document_new *in,
                                    int64_t *doc_id, int64_t *version_id,
                                    struct folio_err *err) FOLIO_MUST_USE;
/* Makes a new version per enum folio_doc_change; ESTATE when the current status forbids it
 * (field "status") or the chart is complete (field "kind", see above); EINVAL (field "reason")
 * when a required reason is missing. */
enum folio_rc folio_document_revise(const struct folio_chart *c, int64_t doc_id,
                                    const struct folio_document_change *ch, int64_t *version_id,
                                    struct folio_err *err) FOLIO_MUST_USE;
/* Records a signature on a version. provider_id 0 = signed by the user name signer (NULL ->
 * actor). role: author|cosigner|authenticator. signed_at NULL = now. ESTATE for an
 * entered-in-error version or a version that is not the current one. */
enum folio_rc folio_document_sign(const struct folio_chart *c, int64_t version_id,
                                  int64_t provider_id, const char *signer, const char *role,
                                  const char *signed_at, int64_t *id_out,
                                  struct folio_err *err) FOLIO_MUST_USE;
/* Document header with its current version (and its signatures). */
enum folio_rc folio_document_get(const struct folio_chart *c, int64_t doc_id, struct folio_arena *a,
                                 struct folio_document *out, struct folio_err *err) FOLIO_MUST_USE;
/* Every version, oldest first, each with its signatures. */
enum folio_rc folio_document_history(const struct folio_chart *c, int64_t doc_id,
                                     struct folio_arena *a, struct folio_document_version **out,
                                     size_t *n_out, struct folio_err *err) FOLIO_MUST_USE;
/* The bytes of one version (any version stays readable), copied into a with a NUL after them
 * (so text can be used as a C string). */
enum folio_rc folio_document_content(const struct folio_chart *c, int64_t version_id,
                                     struct folio_arena *a, const void **p, size_t *len,
                                     struct folio_err *err) FOLIO_MUST_USE;
/* A patient's documents (encounter_id 0 = all), newest service/filed first. */
enum folio_rc folio_document_list(const struct folio_chart *c, int64_t patient_id,
                                  int64_t encounter_id, int64_t limit, int64_t offset,
                                  struct folio_arena *a, struct folio_document_page *out,
                                  struct folio_err *err) FOLIO_MUST_USE;
/* The LOINC document types shipped in code. */
const struct folio_code_title *folio_loinc_doc_types(size_t *n);
const char *folio_loinc_doc_title(const char *code); /* NULL when not in the table */

/* ---- sensitivity tags (issue 9 item 3; migration 0017; docs/roi.md "Sensitive records") ----
 * Categories a release of information leaves out unless the authorization names them:
 * "psychotherapy_notes" (45 CFR 164.501, 164.508(a)(2)), "sud_part2" (42 CFR Part 2),
 * "hiv_sti", "genetic", "reproductive_health", "behavioral_health". Tags are set by staff (no
 * default by document type: psychotherapy notes are defined by being kept apart from the
 * record, 164.501, not by a LOINC type). Removing keeps the row (removed_* set). */
#define FOLIO_SENSITIVITY_N 6
/* The tag names, in the order above (static). */
const char *const *folio_sensitivity_tags(size_t *n);
/* The canonical tag for name (ASCII case-insensitive; the authorization aliases "part2" and
 * "hiv" give "sud_part2" and "hiv_sti"), or NULL when unknown. Static. */
const char *folio_sensitivity_tag(const char *name);

struct folio_document_tag {
    int64_t id;
    const char *tag;
    const char *set_at, *set_by, *set_reason;
    const char *removed_at, *removed_by, *removed_reason; /* NULL while active */
};
/* Sets tag on a document (reason optional, recorded). EINVAL "tag" for an unknown tag;
 * ENOTFOUND "document_id"; ECONFLICT "tag" when the tag is already set. */
enum folio_rc folio_document_tag_add(const struct folio_chart *c, int64_t doc_id, const char *tag,
                                     const char *reason, struct folio_err *err) FOLIO_MUST_USE;
/* Removes an active tag (the row is kept with who, when and why). reason required (EINVAL
 * "reason"); ESTATE "tag" when the tag is not set. */
enum folio_rc folio_document_tag_remove(const struct folio_chart *c, int64_t doc_id,
                                        const char *tag, const char *reason,
                                        struct folio_err *err) FOLIO_MUST_USE;
/* The document's tags by tag name then id: only active ones, or the whole history
 * (with_removed). ENOTFOUND "document_id". */
enum folio_rc folio_document_tags(const struct folio_chart *c, int64_t doc_id, bool with_removed,
                                  struct folio_arena *a, struct folio_document_tag **out,
                                  size_t *n, struct folio_err *err) FOLIO_MUST_USE;

/* ======================================================================================
 * Observations (results)
 * ====================================================================================== */
struct folio_observation {
    int64_t id;           /* output only */
    int64_t patient_id;   /* required */
    int64_t encounter_id; /* 0 = none; must belong to the patient */
    const char *code_system; /* NULL -> "LN" (LOINC) */
    const char *code;        /* required */
    const char *title;       /* display name */
    const char *value_type;  /* HL7 0125: NM ST TX FT CE CWE SN DT TS; NULL -> NM when value
                                parses as a number, else ST */
    const char *value_text;  /* as received, exact digits */
    bool has_numeric;        /* output: value_num is set (NM) */
    double value_num;        /* output */
    const char *units;
    const char *ref_range;
    const char *abnormal_flag; /* HL7 0078: L H LL HH N A AA < > U D B W S R I NEG POS ...;
                                  several (OBX-8 repeats) joined with '~', e.g. "H~A" */
    const char *status;        /* HL7 0085: C D F I N O P R S U W X; NULL -> "F" */
    const char *observed_at;   /* time */
    const char *ext_system;
    const char *ext_id;
    /* output only: */
    int64_t supersedes_id;
    int64_t superseded_by;     /* 0 while current */
    const char *reason;        /* why it was corrected (on the correcting row) */
    const char *recorded_by;
    const char *recorded_at;
};
struct folio_observation_page {
    struct folio_observation *items;
    size_t n;
    int64_t total;
};
/* Canonical HL7 table 0078 abnormal flag / table 0085 result status for code (ASCII
 * case-insensitive); NULL when code is not in the table. */
const char *folio_obs_abnormal_flag(const char *code);
const char *folio_obs_result_status(const char *code);
/* value_type NM requires value_text to be a number (EINVAL naming it). */
enum folio_rc folio_observation_create(const struct folio_chart *c,
                                       const struct folio_observation *in, int64_t *id_out,
                                       struct folio_err *err) FOLIO_MUST_USE;
/* Correction: a new row (status from corrected, NULL -> "C") that supersedes old_id, taking the
 * patient, encounter, code and code_system of the old row (the ones in `corrected` are ignored);
 * reason required. ESTATE when old_id is already superseded. ext ids are not copied. */
enum folio_rc folio_observation_correct(const struct folio_chart *c, int64_t old_id,
                                        const struct folio_observation *corrected,
                                        const char *reason, int64_t *id_out,
                                        struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc folio_observation_get(const struct folio_chart *c, int64_t id, struct folio_arena *a,
                                    struct folio_observation *out,
                                    struct folio_err *err) FOLIO_MUST_USE;
/* A patient's observations (encounter_id 0 = all), newest observed first; current_only hides
 * superseded rows. */
enum folio_rc folio_observation_list(const struct folio_chart *c, int64_t patient_id,
                                     int64_t encounter_id, bool current_only, int64_t limit,
                                     int64_t offset, struct folio_arena *a,
                                     struct folio_observation_page *out,
                                     struct folio_err *err) FOLIO_MUST_USE;

/* ======================================================================================
 * Source-reported conditions and procedures (as the sender gave them; not final coding)
 * ====================================================================================== */
struct folio_condition {
    int64_t id;           /* output only */
    int64_t patient_id;   /* required */
    int64_t encounter_id; /* 0 = none */
    const char *code_system; /* e.g. "http://snomed.info/sct" or "SNOMED-CT"; required */
    const char *code;        /* required */
    const char *display;
    const char *onset;       /* time */
    const char *abatement;   /* time; must not precede onset */
    const char *ext_system;
    const char *ext_id;
    const char *recorded_by; /* output */
    const char *recorded_at; /* output */
    /* The clinician's statement (HL7 DG1-6, DG1-15; docs/hl7-mapping.md). dx_type: HL7 table
     * 0052 code, "A" admitting, "W" working, "F" final, or a site's own; NULL = not given; at
     * most 20 bytes without spaces (EINVAL "dx_type"). dx_priority, when has_dx_priority: HL7
     * table 0359, 0 not ranked, 1 principal, 2-99 secondary (else EINVAL "dx_priority"). */
    const char *dx_type;
    int64_t dx_priority;
    bool has_dx_priority;
};
struct folio_procedure_event {
    int64_t id;
    int64_t patient_id;
    int64_t encounter_id;
    const char *code_system;
    const char *code;
    const char *display;
    const char *performed_start; /* time */
    const char *performed_end;   /* time; must not precede start */
    const char *ext_system;
    const char *ext_id;
    const char *recorded_by;
    const char *recorded_at;
};
enum folio_rc folio_condition_create(const struct folio_chart *c, const struct folio_condition *in,
                                     int64_t *id_out, struct folio_err *err) FOLIO_MUST_USE;
/* Conditions of a patient (encounter_id 0 = all), by onset then id; at most `limit` (0 -> 1000). */
enum folio_rc folio_condition_list(const struct folio_chart *c, int64_t patient_id,
                                   int64_t encounter_id, int64_t limit, struct folio_arena *a,
                                   struct folio_condition **out, size_t *n_out,
                                   struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc folio_procedure_create(const struct folio_chart *c,
                                     const struct folio_procedure_event *in, int64_t *id_out,
                                     struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc folio_procedure_list(const struct folio_chart *c, int64_t patient_id,
                                   int64_t encounter_id, int64_t limit, struct folio_arena *a,
                                   struct folio_procedure_event **out, size_t *n_out,
                                   struct folio_err *err) FOLIO_MUST_USE;

/* ======================================================================================
 * Idempotent imports: external (system, id) look-up
 * ====================================================================================== */
enum folio_ext_kind {
    FOLIO_EXT_PATIENT = 1,  /* active identifier kind "PI" with assigner = system */
    FOLIO_EXT_PROVIDER,
    FOLIO_EXT_ENCOUNTER,
    FOLIO_EXT_DOCUMENT,
    FOLIO_EXT_OBSERVATION,
    FOLIO_EXT_CONDITION,
    FOLIO_EXT_PROCEDURE,
    FOLIO_EXT_FACILITY,     /* facility whose code = ext_id (system ignored) */
};
/* *id_out gets the entity's id; ENOTFOUND when nothing has that external id. */
enum folio_rc folio_records_find_ext(const struct folio_chart *c, enum folio_ext_kind kind,
                                     const char *system, const char *ext_id, int64_t *id_out,
                                     struct folio_err *err) FOLIO_MUST_USE;

/* ======================================================================================
 * Visit changes after creation (HL7 A06/A07/A08/A12/A13), contacts (NK1), coverage (IN1).
 * Each change is also written to encounter_event with the previous values.
 * ====================================================================================== */
/* NULL = unchanged. enc_class as in folio_encounter_new (or derived from source_class when only
 * that is given); status only "in-progress" (a planned visit is admitted; admit_at required then
 * unless already set). ESTATE for a cancelled encounter. *changed (may be NULL) tells whether
 * anything differed; nothing is written when nothing differs. event names the change for the
 * history ("update", "change-class"; NULL -> "update"). */
struct folio_encounter_update {
    const char *enc_class;
    const char *source_class;
    const char *status;
    const char *admit_at;
    const char *admit_type;
    const char *admit_source;
    const char *service;
    const char *reason;
};
enum folio_rc folio_encounter_update(const struct folio_chart *c, int64_t id,
                                     const struct folio_encounter_update *u, const char *event,
                                     bool *changed, struct folio_err *err) FOLIO_MUST_USE;
/* Undoes a discharge: status back to in-progress, discharge time and disposition cleared (kept
 * in the history), the location and provider rows closed at the discharge reopened. reason
 * required. ESTATE unless discharged. */
enum folio_rc folio_encounter_cancel_discharge(const struct folio_chart *c, int64_t id,
                                               const char *reason,
                                               struct folio_err *err) FOLIO_MUST_USE;
/* Undoes the latest transfer: the current location row is marked cancelled (kept) and the one
 * before it is current again. reason required. ESTATE when the encounter is not in progress or
 * has fewer than two locations. */
enum folio_rc folio_encounter_cancel_transfer(const struct folio_chart *c, int64_t id,
                                              const char *reason,
                                              struct folio_err *err) FOLIO_MUST_USE;

/* Next of kin / contact. family or given required. ext (system, id) unique: adding the same
 * ext again returns the existing id with *created false. */
struct folio_contact {
    int64_t id; /* output only */
    const char *relationship; /* HL7 table 0063 */
    const char *contact_role; /* HL7 table 0131 */
    const char *family;
    const char *given;
    const char *phone;
    const char *address; /* one line of text */
    const char *ext_system;
    const char *ext_id;
};
enum folio_rc folio_patient_add_contact(const struct folio_chart *c, int64_t patient_id,
                                        const struct folio_contact *in, int64_t *id_out,
                                        bool *created, struct folio_err *err) FOLIO_MUST_USE;
/* Insurance coverage; payer_name or payer_id required; ext as for contacts. */
struct folio_coverage {
    int64_t id; /* output only */
    const char *payer_id;
    const char *payer_name;
    const char *plan_id;
    const char *plan_type;
    const char *group_number;
    const char *member_id;
    const char *subscriber;
    const char *relationship; /* of the insured to the patient, HL7 table 0063 */
    const char *effective;    /* date */
    const char *expires;      /* date */
    const char *ext_system;
    const char *ext_id;
};
enum folio_rc folio_coverage_add(const struct folio_chart *c, int64_t patient_id,
                                 const struct folio_coverage *in, int64_t *id_out, bool *created,
                                 struct folio_err *err) FOLIO_MUST_USE;
/* Counts for faces and tests. */
enum folio_rc folio_patient_count_contacts(const struct folio_chart *c, int64_t patient_id,
                                           int64_t *contacts, int64_t *coverages,
                                           struct folio_err *err) FOLIO_MUST_USE;

#endif

/* Code sets: ICD-10-CM, ICD-10-PCS, HCPCS Level II and CPT loaded from the official release files
 * (docs/codesets.md: where each is downloaded, which file of the release to give), with versions
 * and effective dates, and the lookups the encoder, the PCS builder and the edits use.
 *
 * Model (migration 0009_codes.sql):
 * - code_set_version: one row per load of a release file: load kind ("icd10cm-order"), code system
 *   ("icd10cm"), fiscal year, effective period [effective_from, effective_to] (dates
 *   "YYYY-MM-DD", inclusive; effective_to "" = open), source file name and SHA-256. A mid-year
 *   (April) or quarterly file is an *update*: its version points at the version it updates
 *   (update_of), shares its end date, and only adds (new codes from its start date, changed titles
 *   from its start date); it never ends codes it does not list, and a load never touches another
 *   load kind's or code system's rows. Loading the same file (SHA-256) or the same content again
 *   writes nothing and reports "already loaded".
 * - code: one row per (system, code, effective_from): titles, kind (chapter/section/category/
 *   subcategory/code/modifier), billable flag, parent. A code "in force on D" is the row with
 *   effective_from <= D and (effective_to = '' or effective_to >= D). An encounter is edited
 *   against the rows in force on its discharge date. Several files of one release (order file,
 *   tabular XML, valid-code list) add to the same rows: each fills what it carries.
 * - code_note: the tabular instructional notes of one code row (includes, inclusion terms,
 *   excludes1/2, code first, use additional code, code also, 7th-character definitions). Notes
 *   stated at a category, section or chapter apply to everything below: walk the parent chain
 *   (folio_codes_notes with inherited = true does).
 * - code_index_term: ICD-10-CM alphabetic index terms ("Diabetes, type 2, with ketoacidosis").
 * - pcs_value: the ICD-10-PCS tables as given: per table (3 characters) and row, each position's
 *   allowed characters with labels (and definitions), for the PCS builder.
 * - mce_code / mce_age_range / mce_discharge_status: the MCE edit tables.
 * - poa_exempt (migration 0011): the ICD-10-CM codes exempt from POA reporting (CMS's yearly
 *   list, ICD-10-CM Official Guidelines Appendix I), one list per load: the list in force on a
 *   date is the newest "poa-exempt" version covering it (an April list replaces October's).
 *
 * Codes are stored and looked up without the dot ("E119"); folio_codes_dotted() formats them.
 * A code may have no title (a valid-code list carries none): code->title is then NULL and
 * folio_code_display_title() gives a placeholder to show.
 *
 * All functions borrow the store and run inside the caller's transaction if one is open.
 * Returned structs and strings live in the caller's arena. */
#ifndef FOLIO_CODES_H
#define FOLIO_CODES_H

#include "folio/base.h"
#include "folio/store.h"

/* Code systems. Numbers are stored in no table (the text name is); names are stable. */
enum folio_code_system {
    FOLIO_CS_ICD10CM = 1,
    FOLIO_CS_ICD10PCS = 2,
    FOLIO_CS_HCPCS = 3,
    FOLIO_CS_CPT = 4,
};
/* "icd10cm", "icd10pcs", "hcpcs", "cpt"; NULL for an unknown value. */
const char *folio_code_system_name(enum folio_code_system cs);
/* EINVAL (err names "system" and the value) for an unknown name. */
enum folio_rc folio_code_system_parse(const char *name, enum folio_code_system *out,
                                      struct folio_err *err) FOLIO_MUST_USE;

/* What a row is in its classification. Stored as the text name. */
enum folio_code_kind {
    FOLIO_CODE_CHAPTER = 1,     /* ICD-10-CM chapter; code is the chapter number "4" */
    FOLIO_CODE_SECTION = 2,     /* ICD-10-CM block; code is the range "E08-E13" */
    FOLIO_CODE_CATEGORY = 3,    /* 3-character category (header unless it has no children) */
    FOLIO_CODE_SUBCATEGORY = 4, /* 4-6 characters, not billable (has children) */
    FOLIO_CODE_CODE = 5,        /* a code (billable when billable is true) */
    FOLIO_CODE_MODIFIER = 6,    /* HCPCS/CPT modifier ("LT") */
};
const char *folio_code_kind_name(enum folio_code_kind k); /* "chapter", ...; NULL if unknown */

struct folio_code {
    int64_t id;                    /* code.id */
    enum folio_code_system system;
    char code[16];                 /* without dot: "E119", "0016070", "J1100", "E08-E13" */
    char *title;                   /* long title, or NULL when the loaded files give none */
    char *short_title;             /* order-file / HCPCS short title, or NULL */
    enum folio_code_kind kind;
    bool billable;                 /* valid for reporting (order file flag 1, leaf, PCS code) */
    char parent[16];               /* "" at the top (chapters, PCS codes, HCPCS codes) */
    char effective_from[11];       /* YYYY-MM-DD */
    char effective_to[11];         /* YYYY-MM-DD inclusive, "" = open */
    int64_t version_id;            /* the load that first wrote this row */
    /* "" when title is this row's own; else the effective_from of the earlier row of the same
     * code it was taken from (a valid-code list carries no titles: the FY2026 ICD-10-CM codes
     * show their last published title, and the UI says from which year). */
    char title_from[11];
};

/* Instructional note types (stored as these names). */
enum folio_note_type {
    FOLIO_NOTE_INCLUDES = 1,        /* "includes" */
    FOLIO_NOTE_INCLUSION_TERM = 2,  /* "inclusionTerm" */
    FOLIO_NOTE_EXCLUDES1 = 3,       /* "excludes1" */
    FOLIO_NOTE_EXCLUDES2 = 4,       /* "excludes2" */
    FOLIO_NOTE_CODE_FIRST = 5,      /* "codeFirst" */
    FOLIO_NOTE_USE_ADDITIONAL = 6,  /* "useAdditionalCode" */
    FOLIO_NOTE_CODE_ALSO = 7,       /* "codeAlso" */
    FOLIO_NOTE_SEVEN_CHR_NOTE = 8,  /* "sevenChrNote" */
    FOLIO_NOTE_SEVEN_CHR_DEF = 9,   /* "sevenChrDef": extension holds the character ("A") */
    FOLIO_NOTE_NOTES = 10,          /* "notes": other tabular notes */
    FOLIO_NOTE_DEFINITION = 11,     /* "definition": PCS definitions */
};
const char *folio_note_type_name(enum folio_note_type t); /* NULL if unknown */

struct folio_code_note {
    enum folio_note_type type;
    char from_code[16]; /* the code (or section "E08-E13", chapter "4") the note is stated at */
    char extension[4];  /* sevenChrDef character, else "" */
    char *text;         /* the note as written, e.g. "gestational diabetes (O24.4-)" */
    /* Codes referenced in the text, without dots, "-" stripped: {"O244"}; for excludes, code
     * first etc. Ranges "E08-E13" give both ends. n_refs may be 0. */
    char (*refs)[16];
    size_t n_refs;
};

/* A loaded version (one load of one file). */
struct folio_codeset_version {
    int64_t id;
    char kind[32];           /* load kind, "icd10cm-order" (enum folio_codes_load_kind name) */
    enum folio_code_system system;
    int fiscal_year;         /* FY (Oct 1 .. Sep 30) for ICD; calendar year for HCPCS/CPT */
    char label[32];          /* "FY2021", "FY2021 April update", "HCPCS 2020-10" */
    char effective_from[11];
    char effective_to[11];   /* "" = open */
    int64_t update_of;       /* 0 unless this is a mid-year / quarterly update */
    char source_name[256];   /* file name as given (last path part) */
    char sha256[65];         /* hex */
    char loaded_at[32];
    char loaded_by[64];
    int64_t n_records;       /* records read from the file */
    int64_t n_codes;         /* code rows this load inserted or changed */
    int64_t n_billable;      /* billable codes among the file's codes */
    int64_t n_notes;         /* notes / index terms / PCS values / MCE rows written */
};

/* ---- lookups ---- */

/* The row of code (dot optional, any case) in force on date ("YYYY-MM-DD"; NULL or "" = the
 * latest row). ENOTFOUND (err names "code" and the value) when none. */
enum folio_rc folio_codes_get(struct folio_store *s, enum folio_code_system cs, const char *code,
                              const char *date, struct folio_arena *a, struct folio_code **out,
                              struct folio_err *err) FOLIO_MUST_USE;
/* The children of parent in force on date, in code order; parent "" or NULL gives the top
 * (ICD-10-CM chapters). *n may be 0. */
enum folio_rc folio_codes_children(struct folio_store *s, enum folio_code_system cs,
                                   const char *parent, const char *date, struct folio_arena *a,
                                   struct folio_code **out, size_t *n,
                                   struct folio_err *err) FOLIO_MUST_USE;
/* Notes of c (its own first), and with inherited the notes of each ancestor (category,
 * section, chapter) after, nearest first. *n may be 0. */
enum folio_rc folio_codes_notes(struct folio_store *s, const struct folio_code *c, bool inherited,
                                struct folio_arena *a, struct folio_code_note **out, size_t *n,
                                struct folio_err *err) FOLIO_MUST_USE;
/* Every row of cs in force on date (NULL/"" = latest per code), in code order, visited one by
 * one (for building a search index). The struct and its strings are borrowed for the call.
 * A non-zero return from fn stops the walk and is returned. */
typedef int (*folio_codes_visit_fn)(void *ctx, const struct folio_code *c);
enum folio_rc folio_codes_each(struct folio_store *s, enum folio_code_system cs, const char *date,
                               folio_codes_visit_fn fn, void *ctx,
                               struct folio_err *err) FOLIO_MUST_USE;
/* Search terms other than titles, for the code rows in force on date: inclusion terms (kind
 * "inclusion") and alphabetic index terms (kind "index"; term is the full path joined with
 * ", "). Borrowed for the call. */
typedef int (*folio_codes_term_fn)(void *ctx, const char *code, const char *term,
                                   const char *kind);
enum folio_rc folio_codes_each_term(struct folio_store *s, enum folio_code_system cs,
                                    const char *date, folio_codes_term_fn fn, void *ctx,
                                    struct folio_err *err) FOLIO_MUST_USE;

/* The versions of cs whose period covers date, newest effective_from first (an April update
 * before its October version). ENOTFOUND when no version covers the date. */
enum folio_rc folio_codes_versions_in_force(struct folio_store *s, enum folio_code_system cs,
                                            const char *date, struct folio_arena *a,
                                            struct folio_codeset_version **out, size_t *n,
                                            struct folio_err *err) FOLIO_MUST_USE;
/* All loaded versions, by system, effective_from, id. */
enum folio_rc folio_codes_versions(struct folio_store *s, struct folio_arena *a,
                                   struct folio_codeset_version **out, size_t *n,
                                   struct folio_err *err) FOLIO_MUST_USE;

/* ICD-10-PCS builder: the characters allowed at position strlen(prefix)+1 (1..7) after prefix
 * (0..6 characters), from the tables in force on date, with labels and definitions. */
struct folio_pcs_choice {
    char value;        /* '0'-'9', 'A'-'Z' except I and O */
    char *label;       /* "Percutaneous Endoscopic" */
    char *definition;  /* or NULL */
    char *axis_title;  /* "Approach" */
};
enum folio_rc folio_codes_pcs_next(struct folio_store *s, const char *prefix, const char *date,
                                   struct folio_arena *a, struct folio_pcs_choice **out,
                                   size_t *n, struct folio_err *err) FOLIO_MUST_USE;

/* MCE attributes of a code in force on date, space-separated ("MANIF UNSPECIFIED"), "" when it
 * has none; ENOTFOUND when the MCE tables do not list the code on that date. */
enum folio_rc folio_codes_mce_attrs(struct folio_store *s, enum folio_code_system cs,
                                    const char *code, const char *date, struct folio_arena *a,
                                    char **out, struct folio_err *err) FOLIO_MUST_USE;

/* "E119" -> "E11.9" for ICD-10-CM (a dot after the 3rd character when longer than 3); other
 * systems unchanged. Returns false if cap is too small. */
bool folio_codes_dotted(enum folio_code_system cs, const char *code, char *out, size_t cap);
/* Normalises user input: strips dots and blanks, upper-cases. EINVAL when empty, too long or
 * not alphanumeric. */
enum folio_rc folio_codes_normalize(const char *in, char out[16],
                                    struct folio_err *err) FOLIO_MUST_USE;
/* c->title, else c->short_title, else "(no title in the loaded code set)". Never NULL. */
const char *folio_code_display_title(const struct folio_code *c);

/* ---- loading ---- */

enum folio_codes_load_kind {
    FOLIO_LOAD_ICD10CM_ORDER = 1,      /* "icd10cm-order": icd10cm_order_YYYY.txt */
    FOLIO_LOAD_ICD10CM_TABULAR = 2,    /* "icd10cm-tabular": icd10cm_tabular_YYYY.xml */
    FOLIO_LOAD_ICD10CM_INDEX = 3,      /* "icd10cm-index": icd10cm_index_YYYY.xml */
    FOLIO_LOAD_ICD10CM_VALID = 4,      /* "icd10cm-valid": one code per line, no titles */
    FOLIO_LOAD_ICD10PCS_TABLES = 5,    /* "icd10pcs-tables": icd10pcs_tables_YYYY.xml */
    FOLIO_LOAD_ICD10PCS_ORDER = 6,     /* "icd10pcs-order": icd10pcs_order_YYYY.txt */
    FOLIO_LOAD_ICD10PCS_DEFINITIONS = 7, /* "icd10pcs-definitions": icd10pcs_definitions_YYYY.xml */
    FOLIO_LOAD_HCPCS = 8,              /* "hcpcs": HCPCS ANWEB .xlsx or fixed-width .txt */
    FOLIO_LOAD_MCE = 9,                /* "mce": a directory of the MCE table files */
    FOLIO_LOAD_CPT = 10,               /* "cpt": customer CSV (docs/codesets.md) */
    FOLIO_LOAD_POA_EXEMPT = 11,        /* "poa-exempt": CMS's POA-exempt code list (CMS's tab-
                                          delimited POAexemptCodes file, or one code, category
                                          or range per line: docs/codesets.md) */
};
const char *folio_codes_load_kind_name(enum folio_codes_load_kind k); /* NULL if unknown */
enum folio_rc folio_codes_load_kind_parse(const char *name, enum folio_codes_load_kind *out,
                                          struct folio_err *err) FOLIO_MUST_USE;

struct folio_codes_load_opts {
    enum folio_codes_load_kind kind;
    const char *path;           /* borrowed */
    int fiscal_year;            /* 0 = from the file (XML <version>, a year in the file name) */
    const char *effective_from; /* NULL = Oct 1 before the FY (ICD), Jan 1 (HCPCS/CPT) */
    const char *effective_to;   /* NULL = Sep 30 of the FY (ICD), Dec 31 (HCPCS/CPT) */
    const char *loaded_by;      /* who; NULL = "system" */
};

struct folio_codes_load_result {
    struct folio_codeset_version version; /* the new version, or the one already loaded */
    bool already_loaded;  /* nothing written: same SHA-256, or same content as version.id */
    bool is_update;       /* a mid-year/quarterly update of version.update_of */
    int64_t n_added;      /* code rows inserted */
    int64_t n_changed;    /* code rows given new data (titles split from the update's date) */
    int64_t n_unchanged;  /* codes already present as given */
    double seconds;       /* wall time of the load */
};

/* Loads one release file as a new version, in one transaction (a savepoint when the caller has
 * one open). A truncated, malformed or wrong-kind file is EPARSE with err->field "NAME:LINE"
 * and nothing written. */
enum folio_rc folio_codes_load(struct folio_store *s, const struct folio_codes_load_opts *opts,
                               struct folio_codes_load_result *res,
                               struct folio_err *err) FOLIO_MUST_USE;

/* ---- POA-exempt lists ---- */

/* The POA-exempt list in force on date (YYYY-MM-DD): the newest "poa-exempt" version whose
 * period covers it. ENOTFOUND (field "date") when none is loaded for that date. */
enum folio_rc folio_codes_poa_list(struct folio_store *s, const char *date,
                                   struct folio_codeset_version *out,
                                   struct folio_err *err) FOLIO_MUST_USE;
/* Whether code (dot optional, any case) is on the list of version list_id: an entry equal to it,
 * an entry that is a prefix of it (a category or subcategory exempts every code under it), or a
 * range covering it. entry (optional) gets the matching entry as listed without dots ("Z38",
 * "V00-V09"), "" when not exempt. EINVAL for a malformed code. */
enum folio_rc folio_codes_poa_exempt(struct folio_store *s, int64_t list_id, const char *code,
                                     bool *exempt, char entry[24],
                                     struct folio_err *err) FOLIO_MUST_USE;

/* One data line of a POA-exempt file (docs/codesets.md): CMS's tab-delimited "order, code,
 * description", or "CODE [description]" with the code dotted or not, a category ("Z38",
 * "Z38-", "O09.-") or a range of equal-length ends ("V00-V09"). Pure; views point into line.
 * EPARSE naming the problem (the caller adds file and line). from == to unless a range. */
struct folio_codes_poa_rec {
    char from[8], to[8];       /* upper case, no dots */
    struct folio_sv description; /* may be empty */
};
enum folio_rc folio_codes_parse_poa_line(struct folio_sv line, struct folio_codes_poa_rec *out,
                                         struct folio_err *err) FOLIO_MUST_USE;

/* ---- record parsers (pure; exposed for the fuzz targets and tests) ---- */

/* One line of an ICD-10-CM or ICD-10-PCS order file (CMS fixed width: order number 1-5, code
 * 7-13, header/billable flag 15, short title 17-76, long title 78-end; CR LF or LF stripped by
 * the caller or here). Views point into line. EPARSE naming the column on a bad line. */
struct folio_codes_order_rec {
    long order;
    struct folio_sv code;
    bool billable;
    struct folio_sv short_title;
    struct folio_sv long_title;
};
enum folio_rc folio_codes_parse_order_line(struct folio_sv line, struct folio_codes_order_rec *out,
                                           struct folio_err *err) FOLIO_MUST_USE;

/* One HCPCS record, from either ANWEB format: cells (xlsx row) or a fixed-width text line
 * (HCPC 1-5, SEQNUM 6-10, RECID 11, LONG DESCRIPTION 12-91, SHORT DESCRIPTION 92-119, ...,
 * ADD DT, ACT EFF DT, TERM DT as YYYYMMDD: docs/codesets.md). RECID 3/7 start a code/modifier,
 * 4/8 continue its long description. */
struct folio_codes_hcpcs_rec {
    struct folio_sv code;     /* "J1100", modifier "LT" (leading blanks trimmed) */
    int seqnum;
    int recid;                /* 3, 4, 7 or 8 */
    struct folio_sv long_desc;
    struct folio_sv short_desc;
    struct folio_sv add_date;  /* YYYYMMDD or empty */
    struct folio_sv eff_date;
    struct folio_sv term_date;
};
enum folio_rc folio_codes_parse_hcpcs_line(struct folio_sv line, struct folio_codes_hcpcs_rec *out,
                                           struct folio_err *err) FOLIO_MUST_USE;

/* One note text -> the codes it references ("(O24.4-)", "E08-E13", "Z79.4"). Writes up to cap
 * codes without dots into refs; *n the count. Pure. */
void folio_codes_note_refs(struct folio_sv text, char (*refs)[16], size_t cap, size_t *n);

#endif

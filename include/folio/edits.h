/* Claim edits: the CMS Medicare Code Editor (MCE) as a pure module (no database, no I/O other
 * than reading the MCE tables and a claim stream the caller names), and the reader of claims in
 * the format of ../shared/data/reference/msdrg-v431/cases.tsv (reusable by the grouper).
 *
 * The MCE tables are the TSV files of an MCE release (mce_i10_dx_master.tsv,
 * mce_i10_pr_master.tsv, mce_age_ranges.tsv, mce_discharge_status.tsv): every row carries an
 * effective date range, so one loaded table set edits any discharge date it covers, each code
 * and range being taken as of the claim's discharge date. Rules, sources and the measured
 * agreement with CMS's own MCE 43.1: docs/edits.md. */
#ifndef FOLIO_EDITS_H
#define FOLIO_EDITS_H

#include "folio/base.h"

/* ---- claims ---- */

#define FOLIO_CLAIM_MAX_CODES 99 /* secondary diagnoses, and procedures, per claim */
#define FOLIO_CLAIM_CODE_MAX  15 /* bytes of one code as written (invalid codes are kept) */
#define FOLIO_CLAIM_ID_MAX    127

/* One diagnosis as written on the claim: the code exactly as given (it may be invalid,
 * lowercase or dotted: judging it is the editor's job) and its POA indicator. */
struct folio_claim_dx {
    char code[FOLIO_CLAIM_CODE_MAX + 1];
    char poa; /* 'Y' 'N' 'U' 'W' '1', or '\0' for blank */
};

struct folio_claim {
    char id[FOLIO_CLAIM_ID_MAX + 1];
    int age;              /* years, 0-999 as read; the MCE flags ages outside 0-124 */
    char sex;             /* 'M', 'F' or 'U' */
    int discharge_status; /* UB-04 patient discharge status as a number (00-999) */
    struct folio_claim_dx pdx;
    size_t nsdx;
    struct folio_claim_dx sdx[FOLIO_CLAIM_MAX_CODES];
    size_t npr;
    char pr[FOLIO_CLAIM_MAX_CODES][FOLIO_CLAIM_CODE_MAX + 1];
};

/* Reads claims from a tab-separated stream with a header row naming at least the columns id,
 * age, sex, discharge_status, pdx, pdx_poa, sdx, procedures (in any order; other columns are
 * ignored). Lines end with LF or CRLF; empty lines are skipped. A bad line is FOLIO_EINVAL (or
 * FOLIO_ETOOBIG over a cap) with err->field "NAME:LINE:COLUMN" and a message naming the value;
 * the reader cannot go on after an error. */
struct folio_claim_reader;

/* Borrows f (not closed by the reader); name (copied) is used in messages, e.g. "cases.tsv". */
enum folio_rc folio_claim_reader_open(FILE *f, const char *name, struct folio_claim_reader **out,
                                      struct folio_err *err) FOLIO_MUST_USE;
void folio_claim_reader_free(struct folio_claim_reader *r); /* NULL ok */
/* Fills *out with the next claim; *have is false at the end of input. The header is read by the
 * first call (an empty input is FOLIO_EPARSE "no header row"). */
enum folio_rc folio_claim_reader_next(struct folio_claim_reader *r, struct folio_claim *out,
                                      bool *have, struct folio_err *err) FOLIO_MUST_USE;
long folio_claim_reader_line(const struct folio_claim_reader *r); /* line of the last claim */

/* Parses one data line (no line break) whose columns are, in order: id, age, sex,
 * discharge_status, pdx, pdx_poa, sdx, procedures. err->field names the column. */
enum folio_rc folio_claim_parse_line(const char *line, size_t len, struct folio_claim *out,
                                     struct folio_err *err) FOLIO_MUST_USE;

/* ---- the MCE tables ---- */

struct folio_mce;

/* Loads the four table files from dir. A missing file is FOLIO_ENOTFOUND naming the path; a
 * malformed or truncated one is FOLIO_EPARSE naming file and line (unknown attribute names are
 * refused too, so that a new edit is never silently dropped). */
enum folio_rc folio_mce_load(const char *dir, struct folio_mce **out,
                             struct folio_err *err) FOLIO_MUST_USE;
void folio_mce_free(struct folio_mce *m); /* NULL ok */
/* First and last discharge dates (YYYYMMDD) the loaded diagnosis table covers. */
void folio_mce_coverage(const struct folio_mce *m, int32_t *first, int32_t *last);

/* ---- edits ---- */

/* CMS's MCE edits, numbered as CMS numbers them (its Edit enumeration, which is also the order
 * of the claim-level list). Only those marked "I10" can fire on ICD-10 claims today. */
enum folio_mce_edit {
    FOLIO_MCE_INVALID_CODE = 0, /* I10 */
    FOLIO_MCE_SEX_CONFLICT = 1, /* I10 (no sex lists in the tables since FY2025) */
    FOLIO_MCE_AGE_CONFLICT = 2, /* I10 */
    FOLIO_MCE_QUESTIONABLE_ADMISSION = 3,
    FOLIO_MCE_MANIFESTATION_AS_PDX = 4,
    FOLIO_MCE_NONSPECIFIC_PDX = 5, /* retired */
    FOLIO_MCE_E_CODE_AS_PDX = 6,
    FOLIO_MCE_UNACCEPTABLE_PDX = 7,
    FOLIO_MCE_DUPLICATE_OF_PDX = 8,
    FOLIO_MCE_MEDICARE_IS_SECONDARY_PAYER = 9, /* retired */
    FOLIO_MCE_REQUIRES_SDX = 10,
    FOLIO_MCE_NONSPECIFIC_OR = 11, /* retired */
    FOLIO_MCE_OPEN_BIOPSY = 12,    /* retired */
    FOLIO_MCE_NON_COVERED = 13,
    FOLIO_MCE_BILATERAL = 14, /* retired */
    FOLIO_MCE_LIMITED_COVERAGE_LVRS = 15,
    FOLIO_MCE_LIMITED_COVERAGE = 16,
    FOLIO_MCE_LIMITED_COVERAGE_LUNG_TRANSPLANT = 17,
    FOLIO_MCE_QUESTIONABLE_OBSTETRIC_ADMISSION = 18,
    FOLIO_MCE_LIMITED_COVERAGE_COMBINATION_HEART_LUNG = 19,
    FOLIO_MCE_LIMITED_COVERAGE_HEART_TRANSPLANT = 20,
    FOLIO_MCE_LIMITED_COVERAGE_HEART_IMPLANT = 21,
    FOLIO_MCE_LIMITED_COVERAGE_INTESTINE = 22,
    FOLIO_MCE_LIMITED_COVERAGE_LIVER = 23,
    FOLIO_MCE_INVALID_ADMIT_DX = 24,
    FOLIO_MCE_INVALID_AGE = 25,
    FOLIO_MCE_INVALID_SEX = 26,
    FOLIO_MCE_INVALID_DISCHARGE_STATUS = 27,
    FOLIO_MCE_LIMITED_COVERAGE_KIDNEY = 28,
    FOLIO_MCE_LIMITED_COVERAGE_PANCREAS = 29,
    FOLIO_MCE_TYPE_OF_AGE_CONFLICT = 30,
    FOLIO_MCE_INVALID_POA = 31,
    FOLIO_MCE_LIMITED_COVERAGE_ARTIFICIAL_HEART = 32,
    FOLIO_MCE_WRONG_PROCEDURE_PERFORMED = 33,
    FOLIO_MCE_INCONSISTENT_WITH_LENGTH_OF_STAY = 34,
    FOLIO_MCE_UNSPECIFIED = 35,
    FOLIO_MCE_EDIT_COUNT = 36
};

/* CMS's name of an edit, e.g. "AGE_CONFLICT"; "UNKNOWN" out of range. */
const char *folio_mce_edit_name(enum folio_mce_edit e);

/* The claim's classification: which kinds of edits fired. */
enum folio_mce_edit_type {
    FOLIO_MCE_TYPE_NONE = 0,
    FOLIO_MCE_TYPE_PREPAYMENT = 1,
    FOLIO_MCE_TYPE_POSTPAYMENT = 2,
    FOLIO_MCE_TYPE_BOTH = 3,
};
const char *folio_mce_edit_type_name(enum folio_mce_edit_type t); /* "NONE", "PREPAYMENT"... */
/* CMS's class of one edit (prepayment, postpayment, or none); NONE out of range. */
enum folio_mce_edit_type folio_mce_edit_class(enum folio_mce_edit e);

/* Where a per-code edit sits on the claim. */
enum folio_mce_where {
    FOLIO_MCE_AT_PDX = 0,
    FOLIO_MCE_AT_SDX = 1,
    FOLIO_MCE_AT_PR = 2,
};

struct folio_mce_code_edit {
    uint8_t where; /* enum folio_mce_where */
    uint8_t edit;  /* enum folio_mce_edit */
    uint16_t pos;  /* 1-based position among the SDX or the procedures; 0 for the PDX */
};

/* At most 9 edits on the PDX, 6 per SDX and 5 per procedure. */
#define FOLIO_MCE_MAX_CODE_EDITS (9 + 6 * FOLIO_CLAIM_MAX_CODES + 5 * FOLIO_CLAIM_MAX_CODES)

struct folio_mce_result {
    uint64_t edits; /* bit (1 << enum folio_mce_edit) for each edit that fired on the claim */
    enum folio_mce_edit_type type;
    size_t n; /* per-code edits, in claim order (PDX, SDX1.., PR1..), CMS's order within a code */
    struct folio_mce_code_edit items[FOLIO_MCE_MAX_CODE_EDITS];
};

/* Edits claim c as of discharge_date (YYYYMMDD) with a length of stay of los days. A date
 * outside the tables' coverage is FOLIO_EINVAL naming "discharge_date". */
enum folio_rc folio_mce_edit(const struct folio_mce *m, const struct folio_claim *c,
                             int32_t discharge_date, int los, struct folio_mce_result *out,
                             struct folio_err *err) FOLIO_MUST_USE;

/* Appends the claim-level list ("INVALID_CODE,AGE_CONFLICT", CMS's order) or the per-code list
 * ("PDX:E_CODE_AS_PDX,SDX3:UNSPECIFIED,PR1:NON_COVERED") to b; nothing when empty. */
enum folio_rc folio_mce_format_edits(const struct folio_mce_result *r,
                                     struct folio_buf *b) FOLIO_MUST_USE;
enum folio_rc folio_mce_format_code_edits(const struct folio_mce_result *r,
                                          struct folio_buf *b) FOLIO_MUST_USE;

#endif

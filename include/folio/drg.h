/* The MS-DRG grouper: a pure, table-driven module (no database, no I/O other than reading the
 * tables of a grouper version from a directory the caller names).
 *
 * A version is loaded from the TSV files of one CMS MS-DRG release (for v43.1:
 * ../shared/data/codesets/msdrg-v431/msdrg_v431_{dx,pr,drg_formulas,pdx_exclusion_collections,
 * hac_formulas,titles}.tsv): diagnosis and procedure attributes, the CC exclusion collections,
 * the rank-ordered DRG logic formulas of each MDC (a small boolean language, compiled once at
 * load), the HAC formulas and the titles. A set of versions picks one by discharge date.
 * Grouping one claim (struct folio_claim, the reader of folio/edits.h) is a pure function of the
 * version and the claim: it allocates nothing and takes one or two microseconds, so a what-if
 * (copy the claim, drop or add a code, group again) costs no more than the first grouping.
 *
 * How it works, the order of the steps and the measured agreement with CMS's grouper: docs/drg.md.
 */
#ifndef FOLIO_DRG_H
#define FOLIO_DRG_H

#include "folio/base.h"
#include "folio/edits.h"

/* ---- versions ---- */

struct folio_drg_version;

/* Loads the version whose tables are in dir: the files msdrg_v<NNN>_*.tsv (one NNN per
 * directory; "431" is version 43.1). A missing file is FOLIO_ENOTFOUND naming the path; a
 * malformed one is FOLIO_EPARSE whose message names file and line (and the column of a bad
 * formula), e.g. "msdrg_v431_drg_formulas.tsv:12: formula: ')' expected at column 9".
 * The effective period comes from the version number: vXX.0 covers CMS fiscal year 1983+XX
 * (October 1 to September 30), vXX.1 and later the same year from April 1. */
enum folio_rc folio_drg_load(const char *dir, struct folio_drg_version **out,
                             struct folio_err *err) FOLIO_MUST_USE;
void folio_drg_free(struct folio_drg_version *v); /* NULL ok */

struct folio_drg_version_info {
    char name[16];    /* "43.1" */
    int32_t from, to; /* effective period, YYYYMMDD, both inclusive */
    size_t ndx, npr;  /* diagnosis and procedure codes */
    size_t nformulas; /* DRG logic rows (all MDCs, markers included) */
    size_t nclusters; /* procedure clusters, and how many confer an attribute */
    size_t nclusters_named;
};
void folio_drg_version_info(const struct folio_drg_version *v, struct folio_drg_version_info *out);

/* Titles from the titles table; "" when unknown. Borrowed: valid while v lives. */
const char *folio_drg_title(const struct folio_drg_version *v, int drg);
const char *folio_drg_mdc_title(const struct folio_drg_version *v, int mdc);
const char *folio_drg_hac_title(const struct folio_drg_version *v, int hac);
/* The text of DRG logic row `formula` as in the table (for showing why a claim grouped where it
 * did); NULL when out of range. */
const char *folio_drg_formula_text(const struct folio_drg_version *v, int formula);

/* ---- a set of versions, chosen by discharge date ---- */

struct folio_drg_set;

enum folio_rc folio_drg_set_new(struct folio_drg_set **out, struct folio_err *err) FOLIO_MUST_USE;
/* Takes ownership of v (also on failure, when v is freed). Two versions with the same start
 * date are FOLIO_ECONFLICT. */
enum folio_rc folio_drg_set_add(struct folio_drg_set *s, struct folio_drg_version *v,
                                struct folio_err *err) FOLIO_MUST_USE;
/* The version in force on date (YYYYMMDD): among those whose period covers it, the one that
 * starts last (v43.1 from April 1 wins over v43.0). NULL when none covers the date. Borrowed. */
const struct folio_drg_version *folio_drg_set_pick(const struct folio_drg_set *s, int32_t date);
void folio_drg_set_free(struct folio_drg_set *s); /* NULL ok; frees the versions too */

/* ---- results ---- */

enum folio_drg_med_surg {
    FOLIO_DRG_MS_NA = 0, /* DRG 998 and 999 */
    FOLIO_DRG_MEDICAL = 1,
    FOLIO_DRG_SURGICAL = 2,
};

/* Severity level the DRG uses. */
enum folio_drg_severity {
    FOLIO_DRG_SEV_NONE = 0, /* DRG 998 and 999 */
    FOLIO_DRG_SEV_NON_CC = 1,
    FOLIO_DRG_SEV_CC = 2,
    FOLIO_DRG_SEV_MCC = 3,
};

/* Grouper return codes, CMS's names. */
enum folio_drg_grc {
    FOLIO_DRG_GRC_OK = 0,
    FOLIO_DRG_GRC_INVALID_PDX = 1,              /* PDX not a valid code (also empty, dotted) */
    FOLIO_DRG_GRC_DX_CANNOT_BE_PDX = 2,         /* external cause code as PDX */
    FOLIO_DRG_GRC_INVALID_SEX = 3,              /* sex U with a PDX whose MDC depends on sex */
    FOLIO_DRG_GRC_INVALID_DISCHARGE_STATUS = 4, /* status invalid where the logic reads it */
    FOLIO_DRG_GRC_HAC_MISSING_ONE_POA = 5,      /* POA 1 or blank on an SDX of a HAC */
    FOLIO_DRG_GRC_NO_FORMULA = 6, /* Folio's: no logic row matched (none in v43.1 can) */
};

/* How one secondary diagnosis was used (CMS's "severity usage"). */
enum folio_drg_usage {
    FOLIO_DRG_USE_NEITHER = 0,
    FOLIO_DRG_USE_CC = 1,
    FOLIO_DRG_USE_MCC = 2,
    FOLIO_DRG_USE_CC_EXCLUDED = 3, /* excluded by the PDX's exclusions, or repeats the PDX */
    FOLIO_DRG_USE_MCC_EXCLUDED = 4,
    FOLIO_DRG_USE_CC_EXCLUDED_BY_DRG_LOGIC = 5, /* suppressed by the DRG's formula */
    FOLIO_DRG_USE_MCC_EXCLUDED_BY_DRG_LOGIC = 6,
};

enum folio_drg_hac_status {
    FOLIO_DRG_HAC_NOT_APPLICABLE = 0,
    FOLIO_DRG_HAC_FINAL_DRG_NO_CHANGE = 1,
    FOLIO_DRG_HAC_FINAL_DRG_CHANGES = 2,
    FOLIO_DRG_HAC_FINAL_DRG_UNGROUPABLE = 3,
};

/* What a HAC found on one secondary diagnosis. */
enum folio_drg_hac_finding {
    FOLIO_DRG_HAC_CRITERIA_MET = 0,
    FOLIO_DRG_HAC_NOT_APPLICABLE_EXCLUSION = 1, /* the PDX excludes the SDX */
    FOLIO_DRG_HAC_NOT_APPLICABLE_EXEMPT = 2,    /* (exempt hospitals; not produced today) */
};

struct folio_drg_hac {
    uint8_t sdx;     /* 1-based position of the secondary diagnosis */
    uint8_t hac;     /* HAC number, 1-99 */
    uint8_t finding; /* enum folio_drg_hac_finding */
};

/* A version has at most this many HAC formulas; a finding is one (SDX, HAC) pair. */
#define FOLIO_DRG_MAX_HAC_FORMULAS 32
#define FOLIO_DRG_MAX_HACS         (FOLIO_CLAIM_MAX_CODES * FOLIO_DRG_MAX_HAC_FORMULAS)

/* One pass of the grouping logic: the initial one (every CC/MCC counts) or the final one
 * (after the HAC adjustment). */
struct folio_drg_pass {
    uint16_t drg;     /* 1-999 */
    uint8_t mdc;      /* reported MDC; 0 only for DRG 999 */
    uint8_t med_surg; /* enum folio_drg_med_surg */
    uint8_t severity; /* enum folio_drg_severity */
    uint8_t grc;      /* enum folio_drg_grc */
    int32_t formula;  /* DRG logic row that decided (folio_drg_formula_text), -1 for none:
                       * unrelated O.R. procedures (981-989) and 999 from the HAC logic */
    uint8_t usage[FOLIO_CLAIM_MAX_CODES]; /* enum folio_drg_usage of each SDX, claim order */
};

struct folio_drg_result {
    struct folio_drg_pass final;   /* what CMS reports as mdc, drg, med_surg, ... */
    struct folio_drg_pass initial; /* before the HAC adjustment */
    uint8_t hac_status;            /* enum folio_drg_hac_status */
    size_t nsdx;                   /* = claim's nsdx: entries of usage[] in use */
    size_t nhacs;                  /* HAC findings, ordered by SDX position then HAC number */
    struct folio_drg_hac hacs[FOLIO_DRG_MAX_HACS];
};

/* Groups claim c with version v. Codes are looked up as written, ASCII case-insensitively
 * (a dotted or unknown code is invalid). The hospital is non-exempt from POA reporting (the HAC
 * logic is on). Never fails on bad codes (that is DRG 999 with its return code); FOLIO_EINVAL
 * only when the claim breaks its own bounds (more than FOLIO_CLAIM_MAX_CODES codes). */
enum folio_rc folio_drg_group(const struct folio_drg_version *v, const struct folio_claim *c,
                              struct folio_drg_result *out, struct folio_err *err) FOLIO_MUST_USE;

/* The secondary diagnoses that make the final DRG's severity: 0-based positions of the SDX whose
 * final usage is the final severity (MCC or CC), at most cap of them written; returns how many
 * there are (0 when the severity is NON_CC or NONE). Removing all of them lowers the severity. */
size_t folio_drg_drivers(const struct folio_drg_result *r, size_t *pos, size_t cap);

/* ---- names and the expected.tsv row ---- */

const char *folio_drg_med_surg_name(enum folio_drg_med_surg m);       /* "MEDICAL", "NA" */
const char *folio_drg_severity_name(enum folio_drg_severity s);       /* "MCC", "NON_CC", "NONE" */
const char *folio_drg_grc_name(enum folio_drg_grc g);                 /* "OK", "INVALID_PDX" */
const char *folio_drg_usage_name(enum folio_drg_usage u);             /* "CC_EXCLUDED" */
const char *folio_drg_hac_status_name(enum folio_drg_hac_status s);   /* "FINAL_DRG_CHANGES" */
const char *folio_drg_hac_finding_name(enum folio_drg_hac_finding f); /* "HAC_CRITERIA_MET" */

/* The columns of msdrg-v431/expected.tsv, tab-separated, in that order. */
#define FOLIO_DRG_TSV_HEADER                                                                       \
    "id\tmdc\tdrg\tmed_surg\tfinal_severity\tgrc\tsdx_severity\thacs\tmce_edits\tinitial_drg\t"    \
    "hac_status\tmce_edit_type\tmce_code_edits\tsdx_initial_severity"

/* Appends one row (no line break) in the FOLIO_DRG_TSV_HEADER columns: the grouping r of claim c
 * and, for the three mce_ columns, the MCE result m (NULL leaves them empty). */
enum folio_rc folio_drg_format_row(const struct folio_claim *c, const struct folio_drg_result *r,
                                   const struct folio_mce_result *m,
                                   struct folio_buf *b) FOLIO_MUST_USE;
/* The list columns alone: "MCC,NEITHER,CC_EXCLUDED" (initial or final pass) and
 * "3:HAC05:HAC_CRITERIA_MET,..."; nothing when empty. */
enum folio_rc folio_drg_format_usage(const struct folio_drg_result *r, bool initial,
                                     struct folio_buf *b) FOLIO_MUST_USE;
enum folio_rc folio_drg_format_hacs(const struct folio_drg_result *r,
                                    struct folio_buf *b) FOLIO_MUST_USE;

#endif

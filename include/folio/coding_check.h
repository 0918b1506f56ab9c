/* Coding checks of one abstract (docs/coding-checks.md): the CMS MCE edits (edits.h) and the
 * coding rules of the ICD-10-CM tabular list and guidelines, run as the coder types and before
 * an abstract may be finalized.
 *
 * Checks (kind names are stable; the API and UI show them):
 *   "invalid_code"      a code not in the code set in force on the date (error)
 *   "header_code"       a valid but non-billable code: a category or subcategory with children
 *                       (error; the message names how many more characters are needed)
 *   "seventh_missing"   a code of a category whose tabular list requires a 7th character given
 *                       without it (error; choices listed in the message)
 *   "excludes1"         two codes coded together where one's Excludes1 note (its own or
 *                       inherited from its category, section or chapter) names the other
 *                       (warning: the guideline's exceptions exist, the coder decides)
 *   "code_first"        a code whose "code first" note names a code that is also on the
 *                       abstract but sequenced after it (warning); or, as principal, a code
 *                       with a "code first" note whose condition is not coded (info)
 *   "use_additional"    a "use additional code" note none of whose codes is on the abstract
 *                       (info: a reminder)
 *   "poa_missing"       an inpatient diagnosis (principal, secondary, external cause) without
 *                       a POA indicator (error)
 *   "poa_invalid"       a POA value other than Y N U W 1 (error), or '1' (exempt) on a code
 *                       not on the POA-exempt list, or Y/N/U/W on an exempt code (warning);
 *                       exemptions are checked only when a POA-exempt list is loaded
 *   "no_principal"      no principal / first-listed diagnosis (error)
 *   "mce"               one MCE edit (folio_mce_edit_name in the finding's edit field), at the
 *                       code it fired on; severity from its MCE class (prepayment edits are
 *                       errors, postpayment ones warnings); inpatients only
 *   "notes"             (info, abstract-level) which tabular notes the note checks used: none
 *                       loaded, or those of an earlier fiscal year than the code set in force
 * A check that cannot run says so once, as an abstract-level info of its kind: no code set of a
 * system loaded for the date ("invalid_code"), no POA-exempt list ("poa_invalid"), no MCE
 * tables or a date outside them ("mce"). What the input does not know is not checked: age -1
 * (age edits), discharge status -1, los -1 (length-of-stay edit). An MCE INVALID_CODE is not
 * repeated at a code already refused by invalid_code, header_code or seventh_missing.
 * Errors block finalizing; warnings and infos do not.
 *
 * Pure with respect to the abstract: reads the code sets from the store (codes.h) and never
 * writes. */
#ifndef FOLIO_CODING_CHECK_H
#define FOLIO_CODING_CHECK_H

#include "folio/base.h"
#include "folio/abstract.h"
#include "folio/edits.h"
#include "folio/store.h"

enum folio_check_severity {
    FOLIO_CHECK_INFO = 1,    /* "info" */
    FOLIO_CHECK_WARNING = 2, /* "warning" */
    FOLIO_CHECK_ERROR = 3,   /* "error": blocks finalizing */
};
const char *folio_check_severity_name(enum folio_check_severity s);

struct folio_check_finding {
    enum folio_check_severity severity;
    char kind[20];       /* "excludes1", "mce", ... (above) */
    char edit[48];       /* for "mce": CMS's edit name ("AGE_CONFLICT"); else "" */
    int code_index;      /* index into the input's codes the finding is about; -1 = abstract */
    char code[16];       /* that code without dots, "" for abstract-level findings */
    char related[16];    /* the other code (excludes1 pair, code first), else "" */
    char *message;       /* one sentence for the coder, naming the codes dotted and the note */
};

struct folio_check_input {
    const char *code_date;  /* YYYY-MM-DD: the code set in force (discharge date) */
    const char *enc_class;  /* "inpatient" needs POA and ICD-10-PCS; others do not */
    int age;                /* years at admission; -1 unknown (age edits skipped) */
    char sex;               /* 'M' 'F' 'U' */
    int discharge_status;   /* UB-04 patient status (01, 02, ...); -1 unknown */
    int los;                /* days; -1 unknown */
    const struct folio_abstract_code *codes; /* as in struct folio_abstract */
    size_t n_codes;
};

/* The MCE tables built from the store (loaded with `folio codes load mce DIR`); ENOTFOUND when
 * none are loaded. Free with folio_mce_free. */
enum folio_rc folio_mce_load_store(struct folio_store *s, struct folio_mce **out,
                                   struct folio_err *err) FOLIO_MUST_USE;

/* Runs every check. mce may be NULL (MCE edits skipped; an info finding says so); it is
 * borrowed (load it once with folio_mce_load_store and keep it: reading MCE 43.1 from the
 * store takes about 0.1 s).
 * Findings (and their messages) live in the arena a: abstract-level ones first, then in code
 * order, errors before warnings before infos for one code. EINVAL naming "code_date" (not a
 * date YYYY-MM-DD) or "codes" (more than FOLIO_ABSTRACT_MAX_CODES); store errors as they come.
 * Reads the store with a few queries for the whole abstract (codes in batches), plus one or two
 * per invalid or non-billable code (docs/coding-checks.md gives the measured time). */
enum folio_rc folio_coding_check(struct folio_store *s, const struct folio_mce *mce,
                                 const struct folio_check_input *in, struct folio_arena *a,
                                 struct folio_check_finding **out, size_t *n,
                                 struct folio_err *err) FOLIO_MUST_USE;

/* True when a finding of severity error is among them. */
bool folio_check_blocks(const struct folio_check_finding *f, size_t n);

#endif

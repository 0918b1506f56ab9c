/* Internal to chart completeness (rules.c, analyze.c): SQL helpers and times as seconds.
 * Not a public contract. */
#ifndef FOLIO_COMPLETENESS_INT_H
#define FOLIO_COMPLETENESS_INT_H

#include "folio/base.h"
#include "folio/completeness.h"
#include "folio/store.h"

#define CMPL_TEXT_MAX 1000 /* reasons */
#define CMPL_NAME_MAX 200  /* user names */

/* The store's format binder (store.h: 't' text, NULL or "" -> NULL; 'T' text as given; 'i'
 * int64; 'I' int64, 0 -> NULL). cmpl_exec: run to the end, *id_out column 0 of the first row. */
#define cmpl_prepare folio_store_prepare_fmt
#define cmpl_exec(s, id_out, err, ...) folio_store_exec_fmt(s, id_out, NULL, NULL, err, __VA_ARGS__)
/* Seconds since 1970-01-01T00:00Z of a stored time; day precision counts from midnight UTC.
 * false when absent or unparsable. */
bool cmpl_secs(const char *stored, int64_t *secs);
/* Canonical UTC text at second precision ("2024-03-05T14:07:00Z"). */
void cmpl_fmt(int64_t secs, char out[32]);
/* The caller's clock: NULL = now; otherwise any folio_time form with a time of day (EINVAL
 * "now"). */
enum folio_rc cmpl_now(const char *in, char out[32], int64_t *secs,
                       struct folio_err *err) FOLIO_MUST_USE;
/* Required user name, or NULL -> "system" when optional. EINVAL "user". */
enum folio_rc cmpl_user(const char *in, bool required, const char **out,
                        struct folio_err *err) FOLIO_MUST_USE;

/* Completion (completion.c): clears the chart's completion and records a "reopen" event with
 * detail, in the caller's transaction. */
enum folio_rc cmpl_chart_reopen(struct folio_store *s, int64_t enc_id, const char *detail,
                                const char *user, const char *at,
                                struct folio_err *err) FOLIO_MUST_USE;

/* checks.c: true when the procedure code is ICD-10-PCS (by its code system) and its root
 * operation implies a specimen for pathology (docs/completeness.md "Pathology"). */
bool cmpl_pcs_implies_tissue(const char *code_system, const char *code);
/* true for text media types (text/plain ...) and XML ones (CDA): the documents scanned. */
bool cmpl_text_mime(const char *mime);
/* Scans documents for another patient's MRN (check other-mrn). init: the MRN lengths in the
 * store; doc: *found when the content names an MRN of a patient other than patient_id and not
 * of patient_id. Reads at most the first MiB and looks up at most 2000 distinct tokens. */
struct cmpl_mrn_scan {
    struct folio_store *s;
    int64_t patient_id;
    size_t min_len, max_len; /* of other patients' MRNs; max_len 0 when there are none */
};
enum folio_rc cmpl_mrn_scan_init(struct cmpl_mrn_scan *m, struct folio_store *s, int64_t patient_id,
                                 struct folio_err *err) FOLIO_MUST_USE;
enum folio_rc cmpl_mrn_scan_doc(struct cmpl_mrn_scan *m, const char *content_sha256,
                                struct folio_arena *a, bool *found,
                                struct folio_err *err) FOLIO_MUST_USE;

#endif

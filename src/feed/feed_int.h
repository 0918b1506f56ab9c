/* Internal helpers shared by the files of src/feed. Not a public contract. */
#ifndef FOLIO_FEED_INT_H
#define FOLIO_FEED_INT_H

#include "folio/base.h"
#include "folio/feed.h"
#include "folio/hl7v2.h"
#include "folio/records.h"

struct fctx {
    struct folio_chart chart; /* the caller's, with the actor filled */
    const struct folio_hl7_msg *m;
    const struct folio_hl7_msh *msh;
    struct folio_feed_result *res;
    struct folio_arena a;
    struct folio_err *err;
    const char *facility; /* facility code of visits and MRNs */
    int def_off;
    bool oom;
    int64_t patient_id;
    int64_t encounter_id;
};

/* Decoded, trimmed value at seg/field/rep/comp/sub ("" when absent, empty or HL7 null). */
const char *fx_get(struct fctx *x, size_t seg, unsigned f, unsigned r, unsigned c, unsigned s);
/* Same with formatting escapes made plain text (\.br\ -> LF). */
const char *fx_get_plain(struct fctx *x, size_t seg, unsigned f, unsigned r, unsigned c);
unsigned fx_reps(struct fctx *x, size_t seg, unsigned f);
/* Adds an ERR entry; severity 'E' makes the answer AE unless it is already AR. */
void fx_error(struct fctx *x, size_t seg, unsigned f, unsigned r, unsigned c, int code, char sev,
              const char *fmt, ...) FOLIO_PRINTF(8, 9);
bool fx_failed(const struct fctx *x);
/* HL7 time at the position into out (canonical UTC, "" when absent). On a bad value adds an
 * error 102 (sev) and returns false. */
bool fx_time(struct fctx *x, size_t seg, unsigned f, unsigned c, char out[48], char sev);
/* Copy of s in the arena (NULL -> NULL). */
const char *fx_dup(struct fctx *x, const char *s);
const char *fx_printf(struct fctx *x, const char *fmt, ...) FOLIO_PRINTF(2, 3);
/* Maps a records error on segment seg/field f to an ERR entry (AE) when it is a content error
 * and returns FOLIO_OK; system errors are returned as they are. */
enum folio_rc fx_chart_err(struct fctx *x, enum folio_rc rc, size_t seg, unsigned f);

/* Patient from PID (identifiers PID-3); create it when allowed. AE 204 otherwise. */
enum folio_rc fx_patient(struct fctx *x, bool may_create, bool update);
/* Finds the visit of PV1-19 (account number) for the current patient; *found false if none. */
enum folio_rc fx_find_visit(struct fctx *x, size_t pv1, int64_t *enc, bool *found);
/* Provider from an XCN (NPI when the identifier type says so), found or created. 0 when the
 * XCN has no name. */
enum folio_rc fx_provider(struct fctx *x, size_t seg, unsigned f, unsigned rep, int64_t *id);

static inline const char *nz(const char *s)
{
    return folio_str_empty(s) ? NULL : s;
}

enum folio_rc feed_adt(struct fctx *x);
enum folio_rc feed_oru(struct fctx *x);
enum folio_rc feed_mdm(struct fctx *x);
/* After a message applied with AA that changed the chart: deficiency analysis of the visit it
 * touched, or withdrawal after A13 (deficiency.c). Problems of the analysis itself become a
 * warning (AA kept); system failures are returned. */
enum folio_rc feed_completeness(struct fctx *x);

#endif

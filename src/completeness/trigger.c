/* The analysis trigger of the faces: after a document of an encounter is filed, revised or
 * signed, and after a discharge (include/folio/completeness.h "triggers"). Analyses discharged
 * and cancelled encounters only; reopens a complete chart in which the analysis found something
 * new (docs/completeness.md "Completion"). */
#include "folio/base.h"

#include "completeness/completeness_int.h"

enum folio_rc folio_completeness_on_change(struct folio_store *s, int64_t encounter_id,
                                           const char *now, const char *user,
                                           struct folio_cmpl_result *res, struct folio_err *err)
{
    struct folio_cmpl_result local;
    struct folio_stmt *st = NULL;
    char status[16] = "", completed_at[32] = "", at[32], detail[120];
    int64_t secs = 0;
    bool row = false;
    const char *who;
    enum folio_rc rc;
    if (!res)
        res = &local;
    memset(res, 0, sizeof *res);
    rc = cmpl_user(user, false, &who, err);
    if (rc == FOLIO_OK)
        rc = cmpl_now(now, at, &secs, err);
    if (rc)
        return rc;
    if ((rc = folio_store_begin(s, err)))
        return rc;
    rc = cmpl_prepare(s, &st, err, "SELECT status, chart_completed_at FROM encounter WHERE id = ?",
                      "i", encounter_id);
    if (rc == FOLIO_OK)
        rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && !row)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "encounter", "no encounter with id %lld",
                           (long long)encounter_id);
    if (rc == FOLIO_OK) {
        folio_stmt_column_copy(st, 0, status, sizeof status);
        folio_stmt_column_copy(st, 1, completed_at, sizeof completed_at);
    }
    folio_stmt_free(st);
    /* Nothing is due after discharge before the discharge; admit-anchored rules are evaluated
     * at the discharge. A cancelled encounter is analysed so its deficiencies close. */
    if (rc || (strcmp(status, "discharged") != 0 && strcmp(status, "cancelled") != 0))
        return folio_store_end(s, rc, err);
    rc = folio_completeness_analyze(s, encounter_id, at, who, res, err);
    /* A complete chart in which the change made a new deficiency (a late entry still to sign,
     * say) is no longer complete: it goes back to the analyst's worklist. */
    if (rc == FOLIO_OK && completed_at[0] && res->created > 0) {
        folio_snprintf(detail, sizeof detail,
                       "reopened by the analysis: %zu new deficienc%s after a change to the chart",
                       res->created, res->created == 1 ? "y" : "ies");
        rc = cmpl_chart_reopen(s, encounter_id, detail, who, at, err);
    }
    return folio_store_end(s, rc, err);
}

/* Chart completion: a discharged chart with no open deficiency is marked complete by HIM, and
 * reopened with a reason (include/folio/completeness.h, docs/completeness.md "Completion"). What
 * a complete chart still accepts (amendments, late entries) is enforced where documents change:
 * src/records/document.c. */
#include "folio/base.h"

#include "completeness/completeness_int.h"

struct cstate {
    char status[16];
    char completed_at[32];
    char completed_by[CMPL_NAME_MAX + 1];
};

static enum folio_rc load_state(struct folio_store *s, int64_t enc_id, struct cstate *out,
                                struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false;
    enum folio_rc rc = cmpl_prepare(
        s, &st, err,
        "SELECT status, chart_completed_at, chart_completed_by FROM encounter WHERE id = ?", "i",
        enc_id);
    if (rc == FOLIO_OK)
        rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && !row)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "encounter", "no encounter with id %lld",
                           (long long)enc_id);
    if (rc == FOLIO_OK) {
        folio_stmt_column_copy(st, 0, out->status, sizeof out->status);
        folio_stmt_column_copy(st, 1, out->completed_at, sizeof out->completed_at);
        folio_stmt_column_copy(st, 2, out->completed_by, sizeof out->completed_by);
    }
    folio_stmt_free(st);
    return rc;
}

static enum folio_rc add_event(struct folio_store *s, int64_t enc_id, const char *at,
                               const char *user, const char *action, const char *detail,
                               struct folio_err *err)
{
    return cmpl_exec(s, NULL, err,
                     "INSERT INTO chart_completion_event (encounter_id, at, user_name, action, "
                     "detail) VALUES (?,?,?,?,?)",
                     "iTTTt", enc_id, at, user, action, detail);
}

enum folio_rc cmpl_chart_reopen(struct folio_store *s, int64_t enc_id, const char *detail,
                                const char *user, const char *at, struct folio_err *err)
{
    enum folio_rc rc = cmpl_exec(s, NULL, err,
                                 "UPDATE encounter SET chart_completed_at = NULL, "
                                 "chart_completed_by = NULL WHERE id = ?",
                                 "i", enc_id);
    if (rc == FOLIO_OK)
        rc = add_event(s, enc_id, at, user, "reopen", detail, err);
    return rc;
}

enum folio_rc folio_completeness_complete(struct folio_store *s, int64_t encounter_id,
                                          const char *user, const char *now, struct folio_err *err)
{
    struct folio_cmpl_result res;
    struct cstate c;
    char at[32], detail[80];
    int64_t secs = 0, open = 0;
    const char *who;
    enum folio_rc rc = cmpl_user(user, true, &who, err);
    if (rc == FOLIO_OK)
        rc = cmpl_now(now, at, &secs, err);
    if (rc)
        return rc;
    if ((rc = folio_store_begin(s, err)))
        return rc;
    rc = load_state(s, encounter_id, &c, err);
    if (rc == FOLIO_OK && strcmp(c.status, "discharged") != 0)
        rc = folio_err_set(err, FOLIO_ESTATE, "status",
                           "encounter %lld is %s: only a discharged chart can be completed",
                           (long long)encounter_id, c.status);
    if (rc == FOLIO_OK && c.completed_at[0])
        rc = folio_err_set(err, FOLIO_ESTATE, "completed_at",
                           "encounter %lld is already complete (since %s, by %s)",
                           (long long)encounter_id, c.completed_at, c.completed_by);
    /* the chart as it is now, under the rules in force: nothing found since the last run may
     * stay unseen */
    if (rc == FOLIO_OK)
        rc = folio_completeness_analyze(s, encounter_id, at, who, &res, err);
    if (rc == FOLIO_OK)
        rc = cmpl_exec(s, &open, err,
                       "SELECT COUNT(*) FROM deficiency WHERE encounter_id = ? AND status = 'open'",
                       "i", encounter_id);
    if (rc == FOLIO_OK && open > 0)
        rc = folio_err_set(err, FOLIO_ESTATE, "deficiencies",
                           "encounter %lld has %lld open deficienc%s: resolve or waive %s before "
                           "completing the chart",
                           (long long)encounter_id, (long long)open, open == 1 ? "y" : "ies",
                           open == 1 ? "it" : "them");
    if (rc == FOLIO_OK)
        rc = cmpl_exec(s, NULL, err,
                       "UPDATE encounter SET chart_completed_at = ?, chart_completed_by = ? "
                       "WHERE id = ?",
                       "TTi", at, who, encounter_id);
    if (rc == FOLIO_OK) {
        folio_snprintf(detail, sizeof detail, "rule set version %lld",
                       (long long)res.ruleset_version);
        rc = add_event(s, encounter_id, at, who, "complete",
                       res.ruleset_version ? detail : "no rule set loaded", err);
    }
    return folio_store_end(s, rc, err);
}

enum folio_rc folio_completeness_reopen(struct folio_store *s, int64_t encounter_id,
                                        const char *reason, const char *user, const char *now,
                                        struct folio_err *err)
{
    struct cstate c;
    char at[32];
    int64_t secs = 0;
    const char *who;
    enum folio_rc rc;
    if (folio_str_empty(reason) || strlen(reason) > CMPL_TEXT_MAX)
        return folio_err_set(err, FOLIO_EINVAL, "reason", "reason: required, at most %d bytes",
                             CMPL_TEXT_MAX);
    rc = cmpl_user(user, true, &who, err);
    if (rc == FOLIO_OK)
        rc = cmpl_now(now, at, &secs, err);
    if (rc)
        return rc;
    if ((rc = folio_store_begin(s, err)))
        return rc;
    rc = load_state(s, encounter_id, &c, err);
    if (rc == FOLIO_OK && !c.completed_at[0])
        rc = folio_err_set(err, FOLIO_ESTATE, "completed_at",
                           "encounter %lld is not complete: nothing to reopen",
                           (long long)encounter_id);
    if (rc == FOLIO_OK)
        rc = cmpl_chart_reopen(s, encounter_id, reason, who, at, err);
    return folio_store_end(s, rc, err);
}

/* The resident (house staff) mark of providers, which "cosign residents" rules read
 * (include/folio/completeness.h, docs/completeness.md). */
#include "folio/base.h"

#include "completeness/completeness_int.h"

enum folio_rc folio_completeness_set_resident(struct folio_store *s, int64_t provider_id,
                                              bool resident, const char *user, bool *changed,
                                              struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false;
    int64_t cur = 0;
    const char *who;
    enum folio_rc rc;
    if (changed)
        *changed = false;
    rc = cmpl_user(user, true, &who, err);
    if (rc)
        return rc;
    rc = folio_store_begin(s, err);
    if (rc)
        return rc;
    rc = cmpl_prepare(s, &st, err, "SELECT resident FROM provider WHERE id = ?", "i", provider_id);
    if (rc == FOLIO_OK)
        rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && row)
        cur = folio_stmt_column_i64(st, 0);
    folio_stmt_free(st);
    if (rc == FOLIO_OK && !row)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "provider", "no provider %lld",
                           (long long)provider_id);
    if (rc == FOLIO_OK && (cur != 0) != resident) {
        rc = cmpl_exec(s, NULL, err, "UPDATE provider SET resident = ? WHERE id = ?", "ii",
                       (int64_t)resident, provider_id);
        if (rc == FOLIO_OK && changed)
            *changed = true;
    }
    return folio_store_end(s, rc, err);
}

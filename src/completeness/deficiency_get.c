/* One deficiency by id, for the API's deficiency view (docs/api.md "Chart completeness"). */
#include "folio/base.h"

#include "completeness/completeness_int.h"

enum folio_rc folio_completeness_get(struct folio_store *s, int64_t deficiency_id, const char *now,
                                     struct folio_arena *a, struct folio_deficiency *out,
                                     struct folio_err *err)
{
    struct folio_deficiency_filter f;
    struct folio_deficiency *v = NULL;
    int64_t enc = 0;
    size_t n = 0, i;
    enum folio_rc rc;

    memset(out, 0, sizeof *out);
    rc = cmpl_exec(s, &enc, err, "SELECT encounter_id FROM deficiency WHERE id = ?", "i",
                   deficiency_id);
    if (rc)
        return rc;
    if (enc == 0)
        return folio_err_set(err, FOLIO_ENOTFOUND, "deficiency", "no deficiency with id %lld",
                             (long long)deficiency_id);
    memset(&f, 0, sizeof f);
    f.encounter_id = enc;
    f.now = now;
    f.limit = 1000;
    rc = folio_completeness_list(s, &f, a, &v, &n, err);
    if (rc)
        return rc;
    for (i = 0; i < n; i++) {
        if (v[i].id == deficiency_id) {
            *out = v[i];
            return FOLIO_OK;
        }
    }
    /* more than 1000 deficiencies on one encounter: not reachable by the list */
    return folio_err_set(err, FOLIO_ENOTFOUND, "deficiency",
                         "deficiency %lld is beyond the 1000 its encounter can list",
                         (long long)deficiency_id);
}

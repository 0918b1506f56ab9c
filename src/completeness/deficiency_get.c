/* One deficiency by id, for the API's deficiency view (docs/api.md "Chart completeness"). */
#include "folio/base.h"

#include "completeness/completeness_int.h"

enum folio_rc folio_completeness_get(struct folio_store *s, int64_t deficiency_id, const char *now,
                                     struct folio_arena *a, struct folio_deficiency *out,
                                     struct folio_err *err)
{
    struct folio_deficiency_filter f;
    struct folio_deficiency *v = NULL;
    size_t n = 0;
    enum folio_rc rc;

    memset(out, 0, sizeof *out);
    memset(&f, 0, sizeof f);
    f.id = deficiency_id;
    f.now = now;
    f.limit = 1;
    rc = folio_completeness_list(s, &f, a, &v, &n, err);
    if (rc)
        return rc;
    if (n == 1) {
        *out = v[0];
        return FOLIO_OK;
    }
    return folio_err_set(err, FOLIO_ENOTFOUND, "deficiency", "no deficiency with id %lld",
                         (long long)deficiency_id);
}

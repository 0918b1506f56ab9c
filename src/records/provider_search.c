/* Provider search for pickers (the physician query's addressee): by name prefix or NPI. */
#include "folio/base.h"

#include "records/records_int.h"

#define SEARCH_MAX 50

enum folio_rc folio_provider_search(const struct folio_chart *c, const char *q, size_t limit,
                                    struct folio_arena *a, struct folio_provider_hit **out,
                                    size_t *n, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct folio_provider_hit *v;
    char *like = NULL, *fold = NULL;
    bool row = false, oom = false, digits = true;
    enum folio_rc rc;
    size_t i;

    *out = NULL;
    *n = 0;
    if (limit == 0 || limit > SEARCH_MAX)
        limit = SEARCH_MAX;
    if (!q)
        q = "";
    rc = rec_check_text(q, 100, "q", err);
    if (rc)
        return rc;
    for (i = 0; q[i]; i++)
        digits &= q[i] >= '0' && q[i] <= '9';
    v = folio_arena_calloc(a, limit, sizeof *v);
    if (!v)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    fold = rec_fold(q);
    like = fold ? rec_like_prefix(fold) : NULL;
    if (!like) {
        free(fold);
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    }
    /* A name prefix matches the family or the given name; a digit string an NPI prefix. */
    rc = rec_prepare(c, &st, err,
                     "SELECT id, npi, family, given, credentials, resident FROM provider "
                     "WHERE ? = '' OR LOWER(COALESCE(family, '')) LIKE ? ESCAPE '\\' "
                     "OR LOWER(COALESCE(given, '')) LIKE ? ESCAPE '\\' "
                     "OR (? = 1 AND COALESCE(npi, '') LIKE ? ESCAPE '\\') "
                     "ORDER BY LOWER(COALESCE(family, '')), LOWER(COALESCE(given, '')), id "
                     "LIMIT ?",
                     "TTTiTi", q, like, like, (int64_t)(digits && q[0]), like, (int64_t)limit);
    while (rc == FOLIO_OK && *n < limit && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK &&
           row) {
        struct folio_provider_hit *h = &v[(*n)++];

        h->id = rec_col_i64(st, 0);
        h->npi = rec_col_str(a, st, 1, &oom);
        h->family = rec_col_str(a, st, 2, &oom);
        h->given = rec_col_str(a, st, 3, &oom);
        h->credentials = rec_col_str(a, st, 4, &oom);
        h->resident = rec_col_i64(st, 5) != 0;
    }
    folio_stmt_free(st);
    free(like);
    free(fold);
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    if (rc == FOLIO_OK)
        *out = v;
    else
        *n = 0;
    return rc;
}

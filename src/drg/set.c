/* A set of grouper versions, one picked per discharge date (folio/drg.h). */
#include "folio/base.h"
#include "folio/drg.h"

#include "drg/drg_int.h"

#define DRG_SET_MAX 64

struct folio_drg_set {
    struct folio_drg_version *v[DRG_SET_MAX];
    size_t n;
};

enum folio_rc folio_drg_set_new(struct folio_drg_set **out, struct folio_err *err)
{
    *out = calloc(1, sizeof **out);
    if (*out == NULL)
        return folio_err_set(err, FOLIO_ENOMEM, "drg", "out of memory");
    return FOLIO_OK;
}

enum folio_rc folio_drg_set_add(struct folio_drg_set *s, struct folio_drg_version *v,
                                struct folio_err *err)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i]->info.from == v->info.from) {
            enum folio_rc rc = folio_err_set(err, FOLIO_ECONFLICT, "drg",
                                             "grouper versions %s and %s both start on %ld",
                                             s->v[i]->info.name, v->info.name, (long)v->info.from);
            folio_drg_free(v);
            return rc;
        }
    if (s->n == DRG_SET_MAX) {
        folio_drg_free(v);
        return folio_err_set(err, FOLIO_ETOOBIG, "drg", "more than %d grouper versions",
                             DRG_SET_MAX);
    }
    s->v[s->n++] = v;
    return FOLIO_OK;
}

const struct folio_drg_version *folio_drg_set_pick(const struct folio_drg_set *s, int32_t date)
{
    const struct folio_drg_version *best = NULL;

    for (size_t i = 0; i < s->n; i++) {
        const struct folio_drg_version *v = s->v[i];
        if (v->info.from <= date && date <= v->info.to &&
            (best == NULL || v->info.from > best->info.from))
            best = v;
    }
    return best;
}

void folio_drg_set_free(struct folio_drg_set *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n; i++)
        folio_drg_free(s->v[i]);
    free(s);
}

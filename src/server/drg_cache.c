/* The server's MS-DRG tables: loaded once, shared read-only, freed by the last user
 * (drg_cache.h). */
#include "folio/base.h"

#include <math.h>
#include <pthread.h>

#include "server/drg_cache.h"

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct folio_drg_cache *cache_cur;
static struct folio_drg_cache *retired; /* replaced while held */

static void day_text(int32_t ymd, char out[11])
{
    (void)folio_snprintf(out, 11, "%04d-%02d-%02d", (int)(ymd / 10000), (int)(ymd / 100 % 100),
                         (int)(ymd % 100));
}

static enum folio_rc check_rates(const struct folio_drg_rates *r, struct folio_err *err)
{
    if (!(isfinite(r->base_rate) && r->base_rate > 0 && r->base_rate < 1e9))
        return folio_err_set(err, FOLIO_EINVAL, "base_rate",
                             "base rate must be a positive amount of dollars, not %g",
                             r->base_rate);
    if (!(isfinite(r->labor_share) && r->labor_share >= 0 && r->labor_share <= 1))
        return folio_err_set(err, FOLIO_EINVAL, "labor_share",
                             "labor share must be between 0 and 1, not %g", r->labor_share);
    if (!(isfinite(r->wage_index) && r->wage_index > 0 && r->wage_index < 100))
        return folio_err_set(err, FOLIO_EINVAL, "wage_index",
                             "wage index must be a positive number, not %g", r->wage_index);
    return FOLIO_OK;
}

enum folio_rc folio_drg_cache_load(const struct folio_drg_cache_opts *o,
                                   struct folio_drg_cache **out, struct folio_err *err)
{
    struct folio_drg_cache *c;
    struct folio_drg_version *v = NULL;
    struct folio_drg_table5 *t = NULL;
    enum folio_rc rc = FOLIO_OK;
    size_t i;

    *out = NULL;
    if (o->n_drg_dirs > FOLIO_DRG_CACHE_MAX)
        return folio_err_set(err, FOLIO_EINVAL, "drg", "at most %d grouper versions",
                             FOLIO_DRG_CACHE_MAX);
    if (o->n_table5 > FOLIO_DRG_CACHE_MAX)
        return folio_err_set(err, FOLIO_EINVAL, "table5", "at most %d Table 5 files",
                             FOLIO_DRG_CACHE_MAX);
    if (o->have_rates && (rc = check_rates(&o->rates, err)))
        return rc;
    c = calloc(1, sizeof *c);
    if (!c)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    c->have_rates = o->have_rates;
    c->rates = o->rates;
    c->fallback_newest = o->fallback_newest;
    if (o->n_drg_dirs)
        rc = folio_drg_set_new(&c->set, err);
    for (i = 0; !rc && i < o->n_drg_dirs; i++) {
        struct folio_drg_version_info info;

        rc = folio_drg_load(o->drg_dirs[i], &v, err);
        if (rc)
            break;
        folio_drg_version_info(v, &info);
        rc = folio_drg_set_add(c->set, v, err); /* takes v, also on failure */
        if (rc)
            break;
        c->versions[c->n_versions] = v;
        c->info[c->n_versions++] = info;
        if (!c->newest || info.from > c->newest_info.from) {
            c->newest = v;
            c->newest_info = info;
        }
        v = NULL;
    }
    if (!rc && o->n_table5)
        rc = folio_drg_table5_set_new(&c->t5, err);
    for (i = 0; !rc && i < o->n_table5; i++) {
        struct folio_drg_table5_info info;

        rc = folio_drg_table5_load(o->table5_files[i], NULL, &t, err);
        if (rc)
            break;
        folio_drg_table5_info(t, &info);
        rc = folio_drg_table5_set_add(c->t5, t, err); /* takes t, also on failure */
        if (rc)
            break;
        c->t5_info[c->n_t5++] = info;
        t = NULL;
    }
    if (rc) {
        folio_drg_cache_free(c);
        return rc;
    }
    *out = c;
    return FOLIO_OK;
}

void folio_drg_cache_free(struct folio_drg_cache *c)
{
    if (!c)
        return;
    folio_drg_set_free(c->set);
    folio_drg_table5_set_free(c->t5);
    free(c);
}

void folio_drg_cache_install(struct folio_drg_cache *c)
{
    struct folio_drg_cache *old;

    pthread_mutex_lock(&cache_mu);
    old = cache_cur;
    cache_cur = c;
    if (c)
        c->refs_ = 0;
    /* still in use: retired, freed by its last release */
    if (old && old->refs_ > 0) {
        old->next_ = retired;
        retired = old;
        old = NULL;
    }
    pthread_mutex_unlock(&cache_mu);
    folio_drg_cache_free(old);
}

const struct folio_drg_cache *folio_drg_cache_acquire(void)
{
    struct folio_drg_cache *c;

    pthread_mutex_lock(&cache_mu);
    c = cache_cur;
    if (c)
        c->refs_++;
    pthread_mutex_unlock(&cache_mu);
    return c;
}

void folio_drg_cache_release(const struct folio_drg_cache *c)
{
    struct folio_drg_cache *gone = NULL, **p;

    if (!c)
        return;
    pthread_mutex_lock(&cache_mu);
    if (c == cache_cur) {
        cache_cur->refs_--;
    } else {
        for (p = &retired; *p && *p != c; p = &(*p)->next_)
            ;
        if (*p && --(*p)->refs_ == 0) {
            gone = *p;
            *p = gone->next_;
        }
    }
    pthread_mutex_unlock(&cache_mu);
    folio_drg_cache_free(gone);
}

enum folio_rc folio_drg_cache_versions_text(const struct folio_drg_cache *c, struct folio_buf *b)
{
    enum folio_rc rc = FOLIO_OK;
    size_t i;

    for (i = 0; !rc && c && i < c->n_versions; i++) {
        char from[11], to[11];

        day_text(c->info[i].from, from);
        day_text(c->info[i].to, to);
        rc = folio_buf_appendf(b, "%sv%s (%s to %s)", i ? ", " : "", c->info[i].name, from, to);
    }
    return rc;
}

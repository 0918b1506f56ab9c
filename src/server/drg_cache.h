/* The server's MS-DRG tables: the grouper versions (folio/drg.h), the Table 5 files
 * (folio/drg_payment.h) and the hospital's payment rates, loaded once when `folio serve` starts
 * (src/cli/cmd_serve.c: --drg, --table5, --base-rate, --labor-share, --wage-index,
 * --drg-fallback) and shared read-only by every request (src/server/api_drg.c; docs/drg.md
 * "In the product").
 *
 * Life cycle: folio_drg_cache_load builds one from files (nothing is read from the database);
 * folio_drg_cache_install makes it the process's (the previous one is freed by its last user);
 * a request holds it from folio_drg_cache_acquire to folio_drg_cache_release. Nothing installed
 * (or a cache without grouper versions) = the DRG routes answer 409 "no MS-DRG tables loaded". */
#ifndef FOLIO_SERVER_DRG_CACHE_H
#define FOLIO_SERVER_DRG_CACHE_H

#include "folio/base.h"
#include "folio/drg.h"
#include "folio/drg_payment.h"

#define FOLIO_DRG_CACHE_MAX 16 /* grouper versions, and Table 5 files, per server */

struct folio_drg_cache_opts {
    const char *const *drg_dirs; /* directories of grouper versions (msdrg_vNNN_*.tsv) */
    size_t n_drg_dirs;
    const char *const *table5_files; /* Table 5 files (relative weights, GMLOS, AMLOS) */
    size_t n_table5;
    bool have_rates; /* rates below given: the DRG shows an expected payment */
    struct folio_drg_rates rates;
    bool fallback_newest; /* default for requests: group a stay no version covers with the
                             newest version (and price it with the Table 5 of that version's
                             first day), labelled as such */
};

struct folio_drg_cache {
    struct folio_drg_set *set; /* NULL when no version is loaded */
    size_t n_versions;
    const struct folio_drg_version *versions[FOLIO_DRG_CACHE_MAX]; /* borrowed from set */
    struct folio_drg_version_info info[FOLIO_DRG_CACHE_MAX];
    const struct folio_drg_version *newest; /* the one starting last */
    struct folio_drg_version_info newest_info;
    struct folio_drg_table5_set *t5; /* NULL when no Table 5 is loaded */
    size_t n_t5;
    struct folio_drg_table5_info t5_info[FOLIO_DRG_CACHE_MAX];
    bool have_rates;
    struct folio_drg_rates rates;
    bool fallback_newest;
    unsigned refs_;                /* private */
    struct folio_drg_cache *next_; /* private */
};

/* Loads every directory and file named in o. A missing or malformed one is its loader's error
 * (ENOTFOUND / EPARSE naming the path or file:line), two versions (or tables) starting the same
 * day ECONFLICT, more than FOLIO_DRG_CACHE_MAX EINVAL ("drg" / "table5"), rates out of range
 * EINVAL naming "base_rate", "labor_share" or "wage_index". Free with folio_drg_cache_free. */
enum folio_rc folio_drg_cache_load(const struct folio_drg_cache_opts *o,
                                   struct folio_drg_cache **out,
                                   struct folio_err *err) FOLIO_MUST_USE;
void folio_drg_cache_free(struct folio_drg_cache *c); /* NULL ok */

/* Makes c the process's cache (takes ownership; NULL uninstalls). The one it replaces is freed
 * now, or by the release of its last user. */
void folio_drg_cache_install(struct folio_drg_cache *c);
/* The installed cache with a hold on it, or NULL when none is installed. */
const struct folio_drg_cache *folio_drg_cache_acquire(void);
void folio_drg_cache_release(const struct folio_drg_cache *c); /* NULL ok */

/* "v43.1 (2026-04-01 to 2026-09-30), v43.0 (...)" of the loaded versions, into b. */
enum folio_rc folio_drg_cache_versions_text(const struct folio_drg_cache *c,
                                            struct folio_buf *b) FOLIO_MUST_USE;

#endif

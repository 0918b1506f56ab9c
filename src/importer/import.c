/* folio_import_synthea: picks the reader for the path, runs the whole import in one
 * transaction, commits (or rolls back for a dry run or on any error). */
#include "folio/base.h"
#include "folio/import.h"
#include "importer/import_int.h"

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

const char *folio_import_kind_name(enum folio_import_kind k)
{
    static const char *const names[FOLIO_IMPORT_KINDS] = {
        "facilities", "providers",  "patients",    "encounters",
        "conditions", "procedures", "observations"};
    return (unsigned)k < FOLIO_IMPORT_KINDS ? names[k] : "?";
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A folder of .json bundles, in name order. */
static enum folio_rc import_json_dir(struct imp_ctx *x, const char *dir, struct folio_err *err)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0, i;
    enum folio_rc rc = FOLIO_OK;

    if (!d)
        return folio_err_set(err, FOLIO_EIO, "path", "%s: cannot open: %s", dir, strerror(errno));
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' || !ends_with(de->d_name, ".json"))
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            char **nn = realloc(names, ncap * sizeof *nn);
            if (!nn) {
                rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
                goto out;
            }
            names = nn;
            cap = ncap;
        }
        names[n] = strdup(de->d_name);
        if (!names[n]) {
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
            goto out;
        }
        n++;
    }
    if (n == 0) {
        rc = folio_err_set(err, FOLIO_EUSAGE, "path",
                           "%s: neither a Synthea CSV folder (patients.csv) nor a folder of FHIR "
                           ".json bundles",
                           dir);
        goto out;
    }
    qsort(names, n, sizeof *names, cmp_str);
    for (i = 0; i < n && !rc; i++) {
        char path[4096];
        if (!folio_snprintf(path, sizeof path, "%s/%s", dir, names[i])) {
            rc = folio_err_set(err, FOLIO_EINVAL, "path", "path too long");
            break;
        }
        rc = imp_fhir_file(x, path, err);
    }
out:
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(d);
    return rc;
}

enum folio_rc folio_import_synthea(const struct folio_chart *chart, const char *path,
                                   const struct folio_import_opts *opts,
                                   struct folio_import_stats *stats, struct folio_err *err)
{
    struct imp_ctx x = {0};
    struct stat st;
    char probe[4096];
    enum folio_rc rc;

    memset(stats, 0, sizeof *stats);
    stats->dry_run = opts && opts->dry_run;
    x.chart = chart;
    x.opts = opts;
    x.stats = stats;
    if (stat(path, &st) != 0)
        return folio_err_set(err, errno == ENOENT ? FOLIO_ENOTFOUND : FOLIO_EIO, "path",
                             "%s: %s", path, strerror(errno));
    rc = folio_store_begin(chart->store, err);
    if (rc)
        return rc;
    if (S_ISDIR(st.st_mode)) {
        if (folio_snprintf(probe, sizeof probe, "%s/patients.csv", path) &&
            stat(probe, &st) == 0)
            rc = imp_csv_folder(&x, path, err);
        else
            rc = import_json_dir(&x, path, err);
    } else if (ends_with(path, ".json")) {
        rc = imp_fhir_file(&x, path, err);
    } else {
        rc = folio_err_set(err, FOLIO_EUSAGE, "path",
                           "%s: not a Synthea CSV folder, a .json bundle or a folder of them",
                           path);
    }
    if (rc || stats->dry_run)
        folio_store_rollback(chart->store);
    else
        rc = folio_store_commit(chart->store, err);
    if (!rc)
        imp_progress(&x, "", 0);
    imp_map_release(&x.facilities);
    imp_map_release(&x.providers);
    imp_map_release(&x.patients);
    imp_map_release(&x.encounters);
    imp_map_release(&x.refs);
    return rc;
}

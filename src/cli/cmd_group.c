/* folio group [FILE]: the MS-DRG grouper (and the MCE) over claims in the cases.tsv format,
 * writing the columns of msdrg-v431/expected.tsv (folio/drg.h, docs/drg.md). Pure: no database
 * is opened. */
#include "folio/base.h"
#include "folio/drg.h"
#include "folio/edits.h"

#include <errno.h>

#include "cli/cli.h"
#include "cli/cli_util.h"

#define DRG_SUBDIR         CLI_DRG_SUBDIR
#define MCE_SUBDIR         CLI_MCE_SUBDIR
#define GROUP_DEFAULT_DATE "2026-04-15"
#define GROUP_DEFAULT_LOS  5

static const char usage[] =
    "usage: folio group [FILE] [--drg DIR] [--mce DIR] [--no-mce] [--discharge-date YYYY-MM-DD]\n"
    "                   [--los DAYS]\n"
    "\n"
    "Groups claims in the tab-separated format of msdrg-v431/cases.tsv (header: id age sex\n"
    "discharge_status pdx pdx_poa sdx procedures), read from FILE or, without FILE (or with -),\n"
    "from standard input, with the MS-DRG grouper and the Medicare Code Editor. Writes the\n"
    "columns of msdrg-v431/expected.tsv, tab-separated, with a header: id mdc drg med_surg\n"
    "final_severity grc sdx_severity hacs mce_edits initial_drg hac_status mce_edit_type\n"
    "mce_code_edits sdx_initial_severity.\n"
    "\n"
    "  --drg DIR             the grouper tables, msdrg_vNNN_*.tsv (default\n"
    "                        $FOLIO_SHARED/" DRG_SUBDIR ", then ../shared/" DRG_SUBDIR ")\n"
    "  --mce DIR             the MCE tables (default $FOLIO_SHARED/" MCE_SUBDIR ",\n"
    "                        then ../shared/" MCE_SUBDIR ")\n"
    "  --no-mce              leave the three mce_ columns empty (no MCE tables needed)\n"
    "  --discharge-date D    picks the grouper version and dates the MCE "
    "(default " GROUP_DEFAULT_DATE ",\n"
    "                        the date of the CMS reference run)\n"
    "  --los DAYS            length of stay for the MCE (default 5)\n"
    "\n"
    "A malformed line stops the run: rows before it are written, and the error names the line,\n"
    "the column and the value (exit code 2). See docs/drg.md.\n";

/* --opt, else $FOLIO_SHARED/SUBDIR, else ../shared/SUBDIR. */
static enum folio_rc find_dir(struct folio_cli *cli, const char *what, const char *opt,
                              const char *subdir, bool (*has)(const char *), char *out, size_t cap)
{
    char tried[4200];

    if (opt) {
        (void)folio_strlcpy(out, opt, cap); /* the loader names what is missing */
        return FOLIO_OK;
    }
    if (cli_shared_dir(subdir, has, out, cap, tried, sizeof tried))
        return FOLIO_OK;
    return folio_err_set(&cli->err, FOLIO_ENOTFOUND, what,
                         "%s tables not found (looked in %s): give --%s DIR or set FOLIO_SHARED",
                         what, tried, what);
}

int cmd_group(struct folio_cli *cli, int argc, char **argv)
{
    const char *drg_opt = NULL, *mce_opt = NULL, *date_opt = GROUP_DEFAULT_DATE;
    int64_t los = GROUP_DEFAULT_LOS;
    bool help = false, no_mce = false, have = true;
    const struct cli_opt opts[] = {
        {"drg", CLI_OPT_STR, &drg_opt},    {"mce", CLI_OPT_STR, &mce_opt},
        {"no-mce", CLI_OPT_FLAG, &no_mce}, {"discharge-date", CLI_OPT_STR, &date_opt},
        {"los", CLI_OPT_I64, &los},
    };
    struct cli_args args;
    char drg_dir[4096], mce_dir[4096];
    const char *path = NULL;
    int32_t date = 0;
    FILE *in = NULL;
    struct folio_drg_set *set = NULL;
    struct folio_drg_version *ver = NULL;
    const struct folio_drg_version *v;
    struct folio_mce *mce = NULL;
    struct folio_claim_reader *rd = NULL;
    struct folio_claim *claim = NULL;
    struct folio_mce_result *mres = NULL;
    struct folio_drg_result *res = NULL;
    struct folio_buf row;
    enum folio_rc rc;

    folio_buf_init(&row, 1024 * 1024);
    rc = cli_parse(cli, "group", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 1, &args, &help);
    if (rc)
        goto out;
    if (help) {
        fputs(usage, stdout);
        goto out;
    }
    if (los > 100000) {
        rc = cli_usage(cli, "group: --los is out of range: %lld", (long long)los);
        goto out;
    }
    rc = cli_parse_day(cli, "group", date_opt, &date);
    if (rc)
        goto out;
    rc = find_dir(cli, "drg", drg_opt, DRG_SUBDIR, cli_has_drg, drg_dir, sizeof drg_dir);
    if (rc == FOLIO_OK && !no_mce)
        rc = find_dir(cli, "mce", mce_opt, MCE_SUBDIR, cli_has_mce, mce_dir, sizeof mce_dir);
    if (rc)
        goto out;
    if (args.npos == 1 && strcmp(args.pos[0], "-") != 0)
        path = args.pos[0];
    if (path) {
        in = fopen(path, "rb");
        if (in == NULL) {
            int e = errno;
            rc = folio_err_set(&cli->err, e == ENOENT ? FOLIO_ENOTFOUND : FOLIO_EIO, NULL,
                               "cannot open %s: %s", path, strerror(e));
            goto out;
        }
    }
    rc = folio_drg_set_new(&set, &cli->err);
    if (rc == FOLIO_OK)
        rc = folio_drg_load(drg_dir, &ver, &cli->err);
    if (rc == FOLIO_OK) {
        rc = folio_drg_set_add(set, ver, &cli->err);
        ver = NULL;
    }
    if (rc)
        goto out;
    v = folio_drg_set_pick(set, date);
    if (v == NULL) {
        rc = folio_err_set(&cli->err, FOLIO_EINVAL, "discharge_date",
                           "no grouper version in %s covers the discharge date %s", drg_dir,
                           date_opt);
        goto out;
    }
    if (!no_mce) {
        rc = folio_mce_load(mce_dir, &mce, &cli->err);
        if (rc)
            goto out;
    }
    claim = malloc(sizeof *claim);
    mres = malloc(sizeof *mres);
    res = malloc(sizeof *res);
    if (claim == NULL || mres == NULL || res == NULL) {
        rc = folio_err_set(&cli->err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    rc = folio_claim_reader_open(path ? in : stdin, path ? path : "stdin", &rd, &cli->err);
    if (rc)
        goto out;
    fputs(FOLIO_DRG_TSV_HEADER "\n", stdout);
    for (;;) {
        rc = folio_claim_reader_next(rd, claim, &have, &cli->err);
        if (rc || !have)
            break;
        if (mce)
            rc = folio_mce_edit(mce, claim, date, (int)los, mres, &cli->err);
        if (rc == FOLIO_OK)
            rc = folio_drg_group(v, claim, res, &cli->err);
        if (rc)
            break;
        folio_buf_reset(&row);
        rc = folio_drg_format_row(claim, res, mce ? mres : NULL, &row);
        if (rc == FOLIO_OK)
            rc = folio_buf_append_ch(&row, '\n');
        if (rc) {
            rc = folio_err_set(&cli->err, rc, NULL, "cannot format the grouping of claim %s",
                               claim->id);
            break;
        }
        if (fwrite(row.data, 1, row.len, stdout) != row.len) {
            rc = folio_err_set(&cli->err, FOLIO_EIO, NULL, "cannot write to standard output: %s",
                               strerror(errno));
            break;
        }
    }
out:
    folio_claim_reader_free(rd);
    folio_drg_set_free(set);
    folio_drg_free(ver);
    folio_mce_free(mce);
    free(claim);
    free(mres);
    free(res);
    folio_buf_release(&row);
    if (in)
        fclose(in);
    return (int)rc;
}

/* folio edit [FILE]: the Medicare Code Editor over claims in the cases.tsv format (folio/edits.h,
 * docs/edits.md). Pure: no database is opened. */
#include "folio/base.h"
#include "folio/edits.h"

#include <errno.h>

#include "cli/cli.h"
#include "cli/cli_util.h"

#define MCE_SUBDIR        CLI_MCE_SUBDIR
#define EDIT_DEFAULT_DATE "2026-04-15"
#define EDIT_DEFAULT_LOS  5

static const char usage[] =
    "usage: folio edit [FILE] [--mce DIR] [--discharge-date YYYY-MM-DD] [--los DAYS] [--type]\n"
    "\n"
    "Runs the Medicare Code Editor (MCE 43.1 tables) on claims in the tab-separated format of\n"
    "msdrg-v431/cases.tsv (header: id age sex discharge_status pdx pdx_poa sdx procedures),\n"
    "read from FILE or, without FILE (or with -), from standard input. Writes one row per claim:\n"
    "id, mce_edits, mce_code_edits (and mce_edit_type with --type), tab-separated, with a header.\n"
    "\n"
    "  --mce DIR             the MCE tables (default $FOLIO_SHARED/" MCE_SUBDIR ",\n"
    "                        then ../shared/" MCE_SUBDIR ")\n"
    "  --discharge-date D    codes, age ranges and statuses are taken as of D\n"
    "                        (default " EDIT_DEFAULT_DATE ", the date of the CMS reference run)\n"
    "  --los DAYS            length of stay (default 5)\n"
    "\n"
    "A malformed line stops the run: rows before it are written, and the error names the line,\n"
    "the column and the value (exit code 2). See docs/edits.md.\n";

/* --mce, else $FOLIO_SHARED/data/codesets/mce-v431, else ../shared/data/codesets/mce-v431. */
static enum folio_rc find_tables(struct folio_cli *cli, const char *opt, char *out, size_t cap)
{
    char tried[4200];

    if (opt) {
        if (!cli_has_mce(opt))
            return folio_err_set(&cli->err, FOLIO_ENOTFOUND, "mce",
                                 "no MCE tables in %s (mce_i10_dx_master.tsv missing)", opt);
        (void)folio_strlcpy(out, opt, cap);
        return FOLIO_OK;
    }
    if (cli_shared_dir(MCE_SUBDIR, cli_has_mce, out, cap, tried, sizeof tried))
        return FOLIO_OK;
    return folio_err_set(&cli->err, FOLIO_ENOTFOUND, "mce",
                         "MCE tables not found (looked in %s): give --mce DIR or set FOLIO_SHARED",
                         tried);
}

int cmd_edit(struct folio_cli *cli, int argc, char **argv)
{
    const char *mce_opt = NULL, *date_opt = EDIT_DEFAULT_DATE;
    int64_t los = EDIT_DEFAULT_LOS;
    bool help = false, with_type = false, have = true;
    const struct cli_opt opts[] = {
        {"mce", CLI_OPT_STR, &mce_opt},
        {"discharge-date", CLI_OPT_STR, &date_opt},
        {"los", CLI_OPT_I64, &los},
        {"type", CLI_OPT_FLAG, &with_type},
    };
    struct cli_args args;
    char dir[4096];
    const char *path = NULL;
    int32_t date = 0;
    FILE *in = NULL;
    struct folio_mce *mce = NULL;
    struct folio_claim_reader *rd = NULL;
    struct folio_claim *claim = NULL;
    struct folio_mce_result *res = NULL;
    struct folio_buf row;
    enum folio_rc rc;

    folio_buf_init(&row, 1024 * 1024);
    rc = cli_parse(cli, "edit", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 1, &args, &help);
    if (rc)
        goto out;
    if (help) {
        fputs(usage, stdout);
        goto out;
    }
    if (los > 100000) {
        rc = cli_usage(cli, "edit: --los is out of range: %lld", (long long)los);
        goto out;
    }
    rc = cli_parse_day(cli, "edit", date_opt, &date);
    if (rc)
        goto out;
    rc = find_tables(cli, mce_opt, dir, sizeof dir);
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
    rc = folio_mce_load(dir, &mce, &cli->err);
    if (rc)
        goto out;
    claim = malloc(sizeof *claim);
    res = malloc(sizeof *res);
    if (claim == NULL || res == NULL) {
        rc = folio_err_set(&cli->err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    rc = folio_claim_reader_open(path ? in : stdin, path ? path : "stdin", &rd, &cli->err);
    if (rc)
        goto out;
    fputs(with_type ? "id\tmce_edits\tmce_code_edits\tmce_edit_type\n"
                    : "id\tmce_edits\tmce_code_edits\n",
          stdout);
    for (;;) {
        rc = folio_claim_reader_next(rd, claim, &have, &cli->err);
        if (rc || !have)
            break;
        rc = folio_mce_edit(mce, claim, date, (int)los, res, &cli->err);
        if (rc)
            break;
        folio_buf_reset(&row);
        rc = folio_buf_append_str(&row, claim->id);
        if (!rc)
            rc = folio_buf_append_ch(&row, '\t');
        if (!rc)
            rc = folio_mce_format_edits(res, &row);
        if (!rc)
            rc = folio_buf_append_ch(&row, '\t');
        if (!rc)
            rc = folio_mce_format_code_edits(res, &row);
        if (!rc && with_type)
            rc = folio_buf_appendf(&row, "\t%s", folio_mce_edit_type_name(res->type));
        if (!rc)
            rc = folio_buf_append_ch(&row, '\n');
        if (rc) {
            rc = folio_err_set(&cli->err, rc, NULL, "cannot format the edits of claim %s",
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
    folio_mce_free(mce);
    free(claim);
    free(res);
    folio_buf_release(&row);
    if (in)
        fclose(in);
    return (int)rc;
}

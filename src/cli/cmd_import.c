/* folio import synthea PATH [--dry-run]: the face of src/importer (folio/import.h). */
#include "folio/base.h"
#include "folio/import.h"

#include "cli/cli.h"
#include "cli/cli_util.h"
#include "folio/audit.h"

static const char usage[] =
    "usage: folio import synthea PATH [--dry-run]\n"
    "\n"
    "Imports Synthea output into the chart: PATH is a Synthea CSV folder (with patients.csv),\n"
    "a FHIR R4 transaction bundle (.json) or a folder of .json bundles. The whole import is\n"
    "one transaction: a malformed row stops it with an error naming file, line, field and\n"
    "value, and nothing is written. Rows already imported (same Synthea ids) are counted as\n"
    "present and not added again. --dry-run does everything, then rolls back.\n"
    "See docs/import.md.\n";

struct progress {
    const struct folio_cli *cli;
    char last[256];
};

static void on_progress(void *ctx, const char *what, int64_t done)
{
    struct progress *p = ctx;
    size_t wl = strlen(what);
    if (what[0] == '\0')
        return;
    /* Synthea names FHIR bundles Given_Family_uuid.json: keep patient names off stderr */
    if (wl > 5 && strcmp(what + wl - 5, ".json") == 0)
        what = "FHIR bundle";
    /* one line per file: only the final count of a file is printed when the file changes */
    if (strcmp(p->last, what) != 0) {
        (void)folio_strlcpy(p->last, what, sizeof p->last);
        cli_note(p->cli, "import: reading %s", what);
    } else if (done % 5000 == 0) {
        cli_note(p->cli, "import: %s: %lld records", what, (long long)done);
    }
}

static enum folio_rc print_json(struct folio_cli *cli, const char *path,
                                const struct folio_import_stats *s)
{
    json_t *o = json_object(), *kinds = json_object(), *skipped = json_object();
    size_t i;

    if (!o || !kinds || !skipped) {
        json_decref(o);
        json_decref(kinds);
        json_decref(skipped);
        return folio_err_set(&cli->err, FOLIO_ENOMEM, NULL, "out of memory");
    }
    json_object_set_new(o, "source", json_string(path));
    json_object_set_new(o, "dry_run", json_boolean(s->dry_run));
    json_object_set_new(o, "files", json_integer(s->files));
    for (i = 0; i < FOLIO_IMPORT_KINDS; i++)
        json_object_set_new(kinds, folio_import_kind_name((enum folio_import_kind)i),
                            json_pack("{s:I, s:I}", "added", (json_int_t)s->added[i], "present",
                                      (json_int_t)s->present[i]));
    json_object_set_new(o, "counts", kinds);
    for (i = 0; i < s->n_skipped; i++)
        json_object_set_new(skipped, s->skipped[i].type, json_integer(s->skipped[i].n));
    if (s->skipped_other)
        json_object_set_new(skipped, "(other)", json_integer(s->skipped_other));
    json_object_set_new(o, "skipped", skipped);
    json_object_set_new(o, "unlinked", json_integer(s->unlinked));
    json_object_set_new(o, "dropped_identifiers", json_integer(s->dropped_ids));
    return cli_json_print(cli, o);
}

static enum folio_rc print_table(const struct folio_import_stats *s)
{
    static const char *const head[] = {"kind", "added", "present"};
    struct cli_table t;
    enum folio_rc rc = FOLIO_OK;
    size_t i;

    cli_table_init(&t, 3, head);
    for (i = 0; i < FOLIO_IMPORT_KINDS && !rc; i++) {
        char a[32], p[32];
        const char *cells[3];
        (void)folio_snprintf(a, sizeof a, "%lld", (long long)s->added[i]);
        (void)folio_snprintf(p, sizeof p, "%lld", (long long)s->present[i]);
        cells[0] = folio_import_kind_name((enum folio_import_kind)i);
        cells[1] = a;
        cells[2] = p;
        rc = cli_table_add(&t, cells);
    }
    for (i = 0; i < s->n_skipped && !rc; i++) {
        char name[80], n[32];
        const char *cells[3];
        (void)folio_snprintf(name, sizeof name, "skipped %s", s->skipped[i].type);
        (void)folio_snprintf(n, sizeof n, "%lld", (long long)s->skipped[i].n);
        cells[0] = name;
        cells[1] = n;
        cells[2] = NULL;
        rc = cli_table_add(&t, cells);
    }
    if (!rc)
        cli_table_print(&t, stdout);
    cli_table_release(&t);
    if (s->unlinked)
        printf("%lld rows kept without an encounter (the source has no encounters.csv)\n",
               (long long)s->unlinked);
    if (s->dropped_ids)
        printf("%lld SSN/driver's license/passport numbers left out: already held by another "
               "patient\n",
               (long long)s->dropped_ids);
    if (s->dry_run)
        printf("dry run: nothing was written\n");
    return rc ? FOLIO_ENOMEM : FOLIO_OK;
}

int cmd_import(struct folio_cli *cli, int argc, char **argv)
{
    bool dry_run = false, help = false;
    const struct cli_opt opts[] = {{"dry-run", CLI_OPT_FLAG, &dry_run}};
    struct cli_args args;
    struct folio_import_stats stats;
    struct folio_import_opts io = {0};
    struct progress prog = {0};
    struct folio_chart chart;
    char detail[600];
    bool in_tx = false;
    enum folio_rc rc;

    rc = cli_parse(cli, "import", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 2, &args, &help);
    if (rc)
        goto out;
    if (help) {
        fputs(usage, stdout);
        goto out;
    }
    if (args.npos != 2 || strcmp(args.pos[0], "synthea") != 0) {
        rc = cli_usage(cli, "usage: folio import synthea PATH [--dry-run]");
        goto out;
    }
    rc = folio_cli_load_key(cli, false);
    if (!rc)
        rc = folio_cli_open_store(cli);
    if (rc)
        goto out;
    chart.store = cli->store;
    chart.key = &cli->key;
    chart.actor = cli->actor;
    prog.cli = cli;
    io.dry_run = dry_run;
    io.progress = cli->quiet ? NULL : on_progress;
    io.progress_ctx = &prog;
    /* the import and its audit entry: one transaction (the import's own is nested in it) */
    rc = folio_store_begin(cli->store, &cli->err);
    if (rc)
        goto out;
    in_tx = true;
    rc = folio_import_synthea(&chart, args.pos[1], &io, &stats, &cli->err);
    if (rc)
        goto out;
    (void)folio_snprintf(detail, sizeof(detail), "synthea %s%s", args.pos[1],
                         dry_run ? " (dry run)" : "");
    rc = cli_audit(cli, "import.run", 0, NULL, 0, detail);
    if (!rc)
        rc = folio_store_commit(cli->store, &cli->err);
    if (rc)
        goto out;
    in_tx = false;
    rc = cli->json ? print_json(cli, args.pos[1], &stats) : print_table(&stats);
out:
    if (in_tx)
        folio_store_rollback(cli->store);
    return rc;
}

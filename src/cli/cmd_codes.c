/* folio codes load KIND PATH | list | show CODE  (docs/codesets.md)
 * Code-set versions from the official release files (folio/codes.h). */
#include "folio/base.h"

#include "cli/cli.h"
#include "cli/cli_chart.h"
#include "cli/cli_util.h"
#include "folio/codes.h"

static const char usage[] =
    "usage: folio codes load KIND PATH [--fy YEAR] [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n"
    "       folio codes list                  loaded versions with counts\n"
    "       folio codes show CODE [--system icd10cm|icd10pcs|hcpcs|cpt] [--on YYYY-MM-DD]\n"
    "\n"
    "KIND: icd10cm-order, icd10cm-tabular, icd10cm-index, icd10cm-valid, icd10pcs-tables,\n"
    "      icd10pcs-order, icd10pcs-definitions, hcpcs (ANWEB .xlsx or .txt), mce (the\n"
    "      directory of MCE tables), cpt (your licensed CSV). Which file of each release to\n"
    "      give, and where CMS/CDC publish it: docs/codesets.md.\n"
    "A mid-year (April) or quarterly file is an update of the version in force on its start\n"
    "date; loading the same release again changes nothing.\n";

static json_t *json_version(const struct folio_codeset_version *v)
{
    json_t *o = json_object();
    int bad = !o;
    if (bad)
        return NULL;
    bad |= cli_jset_int(o, "id", v->id);
    bad |= cli_jset_str(o, "kind", v->kind);
    bad |= cli_jset_str(o, "system", v->system ? folio_code_system_name(v->system) : "mce");
    bad |= cli_jset_int(o, "fiscal_year", v->fiscal_year);
    bad |= cli_jset_str(o, "label", v->label);
    bad |= cli_jset_str(o, "effective_from", v->effective_from);
    bad |= cli_jset_str(o, "effective_to", v->effective_to);
    bad |= cli_jset_id(o, "update_of", v->update_of);
    bad |= cli_jset_str(o, "source_name", v->source_name);
    bad |= cli_jset_str(o, "sha256", v->sha256);
    bad |= cli_jset_str(o, "loaded_at", v->loaded_at);
    bad |= cli_jset_str(o, "loaded_by", v->loaded_by);
    bad |= cli_jset_int(o, "records", v->n_records);
    bad |= cli_jset_int(o, "codes_written", v->n_codes);
    bad |= cli_jset_int(o, "billable", v->n_billable);
    bad |= cli_jset_int(o, "notes", v->n_notes);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int codes_load(struct folio_cli *cli, int argc, char **argv)
{
    struct cli_args args;
    const char *from = NULL, *to = NULL;
    int64_t fy = 0;
    struct cli_opt opts[] = {{"fy", CLI_OPT_I64, &fy},
                             {"from", CLI_OPT_STR, &from},
                             {"to", CLI_OPT_STR, &to}};
    struct folio_codes_load_opts lo = {0};
    struct folio_codes_load_result res;
    enum folio_rc rc = cli_parse(cli, "codes load", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 2,
                                 &args, NULL);
    if (rc)
        return rc;
    if (args.npos != 2)
        return cli_usage(cli, "codes load: give KIND and PATH");
    if ((rc = folio_codes_load_kind_parse(args.pos[0], &lo.kind, &cli->err)))
        return rc;
    if (fy > 9998)
        return cli_usage(cli, "codes load: --fy %lld is not a year", (long long)fy);
    lo.path = args.pos[1];
    lo.fiscal_year = (int)fy;
    lo.effective_from = from;
    lo.effective_to = to;
    lo.loaded_by = cli->actor;
    if ((rc = folio_cli_open_store(cli)))
        return rc;
    rc = folio_codes_load(cli->store, &lo, &res, &cli->err);
    if (rc)
        return rc;
    if (cli->json) {
        json_t *o = json_version(&res.version);
        if (!o || cli_jset(o, "already_loaded", json_boolean(res.already_loaded)) ||
            cli_jset(o, "is_update", json_boolean(res.is_update)) ||
            cli_jset_int(o, "added", res.n_added) || cli_jset_int(o, "changed", res.n_changed) ||
            cli_jset_int(o, "unchanged", res.n_unchanged) ||
            cli_jset(o, "seconds", json_real(res.seconds))) {
            json_decref(o);
            return folio_err_set(&cli->err, FOLIO_ENOMEM, NULL, "out of memory");
        }
        return cli_json_print(cli, o);
    }
    if (res.already_loaded) {
        printf("already loaded: version %lld %s (%s, %s), nothing changed\n",
               (long long)res.version.id, res.version.label, res.version.kind,
               res.version.source_name);
        return FOLIO_OK;
    }
    printf("loaded version %lld %s %s %s..%s%s: %lld records, %lld codes added, %lld changed, "
           "%lld unchanged, %lld notes/rows, %.2f s\n",
           (long long)res.version.id, res.version.kind, res.version.label,
           res.version.effective_from, res.version.effective_to[0] ? res.version.effective_to : "",
           res.is_update ? " (update)" : "", (long long)res.version.n_records,
           (long long)res.n_added, (long long)res.n_changed, (long long)res.n_unchanged,
           (long long)res.version.n_notes, res.seconds);
    return FOLIO_OK;
}

static int codes_list(struct folio_cli *cli, int argc, char **argv)
{
    struct cli_args args;
    struct folio_arena a;
    struct folio_codeset_version *v = NULL;
    size_t n = 0, i;
    enum folio_rc rc = cli_parse(cli, "codes list", argc, argv, 1, NULL, 0, 0, &args, NULL);
    if (rc)
        return rc;
    if ((rc = folio_cli_open_store(cli)))
        return rc;
    folio_arena_init(&a, 0);
    if ((rc = folio_codes_versions(cli->store, &a, &v, &n, &cli->err)))
        goto out;
    if (cli->json) {
        json_t *arr = json_array();
        for (i = 0; arr && i < n; i++) {
            json_t *o = json_version(&v[i]);
            if (!o || json_array_append_new(arr, o)) {
                json_decref(arr);
                arr = NULL;
            }
        }
        if (!arr)
            rc = folio_err_set(&cli->err, FOLIO_ENOMEM, NULL, "out of memory");
        else
            rc = cli_json_print(cli, arr);
        goto out;
    } else {
        static const char *const head[] = {"ID",      "SYSTEM",  "KIND",   "LABEL",
                                           "FROM",    "TO",      "RECORDS", "CODES",
                                           "BILLABLE", "NOTES",  "FILE"};
        struct cli_table t;
        cli_table_init(&t, FOLIO_ARRAY_LEN(head), head);
        for (i = 0; i < n && !rc; i++) {
            char id[24], nr[24], nc[24], nb[24], nn[24];
            const char *cells[11];
            folio_snprintf(id, sizeof(id), "%lld", (long long)v[i].id);
            folio_snprintf(nr, sizeof(nr), "%lld", (long long)v[i].n_records);
            folio_snprintf(nc, sizeof(nc), "%lld", (long long)v[i].n_codes);
            folio_snprintf(nb, sizeof(nb), "%lld", (long long)v[i].n_billable);
            folio_snprintf(nn, sizeof(nn), "%lld", (long long)v[i].n_notes);
            cells[0] = id;
            cells[1] = v[i].system ? folio_code_system_name(v[i].system) : "mce";
            cells[2] = v[i].kind;
            cells[3] = v[i].label;
            cells[4] = v[i].effective_from;
            cells[5] = v[i].effective_to[0] ? v[i].effective_to : "open";
            cells[6] = nr;
            cells[7] = nc;
            cells[8] = nb;
            cells[9] = nn;
            cells[10] = v[i].source_name;
            if (cli_table_add(&t, cells))
                rc = folio_err_set(&cli->err, FOLIO_ENOMEM, NULL, "out of memory");
        }
        if (!rc) {
            if (n == 0)
                printf("no code sets loaded (folio codes load KIND PATH)\n");
            else
                cli_table_print(&t, stdout);
        }
        cli_table_release(&t);
    }
out:
    folio_arena_release(&a);
    return rc;
}

static int codes_show(struct folio_cli *cli, int argc, char **argv)
{
    struct cli_args args;
    const char *sys = "icd10cm", *on = NULL;
    struct cli_opt opts[] = {{"system", CLI_OPT_STR, &sys}, {"on", CLI_OPT_STR, &on}};
    enum folio_code_system cs;
    struct folio_arena a;
    struct folio_code *c = NULL, *kids = NULL;
    struct folio_code_note *notes = NULL;
    size_t nn = 0, nk = 0, i;
    char dotted[24];
    enum folio_rc rc = cli_parse(cli, "codes show", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 1,
                                 &args, NULL);
    if (rc)
        return rc;
    if (args.npos != 1)
        return cli_usage(cli, "codes show: give a CODE");
    if ((rc = folio_code_system_parse(sys, &cs, &cli->err)))
        return rc;
    if ((rc = folio_cli_open_store(cli)))
        return rc;
    folio_arena_init(&a, 0);
    if ((rc = folio_codes_get(cli->store, cs, args.pos[0], on, &a, &c, &cli->err)) ||
        (rc = folio_codes_notes(cli->store, c, true, &a, &notes, &nn, &cli->err)) ||
        (rc = folio_codes_children(cli->store, cs, c->code, on, &a, &kids, &nk, &cli->err)))
        goto out;
    folio_codes_dotted(cs, c->code, dotted, sizeof(dotted));
    cli_kv(stdout, "code", dotted);
    cli_kv(stdout, "title", folio_code_display_title(c));
    cli_kv(stdout, "short title", c->short_title);
    cli_kv(stdout, "kind", folio_code_kind_name(c->kind));
    cli_kv(stdout, "billable", c->billable ? "yes" : "no (header)");
    cli_kv(stdout, "parent", c->parent);
    cli_kv(stdout, "effective", c->effective_from);
    cli_kv(stdout, "until", c->effective_to[0] ? c->effective_to : "open");
    for (i = 0; i < nn; i++)
        printf("  %s%s%s%s [%s]: %s\n", folio_note_type_name(notes[i].type),
               notes[i].extension[0] ? " " : "", notes[i].extension,
               strcmp(notes[i].from_code, c->code) ? " (inherited)" : "", notes[i].from_code,
               notes[i].text);
    for (i = 0; i < nk; i++) {
        folio_codes_dotted(cs, kids[i].code, dotted, sizeof(dotted));
        printf("  > %-10s %s\n", dotted, folio_code_display_title(&kids[i]));
    }
out:
    folio_arena_release(&a);
    return rc;
}

int cmd_codes(struct folio_cli *cli, int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        fputs(usage, stdout);
        return argc < 2 ? (int)cli_usage(cli, "codes: give a subcommand") : (int)FOLIO_OK;
    }
    if (!strcmp(argv[1], "load"))
        return codes_load(cli, argc - 1, argv + 1);
    if (!strcmp(argv[1], "list"))
        return codes_list(cli, argc - 1, argv + 1);
    if (!strcmp(argv[1], "show"))
        return codes_show(cli, argc - 1, argv + 1);
    return cli_usage(cli, "codes: unknown subcommand '%s' (load, list, show)", argv[1]);
}

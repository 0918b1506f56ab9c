/* folio provider resident (--npi NPI | --id N) on|off: marks a provider a resident (house staff),
 * whose notes need a co-signature where the completeness rules say "cosign residents"
 * (folio/completeness.h, docs/completeness.md, docs/cli.md). */
#include "folio/base.h"
#include "folio/completeness.h"
#include "folio/records.h"

#include "cli/cli.h"
#include "cli/cli_chart.h"
#include "cli/cli_util.h"

static const char provider_usage[] =
    "usage: folio provider resident (--npi NPI | --id N) on|off\n"
    "\n"
    "resident   mark the provider a resident (on) or not (off): where a completeness rule\n"
    "           says 'cosign residents', the notes of residents need a co-signature\n"
    "           (docs/completeness.md)\n";

static enum folio_rc provider_resident(struct folio_cli *cli, int argc, char **argv)
{
    const char *npi = NULL;
    int64_t id = 0;
    const struct cli_opt opts[] = {{"npi", CLI_OPT_STR, &npi}, {"id", CLI_OPT_I64, &id}};
    struct cli_args args;
    struct folio_chart chart;
    bool on, changed = false;
    enum folio_rc rc;

    rc = cli_parse(cli, "provider resident", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 1, &args,
                   NULL);
    if (rc)
        return rc;
    if ((npi != NULL) == (id != 0))
        return cli_usage(cli, "provider resident: give exactly one of --npi NPI and --id N");
    if (args.npos != 1 || (strcmp(args.pos[0], "on") != 0 && strcmp(args.pos[0], "off") != 0))
        return cli_usage(cli, "provider resident: say 'on' or 'off'");
    on = strcmp(args.pos[0], "on") == 0;
    if (npi && !folio_npi_valid(npi))
        return folio_err_set(&cli->err, FOLIO_EINVAL, "npi",
                             "'%s' is not a valid NPI (10 digits with the check digit)", npi);
    rc = folio_cli_open_store(cli);
    if (rc)
        return rc;
    chart = (struct folio_chart){cli->store, NULL, cli->actor};
    if (npi)
        rc = folio_provider_find_npi(&chart, npi, &id, &cli->err);
    if (rc == FOLIO_OK)
        rc = folio_store_begin(cli->store, &cli->err);
    if (rc)
        return rc;
    rc = folio_completeness_set_resident(cli->store, id, on, cli->actor, &changed, &cli->err);
    if (rc == FOLIO_OK)
        rc = cli_audit(cli, "provider.update", 0, "provider", id, on ? "resident on" : "resident off");
    if (rc == FOLIO_OK)
        rc = folio_store_commit(cli->store, &cli->err);
    if (rc) {
        folio_store_rollback(cli->store);
        return rc;
    }
    if (cli->json) {
        json_t *o = json_object();
        if (o && (cli_jset_int(o, "provider_id", id) || cli_jset(o, "resident", json_boolean(on)) ||
                  cli_jset(o, "changed", json_boolean(changed)))) {
            json_decref(o);
            o = NULL;
        }
        return cli_json_print(cli, o);
    }
    printf("provider %lld %s a resident%s\n", (long long)id, on ? "is" : "is not",
           changed ? "" : " (unchanged)");
    return FOLIO_OK;
}

int cmd_provider(struct folio_cli *cli, int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0 ||
            (i == 1 && strcmp(argv[i], "help") == 0)) {
            fputs(provider_usage, stdout);
            return FOLIO_OK;
        }
    if (argc < 2)
        return (int)cli_usage(cli, "provider: missing subcommand (resident)");
    if (strcmp(argv[1], "resident") == 0)
        return (int)provider_resident(cli, argc - 1, argv + 1);
    return (int)cli_usage(cli, "provider: unknown subcommand '%s' (resident)", argv[1]);
}

/* folio init: create the key file and the database schema, saying what was done. */
#include "folio/base.h"

#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_util.h"

static const char usage[] =
    "usage: folio [--db URL] [--key PATH] init\n"
    "\n"
    "Creates the data key file (mode 0600) when it is missing, creates var/ for the default\n"
    "paths, and applies every pending database migration. Running it again changes nothing.\n";

static enum folio_rc init_main(struct folio_cli *cli, int argc, char **argv)
{
    struct cli_args args;
    struct folio_migration_status st;
    size_t applied = 0;
    bool help = false, key_existed;
    enum folio_rc rc;

    rc = cli_parse(cli, "init", argc, argv, 1, NULL, 0, 0, &args, &help);
    if (rc)
        goto out;
    if (help) {
        fputs(usage, stdout);
        goto out;
    }
    key_existed = access(cli->key_path, F_OK) == 0;
    rc = folio_cli_load_key(cli, true);
    if (rc)
        goto out;
    rc = cli_open_store_ex(cli, false);
    if (rc)
        goto out;
    rc = folio_store_migrate(cli->store, &applied, &cli->err);
    if (rc)
        goto out;
    rc = folio_store_migration_status(cli->store, &st, &cli->err);
    if (rc)
        goto out;
    if (cli->json) {
        json_t *o = json_pack("{s:s, s:s, s:b, s:I, s:i}", "db", folio_store_url_safe(cli->store),
                              "key_file", cli->key_path, "key_created", !key_existed,
                              "migrations_applied", (json_int_t)applied, "schema_version",
                              st.current);
        rc = cli_json_print(cli, o);
        goto out;
    }
    printf("key file:  %s (%s)\n", cli->key_path, key_existed ? "exists" : "created");
    printf("database:  %s\n", folio_store_url_safe(cli->store));
    printf("schema:    %zu migration%s applied, now at version %d\n", applied,
           applied == 1 ? "" : "s", st.current);
out:
    return rc;
}

int cmd_init(struct folio_cli *cli, int argc, char **argv)
{
    return (int)init_main(cli, argc, argv);
}

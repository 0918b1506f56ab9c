/* folio db migrate | status: the database schema. */
#include "folio/base.h"

#include "cli/cli.h"
#include "cli/cli_util.h"

static const char usage[] =
    "usage: folio db migrate     apply pending migrations, print how many\n"
    "       folio db status      list known migrations with when each was applied\n"
    "\n"
    "--json prints {\"applied\", \"schema_version\"} (migrate) or\n"
    "{\"schema_version\", \"latest_known\", \"pending\", \"migrations\": [{\"number\", \"name\",\n"
    "\"applied_at\"}]} (status).\n";

struct status_ctx {
    struct cli_table table;
    json_t *list;
    bool json;
    enum folio_rc rc;
};

static void visit(void *vctx, int number, const char *name, const char *applied_at)
{
    struct status_ctx *ctx = vctx;
    char num[24];

    if (ctx->rc)
        return;
    if (ctx->json) {
        json_t *o = json_pack("{s:i, s:s, s:o}", "number", number, "name", name ? name : "",
                              "applied_at", cli_jstr(applied_at));
        if (!o || json_array_append_new(ctx->list, o) != 0)
            ctx->rc = FOLIO_ENOMEM;
        return;
    }
    (void)folio_snprintf(num, sizeof(num), "%04d", number);
    {
        const char *cells[3] = {num, name, applied_at ? applied_at : "pending"};
        ctx->rc = cli_table_add(&ctx->table, cells);
    }
}

static enum folio_rc db_status(struct folio_cli *cli)
{
    static const char *const head[3] = {"NUMBER", "NAME", "APPLIED_AT"};
    struct folio_migration_status st;
    struct status_ctx ctx;
    enum folio_rc rc;

    memset(&ctx, 0, sizeof(ctx));
    ctx.json = cli->json;
    cli_table_init(&ctx.table, 3, head);
    rc = cli_open_store_ex(cli, false);
    if (rc)
        goto out;
    rc = folio_store_migration_status(cli->store, &st, &cli->err);
    if (rc)
        goto out;
    if (ctx.json) {
        ctx.list = json_array();
        if (!ctx.list) {
            rc = folio_err_set(&cli->err, FOLIO_ENOMEM, NULL, "out of memory");
            goto out;
        }
    }
    rc = folio_store_migration_list(cli->store, visit, &ctx, &cli->err);
    if (rc)
        goto out;
    if (ctx.rc) {
        rc = folio_err_set(&cli->err, ctx.rc, NULL, "out of memory listing migrations");
        goto out;
    }
    if (ctx.json) {
        json_t *o = json_pack("{s:s, s:i, s:i, s:I, s:o}", "db", folio_store_url_safe(cli->store),
                              "schema_version", st.current, "latest_known", st.latest_known,
                              "pending", (json_int_t)st.n_pending, "migrations", ctx.list);
        ctx.list = NULL;
        rc = cli_json_print(cli, o);
        goto out;
    }
    printf("database: %s\nschema version %d of %d known; %zu pending\n\n",
           folio_store_url_safe(cli->store), st.current, st.latest_known, st.n_pending);
    cli_table_print(&ctx.table, stdout);
out:
    json_decref(ctx.list);
    cli_table_release(&ctx.table);
    return rc;
}

static enum folio_rc db_migrate(struct folio_cli *cli)
{
    struct folio_migration_status st;
    size_t applied = 0;
    enum folio_rc rc;

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
        rc = cli_json_print(cli, json_pack("{s:I, s:i}", "applied", (json_int_t)applied,
                                           "schema_version", st.current));
        goto out;
    }
    printf("applied %zu migration%s; schema version %d\n", applied, applied == 1 ? "" : "s",
           st.current);
out:
    return rc;
}

static enum folio_rc db_main(struct folio_cli *cli, int argc, char **argv)
{
    struct cli_args args;
    bool help = false;
    enum folio_rc rc;

    rc = cli_parse(cli, "db", argc, argv, 1, NULL, 0, 1, &args, &help);
    if (rc)
        goto out;
    if (help) {
        fputs(usage, stdout);
        goto out;
    }
    if (args.npos == 0) {
        rc = cli_usage(cli, "db: missing subcommand (migrate or status)");
        goto out;
    }
    if (strcmp(args.pos[0], "migrate") == 0)
        rc = db_migrate(cli);
    else if (strcmp(args.pos[0], "status") == 0)
        rc = db_status(cli);
    else
        rc = cli_usage(cli, "db: unknown subcommand '%s' (migrate or status)", args.pos[0]);
out:
    return rc;
}

int cmd_db(struct folio_cli *cli, int argc, char **argv)
{
    return (int)db_main(cli, argc, argv);
}

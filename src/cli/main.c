/* The `folio` command: global options, a table of commands, error reporting. [git builtin/]
 *
 *   folio [--db URL] [--key PATH] [--as USER] [--json] [--quiet] COMMAND [ARGS...]
 *
 * Exit status: 0, or the enum folio_rc value of the error (docs/cli.md). */
#include "folio/base.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_util.h"
#include "folio/crypto.h"
#include "folio/store.h"

#define FOLIO_CLI_VERSION    "0.1.0"
#define FOLIO_CLI_DEFAULT_DB "sqlite:var/folio.db"
#define FOLIO_CLI_DEFAULT_KEY "var/folio.key"
#define FOLIO_CLI_VAR_DIR    "var"

struct cmd {
    const char *name;
    folio_cmd_fn fn;
    const char *help;
};

static int cmd_help(struct folio_cli *cli, int argc, char **argv);
static enum folio_rc help_main(struct folio_cli *cli, int argc, char **argv);

static const struct cmd commands[] = {
    {"init", cmd_init, "create the key file and the database schema"},
    {"db", cmd_db, "database schema: migrate, status"},
    {"patient", cmd_patient, "add, show, search and list patients"},
    {"encounter", cmd_encounter, "add, show and discharge encounters"},
    {"document", cmd_document, "add, show, amend and correct documents; version history"},
    {"import", cmd_import, "import a Synthea CSV folder"},
    {"demo", cmd_demo, "fill a database with demo patients and documents"},
    {"user", cmd_user, "add, disable, reset the password of, and list users"},
    {"audit", cmd_audit, "verify, checkpoint, search and export the audit trail"},
    {"serve", cmd_serve, "run the web application and JSON API"},
    {"hl7", cmd_hl7, "HL7 v2 message log: list, errors, show, replay, prune; send over MLLP"},
    {"mpi", cmd_mpi, "identity matching: batch de-duplication, identity search, reindex"},
    {"edit", cmd_edit, "Medicare Code Editor edits of claims (cases.tsv format)"},
    {"group", cmd_group, "MS-DRG grouping of claims (cases.tsv format, expected.tsv columns)"},
    {"drg-price", cmd_drg_price, "MS-DRG payment of a discharge from a CMS Table 5, step by step"},
    {"codes", cmd_codes, "code sets: load release files, list versions, show, search, PCS builder"},
    {"rules", cmd_rules, "chart completeness rules: load, show, check a rules file"},
    {"completeness", cmd_completeness, "chart deficiencies: analyze an encounter, list, waive"},
    {"provider", cmd_provider, "providers: mark a resident (co-signature rules)"},
    {"deid", cmd_deid, "de-identify a note (text), research extracts (cohort), data use agreements (dua)"},
    {"privacy", cmd_privacy, "restricted/VIP charts, care teams, snooping alerts, review queue"},
    {"help", cmd_help, "show help for a command"},
};

static const struct cmd *find_cmd(const char *name)
{
    size_t i;

    for (i = 0; i < FOLIO_ARRAY_LEN(commands); i++) {
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    }
    return NULL;
}

static void print_main_help(FILE *f)
{
    size_t i;

    fputs("usage: folio [--db URL] [--key PATH] [--as USER] [--json] [--quiet] COMMAND [ARGS]\n"
          "\n"
          "Folio, a health information management system.\n"
          "\n"
          "global options (before the command):\n"
          "  --db URL      database: sqlite:PATH or postgresql://... ($FOLIO_DB, default "
          FOLIO_CLI_DEFAULT_DB ")\n"
          "  --key PATH    data key file, mode 0600 ($FOLIO_KEY_FILE, default " FOLIO_CLI_DEFAULT_KEY
          ")\n"
          "  --as USER     who makes the change ($FOLIO_USER, $USER)\n"
          "  --json        machine-readable output on stdout\n"
          "  --quiet, -q   no progress messages on stderr\n"
          "  --help, -h    this help;  --version  the version\n"
          "\n"
          "commands:\n",
          f);
    for (i = 0; i < FOLIO_ARRAY_LEN(commands); i++)
        fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].help);
    fputs("\nRun 'folio help COMMAND' for a command's options. Exit codes: docs/cli.md.\n", f);
}

static int cmd_help(struct folio_cli *cli, int argc, char **argv)
{
    return (int)help_main(cli, argc, argv);
}

static enum folio_rc help_main(struct folio_cli *cli, int argc, char **argv)
{
    static char help_arg[] = "--help";
    const struct cmd *c;
    char *sub[3];

    if (argc < 2) {
        print_main_help(stdout);
        return FOLIO_OK;
    }
    if (argc > 2)
        return cli_usage(cli, "help: unexpected argument '%s'", argv[2]);
    c = find_cmd(argv[1]);
    if (!c)
        return cli_usage(cli, "help: unknown command '%s'", argv[1]);
    if (c->fn == cmd_help) {
        print_main_help(stdout);
        return FOLIO_OK;
    }
    if (!c->fn)
        return folio_err_set(&cli->err, FOLIO_EUSAGE, NULL,
                             "help: command '%s' is not built into this program", c->name);
    sub[0] = argv[1];
    sub[1] = help_arg;
    sub[2] = NULL;
    return (enum folio_rc)c->fn(cli, 2, sub);
}

/* ---- opening what commands need ---- */

static bool is_default_db(const struct folio_cli *cli)
{
    return strcmp(cli->db_url, FOLIO_CLI_DEFAULT_DB) == 0;
}

static enum folio_rc ensure_var_dir(struct folio_cli *cli)
{
    if (mkdir(FOLIO_CLI_VAR_DIR, 0700) != 0 && errno != EEXIST)
        return folio_err_set(&cli->err, FOLIO_EIO, NULL, "cannot create directory '%s': %s",
                             FOLIO_CLI_VAR_DIR, strerror(errno));
    return FOLIO_OK;
}

enum folio_rc cli_open_store_ex(struct folio_cli *cli, bool migrate)
{
    enum folio_rc rc = FOLIO_OK;
    char safe[512];

    if (!cli->store) {
        if (is_default_db(cli)) {
            rc = ensure_var_dir(cli);
            if (rc)
                goto out;
        }
        rc = folio_store_open(cli->db_url, &cli->store, &cli->err);
        if (rc) {
            cli->store = NULL;
            cli_url_redact(cli->db_url, safe, sizeof(safe));
            folio_err_prefix(&cli->err, "%s", safe);
            goto out;
        }
    }
    if (migrate) {
        rc = folio_store_migrate(cli->store, NULL, &cli->err);
        if (rc) {
            folio_err_prefix(&cli->err, "%s", folio_store_url_safe(cli->store));
            goto out;
        }
    }
out:
    return rc;
}

enum folio_rc folio_cli_open_store(struct folio_cli *cli)
{
    return cli_open_store_ex(cli, true);
}

enum folio_rc folio_cli_load_key(struct folio_cli *cli, bool create)
{
    enum folio_rc rc;

    if (cli->key_loaded)
        return FOLIO_OK;
    rc = folio_crypto_init(&cli->err);
    if (rc)
        goto out;
    if (access(cli->key_path, F_OK) != 0) {
        if (!create) {
            rc = folio_err_set(&cli->err, FOLIO_ECRYPTO, NULL,
                               "key file '%s' not found: run 'folio init' or pass --key PATH",
                               cli->key_path);
            goto out;
        }
        if (strcmp(cli->key_path, FOLIO_CLI_DEFAULT_KEY) == 0) {
            rc = ensure_var_dir(cli);
            if (rc)
                goto out;
        }
        rc = folio_key_create(cli->key_path, &cli->err);
        if (rc)
            goto out;
        cli_note(cli, "created key file %s (keep it safe: without it encrypted fields are lost)",
                 cli->key_path);
    }
    rc = folio_key_load(cli->key_path, &cli->key, &cli->err);
    if (rc)
        goto out;
    cli->key_loaded = true;
out:
    return rc;
}

/* ---- main ---- */

static const char *env_nonempty(const char *name)
{
    const char *v = getenv(name);
    return folio_str_empty(v) ? NULL : v;
}

static void report_error(const struct folio_cli *cli, enum folio_rc rc)
{
    char line[sizeof(cli->err.msg) + sizeof(cli->err.field) + 8];
    const char *msg = cli->err.msg;
    size_t i;

    if (cli->err.code == FOLIO_OK || folio_str_empty(msg))
        msg = folio_rc_name(rc);
    if (cli->err.field[0] && !strstr(msg, cli->err.field))
        (void)folio_snprintf(line, sizeof(line), "%s: %s", cli->err.field, msg);
    else
        (void)folio_strlcpy(line, msg, sizeof(line));
    for (i = 0; line[i]; i++) {
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    }
    fprintf(stderr, "folio: %s\n", line);
}

/* Global options: returns the index of the command, or -1 with rc set (0 for --help/--version). */
static int parse_global(struct folio_cli *cli, int argc, char **argv, enum folio_rc *rc_out)
{
    int i;

    *rc_out = FOLIO_OK;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **dst = NULL;
        const char *name = NULL, *val = NULL;
        size_t nlen;

        if (a[0] != '-' || a[1] == '\0')
            return i;
        if (strcmp(a, "--") == 0)
            return i + 1 < argc ? i + 1 : argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            print_main_help(stdout);
            return -1;
        }
        if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
            printf("folio %s\n", FOLIO_CLI_VERSION);
            return -1;
        }
        if (strcmp(a, "--json") == 0) {
            cli->json = true;
            continue;
        }
        if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            cli->quiet = true;
            continue;
        }
        if (strncmp(a, "--db", 4) == 0 && (a[4] == '\0' || a[4] == '=')) {
            dst = &cli->db_url;
            name = "db";
        } else if (strncmp(a, "--key", 5) == 0 && (a[5] == '\0' || a[5] == '=')) {
            dst = &cli->key_path;
            name = "key";
        } else if (strncmp(a, "--as", 4) == 0 && (a[4] == '\0' || a[4] == '=')) {
            dst = &cli->actor;
            name = "as";
        } else {
            *rc_out = cli_usage(cli, "unknown option '%s' (see 'folio --help')", a);
            return -1;
        }
        nlen = strlen(name) + 2;
        if (a[nlen] == '=') {
            val = a + nlen + 1;
        } else {
            if (i + 1 >= argc) {
                *rc_out = cli_usage(cli, "option '--%s' needs a value", name);
                return -1;
            }
            val = argv[++i];
        }
        if (val[0] == '\0') {
            *rc_out = cli_usage(cli, "option '--%s' needs a non-empty value", name);
            return -1;
        }
        *dst = val;
    }
    return i;
}

int main(int argc, char **argv)
{
    struct folio_cli cli;
    const struct cmd *c;
    enum folio_rc rc = FOLIO_OK;
    int ci, ret;

    memset(&cli, 0, sizeof(cli));
    cli.db_url = env_nonempty("FOLIO_DB");
    if (!cli.db_url)
        cli.db_url = FOLIO_CLI_DEFAULT_DB;
    cli.key_path = env_nonempty("FOLIO_KEY_FILE");
    if (!cli.key_path)
        cli.key_path = FOLIO_CLI_DEFAULT_KEY;
    cli.actor = env_nonempty("FOLIO_USER");
    if (!cli.actor)
        cli.actor = env_nonempty("USER");
    if (!cli.actor)
        cli.actor = "cli";

    if (argc < 1 || !argv[0])
        return FOLIO_EUSAGE;
    ci = parse_global(&cli, argc, argv, &rc);
    if (ci < 0)
        goto out;
    if (ci >= argc) {
        rc = cli_usage(&cli, "no command given (see 'folio help')");
        goto out;
    }
    c = find_cmd(argv[ci]);
    if (!c) {
        rc = cli_usage(&cli, "unknown command '%s' (see 'folio help')", argv[ci]);
        goto out;
    }
    if (!c->fn) {
        rc = folio_err_set(&cli.err, FOLIO_EUSAGE, NULL,
                           "command '%s' is not built into this program", c->name);
        goto out;
    }
    ret = c->fn(&cli, argc - ci, argv + ci);
    rc = (ret < 0 || ret > 255) ? FOLIO_EINTERNAL : (enum folio_rc)ret;

out:
    if (fflush(stdout) != 0 || ferror(stdout)) {
        if (rc == FOLIO_OK)
            rc = folio_err_set(&cli.err, FOLIO_EIO, NULL, "cannot write to standard output: %s",
                               strerror(errno));
    }
    if (rc != FOLIO_OK)
        report_error(&cli, rc);
    folio_store_close(cli.store);
    folio_key_wipe(&cli.key);
    return (int)rc;
}

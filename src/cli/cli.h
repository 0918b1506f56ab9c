/* Internal contract of the `folio` command: main.c parses the global options, opens what a
 * command needs, and calls cmd_<name>(). One cmd_<name>.c per command. [git builtin/] */
#ifndef FOLIO_CLI_H
#define FOLIO_CLI_H

#include "folio/base.h"
#include "folio/crypto.h"
#include "folio/store.h"

/* Exit codes: 0 success; otherwise the enum folio_rc value of the error (docs/cli.md), so
 * 2 = bad input, 3 = not found, 14 = usage. */

struct folio_cli {
    const char *db_url;   /* --db, else $FOLIO_DB, else "sqlite:var/folio.db" */
    const char *key_path; /* --key, else $FOLIO_KEY_FILE, else "var/folio.key" */
    const char *actor;    /* --as, else $FOLIO_USER, else $USER, else "cli" (who made a change) */
    bool json;            /* --json: machine-readable output on stdout */
    bool quiet;           /* --quiet: no progress on stderr */
    struct folio_store *store; /* opened and migrated by folio_cli_open_store(); NULL before */
    struct folio_key key;      /* loaded by folio_cli_load_key() */
    bool key_loaded;
    struct folio_err err; /* the error to report when a command returns non-zero */
};

/* Opens cli->store from cli->db_url and applies pending migrations (creating var/ for the
 * default SQLite path). */
enum folio_rc folio_cli_open_store(struct folio_cli *cli) FOLIO_MUST_USE;
/* Loads cli->key from cli->key_path (created by `folio init`; created on demand when create). */
enum folio_rc folio_cli_load_key(struct folio_cli *cli, bool create) FOLIO_MUST_USE;

/* Every command: argv[0] is the command name ("patient"); returns an enum folio_rc value and,
 * when non-zero, has filled cli->err. Commands print results on stdout, nothing else. */
typedef int (*folio_cmd_fn)(struct folio_cli *cli, int argc, char **argv);
int cmd_init(struct folio_cli *cli, int argc, char **argv);
int cmd_db(struct folio_cli *cli, int argc, char **argv);
int cmd_patient(struct folio_cli *cli, int argc, char **argv);
int cmd_encounter(struct folio_cli *cli, int argc, char **argv);
int cmd_document(struct folio_cli *cli, int argc, char **argv);
int cmd_import(struct folio_cli *cli, int argc, char **argv); /* src/cli/cmd_import.c */
int cmd_demo(struct folio_cli *cli, int argc, char **argv);
int cmd_user(struct folio_cli *cli, int argc, char **argv);  /* src/cli/cmd_user.c */
int cmd_audit(struct folio_cli *cli, int argc, char **argv); /* src/cli/cmd_audit.c */
int cmd_serve(struct folio_cli *cli, int argc, char **argv); /* src/cli/cmd_serve.c */
int cmd_hl7(struct folio_cli *cli, int argc, char **argv);   /* src/cli/cmd_hl7.c */
int cmd_mpi(struct folio_cli *cli, int argc, char **argv);   /* src/cli/cmd_mpi.c */
int cmd_codes(struct folio_cli *cli, int argc, char **argv); /* src/cli/cmd_codes.c */

int cmd_edit(struct folio_cli *cli, int argc, char **argv);  /* src/cli/cmd_edit.c */
int cmd_group(struct folio_cli *cli, int argc, char **argv); /* src/cli/cmd_group.c */
int cmd_drg_price(struct folio_cli *cli, int argc, char **argv); /* src/cli/cmd_drg_price.c */
int cmd_rules(struct folio_cli *cli, int argc, char **argv); /* src/cli/cmd_completeness.c */
int cmd_completeness(struct folio_cli *cli, int argc, char **argv); /* cmd_completeness.c */
int cmd_provider(struct folio_cli *cli, int argc, char **argv);     /* cmd_provider.c */
int cmd_deid(struct folio_cli *cli, int argc, char **argv);         /* cmd_deid.c */
int cmd_privacy(struct folio_cli *cli, int argc, char **argv);      /* cmd_privacy.c */
#endif

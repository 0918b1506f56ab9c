/* Private helpers of the `folio` command: option parsing, aligned tables, JSON output.
 * Not part of libfolio: only src/cli/ includes this. */
#ifndef FOLIO_CLI_UTIL_H
#define FOLIO_CLI_UTIL_H

#include "folio/base.h"
#include "cli/cli.h"

#include <jansson.h>

/* ---- options of one (sub)command ---- */
enum cli_opt_kind {
    CLI_OPT_STR,  /* dst is const char **: borrows argv */
    CLI_OPT_FLAG, /* dst is bool * */
    CLI_OPT_I64,  /* dst is int64_t *; whole-string decimal, >= 0 */
};
struct cli_opt {
    const char *name; /* without the leading "--" */
    enum cli_opt_kind kind;
    void *dst;
};
#define CLI_MAX_POS 8
struct cli_args {
    const char *pos[CLI_MAX_POS]; /* positional arguments, borrowed from argv */
    int npos;
};

/* Parses argv[start..argc) against opts: "--name value", "--name=value", flags, "--" ends
 * options. --json, --quiet and --help are accepted by every command and set cli->json,
 * cli->quiet and *help (help may be NULL: then --help is unknown). Unknown options, missing
 * values, bad numbers and more than max_pos positional arguments are FOLIO_EUSAGE with
 * cli->err naming the option or argument; `what` is the command for messages ("patient add"). */
enum folio_rc cli_parse(struct folio_cli *cli, const char *what, int argc, char **argv, int start,
                        const struct cli_opt *opts, size_t nopts, int max_pos,
                        struct cli_args *args, bool *help) FOLIO_MUST_USE;

/* Parses a positive row id given on the command line (e.g. "patient show 12"). */
enum folio_rc cli_parse_id(struct folio_cli *cli, const char *what, const char *s,
                           int64_t *out) FOLIO_MUST_USE;

/* --limit values above 1000 are FOLIO_EINVAL naming "limit" (0 means the default). */
enum folio_rc cli_check_limit(struct folio_cli *cli, int64_t limit) FOLIO_MUST_USE;

/* ---- reference tables in the shared data folder ---- */
#define CLI_MCE_SUBDIR "data/codesets/mce-v431"
#define CLI_DRG_SUBDIR "data/codesets/msdrg-v431"
/* True when dir holds the MCE tables (mce_i10_dx_master.tsv; the loader checks the rest). */
bool cli_has_mce(const char *dir);
/* True when dir holds one MS-DRG version (an msdrg_v<NNN>_dx.tsv; the loader checks the rest). */
bool cli_has_drg(const char *dir);
/* The tables' default place: $FOLIO_SHARED/SUBDIR, else ../shared/SUBDIR, the first where
 * has(dir) holds, into out. False when neither does; tried then lists where it looked. */
bool cli_shared_dir(const char *subdir, bool (*has)(const char *), char *out, size_t cap,
                    char *tried, size_t tcap);

/* --discharge-date "YYYY-MM-DD" or "YYYYMMDD" -> YYYYMMDD (month 1-12, day 1-31; whether the
 * tables cover it is the library's check). A usage error names `what` ("edit") otherwise. */
enum folio_rc cli_parse_day(struct folio_cli *cli, const char *what, const char *s,
                            int32_t *out) FOLIO_MUST_USE;

/* Sets cli->err to a usage error and returns FOLIO_EUSAGE. */
enum folio_rc cli_usage(struct folio_cli *cli, const char *fmt, ...) FOLIO_PRINTF(2, 3);

/* ---- aligned text tables on stdout ---- */
#define CLI_TABLE_MAX_COLS 12
struct cli_table {
    size_t ncols;
    const char *head[CLI_TABLE_MAX_COLS];
    size_t width[CLI_TABLE_MAX_COLS];
    struct folio_arena arena; /* cell copies */
    char ***rows;             /* rows[i][col], arena memory */
    size_t nrows, caprows;
};
void cli_table_init(struct cli_table *t, size_t ncols, const char *const *head);
/* Adds a row of ncols cells (NULL cells print as "-"); copies the strings. */
enum folio_rc cli_table_add(struct cli_table *t, const char *const *cells) FOLIO_MUST_USE;
void cli_table_print(struct cli_table *t, FILE *f);
void cli_table_release(struct cli_table *t);

/* Prints "key: value" lines with the keys aligned; NULL/empty values print as "-". */
void cli_kv(FILE *f, const char *key, const char *value);

/* Prints v as indented JSON (member order kept) on stdout, then a newline; steals v. */
enum folio_rc cli_json_print(struct folio_cli *cli, json_t *v) FOLIO_MUST_USE;
/* json string or null. New reference (jansson), NULL only on out of memory. */
json_t *cli_jstr(const char *s);

/* Display width of a UTF-8 string (code points). */
size_t cli_utf8_width(const char *s);

/* URL with any password removed, for messages when no store is open. */
void cli_url_redact(const char *url, char *out, size_t cap);

/* Progress message on stderr unless --quiet. */
void cli_note(const struct folio_cli *cli, const char *fmt, ...) FOLIO_PRINTF(2, 3);

/* Opens the store; migrate=false leaves the schema alone (db status, db migrate). */
enum folio_rc cli_open_store_ex(struct folio_cli *cli, bool migrate) FOLIO_MUST_USE;

/* Appends an audit entry for a CLI access to patient information: user = cli->actor, client
 * "cli". Call inside the transaction of the action it records. */
enum folio_rc cli_audit(struct folio_cli *cli, const char *action, int64_t patient_id,
                        const char *entity_type, int64_t entity_id,
                        const char *detail) FOLIO_MUST_USE;

#endif

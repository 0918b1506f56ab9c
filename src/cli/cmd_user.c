/* folio user add | disable | enable | roles | provider | reset-password | list
 *
 * Passwords are never taken as a command-line value (argv shows in ps and shell history): they
 * come from a file, from standard input, or from a prompt without echo when stdin is a terminal.
 * The password is never printed, and its buffers are wiped after use. */
#include "folio/base.h"

#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_chart.h"
#include "cli/cli_util.h"
#include "folio/btg.h"
#include "folio/privacy.h"
#include "folio/records.h"

#define PW_READ_MAX 4096 /* read cap; the library refuses more than 1024 bytes */

static const char usage[] =
    "usage: folio user add USERNAME --roles ROLE[,ROLE...] [--name \"Display Name\"]\n"
    "                      [--password-file PATH | --password-stdin]\n"
    "       folio user disable USERNAME\n"
    "       folio user enable USERNAME\n"
    "       folio user roles USERNAME --roles ROLE[,ROLE...]\n"
    "       folio user provider USERNAME (--npi NPI | --id N | --none)\n"
    "       folio user home USERNAME [--family NAME] [--postal-code CODE] [--street LINE]\n"
    "       folio user reset-password USERNAME [--password-file PATH | --password-stdin]\n"
    "       folio user list [--json]\n"
    "\n"
    "roles: him_technician chart_analyst coder coding_auditor roi_specialist privacy_officer\n"
    "       cancer_registrar clinician analyst administrator (docs/permissions.md)\n"
    "Usernames: 1-64 of a-z 0-9 . _ - (lower-cased). Passwords: 12-1024 bytes.\n"
    "The password is never an argument: --password-file reads the first line of PATH,\n"
    "--password-stdin one line of standard input; with neither, a terminal is asked twice\n"
    "without echo, and otherwise one line is read from standard input.\n"
    "Disabling a user or resetting a password ends the user's sessions; a reset also clears a\n"
    "lockout. Users are never deleted.\n"
    "`user provider` links a user to the provider they are (a clinician's inbox: the queries\n"
    "and deficiencies addressed to that provider); --none unlinks.\n"
    "`user home` records the user's own family name and home address (postal code and street\n"
    "line), which the daily snooping alerts compare with the charts they open (docs/privacy.md);\n"
    "an option left out keeps its value, an empty value clears it.\n";

/* ---- password input ---- */

/* Keeps the first line of b (without CR LF) as a C string in b. */
static void first_line(struct folio_buf *b)
{
    size_t n = 0;
    while (n < b->len && b->data[n] != '\n')
        n++;
    if (n > 0 && b->data[n - 1] == '\r')
        n--;
    if (b->len)
        sodium_memzero(b->data + n, b->len - n);
    b->len = n;
}

/* One line from f into b (at most PW_READ_MAX bytes); false at EOF before any byte. */
static enum folio_rc read_line(struct folio_cli *cli, FILE *f, struct folio_buf *b, bool *got)
{
    int c;
    *got = false;
    while ((c = getc(f)) != EOF) {
        *got = true;
        if (c == '\n')
            break;
        if (folio_buf_append_ch(b, (char)c) != FOLIO_OK)
            return folio_err_set(&cli->err, FOLIO_ETOOBIG, "password",
                                 "password input is longer than %d bytes", PW_READ_MAX);
    }
    if (b->len && b->data[b->len - 1] == '\r')
        b->data[--b->len] = '\0';
    return FOLIO_OK;
}

static enum folio_rc prompt_once(struct folio_cli *cli, const char *prompt, struct folio_buf *b)
{
    struct termios old, quiet;
    bool got = false, restored = false;
    enum folio_rc rc;

    if (tcgetattr(STDIN_FILENO, &old) != 0)
        return folio_err_set(&cli->err, FOLIO_EIO, "password", "cannot read the terminal settings");
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    quiet.c_lflag |= (tcflag_t)ECHONL;
    fputs(prompt, stderr);
    fflush(stderr);
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0)
        return folio_err_set(&cli->err, FOLIO_EIO, "password", "cannot turn off echo");
    rc = read_line(cli, stdin, b, &got);
    restored = tcsetattr(STDIN_FILENO, TCSAFLUSH, &old) == 0;
    if (!rc && !restored)
        rc = folio_err_set(&cli->err, FOLIO_EIO, "password", "cannot restore the terminal");
    if (!rc && !got)
        rc = folio_err_set(&cli->err, FOLIO_EINVAL, "password", "no password given");
    return rc;
}

/* The new password into pw (a C string): from --password-file, --password-stdin, a prompt on a
 * terminal, or one line of stdin. */
static enum folio_rc read_password(struct folio_cli *cli, const char *file, bool from_stdin,
                                   struct folio_buf *pw)
{
    enum folio_rc rc = FOLIO_OK;
    bool got = false;

    if (file && from_stdin)
        return cli_usage(cli, "user: give --password-file or --password-stdin, not both");
    if (file) {
        rc = folio_buf_read_file(pw, file, &cli->err);
        if (rc == FOLIO_ETOOBIG)
            rc = folio_err_set(&cli->err, FOLIO_ETOOBIG, "password",
                               "password file '%s' is larger than %d bytes", file, PW_READ_MAX);
        if (!rc)
            first_line(pw);
    } else if (!from_stdin && isatty(STDIN_FILENO)) {
        struct folio_buf again;
        folio_buf_init(&again, PW_READ_MAX);
        rc = prompt_once(cli, "new password: ", pw);
        if (!rc)
            rc = prompt_once(cli, "again: ", &again);
        if (!rc && (pw->len != again.len || sodium_memcmp(pw->data, again.data, pw->len) != 0))
            rc = folio_err_set(&cli->err, FOLIO_EINVAL, "password",
                               "the two passwords do not match");
        if (again.len)
            sodium_memzero(again.data, again.len);
        folio_buf_release(&again);
    } else {
        rc = read_line(cli, stdin, pw, &got);
        if (!rc && !got)
            rc =
                folio_err_set(&cli->err, FOLIO_EINVAL, "password", "no password on standard input");
    }
    if (!rc && strlen(pw->data) != pw->len)
        rc = folio_err_set(&cli->err, FOLIO_EINVAL, "password", "the password holds a NUL byte");
    return rc;
}

static void wipe(struct folio_buf *b)
{
    if (b->len)
        sodium_memzero(b->data, b->len);
    folio_buf_release(b);
}

/* Refuses a password given on the command line before anything else looks at argv. */
static enum folio_rc refuse_password_arg(struct folio_cli *cli, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--password") == 0 || strncmp(argv[i], "--password=", 11) == 0 ||
            strcmp(argv[i], "-p") == 0)
            return cli_usage(cli, "user: a password is never taken as an argument (it would show "
                                  "in ps and shell history): use --password-file PATH or "
                                  "--password-stdin");
    }
    return FOLIO_OK;
}

/* Exactly one positional USERNAME; extra arguments are not echoed (one might be a password). */
static enum folio_rc one_username(struct folio_cli *cli, const char *what,
                                  const struct cli_args *args, const char **out)
{
    if (args->npos == 0)
        return cli_usage(cli, "%s: missing USERNAME", what);
    if (args->npos > 1)
        return cli_usage(cli, "%s: takes one USERNAME and %d more arguments were given", what,
                         args->npos - 1);
    *out = args->pos[0];
    return FOLIO_OK;
}

static json_t *roles_json(uint32_t roles)
{
    json_t *a = json_array();
    for (uint32_t r = 1; a && r <= FOLIO_ROLE_ADMINISTRATOR; r <<= 1) {
        if ((roles & r) && json_array_append_new(a, json_string(folio_role_name(r))) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static enum folio_rc print_done(struct folio_cli *cli, const char *username, const char *what,
                                int64_t id, uint32_t roles, const char *text)
{
    if (cli->json) {
        json_t *o = json_object();
        int bad = !o || cli_jset_str(o, "username", username) || cli_jset_str(o, "done", what);
        if (!bad && id)
            bad |= cli_jset_int(o, "id", id);
        if (!bad && roles)
            bad |= cli_jset(o, "roles", roles_json(roles));
        if (bad) {
            json_decref(o);
            o = NULL;
        }
        return cli_json_print(cli, o);
    }
    printf("%s\n", text);
    return FOLIO_OK;
}

/* Ends the transaction of a user change: on success records user.admin in it and commits,
 * otherwise rolls back. rc is the change's result. */
static enum folio_rc finish_change(struct folio_cli *cli, enum folio_rc rc, const char *username,
                                   const char *what)
{
    char detail[160];

    folio_snprintf(detail, sizeof detail, "%s %s", what, username);
    if (!rc)
        rc = cli_audit(cli, "user.admin", 0, "user", 0, detail);
    if (!rc)
        rc = folio_store_commit(cli->store, &cli->err);
    if (rc)
        folio_store_rollback(cli->store);
    return rc;
}

static enum folio_rc user_add(struct folio_cli *cli, int argc, char **argv)
{
    const char *roles_s = NULL, *name = NULL, *pw_file = NULL, *username = NULL;
    bool pw_stdin = false;
    const struct cli_opt opts[] = {
        {"roles", CLI_OPT_STR, &roles_s},
        {"name", CLI_OPT_STR, &name},
        {"password-file", CLI_OPT_STR, &pw_file},
        {"password-stdin", CLI_OPT_FLAG, &pw_stdin},
    };
    struct cli_args args;
    struct folio_buf pw;
    struct folio_arena a;
    struct folio_user u;
    uint32_t roles = 0;
    int64_t id = 0;
    char rtext[256], line[512];
    enum folio_rc rc;

    folio_buf_init(&pw, PW_READ_MAX);
    folio_arena_init(&a, 0);
    rc = cli_parse(cli, "user add", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), CLI_MAX_POS, &args,
                   NULL);
    if (!rc)
        rc = one_username(cli, "user add", &args, &username);
    if (!rc && !roles_s)
        rc = cli_usage(cli, "user add: --roles ROLE[,ROLE...] is required");
    if (!rc)
        rc = folio_roles_parse(roles_s, &roles, &cli->err);
    if (!rc)
        rc = folio_cli_open_store(cli);
    if (!rc)
        rc = read_password(cli, pw_file, pw_stdin, &pw);
    if (!rc)
        rc = folio_store_begin(cli->store, &cli->err);
    if (!rc)
        rc = finish_change(cli,
                           folio_user_add(cli->store, cli->actor, username, name, roles, pw.data,
                                          &id, &cli->err),
                           username, "add");
    if (!rc)
        rc = folio_user_get(cli->store, username, &a, &u, &cli->err);
    if (rc)
        goto out;
    (void)folio_roles_format(roles, rtext, sizeof rtext);
    folio_snprintf(line, sizeof line, "created user %s (id %lld), roles %s", u.username,
                   (long long)id, rtext);
    rc = print_done(cli, u.username, "created", id, roles, line);
out:
    wipe(&pw);
    folio_arena_release(&a);
    return rc;
}

static enum folio_rc user_set_disabled(struct folio_cli *cli, int argc, char **argv, bool disabled)
{
    const char *what = disabled ? "user disable" : "user enable", *username = NULL;
    struct cli_args args;
    struct folio_arena a;
    struct folio_user u;
    char line[256];
    enum folio_rc rc;

    folio_arena_init(&a, 0);
    rc = cli_parse(cli, what, argc, argv, 1, NULL, 0, CLI_MAX_POS, &args, NULL);
    if (!rc)
        rc = one_username(cli, what, &args, &username);
    if (!rc)
        rc = folio_cli_open_store(cli);
    if (!rc)
        rc = folio_store_begin(cli->store, &cli->err);
    if (!rc)
        rc = finish_change(
            cli, folio_user_set_disabled(cli->store, cli->actor, username, disabled, &cli->err),
            username, disabled ? "disable" : "enable");
    if (!rc)
        rc = folio_user_get(cli->store, username, &a, &u, &cli->err);
    if (rc)
        goto out;
    folio_snprintf(line, sizeof line,
                   disabled ? "disabled user %s; their sessions are ended" : "enabled user %s",
                   u.username);
    rc = print_done(cli, u.username, disabled ? "disabled" : "enabled", 0, 0, line);
out:
    folio_arena_release(&a);
    return rc;
}

static enum folio_rc user_roles(struct folio_cli *cli, int argc, char **argv)
{
    const char *roles_s = NULL, *username = NULL;
    const struct cli_opt opts[] = {{"roles", CLI_OPT_STR, &roles_s}};
    struct cli_args args;
    struct folio_arena a;
    struct folio_user u;
    uint32_t roles = 0;
    char rtext[256], line[512];
    enum folio_rc rc;

    folio_arena_init(&a, 0);
    rc = cli_parse(cli, "user roles", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), CLI_MAX_POS,
                   &args, NULL);
    if (!rc)
        rc = one_username(cli, "user roles", &args, &username);
    if (!rc && !roles_s)
        rc = cli_usage(cli, "user roles: --roles ROLE[,ROLE...] is required");
    if (!rc)
        rc = folio_roles_parse(roles_s, &roles, &cli->err);
    if (!rc)
        rc = folio_cli_open_store(cli);
    if (!rc)
        rc = folio_store_begin(cli->store, &cli->err);
    if (!rc)
        rc = finish_change(cli,
                           folio_user_set_roles(cli->store, cli->actor, username, roles, &cli->err),
                           username, "roles");
    if (!rc)
        rc = folio_user_get(cli->store, username, &a, &u, &cli->err);
    if (rc)
        goto out;
    (void)folio_roles_format(u.roles, rtext, sizeof rtext);
    folio_snprintf(line, sizeof line, "user %s now has roles %s", u.username, rtext);
    rc = print_done(cli, u.username, "roles", 0, u.roles, line);
out:
    folio_arena_release(&a);
    return rc;
}

static enum folio_rc user_provider(struct folio_cli *cli, int argc, char **argv)
{
    const char *npi = NULL, *username = NULL;
    int64_t pid = 0;
    bool none = false;
    const struct cli_opt opts[] = {
        {"npi", CLI_OPT_STR, &npi},
        {"id", CLI_OPT_I64, &pid},
        {"none", CLI_OPT_FLAG, &none},
    };
    struct cli_args args;
    struct folio_arena a;
    struct folio_user u;
    struct folio_provider p;
    struct folio_chart chart = {0};
    char line[512], name[256];
    enum folio_rc rc;

    folio_arena_init(&a, 0);
    rc = cli_parse(cli, "user provider", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), CLI_MAX_POS,
                   &args, NULL);
    if (!rc)
        rc = one_username(cli, "user provider", &args, &username);
    if (!rc && (npi != NULL) + (pid != 0) + none != 1)
        rc = cli_usage(cli, "user provider: give exactly one of --npi NPI, --id N or --none");
    if (!rc)
        rc = folio_cli_open_store(cli);
    if (rc)
        goto out;
    chart.store = cli->store;
    chart.actor = cli->actor;
    if (npi && (rc = folio_provider_find_npi(&chart, npi, &pid, &cli->err)))
        goto out;
    if (!rc)
        rc = folio_store_begin(cli->store, &cli->err);
    if (!rc)
        rc = finish_change(
            cli, folio_user_set_provider(cli->store, cli->actor, username, pid, &cli->err),
            username, none ? "provider none" : "provider");
    if (!rc)
        rc = folio_user_get(cli->store, username, &a, &u, &cli->err);
    if (rc)
        goto out;
    if (u.provider_id) {
        rc = folio_provider_get(&chart, u.provider_id, &a, &p, &cli->err);
        if (rc)
            goto out;
        cli_person_name(name, sizeof name, p.family, p.given, NULL);
        folio_snprintf(line, sizeof line, "user %s is provider %lld (%s%s%s)", u.username,
                       (long long)u.provider_id, name, p.npi ? ", NPI " : "", p.npi ? p.npi : "");
    } else {
        folio_snprintf(line, sizeof line, "user %s is linked to no provider", u.username);
    }
    if (cli->json) {
        json_t *o = json_object();
        if (o && (cli_jset_str(o, "username", u.username) || cli_jset_str(o, "done", "provider") ||
                  cli_jset_id(o, "provider_id", u.provider_id))) {
            json_decref(o);
            o = NULL;
        }
        rc = cli_json_print(cli, o);
    } else {
        printf("%s\n", line);
    }
out:
    folio_arena_release(&a);
    return rc;
}

static enum folio_rc user_home(struct folio_cli *cli, int argc, char **argv)
{
    const char *family = NULL, *postal = NULL, *street = NULL, *username = NULL;
    const struct cli_opt opts[] = {
        {"family", CLI_OPT_STR, &family},
        {"postal-code", CLI_OPT_STR, &postal},
        {"street", CLI_OPT_STR, &street},
    };
    struct cli_args args;
    struct folio_arena a;
    struct folio_user u;
    char line[256];
    enum folio_rc rc;

    folio_arena_init(&a, 0);
    rc = cli_parse(cli, "user home", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), CLI_MAX_POS,
                   &args, NULL);
    if (!rc)
        rc = one_username(cli, "user home", &args, &username);
    if (!rc && !family && !postal && !street)
        rc = cli_usage(cli, "user home: give --family, --postal-code and/or --street");
    if (!rc)
        rc = folio_cli_open_store(cli);
    if (!rc)
        rc = folio_user_get(cli->store, username, &a, &u, &cli->err);
    if (!rc)
        rc = folio_store_begin(cli->store, &cli->err);
    if (!rc)
        rc = finish_change(cli,
                           folio_btg_user_set_home(cli->store, cli->actor, u.username,
                                                   family ? family : u.family_name,
                                                   postal ? postal : u.home_postal_code,
                                                   street ? street : u.home_street, &cli->err),
                           u.username, "home address/family name of");
    if (rc)
        goto out;
    /* the values themselves are not echoed: workforce data, like PHI, stays off the screen */
    folio_snprintf(line, sizeof line, "family name and home address of %s recorded", u.username);
    rc = print_done(cli, u.username, "home", 0, 0, line);
out:
    folio_arena_release(&a);
    return rc;
}

static enum folio_rc user_reset(struct folio_cli *cli, int argc, char **argv)
{
    const char *pw_file = NULL, *username = NULL;
    bool pw_stdin = false;
    const struct cli_opt opts[] = {
        {"password-file", CLI_OPT_STR, &pw_file},
        {"password-stdin", CLI_OPT_FLAG, &pw_stdin},
    };
    struct cli_args args;
    struct folio_buf pw;
    struct folio_arena a;
    struct folio_user u;
    char line[256];
    enum folio_rc rc;

    folio_buf_init(&pw, PW_READ_MAX);
    folio_arena_init(&a, 0);
    rc = cli_parse(cli, "user reset-password", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts),
                   CLI_MAX_POS, &args, NULL);
    if (!rc)
        rc = one_username(cli, "user reset-password", &args, &username);
    if (!rc)
        rc = folio_cli_open_store(cli);
    /* an unknown user is reported before asking for a password */
    if (!rc)
        rc = folio_user_get(cli->store, username, &a, &u, &cli->err);
    if (!rc)
        rc = read_password(cli, pw_file, pw_stdin, &pw);
    if (!rc)
        rc = folio_store_begin(cli->store, &cli->err);
    if (!rc)
        rc = finish_change(
            cli, folio_user_reset_password(cli->store, cli->actor, username, pw.data, &cli->err),
            username, "reset-password");
    if (rc)
        goto out;
    folio_snprintf(line, sizeof line,
                   "password of %s reset; lockout cleared; their sessions are ended", u.username);
    rc = print_done(cli, u.username, "password_reset", 0, 0, line);
out:
    wipe(&pw);
    folio_arena_release(&a);
    return rc;
}

static enum folio_rc user_list(struct folio_cli *cli, int argc, char **argv)
{
    static const char *const head[] = {"USERNAME", "NAME",   "ROLES",
                                       "DISABLED", "LOCKED", "LAST_LOGIN"};
    struct cli_args args;
    struct folio_arena a;
    struct folio_user *users = NULL;
    size_t n = 0;
    enum folio_rc rc;

    folio_arena_init(&a, 0);
    rc = cli_parse(cli, "user list", argc, argv, 1, NULL, 0, 0, &args, NULL);
    if (!rc)
        rc = folio_cli_open_store(cli);
    if (!rc)
        rc = folio_user_list(cli->store, &a, &users, &n, &cli->err);
    if (rc)
        goto out;
    if (cli->json) {
        json_t *o = json_object(), *arr = json_array();
        int bad = !o || cli_jset(o, "items", arr) || cli_jset_int(o, "total", (int64_t)n);
        for (size_t i = 0; !bad && i < n; i++) {
            const struct folio_user *u = &users[i];
            json_t *x = json_object();
            bad |= json_array_append_new(arr, x) != 0 || !x;
            if (bad)
                break;
            bad |= cli_jset_int(x, "id", u->id);
            bad |= cli_jset_str(x, "username", u->username);
            bad |= cli_jset(x, "display_name", cli_jstr(u->display_name));
            bad |= cli_jset(x, "roles", roles_json(u->roles));
            bad |= cli_jset(x, "disabled", json_boolean(u->disabled));
            bad |= cli_jset(x, "locked", json_boolean(u->locked_until != NULL));
            bad |= cli_jset(x, "locked_until", cli_jstr(u->locked_until));
            bad |= cli_jset(x, "last_login_at", cli_jstr(u->last_login_at));
            bad |= cli_jset(x, "created_at", cli_jstr(u->created_at));
            bad |= cli_jset(x, "password_changed_at", cli_jstr(u->password_changed_at));
            bad |= cli_jset_id(x, "provider_id", u->provider_id);
        }
        if (bad) {
            json_decref(o);
            o = NULL;
        }
        rc = cli_json_print(cli, o);
        goto out;
    }
    {
        struct cli_table t;
        cli_table_init(&t, FOLIO_ARRAY_LEN(head), head);
        for (size_t i = 0; !rc && i < n; i++) {
            const struct folio_user *u = &users[i];
            char roles[256];
            (void)folio_roles_format(u->roles, roles, sizeof roles);
            const char *cells[] = {u->username,
                                   u->display_name,
                                   roles,
                                   u->disabled ? "yes" : "no",
                                   u->locked_until ? u->locked_until : "no",
                                   u->last_login_at ? u->last_login_at : "never"};
            rc = cli_table_add(&t, cells);
        }
        if (!rc) {
            cli_table_print(&t, stdout);
            printf("%zu user%s\n", n, n == 1 ? "" : "s");
        } else {
            (void)folio_err_set(&cli->err, rc, NULL, "out of memory");
        }
        cli_table_release(&t);
    }
out:
    folio_arena_release(&a);
    return rc;
}

static enum folio_rc user_main(struct folio_cli *cli, int argc, char **argv)
{
    const char *sub;
    enum folio_rc rc;

    if (argc < 2)
        return cli_usage(cli, "user: missing subcommand (add, disable, enable, roles, "
                              "provider, home, reset-password or list)");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0 ||
            (i == 1 && strcmp(argv[i], "help") == 0)) {
            fputs(usage, stdout);
            return FOLIO_OK;
        }
    }
    rc = refuse_password_arg(cli, argc, argv);
    if (rc)
        return rc;
    sub = argv[1];
    if (strcmp(sub, "add") == 0)
        return user_add(cli, argc - 1, argv + 1);
    if (strcmp(sub, "disable") == 0)
        return user_set_disabled(cli, argc - 1, argv + 1, true);
    if (strcmp(sub, "enable") == 0)
        return user_set_disabled(cli, argc - 1, argv + 1, false);
    if (strcmp(sub, "roles") == 0)
        return user_roles(cli, argc - 1, argv + 1);
    if (strcmp(sub, "provider") == 0)
        return user_provider(cli, argc - 1, argv + 1);
    if (strcmp(sub, "reset-password") == 0)
        return user_reset(cli, argc - 1, argv + 1);
    if (strcmp(sub, "home") == 0)
        return user_home(cli, argc - 1, argv + 1);
    if (strcmp(sub, "list") == 0)
        return user_list(cli, argc - 1, argv + 1);
    return cli_usage(cli,
                     "user: unknown subcommand '%s' (add, disable, enable, roles, "
                     "provider, home, reset-password or list)",
                     sub);
}

int cmd_user(struct folio_cli *cli, int argc, char **argv)
{
    return (int)user_main(cli, argc, argv);
}

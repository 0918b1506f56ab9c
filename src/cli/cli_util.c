/* Private helpers of the `folio` command: option parsing, aligned tables, JSON output. */
#include "folio/base.h"
#include "folio/audit.h"

#include "cli/cli_util.h"

#include <dirent.h>
#include <sys/stat.h>

enum folio_rc cli_usage(struct folio_cli *cli, const char *fmt, ...)
{
    va_list ap;
    char msg[sizeof(cli->err.msg)];

    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return folio_err_set(&cli->err, FOLIO_EUSAGE, NULL, "%s", msg);
}

static const struct cli_opt *find_opt(const struct cli_opt *opts, size_t nopts, struct folio_sv name)
{
    size_t i;

    for (i = 0; i < nopts; i++) {
        if (folio_sv_eq_cstr(name, opts[i].name))
            return &opts[i];
    }
    return NULL;
}

static enum folio_rc parse_count(struct folio_cli *cli, const char *what, const char *opt,
                                 const char *s, int64_t *out)
{
    int64_t v = 0;

    if (folio_sv_to_i64(folio_sv_from(s), &v) != FOLIO_OK || v < 0)
        return cli_usage(cli, "%s: --%s needs a whole number >= 0, got '%s'", what, opt, s);
    *out = v;
    return FOLIO_OK;
}

static bool is_global_only(struct folio_sv name)
{
    return folio_sv_eq_cstr(name, "db") || folio_sv_eq_cstr(name, "key") ||
           folio_sv_eq_cstr(name, "as") || folio_sv_eq_cstr(name, "version");
}

enum folio_rc cli_parse(struct folio_cli *cli, const char *what, int argc, char **argv, int start,
                        const struct cli_opt *opts, size_t nopts, int max_pos,
                        struct cli_args *args, bool *help)
{
    int i;
    bool only_pos = false;

    memset(args, 0, sizeof(*args));
    if (help)
        *help = false;
    if (max_pos > CLI_MAX_POS)
        max_pos = CLI_MAX_POS;
    for (i = start; i < argc; i++) {
        const char *a = argv[i];
        const struct cli_opt *o;
        struct folio_sv name;
        const char *eq, *val = NULL;

        if (only_pos || a[0] != '-' || a[1] == '\0') {
            if (args->npos >= max_pos)
                return cli_usage(cli, "%s: unexpected argument '%s'", what, a);
            args->pos[args->npos++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_pos = true;
            continue;
        }
        if (a[1] != '-') {
            if (help && strcmp(a, "-h") == 0) {
                *help = true;
                continue;
            }
            if (strcmp(a, "-q") == 0) {
                cli->quiet = true;
                continue;
            }
            return cli_usage(cli, "%s: unknown option '%s'", what, a);
        }
        eq = strchr(a + 2, '=');
        name.p = a + 2;
        name.len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
        if (eq)
            val = eq + 1;
        o = find_opt(opts, nopts, name);
        if (!o) {
            if (folio_sv_eq_cstr(name, "json"))
                cli->json = true;
            else if (folio_sv_eq_cstr(name, "quiet"))
                cli->quiet = true;
            else if (help && folio_sv_eq_cstr(name, "help"))
                *help = true;
            else if (is_global_only(name))
                return cli_usage(cli, "%s: option '--%.*s' goes before the command (folio --%.*s ... %s)",
                                 what, (int)name.len, name.p, (int)name.len, name.p, what);
            else
                return cli_usage(cli, "%s: unknown option '--%.*s'", what, (int)name.len, name.p);
            if (eq)
                return cli_usage(cli, "%s: option '--%.*s' takes no value", what, (int)name.len,
                                 name.p);
            continue;
        }
        if (o->kind == CLI_OPT_FLAG) {
            if (eq)
                return cli_usage(cli, "%s: option '--%s' takes no value", what, o->name);
            *(bool *)o->dst = true;
            continue;
        }
        if (!val) {
            if (i + 1 >= argc)
                return cli_usage(cli, "%s: option '--%s' needs a value", what, o->name);
            val = argv[++i];
        }
        if (o->kind == CLI_OPT_STR) {
            *(const char **)o->dst = val;
        } else {
            enum folio_rc rc = parse_count(cli, what, o->name, val, (int64_t *)o->dst);
            if (rc)
                return rc;
        }
    }
    return FOLIO_OK;
}

enum folio_rc cli_check_limit(struct folio_cli *cli, int64_t limit)
{
    if (limit > 1000)
        return folio_err_set(&cli->err, FOLIO_EINVAL, "limit",
                             "--limit must be between 1 and 1000, got %lld", (long long)limit);
    return FOLIO_OK;
}

enum folio_rc cli_parse_id(struct folio_cli *cli, const char *what, const char *s, int64_t *out)
{
    int64_t v = 0;

    if (!s || folio_sv_to_i64(folio_sv_from(s), &v) != FOLIO_OK || v <= 0)
        return folio_err_set(&cli->err, FOLIO_EUSAGE, "id",
                             "%s: expected a numeric id > 0, got '%s'", what, s ? s : "");
    *out = v;
    return FOLIO_OK;
}

/* ---- tables ---- */

size_t cli_utf8_width(const char *s)
{
    size_t w = 0;

    for (; s && *s; s++) {
        if (((unsigned char)*s & 0xC0) != 0x80)
            w++;
    }
    return w;
}

void cli_table_init(struct cli_table *t, size_t ncols, const char *const *head)
{
    size_t i;

    memset(t, 0, sizeof(*t));
    if (ncols > CLI_TABLE_MAX_COLS)
        FOLIO_BUG("too many table columns: %zu", ncols);
    t->ncols = ncols;
    folio_arena_init(&t->arena, 0);
    for (i = 0; i < ncols; i++) {
        t->head[i] = head[i];
        t->width[i] = cli_utf8_width(head[i]);
    }
}

enum folio_rc cli_table_add(struct cli_table *t, const char *const *cells)
{
    char **row;
    size_t i;

    if (t->nrows == t->caprows) {
        size_t ncap = t->caprows ? t->caprows * 2 : 16, bytes;
        char ***nrows;

        if (!folio_size_mul(ncap, sizeof(*nrows), &bytes))
            return FOLIO_ENOMEM;
        nrows = folio_arena_alloc(&t->arena, bytes);
        if (!nrows)
            return FOLIO_ENOMEM;
        if (t->nrows)
            memcpy(nrows, t->rows, t->nrows * sizeof(*nrows));
        t->rows = nrows;
        t->caprows = ncap;
    }
    row = folio_arena_calloc(&t->arena, t->ncols, sizeof(*row));
    if (!row)
        return FOLIO_ENOMEM;
    for (i = 0; i < t->ncols; i++) {
        const char *c = folio_str_empty(cells[i]) ? "-" : cells[i];
        size_t w;

        row[i] = folio_arena_strdup(&t->arena, c);
        if (!row[i])
            return FOLIO_ENOMEM;
        /* keep each cell on one line */
        for (char *p = row[i]; *p; p++) {
            if (*p == '\n' || *p == '\r' || *p == '\t')
                *p = ' ';
        }
        w = cli_utf8_width(row[i]);
        if (w > t->width[i])
            t->width[i] = w;
    }
    t->rows[t->nrows++] = row;
    return FOLIO_OK;
}

static void print_cell(FILE *f, const char *s, size_t width, bool last)
{
    size_t w = cli_utf8_width(s);

    fputs(s, f);
    if (!last) {
        for (; w < width + 2; w++)
            fputc(' ', f);
    }
}

void cli_table_print(struct cli_table *t, FILE *f)
{
    size_t r, c;

    for (c = 0; c < t->ncols; c++)
        print_cell(f, t->head[c], t->width[c], c + 1 == t->ncols);
    fputc('\n', f);
    for (r = 0; r < t->nrows; r++) {
        for (c = 0; c < t->ncols; c++)
            print_cell(f, t->rows[r][c], t->width[c], c + 1 == t->ncols);
        fputc('\n', f);
    }
}

void cli_table_release(struct cli_table *t)
{
    folio_arena_release(&t->arena);
    t->rows = NULL;
    t->nrows = t->caprows = 0;
}

void cli_kv(FILE *f, const char *key, const char *value)
{
    fprintf(f, "%-16s %s\n", key, folio_str_empty(value) ? "-" : value);
}

/* ---- JSON ---- */

json_t *cli_jstr(const char *s)
{
    return s ? json_string(s) : json_null();
}

enum folio_rc cli_json_print(struct folio_cli *cli, json_t *v)
{
    char *s;

    if (!v)
        return folio_err_set(&cli->err, FOLIO_ENOMEM, NULL, "out of memory building JSON");
    s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    json_decref(v);
    if (!s)
        return folio_err_set(&cli->err, FOLIO_ENOMEM, NULL, "out of memory writing JSON");
    fputs(s, stdout);
    fputc('\n', stdout);
    free(s);
    return FOLIO_OK;
}

/* ---- misc ---- */

void cli_url_redact(const char *url, char *out, size_t cap)
{
    const char *scheme_end, *at, *colon, *q;
    struct folio_buf b;

    folio_buf_init(&b, 4096);
    if (!url)
        url = "";
    scheme_end = strstr(url, "://");
    if (!scheme_end) {
        (void)folio_strlcpy(out, url, cap);
        return;
    }
    /* postgresql://user:password@host/db?password=... */
    at = strchr(scheme_end + 3, '@');
    q = strchr(scheme_end + 3, '/');
    if (at && (!q || at < q)) {
        colon = memchr(scheme_end + 3, ':', (size_t)(at - (scheme_end + 3)));
        if (colon) {
            if (folio_buf_append(&b, url, (size_t)(colon - url)) ||
                folio_buf_append_str(&b, ":***") || folio_buf_append_str(&b, at))
                goto fallback;
        } else if (folio_buf_append_str(&b, url)) {
            goto fallback;
        }
    } else if (folio_buf_append_str(&b, url)) {
        goto fallback;
    }
    /* password=... in the query string */
    {
        const char *pw = strstr(b.data, "password=");
        if (pw) {
            struct folio_buf c;
            const char *end;

            pw += strlen("password=");
            end = strchr(pw, '&');
            folio_buf_init(&c, 4096);
            if (folio_buf_append(&c, b.data, (size_t)(pw - b.data)) ||
                folio_buf_append_str(&c, "***") || folio_buf_append_str(&c, end ? end : "")) {
                folio_buf_release(&c);
                goto fallback;
            }
            folio_buf_release(&b);
            b = c;
        }
    }
    (void)folio_strlcpy(out, b.data, cap);
    folio_buf_release(&b);
    return;
fallback:
    folio_buf_release(&b);
    (void)folio_strlcpy(out, "(database URL)", cap);
}

void cli_note(const struct folio_cli *cli, const char *fmt, ...)
{
    va_list ap;

    if (cli->quiet)
        return;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

enum folio_rc cli_audit(struct folio_cli *cli, const char *action, int64_t patient_id,
                        const char *entity_type, int64_t entity_id, const char *detail)
{
    struct folio_audit_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.action = action;
    ev.username = cli->actor;
    ev.patient_id = patient_id;
    ev.entity_type = entity_type;
    ev.entity_id = entity_id;
    ev.detail = detail;
    ev.client = "cli";
    return folio_audit_append(cli->store, &ev, NULL, &cli->err);
}

bool cli_has_mce(const char *dir)
{
    char path[4096];
    struct stat st;

    return folio_snprintf(path, sizeof path, "%s/mce_i10_dx_master.tsv", dir) &&
           stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

bool cli_has_drg(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    bool found = false;

    if (d == NULL)
        return false;
    while (!found && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        found = strncmp(e->d_name, "msdrg_v", 7) == 0 && n > 14 &&
                strcmp(e->d_name + n - 7, "_dx.tsv") == 0;
    }
    closedir(d);
    return found;
}

bool cli_shared_dir(const char *subdir, bool (*has)(const char *), char *out, size_t cap,
                    char *tried, size_t tcap)
{
    const char *shared = getenv("FOLIO_SHARED");

    tried[0] = '\0';
    if (shared && shared[0]) {
        if (folio_snprintf(out, cap, "%s/%s", shared, subdir) && has(out))
            return true;
        (void)folio_snprintf(tried, tcap, "%s, ", out);
    }
    if (folio_snprintf(out, cap, "../shared/%s", subdir) && has(out))
        return true;
    (void)folio_snprintf(tried + strlen(tried), tcap - strlen(tried), "../shared/%s", subdir);
    out[0] = '\0';
    return false;
}

enum folio_rc cli_parse_day(struct folio_cli *cli, const char *what, const char *s, int32_t *out)
{
    char digits[9];
    size_t n = 0, len = strlen(s);
    int64_t v;

    for (size_t i = 0; i < len; i++) {
        if (s[i] == '-' && (i == 4 || i == 7) && len == 10)
            continue;
        if (s[i] < '0' || s[i] > '9' || n == 8)
            goto bad;
        digits[n++] = s[i];
    }
    digits[n] = '\0';
    if (n != 8 || folio_sv_to_i64(folio_sv_from(digits), &v))
        goto bad;
    if (v % 100 < 1 || v % 100 > 31 || (v / 100) % 100 < 1 || (v / 100) % 100 > 12)
        goto bad;
    *out = (int32_t)v;
    return FOLIO_OK;
bad:
    return cli_usage(cli, "%s: --discharge-date must be YYYY-MM-DD, not '%s'", what, s);
}

/* Private helpers of the chart commands: opening the chart, shared tables (the JSON objects are
 * the library's, folio/chart_json.h). */
#include "folio/base.h"

#include <errno.h>

#include "cli/cli_chart.h"
#include "cli/cli_util.h"

#define CLI_CONTENT_MAX ((size_t)64 * 1024 * 1024)

enum folio_rc cli_chart_open(struct folio_cli *cli, struct folio_chart *c)
{
    enum folio_rc rc;

    memset(c, 0, sizeof(*c));
    rc = folio_cli_load_key(cli, false);
    if (rc)
        return rc;
    rc = folio_cli_open_store(cli);
    if (rc)
        return rc;
    c->store = cli->store;
    c->key = &cli->key;
    c->actor = cli->actor;
    return FOLIO_OK;
}

int cli_jset(json_t *o, const char *k, json_t *v)
{
    if (!v)
        return 1;
    return json_object_set_new(o, k, v) != 0;
}

int cli_jset_str(json_t *o, const char *k, const char *s)
{
    return cli_jset(o, k, cli_jstr(s));
}

int cli_jset_int(json_t *o, const char *k, int64_t v)
{
    return cli_jset(o, k, json_integer((json_int_t)v));
}

int cli_jset_id(json_t *o, const char *k, int64_t v)
{
    return cli_jset(o, k, v ? json_integer((json_int_t)v) : json_null());
}

enum folio_rc cli_print_encounters(struct folio_cli *cli, const struct folio_encounter_page *pg)
{
    static const char *const head[] = {"ID",     "CLASS",     "STATUS",  "ADMIT_AT",
                                       "DISCHARGE_AT", "FACILITY", "LOCATION", "REASON"};
    struct cli_table t;
    enum folio_rc rc = FOLIO_OK;
    size_t i;

    cli_table_init(&t, FOLIO_ARRAY_LEN(head), head);
    for (i = 0; i < pg->n; i++) {
        const struct folio_encounter *e = &pg->items[i];
        char id[24];
        const char *cells[8];

        (void)folio_snprintf(id, sizeof(id), "%lld", (long long)e->id);
        cells[0] = id;
        cells[1] = e->enc_class;
        cells[2] = e->status;
        cells[3] = e->admit_at;
        cells[4] = e->discharge_at;
        cells[5] = e->facility_code;
        cells[6] = e->location;
        cells[7] = e->reason;
        rc = cli_table_add(&t, cells);
        if (rc) {
            rc = folio_err_set(&cli->err, rc, NULL, "out of memory");
            goto out;
        }
    }
    cli_table_print(&t, stdout);
out:
    cli_table_release(&t);
    return rc;
}

enum folio_rc cli_print_documents(struct folio_cli *cli, const struct folio_document_page *pg)
{
    static const char *const head[] = {"ID", "TYPE", "TITLE", "STATUS", "VERSIONS", "SERVICE_AT",
                                       "ENCOUNTER"};
    struct cli_table t;
    enum folio_rc rc = FOLIO_OK;
    size_t i;

    cli_table_init(&t, FOLIO_ARRAY_LEN(head), head);
    for (i = 0; i < pg->n; i++) {
        const struct folio_document *d = &pg->items[i];
        char id[24], nv[24], enc[24];
        const char *cells[7];

        (void)folio_snprintf(id, sizeof(id), "%lld", (long long)d->id);
        (void)folio_snprintf(nv, sizeof(nv), "%lld", (long long)d->n_versions);
        enc[0] = '\0';
        if (d->encounter_id)
            (void)folio_snprintf(enc, sizeof(enc), "%lld", (long long)d->encounter_id);
        cells[0] = id;
        cells[1] = d->type_code;
        cells[2] = d->current.title ? d->current.title : d->type_title;
        cells[3] = d->current.status;
        cells[4] = nv;
        cells[5] = d->service_at ? d->service_at : d->filed_at;
        cells[6] = enc;
        rc = cli_table_add(&t, cells);
        if (rc) {
            rc = folio_err_set(&cli->err, rc, NULL, "out of memory");
            goto out;
        }
    }
    cli_table_print(&t, stdout);
out:
    cli_table_release(&t);
    return rc;
}

void cli_person_name(char *out, size_t cap, const char *family, const char *given,
                     const char *middle)
{
    (void)folio_snprintf(out, cap, "%s%s%s%s%s", family ? family : "",
                         (family && (given || middle)) ? ", " : "", given ? given : "",
                         (given && middle) ? " " : "", middle ? middle : "");
}

static enum folio_rc read_stdin(struct folio_cli *cli, struct folio_buf *buf)
{
    char chunk[65536];
    size_t n;

    while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0) {
        if (folio_buf_append(buf, chunk, n))
            return folio_err_set(&cli->err, FOLIO_ETOOBIG, "file",
                                 "standard input is larger than %zu bytes", buf->max);
    }
    if (ferror(stdin))
        return folio_err_set(&cli->err, FOLIO_EIO, "file", "cannot read standard input: %s",
                             strerror(errno));
    return FOLIO_OK;
}

enum folio_rc cli_read_content(struct folio_cli *cli, const char *what, const char *file,
                               const char *text, struct folio_buf *buf)
{
    folio_buf_init(buf, CLI_CONTENT_MAX);
    if (file && text)
        return cli_usage(cli, "%s: give either --file or --text, not both", what);
    if (!file && !text)
        return cli_usage(cli, "%s: the content is missing: give --file PATH or --text TEXT", what);
    if (text) {
        if (folio_buf_append_str(buf, text))
            return folio_err_set(&cli->err, FOLIO_ETOOBIG, "text", "--text is too long");
        return FOLIO_OK;
    }
    if (strcmp(file, "-") == 0)
        return read_stdin(cli, buf);
    return folio_buf_read_file(buf, file, &cli->err);
}

enum folio_rc cli_resolve_provider(struct folio_cli *cli, const struct folio_chart *c,
                                   const char *s, int64_t *id)
{
    struct folio_arena a;
    struct folio_provider p;
    enum folio_rc rc;

    *id = 0;
    if (!s)
        return FOLIO_OK;
    if (strlen(s) == 10 && folio_npi_valid(s))
        return folio_provider_find_npi(c, s, id, &cli->err);
    if (folio_sv_to_i64(folio_sv_from(s), id) != FOLIO_OK || *id <= 0) {
        *id = 0;
        return folio_err_set(&cli->err, FOLIO_EINVAL, "author",
                             "author must be a valid NPI or a provider id, got '%s'", s);
    }
    folio_arena_init(&a, 0);
    rc = folio_provider_get(c, *id, &a, &p, &cli->err);
    folio_arena_release(&a);
    return rc;
}

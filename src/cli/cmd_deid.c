/* folio deid text [--spans]: de-identification of one free-text note read on standard input
 * (folio/deid.h, docs/deid.md). Needs no database and no key. */
#include "folio/base.h"
#include "folio/deid.h"

#include "cli/cli.h"
#include "cli/cli_util.h"

#include <errno.h>

static const char deid_usage[] =
    "usage: folio deid text [--spans] [--json] < NOTE\n"
    "\n"
    "text       read one UTF-8 note on standard input and write it with every identifier\n"
    "           (45 CFR 164.514(b)(2)) replaced by a tag such as [NAME] or [DATE]\n"
    "  --spans  write instead the JSON array of what was found:\n"
    "           [{\"start\":N,\"end\":N,\"type\":\"name\"},...], byte offsets into the input\n"
    "  --json   write {\"text\": the de-identified note, \"removed\": {type: count}, \"total\": "
    "N}\n"
    "Notes over 1 MiB or not valid UTF-8 are refused (exit 7 / 2). No database is opened.\n";

static enum folio_rc read_all_stdin(struct folio_cli *cli, struct folio_buf *buf)
{
    char chunk[65536];
    size_t n;

    while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0) {
        if (folio_buf_append(buf, chunk, n))
            return folio_err_set(&cli->err, FOLIO_ETOOBIG, "text",
                                 "the note on standard input is larger than %zu bytes",
                                 FOLIO_DEID_TEXT_MAX);
    }
    if (ferror(stdin))
        return folio_err_set(&cli->err, FOLIO_EIO, "text", "cannot read standard input: %s",
                             strerror(errno));
    return FOLIO_OK;
}

static enum folio_rc deid_text(struct folio_cli *cli, int argc, char **argv)
{
    bool spans_flag = false;
    const struct cli_opt opts[] = {{"spans", CLI_OPT_FLAG, &spans_flag}};
    struct cli_args args;
    struct folio_buf in, out;
    struct folio_deid_spans spans = {0};
    struct folio_deid_report report;
    enum folio_rc rc;

    rc = cli_parse(cli, "deid text", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 0, &args, NULL);
    if (rc)
        return rc;
    folio_buf_init(&in, FOLIO_DEID_TEXT_MAX);
    folio_buf_init(&out, 4 * FOLIO_DEID_TEXT_MAX + 1024);
    rc = read_all_stdin(cli, &in);
    if (!rc)
        rc = folio_deid_text_find(in.data, in.len, &spans, &cli->err);
    if (rc)
        goto out;
    if (spans_flag) {
        rc = folio_deid_spans_json(&spans, &out);
        if (!rc)
            rc = folio_buf_append_ch(&out, '\n');
    } else if (cli->json) {
        struct folio_buf txt;
        json_t *o, *removed;
        unsigned t;
        folio_buf_init(&txt, 2 * FOLIO_DEID_TEXT_MAX + 1024);
        rc = folio_deid_text_apply(in.data, in.len, &spans, &txt, &report);
        o = json_object();
        removed = json_object();
        if (!rc && o && removed) {
            for (t = 0; t < FOLIO_DEID_NTYPES; t++)
                if (report.count[t])
                    json_object_set_new(removed, folio_deid_type_name((enum folio_deid_type)t),
                                        json_integer((json_int_t)report.count[t]));
            json_object_set_new(o, "text", json_stringn(txt.data, txt.len));
            json_object_set_new(o, "removed", removed);
            removed = NULL;
            json_object_set_new(o, "total", json_integer((json_int_t)report.total));
            folio_buf_release(&txt);
            folio_buf_release(&in);
            folio_buf_release(&out);
            folio_deid_spans_release(&spans);
            return cli_json_print(cli, o);
        }
        json_decref(o);
        json_decref(removed);
        folio_buf_release(&txt);
        if (!rc)
            rc = FOLIO_ENOMEM;
    } else {
        rc = folio_deid_text_apply(in.data, in.len, &spans, &out, &report);
    }
    if (rc) {
        folio_err_set(&cli->err, rc, NULL, "cannot write the de-identified note (%s)",
                      folio_rc_name(rc));
        goto out;
    }
    if (fwrite(out.data, 1, out.len, stdout) != out.len)
        rc = folio_err_set(&cli->err, FOLIO_EIO, NULL, "cannot write to standard output: %s",
                           strerror(errno));
out:
    folio_buf_release(&in);
    folio_buf_release(&out);
    folio_deid_spans_release(&spans);
    return rc;
}

int cmd_deid(struct folio_cli *cli, int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0 ||
            (i == 1 && strcmp(argv[i], "help") == 0)) {
            fputs(deid_usage, stdout);
            return FOLIO_OK;
        }
    if (argc < 2)
        return (int)cli_usage(cli, "deid: missing subcommand (text)");
    if (strcmp(argv[1], "text") == 0)
        return (int)deid_text(cli, argc - 1, argv + 1);
    return (int)cli_usage(cli, "deid: unknown subcommand '%s' (text)", argv[1]);
}

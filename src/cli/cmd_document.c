/* folio document add | show | list | history | amend | correct | addendum | finalize | sign |
 * error: documents whose versions are kept forever. */
#include "folio/base.h"

#include "cli/cli.h"
#include "cli/cli_chart.h"
#include "cli/cli_util.h"
#include "folio/audit.h"
#include "folio/chart_json.h"
#include "folio/completeness.h"
#include "folio/records.h"
#include "folio/time.h"

static const char usage[] =
    "usage: folio document add --patient ID --type LOINC (--file PATH | --text TEXT) [options]\n"
    "       folio document show ID [--version N] [--raw]\n"
    "       folio document list --patient ID [--encounter ID] [--limit N] [--offset N]\n"
    "       folio document history ID\n"
    "       folio document amend ID --reason TEXT (--file PATH | --text TEXT) [--title TEXT]\n"
    "       folio document correct ID --reason TEXT (--file PATH | --text TEXT) [--title TEXT]\n"
    "       folio document addendum ID --text TEXT [--reason TEXT]\n"
    "       folio document finalize ID\n"
    "       folio document sign ID [--role author|cosigner|authenticator] [--provider NPI|ID]\n"
    "       folio document error ID --reason TEXT       (marks it entered-in-error)\n"
    "       folio document tag ID [--add TAG | --remove TAG --reason TEXT] [--history]\n"
    "\n"
    "document add options:\n"
    "  --type LOINC           document type, e.g. 34117-2 (H&P), 18842-5 (discharge summary)\n"
    "  --type-title TEXT      needed when the code is not in Folio's LOINC table\n"
    "  --title TEXT           default: the type's title\n"
    "  --encounter ID         the encounter it belongs to (same patient)\n"
    "  --author NPI|ID        the authoring provider\n"
    "  --status preliminary|final   (default final)\n"
    "  --service-at TIME      when the documented service happened\n"
    "  --mime TYPE            default text/plain\n"
    "  --reason TEXT          why it comes late: required when the encounter's chart is\n"
    "                         complete (the document is then a late entry)\n"
    "document tag: sensitivity tags psychotherapy_notes, sud_part2, hiv_sti, genetic,\n"
    "  reproductive_health, behavioral_health (docs/roi.md); without --add/--remove lists them.\n"
    "--file - reads standard input. Every change makes a new version; nothing is overwritten.\n"
    "show prints the header then the content; --raw prints only the content's bytes;\n"
    "--version N shows version N (default: the current one). --if-version N on a change refuses\n"
    "it (exit 4) when the current version is not N.\n";

/* A document's audit entry, with the document's patient. */
static enum folio_rc audit_document(struct folio_cli *cli, const struct folio_chart *chart,
                                    const char *action, int64_t id, const char *detail)
{
    struct folio_arena a;
    struct folio_document d;
    enum folio_rc rc;

    folio_arena_init(&a, 0);
    rc = folio_document_get(chart, id, &a, &d, &cli->err);
    if (!rc)
        rc = cli_audit(cli, action, d.patient_id, "document", id, detail);
    folio_arena_release(&a);
    return rc;
}

static enum folio_rc print_id_json(struct folio_cli *cli, const char *k1, int64_t v1, const char *k2,
                         int64_t v2)
{
    json_t *o = json_object();

    if (o && (cli_jset_int(o, k1, v1) | (k2 ? cli_jset_int(o, k2, v2) : 0))) {
        json_decref(o);
        o = NULL;
    }
    return cli_json_print(cli, o);
}

/* After a document of encounter enc was filed, changed or signed: the deficiency analysis of a
 * discharged chart, in the command's transaction, as the API does (docs/completeness.md). */
static enum folio_rc analyse_change(struct folio_cli *cli, int64_t enc)
{
    if (!enc)
        return FOLIO_OK;
    return folio_completeness_on_change(cli->store, enc, NULL, cli->actor, NULL, &cli->err);
}

/* ---- add ---- */

static enum folio_rc document_add(struct folio_cli *cli, int argc, char **argv)
{
    const char *patient = NULL, *type = NULL, *type_title = NULL, *title = NULL, *file = NULL;
    const char *text = NULL, *encounter = NULL, *author = NULL, *status = NULL;
    const char *service_at = NULL, *mime = NULL, *reason = NULL;
    const struct cli_opt opts[] = {
        {"patient", CLI_OPT_STR, &patient},   {"type", CLI_OPT_STR, &type},
        {"type-title", CLI_OPT_STR, &type_title}, {"title", CLI_OPT_STR, &title},
        {"file", CLI_OPT_STR, &file},         {"text", CLI_OPT_STR, &text},
        {"encounter", CLI_OPT_STR, &encounter}, {"author", CLI_OPT_STR, &author},
        {"status", CLI_OPT_STR, &status},     {"service-at", CLI_OPT_STR, &service_at},
        {"mime", CLI_OPT_STR, &mime},         {"reason", CLI_OPT_STR, &reason},
    };
    struct cli_args args;
    struct folio_chart chart;
    struct folio_document_new in;
    struct folio_buf content;
    int64_t pid = 0, eid = 0, doc = 0, ver = 0;
    bool in_tx = false;
    enum folio_rc rc;

    folio_buf_init(&content, 0);
    rc = cli_parse(cli, "document add", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 0, &args,
                   NULL);
    if (rc)
        goto out;
    if (!patient) {
        rc = cli_usage(cli, "document add: --patient ID is required");
        goto out;
    }
    if (!type) {
        rc = cli_usage(cli, "document add: --type LOINC is required");
        goto out;
    }
    rc = cli_parse_id(cli, "document add --patient", patient, &pid);
    if (rc)
        goto out;
    if (encounter) {
        rc = cli_parse_id(cli, "document add --encounter", encounter, &eid);
        if (rc)
            goto out;
    }
    rc = cli_read_content(cli, "document add", file, text, &content);
    if (rc)
        goto out;
    rc = cli_chart_open(cli, &chart);
    if (rc)
        goto out;
    rc = folio_store_begin(cli->store, &cli->err);
    if (rc)
        goto out;
    in_tx = true;
    memset(&in, 0, sizeof(in));
    in.patient_id = pid;
    in.encounter_id = eid;
    rc = cli_resolve_provider(cli, &chart, author, &in.author_id);
    if (rc)
        goto out;
    in.type_code = type;
    in.type_title = type_title;
    in.title = title;
    in.service_at = service_at;
    in.status = status;
    in.content = content.data;
    in.content_len = content.len;
    in.mime_type = mime;
    in.reason = reason;
    rc = folio_document_create(&chart, &in, &doc, &ver, &cli->err);
    if (!rc)
        rc = analyse_change(cli, eid);
    if (rc)
        goto out;
    rc = cli_audit(cli, "document.create", pid, "document", doc, NULL);
    if (!rc)
        rc = folio_store_commit(cli->store, &cli->err);
    if (rc)
        goto out;
    in_tx = false;
    if (cli->json)
        rc = print_id_json(cli, "id", doc, "version_id", ver);
    else
        printf("created document %lld (version 1)\n", (long long)doc);
out:
    if (in_tx)
        folio_store_rollback(cli->store);
    folio_buf_release(&content);
    return rc;
}

/* ---- show ---- */

static bool is_text(const char *mime, const void *p, size_t len)
{
    if (mime && strncmp(mime, "text/", 5) != 0 && strcmp(mime, "application/json") != 0 &&
        strcmp(mime, "application/xml") != 0)
        return false;
    return memchr(p, '\0', len) == NULL;
}

static enum folio_rc document_show(struct folio_cli *cli, int argc, char **argv)
{
    int64_t want = 0, id = 0;
    bool raw = false;
    const struct cli_opt opts[] = {
        {"version", CLI_OPT_I64, &want},
        {"raw", CLI_OPT_FLAG, &raw},
    };
    struct cli_args args;
    struct folio_chart chart;
    struct folio_arena a;
    struct folio_document d;
    struct folio_document_version *vs = NULL, *v;
    size_t nv = 0;
    const void *p = NULL;
    size_t len = 0;
    char num[64];
    bool in_tx = false;
    enum folio_rc rc;

    folio_arena_init(&a, 0);
    rc = cli_parse(cli, "document show", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 1, &args,
                   NULL);
    if (rc)
        goto out;
    if (args.npos != 1) {
        rc = cli_usage(cli, "document show: missing the document id");
        goto out;
    }
    rc = cli_parse_id(cli, "document show", args.pos[0], &id);
    if (rc)
        goto out;
    rc = cli_chart_open(cli, &chart);
    if (rc)
        goto out;
    rc = folio_store_begin(cli->store, &cli->err);
    if (rc)
        goto out;
    in_tx = true;
    rc = folio_document_get(&chart, id, &a, &d, &cli->err);
    if (rc)
        goto out;
    v = &d.current;
    if (want) {
        rc = folio_document_history(&chart, id, &a, &vs, &nv, &cli->err);
        if (rc)
            goto out;
        v = NULL;
        for (size_t i = 0; i < nv; i++) {
            if (vs[i].version_no == want)
                v = &vs[i];
        }
        if (!v) {
            rc = folio_err_set(&cli->err, FOLIO_ENOTFOUND, "version",
                               "document %lld has no version %lld (it has %zu)", (long long)id,
                               (long long)want, nv);
            goto out;
        }
    }
    rc = folio_document_content(&chart, v->id, &a, &p, &len, &cli->err);
    if (rc)
        goto out;
    rc = cli_audit(cli, raw ? "document.download" : "document.view", d.patient_id, "document", id, NULL);
    if (!rc)
        rc = folio_store_commit(cli->store, &cli->err);
    if (rc)
        goto out;
    in_tx = false;
    if (raw) {
        if (len && fwrite(p, 1, len, stdout) != len)
            rc = folio_err_set(&cli->err, FOLIO_EIO, NULL, "cannot write to standard output");
        goto out;
    }
    if (cli->json) {
        json_t *o = folio_chart_json_document(&d);
        int bad = !o;
        if (!bad) {
            bad |= cli_jset(o, "version", folio_chart_json_doc_version(v));
            bad |= cli_jset(o, "content", is_text(v->mime_type, p, len)
                                              ? json_stringn((const char *)p, len)
                                              : json_null());
        }
        if (bad) {
            json_decref(o);
            o = NULL;
        }
        rc = cli_json_print(cli, o);
        goto out;
    }
    (void)folio_snprintf(num, sizeof(num), "%lld", (long long)d.id);
    cli_kv(stdout, "document", num);
    (void)folio_snprintf(num, sizeof(num), "%lld", (long long)d.patient_id);
    cli_kv(stdout, "patient", num);
    num[0] = '\0';
    if (d.encounter_id)
        (void)folio_snprintf(num, sizeof(num), "%lld", (long long)d.encounter_id);
    cli_kv(stdout, "encounter", num);
    {
        char type[256];
        (void)folio_snprintf(type, sizeof(type), "%s (%s)", d.type_code ? d.type_code : "-",
                             d.type_title ? d.type_title : "-");
        cli_kv(stdout, "type", type);
    }
    cli_kv(stdout, "title", v->title);
    (void)folio_snprintf(num, sizeof(num), "%lld of %lld", (long long)v->version_no,
                         (long long)d.n_versions);
    cli_kv(stdout, "version", num);
    cli_kv(stdout, "status", v->status);
    cli_kv(stdout, "change", v->change_kind);
    cli_kv(stdout, "changed_by", v->changed_by);
    cli_kv(stdout, "changed_at", v->changed_at);
    if (v->reason)
        cli_kv(stdout, "reason", v->reason);
    cli_kv(stdout, "service_at", d.service_at);
    cli_kv(stdout, "sha256", v->content_sha256);
    for (size_t i = 0; i < v->n_signatures; i++) {
        char sig[512];
        (void)folio_snprintf(sig, sizeof(sig), "%s (%s) at %s",
                             v->signatures[i].signer ? v->signatures[i].signer : "-",
                             v->signatures[i].role ? v->signatures[i].role : "-",
                             v->signatures[i].signed_at ? v->signatures[i].signed_at : "-");
        cli_kv(stdout, "signed", sig);
    }
    fputs("\n", stdout);
    if (is_text(v->mime_type, p, len)) {
        fwrite(p, 1, len, stdout);
        if (len && ((const char *)p)[len - 1] != '\n')
            fputc('\n', stdout);
    } else {
        printf("(%s content, %zu bytes: use --raw to write it out)\n",
               v->mime_type ? v->mime_type : "binary", len);
    }
out:
    if (in_tx)
        folio_store_rollback(cli->store);
    folio_arena_release(&a);
    return rc;
}

/* ---- list / history ---- */

static enum folio_rc document_list(struct folio_cli *cli, int argc, char **argv)
{
    const char *patient = NULL, *encounter = NULL;
    int64_t limit = 0, offset = 0, pid = 0, eid = 0;
    const struct cli_opt opts[] = {
        {"patient", CLI_OPT_STR, &patient},
        {"encounter", CLI_OPT_STR, &encounter},
        {"limit", CLI_OPT_I64, &limit},
        {"offset", CLI_OPT_I64, &offset},
    };
    struct cli_args args;
    struct folio_chart chart;
    struct folio_arena a;
    struct folio_document_page pg;
    bool in_tx = false;
    enum folio_rc rc;

    folio_arena_init(&a, 0);
    rc = cli_parse(cli, "document list", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 0, &args,
                   NULL);
    if (rc)
        goto out;
    if (!patient) {
        rc = cli_usage(cli, "document list: --patient ID is required");
        goto out;
    }
    rc = cli_parse_id(cli, "document list --patient", patient, &pid);
    if (!rc)
        rc = cli_check_limit(cli, limit);
    if (rc)
        goto out;
    if (!rc && encounter)
        rc = cli_parse_id(cli, "document list --encounter", encounter, &eid);
    if (rc)
        goto out;
    rc = cli_chart_open(cli, &chart);
    if (rc)
        goto out;
    rc = folio_store_begin(cli->store, &cli->err);
    if (rc)
        goto out;
    in_tx = true;
    rc = folio_document_list(&chart, pid, eid, limit ? limit : 50, offset, &a, &pg, &cli->err);
    if (rc)
        goto out;
    rc = cli_audit(cli, "document.list", pid, NULL, 0, NULL);
    if (!rc)
        rc = folio_store_commit(cli->store, &cli->err);
    if (rc)
        goto out;
    in_tx = false;
    if (cli->json) {
        json_t *o = json_object(), *arr = json_array();
        int bad = !o || cli_jset(o, "items", arr);
        if (!bad) {
            bad |= cli_jset_int(o, "total", pg.total);
            for (size_t i = 0; !bad && i < pg.n; i++)
                bad |= json_array_append_new(arr, folio_chart_json_document(&pg.items[i])) != 0;
        }
        if (bad) {
            json_decref(o);
            o = NULL;
        }
        rc = cli_json_print(cli, o);
        goto out;
    }
    rc = cli_print_documents(cli, &pg);
    if (!rc)
        printf("%zu of %lld document%s\n", pg.n, (long long)pg.total, pg.total == 1 ? "" : "s");
out:
    if (in_tx)
        folio_store_rollback(cli->store);
    folio_arena_release(&a);
    return rc;
}

static enum folio_rc document_history(struct folio_cli *cli, int argc, char **argv)
{
    static const char *const head[] = {"VERSION", "STATUS", "CHANGE", "CHANGED_BY", "CHANGED_AT",
                                       "BYTES", "SHA256", "REASON"};
    struct cli_args args;
    struct folio_chart chart;
    struct folio_arena a;
    struct folio_document_version *vs = NULL;
    struct cli_table t;
    size_t nv = 0;
    int64_t id = 0;
    bool in_tx = false;
    enum folio_rc rc;

    folio_arena_init(&a, 0);
    cli_table_init(&t, FOLIO_ARRAY_LEN(head), head);
    rc = cli_parse(cli, "document history", argc, argv, 1, NULL, 0, 1, &args, NULL);
    if (rc)
        goto out;
    if (args.npos != 1) {
        rc = cli_usage(cli, "document history: missing the document id");
        goto out;
    }
    rc = cli_parse_id(cli, "document history", args.pos[0], &id);
    if (rc)
        goto out;
    rc = cli_chart_open(cli, &chart);
    if (rc)
        goto out;
    rc = folio_store_begin(cli->store, &cli->err);
    if (rc)
        goto out;
    in_tx = true;
    rc = folio_document_history(&chart, id, &a, &vs, &nv, &cli->err);
    if (rc)
        goto out;
    rc = audit_document(cli, &chart, "document.view", id, "history");
    if (!rc)
        rc = folio_store_commit(cli->store, &cli->err);
    if (rc)
        goto out;
    in_tx = false;
    if (cli->json) {
        json_t *o = json_object(), *arr = json_array();
        int bad = !o || cli_jset(o, "versions", arr);
        if (!bad) {
            bad |= cli_jset_int(o, "document_id", id);
            for (size_t i = 0; !bad && i < nv; i++)
                bad |= json_array_append_new(arr, folio_chart_json_doc_version(&vs[i])) != 0;
        }
        if (bad) {
            json_decref(o);
            o = NULL;
        }
        rc = cli_json_print(cli, o);
        goto out;
    }
    for (size_t i = 0; i < nv; i++) {
        char no[24], bytes[24], sha[16];
        const char *cells[8] = {no, vs[i].status, vs[i].change_kind, vs[i].changed_by,
                                vs[i].changed_at, bytes, sha, vs[i].reason};
        (void)folio_snprintf(no, sizeof(no), "%lld", (long long)vs[i].version_no);
        (void)folio_snprintf(bytes, sizeof(bytes), "%lld", (long long)vs[i].content_len);
        (void)folio_snprintf(sha, sizeof(sha), "%.12s",
                             vs[i].content_sha256 ? vs[i].content_sha256 : "");
        rc = cli_table_add(&t, cells);
        if (rc) {
            rc = folio_err_set(&cli->err, rc, NULL, "out of memory");
            goto out;
        }
    }
    cli_table_print(&t, stdout);
out:
    if (in_tx)
        folio_store_rollback(cli->store);
    cli_table_release(&t);
    folio_arena_release(&a);
    return rc;
}

/* ---- changes: amend, correct, addendum, finalize, error ---- */

static enum folio_rc document_change(struct folio_cli *cli, const char *what, enum folio_doc_change kind,
                           int argc, char **argv)
{
    const char *reason = NULL, *file = NULL, *text = NULL, *title = NULL, *mime = NULL;
    int64_t if_version = 0;
    const struct cli_opt all_opts[] = {
        {"reason", CLI_OPT_STR, &reason},         {"if-version", CLI_OPT_I64, &if_version},
        {"file", CLI_OPT_STR, &file},             {"text", CLI_OPT_STR, &text},
        {"title", CLI_OPT_STR, &title},           {"mime", CLI_OPT_STR, &mime},
    };
    size_t nopts = FOLIO_ARRAY_LEN(all_opts);
    struct cli_args args;
    struct folio_chart chart;
    struct folio_arena a;
    struct folio_document_change ch;
    struct folio_buf content, full;
    int64_t id = 0, ver = 0;
    bool in_tx = false;
    enum folio_rc rc;

    folio_arena_init(&a, 0);
    folio_buf_init(&content, 0);
    folio_buf_init(&full, (size_t)64 * 1024 * 1024);
    if (kind == FOLIO_DOC_FINALIZE || kind == FOLIO_DOC_ENTERED_IN_ERROR)
        nopts = 2; /* no content */
    rc = cli_parse(cli, what, argc, argv, 1, all_opts, nopts, 1, &args, NULL);
    if (rc)
        goto out;
    if (args.npos != 1) {
        rc = cli_usage(cli, "%s: missing the document id", what);
        goto out;
    }
    rc = cli_parse_id(cli, what, args.pos[0], &id);
    if (rc)
        goto out;
    if ((kind == FOLIO_DOC_AMEND || kind == FOLIO_DOC_CORRECT ||
         kind == FOLIO_DOC_ENTERED_IN_ERROR) && reason == NULL) {
        rc = folio_err_set(&cli->err, FOLIO_EINVAL, "reason", "%s: --reason TEXT is required",
                           what);
        goto out;
    }
    memset(&ch, 0, sizeof(ch));
    ch.kind = kind;
    ch.expected_version_no = if_version;
    ch.reason = reason;
    ch.title = title;
    ch.mime_type = mime;
    if (kind == FOLIO_DOC_AMEND || kind == FOLIO_DOC_CORRECT || kind == FOLIO_DOC_ADDENDUM) {
        rc = cli_read_content(cli, what, file, text, &content);
        if (rc)
            goto out;
    }
    rc = cli_chart_open(cli, &chart);
    if (rc)
        goto out;
    rc = folio_store_begin(cli->store, &cli->err);
    if (rc)
        goto out;
    in_tx = true;
    if (kind == FOLIO_DOC_ADDENDUM) {
        /* the new version holds the current content followed by the dated addendum */
        struct folio_document d;
        const void *p = NULL;
        size_t len = 0;
        char now[32];

        rc = folio_document_get(&chart, id, &a, &d, &cli->err);
        if (!rc)
            rc = folio_document_content(&chart, d.current.id, &a, &p, &len, &cli->err);
        if (rc)
            goto out;
        folio_time_now_utc(now);
        if (folio_buf_append(&full, p, len) ||
            folio_buf_appendf(&full, "%s\nAddendum %s by %s:\n", (len && ((const char *)p)[len - 1] == '\n') ? "" : "\n",
                              now, cli->actor) ||
            folio_buf_append(&full, content.data, content.len)) {
            rc = folio_err_set(&cli->err, FOLIO_ETOOBIG, "text", "the document would be too large");
            goto out;
        }
        ch.content = full.data;
        ch.content_len = full.len;
    } else if (content.data && (kind == FOLIO_DOC_AMEND || kind == FOLIO_DOC_CORRECT)) {
        ch.content = content.data;
        ch.content_len = content.len;
    }
    rc = folio_document_revise(&chart, id, &ch, &ver, &cli->err);
    if (rc)
        goto out;
    {
        struct folio_document d;
        rc = folio_document_get(&chart, id, &a, &d, &cli->err);
        if (!rc)
            rc = analyse_change(cli, d.encounter_id);
        if (rc)
            goto out;
    }
    rc = audit_document(cli, &chart, "document.amend", id, what);
    if (!rc)
        rc = folio_store_commit(cli->store, &cli->err);
    if (rc)
        goto out;
    in_tx = false;
    {
        struct folio_document d;
        rc = folio_document_get(&chart, id, &a, &d, &cli->err);
        if (rc)
            goto out;
        if (cli->json)
            rc = print_id_json(cli, "id", id, "version_no", d.current.version_no);
        else
            printf("document %lld is now version %lld (%s)\n", (long long)id,
                   (long long)d.current.version_no, d.current.status ? d.current.status : "-");
    }
out:
    if (in_tx)
        folio_store_rollback(cli->store);
    folio_buf_release(&full);
    folio_buf_release(&content);
    folio_arena_release(&a);
    return rc;
}

static enum folio_rc document_sign(struct folio_cli *cli, int argc, char **argv)
{
    const char *role = NULL, *provider = NULL;
    const struct cli_opt opts[] = {
        {"role", CLI_OPT_STR, &role},
        {"provider", CLI_OPT_STR, &provider},
    };
    struct cli_args args;
    struct folio_chart chart;
    struct folio_arena a;
    struct folio_document d;
    int64_t id = 0, prov = 0, sig = 0;
    bool in_tx = false;
    enum folio_rc rc;

    folio_arena_init(&a, 0);
    rc = cli_parse(cli, "document sign", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 1, &args,
                   NULL);
    if (rc)
        goto out;
    if (args.npos != 1) {
        rc = cli_usage(cli, "document sign: missing the document id");
        goto out;
    }
    rc = cli_parse_id(cli, "document sign", args.pos[0], &id);
    if (rc)
        goto out;
    rc = cli_chart_open(cli, &chart);
    if (rc)
        goto out;
    rc = folio_store_begin(cli->store, &cli->err);
    if (rc)
        goto out;
    in_tx = true;
    rc = cli_resolve_provider(cli, &chart, provider, &prov);
    if (rc)
        goto out;
    rc = folio_document_get(&chart, id, &a, &d, &cli->err);
    if (rc)
        goto out;
    rc = folio_document_sign(&chart, d.current.id, prov, NULL, role ? role : "author", NULL, &sig,
                             &cli->err);
    if (!rc)
        rc = analyse_change(cli, d.encounter_id);
    if (rc)
        goto out;
    rc = cli_audit(cli, "document.amend", d.patient_id, "document", id, "sign");
    if (!rc)
        rc = folio_store_commit(cli->store, &cli->err);
    if (rc)
        goto out;
    in_tx = false;
    if (cli->json)
        rc = print_id_json(cli, "id", id, "signature_id", sig);
    else
        printf("signed version %lld of document %lld\n", (long long)d.current.version_no,
               (long long)id);
out:
    if (in_tx)
        folio_store_rollback(cli->store);
    folio_arena_release(&a);
    return rc;
}

/* ---- tag: sensitivity tags (docs/roi.md "Sensitive records") ---- */

static enum folio_rc document_tag(struct folio_cli *cli, int argc, char **argv)
{
    const char *add = NULL, *del = NULL, *reason = NULL;
    bool history = false;
    const struct cli_opt opts[] = {
        {"add", CLI_OPT_STR, &add},
        {"remove", CLI_OPT_STR, &del},
        {"reason", CLI_OPT_STR, &reason},
        {"history", CLI_OPT_FLAG, &history},
    };
    static const char *const head[] = {"TAG", "SET_AT", "SET_BY", "REMOVED_AT", "REMOVED_BY",
                                       "REASON"};
    struct cli_args args;
    struct folio_chart chart;
    struct folio_arena a;
    struct folio_document_tag *tags = NULL;
    struct cli_table t;
    size_t n = 0;
    int64_t id = 0;
    bool in_tx = false;
    enum folio_rc rc;

    folio_arena_init(&a, 0);
    cli_table_init(&t, FOLIO_ARRAY_LEN(head), head);
    rc = cli_parse(cli, "document tag", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 1, &args,
                   NULL);
    if (rc)
        goto out;
    if (args.npos != 1) {
        rc = cli_usage(cli, "document tag: missing the document id");
        goto out;
    }
    if (add && del) {
        rc = cli_usage(cli, "document tag: --add or --remove, not both");
        goto out;
    }
    rc = cli_parse_id(cli, "document tag", args.pos[0], &id);
    if (!rc)
        rc = cli_chart_open(cli, &chart);
    if (!rc)
        rc = folio_store_begin(cli->store, &cli->err);
    if (rc)
        goto out;
    in_tx = true;
    if (add || del) {
        rc = add ? folio_document_tag_add(&chart, id, add, reason, &cli->err)
                 : folio_document_tag_remove(&chart, id, del, reason, &cli->err);
        if (!rc) {
            char detail[96];
            (void)folio_snprintf(detail, sizeof detail, "tag %s %s", add ? "add" : "remove",
                                 folio_sensitivity_tag(add ? add : del));
            rc = audit_document(cli, &chart, "document.amend", id, detail);
        }
    } else {
        rc = folio_document_tags(&chart, id, history, &a, &tags, &n, &cli->err);
        if (!rc)
            rc = audit_document(cli, &chart, "document.view", id, "tags");
    }
    if (!rc)
        rc = folio_store_commit(cli->store, &cli->err);
    if (rc)
        goto out;
    in_tx = false;
    if (add || del) {
        if (cli->json)
            rc = print_id_json(cli, "id", id, NULL, 0);
        else
            printf("document %lld: %s %s\n", (long long)id, add ? "tagged" : "untagged",
                   folio_sensitivity_tag(add ? add : del));
        goto out;
    }
    if (cli->json) {
        json_t *o = json_object(), *arr = json_array();
        int bad = !o || cli_jset(o, "tags", arr) || cli_jset_int(o, "document_id", id);
        for (size_t i = 0; !bad && i < n; i++) {
            json_t *e = json_object();
            bad |= !e || json_array_append_new(arr, e) != 0;
            if (!bad)
                bad |= json_object_set_new(e, "tag", cli_jstr(tags[i].tag)) |
                       json_object_set_new(e, "set_at", cli_jstr(tags[i].set_at)) |
                       json_object_set_new(e, "set_by", cli_jstr(tags[i].set_by)) |
                       json_object_set_new(e, "set_reason", cli_jstr(tags[i].set_reason)) |
                       json_object_set_new(e, "removed_at", cli_jstr(tags[i].removed_at)) |
                       json_object_set_new(e, "removed_by", cli_jstr(tags[i].removed_by)) |
                       json_object_set_new(e, "removed_reason", cli_jstr(tags[i].removed_reason));
        }
        if (bad) {
            json_decref(o);
            o = NULL;
        }
        rc = cli_json_print(cli, o);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const char *why = tags[i].removed_at ? tags[i].removed_reason : tags[i].set_reason;
        const char *cells[6] = {tags[i].tag, tags[i].set_at, tags[i].set_by, tags[i].removed_at,
                                tags[i].removed_by, why};
        rc = cli_table_add(&t, cells);
        if (rc) {
            rc = folio_err_set(&cli->err, rc, NULL, "out of memory");
            goto out;
        }
    }
    cli_table_print(&t, stdout);
out:
    if (in_tx)
        folio_store_rollback(cli->store);
    cli_table_release(&t);
    folio_arena_release(&a);
    return rc;
}

static enum folio_rc document_main(struct folio_cli *cli, int argc, char **argv)
{
    const char *sub;

    if (argc < 2)
        return cli_usage(cli, "document: missing subcommand (add, show, list, history, amend, "
                              "correct, addendum, finalize, sign, error, tag)");
    sub = argv[1];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0 ||
            (i == 1 && strcmp(argv[i], "help") == 0)) {
            fputs(usage, stdout);
            return FOLIO_OK;
        }
    }
    if (strcmp(sub, "add") == 0)
        return document_add(cli, argc - 1, argv + 1);
    if (strcmp(sub, "show") == 0)
        return document_show(cli, argc - 1, argv + 1);
    if (strcmp(sub, "list") == 0)
        return document_list(cli, argc - 1, argv + 1);
    if (strcmp(sub, "history") == 0)
        return document_history(cli, argc - 1, argv + 1);
    if (strcmp(sub, "amend") == 0)
        return document_change(cli, "document amend", FOLIO_DOC_AMEND, argc - 1, argv + 1);
    if (strcmp(sub, "correct") == 0)
        return document_change(cli, "document correct", FOLIO_DOC_CORRECT, argc - 1, argv + 1);
    if (strcmp(sub, "addendum") == 0)
        return document_change(cli, "document addendum", FOLIO_DOC_ADDENDUM, argc - 1, argv + 1);
    if (strcmp(sub, "finalize") == 0)
        return document_change(cli, "document finalize", FOLIO_DOC_FINALIZE, argc - 1, argv + 1);
    if (strcmp(sub, "error") == 0)
        return document_change(cli, "document error", FOLIO_DOC_ENTERED_IN_ERROR, argc - 1,
                               argv + 1);
    if (strcmp(sub, "sign") == 0)
        return document_sign(cli, argc - 1, argv + 1);
    if (strcmp(sub, "tag") == 0)
        return document_tag(cli, argc - 1, argv + 1);
    return cli_usage(cli, "document: unknown subcommand '%s'", sub);
}

int cmd_document(struct folio_cli *cli, int argc, char **argv)
{
    return (int)document_main(cli, argc, argv);
}

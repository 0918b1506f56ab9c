/* folio hl7 list | errors | held | show | replay | resolve | prune | send  (docs/mllp.md)
 * The HL7 v2 message log (folio/hl7log.h) and a small MLLP client. Showing a message is an
 * access to patient information: audited as interface.view. */
#include "folio/base.h"

#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/cli_chart.h"
#include "cli/cli_util.h"
#include "folio/audit.h"
#include "folio/hl7log.h"
#include "folio/hl7v2.h"
#include "server/mllp.h"

static const char usage[] =
    "usage: folio hl7 list [--since T] [--until T] [--type ADT^A01|ADT] [--status S]\n"
    "                      [--sender MSH-3] [--control-id ID] [--patient ID] [--limit N]\n"
    "                      [--offset N]\n"
    "       folio hl7 errors [--limit N]      the errors queue (AE/AR not yet resolved)\n"
    "       folio hl7 held [--limit N]        messages waiting for their visit\n"
    "       folio hl7 show ID                 raw message, parsed tree summary, ACK, errors\n"
    "       folio hl7 replay ID               re-apply a message after fixing reference data\n"
    "       folio hl7 resolve ID --reason TEXT  take a message off the errors queue\n"
    "       folio hl7 prune --older-than DAYS retention: delete done messages older than DAYS\n"
    "       folio hl7 send FILE... --to HOST:PORT [--timeout-ms N]\n"
    "                      [--tls [--tls-ca PEM] [--tls-cert PEM --tls-key PEM]]\n"
    "                                         send files over MLLP (LF -> CR, one message per\n"
    "                                         file, or several separated by blank lines)\n"
    "\n"
    "Statuses: applied, held, error, rejected, duplicate. Details: docs/mllp.md.\n";

static json_t *json_msg(const struct folio_hl7log_msg *m)
{
    json_t *o = json_object();
    int bad = !o;

    if (bad)
        return NULL;
    bad |= cli_jset_int(o, "id", m->id);
    bad |= cli_jset_str(o, "kind", m->kind);
    bad |= cli_jset_str(o, "received_at", m->received_at);
    bad |= cli_jset_int(o, "connection_id", m->connection_id);
    bad |= cli_jset_str(o, "peer", m->peer);
    bad |= cli_jset_str(o, "sender_app", m->sender_app);
    bad |= cli_jset_str(o, "sender_facility", m->sender_fac);
    bad |= cli_jset_str(o, "control_id", m->control_id);
    bad |= cli_jset_str(o, "type", m->msg_type);
    bad |= cli_jset_str(o, "version", m->version);
    bad |= cli_jset_str(o, "status", m->status);
    bad |= cli_jset_str(o, "ack_code", m->ack_code);
    bad |= cli_jset_id(o, "patient_id", m->patient_id);
    bad |= cli_jset_id(o, "encounter_id", m->encounter_id);
    bad |= cli_jset_id(o, "replay_of", m->replay_of);
    bad |= cli_jset_id(o, "duplicate_of", m->duplicate_of);
    bad |= cli_jset_id(o, "resolved_by", m->resolved_by);
    bad |= cli_jset_str(o, "resolved_at", m->resolved_at);
    bad |= cli_jset_str(o, "resolution", m->resolution);
    bad |= cli_jset_int(o, "n_errors", m->n_errors);
    bad |= cli_jset_int(o, "raw_len", m->raw_len);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static enum folio_rc print_page(struct folio_cli *cli, const struct folio_hl7log_page *pg)
{
    static const char *const head[] = {"ID",     "RECEIVED", "SENDER", "TYPE",
                                       "MSH-10", "ACK",      "STATUS", "PATIENT"};
    struct cli_table t;
    enum folio_rc rc = FOLIO_OK;
    size_t i;

    if (cli->json) {
        json_t *o = json_object(), *arr = json_array();
        int bad = !o || !arr;
        for (i = 0; !bad && i < pg->n; i++)
            bad |= json_array_append_new(arr, json_msg(&pg->items[i])) != 0;
        bad |= cli_jset(o, "items", arr);
        arr = NULL;
        bad |= cli_jset_int(o, "total", pg->total);
        if (bad) {
            json_decref(o);
            o = NULL;
        }
        return cli_json_print(cli, o);
    }
    cli_table_init(&t, FOLIO_ARRAY_LEN(head), head);
    for (i = 0; !rc && i < pg->n; i++) {
        const struct folio_hl7log_msg *m = &pg->items[i];
        char id[24], pat[24];
        const char *cells[8];

        (void)folio_snprintf(id, sizeof(id), "%lld", (long long)m->id);
        (void)folio_snprintf(pat, sizeof(pat), "%lld", (long long)m->patient_id);
        cells[0] = id;
        cells[1] = m->received_at;
        cells[2] = m->sender_app;
        cells[3] = m->msg_type;
        cells[4] = m->control_id;
        cells[5] = m->ack_code;
        cells[6] = m->status;
        cells[7] = m->patient_id ? pat : NULL;
        rc = cli_table_add(&t, cells);
    }
    if (!rc) {
        cli_table_print(&t, stdout);
        printf("(%zu of %lld)\n", pg->n, (long long)pg->total);
    }
    cli_table_release(&t);
    return rc;
}

static enum folio_rc hl7_list(struct folio_cli *cli, int argc, char **argv, bool errors, bool held)
{
    struct folio_hl7log_query q;
    struct folio_hl7log_page pg;
    struct folio_arena a;
    struct cli_args args;
    const char *since = NULL, *until = NULL, *type = NULL, *status = NULL, *sender = NULL,
               *ctl = NULL;
    int64_t patient = 0, limit = 0, offset = 0;
    const struct cli_opt opts[] = {
        {"since", CLI_OPT_STR, &since},     {"until", CLI_OPT_STR, &until},
        {"type", CLI_OPT_STR, &type},       {"status", CLI_OPT_STR, &status},
        {"sender", CLI_OPT_STR, &sender},   {"control-id", CLI_OPT_STR, &ctl},
        {"patient", CLI_OPT_I64, &patient}, {"limit", CLI_OPT_I64, &limit},
        {"offset", CLI_OPT_I64, &offset},
    };
    enum folio_rc rc;

    folio_arena_init(&a, 0);
    rc = cli_parse(cli,
                   errors ? "hl7 errors"
                   : held ? "hl7 held"
                          : "hl7 list",
                   argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 0, &args, NULL);
    if (!rc)
        rc = cli_check_limit(cli, limit);
    if (!rc)
        rc = folio_cli_open_store(cli);
    if (rc)
        goto out;
    memset(&q, 0, sizeof(q));
    q.since = since;
    q.until = until;
    q.type = type;
    q.status = status;
    q.sender = sender;
    q.control_id = ctl;
    q.patient_id = patient;
    q.errors_only = errors;
    q.held_only = held;
    q.limit = limit;
    q.offset = offset;
    rc = folio_hl7log_list(cli->store, &q, &a, &pg, &cli->err);
    if (!rc)
        rc = print_page(cli, &pg);
out:
    folio_arena_release(&a);
    return rc;
}

/* Raw HL7 with CR segment ends, printed one segment per line. */
static void print_segments(const char *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        char c = p[i];
        if (c == '\r') {
            putchar('\n');
            if (i + 1 < n && p[i + 1] == '\n')
                i++;
        } else {
            putchar((unsigned char)c);
        }
    }
    if (n && p[n - 1] != '\r' && p[n - 1] != '\n')
        putchar('\n');
}

static enum folio_rc hl7_show(struct folio_cli *cli, int argc, char **argv)
{
    struct folio_hl7log_msg m;
    struct folio_arena a;
    struct cli_args args;
    struct folio_audit_event ev;
    int64_t id = 0;
    enum folio_rc rc;
    size_t i;

    folio_arena_init(&a, 0);
    rc = cli_parse(cli, "hl7 show", argc, argv, 1, NULL, 0, 1, &args, NULL);
    if (!rc && args.npos != 1)
        rc = cli_usage(cli, "hl7 show: give one message id");
    if (!rc)
        rc = cli_parse_id(cli, "hl7 show", args.pos[0], &id);
    if (!rc)
        rc = folio_cli_open_store(cli);
    if (!rc)
        rc = folio_store_begin(cli->store, &cli->err);
    if (rc)
        goto out;
    rc = folio_hl7log_get(cli->store, id, &a, &m, &cli->err);
    if (!rc) {
        memset(&ev, 0, sizeof(ev));
        ev.action = "interface.view";
        ev.username = cli->actor;
        ev.patient_id = m.patient_id;
        ev.entity_type = "hl7_message";
        ev.entity_id = id;
        ev.client = "cli";
        rc = folio_audit_append(cli->store, &ev, NULL, &cli->err);
    }
    if (!rc)
        rc = folio_store_commit(cli->store, &cli->err);
    if (rc) {
        folio_store_rollback(cli->store);
        goto out;
    }
    if (cli->json) {
        json_t *o = json_msg(&m), *errs = json_array(), *tree = NULL;
        struct folio_hl7_msg *pm = NULL;
        struct folio_err perr;
        int bad = !o || !errs;

        memset(&perr, 0, sizeof(perr));
        for (i = 0; !bad && i < m.n_errors_detail; i++) {
            json_t *e = json_object();
            bad |= !e;
            bad |= cli_jset_str(e, "code", m.errors[i].code);
            bad |= cli_jset_str(e, "severity", m.errors[i].severity);
            bad |= cli_jset_str(e, "location", m.errors[i].location);
            bad |= cli_jset_str(e, "text", m.errors[i].text);
            bad |= json_array_append_new(errs, e) != 0;
        }
        bad |= cli_jset(o, "errors", errs);
        errs = NULL;
        if (folio_hl7_parse(m.raw, (size_t)m.raw_len, NULL, &pm, NULL, &perr) == FOLIO_OK &&
            folio_hl7_tree(pm, &tree, &perr) == FOLIO_OK)
            bad |= cli_jset(o, "tree", tree);
        folio_hl7_free(pm);
        {
            json_t *raw = json_stringn(m.raw, (size_t)m.raw_len);
            json_t *ack = json_stringn(m.ack, (size_t)m.ack_len);
            bad |= cli_jset(o, "raw", raw ? raw : json_null());
            bad |= cli_jset(o, "ack", ack ? ack : json_null());
        }
        if (bad) {
            json_decref(o);
            o = NULL;
        }
        rc = cli_json_print(cli, o);
        goto out;
    }
    {
        char buf[32];
        cli_kv(stdout, "id", (folio_snprintf(buf, sizeof(buf), "%lld", (long long)m.id), buf));
        cli_kv(stdout, "kind", m.kind);
        cli_kv(stdout, "received", m.received_at);
        cli_kv(stdout, "peer", m.peer);
        cli_kv(stdout, "sender", m.sender_app);
        cli_kv(stdout, "sender facility", m.sender_fac);
        cli_kv(stdout, "type", m.msg_type);
        cli_kv(stdout, "control id", m.control_id);
        cli_kv(stdout, "version", m.version);
        cli_kv(stdout, "status", m.status);
        cli_kv(stdout, "ack", m.ack_code);
        if (m.patient_id) {
            (void)folio_snprintf(buf, sizeof(buf), "%lld", (long long)m.patient_id);
            cli_kv(stdout, "patient", buf);
        }
        if (m.encounter_id) {
            (void)folio_snprintf(buf, sizeof(buf), "%lld", (long long)m.encounter_id);
            cli_kv(stdout, "encounter", buf);
        }
        if (m.replay_of) {
            (void)folio_snprintf(buf, sizeof(buf), "%lld", (long long)m.replay_of);
            cli_kv(stdout, "replay of", buf);
        }
        if (m.duplicate_of) {
            (void)folio_snprintf(buf, sizeof(buf), "%lld", (long long)m.duplicate_of);
            cli_kv(stdout, "duplicate of", buf);
        }
        if (m.resolved_at) {
            cli_kv(stdout, "resolved", m.resolved_at);
            cli_kv(stdout, "resolution", m.resolution);
        }
    }
    if (m.n_errors_detail) {
        printf("\nerrors:\n");
        for (i = 0; i < m.n_errors_detail; i++)
            printf("  %s %s %s: %s\n", m.errors[i].severity ? m.errors[i].severity : "E",
                   m.errors[i].code ? m.errors[i].code : "",
                   folio_str_empty(m.errors[i].location) ? "-" : m.errors[i].location,
                   m.errors[i].text ? m.errors[i].text : "");
    }
    printf("\nmessage:\n");
    print_segments(m.raw, (size_t)m.raw_len);
    printf("\nack:\n");
    print_segments(m.ack, (size_t)m.ack_len);
out:
    folio_arena_release(&a);
    return rc;
}

static enum folio_rc print_receipt(struct folio_cli *cli, int64_t from,
                                   const struct folio_hl7_receipt *r)
{
    if (cli->json) {
        json_t *o = json_object();
        if (o &&
            (cli_jset_int(o, "id", r->log_id) || cli_jset_id(o, "replay_of", from) ||
             cli_jset_str(o, "ack_code", r->ack_code) || cli_jset_str(o, "status", r->status))) {
            json_decref(o);
            o = NULL;
        }
        return cli_json_print(cli, o);
    }
    printf("%lld %s %s\n", (long long)r->log_id, r->ack_code, r->status);
    return FOLIO_OK;
}

static enum folio_rc hl7_replay(struct folio_cli *cli, int argc, char **argv)
{
    struct folio_chart c;
    struct folio_hl7_receipt r;
    struct folio_arena a;
    struct cli_args args;
    int64_t id = 0;
    enum folio_rc rc;

    folio_arena_init(&a, 0);
    rc = cli_parse(cli, "hl7 replay", argc, argv, 1, NULL, 0, 1, &args, NULL);
    if (!rc && args.npos != 1)
        rc = cli_usage(cli, "hl7 replay: give one message id");
    if (!rc)
        rc = cli_parse_id(cli, "hl7 replay", args.pos[0], &id);
    if (!rc)
        rc = cli_chart_open(cli, &c);
    if (!rc) {
        c.actor = cli->actor;
        rc = folio_hl7log_replay(&c, id, &a, &r, &cli->err);
    }
    if (!rc)
        rc = print_receipt(cli, id, &r);
    folio_arena_release(&a);
    return rc;
}

static enum folio_rc hl7_resolve(struct folio_cli *cli, int argc, char **argv)
{
    struct folio_chart c;
    struct cli_args args;
    const char *reason = NULL;
    const struct cli_opt opts[] = {{"reason", CLI_OPT_STR, &reason}};
    int64_t id = 0;
    enum folio_rc rc;

    rc = cli_parse(cli, "hl7 resolve", argc, argv, 1, opts, 1, 1, &args, NULL);
    if (!rc && args.npos != 1)
        rc = cli_usage(cli, "hl7 resolve: give one message id");
    if (!rc)
        rc = cli_parse_id(cli, "hl7 resolve", args.pos[0], &id);
    if (!rc)
        rc = cli_chart_open(cli, &c);
    if (!rc) {
        c.actor = cli->actor;
        rc = folio_hl7log_resolve(&c, id, reason, &cli->err);
    }
    if (!rc && !cli->json)
        printf("resolved %lld\n", (long long)id);
    return rc;
}

static enum folio_rc hl7_prune(struct folio_cli *cli, int argc, char **argv)
{
    struct cli_args args;
    int64_t days = -1, deleted = 0;
    const struct cli_opt opts[] = {{"older-than", CLI_OPT_I64, &days}};
    struct folio_audit_event ev;
    char before[40], detail[80];
    time_t t;
    struct tm tm;
    enum folio_rc rc;

    rc = cli_parse(cli, "hl7 prune", argc, argv, 1, opts, 1, 0, &args, NULL);
    if (!rc && (days < 1 || days > 36500))
        rc = cli_usage(cli, "hl7 prune: --older-than DAYS (1..36500) is required");
    if (!rc)
        rc = folio_cli_open_store(cli);
    if (rc)
        return rc;
    t = time(NULL) - (time_t)(days * 86400);
    if (!gmtime_r(&t, &tm))
        return folio_err_set(&cli->err, FOLIO_EINTERNAL, NULL, "clock error");
    (void)folio_snprintf(before, sizeof(before), "%04d-%02d-%02dT%02d:%02d:%02dZ",
                         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                         tm.tm_sec);
    rc = folio_hl7log_prune(cli->store, before, &deleted, &cli->err);
    if (rc)
        return rc;
    memset(&ev, 0, sizeof(ev));
    ev.action = "interface.prune";
    ev.username = cli->actor;
    (void)folio_snprintf(detail, sizeof(detail), "before %s: %lld deleted", before,
                         (long long)deleted);
    ev.detail = detail;
    ev.client = "cli";
    rc = folio_audit_append(cli->store, &ev, NULL, &cli->err);
    if (rc)
        return rc;
    if (cli->json) {
        json_t *o = json_object();
        if (o && (cli_jset_int(o, "deleted", deleted) || cli_jset_str(o, "before", before))) {
            json_decref(o);
            o = NULL;
        }
        return cli_json_print(cli, o);
    }
    printf("deleted %lld messages received before %s\n", (long long)deleted, before);
    return FOLIO_OK;
}

/* Splits a file into messages: each starts with "MSH" at the start of a line; LF and CRLF
 * become CR; a UTF-8 BOM is dropped; blank lines end nothing by themselves. */
static enum folio_rc send_file(struct folio_cli *cli, struct folio_mllp_client *mc,
                               const char *path, int timeout_ms, int *n_sent, int *n_bad)
{
    struct folio_buf file, msg, ack;
    struct folio_sv rest;
    enum folio_rc rc;

    folio_buf_init(&file, (size_t)64 << 20);
    folio_buf_init(&msg, (size_t)64 << 20);
    folio_buf_init(&ack, (size_t)16 << 20);
    rc = folio_buf_read_file(&file, path, &cli->err);
    if (rc)
        goto out;
    rest.p = file.data;
    rest.len = file.len;
    if (rest.len >= 3 && memcmp(rest.p, "\xEF\xBB\xBF", 3) == 0) {
        rest.p += 3;
        rest.len -= 3;
    }
    while (rest.len) {
        /* one line */
        size_t i = 0;
        struct folio_sv line;

        while (i < rest.len && rest.p[i] != '\n' && rest.p[i] != '\r')
            i++;
        line.p = rest.p;
        line.len = i;
        if (i < rest.len && rest.p[i] == '\r' && i + 1 < rest.len && rest.p[i + 1] == '\n')
            i++;
        if (i < rest.len)
            i++;
        rest.p += i;
        rest.len -= i;
        if (line.len >= 3 && memcmp(line.p, "MSH", 3) == 0 && msg.len) {
            rc = folio_mllp_client_send(mc, msg.data, msg.len, &cli->err);
            if (!rc)
                rc = folio_mllp_client_recv(mc, &ack, timeout_ms, &cli->err);
            if (rc)
                goto out;
            (*n_sent)++;
            if (!strstr(ack.data, "MSA|AA") && !strstr(ack.data, "MSA|CA"))
                (*n_bad)++;
            print_segments(ack.data, ack.len);
            folio_buf_reset(&msg);
        }
        if (line.len == 0)
            continue;
        rc = folio_buf_append(&msg, line.p, line.len);
        if (!rc)
            rc = folio_buf_append_ch(&msg, '\r');
        if (rc) {
            rc = folio_err_set(&cli->err, rc, "file", "%s: message too large", path);
            goto out;
        }
    }
    if (msg.len) {
        rc = folio_mllp_client_send(mc, msg.data, msg.len, &cli->err);
        if (!rc)
            rc = folio_mllp_client_recv(mc, &ack, timeout_ms, &cli->err);
        if (rc)
            goto out;
        (*n_sent)++;
        if (!strstr(ack.data, "MSA|AA") && !strstr(ack.data, "MSA|CA"))
            (*n_bad)++;
        print_segments(ack.data, ack.len);
    }
out:
    folio_buf_release(&file);
    folio_buf_release(&msg);
    folio_buf_release(&ack);
    return rc;
}

static enum folio_rc hl7_send(struct folio_cli *cli, int argc, char **argv)
{
    struct folio_mllp_client *mc = NULL;
    struct cli_args args;
    const char *to = NULL, *ca = NULL, *cert = NULL, *key = NULL;
    bool tls = false;
    int64_t timeout = 0;
    const struct cli_opt opts[] = {
        {"to", CLI_OPT_STR, &to},         {"timeout-ms", CLI_OPT_I64, &timeout},
        {"tls", CLI_OPT_FLAG, &tls},      {"tls-ca", CLI_OPT_STR, &ca},
        {"tls-cert", CLI_OPT_STR, &cert}, {"tls-key", CLI_OPT_STR, &key},
    };
    struct folio_mllp_client_tls t;
    int i, sent = 0, bad = 0;
    enum folio_rc rc;

    rc = cli_parse(cli, "hl7 send", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), CLI_MAX_POS, &args,
                   NULL);
    if (!rc && (!to || args.npos == 0))
        rc = cli_usage(cli, "hl7 send: give FILE... and --to HOST:PORT");
    if (!rc && (ca || cert || key) && !tls)
        rc = cli_usage(cli, "hl7 send: --tls-ca, --tls-cert and --tls-key need --tls");
    if (!rc && !cert != !key)
        rc = cli_usage(cli, "hl7 send: give both --tls-cert and --tls-key");
    if (rc)
        return rc;
    if (timeout <= 0 || timeout > 3600000)
        timeout = 30000;
    memset(&t, 0, sizeof(t));
    t.ca = ca;
    t.cert = cert;
    t.key = key;
    t.timeout_ms = (int)timeout;
    mc = calloc(1, sizeof(*mc));
    if (!mc)
        return folio_err_set(&cli->err, FOLIO_ENOMEM, NULL, "out of memory");
    rc = folio_mllp_client_connect_tls(mc, to, tls ? &t : NULL, &cli->err);
    for (i = 0; !rc && i < args.npos; i++)
        rc = send_file(cli, mc, args.pos[i], (int)timeout, &sent, &bad);
    folio_mllp_client_close(mc);
    free(mc);
    if (!rc)
        cli_note(cli, "hl7 send: %d messages sent, %d not accepted (AE/AR)", sent, bad);
    return rc;
}

static enum folio_rc hl7_main(struct folio_cli *cli, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : NULL;

    if (!sub || strcmp(sub, "--help") == 0 || strcmp(sub, "help") == 0) {
        fputs(usage, sub ? stdout : stderr);
        return sub ? FOLIO_OK : cli_usage(cli, "hl7: give a subcommand");
    }
    if (strcmp(sub, "list") == 0)
        return hl7_list(cli, argc - 1, argv + 1, false, false);
    if (strcmp(sub, "errors") == 0)
        return hl7_list(cli, argc - 1, argv + 1, true, false);
    if (strcmp(sub, "held") == 0)
        return hl7_list(cli, argc - 1, argv + 1, false, true);
    if (strcmp(sub, "show") == 0)
        return hl7_show(cli, argc - 1, argv + 1);
    if (strcmp(sub, "replay") == 0)
        return hl7_replay(cli, argc - 1, argv + 1);
    if (strcmp(sub, "resolve") == 0)
        return hl7_resolve(cli, argc - 1, argv + 1);
    if (strcmp(sub, "prune") == 0)
        return hl7_prune(cli, argc - 1, argv + 1);
    if (strcmp(sub, "send") == 0)
        return hl7_send(cli, argc - 1, argv + 1);
    return cli_usage(cli,
                     "hl7: unknown subcommand '%s' (list, errors, held, show, replay, "
                     "resolve, prune, send)",
                     sub);
}

int cmd_hl7(struct folio_cli *cli, int argc, char **argv)
{
    return (int)hl7_main(cli, argc, argv);
}

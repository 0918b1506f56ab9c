/* folio audit verify | checkpoint | search | export | report  (docs/audit.md)
 * Reading the trail is itself audited: audit.verify, audit.search, audit.export, audit.report. */
#include "folio/base.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_chart.h"
#include "cli/cli_util.h"
#include "folio/audit.h"

/* A broken chain: `folio audit verify` exits with this code (FOLIO_ESTATE, docs/audit.md). It
 * never comes from anything else verify does (store errors are 6, usage 14, bad input 2). */
#define EXIT_BROKEN FOLIO_ESTATE

static const char usage[] =
    "usage: folio audit verify [--checkpoint SEQ:HASH]\n"
    "       folio audit checkpoint\n"
    "       folio audit search [FILTERS] [--limit N] [--offset N]\n"
    "       folio audit export --format fhir|syslog [FILTERS] [--output FILE] [--hostname H]\n"
    "       folio audit report --patient ID [--from T] [--to T]\n"
    "\n"
    "FILTERS: --patient ID  --user NAME  --action ACTION (or a prefix ending in '.', e.g.\n"
    "         document.)  --from TIME  --to TIME (ISO 8601, inclusive at their precision)\n"
    "\n"
    "verify walks the whole hash chain and exits 0 (\"ok: N entries verified, head SEQ HASH\"),\n"
    "or 10 naming the first bad entry. Keep the output of 'checkpoint' somewhere else and pass it\n"
    "to verify with --checkpoint: it catches a tail deleted with the head rewound.\n"
    "export writes a FHIR R4 Bundle of AuditEvents, or RFC 5424 syslog lines carrying IHE ATNA\n"
    "audit messages. report: who accessed a patient's record. Details: docs/audit.md.\n";

/* Appends an audit.* entry for this command in its own transaction (or the caller's). */
static enum folio_rc audit_self(struct folio_cli *cli, const char *action, const char *outcome,
                                int64_t patient_id, const char *detail)
{
    struct folio_audit_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.action = action;
    ev.outcome = outcome;
    ev.username = cli->actor;
    ev.patient_id = patient_id;
    ev.entity_type = patient_id ? "patient" : NULL;
    ev.entity_id = patient_id;
    ev.detail = detail;
    ev.client = "cli";
    return folio_audit_append(cli->store, &ev, NULL, &cli->err);
}

/* The filters as text for the audit entry: "patient=7 user=bob action=document. from=... to=..." */
static void describe(const struct folio_audit_query *q, char *out, size_t cap)
{
    size_t n = 0;

    out[0] = '\0';
#define ADD(...)                                                                                   \
    do {                                                                                           \
        if (n < cap)                                                                               \
            (void)folio_snprintf(out + n, cap - n, __VA_ARGS__);                                   \
        n = strlen(out);                                                                           \
    } while (0)
    if (q->patient_id)
        ADD("%spatient=%lld", n ? " " : "", (long long)q->patient_id);
    if (q->username)
        ADD("%suser=%s", n ? " " : "", q->username);
    if (q->action)
        ADD("%saction=%s", n ? " " : "", q->action);
    if (q->from)
        ADD("%sfrom=%s", n ? " " : "", q->from);
    if (q->to)
        ADD("%sto=%s", n ? " " : "", q->to);
#undef ADD
}

static enum folio_rc parse_checkpoint(struct folio_cli *cli, const char *s, int64_t *seq,
                                      const char **hash)
{
    const char *colon = s ? strchr(s, ':') : NULL;

    if (colon == NULL ||
        folio_sv_to_i64((struct folio_sv){s, (size_t)(colon - s)}, seq) != FOLIO_OK || *seq <= 0)
        return cli_usage(cli, "audit verify: --checkpoint takes SEQ:HASH as printed by 'folio "
                              "audit checkpoint', not '%s'",
                         s ? s : "");
    *hash = colon + 1;
    return FOLIO_OK;
}

/* ---- verify ---- */

static enum folio_rc audit_verify(struct folio_cli *cli, int argc, char **argv)
{
    const char *cp = NULL, *cp_hash = NULL;
    const struct cli_opt opts[] = {{"checkpoint", CLI_OPT_STR, &cp}};
    struct folio_audit_verify_result r;
    struct cli_args args;
    char detail[320];
    int64_t cp_seq = 0;
    enum folio_rc rc;

    rc = cli_parse(cli, "audit verify", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 0, &args,
                   NULL);
    if (!rc && cp)
        rc = parse_checkpoint(cli, cp, &cp_seq, &cp_hash);
    if (!rc)
        rc = folio_cli_open_store(cli);
    if (rc)
        goto out;
    /* Outside any transaction: verify takes a read snapshot that does not hold up appenders. */
    rc = folio_audit_verify(cli->store, cp_seq, cp_hash, &r, &cli->err);
    if (rc)
        goto out;
    if (r.ok)
        (void)folio_snprintf(detail, sizeof(detail), "ok: %lld entries%s", (long long)r.checked,
                             cp ? ", checkpoint matched" : "");
    else
        (void)folio_snprintf(detail, sizeof(detail), "broken at entry %lld: %s",
                             (long long)r.first_bad_seq, r.reason);
    rc = audit_self(cli, "audit.verify", r.ok ? "success" : "failure", 0, detail);
    if (rc)
        goto out;
    if (cli->json) {
        json_t *o = json_object(), *h = json_object();
        int bad = !o || !h;
        bad |= cli_jset(o, "ok", json_boolean(r.ok));
        bad |= cli_jset_int(o, "checked", r.checked);
        bad |= cli_jset_id(o, "first_bad_seq", r.first_bad_seq);
        bad |= cli_jset_str(o, "reason", r.ok ? NULL : r.reason);
        bad |= cli_jset_int(h, "seq", r.head_seq);
        bad |= cli_jset_str(h, "hash", r.head_hash);
        bad |= cli_jset(o, "head", h);
        h = NULL;
        if (bad) {
            json_decref(o);
            o = NULL;
        }
        rc = cli_json_print(cli, o);
        if (rc)
            goto out;
    } else if (r.ok) {
        /* the head verified: this command's own audit.verify entry comes after it */
        printf("ok: %lld entries verified, head %lld %s\n", (long long)r.checked,
               (long long)r.head_seq, r.head_hash);
    }
    if (!r.ok)
        rc = folio_err_set(&cli->err, EXIT_BROKEN, NULL, "audit trail broken at entry %lld: %s",
                           (long long)r.first_bad_seq, r.reason);
out:
    return rc;
}

static enum folio_rc audit_checkpoint(struct folio_cli *cli, int argc, char **argv)
{
    struct cli_args args;
    char hash[65];
    int64_t seq = 0;
    enum folio_rc rc;

    rc = cli_parse(cli, "audit checkpoint", argc, argv, 1, NULL, 0, 0, &args, NULL);
    if (!rc)
        rc = folio_cli_open_store(cli);
    if (!rc)
        rc = folio_audit_checkpoint(cli->store, &seq, hash, &cli->err);
    if (rc)
        return rc;
    if (cli->json) {
        json_t *o = json_object();
        if (o && (cli_jset_int(o, "seq", seq) || cli_jset_str(o, "hash", hash))) {
            json_decref(o);
            o = NULL;
        }
        return cli_json_print(cli, o);
    }
    printf("%lld:%s\n", (long long)seq, hash);
    return FOLIO_OK;
}

/* ---- search ---- */

static json_t *json_entry(const struct folio_audit_entry *e)
{
    json_t *o = json_object();
    int bad = !o;

    if (bad)
        return NULL;
    bad |= cli_jset_int(o, "seq", e->seq);
    bad |= cli_jset_str(o, "at", e->at);
    bad |= cli_jset_str(o, "action", e->action);
    bad |= cli_jset_str(o, "outcome", e->outcome);
    bad |= cli_jset_str(o, "username", e->username);
    bad |= cli_jset_str(o, "roles", e->roles);
    bad |= cli_jset_id(o, "patient_id", e->patient_id);
    bad |= cli_jset_str(o, "entity_type", e->entity_type);
    bad |= cli_jset_id(o, "entity_id", e->entity_id);
    bad |= cli_jset_str(o, "detail", e->detail);
    bad |= cli_jset_str(o, "client", e->client);
    bad |= cli_jset_str(o, "hash", e->hash);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Options shared by search, export and report. */
struct filter_opts {
    struct folio_audit_query q;
    const char *format, *output, *hostname;
};

static enum folio_rc parse_filters(struct folio_cli *cli, const char *what, int argc, char **argv,
                                   struct filter_opts *fo, bool paging, bool export)
{
    const struct cli_opt opts[] = {
        {"patient", CLI_OPT_I64, &fo->q.patient_id}, {"user", CLI_OPT_STR, &fo->q.username},
        {"action", CLI_OPT_STR, &fo->q.action},      {"from", CLI_OPT_STR, &fo->q.from},
        {"to", CLI_OPT_STR, &fo->q.to},              {"limit", CLI_OPT_I64, &fo->q.limit},
        {"offset", CLI_OPT_I64, &fo->q.offset},      {"format", CLI_OPT_STR, &fo->format},
        {"output", CLI_OPT_STR, &fo->output},        {"hostname", CLI_OPT_STR, &fo->hostname},
    };
    struct cli_opt use[FOLIO_ARRAY_LEN(opts)];
    struct cli_args args;
    size_t n = 0, i;
    enum folio_rc rc;

    memset(fo, 0, sizeof(*fo));
    for (i = 0; i < FOLIO_ARRAY_LEN(opts); i++) {
        bool page_opt = i == 5 || i == 6, export_opt = i >= 7;
        if ((page_opt && !paging) || (export_opt && !export))
            continue;
        use[n++] = opts[i];
    }
    rc = cli_parse(cli, what, argc, argv, 1, use, n, 0, &args, NULL);
    if (!rc && paging)
        rc = cli_check_limit(cli, fo->q.limit);
    return rc;
}

static enum folio_rc audit_search(struct folio_cli *cli, int argc, char **argv)
{
    static const char *const head[] = {"SEQ",    "AT",     "USER",   "ACTION", "OUTCOME",
                                       "PATIENT", "ENTITY", "CLIENT", "DETAIL"};
    struct filter_opts fo;
    struct folio_audit_page pg;
    struct folio_arena a;
    struct cli_table t;
    char detail[512], d2[600];
    bool in_tx = false;
    enum folio_rc rc;
    size_t i;

    folio_arena_init(&a, 0);
    cli_table_init(&t, FOLIO_ARRAY_LEN(head), head);
    rc = parse_filters(cli, "audit search", argc, argv, &fo, true, false);
    if (!rc)
        rc = folio_cli_open_store(cli);
    if (rc)
        goto out;
    /* the read and its audit entry: one transaction */
    rc = folio_store_begin(cli->store, &cli->err);
    if (rc)
        goto out;
    in_tx = true;
    rc = folio_audit_search(cli->store, &fo.q, &a, &pg, &cli->err);
    if (rc)
        goto out;
    describe(&fo.q, detail, sizeof(detail));
    (void)folio_snprintf(d2, sizeof(d2), "%s%sresults=%lld", detail, detail[0] ? " " : "",
                         (long long)pg.total);
    rc = audit_self(cli, "audit.search", NULL, fo.q.patient_id, d2);
    if (!rc)
        rc = folio_store_commit(cli->store, &cli->err);
    if (rc)
        goto out;
    in_tx = false;
    if (cli->json) {
        json_t *o = json_object(), *arr = json_array();
        int bad = !o || !arr;
        for (i = 0; !bad && i < pg.n; i++)
            bad |= json_array_append_new(arr, json_entry(&pg.items[i])) != 0;
        bad |= cli_jset(o, "items", arr);
        bad |= cli_jset_int(o, "total", pg.total);
        bad |= cli_jset_int(o, "limit", fo.q.limit ? fo.q.limit : 100);
        bad |= cli_jset_int(o, "offset", fo.q.offset);
        if (bad) {
            json_decref(o);
            o = NULL;
        }
        rc = cli_json_print(cli, o);
        goto out;
    }
    for (i = 0; i < pg.n; i++) {
        const struct folio_audit_entry *e = &pg.items[i];
        char seq[24], pid[24], ent[96];
        const char *cells[9] = {seq, e->at, e->username, e->action, e->outcome,
                                e->patient_id ? pid : NULL, e->entity_type ? ent : NULL,
                                e->client, e->detail};
        (void)folio_snprintf(seq, sizeof(seq), "%lld", (long long)e->seq);
        (void)folio_snprintf(pid, sizeof(pid), "%lld", (long long)e->patient_id);
        (void)folio_snprintf(ent, sizeof(ent), "%s/%lld", e->entity_type ? e->entity_type : "",
                             (long long)e->entity_id);
        rc = cli_table_add(&t, cells);
        if (rc) {
            rc = folio_err_set(&cli->err, rc, NULL, "out of memory");
            goto out;
        }
    }
    if (pg.n)
        cli_table_print(&t, stdout);
    printf("%zu of %lld entr%s\n", pg.n, (long long)pg.total, pg.total == 1 ? "y" : "ies");
out:
    if (in_tx)
        folio_store_rollback(cli->store);
    cli_table_release(&t);
    folio_arena_release(&a);
    return rc;
}

/* ---- export ---- */

static enum folio_rc audit_export(struct folio_cli *cli, int argc, char **argv)
{
    struct filter_opts fo;
    char detail[512], d2[640], host[256], tmp[4200] = "";
    FILE *out = stdout;
    bool fhir;
    enum folio_rc rc;
    int fd = -1;

    rc = parse_filters(cli, "audit export", argc, argv, &fo, false, true);
    if (rc)
        goto out;
    if (fo.format == NULL || (strcmp(fo.format, "fhir") != 0 && strcmp(fo.format, "syslog") != 0)) {
        rc = cli_usage(cli, "audit export: --format fhir or --format syslog is required");
        goto out;
    }
    fhir = strcmp(fo.format, "fhir") == 0;
    if (fo.hostname == NULL) {
        if (gethostname(host, sizeof(host)) != 0)
            host[0] = '\0';
        host[sizeof(host) - 1] = '\0';
        fo.hostname = host;
    }
    rc = folio_cli_open_store(cli);
    if (rc)
        goto out;
    /* Recorded first: if the access cannot be audited, nothing is exported. */
    describe(&fo.q, detail, sizeof(detail));
    (void)folio_snprintf(d2, sizeof(d2), "format=%s%s%s", fo.format, detail[0] ? " " : "", detail);
    rc = audit_self(cli, "audit.export", NULL, fo.q.patient_id, d2);
    if (rc)
        goto out;
    if (fo.output && strcmp(fo.output, "-") != 0) {
        /* the export holds PHI: owner-only, like the key file; written under a new name next
         * to it (O_EXCL | O_NOFOLLOW: never an existing file, never through a symlink) and
         * renamed when complete, so a failure never leaves a partial export */
        for (unsigned k = 0; fd < 0 && k < 100; k++) {
            if (!folio_snprintf(tmp, sizeof tmp, "%s.%ld-%u.tmp", fo.output, (long)getpid(), k))
                break;
            fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
            if (fd < 0 && errno != EEXIST)
                break;
        }
        out = fd >= 0 && fchmod(fd, 0600) == 0 ? fdopen(fd, "w") : NULL;
        if (out == NULL) {
            rc = folio_err_set(&cli->err, FOLIO_EIO, "output", "cannot write '%s': %s", fo.output,
                               strerror(errno));
            if (fd >= 0) {
                close(fd);
                (void)unlink(tmp);
            }
            tmp[0] = '\0';
            out = stdout;
            goto out;
        }
    }
    if (fhir)
        rc = folio_audit_export_fhir(cli->store, &fo.q, out, &cli->err);
    else
        rc = folio_audit_export_syslog(cli->store, &fo.q, fo.hostname, out, &cli->err);
out:
    if (out != stdout && (fflush(out) != 0 || fsync(fileno(out)) != 0) && rc == FOLIO_OK)
        rc = folio_err_set(&cli->err, FOLIO_EIO, "output", "cannot write '%s': %s", fo.output,
                           strerror(errno));
    if (out != stdout && fclose(out) != 0 && rc == FOLIO_OK)
        rc = folio_err_set(&cli->err, FOLIO_EIO, "output", "cannot write '%s': %s", fo.output,
                           strerror(errno));
    if (tmp[0] && rc == FOLIO_OK && rename(tmp, fo.output) != 0)
        rc = folio_err_set(&cli->err, FOLIO_EIO, "output", "cannot write '%s': %s", fo.output,
                           strerror(errno));
    if (tmp[0] && rc)
        (void)unlink(tmp);
    return rc;
}

/* ---- report: who accessed ---- */

static enum folio_rc audit_report(struct folio_cli *cli, int argc, char **argv)
{
    static const char *const head[] = {"USER", "ROLES", "COUNT", "FIRST", "LAST", "ACTIONS"};
    struct filter_opts fo;
    struct folio_audit_access *acc = NULL;
    struct folio_arena a;
    struct cli_table t;
    char detail[512];
    size_t n = 0, i;
    bool in_tx = false;
    enum folio_rc rc;

    folio_arena_init(&a, 0);
    cli_table_init(&t, FOLIO_ARRAY_LEN(head), head);
    rc = parse_filters(cli, "audit report", argc, argv, &fo, false, false);
    if (rc)
        goto out;
    if (fo.q.patient_id <= 0 || fo.q.username || fo.q.action) {
        rc = cli_usage(cli, "audit report: takes --patient ID (required), --from and --to");
        goto out;
    }
    rc = folio_cli_open_store(cli);
    if (!rc)
        rc = folio_store_begin(cli->store, &cli->err);
    if (rc)
        goto out;
    in_tx = true;
    rc = folio_audit_who_accessed(cli->store, fo.q.patient_id, fo.q.from, fo.q.to, &a, &acc, &n,
                                  &cli->err);
    if (rc)
        goto out;
    describe(&fo.q, detail, sizeof(detail));
    rc = audit_self(cli, "audit.report", NULL, fo.q.patient_id, detail);
    if (!rc)
        rc = folio_store_commit(cli->store, &cli->err);
    if (rc)
        goto out;
    in_tx = false;
    if (cli->json) {
        json_t *o = json_object(), *arr = json_array();
        int bad = !o || !arr;
        for (i = 0; !bad && i < n; i++) {
            json_t *x = json_object();
            bad |= !x;
            if (x) {
                bad |= cli_jset_str(x, "username", acc[i].username);
                bad |= cli_jset_str(x, "roles", acc[i].roles);
                bad |= cli_jset_int(x, "count", acc[i].count);
                bad |= cli_jset_str(x, "first_at", acc[i].first_at);
                bad |= cli_jset_str(x, "last_at", acc[i].last_at);
                bad |= cli_jset_str(x, "actions", acc[i].actions);
                bad |= json_array_append_new(arr, x) != 0;
            }
        }
        bad |= cli_jset_int(o, "patient_id", fo.q.patient_id);
        bad |= cli_jset(o, "users", arr);
        if (bad) {
            json_decref(o);
            o = NULL;
        }
        rc = cli_json_print(cli, o);
        goto out;
    }
    for (i = 0; i < n; i++) {
        char count[24];
        const char *cells[6] = {acc[i].username ? acc[i].username : "(anonymous)", acc[i].roles,
                                count, acc[i].first_at, acc[i].last_at, acc[i].actions};
        (void)folio_snprintf(count, sizeof(count), "%lld", (long long)acc[i].count);
        rc = cli_table_add(&t, cells);
        if (rc) {
            rc = folio_err_set(&cli->err, rc, NULL, "out of memory");
            goto out;
        }
    }
    if (n)
        cli_table_print(&t, stdout);
    printf("%zu user%s accessed patient %lld\n", n, n == 1 ? "" : "s", (long long)fo.q.patient_id);
out:
    if (in_tx)
        folio_store_rollback(cli->store);
    cli_table_release(&t);
    folio_arena_release(&a);
    return rc;
}

static enum folio_rc audit_main(struct folio_cli *cli, int argc, char **argv)
{
    const char *sub;
    int i;

    if (argc < 2)
        return cli_usage(cli, "audit: missing subcommand (verify, checkpoint, search, export or "
                              "report)");
    sub = argv[1];
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0 ||
            (i == 1 && strcmp(argv[i], "help") == 0)) {
            fputs(usage, stdout);
            return FOLIO_OK;
        }
    }
    if (strcmp(sub, "verify") == 0)
        return audit_verify(cli, argc - 1, argv + 1);
    if (strcmp(sub, "checkpoint") == 0)
        return audit_checkpoint(cli, argc - 1, argv + 1);
    if (strcmp(sub, "search") == 0)
        return audit_search(cli, argc - 1, argv + 1);
    if (strcmp(sub, "export") == 0)
        return audit_export(cli, argc - 1, argv + 1);
    if (strcmp(sub, "report") == 0)
        return audit_report(cli, argc - 1, argv + 1);
    return cli_usage(cli, "audit: unknown subcommand '%s' (verify, checkpoint, search, export or "
                          "report)",
                     sub);
}

int cmd_audit(struct folio_cli *cli, int argc, char **argv)
{
    return (int)audit_main(cli, argc, argv);
}

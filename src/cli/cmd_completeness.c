/* folio rules load FILE | show | check FILE, and folio completeness analyze | list | waive |
 * report: chart completeness rules, deficiencies and delinquency (folio/completeness.h,
 * docs/completeness.md). */
#include "folio/base.h"
#include "folio/completeness.h"
#include "folio/time.h"

#include "cli/cli.h"
#include "cli/cli_chart.h"
#include "cli/cli_util.h"

static const char rules_usage[] =
    "usage: folio rules load FILE | show | check FILE\n"
    "\n"
    "Chart completeness rules (format: docs/completeness.md).\n"
    "  load FILE    check FILE and make it the rule set in force (a new version; loading the\n"
    "               content in force again changes nothing)\n"
    "  show         the version in force: who loaded it, when, its SHA-256 and its text\n"
    "  check FILE   check FILE without loading it; an error names the line (exit code 8)\n";

static const char cmpl_usage[] =
    "usage: folio completeness analyze ENCOUNTER_ID [--now TIME]\n"
    "       folio completeness list [--encounter ID] [--open] [--now TIME] [--limit N]\n"
    "       folio completeness waive DEFICIENCY_ID --reason TEXT [--now TIME]\n"
    "       folio completeness report [--from YYYY-MM] [--to YYYY-MM] [--bylaws-days N]\n"
    "                                 [--as-of TIME] [--csv]\n"
    "       folio completeness worklist [--status incomplete|complete|all] [--as-of TIME]\n"
    "                                   [--responsible NPI|ID] [--limit N] [--offset N]\n"
    "       folio completeness complete ENCOUNTER_ID [--now TIME]\n"
    "       folio completeness reopen ENCOUNTER_ID --reason TEXT [--now TIME]\n"
    "\n"
    "Deficiency analysis of an encounter against the rules in force: creates the missing\n"
    "deficiencies, closes the resolved ones. --now sets the clock (default: now); a deficiency\n"
    "is overdue when now is past its due time. report: the medical record delinquency rate\n"
    "(average monthly delinquent records / average monthly discharges; 50% or more is a\n"
    "finding), by provider, by rule, aging; default the 12 months up to the month of --as-of\n"
    "(default now), bylaws period 30 days. worklist: discharged charts, oldest discharge\n"
    "first, with their open and overdue deficiencies and open queries (default: the charts not\n"
    "complete). complete: analyses the chart, then marks it complete when no deficiency is\n"
    "open; after that every change to its documents is an amendment or a late entry. reopen:\n"
    "back to incomplete, with the reason. See docs/completeness.md.\n";

static enum folio_rc read_rules(struct folio_cli *cli, const char *path, struct folio_buf *b)
{
    folio_buf_init(b, FOLIO_RULES_MAX_BYTES);
    return folio_buf_read_file(b, path, &cli->err);
}

static enum folio_rc rules_check(struct folio_cli *cli, int argc, char **argv, bool load)
{
    struct cli_args args;
    struct folio_buf b;
    struct folio_arena a;
    struct folio_ruleset set;
    int64_t version = 0;
    bool changed = false;
    enum folio_rc rc;

    folio_buf_init(&b, FOLIO_RULES_MAX_BYTES);
    folio_arena_init(&a, 0);
    rc =
        cli_parse(cli, load ? "rules load" : "rules check", argc, argv, 1, NULL, 0, 1, &args, NULL);
    if (rc)
        goto out;
    if (args.npos != 1) {
        rc = cli_usage(cli, "rules %s: missing the rules file", load ? "load" : "check");
        goto out;
    }
    rc = read_rules(cli, args.pos[0], &b);
    if (rc)
        goto out;
    if (!load) {
        rc = folio_rules_parse(args.pos[0], b.data, b.len, &a, &set, &cli->err);
        if (rc == FOLIO_OK)
            printf("%s: %zu rules, no error\n", args.pos[0], set.n);
        goto out;
    }
    rc = folio_cli_open_store(cli);
    if (rc)
        goto out;
    if ((rc = folio_store_begin(cli->store, &cli->err)))
        goto out;
    rc = folio_rules_load(cli->store, args.pos[0], b.data, b.len, cli->actor, NULL, &version,
                          &changed, &cli->err);
    if (rc == FOLIO_OK)
        rc = cli_audit(cli, "completeness.rules", 0, "ruleset", version,
                       changed ? "load" : "load: same content");
    if (rc == FOLIO_OK)
        rc = folio_store_commit(cli->store, &cli->err);
    if (rc) {
        folio_store_rollback(cli->store);
        goto out;
    }
    if (changed)
        printf("rules version %lld loaded from %s\n", (long long)version, args.pos[0]);
    else
        printf("rules version %lld already has this content; nothing loaded\n", (long long)version);
out:
    folio_arena_release(&a);
    folio_buf_release(&b);
    return rc;
}

static enum folio_rc rules_show(struct folio_cli *cli, int argc, char **argv)
{
    struct cli_args args;
    struct folio_arena a;
    struct folio_rules_version v;
    char num[24];
    enum folio_rc rc;

    folio_arena_init(&a, 0);
    rc = cli_parse(cli, "rules show", argc, argv, 1, NULL, 0, 0, &args, NULL);
    if (rc == FOLIO_OK)
        rc = folio_cli_open_store(cli);
    if (rc == FOLIO_OK)
        rc = folio_rules_in_force(cli->store, &a, &v, NULL, &cli->err);
    if (rc == FOLIO_OK && v.version == 0) {
        puts("no rules loaded (folio rules load FILE)");
    } else if (rc == FOLIO_OK) {
        folio_snprintf(num, sizeof num, "%lld", (long long)v.version);
        cli_kv(stdout, "version", num);
        cli_kv(stdout, "source", v.source);
        cli_kv(stdout, "loaded by", v.loaded_by);
        cli_kv(stdout, "loaded at", v.loaded_at);
        cli_kv(stdout, "sha256", v.sha256);
        folio_snprintf(num, sizeof num, "%lld", (long long)v.n_rules);
        cli_kv(stdout, "rules", num);
        printf("\n%s", v.content);
    }
    folio_arena_release(&a);
    return rc;
}

static bool wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0 ||
            (i == 1 && strcmp(argv[i], "help") == 0))
            return true;
    return false;
}

int cmd_rules(struct folio_cli *cli, int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(rules_usage, stdout);
        return FOLIO_OK;
    }
    if (argc < 2)
        return (int)cli_usage(cli, "rules: missing subcommand (load, show or check)");
    if (strcmp(argv[1], "load") == 0)
        return (int)rules_check(cli, argc - 1, argv + 1, true);
    if (strcmp(argv[1], "check") == 0)
        return (int)rules_check(cli, argc - 1, argv + 1, false);
    if (strcmp(argv[1], "show") == 0)
        return (int)rules_show(cli, argc - 1, argv + 1);
    return (int)cli_usage(cli, "rules: unknown subcommand '%s' (load, show or check)", argv[1]);
}

/* ---- completeness ---- */

/* The patient of encounter id, or of deficiency id (0 when unknown: the audit entry still
 * names the entity). */
static int64_t patient_of(struct folio_cli *cli, const char *sql, int64_t id)
{
    int64_t pid = 0;
    struct folio_err err;
    if (folio_store_exec_fmt(cli->store, &pid, NULL, NULL, &err, sql, "i", id) != FOLIO_OK)
        return 0;
    return pid;
}
#define ENC_PATIENT "SELECT patient_id FROM encounter WHERE id = ?"
#define DEF_PATIENT                                                                                \
    "SELECT e.patient_id FROM deficiency d JOIN encounter e ON e.id = d.encounter_id "          \
    "WHERE d.id = ?"

/* Runs the read or change with its audit entry in one transaction. */
static enum folio_rc audit_commit(struct folio_cli *cli, enum folio_rc rc, const char *action,
                                  int64_t patient_id, int64_t encounter_id, const char *detail)
{
    if (rc == FOLIO_OK)
        rc = cli_audit(cli, action, patient_id, "encounter", encounter_id, detail);
    if (rc == FOLIO_OK)
        rc = folio_store_commit(cli->store, &cli->err);
    if (rc)
        folio_store_rollback(cli->store);
    return rc;
}

static enum folio_rc cmpl_analyze(struct folio_cli *cli, int argc, char **argv)
{
    const char *now = NULL;
    const struct cli_opt opts[] = {{"now", CLI_OPT_STR, &now}};
    struct cli_args args;
    struct folio_cmpl_result r;
    int64_t id = 0;
    enum folio_rc rc;

    rc = cli_parse(cli, "completeness analyze", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 1,
                   &args, NULL);
    if (rc)
        return rc;
    if (args.npos != 1)
        return cli_usage(cli, "completeness analyze: missing the encounter id");
    rc = cli_parse_id(cli, "completeness analyze", args.pos[0], &id);
    if (rc == FOLIO_OK)
        rc = folio_cli_open_store(cli);
    if (rc == FOLIO_OK)
        rc = folio_store_begin(cli->store, &cli->err);
    if (rc)
        return rc;
    rc = folio_completeness_analyze(cli->store, id, now, cli->actor, &r, &cli->err);
    rc = audit_commit(cli, rc, "completeness.analyze", patient_of(cli, ENC_PATIENT, id), id, NULL);
    if (rc)
        return rc;
    if (cli->json) {
        json_t *o = json_object();
        if (o && (cli_jset_int(o, "rules_version", r.ruleset_version) ||
                  cli_jset_int(o, "created", (int64_t)r.created) ||
                  cli_jset_int(o, "closed", (int64_t)r.closed) ||
                  cli_jset_int(o, "updated", (int64_t)r.updated) ||
                  cli_jset_int(o, "open", (int64_t)r.open))) {
            json_decref(o);
            o = NULL;
        }
        return cli_json_print(cli, o);
    }
    if (r.ruleset_version == 0)
        printf("no rules loaded: nothing analysed (folio rules load FILE)\n");
    else
        printf("encounter %lld, rules v%lld: %zu created, %zu closed, %zu due dates moved, "
               "%zu open\n",
               (long long)id, (long long)r.ruleset_version, r.created, r.closed, r.updated, r.open);
    return FOLIO_OK;
}

static enum folio_rc cmpl_list(struct folio_cli *cli, int argc, char **argv)
{
    const char *now = NULL, *enc = NULL;
    bool open_only = false;
    int64_t limit = 0;
    const struct cli_opt opts[] = {
        {"now", CLI_OPT_STR, &now},
        {"encounter", CLI_OPT_STR, &enc},
        {"open", CLI_OPT_FLAG, &open_only},
        {"limit", CLI_OPT_I64, &limit},
    };
    static const char *const head[] = {"id",  "encounter",   "rule",       "status",
                                       "due", "responsible", "description"};
    struct folio_deficiency_filter flt = {0};
    struct cli_args args;
    struct folio_arena a;
    struct folio_deficiency *v = NULL;
    size_t n = 0;
    enum folio_rc rc;

    folio_arena_init(&a, 0);
    rc = cli_parse(cli, "completeness list", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 0, &args,
                   NULL);
    if (rc == FOLIO_OK && enc)
        rc = cli_parse_id(cli, "completeness list --encounter", enc, &flt.encounter_id);
    if (rc == FOLIO_OK)
        rc = cli_check_limit(cli, limit);
    if (rc == FOLIO_OK)
        rc = folio_cli_open_store(cli);
    if (rc)
        goto out;
    flt.open_only = open_only;
    flt.now = now;
    flt.limit = (size_t)limit;
    if ((rc = folio_store_begin(cli->store, &cli->err)))
        goto out;
    rc = folio_completeness_list(cli->store, &flt, &a, &v, &n, &cli->err);
    rc = audit_commit(cli, rc, "completeness.view",
                      flt.encounter_id ? patient_of(cli, ENC_PATIENT, flt.encounter_id) : 0,
                      flt.encounter_id, "deficiency list");
    if (rc)
        goto out;
    if (cli->json) {
        json_t *arr = json_array();
        int bad = !arr;
        for (size_t i = 0; !bad && i < n; i++) {
            json_t *o = json_object();
            bad = !o || cli_jset_int(o, "id", v[i].id) ||
                  cli_jset_int(o, "encounter_id", v[i].encounter_id) ||
                  cli_jset_str(o, "rule", v[i].rule) || cli_jset_str(o, "kind", v[i].kind) ||
                  cli_jset_str(o, "subject", v[i].subject) ||
                  cli_jset_str(o, "status", v[i].status) ||
                  cli_jset_str(o, "due_at", v[i].due_at[0] ? v[i].due_at : NULL) ||
                  cli_jset(o, "overdue", json_boolean(v[i].overdue)) ||
                  cli_jset_id(o, "responsible_id", v[i].responsible_id) ||
                  cli_jset_str(o, "description", v[i].description) ||
                  cli_jset_str(o, "closed_at", v[i].closed_at[0] ? v[i].closed_at : NULL) ||
                  cli_jset_str(o, "closed_how", v[i].closed_how) ||
                  cli_jset(o, "late", json_boolean(v[i].late)) ||
                  json_array_append_new(arr, o) != 0;
        }
        if (bad) {
            json_decref(arr);
            arr = NULL;
        }
        rc = cli_json_print(cli, arr);
        goto out;
    }
    struct cli_table t;
    cli_table_init(&t, FOLIO_ARRAY_LEN(head), head);
    for (size_t i = 0; i < n && rc == FOLIO_OK; i++) {
        char id[24], e[24], resp[24], status[24];
        folio_snprintf(id, sizeof id, "%lld", (long long)v[i].id);
        folio_snprintf(e, sizeof e, "%lld", (long long)v[i].encounter_id);
        folio_snprintf(resp, sizeof resp, "%lld", (long long)v[i].responsible_id);
        folio_snprintf(status, sizeof status, "%s%s", v[i].status,
                       v[i].overdue ? " OVERDUE"
                       : v[i].late  ? " late"
                                    : "");
        const char *cells[] = {id,
                               e,
                               v[i].rule,
                               status,
                               v[i].due_at,
                               v[i].responsible_id ? resp : NULL,
                               v[i].description};
        rc = cli_table_add(&t, cells);
    }
    if (rc == FOLIO_OK)
        cli_table_print(&t, stdout);
    cli_table_release(&t);
out:
    folio_arena_release(&a);
    return rc;
}

static enum folio_rc cmpl_waive(struct folio_cli *cli, int argc, char **argv)
{
    const char *now = NULL, *reason = NULL;
    const struct cli_opt opts[] = {{"now", CLI_OPT_STR, &now}, {"reason", CLI_OPT_STR, &reason}};
    struct cli_args args;
    int64_t id = 0;
    enum folio_rc rc;

    rc = cli_parse(cli, "completeness waive", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 1, &args,
                   NULL);
    if (rc)
        return rc;
    if (args.npos != 1)
        return cli_usage(cli, "completeness waive: missing the deficiency id");
    rc = cli_parse_id(cli, "completeness waive", args.pos[0], &id);
    if (rc == FOLIO_OK)
        rc = folio_cli_open_store(cli);
    if (rc == FOLIO_OK)
        rc = folio_store_begin(cli->store, &cli->err);
    if (rc)
        return rc;
    rc = folio_completeness_waive(cli->store, id, reason, cli->actor, now, &cli->err);
    if (rc == FOLIO_OK)
        rc = cli_audit(cli, "completeness.waive", patient_of(cli, DEF_PATIENT, id), "deficiency",
                       id, reason);
    if (rc == FOLIO_OK)
        rc = folio_store_commit(cli->store, &cli->err);
    if (rc)
        folio_store_rollback(cli->store);
    if (rc == FOLIO_OK)
        printf("deficiency %lld waived\n", (long long)id);
    return rc;
}

/* ---- the worklist, completion ---- */

static json_t *chart_json(const struct folio_cmpl_chart *c)
{
    json_t *o = json_object(), *att = NULL;
    int bad = !o;
    if (!bad && c->attending_id) {
        att = json_object();
        bad = !att || cli_jset_int(att, "id", c->attending_id) ||
              cli_jset_str(att, "name", c->attending_name);
    }
    if (!bad)
        bad = cli_jset_int(o, "encounter_id", c->encounter_id) ||
              cli_jset_int(o, "patient_id", c->patient_id) ||
              cli_jset_str(o, "patient_name", c->patient_name) || cli_jset_str(o, "mrn", c->mrn) ||
              cli_jset_str(o, "account_number", c->account_number) ||
              cli_jset_str(o, "class", c->enc_class) || cli_jset_str(o, "service", c->service) ||
              cli_jset_str(o, "admit_at", c->admit_at[0] ? c->admit_at : NULL) ||
              cli_jset_str(o, "discharge_at", c->discharge_at[0] ? c->discharge_at : NULL) ||
              cli_jset_int(o, "days_since_discharge", c->days_since_discharge) ||
              cli_jset(o, "attending", att ? att : json_null()) ||
              cli_jset_int(o, "open", c->open) || cli_jset_int(o, "overdue", c->overdue) ||
              cli_jset_int(o, "open_queries", c->open_queries) ||
              cli_jset_str(o, "completed_at", c->completed_at[0] ? c->completed_at : NULL) ||
              cli_jset_str(o, "completed_by", c->completed_by);
    else
        json_decref(att);
    if (bad) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

static enum folio_rc cmpl_worklist(struct folio_cli *cli, int argc, char **argv)
{
    const char *status = NULL, *as_of = NULL, *resp = NULL;
    int64_t limit = 0, offset = 0, total = 0;
    const struct cli_opt opts[] = {
        {"status", CLI_OPT_STR, &status}, {"as-of", CLI_OPT_STR, &as_of},
        {"responsible", CLI_OPT_STR, &resp}, {"limit", CLI_OPT_I64, &limit},
        {"offset", CLI_OPT_I64, &offset},
    };
    static const char *const head[] = {"encounter", "patient", "mrn",     "discharged",
                                       "days",      "attending", "open", "overdue",
                                       "queries",   "completed"};
    struct folio_cmpl_worklist_filter flt = {0};
    struct folio_chart chart = {0};
    struct cli_args args;
    struct folio_arena a;
    struct folio_cmpl_chart *v = NULL;
    char detail[80];
    size_t n = 0;
    enum folio_rc rc;

    folio_arena_init(&a, 0);
    rc = cli_parse(cli, "completeness worklist", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 0,
                   &args, NULL);
    if (rc == FOLIO_OK && limit > 500)
        rc = folio_err_set(&cli->err, FOLIO_EINVAL, "limit", "--limit: at most 500");
    if (rc == FOLIO_OK)
        rc = folio_cli_open_store(cli);
    if (rc)
        goto out;
    chart.store = cli->store;
    chart.actor = cli->actor;
    if (resp && (rc = cli_resolve_provider(cli, &chart, resp, &flt.responsible_id)))
        goto out;
    flt.status = status;
    flt.as_of = as_of;
    flt.limit = (size_t)limit;
    flt.offset = (size_t)offset;
    if ((rc = folio_store_begin(cli->store, &cli->err)))
        goto out;
    rc = folio_completeness_worklist(cli->store, &flt, &a, &v, &n, &total, &cli->err);
    folio_snprintf(detail, sizeof detail, "completeness worklist: %zu of %lld", n,
                   (long long)total);
    if ((rc = audit_commit(cli, rc, "completeness.worklist", 0, 0, detail)))
        goto out;
    if (cli->json) {
        json_t *o = json_object(), *arr = json_array();
        int bad = !o || cli_jset(o, "items", arr) || cli_jset_int(o, "total", total);
        for (size_t i = 0; !bad && i < n; i++) {
            json_t *x = chart_json(&v[i]);
            bad = !x || json_array_append_new(arr, x) != 0;
        }
        if (bad) {
            json_decref(o);
            o = NULL;
        }
        rc = cli_json_print(cli, o);
        goto out;
    }
    struct cli_table t;
    cli_table_init(&t, FOLIO_ARRAY_LEN(head), head);
    for (size_t i = 0; i < n && rc == FOLIO_OK; i++) {
        char e[24], days[24], open[24], overdue[24], queries[24];
        folio_snprintf(e, sizeof e, "%lld", (long long)v[i].encounter_id);
        folio_snprintf(days, sizeof days, "%lld", (long long)v[i].days_since_discharge);
        folio_snprintf(open, sizeof open, "%lld", (long long)v[i].open);
        folio_snprintf(overdue, sizeof overdue, "%lld", (long long)v[i].overdue);
        folio_snprintf(queries, sizeof queries, "%lld", (long long)v[i].open_queries);
        const char *cells[] = {e,
                               v[i].patient_name,
                               v[i].mrn,
                               v[i].discharge_at,
                               days,
                               v[i].attending_name,
                               open,
                               overdue,
                               queries,
                               v[i].completed_at[0] ? v[i].completed_at : NULL};
        rc = cli_table_add(&t, cells);
    }
    if (rc == FOLIO_OK) {
        cli_table_print(&t, stdout);
        printf("%zu of %lld chart%s\n", n, (long long)total, total == 1 ? "" : "s");
    } else {
        rc = folio_err_set(&cli->err, rc, NULL, "out of memory");
    }
    cli_table_release(&t);
out:
    folio_arena_release(&a);
    return rc;
}

/* complete (reason NULL) or reopen ENCOUNTER_ID. */
static enum folio_rc cmpl_mark(struct folio_cli *cli, int argc, char **argv, bool reopen)
{
    const char *what = reopen ? "completeness reopen" : "completeness complete";
    const char *now = NULL, *reason = NULL;
    const struct cli_opt opts[] = {{"now", CLI_OPT_STR, &now}, {"reason", CLI_OPT_STR, &reason}};
    struct cli_args args;
    struct folio_arena a;
    struct folio_cmpl_chart c = {0};
    int64_t id = 0;
    enum folio_rc rc;

    folio_arena_init(&a, 0);
    rc = cli_parse(cli, what, argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts) - (reopen ? 0 : 1), 1,
                   &args, NULL);
    if (rc == FOLIO_OK && args.npos != 1)
        rc = cli_usage(cli, "%s: missing the encounter id", what);
    if (rc == FOLIO_OK)
        rc = cli_parse_id(cli, what, args.pos[0], &id);
    if (rc == FOLIO_OK)
        rc = folio_cli_open_store(cli);
    if (rc == FOLIO_OK)
        rc = folio_store_begin(cli->store, &cli->err);
    if (rc)
        goto out;
    rc = reopen ? folio_completeness_reopen(cli->store, id, reason, cli->actor, now, &cli->err)
                : folio_completeness_complete(cli->store, id, cli->actor, now, &cli->err);
    if (rc == FOLIO_OK)
        rc = folio_completeness_chart(cli->store, id, now, &a, &c, &cli->err);
    rc = audit_commit(cli, rc, reopen ? "completeness.reopen" : "completeness.complete",
                      rc == FOLIO_OK ? c.patient_id : 0, id, reopen ? reason : NULL);
    if (rc)
        goto out;
    if (cli->json)
        rc = cli_json_print(cli, chart_json(&c));
    else if (reopen)
        printf("chart of encounter %lld reopened\n", (long long)id);
    else
        printf("chart of encounter %lld complete at %s\n", (long long)id, c.completed_at);
out:
    folio_arena_release(&a);
    return rc;
}

static json_t *report_json(const struct folio_delinq_report *r)
{
    static const char *const ages[FOLIO_AGE_N] = {"0-7", "8-14", "15-30", "31-60", "over_60"};
    json_t *o = json_object(), *months = json_array(), *provs = json_array(),
           *types = json_array(), *aging = json_object();
    int bad = !o || !months || !provs || !types || !aging;
    for (size_t i = 0; !bad && i < r->n_months; i++) {
        json_t *m = json_object();
        bad = !m || cli_jset_str(m, "month", r->months[i].month) ||
              cli_jset_str(m, "measured_at", r->months[i].measured_at) ||
              cli_jset(m, "partial", json_boolean(r->months[i].partial)) ||
              cli_jset_int(m, "discharges", r->months[i].discharges) ||
              cli_jset_int(m, "delinquent", r->months[i].delinquent) ||
              json_array_append_new(months, m) != 0;
    }
    for (size_t i = 0; !bad && i < r->n_providers; i++) {
        json_t *m = json_object();
        bad = !m || cli_jset_id(m, "provider_id", r->providers[i].provider_id) ||
              cli_jset_str(m, "name", r->providers[i].name) ||
              cli_jset_int(m, "records", r->providers[i].records) ||
              cli_jset_int(m, "deficiencies", r->providers[i].deficiencies) ||
              json_array_append_new(provs, m) != 0;
    }
    for (size_t i = 0; !bad && i < r->n_types; i++) {
        json_t *m = json_object();
        bad = !m || cli_jset_str(m, "rule", r->types[i].rule) ||
              cli_jset_int(m, "records", r->types[i].records) ||
              cli_jset_int(m, "deficiencies", r->types[i].deficiencies) ||
              json_array_append_new(types, m) != 0;
    }
    for (int i = 0; !bad && i < FOLIO_AGE_N; i++)
        bad = cli_jset_int(aging, ages[i], r->aging[i]);
    bad = bad || cli_jset_int(aging, "not_overdue", r->not_overdue) ||
          cli_jset_str(o, "as_of", r->as_of) || cli_jset_str(o, "measured_at", r->measured_at) ||
          cli_jset_int(o, "bylaws_days", r->bylaws_days) ||
          cli_jset(o, "avg_discharges", json_real(r->avg_discharges)) ||
          cli_jset(o, "avg_delinquent", json_real(r->avg_delinquent)) ||
          cli_jset(o, "rate_pct", r->rate_defined ? json_real(r->rate_pct) : json_null()) ||
          cli_jset(o, "finding", json_boolean(r->finding));
    if (!bad) {
        bad = cli_jset(o, "months", months);
        months = NULL;
        bad = bad || cli_jset(o, "by_provider", provs);
        provs = NULL;
        bad = bad || cli_jset(o, "by_rule", types);
        types = NULL;
        bad = bad || cli_jset(o, "aging", aging);
        aging = NULL;
    }
    json_decref(months);
    json_decref(provs);
    json_decref(types);
    json_decref(aging);
    if (bad) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

static enum folio_rc report_text(const struct folio_delinq_report *r)
{
    static const char *const mh[] = {"month", "measured at", "discharges", "delinquent"};
    static const char *const ph[] = {"provider", "name", "records", "deficiencies"};
    static const char *const th[] = {"rule", "records", "deficiencies"};
    static const char *const ages[FOLIO_AGE_N] = {"0-7", "8-14", "15-30", "31-60", "over 60"};
    struct cli_table t;
    enum folio_rc rc = FOLIO_OK;
    char a[24], b[24], c[48];

    printf("Medical record delinquency as of %s; bylaws period %d days after discharge\n\n",
           r->as_of, r->bylaws_days);
    cli_table_init(&t, FOLIO_ARRAY_LEN(mh), mh);
    for (size_t i = 0; i < r->n_months && rc == FOLIO_OK; i++) {
        folio_snprintf(a, sizeof a, "%lld", (long long)r->months[i].discharges);
        folio_snprintf(b, sizeof b, "%lld", (long long)r->months[i].delinquent);
        folio_snprintf(c, sizeof c, "%s%s", r->months[i].measured_at,
                       r->months[i].partial ? " (so far)" : "");
        const char *cells[] = {r->months[i].month, c, a, b};
        rc = cli_table_add(&t, cells);
    }
    if (rc == FOLIO_OK)
        cli_table_print(&t, stdout);
    cli_table_release(&t);
    printf("\naverage monthly discharges %.2f, delinquent records %.2f\n", r->avg_discharges,
           r->avg_delinquent);
    if (r->rate_defined)
        printf("delinquency rate %.1f%%: %s (a rate of %d%% or more is a finding)\n", r->rate_pct,
               r->finding ? "FINDING" : "below the threshold", FOLIO_DELINQ_FINDING_PCT);
    else
        printf("delinquency rate: none (no discharge in the period)\n");
    printf("\nDelinquent records at %s, by responsible provider\n", r->measured_at);
    cli_table_init(&t, FOLIO_ARRAY_LEN(ph), ph);
    for (size_t i = 0; i < r->n_providers && rc == FOLIO_OK; i++) {
        folio_snprintf(a, sizeof a, "%lld", (long long)r->providers[i].provider_id);
        folio_snprintf(b, sizeof b, "%lld", (long long)r->providers[i].records);
        folio_snprintf(c, sizeof c, "%lld", (long long)r->providers[i].deficiencies);
        const char *cells[] = {r->providers[i].provider_id ? a : "(none)",
                               r->providers[i].name, b, c};
        rc = cli_table_add(&t, cells);
    }
    if (rc == FOLIO_OK)
        cli_table_print(&t, stdout);
    cli_table_release(&t);
    printf("\nDelinquent records at %s, by rule\n", r->measured_at);
    cli_table_init(&t, FOLIO_ARRAY_LEN(th), th);
    for (size_t i = 0; i < r->n_types && rc == FOLIO_OK; i++) {
        folio_snprintf(b, sizeof b, "%lld", (long long)r->types[i].records);
        folio_snprintf(c, sizeof c, "%lld", (long long)r->types[i].deficiencies);
        const char *cells[] = {r->types[i].rule, b, c};
        rc = cli_table_add(&t, cells);
    }
    if (rc == FOLIO_OK)
        cli_table_print(&t, stdout);
    cli_table_release(&t);
    printf("\nOutstanding deficiencies at %s, by days past due\n", r->measured_at);
    for (int i = 0; i < FOLIO_AGE_N; i++)
        printf("  %-12s %lld\n", ages[i], (long long)r->aging[i]);
    printf("  %-12s %lld\n", "not overdue", (long long)r->not_overdue);
    return rc;
}

static enum folio_rc cmpl_report(struct folio_cli *cli, int argc, char **argv)
{
    const char *from = NULL, *to = NULL, *as_of = NULL;
    int64_t bylaws = FOLIO_DELINQ_BYLAWS_DAYS;
    bool csv = false;
    const struct cli_opt opts[] = {
        {"from", CLI_OPT_STR, &from},       {"to", CLI_OPT_STR, &to},
        {"bylaws-days", CLI_OPT_I64, &bylaws}, {"as-of", CLI_OPT_STR, &as_of},
        {"csv", CLI_OPT_FLAG, &csv},
    };
    struct cli_args args;
    struct folio_arena a;
    struct folio_delinq_report r;
    enum folio_rc rc;

    folio_arena_init(&a, 0);
    rc = cli_parse(cli, "completeness report", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 0,
                   &args, NULL);
    if (rc)
        goto out;
    if (bylaws > 3660) {
        rc = cli_usage(cli, "completeness report: --bylaws-days at most 3660");
        goto out;
    }
    /* absent --from/--to: the library's default period (twelve months up to the month of
     * --as-of, or up to --to) */
    rc = folio_cli_open_store(cli);
    if (rc == FOLIO_OK)
        rc = folio_completeness_delinquency(cli->store, from, to, (int)bylaws, as_of, &a, &r,
                                            &cli->err);
    if (rc == FOLIO_OK) {
        char detail[64];
        folio_snprintf(detail, sizeof detail, "%s to %s", r.months[0].month,
                       r.months[r.n_months - 1].month);
        rc = cli_audit(cli, "completeness.delinquency", 0, NULL, 0, detail);
    }
    if (rc)
        goto out;
    if (csv) {
        struct folio_buf b;
        folio_buf_init(&b, 0);
        rc = folio_completeness_delinquency_csv(&r, &b);
        if (rc == FOLIO_OK)
            fwrite(b.data, 1, b.len, stdout);
        else
            folio_err_set(&cli->err, rc, NULL, "writing the CSV failed");
        folio_buf_release(&b);
    } else if (cli->json) {
        rc = cli_json_print(cli, report_json(&r));
    } else {
        rc = report_text(&r);
    }
out:
    folio_arena_release(&a);
    return rc;
}

int cmd_completeness(struct folio_cli *cli, int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(cmpl_usage, stdout);
        return FOLIO_OK;
    }
    if (argc < 2)
        return (int)cli_usage(cli, "completeness: missing subcommand (analyze, list, waive, "
                                   "report, worklist, complete or reopen)");
    if (strcmp(argv[1], "analyze") == 0)
        return (int)cmpl_analyze(cli, argc - 1, argv + 1);
    if (strcmp(argv[1], "list") == 0)
        return (int)cmpl_list(cli, argc - 1, argv + 1);
    if (strcmp(argv[1], "waive") == 0)
        return (int)cmpl_waive(cli, argc - 1, argv + 1);
    if (strcmp(argv[1], "report") == 0)
        return (int)cmpl_report(cli, argc - 1, argv + 1);
    if (strcmp(argv[1], "worklist") == 0)
        return (int)cmpl_worklist(cli, argc - 1, argv + 1);
    if (strcmp(argv[1], "complete") == 0)
        return (int)cmpl_mark(cli, argc - 1, argv + 1, false);
    if (strcmp(argv[1], "reopen") == 0)
        return (int)cmpl_mark(cli, argc - 1, argv + 1, true);
    return (int)cli_usage(cli,
                          "completeness: unknown subcommand '%s' (analyze, list, waive, report, "
                          "worklist, complete or reopen)",
                          argv[1]);
}

/* folio mpi merge | unmerge | merges | worklist | scan | decide | overlays   (docs/mpi-merge.md)
 * The decisions about identities: merge two charts of one person, undo a wrong merge, the
 * potential-duplicate worklist, and charts whose sources disagree on who the patient is.
 * Changes are audited by the library (patient.merge, patient.unmerge, mpi.decide, mpi.scan);
 * reads here append mpi.merges, mpi.worklist and mpi.overlays with cli_audit. */
#include "folio/base.h"

#include "cli/cli.h"
#include "cli/cli_chart.h"
#include "cli/cli_util.h"
#include "cli/cmd_mpi_merge.h"
#include "folio/merge.h"

const char cmd_mpi_merge_usage[] =
    "       folio mpi merge SURVIVOR RETIRED --reason TEXT\n"
    "                                         merge chart RETIRED into SURVIVOR (logged)\n"
    "       folio mpi unmerge MERGE_ID --reason TEXT\n"
    "                                         restore both charts exactly\n"
    "       folio mpi merges [--patient ID] [--limit N]\n"
    "       folio mpi worklist [--status open|deferred|merged|not_duplicate|all]\n"
    "                          [--patient ID] [--limit N]\n"
    "       folio mpi scan                    propose potential duplicates\n"
    "       folio mpi decide PAIR_ID merge|not-duplicate|defer [--survivor ID]\n"
    "                        [--until YYYY-MM-DD] [--note TEXT]\n"
    "       folio mpi overlays [--patient ID] [--limit N]\n"
    "                                         charts whose sources disagree on birth date/sex\n";

static void i64s(char out[24], int64_t v)
{
    folio_snprintf(out, 24, "%lld", (long long)v);
}

/* Opens the chart and a transaction for a read, so that its audit entry goes with it. */
static enum folio_rc read_begin(struct folio_cli *cli, struct folio_chart *chart)
{
    enum folio_rc rc = cli_chart_open(cli, chart);
    if (!rc)
        rc = folio_store_begin(cli->store, &cli->err);
    return rc;
}

static enum folio_rc read_end(struct folio_cli *cli, enum folio_rc rc)
{
    if (rc == FOLIO_OK)
        rc = folio_store_commit(cli->store, &cli->err);
    if (rc)
        folio_store_rollback(cli->store);
    return rc;
}

/* ---- merge / unmerge ---- */

static int do_merge(struct folio_cli *cli, int argc, char **argv)
{
    const char *reason = NULL;
    struct cli_opt opts[] = {{"reason", CLI_OPT_STR, &reason}};
    struct cli_args args;
    struct folio_chart chart;
    struct folio_arena a;
    struct folio_mpi_merge_info mi;
    int64_t surv = 0, ret = 0, mid = 0;
    enum folio_rc rc = cli_parse(cli, "mpi merge", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 2,
                                 &args, NULL);
    if (rc)
        return rc;
    if (args.npos != 2)
        return cli_usage(cli, "mpi merge: give SURVIVOR and RETIRED patient ids");
    if ((rc = cli_parse_id(cli, "mpi merge", args.pos[0], &surv)) ||
        (rc = cli_parse_id(cli, "mpi merge", args.pos[1], &ret)))
        return rc;
    if (folio_str_empty(reason))
        return cli_usage(cli, "mpi merge: --reason is required");
    rc = cli_chart_open(cli, &chart);
    if (rc)
        return rc;
    struct folio_mpi_merge_opts mo = {.reason = reason, .source = "manual", .client = "cli"};
    rc = folio_mpi_merge_ex(&chart, surv, ret, &mo, &mid, &cli->err);
    if (rc)
        return rc;
    folio_arena_init(&a, 0);
    rc = folio_mpi_merge_get(&chart, mid, &a, &mi, &cli->err);
    if (rc == FOLIO_OK) {
        if (cli->json) {
            json_t *o = json_object();
            int bad = !o;
            bad = bad || cli_jset_int(o, "merge_id", mid);
            bad = bad || cli_jset_int(o, "surviving_id", surv);
            bad = bad || cli_jset_int(o, "retired_id", ret);
            bad = bad || cli_jset_int(o, "moves", mi.n_moves);
            if (bad) {
                json_decref(o);
                rc = folio_err_set(&cli->err, FOLIO_ENOMEM, NULL, "out of memory");
            } else {
                rc = cli_json_print(cli, o);
            }
        } else {
            printf("merged patient %lld into %lld: merge %lld, %lld changes logged\n",
                   (long long)ret, (long long)surv, (long long)mid, (long long)mi.n_moves);
        }
    }
    folio_arena_release(&a);
    return rc;
}

static int do_unmerge(struct folio_cli *cli, int argc, char **argv)
{
    const char *reason = NULL;
    struct cli_opt opts[] = {{"reason", CLI_OPT_STR, &reason}};
    struct cli_args args;
    struct folio_chart chart;
    struct folio_arena a;
    struct folio_mpi_merge_info mi;
    int64_t mid = 0;
    enum folio_rc rc = cli_parse(cli, "mpi unmerge", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts),
                                 1, &args, NULL);
    if (rc)
        return rc;
    if (args.npos != 1)
        return cli_usage(cli, "mpi unmerge: give the merge id");
    if ((rc = cli_parse_id(cli, "mpi unmerge", args.pos[0], &mid)))
        return rc;
    if (folio_str_empty(reason))
        return cli_usage(cli, "mpi unmerge: --reason is required");
    rc = cli_chart_open(cli, &chart);
    if (rc)
        return rc;
    struct folio_mpi_merge_opts mo = {.reason = reason, .client = "cli"};
    rc = folio_mpi_unmerge_ex(&chart, mid, &mo, &cli->err);
    if (rc)
        return rc;
    folio_arena_init(&a, 0);
    rc = folio_mpi_merge_get(&chart, mid, &a, &mi, &cli->err);
    if (rc == FOLIO_OK) {
        if (cli->json) {
            json_t *o = json_object();
            int bad = !o;
            bad = bad || cli_jset_int(o, "merge_id", mid);
            bad = bad || cli_jset_int(o, "surviving_id", mi.surviving_id);
            bad = bad || cli_jset_int(o, "restored_id", mi.retired_id);
            bad = bad || cli_jset_str(o, "status", mi.status);
            if (bad) {
                json_decref(o);
                rc = folio_err_set(&cli->err, FOLIO_ENOMEM, NULL, "out of memory");
            } else {
                rc = cli_json_print(cli, o);
            }
        } else {
            printf("unmerged merge %lld: patient %lld restored, patient %lld as before\n",
                   (long long)mid, (long long)mi.retired_id, (long long)mi.surviving_id);
        }
    }
    folio_arena_release(&a);
    return rc;
}

static json_t *json_merge(const struct folio_mpi_merge_info *m)
{
    json_t *o = json_object();
    int bad = !o;
    bad = bad || cli_jset_int(o, "id", m->id);
    bad = bad || cli_jset_int(o, "surviving_id", m->surviving_id);
    bad = bad || cli_jset_int(o, "retired_id", m->retired_id);
    bad = bad || cli_jset_str(o, "status", m->status);
    bad = bad || cli_jset_str(o, "source", m->source);
    bad = bad || cli_jset_str(o, "reason", m->reason);
    bad = bad || cli_jset_str(o, "merged_at", m->merged_at);
    bad = bad || cli_jset_str(o, "merged_by", m->merged_by);
    bad = bad || cli_jset_str(o, "unmerged_at", m->unmerged_at);
    bad = bad || cli_jset_str(o, "unmerged_by", m->unmerged_by);
    bad = bad || cli_jset_str(o, "unmerge_reason", m->unmerge_reason);
    bad = bad || cli_jset_id(o, "worklist_pair_id", m->worklist_pair_id);
    bad = bad || cli_jset_int(o, "moves", m->n_moves);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int do_merges(struct folio_cli *cli, int argc, char **argv)
{
    int64_t patient = 0, limit = 0;
    struct cli_opt opts[] = {{"patient", CLI_OPT_I64, &patient}, {"limit", CLI_OPT_I64, &limit}};
    struct cli_args args;
    struct folio_chart chart;
    struct folio_arena a;
    struct folio_mpi_merge_page pg;
    char detail[96];
    enum folio_rc rc = cli_parse(cli, "mpi merges", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 0,
                                 &args, NULL);
    if (rc || (rc = cli_check_limit(cli, limit)))
        return rc;
    rc = read_begin(cli, &chart);
    if (rc)
        return rc;
    folio_arena_init(&a, 0);
    rc = folio_mpi_merge_list(&chart, patient, limit, 0, &a, &pg, &cli->err);
    if (!rc) {
        folio_snprintf(detail, sizeof detail, "merges=%zu total=%lld", pg.n, (long long)pg.total);
        rc = cli_audit(cli, "mpi.merges", patient, NULL, 0, detail);
    }
    rc = read_end(cli, rc);
    if (rc)
        goto out;
    if (cli->json) {
        json_t *arr = json_array();
        for (size_t i = 0; arr && i < pg.n; i++) {
            json_t *x = json_merge(&pg.items[i]);
            if (!x || json_array_append_new(arr, x)) {
                json_decref(arr);
                arr = NULL;
            }
        }
        if (!arr)
            rc = folio_err_set(&cli->err, FOLIO_ENOMEM, NULL, "out of memory");
        else
            rc = cli_json_print(cli, arr);
        goto out;
    }
    static const char *const head[] = {"MERGE", "SURVIVOR", "RETIRED", "STATUS", "SOURCE",
                                       "WHEN", "BY", "REASON"};
    struct cli_table t;
    cli_table_init(&t, FOLIO_ARRAY_LEN(head), head);
    for (size_t i = 0; !rc && i < pg.n; i++) {
        const struct folio_mpi_merge_info *m = &pg.items[i];
        char id[24], s[24], r[24];
        i64s(id, m->id);
        i64s(s, m->surviving_id);
        i64s(r, m->retired_id);
        const char *cells[] = {id, s, r, m->status, m->source, m->merged_at, m->merged_by,
                               m->reason};
        rc = cli_table_add(&t, cells);
    }
    if (!rc) {
        if (pg.n)
            cli_table_print(&t, stdout);
        printf("%zu of %lld merges\n", pg.n, (long long)pg.total);
    }
    cli_table_release(&t);
out:
    folio_arena_release(&a);
    return rc;
}

/* ---- worklist ---- */

static json_t *json_pair(const struct folio_mpi_pair *p)
{
    json_t *o = json_object();
    json_t *reasons = p->reasons_json ? json_loads(p->reasons_json, 0, NULL) : json_null();
    int bad = !o || !reasons;
    bad = bad || cli_jset_int(o, "id", p->id);
    bad = bad || cli_jset_int(o, "patient_a", p->patient_a);
    bad = bad || cli_jset_int(o, "patient_b", p->patient_b);
    bad = bad || cli_jset(o, "score", json_real(p->score));
    bad = bad || cli_jset_str(o, "band", p->band);
    bad = bad || cli_jset_str(o, "source", p->source);
    bad = bad || cli_jset_str(o, "status", p->status);
    bad = bad || cli_jset_str(o, "defer_until", p->defer_until);
    bad = bad || cli_jset_str(o, "decided_by", p->decided_by);
    bad = bad || cli_jset_str(o, "decided_at", p->decided_at);
    bad = bad || cli_jset_str(o, "note", p->note);
    bad = bad || cli_jset_id(o, "merge_id", p->merge_id);
    bad = bad || cli_jset_id(o, "feed_request_id", p->feed_request_id);
    bad = bad || cli_jset_str(o, "created_at", p->created_at);
    if (!bad) {
        bad = cli_jset(o, "reasons", reasons);
        reasons = NULL;
    }
    json_decref(reasons);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int do_worklist(struct folio_cli *cli, int argc, char **argv)
{
    const char *status = NULL;
    int64_t patient = 0, limit = 0;
    struct cli_opt opts[] = {{"status", CLI_OPT_STR, &status},
                             {"patient", CLI_OPT_I64, &patient},
                             {"limit", CLI_OPT_I64, &limit}};
    struct cli_args args;
    struct folio_chart chart;
    struct folio_arena a;
    struct folio_mpi_pair_page pg;
    char detail[128];
    enum folio_rc rc = cli_parse(cli, "mpi worklist", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts),
                                 0, &args, NULL);
    if (rc || (rc = cli_check_limit(cli, limit)))
        return rc;
    if (status) {
        static const char *const ok[] = {"open", "deferred", "merged", "not_duplicate", "all"};
        bool known = false;
        for (size_t i = 0; i < FOLIO_ARRAY_LEN(ok); i++)
            known = known || !strcmp(ok[i], status);
        if (!known)
            return folio_err_set(&cli->err, FOLIO_EINVAL, "status",
                                 "status '%s' is not open, deferred, merged, not_duplicate or all",
                                 status);
    }
    rc = read_begin(cli, &chart);
    if (rc)
        return rc;
    folio_arena_init(&a, 0);
    struct folio_mpi_worklist_query q = {.status = status, .patient_id = patient, .limit = limit};
    rc = folio_mpi_worklist_list(&chart, &q, &a, &pg, &cli->err);
    if (!rc) {
        folio_snprintf(detail, sizeof detail, "status=%s pairs=%zu total=%lld",
                       status ? status : "open", pg.n, (long long)pg.total);
        rc = cli_audit(cli, "mpi.worklist", patient, NULL, 0, detail);
    }
    rc = read_end(cli, rc);
    if (rc)
        goto out;
    if (cli->json) {
        json_t *arr = json_array();
        for (size_t i = 0; arr && i < pg.n; i++) {
            json_t *x = json_pair(&pg.items[i]);
            if (!x || json_array_append_new(arr, x)) {
                json_decref(arr);
                arr = NULL;
            }
        }
        if (!arr)
            rc = folio_err_set(&cli->err, FOLIO_ENOMEM, NULL, "out of memory");
        else
            rc = cli_json_print(cli, arr);
        goto out;
    }
    static const char *const head[] = {"PAIR", "PATIENT A", "PATIENT B", "SCORE", "BAND",
                                       "SOURCE", "STATUS", "UNTIL", "MERGE"};
    struct cli_table t;
    cli_table_init(&t, FOLIO_ARRAY_LEN(head), head);
    for (size_t i = 0; !rc && i < pg.n; i++) {
        const struct folio_mpi_pair *p = &pg.items[i];
        char id[24], pa[24], pb[24], sc[24], mg[24];
        i64s(id, p->id);
        i64s(pa, p->patient_a);
        i64s(pb, p->patient_b);
        folio_snprintf(sc, sizeof sc, "%.2f", p->score);
        i64s(mg, p->merge_id);
        const char *cells[] = {id,        pa,       pb,
                               sc,        p->band,  p->source,
                               p->status, p->defer_until, p->merge_id ? mg : NULL};
        rc = cli_table_add(&t, cells);
    }
    if (!rc) {
        if (pg.n)
            cli_table_print(&t, stdout);
        printf("%zu of %lld pairs\n", pg.n, (long long)pg.total);
    }
    cli_table_release(&t);
out:
    folio_arena_release(&a);
    return rc;
}

static int do_scan(struct folio_cli *cli, int argc, char **argv)
{
    const char *today = NULL;
    struct cli_opt opts[] = {{"today", CLI_OPT_STR, &today}};
    struct cli_args args;
    struct folio_chart chart;
    int64_t added = 0, reopened = 0;
    enum folio_rc rc = cli_parse(cli, "mpi scan", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 0,
                                 &args, NULL);
    if (rc)
        return rc;
    rc = cli_chart_open(cli, &chart);
    if (rc)
        return rc;
    struct folio_mpi_scan_opts so = {.today = today};
    rc = folio_mpi_worklist_scan_ex(&chart, &so, &added, &reopened, &cli->err);
    if (rc)
        return rc;
    if (cli->json) {
        json_t *o = json_object();
        if (!o || cli_jset_int(o, "added", added) || cli_jset_int(o, "reopened", reopened)) {
            json_decref(o);
            return folio_err_set(&cli->err, FOLIO_ENOMEM, NULL, "out of memory");
        }
        return cli_json_print(cli, o);
    }
    printf("scan: %lld new pairs, %lld deferred pairs reopened\n", (long long)added,
           (long long)reopened);
    return FOLIO_OK;
}

static int do_decide(struct folio_cli *cli, int argc, char **argv)
{
    const char *until = NULL, *note = NULL;
    int64_t survivor = 0, pair = 0, mid = 0;
    struct cli_opt opts[] = {{"survivor", CLI_OPT_I64, &survivor},
                             {"until", CLI_OPT_STR, &until},
                             {"note", CLI_OPT_STR, &note}};
    struct cli_args args;
    struct folio_chart chart;
    struct folio_mpi_decide d = {.note = note, .client = "cli"};
    enum folio_rc rc = cli_parse(cli, "mpi decide", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 2,
                                 &args, NULL);
    if (rc)
        return rc;
    if (args.npos != 2)
        return cli_usage(cli, "mpi decide: give PAIR_ID and merge, not-duplicate or defer");
    if ((rc = cli_parse_id(cli, "mpi decide", args.pos[0], &pair)))
        return rc;
    const char *v = args.pos[1];
    if (!strcmp(v, "merge"))
        d.verdict = FOLIO_MPI_VERDICT_MERGE;
    else if (!strcmp(v, "not-duplicate") || !strcmp(v, "not_duplicate"))
        d.verdict = FOLIO_MPI_VERDICT_NOT_DUPLICATE;
    else if (!strcmp(v, "defer"))
        d.verdict = FOLIO_MPI_VERDICT_DEFER;
    else
        return cli_usage(cli, "mpi decide: '%s' is not merge, not-duplicate or defer", v);
    if (survivor && d.verdict != FOLIO_MPI_VERDICT_MERGE)
        return cli_usage(cli, "mpi decide: --survivor goes with merge");
    if (until && d.verdict != FOLIO_MPI_VERDICT_DEFER)
        return cli_usage(cli, "mpi decide: --until goes with defer");
    if (!until && d.verdict == FOLIO_MPI_VERDICT_DEFER)
        return cli_usage(cli, "mpi decide: defer needs --until YYYY-MM-DD");
    d.surviving_id = survivor;
    d.defer_until = until;
    d.note = note;
    rc = cli_chart_open(cli, &chart);
    if (rc)
        return rc;
    rc = folio_mpi_worklist_decide(&chart, pair, &d, &mid, &cli->err);
    if (rc)
        return rc;
    const char *st = d.verdict == FOLIO_MPI_VERDICT_MERGE           ? "merged"
                     : d.verdict == FOLIO_MPI_VERDICT_NOT_DUPLICATE ? "not_duplicate"
                                                                    : "deferred";
    if (cli->json) {
        json_t *o = json_object();
        if (!o || cli_jset_int(o, "pair_id", pair) || cli_jset_str(o, "status", st) ||
            cli_jset_id(o, "merge_id", mid)) {
            json_decref(o);
            return folio_err_set(&cli->err, FOLIO_ENOMEM, NULL, "out of memory");
        }
        return cli_json_print(cli, o);
    }
    if (mid)
        printf("pair %lld merged: merge %lld\n", (long long)pair, (long long)mid);
    else if (d.verdict == FOLIO_MPI_VERDICT_DEFER)
        printf("pair %lld deferred until %s\n", (long long)pair, until);
    else
        printf("pair %lld: not a duplicate (remembered)\n", (long long)pair);
    return FOLIO_OK;
}

/* ---- overlays ---- */

static int do_overlays(struct folio_cli *cli, int argc, char **argv)
{
    int64_t patient = 0, limit = 0;
    struct cli_opt opts[] = {{"patient", CLI_OPT_I64, &patient}, {"limit", CLI_OPT_I64, &limit}};
    struct cli_args args;
    struct folio_chart chart;
    struct folio_arena a;
    struct folio_mpi_overlay_page pg;
    enum folio_rc rc = cli_parse(cli, "mpi overlays", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts),
                                 0, &args, NULL);
    if (rc || (rc = cli_check_limit(cli, limit)))
        return rc;
    rc = read_begin(cli, &chart);
    if (rc)
        return rc;
    folio_arena_init(&a, 0);
    struct folio_mpi_overlay_query q = {.patient_id = patient, .limit = limit};
    rc = folio_mpi_overlays(&chart, &q, &a, &pg, &cli->err);
    /* one entry per patient shown (the rows hold their birth dates and sex) */
    for (size_t i = 0; !rc && i < pg.n; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = pg.items[j].patient_id == pg.items[i].patient_id;
        if (!seen)
            rc = cli_audit(cli, "mpi.overlays", pg.items[i].patient_id, "patient",
                           pg.items[i].patient_id, NULL);
    }
    if (!rc && pg.n == 0)
        rc = cli_audit(cli, "mpi.overlays", patient, NULL, 0, "overlays=0");
    rc = read_end(cli, rc);
    if (rc)
        goto out;
    if (cli->json) {
        json_t *arr = json_array();
        for (size_t i = 0; arr && i < pg.n; i++) {
            const struct folio_mpi_overlay *o = &pg.items[i];
            json_t *x = json_object();
            int bad = !x;
            bad = bad || cli_jset_int(x, "patient_id", o->patient_id);
            bad = bad || cli_jset_str(x, "field", o->field);
            bad = bad || cli_jset_str(x, "value_a", o->value_a);
            bad = bad || cli_jset_str(x, "source_a", o->source_a);
            bad = bad || cli_jset_str(x, "at_a", o->at_a);
            bad = bad || cli_jset_str(x, "value_b", o->value_b);
            bad = bad || cli_jset_str(x, "source_b", o->source_b);
            bad = bad || cli_jset_str(x, "at_b", o->at_b);
            bad = bad || cli_jset_str(x, "why", o->why);
            if (bad || json_array_append_new(arr, x)) {
                if (bad)
                    json_decref(x);
                json_decref(arr);
                arr = NULL;
            }
        }
        if (!arr)
            rc = folio_err_set(&cli->err, FOLIO_ENOMEM, NULL, "out of memory");
        else
            rc = cli_json_print(cli, arr);
        goto out;
    }
    static const char *const head[] = {"PATIENT", "FIELD", "VALUE", "SOURCE", "OTHER VALUE",
                                       "SOURCE", "WHY"};
    struct cli_table t;
    cli_table_init(&t, FOLIO_ARRAY_LEN(head), head);
    for (size_t i = 0; !rc && i < pg.n; i++) {
        const struct folio_mpi_overlay *o = &pg.items[i];
        char id[24];
        i64s(id, o->patient_id);
        const char *cells[] = {id, o->field, o->value_a, o->source_a, o->value_b, o->source_b,
                               o->why};
        rc = cli_table_add(&t, cells);
    }
    if (!rc) {
        if (pg.n)
            cli_table_print(&t, stdout);
        printf("%zu of %lld disagreements\n", pg.n, (long long)pg.total);
    }
    cli_table_release(&t);
out:
    folio_arena_release(&a);
    return rc;
}

int cmd_mpi_merge_dispatch(struct folio_cli *cli, int argc, char **argv, bool *handled)
{
    static const struct {
        const char *name;
        int (*fn)(struct folio_cli *, int, char **);
    } subs[] = {
        {"merge", do_merge},       {"unmerge", do_unmerge}, {"merges", do_merges},
        {"worklist", do_worklist}, {"scan", do_scan},       {"decide", do_decide},
        {"overlays", do_overlays},
    };
    *handled = false;
    for (size_t i = 0; argc > 0 && i < FOLIO_ARRAY_LEN(subs); i++)
        if (!strcmp(argv[0], subs[i].name)) {
            *handled = true;
            return subs[i].fn(cli, argc, argv);
        }
    return FOLIO_OK;
}

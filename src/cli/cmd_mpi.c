/* folio mpi dedupe | search | duplicates | reindex   (docs/mpi-matching.md); merge, unmerge,
 * the worklist and overlays are in cmd_mpi_merge.c (docs/mpi-merge.md)
 * Identity matching: batch de-duplication of a CSV file (no database), identity search at
 * registration, and rebuilding the MPI search index. */
#include "folio/base.h"

#include <math.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_chart.h"
#include "cli/cli_util.h"
#include "cli/cmd_mpi_merge.h"
#include "folio/mpi.h"

static const char usage[] =
    "usage: folio mpi dedupe --input records.csv --output pairs.csv [--threshold X]\n"
    "                        [--review review.csv] [--em] [--threads N]\n"
    "           input header: record_id,facility,mrn,given,middle,family,suffix,dob,sex,\n"
    "                         address,city,state,zip,phone,ssn,email (dob YYYY-MM-DD)\n"
    "           output: record_id_a,record_id_b,score (one row per pair judged the same person)\n"
    "       folio mpi search [--family F] [--given G] [--middle M] [--suffix S]\n"
    "                        [--birth-date D] [--sex F|M] [--ssn N] [--phone P] [--zip Z]\n"
    "                        [--address LINE] [--email E] [--limit N]\n"
    "                                         ranked candidates with scores and reasons\n"
    "       folio mpi duplicates ID [--limit N] likely duplicates of patient ID\n"
    "       folio mpi reindex                 rebuild the MPI search index\n";

struct bar {
    bool on;
    const char *phase;
};

static void on_progress(void *ctx, const char *phase, size_t done, size_t total)
{
    struct bar *b = ctx;
    if (!b->on)
        return;
    if (total) {
        int pct = (int)((double)done * 100.0 / (double)total);
        int w = pct / 4;
        fprintf(stderr, "\r%-8s [%-25.*s] %3d%%", phase, w, "#########################", pct);
    } else {
        fprintf(stderr, "\r%-8s %zu records", phase, done);
    }
    b->phase = phase;
    fflush(stderr);
}

static int mpi_dedupe(struct folio_cli *cli, int argc, char **argv)
{
    const char *in = NULL, *outp = NULL, *review = NULL, *thr = NULL;
    bool em = false;
    int64_t threads = 0;
    struct cli_opt opts[] = {
        {"input", CLI_OPT_STR, &in},         {"output", CLI_OPT_STR, &outp},
        {"review", CLI_OPT_STR, &review},    {"threshold", CLI_OPT_STR, &thr},
        {"em", CLI_OPT_FLAG, &em},           {"threads", CLI_OPT_I64, &threads},
    };
    struct cli_args args;
    enum folio_rc rc = cli_parse(cli, "mpi dedupe", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 0,
                                 &args, NULL);
    if (rc)
        return rc;
    if (!in || !outp)
        return cli_usage(cli, "mpi dedupe: --input and --output are required");
    struct folio_mpi_dedupe_opts o = {.threshold = NAN, .em = em};
    if (thr && folio_sv_to_double(folio_sv_from(thr), &o.threshold))
        return folio_err_set(&cli->err, FOLIO_EINVAL, "threshold", "'%s' is not a number", thr);
    if (threads > 64)
        return folio_err_set(&cli->err, FOLIO_EINVAL, "threads", "at most 64 threads");
    o.threads = (unsigned)threads;
    struct bar b = {.on = !cli->quiet && isatty(2)};
    o.progress = on_progress;
    o.progress_ctx = &b;
    struct folio_mpi_dedupe_stats st;
    rc = folio_mpi_dedupe_file(in, outp, review, &o, &st, &cli->err);
    if (b.on && b.phase)
        fputs("\n", stderr);
    if (rc)
        return rc;
    if (cli->json) {
        json_t *j = json_object();
        if (!j)
            return folio_err_set(&cli->err, FOLIO_ENOMEM, NULL, "out of memory");
        int bad = cli_jset_int(j, "records", (int64_t)st.records);
        bad |= cli_jset_int(j, "candidate_pairs", (int64_t)st.candidate_pairs);
        bad |= cli_jset_int(j, "links", (int64_t)st.links);
        bad |= cli_jset_int(j, "reviews", (int64_t)st.reviews);
        bad |= cli_jset_int(j, "capped_blocks", (int64_t)st.capped_blocks);
        bad |= cli_jset_int(j, "rule_blocked", (int64_t)st.rule_blocked);
        if (bad) {
            json_decref(j);
            return folio_err_set(&cli->err, FOLIO_ENOMEM, NULL, "out of memory");
        }
        return cli_json_print(cli, j);
    }
    printf("records %zu, pairs compared %zu, same person %zu, for review %zu, stopped by a rule "
           "%u\n",
           st.records, st.candidate_pairs, st.links, st.reviews, st.rule_blocked);
    return FOLIO_OK;
}

static json_t *json_candidate(const struct folio_mpi_candidate *c)
{
    json_t *o = json_object(), *rs = json_array();
    int bad = !o || !rs;
    if (bad) {
        json_decref(o);
        json_decref(rs);
        return NULL;
    }
    bad |= cli_jset_id(o, "patient_id", c->patient_id);
    bad |= cli_jset(o, "score", json_real(round(c->score.score * 100) / 100));
    bad |= cli_jset_str(o, "decision", folio_mpi_decision_name(c->score.decision));
    json_t *rules = json_array();
    for (unsigned bit = 1; rules && bit <= FOLIO_MPI_RULE_SSN; bit <<= 1)
        if (c->score.rules & bit)
            bad |= json_array_append_new(rules, json_string(folio_mpi_rule_text(bit)));
    bad |= cli_jset(o, "rules", rules);
    for (int f = 0; f < FOLIO_MPI_NFIELDS; f++) {
        const struct folio_mpi_reason *r = &c->score.reasons[f];
        json_t *x = json_object();
        if (!x) {
            bad = 1;
            break;
        }
        bad |= cli_jset_str(x, "field", folio_mpi_field_name(r->field));
        bad |= cli_jset_str(x, "level", folio_mpi_level_name(r->level));
        bad |= cli_jset(x, "weight", json_real(round(r->weight * 100) / 100));
        bad |= cli_jset_str(x, "query", r->a);
        bad |= cli_jset_str(x, "candidate", r->b);
        bad |= cli_jset_str(x, "note", r->note[0] ? r->note : NULL);
        bad |= json_array_append_new(rs, x);
    }
    bad |= cli_jset(o, "reasons", rs);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static enum folio_rc print_candidates(struct folio_cli *cli, const struct folio_mpi_candidate *cs,
                                      size_t n)
{
    if (cli->json) {
        json_t *a = json_array();
        for (size_t i = 0; a && i < n; i++) {
            json_t *x = json_candidate(&cs[i]);
            if (!x || json_array_append_new(a, x)) {
                json_decref(a);
                a = NULL;
            }
        }
        if (!a)
            return folio_err_set(&cli->err, FOLIO_ENOMEM, NULL, "out of memory");
        return cli_json_print(cli, a);
    }
    if (n == 0) {
        printf("no candidates\n");
        return FOLIO_OK;
    }
    for (size_t i = 0; i < n; i++) {
        const struct folio_mpi_candidate *c = &cs[i];
        printf("%zu. patient %lld  score %.2f  %s  %s %s  born %s\n", i + 1,
               (long long)c->patient_id, c->score.score, folio_mpi_decision_name(c->score.decision),
               c->rec.given ? c->rec.given : "", c->rec.family ? c->rec.family : "",
               c->rec.birth_date ? c->rec.birth_date : "-");
        for (unsigned bit = 1; bit <= FOLIO_MPI_RULE_SSN; bit <<= 1)
            if (c->score.rules & bit)
                printf("     rule: %s\n", folio_mpi_rule_text(bit));
        for (int f = 0; f < FOLIO_MPI_NFIELDS; f++) {
            const struct folio_mpi_reason *r = &c->score.reasons[f];
            if (r->level == FOLIO_MPI_MISSING)
                continue;
            printf("     %-10s %-8s %+6.2f  %s | %s%s%s\n", folio_mpi_field_name(r->field),
                   folio_mpi_level_name(r->level), r->weight, r->a, r->b, r->note[0] ? "  " : "",
                   r->note);
        }
    }
    return FOLIO_OK;
}

static int mpi_search(struct folio_cli *cli, int argc, char **argv)
{
    struct folio_mpi_record q;
    memset(&q, 0, sizeof q);
    int64_t limit = 0;
    struct cli_opt opts[] = {
        {"family", CLI_OPT_STR, &q.family},     {"given", CLI_OPT_STR, &q.given},
        {"middle", CLI_OPT_STR, &q.middle},     {"suffix", CLI_OPT_STR, &q.suffix},
        {"birth-date", CLI_OPT_STR, &q.birth_date}, {"sex", CLI_OPT_STR, &q.sex},
        {"ssn", CLI_OPT_STR, &q.ssn},           {"phone", CLI_OPT_STR, &q.phone},
        {"zip", CLI_OPT_STR, &q.zip},           {"address", CLI_OPT_STR, &q.address},
        {"email", CLI_OPT_STR, &q.email},       {"limit", CLI_OPT_I64, &limit},
    };
    struct cli_args args;
    struct folio_chart chart;
    struct folio_arena a = {0};
    enum folio_rc rc = cli_parse(cli, "mpi search", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 0,
                                 &args, NULL);
    if (rc)
        return rc;
    if (limit > 100)
        return folio_err_set(&cli->err, FOLIO_EINVAL, "limit", "at most 100 candidates");
    rc = cli_chart_open(cli, &chart);
    if (rc)
        return rc;
    struct folio_mpi_search_opts so = {.limit = (size_t)limit, .min_score = NAN};
    struct folio_mpi_candidate *cs = NULL;
    size_t n = 0;
    rc = folio_mpi_search(&chart, &q, &so, &a, &cs, &n, &cli->err);
    if (rc == FOLIO_OK)
        rc = print_candidates(cli, cs, n);
    folio_arena_release(&a);
    return rc;
}

static int mpi_duplicates(struct folio_cli *cli, int argc, char **argv)
{
    int64_t limit = 0, id = 0;
    struct cli_opt opts[] = {{"limit", CLI_OPT_I64, &limit}};
    struct cli_args args;
    struct folio_chart chart;
    struct folio_arena a = {0};
    enum folio_rc rc = cli_parse(cli, "mpi duplicates", argc, argv, 1, opts,
                                 FOLIO_ARRAY_LEN(opts), 1, &args, NULL);
    if (rc)
        return rc;
    if (args.npos != 1)
        return cli_usage(cli, "mpi duplicates: give the patient id");
    if ((rc = cli_parse_id(cli, "mpi duplicates", args.pos[0], &id)))
        return rc;
    if (limit > 100)
        return folio_err_set(&cli->err, FOLIO_EINVAL, "limit", "at most 100 candidates");
    rc = cli_chart_open(cli, &chart);
    if (rc)
        return rc;
    struct folio_mpi_search_opts so = {.limit = (size_t)limit, .min_score = NAN};
    struct folio_mpi_candidate *cs = NULL;
    size_t n = 0;
    rc = folio_mpi_find_duplicates(&chart, id, &so, &a, &cs, &n, &cli->err);
    if (rc == FOLIO_OK)
        rc = print_candidates(cli, cs, n);
    folio_arena_release(&a);
    return rc;
}

static void reindex_progress(void *ctx, size_t done, size_t total)
{
    const struct folio_cli *cli = ctx;
    if (!cli->quiet && isatty(2))
        fprintf(stderr, "\rreindex %zu/%zu", done, total);
}

static int mpi_reindex(struct folio_cli *cli, int argc, char **argv)
{
    struct cli_args args;
    struct folio_chart chart;
    enum folio_rc rc = cli_parse(cli, "mpi reindex", argc, argv, 1, NULL, 0, 0, &args, NULL);
    if (rc)
        return rc;
    rc = cli_chart_open(cli, &chart);
    if (rc)
        return rc;
    size_t n = 0;
    rc = folio_mpi_reindex(&chart, reindex_progress, cli, &n, &cli->err);
    if (!cli->quiet && isatty(2))
        fputs("\n", stderr);
    if (rc == FOLIO_OK)
        printf("indexed %zu patients\n", n);
    return rc;
}

int cmd_mpi(struct folio_cli *cli, int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        fputs(usage, stdout);
        fputs(cmd_mpi_merge_usage, stdout);
        return argc < 2 ? (int)cli_usage(cli, "mpi: give a subcommand") : (int)FOLIO_OK;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "dedupe"))
        return mpi_dedupe(cli, argc - 1, argv + 1);
    if (!strcmp(sub, "search"))
        return mpi_search(cli, argc - 1, argv + 1);
    if (!strcmp(sub, "duplicates"))
        return mpi_duplicates(cli, argc - 1, argv + 1);
    if (!strcmp(sub, "reindex"))
        return mpi_reindex(cli, argc - 1, argv + 1);
    bool handled = false;
    int r = cmd_mpi_merge_dispatch(cli, argc - 1, argv + 1, &handled);
    if (handled)
        return r;
    return cli_usage(cli,
                     "mpi: unknown subcommand '%s' (dedupe, search, duplicates, reindex, merge, "
                     "unmerge, merges, worklist, scan, decide, overlays)",
                     sub);
}

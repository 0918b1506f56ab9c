/* folio codes load KIND PATH | list | show CODE | search QUERY | pcs [PREFIX]
 * Code-set versions from the official release files (folio/codes.h, docs/codesets.md); the
 * encoder's search and the ICD-10-PCS builder over them (docs/encoder.md), built here from the
 * store as the server builds its shared index (server/encoder_cache.h). */
#include "folio/base.h"

#include "cli/cli.h"
#include "cli/cli_chart.h"
#include "cli/cli_util.h"
#include "folio/codes.h"
#include "folio/encoder.h"
#include "folio/time.h"
#include "server/encoder_cache.h"

static const char usage[] =
    "usage: folio codes load KIND PATH [--fy YEAR] [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n"
    "       folio codes list                  loaded versions with counts\n"
    "       folio codes show CODE [--system icd10cm|icd10pcs|hcpcs|cpt] [--date YYYY-MM-DD]\n"
    "                                         a code with its notes (where each is stated)\n"
    "       folio codes search QUERY [--system icd10cm|icd10pcs|all] [--limit N]\n"
    "                                         encoder search: words, abbreviations or a code\n"
    "       folio codes pcs [PREFIX] [--date YYYY-MM-DD]\n"
    "                                         ICD-10-PCS builder: the next position's choices\n"
    "\n"
    "KIND: icd10cm-order, icd10cm-tabular, icd10cm-index, icd10cm-valid, icd10pcs-tables,\n"
    "      icd10pcs-order, icd10pcs-definitions, hcpcs (ANWEB .xlsx or .txt), mce (the\n"
    "      directory of MCE tables), cpt (your licensed CSV), poa-exempt (CMS's POA-exempt\n"
    "      code list). Which file of each release to give, and where CMS/CDC publish it:\n"
    "      docs/codesets.md.\n"
    "A mid-year (April) or quarterly file is an update of the version in force on its start\n"
    "date; loading the same release again changes nothing.\n"
    "search and pcs build the code index from the loaded code sets first (a few seconds).\n";

static json_t *json_version(const struct folio_codeset_version *v)
{
    json_t *o = json_object();
    int bad = !o;
    if (bad)
        return NULL;
    bad |= cli_jset_int(o, "id", v->id);
    bad |= cli_jset_str(o, "kind", v->kind);
    bad |= cli_jset_str(o, "system", v->system ? folio_code_system_name(v->system) : "mce");
    bad |= cli_jset_int(o, "fiscal_year", v->fiscal_year);
    bad |= cli_jset_str(o, "label", v->label);
    bad |= cli_jset_str(o, "effective_from", v->effective_from);
    bad |= cli_jset_str(o, "effective_to", v->effective_to);
    bad |= cli_jset_id(o, "update_of", v->update_of);
    bad |= cli_jset_str(o, "source_name", v->source_name);
    bad |= cli_jset_str(o, "sha256", v->sha256);
    bad |= cli_jset_str(o, "loaded_at", v->loaded_at);
    bad |= cli_jset_str(o, "loaded_by", v->loaded_by);
    bad |= cli_jset_int(o, "records", v->n_records);
    bad |= cli_jset_int(o, "codes_written", v->n_codes);
    bad |= cli_jset_int(o, "billable", v->n_billable);
    bad |= cli_jset_int(o, "notes", v->n_notes);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int codes_load(struct folio_cli *cli, int argc, char **argv)
{
    struct cli_args args;
    const char *from = NULL, *to = NULL;
    int64_t fy = 0;
    struct cli_opt opts[] = {{"fy", CLI_OPT_I64, &fy},
                             {"from", CLI_OPT_STR, &from},
                             {"to", CLI_OPT_STR, &to}};
    struct folio_codes_load_opts lo = {0};
    struct folio_codes_load_result res;
    enum folio_rc rc = cli_parse(cli, "codes load", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 2,
                                 &args, NULL);
    if (rc)
        return rc;
    if (args.npos != 2)
        return cli_usage(cli, "codes load: give KIND and PATH");
    if ((rc = folio_codes_load_kind_parse(args.pos[0], &lo.kind, &cli->err)))
        return rc;
    if (fy > 9998)
        return cli_usage(cli, "codes load: --fy %lld is not a year", (long long)fy);
    lo.path = args.pos[1];
    lo.fiscal_year = (int)fy;
    lo.effective_from = from;
    lo.effective_to = to;
    lo.loaded_by = cli->actor;
    if ((rc = folio_cli_open_store(cli)))
        return rc;
    rc = folio_codes_load(cli->store, &lo, &res, &cli->err);
    if (rc)
        return rc;
    if (cli->json) {
        json_t *o = json_version(&res.version);
        if (!o || cli_jset(o, "already_loaded", json_boolean(res.already_loaded)) ||
            cli_jset(o, "is_update", json_boolean(res.is_update)) ||
            cli_jset_int(o, "added", res.n_added) || cli_jset_int(o, "changed", res.n_changed) ||
            cli_jset_int(o, "unchanged", res.n_unchanged) ||
            cli_jset(o, "seconds", json_real(res.seconds))) {
            json_decref(o);
            return folio_err_set(&cli->err, FOLIO_ENOMEM, NULL, "out of memory");
        }
        return cli_json_print(cli, o);
    }
    if (res.already_loaded) {
        printf("already loaded: version %lld %s (%s, %s), nothing changed\n",
               (long long)res.version.id, res.version.label, res.version.kind,
               res.version.source_name);
        return FOLIO_OK;
    }
    printf("loaded version %lld %s %s %s..%s%s: %lld records, %lld codes added, %lld changed, "
           "%lld unchanged, %lld notes/rows, %.2f s\n",
           (long long)res.version.id, res.version.kind, res.version.label,
           res.version.effective_from, res.version.effective_to[0] ? res.version.effective_to : "",
           res.is_update ? " (update)" : "", (long long)res.version.n_records,
           (long long)res.n_added, (long long)res.n_changed, (long long)res.n_unchanged,
           (long long)res.version.n_notes, res.seconds);
    return FOLIO_OK;
}

static int codes_list(struct folio_cli *cli, int argc, char **argv)
{
    struct cli_args args;
    struct folio_arena a;
    struct folio_codeset_version *v = NULL;
    size_t n = 0, i;
    enum folio_rc rc = cli_parse(cli, "codes list", argc, argv, 1, NULL, 0, 0, &args, NULL);
    if (rc)
        return rc;
    if ((rc = folio_cli_open_store(cli)))
        return rc;
    folio_arena_init(&a, 0);
    if ((rc = folio_codes_versions(cli->store, &a, &v, &n, &cli->err)))
        goto out;
    if (cli->json) {
        json_t *arr = json_array();
        for (i = 0; arr && i < n; i++) {
            json_t *o = json_version(&v[i]);
            if (!o || json_array_append_new(arr, o)) {
                json_decref(arr);
                arr = NULL;
            }
        }
        if (!arr)
            rc = folio_err_set(&cli->err, FOLIO_ENOMEM, NULL, "out of memory");
        else
            rc = cli_json_print(cli, arr);
        goto out;
    } else {
        static const char *const head[] = {"ID",      "SYSTEM",  "KIND",   "LABEL",
                                           "FROM",    "TO",      "RECORDS", "CODES",
                                           "BILLABLE", "NOTES",  "FILE"};
        struct cli_table t;
        cli_table_init(&t, FOLIO_ARRAY_LEN(head), head);
        for (i = 0; i < n && !rc; i++) {
            char id[24], nr[24], nc[24], nb[24], nn[24];
            const char *cells[11];
            folio_snprintf(id, sizeof(id), "%lld", (long long)v[i].id);
            folio_snprintf(nr, sizeof(nr), "%lld", (long long)v[i].n_records);
            folio_snprintf(nc, sizeof(nc), "%lld", (long long)v[i].n_codes);
            folio_snprintf(nb, sizeof(nb), "%lld", (long long)v[i].n_billable);
            folio_snprintf(nn, sizeof(nn), "%lld", (long long)v[i].n_notes);
            cells[0] = id;
            cells[1] = v[i].system ? folio_code_system_name(v[i].system) : "mce";
            cells[2] = v[i].kind;
            cells[3] = v[i].label;
            cells[4] = v[i].effective_from;
            cells[5] = v[i].effective_to[0] ? v[i].effective_to : "open";
            cells[6] = nr;
            cells[7] = nc;
            cells[8] = nb;
            cells[9] = nn;
            cells[10] = v[i].source_name;
            if (cli_table_add(&t, cells))
                rc = folio_err_set(&cli->err, FOLIO_ENOMEM, NULL, "out of memory");
        }
        if (!rc) {
            if (n == 0)
                printf("no code sets loaded (folio codes load KIND PATH)\n");
            else
                cli_table_print(&t, stdout);
        }
        cli_table_release(&t);
    }
out:
    folio_arena_release(&a);
    return rc;
}

/* --date YYYY-MM-DD (or its older name --on): EINVAL naming "date" otherwise. */
static enum folio_rc check_date(struct folio_cli *cli, const char *d)
{
    struct folio_time t;
    if (!d)
        return FOLIO_OK;
    if (strlen(d) != 10 || folio_time_parse_iso(folio_sv_from(d), &t, "date", &cli->err) ||
        t.prec != FOLIO_PREC_DAY)
        return folio_err_set(&cli->err, FOLIO_EINVAL, "date",
                             "--date: \"%.20s\" is not a date YYYY-MM-DD", d);
    return FOLIO_OK;
}

static const char *note_label(enum folio_note_type t)
{
    switch (t) {
    case FOLIO_NOTE_INCLUDES: return "Includes";
    case FOLIO_NOTE_INCLUSION_TERM: return "Inclusion term";
    case FOLIO_NOTE_EXCLUDES1: return "Excludes1";
    case FOLIO_NOTE_EXCLUDES2: return "Excludes2";
    case FOLIO_NOTE_CODE_FIRST: return "Code first";
    case FOLIO_NOTE_USE_ADDITIONAL: return "Use additional code";
    case FOLIO_NOTE_CODE_ALSO: return "Code also";
    case FOLIO_NOTE_SEVEN_CHR_NOTE: return "7th character note";
    case FOLIO_NOTE_SEVEN_CHR_DEF: return "7th character";
    case FOLIO_NOTE_NOTES: return "Note";
    case FOLIO_NOTE_DEFINITION: return "Definition";
    }
    return "Note";
}

static int codes_show(struct folio_cli *cli, int argc, char **argv)
{
    struct cli_args args;
    const char *sys = "icd10cm", *on = NULL, *date = NULL;
    struct cli_opt opts[] = {{"system", CLI_OPT_STR, &sys},
                             {"date", CLI_OPT_STR, &date},
                             {"on", CLI_OPT_STR, &on}};
    enum folio_code_system cs;
    struct folio_arena a;
    struct folio_code *c = NULL, *st, *kids = NULL;
    struct folio_code_note *notes = NULL;
    size_t nn = 0, nk = 0, i;
    char dotted[24], from[24];
    enum folio_rc rc = cli_parse(cli, "codes show", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 1,
                                 &args, NULL);
    if (rc)
        return rc;
    if (args.npos != 1)
        return cli_usage(cli, "codes show: give a CODE");
    if (!date)
        date = on;
    if ((rc = folio_code_system_parse(sys, &cs, &cli->err)) || (rc = check_date(cli, date)))
        return rc;
    if ((rc = folio_cli_open_store(cli)))
        return rc;
    folio_arena_init(&a, 0);
    if ((rc = folio_codes_get(cli->store, cs, args.pos[0], date, &a, &c, &cli->err)))
        goto out;
    /* A row of a valid-code list has no title, parent or notes of its own: show those of the
     * row its title comes from (as GET /api/v1/codes/{system}/{code} does). */
    st = c;
    if (c->title_from[0] && !c->parent[0]) {
        struct folio_code *t = NULL;
        struct folio_err ignored;
        memset(&ignored, 0, sizeof ignored);
        if (folio_codes_get(cli->store, cs, c->code, c->title_from, &a, &t, &ignored) == FOLIO_OK)
            st = t;
    }
    if ((rc = folio_codes_notes(cli->store, st, true, &a, &notes, &nn, &cli->err)) ||
        (rc = folio_codes_children(cli->store, cs, st->code, date ? date : st->effective_from, &a,
                                   &kids, &nk, &cli->err)))
        goto out;
    folio_codes_dotted(cs, c->code, dotted, sizeof(dotted));
    cli_kv(stdout, "code", dotted);
    cli_kv(stdout, "title", folio_code_display_title(c));
    if (c->title_from[0]) {
        char tf[64];
        (void)folio_snprintf(tf, sizeof tf, "the row in force from %s (this row has none)",
                             c->title_from);
        cli_kv(stdout, "title from", tf);
    }
    cli_kv(stdout, "short title", c->short_title);
    cli_kv(stdout, "kind", folio_code_kind_name(c->kind));
    cli_kv(stdout, "billable", c->billable ? "yes" : "no (header)");
    cli_kv(stdout, "parent", st->parent);
    cli_kv(stdout, "effective", c->effective_from);
    cli_kv(stdout, "until", c->effective_to[0] ? c->effective_to : "open");
    if (st != c)
        cli_kv(stdout, "notes from", st->effective_from);
    for (i = 0; i < nn; i++) {
        folio_codes_dotted(cs, notes[i].from_code, from, sizeof from);
        printf("  %s%s%s [%s%s]: %s\n", note_label(notes[i].type),
               notes[i].extension[0] ? " " : "", notes[i].extension, from,
               strcmp(notes[i].from_code, st->code) ? ", inherited" : "", notes[i].text);
    }
    for (i = 0; i < nk; i++) {
        folio_codes_dotted(cs, kids[i].code, dotted, sizeof(dotted));
        printf("  > %-10s %s\n", dotted, folio_code_display_title(&kids[i]));
    }
out:
    folio_arena_release(&a);
    return rc;
}

/* Builds the code index from the store, saying so on stderr. */
static enum folio_rc build_index(struct folio_cli *cli, struct folio_enc_built *b)
{
    enum folio_rc rc;
    cli_note(cli, "building the code index from the loaded code sets ...");
    rc = folio_enc_cache_build(cli->store, b, &cli->err);
    if (!rc)
        cli_note(cli, "  %zu codes (%zu searchable by words) in %.2f s", b->stats.n_codes,
                 b->stats.n_indexed, b->seconds);
    return rc;
}

static json_t *hit_json(const struct folio_enc_hit *h)
{
    json_t *o = json_object(), *sev = NULL;
    int bad = !o;
    size_t i;
    if (bad)
        return NULL;
    bad |= cli_jset_str(o, "system", folio_code_system_name(h->system));
    bad |= cli_jset_str(o, "code", h->code);
    bad |= cli_jset_str(o, "dotted", h->dotted);
    bad |= cli_jset_str(o, "title", h->title);
    bad |= cli_jset(o, "billable", json_boolean(h->billable));
    bad |= cli_jset(o, "needs_seventh", json_boolean(h->needs_seventh));
    if (h->needs_seventh) {
        sev = json_array();
        bad |= !sev;
        for (i = 0; !bad && i < h->n_seventh; i++) {
            char v[2] = {h->seventh[i].value, '\0'};
            json_t *x = json_object();
            bad |= !x || cli_jset_str(x, "value", v) ||
                   cli_jset_str(x, "label", h->seventh[i].label) ||
                   json_array_append_new(sev, x) != 0;
        }
        bad |= cli_jset(o, "seventh", sev);
    }
    bad |= cli_jset_str(o, "match", folio_enc_match_name(h->match));
    bad |= cli_jset_str(o, "matched_term", h->matched_term);
    bad |= cli_jset_int(o, "score", h->score);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int codes_search(struct folio_cli *cli, int argc, char **argv)
{
    struct cli_args args;
    const char *sys = "all";
    int64_t limit = 20;
    struct cli_opt opts[] = {{"system", CLI_OPT_STR, &sys}, {"limit", CLI_OPT_I64, &limit}};
    struct folio_enc_built b;
    struct folio_enc_searcher *sr = NULL;
    struct folio_enc_results *res = NULL;
    unsigned mask = 0;
    size_t i;
    enum folio_rc rc = cli_parse(cli, "codes search", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts),
                                 1, &args, NULL);
    memset(&b, 0, sizeof b);
    if (rc)
        return rc;
    if (args.npos != 1)
        return cli_usage(cli, "codes search: give a QUERY (words or a code; quote several words)");
    if (strcmp(sys, "icd10cm") == 0)
        mask = FOLIO_ENC_SYS(FOLIO_CS_ICD10CM);
    else if (strcmp(sys, "icd10pcs") == 0)
        mask = FOLIO_ENC_SYS(FOLIO_CS_ICD10PCS);
    else if (strcmp(sys, "all") != 0)
        return folio_err_set(&cli->err, FOLIO_EINVAL, "system",
                             "--system: \"%.20s\" is not icd10cm, icd10pcs or all", sys);
    if (limit < 1 || limit > FOLIO_ENC_MAX_HITS)
        return folio_err_set(&cli->err, FOLIO_EINVAL, "limit", "--limit: %lld is not 1..%d",
                             (long long)limit, FOLIO_ENC_MAX_HITS);
    if (strlen(args.pos[0]) > 256)
        return folio_err_set(&cli->err, FOLIO_EINVAL, "query", "QUERY: longer than 256 bytes");
    if ((rc = folio_cli_open_store(cli)) || (rc = build_index(cli, &b)))
        goto out;
    res = calloc(1, sizeof *res);
    if (!res) {
        rc = folio_err_set(&cli->err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    if ((rc = folio_enc_searcher_new(b.enc, &sr, &cli->err)) ||
        (rc = folio_enc_search(sr, args.pos[0], mask, (size_t)limit, res, &cli->err)))
        goto out;
    if (cli->json) {
        json_t *o = json_object(), *hits = json_array();
        int bad = !o || !hits;
        for (i = 0; !bad && i < res->n; i++)
            bad |= json_array_append_new(hits, hit_json(&res->hits[i])) != 0;
        if (!bad) {
            bad |= cli_jset_str(o, "query", args.pos[0]) || cli_jset_str(o, "system", sys) ||
                   cli_jset_int(o, "total", (int64_t)res->total);
            bad |= cli_jset(o, "hits", hits);
            hits = NULL;
        }
        json_decref(hits);
        if (bad) {
            json_decref(o);
            rc = folio_err_set(&cli->err, FOLIO_ENOMEM, NULL, "out of memory");
            goto out;
        }
        rc = cli_json_print(cli, o);
        goto out;
    }
    if (res->n == 0)
        printf("no code matches \"%s\"\n", args.pos[0]);
    for (i = 0; i < res->n; i++) {
        const struct folio_enc_hit *h = &res->hits[i];
        printf("%-9s %-8s %s", h->dotted,
               h->billable ? "billable" : h->needs_seventh ? "+7th" : "header", h->title);
        if (h->needs_seventh && h->n_seventh) {
            size_t k;
            printf("  [7th:");
            for (k = 0; k < h->n_seventh; k++)
                printf(" %c", h->seventh[k].value);
            printf("]");
        }
        if (h->matched_term)
            printf("  (matched: %s)", h->matched_term);
        printf("\n");
    }
    if (res->total > res->n)
        cli_note(cli, "%zu of %zu shown (--limit)", res->n, res->total);
out:
    free(res);
    folio_enc_searcher_free(sr);
    folio_enc_built_release(&b);
    return rc;
}

static int codes_pcs(struct folio_cli *cli, int argc, char **argv)
{
    struct cli_args args;
    const char *date = NULL, *prefix;
    struct cli_opt opts[] = {{"date", CLI_OPT_STR, &date}};
    struct folio_pcs_tables *t = NULL;
    struct folio_codeset_version v;
    struct folio_pcs_step *step = NULL, *prev = NULL;
    size_t i, k, len;
    char part[8];
    enum folio_rc rc = cli_parse(cli, "codes pcs", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 1,
                                 &args, NULL);
    if (rc)
        return rc;
    prefix = args.npos ? args.pos[0] : "";
    if ((rc = check_date(cli, date)))
        return rc;
    if ((rc = folio_cli_open_store(cli)) ||
        (rc = folio_pcs_tables_from_store(cli->store, &t, &v, &cli->err)))
        goto out;
    if (!t) {
        rc = folio_err_set(&cli->err, FOLIO_ESTATE, "code_sets",
                           "no ICD-10-PCS tables loaded: folio codes load icd10pcs-tables FILE "
                           "(docs/codesets.md)");
        goto out;
    }
    if (date && (strcmp(v.effective_from, date) > 0 ||
                 (v.effective_to[0] && strcmp(date, v.effective_to) > 0))) {
        rc = folio_err_set(&cli->err, FOLIO_ENOTFOUND, "date",
                           "--date: the loaded ICD-10-PCS tables (%s, %s..%s) are not in force "
                           "on %s",
                           v.label, v.effective_from, v.effective_to[0] ? v.effective_to : "open",
                           date);
        goto out;
    }
    step = calloc(1, sizeof *step);
    prev = calloc(1, sizeof *prev);
    if (!step || !prev) {
        rc = folio_err_set(&cli->err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    if ((rc = folio_pcs_builder_step(t, prefix, step, &cli->err)))
        goto out;
    if (cli->json) {
        json_t *o = json_object(), *opts_j = json_array();
        int bad = !o || !opts_j;
        for (i = 0; !bad && i < step->n_options; i++) {
            char val[2] = {step->options[i].value, '\0'};
            json_t *x = json_object();
            bad |= !x || cli_jset_str(x, "value", val) ||
                   cli_jset_str(x, "label", step->options[i].label) ||
                   cli_jset_str(x, "definition", step->options[i].definition) ||
                   json_array_append_new(opts_j, x) != 0;
        }
        if (!bad) {
            bad |= cli_jset_str(o, "prefix", prefix) || cli_jset_str(o, "version", v.label) ||
                   cli_jset(o, "complete", json_boolean(step->complete));
            if (step->complete) {
                bad |= cli_jset_str(o, "code", step->code) || cli_jset_str(o, "title", step->title);
            } else {
                bad |= cli_jset_int(o, "position", step->position) ||
                       cli_jset_str(o, "axis_title", step->axis_title);
                bad |= cli_jset(o, "options", opts_j);
                opts_j = NULL;
            }
        }
        json_decref(opts_j);
        if (bad) {
            json_decref(o);
            rc = folio_err_set(&cli->err, FOLIO_ENOMEM, NULL, "out of memory");
            goto out;
        }
        rc = cli_json_print(cli, o);
        goto out;
    }
    /* what the prefix means so far, then the choices */
    len = 0;
    for (const char *p = prefix; *p; p++)
        if (*p != '.' && *p != ' ' && *p != '\t' && len < 7)
            part[len++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
    for (k = 0; k < len; k++) {
        char head[8];
        memcpy(head, part, k);
        head[k] = '\0';
        if ((rc = folio_pcs_builder_step(t, head, prev, &cli->err)))
            goto out;
        for (i = 0; i < prev->n_options; i++)
            if (prev->options[i].value == part[k])
                printf("%zu %-12s %c  %s\n", k + 1, prev->axis_title, part[k],
                       prev->options[i].label);
    }
    if (step->complete) {
        printf("complete: %s  %s\n", step->code, step->title);
        goto out;
    }
    printf("position %d, %s (ICD-10-PCS %s):\n", step->position, step->axis_title, v.label);
    for (i = 0; i < step->n_options; i++) {
        printf("  %c  %s", step->options[i].value, step->options[i].label);
        if (step->options[i].definition)
            printf(" -- %s", step->options[i].definition);
        printf("\n");
    }
out:
    free(step);
    free(prev);
    folio_pcs_tables_free(t);
    return rc;
}

int cmd_codes(struct folio_cli *cli, int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        fputs(usage, stdout);
        return argc < 2 ? (int)cli_usage(cli, "codes: give a subcommand") : (int)FOLIO_OK;
    }
    if (!strcmp(argv[1], "load"))
        return codes_load(cli, argc - 1, argv + 1);
    if (!strcmp(argv[1], "list"))
        return codes_list(cli, argc - 1, argv + 1);
    if (!strcmp(argv[1], "show"))
        return codes_show(cli, argc - 1, argv + 1);
    if (!strcmp(argv[1], "search"))
        return codes_search(cli, argc - 1, argv + 1);
    if (!strcmp(argv[1], "pcs"))
        return codes_pcs(cli, argc - 1, argv + 1);
    return cli_usage(cli, "codes: unknown subcommand '%s' (load, list, show, search, pcs)",
                     argv[1]);
}

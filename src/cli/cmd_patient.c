/* folio patient add | show | search | list */
#include "folio/base.h"

#include "cli/cli.h"
#include "cli/cli_chart.h"
#include "cli/cli_util.h"
#include "folio/audit.h"
#include "folio/chart_json.h"
#include "folio/mpi.h"
#include "folio/records.h"

static const char usage[] =
    "usage: folio patient add --family NAME --given NAME --birth-date DATE [options]\n"
    "       folio patient show ID\n"
    "       folio patient search [--name \"Family, Given\"] [--birth-date DATE] [--mrn VALUE]\n"
    "                            [--sex CODE] [--limit N] [--offset N]\n"
    "       folio patient list [--limit N] [--offset N]\n"
    "\n"
    "patient add options:\n"
    "  --family, --given, --middle, --prefix, --suffix   the official name\n"
    "  --birth-date DATE     YYYY, YYYY-MM or YYYY-MM-DD (required)\n"
    "  --sex CODE            F M O U A N, or female/male/other/unknown (default U)\n"
    "  --mrn VALUE           medical record number, assigned by --facility CODE (default MAIN)\n"
    "  --ssn NNN-NN-NNNN     stored encrypted; shown masked\n"
    "  --phone NUMBER [--phone-use home|mobile|work]   --email ADDRESS\n"
    "  --address-line TEXT [--address-line2 TEXT] --city --state --zip [--county] [--country]\n"
    "  --language, --marital-status, --race, --ethnicity, --deceased-at TIME\n"
    "\n"
    "search: --name matches the start of any family or given name (\"Smith, John\" = family\n"
    "Smith* and given John*); --mrn (or --identifier) matches any active identifier exactly;\n"
    "--birth-date matches at the precision given (1961 = all of 1961). Default limit 50.\n"
    "--json prints objects with the field names listed in docs/cli.md.\n";

/* patient.search: the terms given and the number of results. */
static enum folio_rc audit_search(struct folio_cli *cli, const struct folio_patient_query *q,
                                  int64_t total)
{
    char detail[1024];

    (void)folio_snprintf(detail, sizeof(detail), "%s%s%s%s%s%s%s%s%sresults=%lld",
                         q->name ? "name=" : "", q->name ? q->name : "", q->name ? " " : "",
                         q->birth_date ? "birth_date=" : "", q->birth_date ? q->birth_date : "",
                         q->birth_date ? " " : "", q->identifier ? "identifier=" : "",
                         q->identifier ? q->identifier : "", q->identifier ? " " : "",
                         (long long)total);
    if (q->sex) {
        size_t n = strlen(detail);
        (void)folio_snprintf(detail + n, sizeof(detail) - n, " sex=%s", q->sex);
    }
    return cli_audit(cli, "patient.search", 0, NULL, 0, detail);
}

static const char *sex_label(const char *code)
{
    const char *t = code ? folio_sex_title(code) : NULL;
    return t ? t : code;
}

/* ---- add ---- */

static enum folio_rc patient_add(struct folio_cli *cli, int argc, char **argv)
{
    const char *family = NULL, *given = NULL, *middle = NULL, *prefix = NULL, *suffix = NULL;
    const char *birth = NULL, *sex = NULL, *mrn = NULL, *facility = NULL, *ssn = NULL;
    const char *phone = NULL, *phone_use = NULL, *email = NULL, *line1 = NULL, *line2 = NULL;
    const char *city = NULL, *state = NULL, *zip = NULL, *county = NULL, *country = NULL;
    const char *language = NULL, *marital = NULL, *race = NULL, *ethnicity = NULL;
    const char *deceased = NULL;
    const struct cli_opt opts[] = {
        {"family", CLI_OPT_STR, &family},        {"given", CLI_OPT_STR, &given},
        {"middle", CLI_OPT_STR, &middle},        {"prefix", CLI_OPT_STR, &prefix},
        {"suffix", CLI_OPT_STR, &suffix},        {"birth-date", CLI_OPT_STR, &birth},
        {"sex", CLI_OPT_STR, &sex},              {"mrn", CLI_OPT_STR, &mrn},
        {"facility", CLI_OPT_STR, &facility},    {"ssn", CLI_OPT_STR, &ssn},
        {"phone", CLI_OPT_STR, &phone},          {"phone-use", CLI_OPT_STR, &phone_use},
        {"email", CLI_OPT_STR, &email},          {"address-line", CLI_OPT_STR, &line1},
        {"address-line2", CLI_OPT_STR, &line2},  {"city", CLI_OPT_STR, &city},
        {"state", CLI_OPT_STR, &state},          {"zip", CLI_OPT_STR, &zip},
        {"county", CLI_OPT_STR, &county},        {"country", CLI_OPT_STR, &country},
        {"language", CLI_OPT_STR, &language},    {"marital-status", CLI_OPT_STR, &marital},
        {"race", CLI_OPT_STR, &race},            {"ethnicity", CLI_OPT_STR, &ethnicity},
        {"deceased-at", CLI_OPT_STR, &deceased},
    };
    struct cli_args args;
    struct folio_chart chart;
    struct folio_patient_new in;
    struct folio_identifier ids[2];
    struct folio_address addr;
    struct folio_phone ph;
    int64_t id = 0;
    bool in_tx = false;
    enum folio_rc rc;

    rc = cli_parse(cli, "patient add", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 0, &args, NULL);
    if (rc)
        goto out;
    if (facility && !mrn) {
        rc = cli_usage(cli, "patient add: --facility is the assigner of --mrn; give --mrn too");
        goto out;
    }
    memset(&in, 0, sizeof(in));
    memset(ids, 0, sizeof(ids));
    memset(&addr, 0, sizeof(addr));
    memset(&ph, 0, sizeof(ph));
    in.name.family = family;
    in.name.given = given;
    in.name.middle = middle;
    in.name.prefix = prefix;
    in.name.suffix = suffix;
    in.birth_date = birth;
    in.sex = sex;
    in.deceased_at = deceased;
    in.language = language;
    in.marital_status = marital;
    in.email = email;
    in.race = race;
    in.ethnicity = ethnicity;
    if (mrn) {
        ids[in.n_ids].kind = "MR";
        ids[in.n_ids].assigner = facility ? facility : "MAIN";
        ids[in.n_ids].value = mrn;
        in.n_ids++;
    }
    if (ssn) {
        ids[in.n_ids].kind = "SS";
        ids[in.n_ids].value = ssn;
        in.n_ids++;
    }
    in.ids = ids;
    if (line1 || line2 || city || state || zip || county || country) {
        addr.line1 = line1;
        addr.line2 = line2;
        addr.city = city;
        addr.state = state;
        addr.postal_code = zip;
        addr.county = county;
        addr.country = country;
        in.addresses = &addr;
        in.n_addresses = 1;
    } else if (phone_use && !phone) {
        rc = cli_usage(cli, "patient add: --phone-use needs --phone");
        goto out;
    }
    if (phone) {
        ph.number = phone;
        ph.use = phone_use;
        in.phones = &ph;
        in.n_phones = 1;
    }
    rc = cli_chart_open(cli, &chart);
    if (rc)
        goto out;
    /* one transaction: the facility and the patient, or nothing */
    rc = folio_store_begin(cli->store, &cli->err);
    if (rc)
        goto out;
    in_tx = true;
    if (mrn) {
        int64_t fid = 0;
        rc = folio_facility_ensure(&chart, facility ? facility : "MAIN", NULL, &fid, &cli->err);
        if (rc)
            goto out;
    }
    rc = folio_patient_create(&chart, &in, &id, &cli->err);
    if (rc == FOLIO_OK) /* identity index, same transaction (docs/mpi-matching.md) */
        rc = folio_mpi_index_patient(&chart, id, &cli->err);
    if (rc)
        goto out;
    rc = cli_audit(cli, "patient.create", id, "patient", id, NULL);
    if (rc)
        goto out;
    rc = folio_store_commit(cli->store, &cli->err);
    if (rc)
        goto out;
    in_tx = false;
    if (cli->json) {
        json_t *o = json_object();
        if (o && cli_jset_int(o, "id", id)) {
            json_decref(o);
            o = NULL;
        }
        rc = cli_json_print(cli, o);
    } else {
        printf("created patient %lld\n", (long long)id);
    }
out:
    if (in_tx)
        folio_store_rollback(cli->store);
    return rc;
}

/* ---- show ---- */

/* The chart header (folio/chart_json.h) with the patient's encounters and documents. */
static json_t *json_patient(const struct folio_patient *p, const struct folio_encounter_page *enc,
                            const struct folio_document_page *docs)
{
    json_t *o = folio_chart_json_patient(p, true), *arr;
    int bad = !o;
    size_t i;

    if (bad)
        return NULL;
    arr = json_array();
    bad |= cli_jset(o, "encounters", arr);
    for (i = 0; !bad && i < enc->n; i++)
        bad |= json_array_append_new(arr, folio_chart_json_encounter(&enc->items[i], true)) != 0;
    arr = json_array();
    bad |= cli_jset(o, "documents", arr);
    for (i = 0; !bad && i < docs->n; i++)
        bad |= json_array_append_new(arr, folio_chart_json_document(&docs->items[i])) != 0;
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static enum folio_rc print_patient(struct folio_cli *cli, const struct folio_patient *p,
                                   const struct folio_encounter_page *enc,
                                   const struct folio_document_page *docs)
{
    char name[512], num[32];
    struct cli_table t;
    enum folio_rc rc = FOLIO_OK;
    size_t i;

    (void)folio_snprintf(num, sizeof(num), "%lld", (long long)p->id);
    cli_person_name(name, sizeof(name), p->name.family, p->name.given, p->name.middle);
    cli_kv(stdout, "patient", num);
    cli_kv(stdout, "name", name);
    cli_kv(stdout, "mrn", p->mrn);
    cli_kv(stdout, "birth_date", p->birth_date);
    cli_kv(stdout, "sex", sex_label(p->sex));
    cli_kv(stdout, "status", p->status);
    if (p->deceased_at)
        cli_kv(stdout, "deceased_at", p->deceased_at);
    cli_kv(stdout, "email", p->email);
    cli_kv(stdout, "language", p->language);
    cli_kv(stdout, "marital_status", p->marital_status);
    cli_kv(stdout, "race", p->race);
    cli_kv(stdout, "ethnicity", p->ethnicity);
    (void)folio_snprintf(num, sizeof(num), "%lld", (long long)p->n_encounters);
    cli_kv(stdout, "encounters", num);
    cli_kv(stdout, "updated_at", p->updated_at);

    if (p->n_ids) {
        static const char *const head[] = {"KIND", "ASSIGNER", "VALUE", "ACTIVE"};
        fputs("\nidentifiers:\n", stdout);
        cli_table_init(&t, 4, head);
        for (i = 0; !rc && i < p->n_ids; i++) {
            const char *cells[4] = {p->ids[i].kind, p->ids[i].assigner, p->ids[i].value,
                                    p->ids[i].active ? "yes" : "no"};
            rc = cli_table_add(&t, cells);
        }
        if (!rc)
            cli_table_print(&t, stdout);
        cli_table_release(&t);
    }
    if (!rc && p->n_names) {
        static const char *const head[] = {"USE", "NAME", "VALID_FROM", "VALID_TO"};
        fputs("\nother names:\n", stdout);
        cli_table_init(&t, 4, head);
        for (i = 0; !rc && i < p->n_names; i++) {
            const struct folio_name *n = &p->names[i];
            const char *cells[4] = {n->use, name, n->valid_from, n->valid_to};
            cli_person_name(name, sizeof(name), n->family, n->given, n->middle);
            rc = cli_table_add(&t, cells);
        }
        if (!rc)
            cli_table_print(&t, stdout);
        cli_table_release(&t);
    }
    if (!rc && p->n_addresses) {
        static const char *const head[] = {"USE", "ADDRESS", "CITY", "STATE", "ZIP", "CURRENT"};
        fputs("\naddresses:\n", stdout);
        cli_table_init(&t, 6, head);
        for (i = 0; !rc && i < p->n_addresses; i++) {
            const struct folio_address *a = &p->addresses[i];
            const char *cells[6] = {a->use, name, a->city, a->state, a->postal_code,
                                    a->current ? "yes" : "no"};
            (void)folio_snprintf(name, sizeof(name), "%s%s%s", a->line1 ? a->line1 : "",
                                 a->line2 ? ", " : "", a->line2 ? a->line2 : "");
            rc = cli_table_add(&t, cells);
        }
        if (!rc)
            cli_table_print(&t, stdout);
        cli_table_release(&t);
    }
    if (!rc && p->n_phones) {
        static const char *const head[] = {"USE", "NUMBER", "CURRENT"};
        fputs("\nphones:\n", stdout);
        cli_table_init(&t, 3, head);
        for (i = 0; !rc && i < p->n_phones; i++) {
            const char *cells[3] = {p->phones[i].use, p->phones[i].number,
                                    p->phones[i].current ? "yes" : "no"};
            rc = cli_table_add(&t, cells);
        }
        if (!rc)
            cli_table_print(&t, stdout);
        cli_table_release(&t);
    }
    if (rc)
        return folio_err_set(&cli->err, rc, NULL, "out of memory");
    if (enc->n) {
        printf("\nencounters (%zu of %lld):\n", enc->n, (long long)enc->total);
        rc = cli_print_encounters(cli, enc);
        if (rc)
            return rc;
    }
    if (docs->n) {
        printf("\ndocuments (%zu of %lld):\n", docs->n, (long long)docs->total);
        rc = cli_print_documents(cli, docs);
    }
    return rc;
}

static enum folio_rc patient_show(struct folio_cli *cli, int argc, char **argv)
{
    struct cli_args args;
    struct folio_chart chart;
    struct folio_arena a;
    struct folio_patient p;
    struct folio_encounter_page enc;
    struct folio_document_page docs;
    int64_t id = 0;
    bool in_tx = false;
    enum folio_rc rc;

    folio_arena_init(&a, 0);
    rc = cli_parse(cli, "patient show", argc, argv, 1, NULL, 0, 1, &args, NULL);
    if (rc)
        goto out;
    if (args.npos != 1) {
        rc = cli_usage(cli, "patient show: missing the patient id");
        goto out;
    }
    rc = cli_parse_id(cli, "patient show", args.pos[0], &id);
    if (rc)
        goto out;
    rc = cli_chart_open(cli, &chart);
    if (rc)
        goto out;
    rc = folio_store_begin(cli->store, &cli->err);
    if (rc)
        goto out;
    in_tx = true;
    rc = folio_patient_get(&chart, id, &a, &p, &cli->err);
    if (rc)
        goto out;
    rc = folio_encounter_list(&chart, id, 20, 0, &a, &enc, &cli->err);
    if (rc)
        goto out;
    rc = folio_document_list(&chart, id, 0, 20, 0, &a, &docs, &cli->err);
    if (rc)
        goto out;
    rc = cli_audit(cli, "patient.view", id, "patient", id, NULL);
    if (!rc)
        rc = folio_store_commit(cli->store, &cli->err);
    if (rc)
        goto out;
    in_tx = false;
    if (cli->json)
        rc = cli_json_print(cli, json_patient(&p, &enc, &docs));
    else
        rc = print_patient(cli, &p, &enc, &docs);
out:
    if (in_tx)
        folio_store_rollback(cli->store);
    folio_arena_release(&a);
    return rc;
}

/* ---- search / list ---- */

static json_t *json_page(const struct folio_patient_page *pg, int64_t limit, int64_t offset)
{
    json_t *o = json_object(), *items = json_array();
    int bad = !o;
    size_t i;

    if (bad) {
        json_decref(items);
        return NULL;
    }
    bad |= cli_jset_int(o, "total", pg->total);
    bad |= cli_jset_int(o, "limit", limit);
    bad |= cli_jset_int(o, "offset", offset);
    bad |= cli_jset(o, "items", items);
    for (i = 0; !bad && i < pg->n; i++) {
        bad |= json_array_append_new(items,
                                     folio_chart_json_patient_summary(&pg->items[i], true)) != 0;
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static enum folio_rc patient_search(struct folio_cli *cli, const char *what, int argc, char **argv,
                          bool list)
{
    static const char *const head[] = {"ID", "MRN", "NAME", "BIRTH_DATE", "SEX", "STATUS"};
    struct folio_patient_query q;
    const char *mrn = NULL, *ident = NULL;
    const struct cli_opt opts[] = {
        {"limit", CLI_OPT_I64, &q.limit},        {"offset", CLI_OPT_I64, &q.offset},
        {"name", CLI_OPT_STR, &q.name},          {"birth-date", CLI_OPT_STR, &q.birth_date},
        {"mrn", CLI_OPT_STR, &mrn},              {"identifier", CLI_OPT_STR, &ident},
        {"sex", CLI_OPT_STR, &q.sex},
    };
    struct cli_args args;
    struct folio_chart chart;
    struct folio_arena a;
    struct folio_patient_page pg;
    struct cli_table t;
    bool in_tx = false;
    enum folio_rc rc;
    size_t i;

    memset(&q, 0, sizeof(q));
    folio_arena_init(&a, 0);
    cli_table_init(&t, FOLIO_ARRAY_LEN(head), head);
    rc = cli_parse(cli, what, argc, argv, 1, opts, list ? 2 : FOLIO_ARRAY_LEN(opts), 0, &args,
                   NULL);
    if (rc)
        goto out;
    if (mrn && ident) {
        rc = cli_usage(cli, "%s: give --mrn or --identifier, not both", what);
        goto out;
    }
    q.identifier = mrn ? mrn : ident;
    if (!rc)
        rc = cli_check_limit(cli, q.limit);
    if (rc)
        goto out;
    rc = cli_chart_open(cli, &chart);
    if (rc)
        goto out;
    rc = folio_store_begin(cli->store, &cli->err);
    if (rc)
        goto out;
    in_tx = true;
    rc = folio_patient_search(&chart, &q, &a, &pg, &cli->err);
    if (rc)
        goto out;
    rc = audit_search(cli, &q, pg.total);
    if (!rc)
        rc = folio_store_commit(cli->store, &cli->err);
    if (rc)
        goto out;
    in_tx = false;
    if (cli->json) {
        rc = cli_json_print(cli, json_page(&pg, q.limit ? q.limit : 50, q.offset));
        goto out;
    }
    for (i = 0; i < pg.n; i++) {
        const struct folio_patient_summary *s = &pg.items[i];
        char id[24], name[512];
        const char *cells[6] = {id, s->mrn, name, s->birth_date, s->sex, s->status};

        (void)folio_snprintf(id, sizeof(id), "%lld", (long long)s->id);
        cli_person_name(name, sizeof(name), s->family, s->given, s->middle);
        rc = cli_table_add(&t, cells);
        if (rc) {
            rc = folio_err_set(&cli->err, rc, NULL, "out of memory");
            goto out;
        }
    }
    if (pg.n)
        cli_table_print(&t, stdout);
    if (pg.n == 0 && pg.total > 0)
        printf("no patients on this page (offset %lld); %lld matching\n", (long long)q.offset,
               (long long)pg.total);
    else
        printf("%zu of %lld patient%s\n", pg.n, (long long)pg.total, pg.total == 1 ? "" : "s");
out:
    if (in_tx)
        folio_store_rollback(cli->store);
    cli_table_release(&t);
    folio_arena_release(&a);
    return rc;
}

static enum folio_rc patient_main(struct folio_cli *cli, int argc, char **argv)
{
    const char *sub;

    if (argc < 2) {
        return cli_usage(cli, "patient: missing subcommand (add, show, search or list)");
    }
    sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
        fputs(usage, stdout);
        return FOLIO_OK;
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            return FOLIO_OK;
        }
    }
    if (strcmp(sub, "add") == 0)
        return patient_add(cli, argc - 1, argv + 1);
    if (strcmp(sub, "show") == 0)
        return patient_show(cli, argc - 1, argv + 1);
    if (strcmp(sub, "search") == 0)
        return patient_search(cli, "patient search", argc - 1, argv + 1, false);
    if (strcmp(sub, "list") == 0)
        return patient_search(cli, "patient list", argc - 1, argv + 1, true);
    return cli_usage(cli, "patient: unknown subcommand '%s' (add, show, search or list)", sub);
}

int cmd_patient(struct folio_cli *cli, int argc, char **argv)
{
    return (int)patient_main(cli, argc, argv);
}

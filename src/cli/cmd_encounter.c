/* folio encounter add | show | list | discharge */
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
    "usage: folio encounter add --patient ID --class CLASS [options]\n"
    "       folio encounter show ID\n"
    "       folio encounter list --patient ID [--limit N] [--offset N]\n"
    "       folio encounter discharge ID [--at TIME] [--disposition CODE]\n"
    "\n"
    "encounter add options:\n"
    "  --class inpatient|outpatient|emergency|observation|newborn\n"
    "  --facility CODE        where (default MAIN; created when missing)\n"
    "  --admit-at TIME        ISO 8601 or HL7 DTM (default now)\n"
    "  --account NUMBER       account number, unique per facility\n"
    "  --admit-type CODE      UB-04 priority (1 2 3 4 5 9)\n"
    "  --admit-source CODE    UB-04 point of origin\n"
    "  --service TEXT  --location POC^ROOM^BED  --reason TEXT\n"
    "  --attending NPI|ID     attending provider\n"
    "discharge: --at defaults to now; --disposition is the UB-04 discharge status (01 home).\n"
    "A discharged encounter cannot be discharged again (exit 10).\n";

/* An encounter's audit entry, with the encounter's patient. */
static enum folio_rc audit_encounter(struct folio_cli *cli, const struct folio_chart *chart,
                                     const char *action, int64_t id)
{
    struct folio_arena a;
    struct folio_encounter e;
    enum folio_rc rc;

    folio_arena_init(&a, 0);
    rc = folio_encounter_get(chart, id, &a, &e, &cli->err);
    if (!rc)
        rc = cli_audit(cli, action, e.patient_id, "encounter", id, NULL);
    folio_arena_release(&a);
    return rc;
}

static enum folio_rc encounter_add(struct folio_cli *cli, int argc, char **argv)
{
    const char *patient = NULL, *enc_class = NULL, *facility = NULL, *admit_at = NULL;
    const char *account = NULL, *admit_type = NULL, *admit_source = NULL, *service = NULL;
    const char *location = NULL, *reason = NULL, *attending = NULL;
    const struct cli_opt opts[] = {
        {"patient", CLI_OPT_STR, &patient},     {"class", CLI_OPT_STR, &enc_class},
        {"facility", CLI_OPT_STR, &facility},   {"admit-at", CLI_OPT_STR, &admit_at},
        {"account", CLI_OPT_STR, &account},     {"admit-type", CLI_OPT_STR, &admit_type},
        {"admit-source", CLI_OPT_STR, &admit_source}, {"service", CLI_OPT_STR, &service},
        {"location", CLI_OPT_STR, &location},   {"reason", CLI_OPT_STR, &reason},
        {"attending", CLI_OPT_STR, &attending},
    };
    struct cli_args args;
    struct folio_chart chart;
    struct folio_encounter_new in;
    char now[32];
    int64_t pid = 0, id = 0, fid = 0, prov = 0, row = 0;
    bool in_tx = false;
    enum folio_rc rc;

    rc = cli_parse(cli, "encounter add", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 0, &args,
                   NULL);
    if (rc)
        goto out;
    if (!patient) {
        rc = cli_usage(cli, "encounter add: --patient ID is required");
        goto out;
    }
    rc = cli_parse_id(cli, "encounter add --patient", patient, &pid);
    if (rc)
        goto out;
    folio_time_now_utc(now);
    memset(&in, 0, sizeof(in));
    in.patient_id = pid;
    in.facility_code = facility ? facility : "MAIN";
    in.account_number = account;
    in.enc_class = enc_class;
    in.admit_at = admit_at ? admit_at : now;
    in.admit_type = admit_type;
    in.admit_source = admit_source;
    in.service = service;
    in.location = location;
    in.reason = reason;
    rc = cli_chart_open(cli, &chart);
    if (rc)
        goto out;
    rc = folio_store_begin(cli->store, &cli->err);
    if (rc)
        goto out;
    in_tx = true;
    rc = cli_resolve_provider(cli, &chart, attending, &prov);
    if (rc)
        goto out;
    rc = folio_facility_ensure(&chart, in.facility_code, NULL, &fid, &cli->err);
    if (rc)
        goto out;
    rc = folio_encounter_create(&chart, &in, &id, &cli->err);
    if (rc)
        goto out;
    if (prov) {
        rc = folio_encounter_add_provider(&chart, id, prov, "attending", NULL, &row, &cli->err);
        if (rc)
            goto out;
    }
    rc = cli_audit(cli, "encounter.create", pid, "encounter", id, NULL);
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
        printf("created encounter %lld for patient %lld\n", (long long)id, (long long)pid);
    }
out:
    if (in_tx)
        folio_store_rollback(cli->store);
    return rc;
}

static void print_encounter(const struct folio_encounter *e, const struct folio_document_page *docs)
{
    char num[32], disp[256];
    size_t i;

    (void)folio_snprintf(num, sizeof(num), "%lld", (long long)e->id);
    cli_kv(stdout, "encounter", num);
    (void)folio_snprintf(num, sizeof(num), "%lld", (long long)e->patient_id);
    cli_kv(stdout, "patient", num);
    cli_kv(stdout, "facility", e->facility_code);
    cli_kv(stdout, "account", e->account_number);
    cli_kv(stdout, "class", e->enc_class);
    cli_kv(stdout, "status", e->status);
    cli_kv(stdout, "admit_at", e->admit_at);
    cli_kv(stdout, "discharge_at", e->discharge_at);
    cli_kv(stdout, "admit_type", e->admit_type);
    cli_kv(stdout, "admit_source", e->admit_source);
    disp[0] = '\0';
    if (e->disposition)
        (void)folio_snprintf(disp, sizeof(disp), "%s%s%s%s", e->disposition,
                             e->disposition_title ? " (" : "",
                             e->disposition_title ? e->disposition_title : "",
                             e->disposition_title ? ")" : "");
    cli_kv(stdout, "disposition", disp);
    cli_kv(stdout, "service", e->service);
    cli_kv(stdout, "location", e->location);
    cli_kv(stdout, "reason", e->reason);
    if (e->n_locations) {
        fputs("\nlocations:\n", stdout);
        for (i = 0; i < e->n_locations; i++)
            printf("  %-20s %s .. %s\n", e->locations[i].location ? e->locations[i].location : "-",
                   e->locations[i].from_at ? e->locations[i].from_at : "?",
                   e->locations[i].to_at ? e->locations[i].to_at : "now");
    }
    if (e->n_providers) {
        fputs("\nproviders:\n", stdout);
        for (i = 0; i < e->n_providers; i++) {
            const struct folio_encounter_provider *p = &e->providers[i];
            char name[256];
            cli_person_name(name, sizeof(name), p->family, p->given, NULL);
            printf("  %-10s %-30s NPI %s  %s .. %s\n", p->role ? p->role : "-", name,
                   p->npi ? p->npi : "-", p->from_at ? p->from_at : "?",
                   p->to_at ? p->to_at : "now");
        }
    }
    (void)docs;
}

static enum folio_rc encounter_show(struct folio_cli *cli, int argc, char **argv)
{
    struct cli_args args;
    struct folio_chart chart;
    struct folio_arena a;
    struct folio_encounter e;
    struct folio_document_page docs;
    int64_t id = 0;
    bool in_tx = false;
    enum folio_rc rc;

    folio_arena_init(&a, 0);
    rc = cli_parse(cli, "encounter show", argc, argv, 1, NULL, 0, 1, &args, NULL);
    if (rc)
        goto out;
    if (args.npos != 1) {
        rc = cli_usage(cli, "encounter show: missing the encounter id");
        goto out;
    }
    rc = cli_parse_id(cli, "encounter show", args.pos[0], &id);
    if (rc)
        goto out;
    rc = cli_chart_open(cli, &chart);
    if (rc)
        goto out;
    rc = folio_store_begin(cli->store, &cli->err);
    if (rc)
        goto out;
    in_tx = true;
    rc = folio_encounter_get(&chart, id, &a, &e, &cli->err);
    if (rc)
        goto out;
    rc = folio_document_list(&chart, e.patient_id, id, 50, 0, &a, &docs, &cli->err);
    if (rc)
        goto out;
    rc = cli_audit(cli, "encounter.view", e.patient_id, "encounter", id, NULL);
    if (!rc)
        rc = folio_store_commit(cli->store, &cli->err);
    if (rc)
        goto out;
    in_tx = false;
    if (cli->json) {
        json_t *o = folio_chart_json_encounter(&e, true), *arr = json_array();
        int bad = !o || cli_jset(o, "documents", arr);
        for (size_t i = 0; !bad && i < docs.n; i++)
            bad |= json_array_append_new(arr, folio_chart_json_document(&docs.items[i])) != 0;
        if (bad) {
            json_decref(o);
            o = NULL;
        }
        rc = cli_json_print(cli, o);
        goto out;
    }
    print_encounter(&e, &docs);
    if (docs.n) {
        printf("\ndocuments (%zu of %lld):\n", docs.n, (long long)docs.total);
        rc = cli_print_documents(cli, &docs);
    }
out:
    if (in_tx)
        folio_store_rollback(cli->store);
    folio_arena_release(&a);
    return rc;
}

static enum folio_rc encounter_list(struct folio_cli *cli, int argc, char **argv)
{
    const char *patient = NULL;
    int64_t limit = 0, offset = 0, pid = 0;
    const struct cli_opt opts[] = {
        {"patient", CLI_OPT_STR, &patient},
        {"limit", CLI_OPT_I64, &limit},
        {"offset", CLI_OPT_I64, &offset},
    };
    struct cli_args args;
    struct folio_chart chart;
    struct folio_arena a;
    struct folio_encounter_page pg;
    bool in_tx = false;
    enum folio_rc rc;

    folio_arena_init(&a, 0);
    rc = cli_parse(cli, "encounter list", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 0, &args,
                   NULL);
    if (rc)
        goto out;
    if (!patient) {
        rc = cli_usage(cli, "encounter list: --patient ID is required");
        goto out;
    }
    rc = cli_parse_id(cli, "encounter list --patient", patient, &pid);
    if (!rc)
        rc = cli_check_limit(cli, limit);
    if (rc)
        goto out;
    if (rc)
        goto out;
    rc = cli_chart_open(cli, &chart);
    if (rc)
        goto out;
    rc = folio_store_begin(cli->store, &cli->err);
    if (rc)
        goto out;
    in_tx = true;
    rc = folio_encounter_list(&chart, pid, limit, offset, &a, &pg, &cli->err);
    if (rc)
        goto out;
    rc = cli_audit(cli, "encounter.view", pid, NULL, 0, "list");
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
                bad |=
                    json_array_append_new(arr, folio_chart_json_encounter(&pg.items[i], true)) != 0;
        }
        if (bad) {
            json_decref(o);
            o = NULL;
        }
        rc = cli_json_print(cli, o);
        goto out;
    }
    rc = cli_print_encounters(cli, &pg);
    if (!rc)
        printf("%zu of %lld encounter%s\n", pg.n, (long long)pg.total, pg.total == 1 ? "" : "s");
out:
    if (in_tx)
        folio_store_rollback(cli->store);
    folio_arena_release(&a);
    return rc;
}

static enum folio_rc encounter_discharge(struct folio_cli *cli, int argc, char **argv)
{
    const char *at = NULL, *disposition = NULL;
    const struct cli_opt opts[] = {
        {"at", CLI_OPT_STR, &at},
        {"disposition", CLI_OPT_STR, &disposition},
    };
    struct cli_args args;
    struct folio_chart chart;
    char now[32];
    int64_t id = 0;
    bool in_tx = false;
    enum folio_rc rc;

    rc = cli_parse(cli, "encounter discharge", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 1,
                   &args, NULL);
    if (rc)
        goto out;
    if (args.npos != 1) {
        rc = cli_usage(cli, "encounter discharge: missing the encounter id");
        goto out;
    }
    rc = cli_parse_id(cli, "encounter discharge", args.pos[0], &id);
    if (rc)
        goto out;
    folio_time_now_utc(now);
    rc = cli_chart_open(cli, &chart);
    if (rc)
        goto out;
    rc = folio_store_begin(cli->store, &cli->err);
    if (rc)
        goto out;
    in_tx = true;
    rc = folio_encounter_discharge(&chart, id, at ? at : now, disposition, &cli->err);
    /* the deficiency analysis of the discharged chart, at the real clock (as the API) */
    if (!rc)
        rc = folio_completeness_on_change(cli->store, id, NULL, cli->actor, NULL, &cli->err);
    if (rc)
        goto out;
    rc = audit_encounter(cli, &chart, "encounter.update", id);
    if (!rc)
        rc = folio_store_commit(cli->store, &cli->err);
    if (rc)
        goto out;
    in_tx = false;
    if (cli->json) {
        struct folio_arena a;
        struct folio_encounter e;

        folio_arena_init(&a, 0);
        rc = folio_encounter_get(&chart, id, &a, &e, &cli->err);
        if (!rc)
            rc = cli_json_print(cli, folio_chart_json_encounter(&e, true));
        folio_arena_release(&a);
    } else {
        printf("discharged encounter %lld\n", (long long)id);
    }
out:
    if (in_tx)
        folio_store_rollback(cli->store);
    return rc;
}

static enum folio_rc encounter_main(struct folio_cli *cli, int argc, char **argv)
{
    const char *sub;

    if (argc < 2)
        return cli_usage(cli, "encounter: missing subcommand (add, show, list or discharge)");
    sub = argv[1];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0 ||
            (i == 1 && strcmp(argv[i], "help") == 0)) {
            fputs(usage, stdout);
            return FOLIO_OK;
        }
    }
    if (strcmp(sub, "add") == 0)
        return encounter_add(cli, argc - 1, argv + 1);
    if (strcmp(sub, "show") == 0)
        return encounter_show(cli, argc - 1, argv + 1);
    if (strcmp(sub, "list") == 0)
        return encounter_list(cli, argc - 1, argv + 1);
    if (strcmp(sub, "discharge") == 0)
        return encounter_discharge(cli, argc - 1, argv + 1);
    return cli_usage(cli, "encounter: unknown subcommand '%s' (add, show, list or discharge)",
                     sub);
}

int cmd_encounter(struct folio_cli *cli, int argc, char **argv)
{
    return (int)encounter_main(cli, argc, argv);
}

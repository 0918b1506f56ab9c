/* folio privacy restrict | vip | care | alerts | reviews | review
 *
 * Restricted and VIP charts, care-team grants, the daily snooping alerts and the privacy
 * officer's review queue (include/folio/btg.h, docs/privacy.md). Every change is audited
 * (privacy.*, user = --as). The review list shows patient ids, not names. */
#include "folio/base.h"

#include "cli/cli.h"
#include "cli/cli_chart.h"
#include "cli/cli_util.h"
#include "folio/btg.h"
#include "folio/time.h"

static const char usage[] =
    "usage: folio privacy restrict PATIENT_ID --reason TEXT [--off]\n"
    "       folio privacy vip PATIENT_ID --reason TEXT [--off]\n"
    "       folio privacy care PATIENT_ID [--user USERNAME [--role ROLE] [--from TIME] [--to "
    "TIME]\n"
    "                                      [--reason TEXT] | --end ID]\n"
    "       folio privacy alerts [--day YYYY-MM-DD]\n"
    "       folio privacy reviews [--status open|reviewed] [--kind KIND] [--day YYYY-MM-DD]\n"
    "                             [--limit N]\n"
    "       folio privacy review ID --disposition appropriate|inappropriate|escalated [--note "
    "TEXT]\n"
    "\n"
    "restrict/vip: a restricted chart opens only for users with a care relationship, or after\n"
    "breaking the glass (stating a reason); every opening of a VIP chart without a care\n"
    "relationship raises an alert. --off lifts it. A reason is always required.\n"
    "care: without --user lists the patient's care-team grants; with --user grants one\n"
    "(from now, for 90 days unless --to); --end ID ends one.\n"
    "alerts: runs the snooping alerts for a day (default today, UTC): same family name, same\n"
    "home address, VIP chart without care relationship, unusual volume. A rerun adds nothing.\n"
    "kinds: break_the_glass same_family_name same_address vip_access volume\n";

static enum folio_rc open_store(struct folio_cli *cli)
{
    enum folio_rc rc = folio_cli_open_store(cli);

    if (rc == FOLIO_OK)
        rc = folio_store_begin(cli->store, &cli->err);
    return rc;
}

/* Commits the transaction when rc is FOLIO_OK (after the audit entry), else rolls it back. */
static enum folio_rc end_tx(struct folio_cli *cli, enum folio_rc rc, const char *action,
                            int64_t patient_id, const char *entity, int64_t entity_id,
                            const char *detail)
{
    if (!rc)
        rc = cli_audit(cli, action, patient_id, entity, entity_id, detail);
    if (!rc)
        rc = folio_store_commit(cli->store, &cli->err);
    if (rc)
        folio_store_rollback(cli->store);
    return rc;
}

static enum folio_rc one_id(struct folio_cli *cli, const char *what, const struct cli_args *args,
                            int64_t *id)
{
    if (args->npos != 1)
        return cli_usage(cli, "%s: give exactly one id", what);
    return cli_parse_id(cli, what, args->pos[0], id);
}

static enum folio_rc print_restriction(struct folio_cli *cli, int64_t pid)
{
    struct folio_btg_restriction r;
    struct folio_arena a;
    enum folio_rc rc;

    folio_arena_init(&a, 0);
    rc = folio_btg_restriction_get(cli->store, pid, &a, &r, &cli->err);
    if (!rc && cli->json) {
        json_t *o = json_object();
        if (o && (cli_jset_int(o, "patient_id", pid) ||
                  cli_jset(o, "restricted", json_boolean(r.restricted)) ||
                  cli_jset(o, "vip", json_boolean(r.vip)) ||
                  cli_jset_str(o, "updated_at", r.updated_at) ||
                  cli_jset_str(o, "updated_by", r.updated_by))) {
            json_decref(o);
            o = NULL;
        }
        rc = cli_json_print(cli, o);
    } else if (!rc) {
        printf("patient %lld: %s, %s\n", (long long)pid,
               r.restricted ? "restricted" : "not restricted", r.vip ? "VIP" : "not VIP");
    }
    folio_arena_release(&a);
    return rc;
}

static enum folio_rc cmd_flag(struct folio_cli *cli, int argc, char **argv, bool vip_flag)
{
    const char *what = vip_flag ? "privacy vip" : "privacy restrict", *reason = NULL;
    bool off = false;
    const struct cli_opt opts[] = {
        {"reason", CLI_OPT_STR, &reason},
        {"off", CLI_OPT_FLAG, &off},
    };
    struct folio_btg_restriction cur;
    struct folio_arena a;
    struct cli_args args;
    int64_t pid = 0;
    bool restricted, vip;
    char detail[600];
    enum folio_rc rc;

    folio_arena_init(&a, 0);
    rc = cli_parse(cli, what, argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 1, &args, NULL);
    rc = rc ? rc : one_id(cli, what, &args, &pid);
    if (!rc && folio_str_empty(reason))
        rc = cli_usage(cli, "%s: --reason is required", what);
    rc = rc ? rc : open_store(cli);
    if (rc)
        goto out;
    rc = folio_btg_restriction_get(cli->store, pid, &a, &cur, &cli->err);
    restricted = vip_flag ? cur.restricted : !off;
    vip = vip_flag ? !off : cur.vip;
    (void)folio_snprintf(detail, sizeof(detail), "restricted=%s vip=%s: %s",
                         restricted ? "true" : "false", vip ? "true" : "false", reason);
    rc = rc ? rc
            : folio_btg_restriction_set(cli->store, cli->actor, pid, restricted, vip, reason,
                                        &cli->err);
    rc = end_tx(cli, rc, "privacy.restriction", pid, "patient", pid, detail);
    rc = rc ? rc : print_restriction(cli, pid);
out:
    folio_arena_release(&a);
    return rc;
}

static enum folio_rc print_care(struct folio_cli *cli, int64_t pid)
{
    static const char *const head[] = {"ID", "USER", "ROLE", "FROM", "TO", "ENDED"};
    struct folio_btg_care *items = NULL;
    struct folio_arena a;
    size_t n = 0;
    enum folio_rc rc;

    folio_arena_init(&a, 0);
    rc = folio_btg_care_list(cli->store, pid, &a, &items, &n, &cli->err);
    if (rc)
        goto out;
    if (cli->json) {
        json_t *o = json_object(), *arr = json_array();
        int bad = !o || cli_jset(o, "items", arr) || cli_jset_int(o, "total", (int64_t)n);
        for (size_t i = 0; !bad && i < n; i++) {
            json_t *x = json_object();
            bad |= !x || json_array_append_new(arr, x) != 0;
            if (bad)
                break;
            bad |= cli_jset_int(x, "id", items[i].id);
            bad |= cli_jset_str(x, "username", items[i].username);
            bad |= cli_jset_str(x, "role", items[i].role);
            bad |= cli_jset_str(x, "from_at", items[i].from_at);
            bad |= cli_jset_str(x, "to_at", items[i].to_at);
            bad |= cli_jset_str(x, "reason", items[i].reason);
            bad |= cli_jset_str(x, "ended_at", items[i].ended_at);
        }
        if (bad) {
            json_decref(o);
            o = NULL;
        }
        rc = cli_json_print(cli, o);
    } else {
        struct cli_table t;
        cli_table_init(&t, FOLIO_ARRAY_LEN(head), head);
        for (size_t i = 0; !rc && i < n; i++) {
            char id[24];
            (void)folio_snprintf(id, sizeof(id), "%lld", (long long)items[i].id);
            const char *cells[] = {id,
                                   items[i].username,
                                   items[i].role,
                                   items[i].from_at,
                                   items[i].to_at,
                                   items[i].ended_at};
            rc = cli_table_add(&t, cells);
        }
        if (!rc) {
            cli_table_print(&t, stdout);
            printf("%zu care-team grant%s\n", n, n == 1 ? "" : "s");
        } else {
            (void)folio_err_set(&cli->err, rc, NULL, "out of memory");
        }
        cli_table_release(&t);
    }
out:
    folio_arena_release(&a);
    return rc;
}

static enum folio_rc cmd_care(struct folio_cli *cli, int argc, char **argv)
{
    const char *user = NULL, *role = NULL, *from = NULL, *to = NULL, *reason = NULL;
    int64_t end = 0, pid = 0, id = 0;
    const struct cli_opt opts[] = {
        {"user", CLI_OPT_STR, &user},     {"role", CLI_OPT_STR, &role},
        {"from", CLI_OPT_STR, &from},     {"to", CLI_OPT_STR, &to},
        {"reason", CLI_OPT_STR, &reason}, {"end", CLI_OPT_I64, &end},
    };
    struct cli_args args;
    char detail[200];
    enum folio_rc rc;

    rc = cli_parse(cli, "privacy care", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 1, &args, NULL);
    rc = rc ? rc : one_id(cli, "privacy care", &args, &pid);
    if (!rc && user && end)
        rc = cli_usage(cli, "privacy care: give --user or --end, not both");
    rc = rc ? rc : open_store(cli);
    if (rc)
        return rc;
    if (user) {
        (void)folio_snprintf(detail, sizeof(detail), "grant %s", user);
        rc = folio_btg_care_grant(cli->store, cli->actor, user, pid, role, from, to, reason, &id,
                                  &cli->err);
        rc = end_tx(cli, rc, "privacy.care_team", pid, "care_relationship", id, detail);
    } else if (end) {
        rc = folio_btg_care_end(cli->store, cli->actor, end, &cli->err);
        rc = end_tx(cli, rc, "privacy.care_team", pid, "care_relationship", end, "end");
    } else {
        return end_tx(cli, print_care(cli, pid), "privacy.care_team", pid, "patient", pid, "list");
    }
    return rc ? rc : print_care(cli, pid);
}

static enum folio_rc cmd_alerts(struct folio_cli *cli, int argc, char **argv)
{
    const char *day = NULL;
    const struct cli_opt opts[] = {{"day", CLI_OPT_STR, &day}};
    struct folio_snoop_result res;
    struct folio_chart c;
    struct cli_args args;
    char today[32], detail[64];
    enum folio_rc rc;

    rc = cli_parse(cli, "privacy alerts", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 0, &args,
                   NULL);
    if (rc)
        return rc;
    if (folio_str_empty(day)) {
        folio_time_now_utc(today);
        today[10] = '\0';
        day = today;
    }
    rc = open_store(cli);
    if (rc)
        return rc;
    memset(&c, 0, sizeof(c));
    c.store = cli->store;
    c.actor = cli->actor;
    c.key = NULL;
    if (folio_cli_load_key(cli, false) == FOLIO_OK)
        c.key = &cli->key;
    else
        folio_err_clear(&cli->err);
    (void)folio_snprintf(detail, sizeof(detail), "alert run for %s", day);
    rc = folio_snoop_run(&c, day, NULL, &res, &cli->err);
    rc = end_tx(cli, rc, "privacy.alerts", 0, "privacy_review", 0, detail);
    if (rc)
        return rc;
    if (cli->json) {
        json_t *o = json_object(), *found = json_object(), *added = json_object();
        int bad = !o || !found || !added;
        for (int k = 1; !bad && k < FOLIO_BTG_KIND__COUNT; k++) {
            bad |= cli_jset_int(found, folio_btg_kind_name((enum folio_btg_kind)k), res.found[k]);
            bad |= cli_jset_int(added, folio_btg_kind_name((enum folio_btg_kind)k), res.added[k]);
        }
        bad |= !o || cli_jset_str(o, "day", day) || cli_jset_int(o, "accesses", res.accesses);
        if (!bad) {
            bad |= cli_jset(o, "found", found);
            found = NULL;
            bad |= cli_jset(o, "added", added);
            added = NULL;
        }
        json_decref(found);
        json_decref(added);
        if (bad) {
            json_decref(o);
            o = NULL;
        }
        return cli_json_print(cli, o);
    }
    printf("alerts for %s (%lld user/patient pairs looked at)\n", day, (long long)res.accesses);
    for (int k = 1; k < FOLIO_BTG_KIND__COUNT; k++)
        printf("  %-17s %lld (%lld new)\n", folio_btg_kind_name((enum folio_btg_kind)k),
               (long long)res.found[k], (long long)res.added[k]);
    return FOLIO_OK;
}

static enum folio_rc cmd_reviews(struct folio_cli *cli, int argc, char **argv)
{
    static const char *const head[] = {"ID", "KIND",   "USER",        "PATIENT",
                                       "AT", "STATUS", "DISPOSITION", "DETAIL"};
    struct folio_btg_review_query q;
    struct folio_btg_review *items = NULL;
    const struct cli_opt opts[] = {
        {"status", CLI_OPT_STR, &q.status},
        {"kind", CLI_OPT_STR, &q.kind},
        {"day", CLI_OPT_STR, &q.day},
        {"limit", CLI_OPT_I64, &q.limit},
    };
    struct cli_args args;
    struct folio_arena a;
    size_t n = 0;
    int64_t total = 0;
    enum folio_rc rc;

    memset(&q, 0, sizeof(q));
    folio_arena_init(&a, 0);
    rc = cli_parse(cli, "privacy reviews", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 0, &args,
                   NULL);
    if (!rc && q.limit > 500)
        rc = folio_err_set(&cli->err, FOLIO_EINVAL, "limit", "--limit: at most 500");
    rc = rc ? rc : open_store(cli);
    if (rc)
        goto out;
    rc = folio_btg_review_list(cli->store, &q, &a, &items, &n, &total, &cli->err);
    rc = end_tx(cli, rc, "privacy.reviews", 0, "privacy_review", 0, "list");
    if (rc)
        goto out;
    if (cli->json) {
        json_t *o = json_object(), *arr = json_array();
        int bad = !o || cli_jset(o, "items", arr) || cli_jset_int(o, "total", total);
        for (size_t i = 0; !bad && i < n; i++) {
            const struct folio_btg_review *r = &items[i];
            json_t *x = json_object();
            bad |= !x || json_array_append_new(arr, x) != 0;
            if (bad)
                break;
            bad |= cli_jset_int(x, "id", r->id);
            bad |= cli_jset_str(x, "kind", r->kind);
            bad |= cli_jset_str(x, "username", r->username);
            bad |= cli_jset_id(x, "patient_id", r->patient_id);
            bad |= cli_jset_str(x, "day", r->day);
            bad |= cli_jset_str(x, "at", r->at);
            bad |= cli_jset_str(x, "detail", r->detail);
            bad |= cli_jset_str(x, "status", r->status);
            bad |= cli_jset_str(x, "disposition", r->disposition);
            bad |= cli_jset_str(x, "note", r->note);
            bad |= cli_jset_str(x, "reviewed_by", r->reviewed_by);
            bad |= cli_jset_str(x, "reviewed_at", r->reviewed_at);
        }
        if (bad) {
            json_decref(o);
            o = NULL;
        }
        rc = cli_json_print(cli, o);
        goto out;
    }
    {
        struct cli_table t;
        cli_table_init(&t, FOLIO_ARRAY_LEN(head), head);
        for (size_t i = 0; !rc && i < n; i++) {
            const struct folio_btg_review *r = &items[i];
            char id[24], pid[24];
            (void)folio_snprintf(id, sizeof(id), "%lld", (long long)r->id);
            (void)folio_snprintf(pid, sizeof(pid), "%lld", (long long)r->patient_id);
            /* a break-the-glass reason is free text that may name people: only with --json */
            bool free_text = strcmp(r->kind, "break_the_glass") == 0;
            const char *cells[] = {
                id,    r->kind,   r->username,    r->patient_id ? pid : NULL,
                r->at, r->status, r->disposition, free_text ? "(reason: see --json)" : r->detail};
            rc = cli_table_add(&t, cells);
        }
        if (!rc) {
            cli_table_print(&t, stdout);
            printf("%zu of %lld item%s\n", n, (long long)total, total == 1 ? "" : "s");
        } else {
            (void)folio_err_set(&cli->err, rc, NULL, "out of memory");
        }
        cli_table_release(&t);
    }
out:
    folio_arena_release(&a);
    return rc;
}

static enum folio_rc cmd_review(struct folio_cli *cli, int argc, char **argv)
{
    const char *disposition = NULL, *note = NULL;
    const struct cli_opt opts[] = {
        {"disposition", CLI_OPT_STR, &disposition},
        {"note", CLI_OPT_STR, &note},
    };
    struct folio_btg_review r;
    struct folio_arena a;
    struct cli_args args;
    int64_t id = 0;
    char detail[96];
    enum folio_rc rc;

    folio_arena_init(&a, 0);
    rc = cli_parse(cli, "privacy review", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 1, &args,
                   NULL);
    rc = rc ? rc : one_id(cli, "privacy review", &args, &id);
    if (!rc && folio_str_empty(disposition))
        rc = cli_usage(cli, "privacy review: --disposition is required");
    rc = rc ? rc : open_store(cli);
    if (rc)
        goto out;
    rc = folio_btg_review_get(cli->store, id, &a, &r, &cli->err);
    rc = rc ? rc : folio_btg_review_close(cli->store, cli->actor, id, disposition, note, &cli->err);
    (void)folio_snprintf(detail, sizeof(detail), "%s: %s", rc ? "-" : r.kind, disposition);
    rc = end_tx(cli, rc, "privacy.review", rc ? 0 : r.patient_id, "privacy_review", id, detail);
    if (rc)
        goto out;
    if (cli->json) {
        json_t *o = json_object();
        if (o && (cli_jset_int(o, "id", id) || cli_jset_str(o, "status", "reviewed") ||
                  cli_jset_str(o, "disposition", disposition))) {
            json_decref(o);
            o = NULL;
        }
        rc = cli_json_print(cli, o);
    } else {
        printf("review item %lld: %s\n", (long long)id, disposition);
    }
out:
    folio_arena_release(&a);
    return rc;
}

static enum folio_rc privacy_main(struct folio_cli *cli, int argc, char **argv)
{
    const char *sub;

    if (argc < 2)
        return cli_usage(cli, "privacy: missing subcommand (restrict, vip, care, alerts, reviews "
                              "or review)");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0 ||
            (i == 1 && strcmp(argv[i], "help") == 0)) {
            fputs(usage, stdout);
            return FOLIO_OK;
        }
    }
    sub = argv[1];
    if (strcmp(sub, "restrict") == 0)
        return cmd_flag(cli, argc - 1, argv + 1, false);
    if (strcmp(sub, "vip") == 0)
        return cmd_flag(cli, argc - 1, argv + 1, true);
    if (strcmp(sub, "care") == 0)
        return cmd_care(cli, argc - 1, argv + 1);
    if (strcmp(sub, "alerts") == 0)
        return cmd_alerts(cli, argc - 1, argv + 1);
    if (strcmp(sub, "reviews") == 0)
        return cmd_reviews(cli, argc - 1, argv + 1);
    if (strcmp(sub, "review") == 0)
        return cmd_review(cli, argc - 1, argv + 1);
    return cli_usage(cli,
                     "privacy: unknown subcommand '%s' (restrict, vip, care, alerts, reviews or "
                     "review)",
                     sub);
}

int cmd_privacy(struct folio_cli *cli, int argc, char **argv)
{
    return (int)privacy_main(cli, argc, argv);
}

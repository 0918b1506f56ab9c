/* folio deid: de-identification (folio/deid.h, docs/deid.md).
 *   text    one free-text note read on standard input (no database, no key);
 *   cohort  a research extract of a cohort, Safe Harbor or a limited data set under a DUA;
 *   dua     the data use agreements (add, list, show, terminate). */
#include "folio/base.h"
#include "folio/deid.h"
#include "folio/drg.h"
#include "folio/records.h"
#include "folio/time.h"

#include "cli/cli.h"
#include "cli/cli_chart.h"
#include "cli/cli_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static const char deid_usage[] =
    "usage: folio deid text [--spans] [--json] < NOTE\n"
    "       folio deid cohort [--from DATE] [--to DATE] [--class C] [--dx PREFIX]\n"
    "                         [--patients ID,ID...] [--format csv|json] [--notes]\n"
    "                         [--limited --dua N] [--drg DIR] [--out FILE | --stdout]\n"
    "       folio deid dua add --recipient R --purpose P --users U --signed-on DATE\n"
    "                          [--expires-on DATE] [--no-other-use] [--safeguards]\n"
    "                          [--report-violations] [--agents-bound] [--no-reidentify]\n"
    "       folio deid dua list | show N | terminate N --reason TEXT [--on DATE]\n"
    "\n"
    "text       read one UTF-8 note on standard input and write it with every identifier\n"
    "           (45 CFR 164.514(b)(2)) replaced by a tag such as [NAME] or [DATE]\n"
    "  --spans  write instead the JSON array of what was found:\n"
    "           [{\"start\":N,\"end\":N,\"type\":\"name\"},...], byte offsets into the input\n"
    "  --json   write {\"text\": the de-identified note, \"removed\": {type: count}, \"total\": "
    "N}\n"
    "Notes over 1 MiB or not valid UTF-8 are refused (exit 7 / 2). No database is opened.\n"
    "\n"
    "cohort     one row per encounter of the cohort (discharge date, else admission date, in\n"
    "           --from..--to; --class; --dx an ICD-10-CM prefix of the final abstract;\n"
    "           --patients internal ids), de-identified under Safe Harbor (45 CFR\n"
    "           164.514(b)(2)) or, with --limited --dua N, a limited data set (164.514(e)):\n"
    "           dates, 5-digit ZIP, city and state kept, under a data use agreement in force\n"
    "           with every assurance. A limited data set is written only to --out FILE (a\n"
    "           new mode 0600 file renamed over FILE once logged) unless --stdout is given.\n"
    "           Restricted charts are included (the CLI is not subject to break-the-glass;\n"
    "           the API leaves out those the user may not open). --notes adds the\n"
    "           de-identified text of the encounter's text documents. --drg DIR fills\n"
    "           ms_drg (grouper tables). Every\n"
    "           extract is logged with its SHA-256 (printed on stderr); a limited data set\n"
    "           records one disclosure per patient (basis limited_data_set).\n"
    "dua        data use agreements (164.514(e)(4)); the five assurances are flags.\n";

static enum folio_rc read_all_stdin(struct folio_cli *cli, struct folio_buf *buf)
{
    char chunk[65536];
    size_t n;

    while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0) {
        if (folio_buf_append(buf, chunk, n))
            return folio_err_set(&cli->err, FOLIO_ETOOBIG, "text",
                                 "the note on standard input is larger than %zu bytes",
                                 FOLIO_DEID_TEXT_MAX);
    }
    if (ferror(stdin))
        return folio_err_set(&cli->err, FOLIO_EIO, "text", "cannot read standard input: %s",
                             strerror(errno));
    return FOLIO_OK;
}

static enum folio_rc deid_text(struct folio_cli *cli, int argc, char **argv)
{
    bool spans_flag = false;
    const struct cli_opt opts[] = {{"spans", CLI_OPT_FLAG, &spans_flag}};
    struct cli_args args;
    struct folio_buf in, out;
    struct folio_deid_spans spans = {0};
    struct folio_deid_report report;
    enum folio_rc rc;

    rc = cli_parse(cli, "deid text", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 0, &args, NULL);
    if (rc)
        return rc;
    folio_buf_init(&in, FOLIO_DEID_TEXT_MAX);
    folio_buf_init(&out, 4 * FOLIO_DEID_TEXT_MAX + 1024);
    rc = read_all_stdin(cli, &in);
    if (!rc)
        rc = folio_deid_text_find(in.data, in.len, &spans, &cli->err);
    if (rc)
        goto out;
    if (spans_flag) {
        rc = folio_deid_spans_json(&spans, &out);
        if (!rc)
            rc = folio_buf_append_ch(&out, '\n');
    } else if (cli->json) {
        struct folio_buf txt;
        json_t *o, *removed;
        unsigned t;
        folio_buf_init(&txt, 2 * FOLIO_DEID_TEXT_MAX + 1024);
        rc = folio_deid_text_apply(in.data, in.len, &spans, &txt, &report);
        o = json_object();
        removed = json_object();
        if (!rc && o && removed) {
            for (t = 0; t < FOLIO_DEID_NTYPES; t++)
                if (report.count[t])
                    json_object_set_new(removed, folio_deid_type_name((enum folio_deid_type)t),
                                        json_integer((json_int_t)report.count[t]));
            json_object_set_new(o, "text", json_stringn(txt.data, txt.len));
            json_object_set_new(o, "removed", removed);
            removed = NULL;
            json_object_set_new(o, "total", json_integer((json_int_t)report.total));
            folio_buf_release(&txt);
            folio_buf_release(&in);
            folio_buf_release(&out);
            folio_deid_spans_release(&spans);
            return cli_json_print(cli, o);
        }
        json_decref(o);
        json_decref(removed);
        folio_buf_release(&txt);
        if (!rc)
            rc = FOLIO_ENOMEM;
    } else {
        rc = folio_deid_text_apply(in.data, in.len, &spans, &out, &report);
    }
    if (rc) {
        folio_err_set(&cli->err, rc, NULL, "cannot write the de-identified note (%s)",
                      folio_rc_name(rc));
        goto out;
    }
    if (fwrite(out.data, 1, out.len, stdout) != out.len)
        rc = folio_err_set(&cli->err, FOLIO_EIO, NULL, "cannot write to standard output: %s",
                           strerror(errno));
out:
    folio_buf_release(&in);
    folio_buf_release(&out);
    folio_deid_spans_release(&spans);
    return rc;
}

/* ------------------------------------------------------------------ cohort */

/* "1,2,3" -> ids (at most FOLIO_DEID_COHORT_MAX_PATIENTS). */
static enum folio_rc parse_ids(struct folio_cli *cli, const char *s, int64_t **out, size_t *n)
{
    struct folio_sv rest = folio_sv_from(s), f;
    int64_t *v = NULL;
    size_t k = 0;

    *out = NULL;
    *n = 0;
    v = calloc(FOLIO_DEID_COHORT_MAX_PATIENTS, sizeof *v);
    if (!v)
        return folio_err_set(&cli->err, FOLIO_ENOMEM, NULL, "out of memory");
    while (folio_sv_next_field(&rest, ',', &f)) {
        int64_t id = 0;
        f = folio_sv_trim(f);
        if (k >= FOLIO_DEID_COHORT_MAX_PATIENTS) {
            free(v);
            return folio_err_set(&cli->err, FOLIO_EINVAL, "patients",
                                 "--patients: more than %d ids", FOLIO_DEID_COHORT_MAX_PATIENTS);
        }
        if (folio_sv_to_i64(f, &id) != FOLIO_OK || id <= 0) {
            free(v);
            return folio_err_set(&cli->err, FOLIO_EINVAL, "patients",
                                 "--patients: '%.*s' is not a patient id", (int)(f.len > 20 ? 20 : f.len),
                                 f.p ? f.p : "");
        }
        v[k++] = id;
    }
    *out = v;
    *n = k;
    return FOLIO_OK;
}

/* The extract into a new file next to path (so that the rename is atomic), created with
 * O_EXCL | O_NOFOLLOW and mode 0600 (never an existing file, never through a symlink, never
 * readable by others whatever was at path before), written and synced. tmp gets its name; on
 * failure nothing is left behind. */
static enum folio_rc write_temp(struct folio_cli *cli, const char *path, const char *p, size_t len,
                                char *tmp, size_t cap)
{
    size_t off = 0;
    int fd = -1, e;

    for (unsigned k = 0; fd < 0 && k < 100; k++) {
        if (!folio_snprintf(tmp, cap, "%s.%ld-%u.tmp", path, (long)getpid(), k))
            return folio_err_set(&cli->err, FOLIO_EINVAL, "out", "--out: path too long");
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0)
        return folio_err_set(&cli->err, FOLIO_EIO, "out", "cannot create a file next to %s: %s",
                             path, strerror(errno));
    if (fchmod(fd, 0600) != 0)
        goto fail;
    while (off < len) {
        ssize_t w = write(fd, p + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            goto fail;
        off += (size_t)w;
    }
    if (fsync(fd) != 0)
        goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    return FOLIO_OK;
fail:
    e = errno;
    if (fd >= 0)
        close(fd);
    (void)unlink(tmp);
    return folio_err_set(&cli->err, FOLIO_EIO, "out", "cannot write %s: %s", path, strerror(e));
}

static enum folio_rc load_drg(struct folio_cli *cli, const char *dir, struct folio_drg_set **out)
{
    struct folio_drg_version *v = NULL;
    enum folio_rc rc = folio_drg_set_new(out, &cli->err);
    if (rc == FOLIO_OK)
        rc = folio_drg_load(dir, &v, &cli->err);
    if (rc == FOLIO_OK)
        rc = folio_drg_set_add(*out, v, &cli->err);
    return rc;
}

static enum folio_rc deid_cohort(struct folio_cli *cli, int argc, char **argv)
{
    const char *from = NULL, *to = NULL, *klass = NULL, *dx = NULL, *patients = NULL;
    const char *format = "csv", *out_path = NULL, *drg_dir = NULL;
    bool limited = false, notes = false, to_stdout = false;
    int64_t dua = 0;
    const struct cli_opt opts[] = {
        {"from", CLI_OPT_STR, &from},         {"to", CLI_OPT_STR, &to},
        {"class", CLI_OPT_STR, &klass},       {"dx", CLI_OPT_STR, &dx},
        {"patients", CLI_OPT_STR, &patients}, {"format", CLI_OPT_STR, &format},
        {"limited", CLI_OPT_FLAG, &limited},  {"dua", CLI_OPT_I64, &dua},
        {"notes", CLI_OPT_FLAG, &notes},      {"out", CLI_OPT_STR, &out_path},
        {"stdout", CLI_OPT_FLAG, &to_stdout}, {"drg", CLI_OPT_STR, &drg_dir},
    };
    struct cli_args args;
    struct folio_deid_extract_req r;
    struct folio_deid_extract_result res;
    struct folio_drg_set *drg = NULL;
    struct folio_chart chart;
    struct folio_buf out;
    int64_t *ids = NULL;
    char detail[300], tmp[4200];
    bool tmp_made = false;
    enum folio_rc rc;

    rc = cli_parse(cli, "deid cohort", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 0, &args, NULL);
    if (rc)
        return rc;
    memset(&r, 0, sizeof r);
    r.method = limited ? FOLIO_DEID_LIMITED : FOLIO_DEID_SAFE_HARBOR;
    r.dua_id = dua;
    r.notes = notes;
    r.user = cli->actor;
    r.crit.from = from;
    r.crit.to = to;
    r.crit.enc_class = klass;
    r.crit.dx_prefix = dx;
    if (folio_str_empty(from) && folio_str_empty(to) && folio_str_empty(klass) &&
        folio_str_empty(dx) && folio_str_empty(patients))
        return cli_usage(cli, "deid cohort: give at least one of --from, --to, --class, --dx, "
                              "--patients");
    if (dua && !limited)
        return cli_usage(cli, "deid cohort: --dua goes with --limited (a Safe Harbor extract "
                              "takes no data use agreement)");
    if (out_path && to_stdout)
        return cli_usage(cli, "deid cohort: give --out FILE or --stdout, not both");
    /* A limited data set is still PHI: it goes to a file unless stdout is asked for. */
    if (limited && !out_path && !to_stdout)
        return cli_usage(cli, "deid cohort: a limited data set is PHI: give --out FILE (or "
                              "--stdout to write it to standard output)");
    rc = folio_deid_format_parse(format, &r.format, &cli->err);
    if (rc == FOLIO_OK && patients)
        rc = parse_ids(cli, patients, &ids, &r.crit.n_patients);
    r.crit.patient_ids = ids;
    if (rc == FOLIO_OK && drg_dir)
        rc = load_drg(cli, drg_dir, &drg);
    r.drg = drg;
    if (rc == FOLIO_OK)
        rc = folio_cli_open_store(cli);
    if (rc) {
        free(ids);
        folio_drg_set_free(drg);
        return rc;
    }
    chart = (struct folio_chart){cli->store, NULL, cli->actor};
    folio_buf_init(&out, (size_t)512 << 20);
    rc = folio_store_begin(cli->store, &cli->err);
    if (rc == FOLIO_OK) {
        rc = folio_deid_cohort_extract(&chart, &r, &out, &res, &cli->err);
        if (rc == FOLIO_OK) {
            folio_snprintf(detail, sizeof detail,
                           "method=%s dua=%lld rows=%zu patients=%zu notes=%zu withheld=%zu "
                           "sha256=%s",
                           folio_deid_method_name(r.method), (long long)r.dua_id, res.rows,
                           res.patients, res.notes, res.notes_withheld, res.sha256);
            rc = cli_audit(cli, "deid.extract", 0, "deid_extract", res.log_id, detail);
        }
        /* the file first, under a temporary name: a failed write leaves nothing logged */
        if (rc == FOLIO_OK && out_path) {
            rc = write_temp(cli, out_path, out.data, out.len, tmp, sizeof tmp);
            tmp_made = rc == FOLIO_OK;
        }
        rc = folio_store_end(cli->store, rc, &cli->err);
        /* logged: the file takes its name (replacing whatever was there, a symlink itself and
         * not its target); not logged: not handed out either */
        if (rc == FOLIO_OK && tmp_made && rename(tmp, out_path) != 0)
            rc = folio_err_set(&cli->err, FOLIO_EIO, "out",
                               "extract %lld was logged but cannot be written to %s: %s",
                               (long long)res.log_id, out_path, strerror(errno));
        if (rc && tmp_made)
            (void)unlink(tmp);
    }
    if (rc == FOLIO_OK && !out_path && fwrite(out.data, 1, out.len, stdout) != out.len)
        rc = folio_err_set(&cli->err, FOLIO_EIO, NULL, "cannot write to standard output: %s",
                           strerror(errno));
    if (rc == FOLIO_OK)
        cli_note(cli,
                 "extract %lld: %s, %zu row(s), %zu patient(s), %zu note(s) (%zu withheld), "
                 "%zu disclosure(s) recorded; sha256 %s%s%s",
                 (long long)res.log_id, folio_deid_method_name(r.method), res.rows, res.patients,
                 res.notes, res.notes_withheld, res.disclosures, res.sha256,
                 out_path ? "; written to " : "", out_path ? out_path : "");
    folio_buf_release(&out);
    free(ids);
    folio_drg_set_free(drg);
    return rc;
}

/* ------------------------------------------------------------------ dua */

static json_t *dua_json(const struct folio_deid_dua *d)
{
    json_t *o = json_object();
    if (o && (cli_jset_int(o, "id", d->id) || cli_jset_str(o, "recipient", d->recipient) ||
              cli_jset_str(o, "purpose", d->purpose) || cli_jset_str(o, "users", d->users) ||
              cli_jset_str(o, "signed_on", d->signed_on) ||
              cli_jset(o, "expires_on", cli_jstr(d->expires_on)) ||
              cli_jset(o, "no_other_use", json_boolean(d->no_other_use)) ||
              cli_jset(o, "safeguards", json_boolean(d->safeguards)) ||
              cli_jset(o, "report_violations", json_boolean(d->report_violations)) ||
              cli_jset(o, "agents_bound", json_boolean(d->agents_bound)) ||
              cli_jset(o, "no_reidentify", json_boolean(d->no_reidentify)) ||
              cli_jset(o, "created_at", cli_jstr(d->created_at)) ||
              cli_jset(o, "created_by", cli_jstr(d->created_by)) ||
              cli_jset(o, "terminated_on", cli_jstr(d->terminated_on)) ||
              cli_jset(o, "terminated_by", cli_jstr(d->terminated_by)) ||
              cli_jset(o, "termination_reason", cli_jstr(d->termination_reason)))) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

/* "in force", or why not (the library's check, without its prefix). */
static const char *dua_state(const struct folio_deid_dua *d, const char *today, char *buf,
                             size_t cap)
{
    struct folio_err e = {0};
    const char *m;
    if (folio_deid_dua_check(d, today, &e) == FOLIO_OK)
        return "in force";
    m = strstr(e.msg, "data set:");
    folio_strlcpy(buf, m ? m + 10 : e.msg, cap);
    return buf;
}

static enum folio_rc dua_add(struct folio_cli *cli, int argc, char **argv)
{
    struct folio_deid_dua d;
    const char *recipient = NULL, *purpose = NULL, *users = NULL, *signed_on = NULL,
               *expires_on = NULL;
    bool a1 = false, a2 = false, a3 = false, a4 = false, a5 = false;
    const struct cli_opt opts[] = {
        {"recipient", CLI_OPT_STR, &recipient},   {"purpose", CLI_OPT_STR, &purpose},
        {"users", CLI_OPT_STR, &users},           {"signed-on", CLI_OPT_STR, &signed_on},
        {"expires-on", CLI_OPT_STR, &expires_on}, {"no-other-use", CLI_OPT_FLAG, &a1},
        {"safeguards", CLI_OPT_FLAG, &a2},        {"report-violations", CLI_OPT_FLAG, &a3},
        {"agents-bound", CLI_OPT_FLAG, &a4},      {"no-reidentify", CLI_OPT_FLAG, &a5},
    };
    struct cli_args args;
    enum folio_rc rc;

    rc = cli_parse(cli, "deid dua add", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 0, &args, NULL);
    if (rc)
        return rc;
    d = (struct folio_deid_dua){.recipient = recipient,
                                .purpose = purpose,
                                .users = users,
                                .signed_on = signed_on,
                                .expires_on = expires_on,
                                .no_other_use = a1,
                                .safeguards = a2,
                                .report_violations = a3,
                                .agents_bound = a4,
                                .no_reidentify = a5};
    rc = folio_cli_open_store(cli);
    if (rc == FOLIO_OK)
        rc = folio_store_begin(cli->store, &cli->err);
    if (rc)
        return rc;
    rc = folio_deid_dua_add(cli->store, &d, cli->actor, NULL, &cli->err);
    if (rc == FOLIO_OK)
        rc = cli_audit(cli, "deid.dua_add", 0, "deid_dua", d.id, NULL);
    rc = folio_store_end(cli->store, rc, &cli->err);
    if (rc)
        return rc;
    if (cli->json) {
        json_t *o = json_object();
        if (o && cli_jset_int(o, "id", d.id)) {
            json_decref(o);
            o = NULL;
        }
        return cli_json_print(cli, o);
    }
    printf("data use agreement %lld recorded%s\n", (long long)d.id,
           a1 && a2 && a3 && a4 && a5 ? "" : " (assurances missing: no limited data set under it)");
    return FOLIO_OK;
}

static enum folio_rc dua_list(struct folio_cli *cli, int argc, char **argv)
{
    static const char *const head[] = {"ID", "RECIPIENT", "SIGNED", "EXPIRES", "STATE"};
    struct cli_args args;
    struct folio_arena a;
    struct folio_deid_dua *v = NULL;
    size_t n = 0, i;
    char now[32], today[11], why[600];
    enum folio_rc rc;

    rc = cli_parse(cli, "deid dua list", argc, argv, 1, NULL, 0, 0, &args, NULL);
    if (rc == FOLIO_OK)
        rc = folio_cli_open_store(cli);
    if (rc)
        return rc;
    folio_time_now_utc(now);
    folio_strlcpy(today, now, sizeof today);
    folio_arena_init(&a, 0);
    rc = folio_deid_dua_list(cli->store, &a, &v, &n, &cli->err);
    if (rc == FOLIO_OK && cli->json) {
        json_t *arr = json_array();
        for (i = 0; arr && i < n; i++) {
            json_t *o = dua_json(&v[i]);
            if (!o || cli_jset_str(o, "state", dua_state(&v[i], today, why, sizeof why)) ||
                json_array_append_new(arr, o)) {
                json_decref(arr);
                arr = NULL;
            }
        }
        rc = cli_json_print(cli, arr);
    } else if (rc == FOLIO_OK) {
        struct cli_table t;
        char id[24];
        cli_table_init(&t, 5, head);
        for (i = 0; rc == FOLIO_OK && i < n; i++) {
            const char *cells[5];
            folio_snprintf(id, sizeof id, "%lld", (long long)v[i].id);
            cells[0] = id;
            cells[1] = v[i].recipient;
            cells[2] = v[i].signed_on;
            cells[3] = v[i].expires_on;
            cells[4] = dua_state(&v[i], today, why, sizeof why);
            rc = cli_table_add(&t, cells);
        }
        if (rc == FOLIO_OK)
            cli_table_print(&t, stdout);
        cli_table_release(&t);
    }
    folio_arena_release(&a);
    return rc;
}

static enum folio_rc dua_show(struct folio_cli *cli, int argc, char **argv)
{
    struct cli_args args;
    struct folio_arena a;
    struct folio_deid_dua d;
    int64_t id = 0;
    char now[32], today[11], why[600], num[24];
    enum folio_rc rc;

    rc = cli_parse(cli, "deid dua show", argc, argv, 1, NULL, 0, 1, &args, NULL);
    if (rc == FOLIO_OK && args.npos != 1)
        rc = cli_usage(cli, "deid dua show: give the agreement's id");
    if (rc == FOLIO_OK)
        rc = cli_parse_id(cli, "deid dua show", args.pos[0], &id);
    if (rc == FOLIO_OK)
        rc = folio_cli_open_store(cli);
    if (rc)
        return rc;
    folio_time_now_utc(now);
    folio_strlcpy(today, now, sizeof today);
    folio_arena_init(&a, 0);
    rc = folio_deid_dua_get(cli->store, id, &a, &d, &cli->err);
    if (rc == FOLIO_OK && cli->json) {
        json_t *o = dua_json(&d);
        if (o && cli_jset_str(o, "state", dua_state(&d, today, why, sizeof why))) {
            json_decref(o);
            o = NULL;
        }
        rc = cli_json_print(cli, o);
    } else if (rc == FOLIO_OK) {
        folio_snprintf(num, sizeof num, "%lld", (long long)d.id);
        cli_kv(stdout, "id", num);
        cli_kv(stdout, "recipient", d.recipient);
        cli_kv(stdout, "purpose", d.purpose);
        cli_kv(stdout, "users", d.users);
        cli_kv(stdout, "signed on", d.signed_on);
        cli_kv(stdout, "expires on", d.expires_on);
        cli_kv(stdout, "no other use", d.no_other_use ? "yes" : "NO");
        cli_kv(stdout, "safeguards", d.safeguards ? "yes" : "NO");
        cli_kv(stdout, "report violations", d.report_violations ? "yes" : "NO");
        cli_kv(stdout, "agents bound", d.agents_bound ? "yes" : "NO");
        cli_kv(stdout, "no re-identification", d.no_reidentify ? "yes" : "NO");
        cli_kv(stdout, "recorded", d.created_at);
        cli_kv(stdout, "recorded by", d.created_by);
        cli_kv(stdout, "terminated on", d.terminated_on);
        cli_kv(stdout, "termination reason", d.termination_reason);
        cli_kv(stdout, "state", dua_state(&d, today, why, sizeof why));
    }
    folio_arena_release(&a);
    return rc;
}

static enum folio_rc dua_terminate(struct folio_cli *cli, int argc, char **argv)
{
    const char *reason = NULL, *on = NULL;
    const struct cli_opt opts[] = {{"reason", CLI_OPT_STR, &reason}, {"on", CLI_OPT_STR, &on}};
    struct cli_args args;
    int64_t id = 0;
    enum folio_rc rc;

    rc = cli_parse(cli, "deid dua terminate", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 1, &args,
                   NULL);
    if (rc == FOLIO_OK && args.npos != 1)
        rc = cli_usage(cli, "deid dua terminate: give the agreement's id");
    if (rc == FOLIO_OK)
        rc = cli_parse_id(cli, "deid dua terminate", args.pos[0], &id);
    if (rc == FOLIO_OK)
        rc = folio_cli_open_store(cli);
    if (rc == FOLIO_OK)
        rc = folio_store_begin(cli->store, &cli->err);
    if (rc)
        return rc;
    rc = folio_deid_dua_terminate(cli->store, id, on, reason, cli->actor, NULL, &cli->err);
    if (rc == FOLIO_OK)
        rc = cli_audit(cli, "deid.dua_terminate", 0, "deid_dua", id, NULL);
    rc = folio_store_end(cli->store, rc, &cli->err);
    if (rc)
        return rc;
    if (cli->json) {
        json_t *o = json_object();
        if (o && (cli_jset_int(o, "id", id) || cli_jset(o, "terminated", json_true()))) {
            json_decref(o);
            o = NULL;
        }
        return cli_json_print(cli, o);
    }
    printf("data use agreement %lld terminated\n", (long long)id);
    return FOLIO_OK;
}

static enum folio_rc deid_dua(struct folio_cli *cli, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage(cli, "deid dua: missing subcommand (add, list, show, terminate)");
    if (strcmp(argv[1], "add") == 0)
        return dua_add(cli, argc - 1, argv + 1);
    if (strcmp(argv[1], "list") == 0)
        return dua_list(cli, argc - 1, argv + 1);
    if (strcmp(argv[1], "show") == 0)
        return dua_show(cli, argc - 1, argv + 1);
    if (strcmp(argv[1], "terminate") == 0)
        return dua_terminate(cli, argc - 1, argv + 1);
    return cli_usage(cli, "deid dua: unknown subcommand '%s' (add, list, show, terminate)",
                     argv[1]);
}

int cmd_deid(struct folio_cli *cli, int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0 ||
            (i == 1 && strcmp(argv[i], "help") == 0)) {
            fputs(deid_usage, stdout);
            return FOLIO_OK;
        }
    if (argc < 2)
        return (int)cli_usage(cli, "deid: missing subcommand (text, cohort, dua)");
    if (strcmp(argv[1], "text") == 0)
        return (int)deid_text(cli, argc - 1, argv + 1);
    if (strcmp(argv[1], "cohort") == 0)
        return (int)deid_cohort(cli, argc - 1, argv + 1);
    if (strcmp(argv[1], "dua") == 0)
        return (int)deid_dua(cli, argc - 1, argv + 1);
    return (int)cli_usage(cli, "deid: unknown subcommand '%s' (text, cohort, dua)", argv[1]);
}

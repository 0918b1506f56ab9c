/* Tests of chart completeness: the rules file parser, rule-set versions, deficiency analysis,
 * waivers, withdrawal and history (include/folio/completeness.h) on the backend under test.
 * Synthetic data only; the clock is always given. */
#include "folio/base.h"

#include <setjmp.h>
#include <cmocka.h>

#include "folio/completeness.h"
#include "folio/crypto.h"
#include "folio/feed.h"
#include "folio/hl7v2.h"
#include "folio/records.h"
#include "folio/store.h"
#include "folio/time.h"
#include "testdb.h"

struct fx {
    struct folio_store *store;
    struct folio_chart chart;
    struct folio_arena arena;
    struct folio_err err;
    struct folio_key key;
    int64_t pid, attending, author, n_acct;
};

#define OK(call)                                                                                   \
    do {                                                                                           \
        enum folio_rc rc_ = (call);                                                                \
        if (rc_ != FOLIO_OK)                                                                       \
            fail_msg("%s -> %s: %s [%s]", #call, folio_rc_name(rc_), f->err.msg, f->err.field);    \
    } while (0)

#define EXPECT(code, call)                                                                         \
    do {                                                                                           \
        folio_err_clear(&f->err);                                                                  \
        enum folio_rc rc_ = (call);                                                                \
        if (rc_ != (code))                                                                         \
            fail_msg("%s -> %s (want %s): %s", #call, folio_rc_name(rc_), folio_rc_name(code),     \
                     f->err.msg);                                                                  \
    } while (0)

static int64_t mk_provider(struct fx *f, const char *family)
{
    struct folio_provider p = {.family = family, .given = "Pat"};
    int64_t id = 0;
    OK(folio_provider_create(&f->chart, &p, &id, &f->err));
    return id;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct folio_err err = {0};
    assert_non_null(f);
    assert_int_equal(folio_crypto_init(&err), FOLIO_OK);
    f->store = folio_test_store_open();
    f->chart = (struct folio_chart){f->store, NULL, "registrar"};
    folio_arena_init(&f->arena, 0);
    *state = f;
    struct folio_patient_new p = {
        .name = {.family = "Chartwell", .given = "Test"}, .birth_date = "1950-01-01", .sex = "F"};
    OK(folio_patient_create(&f->chart, &p, &f->pid, &f->err));
    OK(folio_facility_ensure(&f->chart, "MAIN", "Main Hospital", NULL, &f->err));
    f->attending = mk_provider(f, "Attending");
    f->author = mk_provider(f, "Author");
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    folio_arena_release(&f->arena);
    folio_test_store_close(f->store);
    free(f);
    return 0;
}

static const char *data_path(const char *rel)
{
    static char path[2][1024];
    static int slot;
    const char *src = getenv("FOLIO_SOURCE_DIR");
    char *p = path[slot++ % 2];
    if (folio_str_empty(src))
        fail_msg("FOLIO_SOURCE_DIR is not set (run the test through CTest)");
    assert_true(folio_snprintf(p, 1024, "%s/tests/data/completeness/%s", src, rel));
    return p;
}

/* An encounter admitted at admit (discharged at discharge when not NULL) with an attending. */
static int64_t mk_enc(struct fx *f, const char *cls, const char *service, const char *admit,
                      const char *discharge, bool with_attending)
{
    char acct[32];
    int64_t id = 0;
    folio_snprintf(acct, sizeof acct, "A%04lld", (long long)++f->n_acct);
    struct folio_encounter_new e = {.patient_id = f->pid,
                                    .facility_code = "MAIN",
                                    .account_number = acct,
                                    .enc_class = cls,
                                    .service = service,
                                    .admit_at = admit,
                                    .status = "in-progress"};
    OK(folio_encounter_create(&f->chart, &e, &id, &f->err));
    if (with_attending)
        OK(folio_encounter_add_provider(&f->chart, id, f->attending, "attending", NULL, NULL,
                                        &f->err));
    if (discharge)
        OK(folio_encounter_discharge(&f->chart, id, discharge, "01", &f->err));
    return id;
}

static int64_t mk_doc(struct fx *f, int64_t enc, const char *type, int64_t author,
                      const char *service_at, const char *status, int64_t *version_id)
{
    struct folio_document_new d = {.patient_id = f->pid,
                                   .encounter_id = enc,
                                   .author_id = author,
                                   .type_code = type,
                                   .service_at = service_at,
                                   .status = status,
                                   .content = "note",
                                   .content_len = 4};
    int64_t id = 0;
    OK(folio_document_create(&f->chart, &d, &id, version_id, &f->err));
    return id;
}

static int64_t mk_proc(struct fx *f, int64_t enc, const char *start)
{
    struct folio_procedure_event p = {.patient_id = f->pid,
                                      .encounter_id = enc,
                                      .code_system = "ICD10PCS",
                                      .code = "0DTJ4ZZ",
                                      .performed_start = start};
    int64_t id = 0;
    OK(folio_procedure_create(&f->chart, &p, &id, &f->err));
    return id;
}

/* A procedure with its code; tissue: -1 not recorded (NULL), else tissue_sent; op: operator. */
static int64_t mk_proc_code(struct fx *f, int64_t enc, const char *start, const char *system,
                            const char *code, int tissue, int64_t op)
{
    struct folio_procedure_event p = {.patient_id = f->pid,
                                      .encounter_id = enc,
                                      .code_system = system,
                                      .code = code,
                                      .performed_start = start};
    int64_t id = 0;
    OK(folio_procedure_create(&f->chart, &p, &id, &f->err));
    if (tissue >= 0)
        OK(folio_store_exec_fmt(f->store, NULL, NULL, NULL, &f->err,
                                "UPDATE procedure_event SET tissue_sent = ? WHERE id = ?", "ii",
                                (int64_t)tissue, id));
    if (op)
        OK(folio_store_exec_fmt(f->store, NULL, NULL, NULL, &f->err,
                                "UPDATE procedure_event SET operator_id = ? WHERE id = ?", "ii", op,
                                id));
    return id;
}

/* A final, unsigned document with the given content and media type. */
static int64_t mk_text_doc(struct fx *f, int64_t enc, const char *type, const char *mime,
                           const char *text)
{
    struct folio_document_new d = {.patient_id = f->pid,
                                   .encounter_id = enc,
                                   .author_id = f->author,
                                   .type_code = type,
                                   .service_at = "2024-03-02T10:00Z",
                                   .status = "final",
                                   .mime_type = mime,
                                   .content = text,
                                   .content_len = strlen(text)};
    int64_t id = 0;
    OK(folio_document_create(&f->chart, &d, &id, NULL, &f->err));
    return id;
}

/* Open deficiencies of a rule. */
static size_t count_rule(struct folio_deficiency *v, size_t n, const char *rule)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += strcmp(v[i].rule, rule) == 0 && strcmp(v[i].status, "open") == 0;
    return k;
}

static struct folio_deficiency *by_subject(struct folio_deficiency *v, size_t n, const char *rule,
                                           const char *subject)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].rule, rule) == 0 && strcmp(v[i].subject, subject) == 0)
            return &v[i];
    return NULL;
}

/* Seconds since 1970 of a stored UTC time, through the calendar functions of folio/time.h. */
static int64_t secs_of(struct fx *f, const char *stored)
{
    struct folio_time t, day, epoch = {.year = 1970, .month = 1, .day = 1, .prec = FOLIO_PREC_DAY};
    int64_t days = 0;
    OK(folio_time_parse_any(folio_sv_from(stored), &t, "time", &f->err));
    folio_time_to_utc(&t, 0);
    day = t;
    day.prec = FOLIO_PREC_DAY;
    assert_true(folio_time_days_between(&epoch, &day, &days));
    return days * 86400 + t.hour * 3600 + t.minute * 60 + t.second;
}

static void load_rules(struct fx *f, const char *text, int64_t want_version)
{
    int64_t v = 0;
    bool changed = false;
    OK(folio_rules_load(f->store, "test.rules", text, strlen(text), "him", "2024-01-01T00:00Z", &v,
                        &changed, &f->err));
    assert_int_equal(v, want_version);
}

static struct folio_cmpl_result analyze(struct fx *f, int64_t enc, const char *now)
{
    struct folio_cmpl_result r;
    OK(folio_completeness_analyze(f->store, enc, now, "him", &r, &f->err));
    return r;
}

/* The deficiencies of an encounter (all statuses), listed at now. */
static struct folio_deficiency *defs(struct fx *f, int64_t enc, bool open_only, const char *now,
                                     size_t *n)
{
    struct folio_deficiency_filter flt = {.encounter_id = enc, .open_only = open_only, .now = now};
    struct folio_deficiency *v = NULL;
    OK(folio_completeness_list(f->store, &flt, &f->arena, &v, n, &f->err));
    return v;
}

static struct folio_deficiency *by_rule(struct folio_deficiency *v, size_t n, const char *rule,
                                        const char *status)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].rule, rule) == 0 && strcmp(v[i].status, status) == 0)
            return &v[i];
    return NULL;
}

/* ---- parser ---- */

static void test_parse_default_file(void **state)
{
    struct fx *f = *state;
    struct folio_buf b;
    struct folio_ruleset set;
    folio_buf_init(&b, 0);
    OK(folio_buf_read_file(&b, data_path("default.rules"), &f->err));
    OK(folio_rules_parse("default.rules", b.data, b.len, &f->arena, &set, &f->err));
    assert_int_equal(set.n, 17);
    const struct folio_rule *hp = &set.rules[0];
    assert_string_equal(hp->name, "HP-IP");
    assert_int_equal(hp->kind, FOLIO_RULE_REQUIRE);
    assert_string_equal(hp->doc_type, "34117-2");
    assert_int_equal(hp->within_s, 24 * 3600);
    assert_int_equal(hp->anchor, FOLIO_ANCHOR_ADMIT);
    assert_true(hp->before_procedure);
    assert_int_equal(hp->line, 8);
    assert_string_equal(hp->classes, ",inpatient,");
    assert_int_equal(set.rules[1].resp, FOLIO_RESP_OPERATOR);
    const struct folio_rule *pn = &set.rules[7];
    assert_string_equal(pn->name, "PROGRESS");
    assert_int_equal(pn->anchor, FOLIO_ANCHOR_DAY);
    assert_int_equal(pn->within_s, 24 * 3600);
    const struct folio_rule *path = &set.rules[8];
    assert_string_equal(path->name, "PATH");
    assert_int_equal(path->when, FOLIO_WHEN_TISSUE);
    assert_int_equal(path->anchor, FOLIO_ANCHOR_PROCEDURE);
    assert_int_equal(set.rules[9].field, FOLIO_FIELD_PRINCIPAL_DX);
    const struct folio_rule *surg = &set.rules[11];
    assert_string_equal(surg->name, "HP-SURG");
    assert_string_equal(surg->services, ",SUR,ORTH,");
    assert_int_equal(surg->within_s, 30 * 86400);
    assert_string_equal(set.rules[12].name, "SIGNED");
    assert_string_equal(set.rules[12].except, ",46209-3,");
    assert_string_equal(set.rules[13].doc_type, "46209-3");
    const struct folio_rule *res = &set.rules[14];
    assert_int_equal(res->kind, FOLIO_RULE_SIGN);
    assert_true(res->cosign);
    assert_true(res->cosign_residents);
    assert_int_equal(res->anchor, FOLIO_ANCHOR_DOCUMENT);
    assert_int_equal(set.rules[5].field, FOLIO_FIELD_DISPOSITION);
    assert_int_equal(set.rules[6].check, FOLIO_CHECK_FINAL);
    assert_int_equal(set.rules[16].check, FOLIO_CHECK_OTHER_MRN);

    /* The product ships the same file (etc/completeness.rules). */
    {
        char etc[1024];
        struct folio_buf shipped;
        folio_buf_init(&shipped, 0);
        assert_true(folio_snprintf(etc, sizeof etc, "%s/etc/completeness.rules",
                                   getenv("FOLIO_SOURCE_DIR")));
        OK(folio_buf_read_file(&shipped, etc, &f->err));
        assert_int_equal(shipped.len, b.len);
        assert_memory_equal(shipped.data, b.data, b.len);
        folio_buf_release(&shipped);
    }
    folio_buf_release(&b);

    /* The bad example names its line. */
    folio_buf_init(&b, 0);
    OK(folio_buf_read_file(&b, data_path("bad.rules"), &f->err));
    EXPECT(FOLIO_EPARSE, folio_rules_parse("bad.rules", b.data, b.len, &f->arena, &set, &f->err));
    assert_string_equal(f->err.field, "bad.rules:4");
    assert_non_null(strstr(f->err.msg, "bad.rules:4: unknown document type '99999-9'"));
    folio_buf_release(&b);
}

static void test_parse_errors(void **state)
{
    struct fx *f = *state;
    struct folio_ruleset set;
    static const struct {
        const char *text, *field, *msg;
    } cases[] = {
        {"# c\n\nfrobnicate X type 34117-2\n", "r:3", "unknown rule kind 'frobnicate'"},
        {"require HP type 34117-2 within 24h after admit\nrequire HP type 18842-5 within 1d "
         "after discharge\n",
         "r:2", "already used on line 1"},
        {"require HP type 34117-2 within 24 after admit\n", "r:1", "bad deadline '24'"},
        {"require HP type 34117-2 within 24h\n", "r:1", "after admit|discharge|procedure"},
        {"require HP type 34117-2 after admit\n", "r:1", "deadline"},
        {"require HP within 24h after admit\n", "r:1", "needs 'type CODE'"},
        {"require HP type 34117-2 class inpatient,ward within 24h after admit\n", "r:1",
         "unknown encounter class 'ward'"},
        {"sign S within 48h after discharge\n", "r:1", "counts from the document"},
        {"field F attendant\n", "r:1", "unknown field"},
        {"check C final within 1d\n", "r:1", "needs 'type CODE'"},
        {"require HP type 34117-2 within 24h after admit colour red\n", "r:1",
         "unknown word 'colour'"},
        {"require HP type 34117-2 within 24h after admit by\n", "r:1", "a value must follow"},
        {"require H&P type 34117-2 within 24h after admit\n", "r:1", "a rule name"},
        {"sign S cosign within 2w\n", "r:1", "bad deadline '2w'"},
        {"require P type 11506-3 daily within 24h after admit\n", "r:1", "drop 'after'"},
        {"require P type 11506-3 after admit daily within 24h\n", "r:1", "drop 'after'"},
        {"sign P type 11506-3 daily within 24h\n", "r:1", "'daily' is for require rules"},
        {"require P type 11506-3 daily\n", "r:1", "deadline"},
        {"require P type 11506-3 daily before procedure within 1d\n", "r:1",
         "cannot be 'before procedure'"},
        {"require P type 11526-1 within 7d after discharge when tissue\n", "r:1",
         "'when tissue' is for rules 'after procedure'"},
        {"require P type 11526-1 within 7d after procedure when blood\n", "r:1",
         "unknown condition 'blood'"},
        {"require P type 18842-5 within 7d after discharge by operator\n", "r:1",
         "'by operator' is for rules 'after procedure'"},
        {"require P type 18842-5 within 7d after discharge except 46209-3\n", "r:1",
         "'except' is for sign and check rules"},
        {"sign S except 46209-3,12345-6 within 48h\n", "r:1", "unknown document type '12345-6'"},
        {"field F principal-dx\n", "r:1", "principal-diagnosis"},
        {"check C other-mrns\n", "r:1", "other-mrn"},
    };
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(cases); i++) {
        folio_err_clear(&f->err);
        enum folio_rc rc =
            folio_rules_parse("r", cases[i].text, strlen(cases[i].text), &f->arena, &set, &f->err);
        if (rc != FOLIO_EPARSE)
            fail_msg("case %zu: %s", i, folio_rc_name(rc));
        assert_string_equal(f->err.field, cases[i].field);
        if (!strstr(f->err.msg, cases[i].msg))
            fail_msg("case %zu: '%s' lacks '%s'", i, f->err.msg, cases[i].msg);
    }
    /* Comments, blank lines, CRLF and an empty file are fine. */
    const char *ok = "  # only comments\r\n\r\nsign S within 2d # trailing\r\n";
    OK(folio_rules_parse("r", ok, strlen(ok), &f->arena, &set, &f->err));
    assert_int_equal(set.n, 1);
    assert_int_equal(set.rules[0].within_s, 2 * 86400);
    OK(folio_rules_parse("r", "", 0, &f->arena, &set, &f->err));
    assert_int_equal(set.n, 0);
}

static void test_versions(void **state)
{
    struct fx *f = *state;
    struct folio_rules_version ver;
    struct folio_ruleset set;
    int64_t v = 0;
    bool changed = true;
    const char *a = "sign S within 48h\n", *b = "sign S within 24h\n", *bad = "sign S\n";

    OK(folio_rules_in_force(f->store, &f->arena, &ver, &set, &f->err));
    assert_int_equal(ver.version, 0);
    assert_int_equal(set.n, 0);
    OK(folio_rules_load(f->store, "a.rules", a, strlen(a), "him", "2024-01-01T00:00Z", &v, &changed,
                        &f->err));
    assert_int_equal(v, 1);
    assert_true(changed);
    OK(folio_rules_load(f->store, "a.rules", a, strlen(a), "him2", "2024-01-02T00:00Z", &v,
                        &changed, &f->err));
    assert_int_equal(v, 1);
    assert_false(changed);
    EXPECT(FOLIO_EPARSE, folio_rules_load(f->store, "bad.rules", bad, strlen(bad), "him", NULL, &v,
                                          &changed, &f->err));
    assert_string_equal(f->err.field, "bad.rules:1");
    EXPECT(FOLIO_EINVAL,
           folio_rules_load(f->store, "b", b, strlen(b), NULL, NULL, &v, &changed, &f->err));
    OK(folio_rules_load(f->store, "b.rules", b, strlen(b), "him", "2024-01-03T00:00Z", &v, &changed,
                        &f->err));
    assert_int_equal(v, 2);
    assert_true(changed);
    OK(folio_rules_in_force(f->store, &f->arena, &ver, &set, &f->err));
    assert_int_equal(ver.version, 2);
    assert_string_equal(ver.content, b);
    assert_string_equal(ver.source, "b.rules");
    assert_string_equal(ver.loaded_by, "him");
    assert_string_equal(ver.loaded_at, "2024-01-03T00:00:00Z");
    assert_int_equal(ver.n_rules, 1);
    char sha[FOLIO_SHA256_HEX_LEN + 1];
    folio_sha256_hex(b, strlen(b), sha);
    assert_string_equal(ver.sha256, sha);
    assert_int_equal(set.n, 1);
    assert_int_equal(set.rules[0].within_s, 24 * 3600);
    /* Going back to the first content is a new version, not a no-op. */
    OK(folio_rules_load(f->store, "a.rules", a, strlen(a), "him", NULL, &v, &changed, &f->err));
    assert_int_equal(v, 3);
}

/* ---- analysis ---- */

static const char HP_RULE[] =
    "require HP type 34117-2 class inpatient within 24h after admit before procedure\n";

static void test_hp_missing_then_late(void **state)
{
    struct fx *f = *state;
    struct folio_deficiency *v;
    size_t n;
    struct folio_cmpl_result r;
    load_rules(f, HP_RULE, 1);
    int64_t enc = mk_enc(f, "inpatient", "MED", "2024-03-01T08:00Z", NULL, true);
    int64_t outp = mk_enc(f, "outpatient", "MED", "2024-03-01T08:00Z", NULL, true);

    r = analyze(f, enc, "2024-03-01T10:00Z");
    assert_int_equal(r.ruleset_version, 1);
    assert_int_equal(r.created, 1);
    assert_int_equal(r.open, 1);
    v = defs(f, enc, true, "2024-03-01T10:00Z", &n);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].rule, "HP");
    assert_string_equal(v[0].kind, "require");
    assert_string_equal(v[0].subject, "encounter");
    assert_string_equal(v[0].due_at, "2024-03-02T08:00:00Z");
    assert_int_equal(v[0].responsible_id, f->attending);
    assert_string_equal(v[0].doc_type, "34117-2");
    assert_false(v[0].overdue);
    int64_t hp_def = v[0].id;
    v = defs(f, enc, true, "2024-03-02T08:00:01Z", &n);
    assert_true(v[0].overdue);
    /* Not inpatient: the class filter leaves it alone. */
    r = analyze(f, outp, "2024-03-01T10:00Z");
    assert_int_equal(r.created, 0);

    /* Idempotent: the same analysis again changes nothing. */
    r = analyze(f, enc, "2024-03-01T10:00Z");
    assert_int_equal(r.created + r.closed + r.updated, 0);
    assert_int_equal(r.open, 1);

    /* The H&P arrives late: the deficiency closes, recorded late. */
    mk_doc(f, enc, "34117-2", f->attending, "2024-03-02T20:00Z", "final", NULL);
    r = analyze(f, enc, "2024-03-03T09:00Z");
    assert_int_equal(r.closed, 1);
    assert_int_equal(r.open, 0);
    v = defs(f, enc, false, "2024-03-03T09:00Z", &n);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].status, "closed");
    assert_string_equal(v[0].closed_at, "2024-03-03T09:00:00Z");
    assert_string_equal(v[0].closed_how, "resolved");
    assert_true(v[0].late);
    assert_false(v[0].overdue);

    struct folio_deficiency_event *ev;
    OK(folio_completeness_history(f->store, hp_def, &f->arena, &ev, &n, &f->err));
    assert_int_equal(n, 2);
    assert_string_equal(ev[0].action, "create");
    assert_string_equal(ev[0].at, "2024-03-01T10:00:00Z");
    assert_string_equal(ev[1].action, "close");
    assert_string_equal(ev[1].detail, "resolved (late)");
    assert_string_equal(ev[1].user, "him");
    EXPECT(FOLIO_ENOTFOUND,
           folio_completeness_history(f->store, hp_def + 100, &f->arena, &ev, &n, &f->err));
}

static void test_hp_before_procedure_and_on_time(void **state)
{
    struct fx *f = *state;
    struct folio_deficiency *v;
    size_t n;
    load_rules(f, HP_RULE, 1);
    int64_t enc = mk_enc(f, "inpatient", "SUR", "2024-03-01T08:00Z", NULL, true);
    mk_proc(f, enc, "2024-03-01T14:00Z");
    analyze(f, enc, "2024-03-01T09:00Z");
    v = defs(f, enc, true, "2024-03-01T09:00Z", &n);
    assert_int_equal(n, 1);
    /* Before surgery wins over admit + 24h. */
    assert_string_equal(v[0].due_at, "2024-03-01T14:00:00Z");
    mk_doc(f, enc, "34117-2", f->attending, "2024-03-01T12:00Z", "final", NULL);
    analyze(f, enc, "2024-03-01T12:30Z");
    v = defs(f, enc, false, "2024-03-01T12:30Z", &n);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].status, "closed");
    assert_false(v[0].late);
}

static void test_authentication(void **state)
{
    struct fx *f = *state;
    struct folio_deficiency *v;
    struct folio_document doc;
    size_t n;
    int64_t ver = 0, ver2 = 0;
    load_rules(f, "sign SIGNED within 48h\nsign RES type 11506-3 cosign within 72h\n", 1);
    int64_t enc = mk_enc(f, "inpatient", "MED", "2024-03-01T08:00Z", NULL, true);
    int64_t d = mk_doc(f, enc, "11488-4", f->author, "2024-03-01T12:00Z", "final", &ver);
    int64_t pn = mk_doc(f, enc, "11506-3", f->author, "2024-03-01T13:00Z", "final", &ver2);
    OK(folio_document_get(&f->chart, d, &f->arena, &doc, &f->err));

    struct folio_cmpl_result r = analyze(f, enc, "2024-03-01T13:00Z");
    /* consult unsigned (SIGNED); progress note unsigned (SIGNED and RES) and not co-signed */
    assert_int_equal(r.created, 4);
    v = defs(f, enc, true, "2024-03-01T13:00Z", &n);
    struct folio_deficiency *sig = NULL, *cos = NULL;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v[i].rule, "SIGNED") == 0 && v[i].document_id == d)
            sig = &v[i];
        if (strcmp(v[i].rule, "RES") == 0 && strncmp(v[i].subject, "cosign:", 7) == 0)
            cos = &v[i];
    }
    assert_non_null(sig);
    assert_non_null(cos);
    assert_int_equal(sig->responsible_id, f->author);
    assert_int_equal(cos->responsible_id, f->attending);
    assert_int_equal(cos->document_id, pn);
    /* Due 48 (72) hours after the document's own time (its service time; the filing time,
     * the real clock's, only when it has none): a backlog replayed later keeps its deadlines. */
    assert_string_equal(sig->due_at, "2024-03-03T12:00:00Z");
    assert_string_equal(cos->due_at, "2024-03-04T13:00:00Z");
    assert_true(secs_of(f, doc.filed_at) > secs_of(f, sig->due_at));

    /* Signing the consult closes its deficiency only. */
    OK(folio_document_sign(&f->chart, ver, f->author, NULL, "author", NULL, NULL, &f->err));
    r = analyze(f, enc, "2024-03-01T14:00Z");
    assert_int_equal(r.closed, 1);
    assert_int_equal(r.open, 3);
    /* The author signs the progress note; the attending's co-signature is still missing. */
    OK(folio_document_sign(&f->chart, ver2, f->author, NULL, "author", NULL, NULL, &f->err));
    r = analyze(f, enc, "2024-03-01T15:00Z");
    assert_int_equal(r.closed, 2);
    assert_int_equal(r.open, 1);
    v = defs(f, enc, true, "2024-03-01T15:00Z", &n);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].subject, cos->subject);
    OK(folio_document_sign(&f->chart, ver2, f->attending, NULL, "cosigner", NULL, NULL, &f->err));
    r = analyze(f, enc, "2024-03-01T16:00Z");
    assert_int_equal(r.closed, 1);
    assert_int_equal(r.open, 0);
}

static void test_discharge_summary_and_op_notes(void **state)
{
    struct fx *f = *state;
    struct folio_deficiency *v, *x;
    size_t n;
    load_rules(f,
               "require DCSUM type 18842-5 class inpatient within 30d after discharge\n"
               "require OPNOTE type 11504-8 within 24h after procedure\n"
               "require CONSENT type 59284-0 before procedure\n",
               1);
    int64_t enc = mk_enc(f, "inpatient", "SUR", "2024-03-01T08:00Z", NULL, true);
    int64_t p1 = mk_proc(f, enc, "2024-03-02T10:00Z");
    int64_t p2 = mk_proc(f, enc, "2024-03-04T09:30Z");
    mk_doc(f, enc, "59284-0", f->attending, "2024-03-02T08:00Z", "final", NULL);

    struct folio_cmpl_result r = analyze(f, enc, "2024-03-04T12:00Z");
    /* Two op notes; one consent (the one consent covers the first procedure); no discharge
     * summary before discharge. */
    assert_int_equal(r.created, 3);
    v = defs(f, enc, true, "2024-03-04T12:00Z", &n);
    assert_int_equal(n, 3);
    assert_null(by_rule(v, n, "DCSUM", "open"));
    x = by_rule(v, n, "CONSENT", "open");
    assert_non_null(x);
    assert_int_equal(x->procedure_id, p2);
    assert_string_equal(x->due_at, "2024-03-04T09:30:00Z");
    assert_true(x->overdue);
    size_t ops = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v[i].rule, "OPNOTE") != 0)
            continue;
        ops++;
        if (v[i].procedure_id == p1)
            assert_string_equal(v[i].due_at, "2024-03-03T10:00:00Z");
        else
            assert_string_equal(v[i].due_at, "2024-03-05T09:30:00Z");
    }
    assert_int_equal(ops, 2);

    /* The first operation's note arrives: only that procedure's deficiency closes. */
    mk_doc(f, enc, "11504-8", f->attending, "2024-03-02T13:00Z", "final", NULL);
    r = analyze(f, enc, "2024-03-04T13:00Z");
    assert_int_equal(r.closed, 1);
    v = defs(f, enc, true, "2024-03-04T13:00Z", &n);
    x = by_rule(v, n, "OPNOTE", "open");
    assert_non_null(x);
    assert_int_equal(x->procedure_id, p2);
    char subj[32];
    folio_snprintf(subj, sizeof subj, "procedure:%lld", (long long)p2);
    assert_string_equal(x->subject, subj);

    /* Discharge: the summary is due 30 days later. */
    OK(folio_encounter_discharge(&f->chart, enc, "2024-03-06T11:00Z", "01", &f->err));
    r = analyze(f, enc, "2024-03-06T12:00Z");
    assert_int_equal(r.created, 1);
    v = defs(f, enc, true, "2024-03-06T12:00Z", &n);
    x = by_rule(v, n, "DCSUM", "open");
    assert_non_null(x);
    assert_string_equal(x->due_at, "2024-04-05T11:00:00Z");
    assert_int_equal(x->responsible_id, f->attending);
}

static void test_waive_and_withdraw(void **state)
{
    struct fx *f = *state;
    struct folio_deficiency *v, *x;
    size_t n, k = 0;
    load_rules(f,
               "require DCSUM type 18842-5 within 14d after discharge\n"
               "field DISPO disposition within 1d after discharge\n"
               "require HP type 34117-2 within 24h after admit\n",
               1);
    int64_t enc = mk_enc(f, "inpatient", "MED", "2024-03-01T08:00Z", "2024-03-05T10:00Z", true);
    struct folio_cmpl_result r = analyze(f, enc, "2024-03-05T11:00Z");
    assert_int_equal(r.created, 2); /* DCSUM, HP; the disposition was given */
    v = defs(f, enc, true, "2024-03-05T11:00Z", &n);
    x = by_rule(v, n, "HP", "open");
    assert_non_null(x);
    int64_t hp = x->id;

    EXPECT(FOLIO_EINVAL, folio_completeness_waive(f->store, hp, "", "him", NULL, &f->err));
    assert_string_equal(f->err.field, "reason");
    OK(folio_completeness_waive(f->store, hp, "H&P on paper, scanned to the prior visit", "him",
                                "2024-03-05T12:00Z", &f->err));
    EXPECT(FOLIO_ESTATE, folio_completeness_waive(f->store, hp, "again", "him", NULL, &f->err));
    EXPECT(FOLIO_ENOTFOUND, folio_completeness_waive(f->store, hp + 99, "x", "him", NULL, &f->err));
    /* Analysis leaves a waived deficiency alone: not closed, not re-created. */
    r = analyze(f, enc, "2024-03-06T11:00Z");
    assert_int_equal(r.created + r.closed + r.updated, 0);
    assert_int_equal(r.open, 1);
    v = defs(f, enc, false, "2024-03-06T11:00Z", &n);
    assert_int_equal(n, 2);
    x = by_rule(v, n, "HP", "waived");
    assert_non_null(x);
    assert_string_equal(x->waived_by, "him");
    assert_string_equal(x->waived_reason, "H&P on paper, scanned to the prior visit");

    /* A13: the discharge is cancelled; its deficiencies are withdrawn. */
    OK(folio_encounter_cancel_discharge(&f->chart, enc, "discharged in error", &f->err));
    EXPECT(FOLIO_EINVAL,
           folio_completeness_withdraw(f->store, enc, NULL, "adt", NULL, &k, &f->err));
    OK(folio_completeness_withdraw(f->store, enc, "A13 cancel discharge", "adt",
                                   "2024-03-06T12:00Z", &k, &f->err));
    assert_int_equal(k, 2);
    v = defs(f, enc, false, "2024-03-06T12:00Z", &n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(v[i].status, "withdrawn");
        assert_string_equal(v[i].closed_how, "withdrawn: A13 cancel discharge");
    }
    /* Back in house: the discharge summary is not due; the H&P is (its waiver went with the
     * withdrawal). */
    r = analyze(f, enc, "2024-03-06T13:00Z");
    assert_int_equal(r.created, 1);
    v = defs(f, enc, true, "2024-03-06T13:00Z", &n);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].rule, "HP");
    EXPECT(FOLIO_ENOTFOUND,
           folio_completeness_withdraw(f->store, enc + 99, "x", NULL, NULL, &k, &f->err));
}

static void test_rule_edit_changes_next_analysis(void **state)
{
    struct fx *f = *state;
    struct folio_deficiency *v;
    size_t n;
    load_rules(f, "require HP type 34117-2 class inpatient within 24h after admit\n", 1);
    int64_t enc = mk_enc(f, "inpatient", "MED", "2024-03-01T08:00Z", NULL, true);
    analyze(f, enc, "2024-03-01T09:00Z");
    v = defs(f, enc, true, "2024-03-01T09:00Z", &n);
    assert_string_equal(v[0].due_at, "2024-03-02T08:00:00Z");
    assert_int_equal(v[0].ruleset_version, 1);

    load_rules(f, "require HP type 34117-2 class inpatient within 48h after admit\n", 2);
    struct folio_cmpl_result r = analyze(f, enc, "2024-03-01T10:00Z");
    assert_int_equal(r.ruleset_version, 2);
    assert_int_equal(r.updated, 1);
    assert_int_equal(r.created, 0);
    v = defs(f, enc, true, "2024-03-01T10:00Z", &n);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].due_at, "2024-03-03T08:00:00Z");
    assert_int_equal(v[0].ruleset_version, 2);
    r = analyze(f, enc, "2024-03-01T10:00Z");
    assert_int_equal(r.created + r.closed + r.updated, 0);

    /* The rule now applies to outpatients only: the deficiency closes as no longer applying. */
    load_rules(f, "require HP type 34117-2 class outpatient within 48h after admit\n", 3);
    r = analyze(f, enc, "2024-03-04T10:00Z");
    assert_int_equal(r.closed, 1);
    v = defs(f, enc, false, "2024-03-04T10:00Z", &n);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].closed_how, "rule no longer applies");
    assert_false(v[0].late);

    struct folio_deficiency_event *ev;
    OK(folio_completeness_history(f->store, v[0].id, &f->arena, &ev, &n, &f->err));
    assert_int_equal(n, 3);
    assert_string_equal(ev[1].action, "due");
    assert_string_equal(ev[1].detail, "2024-03-02T08:00:00Z -> 2024-03-03T08:00:00Z (rules v2)");
}

static void test_fields_and_accuracy(void **state)
{
    struct fx *f = *state;
    struct folio_deficiency *v, *x;
    size_t n;
    int64_t ver = 0;
    load_rules(f,
               "field ATT attending class inpatient within 24h after admit\n"
               "field DISPO disposition within 24h after discharge\n"
               "check STAY dates-in-stay within 7d\n"
               "check DCFINAL final type 18842-5 within 30d after discharge\n",
               1);
    int64_t enc = mk_enc(f, "inpatient", "MED", "2024-03-01T08:00Z", NULL, false);
    /* Dated before admission (a document from another visit). */
    int64_t stray = mk_doc(f, enc, "11488-4", f->author, "2024-02-20", "final", NULL);
    mk_doc(f, enc, "11488-4", f->author, "2024-03-01", "final", NULL); /* admission day: fine */
    int64_t dcs = mk_doc(f, enc, "18842-5", f->author, "2024-03-05T09:00Z", "preliminary", &ver);

    struct folio_cmpl_result r = analyze(f, enc, "2024-03-02T09:00Z");
    assert_int_equal(r.created, 2); /* no attending; stray date. Not discharged yet. */
    v = defs(f, enc, true, "2024-03-02T09:00Z", &n);
    x = by_rule(v, n, "ATT", "open");
    assert_non_null(x);
    assert_string_equal(x->due_at, "2024-03-02T08:00:00Z");
    assert_true(x->overdue);
    assert_int_equal(x->responsible_id, 0);
    x = by_rule(v, n, "STAY", "open");
    assert_non_null(x);
    assert_int_equal(x->document_id, stray);
    assert_int_equal(x->responsible_id, f->author);

    OK(folio_encounter_add_provider(&f->chart, enc, f->attending, "attending", NULL, NULL,
                                    &f->err));
    OK(folio_encounter_discharge(&f->chart, enc, "2024-03-04T10:00Z", NULL, &f->err));
    r = analyze(f, enc, "2024-03-04T11:00Z");
    /* Attending closes; disposition missing; the summary is dated after discharge and still
     * preliminary. */
    assert_int_equal(r.closed, 1);
    assert_int_equal(r.created, 3);
    v = defs(f, enc, true, "2024-03-04T11:00Z", &n);
    assert_int_equal(n, 4);
    x = by_rule(v, n, "DISPO", "open");
    assert_non_null(x);
    assert_int_equal(x->responsible_id, f->attending);
    assert_string_equal(x->due_at, "2024-03-05T10:00:00Z");
    x = by_rule(v, n, "DCFINAL", "open");
    assert_non_null(x);
    assert_int_equal(x->document_id, dcs);
    assert_string_equal(x->due_at, "2024-04-03T10:00:00Z");

    /* Finalising the summary closes the preliminary check. */
    struct folio_document_change ch = {.kind = FOLIO_DOC_FINALIZE};
    OK(folio_document_revise(&f->chart, dcs, &ch, NULL, &f->err));
    r = analyze(f, enc, "2024-03-04T12:00Z");
    assert_int_equal(r.closed, 1);
    v = defs(f, enc, false, "2024-03-04T12:00Z", &n);
    x = by_rule(v, n, "DCFINAL", "closed");
    assert_non_null(x);
    assert_false(x->late);
    assert_int_equal(r.open, 3);
}

/* ---- the rules of issue 8 item 1 added last: daily notes, pathology, operator, verbal
 * orders, residents, principal diagnosis, another patient's MRN ---- */

static void test_daily_progress_notes(void **state)
{
    struct fx *f = *state;
    struct folio_deficiency *v, *x;
    size_t n;
    struct folio_cmpl_result r;
    load_rules(f, "require PROGRESS type 11506-3 class inpatient daily within 24h\n", 1);
    int64_t enc = mk_enc(f, "inpatient", "MED", "2024-03-01T20:00Z", NULL, true);

    /* The admission day has not ended: nothing is due yet. */
    r = analyze(f, enc, "2024-03-01T22:00Z");
    assert_int_equal(r.created, 0);
    /* In house on the 3rd: the 1st and the 2nd have ended without a note. */
    r = analyze(f, enc, "2024-03-03T10:00Z");
    assert_int_equal(r.created, 2);
    v = defs(f, enc, true, "2024-03-03T10:00Z", &n);
    x = by_subject(v, n, "PROGRESS", "day:2024-03-01");
    assert_non_null(x);
    assert_string_equal(x->due_at, "2024-03-03T00:00:00Z"); /* end of the day + 24h */
    assert_true(x->overdue);
    assert_string_equal(x->description, "Progress note missing for 2024-03-01");
    assert_int_equal(x->responsible_id, f->attending);
    x = by_subject(v, n, "PROGRESS", "day:2024-03-02");
    assert_non_null(x);
    assert_string_equal(x->due_at, "2024-03-04T00:00:00Z");
    assert_false(x->overdue);

    /* A note of the 2nd (late in the day) and a consult of the 1st (not a progress note). */
    mk_doc(f, enc, "11506-3", f->author, "2024-03-02T23:30Z", "final", NULL);
    mk_doc(f, enc, "11488-4", f->author, "2024-03-01T21:00Z", "final", NULL);
    r = analyze(f, enc, "2024-03-03T11:00Z");
    assert_int_equal(r.closed, 1);
    v = defs(f, enc, false, "2024-03-03T11:00Z", &n);
    x = by_subject(v, n, "PROGRESS", "day:2024-03-02");
    assert_string_equal(x->status, "closed");
    assert_false(x->late);
    /* A note dated by day only counts for that day. */
    mk_doc(f, enc, "11506-3", f->author, "2024-03-01", "final", NULL);
    r = analyze(f, enc, "2024-03-03T12:00Z");
    assert_int_equal(r.closed, 1);
    v = defs(f, enc, false, "2024-03-03T12:00Z", &n);
    x = by_subject(v, n, "PROGRESS", "day:2024-03-01");
    assert_true(x->late);

    /* Discharged on the 6th: the 3rd, 4th and 5th are due; the discharge day is not, and a
     * note of the discharge day counts for nothing. */
    mk_doc(f, enc, "11506-3", f->author, "2024-03-06T08:00Z", "final", NULL);
    OK(folio_encounter_discharge(&f->chart, enc, "2024-03-06T11:00Z", "01", &f->err));
    r = analyze(f, enc, "2024-03-06T12:00Z");
    assert_int_equal(r.created, 3);
    v = defs(f, enc, true, "2024-03-06T12:00Z", &n);
    assert_int_equal(n, 3);
    assert_non_null(by_subject(v, n, "PROGRESS", "day:2024-03-05"));
    assert_null(by_subject(v, n, "PROGRESS", "day:2024-03-06"));
    r = analyze(f, enc, "2024-03-06T12:00Z");
    assert_int_equal(r.created + r.closed + r.updated, 0);

    /* A stay that begins and ends on the same day, and an outpatient visit: nothing. */
    int64_t same = mk_enc(f, "inpatient", "MED", "2024-03-10T01:00Z", "2024-03-10T23:00Z", true);
    assert_int_equal(analyze(f, same, "2024-03-12T00:00Z").created, 0);
    int64_t outp = mk_enc(f, "outpatient", "MED", "2024-03-01T08:00Z", "2024-03-04T08:00Z", true);
    assert_int_equal(analyze(f, outp, "2024-03-12T00:00Z").created, 0);
}

static void test_pathology_and_operator(void **state)
{
    struct fx *f = *state;
    struct folio_deficiency *v, *x;
    size_t n;
    char subj[48];
    load_rules(f,
               "require PATH type 11526-1 within 7d after procedure when tissue\n"
               "require OPNOTE type 11504-8 within 24h after procedure by operator\n",
               1);
    int64_t surgeon = mk_provider(f, "Surgeon");
    int64_t enc = mk_enc(f, "inpatient", "SUR", "2024-03-01T08:00Z", NULL, true);
    /* Resection (PCS root operation T), tissue not recorded: implied. */
    int64_t p1 = mk_proc_code(f, enc, "2024-03-02T10:00Z", "ICD-10-PCS", "0DTJ4ZZ", -1, surgeon);
    /* Inspection (J): no specimen unless recorded (p3 recorded as sent). */
    int64_t p2 = mk_proc_code(f, enc, "2024-03-02T12:00Z", "ICD10PCS", "0DJ08ZZ", -1, 0);
    int64_t p3 = mk_proc_code(f, enc, "2024-03-02T13:00Z", "ICD10PCS", "0DJ08ZZ", 1, 0);
    /* A resection recorded as no tissue sent; a CPT code; diagnostic drainage (root operation
     * 9, qualifier X) and therapeutic drainage (qualifier Z). */
    mk_proc_code(f, enc, "2024-03-02T14:00Z", "ICD10PCS", "0DTJ4ZZ", 0, 0);
    mk_proc_code(f, enc, "2024-03-02T15:00Z", "CPT", "44970", -1, 0);
    int64_t p6 = mk_proc_code(f, enc, "2024-03-02T16:00Z", "I10P", "0W9G3ZX", -1, 0);
    mk_proc_code(f, enc, "2024-03-02T17:00Z", "ICD10PCS", "0W9G30Z", -1, 0);

    analyze(f, enc, "2024-03-03T09:00Z");
    v = defs(f, enc, true, "2024-03-03T09:00Z", &n);
    assert_int_equal(count_rule(v, n, "PATH"), 3);
    assert_int_equal(count_rule(v, n, "OPNOTE"), 7);
    int64_t want[] = {p1, p3, p6};
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(want); i++) {
        folio_snprintf(subj, sizeof subj, "procedure:%lld", (long long)want[i]);
        x = by_subject(v, n, "PATH", subj);
        assert_non_null(x);
        assert_int_equal(x->procedure_id, want[i]);
        assert_non_null(strstr(x->description, "(tissue to pathology)"));
    }
    folio_snprintf(subj, sizeof subj, "procedure:%lld", (long long)p1);
    x = by_subject(v, n, "PATH", subj);
    assert_string_equal(x->due_at, "2024-03-09T10:00:00Z");
    /* p1's operative note is its operator's; where none is recorded, the attending's. */
    x = by_subject(v, n, "OPNOTE", subj);
    assert_int_equal(x->responsible_id, surgeon);
    folio_snprintf(subj, sizeof subj, "procedure:%lld", (long long)p2);
    assert_int_equal(by_subject(v, n, "OPNOTE", subj)->responsible_id, f->attending);
    assert_null(by_subject(v, n, "PATH", subj));

    /* A pathology report after the first procedure closes that one's deficiency. */
    mk_doc(f, enc, "11526-1", f->author, "2024-03-04T09:00Z", "final", NULL);
    struct folio_cmpl_result r = analyze(f, enc, "2024-03-04T10:00Z");
    assert_int_equal(r.closed, 1);
    v = defs(f, enc, true, "2024-03-04T10:00Z", &n);
    assert_int_equal(count_rule(v, n, "PATH"), 2);
    folio_snprintf(subj, sizeof subj, "procedure:%lld", (long long)p1);
    assert_null(by_subject(v, n, "PATH", subj));

    /* Recording that no tissue went from p3 closes its deficiency. */
    OK(folio_store_exec_fmt(f->store, NULL, NULL, NULL, &f->err,
                            "UPDATE procedure_event SET tissue_sent = 0 WHERE id = ?", "i", p3));
    r = analyze(f, enc, "2024-03-04T11:00Z");
    assert_int_equal(r.closed, 1);
    v = defs(f, enc, true, "2024-03-04T11:00Z", &n);
    assert_int_equal(count_rule(v, n, "PATH"), 1);
}

static void test_verbal_orders(void **state)
{
    struct fx *f = *state;
    struct folio_deficiency *v, *x;
    size_t n;
    int64_t ver = 0;
    char want[64];
    load_rules(f, "sign SIGNED except 46209-3 within 48h\nsign VERBAL type 46209-3 within 24h\n",
               1);
    int64_t enc = mk_enc(f, "inpatient", "MED", "2024-03-01T08:00Z", NULL, true);
    /* A verbal order as taken down: a preliminary, unsigned order document whose author is the
     * ordering physician. */
    int64_t vo = mk_doc(f, enc, "46209-3", f->author, "2024-03-01T09:15Z", "preliminary", &ver);
    int64_t cn = mk_doc(f, enc, "11488-4", f->author, "2024-03-01T10:00Z", "final", NULL);
    struct folio_cmpl_result r = analyze(f, enc, "2024-03-01T11:00Z");
    assert_int_equal(r.created, 2); /* VERBAL for the order; SIGNED for the consult only */
    v = defs(f, enc, true, "2024-03-01T11:00Z", &n);
    x = by_rule(v, n, "VERBAL", "open");
    assert_non_null(x);
    assert_int_equal(x->document_id, vo);
    assert_int_equal(x->responsible_id, f->author);
    assert_string_equal(x->due_at, "2024-03-02T09:15:00Z");
    folio_snprintf(want, sizeof want, "Provider orders #%lld not signed", (long long)vo);
    assert_string_equal(x->description, want);
    assert_int_equal(by_rule(v, n, "SIGNED", "open")->document_id, cn);

    /* The ordering physician authenticates it, late. */
    OK(folio_document_sign(&f->chart, ver, f->author, NULL, "author", NULL, NULL, &f->err));
    r = analyze(f, enc, "2024-03-02T12:00Z");
    assert_int_equal(r.closed, 1);
    v = defs(f, enc, false, "2024-03-02T12:00Z", &n);
    x = by_rule(v, n, "VERBAL", "closed");
    assert_non_null(x);
    assert_true(x->late);
}

static void test_resident_cosign(void **state)
{
    struct fx *f = *state;
    struct folio_deficiency *v;
    size_t n;
    bool changed = false;
    int64_t vr = 0, va = 0;
    char subj[48];
    load_rules(f, "sign RES type 11506-3 cosign residents within 72h\n", 1);
    EXPECT(FOLIO_ENOTFOUND,
           folio_completeness_set_resident(f->store, 987654, true, "admin", NULL, &f->err));
    assert_string_equal(f->err.field, "provider");
    EXPECT(FOLIO_EINVAL,
           folio_completeness_set_resident(f->store, f->author, true, NULL, NULL, &f->err));
    OK(folio_completeness_set_resident(f->store, f->author, true, "admin", &changed, &f->err));
    assert_true(changed);
    OK(folio_completeness_set_resident(f->store, f->author, true, "admin", &changed, &f->err));
    assert_false(changed);

    int64_t enc = mk_enc(f, "inpatient", "MED", "2024-03-01T08:00Z", NULL, true);
    int64_t res_note = mk_doc(f, enc, "11506-3", f->author, "2024-03-01T12:00Z", "final", &vr);
    mk_doc(f, enc, "11506-3", f->attending, "2024-03-01T13:00Z", "final", &va);
    /* Only the resident's note: its signature and an attending's co-signature. */
    struct folio_cmpl_result r = analyze(f, enc, "2024-03-01T14:00Z");
    assert_int_equal(r.created, 2);
    v = defs(f, enc, true, "2024-03-01T14:00Z", &n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(v[i].document_id, res_note);
    folio_snprintf(subj, sizeof subj, "cosign:%lld", (long long)res_note);
    assert_int_equal(by_subject(v, n, "RES", subj)->responsible_id, f->attending);

    OK(folio_document_sign(&f->chart, vr, f->author, NULL, "author", NULL, NULL, &f->err));
    OK(folio_document_sign(&f->chart, vr, f->attending, NULL, "cosigner", NULL, NULL, &f->err));
    r = analyze(f, enc, "2024-03-01T15:00Z");
    assert_int_equal(r.closed, 2);
    assert_int_equal(r.open, 0);

    /* The same rule with a plain 'cosign' asks it of every note: the attending's note is
     * unsigned and not co-signed. */
    load_rules(f, "sign RES type 11506-3 cosign within 72h\n", 2);
    r = analyze(f, enc, "2024-03-01T16:00Z");
    assert_int_equal(r.created, 2);
    OK(folio_completeness_set_resident(f->store, f->author, false, "admin", &changed, &f->err));
    assert_true(changed);
}

/* A code of the role in enc's coding abstract (made when missing); closed: replaced since. */
static void mk_abstract_code(struct fx *f, int64_t enc, const char *role, bool closed)
{
    int64_t ab = 0;
    bool found = false;
    OK(folio_store_exec_fmt(f->store, &ab, &found, NULL, &f->err,
                            "SELECT id FROM coding_abstract WHERE encounter_id = ?", "i", enc));
    if (!found)
        OK(folio_store_exec_fmt(f->store, &ab, NULL, NULL, &f->err,
                                "INSERT INTO coding_abstract (encounter_id, status, version, "
                                "created_at, created_by, updated_at, updated_by) VALUES (?, "
                                "'in_progress', 1, '2024-03-07T00:00:00Z', 'coder', "
                                "'2024-03-07T00:00:00Z', 'coder') RETURNING id",
                                "i", enc));
    OK(folio_store_exec_fmt(f->store, NULL, NULL, NULL, &f->err,
                            "INSERT INTO coding_abstract_code (abstract_id, role, seq, "
                            "code_system, code, from_version, to_version) VALUES (?, ?, ?, "
                            "'icd10cm', 'K3580', 1, ?)",
                            "itiI", ab, role, (int64_t)(closed ? 9 : 1),
                            (int64_t)(closed ? 2 : 0)));
}

static void test_principal_diagnosis(void **state)
{
    struct fx *f = *state;
    struct folio_deficiency *v, *x;
    size_t n;
    struct folio_cmpl_result r;
    load_rules(f, "field PDX principal-diagnosis class inpatient within 30d after discharge\n", 1);
    int64_t enc = mk_enc(f, "inpatient", "MED", "2024-03-01T08:00Z", NULL, true);
    assert_int_equal(analyze(f, enc, "2024-03-02T08:00Z").created, 0); /* not discharged */
    OK(folio_encounter_discharge(&f->chart, enc, "2024-03-05T10:00Z", "01", &f->err));
    r = analyze(f, enc, "2024-03-05T11:00Z");
    assert_int_equal(r.created, 1);
    v = defs(f, enc, true, "2024-03-05T11:00Z", &n);
    x = by_rule(v, n, "PDX", "open");
    assert_non_null(x);
    assert_string_equal(x->kind, "field");
    assert_string_equal(x->description, "Principal diagnosis statement missing");
    assert_string_equal(x->due_at, "2024-04-04T10:00:00Z");
    assert_int_equal(x->responsible_id, f->attending);
    /* A secondary diagnosis, or a principal one replaced since, does not count. */
    mk_abstract_code(f, enc, "secondary", false);
    mk_abstract_code(f, enc, "principal", true);
    r = analyze(f, enc, "2024-03-06T11:00Z");
    assert_int_equal(r.closed, 0);
    mk_abstract_code(f, enc, "principal", false);
    r = analyze(f, enc, "2024-03-07T11:00Z");
    assert_int_equal(r.closed, 1);
    assert_int_equal(r.open, 0);
}

/* A source diagnosis of enc (as the feed stores DG1): type NULL/prio < 0 = not given. */
static void mk_dx(struct fx *f, int64_t enc, const char *code, const char *type, int64_t prio)
{
    struct folio_condition c = {.patient_id = f->pid,
                                .encounter_id = enc,
                                .code_system = "I10",
                                .code = code,
                                .dx_type = type,
                                .dx_priority = prio < 0 ? 0 : prio,
                                .has_dx_priority = prio >= 0};
    OK(folio_condition_create(&f->chart, &c, NULL, &f->err));
}

/* The clinician's statement counts: a final (DG1-6 F) diagnosis of priority 1 (DG1-15) of this
 * encounter; admitting, working, unranked or secondary ones, and another visit's, do not. */
static void test_principal_diagnosis_statement(void **state)
{
    struct fx *f = *state;
    struct folio_cmpl_result r;
    load_rules(f, "field PDX principal-diagnosis class inpatient within 30d after discharge\n", 1);
    int64_t enc = mk_enc(f, "inpatient", "MED", "2024-03-01T08:00Z", "2024-03-05T10:00Z", true);
    int64_t other = mk_enc(f, "inpatient", "MED", "2024-02-01T08:00Z", "2024-02-03T10:00Z", true);
    mk_dx(f, other, "J18.9", "F", 1);
    mk_dx(f, enc, "R07.9", "A", 1);
    mk_dx(f, enc, "I20.0", "W", 1);
    mk_dx(f, enc, "E11.9", "F", 2);
    mk_dx(f, enc, "I10", "F", -1);
    mk_dx(f, enc, "N18.3", "f", 1); /* codes are case-sensitive: not table 0052's F */
    mk_dx(f, enc, "K21.9", NULL, 1);
    r = analyze(f, enc, "2024-03-05T11:00Z");
    assert_int_equal(r.created, 1);
    assert_int_equal(r.open, 1);
    mk_dx(f, enc, "I21.4", "F", 1);
    r = analyze(f, enc, "2024-03-06T11:00Z");
    assert_int_equal(r.closed, 1);
    assert_int_equal(r.open, 0);
    /* the other visit has its own statement: nothing missing there */
    r = analyze(f, other, "2024-03-06T11:00Z");
    assert_int_equal(r.created, 0);
    assert_int_equal(r.open, 0);
}

static void test_other_patients_mrn(void **state)
{
    struct fx *f = *state;
    struct folio_deficiency *v, *x;
    size_t n;
    char subj[48], want[96];
    struct folio_identifier mine = {.kind = "MR", .assigner = "MAIN", .value = "M000123"};
    struct folio_identifier theirs = {.kind = "MR", .assigner = "MAIN", .value = "M000777"};
    struct folio_identifier both = {.kind = "MR", .assigner = "EAST", .value = "E4242"};
    struct folio_identifier both2 = {.kind = "MR", .assigner = "WEST", .value = "E4242"};
    int64_t other = 0;
    OK(folio_patient_add_identifier(&f->chart, f->pid, &mine, NULL, &f->err));
    OK(folio_patient_add_identifier(&f->chart, f->pid, &both, NULL, &f->err));
    struct folio_patient_new p = {
        .name = {.family = "Otherton", .given = "Olga"}, .birth_date = "1970-05-05", .sex = "F"};
    OK(folio_patient_create(&f->chart, &p, &other, &f->err));
    OK(folio_patient_add_identifier(&f->chart, other, &theirs, NULL, &f->err));
    OK(folio_patient_add_identifier(&f->chart, other, &both2, NULL, &f->err));
    load_rules(f, "check OTHER-MRN other-mrn within 7d\n", 1);
    int64_t enc = mk_enc(f, "inpatient", "MED", "2024-03-01T08:00Z", NULL, true);
    /* Own MRN; an MRN this patient also has (another assigner); numbers that are no MRN. */
    mk_text_doc(f, enc, "11506-3", "text/plain",
                "Pt MRN M000123 (E4242 at East). Dose 500 mg 2024-03-01, room 4W-412, "
                "lot XM00077, M0007770.");
    int64_t bad = mk_text_doc(f, enc, "11506-3", "text/markdown",
                              "Labs reviewed: see chart MRN:M000777, K 4.1");
    int64_t cda = mk_text_doc(f, enc, "11488-4", "application/xml",
                              "<ClinicalDocument><recordTarget><patientRole><id "
                              "extension=\"M000777\" root=\"2.16.840.1.113883.19.5\"/>"
                              "</patientRole></recordTarget></ClinicalDocument>");
    /* Not text: not read. */
    mk_text_doc(f, enc, "18748-4", "application/pdf", "%PDF-1.4 M000777");

    struct folio_cmpl_result r = analyze(f, enc, "2024-03-02T12:00Z");
    assert_int_equal(r.created, 2);
    v = defs(f, enc, true, "2024-03-02T12:00Z", &n);
    folio_snprintf(subj, sizeof subj, "document:%lld", (long long)bad);
    x = by_subject(v, n, "OTHER-MRN", subj);
    assert_non_null(x);
    assert_int_equal(x->responsible_id, f->author);
    folio_snprintf(want, sizeof want, "Progress note #%lld names another patient's MRN",
                   (long long)bad);
    assert_string_equal(x->description, want);
    assert_null(strstr(x->description, "M000777"));
    folio_snprintf(subj, sizeof subj, "document:%lld", (long long)cda);
    assert_non_null(by_subject(v, n, "OTHER-MRN", subj));

    /* Corrected: the new version no longer names it. */
    static const char fixed[] = "Labs reviewed, K 4.1";
    struct folio_document_change ch = {.kind = FOLIO_DOC_CORRECT,
                                       .reason = "wrong patient's MRN",
                                       .content = fixed,
                                       .content_len = sizeof fixed - 1};
    OK(folio_document_revise(&f->chart, bad, &ch, NULL, &f->err));
    r = analyze(f, enc, "2024-03-02T13:00Z");
    assert_int_equal(r.closed, 1);
    assert_int_equal(r.open, 1);
}

/* HL7 PR1: the operator is PR1-12 of role PS (else PR), else PR1-11. */
static void test_feed_pr1_operator(void **state)
{
    struct fx *f = *state;
    struct folio_chart chart = {f->store, &f->key, NULL};
    struct folio_hl7_msg *m = NULL;
    struct folio_feed_result res;
    struct folio_stmt *st = NULL;
    bool row = false;
    int64_t ops[3] = {-1, -1, -1}, welby = 0, cutter = 0;
    size_t k = 0;
    static const char msg[] =
        "MSH|^~\\&|HIS|MAIN|FOLIO|MAIN|20240302120000||ADT^A08|P1|P|2.5.1\r"
        "EVN|A08|20240302120000\r"
        "PID|1||MRN9^^^MAIN^MR||DOE^JANE||19610412|F\r"
        "PV1|1|I|4W^412^B||||1234567893^WELBY^MARCUS^^^^MD^^^^^^NPI||||||||||||V900||||||||||||||||"
        "|||||||||20240301080000|\r"
        "PR1|1||0DTJ4ZZ^Resection of appendix^ICD10PCS||20240302100000|||||||"
        "55^GAS^ANNA^^^^MD^^^^^^AN~1245319599^CUTTER^SAM^^^^MD^^^^^^PS\r"
        "PR1|2||0DB68ZX^Excision of stomach, biopsy^ICD10PCS||20240302110000||||||"
        "1234567893^WELBY^MARCUS^^^^MD^^^^^^NPI\r"
        "PR1|3||0DJ08ZZ^Inspection^ICD10PCS||20240302113000\r";
    memset(f->key.k, 7, sizeof f->key.k);
    assert_int_equal(folio_hl7_parse(msg, strlen(msg), NULL, &m, NULL, &f->err), FOLIO_OK);
    OK(folio_feed_apply(&chart, m, NULL, &res, &f->err));
    folio_hl7_free(m);
    for (size_t i = 0; i < res.n_errors; i++)
        print_message("  ERR %s-%u %s\n", res.errors[i].loc.seg, res.errors[i].loc.field,
                      res.errors[i].text);
    assert_int_equal(res.ack, FOLIO_FEED_AA);
    assert_int_equal(res.n_errors, 0);
    assert_int_equal(res.n_procedures, 3);

    OK(folio_store_prepare_fmt(f->store, &st, &f->err,
                               "SELECT COALESCE(operator_id, 0) FROM procedure_event WHERE "
                               "encounter_id = ? ORDER BY performed_start",
                               "i", res.encounter_id));
    while (k < 3 && folio_stmt_step(st, &row, &f->err) == FOLIO_OK && row)
        ops[k++] = folio_stmt_column_i64(st, 0);
    folio_stmt_free(st);
    assert_int_equal(k, 3);
    OK(folio_provider_find_npi(&f->chart, "1234567893", &welby, &f->err));
    OK(folio_store_exec_fmt(f->store, &cutter, NULL, NULL, &f->err,
                            "SELECT id FROM provider WHERE family = 'CUTTER'", ""));
    assert_true(cutter > 0);
    assert_int_equal(ops[0], cutter); /* PR1-12 of role PS, not the anesthesiologist */
    assert_int_equal(ops[1], welby);  /* PR1-11, found by its NPI */
    assert_int_equal(ops[2], 0);      /* none */
}

static void test_bad_arguments(void **state)
{
    struct fx *f = *state;
    load_rules(f, HP_RULE, 1);
    EXPECT(FOLIO_ENOTFOUND,
           folio_completeness_analyze(f->store, 424242, "2024-03-01T00:00Z", NULL, NULL, &f->err));
    assert_string_equal(f->err.field, "encounter");
    int64_t enc = mk_enc(f, "inpatient", "MED", "2024-03-01T08:00Z", NULL, true);
    EXPECT(FOLIO_EINVAL,
           folio_completeness_analyze(f->store, enc, "2024-03-01", NULL, NULL, &f->err));
    assert_string_equal(f->err.field, "now");
    EXPECT(FOLIO_EINVAL,
           folio_completeness_analyze(f->store, enc, "yesterday", NULL, NULL, &f->err));
    /* Nothing was written by the refused calls. */
    size_t n;
    defs(f, enc, false, NULL, &n);
    assert_int_equal(n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_parse_default_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hp_missing_then_late, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hp_before_procedure_and_on_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_authentication, setup, teardown),
        cmocka_unit_test_setup_teardown(test_discharge_summary_and_op_notes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_waive_and_withdraw, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rule_edit_changes_next_analysis, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fields_and_accuracy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_daily_progress_notes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pathology_and_operator, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verbal_orders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resident_cosign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_principal_diagnosis, setup, teardown),
        cmocka_unit_test_setup_teardown(test_principal_diagnosis_statement, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_patients_mrn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_feed_pr1_operator, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

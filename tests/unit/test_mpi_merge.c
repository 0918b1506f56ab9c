/* Tests of merge and unmerge (include/folio/merge.h) on the backend under test: every dependent
 * row moves and is audited; guard rails; an unmerge restores every row of every table exactly
 * (snapshot compare); overlay detection. */
#include "folio/base.h"

#include <setjmp.h>
#include <cmocka.h>

#include "folio/audit.h"
#include "folio/crypto.h"
#include "folio/feed.h"
#include "folio/hl7v2.h"
#include "folio/merge.h"
#include "folio/records.h"
#include "testdb.h"

struct fx {
    struct folio_store *store;
    struct folio_key key;
    struct folio_chart chart;
    struct folio_arena arena;
    struct folio_err err;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(folio_crypto_init(&f->err), FOLIO_OK);
    f->store = folio_test_store_open();
    memset(f->key.k, 7, sizeof f->key.k);
    f->chart = (struct folio_chart){f->store, &f->key, "tester"};
    folio_arena_init(&f->arena, 0);
    *state = f;
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
            fail_msg("%s -> %s (want %s): %s", #call, folio_rc_name(rc_), folio_rc_name(code),   \
                     f->err.msg);                                                                  \
    } while (0)

static int64_t q1(struct fx *f, const char *sql, int64_t p)
{
    int64_t v = -1;
    bool found = false;
    OK(folio_store_query_i64(f->store, sql, &p, 1, &v, &found, &f->err));
    return found ? v : -1;
}

static struct folio_feed_result feed(struct fx *f, const char *trigger, const char *control,
                                     const char *rest)
{
    char buf[4096];
    struct folio_hl7_msg *m = NULL;
    struct folio_feed_result res;
    int n = snprintf(buf, sizeof buf,
                     /* same zone as the admit times below (PV1-44 ...-0500): the events
                      * follow the admission */
                     "MSH|^~\\&|REG|MAIN|FOLIO|MAIN|20240305090700-0500||ADT^%s|%s|P|2.5.1\r"
                     "EVN|%s|20240305090700-0500\r%s",
                     trigger, control, trigger, rest);
    assert_true(n > 0 && (size_t)n < sizeof buf);
    assert_int_equal(folio_hl7_parse(buf, (size_t)n, NULL, &m, NULL, &f->err), FOLIO_OK);
    if (folio_feed_apply(&f->chart, m, NULL, &res, &f->err) != FOLIO_OK)
        fail_msg("feed: %s", f->err.msg);
    folio_hl7_free(m);
    if (res.ack != FOLIO_FEED_AA) {
        /* name the first error (warnings may come before it) */
        const char *why = "?";
        for (size_t i = res.n_errors; i > 0; i--)
            if (res.errors[i - 1].severity == FOLIO_FEED_SEV_ERROR)
                why = res.errors[i - 1].text;
        fail_msg("feed %s answered %s: %s", trigger, folio_feed_ack_name(res.ack), why);
    }
    return res;
}

/* A logged message row for the patient (the MLLP log is not under test here). */
static void log_msg(struct fx *f, int64_t pid, const char *pid_seg)
{
    char raw[1024];
    struct folio_stmt *st = NULL;
    bool row = false;
    int n = snprintf(raw, sizeof raw,
                     "MSH|^~\\&|REG|MAIN|FOLIO|MAIN|20240305090700||ADT^A08|x%lld|P|2.5.1\r%s",
                     (long long)pid, pid_seg);
    static int seq;
    char ctl[32];
    snprintf(ctl, sizeof ctl, "c%d", ++seq);
    OK(folio_store_prepare(f->store,
                           "INSERT INTO hl7_messages (kind, received_at, control_id, msg_type, "
                           "status, ack_code, patient_id, raw_len, raw) VALUES ('received', "
                           "'2024-03-05T09:07:00.000Z', ?, 'ADT^A08', 'applied', 'AA', ?, ?, ?)",
                           &st, &f->err));
    assert_int_equal(folio_stmt_bind_text(st, 1, ctl, (size_t)-1), FOLIO_OK);
    assert_int_equal(folio_stmt_bind_i64(st, 2, pid), FOLIO_OK);
    assert_int_equal(folio_stmt_bind_i64(st, 3, n), FOLIO_OK);
    assert_int_equal(folio_stmt_bind_blob(st, 4, raw, (size_t)n), FOLIO_OK);
    OK(folio_stmt_step(st, &row, &f->err));
    folio_stmt_free(st);
}

/* Every row of every table (all columns), except the audit trail, the merge's own records and the
 * matcher's derived index. */
static char *snapshot(struct fx *f)
{
    static const char *const skip[] = {"audit_log", "audit_head", "mpi_merge", "mpi_merge_move",
                                       "mpi_person", "mpi_key", "schema_migrations"};
    struct folio_buf out, names;
    struct folio_stmt *st = NULL;
    bool row = false;
    folio_buf_init(&out, 0);
    folio_buf_init(&names, 0);
    OK(folio_store_prepare(f->store,
                           folio_test_backend_is_pg()
                               ? "SELECT table_name FROM information_schema.tables WHERE "
                                 "table_schema = current_schema() AND table_type = 'BASE TABLE' "
                                 "ORDER BY 1"
                               : "SELECT name FROM sqlite_master WHERE type = 'table' AND name "
                                 "NOT LIKE 'sqlite_%' ORDER BY 1",
                           &st, &f->err));
    while (folio_stmt_step(st, &row, &f->err) == FOLIO_OK && row)
        assert_int_equal(folio_buf_appendf(&names, "%s\n", folio_stmt_column_text(st, 0)),
                         FOLIO_OK);
    folio_stmt_free(st);
    struct folio_sv rest = {names.data, names.len}, name;
    int n_tables = 0;
    while (folio_sv_next_field(&rest, '\n', &name)) {
        char t[128], sql[256];
        bool skipped = false;
        if (name.len == 0 || name.len >= sizeof t)
            continue;
        memcpy(t, name.p, name.len);
        t[name.len] = '\0';
        for (size_t i = 0; i < FOLIO_ARRAY_LEN(skip); i++)
            skipped = skipped || !strcmp(skip[i], t);
        if (skipped)
            continue;
        n_tables++;
        snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY 1", t);
        OK(folio_store_prepare(f->store, sql, &st, &f->err));
        while (folio_stmt_step(st, &row, &f->err) == FOLIO_OK && row) {
            assert_int_equal(folio_buf_appendf(&out, "%s:", t), FOLIO_OK);
            for (int c = 0; c < folio_stmt_column_count(st); c++) {
                const char *v = folio_stmt_column_is_null(st, c) ? "<null>"
                                                                : folio_stmt_column_text(st, c);
                assert_int_equal(folio_buf_appendf(&out, "|%s", v ? v : "<?>"), FOLIO_OK);
            }
            assert_int_equal(folio_buf_append_ch(&out, '\n'), FOLIO_OK);
        }
        folio_stmt_free(st);
    }
    assert_true(n_tables > 20);
    folio_buf_release(&names);
    return folio_buf_detach(&out, NULL);
}

static void assert_same(const char *a, const char *b)
{
    if (!strcmp(a, b))
        return;
    size_t i = 0, line = 0;
    while (a[i] && a[i] == b[i])
        i++;
    while (i > 0 && a[i - 1] != '\n')
        i--;
    for (size_t k = 0; k < i; k++)
        line += a[k] == '\n';
    fail_msg("snapshot differs at line %zu:\n  before: %.200s\n  after:  %.200s", line + 1, a + i,
             b + i);
}

#define PID_A "PID|1||MRN1^^^MAIN^MR||DOE^JANE^Q||19610412|F|||1 Main St^^Springfield^IL^62701^USA^H||(217)555-0100\r"
#define PID_B "PID|1||MRN2^^^MAIN^MR~123456789^^^SSA^SS||DOE^JANIE||19610412|F|||9 Elm St^^Springfield^IL^62701^USA^H||(217)555-0199\r"
#define VISIT(acct)                                                                                \
    "PV1|1|I|4W^412^B|E|||1234567893^WELBY^MARCUS^^^^MD^^^^^^NPI||||||||||||" acct                \
    "|||||||||||||||||||||||||20240305090000-0500\r"                                              \
    "NK1|1|DOE^JOHN|SPO|1 Main St^^Springfield^IL|(217)555-0101\r"                                \
    "IN1|1|GOLD|P123|Acme Health||||G77||||20240101|20241231|||||||||||||||||||||||||||M555\r"    \
    "DG1|1||I10^Essential hypertension^I10\r"                                                     \
    "PR1|1||0DTJ4ZZ^Appendectomy^I10P|||20240305\r"

struct two {
    int64_t a, b, enc_b;
};

static struct two build_two(struct fx *f)
{
    struct two t;
    struct folio_feed_result r = feed(f, "A01", "a1", PID_A VISIT("V100"));
    t.a = r.patient_id;
    feed(f, "A02", "a2", PID_A "PV1|1|I|5E^500^A||||||||||||||||V100\r");
    r = feed(f, "A01", "b1", PID_B VISIT("V200"));
    t.b = r.patient_id;
    t.enc_b = r.encounter_id;
    feed(f, "A08", "b2", PID_B "PV1|1|I|4W^412^B||||||||MED||||||||V200\r");
    assert_true(t.a > 0 && t.b > 0 && t.a != t.b);
    /* observations, documents, another name on the retired side */
    struct folio_observation o = {.patient_id = t.b, .encounter_id = t.enc_b, .code = "2345-7",
                                  .title = "Glucose", .value_text = "95", .units = "mg/dL"};
    OK(folio_observation_create(&f->chart, &o, NULL, &f->err));
    struct folio_document_new d = {.patient_id = t.b, .encounter_id = t.enc_b,
                                   .type_code = "11506-3", .type_title = "Progress note",
                                   .content = "note", .content_len = 4};
    int64_t doc = 0;
    OK(folio_document_create(&f->chart, &d, &doc, NULL, &f->err));
    struct folio_name alias = {.use = "maiden", .family = "ROE", .given = "JANIE"};
    OK(folio_patient_add_name(&f->chart, t.b, &alias, NULL, &f->err));
    log_msg(f, t.a, PID_A);
    log_msg(f, t.b, PID_B);
    return t;
}

static void test_merge_moves_everything_and_unmerge_restores(void **state)
{
    struct fx *f = *state;
    struct two t = build_two(f);
    char *before = snapshot(f);
    int64_t mid = 0;
    OK(folio_mpi_merge(&f->chart, t.a, t.b, "same person (test)", &mid, &f->err));
    assert_true(mid > 0);
    static const char *const moved[] = {
        "SELECT COUNT(*) FROM patient_name WHERE patient_id = ?",
        "SELECT COUNT(*) FROM patient_identifier WHERE patient_id = ?",
        "SELECT COUNT(*) FROM patient_address WHERE patient_id = ?",
        "SELECT COUNT(*) FROM patient_phone WHERE patient_id = ?",
        "SELECT COUNT(*) FROM patient_contact WHERE patient_id = ?",
        "SELECT COUNT(*) FROM coverage WHERE patient_id = ?",
        "SELECT COUNT(*) FROM encounter WHERE patient_id = ?",
        "SELECT COUNT(*) FROM document WHERE patient_id = ?",
        "SELECT COUNT(*) FROM observation WHERE patient_id = ?",
        "SELECT COUNT(*) FROM condition WHERE patient_id = ?",
        "SELECT COUNT(*) FROM procedure_event WHERE patient_id = ?",
        "SELECT COUNT(*) FROM hl7_messages WHERE patient_id = ?",
    };
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(moved); i++) {
        if (q1(f, moved[i], t.b) != 0)
            fail_msg("rows left on the retired patient: %s", moved[i]);
        assert_true(q1(f, moved[i], t.a) > 0);
    }
    struct folio_patient p;
    OK(folio_patient_get(&f->chart, t.b, &f->arena, &p, &f->err));
    assert_string_equal(p.status, "merged");
    assert_int_equal(p.merged_into, t.a);
    OK(folio_patient_get(&f->chart, t.a, &f->arena, &p, &f->err));
    assert_string_equal(p.name.given, "JANE"); /* the survivor's name stays current */
    int64_t found = 0;
    OK(folio_patient_find_by_identifier(&f->chart, "MR", "MAIN", "MRN2", &found, &f->err));
    assert_int_equal(found, t.a);
    /* the retired name and home phone/address became history */
    assert_int_equal(q1(f, "SELECT COUNT(*) FROM patient_name WHERE patient_id = ? AND "
                           "valid_to IS NULL AND name_use = 'official'", t.a), 1);
    assert_int_equal(q1(f, "SELECT COUNT(*) FROM patient_phone WHERE patient_id = ? AND "
                           "is_current = 1", t.a), 1);
    /* audited for both, with both ids */
    assert_int_equal(q1(f, "SELECT COUNT(*) FROM audit_log WHERE action = 'patient.merge' AND "
                           "entity_id = ?", mid), 2);
    assert_int_equal(q1(f, "SELECT COUNT(*) FROM audit_log WHERE action = 'patient.merge' AND "
                           "patient_id = ?", t.b), 1);
    struct folio_mpi_merge_info mi;
    OK(folio_mpi_merge_get(&f->chart, mid, &f->arena, &mi, &f->err));
    assert_string_equal(mi.status, "merged");
    assert_true(mi.n_moves > 10);
    struct folio_mpi_move *mv = NULL;
    size_t n = 0;
    int64_t total = 0;
    OK(folio_mpi_merge_moves(&f->chart, mid, 0, 0, &f->arena, &mv, &n, &total, &f->err));
    assert_int_equal((int64_t)n, total);
    assert_int_equal(total, mi.n_moves);

    OK(folio_mpi_unmerge(&f->chart, mid, "wrong merge (test)", &f->err));
    char *after = snapshot(f);
    assert_same(before, after);
    free(before);
    free(after);
    assert_int_equal(q1(f, "SELECT COUNT(*) FROM audit_log WHERE action = 'patient.unmerge' AND "
                           "entity_id = ?", mid), 2);
    EXPECT(FOLIO_ESTATE, folio_mpi_unmerge(&f->chart, mid, "again", &f->err));
    struct folio_audit_verify_result vr;
    OK(folio_audit_verify(f->store, 0, NULL, &vr, &f->err));
    assert_true(vr.ok);
}

static int64_t mk(struct fx *f, const char *family, const char *given, const char *mrn)
{
    struct folio_identifier ids[] = {{.kind = "MR", .assigner = "MAIN", .value = mrn}};
    struct folio_patient_new p = {.name = {.family = family, .given = given},
                                  .birth_date = "1970-05-06", .sex = "M", .ids = ids, .n_ids = 1};
    int64_t id = 0;
    OK(folio_patient_create(&f->chart, &p, &id, &f->err));
    return id;
}

static void test_guard_rails(void **state)
{
    struct fx *f = *state;
    int64_t a = mk(f, "SMITH", "JOHN", "M1"), b = mk(f, "SMITH", "JON", "M2"),
            c = mk(f, "SMYTH", "JOHN", "M3"), mid = 0, mid2 = 0;
    EXPECT(FOLIO_EINVAL, folio_mpi_merge(&f->chart, a, a, "x", NULL, &f->err));
    EXPECT(FOLIO_EINVAL, folio_mpi_merge(&f->chart, a, b, "", NULL, &f->err));
    EXPECT(FOLIO_ENOTFOUND, folio_mpi_merge(&f->chart, a, 9999, "x", NULL, &f->err));
    OK(folio_mpi_merge(&f->chart, a, b, "dup", &mid, &f->err));
    EXPECT(FOLIO_ESTATE, folio_mpi_merge(&f->chart, b, c, "into merged", NULL, &f->err));
    EXPECT(FOLIO_ESTATE, folio_mpi_merge(&f->chart, c, b, "merged again", NULL, &f->err));
    /* a merged patient takes no new rows */
    struct folio_encounter_new e = {.patient_id = b, .facility_code = "MAIN",
                                    .enc_class = "outpatient", .admit_at = "2024-01-01T10:00Z"};
    int64_t fac = 0;
    OK(folio_facility_ensure(&f->chart, "MAIN", NULL, &fac, &f->err));
    EXPECT(FOLIO_ESTATE, folio_encounter_create(&f->chart, &e, NULL, &f->err));
    /* a row added to the survivor after the merge stays with it */
    e.patient_id = a;
    int64_t enc = 0;
    OK(folio_encounter_create(&f->chart, &e, &enc, &f->err));
    /* chain: a merged into c; the first merge cannot be undone before the second */
    OK(folio_mpi_merge(&f->chart, c, a, "chain", &mid2, &f->err));
    EXPECT(FOLIO_ESTATE, folio_mpi_unmerge(&f->chart, mid, "too early", &f->err));
    OK(folio_mpi_unmerge(&f->chart, mid2, "undo chain", &f->err));
    OK(folio_mpi_unmerge(&f->chart, mid, "undo", &f->err));
    assert_int_equal(q1(f, "SELECT patient_id FROM encounter WHERE id = ?", enc), a);
    struct folio_patient p;
    OK(folio_patient_get(&f->chart, b, &f->arena, &p, &f->err));
    assert_string_equal(p.status, "active");
    assert_int_equal(p.merged_into, 0);
    /* a logged column changed since the merge: the unmerge refuses, nothing changes */
    OK(folio_mpi_merge(&f->chart, a, b, "again", &mid, &f->err));
    int64_t mrn2 = 0;
    OK(folio_patient_find_by_identifier(&f->chart, "MR", "MAIN", "M2", &mrn2, &f->err));
    assert_int_equal(mrn2, a);
    int64_t ident = q1(f, "SELECT id FROM patient_identifier WHERE value = 'M2' AND patient_id = ?",
                       a);
    {
        struct folio_stmt *st = NULL;
        bool row = false;
        OK(folio_store_prepare(f->store, "UPDATE patient_identifier SET patient_id = ? WHERE id = ?",
                               &st, &f->err));
        assert_int_equal(folio_stmt_bind_i64(st, 1, c), FOLIO_OK);
        assert_int_equal(folio_stmt_bind_i64(st, 2, ident), FOLIO_OK);
        OK(folio_stmt_step(st, &row, &f->err));
        folio_stmt_free(st);
    }
    EXPECT(FOLIO_ECONFLICT, folio_mpi_unmerge(&f->chart, mid, "conflict", &f->err));
    OK(folio_patient_get(&f->chart, b, &f->arena, &p, &f->err));
    assert_string_equal(p.status, "merged");
}

static void test_overlays(void **state)
{
    struct fx *f = *state;
    char why[64];
    assert_false(folio_mpi_birth_dates_conflict("1961-04-12", "1961-04-21", why, sizeof why));
    assert_false(folio_mpi_birth_dates_conflict("1961-04-12", "1961-12-04", why, sizeof why));
    assert_false(folio_mpi_birth_dates_conflict("1961-04-12", "1967-04-12", why, sizeof why));
    assert_false(folio_mpi_birth_dates_conflict("1961", "1975-08-30", why, sizeof why));
    assert_true(folio_mpi_birth_dates_conflict("1961-04-12", "1975-08-30", why, sizeof why));
    assert_true(folio_mpi_sexes_conflict("M", "F"));
    assert_false(folio_mpi_sexes_conflict("M", "U"));
    int64_t a = mk(f, "OVER", "LAY", "O1"), b = mk(f, "TYPO", "ONLY", "O2");
    log_msg(f, a, "PID|1||O1^^^MAIN^MR||OVER^LAY||19700506|M\r");
    log_msg(f, a, "PID|1||O1^^^MAIN^MR||OVER^LAYLA||19881123|F\r");
    log_msg(f, b, "PID|1||O2^^^MAIN^MR||TYPO^ONLY||19700605|M\r"); /* day/month swapped */
    log_msg(f, b, "PID|1||O2^^^MAIN^MR||TYPO^ONLY||19700507|M\r"); /* one digit */
    struct folio_mpi_overlay_page pg;
    struct folio_mpi_overlay_query q = {0};
    OK(folio_mpi_overlays(&f->chart, &q, &f->arena, &pg, &f->err));
    assert_true(pg.n >= 2);
    bool bd = false, sx = false;
    for (size_t i = 0; i < pg.n; i++) {
        assert_int_equal(pg.items[i].patient_id, a);
        bd = bd || !strcmp(pg.items[i].field, "birth_date");
        sx = sx || !strcmp(pg.items[i].field, "sex");
    }
    assert_true(bd && sx);
    q.patient_id = b;
    OK(folio_mpi_overlays(&f->chart, &q, &f->arena, &pg, &f->err));
    assert_int_equal(pg.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_merge_moves_everything_and_unmerge_restores, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_guard_rails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overlays, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

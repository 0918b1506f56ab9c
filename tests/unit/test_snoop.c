/* Tests of the daily snooping alerts (folio_snoop_run, include/folio/btg.h) on the backend under
 * test: a scripted day of audit entries gives exactly the expected alerts; a rerun adds
 * nothing; the volume rule against the user's own median. The scripted entries are written
 * straight into audit_log for fixed past days (the alert run only reads them; the hash chain
 * is not what is tested here). Synthetic data only. */
#include "folio/base.h"

#include <setjmp.h>
#include <cmocka.h>

#include "folio/btg.h"
#include "folio/crypto.h"
#include "folio/privacy.h"
#include "folio/records.h"
#include "folio/store.h"
#include "folio/time.h"
#include "testdb.h"

#define PW  "test-password-123"
#define DAY "2026-01-15"

struct fx {
    struct folio_store *store;
    struct folio_chart chart;
    struct folio_arena arena;
    struct folio_err err;
    int64_t fam, addr, vip, vip_cared, plain, seq;
};

#define OK(call)                                                                                   \
    do {                                                                                           \
        enum folio_rc rc_ = (call);                                                                \
        if (rc_ != FOLIO_OK)                                                                       \
            fail_msg("%s -> %s: %s [%s]", #call, folio_rc_name(rc_), f->err.msg, f->err.field);    \
    } while (0)

static int64_t mk_patient(struct fx *f, const char *family, const char *given, const char *line1,
                          const char *postal)
{
    struct folio_address a = {
        .line1 = line1, .city = "Omaha", .state = "NE", .postal_code = postal};
    struct folio_patient_new p = {.name = {.family = family, .given = given},
                                  .birth_date = "1960-05-05",
                                  .sex = "U",
                                  .addresses = &a,
                                  .n_addresses = line1 ? 1 : 0};
    int64_t id = 0;
    OK(folio_patient_create(&f->chart, &p, &id, &f->err));
    return id;
}

/* One audit entry at "<day>T<hms>.000Z". */
static void ev(struct fx *f, const char *day, const char *hms, const char *user, const char *action,
               const char *outcome, int64_t pid)
{
    char at[40];
    folio_snprintf(at, sizeof at, "%sT%s.000Z", day, hms);
    OK(folio_store_exec_fmt(f->store, NULL, NULL, NULL, &f->err,
                            "INSERT INTO audit_log (seq, at, action, outcome, username, roles, "
                            "patient_id, entity_type, entity_id, detail, client, prev_hash, hash) "
                            "VALUES (?,?,?,?,?,'clinician',?,'patient',?,NULL,'test','x','x')",
                            "iTTTTIi", ++f->seq, at, action, outcome, user, pid, pid));
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct folio_err err = {0};
    assert_non_null(f);
    assert_int_equal(folio_crypto_init(&err), FOLIO_OK);
    f->store = folio_test_store_open();
    f->chart = (struct folio_chart){f->store, NULL, "tester"};
    folio_arena_init(&f->arena, 0);
    f->seq = 1000000;
    *state = f;
    f->fam = mk_patient(f, "O'Kafor", "Ada", "1 Elm Road", "68001");
    f->addr = mk_patient(f, "Unrelated", "Bea", "12 Leavenworth St.", "68105-1234");
    f->vip = mk_patient(f, "Famous", "Cy", "9 Star Avenue", "90210");
    f->vip_cared = mk_patient(f, "Famous", "Di", "9 Star Avenue", "90211");
    f->plain = mk_patient(f, "Plain", "Ed", "5 Oak Lane", "68002");
    OK(folio_btg_restriction_set(f->store, "po", f->vip, false, true, "celebrity", &f->err));
    OK(folio_btg_restriction_set(f->store, "po", f->vip_cared, true, true, "celebrity", &f->err));
    OK(folio_user_add(f->store, "t", "alice", NULL, FOLIO_ROLE_CLINICIAN, PW, NULL, &f->err));
    OK(folio_user_add(f->store, "t", "bob", NULL, FOLIO_ROLE_CLINICIAN, PW, NULL, &f->err));
    OK(folio_user_add(f->store, "t", "carol", NULL, FOLIO_ROLE_HIM_TECHNICIAN, PW, NULL, &f->err));
    OK(folio_user_add(f->store, "t", "dave", NULL, FOLIO_ROLE_HIM_TECHNICIAN, PW, NULL, &f->err));
    OK(folio_btg_user_set_home(f->store, "t", "alice", "Okafor", "68105", "12 Leavenworth Street",
                               &f->err));
    /* bob's care grant covers the whole day */
    OK(folio_btg_care_grant(f->store, "po", "bob", f->vip_cared, NULL, "2026-01-01", "2026-02-01",
                            NULL, NULL, &f->err));
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

static void script_day(struct fx *f)
{
    /* alice: her own family name (twice), her own address, a VIP chart, a plain chart */
    ev(f, DAY, "08:00:00", "alice", "patient.view", "success", f->fam);
    ev(f, DAY, "08:05:00", "alice", "document.view", "success", f->fam);
    ev(f, DAY, "09:00:00", "alice", "patient.view", "success", f->addr);
    ev(f, DAY, "10:00:00", "alice", "patient.view", "success", f->vip);
    ev(f, DAY, "11:00:00", "alice", "patient.view", "success", f->plain);
    /* refused and privacy actions do not count */
    ev(f, DAY, "11:30:00", "alice", "access.denied", "denied", f->vip_cared);
    ev(f, DAY, "11:31:00", "alice", "privacy.break_glass", "success", f->vip_cared);
    /* bob: no workforce data; a VIP chart he cares for, one he does not */
    ev(f, DAY, "12:00:00", "bob", "patient.view", "success", f->fam);
    ev(f, DAY, "12:10:00", "bob", "patient.view", "success", f->vip_cared);
    ev(f, DAY, "12:20:00", "bob", "encounter.view", "success", f->vip);
    /* the day before and after do not count */
    ev(f, "2026-01-14", "23:59:59", "bob", "patient.view", "success", f->vip);
    ev(f, "2026-01-16", "00:00:00", "alice", "patient.view", "success", f->fam);
    /* an entry of a user this database does not have */
    ev(f, DAY, "13:00:00", "ghost", "patient.view", "success", f->vip);
}

static int64_t count_items(struct fx *f, const char *kind, const char *user, int64_t pid)
{
    int64_t n = 0;
    OK(folio_store_exec_fmt(f->store, &n, NULL, NULL, &f->err,
                            "SELECT COUNT(*) FROM privacy_review WHERE kind = ? AND username = ? "
                            "AND (? = 0 OR patient_id = ?) AND day = ?",
                            "TTiiT", kind, user, pid, pid, DAY));
    return n;
}

static void test_scripted_day(void **state)
{
    struct fx *f = *state;
    struct folio_snoop_result r;
    struct folio_btg_review *items = NULL;
    struct folio_btg_review_query q = {.status = "open", .day = DAY};
    int64_t total = 0;
    size_t n = 0;

    script_day(f);
    OK(folio_snoop_run(&f->chart, DAY, NULL, &r, &f->err));
    assert_int_equal(r.found[FOLIO_BTG_KIND_SAME_FAMILY], 1);
    assert_int_equal(r.found[FOLIO_BTG_KIND_SAME_ADDRESS], 1);
    assert_int_equal(r.found[FOLIO_BTG_KIND_VIP], 2);
    assert_int_equal(r.found[FOLIO_BTG_KIND_VOLUME], 0);
    assert_int_equal(r.found[FOLIO_BTG_KIND_BREAK_GLASS], 0);
    for (int k = 0; k < FOLIO_BTG_KIND__COUNT; k++)
        assert_int_equal(r.added[k], r.found[k]);
    assert_int_equal(count_items(f, "same_family_name", "alice", f->fam), 1);
    assert_int_equal(count_items(f, "same_address", "alice", f->addr), 1);
    assert_int_equal(count_items(f, "vip_access", "alice", f->vip), 1);
    assert_int_equal(count_items(f, "vip_access", "bob", f->vip), 1);
    assert_int_equal(count_items(f, "vip_access", "bob", f->vip_cared), 0);
    assert_int_equal(count_items(f, "same_family_name", "bob", 0), 0);

    OK(folio_btg_review_list(f->store, &q, &f->arena, &items, &n, &total, &f->err));
    assert_int_equal(n, 4);
    for (size_t i = 0; i < n; i++) {
        /* the detail says what matched, never the name or the address */
        assert_null(strstr(items[i].detail, "Okafor"));
        assert_null(strstr(items[i].detail, "Leavenworth"));
        assert_null(strstr(items[i].detail, "68105"));
        if (strcmp(items[i].kind, "same_family_name") == 0) {
            assert_non_null(strstr(items[i].detail, "2 accesses, first at 08:00:00Z"));
            assert_string_equal(items[i].at, DAY "T08:00:00.000Z");
        }
    }

    /* a rerun of the same day adds nothing */
    OK(folio_snoop_run(&f->chart, DAY, NULL, &r, &f->err));
    assert_int_equal(r.found[FOLIO_BTG_KIND_SAME_FAMILY], 1);
    assert_int_equal(r.found[FOLIO_BTG_KIND_VIP], 2);
    for (int k = 0; k < FOLIO_BTG_KIND__COUNT; k++)
        assert_int_equal(r.added[k], 0);
    q.status = NULL;
    OK(folio_btg_review_list(f->store, &q, &f->arena, &items, &n, &total, &f->err));
    assert_int_equal(total, 4);
    /* ... even after the items were reviewed */
    OK(folio_btg_review_close(f->store, "po", items[0].id, "appropriate", NULL, &f->err));
    OK(folio_snoop_run(&f->chart, DAY, NULL, &r, &f->err));
    for (int k = 0; k < FOLIO_BTG_KIND__COUNT; k++)
        assert_int_equal(r.added[k], 0);

    /* the next day has only alice's family-name access */
    OK(folio_snoop_run(&f->chart, "2026-01-16", NULL, &r, &f->err));
    assert_int_equal(r.added[FOLIO_BTG_KIND_SAME_FAMILY], 1);
    assert_int_equal(r.added[FOLIO_BTG_KIND_VIP], 0);
    /* a day with nothing, bad days */
    OK(folio_snoop_run(&f->chart, "2025-06-01", NULL, &r, &f->err));
    assert_int_equal(r.accesses, 0);
    folio_err_clear(&f->err);
    assert_int_equal(folio_snoop_run(&f->chart, "2026-02-30", NULL, &r, &f->err), FOLIO_EINVAL);
    assert_string_equal(f->err.field, "day");
    assert_int_equal(folio_snoop_run(&f->chart, "9999-01-01", NULL, &r, &f->err), FOLIO_EINVAL);
    assert_string_equal(f->err.field, "day");
    assert_int_equal(folio_snoop_run(&f->chart, "2026-01-15T10:00", NULL, &r, &f->err),
                     FOLIO_EINVAL);
}

/* n distinct (fake) patients opened by user on day. */
static void many(struct fx *f, const char *day, const char *user, int n)
{
    for (int i = 0; i < n; i++) {
        char hms[16];
        folio_snprintf(hms, sizeof hms, "%02d:%02d:00", 8 + i / 60, i % 60);
        ev(f, day, hms, user, "patient.view", "success", 500000 + i);
    }
}

static void test_volume(void **state)
{
    struct fx *f = *state;
    struct folio_snoop_result r;
    struct folio_snoop_params p;
    char day[11];
    int64_t base = folio_days_from_civil(2026, 1, 15);

    /* carol usually opens 10 charts a day on 20 of the previous 30 days (median 10); dave 40
     * every day (median 40) */
    for (int d = 1; d <= 30; d++) {
        folio_date_format_days(base - d, day);
        if (d <= 20)
            many(f, day, "carol", 10);
        many(f, day, "dave", 40);
    }
    /* the day: carol 60 (> max(50, 3 x 10)), dave 60 (< 3 x 40), alice 45 (under the floor) */
    many(f, DAY, "carol", 60);
    many(f, DAY, "dave", 60);
    many(f, DAY, "alice", 45);
    OK(folio_snoop_run(&f->chart, DAY, NULL, &r, &f->err));
    assert_int_equal(r.found[FOLIO_BTG_KIND_VOLUME], 1);
    assert_int_equal(count_items(f, "volume", "carol", 0), 1);
    assert_int_equal(count_items(f, "volume", "dave", 0), 0);
    assert_int_equal(count_items(f, "volume", "alice", 0), 0);
    {
        struct folio_btg_review *items = NULL;
        struct folio_btg_review_query q = {.kind = "volume"};
        int64_t total = 0;
        size_t n = 0;
        OK(folio_btg_review_list(f->store, &q, &f->arena, &items, &n, &total, &f->err));
        assert_int_equal(n, 1);
        assert_int_equal(items[0].patient_id, 0);
        assert_non_null(strstr(items[0].detail, "60 distinct patients"));
        assert_non_null(strstr(items[0].detail, "median 10.0"));
    }
    OK(folio_snoop_run(&f->chart, DAY, NULL, &r, &f->err));
    assert_int_equal(r.added[FOLIO_BTG_KIND_VOLUME], 0);
    /* with a lower factor dave's day is unusual too (threshold max(50, 1.2 x 40) = 50) */
    folio_snoop_params_defaults(&p);
    p.volume_factor = 1.2;
    OK(folio_snoop_run(&f->chart, DAY, &p, &r, &f->err));
    assert_int_equal(r.found[FOLIO_BTG_KIND_VOLUME], 2);
    assert_int_equal(r.added[FOLIO_BTG_KIND_VOLUME], 1);
    /* parameters out of range */
    p.baseline_days = 0;
    folio_err_clear(&f->err);
    assert_int_equal(folio_snoop_run(&f->chart, DAY, &p, &r, &f->err), FOLIO_EINVAL);
}

static void test_normalise(void **state)
{
    char out[64];
    (void)state;
    folio_snoop_norm_street("12 Leavenworth St.", out, sizeof out);
    assert_string_equal(out, "12 leavenworth st");
    folio_snoop_norm_street("  12  LEAVENWORTH   street, Apt 4 ", out, sizeof out);
    assert_string_equal(out, "12 leavenworth st apt 4");
    folio_snoop_norm_street(NULL, out, sizeof out);
    assert_string_equal(out, "");
    folio_snoop_norm_street("1234 Very Long Boulevard North", out, 12);
    assert_string_equal(out, "1234 very");
    folio_snoop_norm_postal("68105-1234", out, sizeof out);
    assert_string_equal(out, "68105");
    folio_snoop_norm_postal("SW1A 1AA", out, sizeof out);
    assert_string_equal(out, "sw1a1aa");
    folio_snoop_norm_postal("", out, sizeof out);
    assert_string_equal(out, "");
}

/* Review fixes: usernames with '.', '_' and '-' are all found (the users are searched in byte
 * order whatever the database's collation, 2.2); compound family names match on each part
 * (2.3); a restricted VIP chart opened after breaking the glass raises no vip_access item on top
 * of the break_the_glass one (2.5); a care grant ended after the day still covered it (2.1). */
static void test_review_fixes(void **state)
{
    struct fx *f = *state;
    struct folio_snoop_result r;
    static const char *const names[] = {"a.lee", "a_lee", "a-lee", "alee", "a.lee2", "b-z"};
    int64_t gl = 0, lopez = 0, frank = 0, erin = 0, cid = 0, t10 = 0;
    struct folio_time t;
    char hms[16];

    gl = mk_patient(f, "Garcia-Lopez", "Gil", NULL, NULL);
    lopez = mk_patient(f, "de la Lopez", "Lu", NULL, NULL);
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(names); i++) {
        OK(folio_user_add(f->store, "t", names[i], NULL, FOLIO_ROLE_CLINICIAN, PW, NULL, &f->err));
        OK(folio_btg_user_set_home(f->store, "t", names[i], "Plain", NULL, NULL, &f->err));
        folio_snprintf(hms, sizeof hms, "14:%02zu:00", i);
        ev(f, DAY, hms, names[i], "patient.view", "success", f->plain);
    }
    OK(folio_user_add(f->store, "t", "g.one", NULL, FOLIO_ROLE_CLINICIAN, PW, NULL, &f->err));
    OK(folio_btg_user_set_home(f->store, "t", "g.one", "Garcia", NULL, NULL, &f->err));
    ev(f, DAY, "15:00:00", "g.one", "patient.view", "success", gl);
    OK(folio_user_add(f->store, "t", "l.two", NULL, FOLIO_ROLE_CLINICIAN, PW, NULL, &f->err));
    OK(folio_btg_user_set_home(f->store, "t", "l.two", "Lopez-Smith", NULL, NULL, &f->err));
    ev(f, DAY, "15:10:00", "l.two", "patient.view", "success", lopez);
    ev(f, DAY, "15:11:00", "l.two", "patient.view", "success", gl);

    /* erin breaks the glass on the restricted VIP chart at 10:00, then opens it */
    OK(folio_user_add(f->store, "t", "erin", NULL, FOLIO_ROLE_CLINICIAN, PW, &erin, &f->err));
    OK(folio_time_parse_iso(folio_sv_from(DAY "T10:00:00Z"), &t, "at", &f->err));
    assert_true(folio_time_epoch(&t, &t10));
    OK(folio_btg_break(f->store, erin, 0, FOLIO_ROLE_CLINICIAN, f->vip_cared,
                       "emergency department cover", t10, NULL, "t", NULL, NULL, NULL, &f->err));
    ev(f, DAY, "10:30:00", "erin", "patient.view", "success", f->vip_cared);
    /* frank was on the VIP's care team from January 1st; the grant was ended today */
    OK(folio_user_add(f->store, "t", "frank", NULL, FOLIO_ROLE_CLINICIAN, PW, &frank, &f->err));
    OK(folio_btg_care_grant(f->store, "po", "frank", f->vip, NULL, "2026-01-01", "2026-03-01", NULL,
                            &cid, &f->err));
    OK(folio_btg_care_end(f->store, "po", cid, &f->err));
    ev(f, DAY, "16:00:00", "frank", "patient.view", "success", f->vip);

    OK(folio_snoop_run(&f->chart, DAY, NULL, &r, &f->err));
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(names); i++)
        if (count_items(f, "same_family_name", names[i], f->plain) != 1)
            fail_msg("no same_family_name item for %s", names[i]);
    assert_int_equal(count_items(f, "same_family_name", "g.one", gl), 1);
    assert_int_equal(count_items(f, "same_family_name", "l.two", lopez), 1);
    assert_int_equal(count_items(f, "same_family_name", "l.two", gl), 1);
    assert_int_equal(count_items(f, "vip_access", "erin", 0), 0);
    assert_int_equal(count_items(f, "break_the_glass", "erin", f->vip_cared), 1);
    assert_int_equal(count_items(f, "vip_access", "frank", 0), 0);
    assert_int_equal(r.found[FOLIO_BTG_KIND_SAME_FAMILY], (int64_t)FOLIO_ARRAY_LEN(names) + 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalise),
        cmocka_unit_test_setup_teardown(test_scripted_day, setup, teardown),
        cmocka_unit_test_setup_teardown(test_volume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_review_fixes, setup, teardown),
    };
    setenv("FOLIO_PWHASH_FAST", "1", 1);
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Tests of restricted/VIP charts, care relationships, break-the-glass and the review queue
 * (include/folio/btg.h) on the backend under test: the access check, grants and their expiry,
 * care relationships via the user's provider (with its window) and via an explicit grant,
 * reviews, and the restriction history. Synthetic data only. */
#include "folio/base.h"

#include <setjmp.h>
#include <time.h>
#include <cmocka.h>

#include "folio/btg.h"
#include "folio/crypto.h"
#include "folio/merge.h"
#include "folio/privacy.h"
#include "folio/records.h"
#include "folio/store.h"
#include "folio/time.h"
#include "testdb.h"

#define PW "test-password-123"

struct fx {
    struct folio_store *store;
    struct folio_chart chart;
    struct folio_arena arena;
    struct folio_err err;
    int64_t pid, pid2, clin, doc, po, dr;
    int n_acct;
};

#define OK(call)                                                                                   \
    do {                                                                                           \
        enum folio_rc rc_ = (call);                                                                \
        if (rc_ != FOLIO_OK)                                                                       \
            fail_msg("%s -> %s: %s [%s]", #call, folio_rc_name(rc_), f->err.msg, f->err.field);    \
    } while (0)

#define EXPECT(code, fld, call)                                                                    \
    do {                                                                                           \
        folio_err_clear(&f->err);                                                                  \
        enum folio_rc rc_ = (call);                                                                \
        if (rc_ != (code))                                                                         \
            fail_msg("%s -> %s (want %s): %s", #call, folio_rc_name(rc_), folio_rc_name(code),     \
                     f->err.msg);                                                                  \
        if ((fld) != NULL)                                                                         \
            assert_string_equal(f->err.field, (const char *)(fld));                                \
    } while (0)

static int64_t now_s(void)
{
    return (int64_t)time(NULL);
}

/* An encounter of pid discharged days_ago days ago (negative: still open), attended by dr. */
static void mk_enc(struct fx *f, int64_t pid, int days_ago, int64_t dr)
{
    char acct[16], admit[32], disch[32];
    int64_t id = 0;

    folio_snprintf(acct, sizeof acct, "B%04d", ++f->n_acct);
    folio_time_format_epoch(now_s() - (int64_t)(days_ago < 0 ? 1 : days_ago + 2) * 86400, admit);
    folio_time_format_epoch(now_s() - (int64_t)(days_ago < 0 ? 0 : days_ago) * 86400, disch);
    struct folio_encounter_new e = {.patient_id = pid,
                                    .facility_code = "MAIN",
                                    .account_number = acct,
                                    .enc_class = "inpatient",
                                    .admit_at = admit,
                                    .discharge_at = days_ago < 0 ? NULL : disch};
    OK(folio_encounter_create(&f->chart, &e, &id, &f->err));
    OK(folio_encounter_add_provider(&f->chart, id, dr, "attending", admit, NULL, &f->err));
}

static int64_t mk_user(struct fx *f, const char *name, uint32_t roles)
{
    int64_t id = 0;
    OK(folio_user_add(f->store, "tester", name, NULL, roles, PW, &id, &f->err));
    return id;
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
    *state = f;
    struct folio_patient_new p = {
        .name = {.family = "Restricted", .given = "Rae"}, .birth_date = "1970-01-01", .sex = "F"};
    OK(folio_patient_create(&f->chart, &p, &f->pid, &f->err));
    struct folio_patient_new p2 = {
        .name = {.family = "Open", .given = "Otto"}, .birth_date = "1971-01-01", .sex = "M"};
    OK(folio_patient_create(&f->chart, &p2, &f->pid2, &f->err));
    OK(folio_facility_ensure(&f->chart, "MAIN", "Main", NULL, &f->err));
    struct folio_provider dr = {.family = "Doctor", .given = "Dana", .credentials = "MD"};
    OK(folio_provider_create(&f->chart, &dr, &f->dr, &f->err));
    f->clin = mk_user(f, "clin", FOLIO_ROLE_CLINICIAN);
    f->doc = mk_user(f, "doc", FOLIO_ROLE_CLINICIAN);
    f->po = mk_user(f, "po", FOLIO_ROLE_PRIVACY_OFFICER);
    OK(folio_user_set_provider(f->store, "tester", "doc", f->dr, &f->err));
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

static enum folio_btg_access access_of(struct fx *f, int64_t user, uint32_t roles, int64_t pid,
                                       int64_t now, const char **why)
{
    struct folio_btg_decision d;
    OK(folio_btg_check(f->store, user, 0, roles, pid, now, &d, &f->err));
    if (why)
        *why = d.why;
    return d.access;
}

static void test_restrictions(void **state)
{
    struct fx *f = *state;
    struct folio_btg_restriction r;
    struct folio_btg_restriction_event *ev = NULL;
    size_t n = 0;

    OK(folio_btg_restriction_get(f->store, f->pid, &f->arena, &r, &f->err));
    assert_false(r.restricted);
    assert_false(r.vip);
    assert_null(r.updated_at);
    EXPECT(FOLIO_EINVAL, "reason",
           folio_btg_restriction_set(f->store, "po", f->pid, true, false, "  ", &f->err));
    EXPECT(FOLIO_ENOTFOUND, "patient_id",
           folio_btg_restriction_set(f->store, "po", 99999, true, false, "why", &f->err));
    OK(folio_btg_restriction_set(f->store, "po", f->pid, true, false, "staff member", &f->err));
    EXPECT(FOLIO_ESTATE, "restricted",
           folio_btg_restriction_set(f->store, "po", f->pid, true, false, "again", &f->err));
    OK(folio_btg_restriction_set(f->store, "po2", f->pid, true, true, "press interest", &f->err));
    OK(folio_btg_restriction_get(f->store, f->pid, &f->arena, &r, &f->err));
    assert_true(r.restricted);
    assert_true(r.vip);
    assert_string_equal(r.updated_by, "po2");
    OK(folio_btg_restriction_history(f->store, f->pid, &f->arena, &ev, &n, &f->err));
    assert_int_equal(n, 2);
    assert_string_equal(ev[0].reason, "press interest");
    assert_true(ev[0].vip);
    assert_string_equal(ev[1].reason, "staff member");
    assert_false(ev[1].vip);
    assert_string_equal(ev[1].by, "po");
    /* lifting keeps the history */
    OK(folio_btg_restriction_set(f->store, "po", f->pid, false, false, "lifted", &f->err));
    OK(folio_btg_restriction_history(f->store, f->pid, &f->arena, &ev, &n, &f->err));
    assert_int_equal(n, 3);
    assert_int_equal(access_of(f, f->clin, FOLIO_ROLE_CLINICIAN, f->pid, 0, NULL),
                     FOLIO_BTG_ALLOWED);
}

static void test_check_grant_expiry(void **state)
{
    struct fx *f = *state;
    struct folio_btg_review *items = NULL;
    const char *why = NULL;
    int64_t gid = 0, rid = 0, total = 0, t0 = now_s();
    size_t n = 0;
    char exp[32], want[32];
    struct folio_btg_review_query q = {0};

    /* an unrestricted chart: everyone passes, and there is no glass to break */
    assert_int_equal(access_of(f, f->clin, FOLIO_ROLE_CLINICIAN, f->pid2, 0, &why),
                     FOLIO_BTG_ALLOWED);
    assert_string_equal(why, "not_restricted");
    EXPECT(FOLIO_ESTATE, "id",
           folio_btg_break(f->store, f->clin, 0, FOLIO_ROLE_CLINICIAN, f->pid2,
                           "need it for the handover", 0, NULL, "t", NULL, NULL, NULL, &f->err));

    OK(folio_btg_restriction_set(f->store, "po", f->pid, true, false, "staff", &f->err));
    assert_int_equal(access_of(f, f->clin, FOLIO_ROLE_CLINICIAN, f->pid, 0, &why),
                     FOLIO_BTG_NEEDS_GLASS);
    assert_string_equal(why, "no_relationship");
    assert_int_equal(access_of(f, f->po, FOLIO_ROLE_PRIVACY_OFFICER, f->pid, 0, &why),
                     FOLIO_BTG_ALLOWED);
    assert_string_equal(why, "privacy_officer");
    /* the privacy officer needs no glass */
    EXPECT(FOLIO_ESTATE, "id",
           folio_btg_break(f->store, f->po, 0, FOLIO_ROLE_PRIVACY_OFFICER, f->pid,
                           "just checking things", 0, NULL, "t", NULL, NULL, NULL, &f->err));
    /* the reason: required, at least 10 characters */
    EXPECT(FOLIO_EINVAL, "reason",
           folio_btg_break(f->store, f->clin, 0, FOLIO_ROLE_CLINICIAN, f->pid, "", 0, NULL, "t",
                           NULL, NULL, NULL, &f->err));
    EXPECT(FOLIO_EINVAL, "reason",
           folio_btg_break(f->store, f->clin, 0, FOLIO_ROLE_CLINICIAN, f->pid, "  short  ", 0, NULL,
                           "t", NULL, NULL, NULL, &f->err));
    EXPECT(FOLIO_ENOTFOUND, "patient_id",
           folio_btg_break(f->store, f->clin, 0, FOLIO_ROLE_CLINICIAN, 99999,
                           "emergency department cover", 0, NULL, "t", NULL, NULL, NULL, &f->err));
    OK(folio_btg_break(f->store, f->clin, 0, FOLIO_ROLE_CLINICIAN, f->pid,
                       "  emergency department cover  ", t0, NULL, "10.0.0.1", &gid, &rid, exp,
                       &f->err));
    assert_true(gid > 0);
    assert_true(rid > 0);
    folio_time_format_epoch(t0 + FOLIO_BTG_GRANT_SECONDS, want);
    assert_string_equal(exp, want);
    assert_int_equal(access_of(f, f->clin, FOLIO_ROLE_CLINICIAN, f->pid, t0 + 60, &why),
                     FOLIO_BTG_ALLOWED);
    assert_string_equal(why, "grant");
    /* a second break while the grant lives is refused; after expiry the glass is back */
    EXPECT(FOLIO_ESTATE, "id",
           folio_btg_break(f->store, f->clin, 0, FOLIO_ROLE_CLINICIAN, f->pid,
                           "emergency department cover", t0 + 60, NULL, "t", NULL, NULL, NULL,
                           &f->err));
    assert_int_equal(
        access_of(f, f->clin, FOLIO_ROLE_CLINICIAN, f->pid, t0 + FOLIO_BTG_GRANT_SECONDS + 1, NULL),
        FOLIO_BTG_NEEDS_GLASS);
    /* another user is not covered by the clinician's grant */
    assert_int_equal(access_of(f, f->doc, FOLIO_ROLE_CLINICIAN, f->pid, t0 + 60, NULL),
                     FOLIO_BTG_NEEDS_GLASS);
    /* a session ending sooner ends the grant sooner */
    folio_time_format_epoch(t0 + 3600, want);
    OK(folio_btg_break(f->store, f->doc, 0, FOLIO_ROLE_CLINICIAN, f->pid,
                       "consult requested by the ward", t0, want, "t", NULL, NULL, exp, &f->err));
    assert_string_equal(exp, want);
    assert_int_equal(access_of(f, f->doc, FOLIO_ROLE_CLINICIAN, f->pid, t0 + 3601, NULL),
                     FOLIO_BTG_NEEDS_GLASS);

    /* the review queue has both, newest first, with the trimmed reason */
    q.status = "open";
    OK(folio_btg_review_list(f->store, &q, &f->arena, &items, &n, &total, &f->err));
    assert_int_equal(n, 2);
    assert_int_equal(total, 2);
    assert_string_equal(items[1].kind, "break_the_glass");
    assert_string_equal(items[1].username, "clin");
    assert_int_equal(items[1].patient_id, f->pid);
    assert_int_equal(items[1].grant_id, gid);
    assert_string_equal(items[1].detail, "emergency department cover");
    assert_string_equal(items[1].status, "open");
    assert_string_equal(items[0].username, "doc");
}

static void test_care_relationships(void **state)
{
    struct fx *f = *state;
    struct folio_btg_care *care = NULL;
    const char *why = NULL;
    int64_t cid = 0, t0 = now_s();
    size_t n = 0;
    char later[32];

    OK(folio_btg_restriction_set(f->store, "po", f->pid, true, false, "staff", &f->err));
    /* via the provider the user is: an encounter discharged long ago does not count ... */
    mk_enc(f, f->pid, FOLIO_BTG_PROVIDER_WINDOW_DAYS + 30, f->dr);
    assert_int_equal(access_of(f, f->doc, FOLIO_ROLE_CLINICIAN, f->pid, 0, NULL),
                     FOLIO_BTG_NEEDS_GLASS);
    /* ... one discharged within the window does */
    mk_enc(f, f->pid, 10, f->dr);
    assert_int_equal(access_of(f, f->doc, FOLIO_ROLE_CLINICIAN, f->pid, 0, &why),
                     FOLIO_BTG_ALLOWED);
    assert_string_equal(why, "provider");
    /* and it ends with the window */
    assert_int_equal(access_of(f, f->doc, FOLIO_ROLE_CLINICIAN, f->pid,
                               t0 + (int64_t)(FOLIO_BTG_PROVIDER_WINDOW_DAYS - 5) * 86400, NULL),
                     FOLIO_BTG_NEEDS_GLASS);
    /* the clinician has no provider: nothing implied */
    assert_int_equal(access_of(f, f->clin, FOLIO_ROLE_CLINICIAN, f->pid, 0, NULL),
                     FOLIO_BTG_NEEDS_GLASS);

    /* an explicit grant, with its period */
    EXPECT(FOLIO_ENOTFOUND, "username",
           folio_btg_care_grant(f->store, "po", "nobody", f->pid, NULL, NULL, NULL, NULL, NULL,
                                &f->err));
    EXPECT(FOLIO_EINVAL, "to_at",
           folio_btg_care_grant(f->store, "po", "clin", f->pid, NULL, "2026-01-02", "2026-01-01",
                                NULL, NULL, &f->err));
    EXPECT(FOLIO_EINVAL, "from_at",
           folio_btg_care_grant(f->store, "po", "clin", f->pid, NULL, "2026-13-02", NULL, NULL,
                                NULL, &f->err));
    folio_time_format_epoch(t0 + 86400, later);
    OK(folio_btg_care_grant(f->store, "po", "CLIN", f->pid, "covering attending", NULL, later,
                            "weekend cover", &cid, &f->err));
    assert_int_equal(access_of(f, f->clin, FOLIO_ROLE_CLINICIAN, f->pid, t0 + 60, &why),
                     FOLIO_BTG_ALLOWED);
    assert_string_equal(why, "care_team");
    assert_int_equal(access_of(f, f->clin, FOLIO_ROLE_CLINICIAN, f->pid, t0 + 2 * 86400, NULL),
                     FOLIO_BTG_NEEDS_GLASS);
    OK(folio_btg_care_list(f->store, f->pid, &f->arena, &care, &n, &f->err));
    assert_int_equal(n, 1);
    assert_string_equal(care[0].username, "clin");
    assert_string_equal(care[0].role, "covering attending");
    assert_null(care[0].ended_at);
    OK(folio_btg_care_end(f->store, "po", cid, &f->err));
    EXPECT(FOLIO_ESTATE, "id", folio_btg_care_end(f->store, "po", cid, &f->err));
    EXPECT(FOLIO_ENOTFOUND, "id", folio_btg_care_end(f->store, "po", 9999, &f->err));
    assert_int_equal(access_of(f, f->clin, FOLIO_ROLE_CLINICIAN, f->pid, t0 + 60, NULL),
                     FOLIO_BTG_NEEDS_GLASS);
    OK(folio_btg_care_list(f->store, f->pid, &f->arena, &care, &n, &f->err));
    assert_int_equal(n, 1);
    assert_string_equal(care[0].ended_by, "po");
    /* an open encounter of the user's provider counts too */
    mk_enc(f, f->pid2, -1, f->dr);
    OK(folio_btg_restriction_set(f->store, "po", f->pid2, true, false, "staff", &f->err));
    assert_int_equal(access_of(f, f->doc, FOLIO_ROLE_CLINICIAN, f->pid2, 0, &why),
                     FOLIO_BTG_ALLOWED);
    assert_string_equal(why, "provider");
    /* a cancelled encounter does not count */
    {
        struct folio_patient_new p3 = {
            .name = {.family = "Third", .given = "Tia"}, .birth_date = "1980-01-01", .sex = "F"};
        int64_t pid3 = 0, eid = 0;
        char admit[32];
        OK(folio_patient_create(&f->chart, &p3, &pid3, &f->err));
        folio_time_format_epoch(t0 - 86400, admit);
        struct folio_encounter_new e = {.patient_id = pid3,
                                        .facility_code = "MAIN",
                                        .account_number = "CXL1",
                                        .enc_class = "outpatient",
                                        .status = "cancelled",
                                        .admit_at = admit};
        OK(folio_encounter_create(&f->chart, &e, &eid, &f->err));
        OK(folio_encounter_add_provider(&f->chart, eid, f->dr, "attending", admit, NULL, &f->err));
        OK(folio_btg_restriction_set(f->store, "po", pid3, true, false, "staff", &f->err));
        assert_int_equal(access_of(f, f->doc, FOLIO_ROLE_CLINICIAN, pid3, 0, NULL),
                         FOLIO_BTG_NEEDS_GLASS);
    }
}

static void test_review(void **state)
{
    struct fx *f = *state;
    struct folio_btg_review r, *items = NULL;
    struct folio_btg_review_query q = {0};
    int64_t rid = 0, rid2 = 0, total = 0;
    size_t n = 0;

    OK(folio_btg_restriction_set(f->store, "po", f->pid, true, false, "staff", &f->err));
    OK(folio_btg_break(f->store, f->clin, 0, FOLIO_ROLE_CLINICIAN, f->pid,
                       "emergency cover tonight", 0, NULL, "t", NULL, &rid, NULL, &f->err));
    OK(folio_btg_break(f->store, f->doc, 0, FOLIO_ROLE_CLINICIAN, f->pid, "consult for cardiology",
                       0, NULL, "t", NULL, &rid2, NULL, &f->err));
    EXPECT(FOLIO_EINVAL, "disposition",
           folio_btg_review_close(f->store, "po", rid, "fine", NULL, &f->err));
    EXPECT(FOLIO_EINVAL, "note",
           folio_btg_review_close(f->store, "po", rid, "inappropriate", "", &f->err));
    EXPECT(FOLIO_ENOTFOUND, "id",
           folio_btg_review_close(f->store, "po", 9999, "appropriate", NULL, &f->err));
    OK(folio_btg_review_close(f->store, "po", rid, "appropriate", "on call that night", &f->err));
    EXPECT(FOLIO_ESTATE, "id",
           folio_btg_review_close(f->store, "po", rid, "escalated", "second look", &f->err));
    OK(folio_btg_review_close(f->store, "po", rid2, "escalated", "no consult was ordered",
                              &f->err));
    OK(folio_btg_review_get(f->store, rid, &f->arena, &r, &f->err));
    assert_string_equal(r.status, "reviewed");
    assert_string_equal(r.disposition, "appropriate");
    assert_string_equal(r.note, "on call that night");
    assert_string_equal(r.reviewed_by, "po");
    assert_non_null(r.reviewed_at);

    q.status = "open";
    OK(folio_btg_review_list(f->store, &q, &f->arena, &items, &n, &total, &f->err));
    assert_int_equal(n, 0);
    q.status = "reviewed";
    q.kind = "break_the_glass";
    OK(folio_btg_review_list(f->store, &q, &f->arena, &items, &n, &total, &f->err));
    assert_int_equal(n, 2);
    q.kind = "volume";
    OK(folio_btg_review_list(f->store, &q, &f->arena, &items, &n, &total, &f->err));
    assert_int_equal(n, 0);
    q.kind = "snooping";
    EXPECT(FOLIO_EINVAL, "kind",
           folio_btg_review_list(f->store, &q, &f->arena, &items, &n, &total, &f->err));
    q.kind = NULL;
    q.status = "closed";
    EXPECT(FOLIO_EINVAL, "status",
           folio_btg_review_list(f->store, &q, &f->arena, &items, &n, &total, &f->err));
    q.status = NULL;
    q.day = "2026-02-30";
    EXPECT(FOLIO_EINVAL, "day",
           folio_btg_review_list(f->store, &q, &f->arena, &items, &n, &total, &f->err));
    q.day = NULL;
    q.limit = 1;
    OK(folio_btg_review_list(f->store, &q, &f->arena, &items, &n, &total, &f->err));
    assert_int_equal(n, 1);
    assert_int_equal(total, 2);
    assert_int_equal(items[0].id, rid2);
}

static void test_user_home(void **state)
{
    struct fx *f = *state;
    struct folio_user u;

    OK(folio_btg_user_set_home(f->store, "admin", "clin", " Okafor ", "68105", "12 Main Street",
                               &f->err));
    OK(folio_user_get(f->store, "clin", &f->arena, &u, &f->err));
    assert_string_equal(u.family_name, "Okafor");
    assert_string_equal(u.home_postal_code, "68105");
    assert_string_equal(u.home_street, "12 Main Street");
    OK(folio_btg_user_set_home(f->store, "admin", "clin", "Okafor", "", NULL, &f->err));
    OK(folio_user_get(f->store, "clin", &f->arena, &u, &f->err));
    assert_null(u.home_postal_code);
    assert_null(u.home_street);
    EXPECT(FOLIO_EINVAL, "home_postal_code",
           folio_btg_user_set_home(f->store, "admin", "clin", "X", "12345678901234567890", NULL,
                                   &f->err));
    EXPECT(FOLIO_ENOTFOUND, "username",
           folio_btg_user_set_home(f->store, "admin", "ghost", "X", NULL, NULL, &f->err));
}

/* An encounter of pid with explicit status, admission and discharge (days ago; discharge < 0:
 * none), provider role and the provider's end (days ago; < 0: none). */
static void mk_enc2(struct fx *f, int64_t pid, const char *status, int admit_ago, int disch_ago,
                    const char *role, int ep_to_ago)
{
    char acct[16], admit[32], disch[32], ep_to[32];
    int64_t id = 0, epid = 0;

    folio_snprintf(acct, sizeof acct, "C%04d", ++f->n_acct);
    folio_time_format_epoch(now_s() - (int64_t)admit_ago * 86400, admit);
    folio_time_format_epoch(now_s() - (int64_t)disch_ago * 86400, disch);
    folio_time_format_epoch(now_s() - (int64_t)ep_to_ago * 86400, ep_to);
    struct folio_encounter_new e = {.patient_id = pid,
                                    .facility_code = "MAIN",
                                    .account_number = acct,
                                    .enc_class = "outpatient",
                                    .status = status,
                                    .admit_at = admit,
                                    .discharge_at = disch_ago < 0 ? NULL : disch};
    OK(folio_encounter_create(&f->chart, &e, &id, &f->err));
    OK(folio_encounter_add_provider(&f->chart, id, f->dr, role, admit, &epid, &f->err));
    if (ep_to_ago >= 0)
        OK(folio_store_exec_fmt(f->store, NULL, NULL, NULL, &f->err,
                                "UPDATE encounter_provider SET to_at = ? WHERE id = ?", "Ti", ep_to,
                                epid));
}

static int64_t mk_patient(struct fx *f, const char *family)
{
    struct folio_patient_new p = {
        .name = {.family = family, .given = "Pat"}, .birth_date = "1975-05-05", .sex = "F"};
    int64_t id = 0;
    OK(folio_patient_create(&f->chart, &p, &id, &f->err));
    OK(folio_btg_restriction_set(f->store, "po", id, true, false, "staff", &f->err));
    return id;
}

/* The provider relationship is narrow: not a planned visit, not as referring provider, not a
 * visit left open for months, not after the provider's own part ended (review 1.6). */
static void test_provider_rule_narrow(void **state)
{
    struct fx *f = *state;
    int64_t p;
    const char *why = NULL;

    p = mk_patient(f, "Planned");
    mk_enc2(f, p, "planned", 2, -1, "attending", -1);
    assert_int_equal(access_of(f, f->doc, FOLIO_ROLE_CLINICIAN, p, 0, NULL), FOLIO_BTG_NEEDS_GLASS);
    p = mk_patient(f, "Referred");
    mk_enc2(f, p, NULL, 3, 1, "referring", -1);
    assert_int_equal(access_of(f, f->doc, FOLIO_ROLE_CLINICIAN, p, 0, NULL), FOLIO_BTG_NEEDS_GLASS);
    p = mk_patient(f, "Forgotten");
    mk_enc2(f, p, NULL, FOLIO_BTG_OPEN_VISIT_DAYS + 20, -1, "attending", -1);
    assert_int_equal(access_of(f, f->doc, FOLIO_ROLE_CLINICIAN, p, 0, NULL), FOLIO_BTG_NEEDS_GLASS);
    p = mk_patient(f, "Handed");
    mk_enc2(f, p, NULL, FOLIO_BTG_PROVIDER_WINDOW_DAYS + 50, -1, "consulting",
            FOLIO_BTG_PROVIDER_WINDOW_DAYS + 40);
    assert_int_equal(access_of(f, f->doc, FOLIO_ROLE_CLINICIAN, p, 0, NULL), FOLIO_BTG_NEEDS_GLASS);
    /* the ordinary case still counts: an open visit admitted days ago */
    p = mk_patient(f, "Current");
    mk_enc2(f, p, NULL, 3, -1, "consulting", -1);
    assert_int_equal(access_of(f, f->doc, FOLIO_ROLE_CLINICIAN, p, 0, &why), FOLIO_BTG_ALLOWED);
    assert_string_equal(why, "provider");
}

/* A grant counts only for the session that broke the glass (review 1.5). */
static void test_grant_session_bound(void **state)
{
    struct fx *f = *state;
    struct folio_btg_decision d;
    int64_t gid = 0;

    OK(folio_btg_restriction_set(f->store, "po", f->pid, true, false, "staff", &f->err));
    OK(folio_btg_break(f->store, f->clin, 41, FOLIO_ROLE_CLINICIAN, f->pid,
                       "emergency department cover", 0, NULL, "t", &gid, NULL, NULL, &f->err));
    OK(folio_btg_check(f->store, f->clin, 41, FOLIO_ROLE_CLINICIAN, f->pid, 0, &d, &f->err));
    assert_int_equal(d.access, FOLIO_BTG_ALLOWED);
    assert_string_equal(d.why, "grant");
    assert_int_equal(d.grant_id, gid);
    /* signed out and in again: another session, the glass is back */
    OK(folio_btg_check(f->store, f->clin, 42, FOLIO_ROLE_CLINICIAN, f->pid, 0, &d, &f->err));
    assert_int_equal(d.access, FOLIO_BTG_NEEDS_GLASS);
    OK(folio_btg_check(f->store, f->clin, 0, FOLIO_ROLE_CLINICIAN, f->pid, 0, &d, &f->err));
    assert_int_equal(d.access, FOLIO_BTG_NEEDS_GLASS);
}

/* Care grants: a default end, no start years ahead, and an ended grant still counts for the
 * time before it ended (review 1.7, 2.1, 5). */
static void test_care_grant_limits(void **state)
{
    struct fx *f = *state;
    struct folio_btg_care *care = NULL;
    size_t n = 0;
    int64_t cid = 0, t0 = now_s();
    bool has = false;
    char want[32];

    OK(folio_btg_restriction_set(f->store, "po", f->pid, true, false, "staff", &f->err));
    EXPECT(FOLIO_EINVAL, "from_at",
           folio_btg_care_grant(f->store, "po", "clin", f->pid, NULL, "9999-01-01", NULL, NULL,
                                NULL, &f->err));
    OK(folio_btg_care_grant(f->store, "po", "clin", f->pid, NULL, NULL, NULL, NULL, &cid, &f->err));
    OK(folio_btg_care_list(f->store, f->pid, &f->arena, &care, &n, &f->err));
    assert_int_equal(n, 1);
    assert_non_null(care[0].to_at);
    folio_time_format_epoch(t0 + (int64_t)FOLIO_BTG_CARE_DEFAULT_DAYS * 86400, want);
    assert_memory_equal(care[0].to_at, want, 10);
    OK(folio_btg_care_end(f->store, "po", cid, &f->err));
    /* an hour ago the grant was in force (the alerts ask about past accesses) */
    OK(folio_btg_has_care(f->store, f->clin, f->pid, t0 - 1, &has, NULL, &f->err));
    assert_false(has); /* before from_at */
    OK(folio_btg_care_grant(f->store, "po", "doc", f->pid, NULL, "2020-01-01", NULL, NULL, &cid,
                            &f->err));
    OK(folio_btg_care_end(f->store, "po", cid, &f->err));
    OK(folio_btg_has_care(f->store, f->doc, f->pid, t0 - 3600, &has, NULL, &f->err));
    assert_false(has); /* 2020 + 90 days: long over */
    OK(folio_btg_care_grant(f->store, "po", "doc", f->pid, NULL, "2026-01-01T00:00:00Z", NULL, NULL,
                            &cid, &f->err));
    OK(folio_btg_has_care(f->store, f->doc, f->pid, 1767225600 + 3600, &has, NULL, &f->err));
    assert_true(has);
    OK(folio_btg_care_end(f->store, "po", cid, &f->err));
    OK(folio_btg_has_care(f->store, f->doc, f->pid, 1767225600 + 3600, &has, NULL, &f->err));
    assert_true(has); /* ended now, so in force at that earlier time */
    OK(folio_btg_has_care(f->store, f->doc, f->pid, 0, &has, NULL, &f->err));
    assert_false(has);
}

/* The privacy officer does not close items about their own access (review 2.5). */
static void test_review_not_own(void **state)
{
    struct fx *f = *state;
    int64_t rid = 0;

    OK(folio_btg_restriction_set(f->store, "po", f->pid, true, false, "staff", &f->err));
    OK(folio_btg_break(f->store, f->clin, 0, FOLIO_ROLE_CLINICIAN, f->pid,
                       "emergency cover tonight", 0, NULL, "t", NULL, &rid, NULL, &f->err));
    EXPECT(FOLIO_EPERM, "id",
           folio_btg_review_close(f->store, "clin", rid, "appropriate", NULL, &f->err));
    OK(folio_btg_review_close(f->store, "po", rid, "appropriate", NULL, &f->err));
}

/* 128 characters of UTF-8 are kept whole; malformed UTF-8 is refused (review 3.1). */
static void test_user_home_utf8(void **state)
{
    struct fx *f = *state;
    struct folio_user u;
    char name[2 * 128 + 1], bad[8] = {'A', (char)0xC3, 'B', 0};

    for (int i = 0; i < 128; i++)
        memcpy(name + 2 * i, "\xC3\xA9", 2);
    name[256] = '\0';
    OK(folio_btg_user_set_home(f->store, "admin", "clin", name, NULL,
                               "\xC3\xA9"
                               "cole Street",
                               &f->err));
    OK(folio_user_get(f->store, "clin", &f->arena, &u, &f->err));
    assert_string_equal(u.family_name, name);
    EXPECT(FOLIO_EINVAL, "family_name",
           folio_btg_user_set_home(f->store, "admin", "clin", bad, NULL, NULL, &f->err));
    EXPECT(FOLIO_EINVAL, "username",
           folio_btg_user_set_home(f->store, "admin", "bad name!", "X", NULL, NULL, &f->err));
}

/* A merge gives the survivor the flags of both charts, with a history row, and moves the care
 * grants; the unmerge moves the grants back (review 1.1). */
static void test_merge_carries_restriction(void **state)
{
    struct fx *f = *state;
    struct folio_btg_restriction r;
    struct folio_btg_restriction_event *ev = NULL;
    struct folio_btg_care *care = NULL;
    size_t n = 0;
    int64_t mid = 0;

    OK(folio_btg_restriction_set(f->store, "po", f->pid, true, true, "staff", &f->err));
    OK(folio_btg_care_grant(f->store, "po", "clin", f->pid, "attending", NULL, NULL, NULL, NULL,
                            &f->err));
    OK(folio_mpi_merge(&f->chart, f->pid2, f->pid, "same person", &mid, &f->err));
    OK(folio_btg_restriction_get(f->store, f->pid2, &f->arena, &r, &f->err));
    assert_true(r.restricted);
    assert_true(r.vip);
    OK(folio_btg_restriction_history(f->store, f->pid2, &f->arena, &ev, &n, &f->err));
    assert_int_equal(n, 1);
    assert_non_null(strstr(ev[0].reason, "merge"));
    assert_int_equal(access_of(f, f->doc, FOLIO_ROLE_CLINICIAN, f->pid2, 0, NULL),
                     FOLIO_BTG_NEEDS_GLASS);
    assert_int_equal(access_of(f, f->clin, FOLIO_ROLE_CLINICIAN, f->pid2, 0, NULL),
                     FOLIO_BTG_ALLOWED);
    OK(folio_btg_care_list(f->store, f->pid2, &f->arena, &care, &n, &f->err));
    assert_int_equal(n, 1);
    OK(folio_mpi_unmerge(&f->chart, mid, "two people after all", &f->err));
    OK(folio_btg_care_list(f->store, f->pid, &f->arena, &care, &n, &f->err));
    assert_int_equal(n, 1);
    /* both stay restricted: the privacy officer lifts the survivor's by hand */
    OK(folio_btg_restriction_get(f->store, f->pid, &f->arena, &r, &f->err));
    assert_true(r.restricted);
    OK(folio_btg_restriction_get(f->store, f->pid2, &f->arena, &r, &f->err));
    assert_true(r.restricted);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_restrictions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_grant_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_care_relationships, setup, teardown),
        cmocka_unit_test_setup_teardown(test_review, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_home, setup, teardown),
        cmocka_unit_test_setup_teardown(test_provider_rule_narrow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_grant_session_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_care_grant_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_review_not_own, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_home_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_carries_restriction, setup, teardown),
    };
    setenv("FOLIO_PWHASH_FAST", "1", 1);
    return cmocka_run_group_tests(tests, NULL, NULL);
}

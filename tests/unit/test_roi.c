/* Tests of release of information (include/folio/roi.h): each requester type through the
 * statuses, the authorization checklist and its refusals, the 164.524 deadline and extension,
 * the access fee, and the 164.528 accounting of a mix of disclosures, on the backend under
 * test. Synthetic data only; the clock is always given. */
#include "folio/base.h"

#include <setjmp.h>
#include <cmocka.h>

#include "folio/crypto.h"
#include "folio/records.h"
#include "folio/roi.h"
#include "folio/store.h"
#include "testdb.h"

#define NOW "2024-03-01T10:00:00Z"

struct fx {
    struct folio_store *store;
    struct folio_chart chart;
    struct folio_arena arena;
    struct folio_err err;
    int64_t pid, other;
    int64_t doc; /* a discharge summary of pid's, 2023 */
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
        assert_string_equal(f->err.field, fld);                                                    \
    } while (0)

static int64_t mk_patient(struct fx *f, const char *mrn_value, const char *family)
{
    struct folio_identifier mrn = {.kind = "MR", .assigner = "MAIN", .value = mrn_value};
    struct folio_patient_new p = {.name = {.family = family, .given = "Test"},
                                  .birth_date = "1960-05-05",
                                  .sex = "F",
                                  .ids = &mrn,
                                  .n_ids = 1};
    int64_t id = 0;
    OK(folio_patient_create(&f->chart, &p, &id, &f->err));
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
    OK(folio_facility_ensure(&f->chart, "MAIN", "Main Hospital", NULL, &f->err));
    f->pid = mk_patient(f, "MRN200", "Releaseson");
    f->other = mk_patient(f, "MRN201", "Otherly");
    static const char text[] = "DISCHARGE SUMMARY\nThe patient did well.\n";
    struct folio_document_new d = {.patient_id = f->pid,
                                   .type_code = "18842-5",
                                   .title = "Discharge summary",
                                   .service_at = "2023-06-10T09:00:00Z",
                                   .content = text,
                                   .content_len = sizeof text - 1,
                                   .mime_type = "text/plain"};
    OK(folio_document_create(&f->chart, &d, &f->doc, NULL, &f->err));
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

/* A complete authorization of patient pid, expiring at the end of 2024. */
static struct folio_roi_auth full_auth(int64_t pid)
{
    return (struct folio_roi_auth){.patient_id = pid,
                                   .description = "discharge summaries of 2023",
                                   .discloser = "Main Hospital HIM",
                                   .recipient = "Lawyer & Partners LLP",
                                   .purpose = "at the request of the individual",
                                   .expires_on = "2024-12-31",
                                   .signed_by = "Test Releaseson",
                                   .signed_on = "2024-01-15",
                                   .stmt_revoke = true,
                                   .stmt_conditioning = true,
                                   .stmt_redisclosure = true};
}

static int64_t mk_auth(struct fx *f, struct folio_roi_auth a)
{
    OK(folio_roi_auth_create(f->store, &a, "roi.clerk", NOW, &f->err));
    assert_true(a.id > 0);
    return a.id;
}

static int64_t mk_request(struct fx *f, enum folio_roi_requester t, int64_t auth_id,
                          const char *received_on)
{
    struct folio_roi_request r = {.patient_id = f->pid,
                                  .requester_type = t,
                                  .requester_name = "Requester Inc.",
                                  .requester_address = "1 Main St",
                                  .date_from = "2023-01-01",
                                  .date_to = "2023-12-31",
                                  .doc_types = ",18842-5,",
                                  .purpose = "continuing care",
                                  .delivery = "mail",
                                  .authorization_id = auth_id,
                                  .received_on = received_on};
    OK(folio_roi_request_create(f->store, &r, "roi.clerk", NOW, &f->err));
    assert_true(r.id > 0);
    return r.id;
}

/* Renders and records a packet of the request holding the discharge summary, as user. */
static int64_t mk_packet(struct fx *f, int64_t req, const char *user)
{
    struct folio_roi_packet_in in = {.request_id = req,
                                     .document_ids = &f->doc,
                                     .n_documents = 1,
                                     .facility_name = "Main Hospital",
                                     .redisclosure_notice = true};
    struct folio_roi_packet p = {0};
    int64_t id = 0;
    OK(folio_roi_packet_render(f->store, &in, NOW, &p, &f->err));
    OK(folio_roi_packet_record(f->store, &in, &p, user, NOW, &id, &f->err));
    folio_roi_packet_release(&p);
    return id;
}

/* pulled -> packet by "roi" -> qa -> QA passed by "qa". */
static void packet_and_qa(struct fx *f, int64_t req)
{
    const struct folio_roi_qa_in ok = {true, true, true, NULL};
    bool passed = false;
    mk_packet(f, req, "roi");
    OK(folio_roi_request_move(f->store, req, FOLIO_ROI_QA, NULL, "roi", NOW, &f->err));
    OK(folio_roi_request_qa(f->store, req, &ok, "qa", NOW, &passed, &f->err));
    assert_true(passed);
}

static const char *basis_of_release(struct fx *f, int64_t req)
{
    struct folio_stmt *st = NULL;
    bool row = false;
    static char basis[40];
    OK(folio_store_prepare_fmt(f->store, &st, &f->err,
                               "SELECT basis FROM roi_disclosure WHERE request_id = ?", "i", req));
    OK(folio_stmt_step(st, &row, &f->err));
    assert_true(row);
    folio_strlcpy(basis, folio_stmt_column_text(st, 0), sizeof basis);
    folio_stmt_free(st);
    return basis;
}

static void test_each_requester_through_statuses(void **state)
{
    struct fx *f = *state;
    static const char *const want_basis[FOLIO_ROI_N_REQUESTERS + 1] = {NULL,
                                                                       "individual",
                                                                       "individual",
                                                                       "tpo",
                                                                       "tpo",
                                                                       "authorization",
                                                                       "authorization",
                                                                       "judicial",
                                                                       "authorization",
                                                                       "public_health",
                                                                       "law_enforcement",
                                                                       "workers_comp"};
    for (int t = 1; t <= FOLIO_ROI_N_REQUESTERS; t++) {
        enum folio_roi_requester type = (enum folio_roi_requester)t;
        bool needs = folio_roi_requester_needs_auth(type, false, NULL);
        int64_t auth = needs ? mk_auth(f, full_auth(f->pid)) : 0;
        int64_t id = mk_request(f, type, auth, "2024-02-20");
        struct folio_roi_request r;
        struct folio_roi_event *ev = NULL;
        size_t n = 0;
        OK(folio_roi_request_get(f->store, id, &f->arena, &r, &f->err));
        assert_int_equal(r.status, FOLIO_ROI_RECEIVED);
        assert_int_equal(r.requester_type, type);
        if (folio_roi_requester_is_access(type))
            assert_string_equal(r.due_on, "2024-03-21");
        else
            assert_null(r.due_on);
        /* impossible moves are refused */
        EXPECT(FOLIO_ESTATE, "status",
               folio_roi_request_move(f->store, id, FOLIO_ROI_RELEASED, NULL, "roi", NOW, &f->err));
        EXPECT(FOLIO_ESTATE, "status",
               folio_roi_request_move(f->store, id, FOLIO_ROI_QA, NULL, "roi", NOW, &f->err));
        OK(folio_roi_request_move(f->store, id, FOLIO_ROI_VALIDATED, NULL, "roi", NOW, &f->err));
        OK(folio_roi_request_move(f->store, id, FOLIO_ROI_PULLED, NULL, "roi", NOW, &f->err));
        /* no packet, no QA */
        EXPECT(FOLIO_ESTATE, "packet",
               folio_roi_request_move(f->store, id, FOLIO_ROI_QA, NULL, "roi", NOW, &f->err));
        mk_packet(f, id, "roi");
        OK(folio_roi_request_move(f->store, id, FOLIO_ROI_QA, NULL, "roi", NOW, &f->err));
        /* QA sends it back once, then passes it */
        OK(folio_roi_request_move(f->store, id, FOLIO_ROI_PULLED, "wrong encounter", "qa", NOW,
                                  &f->err));
        OK(folio_roi_request_move(f->store, id, FOLIO_ROI_QA, NULL, "roi", NOW, &f->err));
        /* not released before a second person's QA passed */
        EXPECT(FOLIO_ESTATE, "qa",
               folio_roi_request_move(f->store, id, FOLIO_ROI_RELEASED, NULL, "qa", NOW, &f->err));
        const struct folio_roi_qa_in ok = {true, true, true, NULL};
        OK(folio_roi_request_qa(f->store, id, &ok, "qa", NOW, NULL, &f->err));
        OK(folio_roi_request_move(f->store, id, FOLIO_ROI_RELEASED, NULL, "qa", NOW, &f->err));
        OK(folio_roi_request_get(f->store, id, &f->arena, &r, &f->err));
        assert_int_equal(r.status, FOLIO_ROI_RELEASED);
        assert_string_equal(r.released_on, "2024-03-01");
        assert_string_equal(basis_of_release(f, id), want_basis[t]);
        EXPECT(FOLIO_ESTATE, "status",
               folio_roi_request_move(f->store, id, FOLIO_ROI_DENIED, "late", "roi", NOW, &f->err));
        OK(folio_roi_request_events(f->store, id, &f->arena, &ev, &n, &f->err));
        /* receive, validate, pull, packet, qa, return, qa, qa_pass, release */
        assert_int_equal(n, 9);
        assert_string_equal(ev[0].action, "receive");
        assert_string_equal(ev[3].action, "packet");
        assert_string_equal(ev[5].action, "return");
        assert_string_equal(ev[5].detail, "wrong encounter");
        assert_string_equal(ev[7].action, "qa_pass");
        assert_string_equal(ev[7].user, "qa");
        assert_string_equal(ev[8].action, "release");
        assert_string_equal(ev[8].from_status, "qa");
        assert_string_equal(ev[8].to_status, "released");

        /* and a second request of this type is denied with a reason */
        id = mk_request(f, type, auth, "2024-02-20");
        EXPECT(FOLIO_EINVAL, "reason",
               folio_roi_request_move(f->store, id, FOLIO_ROI_DENIED, NULL, "roi", NOW, &f->err));
        OK(folio_roi_request_move(f->store, id, FOLIO_ROI_DENIED, "not the patient's records",
                                  "roi", NOW, &f->err));
        OK(folio_roi_request_get(f->store, id, &f->arena, &r, &f->err));
        assert_int_equal(r.status, FOLIO_ROI_DENIED);
        assert_string_equal(r.deny_reason, "not the patient's records");
        EXPECT(
            FOLIO_ESTATE, "status",
            folio_roi_request_move(f->store, id, FOLIO_ROI_VALIDATED, NULL, "roi", NOW, &f->err));
    }
    /* a subpoena with a satisfactory assurance needs no authorization, and is accountable */
    struct folio_roi_request r = {.patient_id = f->pid,
                                  .requester_type = FOLIO_ROI_ATTORNEY_SUBPOENA,
                                  .requester_name = "Court Clerk",
                                  .purpose = "litigation",
                                  .delivery = "mail",
                                  .subpoena_assurance = true};
    OK(folio_roi_request_create(f->store, &r, "roi", NOW, &f->err));
    OK(folio_roi_request_move(f->store, r.id, FOLIO_ROI_VALIDATED, NULL, "roi", NOW, &f->err));
    EXPECT(
        FOLIO_ENOTFOUND, "id",
        folio_roi_request_move(f->store, 999999, FOLIO_ROI_VALIDATED, NULL, "roi", NOW, &f->err));
}

static void test_authorization_refusals(void **state)
{
    struct fx *f = *state;
    struct folio_roi_auth a;
    /* none linked */
    int64_t id = mk_request(f, FOLIO_ROI_ATTORNEY_AUTHORIZATION, 0, NULL);
    EXPECT(FOLIO_ESTATE, "authorization",
           folio_roi_request_move(f->store, id, FOLIO_ROI_VALIDATED, NULL, "roi", NOW, &f->err));
    /* expired */
    a = full_auth(f->pid);
    a.expires_on = "2024-02-29";
    OK(folio_roi_request_set_auth(f->store, id, mk_auth(f, a), "roi", NOW, &f->err));
    EXPECT(FOLIO_ESTATE, "authorization",
           folio_roi_request_move(f->store, id, FOLIO_ROI_VALIDATED, NULL, "roi", NOW, &f->err));
    assert_non_null(strstr(f->err.msg, "expired"));
    assert_non_null(strstr(f->err.msg, "164.508(b)(2)(i)"));
    /* ... valid the day it expires */
    OK(folio_roi_request_move(f->store, id, FOLIO_ROI_VALIDATED, NULL, "roi",
                              "2024-02-29T23:00:00Z", &f->err));
    /* a missing element: no redisclosure statement */
    id = mk_request(f, FOLIO_ROI_RESEARCHER, 0, NULL);
    a = full_auth(f->pid);
    a.stmt_redisclosure = false;
    OK(folio_roi_request_set_auth(f->store, id, mk_auth(f, a), "roi", NOW, &f->err));
    EXPECT(FOLIO_ESTATE, "authorization",
           folio_roi_request_move(f->store, id, FOLIO_ROI_VALIDATED, NULL, "roi", NOW, &f->err));
    assert_non_null(strstr(f->err.msg, "statement_redisclosure"));
    assert_non_null(strstr(f->err.msg, "164.508(c)(2)(iii)"));
    /* another patient's authorization is not linked */
    EXPECT(FOLIO_EINVAL, "authorization_id",
           folio_roi_request_set_auth(f->store, id, mk_auth(f, full_auth(f->other)), "roi", NOW,
                                      &f->err));
    /* revoked after validation: the release is refused */
    int64_t auth = mk_auth(f, full_auth(f->pid));
    id = mk_request(f, FOLIO_ROI_ATTORNEY_AUTHORIZATION, auth, NULL);
    OK(folio_roi_request_move(f->store, id, FOLIO_ROI_VALIDATED, NULL, "roi", NOW, &f->err));
    OK(folio_roi_request_move(f->store, id, FOLIO_ROI_PULLED, NULL, "roi", NOW, &f->err));
    packet_and_qa(f, id);
    OK(folio_roi_auth_revoke(f->store, auth, NULL, "letter of revocation", "roi", NOW, &f->err));
    EXPECT(FOLIO_ESTATE, "revoked_on",
           folio_roi_auth_revoke(f->store, auth, NULL, NULL, "roi", NOW, &f->err));
    EXPECT(FOLIO_ESTATE, "authorization",
           folio_roi_request_move(f->store, id, FOLIO_ROI_RELEASED, NULL, "qa", NOW, &f->err));
    assert_non_null(strstr(f->err.msg, "revoked"));
    /* set_auth only while received */
    EXPECT(FOLIO_ESTATE, "status",
           folio_roi_request_set_auth(f->store, id, auth, "roi", NOW, &f->err));
    /* nothing was disclosed */
    int64_t n = -1;
    OK(folio_store_exec_fmt(f->store, &n, NULL, NULL, &f->err,
                            "SELECT COUNT(*) FROM roi_disclosure", ""));
    assert_int_equal(n, 0);
}

static void test_checklist(void **state)
{
    struct fx *f = *state;
    struct folio_roi_auth a = full_auth(f->pid);
    struct folio_roi_auth_result res;
    OK(folio_roi_auth_check(&a, "2024-03-01", &res, &f->err));
    assert_int_equal(res.verdict, FOLIO_AUTH_VALID);
    assert_int_equal(res.n_missing, 0);
    assert_null(res.verdict_citation);
    assert_string_equal(res.items[FOLIO_AUTH_RECIPIENT].citation, "45 CFR 164.508(c)(1)(iii)");
    /* each element removed in turn is reported missing with its citation */
    for (int i = 0; i < FOLIO_AUTH_N_ELEMENTS; i++) {
        a = full_auth(f->pid);
        switch ((enum folio_roi_auth_element)i) {
        case FOLIO_AUTH_DESCRIPTION:
            a.description = "";
            break;
        case FOLIO_AUTH_DISCLOSER:
            a.discloser = NULL;
            break;
        case FOLIO_AUTH_RECIPIENT:
            a.recipient = NULL;
            break;
        case FOLIO_AUTH_PURPOSE:
            a.purpose = NULL;
            break;
        case FOLIO_AUTH_EXPIRATION:
            a.expires_on = NULL;
            break;
        case FOLIO_AUTH_SIGNATURE:
            a.signed_on = NULL;
            break;
        case FOLIO_AUTH_STMT_REVOKE:
            a.stmt_revoke = false;
            break;
        case FOLIO_AUTH_STMT_CONDITIONING:
            a.stmt_conditioning = false;
            break;
        case FOLIO_AUTH_STMT_REDISCLOSURE:
            a.stmt_redisclosure = false;
            break;
        case FOLIO_AUTH_N_ELEMENTS:
            break;
        }
        OK(folio_roi_auth_check(&a, "2024-03-01", &res, &f->err));
        assert_int_equal(res.verdict, FOLIO_AUTH_INCOMPLETE);
        assert_int_equal(res.n_missing, 1);
        assert_false(res.items[i].present);
        assert_string_equal(res.verdict_citation, "45 CFR 164.508(b)(2)(ii)");
    }
    /* an expiration event stands for the date */
    a = full_auth(f->pid);
    a.expires_on = NULL;
    a.expiry_event = "end of the research study";
    OK(folio_roi_auth_check(&a, "2030-01-01", &res, &f->err));
    assert_int_equal(res.verdict, FOLIO_AUTH_VALID);
    /* revoked wins over expired; a signature dated later than today is not yet in force */
    a = full_auth(f->pid);
    a.revoked_on = "2024-02-01";
    OK(folio_roi_auth_check(&a, "2025-06-01", &res, &f->err));
    assert_int_equal(res.verdict, FOLIO_AUTH_REVOKED);
    a = full_auth(f->pid);
    OK(folio_roi_auth_check(&a, "2025-01-01", &res, &f->err));
    assert_int_equal(res.verdict, FOLIO_AUTH_EXPIRED);
    OK(folio_roi_auth_check(&a, "2024-01-14", &res, &f->err));
    assert_int_equal(res.verdict, FOLIO_AUTH_NOT_SIGNED_YET);
    EXPECT(FOLIO_EINVAL, "today", folio_roi_auth_check(&a, "2024-02-30", &res, &f->err));
    /* stored and read back as given */
    a = full_auth(f->pid);
    a.psychotherapy_notes = true;
    a.sensitive = ",part2,hiv,";
    int64_t id = mk_auth(f, a);
    struct folio_roi_auth b;
    OK(folio_roi_auth_get(f->store, id, &f->arena, &b, &f->err));
    assert_true(b.psychotherapy_notes);
    assert_string_equal(b.sensitive, ",part2,hiv,");
    assert_string_equal(b.expires_on, "2024-12-31");
    assert_null(b.revoked_on);
    a.expires_on = "2024-13-01";
    EXPECT(FOLIO_EINVAL, "expires_on", folio_roi_auth_create(f->store, &a, "roi", NOW, &f->err));
    a = full_auth(999999);
    EXPECT(FOLIO_ENOTFOUND, "patient_id", folio_roi_auth_create(f->store, &a, "roi", NOW, &f->err));
}

static void test_due_and_extension(void **state)
{
    struct fx *f = *state;
    struct folio_roi_request r;
    int64_t days = 0;
    int64_t id = mk_request(f, FOLIO_ROI_PATIENT, 0, "2024-01-10");
    OK(folio_roi_request_get(f->store, id, &f->arena, &r, &f->err));
    assert_string_equal(r.due_on, "2024-02-09");
    assert_true(folio_roi_days_left(r.due_on, "2024-02-01", &days));
    assert_int_equal(days, 8);
    EXPECT(FOLIO_EINVAL, "reason",
           folio_roi_request_extend(f->store, id, "", "roi", "2024-02-01T09:00Z", &f->err));
    OK(folio_roi_request_extend(f->store, id, "records in off-site storage; ready by 2024-03-10",
                                "roi", "2024-02-01T09:00Z", &f->err));
    OK(folio_roi_request_get(f->store, id, &f->arena, &r, &f->err));
    assert_string_equal(r.due_on, "2024-03-10");
    assert_string_equal(r.original_due_on, "2024-02-09");
    assert_non_null(strstr(r.extension_reason, "off-site"));
    assert_true(folio_roi_days_left(r.due_on, "2024-03-12", &days));
    assert_int_equal(days, -2);
    /* only one extension */
    EXPECT(FOLIO_ESTATE, "extension",
           folio_roi_request_extend(f->store, id, "again", "roi", "2024-02-02T09:00Z", &f->err));
    /* not after the first 30 days */
    id = mk_request(f, FOLIO_ROI_PERSONAL_REPRESENTATIVE, 0, "2024-01-10");
    EXPECT(FOLIO_ESTATE, "extension",
           folio_roi_request_extend(f->store, id, "late", "roi", "2024-02-10T09:00Z", &f->err));
    OK(folio_roi_request_extend(f->store, id, "on the last day", "roi", "2024-02-09T23:00Z",
                                &f->err));
    /* not for requests other than access */
    id = mk_request(f, FOLIO_ROI_PAYER, 0, "2024-01-10");
    OK(folio_roi_request_get(f->store, id, &f->arena, &r, &f->err));
    assert_null(r.due_on);
    assert_false(folio_roi_days_left(r.due_on, "2024-01-11", &days));
    EXPECT(FOLIO_ESTATE, "extension",
           folio_roi_request_extend(f->store, id, "busy", "roi", "2024-01-11T09:00Z", &f->err));
    /* nor once closed */
    id = mk_request(f, FOLIO_ROI_PATIENT, 0, "2024-01-10");
    OK(folio_roi_request_move(f->store, id, FOLIO_ROI_DENIED, "unverified identity", "roi",
                              "2024-01-11T09:00Z", &f->err));
    EXPECT(FOLIO_ESTATE, "status",
           folio_roi_request_extend(f->store, id, "x", "roi", "2024-01-12T09:00Z", &f->err));
    /* due date across a leap day: received 2024-02-15 -> 2024-03-16 */
    id = mk_request(f, FOLIO_ROI_PATIENT, 0, "2024-02-15");
    OK(folio_roi_request_get(f->store, id, &f->arena, &r, &f->err));
    assert_string_equal(r.due_on, "2024-03-16");
    /* intake checks */
    struct folio_roi_request bad = {.patient_id = f->pid,
                                    .requester_type = FOLIO_ROI_PATIENT,
                                    .requester_name = "Self",
                                    .purpose = "personal",
                                    .delivery = "pigeon"};
    EXPECT(FOLIO_EINVAL, "delivery", folio_roi_request_create(f->store, &bad, "roi", NOW, &f->err));
    bad.delivery = "portal";
    bad.requester_type = 0;
    EXPECT(FOLIO_EINVAL, "requester_type",
           folio_roi_request_create(f->store, &bad, "roi", NOW, &f->err));
    bad.requester_type = FOLIO_ROI_PATIENT;
    bad.date_from = "2024-02-01";
    bad.date_to = "2024-01-01";
    EXPECT(FOLIO_EINVAL, "date_to", folio_roi_request_create(f->store, &bad, "roi", NOW, &f->err));
    bad.date_to = NULL;
    bad.patient_id = 999999;
    EXPECT(FOLIO_ENOTFOUND, "patient_id",
           folio_roi_request_create(f->store, &bad, "roi", NOW, &f->err));
    EXPECT(FOLIO_EINVAL, "user", folio_roi_request_create(f->store, &bad, "", NOW, &f->err));
}

static void test_queue(void **state)
{
    struct fx *f = *state;
    struct folio_roi_queue_item *q = NULL;
    size_t n = 0;
    int64_t late = mk_request(f, FOLIO_ROI_PATIENT, 0, "2024-01-10"); /* due 02-09 */
    int64_t soon = mk_request(f, FOLIO_ROI_PERSONAL_REPRESENTATIVE, 0, "2024-02-20"); /* 03-21 */
    int64_t none = mk_request(f, FOLIO_ROI_PUBLIC_HEALTH, 0, "2024-01-01");
    int64_t done = mk_request(f, FOLIO_ROI_PATIENT, 0, "2024-01-05");
    OK(folio_roi_request_move(f->store, done, FOLIO_ROI_DENIED, "duplicate", "roi", NOW, &f->err));
    OK(folio_roi_request_move(f->store, soon, FOLIO_ROI_VALIDATED, NULL, "roi", NOW, &f->err));
    int64_t total = -1;
    OK(folio_roi_queue(f->store, 0, "2024-03-01", 100, &f->arena, &q, &n, &total, &f->err));
    assert_int_equal(total, (int64_t)n);
    assert_int_equal(n, 3);
    assert_int_equal(q[0].id, late);
    assert_true(q[0].overdue);
    assert_int_equal(q[0].days_left, -21);
    assert_int_equal(q[0].days_open, 51);
    assert_int_equal(q[1].id, soon);
    assert_false(q[1].overdue);
    assert_int_equal(q[1].days_left, 20);
    assert_int_equal(q[1].status, FOLIO_ROI_VALIDATED);
    assert_int_equal(q[2].id, none);
    assert_false(q[2].has_due);
    assert_string_equal(q[2].requester_name, "Requester Inc.");
    OK(folio_roi_queue(f->store, FOLIO_ROI_DENIED, "2024-03-01", 100, &f->arena, &q, &n, NULL,
                       &f->err));
    assert_int_equal(n, 1);
    assert_int_equal(q[0].id, done);
    EXPECT(FOLIO_EINVAL, "today",
           folio_roi_queue(f->store, 0, "yesterday", 100, &f->arena, &q, &n, NULL, &f->err));
    /* the first `limit`, in the same order, and how many there are */
    {
        struct folio_roi_queue_item *all = NULL, *two = NULL;
        size_t na = 0, n2 = 0;
        OK(folio_roi_queue(f->store, 0, "2024-03-01", 100, &f->arena, &all, &na, NULL, &f->err));
        OK(folio_roi_queue(f->store, 0, "2024-03-01", 2, &f->arena, &two, &n2, &total, &f->err));
        assert_true(na > 2);
        assert_int_equal(n2, 2);
        assert_int_equal(total, (int64_t)na);
        assert_int_equal(two[0].id, all[0].id);
        assert_int_equal(two[1].id, all[1].id);
        EXPECT(FOLIO_EINVAL, "limit",
               folio_roi_queue(f->store, 0, "2024-03-01", 0, &f->arena, &two, &n2, NULL, &f->err));
    }
}

static void test_fee(void **state)
{
    struct fx *f = *state;
    struct folio_roi_fee_result res;
    /* paper, mailed: 15 min at $20.00/h, 100 pages at $0.10, $1.50 postage */
    struct folio_roi_fee_params p = {.method = FOLIO_ROI_FEE_COST,
                                     .labor_minutes = 15,
                                     .labor_cents_per_hour = 2000,
                                     .pages = 100,
                                     .supply_cents_per_page = 10,
                                     .postage_cents = 150,
                                     .mailed = true};
    OK(folio_roi_fee(&p, &res, &f->err));
    assert_int_equal(res.labor_cents, 500);
    assert_int_equal(res.supplies_cents, 1000);
    assert_int_equal(res.postage_cents, 150);
    assert_int_equal(res.total_cents, 1650);
    /* picked up: no postage; labor rounds half up (1 min at $20.10/h = 33.5 cents) */
    p.mailed = false;
    p.labor_minutes = 1;
    p.labor_cents_per_hour = 2010;
    OK(folio_roi_fee(&p, &res, &f->err));
    assert_int_equal(res.labor_cents, 34);
    assert_int_equal(res.postage_cents, 0);
    assert_int_equal(res.total_cents, 1034);
    /* electronic on a USB drive: media, no paper; a summary agreed in advance */
    p = (struct folio_roi_fee_params){.method = FOLIO_ROI_FEE_COST,
                                      .labor_minutes = 6,
                                      .labor_cents_per_hour = 3000,
                                      .pages = 100,
                                      .supply_cents_per_page = 10,
                                      .media_cents = 500,
                                      .summary_cents = 2500,
                                      .electronic = true};
    OK(folio_roi_fee(&p, &res, &f->err));
    assert_int_equal(res.labor_cents, 300);
    assert_int_equal(res.supplies_cents, 500);
    assert_int_equal(res.summary_cents, 2500);
    assert_int_equal(res.total_cents, 3300);
    /* the flat fee for electronic copies */
    p = (struct folio_roi_fee_params){.method = FOLIO_ROI_FEE_FLAT,
                                      .flat_cents = FOLIO_ROI_HHS_FLAT_CENTS,
                                      .electronic = true,
                                      .labor_minutes = 600};
    OK(folio_roi_fee(&p, &res, &f->err));
    assert_int_equal(res.total_cents, 650);
    assert_int_equal(res.labor_cents, 0);
    p.electronic = false;
    EXPECT(FOLIO_EINVAL, "method", folio_roi_fee(&p, &res, &f->err));
    p.electronic = true;
    p.pages = -1;
    EXPECT(FOLIO_EINVAL, "pages", folio_roi_fee(&p, &res, &f->err));
    p.pages = 0;
    p.labor_cents_per_hour = INT64_MAX;
    EXPECT(FOLIO_EINVAL, "labor_cents_per_hour", folio_roi_fee(&p, &res, &f->err));
    p.labor_cents_per_hour = 0;
    p.method = 0;
    EXPECT(FOLIO_EINVAL, "method", folio_roi_fee(&p, &res, &f->err));
}

static int64_t disclose(struct fx *f, int64_t pid, const char *on, const char *basis,
                        const char *recipient)
{
    struct folio_roi_disclosure d = {.patient_id = pid,
                                     .disclosed_on = on,
                                     .recipient = recipient,
                                     .description = "lab results",
                                     .purpose = "as required",
                                     .basis = basis};
    /* recorded after the fact: the clock is past every date the test uses */
    OK(folio_roi_disclosure_record(f->store, &d, "roi", "2030-01-01T00:00:00Z", &f->err));
    assert_true(d.id > 0);
    return d.id;
}

static void test_accounting(void **state)
{
    struct fx *f = *state;
    struct folio_roi_accounting acc;
    /* excluded by 164.528(a)(1)(i)-(viii), in the window */
    static const char *const excluded[] = {"tpo",
                                           "individual",
                                           "incident",
                                           "authorization",
                                           "directory",
                                           "involved_in_care",
                                           "national_security",
                                           "correctional",
                                           "limited_data_set"};
    for (size_t i = 0; i < sizeof excluded / sizeof excluded[0]; i++)
        disclose(f, f->pid, "2022-05-05", excluded[i], excluded[i]);
    /* included, in the window (given out of date order) */
    int64_t want[5];
    want[2] = disclose(f, f->pid, "2021-07-01", "law_enforcement", "County Sheriff");
    want[0] =
        disclose(f, f->pid, "2018-06-15", "public_health", "State Health Dept"); /* first day */
    want[1] = disclose(f, f->pid, "2020-01-02", "research", "IRB-waived study");
    want[3] = disclose(f, f->pid, "2023-03-03", "judicial", "Superior Court");
    want[4] = disclose(f, f->pid, "2024-06-15", "abuse_neglect", "Adult Protective Services");
    /* included bases outside the window, before the compliance date, another patient's */
    disclose(f, f->pid, "2018-06-14", "public_health", "too old");
    disclose(f, f->pid, "2024-06-16", "public_health", "after the request");
    disclose(f, f->other, "2022-01-01", "public_health", "other patient");
    struct folio_roi_disclosure bad = {.patient_id = f->pid,
                                       .recipient = "x",
                                       .description = "x",
                                       .purpose = "x",
                                       .basis = "because"};
    EXPECT(FOLIO_EINVAL, "basis", folio_roi_disclosure_record(f->store, &bad, "roi", NOW, &f->err));

    OK(folio_roi_accounting(f->store, f->pid, "2024-06-15", &f->arena, &acc, &f->err));
    assert_string_equal(acc.from, "2018-06-15");
    assert_string_equal(acc.to, "2024-06-15");
    assert_int_equal(acc.n, 5);
    assert_int_equal(acc.n_excluded, 9);
    for (size_t i = 0; i < acc.n; i++)
        assert_int_equal(acc.items[i].id, want[i]);
    assert_string_equal(acc.items[2].recipient, "County Sheriff");
    assert_string_equal(acc.items[2].disclosed_on, "2021-07-01");
    assert_string_equal(acc.items[2].description, "lab results");
    assert_string_equal(acc.items[2].purpose, "as required");

    /* before the compliance date (164.528(a)(1)(ix)): a request in 2008 */
    disclose(f, f->pid, "2003-04-13", "public_health", "before compliance");
    int64_t first = disclose(f, f->pid, "2003-04-14", "public_health", "compliance day");
    OK(folio_roi_accounting(f->store, f->pid, "2008-01-01", &f->arena, &acc, &f->err));
    assert_int_equal(acc.n, 1);
    assert_int_equal(acc.items[0].id, first);
    assert_int_equal(acc.n_excluded, 1);

    /* the window of a request on a leap day */
    OK(folio_roi_accounting(f->store, f->pid, "2024-02-29", &f->arena, &acc, &f->err));
    assert_string_equal(acc.from, "2018-02-28");

    /* releases are logged: one to the patient (excluded), one under a court order (listed) */
    int64_t id = mk_request(f, FOLIO_ROI_COURT_ORDER, 0, "2024-02-01");
    OK(folio_roi_request_move(f->store, id, FOLIO_ROI_VALIDATED, NULL, "roi", NOW, &f->err));
    OK(folio_roi_request_move(f->store, id, FOLIO_ROI_PULLED, NULL, "roi", NOW, &f->err));
    packet_and_qa(f, id);
    OK(folio_roi_request_move(f->store, id, FOLIO_ROI_RELEASED, NULL, "qa", "2024-06-10T12:00Z",
                              &f->err));
    id = mk_request(f, FOLIO_ROI_PATIENT, 0, "2024-02-01");
    OK(folio_roi_request_move(f->store, id, FOLIO_ROI_VALIDATED, NULL, "roi", NOW, &f->err));
    OK(folio_roi_request_move(f->store, id, FOLIO_ROI_PULLED, NULL, "roi", NOW, &f->err));
    packet_and_qa(f, id);
    OK(folio_roi_request_move(f->store, id, FOLIO_ROI_RELEASED, NULL, "qa", "2024-06-11T12:00Z",
                              &f->err));
    OK(folio_roi_accounting(f->store, f->pid, "2024-06-15", &f->arena, &acc, &f->err));
    assert_int_equal(acc.n, 6);
    assert_int_equal(acc.n_excluded, 10);
    assert_string_equal(acc.items[4].disclosed_on, "2024-06-10");
    assert_string_equal(acc.items[4].basis, "judicial");
    assert_string_equal(acc.items[4].recipient, "Requester Inc.");
    assert_int_equal(acc.items[5].id, want[4]);

    EXPECT(FOLIO_ENOTFOUND, "patient_id",
           folio_roi_accounting(f->store, 999999, "2024-06-15", &f->arena, &acc, &f->err));
    EXPECT(FOLIO_EINVAL, "request_on",
           folio_roi_accounting(f->store, f->pid, "15/06/2024", &f->arena, &acc, &f->err));
}

/* The second person's QA, the packet's documents checked against the selection, the kept PDF,
 * the fee saved on a request. */
static void test_qa_packet_fee(void **state)
{
    struct fx *f = *state;
    struct folio_roi_qa_in q = {true, true, true, NULL};
    struct folio_roi_packet_info *pk = NULL;
    struct folio_roi_request r;
    struct folio_roi_event *ev = NULL;
    size_t n = 0, len = 0;
    bool passed = true;
    const unsigned char *pdf = NULL;
    int64_t req_of = 0;

    int64_t id = mk_request(f, FOLIO_ROI_PATIENT, 0, "2024-02-20");
    OK(folio_roi_request_move(f->store, id, FOLIO_ROI_VALIDATED, NULL, "roi", NOW, &f->err));
    /* QA only in qa, and only with a packet */
    EXPECT(FOLIO_ESTATE, "status", folio_roi_request_qa(f->store, id, &q, "qa", NOW, NULL, &f->err));
    OK(folio_roi_request_move(f->store, id, FOLIO_ROI_PULLED, NULL, "roi", NOW, &f->err));

    /* documents the request does not ask for, or the rules withhold, are refused */
    static const char note[] = "progress note";
    struct folio_document_new d = {.patient_id = f->pid,
                                   .type_code = "11506-3",
                                   .title = "Progress note",
                                   .service_at = "2023-06-11T09:00:00Z",
                                   .content = note,
                                   .content_len = sizeof note - 1,
                                   .mime_type = "text/plain"};
    int64_t other_type = 0, part2 = 0, ids[2];
    OK(folio_document_create(&f->chart, &d, &other_type, NULL, &f->err));
    d.type_code = "18842-5";
    d.title = "Discharge summary, detox unit";
    OK(folio_document_create(&f->chart, &d, &part2, NULL, &f->err));
    OK(folio_document_tag_add(&f->chart, part2, "sud_part2", "Part 2 program", &f->err));
    struct folio_roi_packet_in in = {.request_id = id,
                                     .document_ids = ids,
                                     .n_documents = 1,
                                     .facility_name = "Main Hospital"};
    struct folio_roi_packet p = {0};
    ids[0] = other_type;
    OK(folio_roi_packet_render(f->store, &in, NOW, &p, &f->err));
    EXPECT(FOLIO_EINVAL, "document_ids[0]",
           folio_roi_packet_record(f->store, &in, &p, "roi", NOW, NULL, &f->err));
    assert_non_null(strstr(f->err.msg, "not among the records the request asks for"));
    folio_roi_packet_release(&p);
    /* the patient may have their own Part 2 record (42 CFR 2.23): included */
    ids[0] = f->doc;
    ids[1] = part2;
    in.n_documents = 2;
    OK(folio_roi_packet_render(f->store, &in, NOW, &p, &f->err));
    OK(folio_roi_packet_record(f->store, &in, &p, "roi", NOW, NULL, &f->err));
    /* the PDF is kept, byte for byte */
    OK(folio_roi_packets(f->store, id, &f->arena, &pk, &n, &f->err));
    assert_int_equal(n, 1);
    assert_int_equal(pk[0].n_documents, 2);
    assert_int_equal(pk[0].document_ids[1], part2);
    assert_string_equal(pk[0].created_by, "roi");
    assert_false(pk[0].qa_done);
    OK(folio_roi_packet_pdf(f->store, pk[0].id, &f->arena, &pdf, &len, &req_of, &f->err));
    assert_int_equal(len, p.len);
    assert_memory_equal(pdf, p.pdf, len);
    assert_int_equal(req_of, id);
    EXPECT(FOLIO_ENOTFOUND, "packet_id",
           folio_roi_packet_pdf(f->store, pk[0].id + 100, &f->arena, &pdf, &len, NULL, &f->err));
    folio_roi_packet_release(&p);

    OK(folio_roi_request_move(f->store, id, FOLIO_ROI_QA, NULL, "roi", NOW, &f->err));
    /* not by the packet's maker */
    EXPECT(FOLIO_ESTATE, "user", folio_roi_request_qa(f->store, id, &q, "roi", NOW, NULL, &f->err));
    assert_non_null(strstr(f->err.msg, "second person"));
    /* a failed check needs a note and sends the request back */
    q.right_records = false;
    EXPECT(FOLIO_EINVAL, "note", folio_roi_request_qa(f->store, id, &q, "qa", NOW, NULL, &f->err));
    q.note = "the detox summary was not asked for";
    OK(folio_roi_request_qa(f->store, id, &q, "qa", NOW, &passed, &f->err));
    assert_false(passed);
    OK(folio_roi_request_get(f->store, id, &f->arena, &r, &f->err));
    assert_int_equal(r.status, FOLIO_ROI_PULLED);
    OK(folio_roi_packets(f->store, id, &f->arena, &pk, &n, &f->err));
    assert_true(pk[0].qa_done);
    assert_false(pk[0].qa_passed);
    assert_false(pk[0].right_records);
    assert_string_equal(pk[0].qa_by, "qa");
    /* the failed packet cannot go back to QA, nor be checked again: only a new one */
    EXPECT(FOLIO_ESTATE, "packet",
           folio_roi_request_move(f->store, id, FOLIO_ROI_QA, NULL, "roi", NOW, &f->err));
    assert_non_null(strstr(f->err.msg, "failed QA"));
    /* a new packet, checked and passed, is released and logged with its documents */
    mk_packet(f, id, "roi");
    OK(folio_roi_request_move(f->store, id, FOLIO_ROI_QA, NULL, "roi", NOW, &f->err));
    q = (struct folio_roi_qa_in){true, true, true, NULL};
    OK(folio_roi_request_qa(f->store, id, &q, "qa", NOW, &passed, &f->err));
    assert_true(passed);
    EXPECT(FOLIO_ESTATE, "packet", folio_roi_request_qa(f->store, id, &q, "qa2", NOW, NULL, &f->err));

    /* the fee: saved, replaced, read back; refused once released */
    struct folio_roi_fee_params fp = {.method = FOLIO_ROI_FEE_FLAT, .flat_cents = 650,
                                      .electronic = true};
    struct folio_roi_fee_saved saved;
    struct folio_roi_fee_result res;
    OK(folio_roi_request_fee(f->store, id, &f->arena, &saved, &f->err));
    assert_false(saved.set);
    EXPECT(FOLIO_EINVAL, "method",
           folio_roi_request_set_fee(f->store, id,
                                     &(struct folio_roi_fee_params){.method = FOLIO_ROI_FEE_FLAT,
                                                                    .flat_cents = 650},
                                     "roi", NOW, NULL, &f->err));
    OK(folio_roi_request_set_fee(f->store, id, &fp, "roi", NOW, &res, &f->err));
    assert_int_equal(res.total_cents, 650);
    fp = (struct folio_roi_fee_params){.method = FOLIO_ROI_FEE_COST, .labor_minutes = 15,
                                       .labor_cents_per_hour = 2000, .pages = 10,
                                       .supply_cents_per_page = 10};
    OK(folio_roi_request_set_fee(f->store, id, &fp, "roi", NOW, &res, &f->err));
    OK(folio_roi_request_fee(f->store, id, &f->arena, &saved, &f->err));
    assert_true(saved.set);
    assert_int_equal(saved.params.method, FOLIO_ROI_FEE_COST);
    assert_int_equal(saved.params.pages, 10);
    assert_int_equal(saved.result.total_cents, 600);
    assert_string_equal(saved.by, "roi");
    EXPECT(FOLIO_ENOTFOUND, "id", folio_roi_request_fee(f->store, id + 100, &f->arena, &saved,
                                                        &f->err));

    OK(folio_roi_request_move(f->store, id, FOLIO_ROI_RELEASED, NULL, "qa", NOW, &f->err));
    EXPECT(FOLIO_ESTATE, "status",
           folio_roi_request_set_fee(f->store, id, &fp, "roi", NOW, NULL, &f->err));
    OK(folio_roi_request_events(f->store, id, &f->arena, &ev, &n, &f->err));
    assert_string_equal(ev[n - 1].action, "release");
    struct folio_stmt *st = NULL;
    bool row = false;
    OK(folio_store_prepare_fmt(f->store, &st, &f->err,
                               "SELECT description FROM roi_disclosure WHERE request_id = ?", "i",
                               id));
    OK(folio_stmt_step(st, &row, &f->err));
    assert_true(row);
    assert_non_null(strstr(folio_stmt_column_text(st, 0), "1 document (Discharge summary)"));
    folio_stmt_free(st);
}

/* What may go is decided again at release; a medical emergency is documented; dates of things
 * that happened are not in the future. */
static void test_release_rechecks(void **state)
{
    struct fx *f = *state;
    const struct folio_roi_qa_in ok = {true, true, true, NULL};
    struct folio_roi_packet_info *pk = NULL;
    size_t n = 0;

    int64_t id = mk_request(f, FOLIO_ROI_COURT_ORDER, 0, "2024-02-20");
    OK(folio_roi_request_move(f->store, id, FOLIO_ROI_VALIDATED, NULL, "roi", NOW, &f->err));
    OK(folio_roi_request_move(f->store, id, FOLIO_ROI_PULLED, NULL, "roi", NOW, &f->err));
    packet_and_qa(f, id);
    /* tagged after QA: the release is refused and nothing is disclosed */
    OK(folio_document_tag_add(&f->chart, f->doc, "hiv_sti", NULL, &f->err));
    EXPECT(FOLIO_ESTATE, "packet",
           folio_roi_request_move(f->store, id, FOLIO_ROI_RELEASED, NULL, "qa", NOW, &f->err));
    assert_non_null(strstr(f->err.msg, "can no longer be released"));
    int64_t c = -1;
    OK(folio_store_exec_fmt(f->store, &c, NULL, NULL, &f->err,
                            "SELECT COUNT(*) FROM roi_disclosure WHERE request_id = ?", "i", id));
    assert_int_equal(c, 0);
    OK(folio_document_tag_remove(&f->chart, f->doc, "hiv_sti", "tagged by mistake", &f->err));
    OK(folio_roi_request_move(f->store, id, FOLIO_ROI_RELEASED, NULL, "qa", NOW, &f->err));
    OK(folio_store_exec_fmt(f->store, &c, NULL, NULL, &f->err,
                            "SELECT COUNT(*) FROM roi_disclosure WHERE request_id = ?", "i", id));
    assert_int_equal(c, 1);

    /* Part 2 records for a medical emergency (42 CFR 2.51): the reason is required and kept */
    static const char text[] = "detox unit discharge summary";
    struct folio_document_new d = {.patient_id = f->pid,
                                   .type_code = "18842-5",
                                   .title = "Discharge summary, detox unit",
                                   .service_at = "2023-07-10T09:00:00Z",
                                   .content = text,
                                   .content_len = sizeof text - 1,
                                   .mime_type = "text/plain"};
    int64_t p2 = 0;
    OK(folio_document_create(&f->chart, &d, &p2, NULL, &f->err));
    OK(folio_document_tag_add(&f->chart, p2, "sud_part2", NULL, &f->err));
    id = mk_request(f, FOLIO_ROI_PROVIDER_CONTINUITY, 0, "2024-02-20");
    OK(folio_roi_request_move(f->store, id, FOLIO_ROI_VALIDATED, NULL, "roi", NOW, &f->err));
    OK(folio_roi_request_move(f->store, id, FOLIO_ROI_PULLED, NULL, "roi", NOW, &f->err));
    struct folio_roi_packet_in in = {.request_id = id,
                                     .document_ids = &p2,
                                     .n_documents = 1,
                                     .facility_name = "Main Hospital",
                                     .select_flags = FOLIO_ROI_SELECT_EMERGENCY};
    struct folio_roi_packet p = {0};
    OK(folio_roi_packet_render(f->store, &in, NOW, &p, &f->err));
    EXPECT(FOLIO_EINVAL, "emergency_reason",
           folio_roi_packet_record(f->store, &in, &p, "roi", NOW, NULL, &f->err));
    in.emergency_reason = "unresponsive on arrival, suspected overdose";
    OK(folio_roi_packet_record(f->store, &in, &p, "roi", NOW, NULL, &f->err));
    folio_roi_packet_release(&p);
    OK(folio_roi_packets(f->store, id, &f->arena, &pk, &n, &f->err));
    assert_int_equal(n, 1);
    assert_int_equal(pk[0].select_flags, FOLIO_ROI_SELECT_EMERGENCY);
    assert_string_equal(pk[0].emergency_reason, "unresponsive on arrival, suspected overdose");
    OK(folio_roi_request_move(f->store, id, FOLIO_ROI_QA, NULL, "roi", NOW, &f->err));
    OK(folio_roi_request_qa(f->store, id, &ok, "qa", NOW, NULL, &f->err));
    OK(folio_roi_request_move(f->store, id, FOLIO_ROI_RELEASED, NULL, "qa", NOW, &f->err));
    struct folio_stmt *st = NULL;
    bool row = false;
    OK(folio_store_prepare_fmt(f->store, &st, &f->err,
                               "SELECT description FROM roi_disclosure WHERE request_id = ?", "i",
                               id));
    OK(folio_stmt_step(st, &row, &f->err));
    assert_true(row);
    assert_non_null(strstr(folio_stmt_column_text(st, 0),
                           "medical emergency (42 CFR 2.51): unresponsive on arrival"));
    folio_stmt_free(st);

    /* received or disclosed in the future: refused */
    struct folio_roi_request r = {.patient_id = f->pid,
                                  .requester_type = FOLIO_ROI_PATIENT,
                                  .requester_name = "x",
                                  .purpose = "x",
                                  .delivery = "mail",
                                  .received_on = "2024-03-02"};
    EXPECT(FOLIO_EINVAL, "received_on",
           folio_roi_request_create(f->store, &r, "roi", NOW, &f->err));
    struct folio_roi_disclosure dd = {.patient_id = f->pid,
                                      .disclosed_on = "2024-03-02",
                                      .recipient = "x",
                                      .description = "x",
                                      .purpose = "x",
                                      .basis = "public_health"};
    EXPECT(FOLIO_EINVAL, "disclosed_on",
           folio_roi_disclosure_record(f->store, &dd, "roi", NOW, &f->err));

    /* the patient's authorizations, newest first, with paging */
    struct folio_roi_auth *av = NULL;
    bool more = true;
    int64_t a1 = mk_auth(f, full_auth(f->pid)), a2 = mk_auth(f, full_auth(f->pid));
    OK(folio_roi_auth_list(f->store, f->pid, 1, &f->arena, &av, &n, &more, &f->err));
    assert_int_equal(n, 1);
    assert_true(more);
    assert_int_equal(av[0].id, a2);
    OK(folio_roi_auth_list(f->store, f->pid, 10, &f->arena, &av, &n, &more, &f->err));
    assert_int_equal(n, 2);
    assert_false(more);
    assert_int_equal(av[1].id, a1);
    assert_string_equal(av[1].recipient, "Lawyer & Partners LLP");
    EXPECT(FOLIO_ENOTFOUND, "patient_id",
           folio_roi_auth_list(f->store, 999999, 10, &f->arena, &av, &n, &more, &f->err));
    assert_string_equal(folio_roi_auth_verdict_name(FOLIO_AUTH_NOT_SIGNED_YET), "not_signed_yet");
    assert_int_equal(folio_roi_fee_method_parse("flat"), FOLIO_ROI_FEE_FLAT);
    assert_null(folio_roi_fee_method_name((enum folio_roi_fee_method)9));
}

static void test_pure_tables(void **state)
{
    (void)state;
    for (int t = 1; t <= FOLIO_ROI_N_REQUESTERS; t++) {
        const char *name = folio_roi_requester_name((enum folio_roi_requester)t);
        assert_non_null(name);
        assert_int_equal(folio_roi_requester_parse(name), t);
        assert_true(
            folio_roi_basis_known(folio_roi_requester_basis((enum folio_roi_requester)t, false)));
    }
    assert_null(folio_roi_requester_name(0));
    assert_int_equal(folio_roi_requester_parse("nobody"), 0);
    assert_false(folio_roi_requester_needs_auth(FOLIO_ROI_PUBLIC_HEALTH, false, NULL));
    assert_true(folio_roi_requester_needs_auth(FOLIO_ROI_ATTORNEY_SUBPOENA, false, NULL));
    assert_false(folio_roi_requester_needs_auth(FOLIO_ROI_ATTORNEY_SUBPOENA, true, NULL));
    assert_false(folio_roi_basis_accountable("tpo", "2020-01-01"));
    assert_true(folio_roi_basis_accountable("health_oversight", "2020-01-01"));
    assert_false(folio_roi_basis_accountable("health_oversight", "2003-04-13"));
    assert_false(folio_roi_basis_accountable("unknown", "2020-01-01"));
    assert_string_equal(folio_roi_basis_cite("public_health"), "45 CFR 164.512(b)");
    for (int a = 1; a <= FOLIO_ROI_DENIED; a++)
        assert_false(folio_roi_status_can(FOLIO_ROI_RELEASED, (enum folio_roi_status)a) ||
                     folio_roi_status_can(FOLIO_ROI_DENIED, (enum folio_roi_status)a));
    assert_true(folio_roi_status_can(FOLIO_ROI_QA, FOLIO_ROI_PULLED));
    assert_false(folio_roi_status_can(FOLIO_ROI_PULLED, FOLIO_ROI_VALIDATED));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_each_requester_through_statuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_authorization_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checklist, setup, teardown),
        cmocka_unit_test_setup_teardown(test_due_and_extension, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fee, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accounting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_qa_packet_fee, setup, teardown),
        cmocka_unit_test_setup_teardown(test_release_rechecks, setup, teardown),
        cmocka_unit_test(test_pure_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

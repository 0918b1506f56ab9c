/* The release-of-information part of `folio demo` (issue 9; docs/roi.md, docs/ui.md "Release of
 * information"): so the ROI queue, the request screen and the accounting of disclosures have
 * content.
 *
 *   - three authorizations: a valid one (the demo patient's, to an attorney), one missing
 *     elements (no discloser, no statement on conditioning) and an expired one;
 *   - requests in several statuses, dated from today: received (the incomplete and the expired
 *     authorization), validated (the valid one), pulled (a payer), an access request of the
 *     patient that is overdue, one nearly due, a denied one, one waiting in QA, and released
 *     ones: the patient's own copy (not in the accounting) and a court order (listed);
 *   - a public health report recorded outside a request (listed in the accounting).
 *
 * Dates are relative to the real clock, so the queue always has an overdue request. The ROI
 * specialist "roi" acts; "roi.qa" performs the second-person QA. Seeded once: nothing is added
 * when any ROI request exists. Prints nothing (PHI never goes to stdout). */
#include "folio/base.h"
#include "folio/records.h"
#include "folio/roi.h"
#include "folio/time.h"

#include "cli/demo_parts.h"
#include "server/server.h"

#include <string.h>
#include <time.h>

#define ROI_SYSTEM   "folio-demo"
#define ROI_MAKER    "roi"
#define ROI_CHECKER  "roi.qa"

struct roi_seed {
    struct folio_cli *cli;
    const struct folio_chart *c;
    int64_t today; /* days since 1970-01-01 */
};

/* "YYYY-MM-DD" of today + delta days, in out. */
static const char *day(const struct roi_seed *s, int64_t delta, char out[11])
{
    folio_date_format_days(s->today + delta, out);
    return out;
}

/* The n-th patient (by id) other than `skip`, or 0 when there are fewer. */
static enum folio_rc other_patient(struct roi_seed *s, int64_t skip, int64_t n, int64_t *out)
{
    const int64_t p[2] = {skip, n};
    bool found = false;
    enum folio_rc rc;

    *out = 0;
    rc = folio_store_query_i64(s->c->store,
                               "SELECT id FROM patient WHERE id <> ? ORDER BY id LIMIT 1 OFFSET ?",
                               p, 2, out, &found, &s->cli->err);
    if (rc == FOLIO_OK && !found)
        *out = 0;
    return rc;
}

enum demo_auth { DEMO_AUTH_VALID, DEMO_AUTH_INCOMPLETE, DEMO_AUTH_EXPIRED };

static enum folio_rc auth(struct roi_seed *s, int64_t pid, enum demo_auth kind, int64_t *id)
{
    char signed_on[11], expires[11];
    struct folio_roi_auth a;
    enum folio_rc rc;

    memset(&a, 0, sizeof a);
    a.patient_id = pid;
    a.description = "All records of the admission of March 2024: history and physical, "
                    "operative note, discharge summary";
    a.discloser = "Folio General Hospital";
    a.recipient = "Smith & Partners LLP, 200 Main Street, Omaha NE 68102";
    a.purpose = "Personal injury claim, at the request of the individual";
    a.signed_by = "the patient";
    a.stmt_revoke = a.stmt_conditioning = a.stmt_redisclosure = true;
    (void)day(s, -10, signed_on);
    (void)day(s, 365, expires);
    a.signed_on = signed_on;
    a.expires_on = expires;
    /* incomplete: no discloser, no statement on conditioning */
    if (kind == DEMO_AUTH_INCOMPLETE) {
        a.discloser = NULL;
        a.stmt_conditioning = false;
        a.recipient = "Baker Law Group, 15 Elm Avenue, Lincoln NE 68508";
        a.purpose = "Litigation";
    } else if (kind == DEMO_AUTH_EXPIRED) { /* expired a month ago */
        (void)day(s, -400, signed_on);
        (void)day(s, -30, expires);
        a.recipient = "University Health Outcomes Study";
        a.purpose = "Research study of surgical outcomes";
    }
    rc = folio_roi_auth_create(s->c->store, &a, ROI_MAKER, NULL, &s->cli->err);
    *id = a.id;
    return rc;
}

struct req_spec {
    enum folio_roi_requester type;
    const char *name, *address, *purpose, *delivery;
    int64_t received; /* days before today */
    const char *date_from, *date_to, *doc_types;
};

static enum folio_rc request(struct roi_seed *s, int64_t pid, const struct req_spec *q,
                             int64_t auth_id, int64_t *id)
{
    struct folio_roi_request r;
    char received[11];
    enum folio_rc rc;

    memset(&r, 0, sizeof r);
    r.patient_id = pid;
    r.requester_type = q->type;
    r.requester_name = q->name;
    r.requester_address = q->address;
    r.purpose = q->purpose;
    r.delivery = q->delivery;
    r.date_from = q->date_from;
    r.date_to = q->date_to;
    r.doc_types = q->doc_types;
    r.authorization_id = auth_id;
    r.received_on = day(s, -q->received, received);
    rc = folio_roi_request_create(s->c->store, &r, ROI_MAKER, NULL, &s->cli->err);
    *id = r.id;
    return rc;
}

static enum folio_rc move(struct roi_seed *s, int64_t id, enum folio_roi_status to,
                          const char *detail)
{
    return folio_roi_request_move(s->c->store, id, to, detail, ROI_MAKER, NULL, &s->cli->err);
}

/* Renders and records the packet of the included documents (the request is pulled). */
static enum folio_rc packet(struct roi_seed *s, int64_t id)
{
    struct folio_roi_selection sel;
    struct folio_roi_packet_in in;
    struct folio_roi_packet p;
    struct folio_roi_request r;
    struct folio_arena a;
    int64_t *ids = NULL;
    enum folio_rc rc;

    memset(&p, 0, sizeof p);
    folio_arena_init(&a, 0);
    rc = folio_roi_select(s->c->store, id, 0, NULL, &a, &sel, &s->cli->err);
    if (rc == FOLIO_OK)
        rc = folio_roi_request_get(s->c->store, id, &a, &r, &s->cli->err);
    if (rc)
        goto out;
    if (sel.n_included == 0) {
        rc = folio_err_set(&s->cli->err, FOLIO_EINTERNAL, "document_ids",
                           "demo ROI request %lld has no document to release", (long long)id);
        goto out;
    }
    ids = folio_arena_calloc(&a, sel.n_included, sizeof *ids);
    if (!ids) {
        rc = folio_err_set(&s->cli->err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < sel.n_included; i++)
        ids[i] = sel.included[i].document_id;
    memset(&in, 0, sizeof in);
    in.request_id = id;
    in.document_ids = ids;
    in.n_documents = sel.n_included;
    in.facility_name = FOLIO_SERVER_FACILITY_DEFAULT; /* what `folio serve` prints */
    in.part2 = sel.part2_notice;
    in.redisclosure_notice = !folio_roi_requester_is_access(r.requester_type);
    rc = folio_roi_packet_render(s->c->store, &in, NULL, &p, &s->cli->err);
    if (rc == FOLIO_OK)
        rc = folio_roi_packet_record(s->c->store, &in, &p, ROI_MAKER, NULL, NULL, &s->cli->err);
out:
    folio_roi_packet_release(&p);
    folio_arena_release(&a);
    return rc;
}

/* validated -> pulled -> packet -> qa (-> QA passed by the second person -> released). */
static enum folio_rc through_qa(struct roi_seed *s, int64_t id, bool release)
{
    const struct folio_roi_qa_in ok = {true, true, true, "Patient, records and recipient checked"};
    enum folio_rc rc;

    rc = move(s, id, FOLIO_ROI_PULLED, "Records pulled from the electronic record");
    if (rc == FOLIO_OK)
        rc = packet(s, id);
    if (rc == FOLIO_OK)
        rc = move(s, id, FOLIO_ROI_QA, NULL);
    if (rc == FOLIO_OK && release) {
        bool passed = false;
        rc = folio_roi_request_qa(s->c->store, id, &ok, ROI_CHECKER, NULL, &passed, &s->cli->err);
        if (rc == FOLIO_OK)
            rc = move(s, id, FOLIO_ROI_RELEASED, "Sent by secure e-mail");
    }
    return rc;
}

static enum folio_rc seed(struct roi_seed *s)
{
    static const struct req_spec attorney_ok = {FOLIO_ROI_ATTORNEY_AUTHORIZATION,
                                                "Smith & Partners LLP",
                                                "200 Main Street, Omaha NE 68102",
                                                "Personal injury claim",
                                                "mail",
                                                4,
                                                "2024-03-01",
                                                "2024-03-31",
                                                NULL};
    static const struct req_spec attorney_bad = {FOLIO_ROI_ATTORNEY_AUTHORIZATION,
                                                 "Baker Law Group",
                                                 "15 Elm Avenue, Lincoln NE 68508",
                                                 "Litigation",
                                                 "mail",
                                                 3,
                                                 NULL,
                                                 NULL,
                                                 NULL};
    static const struct req_spec research = {FOLIO_ROI_RESEARCHER,
                                             "University Health Outcomes Study",
                                             "1 College Road, Omaha NE 68131",
                                             "Research study of surgical outcomes",
                                             "electronic_media",
                                             2,
                                             NULL,
                                             NULL,
                                             NULL};
    static const struct req_spec access_late = {FOLIO_ROI_PATIENT,
                                                "the patient",
                                                NULL,
                                                "Personal copy of the records",
                                                "portal",
                                                40,
                                                NULL,
                                                NULL,
                                                NULL};
    static const struct req_spec access_soon = {FOLIO_ROI_PERSONAL_REPRESENTATIVE,
                                                "Jordan Demo (health care power of attorney)",
                                                "100 Demo Street, Omaha NE 68102",
                                                "Copy for the representative",
                                                "mail",
                                                25,
                                                NULL,
                                                NULL,
                                                NULL};
    static const struct req_spec payer = {FOLIO_ROI_PAYER,
                                          "Great Plains Health Plan",
                                          "PO Box 4400, Omaha NE 68103",
                                          "Claim review of the March 2024 admission",
                                          "fax",
                                          6,
                                          NULL,
                                          NULL,
                                          NULL};
    static const struct req_spec police = {FOLIO_ROI_LAW_ENFORCEMENT,
                                           "Omaha Police Department",
                                           "505 South 15th Street, Omaha NE",
                                           "Investigation (no warrant or subpoena presented)",
                                           "pickup",
                                           9,
                                           NULL,
                                           NULL,
                                           NULL};
    static const struct req_spec provider = {FOLIO_ROI_PROVIDER_CONTINUITY,
                                             "Lakeside Family Practice",
                                             "30 Lake Road, Omaha NE",
                                             "Continuity of care after discharge",
                                             "fax",
                                             7,
                                             "2024-03-01",
                                             "2024-03-31",
                                             NULL};
    static const struct req_spec own_copy = {FOLIO_ROI_PATIENT,
                                             "the patient",
                                             NULL,
                                             "Personal copy of the discharge summary",
                                             "portal",
                                             20,
                                             "2024-03-01",
                                             "2024-03-31",
                                             ",18842-5,"};
    static const struct req_spec court = {FOLIO_ROI_COURT_ORDER,
                                          "District Court of Douglas County",
                                          "1701 Farnam Street, Omaha NE",
                                          "Order for production of records, case CI 24-1234",
                                          "mail",
                                          12,
                                          "2024-03-01",
                                          "2024-03-31",
                                          ",11504-8,"};
    struct folio_roi_disclosure d;
    char on[11];
    int64_t alex = 0, p2 = 0, p3 = 0, p4 = 0, a_ok = 0, a_bad = 0, a_old = 0, id = 0;
    enum folio_rc rc;

    rc = folio_records_find_ext(s->c, FOLIO_EXT_PATIENT, ROI_SYSTEM, "patient-1", &alex,
                                &s->cli->err);
    if (rc == FOLIO_ENOTFOUND) { /* no demo patient: nothing to seed */
        folio_err_clear(&s->cli->err);
        return FOLIO_OK;
    }
    if (rc == FOLIO_OK)
        rc = other_patient(s, alex, 0, &p2);
    if (rc == FOLIO_OK)
        rc = other_patient(s, alex, 1, &p3);
    if (rc == FOLIO_OK)
        rc = other_patient(s, alex, 2, &p4);
    if (rc)
        return rc;
    if (!p2)
        p2 = alex;
    if (!p3)
        p3 = p2;
    if (!p4)
        p4 = p3;

    rc = auth(s, alex, DEMO_AUTH_VALID, &a_ok);
    if (rc == FOLIO_OK)
        rc = auth(s, p2, DEMO_AUTH_INCOMPLETE, &a_bad);
    if (rc == FOLIO_OK)
        rc = auth(s, p3, DEMO_AUTH_EXPIRED, &a_old);

    /* validated: the attorney with the valid authorization */
    if (rc == FOLIO_OK)
        rc = request(s, alex, &attorney_ok, a_ok, &id);
    if (rc == FOLIO_OK)
        rc = move(s, id, FOLIO_ROI_VALIDATED, "Authorization checked");
    /* received: an incomplete and an expired authorization (validation is refused) */
    if (rc == FOLIO_OK)
        rc = request(s, p2, &attorney_bad, a_bad, &id);
    if (rc == FOLIO_OK)
        rc = request(s, p3, &research, a_old, &id);
    /* the patient's access request, overdue (received 40 days ago, due 10 days ago) */
    if (rc == FOLIO_OK)
        rc = request(s, p4, &access_late, 0, &id);
    if (rc == FOLIO_OK)
        rc = move(s, id, FOLIO_ROI_VALIDATED, "Identity verified at the front desk");
    /* a representative's access request due in 5 days */
    if (rc == FOLIO_OK)
        rc = request(s, alex, &access_soon, 0, &id);
    /* pulled: a payer */
    if (rc == FOLIO_OK)
        rc = request(s, p2, &payer, 0, &id);
    if (rc == FOLIO_OK)
        rc = move(s, id, FOLIO_ROI_VALIDATED, NULL);
    if (rc == FOLIO_OK)
        rc = move(s, id, FOLIO_ROI_PULLED, NULL);
    /* denied: law enforcement without process */
    if (rc == FOLIO_OK)
        rc = request(s, p3, &police, 0, &id);
    if (rc == FOLIO_OK)
        rc = folio_roi_request_move(s->c->store, id, FOLIO_ROI_DENIED,
                                    "No warrant, subpoena or court order presented; the "
                                    "requester was told what 164.512(f)(1) requires",
                                    ROI_MAKER, NULL, &s->cli->err);
    /* in QA: a provider for continuity of care, waiting for the second person */
    if (rc == FOLIO_OK)
        rc = request(s, alex, &provider, 0, &id);
    if (rc == FOLIO_OK)
        rc = move(s, id, FOLIO_ROI_VALIDATED, NULL);
    if (rc == FOLIO_OK)
        rc = through_qa(s, id, false);
    /* released: the patient's own copy (not in the accounting) and a court order (listed) */
    if (rc == FOLIO_OK)
        rc = request(s, alex, &own_copy, 0, &id);
    if (rc == FOLIO_OK)
        rc = move(s, id, FOLIO_ROI_VALIDATED, "Identity verified (portal account)");
    if (rc == FOLIO_OK)
        rc = through_qa(s, id, true);
    if (rc == FOLIO_OK)
        rc = request(s, alex, &court, 0, &id);
    if (rc == FOLIO_OK)
        rc = move(s, id, FOLIO_ROI_VALIDATED, "Court order checked: signed by the judge");
    if (rc == FOLIO_OK)
        rc = through_qa(s, id, true);
    /* a public health report made outside a request */
    if (rc == FOLIO_OK) {
        memset(&d, 0, sizeof d);
        d.patient_id = alex;
        d.disclosed_on = day(s, -60, on);
        d.recipient = "Nebraska Department of Health and Human Services";
        d.recipient_address = "301 Centennial Mall South, Lincoln NE 68509";
        d.description = "Reportable condition case report: laboratory result and diagnosis";
        d.purpose = "Mandatory reporting of a notifiable condition";
        d.basis = "public_health";
        rc = folio_roi_disclosure_record(s->c->store, &d, ROI_MAKER, NULL, &s->cli->err);
    }
    return rc;
}

enum folio_rc folio_demo_roi(struct folio_cli *cli, const struct folio_chart *c)
{
    struct roi_seed s = {cli, c, 0};
    const struct folio_chart chart = {c->store, c->key, ROI_MAKER};
    int64_t n = 0;
    bool found = false;
    enum folio_rc rc;

    s.c = &chart;
    s.today = (int64_t)(time(NULL) / 86400);
    rc = folio_store_begin(c->store, &cli->err);
    if (rc)
        return rc;
    rc = folio_store_query_i64(c->store, "SELECT COUNT(*) FROM roi_request", NULL, 0, &n, &found,
                               &cli->err);
    if (rc == FOLIO_OK && n == 0)
        rc = seed(&s);
    if (rc == FOLIO_OK)
        rc = folio_store_commit(c->store, &cli->err);
    if (rc)
        folio_store_rollback(c->store);
    return rc;
}

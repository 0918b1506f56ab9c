/* ROI requests: intake, the status machine with its append-only history, the authorization gate,
 * the 164.524(b)(2) deadline and its one extension. include/folio/roi.h, docs/roi.md. */
#include "folio/base.h"

#include "roi/roi_int.h"

static const char *const deliveries[] = {"mail",  "pickup", "fax",
                                         "email", "portal", "electronic_media"};

static bool delivery_known(const char *d)
{
    for (size_t i = 0; d && i < sizeof deliveries / sizeof deliveries[0]; i++)
        if (strcmp(deliveries[i], d) == 0)
            return true;
    return false;
}

enum folio_rc roi_add_event(struct folio_store *s, int64_t id, const char *at, const char *user,
                            const char *action, const char *from, const char *to,
                            const char *detail, struct folio_err *err)
{
    return roi_exec(s, NULL, err,
                    "INSERT INTO roi_request_event (request_id, at, user_name, action, "
                    "from_status, to_status, detail) VALUES (?,?,?,?,?,?,?)",
                    "iTTTtTt", id, at, user, action, from, to, detail);
}

/* The authorization, when linked, must be the patient's. */
static enum folio_rc auth_of_patient(struct folio_store *s, int64_t auth_id, int64_t patient_id,
                                     struct folio_err *err)
{
    int64_t pid = 0;
    bool found = false;
    enum folio_rc rc =
        folio_store_exec_fmt(s, &pid, &found, NULL, err,
                             "SELECT patient_id FROM roi_authorization WHERE id = ?", "i", auth_id);
    if (rc == FOLIO_OK && !found)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "authorization_id",
                           "no authorization with id %lld", (long long)auth_id);
    if (rc == FOLIO_OK && pid != patient_id)
        rc = folio_err_set(err, FOLIO_EINVAL, "authorization_id",
                           "authorization %lld is another patient's", (long long)auth_id);
    return rc;
}

enum folio_rc folio_roi_request_create(struct folio_store *s, struct folio_roi_request *r,
                                       const char *user, const char *now, struct folio_err *err)
{
    char at[32], today[11], recv[11], from[11], to[11], due[11] = "";
    int64_t d = 0, f = 0, t = 0;
    enum folio_rc rc;
    if ((rc = roi_user(user, err)) || (rc = roi_now(now, at, today, err)))
        return rc;
    if (!folio_roi_requester_name(r->requester_type))
        return folio_err_set(err, FOLIO_EINVAL, "requester_type",
                             "requester_type: %d is not a requester type", (int)r->requester_type);
    if ((rc = roi_text(r->requester_name, true, "requester_name", err)) ||
        (rc = roi_text(r->requester_address, false, "requester_address", err)) ||
        (rc = roi_text(r->doc_types, false, "doc_types", err)) ||
        (rc = roi_text(r->purpose, true, "purpose", err)) ||
        (rc = roi_date_arg(r->received_on, today, "received_on", recv, err)) ||
        (rc = roi_not_future(recv, today, "received_on", err)) ||
        (rc = roi_date_arg(r->date_from, NULL, "date_from", from, err)) ||
        (rc = roi_date_arg(r->date_to, NULL, "date_to", to, err)))
        return rc;
    if (!delivery_known(r->delivery))
        return folio_err_set(err, FOLIO_EINVAL, "delivery",
                             "delivery: '%.40s' is not mail, pickup, fax, email, portal or "
                             "electronic_media",
                             r->delivery ? r->delivery : "");
    if (from[0] && to[0] && roi_date_days(from, &f) && roi_date_days(to, &t) && f > t)
        return folio_err_set(err, FOLIO_EINVAL, "date_to", "date_to: %s is before date_from %s", to,
                             from);
    if (folio_roi_requester_is_access(r->requester_type) && roi_date_days(recv, &d))
        roi_date_fmt(d + FOLIO_ROI_ACCESS_DAYS, due); /* 45 CFR 164.524(b)(2)(i) */
    if ((rc = folio_store_begin(s, err)))
        return rc;
    rc = roi_patient_exists(s, r->patient_id, "patient_id", err);
    if (rc == FOLIO_OK && r->authorization_id)
        rc = auth_of_patient(s, r->authorization_id, r->patient_id, err);
    if (rc == FOLIO_OK)
        rc =
            roi_exec(s, &r->id, err,
                     "INSERT INTO roi_request (patient_id, requester_type, requester_name, "
                     "requester_address, date_from, date_to, doc_types, purpose, delivery, "
                     "authorization_id, subpoena_assurance, status, received_on, due_on, "
                     "created_at, created_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                     "RETURNING id",
                     "iTTttttTTIiTTtTT", r->patient_id, folio_roi_requester_name(r->requester_type),
                     r->requester_name, r->requester_address, from, to, r->doc_types, r->purpose,
                     r->delivery, r->authorization_id, (int64_t)r->subpoena_assurance, "received",
                     recv, due, at, user);
    if (rc == FOLIO_OK)
        rc = roi_add_event(s, r->id, at, user, "receive", NULL, "received",
                       folio_roi_requester_name(r->requester_type), err);
    return folio_store_end(s, rc, err);
}

enum folio_rc folio_roi_request_get(struct folio_store *s, int64_t id, struct folio_arena *ar,
                                    struct folio_roi_request *out, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false, oom = false;
    enum folio_rc rc = roi_prepare(
        s, &st, err,
        "SELECT patient_id, requester_type, requester_name, requester_address, date_from, "
        "date_to, doc_types, purpose, delivery, authorization_id, subpoena_assurance, status, "
        "deny_reason, received_on, due_on, original_due_on, extension_reason, released_on "
        "FROM roi_request WHERE id = ?",
        "i", id);
    if (rc == FOLIO_OK)
        rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && !row)
        rc =
            folio_err_set(err, FOLIO_ENOTFOUND, "id", "no ROI request with id %lld", (long long)id);
    if (rc == FOLIO_OK) {
        *out = (struct folio_roi_request){.id = id, .patient_id = folio_stmt_column_i64(st, 0)};
        out->requester_type = folio_roi_requester_parse(folio_stmt_column_text(st, 1));
        out->requester_name = folio_stmt_column_dup(ar, st, 2, &oom);
        out->requester_address = folio_stmt_column_dup(ar, st, 3, &oom);
        out->date_from = folio_stmt_column_dup(ar, st, 4, &oom);
        out->date_to = folio_stmt_column_dup(ar, st, 5, &oom);
        out->doc_types = folio_stmt_column_dup(ar, st, 6, &oom);
        out->purpose = folio_stmt_column_dup(ar, st, 7, &oom);
        out->delivery = folio_stmt_column_dup(ar, st, 8, &oom);
        out->authorization_id = folio_stmt_column_i64(st, 9);
        out->subpoena_assurance = folio_stmt_column_i64(st, 10) != 0;
        out->status = folio_roi_status_parse(folio_stmt_column_text(st, 11));
        out->deny_reason = folio_stmt_column_dup(ar, st, 12, &oom);
        out->received_on = folio_stmt_column_dup(ar, st, 13, &oom);
        out->due_on = folio_stmt_column_dup(ar, st, 14, &oom);
        out->original_due_on = folio_stmt_column_dup(ar, st, 15, &oom);
        out->extension_reason = folio_stmt_column_dup(ar, st, 16, &oom);
        out->released_on = folio_stmt_column_dup(ar, st, 17, &oom);
        if (oom)
            rc = folio_err_set(err, FOLIO_ENOMEM, "id", "out of memory reading ROI request");
    }
    folio_stmt_free(st);
    return rc;
}

enum folio_rc folio_roi_request_set_auth(struct folio_store *s, int64_t id, int64_t auth_id,
                                         const char *user, const char *now, struct folio_err *err)
{
    struct folio_arena ar;
    struct folio_roi_request r;
    char at[32], today[11], detail[40];
    enum folio_rc rc;
    if ((rc = roi_user(user, err)) || (rc = roi_now(now, at, today, err)))
        return rc;
    folio_arena_init(&ar, 0);
    if ((rc = folio_store_begin(s, err)))
        goto out;
    rc = folio_roi_request_get(s, id, &ar, &r, err);
    if (rc == FOLIO_OK && r.status != FOLIO_ROI_RECEIVED)
        rc = folio_err_set(err, FOLIO_ESTATE, "status",
                           "ROI request %lld is %s: its authorization is set while received",
                           (long long)id, folio_roi_status_name(r.status));
    if (rc == FOLIO_OK)
        rc = auth_of_patient(s, auth_id, r.patient_id, err);
    if (rc == FOLIO_OK)
        rc = roi_exec(s, NULL, err, "UPDATE roi_request SET authorization_id = ? WHERE id = ?",
                      "ii", auth_id, id);
    if (rc == FOLIO_OK) {
        folio_snprintf(detail, sizeof detail, "authorization %lld", (long long)auth_id);
        rc = roi_add_event(s, id, at, user, "authorize", "received", "received", detail, err);
    }
    rc = folio_store_end(s, rc, err);
out:
    folio_arena_release(&ar);
    return rc;
}

/* The verdict in a sentence (folio_roi_auth_verdict_name is the machine name). */
static const char *verdict_phrase(enum folio_roi_auth_verdict v)
{
    switch (v) {
    case FOLIO_AUTH_VALID:
        return "valid";
    case FOLIO_AUTH_INCOMPLETE:
        return "incomplete";
    case FOLIO_AUTH_EXPIRED:
        return "expired";
    case FOLIO_AUTH_REVOKED:
        return "revoked";
    case FOLIO_AUTH_NOT_SIGNED_YET:
        return "not yet signed";
    }
    return "invalid";
}

/* The authorization gate of validation and release (docs/roi.md "Authorization"). */
static enum folio_rc check_auth(struct folio_store *s, const struct folio_roi_request *r,
                                const char *today, struct folio_arena *ar, struct folio_err *err)
{
    const char *cite = NULL;
    struct folio_roi_auth a;
    struct folio_roi_auth_result res;
    enum folio_rc rc;
    if (!folio_roi_requester_needs_auth(r->requester_type, r->subpoena_assurance, &cite))
        return FOLIO_OK;
    if (!r->authorization_id)
        return folio_err_set(err, FOLIO_ESTATE, "authorization",
                             "a release to %s needs a valid authorization (%s): none is linked",
                             folio_roi_requester_name(r->requester_type), cite);
    rc = folio_roi_auth_get(s, r->authorization_id, ar, &a, err);
    if (rc == FOLIO_OK)
        rc = folio_roi_auth_check(&a, today, &res, err);
    if (rc || res.verdict == FOLIO_AUTH_VALID)
        return rc;
    if (res.verdict == FOLIO_AUTH_INCOMPLETE) {
        for (int i = 0; i < FOLIO_AUTH_N_ELEMENTS; i++)
            if (!res.items[i].present)
                return folio_err_set(err, FOLIO_ESTATE, "authorization",
                                     "authorization %lld is not valid (%s): %s is missing (%s)",
                                     (long long)a.id, res.verdict_citation, res.items[i].element,
                                     res.items[i].citation);
    }
    return folio_err_set(err, FOLIO_ESTATE, "authorization", "authorization %lld is %s (%s)",
                         (long long)a.id, verdict_phrase(res.verdict), res.verdict_citation);
}

static const char *action_of(enum folio_roi_status from, enum folio_roi_status to)
{
    switch (to) {
    case FOLIO_ROI_VALIDATED:
        return "validate";
    case FOLIO_ROI_PULLED:
        return from == FOLIO_ROI_QA ? "return" : "pull";
    case FOLIO_ROI_QA:
        return "qa";
    case FOLIO_ROI_RELEASED:
        return "release";
    case FOLIO_ROI_DENIED:
        return "deny";
    case FOLIO_ROI_RECEIVED:
    default:
        return "receive";
    }
}

/* Sending to QA needs a packet; releasing needs the latest packet to have passed QA (a second
 * person's check, folio_roi_request_qa). *pk gets that packet. */
static enum folio_rc check_packet(struct folio_store *s, const struct folio_roi_request *r,
                                  enum folio_roi_status to, const char *now,
                                  struct folio_arena *ar, struct folio_roi_packet_info *pk,
                                  struct folio_err *err)
{
    bool found = false;
    enum folio_rc rc = roi_latest_packet(s, r->id, ar, pk, &found, err);
    if (rc)
        return rc;
    if (!found)
        return folio_err_set(err, FOLIO_ESTATE, "packet",
                             "ROI request %lld has no release packet: make one before %s",
                             (long long)r->id, to == FOLIO_ROI_QA ? "QA" : "release");
    /* a packet that failed QA goes back only as a new packet, with its own check */
    if (to == FOLIO_ROI_QA && pk->qa_done && !pk->qa_passed)
        return folio_err_set(err, FOLIO_ESTATE, "packet",
                             "packet %lld failed QA: make a new packet before sending it to QA",
                             (long long)pk->id);
    if (to == FOLIO_ROI_RELEASED && !(pk->qa_done && pk->qa_passed))
        return folio_err_set(err, FOLIO_ESTATE, "qa",
                             "packet %lld of ROI request %lld has not passed QA by a second "
                             "person: it cannot be released",
                             (long long)pk->id, (long long)r->id);
    /* what may go is decided again at release: a document tagged sensitive or marked entered
     * in error since the packet was made must not leave */
    if (to == FOLIO_ROI_RELEASED) {
        struct folio_err e2 = {0};
        rc = roi_check_selection(s, r->id, pk->document_ids, pk->n_documents, pk->select_flags,
                                 pk->part2_notice, now, ar, &e2);
        if (rc == FOLIO_EINVAL)
            return folio_err_set(err, FOLIO_ESTATE, "packet",
                                 "packet %lld can no longer be released (%s): %s",
                                 (long long)pk->id, e2.field, e2.msg);
        if (rc && err)
            *err = e2;
        return rc;
    }
    return FOLIO_OK;
}

/* The disclosure of a release (164.528(b)(2)(iii): a brief description of the information):
 * the packet's documents by title, the dates asked for. */
static enum folio_rc log_release(struct folio_store *s, const struct folio_roi_request *r,
                                 const struct folio_roi_packet_info *pk, const char *today,
                                 const char *user, const char *at, struct folio_err *err)
{
    struct folio_buf desc;
    int64_t did = 0;
    enum folio_rc rc = FOLIO_OK;
    struct folio_roi_disclosure d = {
        .patient_id = r->patient_id,
        .recipient = r->requester_name,
        .recipient_address = r->requester_address,
        .purpose = r->purpose,
        .basis = folio_roi_requester_basis(r->requester_type, r->subpoena_assurance),
        .request_id = r->id,
        .authorization_id = r->authorization_id,
    };
    folio_buf_init(&desc, FOLIO_ROI_TEXT_MAX);
    if (folio_buf_appendf(&desc, "%zu document%s (", pk->n_documents,
                          pk->n_documents == 1 ? "" : "s"))
        rc = FOLIO_ETOOBIG;
    for (size_t i = 0; rc == FOLIO_OK && i < pk->n_documents; i++) {
        struct folio_stmt *st = NULL;
        bool row = false;
        rc = roi_prepare(s, &st, err, "SELECT type_title FROM document WHERE id = ?", "i",
                         pk->document_ids[i]);
        if (rc == FOLIO_OK)
            rc = folio_stmt_step(st, &row, err);
        if (rc == FOLIO_OK && folio_buf_appendf(&desc, "%s%s", i ? ", " : "",
                                                row ? folio_stmt_column_text(st, 0) : "?"))
            rc = FOLIO_ETOOBIG;
        folio_stmt_free(st);
    }
    if (rc == FOLIO_OK && folio_buf_appendf(&desc, "), records of %s to %s, packet %lld",
                                            r->date_from ? r->date_from : "any date",
                                            r->date_to ? r->date_to : "any date",
                                            (long long)pk->id))
        rc = FOLIO_ETOOBIG;
    /* 42 CFR 2.51(c): an emergency disclosure of Part 2 records is documented with it */
    if (rc == FOLIO_OK && pk->emergency_reason &&
        folio_buf_appendf(&desc, "; medical emergency (42 CFR 2.51): %s", pk->emergency_reason))
        rc = FOLIO_ETOOBIG;
    if (rc == FOLIO_ETOOBIG) { /* a long list: the count says it */
        folio_buf_reset(&desc);
        rc = folio_buf_appendf(&desc, "%zu documents, records of %s to %s, packet %lld",
                               pk->n_documents, r->date_from ? r->date_from : "any date",
                               r->date_to ? r->date_to : "any date", (long long)pk->id)
                 ? folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory")
                 : FOLIO_OK;
    }
    d.description = desc.data;
    if (rc == FOLIO_OK)
        rc = roi_disclosure_insert(s, &d, today, user, at, &did, err);
    folio_buf_release(&desc);
    return rc;
}

enum folio_rc folio_roi_request_move(struct folio_store *s, int64_t id, enum folio_roi_status to,
                                     const char *detail, const char *user, const char *now,
                                     struct folio_err *err)
{
    struct folio_arena ar;
    struct folio_roi_request r;
    struct folio_roi_packet_info pk;
    char at[32], today[11];
    enum folio_rc rc;
    memset(&pk, 0, sizeof pk);
    if ((rc = roi_user(user, err)) || (rc = roi_now(now, at, today, err)) ||
        (rc = roi_text(detail, to == FOLIO_ROI_DENIED, to == FOLIO_ROI_DENIED ? "reason" : "detail",
                       err)))
        return rc;
    if (!folio_roi_status_name(to))
        return folio_err_set(err, FOLIO_EINVAL, "status", "status: %d is not a status", (int)to);
    folio_arena_init(&ar, 0);
    if ((rc = folio_store_begin(s, err)))
        goto out;
    rc = folio_roi_request_get(s, id, &ar, &r, err);
    if (rc == FOLIO_OK && !folio_roi_status_can(r.status, to))
        rc = folio_err_set(err, FOLIO_ESTATE, "status",
                           "ROI request %lld is %s: it cannot move to %s", (long long)id,
                           folio_roi_status_name(r.status), folio_roi_status_name(to));
    if (rc == FOLIO_OK && (to == FOLIO_ROI_VALIDATED || to == FOLIO_ROI_RELEASED))
        rc = check_auth(s, &r, today, &ar, err);
    if (rc == FOLIO_OK && (to == FOLIO_ROI_QA || to == FOLIO_ROI_RELEASED))
        rc = check_packet(s, &r, to, now, &ar, &pk, err);
    if (rc == FOLIO_OK && to == FOLIO_ROI_DENIED)
        rc = roi_exec(s, NULL, err,
                      "UPDATE roi_request SET status = ?, deny_reason = ? WHERE id = ?", "TTi",
                      "denied", detail, id);
    else if (rc == FOLIO_OK && to == FOLIO_ROI_RELEASED)
        rc = roi_exec(s, NULL, err,
                      "UPDATE roi_request SET status = ?, released_on = ? WHERE id = ?", "TTi",
                      "released", today, id);
    else if (rc == FOLIO_OK)
        rc = roi_exec(s, NULL, err, "UPDATE roi_request SET status = ? WHERE id = ?", "Ti",
                      folio_roi_status_name(to), id);
    if (rc == FOLIO_OK && to == FOLIO_ROI_RELEASED)
        rc = log_release(s, &r, &pk, today, user, at, err);
    if (rc == FOLIO_OK)
        rc = roi_add_event(s, id, at, user, action_of(r.status, to), folio_roi_status_name(r.status),
                       folio_roi_status_name(to), detail, err);
    rc = folio_store_end(s, rc, err);
out:
    folio_arena_release(&ar);
    return rc;
}

enum folio_rc folio_roi_request_extend(struct folio_store *s, int64_t id, const char *reason,
                                       const char *user, const char *now, struct folio_err *err)
{
    struct folio_arena ar;
    struct folio_roi_request r;
    char at[32], today[11], due[11];
    int64_t d = 0, t = 0;
    enum folio_rc rc;
    if ((rc = roi_user(user, err)) || (rc = roi_now(now, at, today, err)) ||
        (rc = roi_text(reason, true, "reason", err)))
        return rc;
    folio_arena_init(&ar, 0);
    if ((rc = folio_store_begin(s, err)))
        goto out;
    rc = folio_roi_request_get(s, id, &ar, &r, err);
    if (rc == FOLIO_OK && (r.status == FOLIO_ROI_RELEASED || r.status == FOLIO_ROI_DENIED))
        rc = folio_err_set(err, FOLIO_ESTATE, "status", "ROI request %lld is %s: nothing to extend",
                           (long long)id, folio_roi_status_name(r.status));
    if (rc == FOLIO_OK &&
        (!folio_roi_requester_is_access(r.requester_type) || !roi_date_days(r.due_on, &d)))
        rc = folio_err_set(err, FOLIO_ESTATE, "extension",
                           "ROI request %lld is not a patient's access request: it has no "
                           "164.524 deadline to extend",
                           (long long)id);
    /* 45 CFR 164.524(b)(2)(ii): only one such extension */
    if (rc == FOLIO_OK && r.original_due_on)
        rc = folio_err_set(err, FOLIO_ESTATE, "extension",
                           "ROI request %lld was already extended once (45 CFR "
                           "164.524(b)(2)(ii) allows one extension)",
                           (long long)id);
    /* ... and the written statement must reach the individual within the first 30 days */
    if (rc == FOLIO_OK && roi_date_days(today, &t) && t > d)
        rc = folio_err_set(err, FOLIO_ESTATE, "extension",
                           "ROI request %lld was due on %s: an extension must be given within "
                           "the first 30 days (45 CFR 164.524(b)(2)(ii))",
                           (long long)id, r.due_on);
    if (rc == FOLIO_OK) {
        roi_date_fmt(d + FOLIO_ROI_EXTENSION_DAYS, due);
        rc = roi_exec(s, NULL, err,
                      "UPDATE roi_request SET original_due_on = due_on, due_on = ?, "
                      "extension_reason = ? WHERE id = ?",
                      "TTi", due, reason, id);
    }
    if (rc == FOLIO_OK)
        rc = roi_add_event(s, id, at, user, "extend", folio_roi_status_name(r.status),
                       folio_roi_status_name(r.status), reason, err);
    rc = folio_store_end(s, rc, err);
out:
    folio_arena_release(&ar);
    return rc;
}

enum folio_rc folio_roi_request_events(struct folio_store *s, int64_t id, struct folio_arena *ar,
                                       struct folio_roi_event **out, size_t *n,
                                       struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct folio_roi_event *v = NULL;
    size_t cap = 0, k = 0;
    bool row = false, oom = false;
    enum folio_rc rc = roi_prepare(s, &st, err,
                                   "SELECT at, user_name, action, from_status, to_status, detail "
                                   "FROM roi_request_event WHERE request_id = ? ORDER BY id",
                                   "i", id);
    while (rc == FOLIO_OK && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        v = folio_arena_grow(ar, v, k, &cap, sizeof *v, 16);
        if (!v) {
            rc = folio_err_set(err, FOLIO_ENOMEM, "events", "out of memory reading events");
            break;
        }
        folio_stmt_column_copy(st, 0, v[k].at, sizeof v[k].at);
        v[k].user = folio_stmt_column_dup(ar, st, 1, &oom);
        v[k].action = folio_stmt_column_dup(ar, st, 2, &oom);
        v[k].from_status = folio_stmt_column_dup(ar, st, 3, &oom);
        v[k].to_status = folio_stmt_column_dup(ar, st, 4, &oom);
        v[k].detail = folio_stmt_column_dup(ar, st, 5, &oom);
        k++;
    }
    folio_stmt_free(st);
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, "events", "out of memory reading events");
    *out = v;
    *n = rc == FOLIO_OK ? k : 0;
    return rc;
}

bool folio_roi_days_left(const char *due_on, const char *today, int64_t *days)
{
    int64_t d = 0, t = 0;
    if (!roi_date_days(due_on, &d) || !roi_date_days(today, &t))
        return false;
    *days = d - t;
    return true;
}

enum folio_rc folio_roi_queue(struct folio_store *s, enum folio_roi_status status,
                              const char *today, size_t limit, struct folio_arena *ar,
                              struct folio_roi_queue_item **out, size_t *n, int64_t *total,
                              struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct folio_roi_queue_item *v = NULL;
    size_t cap = 0, k = 0;
    bool row = false, oom = false;
    char at[32], now_day[11], day[11];
    int64_t t = 0, d = 0;
    enum folio_rc rc;
    *out = NULL;
    *n = 0;
    if (status && !folio_roi_status_name(status))
        return folio_err_set(err, FOLIO_EINVAL, "status", "status: %d is not a status",
                             (int)status);
    if (limit < 1 || limit > FOLIO_ROI_QUEUE_MAX)
        return folio_err_set(err, FOLIO_EINVAL, "limit", "limit: %zu is not between 1 and %d",
                             limit, FOLIO_ROI_QUEUE_MAX);
    if (total) {
        rc = folio_store_exec_fmt(s, total, NULL, NULL, err,
                                  "SELECT COUNT(*) FROM roi_request WHERE (? = 1 AND status IN "
                                  "('received', 'validated', 'pulled', 'qa')) OR status = ?",
                                  "iT", (int64_t)(status == 0),
                                  status ? folio_roi_status_name(status) : "");
        if (rc)
            return rc;
    }
    if ((rc = roi_now(NULL, at, now_day, err)) ||
        (rc = roi_date_arg(today, now_day, "today", day, err)))
        return rc;
    (void)roi_date_days(day, &t);
    rc = roi_prepare(s, &st, err,
                     "SELECT id, patient_id, requester_type, requester_name, status, received_on, "
                     "due_on FROM roi_request WHERE (? = 1 AND status IN ('received', "
                     "'validated', 'pulled', 'qa')) OR status = ? "
                     "ORDER BY CASE WHEN due_on IS NULL THEN 1 ELSE 0 END, due_on, received_on, id "
                     "LIMIT ?",
                     "iTi", (int64_t)(status == 0), status ? folio_roi_status_name(status) : "",
                     (int64_t)limit);
    while (rc == FOLIO_OK && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        v = folio_arena_grow(ar, v, k, &cap, sizeof *v, 16);
        if (!v) {
            oom = true;
            break;
        }
        struct folio_roi_queue_item *q = &v[k++];
        q->id = folio_stmt_column_i64(st, 0);
        q->patient_id = folio_stmt_column_i64(st, 1);
        q->requester_type = folio_roi_requester_parse(folio_stmt_column_text(st, 2));
        q->requester_name = folio_stmt_column_dup(ar, st, 3, &oom);
        q->status = folio_roi_status_parse(folio_stmt_column_text(st, 4));
        folio_stmt_column_copy(st, 5, q->received_on, sizeof q->received_on);
        folio_stmt_column_copy(st, 6, q->due_on, sizeof q->due_on);
        if (roi_date_days(q->received_on, &d))
            q->days_open = t - d;
        q->has_due = roi_date_days(q->due_on, &d);
        if (q->has_due) {
            q->days_left = d - t;
            q->overdue = q->days_left < 0;
        }
    }
    folio_stmt_free(st);
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, "queue", "out of memory reading the ROI queue");
    if (rc == FOLIO_OK) {
        *out = v;
        *n = k;
    }
    return rc;
}

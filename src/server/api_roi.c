/* Release of information over HTTP (folio/roi.h; docs/roi.md "HTTP API"): the request queue,
 * intake, one request with its authorization checklist, fee, packets and history, status moves,
 * the extension, the fee, the document picker, packets and their PDF, the second person's QA,
 * a patient's authorizations (create, read, revoke), the accounting of disclosures (JSON and
 * PDF) and disclosures made outside a request.
 *
 * The handlers parse and check input, call the library and render; the rules (who needs an
 * authorization, which moves are allowed, what the packet may hold, what the accounting lists)
 * are the library's, and its refusals come back as they are (ESTATE 409 naming status,
 * authorization, packet, qa or user).
 *
 * Permissions: GET routes roi.read, the others roi.write. Audit: every handler appends
 * roi.<action> with the patient (so break-the-glass applies to restricted charts) and the
 * request, authorization, packet or disclosure it touched.
 *
 * Minimum necessary: a session without `identifiers` gets the patient's name, MRN and birth
 * date as null (with "redacted": true), and the requester's name and address of an access
 * request (the patient or a representative) and an authorization's signer as null. */
#include "folio/base.h"

#include "folio/privacy.h"
#include "folio/records.h"
#include "folio/roi.h"
#include "folio/time.h"
#include "server/render.h"
#include "server/server.h"

#define DOC_TYPES_MAX 64 /* LOINC codes in a request's doc_types */
#define DOC_TYPE_LEN  16 /* one LOINC code, "11506-3" */
#define SENSITIVE_MAX 8

/* ---------------------------------------------------------------- small helpers */

static const char *user_of(const struct folio_req *req)
{
    return req->session ? req->session->username : NULL;
}

static const char *nz(const char *s)
{
    return folio_str_empty(s) ? NULL : s;
}

/* Today's UTC date (the library's "today" of a NULL clock). */
static void today_of(char out[11])
{
    char now[32];

    folio_time_now_utc(now);
    memcpy(out, now, 10);
    out[10] = '\0';
}

/* An optional text member (NULL when absent or empty), at most FOLIO_ROI_TEXT_MAX bytes;
 * required ones must not be empty. */
static enum folio_rc text_member(const json_t *body, const char *key, bool required,
                                 const char **out, struct folio_err *err)
{
    enum folio_rc rc = folio_api_str(body, NULL, key, out, err);

    if (rc)
        return rc;
    if (*out && strlen(*out) > FOLIO_ROI_TEXT_MAX)
        return folio_err_set(err, FOLIO_EINVAL, key, "%s is longer than %d bytes", key,
                             FOLIO_ROI_TEXT_MAX);
    if (folio_str_empty(*out))
        *out = NULL;
    if (required && !*out)
        return folio_err_set(err, FOLIO_EINVAL, key, "%s is required", key);
    return FOLIO_OK;
}

/* An optional date member "YYYY-MM-DD" (NULL when absent). */
static enum folio_rc date_member(const json_t *body, const char *key, const char **out,
                                 struct folio_err *err)
{
    enum folio_rc rc = folio_api_str(body, NULL, key, out, err);

    if (rc)
        return rc;
    if (folio_str_empty(*out)) {
        *out = NULL;
        return FOLIO_OK;
    }
    if (!folio_date_days(*out, &(int64_t){0}))
        return folio_err_set(err, FOLIO_EINVAL, key, "%s must be a date YYYY-MM-DD", key);
    return FOLIO_OK;
}

/* A required boolean member. */
static enum folio_rc req_bool(const json_t *body, const char *key, bool *out, struct folio_err *err)
{
    bool present = false;
    enum folio_rc rc = folio_api_bool(body, NULL, key, out, &present, err);

    if (!rc && !present)
        rc = folio_err_set(err, FOLIO_EINVAL, key, "%s is required (true or false)", key);
    return rc;
}

/* A date query parameter (NULL when absent). */
static enum folio_rc query_date(const struct folio_req *req, const char *name, const char **out,
                                struct folio_err *err)
{
    *out = folio_req_query(req, name);
    if (folio_str_empty(*out)) {
        *out = NULL;
        return FOLIO_OK;
    }
    if (!folio_date_days(*out, &(int64_t){0}))
        return folio_err_set(err, FOLIO_EINVAL, name, "%s must be a date YYYY-MM-DD", name);
    return FOLIO_OK;
}

/* ",a,b," -> ["a","b"] (NULL or "" -> []). NULL when out of memory. */
static json_t *list_json(const char *csv)
{
    json_t *arr = json_array();
    const char *p = csv;

    if (!arr)
        return NULL;
    while (p && *p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);

        if (len > 0 && json_array_append_new(arr, json_stringn(p, len))) {
            json_decref(arr);
            return NULL;
        }
        p = e ? e + 1 : NULL;
    }
    return arr;
}

/* The "patient" object: {id, name, mrn, birth_date}; identifiers only with the permission.
 * A missing patient gives nulls (the request still renders). */
static enum folio_rc patient_json(struct folio_req *req, int64_t pid, bool birth, json_t **out,
                                  struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_patient p;
    /* A restricted chart the user may not open (btg.h): "restricted chart", no MRN. */
    bool open = folio_srv_btg_visible(req, pid);
    bool ids = folio_req_can(req, FOLIO_PERM_IDENTIFIERS) && open, have = false;
    const char *name = open ? NULL : "restricted chart";
    json_t *o;
    enum folio_rc rc;
    int bad;

    *out = NULL;
    if (ids) {
        rc = folio_patient_get(&c, pid, req->arena, &p, err);
        if (rc == FOLIO_ENOTFOUND)
            folio_err_clear(err);
        else if (rc)
            return rc;
        else
            have = true;
        if (have && (p.name.family || p.name.given)) {
            name = folio_arena_printf(req->arena, "%s%s%s", p.name.family ? p.name.family : "",
                                      p.name.family && p.name.given ? ", " : "",
                                      p.name.given ? p.name.given : "");
            if (!name)
                return folio_render_nomem(err);
        }
    }
    o = json_object();
    bad = !o;
    bad |= o ? folio_jset_int(o, "id", pid) : 1;
    bad |= o ? folio_jset_str(o, "name", name) : 1;
    bad |= o ? folio_jset_str(o, "mrn", have ? p.mrn : NULL) : 1;
    if (birth)
        bad |= o ? folio_jset_str(o, "birth_date", have ? nz(p.birth_date) : NULL) : 1;
    if (!ids)
        bad |= o ? folio_jset_bool(o, "redacted", true) : 1;
    if (!open)
        bad |= o ? folio_jset_bool(o, "restricted", true) : 1;
    if (bad) {
        json_decref(o);
        return folio_render_nomem(err);
    }
    *out = o;
    return FOLIO_OK;
}

/* The authorization with its checklist as of today; without ids (the identifiers permission)
 * the signer's name and authority are null. */
static enum folio_rc auth_json(const struct folio_roi_auth *a, const char *today, bool ids,
                               json_t **out, struct folio_err *err)
{
    struct folio_roi_auth_result res;
    json_t *o, *ck, *items;
    enum folio_rc rc;
    int bad, i;

    *out = NULL;
    rc = folio_roi_auth_check(a, today, &res, err);
    if (rc)
        return rc;
    o = json_object();
    ck = json_object();
    items = json_array();
    bad = !o || !ck || !items;
    for (i = 0; !bad && i < FOLIO_AUTH_N_ELEMENTS; i++) {
        json_t *x = json_object();

        bad |= !x;
        bad |= x ? folio_jset_str(x, "element", res.items[i].element) : 0;
        bad |= x ? folio_jset_str(x, "citation", res.items[i].citation) : 0;
        bad |= x ? folio_jset_bool(x, "present", res.items[i].present) : 0;
        if (bad || json_array_append_new(items, x)) {
            if (bad)
                json_decref(x);
            bad = 1;
        }
    }
    if (bad) {
        json_decref(o);
        json_decref(ck);
        json_decref(items);
        return folio_render_nomem(err);
    }
    bad |= folio_jset_str(ck, "verdict", folio_roi_auth_verdict_name(res.verdict));
    bad |= folio_jset_str(ck, "verdict_citation", res.verdict_citation);
    bad |= folio_jset_int(ck, "n_missing", res.n_missing);
    bad |= folio_jset(ck, "items", items);
    bad |= folio_jset_int(o, "id", a->id);
    bad |= folio_jset_int(o, "patient_id", a->patient_id);
    bad |= folio_jset_str(o, "description", nz(a->description));
    bad |= folio_jset_str(o, "discloser", nz(a->discloser));
    bad |= folio_jset_str(o, "recipient", nz(a->recipient));
    bad |= folio_jset_str(o, "purpose", nz(a->purpose));
    bad |= folio_jset_str(o, "expires_on", nz(a->expires_on));
    bad |= folio_jset_str(o, "expiry_event", nz(a->expiry_event));
    bad |= folio_jset_str(o, "signed_by", ids ? nz(a->signed_by) : NULL);
    bad |= folio_jset_str(o, "signed_on", nz(a->signed_on));
    bad |= folio_jset_str(o, "signer_authority", ids ? nz(a->signer_authority) : NULL);
    bad |= folio_jset_bool(o, "stmt_revoke", a->stmt_revoke);
    bad |= folio_jset_bool(o, "stmt_conditioning", a->stmt_conditioning);
    bad |= folio_jset_bool(o, "stmt_redisclosure", a->stmt_redisclosure);
    bad |= folio_jset_bool(o, "psychotherapy_notes", a->psychotherapy_notes);
    bad |= folio_jset(o, "sensitive", list_json(a->sensitive));
    bad |= folio_jset_str(o, "revoked_on", nz(a->revoked_on));
    bad |= folio_jset(o, "checklist", ck);
    if (bad) {
        json_decref(o);
        return folio_render_nomem(err);
    }
    *out = o;
    return FOLIO_OK;
}

static json_t *packet_json(const struct folio_roi_packet_info *p)
{
    json_t *o = json_object(), *ids = json_array(), *qa = json_object();
    int bad = !o || !ids || !qa;
    size_t i;

    for (i = 0; !bad && i < p->n_documents; i++)
        bad |= json_array_append_new(ids, json_integer(p->document_ids[i])) != 0;
    if (!bad) {
        bad |= folio_jset_bool(qa, "done", p->qa_done);
        bad |= folio_jset_bool(qa, "passed", p->qa_passed);
        bad |= folio_jset_bool(qa, "right_patient", p->right_patient);
        bad |= folio_jset_bool(qa, "right_records", p->right_records);
        bad |= folio_jset_bool(qa, "right_recipient", p->right_recipient);
        bad |= folio_jset_str(qa, "at", p->qa_done ? nz(p->qa_at) : NULL);
        bad |= folio_jset_str(qa, "by", p->qa_done ? nz(p->qa_by) : NULL);
        bad |= folio_jset_str(qa, "note", nz(p->qa_note));
    }
    if (bad) {
        json_decref(o);
        json_decref(ids);
        json_decref(qa);
        return NULL;
    }
    bad |= folio_jset_int(o, "id", p->id);
    bad |= folio_jset_int(o, "request_id", p->request_id);
    bad |= folio_jset_str(o, "sha256", p->sha256);
    bad |= folio_jset_int(o, "pages", p->pages);
    bad |= folio_jset_int(o, "byte_size", p->byte_size);
    bad |= folio_jset(o, "document_ids", ids);
    bad |= folio_jset_bool(o, "part2_notice", p->part2_notice);
    bad |= folio_jset_bool(o, "redisclosure_notice", p->redisclosure_notice);
    bad |= folio_jset_bool(o, "emergency", (p->select_flags & FOLIO_ROI_SELECT_EMERGENCY) != 0);
    bad |= folio_jset_str(o, "emergency_reason", p->emergency_reason);
    bad |= folio_jset_str(o, "created_at", nz(p->created_at));
    bad |= folio_jset_str(o, "created_by", nz(p->created_by));
    bad |= folio_jset(o, "qa", qa);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *fee_result_json(const struct folio_roi_fee_result *r)
{
    json_t *o = json_object();
    int bad = !o;

    bad |= o ? folio_jset_int(o, "labor_cents", r->labor_cents) : 1;
    bad |= o ? folio_jset_int(o, "supplies_cents", r->supplies_cents) : 1;
    bad |= o ? folio_jset_int(o, "postage_cents", r->postage_cents) : 1;
    bad |= o ? folio_jset_int(o, "summary_cents", r->summary_cents) : 1;
    bad |= o ? folio_jset_int(o, "total_cents", r->total_cents) : 1;
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *fee_json(const struct folio_roi_fee_saved *f)
{
    const struct folio_roi_fee_params *p = &f->params;
    json_t *o, *params;
    int bad;

    if (!f->set)
        return json_null();
    o = fee_result_json(&f->result);
    params = json_object();
    bad = !o || !params;
    if (!bad) {
        bad |= folio_jset_int(params, "labor_minutes", p->labor_minutes);
        bad |= folio_jset_int(params, "labor_cents_per_hour", p->labor_cents_per_hour);
        bad |= folio_jset_int(params, "pages", p->pages);
        bad |= folio_jset_int(params, "supply_cents_per_page", p->supply_cents_per_page);
        bad |= folio_jset_int(params, "media_cents", p->media_cents);
        bad |= folio_jset_int(params, "postage_cents", p->postage_cents);
        bad |= folio_jset_int(params, "summary_cents", p->summary_cents);
        bad |= folio_jset_int(params, "flat_cents", p->flat_cents);
        bad |= folio_jset_bool(params, "electronic", p->electronic);
        bad |= folio_jset_bool(params, "mailed", p->mailed);
    }
    if (bad) {
        json_decref(o);
        json_decref(params);
        return NULL;
    }
    bad |= folio_jset_str(o, "method", folio_roi_fee_method_name(p->method));
    bad |= folio_jset(o, "params", params);
    bad |= folio_jset_str(o, "at", nz(f->at));
    bad |= folio_jset_str(o, "by", nz(f->by));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static bool is_open(enum folio_roi_status st)
{
    return st != FOLIO_ROI_RELEASED && st != FOLIO_ROI_DENIED;
}

/* The request as GET /roi/requests/{id} renders it; *pid (may be NULL) gets its patient. */
static enum folio_rc request_json(struct folio_req *req, int64_t id, json_t **out, int64_t *pid,
                                  struct folio_err *err)
{
    struct folio_roi_request r;
    struct folio_roi_event *ev = NULL;
    struct folio_roi_packet_info *pk = NULL;
    struct folio_roi_fee_saved fee;
    const char *cite = NULL;
    char today[11];
    int64_t days = 0;
    bool has_days, needs;
    size_t n_ev = 0, n_pk = 0, i;
    bool ids = folio_req_can(req, FOLIO_PERM_IDENTIFIERS), hide;
    json_t *o = NULL, *pat = NULL, *auth = NULL, *packets = NULL, *events = NULL;
    enum folio_rc rc;
    int bad;

    *out = NULL;
    today_of(today);
    rc = folio_roi_request_get(req->store, id, req->arena, &r, err);
    rc = rc ? rc : folio_roi_request_events(req->store, id, req->arena, &ev, &n_ev, err);
    rc = rc ? rc : folio_roi_packets(req->store, id, req->arena, &pk, &n_pk, err);
    rc = rc ? rc : folio_roi_request_fee(req->store, id, req->arena, &fee, err);
    rc = rc ? rc : patient_json(req, r.patient_id, true, &pat, err);
    if (rc)
        return rc;
    if (pid)
        *pid = r.patient_id;
    if (r.authorization_id > 0) {
        struct folio_roi_auth a;

        rc = folio_roi_auth_get(req->store, r.authorization_id, req->arena, &a, err);
        rc = rc ? rc : auth_json(&a, today, ids, &auth, err);
        if (rc) {
            json_decref(pat);
            return rc;
        }
    } else {
        auth = json_null();
    }
    needs = folio_roi_requester_needs_auth(r.requester_type, r.subpoena_assurance, &cite);
    /* an access request's requester is the patient (or a representative) */
    hide = !ids && folio_roi_requester_is_access(r.requester_type);
    has_days = folio_roi_days_left(r.due_on, today, &days);
    o = json_object();
    packets = json_array();
    events = json_array();
    bad = !o || !packets || !events || !auth;
    for (i = 0; !bad && i < n_pk; i++) {
        json_t *x = packet_json(&pk[i]);

        bad |= !x || json_array_append_new(packets, x);
    }
    for (i = 0; !bad && i < n_ev; i++) {
        json_t *x = json_object();

        bad |= !x;
        bad |= x ? folio_jset_str(x, "at", ev[i].at) : 0;
        bad |= x ? folio_jset_str(x, "user", ev[i].user) : 0;
        bad |= x ? folio_jset_str(x, "action", ev[i].action) : 0;
        bad |= x ? folio_jset_str(x, "from_status", nz(ev[i].from_status)) : 0;
        bad |= x ? folio_jset_str(x, "to_status", nz(ev[i].to_status)) : 0;
        bad |= x ? folio_jset_str(x, "detail", nz(ev[i].detail)) : 0;
        if (bad || json_array_append_new(events, x)) {
            if (bad)
                json_decref(x);
            bad = 1;
        }
    }
    if (bad) {
        json_decref(o);
        json_decref(pat);
        json_decref(auth);
        json_decref(packets);
        json_decref(events);
        return folio_render_nomem(err);
    }
    bad |= folio_jset_int(o, "id", r.id);
    bad |= folio_jset_str(
        o, "number", folio_arena_printf(req->arena, FOLIO_ROI_PACKET_NUMBER_FMT, (long long)r.id));
    bad |= folio_jset_int(o, "patient_id", r.patient_id);
    bad |= folio_jset(o, "patient", pat);
    bad |= folio_jset_str(o, "requester_type", folio_roi_requester_name(r.requester_type));
    bad |= folio_jset_str(o, "requester_name", hide ? NULL : r.requester_name);
    bad |= folio_jset_str(o, "requester_address", hide ? NULL : nz(r.requester_address));
    bad |= folio_jset_str(o, "date_from", nz(r.date_from));
    bad |= folio_jset_str(o, "date_to", nz(r.date_to));
    bad |= folio_jset(o, "doc_types", list_json(r.doc_types));
    bad |= folio_jset_str(o, "purpose", r.purpose);
    bad |= folio_jset_str(o, "delivery", r.delivery);
    bad |= folio_jset_bool(o, "subpoena_assurance", r.subpoena_assurance);
    bad |= folio_jset_str(o, "status", folio_roi_status_name(r.status));
    bad |= folio_jset_str(o, "deny_reason", nz(r.deny_reason));
    bad |= folio_jset_str(o, "received_on", nz(r.received_on));
    bad |= folio_jset_str(o, "due_on", nz(r.due_on));
    bad |= folio_jset_str(o, "original_due_on", nz(r.original_due_on));
    bad |= folio_jset_str(o, "extension_reason", nz(r.extension_reason));
    bad |= folio_jset_str(o, "released_on", nz(r.released_on));
    bad |= folio_jset(o, "days_left",
                      has_days && is_open(r.status) ? json_integer(days) : json_null());
    bad |= folio_jset_bool(o, "overdue", has_days && is_open(r.status) && days < 0);
    bad |= folio_jset_bool(o, "needs_authorization", needs);
    bad |= folio_jset_str(o, "authorization_cite", cite);
    bad |= folio_jset_str(o, "basis",
                          folio_roi_requester_basis(r.requester_type, r.subpoena_assurance));
    bad |= folio_jset(o, "authorization", auth);
    bad |= folio_jset(o, "fee", fee_json(&fee));
    bad |= folio_jset(o, "packets", packets);
    bad |= folio_jset(o, "events", events);
    if (bad) {
        json_decref(o);
        return folio_render_nomem(err);
    }
    *out = o;
    return FOLIO_OK;
}

static enum folio_rc reply_request(struct folio_req *req, struct folio_resp *resp, int status,
                                   int64_t id, struct folio_err *err)
{
    json_t *o = NULL;
    enum folio_rc rc = request_json(req, id, &o, NULL, err);

    return rc ? rc : folio_api_reply(resp, status, o, err);
}

/* The patient of a request (for audit entries). */
static enum folio_rc request_patient(struct folio_req *req, int64_t id, int64_t *pid,
                                     struct folio_roi_request *out, struct folio_err *err)
{
    struct folio_roi_request r;
    enum folio_rc rc = folio_roi_request_get(req->store, id, req->arena, &r, err);

    if (rc)
        return rc;
    *pid = r.patient_id;
    if (out)
        *out = r;
    return FOLIO_OK;
}

/* The path's patient ({id}) must exist (ENOTFOUND field "id"). */
static enum folio_rc path_patient(struct folio_req *req, struct folio_err *err)
{
    enum folio_rc rc = folio_api_patient_exists(req, req->ids[0], err);

    if (rc == FOLIO_ENOTFOUND)
        (void)folio_strlcpy(err->field, "id", sizeof err->field);
    return rc;
}

/* ---------------------------------------------------------------- queue, intake, one request */

static enum folio_rc queue(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    const char *status = folio_req_query(req, "status");
    struct folio_roi_queue_item *it = NULL;
    enum folio_roi_status st = 0;
    bool ids = folio_req_can(req, FOLIO_PERM_IDENTIFIERS);
    char today[11];
    json_t *o, *items;
    size_t n = 0, i;
    int64_t limit = 500, total = 0;
    enum folio_rc rc;
    int bad;

    if (!folio_str_empty(status) && strcmp(status, "open") != 0) {
        st = strlen(status) < 32 ? folio_roi_status_parse(status) : 0;
        if (!st)
            return folio_err_set(err, FOLIO_EINVAL, "status",
                                 "status must be open, received, validated, pulled, qa, "
                                 "released or denied");
    }
    today_of(today);
    rc = folio_req_query_i64(req, "limit", 500, 1, FOLIO_ROI_QUEUE_MAX, &limit, err);
    rc = rc ? rc
            : folio_roi_queue(req->store, st, today, (size_t)limit, req->arena, &it, &n, &total,
                              err);
    rc = rc ? rc
            : folio_srv_audit(req, "roi.queue", 0, "roi_request", 0,
                              folio_arena_printf(req->arena, "status=%s: %zu",
                                                 st ? folio_roi_status_name(st) : "open", n),
                              err);
    if (rc)
        return rc;
    o = json_object();
    items = json_array();
    bad = !o || !items;
    for (i = 0; !bad && i < n; i++) {
        json_t *pat = NULL, *x;

        rc = patient_json(req, it[i].patient_id, false, &pat, err);
        if (rc) {
            json_decref(o);
            json_decref(items);
            return rc;
        }
        x = json_object();
        bad |= !x;
        bad |= x ? folio_jset_int(x, "id", it[i].id) : 0;
        bad |= x ? folio_jset_int(x, "patient_id", it[i].patient_id) : 0;
        bad |= x ? folio_jset(x, "patient_name", json_incref(json_object_get(pat, "name"))) : 0;
        bad |= x ? folio_jset(x, "mrn", json_incref(json_object_get(pat, "mrn"))) : 0;
        bad |=
            x ? folio_jset_str(x, "requester_type", folio_roi_requester_name(it[i].requester_type))
              : 0;
        /* a patient's own request names the patient: not for a restricted chart */
        bad |= x ? folio_jset_str(x, "requester_name",
                                  (ids && !json_object_get(pat, "restricted")) ||
                                          !folio_roi_requester_is_access(it[i].requester_type)
                                      ? it[i].requester_name
                                      : NULL)
                 : 0;
        if (json_object_get(pat, "restricted"))
            bad |= x ? folio_jset_bool(x, "restricted", true) : 0;
        bad |= x ? folio_jset_str(x, "status", folio_roi_status_name(it[i].status)) : 0;
        bad |= x ? folio_jset_str(x, "received_on", it[i].received_on) : 0;
        bad |= x ? folio_jset_str(x, "due_on", it[i].has_due ? it[i].due_on : NULL) : 0;
        bad |= x ? folio_jset_int(x, "days_open", it[i].days_open) : 0;
        bad |= x ? folio_jset(x, "days_left",
                              it[i].has_due ? json_integer(it[i].days_left) : json_null())
                 : 0;
        bad |= x ? folio_jset_bool(x, "overdue", it[i].overdue) : 0;
        json_decref(pat);
        if (bad || json_array_append_new(items, x)) {
            if (bad)
                json_decref(x);
            bad = 1;
        }
    }
    if (!bad) {
        bad |= folio_jset_str(o, "today", today);
        bad |= folio_jset_int(o, "total", total);
        bad |= folio_jset_bool(o, "truncated", (int64_t)n < total);
        bad |= folio_jset(o, "items", items);
        items = NULL;
    }
    if (bad) {
        json_decref(o);
        json_decref(items);
        return folio_render_nomem(err);
    }
    return folio_api_reply(resp, 200, o, err);
}

/* doc_types: an array of LOINC codes -> ",a,b," in the arena (NULL for none). */
static enum folio_rc doc_types_csv(struct folio_req *req, const json_t *body, const char **out,
                                   struct folio_err *err)
{
    const json_t *arr = NULL, *v;
    struct folio_buf b;
    size_t i;
    enum folio_rc rc;

    *out = NULL;
    rc = folio_api_arr(body, NULL, "doc_types", DOC_TYPES_MAX, &arr, err);
    if (rc || !arr || json_array_size(arr) == 0)
        return rc;
    folio_buf_init(&b, (DOC_TYPE_LEN + 2) * DOC_TYPES_MAX + 2);
    rc = folio_buf_append(&b, ",", 1);
    json_array_foreach(arr, i, v)
    {
        const char *s = json_string_value(v);
        size_t k, len = s ? strlen(s) : 0;
        bool ok = s && len > 0 && len <= DOC_TYPE_LEN;

        for (k = 0; ok && k < len; k++)
            ok = (s[k] >= '0' && s[k] <= '9') || s[k] == '-' || (s[k] >= 'A' && s[k] <= 'Z') ||
                 (s[k] >= 'a' && s[k] <= 'z');
        if (!ok) {
            folio_buf_release(&b);
            return folio_err_set(err, FOLIO_EINVAL,
                                 folio_arena_printf(req->arena, "doc_types[%zu]", i),
                                 "doc_types[%zu] must be a LOINC document type code", i);
        }
        rc = rc ? rc : folio_buf_append(&b, s, len);
        rc = rc ? rc : folio_buf_append(&b, ",", 1);
    }
    if (!rc) {
        *out = folio_arena_strndup(req->arena, (const char *)b.data, b.len);
        if (!*out)
            rc = FOLIO_ENOMEM;
    }
    folio_buf_release(&b);
    return rc ? folio_render_nomem(err) : FOLIO_OK;
}

static enum folio_rc create_request(struct folio_req *req, struct folio_resp *resp,
                                    struct folio_err *err)
{
    static const char *const allowed[] = {
        "patient_id", "requester_type",   "requester_name",     "requester_address",
        "date_from",  "date_to",          "doc_types",          "purpose",
        "delivery",   "authorization_id", "subpoena_assurance", "received_on",
        NULL};
    struct folio_roi_request r;
    const char *type = NULL;
    bool have_pid = false;
    json_t *body = NULL;
    enum folio_rc rc;

    memset(&r, 0, sizeof r);
    rc = folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc
            : folio_api_i64(body, NULL, "patient_id", 1, INT64_MAX, &r.patient_id, &have_pid, err);
    rc = rc ? rc : folio_api_str(body, NULL, "requester_type", &type, err);
    rc = rc ? rc : text_member(body, "requester_name", false, &r.requester_name, err);
    rc = rc ? rc : text_member(body, "requester_address", false, &r.requester_address, err);
    rc = rc ? rc : date_member(body, "date_from", &r.date_from, err);
    rc = rc ? rc : date_member(body, "date_to", &r.date_to, err);
    rc = rc ? rc : doc_types_csv(req, body, &r.doc_types, err);
    rc = rc ? rc : text_member(body, "purpose", false, &r.purpose, err);
    rc = rc ? rc : folio_api_str(body, NULL, "delivery", &r.delivery, err);
    rc = rc ? rc
            : folio_api_i64(body, NULL, "authorization_id", 0, INT64_MAX, &r.authorization_id, NULL,
                            err);
    rc = rc ? rc
            : folio_api_bool(body, NULL, "subpoena_assurance", &r.subpoena_assurance, NULL, err);
    rc = rc ? rc : date_member(body, "received_on", &r.received_on, err);
    if (!rc && !have_pid)
        rc = folio_err_set(err, FOLIO_EINVAL, "patient_id", "patient_id is required");
    if (!rc && folio_str_empty(type))
        rc = folio_err_set(err, FOLIO_EINVAL, "requester_type", "requester_type is required");
    if (!rc) {
        r.requester_type = strlen(type) < 40 ? folio_roi_requester_parse(type) : 0;
        if (!r.requester_type)
            rc = folio_err_set(err, FOLIO_EINVAL, "requester_type",
                               "requester_type must be patient, personal_representative, "
                               "provider_continuity, payer, attorney_authorization, "
                               "attorney_subpoena, court_order, researcher, public_health, "
                               "law_enforcement or workers_comp");
    }
    if (!rc && !r.requester_name)
        rc = folio_err_set(err, FOLIO_EINVAL, "requester_name", "requester_name is required");
    if (!rc && !r.purpose)
        rc = folio_err_set(err, FOLIO_EINVAL, "purpose", "purpose is required");
    if (!rc && folio_str_empty(r.delivery))
        rc = folio_err_set(err, FOLIO_EINVAL, "delivery", "delivery is required");
    rc = rc ? rc : folio_roi_request_create(req->store, &r, user_of(req), NULL, err);
    rc = rc ? rc
            : folio_srv_audit(req, "roi.intake", r.patient_id, "roi_request", r.id,
                              folio_roi_requester_name(r.requester_type), err);
    json_decref(body);
    if (rc)
        return rc;
    (void)folio_snprintf(resp->location, sizeof resp->location, "/api/v1/roi/requests/%lld",
                         (long long)r.id);
    return reply_request(req, resp, 201, r.id, err);
}

static enum folio_rc get_request(struct folio_req *req, struct folio_resp *resp,
                                 struct folio_err *err)
{
    json_t *o = NULL;
    int64_t pid = 0;
    enum folio_rc rc;

    rc = request_json(req, req->ids[0], &o, &pid, err);
    if (!rc) {
        rc = folio_srv_audit(req, "roi.view", pid, "roi_request", req->ids[0], NULL, err);
        if (rc)
            json_decref(o);
    }
    return rc ? rc : folio_api_reply(resp, 200, o, err);
}

static enum folio_rc set_authorization(struct folio_req *req, struct folio_resp *resp,
                                       struct folio_err *err)
{
    static const char *const allowed[] = {"authorization_id", NULL};
    json_t *body = NULL;
    int64_t auth_id = 0, pid = 0;
    bool present = false;
    enum folio_rc rc;

    rc = folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc
            : folio_api_i64(body, NULL, "authorization_id", 1, INT64_MAX, &auth_id, &present, err);
    json_decref(body);
    if (!rc && !present)
        rc = folio_err_set(err, FOLIO_EINVAL, "authorization_id", "authorization_id is required");
    rc = rc ? rc : request_patient(req, req->ids[0], &pid, NULL, err);
    rc = rc ? rc
            : folio_roi_request_set_auth(req->store, req->ids[0], auth_id, user_of(req), NULL, err);
    rc = rc ? rc
            : folio_srv_audit(
                  req, "roi.authorize", pid, "roi_request", req->ids[0],
                  folio_arena_printf(req->arena, "authorization %lld", (long long)auth_id), err);
    return rc ? rc : reply_request(req, resp, 200, req->ids[0], err);
}

static enum folio_rc move(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    static const char *const allowed[] = {"to", "detail", "reason", NULL};
    const char *to = NULL, *detail = NULL, *reason = NULL, *text = NULL;
    enum folio_roi_status st = 0;
    json_t *body = NULL;
    int64_t pid = 0;
    enum folio_rc rc;

    rc = folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc : folio_api_str(body, NULL, "to", &to, err);
    rc = rc ? rc : text_member(body, "detail", false, &detail, err);
    rc = rc ? rc : text_member(body, "reason", false, &reason, err);
    if (!rc) {
        st = !folio_str_empty(to) && strlen(to) < 32 ? folio_roi_status_parse(to) : 0;
        if (!st || st == FOLIO_ROI_RECEIVED)
            rc = folio_err_set(err, FOLIO_EINVAL, "to",
                               "to must be validated, pulled, qa, released or denied");
    }
    if (!rc && st == FOLIO_ROI_DENIED && !reason)
        rc = folio_err_set(err, FOLIO_EINVAL, "reason", "reason is required to deny a request");
    /* One text goes to the history (a denial's is its reason): the reason first, when both. */
    if (!rc && reason && detail) {
        text = folio_arena_printf(req->arena, "%s; %s", reason, detail);
        if (!text)
            rc = folio_render_nomem(err);
    } else {
        text = reason ? reason : detail;
    }
    rc = rc ? rc : request_patient(req, req->ids[0], &pid, NULL, err);
    rc = rc ? rc
            : folio_roi_request_move(req->store, req->ids[0], st, text, user_of(req), NULL, err);
    rc = rc ? rc
            : folio_srv_audit(req, "roi.status", pid, "roi_request", req->ids[0],
                              folio_arena_printf(req->arena, "to %s", folio_roi_status_name(st)),
                              err);
    json_decref(body);
    return rc ? rc : reply_request(req, resp, 200, req->ids[0], err);
}

static enum folio_rc extension(struct folio_req *req, struct folio_resp *resp,
                               struct folio_err *err)
{
    static const char *const allowed[] = {"reason", NULL};
    const char *reason = NULL;
    json_t *body = NULL;
    int64_t pid = 0;
    enum folio_rc rc;

    rc = folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc : text_member(body, "reason", true, &reason, err);
    rc = rc ? rc : request_patient(req, req->ids[0], &pid, NULL, err);
    rc = rc ? rc
            : folio_roi_request_extend(req->store, req->ids[0], reason, user_of(req), NULL, err);
    rc = rc ? rc : folio_srv_audit(req, "roi.extend", pid, "roi_request", req->ids[0], NULL, err);
    json_decref(body);
    return rc ? rc : reply_request(req, resp, 200, req->ids[0], err);
}

static enum folio_rc set_fee(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    static const char *const allowed[] = {"method",
                                          "labor_minutes",
                                          "labor_cents_per_hour",
                                          "pages",
                                          "supply_cents_per_page",
                                          "media_cents",
                                          "postage_cents",
                                          "summary_cents",
                                          "flat_cents",
                                          "electronic",
                                          "mailed",
                                          NULL};
    static const char *const ints[] = {
        "labor_minutes", "labor_cents_per_hour", "pages",         "supply_cents_per_page",
        "media_cents",   "postage_cents",        "summary_cents", "flat_cents"};
    struct folio_roi_fee_params p;
    struct folio_roi_fee_result res;
    int64_t *slots[FOLIO_ARRAY_LEN(ints)];
    const char *method = NULL;
    json_t *body = NULL;
    int64_t pid = 0;
    size_t k;
    enum folio_rc rc;

    memset(&p, 0, sizeof p);
    memset(&res, 0, sizeof res);
    slots[0] = &p.labor_minutes;
    slots[1] = &p.labor_cents_per_hour;
    slots[2] = &p.pages;
    slots[3] = &p.supply_cents_per_page;
    slots[4] = &p.media_cents;
    slots[5] = &p.postage_cents;
    slots[6] = &p.summary_cents;
    slots[7] = &p.flat_cents;
    rc = folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc : folio_api_str(body, NULL, "method", &method, err);
    for (k = 0; !rc && k < FOLIO_ARRAY_LEN(ints); k++)
        rc = folio_api_i64(body, NULL, ints[k], 0, 100000000, slots[k], NULL, err);
    rc = rc ? rc : folio_api_bool(body, NULL, "electronic", &p.electronic, NULL, err);
    rc = rc ? rc : folio_api_bool(body, NULL, "mailed", &p.mailed, NULL, err);
    if (!rc) {
        if (folio_str_empty(method))
            rc = folio_err_set(err, FOLIO_EINVAL, "method", "method is required (cost or flat)");
        else if (strcmp(method, "cost") == 0)
            p.method = FOLIO_ROI_FEE_COST;
        else if (strcmp(method, "flat") == 0)
            p.method = FOLIO_ROI_FEE_FLAT;
        else
            rc = folio_err_set(err, FOLIO_EINVAL, "method", "method must be cost or flat");
    }
    json_decref(body); /* method is not used after this */
    rc = rc ? rc : request_patient(req, req->ids[0], &pid, NULL, err);
    rc = rc ? rc
            : folio_roi_request_set_fee(req->store, req->ids[0], &p, user_of(req), NULL, &res, err);
    rc = rc ? rc
            : folio_srv_audit(req, "roi.fee", pid, "roi_request", req->ids[0],
                              folio_arena_printf(req->arena, "%s: %lld cents",
                                                 folio_roi_fee_method_name(p.method),
                                                 (long long)res.total_cents),
                              err);
    return rc ? rc : folio_api_reply(resp, 200, fee_result_json(&res), err);
}

/* ---------------------------------------------------------------- documents, packets, QA */

static json_t *doc_json(const struct folio_roi_doc *d, bool excluded)
{
    json_t *o = json_object();
    int bad = !o;

    bad |= o ? folio_jset_int(o, "document_id", d->document_id) : 1;
    bad |= o ? folio_jset_str(o, "type_code", nz(d->type_code)) : 1;
    bad |= o ? folio_jset_str(o, "title", nz(d->title)) : 1;
    bad |= o ? folio_jset_str(o, "on", nz(d->on)) : 1;
    bad |= o ? folio_jset(o, "tags", list_json(d->tags)) : 1;
    if (excluded) {
        bad |= o ? folio_jset_str(o, "reason", d->reason) : 1;
        bad |= o ? folio_jset_str(o, "cite", d->cite) : 1;
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static enum folio_rc documents(struct folio_req *req, struct folio_resp *resp,
                               struct folio_err *err)
{
    struct folio_roi_selection s;
    int64_t emergency = 0, pid = 0;
    json_t *o, *inc, *exc;
    size_t i;
    enum folio_rc rc;
    int bad;

    rc = folio_req_query_i64(req, "emergency", 0, 0, 1, &emergency, err);
    rc = rc ? rc : request_patient(req, req->ids[0], &pid, NULL, err);
    rc = rc ? rc
            : folio_roi_select(req->store, req->ids[0], emergency ? FOLIO_ROI_SELECT_EMERGENCY : 0u,
                               NULL, req->arena, &s, err);
    rc = rc ? rc
            : folio_srv_audit(req, "roi.documents", pid, "roi_request", req->ids[0],
                              folio_arena_printf(req->arena, "included %zu, excluded %zu%s",
                                                 s.n_included, s.n_excluded,
                                                 emergency ? ", emergency" : ""),
                              err);
    if (rc)
        return rc;
    o = json_object();
    inc = json_array();
    exc = json_array();
    bad = !o || !inc || !exc;
    for (i = 0; !bad && i < s.n_included; i++) {
        json_t *x = doc_json(&s.included[i], false);

        bad |= !x || json_array_append_new(inc, x);
    }
    for (i = 0; !bad && i < s.n_excluded; i++) {
        json_t *x = doc_json(&s.excluded[i], true);

        bad |= !x || json_array_append_new(exc, x);
    }
    if (bad) {
        json_decref(o);
        json_decref(inc);
        json_decref(exc);
        return folio_render_nomem(err);
    }
    bad |= folio_jset(o, "included", inc);
    bad |= folio_jset(o, "excluded", exc);
    bad |= folio_jset_bool(o, "auth_valid", s.auth_valid);
    bad |= folio_jset_bool(o, "part2_notice", s.part2_notice);
    bad |= folio_jset_bool(o, "part2_emergency", s.part2_emergency);
    bad |= folio_jset_bool(o, "minimum_necessary", s.minimum_necessary);
    if (bad) {
        json_decref(o);
        return folio_render_nomem(err);
    }
    return folio_api_reply(resp, 200, o, err);
}

/* The recorded packet pid of request rid as JSON. */
static enum folio_rc packet_reply(struct folio_req *req, struct folio_resp *resp, int64_t rid,
                                  int64_t packet_id, struct folio_err *err)
{
    struct folio_roi_packet_info *pk = NULL;
    size_t n = 0, i;
    enum folio_rc rc;

    rc = folio_roi_packets(req->store, rid, req->arena, &pk, &n, err);
    if (rc)
        return rc;
    for (i = 0; i < n; i++)
        if (pk[i].id == packet_id)
            return folio_api_reply(resp, 201, packet_json(&pk[i]), err);
    return folio_err_set(err, FOLIO_EINTERNAL, "packet", "the recorded packet was not found");
}

static enum folio_rc make_packet(struct folio_req *req, struct folio_resp *resp,
                                 struct folio_err *err)
{
    static const char *const allowed[] = {"document_ids", "notice", "emergency",
                                          "emergency_reason", NULL};
    struct folio_roi_packet_in in;
    struct folio_roi_packet pk;
    struct folio_roi_selection s;
    struct folio_roi_request r;
    const json_t *arr = NULL, *v;
    const char *notice = NULL, *why = NULL;
    bool emergency = false;
    int64_t *ids = NULL, pid = 0, packet_id = 0;
    json_t *body = NULL;
    size_t i, n = 0;
    enum folio_rc rc;

    memset(&in, 0, sizeof in);
    memset(&pk, 0, sizeof pk);
    rc = folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc : folio_api_arr(body, NULL, "document_ids", FOLIO_ROI_PACKET_MAX_DOCS, &arr, err);
    rc = rc ? rc : text_member(body, "notice", false, &notice, err);
    rc = rc ? rc : folio_api_bool(body, NULL, "emergency", &emergency, NULL, err);
    rc = rc ? rc : text_member(body, "emergency_reason", emergency, &why, err);
    if (!rc && why && !emergency)
        rc = folio_err_set(err, FOLIO_EINVAL, "emergency_reason",
                           "emergency_reason goes with emergency: true");
    if (!rc && (!arr || json_array_size(arr) == 0))
        rc = folio_err_set(err, FOLIO_EINVAL, "document_ids",
                           "document_ids is required: the documents to release, in order");
    if (!rc) {
        n = json_array_size(arr);
        ids = folio_arena_alloc(req->arena, n * sizeof *ids);
        if (!ids)
            rc = folio_render_nomem(err);
    }
    if (!rc) {
        json_array_foreach(arr, i, v)
        {
            if (!json_is_integer(v) || json_integer_value(v) <= 0) {
                rc = folio_err_set(err, FOLIO_EINVAL,
                                   folio_arena_printf(req->arena, "document_ids[%zu]", i),
                                   "document_ids[%zu] must be a document id", i);
                break;
            }
            ids[i] = (int64_t)json_integer_value(v);
        }
    }
    if (!rc && notice) {
        notice = folio_arena_strdup(req->arena, notice);
        if (!notice)
            rc = folio_render_nomem(err);
    }
    if (!rc && why) {
        why = folio_arena_strdup(req->arena, why);
        if (!why)
            rc = folio_render_nomem(err);
    }
    json_decref(body);
    rc = rc ? rc : request_patient(req, req->ids[0], &pid, &r, err);
    in.select_flags = emergency ? FOLIO_ROI_SELECT_EMERGENCY : 0u;
    rc = rc ? rc
            : folio_roi_select(req->store, req->ids[0], in.select_flags, NULL, req->arena, &s, err);
    if (rc)
        return rc;
    in.request_id = req->ids[0];
    in.document_ids = ids;
    in.n_documents = n;
    in.facility_name = folio_req_facility_name(req);
    in.facility_address = folio_req_facility_address(req);
    /* the 42 CFR 2.32 notice when the chosen documents hold a Part 2 record going under
     * consent (not merely because the selection could include one) */
    in.part2 = false;
    for (i = 0; s.part2_notice && i < n; i++)
        for (size_t k = 0; k < s.n_included; k++)
            if (s.included[k].document_id == ids[i] && s.included[k].tags &&
                strstr(s.included[k].tags, ",sud_part2,"))
                in.part2 = true;
    in.redisclosure_notice = !folio_roi_requester_is_access(r.requester_type);
    in.notice = notice;
    in.emergency_reason = why;
    rc = folio_roi_packet_render(req->store, &in, NULL, &pk, err);
    /* an unknown document in the body is bad input (400), not a missing resource */
    if (rc == FOLIO_ENOTFOUND && strncmp(err->field, "document_ids", 12) == 0)
        err->code = rc = FOLIO_EINVAL;
    rc = rc ? rc
            : folio_roi_packet_record(req->store, &in, &pk, user_of(req), NULL, &packet_id, err);
    rc = rc ? rc
            : folio_srv_audit(req, "roi.packet", pid, "roi_request", req->ids[0],
                              folio_arena_printf(req->arena,
                                                 "packet %lld: %zu documents, %d "
                                                 "pages, sha256 %s%s%s",
                                                 (long long)packet_id, n, pk.pages, pk.sha256,
                                                 why ? "; medical emergency (42 CFR 2.51): " : "",
                                                 why ? why : ""),
                              err);
    folio_roi_packet_release(&pk);
    if (rc)
        return rc;
    (void)folio_snprintf(resp->location, sizeof resp->location, "/api/v1/roi/packets/%lld/pdf",
                         (long long)packet_id);
    return packet_reply(req, resp, req->ids[0], packet_id, err);
}

/* The PDFs print the patient's name and birth date: not for a session that sees patients
 * de-identified (the JSON routes redact instead). */
static enum folio_rc pdf_needs_identifiers(struct folio_req *req, struct folio_resp *resp,
                                           bool *denied, struct folio_err *err)
{
    *denied = !folio_req_can(req, FOLIO_PERM_IDENTIFIERS);
    return *denied ? folio_api_deny(req, resp, "identifiers",
                                    "the PDF prints the patient's identifiers: the identifiers "
                                    "permission is needed",
                                    err)
                   : FOLIO_OK;
}

static enum folio_rc packet_pdf(struct folio_req *req, struct folio_resp *resp,
                                struct folio_err *err)
{
    const unsigned char *pdf = NULL;
    size_t len = 0;
    int64_t rid = 0, pid = 0;
    bool denied = false;
    enum folio_rc rc;

    if ((rc = pdf_needs_identifiers(req, resp, &denied, err)) || denied)
        return rc;
    rc = folio_roi_packet_pdf(req->store, req->ids[0], req->arena, &pdf, &len, &rid, err);
    if (rc == FOLIO_ENOTFOUND && strcmp(err->field, "packet_id") == 0)
        (void)folio_strlcpy(err->field, "id", sizeof err->field);
    rc = rc ? rc : request_patient(req, rid, &pid, NULL, err);
    rc = rc ? rc
            : folio_srv_audit(req, "roi.packet_pdf", pid, "roi_request", rid,
                              folio_arena_printf(req->arena, "packet %lld", (long long)req->ids[0]),
                              err);
    if (rc)
        return rc;
    resp->status = 200;
    resp->raw = pdf;
    resp->raw_len = len;
    resp->content_type = "application/pdf";
    resp->content_disposition = folio_arena_printf(
        req->arena, "attachment; filename=\"" FOLIO_ROI_PACKET_NUMBER_FMT "-p%lld.pdf\"",
        (long long)rid, (long long)req->ids[0]);
    return resp->content_disposition ? FOLIO_OK : folio_render_nomem(err);
}

static enum folio_rc qa(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    static const char *const allowed[] = {"right_patient", "right_records", "right_recipient",
                                          "note", NULL};
    struct folio_roi_qa_in q;
    json_t *body = NULL, *o = NULL, *r = NULL;
    int64_t pid = 0;
    bool passed = false;
    enum folio_rc rc;
    int bad;

    memset(&q, 0, sizeof q);
    rc = folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc : req_bool(body, "right_patient", &q.right_patient, err);
    rc = rc ? rc : req_bool(body, "right_records", &q.right_records, err);
    rc = rc ? rc : req_bool(body, "right_recipient", &q.right_recipient, err);
    rc = rc ? rc : text_member(body, "note", false, &q.note, err);
    if (!rc && q.note) {
        q.note = folio_arena_strdup(req->arena, q.note);
        if (!q.note)
            rc = folio_render_nomem(err);
    }
    json_decref(body);
    rc = rc ? rc : request_patient(req, req->ids[0], &pid, NULL, err);
    rc = rc ? rc
            : folio_roi_request_qa(req->store, req->ids[0], &q, user_of(req), NULL, &passed, err);
    rc = rc ? rc
            : folio_srv_audit(req, "roi.qa", pid, "roi_request", req->ids[0],
                              passed ? "passed" : "failed", err);
    rc = rc ? rc : request_json(req, req->ids[0], &r, NULL, err);
    if (rc)
        return rc;
    o = json_object();
    if (!o) {
        json_decref(r);
        return folio_render_nomem(err);
    }
    bad = folio_jset_bool(o, "passed", passed);
    bad |= folio_jset(o, "request", r);
    if (bad) {
        json_decref(o);
        return folio_render_nomem(err);
    }
    return folio_api_reply(resp, 200, o, err);
}

/* ---------------------------------------------------------------- authorizations */

/* sensitive: an array of category names -> ",a,b," in the arena (NULL for none). */
static enum folio_rc sensitive_csv(struct folio_req *req, const json_t *body, const char **out,
                                   struct folio_err *err)
{
    const json_t *arr = NULL, *v;
    const char *acc = ",";
    size_t i;
    enum folio_rc rc;

    *out = NULL;
    rc = folio_api_arr(body, NULL, "sensitive", SENSITIVE_MAX, &arr, err);
    if (rc || !arr || json_array_size(arr) == 0)
        return rc;
    json_array_foreach(arr, i, v)
    {
        const char *s = json_string_value(v);
        const char *canon = s && strlen(s) < 40 ? folio_sensitivity_tag(s) : NULL;

        if (!canon || strcmp(canon, "psychotherapy_notes") == 0)
            return folio_err_set(err, FOLIO_EINVAL,
                                 folio_arena_printf(req->arena, "sensitive[%zu]", i),
                                 "sensitive[%zu] must be part2, hiv_sti, genetic, "
                                 "reproductive_health or behavioral_health (psychotherapy "
                                 "notes: psychotherapy_notes true)",
                                 i);
        acc = folio_arena_printf(req->arena, "%s%s,", acc, s);
        if (!acc)
            return folio_render_nomem(err);
    }
    *out = acc;
    return FOLIO_OK;
}

static enum folio_rc reply_auth(struct folio_req *req, struct folio_resp *resp, int status,
                                int64_t id, struct folio_err *err)
{
    struct folio_roi_auth a;
    char today[11];
    json_t *o = NULL;
    enum folio_rc rc;

    today_of(today);
    rc = folio_roi_auth_get(req->store, id, req->arena, &a, err);
    rc = rc ? rc : auth_json(&a, today, folio_req_can(req, FOLIO_PERM_IDENTIFIERS), &o, err);
    return rc ? rc : folio_api_reply(resp, status, o, err);
}

static enum folio_rc create_auth(struct folio_req *req, struct folio_resp *resp,
                                 struct folio_err *err)
{
    static const char *const allowed[] = {"description",
                                          "discloser",
                                          "recipient",
                                          "purpose",
                                          "expires_on",
                                          "expiry_event",
                                          "signed_by",
                                          "signed_on",
                                          "signer_authority",
                                          "stmt_revoke",
                                          "stmt_conditioning",
                                          "stmt_redisclosure",
                                          "psychotherapy_notes",
                                          "sensitive",
                                          NULL};
    struct folio_roi_auth a;
    json_t *body = NULL;
    enum folio_rc rc;

    memset(&a, 0, sizeof a);
    a.patient_id = req->ids[0];
    rc = folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc : text_member(body, "description", false, &a.description, err);
    rc = rc ? rc : text_member(body, "discloser", false, &a.discloser, err);
    rc = rc ? rc : text_member(body, "recipient", false, &a.recipient, err);
    rc = rc ? rc : text_member(body, "purpose", false, &a.purpose, err);
    rc = rc ? rc : date_member(body, "expires_on", &a.expires_on, err);
    rc = rc ? rc : text_member(body, "expiry_event", false, &a.expiry_event, err);
    rc = rc ? rc : text_member(body, "signed_by", false, &a.signed_by, err);
    rc = rc ? rc : date_member(body, "signed_on", &a.signed_on, err);
    rc = rc ? rc : text_member(body, "signer_authority", false, &a.signer_authority, err);
    rc = rc ? rc : folio_api_bool(body, NULL, "stmt_revoke", &a.stmt_revoke, NULL, err);
    rc = rc ? rc : folio_api_bool(body, NULL, "stmt_conditioning", &a.stmt_conditioning, NULL, err);
    rc = rc ? rc : folio_api_bool(body, NULL, "stmt_redisclosure", &a.stmt_redisclosure, NULL, err);
    rc = rc ? rc
            : folio_api_bool(body, NULL, "psychotherapy_notes", &a.psychotherapy_notes, NULL, err);
    rc = rc ? rc : sensitive_csv(req, body, &a.sensitive, err);
    rc = rc ? rc : path_patient(req, err);
    rc = rc ? rc : folio_roi_auth_create(req->store, &a, user_of(req), NULL, err);
    rc = rc ? rc
            : folio_srv_audit(req, "roi.auth_create", a.patient_id, "roi_authorization", a.id, NULL,
                              err);
    json_decref(body);
    if (rc)
        return rc;
    (void)folio_snprintf(resp->location, sizeof resp->location, "/api/v1/roi/authorizations/%lld",
                         (long long)a.id);
    return reply_auth(req, resp, 201, a.id, err);
}

static enum folio_rc list_auths(struct folio_req *req, struct folio_resp *resp,
                                struct folio_err *err)
{
    struct folio_roi_auth *v = NULL;
    size_t n = 0, i;
    int64_t limit = 100;
    char today[11];
    bool more = false, ids_perm = folio_req_can(req, FOLIO_PERM_IDENTIFIERS);
    json_t *o, *items;
    enum folio_rc rc;

    today_of(today);
    rc = folio_req_query_i64(req, "limit", 100, 1, 1000, &limit, err);
    rc = rc ? rc : path_patient(req, err);
    rc = rc ? rc
            : folio_roi_auth_list(req->store, req->ids[0], (size_t)limit, req->arena, &v, &n,
                                  &more, err);
    rc = rc ? rc
            : folio_srv_audit(req, "roi.auth_list", req->ids[0], "roi_authorization", 0,
                              folio_arena_printf(req->arena, "%zu", n), err);
    if (rc)
        return rc;
    o = json_object();
    items = json_array();
    if (!o || !items || folio_jset(o, "items", items) || folio_jset_bool(o, "truncated", more)) {
        json_decref(o);
        return folio_render_nomem(err);
    }
    for (i = 0; i < n; i++) {
        json_t *x = NULL;

        rc = auth_json(&v[i], today, ids_perm, &x, err);
        if (!rc && json_array_append_new(items, x))
            rc = folio_render_nomem(err);
        if (rc) {
            json_decref(o);
            return rc;
        }
    }
    return folio_api_reply(resp, 200, o, err);
}

static enum folio_rc get_auth(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    struct folio_roi_auth a;
    enum folio_rc rc;

    rc = folio_roi_auth_get(req->store, req->ids[0], req->arena, &a, err);
    rc = rc ? rc
            : folio_srv_audit(req, "roi.auth_view", a.patient_id, "roi_authorization", a.id, NULL,
                              err);
    return rc ? rc : reply_auth(req, resp, 200, req->ids[0], err);
}

static enum folio_rc revoke_auth(struct folio_req *req, struct folio_resp *resp,
                                 struct folio_err *err)
{
    static const char *const allowed[] = {"revoked_on", "note", NULL};
    struct folio_roi_auth a;
    const char *on = NULL, *note = NULL;
    json_t *body = NULL;
    enum folio_rc rc = FOLIO_OK;

    if (req->body_len > 0) {
        rc = folio_req_json(req, &body, err);
        rc = rc ? rc : folio_json_only(body, allowed, err);
        rc = rc ? rc : date_member(body, "revoked_on", &on, err);
        rc = rc ? rc : text_member(body, "note", false, &note, err);
    }
    rc = rc ? rc : folio_roi_auth_get(req->store, req->ids[0], req->arena, &a, err);
    rc =
        rc ? rc : folio_roi_auth_revoke(req->store, req->ids[0], on, note, user_of(req), NULL, err);
    rc = rc ? rc
            : folio_srv_audit(req, "roi.auth_revoke", a.patient_id, "roi_authorization", a.id, on,
                              err);
    json_decref(body);
    return rc ? rc : reply_auth(req, resp, 200, req->ids[0], err);
}

/* ---------------------------------------------------------------- accounting, disclosures */

/* The library names the accounting's date "request_on"; the route's parameter is "on". */
static enum folio_rc on_field(enum folio_rc rc, struct folio_err *err)
{
    if (rc && err && strcmp(err->field, "request_on") == 0)
        (void)folio_strlcpy(err->field, "on", sizeof err->field);
    return rc;
}

static enum folio_rc accounting(struct folio_req *req, struct folio_resp *resp,
                                struct folio_err *err)
{
    struct folio_roi_accounting acc;
    const char *on = NULL;
    char today[11];
    json_t *o, *items, *pat = NULL;
    size_t i;
    enum folio_rc rc;
    int bad;

    today_of(today);
    rc = query_date(req, "on", &on, err);
    rc = rc ? rc : path_patient(req, err);
    rc = rc ? rc : on_field(folio_roi_accounting(req->store, req->ids[0], on, req->arena, &acc, err), err);
    rc = rc ? rc
            : folio_srv_audit(req, "roi.accounting", req->ids[0], "patient", req->ids[0],
                              folio_arena_printf(req->arena, "on %s: %zu listed, %zu excluded",
                                                 on ? on : today, acc.n, acc.n_excluded),
                              err);
    rc = rc ? rc : patient_json(req, req->ids[0], false, &pat, err);
    if (rc)
        return rc;
    o = json_object();
    items = json_array();
    bad = !o || !items;
    for (i = 0; !bad && i < acc.n; i++) {
        const struct folio_roi_disclosure *d = &acc.items[i];
        json_t *x = json_object();

        bad |= !x;
        bad |= x ? folio_jset_int(x, "id", d->id) : 0;
        bad |= x ? folio_jset_str(x, "disclosed_on", nz(d->disclosed_on)) : 0;
        bad |= x ? folio_jset_str(x, "recipient", nz(d->recipient)) : 0;
        bad |= x ? folio_jset_str(x, "recipient_address", nz(d->recipient_address)) : 0;
        bad |= x ? folio_jset_str(x, "description", nz(d->description)) : 0;
        bad |= x ? folio_jset_str(x, "purpose", nz(d->purpose)) : 0;
        bad |= x ? folio_jset_str(x, "basis", nz(d->basis)) : 0;
        bad |= x ? folio_jset_str(x, "cite", folio_roi_basis_cite(d->basis)) : 0;
        bad |= x ? folio_jset_id(x, "request_id", d->request_id) : 0;
        if (bad || json_array_append_new(items, x)) {
            if (bad)
                json_decref(x);
            bad = 1;
        }
    }
    if (bad) {
        json_decref(o);
        json_decref(items);
        json_decref(pat);
        return folio_render_nomem(err);
    }
    bad |= folio_jset(o, "patient", pat);
    bad |= folio_jset_str(o, "requested_on", on ? on : today);
    bad |= folio_jset_str(o, "from", acc.from);
    bad |= folio_jset_str(o, "to", acc.to);
    bad |= folio_jset(o, "items", items);
    bad |= folio_jset_int(o, "n_excluded", (int64_t)acc.n_excluded);
    if (bad) {
        json_decref(o);
        return folio_render_nomem(err);
    }
    return folio_api_reply(resp, 200, o, err);
}

static enum folio_rc accounting_pdf(struct folio_req *req, struct folio_resp *resp,
                                    struct folio_err *err)
{
    struct folio_roi_packet out;
    const char *on = NULL;
    char today[11];
    unsigned char *copy = NULL;
    bool denied = false;
    enum folio_rc rc;

    if ((rc = pdf_needs_identifiers(req, resp, &denied, err)) || denied)
        return rc;
    memset(&out, 0, sizeof out);
    today_of(today);
    rc = query_date(req, "on", &on, err);
    rc = rc ? rc : path_patient(req, err);
    rc = rc ? rc
            : on_field(folio_roi_accounting_pdf(req->store, req->ids[0], on,
                                                folio_req_facility_name(req),
                                                folio_req_facility_address(req), NULL, &out, err),
                       err);
    if (!rc) {
        copy = folio_arena_alloc(req->arena, out.len ? out.len : 1);
        if (!copy)
            rc = folio_render_nomem(err);
        else
            memcpy(copy, out.pdf, out.len);
    }
    rc = rc ? rc
            : folio_srv_audit(req, "roi.accounting_pdf", req->ids[0], "patient", req->ids[0],
                              folio_arena_printf(req->arena, "on %s: %d pages, sha256 %s",
                                                 on ? on : today, out.pages, out.sha256),
                              err);
    if (rc) {
        folio_roi_packet_release(&out);
        return rc;
    }
    resp->status = 200;
    resp->raw = copy;
    resp->raw_len = out.len;
    resp->content_type = "application/pdf";
    resp->content_disposition =
        folio_arena_printf(req->arena, "attachment; filename=\"accounting-%lld-%s.pdf\"",
                           (long long)req->ids[0], on ? on : today);
    folio_roi_packet_release(&out);
    return resp->content_disposition ? FOLIO_OK : folio_render_nomem(err);
}

static enum folio_rc disclose(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    static const char *const allowed[] = {
        "disclosed_on", "recipient", "recipient_address", "description", "purpose", "basis", NULL};
    struct folio_roi_disclosure d;
    json_t *body = NULL, *o;
    enum folio_rc rc;
    int bad;

    memset(&d, 0, sizeof d);
    d.patient_id = req->ids[0];
    rc = folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc : date_member(body, "disclosed_on", &d.disclosed_on, err);
    rc = rc ? rc : text_member(body, "recipient", false, &d.recipient, err);
    rc = rc ? rc : text_member(body, "recipient_address", false, &d.recipient_address, err);
    rc = rc ? rc : text_member(body, "description", false, &d.description, err);
    rc = rc ? rc : text_member(body, "purpose", false, &d.purpose, err);
    rc = rc ? rc : folio_api_str(body, NULL, "basis", &d.basis, err);
    if (!rc && !d.recipient)
        rc = folio_err_set(err, FOLIO_EINVAL, "recipient", "recipient is required");
    if (!rc && !d.description)
        rc = folio_err_set(err, FOLIO_EINVAL, "description", "description is required");
    if (!rc && !d.purpose)
        rc = folio_err_set(err, FOLIO_EINVAL, "purpose", "purpose is required");
    if (!rc &&
        (folio_str_empty(d.basis) || strlen(d.basis) > 40 || !folio_roi_basis_known(d.basis)))
        rc = folio_err_set(err, FOLIO_EINVAL, "basis",
                           "basis must be a legal basis of docs/roi.md (public_health, "
                           "required_by_law, judicial, ...)");
    rc = rc ? rc : path_patient(req, err);
    rc = rc ? rc : folio_roi_disclosure_record(req->store, &d, user_of(req), NULL, err);
    rc = rc ? rc
            : folio_srv_audit(req, "roi.disclose", d.patient_id, "roi_disclosure", d.id, d.basis,
                              err);
    if (rc) {
        json_decref(body);
        return rc;
    }
    if (!d.disclosed_on) { /* the library dated it today */
        char *today = folio_arena_alloc(req->arena, 11);
        if (!today) {
            json_decref(body);
            return folio_render_nomem(err);
        }
        today_of(today);
        d.disclosed_on = today;
    }
    o = json_object();
    bad = !o;
    bad |= o ? folio_jset_int(o, "id", d.id) : 1;
    bad |= o ? folio_jset_int(o, "patient_id", d.patient_id) : 1;
    bad |= o ? folio_jset_str(o, "disclosed_on", d.disclosed_on) : 1;
    bad |= o ? folio_jset_str(o, "recipient", d.recipient) : 1;
    bad |= o ? folio_jset_str(o, "recipient_address", d.recipient_address) : 1;
    bad |= o ? folio_jset_str(o, "description", d.description) : 1;
    bad |= o ? folio_jset_str(o, "purpose", d.purpose) : 1;
    bad |= o ? folio_jset_str(o, "basis", d.basis) : 1;
    bad |= o ? folio_jset_str(o, "cite", folio_roi_basis_cite(d.basis)) : 1;
    bad |= o ? folio_jset_bool(o, "accountable",
                               folio_roi_basis_accountable(d.basis, d.disclosed_on))
             : 1;
    json_decref(body); /* the strings above were borrowed from it */
    if (bad) {
        json_decref(o);
        return folio_render_nomem(err);
    }
    return folio_api_reply(resp, 201, o, err);
}

const struct folio_route folio_api_roi_routes[] = {
    {"GET", "/api/v1/roi/requests", FOLIO_PERM_ROI_READ, queue,
     "The ROI queue: requests of a status (default every open one) by due date"},
    {"POST", "/api/v1/roi/requests", FOLIO_PERM_ROI_WRITE, create_request,
     "Take in a request for records (status received)"},
    {"GET", "/api/v1/roi/requests/{id}", FOLIO_PERM_ROI_READ, get_request,
     "One request: authorization checklist, fee, packets, history"},
    {"POST", "/api/v1/roi/requests/{id}/authorization", FOLIO_PERM_ROI_WRITE, set_authorization,
     "Link an authorization to a received request"},
    {"POST", "/api/v1/roi/requests/{id}/status", FOLIO_PERM_ROI_WRITE, move,
     "Move a request (validated, pulled, qa, released, denied)"},
    {"POST", "/api/v1/roi/requests/{id}/extension", FOLIO_PERM_ROI_WRITE, extension,
     "The one 30-day extension of a patient's access request (reason required)"},
    {"PUT", "/api/v1/roi/requests/{id}/fee", FOLIO_PERM_ROI_WRITE, set_fee,
     "Compute and record the fee of a request"},
    {"GET", "/api/v1/roi/requests/{id}/documents", FOLIO_PERM_ROI_READ, documents,
     "The document picker: included and excluded documents with the reason and rule"},
    {"POST", "/api/v1/roi/requests/{id}/packets", FOLIO_PERM_ROI_WRITE, make_packet,
     "Render and record the release packet (PDF) of the chosen documents"},
    {"GET", "/api/v1/roi/packets/{id}/pdf", FOLIO_PERM_ROI_READ, packet_pdf,
     "The PDF of a recorded packet"},
    {"POST", "/api/v1/roi/requests/{id}/qa", FOLIO_PERM_ROI_WRITE, qa,
     "A second person's QA of the latest packet (right patient, records, recipient)"},
    {"GET", "/api/v1/patients/{id}/authorizations", FOLIO_PERM_ROI_READ, list_auths,
     "A patient's authorizations with their checklists"},
    {"POST", "/api/v1/patients/{id}/authorizations", FOLIO_PERM_ROI_WRITE, create_auth,
     "Record a signed authorization (an incomplete one too: the checklist says what is missing)"},
    {"GET", "/api/v1/roi/authorizations/{id}", FOLIO_PERM_ROI_READ, get_auth,
     "One authorization with its checklist"},
    {"POST", "/api/v1/roi/authorizations/{id}/revocation", FOLIO_PERM_ROI_WRITE, revoke_auth,
     "Record the written revocation of an authorization"},
    {"GET", "/api/v1/patients/{id}/accounting", FOLIO_PERM_ROI_READ, accounting,
     "The accounting of disclosures of a patient (six years)"},
    {"GET", "/api/v1/patients/{id}/accounting.pdf", FOLIO_PERM_ROI_READ, accounting_pdf,
     "The accounting of disclosures as a letter (PDF)"},
    {"POST", "/api/v1/patients/{id}/disclosures", FOLIO_PERM_ROI_WRITE, disclose,
     "Record a disclosure made outside a request (e.g. a public health report)"},
    {NULL, NULL, FOLIO_PERM_NONE, NULL, NULL},
};

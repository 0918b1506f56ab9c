/* The HL7 v2 message log through the API, for the interface analyst's screen: the list, one
 * message with its ACK, errors and parsed tree, the errors queue, replay (folio/hl7log.h,
 * folio/hl7v2.h; docs/api.md "HL7 interface").
 *
 * The log holds messages as received: PHI, with identifiers the chart's API masks (PID-19).
 * Reading it is audited: interface.list (list, errors queue: filters and result count) and
 * interface.view (one message, with its patient when the message touched one). A replay is
 * audited by the log itself (interface.replay, as the session's user). */
#include "folio/base.h"

#include "folio/hl7log.h"
#include "folio/hl7v2.h"
#include "server/render.h"
#include "server/server.h"

/* Message bytes as a JSON string. HL7 v2 allows other character sets than UTF-8: bytes that are
 * not valid UTF-8 are read as ISO 8859-1, as folio_hl7_tree() does, so the text stays readable
 * and the JSON valid. NULL -> null. New reference; NULL when out of memory. */
static json_t *bytes_json(struct folio_arena *a, const char *p, size_t n)
{
    json_t *v;
    char *out;
    size_t i, k = 0;

    if (!p)
        return json_null();
    v = json_stringn(p, n);
    if (v || n > (SIZE_MAX - 1) / 2)
        return v;
    out = folio_arena_alloc(a, 2 * n + 1);
    if (!out)
        return NULL;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x80) {
            out[k++] = (char)c;
        } else {
            out[k++] = (char)(0xC0 | (c >> 6));
            out[k++] = (char)(0x80 | (c & 0x3F));
        }
    }
    out[k] = '\0';
    return json_stringn(out, k);
}

static int jset_bytes(json_t *o, const char *k, struct folio_arena *a, const char *s)
{
    return folio_jset(o, k, bytes_json(a, s, s ? strlen(s) : 0));
}

/* The members of a log row common to the list and the detail. */
static json_t *msg_json(struct folio_arena *a, const struct folio_hl7log_msg *m)
{
    json_t *o = json_object();
    int bad = !o;

    if (bad)
        return NULL;
    bad |= folio_jset_int(o, "id", m->id);
    bad |= folio_jset_str(o, "kind", m->kind);
    bad |= folio_jset_str(o, "received_at", m->received_at);
    bad |= folio_jset_id(o, "connection_id", m->connection_id);
    bad |= jset_bytes(o, "peer", a, m->peer);
    bad |= jset_bytes(o, "sender_app", a, m->sender_app);
    bad |= jset_bytes(o, "sender_facility", a, m->sender_fac);
    bad |= jset_bytes(o, "receiver_app", a, m->receiver_app);
    bad |= jset_bytes(o, "receiver_facility", a, m->receiver_fac);
    bad |= jset_bytes(o, "control_id", a, m->control_id);
    bad |= jset_bytes(o, "type", a, m->msg_type);
    bad |= jset_bytes(o, "version", a, m->version);
    bad |= folio_jset_str(o, "status", m->status);
    bad |= folio_jset_str(o, "ack_code", m->ack_code);
    bad |= folio_jset_int(o, "n_errors", m->n_errors);
    bad |= folio_jset_id(o, "patient_id", m->patient_id);
    bad |= folio_jset_id(o, "encounter_id", m->encounter_id);
    bad |= folio_jset_id(o, "replay_of", m->replay_of);
    bad |= folio_jset_id(o, "duplicate_of", m->duplicate_of);
    bad |= folio_jset_bool(o, "resolved", m->resolved_at != NULL);
    bad |= folio_jset_str(o, "resolved_at", m->resolved_at);
    bad |= folio_jset_id(o, "resolved_by", m->resolved_by);
    bad |= jset_bytes(o, "resolution", a, m->resolution);
    bad |= folio_jset_str(o, "applied_at", m->applied_at);
    bad |= folio_jset_int(o, "raw_len", m->raw_len);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *errors_json(struct folio_arena *a, const struct folio_hl7log_msg *m)
{
    json_t *arr = json_array();
    size_t i;

    for (i = 0; arr && i < m->n_errors_detail; i++) {
        const struct folio_hl7log_error *e = &m->errors[i];
        json_t *o = json_object();
        int bad = !o;

        if (o) {
            bad |= folio_jset_str(o, "code", e->code);
            bad |= folio_jset_str(o, "severity", e->severity);
            bad |= jset_bytes(o, "location", a, e->location);
            bad |= jset_bytes(o, "text", a, e->text);
        }
        if (bad || json_array_append_new(arr, o) != 0) {
            if (bad)
                json_decref(o);
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* The filters of /hl7/messages and /hl7/errors; detail gets them for the audit entry. */
static enum folio_rc read_query(struct folio_req *req, struct folio_hl7log_query *q,
                                struct folio_buf *detail, struct folio_err *err)
{
    static const char *const text[] = {"since", "until", "type", "status", "sender", "control_id"};
    const char **dst[] = {&q->since, &q->until, &q->type, &q->status, &q->sender, &q->control_id};
    enum folio_rc rc;
    size_t i;

    memset(q, 0, sizeof(*q));
    rc = folio_req_query_i64(req, "patient_id", 0, 1, INT64_MAX, &q->patient_id, err);
    rc = rc ? rc : folio_req_query_i64(req, "limit", 50, 1, 1000, &q->limit, err);
    rc = rc ? rc : folio_req_query_i64(req, "offset", 0, 0, INT64_MAX / 2, &q->offset, err);
    if (rc)
        return rc;
    for (i = 0; i < FOLIO_ARRAY_LEN(text); i++) {
        *dst[i] = folio_req_query(req, text[i]);
        if (folio_str_empty(*dst[i]))
            *dst[i] = NULL;
        else if (folio_buf_appendf(detail, "%s=%s; ", text[i], *dst[i]))
            return folio_err_set(err, FOLIO_ETOOBIG, text[i], "%s is too long", text[i]);
    }
    if (q->patient_id && folio_buf_appendf(detail, "patient_id=%lld; ", (long long)q->patient_id))
        return folio_err_set(err, FOLIO_ETOOBIG, NULL, "query terms are too long");
    return FOLIO_OK;
}

static enum folio_rc list_page(struct folio_req *req, struct folio_resp *resp, bool errors_only,
                               struct folio_err *err)
{
    struct folio_hl7log_query q;
    struct folio_hl7log_page pg;
    struct folio_buf detail;
    json_t *items = NULL;
    enum folio_rc rc;
    size_t i;

    folio_buf_init(&detail, 2048);
    rc = read_query(req, &q, &detail, err);
    if (rc)
        goto out;
    q.errors_only = errors_only;
    rc = folio_hl7log_list(req->store, &q, req->arena, &pg, err);
    if (rc)
        goto out;
    if (folio_buf_appendf(&detail, "%sresults=%lld", errors_only ? "errors queue; " : "",
                          (long long)pg.total)) {
        rc = folio_err_set(err, FOLIO_ETOOBIG, NULL, "query terms are too long");
        goto out;
    }
    rc = folio_srv_audit(req, "interface.list", q.patient_id, NULL, 0, detail.data, err);
    if (rc)
        goto out;
    items = json_array();
    for (i = 0; items && i < pg.n; i++) {
        if (json_array_append_new(items, msg_json(req->arena, &pg.items[i]))) {
            json_decref(items);
            items = NULL;
        }
    }
    rc = folio_api_reply(resp, 200, folio_render_page(items, pg.total, q.limit, q.offset), err);
out:
    folio_buf_release(&detail);
    return rc;
}

static enum folio_rc list(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    return list_page(req, resp, false, err);
}

static enum folio_rc errors(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    return list_page(req, resp, true, err);
}

/* One message: the row, raw, ACK, errors, and the parsed tree (null with parse_error when the
 * message does not parse: a rejected one). */
static enum folio_rc show(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    struct folio_hl7log_msg m;
    struct folio_hl7_msg *pm = NULL;
    struct folio_err perr;
    json_t *o = NULL, *tree = NULL, *perr_json = NULL;
    enum folio_rc rc;
    int bad;

    rc = folio_hl7log_get(req->store, req->ids[0], req->arena, &m, err);
    rc = rc ? rc
            : folio_srv_audit(req, "interface.view", m.patient_id, "hl7_message", m.id,
                              folio_arena_printf(req->arena, "%s %s %s",
                                                 folio_str_empty(m.msg_type) ? "-" : m.msg_type,
                                                 m.ack_code ? m.ack_code : "-", m.status),
                              err);
    if (rc)
        return rc;
    folio_err_clear(&perr);
    rc = folio_hl7_parse(m.raw, (size_t)m.raw_len, NULL, &pm, NULL, &perr);
    if (!rc)
        rc = folio_hl7_tree(pm, &tree, &perr);
    folio_hl7_free(pm);
    if (rc == FOLIO_ENOMEM)
        return folio_render_nomem(err);
    if (rc) {
        perr_json = json_object();
        if (!perr_json || folio_jset_str(perr_json, "field", perr.field[0] ? perr.field : NULL) ||
            folio_jset(perr_json, "message", bytes_json(req->arena, perr.msg, strlen(perr.msg)))) {
            json_decref(perr_json);
            return folio_render_nomem(err);
        }
    }
    o = msg_json(req->arena, &m);
    bad = !o;
    bad |= folio_jset(o, "raw", bytes_json(req->arena, m.raw, (size_t)m.raw_len));
    bad |= folio_jset(o, "ack", bytes_json(req->arena, m.ack, (size_t)m.ack_len));
    bad |= folio_jset(o, "errors", errors_json(req->arena, &m));
    bad |= folio_jset(o, "tree", tree ? tree : json_null());
    bad |= folio_jset(o, "parse_error", perr_json ? perr_json : json_null());
    if (bad) {
        json_decref(o);
        return folio_render_nomem(err);
    }
    return folio_api_reply(resp, 200, o, err);
}

/* Re-applies a logged message; answers the new (replay) row with its ACK and errors. An AE/AR
 * outcome is a result, not an HTTP error: the replay row and its audit entry commit. */
static enum folio_rc replay(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    static const char *const allowed[] = {NULL};
    struct folio_chart c = folio_api_chart(req);
    struct folio_hl7_receipt r;
    struct folio_hl7log_msg m;
    json_t *body = NULL, *o;
    enum folio_rc rc;
    int bad;

    if (req->body_len) { /* no members; an empty object is accepted */
        rc = folio_req_json(req, &body, err);
        rc = rc ? rc : folio_json_only(body, allowed, err);
        json_decref(body);
        if (rc)
            return rc;
    }
    rc = folio_hl7log_replay(&c, req->ids[0], req->arena, &r, err);
    rc = rc ? rc : folio_hl7log_get(req->store, r.log_id, req->arena, &m, err);
    if (rc)
        return rc;
    o = msg_json(req->arena, &m);
    bad = !o;
    bad |= folio_jset(o, "ack", bytes_json(req->arena, m.ack, (size_t)m.ack_len));
    bad |= folio_jset(o, "errors", errors_json(req->arena, &m));
    if (bad) {
        json_decref(o);
        return folio_render_nomem(err);
    }
    return folio_api_reply(resp, 200, o, err);
}

const struct folio_route folio_api_hl7_routes[] = {
    {"GET", "/api/v1/hl7/messages", FOLIO_PERM_INTERFACE_READ, list, "List the HL7 v2 message log"},
    {"GET", "/api/v1/hl7/messages/{id}", FOLIO_PERM_INTERFACE_READ, show,
     "One logged HL7 message: raw text, ACK, errors and the parsed tree"},
    {"POST", "/api/v1/hl7/messages/{id}/replay", FOLIO_PERM_INTERFACE_WRITE, replay,
     "Replay a logged HL7 message after fixing reference data"},
    {"GET", "/api/v1/hl7/errors", FOLIO_PERM_INTERFACE_READ, errors,
     "The HL7 errors queue: AE/AR messages not yet resolved"},
    {NULL, NULL, FOLIO_PERM_NONE, NULL, NULL},
};

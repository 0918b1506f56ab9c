/* Documents: list and file, current version, history, any version's content, amendments,
 * entered-in-error, signatures. Every change is a new version (records.h); If-Match carries the
 * current version number ("v<version_no>"). */
#include "folio/base.h"

#include <sodium.h>

#include "folio/chart_json.h"
#include "folio/completeness.h"
#include "folio/records.h"
#include "folio/time.h"
#include "server/api_completeness.h"
#include "server/render.h"
#include "server/server.h"

#define DOC_MAX ((size_t)64 * 1024 * 1024)

/* A change to an encounter's documents re-runs its deficiency analysis when it is discharged
 * (folio_completeness_on_change does nothing otherwise), in this request's transaction. */
static enum folio_rc reanalyze(struct folio_req *req, int64_t encounter_id, struct folio_err *err)
{
    if (encounter_id <= 0)
        return FOLIO_OK;
    return folio_completeness_on_change(req->store, encounter_id, NULL,
                                        req->session ? req->session->username : NULL, NULL, err);
}

static bool is_text(const char *mime)
{
    return mime && strncmp(mime, "text/", 5) == 0;
}

/* ---------------------------------------------------------------- list, create */

static enum folio_rc list(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_document_page pg;
    int64_t pid = req->ids[0], limit = 0, offset = 0, enc = 0;
    json_t *items;
    enum folio_rc rc;
    size_t i;

    rc = folio_req_query_i64(req, "limit", 50, 1, 1000, &limit, err);
    rc = rc ? rc : folio_req_query_i64(req, "offset", 0, 0, INT64_MAX / 2, &offset, err);
    rc = rc ? rc : folio_req_query_i64(req, "encounter_id", 0, 1, INT64_MAX, &enc, err);
    rc = rc ? rc : folio_api_patient_exists(req, pid, err);
    rc = rc ? rc : folio_document_list(&c, pid, enc, limit, offset, req->arena, &pg, err);
    rc = rc ? rc : folio_srv_audit(req, "document.list", pid, "document", 0, NULL, err);
    if (rc)
        return rc;
    items = json_array();
    for (i = 0; items && i < pg.n; i++) {
        if (json_array_append_new(items, folio_chart_json_document(&pg.items[i]))) {
            json_decref(items);
            items = NULL;
        }
    }
    return folio_api_reply(resp, 200, folio_render_page(items, pg.total, limit, offset), err);
}

static enum folio_rc reply_document(struct folio_req *req, struct folio_resp *resp, int status,
                                    int64_t id, struct folio_document *out, struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_document d;
    enum folio_rc rc;

    rc = folio_document_get(&c, id, req->arena, &d, err);
    if (rc)
        return rc;
    if (out)
        *out = d;
    folio_resp_etag(resp, d.current.version_no);
    return folio_api_reply(resp, status, folio_chart_json_document(&d), err);
}

static enum folio_rc decode_base64(struct folio_req *req, const char *b64, const void **p,
                                   size_t *len, struct folio_err *err)
{
    size_t n = strlen(b64), cap = n / 4 * 3 + 3, out_len = 0;
    unsigned char *bin;

    if (cap > DOC_MAX + 3)
        return folio_err_set(err, FOLIO_ETOOBIG, "content_base64",
                             "content_base64 is larger than 64 MiB");
    bin = folio_arena_alloc(req->arena, cap + 1);
    if (!bin)
        return folio_render_nomem(err);
    if (sodium_base642bin(bin, cap, b64, n, "\r\n", &out_len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return folio_err_set(err, FOLIO_EINVAL, "content_base64",
                             "content_base64 is not valid base64 (RFC 4648, padded)");
    *p = bin;
    *len = out_len;
    return FOLIO_OK;
}

static enum folio_rc create(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    static const char *const allowed[] = {"type",      "type_title",     "title",     "encounter_id",
                                          "author_id", "status",         "text",      "content_base64",
                                          "mime_type", "service_at",     "reason",    NULL};
    struct folio_chart c = folio_api_chart(req);
    struct folio_document_new in;
    const char *text = NULL, *b64 = NULL;
    json_t *body = NULL;
    int64_t id = 0, vid = 0;
    enum folio_rc rc;

    memset(&in, 0, sizeof(in));
    in.patient_id = req->ids[0];
    rc = folio_api_patient_exists(req, in.patient_id, err);
    rc = rc ? rc : folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc : folio_api_req_str(body, NULL, "type", &in.type_code, err);
    rc = rc ? rc : folio_api_str(body, NULL, "type_title", &in.type_title, err);
    rc = rc ? rc : folio_api_str(body, NULL, "title", &in.title, err);
    rc = rc ? rc : folio_api_i64(body, NULL, "encounter_id", 1, INT64_MAX, &in.encounter_id, NULL, err);
    rc = rc ? rc : folio_api_i64(body, NULL, "author_id", 1, INT64_MAX, &in.author_id, NULL, err);
    rc = rc ? rc : folio_api_str(body, NULL, "status", &in.status, err);
    rc = rc ? rc : folio_api_str(body, NULL, "text", &text, err);
    rc = rc ? rc : folio_api_str(body, NULL, "content_base64", &b64, err);
    rc = rc ? rc : folio_api_str(body, NULL, "mime_type", &in.mime_type, err);
    rc = rc ? rc : folio_api_str(body, NULL, "service_at", &in.service_at, err);
    /* required when the encounter's chart is complete (a late entry: records.h) */
    rc = rc ? rc : folio_api_str(body, NULL, "reason", &in.reason, err);
    if (!rc && in.reason && strlen(in.reason) > 1000)
        rc = folio_err_set(err, FOLIO_EINVAL, "reason", "reason is longer than 1000 bytes");
    if (rc)
        goto out;
    if (text && b64) {
        rc = folio_err_set(err, FOLIO_EINVAL, "content_base64",
                           "give either text or content_base64, not both");
        goto out;
    }
    if (!text && !b64) {
        rc = folio_err_set(err, FOLIO_EINVAL, "text",
                           "the content is missing: give text, or content_base64 and mime_type");
        goto out;
    }
    if (b64 && !in.mime_type) {
        rc = folio_err_set(err, FOLIO_EINVAL, "mime_type",
                           "mime_type is required with content_base64");
        goto out;
    }
    if (text) {
        in.content = text;
        in.content_len = strlen(text);
    } else {
        rc = decode_base64(req, b64, &in.content, &in.content_len, err);
        if (rc)
            goto out;
    }
    rc = folio_document_create(&c, &in, &id, &vid, err);
    if (rc) {
        if (strcmp(err->field, "type_code") == 0)
            (void)folio_strlcpy(err->field, "type", sizeof(err->field));
        goto out;
    }
    rc = folio_srv_audit(req, "document.create", in.patient_id, "document", id, NULL, err);
    rc = rc ? rc : reanalyze(req, in.encounter_id, err);
    if (rc)
        goto out;
    (void)folio_snprintf(resp->location, sizeof(resp->location), "/api/v1/documents/%lld",
                         (long long)id);
    rc = reply_document(req, resp, 201, id, NULL, err);
out:
    json_decref(body);
    return rc;
}

/* ---------------------------------------------------------------- reading */

static enum folio_rc view(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    struct folio_document d;
    enum folio_rc rc;

    rc = reply_document(req, resp, 200, req->ids[0], &d, err);
    if (rc)
        return rc;
    return folio_srv_audit(req, "document.view", d.patient_id, "document", d.id, NULL, err);
}

static enum folio_rc versions(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_document d;
    struct folio_document_version *v = NULL;
    json_t *o = NULL, *arr;
    size_t n = 0, i;
    enum folio_rc rc;
    int bad;

    rc = folio_document_get(&c, req->ids[0], req->arena, &d, err);
    rc = rc ? rc : folio_document_history(&c, d.id, req->arena, &v, &n, err);
    rc = rc ? rc : folio_srv_audit(req, "document.view", d.patient_id, "document", d.id,
                                   "version history", err);
    if (rc)
        return rc;
    o = json_object();
    arr = json_array();
    bad = !o || !arr;
    if (!bad) {
        bad |= folio_jset_int(o, "document_id", d.id);
        bad |= folio_jset_int(o, "patient_id", d.patient_id);
        bad |= folio_jset(o, "versions", arr); /* o owns arr from here on */
    }
    for (i = 0; !bad && i < n; i++)
        bad |= json_array_append_new(arr, folio_chart_json_doc_version(&v[i])) != 0;
    if (bad) {
        json_decref(o);
        if (!o)
            json_decref(arr);
        return folio_render_nomem(err);
    }
    folio_resp_etag(resp, d.current.version_no);
    return folio_api_reply(resp, 200, o, err);
}

/* Version {n} of document {id}: ENOTFOUND naming the version when there is none. */
static enum folio_rc find_version(struct folio_req *req, struct folio_document *d,
                                  struct folio_document_version **out, struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_document_version *v = NULL;
    size_t n = 0, i;
    enum folio_rc rc;

    rc = folio_document_get(&c, req->ids[0], req->arena, d, err);
    rc = rc ? rc : folio_document_history(&c, d->id, req->arena, &v, &n, err);
    if (rc)
        return rc;
    for (i = 0; i < n; i++) {
        if (v[i].version_no == req->ids[1]) {
            *out = &v[i];
            return FOLIO_OK;
        }
    }
    return folio_err_set(err, FOLIO_ENOTFOUND, "n", "document %lld has no version %lld",
                         (long long)d->id, (long long)req->ids[1]);
}

static enum folio_rc version(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_document d;
    struct folio_document_version *v = NULL;
    const void *p = NULL;
    size_t len = 0;
    json_t *o = NULL;
    enum folio_rc rc;
    int bad;

    rc = find_version(req, &d, &v, err);
    if (rc)
        return rc;
    if (is_text(v->mime_type)) {
        rc = folio_document_content(&c, v->id, req->arena, &p, &len, err);
        if (rc)
            return rc;
    }
    rc = folio_srv_audit(req, "document.view", d.patient_id, "document", d.id,
                         folio_arena_printf(req->arena, "version %lld", (long long)v->version_no),
                         err);
    if (rc)
        return rc;
    o = folio_chart_json_document(&d);
    bad = !o;
    if (!bad) {
        bad |= folio_jset(o, "version", folio_chart_json_doc_version(v));
        json_t *text = p ? json_stringn(p, len) : NULL;

        /* Text that is not UTF-8 (json_stringn refuses it) is served by /content only. */
        bad |= folio_jset(o, "content", text ? text : json_null());
    }
    if (bad) {
        json_decref(o);
        return folio_render_nomem(err);
    }
    folio_resp_etag(resp, d.current.version_no);
    return folio_api_reply(resp, 200, o, err);
}

static enum folio_rc content(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_document d;
    struct folio_document_version *v = NULL;
    const void *p = NULL;
    size_t len = 0;
    enum folio_rc rc;

    rc = find_version(req, &d, &v, err);
    rc = rc ? rc : folio_document_content(&c, v->id, req->arena, &p, &len, err);
    rc = rc ? rc
            : folio_srv_audit(req, "document.download", d.patient_id, "document", d.id,
                              folio_arena_printf(req->arena, "version %lld",
                                                 (long long)v->version_no),
                              err);
    if (rc)
        return rc;
    resp->status = 200;
    resp->raw = p;
    resp->raw_len = len;
    resp->content_type = v->mime_type ? v->mime_type : "application/octet-stream";
    /* The file name carries ids only, never a title (titles may hold PHI). */
    resp->content_disposition = folio_arena_printf(
        req->arena, "attachment; filename=\"document-%lld-v%lld%s\"", (long long)d.id,
        (long long)v->version_no, is_text(v->mime_type) ? ".txt" : "");
    if (!resp->content_disposition)
        return folio_render_nomem(err);
    return FOLIO_OK;
}

/* ---------------------------------------------------------------- changes */

/* Checks If-Match against the current version number: 428 without, 412 when stale. */
static enum folio_rc check_if_match(struct folio_req *req, const struct folio_document *d,
                                    struct folio_err *err)
{
    bool present = false;
    int64_t v = 0;
    enum folio_rc rc = folio_req_if_match(req, &present, &v, err);

    if (rc)
        return rc;
    if (!present)
        return folio_srv_precondition_required(err);
    if (v != d->current.version_no)
        return folio_srv_stale(d->current.version_no, err);
    return FOLIO_OK;
}

static enum folio_rc revise(struct folio_req *req, struct folio_resp *resp,
                            const struct folio_document *d, struct folio_document_change *ch,
                            const char *what, struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    int64_t vid = 0;
    enum folio_rc rc;

    ch->expected_version_no = d->current.version_no;
    rc = folio_document_revise(&c, d->id, ch, &vid, err);
    if (rc == FOLIO_ECONFLICT && strcmp(err->field, "expected_version_no") == 0)
        rc = folio_srv_stale(d->current.version_no + 1, err);
    rc = rc ? rc : folio_srv_audit(req, "document.amend", d->patient_id, "document", d->id, what, err);
    rc = rc ? rc : reanalyze(req, d->encounter_id, err);
    rc = rc ? rc : reply_document(req, resp, 200, d->id, NULL, err);
    return rc;
}

static enum folio_rc amend(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    static const char *const allowed[] = {"kind", "reason", "text", "title", NULL};
    struct folio_chart c = folio_api_chart(req);
    struct folio_document d;
    struct folio_document_change ch;
    struct folio_buf full;
    const char *kind = NULL, *text = NULL;
    json_t *body = NULL;
    enum folio_rc rc;

    folio_buf_init(&full, DOC_MAX);
    memset(&ch, 0, sizeof(ch));
    rc = folio_document_get(&c, req->ids[0], req->arena, &d, err);
    rc = rc ? rc : check_if_match(req, &d, err);
    rc = rc ? rc : folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc : folio_api_req_str(body, NULL, "kind", &kind, err);
    rc = rc ? rc : folio_api_str(body, NULL, "reason", &ch.reason, err);
    rc = rc ? rc : folio_api_req_str(body, NULL, "text", &text, err);
    rc = rc ? rc : folio_api_str(body, NULL, "title", &ch.title, err);
    if (rc)
        goto out;
    if (strcmp(kind, "amendment") == 0) {
        ch.kind = FOLIO_DOC_AMEND;
    } else if (strcmp(kind, "correction") == 0) {
        ch.kind = FOLIO_DOC_CORRECT;
    } else if (strcmp(kind, "addendum") == 0) {
        ch.kind = FOLIO_DOC_ADDENDUM;
    } else {
        rc = folio_err_set(err, FOLIO_EINVAL, "kind",
                           "kind must be amendment, correction or addendum, not '%s'", kind);
        goto out;
    }
    if (ch.kind != FOLIO_DOC_ADDENDUM && folio_str_empty(ch.reason)) {
        rc = folio_err_set(err, FOLIO_EINVAL, "reason", "reason is required for an %s", kind);
        goto out;
    }
    if (ch.kind == FOLIO_DOC_ADDENDUM) {
        /* As `folio document addendum`: the current content followed by the dated addendum. */
        const void *p = NULL;
        size_t len = 0;
        char now[32];

        if (!is_text(d.current.mime_type)) {
            rc = folio_err_set(err, FOLIO_ESTATE, "kind",
                               "an addendum needs a text document; this one is %s",
                               d.current.mime_type ? d.current.mime_type : "binary");
            goto out;
        }
        rc = folio_document_content(&c, d.current.id, req->arena, &p, &len, err);
        if (rc)
            goto out;
        folio_time_now_utc(now);
        if (folio_buf_append(&full, p, len) ||
            folio_buf_appendf(&full, "%s\nAddendum %s by %s:\n",
                              (len && ((const char *)p)[len - 1] == '\n') ? "" : "\n", now,
                              c.actor ? c.actor : "system") ||
            folio_buf_append_str(&full, text)) {
            rc = folio_err_set(err, FOLIO_ETOOBIG, "text", "the document would be too large");
            goto out;
        }
        ch.content = full.data;
        ch.content_len = full.len;
    } else {
        ch.content = text;
        ch.content_len = strlen(text);
        ch.mime_type = "text/plain";
    }
    rc = revise(req, resp, &d, &ch, kind, err);
out:
    folio_buf_release(&full);
    json_decref(body);
    return rc;
}

static enum folio_rc mark_error(struct folio_req *req, struct folio_resp *resp,
                                struct folio_err *err)
{
    static const char *const allowed[] = {"reason", NULL};
    struct folio_chart c = folio_api_chart(req);
    struct folio_document d;
    struct folio_document_change ch;
    json_t *body = NULL;
    enum folio_rc rc;

    memset(&ch, 0, sizeof(ch));
    ch.kind = FOLIO_DOC_ENTERED_IN_ERROR;
    rc = folio_document_get(&c, req->ids[0], req->arena, &d, err);
    rc = rc ? rc : check_if_match(req, &d, err);
    rc = rc ? rc : folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc : folio_api_req_str(body, NULL, "reason", &ch.reason, err);
    rc = rc ? rc : revise(req, resp, &d, &ch, "entered-in-error", err);
    json_decref(body);
    return rc;
}

static enum folio_rc sign(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    static const char *const allowed[] = {"role", NULL};
    struct folio_chart c = folio_api_chart(req);
    struct folio_document d;
    const char *role = NULL;
    json_t *body = NULL;
    int64_t sid = 0, provider = 0;
    enum folio_rc rc;

    rc = folio_document_get(&c, req->ids[0], req->arena, &d, err);
    /* A user linked to a provider signs as that provider (the signature counts for the
     * completeness rules, which name providers). */
    rc = rc ? rc : folio_api_session_provider(req, &provider, err);
    if (rc)
        goto out;
    if (req->body_len) {
        rc = folio_req_json(req, &body, err);
        rc = rc ? rc : folio_json_only(body, allowed, err);
        rc = rc ? rc : folio_api_str(body, NULL, "role", &role, err);
        if (rc)
            goto out;
    }
    rc = folio_document_sign(&c, d.current.id, provider, provider ? NULL : c.actor,
                             role ? role : "author", NULL, &sid, err);
    rc = rc ? rc
            : folio_srv_audit(req, "document.amend", d.patient_id, "document", d.id,
                              folio_arena_printf(req->arena, "sign version %lld as %s",
                                                 (long long)d.current.version_no,
                                                 role ? role : "author"),
                              err);
    rc = rc ? rc : reanalyze(req, d.encounter_id, err);
    rc = rc ? rc : reply_document(req, resp, 200, d.id, NULL, err);
out:
    json_decref(body);
    return rc;
}

/* ---- sensitivity tags (docs/roi.md "Sensitive records") ---- */

#define TAG_REASON_MAX 1000

/* {"items": [...], "known": [tag names]} of document d's tags (the history with ?history=1). */
static enum folio_rc reply_tags(struct folio_req *req, struct folio_resp *resp, int status,
                                const struct folio_document *d, struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_document_tag *v = NULL;
    const char *h = folio_req_query(req, "history");
    bool history = h && strcmp(h, "1") == 0;
    size_t n = 0, nk = 0;
    json_t *o = json_object(), *items = json_array(), *known = json_array();
    const char *const *all = folio_sensitivity_tags(&nk);
    enum folio_rc rc;
    int bad = !o || !items || !known;

    if (h && !history && strcmp(h, "0") != 0) {
        rc = folio_err_set(err, FOLIO_EINVAL, "history", "history: say 1 or 0");
        goto out;
    }
    rc = folio_document_tags(&c, d->id, history, req->arena, &v, &n, err);
    if (rc)
        goto out;
    for (size_t i = 0; !bad && i < n; i++) {
        json_t *t = json_object();
        bad = !t || folio_jset_str(t, "tag", v[i].tag) || folio_jset_str(t, "set_at", v[i].set_at) ||
              folio_jset_str(t, "set_by", v[i].set_by) ||
              folio_jset_str(t, "set_reason", v[i].set_reason) ||
              folio_jset_str(t, "removed_at", v[i].removed_at) ||
              folio_jset_str(t, "removed_by", v[i].removed_by) ||
              folio_jset_str(t, "removed_reason", v[i].removed_reason) ||
              json_array_append_new(items, t);
    }
    for (size_t i = 0; !bad && i < nk; i++)
        bad = json_array_append_new(known, json_string(all[i]));
    bad = bad || folio_jset_int(o, "document_id", d->id) || folio_jset(o, "items", items) ||
          folio_jset(o, "known", known);
    items = known = NULL;
    if (bad) {
        rc = folio_render_nomem(err);
        goto out;
    }
    rc = folio_api_reply(resp, status, o, err);
    o = NULL;
out:
    json_decref(o);
    json_decref(items);
    json_decref(known);
    return rc;
}

static enum folio_rc tags_get(struct folio_req *req, struct folio_resp *resp,
                              struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_document d;
    enum folio_rc rc = folio_document_get(&c, req->ids[0], req->arena, &d, err);
    rc = rc ? rc
            : folio_srv_audit(req, "document.view", d.patient_id, "document", d.id, "tags", err);
    return rc ? rc : reply_tags(req, resp, 200, &d, err);
}

/* POST {"tag", "reason"?}: sets a tag; POST .../tags/{tag}/removal {"reason"}: removes it. */
static enum folio_rc tag_change(struct folio_req *req, struct folio_resp *resp, bool add,
                                struct folio_err *err)
{
    static const char *const allowed_add[] = {"tag", "reason", NULL};
    static const char *const allowed_rm[] = {"reason", NULL};
    struct folio_chart c = folio_api_chart(req);
    struct folio_document d;
    const char *tag = add ? NULL : req->words[0], *reason = NULL;
    json_t *body = NULL;
    enum folio_rc rc;

    rc = folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, add ? allowed_add : allowed_rm, err);
    rc = rc ? rc : add ? folio_api_req_str(body, NULL, "tag", &tag, err) : FOLIO_OK;
    rc = rc ? rc
            : add ? folio_api_str(body, NULL, "reason", &reason, err)
                  : folio_api_req_str(body, NULL, "reason", &reason, err);
    if (rc == FOLIO_OK && reason && strlen(reason) > TAG_REASON_MAX)
        rc = folio_err_set(err, FOLIO_EINVAL, "reason", "reason: at most %d bytes",
                           TAG_REASON_MAX);
    if (rc == FOLIO_OK && !folio_sensitivity_tag(tag))
        rc = folio_err_set(err, add ? FOLIO_EINVAL : FOLIO_ENOTFOUND, "tag",
                           "tag: '%.40s' is not a sensitivity tag", tag ? tag : "");
    rc = rc ? rc : folio_document_get(&c, req->ids[0], req->arena, &d, err);
    if (rc == FOLIO_OK)
        tag = folio_sensitivity_tag(tag);
    rc = rc ? rc
            : add ? folio_document_tag_add(&c, d.id, tag, reason, err)
                  : folio_document_tag_remove(&c, d.id, tag, reason, err);
    rc = rc ? rc
            : folio_srv_audit(req, "document.amend", d.patient_id, "document", d.id,
                              folio_arena_printf(req->arena, "%s tag %s", add ? "set" : "remove",
                                                 tag),
                              err);
    json_decref(body);
    return rc ? rc : reply_tags(req, resp, add ? 201 : 200, &d, err);
}

static enum folio_rc tag_add(struct folio_req *req, struct folio_resp *resp,
                             struct folio_err *err)
{
    return tag_change(req, resp, true, err);
}

static enum folio_rc tag_remove(struct folio_req *req, struct folio_resp *resp,
                                struct folio_err *err)
{
    return tag_change(req, resp, false, err);
}

const struct folio_route folio_api_document_routes[] = {
    {"GET", "/api/v1/patients/{id}/documents", FOLIO_PERM_DOCUMENT_READ, list,
     "A patient's documents, newest first"},
    {"POST", "/api/v1/patients/{id}/documents", FOLIO_PERM_DOCUMENT_WRITE, create,
     "File a document (text or base64 content)"},
    {"GET", "/api/v1/documents/{id}", FOLIO_PERM_DOCUMENT_READ, view,
     "A document with its current version"},
    {"GET", "/api/v1/documents/{id}/versions", FOLIO_PERM_DOCUMENT_READ, versions,
     "Every version of a document: who, when, why"},
    {"GET", "/api/v1/documents/{id}/versions/{n}", FOLIO_PERM_DOCUMENT_READ, version,
     "One version's metadata, with its text when it is text"},
    {"GET", "/api/v1/documents/{id}/versions/{n}/content", FOLIO_PERM_DOCUMENT_READ, content,
     "One version's content as stored (download)"},
    {"POST", "/api/v1/documents/{id}/amend", FOLIO_PERM_DOCUMENT_AMEND, amend,
     "Amend, correct or add an addendum (If-Match required)"},
    {"POST", "/api/v1/documents/{id}/error", FOLIO_PERM_DOCUMENT_AMEND, mark_error,
     "Mark a document entered-in-error (If-Match required)"},
    {"POST", "/api/v1/documents/{id}/sign", FOLIO_PERM_DOCUMENT_AMEND, sign,
     "Sign the current version as the signed-in user"},
    {"GET", "/api/v1/documents/{id}/tags", FOLIO_PERM_DOCUMENT_READ, tags_get,
     "A document's sensitivity tags (?history=1: removed ones too)"},
    {"POST", "/api/v1/documents/{id}/tags", FOLIO_PERM_DOCUMENT_WRITE, tag_add,
     "Tag a document as sensitive (psychotherapy notes, Part 2, HIV/STI, ...)"},
    {"POST", "/api/v1/documents/{id}/tags/{tag}/removal", FOLIO_PERM_DOCUMENT_WRITE, tag_remove,
     "Remove a sensitivity tag, with a reason (the row is kept)"},
    {NULL, NULL, FOLIO_PERM_NONE, NULL, NULL},
};

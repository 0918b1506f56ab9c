/* The audit trail through the API: search, chain verification, exports, who-accessed reports.
 * Reading the trail is itself audited (audit.search, audit.verify, audit.export, audit.report). */
#include "folio/base.h"

#include <unistd.h>

#include "folio/audit.h"
#include "server/render.h"
#include "server/server.h"

#define EXPORT_MAX ((size_t)256 * 1024 * 1024)

/* The query of /audit and /audit/export from the query string; detail gets the terms. */
static enum folio_rc read_query(struct folio_req *req, struct folio_audit_query *q,
                                struct folio_buf *detail, struct folio_err *err)
{
    enum folio_rc rc;

    memset(q, 0, sizeof(*q));
    rc = folio_req_query_i64(req, "patient_id", 0, 1, INT64_MAX, &q->patient_id, err);
    rc = rc ? rc : folio_req_query_i64(req, "limit", 100, 1, 1000, &q->limit, err);
    rc = rc ? rc : folio_req_query_i64(req, "offset", 0, 0, INT64_MAX / 2, &q->offset, err);
    rc = rc ? rc : folio_api_query_time(req, "from", &q->from, err);
    rc = rc ? rc : folio_api_query_time(req, "to", &q->to, err);
    if (rc)
        return rc;
    q->username = folio_req_query(req, "user");
    q->action = folio_req_query(req, "action");
    if (q->patient_id)
        rc = rc ? rc : folio_buf_appendf(detail, "patient_id=%lld; ", (long long)q->patient_id);
    if (q->username)
        rc = rc ? rc : folio_buf_appendf(detail, "user=%s; ", q->username);
    if (q->action)
        rc = rc ? rc : folio_buf_appendf(detail, "action=%s; ", q->action);
    if (q->from)
        rc = rc ? rc : folio_buf_appendf(detail, "from=%s; ", q->from);
    if (q->to)
        rc = rc ? rc : folio_buf_appendf(detail, "to=%s; ", q->to);
    if (rc)
        return folio_err_set(err, FOLIO_ETOOBIG, NULL, "query terms are too long");
    return FOLIO_OK;
}

static enum folio_rc search(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    struct folio_audit_query q;
    struct folio_audit_page pg;
    struct folio_buf detail;
    json_t *items = NULL;
    enum folio_rc rc;
    size_t i;

    folio_buf_init(&detail, 2048);
    rc = read_query(req, &q, &detail, err);
    rc = rc ? rc : folio_audit_search(req->store, &q, req->arena, &pg, err);
    if (rc)
        goto out;
    if (folio_buf_appendf(&detail, "results=%lld", (long long)pg.total)) {
        rc = folio_err_set(err, FOLIO_ETOOBIG, NULL, "query terms are too long");
        goto out;
    }
    /* Appended after the search: the entry does not list itself. */
    rc = folio_srv_audit(req, "audit.search", q.patient_id, NULL, 0, detail.data, err);
    if (rc)
        goto out;
    items = json_array();
    for (i = 0; items && i < pg.n; i++) {
        if (json_array_append_new(items, folio_render_audit_entry(&pg.items[i]))) {
            json_decref(items);
            items = NULL;
        }
    }
    rc = folio_api_reply(resp, 200, folio_render_page(items, pg.total, q.limit, q.offset), err);
out:
    folio_buf_release(&detail);
    return rc;
}

static enum folio_rc verify(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    struct folio_audit_verify_result res;
    const char *cp_hash = folio_req_query(req, "checkpoint_hash");
    int64_t cp_seq = 0;
    json_t *o;
    enum folio_rc rc;
    int bad;

    rc = folio_req_query_i64(req, "checkpoint_seq", 0, 1, INT64_MAX, &cp_seq, err);
    if (rc)
        return rc;
    if ((cp_seq != 0) != (cp_hash != NULL))
        return folio_err_set(err, FOLIO_EINVAL, cp_hash ? "checkpoint_seq" : "checkpoint_hash",
                             "checkpoint_seq and checkpoint_hash go together");
    memset(&res, 0, sizeof(res));
    rc = folio_audit_verify(req->store, cp_seq, cp_hash, &res, err);
    rc = rc ? rc
            : folio_srv_audit(req, "audit.verify", 0, NULL, 0,
                              folio_arena_printf(req->arena, "ok=%s; checked=%lld",
                                                 res.ok ? "true" : "false",
                                                 (long long)res.checked),
                              err);
    if (rc)
        return rc;
    o = json_object();
    bad = !o;
    if (o) {
        bad |= folio_jset_bool(o, "ok", res.ok);
        bad |= folio_jset_int(o, "checked", res.checked);
        bad |= folio_jset_id(o, "first_bad_seq", res.first_bad_seq);
        bad |= folio_jset_str(o, "reason", res.ok ? NULL : res.reason);
    }
    if (bad) {
        json_decref(o);
        return folio_render_nomem(err);
    }
    return folio_api_reply(resp, 200, o, err);
}

static enum folio_rc export_(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    const char *format = folio_req_query(req, "format");
    struct folio_audit_query q;
    struct folio_buf detail;
    char *mem = NULL, host[256];
    size_t mem_len = 0;
    FILE *f = NULL;
    bool fhir;
    enum folio_rc rc;

    folio_buf_init(&detail, 2048);
    if (!format)
        format = "fhir";
    if (strcmp(format, "fhir") != 0 && strcmp(format, "syslog") != 0) {
        rc = folio_err_set(err, FOLIO_EINVAL, "format", "format must be fhir or syslog, not '%s'",
                           format);
        goto out;
    }
    fhir = strcmp(format, "fhir") == 0;
    rc = read_query(req, &q, &detail, err);
    if (rc)
        goto out;
    f = open_memstream(&mem, &mem_len);
    if (!f) {
        rc = folio_render_nomem(err);
        goto out;
    }
    if (fhir) {
        rc = folio_audit_export_fhir(req->store, &q, f, err);
    } else {
        if (gethostname(host, sizeof(host)) != 0)
            (void)folio_strlcpy(host, "folio", sizeof(host));
        host[sizeof(host) - 1] = '\0';
        rc = folio_audit_export_syslog(req->store, &q, host, f, err);
    }
    if (fclose(f) != 0 && !rc)
        rc = folio_err_set(err, FOLIO_EIO, NULL, "the export could not be written");
    f = NULL;
    if (rc)
        goto out;
    if (mem_len > EXPORT_MAX) {
        rc = folio_err_set(err, FOLIO_ETOOBIG, NULL,
                           "the export is larger than 256 MiB: narrow it with from/to");
        goto out;
    }
    if (folio_buf_appendf(&detail, "format=%s; bytes=%zu", format, mem_len)) {
        rc = folio_err_set(err, FOLIO_ETOOBIG, NULL, "query terms are too long");
        goto out;
    }
    rc = folio_srv_audit(req, "audit.export", q.patient_id, NULL, 0, detail.data, err);
    if (rc)
        goto out;
    resp->raw = folio_arena_strndup(req->arena, mem ? mem : "", mem_len);
    if (!resp->raw) {
        rc = folio_render_nomem(err);
        goto out;
    }
    resp->status = 200;
    resp->raw_len = mem_len;
    resp->content_type = fhir ? "application/fhir+json" : "text/plain; charset=utf-8";
    resp->content_disposition = fhir ? "attachment; filename=\"audit-export.json\""
                                     : "attachment; filename=\"audit-export.log\"";
out:
    if (f)
        (void)fclose(f);
    free(mem);
    folio_buf_release(&detail);
    return rc;
}

static enum folio_rc access_report(struct folio_req *req, struct folio_resp *resp,
                                   struct folio_err *err)
{
    struct folio_audit_access *rows = NULL;
    const char *from = NULL, *to = NULL;
    int64_t pid = req->ids[0];
    json_t *o, *items;
    size_t n = 0, i;
    enum folio_rc rc;
    int bad;

    rc = folio_api_query_time(req, "from", &from, err);
    rc = rc ? rc : folio_api_query_time(req, "to", &to, err);
    rc = rc ? rc : folio_api_patient_exists(req, pid, err);
    rc = rc ? rc : folio_audit_who_accessed(req->store, pid, from, to, req->arena, &rows, &n, err);
    rc = rc ? rc : folio_srv_audit(req, "audit.report", pid, "patient", pid, "access report", err);
    if (rc)
        return rc;
    o = json_object();
    items = json_array();
    bad = !o || !items;
    if (bad) {
        json_decref(o);
        json_decref(items);
        return folio_render_nomem(err);
    }
    bad |= folio_jset_int(o, "patient_id", pid);
    bad |= folio_jset_str(o, "from", from);
    bad |= folio_jset_str(o, "to", to);
    bad |= folio_jset(o, "items", items);
    for (i = 0; !bad && i < n; i++) {
        json_t *x = json_object();

        bad |= !x;
        if (x) {
            bad |= folio_jset_str(x, "username", rows[i].username);
            bad |= folio_jset_str(x, "roles", rows[i].roles);
            bad |= folio_jset_str(x, "actions", rows[i].actions);
            bad |= folio_jset_int(x, "count", rows[i].count);
            bad |= folio_jset_str(x, "first_at", rows[i].first_at);
            bad |= folio_jset_str(x, "last_at", rows[i].last_at);
            bad |= json_array_append_new(items, x) != 0;
        }
    }
    if (bad) {
        json_decref(o);
        return folio_render_nomem(err);
    }
    return folio_api_reply(resp, 200, o, err);
}

const struct folio_route folio_api_audit_routes[] = {
    {"GET", "/api/v1/audit", FOLIO_PERM_AUDIT_READ, search, "Search the audit trail"},
    {"GET", "/api/v1/audit/verify", FOLIO_PERM_AUDIT_READ, verify,
     "Verify the audit trail's hash chain"},
    {"GET", "/api/v1/audit/export", FOLIO_PERM_AUDIT_READ, export_,
     "Export audit entries as FHIR AuditEvents or RFC 5424 syslog (ATNA)"},
    {"GET", "/api/v1/patients/{id}/access-report", FOLIO_PERM_AUDIT_READ, access_report,
     "Who accessed a patient's record"},
    {NULL, NULL, FOLIO_PERM_NONE, NULL, NULL},
};

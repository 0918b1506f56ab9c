/* The packets recorded on a request, their PDF bytes, the second person's QA check before
 * release, and the fee saved on a request (issue 9 items 1 and 4). include/folio/roi.h,
 * docs/roi.md "Release packet", "QA", "Fees". */
#include "folio/base.h"

#include "folio/crypto.h"
#include "roi/roi_int.h"

/* ",12,15," -> ids in ar. */
static bool parse_ids(struct folio_arena *ar, const char *list, int64_t **out, size_t *n)
{
    size_t cap = 0, k = 0;
    int64_t *v = NULL;
    const char *p = list ? list : "";
    *out = NULL;
    *n = 0;
    while (*p) {
        if (*p < '0' || *p > '9') {
            p++;
            continue;
        }
        int64_t x = 0;
        while (*p >= '0' && *p <= '9' && x < INT64_MAX / 10 - 10)
            x = x * 10 + (*p++ - '0');
        v = folio_arena_grow(ar, v, k, &cap, sizeof *v, 8);
        if (!v)
            return false;
        v[k++] = x;
    }
    *out = v;
    *n = k;
    return true;
}

enum folio_rc folio_roi_packets(struct folio_store *s, int64_t request_id, struct folio_arena *ar,
                                struct folio_roi_packet_info **out, size_t *n,
                                struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct folio_roi_packet_info *v = NULL;
    size_t cap = 0, k = 0;
    bool row = false, oom = false;
    enum folio_rc rc;
    *out = NULL;
    *n = 0;
    rc = roi_request_exists(s, request_id, err);
    /* each packet with its QA check (a packet is checked once: a failed check sends the request
     * back, and only a new packet goes to QA again; the latest row counts anyway) */
    if (rc == FOLIO_OK)
        rc = roi_prepare(s, &st, err,
                         "SELECT p.id, p.sha256, p.pages, p.byte_size, p.documents, "
                         "p.part2_notice, p.redisclosure_notice, p.created_at, p.created_by, "
                         "p.select_flags, p.emergency_reason, q.id, q.passed, q.right_patient, q.right_records, q.right_recipient, "
                         "q.at, q.by_user, q.note FROM roi_packet p LEFT JOIN roi_packet_qa q "
                         "ON q.id = (SELECT MAX(q2.id) FROM roi_packet_qa q2 WHERE q2.packet_id "
                         "= p.id) WHERE p.request_id = ? ORDER BY p.id",
                         "i", request_id);
    while (rc == FOLIO_OK && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        v = folio_arena_grow(ar, v, k, &cap, sizeof *v, 4);
        if (!v) {
            oom = true;
            break;
        }
        struct folio_roi_packet_info *p = &v[k++];
        memset(p, 0, sizeof *p);
        p->id = folio_stmt_column_i64(st, 0);
        p->request_id = request_id;
        folio_stmt_column_copy(st, 1, p->sha256, sizeof p->sha256);
        p->pages = (int)folio_stmt_column_i64(st, 2);
        p->byte_size = folio_stmt_column_i64(st, 3);
        if (!parse_ids(ar, folio_stmt_column_text(st, 4), &p->document_ids, &p->n_documents))
            oom = true;
        p->part2_notice = folio_stmt_column_i64(st, 5) != 0;
        p->redisclosure_notice = folio_stmt_column_i64(st, 6) != 0;
        folio_stmt_column_copy(st, 7, p->created_at, sizeof p->created_at);
        p->created_by = folio_stmt_column_dup(ar, st, 8, &oom);
        p->select_flags = (unsigned)folio_stmt_column_i64(st, 9);
        p->emergency_reason = folio_stmt_column_dup(ar, st, 10, &oom);
        p->qa_done = folio_stmt_column_i64(st, 11) != 0;
        if (p->qa_done) {
            p->qa_passed = folio_stmt_column_i64(st, 12) != 0;
            p->right_patient = folio_stmt_column_i64(st, 13) != 0;
            p->right_records = folio_stmt_column_i64(st, 14) != 0;
            p->right_recipient = folio_stmt_column_i64(st, 15) != 0;
            folio_stmt_column_copy(st, 16, p->qa_at, sizeof p->qa_at);
            p->qa_by = folio_stmt_column_dup(ar, st, 17, &oom);
            p->qa_note = folio_stmt_column_dup(ar, st, 18, &oom);
        }
    }
    folio_stmt_free(st);
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, "packets", "out of memory reading packets");
    if (rc == FOLIO_OK) {
        *out = v;
        *n = k;
    }
    return rc;
}

enum folio_rc folio_roi_packet_pdf(struct folio_store *s, int64_t packet_id, struct folio_arena *ar,
                                   const unsigned char **pdf, size_t *len, int64_t *request_id,
                                   struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false;
    char sha[FOLIO_SHA256_HEX_LEN + 1], want[FOLIO_SHA256_HEX_LEN + 1];
    enum folio_rc rc;
    *pdf = NULL;
    *len = 0;
    rc = roi_prepare(s, &st, err,
                     "SELECT p.request_id, p.sha256, c.bytes, c.size FROM roi_packet p "
                     "LEFT JOIN content c ON c.sha256 = p.sha256 WHERE p.id = ?",
                     "i", packet_id);
    if (rc == FOLIO_OK)
        rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && !row)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "packet_id", "no ROI packet with id %lld",
                           (long long)packet_id);
    if (rc == FOLIO_OK && folio_stmt_column_is_null(st, 2))
        /* recorded before migration 0019 kept the bytes */
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "pdf",
                           "the PDF of packet %lld was not kept (recorded before version 0019)",
                           (long long)packet_id);
    if (rc == FOLIO_OK) {
        size_t n = 0;
        const void *b = folio_stmt_column_blob(st, 2, &n);
        unsigned char *copy = folio_arena_alloc(ar, n ? n : 1);
        if (request_id)
            *request_id = folio_stmt_column_i64(st, 0);
        folio_stmt_column_copy(st, 1, want, sizeof want);
        if (!copy) {
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        } else {
            if (n)
                memcpy(copy, b, n);
            folio_sha256_hex(copy, n, sha);
            if (strcmp(sha, want) != 0)
                rc = folio_err_set(err, FOLIO_EINTERNAL, "sha256",
                                   "the kept bytes of packet %lld do not match its SHA-256",
                                   (long long)packet_id);
            *pdf = copy;
            *len = n;
        }
    }
    folio_stmt_free(st);
    if (rc) {
        *pdf = NULL;
        *len = 0;
    }
    return rc;
}

enum folio_rc roi_latest_packet(struct folio_store *s, int64_t request_id, struct folio_arena *ar,
                                struct folio_roi_packet_info *out, bool *found,
                                struct folio_err *err)
{
    struct folio_roi_packet_info *v = NULL;
    size_t n = 0;
    enum folio_rc rc = folio_roi_packets(s, request_id, ar, &v, &n, err);
    *found = rc == FOLIO_OK && n > 0;
    if (*found)
        *out = v[n - 1];
    return rc;
}

enum folio_rc folio_roi_request_qa(struct folio_store *s, int64_t id,
                                   const struct folio_roi_qa_in *q, const char *user,
                                   const char *now, bool *passed, struct folio_err *err)
{
    struct folio_arena ar;
    struct folio_roi_request r;
    struct folio_roi_packet_info p;
    char at[32], today[11], detail[FOLIO_ROI_TEXT_MAX + 160];
    bool found = false, ok;
    enum folio_rc rc;
    if (passed)
        *passed = false;
    if (!q)
        return folio_err_set(err, FOLIO_EINVAL, "qa", "qa: the check is required");
    ok = q->right_patient && q->right_records && q->right_recipient;
    if ((rc = roi_user(user, err)) || (rc = roi_now(now, at, today, err)) ||
        (rc = roi_text(q->note, !ok, "note", err)))
        return rc;
    folio_arena_init(&ar, 0);
    if ((rc = folio_store_begin(s, err)))
        goto out;
    rc = folio_roi_request_get(s, id, &ar, &r, err);
    if (rc == FOLIO_OK && r.status != FOLIO_ROI_QA)
        rc = folio_err_set(err, FOLIO_ESTATE, "status",
                           "ROI request %lld is %s: QA checks a request sent to QA",
                           (long long)id, folio_roi_status_name(r.status));
    if (rc == FOLIO_OK)
        rc = roi_latest_packet(s, id, &ar, &p, &found, err);
    if (rc == FOLIO_OK && !found)
        rc = folio_err_set(err, FOLIO_ESTATE, "packet",
                           "ROI request %lld has no packet to check", (long long)id);
    /* the point of the check is a second pair of eyes */
    if (rc == FOLIO_OK && p.created_by && strcmp(p.created_by, user) == 0)
        rc = folio_err_set(err, FOLIO_ESTATE, "user",
                           "QA must be done by a second person: %s made packet %lld", user,
                           (long long)p.id);
    if (rc == FOLIO_OK && p.qa_done)
        rc = folio_err_set(err, FOLIO_ESTATE, "packet",
                           p.qa_passed ? "packet %lld already passed QA"
                                       : "packet %lld failed QA: make a new packet to check",
                           (long long)p.id);
    if (rc == FOLIO_OK)
        rc = roi_exec(s, NULL, err,
                      "INSERT INTO roi_packet_qa (packet_id, request_id, right_patient, "
                      "right_records, right_recipient, passed, note, at, by_user) "
                      "VALUES (?,?,?,?,?,?,?,?,?)",
                      "iiiiiitTT", p.id, id, (int64_t)q->right_patient,
                      (int64_t)q->right_records, (int64_t)q->right_recipient, (int64_t)ok,
                      q->note, at, user);
    if (rc == FOLIO_OK) {
        folio_snprintf(detail, sizeof detail,
                       "packet %lld %s: right patient %s, right records %s, right recipient %s%s%s",
                       (long long)p.id, ok ? "passed" : "failed", q->right_patient ? "yes" : "no",
                       q->right_records ? "yes" : "no", q->right_recipient ? "yes" : "no",
                       folio_str_empty(q->note) ? "" : "; ", folio_str_empty(q->note) ? "" : q->note);
        rc = roi_add_event(s, id, at, user, ok ? "qa_pass" : "qa_fail", "qa", "qa", detail, err);
    }
    /* a failed check sends the request back to be pulled again */
    if (rc == FOLIO_OK && !ok)
        rc = roi_exec(s, NULL, err, "UPDATE roi_request SET status = 'pulled' WHERE id = ?", "i",
                      id);
    if (rc == FOLIO_OK && !ok)
        rc = roi_add_event(s, id, at, user, "return", "qa", "pulled", q->note, err);
    rc = folio_store_end(s, rc, err);
    if (rc == FOLIO_OK && passed)
        *passed = ok;
out:
    folio_arena_release(&ar);
    return rc;
}


enum folio_rc folio_roi_request_set_fee(struct folio_store *s, int64_t id,
                                        const struct folio_roi_fee_params *p, const char *user,
                                        const char *now, struct folio_roi_fee_result *out,
                                        struct folio_err *err)
{
    struct folio_arena ar;
    struct folio_roi_request r;
    struct folio_roi_fee_result res;
    char at[32], today[11], detail[96];
    enum folio_rc rc;
    if (!p)
        return folio_err_set(err, FOLIO_EINVAL, "fee", "fee: the parameters are required");
    if ((rc = roi_user(user, err)) || (rc = roi_now(now, at, today, err)) ||
        (rc = folio_roi_fee(p, &res, err)))
        return rc;
    folio_arena_init(&ar, 0);
    if ((rc = folio_store_begin(s, err)))
        goto out;
    rc = folio_roi_request_get(s, id, &ar, &r, err);
    if (rc == FOLIO_OK && (r.status == FOLIO_ROI_RELEASED || r.status == FOLIO_ROI_DENIED))
        rc = folio_err_set(err, FOLIO_ESTATE, "status",
                           "ROI request %lld is %s: its fee can no longer change", (long long)id,
                           folio_roi_status_name(r.status));
    if (rc == FOLIO_OK)
        rc = roi_exec(s, NULL, err,
                      "INSERT INTO roi_fee (request_id, method, labor_minutes, "
                      "labor_cents_per_hour, pages, supply_cents_per_page, media_cents, "
                      "postage_cents, summary_cents, flat_cents, electronic, mailed, labor_total, "
                      "supplies_total, postage_total, summary_total, total_cents, at, by_user) "
                      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                      "iTiiiiiiiiiiiiiiiTT", id, folio_roi_fee_method_name(p->method), p->labor_minutes,
                      p->labor_cents_per_hour, p->pages, p->supply_cents_per_page,
                      p->media_cents, p->postage_cents, p->summary_cents, p->flat_cents,
                      (int64_t)p->electronic, (int64_t)p->mailed, res.labor_cents,
                      res.supplies_cents, res.postage_cents, res.summary_cents, res.total_cents,
                      at, user);
    if (rc == FOLIO_OK) {
        folio_snprintf(detail, sizeof detail, "%s fee $%lld.%02lld", folio_roi_fee_method_name(p->method),
                       (long long)(res.total_cents / 100), (long long)(res.total_cents % 100));
        rc = roi_add_event(s, id, at, user, "fee", folio_roi_status_name(r.status),
                           folio_roi_status_name(r.status), detail, err);
    }
    rc = folio_store_end(s, rc, err);
    if (rc == FOLIO_OK && out)
        *out = res;
out:
    folio_arena_release(&ar);
    return rc;
}

enum folio_rc folio_roi_request_fee(struct folio_store *s, int64_t id, struct folio_arena *ar,
                                    struct folio_roi_fee_saved *out, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false, oom = false;
    enum folio_rc rc;
    memset(out, 0, sizeof *out);
    rc = roi_request_exists(s, id, err);
    if (rc == FOLIO_OK)
        rc = roi_prepare(s, &st, err,
                         "SELECT method, labor_minutes, labor_cents_per_hour, pages, "
                         "supply_cents_per_page, media_cents, postage_cents, summary_cents, "
                         "flat_cents, electronic, mailed, labor_total, supplies_total, "
                         "postage_total, summary_total, total_cents, at, by_user FROM roi_fee "
                         "WHERE request_id = ? ORDER BY id DESC LIMIT 1",
                         "i", id);
    if (rc == FOLIO_OK)
        rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && row) {
        const char *m = folio_stmt_column_text(st, 0);
        struct folio_roi_fee_params *p = &out->params;
        out->set = true;
        p->method = m && strcmp(m, "flat") == 0 ? FOLIO_ROI_FEE_FLAT : FOLIO_ROI_FEE_COST;
        p->labor_minutes = folio_stmt_column_i64(st, 1);
        p->labor_cents_per_hour = folio_stmt_column_i64(st, 2);
        p->pages = folio_stmt_column_i64(st, 3);
        p->supply_cents_per_page = folio_stmt_column_i64(st, 4);
        p->media_cents = folio_stmt_column_i64(st, 5);
        p->postage_cents = folio_stmt_column_i64(st, 6);
        p->summary_cents = folio_stmt_column_i64(st, 7);
        p->flat_cents = folio_stmt_column_i64(st, 8);
        p->electronic = folio_stmt_column_i64(st, 9) != 0;
        p->mailed = folio_stmt_column_i64(st, 10) != 0;
        out->result.labor_cents = folio_stmt_column_i64(st, 11);
        out->result.supplies_cents = folio_stmt_column_i64(st, 12);
        out->result.postage_cents = folio_stmt_column_i64(st, 13);
        out->result.summary_cents = folio_stmt_column_i64(st, 14);
        out->result.total_cents = folio_stmt_column_i64(st, 15);
        folio_stmt_column_copy(st, 16, out->at, sizeof out->at);
        out->by = folio_stmt_column_dup(ar, st, 17, &oom);
    }
    folio_stmt_free(st);
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, "fee", "out of memory reading the fee");
    return rc;
}

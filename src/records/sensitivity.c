/* Sensitivity tags on documents (issue 9 item 3): append-only rows, removal keeps the row.
 * include/folio/records.h, migration 0017, docs/roi.md "Sensitive records". */
#include "folio/base.h"

#include "folio/records.h"
#include "records/records_int.h"

static const char *const tags[FOLIO_SENSITIVITY_N] = {
    "psychotherapy_notes", /* 45 CFR 164.501, 164.508(a)(2) */
    "sud_part2",           /* 42 CFR Part 2 */
    "hiv_sti",
    "genetic",
    "reproductive_health",
    "behavioral_health",
};

const char *const *folio_sensitivity_tags(size_t *n)
{
    if (n)
        *n = FOLIO_SENSITIVITY_N;
    return tags;
}

const char *folio_sensitivity_tag(const char *name)
{
    if (folio_str_empty(name))
        return NULL;
    struct folio_sv v = folio_sv_trim(folio_sv_from(name));
    for (size_t i = 0; i < FOLIO_SENSITIVITY_N; i++)
        if (folio_sv_ieq_cstr(v, tags[i]))
            return tags[i];
    /* the short names of the authorization's categories (migration 0016) */
    if (folio_sv_ieq_cstr(v, "part2"))
        return "sud_part2";
    if (folio_sv_ieq_cstr(v, "hiv"))
        return "hiv_sti";
    return NULL;
}

static enum folio_rc tag_arg(const char *in, const char **tag, struct folio_err *err)
{
    *tag = folio_sensitivity_tag(in);
    if (!*tag)
        return folio_err_set(err, FOLIO_EINVAL, "tag",
                             "tag: '%.40s' is not psychotherapy_notes, sud_part2, hiv_sti, "
                             "genetic, reproductive_health or behavioral_health",
                             in ? in : "");
    return FOLIO_OK;
}

static enum folio_rc doc_exists(const struct folio_chart *c, int64_t doc_id, struct folio_err *err)
{
    return rec_require(c, "SELECT id FROM document WHERE id = ?", doc_id, "document_id", "document",
                       err);
}

enum folio_rc folio_document_tag_add(const struct folio_chart *c, int64_t doc_id, const char *tag,
                                     const char *reason, struct folio_err *err)
{
    const char *t = NULL;
    char now[32];
    enum folio_rc rc;
    if ((rc = tag_arg(tag, &t, err)) || (rc = rec_check_text(reason, REC_TEXT_MAX, "reason", err)))
        return rc;
    if ((rc = rec_begin(c, err)))
        return rc;
    rec_now(now);
    rc = doc_exists(c, doc_id, err);
    if (rc == FOLIO_OK) {
        rc = rec_exec(c, NULL, NULL, err,
                      "INSERT INTO document_sensitivity (document_id, tag, set_at, set_by, "
                      "set_reason) VALUES (?,?,?,?,?)",
                      "iTTTt", doc_id, t, now, rec_actor(c), reason);
        if (rc == FOLIO_ECONFLICT)
            rc = folio_err_set(err, FOLIO_ECONFLICT, "tag", "document %lld is already tagged %s",
                               (long long)doc_id, t);
    }
    return rec_finish(c, rc, err);
}

enum folio_rc folio_document_tag_remove(const struct folio_chart *c, int64_t doc_id,
                                        const char *tag, const char *reason, struct folio_err *err)
{
    const char *t = NULL;
    char now[32];
    int64_t changes = 0;
    enum folio_rc rc;
    if ((rc = tag_arg(tag, &t, err)) || (rc = rec_check_text(reason, REC_TEXT_MAX, "reason", err)))
        return rc;
    if (folio_str_empty(reason))
        return folio_err_set(err, FOLIO_EINVAL, "reason", "removing a tag needs a reason");
    if ((rc = rec_begin(c, err)))
        return rc;
    rec_now(now);
    rc = doc_exists(c, doc_id, err);
    if (rc == FOLIO_OK)
        rc = rec_exec(c, NULL, &changes, err,
                      "UPDATE document_sensitivity SET removed_at = ?, removed_by = ?, "
                      "removed_reason = ? WHERE document_id = ? AND tag = ? AND removed_at IS NULL",
                      "TTTiT", now, rec_actor(c), reason, doc_id, t);
    if (rc == FOLIO_OK && changes == 0)
        rc = folio_err_set(err, FOLIO_ESTATE, "tag", "document %lld is not tagged %s",
                           (long long)doc_id, t);
    return rec_finish(c, rc, err);
}

enum folio_rc folio_document_tags(const struct folio_chart *c, int64_t doc_id, bool with_removed,
                                  struct folio_arena *a, struct folio_document_tag **out, size_t *n,
                                  struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct folio_document_tag *v = NULL;
    size_t cap = 0, k = 0;
    bool row = false, oom = false;
    enum folio_rc rc = doc_exists(c, doc_id, err);
    *out = NULL;
    *n = 0;
    if (rc == FOLIO_OK)
        rc =
            rec_prepare(c, &st, err,
                        with_removed ? "SELECT id, tag, set_at, set_by, set_reason, removed_at, "
                                       "removed_by, removed_reason FROM document_sensitivity WHERE "
                                       "document_id = ? ORDER BY tag, id"
                                     : "SELECT id, tag, set_at, set_by, set_reason, removed_at, "
                                       "removed_by, removed_reason FROM document_sensitivity WHERE "
                                       "document_id = ? AND removed_at IS NULL ORDER BY tag, id",
                        "i", doc_id);
    while (rc == FOLIO_OK && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        v = folio_arena_grow(a, v, k, &cap, sizeof *v, 8);
        if (!v) {
            oom = true;
            break;
        }
        v[k].id = rec_col_i64(st, 0);
        v[k].tag = rec_col_str(a, st, 1, &oom);
        v[k].set_at = rec_col_str(a, st, 2, &oom);
        v[k].set_by = rec_col_str(a, st, 3, &oom);
        v[k].set_reason = rec_col_str(a, st, 4, &oom);
        v[k].removed_at = rec_col_str(a, st, 5, &oom);
        v[k].removed_by = rec_col_str(a, st, 6, &oom);
        v[k].removed_reason = rec_col_str(a, st, 7, &oom);
        k++;
    }
    folio_stmt_free(st);
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, "document_id", "out of memory reading tags");
    if (rc == FOLIO_OK) {
        *out = v;
        *n = k;
    }
    return rc;
}

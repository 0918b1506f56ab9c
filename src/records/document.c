/* Documents: versions kept forever, content stored once per SHA-256, signatures. */
#include "folio/base.h"

#include "folio/crypto.h"
#include "folio/records.h"
#include "records/records_int.h"

#define DOC_CONTENT_MAX ((size_t)64 * 1024 * 1024)

/* Stores bytes under their SHA-256 unless already there; sha gets the hex. */
static enum folio_rc put_content(const struct folio_chart *c, const void *p, size_t len,
                                 char sha[FOLIO_SHA256_HEX_LEN + 1], struct folio_err *err)
{
    char now[32];
    if (len > DOC_CONTENT_MAX)
        return folio_err_set(err, FOLIO_ETOOBIG, "content",
                             "document content of %zu bytes exceeds the %zu byte limit", len,
                             DOC_CONTENT_MAX);
    folio_sha256_hex(p ? p : "", len, sha);
    rec_now(now);
    return rec_exec(c, NULL, NULL, err,
                    "INSERT INTO content (sha256, size, bytes, created_at) VALUES (?,?,?,?) "
                    "ON CONFLICT (sha256) DO NOTHING",
                    "Tibt", sha, (int64_t)len, p, len, now);
}

static enum folio_rc check_mime(const char *m, struct folio_err *err)
{
    if (folio_str_empty(m))
        return FOLIO_OK;
    const char *slash = strchr(m, '/');
    if (!slash || slash == m || !slash[1] || strlen(m) > 128 || strchr(m, ' '))
        return folio_err_set(err, FOLIO_EINVAL, "mime_type", "'%s' is not a MIME type", m);
    return FOLIO_OK;
}

/* The completion time of the chart of encounter enc_id into out ("" when incomplete or no
 * encounter). */
static enum folio_rc chart_completed(const struct folio_chart *c, int64_t enc_id, char out[32],
                                     struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false;
    enum folio_rc rc = FOLIO_OK;
    out[0] = '\0';
    if (enc_id <= 0)
        return FOLIO_OK;
    rc = rec_prepare(c, &st, err, "SELECT chart_completed_at FROM encounter WHERE id = ?", "i",
                     enc_id);
    if (rc == FOLIO_OK)
        rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && row && folio_stmt_column_text(st, 0))
        folio_strlcpy(out, folio_stmt_column_text(st, 0), 32);
    folio_stmt_free(st);
    return rc;
}

enum folio_rc folio_document_create(const struct folio_chart *c, const struct folio_document_new *in,
                                    int64_t *doc_id, int64_t *version_id, struct folio_err *err)
{
    char now[32], svc[48], sha[FOLIO_SHA256_HEX_LEN + 1], completed[32] = "";
    int64_t did = 0, vid = 0;
    enum folio_rc rc;
    if (!in)
        return folio_err_set(err, FOLIO_EINVAL, NULL, "no document given");
    if (in->patient_id <= 0)
        return folio_err_set(err, FOLIO_EINVAL, "patient_id", "patient_id is required");
    if (folio_str_empty(in->type_code))
        return folio_err_set(err, FOLIO_EINVAL, "type_code", "type_code (LOINC) is required");
    const char *type_title = folio_loinc_doc_title(in->type_code);
    if (!folio_str_empty(in->type_title))
        type_title = in->type_title;
    if (!type_title)
        return folio_err_set(err, FOLIO_EINVAL, "type_code",
                             "LOINC document code '%s' is not known; give a type_title with it",
                             in->type_code);
    const char *status = folio_str_empty(in->status) ? "final" : NULL;
    if (!status) {
        if (folio_sv_ieq_cstr(folio_sv_from(in->status), "preliminary"))
            status = "preliminary";
        else if (folio_sv_ieq_cstr(folio_sv_from(in->status), "final"))
            status = "final";
        else
            return folio_err_set(err, FOLIO_EINVAL, "status",
                                 "a new document is 'preliminary' or 'final', not '%s'",
                                 in->status);
    }
    if ((rc = rec_check_text(in->type_code, 64, "type_code", err)) ||
        (rc = rec_check_text(type_title, 256, "type_title", err)) ||
        (rc = rec_check_text(in->title, 256, "title", err)) ||
        (rc = check_mime(in->mime_type, err)) ||
        (rc = rec_norm_time(in->service_at, svc, "service_at", err)) ||
        (rc = rec_check_text(in->reason, REC_TEXT_MAX, "reason", err)))
        return rc;
    if ((rc = rec_check_ext(in->ext_system, in->ext_id, err)))
        return rc;
    if (in->content_len && !in->content)
        return folio_err_set(err, FOLIO_EINVAL, "content", "content length without content");

    rc = rec_begin(c, err);
    if (rc)
        return rc;
    rec_now(now);
    rc = rec_check_patient_encounter(c, in->patient_id, in->encounter_id, err);
    if (rc == FOLIO_OK)
        rc = chart_completed(c, in->encounter_id, completed, err);
    if (rc == FOLIO_OK && completed[0] && folio_str_empty(in->reason))
        rc = folio_err_set(err, FOLIO_EINVAL, "reason",
                           "the chart of encounter %lld was completed at %s: a document filed now "
                           "is a late entry and needs a reason",
                           (long long)in->encounter_id, completed);
    if (rc == FOLIO_OK && in->author_id)
        rc = rec_require(c, "SELECT id FROM provider WHERE id = ?", in->author_id, "author_id",
                         "provider", err);
    if (rc == FOLIO_OK)
        rc = put_content(c, in->content, in->content_len, sha, err);
    if (rc)
        goto out;
    rc = rec_exec(c, &did, NULL, err,
                  "INSERT INTO document (patient_id, encounter_id, author_id, type_code, "
                  "type_title, service_at, filed_at, ext_system, ext_id, created_by) "
                  "VALUES (?,?,?,?,?,?,?,?,?,?) RETURNING id",
                  "iIITTtTttT", in->patient_id, in->encounter_id, in->author_id, in->type_code,
                  type_title, svc, now, in->ext_system, in->ext_id, rec_actor(c));
    if (rc == FOLIO_ECONFLICT) {
        rc = folio_err_set(err, FOLIO_ECONFLICT, "ext_id",
                           "a document with external id '%s' already exists",
                           in->ext_id ? in->ext_id : "");
        goto out;
    }
    if (rc == FOLIO_OK)
        rc = rec_exec(c, &vid, NULL, err,
                      "INSERT INTO document_version (document_id, version_no, status, "
                      "change_kind, reason, title, mime_type, content_sha256, content_len, "
                      "changed_by, changed_at) VALUES (?,1,?,?,?,?,?,?,?,?,?) RETURNING id",
                      "iTTtTTTiTT", did, status, completed[0] ? "late-entry" : "original",
                      completed[0] ? in->reason : NULL,
                      folio_str_empty(in->title) ? type_title : in->title,
                      folio_str_empty(in->mime_type) ? "text/plain" : in->mime_type, sha,
                      (int64_t)in->content_len, rec_actor(c), now);
out:
    rc = rec_finish(c, rc, err);
    if (rc == FOLIO_OK) {
        if (doc_id)
            *doc_id = did;
        if (version_id)
            *version_id = vid;
    }
    return rc;
}

struct cur_version {
    int64_t id, version_no, content_len;
    char status[32];
    char title[260];
    char mime[132];
    char sha[FOLIO_SHA256_HEX_LEN + 1];
};

static enum folio_rc load_current(const struct folio_chart *c, int64_t doc_id,
                                  struct cur_version *cv, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false;
    enum folio_rc rc = rec_prepare(c, &st, err,
                                   "SELECT id, version_no, status, title, mime_type, "
                                   "content_sha256, content_len FROM document_version WHERE "
                                   "document_id = ? ORDER BY version_no DESC LIMIT 1",
                                   "i", doc_id);
    if (rc == FOLIO_OK)
        rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && !row)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "document_id", "no document with id %lld",
                           (long long)doc_id);
    if (rc == FOLIO_OK) {
        cv->id = folio_stmt_column_i64(st, 0);
        cv->version_no = folio_stmt_column_i64(st, 1);
        folio_strlcpy(cv->status, folio_stmt_column_text(st, 2), sizeof cv->status);
        folio_strlcpy(cv->title, folio_stmt_column_text(st, 3), sizeof cv->title);
        folio_strlcpy(cv->mime, folio_stmt_column_text(st, 4), sizeof cv->mime);
        folio_strlcpy(cv->sha, folio_stmt_column_text(st, 5), sizeof cv->sha);
        cv->content_len = folio_stmt_column_i64(st, 6);
    }
    folio_stmt_free(st);
    return rc;
}

/* The completion time of the chart the document belongs to ("" when none). */
static enum folio_rc doc_chart_completed(const struct folio_chart *c, int64_t doc_id,
                                         char out[32], struct folio_err *err)
{
    int64_t enc = 0;
    bool found = false;
    enum folio_rc rc = rec_query_i64(c, &enc, &found, err,
                                     "SELECT encounter_id FROM document WHERE id = ?", "i", doc_id);
    out[0] = '\0';
    if (rc == FOLIO_OK && found && enc)
        rc = chart_completed(c, enc, out, err);
    return rc;
}

static bool is_final_family(const char *s)
{
    return strcmp(s, "final") == 0 || strcmp(s, "amended") == 0 || strcmp(s, "corrected") == 0;
}

enum folio_rc folio_document_revise(const struct folio_chart *c, int64_t doc_id,
                                    const struct folio_document_change *ch, int64_t *version_id,
                                    struct folio_err *err)
{
    struct cur_version cv;
    char now[32], sha[FOLIO_SHA256_HEX_LEN + 1], completed[32] = "";
    const char *status = NULL, *kind = NULL, *what = NULL;
    bool need_reason = false, need_content = false, need_prelim = false, any_but_eie = false;
    int64_t vid = 0;
    enum folio_rc rc;
    if (!ch)
        return folio_err_set(err, FOLIO_EINVAL, NULL, "no change given");
    switch (ch->kind) {
    case FOLIO_DOC_REPLACE:
        status = "preliminary", kind = "replacement", what = "replace";
        need_content = need_prelim = true;
        break;
    case FOLIO_DOC_FINALIZE:
        status = "final", kind = "status-change", what = "finalize";
        need_prelim = true;
        break;
    case FOLIO_DOC_AMEND:
        status = "amended", kind = "amendment", what = "amend";
        need_reason = need_content = true;
        break;
    case FOLIO_DOC_CORRECT:
        status = "corrected", kind = "correction", what = "correct";
        need_reason = need_content = true;
        break;
    case FOLIO_DOC_ADDENDUM:
        status = "amended", kind = "addendum", what = "add an addendum to";
        need_content = true;
        break;
    case FOLIO_DOC_ENTERED_IN_ERROR:
        status = "entered-in-error", kind = "status-change", what = "mark entered-in-error";
        need_reason = any_but_eie = true;
        break;
    default:
        return folio_err_set(err, FOLIO_EINVAL, "kind", "unknown document change kind %d",
                             (int)ch->kind);
    }
    if (need_reason && folio_str_empty(ch->reason))
        return folio_err_set(err, FOLIO_EINVAL, "reason", "a reason is required to %s a document",
                             what);
    if (need_content && !ch->content)
        return folio_err_set(err, FOLIO_EINVAL, "content", "new content is required to %s a document",
                             what);
    if (ch->kind == FOLIO_DOC_ENTERED_IN_ERROR && ch->content)
        return folio_err_set(err, FOLIO_EINVAL, "content",
                             "entered-in-error keeps the content; give none");
    if ((rc = rec_check_text(ch->reason, REC_TEXT_MAX, "reason", err)) ||
        (rc = rec_check_text(ch->title, 256, "title", err)) || (rc = check_mime(ch->mime_type, err)))
        return rc;

    rc = rec_begin(c, err);
    if (rc)
        return rc;
    rec_now(now);
    rc = load_current(c, doc_id, &cv, err);
    if (rc == FOLIO_OK)
        rc = doc_chart_completed(c, doc_id, completed, err);
    if (rc)
        goto out;
    /* a complete chart takes amendments only (records.h, docs/completeness.md "Completion") */
    if (completed[0] && need_prelim) {
        rc = folio_err_set(err, FOLIO_ESTATE, "kind",
                           "cannot %s document %lld: the chart is complete (since %s): amend "
                           "instead",
                           what, (long long)doc_id, completed);
        goto out;
    }
    if (completed[0] && folio_str_empty(ch->reason)) {
        rc = folio_err_set(err, FOLIO_EINVAL, "reason",
                           "a reason is required to %s a document of a complete chart", what);
        goto out;
    }
    if (ch->expected_version_no && ch->expected_version_no != cv.version_no) {
        rc = folio_err_set(err, FOLIO_ECONFLICT, "expected_version_no",
                           "document %lld is at version %lld, not %lld", (long long)doc_id,
                           (long long)cv.version_no, (long long)ch->expected_version_no);
        goto out;
    }
    bool ok = any_but_eie ? strcmp(cv.status, "entered-in-error") != 0
              : need_prelim ? strcmp(cv.status, "preliminary") == 0
                            : is_final_family(cv.status);
    if (!ok) {
        rc = folio_err_set(err, FOLIO_ESTATE, "status", "cannot %s a document whose status is %s",
                           what, cv.status);
        goto out;
    }
    int64_t len = cv.content_len;
    if (ch->content) {
        rc = put_content(c, ch->content, ch->content_len, sha, err);
        if (rc)
            goto out;
        len = (int64_t)ch->content_len;
    } else {
        folio_strlcpy(sha, cv.sha, sizeof sha);
    }
    rc = rec_exec(c, &vid, NULL, err,
                  "INSERT INTO document_version (document_id, version_no, status, change_kind, "
                  "reason, title, mime_type, content_sha256, content_len, supersedes_id, "
                  "changed_by, changed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
                  "iiTTtTTTiiTT", doc_id, cv.version_no + 1, status, kind, ch->reason,
                  folio_str_empty(ch->title) ? cv.title : ch->title,
                  folio_str_empty(ch->mime_type) ? cv.mime : ch->mime_type, sha, len, cv.id,
                  rec_actor(c), now);
    if (rc == FOLIO_ECONFLICT)
        rc = folio_err_set(err, FOLIO_ECONFLICT, "version_no",
                           "document %lld was changed by someone else", (long long)doc_id);
out:
    rc = rec_finish(c, rc, err);
    if (rc == FOLIO_OK && version_id)
        *version_id = vid;
    return rc;
}

enum folio_rc folio_document_sign(const struct folio_chart *c, int64_t version_id,
                                  int64_t provider_id, const char *signer, const char *role,
                                  const char *signed_at, int64_t *id_out, struct folio_err *err)
{
    static const char *const roles[] = {"author", "cosigner", "authenticator", NULL};
    char now[32], when[48], namebuf[300];
    struct folio_stmt *st = NULL;
    bool row = false;
    const char *r = rec_pick(role, roles);
    if (!r)
        return folio_err_set(err, FOLIO_EINVAL, "role",
                             "unknown signer role '%s' (author, cosigner, authenticator)",
                             role ? role : "");
    enum folio_rc rc = rec_norm_time(signed_at, when, "signed_at", err);
    if (rc == FOLIO_OK)
        rc = rec_check_text(signer, 256, "signer", err);
    if (rc)
        return rc;
    rc = rec_begin(c, err);
    if (rc)
        return rc;
    rec_now(now);
    if (!when[0])
        folio_strlcpy(when, now, sizeof when);
    rc = rec_prepare(c, &st, err,
                     "SELECT v.status, (SELECT MAX(v2.version_no) FROM document_version v2 WHERE "
                     "v2.document_id = v.document_id), v.version_no FROM document_version v "
                     "WHERE v.id = ?",
                     "i", version_id);
    if (rc == FOLIO_OK)
        rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && !row)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "version_id", "no document version with id %lld",
                           (long long)version_id);
    if (rc == FOLIO_OK && strcmp(folio_stmt_column_text(st, 0), "entered-in-error") == 0)
        rc = folio_err_set(err, FOLIO_ESTATE, "version_id",
                           "version %lld is entered-in-error and cannot be signed",
                           (long long)version_id);
    if (rc == FOLIO_OK && folio_stmt_column_i64(st, 1) != folio_stmt_column_i64(st, 2))
        rc = folio_err_set(err, FOLIO_ESTATE, "version_id",
                           "version %lld has been superseded; sign the current version",
                           (long long)version_id);
    folio_stmt_free(st);
    st = NULL;
    if (rc)
        goto out;
    const char *who = folio_str_empty(signer) ? rec_actor(c) : signer;
    if (provider_id) {
        rc = rec_prepare(c, &st, err, "SELECT family, given, credentials FROM provider WHERE id = ?",
                         "i", provider_id);
        if (rc == FOLIO_OK)
            rc = folio_stmt_step(st, &row, err);
        if (rc == FOLIO_OK && !row)
            rc = folio_err_set(err, FOLIO_ENOTFOUND, "provider_id", "no provider with id %lld",
                               (long long)provider_id);
        if (rc == FOLIO_OK && folio_str_empty(signer)) {
            const char *f = folio_stmt_column_text(st, 0), *g = folio_stmt_column_text(st, 1),
                       *cr = folio_stmt_column_text(st, 2);
            folio_snprintf(namebuf, sizeof namebuf, "%s%s%s%s%s", g ? g : "", g && f ? " " : "",
                           f ? f : "", cr ? ", " : "", cr ? cr : "");
            who = namebuf;
        }
        folio_stmt_free(st);
        if (rc)
            goto out;
    }
    rc = rec_exec(c, id_out, NULL, err,
                  "INSERT INTO document_signature (version_id, provider_id, signer, role, "
                  "signed_at, recorded_by) VALUES (?,?,?,?,?,?) RETURNING id",
                  "iITTTT", version_id, provider_id, who, r, when, rec_actor(c));
out:
    return rec_finish(c, rc, err);
}

#define VER_COLS                                                                                   \
    "id, document_id, version_no, status, change_kind, reason, changed_by, changed_at, title, "  \
    "mime_type, content_sha256, content_len, supersedes_id"

static void read_version(struct folio_stmt *st, int base, struct folio_arena *a,
                         struct folio_document_version *v, bool *oom)
{
    v->id = rec_col_i64(st, base + 0);
    v->document_id = rec_col_i64(st, base + 1);
    v->version_no = rec_col_i64(st, base + 2);
    v->status = rec_col_str(a, st, base + 3, oom);
    v->change_kind = rec_col_str(a, st, base + 4, oom);
    v->reason = rec_col_str(a, st, base + 5, oom);
    v->changed_by = rec_col_str(a, st, base + 6, oom);
    v->changed_at = rec_col_str(a, st, base + 7, oom);
    v->title = rec_col_str(a, st, base + 8, oom);
    v->mime_type = rec_col_str(a, st, base + 9, oom);
    v->content_sha256 = rec_col_str(a, st, base + 10, oom);
    v->content_len = rec_col_i64(st, base + 11);
    v->supersedes_id = rec_col_i64(st, base + 12);
}

static enum folio_rc read_signatures(const struct folio_chart *c, struct folio_arena *a,
                                     struct folio_document_version *v, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    int64_t cnt = 0;
    bool found = false, row = false, oom = false;
    size_t n = 0;
    enum folio_rc rc = rec_query_i64(c, &cnt, &found, err,
                                     "SELECT COUNT(*) FROM document_signature WHERE version_id = ?",
                                     "i", v->id);
    if (rc || cnt == 0)
        return rc;
    v->signatures = folio_arena_calloc(a, (size_t)cnt, sizeof *v->signatures);
    if (!v->signatures)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    rc = rec_prepare(c, &st, err,
                     "SELECT id, version_id, provider_id, signer, role, signed_at FROM "
                     "document_signature WHERE version_id = ? ORDER BY id",
                     "i", v->id);
    while (rc == FOLIO_OK && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row &&
           n < (size_t)cnt) {
        struct folio_signature *s = &v->signatures[n++];
        s->id = rec_col_i64(st, 0);
        s->version_id = rec_col_i64(st, 1);
        s->provider_id = rec_col_i64(st, 2);
        s->signer = rec_col_str(a, st, 3, &oom);
        s->role = rec_col_str(a, st, 4, &oom);
        s->signed_at = rec_col_str(a, st, 5, &oom);
    }
    v->n_signatures = n;
    folio_stmt_free(st);
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    return rc;
}

#define DOC_COLS                                                                                   \
    "d.id, d.patient_id, d.encounter_id, d.author_id, d.type_code, d.type_title, d.service_at, " \
    "d.filed_at, d.ext_system, d.ext_id, v.version_no, "                                          \
    "v.id, v.document_id, v.version_no, v.status, v.change_kind, v.reason, v.changed_by, "       \
    "v.changed_at, v.title, v.mime_type, v.content_sha256, v.content_len, v.supersedes_id"
#define DOC_FROM                                                                                   \
    " FROM document d JOIN document_version v ON v.document_id = d.id AND v.version_no = "       \
    "(SELECT MAX(v2.version_no) FROM document_version v2 WHERE v2.document_id = d.id)"

static void read_doc(struct folio_stmt *st, struct folio_arena *a, struct folio_document *d,
                     bool *oom)
{
    d->id = rec_col_i64(st, 0);
    d->patient_id = rec_col_i64(st, 1);
    d->encounter_id = rec_col_i64(st, 2);
    d->author_id = rec_col_i64(st, 3);
    d->type_code = rec_col_str(a, st, 4, oom);
    d->type_title = rec_col_str(a, st, 5, oom);
    d->service_at = rec_col_str(a, st, 6, oom);
    d->filed_at = rec_col_str(a, st, 7, oom);
    d->ext_system = rec_col_str(a, st, 8, oom);
    d->ext_id = rec_col_str(a, st, 9, oom);
    d->n_versions = rec_col_i64(st, 10);
    read_version(st, 11, a, &d->current, oom);
}

enum folio_rc folio_document_get(const struct folio_chart *c, int64_t doc_id, struct folio_arena *a,
                                 struct folio_document *out, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false, oom = false;
    memset(out, 0, sizeof *out);
    enum folio_rc rc = rec_prepare(c, &st, err, "SELECT " DOC_COLS DOC_FROM " WHERE d.id = ?", "i",
                                   doc_id);
    if (rc == FOLIO_OK)
        rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && !row)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "document_id", "no document with id %lld",
                           (long long)doc_id);
    if (rc == FOLIO_OK)
        read_doc(st, a, out, &oom);
    folio_stmt_free(st);
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    if (rc == FOLIO_OK)
        rc = read_signatures(c, a, &out->current, err);
    return rc;
}

enum folio_rc folio_document_history(const struct folio_chart *c, int64_t doc_id,
                                     struct folio_arena *a, struct folio_document_version **out,
                                     size_t *n_out, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    int64_t cnt = 0;
    bool found = false, row = false, oom = false;
    size_t n = 0;
    *out = NULL;
    *n_out = 0;
    enum folio_rc rc = rec_query_i64(c, &cnt, &found, err,
                                     "SELECT COUNT(*) FROM document_version WHERE document_id = ?",
                                     "i", doc_id);
    if (rc)
        return rc;
    if (cnt == 0)
        return folio_err_set(err, FOLIO_ENOTFOUND, "document_id", "no document with id %lld",
                             (long long)doc_id);
    struct folio_document_version *arr = folio_arena_calloc(a, (size_t)cnt, sizeof *arr);
    if (!arr)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    rc = rec_prepare(c, &st, err,
                     "SELECT " VER_COLS " FROM document_version WHERE document_id = ? ORDER BY "
                     "version_no",
                     "i", doc_id);
    while (rc == FOLIO_OK && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row &&
           n < (size_t)cnt)
        read_version(st, 0, a, &arr[n++], &oom);
    folio_stmt_free(st);
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; rc == FOLIO_OK && i < n; i++)
        rc = read_signatures(c, a, &arr[i], err);
    if (rc == FOLIO_OK) {
        *out = arr;
        *n_out = n;
    }
    return rc;
}

enum folio_rc folio_document_content(const struct folio_chart *c, int64_t version_id,
                                     struct folio_arena *a, const void **p, size_t *len,
                                     struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false;
    *p = NULL;
    *len = 0;
    enum folio_rc rc = rec_prepare(c, &st, err,
                                   "SELECT c.bytes, c.size FROM document_version v JOIN content c "
                                   "ON c.sha256 = v.content_sha256 WHERE v.id = ?",
                                   "i", version_id);
    if (rc == FOLIO_OK)
        rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && !row)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "version_id", "no document version with id %lld",
                           (long long)version_id);
    if (rc == FOLIO_OK) {
        size_t n = 0;
        const void *b = folio_stmt_column_blob(st, 0, &n);
        char *copy = folio_arena_alloc(a, n + 1);
        if (!copy) {
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        } else {
            if (n)
                memcpy(copy, b, n);
            copy[n] = '\0';
            *p = copy;
            *len = n;
        }
    }
    folio_stmt_free(st);
    return rc;
}

enum folio_rc folio_document_list(const struct folio_chart *c, int64_t patient_id,
                                  int64_t encounter_id, int64_t limit, int64_t offset,
                                  struct folio_arena *a, struct folio_document_page *out,
                                  struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false, oom = false, found = false;
    enum folio_rc rc;
    memset(out, 0, sizeof *out);
    rec_page(&limit, &offset, 50, 1000);
    if (encounter_id)
        rc = rec_query_i64(c, &out->total, &found, err,
                           "SELECT COUNT(*) FROM document WHERE patient_id = ? AND encounter_id = ?",
                           "ii", patient_id, encounter_id);
    else
        rc = rec_query_i64(c, &out->total, &found, err,
                           "SELECT COUNT(*) FROM document WHERE patient_id = ?", "i", patient_id);
    if (rc)
        goto out;
    out->items = folio_arena_calloc(a, (size_t)limit, sizeof *out->items);
    if (!out->items) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    if (encounter_id)
        rc = rec_prepare(c, &st, err,
                         "SELECT " DOC_COLS DOC_FROM " WHERE d.patient_id = ? AND d.encounter_id "
                         "= ? ORDER BY COALESCE(d.service_at, d.filed_at) DESC, d.id DESC "
                         "LIMIT ? OFFSET ?",
                         "iiii", patient_id, encounter_id, limit, offset);
    else
        rc = rec_prepare(c, &st, err,
                         "SELECT " DOC_COLS DOC_FROM " WHERE d.patient_id = ? ORDER BY "
                         "COALESCE(d.service_at, d.filed_at) DESC, d.id DESC LIMIT ? OFFSET ?",
                         "iii", patient_id, limit, offset);
    while (rc == FOLIO_OK && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row &&
           out->n < (size_t)limit)
        read_doc(st, a, &out->items[out->n++], &oom);
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
out:
    folio_stmt_free(st);
    return rc;
}

/* Authorizations of 45 CFR 164.508: stored as signed, checked by folio_roi_auth_check (rules.c),
 * revoked in writing (164.508(b)(5)). include/folio/roi.h. */
#include "folio/base.h"

#include "roi/roi_int.h"

enum folio_rc folio_roi_auth_create(struct folio_store *s, struct folio_roi_auth *a,
                                    const char *user, const char *now, struct folio_err *err)
{
    char at[32], today[11], exp[11], sig[11];
    enum folio_rc rc;
    if ((rc = roi_user(user, err)) || (rc = roi_now(now, at, today, err)) ||
        (rc = roi_text(a->description, false, "description", err)) ||
        (rc = roi_text(a->discloser, false, "discloser", err)) ||
        (rc = roi_text(a->recipient, false, "recipient", err)) ||
        (rc = roi_text(a->purpose, false, "purpose", err)) ||
        (rc = roi_text(a->expiry_event, false, "expiry_event", err)) ||
        (rc = roi_text(a->signed_by, false, "signed_by", err)) ||
        (rc = roi_text(a->signer_authority, false, "signer_authority", err)) ||
        (rc = roi_text(a->sensitive, false, "sensitive", err)) ||
        (rc = roi_date_arg(a->expires_on, NULL, "expires_on", exp, err)) ||
        (rc = roi_date_arg(a->signed_on, NULL, "signed_on", sig, err)))
        return rc;
    if ((rc = folio_store_begin(s, err)))
        return rc;
    rc = roi_patient_exists(s, a->patient_id, "patient_id", err);
    if (rc == FOLIO_OK)
        rc = roi_exec(s, &a->id, err,
                      "INSERT INTO roi_authorization (patient_id, description, discloser, "
                      "recipient, purpose, expires_on, expiry_event, signed_by, signed_on, "
                      "signer_authority, stmt_revoke, stmt_conditioning, stmt_redisclosure, "
                      "psychotherapy_notes, sensitive, created_at, created_by) "
                      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
                      "itttttttttiiiitTT", a->patient_id, a->description, a->discloser,
                      a->recipient, a->purpose, exp, a->expiry_event, a->signed_by, sig,
                      a->signer_authority, (int64_t)a->stmt_revoke, (int64_t)a->stmt_conditioning,
                      (int64_t)a->stmt_redisclosure, (int64_t)a->psychotherapy_notes, a->sensitive,
                      at, user);
    return folio_store_end(s, rc, err);
}

#define AUTH_COLUMNS                                                                               \
    "id, patient_id, description, discloser, recipient, purpose, expires_on, expiry_event, "      \
    "signed_by, signed_on, signer_authority, stmt_revoke, stmt_conditioning, stmt_redisclosure, " \
    "psychotherapy_notes, sensitive, revoked_on"

/* One row of AUTH_COLUMNS into *out (strings in ar); false when out of memory. */
static bool auth_row(struct folio_stmt *st, struct folio_arena *ar, struct folio_roi_auth *out)
{
    bool oom = false;
    *out = (struct folio_roi_auth){.id = folio_stmt_column_i64(st, 0),
                                   .patient_id = folio_stmt_column_i64(st, 1)};
    out->description = folio_stmt_column_dup(ar, st, 2, &oom);
    out->discloser = folio_stmt_column_dup(ar, st, 3, &oom);
    out->recipient = folio_stmt_column_dup(ar, st, 4, &oom);
    out->purpose = folio_stmt_column_dup(ar, st, 5, &oom);
    out->expires_on = folio_stmt_column_dup(ar, st, 6, &oom);
    out->expiry_event = folio_stmt_column_dup(ar, st, 7, &oom);
    out->signed_by = folio_stmt_column_dup(ar, st, 8, &oom);
    out->signed_on = folio_stmt_column_dup(ar, st, 9, &oom);
    out->signer_authority = folio_stmt_column_dup(ar, st, 10, &oom);
    out->stmt_revoke = folio_stmt_column_i64(st, 11) != 0;
    out->stmt_conditioning = folio_stmt_column_i64(st, 12) != 0;
    out->stmt_redisclosure = folio_stmt_column_i64(st, 13) != 0;
    out->psychotherapy_notes = folio_stmt_column_i64(st, 14) != 0;
    out->sensitive = folio_stmt_column_dup(ar, st, 15, &oom);
    out->revoked_on = folio_stmt_column_dup(ar, st, 16, &oom);
    return !oom;
}

enum folio_rc folio_roi_auth_get(struct folio_store *s, int64_t id, struct folio_arena *ar,
                                 struct folio_roi_auth *out, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false;
    enum folio_rc rc = roi_prepare(
        s, &st, err, "SELECT " AUTH_COLUMNS " FROM roi_authorization WHERE id = ?", "i", id);
    if (rc == FOLIO_OK)
        rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && !row)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "id", "no authorization with id %lld",
                           (long long)id);
    if (rc == FOLIO_OK && !auth_row(st, ar, out))
        rc = folio_err_set(err, FOLIO_ENOMEM, "id", "out of memory reading authorization");
    folio_stmt_free(st);
    return rc;
}

enum folio_rc folio_roi_auth_list(struct folio_store *s, int64_t patient_id, size_t limit,
                                  struct folio_arena *ar, struct folio_roi_auth **out, size_t *n,
                                  bool *truncated, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct folio_roi_auth *v = NULL;
    size_t cap = 0, k = 0;
    bool row = false;
    enum folio_rc rc;
    *out = NULL;
    *n = 0;
    *truncated = false;
    if (limit < 1 || limit > 1000)
        return folio_err_set(err, FOLIO_EINVAL, "limit", "limit: %zu is not between 1 and 1000",
                             limit);
    rc = roi_patient_exists(s, patient_id, "patient_id", err);
    if (rc == FOLIO_OK)
        rc = roi_prepare(s, &st, err,
                         "SELECT " AUTH_COLUMNS " FROM roi_authorization WHERE patient_id = ? "
                         "ORDER BY id DESC LIMIT ?",
                         "ii", patient_id, (int64_t)limit + 1);
    while (rc == FOLIO_OK && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        if (k == limit) {
            *truncated = true;
            break;
        }
        v = folio_arena_grow(ar, v, k, &cap, sizeof *v, 8);
        if (!v || !auth_row(st, ar, &v[k])) {
            rc = folio_err_set(err, FOLIO_ENOMEM, "authorizations",
                               "out of memory reading authorizations");
            break;
        }
        k++;
    }
    folio_stmt_free(st);
    if (rc == FOLIO_OK) {
        *out = v;
        *n = k;
    }
    return rc;
}

enum folio_rc folio_roi_auth_revoke(struct folio_store *s, int64_t id, const char *revoked_on,
                                    const char *note, const char *user, const char *now,
                                    struct folio_err *err)
{
    char at[32], today[11], on[11], prev[11];
    struct folio_stmt *st = NULL;
    bool row = false;
    enum folio_rc rc;
    if ((rc = roi_user(user, err)) || (rc = roi_now(now, at, today, err)) ||
        (rc = roi_text(note, false, "note", err)) ||
        (rc = roi_date_arg(revoked_on, today, "revoked_on", on, err)))
        return rc;
    if ((rc = folio_store_begin(s, err)))
        return rc;
    rc = roi_prepare(s, &st, err, "SELECT revoked_on FROM roi_authorization WHERE id = ?", "i", id);
    if (rc == FOLIO_OK)
        rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && !row)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "id", "no authorization with id %lld",
                           (long long)id);
    if (rc == FOLIO_OK) {
        folio_stmt_column_copy(st, 0, prev, sizeof prev);
        if (prev[0])
            rc = folio_err_set(err, FOLIO_ESTATE, "revoked_on",
                               "authorization %lld was already revoked on %s", (long long)id, prev);
    }
    folio_stmt_free(st);
    if (rc == FOLIO_OK)
        rc = roi_exec(s, NULL, err,
                      "UPDATE roi_authorization SET revoked_on = ?, revoke_note = ? WHERE id = ?",
                      "Tti", on, note, id);
    return folio_store_end(s, rc, err);
}

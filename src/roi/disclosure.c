/* The disclosure log and the accounting of disclosures of 45 CFR 164.528. Every disclosure is
 * recorded with its legal basis, excluded ones too, so the accounting decides by rule
 * (folio_roi_basis_accountable, rules.c). include/folio/roi.h, docs/roi.md. */
#include "folio/base.h"

#include "roi/roi_int.h"

enum folio_rc roi_disclosure_insert(struct folio_store *s, const struct folio_roi_disclosure *d,
                                    const char *on, const char *user, const char *at, int64_t *id,
                                    struct folio_err *err)
{
    return roi_exec(s, id, err,
                    "INSERT INTO roi_disclosure (patient_id, disclosed_on, recipient, "
                    "recipient_address, description, purpose, basis, request_id, "
                    "authorization_id, recorded_at, recorded_by) VALUES (?,?,?,?,?,?,?,?,?,?,?) "
                    "RETURNING id",
                    "iTTtTTTIITT", d->patient_id, on, d->recipient, d->recipient_address,
                    d->description, d->purpose, d->basis, d->request_id, d->authorization_id, at,
                    user);
}

enum folio_rc folio_roi_disclosure_record(struct folio_store *s, struct folio_roi_disclosure *d,
                                          const char *user, const char *now, struct folio_err *err)
{
    char at[32], today[11], on[11];
    enum folio_rc rc;
    if ((rc = roi_user(user, err)) || (rc = roi_now(now, at, today, err)) ||
        (rc = roi_date_arg(d->disclosed_on, today, "disclosed_on", on, err)) ||
        (rc = roi_not_future(on, today, "disclosed_on", err)) ||
        (rc = roi_text(d->recipient, true, "recipient", err)) ||
        (rc = roi_text(d->recipient_address, false, "recipient_address", err)) ||
        (rc = roi_text(d->description, true, "description", err)) ||
        (rc = roi_text(d->purpose, true, "purpose", err)))
        return rc;
    if (!folio_roi_basis_known(d->basis))
        return folio_err_set(err, FOLIO_EINVAL, "basis", "basis: '%.40s' is not a legal basis",
                             d->basis ? d->basis : "");
    if ((rc = folio_store_begin(s, err)))
        return rc;
    rc = roi_patient_exists(s, d->patient_id, "patient_id", err);
    if (rc == FOLIO_OK)
        rc = roi_disclosure_insert(s, d, on, user, at, &d->id, err);
    return folio_store_end(s, rc, err);
}

/* The same calendar day `years` earlier; Feb 29 of a year that lands on a common year -> Feb 28. */
static void years_before(const char *date, int years, char out[11])
{
    int y = (date[0] - '0') * 1000 + (date[1] - '0') * 100 + (date[2] - '0') * 10 + (date[3] - '0');
    int64_t tmp;
    folio_snprintf(out, 11, "%04d%s", y - years, date + 4);
    if (!roi_date_days(out, &tmp))
        folio_snprintf(out, 11, "%04d-02-28", y - years);
}

enum folio_rc folio_roi_accounting(struct folio_store *s, int64_t patient_id,
                                   const char *request_on, struct folio_arena *ar,
                                   struct folio_roi_accounting *out, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct folio_roi_disclosure *v = NULL;
    size_t cap = 0, k = 0;
    bool row = false, oom = false;
    char at[32], today[11], on[11];
    enum folio_rc rc;
    *out = (struct folio_roi_accounting){0};
    if ((rc = roi_now(NULL, at, today, err)) ||
        (rc = roi_date_arg(request_on, today, "request_on", on, err)))
        return rc;
    if (strcmp(on, "0007-01-01") < 0)
        return folio_err_set(err, FOLIO_EINVAL, "request_on", "request_on: %s is too early", on);
    /* 45 CFR 164.528(a)(1): the six years prior to the date of the request */
    folio_strlcpy(out->to, on, sizeof out->to);
    years_before(on, FOLIO_ROI_ACCOUNTING_YEARS, out->from);
    rc = roi_patient_exists(s, patient_id, "patient_id", err);
    if (rc == FOLIO_OK)
        rc = roi_prepare(s, &st, err,
                         "SELECT id, disclosed_on, recipient, recipient_address, description, "
                         "purpose, basis, request_id, authorization_id FROM roi_disclosure "
                         "WHERE patient_id = ? AND disclosed_on >= ? AND disclosed_on <= ? "
                         "ORDER BY disclosed_on, id",
                         "iTT", patient_id, out->from, out->to);
    while (rc == FOLIO_OK && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        const char *basis = folio_stmt_column_text(st, 6);
        const char *date = folio_stmt_column_text(st, 1);
        if (!folio_roi_basis_accountable(basis, date)) {
            out->n_excluded++;
            continue;
        }
        v = folio_arena_grow(ar, v, k, &cap, sizeof *v, 16);
        if (!v) {
            oom = true;
            break;
        }
        v[k] = (struct folio_roi_disclosure){.id = folio_stmt_column_i64(st, 0),
                                             .patient_id = patient_id,
                                             .request_id = folio_stmt_column_i64(st, 7),
                                             .authorization_id = folio_stmt_column_i64(st, 8)};
        v[k].disclosed_on = folio_stmt_column_dup(ar, st, 1, &oom);
        v[k].recipient = folio_stmt_column_dup(ar, st, 2, &oom);
        v[k].recipient_address = folio_stmt_column_dup(ar, st, 3, &oom);
        v[k].description = folio_stmt_column_dup(ar, st, 4, &oom);
        v[k].purpose = folio_stmt_column_dup(ar, st, 5, &oom);
        v[k].basis = folio_stmt_column_dup(ar, st, 6, &oom);
        k++;
    }
    folio_stmt_free(st);
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, "accounting", "out of memory reading disclosures");
    if (rc == FOLIO_OK) {
        out->items = v;
        out->n = k;
    }
    return rc;
}

/* Shared by the src/roi files: dates, the clock, argument checks, SQL helpers (roi_int.h). */
#include "folio/base.h"

#include "folio/time.h"
#include "roi/roi_int.h"


bool roi_date_days(const char *s, int64_t *days)
{
    return folio_date_days(s, days);
}

void roi_date_fmt(int64_t days, char out[11])
{
    folio_date_format_days(days, out);
}

enum folio_rc roi_date_arg(const char *in, const char *dflt, const char *field, char out[11],
                           struct folio_err *err)
{
    int64_t d;
    if (folio_str_empty(in)) {
        folio_strlcpy(out, dflt ? dflt : "", 11);
        return FOLIO_OK;
    }
    if (!roi_date_days(in, &d))
        return folio_err_set(err, FOLIO_EINVAL, field, "%s: '%.40s' is not a date YYYY-MM-DD",
                             field, in);
    folio_strlcpy(out, in, 11);
    return FOLIO_OK;
}

enum folio_rc roi_now(const char *in, char at[32], char today[11], struct folio_err *err)
{
    return folio_time_clock(in, at, today, err);
}

enum folio_rc roi_user(const char *in, struct folio_err *err)
{
    if (folio_str_empty(in))
        return folio_err_set(err, FOLIO_EINVAL, "user", "user: who acts is required");
    if (strlen(in) > ROI_NAME_MAX)
        return folio_err_set(err, FOLIO_EINVAL, "user", "user: longer than %d bytes", ROI_NAME_MAX);
    return FOLIO_OK;
}

enum folio_rc roi_text(const char *in, bool required, const char *field, struct folio_err *err)
{
    if (required && folio_str_empty(in))
        return folio_err_set(err, FOLIO_EINVAL, field, "%s: required", field);
    if (in && strlen(in) > FOLIO_ROI_TEXT_MAX)
        return folio_err_set(err, FOLIO_EINVAL, field, "%s: longer than %d bytes", field,
                             FOLIO_ROI_TEXT_MAX);
    return FOLIO_OK;
}




enum folio_rc roi_patient_exists(struct folio_store *s, int64_t patient_id, const char *field,
                                 struct folio_err *err)
{
    bool found = false;
    enum folio_rc rc = folio_store_exec_fmt(s, NULL, &found, NULL, err,
                                            "SELECT id FROM patient WHERE id = ?", "i", patient_id);
    if (rc == FOLIO_OK && !found)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, field, "no patient with id %lld",
                           (long long)patient_id);
    return rc;
}

enum folio_rc roi_request_exists(struct folio_store *s, int64_t id, struct folio_err *err)
{
    bool found = false;
    enum folio_rc rc = folio_store_exec_fmt(s, NULL, &found, NULL, err,
                                            "SELECT id FROM roi_request WHERE id = ?", "i", id);
    if (rc == FOLIO_OK && !found)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "id", "no ROI request with id %lld",
                           (long long)id);
    return rc;
}

enum folio_rc roi_not_future(const char *date, const char *today, const char *field,
                             struct folio_err *err)
{
    if (date && date[0] && strcmp(date, today) > 0)
        return folio_err_set(err, FOLIO_EINVAL, field, "%s: %s is after today (%s)", field, date,
                             today);
    return FOLIO_OK;
}

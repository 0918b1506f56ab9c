/* Shared by the completeness files: SQL helpers, times as seconds, arguments
 * (completeness_int.h). */
#include "folio/base.h"

#include "completeness/completeness_int.h"
#include "folio/time.h"




/* ---- times ---- */



bool cmpl_secs(const char *stored, int64_t *secs)
{
    struct folio_time t;
    if (folio_str_empty(stored) || folio_time_parse_any(folio_sv_from(stored), &t, "time", NULL))
        return false;
    return folio_time_epoch(&t, secs);
}

void cmpl_fmt(int64_t secs, char out[32])
{
    folio_time_format_epoch(secs, out);
}

enum folio_rc cmpl_now(const char *in, char out[32], int64_t *secs, struct folio_err *err)
{
    struct folio_time t;
    enum folio_rc rc;
    char buf[32];
    if (in == NULL) {
        folio_time_now_utc(buf);
        in = buf;
    }
    rc = folio_time_parse_any(folio_sv_from(in), &t, "now", err);
    if (rc)
        return rc;
    if (t.prec < FOLIO_PREC_HOUR || !folio_time_epoch(&t, secs))
        return folio_err_set(err, FOLIO_EINVAL, "now", "now: '%.40s' has no time of day", in);
    cmpl_fmt(*secs, out);
    return FOLIO_OK;
}

enum folio_rc cmpl_user(const char *in, bool required, const char **out, struct folio_err *err)
{
    if (folio_str_empty(in)) {
        if (required)
            return folio_err_set(err, FOLIO_EINVAL, "user", "user: who acts is required");
        *out = "system";
        return FOLIO_OK;
    }
    if (strlen(in) > CMPL_NAME_MAX)
        return folio_err_set(err, FOLIO_EINVAL, "user", "user: longer than %d bytes",
                             CMPL_NAME_MAX);
    *out = in;
    return FOLIO_OK;
}

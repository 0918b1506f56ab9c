/* Shared by the completeness files: SQL helpers, times as seconds, arguments
 * (completeness_int.h). */
#include "folio/base.h"

#include "completeness/completeness_int.h"
#include "folio/time.h"

char *cmpl_col_str(struct folio_arena *a, struct folio_stmt *st, int idx, bool *oom)
{
    const char *v = folio_stmt_column_text(st, idx);
    if (!v)
        return NULL;
    char *d = folio_arena_strdup(a, v);
    if (!d)
        *oom = true;
    return d;
}

void cmpl_col_copy(struct folio_stmt *st, int idx, char *dst, size_t cap)
{
    const char *v = folio_stmt_column_text(st, idx);
    folio_strlcpy(dst, v ? v : "", cap);
}

enum folio_rc cmpl_tx_end(struct folio_store *s, enum folio_rc rc, struct folio_err *err)
{
    if (rc == FOLIO_OK) {
        rc = folio_store_commit(s, err);
        if (rc == FOLIO_OK)
            return FOLIO_OK;
    }
    folio_store_rollback(s);
    return rc;
}

/* ---- times (proleptic Gregorian; H. Hinnant's days_from_civil / civil_from_days) ---- */

static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool secs_of(const struct folio_time *t0, int64_t *secs)
{
    struct folio_time t = *t0;
    if (t.prec < FOLIO_PREC_DAY)
        return false;
    folio_time_to_utc(&t, 0);
    *secs =
        days_from_civil(t.year, t.month, t.day) * 86400 + t.hour * 3600 + t.minute * 60 + t.second;
    return true;
}

bool cmpl_secs(const char *stored, int64_t *secs)
{
    struct folio_time t;
    if (folio_str_empty(stored) || folio_time_parse_any(folio_sv_from(stored), &t, "time", NULL))
        return false;
    return secs_of(&t, secs);
}

void cmpl_fmt(int64_t secs, char out[32])
{
    int64_t z = (secs >= 0 ? secs : secs - 86399) / 86400;
    int64_t rem = secs - z * 86400;
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp + (mp < 10 ? 3 : -9);
    y += m <= 2;
    folio_snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)y, (int)m, (int)d,
                   (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
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
    if (t.prec < FOLIO_PREC_HOUR || !secs_of(&t, secs))
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

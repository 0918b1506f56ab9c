/* Dates and times: ISO 8601 / FHIR and HL7 v2 TS/DTM into one struct, canonical UTC text. */
#include "folio/base.h"
#include "folio/time.h"

#include <limits.h>

#define MAX_OFFSET_MIN (14 * 60) /* UTC-14:00 .. UTC+14:00 covers every zone in use */

bool folio_time_is_leap_year(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int folio_time_days_in_month(int year, int month)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12)
        return 0;
    if (month == 2 && folio_time_is_leap_year(year))
        return 29;
    return dim[month - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date. [H. Hinnant, chrono-compatible
 * low-level date algorithms] */
int64_t folio_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = m > 2 ? m - 3 : m + 9;
    int64_t doy = (153 * mp + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void folio_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t dd = doy - (153 * mp + 2) / 5 + 1;
    int64_t mm = mp < 10 ? mp + 3 : mp - 9;
    yy += mm <= 2;
    *y = (int)yy;
    *m = (int)mm;
    *d = (int)dd;
}

/* ---- parsing ---- */

struct cursor {
    const char *p;
    size_t len;
    size_t i;
};

static bool at_end(const struct cursor *c)
{
    return c->i >= c->len;
}

static bool peek_is(const struct cursor *c, char ch)
{
    return c->i < c->len && c->p[c->i] == ch;
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* Exactly n digits. */
static bool take_digits(struct cursor *c, size_t n, int *val)
{
    int v = 0;
    if (c->len - c->i < n)
        return false;
    for (size_t k = 0; k < n; k++) {
        char ch = c->p[c->i + k];
        if (!is_digit(ch))
            return false;
        v = v * 10 + (ch - '0');
    }
    c->i += n;
    *val = v;
    return true;
}

/* 1..max_keep+ digits of a fraction; keeps the first 6 (microseconds). Returns the digit count
 * read, 0 when none. */
static size_t take_fraction(struct cursor *c, size_t max_digits, int *micros, int *kept)
{
    size_t n = 0;
    int v = 0;
    while (c->i < c->len && is_digit(c->p[c->i]) && n < max_digits) {
        if (n < 6)
            v = v * 10 + (c->p[c->i] - '0');
        c->i++;
        n++;
    }
    if (n == 0)
        return 0;
    int keep = n < 6 ? (int)n : 6;
    for (int k = keep; k < 6; k++)
        v *= 10;
    *micros = v;
    *kept = keep;
    return n;
}

static enum folio_rc bad(struct folio_sv s, const char *field, struct folio_err *err,
                         const char *why)
{
    int shown = s.len > 40 ? 40 : (int)s.len;
    return folio_err_set(err, FOLIO_EINVAL, field, "%s: '%.*s%s' is not a valid date/time: %s",
                         field ? field : "value", shown, s.p, s.len > 40 ? "..." : "", why);
}

static void time_clear(struct folio_time *t)
{
    memset(t, 0, sizeof(*t));
    t->month = 1;
    t->day = 1;
    t->prec = FOLIO_PREC_NONE;
}

static const char *check_ranges(const struct folio_time *t)
{
    if (t->year < 1 || t->year > 9999)
        return "year out of range 0001-9999";
    if (t->month < 1 || t->month > 12)
        return "month out of range 01-12";
    if (t->day < 1 || t->day > folio_time_days_in_month(t->year, t->month))
        return "no such day in that month";
    if (t->hour > 23)
        return "hour out of range 00-23";
    if (t->minute > 59)
        return "minute out of range 00-59";
    if (t->second > 59)
        return "second out of range 00-59";
    if (t->has_offset && (t->offset_min < -MAX_OFFSET_MIN || t->offset_min > MAX_OFFSET_MIN))
        return "UTC offset out of range -14:00..+14:00";
    return NULL;
}

static enum folio_rc finish(struct folio_sv s, struct folio_time *t, const char *field,
                            struct folio_err *err, struct folio_time *out)
{
    const char *why = check_ranges(t);
    if (why)
        return bad(s, field, err, why);
    *out = *t;
    return FOLIO_OK;
}

/* [+-]hh[:]mm; colon says which form. */
static bool take_offset(struct cursor *c, bool colon, int *off)
{
    int sign, hh, mm;
    if (peek_is(c, '+'))
        sign = 1;
    else if (peek_is(c, '-'))
        sign = -1;
    else
        return false;
    c->i++;
    if (!take_digits(c, 2, &hh))
        return false;
    if (colon) {
        if (!peek_is(c, ':'))
            return false;
        c->i++;
    }
    if (!take_digits(c, 2, &mm) || mm > 59)
        return false;
    *off = sign * (hh * 60 + mm);
    return true;
}

enum folio_rc folio_time_parse_iso(struct folio_sv s, struct folio_time *out, const char *field,
                                   struct folio_err *err)
{
    struct cursor c = {s.p, s.len, 0};
    struct folio_time t;

    time_clear(&t);
    if (s.len == 0 || s.p == NULL)
        return bad(FOLIO_SV_LIT(""), field, err, "empty");
    if (!take_digits(&c, 4, &t.year))
        return bad(s, field, err, "expected a 4-digit year");
    t.prec = FOLIO_PREC_YEAR;
    if (at_end(&c))
        return finish(s, &t, field, err, out);
    if (!peek_is(&c, '-'))
        return bad(s, field, err, "expected '-' after the year");
    c.i++;
    if (!take_digits(&c, 2, &t.month))
        return bad(s, field, err, "expected a 2-digit month");
    t.prec = FOLIO_PREC_MONTH;
    if (at_end(&c))
        return finish(s, &t, field, err, out);
    if (!peek_is(&c, '-'))
        return bad(s, field, err, "expected '-' after the month");
    c.i++;
    if (!take_digits(&c, 2, &t.day))
        return bad(s, field, err, "expected a 2-digit day");
    t.prec = FOLIO_PREC_DAY;
    if (at_end(&c))
        return finish(s, &t, field, err, out);
    if (!peek_is(&c, 'T'))
        return bad(s, field, err, "expected 'T' before the time");
    c.i++;
    if (!take_digits(&c, 2, &t.hour))
        return bad(s, field, err, "expected a 2-digit hour");
    if (!peek_is(&c, ':'))
        return bad(s, field, err, "expected ':' and minutes after the hour");
    c.i++;
    if (!take_digits(&c, 2, &t.minute))
        return bad(s, field, err, "expected 2-digit minutes");
    t.prec = FOLIO_PREC_MINUTE;
    if (peek_is(&c, ':')) {
        c.i++;
        if (!take_digits(&c, 2, &t.second))
            return bad(s, field, err, "expected 2-digit seconds");
        t.prec = FOLIO_PREC_SECOND;
        if (peek_is(&c, '.')) {
            c.i++;
            if (take_fraction(&c, 9, &t.micros, &t.frac_digits) == 0)
                return bad(s, field, err, "expected digits after '.'");
            if (!at_end(&c) && is_digit(c.p[c.i]))
                return bad(s, field, err, "more than 9 fraction digits");
            t.prec = FOLIO_PREC_FRAC;
        }
    }
    if (peek_is(&c, 'Z')) {
        c.i++;
        t.has_offset = true;
        t.offset_min = 0;
    } else if (peek_is(&c, '+') || peek_is(&c, '-')) {
        if (!take_offset(&c, true, &t.offset_min))
            return bad(s, field, err, "UTC offset must be Z or +hh:mm / -hh:mm");
        t.has_offset = true;
    }
    if (!at_end(&c))
        return bad(s, field, err, "unexpected characters after the time");
    return finish(s, &t, field, err, out);
}

enum folio_rc folio_time_parse_hl7(struct folio_sv s, struct folio_time *out, const char *field,
                                   struct folio_err *err)
{
    struct cursor c = {s.p, s.len, 0};
    struct folio_time t;
    size_t ndig = 0;

    time_clear(&t);
    if (s.len == 0 || s.p == NULL)
        return bad(FOLIO_SV_LIT(""), field, err, "empty");
    while (ndig < s.len && is_digit(s.p[ndig]))
        ndig++;
    if (ndig < 4 || ndig > 14 || ndig % 2 != 0)
        return bad(s, field, err, "expected YYYY[MM[DD[HH[MM[SS]]]]] digits");
    (void)take_digits(&c, 4, &t.year);
    t.prec = FOLIO_PREC_YEAR;
    if (ndig >= 6) {
        (void)take_digits(&c, 2, &t.month);
        t.prec = FOLIO_PREC_MONTH;
    }
    if (ndig >= 8) {
        (void)take_digits(&c, 2, &t.day);
        t.prec = FOLIO_PREC_DAY;
    }
    if (ndig >= 10) {
        (void)take_digits(&c, 2, &t.hour);
        t.prec = FOLIO_PREC_HOUR;
    }
    if (ndig >= 12) {
        (void)take_digits(&c, 2, &t.minute);
        t.prec = FOLIO_PREC_MINUTE;
    }
    if (ndig >= 14) {
        (void)take_digits(&c, 2, &t.second);
        t.prec = FOLIO_PREC_SECOND;
    }
    if (peek_is(&c, '.')) {
        if (t.prec != FOLIO_PREC_SECOND)
            return bad(s, field, err, "a fraction needs seconds before it");
        c.i++;
        /* HL7 v2.5.1 2.A.22: up to 4 digits; accept up to 6 as senders emit them. */
        if (take_fraction(&c, 6, &t.micros, &t.frac_digits) == 0)
            return bad(s, field, err, "expected digits after '.'");
        if (!at_end(&c) && is_digit(c.p[c.i]))
            return bad(s, field, err, "more than 6 fraction digits");
        t.prec = FOLIO_PREC_FRAC;
    }
    if (peek_is(&c, '+') || peek_is(&c, '-')) {
        if (!take_offset(&c, false, &t.offset_min))
            return bad(s, field, err, "UTC offset must be +ZZZZ or -ZZZZ");
        t.has_offset = true;
    }
    if (!at_end(&c))
        return bad(s, field, err, "unexpected characters");
    return finish(s, &t, field, err, out);
}

enum folio_rc folio_time_parse_any(struct folio_sv s, struct folio_time *out, const char *field,
                                   struct folio_err *err)
{
    if (s.p != NULL && s.len > 4 && s.p[4] == '-')
        return folio_time_parse_iso(s, out, field, err);
    if (s.len == 4)
        return folio_time_parse_iso(s, out, field, err);
    return folio_time_parse_hl7(s, out, field, err);
}

/* ---- conversion ---- */

void folio_time_to_utc(struct folio_time *t, int default_offset_min)
{
    if (t->prec < FOLIO_PREC_HOUR)
        return;
    int off = t->has_offset ? t->offset_min : default_offset_min;
    if (off != 0) {
        int64_t days = folio_days_from_civil(t->year, t->month, t->day);
        int64_t mins = days * 1440 + (int64_t)t->hour * 60 + t->minute - off;
        int64_t d = mins / 1440, r = mins % 1440;
        if (r < 0) {
            r += 1440;
            d -= 1;
        }
        folio_civil_from_days(d, &t->year, &t->month, &t->day);
        t->hour = (int)(r / 60);
        t->minute = (int)(r % 60);
    }
    t->has_offset = true;
    t->offset_min = 0;
}

/* ---- formatting ---- */

static int frac_value(const struct folio_time *t, int *digits)
{
    int nd = t->frac_digits;
    if (nd < 1)
        nd = 1;
    if (nd > 6)
        nd = 6;
    int v = t->micros;
    if (v < 0)
        v = 0;
    for (int k = nd; k < 6; k++)
        v /= 10;
    *digits = nd;
    return v;
}

/* Date part and, for hour precision or finer, the time part (hour precision shows minutes:
 * "T14" alone is not a valid extended ISO 8601 time). sep_date/sep_time are "-"/":" for ISO. */
static bool format_fields(const struct folio_time *t, bool iso, char *out, size_t cap)
{
    int nd = 0, fv = 0;

    switch (t->prec) {
    case FOLIO_PREC_NONE:
        return folio_snprintf(out, cap, "%s", "");
    case FOLIO_PREC_YEAR:
        return folio_snprintf(out, cap, "%04d", t->year);
    case FOLIO_PREC_MONTH:
        return folio_snprintf(out, cap, iso ? "%04d-%02d" : "%04d%02d", t->year, t->month);
    case FOLIO_PREC_DAY:
        return folio_snprintf(out, cap, iso ? "%04d-%02d-%02d" : "%04d%02d%02d", t->year, t->month,
                              t->day);
    case FOLIO_PREC_HOUR:
        if (!iso && t->minute == 0)
            return folio_snprintf(out, cap, "%04d%02d%02d%02d", t->year, t->month, t->day, t->hour);
        /* fall through */
    case FOLIO_PREC_MINUTE:
        return folio_snprintf(out, cap, iso ? "%04d-%02d-%02dT%02d:%02d" : "%04d%02d%02d%02d%02d",
                              t->year, t->month, t->day, t->hour, t->minute);
    case FOLIO_PREC_SECOND:
        return folio_snprintf(out, cap,
                              iso ? "%04d-%02d-%02dT%02d:%02d:%02d" : "%04d%02d%02d%02d%02d%02d",
                              t->year, t->month, t->day, t->hour, t->minute, t->second);
    case FOLIO_PREC_FRAC:
        fv = frac_value(t, &nd);
        return folio_snprintf(
            out, cap, iso ? "%04d-%02d-%02dT%02d:%02d:%02d.%0*d" : "%04d%02d%02d%02d%02d%02d.%0*d",
            t->year, t->month, t->day, t->hour, t->minute, t->second, nd, fv);
    }
    return folio_snprintf(out, cap, "%s", "");
}

static bool append_offset(const struct folio_time *t, bool iso, char *out, size_t cap)
{
    size_t n = strlen(out);
    int off = t->offset_min;
    char sign = off < 0 ? '-' : '+';
    int a = off < 0 ? -off : off;

    if (iso && off == 0)
        return folio_snprintf(out + n, cap - n, "Z");
    return folio_snprintf(out + n, cap - n, iso ? "%c%02d:%02d" : "%c%02d%02d", sign, a / 60,
                          a % 60);
}

/* Whether the value, shifted to UTC, still has a year 0001-9999 (9999-12-31T23:00-05:00 does
 * not): outside it the canonical text would not be ISO 8601 and would not sort. */
static bool utc_year_in_range(const struct folio_time *t)
{
    struct folio_time u = *t;
    folio_time_to_utc(&u, 0);
    return u.year >= 1 && u.year <= 9999;
}

bool folio_time_format_utc(const struct folio_time *t, char *out, size_t cap)
{
    struct folio_time u = *t;

    if (out == NULL || cap == 0)
        return false;
    if (u.prec < FOLIO_PREC_HOUR)
        return format_fields(&u, true, out, cap);
    folio_time_to_utc(&u, 0);
    if (!format_fields(&u, true, out, cap))
        return false;
    return append_offset(&u, true, out, cap);
}

bool folio_time_format_iso(const struct folio_time *t, char *out, size_t cap)
{
    if (out == NULL || cap == 0)
        return false;
    if (!format_fields(t, true, out, cap))
        return false;
    if (t->prec >= FOLIO_PREC_HOUR && t->has_offset)
        return append_offset(t, true, out, cap);
    return true;
}

bool folio_time_format_hl7(const struct folio_time *t, char *out, size_t cap)
{
    if (out == NULL || cap == 0)
        return false;
    if (!format_fields(t, false, out, cap))
        return false;
    if (t->prec != FOLIO_PREC_NONE && t->has_offset)
        return append_offset(t, false, out, cap);
    return true;
}

enum folio_rc folio_time_normalize(const char *in, char *out, size_t cap, const char *field,
                                   struct folio_err *err)
{
    struct folio_time t;
    enum folio_rc rc = folio_time_parse_any(folio_sv_from(in), &t, field, err);
    if (rc)
        return rc;
    if (!utc_year_in_range(&t))
        return bad(folio_sv_from(in), field, err, "outside the years 0001-9999 in UTC");
    if (!folio_time_format_utc(&t, out, cap))
        return folio_err_set(err, FOLIO_ETOOBIG, field, "%s: output buffer of %zu bytes too small",
                             field ? field : "value", cap);
    return FOLIO_OK;
}

void folio_time_now_utc(char out[32])
{
    struct timespec ts;
    struct tm tm;

    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || gmtime_r(&ts.tv_sec, &tm) == NULL ||
        strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        folio_strlcpy(out, "1970-01-01T00:00:00Z", 32);
}

bool folio_time_days_between(const struct folio_time *a, const struct folio_time *b, int64_t *days)
{
    if (a->prec < FOLIO_PREC_DAY || b->prec < FOLIO_PREC_DAY)
        return false;
    *days = folio_days_from_civil(b->year, b->month, b->day) - folio_days_from_civil(a->year, a->month, a->day);
    return true;
}

bool folio_time_epoch(const struct folio_time *t0, int64_t *secs)
{
    struct folio_time t = *t0;
    if (t.prec < FOLIO_PREC_DAY)
        return false;
    folio_time_to_utc(&t, 0);
    *secs = folio_days_from_civil(t.year, t.month, t.day) * 86400 + t.hour * 3600 +
            t.minute * 60 + t.second;
    return true;
}

void folio_time_format_epoch(int64_t secs, char out[32])
{
    int64_t z = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    int64_t rem = secs - z * 86400;
    int y, m, d;
    folio_civil_from_days(z, &y, &m, &d);
    (void)folio_snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, (int)(rem / 3600),
                         (int)(rem / 60 % 60), (int)(rem % 60));
}

bool folio_date_days(const char *s, int64_t *days)
{
    struct folio_time t;
    if (!s || strlen(s) != 10 || folio_time_parse_iso(folio_sv_from(s), &t, "date", NULL) ||
        t.prec != FOLIO_PREC_DAY)
        return false;
    *days = folio_days_from_civil(t.year, t.month, t.day);
    return true;
}

enum folio_rc folio_time_clock(const char *in, char at[32], char today[11], struct folio_err *err)
{
    struct folio_time t;
    char buf[32];
    enum folio_rc rc;
    if (in == NULL) {
        folio_time_now_utc(buf);
        in = buf;
    }
    rc = folio_time_parse_any(folio_sv_from(in), &t, "now", err);
    if (rc)
        return rc;
    if (t.prec < FOLIO_PREC_HOUR)
        return folio_err_set(err, FOLIO_EINVAL, "now", "now: '%.40s' has no time of day", in);
    folio_time_to_utc(&t, 0);
    if (!folio_time_format_utc(&t, at, 32) || strlen(at) < 10)
        return folio_err_set(err, FOLIO_EINVAL, "now", "now: '%.40s' is out of range", in);
    folio_strlcpy(today, at, 11);
    return FOLIO_OK;
}

void folio_date_format_days(int64_t days, char out[11])
{
    int y, m, d;
    folio_civil_from_days(days, &y, &m, &d);
    (void)folio_snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
}

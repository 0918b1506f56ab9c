/* Dates and times as HIM data carries them: partial precision (a birth year only, a minute), with
 * or without a UTC offset. ISO 8601 / FHIR and HL7 v2 TS/DTM are parsed into one struct.
 *
 * Parsers are strict: no surrounding white space (trim first), years 0001-9999, real calendar
 * dates (2024-02-29 yes, 2023-02-29 and 1900-02-29 no), hour 00-23, minute and second 00-59 (no
 * leap second), offsets -14:00..+14:00. An empty view is EINVAL: check for absence first.
 * Hour precision (HL7 "2024030514") is written with minutes in ISO text ("2024-03-05T14:00Z",
 * since "T14" alone is not extended ISO 8601) but keeps prec == FOLIO_PREC_HOUR in the struct; a
 * half-hour offset shifts it to "T08:30Z".
 *
 * Storage rule: a value with a time of day and a known offset is stored converted to UTC, in the
 * canonical text form produced by folio_time_format_utc(), truncated to its original precision
 * ("2024-03-05T14:07Z" for minute precision, "2024-03-05T14:07:09.25Z" for fractions). Values of
 * day precision or coarser have no time zone and are stored as written ("1961", "1961-04",
 * "1961-04-12"). A time of day without an offset is taken as UTC unless the caller supplies a
 * default offset. These strings sort chronologically at equal precision. */
#ifndef FOLIO_TIME_H
#define FOLIO_TIME_H

#include "folio/base.h"

enum folio_time_prec {
    FOLIO_PREC_NONE = 0, /* empty value */
    FOLIO_PREC_YEAR,
    FOLIO_PREC_MONTH,
    FOLIO_PREC_DAY,
    FOLIO_PREC_HOUR,
    FOLIO_PREC_MINUTE,
    FOLIO_PREC_SECOND,
    FOLIO_PREC_FRAC, /* fractional seconds, up to 6 digits */
};

struct folio_time {
    int year, month, day;     /* month/day are 1 when coarser than the precision */
    int hour, minute, second; /* 0 when coarser than the precision */
    int micros;               /* 0..999999 */
    int frac_digits;          /* digits written after the decimal point (1..6) for FOLIO_PREC_FRAC */
    enum folio_time_prec prec;
    bool has_offset;
    int offset_min;           /* minutes east of UTC, when has_offset */
};

/* ISO 8601 as used by FHIR: YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DDThh:mm[:ss[.f+]][Z|+hh:mm].
 * Up to 9 fraction digits are read; the first 6 are kept (frac_digits <= 6). An offset needs a
 * time. Rejects impossible dates (2023-02-29), out-of-range fields, trailing junk. EINVAL; err
 * names `field` and shows the value. */
enum folio_rc folio_time_parse_iso(struct folio_sv s, struct folio_time *out, const char *field,
                                   struct folio_err *err) FOLIO_MUST_USE;
/* HL7 v2 TS/DTM: YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]; up to 6 fraction digits are
 * accepted. The offset may follow any precision (kept, but ignored for day or coarser). Same
 * checks. */
enum folio_rc folio_time_parse_hl7(struct folio_sv s, struct folio_time *out, const char *field,
                                   struct folio_err *err) FOLIO_MUST_USE;
/* Either of the above, chosen by shape (a '-' after the year means ISO). */
enum folio_rc folio_time_parse_any(struct folio_sv s, struct folio_time *out, const char *field,
                                   struct folio_err *err) FOLIO_MUST_USE;

/* Shift to UTC (offset 0, has_offset true) for hour precision or finer; coarser values are left
 * as they are. A value without offset is taken at default_offset_min. */
void folio_time_to_utc(struct folio_time *t, int default_offset_min);

/* Canonical storage text (see top of file), after converting to UTC. cap >= 40 always suffices.
 * Returns false if cap is too small. FOLIO_PREC_NONE writes "". A value that the shift to UTC
 * takes outside the years 0001-9999 (9999-12-31T23:00-05:00) is written with that year
 * ("10000-01-01T04:00Z"), which is not canonical: folio_time_normalize refuses such values. */
bool folio_time_format_utc(const struct folio_time *t, char *out, size_t cap);
/* ISO 8601 with the value's own offset (for display / FHIR output): "Z" for 0, "+hh:mm"
 * otherwise, nothing when the value has none or is of day precision or coarser. */
bool folio_time_format_iso(const struct folio_time *t, char *out, size_t cap);
/* HL7 v2 DTM with the value's own precision and offset ("+0500"; "+0000" for UTC). Hour
 * precision writes HH, or HHMM when a shift left minutes. */
bool folio_time_format_hl7(const struct folio_time *t, char *out, size_t cap);

/* Parse any accepted form and write the canonical storage text; the usual one-step call.
 * in NULL or "" is EINVAL, and so is a value that falls outside the years 0001-9999 once
 * converted to UTC; ETOOBIG when cap is too small. */
enum folio_rc folio_time_normalize(const char *in, char *out, size_t cap, const char *field,
                                   struct folio_err *err) FOLIO_MUST_USE;

/* Now, in UTC, at second precision, canonical text ("2026-11-21T22:22:05Z"). */
void folio_time_now_utc(char out[32]);
/* Whole days from a to b (b - a, by the calendar dates as written, without offset conversion;
 * negative when b is earlier); false if either is coarser than day precision. */
bool folio_time_days_between(const struct folio_time *a, const struct folio_time *b, int64_t *days);
bool folio_time_is_leap_year(int year);
/* Days since 1970-01-01 of a proleptic Gregorian date, and back (H. Hinnant's algorithms). */
int64_t folio_days_from_civil(int64_t y, int m, int d);
void folio_civil_from_days(int64_t days, int *y, int *m, int *d);
/* Seconds since 1970-01-01T00:00Z of t (converted to UTC; day precision counts as midnight);
 * false when t has less than day precision. */
bool folio_time_epoch(const struct folio_time *t, int64_t *secs);
/* Canonical UTC text at second precision, "YYYY-MM-DDTHH:MM:SSZ", of epoch seconds. */
void folio_time_format_epoch(int64_t secs, char out[32]);
/* "YYYY-MM-DD" of days since 1970-01-01. */
void folio_date_format_days(int64_t days, char out[11]);
/* Exactly "YYYY-MM-DD", a real calendar date, as days since 1970-01-01; false otherwise (no
 * time, no offset, no other length). */
bool folio_date_days(const char *s, int64_t *days);
/* The caller's clock: `in` (any folio_time form with a time of day; NULL = the real clock) as
 * canonical UTC text and its UTC date. EINVAL "now" when it has no time of day or is out of
 * range. */
enum folio_rc folio_time_clock(const char *in, char at[32], char today[11],
                               struct folio_err *err) FOLIO_MUST_USE;
int folio_time_days_in_month(int year, int month);

#endif

/* libFuzzer target: the date/time parsers must never crash or read out of bounds, and whatever
 * they accept must format and parse back to the same value (the canonical form included). */
#include "folio/base.h"
#include "folio/time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_time(const struct folio_time *a, const struct folio_time *b)
{
    return a->year == b->year && a->month == b->month && a->day == b->day && a->hour == b->hour &&
           a->minute == b->minute && a->second == b->second && a->micros == b->micros &&
           a->prec == b->prec && a->has_offset == b->has_offset &&
           (!a->has_offset || a->offset_min == b->offset_min) &&
           (a->prec != FOLIO_PREC_FRAC || a->frac_digits == b->frac_digits);
}

static void check_accepted(const struct folio_time *t, bool from_hl7)
{
    struct folio_time back, u;
    struct folio_err err;
    char out[40], again[40];
    int64_t days = -1;

    if (t->prec == FOLIO_PREC_NONE || t->year < 1 || t->year > 9999 || t->month < 1 ||
        t->month > 12 || t->day < 1 || t->day > folio_time_days_in_month(t->year, t->month))
        FOLIO_BUG("accepted an impossible date");

    /* HL7 text of any accepted value parses back to the same value */
    if (!folio_time_format_hl7(t, out, sizeof(out)))
        FOLIO_BUG("format_hl7 failed");
    if (folio_time_parse_hl7(folio_sv_from(out), &back, "fuzz", &err) != FOLIO_OK ||
        !same_time(&back, t))
        FOLIO_BUG("HL7 round trip");

    /* ISO text too, except hour precision, which ISO writes with minutes */
    if (!folio_time_format_iso(t, out, sizeof(out)))
        FOLIO_BUG("format_iso failed");
    if (!(from_hl7 && t->prec == FOLIO_PREC_HOUR)) {
        struct folio_time want = *t;
        if (want.prec < FOLIO_PREC_HOUR) /* ISO dates carry no offset (HL7 ones may) */
            want.has_offset = false;
        if (folio_time_parse_iso(folio_sv_from(out), &back, "fuzz", &err) != FOLIO_OK ||
            !same_time(&back, &want))
            FOLIO_BUG("ISO round trip");
    }

    /* canonical UTC text is stable; years pushed outside 0001-9999 by the offset are not
     * parseable and are skipped */
    if (!folio_time_format_utc(t, out, sizeof(out)))
        FOLIO_BUG("format_utc failed");
    u = *t;
    folio_time_to_utc(&u, 0);
    if (u.prec != t->prec)
        FOLIO_BUG("to_utc changed the precision");
    if (u.year >= 1 && u.year <= 9999) {
        if (folio_time_parse_any(folio_sv_from(out), &back, "fuzz", &err) != FOLIO_OK)
            FOLIO_BUG("canonical text rejected");
        if (!folio_time_format_utc(&back, again, sizeof(again)) || strcmp(out, again) != 0)
            FOLIO_BUG("canonical text not stable");
    }
    if (t->prec >= FOLIO_PREC_DAY && (!folio_time_days_between(t, t, &days) || days != 0))
        FOLIO_BUG("days_between(t, t) != 0");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct folio_sv s = {(const char *)data, size};
    struct folio_time t;
    struct folio_err err;
    char cstr[128], out[40];

    if (size > 100)
        return -1;
    if (folio_time_parse_iso(s, &t, "fuzz", &err) == FOLIO_OK)
        check_accepted(&t, false);
    if (folio_time_parse_hl7(s, &t, "fuzz", &err) == FOLIO_OK)
        check_accepted(&t, true);
    if (folio_time_parse_any(s, &t, "fuzz", &err) == FOLIO_OK) {
        check_accepted(&t, !(size > 4 && data[4] == '-') && size != 4);
        /* any default offset is handled */
        int def = size ? (int)data[size - 1] * 7 - 900 : 0;
        folio_time_to_utc(&t, def);
        if (!folio_time_format_utc(&t, out, sizeof(out)))
            FOLIO_BUG("format_utc after to_utc failed");
    }
    /* the C-string entry point (stops at an embedded NUL) */
    memcpy(cstr, data, size);
    cstr[size] = '\0';
    if (folio_time_normalize(cstr, out, sizeof(out), "fuzz", &err) == FOLIO_OK && out[0] == '\0')
        FOLIO_BUG("normalize produced empty text");
    if (folio_time_normalize(cstr, out, 8, "fuzz", &err) == FOLIO_OK && strlen(out) >= 8)
        FOLIO_BUG("normalize overran its buffer");
    return 0;
}

/* Unit tests: ISO 8601 / HL7 v2 date-time parsing, UTC conversion, canonical formatting. */
#include "folio/base.h"
#include "folio/time.h"

#include <setjmp.h>

#include <cmocka.h>

struct ok_case {
    const char *in;
    enum folio_time_prec prec;
    const char *utc; /* folio_time_format_utc */
};

static const struct ok_case iso_ok[] = {
    {"1961", FOLIO_PREC_YEAR, "1961"},
    {"1961-04", FOLIO_PREC_MONTH, "1961-04"},
    {"1961-04-12", FOLIO_PREC_DAY, "1961-04-12"},
    {"0001-01-01", FOLIO_PREC_DAY, "0001-01-01"},
    {"9999-12-31", FOLIO_PREC_DAY, "9999-12-31"},
    {"2024-02-29", FOLIO_PREC_DAY, "2024-02-29"},
    {"2000-02-29", FOLIO_PREC_DAY, "2000-02-29"},
    {"2024-03-05T14:07", FOLIO_PREC_MINUTE, "2024-03-05T14:07Z"},
    {"2024-03-05T14:07Z", FOLIO_PREC_MINUTE, "2024-03-05T14:07Z"},
    {"2024-03-05T00:00:00Z", FOLIO_PREC_SECOND, "2024-03-05T00:00:00Z"},
    {"2024-03-05T14:07:09Z", FOLIO_PREC_SECOND, "2024-03-05T14:07:09Z"},
    {"2024-03-05T14:07:09.25Z", FOLIO_PREC_FRAC, "2024-03-05T14:07:09.25Z"},
    {"2024-03-05T14:07:09.050Z", FOLIO_PREC_FRAC, "2024-03-05T14:07:09.050Z"},
    {"2024-03-05T14:07:09.123456+00:00", FOLIO_PREC_FRAC, "2024-03-05T14:07:09.123456Z"},
    {"2024-03-05T14:07:09.123456789Z", FOLIO_PREC_FRAC, "2024-03-05T14:07:09.123456Z"},
    {"2024-03-05T14:07:09-00:00", FOLIO_PREC_SECOND, "2024-03-05T14:07:09Z"},
    {"2024-03-05T09:07:09-05:00", FOLIO_PREC_SECOND, "2024-03-05T14:07:09Z"},
    {"2024-03-05T19:37:09.5+05:30", FOLIO_PREC_FRAC, "2024-03-05T14:07:09.5Z"},
    /* across midnight, month end, year end, leap day */
    {"2024-03-05T23:30:00-05:00", FOLIO_PREC_SECOND, "2024-03-06T04:30:00Z"},
    {"2024-03-06T02:00+05:00", FOLIO_PREC_MINUTE, "2024-03-05T21:00Z"},
    {"2024-03-31T23:00:00-02:00", FOLIO_PREC_SECOND, "2024-04-01T01:00:00Z"},
    {"2024-05-01T00:15+01:00", FOLIO_PREC_MINUTE, "2024-04-30T23:15Z"},
    {"2023-12-31T23:59:59-00:30", FOLIO_PREC_SECOND, "2024-01-01T00:29:59Z"},
    {"2024-01-01T00:00+14:00", FOLIO_PREC_MINUTE, "2023-12-31T10:00Z"},
    {"2024-12-31T12:00-14:00", FOLIO_PREC_MINUTE, "2025-01-01T02:00Z"},
    {"2024-02-28T22:00-03:00", FOLIO_PREC_MINUTE, "2024-02-29T01:00Z"},
    {"2023-02-28T22:00-03:00", FOLIO_PREC_MINUTE, "2023-03-01T01:00Z"},
    {"2024-03-01T01:00+02:00", FOLIO_PREC_MINUTE, "2024-02-29T23:00Z"},
    {"2100-02-28T23:00-01:00", FOLIO_PREC_MINUTE, "2100-03-01T00:00Z"},
};

static const char *const iso_bad[] = {
    "",
    "196",
    "19610",
    "-1961",
    "+2024",
    "abcd",
    "0000",
    "1961-4",
    "1961-4-12",
    "1961-13",
    "1961-00",
    "1961-04-00",
    "1961-04-31",
    "2023-02-29",
    "1900-02-29",
    "2024-02-30",
    "1961-04-12x",
    "1961-04-12Z",
    "1961-04-12T",
    "1961-04-12T14",
    "1961-04-12t14:07",
    "1961-04-12 14:07",
    "1961-04-12T24:00",
    "1961-04-12T14:60",
    "1961-04-12T14:7",
    "1961-04-12T14:07:60",
    "1961-04-12T14:07:6",
    "1961-04-12T14:07:09.",
    "1961-04-12T14:07:09.1234567890Z",
    "1961-04-12T14:07:09.25z",
    "1961-04-12T14:07+15:00",
    "1961-04-12T14:07-14:01",
    "1961-04-12T14:07+05",
    "1961-04-12T14:07+0500",
    "1961-04-12T14:07+05:60",
    "1961-04-12T14:07Zjunk",
    "1961-04-12T14:07:09Z ",
    " 1961-04-12",
    "1961-04-12T14:07.5",
    "19610412",
};

static const struct ok_case hl7_ok[] = {
    {"1961", FOLIO_PREC_YEAR, "1961"},
    {"196104", FOLIO_PREC_MONTH, "1961-04"},
    {"19610412", FOLIO_PREC_DAY, "1961-04-12"},
    {"19610412+0500", FOLIO_PREC_DAY, "1961-04-12"},
    {"20240229", FOLIO_PREC_DAY, "2024-02-29"},
    {"2024030514", FOLIO_PREC_HOUR, "2024-03-05T14:00Z"},
    {"2024030514+0530", FOLIO_PREC_HOUR, "2024-03-05T08:30Z"},
    {"202403051407", FOLIO_PREC_MINUTE, "2024-03-05T14:07Z"},
    {"20240305140709", FOLIO_PREC_SECOND, "2024-03-05T14:07:09Z"},
    {"20240305140709.2", FOLIO_PREC_FRAC, "2024-03-05T14:07:09.2Z"},
    {"20240305140709.25", FOLIO_PREC_FRAC, "2024-03-05T14:07:09.25Z"},
    {"20240305140709.1234", FOLIO_PREC_FRAC, "2024-03-05T14:07:09.1234Z"},
    {"20240305140709.123456", FOLIO_PREC_FRAC, "2024-03-05T14:07:09.123456Z"},
    {"20240305090709-0500", FOLIO_PREC_SECOND, "2024-03-05T14:07:09Z"},
    {"20240305090709.25-0500", FOLIO_PREC_FRAC, "2024-03-05T14:07:09.25Z"},
    {"202403052330-0500", FOLIO_PREC_MINUTE, "2024-03-06T04:30Z"},
    {"202312312359+0100", FOLIO_PREC_MINUTE, "2023-12-31T22:59Z"},
    {"202312311900-0500", FOLIO_PREC_MINUTE, "2024-01-01T00:00Z"},
    {"202402282300-0100", FOLIO_PREC_MINUTE, "2024-02-29T00:00Z"},
    {"202403010030+0100", FOLIO_PREC_MINUTE, "2024-02-29T23:30Z"},
};

static const char *const hl7_bad[] = {
    "",
    "196",
    "19610",
    "1961041",
    "196104121",
    "2024030514070912",
    "20230229",
    "19000229",
    "19611301",
    "19610400",
    "2024030524",
    "202403051460",
    "20240305140760",
    "2024030514.5",
    "202403051407.5",
    "20240305140709.",
    "20240305140709.1234567",
    "20240305140709+05",
    "20240305140709+05000",
    "20240305140709+1500",
    "20240305140709-1401",
    "20240305140709+0560",
    "20240305140709 ",
    "19610412X",
    "2024-03-05",
    "00000101",
    "2024030514070+0000",
};

static bool same_time(const struct folio_time *a, const struct folio_time *b)
{
    return a->year == b->year && a->month == b->month && a->day == b->day && a->hour == b->hour &&
           a->minute == b->minute && a->second == b->second && a->micros == b->micros &&
           a->prec == b->prec && a->has_offset == b->has_offset &&
           (!a->has_offset || a->offset_min == b->offset_min) &&
           (a->prec != FOLIO_PREC_FRAC || a->frac_digits == b->frac_digits);
}

static void check_ok(const struct ok_case *c, bool hl7)
{
    struct folio_time t;
    struct folio_err err;
    char out[40];
    folio_err_clear(&err);
    enum folio_rc rc = hl7 ? folio_time_parse_hl7(folio_sv_from(c->in), &t, "f", &err)
                           : folio_time_parse_iso(folio_sv_from(c->in), &t, "f", &err);
    if (rc != FOLIO_OK)
        fail_msg("'%s' rejected: %s", c->in, err.msg);
    if (t.prec != c->prec)
        fail_msg("'%s': precision %d, want %d", c->in, (int)t.prec, (int)c->prec);
    assert_true(folio_time_format_utc(&t, out, sizeof(out)));
    if (strcmp(out, c->utc) != 0)
        fail_msg("'%s': utc '%s', want '%s'", c->in, out, c->utc);
    /* the canonical text parses back to itself */
    struct folio_time u;
    assert_int_equal(folio_time_parse_iso(folio_sv_from(out), &u, "f", &err), FOLIO_OK);
    char again[40];
    assert_true(folio_time_format_utc(&u, again, sizeof(again)));
    assert_string_equal(again, out);
    /* any form picks the right parser */
    struct folio_time a;
    assert_int_equal(folio_time_parse_any(folio_sv_from(c->in), &a, "f", &err), FOLIO_OK);
    assert_true(same_time(&a, &t));
    /* normalize does the same in one step */
    assert_int_equal(folio_time_normalize(c->in, again, sizeof(again), "f", &err), FOLIO_OK);
    assert_string_equal(again, c->utc);
}

static void check_bad(const char *in, bool hl7)
{
    struct folio_time t;
    struct folio_err err;
    folio_err_clear(&err);
    enum folio_rc rc = hl7 ? folio_time_parse_hl7(folio_sv_from(in), &t, "birth_date", &err)
                           : folio_time_parse_iso(folio_sv_from(in), &t, "birth_date", &err);
    if (rc != FOLIO_EINVAL)
        fail_msg("'%s' accepted by the %s parser", in, hl7 ? "HL7" : "ISO");
    assert_int_equal(err.code, FOLIO_EINVAL);
    assert_string_equal(err.field, "birth_date");
    assert_non_null(strstr(err.msg, "birth_date"));
    assert_null(strchr(err.msg, '\n'));
}

static void test_iso_valid(void **state)
{
    (void)state;
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(iso_ok); i++)
        check_ok(&iso_ok[i], false);
}

static void test_iso_invalid(void **state)
{
    (void)state;
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(iso_bad); i++)
        check_bad(iso_bad[i], false);
}

static void test_hl7_valid(void **state)
{
    (void)state;
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(hl7_ok); i++)
        check_ok(&hl7_ok[i], true);
}

static void test_hl7_invalid(void **state)
{
    (void)state;
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(hl7_bad); i++)
        check_bad(hl7_bad[i], true);
}

static void test_fields_and_offsets(void **state)
{
    (void)state;
    struct folio_time t;
    struct folio_err err;
    assert_int_equal(
        folio_time_parse_iso(FOLIO_SV_LIT("2024-03-05T09:07:09.25-05:30"), &t, "f", &err),
        FOLIO_OK);
    assert_int_equal(t.year, 2024);
    assert_int_equal(t.month, 3);
    assert_int_equal(t.day, 5);
    assert_int_equal(t.hour, 9);
    assert_int_equal(t.minute, 7);
    assert_int_equal(t.second, 9);
    assert_int_equal(t.micros, 250000);
    assert_int_equal(t.frac_digits, 2);
    assert_true(t.has_offset);
    assert_int_equal(t.offset_min, -330);

    assert_int_equal(folio_time_parse_iso(FOLIO_SV_LIT("1961"), &t, "f", &err), FOLIO_OK);
    assert_int_equal(t.month, 1);
    assert_int_equal(t.day, 1);
    assert_int_equal(t.hour, 0);
    assert_false(t.has_offset);

    /* no offset: taken as UTC, or at the caller's default */
    assert_int_equal(folio_time_parse_iso(FOLIO_SV_LIT("2024-03-05T22:07"), &t, "f", &err),
                     FOLIO_OK);
    assert_false(t.has_offset);
    folio_time_to_utc(&t, -300);
    assert_true(t.has_offset);
    assert_int_equal(t.offset_min, 0);
    assert_int_equal(t.day, 6);
    assert_int_equal(t.hour, 3);
    assert_int_equal(t.prec, FOLIO_PREC_MINUTE);

    /* day precision is never shifted */
    assert_int_equal(folio_time_parse_hl7(FOLIO_SV_LIT("19610412-1200"), &t, "f", &err), FOLIO_OK);
    folio_time_to_utc(&t, 600);
    assert_int_equal(t.day, 12);
    assert_int_equal(t.prec, FOLIO_PREC_DAY);

    /* hour precision keeps its precision through a half-hour shift */
    assert_int_equal(folio_time_parse_hl7(FOLIO_SV_LIT("2024030514+0530"), &t, "f", &err),
                     FOLIO_OK);
    folio_time_to_utc(&t, 0);
    assert_int_equal(t.prec, FOLIO_PREC_HOUR);
    assert_int_equal(t.hour, 8);
    assert_int_equal(t.minute, 30);
    char out[40];
    assert_true(folio_time_format_hl7(&t, out, sizeof(out)));
    assert_string_equal(out, "202403050830+0000");
}

static void test_format_iso_hl7(void **state)
{
    (void)state;
    static const struct {
        const char *in, *iso, *hl7;
    } cases[] = {
        {"1961", "1961", "1961"},
        {"1961-04", "1961-04", "196104"},
        {"1961-04-12", "1961-04-12", "19610412"},
        {"2024-03-05T14:07", "2024-03-05T14:07", "202403051407"},
        {"2024-03-05T14:07Z", "2024-03-05T14:07Z", "202403051407+0000"},
        {"2024-03-05T09:07:09-05:00", "2024-03-05T09:07:09-05:00", "20240305090709-0500"},
        {"2024-03-05T09:07:09.25+05:45", "2024-03-05T09:07:09.25+05:45", "20240305090709.25+0545"},
        {"2024030514", "2024-03-05T14:00", "2024030514"},
        {"2024030514-0300", "2024-03-05T14:00-03:00", "2024030514-0300"},
        {"19610412+0500", "1961-04-12", "19610412+0500"},
        {"20240305140709.000100", "2024-03-05T14:07:09.000100", "20240305140709.000100"},
    };
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(cases); i++) {
        struct folio_time t, back;
        struct folio_err err;
        char out[40];
        assert_int_equal(folio_time_parse_any(folio_sv_from(cases[i].in), &t, "f", &err), FOLIO_OK);
        assert_true(folio_time_format_iso(&t, out, sizeof(out)));
        if (strcmp(out, cases[i].iso) != 0)
            fail_msg("%s: iso '%s' want '%s'", cases[i].in, out, cases[i].iso);
        assert_true(folio_time_format_hl7(&t, out, sizeof(out)));
        if (strcmp(out, cases[i].hl7) != 0)
            fail_msg("%s: hl7 '%s' want '%s'", cases[i].in, out, cases[i].hl7);
        /* HL7 output parses back to the same value, precision included */
        assert_int_equal(folio_time_parse_hl7(folio_sv_from(out), &back, "f", &err), FOLIO_OK);
        assert_true(same_time(&back, &t));
    }
}

static void test_iso_round_trip(void **state)
{
    (void)state;
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(iso_ok); i++) {
        struct folio_time t, back;
        struct folio_err err;
        char out[40];
        assert_int_equal(folio_time_parse_iso(folio_sv_from(iso_ok[i].in), &t, "f", &err),
                         FOLIO_OK);
        assert_true(folio_time_format_iso(&t, out, sizeof(out)));
        assert_int_equal(folio_time_parse_iso(folio_sv_from(out), &back, "f", &err), FOLIO_OK);
        if (!same_time(&back, &t))
            fail_msg("%s -> %s does not round-trip", iso_ok[i].in, out);
    }
}

static void test_format_caps(void **state)
{
    (void)state;
    struct folio_time t;
    struct folio_err err;
    char out[40];
    assert_int_equal(
        folio_time_parse_iso(FOLIO_SV_LIT("9999-12-31T23:59:59.123456-14:00"), &t, "f", &err),
        FOLIO_OK);
    assert_true(folio_time_format_iso(&t, out, sizeof(out)));
    assert_string_equal(out, "9999-12-31T23:59:59.123456-14:00");
    assert_true(folio_time_format_utc(&t, out, sizeof(out))); /* year 10000 still fits */
    assert_string_equal(out, "10000-01-01T13:59:59.123456Z");
    assert_int_equal(
        folio_time_parse_iso(FOLIO_SV_LIT("9999-12-31T23:59:59.123456+14:00"), &t, "f", &err),
        FOLIO_OK);
    assert_true(folio_time_format_utc(&t, out, sizeof(out)));
    assert_string_equal(out, "9999-12-31T09:59:59.123456Z");
    char small[10];
    assert_false(folio_time_format_utc(&t, small, sizeof(small)));
    assert_false(folio_time_format_iso(&t, small, sizeof(small)));
    assert_false(folio_time_format_hl7(&t, small, sizeof(small)));
    assert_int_equal(folio_time_normalize("2024-03-05T14:07:09Z", small, sizeof(small), "f", &err),
                     FOLIO_ETOOBIG);

    struct folio_time none = {0};
    assert_true(folio_time_format_utc(&none, out, sizeof(out)));
    assert_string_equal(out, "");
}

static void test_normalize(void **state)
{
    (void)state;
    char out[40];
    struct folio_err err;
    folio_err_clear(&err);
    assert_int_equal(folio_time_normalize("20240305090709-0500", out, sizeof(out), "f", &err),
                     FOLIO_OK);
    assert_string_equal(out, "2024-03-05T14:07:09Z");
    assert_int_equal(folio_time_normalize("1961-04-12", out, sizeof(out), "f", &err), FOLIO_OK);
    assert_string_equal(out, "1961-04-12");
    assert_int_equal(folio_time_normalize("2023-02-29", out, sizeof(out), "admit_date", &err),
                     FOLIO_EINVAL);
    assert_string_equal(err.field, "admit_date");
    assert_non_null(strstr(err.msg, "2023-02-29"));
    /* the shift to UTC must not leave 0001-9999 (regression: "10000-01-01T04:00Z") */
    static const char *const edge[] = {"9999-12-31T23:00-05:00", "0001-01-01T00:30+01:00",
                                       "99991231230000-0500", "000101010000+0001"};
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(edge); i++) {
        if (folio_time_normalize(edge[i], out, sizeof(out), "admit_at", &err) != FOLIO_EINVAL)
            fail_msg("'%s' normalized to '%s'", edge[i], out);
        assert_string_equal(err.field, "admit_at");
        assert_non_null(strstr(err.msg, "0001-9999"));
    }
    assert_int_equal(folio_time_normalize("9999-12-31T23:00+05:00", out, sizeof(out), "f", &err),
                     FOLIO_OK);
    assert_string_equal(out, "9999-12-31T18:00Z");
    assert_int_equal(folio_time_normalize("0001-01-01T00:30-01:00", out, sizeof(out), "f", &err),
                     FOLIO_OK);
    assert_string_equal(out, "0001-01-01T01:30Z");
    assert_int_equal(folio_time_normalize(NULL, out, sizeof(out), "f", &err), FOLIO_EINVAL);
    assert_int_equal(folio_time_normalize("", out, sizeof(out), "f", &err), FOLIO_EINVAL);
    /* long junk is shown shortened */
    char junk[300];
    memset(junk, '9', sizeof(junk) - 1);
    junk[sizeof(junk) - 1] = '\0';
    assert_int_equal(folio_time_normalize(junk, out, sizeof(out), "f", &err), FOLIO_EINVAL);
    assert_true(strlen(err.msg) < 200);
}

static void test_days_and_leap(void **state)
{
    (void)state;
    assert_true(folio_time_is_leap_year(2024));
    assert_true(folio_time_is_leap_year(2000));
    assert_false(folio_time_is_leap_year(2023));
    assert_false(folio_time_is_leap_year(1900));
    assert_false(folio_time_is_leap_year(2100));
    assert_int_equal(folio_time_days_in_month(2024, 2), 29);
    assert_int_equal(folio_time_days_in_month(2023, 2), 28);
    assert_int_equal(folio_time_days_in_month(2023, 4), 30);
    assert_int_equal(folio_time_days_in_month(2023, 12), 31);
    assert_int_equal(folio_time_days_in_month(2023, 0), 0);
    assert_int_equal(folio_time_days_in_month(2023, 13), 0);

    static const struct {
        const char *a, *b;
        int64_t days;
    } cases[] = {
        {"2023-12-31", "2024-01-01", 1},     {"2024-01-01", "2025-01-01", 366},
        {"2023-01-01", "2024-01-01", 365},   {"2024-01-01", "2023-01-01", -365},
        {"1961-04-12", "2024-03-05", 22973}, {"2024-02-28", "2024-03-01", 2},
        {"2023-02-28", "2023-03-01", 1},     {"20240305", "2024-03-05T23:59Z", 0},
        {"1900-01-01", "2000-01-01", 36524},
    };
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(cases); i++) {
        struct folio_time a, b;
        struct folio_err err;
        int64_t d = 12345;
        assert_int_equal(folio_time_parse_any(folio_sv_from(cases[i].a), &a, "a", &err), FOLIO_OK);
        assert_int_equal(folio_time_parse_any(folio_sv_from(cases[i].b), &b, "b", &err), FOLIO_OK);
        assert_true(folio_time_days_between(&a, &b, &d));
        if (d != cases[i].days)
            fail_msg("%s..%s: %lld, want %lld", cases[i].a, cases[i].b, (long long)d,
                     (long long)cases[i].days);
    }
    struct folio_time y, dd;
    struct folio_err err;
    int64_t d;
    assert_int_equal(folio_time_parse_iso(FOLIO_SV_LIT("1961-04"), &y, "a", &err), FOLIO_OK);
    assert_int_equal(folio_time_parse_iso(FOLIO_SV_LIT("1961-04-12"), &dd, "a", &err), FOLIO_OK);
    assert_false(folio_time_days_between(&y, &dd, &d));
    assert_false(folio_time_days_between(&dd, &y, &d));
}

static void test_now(void **state)
{
    (void)state;
    char now[32];
    struct folio_time t;
    struct folio_err err;
    folio_time_now_utc(now);
    assert_int_equal(strlen(now), 20);
    assert_int_equal(folio_time_parse_iso(folio_sv_from(now), &t, "now", &err), FOLIO_OK);
    assert_int_equal(t.prec, FOLIO_PREC_SECOND);
    assert_true(t.has_offset);
    assert_int_equal(t.offset_min, 0);
    assert_true(t.year >= 2024);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iso_valid),
        cmocka_unit_test(test_iso_invalid),
        cmocka_unit_test(test_hl7_valid),
        cmocka_unit_test(test_hl7_invalid),
        cmocka_unit_test(test_fields_and_offsets),
        cmocka_unit_test(test_format_iso_hl7),
        cmocka_unit_test(test_iso_round_trip),
        cmocka_unit_test(test_format_caps),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_days_and_leap),
        cmocka_unit_test(test_now),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

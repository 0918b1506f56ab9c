/* Safe Harbor on structured fields: 45 CFR 164.514(b)(2)(i). Dates to their year, ages over 89
 * into one category, ZIP codes to 3 digits (or "000" for small areas), everything else that
 * identifies removed. Pure: no I/O, no global state beyond the constant ZIP table. */
#include "folio/base.h"
#include "folio/deid.h"
#include "folio/time.h"

#include <string.h>

/* HHS, "Guidance Regarding Methods for De-identification of Protected Health Information"
 * (2012), Safe Harbor, question 3.3: with Census 2000 data, the initial 3-digit ZIP codes whose
 * areas hold 20,000 or fewer people. A newer census gives another list: pass your own table. */
static const char *const zip3_census2000[] = {
    "036", "059", "063", "102", "203", "556", "692", "790", "821",
    "823", "830", "831", "878", "879", "884", "890", "893",
};

const struct folio_deid_zip3_table folio_deid_zip3_census2000 = {
    zip3_census2000, sizeof(zip3_census2000) / sizeof(zip3_census2000[0]),
    "Census 2000 (HHS de-identification guidance, 2012)"};

/* A parsed date: month and day 0 when absent. */
struct sh_date {
    int year, month, day;
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int digits_val(const char *p, size_t n)
{
    int v = 0;
    size_t i;

    for (i = 0; i < n; i++)
        v = v * 10 + (p[i] - '0');
    return v;
}

static bool all_digits(const char *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!is_digit(p[i]))
            return false;
    return true;
}


/* YYYY | YYYY-MM | YYYY-MM-DD [T or ' ' time] | YYYYMM[DD[time digits]] (HL7 DTM). */
static bool parse_date(const char *p, size_t len, struct sh_date *d)
{
    size_t i;

    memset(d, 0, sizeof(*d));
    if (len < 4 || !all_digits(p, 4))
        return false;
    d->year = digits_val(p, 4);
    if (len == 4)
        goto check;
    if (p[4] == '-') {
        if (len < 7 || !all_digits(p + 5, 2))
            return false;
        d->month = digits_val(p + 5, 2);
        if (len == 7)
            goto check;
        if (p[7] != '-' || len < 10 || !all_digits(p + 8, 2))
            return false;
        d->day = digits_val(p + 8, 2);
        if (len > 10 && p[10] != 'T' && p[10] != ' ')
            return false;
        for (i = 11; i < len; i++) /* a time: digits and : . + - Z only */
            if (!is_digit(p[i]) && !strchr(":.+-Z", p[i]))
                return false;
        goto check;
    }
    /* HL7 DTM: YYYYMM, YYYYMMDD, then hh[mm[ss[.s]]] and an optional +/-ZZZZ. */
    if (len < 6 || !all_digits(p + 4, 2))
        return false;
    d->month = digits_val(p + 4, 2);
    if (len >= 8) {
        if (!all_digits(p + 6, 2))
            return false;
        d->day = digits_val(p + 6, 2);
    } else if (len != 6) {
        return false;
    }
    for (i = 8; i < len; i++)
        if (!is_digit(p[i]) && !strchr(".+-", p[i]))
            return false;
check:
    if (d->year < 1 || d->month > 12 || (d->day && !d->month))
        return false;
    if (d->month && (d->month < 1))
        return false;
    if (d->day && (d->day < 1 || d->day > folio_time_days_in_month(d->year, d->month)))
        return false;
    return true;
}

enum folio_rc folio_deid_sh_date(const char *date, size_t len, char year_out[5],
                                 struct folio_err *err)
{
    struct sh_date d;

    year_out[0] = '\0';
    if (!date || !parse_date(date, len, &d))
        return folio_err_set(err, FOLIO_EINVAL, "date", "not a date (YYYY[-MM[-DD]]); the value is not repeated: it may "
                             "identify the person");
    memcpy(year_out, date, 4);
    year_out[4] = '\0';
    return FOLIO_OK;
}

enum folio_rc folio_deid_sh_age(int age, char out[16], struct folio_err *err)
{
    out[0] = '\0';
    if (age < 0 || age > 150)
        return folio_err_set(err, FOLIO_EINVAL, "age", "age out of range 0-150: %d", age);
    if (age > 89) { /* (b)(2)(i)(C): "aggregated into a single category of age 90 or older" */
        memcpy(out, "90 or older", sizeof("90 or older"));
        return FOLIO_OK;
    }
    if (age >= 10)
        *out++ = (char)('0' + age / 10);
    *out++ = (char)('0' + age % 10);
    *out = '\0';
    return FOLIO_OK;
}

enum folio_rc folio_deid_sh_zip(const char *zip, size_t len,
                                const struct folio_deid_zip3_table *table, char out[4],
                                struct folio_err *err)
{
    size_t i;

    out[0] = '\0';
    if (!zip || !((len == 5 && all_digits(zip, 5)) ||
                  (len == 10 && all_digits(zip, 5) && zip[5] == '-' && all_digits(zip + 6, 4)) ||
                  (len == 9 && all_digits(zip, 9))))
        return folio_err_set(err, FOLIO_EINVAL, "zip", "not a ZIP code (5 digits or ZIP+4); the value is not repeated");
    if (!table)
        table = &folio_deid_zip3_census2000;
    for (i = 0; i < table->n; i++)
        if (memcmp(table->zip3[i], zip, 3) == 0) {
            memcpy(out, "000", 4); /* (b)(2)(i)(B)(2): 20,000 people or fewer */
            return FOLIO_OK;
        }
    memcpy(out, zip, 3);
    out[3] = '\0';
    return FOLIO_OK;
}

enum folio_rc folio_deid_sh_age_on(const char *birth_date, size_t blen, const char *ref_date,
                                   size_t rlen, int *age_out, struct folio_err *err)
{
    struct sh_date b, r;
    int age;

    *age_out = 0;
    if (!birth_date || !parse_date(birth_date, blen, &b))
        return folio_err_set(err, FOLIO_EINVAL, "birth_date", "not a date (YYYY[-MM[-DD]]); the value is not repeated");
    if (!ref_date || !parse_date(ref_date, rlen, &r))
        return folio_err_set(err, FOLIO_EINVAL, "ref_date", "not a date (YYYY[-MM[-DD]]); the value is not repeated");
    age = r.year - b.year;
    /* The birthday not yet reached lowers the age by one, but only when both month (and, in
     * the same month, both days) are known; otherwise the larger age is the safe guess. */
    if (b.month && r.month &&
        (r.month < b.month || (r.month == b.month && b.day && r.day && r.day < b.day)))
        age--;
    if (age < 0)
        return folio_err_set(err, FOLIO_EINVAL, "ref_date", "date before the birth date");
    *age_out = age;
    return FOLIO_OK;
}

static bool present(const char *s)
{
    return s && *s;
}

enum folio_rc folio_deid_sh_person_apply(const struct folio_deid_sh_person *in,
                                         const struct folio_deid_zip3_table *table,
                                         struct folio_deid_sh_result *out, struct folio_err *err)
{
    const char *dropped[] = {in->given, in->family,      in->street,  in->city,
                             in->phone, in->fax,         in->email,   in->ssn,
                             in->mrn,   in->health_plan, in->account, in->license};
    enum folio_rc rc = FOLIO_OK;
    size_t i;

    memset(out, 0, sizeof(*out));
    for (i = 0; i < sizeof(dropped) / sizeof(dropped[0]); i++)
        if (present(dropped[i]))
            out->removed++;
    if (present(in->zip)) {
        rc = folio_deid_sh_zip(in->zip, strlen(in->zip), table, out->zip3, err);
        if (rc)
            goto out;
    }
    if (present(in->state) && strlen(in->state) == 2) {
        for (i = 0; i < 2; i++) {
            char c = in->state[i];
            if (c >= 'a' && c <= 'z')
                c = (char)(c - 32);
            if (c < 'A' || c > 'Z') {
                out->state[0] = '\0';
                break;
            }
            out->state[i] = c;
        }
        if (out->state[0])
            out->state[2] = '\0';
    }
    if (present(in->birth_date)) {
        rc = folio_deid_sh_date(in->birth_date, strlen(in->birth_date), out->birth_year, err);
        if (rc)
            goto out;
        out->removed++; /* the full birth date goes; the year may stay */
        if (present(in->ref_date)) {
            int age;
            rc = folio_deid_sh_age_on(in->birth_date, strlen(in->birth_date), in->ref_date,
                                      strlen(in->ref_date), &age, err);
            if (rc)
                goto out;
            if (age > 150)
                age = 150;
            rc = folio_deid_sh_age(age, out->age, err);
            if (rc)
                goto out;
            if (age > 89) /* (b)(2)(i)(C): a birth year indicative of an age over 89 */
                out->birth_year[0] = '\0';
        } else {
            /* No reference date: whether the birth year reveals an age over 89 cannot be
             * checked, so it is suppressed (the conservative reading). */
            out->birth_year[0] = '\0';
        }
    }
out:
    if (rc)
        memset(out, 0, sizeof(*out));
    return rc;
}

/* Comparators, the Fellegi-Sunter model, the hard rules and the explanation of a score. */
#include "folio/base.h"
#include "folio/mpi.h"
#include "mpi/mpi_int.h"

#include <math.h>

static const char *const field_names[FOLIO_MPI_NFIELDS] = {
    "given", "middle", "family", "suffix", "birth_date", "sex",
    "ssn",   "address", "zip",   "phone",  "email",
};

const char *folio_mpi_field_name(enum folio_mpi_field f)
{
    return (unsigned)f < FOLIO_MPI_NFIELDS ? field_names[f] : "?";
}

const char *folio_mpi_level_name(enum folio_mpi_level l)
{
    static const char *const n[] = {"missing", "disagree", "partial", "close", "exact"};
    return (unsigned)l < FOLIO_MPI_NLEVELS ? n[l] : "?";
}

const char *folio_mpi_decision_name(enum folio_mpi_decision d)
{
    return d == FOLIO_MPI_LINK ? "link" : d == FOLIO_MPI_REVIEW ? "review" : "non-link";
}

const char *folio_mpi_rule_text(unsigned rule)
{
    switch (rule) {
    case FOLIO_MPI_RULE_SUFFIX: return "generational suffix differs (Jr/Sr)";
    case FOLIO_MPI_RULE_TWINS: return "different given name and SSN not equal: twins or another household member";
    case FOLIO_MPI_RULE_SEX_GIVEN: return "sex differs and given names are not identical";
    case FOLIO_MPI_RULE_BIRTH_DATE: return "birth dates differ beyond a typing error";
    case FOLIO_MPI_RULE_SSN: return "different SSN and different given name";
    default: return "?";
    }
}

/* ---- model ---- */

/* Defaults: m = share of each level among true duplicates (registration error rates), u = among
 * the non-matching pairs that blocking brings together. docs/mpi-matching.md explains them. */
void folio_mpi_model_default(struct folio_mpi_model *m)
{
    memset(m, 0, sizeof *m);
    /*                               missing disagree partial close  exact */
    static const double M[FOLIO_MPI_NFIELDS][FOLIO_MPI_NLEVELS] = {
        [FOLIO_MPI_GIVEN] = {0, 0.010, 0.020, 0.090, 0.880},
        [FOLIO_MPI_MIDDLE] = {0, 0.050, 0.000, 0.150, 0.800},
        [FOLIO_MPI_FAMILY] = {0, 0.050, 0.010, 0.060, 0.880},
        [FOLIO_MPI_SUFFIX] = {0, 0.020, 0.000, 0.000, 0.980},
        [FOLIO_MPI_BIRTH_DATE] = {0, 0.010, 0.010, 0.060, 0.920},
        [FOLIO_MPI_SEX] = {0, 0.020, 0.000, 0.000, 0.980},
        [FOLIO_MPI_SSN] = {0, 0.020, 0.000, 0.050, 0.930},
        [FOLIO_MPI_ADDRESS] = {0, 0.300, 0.000, 0.100, 0.600},
        [FOLIO_MPI_ZIP] = {0, 0.150, 0.100, 0.000, 0.750},
        [FOLIO_MPI_PHONE] = {0, 0.300, 0.000, 0.050, 0.650},
        [FOLIO_MPI_EMAIL] = {0, 0.300, 0.000, 0.100, 0.600},
    };
    static const double U[FOLIO_MPI_NFIELDS][FOLIO_MPI_NLEVELS] = {
        [FOLIO_MPI_GIVEN] = {0, 0.960, 0.020, 0.010, 0.010},
        [FOLIO_MPI_MIDDLE] = {0, 0.850, 0.000, 0.100, 0.050},
        [FOLIO_MPI_FAMILY] = {0, 0.970, 0.010, 0.010, 0.010},
        [FOLIO_MPI_SUFFIX] = {0, 0.500, 0.000, 0.000, 0.500},
        [FOLIO_MPI_BIRTH_DATE] = {0, 0.960, 0.020, 0.010, 0.0005},
        [FOLIO_MPI_SEX] = {0, 0.500, 0.000, 0.000, 0.500},
        [FOLIO_MPI_SSN] = {0, 0.9999, 0.000, 0.0001, 0.00001},
        [FOLIO_MPI_ADDRESS] = {0, 0.990, 0.000, 0.002, 0.005},
        [FOLIO_MPI_ZIP] = {0, 0.880, 0.080, 0.000, 0.040},
        [FOLIO_MPI_PHONE] = {0, 0.995, 0.000, 0.001, 0.003},
        [FOLIO_MPI_EMAIL] = {0, 0.998, 0.000, 0.001, 0.001},
    };
    memcpy(m->m, M, sizeof M);
    memcpy(m->u, U, sizeof U);
    m->high = 18.0;
    m->low = 8.0;
    folio_mpi_model_weights(m);
}

static double clampp(double p)
{
    return p < 1e-6 ? 1e-6 : p > 1 - 1e-6 ? 1 - 1e-6 : p;
}

void folio_mpi_model_weights(struct folio_mpi_model *m)
{
    for (int f = 0; f < FOLIO_MPI_NFIELDS; f++) {
        m->w[f][FOLIO_MPI_MISSING] = 0;
        for (int l = 1; l < FOLIO_MPI_NLEVELS; l++) {
            if (m->m[f][l] <= 0 && m->u[f][l] <= 0)
                m->w[f][l] = 0; /* level not used by this field */
            else
                m->w[f][l] = log2(clampp(m->m[f][l]) / clampp(m->u[f][l]));
        }
    }
}

/* ---- Jaro-Winkler ---- */
double folio_mpi_jaro_winkler(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la == 0 || lb == 0)
        return 0;
    if (la > 64)
        la = 64;
    if (lb > 64)
        lb = 64;
    if (la == lb && memcmp(a, b, la) == 0)
        return 1;
    size_t range = (la > lb ? la : lb) / 2;
    range = range > 0 ? range - 1 : 0;
    bool ma[64] = {0}, mb[64] = {0};
    size_t matches = 0;
    for (size_t i = 0; i < la; i++) {
        size_t lo = i > range ? i - range : 0, hi = i + range + 1 < lb ? i + range + 1 : lb;
        for (size_t j = lo; j < hi; j++) {
            if (!mb[j] && a[i] == b[j]) {
                ma[i] = mb[j] = true;
                matches++;
                break;
            }
        }
    }
    if (matches == 0)
        return 0;
    size_t t = 0, k = 0;
    for (size_t i = 0; i < la; i++) {
        if (!ma[i])
            continue;
        while (!mb[k])
            k++;
        if (a[i] != b[k])
            t++;
        k++;
    }
    double md = (double)matches;
    double jaro = (md / (double)la + md / (double)lb + (md - (double)t / 2.0) / md) / 3.0;
    if (jaro < 0.7)
        return jaro;
    size_t p = 0;
    while (p < 4 && p < la && p < lb && a[p] == b[p])
        p++;
    return jaro + (double)p * 0.1 * (1.0 - jaro);
}

/* ---- preparation ---- */

static void digits_of(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = in ? in : ""; *p && n + 1 < cap; p++)
        if (*p >= '0' && *p <= '9')
            out[n++] = *p;
    out[n] = '\0';
}

static char suffix_code(const char *s)
{
    char f[16];
    folio_mpi_fold(s, f, sizeof f, false);
    if (!strcmp(f, "jr") || !strcmp(f, "junior"))
        return 'J';
    if (!strcmp(f, "sr") || !strcmp(f, "senior"))
        return 'S';
    if (!strcmp(f, "ii") || !strcmp(f, "2nd"))
        return '2';
    if (!strcmp(f, "iii") || !strcmp(f, "3rd"))
        return '3';
    if (!strcmp(f, "iv") || !strcmp(f, "4th"))
        return '4';
    if (!strcmp(f, "v") || !strcmp(f, "5th"))
        return '5';
    return 0;
}

static int num2(const char *p)
{
    if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
        return -1;
    return (p[0] - '0') * 10 + (p[1] - '0');
}

static void parse_dob(const char *s, struct mpi_prep *p)
{
    p->year = 0;
    p->month = p->day = 0;
    if (!s)
        return;
    size_t n = strlen(s);
    if (n < 4)
        return;
    int y = 0;
    for (int i = 0; i < 4; i++) {
        if (s[i] < '0' || s[i] > '9')
            return;
        y = y * 10 + (s[i] - '0');
    }
    p->year = (short)y;
    if (n >= 7 && s[4] == '-') {
        int m = num2(s + 5);
        if (m >= 1 && m <= 12)
            p->month = (signed char)m;
        if (n >= 10 && s[7] == '-') {
            int d = num2(s + 8);
            if (d >= 1 && d <= 31)
                p->day = (signed char)d;
        }
    }
}

/* Street line: "12 N. Main Street Apt 4" -> number "12", street "n main st". */
static void norm_street(const char *in, struct mpi_prep *p)
{
    static const char *const abbr[][2] = {
        {"street", "st"},   {"avenue", "ave"},  {"av", "ave"},     {"road", "rd"},
        {"drive", "dr"},    {"lane", "ln"},     {"boulevard", "blvd"}, {"court", "ct"},
        {"place", "pl"},    {"circle", "cir"},  {"terrace", "ter"}, {"highway", "hwy"},
        {"parkway", "pkwy"}, {"square", "sq"},  {"trail", "trl"},  {"way", "way"},
        {"north", "n"},     {"south", "s"},     {"east", "e"},     {"west", "w"},
    };
    char f[96];
    folio_mpi_fold(in, f, sizeof f, false);
    p->street_no[0] = p->street[0] = '\0';
    /* the fold drops digits: take the number from the raw text */
    const char *s = in ? in : "";
    while (*s == ' ')
        s++;
    size_t k = 0;
    while (s[k] >= '0' && s[k] <= '9' && k + 1 < sizeof p->street_no) {
        p->street_no[k] = s[k];
        k++;
    }
    p->street_no[k] = '\0';
    size_t n = 0;
    struct folio_sv v = folio_sv_from(f), w;
    while (folio_sv_next_field(&v, ' ', &w)) {
        if (w.len == 0)
            continue;
        if (folio_sv_eq_cstr(w, "apt") || folio_sv_eq_cstr(w, "unit") ||
            folio_sv_eq_cstr(w, "suite") || folio_sv_eq_cstr(w, "ste"))
            break;
        const char *t = NULL;
        for (size_t i = 0; i < FOLIO_ARRAY_LEN(abbr); i++)
            if (folio_sv_eq_cstr(w, abbr[i][0]))
                t = abbr[i][1];
        size_t tl = t ? strlen(t) : w.len;
        if (n + tl + 2 >= sizeof p->street)
            break;
        if (n)
            p->street[n++] = ' ';
        memcpy(p->street + n, t ? t : w.p, tl);
        n += tl;
    }
    p->street[n] = '\0';
}

void mpix_prepare(const struct folio_mpi_record *r, struct mpi_prep *p)
{
    memset(p, 0, sizeof *p);
    folio_mpi_fold(r->given, p->given, sizeof p->given, true);
    folio_mpi_fold(r->middle, p->middle, sizeof p->middle, false);
    folio_mpi_fold(r->family, p->family, sizeof p->family, true);
    /* previous names: fold each '|' part */
    if (!folio_str_empty(r->other_family)) {
        struct folio_sv v = folio_sv_from(r->other_family), w;
        size_t n = 0;
        while (folio_sv_next_field(&v, '|', &w)) {
            char tmp[64], part[40];
            size_t l = w.len < sizeof tmp - 1 ? w.len : sizeof tmp - 1;
            memcpy(tmp, w.p, l);
            tmp[l] = '\0';
            folio_mpi_fold(tmp, part, sizeof part, true);
            size_t pl = strlen(part);
            if (!pl || n + pl + 2 > sizeof p->other)
                continue;
            if (n)
                p->other[n++] = '|';
            memcpy(p->other + n, part, pl);
            n += pl;
            p->other[n] = '\0';
        }
    }
    folio_mpi_nickname_canonical(p->given, p->given_can, sizeof p->given_can);
    folio_mpi_nysiis(p->given_can, p->given_ph, sizeof p->given_ph);
    folio_mpi_nysiis(p->family, p->family_ph, sizeof p->family_ph);
    p->suffix = suffix_code(r->suffix);
    parse_dob(r->birth_date, p);
    if (r->sex && (r->sex[0] == 'F' || r->sex[0] == 'f'))
        p->sex = 'F';
    else if (r->sex && (r->sex[0] == 'M' || r->sex[0] == 'm'))
        p->sex = 'M';
    char d[24];
    digits_of(r->ssn, d, sizeof d);
    /* 9 digits, and not an obvious placeholder (000..., 999999999, 123456789) */
    if (strlen(d) == 9 && strncmp(d, "000", 3) != 0 && strcmp(d, "999999999") != 0 &&
        strcmp(d, "123456789") != 0 && strncmp(d + 5, "0000", 4) != 0)
        memcpy(p->ssn, d, 10);
    norm_street(r->address, p);
    digits_of(r->zip, d, sizeof d);
    if (strlen(d) >= 5) {
        memcpy(p->zip, d, 5);
        p->zip[5] = '\0';
    }
    digits_of(r->phone, d, sizeof d);
    size_t pl = strlen(d);
    if (pl >= 7) {
        const char *s = pl > 10 ? d + pl - 10 : d;
        folio_strlcpy(p->phone, s, sizeof p->phone);
    }
    if (!folio_str_empty(r->email) && strchr(r->email, '@')) {
        size_t n = 0;
        bool tag = false, dom = false;
        for (const char *e = r->email; *e && n + 1 < sizeof p->email; e++) {
            char c = *e;
            if (c >= 'A' && c <= 'Z')
                c = (char)(c + 32);
            if (c == '@') {
                dom = true;
                tag = false;
            } else if (!dom && c == '+') {
                tag = true;
            }
            if (tag || c == ' ')
                continue;
            p->email[n++] = c;
        }
        p->email[n] = '\0';
    }
}

/* ---- comparators on prepared values ---- */

/* Name similarity: EXACT, CLOSE (phonetic / JW >= 0.92 / first word), PARTIAL (JW >= 0.85),
 * DISAGREE. note set for CLOSE. */
static int name_level(const char *a, const char *b, const char *pa, const char *pb,
                      const char **note)
{
    if (!strcmp(a, b))
        return FOLIO_MPI_EXACT;
    double jw = folio_mpi_jaro_winkler(a, b);
    if (pa[0] && !strcmp(pa, pb) && jw >= 0.80) {
        *note = "sounds alike";
        return FOLIO_MPI_CLOSE;
    }
    if (jw >= 0.92) {
        *note = "spelling";
        return FOLIO_MPI_CLOSE;
    }
    if (jw >= 0.85)
        return FOLIO_MPI_PARTIAL;
    return FOLIO_MPI_DISAGREE;
}

static bool first_word_eq(const char *a, const char *b)
{
    size_t la = strcspn(a, " -"), lb = strcspn(b, " -");
    return la == lb && la >= 2 && memcmp(a, b, la) == 0 && (a[la] || b[lb]);
}

static int given_level(const struct mpi_prep *a, const struct mpi_prep *b, const char **note)
{
    if (!strcmp(a->given, b->given))
        return FOLIO_MPI_EXACT;
    if (first_word_eq(a->given, b->given)) {
        *note = "first word";
        return FOLIO_MPI_CLOSE;
    }
    if (!strcmp(a->given_can, b->given_can) || folio_mpi_nickname_match(a->given, b->given)) {
        *note = "nickname";
        return FOLIO_MPI_CLOSE;
    }
    int l = name_level(a->given, b->given, a->given_ph, b->given_ph, note);
    if (l <= FOLIO_MPI_PARTIAL && (a->given[1] == '\0' || b->given[1] == '\0') &&
        a->given[0] == b->given[0]) {
        *note = "initial";
        return FOLIO_MPI_PARTIAL;
    }
    return l;
}

/* Is word (len n) one of the parts of s split at ' ' / '-' / '|'? */
static bool has_part(const char *s, const char *w, size_t n)
{
    while (*s) {
        size_t l = strcspn(s, " -|");
        if (l == n && n >= 2 && memcmp(s, w, n) == 0)
            return true;
        s += l;
        if (*s)
            s++;
    }
    return false;
}

static bool any_part_shared(const char *a, const char *b)
{
    const char *s = a;
    while (*s) {
        size_t l = strcspn(s, " -|");
        if (has_part(b, s, l))
            return true;
        s += l;
        if (*s)
            s++;
    }
    return false;
}

static int family_level(const struct mpi_prep *a, const struct mpi_prep *b, const char **note)
{
    if (!strcmp(a->family, b->family))
        return FOLIO_MPI_EXACT;
    if ((a->other[0] && has_part(a->other, b->family, strlen(b->family))) ||
        (b->other[0] && has_part(b->other, a->family, strlen(a->family)))) {
        *note = "previous name";
        return FOLIO_MPI_CLOSE;
    }
    if ((strpbrk(a->family, " -") || strpbrk(b->family, " -")) &&
        any_part_shared(a->family, b->family)) {
        *note = "hyphen part";
        return FOLIO_MPI_CLOSE;
    }
    return name_level(a->family, b->family, a->family_ph, b->family_ph, note);
}

static int dob_level(const struct mpi_prep *a, const struct mpi_prep *b, const char **note)
{
    if (a->year == b->year && a->month == b->month && a->day == b->day)
        return FOLIO_MPI_EXACT;
    if (!a->month || !b->month || !a->day || !b->day) {
        /* partial dates: compare at the coarser precision */
        if (a->year != b->year)
            return FOLIO_MPI_DISAGREE;
        if (!a->month || !b->month || a->month == b->month)
            return FOLIO_MPI_PARTIAL;
        return FOLIO_MPI_DISAGREE;
    }
    if (a->year == b->year && a->month == b->day && a->day == b->month) {
        *note = "day/month swapped";
        return FOLIO_MPI_CLOSE;
    }
    char x[9], y[9];
    folio_snprintf(x, sizeof x, "%04d%02d%02d", a->year, a->month, a->day);
    folio_snprintf(y, sizeof y, "%04d%02d%02d", b->year, b->month, b->day);
    int diff = 0, first = -1, last = -1;
    for (int i = 0; i < 8; i++)
        if (x[i] != y[i]) {
            diff++;
            if (first < 0)
                first = i;
            last = i;
        }
    if (diff == 1) {
        *note = "one digit";
        return FOLIO_MPI_CLOSE;
    }
    if (diff == 2 && last == first + 1 && x[first] == y[last] && x[last] == y[first]) {
        *note = "digits transposed";
        return FOLIO_MPI_CLOSE;
    }
    if (a->month == b->month && a->day == b->day) {
        int dy = a->year > b->year ? a->year - b->year : b->year - a->year;
        if (dy == 1 || dy == 10 || dy == 100) {
            *note = "year off";
            return FOLIO_MPI_CLOSE;
        }
    }
    if (a->year == b->year && a->month == b->month)
        return FOLIO_MPI_PARTIAL;
    return FOLIO_MPI_DISAGREE;
}

bool mpix_ssn_close(const char *a, const char *b)
{
    int first = -1, last = -1;
    for (int i = 0; i < 9; i++)
        if (a[i] != b[i]) {
            if (first < 0)
                first = i;
            last = i;
        }
    return first >= 0 && last - first <= 1;
}

static int street_level(const struct mpi_prep *a, const struct mpi_prep *b)
{
    if (strcmp(a->street_no, b->street_no) != 0)
        return FOLIO_MPI_DISAGREE;
    if (!strcmp(a->street, b->street))
        return FOLIO_MPI_EXACT;
    if (folio_mpi_jaro_winkler(a->street, b->street) >= 0.90)
        return FOLIO_MPI_CLOSE;
    return FOLIO_MPI_DISAGREE;
}

static int email_level(const char *a, const char *b)
{
    if (!strcmp(a, b))
        return FOLIO_MPI_EXACT;
    size_t la = strcspn(a, "@"), lb = strcspn(b, "@");
    if (la == lb && la >= 3 && memcmp(a, b, la) == 0)
        return FOLIO_MPI_CLOSE;
    return FOLIO_MPI_DISAGREE;
}

/* Levels of every field; notes (may be NULL) gets the per-field note. */
static void levels_of(const struct mpi_prep *a, const struct mpi_prep *b, int ssn_level,
                      unsigned char *lv, const char **notes)
{
    const char *dummy[FOLIO_MPI_NFIELDS];
    if (!notes)
        notes = dummy;
    for (int f = 0; f < FOLIO_MPI_NFIELDS; f++)
        notes[f] = "";
    /* names, with the swap check */
    int g = (a->given[0] && b->given[0]) ? given_level(a, b, &notes[FOLIO_MPI_GIVEN])
                                         : FOLIO_MPI_MISSING;
    int fa = (a->family[0] && b->family[0]) ? family_level(a, b, &notes[FOLIO_MPI_FAMILY])
                                            : FOLIO_MPI_MISSING;
    if (g != FOLIO_MPI_MISSING && fa != FOLIO_MPI_MISSING && g < FOLIO_MPI_CLOSE &&
        fa < FOLIO_MPI_CLOSE) {
        const char *n1 = "", *n2 = "";
        int s1 = name_level(a->given, b->family, a->given_ph, b->family_ph, &n1);
        int s2 = name_level(a->family, b->given, a->family_ph, b->given_ph, &n2);
        if (s1 >= FOLIO_MPI_CLOSE && s2 >= FOLIO_MPI_CLOSE) {
            g = fa = FOLIO_MPI_CLOSE;
            notes[FOLIO_MPI_GIVEN] = notes[FOLIO_MPI_FAMILY] = "swapped";
        }
    }
    lv[FOLIO_MPI_GIVEN] = (unsigned char)g;
    lv[FOLIO_MPI_FAMILY] = (unsigned char)fa;
    if (a->middle[0] && b->middle[0]) {
        if (!strcmp(a->middle, b->middle))
            lv[FOLIO_MPI_MIDDLE] = FOLIO_MPI_EXACT;
        else if (a->middle[0] == b->middle[0] && (!a->middle[1] || !b->middle[1])) {
            lv[FOLIO_MPI_MIDDLE] = FOLIO_MPI_CLOSE;
            notes[FOLIO_MPI_MIDDLE] = "initial";
        } else
            lv[FOLIO_MPI_MIDDLE] = FOLIO_MPI_DISAGREE;
    } else
        lv[FOLIO_MPI_MIDDLE] = FOLIO_MPI_MISSING;
    lv[FOLIO_MPI_SUFFIX] = (a->suffix && b->suffix)
                               ? (a->suffix == b->suffix ? FOLIO_MPI_EXACT : FOLIO_MPI_DISAGREE)
                               : FOLIO_MPI_MISSING;
    lv[FOLIO_MPI_BIRTH_DATE] = (a->year && b->year)
                                   ? (unsigned char)dob_level(a, b, &notes[FOLIO_MPI_BIRTH_DATE])
                                   : FOLIO_MPI_MISSING;
    lv[FOLIO_MPI_SEX] = (a->sex && b->sex)
                            ? (a->sex == b->sex ? FOLIO_MPI_EXACT : FOLIO_MPI_DISAGREE)
                            : FOLIO_MPI_MISSING;
    if (ssn_level >= 0) {
        lv[FOLIO_MPI_SSN] = (unsigned char)ssn_level;
    } else if (a->ssn[0] && b->ssn[0]) {
        if (!strcmp(a->ssn, b->ssn))
            lv[FOLIO_MPI_SSN] = FOLIO_MPI_EXACT;
        else if (mpix_ssn_close(a->ssn, b->ssn)) {
            lv[FOLIO_MPI_SSN] = FOLIO_MPI_CLOSE;
            notes[FOLIO_MPI_SSN] = "one digit or transposed";
        } else
            lv[FOLIO_MPI_SSN] = FOLIO_MPI_DISAGREE;
    } else
        lv[FOLIO_MPI_SSN] = FOLIO_MPI_MISSING;
    lv[FOLIO_MPI_ADDRESS] = (a->street_no[0] && b->street_no[0] && a->street[0] && b->street[0])
                                ? (unsigned char)street_level(a, b)
                                : FOLIO_MPI_MISSING;
    if (a->zip[0] && b->zip[0])
        lv[FOLIO_MPI_ZIP] = !strcmp(a->zip, b->zip)           ? FOLIO_MPI_EXACT
                            : !memcmp(a->zip, b->zip, 3)      ? FOLIO_MPI_PARTIAL
                                                              : FOLIO_MPI_DISAGREE;
    else
        lv[FOLIO_MPI_ZIP] = FOLIO_MPI_MISSING;
    if (a->phone[0] && b->phone[0]) {
        size_t la = strlen(a->phone), lb = strlen(b->phone);
        if (!strcmp(a->phone, b->phone))
            lv[FOLIO_MPI_PHONE] = FOLIO_MPI_EXACT;
        else if (!strcmp(a->phone + la - 7, b->phone + lb - 7)) {
            lv[FOLIO_MPI_PHONE] = FOLIO_MPI_CLOSE;
            notes[FOLIO_MPI_PHONE] = "last 7 digits";
        } else
            lv[FOLIO_MPI_PHONE] = FOLIO_MPI_DISAGREE;
    } else
        lv[FOLIO_MPI_PHONE] = FOLIO_MPI_MISSING;
    lv[FOLIO_MPI_EMAIL] = (a->email[0] && b->email[0]) ? (unsigned char)email_level(a->email, b->email)
                                                       : FOLIO_MPI_MISSING;
}

/* Damerau-Levenshtein distance of at most one: equal, or one letter substituted, inserted,
 * deleted, or two adjacent letters transposed (one keystroke of a registration clerk). */
static bool one_keystroke(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), i = 0;
    while (i < la && i < lb && a[i] == b[i])
        i++;
    if (la == lb) {
        if (i == la)
            return true;
        if (!strcmp(a + i + 1, b + i + 1))
            return true; /* substitution */
        return i + 1 < la && a[i] == b[i + 1] && a[i + 1] == b[i] && !strcmp(a + i + 2, b + i + 2);
    }
    if (la == lb + 1)
        return !strcmp(a + i + 1, b + i); /* deletion */
    if (lb == la + 1)
        return !strcmp(a + i, b + i + 1); /* insertion */
    return false;
}

/* The given names are one person's by a rule a clerk's error explains: identical, nickname
 * table (or one canonical name), the same first word of a compound name, given/family swapped,
 * or one keystroke apart. Similar-looking different names (Margarita / Margaret, Jon / Joan
 * with another middle name) are not. */
static bool given_equivalent(const struct mpi_prep *a, const struct mpi_prep *b)
{
    if (!strcmp(a->given, b->given) || first_word_eq(a->given, b->given) ||
        !strcmp(a->given_can, b->given_can) || folio_mpi_nickname_match(a->given, b->given))
        return true;
    if (!strcmp(a->given, b->family) || !strcmp(a->family, b->given))
        return true; /* swapped (the family comparison then carries the evidence) */
    return one_keystroke(a->given, b->given);
}

unsigned mpix_rules(const unsigned char *lv, const struct mpi_prep *a, const struct mpi_prep *b)
{
    unsigned r = 0;
    int g = lv[FOLIO_MPI_GIVEN], ssn = lv[FOLIO_MPI_SSN], dob = lv[FOLIO_MPI_BIRTH_DATE];
    bool given_same = g >= FOLIO_MPI_CLOSE;
    if (lv[FOLIO_MPI_SUFFIX] == FOLIO_MPI_DISAGREE)
        r |= FOLIO_MPI_RULE_SUFFIX;
    /* twins (same birth date and family, different given name) and more generally any other
     * member of the household: a given name that disagrees outright is never linked on the
     * strength of a shared address, phone and birth date, unless the SSN is the same */
    if (ssn != FOLIO_MPI_EXACT &&
        (g == FOLIO_MPI_DISAGREE || (dob >= FOLIO_MPI_CLOSE &&
                                     lv[FOLIO_MPI_FAMILY] >= FOLIO_MPI_PARTIAL && !given_same &&
                                     g != FOLIO_MPI_MISSING)))
        r |= FOLIO_MPI_RULE_TWINS;
    /* twins with similar names (Margarita / Margaret): same family and birth date, no agreeing
     * SSN, and given names that only look alike (not identical, not nicknames, not one
     * keystroke apart), or one keystroke apart with different middle names */
    if (ssn != FOLIO_MPI_EXACT && dob >= FOLIO_MPI_CLOSE && lv[FOLIO_MPI_FAMILY] >= FOLIO_MPI_PARTIAL &&
        g >= FOLIO_MPI_CLOSE && g != FOLIO_MPI_EXACT &&
        (!given_equivalent(a, b) || lv[FOLIO_MPI_MIDDLE] == FOLIO_MPI_DISAGREE))
        r |= FOLIO_MPI_RULE_TWINS;
    if (lv[FOLIO_MPI_SEX] == FOLIO_MPI_DISAGREE && g != FOLIO_MPI_EXACT)
        r |= FOLIO_MPI_RULE_SEX_GIVEN;
    if ((dob == FOLIO_MPI_DISAGREE || dob == FOLIO_MPI_PARTIAL) && ssn != FOLIO_MPI_EXACT)
        r |= FOLIO_MPI_RULE_BIRTH_DATE;
    if (ssn == FOLIO_MPI_DISAGREE && g != FOLIO_MPI_EXACT)
        r |= FOLIO_MPI_RULE_SSN;
    return r;
}

enum folio_mpi_decision mpix_decide(const struct folio_mpi_model *m, double score, unsigned rules)
{
    if (score >= m->high)
        return rules ? FOLIO_MPI_REVIEW : FOLIO_MPI_LINK;
    if (score >= m->low)
        return FOLIO_MPI_REVIEW;
    return FOLIO_MPI_NONLINK;
}

double mpix_score_fast(const struct folio_mpi_model *m, const struct mpi_prep *a,
                      const struct mpi_prep *b, unsigned char *levels, unsigned *rules)
{
    unsigned char lv[FOLIO_MPI_NFIELDS];
    levels_of(a, b, -1, lv, NULL);
    double s = 0;
    for (int f = 0; f < FOLIO_MPI_NFIELDS; f++)
        s += m->w[f][lv[f]];
    if (levels)
        memcpy(levels, lv, sizeof lv);
    if (rules)
        *rules = mpix_rules(lv, a, b);
    return s;
}

/* Short form of one side's value for the explanation. */
static void short_form(const struct mpi_prep *p, int f, const char *ssn4, char *out, size_t cap)
{
    out[0] = '\0';
    switch (f) {
    case FOLIO_MPI_GIVEN: folio_strlcpy(out, p->given, cap); break;
    case FOLIO_MPI_MIDDLE: folio_strlcpy(out, p->middle, cap); break;
    case FOLIO_MPI_FAMILY: folio_strlcpy(out, p->family, cap); break;
    case FOLIO_MPI_SUFFIX: {
        static const char *const names[] = {"jr", "sr", "ii", "iii", "iv", "v"};
        const char *codes = "JS2345";
        const char *c = p->suffix ? strchr(codes, p->suffix) : NULL;
        if (c)
            folio_strlcpy(out, names[c - codes], cap);
        break;
    }
    case FOLIO_MPI_BIRTH_DATE:
        if (p->year && p->month && p->day)
            folio_snprintf(out, cap, "%04d-%02d-%02d", p->year, p->month, p->day);
        else if (p->year && p->month)
            folio_snprintf(out, cap, "%04d-%02d", p->year, p->month);
        else if (p->year)
            folio_snprintf(out, cap, "%04d", p->year);
        break;
    case FOLIO_MPI_SEX:
        if (p->sex)
            folio_snprintf(out, cap, "%c", p->sex);
        break;
    case FOLIO_MPI_SSN:
        if (p->ssn[0])
            folio_snprintf(out, cap, "***-**-%s", p->ssn + 5);
        else if (!folio_str_empty(ssn4))
            folio_snprintf(out, cap, "***-**-%s", ssn4);
        break;
    case FOLIO_MPI_ADDRESS:
        if (p->street_no[0] || p->street[0])
            folio_snprintf(out, cap, "%s %s", p->street_no, p->street);
        break;
    case FOLIO_MPI_ZIP: folio_strlcpy(out, p->zip, cap); break;
    case FOLIO_MPI_PHONE: folio_strlcpy(out, p->phone, cap); break;
    case FOLIO_MPI_EMAIL: folio_strlcpy(out, p->email, cap); break;
    default: break;
    }
}

void mpix_compare_prep(const struct folio_mpi_model *m, const struct mpi_prep *a,
                      const struct mpi_prep *b, int ssn_level, const char *a_ssn4,
                      const char *b_ssn4, struct folio_mpi_score *out)
{
    unsigned char lv[FOLIO_MPI_NFIELDS];
    const char *notes[FOLIO_MPI_NFIELDS];
    levels_of(a, b, ssn_level, lv, notes);
    memset(out, 0, sizeof *out);
    for (int f = 0; f < FOLIO_MPI_NFIELDS; f++) {
        struct folio_mpi_reason *r = &out->reasons[f];
        r->field = (enum folio_mpi_field)f;
        r->level = (enum folio_mpi_level)lv[f];
        r->weight = m->w[f][lv[f]];
        out->score += r->weight;
        short_form(a, f, a_ssn4, r->a, sizeof r->a);
        short_form(b, f, b_ssn4, r->b, sizeof r->b);
        folio_strlcpy(r->note, notes[f], sizeof r->note);
    }
    out->rules = mpix_rules(lv, a, b);
    out->decision = mpix_decide(m, out->score, out->rules);
}

void folio_mpi_compare(const struct folio_mpi_model *m, const struct folio_mpi_record *a,
                       const struct folio_mpi_record *b, struct folio_mpi_score *out)
{
    struct mpi_prep pa, pb;
    mpix_prepare(a, &pa);
    mpix_prepare(b, &pb);
    mpix_compare_prep(m, &pa, &pb, -1, NULL, NULL, out);
}

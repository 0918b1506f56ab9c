/* Free-text de-identification (issue 9 item 6): PHI spans of a note by rules. Detectors run in
 * order of confidence over the raw bytes (e-mail, URL, IP, alphanumeric ids, number runs, dates
 * with month names, ages over 89, addresses, names); each claims bytes that later detectors skip.
 * The spans are then sorted and overlapping ones merged. 45 CFR 164.514(b)(2)(i). */
#include "folio/base.h"
#include "folio/deid.h"

static const char *const type_names[FOLIO_DEID_NTYPES] = {
    "name",   "geographic", "date",        "phone",     "fax",     "email",
    "ssn",    "mrn",        "health_plan", "account",   "license", "vehicle",
    "device", "url",        "ip",          "biometric", "photo",   "other",
};
static const char *const type_tags[FOLIO_DEID_NTYPES] = {
    "NAME",   "GEOGRAPHIC", "DATE",        "PHONE",     "FAX",     "EMAIL",
    "SSN",    "MRN",        "HEALTH_PLAN", "ACCOUNT",   "LICENSE", "VEHICLE",
    "DEVICE", "URL",        "IP",          "BIOMETRIC", "PHOTO",   "ID",
};

const char *folio_deid_type_name(enum folio_deid_type t)
{
    return ((unsigned)t < FOLIO_DEID_NTYPES) ? type_names[t] : "unknown";
}

const char *folio_deid_type_tag(enum folio_deid_type t)
{
    return ((unsigned)t < FOLIO_DEID_NTYPES) ? type_tags[t] : "UNKNOWN";
}

bool folio_deid_type_from_name(const char *name, enum folio_deid_type *out)
{
    unsigned i;

    for (i = 0; name && i < FOLIO_DEID_NTYPES; i++) {
        if (strcmp(name, type_names[i]) == 0) {
            *out = (enum folio_deid_type)i;
            return true;
        }
    }
    return false;
}

void folio_deid_spans_release(struct folio_deid_spans *s)
{
    if (!s)
        return;
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

/* ---- context ---- */

struct ctx {
    const unsigned char *s;
    size_t len;
    unsigned char *taken; /* 1 where a span already claimed the byte */
    struct folio_deid_spans *out;
    bool nomem;
};

static unsigned at(const struct ctx *c, size_t i)
{
    return i < c->len ? c->s[i] : 0u;
}

static bool is_digit(unsigned ch)
{
    return ch >= '0' && ch <= '9';
}
static bool is_upper(unsigned ch)
{
    return ch >= 'A' && ch <= 'Z';
}
static bool is_lower(unsigned ch)
{
    return ch >= 'a' && ch <= 'z';
}
static bool is_ascii_alpha(unsigned ch)
{
    return is_upper(ch) || is_lower(ch);
}
/* Letters, counting every non-ASCII byte as part of a letter (UTF-8 names: "Piétrain"). */
static bool is_alpha(unsigned ch)
{
    return is_ascii_alpha(ch) || ch >= 0x80;
}
static bool is_alnum(unsigned ch)
{
    return is_alpha(ch) || is_digit(ch);
}
static bool is_space(unsigned ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}
static unsigned lower(unsigned ch)
{
    return is_upper(ch) ? ch - 'A' + 'a' : ch;
}

static void add_span(struct ctx *c, size_t start, size_t end, enum folio_deid_type type)
{
    struct folio_deid_spans *o = c->out;
    size_t i;

    if (start >= end || end > c->len || c->nomem)
        return;
    if (o->n == o->cap) {
        size_t ncap = o->cap ? o->cap * 2 : 32;
        struct folio_deid_span *nv = realloc(o->v, ncap * sizeof(*nv));
        if (!nv) {
            c->nomem = true;
            return;
        }
        o->v = nv;
        o->cap = ncap;
    }
    o->v[o->n].start = start;
    o->v[o->n].end = end;
    o->v[o->n].type = type;
    o->n++;
    for (i = start; i < end; i++)
        c->taken[i] = 1;
}

static bool any_taken(const struct ctx *c, size_t start, size_t end)
{
    size_t i;

    for (i = start; i < end && i < c->len; i++)
        if (c->taken[i])
            return true;
    return false;
}

/* ASCII case-insensitive: does s[i..) start with word w (and, when whole, end at a non-letter)? */
static bool word_at(const struct ctx *c, size_t i, const char *w, bool whole)
{
    size_t k;

    for (k = 0; w[k]; k++)
        if (lower(at(c, i + k)) != (unsigned char)w[k])
            return false;
    if (whole && is_alpha(at(c, i + k)))
        return false;
    if (whole && i > 0 && is_alpha(at(c, i - 1)))
        return false;
    return true;
}

static bool sv_ieq(const struct ctx *c, size_t start, size_t end, const char *w)
{
    size_t k;

    for (k = 0; start + k < end; k++)
        if (!w[k] || lower(at(c, start + k)) != (unsigned char)w[k])
            return false;
    return w[k] == '\0';
}

static bool in_words(const struct ctx *c, size_t start, size_t end, const char *const *list,
                     size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (sv_ieq(c, start, end, list[i]))
            return true;
    return false;
}

/* ---- UTF-8 validation ---- */

static bool utf8_valid(const unsigned char *s, size_t len, size_t *bad)
{
    size_t i = 0;

    while (i < len) {
        unsigned ch = s[i];
        size_t n, k;
        unsigned cp;
        if (ch == 0) {
            *bad = i;
            return false;
        }
        if (ch < 0x80) {
            i++;
            continue;
        }
        if (ch >= 0xC2 && ch <= 0xDF) {
            n = 1;
            cp = ch & 0x1Fu;
        } else if (ch >= 0xE0 && ch <= 0xEF) {
            n = 2;
            cp = ch & 0x0Fu;
        } else if (ch >= 0xF0 && ch <= 0xF4) {
            n = 3;
            cp = ch & 0x07u;
        } else {
            *bad = i;
            return false;
        }
        if (n >= len - i) {
            *bad = i;
            return false;
        }
        for (k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0u) != 0x80u) {
                *bad = i;
                return false;
            }
            cp = (cp << 6) | (s[i + k] & 0x3Fu);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF)) {
            *bad = i;
            return false;
        }
        i += n + 1;
    }
    return true;
}

/* ---- labels before a number: which identifier the note says it is ---- */

struct label {
    const char *word;
    enum folio_deid_type type;
};

static const struct label labels[] = {
    {"mrn", FOLIO_DEID_MRN},
    {"medical record", FOLIO_DEID_MRN},
    {"record number", FOLIO_DEID_MRN},
    {"record no", FOLIO_DEID_MRN},
    {"chart", FOLIO_DEID_MRN},
    {"patient id", FOLIO_DEID_MRN},
    {"unit no", FOLIO_DEID_MRN},
    {"account", FOLIO_DEID_ACCOUNT},
    {"acct", FOLIO_DEID_ACCOUNT},
    {"card", FOLIO_DEID_ACCOUNT},
    {"iban", FOLIO_DEID_ACCOUNT},
    {"policy", FOLIO_DEID_HEALTH_PLAN},
    {"member", FOLIO_DEID_HEALTH_PLAN},
    {"subscriber", FOLIO_DEID_HEALTH_PLAN},
    {"beneficiary", FOLIO_DEID_HEALTH_PLAN},
    {"medicaid", FOLIO_DEID_HEALTH_PLAN},
    {"medicare", FOLIO_DEID_HEALTH_PLAN},
    {"insurance", FOLIO_DEID_HEALTH_PLAN},
    {"health plan", FOLIO_DEID_HEALTH_PLAN},
    {"group no", FOLIO_DEID_HEALTH_PLAN},
    {"licen", FOLIO_DEID_LICENSE},
    {"lic", FOLIO_DEID_LICENSE},
    {"dea", FOLIO_DEID_LICENSE},
    {"certificate", FOLIO_DEID_LICENSE},
    {"passport", FOLIO_DEID_LICENSE},
    {"serial", FOLIO_DEID_DEVICE},
    {"s/n", FOLIO_DEID_DEVICE},
    {"device", FOLIO_DEID_DEVICE},
    {"udi", FOLIO_DEID_DEVICE},
    {"implant", FOLIO_DEID_DEVICE},
    {"pacemaker", FOLIO_DEID_DEVICE},
    {"model", FOLIO_DEID_DEVICE},
    {"vin", FOLIO_DEID_VEHICLE},
    {"plate", FOLIO_DEID_VEHICLE},
    {"vehicle", FOLIO_DEID_VEHICLE},
    {"fax", FOLIO_DEID_FAX},
    {"phone", FOLIO_DEID_PHONE},
    {"tel", FOLIO_DEID_PHONE},
    {"cell", FOLIO_DEID_PHONE},
    {"mobile", FOLIO_DEID_PHONE},
    {"pager", FOLIO_DEID_PHONE},
    {"call", FOLIO_DEID_PHONE},
    {"contact", FOLIO_DEID_PHONE},
    {"ssn", FOLIO_DEID_SSN},
    {"social security", FOLIO_DEID_SSN},
    {"zip", FOLIO_DEID_GEOGRAPHIC},
    {"postal", FOLIO_DEID_GEOGRAPHIC},
};

/* The label nearest before byte i on the same line, at most 32 bytes back. */
static bool label_before(const struct ctx *c, size_t i, enum folio_deid_type *type)
{
    size_t lo = i > 32 ? i - 32 : 0, j, k;
    size_t best = 0;
    bool found = false;

    /* a label names the next number only, within its sentence */
    for (j = i; j > lo; j--)
        if (at(c, j - 1) == '\n' || at(c, j - 1) == ';' || is_digit(at(c, j - 1)) ||
            (at(c, j - 1) == '.' && (j == i || at(c, j) == ' '))) {
            lo = j;
            break;
        }
    for (j = lo; j < i; j++) {
        for (k = 0; k < FOLIO_ARRAY_LEN(labels); k++) {
            if (word_at(c, j, labels[k].word, false) && (j == 0 || !is_alpha(at(c, j - 1))) &&
                (!found || j >= best)) {
                best = j;
                *type = labels[k].type;
                found = true;
            }
        }
    }
    return found;
}

/* ---- e-mail, URL, IP ---- */

static bool email_local(unsigned ch)
{
    return is_alnum(ch) || ch == '.' || ch == '_' || ch == '%' || ch == '+' || ch == '-';
}
static bool host_ch(unsigned ch)
{
    return is_alnum(ch) || ch == '-' || ch == '.';
}

static void find_emails(struct ctx *c)
{
    size_t i;

    for (i = 1; i < c->len; i++) {
        size_t a, b;
        bool dot = false;
        if (at(c, i) != '@')
            continue;
        a = i;
        while (a > 0 && email_local(at(c, a - 1)))
            a--;
        b = i + 1;
        while (b < c->len && host_ch(at(c, b))) {
            if (at(c, b) == '.')
                dot = true;
            b++;
        }
        while (b > i + 1 && at(c, b - 1) == '.')
            b--;
        if (a < i && dot && b > i + 3)
            add_span(c, a, b, FOLIO_DEID_EMAIL);
    }
}

static const char *const tlds[] = {"com", "org", "net", "edu", "gov", "io", "info", "biz",    "us",
                                   "uk",  "de",  "fr",  "it",  "nl",  "be", "ca",   "au",     "hu",
                                   "ru",  "jp",  "cn",  "in",  "br",  "es", "se",   "no",     "fi",
                                   "dk",  "pl",  "ch",  "at",  "nz",  "ie", "mil",  "health", "co"};

static void find_urls(struct ctx *c)
{
    size_t i;

    for (i = 0; i < c->len; i++) {
        size_t b;
        if (c->taken[i] || (i > 0 && !is_space(at(c, i - 1)) && at(c, i - 1) != '(' &&
                            at(c, i - 1) != '<' && at(c, i - 1) != '"'))
            continue;
        if (word_at(c, i, "http://", false) || word_at(c, i, "https://", false) ||
            word_at(c, i, "ftp://", false) || word_at(c, i, "www.", false)) {
            b = i;
            while (b < c->len && !is_space(at(c, b)) && at(c, b) != '"' && at(c, b) != '>')
                b++;
            while (b > i && (at(c, b - 1) == '.' || at(c, b - 1) == ',' || at(c, b - 1) == ')' ||
                             at(c, b - 1) == ';' || at(c, b - 1) == '?' || at(c, b - 1) == '!'))
                b--;
            add_span(c, i, b, FOLIO_DEID_URL);
            i = b;
            continue;
        }
        /* bare domain: label(.label)+.tld, all lower case, optional path */
        if (is_lower(at(c, i)) || is_digit(at(c, i))) {
            size_t last_dot = 0, k;
            int dots = 0;
            bool upper = false;
            b = i;
            while (b < c->len && host_ch(at(c, b))) {
                if (is_upper(at(c, b)))
                    upper = true;
                if (at(c, b) == '.' && b + 1 < c->len && is_alnum(at(c, b + 1))) {
                    dots++;
                    last_dot = b;
                }
                b++;
            }
            while (b > i && at(c, b - 1) == '.')
                b--;
            if (dots == 0 || upper || last_dot < i + 2)
                continue;
            for (k = 0; k < FOLIO_ARRAY_LEN(tlds); k++)
                if (sv_ieq(c, last_dot + 1, b, tlds[k]))
                    break;
            if (k == FOLIO_ARRAY_LEN(tlds))
                continue;
            if (at(c, b) == '/')
                while (b < c->len && !is_space(at(c, b)))
                    b++;
            add_span(c, i, b, FOLIO_DEID_URL);
            i = b;
        }
    }
}

static void find_ips(struct ctx *c)
{
    size_t i;

    for (i = 0; i < c->len; i++) {
        size_t b = i, groups = 0, colons = 0, hex = 0;
        bool ok = true;
        /* not inside a run already tried: after ':' too, else a long run of colons is tried
         * from every byte (quadratic) */
        if (c->taken[i] ||
            (i > 0 && (is_alnum(at(c, i - 1)) || at(c, i - 1) == '.' || at(c, i - 1) == ':')))
            continue;
        /* IPv4 */
        if (is_digit(at(c, i))) {
            for (groups = 0; groups < 4; groups++) {
                unsigned v = 0, nd = 0;
                while (is_digit(at(c, b)) && nd < 4) {
                    v = v * 10 + (at(c, b) - '0');
                    b++;
                    nd++;
                }
                if (nd == 0 || nd > 3 || v > 255) {
                    ok = false;
                    break;
                }
                if (groups < 3) {
                    if (at(c, b) != '.') {
                        ok = false;
                        break;
                    }
                    b++;
                }
            }
            if (ok && !is_alnum(at(c, b)) && !(at(c, b) == '.' && is_digit(at(c, b + 1)))) {
                if (at(c, b) == '/' && is_digit(at(c, b + 1)))
                    for (b++; is_digit(at(c, b)); b++)
                        ;
                add_span(c, i, b, FOLIO_DEID_IP);
                i = b;
                continue;
            }
        }
        /* IPv6: hex groups and at least two colons */
        b = i;
        ok = true;
        while (b < c->len) {
            unsigned ch = lower(at(c, b));
            if (is_digit(ch) || (ch >= 'a' && ch <= 'f'))
                hex++;
            else if (ch == ':')
                colons++;
            else
                break;
            b++;
        }
        if (colons >= 2 && hex >= 3 && !is_alpha(at(c, b)) && at(c, b - 1) != ':' && b - i >= 6) {
            /* avoid times like 10:30:00 (digits only, 2-digit groups) */
            size_t k, alpha = 0;
            for (k = i; k < b; k++)
                if (is_alpha(at(c, k)))
                    alpha++;
            if (alpha > 0 || colons >= 4)
                add_span(c, i, b, FOLIO_DEID_IP);
            i = b;
        }
    }
}

/* ---- alphanumeric identifiers: A1234567, 1HGCM82633A004352, GB73DZEN2512... ---- */

static bool luhn_ok(const unsigned char *d, size_t n)
{
    unsigned sum = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned v = d[n - 1 - i];
        if (i % 2 == 1) {
            v *= 2;
            if (v > 9)
                v -= 9;
        }
        sum += v;
    }
    return sum % 10 == 0;
}

static void find_alnum_ids(struct ctx *c)
{
    size_t i = 0;

    while (i < c->len) {
        size_t b = i, digits = 0, letters = 0, uppers = 0, sd = 0, sl = 0;
        bool mixed = false;
        enum folio_deid_type type;
        if (!is_ascii_alpha(at(c, i)) && !is_digit(at(c, i))) {
            i++;
            continue;
        }
        if (i > 0 && is_alnum(at(c, i - 1))) {
            i++;
            continue;
        }
        while (b < c->len && (is_ascii_alpha(at(c, b)) || is_digit(at(c, b)) ||
                              ((at(c, b) == '-') && is_alnum(at(c, b + 1)) && b > i))) {
            if (is_digit(at(c, b))) {
                digits++;
                sd++;
            } else if (at(c, b) != '-') {
                letters++;
                sl++;
                if (is_upper(at(c, b)))
                    uppers++;
            } else {
                sd = sl = 0;
            }
            if (sd && sl)
                mixed = true;
            b++;
        }
        if (is_alpha(at(c, b))) { /* runs into a non-ASCII letter: a word */
            i = b;
            continue;
        }
        if (mixed && digits >= 4 && b - i >= 6 &&
            (uppers > 0 ||
             (label_before(c, i, &type) && type != FOLIO_DEID_PHONE && type != FOLIO_DEID_FAX)) &&
            !any_taken(c, i, b)) {
            if (label_before(c, i, &type) && type != FOLIO_DEID_PHONE && type != FOLIO_DEID_FAX &&
                type != FOLIO_DEID_GEOGRAPHIC)
                add_span(c, i, b, type);
            else if (b - i == 17 && letters >= 3)
                add_span(c, i, b, FOLIO_DEID_VEHICLE);
            else if (b - i >= 15 && is_upper(at(c, i)) && is_upper(at(c, i + 1)) &&
                     is_digit(at(c, i + 2)) && is_digit(at(c, i + 3)))
                add_span(c, i, b, FOLIO_DEID_ACCOUNT); /* IBAN */
            else
                add_span(c, i, b, FOLIO_DEID_OTHER);
        }
        i = b > i ? b : i + 1;
    }
}

/* ---- number runs: dates, SSN, phones, cards, labelled numbers, ZIP ---- */

#define MAX_GROUPS 8

struct numrun {
    size_t start, end;
    size_t ng;
    size_t glen[MAX_GROUPS];
    unsigned gval[MAX_GROUPS];
    unsigned char sep[MAX_GROUPS]; /* separator after group g (0 for the last) */
    size_t ndigits;
    bool plus, paren;
    size_t ext; /* end of a telephone extension, 0 when none */
    unsigned char digits[40];
};

static void scan_numrun(const struct ctx *c, size_t i, struct numrun *r)
{
    size_t b = i;

    memset(r, 0, sizeof(*r));
    r->start = i;
    if (at(c, b) == '+') {
        r->plus = true;
        b++;
    }
    if (at(c, b) == '(') {
        r->paren = true;
        b++;
    }
    for (;;) {
        size_t g0 = b;
        unsigned v = 0;
        while (is_digit(at(c, b))) {
            if (r->ndigits < sizeof(r->digits))
                r->digits[r->ndigits] = (unsigned char)(at(c, b) - '0');
            r->ndigits++;
            if (v < 100000000u)
                v = v * 10 + (at(c, b) - '0');
            b++;
        }
        r->glen[r->ng] = b - g0;
        r->gval[r->ng] = v;
        r->ng++;
        r->end = b;
        if (r->ng == MAX_GROUPS)
            break;
        /* separators: one of " -./", or ") " / ")" after a parenthesised area code */
        if (at(c, b) == ')' && r->paren && r->ng == 1) {
            b++;
            if (at(c, b) == ' ' || at(c, b) == '-')
                b++;
            if (!is_digit(at(c, b)))
                break;
            r->sep[r->ng - 1] = ')';
            continue;
        }
        if ((at(c, b) == ' ' || at(c, b) == '-' || at(c, b) == '.' || at(c, b) == '/') &&
            is_digit(at(c, b + 1))) {
            r->sep[r->ng - 1] = (unsigned char)at(c, b);
            b++;
            continue;
        }
        /* "+46 (0)8 928", "(898)666-3621": a parenthesised group inside the run */
        if (at(c, b) == ' ' && at(c, b + 1) == '(' && is_digit(at(c, b + 2)) && r->ng <= 2) {
            r->sep[r->ng - 1] = '(';
            r->paren = true;
            b += 2;
            continue;
        }
        if (at(c, b) == ')' && r->paren && is_digit(at(c, b + 1))) {
            r->sep[r->ng - 1] = ')';
            b++;
            continue;
        }
        break;
    }
    /* telephone extensions: x123, ext. 123 */
    if (r->ndigits >= 7) {
        size_t e = r->end;
        if (at(c, e) == ' ')
            e++;
        if (lower(at(c, e)) == 'x' && is_digit(at(c, e + 1)))
            e++;
        else if (word_at(c, e, "ext", false)) {
            e += 3;
            if (at(c, e) == '.')
                e++;
            if (at(c, e) == ' ')
                e++;
        } else
            e = r->end;
        if (e > r->end && is_digit(at(c, e))) {
            while (is_digit(at(c, e)))
                e++;
            r->ext = e;
        }
    }
    if (r->paren && r->ng == 1) { /* "(5" is not a phone */
        r->paren = false;
    }
}

static bool valid_md(unsigned m, unsigned d)
{
    return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/* Does the run (from group g) read as a numeric date? Returns the number of groups used. */
static size_t numeric_date(const struct numrun *r, size_t g)
{
    size_t n = r->ng - g;
    const size_t *L = r->glen + g;
    const unsigned *V = r->gval + g;
    const unsigned char *S = r->sep + g;

    if (n >= 3 && S[0] == S[1] && (S[0] == '/' || S[0] == '-' || S[0] == '.')) {
        if (L[0] == 4 && L[1] <= 2 && L[2] <= 2 && valid_md(V[1], V[2]))
            return 3;
        if (L[0] <= 2 && L[1] <= 2 && (L[2] == 2 || L[2] == 4) &&
            (valid_md(V[0], V[1]) || valid_md(V[1], V[0])))
            return 3;
    }
    if (n >= 2 && S[0] == '/') {
        if (L[0] <= 2 && L[1] <= 2 && valid_md(V[0], V[1]) && !(n >= 3 && S[1] == '/'))
            return 2;
        if (L[0] <= 2 && L[1] == 4 && V[0] >= 1 && V[0] <= 12 && V[1] >= 1900 && V[1] <= 2100)
            return 2;
    }
    if (n >= 2 && S[0] == '-' && L[0] == 4 && L[1] <= 2 && V[1] >= 1 && V[1] <= 12 &&
        V[0] >= 1900 && V[0] <= 2100 && n == 2)
        return 2;
    return 0;
}

/* A clock time right after a date ("2000-04-16 11:34:35", "...T10:00Z") belongs to it. */
static size_t time_after(const struct ctx *c, size_t e)
{
    size_t j = e;

    if (at(c, j) != ' ' && at(c, j) != 'T')
        return e;
    j++;
    if (!is_digit(at(c, j)))
        return e;
    while (is_digit(at(c, j)) && j - e <= 3)
        j++;
    if (at(c, j) != ':' || !is_digit(at(c, j + 1)))
        return e;
    for (;;) {
        if (at(c, j) == ':' && is_digit(at(c, j + 1)) && is_digit(at(c, j + 2))) {
            j += 3;
            continue;
        }
        if (at(c, j) == '.' && is_digit(at(c, j + 1))) {
            j++;
            while (is_digit(at(c, j)))
                j++;
            continue;
        }
        break;
    }
    if (at(c, j) == 'Z')
        j++;
    else if (word_at(c, j, " am", true) || word_at(c, j, " pm", true))
        j += 3;
    return j;
}

static size_t group_end(const struct ctx *c, const struct numrun *r, size_t g)
{
    /* byte offset of the end of group g: walk the run */
    size_t b = r->start, k = 0;

    if (at(c, b) == '+')
        b++;
    if (at(c, b) == '(')
        b++;
    for (;;) {
        while (is_digit(at(c, b)))
            b++;
        if (k == g)
            return b;
        k++;
        while (b < r->end && !is_digit(at(c, b)))
            b++;
    }
}

static const char *const units[] = {
    "mg",     "mcg",   "g",       "kg",       "lb",     "lbs",       "ml",     "l",     "cc",
    "mm",     "cm",    "m",       "units",    "unit",   "u",         "iu",     "meq",   "mmol",
    "mmhg",   "bpm",   "%",       "cells",    "copies", "platelets", "k",      "x",     "times",
    "days",   "day",   "hours",   "hrs",      "hr",     "minutes",   "min",    "weeks", "wk",
    "months", "years", "steps",   "calories", "kcal",   "patients",  "people", "beds",  "feet",
    "ft",     "miles", "dollars", "usd",
};

static bool unit_after(const struct ctx *c, size_t b)
{
    size_t e;

    while (at(c, b) == ' ')
        b++;
    if (at(c, b) == '%')
        return true;
    e = b;
    while (is_ascii_alpha(at(c, e)))
        e++;
    return e > b && in_words(c, b, e, units, FOLIO_ARRAY_LEN(units));
}

static const char *const states[] = {
    "al",       "ak",         "az",          "ar",          "ca",           "co",
    "ct",       "de",         "fl",          "ga",          "hi",           "id",
    "il",       "in",         "ia",          "ks",          "ky",           "la",
    "me",       "md",         "ma",          "mi",          "mn",           "ms",
    "mo",       "mt",         "ne",          "nv",          "nh",           "nj",
    "nm",       "ny",         "nc",          "nd",          "oh",           "ok",
    "or",       "pa",         "ri",          "sc",          "sd",           "tn",
    "tx",       "ut",         "vt",          "va",          "wa",           "wv",
    "wi",       "wy",         "dc",          "alabama",     "alaska",       "arizona",
    "arkansas", "california", "colorado",    "connecticut", "delaware",     "florida",
    "georgia",  "hawaii",     "idaho",       "illinois",    "indiana",      "iowa",
    "kansas",   "kentucky",   "louisiana",   "maine",       "maryland",     "massachusetts",
    "michigan", "minnesota",  "mississippi", "missouri",    "montana",      "nebraska",
    "nevada",   "ohio",       "oklahoma",    "oregon",      "pennsylvania", "tennessee",
    "texas",    "utah",       "vermont",     "virginia",    "washington",   "wisconsin",
    "wyoming",
};

/* The word ending just before byte i (skipping spaces, commas, newlines); *ws = its start. */
static bool word_before(const struct ctx *c, size_t i, size_t *ws, size_t *we)
{
    size_t e = i;

    while (e > 0 && (is_space(at(c, e - 1)) || at(c, e - 1) == ','))
        e--;
    *we = e;
    while (e > 0 && is_alpha(at(c, e - 1)))
        e--;
    *ws = e;
    return *ws < *we;
}

static void find_numbers(struct ctx *c)
{
    size_t i = 0;

    while (i < c->len) {
        struct numrun r;
        enum folio_deid_type lt;
        bool labelled;
        size_t used, ws, we;
        unsigned ch = at(c, i);

        if (c->taken[i] || !(is_digit(ch) || ((ch == '+' || ch == '(') && is_digit(at(c, i + 1))) ||
                             (ch == '+' && at(c, i + 1) == '(' && is_digit(at(c, i + 2))))) {
            i++;
            continue;
        }
        if (i > 0 && (is_alnum(at(c, i - 1)) || at(c, i - 1) == '.' || at(c, i - 1) == ',') &&
            is_digit(ch) && !(at(c, i - 1) == ',' && i >= 1)) {
            i++;
            continue;
        }
        scan_numrun(c, i, &r);
        if (any_taken(c, r.start, r.end) || (is_alpha(at(c, r.end)) && !r.ext)) {
            /* 21st, 3rd, 12mg... handled elsewhere or not PHI */
            i = r.end > i ? r.end : i + 1;
            continue;
        }
        labelled = label_before(c, r.start, &lt);
        /* dates first, group by group (a run may hold "03/05/2024 555-1234") */
        used = numeric_date(&r, 0);
        if (used && !(labelled && lt != FOLIO_DEID_GEOGRAPHIC && lt != FOLIO_DEID_PHONE &&
                      r.ndigits >= 8 && used == 3 && r.ng > 3)) {
            size_t e = time_after(c, group_end(c, &r, used - 1));
            add_span(c, r.start + (r.plus ? 1 : 0) + (r.paren ? 1 : 0), e, FOLIO_DEID_DATE);
            i = e;
            continue;
        }
        if (r.ng == 4 && r.sep[0] == '.' && r.sep[1] == '.' && r.sep[2] == '.') {
            i = r.end; /* an IPv4-looking run find_ips refused: version numbers */
            continue;
        }
        /* SSN: 3-2-4 */
        if (r.ng == 3 && r.glen[0] == 3 && r.glen[1] == 2 && r.glen[2] == 4 &&
            r.sep[0] == r.sep[1] && (r.sep[0] == '-' || r.sep[0] == ' ')) {
            add_span(c, r.start, r.end, FOLIO_DEID_SSN);
            i = r.end;
            continue;
        }
        if (labelled && lt == FOLIO_DEID_GEOGRAPHIC && r.ndigits >= 3 && r.ndigits <= 10 &&
            r.ng <= 2) {
            add_span(c, r.start, r.end, FOLIO_DEID_GEOGRAPHIC);
            i = r.end;
            continue;
        }
        if (labelled && r.ndigits >= 4 && lt != FOLIO_DEID_GEOGRAPHIC) {
            size_t e = r.ext ? r.ext : r.end;
            if (lt == FOLIO_DEID_SSN && r.ndigits != 9)
                lt = FOLIO_DEID_OTHER;
            add_span(c, r.start, e, lt);
            i = e;
            continue;
        }
        /* card numbers: 13-19 digits, Luhn */
        if (r.ndigits >= 13 && r.ndigits <= 19 && luhn_ok(r.digits, r.ndigits) &&
            (r.ng == 1 || r.sep[0] == ' ' || r.sep[0] == '-')) {
            add_span(c, r.start, r.end, FOLIO_DEID_ACCOUNT);
            i = r.end;
            continue;
        }
        /* phones: 7-15 digits in groups, or with + or (area) */
        if (r.ndigits >= 7 && r.ndigits <= 15 &&
            (r.ng >= 2 || r.plus || r.paren || r.ndigits == 10 || r.ndigits == 11) &&
            !(r.ng == 2 && r.sep[0] == '.') && !(r.ng == 2 && r.sep[0] == '/')) {
            size_t e = r.ext ? r.ext : r.end;
            add_span(c, r.start, e,
                     labelled && lt == FOLIO_DEID_FAX ? FOLIO_DEID_FAX : FOLIO_DEID_PHONE);
            i = e;
            continue;
        }
        /* ZIP: 5 or 5-4 digits after a state, a label, or next to a place */
        if (r.ng <= 2 && r.glen[0] == 5 && (r.ng == 1 || (r.glen[1] == 4 && r.sep[0] == '-')) &&
            !unit_after(c, r.end)) {
            bool zip = labelled && lt == FOLIO_DEID_GEOGRAPHIC;
            if (!zip && word_before(c, r.start, &ws, &we) &&
                (in_words(c, ws, we, states, FOLIO_ARRAY_LEN(states)) || is_upper(at(c, ws))))
                zip = true;
            if (!zip && r.start > 0 &&
                (c->taken[r.start - 1] || (r.start > 1 && c->taken[r.start - 2]) ||
                 (r.start > 2 && c->taken[r.start - 3])))
                zip = true;
            if (!zip && (r.start == 0 || at(c, r.start - 1) == '\n') && at(c, r.end) == ' ' &&
                is_upper(at(c, r.end + 1)))
                zip = true;
            if (zip) {
                add_span(c, r.start, r.end, FOLIO_DEID_GEOGRAPHIC);
                i = r.end;
                continue;
            }
        }
        /* long unlabelled numbers: other identifying numbers */
        if (r.ng == 1 && r.ndigits >= 6 && !unit_after(c, r.end)) {
            add_span(c, r.start, r.end, FOLIO_DEID_OTHER);
            i = r.end;
            continue;
        }
        i = r.end > i ? r.end : i + 1;
    }
}

/* ---- dates with month names; ordinals; ages over 89 ---- */

static const char *const months[] = {
    "january",   "february", "march",    "april",    "may",  "june", "july", "august",
    "september", "october",  "november", "december", "jan",  "feb",  "mar",  "apr",
    "jun",       "jul",      "aug",      "sep",      "sept", "oct",  "nov",  "dec",
};

static bool month_at(const struct ctx *c, size_t i, size_t *end)
{
    size_t e = i, k;

    if (i > 0 && is_alpha(at(c, i - 1)))
        return false;
    while (is_ascii_alpha(at(c, e)))
        e++;
    if (e == i || is_alpha(at(c, e)))
        return false;
    for (k = 0; k < FOLIO_ARRAY_LEN(months); k++)
        if (sv_ieq(c, i, e, months[k])) {
            if (k >= 12 && at(c, e) == '.')
                e++;
            *end = e;
            return true;
        }
    return false;
}

/* A day (1-31) with an optional ordinal suffix at i; *end after it. */
static bool day_at(const struct ctx *c, size_t i, size_t *end)
{
    size_t e = i;
    unsigned v = 0;

    if (i > 0 && is_alnum(at(c, i - 1)))
        return false;
    while (is_digit(at(c, e)) && e - i < 3) {
        v = v * 10 + (at(c, e) - '0');
        e++;
    }
    if (e == i || e - i > 2 || v < 1 || v > 31)
        return false;
    if (word_at(c, e, "st", false) || word_at(c, e, "nd", false) || word_at(c, e, "rd", false) ||
        word_at(c, e, "th", false))
        e += 2;
    if (is_alnum(at(c, e)))
        return false;
    *end = e;
    return true;
}

static bool year_at(const struct ctx *c, size_t i, size_t *end)
{
    size_t e = i;

    if (at(c, e) == '\'' && is_digit(at(c, e + 1)) && is_digit(at(c, e + 2)) &&
        !is_alnum(at(c, e + 3))) {
        *end = e + 3;
        return true;
    }
    while (is_digit(at(c, e)))
        e++;
    if ((e - i == 4 && (at(c, i) == '1' || at(c, i) == '2')) && !is_alnum(at(c, e))) {
        *end = e;
        return true;
    }
    return false;
}

static size_t skip_sp(const struct ctx *c, size_t i, bool comma)
{
    while (at(c, i) == ' ' || (comma && at(c, i) == ','))
        i++;
    return i;
}

static void find_month_dates(struct ctx *c)
{
    size_t i;

    for (i = 0; i < c->len; i++) {
        size_t me, e, start = i, j;
        bool may;
        if (c->taken[i])
            continue;
        if (!month_at(c, i, &me))
            continue;
        may = sv_ieq(c, i, me, "may") || sv_ieq(c, i, me, "mar") || sv_ieq(c, i, me, "jan") ||
              sv_ieq(c, i, me, "march") || sv_ieq(c, i, me, "dec");
        e = me;
        /* Month day[, year] | Month year */
        j = skip_sp(c, me, false);
        if (day_at(c, j, &e)) {
            size_t y = skip_sp(c, e, true), ye;
            if (year_at(c, y, &ye))
                e = ye;
        } else if (year_at(c, j, &e)) {
            /* month + year */
        } else {
            e = me;
        }
        /* day [of] Month: "5 Mar", "5th of March", "the 5th of March" */
        if (i >= 2) {
            size_t k = i, ds;
            while (k > 0 && at(c, k - 1) == ' ')
                k--;
            if (k >= 3 && sv_ieq(c, k - 2, k, "of") && !is_alpha(at(c, k - 3))) {
                k -= 2;
                while (k > 0 && at(c, k - 1) == ' ')
                    k--;
            }
            ds = k;
            while (ds > 0 && is_alnum(at(c, ds - 1)))
                ds--;
            if (ds < k && day_at(c, ds, &j) && j == k && !c->taken[ds]) {
                start = ds;
                if (e == me) {
                    size_t y = skip_sp(c, me, true), ye;
                    if (year_at(c, y, &ye))
                        e = ye;
                }
            }
        }
        if (start == i && e == me) {
            /* a month name alone: only full names, capitalised, not the ambiguous ones */
            if (may || me - i < 4 || !is_upper(at(c, i)) || at(c, me) == '.')
                continue;
        }
        if (!any_taken(c, start, e))
            add_span(c, start, e, FOLIO_DEID_DATE);
        i = e;
    }
}

/* "on the 5th", "the 21st" */
static void find_ordinals(struct ctx *c)
{
    size_t i;

    for (i = 0; i + 4 < c->len; i++) {
        size_t j, e;
        if (!word_at(c, i, "the", true))
            continue;
        j = skip_sp(c, i + 3, false);
        if (j == i + 3 || !is_digit(at(c, j)) || !day_at(c, j, &e) || !is_alpha(at(c, e - 1)))
            continue;
        if (!any_taken(c, j, e))
            add_span(c, j, e, FOLIO_DEID_DATE);
    }
}

static void find_old_ages(struct ctx *c)
{
    size_t i;

    for (i = 0; i < c->len; i++) {
        size_t e = i, j;
        unsigned v = 0;
        bool age = false;
        if (c->taken[i] || !is_digit(at(c, i)) || (i > 0 && is_alnum(at(c, i - 1))))
            continue;
        while (is_digit(at(c, e)) && e - i < 4) {
            v = v * 10 + (at(c, e) - '0');
            e++;
        }
        if (is_digit(at(c, e)) || v < 90 || v > 130) {
            i = e;
            continue;
        }
        j = e;
        if (at(c, j) == '-' || at(c, j) == ' ')
            j++;
        if (word_at(c, j, "year", false) || word_at(c, j, "yo", true) ||
            word_at(c, j, "y/o", false) || word_at(c, j, "y.o", false) ||
            word_at(c, j, "yr", false) || word_at(c, j, "years", true))
            age = true;
        if (!age) {
            size_t ws, we;
            if (word_before(c, i, &ws, &we) &&
                (sv_ieq(c, ws, we, "age") || sv_ieq(c, ws, we, "aged") ||
                 sv_ieq(c, ws, we, "turn") || sv_ieq(c, ws, we, "turned") ||
                 sv_ieq(c, ws, we, "turns")))
                age = true;
            if (i >= 5 && word_at(c, i - 5, "age: ", false))
                age = true;
        }
        if (age)
            add_span(c, i, e, FOLIO_DEID_DATE);
        i = e;
    }
}

/* ---- words ---- */

struct word {
    size_t start, end;
    bool cap;     /* first letter upper case */
    bool allcaps; /* every ASCII letter upper case and more than one letter */
    bool initial; /* single capital letter, possibly followed by '.' (end includes it) */
    bool sent;    /* starts a sentence or a line */
    bool taken;
    bool after_the; /* preceded by "the" / "a" / "an" */
};

static bool is_upper_utf8(const struct ctx *c, size_t i)
{
    unsigned a = at(c, i), b = at(c, i + 1);

    if (is_upper(a))
        return true;
    if (a == 0xC3 && b >= 0x80 && b <= 0x9E && b != 0x97)
        return true; /* Latin-1 capitals */
    if ((a == 0xC4 || a == 0xC5) && b >= 0x80 && b <= 0xBF) {
        /* Latin Extended-A: capitals are the even code points, except U+0139-U+0148 and
         * U+0179-U+017E where they are the odd ones */
        unsigned cp = ((a & 0x1Fu) << 6) | (b & 0x3Fu);
        if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E))
            return cp % 2 == 1;
        return cp % 2 == 0 && cp != 0x138;
    }
    if (a == 0xCE && b >= 0x91 && b <= 0xA9)
        return true; /* Greek */
    if (a == 0xD0 && b >= 0x80 && b <= 0xAF)
        return true; /* Cyrillic */
    return false;
}

static size_t collect_words(const struct ctx *c, struct word *w, size_t max)
{
    size_t i = 0, n = 0;
    bool sent = true, the = false;

    while (i < c->len && n < max) {
        unsigned ch = at(c, i);
        if (is_alpha(ch)) {
            size_t s = i, k;
            bool allcaps = true;
            size_t letters = 0;
            while (i < c->len && (is_alpha(at(c, i)) || ((at(c, i) == '\'' || at(c, i) == '-') &&
                                                         is_alpha(at(c, i + 1)) && i > s)))
                i++;
            for (k = s; k < i; k++) {
                if (is_lower(at(c, k)))
                    allcaps = false;
                if (is_ascii_alpha(at(c, k)))
                    letters++;
            }
            w[n].start = s;
            w[n].end = i;
            w[n].cap = is_upper_utf8(c, s);
            w[n].allcaps = allcaps && letters > 1;
            w[n].initial = (i - s == 1 && is_upper(at(c, s)));
            if (w[n].initial && at(c, i) == '.') {
                i++;
                w[n].end = i;
            }
            w[n].sent = sent;
            w[n].taken = any_taken(c, s, w[n].end);
            w[n].after_the = the;
            the = sv_ieq(c, s, w[n].end, "the") || sv_ieq(c, s, w[n].end, "a") ||
                  sv_ieq(c, s, w[n].end, "an");
            sent = false;
            n++;
            continue;
        }
        if (ch == '.' || ch == '!' || ch == '?' || ch == '\n' || ch == ':' || ch == ';' ||
            ch == '"' || ch == '>' || ch == '*' || ch == '-' || ch == '(' || ch == '[')
            sent = true;
        if (!is_space(ch))
            the = false;
        i++;
    }
    return n;
}

/* Common words that are capitalised in notes without being names. */
static const char *const stop_words[] = {
    "i",
    "i'm",
    "i'll",
    "i've",
    "i'd",
    "the",
    "a",
    "an",
    "this",
    "that",
    "these",
    "those",
    "my",
    "your",
    "he",
    "she",
    "they",
    "we",
    "it",
    "his",
    "her",
    "our",
    "their",
    "its",
    "can",
    "could",
    "would",
    "should",
    "will",
    "shall",
    "may",
    "might",
    "must",
    "please",
    "thanks",
    "thank",
    "hi",
    "hello",
    "dear",
    "yes",
    "no",
    "not",
    "ok",
    "okay",
    "and",
    "or",
    "but",
    "if",
    "when",
    "what",
    "where",
    "who",
    "why",
    "how",
    "which",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "do",
    "does",
    "did",
    "have",
    "has",
    "had",
    "there",
    "here",
    "then",
    "than",
    "so",
    "also",
    "as",
    "at",
    "by",
    "for",
    "from",
    "in",
    "into",
    "of",
    "on",
    "to",
    "with",
    "without",
    "after",
    "before",
    "during",
    "since",
    "until",
    "per",
    "via",
    "all",
    "any",
    "some",
    "each",
    "every",
    "none",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "first",
    "second",
    "third",
    "last",
    "next",
    "new",
    "old",
    "other",
    "same",
    "more",
    "most",
    "less",
    "very",
    "well",
    "good",
    "great",
    "bad",
    "best",
    "let",
    "let's",
    "get",
    "got",
    "see",
    "note",
    "notes",
    "bot",
    "user",
    "agent",
    "customer",
    "client",
    "hey",
    "sir",
    "madam",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "today",
    "tomorrow",
    "yesterday",
    "tonight",
    "morning",
    "evening",
    "afternoon",
    "night",
    "week",
    "month",
    "year",
    "patient",
    "patients",
    "pt",
    "doctor",
    "dr",
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "prof",
    "professor",
    "nurse",
    "rn",
    "md",
    "do",
    "np",
    "pa",
    "phd",
    "jr",
    "sr",
    "ii",
    "iii",
    "iv",
    "hospital",
    "clinic",
    "center",
    "centre",
    "medical",
    "health",
    "care",
    "department",
    "dept",
    "unit",
    "ward",
    "room",
    "floor",
    "emergency",
    "urgent",
    "intensive",
    "icu",
    "ed",
    "er",
    "or",
    "pacu",
    "cardiology",
    "neurology",
    "oncology",
    "radiology",
    "pathology",
    "surgery",
    "surgical",
    "medicine",
    "internal",
    "family",
    "pediatrics",
    "orthopedics",
    "psychiatry",
    "history",
    "hpi",
    "ros",
    "assessment",
    "plan",
    "diagnosis",
    "diagnoses",
    "medications",
    "medication",
    "meds",
    "allergies",
    "allergy",
    "nkda",
    "exam",
    "examination",
    "physical",
    "vital",
    "vitals",
    "signs",
    "chief",
    "complaint",
    "impression",
    "labs",
    "lab",
    "laboratory",
    "results",
    "result",
    "imaging",
    "follow",
    "follow-up",
    "followup",
    "discharge",
    "discharged",
    "admission",
    "admitted",
    "admit",
    "summary",
    "progress",
    "procedure",
    "procedures",
    "consult",
    "consultation",
    "social",
    "past",
    "review",
    "systems",
    "general",
    "neuro",
    "cardiac",
    "lungs",
    "lung",
    "heart",
    "abdomen",
    "extremities",
    "skin",
    "heent",
    "type",
    "diabetes",
    "hypertension",
    "mellitus",
    "disease",
    "syndrome",
    "chronic",
    "acute",
    "history:",
    "subjective",
    "objective",
    "instructions",
    "reason",
    "visit",
    "signed",
    "electronically",
    "attending",
    "resident",
    "physician",
    "provider",
    "author",
    "service",
    "condition",
    "stable",
    "improved",
    "normal",
    "negative",
    "positive",
    "denies",
    "reports",
    "continue",
    "start",
    "stop",
    "return",
    "call",
    "seen",
    "name",
    "date",
    "time",
    "address",
    "phone",
    "fax",
    "email",
    "mrn",
    "ssn",
    "dob",
    "age",
    "sex",
    "male",
    "female",
    "street",
    "st",
    "avenue",
    "ave",
    "road",
    "rd",
    "lane",
    "ln",
    "drive",
    "boulevard",
    "blvd",
    "court",
    "ct",
    "way",
    "suite",
    "apt",
    "apartment",
    "box",
    "po",
    "city",
    "state",
    "zip",
    "country",
    "county",
    "north",
    "south",
    "east",
    "west",
    "republic",
    "kingdom",
    "united",
    "states",
    "america",
    "american",
    "english",
    "spanish",
    "french",
    "german",
    "chinese",
    "polish",
    "finnish",
    "italian",
    "russian",
    "japanese",
    "indian",
    "african",
    "european",
    "asian",
    "christmas",
    "easter",
    "covid",
    "covid-19",
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "ct",
    "mri",
    "ekg",
    "ecg",
    "cbc",
    "bmp",
    "cmp",
    "iv",
    "po",
    "prn",
    "bid",
    "tid",
    "qid",
    "daily",
    "inc",
    "ltd",
    "llc",
    "corp",
    "company",
    "university",
    "college",
    "school",
    "bank",
    "church",
    "insurance",
    "medicare",
    "medicaid",
    "blue",
    "cross",
    "shield",
    "aetna",
    "cigna",
    "humana",
    "lipitor",
    "tylenol",
    "advil",
    "motrin",
    "aspirin",
    "metformin",
    "lisinopril",
    "insulin",
    "coumadin",
    "warfarin",
    "eliquis",
    "plavix",
    "zoloft",
    "prozac",
    "xanax",
    "parkinson's",
    "alzheimer's",
    "crohn's",
    "hodgkin's",
    "down",
    "cushing's",
    "graves",
    "bell's",
    "addison's",
    "hashimoto's",
    "lupus",
    "pain",
    "fever",
    "cough",
    "chest",
    "shortness",
    "breath",
    "nausea",
    "vomiting",
    "headache",
    "fatigue",
    "weakness",
    "dizziness",
    "problem",
    "problems",
    "list",
    "active",
    "inactive",
    "resolved",
    "current",
    "home",
    "outpatient",
    "inpatient",
    "office",
    "primary",
    "pcp",
    "referral",
    "referred",
    "hospital",
    "course",
    "hospital course",
    "brief",
    "hx",
    "s/p",
    "status",
    "post",
    "pre",
    "op",
    "post-op",
    "pre-op",
    "left",
    "right",
    "bilateral",
    "upper",
    "lower",
    "mild",
    "moderate",
    "severe",
    "blood",
    "pressure",
    "rate",
    "temp",
    "temperature",
    "pulse",
    "weight",
    "height",
    "bmi",
    "oxygen",
    "saturation",
    "alert",
    "oriented",
    "awake",
    "tobacco",
    "alcohol",
    "drugs",
    "married",
    "single",
    "divorced",
    "widowed",
    "lives",
    "works",
    "retired",
    "mother",
    "father",
    "brother",
    "sister",
    "son",
    "daughter",
    "wife",
    "husband",
    "spouse",
    "friend",
    "caregiver",
    "guardian",
    "mom",
    "dad",
    "pharmacy",
    "order",
    "orders",
    "bill",
    "card",
    "account",
    "payment",
    "credit",
    "debit",
    "visa",
    "mastercard",
    "amex",
    "iban",
    "ip",
    "url",
    "website",
    "web",
    "online",
    "internet",
    "app",
    "mobile",
    "cell",
    "home",
    "work",
    "email",
    "mail",
    "post",
    "www",
    "http",
    "https",
    "sincerely",
    "regards",
    "best",
    "cc",
    "re",
    "subject",
    "attn",
    "attention",
    "to:",
    "from:",
    "dear:",
    "vs",
    "etc",
    "eg",
    "ie",
    "am",
    "pm",
    "est",
    "pst",
    "utc",
    "gmt",
    "us",
    "usa",
    "uk",
    "eu",
    "un",
    "nhs",
    "fda",
    "cdc",
    "who",
    "cms",
    "hipaa",
    "hip",
    "knee",
    "x-ray",
    "xray",
    "however",
    "therefore",
    "additionally",
    "otherwise",
    "finally",
    "overall",
    "currently",
    "previously",
    "unfortunately",
    "meanwhile",
    "although",
    "because",
    "while",
    "now",
    "just",
    "still",
    "again",
    "maybe",
    "perhaps",
    "sorry",
    "welcome",
    "great",
    "sure",
    "mom",
    "ma'am",
    "god",
    "lord",
    "jesus",
    "christ",
    "internet",
    "google",
    "facebook",
    "twitter",
    "amazon",
    "apple",
    "microsoft",
    "uber",
    "netflix",
    "iphone",
    "android",
    "tv",
    "oh",
    "ah",
    "wow",
    "lol",
    "hmm",
    "spo",
    "dx",
    "tx",
    "rx",
    "sx",
    "bp",
    "hr",
    "rr",
    "spo2",
    "wbc",
    "a/p",
    "s",
    "o",
    "a",
    "p",
    "you",
    "you're",
    "you'll",
    "you've",
    "don't",
    "doesn't",
    "didn't",
    "can't",
    "won't",
    "isn't",
    "c'mon",
    "it's",
    "that's",
    "there's",
    "what's",
    "union",
    "number",
    "article",
    "business",
    "letter",
    "act",
    "law",
    "rights",
    "civil",
    "club",
    "standard",
    "public",
    "data",
    "info",
    "personal",
    "statement",
    "mission",
    "love",
    "baby",
    "kids",
    "comedy",
    "animation",
    "adventure",
    "mystery",
    "suspense",
    "discipline",
    "wisdom",
    "energetic",
    "cool",
    "killed",
    "battery",
    "southern",
    "northern",
    "eastern",
    "western",
    "day",
    "days",
    "labor",
    "royal",
    "princess",
    "prince",
    "king",
    "queen",
    "lady",
    "guilty",
    "pleasures",
    "secretly",
    "supposed",
    "weekly",
    "entertainment",
    "economic",
    "consulting",
    "transit",
    "explorer",
    "award",
    "awarded",
    "salesperson",
    "news",
    "world",
    "national",
    "international",
    "global",
    "local",
    "city",
    "town",
    "village",
    "river",
    "lake",
    "mountain",
    "island",
    "beach",
    "park",
    "film",
    "movie",
    "song",
    "album",
    "band",
    "book",
    "novel",
    "story",
    "show",
    "series",
    "season",
    "episode",
    "game",
    "team",
    "league",
    "cup",
    "war",
    "peace",
    "life",
    "death",
    "home",
    "house",
    "office",
    "school",
    "church",
    "free",
    "happy",
    "birthday",
    "holiday",
    "christmas",
    "thanksgiving",
    "halloween",
    "easter",
    "father's",
    "mother's",
    "independence",
    "memorial",
    "veterans",
    "czech",
    "swiss",
    "dutch",
    "greek",
    "turkish",
    "swedish",
    "danish",
    "norwegian",
    "irish",
    "scottish",
    "welsh",
    "british",
    "canadian",
    "mexican",
    "brazilian",
    "korean",
    "vietnamese",
    "arabic",
    "hebrew",
    "latin",
    "hindu",
    "muslim",
    "jewish",
    "catholic",
    "protestant",
    "buddhist",
    "islamic",
    "hobbits",
    "ceos",
    "ceo",
    "cfo",
    "cto",
    "vp",
    "president",
    "director",
    "manager",
    "chairman",
    "secretary",
    "minister",
    "senator",
    "governor",
    "mayor",
    "officer",
    "sergeant",
    "captain",
    "general",
    "chief",
    "inject",
    "select",
};

/* Clinical words written with capitals in notes (diagnoses, drugs, services). */
static const char *const clinical_words[] = {
    "artery",       "coronary",     "atrial",        "fibrillation", "flutter",
    "failure",      "dyspnea",      "exertion",      "pleural",      "effusion",
    "effusions",    "pneumonia",    "sepsis",        "stroke",       "infarction",
    "myocardial",   "embolism",     "pulmonary",     "thrombosis",   "deep",
    "vein",         "renal",        "kidney",        "liver",        "hepatic",
    "cirrhosis",    "gout",         "benign",        "prostatic",    "obstructive",
    "sleep",        "apnea",        "asthma",        "copd",         "chf",
    "cad",          "afib",         "hfref",         "hfpef",        "ckd",
    "esrd",         "dm",           "htn",           "hld",          "gerd",
    "arthritis",    "rheumatoid",   "depression",    "anxiety",      "bipolar",
    "dementia",     "delirium",     "seizure",       "seizures",     "epilepsy",
    "migraine",     "cancer",       "tumor",         "mass",         "nodule",
    "fracture",     "fall",         "syncope",       "abdominal",    "back",
    "full",         "code",         "dnr",           "dni",          "comfort",
    "hospice",      "palliative",   "hospitalist",   "therapy",      "occupational",
    "speech",       "work",         "case",          "management",   "nutrition",
    "lasix",        "eliquis",      "xarelto",       "heparin",      "lovenox",
    "cipro",        "keflex",       "augmentin",     "zosyn",        "dilaudid",
    "ativan",       "haldol",       "seroquel",      "protonix",     "zofran",
    "troponin",     "echo",         "cath",          "stent",        "cabg",
    "pci",          "dialysis",     "intubation",    "ventilator",   "bipap",
    "cpap",         "retired",      "former",        "smoker",       "diuresis",
    "team",         "ultrasound",   "scan",          "biopsy",       "diabetic",
    "ketoacidosis", "hypotension",  "tachycardia",   "bradycardia",  "hypoxia",
    "respiratory",  "distress",     "insufficiency", "ulcer",        "wound",
    "injury",       "trauma",       "withdrawal",    "overdose",     "sinus",
    "rhythm",       "murmur",       "edema",         "rales",        "wheezing",
    "regular",      "soft",         "tender",        "nontender",    "clear",
    "intact",       "unremarkable", "bowel",         "bladder",      "urinary",
    "tract",        "infection",    "uti",           "aki",          "dvt",
    "pe",           "mi",           "nstemi",        "stemi",        "tia",
    "cva",          "hiv",          "hcv",           "hbv",          "covid",
    "influenza",    "flu",          "rsv",           "mrsa",         "vre",
    "diff",         "clostridium",  "coumadin",      "plan:",        "acute",
    "chronic",      "hypertensive", "congestive",    "systolic",     "diastolic",
    "valve",        "aortic",       "mitral",        "stenosis",     "regurgitation",
    "hernia",       "appendicitis", "cholecystitis", "pancreatitis", "diverticulitis",
    "colitis",      "bronchitis",
    /* lab and vital sign abbreviations, places in a hospital: "Hgb 12 Plt 250", "Bed 4" */
    "hgb", "hct", "plt", "plts", "wbc", "rbc", "mcv", "bun", "cr", "creat", "na", "cl", "co2",
    "hco3", "ca", "mg", "phos", "alt", "ast", "alp", "tbili", "inr", "ptt", "bnp", "tsh", "a1c",
    "hba1c", "ldl", "hdl", "trig", "lactate", "glucose", "lipase", "albumin", "ferritin", "crp",
    "esr", "procalcitonin", "spo2", "sao2", "fio2", "peep", "rr", "hr", "bp", "temp", "gcs",
    "bed", "ward", "room", "bay", "floor", "pod", "icu", "micu", "sicu", "nicu", "picu", "pacu",
    "ed", "er", "or", "tele", "telemetry", "stepdown",
};

/* Note headings: "History of Present Illness", "New Onset ...", "Follow Up". */
static const char *const heading_words[] = {"present",    "illness", "onset",  "note",
                                            "notes",      "up",      "review", "systems",
                                            "assessment", "summary"};

/* Endings of clinical terms and drug names ("Hyperlipidemia", "Atorvastatin", "Nephrology"). */
static const char *const clinical_suffixes[] = {
    "itis",     "emia",    "osis",     "ectomy",     "plasty",   "ology",    "ologist", "pathy",
    "algia",    "oma",     "uria",     "pnea",       "plasia",   "trophy",   "scopy",   "gram",
    "graphy",   "tomy",    "otomy",    "statin",     "pril",     "sartan",   "olol",    "azole",
    "mab",      "nib",     "cillin",   "mycin",      "floxacin", "pam",      "zepam",   "azepam",
    "lam",      "tidine",  "prazole",  "triptan",    "oxetine",  "afil",     "parin",   "xaban",
    "gatran",   "dipine",  "thiazide", "semide",     "sone",     "olone",    "asone",   "cycline",
    "vir",      "ivir",    "mide",     "done",       "codone",   "morphone", "fen",     "profen",
    "amine",    "idine",   "iasis",    "ism",        "emia",     "lysis",    "megaly",  "penia",
    "cytosis",  "rrhea",   "rrhage",   "sclerosis",  "ectasis",  "plegia",   "paresis", "spasm",
    "stasis",   "trophy",  "centesis", "ostomy",     "scope",    "phylaxis", "tension", "cardia",
    "glycemia", "kalemia", "natremia", "thyroidism",
};

/* Verbs that follow a person's name at the start of a sentence ("Roxanne is very reliable"). */
static const char *const person_verbs[] = {
    "is",       "was",       "has",     "had",      "said",     "says",     "shouted",   "spent",
    "lives",    "lived",     "reports", "reported", "states",   "stated",   "denies",    "denied",
    "presents", "presented", "returns", "returned", "called",   "told",     "asked",     "went",
    "came",     "works",     "worked",  "will",     "would",    "can",      "could",     "wants",
    "wanted",   "thinks",    "knows",   "likes",    "loves",    "feels",    "felt",      "notes",
    "noted",    "complains", "agrees",  "agreed",   "declined", "declines", "tolerated", "arrived",
    "arrives",  "became",    "became",  "gave",     "got",      "did",      "does",      "moved",
    "left",     "needs",     "needed",  "'s",       "and",      "wrote",    "writes",    "met",
    "took",     "takes",     "tried",   "began",    "begins",   "started",  "joined",    "married",
    "died",     "was",       "remains", "remained",
};

/* Countries and nationalities are not Safe Harbor identifiers (smaller than a state only). */
static const char *const countries[] = {
    "afghanistan", "albania",     "algeria", "argentina",   "armenia",  "australia",   "austria",
    "bangladesh",  "belgium",     "bolivia", "brazil",      "bulgaria", "canada",      "chile",
    "china",       "colombia",    "croatia", "cuba",        "cyprus",   "czechia",     "denmark",
    "ecuador",     "egypt",       "england", "estonia",     "ethiopia", "finland",     "france",
    "germany",     "ghana",       "greece",  "greenland",   "hungary",  "iceland",     "india",
    "indonesia",   "iran",        "iraq",    "ireland",     "israel",   "italy",       "jamaica",
    "japan",       "jordan",      "kenya",   "korea",       "latvia",   "lebanon",     "lithuania",
    "luxembourg",  "malaysia",    "mexico",  "morocco",     "nepal",    "netherlands", "nigeria",
    "norway",      "pakistan",    "peru",    "philippines", "poland",   "portugal",    "romania",
    "russia",      "scotland",    "serbia",  "singapore",   "slovakia", "slovenia",    "spain",
    "sweden",      "switzerland", "syria",   "taiwan",      "thailand", "turkey",      "ukraine",
    "uruguay",     "venezuela",   "vietnam", "wales",       "zealand",  "britain",     "europe",
    "asia",        "africa",      "usa",     "canada",
};

static bool has_suffix(const struct ctx *c, const struct word *w, const char *const *list,
                       size_t n);

static bool is_stop(const struct ctx *c, const struct word *w)
{
    return in_words(c, w->start, w->end, stop_words, FOLIO_ARRAY_LEN(stop_words)) ||
           in_words(c, w->start, w->end, clinical_words, FOLIO_ARRAY_LEN(clinical_words)) ||
           in_words(c, w->start, w->end, heading_words, FOLIO_ARRAY_LEN(heading_words)) ||
           in_words(c, w->start, w->end, countries, FOLIO_ARRAY_LEN(countries)) ||
           in_words(c, w->start, w->end, states, FOLIO_ARRAY_LEN(states));
}

static bool is_country_or_state(const struct ctx *c, size_t s, size_t e)
{
    return in_words(c, s, e, countries, FOLIO_ARRAY_LEN(countries)) ||
           in_words(c, s, e, states, FOLIO_ARRAY_LEN(states)) || sv_ieq(c, s, e, "south africa") ||
           sv_ieq(c, s, e, "new zealand") || sv_ieq(c, s, e, "united states") ||
           sv_ieq(c, s, e, "united kingdom") || sv_ieq(c, s, e, "new york") ||
           sv_ieq(c, s, e, "new jersey");
}

static bool known_name(const struct ctx *c, const struct word *w)
{
    size_t len = w->end - w->start;
    return folio_deid_is_given_name((const char *)c->s + w->start, len) ||
           folio_deid_is_family_name((const char *)c->s + w->start, len);
}

static bool name_like(const struct ctx *c, const struct word *w)
{
    if (w->taken || !w->cap)
        return false;
    if (w->allcaps && !known_name(c, w))
        return false;
    if (!known_name(c, w) && w->end - w->start > 5 &&
        has_suffix(c, w, clinical_suffixes, FOLIO_ARRAY_LEN(clinical_suffixes)))
        return false;
    return !is_stop(c, w);
}

static const char *const titles[] = {"dr",    "mr",    "mrs",    "ms",        "miss",
                                     "mx",    "prof",  "doctor", "professor", "sister",
                                     "nurse", "judge", "rev"};
static const char *const name_cues[] = {
    "sincerely", "regards",    "i'm",      "im",     "directed",  "starring", "featuring",
    "name",      "physician:", "doctor",   "mrs",    "mr",        "ms",       "patient",
    "pt",        "by",         "named",    "called", "dear",      "hi",       "hello",
    "hey",       "says",       "said",     "told",   "asked",     "thanks",   "thank",
    "with",      "son",        "daughter", "wife",   "husband",   "mother",   "father",
    "brother",   "sister",     "spouse",   "cc",     "attending", "resident", "signed",
    "is",        "am",         "contact",  "and",    "per",       "pcp",      "provider",
    "physician", "nurse",      "surgeon",
};
static const char *const place_cues[] = {"in",      "from",     "near",    "at",
                                         "towards", "visiting", "resides", "lives"};
static const char *const suffixes[] = {"jr",  "sr", "ii",  "iii", "iv",  "md",
                                       "phd", "rn", "dds", "dmd", "dvm", "np"};
static const char *const particles[] = {"van", "von", "de",  "der", "den", "da",  "di",
                                        "del", "la",  "le",  "du",  "dos", "das", "bin",
                                        "al",  "el",  "ten", "ter", "st",  "dei", "della",
                                        "delle", "degli", "dal"};
static const char *const org_words[] = {
    "inc",         "ltd",        "llc",        "corp",         "corporation",   "company",
    "co",          "group",      "bank",       "university",   "college",       "school",
    "hospital",    "clinic",     "center",     "centre",       "institute",     "foundation",
    "association", "associates", "partners",   "church",       "pharmacy",      "labs",
    "systems",     "services",   "solutions",  "technologies", "international", "force",
    "army",        "orchestra",  "club",       "team",         "party",         "council",
    "agency",      "ministry",   "department", "society",      "press",         "news",
    "times",       "airlines",   "motors",     "insurance",    "health",
};

static const char *const street_words[] = {
    "street",   "st",     "avenue", "ave",      "road",  "rd",      "boulevard", "blvd",  "lane",
    "ln",       "drive",  "dr",     "court",    "ct",    "way",     "place",     "pl",    "terrace",
    "ter",      "circle", "cir",    "parkway",  "pkwy",  "highway", "hwy",       "route", "rte",
    "square",   "sq",     "trail",  "trl",      "plaza", "alley",   "row",       "path",  "pike",
    "crescent", "close",  "grove",  "gardens",  "hill",  "heights", "loop",      "run",   "walk",
    "green",    "mews",   "park",   "crossing", "ridge", "point",   "view",
};
static const char *const street_prefixes[] = {
    "rue",    "via",     "calle", "avenida", "strada", "piazza",   "chemin", "avenue", "boulevard",
    "ul",     "ulica",   "viale", "corso",   "rua",    "travessa", "plaza",  "carrer", "camino",
    "straße", "strasse", "allee", "platz",   "gate",   "vei",      "vej",
};
static const char *const street_suffixes[] = {
    "straße", "strasse", "str",    "gasse",  "weg",    "platz", "allee",  "ring",  "vej",
    "gade",   "gatan",   "vägen",  "gränd",  "katu",   "kuja",  "tie",    "polku", "laan",
    "straat", "plein",   "dreef",  "kade",   "veien",  "gata",  "utca",   "ulica", "street",
    "road",   "avenue",  "vænget", "stræde", "vegur",  "väg",   "straße", "steeg", "hof",
    "markt",  "gade",    "torget", "vollen", "bakken",
};

static bool has_suffix(const struct ctx *c, const struct word *w, const char *const *list, size_t n)
{
    size_t k;

    for (k = 0; k < n; k++) {
        size_t sl = strlen(list[k]);
        if (w->end - w->start > sl && sv_ieq(c, w->end - sl, w->end, list[k]))
            return true;
    }
    return false;
}

static bool num_word_between(const struct ctx *c, size_t a, size_t b, size_t *ns, size_t *ne)
{
    /* a run of digits (with an optional letter) strictly between a and b, separated by spaces */
    size_t i = a;

    while (i < b && (at(c, i) == ' ' || at(c, i) == ','))
        i++;
    *ns = i;
    while (i < b && is_digit(at(c, i)))
        i++;
    if (i == *ns)
        return false;
    if (i < b && is_ascii_alpha(at(c, i)) && !is_alpha(at(c, i + 1)))
        i++;
    *ne = i;
    return true;
}

/* Start of the digit groups ("450", "1987 74", "12-14") that end one space before s, else s. */
static size_t number_before(const struct ctx *c, size_t s)
{
    size_t j = s, ns = s;

    while (j >= 2 && at(c, j - 1) == ' ' && is_digit(at(c, j - 2))) {
        size_t g = j - 1;
        while (g > 0 && (is_digit(at(c, g - 1)) || at(c, g - 1) == '-'))
            g--;
        if (g > 0 && is_alnum(at(c, g - 1)))
            break;
        if (c->taken[g])
            break;
        ns = g;
        j = g;
        if (s - ns > 16)
            break;
    }
    return ns;
}

static bool is_country_or_state(const struct ctx *c, size_t s, size_t e);

/* Gap between words j-1 and j is one space. */
static bool one_space(const struct ctx *c, const struct word *w, size_t j)
{
    return w[j].start == w[j - 1].end + 1 && at(c, w[j - 1].end) == ' ';
}

static const char *const address_ends[] = {
    "with", "for", "since", "who",   "which",  "where",  "but",    "because", "when",  "until",
    "from", "on",  "near",  "after", "before", "during", "is",     "was",     "has",   "had",
    "and",  "or",  "to",    "in",    "if",     "then",   "please", "thanks",  "since", "alone",
};

/* The token [s, e) of an address block that stays: a country or state (Safe Harbor keeps
 * them, "Cyprus (Greek)" too) or "nan" (a placeholder some exports print for an empty field). */
static bool block_keeps(const struct ctx *c, size_t s, size_t e)
{
    return is_country_or_state(c, s, e) || sv_ieq(c, s, e, "nan") ||
           sv_ieq(c, s, e, "(greek)") || sv_ieq(c, s, e, "greenlander");
}

/* After the span ending at p: the rest of its address block. The lines (or comma-separated
 * parts) that follow: cities ("LAPPEENRANTA", "Porto Alegre", "Domoszló"), postal codes
 * ("64677", "53-320", "B0J 2H0"), each part's words removed except countries and states; lines
 * that are already spans ("Suite 501") are stepped over. A unit at the end of a line may be
 * followed on the same line by the city ("Apt. 678 Velenje"). The block ends at a word that is
 * not part of an address ("for", "after", "last night"), at other punctuation, or after five
 * parts. */
static void extend_one_place(struct ctx *c, size_t p)
{
    size_t parts = 0;

    while (parts < 5) {
        size_t s, e, i, ws, run = 0;
        bool nl = false, stop = false, any = false;
        if (at(c, p) == '.')
            p++;
        {
            /* same line after a unit number: "Apt. 678 Velenje", "Suite 019 CHARLEROI" */
            size_t d = p;
            while (d > 0 && is_digit(at(c, d - 1)))
                d--;
            bool unit_end = d < p && d >= 2 && at(c, d - 1) == ' ' &&
                            (sv_ieq(c, d >= 5 ? d - 5 : 0, d - 1, "apt.") ||
                             sv_ieq(c, d >= 4 ? d - 4 : 0, d - 1, "apt") ||
                             sv_ieq(c, d >= 6 ? d - 6 : 0, d - 1, "suite") ||
                             sv_ieq(c, d >= 5 ? d - 5 : 0, d - 1, "unit") ||
                             sv_ieq(c, d >= 4 ? d - 4 : 0, d - 1, "box"));
            while (at(c, p) == ' ')
                p++;
            if (at(c, p) == ',') {
                p++;
            } else if (at(c, p) == '\n' || at(c, p) == '\r') {
                nl = true;
                p++;
            } else if (!(unit_end && parts == 0 && p > 0 && at(c, p - 1) == ' ' &&
                         (is_upper_utf8(c, p) || at(c, p) >= 0x80))) {
                break;
            }
        }
        bool blank = false;
        while (at(c, p) == ' ' || at(c, p) == '>' || at(c, p) == '\t' || at(c, p) == '\r' ||
               (nl && at(c, p) == '\n') || (nl && at(c, p) == '?' && at(c, p + 1) == '?')) {
            blank = blank || at(c, p) == '\n';
            p++;
        }
        if (nl && at(c, p) == '?' && at(c, p + 1) == ' ')
            p += 2;
        if (nl && at(c, p) == ',') { /* "Artilleros\n, CO\n Uruguay 64677" */
            p++;
            while (at(c, p) == ' ')
                p++;
        }
        s = p;
        e = p;
        while (e < c->len && at(c, e) != ',' && at(c, e) != '\n' && e - s < 48)
            e++;
        while (e > s && (at(c, e - 1) == ' ' || at(c, e - 1) == '.' || at(c, e - 1) == '\r'))
            e--;
        if (e == s)
            break;
        if (any_taken(c, s, e)) {
            /* a part already removed ("Suite 501", a ZIP): step over it when it is all taken */
            bool all = true;
            for (i = s; i < e; i++)
                if (!c->taken[i] && at(c, i) != ' ')
                    all = false;
            if (!all)
                break;
            p = e;
            parts++;
            continue;
        }
        /* after a blank line only a postal code or a country line still belongs to the block
         * ("Riisa\n\n Estonia 62488"), and a lone common word never does ("Thanks") */
        {
            bool digit = false, one = true;
            for (i = s; i < e; i++) {
                if (is_digit(at(c, i)))
                    digit = true;
                if (at(c, i) == ' ')
                    one = false;
            }
            if (blank && !digit)
                break;
            if (one && (in_words(c, s, e, stop_words, FOLIO_ARRAY_LEN(stop_words)) ||
                        in_words(c, s, e, clinical_words, FOLIO_ARRAY_LEN(clinical_words)) ||
                        in_words(c, s, e, heading_words, FOLIO_ARRAY_LEN(heading_words))))
                break;
        }
        /* its tokens, one space apart */
        ws = s;
        for (i = s; i <= e; i++) {
            if (i < e && at(c, i) != ' ')
                continue;
            if (i > ws) {
                bool word_ok = true;
                for (size_t q = ws; q < i; q++)
                    if (!(is_alnum(at(c, q)) || at(c, q) == '-' || at(c, q) == '\'' ||
                          at(c, q) == '.' || at(c, q) == '(' || at(c, q) == ')'))
                        word_ok = false;
                bool lower_word = is_lower(at(c, ws));
                if (!word_ok ||
                    (lower_word && (in_words(c, ws, i, stop_words, FOLIO_ARRAY_LEN(stop_words)) ||
                                    in_words(c, ws, i, address_ends,
                                             FOLIO_ARRAY_LEN(address_ends)) ||
                                    sv_ieq(c, ws, i, "last") || sv_ieq(c, ws, i, "it") ||
                                    sv_ieq(c, ws, i, "street")))) {
                    stop = true;
                    if (run)
                        add_span(c, run - 1, ws > s && at(c, ws - 1) == ' ' ? ws - 1 : ws,
                                 FOLIO_DEID_GEOGRAPHIC);
                    run = 0;
                    break;
                }
                bool keep = block_keeps(c, ws, i);
                /* "United Kingdom", "South Africa", "New Zealand": two words */
                if (!keep && i < e) {
                    size_t j2 = i + 1;
                    while (j2 < e && at(c, j2) != ' ')
                        j2++;
                    if (is_country_or_state(c, ws, j2)) {
                        keep = true;
                        i = j2;
                    }
                }
                if (keep) {
                    if (run)
                        add_span(c, run - 1, ws > s && at(c, ws - 1) == ' ' ? ws - 1 : ws,
                                 FOLIO_DEID_GEOGRAPHIC);
                    run = 0;
                } else {
                    if (!run)
                        run = ws + 1; /* +1: 0 means "no run" */
                    any = true;
                }
            }
            ws = i + 1;
        }
        if (!stop && run)
            add_span(c, run - 1, e, FOLIO_DEID_GEOGRAPHIC);
        if (stop)
            break;
        (void)any;
        p = e;
        parts++;
    }
}

static void extend_places(struct ctx *c)
{
    size_t q, n0 = c->out->n;

    for (q = 0; q < n0; q++)
        if (c->out->v[q].type == FOLIO_DEID_GEOGRAPHIC)
            extend_one_place(c, c->out->v[q].end);
}

/* After an address cue ("lives at", "address:"), the address itself: from its first digit to
 * the end of the sentence or of the block (a blank line), at most 120 bytes. */
static const char *const address_cues[] = {
    "address:",   "address is", "addresses:", "address -",    "lives at",
    "live at",    "living at",  "resides at", "reside at",    "is at",
    "located at", "moved to",   "ship to",    "sent to",      "deliver to",
    "mail to",    "home:",      "residence:", "his address:", "her address:",
};


static void find_cued_addresses(struct ctx *c)
{
    size_t i, k;

    for (i = 0; i < c->len; i++) {
        size_t p, e, lim;
        if (i > 0 && is_alpha(at(c, i - 1)))
            continue;
        for (k = 0; k < FOLIO_ARRAY_LEN(address_cues); k++)
            if (word_at(c, i, address_cues[k], false))
                break;
        if (k == FOLIO_ARRAY_LEN(address_cues))
            continue;
        p = i + strlen(address_cues[k]);
        lim = p + 40;
        while (p < c->len && p < lim && !is_digit(at(c, p)) &&
               !(at(c, p) == '.' && (at(c, p + 1) == ' ' || at(c, p + 1) == '\0')) &&
               at(c, p) != '?' && at(c, p) != '!')
            p++;
        if (!is_digit(at(c, p)) || c->taken[p])
            continue;
        /* the address may start with the words just before its number on the same line
         * ("Hanne and ul. Stefana 28"): take them from the cue */
        {
            size_t q = i + strlen(address_cues[k]);
            while (q < p && (at(c, q) == ' ' || at(c, q) == '\n'))
                q++;
            if (q < p && p - q < 40) {
                size_t r;
                bool nl = false;
                for (r = q; r < p; r++)
                    if (at(c, r) == '\n')
                        nl = true;
                if (!nl)
                    p = q;
            }
        }
        e = p;
        lim = p + 120;
        while (e < c->len && e < lim && !c->taken[e]) {
            if (at(c, e) == '\n' && at(c, e + 1) == '\n')
                break;
            if (e > p && at(c, e - 1) == ' ' && is_lower(at(c, e))) {
                size_t we = e;
                while (is_ascii_alpha(at(c, we)))
                    we++;
                if (in_words(c, e, we, address_ends, FOLIO_ARRAY_LEN(address_ends)))
                    break;
            }
            if ((at(c, e) == '.' || at(c, e) == '?' || at(c, e) == '!' || at(c, e) == ';') &&
                (e + 1 >= c->len || is_space(at(c, e + 1))) &&
                !(e > 0 && is_upper(at(c, e - 1)) && (e < 2 || !is_alpha(at(c, e - 2)))) &&
                !(e >= 3 && (sv_ieq(c, e - 3, e, "apt") || sv_ieq(c, e - 2, e, "st") ||
                             sv_ieq(c, e - 2, e, "rd") || sv_ieq(c, e - 2, e, "ul"))))
                break;
            e++;
        }
        while (e > p && (is_space(at(c, e - 1)) || at(c, e - 1) == ','))
            e--;
        if (e > p)
            add_span(c, p, e, FOLIO_DEID_GEOGRAPHIC);
        i = e;
    }
}

/* "99449 18 McPherson Road": the number pass read the house number (and the leading
 * postal-code-like number some address formats put first) as a phone or an unlabelled number.
 * When every claimed byte of [ns, s) belongs to such spans made only of digits and spaces,
 * they become geographic and their bytes are released for the street span; nothing changes
 * when something else claims them. */
static void retype_house_number(struct ctx *c, size_t ns, size_t s)
{
    size_t q, i;
    bool any = false;
    enum folio_deid_type lt;

    if (label_before(c, ns, &lt)) /* "Call 555 1234": the note says what it is */
        return;
    for (q = 0; q < c->out->n; q++) {
        const struct folio_deid_span *sp = &c->out->v[q];
        if (sp->end <= ns || sp->start >= s)
            continue;
        if ((sp->type != FOLIO_DEID_PHONE && sp->type != FOLIO_DEID_OTHER) || sp->end > s ||
            sp->start + 20 < ns)
            return;
        for (i = sp->start; i < sp->end; i++)
            if (!is_digit(at(c, i)) && at(c, i) != ' ')
                return;
        any = true;
    }
    if (!any)
        return;
    for (q = 0; q < c->out->n; q++) {
        struct folio_deid_span *sp = &c->out->v[q];
        if (sp->end <= ns || sp->start >= s)
            continue;
        sp->type = FOLIO_DEID_GEOGRAPHIC;
        for (i = sp->start; i < sp->end; i++)
            c->taken[i] = 0; /* the street span below claims them again */
    }
}

static void find_addresses(struct ctx *c, struct word *w, size_t n)
{
    size_t k;

    for (k = 0; k < n; k++) {
        size_t s, e, j, ns, ne;
        bool suffix =
            in_words(c, w[k].start, w[k].end, street_words, FOLIO_ARRAY_LEN(street_words));
        /* "1234 Oak Hill Road [Apt 5]": number, up to 4 words, a street word */
        if (suffix && w[k].cap && k > 0) {
            size_t first = k;
            for (j = 0; j < 4 && first > 0; j++) {
                size_t g = first - 1;
                if (w[g].taken || !(w[g].cap || is_digit(at(c, w[g].end - 1))))
                    break;
                if (w[g].start < (w[g + 1].start > 12 ? w[g + 1].start - 12 : 0))
                    break;
                first = g;
            }
            /* number right before the first word */
            s = w[first].start;
            e = w[k].end;
            if (at(c, e) == '.')
                e++;
            if (first < k && s >= 2 && at(c, s - 1) == ' ' && c->taken[s - 2] &&
                is_digit(at(c, s - 2)) && !any_taken(c, s, e)) {
                size_t g = s - 2;
                while (g > 0 && s - g < 20 && (is_digit(at(c, g - 1)) || at(c, g - 1) == ' '))
                    g--;
                retype_house_number(c, g, s);
            }
            ns = number_before(c, s);
            if (ns < s && first < k) {
                if (!any_taken(c, ns, e)) {
                    size_t m;
                    add_span(c, ns, e, FOLIO_DEID_GEOGRAPHIC);
                    for (m = first; m <= k; m++)
                        w[m].taken = true;
                }
                continue;
            }
        }
        /* European: "Harjukuja 54", "Rue de Piétrain 371", "ul. Stefana 28" */
        if ((w[k].cap || number_before(c, w[k].start) < w[k].start) && !w[k].taken &&
            (has_suffix(c, &w[k], street_suffixes, FOLIO_ARRAY_LEN(street_suffixes)) ||
             in_words(c, w[k].start, w[k].end, street_prefixes, FOLIO_ARRAY_LEN(street_prefixes)) ||
             sv_ieq(c, w[k].start, w[k].end, "ul"))) {
            size_t last = k;
            for (j = k + 1; j < n && j < k + 5; j++) {
                if (w[j].taken || w[j].start > w[j - 1].end + 2)
                    break;
                if (!(w[j].cap ||
                      in_words(c, w[j].start, w[j].end, particles, FOLIO_ARRAY_LEN(particles))))
                    break;
                last = j;
            }
            e = w[last].end;
            if (num_word_between(c, e, c->len, &ns, &ne) && ns <= e + 2 &&
                !any_taken(c, w[k].start, ne)) {
                size_t m, st = w[k].start;
                if (k > 0 && one_space(c, w, k) && w[k - 1].cap && !w[k - 1].taken &&
                    !is_stop(c, &w[k - 1]))
                    st = w[k - 1].start;
                st = number_before(c, st);
                add_span(c, st, ne, FOLIO_DEID_GEOGRAPHIC);
                for (m = k; m <= last; m++)
                    w[m].taken = true;
            }
        }
        /* unit: "Apt. 864", "Suite 727", "Unit 5", "PO Box 123", "# 12" */
        if (!w[k].taken &&
            (sv_ieq(c, w[k].start, w[k].end, "apt") || sv_ieq(c, w[k].start, w[k].end, "suite") ||
             sv_ieq(c, w[k].start, w[k].end, "box") ||
             sv_ieq(c, w[k].start, w[k].end, "apartment") ||
             sv_ieq(c, w[k].start, w[k].end, "unit") || sv_ieq(c, w[k].start, w[k].end, "psc"))) {
            size_t a = w[k].end;
            if (at(c, a) == '.')
                a++;
            if (num_word_between(c, a, c->len, &ns, &ne) && ns <= a + 2 &&
                !any_taken(c, w[k].start, ne)) {
                s = w[k].start;
                if (k > 0 && sv_ieq(c, w[k].start, w[k].end, "box") &&
                    (sv_ieq(c, w[k - 1].start, w[k - 1].end, "po") ||
                     sv_ieq(c, w[k - 1].start, w[k - 1].end, "p.o")))
                    s = w[k - 1].start;
                add_span(c, s, ne, FOLIO_DEID_GEOGRAPHIC);
                w[k].taken = true;
            }
        }
    }
}

/* Digits "12", "12a", "12." ending at most 6 digits from i (ASCII digits, an optional letter
 * not followed by another letter, an optional '.'); *end after it. False when not a house number
 * (a decimal "4.5", a time "10:30", a range "12-14" or a fraction "1/2" follow). */
static bool house_number_at(const struct ctx *c, size_t i, size_t *end)
{
    size_t e = i;
    while (is_digit(at(c, e)) && e - i < 7)
        e++;
    if (e == i || e - i > 6 || is_digit(at(c, e)))
        return false;
    if (is_ascii_alpha(at(c, e)) && !is_alpha(at(c, e + 1)))
        e++;
    if ((at(c, e) == '.' || at(c, e) == ':' || at(c, e) == '/' || at(c, e) == '-') &&
        is_digit(at(c, e + 1)))
        return false;
    if (at(c, e) == '.')
        e++;
    *end = e;
    return true;
}

/* What may follow a street line: the end, a line break, a comma, the end of a sentence, or a
 * unit ("Apt. 5", "Suite 12"). strong: a unit or a line break, which only addresses have. */
static bool street_end_at(const struct ctx *c, size_t e, bool *strong)
{
    size_t p = e;
    *strong = false;
    while (at(c, p) == ' ')
        p++;
    if (p >= c->len || at(c, p) == '\n') {
        *strong = at(c, p) == '\n';
        return true;
    }
    if (at(c, p) == ',' || at(c, p) == '?' || at(c, p) == '!' || at(c, p) == ';' ||
        (at(c, e - 1) == '.' && p > e))
        return true;
    if (p > e && (word_at(c, p, "apt", true) || word_at(c, p, "apt.", false) ||
                  word_at(c, p, "suite", true) || word_at(c, p, "unit", true) ||
                  word_at(c, p, "apartment", true) || word_at(c, p, "flat", true))) {
        *strong = true;
        return true;
    }
    return false;
}

/* The next line starts with a unit ("\n Suite 501", "\n>Apt. 12"). */
static bool unit_line_after(const struct ctx *c, size_t e)
{
    size_t p = e;
    while (at(c, p) == ' ')
        p++;
    if (at(c, p) != '\n')
        return false;
    p++;
    while (at(c, p) == ' ' || at(c, p) == '>' || at(c, p) == '\t')
        p++;
    return word_at(c, p, "suite", true) || word_at(c, p, "apt", true) ||
           word_at(c, p, "unit", true) || word_at(c, p, "apartment", true);
}

/* International street lines without a street word: "20789 Allika 46", "233 Erzsébet tér 19.",
 * "0605 πεντέλης 210 apt. 999", "Brisas 6802\n Suite 084". A house number (or a leading postal
 * code), one to four words that are not clinical or common words, a number, then the end of the
 * line, a comma, a unit or the end of the sentence. Without the leading number the line must be
 * followed by a unit; a leading number of one or two digits needs a unit or a line break after
 * ("Take 2 Tylenol 500." is no address). */
static void find_number_streets(struct ctx *c, struct word *w, size_t n)
{
    size_t k;

    for (k = 0; k < n; k++) {
        size_t j, last = k, ns = 0, ne = 0, s, e, n1s, m;
        bool strong = false, has_n1 = false;
        if (w[k].taken || !(w[k].cap || at(c, w[k].start) >= 0x80) || w[k].initial ||
            is_stop(c, &w[k]) || sv_ieq(c, w[k].start, w[k].end, "suite") ||
            sv_ieq(c, w[k].start, w[k].end, "apt") || sv_ieq(c, w[k].start, w[k].end, "unit") ||
            sv_ieq(c, w[k].start, w[k].end, "box") || sv_ieq(c, w[k].start, w[k].end, "room") ||
            sv_ieq(c, w[k].start, w[k].end, "bed") || sv_ieq(c, w[k].start, w[k].end, "page"))
            continue;
        /* the words: one space apart (an abbreviation "u." may end one) */
        for (j = k;; j++) {
            size_t after = w[j].end;
            if (at(c, after) == '.')
                after++;
            if (at(c, after) == ' ' && is_digit(at(c, after + 1)) &&
                house_number_at(c, after + 1, &ne)) {
                ns = after + 1;
                last = j;
                break;
            }
            if (j + 1 >= n || j + 1 > k + 3 || w[j + 1].start != after + 1 ||
                at(c, after) != ' ' || w[j + 1].taken || is_stop(c, &w[j + 1]))
                break;
        }
        if (ns == 0 || c->taken[ns])
            continue;
        {
            /* "Via dei Fiorentini 17 street", "Hoge Wei 32 St.": a street word after it */
            size_t q = ne, we;
            if (at(c, q) == ' ' && is_ascii_alpha(at(c, q + 1))) {
                we = q + 1;
                while (is_ascii_alpha(at(c, we)))
                    we++;
                if (sv_ieq(c, q + 1, we, "street") || sv_ieq(c, q + 1, we, "st") ||
                    sv_ieq(c, q + 1, we, "avenue") || sv_ieq(c, q + 1, we, "road")) {
                    ne = we;
                    strong = true;
                }
            }
        }
        if (!strong && !street_end_at(c, ne, &strong))
            continue;
        strong = strong || unit_line_after(c, ne);
        {
            /* "lives on Pod Floriánem 1677", "drops you off at 077 Příční 1429" */
            static const char *const on_cues[] = {"lives on ", "lived on ", "is on ",
                                                  "off at ", "enter on ", "stop at "};
            for (size_t q = 0; !strong && q < FOLIO_ARRAY_LEN(on_cues); q++) {
                size_t L = strlen(on_cues[q]), st = w[k].start;
                size_t n0 = number_before(c, st);
                if (n0 < st)
                    st = n0;
                if (st >= L && word_at(c, st - L, on_cues[q], false) &&
                    (st == L || !is_alpha(at(c, st - L - 1))))
                    strong = true;
            }
        }
        /* the leading number, one space before the first word */
        s = w[k].start;
        n1s = s;
        if (s >= 2 && at(c, s - 1) == ' ' && is_digit(at(c, s - 2))) {
            n1s = s - 1;
            while (n1s > 0 && is_digit(at(c, n1s - 1)) && s - n1s < 9)
                n1s--;
            if (n1s > 0 && (is_alpha(at(c, n1s - 1)) || at(c, n1s - 1) == '.' ||
                            at(c, n1s - 1) == ',' || at(c, n1s - 1) == '-'))
                n1s = s; /* "1.5 Tablet 2", "12,5": not a house number */
            else
                has_n1 = true;
        }
        if (!has_n1 && !strong)
            continue;
        if (has_n1 && s - 1 - n1s <= 2 && !strong)
            continue;
        if (has_n1) {
            if (any_taken(c, n1s, s - 1))
                retype_house_number(c, n1s, s - 1);
            if (!any_taken(c, n1s, s - 1))
                s = n1s;
        }
        e = ne;
        if (e > ns + 1 && at(c, e - 1) == '.') /* the sentence's period stays */
            e--;
        if (any_taken(c, s, e))
            continue;
        add_span(c, s, e, FOLIO_DEID_GEOGRAPHIC);
        for (m = k; m <= last; m++)
            w[m].taken = true;
    }
}

/* Military addresses: "APO AA 66791", "FPO AE 09012", "DPO AP 70942" (the ZIP and the post). */
static void find_military_posts(struct ctx *c)
{
    size_t i;

    for (i = 0; i + 12 <= c->len; i++) {
        size_t p;
        if ((i > 0 && is_alnum(at(c, i - 1))) ||
            !(word_at(c, i, "apo ", false) || word_at(c, i, "fpo ", false) ||
              word_at(c, i, "dpo ", false)) ||
            !is_upper(at(c, i)))
            continue;
        p = i + 4;
        if (!(at(c, p) == 'A' && (at(c, p + 1) == 'A' || at(c, p + 1) == 'E' ||
                                  at(c, p + 1) == 'P') &&
              at(c, p + 2) == ' '))
            continue;
        p += 3;
        if (!(is_digit(at(c, p)) && is_digit(at(c, p + 1)) && is_digit(at(c, p + 2)) &&
              is_digit(at(c, p + 3)) && is_digit(at(c, p + 4)) && !is_alnum(at(c, p + 5))))
            continue;
        if (any_taken(c, i, p + 5)) {
            /* the number pass may have read the ZIP alone: take the rest */
            if (!any_taken(c, i, p))
                add_span(c, i, p - 1, FOLIO_DEID_GEOGRAPHIC);
            continue;
        }
        add_span(c, i, p + 5, FOLIO_DEID_GEOGRAPHIC);
    }
}

/* "the corner of Dalbraut 99 and Frederikke Coves": to the end of the sentence or line (at
 * most 100 bytes); "P.O. Box 149", "PO Box 12", "Postbox 21". */
static void find_corners_and_boxes(struct ctx *c)
{
    size_t i;

    for (i = 0; i < c->len; i++) {
        size_t p, e;
        if (i > 0 && is_alpha(at(c, i - 1)))
            continue;
        if (word_at(c, i, "corner of ", false)) {
            p = i + 10;
            e = p;
            /* "the corner of" goes with it: nothing of the place is left to read */
            size_t from = i >= 4 && word_at(c, i - 4, "the ", false) &&
                                  (i == 4 || !is_alpha(at(c, i - 5)))
                              ? i - 4
                              : i;
            while (e < c->len && e - p < 100 && at(c, e) != '\n' && at(c, e) != '?' &&
                   at(c, e) != '!' && at(c, e) != ';' &&
                   !(at(c, e) == '.' && (e + 1 >= c->len || at(c, e + 1) == '\n' ||
                                         (at(c, e + 1) == ' ' && is_upper(at(c, e + 2)) &&
                                          !(e >= 3 && (sv_ieq(c, e - 3, e, "str") ||
                                                       sv_ieq(c, e - 2, e, "st")))))))
                e++;
            while (e > p && (at(c, e - 1) == ' ' || at(c, e - 1) == ','))
                e--;
            if (e > p && !any_taken(c, from, e)) {
                add_span(c, from, e, FOLIO_DEID_GEOGRAPHIC);
                i = e;
            } else if (e > p) {
                /* parts already removed: take the rest around them */
                size_t r = from;
                while (r < e) {
                    size_t q = r;
                    while (q < e && !c->taken[q])
                        q++;
                    size_t a = r, b = q;
                    while (a < b && at(c, a) == ' ')
                        a++;
                    while (b > a && at(c, b - 1) == ' ')
                        b--;
                    if (b > a && !(b - a <= 4 && (sv_ieq(c, a, b, "and") || sv_ieq(c, a, b, "&"))))
                        add_span(c, a, b, FOLIO_DEID_GEOGRAPHIC);
                    while (q < e && c->taken[q])
                        q++;
                    r = q;
                }
                i = e;
            }
            continue;
        }
        p = 0;
        if (word_at(c, i, "p.o. box ", false))
            p = i + 9;
        else if (word_at(c, i, "po box ", false) || word_at(c, i, "p.o.box ", false))
            p = i + (at(c, i + 2) == ' ' ? 7 : 8);
        else if (word_at(c, i, "postbox ", false))
            p = i + 8;
        if (!p || !is_digit(at(c, p)))
            continue;
        e = p;
        while (is_digit(at(c, e)) && e - p < 8)
            e++;
        if (is_alnum(at(c, e)))
            continue;
        if (any_taken(c, i, e)) { /* "Box 149" or the number already taken: the rest */
            size_t q = i;
            while (q < e && !c->taken[q])
                q++;
            while (q > i && at(c, q - 1) == ' ')
                q--;
            if (q > i)
                add_span(c, i, q, FOLIO_DEID_GEOGRAPHIC);
            i = e;
            continue;
        }
        add_span(c, i, e, FOLIO_DEID_GEOGRAPHIC);
        i = e;
    }
}

/* A place named after a cue that only places follow ("flew to LEPPEN", "Where: Beerze Country
 * Club", "grew up in Shelly Park", "originally from PORT O' WARREN"): one to four capitalised
 * (or, after "where:", any) words up to a lower-case word or punctuation. Countries and states
 * stay. */
static const char *const place_only_cues[] = {
    "flew to",     "where:",       "grew up in", "originally from", "moved here from",
    "returned to", "home city",    "born in",    "lives in",        "living in",
    "live in",     "a year in",    "native of",  "hometown of",     "hometown is",
};

/* Capitalised words that end a cued place name ("flew to Kiel On Monday" in a title-cased
 * line). */
static const char *const place_stops[] = {
    "on",     "in",       "at",        "and",      "for",    "the",     "last",    "this",
    "next",   "every",    "with",      "by",       "to",     "from",    "monday",  "tuesday",
    "wednesday", "thursday", "friday", "saturday", "sunday", "today",   "yesterday", "i",
    "he",     "she",      "we",        "they",     "it",     "but",     "or",      "when",
};

static void find_cued_places(struct ctx *c)
{
    size_t i, k;

    for (i = 0; i < c->len; i++) {
        size_t p, s, e, words = 0;
        bool where;
        if (i > 0 && is_alpha(at(c, i - 1)))
            continue;
        for (k = 0; k < FOLIO_ARRAY_LEN(place_only_cues); k++)
            if (word_at(c, i, place_only_cues[k], false))
                break;
        if (k == FOLIO_ARRAY_LEN(place_only_cues))
            continue;
        where = strcmp(place_only_cues[k], "where:") == 0;
        p = i + strlen(place_only_cues[k]);
        /* after "where:", lower-case words only when "country club" follows on the line */
        bool club = false;
        for (size_t q = p; where && q < c->len && at(c, q) != '\n' && q < p + 80; q++)
            if (word_at(c, q, "country club", false))
                club = true;
        if (!where && is_alpha(at(c, p)))
            continue;
        while (at(c, p) == ' ')
            p++;
        s = p;
        e = p;
        while (words < 5) {
            size_t we = e, q;
            bool cap = is_upper_utf8(c, e) || at(c, e) >= 0x80;
            if (!is_alpha(at(c, e)))
                break;
            while (is_alpha(at(c, we)) || at(c, we) == '\'' || at(c, we) == '-')
                we++;
            if (where ? (word_at(c, e, "country club", false) || (!cap && !club)) : !cap)
                break;
            if (!where && in_words(c, e, we, place_stops, FOLIO_ARRAY_LEN(place_stops)))
                break;
            words++;
            e = we;
            q = e;
            if (at(c, q) == ' ' && at(c, q + 1) == '(') { /* "Unionville (Orange)" */
                size_t r = q + 2;
                while (is_alpha(at(c, r)) || at(c, r) == ' ')
                    r++;
                if (at(c, r) == ')' && r - q < 24)
                    e = q = r + 1;
            }
            if (at(c, q) != ' ')
                break;
            e = q + 1;
            if (!is_alpha(at(c, e))) {
                e = q;
                break;
            }
        }
        while (e > s && at(c, e - 1) == ' ')
            e--;
        if (words == 0 || e <= s || any_taken(c, s, e) || is_country_or_state(c, s, e))
            continue;
        if (where && !club && words > 3)
            continue;
        add_span(c, s, e, FOLIO_DEID_GEOGRAPHIC);
        i = e;
    }
}

/* "City, ST 12345" and "City, State": the city part (states themselves stay). */
static void find_cities(struct ctx *c, struct word *w, size_t n)
{
    size_t k;

    for (k = 1; k < n; k++) {
        size_t j, first;
        if (!in_words(c, w[k].start, w[k].end, states, FOLIO_ARRAY_LEN(states)) ||
            !(w[k].allcaps || w[k].cap))
            continue;
        if (w[k].end - w[k].start == 2 &&
            (sv_ieq(c, w[k].start, w[k].end, "md") || sv_ieq(c, w[k].start, w[k].end, "do") ||
             sv_ieq(c, w[k].start, w[k].end, "pa") || sv_ieq(c, w[k].start, w[k].end, "me") ||
             sv_ieq(c, w[k].start, w[k].end, "in") || sv_ieq(c, w[k].start, w[k].end, "or") ||
             sv_ieq(c, w[k].start, w[k].end, "ok") || sv_ieq(c, w[k].start, w[k].end, "hi") ||
             sv_ieq(c, w[k].start, w[k].end, "de") || sv_ieq(c, w[k].start, w[k].end, "ma")) &&
            !(at(c, w[k].end) == ' ' && is_digit(at(c, w[k].end + 1))))
            continue; /* credentials (MD, DO, PA) and words, unless a ZIP follows */
        j = w[k].start;
        while (j > 0 && at(c, j - 1) == ' ')
            j--;
        if (j == 0 || at(c, j - 1) != ',')
            continue;
        first = k - 1;
        if (w[first].end + 1 < j - 1 || !w[first].cap || w[first].taken)
            continue;
        while (first > 0 && first + 3 > k && w[first - 1].cap && !w[first - 1].taken &&
               w[first - 1].end + 1 == w[first].start && !is_stop(c, &w[first - 1]))
            first--;
        add_span(c, w[first].start, w[k - 1].end, FOLIO_DEID_GEOGRAPHIC);
        for (j = first; j < k; j++)
            w[j].taken = true;
    }
}

static bool prev_word_in(const struct ctx *c, const struct word *w, size_t k,
                         const char *const *list, size_t n, bool allow_dot)
{
    size_t gap;

    if (k == 0)
        return false;
    gap = w[k].start - w[k - 1].end;
    if (gap > 3)
        return false;
    if (gap > 0 && !allow_dot) {
        size_t i;
        for (i = w[k - 1].end; i < w[k].start; i++)
            if (!is_space(at(c, i)) && at(c, i) != ':' && at(c, i) != ',')
                return false;
    }
    return in_words(c, w[k - 1].start, w[k - 1].end, list, n);
}

static bool word_is(const struct ctx *c, const struct word *w, const char *const *list, size_t n)
{
    return in_words(c, w->start, w->end, list, n);
}

static void find_names(struct ctx *c, struct word *w, size_t n)
{
    size_t k = 0;

    while (k < n) {
        size_t j, last;
        bool title, given, family, cue, place, trigger, verb;
        enum folio_deid_type type = FOLIO_DEID_NAME;

        if (w[k].taken || !(w[k].cap || w[k].initial)) {
            k++;
            continue;
        }
        title = prev_word_in(c, w, k, titles, FOLIO_ARRAY_LEN(titles), true) &&
                (w[k - 1].cap || at(c, w[k - 1].end) == '.');
        given = !w[k].initial &&
                folio_deid_is_given_name((const char *)c->s + w[k].start, w[k].end - w[k].start);
        family = !w[k].initial &&
                 folio_deid_is_family_name((const char *)c->s + w[k].start, w[k].end - w[k].start);
        cue = prev_word_in(c, w, k, name_cues, FOLIO_ARRAY_LEN(name_cues), false);
        if (!cue && k > 0 && w[k].start - w[k - 1].end <= 3 &&
            (sv_ieq(c, w[k - 1].start, w[k - 1].end, "name") ||
             sv_ieq(c, w[k - 1].start, w[k - 1].end, "named") ||
             sv_ieq(c, w[k - 1].start, w[k - 1].end, "called")))
            cue = true;
        place = prev_word_in(c, w, k, place_cues, FOLIO_ARRAY_LEN(place_cues), false);
        if (w[k].initial && !title) {
            k++;
            continue;
        }
        if (place && w[k].allcaps && w[k].end - w[k].start > 2 && !is_stop(c, &w[k]) &&
            !w[k].taken) {
            add_span(c, w[k].start, w[k].end, FOLIO_DEID_GEOGRAPHIC); /* "grew up in SUND" */
            w[k].taken = true;
            k++;
            continue;
        }
        if (!title && !given && !family && !name_like(c, &w[k])) {
            k++;
            continue;
        }
        /* the chain of capitalised words, initials and particles that follows */
        last = k;
        for (j = k + 1; j < n && j < k + 5; j++) {
            if (!one_space(c, w, j) || w[j].taken)
                break;
            if (word_is(c, &w[j], particles, FOLIO_ARRAY_LEN(particles)) && j + 1 < n &&
                w[j + 1].cap)
                continue;
            if (word_is(c, &w[j], suffixes, FOLIO_ARRAY_LEN(suffixes)) && w[j].cap) {
                last = j;
                break;
            }
            if (!(w[j].initial || name_like(c, &w[j]) ||
                  folio_deid_is_family_name((const char *)c->s + w[j].start,
                                            w[j].end - w[j].start)))
                break;
            last = j;
        }
        verb = last + 1 < n && one_space(c, w, last + 1) && !w[last + 1].cap &&
               word_is(c, &w[last + 1], person_verbs, FOLIO_ARRAY_LEN(person_verbs));
        if (!verb && at(c, w[last].end) == '\'' && lower(at(c, w[last].end + 1)) == 's')
            verb = true;
        /* a speaker at the start of a line: "Ubul: What a wife.", "Koppány: \"Who...\"" */
        if (!verb && last == k && (w[k].start == 0 || at(c, w[k].start - 1) == '\n') &&
            at(c, w[k].end) == ':' && at(c, w[k].end + 1) == ' ' &&
            (at(c, w[k].end + 2) == '"' || is_upper(at(c, w[k].end + 2))))
            verb = true;
        /* a vocative or a speaker: "Leif, can I ...", "Ubul: What ..." */
        if (!verb && w[k].sent && last == k && (at(c, w[k].end) == ',') && last + 1 < n &&
            !w[last + 1].cap)
            verb = true;
        if (!verb && at(c, w[last].end) == ',' && last + 1 < n &&
            w[last + 1].start == w[last].end + 2 &&
            (sv_ieq(c, w[last + 1].start, w[last + 1].end, "md") ||
             sv_ieq(c, w[last + 1].start, w[last + 1].end, "do") ||
             sv_ieq(c, w[last + 1].start, w[last + 1].end, "rn") ||
             sv_ieq(c, w[last + 1].start, w[last + 1].end, "np") ||
             sv_ieq(c, w[last + 1].start, w[last + 1].end, "phd") ||
             sv_ieq(c, w[last + 1].start, w[last + 1].end, "dds")))
            verb = true; /* "Rasmussen, MD" */
        if (w[k].after_the && !given && !family && !title && last == k) {
            k++;
            continue;
        }
        trigger = title || given || family || cue || !w[k].sent || verb;
        if (!trigger && last == k) {
            k++;
            continue;
        }
        /* "Smith, John": a capitalised word and a comma before a given name */
        if (given && k >= 1 && !w[k - 1].taken && name_like(c, &w[k - 1]) &&
            w[k].start - w[k - 1].end == 2 && at(c, w[k - 1].end) == ',')
            k--;
        /* "Thornbury, Rosalind" as the value of a label */
        if (last == k && last + 1 < n && at(c, w[k].end) == ',' && w[k + 1].start == w[k].end + 2 &&
            name_like(c, &w[k + 1]) && k > 0 && w[k].start >= 2 && at(c, w[k].start - 2) == ':' &&
            (last + 2 >= n || !one_space(c, w, last + 2) || !w[last + 2].cap))
            last = k + 1;
        /* organisations are not PHI */
        if (last + 1 < n && word_is(c, &w[last + 1], org_words, FOLIO_ARRAY_LEN(org_words)) &&
            w[last + 1].start - w[last].end == 1 && !title) {
            k = last + 2;
            continue;
        }
        if (place && !title &&
            (!(given || family) || (last == k && k > 0 &&
                                    (sv_ieq(c, w[k - 1].start, w[k - 1].end, "in") ||
                                     sv_ieq(c, w[k - 1].start, w[k - 1].end, "near")))))
            type = FOLIO_DEID_GEOGRAPHIC;
        add_span(c, w[k].start, w[last].end, type);
        for (j = k; j <= last; j++)
            w[j].taken = true;
        k = last + 1;
    }
}

/* Strong cues take the next words whatever their case: "my name is lena andersson",
 * "call me višeslav", "Name: hyuuma t. maida", "follow up with benjamin a seiler". */
static void find_cued_names(struct ctx *c, struct word *w, size_t n)
{
    size_t k;

    for (k = 0; k + 1 < n; k++) {
        size_t first = SIZE_MAX, j, last;
        if (sv_ieq(c, w[k].start, w[k].end, "name") && at(c, w[k].end) == ':')
            first = k + 1;
        else if (k + 2 < n && sv_ieq(c, w[k].start, w[k].end, "name") &&
                 (sv_ieq(c, w[k + 1].start, w[k + 1].end, "is") ||
                  sv_ieq(c, w[k + 1].start, w[k + 1].end, "was")))
            first = k + 2;
        else if (k + 2 < n &&
                 (sv_ieq(c, w[k].start, w[k].end, "call") ||
                  sv_ieq(c, w[k].start, w[k].end, "calls") ||
                  sv_ieq(c, w[k].start, w[k].end, "called")) &&
                 sv_ieq(c, w[k + 1].start, w[k + 1].end, "me"))
            first = k + 2;
        else if (at(c, w[k].end) == '.' && word_is(c, &w[k], titles, 6) &&
                 w[k + 1].start == w[k].end + 2 && !w[k + 1].cap)
            first = k + 1; /* "mr. elliott" */
        else if (k + 3 < n && sv_ieq(c, w[k].start, w[k].end, "follow") &&
                 sv_ieq(c, w[k + 1].start, w[k + 1].end, "up") &&
                 sv_ieq(c, w[k + 2].start, w[k + 2].end, "with"))
            first = k + 3;
        if (first == SIZE_MAX || first >= n || w[first].taken || is_stop(c, &w[first]) ||
            w[first].start > w[first - 1].end + 6)
            continue;
        for (j = w[first - 1].end; j < w[first].start; j++)
            if (!is_space(at(c, j)) && at(c, j) != ':' && at(c, j) != '.')
                break;
        if (j < w[first].start)
            continue;
        last = first;
        for (j = first + 1; j < n && j < first + 3; j++) {
            size_t g;
            bool sp = true;
            for (g = w[j - 1].end; g < w[j].start; g++)
                if (at(c, g) != ' ' &&
                    !(at(c, g) == '.' && g == w[j - 1].end && w[j - 1].end - w[j - 1].start == 1))
                    sp = false; /* spaces only, or the dot of an initial: "hyuuma t. maida" */
            if (!sp || w[j].start == w[j - 1].end || w[j].taken ||
                (!w[j].initial && is_stop(c, &w[j]) && w[j].end - w[j].start > 1))
                break;
            if (!w[j].cap && !w[first].cap && w[j].end - w[j].start > 1 &&
                !folio_deid_is_family_name((const char *)c->s + w[j].start,
                                           w[j].end - w[j].start) &&
                j == first + 2 && w[first + 1].end - w[first + 1].start > 2)
                break;
            last = j;
        }
        add_span(c, w[first].start, w[last].end, FOLIO_DEID_NAME);
        for (j = first; j <= last; j++)
            w[j].taken = true;
    }
}

/* Given names that are also common words stay unless capitalised and cued. */
static const char *const ambiguous_given[] = {
    "bill",     "joy",       "grace",   "rose",     "ruby",     "april",    "dawn",   "lee",
    "jack",     "sue",       "don",     "dean",     "gene",     "glen",     "jay",    "frank",
    "robin",    "holly",     "amber",   "crystal",  "carol",    "wayne",    "victor", "earl",
    "bob",      "jo",        "ken",     "kim",      "lynn",     "ben",      "dan",    "jim",
    "tim",      "tom",       "mark",    "will",     "may",      "june",     "summer", "hope",
    "faith",    "chase",     "drew",    "miles",    "max",      "guy",      "pat",    "ray",
    "rich",     "sandy",     "ivy",     "ann",      "eve",      "jean",     "rick",   "billy",
    "mike",     "bobby",     "harry",   "terry",    "jerry",    "tony",     "ross",   "ross",
    "lawrence", "christian", "justin",  "austin",   "jordan",   "logan",    "morgan", "mason",
    "madison",  "taylor",    "grant",   "hunter",   "carter",   "cameron",  "angel",  "brandon",
    "eric",     "stanley",   "warren",  "clifford", "norma",    "norman",   "vernon", "sydney",
    "shelby",   "marion",    "louis",   "georgia",  "virginia", "carolina", "regina", "victoria",
    "savannah", "claude",    "francis", "gabriel",  "sabrina",
};

/* Lower-case names ("eva kleist lives at ..."): a listed given name that is not a common
 * word, and the lower-case word after it when that is not a common word either. */
static void find_lowercase_names(struct ctx *c, struct word *w, size_t n)
{
    size_t k;

    for (k = 0; k < n; k++) {
        size_t last = k;
        if (w[k].taken || !is_lower(at(c, w[k].start)) ||
            !folio_deid_is_given_name((const char *)c->s + w[k].start, w[k].end - w[k].start) ||
            word_is(c, &w[k], ambiguous_given, FOLIO_ARRAY_LEN(ambiguous_given)))
            continue;
        if (k + 1 < n && one_space(c, w, k + 1) && !w[k + 1].taken &&
            is_lower(at(c, w[k + 1].start)) && w[k + 1].end - w[k + 1].start == 1 && k + 2 < n &&
            !w[k + 2].taken && (w[k + 2].start - w[k + 1].end <= 2))
            last = k + 2; /* "emidio p lombardo" */
        else if (k + 1 < n && one_space(c, w, k + 1) && !w[k + 1].taken &&
                 is_lower(at(c, w[k + 1].start)) && !is_stop(c, &w[k + 1]) &&
                 !word_is(c, &w[k + 1], person_verbs, FOLIO_ARRAY_LEN(person_verbs)) &&
                 !word_is(c, &w[k + 1], address_ends, FOLIO_ARRAY_LEN(address_ends)) &&
                 w[k + 1].end - w[k + 1].start > 2)
            last = k + 1;
        if (last > k && (is_stop(c, &w[last]) ||
                         word_is(c, &w[last], person_verbs, FOLIO_ARRAY_LEN(person_verbs))))
            last = k;
        add_span(c, w[k].start, w[last].end, FOLIO_DEID_NAME);
        for (size_t j = k; j <= last; j++)
            w[j].taken = true;
        k = last;
    }
}

/* "the Petersson novel", "a Hedvig Arvidsson concert", "the frank freud version": the words
 * between an article and a work's noun name its author. */
static const char *const work_nouns[] = {
    "novel",     "version",   "concert",  "film", "album", "song",   "book",     "movie",
    "biography", "recording", "painting", "poem", "play",  "memoir", "symphony", "opera"};

static void find_work_authors(struct ctx *c, struct word *w, size_t n)
{
    size_t k, j;

    for (k = 0; k + 2 < n; k++) {
        if (!(sv_ieq(c, w[k].start, w[k].end, "the") || sv_ieq(c, w[k].start, w[k].end, "a") ||
              sv_ieq(c, w[k].start, w[k].end, "an")))
            continue;
        for (j = k + 2; j < n && j <= k + 4; j++) {
            size_t m;
            bool ok = true;
            if (!word_is(c, &w[j], work_nouns, FOLIO_ARRAY_LEN(work_nouns)))
                continue;
            for (m = k + 1; m < j; m++)
                if (w[m].taken || !one_space(c, w, m) ||
                    (is_stop(c, &w[m]) && w[m].end - w[m].start > 1))
                    ok = false;
            if (ok && one_space(c, w, j)) {
                add_span(c, w[k + 1].start, w[j - 1].end, FOLIO_DEID_NAME);
                for (m = k + 1; m < j; m++)
                    w[m].taken = true;
            }
            break;
        }
    }
}

/* Lists: "Monjeau, Graves and Reed", "Marrero and Murphy": the neighbours of a name in a list
 * of single capitalised words are names too. */
static void find_name_lists(struct ctx *c, struct word *w, size_t n)
{
    size_t pass, k;

    for (pass = 0; pass < 3; pass++) {
        for (k = 0; k < n; k++) {
            size_t nb[2] = {SIZE_MAX, SIZE_MAX}, m;
            if (w[k].taken || is_stop(c, &w[k]) || w[k].allcaps ||
                !(w[k].cap || is_lower(at(c, w[k].start))) || w[k].end - w[k].start < 3)
                continue;
            /* left neighbour: "X, " or "X and " / "X or " */
            if (k >= 1 && w[k].start == w[k - 1].end + 2 && at(c, w[k - 1].end) == ',')
                nb[0] = k - 1;
            else if (k >= 2 &&
                     (sv_ieq(c, w[k - 1].start, w[k - 1].end, "and") ||
                      sv_ieq(c, w[k - 1].start, w[k - 1].end, "or")) &&
                     one_space(c, w, k) && one_space(c, w, k - 1))
                nb[0] = k - 2;
            if (k + 1 < n && w[k + 1].start == w[k].end + 2 && at(c, w[k].end) == ',')
                nb[1] = k + 1;
            else if (k + 2 < n &&
                     (sv_ieq(c, w[k + 1].start, w[k + 1].end, "and") ||
                      sv_ieq(c, w[k + 1].start, w[k + 1].end, "or")) &&
                     one_space(c, w, k + 1) && one_space(c, w, k + 2))
                nb[1] = k + 2;
            for (m = 0; m < 2; m++) {
                size_t o = nb[m], q;
                bool is_name = false;
                if (o == SIZE_MAX || !w[o].taken)
                    continue;
                for (q = 0; q < c->out->n; q++)
                    if (c->out->v[q].type == FOLIO_DEID_NAME && c->out->v[q].start <= w[o].start &&
                        w[o].end <= c->out->v[q].end &&
                        c->out->v[q].end - c->out->v[q].start == w[o].end - w[o].start)
                        is_name = true;
                if (is_name) {
                    add_span(c, w[k].start, w[k].end, FOLIO_DEID_NAME);
                    w[k].taken = true;
                    break;
                }
            }
        }
    }
}

/* True when w[k] is a single lower- or upper-case letter other than "a"/"i", optionally with
 * its dot ("t", "t.", "G."): a middle initial. */
static bool initial_like(const struct ctx *c, const struct word *w)
{
    unsigned ch = at(c, w->start);
    size_t len = w->end - w->start;

    if (!(len == 1 || (len == 2 && at(c, w->start + 1) == '.')) || !is_ascii_alpha(ch))
        return false;
    return w->initial || (lower(ch) != 'a' && lower(ch) != 'i');
}

/* The gap between w[j-1] and w[j] is one space, or ". " after an initial. */
static bool initial_gap(const struct ctx *c, const struct word *w, size_t j)
{
    if (one_space(c, w, j))
        return true;
    return w[j].start == w[j - 1].end + 2 && at(c, w[j - 1].end) == '.' &&
           at(c, w[j - 1].end + 1) == ' ' && w[j - 1].end - w[j - 1].start == 1;
}

static bool line_start(const struct ctx *c, size_t i)
{
    while (i > 0 && (at(c, i - 1) == ' ' || at(c, i - 1) == '\t'))
        i--;
    return i == 0 || at(c, i - 1) == '\n';
}

static bool line_end(const struct ctx *c, size_t i)
{
    while (i < c->len && (at(c, i) == ' ' || at(c, i) == '\t' || at(c, i) == '\r'))
        i++;
    return i >= c->len || at(c, i) == '\n';
}

/* "emidio p lombardo", "eric g. samoylova", "leidy t muris": given, middle initial, family in
 * lower case. Strong enough alone when the three words are a line of their own (a signature,
 * a letterhead) or the first is a listed given name. */
static void find_initial_names(struct ctx *c, struct word *w, size_t n)
{
    size_t k, j;

    for (k = 0; k + 2 < n; k++) {
        bool listed;
        if (w[k].taken || w[k + 1].taken || w[k + 2].taken || w[k].end - w[k].start < 3 ||
            w[k + 2].end - w[k + 2].start < 3 || !initial_like(c, &w[k + 1]) ||
            !one_space(c, w, k + 1) || !initial_gap(c, w, k + 2) || is_stop(c, &w[k]) ||
            is_stop(c, &w[k + 2]) ||
            word_is(c, &w[k + 2], person_verbs, FOLIO_ARRAY_LEN(person_verbs)))
            continue;
        listed = folio_deid_is_given_name((const char *)c->s + w[k].start, w[k].end - w[k].start);
        if (!listed && !(line_start(c, w[k].start) && line_end(c, w[k + 2].end)))
            continue;
        add_span(c, w[k].start, w[k + 2].end, FOLIO_DEID_NAME);
        for (j = k; j <= k + 2; j++)
            w[j].taken = true;
        k += 2;
    }
}

/* Family names recognisable by their ending in any case: Czech and Slovak feminine "-ová",
 * Icelandic patronymics "-sson" and "-dóttir". A lower-case word just before one on the same
 * line ("guðgeir bergsveinsson") is its given name. */
static const char *const family_endings[] = {"ová", "sson", "dóttir", "dottir"};
static const char *const not_family_endings[] = {"lesson", "lessons", "nová", "bassoon"};

static void find_suffix_names(struct ctx *c, struct word *w, size_t n)
{
    size_t k;

    for (k = 0; k < n; k++) {
        size_t first = k;
        if (w[k].taken || w[k].end - w[k].start < 6 ||
            !has_suffix(c, &w[k], family_endings, FOLIO_ARRAY_LEN(family_endings)) ||
            word_is(c, &w[k], not_family_endings, FOLIO_ARRAY_LEN(not_family_endings)))
            continue;
        if (k > 0 && !w[k - 1].taken && one_space(c, w, k) && !is_stop(c, &w[k - 1]) &&
            w[k - 1].end - w[k - 1].start >= 3 &&
            is_lower(at(c, w[k].start)) == is_lower(at(c, w[k - 1].start)) &&
            !word_is(c, &w[k - 1], person_verbs, FOLIO_ARRAY_LEN(person_verbs)))
            first = k - 1;
        add_span(c, w[first].start, w[k].end, FOLIO_DEID_NAME);
        w[first].taken = w[k].taken = true;
    }
}

static bool in_name_span(const struct ctx *c, size_t start, size_t end)
{
    size_t q;

    for (q = 0; q < c->out->n; q++)
        if (c->out->v[q].type == FOLIO_DEID_NAME && c->out->v[q].start <= start &&
            end <= c->out->v[q].end)
            return true;
    return false;
}

/* A heading line of two to four capitalised words and particles at the very start of the note,
 * none of them a common or clinical word ("Maika van de Noort" above a résumé). */
static void find_heading_name(struct ctx *c, struct word *w, size_t n)
{
    size_t j, last = SIZE_MAX, caps = 0;

    if (n < 2 || (w[0].taken && !in_name_span(c, w[0].start, w[0].end)) || !w[0].cap ||
        !line_start(c, w[0].start))
        return;
    for (j = 0; j < n && j < 4; j++) {
        bool particle = word_is(c, &w[j], particles, FOLIO_ARRAY_LEN(particles)) && j > 0;
        if ((w[j].taken && !in_name_span(c, w[j].start, w[j].end)) ||
            (j > 0 && !one_space(c, w, j) && !initial_gap(c, w, j)) ||
            (!particle && (!w[j].cap || is_stop(c, &w[j]) || w[j].allcaps)))
            return;
        if (!particle)
            caps++;
        if (line_end(c, w[j].end)) {
            last = j;
            break;
        }
    }
    if (last == SIZE_MAX || caps < 2 || at(c, w[last].end - 1) == '.')
        return;
    add_span(c, w[0].start, w[last].end, FOLIO_DEID_NAME);
    for (j = 0; j <= last; j++)
        w[j].taken = true;
}

static bool same_letters(const struct ctx *c, size_t a, size_t b, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        if (lower(at(c, a + i)) != lower(at(c, b + i)))
            return false;
    return true;
}

/* A word found as part of a name is a name wherever else it occurs in the same note ("the
 * verses from eric g. samoylova's ... early samoylova"). Only words of 4+ letters that are
 * not common or clinical words, and only whole-word spans already typed as names. */
/* Word comparisons propagate_names may make in one note: it compares words pairwise, so a very
 * long note stops propagating once this is spent (the other rules still apply to every word). */
#define PROPAGATE_BUDGET 20000000u

static void propagate_names(struct ctx *c, struct word *w, size_t n)
{
    size_t k, m, q, nspans = c->out->n;
    size_t budget = PROPAGATE_BUDGET;

    for (k = 0; k < n && budget > n; k++) {
        bool seen = false;
        size_t klen = w[k].end - w[k].start;
        if (w[k].taken || klen < 4 || is_stop(c, &w[k]) || w[k].allcaps)
            continue;
        budget -= n;
        for (m = 0; m < n && !seen; m++) {
            size_t mlen = w[m].end - w[m].start;
            if (m == k || !w[m].taken || mlen < klen || mlen > klen + 2 ||
                !same_letters(c, w[m].start, w[k].start, klen))
                continue;
            /* the same word, or it with a possessive: "samoylova" / "samoylova's" */
            if (mlen != klen && !(at(c, w[m].start + klen) == '\'' && mlen == klen + 2))
                continue;
            /* a lower-case word takes the name only from a lower-case occurrence (the note
             * writes names in lower case) or when it is a listed name */
            if (is_lower(at(c, w[k].start)) && !is_lower(at(c, w[m].start)) &&
                !known_name(c, &w[k]))
                continue;
            for (q = 0; q < nspans; q++)
                if (c->out->v[q].type == FOLIO_DEID_NAME && c->out->v[q].start <= w[m].start &&
                    w[m].end <= c->out->v[q].end) {
                    seen = true;
                    break;
                }
        }
        if (seen) {
            add_span(c, w[k].start, w[k].end, FOLIO_DEID_NAME);
            w[k].taken = true;
        }
    }
}

/* ---- merging ---- */

static int span_cmp(const void *a, const void *b)
{
    const struct folio_deid_span *x = a, *y = b;

    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end > y->end ? -1 : 1;
    return 0;
}

static bool geo_gap(const char *text, size_t a, size_t b)
{
    size_t i;

    for (i = a; i < b; i++)
        if (text[i] != '\n' && text[i] != ',' && text[i] != ' ')
            return false;
    return true;
}

static void merge_spans(struct folio_deid_spans *s, const char *text)
{
    size_t i, n = 0;

    if (s->n == 0)
        return;
    qsort(s->v, s->n, sizeof(*s->v), span_cmp);
    for (i = 0; i < s->n; i++) {
        if (n > 0 && s->v[i].type == FOLIO_DEID_GEOGRAPHIC &&
            s->v[n - 1].type == FOLIO_DEID_GEOGRAPHIC && s->v[i].start >= s->v[n - 1].end &&
            s->v[i].start - s->v[n - 1].end <= 2 && geo_gap(text, s->v[n - 1].end, s->v[i].start)) {
            s->v[n - 1].end = s->v[i].end; /* one address block, one tag */
            continue;
        }
        if (n > 0 && s->v[i].start < s->v[n - 1].end) {
            if (s->v[i].end > s->v[n - 1].end)
                s->v[n - 1].end = s->v[i].end;
            continue;
        }
        s->v[n++] = s->v[i];
    }
    s->n = n;
}

enum folio_rc folio_deid_text_find(const char *text, size_t len, struct folio_deid_spans *out,
                                   struct folio_err *err)
{
    struct ctx c;
    struct word *words = NULL;
    size_t bad = 0, nw, maxw;
    enum folio_rc rc = FOLIO_OK;

    memset(out, 0, sizeof(*out));
    if (len > FOLIO_DEID_TEXT_MAX)
        return folio_err_set(err, FOLIO_ETOOBIG, "text",
                             "note is %zu bytes, over the limit of %zu bytes", len,
                             FOLIO_DEID_TEXT_MAX);
    if (len > 0 && !text)
        FOLIO_BUG("folio_deid_text_find: NULL text");
    if (!utf8_valid((const unsigned char *)text, len, &bad))
        return folio_err_set(err, FOLIO_EINVAL, "text",
                             "note is not valid UTF-8 text (bad byte 0x%02x at offset %zu)",
                             (unsigned)(unsigned char)text[bad], bad);
    if (len == 0)
        return FOLIO_OK;
    memset(&c, 0, sizeof(c));
    c.s = (const unsigned char *)text;
    c.len = len;
    c.out = out;
    c.taken = calloc(len, 1);
    maxw = len / 2 + 1;
    words = calloc(maxw, sizeof(*words));
    if (!c.taken || !words) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    find_emails(&c);
    find_urls(&c);
    find_ips(&c);
    find_month_dates(&c);
    find_alnum_ids(&c);
    find_numbers(&c);
    find_ordinals(&c);
    find_old_ages(&c);
    find_cued_addresses(&c);
    nw = collect_words(&c, words, maxw);
    find_addresses(&c, words, nw);
    find_number_streets(&c, words, nw);
    find_military_posts(&c);
    find_corners_and_boxes(&c);
    find_cued_places(&c);
    extend_places(&c);
    for (size_t k = 0; k < nw; k++)
        words[k].taken = words[k].taken || any_taken(&c, words[k].start, words[k].end);
    /* a ZIP after a street line: rerun the number pass for what it refused before */
    find_numbers(&c);
    find_cities(&c, words, nw);
    find_cued_names(&c, words, nw);
    find_work_authors(&c, words, nw);
    find_names(&c, words, nw);
    find_initial_names(&c, words, nw);
    find_lowercase_names(&c, words, nw);
    find_suffix_names(&c, words, nw);
    find_heading_name(&c, words, nw);
    find_name_lists(&c, words, nw);
    propagate_names(&c, words, nw);
    if (c.nomem) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    merge_spans(out, text);
out:
    if (rc)
        folio_deid_spans_release(out);
    free(c.taken);
    free(words);
    return rc;
}

enum folio_rc folio_deid_text_apply(const char *text, size_t len,
                                    const struct folio_deid_spans *spans, struct folio_buf *out,
                                    struct folio_deid_report *report)
{
    size_t pos = 0, i;
    enum folio_rc rc;

    if (report)
        memset(report, 0, sizeof(*report));
    for (i = 0; i < spans->n; i++) {
        const struct folio_deid_span *sp = &spans->v[i];
        if (sp->start < pos || sp->end > len)
            FOLIO_BUG("deid spans out of order or out of range");
        rc = folio_buf_append(out, text + pos, sp->start - pos);
        if (!rc)
            rc = folio_buf_appendf(out, "[%s]", folio_deid_type_tag(sp->type));
        if (rc)
            return rc;
        pos = sp->end;
        if (report && (unsigned)sp->type < FOLIO_DEID_NTYPES) {
            report->count[sp->type]++;
            report->total++;
        }
    }
    return folio_buf_append(out, text + pos, len - pos);
}

enum folio_rc folio_deid_text_redact(const char *text, size_t len, struct folio_buf *out,
                                     struct folio_deid_report *report, struct folio_err *err)
{
    struct folio_deid_spans spans;
    enum folio_rc rc;

    rc = folio_deid_text_find(text, len, &spans, err);
    if (rc)
        return rc;
    rc = folio_deid_text_apply(text, len, &spans, out, report);
    if (rc)
        folio_err_set(err, rc, NULL, "cannot write the de-identified note (%s)", folio_rc_name(rc));
    folio_deid_spans_release(&spans);
    return rc;
}

enum folio_rc folio_deid_spans_json(const struct folio_deid_spans *spans, struct folio_buf *out)
{
    size_t i;
    enum folio_rc rc = folio_buf_append_ch(out, '[');

    for (i = 0; !rc && i < spans->n; i++)
        rc = folio_buf_appendf(out, "%s{\"start\":%zu,\"end\":%zu,\"type\":\"%s\"}", i ? "," : "",
                               spans->v[i].start, spans->v[i].end,
                               folio_deid_type_name(spans->v[i].type));
    if (!rc)
        rc = folio_buf_append_ch(out, ']');
    return rc;
}

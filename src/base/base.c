/* Return codes, errors, string views, bounded formatting. */
#include "folio/base.h"

#include <errno.h>
#include <limits.h>
#include <math.h>

static const char *const rc_names[] = {
    [FOLIO_OK] = "ok",
    [FOLIO_ENOMEM] = "nomem",
    [FOLIO_EINVAL] = "invalid",
    [FOLIO_ENOTFOUND] = "not_found",
    [FOLIO_ECONFLICT] = "conflict",
    [FOLIO_EIO] = "io",
    [FOLIO_ESTORE] = "store",
    [FOLIO_ETOOBIG] = "too_big",
    [FOLIO_EPARSE] = "parse",
    [FOLIO_ECRYPTO] = "crypto",
    [FOLIO_ESTATE] = "state",
    [FOLIO_EPERM] = "permission",
    [FOLIO_EBUSY] = "busy",
    [FOLIO_ESCHEMA] = "schema",
    [FOLIO_EUSAGE] = "usage",
    [FOLIO_EINTERNAL] = "internal",
};

const char *folio_rc_name(enum folio_rc rc)
{
    size_t i = (size_t)rc;
    if ((int)rc < 0 || i >= FOLIO_ARRAY_LEN(rc_names) || rc_names[i] == NULL)
        return "unknown";
    return rc_names[i];
}

/* Messages are one line: control characters (CR, LF, tab, ...) become spaces. */
static void one_line(char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = ' ';
    }
}

/* After truncation to a fixed array, drops a UTF-8 sequence cut in the middle, so that faces
 * can put the message into JSON or HL7 text (both must be valid UTF-8). */
static void trim_cut_utf8(char *s)
{
    size_t len = strlen(s), i = len, back = 0;
    while (i > 0 && back < 4 && ((unsigned char)s[i - 1] & 0xC0) == 0x80) {
        i--;
        back++;
    }
    if (i == 0)
        return;
    unsigned char lead = (unsigned char)s[i - 1];
    size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (want > 1 && back + 1 < want)
        s[i - 1] = '\0';
}

enum folio_rc folio_err_setf_(struct folio_err *err, enum folio_rc code, const char *file, int line,
                              const char *field, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return code;
    err->code = code;
    err->file = file;
    err->line = line;
    if (!folio_strlcpy(err->field, field ? field : "", sizeof(err->field)))
        trim_cut_utf8(err->field);
    one_line(err->field);
    va_start(ap, fmt);
    int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    if (n < 0)
        err->msg[0] = '\0';
    else if ((size_t)n >= sizeof(err->msg))
        trim_cut_utf8(err->msg);
    one_line(err->msg);
    return code;
}

void folio_err_prefix(struct folio_err *err, const char *fmt, ...)
{
    char prefix[sizeof(err->msg)];
    char old[sizeof(err->msg)];
    va_list ap;

    if (err == NULL)
        return;
    va_start(ap, fmt);
    int n = vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(prefix))
        trim_cut_utf8(prefix);
    folio_strlcpy(old, err->msg, sizeof(old));
    bool fits = old[0] != '\0' ? folio_snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old)
                                : folio_strlcpy(err->msg, prefix, sizeof(err->msg));
    if (!fits)
        trim_cut_utf8(err->msg);
    one_line(err->msg);
}

void folio_err_clear(struct folio_err *err)
{
    if (err == NULL)
        return;
    memset(err, 0, sizeof(*err));
    err->code = FOLIO_OK;
}

void folio_bug_(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "BUG: %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    abort();
}

/* ---- string views ---- */

struct folio_sv folio_sv_from(const char *s)
{
    struct folio_sv v = {"", 0};
    if (s != NULL) {
        v.p = s;
        v.len = strlen(s);
    }
    return v;
}

bool folio_sv_eq(struct folio_sv a, struct folio_sv b)
{
    if (a.len != b.len)
        return false;
    return a.len == 0 || memcmp(a.p, b.p, a.len) == 0;
}

bool folio_sv_eq_cstr(struct folio_sv a, const char *s)
{
    return folio_sv_eq(a, folio_sv_from(s));
}

static int ascii_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

bool folio_sv_ieq_cstr(struct folio_sv a, const char *s)
{
    struct folio_sv b = folio_sv_from(s);
    if (a.len != b.len)
        return false;
    for (size_t i = 0; i < a.len; i++) {
        if (ascii_lower((unsigned char)a.p[i]) != ascii_lower((unsigned char)b.p[i]))
            return false;
    }
    return true;
}

static bool is_ascii_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

struct folio_sv folio_sv_trim(struct folio_sv s)
{
    while (s.len > 0 && is_ascii_space(s.p[0])) {
        s.p++;
        s.len--;
    }
    while (s.len > 0 && is_ascii_space(s.p[s.len - 1]))
        s.len--;
    return s;
}

bool folio_sv_starts_with(struct folio_sv s, const char *prefix)
{
    size_t n = prefix ? strlen(prefix) : 0;
    return n <= s.len && (n == 0 || memcmp(s.p, prefix, n) == 0);
}

bool folio_sv_next_field(struct folio_sv *s, char sep, struct folio_sv *head)
{
    if (s->p == NULL) /* exhausted */
        return false;
    const char *hit = s->len ? memchr(s->p, sep, s->len) : NULL;
    if (hit == NULL) {
        head->p = s->p;
        head->len = s->len;
        s->p = NULL;
        s->len = 0;
        return true;
    }
    head->p = s->p;
    head->len = (size_t)(hit - s->p);
    s->len -= head->len + 1;
    s->p = hit + 1;
    return true;
}

enum folio_rc folio_sv_to_i64(struct folio_sv s, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    int64_t v = 0; /* accumulated as a negative number so INT64_MIN fits */

    if (s.len > 0 && s.p[0] == '-') {
        neg = true;
        i = 1;
    }
    if (i == s.len)
        return FOLIO_EINVAL;
    for (; i < s.len; i++) {
        char c = s.p[i];
        if (c < '0' || c > '9')
            return FOLIO_EINVAL;
        int d = c - '0';
        if (v < (INT64_MIN + d) / 10)
            return FOLIO_EINVAL;
        v = v * 10 - d;
    }
    if (!neg) {
        if (v == INT64_MIN)
            return FOLIO_EINVAL;
        v = -v;
    }
    *out = v;
    return FOLIO_OK;
}

enum folio_rc folio_sv_to_double(struct folio_sv s, double *out)
{
    char tmp[128];
    size_t i = 0, digits = 0;

    /* Grammar first: -?D*(.D*)?([eE][+-]?D+)? with at least one mantissa digit. This keeps
     * strtod's extras (inf, nan, hex floats, leading space) out. */
    if (s.len == 0 || s.len >= sizeof(tmp))
        return FOLIO_EINVAL;
    if (s.p[i] == '-')
        i++;
    while (i < s.len && s.p[i] >= '0' && s.p[i] <= '9') {
        i++;
        digits++;
    }
    if (i < s.len && s.p[i] == '.') {
        i++;
        while (i < s.len && s.p[i] >= '0' && s.p[i] <= '9') {
            i++;
            digits++;
        }
    }
    if (digits == 0)
        return FOLIO_EINVAL;
    if (i < s.len && (s.p[i] == 'e' || s.p[i] == 'E')) {
        size_t exp_digits = 0;
        i++;
        if (i < s.len && (s.p[i] == '+' || s.p[i] == '-'))
            i++;
        while (i < s.len && s.p[i] >= '0' && s.p[i] <= '9') {
            i++;
            exp_digits++;
        }
        if (exp_digits == 0)
            return FOLIO_EINVAL;
    }
    if (i != s.len)
        return FOLIO_EINVAL;

    memcpy(tmp, s.p, s.len);
    tmp[s.len] = '\0';
    errno = 0;
    char *end = NULL;
    double v = strtod(tmp, &end);
    if (end != tmp + s.len || !isfinite(v))
        return FOLIO_EINVAL;
    if (errno == ERANGE && fabs(v) > 1.0) /* overflow; underflow to ~0 is accepted */
        return FOLIO_EINVAL;
    *out = v;
    return FOLIO_OK;
}

/* ---- bounded formatting ---- */

bool folio_snprintf(char *dst, size_t cap, const char *fmt, ...)
{
    va_list ap;

    if (dst == NULL || cap == 0)
        return false;
    va_start(ap, fmt);
    int n = vsnprintf(dst, cap, fmt, ap);
    va_end(ap);
    if (n < 0) {
        dst[0] = '\0';
        return false;
    }
    return (size_t)n < cap;
}

bool folio_strlcpy(char *dst, const char *src, size_t cap)
{
    if (dst == NULL || cap == 0)
        return false;
    if (src == NULL)
        src = "";
    size_t n = strlen(src);
    bool fits = n < cap;
    if (!fits)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return fits;
}

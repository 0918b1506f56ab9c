/* Growable, size-capped, always NUL-terminated buffer. [git strbuf, curl dynbuf] */
#include "folio/base.h"

#include <errno.h>

#define FOLIO_BUF_DEFAULT_MAX ((size_t)64 * 1024 * 1024)

/* Where data points before the first growth. Never written through: every write path grows
 * first, and reset/release check for it. */
static char buf_empty[1];

void folio_buf_init(struct folio_buf *b, size_t max)
{
    b->data = buf_empty;
    b->len = 0;
    b->cap = 0;
    b->max = max ? max : FOLIO_BUF_DEFAULT_MAX;
}

void folio_buf_release(struct folio_buf *b)
{
    if (b == NULL)
        return;
    if (b->data != buf_empty && b->data != NULL)
        free(b->data);
    b->data = buf_empty;
    b->len = 0;
    b->cap = 0;
}

void folio_buf_reset(struct folio_buf *b)
{
    if (b == NULL)
        return;
    b->len = 0;
    if (b->data != buf_empty && b->data != NULL)
        b->data[0] = '\0';
}

/* Makes room for extra more bytes plus the NUL, or fails leaving b untouched. */
static enum folio_rc buf_grow(struct folio_buf *b, size_t extra)
{
    size_t want, need;

    if (!folio_size_add(b->len, extra, &want) || want > b->max)
        return FOLIO_ETOOBIG;
    if (!folio_size_add(want, 1, &need))
        return FOLIO_ETOOBIG;
    if (b->data != buf_empty && need <= b->cap)
        return FOLIO_OK;

    size_t ncap = b->cap < 64 ? 64 : b->cap;
    while (ncap < need) {
        if (!folio_size_mul(ncap, 2, &ncap)) {
            ncap = need;
            break;
        }
    }
    if (b->max < SIZE_MAX && ncap > b->max + 1)
        ncap = b->max + 1; /* never more than the cap can use; need <= max + 1 here */

    char *p;
    if (b->data == buf_empty) {
        p = malloc(ncap);
        if (p == NULL)
            return FOLIO_ENOMEM;
        p[0] = '\0';
    } else {
        p = realloc(b->data, ncap);
        if (p == NULL)
            return FOLIO_ENOMEM;
    }
    b->data = p;
    b->cap = ncap;
    return FOLIO_OK;
}

enum folio_rc folio_buf_append(struct folio_buf *b, const void *p, size_t len)
{
    if (len == 0)
        return FOLIO_OK;
    enum folio_rc rc = buf_grow(b, len);
    if (rc)
        return rc;
    memcpy(b->data + b->len, p, len);
    b->len += len;
    b->data[b->len] = '\0';
    return FOLIO_OK;
}

enum folio_rc folio_buf_append_str(struct folio_buf *b, const char *s)
{
    return s ? folio_buf_append(b, s, strlen(s)) : FOLIO_OK;
}

enum folio_rc folio_buf_append_ch(struct folio_buf *b, char c)
{
    return folio_buf_append(b, &c, 1);
}

enum folio_rc folio_buf_vappendf(struct folio_buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    enum folio_rc rc;

    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        return FOLIO_EINVAL;
    rc = buf_grow(b, (size_t)n);
    if (rc)
        return rc;
    va_copy(cp, ap);
    int m = vsnprintf(b->data + b->len, b->cap - b->len, fmt, cp);
    va_end(cp);
    if (m != n) {
        b->data[b->len] = '\0';
        return FOLIO_EINTERNAL;
    }
    b->len += (size_t)n;
    return FOLIO_OK;
}

enum folio_rc folio_buf_appendf(struct folio_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    enum folio_rc rc = folio_buf_vappendf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *folio_buf_detach(struct folio_buf *b, size_t *len_out)
{
    char *p;
    size_t len = b->len;

    if (b->data == buf_empty || b->data == NULL) {
        p = malloc(1);
        if (p == NULL)
            return NULL;
        p[0] = '\0';
        len = 0;
    } else {
        p = b->data;
    }
    b->data = buf_empty;
    b->len = 0;
    b->cap = 0;
    if (len_out)
        *len_out = len;
    return p;
}

enum folio_rc folio_buf_read_file(struct folio_buf *b, const char *path, struct folio_err *err)
{
    enum folio_rc rc = FOLIO_OK;
    size_t orig = b->len;
    FILE *f = fopen(path, "rb");

    if (f == NULL) {
        int e = errno;
        rc = folio_err_set(err, e == ENOENT ? FOLIO_ENOTFOUND : FOLIO_EIO, NULL,
                           "cannot open %s: %s", path, strerror(e));
        goto out;
    }
    for (;;) {
        char chunk[16384];
        size_t n = fread(chunk, 1, sizeof(chunk), f);
        if (n > 0) {
            rc = folio_buf_append(b, chunk, n);
            if (rc == FOLIO_ETOOBIG) {
                rc = folio_err_set(err, rc, NULL, "%s is larger than the limit of %zu bytes", path,
                                   b->max);
                goto out;
            }
            if (rc) {
                rc = folio_err_set(err, rc, NULL, "out of memory reading %s", path);
                goto out;
            }
        }
        if (n < sizeof(chunk)) {
            if (ferror(f)) {
                int e = errno;
                rc = folio_err_set(err, FOLIO_EIO, NULL, "cannot read %s: %s", path, strerror(e));
                goto out;
            }
            break;
        }
    }
out:
    if (f)
        fclose(f);
    if (rc && b->data != buf_empty) {
        b->len = orig;
        b->data[orig] = '\0';
    }
    return rc;
}

/* A spreadsheet reads a cell starting with one of these as a formula (CSV injection). */
static bool csv_formula_start(const char *s)
{
    double d;
    if (!(s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r'))
        return false;
    /* a number ("-12", "+3.5") is no formula: numeric cells stay as they are */
    if (s[0] == '+' && (s[1] == '+' || s[1] == '-'))
        return true;
    return folio_sv_to_double(folio_sv_from(s[0] == '+' ? s + 1 : s), &d) != FOLIO_OK;
}

enum folio_rc folio_buf_append_csv_field(struct folio_buf *b, const char *s)
{
    size_t orig = b->len;
    bool guard;
    enum folio_rc rc;

    if (!s || !s[0])
        return FOLIO_OK;
    guard = csv_formula_start(s);
    if (!guard && !strpbrk(s, ",\"\r\n"))
        return folio_buf_append_str(b, s);
    /* RFC 4180 2.6-2.7: enclosed in double quotes, a quote doubled */
    rc = folio_buf_append(b, guard ? "\"'" : "\"", guard ? 2 : 1);
    for (const char *p = s; rc == FOLIO_OK && *p; p++)
        rc = *p == '"' ? folio_buf_append(b, "\"\"", 2) : folio_buf_append_ch(b, *p);
    if (rc == FOLIO_OK)
        rc = folio_buf_append_ch(b, '"');
    if (rc && b->len != orig) {
        b->len = orig;
        b->data[orig] = '\0';
    }
    return rc;
}

/* RFC 4180 CSV reader (see folio/csv.h for the accepted dialect). */
#include "folio/base.h"
#include "folio/csv.h"

#include <errno.h>

#define CSV_EOF   (-1)
#define CSV_IOERR (-2)
#define CSV_NONE  (-3)
#define CSV_RBUF  65536

struct folio_csv {
    char name[256];
    /* input: either borrowed memory or a file read through rbuf */
    const unsigned char *mem;
    size_t mem_len;
    size_t mem_pos;
    FILE *f;
    unsigned char *rbuf;
    size_t rlen, rpos;
    bool started; /* BOM check done */
    int pushback; /* one byte of look-ahead, or CSV_NONE */

    long line;     /* physical line of the next byte to read */
    long rec_line; /* line where the current record starts */
    long nrec;     /* records after the header */

    size_t max_field, max_record, max_fields;

    char *rec; /* fields of the current record, each NUL-terminated */
    size_t rec_len, rec_cap;
    size_t *offs; /* start of each field in rec */
    size_t nfields, offs_cap;

    char *hdr; /* header copy */
    size_t *hdr_offs;
    size_t nhdr;
    bool have_header;
};

static void csv_set_name(struct folio_csv *c, const char *name)
{
    (void)folio_strlcpy(c->name, name ? name : "csv", sizeof c->name);
}

static void csv_init_opts(struct folio_csv *c, const struct folio_csv_opts *opts)
{
    c->max_field = opts && opts->max_field ? opts->max_field : (size_t)64 * 1024;
    c->max_record = opts && opts->max_record ? opts->max_record : (size_t)1024 * 1024;
    c->max_fields = opts && opts->max_fields ? opts->max_fields : 1024;
    c->line = 1;
    c->rec_line = 1;
    c->pushback = CSV_NONE;
}

enum folio_rc folio_csv_open_mem(const char *data, size_t len, const char *name,
                                 const struct folio_csv_opts *opts, struct folio_csv **out,
                                 struct folio_err *err)
{
    struct folio_csv *c;

    *out = NULL;
    c = calloc(1, sizeof *c);
    if (!c)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    csv_set_name(c, name);
    csv_init_opts(c, opts);
    c->mem = (const unsigned char *)data;
    c->mem_len = data ? len : 0;
    *out = c;
    return FOLIO_OK;
}

enum folio_rc folio_csv_open_file(const char *path, const char *name,
                                  const struct folio_csv_opts *opts, struct folio_csv **out,
                                  struct folio_err *err)
{
    struct folio_csv *c = NULL;
    enum folio_rc rc = FOLIO_OK;
    const char *base;

    *out = NULL;
    c = calloc(1, sizeof *c);
    if (!c)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    base = strrchr(path, '/');
    csv_set_name(c, name ? name : (base ? base + 1 : path));
    csv_init_opts(c, opts);
    c->rbuf = malloc(CSV_RBUF);
    if (!c->rbuf) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    c->f = fopen(path, "rb");
    if (!c->f) {
        rc = folio_err_set(err, errno == ENOENT ? FOLIO_ENOTFOUND : FOLIO_EIO, NULL,
                           "%s: cannot open: %s", path, strerror(errno));
        goto out;
    }
    *out = c;
    c = NULL;
out:
    folio_csv_free(c);
    return rc;
}

void folio_csv_free(struct folio_csv *c)
{
    if (!c)
        return;
    if (c->f)
        fclose(c->f);
    free(c->rbuf);
    free(c->rec);
    free(c->offs);
    free(c->hdr);
    free(c->hdr_offs);
    free(c);
}

/* Next raw byte, CSV_EOF or CSV_IOERR. */
static int csv_raw(struct folio_csv *c)
{
    if (c->f) {
        if (c->rpos == c->rlen) {
            c->rlen = fread(c->rbuf, 1, CSV_RBUF, c->f);
            c->rpos = 0;
            if (c->rlen == 0)
                return ferror(c->f) ? CSV_IOERR : CSV_EOF;
        }
        return c->rbuf[c->rpos++];
    }
    if (c->mem_pos == c->mem_len)
        return CSV_EOF;
    return c->mem[c->mem_pos++];
}

static int csv_getc(struct folio_csv *c)
{
    int ch;

    if (c->pushback != CSV_NONE) {
        ch = c->pushback;
        c->pushback = CSV_NONE;
    } else if (!c->started) {
        /* UTF-8 BOM: EF BB BF, only at the very start */
        c->started = true;
        if (c->f && c->rlen == 0) {
            c->rlen = fread(c->rbuf, 1, CSV_RBUF, c->f);
            c->rpos = 0;
        }
        if (c->f && c->rlen >= 3 && memcmp(c->rbuf, "\xEF\xBB\xBF", 3) == 0)
            c->rpos = 3;
        else if (!c->f && c->mem_len >= 3 && memcmp(c->mem, "\xEF\xBB\xBF", 3) == 0)
            c->mem_pos = 3;
        ch = csv_raw(c);
    } else {
        ch = csv_raw(c);
    }
    if (ch == '\n')
        c->line++;
    return ch;
}

static enum folio_rc csv_fail(struct folio_csv *c, enum folio_rc code, struct folio_err *err,
                              const char *what)
{
    char field[64];

    (void)folio_snprintf(field, sizeof field, "%s:%ld", c->name, c->rec_line);
    return folio_err_set(err, code, field, "%s:%ld: %s", c->name, c->rec_line, what);
}

static enum folio_rc csv_append(struct folio_csv *c, char ch, struct folio_err *err)
{
    size_t field_len = c->rec_len - c->offs[c->nfields - 1];

    if (ch != '\0' && field_len >= c->max_field)
        return csv_fail(c, FOLIO_ETOOBIG, err, "field exceeds the size limit");
    if (c->rec_len >= c->max_record + c->max_fields)
        return csv_fail(c, FOLIO_ETOOBIG, err, "record exceeds the size limit");
    if (c->rec_len == c->rec_cap) {
        size_t ncap = c->rec_cap ? c->rec_cap * 2 : 1024;
        char *n = realloc(c->rec, ncap);
        if (!n)
            return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        c->rec = n;
        c->rec_cap = ncap;
    }
    c->rec[c->rec_len++] = ch;
    return FOLIO_OK;
}

static enum folio_rc csv_start_field(struct folio_csv *c, struct folio_err *err)
{
    if (c->nfields == c->max_fields)
        return csv_fail(c, FOLIO_ETOOBIG, err, "too many fields in the record");
    if (c->nfields == c->offs_cap) {
        size_t ncap = c->offs_cap ? c->offs_cap * 2 : 32, bytes;
        size_t *n;
        if (!folio_size_mul(ncap, sizeof *n, &bytes))
            return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        n = realloc(c->offs, bytes);
        if (!n)
            return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        c->offs = n;
        c->offs_cap = ncap;
    }
    c->offs[c->nfields++] = c->rec_len;
    return FOLIO_OK;
}

/* Length of a valid UTF-8 sequence at p (n bytes available), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned char b = p[0];
    if (b < 0x80)
        return 1;
    if (b >= 0xC2 && b <= 0xDF)
        return n >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (b >= 0xE0 && b <= 0xEF) {
        if (n < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
            return 0;
        if (b == 0xE0 && p[1] < 0xA0)
            return 0; /* overlong */
        if (b == 0xED && p[1] >= 0xA0)
            return 0; /* surrogate */
        return 3;
    }
    if (b >= 0xF0 && b <= 0xF4) {
        if (n < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return 0;
        if (b == 0xF0 && p[1] < 0x90)
            return 0;
        if (b == 0xF4 && p[1] >= 0x90)
            return 0;
        return 4;
    }
    return 0;
}

static bool utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t k = utf8_seq(p + i, len - i);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

/* Reads one record into rec/offs. *have false at end of input. */
static enum folio_rc csv_read_record(struct folio_csv *c, bool *have, struct folio_err *err)
{
    enum folio_rc rc = FOLIO_OK;
    int ch;
    size_t i;

    *have = false;
    c->rec_len = 0;
    c->nfields = 0;
    /* skip empty lines */
    for (;;) {
        long start = c->line;
        ch = csv_getc(c);
        if (ch == CSV_EOF)
            return FOLIO_OK;
        c->rec_line = start;
        if (ch == CSV_IOERR)
            return csv_fail(c, FOLIO_EIO, err, "read error");
        if (ch == '\n')
            continue;
        if (ch == '\r') {
            int nx = csv_getc(c);
            if (nx == '\n')
                continue;
            return csv_fail(c, FOLIO_EPARSE, err, "carriage return without line feed");
        }
        break;
    }
    for (;;) { /* one field per iteration; ch is its first byte */
        rc = csv_start_field(c, err);
        if (rc)
            return rc;
        if (ch == '"') {
            for (;;) {
                ch = csv_getc(c);
                if (ch == CSV_EOF)
                    return csv_fail(c, FOLIO_EPARSE, err, "unterminated quoted field");
                if (ch == CSV_IOERR)
                    return csv_fail(c, FOLIO_EIO, err, "read error");
                if (ch == '"') {
                    ch = csv_getc(c);
                    if (ch == '"') {
                        rc = csv_append(c, '"', err);
                        if (rc)
                            return rc;
                        continue;
                    }
                    if (ch == ',' || ch == '\n' || ch == '\r' || ch == CSV_EOF)
                        break;
                    if (ch == CSV_IOERR)
                        return csv_fail(c, FOLIO_EIO, err, "read error");
                    return csv_fail(c, FOLIO_EPARSE, err,
                                    "unexpected character after a closing quote");
                }
                if (ch == 0)
                    return csv_fail(c, FOLIO_EPARSE, err, "NUL byte in a field");
                rc = csv_append(c, (char)(unsigned char)ch, err);
                if (rc)
                    return rc;
            }
        } else {
            for (;;) {
                if (ch == ',' || ch == '\n' || ch == '\r' || ch == CSV_EOF)
                    break;
                if (ch == CSV_IOERR)
                    return csv_fail(c, FOLIO_EIO, err, "read error");
                if (ch == '"')
                    return csv_fail(c, FOLIO_EPARSE, err, "quote inside an unquoted field");
                if (ch == 0)
                    return csv_fail(c, FOLIO_EPARSE, err, "NUL byte in a field");
                rc = csv_append(c, (char)(unsigned char)ch, err);
                if (rc)
                    return rc;
                ch = csv_getc(c);
            }
        }
        rc = csv_append(c, '\0', err);
        if (rc)
            return rc;
        if (ch == '\r') {
            ch = csv_getc(c);
            if (ch != '\n')
                return csv_fail(c, FOLIO_EPARSE, err, "carriage return without line feed");
        }
        if (ch == '\n' || ch == CSV_EOF)
            break;
        /* ch == ',': the next field starts with the following byte */
        ch = csv_getc(c);
        if (ch == CSV_IOERR)
            return csv_fail(c, FOLIO_EIO, err, "read error");
    }
    for (i = 0; i < c->nfields; i++) {
        const char *f = c->rec + c->offs[i];
        size_t flen = (i + 1 < c->nfields ? c->offs[i + 1] : c->rec_len) - c->offs[i] - 1;
        if (!utf8_valid(f, flen)) {
            char what[96];
            (void)folio_snprintf(what, sizeof what, "field %zu is not valid UTF-8", i + 1);
            return csv_fail(c, FOLIO_EPARSE, err, what);
        }
    }
    *have = true;
    return FOLIO_OK;
}

enum folio_rc folio_csv_read_header(struct folio_csv *c, struct folio_err *err)
{
    enum folio_rc rc;
    bool have;
    size_t i, j, bytes;

    if (c->have_header)
        FOLIO_BUG("CSV header read twice");
    rc = csv_read_record(c, &have, err);
    if (rc)
        return rc;
    if (!have)
        return csv_fail(c, FOLIO_EPARSE, err, "no header row");
    c->hdr = malloc(c->rec_len);
    if (!folio_size_mul(c->nfields, sizeof *c->hdr_offs, &bytes))
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    c->hdr_offs = malloc(bytes);
    if (!c->hdr || !c->hdr_offs)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    memcpy(c->hdr, c->rec, c->rec_len);
    c->nhdr = c->nfields;
    for (i = 0; i < c->nhdr; i++) {
        struct folio_sv sv = folio_sv_trim(folio_sv_from(c->hdr + c->offs[i]));
        c->hdr_offs[i] = (size_t)(sv.p - c->hdr);
        c->hdr[c->hdr_offs[i] + sv.len] = '\0';
        if (sv.len == 0) {
            char what[64];
            (void)folio_snprintf(what, sizeof what, "column %zu has no name", i + 1);
            return csv_fail(c, FOLIO_EPARSE, err, what);
        }
        for (j = 0; j < i; j++) {
            if (strcmp(c->hdr + c->hdr_offs[j], c->hdr + c->hdr_offs[i]) == 0) {
                char what[128];
                (void)folio_snprintf(what, sizeof what, "duplicate column name \"%.64s\"",
                                     c->hdr + c->hdr_offs[i]);
                return csv_fail(c, FOLIO_EPARSE, err, what);
            }
        }
    }
    c->have_header = true;
    c->nfields = 0;
    c->rec_len = 0;
    return FOLIO_OK;
}

int folio_csv_column(const struct folio_csv *c, const char *name)
{
    size_t i;
    for (i = 0; i < c->nhdr && c->have_header; i++)
        if (strcmp(c->hdr + c->hdr_offs[i], name) == 0)
            return (int)i;
    return -1;
}

enum folio_rc folio_csv_columns(const struct folio_csv *c, const char *const *names, size_t n,
                                int *idx, struct folio_err *err)
{
    size_t i;
    for (i = 0; i < n; i++) {
        idx[i] = folio_csv_column(c, names[i]);
        if (idx[i] < 0)
            return folio_err_set(err, FOLIO_EPARSE, names[i], "%s: missing column %s", c->name,
                                 names[i]);
    }
    return FOLIO_OK;
}

size_t folio_csv_header_count(const struct folio_csv *c)
{
    return c->have_header ? c->nhdr : 0;
}

const char *folio_csv_header_name(const struct folio_csv *c, size_t i)
{
    return c->have_header && i < c->nhdr ? c->hdr + c->hdr_offs[i] : NULL;
}

enum folio_rc folio_csv_next(struct folio_csv *c, bool *have, struct folio_err *err)
{
    enum folio_rc rc = csv_read_record(c, have, err);
    if (rc) {
        *have = false;
        c->nfields = 0;
        return rc;
    }
    if (!*have)
        return FOLIO_OK;
    if (c->have_header && c->nfields != c->nhdr) {
        char what[96];
        (void)folio_snprintf(what, sizeof what, "expected %zu fields, found %zu", c->nhdr,
                             c->nfields);
        *have = false;
        c->nfields = 0;
        return csv_fail(c, FOLIO_EPARSE, err, what);
    }
    c->nrec++;
    return FOLIO_OK;
}

size_t folio_csv_count(const struct folio_csv *c)
{
    return c->nfields;
}

const char *folio_csv_get(const struct folio_csv *c, int i)
{
    if (i < 0 || (size_t)i >= c->nfields)
        return "";
    return c->rec + c->offs[i];
}

struct folio_sv folio_csv_sv(const struct folio_csv *c, int i)
{
    size_t end;
    if (i < 0 || (size_t)i >= c->nfields)
        return (struct folio_sv){"", 0};
    end = (size_t)i + 1 < c->nfields ? c->offs[i + 1] : c->rec_len;
    return (struct folio_sv){c->rec + c->offs[i], end - c->offs[i] - 1};
}

long folio_csv_line(const struct folio_csv *c)
{
    return c->rec_line;
}

long folio_csv_records(const struct folio_csv *c)
{
    return c->nrec;
}

const char *folio_csv_name(const struct folio_csv *c)
{
    return c->name;
}

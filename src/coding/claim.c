/* Reader of claims in the cases.tsv format (folio/edits.h): pure parsing, no database. */
#include "folio/base.h"
#include "folio/edits.h"

#include <errno.h>

#define CLAIM_LINE_MAX ((size_t)64 * 1024)
#define CLAIM_CHUNK    65536

enum col { COL_ID, COL_AGE, COL_SEX, COL_STATUS, COL_PDX, COL_POA, COL_SDX, COL_PR, COL_COUNT };

static const char *const col_names[COL_COUNT] = {"id",  "age",     "sex", "discharge_status",
                                                 "pdx", "pdx_poa", "sdx", "procedures"};

#define MAX_COLUMNS 64

struct folio_claim_reader {
    FILE *f;
    char name[128];
    char *buf; /* bytes read, not yet consumed: buf[pos..len) */
    size_t pos, len, cap;
    bool eof, failed, have_header;
    long line; /* physical line of the last line returned */
    long last; /* line of the last claim */
    int idx[COL_COUNT];
    int ncols; /* columns in the header */
};

/* Shows at most 40 bytes of a bad value. */
#define SHOW(sv) (int)((sv).len > 40 ? 40 : (sv).len), (sv).p

static enum folio_rc bad(struct folio_err *err, const char *field, const char *fmt, ...)
    FOLIO_PRINTF(3, 4);
static enum folio_rc bad(struct folio_err *err, const char *field, const char *fmt, ...)
{
    char msg[400];
    va_list ap;

    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return folio_err_set(err, FOLIO_EINVAL, field, "%s", msg);
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A code as written: 1-15 printable ASCII bytes without ',' ':' or blanks (validity against the
 * code sets is the editor's business, so "E10.3391", "xxxxx" and "i10" pass here). */
static enum folio_rc parse_code(struct folio_sv s, char *out, const char *field, size_t n,
                                struct folio_err *err)
{
    char where[48] = "";
    bool ok = s.len <= FOLIO_CLAIM_CODE_MAX;

    for (size_t i = 0; ok && i < s.len; i++) {
        unsigned char c = (unsigned char)s.p[i];
        ok = !(c <= ' ' || c >= 0x7f || c == ',' || c == ':');
    }
    if (ok) {
        memcpy(out, s.p, s.len);
        out[s.len] = '\0';
        return FOLIO_OK;
    }
    /* the error prefix is formatted only for a bad code: this runs for every code of a batch */
    if (n)
        (void)folio_snprintf(where, sizeof where, "entry %zu: ", n);
    if (s.len > FOLIO_CLAIM_CODE_MAX)
        return bad(err, field, "%scode longer than %d characters: '%.*s'", where,
                   FOLIO_CLAIM_CODE_MAX, SHOW(s));
    return bad(err, field, "%sbad character in code '%.*s'", where, SHOW(s));
}

static enum folio_rc parse_poa(struct folio_sv s, char *out, const char *field, size_t n,
                               struct folio_err *err)
{
    if (s.len == 0) {
        *out = '\0';
        return FOLIO_OK;
    }
    if (s.len == 1 && strchr("YNUW1", s.p[0]) != NULL) {
        *out = s.p[0];
        return FOLIO_OK;
    }
    if (n)
        return bad(err, field, "entry %zu: POA must be Y, N, U, W, 1 or blank, not '%.*s'", n,
                   SHOW(s));
    return bad(err, field, "POA must be Y, N, U, W, 1 or blank, not '%.*s'", SHOW(s));
}

/* "CODE:POA,CODE:POA,..." (the POA after the last ':'), possibly empty. */
static enum folio_rc parse_sdx(struct folio_sv s, struct folio_claim *c, struct folio_err *err)
{
    struct folio_sv item;

    c->nsdx = 0;
    if (s.len == 0)
        return FOLIO_OK;
    while (folio_sv_next_field(&s, ',', &item)) {
        struct folio_claim_dx *dx;
        struct folio_sv code = item, poa = {item.p + item.len, 0};
        enum folio_rc rc;
        size_t k;

        if (c->nsdx == FOLIO_CLAIM_MAX_CODES)
            return folio_err_set(err, FOLIO_ETOOBIG, "sdx", "sdx: more than %d diagnoses",
                                 FOLIO_CLAIM_MAX_CODES);
        for (k = item.len; k > 0; k--)
            if (item.p[k - 1] == ':')
                break;
        if (k == 0)
            return bad(err, "sdx", "entry %zu: expected CODE:POA, got '%.*s'", c->nsdx + 1,
                       SHOW(item));
        code.len = k - 1;
        poa.p = item.p + k;
        poa.len = item.len - k;
        if (code.len == 0)
            return bad(err, "sdx", "entry %zu: empty code in '%.*s'", c->nsdx + 1, SHOW(item));
        dx = &c->sdx[c->nsdx];
        rc = parse_code(code, dx->code, "sdx", c->nsdx + 1, err);
        if (rc)
            return rc;
        rc = parse_poa(poa, &dx->poa, "sdx", c->nsdx + 1, err);
        if (rc)
            return rc;
        c->nsdx++;
    }
    return FOLIO_OK;
}

static enum folio_rc parse_procs(struct folio_sv s, struct folio_claim *c, struct folio_err *err)
{
    struct folio_sv item;

    c->npr = 0;
    if (s.len == 0)
        return FOLIO_OK;
    while (folio_sv_next_field(&s, ',', &item)) {
        enum folio_rc rc;
        if (c->npr == FOLIO_CLAIM_MAX_CODES)
            return folio_err_set(err, FOLIO_ETOOBIG, "procedures",
                                 "procedures: more than %d procedures", FOLIO_CLAIM_MAX_CODES);
        if (item.len == 0)
            return bad(err, "procedures", "entry %zu: empty code", c->npr + 1);
        rc = parse_code(item, c->pr[c->npr], "procedures", c->npr + 1, err);
        if (rc)
            return rc;
        c->npr++;
    }
    return FOLIO_OK;
}

/* Fills c from the eight fields, in the order of enum col. */
static enum folio_rc parse_fields(const struct folio_sv *f, struct folio_claim *c,
                                  struct folio_err *err)
{
    struct folio_sv v;
    int64_t n;
    enum folio_rc rc;

    v = f[COL_ID];
    if (v.len == 0)
        return bad(err, "id", "empty claim id");
    if (v.len > FOLIO_CLAIM_ID_MAX)
        return bad(err, "id", "longer than %d characters: '%.*s'", FOLIO_CLAIM_ID_MAX, SHOW(v));
    for (size_t i = 0; i < v.len; i++)
        if ((unsigned char)v.p[i] < ' ' || v.p[i] == 0x7f)
            return bad(err, "id", "control character in '%.*s'", SHOW(v));
    memcpy(c->id, v.p, v.len);
    c->id[v.len] = '\0';

    v = f[COL_AGE];
    if (v.len == 0 || v.len > 3 || !is_digit(v.p[0]) || folio_sv_to_i64(v, &n) || n < 0)
        return bad(err, "age", "not an age in years (0-999): '%.*s'", SHOW(v));
    c->age = (int)n;

    v = f[COL_SEX];
    if (v.len != 1 || (v.p[0] != 'M' && v.p[0] != 'F' && v.p[0] != 'U'))
        return bad(err, "sex", "must be M, F or U, not '%.*s'", SHOW(v));
    c->sex = v.p[0];

    v = f[COL_STATUS];
    if (v.len < 1 || v.len > 3 || !is_digit(v.p[0]) || folio_sv_to_i64(v, &n) || n < 0)
        return bad(err, "discharge_status", "not a discharge status code (two digits): '%.*s'",
                   SHOW(v));
    c->discharge_status = (int)n;

    rc = parse_code(f[COL_PDX], c->pdx.code, "pdx", 0, err);
    if (rc)
        return rc;
    rc = parse_poa(f[COL_POA], &c->pdx.poa, "pdx_poa", 0, err);
    if (rc)
        return rc;
    rc = parse_sdx(f[COL_SDX], c, err);
    if (rc)
        return rc;
    return parse_procs(f[COL_PR], c, err);
}

enum folio_rc folio_claim_parse_line(const char *line, size_t len, struct folio_claim *out,
                                     struct folio_err *err)
{
    struct folio_sv s = {line, len}, f[COL_COUNT], head;
    size_t n = 0;
    enum folio_rc rc;

    while (folio_sv_next_field(&s, '\t', &head)) {
        if (n == COL_COUNT)
            return folio_err_set(err, FOLIO_EINVAL, "line", "more than %d columns", COL_COUNT);
        f[n++] = head;
    }
    if (n != COL_COUNT)
        return folio_err_set(err, FOLIO_EINVAL, "line", "%zu columns, expected %d", n, COL_COUNT);
    rc = parse_fields(f, out, err);
    if (rc && err)
        folio_err_prefix(err, "%s", err->field);
    return rc;
}

enum folio_rc folio_claim_reader_open(FILE *f, const char *name, struct folio_claim_reader **out,
                                      struct folio_err *err)
{
    struct folio_claim_reader *r = calloc(1, sizeof *r);

    *out = NULL;
    if (r == NULL)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    r->f = f;
    (void)folio_strlcpy(r->name, name ? name : "claims", sizeof r->name);
    *out = r;
    return FOLIO_OK;
}

void folio_claim_reader_free(struct folio_claim_reader *r)
{
    if (r == NULL)
        return;
    free(r->buf);
    free(r);
}

long folio_claim_reader_line(const struct folio_claim_reader *r)
{
    return r->last;
}

/* Next physical line (without LF/CRLF); *have false at the end of input. */
static enum folio_rc next_line(struct folio_claim_reader *r, struct folio_sv *line, bool *have,
                               struct folio_err *err)
{
    *have = false;
    for (;;) {
        /* buf is NULL before the first read: no pointer arithmetic on it */
        char *start = r->buf ? r->buf + r->pos : NULL, *nl = NULL;
        size_t avail = r->len - r->pos;

        if (avail)
            nl = memchr(start, '\n', avail);
        if (nl || (r->eof && avail)) {
            size_t n = nl ? (size_t)(nl - start) : avail;
            r->line++;
            if (n > CLAIM_LINE_MAX)
                return folio_err_set(err, FOLIO_ETOOBIG, "line",
                                     "%s:%ld: line longer than %zu bytes", r->name, r->line,
                                     CLAIM_LINE_MAX);
            line->p = start;
            line->len = n;
            if (n && start[n - 1] == '\r')
                line->len--;
            r->pos += nl ? n + 1 : n;
            *have = true;
            return FOLIO_OK;
        }
        if (r->eof)
            return FOLIO_OK;
        if (avail > CLAIM_LINE_MAX)
            return folio_err_set(err, FOLIO_ETOOBIG, "line", "%s:%ld: line longer than %zu bytes",
                                 r->name, r->line + 1, CLAIM_LINE_MAX);
        /* compact, grow, read more */
        if (r->pos) {
            memmove(r->buf, r->buf + r->pos, avail);
            r->len = avail;
            r->pos = 0;
        }
        if (r->cap - r->len < CLAIM_CHUNK) {
            size_t ncap = r->len + 2 * CLAIM_CHUNK;
            char *nb = realloc(r->buf, ncap);
            if (nb == NULL)
                return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
            r->buf = nb;
            r->cap = ncap;
        }
        size_t got = fread(r->buf + r->len, 1, r->cap - r->len, r->f);
        r->len += got;
        if (got == 0) {
            if (ferror(r->f))
                return folio_err_set(err, FOLIO_EIO, NULL, "%s: read error: %s", r->name,
                                     strerror(errno));
            r->eof = true;
        }
    }
}

static enum folio_rc read_header(struct folio_claim_reader *r, struct folio_err *err)
{
    struct folio_sv line, head;
    bool have;
    enum folio_rc rc;
    int i;

    do {
        rc = next_line(r, &line, &have, err);
        if (rc)
            return rc;
    } while (have && line.len == 0);
    if (!have)
        return folio_err_set(err, FOLIO_EPARSE, NULL, "%s: no header row", r->name);
    for (i = 0; i < COL_COUNT; i++)
        r->idx[i] = -1;
    r->ncols = 0;
    while (folio_sv_next_field(&line, '\t', &head)) {
        if (r->ncols == MAX_COLUMNS)
            return folio_err_set(err, FOLIO_EPARSE, NULL, "%s:%ld: more than %d columns", r->name,
                                 r->line, MAX_COLUMNS);
        for (i = 0; i < COL_COUNT; i++) {
            if (!folio_sv_eq_cstr(head, col_names[i]))
                continue;
            if (r->idx[i] >= 0)
                return folio_err_set(err, FOLIO_EPARSE, NULL, "%s:%ld: column %s twice", r->name,
                                     r->line, col_names[i]);
            r->idx[i] = r->ncols;
        }
        r->ncols++;
    }
    for (i = 0; i < COL_COUNT; i++)
        if (r->idx[i] < 0)
            return folio_err_set(err, FOLIO_EPARSE, NULL, "%s:%ld: missing column %s", r->name,
                                 r->line, col_names[i]);
    r->have_header = true;
    return FOLIO_OK;
}

enum folio_rc folio_claim_reader_next(struct folio_claim_reader *r, struct folio_claim *out,
                                      bool *have, struct folio_err *err)
{
    struct folio_sv line, head, all[MAX_COLUMNS], f[COL_COUNT];
    enum folio_rc rc = FOLIO_OK;
    int n = 0, i;

    *have = false;
    if (r->failed)
        return folio_err_set(err, FOLIO_ESTATE, NULL, "%s: the reader stopped at an error",
                             r->name);
    if (!r->have_header) {
        rc = read_header(r, err);
        if (rc)
            goto out;
    }
    do {
        rc = next_line(r, &line, have, err);
        if (rc || !*have)
            goto out;
    } while (line.len == 0);
    while (folio_sv_next_field(&line, '\t', &head)) {
        if (n == r->ncols) {
            n++;
            break;
        }
        all[n++] = head;
    }
    if (n != r->ncols) {
        *have = false;
        rc = folio_err_set(err, FOLIO_EINVAL, "line", "%s:%ld: %s%d columns, the header has %d",
                           r->name, r->line, n > r->ncols ? "more than " : "",
                           n > r->ncols ? r->ncols : n, r->ncols);
        goto out;
    }
    for (i = 0; i < COL_COUNT; i++)
        f[i] = all[r->idx[i]];
    rc = parse_fields(f, out, err);
    if (rc) {
        *have = false;
        /* field "cases.tsv:12:age", message "cases.tsv:12:age: not an age ..." */
        if (err) {
            char field[sizeof err->field];
            (void)folio_snprintf(field, sizeof field, "%s:%ld:%s", r->name, r->line, err->field);
            folio_err_prefix(err, "%s", field);
            (void)folio_strlcpy(err->field, field, sizeof err->field);
        }
        goto out;
    }
    r->last = r->line;
out:
    if (rc)
        r->failed = true;
    return rc;
}

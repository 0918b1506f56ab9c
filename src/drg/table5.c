/* Loading CMS's Table 5 (MS-DRG relative weights and mean lengths of stay) and the set of tables
 * chosen by discharge date: see folio/drg_payment.h and docs/drg-payment.md. */
#include "folio/base.h"
#include "folio/drg_payment.h"
#include "folio/time.h"

#define T5_FILE_MAX  ((size_t)32 * 1024 * 1024)
#define T5_MAX_COLS  64
#define T5_PRELUDE   20     /* rows before the header that may be titles */
#define T5_TITLE_MAX 1000   /* bytes of a title after conversion to UTF-8 */
#define T5_NUM_MIN   0.0001 /* weights and days are taken to millionths */
#define T5_NUM_MAX   1000.0
#define T5_SET_MAX   64

struct folio_drg_table5 {
    struct folio_drg_table5_info info;
    size_t n;
    struct folio_drg_weight rows[999];
    int16_t index[1000];      /* 1 + position in rows, 0 when the DRG is absent */
    struct folio_arena arena; /* titles */
};

/* The columns the loader needs. */
enum col { C_DRG, C_POST, C_SPECIAL, C_MDC, C_TYPE, C_TITLE, C_WEIGHT, C_GMLOS, C_AMLOS, C_N };

static const char *const col_names[C_N] = {"MS-DRG",
                                           "FY 20XX Final Rule Post-Acute DRG",
                                           "FY 20XX Final Rule Special Pay DRG",
                                           "MDC",
                                           "TYPE",
                                           "MS-DRG Title",
                                           "Weights",
                                           "Geometric mean LOS",
                                           "Arithmetic mean LOS"};

/* One field of a record: its bytes (inside the quotes when quoted) and the line it starts on. */
struct cell {
    struct folio_sv sv;
    bool escapes; /* quoted with "" inside: unescape before use */
    long line;
};

/* A cursor over the file's bytes. */
struct rd {
    const char *p;
    size_t len, pos;
    long line;
    char sep;
};

struct parse {
    const char *name;
    struct rd rd;
    struct cell cells[T5_MAX_COLS];
    size_t ncells;
    long rec_line;
    int idx[C_N];                      /* column of each required field */
    int idx_before_cap;                /* "Weights - Before Cap", -1 when absent */
    struct folio_sv head[T5_MAX_COLS]; /* header texts, trimmed, for messages */
    size_t nhead;
    int year_post, year_special;
    bool capped;
};

#define SHOW(sv) (int)((sv).len > 40 ? 40 : (sv).len), (sv).p

/* ---- reading records ---- */

/* Next record into p->cells. Quoted fields may hold the separator, line breaks and "" (one
 * quote). A record ends at LF or CRLF. */
static enum folio_rc next_record(struct parse *ps, bool *have, struct folio_err *err)
{
    struct rd *r = &ps->rd;

    ps->ncells = 0;
    *have = false;
    if (r->pos >= r->len)
        return FOLIO_OK;
    *have = true;
    ps->rec_line = r->line;
    for (;;) {
        struct cell c = {{NULL, 0}, false, r->line};

        if (ps->ncells == T5_MAX_COLS)
            return folio_err_set(err, FOLIO_EPARSE, "table5", "%s:%ld: more than %d columns",
                                 ps->name, ps->rec_line, T5_MAX_COLS);
        if (r->pos < r->len && r->p[r->pos] == '"') {
            long opened = r->line;
            size_t start = ++r->pos;
            for (;;) {
                char ch;
                if (r->pos >= r->len)
                    return folio_err_set(err, FOLIO_EPARSE, "table5",
                                         "%s:%ld: quote opened on this line is not closed",
                                         ps->name, opened);
                ch = r->p[r->pos];
                if (ch == '"') {
                    if (r->pos + 1 < r->len && r->p[r->pos + 1] == '"') {
                        c.escapes = true;
                        r->pos += 2;
                        continue;
                    }
                    break;
                }
                if (ch == '\n')
                    r->line++;
                r->pos++;
            }
            c.sv.p = r->p + start;
            c.sv.len = r->pos - start;
            r->pos++; /* the closing quote */
            while (r->pos < r->len && (r->p[r->pos] == ' ' || r->p[r->pos] == '\r'))
                r->pos++;
            if (r->pos < r->len && r->p[r->pos] != ps->rd.sep && r->p[r->pos] != '\n')
                return folio_err_set(err, FOLIO_EPARSE, "table5",
                                     "%s:%ld: character after a closing quote", ps->name, r->line);
        } else {
            size_t start = r->pos;
            while (r->pos < r->len && r->p[r->pos] != r->sep && r->p[r->pos] != '\n')
                r->pos++;
            c.sv.p = r->p + start;
            c.sv.len = r->pos - start;
        }
        ps->cells[ps->ncells++] = c;
        if (r->pos >= r->len)
            return FOLIO_OK;
        if (r->p[r->pos] == r->sep) {
            r->pos++;
            continue;
        }
        r->pos++; /* '\n' */
        r->line++;
        return FOLIO_OK;
    }
}

static struct folio_sv cell_sv(const struct parse *ps, int i)
{
    if (i < 0 || (size_t)i >= ps->ncells)
        return (struct folio_sv){"", 0};
    return folio_sv_trim(ps->cells[i].sv);
}

static long cell_line(const struct parse *ps, int i)
{
    if (i < 0 || (size_t)i >= ps->ncells)
        return ps->rec_line;
    return ps->cells[i].line;
}

/* A header, folded: ASCII lower case without blanks, '-', '_', '.' or no-break spaces. */
static void fold(struct folio_sv s, char *out, size_t cap)
{
    size_t n = 0;

    for (size_t i = 0; i < s.len && n + 1 < cap; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c == 0xC2 && i + 1 < s.len && (unsigned char)s.p[i + 1] == 0xA0) {
            i++;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '-' || c == '_' || c == '.' ||
            c == 0xA0)
            continue;
        out[n++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    out[n] = '\0';
}

static bool ends_with(const char *s, const char *suffix, size_t *prefix_len)
{
    size_t n = strlen(s), m = strlen(suffix);

    if (n < m || strcmp(s + n - m, suffix) != 0)
        return false;
    *prefix_len = n - m;
    return true;
}

/* Does this row look like the header (it names MS-DRG and a weights column)? */
static bool looks_like_header(const struct parse *ps)
{
    bool drg = false, weights = false;

    for (size_t i = 0; i < ps->ncells; i++) {
        char f[128];
        fold(folio_sv_trim(ps->cells[i].sv), f, sizeof f);
        if (strcmp(f, "msdrg") == 0)
            drg = true;
        else if (strncmp(f, "weight", 6) == 0 || strncmp(f, "relativeweight", 14) == 0)
            weights = true;
    }
    return drg && weights;
}

/* The fiscal year in a flag column's folded header: "fy2026finalrule" -> 2026, "" -> 0. */
static enum folio_rc flag_year(struct parse *ps, const char *folded, size_t prefix_len,
                               struct folio_sv orig, int *year, struct folio_err *err)
{
    char prefix[128];

    memcpy(prefix, folded, prefix_len);
    prefix[prefix_len] = '\0';
    *year = 0;
    if (strstr(prefix, "proposed"))
        return folio_err_set(err, FOLIO_EPARSE, "table5",
                             "%s:%ld: '%.*s': this is a proposed rule's Table 5; payment needs "
                             "the final rule's",
                             ps->name, ps->rec_line, SHOW(orig));
    if (prefix_len >= 6 && prefix[0] == 'f' && prefix[1] == 'y') {
        int y = 0;
        for (int i = 2; i < 6; i++) {
            if (prefix[i] < '0' || prefix[i] > '9')
                return FOLIO_OK;
            y = y * 10 + (prefix[i] - '0');
        }
        *year = y;
    }
    return FOLIO_OK;
}

static enum folio_rc set_col(struct parse *ps, int *slot, size_t i, const char *what,
                             struct folio_err *err)
{
    if (*slot >= 0)
        return folio_err_set(err, FOLIO_EPARSE, "table5",
                             "%s:%ld: two columns for %s: '%.*s' and '%.*s'", ps->name,
                             ps->rec_line, what, SHOW(ps->head[*slot]), SHOW(ps->head[i]));
    *slot = (int)i;
    return FOLIO_OK;
}

/* Maps the header row's columns by name. */
static enum folio_rc map_header(struct parse *ps, struct folio_err *err)
{
    int capped = -1, plain = -1;
    enum folio_rc rc = FOLIO_OK;

    for (int c = 0; c < C_N; c++)
        ps->idx[c] = -1;
    ps->idx_before_cap = -1;
    ps->nhead = ps->ncells;
    for (size_t i = 0; i < ps->ncells && !rc; i++) {
        char f[128];
        size_t plen;
        struct folio_sv h = folio_sv_trim(ps->cells[i].sv);

        ps->head[i] = h;
        fold(h, f, sizeof f);
        if (strcmp(f, "msdrg") == 0)
            rc = set_col(ps, &ps->idx[C_DRG], i, col_names[C_DRG], err);
        else if (strcmp(f, "mdc") == 0)
            rc = set_col(ps, &ps->idx[C_MDC], i, col_names[C_MDC], err);
        else if (strcmp(f, "type") == 0)
            rc = set_col(ps, &ps->idx[C_TYPE], i, col_names[C_TYPE], err);
        else if (strcmp(f, "msdrgtitle") == 0)
            rc = set_col(ps, &ps->idx[C_TITLE], i, col_names[C_TITLE], err);
        else if (strcmp(f, "geometricmeanlos") == 0)
            rc = set_col(ps, &ps->idx[C_GMLOS], i, col_names[C_GMLOS], err);
        else if (strcmp(f, "arithmeticmeanlos") == 0)
            rc = set_col(ps, &ps->idx[C_AMLOS], i, col_names[C_AMLOS], err);
        else if (strcmp(f, "weights") == 0 || strcmp(f, "weight") == 0 ||
                 strcmp(f, "relativeweight") == 0 || strcmp(f, "relativeweights") == 0)
            rc = set_col(ps, &plain, i, col_names[C_WEIGHT], err);
        else if (strncmp(f, "weight", 6) == 0 && strstr(f, "capapplied"))
            rc = set_col(ps, &capped, i, "Weights - 10% Cap Applied", err);
        else if (strncmp(f, "weight", 6) == 0 && strstr(f, "beforecap"))
            rc = set_col(ps, &ps->idx_before_cap, i, "Weights - Before Cap", err);
        else if (ends_with(f, "postacutedrg", &plen)) {
            rc = set_col(ps, &ps->idx[C_POST], i, col_names[C_POST], err);
            if (!rc)
                rc = flag_year(ps, f, plen, h, &ps->year_post, err);
        } else if (ends_with(f, "specialpaydrg", &plen)) {
            rc = set_col(ps, &ps->idx[C_SPECIAL], i, col_names[C_SPECIAL], err);
            if (!rc)
                rc = flag_year(ps, f, plen, h, &ps->year_special, err);
        }
    }
    if (rc)
        return rc;
    /* 10% cap on weight reductions (FY 2023 on): the capped weight is the one paid. */
    if (capped >= 0 && plain >= 0)
        return folio_err_set(err, FOLIO_EPARSE, "table5",
                             "%s:%ld: both '%.*s' and '%.*s': which weight is paid is unclear",
                             ps->name, ps->rec_line, SHOW(ps->head[plain]), SHOW(ps->head[capped]));
    ps->idx[C_WEIGHT] = capped >= 0 ? capped : plain;
    ps->capped = capped >= 0;
    if (ps->idx[C_WEIGHT] < 0 && ps->idx_before_cap >= 0)
        return folio_err_set(err, FOLIO_EPARSE, "table5",
                             "%s:%ld: '%.*s' but no 'Weights - 10%% Cap Applied' column", ps->name,
                             ps->rec_line, SHOW(ps->head[ps->idx_before_cap]));
    for (int c = 0; c < C_N; c++)
        if (ps->idx[c] < 0)
            return folio_err_set(err, FOLIO_EPARSE, "table5", "%s:%ld: missing column '%s'",
                                 ps->name, ps->rec_line, col_names[c]);
    if (ps->year_post && ps->year_special && ps->year_post != ps->year_special)
        return folio_err_set(err, FOLIO_EPARSE, "table5",
                             "%s:%ld: the flag columns name two fiscal years: %d and %d", ps->name,
                             ps->rec_line, ps->year_post, ps->year_special);
    return FOLIO_OK;
}

/* Finds the header row with separator sep: true in *found when it did (the cursor is then on the
 * first data row). Rows before it are titles. */
static enum folio_rc find_header(struct parse *ps, const char *data, size_t len, char sep,
                                 bool *found, struct folio_err *err)
{
    ps->rd = (struct rd){data, len, 0, 1, sep};
    *found = false;
    for (int i = 0; i < T5_PRELUDE; i++) {
        bool have;
        enum folio_rc rc = next_record(ps, &have, err);
        if (rc)
            return rc;
        if (!have)
            return FOLIO_OK;
        if (looks_like_header(ps)) {
            *found = true;
            return FOLIO_OK;
        }
    }
    return FOLIO_OK;
}

/* ---- cells ---- */

static enum folio_rc bad_cell(struct parse *ps, int col, const char *what, struct folio_err *err)
{
    char field[64];
    int i = ps->idx[col];
    struct folio_sv h = ps->head[i], v = cell_sv(ps, i);
    long line = cell_line(ps, i);

    (void)folio_snprintf(field, sizeof field, "%s:%ld:%.*s", ps->name, line, SHOW(h));
    return folio_err_set(err, FOLIO_EPARSE, field, "%s:%ld: column '%.*s': %s: '%.*s'", ps->name,
                         line, SHOW(h), what, SHOW(v));
}

static bool all_digits(struct folio_sv s)
{
    if (s.len == 0)
        return false;
    for (size_t i = 0; i < s.len; i++)
        if (s.p[i] < '0' || s.p[i] > '9')
            return false;
    return true;
}

static int digits_val(struct folio_sv s)
{
    int v = 0;
    for (size_t i = 0; i < s.len; i++)
        v = v * 10 + (s.p[i] - '0');
    return v;
}

static enum folio_rc yes_no(struct parse *ps, int col, bool *out, struct folio_err *err)
{
    struct folio_sv v = cell_sv(ps, ps->idx[col]);

    if (folio_sv_ieq_cstr(v, "yes") || folio_sv_ieq_cstr(v, "y"))
        *out = true;
    else if (folio_sv_ieq_cstr(v, "no") || folio_sv_ieq_cstr(v, "n"))
        *out = false;
    else
        return bad_cell(ps, col, "not Yes or No", err);
    return FOLIO_OK;
}

/* A plain decimal ("1.8855", "2", ".5"), 0.0001 <= x <= 1000. */
static enum folio_rc number(struct parse *ps, int col, double *out, struct folio_err *err)
{
    struct folio_sv v = cell_sv(ps, ps->idx[col]);
    size_t digits = 0, dots = 0;

    for (size_t i = 0; i < v.len; i++) {
        if (v.p[i] >= '0' && v.p[i] <= '9')
            digits++;
        else if (v.p[i] == '.')
            dots++;
        else
            return bad_cell(ps, col, "not a number", err);
    }
    if (digits == 0 || dots > 1 || folio_sv_to_double(v, out))
        return bad_cell(ps, col, "not a number", err);
    if (!(*out >= T5_NUM_MIN) || *out > T5_NUM_MAX)
        return bad_cell(ps, col, "out of range (0.0001 to 1000)", err);
    return FOLIO_OK;
}

/* Windows-1252 0x80-0x9F as Unicode (0 where the code page has no character). */
static const uint16_t cp1252[32] = {0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
                                    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

/* Length of the valid UTF-8 sequence at p (n bytes left), 0 when invalid. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    size_t len;
    uint32_t cp;

    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xC2 && p[0] <= 0xDF)
        len = 2, cp = p[0] & 0x1Fu;
    else if (p[0] >= 0xE0 && p[0] <= 0xEF)
        len = 3, cp = p[0] & 0x0Fu;
    else if (p[0] >= 0xF0 && p[0] <= 0xF4)
        len = 4, cp = p[0] & 0x07u;
    else
        return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return len;
}

static bool valid_utf8(struct folio_sv s)
{
    for (size_t i = 0; i < s.len;) {
        size_t k = utf8_seq((const unsigned char *)s.p + i, s.len - i);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

static enum folio_rc put_cp(struct folio_buf *b, uint32_t cp)
{
    char u[3];

    if (cp < 0x80)
        return folio_buf_append_ch(b, (char)cp);
    if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        return folio_buf_append(b, u, 2);
    }
    u[0] = (char)(0xE0 | (cp >> 12));
    u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (char)(0x80 | (cp & 0x3F));
    return folio_buf_append(b, u, 3);
}

/* The title as UTF-8: "" unescaped, line breaks and tabs as spaces, Windows-1252 converted when
 * the bytes are not UTF-8 (CMS's text files are). */
static enum folio_rc title(struct parse *ps, struct folio_arena *a, const char **out,
                           struct folio_err *err)
{
    int i = ps->idx[C_TITLE];
    struct folio_sv v = cell_sv(ps, i);
    bool esc = i >= 0 && (size_t)i < ps->ncells && ps->cells[i].escapes;
    bool utf8 = valid_utf8(v);
    struct folio_buf b;
    enum folio_rc rc = FOLIO_OK;

    if (v.len == 0)
        return bad_cell(ps, C_TITLE, "empty", err);
    folio_buf_init(&b, T5_TITLE_MAX);
    for (size_t k = 0; k < v.len && !rc; k++) {
        unsigned char c = (unsigned char)v.p[k];
        if (esc && c == '"' && k + 1 < v.len && v.p[k + 1] == '"')
            k++;
        if (c == '\r' || c == '\n' || c == '\t')
            rc = folio_buf_append_ch(&b, ' ');
        else if (c < 0x20 || c == 0x7F)
            rc = FOLIO_EINVAL;
        else if (c < 0x80 || utf8)
            rc = folio_buf_append_ch(&b, (char)c);
        else if (c < 0xA0)
            rc = cp1252[c - 0x80] ? put_cp(&b, cp1252[c - 0x80]) : FOLIO_EINVAL;
        else
            rc = put_cp(&b, c);
    }
    if (rc == FOLIO_ETOOBIG) {
        folio_buf_release(&b);
        return bad_cell(ps, C_TITLE, "longer than 1000 bytes", err);
    }
    if (rc) {
        folio_buf_release(&b);
        return rc == FOLIO_ENOMEM ? folio_err_set(err, FOLIO_ENOMEM, "table5", "out of memory")
                                  : bad_cell(ps, C_TITLE, "control character", err);
    }
    *out = folio_arena_strndup(a, b.data, b.len);
    folio_buf_release(&b);
    if (*out == NULL)
        return folio_err_set(err, FOLIO_ENOMEM, "table5", "out of memory");
    return FOLIO_OK;
}

static bool row_blank(const struct parse *ps)
{
    for (size_t i = 0; i < ps->ncells; i++)
        if (folio_sv_trim(ps->cells[i].sv).len)
            return false;
    return true;
}

/* A note after the table: text in the first column only, and not an MS-DRG number. */
static bool row_note(const struct parse *ps)
{
    if (ps->ncells == 0 || all_digits(folio_sv_trim(ps->cells[0].sv)))
        return false;
    for (size_t i = 1; i < ps->ncells; i++)
        if (folio_sv_trim(ps->cells[i].sv).len)
            return false;
    return true;
}

static enum folio_rc parse_row(struct parse *ps, struct folio_drg_table5 *t, struct folio_err *err)
{
    struct folio_drg_weight w;
    struct folio_sv v;
    enum folio_rc rc;

    memset(&w, 0, sizeof w);
    if (ps->ncells > ps->nhead) {
        for (size_t i = ps->nhead; i < ps->ncells; i++)
            if (folio_sv_trim(ps->cells[i].sv).len)
                return folio_err_set(err, FOLIO_EPARSE, "table5",
                                     "%s:%ld: %zu columns, the header has %zu", ps->name,
                                     ps->rec_line, ps->ncells, ps->nhead);
    }
    w.line = ps->rec_line;
    v = cell_sv(ps, ps->idx[C_DRG]);
    if (!all_digits(v) || v.len > 3 || digits_val(v) < 1)
        return bad_cell(ps, C_DRG, "not an MS-DRG number (1-999)", err);
    w.drg = digits_val(v);
    if (t->index[w.drg]) {
        char what[64];
        (void)folio_snprintf(what, sizeof what, "MS-DRG listed twice (also on line %ld)",
                             t->rows[t->index[w.drg] - 1].line);
        return bad_cell(ps, C_DRG, what, err);
    }
    if ((rc = yes_no(ps, C_POST, &w.post_acute, err)) ||
        (rc = yes_no(ps, C_SPECIAL, &w.special_pay, err)))
        return rc;
    if (w.special_pay && !w.post_acute)
        return bad_cell(ps, C_SPECIAL,
                        "a special pay DRG must also be a post-acute DRG (42 CFR 412.4(d))", err);
    v = cell_sv(ps, ps->idx[C_MDC]);
    if (folio_sv_ieq_cstr(v, "PRE")) {
        memcpy(w.mdc, "PRE", 4);
    } else if (all_digits(v) && v.len <= 2 && digits_val(v) >= 1 && digits_val(v) <= 25) {
        w.mdc_num = digits_val(v);
        (void)folio_snprintf(w.mdc, sizeof w.mdc, "%02d", w.mdc_num);
    } else {
        return bad_cell(ps, C_MDC, "not PRE or an MDC number (01-25)", err);
    }
    v = cell_sv(ps, ps->idx[C_TYPE]);
    if (folio_sv_ieq_cstr(v, "SURG"))
        w.surgical = true;
    else if (!folio_sv_ieq_cstr(v, "MED"))
        return bad_cell(ps, C_TYPE, "not MED or SURG", err);
    if ((rc = number(ps, C_WEIGHT, &w.weight, err)) || (rc = number(ps, C_GMLOS, &w.gmlos, err)) ||
        (rc = number(ps, C_AMLOS, &w.amlos, err)) || (rc = title(ps, &t->arena, &w.title, err)))
        return rc;
    t->rows[t->n] = w;
    t->index[w.drg] = (int16_t)(++t->n);
    return FOLIO_OK;
}

static bool valid_date(int32_t d)
{
    int y = d / 10000, m = (d / 100) % 100, day = d % 100;
    return y >= 1983 && y <= 9999 && m >= 1 && m <= 12 && day >= 1 &&
           day <= folio_time_days_in_month(y, m);
}

/* Fiscal year and effective period from the header and the options. */
static enum folio_rc period(struct parse *ps, const struct folio_drg_table5_opts *o,
                            struct folio_drg_table5_info *info, struct folio_err *err)
{
    int header = ps->year_post ? ps->year_post : ps->year_special;
    int fy = o && o->fiscal_year ? o->fiscal_year : header;

    if (o && o->fiscal_year && header && o->fiscal_year != header)
        return folio_err_set(err, FOLIO_EPARSE, "fiscal_year",
                             "%s: the header says FY %d, not FY %d as given", ps->name, header,
                             o->fiscal_year);
    if (fy == 0)
        return folio_err_set(err, FOLIO_EPARSE, "fiscal_year",
                             "%s: no fiscal year in the header (\"FY 20XX Final Rule Post-Acute "
                             "DRG\"): give it",
                             ps->name);
    if (fy < 2008 || fy > 2100)
        return folio_err_set(err, FOLIO_EPARSE, "fiscal_year",
                             "%s: fiscal year %d is not an MS-DRG year (2008 on)", ps->name, fy);
    info->fiscal_year = fy;
    info->from = o && o->effective_from ? o->effective_from : (int32_t)((fy - 1) * 10000 + 1001);
    info->to = o && o->effective_to ? o->effective_to : (int32_t)(fy * 10000 + 930);
    if (!valid_date(info->from) || !valid_date(info->to) || info->to < info->from)
        return folio_err_set(err, FOLIO_EINVAL, "effective_from",
                             "%s: bad effective period %ld to %ld", ps->name, (long)info->from,
                             (long)info->to);
    return FOLIO_OK;
}

enum folio_rc folio_drg_table5_parse(const char *data, size_t len, const char *name,
                                     const struct folio_drg_table5_opts *opts,
                                     struct folio_drg_table5 **out, struct folio_err *err)
{
    struct parse *ps = calloc(1, sizeof *ps);
    struct folio_drg_table5 *t = calloc(1, sizeof *t);
    const char *nul;
    bool found = false, have, notes = false;
    long note_line = 0;
    enum folio_rc rc = FOLIO_OK;

    *out = NULL;
    if (ps == NULL || t == NULL) {
        rc = folio_err_set(err, FOLIO_ENOMEM, "table5", "out of memory");
        goto out;
    }
    folio_arena_init(&t->arena, 0);
    ps->name = folio_str_empty(name) ? "table5" : name;
    (void)folio_strlcpy(t->info.name, ps->name, sizeof t->info.name);
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data += 3;
        len -= 3;
    }
    if ((nul = memchr(data, '\0', len)) != NULL) {
        long line = 1;
        for (const char *p = data; p < nul; p++)
            line += *p == '\n';
        rc = folio_err_set(err, FOLIO_EPARSE, "table5", "%s:%ld: NUL byte", ps->name, line);
        goto out;
    }
    /* CMS's text file is tab-separated; a CSV saved from the Excel file is not. */
    rc = find_header(ps, data, len, '\t', &found, err);
    if (rc || !found) {
        struct folio_err tab_err = err ? *err : (struct folio_err){0};
        enum folio_rc tab_rc = rc;
        rc = find_header(ps, data, len, ',', &found, err);
        if (!found && tab_rc) {
            if (err)
                *err = tab_err;
            rc = tab_rc;
        }
        if (rc)
            goto out;
    }
    if (!found) {
        rc = folio_err_set(err, FOLIO_EPARSE, "table5",
                           "%s: no header row: none of the first %d rows names the columns "
                           "MS-DRG and Weights",
                           ps->name, T5_PRELUDE);
        goto out;
    }
    rc = map_header(ps, err);
    if (rc)
        goto out;
    rc = period(ps, opts, &t->info, err);
    if (rc)
        goto out;
    for (;;) {
        rc = next_record(ps, &have, err);
        if (rc || !have)
            break;
        if (row_blank(ps))
            continue;
        if (row_note(ps)) {
            if (!notes)
                note_line = ps->rec_line;
            notes = true;
            continue;
        }
        if (notes) {
            rc = folio_err_set(err, FOLIO_EPARSE, "table5",
                               "%s:%ld: an MS-DRG row after the note on line %ld", ps->name,
                               ps->rec_line, note_line);
            break;
        }
        rc = parse_row(ps, t, err);
        if (rc)
            break;
    }
    if (rc)
        goto out;
    if (t->n == 0) {
        rc = folio_err_set(err, FOLIO_EPARSE, "table5", "%s: no MS-DRG rows", ps->name);
        goto out;
    }
    t->info.ndrgs = t->n;
    t->info.capped_weights = ps->capped;
    *out = t;
    t = NULL;
out:
    folio_drg_table5_free(t);
    free(ps);
    return rc;
}

enum folio_rc folio_drg_table5_load(const char *path, const struct folio_drg_table5_opts *opts,
                                    struct folio_drg_table5 **out, struct folio_err *err)
{
    struct folio_buf b;
    const char *base = strrchr(path, '/');
    enum folio_rc rc;

    *out = NULL;
    folio_buf_init(&b, T5_FILE_MAX);
    rc = folio_buf_read_file(&b, path, err);
    if (!rc)
        rc = folio_drg_table5_parse(b.data, b.len, base ? base + 1 : path, opts, out, err);
    folio_buf_release(&b);
    return rc;
}

void folio_drg_table5_free(struct folio_drg_table5 *t)
{
    if (t == NULL)
        return;
    folio_arena_release(&t->arena);
    free(t);
}

void folio_drg_table5_info(const struct folio_drg_table5 *t, struct folio_drg_table5_info *out)
{
    *out = t->info;
}

const struct folio_drg_weight *folio_drg_table5_get(const struct folio_drg_table5 *t, int drg)
{
    if (drg < 1 || drg > 999 || t->index[drg] == 0)
        return NULL;
    return &t->rows[t->index[drg] - 1];
}

/* ---- the set ---- */

struct folio_drg_table5_set {
    struct folio_drg_table5 *t[T5_SET_MAX];
    size_t n;
};

enum folio_rc folio_drg_table5_set_new(struct folio_drg_table5_set **out, struct folio_err *err)
{
    *out = calloc(1, sizeof **out);
    if (*out == NULL)
        return folio_err_set(err, FOLIO_ENOMEM, "table5", "out of memory");
    return FOLIO_OK;
}

enum folio_rc folio_drg_table5_set_add(struct folio_drg_table5_set *s, struct folio_drg_table5 *t,
                                       struct folio_err *err)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->t[i]->info.from == t->info.from) {
            enum folio_rc rc = folio_err_set(err, FOLIO_ECONFLICT, "table5",
                                             "Table 5 files %s and %s both start on %ld",
                                             s->t[i]->info.name, t->info.name, (long)t->info.from);
            folio_drg_table5_free(t);
            return rc;
        }
    if (s->n == T5_SET_MAX) {
        folio_drg_table5_free(t);
        return folio_err_set(err, FOLIO_ETOOBIG, "table5", "more than %d Table 5 files",
                             T5_SET_MAX);
    }
    s->t[s->n++] = t;
    return FOLIO_OK;
}

const struct folio_drg_table5 *folio_drg_table5_set_pick(const struct folio_drg_table5_set *s,
                                                         int32_t date)
{
    const struct folio_drg_table5 *best = NULL;

    for (size_t i = 0; i < s->n; i++) {
        const struct folio_drg_table5 *t = s->t[i];
        if (t->info.from <= date && date <= t->info.to &&
            (best == NULL || t->info.from > best->info.from))
            best = t;
    }
    return best;
}

void folio_drg_table5_set_free(struct folio_drg_table5_set *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n; i++)
        folio_drg_table5_free(s->t[i]);
    free(s);
}

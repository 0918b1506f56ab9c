/* Line formats: the CMS ICD-10-CM / ICD-10-PCS order files (fixed width) and a plain list of
 * valid codes (one per line, no titles). */
#include "folio/base.h"
#include "folio/codes.h"

#include "coding/codes_int.h"

static bool is_code_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
}

static bool utf8_ok(struct folio_sv s)
{
    size_t i = 0;
    while (i < s.len) {
        unsigned char c = (unsigned char)s.p[i];
        size_t n, k;
        if (c < 0x80) {
            if (c < 0x20 && c != '\t')
                return false;
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            n = 1;
        else if ((c & 0xF0) == 0xE0)
            n = 2;
        else if (c >= 0xF0 && c <= 0xF4)
            n = 3;
        else
            return false;
        if (n >= s.len - i)
            return false;
        for (k = 1; k <= n; k++)
            if (((unsigned char)s.p[i + k] & 0xC0) != 0x80)
                return false;
        i += n + 1;
    }
    return true;
}

enum folio_rc folio_codes_parse_order_line(struct folio_sv line, struct folio_codes_order_rec *out,
                                           struct folio_err *err)
{
    size_t i;
    long order = 0;
    struct folio_sv code;

    if (line.len > 0 && line.p[line.len - 1] == '\r')
        line.len--;
    memset(out, 0, sizeof(*out));
    if (line.len < 78)
        return folio_err_set(err, FOLIO_EPARSE, "line",
                             "line is %zu characters, an order-file line has at least 78 "
                             "(order number, code, flag, short and long title)",
                             line.len);
    for (i = 0; i < 5; i++) {
        if (line.p[i] < '0' || line.p[i] > '9')
            return folio_err_set(err, FOLIO_EPARSE, "order",
                                 "columns 1-5: \"%.5s\" is not an order number", line.p);
        order = order * 10 + (line.p[i] - '0');
    }
    if (line.p[5] != ' ' || line.p[13] != ' ' || line.p[15] != ' ' || line.p[76] != ' ')
        return folio_err_set(err, FOLIO_EPARSE, "layout",
                             "not the order-file layout (blanks expected in columns 6, 14, 16, 77)");
    code.p = line.p + 6;
    code.len = 7;
    while (code.len > 0 && code.p[code.len - 1] == ' ')
        code.len--;
    if (code.len < 3)
        return folio_err_set(err, FOLIO_EPARSE, "code", "columns 7-13: \"%.7s\" is not a code",
                             line.p + 6);
    for (i = 0; i < code.len; i++)
        if (!is_code_char(code.p[i]))
            return folio_err_set(err, FOLIO_EPARSE, "code",
                                 "columns 7-13: \"%.7s\" is not a code", line.p + 6);
    if (line.p[14] != '0' && line.p[14] != '1')
        return folio_err_set(err, FOLIO_EPARSE, "flag",
                             "column 15: \"%c\" is not 0 (header) or 1 (valid code)",
                             line.p[14] >= 0x20 && line.p[14] < 0x7f ? line.p[14] : '?');
    out->order = order;
    out->code = code;
    out->billable = line.p[14] == '1';
    out->short_title = folio_sv_trim((struct folio_sv){line.p + 16, 60});
    out->long_title = folio_sv_trim((struct folio_sv){line.p + 77, line.len - 77});
    if (out->short_title.len == 0 || out->long_title.len == 0)
        return folio_err_set(err, FOLIO_EPARSE, "title", "code %.*s has no title",
                             (int)code.len, code.p);
    if (!utf8_ok(out->short_title) || !utf8_ok(out->long_title))
        return folio_err_set(err, FOLIO_EPARSE, "title",
                             "code %.*s: the title is not UTF-8 text", (int)code.len, code.p);
    return FOLIO_OK;
}

/* Longest prefix of code (shorter by one each time, down to 3) that is a row in force. */
static const char *prefix_parent(struct cl_ctx *x, const char *code, char buf[16])
{
    size_t n = strlen(code);
    folio_strlcpy(buf, code, 16);
    while (n > 3) {
        buf[--n] = '\0';
        if (cl_find(x, buf))
            return buf;
    }
    return NULL;
}

/* The whole file must end with a line break: a file cut short usually does not. */
static enum folio_rc check_end(struct cl_ctx *x, const char *data, size_t len, long lines,
                               struct folio_err *err)
{
    if (len > 0 && data[len - 1] != '\n')
        return folio_err_set(err, FOLIO_EPARSE, x->name,
                             "%s:%ld: the last line has no line break: the file is truncated",
                             x->name, lines);
    return FOLIO_OK;
}

enum folio_rc cl_load_order(struct cl_ctx *x, const char *data, size_t len,
                            enum folio_code_system cs, struct folio_err *err)
{
    const char *p = data, *end = data + len;
    struct folio_sv line;
    long lineno = 0, prev_order = 0;
    enum folio_rc rc = FOLIO_OK;
    char code[16], title[1024], stitle[128], pbuf[16];

    /* the first line decides whether this is an order file at all */
    while (cl_next_line(&p, end, &line)) {
        struct folio_codes_order_rec r;
        struct cl_code c;
        lineno++;
        if (line.len == 0 && p >= end)
            break;
        if ((rc = folio_codes_parse_order_line(line, &r, err))) {
            folio_err_prefix(err, "%s:%ld", x->name, lineno);
            goto fail;
        }
        if (r.order != prev_order + 1) {
            rc = folio_err_set(err, FOLIO_EPARSE, "order",
                               "%s:%ld: order number %05ld follows %05ld: lines are missing or "
                               "out of order",
                               x->name, lineno, r.order, prev_order);
            goto fail;
        }
        prev_order = r.order;
        if (cs == FOLIO_CS_ICD10PCS && r.code.len != 7 && r.code.len != 3) {
            rc = folio_err_set(err, FOLIO_EPARSE, "code",
                               "%s:%ld: \"%.*s\" is not an ICD-10-PCS code (7 characters)",
                               x->name, lineno, (int)r.code.len, r.code.p);
            goto fail;
        }
        if (!x->v->id && (rc = cl_begin_version(x, err)))
            goto out;
        folio_snprintf(code, sizeof(code), "%.*s", (int)r.code.len, r.code.p);
        folio_snprintf(title, sizeof(title), "%.*s", (int)r.long_title.len, r.long_title.p);
        folio_snprintf(stitle, sizeof(stitle), "%.*s", (int)r.short_title.len, r.short_title.p);
        memset(&c, 0, sizeof(c));
        c.code = code;
        c.title = title;
        c.short_title = stitle;
        c.billable = r.billable ? 1 : 0;
        c.title_wins = true;
        c.parent = prefix_parent(x, code, pbuf);
        if (cs == FOLIO_CS_ICD10PCS)
            c.kind = r.billable ? FOLIO_CODE_CODE : FOLIO_CODE_CATEGORY;
        if ((rc = cl_code_put(x, &c, NULL, err))) {
            folio_err_prefix(err, "%s:%ld", x->name, lineno);
            goto fail;
        }
        x->v->n_records++;
    }
    if ((rc = check_end(x, data, len, lineno, err)))
        goto out;
    goto out;
fail:
    if (err && !strchr(err->field, ':'))
        folio_snprintf(err->field, sizeof(err->field), "%s:%ld", x->name, lineno);
out:
    return rc;
}

enum folio_rc cl_load_valid(struct cl_ctx *x, const char *data, size_t len, struct folio_err *err)
{
    const char *p = data, *end = data + len;
    struct folio_sv line;
    long lineno = 0;
    enum folio_rc rc = FOLIO_OK;
    char code[16], pbuf[16];

    while (cl_next_line(&p, end, &line)) {
        struct cl_code c;
        size_t i;
        lineno++;
        line = folio_sv_trim(line);
        if (line.len == 0)
            continue;
        if (lineno == 1 && line.len >= 3 && (unsigned char)line.p[0] == 0xEF)
            line = (struct folio_sv){line.p + 3, line.len - 3};
        if (line.len < 3 || line.len > 7) {
            rc = folio_err_set(err, FOLIO_EPARSE, x->name,
                               "%s:%ld: \"%.*s\" is not an ICD-10-CM code (3-7 characters, no "
                               "dot, one per line)",
                               x->name, lineno, (int)(line.len > 40 ? 40 : line.len), line.p);
            goto out;
        }
        for (i = 0; i < line.len; i++)
            if (!is_code_char(line.p[i]) || (i == 0 && !(line.p[0] >= 'A' && line.p[0] <= 'Z'))) {
                rc = folio_err_set(err, FOLIO_EPARSE, x->name,
                                   "%s:%ld: \"%.*s\" is not an ICD-10-CM code", x->name, lineno,
                                   (int)line.len, line.p);
                goto out;
            }
        if (!x->v->id && (rc = cl_begin_version(x, err)))
            goto out;
        folio_snprintf(code, sizeof(code), "%.*s", (int)line.len, line.p);
        memset(&c, 0, sizeof(c));
        c.code = code;
        c.billable = 1;
        c.kind = FOLIO_CODE_CODE;
        c.parent = prefix_parent(x, code, pbuf);
        if ((rc = cl_code_put(x, &c, NULL, err))) {
            folio_err_prefix(err, "%s:%ld", x->name, lineno);
            goto out;
        }
        x->v->n_records++;
    }
    rc = check_end(x, data, len, lineno, err);
out:
    return rc;
}

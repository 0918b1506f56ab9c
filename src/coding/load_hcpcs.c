/* HCPCS Level II from the CMS ANWEB release (the .xlsx workbook, or the fixed-width .txt), and
 * the customer's CPT file (CSV, docs/codesets.md). */
#include "folio/base.h"
#include "folio/codes.h"
#include "folio/csv.h"

#include "coding/codes_int.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <zip.h>

/* Fixed-width ANWEB layout (CMS HCPCS record layout; 1-based columns, inclusive). */
#define AN_CODE 1, 5
#define AN_SEQ 6, 10
#define AN_RECID 11, 11
#define AN_LONG 12, 91
#define AN_SHORT 92, 119
#define AN_ADD 269, 276
#define AN_EFF 277, 284
#define AN_TERM 285, 292
#define AN_TERM_END_ 284 /* a first record reaches at least ACT EFF DT */

static struct folio_sv col(struct folio_sv line, size_t from, size_t to)
{
    struct folio_sv s = {"", 0};
    if (line.len < from)
        return s;
    s.p = line.p + from - 1;
    s.len = (to < line.len ? to : line.len) - from + 1;
    return folio_sv_trim(s);
}

static bool all_digits(struct folio_sv s)
{
    size_t i;
    for (i = 0; i < s.len; i++)
        if (s.p[i] < '0' || s.p[i] > '9')
            return false;
    return s.len > 0;
}

static bool code_ok(struct folio_sv s)
{
    size_t i;
    if (s.len < 2 || s.len > 5)
        return false;
    for (i = 0; i < s.len; i++)
        if (!((s.p[i] >= '0' && s.p[i] <= '9') || (s.p[i] >= 'A' && s.p[i] <= 'Z')))
            return false;
    return true;
}

static enum folio_rc rec_check(struct folio_codes_hcpcs_rec *r, struct folio_sv seq,
                               struct folio_sv recid, struct folio_err *err)
{
    int64_t v;
    char d[11];
    if (!code_ok(r->code))
        return folio_err_set(err, FOLIO_EPARSE, "HCPC", "HCPC: \"%.*s\" is not a HCPCS code",
                             (int)(r->code.len > 10 ? 10 : r->code.len), r->code.p);
    if (!all_digits(seq) || folio_sv_to_i64(seq, &v) || v > 99999)
        return folio_err_set(err, FOLIO_EPARSE, "SEQNUM", "SEQNUM: \"%.*s\" is not a number",
                             (int)(seq.len > 10 ? 10 : seq.len), seq.p);
    r->seqnum = (int)v;
    if (recid.len != 1 || (recid.p[0] != '3' && recid.p[0] != '4' && recid.p[0] != '7' &&
                           recid.p[0] != '8'))
        return folio_err_set(err, FOLIO_EPARSE, "RECID", "RECID: \"%.*s\" is not 3, 4, 7 or 8",
                             (int)(recid.len > 10 ? 10 : recid.len), recid.p);
    r->recid = recid.p[0] - '0';
    if (r->add_date.len && !cl_yyyymmdd(r->add_date, d))
        return folio_err_set(err, FOLIO_EPARSE, "ADD_DT", "ADD DT: \"%.*s\" is not YYYYMMDD",
                             (int)(r->add_date.len > 10 ? 10 : r->add_date.len), r->add_date.p);
    if (r->eff_date.len && !cl_yyyymmdd(r->eff_date, d))
        return folio_err_set(err, FOLIO_EPARSE, "ACT_EFF_DT",
                             "ACT EFF DT: \"%.*s\" is not YYYYMMDD",
                             (int)(r->eff_date.len > 10 ? 10 : r->eff_date.len), r->eff_date.p);
    if (r->term_date.len && !cl_yyyymmdd(r->term_date, d))
        return folio_err_set(err, FOLIO_EPARSE, "TERM_DT", "TERM DT: \"%.*s\" is not YYYYMMDD",
                             (int)(r->term_date.len > 10 ? 10 : r->term_date.len), r->term_date.p);
    if ((r->recid == 3 || r->recid == 7) && r->long_desc.len == 0)
        return folio_err_set(err, FOLIO_EPARSE, "LONG_DESCRIPTION", "code %.*s has no description",
                             (int)r->code.len, r->code.p);
    return FOLIO_OK;
}

enum folio_rc folio_codes_parse_hcpcs_line(struct folio_sv line, struct folio_codes_hcpcs_rec *out,
                                           struct folio_err *err)
{
    if (line.len > 0 && line.p[line.len - 1] == '\r')
        line.len--;
    memset(out, 0, sizeof(*out));
    if (line.len < 11)
        return folio_err_set(err, FOLIO_EPARSE, "line",
                             "line is %zu characters: not an ANWEB record (HCPC, SEQNUM, RECID, "
                             "descriptions, dates)",
                             line.len);
    out->code = col(line, AN_CODE);
    out->long_desc = col(line, AN_LONG);
    out->short_desc = col(line, AN_SHORT);
    out->add_date = col(line, AN_ADD);
    out->eff_date = col(line, AN_EFF);
    out->term_date = col(line, AN_TERM);
    if (line.len >= 11 && (line.p[10] == '3' || line.p[10] == '7') && line.len < AN_TERM_END_)
        return folio_err_set(err, FOLIO_EPARSE, "line",
                             "line is %zu characters, a first ANWEB record has at least %d",
                             line.len, AN_TERM_END_);
    return rec_check(out, col(line, AN_SEQ), col(line, AN_RECID), err);
}

/* ---- collecting records, then writing codes ---- */

struct hc_code {
    char code[8];
    char *long_desc, *short_desc;
    char eff[11], term[11];
    bool modifier;
    long line;
};

struct hc_list {
    struct hc_code *v;
    size_t n, cap;
    char max_eff[11];
};

static enum folio_rc hc_add(struct cl_ctx *x, struct hc_list *l, const struct folio_codes_hcpcs_rec *r,
                            long line, struct folio_err *err)
{
    if (r->recid == 4 || r->recid == 8) {
        struct hc_code *p = l->n ? &l->v[l->n - 1] : NULL;
        char *nl;
        if (!p || strlen(p->code) != r->code.len || memcmp(p->code, r->code.p, r->code.len) != 0)
            return folio_err_set(err, FOLIO_EPARSE, "RECID",
                                 "a continuation record (RECID %d) for %.*s follows no record of "
                                 "that code",
                                 r->recid, (int)r->code.len, r->code.p);
        nl = folio_arena_printf(&x->arena, "%s %.*s", p->long_desc, (int)r->long_desc.len,
                                r->long_desc.p);
        if (!nl)
            return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        p->long_desc = nl;
        return FOLIO_OK;
    }
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 1024;
        struct hc_code *nv = realloc(l->v, nc * sizeof(*nv));
        if (!nv)
            return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        l->v = nv;
        l->cap = nc;
    }
    {
        struct hc_code *c = &l->v[l->n++];
        memset(c, 0, sizeof(*c));
        folio_snprintf(c->code, sizeof(c->code), "%.*s", (int)r->code.len, r->code.p);
        c->long_desc = folio_arena_sv(&x->arena, r->long_desc);
        c->short_desc = r->short_desc.len ? folio_arena_sv(&x->arena, r->short_desc) : NULL;
        if (!c->long_desc)
            return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        if (r->eff_date.len)
            (void)cl_yyyymmdd(r->eff_date, c->eff);
        if (r->term_date.len)
            (void)cl_yyyymmdd(r->term_date, c->term);
        c->modifier = r->recid == 7;
        c->line = line;
        if (strcmp(c->eff, l->max_eff) > 0)
            memcpy(l->max_eff, c->eff, sizeof(c->eff));
    }
    return FOLIO_OK;
}

static enum folio_rc hc_write(struct cl_ctx *x, struct hc_list *l, const char *unit,
                              struct folio_err *err)
{
    size_t i;
    enum folio_rc rc;
    if (l->n == 0)
        return folio_err_set(err, FOLIO_EPARSE, x->name, "%s: no HCPCS records", x->name);
    if (l->max_eff[0] && !x->opts->effective_from) {
        /* the release's quarter: the latest action effective date */
        int m = (l->max_eff[5] - '0') * 10 + (l->max_eff[6] - '0');
        folio_snprintf(x->file_from, sizeof(x->file_from), "%.4s-%02d-01", l->max_eff,
                       ((m - 1) / 3) * 3 + 1);
    }
    if ((rc = cl_begin_version(x, err)))
        return rc;
    for (i = 0; i < l->n; i++) {
        struct hc_code *h = &l->v[i];
        struct cl_code c;
        x->v->n_records++;
        if (h->term[0] && strcmp(h->term, x->v->effective_from) < 0)
            continue; /* ended before this release's period */
        memset(&c, 0, sizeof(c));
        c.code = h->code;
        c.title = h->long_desc;
        c.short_title = h->short_desc;
        c.kind = h->modifier ? FOLIO_CODE_MODIFIER : FOLIO_CODE_CODE;
        c.billable = h->modifier ? 0 : 1;
        c.title_wins = true;
        if (h->term[0] && x->v->effective_to[0] && strcmp(h->term, x->v->effective_to) < 0)
            c.to = h->term;
        if ((rc = cl_code_put(x, &c, NULL, err))) {
            folio_err_prefix(err, "%s:%s %ld", x->name, unit, h->line);
            return rc;
        }
    }
    return FOLIO_OK;
}

static enum folio_rc load_anweb_text(struct cl_ctx *x, const char *data, size_t len,
                                     struct hc_list *l, struct folio_err *err)
{
    const char *p = data, *end = data + len;
    struct folio_sv line;
    long lineno = 0;
    bool started = false;
    enum folio_rc rc;
    while (cl_next_line(&p, end, &line)) {
        struct folio_codes_hcpcs_rec r;
        lineno++;
        /* the release puts a disclaimer paragraph before the first record */
        if (!started) {
            if (line.len < 11 || !all_digits(col(line, AN_SEQ)) ||
                !code_ok(col(line, AN_CODE)))
                continue;
            started = true;
        }
        if (folio_sv_trim(line).len == 0)
            continue;
        if ((rc = folio_codes_parse_hcpcs_line(line, &r, err)) ||
            (rc = hc_add(x, l, &r, lineno, err))) {
            folio_err_prefix(err, "%s:%ld", x->name, lineno);
            folio_snprintf(err ? err->field : NULL, err ? sizeof(err->field) : 0, "%s:%ld",
                           x->name, lineno);
            return rc;
        }
    }
    if (!started)
        return folio_err_set(err, FOLIO_EPARSE, x->name,
                             "%s:%ld: no ANWEB record found: not a HCPCS file", x->name, lineno);
    if (len > 0 && data[len - 1] != '\n')
        return folio_err_set(err, FOLIO_EPARSE, x->name,
                             "%s:%ld: the last line has no line break: the file is truncated",
                             x->name, lineno);
    return FOLIO_OK;
}

/* ---- xlsx (Office Open XML: a zip of XML parts) ---- */

static enum folio_rc zip_part(struct cl_ctx *x, zip_t *z, const char *name, struct folio_buf *out,
                              struct folio_err *err)
{
    zip_stat_t sb;
    zip_file_t *f;
    char chunk[65536];
    zip_int64_t n;
    if (zip_stat(z, name, 0, &sb) != 0)
        return folio_err_set(err, FOLIO_EPARSE, x->name, "%s: no %s inside: not an ANWEB workbook",
                             x->name, name);
    if ((sb.valid & ZIP_STAT_SIZE) && sb.size > (zip_uint64_t)out->max)
        return folio_err_set(err, FOLIO_ETOOBIG, x->name, "%s: %s is too large", x->name, name);
    f = zip_fopen(z, name, 0);
    if (!f)
        return folio_err_set(err, FOLIO_EPARSE, x->name, "%s: cannot read %s", x->name, name);
    while ((n = zip_fread(f, chunk, sizeof(chunk))) > 0) {
        if (folio_buf_append(out, chunk, (size_t)n)) {
            zip_fclose(f);
            return folio_err_set(err, FOLIO_ETOOBIG, x->name, "%s: %s is too large", x->name, name);
        }
    }
    zip_fclose(f);
    if (n < 0)
        return folio_err_set(err, FOLIO_EPARSE, x->name, "%s: %s is corrupt (truncated file?)",
                             x->name, name);
    return FOLIO_OK;
}

static xmlDoc *xml_read(const struct folio_buf *b, const char *name)
{
    return xmlReadMemory(b->data, (int)b->len, name, NULL,
                         XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

static bool el_is(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, (const xmlChar *)name) == 0;
}

/* Column index (0-based) of a cell reference "AB12"; -1 if malformed. */
static int cell_col(const char *ref)
{
    int c = 0;
    size_t i = 0;
    if (!ref)
        return -1;
    while (ref[i] >= 'A' && ref[i] <= 'Z' && i < 3)
        c = c * 26 + (ref[i++] - 'A' + 1);
    return i ? c - 1 : -1;
}

#define XL_COLS 64

static enum folio_rc load_xlsx(struct cl_ctx *x, const char *data, size_t len, struct hc_list *l,
                               struct folio_err *err)
{
    zip_error_t ze;
    zip_source_t *src = NULL;
    zip_t *z = NULL;
    struct folio_buf ss, sh;
    xmlDoc *sdoc = NULL, *wdoc = NULL;
    char **strs = NULL;
    size_t nstr = 0, i;
    enum folio_rc rc = FOLIO_OK;
    xmlNode *n, *row;
    int idx[8];
    bool header = false;
    static const char *const want[8][2] = {
        {"HCPC", "HCPC"},           {"SEQNUM", "SEQNUM"},         {"RECID", "RECID"},
        {"LONG DESCRIPTION", "LONG_DESCRIPTION"}, {"SHORT DESCRIPTION", "SHORT_DESCRIPTION"},
        {"ADD DT", "ADD_DT"},       {"ACT EFF DT", "ACT_EFF_DT"}, {"TERM DT", "TERM_DT"}};

    folio_buf_init(&ss, (size_t)256 << 20);
    folio_buf_init(&sh, (size_t)256 << 20);
    zip_error_init(&ze);
    src = zip_source_buffer_create(data, len, 0, &ze);
    if (!src || !(z = zip_open_from_source(src, ZIP_RDONLY, &ze))) {
        rc = folio_err_set(err, FOLIO_EPARSE, x->name,
                           "%s: not a readable .xlsx (zip) file (truncated?): %s", x->name,
                           zip_error_strerror(&ze));
        if (src)
            zip_source_free(src);
        src = NULL;
        goto out;
    }
    src = NULL; /* owned by z */
    if ((rc = zip_part(x, z, "xl/sharedStrings.xml", &ss, err)) ||
        (rc = zip_part(x, z, "xl/worksheets/sheet1.xml", &sh, err)))
        goto out;
    xmlInitParser();
    if (!(sdoc = xml_read(&ss, "sharedStrings.xml")) || !(wdoc = xml_read(&sh, "sheet1.xml"))) {
        rc = folio_err_set(err, FOLIO_EPARSE, x->name, "%s: the workbook's XML is malformed",
                           x->name);
        goto out;
    }
    for (n = xmlDocGetRootElement(sdoc)->children; n; n = n->next)
        if (el_is(n, "si"))
            nstr++;
    strs = calloc(nstr ? nstr : 1, sizeof(*strs));
    if (!strs) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    i = 0;
    for (n = xmlDocGetRootElement(sdoc)->children; n; n = n->next)
        if (el_is(n, "si")) {
            xmlChar *t = xmlNodeGetContent(n);
            strs[i++] = folio_arena_strdup(&x->arena, t ? (const char *)t : "");
            xmlFree(t);
        }
    for (n = xmlDocGetRootElement(wdoc)->children; n && !el_is(n, "sheetData"); n = n->next)
        ;
    if (!n) {
        rc = folio_err_set(err, FOLIO_EPARSE, x->name, "%s: the sheet has no data", x->name);
        goto out;
    }
    for (row = n->children; row; row = row->next) {
        const char *cells[XL_COLS] = {0};
        xmlNode *c;
        long rno;
        xmlChar *ra;
        struct folio_codes_hcpcs_rec r;
        if (!el_is(row, "row"))
            continue;
        ra = xmlGetProp(row, (const xmlChar *)"r");
        rno = ra ? strtol((const char *)ra, NULL, 10) : 0;
        xmlFree(ra);
        for (c = row->children; c; c = c->next) {
            xmlChar *ref, *t;
            xmlNode *v;
            int ci;
            if (!el_is(c, "c"))
                continue;
            ref = xmlGetProp(c, (const xmlChar *)"r");
            t = xmlGetProp(c, (const xmlChar *)"t");
            ci = cell_col((const char *)ref);
            for (v = c->children; v && !el_is(v, "v") && !el_is(v, "is"); v = v->next)
                ;
            if (ci >= 0 && ci < XL_COLS && v) {
                xmlChar *vt = xmlNodeGetContent(v);
                const char *s = vt ? (const char *)vt : "";
                if (t && xmlStrcmp(t, (const xmlChar *)"s") == 0) {
                    char *e;
                    long k = strtol(s, &e, 10);
                    cells[ci] = (*s && !*e && k >= 0 && (size_t)k < nstr) ? strs[k] : NULL;
                    if (!cells[ci]) {
                        xmlFree(vt);
                        xmlFree(ref);
                        xmlFree(t);
                        rc = folio_err_set(err, FOLIO_EPARSE, x->name,
                                           "%s:row %ld: a shared-string index is out of range",
                                           x->name, rno);
                        goto out;
                    }
                } else {
                    cells[ci] = folio_arena_strdup(&x->arena, s);
                }
                xmlFree(vt);
            }
            xmlFree(ref);
            xmlFree(t);
        }
        if (!header) {
            size_t k, j;
            if (!cells[0] || strcmp(cells[0], "HCPC") != 0)
                continue;
            for (k = 0; k < 8; k++) {
                idx[k] = -1;
                for (j = 0; j < XL_COLS; j++)
                    if (cells[j] && (strcmp(cells[j], want[k][0]) == 0 ||
                                     strcmp(cells[j], want[k][1]) == 0))
                        idx[k] = (int)j;
                if (idx[k] < 0) {
                    rc = folio_err_set(err, FOLIO_EPARSE, x->name,
                                       "%s:row %ld: the header has no column %s", x->name, rno,
                                       want[k][0]);
                    goto out;
                }
            }
            header = true;
            continue;
        }
        if (!cells[idx[0]] && !cells[idx[2]])
            continue; /* an empty row */
        memset(&r, 0, sizeof(r));
        r.code = folio_sv_trim(folio_sv_from(cells[idx[0]]));
        r.long_desc = folio_sv_trim(folio_sv_from(cells[idx[3]]));
        r.short_desc = folio_sv_trim(folio_sv_from(cells[idx[4]]));
        r.add_date = folio_sv_trim(folio_sv_from(cells[idx[5]]));
        r.eff_date = folio_sv_trim(folio_sv_from(cells[idx[6]]));
        r.term_date = folio_sv_trim(folio_sv_from(cells[idx[7]]));
        if ((rc = rec_check(&r, folio_sv_trim(folio_sv_from(cells[idx[1]])),
                            folio_sv_trim(folio_sv_from(cells[idx[2]])), err)) ||
            (rc = hc_add(x, l, &r, rno, err))) {
            folio_err_prefix(err, "%s:row %ld", x->name, rno);
            if (err)
                folio_snprintf(err->field, sizeof(err->field), "%s:row %ld", x->name, rno);
            goto out;
        }
    }
    if (!header)
        rc = folio_err_set(err, FOLIO_EPARSE, x->name,
                           "%s: no header row starting with HCPC: not an ANWEB workbook", x->name);
out:
    free(strs);
    xmlFreeDoc(sdoc);
    xmlFreeDoc(wdoc);
    if (z)
        zip_discard(z);
    zip_error_fini(&ze);
    folio_buf_release(&ss);
    folio_buf_release(&sh);
    return rc;
}

enum folio_rc cl_load_hcpcs(struct cl_ctx *x, const char *data, size_t len, struct folio_err *err)
{
    struct hc_list l = {0};
    enum folio_rc rc;
    bool xlsx = len >= 4 && memcmp(data, "PK\003\004", 4) == 0;
    rc = xlsx ? load_xlsx(x, data, len, &l, err) : load_anweb_text(x, data, len, &l, err);
    if (!rc)
        rc = hc_write(x, &l, xlsx ? "row" : "line", err);
    free(l.v);
    return rc;
}

/* ---- CPT: the customer's CSV ---- */

enum folio_rc cl_load_cpt(struct cl_ctx *x, const char *data, size_t len, struct folio_err *err)
{
    struct folio_csv *c = NULL;
    enum folio_rc rc;
    bool have;
    int ci, ti, si;
    if ((rc = folio_csv_open_mem(data, len, x->name, NULL, &c, err)) ||
        (rc = folio_csv_read_header(c, err)))
        goto out;
    ci = folio_csv_column(c, "code");
    ti = folio_csv_column(c, "long_title");
    si = folio_csv_column(c, "short_title");
    if (ci < 0 || ti < 0) {
        rc = folio_err_set(err, FOLIO_EPARSE, x->name,
                           "%s:1: the header needs the columns code and long_title "
                           "(short_title optional): see docs/codesets.md",
                           x->name);
        goto out;
    }
    if ((rc = cl_begin_version(x, err)))
        goto out;
    while ((rc = folio_csv_next(c, &have, err)) == FOLIO_OK && have) {
        struct cl_code k;
        struct folio_sv code = folio_sv_trim(folio_csv_sv(c, ci));
        char cbuf[8];
        if (!code_ok(code) || (code.len != 5 && code.len != 2)) {
            rc = folio_err_set(err, FOLIO_EPARSE, x->name, "%s:%ld: code: \"%.*s\" is not a CPT code",
                               x->name, folio_csv_line(c), (int)(code.len > 10 ? 10 : code.len),
                               code.p);
            folio_snprintf(err ? err->field : cbuf, err ? sizeof(err->field) : sizeof(cbuf),
                           "%s:%ld", x->name, folio_csv_line(c));
            goto out;
        }
        folio_snprintf(cbuf, sizeof(cbuf), "%.*s", (int)code.len, code.p);
        memset(&k, 0, sizeof(k));
        k.code = cbuf;
        k.title = folio_csv_get(c, ti);
        k.short_title = si >= 0 && folio_csv_get(c, si)[0] ? folio_csv_get(c, si) : NULL;
        k.kind = code.len == 2 ? FOLIO_CODE_MODIFIER : FOLIO_CODE_CODE;
        k.billable = code.len == 2 ? 0 : 1;
        k.title_wins = true;
        if (!k.title[0]) {
            rc = folio_err_set(err, FOLIO_EPARSE, x->name, "%s:%ld: long_title: missing", x->name,
                               folio_csv_line(c));
            goto out;
        }
        if ((rc = cl_code_put(x, &k, NULL, err))) {
            folio_err_prefix(err, "%s:%ld", x->name, folio_csv_line(c));
            goto out;
        }
        x->v->n_records++;
    }
out:
    folio_csv_free(c);
    return rc;
}

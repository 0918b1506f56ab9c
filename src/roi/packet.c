/* The release packet of an ROI request (issue 9 item 4): a cover letter and the selected
 * documents rendered to PDF with libharu, every page stamped with the patient, the request number
 * and "Page n of N"; its SHA-256 recorded on the request. include/folio/roi.h, docs/roi.md.
 *
 * Two passes: the layout puts every line on a page (so N is known), then the pages are drawn
 * with their stamps. Only libharu's base-14 fonts (Helvetica, Courier) in WinAnsiEncoding: no
 * font files to ship, and text outside Latin-1 prints as '?'. */
#include "folio/base.h"

#include <limits.h>

#include <hpdf.h>

#include "folio/crypto.h"
#include "folio/records.h"
#include "roi/roi_int.h"

/* US Letter, points */
#define PAGE_W      612.0f
#define PAGE_H      792.0f
#define MARGIN_X    54.0f
#define BODY_TOP    (PAGE_H - 76.0f)
#define BODY_BOTTOM 70.0f
#define TEXT_W      (PAGE_W - 2 * MARGIN_X)
#define HEADER_Y    (PAGE_H - 42.0f)
#define FOOTER_Y    38.0f

#define TEXT_MAX ((size_t)128 << 20) /* a converted document (64 MiB of content at most) */

enum font { F_REG = 0, F_BOLD, F_MONO, N_FONTS };
static const char *const font_names[N_FONTS] = {"Helvetica", "Helvetica-Bold", "Courier"};

/* libharu reports errors through a handler; the first one is kept and turned into a folio
 * error after the call (never longjmp, never abort). */
struct hpdf_state {
    HPDF_STATUS error, detail;
};

static void HPDF_STDCALL on_hpdf_error(HPDF_STATUS error, HPDF_STATUS detail, void *user)
{
    struct hpdf_state *h = user;
    if (h->error == 0) {
        h->error = error;
        h->detail = detail;
    }
}

static enum folio_rc hpdf_check(const struct hpdf_state *h, const char *what, struct folio_err *err)
{
    if (h->error == 0)
        return FOLIO_OK;
    return folio_err_set(err, FOLIO_EINTERNAL, "pdf",
                         "pdf: libharu error 0x%04X (detail %u) while %s", (unsigned)h->error,
                         (unsigned)h->detail, what);
}

/* ---- text: UTF-8 in, WinAnsi (Latin-1) out ---- */

static size_t utf8_seq(const unsigned char *p, size_t len, uint32_t *cp)
{
    size_t n;
    uint32_t c, min;
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    if ((p[0] & 0xE0) == 0xC0)
        n = 2, c = p[0] & 0x1Fu, min = 0x80;
    else if ((p[0] & 0xF0) == 0xE0)
        n = 3, c = p[0] & 0x0Fu, min = 0x800;
    else if ((p[0] & 0xF8) == 0xF0)
        n = 4, c = p[0] & 0x07u, min = 0x10000;
    else
        return 0;
    if (n > len)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (p[i] & 0x3Fu);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return n;
}

/* The printable form of (p, len): '\n' ends a line, tabs expand to 8 columns, '\r' is dropped,
 * U+00A0..U+00FF become their Latin-1 byte, anything else (controls, other characters, invalid
 * UTF-8 bytes) becomes '?'. NUL-terminated, in ar. */
static char *to_winansi(struct folio_arena *ar, const void *in, size_t len, size_t *out_len)
{
    const unsigned char *p = in;
    struct folio_buf b;
    size_t col = 0;
    char *res = NULL;
    folio_buf_init(&b, TEXT_MAX);
    for (size_t i = 0; i < len;) {
        uint32_t cp = 0;
        size_t n = utf8_seq(p + i, len - i, &cp);
        char c;
        if (n == 0) {
            n = 1;
            cp = '?';
        }
        i += n;
        if (cp == '\r')
            continue;
        if (cp == '\n') {
            col = 0;
            if (folio_buf_append_ch(&b, '\n'))
                goto out;
            continue;
        }
        if (cp == '\t') {
            do {
                if (folio_buf_append_ch(&b, ' '))
                    goto out;
            } while (++col % 8);
            continue;
        }
        if (cp >= 0x20 && cp < 0x7F)
            c = (char)cp;
        else if (cp >= 0xA0 && cp <= 0xFF)
            c = (char)(unsigned char)cp;
        else
            c = '?';
        if (folio_buf_append_ch(&b, c))
            goto out;
        col++;
    }
    res = folio_arena_strndup(ar, b.data, b.len);
    *out_len = b.len;
out:
    folio_buf_release(&b);
    return res;
}

static const char *find(const char *p, size_t len, const char *needle, size_t n)
{
    for (size_t i = 0; i + n <= len; i++)
        if (p[i] == needle[0] && memcmp(p + i, needle, n) == 0)
            return p + i;
    return NULL;
}

static int tag_breaks(const char *name, size_t len)
{
    static const char *const breaks[] = {"title",   "paragraph", "br",    "item", "tr",
                                         "section", "list",      "table", "text", "caption",
                                         "p",       "div",       "li"};
    for (size_t i = 0; i < sizeof breaks / sizeof breaks[0]; i++)
        if (strlen(breaks[i]) == len && strncmp(breaks[i], name, len) == 0)
            return 1;
    return 0;
}

static enum folio_rc put_cp(struct folio_buf *b, uint32_t c)
{
    char u[4];
    size_t n;
    if (c == 0 || c > 0x10FFFF)
        c = '?';
    if (c < 0x80)
        u[0] = (char)c, n = 1;
    else if (c < 0x800)
        u[0] = (char)(0xC0 | (c >> 6)), u[1] = (char)(0x80 | (c & 0x3F)), n = 2;
    else if (c < 0x10000)
        u[0] = (char)(0xE0 | (c >> 12)), u[1] = (char)(0x80 | ((c >> 6) & 0x3F)),
        u[2] = (char)(0x80 | (c & 0x3F)), n = 3;
    else
        u[0] = (char)(0xF0 | (c >> 18)), u[1] = (char)(0x80 | ((c >> 12) & 0x3F)),
        u[2] = (char)(0x80 | ((c >> 6) & 0x3F)), u[3] = (char)(0x80 | (c & 0x3F)), n = 4;
    return folio_buf_append(b, u, n);
}

/* The text of an XML document (a CDA): tags dropped (block elements of the CDA narrative and
 * XHTML end a line), comments, processing instructions and declarations dropped, CDATA kept,
 * the five named entities and numeric references decoded, runs of white space collapsed, at
 * most one blank line. Not a validating parser: it only has to be readable. */
static enum folio_rc xml_text(const char *p, size_t len, struct folio_buf *b)
{
    size_t i = 0;
    bool space = false;
    int newlines = 2; /* at the start: no leading blank lines */
    enum folio_rc rc = FOLIO_OK;
#define NL()                                                                                       \
    do {                                                                                           \
        if (newlines < 2 && (rc = folio_buf_append_ch(b, '\n')))                                   \
            return rc;                                                                             \
        newlines++;                                                                                \
        space = false;                                                                             \
    } while (0)
    while (i < len) {
        char c = p[i];
        if (c == '<') {
            const char *end;
            if (len - i >= 4 && memcmp(p + i, "<!--", 4) == 0) {
                end = find(p + i, len - i, "-->", 3);
                i = end ? (size_t)(end - p) + 3 : len;
                continue;
            }
            if (len - i >= 9 && memcmp(p + i, "<![CDATA[", 9) == 0) {
                size_t s0 = i + 9;
                end = find(p + s0, len - s0, "]]>", 3);
                size_t e = end ? (size_t)(end - p) : len;
                if ((rc = folio_buf_append(b, p + s0, e - s0)))
                    return rc;
                newlines = 0;
                i = end ? e + 3 : len;
                continue;
            }
            end = memchr(p + i, '>', len - i);
            size_t e = end ? (size_t)(end - p) : len;
            size_t n0 = i + 1;
            if (n0 < e && (p[n0] == '/' || p[n0] == '?' || p[n0] == '!'))
                n0++;
            size_t n1 = n0;
            while (n1 < e && p[n1] != ' ' && p[n1] != '/' && p[n1] != '\t' && p[n1] != '\n' &&
                   p[n1] != '\r')
                n1++;
            const char *colon = memchr(p + n0, ':', n1 - n0); /* a namespace prefix */
            if (colon)
                n0 = (size_t)(colon - p) + 1;
            if (tag_breaks(p + n0, n1 - n0))
                NL();
            else
                space = newlines == 0;
            i = end ? e + 1 : len;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = newlines == 0;
            i++;
            continue;
        }
        if (space && (rc = folio_buf_append_ch(b, ' ')))
            return rc;
        space = false;
        newlines = 0;
        if (c == '&') {
            static const struct {
                const char *name;
                char ch;
            } ents[] = {
                {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
            bool done = false;
            for (size_t k = 0; k < sizeof ents / sizeof ents[0] && !done; k++) {
                size_t n = strlen(ents[k].name);
                if (len - i >= n && memcmp(p + i, ents[k].name, n) == 0) {
                    if ((rc = folio_buf_append_ch(b, ents[k].ch)))
                        return rc;
                    i += n;
                    done = true;
                }
            }
            if (!done && len - i >= 4 && p[i + 1] == '#') {
                size_t k = i + 2;
                bool hex = k < len && (p[k] == 'x' || p[k] == 'X');
                uint32_t v = 0;
                size_t digits = 0;
                k += hex;
                for (; k < len && digits < 8; k++, digits++) {
                    int d = -1;
                    if (p[k] >= '0' && p[k] <= '9')
                        d = p[k] - '0';
                    else if (hex && p[k] >= 'a' && p[k] <= 'f')
                        d = p[k] - 'a' + 10;
                    else if (hex && p[k] >= 'A' && p[k] <= 'F')
                        d = p[k] - 'A' + 10;
                    if (d < 0)
                        break;
                    v = v * (hex ? 16u : 10u) + (uint32_t)d;
                }
                if (digits > 0 && k < len && p[k] == ';') {
                    if ((rc = put_cp(b, v)))
                        return rc;
                    i = k + 1;
                    done = true;
                }
            }
            if (done)
                continue;
        }
        if ((rc = folio_buf_append_ch(b, c)))
            return rc;
        i++;
    }
#undef NL
    return rc;
}

/* ---- layout ---- */

struct line {
    int page; /* 1-based */
    float y;
    enum font font;
    float size;
    const char *text; /* WinAnsi, one line */
};

struct layout {
    struct folio_arena *ar;
    HPDF_Font fonts[N_FONTS];
    struct line *v;
    size_t n, cap;
    int page;
    float y;
};

static enum folio_rc new_page(struct layout *L, struct folio_err *err)
{
    if (L->page >= FOLIO_ROI_PACKET_MAX_PAGES)
        return folio_err_set(err, FOLIO_ETOOBIG, "document_ids",
                             "the packet would have more than %d pages",
                             FOLIO_ROI_PACKET_MAX_PAGES);
    L->page++;
    L->y = BODY_TOP;
    return FOLIO_OK;
}

static enum folio_rc emit(struct layout *L, enum font f, float size, const char *s, size_t len,
                          struct folio_err *err)
{
    float lead = size * 1.3f;
    enum folio_rc rc;
    struct line *v;
    if (L->y - lead < BODY_BOTTOM && (rc = new_page(L, err)))
        return rc;
    L->y -= lead;
    v = folio_arena_grow(L->ar, L->v, L->n, &L->cap, sizeof *L->v, 64);
    if (!v)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory laying out the packet");
    L->v = v;
    while (len > 0 && s[len - 1] == ' ')
        len--;
    v[L->n].page = L->page;
    v[L->n].y = L->y;
    v[L->n].font = f;
    v[L->n].size = size;
    v[L->n].text = folio_arena_strndup(L->ar, s, len);
    if (!v[L->n].text)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory laying out the packet");
    L->n++;
    return FOLIO_OK;
}

static void gap(struct layout *L, float pts)
{
    L->y -= pts;
}

/* WinAnsi text (lines split at '\n') wrapped to width at word boundaries where it can (a word
 * longer than the line is cut). */
static enum folio_rc para_w(struct layout *L, enum font f, float size, const char *s, size_t len,
                            struct folio_err *err)
{
    enum folio_rc rc = FOLIO_OK;
    float width = TEXT_W;
    size_t i = 0;
    while (i <= len) {
        const char *nl = memchr(s + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - s) : len;
        if (e == i && (rc = emit(L, f, size, "", 0, err)))
            return rc;
        while (i < e) {
            HPDF_REAL real = 0;
            size_t chunk = e - i;
            HPDF_UINT part = (HPDF_UINT)(chunk > 65536 ? 65536 : chunk);
            HPDF_UINT n = HPDF_Font_MeasureText(L->fonts[f], (const HPDF_BYTE *)(s + i), part,
                                                width, size, 0, 0, HPDF_TRUE, &real);
            if (n == 0)
                n = HPDF_Font_MeasureText(L->fonts[f], (const HPDF_BYTE *)(s + i), part, width,
                                          size, 0, 0, HPDF_FALSE, &real);
            if (n == 0)
                n = 1;
            rc = emit(L, f, size, s + i, n, err);
            if (rc)
                return rc;
            i += n;
            while (i < e && s[i] == ' ')
                i++;
        }
        if (!nl)
            break;
        i = e + 1;
    }
    return rc;
}

/* UTF-8 text printed as a paragraph. */
static enum folio_rc para(struct layout *L, enum font f, float size, const char *utf8,
                          struct folio_err *err)
{
    size_t n = 0;
    const char *w = to_winansi(L->ar, utf8 ? utf8 : "", utf8 ? strlen(utf8) : 0, &n);
    if (!w)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    return para_w(L, f, size, w, n, err);
}

static enum folio_rc paraf(struct layout *L, enum font f, float size, struct folio_err *err,
                           const char *fmt, ...) FOLIO_PRINTF(5, 6);
static enum folio_rc paraf(struct layout *L, enum font f, float size, struct folio_err *err,
                           const char *fmt, ...)
{
    struct folio_buf b;
    va_list ap;
    enum folio_rc rc;
    folio_buf_init(&b, 64 * 1024);
    va_start(ap, fmt);
    rc = folio_buf_vappendf(&b, fmt, ap);
    va_end(ap);
    if (rc)
        rc = folio_err_set(err, rc, NULL, "out of memory");
    else
        rc = para(L, f, size, b.data, err);
    folio_buf_release(&b);
    return rc;
}

/* ---- what goes into the packet ---- */

enum doc_kind { DOC_TEXT = 1, DOC_XML, DOC_SEPARATE };

struct pdoc {
    struct folio_document d;
    const void *content;
    size_t len;
    enum doc_kind kind;
};

static enum doc_kind kind_of(const char *mime)
{
    char m[128];
    size_t n = 0;
    for (; mime && mime[n] && mime[n] != ';' && mime[n] != ' ' && n < sizeof m - 1; n++)
        m[n] = (char)((mime[n] >= 'A' && mime[n] <= 'Z') ? mime[n] + 32 : mime[n]);
    m[n] = '\0';
    if (n == 0)
        return DOC_TEXT; /* folio stores text/plain when none was given */
    if (strcmp(m, "text/xml") == 0 || strcmp(m, "application/xml") == 0 ||
        (n > 4 && strcmp(m + n - 4, "+xml") == 0))
        return DOC_XML;
    if (strncmp(m, "text/", 5) == 0)
        return DOC_TEXT;
    return DOC_SEPARATE;
}

static const char *or_dash(const char *s)
{
    return folio_str_empty(s) ? "-" : s;
}

static enum folio_rc load_docs(const struct folio_chart *c, const struct folio_roi_packet_in *in,
                               int64_t patient_id, struct folio_arena *ar, struct pdoc **out,
                               struct folio_err *err)
{
    struct pdoc *v;
    enum folio_rc rc;
    if (in->n_documents == 0 || in->n_documents > FOLIO_ROI_PACKET_MAX_DOCS || !in->document_ids)
        return folio_err_set(err, FOLIO_EINVAL, "document_ids",
                             "document_ids: 1 to %d documents are required",
                             FOLIO_ROI_PACKET_MAX_DOCS);
    v = folio_arena_calloc(ar, in->n_documents, sizeof *v);
    if (!v)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < in->n_documents; i++) {
        char field[40];
        folio_snprintf(field, sizeof field, "document_ids[%zu]", i);
        for (size_t k = 0; k < i; k++)
            if (in->document_ids[k] == in->document_ids[i])
                return folio_err_set(err, FOLIO_EINVAL, field, "%s: document %lld is listed twice",
                                     field, (long long)in->document_ids[i]);
        rc = folio_document_get(c, in->document_ids[i], ar, &v[i].d, err);
        if (rc == FOLIO_ENOTFOUND)
            return folio_err_set(err, FOLIO_ENOTFOUND, field, "%s: no document with id %lld", field,
                                 (long long)in->document_ids[i]);
        if (rc)
            return rc;
        if (v[i].d.patient_id != patient_id)
            return folio_err_set(err, FOLIO_EINVAL, field, "%s: document %lld is another patient's",
                                 field, (long long)in->document_ids[i]);
        if (v[i].d.current.status && strcmp(v[i].d.current.status, "entered-in-error") == 0)
            return folio_err_set(err, FOLIO_EINVAL, field, "%s: document %lld is entered in error",
                                 field, (long long)in->document_ids[i]);
        rc = folio_document_content(c, v[i].d.current.id, ar, &v[i].content, &v[i].len, err);
        if (rc)
            return rc;
        v[i].kind = kind_of(v[i].d.current.mime_type);
    }
    *out = v;
    return FOLIO_OK;
}

static const char *doc_title(const struct pdoc *d)
{
    if (!folio_str_empty(d->d.current.title))
        return d->d.current.title;
    if (!folio_str_empty(d->d.type_title))
        return d->d.type_title;
    return d->d.type_code;
}

/* 42 CFR 2.32(a)(2), the short statement a disclosure with the patient's consent may carry. */
static const char part2_notice[] =
    "42 CFR part 2 prohibits unauthorized use or disclosure of these records.";
/* Our wording: an authorization must tell the individual that the information may be
 * redisclosed by the recipient and no longer protected (45 CFR 164.508(c)(2)(iii)); the same is
 * told to the recipient here. */
static const char general_notice[] =
    "The enclosed health information is confidential. It is released for the purpose stated "
    "above only. Once received, it may no longer be protected by the federal privacy rule (45 "
    "CFR Part 164) and could be redisclosed by you; state law and professional obligations may "
    "still restrict further use or disclosure. Do not disclose it further except as the patient "
    "has authorized or as the law requires or permits.";

struct ctx {
    struct folio_roi_request r;
    struct folio_patient pt;
    const char *patient_name, *number, *letter_date;
    struct pdoc *docs;
};

static enum folio_rc lay_cover(struct layout *L, const struct folio_roi_packet_in *in,
                               const struct ctx *c, struct folio_err *err)
{
    enum folio_rc rc;
    const char *cite = NULL;
    folio_roi_requester_needs_auth(c->r.requester_type, c->r.subpoena_assurance, &cite);
    if ((rc = new_page(L, err)) || (rc = para(L, F_BOLD, 14, in->facility_name, err)))
        return rc;
    if (!folio_str_empty(in->facility_address) &&
        (rc = para(L, F_REG, 10, in->facility_address, err)))
        return rc;
    gap(L, 4);
    if ((rc = para(L, F_REG, 10, "Health Information Management - Release of Information", err)))
        return rc;
    gap(L, 14);
    if ((rc = paraf(L, F_REG, 10, err, "Date: %s", c->letter_date)))
        return rc;
    gap(L, 10);
    if ((rc = paraf(L, F_REG, 10, err, "To: %s", c->r.requester_name)) ||
        (!folio_str_empty(c->r.requester_address) &&
         (rc = para(L, F_REG, 10, c->r.requester_address, err))))
        return rc;
    gap(L, 10);
    if ((rc = paraf(L, F_BOLD, 11, err, "Re: release of health information, request %s",
                    c->number)) ||
        (rc = paraf(L, F_REG, 10, err, "Patient: %s    Date of birth: %s", c->patient_name,
                    or_dash(c->pt.birth_date))) ||
        (rc = paraf(L, F_REG, 10, err, "Requester: %s (%s)", c->r.requester_name,
                    or_dash(folio_roi_requester_name(c->r.requester_type)))) ||
        (rc = paraf(L, F_REG, 10, err, "Recipient: %s%s%s", c->r.requester_name,
                    folio_str_empty(c->r.requester_address) ? "" : ", ",
                    folio_str_empty(c->r.requester_address) ? "" : c->r.requester_address)) ||
        (rc = paraf(L, F_REG, 10, err, "Purpose: %s", c->r.purpose)) ||
        (rc = paraf(L, F_REG, 10, err, "Basis of the release: %s%s", or_dash(cite),
                    c->r.authorization_id ? ", with the patient's authorization on file" : "")) ||
        (rc = paraf(L, F_REG, 10, err, "Delivery: %s", c->r.delivery)))
        return rc;
    gap(L, 10);
    if ((rc = para(L, F_REG, 10,
                   "In response to the request above, please find enclosed copies of the "
                   "following health information of the patient named above. Each page of this "
                   "packet is marked with the patient's name, the request number and its page "
                   "number.",
                   err)))
        return rc;
    gap(L, 8);
    if ((rc = paraf(L, F_BOLD, 10, err, "Documents enclosed (%zu):", in->n_documents)))
        return rc;
    for (size_t i = 0; i < in->n_documents; i++) {
        const struct pdoc *d = &c->docs[i];
        char svc[11] = "";
        if (d->d.service_at)
            folio_strlcpy(svc, d->d.service_at, sizeof svc);
        if ((rc = paraf(L, F_REG, 10, err, "%zu. %s (LOINC %s), service date %s, version %lld%s",
                        i + 1, doc_title(d), or_dash(d->d.type_code), or_dash(svc),
                        (long long)d->d.current.version_no,
                        d->kind == DOC_SEPARATE ? " - enclosed separately in its original format"
                                                : "")))
            return rc;
    }
    if (in->part2 || in->redisclosure_notice) {
        gap(L, 10);
        if ((rc = para(L, F_BOLD, 10,
                       in->part2 ? "Notice of prohibition on redisclosure (42 CFR 2.32)"
                                 : "Notice about redisclosure",
                       err)) ||
            (rc = para(L, F_REG, 10,
                       !folio_str_empty(in->notice) ? in->notice
                       : in->part2                  ? part2_notice
                                                    : general_notice,
                       err)))
            return rc;
    }
    gap(L, 14);
    if ((rc = para(L, F_REG, 10, "Sincerely,", err)) ||
        (rc = paraf(L, F_REG, 10, err, "Health Information Management, %s", in->facility_name)))
        return rc;
    return FOLIO_OK;
}

static enum folio_rc lay_doc(struct layout *L, const struct folio_roi_packet_in *in, size_t i,
                             const struct pdoc *d, struct folio_err *err)
{
    enum folio_rc rc;
    char svc[11] = "";
    if (d->d.service_at)
        folio_strlcpy(svc, d->d.service_at, sizeof svc);
    if ((rc = new_page(L, err)) ||
        (rc = paraf(L, F_BOLD, 12, err, "Document %zu of %zu: %s", i + 1, in->n_documents,
                    doc_title(d))) ||
        (rc = paraf(L, F_REG, 9, err,
                    "%s (LOINC %s); service date %s; version %lld, %s; %s, %lld bytes",
                    or_dash(d->d.type_title), or_dash(d->d.type_code), or_dash(svc),
                    (long long)d->d.current.version_no, or_dash(d->d.current.status),
                    or_dash(d->d.current.mime_type), (long long)d->len)) ||
        (rc = paraf(L, F_REG, 9, err, "SHA-256 of the content: %s",
                    or_dash(d->d.current.content_sha256))))
        return rc;
    gap(L, 10);
    if (d->kind == DOC_SEPARATE)
        return para(L, F_REG, 11,
                    "This document is not text and cannot be printed in this packet. It is "
                    "enclosed separately, in its original format, with this packet; its SHA-256 "
                    "above identifies it.",
                    err);
    const char *text = d->content;
    size_t len = d->len, wn = 0;
    struct folio_buf xb;
    folio_buf_init(&xb, TEXT_MAX);
    if (d->kind == DOC_XML) {
        if ((rc = xml_text(d->content, d->len, &xb))) {
            folio_buf_release(&xb);
            return folio_err_set(err, rc, NULL, "document %lld: its text is too large",
                                 (long long)d->d.id);
        }
        text = xb.data;
        len = xb.len;
    }
    const char *w = to_winansi(L->ar, text, len, &wn);
    folio_buf_release(&xb);
    if (!w)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory converting document %lld",
                             (long long)d->d.id);
    return para_w(L, F_MONO, 9, w, wn, err);
}

/* ---- drawing ---- */

static void text_at(HPDF_Page pg, HPDF_Font f, float size, float x, float y, const char *s,
                    bool right)
{
    HPDF_Page_SetFontAndSize(pg, f, size);
    if (right)
        x -= HPDF_Page_TextWidth(pg, s);
    HPDF_Page_TextOut(pg, x, y, s);
}

/* Every page: left (the patient) and right (what this is) in the header, the facility and
 * "Page n of N" in the footer; then the laid-out lines. */
static enum folio_rc draw(HPDF_Doc pdf, const struct layout *L, const char *left,
                          const char *right, const char *facility, const struct hpdf_state *h,
                          struct folio_err *err)
{
    size_t k = 0;
    char stamp[96];
    for (int p = 1; p <= L->page; p++) {
        HPDF_Page pg = HPDF_AddPage(pdf);
        enum folio_rc rc = hpdf_check(h, "adding a page", err);
        if (rc)
            return rc;
        HPDF_Page_SetSize(pg, HPDF_PAGE_SIZE_LETTER, HPDF_PAGE_PORTRAIT);
        /* the stamps: a rule under the header and over the footer */
        HPDF_Page_SetLineWidth(pg, 0.8f);
        HPDF_Page_MoveTo(pg, MARGIN_X, HEADER_Y - 8);
        HPDF_Page_LineTo(pg, PAGE_W - MARGIN_X, HEADER_Y - 8);
        HPDF_Page_MoveTo(pg, MARGIN_X, FOOTER_Y + 14);
        HPDF_Page_LineTo(pg, PAGE_W - MARGIN_X, FOOTER_Y + 14);
        HPDF_Page_Stroke(pg);
        HPDF_Page_BeginText(pg);
        text_at(pg, L->fonts[F_BOLD], 10, MARGIN_X, HEADER_Y, left, false);
        text_at(pg, L->fonts[F_BOLD], 10, PAGE_W - MARGIN_X, HEADER_Y, right, true);
        text_at(pg, L->fonts[F_REG], 8, MARGIN_X, FOOTER_Y, facility, false);
        folio_snprintf(stamp, sizeof stamp, "Page %d of %d", p, L->page);
        text_at(pg, L->fonts[F_BOLD], 10, PAGE_W - MARGIN_X, FOOTER_Y, stamp, true);
        for (; k < L->n && L->v[k].page == p; k++) {
            const struct line *ln = &L->v[k];
            if (ln->text[0] != '\0')
                text_at(pg, L->fonts[ln->font], ln->size, MARGIN_X, ln->y, ln->text, false);
        }
        HPDF_Page_EndText(pg);
        if ((rc = hpdf_check(h, "drawing a page", err)))
            return rc;
    }
    return FOLIO_OK;
}

static enum folio_rc save(HPDF_Doc pdf, const struct hpdf_state *h, struct folio_roi_packet *out,
                          struct folio_err *err)
{
    enum folio_rc rc;
    HPDF_UINT32 size, total = 0;
    unsigned char *buf;
    HPDF_SaveToStream(pdf);
    if ((rc = hpdf_check(h, "saving the document", err)))
        return rc;
    size = HPDF_GetStreamSize(pdf);
    if (size == 0)
        return folio_err_set(err, FOLIO_EINTERNAL, "pdf", "pdf: libharu wrote no bytes");
    buf = malloc(size);
    if (!buf)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory for a %u-byte PDF",
                             (unsigned)size);
    HPDF_ResetStream(pdf);
    while (total < size) {
        HPDF_UINT32 n = size - total;
        HPDF_STATUS st = HPDF_ReadFromStream(pdf, buf + total, &n);
        total += n;
        if (st == HPDF_STREAM_EOF || n == 0)
            break;
        if (st != HPDF_OK)
            break;
    }
    if (total != size) {
        free(buf);
        return folio_err_set(err, FOLIO_EINTERNAL, "pdf",
                             "pdf: read back %u of %u bytes from libharu", (unsigned)total,
                             (unsigned)size);
    }
    out->pdf = buf;
    out->len = size;
    folio_sha256_hex(buf, size, out->sha256);
    return FOLIO_OK;
}

/* "Given Middle Family" (in ar; NULL when out of memory). */
static const char *display_name(struct folio_arena *ar, const struct folio_patient *pt)
{
    const struct folio_name *nm = &pt->name;
    return folio_arena_printf(
        ar, "%s%s%s%s%s", nm->given ? nm->given : "", folio_str_empty(nm->middle) ? "" : " ",
        folio_str_empty(nm->middle) ? "" : nm->middle, folio_str_empty(nm->given) ? "" : " ",
        nm->family ? nm->family : "");
}

static enum folio_rc gather(struct folio_store *s, const struct folio_roi_packet_in *in,
                            const char *today, struct folio_arena *ar, struct ctx *c,
                            struct folio_err *err)
{
    const struct folio_chart chart = {s, NULL, NULL};
    enum folio_rc rc;
    if ((rc = roi_text(in->facility_name, true, "facility_name", err)) ||
        (rc = roi_text(in->facility_address, false, "facility_address", err)) ||
        (rc = roi_text(in->notice, false, "notice", err)))
        return rc;
    c->letter_date = today;
    if (!folio_str_empty(in->letter_date)) {
        int64_t d;
        if (!roi_date_days(in->letter_date, &d))
            return folio_err_set(err, FOLIO_EINVAL, "letter_date",
                                 "letter_date: '%.40s' is not a date YYYY-MM-DD", in->letter_date);
        c->letter_date = in->letter_date;
    }
    rc = folio_roi_request_get(s, in->request_id, ar, &c->r, err);
    if (rc == FOLIO_ENOTFOUND)
        return folio_err_set(err, rc, "request_id", "no ROI request with id %lld",
                             (long long)in->request_id);
    if (rc)
        return rc;
    if (c->r.status == FOLIO_ROI_DENIED)
        return folio_err_set(err, FOLIO_ESTATE, "status", "request %lld was denied",
                             (long long)in->request_id);
    if ((rc = folio_patient_get(&chart, c->r.patient_id, ar, &c->pt, err)))
        return rc;
    c->patient_name = display_name(ar, &c->pt);
    c->number = folio_arena_printf(ar, FOLIO_ROI_PACKET_NUMBER_FMT, (long long)in->request_id);
    if (!c->patient_name || !c->number)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    return load_docs(&chart, in, c->r.patient_id, ar, &c->docs, err);
}

/* A stamp string in WinAnsi (in ar), '?' for what Latin-1 cannot show. */
static const char *stamp_text(struct folio_arena *ar, const char *s)
{
    size_t n = 0;
    char *w = to_winansi(ar, s, strlen(s), &n);
    for (size_t i = 0; w && i < n; i++)
        if (w[i] == '\n')
            w[i] = ' ';
    return w;
}

/* A new compressed document with the base-14 fonts in WinAnsi for the layout L (in ar). *pdf
 * is set even on failure once created (the caller frees it). */
static enum folio_rc pdf_begin(HPDF_Doc *pdf, struct hpdf_state *h, struct layout *L,
                               struct folio_arena *ar, struct folio_err *err)
{
    *pdf = HPDF_New(on_hpdf_error, h);
    if (!*pdf)
        return folio_err_set(err, FOLIO_ENOMEM, "pdf", "pdf: libharu could not start a document");
    HPDF_SetCompressionMode(*pdf, HPDF_COMP_ALL);
    for (int f = 0; f < N_FONTS; f++)
        L->fonts[f] = HPDF_GetFont(*pdf, font_names[f], "WinAnsiEncoding");
    L->ar = ar;
    return hpdf_check(h, "loading the base-14 fonts", err);
}

enum folio_rc folio_roi_packet_render(struct folio_store *s, const struct folio_roi_packet_in *in,
                                      const char *now, struct folio_roi_packet *out,
                                      struct folio_err *err)
{
    char at[32], today[11];
    struct folio_arena ar;
    struct hpdf_state h = {0, 0};
    struct layout L;
    struct ctx c;
    struct folio_roi_packet res;
    HPDF_Doc pdf = NULL;
    enum folio_rc rc;

    memset(&res, 0, sizeof res);
    memset(&c, 0, sizeof c);
    memset(&L, 0, sizeof L);
    folio_arena_init(&ar, 0);
    if ((rc = roi_now(now, at, today, err)) || (rc = gather(s, in, today, &ar, &c, err)))
        goto out;
    if ((rc = pdf_begin(&pdf, &h, &L, &ar, err)))
        goto out;
    if ((rc = lay_cover(&L, in, &c, err)))
        goto out;
    for (size_t i = 0; i < in->n_documents; i++) {
        if ((rc = lay_doc(&L, in, i, &c.docs[i], err)))
            goto out;
        if (c.docs[i].kind == DOC_SEPARATE)
            res.separate_docs++;
        else
            res.rendered_docs++;
    }
    {
        char title[64];
        folio_snprintf(title, sizeof title, "Release packet %s", c.number);
        HPDF_SetInfoAttr(pdf, HPDF_INFO_TITLE, title);
        HPDF_SetInfoAttr(pdf, HPDF_INFO_CREATOR, "Folio");
    }
    c.patient_name = stamp_text(&ar, c.patient_name);
    const char *facility = stamp_text(&ar, in->facility_name);
    if (!c.patient_name || !facility) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    const char *right = folio_arena_printf(&ar, "Request %s", c.number);
    if (!right) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    if ((rc = draw(pdf, &L, c.patient_name, right, facility, &h, err)) ||
        (rc = save(pdf, &h, &res, err)))
        goto out;
    res.pages = L.page;
    *out = res;
    res.pdf = NULL;
out:
    free(res.pdf);
    if (pdf)
        HPDF_Free(pdf);
    folio_arena_release(&ar);
    return rc;
}

/* ---- the accounting of disclosures as a letter (45 CFR 164.528(b)) ---- */

static enum folio_rc lay_accounting(struct layout *L, const char *facility, const char *address,
                                    const char *name, const struct folio_patient *pt,
                                    const struct folio_roi_accounting *acc, const char *today,
                                    struct folio_err *err)
{
    enum folio_rc rc;
    if ((rc = new_page(L, err)) || (rc = para(L, F_BOLD, 14, facility, err)) ||
        (!folio_str_empty(address) && (rc = para(L, F_REG, 10, address, err))))
        return rc;
    gap(L, 4);
    if ((rc = para(L, F_REG, 10, "Health Information Management - Privacy", err)))
        return rc;
    gap(L, 14);
    if ((rc = para(L, F_BOLD, 13, "Accounting of disclosures of protected health information",
                   err)) ||
        (rc = paraf(L, F_REG, 10, err, "Patient: %s    Date of birth: %s", name,
                    or_dash(pt->birth_date))) ||
        (rc = paraf(L, F_REG, 10, err, "Date of this accounting: %s", today)) ||
        (rc = paraf(L, F_REG, 10, err, "Period: %s to %s (the six years before the request, 45 "
                                       "CFR 164.528(a)(1))",
                    acc->from, acc->to)))
        return rc;
    gap(L, 10);
    if ((rc = para(L, F_REG, 10,
                   "You have the right to receive an accounting of the disclosures of your "
                   "health information that we made in the six years before your request. The "
                   "law does not require us to list disclosures for your treatment, for payment "
                   "and health care operations, to you or at your request, with your written "
                   "authorization, for a facility directory or to persons involved in your care, "
                   "for national security, to correctional institutions, incident to a "
                   "permitted use, or as part of a limited data set (45 CFR 164.528(a)(1)).",
                   err)))
        return rc;
    gap(L, 10);
    if (acc->n == 0)
        return para(L, F_BOLD, 11, "No disclosures that the law requires us to list were made "
                                   "in this period.",
                    err);
    if ((rc = paraf(L, F_BOLD, 11, err, "Disclosures (%zu):", acc->n)))
        return rc;
    for (size_t i = 0; i < acc->n; i++) {
        const struct folio_roi_disclosure *d = &acc->items[i];
        const char *cite = folio_roi_basis_cite(d->basis);
        gap(L, 6);
        if ((rc = paraf(L, F_BOLD, 10, err, "%zu. %s - %s", i + 1, d->disclosed_on,
                        d->recipient)) ||
            (!folio_str_empty(d->recipient_address) &&
             (rc = paraf(L, F_REG, 10, err, "Address: %s", d->recipient_address))) ||
            (rc = paraf(L, F_REG, 10, err, "Information disclosed: %s", d->description)) ||
            (rc = paraf(L, F_REG, 10, err, "Purpose: %s%s%s%s", d->purpose,
                        cite ? " (" : "", cite ? cite : "", cite ? ")" : "")))
            return rc;
    }
    return FOLIO_OK;
}

enum folio_rc folio_roi_accounting_pdf(struct folio_store *s, int64_t patient_id,
                                       const char *request_on, const char *facility_name,
                                       const char *facility_address, const char *now,
                                       struct folio_roi_packet *out, struct folio_err *err)
{
    const struct folio_chart chart = {s, NULL, NULL};
    char at[32], today[11];
    struct folio_arena ar;
    struct hpdf_state h = {0, 0};
    struct layout L;
    struct folio_roi_accounting acc;
    struct folio_patient pt;
    struct folio_roi_packet res;
    const char *name, *facility;
    HPDF_Doc pdf = NULL;
    enum folio_rc rc;

    memset(&res, 0, sizeof res);
    memset(&L, 0, sizeof L);
    folio_arena_init(&ar, 0);
    if ((rc = roi_now(now, at, today, err)) ||
        (rc = roi_text(facility_name, true, "facility_name", err)) ||
        (rc = roi_text(facility_address, false, "facility_address", err)) ||
        (rc = folio_roi_accounting(s, patient_id, request_on, &ar, &acc, err)) ||
        (rc = folio_patient_get(&chart, patient_id, &ar, &pt, err)))
        goto out;
    name = display_name(&ar, &pt);
    if (!name) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    if ((rc = pdf_begin(&pdf, &h, &L, &ar, err)))
        goto out;
    if ((rc = lay_accounting(&L, facility_name, facility_address, name, &pt, &acc, today, err)))
        goto out;
    HPDF_SetInfoAttr(pdf, HPDF_INFO_TITLE, "Accounting of disclosures");
    HPDF_SetInfoAttr(pdf, HPDF_INFO_CREATOR, "Folio");
    name = stamp_text(&ar, name);
    facility = stamp_text(&ar, facility_name);
    if (!name || !facility) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    if ((rc = draw(pdf, &L, name, "Accounting of disclosures", facility, &h, err)) ||
        (rc = save(pdf, &h, &res, err)))
        goto out;
    res.pages = L.page;
    *out = res;
    res.pdf = NULL;
out:
    free(res.pdf);
    if (pdf)
        HPDF_Free(pdf);
    folio_arena_release(&ar);
    return rc;
}

void folio_roi_packet_release(struct folio_roi_packet *p)
{
    if (!p)
        return;
    free(p->pdf);
    memset(p, 0, sizeof *p);
}

/* The packet holds only what folio_roi_select lets go for this request (minimum necessary and
 * the sensitive-record rules), with the 42 CFR 2.32 notice when a Part 2 record goes under
 * consent. */
enum folio_rc roi_check_selection(struct folio_store *s, int64_t request_id, const int64_t *ids,
                                  size_t n, unsigned flags, bool part2, const char *now,
                                  struct folio_arena *ar, struct folio_err *err)
{
    struct folio_roi_selection sel;
    char field[48];
    enum folio_rc rc = folio_roi_select(s, request_id, flags, now, ar, &sel, err);
    for (size_t i = 0; rc == FOLIO_OK && i < n; i++) {
        int64_t id = ids[i];
        const struct folio_roi_doc *inc = NULL, *exc = NULL;
        folio_snprintf(field, sizeof field, "document_ids[%zu]", i);
        for (size_t k = 0; !inc && k < sel.n_included; k++)
            if (sel.included[k].document_id == id)
                inc = &sel.included[k];
        for (size_t k = 0; !inc && !exc && k < sel.n_excluded; k++)
            if (sel.excluded[k].document_id == id)
                exc = &sel.excluded[k];
        if (exc)
            rc = folio_err_set(err, FOLIO_EINVAL, field, "document %lld is withheld: %s (%s)",
                               (long long)id, exc->reason ? exc->reason : "excluded",
                               exc->cite ? exc->cite : "docs/roi.md");
        else if (!inc)
            rc = folio_err_set(err, FOLIO_EINVAL, field,
                               "document %lld is not among the records the request asks for "
                               "(its dates and document types)",
                               (long long)id);
        else if (sel.part2_notice && inc->tags && strstr(inc->tags, ",sud_part2,") && !part2)
            rc = folio_err_set(err, FOLIO_EINVAL, "part2",
                               "document %lld is a 42 CFR Part 2 record disclosed under consent: "
                               "the packet must carry the notice of 42 CFR 2.32",
                               (long long)id);
    }
    return rc;
}

enum folio_rc folio_roi_packet_record(struct folio_store *s, const struct folio_roi_packet_in *in,
                                      const struct folio_roi_packet *p, const char *user,
                                      const char *now, int64_t *id, struct folio_err *err)
{
    char at[32], today[11], sha[FOLIO_SHA256_HEX_LEN + 1];
    struct folio_arena ar;
    struct folio_roi_request r;
    struct folio_buf docs;
    int64_t pid = 0;
    enum folio_rc rc;
    const char *st;
    bool emergency;

    if ((rc = roi_user(user, err)) || (rc = roi_now(now, at, today, err)))
        return rc;
    if (!p || !p->pdf || p->len == 0 || p->pages < 1)
        return folio_err_set(err, FOLIO_EINVAL, "packet", "packet: no rendered PDF");
    folio_sha256_hex(p->pdf, p->len, sha);
    if (strcmp(sha, p->sha256) != 0)
        return folio_err_set(err, FOLIO_EINVAL, "sha256",
                             "sha256: does not match the packet's bytes");
    if (in->n_documents == 0 || in->n_documents > FOLIO_ROI_PACKET_MAX_DOCS || !in->document_ids)
        return folio_err_set(err, FOLIO_EINVAL, "document_ids",
                             "document_ids: 1 to %d documents are required",
                             FOLIO_ROI_PACKET_MAX_DOCS);
    emergency = (in->select_flags & FOLIO_ROI_SELECT_EMERGENCY) != 0;
    /* 42 CFR 2.51(c): the nature of the emergency is documented with the disclosure */
    if ((rc = roi_text(in->emergency_reason, emergency, "emergency_reason", err)))
        return rc;
    folio_buf_init(&docs, 64 * 1024);
    rc = folio_buf_append_ch(&docs, ',');
    for (size_t i = 0; rc == FOLIO_OK && i < in->n_documents; i++)
        rc = folio_buf_appendf(&docs, "%lld,", (long long)in->document_ids[i]);
    if (rc) {
        folio_buf_release(&docs);
        return folio_err_set(err, rc, NULL, "out of memory");
    }
    folio_arena_init(&ar, 0);
    if ((rc = folio_store_begin(s, err)))
        goto out;
    rc = folio_roi_request_get(s, in->request_id, &ar, &r, err);
    if (rc == FOLIO_ENOTFOUND)
        rc = folio_err_set(err, rc, "request_id", "no ROI request with id %lld",
                           (long long)in->request_id);
    if (rc == FOLIO_OK && r.status != FOLIO_ROI_PULLED && r.status != FOLIO_ROI_QA)
        rc = folio_err_set(err, FOLIO_ESTATE, "status",
                           "a packet is recorded on a pulled request or one in QA, not %s",
                           folio_roi_status_name(r.status));
    for (size_t i = 0; rc == FOLIO_OK && i < in->n_documents; i++) {
        int64_t dpid = 0;
        bool found = false;
        rc = folio_store_exec_fmt(s, &dpid, &found, NULL, err,
                                  "SELECT patient_id FROM document WHERE id = ?", "i",
                                  in->document_ids[i]);
        if (rc == FOLIO_OK && (!found || dpid != r.patient_id))
            rc = folio_err_set(err, FOLIO_EINVAL, "document_ids",
                               "document_ids: document %lld is not the request's patient's",
                               (long long)in->document_ids[i]);
    }
    if (rc == FOLIO_OK)
        rc = roi_check_selection(s, in->request_id, in->document_ids, in->n_documents,
                                 in->select_flags, in->part2, now, &ar, err);
    /* the bytes themselves, content-addressed like documents' (folio_roi_packet_pdf) */
    if (rc == FOLIO_OK)
        rc = roi_exec(s, NULL, err,
                      "INSERT INTO content (sha256, size, bytes, created_at) VALUES (?,?,?,?) "
                      "ON CONFLICT (sha256) DO NOTHING",
                      "Tibt", p->sha256, (int64_t)p->len, p->pdf, p->len, at);
    st = rc ? NULL : folio_roi_status_name(r.status);
    if (rc == FOLIO_OK)
        rc = roi_exec(s, &pid, err,
                      "INSERT INTO roi_packet (request_id, sha256, pages, byte_size, documents, "
                      "part2_notice, redisclosure_notice, select_flags, emergency_reason, "
                      "created_at, created_by) VALUES (?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
                      "iTiiTiiitTT", in->request_id, p->sha256, (int64_t)p->pages,
                      (int64_t)p->len, docs.data, (int64_t)in->part2,
                      (int64_t)(in->redisclosure_notice && !in->part2), (int64_t)in->select_flags,
                      emergency ? in->emergency_reason : NULL, at, user);
    if (rc == FOLIO_OK) {
        const char *detail = folio_arena_printf(
            &ar, "packet %lld: %d pages, %zu bytes, sha256 %s%s%s", (long long)pid, p->pages, p->len,
            p->sha256, emergency ? "; Part 2 records for a medical emergency (42 CFR 2.51): " : "",
            emergency ? in->emergency_reason : "");
        rc = detail ? roi_add_event(s, in->request_id, at, user, "packet", st, st, detail, err)
                    : folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    }
    rc = folio_store_end(s, rc, err);
    if (rc == FOLIO_OK && id)
        *id = pid;
out:
    folio_arena_release(&ar);
    folio_buf_release(&docs);
    return rc;
}

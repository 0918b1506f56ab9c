/* ICD-10-PCS tables in memory and the code builder.
 *
 * The CMS tables XML: <pcsTable> holds axes 1-3 (one value each: section, body system,
 * operation, with the operation's <definition>) and <pcsRow>s; each row holds axes 4-7 with the
 * values valid together in that row: a code is valid when some row of its table allows each of
 * its characters 4-7 (CMS ICD-10-PCS Tables, "pcsRow"). The definitions XML gives, per section
 * and axis, terms with definitions (operations, approaches, devices) or "includes" (body part
 * key), joined here to the labels by section, position and label text. */
#include "folio/base.h"

#include "coding/encoder_int.h"

#define PCS_XML_MAX ((size_t)64 * 1024 * 1024)

/* ---- a small XML pull scanner for the CMS files (elements, attributes, text, entities;
 * comments, processing instructions and CDATA are accepted; DTDs are not) ---- */

enum xml_tok_kind { XML_EOF = 0, XML_START, XML_END, XML_TEXT };

struct xml_tok {
    enum xml_tok_kind kind;
    struct folio_sv name;  /* START/END */
    struct folio_sv attrs; /* START: the raw attribute text */
    bool empty;            /* START: <x/> */
    struct folio_sv text;  /* TEXT: raw, entities not decoded */
};

struct xml_cur {
    const char *p;
    size_t len, pos;
    const char *what; /* "tables", "definitions": for messages */
};

static size_t xml_line(const struct xml_cur *c, size_t pos)
{
    size_t line = 1;
    for (size_t i = 0; i < pos && i < c->len; i++)
        if (c->p[i] == '\n')
            line++;
    return line;
}

static enum folio_rc xml_fail(const struct xml_cur *c, size_t pos, struct folio_err *err,
                              const char *why)
{
    return folio_err_set(err, FOLIO_EPARSE, c->what, "ICD-10-PCS %s XML: line %zu: %s", c->what,
                         xml_line(c, pos), why);
}

static bool xml_find(const struct xml_cur *c, size_t from, const char *needle, size_t *at)
{
    size_t nl = strlen(needle);
    for (size_t i = from; i + nl <= c->len; i++) {
        if (memcmp(c->p + i, needle, nl) == 0) {
            *at = i;
            return true;
        }
    }
    return false;
}

static bool xml_name_ch(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '-' || ch == '.' || ch == ':';
}

static enum folio_rc xml_next(struct xml_cur *c, struct xml_tok *t, struct folio_err *err)
{
    memset(t, 0, sizeof *t);
    for (;;) {
        if (c->pos >= c->len) {
            t->kind = XML_EOF;
            return FOLIO_OK;
        }
        const char *s = c->p + c->pos;
        size_t rest = c->len - c->pos;
        if (s[0] != '<') {
            const char *lt = memchr(s, '<', rest);
            size_t n = lt ? (size_t)(lt - s) : rest;
            t->kind = XML_TEXT;
            t->text = (struct folio_sv){s, n};
            c->pos += n;
            return FOLIO_OK;
        }
        size_t at;
        if (rest >= 4 && memcmp(s, "<!--", 4) == 0) {
            if (!xml_find(c, c->pos + 4, "-->", &at))
                return xml_fail(c, c->pos, err, "unterminated comment");
            c->pos = at + 3;
            continue;
        }
        if (rest >= 9 && memcmp(s, "<![CDATA[", 9) == 0) {
            if (!xml_find(c, c->pos + 9, "]]>", &at))
                return xml_fail(c, c->pos, err, "unterminated CDATA");
            t->kind = XML_TEXT;
            t->text = (struct folio_sv){s + 9, at - c->pos - 9};
            c->pos = at + 3;
            return FOLIO_OK;
        }
        if (rest >= 2 && s[1] == '?') {
            if (!xml_find(c, c->pos + 2, "?>", &at))
                return xml_fail(c, c->pos, err, "unterminated processing instruction");
            c->pos = at + 2;
            continue;
        }
        if (rest >= 2 && s[1] == '!')
            return xml_fail(c, c->pos, err, "DTD declarations are not accepted");
        /* a tag: find its '>' outside quotes */
        size_t i = 1;
        char q = 0;
        while (i < rest) {
            char ch = s[i];
            if (q) {
                if (ch == q)
                    q = 0;
            } else if (ch == '"' || ch == '\'') {
                q = ch;
            } else if (ch == '>') {
                break;
            } else if (ch == '<') {
                return xml_fail(c, c->pos, err, "'<' inside a tag");
            }
            i++;
        }
        if (i >= rest)
            return xml_fail(c, c->pos, err, "unterminated tag");
        size_t end = i; /* index of '>' */
        bool closing = s[1] == '/';
        size_t ns = closing ? 2 : 1, ne = ns;
        while (ne < end && xml_name_ch(s[ne]))
            ne++;
        if (ne == ns)
            return xml_fail(c, c->pos, err, "tag without a name");
        t->name = (struct folio_sv){s + ns, ne - ns};
        if (closing) {
            t->kind = XML_END;
        } else {
            t->kind = XML_START;
            size_t ae = end;
            if (ae > ne && s[ae - 1] == '/') {
                t->empty = true;
                ae--;
            }
            t->attrs = (struct folio_sv){s + ne, ae - ne};
        }
        c->pos += end + 1;
        return FOLIO_OK;
    }
}

/* The value of attribute name in attrs (raw, entities not decoded). */
static bool xml_attr(struct folio_sv attrs, const char *name, struct folio_sv *out)
{
    size_t nl = strlen(name), i = 0;
    while (i < attrs.len) {
        while (i < attrs.len && (attrs.p[i] == ' ' || attrs.p[i] == '\t' || attrs.p[i] == '\n' ||
                                 attrs.p[i] == '\r'))
            i++;
        size_t ns = i;
        while (i < attrs.len && xml_name_ch(attrs.p[i]))
            i++;
        size_t ne = i;
        while (i < attrs.len && attrs.p[i] == ' ')
            i++;
        if (i >= attrs.len || attrs.p[i] != '=')
            return false;
        i++;
        while (i < attrs.len && attrs.p[i] == ' ')
            i++;
        if (i >= attrs.len || (attrs.p[i] != '"' && attrs.p[i] != '\''))
            return false;
        char q = attrs.p[i++];
        size_t vs = i;
        while (i < attrs.len && attrs.p[i] != q)
            i++;
        if (i >= attrs.len)
            return false;
        if (ne - ns == nl && memcmp(attrs.p + ns, name, nl) == 0) {
            *out = (struct folio_sv){attrs.p + vs, i - vs};
            return true;
        }
        i++;
    }
    return false;
}

/* Appends text with entities decoded and white space runs collapsed to one space. */
static enum folio_rc xml_text_append(struct folio_buf *b, struct folio_sv t)
{
    enum folio_rc rc = FOLIO_OK;
    for (size_t i = 0; i < t.len && rc == FOLIO_OK; i++) {
        char ch = t.p[i];
        if (ch == '&') {
            const char *semi = memchr(t.p + i, ';', t.len - i);
            size_t n = semi ? (size_t)(semi - (t.p + i)) + 1 : 0;
            struct folio_sv e = {t.p + i, n};
            char out = 0;
            if (folio_sv_eq_cstr(e, "&amp;"))
                out = '&';
            else if (folio_sv_eq_cstr(e, "&lt;"))
                out = '<';
            else if (folio_sv_eq_cstr(e, "&gt;"))
                out = '>';
            else if (folio_sv_eq_cstr(e, "&quot;"))
                out = '"';
            else if (folio_sv_eq_cstr(e, "&apos;") || folio_sv_eq_cstr(e, "&#39;"))
                out = '\'';
            if (out) {
                rc = folio_buf_append_ch(b, out);
                i += n - 1;
                continue;
            }
            rc = folio_buf_append_ch(b, '&');
            continue;
        }
        if (ch == '\n' || ch == '\r' || ch == '\t')
            ch = ' ';
        if (ch == ' ' && (b->len == 0 || b->data[b->len - 1] == ' '))
            continue;
        rc = folio_buf_append_ch(b, ch);
    }
    return rc;
}

/* ---- the tables model ---- */

struct pcs_label {
    char value;
    const char *text;
    const char *def; /* NULL when none */
};

struct pcs_axis {
    uint32_t lab_lo; /* into labels */
    uint32_t n;
    const char *title;
};

struct pcs_row {
    struct pcs_axis ax[4]; /* positions 4..7 */
};

struct pcs_table {
    char c[3];
    struct pcs_axis ax[3]; /* positions 1..3 */
    uint32_t row_lo, n_rows;
};

struct pcs_def {
    char section;
    int pos;
    const char *title;
    const char *text;
};

struct folio_pcs_tables {
    struct folio_arena arena;
    struct pcs_table *tables;
    size_t n_tables, cap_tables;
    struct pcs_row *rows;
    size_t n_rows, cap_rows;
    struct pcs_label *labels;
    size_t n_labels, cap_labels;
    struct pcs_def *defs;
    size_t n_defs, cap_defs;
    size_t n_codes;
};

static bool grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 64, bytes;
    while (ncap < need)
        ncap *= 2;
    if (!folio_size_mul(ncap, elem, &bytes))
        return false;
    void *p = realloc(*arr, bytes);
    if (p == NULL)
        return false;
    *arr = p;
    *cap = ncap;
    return true;
}

void folio_pcs_tables_free(struct folio_pcs_tables *t)
{
    if (t == NULL)
        return;
    folio_arena_release(&t->arena);
    free(t->tables);
    free(t->rows);
    free(t->labels);
    free(t->defs);
    free(t);
}

size_t folio_pcs_tables_count(const struct folio_pcs_tables *t)
{
    return t ? t->n_codes : 0;
}

static bool pcs_char_ok(char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z' && ch != 'I' && ch != 'O');
}

/* What a leaf element's text is for. */
enum pcs_capture { CAP_NONE, CAP_AXIS_TITLE, CAP_LABEL, CAP_DEFINITION, CAP_DEF_TITLE,
                   CAP_DEF_DEFINITION, CAP_DEF_INCLUDES };

static enum folio_rc parse_tables(struct folio_pcs_tables *t, struct xml_cur *c,
                                  struct folio_err *err)
{
    enum folio_rc rc = FOLIO_OK;
    struct folio_buf text;
    folio_buf_init(&text, 64 * 1024);
    struct pcs_table *tab = NULL;
    struct pcs_row *row = NULL;
    struct pcs_axis *axis = NULL;
    int axis_pos = 0;
    enum pcs_capture cap = CAP_NONE;
    bool saw_root = false;
    struct xml_tok tok;

    for (;;) {
        rc = xml_next(c, &tok, err);
        if (rc)
            goto out;
        if (tok.kind == XML_EOF)
            break;
        if (tok.kind == XML_TEXT) {
            if (cap != CAP_NONE) {
                rc = xml_text_append(&text, tok.text);
                if (rc)
                    goto out;
            }
            continue;
        }
        size_t here = c->pos;
        if (tok.kind == XML_START) {
            if (!saw_root) {
                if (!folio_sv_eq_cstr(tok.name, "ICD10PCS.tabular")) {
                    rc = xml_fail(c, here, err, "not an ICD-10-PCS tables file (root element is "
                                                "not ICD10PCS.tabular)");
                    goto out;
                }
                saw_root = true;
                continue;
            }
            if (folio_sv_eq_cstr(tok.name, "pcsTable")) {
                if (!grow((void **)&t->tables, &t->cap_tables, t->n_tables + 1, sizeof *t->tables)) {
                    rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
                    goto out;
                }
                tab = &t->tables[t->n_tables++];
                memset(tab, 0, sizeof *tab);
                tab->row_lo = (uint32_t)t->n_rows;
                row = NULL;
                axis = NULL;
            } else if (folio_sv_eq_cstr(tok.name, "pcsRow")) {
                if (tab == NULL) {
                    rc = xml_fail(c, here, err, "pcsRow outside a pcsTable");
                    goto out;
                }
                if (!grow((void **)&t->rows, &t->cap_rows, t->n_rows + 1, sizeof *t->rows)) {
                    rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
                    goto out;
                }
                row = &t->rows[t->n_rows++];
                memset(row, 0, sizeof *row);
                tab->n_rows++;
                axis = NULL;
            } else if (folio_sv_eq_cstr(tok.name, "axis")) {
                struct folio_sv pos;
                if (tab == NULL || !xml_attr(tok.attrs, "pos", &pos) || pos.len != 1 ||
                    pos.p[0] < '1' || pos.p[0] > '7') {
                    rc = xml_fail(c, here, err, "axis without a pos 1-7 inside a pcsTable");
                    goto out;
                }
                axis_pos = pos.p[0] - '0';
                if ((axis_pos <= 3) != (row == NULL)) {
                    rc = xml_fail(c, here, err, "axis pos 1-3 belongs to the table, 4-7 to a row");
                    goto out;
                }
                axis = axis_pos <= 3 ? &tab->ax[axis_pos - 1] : &row->ax[axis_pos - 4];
                if (axis->n) {
                    rc = xml_fail(c, here, err, "axis given twice");
                    goto out;
                }
                axis->lab_lo = (uint32_t)t->n_labels;
            } else if (axis && folio_sv_eq_cstr(tok.name, "label")) {
                struct folio_sv code;
                if (!xml_attr(tok.attrs, "code", &code) || code.len != 1 ||
                    !pcs_char_ok(code.p[0])) {
                    rc = xml_fail(c, here, err, "label without a valid code character");
                    goto out;
                }
                if (!grow((void **)&t->labels, &t->cap_labels, t->n_labels + 1,
                          sizeof *t->labels)) {
                    rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
                    goto out;
                }
                struct pcs_label *l = &t->labels[t->n_labels++];
                l->value = code.p[0];
                l->text = "";
                l->def = NULL;
                axis->n++;
                cap = CAP_LABEL;
                folio_buf_reset(&text);
            } else if (axis && folio_sv_eq_cstr(tok.name, "title")) {
                cap = CAP_AXIS_TITLE;
                folio_buf_reset(&text);
            } else if (axis && folio_sv_eq_cstr(tok.name, "definition")) {
                cap = CAP_DEFINITION;
                folio_buf_reset(&text);
            }
            if (tok.empty && cap != CAP_NONE)
                cap = CAP_NONE; /* <label code="x"/>: keep "" */
            continue;
        }
        /* XML_END */
        if (cap != CAP_NONE) {
            char *s = folio_arena_strndup(&t->arena, text.data, text.len);
            if (s == NULL) {
                rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
                goto out;
            }
            if (cap == CAP_LABEL)
                t->labels[t->n_labels - 1].text = s;
            else if (cap == CAP_AXIS_TITLE)
                axis->title = s;
            else if (cap == CAP_DEFINITION && axis->n)
                t->labels[t->n_labels - 1].def = s;
            cap = CAP_NONE;
            continue;
        }
        if (folio_sv_eq_cstr(tok.name, "axis")) {
            if (axis && axis->n == 0) {
                rc = xml_fail(c, here, err, "axis without labels");
                goto out;
            }
            if (axis && axis_pos <= 3) {
                if (axis->n != 1) {
                    rc = xml_fail(c, here, err, "table axis 1-3 with more than one value");
                    goto out;
                }
                tab->c[axis_pos - 1] = t->labels[axis->lab_lo].value;
            }
            axis = NULL;
        } else if (folio_sv_eq_cstr(tok.name, "pcsRow")) {
            for (int i = 0; i < 4; i++) {
                if (row->ax[i].n == 0) {
                    rc = xml_fail(c, here, err, "pcsRow without all of axes 4-7");
                    goto out;
                }
            }
            size_t n = 1;
            for (int i = 0; i < 4; i++)
                n *= row->ax[i].n;
            t->n_codes += n;
            row = NULL;
        } else if (folio_sv_eq_cstr(tok.name, "pcsTable")) {
            if (!tab->c[0] || !tab->c[1] || !tab->c[2] || tab->n_rows == 0) {
                rc = xml_fail(c, here, err, "pcsTable without axes 1-3 or rows");
                goto out;
            }
            tab = NULL;
        }
    }
    if (!saw_root || t->n_tables == 0) {
        rc = xml_fail(c, c->len, err, "no pcsTable (truncated or not a tables file)");
        goto out;
    }
    if (tab != NULL || row != NULL) {
        rc = xml_fail(c, c->len, err, "file ends inside a pcsTable (truncated)");
        goto out;
    }
out:
    folio_buf_release(&text);
    return rc;
}

static enum folio_rc parse_defs(struct folio_pcs_tables *t, struct xml_cur *c,
                                struct folio_err *err)
{
    enum folio_rc rc = FOLIO_OK;
    struct folio_buf text;
    folio_buf_init(&text, 64 * 1024);
    char section = 0;
    int pos = 0;
    bool in_terms = false, saw_root = false;
    const char *titles[64];
    size_t n_titles = 0;
    const char *definition = NULL, *includes = NULL;
    enum pcs_capture cap = CAP_NONE;
    struct xml_tok tok;

    for (;;) {
        rc = xml_next(c, &tok, err);
        if (rc)
            goto out;
        if (tok.kind == XML_EOF)
            break;
        if (tok.kind == XML_TEXT) {
            if (cap != CAP_NONE) {
                rc = xml_text_append(&text, tok.text);
                if (rc)
                    goto out;
            }
            continue;
        }
        size_t here = c->pos;
        if (tok.kind == XML_START) {
            if (!saw_root) {
                if (!folio_sv_eq_cstr(tok.name, "ICD10PCS.definitions")) {
                    rc = xml_fail(c, here, err, "not an ICD-10-PCS definitions file");
                    goto out;
                }
                saw_root = true;
            } else if (folio_sv_eq_cstr(tok.name, "section")) {
                struct folio_sv code;
                if (!xml_attr(tok.attrs, "code", &code) || code.len != 1) {
                    rc = xml_fail(c, here, err, "section without a code");
                    goto out;
                }
                section = code.p[0];
            } else if (folio_sv_eq_cstr(tok.name, "axis")) {
                struct folio_sv p;
                if (!xml_attr(tok.attrs, "pos", &p) || p.len != 1 || p.p[0] < '1' || p.p[0] > '7') {
                    rc = xml_fail(c, here, err, "axis without a pos 1-7");
                    goto out;
                }
                pos = p.p[0] - '0';
            } else if (folio_sv_eq_cstr(tok.name, "terms")) {
                in_terms = true;
                n_titles = 0;
                definition = includes = NULL;
            } else if (in_terms && folio_sv_eq_cstr(tok.name, "title")) {
                cap = CAP_DEF_TITLE;
            } else if (in_terms && folio_sv_eq_cstr(tok.name, "definition")) {
                cap = CAP_DEF_DEFINITION;
            } else if (in_terms && folio_sv_eq_cstr(tok.name, "includes")) {
                cap = CAP_DEF_INCLUDES;
            }
            folio_buf_reset(&text);
            if (tok.empty)
                cap = CAP_NONE;
            continue;
        }
        if (cap != CAP_NONE) {
            char *s = folio_arena_strndup(&t->arena, text.data, text.len);
            if (s == NULL) {
                rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
                goto out;
            }
            if (cap == CAP_DEF_TITLE && n_titles < FOLIO_ARRAY_LEN(titles))
                titles[n_titles++] = s;
            else if (cap == CAP_DEF_DEFINITION)
                definition = s;
            else if (cap == CAP_DEF_INCLUDES)
                includes = includes ? folio_arena_printf(&t->arena, "%s; %s", includes, s) : s;
            cap = CAP_NONE;
            continue;
        }
        if (in_terms && folio_sv_eq_cstr(tok.name, "terms")) {
            in_terms = false;
            const char *d = definition;
            if (d == NULL && includes != NULL)
                d = folio_arena_printf(&t->arena, "Includes: %s", includes);
            if (d == NULL || section == 0 || pos == 0)
                continue;
            if (!grow((void **)&t->defs, &t->cap_defs, t->n_defs + n_titles, sizeof *t->defs)) {
                rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
                goto out;
            }
            for (size_t i = 0; i < n_titles; i++)
                t->defs[t->n_defs++] = (struct pcs_def){section, pos, titles[i], d};
        }
    }
    if (!saw_root) {
        rc = xml_fail(c, c->len, err, "empty definitions file");
        goto out;
    }
out:
    folio_buf_release(&text);
    return rc;
}

static int def_cmp(const void *a, const void *b)
{
    const struct pcs_def *x = a, *y = b;
    if (x->section != y->section)
        return x->section < y->section ? -1 : 1;
    if (x->pos != y->pos)
        return x->pos < y->pos ? -1 : 1;
    return strcmp(x->title, y->title);
}

static const char *def_find(const struct folio_pcs_tables *t, char section, int pos,
                            const char *title)
{
    size_t lo = 0, hi = t->n_defs;
    struct pcs_def key = {section, pos, title, NULL};
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = def_cmp(&t->defs[mid], &key);
        if (c == 0)
            return t->defs[mid].text;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int table_cmp(const void *a, const void *b)
{
    return memcmp(((const struct pcs_table *)a)->c, ((const struct pcs_table *)b)->c, 3);
}

enum folio_rc folio_pcs_tables_parse(const char *xml, size_t len, const char *defs, size_t defs_len,
                                     struct folio_pcs_tables **out, struct folio_err *err)
{
    enum folio_rc rc = FOLIO_OK;
    struct folio_pcs_tables *t = calloc(1, sizeof *t);
    *out = NULL;
    if (t == NULL)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    folio_arena_init(&t->arena, 0);
    struct xml_cur c = {xml, len, 0, "tables"};
    rc = parse_tables(t, &c, err);
    if (rc)
        goto out;
    qsort(t->tables, t->n_tables, sizeof *t->tables, table_cmp);
    if (defs != NULL) {
        struct xml_cur d = {defs, defs_len, 0, "definitions"};
        rc = parse_defs(t, &d, err);
        if (rc)
            goto out;
        qsort(t->defs, t->n_defs, sizeof *t->defs, def_cmp);
    }
    /* join: labels of axes 4-7 (and 1-3 without a table definition) to the definitions */
    for (size_t i = 0; i < t->n_tables && t->n_defs; i++) {
        struct pcs_table *tab = &t->tables[i];
        for (int a = 0; a < 3; a++) {
            struct pcs_label *l = &t->labels[tab->ax[a].lab_lo];
            if (l->def == NULL)
                l->def = def_find(t, tab->c[0], a + 1, l->text);
        }
        for (uint32_t r = 0; r < tab->n_rows; r++) {
            struct pcs_row *row = &t->rows[tab->row_lo + r];
            for (int a = 0; a < 4; a++)
                for (uint32_t k = 0; k < row->ax[a].n; k++) {
                    struct pcs_label *l = &t->labels[row->ax[a].lab_lo + k];
                    if (l->def == NULL)
                        l->def = def_find(t, tab->c[0], a + 4, l->text);
                }
        }
    }
    *out = t;
    t = NULL;
out:
    folio_pcs_tables_free(t);
    return rc;
}

enum folio_rc folio_pcs_tables_load(const char *tables_path, const char *definitions_path,
                                    struct folio_pcs_tables **out, struct folio_err *err)
{
    enum folio_rc rc;
    struct folio_buf a, b;
    folio_buf_init(&a, PCS_XML_MAX);
    folio_buf_init(&b, PCS_XML_MAX);
    *out = NULL;
    rc = folio_buf_read_file(&a, tables_path, err);
    if (rc)
        goto out;
    if (definitions_path) {
        rc = folio_buf_read_file(&b, definitions_path, err);
        if (rc)
            goto out;
    }
    rc = folio_pcs_tables_parse(a.data, a.len, definitions_path ? b.data : NULL, b.len, out, err);
out:
    folio_buf_release(&a);
    folio_buf_release(&b);
    return rc;
}

/* ---- the builder ---- */

static const struct pcs_label *axis_find(const struct folio_pcs_tables *t,
                                         const struct pcs_axis *ax, char v)
{
    for (uint32_t k = 0; k < ax->n; k++)
        if (t->labels[ax->lab_lo + k].value == v)
            return &t->labels[ax->lab_lo + k];
    return NULL;
}

/* Does row allow code characters 4..k (code[3..k-1])? */
static bool row_allows(const struct folio_pcs_tables *t, const struct pcs_row *row,
                       const char *code, size_t k)
{
    for (size_t j = 3; j < k; j++)
        if (axis_find(t, &row->ax[j - 3], code[j]) == NULL)
            return false;
    return true;
}

/* Tables whose code starts with code[0..k) for k <= 3: [*lo, *hi). */
static void tables_range(const struct folio_pcs_tables *t, const char *code, size_t k, size_t *lo,
                         size_t *hi)
{
    size_t a = 0, b = t->n_tables;
    while (a < b) {
        size_t m = a + (b - a) / 2;
        if (memcmp(t->tables[m].c, code, k) < 0)
            a = m + 1;
        else
            b = m;
    }
    *lo = a;
    b = t->n_tables;
    while (a < b) {
        size_t m = a + (b - a) / 2;
        if (memcmp(t->tables[m].c, code, k) <= 0)
            a = m + 1;
        else
            b = m;
    }
    *hi = a;
}

/* Is code[0..k) the start of a valid code? */
static bool prefix_valid(const struct folio_pcs_tables *t, const char *code, size_t k)
{
    size_t lo, hi;
    tables_range(t, code, k < 3 ? k : 3, &lo, &hi);
    if (lo == hi)
        return false;
    if (k <= 3)
        return true;
    for (size_t i = lo; i < hi; i++)
        for (uint32_t r = 0; r < t->tables[i].n_rows; r++)
            if (row_allows(t, &t->rows[t->tables[i].row_lo + r], code, k))
                return true;
    return false;
}

static enum folio_rc normalize_prefix(const char *in, char out[8], size_t *k, struct folio_err *err)
{
    size_t n = 0;
    for (const char *p = in ? in : ""; *p; p++) {
        char ch = *p;
        if (ch == ' ' || ch == '.' || ch == '-' || ch == '\t')
            continue;
        if (ch >= 'a' && ch <= 'z')
            ch = (char)(ch - 'a' + 'A');
        if (n == 7)
            return folio_err_set(err, FOLIO_EINVAL, "prefix",
                                 "an ICD-10-PCS code has 7 characters: \"%s\" is longer", in);
        if (!pcs_char_ok(ch))
            return folio_err_set(err, FOLIO_EINVAL, "prefix",
                                 "position %zu: '%c' is not an ICD-10-PCS character (0-9, A-Z "
                                 "without I and O)",
                                 n + 1, ch);
        out[n++] = ch;
    }
    out[n] = '\0';
    *k = n;
    return FOLIO_OK;
}

static void add_option(struct folio_pcs_step *st, const struct pcs_label *l)
{
    for (size_t i = 0; i < st->n_options; i++) {
        if (st->options[i].value == l->value) {
            if (st->options[i].definition == NULL)
                st->options[i].definition = l->def;
            return;
        }
    }
    if (st->n_options == FOLIO_PCS_MAX_OPTIONS)
        return;
    size_t i = st->n_options++;
    while (i > 0 && st->options[i - 1].value > l->value) {
        st->options[i] = st->options[i - 1];
        i--;
    }
    st->options[i] = (struct folio_pcs_option){l->value, l->text, l->def};
}

static bool label_is_none(const char *s)
{
    return strncmp(s, "No ", 3) == 0 || strcmp(s, "None") == 0;
}

/* Composes the description of a valid complete code of table tab, row row. */
static void compose_title(const struct folio_pcs_tables *t, const struct pcs_table *tab,
                          const struct pcs_row *row, const char *code, char *out, size_t cap)
{
    const struct pcs_label *op = &t->labels[tab->ax[2].lab_lo];
    const struct pcs_label *l[4];
    for (int a = 0; a < 4; a++)
        l[a] = axis_find(t, &row->ax[a], code[3 + a]);
    size_t n = 0;
    out[0] = '\0';
    if (l[0] == NULL)
        return;
    (void)folio_snprintf(out, cap, "%s of %s", op->text, l[0]->text);
    for (int a = 1; a < 4; a++) {
        n = strlen(out);
        if (l[a] == NULL || label_is_none(l[a]->text) || n + 3 >= cap)
            continue;
        const char *axt = row->ax[a].title ? row->ax[a].title : "";
        bool approach = strcmp(axt, "Approach") == 0;
        (void)folio_snprintf(out + n, cap - n, ", %s%s", l[a]->text, approach ? " Approach" : "");
    }
}

enum folio_rc folio_pcs_builder_step(const struct folio_pcs_tables *t, const char *prefix,
                                     struct folio_pcs_step *out, struct folio_err *err)
{
    enum folio_rc rc;
    char code[8];
    size_t k = 0;
    memset(out, 0, sizeof *out);
    rc = normalize_prefix(prefix, code, &k, err);
    if (rc)
        return rc;
    if (!prefix_valid(t, code, k)) {
        size_t j = 1;
        while (j < k && prefix_valid(t, code, j))
            j++;
        return folio_err_set(err, FOLIO_EINVAL, "prefix",
                             "\"%s\": position %zu ('%c') is not allowed after \"%.*s\" by the "
                             "ICD-10-PCS tables",
                             code, j, code[j - 1], (int)(j - 1), code);
    }
    size_t lo, hi;
    tables_range(t, code, k < 3 ? k : 3, &lo, &hi);
    if (k == 7) {
        for (size_t i = lo; i < hi; i++) {
            const struct pcs_table *tab = &t->tables[i];
            for (uint32_t r = 0; r < tab->n_rows; r++) {
                const struct pcs_row *row = &t->rows[tab->row_lo + r];
                if (row_allows(t, row, code, 7)) {
                    out->complete = true;
                    memcpy(out->code, code, 8);
                    compose_title(t, tab, row, code, out->title, sizeof out->title);
                    return FOLIO_OK;
                }
            }
        }
        return folio_err_set(err, FOLIO_EINTERNAL, "prefix", "\"%s\": no row", code);
    }
    out->position = (int)k + 1;
    for (size_t i = lo; i < hi; i++) {
        const struct pcs_table *tab = &t->tables[i];
        if (k < 3) {
            const struct pcs_axis *ax = &tab->ax[k];
            if (out->axis_title == NULL)
                out->axis_title = ax->title;
            add_option(out, &t->labels[ax->lab_lo]);
            continue;
        }
        for (uint32_t r = 0; r < tab->n_rows; r++) {
            const struct pcs_row *row = &t->rows[tab->row_lo + r];
            if (!row_allows(t, row, code, k))
                continue;
            const struct pcs_axis *ax = &row->ax[k - 3];
            if (out->axis_title == NULL)
                out->axis_title = ax->title;
            for (uint32_t v = 0; v < ax->n; v++)
                add_option(out, &t->labels[ax->lab_lo + v]);
        }
    }
    return FOLIO_OK;
}

enum folio_rc folio_pcs_title(const struct folio_pcs_tables *t, const char *code, char *out,
                              size_t cap, struct folio_err *err)
{
    struct folio_pcs_step st;
    struct folio_err e2;
    enum folio_rc rc = folio_pcs_builder_step(t, code, &st, &e2);
    if (rc || !st.complete)
        return folio_err_set(err, FOLIO_ENOTFOUND, "code",
                             "\"%s\" is not a valid ICD-10-PCS code in the loaded tables", code);
    folio_strlcpy(out, st.title, cap);
    return FOLIO_OK;
}

enum folio_rc enc_pcs_expand(const struct folio_pcs_tables *t,
                             enc_pcs_code_fn fn, void *ctx, struct folio_err *err)
{
    char code[8], title[320];
    for (size_t i = 0; i < t->n_tables; i++) {
        const struct pcs_table *tab = &t->tables[i];
        memcpy(code, tab->c, 3);
        code[7] = '\0';
        for (uint32_t r = 0; r < tab->n_rows; r++) {
            const struct pcs_row *row = &t->rows[tab->row_lo + r];
            for (uint32_t a = 0; a < row->ax[0].n; a++)
                for (uint32_t b = 0; b < row->ax[1].n; b++)
                    for (uint32_t c2 = 0; c2 < row->ax[2].n; c2++)
                        for (uint32_t d = 0; d < row->ax[3].n; d++) {
                            code[3] = t->labels[row->ax[0].lab_lo + a].value;
                            code[4] = t->labels[row->ax[1].lab_lo + b].value;
                            code[5] = t->labels[row->ax[2].lab_lo + c2].value;
                            code[6] = t->labels[row->ax[3].lab_lo + d].value;
                            compose_title(t, tab, row, code, title, sizeof title);
                            enum folio_rc rc = fn(ctx, code, title, err);
                            if (rc)
                                return rc;
                        }
        }
    }
    return FOLIO_OK;
}

/* XML release files (libxml2, no network, no entity substitution): the ICD-10-CM tabular and
 * index, the ICD-10-PCS tables and definitions. */
#include "folio/base.h"
#include "folio/codes.h"

#include "coding/codes_int.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#define XSTR(s) ((const xmlChar *)(s))

static bool is_el(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, XSTR(name)) == 0;
}

static xmlNode *first_el(xmlNode *n, const char *name)
{
    for (n = n ? n->children : NULL; n; n = n->next)
        if (is_el(n, name))
            return n;
    return NULL;
}

/* Text of an element (all descendants), trimmed, in the arena; "" when none. */
static char *el_text(struct cl_ctx *x, xmlNode *n)
{
    xmlChar *t;
    char *out;
    struct folio_sv sv;
    if (!n)
        return folio_arena_strdup(&x->arena, "");
    t = xmlNodeGetContent(n);
    sv = folio_sv_trim(folio_sv_from((const char *)t));
    out = folio_arena_sv(&x->arena, sv);
    xmlFree(t);
    return out;
}

static char *el_attr(struct cl_ctx *x, xmlNode *n, const char *name)
{
    xmlChar *t = xmlGetProp(n, XSTR(name));
    char *out = t ? folio_arena_strdup(&x->arena, (const char *)t) : NULL;
    xmlFree(t);
    return out;
}

/* Parses (data, len); a malformed or truncated file is EPARSE naming the line. The root must
 * be one of root1/root2. */
static enum folio_rc parse_doc(struct cl_ctx *x, const char *data, size_t len, const char *root1,
                               const char *root2, xmlDoc **out, struct folio_err *err)
{
    xmlParserCtxt *ctx;
    xmlDoc *doc;
    xmlNode *root;
    if (len > (size_t)INT32_MAX)
        return folio_err_set(err, FOLIO_ETOOBIG, x->name, "%s: file too large", x->name);
    xmlInitParser();
    ctx = xmlNewParserCtxt();
    if (!ctx)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    doc = xmlCtxtReadMemory(ctx, data, (int)len, x->name, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                XML_PARSE_NOCDATA);
    if (!doc || !ctx->wellFormed) {
        /* the error lives in ctx: copy what is needed before freeing it */
        const xmlError *e = xmlCtxtGetLastError(ctx);
        int line = e ? e->line : 0;
        char msg[200] = "";
        if (e && e->message) {
            folio_strlcpy(msg, e->message, sizeof(msg));
            msg[strcspn(msg, "\n")] = '\0';
        }
        xmlFreeDoc(doc);
        xmlFreeParserCtxt(ctx);
        folio_err_set(err, FOLIO_EPARSE, x->name, "%s:%d: not well-formed XML (%s)", x->name,
                      line, msg);
        folio_snprintf(err ? err->field : msg, err ? sizeof(err->field) : sizeof(msg), "%s:%d",
                       x->name, line);
        return FOLIO_EPARSE;
    }
    xmlFreeParserCtxt(ctx);
    root = xmlDocGetRootElement(doc);
    if (!root || (!is_el(root, root1) && !(root2 && is_el(root, root2)))) {
        folio_err_set(err, FOLIO_EPARSE, x->name,
                      "%s:%ld: the root element is <%s>, not <%s>: not this kind of file",
                      x->name, root ? xmlGetLineNo(root) : 1L,
                      root ? (const char *)root->name : "", root1);
        xmlFreeDoc(doc);
        return FOLIO_EPARSE;
    }
    {
        xmlNode *v = first_el(root, "version");
        if (v) {
            char *t = el_text(x, v);
            int64_t y;
            if (t && folio_sv_to_i64(folio_sv_from(t), &y) == FOLIO_OK && y > 1900 && y < 9999)
                x->file_year = (int)y;
        }
    }
    *out = doc;
    return FOLIO_OK;
}

static enum folio_rc fail_at(struct cl_ctx *x, xmlNode *n, struct folio_err *err, enum folio_rc rc)
{
    long line = n ? xmlGetLineNo(n) : 0;
    folio_err_prefix(err, "%s:%ld", x->name, line);
    if (err)
        folio_snprintf(err->field, sizeof(err->field), "%s:%ld", x->name, line);
    return rc;
}

static void strip_dot(const char *in, char out[16])
{
    size_t j = 0;
    for (; *in && j < 15; in++)
        if (*in != '.' && *in != ' ')
            out[j++] = *in;
    out[j] = '\0';
}

/* ---------------- ICD-10-CM tabular ---------------- */

static const char *const note_elems[] = {"includes",  "inclusionTerm",     "excludes1",
                                         "excludes2", "codeFirst",         "useAdditionalCode",
                                         "codeAlso",  "sevenChrNote",      "notes"};

static enum folio_rc tab_notes(struct cl_ctx *x, xmlNode *el, int64_t code_id,
                               struct folio_err *err)
{
    xmlNode *n, *m;
    int64_t seq = 0;
    enum folio_rc rc;
    for (n = el->children; n; n = n->next) {
        size_t i;
        if (n->type != XML_ELEMENT_NODE)
            continue;
        for (i = 0; i < FOLIO_ARRAY_LEN(note_elems); i++)
            if (is_el(n, note_elems[i]))
                break;
        if (i < FOLIO_ARRAY_LEN(note_elems)) {
            for (m = n->children; m; m = m->next)
                if (is_el(m, "note") &&
                    (rc = cl_note_put(x, code_id, note_elems[i], ++seq, "", el_text(x, m), err)))
                    return fail_at(x, m, err, rc);
        } else if (is_el(n, "sevenChrDef")) {
            for (m = n->children; m; m = m->next) {
                char *ch;
                if (!is_el(m, "extension"))
                    continue;
                ch = el_attr(x, m, "char");
                if (!ch || strlen(ch) != 1) {
                    folio_err_set(err, FOLIO_EPARSE, "char",
                                  "<extension> needs a one-character char attribute");
                    return fail_at(x, m, err, FOLIO_EPARSE);
                }
                if ((rc = cl_note_put(x, code_id, "sevenChrDef", ++seq, ch, el_text(x, m), err)))
                    return fail_at(x, m, err, rc);
            }
        }
    }
    return FOLIO_OK;
}

static bool has_child_diag(xmlNode *n)
{
    return first_el(n, "diag") != NULL;
}

static enum folio_rc tab_diag(struct cl_ctx *x, xmlNode *d, const char *parent, bool needs7,
                              struct folio_err *err)
{
    xmlNode *nm = first_el(d, "name"), *ch;
    char code[16], *t;
    struct cl_code c;
    int64_t id;
    enum folio_rc rc;
    bool leaf = !has_child_diag(d);

    t = el_text(x, nm);
    strip_dot(t, code);
    if (!nm || strlen(code) < 3 || strlen(code) > 7) {
        folio_err_set(err, FOLIO_EPARSE, "name", "<diag> without a code <name> (\"%.20s\")", t);
        return fail_at(x, d, err, FOLIO_EPARSE);
    }
    needs7 = needs7 || first_el(d, "sevenChrDef") != NULL;
    memset(&c, 0, sizeof(c));
    c.code = code;
    c.title = el_text(x, first_el(d, "desc"));
    if (!c.title[0])
        c.title = NULL;
    c.parent = parent;
    c.kind = strlen(code) == 3           ? FOLIO_CODE_CATEGORY
             : leaf && !needs7           ? FOLIO_CODE_CODE
                                         : FOLIO_CODE_SUBCATEGORY;
    c.billable = leaf && !needs7 && strlen(code) >= 3 ? 1 : 0;
    if (strlen(code) == 7)
        c.billable = 1;
    if ((rc = cl_code_put(x, &c, &id, err)))
        return fail_at(x, d, err, rc);
    x->v->n_records++;
    if ((rc = tab_notes(x, d, id, err)))
        return rc;
    for (ch = d->children; ch; ch = ch->next)
        if (is_el(ch, "diag") && (rc = tab_diag(x, ch, code, needs7, err)))
            return rc;
    return FOLIO_OK;
}

enum folio_rc cl_load_tabular(struct cl_ctx *x, const char *data, size_t len, struct folio_err *err)
{
    xmlDoc *doc = NULL;
    xmlNode *root, *chap, *sec, *d;
    enum folio_rc rc;

    if ((rc = parse_doc(x, data, len, "ICD10CM.tabular", NULL, &doc, err)))
        return rc;
    root = xmlDocGetRootElement(doc);
    if ((rc = cl_begin_version(x, err)))
        goto out;
    for (chap = root->children; chap; chap = chap->next) {
        char cname[16];
        struct cl_code c;
        int64_t id;
        if (!is_el(chap, "chapter"))
            continue;
        strip_dot(el_text(x, first_el(chap, "name")), cname);
        if (!cname[0]) {
            rc = folio_err_set(err, FOLIO_EPARSE, "name", "<chapter> without <name>");
            rc = fail_at(x, chap, err, rc);
            goto out;
        }
        memset(&c, 0, sizeof(c));
        c.code = cname;
        c.title = el_text(x, first_el(chap, "desc"));
        c.kind = FOLIO_CODE_CHAPTER;
        c.billable = 0;
        c.parent = "";
        if ((rc = cl_code_put(x, &c, &id, err))) {
            rc = fail_at(x, chap, err, rc);
            goto out;
        }
        if ((rc = tab_notes(x, chap, id, err)))
            goto out;
        for (sec = chap->children; sec; sec = sec->next) {
            char sid[16], *sa;
            if (!is_el(sec, "section"))
                continue;
            sa = el_attr(x, sec, "id");
            if (!sa || !sa[0] || strlen(sa) >= sizeof(sid)) {
                rc = folio_err_set(err, FOLIO_EPARSE, "id", "<section> without an id");
                rc = fail_at(x, sec, err, rc);
                goto out;
            }
            strip_dot(sa, sid);
            memset(&c, 0, sizeof(c));
            c.code = sid;
            c.title = el_text(x, first_el(sec, "desc"));
            c.kind = FOLIO_CODE_SECTION;
            c.billable = 0;
            c.parent = cname;
            if ((rc = cl_code_put(x, &c, &id, err))) {
                rc = fail_at(x, sec, err, rc);
                goto out;
            }
            if ((rc = tab_notes(x, sec, id, err)))
                goto out;
            for (d = sec->children; d; d = d->next)
                if (is_el(d, "diag") && (rc = tab_diag(x, d, sid, false, err)))
                    goto out;
        }
    }
    if (x->v->n_records == 0) {
        rc = folio_err_set(err, FOLIO_EPARSE, x->name, "%s: no <diag> codes in the file", x->name);
        goto out;
    }
out:
    xmlFreeDoc(doc);
    return rc;
}

/* ---------------- ICD-10-CM index ---------------- */

struct idx_walk {
    struct folio_stmt *st;
    int64_t seq;
};

static enum folio_rc idx_put(struct cl_ctx *x, struct idx_walk *w, const char *term,
                             const char *code, const char *see, struct folio_err *err)
{
    enum folio_rc rc;
    bool row;
    char c[16];
    strip_dot(code ? code : "", c);
    if ((rc = folio_stmt_bind_i64(w->st, 1, x->v->id)) ||
        (rc = folio_stmt_bind_i64(w->st, 2, ++w->seq)) ||
        (rc = folio_stmt_bind_text(w->st, 3, term, (size_t)-1)) ||
        (rc = folio_stmt_bind_text(w->st, 4, c, (size_t)-1)) ||
        (rc = folio_stmt_bind_text(w->st, 5, see ? see : "", (size_t)-1)))
        return folio_err_set(err, rc, NULL, "binding an index term failed");
    if ((rc = folio_stmt_step(w->st, &row, err)))
        return rc;
    x->n_notes += folio_stmt_changes(w->st);
    return folio_stmt_reset(w->st, err);
}

static enum folio_rc idx_term(struct cl_ctx *x, struct idx_walk *w, xmlNode *t, const char *path,
                              int depth, struct folio_err *err)
{
    xmlNode *n;
    char *title, *full, *code = NULL, *see = NULL;
    enum folio_rc rc;
    if (depth > 20) {
        folio_err_set(err, FOLIO_EPARSE, "term", "index terms nested deeper than 20 levels");
        return fail_at(x, t, err, FOLIO_EPARSE);
    }
    title = el_text(x, first_el(t, "title"));
    if (!title[0]) {
        folio_err_set(err, FOLIO_EPARSE, "title", "an index term without <title>");
        return fail_at(x, t, err, FOLIO_EPARSE);
    }
    full = path[0] ? folio_arena_printf(&x->arena, "%s, %s", path, title)
                   : folio_arena_strdup(&x->arena, title);
    if (!full)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    for (n = t->children; n; n = n->next) {
        if (is_el(n, "code"))
            code = el_text(x, n);
        else if (is_el(n, "see") || is_el(n, "seeAlso"))
            see = el_text(x, n);
    }
    if ((rc = idx_put(x, w, full, code, see, err)))
        return fail_at(x, t, err, rc);
    x->v->n_records++;
    for (n = t->children; n; n = n->next) {
        if (is_el(n, "manif") && (rc = idx_put(x, w, full, el_text(x, n), NULL, err)))
            return fail_at(x, n, err, rc);
        if (is_el(n, "term") && (rc = idx_term(x, w, n, full, depth + 1, err)))
            return rc;
    }
    return FOLIO_OK;
}

enum folio_rc cl_load_index(struct cl_ctx *x, const char *data, size_t len, struct folio_err *err)
{
    xmlDoc *doc = NULL;
    xmlNode *root, *letter, *mt;
    struct idx_walk w = {0};
    enum folio_rc rc;

    if ((rc = parse_doc(x, data, len, "ICD10CM.index", "ICD10CM.eindex", &doc, err)))
        return rc;
    root = xmlDocGetRootElement(doc);
    if ((rc = cl_begin_version(x, err)))
        goto out;
    if ((rc = folio_store_prepare(x->s,
                                  "INSERT INTO code_index_term (version_id, code_system, seq, "
                                  "term, code, see) VALUES (?, 'icd10cm', ?, ?, ?, ?)",
                                  &w.st, err)))
        goto out;
    for (letter = root->children; letter; letter = letter->next) {
        if (!is_el(letter, "letter"))
            continue;
        for (mt = letter->children; mt; mt = mt->next)
            if (is_el(mt, "mainTerm") && (rc = idx_term(x, &w, mt, "", 0, err)))
                goto out;
    }
    if (x->v->n_records == 0)
        rc = folio_err_set(err, FOLIO_EPARSE, x->name, "%s: no <mainTerm> in the file", x->name);
out:
    folio_stmt_free(w.st);
    xmlFreeDoc(doc);
    return rc;
}

/* ---------------- ICD-10-PCS tables ---------------- */

struct pcs_axis {
    int pos;
    char *title;
    size_t n;
    char vals[34];
    char *labels[34];
    char *defs[34];
};

static enum folio_rc pcs_axis_read(struct cl_ctx *x, xmlNode *ax, struct pcs_axis *out,
                                   struct folio_err *err)
{
    xmlNode *l;
    char *pos = el_attr(x, ax, "pos");
    char *def = NULL;
    memset(out, 0, sizeof(*out));
    if (!pos || strlen(pos) != 1 || pos[0] < '1' || pos[0] > '7') {
        folio_err_set(err, FOLIO_EPARSE, "pos", "<axis> pos \"%.10s\" is not 1-7", pos ? pos : "");
        return fail_at(x, ax, err, FOLIO_EPARSE);
    }
    out->pos = pos[0] - '0';
    out->title = el_text(x, first_el(ax, "title"));
    if (first_el(ax, "definition"))
        def = el_text(x, first_el(ax, "definition"));
    for (l = ax->children; l; l = l->next) {
        char *code;
        if (!is_el(l, "label"))
            continue;
        code = el_attr(x, l, "code");
        if (!code || strlen(code) != 1 ||
            !((code[0] >= '0' && code[0] <= '9') || (code[0] >= 'A' && code[0] <= 'Z'))) {
            folio_err_set(err, FOLIO_EPARSE, "code", "<label> code \"%.10s\" is not one character",
                          code ? code : "");
            return fail_at(x, l, err, FOLIO_EPARSE);
        }
        if (out->n >= FOLIO_ARRAY_LEN(out->vals)) {
            folio_err_set(err, FOLIO_EPARSE, "label", "too many labels on one axis");
            return fail_at(x, l, err, FOLIO_EPARSE);
        }
        out->vals[out->n] = code[0];
        out->labels[out->n] = el_text(x, l);
        out->defs[out->n] = def;
        out->n++;
    }
    if (out->n == 0) {
        folio_err_set(err, FOLIO_EPARSE, "label", "<axis pos=\"%d\"> has no <label>", out->pos);
        return fail_at(x, ax, err, FOLIO_EPARSE);
    }
    return FOLIO_OK;
}

static enum folio_rc pcs_values_put(struct cl_ctx *x, struct folio_stmt *st, const char *table,
                                    int64_t row_no, const struct pcs_axis *a, struct folio_err *err)
{
    size_t i;
    enum folio_rc rc;
    bool row;
    for (i = 0; i < a->n; i++) {
        char v[2] = {a->vals[i], 0};
        if ((rc = folio_stmt_bind_i64(st, 1, x->v->id)) ||
            (rc = folio_stmt_bind_text(st, 2, table, (size_t)-1)) ||
            (rc = folio_stmt_bind_i64(st, 3, row_no)) || (rc = folio_stmt_bind_i64(st, 4, a->pos)) ||
            (rc = folio_stmt_bind_text(st, 5, v, 1)) ||
            (rc = folio_stmt_bind_text(st, 6, a->title, (size_t)-1)) ||
            (rc = folio_stmt_bind_text(st, 7, a->labels[i], (size_t)-1)) ||
            (rc = folio_stmt_bind_text(st, 8, a->defs[i], (size_t)-1)))
            return folio_err_set(err, rc, NULL, "binding a PCS value failed");
        if ((rc = folio_stmt_step(st, &row, err)))
            return rc;
        x->n_notes += folio_stmt_changes(st);
        if ((rc = folio_stmt_reset(st, err)))
            return rc;
    }
    return FOLIO_OK;
}

static bool label_skipped(const char *l)
{
    return strncmp(l, "No ", 3) == 0 || strcmp(l, "None") == 0;
}

enum folio_rc cl_load_pcs_tables(struct cl_ctx *x, const char *data, size_t len,
                                 struct folio_err *err)
{
    xmlDoc *doc = NULL;
    xmlNode *root, *tb, *n;
    struct folio_stmt *st = NULL;
    struct folio_buf title;
    enum folio_rc rc;

    folio_buf_init(&title, 4096);
    if ((rc = parse_doc(x, data, len, "ICD10PCS.tabular", NULL, &doc, err)))
        return rc;
    root = xmlDocGetRootElement(doc);
    if ((rc = cl_begin_version(x, err)))
        goto out;
    if ((rc = folio_store_prepare(x->s,
                                  "INSERT INTO pcs_value (version_id, pcs_table, row_no, pos, "
                                  "value, axis_title, label, definition) VALUES (?,?,?,?,?,?,?,?) "
                                  "ON CONFLICT (version_id, pcs_table, row_no, pos, value) DO "
                                  "NOTHING",
                                  &st, err)))
        goto out;
    for (tb = root->children; tb; tb = tb->next) {
        struct pcs_axis head[3];
        int nh = 0;
        int64_t row_no = 0;
        char table[4];
        struct cl_code c;
        if (!is_el(tb, "pcsTable"))
            continue;
        for (n = tb->children; n; n = n->next) {
            if (!is_el(n, "axis"))
                continue;
            if (nh >= 3) {
                rc = folio_err_set(err, FOLIO_EPARSE, "axis", "a <pcsTable> has more than 3 axes");
                rc = fail_at(x, n, err, rc);
                goto out;
            }
            if ((rc = pcs_axis_read(x, n, &head[nh], err)))
                goto out;
            if (head[nh].pos != nh + 1 || head[nh].n != 1) {
                rc = folio_err_set(err, FOLIO_EPARSE, "axis",
                                   "<pcsTable> axis %d must be position %d with one label",
                                   nh + 1, nh + 1);
                rc = fail_at(x, n, err, rc);
                goto out;
            }
            nh++;
        }
        if (nh != 3) {
            rc = folio_err_set(err, FOLIO_EPARSE, "axis", "a <pcsTable> needs axes 1-3");
            rc = fail_at(x, tb, err, rc);
            goto out;
        }
        table[0] = head[0].vals[0];
        table[1] = head[1].vals[0];
        table[2] = head[2].vals[0];
        table[3] = '\0';
        folio_buf_reset(&title);
        if (folio_buf_appendf(&title, "%s, %s, %s", head[0].labels[0], head[1].labels[0],
                              head[2].labels[0])) {
            rc = folio_err_set(err, FOLIO_ETOOBIG, "label", "labels too long");
            rc = fail_at(x, tb, err, rc);
            goto out;
        }
        memset(&c, 0, sizeof(c));
        c.code = table;
        c.title = title.data;
        c.kind = FOLIO_CODE_CATEGORY;
        c.billable = 0;
        c.parent = "";
        if ((rc = cl_code_put(x, &c, NULL, err))) {
            rc = fail_at(x, tb, err, rc);
            goto out;
        }
        for (nh = 0; nh < 3; nh++)
            if ((rc = pcs_values_put(x, st, table, 0, &head[nh], err))) {
                rc = fail_at(x, tb, err, rc);
                goto out;
            }
        for (n = tb->children; n; n = n->next) {
            struct pcs_axis ax[4];
            xmlNode *a;
            int na = 0;
            size_t i4, i5, i6, i7;
            if (!is_el(n, "pcsRow"))
                continue;
            row_no++;
            for (a = n->children; a; a = a->next) {
                if (!is_el(a, "axis"))
                    continue;
                if (na >= 4) {
                    rc = folio_err_set(err, FOLIO_EPARSE, "axis", "a <pcsRow> has more than 4 axes");
                    rc = fail_at(x, a, err, rc);
                    goto out;
                }
                if ((rc = pcs_axis_read(x, a, &ax[na], err)))
                    goto out;
                if (ax[na].pos != na + 4) {
                    rc = folio_err_set(err, FOLIO_EPARSE, "pos",
                                       "<pcsRow> axis %d should be position %d", na + 1, na + 4);
                    rc = fail_at(x, a, err, rc);
                    goto out;
                }
                na++;
            }
            if (na != 4) {
                rc = folio_err_set(err, FOLIO_EPARSE, "axis", "a <pcsRow> needs axes 4-7");
                rc = fail_at(x, n, err, rc);
                goto out;
            }
            x->v->n_records++;
            for (i4 = 0; i4 < 4; i4++)
                if ((rc = pcs_values_put(x, st, table, row_no, &ax[i4], err))) {
                    rc = fail_at(x, n, err, rc);
                    goto out;
                }
            for (i4 = 0; i4 < ax[0].n; i4++)
                for (i5 = 0; i5 < ax[1].n; i5++)
                    for (i6 = 0; i6 < ax[2].n; i6++)
                        for (i7 = 0; i7 < ax[3].n; i7++) {
                            char code[8] = {table[0],         table[1],         table[2],
                                            ax[0].vals[i4],   ax[1].vals[i5],   ax[2].vals[i6],
                                            ax[3].vals[i7],   0};
                            const char *ap = ax[1].labels[i5];
                            enum folio_rc r2;
                            folio_buf_reset(&title);
                            r2 = folio_buf_appendf(&title, "%s %s", head[2].labels[0],
                                                   ax[0].labels[i4]);
                            if (!r2 && !label_skipped(ax[2].labels[i6]))
                                r2 = folio_buf_appendf(&title, ", %s", ax[2].labels[i6]);
                            if (!r2 && !label_skipped(ax[3].labels[i7]))
                                r2 = folio_buf_appendf(&title, ", %s", ax[3].labels[i7]);
                            if (!r2)
                                r2 = folio_buf_appendf(&title, ", %s%s", ap,
                                                       strcmp(ax[1].title, "Approach") == 0
                                                           ? " Approach"
                                                           : "");
                            if (r2) {
                                rc = folio_err_set(err, FOLIO_ETOOBIG, "label", "labels too long");
                                rc = fail_at(x, n, err, rc);
                                goto out;
                            }
                            memset(&c, 0, sizeof(c));
                            c.code = code;
                            c.title = title.data;
                            c.kind = FOLIO_CODE_CODE;
                            c.billable = 1;
                            c.parent = table;
                            if ((rc = cl_code_put(x, &c, NULL, err))) {
                                rc = fail_at(x, n, err, rc);
                                goto out;
                            }
                        }
        }
    }
    if (x->v->n_records == 0)
        rc = folio_err_set(err, FOLIO_EPARSE, x->name, "%s: no <pcsRow> in the file", x->name);
out:
    folio_stmt_free(st);
    folio_buf_release(&title);
    xmlFreeDoc(doc);
    return rc;
}

/* ---------------- ICD-10-PCS definitions ---------------- */

enum folio_rc cl_load_pcs_defs(struct cl_ctx *x, const char *data, size_t len,
                               struct folio_err *err)
{
    xmlDoc *doc = NULL;
    xmlNode *root, *sec, *ax, *t;
    struct folio_stmt *st = NULL;
    enum folio_rc rc;
    bool row;

    if ((rc = parse_doc(x, data, len, "ICD10PCS.definitions", NULL, &doc, err)))
        return rc;
    root = xmlDocGetRootElement(doc);
    if ((rc = cl_begin_version(x, err)))
        goto out;
    if ((rc = folio_store_prepare(x->s,
                                  "INSERT INTO pcs_definition (version_id, section, pos, seq, "
                                  "title, definition, explanation, includes) VALUES "
                                  "(?,?,?,?,?,?,?,?)",
                                  &st, err)))
        goto out;
    for (sec = root->children; sec; sec = sec->next) {
        char *scode;
        int64_t seq = 0;
        if (!is_el(sec, "section"))
            continue;
        scode = el_attr(x, sec, "code");
        if (!scode || strlen(scode) != 1) {
            rc = folio_err_set(err, FOLIO_EPARSE, "code", "<section> without a one-character code");
            rc = fail_at(x, sec, err, rc);
            goto out;
        }
        for (ax = sec->children; ax; ax = ax->next) {
            char *pos;
            if (!is_el(ax, "axis"))
                continue;
            pos = el_attr(x, ax, "pos");
            if (!pos || strlen(pos) != 1 || pos[0] < '1' || pos[0] > '7') {
                rc = folio_err_set(err, FOLIO_EPARSE, "pos", "<axis> pos is not 1-7");
                rc = fail_at(x, ax, err, rc);
                goto out;
            }
            for (t = ax->children; t; t = t->next) {
                xmlNode *inc;
                struct folio_buf incs;
                if (!is_el(t, "terms"))
                    continue;
                folio_buf_init(&incs, 1 << 20);
                for (inc = t->children; inc; inc = inc->next)
                    if (is_el(inc, "includes") &&
                        folio_buf_appendf(&incs, "%s%s", incs.len ? "; " : "", el_text(x, inc))) {
                        folio_buf_release(&incs);
                        rc = folio_err_set(err, FOLIO_ETOOBIG, "includes", "includes too long");
                        rc = fail_at(x, t, err, rc);
                        goto out;
                    }
                /* one <terms> may name several values ("Subclavian Artery, Left" and
                 * "..., Right"): each gets the definition and the includes */
                rc = FOLIO_OK;
                for (xmlNode *ti = t->children; ti && !rc; ti = ti->next) {
                    if (!is_el(ti, "title"))
                        continue;
                    if (folio_stmt_bind_i64(st, 1, x->v->id) ||
                        folio_stmt_bind_text(st, 2, scode, (size_t)-1) ||
                        folio_stmt_bind_i64(st, 3, pos[0] - '0') ||
                        folio_stmt_bind_i64(st, 4, ++seq) ||
                        folio_stmt_bind_text(st, 5, el_text(x, ti), (size_t)-1) ||
                        folio_stmt_bind_text(st, 6, el_text(x, first_el(t, "definition")),
                                             (size_t)-1) ||
                        folio_stmt_bind_text(st, 7, el_text(x, first_el(t, "explanation")),
                                             (size_t)-1) ||
                        folio_stmt_bind_text(st, 8, incs.data, incs.len))
                        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "binding a definition failed");
                    if (!rc && !(rc = folio_stmt_step(st, &row, err)))
                        rc = folio_stmt_reset(st, err);
                    if (!rc)
                        x->n_notes++;
                }
                folio_buf_release(&incs);
                if (rc) {
                    rc = fail_at(x, t, err, rc);
                    goto out;
                }
                x->v->n_records++;
            }
        }
    }
    if (x->v->n_records == 0)
        rc = folio_err_set(err, FOLIO_EPARSE, x->name, "%s: no <terms> in the file", x->name);
out:
    folio_stmt_free(st);
    xmlFreeDoc(doc);
    return rc;
}

/* The DRG logic formula language (folio/drg.h, docs/drg.md): parsed once at load into a node
 * pool the grouper walks; interned attribute names; packed code keys and their index. */
#include "folio/base.h"
#include "folio/drg.h"

#include "drg/drg_int.h"

#define FORMULA_MAX_DEPTH 64
#define FORMULA_MAX_NODES ((size_t)1 << 24)

/* ---- interned names ---- */

static uint32_t name_hash(const char *p, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)p[i];
        h *= 16777619u;
    }
    return h;
}

static bool names_grow(struct drg_names *t)
{
    size_t nslots = t->nslots ? t->nslots * 2 : 1024;
    uint32_t *slot = calloc(nslots, sizeof *slot);

    if (slot == NULL)
        return false;
    for (size_t i = 0; i < t->n; i++) {
        size_t s = name_hash(t->name[i], strlen(t->name[i])) & (nslots - 1);
        while (slot[s])
            s = (s + 1) & (nslots - 1);
        slot[s] = (uint32_t)(i + 1);
    }
    free(t->slot);
    t->slot = slot;
    t->nslots = nslots;
    return true;
}

unsigned drg_names_find(const struct drg_names *t, const char *p, size_t len)
{
    size_t s;

    if (t->nslots == 0)
        return DRG_NO_ATTR;
    s = name_hash(p, len) & (t->nslots - 1);
    while (t->slot[s]) {
        const char *n = t->name[t->slot[s] - 1];
        if (strlen(n) == len && memcmp(n, p, len) == 0)
            return t->slot[s] - 1;
        s = (s + 1) & (t->nslots - 1);
    }
    return DRG_NO_ATTR;
}

unsigned drg_names_intern(struct drg_names *t, const char *p, size_t len)
{
    unsigned id = drg_names_find(t, p, len);
    size_t s;
    char *copy;

    if (id != DRG_NO_ATTR)
        return id;
    if (t->n >= DRG_MAX_ATTRS)
        return DRG_NO_ATTR;
    if ((t->n + 1) * 2 > t->nslots && !names_grow(t))
        return DRG_NO_ATTR;
    if (t->n == t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 256;
        char **nn = realloc(t->name, ncap * sizeof *nn);
        if (nn == NULL)
            return DRG_NO_ATTR;
        t->name = nn;
        t->cap = ncap;
    }
    copy = malloc(len + 1);
    if (copy == NULL)
        return DRG_NO_ATTR;
    memcpy(copy, p, len);
    copy[len] = '\0';
    t->name[t->n] = copy;
    s = name_hash(p, len) & (t->nslots - 1);
    while (t->slot[s])
        s = (s + 1) & (t->nslots - 1);
    t->slot[s] = (uint32_t)(t->n + 1);
    return (unsigned)t->n++;
}

/* ---- codes ---- */

uint64_t drg_code_key(const char *s, size_t len)
{
    uint64_t k = 0;

    if (len == 0 || len > 7)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'a' && c <= 'z')
            c = (unsigned char)(c - 'a' + 'A');
        else if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')))
            return 0;
        k |= (uint64_t)c << (8 * (7 - i));
    }
    return k;
}

size_t drg_key_slot(uint64_t key, size_t nslots)
{
    /* codes are packed from the top byte down, so short codes have many zero low bits: mix */
    key ^= key >> 31;
    key *= 0x9E3779B97F4A7C15ull;
    key ^= key >> 29;
    return (size_t)key & (nslots - 1);
}

uint64_t drg_code_key_str(const char *s)
{
    uint64_t k = 0;
    size_t i;

    for (i = 0; s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        if (i == 7)
            return 0;
        if (c >= 'a' && c <= 'z')
            c = (unsigned char)(c - 'a' + 'A');
        else if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')))
            return 0;
        k |= (uint64_t)c << (8 * (7 - i));
    }
    return k;
}

/* ---- functions ---- */

static const char *const func_names[DRG_F_COUNT] = {
    [DRG_F_MCC] = "MCC",
    [DRG_F_CC] = "CC",
    [DRG_F_INVALID_PDX] = "INVALID_PDX",
    [DRG_F_PDX_ECODE] = "PDX_ECODE",
    [DRG_F_INVALID_DSTAT] = "INVALID_DSTAT",
    [DRG_F_INVALID_SEX] = "INVALID_SEX",
    [DRG_F_ALIVE] = "ALIVE",
    [DRG_F_DIED] = "DIED",
    [DRG_F_XFRNBA] = "XFRNBA",
    [DRG_F_AMA] = "AMA",
    [DRG_F_MULTST] = "MULTST",
    [DRG_F_BILATERAL] = "BILATERAL",
    [DRG_F_FOUR_STENTS] = "FOUR_STENTS",
    [DRG_F_FOUR_VESSELS] = "FOUR_VESSELS",
    [DRG_F_SINGLEFUSIONCTR] = "SINGLEFUSIONCTR",
    [DRG_F_SGLANTCTR] = "SGLANTCTR",
    [DRG_F_SGLANTSECTXCTR] = "SGLANTSECTXCTR",
    [DRG_F_SGLPOST1CTR] = "SGLPOST1CTR",
    [DRG_F_SGLPOSTFUSECTR] = "SGLPOSTFUSECTR",
};

const char *drg_func_name(enum drg_func f)
{
    return (unsigned)f < DRG_F_COUNT ? func_names[f] : "?";
}

/* ---- the parser: expr := term ('|' term)*; term := factor ('&' factor)*;
 *      factor := '~' factor | '(' expr ')' | [PDX: SDX: ANY: ONLY:] name ---- */

struct parser {
    struct drg_formula_ctx *x;
    const char *s;
    size_t pos, len;
    int depth;
    struct folio_err *err;
};

static void skip_blanks(struct parser *p)
{
    while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t'))
        p->pos++;
}

static bool name_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static enum folio_rc syntax(struct parser *p, const char *what)
{
    if (p->pos >= p->len)
        return folio_err_set(p->err, FOLIO_EPARSE, "formula", "formula: %s at the end", what);
    return folio_err_set(p->err, FOLIO_EPARSE, "formula", "formula: %s at column %zu", what,
                         p->pos + 1);
}

static enum folio_rc add_node(struct parser *p, uint8_t op, uint16_t arg, uint32_t a, uint32_t b,
                              uint32_t *out)
{
    struct drg_formula_ctx *x = p->x;

    if (x->nnodes == x->cap) {
        size_t ncap = x->cap ? x->cap * 2 : 1024;
        struct drg_node *nn;
        if (ncap > FORMULA_MAX_NODES)
            return folio_err_set(p->err, FOLIO_ETOOBIG, "formula", "formula: too many nodes");
        nn = realloc(x->nodes, ncap * sizeof *nn);
        if (nn == NULL)
            return folio_err_set(p->err, FOLIO_ENOMEM, "formula", "out of memory");
        x->nodes = nn;
        x->cap = ncap;
    }
    x->nodes[x->nnodes] = (struct drg_node){op, arg, a, b};
    *out = (uint32_t)x->nnodes++;
    return FOLIO_OK;
}

/* An upper-case name (letters, digits, '_', at least one letter) names a function. */
static bool looks_like_function(const char *s, size_t n)
{
    bool letter = false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] >= 'a' && s[i] <= 'z')
            return false;
        if (s[i] >= 'A' && s[i] <= 'Z')
            letter = true;
    }
    return letter;
}

/* MDC00..MDC99: the marker rows of the formula table (docs/drg.md). */
static bool mdc_marker(const char *s, size_t n)
{
    return n == 5 && memcmp(s, "MDC", 3) == 0 && s[3] >= '0' && s[3] <= '9' && s[4] >= '0' &&
           s[4] <= '9';
}

static enum folio_rc parse_expr(struct parser *p, uint32_t *out);

static enum folio_rc parse_name(struct parser *p, uint32_t *out)
{
    static const struct {
        const char *prefix;
        uint8_t op;
    } prefixes[] = {
        {"PDX", DRG_OP_PDX}, {"SDX", DRG_OP_SDX}, {"ANY", DRG_OP_ANY}, {"ONLY", DRG_OP_ONLY}};
    size_t start = p->pos, n;
    const char *name;
    unsigned id;

    while (p->pos < p->len && name_char(p->s[p->pos]))
        p->pos++;
    if (p->pos == start)
        return syntax(p, "a name expected");
    name = p->s + start;
    n = p->pos - start;
    if (p->pos < p->len && p->s[p->pos] == ':') {
        size_t k;
        for (k = 0; k < FOLIO_ARRAY_LEN(prefixes); k++)
            if (strlen(prefixes[k].prefix) == n && memcmp(prefixes[k].prefix, name, n) == 0)
                break;
        if (k == FOLIO_ARRAY_LEN(prefixes)) {
            p->pos = start;
            return syntax(p, "unknown prefix (PDX, SDX, ANY or ONLY expected)");
        }
        start = ++p->pos;
        while (p->pos < p->len && name_char(p->s[p->pos]))
            p->pos++;
        if (p->pos == start)
            return syntax(p, "an attribute name expected");
        id = drg_names_intern(p->x->dx_names, p->s + start, p->pos - start);
        if (id == DRG_NO_ATTR)
            return folio_err_set(p->err, FOLIO_ETOOBIG, "formula",
                                 "formula: more than %d diagnosis attribute names", DRG_MAX_ATTRS);
        return add_node(p, prefixes[k].op, (uint16_t)id, 0, 0, out);
    }
    for (unsigned f = 0; f < DRG_F_COUNT; f++) {
        if (strlen(func_names[f]) == n && memcmp(func_names[f], name, n) == 0) {
            if (!p->x->funcs_ok) {
                p->pos = start;
                return syntax(p, "function not allowed here");
            }
            return add_node(p, DRG_OP_FUNC, (uint16_t)f, 0, 0, out);
        }
    }
    if (mdc_marker(name, n))
        return add_node(p, DRG_OP_FALSE, 0, 0, 0, out);
    if (looks_like_function(name, n)) {
        p->pos = start;
        return folio_err_set(p->err, FOLIO_EPARSE, "formula",
                             "formula: unknown function '%.*s' at column %zu",
                             (int)(n > 40 ? 40 : n), name, start + 1);
    }
    id = drg_names_intern(p->x->pr_names, name, n);
    if (id == DRG_NO_ATTR)
        return folio_err_set(p->err, FOLIO_ETOOBIG, "formula",
                             "formula: more than %d procedure attribute names", DRG_MAX_ATTRS);
    return add_node(p, DRG_OP_PR, (uint16_t)id, 0, 0, out);
}

static enum folio_rc parse_factor(struct parser *p, uint32_t *out)
{
    enum folio_rc rc;
    uint32_t a;

    if (++p->depth > FORMULA_MAX_DEPTH)
        return syntax(p, "nested too deeply");
    skip_blanks(p);
    if (p->pos >= p->len) {
        rc = syntax(p, "operand expected");
    } else if (p->s[p->pos] == '~') {
        p->pos++;
        rc = parse_factor(p, &a);
        if (rc == FOLIO_OK)
            rc = add_node(p, DRG_OP_NOT, 0, a, 0, out);
    } else if (p->s[p->pos] == '(') {
        p->pos++;
        rc = parse_expr(p, out);
        if (rc == FOLIO_OK) {
            skip_blanks(p);
            if (p->pos >= p->len || p->s[p->pos] != ')')
                rc = syntax(p, "')' expected");
            else
                p->pos++;
        }
    } else {
        rc = parse_name(p, out);
    }
    p->depth--;
    return rc;
}

static enum folio_rc parse_binary(struct parser *p, char opch, uint8_t op, uint32_t *out)
{
    uint32_t a, b;
    enum folio_rc rc = opch == '|' ? parse_binary(p, '&', DRG_OP_AND, &a) : parse_factor(p, &a);

    while (rc == FOLIO_OK) {
        skip_blanks(p);
        if (p->pos >= p->len || p->s[p->pos] != opch)
            break;
        p->pos++;
        rc = opch == '|' ? parse_binary(p, '&', DRG_OP_AND, &b) : parse_factor(p, &b);
        if (rc == FOLIO_OK)
            rc = add_node(p, op, 0, a, b, &a);
    }
    if (rc == FOLIO_OK)
        *out = a;
    return rc;
}

static enum folio_rc parse_expr(struct parser *p, uint32_t *out)
{
    return parse_binary(p, '|', DRG_OP_OR, out);
}

enum folio_rc drg_formula_compile(struct drg_formula_ctx *x, const char *text, uint32_t *root,
                                  struct folio_err *err)
{
    struct parser p = {x, text, 0, strlen(text), 0, err};
    enum folio_rc rc = parse_expr(&p, root);

    if (rc)
        return rc;
    skip_blanks(&p);
    if (p.pos != p.len)
        return syntax(&p, "unexpected character");
    return FOLIO_OK;
}

void drg_formula_need(const struct drg_node *nodes, uint32_t root, uint8_t op, struct drg_need *out)
{
    const struct drg_node *n = &nodes[root];
    struct drg_need a, b;

    memset(out, 0, sizeof *out);
    switch (n->op) {
    case DRG_OP_AND: /* either side's condition is necessary */
        drg_formula_need(nodes, n->a, op, &a);
        drg_formula_need(nodes, n->b, op, &b);
        *out = a.on ? a : b;
        break;
    case DRG_OP_OR: /* one of both sides' */
        drg_formula_need(nodes, n->a, op, &a);
        drg_formula_need(nodes, n->b, op, &b);
        if (a.on && b.on) {
            *out = a;
            drg_bits_or(&out->any, &b.any);
        }
        break;
    default:
        if (n->op == op) {
            out->on = true;
            drg_bits_set(&out->any, n->arg);
        }
        break;
    }
}

bool drg_formula_uses(const struct drg_node *nodes, uint32_t root, enum drg_func f)
{
    const struct drg_node *n = &nodes[root];

    switch (n->op) {
    case DRG_OP_AND:
    case DRG_OP_OR:
        return drg_formula_uses(nodes, n->a, f) || drg_formula_uses(nodes, n->b, f);
    case DRG_OP_NOT:
        return drg_formula_uses(nodes, n->a, f);
    case DRG_OP_FUNC:
        return n->arg == (uint16_t)f;
    default:
        return false;
    }
}

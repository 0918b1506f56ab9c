/* Encoder search: the in-memory index and type-ahead ranking (docs/encoder.md).
 *
 * Layout after folio_encoder_finish (all arrays, no per-code allocations):
 * - entries sorted by (code, system): a code prefix is a contiguous range (binary search);
 * - tokens: every distinct word, sorted, so a word prefix is a contiguous range of token ids;
 * - postings (CSR): token id -> entry ids (ascending), each tagged "word is in the title";
 * - forward lists (CSR): entry id -> its token ids (ascending), tagged the same way.
 * A query picks, among its word clauses, the one with the fewest postings, walks those postings
 * for candidates and checks every other clause on the candidate's forward list (a range test on
 * token ids), so cost follows the rarest word, not the index size. */
#include "folio/base.h"

#include "coding/encoder_int.h"

#define ENC_NONE       UINT32_MAX
#define ENC_BILLABLE   0x01u
#define ENC_EXT        0x02u /* an ICD-10-CM 7th-character extension: searched through its stem */
#define ENC_STEM       0x04u /* needs a 7th character */
#define ENC_MAX_QUERY  256
#define ENC_MAX_CLAUSE 16
#define ENC_MAX_ALT    8
#define ENC_MAX_TERM   8
#define ENC_NO_TITLE   "(no title in the loaded code set)"

/* quality of one clause's match, higher is better (docs/encoder.md) */
/* A synonym key matches only when typed whole ("mi", not "m"), so a synonym hit ranks above a
 * mere word prefix ("mi" -> myocardial infarction before "Microcephaly"), below a whole word. */
enum { Q_EXACT_TITLE = 16, Q_EXACT_TERM = 12, Q_SYN_TITLE = 10, Q_SYN_TERM = 9,
       Q_PREFIX_TITLE = 8, Q_PREFIX_TERM = 7 };

struct enc_entry {
    char code[8];
    uint8_t system;
    uint8_t len;
    uint8_t flags;
    uint8_t n_title_words;
    uint32_t seq;   /* insertion order, while building */
    uint32_t title; /* pool offset or ENC_NONE */
    uint32_t seventh_lo, n_seventh;
    uint32_t fwd_lo, fwd_n;
    uint32_t term_lo, term_n;
};

struct enc_term_in {
    char code[8];
    uint8_t system;
    uint32_t text;
};

struct enc_range {
    uint32_t lo, hi; /* token ids [lo, hi) */
    uint32_t exact;  /* token id equal to the word, or ENC_NONE */
};

struct enc_syn {
    char key[64];
    uint8_t n_terms;
    bool dead; /* some expansion word is in no title */
    struct enc_range terms[ENC_MAX_TERM];
};

struct folio_encoder {
    bool finished;
    char *pool;
    size_t pool_len, pool_cap;
    struct enc_entry *entries;
    size_t n_entries, cap_entries;
    struct enc_term_in *terms_in;
    size_t n_terms_in, cap_terms_in;
    uint32_t *terms; /* pool offsets, grouped per entry */
    struct folio_enc_seventh *seventh;
    size_t n_seventh;
    uint32_t *tok;   /* sorted token strings (pool offsets) */
    size_t n_tok;
    uint32_t *post_off; /* n_tok + 1 */
    uint32_t *post;
    uint32_t *fwd;
    size_t n_fwd;
    struct enc_syn *syn;
    size_t n_syn;
    size_t n_indexed;
};

/* ---- words ---- */

static bool word_ch(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch >= 0x80;
}

int enc_split_words(const char *s, size_t len, enc_word_fn fn, void *ctx)
{
    char w[ENC_MAX_WORD + 1];
    size_t n = 0, index = 0;
    for (size_t i = 0; i <= len; i++) {
        unsigned char ch = i < len ? (unsigned char)s[i] : 0;
        if (i < len && word_ch(ch)) {
            if (n < ENC_MAX_WORD)
                w[n++] = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
            continue;
        }
        if (i < len && ch == '\'' && n > 0 && i + 1 < len && word_ch((unsigned char)s[i + 1]))
            continue; /* "alzheimer's" -> "alzheimers" */
        if (n > 0) {
            w[n] = '\0';
            int r = fn(ctx, w, n, index++);
            if (r)
                return r;
            n = 0;
        }
    }
    return 0;
}

bool enc_is_stopword(const char *w, size_t len)
{
    static const char *const stop[] = {"a",  "an", "and", "as",   "at",  "by", "for", "from",
                                       "in", "into", "nos", "of", "on", "or", "s", "the", "to",
                                       "with"};
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(stop); i++)
        if (strlen(stop[i]) == len && memcmp(stop[i], w, len) == 0)
            return true;
    return false;
}

/* ---- building ---- */

static bool grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 1024, bytes;
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

static enum folio_rc pool_add(struct folio_encoder *e, const char *s, size_t len, uint32_t *off,
                              struct folio_err *err)
{
    size_t need;
    if (!folio_size_add(e->pool_len, len + 1, &need) || need > UINT32_MAX)
        return folio_err_set(err, FOLIO_ETOOBIG, NULL, "encoder: text pool over 4 GiB");
    if (!grow((void **)&e->pool, &e->pool_cap, need, 1))
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    memcpy(e->pool + e->pool_len, s, len);
    e->pool[e->pool_len + len] = '\0';
    *off = (uint32_t)e->pool_len;
    e->pool_len = need;
    return FOLIO_OK;
}

static const char *pool_str(const struct folio_encoder *e, uint32_t off)
{
    return off == ENC_NONE ? NULL : e->pool + off;
}

enum folio_rc folio_encoder_new(struct folio_encoder **out, struct folio_err *err)
{
    *out = calloc(1, sizeof **out);
    if (*out == NULL)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    return FOLIO_OK;
}

void folio_encoder_free(struct folio_encoder *e)
{
    if (e == NULL)
        return;
    free(e->pool);
    free(e->entries);
    free(e->terms_in);
    free(e->terms);
    free(e->seventh);
    free(e->tok);
    free(e->post_off);
    free(e->post);
    free(e->fwd);
    free(e->syn);
    free(e);
}

/* Code without dots or blanks, upper case, 1-7 letters/digits. */
static bool norm_code(const char *in, char out[8], size_t *len)
{
    size_t n = 0;
    for (const char *p = in; *p; p++) {
        char ch = *p;
        if (ch == '.' || ch == ' ')
            continue;
        if (ch >= 'a' && ch <= 'z')
            ch = (char)(ch - 'a' + 'A');
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) || n == 7)
            return false;
        out[n++] = ch;
    }
    out[n] = '\0';
    *len = n;
    return n > 0;
}

enum folio_rc folio_encoder_add_code(struct folio_encoder *e, enum folio_code_system cs,
                                     const char *code, const char *title, bool billable,
                                     struct folio_err *err)
{
    enum folio_rc rc;
    struct enc_entry en;
    size_t len;
    memset(&en, 0, sizeof en);
    if (e->finished)
        return folio_err_set(err, FOLIO_ESTATE, NULL, "encoder: add after finish");
    if (code == NULL || !norm_code(code, en.code, &len))
        return folio_err_set(err, FOLIO_EINVAL, "code", "not a code of 1-7 letters and digits: \"%s\"",
                             code ? code : "");
    en.system = (uint8_t)cs;
    en.len = (uint8_t)len;
    en.flags = billable ? ENC_BILLABLE : 0;
    en.title = ENC_NONE;
    if (title != NULL && title[0] != '\0') {
        rc = pool_add(e, title, strlen(title), &en.title, err);
        if (rc)
            return rc;
    }
    if (e->n_entries >= UINT32_MAX / 4)
        return folio_err_set(err, FOLIO_ETOOBIG, NULL, "encoder: too many codes");
    if (!grow((void **)&e->entries, &e->cap_entries, e->n_entries + 1, sizeof *e->entries))
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    en.seq = (uint32_t)e->n_entries;
    e->entries[e->n_entries++] = en;
    return FOLIO_OK;
}

enum folio_rc folio_encoder_add_term(struct folio_encoder *e, enum folio_code_system cs,
                                     const char *code, const char *term, struct folio_err *err)
{
    enum folio_rc rc;
    struct enc_term_in t;
    size_t len;
    memset(&t, 0, sizeof t);
    if (e->finished)
        return folio_err_set(err, FOLIO_ESTATE, NULL, "encoder: add after finish");
    if (code == NULL || !norm_code(code, t.code, &len))
        return folio_err_set(err, FOLIO_EINVAL, "code", "not a code of 1-7 letters and digits: \"%s\"",
                             code ? code : "");
    if (term == NULL || term[0] == '\0')
        return FOLIO_OK;
    t.system = (uint8_t)cs;
    rc = pool_add(e, term, strlen(term), &t.text, err);
    if (rc)
        return rc;
    if (!grow((void **)&e->terms_in, &e->cap_terms_in, e->n_terms_in + 1, sizeof *e->terms_in))
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    e->terms_in[e->n_terms_in++] = t;
    return FOLIO_OK;
}

static int entry_cmp(const void *a, const void *b)
{
    const struct enc_entry *x = a, *y = b;
    int c = strcmp(x->code, y->code);
    if (c)
        return c;
    if (x->system != y->system)
        return x->system < y->system ? -1 : 1;
    return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

static int term_in_cmp(const void *a, const void *b)
{
    const struct enc_term_in *x = a, *y = b;
    int c = strcmp(x->code, y->code);
    if (c)
        return c;
    if (x->system != y->system)
        return x->system < y->system ? -1 : 1;
    return x->text < y->text ? -1 : (x->text > y->text);
}

/* Entry index of (code, system), or SIZE_MAX. */
static size_t entry_find(const struct folio_encoder *e, const char *code, uint8_t system)
{
    size_t lo = 0, hi = e->n_entries;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct enc_entry *m = &e->entries[mid];
        int c = strcmp(m->code, code);
        if (c == 0)
            c = m->system < system ? -1 : (m->system > system);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return SIZE_MAX;
}

static void sort_dedupe(struct folio_encoder *e)
{
    qsort(e->entries, e->n_entries, sizeof *e->entries, entry_cmp);
    size_t w = 0;
    for (size_t i = 0; i < e->n_entries; i++) {
        if (w > 0 && strcmp(e->entries[w - 1].code, e->entries[i].code) == 0 &&
            e->entries[w - 1].system == e->entries[i].system)
            w--; /* a later add replaces */
        e->entries[w++] = e->entries[i];
    }
    e->n_entries = w;
}

static bool is_ext(const struct enc_entry *en)
{
    return en->system == FOLIO_CS_ICD10CM && en->len == 7;
}

/* Length of the title common to a 7th-character extension and its stem: up to the last ", ". */
static size_t stem_title_len(const char *t)
{
    const char *last = NULL;
    for (const char *p = t; (p = strstr(p, ", ")) != NULL; p += 2)
        last = p;
    return last ? (size_t)(last - t) : strlen(t);
}

/* 7th characters: stems get the characters of the extensions present, with labels. */
static enum folio_rc build_seventh(struct folio_encoder *e, struct folio_err *err)
{
    enum folio_rc rc;
    size_t n0 = e->n_entries;
    bool added = false;
    /* stems missing from the loaded codes (a valid-code list, a placeholder "X" stem) */
    for (size_t i = 0; i < n0; i++) {
        struct enc_entry *en = &e->entries[i];
        if (!is_ext(en) || (i > 0 && is_ext(&e->entries[i - 1]) &&
                            memcmp(e->entries[i - 1].code, en->code, 6) == 0))
            continue;
        char stem[8];
        memcpy(stem, en->code, 6);
        stem[6] = '\0';
        if (entry_find(e, stem, en->system) != SIZE_MAX)
            continue;
        uint32_t title = ENC_NONE;
        if (en->title != ENC_NONE) {
            const char *t = pool_str(e, en->title);
            size_t tl = stem_title_len(t);
            char tmp[512];
            if (tl >= sizeof tmp)
                tl = sizeof tmp - 1;
            memcpy(tmp, t, tl); /* copy: pool_add may move the pool */
            rc = pool_add(e, tmp, tl, &title, err);
            if (rc)
                return rc;
            en = &e->entries[i];
        }
        if (!grow((void **)&e->entries, &e->cap_entries, e->n_entries + 1, sizeof *e->entries))
            return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        struct enc_entry *s = &e->entries[e->n_entries++];
        memset(s, 0, sizeof *s);
        memcpy(s->code, stem, 7);
        s->system = FOLIO_CS_ICD10CM;
        s->len = 6;
        s->title = title;
        s->seq = UINT32_MAX;
        added = true;
    }
    if (added)
        qsort(e->entries, e->n_entries, sizeof *e->entries, entry_cmp);
    size_t n_ext = 0;
    for (size_t i = 0; i < e->n_entries; i++)
        if (is_ext(&e->entries[i]))
            n_ext++;
    e->seventh = calloc(n_ext ? n_ext : 1, sizeof *e->seventh);
    if (e->seventh == NULL)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    /* labels are set as pool offsets now and turned into pointers at the end of finish */
    for (size_t i = 0; i < e->n_entries; i++) {
        struct enc_entry *en = &e->entries[i];
        if (!is_ext(en))
            continue;
        en->flags |= ENC_EXT;
        char stem[8];
        memcpy(stem, en->code, 6);
        stem[6] = '\0';
        size_t si = entry_find(e, stem, en->system);
        if (si == SIZE_MAX)
            continue;
        struct enc_entry *st = &e->entries[si];
        if (!(st->flags & ENC_STEM)) {
            st->flags |= ENC_STEM;
            st->flags &= (uint8_t)~ENC_BILLABLE;
            st->seventh_lo = (uint32_t)e->n_seventh;
        }
        st->n_seventh++;
        uintptr_t label = 0;
        if (en->title != ENC_NONE) {
            const char *t = pool_str(e, en->title), *st_t = pool_str(e, st->title);
            size_t stl = st_t ? strlen(st_t) : 0;
            if (st_t && strncmp(t, st_t, stl) == 0 && strncmp(t + stl, ", ", 2) == 0)
                label = (uintptr_t)(en->title + stl + 2) + 1;
            else
                label = (uintptr_t)(en->title + stem_title_len(t) +
                                    (t[stem_title_len(t)] ? 2 : 0)) + 1;
        }
        e->seventh[e->n_seventh].value = en->code[6];
        e->seventh[e->n_seventh].label = (const char *)label; /* offset + 1; 0 = none */
        e->n_seventh++;
    }
    return FOLIO_OK;
}

static enum folio_rc attach_terms(struct folio_encoder *e, struct folio_err *err)
{
    if (e->n_terms_in)
        qsort(e->terms_in, e->n_terms_in, sizeof *e->terms_in, term_in_cmp);
    e->terms = calloc(e->n_terms_in ? e->n_terms_in : 1, sizeof *e->terms);
    if (e->terms == NULL)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    size_t w = 0, idx = SIZE_MAX;
    for (size_t i = 0; i < e->n_terms_in; i++) {
        const struct enc_term_in *t = &e->terms_in[i];
        if (i == 0 || strcmp(t->code, e->terms_in[i - 1].code) != 0 ||
            t->system != e->terms_in[i - 1].system) {
            idx = entry_find(e, t->code, t->system);
            if (idx != SIZE_MAX)
                e->entries[idx].term_lo = (uint32_t)w;
        }
        if (idx == SIZE_MAX)
            continue;
        e->entries[idx].term_n++;
        e->terms[w++] = t->text;
    }
    free(e->terms_in);
    e->terms_in = NULL;
    e->n_terms_in = e->cap_terms_in = 0;
    return FOLIO_OK;
}

/* interning of words while building: open addressing over temporary ids */
struct enc_intern {
    struct folio_encoder *e;
    uint32_t *slots; /* temp id + 1, 0 = empty */
    size_t cap;
    uint32_t *tok; /* temp id -> pool offset */
    size_t n, cap_tok;
    uint32_t *cur; /* the forward list being built: temp id << 1 | in title */
    size_t n_cur, cap_cur;
    bool in_title;
    size_t n_title_words;
    enum folio_rc rc;
    struct folio_err *err;
};

static uint32_t hash_word(const char *w, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)w[i]) * 16777619u;
    return h;
}

static enum folio_rc intern_grow(struct enc_intern *in)
{
    size_t ncap = in->cap ? in->cap * 2 : 65536;
    uint32_t *ns = calloc(ncap, sizeof *ns);
    if (ns == NULL)
        return FOLIO_ENOMEM;
    for (size_t i = 0; i < in->n; i++) {
        const char *w = in->e->pool + in->tok[i];
        size_t j = hash_word(w, strlen(w)) & (ncap - 1);
        while (ns[j])
            j = (j + 1) & (ncap - 1);
        ns[j] = (uint32_t)i + 1;
    }
    free(in->slots);
    in->slots = ns;
    in->cap = ncap;
    return FOLIO_OK;
}

static int intern_word(void *ctx, const char *w, size_t len, size_t index)
{
    struct enc_intern *in = ctx;
    (void)index;
    if (enc_is_stopword(w, len))
        return 0;
    if ((in->n + 1) * 2 > in->cap && (in->rc = intern_grow(in)) != FOLIO_OK)
        return 1;
    size_t j = hash_word(w, len) & (in->cap - 1);
    uint32_t id = UINT32_MAX;
    while (in->slots[j]) {
        const char *t = in->e->pool + in->tok[in->slots[j] - 1];
        if (strncmp(t, w, len) == 0 && t[len] == '\0') {
            id = in->slots[j] - 1;
            break;
        }
        j = (j + 1) & (in->cap - 1);
    }
    if (id == UINT32_MAX) {
        uint32_t off;
        if ((in->rc = pool_add(in->e, w, len, &off, in->err)) != FOLIO_OK)
            return 1;
        if (!grow((void **)&in->tok, &in->cap_tok, in->n + 1, sizeof *in->tok)) {
            in->rc = FOLIO_ENOMEM;
            return 1;
        }
        id = (uint32_t)in->n;
        in->tok[in->n++] = off;
        in->slots[j] = id + 1;
    }
    if (!grow((void **)&in->cur, &in->cap_cur, in->n_cur + 1, sizeof *in->cur)) {
        in->rc = FOLIO_ENOMEM;
        return 1;
    }
    in->cur[in->n_cur++] = id << 1 | (in->in_title ? 1u : 0u);
    if (in->in_title)
        in->n_title_words++;
    return 0;
}

static int u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : (x > y);
}

/* Sorts a forward list by token and merges duplicates (in title wins). Returns the new length. */
static size_t fwd_normalize(uint32_t *v, size_t n)
{
    qsort(v, n, sizeof *v, u32_cmp);
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (w > 0 && (v[w - 1] >> 1) == (v[i] >> 1)) {
            v[w - 1] |= v[i] & 1u;
            continue;
        }
        v[w++] = v[i];
    }
    return w;
}

/* Sorts pool offsets by their strings (merge sort: qsort has no context argument in C11, and a
 * global one would not be thread-safe). tmp holds n elements. */
static void sort_by_string(const char *pool, uint32_t *v, uint32_t *tmp, size_t n)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    sort_by_string(pool, v, tmp, h);
    sort_by_string(pool, v + h, tmp, n - h);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = strcmp(pool + v[j], pool + v[i]) < 0 ? v[j++] : v[i++];
    while (i < h)
        tmp[k++] = v[i++];
    while (j < n)
        tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
}

/* Token id range of words starting with w (len bytes). */
static struct enc_range tok_range(const struct folio_encoder *e, const char *w, size_t len)
{
    struct enc_range r = {0, 0, ENC_NONE};
    size_t lo = 0, hi = e->n_tok;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strncmp(e->pool + e->tok[mid], w, len) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    r.lo = (uint32_t)lo;
    hi = e->n_tok;
    size_t a = lo;
    while (a < hi) {
        size_t mid = a + (hi - a) / 2;
        if (strncmp(e->pool + e->tok[mid], w, len) <= 0)
            a = mid + 1;
        else
            hi = mid;
    }
    r.hi = (uint32_t)a;
    if (r.lo < r.hi && e->pool[e->tok[r.lo] + len] == '\0')
        r.exact = r.lo;
    return r;
}

struct syn_build {
    struct enc_syn *s;
    const struct folio_encoder *e;
    char *key;
    size_t key_len;
};

static int syn_key_word(void *ctx, const char *w, size_t len, size_t index)
{
    struct syn_build *b = ctx;
    if (b->key_len + len + 2 > sizeof b->s->key)
        return 1;
    if (index > 0)
        b->key[b->key_len++] = ' ';
    memcpy(b->key + b->key_len, w, len);
    b->key_len += len;
    b->key[b->key_len] = '\0';
    return 0;
}

static int syn_exp_word(void *ctx, const char *w, size_t len, size_t index)
{
    struct syn_build *b = ctx;
    (void)index;
    if (enc_is_stopword(w, len))
        return 0;
    if (b->s->n_terms == ENC_MAX_TERM)
        return 1;
    struct enc_range r = tok_range(b->e, w, len);
    if (r.lo == r.hi)
        b->s->dead = true;
    b->s->terms[b->s->n_terms++] = r;
    return 0;
}

static int syn_cmp(const void *a, const void *b)
{
    return strcmp(((const struct enc_syn *)a)->key, ((const struct enc_syn *)b)->key);
}

static enum folio_rc build_synonyms(struct folio_encoder *e, struct folio_err *err)
{
    size_t n;
    const struct folio_enc_synonym *tab = folio_enc_synonyms(&n);
    e->syn = calloc(n ? n : 1, sizeof *e->syn);
    if (e->syn == NULL)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < n; i++) {
        struct enc_syn *s = &e->syn[e->n_syn];
        struct syn_build b = {s, e, s->key, 0};
        if (enc_split_words(tab[i].key, strlen(tab[i].key), syn_key_word, &b) || b.key_len == 0)
            FOLIO_BUG("synonym key \"%s\" too long", tab[i].key);
        (void)enc_split_words(tab[i].expansion, strlen(tab[i].expansion), syn_exp_word, &b);
        if (s->n_terms == 0)
            FOLIO_BUG("synonym \"%s\" has no expansion words", tab[i].key);
        e->n_syn++;
    }
    qsort(e->syn, e->n_syn, sizeof *e->syn, syn_cmp);
    return FOLIO_OK;
}

enum folio_rc folio_encoder_finish(struct folio_encoder *e, struct folio_err *err)
{
    enum folio_rc rc = FOLIO_OK;
    struct enc_intern in;
    uint32_t *order = NULL, *rank = NULL, *cnt = NULL;
    memset(&in, 0, sizeof in);
    in.e = e;
    in.err = err;
    if (e->finished)
        return folio_err_set(err, FOLIO_ESTATE, NULL, "encoder: already finished");
    if (e->n_entries == 0)
        return folio_err_set(err, FOLIO_EINVAL, NULL, "encoder: no codes were added");
    sort_dedupe(e);
    rc = build_seventh(e, err);
    if (rc)
        goto out;
    rc = attach_terms(e, err);
    if (rc)
        goto out;

    /* forward lists with temporary token ids */
    size_t cap_fwd = 0;
    for (size_t i = 0; i < e->n_entries; i++) {
        struct enc_entry *en = &e->entries[i];
        en->fwd_lo = (uint32_t)e->n_fwd;
        en->fwd_n = 0;
        if (en->flags & ENC_EXT)
            continue;
        e->n_indexed++;
        in.n_cur = 0;
        in.n_title_words = 0;
        in.in_title = true;
        if (en->title != ENC_NONE) {
            size_t tl = strlen(e->pool + en->title);
            char tmp[1024]; /* the pool may move while words are added */
            if (tl >= sizeof tmp)
                tl = sizeof tmp - 1;
            memcpy(tmp, e->pool + en->title, tl);
            if (enc_split_words(tmp, tl, intern_word, &in))
                goto intern_failed;
        }
        en->n_title_words = (uint8_t)(in.n_title_words > 255 ? 255 : in.n_title_words);
        in.in_title = false;
        for (uint32_t t = 0; t < en->term_n; t++) {
            char tmp[1024];
            size_t tl = strlen(e->pool + e->terms[en->term_lo + t]);
            if (tl >= sizeof tmp)
                tl = sizeof tmp - 1;
            memcpy(tmp, e->pool + e->terms[en->term_lo + t], tl);
            if (enc_split_words(tmp, tl, intern_word, &in))
                goto intern_failed;
        }
        size_t n = fwd_normalize(in.cur, in.n_cur);
        if (!grow((void **)&e->fwd, &cap_fwd, e->n_fwd + n, sizeof *e->fwd) ||
            e->n_fwd + n > UINT32_MAX) {
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
            goto out;
        }
        memcpy(e->fwd + e->n_fwd, in.cur, n * sizeof *in.cur);
        e->n_fwd += n;
        en->fwd_n = (uint32_t)n;
    }

    /* final token ids: sorted order */
    e->n_tok = in.n;
    order = malloc((in.n ? in.n : 1) * sizeof *order);
    rank = malloc((in.n ? in.n : 1) * sizeof *rank);
    cnt = calloc(in.n + 1, sizeof *cnt);
    e->tok = malloc((in.n ? in.n : 1) * sizeof *e->tok);
    e->post_off = calloc(in.n + 1, sizeof *e->post_off);
    e->post = malloc((e->n_fwd ? e->n_fwd : 1) * sizeof *e->post);
    if (!order || !rank || !cnt || !e->tok || !e->post_off || !e->post) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    memcpy(e->tok, in.tok, in.n * sizeof *e->tok);
    sort_by_string(e->pool, e->tok, order, in.n);
    for (size_t i = 0; i < in.n; i++) {
        /* temp id of the token at sorted position i: look it up through the hash */
        const char *w = e->pool + e->tok[i];
        size_t j = hash_word(w, strlen(w)) & (in.cap - 1);
        while (strcmp(e->pool + in.tok[in.slots[j] - 1], w) != 0)
            j = (j + 1) & (in.cap - 1);
        rank[in.slots[j] - 1] = (uint32_t)i;
    }
    for (size_t i = 0; i < e->n_entries; i++) {
        struct enc_entry *en = &e->entries[i];
        uint32_t *v = e->fwd + en->fwd_lo;
        for (uint32_t k = 0; k < en->fwd_n; k++)
            v[k] = rank[v[k] >> 1] << 1 | (v[k] & 1u);
        qsort(v, en->fwd_n, sizeof *v, u32_cmp);
        for (uint32_t k = 0; k < en->fwd_n; k++)
            e->post_off[(v[k] >> 1) + 1]++;
    }
    for (size_t i = 0; i < in.n; i++)
        e->post_off[i + 1] += e->post_off[i];
    for (size_t i = 0; i < e->n_entries; i++) {
        const struct enc_entry *en = &e->entries[i];
        for (uint32_t k = 0; k < en->fwd_n; k++) {
            uint32_t t = e->fwd[en->fwd_lo + k] >> 1;
            e->post[e->post_off[t] + cnt[t]++] = (uint32_t)i << 1 | (e->fwd[en->fwd_lo + k] & 1u);
        }
    }
    rc = build_synonyms(e, err);
    if (rc)
        goto out;
    /* the pool no longer moves: 7th-character labels become pointers */
    for (size_t i = 0; i < e->n_seventh; i++) {
        uintptr_t off = (uintptr_t)e->seventh[i].label;
        e->seventh[i].label = off ? e->pool + (off - 1) : "";
    }
    e->finished = true;
    goto out;
intern_failed:
    rc = in.rc ? in.rc : FOLIO_ENOMEM;
    if (rc == FOLIO_ENOMEM)
        folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
out:
    free(in.slots);
    free(in.tok);
    free(in.cur);
    free(order);
    free(rank);
    free(cnt);
    return rc;
}

void folio_encoder_stats(const struct folio_encoder *e, struct folio_encoder_stats *out)
{
    memset(out, 0, sizeof *out);
    out->n_codes = e->n_entries;
    out->n_indexed = e->n_indexed;
    out->n_tokens = e->n_tok;
    out->n_postings = e->n_fwd;
    out->n_synonyms = e->n_syn;
    out->bytes = e->pool_cap + e->n_entries * sizeof *e->entries + e->n_fwd * 8 + e->n_tok * 8 +
                 e->n_seventh * sizeof *e->seventh + e->n_syn * sizeof *e->syn;
}

const char *folio_enc_match_name(enum folio_enc_match m)
{
    switch (m) {
    case FOLIO_ENC_CODE_EXACT: return "code";
    case FOLIO_ENC_CODE_PREFIX: return "code_prefix";
    case FOLIO_ENC_WORDS: return "words";
    case FOLIO_ENC_PREFIX: return "prefix";
    case FOLIO_ENC_SYNONYM: return "synonym";
    }
    return "unknown";
}

/* ---- searching ---- */

struct enc_alt {
    bool synonym;
    uint8_t n_terms;
    struct enc_range terms[ENC_MAX_TERM];
};

struct enc_clause {
    int max_q; /* the best quality any entry can reach on this clause */
    uint8_t n_alt;
    struct enc_alt alt[ENC_MAX_ALT];
};

struct enc_cand {
    uint32_t entry;
    int score;
    uint8_t match;
    uint8_t rankable; /* billable or a stem */
    uint8_t title_words;
    uint8_t len;
    uint32_t term_clauses; /* clauses matched only in a term (bit per clause) */
};

struct folio_enc_searcher {
    const struct folio_encoder *e;
    uint32_t gen;
    uint32_t *stamp;
    struct enc_clause clauses[ENC_MAX_CLAUSE];
    size_t n_clauses;
    struct enc_cand heap[FOLIO_ENC_MAX_HITS];
    size_t n_heap, limit;
    uint32_t term_clauses_cur;
};

enum folio_rc folio_enc_searcher_new(const struct folio_encoder *e, struct folio_enc_searcher **out,
                                     struct folio_err *err)
{
    *out = NULL;
    if (!e->finished)
        return folio_err_set(err, FOLIO_ESTATE, NULL, "encoder: search before finish");
    struct folio_enc_searcher *s = calloc(1, sizeof *s);
    if (s == NULL)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    s->e = e;
    s->stamp = calloc(e->n_entries, sizeof *s->stamp);
    if (s->stamp == NULL) {
        free(s);
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    }
    *out = s;
    return FOLIO_OK;
}

void folio_enc_searcher_free(struct folio_enc_searcher *s)
{
    if (s == NULL)
        return;
    free(s->stamp);
    free(s);
}

/* true when a ranks before b */
static bool cand_better(const struct folio_encoder *e, const struct enc_cand *a,
                        const struct enc_cand *b)
{
    if (a->score != b->score)
        return a->score > b->score;
    if (a->rankable != b->rankable)
        return a->rankable > b->rankable;
    if (a->title_words != b->title_words)
        return a->title_words < b->title_words;
    if (a->len != b->len)
        return a->len < b->len;
    (void)e;
    return a->entry < b->entry;
}

/* Bounded heap whose root is the worst kept candidate. */
static void heap_push(struct folio_enc_searcher *s, const struct enc_cand *c)
{
    const struct folio_encoder *e = s->e;
    if (s->n_heap == s->limit) {
        if (!cand_better(e, c, &s->heap[0]))
            return;
        s->heap[0] = *c;
        size_t i = 0;
        for (;;) {
            size_t l = 2 * i + 1, r = l + 1, w = i;
            if (l < s->n_heap && cand_better(e, &s->heap[w], &s->heap[l]))
                w = l;
            if (r < s->n_heap && cand_better(e, &s->heap[w], &s->heap[r]))
                w = r;
            if (w == i)
                break;
            struct enc_cand t = s->heap[i];
            s->heap[i] = s->heap[w];
            s->heap[w] = t;
            i = w;
        }
        return;
    }
    size_t i = s->n_heap++;
    s->heap[i] = *c;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!cand_better(e, &s->heap[p], &s->heap[i]))
            break;
        struct enc_cand t = s->heap[i];
        s->heap[i] = s->heap[p];
        s->heap[p] = t;
        i = p;
    }
}

static void cand_init(const struct folio_encoder *e, uint32_t idx, struct enc_cand *c)
{
    const struct enc_entry *en = &e->entries[idx];
    memset(c, 0, sizeof *c);
    c->entry = idx;
    c->rankable = (en->flags & (ENC_BILLABLE | ENC_STEM)) ? 1 : 0;
    c->title_words = en->n_title_words;
    c->len = en->len;
}

static bool system_ok(unsigned systems, uint8_t sys)
{
    return systems == 0 || (systems & (1u << sys)) != 0;
}

/* Code search: exact code, then codes starting with q. */
static size_t code_search(struct folio_enc_searcher *s, const char *q, size_t qlen,
                          unsigned systems)
{
    const struct folio_encoder *e = s->e;
    size_t lo = 0, hi = e->n_entries, total = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strncmp(e->entries[mid].code, q, qlen) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < e->n_entries && strncmp(e->entries[i].code, q, qlen) == 0; i++) {
        const struct enc_entry *en = &e->entries[i];
        if (!system_ok(systems, en->system))
            continue;
        bool exact = en->len == qlen;
        if ((en->flags & ENC_EXT) && !exact && qlen < 6)
            continue; /* 7th-character codes show under their stem until it is typed */
        struct enc_cand c;
        cand_init(e, (uint32_t)i, &c);
        c.score = exact ? 2000 : 1000;
        c.title_words = 0; /* code order: billable, then shorter, then the code */
        c.match = exact ? FOLIO_ENC_CODE_EXACT : FOLIO_ENC_CODE_PREFIX;
        s->stamp[i] = s->gen;
        total++;
        heap_push(s, &c);
    }
    return total;
}

/* Best quality of one alternative on entry en's forward list; 0 when it does not match.
 * *in_title tells whether every word matched in the title. */
static int alt_quality(const struct folio_encoder *e, const struct enc_entry *en,
                       const struct enc_alt *a, bool *in_title)
{
    const uint32_t *v = e->fwd + en->fwd_lo;
    int qmin = 100;
    bool all_title = true;
    for (uint8_t t = 0; t < a->n_terms; t++) {
        const struct enc_range *r = &a->terms[t];
        /* first element with token >= lo */
        uint32_t lo = 0, hi = en->fwd_n;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if ((v[mid] >> 1) < r->lo)
                lo = mid + 1;
            else
                hi = mid;
        }
        int best = 0;
        bool best_title = false;
        for (uint32_t k = lo; k < en->fwd_n && (v[k] >> 1) < r->hi; k++) {
            bool title = v[k] & 1u, exact = (v[k] >> 1) == r->exact;
            int q = exact ? (title ? Q_EXACT_TITLE : Q_EXACT_TERM)
                          : (title ? Q_PREFIX_TITLE : Q_PREFIX_TERM);
            if (q > best) {
                best = q;
                best_title = title;
            }
        }
        if (best == 0)
            return 0;
        if (!best_title)
            all_title = false;
        if (best < qmin)
            qmin = best;
    }
    *in_title = all_title;
    if (a->synonym)
        return all_title ? Q_SYN_TITLE : Q_SYN_TERM;
    return qmin;
}

static uint32_t range_cost(const struct folio_encoder *e, const struct enc_range *r)
{
    return e->post_off[r->hi] - e->post_off[r->lo];
}

/* Scores entry idx against every clause; pushes it when all match. Returns true on a match. */
static bool score_entry(struct folio_enc_searcher *s, uint32_t idx)
{
    const struct folio_encoder *e = s->e;
    const struct enc_entry *en = &e->entries[idx];
    struct enc_cand c;
    cand_init(e, idx, &c);
    int worst = FOLIO_ENC_WORDS;
    for (size_t k = 0; k < s->n_clauses; k++) {
        const struct enc_clause *cl = &s->clauses[k];
        int best = 0;
        bool best_title = false;
        for (uint8_t a = 0; a < cl->n_alt; a++) {
            bool title = false;
            int q = alt_quality(e, en, &cl->alt[a], &title);
            if (q > best) {
                best = q;
                best_title = title;
            }
        }
        if (best == 0)
            return false;
        c.score += best;
        if (!best_title && k < 32)
            c.term_clauses |= 1u << k;
        int m = (best == Q_EXACT_TITLE || best == Q_EXACT_TERM) ? FOLIO_ENC_WORDS
                : (best == Q_SYN_TITLE || best == Q_SYN_TERM)     ? FOLIO_ENC_SYNONYM
                                                                  : FOLIO_ENC_PREFIX;
        if (m > worst)
            worst = m;
    }
    c.match = (uint8_t)worst;
    heap_push(s, &c);
    return true;
}

struct q_words {
    char w[ENC_MAX_CLAUSE * 2][ENC_MAX_WORD + 1];
    size_t len[ENC_MAX_CLAUSE * 2];
    size_t n;
};

static int q_word(void *ctx, const char *w, size_t len, size_t index)
{
    struct q_words *q = ctx;
    (void)index;
    if (q->n == FOLIO_ARRAY_LEN(q->w))
        return 1;
    memcpy(q->w[q->n], w, len + 1);
    q->len[q->n++] = len;
    return 0;
}

/* Synonym rows of key [*lo, *hi). */
static void syn_find(const struct folio_encoder *e, const char *key, size_t *lo_out, size_t *hi_out)
{
    size_t lo = 0, hi = e->n_syn;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(e->syn[mid].key, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t h = lo;
    while (h < e->n_syn && strcmp(e->syn[h].key, key) == 0)
        h++;
    *lo_out = lo;
    *hi_out = h;
}

/* Builds the clauses; false when some clause can match nothing. */
static bool build_clauses(struct folio_enc_searcher *s, const struct q_words *q)
{
    const struct folio_encoder *e = s->e;
    s->n_clauses = 0;
    size_t i = 0;
    while (i < q->n && s->n_clauses < ENC_MAX_CLAUSE) {
        struct enc_clause *cl = &s->clauses[s->n_clauses];
        memset(cl, 0, sizeof *cl);
        size_t used = 1, slo = 0, shi = 0;
        /* the longest synonym key starting here (up to 4 words) */
        for (size_t L = (q->n - i < 4 ? q->n - i : 4); L >= 1; L--) {
            char key[64];
            size_t kl = 0;
            bool fits = true;
            for (size_t j = 0; j < L; j++) {
                if (kl + q->len[i + j] + 2 > sizeof key) {
                    fits = false;
                    break;
                }
                if (j)
                    key[kl++] = ' ';
                memcpy(key + kl, q->w[i + j], q->len[i + j]);
                kl += q->len[i + j];
            }
            key[kl] = '\0';
            if (!fits)
                continue;
            syn_find(e, key, &slo, &shi);
            if (slo < shi) {
                used = L;
                break;
            }
        }
        /* the literal alternative: each non-stop word as a prefix */
        struct enc_alt *lit = &cl->alt[0];
        bool lit_dead = false;
        for (size_t j = 0; j < used; j++) {
            const char *w = q->w[i + j];
            size_t wl = q->len[i + j];
            bool last = i + j + 1 == q->n;
            if (enc_is_stopword(w, wl) && !(last && q->n == 1))
                continue;
            if (lit->n_terms == ENC_MAX_TERM)
                break;
            struct enc_range r = tok_range(e, w, wl);
            if (wl == 1 && (q->n == 1 || !last)) {
                /* a one-character word is a whole word ("l", "c" in "hepatitis c") unless it is
                 * the last word of several, still being typed: alone, "s" would be a prefix of
                 * a third of the index and say nothing */
                r.lo = r.exact == ENC_NONE ? r.lo : r.exact;
                r.hi = r.exact == ENC_NONE ? r.lo : r.exact + 1;
            }
            if (r.lo == r.hi)
                lit_dead = true;
            lit->terms[lit->n_terms++] = r;
        }
        if (lit->n_terms > 0 && !lit_dead) {
            cl->n_alt = 1;
            cl->max_q = Q_EXACT_TITLE;
            for (uint8_t t = 0; t < lit->n_terms; t++)
                if (lit->terms[t].exact == ENC_NONE)
                    cl->max_q = Q_PREFIX_TITLE;
        }
        for (size_t k = slo; k < shi && cl->n_alt < ENC_MAX_ALT; k++) {
            if (e->syn[k].dead)
                continue;
            struct enc_alt *a = &cl->alt[cl->n_alt++];
            a->synonym = true;
            if (cl->max_q < Q_SYN_TITLE)
                cl->max_q = Q_SYN_TITLE;
            a->n_terms = e->syn[k].n_terms;
            memcpy(a->terms, e->syn[k].terms, sizeof a->terms);
        }
        i += used;
        if (cl->n_alt == 0) {
            if (lit->n_terms == 0 && slo == shi)
                continue; /* stop words only */
            return false;
        }
        s->n_clauses++;
    }
    return s->n_clauses > 0;
}

struct term_match {
    const struct folio_encoder *e;
    const struct folio_enc_searcher *s;
    uint32_t clauses;
    int hits;
};

static int term_word(void *ctx, const char *w, size_t len, size_t index)
{
    struct term_match *tm = ctx;
    (void)index;
    struct enc_range r = tok_range(tm->e, w, len);
    if (r.exact == ENC_NONE)
        return 0;
    for (size_t k = 0; k < tm->s->n_clauses && k < 32; k++) {
        if (!(tm->clauses & (1u << k)))
            continue;
        const struct enc_clause *cl = &tm->s->clauses[k];
        for (uint8_t a = 0; a < cl->n_alt; a++)
            for (uint8_t t = 0; t < cl->alt[a].n_terms; t++)
                if (r.exact >= cl->alt[a].terms[t].lo && r.exact < cl->alt[a].terms[t].hi)
                    tm->hits++;
    }
    return 0;
}

/* The term of the entry that matches most of the clauses its title did not. */
static const char *matched_term(const struct folio_enc_searcher *s, const struct enc_entry *en,
                                uint32_t clauses)
{
    const struct folio_encoder *e = s->e;
    const char *best = NULL;
    int best_hits = 0;
    for (uint32_t t = 0; t < en->term_n; t++) {
        const char *text = e->pool + e->terms[en->term_lo + t];
        struct term_match tm = {e, s, clauses, 0};
        (void)enc_split_words(text, strlen(text), term_word, &tm);
        if (tm.hits > best_hits) {
            best_hits = tm.hits;
            best = text;
        }
    }
    return best;
}

static void fill_hit(const struct folio_enc_searcher *s, const struct enc_cand *c,
                     struct folio_enc_hit *h)
{
    const struct folio_encoder *e = s->e;
    const struct enc_entry *en = &e->entries[c->entry];
    memset(h, 0, sizeof *h);
    h->system = (enum folio_code_system)en->system;
    h->code = en->code;
    if (en->system == FOLIO_CS_ICD10CM && en->len > 3)
        (void)folio_snprintf(h->dotted, sizeof h->dotted, "%.3s.%s", en->code, en->code + 3);
    else
        folio_strlcpy(h->dotted, en->code, sizeof h->dotted);
    h->title = en->title != ENC_NONE ? e->pool + en->title : ENC_NO_TITLE;
    h->billable = (en->flags & ENC_BILLABLE) != 0;
    h->needs_seventh = (en->flags & ENC_STEM) != 0;
    if (h->needs_seventh) {
        h->seventh = e->seventh + en->seventh_lo;
        h->n_seventh = en->n_seventh;
    }
    h->match = (enum folio_enc_match)c->match;
    h->score = c->score;
    if (c->term_clauses)
        h->matched_term = matched_term(s, en, c->term_clauses);
}

struct enc_seg {
    uint32_t lo, hi;
    int bound;
};

/* Walks the postings of tokens [lo, hi): new entries are scored (with a single clause, only
 * those that could still enter the list with quality bound). Returns how many matched. */
static size_t walk_postings(struct folio_enc_searcher *s, uint32_t lo, uint32_t hi, int bound,
                            bool single, unsigned systems)
{
    const struct folio_encoder *e = s->e;
    size_t total = 0;
    if (single && s->n_heap == s->limit && s->heap[0].score > bound)
        return 0; /* nothing here can enter the list: not even counted (total is a lower bound) */
    for (uint32_t p = e->post_off[lo]; p < e->post_off[hi]; p++) {
        uint32_t idx = e->post[p] >> 1;
        if (s->stamp[idx] == s->gen)
            continue;
        s->stamp[idx] = s->gen;
        if (!system_ok(systems, e->entries[idx].system))
            continue;
        if (single) {
            /* it matches: it is in the postings of a one-word alternative of the only clause */
            total++;
            if (s->n_heap == s->limit) {
                struct enc_cand c;
                cand_init(e, idx, &c);
                c.score = bound;
                if (!cand_better(e, &c, &s->heap[0]))
                    continue;
            }
            (void)score_entry(s, idx);
        } else if (score_entry(s, idx)) {
            total++;
        }
    }
    return total;
}

enum folio_rc folio_enc_search(struct folio_enc_searcher *s, const char *query, unsigned systems,
                               size_t limit, struct folio_enc_results *out, struct folio_err *err)
{
    const struct folio_encoder *e = s->e;
    out->n = 0;
    out->total = 0;
    if (query == NULL)
        return FOLIO_OK;
    size_t qlen = strlen(query);
    if (qlen > ENC_MAX_QUERY)
        return folio_err_set(err, FOLIO_EINVAL, "q", "the search text is over %d bytes",
                             ENC_MAX_QUERY);
    s->limit = limit == 0 ? 20 : (limit > FOLIO_ENC_MAX_HITS ? FOLIO_ENC_MAX_HITS : limit);
    s->n_heap = 0;
    if (++s->gen == 0) { /* wrapped: clear the stamps once every 4 billion queries */
        memset(s->stamp, 0, e->n_entries * sizeof *s->stamp);
        s->gen = 1;
    }
    size_t total = 0;

    /* a code when the query is one word of letters, digits and dots holding a digit */
    struct folio_sv tq = folio_sv_trim(folio_sv_from(query));
    char code[8];
    size_t cl = 0;
    bool codeish = tq.len > 0, digit = false;
    for (size_t i = 0; i < tq.len && codeish; i++) {
        char ch = tq.p[i];
        if (ch == '.')
            continue;
        if (ch >= 'a' && ch <= 'z')
            ch = (char)(ch - 'a' + 'A');
        if (ch >= '0' && ch <= '9')
            digit = true;
        else if (!(ch >= 'A' && ch <= 'Z'))
            codeish = false;
        if (cl == 7)
            codeish = false;
        else
            code[cl++] = ch;
    }
    code[cl] = '\0';
    if (codeish && cl > 0) {
        if (digit)
            total += code_search(s, code, cl, systems);
        else if (cl == 7) { /* an all-letter PCS code typed whole */
            size_t i = entry_find(e, code, FOLIO_CS_ICD10PCS);
            if (i != SIZE_MAX && system_ok(systems, FOLIO_CS_ICD10PCS)) {
                struct enc_cand c;
                cand_init(e, (uint32_t)i, &c);
                c.score = 2000;
                c.match = FOLIO_ENC_CODE_EXACT;
                s->stamp[i] = s->gen;
                heap_push(s, &c);
                total++;
            }
        }
    }

    /* words */
    struct q_words q;
    q.n = 0;
    (void)enc_split_words(query, qlen, q_word, &q);
    if (q.n > 0 && build_clauses(s, &q)) {
        /* the driving clause: fewest postings */
        size_t drv = 0;
        uint64_t drv_cost = UINT64_MAX;
        for (size_t k = 0; k < s->n_clauses; k++) {
            uint64_t cost = 0;
            for (uint8_t a = 0; a < s->clauses[k].n_alt; a++) {
                const struct enc_alt *al = &s->clauses[k].alt[a];
                uint32_t m = UINT32_MAX;
                for (uint8_t t = 0; t < al->n_terms; t++) {
                    uint32_t c = range_cost(e, &al->terms[t]);
                    if (c < m)
                        m = c;
                }
                cost += m;
            }
            if (cost < drv_cost) {
                drv_cost = cost;
                drv = k;
            }
        }
        const struct enc_clause *dc = &s->clauses[drv];
        /* alternatives best first, so an entry is first reached through the best one it can
         * match: then bound[a] (the best quality reachable from alternative a on) caps it */
        uint8_t ord[ENC_MAX_ALT];
        int amax[ENC_MAX_ALT], bound[ENC_MAX_ALT + 1];
        for (uint8_t a = 0; a < dc->n_alt; a++) {
            const struct enc_alt *al = &dc->alt[a];
            amax[a] = Q_SYN_TITLE;
            if (!al->synonym) {
                amax[a] = Q_EXACT_TITLE;
                for (uint8_t t = 0; t < al->n_terms; t++)
                    if (al->terms[t].exact == ENC_NONE)
                        amax[a] = Q_PREFIX_TITLE;
            }
            ord[a] = a;
        }
        for (uint8_t a = 1; a < dc->n_alt; a++)
            for (uint8_t b = a; b > 0 && amax[ord[b]] > amax[ord[b - 1]]; b--) {
                uint8_t x = ord[b];
                ord[b] = ord[b - 1];
                ord[b - 1] = x;
            }
        bound[dc->n_alt] = 0;
        for (size_t a = dc->n_alt; a-- > 0;)
            bound[a] = amax[ord[a]] > bound[a + 1] ? amax[ord[a]] : bound[a + 1];
        for (uint8_t oa = 0; oa < dc->n_alt; oa++) {
            const struct enc_alt *al = &dc->alt[ord[oa]];
            uint8_t bt = 0;
            for (uint8_t t = 1; t < al->n_terms; t++)
                if (range_cost(e, &al->terms[t]) < range_cost(e, &al->terms[bt]))
                    bt = t;
            const struct enc_range *r = &al->terms[bt];
            /* the exact word first: past it no entry of this alternative is a whole-word hit */
            struct enc_seg seg[3];
            size_t n_seg = 0;
            int rest = al->synonym ? Q_SYN_TITLE : Q_PREFIX_TITLE;
            if (bound[oa + 1] > rest)
                rest = bound[oa + 1];
            if (r->exact != ENC_NONE) {
                seg[n_seg++] = (struct enc_seg){r->exact, r->exact + 1, bound[oa]};
                seg[n_seg++] = (struct enc_seg){r->lo, r->exact, rest};
                seg[n_seg++] = (struct enc_seg){r->exact + 1, r->hi, rest};
            } else {
                seg[n_seg++] = (struct enc_seg){r->lo, r->hi, bound[oa]};
            }
            for (size_t g = 0; g < n_seg; g++)
                total += walk_postings(s, seg[g].lo, seg[g].hi, seg[g].bound,
                                       s->n_clauses == 1 && al->n_terms == 1, systems);
        }
    }

    /* best first */
    for (size_t i = 1; i < s->n_heap; i++) { /* at most FOLIO_ENC_MAX_HITS: insertion sort */
        struct enc_cand c = s->heap[i];
        size_t j = i;
        while (j > 0 && cand_better(e, &c, &s->heap[j - 1])) {
            s->heap[j] = s->heap[j - 1];
            j--;
        }
        s->heap[j] = c;
    }
    for (size_t i = 0; i < s->n_heap; i++)
        fill_hit(s, &s->heap[i], &out->hits[i]);
    out->n = s->n_heap;
    out->total = total;
    return FOLIO_OK;
}

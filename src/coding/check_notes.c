/* The coding checks that come from the ICD-10-CM tabular list's instructional notes
 * (docs/coding-checks.md): Excludes1 (Official Guidelines I.A.12.a), "code first" and "use
 * additional code" (I.A.13, etiology/manifestation and multiple coding conventions), and the
 * notes walk they share: a code's own notes, then its subcategory's, category's, section's and
 * chapter's (I.A.12: a note at a category applies to every code under it). */
#include "folio/base.h"
#include "folio/codes.h"

#include "coding/check_int.h"

#define CHK_MAX_REFS  32
#define CHK_MAX_DEPTH 16
#define CHK_QUOTE_MAX 240 /* characters of note text quoted in one message */

static bool is_up(char c)
{
    return c >= 'A' && c <= 'Z';
}

static bool is_dig(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
    return is_up(c) || is_dig(c) || (c >= 'a' && c <= 'z');
}

/* A code at t[i]: an upper-case letter, a digit, a digit or letter, then more (a dot allowed
 * after the third character), not inside a word. Returns the characters consumed, 0 if none. */
static size_t code_at(const char *t, size_t len, size_t i, char out[8])
{
    size_t k = i, j = 0;

    if (i + 2 >= len || !is_up(t[i]) || !is_dig(t[i + 1]) || !(is_dig(t[i + 2]) || is_up(t[i + 2])))
        return 0;
    if (i > 0 && is_alnum(t[i - 1]))
        return 0;
    while (k < len && j < 7 && (is_up(t[k]) || is_dig(t[k]) || (t[k] == '.' && j == 3))) {
        if (t[k] != '.')
            out[j++] = t[k];
        k++;
    }
    out[j] = '\0';
    if (k < len && is_alnum(t[k]))
        return 0; /* a word such as "A1Cs", not a code */
    return k - i;
}

size_t chk_parse_refs(const char *text, struct chk_ref *out, size_t cap)
{
    size_t len = text ? strlen(text) : 0, i = 0, n = 0;

    while (i < len && n < cap) {
        char lo[8], hi[8];
        size_t c = code_at(text, len, i, lo), c2;
        if (c == 0) {
            i++;
            continue;
        }
        i += c;
        if (i + 1 < len && text[i] == '-' && (c2 = code_at(text, len, i + 1, hi)) > 0) {
            /* "E08-E13": a range */
            folio_strlcpy(out[n].lo, lo, sizeof out[n].lo);
            folio_strlcpy(out[n].hi, hi, sizeof out[n].hi);
            i += 1 + c2;
        } else {
            folio_strlcpy(out[n].lo, lo, sizeof out[n].lo);
            folio_strlcpy(out[n].hi, lo, sizeof out[n].hi);
        }
        n++;
    }
    return n;
}

bool chk_ref_covers(const struct chk_ref *r, const char *code)
{
    size_t lo = strlen(r->lo), hi = strlen(r->hi);

    if (lo == 0)
        return false;
    if (strcmp(r->lo, r->hi) == 0)
        return strncmp(code, r->lo, lo) == 0;
    return strncmp(code, r->lo, lo) >= 0 && strncmp(code, r->hi, hi) <= 0;
}

static bool note_covers(const struct chk_note *n, const char *code)
{
    for (size_t i = 0; i < n->n_refs; i++)
        if (chk_ref_covers(&n->refs[i], code))
            return true;
    return false;
}

/* ---- the notes walk ---- */

static enum folio_rc oom(struct chk_ctx *x)
{
    return folio_err_set(x->err, FOLIO_ENOMEM, NULL, "out of memory");
}

static enum folio_code_kind kind_of(const char *s)
{
    for (int k = FOLIO_CODE_CHAPTER; k <= FOLIO_CODE_MODIFIER; k++)
        if (s && strcmp(s, folio_code_kind_name((enum folio_code_kind)k)) == 0)
            return (enum folio_code_kind)k;
    return FOLIO_CODE_CODE;
}

static enum folio_note_type note_type_of(const char *s)
{
    static const enum folio_note_type kinds[] = {FOLIO_NOTE_EXCLUDES1, FOLIO_NOTE_CODE_FIRST,
                                                 FOLIO_NOTE_USE_ADDITIONAL,
                                                 FOLIO_NOTE_SEVEN_CHR_DEF};
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(kinds); i++)
        if (s && strcmp(s, folio_note_type_name(kinds[i])) == 0)
            return kinds[i];
    return FOLIO_NOTE_NOTES;
}

/* Notes being collected for one chain. */
struct note_vec {
    struct chk_note *v;
    size_t n, cap;
};

/* Appends the note of a result row whose columns from col are: the stating row's code and
 * kind, then note_type, extension, text (NULL type: a level without notes, skipped). */
static enum folio_rc add_note(struct chk_ctx *x, struct note_vec *nv, struct folio_stmt *st,
                              int col)
{
    struct chk_note *cn;
    struct chk_ref refs[CHK_MAX_REFS];
    char dot[24];
    const char *from = folio_stmt_column_text(st, col);
    const char *ext = folio_stmt_column_text(st, col + 3);
    const char *text = folio_stmt_column_text(st, col + 4);

    if (folio_stmt_column_is_null(st, col + 2) || !from)
        return FOLIO_OK;
    if (nv->n == nv->cap) {
        size_t nc = nv->cap ? nv->cap * 2 : 32;
        struct chk_note *v = folio_arena_calloc(&x->tmp, nc, sizeof *v);
        if (!v)
            return oom(x);
        if (nv->n)
            memcpy(v, nv->v, nv->n * sizeof *v);
        nv->v = v;
        nv->cap = nc;
    }
    cn = &nv->v[nv->n];
    cn->type = note_type_of(folio_stmt_column_text(st, col + 2));
    cn->from_kind = kind_of(folio_stmt_column_text(st, col + 1));
    folio_strlcpy(cn->ext, ext ? ext : "", sizeof cn->ext);
    if (!folio_codes_dotted(FOLIO_CS_ICD10CM, from, dot, sizeof dot))
        folio_strlcpy(dot, from, sizeof dot);
    cn->from = folio_arena_strdup(&x->tmp, dot);
    cn->text = folio_arena_strdup(&x->tmp, text ? text : "");
    if (!cn->from || !cn->text)
        return oom(x);
    if (cn->type != FOLIO_NOTE_SEVEN_CHR_DEF) {
        size_t nr = chk_parse_refs(cn->text, refs, CHK_MAX_REFS);
        if (nr) {
            cn->refs = folio_arena_calloc(&x->tmp, nr, sizeof *cn->refs);
            if (!cn->refs)
                return oom(x);
            memcpy(cn->refs, refs, nr * sizeof *refs);
            cn->n_refs = nr;
        }
    }
    nv->n++;
    return FOLIO_OK;
}

/* Hands the collected notes to every item of code (the same code may be on the abstract
 * twice); when only is not NULL, to that item alone. */
static enum folio_rc give_chain(struct chk_ctx *x, const char *code, struct chk_item *only,
                                const struct note_vec *nv)
{
    const struct chk_note **chain = NULL;

    if (nv->n) {
        chain = folio_arena_calloc(&x->tmp, nv->n, sizeof *chain);
        if (!chain)
            return oom(x);
        for (size_t i = 0; i < nv->n; i++)
            chain[i] = &nv->v[i];
    }
    for (size_t i = 0; i < x->n_items; i++) {
        struct chk_item *it = &x->items[i];
        if (only ? it != only
                 : (it->chain_done || it->in->system != FOLIO_CS_ICD10CM ||
                    strcmp(it->code, code) != 0))
            continue;
        it->chain = chain;
        it->n_chain = nv->n;
        it->chain_done = true;
    }
    return FOLIO_OK;
}

#define CHK_NOTE_TYPES "('excludes1', 'codeFirst', 'useAdditionalCode', 'sevenChrDef')"

/* The rows of up to CHK_BATCH codes in force on the notes date and their parents up to the
 * chapter, each with the notes the checks use, nearest first: one query (a recursive walk of
 * the parent column, carrying the code it started from). */
enum folio_rc chk_chains(struct chk_ctx *x)
{
    const char *batch[CHK_BATCH];
    size_t i = 0;
    enum folio_rc rc = FOLIO_OK;

    if (!x->have_notes)
        return FOLIO_OK;
    while (i < x->n_items && !rc) {
        struct folio_stmt *st = NULL;
        struct note_vec nv = {0};
        char base[16] = "";
        size_t nb = 0;
        bool row;

        /* the next distinct codes whose chain is not known yet */
        for (; i < x->n_items && nb < CHK_BATCH; i++) {
            const struct chk_item *it = &x->items[i];
            bool dup = false;
            if (it->chain_done || it->in->system != FOLIO_CS_ICD10CM || strlen(it->code) < 3)
                continue;
            for (size_t k = 0; k < nb && !dup; k++)
                dup = strcmp(batch[k], it->code) == 0;
            if (!dup)
                batch[nb++] = it->code;
        }
        if (nb == 0)
            break;
        rc = folio_store_prepare(
            x->s,
            "WITH RECURSIVE chain (base, id, code, parent, kind, lvl) AS (SELECT code, id, code, "
            "parent, kind, 0 FROM code WHERE code_system = 'icd10cm' AND effective_from <= ? AND "
            "(effective_to = '' OR effective_to >= ?) AND code IN (" Q8 ", " Q8 ", " Q8 ", " Q8
            ") UNION ALL SELECT chain.base, c.id, c.code, c.parent, c.kind, chain.lvl + 1 FROM "
            "code c JOIN chain ON c.code = chain.parent WHERE c.code_system = 'icd10cm' AND "
            "chain.parent <> '' AND chain.lvl < 16 AND c.effective_from <= ? AND (c.effective_to "
            "= '' OR c.effective_to >= ?)) SELECT chain.base, chain.code, chain.kind, "
            "n.note_type, n.extension, n.text FROM chain LEFT JOIN code_note n ON n.code_id = "
            "chain.id AND n.note_type IN " CHK_NOTE_TYPES " ORDER BY chain.base, chain.lvl, n.seq",
            &st, x->err);
        if (rc)
            return rc;
        for (int p = 1; p <= 2 + CHK_BATCH + 2 && !rc; p++) {
            const char *v = p <= 2 || p > 2 + CHK_BATCH ? x->notes_date
                            : (size_t)(p - 3) < nb      ? batch[p - 3]
                                                        : "";
            rc = folio_stmt_bind_text(st, p, v, (size_t)-1);
        }
        if (rc) {
            rc = folio_err_set(x->err, rc, NULL, "binding failed");
            folio_stmt_free(st);
            return rc;
        }
        while ((rc = folio_stmt_step(st, &row, x->err)) == FOLIO_OK && row) {
            const char *b = folio_stmt_column_text(st, 0);
            if (!b)
                continue;
            if (strcmp(b, base) != 0) {
                if (base[0] && (rc = give_chain(x, base, NULL, &nv)))
                    break;
                folio_strlcpy(base, b, sizeof base);
                memset(&nv, 0, sizeof nv);
            }
            if ((rc = add_note(x, &nv, st, 1)))
                break;
        }
        if (!rc && base[0])
            rc = give_chain(x, base, NULL, &nv);
        folio_stmt_free(st);
        /* codes with no row on the notes date: their nearest prefix, one by one (chk_chain) */
        for (size_t k = 0; k < x->n_items && !rc; k++)
            for (size_t j = 0; j < nb; j++)
                if (!x->items[k].chain_done && x->items[k].in->system == FOLIO_CS_ICD10CM &&
                    strcmp(x->items[k].code, batch[j]) == 0)
                    x->items[k].chain_missing = true;
    }
    return rc;
}

/* The chain of a prefix of it's code (one query), for a code the notes date does not have. */
static enum folio_rc chain_of(struct chk_ctx *x, const char *code, struct chk_item *it, bool *found)
{
    struct folio_stmt *st = NULL;
    struct note_vec nv = {0};
    bool row;
    enum folio_rc rc;

    *found = false;
    rc = folio_store_prepare(
        x->s,
        "WITH RECURSIVE chain (id, code, parent, kind, lvl) AS (SELECT id, code, parent, kind, 0 "
        "FROM code WHERE code_system = 'icd10cm' AND code = ? AND effective_from <= ? AND "
        "(effective_to = '' OR effective_to >= ?) UNION ALL SELECT c.id, c.code, c.parent, "
        "c.kind, chain.lvl + 1 FROM code c JOIN chain ON c.code = chain.parent WHERE "
        "c.code_system = 'icd10cm' AND chain.parent <> '' AND chain.lvl < 16 AND "
        "c.effective_from <= ? AND (c.effective_to = '' OR c.effective_to >= ?)) SELECT "
        "chain.code, chain.kind, n.note_type, n.extension, n.text FROM chain LEFT JOIN code_note "
        "n ON n.code_id = chain.id AND n.note_type IN " CHK_NOTE_TYPES " ORDER BY chain.lvl, n.seq",
        &st, x->err);
    if (rc)
        return rc;
    for (int i = 1; i <= 5 && !rc; i++)
        rc = folio_stmt_bind_text(st, i, i == 1 ? code : x->notes_date, (size_t)-1);
    if (rc) {
        rc = folio_err_set(x->err, rc, NULL, "binding failed");
        goto out;
    }
    while ((rc = folio_stmt_step(st, &row, x->err)) == FOLIO_OK && row) {
        *found = true;
        if ((rc = add_note(x, &nv, st, 0)))
            goto out;
    }
    if (!rc && *found)
        rc = give_chain(x, code, it, &nv);
out:
    folio_stmt_free(st);
    return rc;
}

enum folio_rc chk_chain(struct chk_ctx *x, struct chk_item *it)
{
    size_t len = strlen(it->code);
    enum folio_rc rc;
    bool found = false;

    if (it->chain_done || !x->have_notes || len < 3 || it->in->system != FOLIO_CS_ICD10CM)
        return FOLIO_OK;
    /* the code on the notes date (unless the batch found it missing), else its nearest
     * existing prefix (a code new since then) */
    for (size_t l = it->chain_missing ? len - 1 : len; l >= 3 && !found; l--) {
        char pre[16];
        memcpy(pre, it->code, l);
        pre[l] = '\0';
        if ((rc = chain_of(x, pre, it, &found)))
            return rc;
    }
    it->chain_done = true;
    return FOLIO_OK;
}

/* ---- helpers for messages ---- */

static const char *from_label(struct chk_ctx *x, const struct chk_note *n)
{
    if (n->from_kind == FOLIO_CODE_CHAPTER)
        return folio_arena_printf(&x->tmp, "chapter %s", n->from);
    return n->from;
}

/* The texts of notes [a, b) joined by "; ", cut at CHK_QUOTE_MAX characters. */
static const char *joined(struct chk_ctx *x, const struct chk_note *const *v, size_t a, size_t b)
{
    struct folio_buf buf;
    char *s;
    bool cut = false;

    folio_buf_init(&buf, CHK_QUOTE_MAX + 8);
    for (size_t i = a; i < b && !cut; i++) {
        const char *t = v[i]->text ? v[i]->text : "";
        size_t room, tl = strlen(t);
        if (i > a && folio_buf_append_str(&buf, "; "))
            cut = true;
        room = buf.len < CHK_QUOTE_MAX ? CHK_QUOTE_MAX - buf.len : 0;
        if (!cut && tl > room) {
            /* cut at a character boundary */
            while (room > 0 && ((unsigned char)t[room] & 0xC0) == 0x80)
                room--;
            if (folio_buf_append(&buf, t, room)) { /* over the cap: keep what fits */
            }
            cut = true;
        } else if (!cut && folio_buf_append(&buf, t, tl)) {
            cut = true;
        }
    }
    if (cut && folio_buf_append_str(&buf, "...")) { /* the cap has room for it */
    }
    s = folio_arena_strdup(&x->tmp, buf.data);
    folio_buf_release(&buf);
    return s ? s : "";
}

static bool same_group(const struct chk_note *a, const struct chk_note *b)
{
    return a->type == b->type && strcmp(a->from, b->from) == 0;
}

/* A diagnosis that takes part in the note checks: reported (principal, secondary, external
 * cause) and a valid code (an invalid or incomplete one is an error already: the coder will
 * replace it, and its notes would be those of a code not yet chosen). */
static bool reported(const struct chk_item *it)
{
    return it->seq >= 0 && it->code[0] && it->in->system == FOLIO_CS_ICD10CM && it->st == CHK_VALID;
}

/* ---- Excludes1 ---- */

static enum folio_rc excludes1(struct chk_ctx *x, bool *pairs)
{
    enum folio_rc rc;

    for (size_t i = 0; i < x->n_items; i++) {
        struct chk_item *a = &x->items[i];
        if (!reported(a))
            continue;
        for (size_t k = 0; k < a->n_chain; k++) {
            const struct chk_note *nt = a->chain[k];
            if (nt->type != FOLIO_NOTE_EXCLUDES1 || nt->n_refs == 0)
                continue;
            for (size_t j = 0; j < x->n_items; j++) {
                struct chk_item *b = &x->items[j];
                size_t lo = i < j ? i : j, hi = i < j ? j : i;
                if (j == i || !reported(b) || strcmp(a->code, b->code) == 0 ||
                    pairs[lo * x->n_items + hi] || !note_covers(nt, b->code))
                    continue;
                pairs[lo * x->n_items + hi] = true;
                /* Guideline I.A.12.a: the two are never coded together (the exception for
                 * unrelated conditions is the coder's call: a warning) */
                if ((rc = chk_add(x, FOLIO_CHECK_WARNING, "excludes1", a, b,
                                  "Excludes1: %s is not coded with %s (%s excludes1 \"%s\").",
                                  a->dot, b->dot, from_label(x, nt), nt->text)))
                    return rc;
            }
        }
    }
    return FOLIO_OK;
}

/* ---- code first ---- */

static enum folio_rc code_first(struct chk_ctx *x)
{
    enum folio_rc rc;

    for (size_t i = 0; i < x->n_items; i++) {
        struct chk_item *a = &x->items[i];
        bool warned = false, informed = false;
        size_t g = 0;
        if (!reported(a))
            continue;
        while (g < a->n_chain) {
            size_t e = g + 1, refs = 0;
            const struct chk_item *after = NULL;
            const struct chk_note *hit = NULL;
            bool before = false;
            if (a->chain[g]->type != FOLIO_NOTE_CODE_FIRST) {
                g++;
                continue;
            }
            while (e < a->n_chain && same_group(a->chain[e], a->chain[g]))
                e++;
            for (size_t k = g; k < e; k++) {
                refs += a->chain[k]->n_refs;
                for (size_t j = 0; j < x->n_items && !before; j++) {
                    const struct chk_item *b = &x->items[j];
                    if (j == i || !reported(b) || !note_covers(a->chain[k], b->code))
                        continue;
                    if (b->seq < a->seq)
                        before = true;
                    else if (!after || b->seq < after->seq) {
                        after = b;
                        hit = a->chain[k];
                    }
                }
            }
            if (refs > 0 && !before && after && !warned) {
                warned = true;
                if ((rc = chk_add(x, FOLIO_CHECK_WARNING, "code_first", a, after,
                                  "Code first: %s should be sequenced before %s (%s code first "
                                  "\"%s\").",
                                  after->dot, a->dot, from_label(x, hit), hit->text)))
                    return rc;
            } else if (refs > 0 && !before && !after && a->seq == 0 && !informed) {
                informed = true;
                if ((rc = chk_add(x, FOLIO_CHECK_INFO, "code_first", a, NULL,
                                  "Code first: %s is the principal diagnosis, but %s says code "
                                  "first \"%s\" and none of the codes named is on the abstract.",
                                  a->dot, from_label(x, a->chain[g]), joined(x, a->chain, g, e))))
                    return rc;
            }
            g = e;
        }
    }
    return FOLIO_OK;
}

/* ---- use additional code ---- */

/* The codes a group of notes names, as one string ("Z794 Z7984 "), to recognise the same
 * reminder stated at several places (the tobacco-exposure note of many categories). */
static const char *group_refs(struct chk_ctx *x, const struct chk_note *const *v, size_t a,
                              size_t b)
{
    struct folio_buf buf;
    char *s;

    folio_buf_init(&buf, 4096);
    for (size_t i = a; i < b; i++)
        for (size_t k = 0; k < v[i]->n_refs; k++)
            if (folio_buf_appendf(&buf, "%s-%s ", v[i]->refs[k].lo, v[i]->refs[k].hi)) {
                /* a longer list is compared by its first 4 KiB */
            }
    s = folio_arena_strdup(&x->tmp, buf.data);
    folio_buf_release(&buf);
    return s ? s : "";
}

static enum folio_rc use_additional(struct chk_ctx *x)
{
    /* reminders given: the group's "from" code and the codes it names */
    const char **done = NULL, **done_refs = NULL;
    size_t n_done = 0, max_done = x->n_items * 8 + 1;
    enum folio_rc rc;

    done = folio_arena_calloc(&x->tmp, max_done, sizeof *done);
    done_refs = folio_arena_calloc(&x->tmp, max_done, sizeof *done_refs);
    if (!done || !done_refs)
        return oom(x);
    for (size_t i = 0; i < x->n_items; i++) {
        struct chk_item *a = &x->items[i];
        struct folio_buf msg;
        size_t g = 0, n_groups = 0;
        if (!reported(a))
            continue;
        folio_buf_init(&msg, 4096);
        while (g < a->n_chain) {
            size_t e = g + 1, refs = 0;
            bool coded = false, seen = false;
            if (a->chain[g]->type != FOLIO_NOTE_USE_ADDITIONAL) {
                g++;
                continue;
            }
            while (e < a->n_chain && same_group(a->chain[e], a->chain[g]))
                e++;
            for (size_t k = g; k < e; k++) {
                refs += a->chain[k]->n_refs;
                for (size_t j = 0; j < x->n_items && !coded; j++)
                    coded = j != i && reported(&x->items[j]) &&
                            note_covers(a->chain[k], x->items[j].code);
            }
            /* a note naming no code cannot be checked; one naming codes none of which is on
             * the abstract is a reminder, once per note (not again for a sibling code, nor
             * for the same list of codes stated at another category) */
            if (refs > 0 && !coded) {
                const char *sig = group_refs(x, a->chain, g, e);
                for (size_t d = 0; d < n_done && !seen; d++)
                    seen =
                        strcmp(done[d], a->chain[g]->from) == 0 || strcmp(done_refs[d], sig) == 0;
                if (!seen && n_done < max_done) {
                    done[n_done] = a->chain[g]->from;
                    done_refs[n_done++] = sig;
                }
            }
            if (refs > 0 && !coded && !seen) {
                if (folio_buf_appendf(&msg, "%s%s \"%s\"", n_groups ? "; " : "",
                                      from_label(x, a->chain[g]), joined(x, a->chain, g, e))) {
                    /* over the cap: the reminder is long enough */
                }
                n_groups++;
            }
            g = e;
        }
        rc = FOLIO_OK;
        if (n_groups)
            rc = chk_add(x, FOLIO_CHECK_INFO, "use_additional", a, NULL,
                         "Use additional code: %s has a note asking for another code and none "
                         "of the codes it names is on the abstract (%s).",
                         a->dot, msg.data);
        folio_buf_release(&msg);
        if (rc)
            return rc;
    }
    return FOLIO_OK;
}

enum folio_rc chk_note_checks(struct chk_ctx *x)
{
    bool *pairs;
    size_t cells;
    enum folio_rc rc;

    if (!x->have_notes)
        return FOLIO_OK;
    for (size_t i = 0; i < x->n_items; i++)
        if (x->items[i].seq >= 0 && x->items[i].st == CHK_VALID &&
            (rc = chk_chain(x, &x->items[i])))
            return rc;
    if (!folio_size_mul(x->n_items, x->n_items, &cells))
        return oom(x);
    pairs = folio_arena_calloc(&x->tmp, cells ? cells : 1, sizeof *pairs);
    if (!pairs)
        return oom(x);
    if ((rc = excludes1(x, pairs)) || (rc = code_first(x)) || (rc = use_additional(x)))
        return rc;
    return FOLIO_OK;
}

/* The coding checks of one abstract (folio/coding_check.h, docs/coding-checks.md): the code
 * set (valid, billable, 7th character), the tabular notes (check_notes.c), POA indicators, the
 * principal diagnosis, and the MCE edits mapped onto the abstract's codes. */
#include "folio/base.h"
#include "folio/coding_check.h"
#include "folio/codes.h"
#include "folio/edits.h"

#include "coding/check_int.h"
#include "coding/codes_int.h"

const char *folio_check_severity_name(enum folio_check_severity s)
{
    switch (s) {
    case FOLIO_CHECK_INFO:
        return "info";
    case FOLIO_CHECK_WARNING:
        return "warning";
    case FOLIO_CHECK_ERROR:
        return "error";
    }
    return "info";
}

bool folio_check_blocks(const struct folio_check_finding *f, size_t n)
{
    for (size_t i = 0; f && i < n; i++)
        if (f[i].severity == FOLIO_CHECK_ERROR)
            return true;
    return false;
}

/* ---- findings ---- */

enum folio_rc chk_add(struct chk_ctx *x, enum folio_check_severity sev, const char *kind,
                      const struct chk_item *it, const struct chk_item *rel, const char *fmt, ...)
{
    struct chk_finding *f;
    struct folio_buf b;
    va_list ap;
    enum folio_rc rc;

    if (x->n_f == x->cap_f) {
        size_t nc = x->cap_f ? x->cap_f * 2 : 16;
        struct chk_finding *nf = folio_arena_calloc(&x->tmp, nc, sizeof *nf);
        if (!nf)
            return folio_err_set(x->err, FOLIO_ENOMEM, NULL, "out of memory");
        if (x->n_f)
            memcpy(nf, x->f, x->n_f * sizeof *nf);
        x->f = nf;
        x->cap_f = nc;
    }
    f = &x->f[x->n_f];
    memset(f, 0, sizeof *f);
    f->order = x->n_f;
    f->f.severity = sev;
    folio_strlcpy(f->f.kind, kind, sizeof f->f.kind);
    f->f.code_index = it ? (int)it->idx : -1;
    if (it)
        folio_strlcpy(f->f.code, it->code[0] ? it->code : it->raw, sizeof f->f.code);
    if (rel)
        folio_strlcpy(f->f.related, rel->code[0] ? rel->code : rel->raw, sizeof f->f.related);
    folio_buf_init(&b, 8192);
    va_start(ap, fmt);
    rc = folio_buf_vappendf(&b, fmt, ap);
    va_end(ap);
    if (rc == FOLIO_ETOOBIG)
        rc = FOLIO_OK; /* a message cut at 8 KiB is still a message */
    f->f.message = rc ? NULL : folio_arena_strdup(x->out, b.data);
    folio_buf_release(&b);
    if (!f->f.message)
        return folio_err_set(x->err, FOLIO_ENOMEM, NULL, "out of memory");
    x->n_f++;
    return FOLIO_OK;
}

static enum folio_rc oom(struct chk_ctx *x)
{
    return folio_err_set(x->err, FOLIO_ENOMEM, NULL, "out of memory");
}

static bool has_finding(const struct chk_ctx *x, const struct chk_item *it, const char *kind)
{
    for (size_t i = 0; i < x->n_f; i++)
        if (x->f[i].f.code_index == (int)it->idx && strcmp(x->f[i].f.kind, kind) == 0)
            return true;
    return false;
}

/* Findings in code order (abstract-level first), errors before warnings before infos. */
static int finding_cmp(const void *pa, const void *pb)
{
    const struct chk_finding *a = pa, *b = pb;

    if (a->f.code_index != b->f.code_index)
        return a->f.code_index < b->f.code_index ? -1 : 1;
    if (a->f.severity != b->f.severity)
        return a->f.severity > b->f.severity ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

/* ---- the input ---- */

static bool is_dx_role(enum folio_abs_role r)
{
    return r == FOLIO_ABS_PRINCIPAL || r == FOLIO_ABS_SECONDARY || r == FOLIO_ABS_ADMITTING ||
           r == FOLIO_ABS_REASON_VISIT || r == FOLIO_ABS_EXTERNAL_CAUSE;
}

/* POA is reported for these (CMS: the principal and secondary diagnoses and external causes
 * of an inpatient claim; not the admitting diagnosis or the reason for visit). */
static bool poa_role(enum folio_abs_role r)
{
    return r == FOLIO_ABS_PRINCIPAL || r == FOLIO_ABS_SECONDARY || r == FOLIO_ABS_EXTERNAL_CAUSE;
}

static enum folio_rc build_items(struct chk_ctx *x)
{
    const struct folio_check_input *in = x->in;
    int seq = 0;
    static const enum folio_abs_role order[] = {FOLIO_ABS_PRINCIPAL, FOLIO_ABS_SECONDARY,
                                                FOLIO_ABS_EXTERNAL_CAUSE};

    x->n_items = in->n_codes;
    x->items = folio_arena_calloc(&x->tmp, in->n_codes ? in->n_codes : 1, sizeof *x->items);
    if (!x->items)
        return oom(x);
    for (size_t i = 0; i < in->n_codes; i++) {
        struct chk_item *it = &x->items[i];
        it->idx = i;
        it->in = &in->codes[i];
        it->seq = -1;
        memcpy(it->raw, it->in->code, sizeof it->in->code); /* NUL-terminated whatever given */
        it->raw[sizeof it->raw - 1] = '\0';
        if (folio_codes_normalize(it->raw, it->code, NULL) != FOLIO_OK)
            it->code[0] = '\0';
        if (!it->code[0] || !folio_codes_dotted(it->in->system, it->code, it->dot, sizeof it->dot))
            folio_strlcpy(it->dot, it->raw, sizeof it->dot);
    }
    for (size_t r = 0; r < FOLIO_ARRAY_LEN(order); r++)
        for (size_t i = 0; i < in->n_codes; i++)
            if (x->items[i].in->role == order[r])
                x->items[i].seq = seq++;
    return FOLIO_OK;
}

/* ---- the code sets in force ---- */

/* Whether any version of cs (other than a POA-exempt list) is in force on the code date. */
static enum folio_rc system_loaded(struct chk_ctx *x, enum folio_code_system cs, bool *out)
{
    const char *sys = folio_code_system_name(cs);
    struct folio_stmt *st = NULL;
    enum folio_rc rc;

    *out = false;
    if (!sys)
        return FOLIO_OK;
    rc = folio_store_prepare(x->s,
                             "SELECT id FROM code_set_version WHERE code_system = ? AND kind <> "
                             "'poa-exempt' AND effective_from <= ? AND (effective_to = '' OR "
                             "effective_to >= ?) LIMIT 1",
                             &st, x->err);
    if (rc)
        return rc;
    if ((rc = folio_stmt_bind_text(st, 1, sys, (size_t)-1)) ||
        (rc = folio_stmt_bind_text(st, 2, x->in->code_date, (size_t)-1)) ||
        (rc = folio_stmt_bind_text(st, 3, x->in->code_date, (size_t)-1)))
        rc = folio_err_set(x->err, rc, NULL, "binding failed");
    else
        rc = folio_stmt_step(st, out, x->err);
    folio_stmt_free(st);
    return rc;
}

/* The tabular list whose notes apply: the newest one starting on or before the code date.
 * When it has ended by then (the code set in force came without notes, e.g. a valid-code list),
 * its notes are still the latest published: an info finding names its fiscal year. */
static enum folio_rc find_notes(struct chk_ctx *x)
{
    struct folio_stmt *st = NULL;
    enum folio_rc rc;
    bool row = false, any_cm = false;
    char to[11] = "", label[32] = "";

    for (size_t i = 0; i < x->n_items; i++)
        any_cm |= x->items[i].in->system == FOLIO_CS_ICD10CM && is_dx_role(x->items[i].in->role);
    if (!any_cm)
        return FOLIO_OK;
    rc = folio_store_prepare(x->s,
                             "SELECT effective_from, effective_to, label FROM code_set_version "
                             "WHERE kind = 'icd10cm-tabular' AND effective_from <= ? ORDER BY "
                             "effective_from DESC, id DESC LIMIT 1",
                             &st, x->err);
    if (rc)
        return rc;
    if ((rc = folio_stmt_bind_text(st, 1, x->in->code_date, (size_t)-1)))
        rc = folio_err_set(x->err, rc, NULL, "binding failed");
    else
        rc = folio_stmt_step(st, &row, x->err);
    if (!rc && row) {
        folio_strlcpy(x->notes_date, folio_stmt_column_text(st, 0), sizeof x->notes_date);
        folio_strlcpy(to, folio_stmt_column_text(st, 1), sizeof to);
        folio_strlcpy(label, folio_stmt_column_text(st, 2), sizeof label);
    }
    folio_stmt_free(st);
    if (rc)
        return rc;
    if (!row)
        return chk_add(x, FOLIO_CHECK_INFO, "notes", NULL, NULL,
                       "No ICD-10-CM tabular list is loaded for %s or before: the Excludes1, "
                       "code first, use additional and 7th-character checks were not run.",
                       x->in->code_date);
    x->have_notes = true;
    if (to[0] && strcmp(to, x->in->code_date) < 0)
        return chk_add(x, FOLIO_CHECK_INFO, "notes", NULL, NULL,
                       "The ICD-10-CM code set in force on %s has no tabular notes loaded: the "
                       "Excludes1, code first, use additional and 7th-character checks used "
                       "the %s tabular notes (the latest loaded).",
                       x->in->code_date, label);
    return FOLIO_OK;
}

/* ---- invalid_code, header_code, seventh_missing ---- */

/* Billable codes under prefix in force on the date: how many, their lengths, the first. */
struct below {
    int64_t n;
    int min_len, max_len;
    char first[16];
};

static enum folio_rc codes_below(struct chk_ctx *x, enum folio_code_system cs, const char *prefix,
                                 struct below *b)
{
    struct folio_stmt *st = NULL;
    enum folio_rc rc;
    bool row = false;
    char hi[24];

    memset(b, 0, sizeof *b);
    folio_snprintf(hi, sizeof hi, "%sZZZZZZZZ", prefix);
    rc = folio_store_prepare(x->s,
                             "SELECT COUNT(*), MIN(LENGTH(code)), MAX(LENGTH(code)), MIN(code) "
                             "FROM code WHERE code_system = ? AND code > ? AND code <= ? AND "
                             "billable = 1 AND effective_from <= ? AND (effective_to = '' OR "
                             "effective_to >= ?)",
                             &st, x->err);
    if (rc)
        return rc;
    if ((rc = folio_stmt_bind_text(st, 1, folio_code_system_name(cs), (size_t)-1)) ||
        (rc = folio_stmt_bind_text(st, 2, prefix, (size_t)-1)) ||
        (rc = folio_stmt_bind_text(st, 3, hi, (size_t)-1)) ||
        (rc = folio_stmt_bind_text(st, 4, x->in->code_date, (size_t)-1)) ||
        (rc = folio_stmt_bind_text(st, 5, x->in->code_date, (size_t)-1)))
        rc = folio_err_set(x->err, rc, NULL, "binding failed");
    else
        rc = folio_stmt_step(st, &row, x->err);
    if (!rc && row && folio_stmt_column_i64(st, 0) > 0) {
        b->n = folio_stmt_column_i64(st, 0);
        b->min_len = (int)folio_stmt_column_i64(st, 1);
        b->max_len = (int)folio_stmt_column_i64(st, 2);
        folio_strlcpy(b->first, folio_stmt_column_text(st, 3), sizeof b->first);
    }
    folio_stmt_free(st);
    return rc;
}

static const char *system_label(enum folio_code_system cs)
{
    switch (cs) {
    case FOLIO_CS_ICD10CM:
        return "ICD-10-CM";
    case FOLIO_CS_ICD10PCS:
        return "ICD-10-PCS";
    case FOLIO_CS_HCPCS:
        return "HCPCS";
    case FOLIO_CS_CPT:
        return "CPT";
    }
    return "?";
}

static enum folio_rc invalid(struct chk_ctx *x, struct chk_item *it)
{
    struct folio_code *latest = NULL;
    enum folio_rc rc;
    const char *sys = system_label(it->in->system);

    it->st = CHK_INVALID;
    if (!it->code[0])
        return chk_add(x, FOLIO_CHECK_ERROR, "invalid_code", it, NULL, "\"%s\" is not a code.",
                       it->raw);
    /* a code of another period says when it was valid */
    rc = folio_codes_get(x->s, it->in->system, it->code, NULL, &x->tmp, &latest, x->err);
    if (rc == FOLIO_ENOTFOUND || rc == FOLIO_EINVAL) {
        folio_err_clear(x->err);
        latest = NULL;
    } else if (rc) {
        return rc;
    }
    if (latest && latest->effective_to[0] && strcmp(latest->effective_to, x->in->code_date) < 0)
        return chk_add(x, FOLIO_CHECK_ERROR, "invalid_code", it, NULL,
                       "%s is not a valid %s code on %s: it was valid until %s.", it->dot, sys,
                       x->in->code_date, latest->effective_to);
    if (latest && strcmp(latest->effective_from, x->in->code_date) > 0)
        return chk_add(x, FOLIO_CHECK_ERROR, "invalid_code", it, NULL,
                       "%s is not a valid %s code on %s: it is valid from %s.", it->dot, sys,
                       x->in->code_date, latest->effective_from);
    return chk_add(x, FOLIO_CHECK_ERROR, "invalid_code", it, NULL,
                   "%s is not a valid %s code on %s.", it->dot, sys, x->in->code_date);
}

/* The 7th-character definitions that apply to it (the nearest level stating them). */
static size_t seventh_defs(const struct chk_item *it, const struct chk_note ***out)
{
    size_t i = 0, n = 0;

    while (i < it->n_chain && it->chain[i]->type != FOLIO_NOTE_SEVEN_CHR_DEF)
        i++;
    *out = it->chain + i;
    while (i + n < it->n_chain && it->chain[i + n]->type == FOLIO_NOTE_SEVEN_CHR_DEF &&
           strcmp(it->chain[i + n]->from, it->chain[i]->from) == 0)
        n++;
    return n;
}

static enum folio_rc seventh(struct chk_ctx *x, struct chk_item *it, const struct chk_note **defs,
                             size_t n)
{
    struct folio_buf b;
    enum folio_rc rc = FOLIO_OK;
    size_t len = strlen(it->code);
    char pad[8] = "";

    it->st = CHK_SEVENTH;
    folio_buf_init(&b, 4096);
    for (size_t i = 0; i < n && !rc; i++)
        rc = folio_buf_appendf(&b, "%s%s %s", i ? ", " : "", defs[i]->ext, defs[i]->text);
    if (rc == FOLIO_ETOOBIG)
        rc = FOLIO_OK;
    if (!rc && len < 6) {
        /* placeholder X up to 6 characters (Guideline I.A.4) */
        char tmp[16];
        folio_snprintf(tmp, sizeof tmp, "%sXXXXXX", it->code);
        tmp[6] = '\0';
        if (!folio_codes_dotted(FOLIO_CS_ICD10CM, tmp, pad, sizeof pad))
            pad[0] = '\0';
    }
    if (!rc)
        rc = chk_add(x, FOLIO_CHECK_ERROR, "seventh_missing", it, NULL,
                     "%s needs a 7th character%s%s%s (%s 7th characters: %s).", it->dot,
                     pad[0] ? " after the placeholder X (" : "", pad, pad[0] ? "_)" : "",
                     defs[0]->from, b.data);
    folio_buf_release(&b);
    return rc;
}

static enum folio_rc header(struct chk_ctx *x, struct chk_item *it, const struct below *bl)
{
    int len = (int)strlen(it->code);
    const char *what = "not a billable code";
    char ex[24];

    it->st = CHK_HEADER;
    if (it->row && it->row->kind == FOLIO_CODE_CATEGORY)
        what = "a category, not a billable code";
    else if (it->row && it->row->kind == FOLIO_CODE_SUBCATEGORY)
        what = "a subcategory, not a billable code";
    else if (it->row && it->row->kind == FOLIO_CODE_SECTION)
        what = "a block of categories, not a code";
    else if (it->row && it->row->kind == FOLIO_CODE_CHAPTER)
        what = "a chapter, not a code";
    if (bl->n == 0)
        return chk_add(x, FOLIO_CHECK_ERROR, "header_code", it, NULL, "%s is %s.", it->dot, what);
    if (!folio_codes_dotted(it->in->system, bl->first, ex, sizeof ex))
        folio_strlcpy(ex, bl->first, sizeof ex);
    if (bl->min_len == bl->max_len)
        return chk_add(x, FOLIO_CHECK_ERROR, "header_code", it, NULL,
                       "%s is %s: it needs %d more character%s (e.g. %s).", it->dot, what,
                       bl->min_len - len, bl->min_len - len == 1 ? "" : "s", ex);
    return chk_add(x, FOLIO_CHECK_ERROR, "header_code", it, NULL,
                   "%s is %s: it needs %d to %d more characters (e.g. %s).", it->dot, what,
                   bl->min_len - len, bl->max_len - len, ex);
}

/* The rows of the input's codes of cs in force on the code date, CHK_BATCH codes per query. */
static enum folio_rc fetch_rows(struct chk_ctx *x, enum folio_code_system cs)
{
    const char *batch[CHK_BATCH];
    size_t i = 0;
    enum folio_rc rc = FOLIO_OK;

    while (i < x->n_items) {
        struct folio_stmt *st = NULL;
        size_t nb = 0;
        bool row;

        for (; i < x->n_items && nb < CHK_BATCH; i++) {
            const struct chk_item *it = &x->items[i];
            bool dup = false;
            if (it->in->system != cs || !it->code[0])
                continue;
            for (size_t k = 0; k < nb && !dup; k++)
                dup = strcmp(batch[k], it->code) == 0;
            if (!dup)
                batch[nb++] = it->code;
        }
        if (nb == 0)
            break;
        rc = folio_store_prepare(x->s,
                                 "SELECT code, billable, kind, effective_from, effective_to FROM "
                                 "code WHERE code_system = ? AND effective_from <= ? AND "
                                 "(effective_to = '' OR effective_to >= ?) AND code IN (" Q8 ", " Q8
                                 ", " Q8 ", " Q8 ") ORDER BY code, effective_from",
                                 &st, x->err);
        if (rc)
            return rc;
        rc = folio_stmt_bind_text(st, 1, folio_code_system_name(cs), (size_t)-1);
        for (int p = 2; p <= 3 && !rc; p++)
            rc = folio_stmt_bind_text(st, p, x->in->code_date, (size_t)-1);
        for (size_t k = 0; k < CHK_BATCH && !rc; k++)
            rc = folio_stmt_bind_text(st, (int)k + 4, k < nb ? batch[k] : "", (size_t)-1);
        if (rc) {
            rc = folio_err_set(x->err, rc, NULL, "binding failed");
            folio_stmt_free(st);
            return rc;
        }
        while ((rc = folio_stmt_step(st, &row, x->err)) == FOLIO_OK && row) {
            const char *code = folio_stmt_column_text(st, 0), *kind = folio_stmt_column_text(st, 2);
            struct folio_code *c = folio_arena_alloc(&x->tmp, sizeof *c);
            if (!c) {
                rc = oom(x);
                break;
            }
            c->system = cs;
            folio_strlcpy(c->code, code ? code : "", sizeof c->code);
            c->billable = folio_stmt_column_i64(st, 1) != 0;
            c->kind = FOLIO_CODE_CODE;
            for (int k = FOLIO_CODE_CHAPTER; k <= FOLIO_CODE_MODIFIER; k++)
                if (kind && strcmp(kind, folio_code_kind_name((enum folio_code_kind)k)) == 0)
                    c->kind = (enum folio_code_kind)k;
            folio_strlcpy(c->effective_from, folio_stmt_column_text(st, 3),
                          sizeof c->effective_from);
            folio_strlcpy(c->effective_to, folio_stmt_column_text(st, 4), sizeof c->effective_to);
            /* rows come by start date: a later overlapping row wins */
            for (size_t k = 0; k < x->n_items; k++)
                if (x->items[k].in->system == cs && strcmp(x->items[k].code, c->code) == 0)
                    x->items[k].row = c;
        }
        folio_stmt_free(st);
        if (rc)
            return rc;
    }
    return FOLIO_OK;
}

static enum folio_rc code_checks(struct chk_ctx *x)
{
    bool loaded[5] = {false}, asked[5] = {false};
    enum folio_rc rc;

    /* which code sets are loaded for the date; the rows of every code; the notes */
    for (size_t i = 0; i < x->n_items; i++) {
        enum folio_code_system cs = x->items[i].in->system;
        if ((unsigned)cs >= FOLIO_ARRAY_LEN(loaded) || !folio_code_system_name(cs) || asked[cs])
            continue;
        asked[cs] = true;
        if ((rc = system_loaded(x, cs, &loaded[cs])))
            return rc;
        if (!loaded[cs]) {
            if ((rc = chk_add(x, FOLIO_CHECK_INFO, "invalid_code", NULL, NULL,
                              "No %s code set is loaded for %s: %s codes were not checked.",
                              system_label(cs), x->in->code_date, system_label(cs))))
                return rc;
        } else if ((rc = fetch_rows(x, cs))) {
            return rc;
        }
    }
    if ((rc = chk_chains(x)))
        return rc;

    for (size_t i = 0; i < x->n_items; i++) {
        struct chk_item *it = &x->items[i];
        enum folio_code_system cs = it->in->system;
        struct below bl;
        const struct chk_note **defs;
        size_t nd;
        bool with7;

        if ((unsigned)cs >= FOLIO_ARRAY_LEN(loaded) || !loaded[cs]) {
            it->st = CHK_UNCHECKED;
            continue;
        }
        if (!it->code[0]) {
            if ((rc = invalid(x, it)))
                return rc;
            continue;
        }
        if (it->row && it->row->billable) {
            it->st = CHK_VALID;
            continue;
        }
        if ((rc = codes_below(x, cs, it->code, &bl)))
            return rc;
        if (!it->row && bl.n == 0) {
            if ((rc = invalid(x, it)))
                return rc;
            continue;
        }
        if ((rc = chk_chain(x, it)))
            return rc;
        nd = seventh_defs(it, &defs);
        with7 = false;
        if (cs == FOLIO_CS_ICD10CM && nd > 0 && strlen(it->code) < 7) {
            /* a 7th character (after placeholder X up to 6 characters) makes it a code: the
             * codes in force with that 6-character stem */
            char stem[16];
            struct below b7 = bl;
            folio_snprintf(stem, sizeof stem, "%sXXXXXX", it->code);
            stem[6] = '\0';
            if (strlen(it->code) < 6 && (rc = codes_below(x, cs, stem, &b7)))
                return rc;
            with7 = b7.n > 0 && b7.min_len == 7 && b7.max_len == 7;
        }
        if (with7)
            rc = seventh(x, it, defs, nd);
        else
            rc = header(x, it, &bl);
        if (rc)
            return rc;
    }
    return FOLIO_OK;
}

/* ---- POA ---- */

/* One entry of the POA-exempt list that may concern the input's codes. */
struct poa_entry {
    bool range;
    char from[8], to[8];
};

/* The entries of list that are one of the codes or a prefix of one, and every range: one query
 * per CHK_BATCH codes (each code and its prefixes down to the category). */
static enum folio_rc poa_entries(struct chk_ctx *x, int64_t list, struct poa_entry **out, size_t *n)
{
    size_t i = 0, cap = 0;
    enum folio_rc rc = FOLIO_OK;

    *out = NULL;
    *n = 0;
    while (i < x->n_items) {
        char pre[CHK_BATCH * 5][8];
        size_t np = 0, nb = 0;
        struct folio_stmt *st = NULL;
        bool row;

        for (; i < x->n_items && nb < CHK_BATCH; i++) {
            const struct chk_item *it = &x->items[i];
            size_t len = strlen(it->code);
            if (!poa_role(it->in->role) || it->in->system != FOLIO_CS_ICD10CM || len < 3 || len > 7)
                continue;
            for (size_t l = 3; l <= len; l++) {
                memcpy(pre[np], it->code, l);
                pre[np++][l] = '\0';
            }
            nb++;
        }
        if (nb == 0)
            break;
        rc = folio_store_prepare(
            x->s,
            "SELECT entry_kind, code_from, code_to FROM poa_exempt WHERE version_id = ? AND "
            "(entry_kind = 'range' OR (entry_kind = 'code' AND code_from IN (" Q8 ", " Q8 ", " Q8
            ", " Q8 ", " Q8 ", " Q8 ", " Q8 ", " Q8 ", " Q8 ", " Q8 ", " Q8 ", " Q8 ", " Q8 ", " Q8
            ", " Q8 ", " Q8 ", " Q8 ", " Q8 ", " Q8 ", " Q8 ")))",
            &st, x->err);
        if (rc)
            return rc;
        rc = folio_stmt_bind_i64(st, 1, list);
        for (size_t k = 0; k < CHK_BATCH * 5 && !rc; k++)
            rc = folio_stmt_bind_text(st, (int)k + 2, k < np ? pre[k] : "", (size_t)-1);
        if (rc) {
            rc = folio_err_set(x->err, rc, NULL, "binding failed");
            folio_stmt_free(st);
            return rc;
        }
        while ((rc = folio_stmt_step(st, &row, x->err)) == FOLIO_OK && row) {
            const char *k = folio_stmt_column_text(st, 0);
            struct poa_entry *e;
            {
                struct poa_entry *nv =
                    folio_arena_grow(&x->tmp, *out, *n, &cap, sizeof *nv, 32);
                if (!nv) {
                    rc = oom(x);
                    break;
                }
                *out = nv;
            }
            e = &(*out)[(*n)++];
            e->range = k && strcmp(k, "range") == 0;
            folio_strlcpy(e->from, folio_stmt_column_text(st, 1), sizeof e->from);
            folio_strlcpy(e->to, folio_stmt_column_text(st, 2), sizeof e->to);
        }
        folio_stmt_free(st);
        if (rc)
            return rc;
    }
    return FOLIO_OK;
}

/* Whether code is exempt by one of the entries; entry gets it as listed. The longest code
 * entry first, then a range (folio_codes_poa_exempt answers the same for one code). */
static bool poa_exempt(const struct poa_entry *v, size_t n, const char *code, char entry[24])
{
    size_t len = strlen(code), best = 0;
    const struct poa_entry *hit = NULL;

    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(v[i].from);
        if (!v[i].range && l <= len && l > best && strncmp(code, v[i].from, l) == 0) {
            best = l;
            hit = &v[i];
        }
    }
    for (size_t i = 0; !hit && i < n; i++) {
        size_t l = strlen(v[i].to);
        if (v[i].range && l <= len && strcmp(code, v[i].from) >= 0 &&
            strncmp(code, v[i].to, l) <= 0)
            hit = &v[i];
    }
    if (hit && hit->range)
        folio_snprintf(entry, 24, "%s-%s", hit->from, hit->to);
    else if (hit)
        folio_strlcpy(entry, hit->from, 24);
    return hit != NULL;
}

static enum folio_rc poa_checks(struct chk_ctx *x)
{
    struct poa_entry *entries = NULL;
    size_t n_entries = 0;
    struct folio_codeset_version list = {0};
    bool have_list = false, any = false;
    enum folio_rc rc;

    for (size_t i = 0; i < x->n_items; i++)
        any |= poa_role(x->items[i].in->role);
    if (!any)
        return FOLIO_OK;
    rc = folio_codes_poa_list(x->s, x->in->code_date, &list, x->err);
    if (rc == FOLIO_ENOTFOUND) {
        folio_err_clear(x->err);
        if ((rc = chk_add(x, FOLIO_CHECK_INFO, "poa_invalid", NULL, NULL,
                          "No POA-exempt list is loaded for %s: POA exemptions were not checked "
                          "(folio codes load poa-exempt FILE).",
                          x->in->code_date)))
            return rc;
    } else if (rc) {
        return rc;
    } else {
        have_list = true;
        if ((rc = poa_entries(x, list.id, &entries, &n_entries)))
            return rc;
    }
    for (size_t i = 0; i < x->n_items; i++) {
        struct chk_item *it = &x->items[i];
        char poa = it->in->poa, entry[24] = "";
        bool exempt = false;

        rc = FOLIO_OK;
        if (!poa_role(it->in->role))
            continue;
        if (poa == ' ')
            poa = '\0';
        if (poa && !strchr("YNUW1", poa)) {
            if ((rc = chk_add(x, FOLIO_CHECK_ERROR, "poa_invalid", it, NULL,
                              "The POA indicator '%c' of %s is not one of Y, N, U, W or 1.",
                              poa >= 0x20 && poa < 0x7f ? poa : '?', it->dot)))
                return rc;
            continue;
        }
        if (have_list && it->code[0] && it->in->system == FOLIO_CS_ICD10CM)
            exempt = poa_exempt(entries, n_entries, it->code, entry);
        if (!poa && !exempt)
            rc = chk_add(x, FOLIO_CHECK_ERROR, "poa_missing", it, NULL,
                         "%s has no POA indicator: an inpatient diagnosis needs Y, N, U or W%s.",
                         it->dot, have_list ? "" : " (or 1 when exempt from POA reporting)");
        else if (have_list && poa == '1' && !exempt)
            rc = chk_add(x, FOLIO_CHECK_WARNING, "poa_invalid", it, NULL,
                         "POA 1 (exempt) is given for %s, which is not on the %s POA-exempt "
                         "list: report Y, N, U or W.",
                         it->dot, list.label);
        else if (have_list && poa && poa != '1' && exempt)
            rc = chk_add(x, FOLIO_CHECK_WARNING, "poa_invalid", it, NULL,
                         "%s is exempt from POA reporting (%s list, entry %s): leave the POA "
                         "blank or report 1, not %c.",
                         it->dot, list.label, entry, poa);
        if (rc)
            return rc;
    }
    return FOLIO_OK;
}

/* ---- MCE ---- */

/* CMS's class of each edit: prepayment edits stop the claim (errors); postpayment ones and
 * those of no class are reviewed after payment (warnings). */
static enum folio_check_severity mce_severity(enum folio_mce_edit e)
{
    return folio_mce_edit_class(e) == FOLIO_MCE_TYPE_PREPAYMENT ? FOLIO_CHECK_ERROR
                                                                : FOLIO_CHECK_WARNING;
}

/* What an edit says about the code it fired on (the code comes first in the sentence). */
static const char *mce_text(enum folio_mce_edit e)
{
    switch (e) {
    case FOLIO_MCE_INVALID_CODE:
        return "is not a valid code on the discharge date";
    case FOLIO_MCE_SEX_CONFLICT:
        return "is inconsistent with the patient's sex";
    case FOLIO_MCE_AGE_CONFLICT:
        return "is inconsistent with the patient's age";
    case FOLIO_MCE_QUESTIONABLE_ADMISSION:
        return "is a questionable reason for an inpatient admission as principal diagnosis";
    case FOLIO_MCE_MANIFESTATION_AS_PDX:
        return "is a manifestation code and cannot be the principal diagnosis";
    case FOLIO_MCE_E_CODE_AS_PDX:
        return "is an external cause code and cannot be the principal diagnosis";
    case FOLIO_MCE_UNACCEPTABLE_PDX:
        return "is not acceptable as principal diagnosis";
    case FOLIO_MCE_DUPLICATE_OF_PDX:
        return "repeats the principal diagnosis";
    case FOLIO_MCE_REQUIRES_SDX:
        return "is acceptable as principal diagnosis only with a secondary diagnosis";
    case FOLIO_MCE_NON_COVERED:
        return "is not covered by Medicare in this claim's circumstances";
    case FOLIO_MCE_LIMITED_COVERAGE:
        return "has limited Medicare coverage";
    case FOLIO_MCE_QUESTIONABLE_OBSTETRIC_ADMISSION:
        return "is a delivery without an outcome of delivery (Z37.-) secondary diagnosis";
    case FOLIO_MCE_WRONG_PROCEDURE_PERFORMED:
        return "reports a wrong procedure performed";
    case FOLIO_MCE_INCONSISTENT_WITH_LENGTH_OF_STAY:
        return "is inconsistent with the length of stay";
    case FOLIO_MCE_UNSPECIFIED:
        return "is an unspecified code the MCE asks to be made specific";
    default:
        return "triggered this edit";
    }
}

static int32_t date_int(const char *d)
{
    int32_t v = 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7)
            v = v * 10 + (d[i] - '0');
    return v;
}

static enum folio_rc mce_checks(struct chk_ctx *x, const struct folio_mce *m)
{
    const struct folio_check_input *in = x->in;
    struct folio_claim *c = NULL;
    struct folio_mce_result *r = NULL;
    struct chk_item *pdx = NULL, *sdx[FOLIO_CLAIM_MAX_CODES], *pr[FOLIO_CLAIM_MAX_CODES];
    int32_t date = date_int(in->code_date), first, last;
    enum folio_rc rc = FOLIO_OK;
    uint64_t at_codes = 0;

    if (!m)
        return chk_add(x, FOLIO_CHECK_INFO, "mce", NULL, NULL,
                       "No MCE tables are loaded: the Medicare Code Editor edits were not run "
                       "(folio codes load mce DIR).");
    folio_mce_coverage(m, &first, &last);
    if (date < first || date > last)
        return chk_add(x, FOLIO_CHECK_INFO, "mce", NULL, NULL,
                       "The MCE tables cover discharges from %04d-%02d-%02d to %04d-%02d-%02d: "
                       "the MCE edits were not run for %s.",
                       (int)(first / 10000), (int)(first / 100 % 100), (int)(first % 100),
                       (int)(last / 10000), (int)(last / 100 % 100), (int)(last % 100),
                       in->code_date);
    c = calloc(1, sizeof *c);
    r = calloc(1, sizeof *r);
    if (!c || !r) {
        rc = oom(x);
        goto out;
    }
    /* the abstract as a claim: the principal, the secondaries then the external causes in
     * sequence, the ICD-10-PCS procedures */
    folio_strlcpy(c->id, "abstract", sizeof c->id);
    c->age = in->age;
    c->sex = in->sex;
    c->discharge_status = in->discharge_status;
    for (size_t i = 0; i < x->n_items; i++) {
        struct chk_item *it = &x->items[i];
        const char *code = it->code[0] ? it->code : it->raw;
        if (it->in->role == FOLIO_ABS_PRINCIPAL && !pdx) {
            pdx = it;
            folio_strlcpy(c->pdx.code, code, sizeof c->pdx.code);
            c->pdx.poa = it->in->poa;
        } else if (it->in->role == FOLIO_ABS_PROCEDURE && it->in->system == FOLIO_CS_ICD10PCS &&
                   c->npr < FOLIO_CLAIM_MAX_CODES) {
            pr[c->npr] = it;
            folio_strlcpy(c->pr[c->npr++], code, sizeof c->pr[0]);
        }
    }
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < x->n_items; i++) {
            struct chk_item *it = &x->items[i];
            enum folio_abs_role want = pass == 0 ? FOLIO_ABS_SECONDARY : FOLIO_ABS_EXTERNAL_CAUSE;
            if (it->in->role != want || c->nsdx >= FOLIO_CLAIM_MAX_CODES)
                continue;
            sdx[c->nsdx] = it;
            folio_strlcpy(c->sdx[c->nsdx].code, it->code[0] ? it->code : it->raw,
                          sizeof c->sdx[0].code);
            c->sdx[c->nsdx++].poa = it->in->poa;
        }
    if ((rc = folio_mce_edit(m, c, date, in->los, r, x->err)))
        goto out;
    for (size_t k = 0; k < r->n; k++) {
        const struct folio_mce_code_edit *e = &r->items[k];
        enum folio_mce_edit ed = (enum folio_mce_edit)e->edit;
        struct chk_item *it = e->where == FOLIO_MCE_AT_PDX   ? pdx
                              : e->where == FOLIO_MCE_AT_SDX ? sdx[e->pos - 1]
                                                             : pr[e->pos - 1];
        at_codes |= (uint64_t)1 << ed;
        /* what is unknown is not edited; a code already refused above is not refused twice */
        if (!it || (ed == FOLIO_MCE_AGE_CONFLICT && in->age < 0) ||
            (ed == FOLIO_MCE_INCONSISTENT_WITH_LENGTH_OF_STAY && in->los < 0))
            continue;
        if (ed == FOLIO_MCE_INVALID_CODE &&
            (has_finding(x, it, "invalid_code") || has_finding(x, it, "header_code") ||
             has_finding(x, it, "seventh_missing")))
            continue;
        if ((rc = chk_add(x, mce_severity(ed), "mce", it, NULL, "MCE %s: %s %s.",
                          folio_mce_edit_name(ed), it->dot, mce_text(ed))))
            goto out;
        folio_strlcpy(x->f[x->n_f - 1].f.edit, folio_mce_edit_name(ed), sizeof x->f[0].f.edit);
    }
    /* claim-level edits (age, sex, discharge status) */
    for (unsigned e = 0; e < FOLIO_MCE_EDIT_COUNT; e++) {
        char sentence[160];
        if (!(r->edits & ((uint64_t)1 << e)) || (at_codes & ((uint64_t)1 << e)))
            continue;
        if ((e == FOLIO_MCE_INVALID_AGE && in->age < 0) ||
            (e == FOLIO_MCE_INVALID_DISCHARGE_STATUS && in->discharge_status < 0))
            continue;
        if (e == FOLIO_MCE_INVALID_AGE)
            folio_snprintf(sentence, sizeof sentence, "the age %d is outside 0-124", in->age);
        else if (e == FOLIO_MCE_INVALID_SEX)
            folio_snprintf(sentence, sizeof sentence, "the sex '%c' is not M, F or U",
                           in->sex >= 0x20 && in->sex < 0x7f ? in->sex : '?');
        else if (e == FOLIO_MCE_INVALID_DISCHARGE_STATUS)
            folio_snprintf(sentence, sizeof sentence,
                           "the discharge status %02d is not a valid patient status code",
                           in->discharge_status);
        else
            folio_snprintf(sentence, sizeof sentence, "the edit fired on the claim");
        if ((rc = chk_add(x, mce_severity((enum folio_mce_edit)e), "mce", NULL, NULL, "MCE %s: %s.",
                          folio_mce_edit_name((enum folio_mce_edit)e), sentence)))
            goto out;
        folio_strlcpy(x->f[x->n_f - 1].f.edit, folio_mce_edit_name((enum folio_mce_edit)e),
                      sizeof x->f[0].f.edit);
    }
out:
    free(c);
    free(r);
    return rc;
}

/* ---- the entry point ---- */

enum folio_rc folio_coding_check(struct folio_store *s, const struct folio_mce *mce,
                                 const struct folio_check_input *in, struct folio_arena *a,
                                 struct folio_check_finding **out, size_t *n, struct folio_err *err)
{
    struct chk_ctx x;
    bool inpatient, principal = false;
    enum folio_rc rc;

    *out = NULL;
    *n = 0;
    if (!in || (in->n_codes && !in->codes))
        return folio_err_set(err, FOLIO_EINVAL, "codes", "no input to check");
    if (!cl_is_date(in->code_date))
        return folio_err_set(err, FOLIO_EINVAL, "code_date",
                             "code_date: \"%.20s\" is not a date YYYY-MM-DD",
                             in->code_date ? in->code_date : "");
    if (in->n_codes > FOLIO_ABSTRACT_MAX_CODES)
        return folio_err_set(err, FOLIO_EINVAL, "codes", "more than %d codes",
                             FOLIO_ABSTRACT_MAX_CODES);
    memset(&x, 0, sizeof x);
    x.s = s;
    x.out = a;
    x.err = err;
    x.in = in;
    folio_arena_init(&x.tmp, 0);
    inpatient = folio_sv_ieq_cstr(folio_sv_from(in->enc_class), "inpatient");

    if ((rc = build_items(&x)))
        goto done;
    for (size_t i = 0; i < x.n_items; i++)
        principal |= x.items[i].in->role == FOLIO_ABS_PRINCIPAL;
    if (!principal && (rc = chk_add(&x, FOLIO_CHECK_ERROR, "no_principal", NULL, NULL,
                                    "The abstract has no %s diagnosis.",
                                    inpatient ? "principal" : "first-listed")))
        goto done;
    if ((rc = find_notes(&x)) || (rc = code_checks(&x)) || (rc = chk_note_checks(&x)))
        goto done;
    if (inpatient && ((rc = poa_checks(&x)) || (rc = mce_checks(&x, mce))))
        goto done;

    if (x.n_f) {
        qsort(x.f, x.n_f, sizeof *x.f, finding_cmp);
        struct folio_check_finding *v = folio_arena_calloc(a, x.n_f, sizeof *v);

        if (!v) {
            rc = oom(&x);
            goto done;
        }
        for (size_t i = 0; i < x.n_f; i++)
            v[i] = x.f[i].f;
        *out = v;
        *n = x.n_f;
    }
done:
    folio_arena_release(&x.tmp);
    return rc;
}

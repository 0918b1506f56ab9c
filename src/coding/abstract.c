/* The coding abstract of an encounter: reading, saving the code list (with the differences
 * written to the history), status changes, the history and the source system's codes
 * (include/folio/abstract.h, docs/coding.md). */
#include "folio/base.h"

#include "coding/abstract_int.h"
#include "folio/abstract.h"
#include "folio/codes.h"

/* A code as the writers see it: validated, normalised, with its position. */
struct abs_code {
    enum folio_abs_role role;
    enum folio_code_system system;
    char code[16];
    char poa;      /* 0 = none */
    char date[11]; /* "" = none */
    char *op_name; /* NULL = none */
    int64_t op_id;
    char mods[12];  /* "" = none */
    int64_t seq;    /* 1.. within the role */
    int64_t row_id; /* stored rows: coding_abstract_code.id */
    size_t idx;     /* new list: index in the caller's array */
    int match;      /* index of the same code in the other list, -1 = none */
    bool moved;     /* sequence changed (role, or order among the codes kept in the role) */
    bool kept;      /* stored rows: unchanged at the same position, not rewritten */
};

/* Order of the roles on the abstract (header: struct folio_abstract.codes). */
static int role_rank(enum folio_abs_role r)
{
    switch (r) {
    case FOLIO_ABS_PRINCIPAL:
        return 0;
    case FOLIO_ABS_ADMITTING:
        return 1;
    case FOLIO_ABS_REASON_VISIT:
        return 2;
    case FOLIO_ABS_SECONDARY:
        return 3;
    case FOLIO_ABS_EXTERNAL_CAUSE:
        return 4;
    case FOLIO_ABS_PROCEDURE:
        return 5;
    }
    return 6;
}

static bool role_is_dx(enum folio_abs_role r)
{
    return r != FOLIO_ABS_PROCEDURE;
}

/* Roles holding one code are named alone; the others with their position. */
static bool role_single(enum folio_abs_role r)
{
    return r == FOLIO_ABS_PRINCIPAL || r == FOLIO_ABS_ADMITTING;
}

static int cmp_code(const void *pa, const void *pb)
{
    const struct abs_code *a = pa, *b = pb;
    int ra = role_rank(a->role), rb = role_rank(b->role);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    if (a->seq != b->seq)
        return a->seq < b->seq ? -1 : 1;
    return a->idx < b->idx ? -1 : (a->idx > b->idx);
}

static enum folio_code_system system_from(const char *name)
{
    for (int i = FOLIO_CS_ICD10CM; i <= FOLIO_CS_CPT; i++)
        if (name && strcmp(name, folio_code_system_name((enum folio_code_system)i)) == 0)
            return (enum folio_code_system)i;
    return (enum folio_code_system)0;
}

/* The code date of an encounter: the discharge date, else today. */
static void code_date_of(const char *discharge_at, const char *today, char out[11])
{
    int64_t d;
    if (abs_time_day(discharge_at, &d)) {
        abs_date_format(d, out);
        if (out[0])
            return;
    }
    memcpy(out, today, 11);
}

/* ---- reading ---- */

/* The current codes of an abstract in canonical order (role order, then sequence). */
static enum folio_rc read_codes(struct folio_store *s, int64_t abstract_id, struct folio_arena *a,
                                struct abs_code **out, size_t *n, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct abs_code *v = NULL;
    size_t cap = 0;
    bool row = false, oom = false;
    enum folio_rc rc;
    *out = NULL;
    *n = 0;
    if (abstract_id == 0)
        return FOLIO_OK;
    rc = abs_prepare(s, &st, err,
                     "SELECT id, role, seq, code_system, code, poa, proc_date, operator_name, "
                     "operator_id, modifiers FROM coding_abstract_code WHERE abstract_id = ? AND "
                     "to_version IS NULL",
                     "i", abstract_id);
    if (rc)
        return rc;
    while ((rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        {
            struct abs_code *nv =
                folio_arena_grow(a, v, *n, &cap, sizeof *nv, 16);
            if (!nv) {
                oom = true;
                break;
            }
            v = nv;
        }
        struct abs_code *c = &v[(*n)++];
        const char *poa = folio_stmt_column_text(st, 5);
        c->row_id = folio_stmt_column_i64(st, 0);
        c->role = abs_role_from(folio_stmt_column_text(st, 1));
        c->seq = folio_stmt_column_i64(st, 2);
        c->system = system_from(folio_stmt_column_text(st, 3));
        folio_stmt_column_copy(st, 4, c->code, sizeof c->code);
        c->poa = poa ? poa[0] : '\0';
        folio_stmt_column_copy(st, 6, c->date, sizeof c->date);
        c->op_name = folio_stmt_column_dup(a, st, 7, &oom);
        c->op_id = folio_stmt_column_is_null(st, 8) ? 0 : folio_stmt_column_i64(st, 8);
        folio_stmt_column_copy(st, 9, c->mods, sizeof c->mods);
        c->match = -1;
    }
    folio_stmt_free(st);
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory reading the abstract");
    if (rc)
        return rc;
    if (*n > 1)
        qsort(v, *n, sizeof *v, cmp_code);
    *out = v;
    return FOLIO_OK;
}

enum folio_rc folio_abstract_get(struct folio_store *s, int64_t encounter_id, const char *today,
                                 struct folio_arena *a, struct folio_abstract **out,
                                 struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct folio_abstract *ab;
    struct abs_code *codes = NULL;
    char day[11];
    bool row = false, oom = false;
    enum folio_rc rc;
    if ((rc = abs_date_arg(today, "today", day, err)))
        return rc;
    if (!(ab = folio_arena_alloc(a, sizeof *ab)))
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    rc = abs_prepare(
        s, &st, err,
        "SELECT e.patient_id, e.enc_class, e.admit_at, e.discharge_at, a.id, a.status, "
        "a.hold_reason, a.hold_note, a.assigned_to, a.created_by, a.updated_by, "
        "a.finalized_by, a.created_at, a.updated_at, a.finalized_at, a.version FROM "
        "encounter e LEFT JOIN coding_abstract a ON a.encounter_id = e.id WHERE e.id = ?",
        "i", encounter_id);
    if (rc)
        return rc;
    rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && !row)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "encounter", "no encounter with id %lld",
                           (long long)encounter_id);
    if (rc == FOLIO_OK) {
        ab->encounter_id = encounter_id;
        ab->patient_id = folio_stmt_column_i64(st, 0);
        folio_stmt_column_copy(st, 1, ab->enc_class, sizeof ab->enc_class);
        folio_stmt_column_copy(st, 2, ab->admit_at, sizeof ab->admit_at);
        folio_stmt_column_copy(st, 3, ab->discharge_at, sizeof ab->discharge_at);
        ab->status = FOLIO_ABS_UNCODED;
        if (!folio_stmt_column_is_null(st, 4)) {
            ab->id = folio_stmt_column_i64(st, 4);
            ab->status = abs_status_from(folio_stmt_column_text(st, 5));
            ab->hold_reason = abs_hold_from(folio_stmt_column_text(st, 6));
            ab->hold_note = folio_stmt_column_dup(a, st, 7, &oom);
            ab->assigned_to = folio_stmt_column_dup(a, st, 8, &oom);
            ab->created_by = folio_stmt_column_dup(a, st, 9, &oom);
            ab->updated_by = folio_stmt_column_dup(a, st, 10, &oom);
            ab->finalized_by = folio_stmt_column_dup(a, st, 11, &oom);
            folio_stmt_column_copy(st, 12, ab->created_at, sizeof ab->created_at);
            folio_stmt_column_copy(st, 13, ab->updated_at, sizeof ab->updated_at);
            folio_stmt_column_copy(st, 14, ab->finalized_at, sizeof ab->finalized_at);
            ab->version = folio_stmt_column_i64(st, 15);
        }
    }
    folio_stmt_free(st);
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    if (rc)
        return rc;
    code_date_of(ab->discharge_at, day, ab->code_date);
    if ((rc = read_codes(s, ab->id, a, &codes, &ab->n_codes, err)))
        return rc;
    if (ab->n_codes && !(ab->codes = folio_arena_calloc(a, ab->n_codes, sizeof *ab->codes)))
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < ab->n_codes; i++) {
        struct folio_abstract_code *o = &ab->codes[i];
        const struct abs_code *c = &codes[i];
        struct folio_code *def = NULL;
        struct folio_err lookup_err = {0};
        o->role = c->role;
        o->system = c->system;
        memcpy(o->code, c->code, sizeof o->code);
        o->poa = c->poa;
        memcpy(o->date, c->date, sizeof o->date);
        o->operator_name = c->op_name; /* in the caller's arena */
        o->operator_id = c->op_id;
        memcpy(o->modifiers, c->mods, sizeof o->modifiers);
        /* A code need not be valid in work in progress: no title then. */
        rc = c->system ? folio_codes_get(s, c->system, c->code, ab->code_date, a, &def, &lookup_err)
                       : FOLIO_ENOTFOUND;
        if (rc == FOLIO_OK)
            o->title = def->title ? def->title : def->short_title;
        else if (rc != FOLIO_ENOTFOUND && rc != FOLIO_EINVAL) {
            *err = lookup_err;
            return rc;
        }
        rc = FOLIO_OK;
    }
    *out = ab;
    return FOLIO_OK;
}

/* ---- validating a new list ---- */

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* The shape of a code of each system (CMS file formats); NULL when fine, else what is wrong. */
static const char *code_shape(enum folio_code_system cs, const char *c)
{
    size_t n = strlen(c);
    if (strchr(c, '-'))
        return "has a hyphen";
    switch (cs) {
    case FOLIO_CS_ICD10CM: /* letter, digit, then 1-5 letters or digits */
        if (n < 3 || n > 7 || c[0] < 'A' || c[0] > 'Z' || c[1] < '0' || c[1] > '9')
            return "is not an ICD-10-CM code (a letter, a digit, then 1 to 5 characters)";
        return NULL;
    case FOLIO_CS_ICD10PCS: /* 7 characters, digits and letters other than I and O */
        if (n != 7 || strchr(c, 'I') || strchr(c, 'O'))
            return "is not an ICD-10-PCS code (7 characters, no I or O)";
        return NULL;
    case FOLIO_CS_CPT: /* 4 digits then a digit or a letter (F, T, U, A ...) */
        if (n != 5 || !all_digits(c, 4))
            return "is not a CPT code (4 digits then a digit or a letter)";
        return NULL;
    case FOLIO_CS_HCPCS: /* a letter then 4 digits */
        if (n != 5 || c[0] < 'A' || c[0] > 'Z' || !all_digits(c + 1, 4))
            return "is not an HCPCS code (a letter then 4 digits)";
        return NULL;
    }
    return "has an unknown code system";
}

/* "lt 59" / "LT,59" -> "LT 59": 1 to 4 modifiers of 2 letters or digits. */
static bool norm_modifiers(const char *in, char out[12])
{
    size_t j = 0, k = 0, n = 0;
    char tok[3];
    out[0] = '\0';
    for (const char *p = in;; p++) {
        char ch = *p;
        if (ch == ' ' || ch == ',' || ch == '\0') {
            if (k == 2) {
                if (n == 4)
                    return false;
                if (j)
                    out[j++] = ' ';
                out[j++] = tok[0];
                out[j++] = tok[1];
                n++;
            } else if (k != 0) {
                return false;
            }
            k = 0;
            if (ch == '\0')
                break;
            continue;
        }
        if (ch >= 'a' && ch <= 'z')
            ch = (char)(ch - 'a' + 'A');
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) || k == 2)
            return false;
        tok[k++] = ch;
    }
    out[j] = '\0';
    return true;
}

#define FIELD(buf, i, name) (folio_snprintf((buf), sizeof(buf), "codes[%zu]." name, (i)), (buf))

static enum folio_rc validate_codes(struct folio_store *s, const struct folio_abstract_save *in,
                                    struct folio_arena *a, struct abs_code **out,
                                    struct folio_err *err)
{
    struct abs_code *v = NULL;
    char f[64];
    size_t first_of[7];
    int count[7] = {0};
    enum folio_rc rc;
    *out = NULL;
    if (in->n_codes > FOLIO_ABSTRACT_MAX_CODES)
        return folio_err_set(err, FOLIO_EINVAL, "codes", "codes: %zu codes, at most %d",
                             in->n_codes, FOLIO_ABSTRACT_MAX_CODES);
    if (in->n_codes && !in->codes)
        return folio_err_set(err, FOLIO_EINVAL, "codes", "codes: missing");
    if (in->n_codes && !(v = folio_arena_calloc(a, in->n_codes, sizeof *v)))
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < in->n_codes; i++) {
        const struct folio_abstract_code *c = &in->codes[i];
        struct abs_code *o = &v[i];
        struct folio_err e2 = {0};
        const char *what, *rname = folio_abs_role_name(c->role);
        o->idx = i;
        o->match = -1;
        if (!rname)
            return folio_err_set(err, FOLIO_EINVAL, FIELD(f, i, "role"),
                                 "codes[%zu].role: %d is not a code role", i, (int)c->role);
        o->role = c->role;
        if (count[c->role]++ == 0)
            first_of[c->role] = i;
        else if (role_single(c->role))
            return folio_err_set(err, FOLIO_EINVAL, FIELD(f, i, "role"),
                                 "codes[%zu].role: a second %s diagnosis (codes[%zu] is one)", i,
                                 rname, first_of[c->role]);
        else if (c->role == FOLIO_ABS_REASON_VISIT && count[c->role] > 3)
            return folio_err_set(err, FOLIO_EINVAL, FIELD(f, i, "role"),
                                 "codes[%zu].role: at most 3 reasons for visit", i);
        if (role_is_dx(c->role) ? c->system != FOLIO_CS_ICD10CM
                                : (c->system != FOLIO_CS_ICD10PCS && c->system != FOLIO_CS_CPT &&
                                   c->system != FOLIO_CS_HCPCS)) {
            const char *sn = folio_code_system_name(c->system);
            return folio_err_set(err, FOLIO_EINVAL, FIELD(f, i, "system"),
                                 "codes[%zu].system: a %s code must be %s, not %s", i, rname,
                                 role_is_dx(c->role) ? "ICD-10-CM" : "ICD-10-PCS, CPT or HCPCS",
                                 sn ? sn : "an unknown system");
        }
        o->system = c->system;
        if (!memchr(c->code, '\0', sizeof c->code) || folio_codes_normalize(c->code, o->code, &e2))
            return folio_err_set(err, FOLIO_EINVAL, FIELD(f, i, "code"),
                                 "codes[%zu].code: '%.15s' is not a code", i,
                                 memchr(c->code, '\0', sizeof c->code) ? c->code : "");
        if ((what = code_shape(c->system, o->code)))
            return folio_err_set(err, FOLIO_EINVAL, FIELD(f, i, "code"), "codes[%zu].code: '%s' %s",
                                 i, o->code, what);
        if (c->poa) {
            char p = c->poa >= 'a' && c->poa <= 'z' ? (char)(c->poa - 'a' + 'A') : c->poa;
            if (!role_is_dx(c->role))
                return folio_err_set(err, FOLIO_EINVAL, FIELD(f, i, "poa"),
                                     "codes[%zu].poa: present on admission applies to "
                                     "diagnoses only",
                                     i);
            if (!strchr("YNUW1", p))
                return folio_err_set(err, FOLIO_EINVAL, FIELD(f, i, "poa"),
                                     "codes[%zu].poa: '%c' is not a POA indicator (Y, N, U, W, 1)",
                                     i, (c->poa > 0x20 && c->poa < 0x7f) ? c->poa : '?');
            o->poa = p;
        }
        if (!memchr(c->date, '\0', sizeof c->date))
            return folio_err_set(err, FOLIO_EINVAL, FIELD(f, i, "date"),
                                 "codes[%zu].date: not a date", i);
        if (c->date[0]) {
            int64_t d;
            if (role_is_dx(c->role))
                return folio_err_set(err, FOLIO_EINVAL, FIELD(f, i, "date"),
                                     "codes[%zu].date: a date applies to procedures only", i);
            if (!abs_date_days(c->date, &d))
                return folio_err_set(err, FOLIO_EINVAL, FIELD(f, i, "date"),
                                     "codes[%zu].date: '%s' is not a date (YYYY-MM-DD)", i,
                                     c->date);
            memcpy(o->date, c->date, sizeof o->date);
        }
        if (!folio_str_empty(c->operator_name) || c->operator_id) {
            if (role_is_dx(c->role))
                return folio_err_set(err, FOLIO_EINVAL,
                                     c->operator_id ? FIELD(f, i, "operator_id")
                                                    : FIELD(f, i, "operator_name"),
                                     "codes[%zu]: an operator applies to procedures only", i);
        }
        if (!folio_str_empty(c->operator_name)) {
            if ((rc = abs_check_text(c->operator_name, ABS_NAME_MAX, FIELD(f, i, "operator_name"),
                                     err)))
                return rc;
            o->op_name = c->operator_name;
        }
        if (c->operator_id < 0)
            return folio_err_set(err, FOLIO_EINVAL, FIELD(f, i, "operator_id"),
                                 "codes[%zu].operator_id: %lld is not a provider id", i,
                                 (long long)c->operator_id);
        if (c->operator_id) {
            bool found = false;
            rc = abs_exec(s, NULL, &found, NULL, err, "SELECT id FROM provider WHERE id = ?", "i",
                          c->operator_id);
            if (rc)
                return rc;
            if (!found)
                return folio_err_set(err, FOLIO_EINVAL, FIELD(f, i, "operator_id"),
                                     "codes[%zu].operator_id: no provider with id %lld", i,
                                     (long long)c->operator_id);
            o->op_id = c->operator_id;
        }
        if (!memchr(c->modifiers, '\0', sizeof c->modifiers))
            return folio_err_set(err, FOLIO_EINVAL, FIELD(f, i, "modifiers"),
                                 "codes[%zu].modifiers: too long", i);
        if (c->modifiers[0]) {
            if (c->system != FOLIO_CS_CPT && c->system != FOLIO_CS_HCPCS)
                return folio_err_set(err, FOLIO_EINVAL, FIELD(f, i, "modifiers"),
                                     "codes[%zu].modifiers: modifiers apply to CPT and HCPCS "
                                     "codes only",
                                     i);
            if (!norm_modifiers(c->modifiers, o->mods))
                return folio_err_set(err, FOLIO_EINVAL, FIELD(f, i, "modifiers"),
                                     "codes[%zu].modifiers: '%s' is not 1 to 4 two-character "
                                     "modifiers",
                                     i, c->modifiers);
        }
    }
    /* canonical order; the sequence within a role is the order given */
    int64_t next[7] = {0};
    for (size_t i = 0; i < in->n_codes; i++)
        v[i].seq = ++next[v[i].role];
    if (in->n_codes > 1)
        qsort(v, in->n_codes, sizeof *v, cmp_code);
    *out = v;
    return FOLIO_OK;
}

/* ---- differences ---- */

static bool same_code(const struct abs_code *a, const struct abs_code *b)
{
    return a->system == b->system && strcmp(a->code, b->code) == 0;
}

static bool same_text(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

static bool same_attrs(const struct abs_code *a, const struct abs_code *b)
{
    return a->poa == b->poa && strcmp(a->date, b->date) == 0 && same_text(a->op_name, b->op_name) &&
           a->op_id == b->op_id && strcmp(a->mods, b->mods) == 0;
}

static bool same_row(const struct abs_code *a, const struct abs_code *b)
{
    return a->role == b->role && a->seq == b->seq && same_code(a, b) && same_attrs(a, b);
}

/* Pairs each new code with a stored one of the same code: at the same position first, then in
 * the same role, then anywhere. */
static void match_codes(struct abs_code *o, size_t no, struct abs_code *n, size_t nn)
{
    for (int pass = 0; pass < 3; pass++)
        for (size_t j = 0; j < nn; j++) {
            if (n[j].match >= 0)
                continue;
            for (size_t i = 0; i < no; i++) {
                if (o[i].match >= 0 || !same_code(&o[i], &n[j]))
                    continue;
                if (pass < 2 && o[i].role != n[j].role)
                    continue;
                if (pass == 0 && o[i].seq != n[j].seq)
                    continue;
                o[i].match = (int)j;
                n[j].match = (int)i;
                break;
            }
        }
}

/* Within each role, the codes kept in it whose order relative to each other changed: those
 * outside a longest run kept in order (longest increasing subsequence of their new positions,
 * taken in stored order). A removal or an insertion moves nothing else. A code that changed
 * role moved. */
static enum folio_rc mark_moves(struct abs_code *o, size_t no, struct abs_code *n)
{
    size_t *len = NULL, *prev = NULL, *ix = NULL;
    enum folio_rc rc = FOLIO_OK;
    if (no == 0)
        return FOLIO_OK;
    len = calloc(no, sizeof *len);
    prev = calloc(no, sizeof *prev);
    ix = calloc(no, sizeof *ix);
    if (!len || !prev || !ix) {
        rc = FOLIO_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < no; i++)
        if (o[i].match >= 0 && o[i].role != n[o[i].match].role)
            n[o[i].match].moved = true;
    for (int role = FOLIO_ABS_PRINCIPAL; role <= FOLIO_ABS_PROCEDURE; role++) {
        size_t k = 0, best = 0, best_end = 0;
        for (size_t i = 0; i < no; i++) /* stored order is canonical: by seq within the role */
            if ((int)o[i].role == role && o[i].match >= 0 && n[o[i].match].role == o[i].role)
                ix[k++] = i;
        for (size_t a = 0; a < k; a++) {
            len[a] = 1;
            prev[a] = SIZE_MAX;
            for (size_t b = 0; b < a; b++)
                if (n[o[ix[b]].match].seq < n[o[ix[a]].match].seq && len[b] + 1 > len[a]) {
                    len[a] = len[b] + 1;
                    prev[a] = b;
                }
            if (len[a] > best) {
                best = len[a];
                best_end = a;
            }
        }
        for (size_t a = 0; a < k; a++)
            n[o[ix[a]].match].moved = true;
        for (size_t a = best_end; k && a != SIZE_MAX; a = prev[a])
            n[o[ix[a]].match].moved = false;
    }
out:
    free(len);
    free(prev);
    free(ix);
    return rc;
}

static void append_pos(struct folio_buf *b, const struct abs_code *c, enum folio_rc *rc)
{
    if (*rc)
        return;
    if (role_single(c->role))
        *rc = folio_buf_append_str(b, folio_abs_role_name(c->role));
    else
        *rc = folio_buf_appendf(b, "%s %lld", folio_abs_role_name(c->role), (long long)c->seq);
}

/* Attribute texts, as the history shows them ("POA Y", "date none"). */
static void append_poa(struct folio_buf *b, const struct abs_code *c, enum folio_rc *rc)
{
    if (!*rc)
        *rc = c->poa ? folio_buf_appendf(b, "POA %c", c->poa) : folio_buf_append_str(b, "POA none");
}
static void append_date(struct folio_buf *b, const struct abs_code *c, enum folio_rc *rc)
{
    if (!*rc)
        *rc = folio_buf_appendf(b, "date %s", c->date[0] ? c->date : "none");
}
static void append_op(struct folio_buf *b, const struct abs_code *c, enum folio_rc *rc)
{
    if (*rc)
        return;
    if (c->op_name && c->op_id)
        *rc = folio_buf_appendf(b, "operator %s (#%lld)", c->op_name, (long long)c->op_id);
    else if (c->op_name)
        *rc = folio_buf_appendf(b, "operator %s", c->op_name);
    else if (c->op_id)
        *rc = folio_buf_appendf(b, "operator #%lld", (long long)c->op_id);
    else
        *rc = folio_buf_append_str(b, "operator none");
}
static void append_mods(struct folio_buf *b, const struct abs_code *c, enum folio_rc *rc)
{
    if (!*rc)
        *rc = folio_buf_appendf(b, "modifiers %s", c->mods[0] ? c->mods : "none");
}

/* Position and the attributes that are set: "secondary 2; POA Y". */
static void describe(struct folio_buf *b, const struct abs_code *c, enum folio_rc *rc)
{
    append_pos(b, c, rc);
    if (c->poa && !*rc) {
        *rc = folio_buf_append_str(b, "; ");
        append_poa(b, c, rc);
    }
    if (c->date[0] && !*rc) {
        *rc = folio_buf_append_str(b, "; ");
        append_date(b, c, rc);
    }
    if ((c->op_name || c->op_id) && !*rc) {
        *rc = folio_buf_append_str(b, "; ");
        append_op(b, c, rc);
    }
    if (c->mods[0] && !*rc) {
        *rc = folio_buf_append_str(b, "; ");
        append_mods(b, c, rc);
    }
}

struct hist_ctx {
    struct folio_store *s;
    int64_t abstract_id, version;
    const char *at, *user, *reason;
    struct folio_buf ov, nv;
    size_t n_rows;
};

typedef void (*append_fn)(struct folio_buf *, const struct abs_code *, enum folio_rc *);

static enum folio_rc hist_row(struct hist_ctx *h, const char *action, const struct abs_code *c,
                              const struct abs_code *o_c, const struct abs_code *n_c, append_fn f,
                              struct folio_err *err)
{
    enum folio_rc rc = FOLIO_OK;
    folio_buf_reset(&h->ov);
    folio_buf_reset(&h->nv);
    if (o_c)
        f(&h->ov, o_c, &rc);
    if (n_c)
        f(&h->nv, n_c, &rc);
    if (rc)
        return folio_err_set(err, rc, NULL, "a history value is too long");
    h->n_rows++;
    return abs_history_add(h->s, h->abstract_id, h->version, h->at, h->user, action, c->role,
                           c->code, o_c ? h->ov.data : NULL, n_c ? h->nv.data : NULL, h->reason,
                           err);
}

/* History rows for old -> new (matched and moves marked). */
static enum folio_rc write_diff(struct hist_ctx *h, const struct abs_code *o, size_t no,
                                const struct abs_code *n, size_t nn, struct folio_err *err)
{
    enum folio_rc rc = FOLIO_OK;
    for (size_t i = 0; i < no && !rc; i++)
        if (o[i].match < 0)
            rc = hist_row(h, "remove", &o[i], &o[i], NULL, describe, err);
    for (size_t j = 0; j < nn && !rc; j++) {
        const struct abs_code *c = &n[j], *p;
        if (c->match < 0) {
            rc = hist_row(h, "add", c, NULL, c, describe, err);
            continue;
        }
        p = &o[c->match];
        if (c->moved)
            rc = hist_row(h, "sequence", c, p, c, append_pos, err);
        if (!rc && p->poa != c->poa)
            rc = hist_row(h, "change", c, p, c, append_poa, err);
        if (!rc && strcmp(p->date, c->date) != 0)
            rc = hist_row(h, "change", c, p, c, append_date, err);
        if (!rc && (!same_text(p->op_name, c->op_name) || p->op_id != c->op_id))
            rc = hist_row(h, "change", c, p, c, append_op, err);
        if (!rc && strcmp(p->mods, c->mods) != 0)
            rc = hist_row(h, "change", c, p, c, append_mods, err);
    }
    return rc;
}

/* Rewrites the stored rows that changed: closes them at version, adds the new ones. */
static enum folio_rc write_rows(struct folio_store *s, int64_t abstract_id, int64_t version,
                                struct abs_code *o, size_t no, const struct abs_code *n, size_t nn,
                                struct folio_err *err)
{
    enum folio_rc rc = FOLIO_OK;
    bool *keep_new = NULL;
    if (nn && !(keep_new = calloc(nn, sizeof *keep_new)))
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    for (size_t j = 0; j < nn; j++)
        for (size_t i = 0; i < no; i++)
            if (!o[i].kept && same_row(&o[i], &n[j])) {
                o[i].kept = true;
                keep_new[j] = true;
                break;
            }
    for (size_t i = 0; i < no && !rc; i++)
        if (!o[i].kept)
            rc = abs_exec(s, NULL, NULL, NULL, err,
                          "UPDATE coding_abstract_code SET to_version = ? WHERE id = ?", "ii",
                          version, o[i].row_id);
    for (size_t j = 0; j < nn && !rc; j++) {
        char poa[2] = {n[j].poa, '\0'};
        if (keep_new[j])
            continue;
        rc =
            abs_exec(s, NULL, NULL, NULL, err,
                     "INSERT INTO coding_abstract_code (abstract_id, role, seq, code_system, code, "
                     "poa, proc_date, operator_name, operator_id, modifiers, from_version) VALUES "
                     "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     "ititttttIti", abstract_id, folio_abs_role_name(n[j].role), n[j].seq,
                     folio_code_system_name(n[j].system), n[j].code, poa, n[j].date, n[j].op_name,
                     n[j].op_id, n[j].mods, version);
    }
    free(keep_new);
    return rc;
}

static bool lists_equal(const struct abs_code *o, size_t no, const struct abs_code *n, size_t nn)
{
    if (no != nn)
        return false;
    for (size_t i = 0; i < no; i++)
        if (!same_row(&o[i], &n[i]))
            return false;
    return true;
}

enum folio_rc folio_abstract_put(struct folio_store *s, const struct folio_abstract_save *in,
                                 struct folio_arena *a, struct folio_abstract **out,
                                 struct folio_err *err)
{
    struct abs_row r;
    struct abs_code *newc = NULL, *oldc = NULL;
    size_t n_old = 0;
    char now[32], today[11];
    struct hist_ctx h = {0};
    enum folio_rc rc;
    if (!in)
        return folio_err_set(err, FOLIO_EINVAL, NULL, "no abstract given");
    if ((rc = abs_check_user(in->user, "user", err)) || (rc = abs_now_arg(in->now, now, err)) ||
        (rc = abs_check_text(in->reason, ABS_TEXT_MAX, "reason", err)))
        return rc;
    if (in->expected_version < 0)
        return folio_err_set(err, FOLIO_EINVAL, "version", "version: %lld is not a version",
                             (long long)in->expected_version);
    if ((rc = validate_codes(s, in, a, &newc, err)))
        return rc;
    folio_buf_init(&h.ov, 4096);
    folio_buf_init(&h.nv, 4096);
    if ((rc = folio_store_begin(s, err)))
        goto done;
    if ((rc = abs_row_load(s, in->encounter_id, &r, err)) ||
        (rc = abs_check_encounter(&r, "save the abstract", err)) ||
        (rc = abs_check_version(&r, in->expected_version, err)))
        goto out;
    if (r.status == FOLIO_ABS_FINAL) {
        rc = folio_err_set(err, FOLIO_ESTATE, "status",
                           "cannot save: the abstract is final; reopen it for rebilling first");
        goto out;
    }
    if ((rc = read_codes(s, r.id, a, &oldc, &n_old, err)))
        goto out;
    if (lists_equal(oldc, n_old, newc, in->n_codes))
        goto out; /* nothing changed: nothing written */
    if (r.status == FOLIO_ABS_REBILL && folio_str_empty(in->reason)) {
        rc = folio_err_set(err, FOLIO_EINVAL, "reason",
                           "reason: a change to an abstract that has been final needs a reason");
        goto out;
    }
    if (r.id == 0) {
        if ((rc = abs_create(s, &r, FOLIO_ABS_IN_PROGRESS, in->user, now, in->reason, err)))
            goto out;
    } else {
        int64_t changes = 0;
        rc = abs_exec(s, NULL, NULL, &changes, err,
                      "UPDATE coding_abstract SET version = version + 1, updated_at = ?, "
                      "updated_by = ? WHERE id = ? AND version = ?",
                      "ttii", now, in->user, r.id, r.version);
        if (rc == FOLIO_OK && changes != 1)
            rc = folio_err_set(err, FOLIO_ECONFLICT, "version",
                               "the abstract was changed meanwhile (you read version %lld); "
                               "reload it",
                               (long long)r.version);
        if (rc)
            goto out;
        r.version++;
    }
    match_codes(oldc, n_old, newc, in->n_codes);
    if ((rc = mark_moves(oldc, n_old, newc))) {
        rc = folio_err_set(err, rc, NULL, "out of memory");
        goto out;
    }
    h.s = s;
    h.abstract_id = r.id;
    h.version = r.version;
    h.at = now;
    h.user = in->user;
    h.reason = folio_str_empty(in->reason) ? NULL : in->reason;
    if ((rc = write_diff(&h, oldc, n_old, newc, in->n_codes, err)) ||
        (rc = write_rows(s, r.id, r.version, oldc, n_old, newc, in->n_codes, err)))
        goto out;
out:
    rc = folio_store_end(s, rc, err);
done:
    folio_buf_release(&h.ov);
    folio_buf_release(&h.nv);
    if (rc == FOLIO_OK && out) {
        memcpy(today, now, 10);
        today[10] = '\0';
        rc = folio_abstract_get(s, in->encounter_id, today, a, out, err);
    }
    return rc;
}

/* ---- status changes ---- */

static const char *verb_of(enum folio_abstract_status to)
{
    switch (to) {
    case FOLIO_ABS_ON_HOLD:
        return "put the abstract on hold";
    case FOLIO_ABS_IN_PROGRESS:
        return "release the hold";
    case FOLIO_ABS_FINAL:
        return "finalize";
    case FOLIO_ABS_REBILL:
        return "reopen for rebilling";
    case FOLIO_ABS_UNCODED:
        break;
    }
    return "make the abstract uncoded";
}

/* ESTATE naming the state the abstract is in and the one asked for. */
static enum folio_rc refuse(const struct abs_row *r, enum folio_abstract_status to,
                            struct folio_err *err)
{
    char state[96];
    const char *hint;
    switch (r->status) {
    case FOLIO_ABS_UNCODED:
        folio_strlcpy(state, "the encounter has no abstract yet (uncoded)", sizeof state);
        break;
    case FOLIO_ABS_IN_PROGRESS:
        folio_strlcpy(state, "the abstract is in progress (in_progress)", sizeof state);
        break;
    case FOLIO_ABS_ON_HOLD:
        folio_snprintf(state, sizeof state, "the abstract is on hold (%s)",
                       r->hold_reason ? folio_hold_reason_name(r->hold_reason) : "on_hold");
        break;
    case FOLIO_ABS_FINAL:
        folio_strlcpy(state, "the abstract is final", sizeof state);
        break;
    case FOLIO_ABS_REBILL:
        folio_strlcpy(state, "the abstract is reopened for rebilling (rebill)", sizeof state);
        break;
    }
    if (r->status == to)
        hint = "nothing to change";
    else if (r->status == FOLIO_ABS_ON_HOLD)
        hint = "release the hold first";
    else if (r->status == FOLIO_ABS_FINAL)
        hint = "reopen it for rebilling first";
    else if (to == FOLIO_ABS_REBILL)
        hint = "only a final abstract is reopened for rebilling";
    else if (to == FOLIO_ABS_FINAL)
        hint = "save its codes first";
    else if (to == FOLIO_ABS_IN_PROGRESS)
        hint = r->status == FOLIO_ABS_UNCODED ? "save its codes to start it"
                                              : "it is open for editing already";
    else if (to == FOLIO_ABS_ON_HOLD)
        hint = "finalize it, or correct it as it is";
    else
        hint = "an abstract is never uncoded again";
    return folio_err_set(err, FOLIO_ESTATE, "status", "cannot %s: %s; %s", verb_of(to), state,
                         hint);
}

static bool allowed(enum folio_abstract_status from, enum folio_abstract_status to)
{
    switch (to) {
    case FOLIO_ABS_ON_HOLD:
        return from == FOLIO_ABS_IN_PROGRESS || from == FOLIO_ABS_UNCODED;
    case FOLIO_ABS_IN_PROGRESS:
        return from == FOLIO_ABS_ON_HOLD;
    case FOLIO_ABS_FINAL:
        return from == FOLIO_ABS_IN_PROGRESS || from == FOLIO_ABS_REBILL;
    case FOLIO_ABS_REBILL:
        return from == FOLIO_ABS_FINAL;
    case FOLIO_ABS_UNCODED:
        break;
    }
    return false;
}

enum folio_rc folio_abstract_set_status(struct folio_store *s,
                                        const struct folio_abstract_status_change *in,
                                        struct folio_arena *a, struct folio_abstract **out,
                                        struct folio_err *err)
{
    struct abs_row r;
    struct folio_buf why;
    char now[32], today[11];
    const char *from_name, *to_name, *hold = NULL, *note = NULL, *reason;
    enum folio_rc rc;
    if (!in)
        return folio_err_set(err, FOLIO_EINVAL, NULL, "no status change given");
    if (!folio_abstract_status_name(in->to))
        return folio_err_set(err, FOLIO_EINVAL, "to", "to: %d is not an abstract status",
                             (int)in->to);
    if ((rc = abs_check_user(in->user, "user", err)) || (rc = abs_now_arg(in->now, now, err)) ||
        (rc = abs_check_text(in->reason, ABS_TEXT_MAX, "reason", err)) ||
        (rc = abs_check_text(in->hold_note, ABS_TEXT_MAX, "hold_note", err)))
        return rc;
    folio_buf_init(&why, 3 * ABS_TEXT_MAX);
    if ((rc = folio_store_begin(s, err)))
        goto done;
    if ((rc = abs_row_load(s, in->encounter_id, &r, err)) ||
        (rc = abs_check_encounter(&r, "change the abstract's status", err)) ||
        (rc = abs_check_version(&r, in->expected_version, err)))
        goto out;
    if (!allowed(r.status, in->to)) {
        rc = refuse(&r, in->to, err);
        goto out;
    }
    reason = folio_str_empty(in->reason) ? NULL : in->reason;
    if (in->to == FOLIO_ABS_ON_HOLD) {
        if (!(hold = folio_hold_reason_name(in->hold_reason))) {
            rc = folio_err_set(err, FOLIO_EINVAL, "hold_reason",
                               "hold_reason: a hold needs a reason (awaiting_query, "
                               "awaiting_documentation, awaiting_pathology, billing, other)");
            goto out;
        }
        note = folio_str_empty(in->hold_note) ? NULL : in->hold_note;
        if (in->hold_reason == FOLIO_HOLD_OTHER && !note) {
            rc = folio_err_set(err, FOLIO_EINVAL, "hold_note",
                               "hold_note: a hold for another reason needs a note saying what");
            goto out;
        }
        /* the history keeps the hold reason and note with the change */
        if ((rc = folio_buf_appendf(&why, "%s%s%s%s%s", hold, note ? ": " : "", note ? note : "",
                                    reason ? "; " : "", reason ? reason : "")))
            goto out;
        reason = why.data;
    }
    if (in->to == FOLIO_ABS_REBILL && !reason) {
        rc = folio_err_set(err, FOLIO_EINVAL, "reason",
                           "reason: reopening a final abstract for rebilling needs a reason");
        goto out;
    }
    if (in->to == FOLIO_ABS_FINAL) {
        bool found = false;
        rc = abs_exec(s, NULL, &found, NULL, err,
                      "SELECT id FROM coding_abstract_code WHERE abstract_id = ? AND role = "
                      "'principal' AND to_version IS NULL",
                      "i", r.id);
        if (rc == FOLIO_OK && !found)
            rc = folio_err_set(err, FOLIO_ESTATE, "codes",
                               "cannot finalize: the abstract has no principal diagnosis");
        if (rc)
            goto out;
    }
    from_name = folio_abstract_status_name(r.status);
    to_name = folio_abstract_status_name(in->to);
    if (r.id == 0) { /* on hold before any code: the abstract starts on hold */
        if ((rc = abs_create(s, &r, in->to, in->user, now, reason, err)))
            goto out;
        rc = abs_exec(s, NULL, NULL, NULL, err,
                      "UPDATE coding_abstract SET hold_reason = ?, hold_note = ? WHERE id = ?",
                      "tti", hold, note, r.id);
        goto out;
    }
    int64_t changes = 0;
    bool fin = in->to == FOLIO_ABS_FINAL;
    rc = abs_exec(s, NULL, NULL, &changes, err,
                  "UPDATE coding_abstract SET status = ?, hold_reason = ?, hold_note = ?, "
                  "version = version + 1, updated_at = ?, updated_by = ?, "
                  "finalized_at = COALESCE(?, finalized_at), finalized_by = COALESCE(?, "
                  "finalized_by) WHERE id = ? AND version = ?",
                  "tttttttii", to_name, hold, note, now, in->user, fin ? now : NULL,
                  fin ? in->user : NULL, r.id, r.version);
    if (rc == FOLIO_OK && changes != 1)
        rc = folio_err_set(err, FOLIO_ECONFLICT, "version",
                           "the abstract was changed meanwhile (you read version %lld); reload it",
                           (long long)r.version);
    if (rc == FOLIO_OK)
        rc = abs_history_add(s, r.id, r.version + 1, now, in->user, "status", 0, NULL, from_name,
                             to_name, reason, err);
out:
    if (rc == FOLIO_ENOMEM || rc == FOLIO_ETOOBIG)
        rc = folio_err_set(err, rc, NULL, "out of memory");
    rc = folio_store_end(s, rc, err);
done:
    folio_buf_release(&why);
    if (rc == FOLIO_OK && out) {
        memcpy(today, now, 10);
        today[10] = '\0';
        rc = folio_abstract_get(s, in->encounter_id, today, a, out, err);
    }
    return rc;
}

/* ---- history ---- */

enum folio_rc folio_abstract_history(struct folio_store *s, int64_t encounter_id,
                                     struct folio_arena *a, struct folio_abstract_change **out,
                                     size_t *n, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct folio_abstract_change *v = NULL;
    size_t cap = 0;
    bool row = false, oom = false;
    enum folio_rc rc;
    *out = NULL;
    *n = 0;
    rc = abs_exec(s, NULL, &row, NULL, err, "SELECT id FROM encounter WHERE id = ?", "i",
                  encounter_id);
    if (rc)
        return rc;
    if (!row)
        return folio_err_set(err, FOLIO_ENOTFOUND, "encounter", "no encounter with id %lld",
                             (long long)encounter_id);
    rc = abs_prepare(s, &st, err,
                     "SELECT h.id, h.at, h.user_name, h.action, h.role, h.code, h.old_value, "
                     "h.new_value, h.reason FROM coding_abstract_history h JOIN coding_abstract a "
                     "ON a.id = h.abstract_id WHERE a.encounter_id = ? ORDER BY h.id",
                     "i", encounter_id);
    if (rc)
        return rc;
    while ((rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        {
            struct folio_abstract_change *nv =
                folio_arena_grow(a, v, *n, &cap, sizeof *nv, 32);
            if (!nv) {
                oom = true;
                break;
            }
            v = nv;
        }
        struct folio_abstract_change *c = &v[(*n)++];
        c->id = folio_stmt_column_i64(st, 0);
        folio_stmt_column_copy(st, 1, c->at, sizeof c->at);
        c->user = folio_stmt_column_dup(a, st, 2, &oom);
        folio_stmt_column_copy(st, 3, c->action, sizeof c->action);
        c->role = abs_role_from(folio_stmt_column_text(st, 4));
        folio_stmt_column_copy(st, 5, c->code, sizeof c->code);
        c->old_value = folio_stmt_column_dup(a, st, 6, &oom);
        c->new_value = folio_stmt_column_dup(a, st, 7, &oom);
        c->reason = folio_stmt_column_dup(a, st, 8, &oom);
    }
    folio_stmt_free(st);
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory reading the history");
    if (rc)
        return rc;
    *out = v;
    return FOLIO_OK;
}

/* ---- the source system's codes ---- */

/* ext_system as the coder reads it: the feed's per-visit keys ("hl7-dg1:12:34") name the
 * segment; importers' names ("synthea") are shown as they are. */
static char *source_name(struct folio_arena *a, const char *ext, bool *oom)
{
    const char *v = ext;
    char *d;
    if (!ext)
        return NULL;
    if (strncmp(ext, "hl7-dg1:", 8) == 0)
        v = "HL7 DG1";
    else if (strncmp(ext, "hl7-pr1:", 8) == 0)
        v = "HL7 PR1";
    if (!(d = folio_arena_strdup(a, v)))
        *oom = true;
    return d;
}

enum folio_rc folio_abstract_source(struct folio_store *s, int64_t encounter_id,
                                    struct folio_arena *a, struct folio_source_code **out,
                                    size_t *n, struct folio_err *err)
{
    static const char *const sql[2] = {
        "SELECT code_system, code, display, onset, ext_system, dx_type, dx_priority FROM "
        "condition WHERE encounter_id = ? ORDER BY id",
        "SELECT code_system, code, display, performed_start, ext_system, NULL, NULL FROM "
        "procedure_event WHERE encounter_id = ? ORDER BY id",
    };
    static const char *const kinds[2] = {"diagnosis", "procedure"};
    struct folio_source_code *v = NULL;
    size_t cap = 0;
    bool row = false, oom = false;
    enum folio_rc rc;
    *out = NULL;
    *n = 0;
    rc = abs_exec(s, NULL, &row, NULL, err, "SELECT id FROM encounter WHERE id = ?", "i",
                  encounter_id);
    if (rc)
        return rc;
    if (!row)
        return folio_err_set(err, FOLIO_ENOTFOUND, "encounter", "no encounter with id %lld",
                             (long long)encounter_id);
    for (size_t k = 0; k < 2 && !rc && !oom; k++) {
        struct folio_stmt *st = NULL;
        if ((rc = abs_prepare(s, &st, err, sql[k], "i", encounter_id)))
            return rc;
        while ((rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
            {
                struct folio_source_code *nv =
                    folio_arena_grow(a, v, *n, &cap, sizeof *nv, 16);
                if (!nv) {
                    oom = true;
                    break;
                }
                v = nv;
            }
            struct folio_source_code *c = &v[(*n)++];
            folio_strlcpy(c->kind, kinds[k], sizeof c->kind);
            c->system = folio_stmt_column_dup(a, st, 0, &oom);
            c->code = folio_stmt_column_dup(a, st, 1, &oom);
            c->display = folio_stmt_column_dup(a, st, 2, &oom);
            c->date = folio_stmt_column_dup(a, st, 3, &oom);
            c->source = source_name(a, folio_stmt_column_text(st, 4), &oom);
            c->dx_type = folio_stmt_column_dup(a, st, 5, &oom);
            c->has_dx_priority = !folio_stmt_column_is_null(st, 6);
            c->dx_priority = c->has_dx_priority ? folio_stmt_column_i64(st, 6) : 0;
        }
        folio_stmt_free(st);
    }
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory reading source codes");
    if (rc)
        return rc;
    *out = v;
    return FOLIO_OK;
}

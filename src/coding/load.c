/* folio_codes_load: versions, idempotency, one transaction, and the code-row engine that every
 * format loader (load_*.c) feeds. See include/folio/codes.h for the model. */
#include "folio/base.h"
#include "folio/codes.h"
#include "folio/crypto.h"
#include "folio/time.h"

#include "coding/codes_int.h"

#include <sys/stat.h>

static const char *const load_kind_names[] = {
    NULL,           "icd10cm-order",  "icd10cm-tabular",      "icd10cm-index", "icd10cm-valid",
    "icd10pcs-tables", "icd10pcs-order", "icd10pcs-definitions", "hcpcs",        "mce",
    "cpt",          "poa-exempt",
};

const char *folio_codes_load_kind_name(enum folio_codes_load_kind k)
{
    if ((size_t)k < 1 || (size_t)k >= FOLIO_ARRAY_LEN(load_kind_names))
        return NULL;
    return load_kind_names[k];
}

enum folio_rc folio_codes_load_kind_parse(const char *name, enum folio_codes_load_kind *out,
                                          struct folio_err *err)
{
    size_t i;
    for (i = 1; name && i < FOLIO_ARRAY_LEN(load_kind_names); i++) {
        if (strcmp(name, load_kind_names[i]) == 0) {
            *out = (enum folio_codes_load_kind)i;
            return FOLIO_OK;
        }
    }
    return folio_err_set(err, FOLIO_EINVAL, "kind",
                         "kind: \"%.40s\" is not one of icd10cm-order, icd10cm-tabular, "
                         "icd10cm-index, icd10cm-valid, icd10pcs-tables, icd10pcs-order, "
                         "icd10pcs-definitions, hcpcs, mce, cpt, poa-exempt",
                         name ? name : "");
}

static enum folio_code_system kind_system(enum folio_codes_load_kind k)
{
    switch (k) {
    case FOLIO_LOAD_ICD10CM_ORDER:
    case FOLIO_LOAD_ICD10CM_TABULAR:
    case FOLIO_LOAD_ICD10CM_INDEX:
    case FOLIO_LOAD_ICD10CM_VALID:
    case FOLIO_LOAD_POA_EXEMPT:
        return FOLIO_CS_ICD10CM;
    case FOLIO_LOAD_ICD10PCS_TABLES:
    case FOLIO_LOAD_ICD10PCS_ORDER:
    case FOLIO_LOAD_ICD10PCS_DEFINITIONS:
        return FOLIO_CS_ICD10PCS;
    case FOLIO_LOAD_HCPCS:
        return FOLIO_CS_HCPCS;
    case FOLIO_LOAD_CPT:
        return FOLIO_CS_CPT;
    case FOLIO_LOAD_MCE:
        break;
    }
    return (enum folio_code_system)0;
}

/* ---- small helpers ---- */

bool cl_is_date(const char *s)
{
    struct folio_time t;
    if (!s || strlen(s) != 10)
        return false;
    return folio_time_parse_iso(folio_sv_from(s), &t, "date", NULL) == FOLIO_OK &&
           t.prec == FOLIO_PREC_DAY;
}

bool cl_yyyymmdd(struct folio_sv s, char out[11])
{
    size_t i;
    s = folio_sv_trim(s);
    if (s.len != 8)
        return false;
    for (i = 0; i < 8; i++)
        if (s.p[i] < '0' || s.p[i] > '9')
            return false;
    folio_snprintf(out, 11, "%.4s-%.2s-%.2s", s.p, s.p + 4, s.p + 6);
    return cl_is_date(out);
}

void cl_day_before(const char *date, char out[11])
{
    int y = 0, m = 0, d = 0, i;
    for (i = 0; i < 4; i++)
        y = y * 10 + (date[i] - '0');
    m = (date[5] - '0') * 10 + (date[6] - '0');
    d = (date[8] - '0') * 10 + (date[9] - '0');
    if (--d < 1) {
        if (--m < 1) {
            m = 12;
            y--;
        }
        d = folio_time_days_in_month(y, m);
    }
    folio_snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
}

bool cl_next_line(const char **p, const char *end, struct folio_sv *line)
{
    const char *s = *p, *nl;
    if (s >= end)
        return false;
    nl = memchr(s, '\n', (size_t)(end - s));
    if (!nl)
        nl = end;
    line->p = s;
    line->len = (size_t)(nl - s);
    if (line->len > 0 && s[line->len - 1] == '\r')
        line->len--;
    *p = nl < end ? nl + 1 : end;
    return true;
}

/* ---- the map of rows in force ---- */

static uint64_t hash_code(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
    return h;
}

static enum folio_rc map_grow(struct cl_map *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 4096, i;
    struct cl_row *nr = calloc(ncap, sizeof(*nr));
    if (!nr)
        return FOLIO_ENOMEM;
    for (i = 0; i < m->cap; i++) {
        if (m->rows[i].code[0]) {
            size_t j = (size_t)hash_code(m->rows[i].code) & (ncap - 1);
            while (nr[j].code[0])
                j = (j + 1) & (ncap - 1);
            nr[j] = m->rows[i];
        }
    }
    free(m->rows);
    m->rows = nr;
    m->cap = ncap;
    return FOLIO_OK;
}

/* Slot for code: the existing row or an empty slot (code[0] == 0). */
static struct cl_row *map_slot(struct cl_map *m, const char *code)
{
    size_t j = (size_t)hash_code(code) & (m->cap - 1);
    while (m->rows[j].code[0] && strcmp(m->rows[j].code, code) != 0)
        j = (j + 1) & (m->cap - 1);
    return &m->rows[j];
}

static const char *const kind_names[] = {NULL,          "chapter", "section", "category",
                                         "subcategory", "code",    "modifier"};

const char *folio_code_kind_name(enum folio_code_kind k)
{
    if ((size_t)k < 1 || (size_t)k >= FOLIO_ARRAY_LEN(kind_names))
        return NULL;
    return kind_names[k];
}

static enum folio_code_kind kind_from_name(const char *s)
{
    size_t i;
    for (i = 1; s && i < FOLIO_ARRAY_LEN(kind_names); i++)
        if (strcmp(s, kind_names[i]) == 0)
            return (enum folio_code_kind)i;
    return FOLIO_CODE_CODE;
}

static enum folio_rc map_load(struct cl_ctx *x, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    enum folio_rc rc;
    bool row;
    const char *sys = folio_code_system_name(x->v->system);

    x->map_loaded = true;
    if ((rc = map_grow(&x->map)))
        return folio_err_set(err, rc, NULL, "out of memory");
    rc = folio_store_prepare(x->s,
                             "SELECT id, code, title, short_title, kind, billable, parent, "
                             "effective_from, effective_to FROM code WHERE code_system = ? AND "
                             "effective_from <= ? AND (effective_to = '' OR effective_to >= ?)",
                             &st, err);
    if (rc)
        goto out;
    if ((rc = folio_stmt_bind_text(st, 1, sys, (size_t)-1)) ||
        (rc = folio_stmt_bind_text(st, 2, x->v->effective_from, (size_t)-1)) ||
        (rc = folio_stmt_bind_text(st, 3, x->v->effective_from, (size_t)-1)))
        goto bind;
    while ((rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        const char *code = folio_stmt_column_text(st, 1);
        struct cl_row *r;
        if (!code || strlen(code) >= sizeof(r->code))
            continue;
        if (x->map.n * 2 >= x->map.cap && (rc = map_grow(&x->map)))
            goto nomem;
        r = map_slot(&x->map, code);
        if (r->code[0] && strcmp(r->from, folio_stmt_column_text(st, 7)) > 0)
            continue; /* keep the later row when periods overlap */
        if (!r->code[0])
            x->map.n++;
        memset(r, 0, sizeof(*r));
        folio_strlcpy(r->code, code, sizeof(r->code));
        r->id = folio_stmt_column_i64(st, 0);
        r->title = folio_arena_strdup(&x->arena, folio_stmt_column_text(st, 2));
        r->short_title = folio_arena_strdup(&x->arena, folio_stmt_column_text(st, 3));
        r->kind = kind_from_name(folio_stmt_column_text(st, 4));
        r->billable = folio_stmt_column_i64(st, 5) != 0;
        folio_strlcpy(r->parent, folio_stmt_column_text(st, 6), sizeof(r->parent));
        folio_strlcpy(r->from, folio_stmt_column_text(st, 7), sizeof(r->from));
        folio_strlcpy(r->to, folio_stmt_column_text(st, 8), sizeof(r->to));
    }
    goto out;
nomem:
    rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    goto out;
bind:
    rc = folio_err_set(err, rc, NULL, "binding a code query failed");
out:
    folio_stmt_free(st);
    return rc;
}

struct cl_row *cl_find(struct cl_ctx *x, const char *code)
{
    struct cl_row *r;
    if (!x->map.cap || strlen(code) >= sizeof(r->code))
        return NULL;
    r = map_slot(&x->map, code);
    return r->code[0] ? r : NULL;
}

static bool str_eq_opt(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

static enum folio_rc write_row(struct cl_ctx *x, struct cl_row *r, bool insert,
                               struct folio_err *err)
{
    struct folio_stmt *st = insert ? x->ins_code : x->upd_code;
    enum folio_rc rc;
    bool row = false;
    int i = 1;
    const char *kind = folio_code_kind_name(r->kind);

    if (insert) {
        if ((rc = folio_stmt_bind_text(st, i++, folio_code_system_name(x->v->system), (size_t)-1)) ||
            (rc = folio_stmt_bind_text(st, i++, r->code, (size_t)-1)) ||
            (rc = folio_stmt_bind_text(st, i++, r->from, (size_t)-1)))
            goto bind;
    }
    if ((rc = folio_stmt_bind_text(st, i++, r->to, (size_t)-1)) ||
        (rc = folio_stmt_bind_text(st, i++, r->title, (size_t)-1)) ||
        (rc = folio_stmt_bind_text(st, i++, r->short_title, (size_t)-1)) ||
        (rc = folio_stmt_bind_text(st, i++, kind, (size_t)-1)) ||
        (rc = folio_stmt_bind_i64(st, i++, r->billable ? 1 : 0)) ||
        (rc = folio_stmt_bind_text(st, i++, r->parent, (size_t)-1)))
        goto bind;
    if (insert)
        rc = folio_stmt_bind_i64(st, i++, x->v->id);
    else
        rc = folio_stmt_bind_i64(st, i++, r->id);
    if (rc)
        goto bind;
    rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && insert) {
        if (!row)
            rc = folio_err_set(err, FOLIO_ESTORE, NULL, "INSERT ... RETURNING gave no row");
        else
            r->id = folio_stmt_column_i64(st, 0);
    }
    if (rc) {
        folio_err_prefix(err, "code %s", r->code);
        if (folio_stmt_reset(st, NULL)) { /* the error above is the one to report */ }
        return rc;
    }
    return folio_stmt_reset(st, err);
bind:
    return folio_err_set(err, rc, NULL, "binding code %s failed", r->code);
}

static char *adup(struct cl_ctx *x, const char *s)
{
    return s ? folio_arena_strdup(&x->arena, s) : NULL;
}

enum folio_rc cl_code_put(struct cl_ctx *x, const struct cl_code *c, int64_t *id,
                          struct folio_err *err)
{
    struct cl_row *r, nr;
    enum folio_rc rc;
    const char *to = c->to ? c->to : x->v->effective_to;
    size_t len = strlen(c->code);

    if (len == 0 || len >= sizeof(r->code))
        return folio_err_set(err, FOLIO_EPARSE, "code", "code \"%.20s\" is empty or too long",
                             c->code);
    if (!x->map_loaded && (rc = map_load(x, err)))
        return rc;
    if (x->map.n * 2 >= x->map.cap && map_grow(&x->map))
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    if (c->billable > 0)
        x->v->n_billable++;
    r = map_slot(&x->map, c->code);
    if (!r->code[0]) {
        memset(&nr, 0, sizeof(nr));
        folio_strlcpy(nr.code, c->code, sizeof(nr.code));
        nr.title = adup(x, c->title);
        nr.short_title = adup(x, c->short_title);
        nr.billable = c->billable > 0;
        nr.kind = c->kind ? c->kind
                  : len == 3 && x->v->system == FOLIO_CS_ICD10CM ? FOLIO_CODE_CATEGORY
                  : nr.billable                                   ? FOLIO_CODE_CODE
                                                                  : FOLIO_CODE_SUBCATEGORY;
        folio_strlcpy(nr.parent, c->parent ? c->parent : "", sizeof(nr.parent));
        folio_strlcpy(nr.from, x->v->effective_from, sizeof(nr.from));
        folio_strlcpy(nr.to, to, sizeof(nr.to));
        nr.seen = true;
        if ((rc = write_row(x, &nr, true, err)))
            return rc;
        *r = nr;
        x->map.n++;
        x->res->n_added++;
    } else if (strcmp(r->from, x->v->effective_from) == 0) {
        /* a row of this same period: another file of the release fills what it carries */
        bool ch = false;
        if (c->title && (!r->title || (c->title_wins && strcmp(c->title, r->title) != 0))) {
            r->title = adup(x, c->title);
            ch = true;
        }
        if (c->short_title && !r->short_title) {
            r->short_title = adup(x, c->short_title);
            ch = true;
        }
        if (c->parent && c->parent[0] && !r->parent[0]) {
            folio_strlcpy(r->parent, c->parent, sizeof(r->parent));
            ch = true;
        }
        if (c->kind && c->kind != r->kind) {
            r->kind = c->kind;
            ch = true;
        }
        if (c->billable >= 0 && (c->billable > 0) != r->billable) {
            r->billable = c->billable > 0;
            ch = true;
        }
        if (c->to && strcmp(c->to, r->to) != 0) {
            folio_strlcpy(r->to, c->to, sizeof(r->to));
            ch = true;
        }
        r->seen = true;
        if (ch) {
            if ((rc = write_row(x, r, false, err)))
                return rc;
            x->res->n_changed++;
        } else {
            x->res->n_unchanged++;
        }
    } else {
        /* a row of an earlier period still in force at this version's start (an update):
         * a changed title or flag starts a new row from this date; otherwise nothing */
        bool differs = (c->title && r->title && !str_eq_opt(c->title, r->title)) ||
                       (c->title && !r->title) ||
                       (c->billable >= 0 && (c->billable > 0) != r->billable);
        r->seen = true;
        if (!differs) {
            x->res->n_unchanged++;
        } else {
            nr = *r;
            cl_day_before(x->v->effective_from, r->to);
            if ((rc = write_row(x, r, false, err)))
                return rc;
            if (c->title)
                nr.title = adup(x, c->title);
            if (c->short_title)
                nr.short_title = adup(x, c->short_title);
            if (c->billable >= 0)
                nr.billable = c->billable > 0;
            if (c->kind)
                nr.kind = c->kind;
            folio_strlcpy(nr.from, x->v->effective_from, sizeof(nr.from));
            if (c->to)
                folio_strlcpy(nr.to, c->to, sizeof(nr.to));
            if ((rc = write_row(x, &nr, true, err)))
                return rc;
            *r = nr;
            x->res->n_changed++;
        }
    }
    if (id)
        *id = r->id;
    return FOLIO_OK;
}

enum folio_rc cl_note_put(struct cl_ctx *x, int64_t code_id, const char *type, int64_t seq,
                          const char *ext, const char *text, struct folio_err *err)
{
    struct folio_stmt *st = x->ins_note;
    enum folio_rc rc;
    bool row;
    if ((rc = folio_stmt_bind_i64(st, 1, code_id)) ||
        (rc = folio_stmt_bind_text(st, 2, type, (size_t)-1)) ||
        (rc = folio_stmt_bind_i64(st, 3, seq)) ||
        (rc = folio_stmt_bind_text(st, 4, ext ? ext : "", (size_t)-1)) ||
        (rc = folio_stmt_bind_text(st, 5, text, (size_t)-1)) ||
        (rc = folio_stmt_bind_i64(st, 6, x->v->id)))
        return folio_err_set(err, rc, NULL, "binding a note failed");
    if ((rc = folio_stmt_step(st, &row, err))) {
        if (folio_stmt_reset(st, NULL)) { /* the error above is the one to report */ }
        return rc;
    }
    x->n_notes += folio_stmt_changes(st);
    return folio_stmt_reset(st, err);
}

/* ---- versions ---- */

static int year_in_name(const char *name)
{
    size_t i, n = strlen(name);
    for (i = 0; i + 4 <= n; i++) {
        if ((name[i] == '1' && name[i + 1] == '9') || (name[i] == '2' && name[i + 1] == '0')) {
            if (name[i + 2] >= '0' && name[i + 2] <= '9' && name[i + 3] >= '0' &&
                name[i + 3] <= '9' && (i == 0 || !(name[i - 1] >= '0' && name[i - 1] <= '9')) &&
                !(i + 4 < n && name[i + 4] >= '0' && name[i + 4] <= '9'))
                return (name[i] - '0') * 1000 + (name[i + 1] - '0') * 100 +
                       (name[i + 2] - '0') * 10 + (name[i + 3] - '0');
        }
    }
    return 0;
}

static bool name_has_april(const char *name)
{
    size_t i, n = strlen(name);
    for (i = 0; i + 3 <= n; i++)
        if ((name[i] | 0x20) == 'a' && (name[i + 1] | 0x20) == 'p' && (name[i + 2] | 0x20) == 'r')
            return true;
    return false;
}

static void version_from_row(struct folio_stmt *st, struct folio_codeset_version *v)
{
    /* columns as in VERSION_COLS */
    enum folio_code_system cs = (enum folio_code_system)0;
    memset(v, 0, sizeof(*v));
    v->id = folio_stmt_column_i64(st, 0);
    folio_strlcpy(v->kind, folio_stmt_column_text(st, 1), sizeof(v->kind));
    v->system = folio_code_system_parse(folio_stmt_column_text(st, 2), &cs, NULL) == FOLIO_OK
                    ? cs
                    : (enum folio_code_system)0;
    v->fiscal_year = (int)folio_stmt_column_i64(st, 3);
    folio_strlcpy(v->label, folio_stmt_column_text(st, 4), sizeof(v->label));
    folio_strlcpy(v->effective_from, folio_stmt_column_text(st, 5), sizeof(v->effective_from));
    folio_strlcpy(v->effective_to, folio_stmt_column_text(st, 6), sizeof(v->effective_to));
    v->update_of = folio_stmt_column_i64(st, 7);
    folio_strlcpy(v->source_name, folio_stmt_column_text(st, 8), sizeof(v->source_name));
    folio_strlcpy(v->sha256, folio_stmt_column_text(st, 9), sizeof(v->sha256));
    folio_strlcpy(v->loaded_at, folio_stmt_column_text(st, 10), sizeof(v->loaded_at));
    folio_strlcpy(v->loaded_by, folio_stmt_column_text(st, 11), sizeof(v->loaded_by));
    v->n_records = folio_stmt_column_i64(st, 12);
    v->n_codes = folio_stmt_column_i64(st, 13);
    v->n_billable = folio_stmt_column_i64(st, 14);
    v->n_notes = folio_stmt_column_i64(st, 15);
}

#define VERSION_COLS                                                                               \
    "id, kind, code_system, fiscal_year, label, effective_from, effective_to, "                    \
    "COALESCE(update_of, 0), source_name, sha256, loaded_at, loaded_by, n_records, n_codes, "      \
    "n_billable, n_notes"

/* One version by a query with up to 4 text parameters; *found false when none. */
static enum folio_rc version_query(struct folio_store *s, const char *sql, const char *const *p,
                                   int np, struct folio_codeset_version *v, bool *found,
                                   struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    enum folio_rc rc;
    int i;
    *found = false;
    if ((rc = folio_store_prepare(s, sql, &st, err)))
        return rc;
    for (i = 0; i < np; i++)
        if ((rc = folio_stmt_bind_text(st, i + 1, p[i], (size_t)-1))) {
            rc = folio_err_set(err, rc, NULL, "binding a version query failed");
            goto out;
        }
    if ((rc = folio_stmt_step(st, found, err)))
        goto out;
    if (*found)
        version_from_row(st, v);
out:
    folio_stmt_free(st);
    return rc;
}

enum folio_rc cl_begin_version(struct cl_ctx *x, struct folio_err *err)
{
    struct folio_codeset_version *v = x->v, base;
    const struct folio_codes_load_opts *o = x->opts;
    bool icd = v->system == FOLIO_CS_ICD10CM || v->system == FOLIO_CS_ICD10PCS || v->system == 0;
    bool found = false;
    enum folio_rc rc;
    struct folio_stmt *st = NULL;
    const char *sys = v->system ? folio_code_system_name(v->system) : "mce";
    char now[32];
    int fy = o->fiscal_year ? o->fiscal_year : x->file_year ? x->file_year : year_in_name(x->name);

    if (o->effective_from && !cl_is_date(o->effective_from))
        return folio_err_set(err, FOLIO_EINVAL, "effective_from",
                             "effective_from: \"%.20s\" is not a date YYYY-MM-DD",
                             o->effective_from);
    if (o->effective_to && o->effective_to[0] && !cl_is_date(o->effective_to))
        return folio_err_set(err, FOLIO_EINVAL, "effective_to",
                             "effective_to: \"%.20s\" is not a date YYYY-MM-DD", o->effective_to);
    if (o->effective_from)
        folio_strlcpy(v->effective_from, o->effective_from, sizeof(v->effective_from));
    else if (x->file_from[0])
        folio_strlcpy(v->effective_from, x->file_from, sizeof(v->effective_from));
    if (!fy && v->effective_from[0]) {
        fy = (v->effective_from[0] - '0') * 1000 + (v->effective_from[1] - '0') * 100 +
             (v->effective_from[2] - '0') * 10 + (v->effective_from[3] - '0');
        if (icd && strcmp(v->effective_from + 5, "10-01") >= 0)
            fy++;
    }
    if (fy < 1900 || fy > 9998)
        return folio_err_set(err, FOLIO_EUSAGE, "fiscal_year",
                             "%s: the file does not say its year: give the fiscal year (--fy)",
                             x->name);
    v->fiscal_year = fy;
    if (!v->effective_from[0]) {
        if (icd && name_has_april(x->name))
            folio_snprintf(v->effective_from, sizeof(v->effective_from), "%04d-04-01", fy);
        else if (icd)
            folio_snprintf(v->effective_from, sizeof(v->effective_from), "%04d-10-01", fy - 1);
        else
            folio_snprintf(v->effective_from, sizeof(v->effective_from), "%04d-01-01", fy);
    }

    /* an update: a version of this system whose period covers our start and began earlier
     * (a POA-exempt list updates only a POA-exempt list, and is never the base of a code set) */
    {
        const char *p[3] = {sys, v->effective_from, v->effective_from};
        rc = version_query(x->s,
                           o->kind == FOLIO_LOAD_POA_EXEMPT
                               ? "SELECT " VERSION_COLS " FROM code_set_version WHERE "
                                 "code_system = ? AND kind = 'poa-exempt' AND update_of IS NULL "
                                 "AND effective_from < ? AND (effective_to = '' OR effective_to "
                                 ">= ?) ORDER BY effective_from DESC, id DESC LIMIT 1"
                               : "SELECT " VERSION_COLS " FROM code_set_version WHERE "
                                 "code_system = ? AND kind <> 'poa-exempt' AND update_of IS NULL "
                                 "AND effective_from < ? AND (effective_to = '' OR effective_to "
                                 ">= ?) ORDER BY effective_from DESC, id DESC LIMIT 1",
                           p, 3, &base, &found, err);
        if (rc)
            return rc;
    }
    if (o->effective_to)
        folio_strlcpy(v->effective_to, o->effective_to, sizeof(v->effective_to));
    else if (found)
        folio_strlcpy(v->effective_to, base.effective_to, sizeof(v->effective_to));
    else if (icd)
        folio_snprintf(v->effective_to, sizeof(v->effective_to), "%04d-09-30", fy);
    else
        folio_snprintf(v->effective_to, sizeof(v->effective_to), "%04d-12-31", fy);
    if (v->effective_to[0] && strcmp(v->effective_to, v->effective_from) < 0)
        return folio_err_set(err, FOLIO_EINVAL, "effective_to",
                             "effective_to %s is before effective_from %s", v->effective_to,
                             v->effective_from);
    if (found) {
        v->update_of = base.id;
        v->fiscal_year = base.fiscal_year;
        x->res->is_update = true;
    }
    if (v->system == FOLIO_CS_HCPCS || v->system == FOLIO_CS_CPT)
        folio_snprintf(v->label, sizeof(v->label), "%s %d%s%s", v->system == FOLIO_CS_CPT ? "CPT" : "HCPCS",
                       v->fiscal_year, found ? " update " : "", found ? v->effective_from : "");
    else
        folio_snprintf(v->label, sizeof(v->label), "FY%d%s%s", v->fiscal_year,
                       found ? " update " : "", found ? v->effective_from : "");
    folio_time_now_utc(now);
    folio_strlcpy(v->loaded_at, now, sizeof(v->loaded_at));
    folio_strlcpy(v->loaded_by, o->loaded_by ? o->loaded_by : "system", sizeof(v->loaded_by));

    rc = folio_store_prepare(x->s,
                             "INSERT INTO code_set_version (kind, code_system, fiscal_year, label, "
                             "effective_from, effective_to, update_of, source_name, sha256, "
                             "loaded_at, loaded_by) VALUES (?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
                             &st, err);
    if (rc)
        return rc;
    if ((rc = folio_stmt_bind_text(st, 1, v->kind, (size_t)-1)) ||
        (rc = folio_stmt_bind_text(st, 2, sys, (size_t)-1)) ||
        (rc = folio_stmt_bind_i64(st, 3, v->fiscal_year)) ||
        (rc = folio_stmt_bind_text(st, 4, v->label, (size_t)-1)) ||
        (rc = folio_stmt_bind_text(st, 5, v->effective_from, (size_t)-1)) ||
        (rc = folio_stmt_bind_text(st, 6, v->effective_to, (size_t)-1)) ||
        (rc = found ? folio_stmt_bind_i64(st, 7, v->update_of) : folio_stmt_bind_null(st, 7)) ||
        (rc = folio_stmt_bind_text(st, 8, v->source_name, (size_t)-1)) ||
        (rc = folio_stmt_bind_text(st, 9, v->sha256, (size_t)-1)) ||
        (rc = folio_stmt_bind_text(st, 10, v->loaded_at, (size_t)-1)) ||
        (rc = folio_stmt_bind_text(st, 11, v->loaded_by, (size_t)-1))) {
        rc = folio_err_set(err, rc, NULL, "binding the version failed");
        goto out;
    }
    if ((rc = folio_stmt_step(st, &found, err)))
        goto out;
    v->id = folio_stmt_column_i64(st, 0);
    folio_stmt_free(st);
    st = NULL;
    if ((rc = folio_store_prepare(x->s,
                                  "INSERT INTO code (code_system, code, effective_from, "
                                  "effective_to, title, short_title, kind, billable, parent, "
                                  "version_id) VALUES (?,?,?,?,?,?,?,?,?,?) RETURNING id",
                                  &x->ins_code, err)) ||
        (rc = folio_store_prepare(x->s,
                                  "UPDATE code SET effective_to = ?, title = ?, short_title = ?, "
                                  "kind = ?, billable = ?, parent = ? WHERE id = ?",
                                  &x->upd_code, err)) ||
        (rc = folio_store_prepare(x->s,
                                  "INSERT INTO code_note (code_id, note_type, seq, extension, "
                                  "text, version_id) VALUES (?,?,?,?,?,?) ON CONFLICT (code_id, "
                                  "note_type, seq) DO NOTHING",
                                  &x->ins_note, err)))
        goto out;
out:
    folio_stmt_free(st);
    return rc;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    return b && b[1] ? b + 1 : path;
}

/* SHA-256 of a directory's MCE files, in a fixed order. */
static enum folio_rc mce_digest(const char *dir, char out[65], struct folio_err *err)
{
    static const char *const files[] = {"mce_i10_dx_master.tsv", "mce_i10_pr_master.tsv",
                                        "mce_age_ranges.tsv", "mce_discharge_status.tsv"};
    struct folio_buf all, one;
    enum folio_rc rc = FOLIO_OK;
    size_t i;
    char path[4096];
    folio_buf_init(&all, 0);
    folio_buf_init(&one, (size_t)256 << 20);
    for (i = 0; i < FOLIO_ARRAY_LEN(files); i++) {
        char h[65];
        if (!folio_snprintf(path, sizeof(path), "%s/%s", dir, files[i])) {
            rc = folio_err_set(err, FOLIO_EINVAL, "path", "path too long");
            goto out;
        }
        folio_buf_reset(&one);
        if ((rc = folio_buf_read_file(&one, path, err)))
            goto out;
        folio_sha256_hex(one.data, one.len, h);
        if ((rc = folio_buf_appendf(&all, "%s %s\n", h, files[i]))) {
            rc = folio_err_set(err, rc, NULL, "out of memory");
            goto out;
        }
    }
    folio_sha256_hex(all.data, all.len, out);
out:
    folio_buf_release(&all);
    folio_buf_release(&one);
    return rc;
}

enum folio_rc folio_codes_load(struct folio_store *s, const struct folio_codes_load_opts *opts,
                               struct folio_codes_load_result *res, struct folio_err *err)
{
    struct cl_ctx x;
    struct folio_buf file;
    enum folio_rc rc;
    bool in_tx = false, found = false;
    double t0 = now_s();
    struct stat sb;
    struct folio_codeset_version prev;

    memset(&x, 0, sizeof(x));
    memset(res, 0, sizeof(*res));
    folio_buf_init(&file, (size_t)512 << 20);
    folio_arena_init(&x.arena, (size_t)1 << 30);
    x.s = s;
    x.opts = opts;
    x.res = res;
    x.v = &res->version;
    if (!opts || !opts->path || !folio_codes_load_kind_name(opts->kind)) {
        rc = folio_err_set(err, FOLIO_EUSAGE, "kind", "a load needs a kind and a path");
        goto out;
    }
    x.name = base_name(opts->path);
    folio_strlcpy(x.v->kind, folio_codes_load_kind_name(opts->kind), sizeof(x.v->kind));
    x.v->system = kind_system(opts->kind);
    folio_strlcpy(x.v->source_name, x.name, sizeof(x.v->source_name));

    if (stat(opts->path, &sb) != 0) {
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "path", "%s: no such file or directory",
                           opts->path);
        goto out;
    }
    if (opts->kind == FOLIO_LOAD_MCE) {
        if (!S_ISDIR(sb.st_mode)) {
            rc = folio_err_set(err, FOLIO_EUSAGE, "path",
                               "%s: mce wants the directory of the MCE table files", opts->path);
            goto out;
        }
        if ((rc = mce_digest(opts->path, x.v->sha256, err)))
            goto out;
    } else {
        if ((rc = folio_buf_read_file(&file, opts->path, err)))
            goto out;
        if (file.len == 0) {
            rc = folio_err_set(err, FOLIO_EPARSE, x.name, "%s:1: the file is empty", x.name);
            goto out;
        }
        folio_sha256_hex(file.data, file.len, x.v->sha256);
    }

    /* the same file again: nothing to do */
    {
        const char *p[2] = {x.v->kind, x.v->sha256};
        if ((rc = version_query(s,
                                "SELECT " VERSION_COLS " FROM code_set_version WHERE kind = ? AND "
                                "sha256 = ?",
                                p, 2, &prev, &found, err)))
            goto out;
        if (found) {
            res->version = prev;
            res->already_loaded = true;
            res->is_update = prev.update_of != 0;
            goto out;
        }
    }

    if ((rc = folio_store_begin(s, err)))
        goto out;
    in_tx = true;
    switch (opts->kind) {
    case FOLIO_LOAD_ICD10CM_ORDER:
        rc = cl_load_order(&x, file.data, file.len, FOLIO_CS_ICD10CM, err);
        break;
    case FOLIO_LOAD_ICD10PCS_ORDER:
        rc = cl_load_order(&x, file.data, file.len, FOLIO_CS_ICD10PCS, err);
        break;
    case FOLIO_LOAD_ICD10CM_VALID:
        rc = cl_load_valid(&x, file.data, file.len, err);
        break;
    case FOLIO_LOAD_ICD10CM_TABULAR:
        rc = cl_load_tabular(&x, file.data, file.len, err);
        break;
    case FOLIO_LOAD_ICD10CM_INDEX:
        rc = cl_load_index(&x, file.data, file.len, err);
        break;
    case FOLIO_LOAD_ICD10PCS_TABLES:
        rc = cl_load_pcs_tables(&x, file.data, file.len, err);
        break;
    case FOLIO_LOAD_ICD10PCS_DEFINITIONS:
        rc = cl_load_pcs_defs(&x, file.data, file.len, err);
        break;
    case FOLIO_LOAD_HCPCS:
        rc = cl_load_hcpcs(&x, file.data, file.len, err);
        break;
    case FOLIO_LOAD_CPT:
        rc = cl_load_cpt(&x, file.data, file.len, err);
        break;
    case FOLIO_LOAD_MCE:
        rc = cl_load_mce(&x, opts->path, err);
        break;
    case FOLIO_LOAD_POA_EXEMPT:
        rc = cl_load_poa(&x, file.data, file.len, err);
        break;
    }
    if (rc)
        goto out;
    if (!x.v->id) {
        rc = folio_err_set(err, FOLIO_EPARSE, x.name, "%s: no records", x.name);
        goto out;
    }
    x.v->n_codes = res->n_added + res->n_changed;
    x.v->n_notes = x.n_notes;

    /* the same content under another file: nothing changed -> already loaded */
    if (opts->kind == FOLIO_LOAD_POA_EXEMPT) {
        /* a POA-exempt list writes no code rows: the loader compared the entries themselves */
        if (x.same_as) {
            char id[24];
            const char *p[1] = {id};
            folio_snprintf(id, sizeof(id), "%lld", (long long)x.same_as);
            if ((rc = version_query(s,
                                    "SELECT " VERSION_COLS " FROM code_set_version WHERE "
                                    "CAST(id AS TEXT) = ?",
                                    p, 1, &prev, &found, err)))
                goto out;
            folio_store_rollback(s);
            in_tx = false;
            if (found)
                res->version = prev;
            res->already_loaded = true;
            goto out;
        }
    } else if (res->n_added == 0 && res->n_changed == 0) {
        char fy[16];
        const char *p[4] = {x.v->kind, folio_code_system_name(x.v->system), x.v->effective_from,
                            fy};
        folio_snprintf(fy, sizeof(fy), "%lld", (long long)x.v->id);
        if (!p[1])
            p[1] = "mce";
        if ((rc = version_query(s,
                                "SELECT " VERSION_COLS " FROM code_set_version WHERE kind = ? AND "
                                "code_system = ? AND effective_from = ? AND CAST(id AS TEXT) <> ? "
                                "ORDER BY id DESC LIMIT 1",
                                p, 4, &prev, &found, err)))
            goto out;
        if (x.n_notes == 0 ||
            (found && prev.n_records == x.v->n_records && prev.n_notes == x.n_notes)) {
            folio_store_rollback(s);
            in_tx = false;
            if (found)
                res->version = prev;
            res->already_loaded = true;
            goto out;
        }
    }
    {
        struct folio_stmt *st = NULL;
        bool row;
        rc = folio_store_prepare(s,
                                 "UPDATE code_set_version SET n_records = ?, n_codes = ?, "
                                 "n_billable = ?, n_notes = ? WHERE id = ?",
                                 &st, err);
        if (rc)
            goto out;
        if ((rc = folio_stmt_bind_i64(st, 1, x.v->n_records)) ||
            (rc = folio_stmt_bind_i64(st, 2, x.v->n_codes)) ||
            (rc = folio_stmt_bind_i64(st, 3, x.v->n_billable)) ||
            (rc = folio_stmt_bind_i64(st, 4, x.v->n_notes)) ||
            (rc = folio_stmt_bind_i64(st, 5, x.v->id)))
            rc = folio_err_set(err, rc, NULL, "binding the version failed");
        else
            rc = folio_stmt_step(st, &row, err);
        folio_stmt_free(st);
        if (rc)
            goto out;
    }
    folio_stmt_free(x.ins_code);
    folio_stmt_free(x.upd_code);
    folio_stmt_free(x.ins_note);
    x.ins_code = x.upd_code = x.ins_note = NULL;
    if ((rc = folio_store_commit(s, err)))
        goto out;
    in_tx = false;
out:
    folio_stmt_free(x.ins_code);
    folio_stmt_free(x.upd_code);
    folio_stmt_free(x.ins_note);
    if (in_tx)
        folio_store_rollback(s);
    if (rc && res) {
        bool keep = res->version.sha256[0] != 0;
        char sha[65];
        folio_strlcpy(sha, res->version.sha256, sizeof(sha));
        res->n_added = res->n_changed = res->n_unchanged = 0;
        res->version.id = 0;
        if (keep)
            folio_strlcpy(res->version.sha256, sha, sizeof(res->version.sha256));
    }
    free(x.map.rows);
    folio_arena_release(&x.arena);
    folio_buf_release(&file);
    if (res)
        res->seconds = now_s() - t0;
    return rc;
}

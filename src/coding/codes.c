/* Code-set lookups: a code in force on a date, children, notes (with inherited ones), versions,
 * PCS builder choices, MCE attributes. */
#include "folio/base.h"
#include "folio/codes.h"

#include "coding/codes_int.h"

static const char *const sys_names[] = {NULL, "icd10cm", "icd10pcs", "hcpcs", "cpt"};

const char *folio_code_system_name(enum folio_code_system cs)
{
    if ((size_t)cs < 1 || (size_t)cs >= FOLIO_ARRAY_LEN(sys_names))
        return NULL;
    return sys_names[cs];
}

enum folio_rc folio_code_system_parse(const char *name, enum folio_code_system *out,
                                      struct folio_err *err)
{
    size_t i;
    for (i = 1; name && i < FOLIO_ARRAY_LEN(sys_names); i++)
        if (strcmp(name, sys_names[i]) == 0) {
            *out = (enum folio_code_system)i;
            return FOLIO_OK;
        }
    return folio_err_set(err, FOLIO_EINVAL, "system",
                         "system: \"%.20s\" is not icd10cm, icd10pcs, hcpcs or cpt",
                         name ? name : "");
}

static const char *const note_names[] = {NULL,        "includes",     "inclusionTerm",
                                         "excludes1", "excludes2",    "codeFirst",
                                         "useAdditionalCode", "codeAlso", "sevenChrNote",
                                         "sevenChrDef", "notes",      "definition"};

const char *folio_note_type_name(enum folio_note_type t)
{
    if ((size_t)t < 1 || (size_t)t >= FOLIO_ARRAY_LEN(note_names))
        return NULL;
    return note_names[t];
}

static enum folio_note_type note_type_from(const char *s)
{
    size_t i;
    for (i = 1; s && i < FOLIO_ARRAY_LEN(note_names); i++)
        if (strcmp(s, note_names[i]) == 0)
            return (enum folio_note_type)i;
    return FOLIO_NOTE_NOTES;
}

bool folio_codes_dotted(enum folio_code_system cs, const char *code, char *out, size_t cap)
{
    size_t n = strlen(code);
    if (cs == FOLIO_CS_ICD10CM && n > 3 && !strchr(code, '-'))
        return folio_snprintf(out, cap, "%.3s.%s", code, code + 3);
    return folio_strlcpy(out, code, cap);
}

enum folio_rc folio_codes_normalize(const char *in, char out[16], struct folio_err *err)
{
    size_t j = 0;
    const char *p;
    for (p = in ? in : ""; *p; p++) {
        char c = *p;
        if (c == '.' || c == ' ' || c == '\t')
            continue;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-') || j >= 15)
            return folio_err_set(err, FOLIO_EINVAL, "code", "code: \"%.20s\" is not a code",
                                 in ? in : "");
        out[j++] = c;
    }
    out[j] = '\0';
    if (j == 0)
        return folio_err_set(err, FOLIO_EINVAL, "code", "code: missing");
    return FOLIO_OK;
}

const char *folio_code_display_title(const struct folio_code *c)
{
    if (c && c->title && c->title[0])
        return c->title;
    if (c && c->short_title && c->short_title[0])
        return c->short_title;
    return "(no title in the loaded code set)";
}

/* Columns of a code row aliased c. A row without a title (a valid-code list) takes the title of
 * the newest earlier row of the same code that has one (columns 11, 12: which row it came from). */
#define CODE_COLS                                                                                  \
    "c.id, c.code_system, c.code, COALESCE(c.title, (SELECT t.title FROM code t WHERE "            \
    "t.code_system = c.code_system AND t.code = c.code AND t.title IS NOT NULL AND "               \
    "t.effective_from < c.effective_from ORDER BY t.effective_from DESC LIMIT 1)) AS title, "      \
    "c.short_title, c.kind, c.billable, c.parent, c.effective_from, c.effective_to, "              \
    "c.version_id, CASE WHEN c.title IS NULL THEN 1 ELSE 0 END AS untitled, (SELECT "              \
    "t.effective_from FROM code t WHERE t.code_system = c.code_system AND t.code = c.code AND "    \
    "t.title IS NOT NULL AND t.effective_from < c.effective_from ORDER BY t.effective_from DESC "  \
    "LIMIT 1) AS title_from"

static const char *const kind_names[] = {NULL,          "chapter", "section", "category",
                                         "subcategory", "code",    "modifier"};

static void code_from_row(struct folio_stmt *st, struct folio_arena *a, struct folio_code *c)
{
    size_t i;
    const char *k = folio_stmt_column_text(st, 5);
    enum folio_code_system cs = FOLIO_CS_ICD10CM;
    memset(c, 0, sizeof(*c));
    c->id = folio_stmt_column_i64(st, 0);
    if (folio_code_system_parse(folio_stmt_column_text(st, 1), &cs, NULL) != FOLIO_OK)
        cs = FOLIO_CS_ICD10CM;
    c->system = cs;
    folio_strlcpy(c->code, folio_stmt_column_text(st, 2), sizeof(c->code));
    c->title = folio_arena_strdup(a, folio_stmt_column_text(st, 3));
    c->short_title = folio_arena_strdup(a, folio_stmt_column_text(st, 4));
    c->kind = FOLIO_CODE_CODE;
    for (i = 1; k && i < FOLIO_ARRAY_LEN(kind_names); i++)
        if (strcmp(k, kind_names[i]) == 0)
            c->kind = (enum folio_code_kind)i;
    c->billable = folio_stmt_column_i64(st, 6) != 0;
    folio_strlcpy(c->parent, folio_stmt_column_text(st, 7), sizeof(c->parent));
    folio_strlcpy(c->effective_from, folio_stmt_column_text(st, 8), sizeof(c->effective_from));
    folio_strlcpy(c->effective_to, folio_stmt_column_text(st, 9), sizeof(c->effective_to));
    c->version_id = folio_stmt_column_i64(st, 10);
    if (folio_stmt_column_i64(st, 11) != 0 && c->title)
        folio_strlcpy(c->title_from, folio_stmt_column_text(st, 12), sizeof(c->title_from));
}

static bool has_date(const char *d)
{
    return d && d[0];
}

/* One row of (cs, code) in force on date, or the latest. */
static enum folio_rc get_row(struct folio_store *s, const char *sys, const char *code,
                             const char *date, struct folio_arena *a, struct folio_code *out,
                             bool *found, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    enum folio_rc rc;
    rc = folio_store_prepare(
        s,
        has_date(date)
            ? "SELECT " CODE_COLS " FROM code c WHERE code_system = ? AND code = ? AND "
              "effective_from <= ? AND (effective_to = '' OR effective_to >= ?) ORDER BY "
              "c.effective_from DESC LIMIT 1"
            : "SELECT " CODE_COLS " FROM code c WHERE code_system = ? AND code = ? ORDER BY "
              "c.effective_from DESC LIMIT 1",
        &st, err);
    if (rc)
        return rc;
    if ((rc = folio_stmt_bind_text(st, 1, sys, (size_t)-1)) ||
        (rc = folio_stmt_bind_text(st, 2, code, (size_t)-1)) ||
        (has_date(date) && ((rc = folio_stmt_bind_text(st, 3, date, (size_t)-1)) ||
                            (rc = folio_stmt_bind_text(st, 4, date, (size_t)-1))))) {
        rc = folio_err_set(err, rc, NULL, "binding a code lookup failed");
        goto out;
    }
    if ((rc = folio_stmt_step(st, found, err)))
        goto out;
    if (*found)
        code_from_row(st, a, out);
out:
    folio_stmt_free(st);
    return rc;
}

enum folio_rc folio_codes_get(struct folio_store *s, enum folio_code_system cs, const char *code,
                              const char *date, struct folio_arena *a, struct folio_code **out,
                              struct folio_err *err)
{
    char norm[16];
    enum folio_rc rc;
    bool found = false;
    struct folio_code *c;
    const char *sys = folio_code_system_name(cs);
    if (!sys)
        return folio_err_set(err, FOLIO_EINVAL, "system", "unknown code system");
    if ((rc = folio_codes_normalize(code, norm, err)))
        return rc;
    c = folio_arena_alloc(a, sizeof(*c));
    if (!c)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    if ((rc = get_row(s, sys, norm, date, a, c, &found, err)))
        return rc;
    if (!found)
        return folio_err_set(err, FOLIO_ENOTFOUND, "code",
                             "code: %s is not in the %s code set%s%s", norm, sys,
                             has_date(date) ? " in force on " : "", has_date(date) ? date : "");
    *out = c;
    return FOLIO_OK;
}

/* Runs a code query with text params and collects rows into an arena array. */
static enum folio_rc code_list(struct folio_store *s, const char *sql, const char *const *p,
                               int np, struct folio_arena *a, struct folio_code **out, size_t *n,
                               struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    enum folio_rc rc;
    bool row;
    size_t cap = 0;
    struct folio_code *v = NULL;
    int i;
    *n = 0;
    *out = NULL;
    if ((rc = folio_store_prepare(s, sql, &st, err)))
        return rc;
    for (i = 0; i < np; i++)
        if ((rc = folio_stmt_bind_text(st, i + 1, p[i], (size_t)-1))) {
            rc = folio_err_set(err, rc, NULL, "binding a code query failed");
            goto out;
        }
    while ((rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        {
            struct folio_code *nv =
                folio_arena_grow(a, v, *n, &cap, sizeof *nv, 16);
            if (!nv) {
                rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
                goto out;
            }
            v = nv;
        }
        code_from_row(st, a, &v[(*n)++]);
    }
    *out = v;
out:
    folio_stmt_free(st);
    return rc;
}

enum folio_rc folio_codes_children(struct folio_store *s, enum folio_code_system cs,
                                   const char *parent, const char *date, struct folio_arena *a,
                                   struct folio_code **out, size_t *n, struct folio_err *err)
{
    char norm[16] = "";
    enum folio_rc rc;
    const char *sys = folio_code_system_name(cs);
    if (!sys)
        return folio_err_set(err, FOLIO_EINVAL, "system", "unknown code system");
    if (parent && parent[0] && (rc = folio_codes_normalize(parent, norm, err)))
        return rc;
    if (has_date(date)) {
        const char *p[4] = {sys, norm, date, date};
        return code_list(s,
                         "SELECT " CODE_COLS " FROM code c WHERE code_system = ? AND parent = ? "
                         "AND effective_from <= ? AND (effective_to = '' OR effective_to >= ?) "
                         "ORDER BY c.code",
                         p, 4, a, out, n, err);
    } else {
        const char *p[2] = {sys, norm};
        /* the latest row per code: no later row of the same code exists */
        return code_list(s,
                         "SELECT " CODE_COLS " FROM code c WHERE code_system = ? AND parent = ? "
                         "AND NOT EXISTS (SELECT 1 FROM code d WHERE d.code_system = "
                         "c.code_system AND d.code = c.code AND d.effective_from > "
                         "c.effective_from) ORDER BY c.code",
                         p, 2, a, out, n, err);
    }
}

void folio_codes_note_refs(struct folio_sv t, char (*refs)[16], size_t cap, size_t *n)
{
    size_t i = 0;
    *n = 0;
    while (i < t.len && *n < cap) {
        /* a code: letter, digit, alnum (, '.', alnum...) */
        if (t.p[i] >= 'A' && t.p[i] <= 'Z' && i + 2 < t.len && t.p[i + 1] >= '0' &&
            t.p[i + 1] <= '9' &&
            ((t.p[i + 2] >= '0' && t.p[i + 2] <= '9') || (t.p[i + 2] >= 'A' && t.p[i + 2] <= 'Z')) &&
            (i == 0 || !((t.p[i - 1] >= 'A' && t.p[i - 1] <= 'Z') ||
                         (t.p[i - 1] >= 'a' && t.p[i - 1] <= 'z') ||
                         (t.p[i - 1] >= '0' && t.p[i - 1] <= '9')))) {
            char c[16];
            size_t j = 0, k = i;
            while (k < t.len && j < 8 &&
                   ((t.p[k] >= 'A' && t.p[k] <= 'Z') || (t.p[k] >= '0' && t.p[k] <= '9') ||
                    (t.p[k] == '.' && j == 3))) {
                if (t.p[k] != '.')
                    c[j++] = t.p[k];
                k++;
            }
            c[j] = '\0';
            if (j >= 3 && !(k < t.len && ((t.p[k] >= 'a' && t.p[k] <= 'z')))) {
                folio_strlcpy(refs[(*n)++], c, 16);
            }
            i = k;
            continue;
        }
        i++;
    }
}

static enum folio_rc notes_of(struct folio_store *s, const struct folio_code *c,
                              struct folio_arena *a, struct folio_code_note **v, size_t *n,
                              size_t *cap, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    enum folio_rc rc;
    bool row;
    rc = folio_store_prepare(s,
                             "SELECT note_type, extension, text FROM code_note WHERE code_id = ? "
                             "ORDER BY seq",
                             &st, err);
    if (rc)
        return rc;
    if ((rc = folio_stmt_bind_i64(st, 1, c->id))) {
        rc = folio_err_set(err, rc, NULL, "binding failed");
        goto out;
    }
    while ((rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        struct folio_code_note *nt;
        char refs[32][16];
        size_t nr;
        if (*n == *cap) {
            size_t nc = *cap ? *cap * 2 : 16;
            struct folio_code_note *nv = folio_arena_calloc(a, nc, sizeof(*nv));
            if (!nv) {
                rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
                goto out;
            }
            if (*n)
                memcpy(nv, *v, *n * sizeof(*nv));
            *v = nv;
            *cap = nc;
        }
        nt = &(*v)[(*n)++];
        nt->type = note_type_from(folio_stmt_column_text(st, 0));
        folio_strlcpy(nt->from_code, c->code, sizeof(nt->from_code));
        folio_strlcpy(nt->extension, folio_stmt_column_text(st, 1), sizeof(nt->extension));
        nt->text = folio_arena_strdup(a, folio_stmt_column_text(st, 2));
        if (!nt->text) {
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
            goto out;
        }
        folio_codes_note_refs(folio_sv_from(nt->text), refs, FOLIO_ARRAY_LEN(refs), &nr);
        if (nr) {
            nt->refs = folio_arena_calloc(a, nr, sizeof(*nt->refs));
            if (!nt->refs) {
                rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
                goto out;
            }
            memcpy(nt->refs, refs, nr * sizeof(refs[0]));
            nt->n_refs = nr;
        }
    }
out:
    folio_stmt_free(st);
    return rc;
}

enum folio_rc folio_codes_notes(struct folio_store *s, const struct folio_code *c, bool inherited,
                                struct folio_arena *a, struct folio_code_note **out, size_t *n,
                                struct folio_err *err)
{
    enum folio_rc rc;
    size_t cap = 0;
    int depth = 0;
    struct folio_code cur = *c;
    const char *date = c->effective_from;
    *out = NULL;
    *n = 0;
    if ((rc = notes_of(s, c, a, out, n, &cap, err)))
        return rc;
    while (inherited && cur.parent[0] && depth++ < 16) {
        bool found = false;
        char parent[16];
        folio_strlcpy(parent, cur.parent, sizeof(parent));
        if ((rc = get_row(s, folio_code_system_name(c->system), parent, date, a, &cur, &found,
                          err)))
            return rc;
        if (!found && (rc = get_row(s, folio_code_system_name(c->system), parent, NULL, a, &cur,
                                    &found, err)))
            return rc;
        if (!found)
            break;
        if ((rc = notes_of(s, &cur, a, out, n, &cap, err)))
            return rc;
    }
    return FOLIO_OK;
}

enum folio_rc folio_codes_each(struct folio_store *s, enum folio_code_system cs, const char *date,
                               folio_codes_visit_fn fn, void *ctx, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct folio_arena a;
    enum folio_rc rc;
    bool row;
    const char *sys = folio_code_system_name(cs);
    if (!sys)
        return folio_err_set(err, FOLIO_EINVAL, "system", "unknown code system");
    folio_arena_init(&a, 0);
    rc = folio_store_prepare(
        s,
        has_date(date)
            ? "SELECT " CODE_COLS " FROM code c WHERE code_system = ? AND effective_from <= ? AND "
              "(effective_to = '' OR effective_to >= ?) ORDER BY c.code"
            : "SELECT " CODE_COLS " FROM code c WHERE code_system = ? AND NOT EXISTS (SELECT 1 "
              "FROM code d WHERE d.code_system = c.code_system AND d.code = c.code AND "
              "d.effective_from > c.effective_from) ORDER BY c.code",
        &st, err);
    if (rc)
        goto out;
    if ((rc = folio_stmt_bind_text(st, 1, sys, (size_t)-1)) ||
        (has_date(date) && ((rc = folio_stmt_bind_text(st, 2, date, (size_t)-1)) ||
                            (rc = folio_stmt_bind_text(st, 3, date, (size_t)-1))))) {
        rc = folio_err_set(err, rc, NULL, "binding failed");
        goto out;
    }
    while ((rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        struct folio_code c;
        int r;
        code_from_row(st, &a, &c);
        r = fn(ctx, &c);
        folio_arena_release(&a);
        if (r) {
            rc = (enum folio_rc)r;
            goto out;
        }
    }
out:
    folio_stmt_free(st);
    folio_arena_release(&a);
    return rc;
}

enum folio_rc folio_codes_each_term(struct folio_store *s, enum folio_code_system cs,
                                    const char *date, folio_codes_term_fn fn, void *ctx,
                                    struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    enum folio_rc rc;
    bool row;
    int pass;
    const char *sys = folio_code_system_name(cs);
    const char *d = has_date(date) ? date : "9999-12-31";
    if (!sys)
        return folio_err_set(err, FOLIO_EINVAL, "system", "unknown code system");
    for (pass = 0; pass < 2; pass++) {
        rc = folio_store_prepare(
            s,
            pass == 0
                ? "SELECT c.code, n.text FROM code_note n JOIN code c ON c.id = n.code_id WHERE "
                  "c.code_system = ? AND n.note_type = 'inclusionTerm' AND c.effective_from <= ? "
                  "AND (c.effective_to = '' OR c.effective_to >= ? OR ? = '9999-12-31') ORDER BY "
                  "c.code, n.seq"
                : "SELECT t.code, t.term FROM code_index_term t JOIN code_set_version v ON v.id "
                  "= t.version_id WHERE t.code_system = ? AND t.code <> '' AND v.effective_from "
                  "<= ? AND (v.effective_to = '' OR v.effective_to >= ? OR ? = '9999-12-31') "
                  "ORDER BY t.seq",
            &st, err);
        if (rc)
            return rc;
        if ((rc = folio_stmt_bind_text(st, 1, sys, (size_t)-1)) ||
            (rc = folio_stmt_bind_text(st, 2, d, (size_t)-1)) ||
            (rc = folio_stmt_bind_text(st, 3, d, (size_t)-1)) ||
            (rc = folio_stmt_bind_text(st, 4, d, (size_t)-1))) {
            rc = folio_err_set(err, rc, NULL, "binding failed");
            goto out;
        }
        while ((rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
            int r = fn(ctx, folio_stmt_column_text(st, 0), folio_stmt_column_text(st, 1),
                       pass == 0 ? "inclusion" : "index");
            if (r) {
                rc = (enum folio_rc)r;
                goto out;
            }
        }
        if (rc)
            goto out;
        folio_stmt_free(st);
        st = NULL;
    }
out:
    folio_stmt_free(st);
    return rc;
}

/* ---- versions ---- */

#define VERSION_COLS                                                                               \
    "id, kind, code_system, fiscal_year, label, effective_from, effective_to, "                    \
    "COALESCE(update_of, 0), source_name, sha256, loaded_at, loaded_by, n_records, n_codes, "      \
    "n_billable, n_notes"

static enum folio_rc version_list(struct folio_store *s, const char *sql, const char *const *p,
                                  int np, struct folio_arena *a, struct folio_codeset_version **out,
                                  size_t *n, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    enum folio_rc rc;
    bool row;
    size_t cap = 0;
    int i;
    *out = NULL;
    *n = 0;
    if ((rc = folio_store_prepare(s, sql, &st, err)))
        return rc;
    for (i = 0; i < np; i++)
        if ((rc = folio_stmt_bind_text(st, i + 1, p[i], (size_t)-1))) {
            rc = folio_err_set(err, rc, NULL, "binding failed");
            goto out;
        }
    while ((rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        struct folio_codeset_version *v;
        enum folio_code_system cs = (enum folio_code_system)0;
        {
            struct folio_codeset_version *nv =
                folio_arena_grow(a, *out, *n, &cap, sizeof *nv, 16);
            if (!nv) {
                rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
                goto out;
            }
            *out = nv;
        }
        v = &(*out)[(*n)++];
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
out:
    folio_stmt_free(st);
    return rc;
}

enum folio_rc folio_codes_versions(struct folio_store *s, struct folio_arena *a,
                                   struct folio_codeset_version **out, size_t *n,
                                   struct folio_err *err)
{
    return version_list(s,
                        "SELECT " VERSION_COLS " FROM code_set_version ORDER BY code_system, "
                        "effective_from, id",
                        NULL, 0, a, out, n, err);
}

enum folio_rc folio_codes_versions_in_force(struct folio_store *s, enum folio_code_system cs,
                                            const char *date, struct folio_arena *a,
                                            struct folio_codeset_version **out, size_t *n,
                                            struct folio_err *err)
{
    const char *sys = folio_code_system_name(cs);
    const char *p[3] = {sys, date, date};
    enum folio_rc rc;
    if (!sys || !cl_is_date(date))
        return folio_err_set(err, FOLIO_EINVAL, "date", "date: \"%.20s\" is not YYYY-MM-DD",
                             date ? date : "");
    rc = version_list(s,
                      "SELECT " VERSION_COLS " FROM code_set_version WHERE code_system = ? AND "
                      "effective_from <= ? AND (effective_to = '' OR effective_to >= ?) ORDER BY "
                      "effective_from DESC, id DESC",
                      p, 3, a, out, n, err);
    if (!rc && *n == 0)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "date", "no %s code set is in force on %s", sys,
                           date);
    return rc;
}

/* ---- PCS builder ---- */

enum folio_rc folio_codes_pcs_next(struct folio_store *s, const char *prefix, const char *date,
                                   struct folio_arena *a, struct folio_pcs_choice **out, size_t *n,
                                   struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    enum folio_rc rc;
    bool row;
    size_t plen = prefix ? strlen(prefix) : 0, cap = 0;
    char like[16];
    const char *d = has_date(date) ? date : "9999-12-31";
    *out = NULL;
    *n = 0;
    if (plen > 6)
        return folio_err_set(err, FOLIO_EINVAL, "prefix", "prefix: \"%.10s\" is complete already",
                             prefix);
    /* the next character of every code in force that starts with prefix, with the label of
     * that position from the table row the code comes from */
    folio_snprintf(like, sizeof(like), "%s%%", prefix ? prefix : "");
    rc = folio_store_prepare(
        s,
        "SELECT DISTINCT v.value, v.label, v.definition, v.axis_title FROM pcs_value v JOIN "
        "code_set_version sv ON sv.id = v.version_id WHERE v.pos = ? AND v.pcs_table LIKE ? "
        "AND sv.effective_from <= ? AND (sv.effective_to = '' OR sv.effective_to >= ? OR ? = "
        "'9999-12-31') AND EXISTS (SELECT 1 FROM code c WHERE c.code_system = 'icd10pcs' AND "
        "c.billable = 1 AND c.code LIKE ? AND SUBSTR(c.code, ?, 1) = v.value AND (v.row_no = 0 "
        "OR SUBSTR(c.code, 1, 3) = v.pcs_table)) ORDER BY v.value",
        &st, err);
    if (rc)
        return rc;
    {
        char tlike[8];
        folio_snprintf(tlike, sizeof(tlike), "%.3s%s", prefix ? prefix : "", plen >= 3 ? "" : "%");
        if ((rc = folio_stmt_bind_i64(st, 1, (int64_t)plen + 1)) ||
            (rc = folio_stmt_bind_text(st, 2, tlike, (size_t)-1)) ||
            (rc = folio_stmt_bind_text(st, 3, d, (size_t)-1)) ||
            (rc = folio_stmt_bind_text(st, 4, d, (size_t)-1)) ||
            (rc = folio_stmt_bind_text(st, 5, d, (size_t)-1)) ||
            (rc = folio_stmt_bind_text(st, 6, like, (size_t)-1)) ||
            (rc = folio_stmt_bind_i64(st, 7, (int64_t)plen + 1))) {
            rc = folio_err_set(err, rc, NULL, "binding failed");
            goto out;
        }
    }
    while ((rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        const char *v = folio_stmt_column_text(st, 0);
        struct folio_pcs_choice *ch;
        if (*n && (*out)[*n - 1].value == v[0])
            continue; /* one entry per character */
        {
            struct folio_pcs_choice *nv =
                folio_arena_grow(a, *out, *n, &cap, sizeof *nv, 16);
            if (!nv) {
                rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
                goto out;
            }
            *out = nv;
        }
        ch = &(*out)[(*n)++];
        ch->value = v[0];
        ch->label = folio_arena_strdup(a, folio_stmt_column_text(st, 1));
        ch->definition = folio_arena_strdup(a, folio_stmt_column_text(st, 2));
        ch->axis_title = folio_arena_strdup(a, folio_stmt_column_text(st, 3));
    }
out:
    folio_stmt_free(st);
    return rc;
}

enum folio_rc folio_codes_mce_attrs(struct folio_store *s, enum folio_code_system cs,
                                    const char *code, const char *date, struct folio_arena *a,
                                    char **out, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    enum folio_rc rc;
    bool row;
    char norm[16];
    const char *sys = folio_code_system_name(cs);
    if (!sys || !cl_is_date(date))
        return folio_err_set(err, FOLIO_EINVAL, "date", "date: \"%.20s\" is not YYYY-MM-DD",
                             date ? date : "");
    if ((rc = folio_codes_normalize(code, norm, err)))
        return rc;
    rc = folio_store_prepare(s,
                             "SELECT attributes FROM mce_code WHERE code_system = ? AND code = ? "
                             "AND effective_from <= ? AND effective_to >= ? ORDER BY "
                             "version_id DESC LIMIT 1",
                             &st, err);
    if (rc)
        return rc;
    if ((rc = folio_stmt_bind_text(st, 1, sys, (size_t)-1)) ||
        (rc = folio_stmt_bind_text(st, 2, norm, (size_t)-1)) ||
        (rc = folio_stmt_bind_text(st, 3, date, (size_t)-1)) ||
        (rc = folio_stmt_bind_text(st, 4, date, (size_t)-1))) {
        rc = folio_err_set(err, rc, NULL, "binding failed");
        goto out;
    }
    if ((rc = folio_stmt_step(st, &row, err)))
        goto out;
    if (!row) {
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "code", "code: %s is not in the MCE tables on %s",
                           norm, date);
        goto out;
    }
    *out = folio_arena_strdup(a, folio_stmt_column_text(st, 0) ? folio_stmt_column_text(st, 0) : "");
    if (!*out)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
out:
    folio_stmt_free(st);
    return rc;
}

/* ---- POA-exempt lists ---- */

enum folio_rc folio_codes_poa_list(struct folio_store *s, const char *date,
                                   struct folio_codeset_version *out, struct folio_err *err)
{
    struct folio_arena a;
    struct folio_codeset_version *v = NULL;
    size_t n = 0;
    const char *p[2] = {date, date};
    enum folio_rc rc;

    if (!cl_is_date(date))
        return folio_err_set(err, FOLIO_EINVAL, "date", "date: \"%.20s\" is not YYYY-MM-DD",
                             date ? date : "");
    folio_arena_init(&a, 0);
    rc = version_list(s,
                      "SELECT " VERSION_COLS " FROM code_set_version WHERE kind = 'poa-exempt' "
                      "AND effective_from <= ? AND (effective_to = '' OR effective_to >= ?) "
                      "ORDER BY effective_from DESC, id DESC LIMIT 1",
                      p, 2, &a, &v, &n, err);
    if (!rc && n == 0)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "date", "no POA-exempt list is loaded for %s",
                           date);
    if (!rc)
        *out = v[0];
    folio_arena_release(&a);
    return rc;
}

enum folio_rc folio_codes_poa_exempt(struct folio_store *s, int64_t list_id, const char *code,
                                     bool *exempt, char entry[24], struct folio_err *err)
{
    char norm[16], pre[5][8];
    struct folio_stmt *st = NULL;
    enum folio_rc rc;
    bool row;
    size_t len, i;

    *exempt = false;
    if (entry)
        entry[0] = '\0';
    if ((rc = folio_codes_normalize(code, norm, err)))
        return rc;
    len = strlen(norm);
    if (len < 3 || len > 7)
        return FOLIO_OK; /* no ICD-10-CM code: on no list */
    /* the code and its prefixes down to the category: an entry equal to one of them */
    for (i = 0; i < 5; i++) {
        size_t l = 3 + i < len ? 3 + i : len;
        memcpy(pre[i], norm, l);
        pre[i][l] = '\0';
    }
    /* an entry equal to the code or one of its prefixes, or a range covering it: the code is
     * at or after the range's start, and its first LENGTH(code_to) characters not after its end */
    rc = folio_store_prepare(s,
                             "SELECT entry_kind, code_from, code_to FROM poa_exempt WHERE "
                             "version_id = ? AND ((entry_kind = 'code' AND code_from IN (?, ?, ?, "
                             "?, ?)) OR (entry_kind = 'range' AND code_from <= ? AND LENGTH(code_to) <= "
                             "? AND code_to >= SUBSTR(?, 1, LENGTH(code_to)))) ORDER BY entry_kind, "
                             "LENGTH(code_from) DESC LIMIT 1",
                             &st, err);
    if (rc)
        return rc;
    rc = folio_stmt_bind_i64(st, 1, list_id);
    for (i = 0; i < 5 && !rc; i++)
        rc = folio_stmt_bind_text(st, (int)i + 2, pre[i], (size_t)-1);
    if (!rc)
        rc = folio_stmt_bind_text(st, 7, norm, (size_t)-1);
    if (!rc)
        rc = folio_stmt_bind_i64(st, 8, (int64_t)len);
    if (!rc)
        rc = folio_stmt_bind_text(st, 9, norm, (size_t)-1);
    if (rc) {
        rc = folio_err_set(err, rc, NULL, "binding failed");
        goto out;
    }
    if ((rc = folio_stmt_step(st, &row, err)))
        goto out;
    if (row) {
        const char *k = folio_stmt_column_text(st, 0);
        *exempt = true;
        if (entry && k && strcmp(k, "range") == 0)
            folio_snprintf(entry, 24, "%s-%s", folio_stmt_column_text(st, 1),
                           folio_stmt_column_text(st, 2));
        else if (entry)
            folio_strlcpy(entry, folio_stmt_column_text(st, 1), 24);
    }
out:
    folio_stmt_free(st);
    return rc;
}

/* POA-exempt lists (load kind "poa-exempt", docs/codesets.md): the ICD-10-CM codes exempt from
 * present-on-admission reporting, as CMS publishes them each year on its Hospital-Acquired
 * Conditions / POA page (POAexemptCodesYYYY.txt: tab-delimited order number, code, long title,
 * with a header line) or written by hand from the ICD-10-CM Official Guidelines, Appendix I
 * (one code, category or range per line). */
#include "folio/base.h"
#include "folio/codes.h"

#include "coding/codes_int.h"

static bool is_alnum_up(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
}

static struct folio_sv unquote(struct folio_sv s)
{
    s = folio_sv_trim(s);
    if (s.len >= 2 && s.p[0] == '"' && s.p[s.len - 1] == '"')
        s = folio_sv_trim((struct folio_sv){s.p + 1, s.len - 2});
    return s;
}

static bool all_digits(struct folio_sv s)
{
    for (size_t i = 0; i < s.len; i++)
        if (s.p[i] < '0' || s.p[i] > '9')
            return false;
    return s.len > 0;
}

/* One end of an entry: dots dropped, upper-cased, a trailing "-" (category marker) dropped;
 * a letter, a digit, then 1-5 letters or digits. */
static bool one_code(struct folio_sv s, char out[8])
{
    size_t j = 0;

    while (s.len > 0 && s.p[s.len - 1] == '-')
        s.len--;
    while (s.len > 0 && s.p[s.len - 1] == '.')
        s.len--;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.p[i];
        if (c == '.')
            continue;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (!is_alnum_up(c) || j >= 7)
            return false;
        out[j++] = c;
    }
    out[j] = '\0';
    return j >= 3 && out[0] >= 'A' && out[0] <= 'Z' && out[1] >= '0' && out[1] <= '9';
}

enum folio_rc folio_codes_parse_poa_line(struct folio_sv line, struct folio_codes_poa_rec *out,
                                         struct folio_err *err)
{
    struct folio_sv code, desc = {"", 0}, rest;
    const char *dash;

    memset(out, 0, sizeof *out);
    out->description = desc;
    line = folio_sv_trim(line);
    if (memchr(line.p, '\t', line.len)) {
        struct folio_sv f[3], h;
        size_t n = 0;
        rest = line;
        while (n < 3 && folio_sv_next_field(&rest, '\t', &h))
            f[n++] = unquote(h);
        if (rest.p) /* more fields: the description had tabs; keep them in it */
            f[n - 1].len = (size_t)(line.p + line.len - f[n - 1].p);
        if (n >= 2 && all_digits(f[0])) { /* CMS: order number, code, description */
            code = f[1];
            if (n == 3)
                desc = f[2];
        } else {
            code = f[0];
            if (n >= 2)
                desc = (struct folio_sv){f[1].p, (size_t)(line.p + line.len - f[1].p)};
        }
    } else {
        size_t i = 0;
        while (i < line.len && line.p[i] != ' ')
            i++;
        code = (struct folio_sv){line.p, i};
        desc = folio_sv_trim((struct folio_sv){line.p + i, line.len - i});
        if (all_digits(code) && desc.len > 0) { /* order number, code, description */
            rest = desc;
            for (i = 0; i < rest.len && rest.p[i] != ' '; i++)
                ;
            code = (struct folio_sv){rest.p, i};
            desc = folio_sv_trim((struct folio_sv){rest.p + i, rest.len - i});
        }
    }
    code = unquote(code);
    /* a range "V00-V09": a dash with a code after it (a trailing dash is a category marker) */
    dash = code.len > 1 ? memchr(code.p + 1, '-', code.len - 1) : NULL;
    while (dash && (size_t)(dash - code.p) + 1 < code.len && dash[1] == '-')
        dash++;
    if (dash && (size_t)(dash - code.p) + 1 < code.len && dash[1] != '.') {
        struct folio_sv lo = {code.p, (size_t)(dash - code.p)};
        struct folio_sv hi = {dash + 1, code.len - (size_t)(dash - code.p) - 1};
        if (!one_code(lo, out->from) || !one_code(hi, out->to))
            return folio_err_set(err, FOLIO_EPARSE, "code",
                                 "\"%.*s\" is not an ICD-10-CM code range (e.g. V00-V09)",
                                 (int)(code.len > 40 ? 40 : code.len), code.p);
        if (strlen(out->from) != strlen(out->to) || strcmp(out->from, out->to) > 0)
            return folio_err_set(err, FOLIO_EPARSE, "code",
                                 "range \"%.*s\": both ends must have the same length, the "
                                 "first not after the second",
                                 (int)(code.len > 40 ? 40 : code.len), code.p);
    } else {
        if (!one_code(code, out->from))
            return folio_err_set(err, FOLIO_EPARSE, "code",
                                 "\"%.*s\" is not an ICD-10-CM code, category or range",
                                 (int)(code.len > 40 ? 40 : code.len), code.p);
        folio_strlcpy(out->to, out->from, sizeof out->to);
    }
    out->description = folio_sv_trim(desc);
    return FOLIO_OK;
}

/* CMS's header line names its columns ("Order2021<TAB>POAexemptCode<TAB>Description"). */
static bool is_header(struct folio_sv line)
{
    static const char key[] = "poaexemptcode";
    size_t k = sizeof key - 1;

    for (size_t i = 0; i + k <= line.len; i++) {
        size_t j = 0;
        while (j < k && (line.p[i + j] | 0x20) == key[j])
            j++;
        if (j == k)
            return true;
    }
    return false;
}

/* An earlier version of the same kind and period with exactly these entries: its id, else 0. */
static enum folio_rc same_entries(struct cl_ctx *x, int64_t *same, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    enum folio_rc rc;
    bool row;
    int64_t cand[16];
    size_t nc = 0;

    *same = 0;
    rc = folio_store_prepare(x->s,
                             "SELECT id FROM code_set_version WHERE kind = 'poa-exempt' AND "
                             "effective_from = ? AND id <> ? ORDER BY id DESC",
                             &st, err);
    if (rc)
        return rc;
    if ((rc = folio_stmt_bind_text(st, 1, x->v->effective_from, (size_t)-1)) ||
        (rc = folio_stmt_bind_i64(st, 2, x->v->id))) {
        rc = folio_err_set(err, rc, NULL, "binding a version query failed");
        goto out;
    }
    while ((rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row && nc < FOLIO_ARRAY_LEN(cand))
        cand[nc++] = folio_stmt_column_i64(st, 0);
    folio_stmt_free(st);
    st = NULL;
    if (rc)
        return rc;
    for (size_t i = 0; i < nc && !*same; i++) {
        int64_t p[4] = {x->v->id, cand[i], cand[i], x->v->id}, diff = 0;
        bool found = false;
        rc = folio_store_query_i64(
            x->s,
            "SELECT (SELECT COUNT(*) FROM poa_exempt a WHERE a.version_id = ? AND NOT EXISTS "
            "(SELECT 1 FROM poa_exempt b WHERE b.version_id = ? AND b.entry_kind = a.entry_kind "
            "AND b.code_from = a.code_from AND b.code_to = a.code_to)) + (SELECT COUNT(*) FROM "
            "poa_exempt a WHERE a.version_id = ? AND NOT EXISTS (SELECT 1 FROM poa_exempt b "
            "WHERE b.version_id = ? AND b.entry_kind = a.entry_kind AND b.code_from = "
            "a.code_from AND b.code_to = a.code_to))",
            p, 4, &diff, &found, err);
        if (rc)
            return rc;
        if (found && diff == 0)
            *same = cand[i];
    }
out:
    folio_stmt_free(st);
    return rc;
}

enum folio_rc cl_load_poa(struct cl_ctx *x, const char *data, size_t len, struct folio_err *err)
{
    const char *p = data, *end = data + len;
    struct folio_sv line;
    struct folio_stmt *st = NULL;
    long lineno = 0;
    bool data_seen = false;
    enum folio_rc rc = FOLIO_OK;

    while (cl_next_line(&p, end, &line)) {
        struct folio_codes_poa_rec r;
        bool row;
        lineno++;
        if (lineno == 1 && line.len >= 3 && (unsigned char)line.p[0] == 0xEF &&
            (unsigned char)line.p[1] == 0xBB && (unsigned char)line.p[2] == 0xBF)
            line = (struct folio_sv){line.p + 3, line.len - 3};
        line = folio_sv_trim(line);
        if (line.len == 0 || line.p[0] == '#')
            continue;
        if (!data_seen && is_header(line))
            continue;
        if ((rc = folio_codes_parse_poa_line(line, &r, err))) {
            folio_err_prefix(err, "%s:%ld", x->name, lineno);
            goto fail;
        }
        data_seen = true;
        if (!x->v->id) {
            if ((rc = cl_begin_version(x, err)))
                goto out;
            if ((rc = folio_store_prepare(x->s,
                                          "INSERT INTO poa_exempt (version_id, entry_kind, "
                                          "code_from, code_to, description, line_no) VALUES "
                                          "(?,?,?,?,?,?) ON CONFLICT (version_id, entry_kind, "
                                          "code_from, code_to) DO NOTHING",
                                          &st, err)))
                goto out;
        }
        if ((rc = folio_stmt_bind_i64(st, 1, x->v->id)) ||
            (rc = folio_stmt_bind_text(st, 2, strcmp(r.from, r.to) ? "range" : "code",
                                       (size_t)-1)) ||
            (rc = folio_stmt_bind_text(st, 3, r.from, (size_t)-1)) ||
            (rc = folio_stmt_bind_text(st, 4, r.to, (size_t)-1)) ||
            (rc = folio_stmt_bind_text(st, 5, r.description.p, r.description.len)) ||
            (rc = folio_stmt_bind_i64(st, 6, lineno))) {
            rc = folio_err_set(err, rc, NULL, "%s:%ld: binding failed", x->name, lineno);
            goto fail;
        }
        if ((rc = folio_stmt_step(st, &row, err))) {
            folio_err_prefix(err, "%s:%ld", x->name, lineno);
            goto fail;
        }
        x->n_notes += folio_stmt_changes(st);
        if ((rc = folio_stmt_reset(st, err)))
            goto out;
        x->v->n_records++;
    }
    if (len > 0 && data[len - 1] != '\n') {
        rc = folio_err_set(err, FOLIO_EPARSE, x->name,
                           "%s:%ld: the last line has no line break: the file is truncated",
                           x->name, lineno);
        goto fail;
    }
    if (x->v->id)
        rc = same_entries(x, &x->same_as, err);
    goto out;
fail:
    if (err && !strchr(err->field, ':'))
        folio_snprintf(err->field, sizeof(err->field), "%s:%ld", x->name, lineno);
out:
    folio_stmt_free(st);
    return rc;
}

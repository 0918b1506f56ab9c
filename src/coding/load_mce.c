/* The MCE edit tables (a directory: mce_i10_dx_master.tsv, mce_i10_pr_master.tsv,
 * mce_age_ranges.tsv, mce_discharge_status.tsv; tab-separated with a header line, as read out
 * of the CMS MCE release: docs/codesets.md). */
#include "folio/base.h"
#include "folio/codes.h"

#include "coding/codes_int.h"

struct mce_file {
    const char *name;
    const char *header;
    int ncols;
};

static const struct mce_file mce_files[] = {
    {"mce_i10_dx_master.tsv", "code\teffective_from\teffective_to\tmce_attributes", 4},
    {"mce_i10_pr_master.tsv", "code\teffective_from\teffective_to\tmce_attributes", 4},
    {"mce_age_ranges.tsv", "key\tstart_age\tend_age\teffective_from\teffective_to", 5},
    {"mce_discharge_status.tsv", "key\teffective_from\teffective_to\trow", 4},
};

static const char *const mce_sql[] = {
    "INSERT INTO mce_code (version_id, code_system, code, effective_from, effective_to, "
    "attributes) VALUES (?, 'icd10cm', ?, ?, ?, ?)",
    "INSERT INTO mce_code (version_id, code_system, code, effective_from, effective_to, "
    "attributes) VALUES (?, 'icd10pcs', ?, ?, ?, ?)",
    "INSERT INTO mce_age_range (version_id, age_key, start_age, end_age, effective_from, "
    "effective_to) VALUES (?, ?, ?, ?, ?, ?)",
    "INSERT INTO mce_discharge_status (version_id, status, effective_from, effective_to) "
    "VALUES (?, ?, ?, ?)",
};

static enum folio_rc mce_one(struct cl_ctx *x, const char *dir, size_t fi, struct folio_err *err)
{
    const struct mce_file *f = &mce_files[fi];
    struct folio_buf b;
    struct folio_stmt *st = NULL;
    char path[4096];
    const char *p, *end;
    struct folio_sv line;
    long lineno = 0;
    enum folio_rc rc;

    folio_buf_init(&b, (size_t)256 << 20);
    folio_snprintf(path, sizeof(path), "%s/%s", dir, f->name);
    if ((rc = folio_buf_read_file(&b, path, err)))
        goto out;
    if ((rc = folio_store_prepare(x->s, mce_sql[fi], &st, err)))
        goto out;
    p = b.data;
    end = b.data + b.len;
    while (cl_next_line(&p, end, &line)) {
        struct folio_sv flds[6], rest = line, h;
        int n = 0;
        bool row;
        char d1[11], d2[11];
        lineno++;
        if (lineno == 1) {
            if (!folio_sv_eq_cstr(line, f->header)) {
                rc = folio_err_set(err, FOLIO_EPARSE, f->name,
                                   "%s:1: the header is not \"%s\": not the MCE table file",
                                   f->name, f->header);
                goto out;
            }
            continue;
        }
        if (line.len == 0 && p >= end)
            break;
        while (n < 6 && folio_sv_next_field(&rest, '\t', &h))
            flds[n++] = h;
        if (n != f->ncols || rest.p) {
            rc = folio_err_set(err, FOLIO_EPARSE, f->name, "%s:%ld: %d fields, expected %d",
                               f->name, lineno, n, f->ncols);
            goto out;
        }
        rc = FOLIO_OK;
        if (fi < 2) {
            if (flds[0].len < 3 || flds[0].len > 7 ||
                !cl_is_date(folio_arena_sv(&x->arena, flds[1])) ||
                !cl_is_date(folio_arena_sv(&x->arena, flds[2]))) {
                rc = folio_err_set(err, FOLIO_EPARSE, f->name,
                                   "%s:%ld: expected a code and two dates YYYY-MM-DD", f->name,
                                   lineno);
                goto out;
            }
            folio_snprintf(d1, sizeof(d1), "%.*s", (int)flds[1].len, flds[1].p);
            folio_snprintf(d2, sizeof(d2), "%.*s", (int)flds[2].len, flds[2].p);
            if (folio_stmt_bind_i64(st, 1, x->v->id) ||
                folio_stmt_bind_text(st, 2, flds[0].p, flds[0].len) ||
                folio_stmt_bind_text(st, 3, d1, (size_t)-1) ||
                folio_stmt_bind_text(st, 4, d2, (size_t)-1) ||
                folio_stmt_bind_text(st, 5, flds[3].p, flds[3].len))
                rc = FOLIO_ENOMEM;
        } else if (fi == 2) {
            int64_t a1, a2;
            folio_snprintf(d1, sizeof(d1), "%.*s", (int)flds[3].len, flds[3].p);
            folio_snprintf(d2, sizeof(d2), "%.*s", (int)flds[4].len, flds[4].p);
            if (folio_sv_to_i64(flds[1], &a1) || folio_sv_to_i64(flds[2], &a2) ||
                !cl_is_date(d1) || !cl_is_date(d2)) {
                rc = folio_err_set(err, FOLIO_EPARSE, f->name,
                                   "%s:%ld: expected key, two ages and two dates", f->name, lineno);
                goto out;
            }
            if (folio_stmt_bind_i64(st, 1, x->v->id) ||
                folio_stmt_bind_text(st, 2, flds[0].p, flds[0].len) ||
                folio_stmt_bind_i64(st, 3, a1) || folio_stmt_bind_i64(st, 4, a2) ||
                folio_stmt_bind_text(st, 5, d1, (size_t)-1) ||
                folio_stmt_bind_text(st, 6, d2, (size_t)-1))
                rc = FOLIO_ENOMEM;
        } else {
            folio_snprintf(d1, sizeof(d1), "%.*s", (int)flds[1].len, flds[1].p);
            folio_snprintf(d2, sizeof(d2), "%.*s", (int)flds[2].len, flds[2].p);
            if (!cl_is_date(d1) || !cl_is_date(d2)) {
                rc = folio_err_set(err, FOLIO_EPARSE, f->name,
                                   "%s:%ld: expected a status and two dates", f->name, lineno);
                goto out;
            }
            if (folio_stmt_bind_i64(st, 1, x->v->id) ||
                folio_stmt_bind_text(st, 2, flds[0].p, flds[0].len) ||
                folio_stmt_bind_text(st, 3, d1, (size_t)-1) ||
                folio_stmt_bind_text(st, 4, d2, (size_t)-1))
                rc = FOLIO_ENOMEM;
        }
        if (rc) {
            rc = folio_err_set(err, rc, NULL, "%s:%ld: binding failed", f->name, lineno);
            goto out;
        }
        if ((rc = folio_stmt_step(st, &row, err)) || (rc = folio_stmt_reset(st, err))) {
            folio_err_prefix(err, "%s:%ld", f->name, lineno);
            goto out;
        }
        x->n_notes++;
        x->v->n_records++;
    }
    if (b.len > 0 && b.data[b.len - 1] != '\n')
        rc = folio_err_set(err, FOLIO_EPARSE, f->name,
                           "%s:%ld: the last line has no line break: the file is truncated",
                           f->name, lineno);
out:
    if (rc && err && !strchr(err->field, ':'))
        folio_snprintf(err->field, sizeof(err->field), "%s:%ld", f->name, lineno);
    folio_stmt_free(st);
    folio_buf_release(&b);
    return rc;
}

enum folio_rc cl_load_mce(struct cl_ctx *x, const char *dir, struct folio_err *err)
{
    enum folio_rc rc;
    size_t i;
    const char *v = strrchr(x->name, 'v');
    /* "mce-v431": MCE version 43 is FY2026 (version - 17 + 2000); a minor version is the April
     * release */
    if (!x->opts->fiscal_year && v && v[1] >= '1' && v[1] <= '9' && v[2] >= '0' && v[2] <= '9') {
        x->file_year = 1983 + (v[1] - '0') * 10 + (v[2] - '0');
        if (!x->opts->effective_from && v[3] >= '1' && v[3] <= '9')
            folio_snprintf(x->file_from, sizeof(x->file_from), "%04d-04-01", x->file_year);
    }
    if ((rc = cl_begin_version(x, err)))
        return rc;
    for (i = 0; i < FOLIO_ARRAY_LEN(mce_files); i++)
        if ((rc = mce_one(x, dir, i, err)))
            return rc;
    return FOLIO_OK;
}

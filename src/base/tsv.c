/* Whole-file TSV reference tables (tsv.h). */
#include "folio/base.h"

#include "folio/tsv.h"

enum folio_rc folio_tsv_open(struct folio_tsv *t, const char *dir, const char *name, size_t max,
                             const char *field, struct folio_err *err)
{
    char path[4096];

    folio_buf_init(&t->buf, max);
    t->pos = 0;
    t->line = 0;
    t->field = field;
    if (!folio_snprintf(t->name, sizeof t->name, "%s", name) ||
        !folio_snprintf(path, sizeof path, "%s/%s", dir, name))
        return folio_err_set(err, FOLIO_EINVAL, field, "table path too long: %s", dir);
    return folio_buf_read_file(&t->buf, path, err);
}

void folio_tsv_release(struct folio_tsv *t)
{
    folio_buf_release(&t->buf);
}

enum folio_rc folio_tsv_line(struct folio_tsv *t, struct folio_sv *line, bool *have,
                             struct folio_err *err)
{
    const char *p = t->buf.data + t->pos, *nl;
    size_t left = t->buf.len - t->pos;

    *have = false;
    if (left == 0)
        return FOLIO_OK;
    t->line++;
    nl = memchr(p, '\n', left);
    if (nl == NULL)
        return folio_err_set(err, FOLIO_EPARSE, t->field,
                             "%s:%ld: truncated file (last line has no line break)", t->name,
                             t->line);
    line->p = p;
    line->len = (size_t)(nl - p);
    if (line->len > 0 && line->p[line->len - 1] == '\r')
        line->len--;
    t->pos += (size_t)(nl - p) + 1;
    *have = true;
    return FOLIO_OK;
}

enum folio_rc folio_tsv_fields(struct folio_tsv *t, struct folio_sv line, struct folio_sv *f,
                               size_t n, struct folio_err *err)
{
    size_t i = 0;
    struct folio_sv head;

    while (folio_sv_next_field(&line, '\t', &head)) {
        if (i == n)
            return folio_err_set(err, FOLIO_EPARSE, t->field, "%s:%ld: more than %zu columns",
                                 t->name, t->line, n);
        f[i++] = head;
    }
    if (i != n)
        return folio_err_set(err, FOLIO_EPARSE, t->field, "%s:%ld: %zu columns, expected %zu",
                             t->name, t->line, i, n);
    return FOLIO_OK;
}

enum folio_rc folio_tsv_header(struct folio_tsv *t, const char *expect, struct folio_err *err)
{
    struct folio_sv line;
    bool have;
    enum folio_rc rc = folio_tsv_line(t, &line, &have, err);

    if (rc)
        return rc;
    if (!have)
        return folio_err_set(err, FOLIO_EPARSE, t->field, "%s: empty file", t->name);
    if (!folio_sv_eq_cstr(line, expect))
        return folio_err_set(err, FOLIO_EPARSE, t->field, "%s:1: unexpected header '%.*s'",
                             t->name, (int)(line.len > 120 ? 120 : line.len), line.p);
    return FOLIO_OK;
}

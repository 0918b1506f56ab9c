/* Encoder sources: CMS order files and the PCS tables read directly (bench, tests, a server
 * started without a loaded database). The store source is encoder_store.c. */
#include "folio/base.h"

#include "coding/encoder_int.h"

#define ORDER_FILE_MAX ((size_t)64 * 1024 * 1024)

enum folio_rc folio_encoder_add_order_file(struct folio_encoder *e, enum folio_code_system cs,
                                           const char *path, struct folio_err *err)
{
    enum folio_rc rc;
    struct folio_buf b;
    folio_buf_init(&b, ORDER_FILE_MAX);
    const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    rc = folio_buf_read_file(&b, path, err);
    if (rc)
        goto out;
    struct folio_sv rest = {b.data, b.len}, line;
    size_t lineno = 0;
    while (rest.len > 0 && folio_sv_next_field(&rest, '\n', &line)) {
        lineno++;
        if (line.len == 0 || (line.len == 1 && line.p[0] == '\r'))
            continue;
        struct folio_codes_order_rec rec;
        rc = folio_codes_parse_order_line(line, &rec, err);
        if (rc) {
            char field[64];
            (void)folio_snprintf(field, sizeof field, "%s:%zu", name, lineno);
            folio_strlcpy(err->field, field, sizeof err->field);
            folio_err_prefix(err, "%s line %zu", name, lineno);
            goto out;
        }
        char code[16], title[512];
        if (rec.code.len >= sizeof code || rec.long_title.len >= sizeof title) {
            rc = folio_err_set(err, FOLIO_EPARSE, "code", "%s line %zu: code or title too long",
                               name, lineno);
            goto out;
        }
        memcpy(code, rec.code.p, rec.code.len);
        code[rec.code.len] = '\0';
        memcpy(title, rec.long_title.p, rec.long_title.len);
        title[rec.long_title.len] = '\0';
        rc = folio_encoder_add_code(e, cs, code, title, rec.billable, err);
        if (rc)
            goto out;
    }
out:
    folio_buf_release(&b);
    return rc;
}

static enum folio_rc add_pcs_code(void *ctx, const char *code, const char *title,
                                  struct folio_err *err)
{
    return folio_encoder_add_code(ctx, FOLIO_CS_ICD10PCS, code, title, true, err);
}

enum folio_rc folio_encoder_add_pcs_tables(struct folio_encoder *e,
                                           const struct folio_pcs_tables *t,
                                           struct folio_err *err)
{
    return enc_pcs_expand(t, add_pcs_code, e, err);
}

/* Encoder source: the code sets loaded in the store (codes.h). */
#include "folio/base.h"

#include "coding/encoder_int.h"

struct store_ctx {
    struct folio_encoder *e;
    const struct folio_pcs_tables *pcs;
    struct folio_err *err;
    enum folio_rc rc;
};

static int visit_code(void *ctx, const struct folio_code *c)
{
    struct store_ctx *x = ctx;
    /* the encoder indexes codes, not chapters or sections ("E08-E13") */
    if (c->kind == FOLIO_CODE_CHAPTER || c->kind == FOLIO_CODE_SECTION ||
        c->kind == FOLIO_CODE_MODIFIER || strchr(c->code, '-'))
        return 0;
    const char *title = c->title ? c->title : c->short_title;
    char composed[320];
    if (title == NULL && c->system == FOLIO_CS_ICD10PCS && x->pcs != NULL) {
        struct folio_err ignored;
        if (folio_pcs_title(x->pcs, c->code, composed, sizeof composed, &ignored) == FOLIO_OK)
            title = composed;
    }
    x->rc = folio_encoder_add_code(x->e, c->system, c->code, title, c->billable, x->err);
    return x->rc != FOLIO_OK;
}

static int visit_term(void *ctx, const char *code, const char *term, const char *kind)
{
    struct store_ctx *x = ctx;
    (void)kind;
    /* terms stated at a section ("P35-P39" has inclusion terms in the FY2021 tabular) or a
     * chapter belong to no one code */
    if (!code || strchr(code, '-') || strlen(code) > 7 || strlen(code) < 3)
        return 0;
    x->rc = folio_encoder_add_term(x->e, FOLIO_CS_ICD10CM, code, term, x->err);
    return x->rc != FOLIO_OK;
}

enum folio_rc folio_encoder_add_store(struct folio_encoder *e, struct folio_store *s,
                                      const char *date, const struct folio_pcs_tables *pcs,
                                      struct folio_err *err)
{
    enum folio_rc rc;
    struct store_ctx x = {e, pcs, err, FOLIO_OK};
    static const enum folio_code_system systems[] = {FOLIO_CS_ICD10CM, FOLIO_CS_ICD10PCS};
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(systems); i++) {
        rc = folio_codes_each(s, systems[i], date, visit_code, &x, err);
        if (rc)
            return x.rc ? x.rc : rc;
    }
    rc = folio_codes_each_term(s, FOLIO_CS_ICD10CM, date, visit_term, &x, err);
    if (rc)
        return x.rc ? x.rc : rc;
    return FOLIO_OK;
}

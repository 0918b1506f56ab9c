/* The MCE edits of one claim (folio/edits.h). The rules, their sources in the tables and the
 * order CMS applies them in are written down in docs/edits.md; the order matters because the
 * per-code list is compared with CMS's output as text. */
#include "folio/base.h"
#include "folio/edits.h"

#include "coding/edits_int.h"

/* Since FY2025 (2024-10-01) an unknown sex is accepted by the sex edits. */
#define MCE_SEX_UNKNOWN_OK_FROM 20241001
/* Ventilation > 96 hours (attribute LOS) on a stay shorter than this is inconsistent. */
#define MCE_LOS_MIN_DAYS 5
/* Ages the MCE accepts at all. */
#define MCE_AGE_MIN 0
#define MCE_AGE_MAX 124

static const struct {
    const char *name;
    enum folio_mce_edit_type type;
} edit_info[FOLIO_MCE_EDIT_COUNT] = {
    [FOLIO_MCE_INVALID_CODE] = {"INVALID_CODE", FOLIO_MCE_TYPE_PREPAYMENT},
    [FOLIO_MCE_SEX_CONFLICT] = {"SEX_CONFLICT", FOLIO_MCE_TYPE_PREPAYMENT},
    [FOLIO_MCE_AGE_CONFLICT] = {"AGE_CONFLICT", FOLIO_MCE_TYPE_PREPAYMENT},
    [FOLIO_MCE_QUESTIONABLE_ADMISSION] = {"QUESTIONABLE_ADMISSION", FOLIO_MCE_TYPE_PREPAYMENT},
    [FOLIO_MCE_MANIFESTATION_AS_PDX] = {"MANIFESTATION_AS_PDX", FOLIO_MCE_TYPE_PREPAYMENT},
    [FOLIO_MCE_NONSPECIFIC_PDX] = {"NONSPECIFIC_PDX", FOLIO_MCE_TYPE_POSTPAYMENT},
    [FOLIO_MCE_E_CODE_AS_PDX] = {"E_CODE_AS_PDX", FOLIO_MCE_TYPE_PREPAYMENT},
    [FOLIO_MCE_UNACCEPTABLE_PDX] = {"UNACCEPTABLE_PDX", FOLIO_MCE_TYPE_PREPAYMENT},
    [FOLIO_MCE_DUPLICATE_OF_PDX] = {"DUPLICATE_OF_PDX", FOLIO_MCE_TYPE_PREPAYMENT},
    [FOLIO_MCE_MEDICARE_IS_SECONDARY_PAYER] = {"MEDICARE_IS_SECONDARY_PAYER",
                                               FOLIO_MCE_TYPE_POSTPAYMENT},
    [FOLIO_MCE_REQUIRES_SDX] = {"REQUIRES_SDX", FOLIO_MCE_TYPE_PREPAYMENT},
    [FOLIO_MCE_NONSPECIFIC_OR] = {"NONSPECIFIC_OR", FOLIO_MCE_TYPE_POSTPAYMENT},
    [FOLIO_MCE_OPEN_BIOPSY] = {"OPEN_BIOPSY", FOLIO_MCE_TYPE_POSTPAYMENT},
    [FOLIO_MCE_NON_COVERED] = {"NON_COVERED", FOLIO_MCE_TYPE_PREPAYMENT},
    [FOLIO_MCE_BILATERAL] = {"BILATERAL", FOLIO_MCE_TYPE_POSTPAYMENT},
    [FOLIO_MCE_LIMITED_COVERAGE_LVRS] = {"LIMITED_COVERAGE_LVRS", FOLIO_MCE_TYPE_PREPAYMENT},
    [FOLIO_MCE_LIMITED_COVERAGE] = {"LIMITED_COVERAGE", FOLIO_MCE_TYPE_PREPAYMENT},
    [FOLIO_MCE_LIMITED_COVERAGE_LUNG_TRANSPLANT] = {"LIMITED_COVERAGE_LUNG_TRANSPLANT",
                                                    FOLIO_MCE_TYPE_PREPAYMENT},
    [FOLIO_MCE_QUESTIONABLE_OBSTETRIC_ADMISSION] = {"QUESTIONABLE_OBSTETRIC_ADMISSION",
                                                    FOLIO_MCE_TYPE_PREPAYMENT},
    [FOLIO_MCE_LIMITED_COVERAGE_COMBINATION_HEART_LUNG] =
        {"LIMITED_COVERAGE_COMBINATION_HEART_LUNG", FOLIO_MCE_TYPE_PREPAYMENT},
    [FOLIO_MCE_LIMITED_COVERAGE_HEART_TRANSPLANT] = {"LIMITED_COVERAGE_HEART_TRANSPLANT",
                                                     FOLIO_MCE_TYPE_PREPAYMENT},
    [FOLIO_MCE_LIMITED_COVERAGE_HEART_IMPLANT] = {"LIMITED_COVERAGE_HEART_IMPLANT",
                                                  FOLIO_MCE_TYPE_PREPAYMENT},
    [FOLIO_MCE_LIMITED_COVERAGE_INTESTINE] = {"LIMITED_COVERAGE_INTESTINE",
                                              FOLIO_MCE_TYPE_PREPAYMENT},
    [FOLIO_MCE_LIMITED_COVERAGE_LIVER] = {"LIMITED_COVERAGE_LIVER", FOLIO_MCE_TYPE_PREPAYMENT},
    [FOLIO_MCE_INVALID_ADMIT_DX] = {"INVALID_ADMIT_DX", FOLIO_MCE_TYPE_NONE},
    [FOLIO_MCE_INVALID_AGE] = {"INVALID_AGE", FOLIO_MCE_TYPE_PREPAYMENT},
    [FOLIO_MCE_INVALID_SEX] = {"INVALID_SEX", FOLIO_MCE_TYPE_PREPAYMENT},
    [FOLIO_MCE_INVALID_DISCHARGE_STATUS] = {"INVALID_DISCHARGE_STATUS", FOLIO_MCE_TYPE_PREPAYMENT},
    [FOLIO_MCE_LIMITED_COVERAGE_KIDNEY] = {"LIMITED_COVERAGE_KIDNEY", FOLIO_MCE_TYPE_PREPAYMENT},
    [FOLIO_MCE_LIMITED_COVERAGE_PANCREAS] = {"LIMITED_COVERAGE_PANCREAS",
                                             FOLIO_MCE_TYPE_PREPAYMENT},
    [FOLIO_MCE_TYPE_OF_AGE_CONFLICT] = {"TYPE_OF_AGE_CONFLICT", FOLIO_MCE_TYPE_NONE},
    [FOLIO_MCE_INVALID_POA] = {"INVALID_POA", FOLIO_MCE_TYPE_NONE},
    [FOLIO_MCE_LIMITED_COVERAGE_ARTIFICIAL_HEART] = {"LIMITED_COVERAGE_ARTIFICIAL_HEART",
                                                     FOLIO_MCE_TYPE_PREPAYMENT},
    [FOLIO_MCE_WRONG_PROCEDURE_PERFORMED] = {"WRONG_PROCEDURE_PERFORMED",
                                             FOLIO_MCE_TYPE_PREPAYMENT},
    [FOLIO_MCE_INCONSISTENT_WITH_LENGTH_OF_STAY] = {"INCONSISTENT_WITH_LENGTH_OF_STAY",
                                                    FOLIO_MCE_TYPE_PREPAYMENT},
    [FOLIO_MCE_UNSPECIFIED] = {"UNSPECIFIED", FOLIO_MCE_TYPE_PREPAYMENT},
};

enum folio_mce_edit_type folio_mce_edit_class(enum folio_mce_edit e)
{
    if ((unsigned)e >= FOLIO_MCE_EDIT_COUNT)
        return FOLIO_MCE_TYPE_NONE;
    return edit_info[e].type;
}

const char *folio_mce_edit_name(enum folio_mce_edit e)
{
    if ((unsigned)e >= FOLIO_MCE_EDIT_COUNT)
        return "UNKNOWN";
    return edit_info[e].name;
}

const char *folio_mce_edit_type_name(enum folio_mce_edit_type t)
{
    switch (t) {
    case FOLIO_MCE_TYPE_NONE:
        return "NONE";
    case FOLIO_MCE_TYPE_PREPAYMENT:
        return "PREPAYMENT";
    case FOLIO_MCE_TYPE_POSTPAYMENT:
        return "POSTPAYMENT";
    case FOLIO_MCE_TYPE_BOTH:
        return "BOTH";
    }
    return "NONE";
}

/* What the editor knows about the claim while it runs. */
struct ctx {
    const struct folio_mce *m;
    const struct folio_claim *c;
    int32_t date;
    struct folio_mce_result *out;
};

static void add(struct ctx *x, enum folio_mce_where where, size_t pos, enum folio_mce_edit e)
{
    struct folio_mce_result *r = x->out;

    if (r->n >= FOLIO_MCE_MAX_CODE_EDITS)
        FOLIO_BUG("more code edits than the bound allows");
    r->items[r->n].where = (uint8_t)where;
    r->items[r->n].edit = (uint8_t)e;
    r->items[r->n].pos = (uint16_t)pos;
    r->n++;
    r->edits |= (uint64_t)1 << e;
}

static void add_claim(struct ctx *x, enum folio_mce_edit e)
{
    x->out->edits |= (uint64_t)1 << e;
}

/* A secondary diagnosis or procedure written as nothing or all zeros is no code at all: CMS's
 * MCE skips it (no INVALID_CODE), while the same on the PDX is an invalid code. */
static bool blank_code(const char *s)
{
    for (; *s; s++)
        if (*s != '0')
            return false;
    return true;
}

static bool code_ieq(const char *a, const char *b)
{
    for (;; a++, b++) {
        char ca = *a, cb = *b;
        if (ca >= 'a' && ca <= 'z')
            ca = (char)(ca - 'a' + 'A');
        if (cb >= 'a' && cb <= 'z')
            cb = (char)(cb - 'a' + 'A');
        if (ca != cb)
            return false;
        if (ca == '\0')
            return true;
    }
}

static bool has(uint64_t attrs, enum mce_attr a)
{
    return (attrs & MCE_BIT(a)) != 0;
}

/* Age range of a group (ADULT, ...) in force on the date; NULL when the tables have none. */
static const struct mce_range *age_range(const struct folio_mce *m, const char *key, int32_t date)
{
    for (size_t i = 0; i < m->nranges; i++)
        if (strcmp(m->ranges[i].key, key) == 0 && m->ranges[i].from <= date &&
            date <= m->ranges[i].to)
            return &m->ranges[i];
    return NULL;
}

/* One age conflict per code at most; CMS checks the groups in this order. */
static bool age_conflict(const struct ctx *x, uint64_t attrs)
{
    static const struct {
        enum mce_attr attr;
        const char *key;
    } groups[] = {{MCE_A_PEDIATRIC, "PEDIATRIC"},
                  {MCE_A_NEWBORN, "NEWBORN"},
                  {MCE_A_MATERNITY, "MATERNITY"},
                  {MCE_A_ADULT, "ADULT"}};

    for (size_t i = 0; i < FOLIO_ARRAY_LEN(groups); i++) {
        const struct mce_range *r;
        if (!has(attrs, groups[i].attr))
            continue;
        r = age_range(x->m, groups[i].key, x->date);
        if (r && (x->c->age < r->lo || x->c->age > r->hi))
            return true;
    }
    return false;
}

static bool sex_conflict(const struct ctx *x, uint64_t attrs)
{
    char sex = x->c->sex;

    if (sex == 'U' && x->date >= MCE_SEX_UNKNOWN_OK_FROM)
        return false;
    if (has(attrs, MCE_A_MALE) && sex != 'M')
        return true;
    if (has(attrs, MCE_A_FEMALE) && sex != 'F')
        return true;
    return false;
}

static bool status_valid(const struct folio_mce *m, int status, int32_t date)
{
    for (size_t i = 0; i < m->nstatuses; i++)
        if (m->statuses[i].key == status && m->statuses[i].from <= date &&
            date <= m->statuses[i].to)
            return true;
    return false;
}

/* Claim-wide facts the procedure edits depend on. */
struct facts {
    uint64_t dx_attrs;  /* union over the valid PDX and SDX */
    uint64_t sdx_attrs; /* union over the valid SDX */
    uint64_t pr_attrs;  /* union over the valid procedures */
};

/* CMS's non-covered procedure rules, parts A-G (docs/edits.md). */
static bool non_covered(const struct ctx *x, uint64_t a, const struct facts *f)
{
    bool trial_parts = has(f->pr_attrs, MCE_A_COV_Z006A) && has(f->pr_attrs, MCE_A_COV_Z006B);

    if (has(a, MCE_A_NCOV_A))
        return true;
    /* B: pancreas transplant only with a kidney transplant or type 1 diabetes */
    if (has(a, MCE_A_NCOV_B_PXP) && !has(f->pr_attrs, MCE_A_NCOV_B_KXP) &&
        !has(f->dx_attrs, MCE_A_NCOV_B))
        return true;
    /* C: artificial heart (both parts) only in a clinical trial */
    if ((has(a, MCE_A_COV_Z006A) || has(a, MCE_A_COV_Z006B)) && trial_parts &&
        !has(f->dx_attrs, MCE_A_CLINTRIAL))
        return true;
    if (has(a, MCE_A_NCOV_D_PR) && has(f->dx_attrs, MCE_A_NCOV_D))
        return true;
    if (has(a, MCE_A_NCOV_E_PR) && has(f->dx_attrs, MCE_A_NCOV_E))
        return true;
    /* F: lumbar artificial disc over age 60 */
    if (has(a, MCE_A_NCOV_F) && (x->c->age < 0 || x->c->age > 60))
        return true;
    if (has(a, MCE_A_NCOV_G_PR) && has(f->dx_attrs, MCE_A_NCOV_G))
        return true;
    return false;
}

static bool limited_coverage(uint64_t a, const struct facts *f)
{
    bool trial_parts = has(f->pr_attrs, MCE_A_COV_Z006A) && has(f->pr_attrs, MCE_A_COV_Z006B);

    if (has(a, MCE_A_LCOV))
        return true;
    return (has(a, MCE_A_COV_Z006A) || has(a, MCE_A_COV_Z006B)) && trial_parts &&
           has(f->dx_attrs, MCE_A_CLINTRIAL);
}

static void edit_pdx(struct ctx *x, const struct mce_row *row)
{
    uint64_t a;

    if (row == NULL) {
        add(x, FOLIO_MCE_AT_PDX, 0, FOLIO_MCE_INVALID_CODE);
        return;
    }
    a = row->attrs;
    if (has(a, MCE_A_ECODEPDX))
        add(x, FOLIO_MCE_AT_PDX, 0, FOLIO_MCE_E_CODE_AS_PDX);
    if (has(a, MCE_A_MANIF))
        add(x, FOLIO_MCE_AT_PDX, 0, FOLIO_MCE_MANIFESTATION_AS_PDX);
    if (has(a, MCE_A_UNACCEPTABLE) && has(a, MCE_A_REQSDX)) {
        if (x->c->nsdx == 0)
            add(x, FOLIO_MCE_AT_PDX, 0, FOLIO_MCE_REQUIRES_SDX);
    } else if (has(a, MCE_A_UNACCEPTABLE)) {
        add(x, FOLIO_MCE_AT_PDX, 0, FOLIO_MCE_UNACCEPTABLE_PDX);
    }
    if (has(a, MCE_A_QADM))
        add(x, FOLIO_MCE_AT_PDX, 0, FOLIO_MCE_QUESTIONABLE_ADMISSION);
    if (age_conflict(x, a))
        add(x, FOLIO_MCE_AT_PDX, 0, FOLIO_MCE_AGE_CONFLICT);
    if (sex_conflict(x, a))
        add(x, FOLIO_MCE_AT_PDX, 0, FOLIO_MCE_SEX_CONFLICT);
    if (has(a, MCE_A_WRNGPROC))
        add(x, FOLIO_MCE_AT_PDX, 0, FOLIO_MCE_WRONG_PROCEDURE_PERFORMED);
    if (has(a, MCE_A_UNSPECIFIED))
        add(x, FOLIO_MCE_AT_PDX, 0, FOLIO_MCE_UNSPECIFIED);
}

static void edit_sdx(struct ctx *x, size_t i, const struct mce_row *row)
{
    const char *code = x->c->sdx[i].code;
    size_t pos = i + 1;
    uint64_t a;

    if (blank_code(code))
        return;
    if (row == NULL)
        add(x, FOLIO_MCE_AT_SDX, pos, FOLIO_MCE_INVALID_CODE);
    if (code_ieq(code, x->c->pdx.code))
        add(x, FOLIO_MCE_AT_SDX, pos, FOLIO_MCE_DUPLICATE_OF_PDX);
    if (row == NULL)
        return;
    a = row->attrs;
    if (has(a, MCE_A_UNSPECIFIED))
        add(x, FOLIO_MCE_AT_SDX, pos, FOLIO_MCE_UNSPECIFIED);
    if (has(a, MCE_A_WRNGPROC))
        add(x, FOLIO_MCE_AT_SDX, pos, FOLIO_MCE_WRONG_PROCEDURE_PERFORMED);
    if (age_conflict(x, a))
        add(x, FOLIO_MCE_AT_SDX, pos, FOLIO_MCE_AGE_CONFLICT);
    if (sex_conflict(x, a))
        add(x, FOLIO_MCE_AT_SDX, pos, FOLIO_MCE_SEX_CONFLICT);
}

static void edit_pr(struct ctx *x, size_t i, const struct mce_row *row, const struct facts *f,
                    int los)
{
    size_t pos = i + 1;
    uint64_t a;

    if (blank_code(x->c->pr[i]))
        return;
    if (row == NULL) {
        add(x, FOLIO_MCE_AT_PR, pos, FOLIO_MCE_INVALID_CODE);
        return;
    }
    a = row->attrs;
    if (sex_conflict(x, a))
        add(x, FOLIO_MCE_AT_PR, pos, FOLIO_MCE_SEX_CONFLICT);
    if (has(a, MCE_A_LOS) && los < MCE_LOS_MIN_DAYS)
        add(x, FOLIO_MCE_AT_PR, pos, FOLIO_MCE_INCONSISTENT_WITH_LENGTH_OF_STAY);
    if (non_covered(x, a, f))
        add(x, FOLIO_MCE_AT_PR, pos, FOLIO_MCE_NON_COVERED);
    else if (limited_coverage(a, f))
        add(x, FOLIO_MCE_AT_PR, pos, FOLIO_MCE_LIMITED_COVERAGE);
    /* a delivery procedure without an outcome-of-delivery secondary diagnosis */
    if ((has(a, MCE_A_CSECT) || has(a, MCE_A_VAGDEL)) && !has(f->sdx_attrs, MCE_A_DELOUT))
        add(x, FOLIO_MCE_AT_PR, pos, FOLIO_MCE_QUESTIONABLE_OBSTETRIC_ADMISSION);
}

enum folio_rc folio_mce_edit(const struct folio_mce *m, const struct folio_claim *c,
                             int32_t discharge_date, int los, struct folio_mce_result *out,
                             struct folio_err *err)
{
    const struct mce_row *pdx, *sdx[FOLIO_CLAIM_MAX_CODES], *pr[FOLIO_CLAIM_MAX_CODES];
    struct facts f = {0};
    struct ctx x = {m, c, discharge_date, out};
    size_t i;

    out->edits = 0;
    out->type = FOLIO_MCE_TYPE_NONE;
    out->n = 0;
    if (discharge_date < m->first || discharge_date > m->last)
        return folio_err_set(err, FOLIO_EINVAL, "discharge_date",
                             "discharge date %ld is outside the MCE tables (%ld-%ld)",
                             (long)discharge_date, (long)m->first, (long)m->last);
    if (c->nsdx > FOLIO_CLAIM_MAX_CODES || c->npr > FOLIO_CLAIM_MAX_CODES)
        return folio_err_set(err, FOLIO_EINVAL, "claim", "claim has more than %d codes in a list",
                             FOLIO_CLAIM_MAX_CODES);

    /* claim-level validation */
    if (c->age < MCE_AGE_MIN || c->age > MCE_AGE_MAX)
        add_claim(&x, FOLIO_MCE_INVALID_AGE);
    if (c->sex != 'M' && c->sex != 'F' && c->sex != 'U')
        add_claim(&x, FOLIO_MCE_INVALID_SEX);
    if (!status_valid(m, c->discharge_status, discharge_date))
        add_claim(&x, FOLIO_MCE_INVALID_DISCHARGE_STATUS);

    /* every code as of the discharge date, and the claim-wide facts */
    pdx = mce_lookup(&m->dx, c->pdx.code, discharge_date);
    if (pdx)
        f.dx_attrs |= pdx->attrs;
    for (i = 0; i < c->nsdx; i++) {
        sdx[i] = mce_lookup(&m->dx, c->sdx[i].code, discharge_date);
        if (sdx[i]) {
            f.dx_attrs |= sdx[i]->attrs;
            f.sdx_attrs |= sdx[i]->attrs;
        }
    }
    for (i = 0; i < c->npr; i++) {
        pr[i] = mce_lookup(&m->pr, c->pr[i], discharge_date);
        if (pr[i])
            f.pr_attrs |= pr[i]->attrs;
    }

    /* per-code edits in claim order */
    edit_pdx(&x, pdx);
    for (i = 0; i < c->nsdx; i++)
        edit_sdx(&x, i, sdx[i]);
    for (i = 0; i < c->npr; i++)
        edit_pr(&x, i, pr[i], &f, los);

    for (i = 0; i < FOLIO_MCE_EDIT_COUNT; i++)
        if (out->edits & ((uint64_t)1 << i))
            out->type = (enum folio_mce_edit_type)(out->type | edit_info[i].type);
    return FOLIO_OK;
}

enum folio_rc folio_mce_format_edits(const struct folio_mce_result *r, struct folio_buf *b)
{
    enum folio_rc rc = FOLIO_OK;
    bool first = true;

    for (unsigned i = 0; i < FOLIO_MCE_EDIT_COUNT && rc == FOLIO_OK; i++) {
        if (!(r->edits & ((uint64_t)1 << i)))
            continue;
        if (!first)
            rc = folio_buf_append_ch(b, ',');
        if (rc == FOLIO_OK)
            rc = folio_buf_append_str(b, edit_info[i].name);
        first = false;
    }
    return rc;
}

enum folio_rc folio_mce_format_code_edits(const struct folio_mce_result *r, struct folio_buf *b)
{
    enum folio_rc rc = FOLIO_OK;

    for (size_t i = 0; i < r->n && rc == FOLIO_OK; i++) {
        const struct folio_mce_code_edit *e = &r->items[i];
        const char *name = folio_mce_edit_name((enum folio_mce_edit)e->edit);
        const char *sep = i ? "," : "";
        if (e->where == FOLIO_MCE_AT_PDX)
            rc = folio_buf_appendf(b, "%sPDX:%s", sep, name);
        else
            rc = folio_buf_appendf(b, "%s%s%u:%s", sep, e->where == FOLIO_MCE_AT_SDX ? "SDX" : "PR",
                                   (unsigned)e->pos, name);
    }
    return rc;
}

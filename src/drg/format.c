/* Names of the grouper's results and the row of msdrg-v431/expected.tsv (folio/drg.h). */
#include "folio/base.h"
#include "folio/drg.h"

#include "drg/drg_int.h"

const char *folio_drg_med_surg_name(enum folio_drg_med_surg m)
{
    switch (m) {
    case FOLIO_DRG_MEDICAL:
        return "MEDICAL";
    case FOLIO_DRG_SURGICAL:
        return "SURGICAL";
    case FOLIO_DRG_MS_NA:
        break;
    }
    return "NA";
}

const char *folio_drg_severity_name(enum folio_drg_severity s)
{
    switch (s) {
    case FOLIO_DRG_SEV_MCC:
        return "MCC";
    case FOLIO_DRG_SEV_CC:
        return "CC";
    case FOLIO_DRG_SEV_NON_CC:
        return "NON_CC";
    case FOLIO_DRG_SEV_NONE:
        break;
    }
    return "NONE";
}

const char *folio_drg_grc_name(enum folio_drg_grc g)
{
    switch (g) {
    case FOLIO_DRG_GRC_OK:
        return "OK";
    case FOLIO_DRG_GRC_INVALID_PDX:
        return "INVALID_PDX";
    case FOLIO_DRG_GRC_DX_CANNOT_BE_PDX:
        return "DX_CANNOT_BE_PDX";
    case FOLIO_DRG_GRC_INVALID_SEX:
        return "INVALID_SEX";
    case FOLIO_DRG_GRC_INVALID_DISCHARGE_STATUS:
        return "INVALID_DISCHARGE_STATUS";
    case FOLIO_DRG_GRC_HAC_MISSING_ONE_POA:
        return "HAC_MISSING_ONE_POA";
    case FOLIO_DRG_GRC_NO_FORMULA:
        return "NO_FORMULA";
    }
    return "UNKNOWN";
}

static const char *const usage_names[] = {
    [FOLIO_DRG_USE_NEITHER] = "NEITHER",
    [FOLIO_DRG_USE_CC] = "CC",
    [FOLIO_DRG_USE_MCC] = "MCC",
    [FOLIO_DRG_USE_CC_EXCLUDED] = "CC_EXCLUDED",
    [FOLIO_DRG_USE_MCC_EXCLUDED] = "MCC_EXCLUDED",
    [FOLIO_DRG_USE_CC_EXCLUDED_BY_DRG_LOGIC] = "CC_EXCLUDED_BY_DRG_LOGIC",
    [FOLIO_DRG_USE_MCC_EXCLUDED_BY_DRG_LOGIC] = "MCC_EXCLUDED_BY_DRG_LOGIC",
};

const char *folio_drg_usage_name(enum folio_drg_usage u)
{
    if ((unsigned)u >= FOLIO_ARRAY_LEN(usage_names))
        return "UNKNOWN";
    return usage_names[u];
}

const char *folio_drg_hac_status_name(enum folio_drg_hac_status s)
{
    switch (s) {
    case FOLIO_DRG_HAC_FINAL_DRG_NO_CHANGE:
        return "FINAL_DRG_NO_CHANGE";
    case FOLIO_DRG_HAC_FINAL_DRG_CHANGES:
        return "FINAL_DRG_CHANGES";
    case FOLIO_DRG_HAC_FINAL_DRG_UNGROUPABLE:
        return "FINAL_DRG_UNGROUPABLE";
    case FOLIO_DRG_HAC_NOT_APPLICABLE:
        break;
    }
    return "NOT_APPLICABLE";
}

const char *folio_drg_hac_finding_name(enum folio_drg_hac_finding f)
{
    switch (f) {
    case FOLIO_DRG_HAC_NOT_APPLICABLE_EXCLUSION:
        return "HAC_NOT_APPLICABLE_EXCLUSION";
    case FOLIO_DRG_HAC_NOT_APPLICABLE_EXEMPT:
        return "HAC_NOT_APPLICABLE_EXEMPT";
    case FOLIO_DRG_HAC_CRITERIA_MET:
        break;
    }
    return "HAC_CRITERIA_MET";
}

enum folio_rc folio_drg_format_usage(const struct folio_drg_result *r, bool initial,
                                     struct folio_buf *b)
{
    const struct folio_drg_pass *p = initial ? &r->initial : &r->final;
    enum folio_rc rc = FOLIO_OK;

    for (size_t i = 0; i < r->nsdx && i < FOLIO_CLAIM_MAX_CODES && rc == FOLIO_OK; i++) {
        if (i)
            rc = folio_buf_append_ch(b, ',');
        if (rc == FOLIO_OK)
            rc = folio_buf_append_str(b, folio_drg_usage_name((enum folio_drg_usage)p->usage[i]));
    }
    return rc;
}

enum folio_rc folio_drg_format_hacs(const struct folio_drg_result *r, struct folio_buf *b)
{
    enum folio_rc rc = FOLIO_OK;

    for (size_t i = 0; i < r->nhacs && i < FOLIO_DRG_MAX_HACS && rc == FOLIO_OK; i++)
        rc = folio_buf_appendf(
            b, "%s%u:HAC%02u:%s", i ? "," : "", (unsigned)r->hacs[i].sdx, (unsigned)r->hacs[i].hac,
            folio_drg_hac_finding_name((enum folio_drg_hac_finding)r->hacs[i].finding));
    return rc;
}

enum folio_rc folio_drg_format_row(const struct folio_claim *c, const struct folio_drg_result *r,
                                   const struct folio_mce_result *m, struct folio_buf *b)
{
    const struct folio_drg_pass *f = &r->final;
    enum folio_rc rc;

    rc = folio_buf_appendf(b, "%s\t%u\t%u\t%s\t%s\t%s\t", c->id, (unsigned)f->mdc, (unsigned)f->drg,
                           folio_drg_med_surg_name((enum folio_drg_med_surg)f->med_surg),
                           folio_drg_severity_name((enum folio_drg_severity)f->severity),
                           folio_drg_grc_name((enum folio_drg_grc)f->grc));
    if (rc == FOLIO_OK)
        rc = folio_drg_format_usage(r, false, b);
    if (rc == FOLIO_OK)
        rc = folio_buf_append_ch(b, '\t');
    if (rc == FOLIO_OK)
        rc = folio_drg_format_hacs(r, b);
    if (rc == FOLIO_OK)
        rc = folio_buf_append_ch(b, '\t');
    if (rc == FOLIO_OK && m)
        rc = folio_mce_format_edits(m, b);
    if (rc == FOLIO_OK)
        rc = folio_buf_appendf(b, "\t%u\t%s\t%s\t", (unsigned)r->initial.drg,
                               folio_drg_hac_status_name((enum folio_drg_hac_status)r->hac_status),
                               m ? folio_mce_edit_type_name(m->type) : "");
    if (rc == FOLIO_OK && m)
        rc = folio_mce_format_code_edits(m, b);
    if (rc == FOLIO_OK)
        rc = folio_buf_append_ch(b, '\t');
    if (rc == FOLIO_OK)
        rc = folio_drg_format_usage(r, true, b);
    return rc;
}

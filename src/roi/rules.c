/* The pure rules of release of information (include/folio/roi.h, docs/roi.md): requesters and
 * their legal bases, the status machine, the authorization checklist of 45 CFR 164.508(c), the
 * access fee of 164.524(c)(4), and which disclosures the accounting of 164.528 lists. */
#include "folio/base.h"

#include "roi/roi_int.h"

/* ---- requesters ---- */

struct requester_rule {
    const char *name;
    bool access;       /* right of access, 164.524 */
    bool needs_auth;   /* a release needs a valid authorization */
    const char *basis; /* the disclosure's legal basis */
    const char *cite;
};

/* indexed by enum folio_roi_requester - 1 */
static const struct requester_rule requesters[FOLIO_ROI_N_REQUESTERS] = {
    {"patient", true, false, "individual", "45 CFR 164.524, 164.502(a)(1)(i)"},
    {"personal_representative", true, false, "individual", "45 CFR 164.502(g), 164.524"},
    {"provider_continuity", false, false, "tpo", "45 CFR 164.506(c)(2)"},
    {"payer", false, false, "tpo", "45 CFR 164.506(c)(1), (c)(3)"},
    {"attorney_authorization", false, true, "authorization", "45 CFR 164.508(a)(1)"},
    {"attorney_subpoena", false, true, "authorization", "45 CFR 164.512(e)(1)(ii)"},
    {"court_order", false, false, "judicial", "45 CFR 164.512(e)(1)(i)"},
    {"researcher", false, true, "authorization", "45 CFR 164.508(a)(1), 164.512(i)"},
    {"public_health", false, false, "public_health", "45 CFR 164.512(b)"},
    {"law_enforcement", false, false, "law_enforcement", "45 CFR 164.512(f)"},
    {"workers_comp", false, false, "workers_comp", "45 CFR 164.512(l)"},
};

static const struct requester_rule *requester(enum folio_roi_requester t)
{
    if ((int)t < 1 || (int)t > FOLIO_ROI_N_REQUESTERS)
        return NULL;
    return &requesters[(int)t - 1];
}

const char *folio_roi_requester_name(enum folio_roi_requester t)
{
    const struct requester_rule *r = requester(t);
    return r ? r->name : NULL;
}

enum folio_roi_requester folio_roi_requester_parse(const char *name)
{
    for (int i = 0; name && i < FOLIO_ROI_N_REQUESTERS; i++)
        if (strcmp(requesters[i].name, name) == 0)
            return (enum folio_roi_requester)(i + 1);
    return 0;
}

bool folio_roi_requester_is_access(enum folio_roi_requester t)
{
    const struct requester_rule *r = requester(t);
    return r && r->access;
}

bool folio_roi_requester_needs_auth(enum folio_roi_requester t, bool subpoena_assurance,
                                    const char **cite)
{
    const struct requester_rule *r = requester(t);
    if (cite)
        *cite = r ? r->cite : NULL;
    if (!r)
        return true;
    /* a subpoena without a court order: the satisfactory assurance of 164.512(e)(1)(ii)(A)/(B)
     * stands in for the authorization */
    if (t == FOLIO_ROI_ATTORNEY_SUBPOENA && subpoena_assurance)
        return false;
    return r->needs_auth;
}

const char *folio_roi_requester_basis(enum folio_roi_requester t, bool subpoena_assurance)
{
    const struct requester_rule *r = requester(t);
    if (!r)
        return NULL;
    if (t == FOLIO_ROI_ATTORNEY_SUBPOENA && subpoena_assurance)
        return "judicial";
    return r->basis;
}

/* ---- legal bases ---- */

struct basis_rule {
    const char *name;
    bool accountable;
    const char *cite;
};

static const struct basis_rule bases[] = {
    /* excluded by 164.528(a)(1)(i)-(viii) */
    {"tpo", false, "45 CFR 164.506; excluded by 164.528(a)(1)(i)"},
    {"individual", false, "45 CFR 164.502(a)(1)(i); excluded by 164.528(a)(1)(ii)"},
    {"incident", false, "45 CFR 164.502(a)(1)(iii); excluded by 164.528(a)(1)(iii)"},
    {"authorization", false, "45 CFR 164.508; excluded by 164.528(a)(1)(iv)"},
    {"directory", false, "45 CFR 164.510(a); excluded by 164.528(a)(1)(v)"},
    {"involved_in_care", false, "45 CFR 164.510(b); excluded by 164.528(a)(1)(v)"},
    {"national_security", false, "45 CFR 164.512(k)(2); excluded by 164.528(a)(1)(vi)"},
    {"correctional", false, "45 CFR 164.512(k)(5); excluded by 164.528(a)(1)(vii)"},
    {"limited_data_set", false, "45 CFR 164.514(e); excluded by 164.528(a)(1)(viii)"},
    /* listed */
    {"required_by_law", true, "45 CFR 164.512(a)"},
    {"public_health", true, "45 CFR 164.512(b)"},
    {"abuse_neglect", true, "45 CFR 164.512(c)"},
    {"health_oversight", true, "45 CFR 164.512(d)"},
    {"judicial", true, "45 CFR 164.512(e)"},
    {"law_enforcement", true, "45 CFR 164.512(f)"},
    {"decedent", true, "45 CFR 164.512(g)"},
    {"organ_donation", true, "45 CFR 164.512(h)"},
    {"research", true, "45 CFR 164.512(i)"},
    {"serious_threat", true, "45 CFR 164.512(j)"},
    {"military", true, "45 CFR 164.512(k)(1)"},
    {"workers_comp", true, "45 CFR 164.512(l)"},
    {"impermissible", true, "45 CFR 164.528(a)(1): not permitted by the rule"},
};

static const struct basis_rule *basis_of(const char *name)
{
    for (size_t i = 0; name && i < sizeof bases / sizeof bases[0]; i++)
        if (strcmp(bases[i].name, name) == 0)
            return &bases[i];
    return NULL;
}

bool folio_roi_basis_known(const char *basis)
{
    return basis_of(basis) != NULL;
}

bool folio_roi_basis_accountable(const char *basis, const char *disclosed_on)
{
    const struct basis_rule *b = basis_of(basis);
    if (!b || !b->accountable)
        return false;
    /* 164.528(a)(1)(ix): not those made before the compliance date (dates compare as text) */
    return disclosed_on && strcmp(disclosed_on, FOLIO_ROI_COMPLIANCE_DATE) >= 0;
}

const char *folio_roi_basis_cite(const char *basis)
{
    const struct basis_rule *b = basis_of(basis);
    return b ? b->cite : NULL;
}

/* ---- statuses ---- */

static const char *const status_names[] = {NULL, "received", "validated", "pulled",
                                           "qa", "released", "denied"};

const char *folio_roi_status_name(enum folio_roi_status st)
{
    if ((int)st < 1 || (int)st > FOLIO_ROI_DENIED)
        return NULL;
    return status_names[st];
}

enum folio_roi_status folio_roi_status_parse(const char *name)
{
    for (int i = 1; name && i <= FOLIO_ROI_DENIED; i++)
        if (strcmp(status_names[i], name) == 0)
            return (enum folio_roi_status)i;
    return 0;
}

bool folio_roi_status_can(enum folio_roi_status from, enum folio_roi_status to)
{
    switch (from) {
    case FOLIO_ROI_RECEIVED:
        return to == FOLIO_ROI_VALIDATED || to == FOLIO_ROI_DENIED;
    case FOLIO_ROI_VALIDATED:
        return to == FOLIO_ROI_PULLED || to == FOLIO_ROI_DENIED;
    case FOLIO_ROI_PULLED:
        return to == FOLIO_ROI_QA || to == FOLIO_ROI_DENIED;
    case FOLIO_ROI_QA:
        return to == FOLIO_ROI_RELEASED || to == FOLIO_ROI_PULLED || to == FOLIO_ROI_DENIED;
    case FOLIO_ROI_RELEASED:
    case FOLIO_ROI_DENIED:
    default:
        return false;
    }
}

/* ---- the authorization checklist ---- */

static const struct {
    const char *element, *citation;
} auth_elements[FOLIO_AUTH_N_ELEMENTS] = {
    {"description", "45 CFR 164.508(c)(1)(i)"},
    {"discloser", "45 CFR 164.508(c)(1)(ii)"},
    {"recipient", "45 CFR 164.508(c)(1)(iii)"},
    {"purpose", "45 CFR 164.508(c)(1)(iv)"},
    {"expiration", "45 CFR 164.508(c)(1)(v)"},
    {"signature", "45 CFR 164.508(c)(1)(vi)"},
    {"statement_revoke", "45 CFR 164.508(c)(2)(i)"},
    {"statement_conditioning", "45 CFR 164.508(c)(2)(ii)"},
    {"statement_redisclosure", "45 CFR 164.508(c)(2)(iii)"},
};

const char *folio_roi_auth_verdict_name(enum folio_roi_auth_verdict v)
{
    switch (v) {
    case FOLIO_AUTH_VALID:
        return "valid";
    case FOLIO_AUTH_INCOMPLETE:
        return "incomplete";
    case FOLIO_AUTH_EXPIRED:
        return "expired";
    case FOLIO_AUTH_REVOKED:
        return "revoked";
    case FOLIO_AUTH_NOT_SIGNED_YET:
        return "not_signed_yet";
    }
    return NULL;
}

const char *folio_roi_fee_method_name(enum folio_roi_fee_method m)
{
    return m == FOLIO_ROI_FEE_FLAT ? "flat" : m == FOLIO_ROI_FEE_COST ? "cost" : NULL;
}

enum folio_roi_fee_method folio_roi_fee_method_parse(const char *name)
{
    if (name && strcmp(name, "cost") == 0)
        return FOLIO_ROI_FEE_COST;
    if (name && strcmp(name, "flat") == 0)
        return FOLIO_ROI_FEE_FLAT;
    return (enum folio_roi_fee_method)0;
}

enum folio_rc folio_roi_auth_check(const struct folio_roi_auth *a, const char *today,
                                   struct folio_roi_auth_result *out, struct folio_err *err)
{
    int64_t t = 0, exp = 0, sig = 0;
    bool has_exp, has_sig;
    bool present[FOLIO_AUTH_N_ELEMENTS];
    if (!roi_date_days(today, &t))
        return folio_err_set(err, FOLIO_EINVAL, "today", "today: '%.40s' is not a date",
                             today ? today : "");
    has_exp = roi_date_days(a->expires_on, &exp);
    has_sig = roi_date_days(a->signed_on, &sig);
    present[FOLIO_AUTH_DESCRIPTION] = !folio_str_empty(a->description);
    present[FOLIO_AUTH_DISCLOSER] = !folio_str_empty(a->discloser);
    present[FOLIO_AUTH_RECIPIENT] = !folio_str_empty(a->recipient);
    present[FOLIO_AUTH_PURPOSE] = !folio_str_empty(a->purpose);
    present[FOLIO_AUTH_EXPIRATION] = has_exp || !folio_str_empty(a->expiry_event);
    present[FOLIO_AUTH_SIGNATURE] = !folio_str_empty(a->signed_by) && has_sig;
    present[FOLIO_AUTH_STMT_REVOKE] = a->stmt_revoke;
    present[FOLIO_AUTH_STMT_CONDITIONING] = a->stmt_conditioning;
    present[FOLIO_AUTH_STMT_REDISCLOSURE] = a->stmt_redisclosure;
    *out = (struct folio_roi_auth_result){0};
    for (int i = 0; i < FOLIO_AUTH_N_ELEMENTS; i++) {
        out->items[i].element = auth_elements[i].element;
        out->items[i].citation = auth_elements[i].citation;
        out->items[i].present = present[i];
        out->n_missing += !present[i];
    }
    if (!folio_str_empty(a->revoked_on)) {
        out->verdict = FOLIO_AUTH_REVOKED;
        out->verdict_citation = "45 CFR 164.508(b)(2)(iii), (b)(5)";
    } else if (has_exp && t > exp) {
        out->verdict = FOLIO_AUTH_EXPIRED;
        out->verdict_citation = "45 CFR 164.508(b)(2)(i)";
    } else if (has_sig && sig > t) {
        out->verdict = FOLIO_AUTH_NOT_SIGNED_YET;
        out->verdict_citation = "45 CFR 164.508(c)(1)(vi)";
    } else if (out->n_missing > 0) {
        out->verdict = FOLIO_AUTH_INCOMPLETE;
        out->verdict_citation = "45 CFR 164.508(b)(2)(ii)";
    } else {
        out->verdict = FOLIO_AUTH_VALID;
        out->verdict_citation = NULL;
    }
    return FOLIO_OK;
}

/* ---- the access fee ---- */

#define FEE_MAX 100000000

static enum folio_rc fee_arg(int64_t v, const char *field, struct folio_err *err)
{
    if (v < 0 || v > FEE_MAX)
        return folio_err_set(err, FOLIO_EINVAL, field, "%s: %lld is outside 0..%d", field,
                             (long long)v, FEE_MAX);
    return FOLIO_OK;
}

enum folio_rc folio_roi_fee(const struct folio_roi_fee_params *p, struct folio_roi_fee_result *out,
                            struct folio_err *err)
{
    enum folio_rc rc;
    *out = (struct folio_roi_fee_result){0};
    if ((rc = fee_arg(p->labor_minutes, "labor_minutes", err)) ||
        (rc = fee_arg(p->labor_cents_per_hour, "labor_cents_per_hour", err)) ||
        (rc = fee_arg(p->pages, "pages", err)) ||
        (rc = fee_arg(p->supply_cents_per_page, "supply_cents_per_page", err)) ||
        (rc = fee_arg(p->media_cents, "media_cents", err)) ||
        (rc = fee_arg(p->postage_cents, "postage_cents", err)) ||
        (rc = fee_arg(p->summary_cents, "summary_cents", err)) ||
        (rc = fee_arg(p->flat_cents, "flat_cents", err)))
        return rc;
    switch (p->method) {
    case FOLIO_ROI_FEE_FLAT:
        /* HHS guidance on 164.524(c)(4): a flat fee covers labor, supplies and postage of an
         * electronic copy of records kept electronically, in place of calculating costs */
        if (!p->electronic)
            return folio_err_set(err, FOLIO_EINVAL, "method",
                                 "method: a flat fee is for electronic copies only");
        out->total_cents = p->flat_cents;
        return FOLIO_OK;
    case FOLIO_ROI_FEE_COST:
        /* (c)(4)(i) labor for copying, (ii) supplies, (iii) postage, (iv) a summary. Values are
         * at most 1e8, so the products fit in int64. */
        out->labor_cents = (p->labor_minutes * p->labor_cents_per_hour + 30) / 60;
        out->supplies_cents =
            p->electronic ? p->media_cents : p->pages * p->supply_cents_per_page + p->media_cents;
        out->postage_cents = p->mailed ? p->postage_cents : 0;
        out->summary_cents = p->summary_cents;
        out->total_cents =
            out->labor_cents + out->supplies_cents + out->postage_cents + out->summary_cents;
        return FOLIO_OK;
    default:
        return folio_err_set(err, FOLIO_EINVAL, "method", "method: %d is not a fee method",
                             (int)p->method);
    }
}

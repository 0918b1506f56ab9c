/* Roles and the permission policy: which HIM role may see or change what.
 *
 * The table below is the policy. docs/permissions.md writes it down with the reason for each
 * role, and tests/unit/test_privacy.c compares that document's matrix with this table so the two
 * cannot drift. Minimum necessary (45 CFR 164.502(b), 164.514(d)): each role gets what its daily
 * work needs and no more; a role without FOLIO_PERM_IDENTIFIERS sees patients de-identified. */
#include "folio/base.h"

#include "folio/privacy.h"

struct role_def {
    uint32_t role;
    const char *name;
    const char *title;
};

static const struct role_def roles[] = {
    {FOLIO_ROLE_HIM_TECHNICIAN, "him_technician", "HIM technician"},
    {FOLIO_ROLE_CHART_ANALYST, "chart_analyst", "Chart analyst"},
    {FOLIO_ROLE_CODER, "coder", "Coder"},
    {FOLIO_ROLE_CODING_AUDITOR, "coding_auditor", "Coding auditor"},
    {FOLIO_ROLE_ROI_SPECIALIST, "roi_specialist", "ROI specialist"},
    {FOLIO_ROLE_PRIVACY_OFFICER, "privacy_officer", "Privacy officer"},
    {FOLIO_ROLE_CANCER_REGISTRAR, "cancer_registrar", "Cancer registrar"},
    {FOLIO_ROLE_CLINICIAN, "clinician", "Clinician"},
    {FOLIO_ROLE_ANALYST, "analyst", "Analyst"},
    {FOLIO_ROLE_ADMINISTRATOR, "administrator", "Administrator"},
};

static const char *const perm_names[FOLIO_PERM__COUNT] = {
    [FOLIO_PERM_NONE] = "none",
    [FOLIO_PERM_SIGNED_IN] = "signed_in",
    [FOLIO_PERM_PATIENT_READ] = "patient.read",
    [FOLIO_PERM_IDENTIFIERS] = "identifiers",
    [FOLIO_PERM_PATIENT_WRITE] = "patient.write",
    [FOLIO_PERM_ENCOUNTER_WRITE] = "encounter.write",
    [FOLIO_PERM_DOCUMENT_READ] = "document.read",
    [FOLIO_PERM_DOCUMENT_WRITE] = "document.write",
    [FOLIO_PERM_DOCUMENT_AMEND] = "document.amend",
    [FOLIO_PERM_RESULT_READ] = "result.read",
    [FOLIO_PERM_RESULT_WRITE] = "result.write",
    [FOLIO_PERM_AUDIT_READ] = "audit.read",
    [FOLIO_PERM_USER_ADMIN] = "user.admin",
    [FOLIO_PERM_INTERFACE_READ] = "interface.read",
    [FOLIO_PERM_INTERFACE_WRITE] = "interface.write",
    [FOLIO_PERM_MPI_REVIEW] = "mpi.review",
    [FOLIO_PERM_MPI_MERGE] = "mpi.merge",
    [FOLIO_PERM_CODING_READ] = "coding.read",
    [FOLIO_PERM_CODING_WRITE] = "coding.write",
    [FOLIO_PERM_CODING_MANAGE] = "coding.manage",
    [FOLIO_PERM_CMPL_READ] = "completeness.read",
    [FOLIO_PERM_CMPL_WRITE] = "completeness.write",
    [FOLIO_PERM_CMPL_MANAGE] = "completeness.manage",
    [FOLIO_PERM_QUERY_WRITE] = "query.write",
    [FOLIO_PERM_INBOX] = "inbox",
    [FOLIO_PERM_ROI_READ] = "roi.read",
    [FOLIO_PERM_ROI_WRITE] = "roi.write",
    [FOLIO_PERM_PRIVACY_REVIEW] = "privacy.review",
    [FOLIO_PERM_DEID_EXTRACT] = "deid.extract",
};

#define P(x) (1u << (x))
/* Granted to every signed-in user whatever the roles. */
#define BASE P(FOLIO_PERM_SIGNED_IN)
#define CHART_READ                                                                                 \
    (P(FOLIO_PERM_PATIENT_READ) | P(FOLIO_PERM_IDENTIFIERS) | P(FOLIO_PERM_DOCUMENT_READ) |        \
     P(FOLIO_PERM_RESULT_READ))

/* role -> permission bit set. Reasons: docs/permissions.md. */
static const struct {
    uint32_t role;
    uint32_t perms;
} policy[] = {
    {FOLIO_ROLE_HIM_TECHNICIAN, BASE | CHART_READ | P(FOLIO_PERM_PATIENT_WRITE) |
                                    P(FOLIO_PERM_ENCOUNTER_WRITE) | P(FOLIO_PERM_DOCUMENT_WRITE) |
                                    P(FOLIO_PERM_INTERFACE_READ) | P(FOLIO_PERM_INTERFACE_WRITE) |
                                    P(FOLIO_PERM_MPI_REVIEW) | P(FOLIO_PERM_MPI_MERGE) |
                                    P(FOLIO_PERM_CODING_READ) | P(FOLIO_PERM_CMPL_READ)},
    {FOLIO_ROLE_CHART_ANALYST, BASE | CHART_READ | P(FOLIO_PERM_CMPL_READ) |
                                   P(FOLIO_PERM_CMPL_WRITE) | P(FOLIO_PERM_QUERY_WRITE)},
    {FOLIO_ROLE_CODER, BASE | CHART_READ | P(FOLIO_PERM_CODING_READ) | P(FOLIO_PERM_CODING_WRITE) |
                           P(FOLIO_PERM_CMPL_READ) | P(FOLIO_PERM_QUERY_WRITE)},
    {FOLIO_ROLE_CODING_AUDITOR, BASE | CHART_READ | P(FOLIO_PERM_CODING_READ) |
                                    P(FOLIO_PERM_CODING_WRITE) | P(FOLIO_PERM_CODING_MANAGE) |
                                    P(FOLIO_PERM_CMPL_READ) | P(FOLIO_PERM_QUERY_WRITE)},
    {FOLIO_ROLE_ROI_SPECIALIST, BASE | CHART_READ | P(FOLIO_PERM_ROI_READ) | P(FOLIO_PERM_ROI_WRITE)},
    {FOLIO_ROLE_PRIVACY_OFFICER, BASE | P(FOLIO_PERM_PATIENT_READ) | P(FOLIO_PERM_IDENTIFIERS) |
                                     P(FOLIO_PERM_AUDIT_READ) | P(FOLIO_PERM_ROI_READ) |
                                     P(FOLIO_PERM_PRIVACY_REVIEW) | P(FOLIO_PERM_DEID_EXTRACT)},
    {FOLIO_ROLE_CANCER_REGISTRAR, BASE | CHART_READ},
    {FOLIO_ROLE_CLINICIAN, BASE | CHART_READ | P(FOLIO_PERM_DOCUMENT_WRITE) |
                               P(FOLIO_PERM_DOCUMENT_AMEND) | P(FOLIO_PERM_RESULT_WRITE) |
                               P(FOLIO_PERM_INBOX)},
    {FOLIO_ROLE_ANALYST,
     BASE | P(FOLIO_PERM_PATIENT_READ) | P(FOLIO_PERM_RESULT_READ) | P(FOLIO_PERM_DEID_EXTRACT)},
    {FOLIO_ROLE_ADMINISTRATOR, BASE | P(FOLIO_PERM_USER_ADMIN) | P(FOLIO_PERM_CMPL_MANAGE)},
};
_Static_assert(FOLIO_PERM__COUNT <= 32, "permission bits fit a uint32_t");
_Static_assert(FOLIO_ARRAY_LEN(policy) == 10, "one policy row per role");

static const struct role_def *find_role(uint32_t single_role)
{
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(roles); i++)
        if (roles[i].role == single_role)
            return &roles[i];
    return NULL;
}

const char *folio_role_name(uint32_t single_role)
{
    const struct role_def *r = find_role(single_role);
    return r ? r->name : NULL;
}

const char *folio_role_title(uint32_t single_role)
{
    const struct role_def *r = find_role(single_role);
    return r ? r->title : NULL;
}

enum folio_rc folio_roles_parse(const char *names, uint32_t *out, struct folio_err *err)
{
    struct folio_sv rest = folio_sv_from(names), item;
    uint32_t set = 0;

    if (folio_str_empty(names))
        return folio_err_set(err, FOLIO_EINVAL, "roles",
                             "no role given (one or more of him_technician, chart_analyst, coder, "
                             "coding_auditor, roi_specialist, privacy_officer, cancer_registrar, "
                             "clinician, analyst, administrator)");
    while (folio_sv_next_field(&rest, ',', &item)) {
        struct folio_sv t = folio_sv_trim(item);
        uint32_t found = 0;
        if (t.len == 0)
            return folio_err_set(err, FOLIO_EINVAL, "roles", "empty role name in '%s'", names);
        for (size_t i = 0; i < FOLIO_ARRAY_LEN(roles) && !found; i++)
            if (folio_sv_ieq_cstr(t, roles[i].name))
                found = roles[i].role;
        if (!found)
            return folio_err_set(err, FOLIO_EINVAL, "roles",
                                 "unknown role '%.*s' (him_technician, chart_analyst, coder, "
                                 "coding_auditor, roi_specialist, privacy_officer, "
                                 "cancer_registrar, clinician, analyst, administrator)",
                                 (int)(t.len > 64 ? 64 : t.len), t.p);
        set |= found;
    }
    *out = set;
    return FOLIO_OK;
}

bool folio_roles_format(uint32_t set, char *out, size_t cap)
{
    size_t len = 0;
    bool fits = true;

    if (cap == 0)
        return false;
    out[0] = '\0';
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(roles); i++) {
        if (!(set & roles[i].role))
            continue;
        size_t n = strlen(roles[i].name) + (len ? 1 : 0);
        if (len + n + 1 > cap) {
            fits = false;
            break;
        }
        if (len)
            out[len++] = ',';
        memcpy(out + len, roles[i].name, strlen(roles[i].name));
        len += strlen(roles[i].name);
        out[len] = '\0';
    }
    return fits;
}

const char *folio_perm_name(enum folio_perm p)
{
    if ((int)p < 0 || p >= FOLIO_PERM__COUNT)
        return "unknown";
    return perm_names[p];
}

bool folio_roles_can(uint32_t set, enum folio_perm p)
{
    if (p == FOLIO_PERM_NONE)
        return true;
    if ((int)p < 0 || p >= FOLIO_PERM__COUNT)
        return false;
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(policy); i++)
        if ((set & policy[i].role) && (policy[i].perms & P(p)))
            return true;
    return false;
}

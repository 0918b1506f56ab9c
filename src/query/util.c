/* Shared by src/query: names, SQL helpers, times, option normalisation (query_int.h). */
#include "folio/base.h"

#include "folio/time.h"
#include "query/query_int.h"

static const char *const kind_names[] = {NULL, "open_ended", "multiple_choice", "yes_no"};
static const char *const purpose_names[] = {NULL,
                                            "clinical_validation",
                                            "specificity",
                                            "poa",
                                            "conflicting_documentation",
                                            "confirm_documented",
                                            "cause_effect",
                                            "other"};
static const char *const status_names[] = {NULL,       "draft",     "sent",
                                           "answered", "withdrawn", "expired"};
static const char *const role_names[] = {NULL, "clinical", "other", "undetermined", "yes", "no"};

static const char *name_of(const char *const *t, size_t n, int v)
{
    return (v > 0 && (size_t)v < n) ? t[v] : NULL;
}

static int index_of(const char *const *t, size_t n, const char *name)
{
    if (!name)
        return 0;
    for (size_t i = 1; i < n; i++)
        if (folio_sv_ieq_cstr(folio_sv_from(name), t[i]))
            return (int)i;
    return 0;
}

const char *folio_query_kind_name(enum folio_query_kind k)
{
    return name_of(kind_names, FOLIO_ARRAY_LEN(kind_names), (int)k);
}
const char *folio_query_purpose_name(enum folio_query_purpose p)
{
    return name_of(purpose_names, FOLIO_ARRAY_LEN(purpose_names), (int)p);
}
const char *folio_query_status_name(enum folio_query_status s)
{
    return name_of(status_names, FOLIO_ARRAY_LEN(status_names), (int)s);
}
const char *folio_query_opt_role_name(enum folio_query_opt_role r)
{
    return name_of(role_names, FOLIO_ARRAY_LEN(role_names), (int)r);
}
enum folio_query_kind q_kind_from(const char *name)
{
    return (enum folio_query_kind)index_of(kind_names, FOLIO_ARRAY_LEN(kind_names), name);
}
enum folio_query_purpose q_purpose_from(const char *name)
{
    return (enum folio_query_purpose)index_of(purpose_names, FOLIO_ARRAY_LEN(purpose_names), name);
}
enum folio_query_status q_status_from(const char *name)
{
    return (enum folio_query_status)index_of(status_names, FOLIO_ARRAY_LEN(status_names), name);
}
enum folio_query_opt_role q_role_from(const char *name)
{
    return (enum folio_query_opt_role)index_of(role_names, FOLIO_ARRAY_LEN(role_names), name);
}

enum folio_rc folio_query_kind_parse(const char *name, enum folio_query_kind *out,
                                     struct folio_err *err)
{
    enum folio_query_kind k = q_kind_from(name);
    if (!k)
        return folio_err_set(err, FOLIO_EINVAL, "kind",
                             "kind: '%.40s' is not a query kind (open_ended, multiple_choice, "
                             "yes_no)",
                             name ? name : "");
    *out = k;
    return FOLIO_OK;
}

enum folio_rc folio_query_purpose_parse(const char *name, enum folio_query_purpose *out,
                                        struct folio_err *err)
{
    enum folio_query_purpose p = q_purpose_from(name);
    if (!p)
        return folio_err_set(err, FOLIO_EINVAL, "purpose",
                             "purpose: '%.40s' is not a query purpose (clinical_validation, "
                             "specificity, poa, conflicting_documentation, confirm_documented, "
                             "cause_effect, other)",
                             name ? name : "");
    *out = p;
    return FOLIO_OK;
}

bool folio_query_yes_no_allowed(enum folio_query_purpose p)
{
    /* AHIMA/ACDIS 2022: yes/no queries may establish POA, substantiate a diagnosis already
     * present in the record, establish cause and effect, or resolve conflicting documentation;
     * never to add a new diagnosis from clinical indicators alone. */
    return p == FOLIO_QP_POA || p == FOLIO_QP_CONFLICTING || p == FOLIO_QP_CONFIRM_DOCUMENTED ||
           p == FOLIO_QP_CAUSE_EFFECT;
}




/* ---- times ---- */


void q_time_format(int64_t secs, char out[32])
{
    folio_time_format_epoch(secs, out);
}

bool q_time_secs(const char *stored, int64_t *secs)
{
    struct folio_time t;
    if (folio_str_empty(stored) ||
        folio_time_parse_iso(folio_sv_from(stored), &t, "time", NULL) != FOLIO_OK)
        return false;
    return folio_time_epoch(&t, secs);
}

enum folio_rc q_time_arg(const char *in, const char *field, char out[32], struct folio_err *err)
{
    struct folio_time t;
    enum folio_rc rc;
    if (folio_str_empty(in)) {
        folio_time_now_utc(out);
        return FOLIO_OK;
    }
    if ((rc = folio_time_parse_any(folio_sv_from(in), &t, field, err)))
        return rc;
    if (t.prec < FOLIO_PREC_HOUR)
        return folio_err_set(err, FOLIO_EINVAL, field, "%s: '%.40s' has no time of day", field, in);
    int64_t secs = 0;
    (void)folio_time_epoch(&t, &secs);
    q_time_format(secs, out);
    return FOLIO_OK;
}

/* ---- options ---- */

static bool is_role(const struct folio_query_option *o, enum folio_query_opt_role r,
                    const char *label)
{
    return o->role == r ||
           (o->label && folio_sv_ieq_cstr(folio_sv_trim(folio_sv_from(o->label)), label));
}

enum folio_rc q_normalize_options(enum folio_query_kind kind, const struct folio_query_option *in,
                                  size_t n, struct folio_arena *a, struct folio_query_option **out,
                                  size_t *n_out, struct folio_err *err)
{
    struct folio_query_option *v = folio_arena_calloc(a, n + 3, sizeof *v);
    size_t k = 0;
    if (!v)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    if (kind == FOLIO_QK_YES_NO) {
        v[0] = (struct folio_query_option){FOLIO_QO_YES, "Yes"};
        v[1] = (struct folio_query_option){FOLIO_QO_NO, "No"};
        v[2] = (struct folio_query_option){FOLIO_QO_UNDETERMINED, FOLIO_QUERY_UNDET_LABEL};
        /* keep the caller's wording of yes and no when given */
        for (size_t i = 0; i < n; i++) {
            if (in[i].role == FOLIO_QO_YES && !folio_str_empty(in[i].label))
                v[0].label = in[i].label;
            if (in[i].role == FOLIO_QO_NO && !folio_str_empty(in[i].label))
                v[1].label = in[i].label;
        }
        *out = v;
        *n_out = 3;
        return FOLIO_OK;
    }
    if (kind != FOLIO_QK_MULTIPLE_CHOICE) {
        for (size_t i = 0; i < n; i++)
            v[k++] = in[i];
        *out = v;
        *n_out = k;
        return FOLIO_OK;
    }
    const char *other = NULL, *undet = NULL;
    for (size_t i = 0; i < n; i++) {
        if (is_role(&in[i], FOLIO_QO_OTHER, FOLIO_QUERY_OTHER_LABEL) ||
            is_role(&in[i], FOLIO_QO_OTHER, "Other")) {
            other = in[i].label;
        } else if (is_role(&in[i], FOLIO_QO_UNDETERMINED, FOLIO_QUERY_UNDET_LABEL)) {
            undet = in[i].label;
        } else {
            v[k] = in[i];
            if (!v[k].role)
                v[k].role = FOLIO_QO_CLINICAL;
            k++;
        }
    }
    v[k++] = (struct folio_query_option){FOLIO_QO_OTHER,
                                         folio_str_empty(other) ? FOLIO_QUERY_OTHER_LABEL : other};
    v[k++] = (struct folio_query_option){FOLIO_QO_UNDETERMINED,
                                         folio_str_empty(undet) ? FOLIO_QUERY_UNDET_LABEL : undet};
    *out = v;
    *n_out = k;
    return FOLIO_OK;
}

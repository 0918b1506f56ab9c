/* The stays of a case-mix report: final inpatient abstracts of a discharge period with their
 * codes (include/folio/casemix.h, docs/drg.md "In the product"). */
#include "folio/base.h"

#include "coding/abstract_int.h"
#include "folio/casemix.h"

/* The stays; the attending at discharge is the latest attending assigned (from_at, then id).
 * Stored times are canonical UTC text: they compare as text against the period's days. */
#define CM_STAYS                                                                                   \
    "SELECT a.id, e.id, e.patient_id, e.admit_at, e.discharge_at, e.service, e.disposition, "      \
    "p.sex, pr.id, pr.family, pr.given "                                                           \
    "FROM coding_abstract a JOIN encounter e ON e.id = a.encounter_id "                            \
    "JOIN patient p ON p.id = e.patient_id "                                                       \
    "LEFT JOIN provider pr ON pr.id = (SELECT ep.provider_id FROM encounter_provider ep WHERE "    \
    "ep.encounter_id = e.id AND ep.role = 'attending' ORDER BY ep.from_at DESC, ep.id DESC "       \
    "LIMIT 1) "                                                                                    \
    "WHERE a.status = 'final' AND e.enc_class = 'inpatient' AND e.status <> 'cancelled' AND "      \
    "e.discharge_at >= ? AND e.discharge_at < ? ORDER BY a.id"

#define CM_CODES                                                                                   \
    "SELECT c.abstract_id, c.role, c.seq, c.code_system, c.code, c.poa "                           \
    "FROM coding_abstract_code c JOIN coding_abstract a ON a.id = c.abstract_id "                  \
    "JOIN encounter e ON e.id = a.encounter_id "                                                   \
    "WHERE c.to_version IS NULL AND a.status = 'final' AND e.enc_class = 'inpatient' AND "         \
    "e.status <> 'cancelled' AND e.discharge_at >= ? AND e.discharge_at < ? "                      \
    "ORDER BY c.abstract_id, c.id"

struct cm_code {
    int64_t abstract_id, seq;
    struct folio_abstract_code c;
};

struct cm_stay {
    int64_t abstract_id;
    char discharge_at[32];
    struct folio_casemix_case c;
};

/* The order of struct folio_abstract: principal, admitting, reason for visit, secondary,
 * external cause, procedure. */
static int role_rank(enum folio_abs_role r)
{
    switch (r) {
    case FOLIO_ABS_PRINCIPAL:
        return 0;
    case FOLIO_ABS_ADMITTING:
        return 1;
    case FOLIO_ABS_REASON_VISIT:
        return 2;
    case FOLIO_ABS_SECONDARY:
        return 3;
    case FOLIO_ABS_EXTERNAL_CAUSE:
        return 4;
    case FOLIO_ABS_PROCEDURE:
        return 5;
    }
    return 6;
}

static int cmp_code(const void *pa, const void *pb)
{
    const struct cm_code *a = pa, *b = pb;
    int ra = role_rank(a->c.role), rb = role_rank(b->c.role);

    if (a->abstract_id != b->abstract_id)
        return a->abstract_id < b->abstract_id ? -1 : 1;
    if (ra != rb)
        return ra < rb ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int cmp_stay(const void *pa, const void *pb)
{
    const struct cm_stay *a = pa, *b = pb;
    int c = strcmp(a->discharge_at, b->discharge_at);

    if (c)
        return c;
    return a->c.encounter_id < b->c.encounter_id ? -1 : a->c.encounter_id > b->c.encounter_id;
}

/* Grows a heap array of elements of size sz to hold one more; false when out of memory or
 * beyond max elements. */
static bool grow(void **v, size_t *cap, size_t n, size_t sz, size_t max)
{
    size_t nc;
    void *nv;

    if (n < *cap)
        return true;
    if (n >= max)
        return false;
    nc = *cap ? *cap * 2 : 64;
    if (nc > max)
        nc = max;
    if (nc > SIZE_MAX / sz)
        return false;
    nv = realloc(*v, nc * sz);
    if (!nv)
        return false;
    *v = nv;
    *cap = nc;
    return true;
}

static char *name_of(struct folio_arena *a, const char *family, const char *given, bool *oom)
{
    char *s;

    if (folio_str_empty(family) && folio_str_empty(given))
        return NULL;
    if (folio_str_empty(given))
        s = folio_arena_strdup(a, family);
    else if (folio_str_empty(family))
        s = folio_arena_strdup(a, given);
    else
        s = folio_arena_printf(a, "%s, %s", family, given);
    if (!s)
        *oom = true;
    return s;
}

static enum folio_rc read_stays(struct folio_store *s, const char *from, const char *end,
                                struct folio_arena *a, struct cm_stay **out, size_t *n,
                                struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct cm_stay *v = NULL;
    size_t cap = 0, count = 0;
    bool row = false, oom = false, big = false;
    enum folio_rc rc;

    rc = abs_prepare(s, &st, err, CM_STAYS, "tt", from, end);
    if (rc)
        return rc;
    while ((rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        struct cm_stay *x;
        const char *sex, *admit;

        if (!grow((void **)&v, &cap, count, sizeof *v, FOLIO_CASEMIX_MAX_CASES)) {
            big = count >= FOLIO_CASEMIX_MAX_CASES;
            oom = !big;
            break;
        }
        x = &v[count++];
        memset(x, 0, sizeof *x);
        x->abstract_id = folio_stmt_column_i64(st, 0);
        x->c.encounter_id = folio_stmt_column_i64(st, 1);
        x->c.patient_id = folio_stmt_column_i64(st, 2);
        admit = folio_stmt_column_text(st, 3);
        if (admit && strlen(admit) >= 10)
            memcpy(x->c.admit_date, admit, 10);
        folio_stmt_column_copy(st, 4, x->discharge_at, sizeof x->discharge_at);
        (void)folio_strlcpy(x->c.discharge_date, x->discharge_at, sizeof x->c.discharge_date);
        x->c.service = folio_stmt_column_dup(a, st, 5, &oom);
        folio_stmt_column_copy(st, 6, x->c.disposition, sizeof x->c.disposition);
        sex = folio_stmt_column_text(st, 7);
        x->c.sex = sex && (sex[0] == 'M' || sex[0] == 'F') && !sex[1] ? sex[0] : 'U';
        if (!folio_stmt_column_is_null(st, 8)) {
            x->c.attending_id = folio_stmt_column_i64(st, 8);
            x->c.attending =
                name_of(a, folio_stmt_column_text(st, 9), folio_stmt_column_text(st, 10), &oom);
        }
        if (oom)
            break;
    }
    folio_stmt_free(st);
    if (rc == FOLIO_OK && big)
        rc = folio_err_set(err, FOLIO_ETOOBIG, "to",
                           "more than %d stays were discharged in the period: shorten it",
                           FOLIO_CASEMIX_MAX_CASES);
    else if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory reading the stays");
    if (rc) {
        free(v);
        return rc;
    }
    *out = v;
    *n = count;
    return FOLIO_OK;
}

static enum folio_rc read_codes(struct folio_store *s, const char *from, const char *end,
                                struct cm_code **out, size_t *n, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct cm_code *v = NULL;
    size_t cap = 0, count = 0;
    bool row = false, oom = false;
    enum folio_rc rc;

    rc = abs_prepare(s, &st, err, CM_CODES, "tt", from, end);
    if (rc)
        return rc;
    while ((rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        struct cm_code *x;
        const char *sys, *poa;

        if (!grow((void **)&v, &cap, count, sizeof *v,
                  (size_t)FOLIO_CASEMIX_MAX_CASES * FOLIO_ABSTRACT_MAX_CODES)) {
            oom = true;
            break;
        }
        x = &v[count++];
        memset(x, 0, sizeof *x);
        x->abstract_id = folio_stmt_column_i64(st, 0);
        x->c.role = abs_role_from(folio_stmt_column_text(st, 1));
        x->seq = folio_stmt_column_i64(st, 2);
        sys = folio_stmt_column_text(st, 3);
        x->c.system = sys && strcmp(sys, "icd10cm") == 0    ? FOLIO_CS_ICD10CM
                      : sys && strcmp(sys, "icd10pcs") == 0 ? FOLIO_CS_ICD10PCS
                      : sys && strcmp(sys, "cpt") == 0      ? FOLIO_CS_CPT
                      : sys && strcmp(sys, "hcpcs") == 0    ? FOLIO_CS_HCPCS
                                                            : (enum folio_code_system)0;
        folio_stmt_column_copy(st, 4, x->c.code, sizeof x->c.code);
        poa = folio_stmt_column_text(st, 5);
        x->c.poa = poa ? poa[0] : '\0';
    }
    folio_stmt_free(st);
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory reading the codes");
    if (rc) {
        free(v);
        return rc;
    }
    if (count > 1)
        qsort(v, count, sizeof *v, cmp_code);
    *out = v;
    *n = count;
    return FOLIO_OK;
}

enum folio_rc folio_casemix_cases(struct folio_store *s, const char *from, const char *to,
                                  struct folio_arena *a, struct folio_casemix_case **out, size_t *n,
                                  struct folio_err *err)
{
    struct cm_stay *stays = NULL;
    struct cm_code *codes = NULL;
    struct folio_casemix_case *res = NULL;
    size_t ns = 0, nc = 0, i, k = 0;
    int64_t d_from, d_to;
    char end[11];
    enum folio_rc rc;

    *out = NULL;
    *n = 0;
    if (folio_str_empty(from) || !abs_date_days(from, &d_from))
        return folio_err_set(err, FOLIO_EINVAL, "from", "from: '%.40s' is not a date (YYYY-MM-DD)",
                             from ? from : "");
    if (folio_str_empty(to) || !abs_date_days(to, &d_to))
        return folio_err_set(err, FOLIO_EINVAL, "to", "to: '%.40s' is not a date (YYYY-MM-DD)",
                             to ? to : "");
    if (d_to < d_from)
        return folio_err_set(err, FOLIO_EINVAL, "to", "to: %s is before from (%s)", to, from);
    abs_date_format(d_to + 1, end);
    if (!end[0])
        return folio_err_set(err, FOLIO_EINVAL, "to", "to: %s is out of range", to);
    rc = read_stays(s, from, end, a, &stays, &ns, err);
    rc = rc ? rc : read_codes(s, from, end, &codes, &nc, err);
    if (rc)
        goto out;
    /* Both ordered by abstract id: hand each stay its codes. A code whose abstract is not among
     * the stays (a concurrent change between the two reads) is skipped. */
    for (i = 0; i < ns; i++) {
        size_t first, m;

        while (k < nc && codes[k].abstract_id < stays[i].abstract_id)
            k++;
        first = k;
        while (k < nc && codes[k].abstract_id == stays[i].abstract_id)
            k++;
        m = k - first;
        if (!m)
            continue;
        stays[i].c.codes = folio_arena_calloc(a, m, sizeof *stays[i].c.codes);
        if (!stays[i].c.codes) {
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
            goto out;
        }
        for (size_t j = 0; j < m; j++)
            stays[i].c.codes[j] = codes[first + j].c;
        stays[i].c.n_codes = m;
    }
    if (ns > 1)
        qsort(stays, ns, sizeof *stays, cmp_stay);
    if (ns && !(res = folio_arena_calloc(a, ns, sizeof *res))) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    for (i = 0; i < ns; i++)
        res[i] = stays[i].c;
    *out = res;
    *n = ns;
out:
    free(stays);
    free(codes);
    return rc;
}

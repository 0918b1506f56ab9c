/* Medical record delinquency (issue 8 item 4): the Joint Commission's monthly delinquency rate,
 * by provider, by rule, aging of open deficiencies, and its CSV form (folio/completeness.h,
 * docs/completeness.md "Delinquency"). Reads only; the clock is the caller's. */
#include "folio/base.h"

#include "completeness/completeness_int.h"
#include "folio/time.h"

#define DAY 86400

struct drow {
    int64_t enc, resp;
    char *rule, *name;
    int64_t disch, created, resolved; /* resolved INT64_MAX: not resolved */
    int64_t due;                      /* INT64_MAX: none */
};

static int64_t month_start(int64_t ym)
{
    char t[32];
    int64_t s = 0;
    folio_snprintf(t, sizeof t, "%04d-%02d-01T00:00:00Z", (int)(ym / 12), (int)(ym % 12 + 1));
    if (!cmpl_secs(t, &s))
        FOLIO_BUG("month start");
    return s;
}

/* "YYYY-MM" -> year * 12 + month - 1. */
static enum folio_rc parse_month(const char *in, const char *field, int64_t *ym,
                                 struct folio_err *err)
{
    int64_t y = 0, m = 0;
    if (in && strlen(in) == 7 && in[4] == '-' &&
        folio_sv_to_i64((struct folio_sv){in, 4}, &y) == FOLIO_OK &&
        folio_sv_to_i64((struct folio_sv){in + 5, 2}, &m) == FOLIO_OK && y >= 1900 && y <= 9999 &&
        m >= 1 && m <= 12 && in[0] != '-' && in[5] != '-') {
        *ym = y * 12 + m - 1;
        return FOLIO_OK;
    }
    return folio_err_set(err, FOLIO_EINVAL, field, "%s: '%.20s' is not a month (YYYY-MM)", field,
                         in ? in : "");
}

/* Outstanding at p: created by p and not resolved by p. */
static bool outstanding(const struct drow *r, int64_t p)
{
    return r->created <= p && r->resolved > p;
}

static bool delinquent(const struct drow *r, int64_t p, int64_t bylaws_s)
{
    return r->disch != INT64_MAX && outstanding(r, p) && p - r->disch > bylaws_s;
}

static enum folio_rc load_rows(struct folio_store *s, const char *since, struct folio_arena *a,
                               struct drow **out, size_t *n, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    struct drow *v = NULL;
    size_t cap = 0, len = 0;
    bool row = false, oom = false;
    enum folio_rc rc;

    rc = cmpl_prepare(s, &st, err,
                      "SELECT d.encounter_id, COALESCE(d.responsible_id, 0), d.rule, p.family, "
                      "p.given, e.discharge_at, d.created_at, d.status, d.closed_at, d.due_at, "
                      "(SELECT MIN(v.at) FROM deficiency_event v WHERE v.deficiency_id = d.id "
                      "AND v.action = 'waive') "
                      "FROM deficiency d JOIN encounter e ON e.id = d.encounter_id "
                      "LEFT JOIN provider p ON p.id = d.responsible_id "
                      "WHERE e.status <> 'cancelled' AND (d.closed_at IS NULL OR d.closed_at >= ?) "
                      "ORDER BY d.encounter_id, d.id",
                      "T", since);
    while (rc == FOLIO_OK && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 64, bytes;
            struct drow *nv;
            if (!folio_size_mul(ncap, sizeof *nv, &bytes) || !(nv = folio_arena_alloc(a, bytes))) {
                rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
                break;
            }
            if (len)
                memcpy(nv, v, len * sizeof *nv);
            v = nv;
            cap = ncap;
        }
        struct drow *r = &v[len];
        const char *status = folio_stmt_column_text(st, 7);
        const char *fam = folio_stmt_column_text(st, 3), *giv = folio_stmt_column_text(st, 4);
        int64_t t = 0;
        r->enc = folio_stmt_column_i64(st, 0);
        r->resp = folio_stmt_column_i64(st, 1);
        r->rule = folio_stmt_column_dup(a, st, 2, &oom);
        r->name = NULL;
        if (r->resp && (fam || giv)) {
            size_t nl = (fam ? strlen(fam) : 0) + (giv ? strlen(giv) : 0) + 3;
            r->name = folio_arena_alloc(a, nl);
            if (r->name)
                folio_snprintf(r->name, nl, "%s%s%s", fam ? fam : "", fam && giv ? ", " : "",
                               giv ? giv : "");
            else
                oom = true;
        }
        r->disch = cmpl_secs(folio_stmt_column_text(st, 5), &t) ? t : INT64_MAX;
        r->created = cmpl_secs(folio_stmt_column_text(st, 6), &t) ? t : 0;
        r->due = cmpl_secs(folio_stmt_column_text(st, 9), &t) ? t : INT64_MAX;
        r->resolved = INT64_MAX;
        if (status && (strcmp(status, "closed") == 0 || strcmp(status, "withdrawn") == 0) &&
            cmpl_secs(folio_stmt_column_text(st, 8), &t))
            r->resolved = t;
        if (cmpl_secs(folio_stmt_column_text(st, 10), &t) && t < r->resolved)
            r->resolved = t; /* waived (also when later withdrawn) */
        if (oom) {
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
            break;
        }
        len++;
    }
    folio_stmt_free(st);
    *out = v;
    *n = len;
    return rc;
}

static enum folio_rc count_discharges(struct folio_store *s, const char *since,
                                      struct folio_delinq_month *m, size_t nm, const int64_t *lo,
                                      const int64_t *hi, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false;
    enum folio_rc rc;

    rc = cmpl_prepare(s, &st, err,
                      "SELECT discharge_at FROM encounter WHERE discharge_at IS NOT NULL "
                      "AND status <> 'cancelled' AND discharge_at >= ?",
                      "T", since);
    while (rc == FOLIO_OK && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        int64_t t = 0;
        if (!cmpl_secs(folio_stmt_column_text(st, 0), &t))
            continue;
        for (size_t i = 0; i < nm; i++)
            if (t >= lo[i] && t <= hi[i])
                m[i].discharges++;
    }
    folio_stmt_free(st);
    return rc;
}

static struct folio_delinq_provider *find_prov(struct folio_delinq_provider *v, size_t *n,
                                               const struct drow *r)
{
    for (size_t i = 0; i < *n; i++)
        if (v[i].provider_id == r->resp)
            return &v[i];
    v[*n] = (struct folio_delinq_provider){.provider_id = r->resp, .name = r->name};
    return &v[(*n)++];
}

static struct folio_delinq_type *find_type(struct folio_delinq_type *v, size_t *n,
                                           const struct drow *r)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(v[i].rule, r->rule) == 0)
            return &v[i];
    v[*n] = (struct folio_delinq_type){.rule = r->rule};
    return &v[(*n)++];
}

static int cmp_prov(const void *a, const void *b)
{
    const struct folio_delinq_provider *x = a, *y = b;
    if (x->records != y->records)
        return x->records > y->records ? -1 : 1;
    if (x->deficiencies != y->deficiencies)
        return x->deficiencies > y->deficiencies ? -1 : 1;
    return (x->provider_id > y->provider_id) - (x->provider_id < y->provider_id);
}

static int cmp_type(const void *a, const void *b)
{
    const struct folio_delinq_type *x = a, *y = b;
    if (x->records != y->records)
        return x->records > y->records ? -1 : 1;
    if (x->deficiencies != y->deficiencies)
        return x->deficiencies > y->deficiencies ? -1 : 1;
    return strcmp(x->rule, y->rule);
}

/* Breakdowns at p over rows v[0..n) sorted by encounter. */
static enum folio_rc breakdowns(struct folio_delinq_report *r, const struct drow *v, size_t n,
                                int64_t p, int64_t bylaws_s, struct folio_arena *a,
                                struct folio_err *err)
{
    r->providers = folio_arena_calloc(a, n + 1, sizeof *r->providers);
    r->types = folio_arena_calloc(a, n + 1, sizeof *r->types);
    if (!r->providers || !r->types)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < n;) {
        size_t j = i;
        bool delinq = false;
        while (j < n && v[j].enc == v[i].enc)
            delinq |= delinquent(&v[j++], p, bylaws_s);
        /* one record: count each provider and rule once in records */
        for (size_t k = i; k < j; k++) {
            const struct drow *d = &v[k];
            if (!outstanding(d, p))
                continue;
            if (d->due == INT64_MAX || p <= d->due) {
                r->not_overdue++;
            } else {
                int64_t days = (p - d->due) / DAY;
                r->aging[days <= 7    ? FOLIO_AGE_0_7
                         : days <= 14 ? FOLIO_AGE_8_14
                         : days <= 30 ? FOLIO_AGE_15_30
                         : days <= 60 ? FOLIO_AGE_31_60
                                      : FOLIO_AGE_OVER_60]++;
            }
            if (!delinq)
                continue;
            bool seen_p = false, seen_t = false;
            for (size_t q = i; q < k; q++) {
                if (!outstanding(&v[q], p))
                    continue;
                seen_p |= v[q].resp == d->resp;
                seen_t |= strcmp(v[q].rule, d->rule) == 0;
            }
            struct folio_delinq_provider *pv = find_prov(r->providers, &r->n_providers, d);
            struct folio_delinq_type *ty = find_type(r->types, &r->n_types, d);
            pv->deficiencies++;
            ty->deficiencies++;
            pv->records += !seen_p;
            ty->records += !seen_t;
        }
        i = j;
    }
    if (r->n_providers)
        qsort(r->providers, r->n_providers, sizeof *r->providers, cmp_prov);
    if (r->n_types)
        qsort(r->types, r->n_types, sizeof *r->types, cmp_type);
    return FOLIO_OK;
}

enum folio_rc folio_completeness_delinquency(struct folio_store *s, const char *from,
                                             const char *to, int bylaws_days, const char *as_of,
                                             struct folio_arena *a, struct folio_delinq_report *out,
                                             struct folio_err *err)
{
    struct folio_delinq_report r = {0};
    struct drow *v = NULL;
    size_t n = 0;
    int64_t ym0 = 0, ym1 = 0, now = 0, *lo = NULL, *hi = NULL;
    char since[32];
    enum folio_rc rc;

    memset(out, 0, sizeof *out);
    rc = cmpl_now(as_of, r.as_of, &now, err);
    if (rc) {
        if (err)
            folio_strlcpy(err->field, "as_of", sizeof err->field);
        return rc;
    }
    /* the default period: the twelve months up to the month of as_of (UTC), or up to `to` */
    if (folio_str_empty(to)) {
        int y, m, d;
        folio_civil_from_days(now >= 0 ? now / 86400 : (now - 86399) / 86400, &y, &m, &d);
        ym1 = (int64_t)y * 12 + m - 1;
    } else if ((rc = parse_month(to, "to", &ym1, err))) {
        return rc;
    }
    if (folio_str_empty(from))
        ym0 = ym1 - (FOLIO_DELINQ_DEFAULT_MONTHS - 1);
    else if ((rc = parse_month(from, "from", &ym0, err)))
        return rc;
    if (ym1 < ym0)
        return folio_err_set(err, FOLIO_EINVAL, "to", "to: %s is before from %s", to, from);
    if (ym1 - ym0 >= FOLIO_DELINQ_MAX_MONTHS)
        return folio_err_set(err, FOLIO_EINVAL, "to", "to: more than %d months after from",
                             FOLIO_DELINQ_MAX_MONTHS);
    if (bylaws_days < 0 || bylaws_days > 3660)
        return folio_err_set(err, FOLIO_EINVAL, "bylaws_days",
                             "bylaws_days: %d is not between 0 and 3660", bylaws_days);
    if (month_start(ym1) > now)
        return folio_err_set(err, FOLIO_EINVAL, "to", "to: %s begins after as_of %s", to, r.as_of);
    r.bylaws_days = bylaws_days;
    r.n_months = (size_t)(ym1 - ym0 + 1);
    r.months = folio_arena_calloc(a, r.n_months, sizeof *r.months);
    lo = folio_arena_calloc(a, r.n_months, sizeof *lo);
    hi = folio_arena_calloc(a, r.n_months, sizeof *hi);
    if (!r.months || !lo || !hi)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < r.n_months; i++) {
        int64_t ym = ym0 + (int64_t)i;
        lo[i] = month_start(ym);
        hi[i] = month_start(ym + 1) - 1; /* the month's last second */
        r.months[i].partial = hi[i] > now;
        if (r.months[i].partial)
            hi[i] = now;
        folio_snprintf(r.months[i].month, sizeof r.months[i].month, "%04d-%02d", (int)(ym / 12),
                       (int)(ym % 12 + 1));
        cmpl_fmt(hi[i], r.months[i].measured_at);
    }
    /* A stored time may be a date or minutes only: compare by day with a day's slack. */
    cmpl_fmt(lo[0] - DAY, since);
    since[10] = '\0';
    rc = count_discharges(s, since, r.months, r.n_months, lo, hi, err);
    if (rc == FOLIO_OK)
        rc = load_rows(s, since, a, &v, &n, err);
    if (rc)
        return rc;
    /* rows come ordered by encounter: each record's deficiencies are adjacent */
    int64_t bylaws_s = (int64_t)bylaws_days * DAY;
    for (size_t m = 0; m < r.n_months; m++) {
        for (size_t i = 0; i < n;) {
            size_t j = i;
            bool d = false;
            while (j < n && v[j].enc == v[i].enc)
                d |= delinquent(&v[j++], hi[m], bylaws_s);
            r.months[m].delinquent += d;
            i = j;
        }
        r.sum_discharges += r.months[m].discharges;
        r.sum_delinquent += r.months[m].delinquent;
    }
    r.avg_discharges = (double)r.sum_discharges / (double)r.n_months;
    r.avg_delinquent = (double)r.sum_delinquent / (double)r.n_months;
    r.rate_defined = r.sum_discharges > 0;
    if (r.rate_defined) {
        /* same number of months on both sides: the ratio of averages is the ratio of sums */
        r.rate_pct = 100.0 * (double)r.sum_delinquent / (double)r.sum_discharges;
        r.finding = r.sum_delinquent * 100 >= r.sum_discharges * FOLIO_DELINQ_FINDING_PCT;
    }
    folio_strlcpy(r.measured_at, r.months[r.n_months - 1].measured_at, sizeof r.measured_at);
    rc = breakdowns(&r, v, n, hi[r.n_months - 1], bylaws_s, a, err);
    if (rc == FOLIO_OK)
        *out = r;
    return rc;
}

/* ---- CSV ---- */

static const char *const age_names[FOLIO_AGE_N] = {"0-7", "8-14", "15-30", "31-60", "over 60"};

enum folio_rc folio_completeness_delinquency_csv(const struct folio_delinq_report *r,
                                                 struct folio_buf *b)
{
    enum folio_rc rc = folio_buf_append_str(
        b, "section,key,name,measured_at,discharges,delinquent,records,deficiencies,rate_pct,"
           "finding\r\n");
    for (size_t i = 0; rc == FOLIO_OK && i < r->n_months; i++) {
        const struct folio_delinq_month *m = &r->months[i];
        rc = folio_buf_appendf(b, "month,%s,%s,%s,%lld,%lld,,,,\r\n", m->month,
                               m->partial ? "partial" : "", m->measured_at,
                               (long long)m->discharges, (long long)m->delinquent);
    }
    if (rc == FOLIO_OK) {
        char rate[32] = "";
        if (r->rate_defined)
            folio_snprintf(rate, sizeof rate, "%.2f", r->rate_pct);
        rc = folio_buf_appendf(b, "average,bylaws %d days,,%s,%.2f,%.2f,,,%s,%s\r\n",
                               r->bylaws_days, r->measured_at, r->avg_discharges, r->avg_delinquent,
                               rate, r->finding ? "yes" : "no");
    }
    for (size_t i = 0; rc == FOLIO_OK && i < r->n_providers; i++) {
        const struct folio_delinq_provider *p = &r->providers[i];
        rc = folio_buf_appendf(b, "provider,%lld,", (long long)p->provider_id);
        if (rc == FOLIO_OK)
            rc = folio_buf_append_csv_field(b, p->name);
        if (rc == FOLIO_OK)
            rc = folio_buf_appendf(b, ",%s,,,%lld,%lld,,\r\n", r->measured_at,
                                   (long long)p->records, (long long)p->deficiencies);
    }
    for (size_t i = 0; rc == FOLIO_OK && i < r->n_types; i++) {
        const struct folio_delinq_type *t = &r->types[i];
        rc = folio_buf_append_str(b, "type,");
        if (rc == FOLIO_OK)
            rc = folio_buf_append_csv_field(b, t->rule);
        if (rc == FOLIO_OK)
            rc = folio_buf_appendf(b, ",,%s,,,%lld,%lld,,\r\n", r->measured_at,
                                   (long long)t->records, (long long)t->deficiencies);
    }
    for (int i = 0; rc == FOLIO_OK && i < FOLIO_AGE_N; i++)
        rc = folio_buf_appendf(b, "aging,%s,,%s,,,,%lld,,\r\n", age_names[i], r->measured_at,
                               (long long)r->aging[i]);
    if (rc == FOLIO_OK)
        rc = folio_buf_appendf(b, "aging,not overdue,,%s,,,,%lld,,\r\n", r->measured_at,
                               (long long)r->not_overdue);
    return rc;
}

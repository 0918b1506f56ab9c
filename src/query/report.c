/* Query reports: rate per discharge, response times, agreement, open-query aging
 * (folio_query_report in include/folio/query.h). */
#include "folio/base.h"

#include "folio/records.h"
#include "query/query_int.h"

struct qrow {
    char *author;
    int64_t provider_id;
    bool answered, agreed;
    double hours; /* sent -> answered */
};

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return a < b ? -1 : (a > b);
}

/* Percentile p (0..1) of sorted v by linear interpolation between closest ranks. */
static double percentile(const double *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    double pos = p * (double)(n - 1);
    size_t lo = (size_t)pos;
    double frac = pos - (double)lo;
    return lo + 1 < n ? v[lo] + frac * (v[lo + 1] - v[lo]) : v[lo];
}

/* Stats over the rows selected by (author, provider_id): author NULL and provider 0 = all. */
static enum folio_rc stats_of(const struct qrow *r, size_t n, const char *author,
                              int64_t provider_id, int64_t discharges, struct folio_arena *a,
                              struct folio_query_stats *out, struct folio_err *err)
{
    double *h = folio_arena_calloc(a, n ? n : 1, sizeof *h);
    size_t k = 0;
    if (!h)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    memset(out, 0, sizeof *out);
    out->discharges = discharges;
    for (size_t i = 0; i < n; i++) {
        if (author && strcmp(author, r[i].author) != 0)
            continue;
        if (provider_id && provider_id != r[i].provider_id)
            continue;
        out->queries++;
        if (r[i].answered) {
            out->answered++;
            h[k++] = r[i].hours;
            if (r[i].agreed)
                out->agreed++;
        }
    }
    qsort(h, k, sizeof *h, cmp_double);
    out->rate = discharges ? (double)out->queries / (double)discharges : 0;
    out->median_hours = percentile(h, k, 0.5);
    out->p90_hours = percentile(h, k, 0.9);
    out->agreement_rate = out->answered ? (double)out->agreed / (double)out->answered : 0;
    return FOLIO_OK;
}

static enum folio_rc date_arg(const char *in, const char *field, struct folio_err *err)
{
    int64_t s;
    char t[32];
    if (!in || strlen(in) != 10 || !(folio_snprintf(t, sizeof t, "%sT00:00:00Z", in)) ||
        !q_time_secs(t, &s))
        return folio_err_set(err, FOLIO_EINVAL, field, "%s: '%.40s' is not a date YYYY-MM-DD",
                             field, in ? in : "");
    return FOLIO_OK;
}

enum folio_rc folio_query_report(const struct folio_chart *c, const char *from, const char *to,
                                 const char *as_of_in, struct folio_arena *a,
                                 struct folio_query_report *out, struct folio_err *err)
{
    struct folio_store *s = c->store;
    struct folio_stmt *st = NULL;
    struct qrow *r = NULL;
    size_t n = 0, cap = 0;
    bool row = false, oom = false, found = false;
    int64_t discharges = 0, now_s = 0, t0, t1;
    char as_of[32];
    enum folio_rc rc;
    memset(out, 0, sizeof *out);
    if ((rc = date_arg(from, "from", err)) || (rc = date_arg(to, "to", err)) ||
        (rc = q_time_arg(as_of_in, "as_of", as_of, err)))
        return rc;
    (void)q_time_secs(as_of, &now_s);
    /* canonical stored times compare as text with a date: "2024-03-05T15:00Z" >= "2024-03-05" */
    rc = q_exec(s, &discharges, &found, err,
                "SELECT COUNT(*) FROM encounter WHERE status = 'discharged' AND discharge_at >= ? "
                "AND discharge_at < ?",
                "tt", from, to);
    if (rc == FOLIO_OK)
        rc = q_prepare(s, &st, err,
                       "SELECT q.created_by, q.provider_id, q.status, q.kind, q.sent_at, "
                       "q.closed_at, o.role FROM cdi_query q JOIN encounter e ON e.id = "
                       "q.encounter_id LEFT JOIN query_option o ON o.query_id = q.id AND o.seq = "
                       "q.answer_option WHERE q.status <> 'draft' AND e.status = 'discharged' AND "
                       "e.discharge_at >= ? AND e.discharge_at < ? ORDER BY q.id",
                       "tt", from, to);
    while (rc == FOLIO_OK && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            struct qrow *nv = folio_arena_calloc(a, nc, sizeof *nv);
            if (!nv) {
                oom = true;
                break;
            }
            if (n)
                memcpy(nv, r, n * sizeof *r);
            r = nv;
            cap = nc;
        }
        struct qrow *q = &r[n++];
        q->author = folio_stmt_column_dup(a, st, 0, &oom);
        q->provider_id = folio_stmt_column_i64(st, 1);
        q->answered = q_status_from(folio_stmt_column_text(st, 2)) == FOLIO_QS_ANSWERED;
        if (q->answered && q_time_secs(folio_stmt_column_text(st, 4), &t0) &&
            q_time_secs(folio_stmt_column_text(st, 5), &t1))
            q->hours = (double)(t1 - t0) / 3600.0;
        enum folio_query_opt_role role = q_role_from(folio_stmt_column_text(st, 6));
        /* an open-ended answer is the provider's own words: it counts as a substantive answer */
        q->agreed = q->answered && role != FOLIO_QO_OTHER && role != FOLIO_QO_UNDETERMINED;
        if (!q->author)
            oom = true;
    }
    folio_stmt_free(st);
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    if (rc == FOLIO_OK)
        rc = stats_of(r, n, NULL, 0, discharges, a, &out->total, err);
    /* groups: distinct authors and providers, in order of first appearance */
    if (rc == FOLIO_OK && n) {
        out->by_author = folio_arena_calloc(a, n, sizeof *out->by_author);
        out->by_provider = folio_arena_calloc(a, n, sizeof *out->by_provider);
        if (!out->by_author || !out->by_provider)
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    }
    for (size_t i = 0; rc == FOLIO_OK && i < n; i++) {
        bool seen = false;
        for (size_t j = 0; j < out->n_by_author && !seen; j++)
            seen = strcmp(out->by_author[j].who, r[i].author) == 0;
        if (!seen) {
            struct folio_query_stats_row *g = &out->by_author[out->n_by_author++];
            g->who = r[i].author;
            rc = stats_of(r, n, r[i].author, 0, discharges, a, &g->s, err);
        }
        seen = false;
        for (size_t j = 0; j < out->n_by_provider && !seen; j++)
            seen = out->by_provider[j].provider_id == r[i].provider_id;
        if (!seen && rc == FOLIO_OK) {
            struct folio_query_stats_row *g = &out->by_provider[out->n_by_provider++];
            struct folio_provider p = {0};
            int64_t attended = 0;
            g->provider_id = r[i].provider_id;
            rc = q_exec(s, &attended, &found, err,
                        "SELECT COUNT(DISTINCT ep.encounter_id) FROM encounter_provider ep JOIN "
                        "encounter e ON e.id = ep.encounter_id WHERE ep.provider_id = ? AND "
                        "ep.role = 'attending' AND e.status = 'discharged' AND e.discharge_at >= "
                        "? AND e.discharge_at < ?",
                        "itt", r[i].provider_id, from, to);
            if (rc == FOLIO_OK)
                rc = folio_provider_get(c, r[i].provider_id, a, &p, err);
            if (rc == FOLIO_OK) {
                g->who = folio_arena_printf(a, "%s%s%s", p.family ? p.family : "",
                                            p.given ? ", " : "", p.given ? p.given : "");
                rc = stats_of(r, n, NULL, r[i].provider_id, attended, a, &g->s, err);
            }
        }
    }
    /* aging of every open query */
    if (rc == FOLIO_OK)
        rc = q_prepare(s, &st, err, "SELECT sent_at FROM cdi_query WHERE status = 'sent'", "");
    while (rc == FOLIO_OK && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        if (!q_time_secs(folio_stmt_column_text(st, 0), &t0))
            continue;
        double h = (double)(now_s - t0) / 3600.0;
        out->aging.open++;
        out->aging.buckets[h < 48 ? 0 : h < 7 * 24 ? 1 : h < 14 * 24 ? 2 : 3]++;
        if (h > out->aging.oldest_hours)
            out->aging.oldest_hours = h;
    }
    folio_stmt_free(st);
    return rc;
}

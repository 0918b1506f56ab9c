/* Batch de-duplication in memory: prepare every record, build blocking keys, sort them, compare
 * the pairs inside each block on several threads, and report the pairs over the threshold.
 *
 * A pair sharing several keys is compared once: in the block of the smallest key hash the two
 * records share. A block larger than max_block (a very common name in one year) is not compared
 * in full: its records are sorted by (family code, given name, birth date) and each is compared
 * with the next MPI_WINDOW ones (sorted neighbourhood), so its cost stays linear. */
#include "folio/base.h"
#include "folio/csv.h"
#include "folio/mpi.h"
#include "folio/time.h"
#include "mpi/mpi_int.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>

#define MPI_WINDOW 12
#define GROUP_CHUNK 256

struct ent {
    uint64_t h;
    uint32_t i;
};

struct grp {
    size_t start, len;
};

struct hit {
    uint32_t a, b;
    float score;
    unsigned char rules;
};

struct hits {
    struct hit *v;
    size_t n, cap;
    size_t compared;
    bool nomem;
};

struct dd {
    const struct folio_mpi_model *model;
    const struct mpi_prep *prep;
    size_t n;
    uint64_t *kh; /* MPI_MAX_KEYS per record, sorted ascending, nk[i] used */
    unsigned char *nk;
    struct ent *ents;
    size_t n_ents;
    struct grp *groups;
    size_t n_groups;
    uint64_t *capped;
    size_t n_capped;
    double min_score;
    atomic_size_t next;
};

static int ent_cmp(const void *a, const void *b)
{
    const struct ent *x = a, *y = b;
    if (x->h != y->h)
        return x->h < y->h ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static bool is_capped(const struct dd *d, uint64_t h)
{
    return d->n_capped && bsearch(&h, d->capped, d->n_capped, sizeof h, u64_cmp) != NULL;
}

/* Is h the smallest (uncapped) key hash records a and b share? */
static bool first_shared(const struct dd *d, uint32_t a, uint32_t b, uint64_t h)
{
    const uint64_t *x = d->kh + (size_t)a * MPI_MAX_KEYS, *y = d->kh + (size_t)b * MPI_MAX_KEYS;
    size_t i = 0, j = 0, nx = d->nk[a], ny = d->nk[b];
    while (i < nx && j < ny) {
        if (x[i] < y[j])
            i++;
        else if (x[i] > y[j])
            j++;
        else {
            if (x[i] >= h)
                return x[i] == h;
            if (!is_capped(d, x[i]))
                return false;
            i++;
            j++;
        }
    }
    return false;
}

static bool push(struct hits *h, uint32_t a, uint32_t b, double score, unsigned rules)
{
    if (h->n == h->cap) {
        size_t nc = h->cap ? h->cap * 2 : 1024;
        struct hit *v = realloc(h->v, nc * sizeof *v);
        if (!v) {
            h->nomem = true;
            return false;
        }
        h->v = v;
        h->cap = nc;
    }
    if (a > b) {
        uint32_t t = a;
        a = b;
        b = t;
    }
    h->v[h->n++] = (struct hit){a, b, (float)score, (unsigned char)rules};
    return true;
}

static void compare_pair(const struct dd *d, uint32_t a, uint32_t b, struct hits *out)
{
    unsigned rules = 0;
    double s = mpix_score_fast(d->model, &d->prep[a], &d->prep[b], NULL, &rules);
    out->compared++;
    if (s >= d->min_score)
        push(out, a, b, s, rules);
}

/* sort key of the sorted-neighbourhood fallback */
static int sn_cmp_r(const struct mpi_prep *P, uint32_t x, uint32_t y)
{
    int c = strcmp(P[x].family_ph, P[y].family_ph);
    if (!c)
        c = strcmp(P[x].given_can, P[y].given_can);
    if (!c)
        c = (P[x].year > P[y].year) - (P[x].year < P[y].year);
    if (!c)
        c = (x > y) - (x < y);
    return c;
}
struct sn_item {
    const struct mpi_prep *P;
    uint32_t i;
};
static int sn_cmp(const void *a, const void *b)
{
    const struct sn_item *x = a, *y = b;
    return sn_cmp_r(x->P, x->i, y->i);
}

static void do_group(const struct dd *d, const struct grp *g, struct hits *out)
{
    const struct ent *e = d->ents + g->start;
    uint64_t h = e[0].h;
    if (g->len > 0 && is_capped(d, h)) {
        struct sn_item *it = malloc(g->len * sizeof *it);
        if (!it) {
            out->nomem = true;
            return;
        }
        for (size_t i = 0; i < g->len; i++)
            it[i] = (struct sn_item){d->prep, e[i].i};
        if (g->len > 1) /* qsort(NULL, 0) is undefined */
            qsort(it, g->len, sizeof *it, sn_cmp);
        for (size_t i = 0; i < g->len; i++)
            for (size_t j = i + 1; j < g->len && j <= i + MPI_WINDOW; j++)
                compare_pair(d, it[i].i, it[j].i, out);
        free(it);
        return;
    }
    for (size_t i = 0; i < g->len; i++)
        for (size_t j = i + 1; j < g->len; j++)
            if (first_shared(d, e[i].i, e[j].i, h))
                compare_pair(d, e[i].i, e[j].i, out);
}

struct worker {
    struct dd *d;
    struct hits hits;
    pthread_t tid;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    struct dd *d = w->d;
    for (;;) {
        size_t g0 = atomic_fetch_add(&d->next, GROUP_CHUNK);
        if (g0 >= d->n_groups || w->hits.nomem)
            break;
        size_t g1 = g0 + GROUP_CHUNK < d->n_groups ? g0 + GROUP_CHUNK : d->n_groups;
        for (size_t g = g0; g < g1; g++)
            do_group(d, &d->groups[g], &w->hits);
    }
    return NULL;
}

static int hit_cmp(const void *a, const void *b)
{
    const struct hit *x = a, *y = b;
    if (x->a != y->a)
        return x->a < y->a ? -1 : 1;
    return (x->b > y->b) - (x->b < y->b);
}

static void progress(const struct folio_mpi_dedupe_opts *o, const char *phase, size_t done,
                     size_t total)
{
    if (o && o->progress)
        o->progress(o->progress_ctx, phase, done, total);
}

/* EM on a sample of candidate pairs (every k-th pair of the uncapped blocks). */
static enum folio_rc run_em(struct dd *d, struct folio_mpi_model *model, struct folio_err *err)
{
    size_t want = 200000, total = 0;
    for (size_t g = 0; g < d->n_groups; g++)
        if (!is_capped(d, d->ents[d->groups[g].start].h))
            total += d->groups[g].len * (d->groups[g].len - 1) / 2;
    if (total == 0)
        return FOLIO_OK;
    size_t step = total / want + 1, k = 0, n = 0;
    unsigned char *lv = malloc((total / step + 2) * FOLIO_MPI_NFIELDS);
    if (!lv)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory (EM sample)");
    for (size_t g = 0; g < d->n_groups; g++) {
        const struct grp *gr = &d->groups[g];
        const struct ent *e = d->ents + gr->start;
        if (is_capped(d, e[0].h))
            continue;
        for (size_t i = 0; i < gr->len; i++)
            for (size_t j = i + 1; j < gr->len; j++)
                if (k++ % step == 0 && n < total / step + 2) {
                    (void)mpix_score_fast(model, &d->prep[e[i].i], &d->prep[e[j].i],
                                         lv + n * FOLIO_MPI_NFIELDS, NULL);
                    n++;
                }
    }
    enum folio_rc rc = n ? folio_mpi_em_estimate(model, lv, n, NULL, err) : FOLIO_OK;
    free(lv);
    return rc;
}

/* Core on prepared records. Hits (deduplicated, sorted by a then b) are handed out in *out. */
static enum folio_rc dedupe_core(const struct mpi_prep *prep, size_t n,
                                 const struct folio_mpi_dedupe_opts *o, double min_score,
                                 struct folio_mpi_model *model, struct hits *out,
                                 struct folio_mpi_dedupe_stats *st, struct folio_err *err)
{
    enum folio_rc rc = FOLIO_OK;
    struct dd d;
    memset(&d, 0, sizeof d);
    struct worker *ws = NULL;
    unsigned nth = o && o->threads ? o->threads : 2;
    if (nth > 64)
        nth = 64;
    size_t max_block = o && o->max_block ? o->max_block : 400;
    size_t ne = 0;
    memset(out, 0, sizeof *out);
    if (n > UINT32_MAX)
        return folio_err_set(err, FOLIO_ETOOBIG, "records", "at most %u records", UINT32_MAX);
    d.model = model;
    d.prep = prep;
    d.n = n;
    d.min_score = min_score;
    size_t cap;
    if (!folio_size_mul(n, MPI_MAX_KEYS, &cap)) {
        rc = folio_err_set(err, FOLIO_ETOOBIG, "records", "too many records");
        goto out;
    }
    d.kh = malloc((cap ? cap : 1) * sizeof *d.kh);
    d.nk = calloc(n ? n : 1, 1);
    if (!d.kh || !d.nk) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory (blocking keys)");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        char keys[MPI_MAX_KEYS][MPI_KEY_LEN];
        size_t k = mpix_block_keys(&prep[i], true, keys);
        uint64_t *h = d.kh + i * MPI_MAX_KEYS;
        for (size_t j = 0; j < k; j++)
            h[j] = mpix_hash(keys[j], strlen(keys[j]));
        if (k > 1) /* qsort(NULL, 0) is undefined */
            qsort(h, k, sizeof *h, u64_cmp);
        size_t u = 0;
        for (size_t j = 0; j < k; j++)
            if (u == 0 || h[u - 1] != h[j])
                h[u++] = h[j];
        d.nk[i] = (unsigned char)u;
        ne += u;
        if ((i & 0xFFFF) == 0)
            progress(o, "keys", i, n);
    }
    d.ents = malloc((ne ? ne : 1) * sizeof *d.ents);
    if (!d.ents) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory (blocks)");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d.nk[i]; j++)
            d.ents[d.n_ents++] = (struct ent){d.kh[i * MPI_MAX_KEYS + j], (uint32_t)i};
    progress(o, "sort", 0, 1);
    if (d.n_ents > 1) /* qsort(NULL, 0) is undefined */
        qsort(d.ents, d.n_ents, sizeof *d.ents, ent_cmp);
    /* groups of 2 or more */
    size_t gcap = 0, ccap = 0;
    for (size_t s = 0; s < d.n_ents;) {
        size_t e = s + 1;
        while (e < d.n_ents && d.ents[e].h == d.ents[s].h)
            e++;
        if (e - s >= 2) {
            if (d.n_groups == gcap) {
                gcap = gcap ? gcap * 2 : 4096;
                struct grp *g = realloc(d.groups, gcap * sizeof *g);
                if (!g) {
                    rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory (blocks)");
                    goto out;
                }
                d.groups = g;
            }
            d.groups[d.n_groups++] = (struct grp){s, e - s};
            if (e - s > max_block) {
                if (d.n_capped == ccap) {
                    ccap = ccap ? ccap * 2 : 64;
                    uint64_t *c = realloc(d.capped, ccap * sizeof *c);
                    if (!c) {
                        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory (blocks)");
                        goto out;
                    }
                    d.capped = c;
                }
                d.capped[d.n_capped++] = d.ents[s].h;
            }
        }
        s = e;
    }
    /* groups come out in hash order, so capped is sorted already */
    if (o && o->em) {
        rc = run_em(&d, model, err);
        if (rc)
            goto out;
    }
    ws = calloc(nth, sizeof *ws);
    if (!ws) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory (threads)");
        goto out;
    }
    atomic_store(&d.next, 0);
    unsigned started = 1;
    for (unsigned t = 0; t < nth; t++)
        ws[t].d = &d;
    for (unsigned t = 1; t < nth; t++) {
        if (pthread_create(&ws[t].tid, NULL, work, &ws[t]) != 0)
            break;
        started++;
    }
    /* the calling thread works too, and reports progress between chunks */
    for (;;) {
        size_t g0 = atomic_fetch_add(&d.next, GROUP_CHUNK);
        if (g0 >= d.n_groups || ws[0].hits.nomem)
            break;
        size_t g1 = g0 + GROUP_CHUNK < d.n_groups ? g0 + GROUP_CHUNK : d.n_groups;
        for (size_t g = g0; g < g1; g++)
            do_group(&d, &d.groups[g], &ws[0].hits);
        if ((g0 / GROUP_CHUNK) % 64 == 0)
            progress(o, "compare", g0, d.n_groups);
    }
    for (unsigned t = 1; t < started; t++)
        pthread_join(ws[t].tid, NULL);
    progress(o, "compare", d.n_groups, d.n_groups);
    size_t total = 0, compared = 0;
    bool nomem = false;
    for (unsigned t = 0; t < started; t++) {
        total += ws[t].hits.n;
        compared += ws[t].hits.compared;
        nomem |= ws[t].hits.nomem;
    }
    if (nomem) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory (pairs)");
        goto out;
    }
    out->v = malloc((total ? total : 1) * sizeof *out->v);
    if (!out->v) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory (pairs)");
        goto out;
    }
    for (unsigned t = 0; t < started; t++) {
        if (ws[t].hits.n)
            memcpy(out->v + out->n, ws[t].hits.v, ws[t].hits.n * sizeof *out->v);
        out->n += ws[t].hits.n;
    }
    if (out->n > 1) /* qsort(NULL, 0) is undefined */
        qsort(out->v, out->n, sizeof *out->v, hit_cmp);
    size_t u = 0;
    for (size_t i = 0; i < out->n; i++)
        if (u == 0 || out->v[u - 1].a != out->v[i].a || out->v[u - 1].b != out->v[i].b)
            out->v[u++] = out->v[i];
    out->n = u;
    out->compared = compared;
    if (st) {
        st->records = n;
        st->candidate_pairs = compared;
        st->capped_blocks = d.n_capped;
    }
out:
    if (ws)
        for (unsigned t = 0; t < nth; t++)
            free(ws[t].hits.v);
    free(ws);
    free(d.kh);
    free(d.nk);
    free(d.ents);
    free(d.groups);
    free(d.capped);
    return rc;
}

static void model_of(const struct folio_mpi_dedupe_opts *o, struct folio_mpi_model *m)
{
    if (o && o->model)
        *m = *o->model;
    else
        folio_mpi_model_default(m);
}

enum folio_rc folio_mpi_dedupe_records(const struct folio_mpi_record *recs, size_t n,
                                       const struct folio_mpi_dedupe_opts *opts, double min_score,
                                       folio_mpi_dedupe_pair_fn fn, void *ctx,
                                       struct folio_mpi_dedupe_stats *stats,
                                       struct folio_err *err)
{
    struct folio_mpi_model model;
    struct hits hits = {0};
    model_of(opts, &model);
    struct mpi_prep *prep = calloc(n ? n : 1, sizeof *prep);
    if (!prep)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory (%zu records)", n);
    for (size_t i = 0; i < n; i++)
        mpix_prepare(&recs[i], &prep[i]);
    if (isnan(min_score))
        min_score = model.low;
    if (stats)
        memset(stats, 0, sizeof *stats);
    enum folio_rc rc = dedupe_core(prep, n, opts, min_score, &model, &hits, stats, err);
    if (rc == FOLIO_OK) {
        for (size_t i = 0; i < hits.n; i++) {
            struct folio_mpi_score sc;
            mpix_compare_prep(&model, &prep[hits.v[i].a], &prep[hits.v[i].b], -1, NULL, NULL, &sc);
            if (sc.decision == FOLIO_MPI_LINK && stats)
                stats->links++;
            else if (sc.decision == FOLIO_MPI_REVIEW && stats)
                stats->reviews++;
            fn(ctx, hits.v[i].a, hits.v[i].b, &sc);
        }
    }
    free(hits.v);
    free(prep);
    return rc;
}

/* ---- CSV front end ---- */

static const char *const in_cols[] = {"record_id", "facility", "mrn",     "given", "middle",
                                      "family",    "suffix",   "dob",     "sex",   "address",
                                      "city",      "state",    "zip",     "phone", "ssn",
                                      "email"};
enum { C_ID, C_FAC, C_MRN, C_GIVEN, C_MIDDLE, C_FAMILY, C_SUFFIX, C_DOB, C_SEX, C_ADDRESS, C_CITY,
       C_STATE, C_ZIP, C_PHONE, C_SSN, C_EMAIL, C_N };
_Static_assert(FOLIO_ARRAY_LEN(in_cols) == C_N, "one name per column");

static enum folio_rc bad(struct folio_err *err, const char *name, long line, const char *field,
                         const char *value, const char *what)
{
    char f[64];
    folio_snprintf(f, sizeof f, "%s:%ld:%s", name, line, field);
    return folio_err_set(err, FOLIO_EINVAL, f, "%s:%ld: %s '%s' %s", name, line, field, value,
                         what);
}

static enum folio_rc check_row(struct folio_csv *c, const int *idx, struct folio_err *err)
{
    const char *name = folio_csv_name(c);
    long line = folio_csv_line(c);
    const char *id = folio_csv_get(c, idx[C_ID]);
    if (!id[0])
        return bad(err, name, line, "record_id", "", "is empty: every record needs an id");
    const char *dob = folio_csv_get(c, idx[C_DOB]);
    if (dob[0]) {
        struct folio_time t;
        struct folio_err e2;
        if (strlen(dob) != 10 || folio_time_parse_iso(folio_sv_from(dob), &t, "dob", &e2) ||
            t.prec != FOLIO_PREC_DAY)
            return bad(err, name, line, "dob", dob, "is not a date YYYY-MM-DD");
    }
    const char *sex = folio_csv_get(c, idx[C_SEX]);
    if (sex[0]) {
        static const char *const ok[] = {"F", "M", "U", "O", "A", "N", "female", "male",
                                         "unknown", "other"};
        bool good = false;
        for (size_t i = 0; i < FOLIO_ARRAY_LEN(ok); i++)
            good |= folio_sv_ieq_cstr(folio_sv_from(sex), ok[i]);
        if (!good)
            return bad(err, name, line, "sex", sex, "is not F, M, U or O");
    }
    const char *ssn = folio_csv_get(c, idx[C_SSN]);
    if (ssn[0]) {
        size_t nd = 0;
        for (const char *p = ssn; *p; p++) {
            if (*p >= '0' && *p <= '9')
                nd++;
            else if (*p != '-' && *p != ' ')
                return bad(err, name, line, "ssn", "(value withheld)",
                           "holds a character that is not a digit");
        }
        if (nd != 9)
            return bad(err, name, line, "ssn", "(value withheld)", "does not have 9 digits");
    }
    return FOLIO_OK;
}

/* Strings of all records in one growing buffer; records point into it by offset. */
struct strtab {
    char *p;
    size_t n, cap;
};

static bool st_add(struct strtab *t, const char *s, uint32_t *off)
{
    size_t l = strlen(s) + 1;
    if (t->n + l > t->cap) {
        size_t nc = t->cap ? t->cap * 2 : (1u << 20);
        while (nc < t->n + l)
            nc *= 2;
        char *p = realloc(t->p, nc);
        if (!p)
            return false;
        t->p = p;
        t->cap = nc;
    }
    if (t->n + l > UINT32_MAX)
        return false;
    memcpy(t->p + t->n, s, l);
    *off = (uint32_t)t->n;
    t->n += l;
    return true;
}

/* One CSV cell (folio_buf_append_csv_field: quoted, formula-guarded); false when it could not
 * be formatted (out of memory). */
static bool csv_field(FILE *f, const char *s)
{
    struct folio_buf b;
    bool ok;

    if (s[0] && !strpbrk(s, ",\"\r\n") && !strchr("=+-@\t", s[0])) {
        fputs(s, f);
        return true;
    }
    folio_buf_init(&b, 0);
    ok = folio_buf_append_csv_field(&b, s) == FOLIO_OK;
    if (ok)
        fputs(b.data, f);
    folio_buf_release(&b);
    return ok;
}

struct out_row {
    const char *ia, *ib; /* the two record ids, ia < ib */
    uint32_t a, b;       /* record indexes */
    float score;
    unsigned char rules;
};

static int row_cmp_ids(const void *x, const void *y)
{
    const struct out_row *r = x, *s = y;
    int c = strcmp(r->ia, s->ia);
    if (!c)
        c = strcmp(r->ib, s->ib);
    return c;
}

struct id_idx {
    const char *id;
    uint32_t i;
};
static int idx_cmp_ids(const void *x, const void *y)
{
    const struct id_idx *a = x, *b = y;
    return strcmp(a->id, b->id);
}

static enum folio_rc write_file(const char *path, const char *header, const struct out_row *rows,
                                size_t n, bool review, const struct mpi_prep *prep,
                                const struct folio_mpi_model *model, struct folio_err *err)
{
    char tmp[4096];
    if (!folio_snprintf(tmp, sizeof tmp, "%s.tmp", path))
        return folio_err_set(err, FOLIO_EINVAL, "output", "path too long");
    FILE *f = fopen(tmp, "w");
    if (!f)
        return folio_err_set(err, FOLIO_EIO, "output", "cannot write %s: %s", tmp, strerror(errno));
    bool cells_ok = true;
    fputs(header, f);
    for (size_t i = 0; i < n; i++) {
        cells_ok &= csv_field(f, rows[i].ia);
        fputc(',', f);
        cells_ok &= csv_field(f, rows[i].ib);
        fprintf(f, ",%.2f", (double)rows[i].score);
        if (review) {
            struct folio_mpi_score sc;
            mpix_compare_prep(model, &prep[rows[i].a], &prep[rows[i].b], -1, NULL, NULL, &sc);
            fputc(',', f);
            char rb[256] = "";
            size_t rl = 0;
            for (unsigned bit = 1; bit <= FOLIO_MPI_RULE_SSN; bit <<= 1)
                if (sc.rules & bit) {
                    folio_snprintf(rb + rl, sizeof rb - rl, "%s%s", rl ? "; " : "",
                                   folio_mpi_rule_text(bit));
                    rl = strlen(rb);
                }
            cells_ok &= csv_field(f, rb);
            fputc(',', f);
            /* reasons: field=level(weight) for the present fields; no values (PHI stays in the
             * input file) */
            char why[512] = "";
            size_t wl = 0;
            for (int k = 0; k < FOLIO_MPI_NFIELDS; k++) {
                const struct folio_mpi_reason *r = &sc.reasons[k];
                if (r->level == FOLIO_MPI_MISSING)
                    continue;
                folio_snprintf(why + wl, sizeof why - wl, "%s%s=%s%s%s(%+.1f)", wl ? " " : "",
                               folio_mpi_field_name(r->field), folio_mpi_level_name(r->level),
                               r->note[0] ? ":" : "", r->note, r->weight);
                wl = strlen(why);
            }
            cells_ok &= csv_field(f, why);
        }
        fputc('\n', f);
    }
    bool ok = !ferror(f) && cells_ok;
    if (fclose(f) != 0)
        ok = false;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        remove(tmp);
        return folio_err_set(err, FOLIO_EIO, "output", "cannot write %s: %s", path, strerror(e));
    }
    return FOLIO_OK;
}

enum folio_rc folio_mpi_dedupe_file(const char *input_path, const char *output_path,
                                    const char *review_path,
                                    const struct folio_mpi_dedupe_opts *opts,
                                    struct folio_mpi_dedupe_stats *stats, struct folio_err *err)
{
    enum folio_rc rc;
    struct folio_csv *c = NULL;
    struct strtab strs = {0};
    uint32_t *offs = NULL, *lines = NULL;
    struct id_idx *order = NULL;
    struct mpi_prep *prep = NULL;
    size_t n = 0, cap = 0;
    struct hits hits = {0};
    struct out_row *links = NULL, *reviews = NULL;
    size_t n_links = 0, n_reviews = 0;
    struct folio_mpi_model model;
    struct folio_mpi_dedupe_stats local;
    int idx[C_N];
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    model_of(opts, &model);
    rc = folio_csv_open_file(input_path, NULL, NULL, &c, err);
    if (rc)
        goto out;
    rc = folio_csv_read_header(c, err);
    if (rc)
        goto out;
    rc = folio_csv_columns(c, in_cols, C_N, idx, err);
    if (rc)
        goto out;
    for (;;) {
        bool have = false;
        rc = folio_csv_next(c, &have, err);
        if (rc)
            goto out;
        if (!have)
            break;
        rc = check_row(c, idx, err);
        if (rc)
            goto out;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 65536;
            struct mpi_prep *p = realloc(prep, nc * sizeof *p);
            uint32_t *o2 = p ? realloc(offs, nc * sizeof *o2) : NULL;
            if (p)
                prep = p;
            if (o2)
                offs = o2;
            uint32_t *l2 = o2 ? realloc(lines, nc * sizeof *l2) : NULL;
            if (l2)
                lines = l2;
            if (!p || !o2 || !l2) {
                rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory (%zu records)", n);
                goto out;
            }
            cap = nc;
        }
        struct folio_mpi_record r = {
            .record_id = folio_csv_get(c, idx[C_ID]),
            .given = folio_csv_get(c, idx[C_GIVEN]),
            .middle = folio_csv_get(c, idx[C_MIDDLE]),
            .family = folio_csv_get(c, idx[C_FAMILY]),
            .suffix = folio_csv_get(c, idx[C_SUFFIX]),
            .birth_date = folio_csv_get(c, idx[C_DOB]),
            .sex = folio_csv_get(c, idx[C_SEX]),
            .address = folio_csv_get(c, idx[C_ADDRESS]),
            .city = folio_csv_get(c, idx[C_CITY]),
            .state = folio_csv_get(c, idx[C_STATE]),
            .zip = folio_csv_get(c, idx[C_ZIP]),
            .phone = folio_csv_get(c, idx[C_PHONE]),
            .ssn = folio_csv_get(c, idx[C_SSN]),
            .email = folio_csv_get(c, idx[C_EMAIL]),
        };
        mpix_prepare(&r, &prep[n]);
        if (!st_add(&strs, r.record_id, &offs[n])) {
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory (record ids)");
            goto out;
        }
        long ln = folio_csv_line(c);
        lines[n] = ln > 0 && ln < (long)UINT32_MAX ? (uint32_t)ln : 0;
        n++;
        if ((n & 0xFFFF) == 0)
            progress(opts, "read", n, 0);
    }
    /* record_id must be unique */
    order = malloc((n ? n : 1) * sizeof *order);
    if (!order) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        order[i] = (struct id_idx){strs.p + offs[i], (uint32_t)i};
    if (n > 1) /* qsort(NULL, 0) is undefined */
        qsort(order, n, sizeof *order, idx_cmp_ids);
    for (size_t i = 1; i < n; i++)
        if (!strcmp(order[i].id, order[i - 1].id)) {
            uint32_t later = order[i].i > order[i - 1].i ? order[i].i : order[i - 1].i;
            rc = bad(err, folio_csv_name(c), (long)lines[later], "record_id",
                     strs.p + offs[later], "appears twice");
            goto out;
        }
    free(order);
    order = NULL;
    double thr = opts && !isnan(opts->threshold) ? opts->threshold : NAN;
    double min_score = review_path ? model.low : (isnan(thr) ? model.high : thr);
    if (!isnan(thr) && thr < min_score)
        min_score = thr;
    rc = dedupe_core(prep, n, opts, min_score, &model, &hits, stats, err);
    if (rc)
        goto out;
    if (isnan(thr))
        thr = model.high;
    links = malloc((hits.n ? hits.n : 1) * sizeof *links);
    reviews = malloc((hits.n ? hits.n : 1) * sizeof *reviews);
    if (!links || !reviews) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory (pairs)");
        goto out;
    }
    for (size_t i = 0; i < hits.n; i++) {
        const struct hit *h = &hits.v[i];
        struct out_row r = {strs.p + offs[h->a], strs.p + offs[h->b], h->a, h->b, h->score,
                            h->rules};
        if (strcmp(r.ia, r.ib) > 0) {
            r.a = h->b;
            r.b = h->a;
            r.ia = strs.p + offs[h->b];
            r.ib = strs.p + offs[h->a];
        }
        if (h->score >= thr && h->rules == 0) {
            links[n_links++] = r;
        } else if (h->score >= model.low) {
            if (h->score >= thr)
                stats->rule_blocked++;
            reviews[n_reviews++] = r;
        }
    }
    if (n_links > 1) /* qsort(NULL, 0) is undefined */
        qsort(links, n_links, sizeof *links, row_cmp_ids);
    if (n_reviews > 1) /* qsort(NULL, 0) is undefined */
        qsort(reviews, n_reviews, sizeof *reviews, row_cmp_ids);
    stats->links = n_links;
    stats->reviews = review_path ? n_reviews : 0;
    rc = write_file(output_path, "record_id_a,record_id_b,score\n", links, n_links, false, prep,
                    &model, err);
    if (rc == FOLIO_OK && review_path)
        rc = write_file(review_path, "record_id_a,record_id_b,score,rules,reasons\n", reviews,
                        n_reviews, true, prep, &model, err);
out:
    folio_csv_free(c);
    free(strs.p);
    free(offs);
    free(lines);
    free(order);
    free(prep);
    free(hits.v);
    free(links);
    free(reviews);
    return rc;
}

/* The chart side of the MPI: the search index (migration 0007), identity search at
 * registration, pair scoring of two charts, and the whole-index duplicate scan.
 *
 * Index: mpi_person holds the identity each active patient is matched on; mpi_key the blocking
 * keys (block.c) -> patient ids. The SSN never enters the index in plain text: "s:" holds the
 * blind index of the 9 digits (as patient_identifier.match_key does) and "v0:".."v7:" blind
 * indexes of the SSN with two adjacent digits masked, so that an SSN one digit off or with two
 * adjacent digits transposed is still found and scored CLOSE without decrypting anything. */
#include "folio/base.h"
#include "folio/crypto.h"
#include "folio/mpi.h"
#include "folio/store.h"
#include "mpi/mpi_int.h"

#include <math.h>

#define KEY_ROWS_MAX 1000 /* a key shared by more patients is too common to search on */
#define CANDIDATES_MAX 200
#define SSN_KEYS 9

static void wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;
    for (size_t i = 0; i < n; i++)
        v[i] = 0;
}

/* "s:<bidx>" and "v<i>:<bidx of masked>" keys of a 9-digit SSN. */
static void ssn_keys(const struct folio_key *key, const char digits[10],
                     char out[SSN_KEYS][MPI_KEY_LEN + 40])
{
    char bidx[FOLIO_SHA256_HEX_LEN + 1];
    folio_blind_index(key, digits, 9, bidx);
    folio_snprintf(out[0], MPI_KEY_LEN + 40, "s:%s", bidx);
    char masks[8][10];
    mpix_ssn_masks(digits, masks);
    for (int i = 0; i < 8; i++) {
        folio_blind_index(key, masks[i], 9, bidx);
        bidx[32] = '\0';
        folio_snprintf(out[1 + i], MPI_KEY_LEN + 40, "v%d:%s", i, bidx);
    }
    wipe(masks, sizeof masks);
}

static char *dup_col(struct folio_stmt *st, int i)
{
    const char *s = folio_stmt_column_text(st, i);
    if (!s)
        return NULL;
    size_t n = strlen(s);
    char *p = malloc(n + 1);
    if (p)
        memcpy(p, s, n + 1);
    return p;
}

/* ---- indexing ---- */

struct ident {
    char *given, *middle, *family, *suffix, *birth_date, *sex, *address, *zip, *phone, *email;
    char other[256];
    char ssn[10];
    bool has_ssn;
    bool active;
};

static void ident_free(struct ident *d)
{
    free(d->given);
    free(d->middle);
    free(d->family);
    free(d->suffix);
    free(d->birth_date);
    free(d->sex);
    free(d->address);
    free(d->zip);
    free(d->phone);
    free(d->email);
    wipe(d->ssn, sizeof d->ssn);
}

static enum folio_rc load_ident(const struct folio_chart *c, int64_t pid, struct ident *d,
                                struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false;
    enum folio_rc rc = folio_store_prepare(
        c->store, "SELECT birth_date, sex, email, status FROM patient WHERE id = ?", &st, err);
    if (rc || (rc = folio_stmt_bind_i64(st, 1, pid)) || (rc = folio_stmt_step(st, &row, err)))
        goto out;
    if (!row) {
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "patient_id", "no patient %lld", (long long)pid);
        goto out;
    }
    d->birth_date = dup_col(st, 0);
    d->sex = dup_col(st, 1);
    d->email = dup_col(st, 2);
    const char *status = folio_stmt_column_text(st, 3);
    d->active = status && !strcmp(status, "active");
    folio_stmt_free(st);
    st = NULL;
    /* names: the current one (official first), then the others' family names as previous */
    rc = folio_store_prepare(c->store,
                             "SELECT family, given, middle, suffix FROM patient_name WHERE "
                             "patient_id = ? ORDER BY CASE WHEN valid_to IS NULL THEN 0 ELSE 1 "
                             "END, CASE WHEN name_use = 'official' THEN 0 ELSE 1 END, id DESC",
                             &st, err);
    if (rc || (rc = folio_stmt_bind_i64(st, 1, pid)))
        goto out;
    size_t on = 0;
    for (bool first = true;; first = false) {
        rc = folio_stmt_step(st, &row, err);
        if (rc || !row)
            break;
        if (first) {
            d->family = dup_col(st, 0);
            d->given = dup_col(st, 1);
            d->middle = dup_col(st, 2);
            d->suffix = dup_col(st, 3);
            continue;
        }
        const char *f = folio_stmt_column_text(st, 0);
        if (folio_str_empty(f) || (d->family && !strcmp(f, d->family)))
            continue;
        size_t fl = strlen(f);
        if (on + fl + 2 > sizeof d->other)
            continue;
        if (on)
            d->other[on++] = '|';
        memcpy(d->other + on, f, fl);
        on += fl;
        d->other[on] = '\0';
    }
    if (rc)
        goto out;
    folio_stmt_free(st);
    st = NULL;
    rc = folio_store_prepare(c->store,
                             "SELECT line1, postal_code FROM patient_address WHERE patient_id = ? "
                             "AND valid_to IS NULL ORDER BY CASE WHEN addr_use = 'home' THEN 0 "
                             "ELSE 1 END, id DESC LIMIT 1",
                             &st, err);
    if (rc || (rc = folio_stmt_bind_i64(st, 1, pid)) || (rc = folio_stmt_step(st, &row, err)))
        goto out;
    if (row) {
        d->address = dup_col(st, 0);
        d->zip = dup_col(st, 1);
    }
    folio_stmt_free(st);
    st = NULL;
    rc = folio_store_prepare(c->store,
                             "SELECT number FROM patient_phone WHERE patient_id = ? AND "
                             "is_current = 1 ORDER BY CASE WHEN phone_use = 'home' THEN 0 ELSE 1 "
                             "END, id DESC LIMIT 1",
                             &st, err);
    if (rc || (rc = folio_stmt_bind_i64(st, 1, pid)) || (rc = folio_stmt_step(st, &row, err)))
        goto out;
    if (row)
        d->phone = dup_col(st, 0);
    folio_stmt_free(st);
    st = NULL;
    rc = folio_store_prepare(c->store,
                             "SELECT value_sealed FROM patient_identifier WHERE patient_id = ? "
                             "AND kind = 'SS' AND active = 1 ORDER BY id DESC LIMIT 1",
                             &st, err);
    if (rc || (rc = folio_stmt_bind_i64(st, 1, pid)) || (rc = folio_stmt_step(st, &row, err)))
        goto out;
    /* Without the data key the SSN is left out of the index (the chart is still findable by
     * name, birth date, address, phone; `folio mpi reindex` with the key adds it). */
    if (row && folio_stmt_column_text(st, 0) && c->key) {
        char *plain = NULL;
        size_t pl = 0;
        rc = folio_unseal(c->key, folio_stmt_column_text(st, 0), &plain, &pl, err);
        if (rc)
            goto out;
        if (pl == 9) {
            memcpy(d->ssn, plain, 9);
            d->ssn[9] = '\0';
            d->has_ssn = true;
        }
        wipe(plain, pl);
        free(plain);
    }
out:
    folio_stmt_free(st);
    return rc;
}

static enum folio_rc exec_i64(struct folio_store *s, const char *sql, int64_t v,
                              struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false;
    enum folio_rc rc = folio_store_prepare(s, sql, &st, err);
    if (rc == FOLIO_OK && (rc = folio_stmt_bind_i64(st, 1, v)) == FOLIO_OK)
        rc = folio_stmt_step(st, &row, err);
    folio_stmt_free(st);
    return rc;
}

static enum folio_rc insert_key(struct folio_store *s, const char *key, int64_t pid,
                                struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false;
    enum folio_rc rc = folio_store_prepare(
        s, "INSERT INTO mpi_key (mkey, patient_id) VALUES (?, ?)", &st, err);
    if (rc == FOLIO_OK && (rc = folio_stmt_bind_text(st, 1, key, (size_t)-1)) == FOLIO_OK &&
        (rc = folio_stmt_bind_i64(st, 2, pid)) == FOLIO_OK)
        rc = folio_stmt_step(st, &row, err);
    folio_stmt_free(st);
    return rc;
}

static void record_of(const struct ident *d, struct folio_mpi_record *r)
{
    memset(r, 0, sizeof *r);
    r->given = d->given;
    r->middle = d->middle;
    r->family = d->family;
    r->suffix = d->suffix;
    r->other_family = d->other;
    r->birth_date = d->birth_date;
    r->sex = d->sex;
    r->address = d->address;
    r->zip = d->zip;
    r->phone = d->phone;
    r->email = d->email;
}

static enum folio_rc index_one(const struct folio_chart *c, int64_t pid, struct folio_err *err)
{
    struct ident d;
    memset(&d, 0, sizeof d);
    struct folio_stmt *st = NULL;
    enum folio_rc rc = load_ident(c, pid, &d, err);
    if (rc)
        goto out;
    rc = exec_i64(c->store, "DELETE FROM mpi_key WHERE patient_id = ?", pid, err);
    if (rc == FOLIO_OK)
        rc = exec_i64(c->store, "DELETE FROM mpi_person WHERE patient_id = ?", pid, err);
    if (rc || !d.active)
        goto out;
    rc = folio_store_prepare(c->store,
                             "INSERT INTO mpi_person (patient_id, given, middle, family, suffix, "
                             "other_family, birth_date, sex, address, zip, phone, email, "
                             "ssn_last4, has_ssn) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                             &st, err);
    if (rc)
        goto out;
    const char *vals[] = {d.given, d.middle,  d.family, d.suffix, d.other[0] ? d.other : NULL,
                          d.birth_date, d.sex, d.address, d.zip, d.phone, d.email,
                          d.has_ssn ? d.ssn + 5 : NULL};
    rc = folio_stmt_bind_i64(st, 1, pid);
    for (int i = 0; rc == FOLIO_OK && i < (int)FOLIO_ARRAY_LEN(vals); i++)
        rc = folio_stmt_bind_text(st, i + 2, vals[i], (size_t)-1);
    if (rc == FOLIO_OK)
        rc = folio_stmt_bind_i64(st, 14, d.has_ssn ? 1 : 0);
    bool row = false;
    if (rc == FOLIO_OK)
        rc = folio_stmt_step(st, &row, err);
    if (rc)
        goto out;
    struct folio_mpi_record r;
    struct mpi_prep p;
    record_of(&d, &r);
    mpix_prepare(&r, &p);
    char keys[MPI_MAX_KEYS][MPI_KEY_LEN];
    size_t n = mpix_block_keys(&p, false, keys);
    for (size_t i = 0; i < n && rc == FOLIO_OK; i++)
        rc = insert_key(c->store, keys[i], pid, err);
    if (rc == FOLIO_OK && d.has_ssn) {
        char sk[SSN_KEYS][MPI_KEY_LEN + 40];
        ssn_keys(c->key, d.ssn, sk);
        for (int i = 0; i < SSN_KEYS && rc == FOLIO_OK; i++)
            rc = insert_key(c->store, sk[i], pid, err);
    }
out:
    folio_stmt_free(st);
    ident_free(&d);
    return rc;
}

enum folio_rc folio_mpi_index_patient(const struct folio_chart *c, int64_t patient_id,
                                      struct folio_err *err)
{
    enum folio_rc rc = folio_store_begin(c->store, err);
    if (rc)
        return rc;
    rc = index_one(c, patient_id, err);
    if (rc) {
        folio_store_rollback(c->store);
        return rc;
    }
    rc = folio_store_commit(c->store, err);
    if (rc)
        folio_store_rollback(c->store);
    return rc;
}

enum folio_rc folio_mpi_reindex(const struct folio_chart *c,
                                void (*progress)(void *ctx, size_t done, size_t total), void *ctx,
                                size_t *n_indexed, struct folio_err *err)
{
    int64_t *ids = NULL;
    size_t n = 0, cap = 0, done = 0;
    struct folio_stmt *st = NULL;
    bool row = false;
    enum folio_rc rc = folio_store_prepare(
        c->store, "SELECT id FROM patient WHERE status = 'active' ORDER BY id", &st, err);
    while (rc == FOLIO_OK && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            int64_t *p = realloc(ids, cap * sizeof *p);
            if (!p) {
                rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
                break;
            }
            ids = p;
        }
        ids[n++] = folio_stmt_column_i64(st, 0);
    }
    folio_stmt_free(st);
    st = NULL;
    if (rc)
        goto out;
    /* merged patients leave the index */
    rc = folio_store_begin(c->store, err);
    if (rc)
        goto out;
    rc = folio_store_exec(c->store,
                          "DELETE FROM mpi_key WHERE patient_id IN (SELECT id FROM patient WHERE "
                          "status <> 'active'); DELETE FROM mpi_person WHERE patient_id IN "
                          "(SELECT id FROM patient WHERE status <> 'active')",
                          err);
    if (rc == FOLIO_OK)
        rc = folio_store_commit(c->store, err);
    if (rc) {
        folio_store_rollback(c->store);
        goto out;
    }
    while (done < n) {
        size_t end = done + 500 < n ? done + 500 : n;
        rc = folio_store_begin(c->store, err);
        if (rc)
            goto out;
        for (size_t i = done; i < end && rc == FOLIO_OK; i++)
            rc = index_one(c, ids[i], err);
        if (rc == FOLIO_OK)
            rc = folio_store_commit(c->store, err);
        if (rc) {
            folio_store_rollback(c->store);
            goto out;
        }
        done = end;
        if (progress)
            progress(ctx, done, n);
    }
out:
    if (n_indexed)
        *n_indexed = done;
    free(ids);
    return rc;
}

/* ---- reading the index ---- */

struct person {
    int64_t id;
    char *s[12]; /* given..email, ssn_last4 (columns 1..12) */
    bool has_ssn;
};

static void person_free(struct person *p)
{
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(p->s); i++)
        free(p->s[i]);
    memset(p, 0, sizeof *p);
}

static void person_record(const struct person *p, struct folio_mpi_record *r)
{
    memset(r, 0, sizeof *r);
    r->patient_id = p->id;
    r->given = p->s[0];
    r->middle = p->s[1];
    r->family = p->s[2];
    r->suffix = p->s[3];
    r->other_family = p->s[4];
    r->birth_date = p->s[5];
    r->sex = p->s[6];
    r->address = p->s[7];
    r->zip = p->s[8];
    r->phone = p->s[9];
    r->email = p->s[10];
}

static enum folio_rc load_person(struct folio_store *s, int64_t pid, struct person *p, bool *found,
                                 struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false;
    memset(p, 0, sizeof *p);
    enum folio_rc rc = folio_store_prepare(
        s,
        "SELECT given, middle, family, suffix, other_family, birth_date, sex, address, zip, "
        "phone, email, ssn_last4, has_ssn FROM mpi_person WHERE patient_id = ?",
        &st, err);
    if (rc == FOLIO_OK && (rc = folio_stmt_bind_i64(st, 1, pid)) == FOLIO_OK)
        rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && row) {
        p->id = pid;
        for (int i = 0; i < 12; i++) {
            if (folio_stmt_column_text(st, i) && !(p->s[i] = dup_col(st, i))) {
                rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
                break;
            }
        }
        p->has_ssn = folio_stmt_column_i64(st, 12) != 0;
    }
    *found = row;
    folio_stmt_free(st);
    if (rc)
        person_free(p);
    return rc;
}

/* SSN keys ("s:" / "v*:") of an indexed patient. */
struct keyset {
    char (*k)[MPI_KEY_LEN + 40];
    size_t n;
};

static enum folio_rc load_keys(struct folio_store *s, int64_t pid, bool ssn_only,
                               struct keyset *ks, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false;
    memset(ks, 0, sizeof *ks);
    ks->k = calloc(MPI_MAX_KEYS + SSN_KEYS, sizeof *ks->k);
    if (!ks->k)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    enum folio_rc rc = folio_store_prepare(
        s, "SELECT mkey FROM mpi_key WHERE patient_id = ? ORDER BY mkey", &st, err);
    if (rc == FOLIO_OK)
        rc = folio_stmt_bind_i64(st, 1, pid);
    while (rc == FOLIO_OK && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
        const char *k = folio_stmt_column_text(st, 0);
        if (!k || ks->n == MPI_MAX_KEYS + SSN_KEYS)
            continue;
        if (ssn_only && k[0] != 's' && k[0] != 'v')
            continue;
        folio_strlcpy(ks->k[ks->n++], k, sizeof ks->k[0]);
    }
    folio_stmt_free(st);
    return rc;
}

static int ssn_level_keys(const struct keyset *a, bool a_has, const struct keyset *b, bool b_has)
{
    if (!a_has || !b_has)
        return FOLIO_MPI_MISSING;
    bool close = false;
    for (size_t i = 0; i < a->n; i++)
        for (size_t j = 0; j < b->n; j++)
            if (!strcmp(a->k[i], b->k[j])) {
                if (a->k[i][0] == 's')
                    return FOLIO_MPI_EXACT;
                if (a->k[i][0] == 'v')
                    close = true;
            }
    return close ? FOLIO_MPI_CLOSE : FOLIO_MPI_DISAGREE;
}

enum folio_rc folio_mpi_score_patients(const struct folio_chart *c,
                                       const struct folio_mpi_model *model, int64_t a_id,
                                       int64_t b_id, struct folio_mpi_score *out,
                                       struct folio_err *err)
{
    struct folio_mpi_model def;
    struct person pa, pb;
    struct keyset ka = {0}, kb = {0};
    bool fa = false, fb = false;
    memset(&pb, 0, sizeof pb);
    if (!model) {
        folio_mpi_model_default(&def);
        model = &def;
    }
    enum folio_rc rc = load_person(c->store, a_id, &pa, &fa, err);
    if (rc)
        return rc;
    if ((rc = load_person(c->store, b_id, &pb, &fb, err)))
        goto out;
    if (!fa || !fb) {
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "patient_id",
                           "patient %lld is not in the MPI index (run `folio mpi reindex`)",
                           (long long)(fa ? b_id : a_id));
        goto out;
    }
    if ((rc = load_keys(c->store, a_id, true, &ka, err)) ||
        (rc = load_keys(c->store, b_id, true, &kb, err)))
        goto out;
    struct folio_mpi_record ra, rb;
    struct mpi_prep xa, xb;
    person_record(&pa, &ra);
    person_record(&pb, &rb);
    mpix_prepare(&ra, &xa);
    mpix_prepare(&rb, &xb);
    mpix_compare_prep(model, &xa, &xb, ssn_level_keys(&ka, pa.has_ssn, &kb, pb.has_ssn), pa.s[11],
                     pb.s[11], out);
out:
    free(ka.k);
    free(kb.k);
    person_free(&pa);
    person_free(&pb);
    return rc;
}

/* ---- search ---- */

struct cand {
    int64_t id;
    unsigned hits;
    bool ssn_exact, ssn_close;
};

static int cand_id_cmp(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}
static int cand_hits_cmp(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->hits != y->hits)
        return x->hits < y->hits ? 1 : -1;
    return (x->id > y->id) - (x->id < y->id);
}
static int result_cmp(const void *a, const void *b)
{
    const struct folio_mpi_candidate *x = a, *y = b;
    if (x->score.score != y->score.score)
        return x->score.score < y->score.score ? 1 : -1;
    return (x->patient_id > y->patient_id) - (x->patient_id < y->patient_id);
}

static char *arena_dup(struct folio_arena *a, const char *s)
{
    return s ? folio_arena_strdup(a, s) : NULL;
}

/* Candidates from keys, scored against the prepared query. q_has_ssn: the query has an SSN
 * (its s/v keys are among keys). */
static enum folio_rc search_core(const struct folio_chart *c, const struct mpi_prep *qp,
                                 char (*keys)[MPI_KEY_LEN + 40], size_t n_keys, bool q_has_ssn,
                                 const char *q_ssn4, const struct folio_mpi_search_opts *opts,
                                 struct folio_arena *a, struct folio_mpi_candidate **out,
                                 size_t *n_out, struct folio_err *err)
{
    struct folio_mpi_model def;
    const struct folio_mpi_model *model = opts && opts->model ? opts->model : NULL;
    if (!model) {
        folio_mpi_model_default(&def);
        model = &def;
    }
    size_t limit = opts && opts->limit ? opts->limit : 10;
    if (limit > 100)
        limit = 100;
    double min_score = opts && !isnan(opts->min_score) ? opts->min_score : model->low - 5;
    if (!opts)
        min_score = model->low - 5;
    int64_t exclude = opts ? opts->exclude_patient_id : 0;
    struct cand *cs = NULL;
    size_t nc = 0, cc = 0;
    struct folio_mpi_candidate *res = NULL;
    size_t nres = 0;
    enum folio_rc rc = FOLIO_OK;
    struct folio_stmt *st = NULL;
    *out = NULL;
    *n_out = 0;
    for (size_t k = 0; k < n_keys; k++) {
        bool row = false;
        size_t start = nc;
        rc = folio_store_prepare(c->store,
                                 "SELECT patient_id FROM mpi_key WHERE mkey = ? LIMIT 1001", &st,
                                 err);
        if (rc || (rc = folio_stmt_bind_text(st, 1, keys[k], (size_t)-1)))
            goto out;
        while ((rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row) {
            if (nc == cc) {
                cc = cc ? cc * 2 : 256;
                struct cand *p = realloc(cs, cc * sizeof *p);
                if (!p) {
                    rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
                    goto out;
                }
                cs = p;
            }
            int64_t id = folio_stmt_column_i64(st, 0);
            cs[nc++] = (struct cand){id, 1, keys[k][0] == 's', keys[k][0] == 'v'};
        }
        folio_stmt_free(st);
        st = NULL;
        if (rc)
            goto out;
        if (nc - start > KEY_ROWS_MAX)
            nc = start; /* too common a key to tell anyone apart: ignored */
    }
    /* merge per patient */
    if (nc > 1) /* qsort(NULL, 0) is undefined */
        qsort(cs, nc, sizeof *cs, cand_id_cmp);
    size_t u = 0;
    for (size_t i = 0; i < nc; i++) {
        if (cs[i].id == exclude)
            continue;
        if (u && cs[u - 1].id == cs[i].id) {
            cs[u - 1].hits++;
            cs[u - 1].ssn_exact |= cs[i].ssn_exact;
            cs[u - 1].ssn_close |= cs[i].ssn_close;
        } else
            cs[u++] = cs[i];
    }
    nc = u;
    if (nc > 1) /* qsort(NULL, 0) is undefined */
        qsort(cs, nc, sizeof *cs, cand_hits_cmp);
    if (nc > CANDIDATES_MAX)
        nc = CANDIDATES_MAX;
    res = calloc(nc ? nc : 1, sizeof *res);
    if (!res) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < nc; i++) {
        struct person p;
        bool found = false;
        rc = load_person(c->store, cs[i].id, &p, &found, err);
        if (rc)
            goto out;
        if (!found)
            continue;
        struct folio_mpi_record r;
        struct mpi_prep pp;
        person_record(&p, &r);
        mpix_prepare(&r, &pp);
        int ssn = FOLIO_MPI_MISSING;
        if (q_has_ssn && p.has_ssn)
            ssn = cs[i].ssn_exact ? FOLIO_MPI_EXACT
                  : cs[i].ssn_close ? FOLIO_MPI_CLOSE
                                    : FOLIO_MPI_DISAGREE;
        struct folio_mpi_candidate *cd = &res[nres];
        mpix_compare_prep(model, qp, &pp, ssn, q_ssn4, p.s[11], &cd->score);
        if (cd->score.score >= min_score) {
            cd->patient_id = p.id;
            cd->rec.patient_id = p.id;
            cd->rec.given = arena_dup(a, r.given);
            cd->rec.middle = arena_dup(a, r.middle);
            cd->rec.family = arena_dup(a, r.family);
            cd->rec.suffix = arena_dup(a, r.suffix);
            cd->rec.other_family = arena_dup(a, r.other_family);
            cd->rec.birth_date = arena_dup(a, r.birth_date);
            cd->rec.sex = arena_dup(a, r.sex);
            cd->rec.address = arena_dup(a, r.address);
            cd->rec.zip = arena_dup(a, r.zip);
            cd->rec.phone = arena_dup(a, r.phone);
            cd->rec.email = arena_dup(a, r.email);
            cd->ssn_last4 = arena_dup(a, p.s[11]);
            nres++;
        }
        person_free(&p);
    }
    if (nres > 1) /* qsort(NULL, 0) is undefined */
        qsort(res, nres, sizeof *res, result_cmp);
    if (nres > limit)
        nres = limit;
    if (nres) {
        *out = folio_arena_calloc(a, nres, sizeof **out);
        if (!*out) {
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
            goto out;
        }
        memcpy(*out, res, nres * sizeof *res);
        *n_out = nres;
    }
out:
    folio_stmt_free(st);
    free(cs);
    free(res);
    return rc;
}

enum folio_rc folio_mpi_search(const struct folio_chart *c, const struct folio_mpi_record *q,
                               const struct folio_mpi_search_opts *opts, struct folio_arena *a,
                               struct folio_mpi_candidate **out, size_t *n, struct folio_err *err)
{
    *out = NULL;
    *n = 0;
    if (folio_str_empty(q->family) && folio_str_empty(q->given) &&
        folio_str_empty(q->birth_date) && folio_str_empty(q->ssn) && folio_str_empty(q->phone))
        return folio_err_set(err, FOLIO_EINVAL, "query",
                             "give at least a family or given name, birth date, SSN or phone");
    struct folio_mpi_record qr = *q;
    struct mpi_prep qp;
    mpix_prepare(&qr, &qp);
    char keys[MPI_MAX_KEYS + SSN_KEYS][MPI_KEY_LEN + 40];
    char bk[MPI_MAX_KEYS][MPI_KEY_LEN];
    size_t nk = mpix_block_keys(&qp, false, bk);
    for (size_t i = 0; i < nk; i++)
        folio_strlcpy(keys[i], bk[i], sizeof keys[i]);
    /* name-only searches (no date, no zip): family + given is the key */
    bool has_ssn = qp.ssn[0] && c->key;
    if (has_ssn) {
        ssn_keys(c->key, qp.ssn, &keys[nk]);
        nk += SSN_KEYS;
    }
    char ssn4[5] = "";
    if (qp.ssn[0])
        memcpy(ssn4, qp.ssn + 5, 5);
    /* the query's own SSN is shown masked; the prepared copy is wiped after use */
    enum folio_rc rc = search_core(c, &qp, keys, nk, has_ssn, ssn4, opts, a, out, n, err);
    wipe(&qp, sizeof qp);
    wipe(keys, sizeof keys);
    return rc;
}

enum folio_rc folio_mpi_find_duplicates(const struct folio_chart *c, int64_t patient_id,
                                        const struct folio_mpi_search_opts *opts,
                                        struct folio_arena *a, struct folio_mpi_candidate **out,
                                        size_t *n, struct folio_err *err)
{
    struct person p;
    struct keyset ks = {0};
    bool found = false;
    *out = NULL;
    *n = 0;
    enum folio_rc rc = load_person(c->store, patient_id, &p, &found, err);
    if (rc)
        return rc;
    if (!found) {
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "patient_id",
                           "patient %lld is not in the MPI index", (long long)patient_id);
        goto out;
    }
    rc = load_keys(c->store, patient_id, false, &ks, err);
    if (rc)
        goto out;
    struct folio_mpi_record r;
    struct mpi_prep pp;
    person_record(&p, &r);
    mpix_prepare(&r, &pp);
    struct folio_mpi_search_opts o = opts ? *opts : (struct folio_mpi_search_opts){.min_score = NAN};
    o.exclude_patient_id = patient_id;
    rc = search_core(c, &pp, ks.k, ks.n, p.has_ssn, p.s[11], &o, a, out, n, err);
out:
    free(ks.k);
    person_free(&p);
    return rc;
}

/* ---- whole-index scan ---- */

struct pair64 {
    int64_t a, b;
};
static int pair_cmp(const void *x, const void *y)
{
    const struct pair64 *p = x, *q = y;
    if (p->a != q->a)
        return p->a < q->a ? -1 : 1;
    return (p->b > q->b) - (p->b < q->b);
}

enum folio_rc folio_mpi_scan_pairs(const struct folio_chart *c,
                                   const struct folio_mpi_model *model, double min_score,
                                   folio_mpi_pair_fn fn, void *ctx, struct folio_err *err)
{
    struct folio_mpi_model def;
    if (!model) {
        folio_mpi_model_default(&def);
        model = &def;
    }
    if (isnan(min_score))
        min_score = model->low;
    struct folio_stmt *st = NULL;
    struct pair64 *pairs = NULL;
    size_t np = 0, cp = 0;
    int64_t *grp = NULL;
    size_t ng = 0, cg = 0;
    char cur[MPI_KEY_LEN + 40] = "";
    bool row = false;
    enum folio_rc rc = folio_store_prepare(
        c->store, "SELECT mkey, patient_id FROM mpi_key ORDER BY mkey, patient_id", &st, err);
    for (;;) {
        if (rc)
            goto out;
        rc = folio_stmt_step(st, &row, err);
        if (rc)
            goto out;
        const char *k = row ? folio_stmt_column_text(st, 0) : NULL;
        if (!row || !k || strcmp(k, cur) != 0) {
            /* close the group */
            if (ng >= 2 && ng <= 400) {
                for (size_t i = 0; i < ng; i++)
                    for (size_t j = i + 1; j < ng; j++) {
                        if (np == cp) {
                            cp = cp ? cp * 2 : 1024;
                            struct pair64 *p = realloc(pairs, cp * sizeof *p);
                            if (!p) {
                                rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
                                goto out;
                            }
                            pairs = p;
                        }
                        pairs[np++] = (struct pair64){grp[i], grp[j]};
                    }
            }
            ng = 0;
            if (!row)
                break;
            folio_strlcpy(cur, k ? k : "", sizeof cur);
        }
        if (ng == cg) {
            cg = cg ? cg * 2 : 64;
            int64_t *g = realloc(grp, cg * sizeof *g);
            if (!g) {
                rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
                goto out;
            }
            grp = g;
        }
        grp[ng++] = folio_stmt_column_i64(st, 1);
    }
    folio_stmt_free(st);
    st = NULL;
    if (np > 1)
        qsort(pairs, np, sizeof *pairs, pair_cmp);
    for (size_t i = 0; i < np; i++) {
        if (i && pairs[i].a == pairs[i - 1].a && pairs[i].b == pairs[i - 1].b)
            continue;
        struct folio_mpi_score s;
        rc = folio_mpi_score_patients(c, model, pairs[i].a, pairs[i].b, &s, err);
        if (rc)
            goto out;
        if (s.score >= min_score) {
            int r = fn(ctx, pairs[i].a, pairs[i].b, &s);
            if (r) {
                rc = (enum folio_rc)r;
                goto out;
            }
        }
    }
out:
    folio_stmt_free(st);
    free(pairs);
    free(grp);
    return rc;
}

/* Loading the MCE tables (TSV files of an MCE release) into memory: see folio/edits.h. */
#include "folio/base.h"

#include "folio/edits.h"
#include "folio/time.h"
#include "folio/tsv.h"

#include "coding/edits_int.h"

#define MCE_FILE_MAX ((size_t)64 * 1024 * 1024)

enum mce_table { TBL_DX, TBL_PR };

struct attr_name {
    const char *name;
    int dx; /* bit in the diagnosis master, -1 if the name is not expected there */
    int pr; /* bit in the procedure master */
};

/* Every attribute name the MCE 43.1 masters use (FY2016-FY2026 history). */
static const struct attr_name attr_names[] = {
    {"ADULT", MCE_A_ADULT, -1},
    {"CLINTRIAL", MCE_A_CLINTRIAL, -1},
    {"DELOUT", MCE_A_DELOUT, -1},
    {"ECODEPDX", MCE_A_ECODEPDX, -1},
    {"FEMALE", MCE_A_FEMALE, MCE_A_FEMALE},
    {"MALE", MCE_A_MALE, MCE_A_MALE},
    {"MANIF", MCE_A_MANIF, -1},
    {"MATERNITY", MCE_A_MATERNITY, -1},
    {"NCOV_B", MCE_A_NCOV_B, -1},
    {"NCOV_D", MCE_A_NCOV_D, MCE_A_NCOV_D_PR},
    {"NCOV_E", MCE_A_NCOV_E, MCE_A_NCOV_E_PR},
    {"NCOV_G", MCE_A_NCOV_G, MCE_A_NCOV_G_PR},
    {"NEWBORN", MCE_A_NEWBORN, -1},
    {"PEDIATRIC", MCE_A_PEDIATRIC, -1},
    {"QADM", MCE_A_QADM, -1},
    {"REQSDX", MCE_A_REQSDX, -1},
    {"UNACCEPTABLE", MCE_A_UNACCEPTABLE, -1},
    {"UNSPECIFIED", MCE_A_UNSPECIFIED, -1},
    {"WRNGPROC", MCE_A_WRNGPROC, -1},
    {"COV_Z006A", -1, MCE_A_COV_Z006A},
    {"COV_Z006B", -1, MCE_A_COV_Z006B},
    {"CSECT", -1, MCE_A_CSECT},
    {"LCOV", -1, MCE_A_LCOV},
    {"LOS", -1, MCE_A_LOS},
    {"NCOV_A", -1, MCE_A_NCOV_A},
    {"NCOV_B_KXP", -1, MCE_A_NCOV_B_KXP},
    {"NCOV_B_PXP", -1, MCE_A_NCOV_B_PXP},
    {"NCOV_F", -1, MCE_A_NCOV_F},
    {"VAGDEL", -1, MCE_A_VAGDEL},
};

static enum folio_rc tsv_open(struct folio_tsv *t, const char *dir, const char *file,
                              struct folio_err *err)
{
    return folio_tsv_open(t, dir, file, MCE_FILE_MAX, "mce", err);
}

static bool all_digits(struct folio_sv s)
{
    for (size_t i = 0; i < s.len; i++)
        if (s.p[i] < '0' || s.p[i] > '9')
            return false;
    return s.len > 0;
}

static int digits_val(const char *p, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (p[i] - '0');
    return v;
}

/* "YYYY-MM-DD" -> YYYYMMDD */
static enum folio_rc parse_date(struct folio_tsv *t, struct folio_sv s, const char *what, int32_t *out,
                                struct folio_err *err)
{
    int y, m, d;

    if (s.len != 10 || s.p[4] != '-' || s.p[7] != '-' || !all_digits((struct folio_sv){s.p, 4}) ||
        !all_digits((struct folio_sv){s.p + 5, 2}) || !all_digits((struct folio_sv){s.p + 8, 2}))
        goto bad;
    y = digits_val(s.p, 4);
    m = digits_val(s.p + 5, 2);
    d = digits_val(s.p + 8, 2);
    if (m < 1 || m > 12 || d < 1 || d > folio_time_days_in_month(y, m))
        goto bad;
    *out = (int32_t)(y * 10000 + m * 100 + d);
    return FOLIO_OK;
bad:
    return folio_err_set(err, FOLIO_EPARSE, "mce", "%s:%ld: %s: not a date (YYYY-MM-DD): '%.*s'",
                         t->name, t->line, what, (int)(s.len > 40 ? 40 : s.len), s.p);
}

static enum folio_rc parse_range(struct folio_tsv *t, struct folio_sv from, struct folio_sv to,
                                 int32_t *f, int32_t *e, struct folio_err *err)
{
    enum folio_rc rc = parse_date(t, from, "effective_from", f, err);
    if (rc)
        return rc;
    rc = parse_date(t, to, "effective_to", e, err);
    if (rc)
        return rc;
    if (*e < *f)
        return folio_err_set(err, FOLIO_EPARSE, "mce", "%s:%ld: effective_to before effective_from",
                             t->name, t->line);
    return FOLIO_OK;
}

int mce_attr_bit(bool dx, struct folio_sv name)
{
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(attr_names); i++)
        if (folio_sv_eq_cstr(name, attr_names[i].name))
            return dx ? attr_names[i].dx : attr_names[i].pr;
    return -1;
}

static enum folio_rc parse_attrs(struct folio_tsv *t, enum mce_table tbl, struct folio_sv s,
                                 uint64_t *out, struct folio_err *err)
{
    struct folio_sv head;

    *out = 0;
    if (s.len == 0)
        return FOLIO_OK;
    while (folio_sv_next_field(&s, ',', &head)) {
        int bit = mce_attr_bit(tbl == TBL_DX, head);
        if (bit < 0)
            return folio_err_set(err, FOLIO_EPARSE, "mce", "%s:%ld: unknown attribute '%.*s'",
                                 t->name, t->line, (int)(head.len > 40 ? 40 : head.len), head.p);
        *out |= MCE_BIT(bit);
    }
    return FOLIO_OK;
}

static int row_cmp(const void *a, const void *b)
{
    const struct mce_row *x = a, *y = b;
    int c = strcmp(x->code, y->code);
    if (c)
        return c;
    return x->from < y->from ? -1 : x->from > y->from;
}

/* FNV-1a over the code's bytes. */
static uint32_t code_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

static enum folio_rc build_index(struct mce_master *m, struct folio_err *err)
{
    size_t i, distinct = 0;

    qsort(m->rows, m->nrows, sizeof *m->rows, row_cmp);
    for (i = 0; i < m->nrows; i++)
        if (i == 0 || strcmp(m->rows[i].code, m->rows[i - 1].code) != 0)
            distinct++;
    m->nslots = 16;
    while (m->nslots < distinct * 2)
        m->nslots *= 2;
    m->slots = calloc(m->nslots, sizeof *m->slots);
    if (m->slots == NULL)
        return folio_err_set(err, FOLIO_ENOMEM, "mce", "out of memory indexing the MCE tables");
    for (i = 0; i < m->nrows; i++) {
        size_t s;
        if (i > 0 && strcmp(m->rows[i].code, m->rows[i - 1].code) == 0)
            continue;
        s = code_hash(m->rows[i].code, strlen(m->rows[i].code)) & (m->nslots - 1);
        while (m->slots[s] != 0)
            s = (s + 1) & (m->nslots - 1);
        m->slots[s] = (uint32_t)(i + 1);
    }
    return FOLIO_OK;
}

static bool valid_code_chars(struct folio_sv s)
{
    if (s.len == 0 || s.len > 7)
        return false;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.p[i];
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')))
            return false;
    }
    return true;
}

/* code  effective_from  effective_to  mce_attributes */
static enum folio_rc load_master(const char *dir, const char *file, enum mce_table tbl,
                                 struct mce_master *m, struct folio_err *err)
{
    struct folio_tsv t;
    struct folio_sv line, f[4];
    bool have;
    size_t cap = 0;
    enum folio_rc rc = tsv_open(&t, dir, file, err);

    if (rc)
        goto out;
    rc = folio_tsv_header(&t, "code\teffective_from\teffective_to\tmce_attributes", err);
    if (rc)
        goto out;
    for (;;) {
        struct mce_row *row;
        rc = folio_tsv_line(&t, &line, &have, err);
        if (rc || !have)
            break;
        rc = folio_tsv_fields(&t, line, f, 4, err);
        if (rc)
            goto out;
        if (!valid_code_chars(f[0])) {
            rc = folio_err_set(err, FOLIO_EPARSE, "mce", "%s:%ld: bad code '%.*s'", t.name, t.line,
                               (int)(f[0].len > 40 ? 40 : f[0].len), f[0].p);
            goto out;
        }
        if (m->nrows == cap) {
            size_t ncap = cap ? cap * 2 : 65536, bytes;
            struct mce_row *nr;
            if (!folio_size_mul(ncap, sizeof *nr, &bytes) ||
                (nr = realloc(m->rows, bytes)) == NULL) {
                rc = folio_err_set(err, FOLIO_ENOMEM, "mce", "out of memory reading %s", file);
                goto out;
            }
            m->rows = nr;
            cap = ncap;
        }
        row = &m->rows[m->nrows];
        memset(row, 0, sizeof *row);
        memcpy(row->code, f[0].p, f[0].len);
        rc = parse_range(&t, f[1], f[2], &row->from, &row->to, err);
        if (rc)
            goto out;
        rc = parse_attrs(&t, tbl, f[3], &row->attrs, err);
        if (rc)
            goto out;
        m->nrows++;
    }
    if (rc)
        goto out;
    if (m->nrows == 0) {
        rc = folio_err_set(err, FOLIO_EPARSE, "mce", "%s: no rows", file);
        goto out;
    }
    if (m->nrows >= UINT32_MAX) {
        rc = folio_err_set(err, FOLIO_ETOOBIG, "mce", "%s: too many rows", file);
        goto out;
    }
out:
    folio_buf_release(&t.buf);
    return rc;
}

/* key  start_age  end_age  effective_from  effective_to */
static enum folio_rc load_ranges(const char *dir, struct folio_mce *m, struct folio_err *err)
{
    struct folio_tsv t;
    struct folio_sv line, f[5];
    bool have;
    enum folio_rc rc = tsv_open(&t, dir, "mce_age_ranges.tsv", err);

    if (rc)
        goto out;
    rc = folio_tsv_header(&t, "key\tstart_age\tend_age\teffective_from\teffective_to", err);
    if (rc)
        goto out;
    for (;;) {
        struct mce_range *r, *nr;
        int64_t lo, hi;
        rc = folio_tsv_line(&t, &line, &have, err);
        if (rc || !have)
            break;
        rc = folio_tsv_fields(&t, line, f, 5, err);
        if (rc)
            goto out;
        if (f[0].len == 0 || f[0].len >= sizeof r->key || folio_sv_to_i64(f[1], &lo) ||
            folio_sv_to_i64(f[2], &hi) || lo < 0 || hi < lo || hi > 999) {
            rc = folio_err_set(err, FOLIO_EPARSE, "mce", "%s:%ld: bad age range", t.name, t.line);
            goto out;
        }
        nr = realloc(m->ranges, (m->nranges + 1) * sizeof *nr);
        if (nr == NULL) {
            rc = folio_err_set(err, FOLIO_ENOMEM, "mce", "out of memory");
            goto out;
        }
        m->ranges = nr;
        r = &m->ranges[m->nranges];
        memset(r, 0, sizeof *r);
        memcpy(r->key, f[0].p, f[0].len);
        r->lo = (int)lo;
        r->hi = (int)hi;
        rc = parse_range(&t, f[3], f[4], &r->from, &r->to, err);
        if (rc)
            goto out;
        m->nranges++;
    }
out:
    folio_buf_release(&t.buf);
    return rc;
}

/* key  effective_from  effective_to  row */
static enum folio_rc load_statuses(const char *dir, struct folio_mce *m, struct folio_err *err)
{
    struct folio_tsv t;
    struct folio_sv line, f[4];
    bool have;
    enum folio_rc rc = tsv_open(&t, dir, "mce_discharge_status.tsv", err);

    if (rc)
        goto out;
    rc = folio_tsv_header(&t, "key\teffective_from\teffective_to\trow", err);
    if (rc)
        goto out;
    for (;;) {
        struct mce_status *s, *ns;
        int64_t key;
        rc = folio_tsv_line(&t, &line, &have, err);
        if (rc || !have)
            break;
        rc = folio_tsv_fields(&t, line, f, 4, err);
        if (rc)
            goto out;
        if (!all_digits(f[0]) || f[0].len > 3 || folio_sv_to_i64(f[0], &key)) {
            rc = folio_err_set(err, FOLIO_EPARSE, "mce", "%s:%ld: bad discharge status '%.*s'",
                               t.name, t.line, (int)(f[0].len > 40 ? 40 : f[0].len), f[0].p);
            goto out;
        }
        ns = realloc(m->statuses, (m->nstatuses + 1) * sizeof *ns);
        if (ns == NULL) {
            rc = folio_err_set(err, FOLIO_ENOMEM, "mce", "out of memory");
            goto out;
        }
        m->statuses = ns;
        s = &m->statuses[m->nstatuses];
        s->key = (int)key;
        rc = parse_range(&t, f[1], f[2], &s->from, &s->to, err);
        if (rc)
            goto out;
        m->nstatuses++;
    }
out:
    folio_buf_release(&t.buf);
    return rc;
}

enum folio_rc mce_finish(struct folio_mce *m, struct folio_err *err)
{
    enum folio_rc rc;

    if (m->dx.nrows == 0)
        return folio_err_set(err, FOLIO_ENOTFOUND, "mce", "the MCE diagnosis table has no rows");
    if (m->dx.nrows >= UINT32_MAX || m->pr.nrows >= UINT32_MAX)
        return folio_err_set(err, FOLIO_ETOOBIG, "mce", "too many MCE rows");
    if ((rc = build_index(&m->dx, err)) ||
        (m->pr.nrows > 0 && (rc = build_index(&m->pr, err))))
        return rc;
    m->first = m->dx.rows[0].from;
    m->last = m->dx.rows[0].to;
    for (size_t i = 1; i < m->dx.nrows; i++) {
        if (m->dx.rows[i].from < m->first)
            m->first = m->dx.rows[i].from;
        if (m->dx.rows[i].to > m->last)
            m->last = m->dx.rows[i].to;
    }
    return FOLIO_OK;
}

enum folio_rc folio_mce_load(const char *dir, struct folio_mce **out, struct folio_err *err)
{
    struct folio_mce *m = calloc(1, sizeof *m);
    enum folio_rc rc = FOLIO_OK;

    *out = NULL;
    if (m == NULL)
        return folio_err_set(err, FOLIO_ENOMEM, "mce", "out of memory");
    rc = load_master(dir, "mce_i10_dx_master.tsv", TBL_DX, &m->dx, err);
    if (rc)
        goto out;
    rc = load_master(dir, "mce_i10_pr_master.tsv", TBL_PR, &m->pr, err);
    if (rc)
        goto out;
    rc = load_ranges(dir, m, err);
    if (rc)
        goto out;
    rc = load_statuses(dir, m, err);
    if (rc)
        goto out;
    rc = mce_finish(m, err);
    if (rc)
        goto out;
    *out = m;
    m = NULL;
out:
    folio_mce_free(m);
    return rc;
}

void folio_mce_free(struct folio_mce *m)
{
    if (m == NULL)
        return;
    free(m->dx.rows);
    free(m->dx.slots);
    free(m->pr.rows);
    free(m->pr.slots);
    free(m->ranges);
    free(m->statuses);
    free(m);
}

void folio_mce_coverage(const struct folio_mce *m, int32_t *first, int32_t *last)
{
    *first = m->first;
    *last = m->last;
}

const struct mce_row *mce_lookup(const struct mce_master *m, const char *code, int32_t date)
{
    char up[8];
    size_t n = strlen(code), s, i;

    if (n == 0 || n > 7 || m->nslots == 0)
        return NULL;
    for (i = 0; i < n; i++) {
        char c = code[i];
        up[i] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
    }
    up[n] = '\0';
    s = code_hash(up, n) & (m->nslots - 1);
    while (m->slots[s] != 0) {
        size_t first = m->slots[s] - 1;
        if (strcmp(m->rows[first].code, up) == 0) {
            for (i = first; i < m->nrows && strcmp(m->rows[i].code, up) == 0; i++)
                if (m->rows[i].from <= date && date <= m->rows[i].to)
                    return &m->rows[i];
            return NULL;
        }
        s = (s + 1) & (m->nslots - 1);
    }
    return NULL;
}

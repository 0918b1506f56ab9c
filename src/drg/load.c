/* Loading one grouper version from the TSV files of a CMS MS-DRG release (folio/drg.h). Every
 * refusal names the file and line; the formulas are compiled here, once. */
#include "folio/base.h"

#include "folio/drg.h"
#include "folio/tsv.h"

#include <dirent.h>
#include <errno.h>

#include "drg/drg_int.h"

#define DRG_FILE_MAX ((size_t)256 * 1024 * 1024)
#define DRG_ROWS_MAX ((size_t)1 << 22)

/* ---- reading TSV files ---- */

/* dir/<prefix><suffix> ("msdrg_v431_" "dx.tsv"). */
static enum folio_rc tsv_open(struct folio_tsv *t, const char *dir, const char *prefix,
                              const char *suffix, struct folio_err *err)
{
    char name[96];
    if (!folio_snprintf(name, sizeof name, "%s%s", prefix, suffix)) {
        folio_buf_init(&t->buf, 0);
        return folio_err_set(err, FOLIO_EINVAL, "drg", "grouper table name too long: %s", prefix);
    }
    return folio_tsv_open(t, dir, name, DRG_FILE_MAX, "drg", err);
}

#define SHOW(sv) (int)((sv).len > 40 ? 40 : (sv).len), (sv).p

static enum folio_rc bad_value(struct folio_tsv *t, const char *col, struct folio_sv v,
                               struct folio_err *err)
{
    return folio_err_set(err, FOLIO_EPARSE, "drg", "%s:%ld: %s: bad value '%.*s'", t->name, t->line,
                         col, SHOW(v));
}

/* Whole-view integer in [lo, hi]. */
static enum folio_rc get_int(struct folio_tsv *t, const char *col, struct folio_sv v, int64_t lo,
                             int64_t hi, int64_t *out, struct folio_err *err)
{
    if (v.len == 0 || v.len > 10 || folio_sv_to_i64(v, out) || *out < lo || *out > hi)
        return bad_value(t, col, v, err);
    return FOLIO_OK;
}

/* ---- growable arrays ---- */

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
    size_t ncap = *cap ? *cap : 64, bytes;
    void *np;

    if (need <= *cap)
        return true;
    while (ncap < need)
        ncap *= 2;
    if (!folio_size_mul(ncap, size, &bytes) || (np = realloc(*p, bytes)) == NULL)
        return false;
    *p = np;
    *cap = ncap;
    return true;
}

/* ---- attribute sets, deduplicated ---- */

struct set_table {
    struct drg_bits **sets; /* points at the version's array */
    size_t *nsets, cap;
    uint32_t *slot; /* set index + 1 */
    size_t nslots;
};

static uint64_t bits_hash(const struct drg_bits *b)
{
    uint64_t h = 0x243F6A8885A308D3ull;
    for (int i = 0; i < DRG_BITS_WORDS; i++) {
        h ^= b->w[i];
        h *= 0x100000001B3ull;
        h ^= h >> 29;
    }
    return h;
}

static bool set_rehash(struct set_table *s, size_t nslots)
{
    uint32_t *slot = calloc(nslots, sizeof *slot);

    if (slot == NULL)
        return false;
    for (size_t i = 0; i < *s->nsets; i++) {
        size_t k = (size_t)bits_hash(&(*s->sets)[i]) & (nslots - 1);
        while (slot[k])
            k = (k + 1) & (nslots - 1);
        slot[k] = (uint32_t)(i + 1);
    }
    free(s->slot);
    s->slot = slot;
    s->nslots = nslots;
    return true;
}

/* Index of the set equal to b (added when new); -1 out of memory. */
static int64_t set_find_add(struct set_table *s, const struct drg_bits *b)
{
    size_t k;

    if ((*s->nsets + 1) * 2 > s->nslots && !set_rehash(s, s->nslots ? s->nslots * 2 : 4096))
        return -1;
    k = (size_t)bits_hash(b) & (s->nslots - 1);
    while (s->slot[k]) {
        size_t i = s->slot[k] - 1;
        if (memcmp(&(*s->sets)[i], b, sizeof *b) == 0)
            return (int64_t)i;
        k = (k + 1) & (s->nslots - 1);
    }
    if (!grow((void **)s->sets, &s->cap, *s->nsets + 1, sizeof **s->sets))
        return -1;
    (*s->sets)[*s->nsets] = *b;
    s->slot[k] = (uint32_t)(*s->nsets + 1);
    return (int64_t)(*s->nsets)++;
}

/* A comma list of attribute names into b (names interned in t). */
static enum folio_rc get_attrs(struct folio_tsv *t, const char *col, struct folio_sv v,
                               struct drg_names *names, struct drg_bits *b, struct folio_err *err)
{
    struct folio_sv head;

    if (v.len == 0)
        return FOLIO_OK;
    while (folio_sv_next_field(&v, ',', &head)) {
        unsigned id;
        if (head.len == 0)
            return folio_err_set(err, FOLIO_EPARSE, "drg", "%s:%ld: %s: empty attribute name",
                                 t->name, t->line, col);
        for (size_t i = 0; i < head.len; i++)
            if (!((head.p[i] >= '0' && head.p[i] <= '9') ||
                  (head.p[i] >= 'a' && head.p[i] <= 'z') ||
                  (head.p[i] >= 'A' && head.p[i] <= 'Z') || head.p[i] == '_'))
                return bad_value(t, col, head, err);
        id = drg_names_intern(names, head.p, head.len);
        if (id == DRG_NO_ATTR)
            return folio_err_set(err, FOLIO_ETOOBIG, "drg",
                                 "%s:%ld: more than %d distinct attribute names", t->name, t->line,
                                 DRG_MAX_ATTRS);
        drg_bits_set(b, id);
    }
    return FOLIO_OK;
}

/* ---- code tables ---- */

/* Turns the n records at *recs (size bytes each, a uint64_t key first) into an open-addressing
 * table of *nslots records (load at most 0.7); *remap (when not NULL) gets each record's slot. */
static enum folio_rc slot_table(void **recs, size_t n, size_t size, size_t *nslots,
                                uint32_t **remap, const char *file, struct folio_err *err)
{
    size_t ns = 1024;
    char *table, *src = *recs;

    while (ns * 7 < n * 10)
        ns *= 2;
    table = calloc(ns, size);
    if (remap)
        *remap = malloc((n + 1) * sizeof **remap);
    if (table == NULL || (remap && *remap == NULL)) {
        free(table);
        return folio_err_set(err, FOLIO_ENOMEM, "drg", "out of memory indexing %s", file);
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t key, k;
        size_t s;
        memcpy(&key, src + i * size, sizeof key);
        for (s = drg_key_slot(key, ns);; s = (s + 1) & (ns - 1)) {
            memcpy(&k, table + s * size, sizeof k);
            if (k == 0)
                break;
            if (k == key) {
                free(table);
                return folio_err_set(err, FOLIO_EPARSE, "drg", "%s: a code is listed twice", file);
            }
        }
        memcpy(table + s * size, src + i * size, size);
        if (remap)
            (*remap)[i] = (uint32_t)s;
    }
    free(*recs);
    *recs = table;
    *nslots = ns;
    return FOLIO_OK;
}

/* ---- names of collections and clusters (many: sorted arrays) ---- */

struct name_list {
    char **name;
    size_t n, cap;
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int64_t name_list_find(const struct name_list *l, struct folio_sv s)
{
    size_t lo = 0, hi = l->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *m = l->name[mid];
        size_t ml = strlen(m);
        int c = memcmp(m, s.p, ml < s.len ? ml : s.len);
        if (c == 0)
            c = ml < s.len ? -1 : ml > s.len;
        if (c == 0)
            return (int64_t)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static void name_list_release(struct name_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->name[i]);
    free(l->name);
    memset(l, 0, sizeof *l);
}

static bool name_list_add(struct name_list *l, struct folio_sv s)
{
    char *c;

    if (!grow((void **)&l->name, &l->cap, l->n + 1, sizeof *l->name))
        return false;
    c = malloc(s.len + 1);
    if (c == NULL)
        return false;
    memcpy(c, s.p, s.len);
    c[s.len] = '\0';
    l->name[l->n++] = c;
    return true;
}

/* ---- the loader's state ---- */

struct loader {
    struct folio_drg_version *v;
    const char *dir;
    char prefix[64];             /* "msdrg_v431_" */
    struct name_list coll_names; /* exclusion collections, file order */
    struct folio_buf coll_codes; /* their code lists, kept until the dx table is in */
    size_t *coll_line;           /* where each list starts in coll_codes */
    struct name_list cl_names;   /* cluster names, sorted */
    size_t dx_cap, pr_cap, rows_cap, nsupp_cap;
};

static bool valid_code(struct folio_sv s)
{
    return drg_code_key(s.p, s.len) != 0 && s.len >= 3;
}

/* collection  count  principal_dx_codes_that_exclude_this_secondary_as_cc_mcc
 * The list holds the secondary diagnoses a principal diagnosis excludes: each diagnosis row
 * names its collection (docs/drg.md, "CC exclusions"). */
static enum folio_rc load_collections(struct loader *L, struct folio_err *err)
{
    struct folio_tsv t;
    struct folio_sv line, f[3];
    bool have;
    size_t cap = 0;
    enum folio_rc rc = tsv_open(&t, L->dir, L->prefix, "pdx_exclusion_collections.tsv", err);

    folio_buf_init(&L->coll_codes, DRG_FILE_MAX);
    if (rc)
        goto out;
    rc = folio_tsv_header(
        &t, "collection\tcount\tprincipal_dx_codes_that_exclude_this_secondary_as_cc_mcc", err);
    while (rc == FOLIO_OK) {
        int64_t count, n = 0;
        struct folio_sv list, item;
        rc = folio_tsv_line(&t, &line, &have, err);
        if (rc || !have)
            break;
        rc = folio_tsv_fields(&t, line, f, 3, err);
        if (rc)
            break;
        if (f[0].len == 0 || f[0].len > 32) {
            rc = bad_value(&t, "collection", f[0], err);
            break;
        }
        rc = get_int(&t, "count", f[1], 0, 1000000, &count, err);
        if (rc)
            break;
        list = f[2];
        while (list.len && folio_sv_next_field(&list, ' ', &item)) {
            if (!valid_code(item)) {
                rc = bad_value(&t, "codes", item, err);
                break;
            }
            n++;
        }
        if (rc)
            break;
        if (n != count) {
            rc = folio_err_set(err, FOLIO_EPARSE, "drg", "%s:%ld: count %lld but %lld codes",
                               t.name, t.line, (long long)count, (long long)n);
            break;
        }
        if (!name_list_add(&L->coll_names, f[0]) ||
            !grow((void **)&L->coll_line, &cap, L->coll_names.n, sizeof *L->coll_line)) {
            rc = folio_err_set(err, FOLIO_ENOMEM, "drg", "out of memory");
            break;
        }
        L->coll_line[L->coll_names.n - 1] = L->coll_codes.len;
        rc = folio_buf_append(&L->coll_codes, f[2].p, f[2].len);
        if (rc == FOLIO_OK)
            rc = folio_buf_append_ch(&L->coll_codes, '\0');
        if (rc)
            rc = folio_err_set(err, rc, "drg", "%s: too large", t.name);
    }
out:
    folio_buf_release(&t.buf);
    return rc;
}

/* "{}" or "{1=12, 2=13}": 1 male, 2 female. */
static enum folio_rc get_gender(struct folio_tsv *t, struct folio_sv v, struct drg_dx *d,
                                struct folio_err *err)
{
    struct folio_sv in, item;

    if (v.len < 2 || v.p[0] != '{' || v.p[v.len - 1] != '}')
        return bad_value(t, "gender_mdcs", v, err);
    in = (struct folio_sv){v.p + 1, v.len - 2};
    if (in.len == 0)
        return FOLIO_OK;
    while (folio_sv_next_field(&in, ',', &item)) {
        struct folio_sv k = folio_sv_trim(item), val;
        const char *eq = memchr(k.p, '=', k.len);
        int64_t sex, mdc;
        if (eq == NULL)
            return bad_value(t, "gender_mdcs", v, err);
        val = (struct folio_sv){eq + 1, (size_t)(k.p + k.len - eq - 1)};
        k.len = (size_t)(eq - k.p);
        if (folio_sv_to_i64(k, &sex) || folio_sv_to_i64(val, &mdc) || mdc < 0 ||
            mdc >= DRG_MDC_MAX || (sex != 1 && sex != 2))
            return bad_value(t, "gender_mdcs", v, err);
        if (sex == 1)
            d->mdc_male = (uint8_t)mdc;
        else
            d->mdc_female = (uint8_t)mdc;
        d->info |= DRG_DX_SEXDEP;
    }
    return FOLIO_OK;
}

/* code valid mdc severity gender_mdcs dx_attributes dx_cat_attributes hac_attributes
 * pdx_exclusion_collection clinical_significance */
static enum folio_rc load_dx(struct loader *L, struct folio_err *err)
{
    struct folio_drg_version *v = L->v;
    struct set_table sets = {&v->dx_sets, &v->ndx_sets, 0, NULL, 0};
    struct folio_tsv t;
    struct folio_sv line, f[10];
    bool have;
    enum folio_rc rc = tsv_open(&t, L->dir, L->prefix, "dx.tsv", err);

    if (rc)
        goto out;
    rc = folio_tsv_header(&t,
                    "code\tvalid\tmdc\tseverity\tgender_mdcs\tdx_attributes\tdx_cat_attributes\t"
                    "hac_attributes\tpdx_exclusion_collection\tclinical_significance",
                    err);
    while (rc == FOLIO_OK) {
        struct drg_dx d = {0};
        struct drg_bits b = {{0}};
        int64_t mdc, set;
        rc = folio_tsv_line(&t, &line, &have, err);
        if (rc || !have)
            break;
        rc = folio_tsv_fields(&t, line, f, 10, err);
        if (rc)
            break;
        if (!valid_code(f[0])) {
            rc = bad_value(&t, "code", f[0], err);
            break;
        }
        if (!folio_sv_eq_cstr(f[1], "true") && !folio_sv_eq_cstr(f[1], "false")) {
            rc = bad_value(&t, "valid", f[1], err);
            break;
        }
        if (folio_sv_eq_cstr(f[1], "false"))
            continue; /* not a valid code of this version: looked up, it is invalid */
        d.key = drg_code_key(f[0].p, f[0].len);
        rc = get_int(&t, "mdc", f[2], 0, DRG_MDC_MAX - 1, &mdc, err);
        if (rc)
            break;
        if (mdc == DRG_MDC_UNRELATED) {
            rc = bad_value(&t, "mdc", f[2], err);
            break;
        }
        d.mdc = d.mdc_male = d.mdc_female = (uint8_t)mdc;
        if (folio_sv_eq_cstr(f[3], "MCC"))
            d.info = DRG_MCC;
        else if (folio_sv_eq_cstr(f[3], "CC"))
            d.info = DRG_CC;
        else if (folio_sv_eq_cstr(f[3], "NCC"))
            d.info = DRG_NCC;
        else {
            rc = bad_value(&t, "severity", f[3], err);
            break;
        }
        rc = get_gender(&t, f[4], &d, err);
        if (rc == FOLIO_OK)
            rc = get_attrs(&t, "dx_attributes", f[5], &v->dx_names, &b, err);
        if (rc == FOLIO_OK)
            rc = get_attrs(&t, "dx_cat_attributes", f[6], &v->dx_names, &b, err);
        if (rc == FOLIO_OK)
            rc = get_attrs(&t, "hac_attributes", f[7], &v->dx_names, &b, err);
        if (rc)
            break;
        d.excl = DRG_NO_EXCL;
        if (f[8].len) {
            int64_t c = name_list_find(&L->coll_names, f[8]);
            if (c < 0) {
                rc = folio_err_set(err, FOLIO_EPARSE, "drg", "%s:%ld: unknown collection '%.*s'",
                                   t.name, t.line, SHOW(f[8]));
                break;
            }
            d.excl = (uint16_t)c;
        }
        set = set_find_add(&sets, &b);
        if (set >= (int64_t)DRG_MAX_SETS) {
            rc = folio_err_set(err, FOLIO_ETOOBIG, "drg", "%s:%ld: more than %u attribute sets",
                               t.name, t.line, DRG_MAX_SETS);
            break;
        }
        if (set < 0 || v->ndx >= DRG_ROWS_MAX ||
            !grow((void **)&v->dx, &L->dx_cap, v->ndx + 1, sizeof *v->dx)) {
            rc = folio_err_set(err, FOLIO_ENOMEM, "drg", "out of memory reading %s", t.name);
            break;
        }
        d.set = (uint16_t)set;
        v->dx[v->ndx++] = d;
    }
    if (rc == FOLIO_OK && v->ndx == 0)
        rc = folio_err_set(err, FOLIO_EPARSE, "drg", "%s: no codes", t.name);
    if (rc == FOLIO_OK)
        rc = slot_table((void **)&v->dx, v->ndx, sizeof *v->dx, &v->dx_slots, NULL, t.name, err);
out:
    free(sets.slot);
    folio_buf_release(&t.buf);
    return rc;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* The collections' code lists as sorted dx indices (codes the version does not know are
 * dropped: they cannot be a secondary diagnosis of a grouped claim). */
static enum folio_rc resolve_collections(struct loader *L, struct folio_err *err)
{
    struct folio_drg_version *v = L->v;
    size_t total = 0, k = 0;

    v->nexcl = L->coll_names.n;
    if (v->nexcl >= DRG_NO_EXCL)
        return folio_err_set(err, FOLIO_ETOOBIG, "drg", "more than %u exclusion collections",
                             DRG_NO_EXCL - 1);
    for (size_t i = 0; i < L->coll_codes.len; i++)
        if (L->coll_codes.data[i] == ' ' || L->coll_codes.data[i] == '\0')
            total++;
    v->excl_codes = malloc((total + 1) * sizeof *v->excl_codes);
    v->excl_off = malloc((v->nexcl + 1) * sizeof *v->excl_off);
    if (v->excl_codes == NULL || v->excl_off == NULL)
        return folio_err_set(err, FOLIO_ENOMEM, "drg", "out of memory");
    for (size_t c = 0; c < v->nexcl; c++) {
        struct folio_sv list = folio_sv_from(L->coll_codes.data + L->coll_line[c]), item;
        v->excl_off[c] = (uint32_t)k;
        while (list.len && folio_sv_next_field(&list, ' ', &item)) {
            int32_t i = drg_dx_find(v, drg_code_key(item.p, item.len));
            if (i >= 0)
                v->excl_codes[k++] = (uint32_t)i;
        }
        qsort(v->excl_codes + v->excl_off[c], k - v->excl_off[c], sizeof *v->excl_codes, cmp_u32);
    }
    v->excl_off[v->nexcl] = (uint32_t)k;
    return FOLIO_OK;
}

/* "stent3" -> 3 when name is prefix + digits. */
static unsigned count_suffix(const char *name, const char *prefix)
{
    size_t n = strlen(prefix);
    unsigned v = 0;

    if (strncmp(name, prefix, n) != 0 || name[n] == '\0' || strlen(name + n) > 2)
        return 0;
    for (const char *p = name + n; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        v = v * 10 + (unsigned)(*p - '0');
    }
    return v;
}

/* code  pr_attributes  cluster_ids  hac_operands */
static enum folio_rc load_pr(struct loader *L, struct folio_err *err)
{
    struct folio_drg_version *v = L->v;
    struct set_table sets = {&v->pr_sets, &v->npr_sets, 0, NULL, 0};
    struct folio_tsv t;
    struct folio_sv line, f[4];
    bool have;
    size_t npc = 0, pc_cap = 0;
    struct name_list raw = {0}; /* cluster names as met, with duplicates */
    struct {
        uint32_t pr;
        uint32_t raw;
    } *pcs = NULL;          /* (procedure, raw cluster name) pairs */
    uint32_t *remap = NULL; /* procedure in file order -> slot */
    enum folio_rc rc = tsv_open(&t, L->dir, L->prefix, "pr.tsv", err);

    if (rc)
        goto out;
    rc = folio_tsv_header(&t, "code\tpr_attributes\tcluster_ids\thac_operands", err);
    while (rc == FOLIO_OK) {
        struct drg_pr p = {0};
        struct drg_bits b = {{0}};
        struct folio_sv list, item;
        int64_t set;
        rc = folio_tsv_line(&t, &line, &have, err);
        if (rc || !have)
            break;
        rc = folio_tsv_fields(&t, line, f, 4, err);
        if (rc)
            break;
        if (!valid_code(f[0]) || f[0].len != 7) {
            rc = bad_value(&t, "code", f[0], err);
            break;
        }
        p.key = drg_code_key(f[0].p, f[0].len);
        rc = get_attrs(&t, "pr_attributes", f[1], &v->pr_names, &b, err);
        if (rc == FOLIO_OK)
            rc = get_attrs(&t, "hac_operands", f[3], &v->pr_names, &b, err);
        if (rc)
            break;
        list = f[2];
        while (list.len && folio_sv_next_field(&list, ',', &item)) {
            if (item.len == 0 || item.len > 32) {
                rc = bad_value(&t, "cluster_ids", item, err);
                break;
            }
            if (!name_list_add(&raw, item) || !grow((void **)&pcs, &pc_cap, npc + 1, sizeof *pcs)) {
                rc = folio_err_set(err, FOLIO_ENOMEM, "drg", "out of memory");
                break;
            }
            pcs[npc].pr = (uint32_t)v->npr;
            pcs[npc].raw = (uint32_t)(raw.n - 1);
            npc++;
        }
        if (rc)
            break;
        set = set_find_add(&sets, &b);
        if (set >= (int64_t)DRG_MAX_SETS) {
            rc = folio_err_set(err, FOLIO_ETOOBIG, "drg", "%s:%ld: more than %u attribute sets",
                               t.name, t.line, DRG_MAX_SETS);
            break;
        }
        if (set < 0 || v->npr >= DRG_ROWS_MAX ||
            !grow((void **)&v->pr, &L->pr_cap, v->npr + 1, sizeof *v->pr)) {
            rc = folio_err_set(err, FOLIO_ENOMEM, "drg", "out of memory reading %s", t.name);
            break;
        }
        p.set = (uint16_t)set;
        v->pr[v->npr++] = p;
    }
    if (rc == FOLIO_OK && v->npr == 0)
        rc = folio_err_set(err, FOLIO_EPARSE, "drg", "%s: no codes", t.name);
    if (rc == FOLIO_OK)
        rc = slot_table((void **)&v->pr, v->npr, sizeof *v->pr, &v->pr_slots, &remap, t.name, err);
    if (rc)
        goto out;

    /* stentN, vesselN: the counts each attribute set reports */
    v->set_stents = calloc(v->npr_sets + 1, 1);
    v->set_vessels = calloc(v->npr_sets + 1, 1);
    if (v->set_stents == NULL || v->set_vessels == NULL) {
        rc = folio_err_set(err, FOLIO_ENOMEM, "drg", "out of memory");
        goto out;
    }
    for (size_t k = 0; k < v->npr_sets; k++)
        for (unsigned id = 0; id < v->pr_names.n; id++) {
            unsigned st, ve;
            if (!drg_bits_has(&v->pr_sets[k], id))
                continue;
            st = count_suffix(v->pr_names.name[id], "stent");
            ve = count_suffix(v->pr_names.name[id], "vessel");
            if (st > v->set_stents[k])
                v->set_stents[k] = (uint8_t)(st > 99 ? 99 : st);
            if (ve > v->set_vessels[k])
                v->set_vessels[k] = (uint8_t)(ve > 99 ? 99 : ve);
        }

    /* clusters: distinct names, sorted; members per cluster and clusters per procedure */
    if (raw.n) {
        char **sorted = malloc(raw.n * sizeof *sorted);
        if (sorted == NULL) {
            rc = folio_err_set(err, FOLIO_ENOMEM, "drg", "out of memory");
            goto out;
        }
        memcpy(sorted, raw.name, raw.n * sizeof *sorted);
        qsort(sorted, raw.n, sizeof *sorted, cmp_str);
        for (size_t i = 0; i < raw.n && rc == FOLIO_OK; i++)
            if ((i == 0 || strcmp(sorted[i], sorted[i - 1]) != 0) &&
                !name_list_add(&L->cl_names, folio_sv_from(sorted[i])))
                rc = folio_err_set(err, FOLIO_ENOMEM, "drg", "out of memory");
        free(sorted);
        if (rc)
            goto out;
    }
    v->nclusters = L->cl_names.n;
    v->clusters = calloc(v->nclusters + 1, sizeof *v->clusters);
    v->cluster_members = malloc((npc + 1) * sizeof *v->cluster_members);
    v->pr_clusters = malloc((npc + 1) * sizeof *v->pr_clusters);
    if (v->clusters == NULL || v->cluster_members == NULL || v->pr_clusters == NULL) {
        rc = folio_err_set(err, FOLIO_ENOMEM, "drg", "out of memory");
        goto out;
    }
    for (size_t i = 0; i < npc; i++)
        v->clusters[name_list_find(&L->cl_names, folio_sv_from(raw.name[pcs[i].raw]))].n++;
    for (size_t c = 0, off = 0; c < v->nclusters; c++) {
        v->clusters[c].off = (uint32_t)off;
        off += v->clusters[c].n;
        v->clusters[c].n = 0;
        v->clusters[c].attr = DRG_NO_ATTR;
    }
    /* pairs are in procedure order: each procedure's clusters are contiguous */
    for (size_t i = 0; i < npc; i++) {
        size_t c = (size_t)name_list_find(&L->cl_names, folio_sv_from(raw.name[pcs[i].raw]));
        struct drg_cluster *cl = &v->clusters[c];
        struct drg_pr *p = &v->pr[remap[pcs[i].pr]];
        v->cluster_members[cl->off + cl->n++] = remap[pcs[i].pr];
        if (p->ncl == 0)
            p->cl_off = (uint32_t)i;
        if (p->ncl == UINT16_MAX) {
            rc = folio_err_set(err, FOLIO_EPARSE, "drg", "%s: too many clusters on one code",
                               t.name);
            goto out;
        }
        p->ncl++;
        v->pr_clusters[i] = (uint32_t)c;
    }
out:
    free(remap);
    free(pcs);
    name_list_release(&raw);
    free(sets.slot);
    folio_buf_release(&t.buf);
    return rc;
}

/* mdc rank drg base_drg surgical drg_severity reroute_mdc formula_collection
 * severity_suppression formula */
static enum folio_rc load_formulas(struct loader *L, struct drg_formula_ctx *fx,
                                   struct folio_err *err)
{
    struct folio_drg_version *v = L->v;
    struct folio_tsv t;
    struct folio_sv line, f[10];
    bool have;
    enum folio_rc rc = tsv_open(&t, L->dir, L->prefix, "drg_formulas.tsv", err);

    if (rc)
        goto out;
    rc = folio_tsv_header(&t,
                    "mdc\trank\tdrg\tbase_drg\tsurgical\tdrg_severity\treroute_mdc\t"
                    "formula_collection\tseverity_suppression\tformula",
                    err);
    /* suppression set 0: none */
    if (rc == FOLIO_OK && !grow((void **)&v->supp, &L->nsupp_cap, 1, sizeof *v->supp))
        rc = folio_err_set(err, FOLIO_ENOMEM, "drg", "out of memory");
    if (rc == FOLIO_OK) {
        memset(&v->supp[0], 0, sizeof v->supp[0]);
        v->nsupp = 1;
    }
    while (rc == FOLIO_OK) {
        struct drg_row r = {0};
        struct drg_bits sb = {{0}};
        int64_t mdc, rank, drg, base, sev, reroute, coll;
        size_t s;
        rc = folio_tsv_line(&t, &line, &have, err);
        if (rc || !have)
            break;
        rc = folio_tsv_fields(&t, line, f, 10, err);
        if (rc == FOLIO_OK)
            rc = get_int(&t, "mdc", f[0], 0, DRG_MDC_MAX - 1, &mdc, err);
        if (rc == FOLIO_OK)
            rc = get_int(&t, "rank", f[1], 0, 1000000, &rank, err);
        if (rc == FOLIO_OK)
            rc = get_int(&t, "drg", f[2], 0, 999, &drg, err);
        if (rc == FOLIO_OK)
            rc = get_int(&t, "base_drg", f[3], 0, 999, &base, err);
        if (rc == FOLIO_OK)
            rc = get_int(&t, "drg_severity", f[5], 0, 9, &sev, err);
        if (rc == FOLIO_OK)
            rc = get_int(&t, "reroute_mdc", f[6], 0, DRG_MDC_MAX - 1, &reroute, err);
        if (rc == FOLIO_OK)
            rc = get_int(&t, "formula_collection", f[7], 0, 1000000, &coll, err);
        if (rc == FOLIO_OK)
            rc = get_attrs(&t, "severity_suppression", f[8], &v->dx_names, &sb, err);
        if (rc)
            break;
        if (folio_sv_eq_cstr(f[4], "SURGICAL"))
            r.med_surg = FOLIO_DRG_SURGICAL;
        else if (folio_sv_eq_cstr(f[4], "MEDICAL"))
            r.med_surg = FOLIO_DRG_MEDICAL;
        else if (folio_sv_eq_cstr(f[4], "NA"))
            r.med_surg = FOLIO_DRG_MS_NA;
        else {
            rc = bad_value(&t, "surgical", f[4], err);
            break;
        }
        if (drg && reroute) {
            rc = folio_err_set(err, FOLIO_EPARSE, "drg", "%s:%ld: a DRG and a reroute on one row",
                               t.name, t.line);
            break;
        }
        r.mdc = (uint8_t)mdc;
        r.rank = (int32_t)rank;
        r.drg = (uint16_t)drg;
        r.base_drg = (uint16_t)base;
        r.reroute = (uint8_t)reroute;
        r.line = t.line;
        r.text = malloc(f[9].len + 1);
        if (r.text == NULL ||
            !grow((void **)&v->rows, &L->rows_cap, v->nrows + 1, sizeof *v->rows)) {
            free(r.text);
            rc = folio_err_set(err, FOLIO_ENOMEM, "drg", "out of memory");
            break;
        }
        memcpy(r.text, f[9].p, f[9].len);
        r.text[f[9].len] = '\0';
        v->rows[v->nrows++] = r; /* owns text from here */
        rc = drg_formula_compile(fx, r.text, &v->rows[v->nrows - 1].root, err);
        if (rc) {
            folio_err_prefix(err, "%s:%ld", t.name, t.line);
            break;
        }
        /* suppression sets, deduplicated */
        for (s = 0; s < v->nsupp; s++)
            if (memcmp(&v->supp[s], &sb, sizeof sb) == 0)
                break;
        if (s == v->nsupp) {
            if (s > UINT16_MAX || !grow((void **)&v->supp, &L->nsupp_cap, s + 1, sizeof *v->supp)) {
                rc = folio_err_set(err, FOLIO_ENOMEM, "drg", "out of memory");
                break;
            }
            v->supp[v->nsupp++] = sb;
        }
        v->rows[v->nrows - 1].supp = (uint16_t)s;
    }
out:
    folio_buf_release(&t.buf);
    return rc;
}

/* The order rows are tried in: by MDC, then rank; a reroute sharing its rank with a DRG row
 * comes after it (MDC 8, rank 72: the unrelated O.R. check follows the last surgical class);
 * then file order. */
struct row_key {
    uint32_t mdc;
    int32_t rank;
    uint32_t reroute;
    uint32_t idx;
};

static int row_key_cmp(const void *a, const void *b)
{
    const struct row_key *x = a, *y = b;

    if (x->mdc != y->mdc)
        return x->mdc < y->mdc ? -1 : 1;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    if (x->reroute != y->reroute)
        return x->reroute < y->reroute ? -1 : 1;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

static enum folio_rc order_rows(struct folio_drg_version *v, struct folio_err *err)
{
    static const struct {
        enum drg_func f;
        enum folio_drg_grc grc;
    } errors[] = {{DRG_F_INVALID_PDX, FOLIO_DRG_GRC_INVALID_PDX},
                  {DRG_F_PDX_ECODE, FOLIO_DRG_GRC_DX_CANNOT_BE_PDX},
                  {DRG_F_INVALID_SEX, FOLIO_DRG_GRC_INVALID_SEX},
                  {DRG_F_INVALID_DSTAT, FOLIO_DRG_GRC_INVALID_DISCHARGE_STATUS}};
    struct row_key *keys;
    size_t m = 0;

    for (size_t i = 0; i < v->nrows; i++) {
        struct drg_row *r = &v->rows[i];
        drg_formula_need(v->nodes, r->root, DRG_OP_PR, &r->need_pr);
        drg_formula_need(v->nodes, r->root, DRG_OP_PDX, &r->need_pdx);
        if (r->drg) {
            r->kind = DRG_ROW_DRG;
            continue;
        }
        if (r->reroute) {
            r->kind = DRG_ROW_REROUTE;
            continue;
        }
        r->kind = DRG_ROW_MARKER;
        for (size_t k = 0; k < FOLIO_ARRAY_LEN(errors); k++)
            if (drg_formula_uses(v->nodes, r->root, errors[k].f)) {
                r->kind = DRG_ROW_ERROR;
                r->grc = (uint8_t)errors[k].grc;
                break;
            }
    }
    keys = malloc((v->nrows + 1) * sizeof *keys);
    v->order = malloc((v->nrows + 1) * sizeof *v->order);
    if (keys == NULL || v->order == NULL) {
        free(keys);
        return folio_err_set(err, FOLIO_ENOMEM, "drg", "out of memory");
    }
    for (size_t i = 0; i < v->nrows; i++)
        keys[i] = (struct row_key){v->rows[i].mdc, v->rows[i].rank,
                                   v->rows[i].kind == DRG_ROW_REROUTE, (uint32_t)i};
    qsort(keys, v->nrows, sizeof *keys, row_key_cmp);
    for (size_t i = 0; i < v->nrows; i++)
        v->order[i] = keys[i].idx;
    free(keys);
    for (unsigned mdc = 0; mdc <= DRG_MDC_MAX; mdc++) {
        while (m < v->nrows && v->rows[v->order[m]].mdc < mdc)
            m++;
        v->mdc_off[mdc] = (uint32_t)m;
    }
    return FOLIO_OK;
}

/* hac  formula_collection  formula */
static enum folio_rc load_hacs(struct loader *L, struct drg_formula_ctx *fx, struct folio_err *err)
{
    struct folio_drg_version *v = L->v;
    struct folio_tsv t;
    struct folio_sv line, f[3];
    bool have;
    enum folio_rc rc = tsv_open(&t, L->dir, L->prefix, "hac_formulas.tsv", err);

    if (rc)
        goto out;
    rc = folio_tsv_header(&t, "hac\tformula_collection\tformula", err);
    fx->funcs_ok = false;
    while (rc == FOLIO_OK) {
        int64_t hac, coll;
        char tag[8], *text;
        struct drg_hacf *h;
        rc = folio_tsv_line(&t, &line, &have, err);
        if (rc || !have)
            break;
        rc = folio_tsv_fields(&t, line, f, 3, err);
        if (rc == FOLIO_OK)
            rc = get_int(&t, "hac", f[0], 1, 99, &hac, err);
        if (rc == FOLIO_OK)
            rc = get_int(&t, "formula_collection", f[1], 0, 1000000, &coll, err);
        if (rc)
            break;
        if (v->nhacf == FOLIO_DRG_MAX_HAC_FORMULAS) {
            rc = folio_err_set(err, FOLIO_ETOOBIG, "drg", "%s:%ld: more than %d HAC formulas",
                               t.name, t.line, FOLIO_DRG_MAX_HAC_FORMULAS);
            break;
        }
        for (size_t i = 0; i < v->nhacf; i++)
            if (v->hacf[i].hac == hac) {
                rc = folio_err_set(err, FOLIO_EPARSE, "drg", "%s:%ld: HAC %lld twice", t.name,
                                   t.line, (long long)hac);
                break;
            }
        if (rc)
            break;
        text = malloc(f[2].len + 1);
        if (text == NULL) {
            rc = folio_err_set(err, FOLIO_ENOMEM, "drg", "out of memory");
            break;
        }
        memcpy(text, f[2].p, f[2].len);
        text[f[2].len] = '\0';
        h = &v->hacf[v->nhacf];
        rc = drg_formula_compile(fx, text, &h->root, err);
        free(text);
        if (rc) {
            folio_err_prefix(err, "%s:%ld", t.name, t.line);
            break;
        }
        h->hac = (uint8_t)hac;
        (void)folio_snprintf(tag, sizeof tag, "HAC%02d", (int)hac);
        h->tag = drg_names_intern(&v->dx_names, tag, strlen(tag));
        drg_bits_set(&v->hac_tags, h->tag);
        v->nhacf++;
    }
out:
    fx->funcs_ok = true;
    folio_buf_release(&t.buf);
    return rc;
}

/* kind  number  description */
static enum folio_rc load_titles(struct loader *L, struct folio_err *err)
{
    struct folio_drg_version *v = L->v;
    struct folio_tsv t;
    struct folio_sv line, f[3];
    bool have;
    enum folio_rc rc = tsv_open(&t, L->dir, L->prefix, "titles.tsv", err);

    v->titles_drg = calloc(1000, sizeof *v->titles_drg);
    v->titles_mdc = calloc(DRG_MDC_MAX, sizeof *v->titles_mdc);
    v->titles_hac = calloc(100, sizeof *v->titles_hac);
    if (v->titles_drg == NULL || v->titles_mdc == NULL || v->titles_hac == NULL) {
        if (rc == FOLIO_OK)
            rc = folio_err_set(err, FOLIO_ENOMEM, "drg", "out of memory");
    }
    if (rc)
        goto out;
    rc = folio_tsv_header(&t, "kind\tnumber\tdescription", err);
    while (rc == FOLIO_OK) {
        int64_t n;
        char **slot = NULL;
        rc = folio_tsv_line(&t, &line, &have, err);
        if (rc || !have)
            break;
        rc = folio_tsv_fields(&t, line, f, 3, err);
        if (rc == FOLIO_OK)
            rc = get_int(&t, "number", f[1], 0, 999, &n, err);
        if (rc)
            break;
        if (folio_sv_eq_cstr(f[0], "DRG"))
            slot = &v->titles_drg[n];
        else if (folio_sv_eq_cstr(f[0], "MDC") && n < DRG_MDC_MAX)
            slot = &v->titles_mdc[n];
        else if (folio_sv_eq_cstr(f[0], "HAC") && n < 100)
            slot = &v->titles_hac[n];
        else if (!folio_sv_eq_cstr(f[0], "BASE_DRG")) {
            rc = bad_value(&t, "kind", f[0], err);
            break;
        }
        if (slot == NULL)
            continue;
        free(*slot);
        *slot = malloc(f[2].len + 1);
        if (*slot == NULL) {
            rc = folio_err_set(err, FOLIO_ENOMEM, "drg", "out of memory");
            break;
        }
        memcpy(*slot, f[2].p, f[2].len);
        (*slot)[f[2].len] = '\0';
    }
out:
    folio_buf_release(&t.buf);
    return rc;
}

/* The one msdrg_v<digits>_dx.tsv of dir gives the prefix and the version number. */
static enum folio_rc find_prefix(struct loader *L, struct folio_err *err)
{
    DIR *d = opendir(L->dir);
    struct dirent *e;
    int found = 0;

    if (d == NULL)
        return folio_err_set(err, FOLIO_ENOTFOUND, "drg", "cannot open grouper tables in %s: %s",
                             L->dir, strerror(errno));
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name, *p = n + 7;
        size_t digits = 0;
        if (strncmp(n, "msdrg_v", 7) != 0)
            continue;
        while (p[digits] >= '0' && p[digits] <= '9')
            digits++;
        if (digits < 2 || digits > 4 || strcmp(p + digits, "_dx.tsv") != 0)
            continue;
        if (found++) {
            closedir(d);
            return folio_err_set(err, FOLIO_EPARSE, "drg",
                                 "%s holds the tables of more than one grouper version", L->dir);
        }
        (void)folio_snprintf(L->prefix, sizeof L->prefix, "msdrg_v%.*s_", (int)digits, p);
    }
    closedir(d);
    if (!found)
        return folio_err_set(err, FOLIO_ENOTFOUND, "drg",
                             "no grouper tables in %s (msdrg_vNNN_dx.tsv missing)", L->dir);
    return FOLIO_OK;
}

/* "msdrg_v431_" -> 43.1, FY2026: April 1 to September 30, 2026 (vXX.0: from October 1). */
static void version_period(struct folio_drg_version *v, const char *prefix)
{
    const char *p = prefix + 7;
    size_t n = strspn(p, "0123456789");
    int major = 0, minor = p[n - 1] - '0', fy;

    for (size_t i = 0; i + 1 < n; i++)
        major = major * 10 + (p[i] - '0');
    (void)folio_snprintf(v->info.name, sizeof v->info.name, "%d.%d", major, minor);
    fy = 1983 + major;
    v->info.from = minor == 0 ? (int32_t)((fy - 1) * 10000 + 1001) : (int32_t)(fy * 10000 + 401);
    v->info.to = (int32_t)(fy * 10000 + 930);
}

static unsigned dx_attr(struct folio_drg_version *v, const char *name)
{
    return drg_names_find(&v->dx_names, name, strlen(name));
}

static unsigned pr_attr(struct folio_drg_version *v, const char *name)
{
    return drg_names_find(&v->pr_names, name, strlen(name));
}

/* The attribute names the functions read (docs/drg.md, "Functions"). */
static void resolve_fixed(struct folio_drg_version *v)
{
    static const char *const sites[8] = {"sthead", "stchest", "stabdom",  "stkidney",
                                         "sturin", "stpel",   "stuplimb", "stlolimb"};
    static const char *const joints[6] = {"lefthip",   "righthip",  "leftknee",
                                          "rightknee", "leftankle", "rightankle"};

    v->a_ecode = dx_attr(v, "ecode");
    v->a_mccalive = dx_attr(v, "mccalive");
    for (size_t i = 0; i < 8; i++)
        v->a_sites[i] = dx_attr(v, sites[i]);
    for (size_t i = 0; i < 6; i++)
        v->a_joints[i] = pr_attr(v, joints[i]);
    v->a_d468 = pr_attr(v, "d468");
    v->a_sglant = pr_attr(v, "sglantfuse");
    v->a_sglpost = pr_attr(v, "sglpostfuse");
    v->a_sglpost1 = pr_attr(v, "sglpostfuse1");
    v->a_sglantsectx = pr_attr(v, "sglantsectXfuse");
}

enum folio_rc folio_drg_load(const char *dir, struct folio_drg_version **out, struct folio_err *err)
{
    struct loader L = {0};
    struct drg_formula_ctx fx = {0};
    enum folio_rc rc;

    *out = NULL;
    L.dir = dir;
    L.v = calloc(1, sizeof *L.v);
    if (L.v == NULL)
        return folio_err_set(err, FOLIO_ENOMEM, "drg", "out of memory");
    rc = find_prefix(&L, err);
    if (rc)
        goto out;
    version_period(L.v, L.prefix);
    rc = load_collections(&L, err);
    if (rc == FOLIO_OK)
        rc = load_dx(&L, err);
    if (rc == FOLIO_OK)
        rc = resolve_collections(&L, err);
    if (rc == FOLIO_OK)
        rc = load_pr(&L, err);
    if (rc)
        goto out;
    fx.dx_names = &L.v->dx_names;
    fx.pr_names = &L.v->pr_names;
    fx.funcs_ok = true;
    rc = load_formulas(&L, &fx, err);
    if (rc == FOLIO_OK)
        rc = load_hacs(&L, &fx, err);
    L.v->nodes = fx.nodes;
    L.v->nnodes = fx.nnodes;
    fx.nodes = NULL;
    if (rc == FOLIO_OK)
        rc = order_rows(L.v, err);
    if (rc == FOLIO_OK)
        rc = load_titles(&L, err);
    if (rc)
        goto out;
    resolve_fixed(L.v);
    drg_clusters_name(L.v);
    L.v->info.ndx = L.v->ndx;
    L.v->info.npr = L.v->npr;
    L.v->info.nformulas = L.v->nrows;
    L.v->info.nclusters = L.v->nclusters;
    for (size_t i = 0; i < L.v->nclusters; i++)
        if (L.v->clusters[i].attr != DRG_NO_ATTR)
            L.v->info.nclusters_named++;
    *out = L.v;
    L.v = NULL;
out:
    free(fx.nodes);
    name_list_release(&L.coll_names);
    name_list_release(&L.cl_names);
    folio_buf_release(&L.coll_codes);
    free(L.coll_line);
    folio_drg_free(L.v);
    return rc;
}

static void names_release(struct drg_names *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->name[i]);
    free(t->name);
    free(t->slot);
}

void folio_drg_free(struct folio_drg_version *v)
{
    if (v == NULL)
        return;
    names_release(&v->dx_names);
    names_release(&v->pr_names);
    free(v->dx);
    free(v->dx_sets);
    free(v->pr);
    free(v->pr_sets);
    free(v->set_stents);
    free(v->set_vessels);
    free(v->excl_codes);
    free(v->excl_off);
    free(v->clusters);
    free(v->cluster_members);
    free(v->pr_clusters);
    free(v->nodes);
    for (size_t i = 0; i < v->nrows; i++)
        free(v->rows[i].text);
    free(v->rows);
    free(v->order);
    free(v->supp);
    if (v->titles_drg)
        for (size_t i = 0; i < 1000; i++)
            free(v->titles_drg[i]);
    if (v->titles_mdc)
        for (size_t i = 0; i < DRG_MDC_MAX; i++)
            free(v->titles_mdc[i]);
    if (v->titles_hac)
        for (size_t i = 0; i < 100; i++)
            free(v->titles_hac[i]);
    free(v->titles_drg);
    free(v->titles_mdc);
    free(v->titles_hac);
    free(v);
}

void folio_drg_version_info(const struct folio_drg_version *v, struct folio_drg_version_info *out)
{
    *out = v->info;
}

const char *folio_drg_title(const struct folio_drg_version *v, int drg)
{
    if (drg < 0 || drg >= 1000 || v->titles_drg[drg] == NULL)
        return "";
    return v->titles_drg[drg];
}

const char *folio_drg_mdc_title(const struct folio_drg_version *v, int mdc)
{
    if (mdc < 0 || mdc >= DRG_MDC_MAX || v->titles_mdc[mdc] == NULL)
        return "";
    return v->titles_mdc[mdc];
}

const char *folio_drg_hac_title(const struct folio_drg_version *v, int hac)
{
    if (hac < 0 || hac >= 100 || v->titles_hac[hac] == NULL)
        return "";
    return v->titles_hac[hac];
}

const char *folio_drg_formula_text(const struct folio_drg_version *v, int formula)
{
    if (formula < 0 || (size_t)formula >= v->nrows)
        return NULL;
    return v->rows[formula].text;
}

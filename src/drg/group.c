/* Grouping one claim (folio/drg.h). The steps, in CMS's order (docs/drg.md):
 *   1. look the codes up; claim facts (procedure attributes with complete clusters, discharge
 *      status classes, trauma sites, joint and stent counts, fusion counters);
 *   2. each SDX's severity: its level, "MCC only if alive", excluded when it repeats the PDX or
 *      is in the PDX's exclusion collection;
 *   3. initial pass: the pre-MDC rows (MDC 0) in rank order, then the rows of the PDX's MDC (by
 *      sex where it depends on it); a row assigns a DRG, reroutes (24, 25, 11; 29 = unrelated
 *      O.R. procedures, 981-989) or makes the claim ungroupable (999 and its return code); MCC
 *      and CC are read through the row's severity suppression;
 *   4. HACs (non-exempt hospital): HAC formulas over the SDX whose POA is not Y or W; a HAC SDX
 *      with POA N or U loses its CC/MCC, with POA 1 or blank the claim is ungroupable;
 *   5. final pass without the HAC SDX; per-SDX usage of both passes. */
#include "folio/base.h"
#include "folio/drg.h"

#include "drg/drg_int.h"

/* UB-04 patient discharge statuses the grouper accepts (CMS's list; the others, e.g. 00, 08,
 * 40-42, 99, are "invalid or none"), and the classes its logic reads. */
static bool status_valid(int s)
{
    return (s >= 1 && s <= 7) || s == 20 || s == 21 || s == 30 || s == 43 || s == 50 || s == 51 ||
           (s >= 61 && s <= 66) || s == 69 || s == 70 || (s >= 81 && s <= 95);
}
#define STATUS_DIED 20
#define STATUS_AMA  7
static bool status_transfer(int s) /* to an acute care hospital (DRG 789) */
{
    return s == 2 || s == 5 || s == 66 || s == 82 || s == 85 || s == 94;
}

/* DRGs of the unrelated O.R. procedures (reroute to MDC 29): extensive (an O.R. procedure
 * other than the non-extensive ones, attribute d468) 981-983, non-extensive 987-989. */
#define DRG_UNRELATED_EXTENSIVE     981
#define DRG_UNRELATED_NON_EXTENSIVE 987
#define DRG_UNGROUPABLE             999
#define DRG_INVALID_AS_DISCHARGE    998
#define REROUTE_MAX_DEPTH           4
#define SEV_CACHE                   64

struct ctx {
    const struct folio_drg_version *v;
    const struct folio_claim *c;
    int32_t pdx;
    uint8_t mdc; /* the PDX's MDC, by sex where it depends on it */
    const struct drg_bits *pdxb;
    struct drg_bits sdx, any, only, pr;
    uint32_t funcs; /* bit per enum drg_func for the claim-level functions */
    size_t nsdx;
    int32_t sdx_idx[FOLIO_CLAIM_MAX_CODES];
    uint8_t level[FOLIO_CLAIM_MAX_CODES];    /* DRG_NCC/CC/MCC after "MCC only if alive" */
    uint8_t excluded[FOLIO_CLAIM_MAX_CODES]; /* repeats the PDX or in its exclusion list */
    uint8_t pdx_excl[FOLIO_CLAIM_MAX_CODES]; /* in the PDX's exclusion list */
    uint8_t cand[FOLIO_CLAIM_MAX_CODES];     /* SDX that can count: level > NCC, not excluded */
    size_t ncand;
    uint64_t sdx_key[FOLIO_CLAIM_MAX_CODES];
    uint64_t pr_key[FOLIO_CLAIM_MAX_CODES];
    /* per pass */
    uint64_t removed[2];
    int8_t sev[SEV_CACHE];
};

static const struct drg_bits no_bits;

static inline bool removed(const struct ctx *x, size_t i)
{
    return (x->removed[i >> 6] >> (i & 63)) & 1u;
}

static inline const struct drg_bits *dx_bits(const struct ctx *x, int32_t idx)
{
    return idx < 0 ? &no_bits : &x->v->dx_sets[x->v->dx[idx].set];
}

/* Highest level among the SDX that count under suppression set supp. */
static int severity(struct ctx *x, unsigned supp)
{
    int best = DRG_NCC;
    const struct drg_bits *s = &x->v->supp[supp];

    if (supp < SEV_CACHE && x->sev[supp] >= 0)
        return x->sev[supp];
    for (size_t k = 0; k < x->ncand && best < DRG_MCC; k++) {
        size_t i = x->cand[k];
        if (removed(x, i) || (supp && drg_bits_meet(dx_bits(x, x->sdx_idx[i]), s)))
            continue;
        if (x->level[i] > best)
            best = x->level[i];
    }
    if (supp < SEV_CACHE)
        x->sev[supp] = (int8_t)best;
    return best;
}

static bool eval(struct ctx *x, uint32_t n, unsigned supp)
{
    const struct drg_node *nd = &x->v->nodes[n];

    switch (nd->op) {
    case DRG_OP_AND:
        return eval(x, nd->a, supp) && eval(x, nd->b, supp);
    case DRG_OP_OR:
        return eval(x, nd->a, supp) || eval(x, nd->b, supp);
    case DRG_OP_NOT:
        return !eval(x, nd->a, supp);
    case DRG_OP_PDX:
        return drg_bits_has(x->pdxb, nd->arg);
    case DRG_OP_SDX:
        return drg_bits_has(&x->sdx, nd->arg);
    case DRG_OP_ANY:
        return drg_bits_has(&x->any, nd->arg);
    case DRG_OP_ONLY:
        return drg_bits_has(&x->only, nd->arg);
    case DRG_OP_PR:
        return drg_bits_has(&x->pr, nd->arg);
    case DRG_OP_FUNC:
        if (nd->arg == DRG_F_MCC)
            return severity(x, supp) == DRG_MCC;
        if (nd->arg == DRG_F_CC)
            return severity(x, supp) >= DRG_CC;
        return (x->funcs >> nd->arg) & 1u;
    default:
        return false;
    }
}

/* ---- step 1 and 2: the claim's facts ---- */

static void set_func(struct ctx *x, enum drg_func f, bool on)
{
    if (on)
        x->funcs |= (uint32_t)1 << f;
}

static bool in_exclusions(const struct folio_drg_version *v, int32_t pdx, int32_t sdx)
{
    unsigned c = v->dx[pdx].excl;
    const uint32_t *lo, *hi;

    if (c == DRG_NO_EXCL)
        return false;
    lo = v->excl_codes + v->excl_off[c];
    hi = v->excl_codes + v->excl_off[c + 1];
    while (lo < hi) {
        const uint32_t *mid = lo + (hi - lo) / 2;
        if (*mid == (uint32_t)sdx)
            return true;
        if (*mid < (uint32_t)sdx)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* Procedures: attributes, complete clusters, counts. */
static void procedures(struct ctx *x)
{
    const struct folio_drg_version *v = x->v;
    const struct folio_claim *c = x->c;
    int32_t idx[FOLIO_CLAIM_MAX_CODES];
    unsigned stents = 0, vessels = 0, sglant = 0, sglpost = 0, sglpost1 = 0, sglantx = 0;
    unsigned joints = 0;

    for (size_t i = 0; i < c->npr; i++) {
        const struct drg_bits *b;
        const struct drg_pr *p;
        idx[i] = drg_pr_find(v, x->pr_key[i]);
        if (idx[i] < 0)
            continue;
        p = &v->pr[idx[i]];
        b = &v->pr_sets[p->set];
        drg_bits_or(&x->pr, b);
        /* counts are per procedure as listed: a code listed twice counts twice */
        stents += v->set_stents[p->set];
        vessels += v->set_vessels[p->set];
        sglant += drg_bits_has(b, v->a_sglant);
        sglpost += drg_bits_has(b, v->a_sglpost);
        sglpost1 += drg_bits_has(b, v->a_sglpost1);
        sglantx += drg_bits_has(b, v->a_sglantsectx);
    }
    /* clusters: all members present, or for a list of alternatives two members of different
     * body parts (first four characters of the code) */
    for (size_t i = 0; i < c->npr; i++) {
        const struct drg_pr *p;
        if (idx[i] < 0)
            continue;
        p = &v->pr[idx[i]];
        for (size_t k = 0; k < p->ncl; k++) {
            const struct drg_cluster *cl = &v->clusters[v->pr_clusters[p->cl_off + k]];
            const uint32_t *m = &v->cluster_members[cl->off];
            bool complete = true;
            if (cl->attr == DRG_NO_ATTR || drg_bits_has(&x->pr, cl->attr))
                continue;
            if (cl->alternatives) {
                uint64_t first = 0;
                complete = false;
                for (size_t j = 0; j < c->npr && !complete; j++) {
                    uint64_t part;
                    bool member = false;
                    if (idx[j] < 0)
                        continue;
                    for (size_t q = 0; q < cl->n && !member; q++)
                        member = m[q] == (uint32_t)idx[j];
                    if (!member)
                        continue;
                    part = v->pr[idx[j]].key >> 32;
                    if (first == 0)
                        first = part;
                    else if (part != first)
                        complete = true;
                }
            } else {
                for (size_t q = 0; q < cl->n && complete; q++) {
                    bool found = false;
                    for (size_t j = 0; j < c->npr && !found; j++)
                        found = idx[j] == (int32_t)m[q];
                    complete = found;
                }
            }
            if (complete)
                drg_bits_set(&x->pr, cl->attr);
        }
    }
    for (size_t j = 0; j < FOLIO_ARRAY_LEN(v->a_joints); j++)
        joints += drg_bits_has(&x->pr, v->a_joints[j]);
    set_func(x, DRG_F_BILATERAL, joints >= 2);
    set_func(x, DRG_F_FOUR_STENTS, stents >= 4);
    set_func(x, DRG_F_FOUR_VESSELS, vessels >= 4);
    set_func(x, DRG_F_SGLANTCTR, sglant >= 2);
    set_func(x, DRG_F_SGLPOST1CTR, sglpost1 >= 2);
    set_func(x, DRG_F_SGLANTSECTXCTR, sglantx >= 2);
    set_func(x, DRG_F_SGLPOSTFUSECTR, sglpost >= 2);
    set_func(x, DRG_F_SINGLEFUSIONCTR,
             (sglant >= 2 && sglpost >= 1) || (sglant >= 1 && sglpost >= 2));
}

static void prepare(struct ctx *x)
{
    const struct folio_drg_version *v = x->v;
    const struct folio_claim *c = x->c;
    int status = c->discharge_status;
    unsigned sites = 0;
    bool sexdep_unknown = false;
    uint64_t pdx_key = drg_code_key_str(c->pdx.code);

    /* every code's record is one memory access, likely a cache miss: start them all at once */
    if (pdx_key)
        __builtin_prefetch(&v->dx[drg_key_slot(pdx_key, v->dx_slots)]);
    for (size_t i = 0; i < c->nsdx; i++) {
        x->sdx_key[i] = drg_code_key_str(c->sdx[i].code);
        if (x->sdx_key[i])
            __builtin_prefetch(&v->dx[drg_key_slot(x->sdx_key[i], v->dx_slots)]);
    }
    for (size_t i = 0; i < c->npr; i++) {
        x->pr_key[i] = drg_code_key_str(c->pr[i]);
        if (x->pr_key[i])
            __builtin_prefetch(&v->pr[drg_key_slot(x->pr_key[i], v->pr_slots)]);
    }
    x->pdx = drg_dx_find(v, pdx_key);
    x->pdxb = dx_bits(x, x->pdx);
    if (x->pdx >= 0 && v->dx[x->pdx].excl != DRG_NO_EXCL) {
        const uint32_t *e = v->excl_codes + v->excl_off[v->dx[x->pdx].excl];
        const uint32_t *end = v->excl_codes + v->excl_off[v->dx[x->pdx].excl + 1];
        for (int line = 0; line < 8 && e < end; line++, e += 16)
            __builtin_prefetch(e);
    }
    x->mdc = 0;
    if (x->pdx >= 0) {
        const struct drg_dx *d = &v->dx[x->pdx];
        x->mdc = d->mdc;
        if (d->info & DRG_DX_SEXDEP) {
            if (c->sex == 'M')
                x->mdc = d->mdc_male;
            else if (c->sex == 'F')
                x->mdc = d->mdc_female;
            else
                sexdep_unknown = true;
        }
    }
    x->any = *x->pdxb;
    x->only = *x->pdxb;
    x->nsdx = c->nsdx;
    for (size_t i = 0; i < c->nsdx; i++) {
        int32_t k = drg_dx_find(v, x->sdx_key[i]);
        const struct drg_bits *b = dx_bits(x, k);
        x->sdx_idx[i] = k;
        drg_bits_or(&x->sdx, b);
        x->level[i] = DRG_NCC;
        x->excluded[i] = x->pdx_excl[i] = 0;
        if (k < 0)
            continue; /* an invalid code says nothing: not even to ONLY: */
        for (int w = 0; w < DRG_BITS_WORDS; w++)
            x->only.w[w] &= b->w[w];
        x->level[i] = (uint8_t)(v->dx[k].info & 3u);
        /* "MCC only if alive" (e.g. I46.9, R57.0): no severity when the patient died */
        if (status == STATUS_DIED && drg_bits_has(b, v->a_mccalive))
            x->level[i] = DRG_NCC;
        /* exclusion matters to a CC/MCC and to the HAC logic only */
        if (x->pdx >= 0 && (x->level[i] > DRG_NCC || drg_bits_meet(b, &v->hac_tags))) {
            x->pdx_excl[i] = in_exclusions(v, x->pdx, k);
            x->excluded[i] = x->pdx_excl[i] || k == x->pdx;
        }
        if (x->level[i] > DRG_NCC && !x->excluded[i])
            x->cand[x->ncand++] = (uint8_t)i;
    }
    drg_bits_or(&x->any, &x->sdx);
    /* significant trauma in two or more body sites (MDC 24) */
    for (size_t s = 0; s < FOLIO_ARRAY_LEN(v->a_sites); s++)
        sites += drg_bits_has(&x->any, v->a_sites[s]);

    set_func(x, DRG_F_INVALID_PDX, x->pdx < 0);
    set_func(x, DRG_F_PDX_ECODE,
             x->pdx >= 0 && (v->a_ecode != DRG_NO_ATTR ? drg_bits_has(x->pdxb, v->a_ecode)
                                                       : v->dx[x->pdx].mdc == 0));
    set_func(x, DRG_F_INVALID_DSTAT, !status_valid(status));
    set_func(x, DRG_F_INVALID_SEX, sexdep_unknown);
    set_func(x, DRG_F_ALIVE, status != STATUS_DIED);
    set_func(x, DRG_F_DIED, status == STATUS_DIED);
    set_func(x, DRG_F_XFRNBA, status_transfer(status));
    set_func(x, DRG_F_AMA, status == STATUS_AMA);
    set_func(x, DRG_F_MULTST, sites >= 2);
    procedures(x);
}

/* ---- step 3 and 5: one pass ---- */

struct pass {
    uint16_t drg;
    uint8_t mdc, med_surg, severity, grc;
    int32_t formula;  /* row index, -1 */
    unsigned supp;    /* suppression set the DRG uses */
    bool ungroupable; /* 999 from an error row (or no row): no severity usage at all */
};

static void pass_999(struct pass *p, enum folio_drg_grc grc, int32_t row)
{
    *p = (struct pass){
        DRG_UNGROUPABLE, 0, FOLIO_DRG_MS_NA, FOLIO_DRG_SEV_NONE, (uint8_t)grc, row, 0, true};
}

static uint8_t sev_of(int level)
{
    return level == DRG_MCC  ? FOLIO_DRG_SEV_MCC
           : level == DRG_CC ? FOLIO_DRG_SEV_CC
                             : FOLIO_DRG_SEV_NON_CC;
}

static void unrelated(struct ctx *x, uint8_t mdc, struct pass *p)
{
    int level = severity(x, 0);
    unsigned base =
        drg_bits_has(&x->pr, x->v->a_d468) ? DRG_UNRELATED_EXTENSIVE : DRG_UNRELATED_NON_EXTENSIVE;

    *p = (struct pass){(uint16_t)(base + (unsigned)(DRG_MCC - level)),
                       mdc,
                       FOLIO_DRG_SURGICAL,
                       sev_of(level),
                       FOLIO_DRG_GRC_OK,
                       -1,
                       0,
                       false};
}

/* Tries the rows of one MDC; true when one decided. report: the MDC a DRG found here reports. */
static bool run_mdc(struct ctx *x, unsigned mdc, uint8_t report, int depth, struct pass *p)
{
    const struct folio_drg_version *v = x->v;

    for (uint32_t k = v->mdc_off[mdc]; k < v->mdc_off[mdc + 1]; k++) {
        const struct drg_row *r = &v->rows[v->order[k]];
        if (r->kind == DRG_ROW_MARKER ||
            (r->need_pr.on && !drg_bits_meet(&x->pr, &r->need_pr.any)) ||
            (r->need_pdx.on && !drg_bits_meet(x->pdxb, &r->need_pdx.any)) ||
            !eval(x, r->root, r->supp))
            continue;
        switch (r->kind) {
        case DRG_ROW_ERROR:
            pass_999(p, (enum folio_drg_grc)r->grc, (int32_t)v->order[k]);
            return true;
        case DRG_ROW_REROUTE:
            if (r->reroute == DRG_MDC_UNRELATED) {
                unrelated(x, report, p);
                return true;
            }
            if (depth >= REROUTE_MAX_DEPTH || r->reroute == mdc)
                continue;
            if (run_mdc(x, r->reroute, r->reroute, depth + 1, p))
                return true;
            pass_999(p, FOLIO_DRG_GRC_NO_FORMULA, -1);
            return true;
        default:
            break;
        }
        p->drg = r->drg;
        p->mdc = r->drg == DRG_UNGROUPABLE ? 0 : report;
        p->med_surg = r->med_surg;
        p->grc = FOLIO_DRG_GRC_OK;
        p->formula = (int32_t)v->order[k];
        p->supp = r->supp;
        p->ungroupable = false;
        if (r->drg == DRG_INVALID_AS_DISCHARGE || r->drg == DRG_UNGROUPABLE) {
            p->severity = FOLIO_DRG_SEV_NONE;
            p->med_surg = FOLIO_DRG_MS_NA;
        } else {
            p->severity = sev_of(severity(x, r->supp));
        }
        return true;
    }
    return false;
}

static void run_pass(struct ctx *x, struct pass *p)
{
    memset(x->sev, -1, sizeof x->sev);
    if (run_mdc(x, 0, x->mdc, 0, p))
        return;
    /* the pre-MDC rows hold the error checks; should a version lack them: */
    if (x->pdx < 0)
        pass_999(p, FOLIO_DRG_GRC_INVALID_PDX, -1);
    else if ((x->funcs >> DRG_F_PDX_ECODE) & 1u || x->mdc == 0)
        pass_999(p, FOLIO_DRG_GRC_DX_CANNOT_BE_PDX, -1);
    else if ((x->funcs >> DRG_F_INVALID_SEX) & 1u)
        pass_999(p, FOLIO_DRG_GRC_INVALID_SEX, -1);
    else if (!run_mdc(x, x->mdc, x->mdc, 0, p))
        pass_999(p, FOLIO_DRG_GRC_NO_FORMULA, -1);
}

/* Usage of each SDX in a pass whose DRG uses suppression set supp. */
static void usage(const struct ctx *x, const struct pass *p, unsigned supp, uint8_t *out)
{
    const struct drg_bits *s = &x->v->supp[supp];

    for (size_t i = 0; i < x->nsdx; i++) {
        int lv = x->level[i];
        bool mcc = lv == DRG_MCC;
        if (p->ungroupable || lv == DRG_NCC)
            out[i] = FOLIO_DRG_USE_NEITHER;
        else if (x->excluded[i])
            out[i] = mcc ? FOLIO_DRG_USE_MCC_EXCLUDED : FOLIO_DRG_USE_CC_EXCLUDED;
        else if (supp && drg_bits_meet(dx_bits(x, x->sdx_idx[i]), s))
            out[i] = mcc ? FOLIO_DRG_USE_MCC_EXCLUDED_BY_DRG_LOGIC
                         : FOLIO_DRG_USE_CC_EXCLUDED_BY_DRG_LOGIC;
        else if (removed(x, i))
            out[i] = FOLIO_DRG_USE_NEITHER;
        else
            out[i] = mcc ? FOLIO_DRG_USE_MCC : FOLIO_DRG_USE_CC;
    }
}

static void store(const struct ctx *x, const struct pass *p, unsigned supp,
                  struct folio_drg_pass *out)
{
    out->drg = p->drg;
    out->mdc = p->mdc;
    out->med_surg = p->med_surg;
    out->severity = p->severity;
    out->grc = p->grc;
    out->formula = p->formula;
    usage(x, p, supp, out->usage);
}

/* ---- step 4: HACs ---- */

/* A HAC formula: SDX: over the SDX that can be a HAC (valid, POA not Y or W), PDX: the PDX,
 * names: the procedures. */
static bool hac_eval(const struct ctx *x, const struct drg_bits *elig, uint32_t n)
{
    const struct drg_node *nd = &x->v->nodes[n];

    switch (nd->op) {
    case DRG_OP_AND:
        return hac_eval(x, elig, nd->a) && hac_eval(x, elig, nd->b);
    case DRG_OP_OR:
        return hac_eval(x, elig, nd->a) || hac_eval(x, elig, nd->b);
    case DRG_OP_NOT:
        return !hac_eval(x, elig, nd->a);
    case DRG_OP_PDX:
        return drg_bits_has(x->pdxb, nd->arg);
    case DRG_OP_SDX:
    case DRG_OP_ANY:
    case DRG_OP_ONLY:
        return drg_bits_has(elig, nd->arg) ||
               (nd->op == DRG_OP_ANY && drg_bits_has(x->pdxb, nd->arg));
    case DRG_OP_PR:
        return drg_bits_has(&x->pr, nd->arg);
    default:
        return false;
    }
}

static bool poa_exempt_from_hac(char poa)
{
    return poa == 'Y' || poa == 'W';
}

static bool poa_missing(char poa)
{
    return poa != 'Y' && poa != 'W' && poa != 'N' && poa != 'U';
}

static void add_hac(struct folio_drg_result *r, size_t sdx, unsigned hac, uint8_t finding)
{
    if (r->nhacs < FOLIO_DRG_MAX_HACS)
        r->hacs[r->nhacs++] = (struct folio_drg_hac){(uint8_t)(sdx + 1), (uint8_t)hac, finding};
}

static int hac_cmp(const void *a, const void *b)
{
    const struct folio_drg_hac *x = a, *y = b;
    if (x->sdx != y->sdx)
        return x->sdx < y->sdx ? -1 : 1;
    return (x->hac > y->hac) - (x->hac < y->hac);
}

/* Fills r->hacs and x->removed; true when a HAC SDX lacks a usable POA. */
static bool hacs(struct ctx *x, struct folio_drg_result *r)
{
    const struct folio_drg_version *v = x->v;
    const struct folio_claim *c = x->c;
    struct drg_bits elig = {{0}};
    bool any_hac = false, missing = false;

    for (size_t i = 0; i < x->nsdx; i++)
        if (x->sdx_idx[i] >= 0 && !poa_exempt_from_hac(c->sdx[i].poa))
            drg_bits_or(&elig, dx_bits(x, x->sdx_idx[i]));
    if (!drg_bits_meet(&elig, &elig))
        return false;
    for (size_t h = 0; h < v->nhacf; h++) {
        const struct drg_hacf *f = &v->hacf[h];
        if (!hac_eval(x, &elig, f->root))
            continue;
        any_hac = true;
        for (size_t i = 0; i < x->nsdx; i++) {
            if (x->sdx_idx[i] < 0 || poa_exempt_from_hac(c->sdx[i].poa) ||
                !drg_bits_has(dx_bits(x, x->sdx_idx[i]), f->tag))
                continue;
            if (x->pdx_excl[i]) {
                add_hac(r, i, f->hac, FOLIO_DRG_HAC_NOT_APPLICABLE_EXCLUSION);
                continue;
            }
            add_hac(r, i, f->hac, FOLIO_DRG_HAC_CRITERIA_MET);
            x->removed[i >> 6] |= (uint64_t)1 << (i & 63);
            if (poa_missing(c->sdx[i].poa))
                missing = true;
        }
    }
    /* once a HAC applies, every SDX of a HAC list needs a usable POA */
    if (any_hac)
        for (size_t i = 0; i < x->nsdx && !missing; i++)
            if (x->sdx_idx[i] >= 0 && poa_missing(c->sdx[i].poa) && !x->pdx_excl[i] &&
                drg_bits_meet(dx_bits(x, x->sdx_idx[i]), &v->hac_tags))
                missing = true;
    if (r->nhacs > 1)
        qsort(r->hacs, r->nhacs, sizeof *r->hacs, hac_cmp);
    return missing;
}

enum folio_rc folio_drg_group(const struct folio_drg_version *v, const struct folio_claim *c,
                              struct folio_drg_result *out, struct folio_err *err)
{
    struct ctx x;
    struct pass init, fin;
    bool missing;

    if (c->nsdx > FOLIO_CLAIM_MAX_CODES || c->npr > FOLIO_CLAIM_MAX_CODES)
        return folio_err_set(err, FOLIO_EINVAL, "claim", "claim has more than %d codes in a list",
                             FOLIO_CLAIM_MAX_CODES);
    memset(&x, 0, offsetof(struct ctx, sdx_idx));
    x.v = v;
    x.c = c;
    x.ncand = 0;
    x.removed[0] = x.removed[1] = 0;
    prepare(&x);

    out->nsdx = c->nsdx;
    out->nhacs = 0;
    out->hac_status = FOLIO_DRG_HAC_NOT_APPLICABLE;
    run_pass(&x, &init);
    store(&x, &init, init.supp, &out->initial);
    if (init.ungroupable) {
        out->final = out->initial;
        return FOLIO_OK;
    }
    missing = hacs(&x, out);
    if (missing) {
        /* the usage of the ungroupable claim: the initial DRG's, without the HAC SDX */
        pass_999(&fin, FOLIO_DRG_GRC_HAC_MISSING_ONE_POA, -1);
        fin.ungroupable = false;
        store(&x, &fin, init.supp, &out->final);
        out->hac_status = FOLIO_DRG_HAC_FINAL_DRG_UNGROUPABLE;
    } else if (x.removed[0] | x.removed[1]) {
        run_pass(&x, &fin);
        store(&x, &fin, fin.supp, &out->final);
        out->hac_status = fin.drg == init.drg ? FOLIO_DRG_HAC_FINAL_DRG_NO_CHANGE
                                              : FOLIO_DRG_HAC_FINAL_DRG_CHANGES;
    } else {
        out->final = out->initial;
    }
    return FOLIO_OK;
}

size_t folio_drg_drivers(const struct folio_drg_result *r, size_t *pos, size_t cap)
{
    uint8_t want;
    size_t n = 0;

    if (r->final.severity == FOLIO_DRG_SEV_MCC)
        want = FOLIO_DRG_USE_MCC;
    else if (r->final.severity == FOLIO_DRG_SEV_CC)
        want = FOLIO_DRG_USE_CC;
    else
        return 0;
    for (size_t i = 0; i < r->nsdx && i < FOLIO_CLAIM_MAX_CODES; i++)
        if (r->final.usage[i] == want) {
            if (n < cap)
                pos[n] = i;
            n++;
        }
    return n;
}

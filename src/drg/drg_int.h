/* Internal contract of the grouper: the loaded tables (load.c, clusters.c), the compiled
 * formulas (formula.c) and the grouping (group.c). See folio/drg.h and docs/drg.md. */
#ifndef FOLIO_DRG_INT_H
#define FOLIO_DRG_INT_H

#include "folio/base.h"
#include "folio/drg.h"

/* Attribute names are interned per namespace (diagnosis, procedure); a set of them is a bitset. */
#define DRG_BITS_WORDS 8
#define DRG_MAX_ATTRS  (64 * DRG_BITS_WORDS)
#define DRG_NO_ATTR    0xffffu

struct drg_bits {
    uint64_t w[DRG_BITS_WORDS];
};

static inline bool drg_bits_has(const struct drg_bits *b, unsigned id)
{
    return id < DRG_MAX_ATTRS && (b->w[id >> 6] >> (id & 63)) & 1u;
}
static inline void drg_bits_set(struct drg_bits *b, unsigned id)
{
    if (id < DRG_MAX_ATTRS)
        b->w[id >> 6] |= (uint64_t)1 << (id & 63);
}
static inline void drg_bits_or(struct drg_bits *dst, const struct drg_bits *src)
{
    for (int i = 0; i < DRG_BITS_WORDS; i++)
        dst->w[i] |= src->w[i];
}
static inline bool drg_bits_meet(const struct drg_bits *a, const struct drg_bits *b)
{
    uint64_t x = 0;
    for (int i = 0; i < DRG_BITS_WORDS; i++)
        x |= a->w[i] & b->w[i];
    return x != 0;
}

/* An interned name table (one namespace). */
struct drg_names {
    char **name; /* id -> name (heap strings) */
    size_t n, cap;
    uint32_t *slot; /* open addressing: id + 1, 0 empty */
    size_t nslots;
};
/* Id of name (added when absent); DRG_NO_ATTR when the namespace is full or out of memory. */
unsigned drg_names_intern(struct drg_names *t, const char *p, size_t len);
/* Id of name or DRG_NO_ATTR. */
unsigned drg_names_find(const struct drg_names *t, const char *p, size_t len);

/* Codes of up to 7 characters [0-9A-Z] packed into 8 bytes; 0 for anything else. */
uint64_t drg_code_key(const char *s, size_t len);
uint64_t drg_code_key_str(const char *s); /* the same for a NUL-terminated string */

/* Slot of key in an open-addressing table of nslots (a power of two). The code tables are such
 * tables themselves (a record per slot, key 0 when empty): a lookup touches one record, and a
 * code's "index" everywhere is its slot. */
size_t drg_key_slot(uint64_t key, size_t nslots);

enum { DRG_NCC = 0, DRG_CC = 1, DRG_MCC = 2 };

/* 16 bytes: four records per cache line (a lookup is one memory access). */
struct drg_dx {
    uint64_t key;
    uint16_t set;     /* attribute set (dx namespace): index into v->dx_sets */
    uint16_t excl;    /* collection of the SDX this code excludes as the PDX, DRG_NO_EXCL */
    uint8_t mdc;      /* 0: no MDC (external causes) */
    uint8_t mdc_male; /* sex-dependent MDC (gender_mdcs), else = mdc */
    uint8_t mdc_female;
    uint8_t info; /* bits 0-1: DRG_NCC, DRG_CC, DRG_MCC; DRG_DX_SEXDEP */
};
#define DRG_NO_EXCL   0xffffu
#define DRG_MAX_SETS  0xffffu
#define DRG_DX_SEXDEP 4u

struct drg_pr {
    uint64_t key;
    uint16_t set; /* attribute set (procedure namespace) */
    uint16_t ncl; /* clusters of this code: v->pr_clusters[cl_off .. cl_off + ncl) */
    uint32_t cl_off;
};

struct drg_cluster {
    uint32_t off, n;   /* members: v->cluster_members[off .. off + n), procedure indices */
    unsigned attr;     /* attribute the complete cluster confers, DRG_NO_ATTR none */
    bool alternatives; /* a long list of alternatives (see clusters.c) */
};

/* ---- formulas ---- */

enum drg_op {
    DRG_OP_AND,
    DRG_OP_OR,
    DRG_OP_NOT,
    DRG_OP_PDX,   /* arg: dx attribute */
    DRG_OP_SDX,   /* some secondary diagnosis has it */
    DRG_OP_ANY,   /* the PDX or some SDX */
    DRG_OP_ONLY,  /* the PDX and every SDX */
    DRG_OP_PR,    /* arg: procedure attribute (some procedure or complete cluster) */
    DRG_OP_FUNC,  /* arg: enum drg_func */
    DRG_OP_FALSE, /* a name no table defines */
};

enum drg_func {
    DRG_F_MCC,
    DRG_F_CC,
    DRG_F_INVALID_PDX,
    DRG_F_PDX_ECODE,
    DRG_F_INVALID_DSTAT,
    DRG_F_INVALID_SEX,
    DRG_F_ALIVE,
    DRG_F_DIED,
    DRG_F_XFRNBA,
    DRG_F_AMA,
    DRG_F_MULTST,
    DRG_F_BILATERAL,
    DRG_F_FOUR_STENTS,
    DRG_F_FOUR_VESSELS,
    DRG_F_SINGLEFUSIONCTR,
    DRG_F_SGLANTCTR,
    DRG_F_SGLANTSECTXCTR,
    DRG_F_SGLPOST1CTR,
    DRG_F_SGLPOSTFUSECTR,
    DRG_F_COUNT
};

struct drg_node {
    uint8_t op;    /* enum drg_op */
    uint16_t arg;  /* attribute id or function */
    uint32_t a, b; /* children (node indices) */
};

/* A necessary condition of a formula, for skipping rows fast: when `on`, the formula can only
 * hold if the claim has one of these attributes (procedures, or the PDX's). */
struct drg_need {
    bool on;
    struct drg_bits any;
};

/* The names formulas may use as functions, and the name of each (drg_func_name). */
const char *drg_func_name(enum drg_func f);

struct drg_formula_ctx {
    struct drg_names *dx_names, *pr_names;
    struct drg_node *nodes; /* shared node pool, grown by drg_formula_compile */
    size_t nnodes, cap;
    bool funcs_ok; /* false in HAC formulas: MCC, CC... are not theirs */
};
/* Compiles text into the pool; *root the root node. Bad syntax or an unknown upper-case name
 * (a function this grouper does not implement) is FOLIO_EPARSE with a message naming the column
 * (the caller prefixes file and line). */
enum folio_rc drg_formula_compile(struct drg_formula_ctx *x, const char *text, uint32_t *root,
                                  struct folio_err *err) FOLIO_MUST_USE;
/* The necessary condition of the formula at root on literals of kind op (DRG_OP_PR or
 * DRG_OP_PDX): some attribute of out->any is needed (out->on false: none can be derived). */
void drg_formula_need(const struct drg_node *nodes, uint32_t root, uint8_t op,
                      struct drg_need *out);
/* True when the formula mentions function f anywhere. */
bool drg_formula_uses(const struct drg_node *nodes, uint32_t root, enum drg_func f);

enum drg_row_kind {
    DRG_ROW_DRG,     /* assigns drg */
    DRG_ROW_REROUTE, /* continue in the MDC reroute (29: unrelated O.R. procedures) */
    DRG_ROW_ERROR,   /* ungroupable: DRG 999 with grc */
    DRG_ROW_MARKER,  /* a row without a DRG, a reroute or an error variable: skipped */
};

#define DRG_MDC_MAX       32 /* MDCs 0..31; 29 is the unrelated O.R. pseudo-MDC */
#define DRG_MDC_UNRELATED 29

struct drg_row {
    struct drg_need need_pr, need_pdx;
    uint32_t root;
    int32_t rank;
    uint16_t drg, base_drg;
    uint8_t mdc, reroute;
    uint8_t kind;     /* enum drg_row_kind */
    uint8_t med_surg; /* enum folio_drg_med_surg */
    uint8_t grc;      /* DRG_ROW_ERROR: enum folio_drg_grc */
    uint16_t supp;    /* severity suppression set: index into v->supp (0: none) */
    long line;        /* line in the formulas file */
    char *text;
};

struct drg_hacf {
    uint32_t root;
    uint8_t hac;
    unsigned tag; /* dx attribute "HACnn": the SDX this HAC is about */
};

struct folio_drg_version {
    struct folio_drg_version_info info;
    struct drg_names dx_names, pr_names;

    struct drg_dx *dx; /* slot table of dx_slots records */
    size_t ndx, dx_slots;
    struct drg_bits *dx_sets;
    size_t ndx_sets;

    struct drg_pr *pr; /* slot table of pr_slots records */
    size_t npr, pr_slots;
    struct drg_bits *pr_sets;
    size_t npr_sets;
    uint8_t *set_stents;  /* per procedure set: intraluminal devices a code reports (stentN) */
    uint8_t *set_vessels; /* per procedure set: arteries a code treats (vesselN) */

    /* exclusion collections: sorted dx indices, excl_off[c] .. excl_off[c + 1] */
    uint32_t *excl_codes;
    uint32_t *excl_off;
    size_t nexcl;

    struct drg_cluster *clusters;
    size_t nclusters;
    uint32_t *cluster_members; /* procedure indices */
    uint32_t *pr_clusters;     /* cluster indices, per procedure (drg_pr.cl_off) */

    struct drg_node *nodes;
    size_t nnodes;
    struct drg_row *rows; /* in file order */
    size_t nrows;
    uint32_t *order; /* row indices by MDC then rank: order[mdc_off[m] .. mdc_off[m + 1]) */
    uint32_t mdc_off[DRG_MDC_MAX + 1];
    struct drg_bits *supp; /* suppression sets (dx namespace); supp[0] is empty */
    size_t nsupp;

    struct drg_hacf hacf[FOLIO_DRG_MAX_HAC_FORMULAS];
    size_t nhacf;
    struct drg_bits hac_tags; /* every "HACnn" tag of the HAC formulas */

    /* attributes the functions and the fixed rules read (DRG_NO_ATTR when the tables lack them) */
    unsigned a_ecode, a_mccalive; /* dx */
    unsigned a_sites[8];          /* dx: body sites of significant trauma */
    unsigned a_joints[6];         /* pr: lower-limb joints */
    unsigned a_d468, a_sglant, a_sglpost, a_sglpost1, a_sglantsectx; /* pr */

    char **titles_drg; /* [1000] */
    char **titles_mdc; /* [DRG_MDC_MAX] */
    char **titles_hac; /* [100] */
};

/* Slot of the code with key, or -1. */
static inline int32_t drg_dx_find(const struct folio_drg_version *v, uint64_t key)
{
    size_t s;

    if (key == 0 || v->dx_slots == 0)
        return -1;
    for (s = drg_key_slot(key, v->dx_slots); v->dx[s].key; s = (s + 1) & (v->dx_slots - 1))
        if (v->dx[s].key == key)
            return (int32_t)s;
    return -1;
}

static inline int32_t drg_pr_find(const struct folio_drg_version *v, uint64_t key)
{
    size_t s;

    if (key == 0 || v->pr_slots == 0)
        return -1;
    for (s = drg_key_slot(key, v->pr_slots); v->pr[s].key; s = (s + 1) & (v->pr_slots - 1))
        if (v->pr[s].key == key)
            return (int32_t)s;
    return -1;
}

/* clusters.c: decides the attribute each cluster confers (after the procedures are loaded). */
void drg_clusters_name(struct folio_drg_version *v);

#endif

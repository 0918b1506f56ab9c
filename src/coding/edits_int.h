/* Internal contract between the MCE table loader (mce_load.c) and the editor (edits.c). */
#ifndef FOLIO_EDITS_INT_H
#define FOLIO_EDITS_INT_H

#include "folio/base.h"
#include "folio/edits.h"

/* The attribute names of the MCE code masters, one bit each. Diagnosis and procedure tables
 * share one namespace (FEMALE/MALE appear in both). */
enum mce_attr {
    MCE_A_ADULT,
    MCE_A_CLINTRIAL, /* clinical trial (Z00.6): makes artificial heart procedures covered */
    MCE_A_DELOUT,    /* outcome of delivery (Z37.-) */
    MCE_A_ECODEPDX,  /* external cause: not a principal diagnosis */
    MCE_A_FEMALE,
    MCE_A_MALE,
    MCE_A_MANIF, /* manifestation: not a principal diagnosis */
    MCE_A_MATERNITY,
    MCE_A_NCOV_B, /* type 1 diabetes: pancreas transplant covered */
    MCE_A_NCOV_D, /* diagnoses making NCOV_D procedures non-covered */
    MCE_A_NCOV_E,
    MCE_A_NCOV_G, /* encounter for sterilization */
    MCE_A_NEWBORN,
    MCE_A_PEDIATRIC,
    MCE_A_QADM,   /* questionable admission as principal */
    MCE_A_REQSDX, /* acceptable as principal only with a secondary diagnosis */
    MCE_A_UNACCEPTABLE,
    MCE_A_UNSPECIFIED,
    MCE_A_WRNGPROC,  /* wrong procedure performed (Y65.51-Y65.53) */
    MCE_A_COV_Z006A, /* artificial heart parts: covered only in a clinical trial */
    MCE_A_COV_Z006B,
    MCE_A_CSECT,      /* caesarean delivery */
    MCE_A_LCOV,       /* limited coverage */
    MCE_A_LOS,        /* ventilation > 96 hours: inconsistent with a short stay */
    MCE_A_NCOV_A,     /* never covered */
    MCE_A_NCOV_B_KXP, /* kidney transplant */
    MCE_A_NCOV_B_PXP, /* pancreas transplant */
    MCE_A_NCOV_D_PR,  /* procedure side of NCOV_D (the name is shared with the dx table) */
    MCE_A_NCOV_E_PR,
    MCE_A_NCOV_F,    /* lumbar artificial disc: non-covered over age 60 */
    MCE_A_NCOV_G_PR, /* sterilization procedures */
    MCE_A_VAGDEL,    /* vaginal delivery */
    MCE_A_COUNT
};
#define MCE_BIT(a) ((uint64_t)1 << (a))

/* One row of a code master: a code, a date range (YYYYMMDD, inclusive) and its attributes. */
struct mce_row {
    char code[8]; /* upper case, NUL-terminated; ICD-10-CM <= 7, ICD-10-PCS 7 */
    int32_t from, to;
    uint64_t attrs;
};

/* A code master: rows sorted by (code, from), and an open-addressing index of distinct codes. */
struct mce_master {
    struct mce_row *rows;
    size_t nrows;
    uint32_t *slots; /* 0 = empty, else 1 + index of the code's first row */
    size_t nslots;   /* power of two */
};

struct mce_range {
    char key[16]; /* ADULT, MATERNITY, NEWBORN, PEDIATRIC */
    int lo, hi;
    int32_t from, to;
};

struct mce_status {
    int key;
    int32_t from, to;
};

struct folio_mce {
    struct mce_master dx, pr;
    struct mce_range *ranges;
    size_t nranges;
    struct mce_status *statuses;
    size_t nstatuses;
    int32_t first, last; /* coverage of the diagnosis master */
};

/* The bit of an attribute name in the diagnosis (dx true) or procedure master; -1 when the name
 * is not one of that master's. Shared by the file loader and the store loader (mce_store.c). */
int mce_attr_bit(bool dx, struct folio_sv name);

/* Completes a struct folio_mce whose rows, ranges and statuses are filled (rows in any order):
 * sorts and indexes both masters and computes the coverage. ENOTFOUND when the diagnosis master
 * is empty. The caller frees m with folio_mce_free either way. */
enum folio_rc mce_finish(struct folio_mce *m, struct folio_err *err) FOLIO_MUST_USE;

/* Rows of code (any case; at most 7 significant bytes) valid on date, or NULL. */
const struct mce_row *mce_lookup(const struct mce_master *m, const char *code, int32_t date);

#endif

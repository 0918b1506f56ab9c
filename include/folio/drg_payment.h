/* MS-DRG payment: CMS's Table 5 (relative weights, geometric and arithmetic mean length of stay,
 * post-acute and special-pay flags) and the operating DRG payment of one discharge, with the
 * transfer adjustment and a cost outlier hook. Pure: no database, no I/O other than reading the
 * Table 5 file the caller names.
 *
 * Every rate (base rate, labor share, wage index, fixed-loss threshold, marginal cost factors)
 * is a caller parameter: nothing of a fiscal year's rates is built in. The result carries every
 * intermediate figure so that a screen can show why a case pays what it pays.
 *
 * Columns, formulas, their sources (42 CFR 412.4, 412.64, 412.80-412.84) and a worked example:
 * docs/drg-payment.md. */
#ifndef FOLIO_DRG_PAYMENT_H
#define FOLIO_DRG_PAYMENT_H

#include "folio/base.h"

/* ---- Table 5 ---- */

/* One MS-DRG row of Table 5. */
struct folio_drg_weight {
    int drg;           /* 1-999 */
    char mdc[4];       /* "PRE" or two digits, "01"-"25" */
    int mdc_num;       /* 0 for PRE */
    bool surgical;     /* TYPE: SURG (true) or MED (false) */
    bool post_acute;   /* "FY 20XX Final Rule Post-Acute DRG" is Yes */
    bool special_pay;  /* "FY 20XX Final Rule Special Pay DRG" is Yes (always a post-acute DRG) */
    double weight;     /* relative weight; the "10% Cap Applied" column when the file has one */
    double gmlos;      /* geometric mean length of stay, days */
    double amlos;      /* arithmetic mean length of stay, days (shown only) */
    const char *title; /* UTF-8 (Windows-1252 files are converted); borrowed from the table */
    long line;         /* line of the row in the file */
};

struct folio_drg_table5;

struct folio_drg_table5_opts {
    int fiscal_year;        /* 0: read from the flag columns' headers ("FY 2026 Final Rule ...");
                             * otherwise the header's year, when present, must be the same */
    int32_t effective_from; /* YYYYMMDD; 0: October 1 of fiscal_year - 1 */
    int32_t effective_to;   /* YYYYMMDD; 0: September 30 of fiscal_year */
};

/* Parses the text export of a Table 5 (tab-separated as CMS publishes it, or comma-separated
 * as saved from the Excel file; the separator is found from the header row). Title lines before
 * the header row are skipped; the header is the first row naming the columns MS-DRG and Weights.
 * Columns are found by header name, ASCII case, spaces, '-', '_' and '.' ignored, in any order;
 * other columns are ignored. Nine are required: MS-DRG, FY 20XX Final Rule Post-Acute DRG,
 * FY 20XX Final Rule Special Pay DRG, MDC, TYPE, MS-DRG Title, Weights (or "Weights - 10% Cap
 * Applied"), Geometric mean LOS, Arithmetic mean LOS. Blank rows, and note rows after the last
 * MS-DRG row (text in the first column only), are skipped.
 * Any bad row refuses the whole file: FOLIO_EPARSE with err->field "NAME:LINE:COLUMN" and a
 * message naming the line, the column's header and the value, e.g.
 * "table5.txt:14: column 'Weights': not a number: '1,2'". A proposed-rule table is refused.
 * Borrows data; name (copied) is used in messages. opts may be NULL. */
enum folio_rc folio_drg_table5_parse(const char *data, size_t len, const char *name,
                                     const struct folio_drg_table5_opts *opts,
                                     struct folio_drg_table5 **out,
                                     struct folio_err *err) FOLIO_MUST_USE;
/* Reads the file at path (at most 32 MiB) and parses it; messages name its last path part.
 * A missing file is FOLIO_ENOTFOUND. */
enum folio_rc folio_drg_table5_load(const char *path, const struct folio_drg_table5_opts *opts,
                                    struct folio_drg_table5 **out,
                                    struct folio_err *err) FOLIO_MUST_USE;
void folio_drg_table5_free(struct folio_drg_table5 *t); /* NULL ok */

struct folio_drg_table5_info {
    char name[64]; /* the file name given to the parser */
    int fiscal_year;
    int32_t from, to; /* effective period, YYYYMMDD, both inclusive */
    size_t ndrgs;
    bool capped_weights; /* weights came from a "10% Cap Applied" column */
};
void folio_drg_table5_info(const struct folio_drg_table5 *t, struct folio_drg_table5_info *out);

/* The row of drg, or NULL when the table has none. Borrowed: valid while t lives. */
const struct folio_drg_weight *folio_drg_table5_get(const struct folio_drg_table5 *t, int drg);

/* ---- a set of tables, chosen by discharge date (like the grouper's versions) ---- */

struct folio_drg_table5_set;

enum folio_rc folio_drg_table5_set_new(struct folio_drg_table5_set **out,
                                       struct folio_err *err) FOLIO_MUST_USE;
/* Takes ownership of t (also on failure, when t is freed). Two tables starting on the same
 * date are FOLIO_ECONFLICT. */
enum folio_rc folio_drg_table5_set_add(struct folio_drg_table5_set *s, struct folio_drg_table5 *t,
                                       struct folio_err *err) FOLIO_MUST_USE;
/* The table in force on date (YYYYMMDD): among those whose period covers it, the one that
 * starts last (a correction effective mid-year wins). NULL when none covers it. Borrowed. */
const struct folio_drg_table5 *folio_drg_table5_set_pick(const struct folio_drg_table5_set *s,
                                                         int32_t date);
void folio_drg_table5_set_free(struct folio_drg_table5_set *s); /* NULL ok; frees the tables */

/* ---- discharge status ---- */

enum folio_drg_status_kind {
    FOLIO_DRG_DISCHARGE = 0,         /* not a transfer for payment */
    FOLIO_DRG_ACUTE_TRANSFER = 1,    /* 42 CFR 412.4(b): any DRG */
    FOLIO_DRG_POSTACUTE_TRANSFER = 2 /* 42 CFR 412.4(c): only DRGs flagged post-acute */
};

/* How UB-04 patient discharge status `status` counts on discharge date (YYYYMMDD):
 * acute transfer 02, 66, 82, 94; post-acute transfer 03, 05, 06, 61, 62, 63, 65, 83, 85, 86, 89,
 * 90, 91, 93, and 50, 51 (hospice) from October 1, 2018; everything else is a discharge. The
 * sources of each code: docs/drg-payment.md. */
enum folio_drg_status_kind folio_drg_status_kind(int status, int32_t date);
const char *folio_drg_status_kind_name(enum folio_drg_status_kind k); /* "acute transfer" */

/* ---- payment ---- */

/* The hospital's rates: the operating standardized amount, wage-adjusted as
 * labor share x wage index + non-labor share (42 CFR 412.64(h)). wage_index 1 and any
 * labor_share leave the base rate as it is. */
struct folio_drg_rates {
    double base_rate;   /* dollars, > 0 (taken to the cent) */
    double labor_share; /* 0 to 1 */
    double wage_index;  /* > 0 */
};

/* The cost outlier hook (42 CFR 412.80-412.84): every figure is the caller's, as it applies to
 * this hospital and fiscal year. Nothing here is defaulted. */
struct folio_drg_outlier_params {
    double charges;        /* covered charges, dollars, >= 0 */
    double ccr;            /* cost-to-charge ratio, > 0 */
    double fixed_loss;     /* fixed-loss threshold, dollars, >= 0 (already wage-adjusted if so) */
    double other_payments; /* other payments that count in the threshold (IME, DSH, new
                            * technology add-on), dollars, >= 0; 0 when none are modelled */
    double marginal;       /* marginal cost factor, 0 < f <= 1 (80% in 412.84(k)) */
    double marginal_burn;  /* for burn MS-DRGs (MDC 22), 0 < f <= 1 (90% in 412.84(k)) */
};

struct folio_drg_outlier_result {
    int64_t charges;        /* cents, as given */
    double ccr;             /* as given */
    int64_t other_payments; /* cents, as given */
    int64_t fixed_loss;     /* cents, as given */
    int64_t cost;           /* cents: charges x CCR */
    int64_t threshold_full; /* cents: full DRG payment + other payments + fixed loss */
    int64_t threshold;      /* cents: threshold_full prorated for a reduced transfer */
    int64_t excess;         /* cents: cost - threshold, 0 when the cost does not exceed it */
    double factor;          /* the marginal cost factor applied */
    bool burn;
    int64_t payment; /* cents: factor x excess */
};

/* The hook alone: the cost outlier payment of a case whose full (untransferred) operating DRG
 * payment is `full` cents. prorate_num / prorate_den (0 < num <= den, any common unit) prorate
 * the threshold of a transfer case (412.80(b)); 1/1 otherwise. FOLIO_EINVAL naming the field
 * for a parameter out of range. */
enum folio_rc folio_drg_outlier(const struct folio_drg_outlier_params *o, int64_t full,
                                int64_t prorate_num, int64_t prorate_den, bool burn,
                                struct folio_drg_outlier_result *out,
                                struct folio_err *err) FOLIO_MUST_USE;

enum folio_drg_transfer_rule {
    FOLIO_DRG_XFER_NONE = 0,           /* a discharge: full payment */
    FOLIO_DRG_XFER_NOT_QUALIFYING = 1, /* post-acute status, DRG not post-acute: full payment */
    FOLIO_DRG_XFER_PER_DIEM = 2,       /* graduated per diem, 412.4(f)(1) */
    FOLIO_DRG_XFER_SPECIAL_PAY = 3,    /* post-acute special pay DRG: 50% full + 50% per diem */
};
const char *folio_drg_transfer_rule_name(enum folio_drg_transfer_rule r); /* "per diem" */

/* One discharge to price. */
struct folio_drg_case {
    int drg;                /* 1-999 */
    int los;                /* length of stay, days, 0-99999 */
    int status;             /* UB-04 patient discharge status, 1-99 */
    int32_t discharge_date; /* YYYYMMDD, inside the table's period; 0: the period's first day */
};

/* Every figure of the computation. Money is in cents: each figure is rounded to the cent, half
 * away from zero, when it is computed, and later steps use the rounded figure; the products
 * and quotients themselves are exact (inputs are taken to 6 decimal places). */
struct folio_drg_payment {
    /* what was priced */
    int fiscal_year;
    int32_t discharge_date;
    struct folio_drg_weight row; /* the Table 5 row (title borrowed from the table) */
    int los, status;
    enum folio_drg_status_kind status_kind;
    /* base rate, 412.64(h) */
    double labor_share, wage_index;
    int64_t base_rate;      /* the standardized amount */
    int64_t labor;          /* base_rate x labor_share */
    int64_t nonlabor;       /* base_rate - labor */
    int64_t labor_adjusted; /* labor x wage_index */
    int64_t adjusted_base;  /* labor_adjusted + nonlabor */
    int64_t full;           /* weight x adjusted_base: the full DRG payment */
    /* transfer, 412.4(f) */
    enum folio_drg_transfer_rule rule;
    int days;                /* transfer days: los, at least 1 */
    bool reduced;            /* days + 1 < GMLOS: the transfer payment is below the full one */
    int64_t per_diem;        /* full / GMLOS (0 when not a transfer) */
    int64_t per_diem_amount; /* per_diem x (days + 1) */
    int64_t transfer_amount; /* per diem: per_diem_amount; special pay: 50% full + 50% of it */
    int64_t drg_payment;     /* full, or the transfer amount when reduced */
    /* outlier hook */
    bool outlier_priced; /* outlier parameters were given */
    struct folio_drg_outlier_result outlier;
    int64_t total; /* drg_payment + outlier payment */
};

/* Prices case c with table t and rates r; o NULL skips the outlier. FOLIO_ENOTFOUND when the
 * DRG is not in the table, FOLIO_EINVAL (field named) for an input out of range or a discharge
 * date outside the table's period. */
enum folio_rc folio_drg_price(const struct folio_drg_table5 *t, const struct folio_drg_case *c,
                              const struct folio_drg_rates *r,
                              const struct folio_drg_outlier_params *o,
                              struct folio_drg_payment *out, struct folio_err *err) FOLIO_MUST_USE;

/* Appends the computation step by step, one "label: formula = value" line each, for a person
 * (the CLI prints it, a screen may show it). */
enum folio_rc folio_drg_payment_explain(const struct folio_drg_payment *p,
                                        struct folio_buf *b) FOLIO_MUST_USE;

/* "12,345.67" (negative with a leading '-'); cap >= 32 is always enough. */
void folio_drg_format_cents(int64_t cents, char *out, size_t cap);

#endif

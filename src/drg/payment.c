/* The operating MS-DRG payment of one discharge: wage-adjusted base rate, relative weight,
 * transfer adjustment, cost outlier hook (folio/drg_payment.h, docs/drg-payment.md).
 *
 * Money is integer cents. Rates are taken to millionths (weight, GMLOS, shares, wage index, CCR,
 * factors) and every product or quotient is computed exactly in 128 bits, then rounded to the
 * cent, half away from zero, as CMS's PRICER does with COBOL's ROUNDED. */
#include "folio/base.h"
#include "folio/drg_payment.h"

#include <math.h>

__extension__ typedef __int128 wide;

#define MICRO 1000000

/* a / b rounded half away from zero; b > 0. */
static int64_t div_round(wide a, wide b)
{
    wide q = a / b, r = a % b;

    if (r < 0)
        r = -r;
    if (2 * r >= b)
        q += a < 0 ? -1 : 1;
    return (int64_t)q;
}

/* x in millionths (cents when scale is 100), when lo <= x <= hi; false otherwise. */
static bool scaled(double x, double scale, double lo, double hi, bool lo_open, int64_t *out)
{
    if (!isfinite(x) || x < lo || x > hi || (lo_open && x <= lo))
        return false;
    *out = (int64_t)llround(x * scale);
    return true;
}

static enum folio_rc out_of_range(struct folio_err *err, const char *field, double v,
                                  const char *range)
{
    return folio_err_set(err, FOLIO_EINVAL, field, "%s: %g is out of range (%s)", field, v, range);
}

/* ---- discharge status ---- */

enum folio_drg_status_kind folio_drg_status_kind(int status, int32_t date)
{
    switch (status) {
    /* 412.4(b): another IPPS hospital or a non-participating acute hospital (02), a CAH (66);
     * 82 and 94 are the same with a planned readmission. */
    case 2:
    case 66:
    case 82:
    case 94:
        return FOLIO_DRG_ACUTE_TRANSFER;
    /* 412.4(c)(1) an IPPS-excluded hospital or unit: cancer or children's hospital (05), IRF
     * (62), LTCH (63), psychiatric (65); (c)(2) a SNF (03) or swing bed (61); (c)(3) home
     * health (06); and their planned-readmission variants 85, 90, 91, 93, 83, 89, 86. */
    case 3:
    case 5:
    case 6:
    case 61:
    case 62:
    case 63:
    case 65:
    case 83:
    case 85:
    case 86:
    case 89:
    case 90:
    case 91:
    case 93:
        return FOLIO_DRG_POSTACUTE_TRANSFER;
    /* 412.4(c)(4): hospice, for discharges on or after October 1, 2018. */
    case 50:
    case 51:
        return date >= 20181001 ? FOLIO_DRG_POSTACUTE_TRANSFER : FOLIO_DRG_DISCHARGE;
    default:
        return FOLIO_DRG_DISCHARGE;
    }
}

const char *folio_drg_status_kind_name(enum folio_drg_status_kind k)
{
    switch (k) {
    case FOLIO_DRG_DISCHARGE:
        return "discharge";
    case FOLIO_DRG_ACUTE_TRANSFER:
        return "acute transfer";
    case FOLIO_DRG_POSTACUTE_TRANSFER:
        return "post-acute transfer";
    }
    return "unknown";
}

const char *folio_drg_transfer_rule_name(enum folio_drg_transfer_rule r)
{
    switch (r) {
    case FOLIO_DRG_XFER_NONE:
        return "none";
    case FOLIO_DRG_XFER_NOT_QUALIFYING:
        return "not a post-acute DRG";
    case FOLIO_DRG_XFER_PER_DIEM:
        return "per diem";
    case FOLIO_DRG_XFER_SPECIAL_PAY:
        return "special pay";
    }
    return "unknown";
}

/* ---- the outlier hook ---- */

enum folio_rc folio_drg_outlier(const struct folio_drg_outlier_params *o, int64_t full,
                                int64_t prorate_num, int64_t prorate_den, bool burn,
                                struct folio_drg_outlier_result *out, struct folio_err *err)
{
    int64_t charges, ccr, fixed, other, f;

    memset(out, 0, sizeof *out);
    if (!scaled(o->charges, 100, 0, 1e9, false, &charges))
        return out_of_range(err, "charges", o->charges, "0 to 1,000,000,000 dollars");
    if (!scaled(o->ccr, MICRO, 0, 10, true, &ccr) || ccr == 0)
        return out_of_range(err, "ccr", o->ccr, "above 0, at most 10");
    if (!scaled(o->fixed_loss, 100, 0, 1e8, false, &fixed))
        return out_of_range(err, "fixed_loss", o->fixed_loss, "0 to 100,000,000 dollars");
    if (!scaled(o->other_payments, 100, 0, 1e8, false, &other))
        return out_of_range(err, "other_payments", o->other_payments, "0 to 100,000,000 dollars");
    if (!scaled(burn ? o->marginal_burn : o->marginal, MICRO, 0, 1, true, &f) || f == 0)
        return out_of_range(err, burn ? "marginal_burn" : "marginal",
                            burn ? o->marginal_burn : o->marginal, "above 0, at most 1");
    if (full < 0 || full > (int64_t)1e13 || prorate_num <= 0 || prorate_den <= 0 ||
        prorate_num > prorate_den)
        return folio_err_set(err, FOLIO_EINVAL, "outlier",
                             "outlier: bad payment %lld or proration %lld/%lld", (long long)full,
                             (long long)prorate_num, (long long)prorate_den);
    out->charges = charges;
    out->ccr = o->ccr;
    out->other_payments = other;
    out->fixed_loss = fixed;
    out->burn = burn;
    out->factor = burn ? o->marginal_burn : o->marginal;
    /* 412.84(h): charges adjusted to cost by the cost-to-charge ratio. */
    out->cost = div_round((wide)charges * ccr, MICRO);
    /* 412.80(a): the threshold is the DRG payment (with the other payments that count) plus
     * the fixed-loss amount; 412.80(b): prorated like the payment for a transfer. */
    out->threshold_full = full + other + fixed;
    out->threshold = div_round((wide)out->threshold_full * prorate_num, prorate_den);
    out->excess = out->cost > out->threshold ? out->cost - out->threshold : 0;
    /* 412.84(k): a marginal cost factor of the cost above the threshold. */
    out->payment = div_round((wide)out->excess * f, MICRO);
    return FOLIO_OK;
}

/* ---- pricing ---- */

enum folio_rc folio_drg_price(const struct folio_drg_table5 *t, const struct folio_drg_case *c,
                              const struct folio_drg_rates *r,
                              const struct folio_drg_outlier_params *o,
                              struct folio_drg_payment *out, struct folio_err *err)
{
    struct folio_drg_table5_info info;
    const struct folio_drg_weight *w;
    int64_t share, wage, weight, gmlos, num = 1, den = 1;
    enum folio_rc rc;

    memset(out, 0, sizeof *out);
    folio_drg_table5_info(t, &info);
    if (c->los < 0 || c->los > 99999)
        return out_of_range(err, "los", c->los, "0 to 99999 days");
    if (c->status < 1 || c->status > 99)
        return out_of_range(err, "status", c->status, "a discharge status, 01 to 99");
    out->discharge_date = c->discharge_date ? c->discharge_date : info.from;
    if (out->discharge_date < info.from || out->discharge_date > info.to)
        return folio_err_set(err, FOLIO_EINVAL, "discharge_date",
                             "discharge date %ld is outside Table 5 FY %d (%ld to %ld)",
                             (long)out->discharge_date, info.fiscal_year, (long)info.from,
                             (long)info.to);
    w = folio_drg_table5_get(t, c->drg);
    if (w == NULL)
        return folio_err_set(err, FOLIO_ENOTFOUND, "drg", "MS-DRG %d is not in Table 5 FY %d (%s)",
                             c->drg, info.fiscal_year, info.name);
    if (!scaled(r->base_rate, 100, 0, 1e6, true, &out->base_rate) || out->base_rate == 0)
        return out_of_range(err, "base_rate", r->base_rate, "above 0, at most 1,000,000 dollars");
    if (!scaled(r->labor_share, MICRO, 0, 1, false, &share))
        return out_of_range(err, "labor_share", r->labor_share, "0 to 1");
    if (!scaled(r->wage_index, MICRO, 0, 10, true, &wage) || wage == 0)
        return out_of_range(err, "wage_index", r->wage_index, "above 0, at most 10");
    if (!scaled(w->weight, MICRO, 0, 1000, true, &weight) || weight == 0 ||
        !scaled(w->gmlos, MICRO, 0, 1000, true, &gmlos) || gmlos == 0)
        return folio_err_set(err, FOLIO_EINVAL, "drg", "MS-DRG %d: weight or GMLOS out of range",
                             c->drg);

    out->fiscal_year = info.fiscal_year;
    out->row = *w;
    out->los = c->los;
    out->status = c->status;
    out->status_kind = folio_drg_status_kind(c->status, out->discharge_date);
    out->labor_share = r->labor_share;
    out->wage_index = r->wage_index;

    /* 412.64(h): the labor-related share is adjusted by the area wage index. */
    out->labor = div_round((wide)out->base_rate * share, MICRO);
    out->nonlabor = out->base_rate - out->labor;
    out->labor_adjusted = div_round((wide)out->labor * wage, MICRO);
    out->adjusted_base = out->labor_adjusted + out->nonlabor;
    /* 412.60, 412.64: the DRG's relative weight times the adjusted rate. */
    out->full = div_round((wide)weight * out->adjusted_base, MICRO);
    out->drg_payment = out->full;

    /* 412.4(f): which transfer rule applies. */
    if (out->status_kind == FOLIO_DRG_ACUTE_TRANSFER)
        out->rule = FOLIO_DRG_XFER_PER_DIEM;
    else if (out->status_kind == FOLIO_DRG_POSTACUTE_TRANSFER)
        out->rule = !w->post_acute   ? FOLIO_DRG_XFER_NOT_QUALIFYING
                    : w->special_pay ? FOLIO_DRG_XFER_SPECIAL_PAY
                                     : FOLIO_DRG_XFER_PER_DIEM;
    if (out->rule == FOLIO_DRG_XFER_PER_DIEM || out->rule == FOLIO_DRG_XFER_SPECIAL_PAY) {
        /* A stay shorter than a day is paid as one day (Claims Processing Manual ch. 3,
         * 40.2.4); the first day is paid twice: per diem x (days + 1). */
        out->days = c->los < 1 ? 1 : c->los;
        out->per_diem = div_round((wide)out->full * MICRO, gmlos);
        out->per_diem_amount = out->per_diem * (out->days + 1);
        if (out->rule == FOLIO_DRG_XFER_SPECIAL_PAY)
            out->transfer_amount = div_round((wide)out->full + out->per_diem_amount, 2);
        else
            out->transfer_amount = out->per_diem_amount;
        out->reduced = (int64_t)(out->days + 1) * MICRO < gmlos;
        if (out->reduced) {
            out->drg_payment = out->transfer_amount < out->full ? out->transfer_amount : out->full;
            num = (int64_t)(out->days + 1) * MICRO;
            den = gmlos;
            if (out->rule == FOLIO_DRG_XFER_SPECIAL_PAY) {
                num += gmlos;
                den *= 2;
            }
        }
    }
    out->total = out->drg_payment;
    if (o) {
        rc = folio_drg_outlier(o, out->full, num, den, w->mdc_num == 22, &out->outlier, err);
        if (rc)
            return rc;
        out->outlier_priced = true;
        out->total += out->outlier.payment;
    }
    return FOLIO_OK;
}

/* ---- explanation ---- */

void folio_drg_format_cents(int64_t cents, char *out, size_t cap)
{
    char digits[32], tmp[48];
    uint64_t v = cents < 0 ? (uint64_t)(-(cents + 1)) + 1 : (uint64_t)cents;
    size_t n, k = 0, lead;

    (void)folio_snprintf(digits, sizeof digits, "%llu", (unsigned long long)(v / 100));
    n = strlen(digits);
    if (cents < 0)
        tmp[k++] = '-';
    lead = n % 3 ? n % 3 : 3;
    for (size_t i = 0; i < n; i++) {
        if (i >= lead && (i - lead) % 3 == 0)
            tmp[k++] = ',';
        tmp[k++] = digits[i];
    }
    (void)folio_snprintf(tmp + k, sizeof tmp - k, ".%02u", (unsigned)(v % 100));
    (void)folio_strlcpy(out, tmp, cap);
}

/* A rate with up to 6 decimals, trailing zeros dropped down to min_dec. */
static const char *num(char *buf, size_t cap, double x, int min_dec)
{
    size_t n;
    char *dot;

    (void)folio_snprintf(buf, cap, "%.6f", x);
    dot = strchr(buf, '.');
    if (dot == NULL)
        return buf;
    n = strlen(buf);
    while (n > (size_t)(dot - buf) + 1 + (size_t)min_dec && buf[n - 1] == '0')
        buf[--n] = '\0';
    if (buf[n - 1] == '.')
        buf[n - 1] = '\0';
    return buf;
}

static const char *date(char *buf, size_t cap, int32_t d)
{
    (void)folio_snprintf(buf, cap, "%04ld-%02ld-%02ld", (long)(d / 10000), (long)(d / 100 % 100),
                         (long)(d % 100));
    return buf;
}

#define M(i, v) (folio_drg_format_cents((v), m[i], sizeof m[i]), m[i])

enum folio_rc folio_drg_payment_explain(const struct folio_drg_payment *p, struct folio_buf *b)
{
    const struct folio_drg_weight *w = &p->row;
    char m[4][40], x[3][32];
    enum folio_rc rc;

#define OUT(...)                                                                                   \
    do {                                                                                           \
        if ((rc = folio_buf_appendf(b, __VA_ARGS__)) != FOLIO_OK)                                  \
            return rc;                                                                             \
    } while (0)

    OUT("MS-DRG %03d: %s (MDC %s, %s)\n", w->drg, w->title ? w->title : "", w->mdc,
        w->surgical ? "SURG" : "MED");
    OUT("Table 5 FY %d, line %ld: weight %s, GMLOS %s, AMLOS %s, post-acute DRG %s, special pay "
        "DRG %s\n",
        p->fiscal_year, w->line, num(x[0], sizeof x[0], w->weight, 4),
        num(x[1], sizeof x[1], w->gmlos, 1), num(x[2], sizeof x[2], w->amlos, 1),
        w->post_acute ? "yes" : "no", w->special_pay ? "yes" : "no");
    OUT("labor portion: %s x %s = %s\n", M(0, p->base_rate),
        num(x[0], sizeof x[0], p->labor_share, 1), M(1, p->labor));
    OUT("non-labor portion: %s - %s = %s\n", M(0, p->base_rate), M(1, p->labor), M(2, p->nonlabor));
    OUT("wage-adjusted labor portion: %s x wage index %s = %s\n", M(0, p->labor),
        num(x[0], sizeof x[0], p->wage_index, 4), M(1, p->labor_adjusted));
    OUT("adjusted base rate: %s + %s = %s\n", M(0, p->labor_adjusted), M(1, p->nonlabor),
        M(2, p->adjusted_base));
    OUT("full DRG payment: weight %s x %s = %s\n", num(x[0], sizeof x[0], w->weight, 4),
        M(0, p->adjusted_base), M(1, p->full));
    OUT("discharge status %02d on %s: %s", p->status, date(x[0], sizeof x[0], p->discharge_date),
        folio_drg_status_kind_name(p->status_kind));
    switch (p->rule) {
    case FOLIO_DRG_XFER_NONE:
        OUT(": full payment\n");
        break;
    case FOLIO_DRG_XFER_NOT_QUALIFYING:
        OUT(", but MS-DRG %03d is not a post-acute DRG: full payment\n", w->drg);
        break;
    case FOLIO_DRG_XFER_PER_DIEM:
    case FOLIO_DRG_XFER_SPECIAL_PAY:
        OUT(" (42 CFR 412.4(%c)): %s\n", p->status_kind == FOLIO_DRG_ACUTE_TRANSFER ? 'b' : 'c',
            p->rule == FOLIO_DRG_XFER_SPECIAL_PAY ? "special pay DRG" : "graduated per diem");
        OUT("per diem: %s / GMLOS %s = %s\n", M(0, p->full), num(x[0], sizeof x[0], w->gmlos, 1),
            M(1, p->per_diem));
        OUT("per diem amount: %s x (%d day%s + 1) = %s\n", M(0, p->per_diem), p->days,
            p->days == 1 ? "" : "s", M(1, p->per_diem_amount));
        if (p->rule == FOLIO_DRG_XFER_SPECIAL_PAY)
            OUT("special pay amount: 50%% x %s + 50%% x %s = %s\n", M(0, p->full),
                M(1, p->per_diem_amount), M(2, p->transfer_amount));
        if (p->reduced)
            OUT("days + 1 = %d < GMLOS %s: the DRG payment is %s\n", p->days + 1,
                num(x[0], sizeof x[0], w->gmlos, 1), M(0, p->drg_payment));
        else
            OUT("days + 1 = %d >= GMLOS %s: no reduction, the DRG payment is the full %s\n",
                p->days + 1, num(x[0], sizeof x[0], w->gmlos, 1), M(0, p->drg_payment));
        break;
    }
    OUT("DRG payment: %s\n", M(0, p->drg_payment));
    if (p->outlier_priced) {
        const struct folio_drg_outlier_result *o = &p->outlier;
        OUT("outlier cost: charges %s x CCR %s = %s\n", M(0, o->charges),
            num(x[0], sizeof x[0], o->ccr, 1), M(1, o->cost));
        OUT("outlier threshold: full payment %s + other payments %s + fixed loss %s = %s\n",
            M(0, p->full), M(1, o->other_payments), M(2, o->fixed_loss), M(3, o->threshold_full));
        if (o->threshold != o->threshold_full) {
            if (p->rule == FOLIO_DRG_XFER_SPECIAL_PAY)
                OUT("threshold prorated for the transfer (42 CFR 412.80(b)): %s x (50%% + 50%% x "
                    "%d / %s) = %s\n",
                    M(0, o->threshold_full), p->days + 1, num(x[0], sizeof x[0], w->gmlos, 1),
                    M(1, o->threshold));
            else
                OUT("threshold prorated for the transfer (42 CFR 412.80(b)): %s x %d / %s = %s\n",
                    M(0, o->threshold_full), p->days + 1, num(x[0], sizeof x[0], w->gmlos, 1),
                    M(1, o->threshold));
        }
        if (o->excess > 0)
            OUT("outlier payment: %s%% x (%s - %s) = %s%s\n",
                num(x[0], sizeof x[0], o->factor * 100, 0), M(0, o->cost), M(1, o->threshold),
                M(2, o->payment), o->burn ? " (burn MS-DRG, MDC 22)" : "");
        else
            OUT("outlier payment: none (cost %s does not exceed the threshold %s)\n", M(0, o->cost),
                M(1, o->threshold));
    }
    OUT("total: %s\n", M(0, p->total));
#undef OUT
    return FOLIO_OK;
}

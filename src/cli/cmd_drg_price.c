/* folio drg-price: the operating MS-DRG payment of one discharge from a CMS Table 5 file, shown
 * step by step (folio/drg_payment.h, docs/drg-payment.md). Pure: no database is opened. */
#include "folio/base.h"
#include "folio/drg_payment.h"

#include <errno.h>

#include "cli/cli.h"
#include "cli/cli_util.h"

static const char usage[] =
    "usage: folio drg-price --table5 FILE --base-rate DOLLARS [--wage-index W --labor-share S]\n"
    "                       [--fiscal-year YYYY] [--discharge-date YYYY-MM-DD]\n"
    "                       [--charges DOLLARS --ccr R --fixed-loss DOLLARS\n"
    "                        [--other-payments DOLLARS] [--marginal F] [--marginal-burn F]]\n"
    "                       DRG LOS STATUS\n"
    "\n"
    "Prices one discharge: MS-DRG DRG, length of stay LOS days, UB-04 patient discharge status\n"
    "STATUS (01 home, 02 acute transfer, 03 SNF, 06 home health...), with the relative weight and\n"
    "geometric mean length of stay of a CMS Table 5 file (the text file CMS publishes, or a CSV\n"
    "saved from its Excel file), and prints the computation step by step.\n"
    "\n"
    "  --table5 FILE          Table 5 of an IPPS final rule\n"
    "  --fiscal-year YYYY     when the file's headers do not name it\n"
    "  --discharge-date D     must fall in the table's fiscal year (default: its first day)\n"
    "  --base-rate DOLLARS    the hospital's operating standardized amount\n"
    "  --wage-index W         area wage index (default 1: no wage adjustment)\n"
    "  --labor-share S        labor-related share, 0-1 (needed with --wage-index)\n"
    "cost outlier (a hook: every figure is yours):\n"
    "  --charges DOLLARS      covered charges\n"
    "  --ccr R                cost-to-charge ratio\n"
    "  --fixed-loss DOLLARS   fixed-loss threshold\n"
    "  --other-payments D     other payments counted in the threshold (IME, DSH...; default 0)\n"
    "  --marginal F           marginal cost factor (default 0.80, 42 CFR 412.84(k))\n"
    "  --marginal-burn F      for burn MS-DRGs, MDC 22 (default 0.90, 42 CFR 412.84(k))\n"
    "\n"
    "With --json, every figure as JSON (money in cents). See docs/drg-payment.md.\n";

static enum folio_rc dollars(struct folio_cli *cli, const char *name, const char *s, double *out)
{
    if (folio_sv_to_double(folio_sv_from(s), out))
        return cli_usage(cli, "drg-price: --%s must be a number, not '%s'", name, s);
    return FOLIO_OK;
}

static enum folio_rc whole(struct folio_cli *cli, const char *name, const char *s, int64_t lo,
                           int64_t hi, int *out)
{
    int64_t v;

    if (folio_sv_to_i64(folio_sv_from(s), &v) || v < lo || v > hi)
        return cli_usage(cli, "drg-price: %s must be a whole number from %lld to %lld, not '%s'",
                         name, (long long)lo, (long long)hi, s);
    *out = (int)v;
    return FOLIO_OK;
}

static json_t *jcents(int64_t c)
{
    return json_integer((json_int_t)c);
}

static enum folio_rc print_json(struct folio_cli *cli, const struct folio_drg_table5_info *info,
                                const struct folio_drg_payment *p)
{
    const struct folio_drg_weight *w = &p->row;
    json_t *o = json_object(), *x;

    if (o == NULL)
        return folio_err_set(&cli->err, FOLIO_ENOMEM, NULL, "out of memory");
    x = json_pack("{s:s, s:i, s:i, s:i}", "file", info->name, "fiscal_year", info->fiscal_year,
                  "from", (int)info->from, "to", (int)info->to);
    json_object_set_new(o, "table5", x);
    x = json_pack("{s:i, s:s, s:s, s:s, s:f, s:f, s:f, s:b, s:b, s:i}", "drg", w->drg, "title",
                  w->title, "mdc", w->mdc, "type", w->surgical ? "SURG" : "MED", "weight",
                  w->weight, "gmlos", w->gmlos, "amlos", w->amlos, "post_acute", w->post_acute,
                  "special_pay", w->special_pay, "line", (int)w->line);
    json_object_set_new(o, "ms_drg", x);
    x = json_pack("{s:i, s:i, s:i, s:s}", "los", p->los, "status", p->status, "discharge_date",
                  (int)p->discharge_date, "status_kind",
                  folio_drg_status_kind_name(p->status_kind));
    json_object_set_new(o, "case", x);
    x = json_pack("{s:o, s:f, s:f, s:o, s:o, s:o, s:o, s:o}", "base_rate_cents",
                  jcents(p->base_rate), "labor_share", p->labor_share, "wage_index", p->wage_index,
                  "labor_cents", jcents(p->labor), "nonlabor_cents", jcents(p->nonlabor),
                  "labor_adjusted_cents", jcents(p->labor_adjusted), "adjusted_base_cents",
                  jcents(p->adjusted_base), "full_cents", jcents(p->full));
    json_object_set_new(o, "base", x);
    x = json_pack("{s:s, s:i, s:b, s:o, s:o, s:o}", "rule", folio_drg_transfer_rule_name(p->rule),
                  "days", p->days, "reduced", p->reduced, "per_diem_cents", jcents(p->per_diem),
                  "per_diem_amount_cents", jcents(p->per_diem_amount), "transfer_amount_cents",
                  jcents(p->transfer_amount));
    json_object_set_new(o, "transfer", x);
    json_object_set_new(o, "drg_payment_cents", jcents(p->drg_payment));
    if (p->outlier_priced) {
        const struct folio_drg_outlier_result *r = &p->outlier;
        x = json_pack("{s:o, s:f, s:o, s:o, s:o, s:o, s:o, s:o, s:f, s:b, s:o}", "charges_cents",
                      jcents(r->charges), "ccr", r->ccr, "other_payments_cents",
                      jcents(r->other_payments), "fixed_loss_cents", jcents(r->fixed_loss),
                      "cost_cents", jcents(r->cost), "threshold_full_cents",
                      jcents(r->threshold_full), "threshold_cents", jcents(r->threshold),
                      "excess_cents", jcents(r->excess), "factor", r->factor, "burn", r->burn,
                      "payment_cents", jcents(r->payment));
        json_object_set_new(o, "outlier", x);
    }
    json_object_set_new(o, "total_cents", jcents(p->total));
    return cli_json_print(cli, o);
}

int cmd_drg_price(struct folio_cli *cli, int argc, char **argv)
{
    const char *table_opt = NULL, *base_opt = NULL, *wage_opt = NULL, *share_opt = NULL,
               *date_opt = NULL, *charges_opt = NULL, *ccr_opt = NULL, *fixed_opt = NULL,
               *other_opt = NULL, *marginal_opt = NULL, *burn_opt = NULL;
    int64_t fy = 0;
    bool help = false;
    const struct cli_opt opts[] = {
        {"table5", CLI_OPT_STR, &table_opt},        {"fiscal-year", CLI_OPT_I64, &fy},
        {"discharge-date", CLI_OPT_STR, &date_opt}, {"base-rate", CLI_OPT_STR, &base_opt},
        {"wage-index", CLI_OPT_STR, &wage_opt},     {"labor-share", CLI_OPT_STR, &share_opt},
        {"charges", CLI_OPT_STR, &charges_opt},     {"ccr", CLI_OPT_STR, &ccr_opt},
        {"fixed-loss", CLI_OPT_STR, &fixed_opt},    {"other-payments", CLI_OPT_STR, &other_opt},
        {"marginal", CLI_OPT_STR, &marginal_opt},   {"marginal-burn", CLI_OPT_STR, &burn_opt},
    };
    struct cli_args args;
    struct folio_drg_table5_opts topts = {0};
    struct folio_drg_table5 *t = NULL;
    struct folio_drg_table5_info info;
    struct folio_drg_rates rates = {0, 0, 1.0};
    struct folio_drg_outlier_params outlier = {0, 0, 0, 0, 0.80, 0.90};
    bool with_outlier;
    struct folio_drg_case c = {0};
    struct folio_drg_payment p;
    struct folio_buf b;
    enum folio_rc rc;

    folio_buf_init(&b, 64 * 1024);
    rc = cli_parse(cli, "drg-price", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 3, &args, &help);
    if (rc)
        goto out;
    if (help) {
        fputs(usage, stdout);
        goto out;
    }
    if (args.npos != 3) {
        rc = cli_usage(cli, "drg-price: give DRG LOS STATUS (see 'folio help drg-price')");
        goto out;
    }
    if (!table_opt || !base_opt) {
        rc = cli_usage(cli, "drg-price: --table5 FILE and --base-rate DOLLARS are required");
        goto out;
    }
    if ((wage_opt == NULL) != (share_opt == NULL)) {
        rc = cli_usage(cli, "drg-price: --wage-index and --labor-share go together");
        goto out;
    }
    with_outlier = charges_opt || ccr_opt || fixed_opt || other_opt || marginal_opt || burn_opt;
    if (with_outlier && !(charges_opt && ccr_opt && fixed_opt)) {
        rc = cli_usage(cli, "drg-price: the outlier needs --charges, --ccr and --fixed-loss");
        goto out;
    }
    if (fy > 9999) {
        rc = cli_usage(cli, "drg-price: --fiscal-year %lld is out of range", (long long)fy);
        goto out;
    }
    topts.fiscal_year = (int)fy;
    if ((rc = whole(cli, "DRG", args.pos[0], 1, 999, &c.drg)) ||
        (rc = whole(cli, "LOS", args.pos[1], 0, 99999, &c.los)) ||
        (rc = whole(cli, "STATUS", args.pos[2], 1, 99, &c.status)) ||
        (date_opt && (rc = cli_parse_day(cli, "drg-price", date_opt, &c.discharge_date))) ||
        (rc = dollars(cli, "base-rate", base_opt, &rates.base_rate)) ||
        (wage_opt && (rc = dollars(cli, "wage-index", wage_opt, &rates.wage_index))) ||
        (share_opt && (rc = dollars(cli, "labor-share", share_opt, &rates.labor_share))) ||
        (charges_opt && (rc = dollars(cli, "charges", charges_opt, &outlier.charges))) ||
        (ccr_opt && (rc = dollars(cli, "ccr", ccr_opt, &outlier.ccr))) ||
        (fixed_opt && (rc = dollars(cli, "fixed-loss", fixed_opt, &outlier.fixed_loss))) ||
        (other_opt && (rc = dollars(cli, "other-payments", other_opt, &outlier.other_payments))) ||
        (marginal_opt && (rc = dollars(cli, "marginal", marginal_opt, &outlier.marginal))) ||
        (burn_opt && (rc = dollars(cli, "marginal-burn", burn_opt, &outlier.marginal_burn))))
        goto out;
    rc = folio_drg_table5_load(table_opt, &topts, &t, &cli->err);
    if (rc)
        goto out;
    folio_drg_table5_info(t, &info);
    rc = folio_drg_price(t, &c, &rates, with_outlier ? &outlier : NULL, &p, &cli->err);
    if (rc)
        goto out;
    if (cli->json) {
        rc = print_json(cli, &info, &p);
        goto out;
    }
    rc = folio_buf_appendf(
        &b, "Table 5 FY %d (%s), in force %04ld-%02ld-%02ld to %04ld-%02ld-%02ld%s\n",
        info.fiscal_year, info.name, (long)(info.from / 10000), (long)(info.from / 100 % 100),
        (long)(info.from % 100), (long)(info.to / 10000), (long)(info.to / 100 % 100),
        (long)(info.to % 100), info.capped_weights ? ", weights with the 10% cap" : "");
    if (!rc)
        rc = folio_drg_payment_explain(&p, &b);
    if (rc) {
        rc = folio_err_set(&cli->err, rc, NULL, "cannot format the computation");
        goto out;
    }
    if (fwrite(b.data, 1, b.len, stdout) != b.len)
        rc = folio_err_set(&cli->err, FOLIO_EIO, NULL, "cannot write to standard output: %s",
                           strerror(errno));
out:
    folio_drg_table5_free(t);
    folio_buf_release(&b);
    return (int)rc;
}

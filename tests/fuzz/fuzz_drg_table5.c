/* libFuzzer target: the Table 5 parser (folio/drg_payment.h) must never crash, leak or read out
 * of bounds, whatever the input; a table it accepts must hold only rows within their bounds, and
 * pricing each row must not fail on the row's own figures. */
#include "folio/base.h"
#include "folio/drg_payment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct folio_drg_table5_opts o = {2026, 0, 0};
    struct folio_drg_table5 *t = NULL;
    struct folio_drg_table5_info info;
    struct folio_drg_rates r = {6000.0, 0.66, 1.05};
    struct folio_drg_outlier_params op = {100000.0, 0.3, 40000.0, 0.0, 0.8, 0.9};
    struct folio_err err = {0};

    /* the first byte chooses whether the fiscal year is given */
    if (size == 0)
        return 0;
    if (folio_drg_table5_parse((const char *)data + 1, size - 1, "fuzz", data[0] & 1 ? &o : NULL,
                               &t, &err) != FOLIO_OK) {
        if (t != NULL)
            FOLIO_BUG("a table after an error");
        return 0;
    }
    folio_drg_table5_info(t, &info);
    if (info.ndrgs == 0 || info.ndrgs > 999 || info.from > info.to)
        FOLIO_BUG("bad table info");
    for (int drg = 1; drg <= 999; drg++) {
        const struct folio_drg_weight *w = folio_drg_table5_get(t, drg);
        struct folio_drg_case c = {drg, drg % 7, drg % 99 + 1, 0};
        struct folio_drg_payment p;
        if (w == NULL)
            continue;
        if (w->drg != drg || !(w->weight > 0) || !(w->gmlos > 0) || w->title == NULL ||
            (w->special_pay && !w->post_acute))
            FOLIO_BUG("bad row accepted");
        if (folio_drg_price(t, &c, &r, &op, &p, &err) != FOLIO_OK)
            FOLIO_BUG("a loaded row does not price: %s", err.msg);
        if (p.drg_payment > p.full || p.drg_payment < 0 || p.total < p.drg_payment)
            FOLIO_BUG("payment out of bounds");
    }
    folio_drg_table5_free(t);
    return 0;
}

/* The research-extract part of `folio demo` (issue 9 item 6; docs/deid.md "Data use
 * agreements"): one data use agreement in force, signed 30 days ago for a year, with every
 * assurance of 45 CFR 164.514(e)(4)(ii)(C), so a limited data set can be made from the research
 * screen. Recorded by the privacy officer ("privacy"). Seeded once: nothing is added when any
 * agreement exists. Prints nothing. */
#include "folio/base.h"
#include "folio/deid.h"
#include "folio/time.h"

#include "cli/demo_parts.h"

enum folio_rc folio_demo_deid(struct folio_cli *cli, const struct folio_chart *c)
{
    struct folio_deid_dua d;
    char now[32], signed_on[11], expires_on[11];
    int64_t n = 0, today;
    bool found = false;
    enum folio_rc rc;

    rc = folio_store_query_i64(c->store, "SELECT COUNT(*) FROM deid_dua", NULL, 0, &n, &found,
                               &cli->err);
    if (rc || n > 0)
        return rc;
    folio_time_now_utc(now);
    now[10] = '\0'; /* the date */
    if (!folio_date_days(now, &today))
        return folio_err_set(&cli->err, FOLIO_EINVAL, "now", "the clock gives no date");
    folio_date_format_days(today - 30, signed_on);
    folio_date_format_days(today + 335, expires_on);
    d = (struct folio_deid_dua){
        .recipient = "Riverside University Outcomes Research Group",
        .purpose = "Study of 30-day readmissions after appendectomy and heart failure stays; "
                   "no other use or disclosure",
        .users = "The principal investigator and the study's two analysts",
        .signed_on = signed_on,
        .expires_on = expires_on,
        .no_other_use = true,
        .safeguards = true,
        .report_violations = true,
        .agents_bound = true,
        .no_reidentify = true};
    return folio_deid_dua_add(c->store, &d, "privacy", NULL, &cli->err);
}

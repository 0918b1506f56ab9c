/* The privacy part of `folio demo` (issue 9 item 7; docs/privacy.md "Demo data"):
 *
 *   - one Synthea patient's chart is restricted (Hansen121, Lizabeth515: one outpatient visit, so
 *     no coding or completeness worklist leads to it), another is flagged VIP (Denesik803,
 *     Solange45);
 *   - the demo users get a family name and a home address. The clinician's family name is
 *     Hansen: the alert run shows a same_family_name alert only once the clinician actually
 *     opens the restricted chart (by breaking the glass). The registrar lives at the VIP
 *     patient's street in another postal code (no match); nobody else matches any patient.
 *
 * The review queue starts empty: every item in it comes from something someone did. Idempotent
 * (a rerun changes nothing). Prints nothing (PHI never goes to stdout). */
#include "folio/base.h"

#include "cli/demo_parts.h"
#include "folio/btg.h"

#define SYNTHEA_SYSTEM     "synthea"
#define RESTRICTED_PATIENT "46ea8546-2410-8098-cd65-02f581df99a8" /* Hansen121, Lizabeth515 */
#define VIP_PATIENT        "d46b382e-99a6-bd31-187e-9568bd8a7d89" /* Denesik803, Solange45 */

static const struct {
    const char *username, *family, *postal, *street;
} demo_homes[] = {
    {"clinician", "Hansen", "68105", "12 Leavenworth Street"},
    {"registrar", "Okafor", "68102", "222 Cole Junction Suite 40"},
    {"him.tech", "Lindqvist", "68131", "4410 Dodge Street"},
    {"coder", "Moreau", "68114", "77 Pacific Street"},
    {"roi", "Castellanos", "68106", "900 Leavenworth Street"},
    {"privacy", "Whitfield", "68132", "318 Happy Hollow Boulevard"},
};

/* The patient with that Synthea id, 0 when the demo data does not have it. */
static enum folio_rc synthea_patient(struct folio_cli *cli, const struct folio_chart *c,
                                     const char *ext, int64_t *id)
{
    enum folio_rc rc =
        folio_records_find_ext(c, FOLIO_EXT_PATIENT, SYNTHEA_SYSTEM, ext, id, &cli->err);

    if (rc == FOLIO_ENOTFOUND) {
        folio_err_clear(&cli->err);
        *id = 0;
        rc = FOLIO_OK;
    }
    return rc;
}

static enum folio_rc flag(struct folio_cli *cli, const struct folio_chart *c, const char *ext,
                          bool restricted, bool vip, const char *reason)
{
    struct folio_btg_restriction cur;
    struct folio_arena a;
    int64_t pid = 0;
    enum folio_rc rc = synthea_patient(cli, c, ext, &pid);

    if (rc || !pid)
        return rc;
    folio_arena_init(&a, 0);
    rc = folio_btg_restriction_get(c->store, pid, &a, &cur, &cli->err);
    if (rc == FOLIO_OK && cur.updated_at == NULL) /* never set: a rerun leaves it alone */
        rc = folio_btg_restriction_set(c->store, cli->actor, pid, restricted, vip, reason,
                                       &cli->err);
    folio_arena_release(&a);
    return rc;
}

enum folio_rc folio_demo_privacy(struct folio_cli *cli, const struct folio_chart *c)
{
    enum folio_rc rc;

    rc = folio_store_begin(c->store, &cli->err);
    if (rc)
        return rc;
    rc = flag(cli, c, RESTRICTED_PATIENT, true, false,
              "Demo: the patient asked for confidentiality (a member of the hospital's staff)");
    rc = rc ? rc : flag(cli, c, VIP_PATIENT, false, true, "Demo: a public figure");
    for (size_t i = 0; rc == FOLIO_OK && i < FOLIO_ARRAY_LEN(demo_homes); i++) {
        rc = folio_btg_user_set_home(c->store, cli->actor, demo_homes[i].username,
                                     demo_homes[i].family, demo_homes[i].postal,
                                     demo_homes[i].street, &cli->err);
        if (rc == FOLIO_ENOTFOUND) { /* a demo user this database does not have */
            folio_err_clear(&cli->err);
            rc = FOLIO_OK;
        }
    }
    if (rc == FOLIO_OK)
        rc = folio_store_commit(c->store, &cli->err);
    if (rc)
        folio_store_rollback(c->store);
    return rc;
}

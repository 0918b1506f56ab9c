/* Deficiency analysis when the chart changes over HL7 (issue 8): after a message that changed a
 * discharged (or cancelled) visit or filed/changed one of its documents, analyse that visit
 * (folio_completeness_on_change: also reopens a complete chart the change made incomplete);
 * after A13 (cancel discharge), withdraw its deficiencies. Runs inside the message's transaction.
 * Clock and error handling: docs/completeness.md "Wiring: the HL7 feed", docs/hl7-mapping.md. */
#include "folio/base.h"
#include "folio/completeness.h"
#include "feed/feed_int.h"

/* The analysis clock: the message's own time, EVN-2 (recorded), else MSH-7; "" when neither is
 * usable (then the real clock). A bad value is a warning: the message is applied anyway. */
static void message_time(struct fctx *x, char out[48])
{
    size_t evn = folio_hl7_find(x->m, "EVN", 0);
    out[0] = '\0';
    if (evn != FOLIO_HL7_NONE && fx_time(x, evn, 2, 1, out, FOLIO_FEED_SEV_WARNING) && out[0])
        return;
    out[0] = '\0';
    if (!fx_time(x, 0, 7, 1, out, FOLIO_FEED_SEV_WARNING))
        out[0] = '\0';
}

/* Which encounter, and whether to withdraw rather than analyse; 0 = nothing to do. */
static enum folio_rc target(struct fctx *x, int64_t *enc, bool *withdraw)
{
    const char *type = x->msh->msg_type, *tr = x->msh->trigger;
    enum folio_rc rc;
    *enc = 0;
    *withdraw = false;
    if (!strcmp(type, "ADT")) {
        if (!x->encounter_id)
            return FOLIO_OK;
        if (!strcmp(tr, "A13")) {
            *enc = x->encounter_id;
            *withdraw = true;
            return FOLIO_OK;
        }
        *enc = x->encounter_id;
    } else if (!strcmp(type, "MDM")) {
        struct folio_document d;
        if (!x->res->document_id)
            return FOLIO_OK;
        rc = folio_document_get(&x->chart, x->res->document_id, &x->a, &d, x->err);
        if (rc)
            return rc;
        *enc = d.encounter_id;
    }
    /* whether the visit is discharged or cancelled (else nothing is due yet) is decided by
     * folio_completeness_on_change */
    return FOLIO_OK;
}

static bool system_failure(enum folio_rc rc)
{
    return rc == FOLIO_ESTORE || rc == FOLIO_EBUSY || rc == FOLIO_ENOMEM || rc == FOLIO_ECRYPTO;
}

enum folio_rc feed_completeness(struct fctx *x)
{
    struct folio_rules_version ver;
    int64_t enc = 0;
    bool withdraw = false;
    char at[48];
    enum folio_rc rc = target(x, &enc, &withdraw);
    if (rc || !enc)
        return rc;
    rc = folio_rules_in_force(x->chart.store, &x->a, &ver, NULL, x->err);
    if (rc || !ver.version)
        return rc; /* no rule set loaded: nothing to do */
    message_time(x, at);
    if (withdraw) {
        const char *why = fx_printf(x, "discharge cancelled by ADT^A13 from %.80s (message %.80s)",
                                    x->msh->sending_app, x->msh->control_id);
        rc = folio_completeness_withdraw(x->chart.store, enc, why, x->chart.actor,
                                         at[0] ? at : NULL, NULL, x->err);
    } else {
        rc = folio_completeness_on_change(x->chart.store, enc, at[0] ? at : NULL,
                                          x->chart.actor, NULL, x->err);
    }
    if (rc == FOLIO_OK || system_failure(rc))
        return rc;
    /* The analysis rolled back its own level; the message stays applied (AA with a warning) and
     * the next analysis of the visit (or `folio completeness analyze`) reconciles. */
    fx_error(x, FOLIO_HL7_NONE, 0, 0, 0, FOLIO_HL7_E_INTERNAL, FOLIO_FEED_SEV_WARNING,
             "deficiency %s of encounter %lld not done (%s%s%s); the message is applied",
             withdraw ? "withdrawal" : "analysis", (long long)enc, x->err->field,
             x->err->field[0] ? ": " : "", x->err->msg);
    folio_err_clear(x->err);
    return FOLIO_OK;
}

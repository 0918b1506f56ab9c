/* ADT: visits (PV1), providers, next of kin (NK1), insurance (IN1), DG1/PR1, merge requests.
 * Per-trigger behaviour and reasons: docs/hl7-mapping.md. */
#include "folio/base.h"
#include "folio/merge.h"
#include "folio/mpi.h"
#include "folio/time.h"
#include "feed/feed_int.h"

enum provider_role { ROLE_ATTENDING, ROLE_ADMITTING, ROLE_CONSULTING, ROLE_REFERRING };

enum folio_rc fx_provider(struct fctx *x, size_t seg, unsigned f, unsigned rep, int64_t *id)
{
    const char *pid = fx_get(x, seg, f, rep, 1, 0);
    const char *family = fx_get(x, seg, f, rep, 2, 1);
    const char *given = fx_get(x, seg, f, rep, 3, 0);
    const char *type = fx_get(x, seg, f, rep, 13, 0);
    const char *auth = fx_get(x, seg, f, rep, 9, 1);
    struct folio_provider p = {0};
    enum folio_rc rc;
    *id = 0;
    if (!*family && !*given)
        return FOLIO_OK;
    if (!strcmp(type, "NPI") && folio_npi_valid(pid)) {
        rc = folio_provider_find_npi(&x->chart, pid, id, x->err);
        if (rc != FOLIO_ENOTFOUND)
            return rc;
        folio_err_clear(x->err);
        p.npi = pid;
    } else if (*pid) {
        p.ext_system = fx_printf(x, "hl7-prov:%.200s", *auth ? auth : x->facility);
        p.ext_id = pid;
        rc = folio_records_find_ext(&x->chart, FOLIO_EXT_PROVIDER, p.ext_system, pid, id, x->err);
        if (rc != FOLIO_ENOTFOUND)
            return rc;
        folio_err_clear(x->err);
    } else {
        fx_error(x, seg, f, rep, 1, FOLIO_HL7_E_REQUIRED_MISSING, FOLIO_FEED_SEV_WARNING,
                 "%s-%u: provider without an id not linked", folio_hl7_segment_id(x->m, seg), f);
        return FOLIO_OK;
    }
    p.family = nz(family);
    p.given = nz(given);
    p.credentials = nz(fx_get(x, seg, f, rep, 7, 0));
    rc = folio_provider_create(&x->chart, &p, id, x->err);
    if (rc) {
        *id = 0;
        return fx_chart_err(x, rc, seg, f);
    }
    x->res->unchanged = false;
    return FOLIO_OK;
}

static const char *account_of(struct fctx *x, size_t pv1)
{
    const char *acc = fx_get(x, pv1, 19, 1, 1, 0);
    if (!*acc)
        acc = fx_get(x, folio_hl7_find(x->m, "PID", 0), 18, 1, 1, 0);
    return acc;
}

static const char *visit_system(struct fctx *x)
{
    return fx_printf(x, "hl7-visit:%s", x->facility);
}

enum folio_rc fx_find_visit(struct fctx *x, size_t pv1, int64_t *enc, bool *found)
{
    const char *acc = account_of(x, pv1);
    enum folio_rc rc;
    *found = false;
    *enc = 0;
    if (!*acc)
        return FOLIO_OK;
    rc = folio_records_find_ext(&x->chart, FOLIO_EXT_ENCOUNTER, visit_system(x), acc, enc, x->err);
    if (rc == FOLIO_ENOTFOUND) {
        folio_err_clear(x->err);
        return FOLIO_OK;
    }
    if (rc)
        return rc;
    *found = true;
    return FOLIO_OK;
}

/* HL7 table 0004 patient class -> Folio class. */
static const char *class_of(const char *pc)
{
    static const struct folio_code_title map[] = {
        {"I", "inpatient"},  {"O", "outpatient"}, {"E", "emergency"}, {"P", "inpatient"},
        {"R", "outpatient"}, {"B", "inpatient"},  {"C", "outpatient"},
    };
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(map); i++)
        if (!strcmp(map[i].code, pc))
            return map[i].title;
    return NULL;
}

/* HL7 table 0007 admission type -> UB-04 priority of admission. */
static const char *admit_type_of(const char *t)
{
    static const struct folio_code_title map[] = {
        {"E", "1"}, {"U", "2"}, {"R", "3"}, {"N", "4"}, {"C", "3"}, {"L", "3"},
    };
    if (folio_ub04_admit_type_title(t))
        return t;
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(map); i++)
        if (!strcmp(map[i].code, t))
            return map[i].title;
    return NULL;
}

static const char *location_of(struct fctx *x, size_t seg, unsigned f)
{
    const char *poc = fx_get(x, seg, f, 1, 1, 1), *room = fx_get(x, seg, f, 1, 2, 0),
               *bed = fx_get(x, seg, f, 1, 3, 0);
    if (!*poc && !*room && !*bed)
        return NULL;
    if (!*bed && !*room)
        return poc;
    if (!*bed)
        return fx_printf(x, "%.300s^%.300s", poc, room);
    return fx_printf(x, "%.300s^%.300s^%.300s", poc, room, bed);
}

/* Event time: EVN-6 occurred, else EVN-2 recorded, else MSH-7. */
static bool event_time(struct fctx *x, char out[48])
{
    size_t evn = folio_hl7_find(x->m, "EVN", 0);
    if (!fx_time(x, evn, 6, 1, out, FOLIO_FEED_SEV_ERROR))
        return false;
    if (!out[0] && !fx_time(x, evn, 2, 1, out, FOLIO_FEED_SEV_ERROR))
        return false;
    if (!out[0] && !fx_time(x, 0, 7, 1, out, FOLIO_FEED_SEV_ERROR))
        return false;
    return true;
}

struct visit_in {
    struct folio_encounter_new n;
    char admit[48], disch[48];
};

static bool read_pv1(struct fctx *x, size_t pv1, struct visit_in *v, bool planned)
{
    struct folio_encounter_new *n = &v->n;
    memset(v, 0, sizeof *v);
    const char *pc = fx_get(x, pv1, 2, 1, 1, 0);
    if (!*pc) {
        fx_error(x, pv1, 2, 1, 1, FOLIO_HL7_E_REQUIRED_MISSING, FOLIO_FEED_SEV_ERROR,
                 "PV1-2 patient class is required");
        return false;
    }
    if (!(n->enc_class = class_of(pc))) {
        fx_error(x, pv1, 2, 1, 1, FOLIO_HL7_E_TABLE_VALUE, FOLIO_FEED_SEV_ERROR,
                 "PV1-2: patient class '%s' is not one Folio keeps (I O E P R B C)", pc);
        return false;
    }
    n->source_class = pc;
    if (!fx_time(x, pv1, 44, 1, v->admit, FOLIO_FEED_SEV_ERROR) ||
        !fx_time(x, pv1, 45, 1, v->disch, FOLIO_FEED_SEV_ERROR))
        return false;
    if (!v->admit[0] && !planned) {
        if (!event_time(x, v->admit))
            return false;
        if (v->admit[0])
            fx_error(x, pv1, 44, 1, 1, FOLIO_HL7_E_REQUIRED_MISSING, FOLIO_FEED_SEV_WARNING,
                     "PV1-44 admit time missing: the event time (EVN-6/EVN-2/MSH-7) was used");
    }
    n->admit_at = v->admit[0] ? v->admit : NULL;
    const char *at = fx_get(x, pv1, 4, 1, 1, 0);
    if (*at && !(n->admit_type = admit_type_of(at)))
        fx_error(x, pv1, 4, 1, 1, FOLIO_HL7_E_TABLE_VALUE, FOLIO_FEED_SEV_WARNING,
                 "PV1-4: admission type '%s' has no UB-04 equivalent; not stored", at);
    const char *as = fx_get(x, pv1, 14, 1, 1, 0);
    if (*as) {
        if (folio_ub04_admit_source_title(as))
            n->admit_source = as;
        else
            fx_error(x, pv1, 14, 1, 1, FOLIO_HL7_E_TABLE_VALUE, FOLIO_FEED_SEV_WARNING,
                     "PV1-14: admit source '%.60s' is not a UB-04 point of origin; not stored",
                     as);
    }
    n->service = nz(fx_get(x, pv1, 10, 1, 1, 0));
    n->location = location_of(x, pv1, 3);
    const char *reason = fx_get(x, folio_hl7_find(x->m, "PV2", 0), 3, 1, 2, 0);
    n->reason = nz(reason);
    n->facility_code = x->facility;
    n->account_number = nz(account_of(x, pv1));
    if (n->account_number) {
        n->ext_system = visit_system(x);
        n->ext_id = n->account_number;
    } else {
        fx_error(x, pv1, 19, 1, 1, FOLIO_HL7_E_REQUIRED_MISSING, FOLIO_FEED_SEV_WARNING,
                 "PV1-19 visit number (and PID-18) empty: later messages cannot find this visit");
    }
    return true;
}

static const char *disposition_of(struct fctx *x, size_t pv1)
{
    const char *d = fx_get(x, pv1, 36, 1, 1, 0);
    char two[3] = {0};
    if (!*d)
        return NULL;
    if (strlen(d) == 1 && d[0] >= '0' && d[0] <= '9') {
        two[0] = '0';
        two[1] = d[0];
        d = fx_dup(x, two);
    }
    if (folio_ub04_disposition_title(d))
        return d;
    fx_error(x, pv1, 36, 1, 1, FOLIO_HL7_E_TABLE_VALUE, FOLIO_FEED_SEV_WARNING,
             "PV1-36: discharge disposition '%.60s' is not a UB-04 code; not stored", d);
    return NULL;
}

static enum folio_rc link_providers(struct fctx *x, size_t pv1)
{
    static const struct {
        unsigned field;
        const char *role;
    } roles[] = {{7, "attending"}, {17, "admitting"}, {9, "consulting"}, {8, "referring"}};
    struct folio_encounter e;
    enum folio_rc rc = folio_encounter_get(&x->chart, x->encounter_id, &x->a, &e, x->err);
    if (rc)
        return rc;
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(roles); i++) {
        unsigned n = fx_reps(x, pv1, roles[i].field);
        for (unsigned r = 1; r <= n; r++) {
            int64_t prov = 0;
            bool have = false;
            if ((rc = fx_provider(x, pv1, roles[i].field, r, &prov)))
                return rc;
            if (!prov)
                continue;
            for (size_t j = 0; j < e.n_providers && !have; j++)
                have = e.providers[j].provider_id == prov && !e.providers[j].to_at &&
                       !strcmp(e.providers[j].role, roles[i].role);
            if (have)
                continue;
            rc = folio_encounter_add_provider(&x->chart, x->encounter_id, prov, roles[i].role,
                                              NULL, NULL, x->err);
            if (rc == FOLIO_ESTATE || rc == FOLIO_EINVAL) {
                folio_err_clear(x->err);
                continue; /* a closed visit keeps its providers */
            }
            if (rc)
                return rc;
            x->res->unchanged = false;
        }
    }
    return FOLIO_OK;
}

/* Finds or creates the visit from PV1; updates what differs when it exists. */
static enum folio_rc upsert_visit(struct fctx *x, size_t pv1, bool planned, bool update)
{
    struct visit_in v;
    bool found = false;
    enum folio_rc rc;
    if (!read_pv1(x, pv1, &v, planned))
        return FOLIO_OK;
    rc = folio_facility_ensure(&x->chart, x->facility, NULL, NULL, x->err);
    if (rc)
        return fx_chart_err(x, rc, 0, 4);
    rc = fx_find_visit(x, pv1, &x->encounter_id, &found);
    if (rc)
        return rc;
    if (found) {
        struct folio_encounter e;
        rc = folio_encounter_get(&x->chart, x->encounter_id, &x->a, &e, x->err);
        if (rc)
            return rc;
        if (e.patient_id != x->patient_id) {
            fx_error(x, pv1, 19, 1, 1, FOLIO_HL7_E_DUPLICATE_KEY, FOLIO_FEED_SEV_ERROR,
                     "PV1-19: visit '%s' belongs to another patient (A45 move visit is "
                     "reviewed by HIM)",
                     v.n.account_number);
            return FOLIO_OK;
        }
        if (update && strcmp(e.status, "cancelled") != 0) {
            struct folio_encounter_update u = {
                .source_class = v.n.source_class, .enc_class = v.n.enc_class,
                .admit_type = v.n.admit_type, .admit_source = v.n.admit_source,
                .service = v.n.service, .reason = v.n.reason,
                .admit_at = planned ? NULL : v.n.admit_at,
                .status = planned ? NULL : "in-progress"};
            bool changed = false;
            rc = folio_encounter_update(&x->chart, x->encounter_id, &u, "update", &changed,
                                        x->err);
            if (rc)
                return fx_chart_err(x, rc, pv1, 0);
            if (changed)
                x->res->unchanged = false;
        }
    } else {
        v.n.patient_id = x->patient_id;
        v.n.status = planned ? "planned" : "in-progress";
        if (!planned && v.disch[0]) { /* the snapshot says the visit is over */
            v.n.discharge_at = v.disch;
            v.n.status = "discharged";
            v.n.disposition = disposition_of(x, pv1);
        }
        rc = folio_encounter_create(&x->chart, &v.n, &x->encounter_id, x->err);
        if (rc)
            return fx_chart_err(x, rc, pv1, 0);
        x->res->created_encounter = true;
        x->res->unchanged = false;
    }
    x->res->encounter_id = x->encounter_id;
    return link_providers(x, pv1);
}

/* ---- DG1, PR1, NK1, IN1 ---- */

/* The operator of the procedure of PR1 segment s (docs/hl7-mapping.md "Other ADT segments"):
 * the PR1-12 procedure practitioner whose identifier type code (XCN-13, HL7 table 0133) is PS
 * primary surgeon, else PR procedure MD/surgeon, else the PR1-11 surgeon. Both fields are kept
 * for backward compatibility in v2.3-v2.5 (the ROL segment replaced them; ROL is not read).
 * An XCN-1 that is a valid NPI finds the provider of that NPI first. 0 when none. */
static enum folio_rc pr1_operator(struct fctx *x, size_t s, int64_t *id)
{
    static const char *const roles[] = {"PS", "PR"};
    unsigned f = 0, rep = 0;
    *id = 0;
    for (size_t k = 0; k < FOLIO_ARRAY_LEN(roles) && !f; k++)
        for (unsigned r = 1; r <= fx_reps(x, s, 12) && !f; r++)
            if (strcmp(fx_get(x, s, 12, r, 13, 0), roles[k]) == 0)
                f = 12, rep = r;
    if (!f && fx_reps(x, s, 11))
        f = 11, rep = 1;
    if (!f)
        return FOLIO_OK;
    const char *pid = fx_get(x, s, f, rep, 1, 0);
    if (folio_npi_valid(pid)) {
        enum folio_rc rc = folio_provider_find_npi(&x->chart, pid, id, x->err);
        if (rc != FOLIO_ENOTFOUND)
            return rc;
        folio_err_clear(x->err);
        *id = 0;
    }
    return fx_provider(x, s, f, rep, id);
}

/* Records the operator on the procedure when it differs (a later message may name it). */
static enum folio_rc set_operator(struct fctx *x, int64_t proc_id, int64_t op)
{
    int64_t changes = 0;
    enum folio_rc rc;
    if (!op)
        return FOLIO_OK;
    rc = folio_store_exec_fmt(x->chart.store, NULL, NULL, &changes, x->err,
                              "UPDATE procedure_event SET operator_id = ? WHERE id = ? AND "
                              "(operator_id IS NULL OR operator_id <> ?)",
                              "iii", op, proc_id, op);
    if (rc == FOLIO_OK && changes)
        x->res->unchanged = false;
    return rc;
}

/* DG1-6 diagnosis type and DG1-15 diagnosis priority of DG1 segment s into c (docs/hl7-mapping.md
 * "Other ADT segments"). HL7 v2.5 user-defined table 0052 suggests A admitting, W working,
 * F final: another code is kept as given (a site may define its own) with a warning, as it never
 * counts as the final diagnosis. DG1-15 is table 0359 (0 not ranked, 1 principal, 2.. secondary),
 * two digits: anything else is a warning and not stored. */
static void dg1_statement(struct fctx *x, size_t s, struct folio_condition *c)
{
    const char *type = fx_get(x, s, 6, 1, 1, 0);
    const char *prio = fx_get(x, s, 15, 1, 1, 0);
    size_t len = strlen(type);
    bool ok = len > 0 && len <= 20;
    for (size_t i = 0; i < len && ok; i++)
        ok = (unsigned char)type[i] > ' ' && type[i] != 0x7f;
    if (len && !ok) {
        fx_error(x, s, 6, 1, 1, FOLIO_HL7_E_DATA_TYPE, FOLIO_FEED_SEV_WARNING,
                 "DG1-6: diagnosis type '%.20s' is not a code (at most 20 characters, no spaces); "
                 "not stored",
                 type);
    } else if (len) {
        c->dx_type = type;
        if (strcmp(type, "A") && strcmp(type, "W") && strcmp(type, "F"))
            fx_error(x, s, 6, 1, 1, FOLIO_HL7_E_TABLE_VALUE, FOLIO_FEED_SEV_WARNING,
                     "DG1-6: diagnosis type '%s' is not in HL7 table 0052 (A admitting, W working, "
                     "F final); stored as given, not counted as final",
                     type);
    }
    if (!*prio)
        return;
    size_t n = strlen(prio);
    int64_t v = 0;
    for (size_t i = 0; i < n && v >= 0; i++)
        v = prio[i] >= '0' && prio[i] <= '9' ? v * 10 + (prio[i] - '0') : -1;
    if (n > 2 || v < 0) {
        fx_error(x, s, 15, 1, 1, FOLIO_HL7_E_DATA_TYPE, FOLIO_FEED_SEV_WARNING,
                 "DG1-15: diagnosis priority '%.20s' is not a number from 0 to 99 (HL7 table "
                 "0359: 1 principal); not stored",
                 prio);
        return;
    }
    c->dx_priority = v;
    c->has_dx_priority = true;
}

/* A DG1 sent again (same set ID, system and code) may restate the diagnosis type or priority
 * (typically final and principal at discharge): the given values replace the stored ones; an
 * empty or refused DG1-6 / DG1-15 leaves the stored one. */
static enum folio_rc restate_dx(struct fctx *x, int64_t id, const struct folio_condition *c)
{
    int64_t changes = 0;
    enum folio_rc rc = FOLIO_OK;
    if (c->dx_type) {
        rc = folio_store_exec_fmt(x->chart.store, NULL, NULL, &changes, x->err,
                                  "UPDATE condition SET dx_type = ? WHERE id = ? AND "
                                  "(dx_type IS NULL OR dx_type <> ?)",
                                  "TiT", c->dx_type, id, c->dx_type);
        if (rc == FOLIO_OK && changes)
            x->res->unchanged = false;
    }
    if (rc == FOLIO_OK && c->has_dx_priority) {
        rc = folio_store_exec_fmt(x->chart.store, NULL, NULL, &changes, x->err,
                                  "UPDATE condition SET dx_priority = ? WHERE id = ? AND "
                                  "(dx_priority IS NULL OR dx_priority <> ?)",
                                  "iii", c->dx_priority, id, c->dx_priority);
        if (rc == FOLIO_OK && changes)
            x->res->unchanged = false;
    }
    return rc;
}

static enum folio_rc diagnoses(struct fctx *x)
{
    enum folio_rc rc;
    const char *sys = fx_printf(x, "hl7-dg1:%lld:%lld", (long long)x->patient_id,
                                (long long)x->encounter_id);
    for (size_t s = folio_hl7_find(x->m, "DG1", 0); s != FOLIO_HL7_NONE;
         s = folio_hl7_find(x->m, "DG1", s + 1)) {
        struct folio_condition c = {0};
        char onset[48];
        int64_t id = 0;
        c.code = fx_get(x, s, 3, 1, 1, 0);
        if (!*c.code) {
            fx_error(x, s, 3, 1, 1, FOLIO_HL7_E_REQUIRED_MISSING, FOLIO_FEED_SEV_WARNING,
                     "DG1-3 diagnosis code missing; diagnosis not stored");
            continue;
        }
        c.code_system = fx_get(x, s, 3, 1, 3, 0);
        if (!*c.code_system)
            c.code_system = *fx_get(x, s, 2, 1, 1, 0) ? fx_get(x, s, 2, 1, 1, 0) : "HL7-DG1";
        c.display = nz(*fx_get(x, s, 3, 1, 2, 0) ? fx_get(x, s, 3, 1, 2, 0) : fx_get(x, s, 4, 1, 1, 0));
        if (!fx_time(x, s, 5, 1, onset, FOLIO_FEED_SEV_WARNING))
            onset[0] = '\0';
        c.onset = nz(onset);
        dg1_statement(x, s, &c);
        c.patient_id = x->patient_id;
        c.encounter_id = x->encounter_id;
        c.ext_system = sys;
        c.ext_id = fx_printf(x, "%s|%s|%s", fx_get(x, s, 1, 1, 1, 0), c.code_system, c.code);
        rc = folio_records_find_ext(&x->chart, FOLIO_EXT_CONDITION, sys, c.ext_id, &id, x->err);
        if (rc == FOLIO_OK) {
            rc = restate_dx(x, id, &c);
            if (rc)
                return rc;
            continue;
        }
        if (rc != FOLIO_ENOTFOUND)
            return rc;
        folio_err_clear(x->err);
        rc = folio_condition_create(&x->chart, &c, NULL, x->err);
        if (rc)
            return fx_chart_err(x, rc, s, 3);
        x->res->n_conditions++;
        x->res->unchanged = false;
    }
    const char *psys = fx_printf(x, "hl7-pr1:%lld:%lld", (long long)x->patient_id,
                                 (long long)x->encounter_id);
    for (size_t s = folio_hl7_find(x->m, "PR1", 0); s != FOLIO_HL7_NONE;
         s = folio_hl7_find(x->m, "PR1", s + 1)) {
        struct folio_procedure_event p = {0};
        char at[48];
        int64_t id = 0, op = 0;
        p.code = fx_get(x, s, 3, 1, 1, 0);
        if (!*p.code) {
            fx_error(x, s, 3, 1, 1, FOLIO_HL7_E_REQUIRED_MISSING, FOLIO_FEED_SEV_WARNING,
                     "PR1-3 procedure code missing; procedure not stored");
            continue;
        }
        p.code_system = *fx_get(x, s, 3, 1, 3, 0) ? fx_get(x, s, 3, 1, 3, 0) : "HL7-PR1";
        p.display = nz(*fx_get(x, s, 3, 1, 2, 0) ? fx_get(x, s, 3, 1, 2, 0) : fx_get(x, s, 4, 1, 1, 0));
        if (!fx_time(x, s, 5, 1, at, FOLIO_FEED_SEV_WARNING))
            at[0] = '\0';
        p.performed_start = nz(at);
        p.patient_id = x->patient_id;
        p.encounter_id = x->encounter_id;
        p.ext_system = psys;
        p.ext_id = fx_printf(x, "%s|%s|%s", fx_get(x, s, 1, 1, 1, 0), p.code_system, p.code);
        rc = pr1_operator(x, s, &op);
        if (rc)
            return rc;
        rc = folio_records_find_ext(&x->chart, FOLIO_EXT_PROCEDURE, psys, p.ext_id, &id, x->err);
        if (rc == FOLIO_OK) {
            rc = set_operator(x, id, op);
            if (rc)
                return rc;
            continue;
        }
        if (rc != FOLIO_ENOTFOUND)
            return rc;
        folio_err_clear(x->err);
        rc = folio_procedure_create(&x->chart, &p, &id, x->err);
        if (rc)
            return fx_chart_err(x, rc, s, 3);
        x->res->n_procedures++;
        x->res->unchanged = false;
        rc = set_operator(x, id, op);
        if (rc)
            return rc;
    }
    return FOLIO_OK;
}

static enum folio_rc contacts(struct fctx *x)
{
    enum folio_rc rc;
    const char *sys = fx_printf(x, "hl7-nk1:%lld", (long long)x->patient_id);
    for (size_t s = folio_hl7_find(x->m, "NK1", 0); s != FOLIO_HL7_NONE;
         s = folio_hl7_find(x->m, "NK1", s + 1)) {
        struct folio_contact c = {0};
        bool created = false;
        c.family = nz(fx_get(x, s, 2, 1, 1, 1));
        c.given = nz(fx_get(x, s, 2, 1, 2, 0));
        if (!c.family && !c.given)
            continue; /* an organisation contact (NK1-13) is not kept */
        c.relationship = nz(fx_get(x, s, 3, 1, 1, 0));
        c.contact_role = nz(fx_get(x, s, 7, 1, 1, 0));
        const char *ph = fx_get(x, s, 5, 1, 1, 0);
        if (!*ph)
            ph = fx_printf(x, "%s%s", fx_get(x, s, 5, 1, 6, 0), fx_get(x, s, 5, 1, 7, 0));
        c.phone = nz(ph);
        c.address = nz(fx_printf(x, "%s %s, %s, %s %s", fx_get(x, s, 4, 1, 1, 1),
                                 fx_get(x, s, 4, 1, 1, 2), fx_get(x, s, 4, 1, 3, 0),
                                 fx_get(x, s, 4, 1, 4, 0), fx_get(x, s, 4, 1, 5, 0)));
        c.ext_system = sys;
        c.ext_id = fx_printf(x, "%.200s|%.200s|%.20s", c.family ? c.family : "",
                             c.given ? c.given : "", c.relationship ? c.relationship : "");
        rc = folio_patient_add_contact(&x->chart, x->patient_id, &c, NULL, &created, x->err);
        if (rc)
            return fx_chart_err(x, rc, s, 2);
        if (created) {
            x->res->n_contacts++;
            x->res->unchanged = false;
        }
    }
    const char *csys = fx_printf(x, "hl7-in1:%lld", (long long)x->patient_id);
    for (size_t s = folio_hl7_find(x->m, "IN1", 0); s != FOLIO_HL7_NONE;
         s = folio_hl7_find(x->m, "IN1", s + 1)) {
        struct folio_coverage c = {0};
        char eff[48], exp[48];
        bool created = false;
        c.payer_id = nz(fx_get(x, s, 3, 1, 1, 0));
        c.payer_name = nz(fx_get(x, s, 4, 1, 1, 0));
        if (!c.payer_id && !c.payer_name) {
            fx_error(x, s, 3, 1, 1, FOLIO_HL7_E_REQUIRED_MISSING, FOLIO_FEED_SEV_WARNING,
                     "IN1-3/IN1-4 insurance company missing; coverage not stored");
            continue;
        }
        c.plan_id = nz(fx_get(x, s, 2, 1, 1, 0));
        c.plan_type = nz(fx_get(x, s, 15, 1, 1, 0));
        c.group_number = nz(fx_get(x, s, 8, 1, 1, 0));
        c.member_id = nz(fx_get(x, s, 36, 1, 1, 0));
        c.subscriber = nz(fx_printf(x, "%s %s", fx_get(x, s, 16, 1, 2, 0), fx_get(x, s, 16, 1, 1, 1)));
        c.relationship = nz(fx_get(x, s, 17, 1, 1, 0));
        /* IN1-12/13 are DT: only the date part is kept */
        if (!fx_time(x, s, 12, 1, eff, FOLIO_FEED_SEV_WARNING))
            eff[0] = '\0';
        if (!fx_time(x, s, 13, 1, exp, FOLIO_FEED_SEV_WARNING))
            exp[0] = '\0';
        eff[10] = exp[10] = '\0';
        c.effective = nz(eff);
        c.expires = nz(exp);
        c.ext_system = csys;
        c.ext_id = fx_printf(x, "%.200s|%.200s|%.200s", c.payer_id ? c.payer_id : "",
                             c.plan_id ? c.plan_id : "", c.member_id ? c.member_id : "");
        rc = folio_coverage_add(&x->chart, x->patient_id, &c, NULL, &created, x->err);
        if (rc)
            return fx_chart_err(x, rc, s, 3);
        if (created) {
            x->res->n_coverages++;
            x->res->unchanged = false;
        }
    }
    return FOLIO_OK;
}

/* ---- triggers ---- */

enum kind {
    K_ADMIT,       /* A01 A04: create patient + visit (in progress) */
    K_PREADMIT,    /* A05 A14: create patient + visit (planned) */
    K_SNAPSHOT,    /* A02 A03 A06 A07 A08: create when unknown, then the event */
    K_CANCEL,      /* A11 A12 A13 A27: need the visit */
    K_PERSON,      /* A28 A31 */
    K_MERGE,       /* A40 */
    K_REVIEW,      /* A29 A41 A45 A47: AE, sent to HIM review */
    K_UNSUPPORTED, /* AR 201 */
};

static const struct {
    const char *trigger;
    enum kind kind;
    const char *action;
} triggers[] = {
    {"A01", K_ADMIT, "admit"},
    {"A04", K_ADMIT, "register"},
    {"A05", K_PREADMIT, "pre-admit"},
    {"A14", K_PREADMIT, "pending-admit"},
    {"A02", K_SNAPSHOT, "transfer"},
    {"A03", K_SNAPSHOT, "discharge"},
    {"A06", K_SNAPSHOT, "change-class"},
    {"A07", K_SNAPSHOT, "change-class"},
    {"A08", K_SNAPSHOT, "update"},
    {"A11", K_CANCEL, "cancel-admit"},
    {"A27", K_CANCEL, "cancel-pending-admit"},
    {"A12", K_CANCEL, "cancel-transfer"},
    {"A13", K_CANCEL, "cancel-discharge"},
    {"A28", K_PERSON, "person-add"},
    {"A31", K_PERSON, "person-update"},
    {"A40", K_MERGE, "merge-request"},
    {"A29", K_REVIEW, "none"},
    {"A41", K_REVIEW, "none"},
    {"A45", K_REVIEW, "none"},
    {"A47", K_REVIEW, "none"},
};

/* A40: a sender says the patient of MRG-1 is the same person as the one of PID-3. The request is
 * kept as received (feed_merge_request) and put on the MPI's potential-duplicate worklist for a
 * person to confirm: never merged automatically (a false merge mixes two people's care; a missed
 * duplicate only costs a review). docs/hl7-mapping.md "A40", docs/mpi-merge.md. */
static enum folio_rc merge_request(struct fctx *x)
{
    size_t mrg = folio_hl7_find(x->m, "MRG", 0);
    const char *value = fx_get(x, mrg, 1, 1, 1, 0);
    const char *kind = fx_get(x, mrg, 1, 1, 5, 0);
    const char *assigner, *state = NULL;
    int64_t prior = 0, req_id = 0, pair_id = 0;
    char now[32];
    bool row = false;
    struct folio_stmt *st = NULL;
    enum folio_rc rc;
    if (!*value) {
        fx_error(x, mrg, 1, 1, 1, FOLIO_HL7_E_REQUIRED_MISSING, FOLIO_FEED_SEV_ERROR,
                 "MRG-1 prior patient identifier is required");
        return FOLIO_OK;
    }
    if (!*kind)
        kind = "PI";
    assigner = fx_get(x, mrg, 1, 1, 4, 1);
    if (!*assigner)
        assigner = x->facility;
    rc = folio_patient_find_by_identifier(&x->chart, kind, assigner, value, &prior, x->err);
    if (rc == FOLIO_ENOTFOUND) {
        folio_err_clear(x->err);
        fx_error(x, mrg, 1, 1, 1, FOLIO_HL7_E_UNKNOWN_KEY, FOLIO_FEED_SEV_ERROR,
                 "MRG-1: no patient has identifier '%s' (%s, %s): nothing to merge", value, kind,
                 assigner);
        return FOLIO_OK;
    }
    if (rc)
        return rc;
    x->res->prior_patient_id = prior;
    if (prior == x->patient_id)
        return FOLIO_OK; /* the same chart: nothing to do */
    folio_time_now_utc(now);
    rc = folio_store_prepare(x->chart.store,
                             "INSERT INTO feed_merge_request (surviving_patient_id, "
                             "prior_patient_id, prior_kind, prior_assigner, prior_value, "
                             "prior_account, sender, control_id, status, requested_at, "
                             "requested_by) VALUES (?,?,?,?,?,?,?,?,'pending',?,?) "
                             "ON CONFLICT (surviving_patient_id, prior_value, prior_kind, "
                             "prior_assigner) DO NOTHING RETURNING id",
                             &st, x->err);
    if (rc)
        return rc;
    const char *acc = fx_get(x, mrg, 3, 1, 1, 0);
    if ((rc = folio_stmt_bind_i64(st, 1, x->patient_id)) ||
        (rc = folio_stmt_bind_i64(st, 2, prior)) ||
        (rc = folio_stmt_bind_text(st, 3, kind, (size_t)-1)) ||
        (rc = folio_stmt_bind_text(st, 4, assigner, (size_t)-1)) ||
        (rc = folio_stmt_bind_text(st, 5, value, (size_t)-1)) ||
        (rc = (*acc ? folio_stmt_bind_text(st, 6, acc, (size_t)-1) : folio_stmt_bind_null(st, 6))) ||
        (rc = folio_stmt_bind_text(st, 7, x->msh->sending_app, (size_t)-1)) ||
        (rc = folio_stmt_bind_text(st, 8, x->msh->control_id, (size_t)-1)) ||
        (rc = folio_stmt_bind_text(st, 9, now, (size_t)-1)) ||
        (rc = folio_stmt_bind_text(st, 10, x->chart.actor, (size_t)-1))) {
        folio_stmt_free(st);
        return folio_err_set(x->err, rc, NULL, "binding the merge request failed");
    }
    rc = folio_stmt_step(st, &row, x->err);
    if (rc == FOLIO_OK && row) {
        req_id = folio_stmt_column_i64(st, 0);
        x->res->unchanged = false;
    }
    folio_stmt_free(st);
    st = NULL;
    if (rc)
        return rc;
    if (!row) { /* the same request again: the one already recorded */
        rc = folio_store_prepare(x->chart.store,
                                 "SELECT id FROM feed_merge_request WHERE surviving_patient_id "
                                 "= ? AND prior_value = ? AND prior_kind = ? AND "
                                 "prior_assigner = ?",
                                 &st, x->err);
        if (rc)
            return rc;
        if ((rc = folio_stmt_bind_i64(st, 1, x->patient_id)) ||
            (rc = folio_stmt_bind_text(st, 2, value, (size_t)-1)) ||
            (rc = folio_stmt_bind_text(st, 3, kind, (size_t)-1)) ||
            (rc = folio_stmt_bind_text(st, 4, assigner, (size_t)-1)))
            rc = folio_err_set(x->err, rc, NULL, "binding the merge request failed");
        else
            rc = folio_stmt_step(st, &row, x->err);
        if (rc == FOLIO_OK && row)
            req_id = folio_stmt_column_i64(st, 0);
        folio_stmt_free(st);
        if (rc)
            return rc;
    }
    rc = folio_mpi_worklist_request(&x->chart, x->patient_id, prior, req_id,
                                    fx_printf(x, "ADT^A40 from %.100s (message %.100s)",
                                              x->msh->sending_app, x->msh->control_id),
                                    &pair_id, &state, x->err);
    if (rc)
        return rc;
    fx_error(x, mrg, 1, 1, 1, 0, FOLIO_FEED_SEV_INFO,
             "merge of patient %lld into %lld sent to the duplicate worklist (pair %lld, %s) for "
             "HIM review; no data moved",
             (long long)prior, (long long)x->patient_id, (long long)pair_id, state ? state : "open");
    return FOLIO_OK;
}

/* Identity search at registration (issue 5, Deliver 2): the patient this message just created
 * (its PID-3 identifiers were unknown) is searched for among the indexed patients; every other
 * patient scoring in the review band or above goes to the potential-duplicate worklist (source
 * "hl7") and is named in an informational ERR. Never merged automatically: a false merge mixes two
 * people's care, a missed duplicate only costs a review. docs/hl7-mapping.md "Per trigger". */
static enum folio_rc propose_duplicates(struct fctx *x)
{
    struct folio_mpi_model model;
    struct folio_mpi_candidate *cand = NULL;
    size_t n = 0;
    enum folio_rc rc;
    folio_mpi_model_default(&model);
    struct folio_mpi_search_opts o = {.model = &model, .limit = 10, .min_score = model.low};
    rc = folio_mpi_find_duplicates(&x->chart, x->patient_id, &o, &x->a, &cand, &n, x->err);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        const struct folio_mpi_candidate *k = &cand[i];
        int64_t pair_id = 0;
        const char *state = NULL;
        if (k->patient_id == x->patient_id || k->score.decision == FOLIO_MPI_NONLINK)
            continue;
        rc = folio_mpi_worklist_propose(
            &x->chart, x->patient_id, k->patient_id, &k->score, "hl7",
            fx_printf(x, "ADT^%.10s from %.100s (message %.100s) registered patient %lld",
                      x->msh->trigger, x->msh->sending_app, x->msh->control_id,
                      (long long)x->patient_id),
            &pair_id, &state, x->err);
        if (rc)
            return rc;
        if (!state || strcmp(state, "open") != 0)
            continue; /* a person already decided this pair */
        fx_error(x, folio_hl7_find(x->m, "PID", 0), 3, 1, 1, 0, FOLIO_FEED_SEV_INFO,
                 "possible duplicate of patient %lld (score %.1f, %s) queued for review "
                 "(worklist pair %lld); not merged",
                 (long long)k->patient_id, k->score.score,
                 folio_mpi_decision_name(k->score.decision), (long long)pair_id);
    }
    return FOLIO_OK;
}

/* The registration events: a person registered (A04) or added (A28). Identity search is the
 * check a registrar makes before creating a chart, so it runs for these (issue 5, Deliver 2);
 * other events that happen to create a patient (an A01 direct admission, an A08 for an unknown
 * identifier) are indexed at once and reach the worklist through `folio mpi scan`. The check
 * costs a search and scoring inside the acknowledgement's transaction: running it on every
 * admission cut the MLLP throughput to a third (bench/mllp/README.md). */
static bool registration_event(const struct fctx *x)
{
    const char *tr = x->msh->trigger;
    return tr && (strcmp(tr, "A04") == 0 || strcmp(tr, "A28") == 0);
}

/* The patient of PID (fx_patient), then its identity index entry when PID created or changed
 * it, in the same transaction (docs/mpi-matching.md); a patient a registration event created is
 * then checked for likely duplicates (propose_duplicates). */
static enum folio_rc patient_indexed(struct fctx *x, bool may_create, bool update)
{
    enum folio_rc rc = fx_patient(x, may_create, update);
    if (rc || fx_failed(x) || !x->patient_id || x->res->unchanged)
        return rc;
    rc = folio_mpi_index_patient(&x->chart, x->patient_id, x->err);
    if (rc || !x->res->created_patient || !registration_event(x))
        return rc;
    return propose_duplicates(x);
}

enum folio_rc feed_adt(struct fctx *x)
{
    const char *tr = x->msh->trigger;
    enum kind kind = K_UNSUPPORTED;
    enum folio_rc rc = FOLIO_OK;
    size_t pv1 = folio_hl7_find(x->m, "PV1", 0);
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(triggers); i++)
        if (!strcmp(triggers[i].trigger, tr)) {
            kind = triggers[i].kind;
            x->res->action = triggers[i].action;
        }
    switch (kind) {
    case K_UNSUPPORTED:
        fx_error(x, 0, 9, 1, 2, FOLIO_HL7_E_UNSUPPORTED_EVENT, FOLIO_FEED_SEV_ERROR,
                 "MSH-9.2: ADT event '%s' is not applied by Folio (see docs/hl7-mapping.md)", tr);
        return FOLIO_OK;
    case K_REVIEW:
        fx_error(x, 0, 9, 1, 2, FOLIO_HL7_E_RECORD_LOCKED, FOLIO_FEED_SEV_ERROR,
                 "ADT^%s changes patient identity (%s): not applied automatically; held in the "
                 "interface errors queue for HIM review",
                 tr,
                 !strcmp(tr, "A29")   ? "delete person information; Folio never deletes a chart"
                 : !strcmp(tr, "A41") ? "merge account"
                 : !strcmp(tr, "A45") ? "move visit to another patient"
                                      : "change patient identifier list");
        return FOLIO_OK;
    case K_PERSON:
        rc = patient_indexed(x, !strcmp(tr, "A28"), true);
        if (rc || fx_failed(x))
            return rc;
        rc = contacts(x);
        return rc;
    case K_MERGE:
        rc = fx_patient(x, false, false);
        if (rc || fx_failed(x))
            return rc;
        return merge_request(x);
    default:
        break;
    }
    if (pv1 == FOLIO_HL7_NONE) {
        fx_error(x, FOLIO_HL7_NONE, 0, 0, 0, FOLIO_HL7_E_SEGMENT_SEQUENCE, FOLIO_FEED_SEV_ERROR,
                 "ADT^%s needs a PV1 segment", tr);
        return FOLIO_OK;
    }
    if (kind == K_CANCEL) {
        bool found = false;
        struct folio_encounter e;
        rc = fx_patient(x, false, false);
        if (rc || fx_failed(x))
            return rc;
        rc = fx_find_visit(x, pv1, &x->encounter_id, &found);
        if (rc)
            return rc;
        if (!found) {
            fx_error(x, pv1, 19, 1, 1, FOLIO_HL7_E_UNKNOWN_KEY, FOLIO_FEED_SEV_ERROR,
                     "PV1-19: no visit '%s' to cancel", account_of(x, pv1));
            return FOLIO_OK;
        }
        x->res->encounter_id = x->encounter_id;
        rc = folio_encounter_get(&x->chart, x->encounter_id, &x->a, &e, x->err);
        if (rc)
            return rc;
        const char *why = fx_printf(x, "ADT^%s from %s (message %s)", tr, x->msh->sending_app,
                                    x->msh->control_id);
        if (!strcmp(tr, "A11") || !strcmp(tr, "A27")) {
            if (!strcmp(e.status, "cancelled"))
                return FOLIO_OK; /* already done */
            rc = folio_encounter_cancel(&x->chart, x->encounter_id, why, x->err);
        } else if (!strcmp(tr, "A13")) {
            if (strcmp(e.status, "discharged") != 0)
                return FOLIO_OK; /* not discharged (any more): nothing to undo */
            rc = folio_encounter_cancel_discharge(&x->chart, x->encounter_id, why, x->err);
        } else {
            rc = folio_encounter_cancel_transfer(&x->chart, x->encounter_id, why, x->err);
        }
        if (rc)
            return fx_chart_err(x, rc, pv1, 19);
        x->res->unchanged = false;
        return FOLIO_OK;
    }
    rc = patient_indexed(x, true, true);
    if (rc || fx_failed(x))
        return rc;
    bool planned = kind == K_PREADMIT;
    bool update = kind != K_ADMIT || true;
    bool existed;
    {
        bool found = false;
        int64_t eid = 0;
        rc = fx_find_visit(x, pv1, &eid, &found);
        if (rc)
            return rc;
        existed = found;
    }
    rc = upsert_visit(x, pv1, planned, update);
    if (rc || fx_failed(x))
        return rc;
    if (existed && (!strcmp(tr, "A02") || !strcmp(tr, "A03"))) {
        struct folio_encounter e;
        rc = folio_encounter_get(&x->chart, x->encounter_id, &x->a, &e, x->err);
        if (rc)
            return rc;
        if (!strcmp(tr, "A02")) {
            const char *loc = location_of(x, pv1, 3);
            char at[48];
            if (!loc) {
                fx_error(x, pv1, 3, 1, 1, FOLIO_HL7_E_REQUIRED_MISSING, FOLIO_FEED_SEV_ERROR,
                         "PV1-3 new location is required for a transfer");
                return FOLIO_OK;
            }
            if (e.location && !strcmp(e.location, loc))
                ; /* already there (a repeat) */
            else {
                if (!event_time(x, at))
                    return FOLIO_OK;
                rc = folio_encounter_transfer(&x->chart, x->encounter_id, loc, at, x->err);
                if (rc)
                    return fx_chart_err(x, rc, pv1, 3);
                x->res->unchanged = false;
            }
        } else if (strcmp(e.status, "discharged") != 0) {
            char at[48];
            if (!fx_time(x, pv1, 45, 1, at, FOLIO_FEED_SEV_ERROR))
                return FOLIO_OK;
            if (!at[0] && !event_time(x, at))
                return FOLIO_OK;
            rc = folio_encounter_discharge(&x->chart, x->encounter_id, at, disposition_of(x, pv1),
                                           x->err);
            if (rc)
                return fx_chart_err(x, rc, pv1, 45);
            x->res->unchanged = false;
        }
    } else if (!existed && !strcmp(tr, "A03") && x->res->created_encounter) {
        struct folio_encounter e;
        rc = folio_encounter_get(&x->chart, x->encounter_id, &x->a, &e, x->err);
        if (rc)
            return rc;
        if (strcmp(e.status, "discharged") != 0) {
            char at[48];
            if (!event_time(x, at))
                return FOLIO_OK;
            rc = folio_encounter_discharge(&x->chart, x->encounter_id, at, disposition_of(x, pv1),
                                           x->err);
            if (rc)
                return fx_chart_err(x, rc, pv1, 45);
        }
    }
    rc = diagnoses(x);
    if (rc == FOLIO_OK)
        rc = contacts(x);
    return rc;
}

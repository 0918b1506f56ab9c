/* Visit changes after creation (HL7 A06/A07/A08/A12/A13), contacts (NK1) and coverage (IN1). */
#include "folio/base.h"
#include "records/records_int.h"

static enum folio_rc enc_event(const struct folio_chart *c, int64_t id, const char *event,
                               const char *detail, const char *reason, const char *now,
                               struct folio_err *err)
{
    return rec_exec(c, NULL, NULL, err,
                    "INSERT INTO encounter_event (encounter_id, event, detail, reason, at, "
                    "recorded_by) VALUES (?,?,?,?,?,?)",
                    "iTttTT", id, event, detail, reason, now, rec_actor(c));
}

static bool differs(const char *newv, const char *old)
{
    if (newv == NULL)
        return false;
    return strcmp(newv, old ? old : "") != 0;
}

enum folio_rc folio_encounter_update(const struct folio_chart *c, int64_t id,
                                     const struct folio_encounter_update *u, const char *event,
                                     bool *changed, struct folio_err *err)
{
    struct folio_arena a;
    struct folio_encounter e = {0};
    struct folio_buf detail;
    char now[32], admit[48];
    const char *cls = NULL, *status = NULL, *admit_at = NULL;
    bool any = false;
    enum folio_rc rc;

    folio_arena_init(&a, 0);
    folio_buf_init(&detail, 8192);
    if (changed)
        *changed = false;
    if (!u) {
        rc = folio_err_set(err, FOLIO_EINVAL, NULL, "no update given");
        goto done;
    }
    if (!folio_str_empty(u->enc_class) || !folio_str_empty(u->source_class)) {
        cls = !folio_str_empty(u->enc_class) ? u->enc_class
                                              : folio_encounter_class_from_source(u->source_class);
        if (!cls) {
            rc = folio_err_set(err, FOLIO_EINVAL, "class", "source class '%s' is not known",
                               u->source_class);
            goto done;
        }
    }
    if (!folio_str_empty(u->status) && strcmp(u->status, "in-progress") != 0) {
        rc = folio_err_set(err, FOLIO_EINVAL, "status", "status '%s' cannot be set by an update",
                           u->status);
        goto done;
    }
    if ((rc = rec_norm_time(u->admit_at, admit, "admit_at", err)))
        goto done;
    if (admit[0])
        admit_at = admit;
    if (!folio_str_empty(u->admit_type) && !folio_ub04_admit_type_title(u->admit_type)) {
        rc = folio_err_set(err, FOLIO_EINVAL, "admit_type",
                           "'%s' is not a UB-04 priority of admission code", u->admit_type);
        goto done;
    }
    if (!folio_str_empty(u->admit_source) && !folio_ub04_admit_source_title(u->admit_source)) {
        rc = folio_err_set(err, FOLIO_EINVAL, "admit_source",
                           "'%s' is not a UB-04 point of origin code", u->admit_source);
        goto done;
    }
    if ((rc = rec_check_text(u->service, 1024, "service", err)) ||
        (rc = rec_check_text(u->reason, 1024, "reason", err)) ||
        (rc = rec_check_text(u->source_class, 1024, "source_class", err)))
        goto done;
    rc = rec_begin(c, err);
    if (rc)
        goto done;
    rc = folio_encounter_get(c, id, &a, &e, err);
    if (rc)
        goto out;
    if (strcmp(e.status, "cancelled") == 0) {
        rc = folio_err_set(err, FOLIO_ESTATE, "status", "encounter %lld is cancelled",
                           (long long)id);
        goto out;
    }
    status = u->status;
    if (status && strcmp(e.status, "planned") != 0)
        status = NULL; /* only a planned visit is admitted by an update */
    if (status && !admit_at && folio_str_empty(e.admit_at)) {
        rc = folio_err_set(err, FOLIO_EINVAL, "admit_at", "admit_at is required to admit");
        goto out;
    }
    const struct {
        const char *col, *newv, *old;
    } f[] = {
        {"enc_class", cls, e.enc_class},          {"source_class", rec_nz(u->source_class), e.source_class},
        {"status", status, e.status},             {"admit_at", admit_at, e.admit_at},
        {"admit_type", rec_nz(u->admit_type), e.admit_type},
        {"admit_source", rec_nz(u->admit_source), e.admit_source},
        {"service", rec_nz(u->service), e.service}, {"reason", rec_nz(u->reason), e.reason},
    };
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(f); i++) {
        if (!differs(f[i].newv, f[i].old))
            continue;
        any = true;
        if ((rc = folio_buf_appendf(&detail, "%s%s=%s", detail.len ? "; " : "", f[i].col,
                                 f[i].old ? f[i].old : "")))
            goto out;
    }
    if (!any)
        goto out;
    rec_now(now);
    rc = rec_exec(c, NULL, NULL, err,
                  "UPDATE encounter SET enc_class = COALESCE(?, enc_class), "
                  "source_class = COALESCE(?, source_class), status = COALESCE(?, status), "
                  "admit_at = COALESCE(?, admit_at), admit_type = COALESCE(?, admit_type), "
                  "admit_source = COALESCE(?, admit_source), service = COALESCE(?, service), "
                  "reason = COALESCE(?, reason), version = version + 1, updated_at = ?, "
                  "updated_by = ? WHERE id = ?",
                  "ttttttttTTi", cls, u->source_class, status, admit_at, u->admit_type,
                  u->admit_source, u->service, u->reason, now, rec_actor(c), id);
    if (rc == FOLIO_OK)
        rc = enc_event(c, id, event ? event : "update", detail.data ? detail.data : "", NULL, now, err);
    if (rc == FOLIO_OK && changed)
        *changed = true;
out:
    rc = rec_finish(c, rc, err);
done:
    folio_buf_release(&detail);
    folio_arena_release(&a);
    return rc;
}

static enum folio_rc enc_status(const struct folio_chart *c, int64_t id, struct folio_arena *a,
                                struct folio_encounter *e, struct folio_err *err)
{
    return folio_encounter_get(c, id, a, e, err);
}

enum folio_rc folio_encounter_cancel_discharge(const struct folio_chart *c, int64_t id,
                                               const char *reason, struct folio_err *err)
{
    struct folio_arena a;
    struct folio_encounter e = {0};
    char now[32], detail[256];
    enum folio_rc rc;

    if (folio_str_empty(reason))
        return folio_err_set(err, FOLIO_EINVAL, "reason", "a reason is required");
    if ((rc = rec_check_text(reason, 1024, "reason", err)))
        return rc;
    folio_arena_init(&a, 0);
    rc = rec_begin(c, err);
    if (rc)
        goto done;
    rc = enc_status(c, id, &a, &e, err);
    if (rc)
        goto out;
    if (strcmp(e.status, "discharged") != 0 || folio_str_empty(e.discharge_at)) {
        rc = folio_err_set(err, FOLIO_ESTATE, "status", "encounter %lld is %s, not discharged",
                           (long long)id, e.status);
        goto out;
    }
    rec_now(now);
    snprintf(detail, sizeof detail, "status=discharged; discharge_at=%s; disposition=%s",
             e.discharge_at, e.disposition ? e.disposition : "");
    rc = rec_exec(c, NULL, NULL, err,
                  "UPDATE encounter SET status = 'in-progress', discharge_at = NULL, "
                  "disposition = NULL, version = version + 1, updated_at = ?, updated_by = ? "
                  "WHERE id = ?",
                  "TTi", now, rec_actor(c), id);
    /* reopen what the discharge closed: the newest location, providers closed at that time */
    if (rc == FOLIO_OK)
        rc = rec_exec(c, NULL, NULL, err,
                      "UPDATE encounter_location SET to_at = NULL WHERE id = (SELECT MAX(id) "
                      "FROM encounter_location WHERE encounter_id = ? AND cancelled_at IS NULL) "
                      "AND to_at = ?",
                      "iT", id, e.discharge_at);
    if (rc == FOLIO_OK)
        rc = rec_exec(c, NULL, NULL, err,
                      "UPDATE encounter_provider SET to_at = NULL WHERE encounter_id = ? AND "
                      "to_at = ?",
                      "iT", id, e.discharge_at);
    if (rc == FOLIO_OK)
        rc = enc_event(c, id, "cancel-discharge", detail, reason, now, err);
out:
    rc = rec_finish(c, rc, err);
done:
    folio_arena_release(&a);
    return rc;
}

enum folio_rc folio_encounter_cancel_transfer(const struct folio_chart *c, int64_t id,
                                              const char *reason, struct folio_err *err)
{
    struct folio_arena a;
    struct folio_encounter e = {0};
    char now[32], detail[600];
    int64_t cur = 0, prev = 0;
    bool found = false;
    enum folio_rc rc;

    if (folio_str_empty(reason))
        return folio_err_set(err, FOLIO_EINVAL, "reason", "a reason is required");
    if ((rc = rec_check_text(reason, 1024, "reason", err)))
        return rc;
    folio_arena_init(&a, 0);
    rc = rec_begin(c, err);
    if (rc)
        goto done;
    rc = enc_status(c, id, &a, &e, err);
    if (rc)
        goto out;
    if (strcmp(e.status, "in-progress") != 0) {
        rc = folio_err_set(err, FOLIO_ESTATE, "status", "encounter %lld is %s, not in progress",
                           (long long)id, e.status);
        goto out;
    }
    rc = rec_query_i64(c, &cur, &found, err,
                       "SELECT id FROM encounter_location WHERE encounter_id = ? AND to_at IS "
                       "NULL AND cancelled_at IS NULL ORDER BY id DESC LIMIT 1",
                       "i", id);
    if (rc == FOLIO_OK && found)
        rc = rec_query_i64(c, &prev, &found, err,
                           "SELECT id FROM encounter_location WHERE encounter_id = ? AND id < ? "
                           "AND cancelled_at IS NULL ORDER BY id DESC LIMIT 1",
                           "ii", id, cur);
    if (rc)
        goto out;
    if (!cur || !found) {
        rc = folio_err_set(err, FOLIO_ESTATE, "location",
                           "encounter %lld has no transfer to cancel", (long long)id);
        goto out;
    }
    rec_now(now);
    snprintf(detail, sizeof detail, "location=%s", e.location ? e.location : "");
    rc = rec_exec(c, NULL, NULL, err,
                  "UPDATE encounter_location SET cancelled_at = ?, to_at = from_at WHERE id = ?",
                  "Ti", now, cur);
    if (rc == FOLIO_OK)
        rc = rec_exec(c, NULL, NULL, err, "UPDATE encounter_location SET to_at = NULL WHERE id = ?",
                      "i", prev);
    if (rc == FOLIO_OK)
        rc = rec_exec(c, NULL, NULL, err,
                      "UPDATE encounter SET version = version + 1, updated_at = ?, updated_by = ? "
                      "WHERE id = ?",
                      "TTi", now, rec_actor(c), id);
    if (rc == FOLIO_OK)
        rc = enc_event(c, id, "cancel-transfer", detail, reason, now, err);
out:
    rc = rec_finish(c, rc, err);
done:
    folio_arena_release(&a);
    return rc;
}

static enum folio_rc add_by_ext(const struct folio_chart *c, const char *table,
                                const char *ext_system, const char *ext_id, int64_t *id,
                                bool *found, struct folio_err *err)
{
    *found = false;
    if (folio_str_empty(ext_system) || folio_str_empty(ext_id))
        return FOLIO_OK;
    if (strcmp(table, "patient_contact") == 0)
        return rec_query_i64(c, id, found, err,
                             "SELECT id FROM patient_contact WHERE ext_system = ? AND ext_id = ?",
                             "TT", ext_system, ext_id);
    return rec_query_i64(c, id, found, err,
                         "SELECT id FROM coverage WHERE ext_system = ? AND ext_id = ?", "TT",
                         ext_system, ext_id);
}

enum folio_rc folio_patient_add_contact(const struct folio_chart *c, int64_t patient_id,
                                        const struct folio_contact *in, int64_t *id_out,
                                        bool *created, struct folio_err *err)
{
    char now[32];
    int64_t id = 0;
    bool found = false;
    enum folio_rc rc;
    if (created)
        *created = false;
    if (!in || (folio_str_empty(in->family) && folio_str_empty(in->given)))
        return folio_err_set(err, FOLIO_EINVAL, "name", "a contact needs a family or given name");
    const char *parts[] = {in->relationship, in->contact_role, in->family, in->given, in->phone,
                           in->address};
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(parts); i++)
        if ((rc = rec_check_text(parts[i], 1024, "contact", err)))
            return rc;
    if ((rc = rec_check_ext(in->ext_system, in->ext_id, err)))
        return rc;
    rc = rec_begin(c, err);
    if (rc)
        return rc;
    rc = rec_require(c, "SELECT id FROM patient WHERE id = ?", patient_id, "patient_id", "patient",
                     err);
    if (rc == FOLIO_OK)
        rc = add_by_ext(c, "patient_contact", in->ext_system, in->ext_id, &id, &found, err);
    if (rc || found)
        goto out;
    rec_now(now);
    rc = rec_exec(c, &id, NULL, err,
                  "INSERT INTO patient_contact (patient_id, relationship, contact_role, family, "
                  "given, phone, address, ext_system, ext_id, created_at, created_by) "
                  "VALUES (?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
                  "ittttttttTT", patient_id, in->relationship, in->contact_role, in->family,
                  in->given, in->phone, in->address, in->ext_system, in->ext_id, now,
                  rec_actor(c));
    if (rc == FOLIO_OK && created)
        *created = true;
out:
    rc = rec_finish(c, rc, err);
    if (rc == FOLIO_OK && id_out)
        *id_out = id;
    return rc;
}

enum folio_rc folio_coverage_add(const struct folio_chart *c, int64_t patient_id,
                                 const struct folio_coverage *in, int64_t *id_out, bool *created,
                                 struct folio_err *err)
{
    char now[32], eff[48], exp[48];
    int64_t id = 0;
    bool found = false;
    enum folio_rc rc;
    if (created)
        *created = false;
    if (!in || (folio_str_empty(in->payer_name) && folio_str_empty(in->payer_id)))
        return folio_err_set(err, FOLIO_EINVAL, "payer", "a coverage needs a payer");
    const char *parts[] = {in->payer_id,     in->payer_name, in->plan_id,    in->plan_type,
                           in->group_number, in->member_id,  in->subscriber, in->relationship};
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(parts); i++)
        if ((rc = rec_check_text(parts[i], 1024, "coverage", err)))
            return rc;
    if ((rc = rec_norm_date(in->effective, eff, "effective", err)) ||
        (rc = rec_norm_date(in->expires, exp, "expires", err)) ||
        (rc = rec_check_ext(in->ext_system, in->ext_id, err)))
        return rc;
    rc = rec_begin(c, err);
    if (rc)
        return rc;
    rc = rec_require(c, "SELECT id FROM patient WHERE id = ?", patient_id, "patient_id", "patient",
                     err);
    if (rc == FOLIO_OK)
        rc = add_by_ext(c, "coverage", in->ext_system, in->ext_id, &id, &found, err);
    if (rc || found)
        goto out;
    rec_now(now);
    rc = rec_exec(c, &id, NULL, err,
                  "INSERT INTO coverage (patient_id, payer_id, payer_name, plan_id, plan_type, "
                  "group_number, member_id, subscriber, relationship, effective, expires, "
                  "ext_system, ext_id, created_at, created_by) "
                  "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
                  "itttttttttttt" "TT", patient_id, in->payer_id, in->payer_name, in->plan_id,
                  in->plan_type, in->group_number, in->member_id, in->subscriber,
                  in->relationship, eff, exp, in->ext_system, in->ext_id, now, rec_actor(c));
    if (rc == FOLIO_OK && created)
        *created = true;
out:
    rc = rec_finish(c, rc, err);
    if (rc == FOLIO_OK && id_out)
        *id_out = id;
    return rc;
}

enum folio_rc folio_patient_count_contacts(const struct folio_chart *c, int64_t patient_id,
                                           int64_t *contacts, int64_t *coverages,
                                           struct folio_err *err)
{
    bool found = false;
    enum folio_rc rc = rec_query_i64(c, contacts, &found, err,
                                     "SELECT COUNT(*) FROM patient_contact WHERE patient_id = ?",
                                     "i", patient_id);
    if (rc == FOLIO_OK)
        rc = rec_query_i64(c, coverages, &found, err,
                           "SELECT COUNT(*) FROM coverage WHERE patient_id = ?", "i", patient_id);
    return rc;
}

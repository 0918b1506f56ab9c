/* Facilities, providers and encounters (locations, provider roles). */
#include "folio/base.h"

#include "folio/records.h"
#include "records/records_int.h"

/* ---- facilities ---- */
enum folio_rc folio_facility_ensure(const struct folio_chart *c, const char *code, const char *name,
                                    int64_t *id_out, struct folio_err *err)
{
    char now[32];
    bool found = false;
    int64_t id = 0;
    if (folio_str_empty(code) || strlen(code) > 64)
        return folio_err_set(err, FOLIO_EINVAL, "facility_code",
                             "facility code '%s' must have 1 to 64 characters", code ? code : "");
    enum folio_rc rc = rec_check_text(code, 64, "facility_code", err);
    if (rc == FOLIO_OK)
        rc = rec_check_text(name, 256, "facility_name", err);
    if (rc)
        return rc;
    rc = rec_begin(c, err);
    if (rc)
        return rc;
    rec_now(now);
    rc = rec_exec(c, NULL, NULL, err,
                  "INSERT INTO facility (code, name, created_at, created_by) VALUES (?,?,?,?) "
                  "ON CONFLICT (code) DO NOTHING",
                  "TTTT", code, folio_str_empty(name) ? code : name, now, rec_actor(c));
    if (rc == FOLIO_OK)
        rc = rec_query_i64(c, &id, &found, err, "SELECT id FROM facility WHERE code = ?", "T",
                           code);
    if (rc == FOLIO_OK && !found)
        rc = folio_err_set(err, FOLIO_EINTERNAL, "facility_code", "facility vanished");
    rc = rec_finish(c, rc, err);
    if (rc == FOLIO_OK && id_out)
        *id_out = id;
    return rc;
}

enum folio_rc folio_facility_get(const struct folio_chart *c, const char *code,
                                 struct folio_arena *a, struct folio_facility *out,
                                 struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false, oom = false;
    memset(out, 0, sizeof *out);
    enum folio_rc rc = rec_prepare(c, &st, err, "SELECT id, code, name FROM facility WHERE code = ?",
                                   "T", code ? code : "");
    if (rc == FOLIO_OK)
        rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && !row)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "facility_code", "no facility with code '%s'",
                           code ? code : "");
    if (rc == FOLIO_OK) {
        out->id = rec_col_i64(st, 0);
        out->code = rec_col_str(a, st, 1, &oom);
        out->name = rec_col_str(a, st, 2, &oom);
        if (oom)
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    }
    folio_stmt_free(st);
    return rc;
}

/* ---- providers ---- */
enum folio_rc folio_provider_create(const struct folio_chart *c, const struct folio_provider *in,
                                    int64_t *id_out, struct folio_err *err)
{
    char now[32];
    enum folio_rc rc;
    if (!in)
        return folio_err_set(err, FOLIO_EINVAL, NULL, "no provider given");
    if (!folio_str_empty(in->npi) && !folio_npi_valid(in->npi))
        return folio_err_set(err, FOLIO_EINVAL, "npi",
                             "'%s' is not a valid NPI (10 digits with the CMS Luhn check digit)",
                             in->npi);
    if (folio_str_empty(in->family) && folio_str_empty(in->given))
        return folio_err_set(err, FOLIO_EINVAL, "family", "a provider needs a family or given name");
    if ((rc = rec_check_ext(in->ext_system, in->ext_id, err)))
        return rc;
    const struct {
        const char *v, *k;
    } parts[] = {{in->family, "family"},       {in->given, "given"},
                 {in->credentials, "credentials"}, {in->specialty, "specialty"}};
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(parts); i++)
        if ((rc = rec_check_text(parts[i].v, 256, parts[i].k, err)))
            return rc;
    rc = rec_begin(c, err);
    if (rc)
        return rc;
    rec_now(now);
    rc = rec_exec(c, id_out, NULL, err,
                  "INSERT INTO provider (npi, family, given, credentials, specialty, ext_system, "
                  "ext_id, created_at, created_by) VALUES (?,?,?,?,?,?,?,?,?) RETURNING id",
                  "tttttttTT", in->npi, in->family, in->given, in->credentials, in->specialty,
                  in->ext_system, in->ext_id, now, rec_actor(c));
    if (rc == FOLIO_ECONFLICT)
        rc = folio_err_set(err, FOLIO_ECONFLICT, folio_str_empty(in->npi) ? "ext_id" : "npi",
                           "a provider with NPI '%s' or external id '%s' already exists",
                           in->npi ? in->npi : "", in->ext_id ? in->ext_id : "");
    return rec_finish(c, rc, err);
}

enum folio_rc folio_provider_get(const struct folio_chart *c, int64_t id, struct folio_arena *a,
                                 struct folio_provider *out, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false, oom = false;
    memset(out, 0, sizeof *out);
    enum folio_rc rc = rec_prepare(c, &st, err,
                                   "SELECT id, npi, family, given, credentials, specialty, "
                                   "ext_system, ext_id FROM provider WHERE id = ?",
                                   "i", id);
    if (rc == FOLIO_OK)
        rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && !row)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "provider_id", "no provider with id %lld",
                           (long long)id);
    if (rc == FOLIO_OK) {
        out->id = rec_col_i64(st, 0);
        out->npi = rec_col_str(a, st, 1, &oom);
        out->family = rec_col_str(a, st, 2, &oom);
        out->given = rec_col_str(a, st, 3, &oom);
        out->credentials = rec_col_str(a, st, 4, &oom);
        out->specialty = rec_col_str(a, st, 5, &oom);
        out->ext_system = rec_col_str(a, st, 6, &oom);
        out->ext_id = rec_col_str(a, st, 7, &oom);
        if (oom)
            rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    }
    folio_stmt_free(st);
    return rc;
}

enum folio_rc folio_provider_find_npi(const struct folio_chart *c, const char *npi,
                                      int64_t *id_out, struct folio_err *err)
{
    bool found = false;
    if (!folio_npi_valid(npi))
        return folio_err_set(err, FOLIO_EINVAL, "npi", "'%s' is not a valid NPI", npi ? npi : "");
    enum folio_rc rc = rec_query_i64(c, id_out, &found, err,
                                     "SELECT id FROM provider WHERE npi = ?", "T", npi);
    if (rc == FOLIO_OK && !found)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "npi", "no provider with NPI %s", npi);
    return rc;
}

/* ---- encounters ---- */
static const char *const enc_classes[] = {"inpatient", "outpatient", "emergency", "observation",
                                          "newborn", NULL};
static const char *const enc_statuses[] = {"planned", "in-progress", "discharged", "cancelled",
                                           NULL};
static const char *const roles[] = {"attending", "admitting", "consulting", "referring", NULL};

/* "1" -> "01" for the two-digit disposition codes; NULL/"" -> NULL. */
static enum folio_rc norm_disposition(const char *in, char out[4], const char **res,
                                      struct folio_err *err)
{
    *res = NULL;
    if (folio_str_empty(in))
        return FOLIO_OK;
    size_t n = strlen(in);
    if (n == 1 && in[0] >= '0' && in[0] <= '9') {
        out[0] = '0';
        out[1] = in[0];
        out[2] = '\0';
    } else if (n == 2) {
        out[0] = in[0];
        out[1] = in[1];
        out[2] = '\0';
    } else {
        out[0] = '\0';
    }
    if (!folio_ub04_disposition_title(out))
        return folio_err_set(err, FOLIO_EINVAL, "disposition",
                             "'%s' is not a UB-04 patient discharge status code", in);
    *res = out;
    return FOLIO_OK;
}

enum folio_rc folio_encounter_create(const struct folio_chart *c,
                                     const struct folio_encounter_new *in, int64_t *id_out,
                                     struct folio_err *err)
{
    char now[32], admit[48], disch[48], dispbuf[4];
    const char *cls, *status, *disp = NULL;
    int64_t fac = 0, eid = 0;
    bool found = false;
    enum folio_rc rc;
    if (!in)
        return folio_err_set(err, FOLIO_EINVAL, NULL, "no encounter given");
    if (in->patient_id <= 0)
        return folio_err_set(err, FOLIO_EINVAL, "patient_id", "patient_id is required");
    if (folio_str_empty(in->facility_code))
        return folio_err_set(err, FOLIO_EINVAL, "facility_code", "facility_code is required");
    if (!folio_str_empty(in->enc_class)) {
        if (!(cls = rec_pick(in->enc_class, enc_classes)))
            return folio_err_set(err, FOLIO_EINVAL, "class",
                                 "unknown encounter class '%s' (inpatient, outpatient, emergency, "
                                 "observation, newborn)",
                                 in->enc_class);
    } else if (!(cls = folio_encounter_class_from_source(in->source_class))) {
        return folio_err_set(err, FOLIO_EINVAL, "class",
                             "encounter class missing and source class '%s' is not known",
                             in->source_class ? in->source_class : "");
    }
    if ((rc = rec_norm_time(in->admit_at, admit, "admit_at", err)) ||
        (rc = rec_norm_time(in->discharge_at, disch, "discharge_at", err)))
        return rc;
    if (!folio_str_empty(in->status)) {
        if (!(status = rec_pick(in->status, enc_statuses)))
            return folio_err_set(err, FOLIO_EINVAL, "status",
                                 "unknown encounter status '%s' (planned, in-progress, "
                                 "discharged, cancelled)",
                                 in->status);
    } else {
        status = disch[0] ? "discharged" : "in-progress";
    }
    if (!admit[0] && strcmp(status, "planned") != 0 && strcmp(status, "cancelled") != 0)
        return folio_err_set(err, FOLIO_EINVAL, "admit_at", "admit_at is required");
    if (disch[0] && strcmp(status, "discharged") != 0)
        return folio_err_set(err, FOLIO_EINVAL, "status",
                             "status '%s' with a discharge time (discharge_at %s)", status, disch);
    if (disch[0] && admit[0] && strcmp(disch, admit) < 0)
        return folio_err_set(err, FOLIO_EINVAL, "discharge_at",
                             "discharge_at %s precedes admit_at %s", disch, admit);
    if (!folio_str_empty(in->admit_type) && !folio_ub04_admit_type_title(in->admit_type))
        return folio_err_set(err, FOLIO_EINVAL, "admit_type",
                             "'%s' is not a UB-04 priority of admission code (1-5, 9)",
                             in->admit_type);
    if (!folio_str_empty(in->admit_source) && !folio_ub04_admit_source_title(in->admit_source))
        return folio_err_set(err, FOLIO_EINVAL, "admit_source",
                             "'%s' is not a UB-04 point of origin code", in->admit_source);
    if ((rc = norm_disposition(in->disposition, dispbuf, &disp, err)))
        return rc;
    if ((rc = rec_check_ext(in->ext_system, in->ext_id, err)))
        return rc;
    const struct {
        const char *v, *k;
    } parts[] = {{in->account_number, "account_number"}, {in->source_class, "source_class"},
                 {in->service, "service"},               {in->location, "location"},
                 {in->reason, "reason"}};
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(parts); i++)
        if ((rc = rec_check_text(parts[i].v, 1024, parts[i].k, err)))
            return rc;

    rc = rec_begin(c, err);
    if (rc)
        return rc;
    rec_now(now);
    struct folio_stmt *st = NULL;
    bool row = false;
    rc = rec_prepare(c, &st, err, "SELECT status FROM patient WHERE id = ?", "i", in->patient_id);
    if (rc == FOLIO_OK)
        rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && !row)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "patient_id", "no patient with id %lld",
                           (long long)in->patient_id);
    if (rc == FOLIO_OK && strcmp(folio_stmt_column_text(st, 0), "merged") == 0)
        rc = folio_err_set(err, FOLIO_ESTATE, "patient_id", "patient %lld was merged",
                           (long long)in->patient_id);
    folio_stmt_free(st);
    if (rc)
        goto out;
    rc = rec_query_i64(c, &fac, &found, err, "SELECT id FROM facility WHERE code = ?", "T",
                       in->facility_code);
    if (rc == FOLIO_OK && !found)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "facility_code", "no facility with code '%s'",
                           in->facility_code);
    if (rc)
        goto out;
    rc = rec_exec(c, &eid, NULL, err,
                  "INSERT INTO encounter (patient_id, facility_id, account_number, enc_class, "
                  "source_class, status, admit_at, discharge_at, admit_type, admit_source, "
                  "disposition, service, reason, ext_system, ext_id, version, created_at, "
                  "created_by, updated_at, updated_by) "
                  "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,1,?,?,?,?) RETURNING id",
                  "iitTtTttttttttt" "TTTT", in->patient_id, fac, in->account_number, cls,
                  in->source_class, status, admit, disch, in->admit_type, in->admit_source, disp,
                  in->service, in->reason, in->ext_system, in->ext_id, now, rec_actor(c), now,
                  rec_actor(c));
    if (rc == FOLIO_ECONFLICT) {
        rc = folio_err_set(err, FOLIO_ECONFLICT,
                           folio_str_empty(in->account_number) ? "ext_id" : "account_number",
                           "an encounter with account number '%s' at '%s' or external id '%s' "
                           "already exists",
                           in->account_number ? in->account_number : "", in->facility_code,
                           in->ext_id ? in->ext_id : "");
        goto out;
    }
    if (rc == FOLIO_OK && !folio_str_empty(in->location))
        rc = rec_exec(c, NULL, NULL, err,
                      "INSERT INTO encounter_location (encounter_id, location, from_at, to_at, "
                      "created_by) VALUES (?,?,?,?,?)",
                      "iTTtT", eid, in->location, admit[0] ? admit : now, disch, rec_actor(c));
out:
    rc = rec_finish(c, rc, err);
    if (rc == FOLIO_OK && id_out)
        *id_out = eid;
    return rc;
}

#define ENC_COLS                                                                                   \
    "e.id, e.patient_id, f.code, e.account_number, e.enc_class, e.source_class, e.status, "      \
    "e.admit_at, e.discharge_at, e.admit_type, e.admit_source, e.disposition, e.service, "       \
    "(SELECT l.location FROM encounter_location l WHERE l.encounter_id = e.id AND l.to_at IS "  \
    "NULL ORDER BY l.id DESC LIMIT 1), e.reason, e.ext_system, e.ext_id, e.version, "            \
    "e.created_at, e.updated_at"

static void read_enc(struct folio_stmt *st, struct folio_arena *a, struct folio_encounter *e,
                     bool *oom)
{
    e->id = rec_col_i64(st, 0);
    e->patient_id = rec_col_i64(st, 1);
    e->facility_code = rec_col_str(a, st, 2, oom);
    e->account_number = rec_col_str(a, st, 3, oom);
    e->enc_class = rec_col_str(a, st, 4, oom);
    e->source_class = rec_col_str(a, st, 5, oom);
    e->status = rec_col_str(a, st, 6, oom);
    e->admit_at = rec_col_str(a, st, 7, oom);
    e->discharge_at = rec_col_str(a, st, 8, oom);
    e->admit_type = rec_col_str(a, st, 9, oom);
    e->admit_source = rec_col_str(a, st, 10, oom);
    e->disposition = rec_col_str(a, st, 11, oom);
    e->disposition_title = folio_ub04_disposition_title(e->disposition);
    e->service = rec_col_str(a, st, 12, oom);
    e->location = rec_col_str(a, st, 13, oom);
    e->reason = rec_col_str(a, st, 14, oom);
    e->ext_system = rec_col_str(a, st, 15, oom);
    e->ext_id = rec_col_str(a, st, 16, oom);
    e->version = rec_col_i64(st, 17);
    e->created_at = rec_col_str(a, st, 18, oom);
    e->updated_at = rec_col_str(a, st, 19, oom);
}

enum folio_rc folio_encounter_get(const struct folio_chart *c, int64_t id, struct folio_arena *a,
                                  struct folio_encounter *out, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false, oom = false;
    size_t n = 0;
    memset(out, 0, sizeof *out);
    enum folio_rc rc = rec_prepare(c, &st, err,
                                   "SELECT " ENC_COLS " FROM encounter e JOIN facility f ON "
                                   "f.id = e.facility_id WHERE e.id = ?",
                                   "i", id);
    if (rc == FOLIO_OK)
        rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && !row)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "encounter_id", "no encounter with id %lld",
                           (long long)id);
    if (rc)
        goto out;
    read_enc(st, a, out, &oom);
    folio_stmt_free(st);
    st = NULL;

    int64_t cnt = 0;
    bool found = false;
    rc = rec_query_i64(c, &cnt, &found, err,
                       "SELECT COUNT(*) FROM encounter_location WHERE encounter_id = ?", "i", id);
    if (rc)
        goto out;
    out->locations = folio_arena_calloc(a, (size_t)cnt + 1, sizeof *out->locations);
    rc = rec_prepare(c, &st, err,
                     "SELECT id, location, from_at, to_at, created_by FROM encounter_location "
                     "WHERE encounter_id = ? ORDER BY id",
                     "i", id);
    while (rc == FOLIO_OK && out->locations && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK &&
           row && n < (size_t)cnt) {
        struct folio_encounter_location *l = &out->locations[n++];
        l->id = rec_col_i64(st, 0);
        l->location = rec_col_str(a, st, 1, &oom);
        l->from_at = rec_col_str(a, st, 2, &oom);
        l->to_at = rec_col_str(a, st, 3, &oom);
        l->changed_by = rec_col_str(a, st, 4, &oom);
    }
    out->n_locations = n;
    folio_stmt_free(st);
    st = NULL;
    if (rc)
        goto out;

    rc = rec_query_i64(c, &cnt, &found, err,
                       "SELECT COUNT(*) FROM encounter_provider WHERE encounter_id = ?", "i", id);
    if (rc)
        goto out;
    n = 0;
    out->providers = folio_arena_calloc(a, (size_t)cnt + 1, sizeof *out->providers);
    rc = rec_prepare(c, &st, err,
                     "SELECT ep.id, ep.provider_id, ep.role, ep.from_at, ep.to_at, p.family, "
                     "p.given, p.npi FROM encounter_provider ep JOIN provider p ON "
                     "p.id = ep.provider_id WHERE ep.encounter_id = ? ORDER BY ep.id",
                     "i", id);
    while (rc == FOLIO_OK && out->providers && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK &&
           row && n < (size_t)cnt) {
        struct folio_encounter_provider *p = &out->providers[n++];
        p->id = rec_col_i64(st, 0);
        p->provider_id = rec_col_i64(st, 1);
        p->role = rec_col_str(a, st, 2, &oom);
        p->from_at = rec_col_str(a, st, 3, &oom);
        p->to_at = rec_col_str(a, st, 4, &oom);
        p->family = rec_col_str(a, st, 5, &oom);
        p->given = rec_col_str(a, st, 6, &oom);
        p->npi = rec_col_str(a, st, 7, &oom);
    }
    out->n_providers = n;
    if (rc == FOLIO_OK && (oom || !out->locations || !out->providers))
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
out:
    folio_stmt_free(st);
    return rc;
}

enum folio_rc folio_encounter_list(const struct folio_chart *c, int64_t patient_id, int64_t limit,
                                   int64_t offset, struct folio_arena *a,
                                   struct folio_encounter_page *out, struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false, oom = false, found = false;
    memset(out, 0, sizeof *out);
    rec_page(&limit, &offset, 50, 1000);
    enum folio_rc rc = rec_query_i64(c, &out->total, &found, err,
                                     "SELECT COUNT(*) FROM encounter WHERE patient_id = ?", "i",
                                     patient_id);
    if (rc)
        goto out;
    out->items = folio_arena_calloc(a, (size_t)limit, sizeof *out->items);
    if (!out->items) {
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        goto out;
    }
    /* newest first; planned encounters without admit_at sort first (COALESCE) */
    rc = rec_prepare(c, &st, err,
                     "SELECT " ENC_COLS " FROM encounter e JOIN facility f ON f.id = "
                     "e.facility_id WHERE e.patient_id = ? ORDER BY COALESCE(e.admit_at, "
                     "'9999') DESC, e.id DESC LIMIT ? OFFSET ?",
                     "iii", patient_id, limit, offset);
    while (rc == FOLIO_OK && (rc = folio_stmt_step(st, &row, err)) == FOLIO_OK && row &&
           out->n < (size_t)limit)
        read_enc(st, a, &out->items[out->n++], &oom);
    if (rc == FOLIO_OK && oom)
        rc = folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
out:
    folio_stmt_free(st);
    return rc;
}

/* Loads status and admit_at for a state check. */
static enum folio_rc enc_state(const struct folio_chart *c, int64_t id, char status[32],
                               char admit[48], struct folio_err *err)
{
    struct folio_stmt *st = NULL;
    bool row = false;
    enum folio_rc rc = rec_prepare(c, &st, err,
                                   "SELECT status, admit_at FROM encounter WHERE id = ?", "i", id);
    if (rc == FOLIO_OK)
        rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && !row)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "encounter_id", "no encounter with id %lld",
                           (long long)id);
    if (rc == FOLIO_OK) {
        const char *s = folio_stmt_column_text(st, 0);
        const char *ad = folio_stmt_column_text(st, 1);
        folio_strlcpy(status, s ? s : "", 32);
        folio_strlcpy(admit, ad ? ad : "", 48);
    }
    folio_stmt_free(st);
    return rc;
}

static enum folio_rc enc_touch(const struct folio_chart *c, int64_t id, const char *now,
                               struct folio_err *err)
{
    return rec_exec(c, NULL, NULL, err,
                    "UPDATE encounter SET version = version + 1, updated_at = ?, updated_by = ? "
                    "WHERE id = ?",
                    "TTi", now, rec_actor(c), id);
}

enum folio_rc folio_encounter_discharge(const struct folio_chart *c, int64_t id,
                                        const char *discharge_at, const char *disposition,
                                        struct folio_err *err)
{
    char now[32], status[32], admit[48], disch[48], dispbuf[4];
    const char *disp = NULL;
    if (folio_str_empty(discharge_at))
        return folio_err_set(err, FOLIO_EINVAL, "discharge_at", "discharge_at is required");
    enum folio_rc rc = rec_norm_time(discharge_at, disch, "discharge_at", err);
    if (rc == FOLIO_OK)
        rc = norm_disposition(disposition, dispbuf, &disp, err);
    if (rc)
        return rc;
    rc = rec_begin(c, err);
    if (rc)
        return rc;
    rec_now(now);
    rc = enc_state(c, id, status, admit, err);
    if (rc)
        goto out;
    if (strcmp(status, "discharged") == 0 || strcmp(status, "cancelled") == 0) {
        rc = folio_err_set(err, FOLIO_ESTATE, "status", "encounter %lld is already %s",
                           (long long)id, status);
        goto out;
    }
    if (admit[0] && strcmp(disch, admit) < 0) {
        rc = folio_err_set(err, FOLIO_EINVAL, "discharge_at",
                           "discharge_at %s precedes admit_at %s", disch, admit);
        goto out;
    }
    rc = rec_exec(c, NULL, NULL, err,
                  "UPDATE encounter SET status = 'discharged', discharge_at = ?, disposition = ? "
                  "WHERE id = ?",
                  "Tti", disch, disp, id);
    if (rc == FOLIO_OK)
        rc = rec_exec(c, NULL, NULL, err,
                      "UPDATE encounter_location SET to_at = ? WHERE encounter_id = ? AND "
                      "to_at IS NULL",
                      "Ti", disch, id);
    if (rc == FOLIO_OK)
        rc = rec_exec(c, NULL, NULL, err,
                      "UPDATE encounter_provider SET to_at = ? WHERE encounter_id = ? AND "
                      "to_at IS NULL",
                      "Ti", disch, id);
    if (rc == FOLIO_OK)
        rc = enc_touch(c, id, now, err);
out:
    return rec_finish(c, rc, err);
}

enum folio_rc folio_encounter_cancel(const struct folio_chart *c, int64_t id, const char *reason,
                                     struct folio_err *err)
{
    char now[32], status[32], admit[48];
    if (folio_str_empty(reason))
        return folio_err_set(err, FOLIO_EINVAL, "reason", "cancelling needs a reason");
    enum folio_rc rc = rec_check_text(reason, REC_TEXT_MAX, "reason", err);
    if (rc)
        return rc;
    rc = rec_begin(c, err);
    if (rc)
        return rc;
    rec_now(now);
    rc = enc_state(c, id, status, admit, err);
    if (rc == FOLIO_OK && (strcmp(status, "discharged") == 0 || strcmp(status, "cancelled") == 0))
        rc = folio_err_set(err, FOLIO_ESTATE, "status", "encounter %lld is already %s",
                           (long long)id, status);
    if (rc == FOLIO_OK)
        rc = rec_exec(c, NULL, NULL, err,
                      "UPDATE encounter SET status = 'cancelled', cancel_reason = ? WHERE id = ?",
                      "Ti", reason, id);
    if (rc == FOLIO_OK)
        rc = enc_touch(c, id, now, err);
    return rec_finish(c, rc, err);
}

enum folio_rc folio_encounter_transfer(const struct folio_chart *c, int64_t id,
                                       const char *location, const char *at,
                                       struct folio_err *err)
{
    char now[32], status[32], admit[48], when[48];
    struct folio_stmt *st = NULL;
    bool row = false;
    if (folio_str_empty(location))
        return folio_err_set(err, FOLIO_EINVAL, "location", "location is required");
    enum folio_rc rc = rec_check_text(location, 256, "location", err);
    if (rc == FOLIO_OK)
        rc = rec_norm_time(at, when, "at", err);
    if (rc)
        return rc;
    rc = rec_begin(c, err);
    if (rc)
        return rc;
    rec_now(now);
    if (!when[0])
        folio_strlcpy(when, now, sizeof when);
    rc = enc_state(c, id, status, admit, err);
    if (rc)
        goto out;
    if (strcmp(status, "discharged") == 0 || strcmp(status, "cancelled") == 0) {
        rc = folio_err_set(err, FOLIO_ESTATE, "status", "encounter %lld is %s", (long long)id,
                           status);
        goto out;
    }
    if (admit[0] && strcmp(when, admit) < 0) {
        rc = folio_err_set(err, FOLIO_EINVAL, "at", "transfer time %s precedes admit_at %s", when,
                           admit);
        goto out;
    }
    rc = rec_prepare(c, &st, err,
                     "SELECT from_at FROM encounter_location WHERE encounter_id = ? AND to_at IS "
                     "NULL ORDER BY id DESC LIMIT 1",
                     "i", id);
    if (rc == FOLIO_OK)
        rc = folio_stmt_step(st, &row, err);
    if (rc == FOLIO_OK && row && strcmp(when, folio_stmt_column_text(st, 0)) < 0)
        rc = folio_err_set(err, FOLIO_EINVAL, "at",
                           "transfer time %s precedes the current location's start %s", when,
                           folio_stmt_column_text(st, 0));
    folio_stmt_free(st);
    if (rc == FOLIO_OK)
        rc = rec_exec(c, NULL, NULL, err,
                      "UPDATE encounter_location SET to_at = ? WHERE encounter_id = ? AND "
                      "to_at IS NULL",
                      "Ti", when, id);
    if (rc == FOLIO_OK)
        rc = rec_exec(c, NULL, NULL, err,
                      "INSERT INTO encounter_location (encounter_id, location, from_at, "
                      "created_by) VALUES (?,?,?,?)",
                      "iTTT", id, location, when, rec_actor(c));
    if (rc == FOLIO_OK)
        rc = enc_touch(c, id, now, err);
out:
    return rec_finish(c, rc, err);
}

enum folio_rc folio_encounter_add_provider(const struct folio_chart *c, int64_t id,
                                           int64_t provider_id, const char *role,
                                           const char *from_at, int64_t *id_out,
                                           struct folio_err *err)
{
    char now[32], status[32], admit[48], from[48];
    const char *r = rec_pick(role, roles);
    if (!r)
        return folio_err_set(err, FOLIO_EINVAL, "role",
                             "unknown provider role '%s' (attending, admitting, consulting, "
                             "referring)",
                             role ? role : "");
    enum folio_rc rc = rec_norm_time(from_at, from, "from_at", err);
    if (rc)
        return rc;
    rc = rec_begin(c, err);
    if (rc)
        return rc;
    rec_now(now);
    rc = enc_state(c, id, status, admit, err);
    if (rc == FOLIO_OK)
        rc = rec_require(c, "SELECT id FROM provider WHERE id = ?", provider_id, "provider_id",
                         "provider", err);
    if (rc)
        goto out;
    if (!from[0])
        folio_strlcpy(from, admit[0] ? admit : now, sizeof from);
    if (strcmp(r, "attending") == 0 || strcmp(r, "admitting") == 0)
        rc = rec_exec(c, NULL, NULL, err,
                      "UPDATE encounter_provider SET to_at = ? WHERE encounter_id = ? AND role = ? "
                      "AND to_at IS NULL",
                      "TiT", from, id, r);
    if (rc == FOLIO_OK)
        rc = rec_exec(c, id_out, NULL, err,
                      "INSERT INTO encounter_provider (encounter_id, provider_id, role, from_at, "
                      "created_by) VALUES (?,?,?,?,?) RETURNING id",
                      "iiTTT", id, provider_id, r, from, rec_actor(c));
    if (rc == FOLIO_OK)
        rc = enc_touch(c, id, now, err);
out:
    return rec_finish(c, rc, err);
}

/* ---- external id look-up ---- */
enum folio_rc folio_records_find_ext(const struct folio_chart *c, enum folio_ext_kind kind,
                                     const char *system, const char *ext_id, int64_t *id_out,
                                     struct folio_err *err)
{
    static const char *const sql[] = {
        [FOLIO_EXT_PATIENT] = "SELECT patient_id FROM patient_identifier WHERE kind = 'PI' AND "
                              "assigner = ? AND match_key = ? AND active = 1",
        [FOLIO_EXT_PROVIDER] = "SELECT id FROM provider WHERE ext_system = ? AND ext_id = ?",
        [FOLIO_EXT_ENCOUNTER] = "SELECT id FROM encounter WHERE ext_system = ? AND ext_id = ?",
        [FOLIO_EXT_DOCUMENT] = "SELECT id FROM document WHERE ext_system = ? AND ext_id = ?",
        [FOLIO_EXT_OBSERVATION] = "SELECT id FROM observation WHERE ext_system = ? AND ext_id = ?",
        [FOLIO_EXT_CONDITION] = "SELECT id FROM condition WHERE ext_system = ? AND ext_id = ?",
        [FOLIO_EXT_PROCEDURE] =
            "SELECT id FROM procedure_event WHERE ext_system = ? AND ext_id = ?",
        [FOLIO_EXT_FACILITY] = "SELECT id FROM facility WHERE code = ?",
    };
    bool found = false;
    enum folio_rc rc;
    if ((int)kind < FOLIO_EXT_PATIENT || (size_t)kind >= FOLIO_ARRAY_LEN(sql))
        return folio_err_set(err, FOLIO_EINVAL, "kind", "unknown external id kind %d", (int)kind);
    if (folio_str_empty(ext_id) || (kind != FOLIO_EXT_FACILITY && folio_str_empty(system)))
        return folio_err_set(err, FOLIO_EINVAL, "ext_id", "external system and id are required");
    if (kind == FOLIO_EXT_FACILITY)
        rc = rec_query_i64(c, id_out, &found, err, sql[kind], "T", ext_id);
    else
        rc = rec_query_i64(c, id_out, &found, err, sql[kind], "TT", system, ext_id);
    if (rc == FOLIO_OK && !found)
        rc = folio_err_set(err, FOLIO_ENOTFOUND, "ext_id", "nothing has external id %s|%s",
                           system ? system : "", ext_id);
    return rc;
}

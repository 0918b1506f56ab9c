/* FHIR R4 transaction Bundle (Synthea) -> import sink.
 * Three passes over the entries so references resolve whatever the order: Organization,
 * Practitioner, Patient; then Encounter; then Condition, Procedure, Observation (and every
 * other resource type is counted as skipped). */
#include "folio/base.h"
#include "folio/fhir.h"
#include "folio/json.h"
#include "importer/import_int.h"

#define SYNTHEA_SYSTEM "https://github.com/synthetichealth/synthea"
#define MAX_NAMES 8

struct bundle {
    const json_t *b;
    json_t *idx; /* fullUrl and "Type/id" -> resource (borrowed references) */
    const char *file;
};

static void where_of(const struct bundle *bd, size_t i, const json_t *r, char *out, size_t cap)
{
    char w[160];
    folio_fhir_where(w, sizeof w, i, r);
    (void)folio_snprintf(out, cap, "%s: %s", bd->file, w);
}

static const char *str_or_null(const json_t *v)
{
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Resolves the Reference at path to its resource in the bundle, which must be of type. */
static enum folio_rc resolve(const struct bundle *bd, const json_t *r, const char *path,
                             const char *type, bool required, const json_t **out,
                             const char *where, struct folio_err *err)
{
    const char *ref;
    enum folio_rc rc = folio_fhir_ref(r, path, required, &ref, where, err);

    *out = NULL;
    if (rc || !ref)
        return rc;
    *out = json_object_get(bd->idx, ref);
    if (!*out || strcmp(folio_fhir_type(*out), type) != 0)
        return folio_err_set(err, FOLIO_EINVAL, path,
                             "%s: field %s.reference: \"%.80s\" is not a %s in the bundle", where,
                             path, ref, type);
    return FOLIO_OK;
}

static const char *patient_src_id(const json_t *p)
{
    const char *v = folio_fhir_identifier(p, NULL, SYNTHEA_SYSTEM, NULL);
    return v ? v : str_or_null(json_object_get(p, "id"));
}

static enum folio_rc patient_of(struct imp_ctx *x, const struct bundle *bd, const json_t *r,
                                int64_t *pid, const char *where, struct folio_err *err)
{
    const json_t *p;
    enum folio_rc rc = resolve(bd, r, "subject", "Patient", true, &p, where, err);
    if (rc)
        return rc;
    if (!imp_map_get(&x->patients, patient_src_id(p), pid))
        return folio_err_set(err, FOLIO_EINVAL, "subject", "%s: field subject: patient not imported",
                             where);
    return FOLIO_OK;
}

static enum folio_rc encounter_of(struct imp_ctx *x, const struct bundle *bd, const json_t *r,
                                  int64_t *eid, const char *where, struct folio_err *err)
{
    const json_t *e;
    enum folio_rc rc = resolve(bd, r, "encounter", "Encounter", false, &e, where, err);
    *eid = 0;
    if (rc || !e)
        return rc;
    if (!imp_map_get(&x->encounters, str_or_null(json_object_get(e, "id")), eid))
        return folio_err_set(err, FOLIO_EINVAL, "encounter",
                             "%s: field encounter: encounter not imported", where);
    return FOLIO_OK;
}

static enum folio_rc check_time(const json_t *r, const char *path, bool date_only, bool required,
                                const char **out, const char *where, struct folio_err *err)
{
    char field[96];
    enum folio_rc rc = folio_fhir_str(r, path, required, out, where, err);
    if (rc)
        return rc;
    (void)folio_snprintf(field, sizeof field, "field %s", path);
    return imp_check_time(*out, date_only, required, where, field, err);
}

static const char *provider_key(const json_t *r, const char **sys, const char **val, char *key,
                                size_t cap)
{
    *val = folio_fhir_identifier(r, NULL, NULL, sys);
    if (!*val || !*sys) {
        *sys = "fhir";
        *val = str_or_null(json_object_get(r, "id"));
    }
    (void)folio_snprintf(key, cap, "fhir:%s|%s", *sys, *val ? *val : "");
    return key;
}

static enum folio_rc do_practitioner(struct imp_ctx *x, const json_t *r, const char *where,
                                     struct folio_err *err)
{
    struct folio_provider pv = {0};
    char key[320];
    int64_t id;
    enum folio_rc rc;

    provider_key(r, &pv.ext_system, &pv.ext_id, key, sizeof key);
    if (!pv.ext_id)
        return folio_err_set(err, FOLIO_EINVAL, "id", "%s: field id: missing", where);
    if (strcmp(pv.ext_system, "http://hl7.org/fhir/sid/us-npi") == 0 && folio_npi_valid(pv.ext_id))
        pv.npi = pv.ext_id;
    rc = folio_fhir_str(r, "name[0].family", false, &pv.family, where, err);
    if (!rc)
        rc = folio_fhir_str(r, "name[0].given[0]", false, &pv.given, where, err);
    if (!rc && !pv.family && !pv.given)
        rc = folio_err_set(err, FOLIO_EINVAL, "name", "%s: field name[0].family: missing", where);
    if (rc)
        return rc;
    return imp_provider(x, key, &pv, &id, where, err);
}

static const char *name_use(const char *u)
{
    static const char *const ok[] = {"official", "usual", "maiden", "nickname", "old"};
    size_t i;
    if (!u)
        return "official";
    for (i = 0; i < FOLIO_ARRAY_LEN(ok); i++)
        if (strcmp(u, ok[i]) == 0)
            return ok[i];
    return "alias";
}

static enum folio_rc do_patient(struct imp_ctx *x, const json_t *r, const char *where,
                                struct folio_err *err)
{
    struct imp_patient ip = {0};
    struct folio_identifier ids[5];
    struct folio_name names[MAX_NAMES];
    struct folio_address addr = {0};
    struct folio_phone phone = {0};
    const json_t *jn = json_object_get(r, "name"), *tel = json_object_get(r, "telecom");
    struct folio_fhir_coding ms, lang;
    const char *v, *sys, *state = NULL;
    size_t n = 0, nn = 0, i;
    bool have_official = false;
    int64_t id;
    enum folio_rc rc;

    ip.src_id = patient_src_id(r);
    if (!ip.src_id)
        return folio_err_set(err, FOLIO_EINVAL, "id", "%s: field id: missing", where);
    rc = check_time(r, "birthDate", true, true, &ip.p.birth_date, where, err);
    if (!rc)
        rc = check_time(r, "deceasedDateTime", false, false, &ip.p.deceased_at, where, err);
    if (!rc)
        rc = folio_fhir_str(r, "gender", false, &ip.p.sex, where, err);
    if (!rc)
        rc = folio_fhir_coding(r, "maritalStatus", false, &ms, where, err);
    if (!rc)
        rc = folio_fhir_coding(r, "communication[0].language", false, &lang, where, err);
    if (!rc)
        rc = folio_fhir_str(r, "address[0].state", false, &state, where, err);
    if (rc)
        return rc;
    ip.p.marital_status = ms.code ? folio_marital_normalize(ms.code) : NULL;
    ip.p.language = lang.code;
    ip.p.race = folio_fhir_extension_str(
        r, "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race", "text");
    ip.p.ethnicity = folio_fhir_extension_str(
        r, "http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity", "text");

    ids[n++] = (struct folio_identifier){.kind = "PI", .assigner = IMP_SYS, .value = ip.src_id};
    if ((v = folio_fhir_identifier(r, "MR", NULL, &sys)))
        ids[n++] = (struct folio_identifier){.kind = "MR", .assigner = sys ? sys : "unknown",
                                             .value = v};
    if ((v = folio_fhir_identifier(r, "SS", NULL, NULL)))
        ids[n++] = (struct folio_identifier){.kind = "SS", .value = v};
    if ((v = folio_fhir_identifier(r, "DL", NULL, NULL)))
        ids[n++] = (struct folio_identifier){.kind = "DL", .assigner = state ? state : "unknown",
                                             .value = v};
    if ((v = folio_fhir_identifier(r, "PPN", NULL, NULL)))
        ids[n++] = (struct folio_identifier){.kind = "PPN", .assigner = "US", .value = v};
    ip.p.ids = ids;
    ip.p.n_ids = n;

    for (i = 0; json_is_array(jn) && i < json_array_size(jn) && nn < MAX_NAMES; i++) {
        const json_t *o = json_array_get(jn, i);
        struct folio_name nm = {0};
        nm.use = name_use(str_or_null(json_object_get(o, "use")));
        nm.family = str_or_null(json_object_get(o, "family"));
        nm.given = str_or_null(json_array_get(json_object_get(o, "given"), 0));
        nm.middle = str_or_null(json_array_get(json_object_get(o, "given"), 1));
        nm.prefix = str_or_null(json_array_get(json_object_get(o, "prefix"), 0));
        nm.suffix = str_or_null(json_array_get(json_object_get(o, "suffix"), 0));
        if (!nm.family && !nm.given)
            continue;
        if (!have_official && strcmp(nm.use, "official") == 0) {
            ip.p.name = nm;
            have_official = true;
        } else {
            names[nn++] = nm;
        }
    }
    if (!have_official && nn > 0) {
        ip.p.name = names[0];
        memmove(names, names + 1, (nn - 1) * sizeof names[0]);
        nn--;
    }
    if (!have_official && !ip.p.name.family && !ip.p.name.given)
        return folio_err_set(err, FOLIO_EINVAL, "name", "%s: field name: missing", where);
    ip.p.other_names = nn ? names : NULL;
    ip.p.n_other_names = nn;

    if (json_is_object(folio_fhir_at(r, "address[0]"))) {
        addr.use = "home";
        if (!(rc = folio_fhir_str(r, "address[0].line[0]", false, &addr.line1, where, err)) &&
            !(rc = folio_fhir_str(r, "address[0].line[1]", false, &addr.line2, where, err)) &&
            !(rc = folio_fhir_str(r, "address[0].city", false, &addr.city, where, err)) &&
            !(rc = folio_fhir_str(r, "address[0].postalCode", false, &addr.postal_code, where,
                                  err)) &&
            !(rc = folio_fhir_str(r, "address[0].country", false, &addr.country, where, err))) {
            addr.state = state;
            ip.p.addresses = &addr;
            ip.p.n_addresses = 1;
        }
        if (rc)
            return rc;
    }
    for (i = 0; json_is_array(tel) && i < json_array_size(tel); i++) {
        const json_t *t = json_array_get(tel, i);
        const char *s = str_or_null(json_object_get(t, "system"));
        const char *u = str_or_null(json_object_get(t, "use"));
        if (!s || strcmp(s, "phone") != 0 || !str_or_null(json_object_get(t, "value")))
            continue;
        phone.number = str_or_null(json_object_get(t, "value"));
        phone.use = u && (strcmp(u, "mobile") == 0 || strcmp(u, "work") == 0) ? u : "home";
        ip.p.phones = &phone;
        ip.p.n_phones = 1;
        break;
    }
    return imp_patient(x, &ip, &id, where, err);
}

static enum folio_rc do_encounter(struct imp_ctx *x, const struct bundle *bd, const json_t *r,
                                  const char *where, struct folio_err *err)
{
    struct imp_encounter ie = {0};
    const json_t *org, *pr;
    struct folio_fhir_coding reason;
    int64_t id;
    enum folio_rc rc;

    rc = folio_fhir_str(r, "id", true, &ie.src_id, where, err);
    if (!rc)
        rc = patient_of(x, bd, r, &ie.patient_id, where, err);
    if (!rc)
        rc = folio_fhir_str(r, "class.code", true, &ie.source_class, where, err);
    if (!rc)
        rc = check_time(r, "period.start", false, true, &ie.admit_at, where, err);
    if (!rc)
        rc = check_time(r, "period.end", false, false, &ie.discharge_at, where, err);
    if (!rc)
        rc = folio_fhir_coding(r, "reasonCode[0]", false, &reason, where, err);
    if (!rc)
        rc = resolve(bd, r, "serviceProvider", "Organization", true, &org, where, err);
    if (!rc)
        rc = resolve(bd, r, "participant[0].individual", "Practitioner", false, &pr, where, err);
    if (rc)
        return rc;
    if (!folio_encounter_class_from_source(ie.source_class))
        return folio_err_set(err, FOLIO_EINVAL, "class.code",
                             "%s: field class.code: \"%.32s\" is not a known encounter class",
                             where, ie.source_class);
    ie.org_src = str_or_null(json_object_get(org, "id"));
    ie.reason = reason.display;
    if (pr) {
        const char *sys, *val;
        char key[320];
        if (!imp_map_get(&x->providers, provider_key(pr, &sys, &val, key, sizeof key),
                         &ie.provider_id))
            return folio_err_set(err, FOLIO_EINVAL, "participant",
                                 "%s: field participant[0]: practitioner not imported", where);
    }
    return imp_encounter(x, &ie, &id, where, err);
}

static enum folio_rc do_condition(struct imp_ctx *x, const struct bundle *bd, const json_t *r,
                                  const char *where, struct folio_err *err)
{
    struct folio_condition c = {.ext_system = IMP_SYS};
    struct folio_fhir_coding code;
    enum folio_rc rc;

    rc = folio_fhir_str(r, "id", true, &c.ext_id, where, err);
    if (!rc)
        rc = folio_fhir_coding(r, "code", true, &code, where, err);
    if (!rc)
        rc = patient_of(x, bd, r, &c.patient_id, where, err);
    if (!rc)
        rc = encounter_of(x, bd, r, &c.encounter_id, where, err);
    if (!rc)
        rc = check_time(r, "onsetDateTime", false, false, &c.onset, where, err);
    if (!rc)
        rc = check_time(r, "abatementDateTime", false, false, &c.abatement, where, err);
    if (rc)
        return rc;
    c.code_system = code.system ? code.system : "unknown";
    c.code = code.code;
    c.display = code.display;
    return imp_condition(x, &c, where, err);
}

static enum folio_rc do_procedure(struct imp_ctx *x, const struct bundle *bd, const json_t *r,
                                  const char *where, struct folio_err *err)
{
    struct folio_procedure_event p = {.ext_system = IMP_SYS};
    struct folio_fhir_coding code;
    enum folio_rc rc;

    rc = folio_fhir_str(r, "id", true, &p.ext_id, where, err);
    if (!rc)
        rc = folio_fhir_coding(r, "code", true, &code, where, err);
    if (!rc)
        rc = patient_of(x, bd, r, &p.patient_id, where, err);
    if (!rc)
        rc = encounter_of(x, bd, r, &p.encounter_id, where, err);
    if (!rc)
        rc = check_time(r, "performedPeriod.start", false, false, &p.performed_start, where, err);
    if (!rc)
        rc = check_time(r, "performedPeriod.end", false, false, &p.performed_end, where, err);
    if (!rc && !p.performed_start)
        rc = check_time(r, "performedDateTime", false, false, &p.performed_start, where, err);
    if (rc)
        return rc;
    p.code_system = code.system ? code.system : "unknown";
    p.code = code.code;
    p.display = code.display;
    return imp_procedure(x, &p, where, err);
}

static const char *obs_status(const char *s)
{
    static const char *const map[][2] = {
        {"final", "F"},     {"amended", "C"},   {"corrected", "C"},       {"preliminary", "P"},
        {"registered", "I"}, {"cancelled", "X"}, {"entered-in-error", "W"},
    };
    size_t i;
    for (i = 0; s && i < FOLIO_ARRAY_LEN(map); i++)
        if (strcmp(s, map[i][0]) == 0)
            return map[i][1];
    return NULL;
}

static const char *loinc(const char *system)
{
    if (!system || strcmp(system, "http://loinc.org") == 0)
        return "LN";
    return system;
}

/* Fills o's code and value from obj (the resource or one of its components), prefix being the
 * path of obj for error messages ("" or "component[1]."). text/cap holds the value text. */
static enum folio_rc obs_value(const json_t *obj, const char *prefix, struct folio_observation *o,
                               char *text, size_t cap, const char *where, struct folio_err *err)
{
    struct folio_fhir_coding code, cc;
    double num;
    const json_t *v;
    enum folio_rc rc;

    rc = folio_fhir_coding(obj, "code", true, &code, where, err);
    if (rc)
        return rc;
    o->code_system = loinc(code.system);
    o->code = code.code;
    o->title = code.display;
    text[0] = '\0';
    if ((v = json_object_get(obj, "valueQuantity")) != NULL) {
        char vpath[96];
        (void)folio_snprintf(vpath, sizeof vpath, "%svalueQuantity.value", prefix);
        rc = folio_fhir_number(obj, "valueQuantity.value", true, text, cap, &num, where, err);
        if (rc)
            return folio_err_set(err, rc, vpath, "%s: field %s: expected a number", where, vpath);
        o->value_type = "NM";
        o->value_text = text;
        o->units = str_or_null(json_object_get(v, "unit"));
        if (!o->units)
            o->units = str_or_null(json_object_get(v, "code"));
    } else if (json_object_get(obj, "valueCodeableConcept") != NULL) {
        rc = folio_fhir_coding(obj, "valueCodeableConcept", true, &cc, where, err);
        if (rc)
            return rc;
        /* HL7 v2 CE: code^text^system */
        (void)folio_snprintf(text, cap, "%s^%s^%s", cc.code, cc.display ? cc.display : "",
                             cc.system ? cc.system : "");
        o->value_type = "CE";
        o->value_text = text;
    } else if (json_object_get(obj, "valueString") != NULL) {
        rc = folio_fhir_str(obj, "valueString", true, &o->value_text, where, err);
        if (rc)
            return rc;
        o->value_type = "ST";
    } else {
        o->value_type = "ST";
        o->value_text = NULL;
    }
    return FOLIO_OK;
}

static enum folio_rc do_observation(struct imp_ctx *x, const struct bundle *bd, const json_t *r,
                                    const char *where, struct folio_err *err)
{
    struct folio_observation o = {.ext_system = IMP_SYS};
    const json_t *comp = json_object_get(r, "component");
    const char *id, *status;
    char text[1024];
    enum folio_rc rc;

    rc = folio_fhir_str(r, "id", true, &id, where, err);
    if (!rc)
        rc = patient_of(x, bd, r, &o.patient_id, where, err);
    if (!rc)
        rc = encounter_of(x, bd, r, &o.encounter_id, where, err);
    if (!rc)
        rc = check_time(r, "effectiveDateTime", false, false, &o.observed_at, where, err);
    if (!rc && !o.observed_at)
        rc = check_time(r, "issued", false, false, &o.observed_at, where, err);
    if (!rc)
        rc = folio_fhir_str(r, "status", false, &status, where, err);
    if (rc)
        return rc;
    o.status = obs_status(status);
    if (json_is_array(comp) && json_array_size(comp) > 0) {
        /* a panel (e.g. blood pressure): one observation per component, ext id "<id>/<i>" */
        size_t i;
        for (i = 0; i < json_array_size(comp); i++) {
            char prefix[48], ext[160];
            (void)folio_snprintf(prefix, sizeof prefix, "component[%zu].", i);
            (void)folio_snprintf(ext, sizeof ext, "%s/%zu", id, i);
            o.ext_id = ext;
            rc = obs_value(json_array_get(comp, i), prefix, &o, text, sizeof text, where, err);
            if (!rc)
                rc = imp_observation(x, &o, where, err);
            if (rc)
                return rc;
        }
        return FOLIO_OK;
    }
    o.ext_id = id;
    rc = obs_value(r, "", &o, text, sizeof text, where, err);
    if (rc)
        return rc;
    return imp_observation(x, &o, where, err);
}

static enum folio_rc index_bundle(struct bundle *bd, struct folio_err *err)
{
    size_t i, n = folio_fhir_bundle_count(bd->b);
    bd->idx = json_object();
    if (!bd->idx)
        return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    for (i = 0; i < n; i++) {
        const char *url;
        const json_t *r = folio_fhir_bundle_resource(bd->b, i, &url);
        const char *id = r ? str_or_null(json_object_get(r, "id")) : NULL;
        char key[256];
        if (!r)
            continue;
        /* jansson's setters take non-const values; the index only borrows */
        if (url && json_object_set(bd->idx, url, (json_t *)(uintptr_t)r) != 0)
            return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
        if (id && folio_snprintf(key, sizeof key, "%s/%s", folio_fhir_type(r), id) &&
            json_object_set(bd->idx, key, (json_t *)(uintptr_t)r) != 0)
            return folio_err_set(err, FOLIO_ENOMEM, NULL, "out of memory");
    }
    return FOLIO_OK;
}

enum folio_rc imp_fhir_file(struct imp_ctx *x, const char *path, struct folio_err *err)
{
    struct folio_buf text;
    json_t *doc = NULL;
    struct bundle bd = {0};
    enum folio_rc rc;
    const char *base = strrchr(path, '/');
    size_t i, n;
    int pass;

    bd.file = base ? base + 1 : path;
    folio_buf_init(&text, (size_t)256 * 1024 * 1024);
    rc = folio_buf_read_file(&text, path, err);
    if (rc)
        goto out;
    rc = folio_json_parse(text.data, text.len, &doc, bd.file, err);
    if (rc)
        goto out;
    folio_buf_release(&text);
    bd.b = doc;
    rc = folio_fhir_bundle_check(doc, bd.file, err);
    if (!rc)
        rc = index_bundle(&bd, err);
    if (rc)
        goto out;
    x->stats->files++;
    n = folio_fhir_bundle_count(doc);
    for (pass = 0; pass < 3 && !rc; pass++) {
        for (i = 0; i < n && !rc; i++) {
            const json_t *r = folio_fhir_bundle_resource(doc, i, NULL);
            const char *t;
            char where[320];
            if (!r) {
                rc = folio_err_set(err, FOLIO_EPARSE, "entry",
                                   "%s: Bundle entry[%zu]: no resource", bd.file, i);
                break;
            }
            t = folio_fhir_type(r);
            where_of(&bd, i, r, where, sizeof where);
            if (pass == 0) {
                if (strcmp(t, "Organization") == 0) {
                    const char *oid, *name;
                    rc = folio_fhir_str(r, "id", true, &oid, where, err);
                    if (!rc)
                        rc = folio_fhir_str(r, "name", false, &name, where, err);
                    if (!rc)
                        rc = imp_facility(x, oid, name, where, err);
                } else if (strcmp(t, "Practitioner") == 0) {
                    rc = do_practitioner(x, r, where, err);
                } else if (strcmp(t, "Patient") == 0) {
                    rc = do_patient(x, r, where, err);
                }
            } else if (pass == 1) {
                if (strcmp(t, "Encounter") == 0)
                    rc = do_encounter(x, &bd, r, where, err);
            } else if (strcmp(t, "Condition") == 0) {
                rc = do_condition(x, &bd, r, where, err);
            } else if (strcmp(t, "Procedure") == 0) {
                rc = do_procedure(x, &bd, r, where, err);
            } else if (strcmp(t, "Observation") == 0) {
                rc = do_observation(x, &bd, r, where, err);
            } else if (strcmp(t, "Organization") != 0 && strcmp(t, "Practitioner") != 0 &&
                       strcmp(t, "Patient") != 0 && strcmp(t, "Encounter") != 0) {
                imp_skip(x, t[0] ? t : "(no resourceType)");
            }
            if (!rc && (i + 1) % 1000 == 0)
                imp_progress(x, bd.file, (int64_t)i + 1);
        }
    }
    if (!rc)
        imp_progress(x, bd.file, (int64_t)n);
out:
    folio_buf_release(&text);
    json_decref(bd.idx);
    json_decref(doc);
    return rc;
}

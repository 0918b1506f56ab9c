/* Synthea CSV folder -> import sink. Files are read in dependency order; every row is checked
 * (dates, references) before it is written, and errors name file:line, column and value. */
#include "folio/base.h"
#include "folio/crypto.h"
#include "folio/csv.h"
#include "importer/import_int.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#define SNOMED "http://snomed.info/sct"

struct cf {
    struct folio_csv *c;
    char where[128]; /* "patients.csv:12" */
    struct folio_buf row; /* for the content hash */
};

static void cf_close(struct cf *f)
{
    folio_csv_free(f->c);
    f->c = NULL;
    folio_buf_release(&f->row);
}

/* Opens dir/name and reads its header. *present false when the file does not exist. */
static enum folio_rc cf_open(struct imp_ctx *x, const char *dir, const char *name, struct cf *f,
                             bool *present, struct folio_err *err)
{
    char path[4096];
    enum folio_rc rc;

    memset(f, 0, sizeof *f);
    folio_buf_init(&f->row, (size_t)2 * 1024 * 1024);
    *present = false;
    if (!folio_snprintf(path, sizeof path, "%s/%s", dir, name))
        return folio_err_set(err, FOLIO_EINVAL, "path", "path too long");
    if (access(path, F_OK) != 0)
        return FOLIO_OK;
    rc = folio_csv_open_file(path, name, NULL, &f->c, err);
    if (rc)
        return rc;
    rc = folio_csv_read_header(f->c, err);
    if (rc)
        return rc;
    *present = true;
    x->stats->files++;
    return FOLIO_OK;
}

/* Next row; *have false at the end. Updates where and reports progress. */
static enum folio_rc cf_next(struct imp_ctx *x, struct cf *f, bool *have, struct folio_err *err)
{
    enum folio_rc rc = folio_csv_next(f->c, have, err);
    if (rc || !*have) {
        if (!rc)
            imp_progress(x, folio_csv_name(f->c), folio_csv_records(f->c));
        return rc;
    }
    (void)folio_snprintf(f->where, sizeof f->where, "%s:%ld", folio_csv_name(f->c),
                         folio_csv_line(f->c));
    if (folio_csv_records(f->c) % 1000 == 0)
        imp_progress(x, folio_csv_name(f->c), folio_csv_records(f->c));
    return FOLIO_OK;
}

static enum folio_rc cf_cols(struct cf *f, const char *const *names, size_t n, int *idx,
                             struct folio_err *err)
{
    return folio_csv_columns(f->c, names, n, idx, err);
}

static const char *get(struct cf *f, int col)
{
    const char *s = folio_csv_get(f->c, col);
    return s[0] ? s : NULL;
}

/* External id of a row without its own: SHA-256 over the file name and every field. */
static enum folio_rc row_hash(struct cf *f, char out[FOLIO_SHA256_HEX_LEN + 1],
                              struct folio_err *err)
{
    size_t i, n = folio_csv_count(f->c);
    enum folio_rc rc;

    folio_buf_reset(&f->row);
    rc = folio_buf_append_str(&f->row, folio_csv_name(f->c));
    for (i = 0; i < n && !rc; i++) {
        struct folio_sv sv = folio_csv_sv(f->c, (int)i);
        rc = folio_buf_append_ch(&f->row, '\x1f');
        if (!rc)
            rc = folio_buf_append(&f->row, sv.p, sv.len);
    }
    if (rc)
        return folio_err_set(err, rc, NULL, "%s: row too large", f->where);
    folio_sha256_hex(f->row.data, f->row.len, out);
    return FOLIO_OK;
}

static enum folio_rc ref_err(struct cf *f, const char *col, const char *v, const char *file,
                             struct folio_err *err)
{
    return folio_err_set(err, FOLIO_EINVAL, col, "%s: %s: \"%.64s\" is not in %s", f->where, col,
                         v ? v : "", file);
}

static enum folio_rc do_organizations(struct imp_ctx *x, const char *dir, bool *present,
                                      struct folio_err *err)
{
    static const char *const cols[] = {"Id", "NAME"};
    int ix[2];
    struct cf f;
    bool have = true;
    enum folio_rc rc = cf_open(x, dir, "organizations.csv", &f, present, err);

    if (rc || !*present)
        goto out;
    rc = cf_cols(&f, cols, 2, ix, err);
    while (!rc && !(rc = cf_next(x, &f, &have, err)) && have)
        rc = imp_facility(x, get(&f, ix[0]), get(&f, ix[1]), f.where, err);
out:
    cf_close(&f);
    return rc;
}

static enum folio_rc do_providers(struct imp_ctx *x, const char *dir, bool *present,
                                  struct folio_err *err)
{
    static const char *const cols[] = {"Id", "NAME"};
    int ix[2], spec;
    struct cf f;
    bool have = true;
    enum folio_rc rc = cf_open(x, dir, "providers.csv", &f, present, err);

    if (rc || !*present)
        goto out;
    rc = cf_cols(&f, cols, 2, ix, err);
    spec = folio_csv_column(f.c, "SPECIALITY");
    while (!rc && !(rc = cf_next(x, &f, &have, err)) && have) {
        char given[256] = "", key[160];
        const char *name = get(&f, ix[1]), *sp;
        const char *ext_id = get(&f, ix[0]);
        struct folio_provider pv = {0};
        int64_t id;

        if (!ext_id) {
            rc = folio_err_set(err, FOLIO_EINVAL, "Id", "%s: Id: missing", f.where);
            break;
        }
        /* "Given123 Family456": the last word is the family name */
        sp = name ? strrchr(name, ' ') : NULL;
        if (sp) {
            (void)folio_snprintf(given, sizeof given, "%.*s", (int)(sp - name), name);
            pv.given = given;
            pv.family = sp + 1;
        } else {
            pv.family = name;
        }
        pv.specialty = get(&f, spec);
        pv.ext_system = IMP_SYS;
        pv.ext_id = ext_id;
        (void)folio_snprintf(key, sizeof key, "csv:%s", ext_id);
        rc = imp_provider(x, key, &pv, &id, f.where, err);
    }
out:
    cf_close(&f);
    return rc;
}

enum pcol {
    P_ID, P_BIRTH, P_DEATH, P_SSN, P_DRIVERS, P_PASSPORT, P_PREFIX, P_FIRST, P_LAST, P_SUFFIX,
    P_MAIDEN, P_MARITAL, P_RACE, P_ETHNICITY, P_GENDER, P_ADDRESS, P_CITY, P_STATE, P_COUNTY,
    P_ZIP, P_N
};

static enum folio_rc do_patients(struct imp_ctx *x, const char *dir, struct folio_err *err)
{
    static const char *const cols[P_N] = {
        "Id",     "BIRTHDATE", "DEATHDATE", "SSN",  "DRIVERS",   "PASSPORT", "PREFIX",
        "FIRST",  "LAST",      "SUFFIX",    "MAIDEN", "MARITAL", "RACE",     "ETHNICITY",
        "GENDER", "ADDRESS",   "CITY",      "STATE", "COUNTY",   "ZIP"};
    int ix[P_N];
    struct cf f;
    bool have = true, present;
    enum folio_rc rc = cf_open(x, dir, "patients.csv", &f, &present, err);

    if (!rc && !present)
        rc = folio_err_set(err, FOLIO_EUSAGE, "path", "%s: no patients.csv: not a Synthea CSV folder",
                           dir);
    if (rc)
        goto out;
    rc = cf_cols(&f, cols, P_N, ix, err);
    while (!rc && !(rc = cf_next(x, &f, &have, err)) && have) {
        struct imp_patient ip = {0};
        struct folio_identifier ids[4];
        struct folio_address addr = {0};
        struct folio_name maiden = {0};
        size_t n = 0;
        int64_t id;

        ip.src_id = get(&f, ix[P_ID]);
        if (!ip.src_id) {
            rc = folio_err_set(err, FOLIO_EINVAL, "Id", "%s: Id: missing", f.where);
            break;
        }
        rc = imp_check_time(get(&f, ix[P_BIRTH]), true, true, f.where, "BIRTHDATE", err);
        if (!rc)
            rc = imp_check_time(get(&f, ix[P_DEATH]), true, false, f.where, "DEATHDATE", err);
        if (rc)
            break;
        ids[n++] = (struct folio_identifier){.kind = "PI", .assigner = IMP_SYS, .value = ip.src_id};
        if (get(&f, ix[P_SSN]))
            ids[n++] = (struct folio_identifier){.kind = "SS", .value = get(&f, ix[P_SSN])};
        if (get(&f, ix[P_DRIVERS]))
            ids[n++] = (struct folio_identifier){
                .kind = "DL",
                .assigner = get(&f, ix[P_STATE]) ? get(&f, ix[P_STATE]) : "unknown",
                .value = get(&f, ix[P_DRIVERS])};
        if (get(&f, ix[P_PASSPORT]))
            ids[n++] = (struct folio_identifier){
                .kind = "PPN", .assigner = "US", .value = get(&f, ix[P_PASSPORT])};
        ip.p.ids = ids;
        ip.p.n_ids = n;
        ip.p.name.use = "official";
        ip.p.name.given = get(&f, ix[P_FIRST]);
        ip.p.name.family = get(&f, ix[P_LAST]);
        ip.p.name.prefix = get(&f, ix[P_PREFIX]);
        ip.p.name.suffix = get(&f, ix[P_SUFFIX]);
        if (get(&f, ix[P_MAIDEN])) {
            maiden.use = "maiden";
            maiden.family = get(&f, ix[P_MAIDEN]);
            maiden.given = ip.p.name.given;
            ip.p.other_names = &maiden;
            ip.p.n_other_names = 1;
        }
        ip.p.birth_date = get(&f, ix[P_BIRTH]);
        ip.p.deceased_at = get(&f, ix[P_DEATH]);
        ip.p.sex = get(&f, ix[P_GENDER]);
        ip.p.marital_status = get(&f, ix[P_MARITAL]);
        ip.p.race = get(&f, ix[P_RACE]);
        ip.p.ethnicity = get(&f, ix[P_ETHNICITY]);
        if (get(&f, ix[P_ADDRESS]) || get(&f, ix[P_CITY])) {
            addr.use = "home";
            addr.line1 = get(&f, ix[P_ADDRESS]);
            addr.city = get(&f, ix[P_CITY]);
            addr.state = get(&f, ix[P_STATE]);
            addr.postal_code = get(&f, ix[P_ZIP]);
            addr.county = get(&f, ix[P_COUNTY]);
            addr.country = "US";
            ip.p.addresses = &addr;
            ip.p.n_addresses = 1;
        }
        rc = imp_patient(x, &ip, &id, f.where, err);
    }
out:
    cf_close(&f);
    return rc;
}

static enum folio_rc patient_of(struct imp_ctx *x, struct cf *f, int col, int64_t *pid,
                                struct folio_err *err)
{
    const char *v = get(f, col);
    if (!imp_map_get(&x->patients, v, pid))
        return ref_err(f, "PATIENT", v, "patients.csv", err);
    return FOLIO_OK;
}

/* Encounter of a row: 0 when the row has none or the folder has no encounters.csv. */
static enum folio_rc encounter_of(struct imp_ctx *x, struct cf *f, int col, bool have_enc,
                                  int64_t *eid, struct folio_err *err)
{
    const char *v = get(f, col);
    *eid = 0;
    if (!v)
        return FOLIO_OK;
    if (!have_enc) {
        x->stats->unlinked++;
        return FOLIO_OK;
    }
    if (!imp_map_get(&x->encounters, v, eid))
        return ref_err(f, "ENCOUNTER", v, "encounters.csv", err);
    return FOLIO_OK;
}

static enum folio_rc do_encounters(struct imp_ctx *x, const char *dir, bool have_orgs,
                                   bool have_provs, bool *present, struct folio_err *err)
{
    static const char *const cols[] = {"Id",           "START",   "STOP",     "PATIENT",
                                       "ORGANIZATION", "PROVIDER", "ENCOUNTERCLASS"};
    int ix[7], reason;
    struct cf f;
    bool have = true;
    enum folio_rc rc = cf_open(x, dir, "encounters.csv", &f, present, err);

    if (rc || !*present)
        goto out;
    rc = cf_cols(&f, cols, 7, ix, err);
    reason = folio_csv_column(f.c, "REASONDESCRIPTION");
    while (!rc && !(rc = cf_next(x, &f, &have, err)) && have) {
        struct imp_encounter ie = {0};
        int64_t id, tmp;
        const char *prov = get(&f, ix[5]);

        ie.src_id = get(&f, ix[0]);
        if (!ie.src_id) {
            rc = folio_err_set(err, FOLIO_EINVAL, "Id", "%s: Id: missing", f.where);
            break;
        }
        rc = imp_check_time(get(&f, ix[1]), false, true, f.where, "START", err);
        if (!rc)
            rc = imp_check_time(get(&f, ix[2]), false, false, f.where, "STOP", err);
        if (!rc)
            rc = patient_of(x, &f, ix[3], &ie.patient_id, err);
        if (rc)
            break;
        ie.org_src = get(&f, ix[4]);
        if (!imp_map_get(&x->facilities, ie.org_src, &tmp)) {
            if (have_orgs || !ie.org_src) {
                rc = ref_err(&f, "ORGANIZATION", ie.org_src, "organizations.csv", err);
                break;
            }
            rc = imp_facility(x, ie.org_src, NULL, f.where, err);
            if (rc)
                break;
        }
        if (prov && have_provs) {
            char key[160];
            (void)folio_snprintf(key, sizeof key, "csv:%s", prov);
            if (!imp_map_get(&x->providers, key, &ie.provider_id)) {
                rc = ref_err(&f, "PROVIDER", prov, "providers.csv", err);
                break;
            }
        }
        ie.source_class = get(&f, ix[6]);
        if (!ie.source_class) {
            rc = folio_err_set(err, FOLIO_EINVAL, "ENCOUNTERCLASS", "%s: ENCOUNTERCLASS: missing",
                               f.where);
            break;
        }
        if (!folio_encounter_class_from_source(ie.source_class)) {
            rc = folio_err_set(err, FOLIO_EINVAL, "ENCOUNTERCLASS",
                               "%s: ENCOUNTERCLASS: \"%.64s\" is not a known encounter class",
                               f.where, ie.source_class);
            break;
        }
        ie.admit_at = get(&f, ix[1]);
        ie.discharge_at = get(&f, ix[2]);
        ie.reason = get(&f, reason);
        rc = imp_encounter(x, &ie, &id, f.where, err);
    }
out:
    cf_close(&f);
    return rc;
}

/* conditions.csv / procedures.csv share a shape: START, STOP, PATIENT, ENCOUNTER, CODE,
 * DESCRIPTION (older Synthea procedures have DATE instead of START/STOP). */
static enum folio_rc do_events(struct imp_ctx *x, const char *dir, const char *file,
                               bool is_condition, bool have_enc, struct folio_err *err)
{
    static const char *const cols[] = {"PATIENT", "ENCOUNTER", "CODE"};
    int ix[3], start, stop, desc;
    struct cf f;
    bool have = true, present;
    enum folio_rc rc = cf_open(x, dir, file, &f, &present, err);

    if (rc || !present)
        goto out;
    rc = cf_cols(&f, cols, 3, ix, err);
    start = folio_csv_column(f.c, "START");
    if (start < 0)
        start = folio_csv_column(f.c, "DATE");
    stop = folio_csv_column(f.c, "STOP");
    desc = folio_csv_column(f.c, "DESCRIPTION");
    if (!rc && start < 0)
        rc = folio_err_set(err, FOLIO_EPARSE, "START", "%s: missing column START", file);
    while (!rc && !(rc = cf_next(x, &f, &have, err)) && have) {
        char hash[FOLIO_SHA256_HEX_LEN + 1];
        int64_t pid, eid;
        const char *start_name = folio_csv_header_name(f.c, (size_t)start);

        rc = imp_check_time(get(&f, start), false, true, f.where, start_name, err);
        if (!rc)
            rc = imp_check_time(get(&f, stop), false, false, f.where, "STOP", err);
        if (!rc && !get(&f, ix[2]))
            rc = folio_err_set(err, FOLIO_EINVAL, "CODE", "%s: CODE: missing", f.where);
        if (!rc)
            rc = patient_of(x, &f, ix[0], &pid, err);
        if (!rc)
            rc = encounter_of(x, &f, ix[1], have_enc, &eid, err);
        if (!rc)
            rc = row_hash(&f, hash, err);
        if (rc)
            break;
        if (is_condition) {
            struct folio_condition c = {.patient_id = pid,
                                        .encounter_id = eid,
                                        .code_system = SNOMED,
                                        .code = get(&f, ix[2]),
                                        .display = get(&f, desc),
                                        .onset = get(&f, start),
                                        .abatement = get(&f, stop),
                                        .ext_system = IMP_SYS_CSV,
                                        .ext_id = hash};
            rc = imp_condition(x, &c, f.where, err);
        } else {
            struct folio_procedure_event p = {.patient_id = pid,
                                              .encounter_id = eid,
                                              .code_system = SNOMED,
                                              .code = get(&f, ix[2]),
                                              .display = get(&f, desc),
                                              .performed_start = get(&f, start),
                                              .performed_end = get(&f, stop),
                                              .ext_system = IMP_SYS_CSV,
                                              .ext_id = hash};
            rc = imp_procedure(x, &p, f.where, err);
        }
    }
out:
    cf_close(&f);
    return rc;
}

static enum folio_rc do_observations(struct imp_ctx *x, const char *dir, bool have_enc,
                                     struct folio_err *err)
{
    static const char *const cols[] = {"DATE", "PATIENT", "ENCOUNTER", "CODE", "VALUE"};
    int ix[5], desc, units, type;
    struct cf f;
    bool have = true, present;
    enum folio_rc rc = cf_open(x, dir, "observations.csv", &f, &present, err);

    if (rc || !present)
        goto out;
    rc = cf_cols(&f, cols, 5, ix, err);
    desc = folio_csv_column(f.c, "DESCRIPTION");
    units = folio_csv_column(f.c, "UNITS");
    type = folio_csv_column(f.c, "TYPE");
    while (!rc && !(rc = cf_next(x, &f, &have, err)) && have) {
        char hash[FOLIO_SHA256_HEX_LEN + 1];
        int64_t pid, eid;
        const char *t = get(&f, type), *vt = NULL, *val = get(&f, ix[4]);

        rc = imp_check_time(get(&f, ix[0]), false, true, f.where, "DATE", err);
        if (!rc && !get(&f, ix[3]))
            rc = folio_err_set(err, FOLIO_EINVAL, "CODE", "%s: CODE: missing", f.where);
        if (!rc)
            rc = patient_of(x, &f, ix[1], &pid, err);
        if (!rc)
            rc = encounter_of(x, &f, ix[2], have_enc, &eid, err);
        if (!rc)
            rc = row_hash(&f, hash, err);
        if (rc)
            break;
        if (t && strcmp(t, "numeric") == 0) {
            double d;
            vt = "NM";
            if (!val || folio_sv_to_double(folio_sv_from(val), &d) != FOLIO_OK) {
                rc = folio_err_set(err, FOLIO_EINVAL, "VALUE",
                                   "%s: VALUE: \"%.64s\" is not a number", f.where,
                                   val ? val : "");
                break;
            }
        } else if (t) {
            vt = "ST";
        }
        struct folio_observation o = {.patient_id = pid,
                                      .encounter_id = eid,
                                      .code_system = "LN",
                                      .code = get(&f, ix[3]),
                                      .title = get(&f, desc),
                                      .value_type = vt,
                                      .value_text = val,
                                      .units = get(&f, units),
                                      .observed_at = get(&f, ix[0]),
                                      .ext_system = IMP_SYS_CSV,
                                      .ext_id = hash};
        rc = imp_observation(x, &o, f.where, err);
    }
out:
    cf_close(&f);
    return rc;
}

enum folio_rc imp_csv_folder(struct imp_ctx *x, const char *dir, struct folio_err *err)
{
    bool have_orgs = false, have_provs = false, have_enc = false;
    enum folio_rc rc;

    rc = do_organizations(x, dir, &have_orgs, err);
    if (!rc)
        rc = do_providers(x, dir, &have_provs, err);
    if (!rc)
        rc = do_patients(x, dir, err);
    if (!rc)
        rc = do_encounters(x, dir, have_orgs, have_provs, &have_enc, err);
    if (!rc)
        rc = do_events(x, dir, "conditions.csv", true, have_enc, err);
    if (!rc)
        rc = do_events(x, dir, "procedures.csv", false, have_enc, err);
    if (!rc)
        rc = do_observations(x, dir, have_enc, err);
    return rc;
}

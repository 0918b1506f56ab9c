/* Coding over HTTP (folio/abstract.h, folio/coding_check.h; docs/api.md "Coding"): the DNFC
 * worklist, an encounter's abstract with its findings, source codes and documents, saves, the
 * draft check, status changes (hold, finalize, reopen for rebill), history, assignment and the
 * productivity report.
 *
 * The handlers parse and check input, call the library and render; the rules (what a save may
 * hold, which transitions exist, what blocks finalizing) are the library's, except the one rule
 * the abstract module leaves to this layer: finalizing is refused while folio_check_blocks() holds
 * for the saved codes (409 with the blocking findings listed).
 *
 * Audit: reading an abstract or its history is coding.view (with the patient); the worklist
 * coding.worklist; a save coding.save; a status change coding.status; an assignment
 * coding.assign, one entry per encounter with its patient. The draft check is not audited: it
 * returns findings about the codes the client sent, and it runs at every pause in typing (the
 * coder's reading of the abstract was audited when the screen opened).
 *
 * The MCE tables are built once per process from the store (folio_mce_load_store) and kept while
 * the loaded MCE versions stay the same (checked at each use by their SHA-256s); none loaded ->
 * the checks run without them and say so. */
#include "folio/base.h"

#include <math.h>
#include <pthread.h>

#include "folio/abstract.h"
#include "folio/chart_json.h"
#include "folio/codes.h"
#include "folio/coding_check.h"
#include "folio/privacy.h"
#include "folio/records.h"
#include "folio/time.h"
#include "server/api_coding.h"
#include "server/render.h"
#include "server/server.h"

#define ASSIGN_MAX   500  /* encounters per assignment */
#define TEXT_MAX     1000 /* reasons and notes (as the abstract module keeps them) */
#define OPERATOR_MAX 200

/* ---------------------------------------------------------------- MCE tables, per process */

/* One build of the tables; freed when replaced and no request holds it. */
struct mce_ref {
    struct folio_mce *m;
    char *key; /* the MCE versions it was built from: "id:sha256;..." */
    unsigned refs;
    bool stale;
};

static pthread_mutex_t mce_mu = PTHREAD_MUTEX_INITIALIZER;
static struct mce_ref *mce_cur;

static void mce_ref_free(struct mce_ref *r)
{
    if (!r)
        return;
    folio_mce_free(r->m);
    free(r->key);
    free(r);
}

/* The key of the MCE versions loaded in the store ("" when none). */
static enum folio_rc mce_key(struct folio_req *req, struct folio_buf *key, struct folio_err *err)
{
    struct folio_codeset_version *v = NULL;
    const char *mce = folio_codes_load_kind_name(FOLIO_LOAD_MCE);
    size_t n = 0, i;
    enum folio_rc rc;

    rc = folio_codes_versions(req->store, req->arena, &v, &n, err);
    for (i = 0; !rc && i < n; i++) {
        if (mce && strcmp(v[i].kind, mce) == 0)
            rc = folio_buf_appendf(key, "%lld:%s;", (long long)v[i].id, v[i].sha256);
    }
    if (rc == FOLIO_ETOOBIG)
        return folio_err_set(err, FOLIO_EINTERNAL, NULL, "too many MCE versions loaded");
    return rc;
}

/* The current tables (a reference the caller gives back with mce_release), NULL when none are
 * loaded. Building runs outside the lock: two requests may build at once, the first kept. */
static enum folio_rc mce_acquire(struct folio_req *req, struct mce_ref **out, struct folio_err *err)
{
    struct folio_buf key;
    struct mce_ref *r = NULL, *old = NULL;
    struct folio_mce *m = NULL;
    enum folio_rc rc;

    *out = NULL;
    folio_buf_init(&key, 1u << 16);
    rc = mce_key(req, &key, err);
    if (rc || key.len == 0)
        goto out;
    pthread_mutex_lock(&mce_mu);
    if (mce_cur && strcmp(mce_cur->key, key.data) == 0) {
        mce_cur->refs++;
        *out = mce_cur;
    }
    pthread_mutex_unlock(&mce_mu);
    if (*out)
        goto out;
    rc = folio_mce_load_store(req->store, &m, err);
    if (rc == FOLIO_ENOTFOUND) {
        folio_err_clear(err);
        rc = FOLIO_OK;
        goto out;
    }
    if (rc)
        goto out;
    r = calloc(1, sizeof *r);
    if (r)
        r->key = folio_buf_detach(&key, NULL);
    if (!r || !r->key) {
        folio_mce_free(m);
        free(r);
        rc = folio_render_nomem(err);
        goto out;
    }
    r->m = m;
    r->refs = 1;
    pthread_mutex_lock(&mce_mu);
    if (mce_cur && strcmp(mce_cur->key, r->key) == 0) {
        /* another request built the same tables meanwhile: use those */
        mce_cur->refs++;
        *out = mce_cur;
        old = r;
    } else {
        if (mce_cur) {
            mce_cur->stale = true;
            if (mce_cur->refs == 0)
                old = mce_cur;
        }
        r->refs++; /* the cache's own reference */
        mce_cur = r;
        *out = r;
    }
    pthread_mutex_unlock(&mce_mu);
    mce_ref_free(old);
out:
    folio_buf_release(&key);
    return rc;
}

static void mce_release(struct mce_ref *r)
{
    bool gone = false;

    if (!r)
        return;
    pthread_mutex_lock(&mce_mu);
    r->refs--;
    /* a stale build has lost the cache's reference: free with its last user */
    if (r != mce_cur && r->refs == 0)
        gone = true;
    pthread_mutex_unlock(&mce_mu);
    if (gone)
        mce_ref_free(r);
}

/* ---------------------------------------------------------------- small helpers */

static void today(char out[11])
{
    char now[32];

    folio_time_now_utc(now);
    memcpy(out, now, 10);
    out[10] = '\0';
}

/* A date YYYY-MM-DD; EINVAL naming field. */
static enum folio_rc check_day(const char *v, const char *field, struct folio_err *err)
{
    struct folio_time t;
    enum folio_rc rc;

    rc = folio_time_parse_iso(folio_sv_from(v), &t, field, err);
    if (rc)
        return rc;
    if (t.prec != FOLIO_PREC_DAY)
        return folio_err_set(err, FOLIO_EINVAL, field, "%s must be a date YYYY-MM-DD: '%s'", field,
                             v);
    return FOLIO_OK;
}

static enum folio_rc text_cap(const char *v, const char *field, size_t max, struct folio_err *err)
{
    if (v && strlen(v) > max)
        return folio_err_set(err, FOLIO_EINVAL, field, "%s is longer than %zu bytes", field, max);
    return FOLIO_OK;
}

static const char *dotted(struct folio_req *req, enum folio_code_system cs, const char *code)
{
    char buf[24];

    if (folio_str_empty(code))
        return NULL;
    if (!folio_codes_dotted(cs, code, buf, sizeof buf))
        return code;
    return folio_arena_strdup(req->arena, buf);
}

static bool is_diagnosis(enum folio_abs_role r)
{
    return r != FOLIO_ABS_PROCEDURE;
}

/* Library error fields -> this API's names: a stale version is the If-Match precondition;
 * "codes[i].operator_name" is "codes[i].operator" here. */
static enum folio_rc api_field(enum folio_rc rc, struct folio_err *err)
{
    static const char suffix[] = ".operator_name";
    size_t n = strlen(err->field), k = sizeof suffix - 1;

    if (rc == FOLIO_ECONFLICT && strcmp(err->field, "version") == 0)
        (void)folio_strlcpy(err->field, "If-Match", sizeof err->field);
    else if (rc && n > k && strcmp(err->field + n - k, suffix) == 0)
        err->field[n - 5] = '\0'; /* drop "_name" */
    return rc;
}

/* If-Match against the abstract's version: 428 without it once the abstract exists, 412 stale.
 * An abstract not yet written (version 0) needs none; its ETag "v0" is accepted too (the shared
 * If-Match parser knows only versions from 1). */
static enum folio_rc precondition(struct folio_req *req, int64_t current, int64_t *expected,
                                  struct folio_err *err)
{
    const char *h = folio_req_header(req, "If-Match");
    bool present = false;
    int64_t v = 0;
    enum folio_rc rc;

    if (h && folio_sv_eq_cstr(folio_sv_trim(folio_sv_from(h)), "\"v0\"")) {
        present = true;
        v = 0;
        rc = FOLIO_OK;
    } else {
        rc = folio_req_if_match(req, &present, &v, err);
    }
    if (rc)
        return rc;
    if (!present) {
        if (current > 0)
            return folio_srv_precondition_required(err);
        *expected = 0;
        return FOLIO_OK;
    }
    if (v != current)
        return folio_srv_stale(current, err);
    *expected = v;
    return FOLIO_OK;
}

/* ---------------------------------------------------------------- the encounter's facts */

struct enc_facts {
    struct folio_encounter enc;
    struct folio_patient pat;
    int age; /* years at admission, -1 unknown */
    char sex;
    int discharge_status;
    int los;
};

/* Whole years from birth to at (both of day precision or finer), -1 when unknown. */
static int age_at(const char *birth, const char *at)
{
    struct folio_time b, a;
    struct folio_err e;
    int years;

    folio_err_clear(&e);
    if (folio_str_empty(birth) || folio_str_empty(at) ||
        folio_time_parse_iso(folio_sv_from(birth), &b, "birth_date", &e) ||
        folio_time_parse_iso(folio_sv_from(at), &a, "admit_at", &e) || b.prec < FOLIO_PREC_DAY ||
        a.prec < FOLIO_PREC_DAY)
        return -1;
    years = a.year - b.year;
    if (a.month < b.month || (a.month == b.month && a.day < b.day))
        years--;
    return years < 0 ? -1 : years;
}

static int los_of(const char *admit, const char *discharge)
{
    struct folio_time a, d;
    struct folio_err e;
    int64_t days = 0;

    folio_err_clear(&e);
    if (folio_str_empty(admit) || folio_str_empty(discharge) ||
        folio_time_parse_iso(folio_sv_from(admit), &a, "admit_at", &e) ||
        folio_time_parse_iso(folio_sv_from(discharge), &d, "discharge_at", &e) ||
        !folio_time_days_between(&a, &d, &days) || days < 0 || days > 100000)
        return -1;
    return (int)days;
}

/* UB-04 patient status ("01", "1") as a number, -1 when not one. */
static int status_of(const char *dispo)
{
    int64_t v = 0;

    if (folio_str_empty(dispo) || strlen(dispo) > 3 ||
        folio_sv_to_i64(folio_sv_from(dispo), &v) != FOLIO_OK || v < 0)
        return -1;
    return (int)v;
}

static enum folio_rc load_facts(struct folio_req *req, int64_t encounter_id, struct enc_facts *f,
                                struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    enum folio_rc rc;

    memset(f, 0, sizeof *f);
    rc = folio_encounter_get(&c, encounter_id, req->arena, &f->enc, err);
    if (rc == FOLIO_ENOTFOUND)
        (void)folio_strlcpy(err->field, "id", sizeof err->field);
    rc = rc ? rc : folio_patient_get(&c, f->enc.patient_id, req->arena, &f->pat, err);
    if (rc)
        return rc;
    f->age = age_at(f->pat.birth_date, f->enc.admit_at);
    f->sex = f->pat.sex && (f->pat.sex[0] == 'M' || f->pat.sex[0] == 'F') && !f->pat.sex[1]
                 ? f->pat.sex[0]
                 : 'U';
    f->discharge_status = status_of(f->enc.disposition);
    f->los = los_of(f->enc.admit_at, f->enc.discharge_at);
    return FOLIO_OK;
}

/* ---------------------------------------------------------------- checks */

struct findings {
    struct folio_check_finding *f;
    size_t n;
    bool mce_loaded;
};

static enum folio_rc run_check(struct folio_req *req, const struct enc_facts *ef,
                               const char *code_date, const struct folio_abstract_code *codes,
                               size_t n_codes, struct findings *out, struct folio_err *err)
{
    struct folio_check_input in;
    struct mce_ref *mr = NULL;
    enum folio_rc rc;

    memset(out, 0, sizeof *out);
    memset(&in, 0, sizeof in);
    in.code_date = code_date;
    in.enc_class = ef->enc.enc_class ? ef->enc.enc_class : "";
    in.age = ef->age;
    in.sex = ef->sex;
    in.discharge_status = ef->discharge_status;
    in.los = ef->los;
    in.codes = codes;
    in.n_codes = n_codes;
    rc = mce_acquire(req, &mr, err);
    if (rc)
        return rc;
    out->mce_loaded = mr != NULL;
    rc = folio_coding_check(req->store, mr ? mr->m : NULL, &in, req->arena, &out->f, &out->n, err);
    mce_release(mr);
    return rc;
}

static json_t *finding_json(struct folio_req *req, const struct folio_check_finding *f,
                            const struct folio_abstract_code *codes, size_t n_codes)
{
    json_t *o = json_object();
    enum folio_code_system cs = FOLIO_CS_ICD10CM;
    int bad = !o;

    if (bad)
        return NULL;
    if (f->code_index >= 0 && (size_t)f->code_index < n_codes)
        cs = codes[f->code_index].system;
    bad |= folio_jset_str(o, "severity", folio_check_severity_name(f->severity));
    bad |= folio_jset_str(o, "kind", f->kind);
    bad |= folio_jset_str(o, "edit", f->edit[0] ? f->edit : NULL);
    bad |= f->code_index >= 0 ? folio_jset_int(o, "code_index", f->code_index)
                              : folio_jset(o, "code_index", json_null());
    bad |= folio_jset_str(o, "code", f->code[0] ? f->code : NULL);
    bad |= folio_jset_str(o, "dotted", dotted(req, cs, f->code));
    bad |= folio_jset_str(o, "related", f->related[0] ? f->related : NULL);
    bad |= folio_jset_str(o, "related_dotted", dotted(req, FOLIO_CS_ICD10CM, f->related));
    bad |= folio_jset_str(o, "message", f->message);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Sets "findings", "blocking" and "mce_loaded" on o; only_blocking keeps the errors. */
static int set_findings(struct folio_req *req, json_t *o, const struct findings *fs,
                        const struct folio_abstract_code *codes, size_t n_codes, bool only_blocking)
{
    json_t *arr = json_array();
    int bad = !arr;
    size_t i;

    for (i = 0; !bad && i < fs->n; i++) {
        if (only_blocking && fs->f[i].severity != FOLIO_CHECK_ERROR)
            continue;
        bad |= json_array_append_new(arr, finding_json(req, &fs->f[i], codes, n_codes)) != 0;
    }
    if (bad) {
        json_decref(arr);
        return 1;
    }
    bad |= folio_jset(o, "findings", arr);
    bad |= folio_jset_bool(o, "blocking", folio_check_blocks(fs->f, fs->n));
    bad |= folio_jset_bool(o, "mce_loaded", fs->mce_loaded);
    return bad;
}

/* ---------------------------------------------------------------- rendering */

static json_t *code_json(struct folio_req *req, const struct folio_abstract_code *c)
{
    json_t *o = json_object();
    char poa[2] = {c->poa, '\0'};
    int bad = !o;

    if (bad)
        return NULL;
    bad |= folio_jset_str(o, "role", folio_abs_role_name(c->role));
    bad |= folio_jset_str(o, "system", folio_code_system_name(c->system));
    bad |= folio_jset_str(o, "code", c->code);
    bad |= folio_jset_str(o, "dotted", dotted(req, c->system, c->code));
    bad |= folio_jset_str(o, "title", c->title);
    bad |= folio_jset_str(o, "poa", c->poa ? poa : NULL);
    bad |= folio_jset_str(o, "date", c->date[0] ? c->date : NULL);
    bad |= folio_jset_str(o, "operator", c->operator_name);
    bad |= folio_jset_id(o, "operator_id", c->operator_id);
    bad |= folio_jset_str(o, "modifiers", c->modifiers[0] ? c->modifiers : NULL);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *codes_json(struct folio_req *req, const struct folio_abstract_code *codes, size_t n)
{
    json_t *arr = json_array();
    size_t i;

    for (i = 0; arr && i < n; i++) {
        if (json_array_append_new(arr, code_json(req, &codes[i]))) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* The patient as the coding screens show it: id, name, MRN, birth date, sex (redacted by the
 * chart renderer without identifiers). */
static json_t *patient_brief(const struct folio_patient *p, bool identifiers)
{
    static const char *const keep[] = {"id",  "name",   "birth_date", "sex",
                                       "mrn", "status", "redacted",   NULL};
    json_t *full = folio_chart_json_patient(p, identifiers), *o = json_object();
    size_t i;

    if (!full || !o) {
        json_decref(full);
        json_decref(o);
        return NULL;
    }
    for (i = 0; keep[i]; i++) {
        json_t *v = json_object_get(full, keep[i]);

        if (v && json_object_set(o, keep[i], v)) {
            json_decref(full);
            json_decref(o);
            return NULL;
        }
    }
    json_decref(full);
    return o;
}

static json_t *abstract_json(struct folio_req *req, const struct folio_abstract *a)
{
    json_t *o = json_object();
    int bad = !o;

    if (bad)
        return NULL;
    bad |= folio_jset_id(o, "id", a->id);
    bad |= folio_jset_int(o, "encounter_id", a->encounter_id);
    bad |= folio_jset_int(o, "patient_id", a->patient_id);
    bad |= folio_jset_int(o, "version", a->version);
    bad |= folio_jset_str(o, "status", folio_abstract_status_name(a->status));
    bad |= folio_jset_str(
        o, "hold_reason",
        a->hold_reason == FOLIO_HOLD_NONE ? NULL : folio_hold_reason_name(a->hold_reason));
    bad |= folio_jset_str(o, "hold_note", a->hold_note);
    bad |= folio_jset_str(o, "assigned_to", a->assigned_to);
    bad |= folio_jset_str(o, "created_by", a->created_by);
    bad |= folio_jset_str(o, "created_at", a->created_at[0] ? a->created_at : NULL);
    bad |= folio_jset_str(o, "updated_by", a->updated_by);
    bad |= folio_jset_str(o, "updated_at", a->updated_at[0] ? a->updated_at : NULL);
    bad |= folio_jset_str(o, "finalized_by", a->finalized_by);
    bad |= folio_jset_str(o, "finalized_at", a->finalized_at[0] ? a->finalized_at : NULL);
    bad |= folio_jset_str(o, "code_date", a->code_date[0] ? a->code_date : NULL);
    bad |= folio_jset(o, "codes", codes_json(req, a->codes, a->n_codes));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The encounter's facts the coder works from (no identifiers but the account number, which is
 * left out without `identifiers`). */
static json_t *encounter_json(const struct folio_abstract *a, const struct enc_facts *f,
                              bool identifiers)
{
    json_t *o = json_object();
    int bad = !o;

    if (bad)
        return NULL;
    bad |= folio_jset_int(o, "id", f->enc.id);
    bad |= folio_jset_str(o, "account_number", identifiers ? f->enc.account_number : NULL);
    bad |= folio_jset_str(o, "class", a->enc_class[0] ? a->enc_class : f->enc.enc_class);
    bad |= folio_jset_str(o, "status", f->enc.status);
    bad |= folio_jset_str(o, "admit_at", a->admit_at[0] ? a->admit_at : f->enc.admit_at);
    bad |= folio_jset_str(o, "discharge_at",
                          a->discharge_at[0] ? a->discharge_at : f->enc.discharge_at);
    bad |= folio_jset_str(o, "service", f->enc.service);
    bad |= folio_jset_str(o, "disposition", f->enc.disposition);
    bad |= folio_jset_str(o, "disposition_title", f->enc.disposition_title);
    bad |= folio_jset_str(o, "facility", f->enc.facility_code);
    bad |= f->age >= 0 ? folio_jset_int(o, "age", f->age) : folio_jset(o, "age", json_null());
    bad |= folio_jset_str(o, "sex", f->sex == 'U' ? "U" : f->sex == 'M' ? "M" : "F");
    bad |= f->los >= 0 ? folio_jset_int(o, "los", f->los) : folio_jset(o, "los", json_null());
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* A source system's code system -> the code system of the abstract, NULL when it is none of
 * them (SNOMED CT and the like: the coder looks it up in the encoder). */
static const char *abstract_system_of(const char *sys)
{
    static const char *const map[][2] = {
        {"I10", "icd10cm"},
        {"ICD10CM", "icd10cm"},
        {"ICD-10-CM", "icd10cm"},
        {"http://hl7.org/fhir/sid/icd-10-cm", "icd10cm"},
        {"2.16.840.1.113883.6.90", "icd10cm"},
        {"I10P", "icd10pcs"},
        {"ICD10PCS", "icd10pcs"},
        {"ICD-10-PCS", "icd10pcs"},
        {"http://www.cms.gov/Medicare/Coding/ICD10", "icd10pcs"},
        {"2.16.840.1.113883.6.4", "icd10pcs"},
        {"C4", "cpt"},
        {"CPT", "cpt"},
        {"http://www.ama-assn.org/go/cpt", "cpt"},
        {"2.16.840.1.113883.6.12", "cpt"},
        {"HCPCS", "hcpcs"},
        {"HCPCS Level II", "hcpcs"},
        {"https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets", "hcpcs"},
        {"2.16.840.1.113883.6.285", "hcpcs"},
    };
    size_t i;

    if (!sys)
        return NULL;
    for (i = 0; i < FOLIO_ARRAY_LEN(map); i++)
        if (folio_sv_ieq_cstr(folio_sv_from(sys), map[i][0]))
            return map[i][1];
    return NULL;
}

static json_t *source_json(const struct folio_source_code *s, size_t n)
{
    json_t *arr = json_array();
    size_t i;

    for (i = 0; arr && i < n; i++) {
        json_t *o = json_object();
        const char *as = abstract_system_of(s[i].system);
        char code[16];
        struct folio_err e;
        int bad = !o;

        folio_err_clear(&e);
        bad |= o ? folio_jset_str(o, "kind", s[i].kind) : 1;
        bad |= o ? folio_jset_str(o, "system", s[i].system) : 1;
        bad |= o ? folio_jset_str(o, "code", s[i].code) : 1;
        bad |= o ? folio_jset_str(o, "display", s[i].display) : 1;
        bad |= o ? folio_jset_str(o, "date", s[i].date) : 1;
        bad |= o ? folio_jset_str(o, "source", s[i].source) : 1;
        bad |= o ? folio_jset_str(o, "dx_type", s[i].dx_type) : 1;
        bad |= o ? folio_jset(o, "dx_priority",
                              s[i].has_dx_priority ? json_integer(s[i].dx_priority) : json_null())
                 : 1;
        /* What one click adds to the abstract, when the source code is of one of its systems */
        if (!bad && as && s[i].code && folio_codes_normalize(s[i].code, code, &e) == FOLIO_OK) {
            bad |= folio_jset_str(o, "abstract_system", as);
            bad |= folio_jset_str(o, "abstract_code", code);
        } else if (!bad) {
            bad |= folio_jset(o, "abstract_system", json_null());
            bad |= folio_jset(o, "abstract_code", json_null());
        }
        if (bad || json_array_append_new(arr, o)) {
            if (bad)
                json_decref(o);
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* The encounter's documents for the left pane (ids, titles, types, dates, current version). */
static json_t *documents_json(const struct folio_document_page *pg)
{
    json_t *arr = json_array();
    size_t i;

    for (i = 0; arr && i < pg->n; i++) {
        const struct folio_document *d = &pg->items[i];
        json_t *o = json_object();
        int bad = !o;

        bad |= o ? folio_jset_int(o, "id", d->id) : 1;
        bad |= o ? folio_jset_str(o, "title", d->current.title) : 1;
        bad |= o ? folio_jset_str(o, "type_code", d->type_code) : 1;
        bad |= o ? folio_jset_str(o, "type_title", d->type_title) : 1;
        bad |= o ? folio_jset_str(o, "service_at", d->service_at) : 1;
        bad |= o ? folio_jset_str(o, "filed_at", d->filed_at) : 1;
        bad |= o ? folio_jset_str(o, "status", d->current.status) : 1;
        bad |= o ? folio_jset_str(o, "mime_type", d->current.mime_type) : 1;
        bad |= o ? folio_jset_int(o, "version_no", d->current.version_no) : 1;
        bad |= o ? folio_jset_int(o, "n_versions", d->n_versions) : 1;
        if (bad || json_array_append_new(arr, o)) {
            if (bad)
                json_decref(o);
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* The whole coding view of an encounter: abstract, encounter facts, patient, findings of the
 * saved codes, source codes and (with document.read) the encounter's documents. */
static enum folio_rc reply_abstract(struct folio_req *req, struct folio_resp *resp, int status,
                                    const struct folio_abstract *a, const struct enc_facts *ef,
                                    struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    bool ids = folio_req_can(req, FOLIO_PERM_IDENTIFIERS);
    struct folio_source_code *src = NULL;
    struct folio_document_page pg;
    struct findings fs;
    size_t n_src = 0;
    json_t *o;
    enum folio_rc rc;
    int bad;

    memset(&pg, 0, sizeof pg);
    rc = run_check(req, ef, a->code_date, a->codes, a->n_codes, &fs, err);
    rc =
        rc ? rc : folio_abstract_source(req->store, a->encounter_id, req->arena, &src, &n_src, err);
    if (!rc && folio_req_can(req, FOLIO_PERM_DOCUMENT_READ))
        rc = folio_document_list(&c, ef->enc.patient_id, a->encounter_id, 200, 0, req->arena, &pg,
                                 err);
    if (rc)
        return rc;
    o = abstract_json(req, a);
    bad = !o;
    bad |= o ? folio_jset(o, "encounter", encounter_json(a, ef, ids)) : 1;
    bad |= o ? folio_jset(o, "patient", patient_brief(&ef->pat, ids)) : 1;
    bad |= o ? set_findings(req, o, &fs, a->codes, a->n_codes, false) : 1;
    bad |= o ? folio_jset(o, "source_codes", source_json(src, n_src)) : 1;
    bad |= o ? folio_jset(o, "documents",
                          folio_req_can(req, FOLIO_PERM_DOCUMENT_READ) ? documents_json(&pg)
                                                                       : json_null())
             : 1;
    if (bad) {
        json_decref(o);
        return folio_render_nomem(err);
    }
    folio_resp_etag(resp, a->version);
    return folio_api_reply(resp, status, o, err);
}

/* ---------------------------------------------------------------- parsing codes */

/* {codes:[{role, system, code, poa, date, operator, modifiers}]} -> an array in the arena. */
static enum folio_rc parse_codes(struct folio_req *req, const json_t *body,
                                 struct folio_abstract_code **out, size_t *n_out,
                                 struct folio_err *err)
{
    static const char *const allowed[] = {"role", "system",   "code",      "poa",
                                          "date", "operator", "modifiers", NULL};
    const json_t *arr = NULL, *v;
    struct folio_abstract_code *codes = NULL;
    enum folio_rc rc;
    size_t i, n;

    *out = NULL;
    *n_out = 0;
    rc = folio_api_arr(body, NULL, "codes", FOLIO_ABSTRACT_MAX_CODES, &arr, err);
    if (rc)
        return rc;
    if (!arr)
        return folio_err_set(err, FOLIO_EINVAL, "codes",
                             "codes is required (an array, may be "
                             "empty)");
    n = json_array_size(arr);
    if (n) {
        codes = folio_arena_calloc(req->arena, n, sizeof *codes);
        if (!codes)
            return folio_render_nomem(err);
    }
    json_array_foreach(arr, i, v)
    {
        struct folio_abstract_code *c = &codes[i];
        const char *role = NULL, *sys = NULL, *code = NULL, *poa = NULL, *date = NULL, *op = NULL,
                   *mods = NULL;
        char path[24], f[48];

        (void)folio_snprintf(path, sizeof path, "codes[%zu]", i);
        if (!json_is_object(v))
            return folio_err_set(err, FOLIO_EINVAL, path, "%s must be an object", path);
        rc = folio_api_only(v, path, allowed, err);
        rc = rc ? rc : folio_api_req_str(v, path, "role", &role, err);
        rc = rc ? rc : folio_api_str(v, path, "system", &sys, err);
        rc = rc ? rc : folio_api_req_str(v, path, "code", &code, err);
        rc = rc ? rc : folio_api_str(v, path, "poa", &poa, err);
        rc = rc ? rc : folio_api_str(v, path, "date", &date, err);
        rc = rc ? rc : folio_api_str(v, path, "operator", &op, err);
        rc = rc ? rc : folio_api_str(v, path, "modifiers", &mods, err);
        if (rc)
            return rc;
        (void)folio_snprintf(f, sizeof f, "%s.role", path);
        if (folio_abs_role_parse(role, &c->role, err))
            return folio_err_set(err, FOLIO_EINVAL, f,
                                 "%s: '%s' is not a role (principal, secondary, admitting, "
                                 "reason_for_visit, external_cause, procedure)",
                                 f, role);
        (void)folio_snprintf(f, sizeof f, "%s.system", path);
        if (folio_str_empty(sys))
            c->system = is_diagnosis(c->role) ? FOLIO_CS_ICD10CM : FOLIO_CS_ICD10PCS;
        else if (folio_code_system_parse(sys, &c->system, err))
            return folio_err_set(err, FOLIO_EINVAL, f,
                                 "%s: '%s' is not a code system (icd10cm, icd10pcs, cpt, hcpcs)", f,
                                 sys);
        if (is_diagnosis(c->role) ? c->system != FOLIO_CS_ICD10CM : c->system == FOLIO_CS_ICD10CM)
            return folio_err_set(err, FOLIO_EINVAL, f, "%s: a %s code cannot be a %s", f,
                                 folio_code_system_name(c->system), role);
        (void)folio_snprintf(f, sizeof f, "%s.code", path);
        if (folio_codes_normalize(code, c->code, err))
            return folio_err_set(err, FOLIO_EINVAL, f,
                                 "%s: '%.40s' is not a code (letters and digits, a dot allowed)", f,
                                 code);
        (void)folio_snprintf(f, sizeof f, "%s.poa", path);
        if (!folio_str_empty(poa)) {
            if (!is_diagnosis(c->role))
                return folio_err_set(err, FOLIO_EINVAL, f, "%s: a procedure has no POA", f);
            if (strlen(poa) != 1 || !strchr("YNUW1", poa[0]))
                return folio_err_set(err, FOLIO_EINVAL, f,
                                     "%s: '%.8s' is not a POA indicator (Y, N, U, W or 1)", f, poa);
            c->poa = poa[0];
        }
        (void)folio_snprintf(f, sizeof f, "%s.date", path);
        if (!folio_str_empty(date)) {
            if (is_diagnosis(c->role))
                return folio_err_set(err, FOLIO_EINVAL, f, "%s: only procedures have a date", f);
            rc = check_day(date, f, err);
            if (rc)
                return rc;
            (void)folio_strlcpy(c->date, date, sizeof c->date);
        }
        (void)folio_snprintf(f, sizeof f, "%s.operator", path);
        if (!folio_str_empty(op)) {
            if (is_diagnosis(c->role))
                return folio_err_set(err, FOLIO_EINVAL, f, "%s: only procedures have an operator",
                                     f);
            rc = text_cap(op, f, OPERATOR_MAX, err);
            if (rc)
                return rc;
            c->operator_name = folio_arena_strdup(req->arena, op);
            if (!c->operator_name)
                return folio_render_nomem(err);
        }
        (void)folio_snprintf(f, sizeof f, "%s.modifiers", path);
        if (!folio_str_empty(mods)) {
            size_t k;

            if (c->system != FOLIO_CS_CPT && c->system != FOLIO_CS_HCPCS)
                return folio_err_set(err, FOLIO_EINVAL, f,
                                     "%s: only CPT and HCPCS codes have modifiers", f);
            if (strlen(mods) >= sizeof c->modifiers)
                return folio_err_set(err, FOLIO_EINVAL, f, "%s: at most %zu characters (\"26 59\")",
                                     f, sizeof c->modifiers - 1);
            for (k = 0; mods[k]; k++) {
                char ch = mods[k];

                if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                      (ch >= '0' && ch <= '9') || ch == ' ' || ch == ','))
                    return folio_err_set(err, FOLIO_EINVAL, f,
                                         "%s: '%s' is not a list of modifiers (\"LT\", \"26 59\")",
                                         f, mods);
                c->modifiers[k] = (char)((ch >= 'a' && ch <= 'z') ? ch - 32 : ch);
            }
        }
    }
    *out = codes;
    *n_out = n;
    return FOLIO_OK;
}

enum folio_rc folio_api_coding_parse_codes(struct folio_req *req, const json_t *body,
                                           struct folio_abstract_code **out, size_t *n_out,
                                           struct folio_err *err)
{
    return parse_codes(req, body, out, n_out, err);
}

/* ---------------------------------------------------------------- worklist */

static json_t *bucket_json(const struct folio_worklist_summary *sum)
{
    static const struct {
        const char *label;
        int min, max;
    } b[5] = {{"0-3", 0, 3}, {"4-7", 4, 7}, {"8-14", 8, 14}, {"15-30", 15, 30}, {"31+", 31, -1}};
    json_t *arr = json_array();
    size_t i;

    for (i = 0; arr && i < 5; i++) {
        json_t *o = json_object();
        int bad = !o;

        bad |= o ? folio_jset_str(o, "label", b[i].label) : 1;
        bad |= o ? folio_jset_int(o, "min_days", b[i].min) : 1;
        bad |= o ? (b[i].max < 0 ? folio_jset(o, "max_days", json_null())
                                 : folio_jset_int(o, "max_days", b[i].max))
                 : 1;
        bad |= o ? folio_jset_int(o, "count", (int64_t)sum->buckets[i]) : 1;
        if (bad || json_array_append_new(arr, o)) {
            if (bad)
                json_decref(o);
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* The brief of a patient (null when it cannot be read), fetched once per request and id. */
struct brief_cache {
    int64_t id;
    json_t *brief;
};

static json_t *brief_of(struct folio_req *req, struct brief_cache *cache, size_t *n_cache,
                        size_t cap, int64_t id, bool ids, enum folio_rc *rc, struct folio_err *err)
{
    struct folio_chart c = folio_api_chart(req);
    struct folio_patient p;
    enum folio_rc r;
    json_t *b;
    size_t i;

    for (i = 0; i < *n_cache; i++)
        if (cache[i].id == id)
            return json_incref(cache[i].brief);
    if (!folio_srv_btg_visible(req, id))
        return folio_srv_restricted_stub(id);
    r = folio_patient_get(&c, id, req->arena, &p, err);
    if (r == FOLIO_ENOTFOUND) {
        folio_err_clear(err);
        return json_null();
    }
    if (r) {
        *rc = r;
        return NULL;
    }
    b = patient_brief(&p, ids);
    if (b && *n_cache < cap) {
        cache[*n_cache].id = id;
        cache[*n_cache].brief = json_incref(b);
        (*n_cache)++;
    }
    return b;
}

static enum folio_rc worklist(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    struct folio_worklist_filter f;
    struct folio_worklist_summary sum;
    struct folio_worklist_row *rows = NULL;
    struct brief_cache *cache = NULL;
    bool ids = folio_req_can(req, FOLIO_PERM_IDENTIFIERS);
    const char *status = folio_req_query(req, "status");
    const char *unassigned = folio_req_query(req, "unassigned");
    int64_t min_days = 0, offset = 0, limit = 50;
    size_t n = 0, i, n_cache = 0;
    json_t *o = NULL, *items = NULL, *s = NULL;
    enum folio_rc rc;
    char *detail;
    int bad;

    memset(&f, 0, sizeof f);
    memset(&sum, 0, sizeof sum);
    f.status = -1;
    f.as_of = folio_req_query(req, "as_of");
    f.enc_class = folio_req_query(req, "class");
    f.payer = folio_req_query(req, "payer");
    f.assigned_to = folio_req_query(req, "assigned_to");
    rc = folio_req_query_i64(req, "min_days", 0, 0, 100000, &min_days, err);
    rc = rc ? rc : folio_req_query_i64(req, "offset", 0, 0, INT64_MAX / 2, &offset, err);
    rc = rc ? rc : folio_req_query_i64(req, "limit", 50, 1, 500, &limit, err);
    if (rc)
        return rc;
    if (f.as_of) {
        rc = check_day(f.as_of, "as_of", err);
        if (rc)
            return rc;
    }
    if (folio_str_empty(f.enc_class))
        f.enc_class = NULL;
    else if (strlen(f.enc_class) > 15)
        return folio_err_set(err, FOLIO_EINVAL, "class", "class is longer than 15 bytes");
    if (folio_str_empty(f.payer))
        f.payer = NULL;
    else if (strlen(f.payer) > 200)
        return folio_err_set(err, FOLIO_EINVAL, "payer", "payer is longer than 200 bytes");
    if (f.assigned_to && strlen(f.assigned_to) > 64)
        return folio_err_set(err, FOLIO_EINVAL, "assigned_to",
                             "assigned_to is longer than 64 "
                             "bytes");
    /* assigned_to= (empty) or unassigned=1: only work nobody has */
    if (unassigned) {
        if (strcmp(unassigned, "1") != 0 && strcmp(unassigned, "true") != 0 &&
            strcmp(unassigned, "0") != 0 && strcmp(unassigned, "false") != 0)
            return folio_err_set(err, FOLIO_EINVAL, "unassigned",
                                 "unassigned must be true or false");
        if (unassigned[0] == '1' || unassigned[0] == 't') {
            if (!folio_str_empty(f.assigned_to))
                return folio_err_set(err, FOLIO_EINVAL, "unassigned",
                                     "give either assigned_to or unassigned, not both");
            f.assigned_to = "";
        }
    }
    if (!folio_str_empty(status)) {
        enum folio_abstract_status st;

        if (folio_abstract_status_parse(status, &st, err) || st == FOLIO_ABS_FINAL)
            return folio_err_set(err, FOLIO_EINVAL, "status",
                                 "status: '%s' is not a worklist status (uncoded, in_progress, "
                                 "on_hold, rebill)",
                                 status);
        f.status = (int)st;
    }
    f.min_days = (int)min_days;
    f.offset = (size_t)offset;
    f.limit = (size_t)limit;
    rc = folio_coding_worklist(req->store, &f, req->arena, &rows, &n, &sum, err);
    if (rc)
        return rc;
    detail = folio_arena_printf(req->arena, "DNFC worklist: %zu of %zu", n, sum.total);
    rc = folio_srv_audit(req, "coding.worklist", 0, "encounter", 0, detail, err);
    if (rc)
        return rc;
    if (n) {
        cache = folio_arena_calloc(req->arena, n, sizeof *cache);
        if (!cache)
            return folio_render_nomem(err);
    }
    items = json_array();
    bad = !items;
    for (i = 0; !bad && i < n; i++) {
        const struct folio_worklist_row *r = &rows[i];
        json_t *x = json_object();

        bad |= !x;
        if (bad)
            break;
        bad |= folio_jset_int(x, "encounter_id", r->encounter_id);
        bad |= folio_jset_int(x, "patient_id", r->patient_id);
        bad |= folio_jset(x, "patient",
                          brief_of(req, cache, &n_cache, n, r->patient_id, ids, &rc, err));
        bad |=
            folio_jset_str(x, "account_number",
                           ids && r->account_number[0] && folio_srv_btg_visible(req, r->patient_id)
                               ? r->account_number
                               : NULL);
        bad |= folio_jset_str(x, "class", r->enc_class[0] ? r->enc_class : NULL);
        bad |= folio_jset_str(x, "service", r->service);
        bad |= folio_jset_str(x, "discharge_at", r->discharge_at[0] ? r->discharge_at : NULL);
        bad |= folio_jset_int(x, "dnfc_days", r->dnfc_days);
        bad |= folio_jset_str(x, "payer", r->payer);
        bad |= folio_jset_str(x, "status", folio_abstract_status_name(r->status));
        bad |= folio_jset_str(
            x, "hold_reason",
            r->hold_reason == FOLIO_HOLD_NONE ? NULL : folio_hold_reason_name(r->hold_reason));
        bad |= folio_jset_str(x, "assigned_to", r->assigned_to);
        bad |= folio_jset_int(x, "version", r->version);
        if (json_array_append_new(items, x))
            bad = 1;
    }
    for (i = 0; i < n_cache; i++)
        json_decref(cache[i].brief);
    if (rc) {
        json_decref(items);
        return rc;
    }
    o = bad ? NULL : folio_render_page(items, (int64_t)sum.total, limit, offset);
    if (bad)
        json_decref(items);
    s = json_object();
    bad = !o || !s;
    bad |= s ? folio_jset_int(s, "total", (int64_t)sum.total) : 1;
    bad |= s ? folio_jset(s, "buckets", bucket_json(&sum)) : 1;
    if (bad) {
        json_decref(o);
        json_decref(s);
        return folio_render_nomem(err);
    }
    if (folio_jset(o, "summary", s)) {
        json_decref(o);
        return folio_render_nomem(err);
    }
    return folio_api_reply(resp, 200, o, err);
}

/* ---------------------------------------------------------------- one abstract */

static enum folio_rc get_abstract(struct folio_req *req, int64_t enc_id, struct enc_facts *ef,
                                  struct folio_abstract **a, struct folio_err *err)
{
    char day[11];
    enum folio_rc rc;

    today(day);
    rc = load_facts(req, enc_id, ef, err);
    rc = rc ? rc : folio_abstract_get(req->store, enc_id, day, req->arena, a, err);
    if (rc == FOLIO_ENOTFOUND)
        (void)folio_strlcpy(err->field, "id", sizeof err->field);
    return rc;
}

static enum folio_rc view(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    struct folio_abstract *a = NULL;
    struct enc_facts ef;
    enum folio_rc rc;

    rc = get_abstract(req, req->ids[0], &ef, &a, err);
    rc = rc ? rc
            : folio_srv_audit(req, "coding.view", ef.enc.patient_id, "encounter", req->ids[0],
                              "abstract", err);
    return rc ? rc : reply_abstract(req, resp, 200, a, &ef, err);
}

static enum folio_rc save(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    static const char *const allowed[] = {"codes", "reason", NULL};
    struct folio_abstract_save in;
    struct folio_abstract *a = NULL, *after = NULL;
    struct folio_abstract_code *codes = NULL;
    struct enc_facts ef;
    const char *reason = NULL;
    json_t *body = NULL;
    int64_t expected = 0;
    size_t n = 0;
    enum folio_rc rc;
    char *detail;

    rc = get_abstract(req, req->ids[0], &ef, &a, err);
    rc = rc ? rc : precondition(req, a->version, &expected, err);
    rc = rc ? rc : folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc : folio_api_str(body, NULL, "reason", &reason, err);
    rc = rc ? rc : text_cap(reason, "reason", TEXT_MAX, err);
    rc = rc ? rc : parse_codes(req, body, &codes, &n, err);
    if (rc)
        goto out;
    memset(&in, 0, sizeof in);
    in.encounter_id = req->ids[0];
    in.expected_version = expected;
    in.codes = codes;
    in.n_codes = n;
    in.reason = folio_str_empty(reason) ? NULL : reason;
    in.user = req->session ? req->session->username : NULL;
    rc = api_field(folio_abstract_put(req->store, &in, req->arena, &after, err), err);
    if (rc)
        goto out;
    detail = folio_arena_printf(req->arena, "abstract v%lld -> v%lld, %zu codes",
                                (long long)a->version, (long long)after->version, n);
    rc = folio_srv_audit(req, "coding.save", ef.enc.patient_id, "encounter", req->ids[0], detail,
                         err);
    rc = rc ? rc : reply_abstract(req, resp, 200, after, &ef, err);
out:
    json_decref(body);
    return rc;
}

static enum folio_rc check(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    static const char *const allowed[] = {"codes", NULL};
    struct folio_abstract *a = NULL;
    struct folio_abstract_code *codes = NULL;
    struct enc_facts ef;
    struct findings fs;
    json_t *body = NULL, *o = NULL;
    size_t n = 0;
    enum folio_rc rc;

    rc = get_abstract(req, req->ids[0], &ef, &a, err);
    rc = rc ? rc : folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc : parse_codes(req, body, &codes, &n, err);
    /* Checking codes against the stay reads the chart (restricted charts, btg.h). */
    rc = rc ? rc
            : folio_srv_audit(req, "coding.check", ef.enc.patient_id, "encounter", req->ids[0],
                              "abstract check", err);
    rc = rc ? rc : run_check(req, &ef, a->code_date, codes, n, &fs, err);
    if (rc)
        goto out;
    o = json_object();
    if (!o || folio_jset_str(o, "code_date", a->code_date[0] ? a->code_date : NULL) ||
        set_findings(req, o, &fs, codes, n, false)) {
        json_decref(o);
        rc = folio_render_nomem(err);
        goto out;
    }
    rc = folio_api_reply(resp, 200, o, err);
out:
    json_decref(body);
    return rc;
}

static enum folio_rc set_status(struct folio_req *req, struct folio_resp *resp,
                                struct folio_err *err)
{
    static const char *const allowed[] = {"to", "hold_reason", "hold_note", "reason", NULL};
    struct folio_abstract_status_change in;
    struct folio_abstract *a = NULL, *after = NULL;
    struct enc_facts ef;
    const char *to = NULL, *hold = NULL, *note = NULL, *reason = NULL;
    json_t *body = NULL;
    int64_t expected = 0;
    enum folio_rc rc;
    char *detail;

    memset(&in, 0, sizeof in);
    rc = get_abstract(req, req->ids[0], &ef, &a, err);
    rc = rc ? rc : precondition(req, a->version, &expected, err);
    rc = rc ? rc : folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc : folio_api_str(body, NULL, "hold_reason", &hold, err);
    rc = rc ? rc : folio_api_str(body, NULL, "hold_note", &note, err);
    rc = rc ? rc : folio_api_str(body, NULL, "reason", &reason, err);
    rc = rc ? rc : folio_api_req_str(body, NULL, "to", &to, err);
    rc = rc ? rc : text_cap(note, "hold_note", TEXT_MAX, err);
    rc = rc ? rc : text_cap(reason, "reason", TEXT_MAX, err);
    if (rc)
        goto out;
    if (folio_abstract_status_parse(to, &in.to, err) || in.to == FOLIO_ABS_UNCODED) {
        rc = folio_err_set(err, FOLIO_EINVAL, "to",
                           "to: '%s' is not a status to change to (in_progress, on_hold, final, "
                           "rebill)",
                           to);
        goto out;
    }
    if (!folio_str_empty(hold)) {
        if (in.to != FOLIO_ABS_ON_HOLD) {
            rc = folio_err_set(err, FOLIO_EINVAL, "hold_reason",
                               "hold_reason goes with to: on_hold only");
            goto out;
        }
        if (folio_hold_reason_parse(hold, &in.hold_reason, err) ||
            in.hold_reason == FOLIO_HOLD_NONE) {
            rc = folio_err_set(err, FOLIO_EINVAL, "hold_reason",
                               "hold_reason: '%s' is not a hold reason (awaiting_query, "
                               "awaiting_documentation, awaiting_pathology, billing, other)",
                               hold);
            goto out;
        }
    }
    /* finalizing from a state that allows it: the checks decide (other states: the abstract
     * module names the transition that does not exist) */
    if (in.to == FOLIO_ABS_FINAL &&
        (a->status == FOLIO_ABS_IN_PROGRESS || a->status == FOLIO_ABS_REBILL)) {
        struct findings fs;

        rc = run_check(req, &ef, a->code_date, a->codes, a->n_codes, &fs, err);
        if (rc)
            goto out;
        if (folio_check_blocks(fs.f, fs.n)) {
            /* 409 with the findings that block, answered here so the client gets the list */
            size_t k, nb = 0;
            json_t *o;

            for (k = 0; k < fs.n; k++)
                nb += fs.f[k].severity == FOLIO_CHECK_ERROR;
            o = folio_api_error_body(FOLIO_ESTATE, "codes",
                                     folio_arena_printf(req->arena,
                                                        "cannot finalize: %zu blocking "
                                                        "finding%s (errors) must be resolved "
                                                        "first",
                                                        nb, nb == 1 ? "" : "s"));
            if (!o || set_findings(req, o, &fs, a->codes, a->n_codes, true)) {
                json_decref(o);
                rc = folio_render_nomem(err);
                goto out;
            }
            folio_resp_etag(resp, a->version);
            rc = folio_api_reply(resp, 409, o, err);
            goto out;
        }
    }
    in.encounter_id = req->ids[0];
    in.expected_version = expected;
    in.hold_note = folio_str_empty(note) ? NULL : note;
    in.reason = folio_str_empty(reason) ? NULL : reason;
    in.user = req->session ? req->session->username : NULL;
    rc = api_field(folio_abstract_set_status(req->store, &in, req->arena, &after, err), err);
    if (rc)
        goto out;
    detail =
        folio_arena_printf(req->arena, "%s -> %s%s%s", folio_abstract_status_name(a->status),
                           folio_abstract_status_name(after->status), in.hold_reason ? " " : "",
                           in.hold_reason ? folio_hold_reason_name(in.hold_reason) : "");
    rc = folio_srv_audit(req, "coding.status", ef.enc.patient_id, "encounter", req->ids[0], detail,
                         err);
    rc = rc ? rc : reply_abstract(req, resp, 200, after, &ef, err);
out:
    json_decref(body);
    return rc;
}

static enum folio_rc history(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    struct folio_abstract_change *h = NULL;
    struct enc_facts ef;
    size_t n = 0, i;
    json_t *items, *o;
    enum folio_rc rc;
    int bad;

    rc = load_facts(req, req->ids[0], &ef, err);
    rc = rc ? rc : folio_abstract_history(req->store, req->ids[0], req->arena, &h, &n, err);
    if (rc == FOLIO_ENOTFOUND)
        (void)folio_strlcpy(err->field, "id", sizeof err->field);
    rc = rc ? rc
            : folio_srv_audit(req, "coding.view", ef.enc.patient_id, "encounter", req->ids[0],
                              "abstract history", err);
    if (rc)
        return rc;
    items = json_array();
    bad = !items;
    for (i = 0; !bad && i < n; i++) {
        const struct folio_abstract_change *c = &h[i];
        enum folio_code_system cs =
            c->role == FOLIO_ABS_PROCEDURE ? FOLIO_CS_ICD10PCS : FOLIO_CS_ICD10CM;
        json_t *x = json_object();

        bad |= !x;
        if (bad)
            break;
        bad |= folio_jset_int(x, "id", c->id);
        bad |= folio_jset_str(x, "at", c->at);
        bad |= folio_jset_str(x, "user", c->user);
        bad |= folio_jset_str(x, "action", c->action);
        bad |= folio_jset_str(x, "role", c->role ? folio_abs_role_name(c->role) : NULL);
        bad |= folio_jset_str(x, "code", c->code[0] ? c->code : NULL);
        bad |= folio_jset_str(x, "dotted", c->code[0] ? dotted(req, cs, c->code) : NULL);
        bad |= folio_jset_str(x, "old_value", c->old_value);
        bad |= folio_jset_str(x, "new_value", c->new_value);
        bad |= folio_jset_str(x, "reason", c->reason);
        if (json_array_append_new(items, x))
            bad = 1;
    }
    o = bad ? NULL : json_object();
    /* items first: folio_jset consumes it even when it fails */
    if (!o || folio_jset(o, "items", items) || folio_jset_int(o, "encounter_id", req->ids[0])) {
        if (!o)
            json_decref(items);
        json_decref(o);
        return folio_render_nomem(err);
    }
    return folio_api_reply(resp, 200, o, err);
}

/* ---------------------------------------------------------------- assignment */

static enum folio_rc assign(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    static const char *const allowed[] = {"encounter_ids", "coder", NULL};
    const char *me = req->session ? req->session->username : "";
    bool manage = folio_req_can(req, FOLIO_PERM_CODING_MANAGE);
    const json_t *arr = NULL, *v;
    const char *coder = NULL;
    int64_t *ids = NULL, *pids = NULL;
    json_t *body = NULL, *o;
    size_t n = 0, i, j;
    enum folio_rc rc;
    char now[32];

    rc = folio_req_json(req, &body, err);
    rc = rc ? rc : folio_json_only(body, allowed, err);
    rc = rc ? rc : folio_api_arr(body, NULL, "encounter_ids", ASSIGN_MAX, &arr, err);
    rc = rc ? rc : folio_api_str(body, NULL, "coder", &coder, err);
    if (rc)
        goto out;
    if (!arr || json_array_size(arr) == 0) {
        rc =
            folio_err_set(err, FOLIO_EINVAL, "encounter_ids",
                          "encounter_ids is required: a list of 1 to %d encounter ids", ASSIGN_MAX);
        goto out;
    }
    if (!json_object_get(body, "coder")) {
        rc = folio_err_set(err, FOLIO_EINVAL, "coder",
                           "coder is required: a username, or null to unassign");
        goto out;
    }
    n = json_array_size(arr);
    ids = folio_arena_calloc(req->arena, n, sizeof *ids);
    pids = folio_arena_calloc(req->arena, n, sizeof *pids);
    if (!ids || !pids) {
        rc = folio_render_nomem(err);
        goto out;
    }
    json_array_foreach(arr, i, v)
    {
        if (!json_is_integer(v) || json_integer_value(v) < 1) {
            rc = folio_err_set(err, FOLIO_EINVAL, "encounter_ids",
                               "encounter_ids[%zu] must be a positive integer", i);
            goto out;
        }
        ids[i] = (int64_t)json_integer_value(v);
        for (j = 0; j < i; j++) {
            if (ids[j] == ids[i]) {
                rc = folio_err_set(err, FOLIO_EINVAL, "encounter_ids",
                                   "encounter_ids: %lld is listed twice", (long long)ids[i]);
                goto out;
            }
        }
    }
    if (!folio_str_empty(coder)) {
        struct folio_user u;

        rc = folio_user_get(req->store, coder, req->arena, &u, err);
        if (rc == FOLIO_ENOTFOUND || rc == FOLIO_EINVAL) {
            rc = folio_err_set(err, FOLIO_EINVAL, "coder", "coder: no user '%.64s'", coder);
            goto out;
        }
        if (rc)
            goto out;
        if (!folio_roles_can(u.roles, FOLIO_PERM_CODING_WRITE) || u.disabled) {
            rc = folio_err_set(err, FOLIO_EINVAL, "coder",
                               "coder: '%.64s' is not an active user who may code", coder);
            goto out;
        }
        coder = u.username;
    }
    if (!manage && (folio_str_empty(coder) || strcmp(coder, me) != 0)) {
        rc = folio_api_deny(req, resp, "coder",
                            "your roles allow taking work for yourself only: assigning to "
                            "others or unassigning needs coding.manage",
                            err);
        goto out;
    }
    /* The patients, for the audit trail; a coder takes only unassigned work or their own. */
    for (i = 0; i < n; i++) {
        struct folio_abstract *a = NULL;
        char day[11];

        today(day);
        rc = folio_abstract_get(req->store, ids[i], day, req->arena, &a, err);
        if (rc == FOLIO_ENOTFOUND) {
            char f[32];

            (void)folio_snprintf(f, sizeof f, "encounter_ids[%zu]", i);
            rc = folio_err_set(err, FOLIO_ENOTFOUND, f, "%s: no encounter %lld", f,
                               (long long)ids[i]);
            goto out;
        }
        if (rc)
            goto out;
        pids[i] = a->patient_id;
        if (!manage && a->assigned_to && strcmp(a->assigned_to, me) != 0) {
            char f[32];

            (void)folio_snprintf(f, sizeof f, "encounter_ids[%zu]", i);
            rc = folio_err_set(err, FOLIO_ESTATE, f,
                               "encounter %lld is assigned to %s: ask a coding lead to reassign "
                               "it",
                               (long long)ids[i], a->assigned_to);
            goto out;
        }
    }
    folio_time_now_utc(now);
    rc = folio_coding_assign(req->store, ids, n, folio_str_empty(coder) ? NULL : coder, me, now,
                             err);
    if (rc)
        goto out;
    for (i = 0; !rc && i < n; i++)
        rc = folio_srv_audit(req, "coding.assign", pids[i], "encounter", ids[i],
                             folio_arena_printf(req->arena, "assigned to %s",
                                                folio_str_empty(coder) ? "nobody" : coder),
                             err);
    if (rc)
        goto out;
    o = json_object();
    if (!o || folio_jset_int(o, "assigned", (int64_t)n) ||
        folio_jset_str(o, "coder", folio_str_empty(coder) ? NULL : coder)) {
        json_decref(o);
        rc = folio_render_nomem(err);
        goto out;
    }
    rc = folio_api_reply(resp, 200, o, err);
out:
    json_decref(body);
    return rc;
}

/* ---------------------------------------------------------------- productivity */

static enum folio_rc productivity(struct folio_req *req, struct folio_resp *resp,
                                  struct folio_err *err)
{
    static const char *const classes[5] = {"inpatient", "outpatient", "emergency", "observation",
                                           "other"};
    const char *from = folio_req_query(req, "from"), *to = folio_req_query(req, "to");
    bool all = folio_req_can(req, FOLIO_PERM_CODING_MANAGE);
    const char *me = req->session ? req->session->username : "";
    struct folio_productivity_row *rows = NULL;
    char day[11], first[11];
    json_t *o, *items;
    size_t n = 0, i, k;
    enum folio_rc rc;
    int bad;

    today(day);
    memcpy(first, day, 8);
    memcpy(first + 8, "01", 3);
    if (folio_str_empty(to))
        to = day;
    if (folio_str_empty(from))
        from = first;
    rc = check_day(from, "from", err);
    rc = rc ? rc : check_day(to, "to", err);
    if (rc)
        return rc;
    if (strcmp(from, to) > 0)
        return folio_err_set(err, FOLIO_EINVAL, "from", "from (%s) is after to (%s)", from, to);
    rc = folio_coding_productivity(req->store, from, to, req->arena, &rows, &n, err);
    if (rc)
        return rc;
    items = json_array();
    bad = !items;
    for (i = 0; !bad && i < n; i++) {
        const struct folio_productivity_row *r = &rows[i];
        json_t *x, *bc;

        if (!all && (!r->coder || strcmp(r->coder, me) != 0))
            continue;
        x = json_object();
        bc = json_object();
        bad |= !x || !bc;
        for (k = 0; !bad && k < 5; k++)
            bad |= folio_jset_int(bc, classes[k], r->by_class[k]);
        bad |= x ? folio_jset_str(x, "coder", r->coder) : 1;
        bad |= x ? folio_jset_int(x, "finalized", r->finalized) : 1;
        bad |= x ? folio_jset(x, "by_class", bc) : (json_decref(bc), 1);
        bad |= x ? folio_jset(x, "active_hours", json_real(round(r->active_hours * 100.0) / 100.0))
                 : 1;
        bad |= x ? folio_jset(x, "charts_per_hour",
                              json_real(round(r->charts_per_hour * 100.0) / 100.0))
                 : 1;
        if (!x || json_array_append_new(items, x))
            bad = 1;
    }
    o = bad ? NULL : json_object();
    if (!o || folio_jset(o, "items", items) || folio_jset_str(o, "from", from) ||
        folio_jset_str(o, "to", to) || folio_jset_str(o, "scope", all ? "all" : "own")) {
        if (!o)
            json_decref(items);
        json_decref(o);
        return folio_render_nomem(err);
    }
    return folio_api_reply(resp, 200, o, err);
}

/* GET /coding/coders: the active users who may code, for assigning work. */
static enum folio_rc coders(struct folio_req *req, struct folio_resp *resp, struct folio_err *err)
{
    struct folio_user *u = NULL;
    size_t n = 0, i;
    json_t *items = json_array(), *o;
    enum folio_rc rc;

    if (!items)
        return folio_render_nomem(err);
    if ((rc = folio_user_list(req->store, req->arena, &u, &n, err))) {
        json_decref(items);
        return rc;
    }
    for (i = 0; i < n; i++) {
        json_t *it;
        if (u[i].disabled || !folio_roles_can(u[i].roles, FOLIO_PERM_CODING_WRITE))
            continue;
        it = json_object();
        if (!it || folio_jset_str(it, "username", u[i].username) ||
            folio_jset_str(it, "display_name", u[i].display_name) ||
            folio_jset(it, "manager", json_boolean(folio_roles_can(u[i].roles,
                                                                   FOLIO_PERM_CODING_MANAGE))) ||
            json_array_append_new(items, it)) {
            json_decref(it);
            json_decref(items);
            return folio_render_nomem(err);
        }
    }
    o = json_object();
    if (!o || folio_jset(o, "items", items)) {
        if (!o)
            json_decref(items);
        json_decref(o);
        return folio_render_nomem(err);
    }
    return folio_api_reply(resp, 200, o, err);
}

const struct folio_route folio_api_coding_routes[] = {
    {"GET", "/api/v1/coding/coders", FOLIO_PERM_CODING_MANAGE, coders,
     "Active users who may code (for assigning work)"},
    {"GET", "/api/v1/coding/worklist", FOLIO_PERM_CODING_READ, worklist,
     "DNFC worklist: discharged encounters not final coded, oldest first"},
    {"POST", "/api/v1/coding/assign", FOLIO_PERM_CODING_WRITE, assign,
     "Assign encounters to a coder (to oneself with coding.write; others: coding.manage)"},
    {"GET", "/api/v1/coding/productivity", FOLIO_PERM_CODING_WRITE, productivity,
     "Coder productivity for a period (everyone with coding.manage, else one's own)"},
    {"GET", "/api/v1/encounters/{id}/abstract", FOLIO_PERM_CODING_READ, view,
     "An encounter's coding abstract with findings, source codes and documents"},
    {"PUT", "/api/v1/encounters/{id}/abstract", FOLIO_PERM_CODING_WRITE, save,
     "Save the abstract's codes (If-Match required once it exists)"},
    {"POST", "/api/v1/encounters/{id}/abstract/check", FOLIO_PERM_CODING_READ, check,
     "Check a draft code list (nothing is written)"},
    {"POST", "/api/v1/encounters/{id}/abstract/status", FOLIO_PERM_CODING_WRITE, set_status,
     "Hold, resume, finalize or reopen for rebill (If-Match required once it exists)"},
    {"GET", "/api/v1/encounters/{id}/abstract/history", FOLIO_PERM_CODING_READ, history,
     "The abstract's change history, oldest first"},
    {NULL, NULL, FOLIO_PERM_NONE, NULL, NULL},
};

/* folio demo: a database with something on every screen. Imports the Synthea CSV sample (111
 * patients) through the importer, then adds one demo inpatient stay with an H&P, a discharge
 * summary (finalized, then amended), an operative note and a few observations. Idempotent:
 * everything is matched by its external id, so a second run adds nothing. With --codes it also
 * loads the code sets staged in the shared data folder (for the encoder and the edits); loading
 * a release again is a no-op ("already loaded"). */
#include "folio/base.h"

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_chart.h"
#include "cli/cli_util.h"
#include "cli/demo_parts.h"
#include "folio/codes.h"
#include "folio/completeness.h"
#include "folio/import.h"
#include "folio/privacy.h"
#include "folio/query.h"
#include "folio/records.h"

#define DEMO_CSV    "corpora/synthea/csv_unmc_111pt"
#define DEMO_CODES  "codesets"
#define DEMO_SYSTEM "folio-demo"
#define DEMO_RULES  "etc/completeness.rules"
/* The demo's attending, and the provider the demo user "clinician" is (their inbox). */
#define DEMO_NPI       "1234567893"
#define DEMO_CLINICIAN "clinician"
/* Demo databases only (docs/users.md): every demo user has this published password. */
#define DEMO_PASSWORD "demo-password"

static const struct {
    const char *username, *name;
    uint32_t role;
} demo_users[] = {
    {"him.tech", "Demo HIM Technician", FOLIO_ROLE_HIM_TECHNICIAN},
    {"chart.analyst", "Demo Chart Analyst", FOLIO_ROLE_CHART_ANALYST},
    {"coder", "Demo Coder", FOLIO_ROLE_CODER},
    {"coding.auditor", "Demo Coding Auditor", FOLIO_ROLE_CODING_AUDITOR},
    {"roi", "Demo ROI Specialist", FOLIO_ROLE_ROI_SPECIALIST},
    {"roi.qa", "Demo ROI QA Reviewer", FOLIO_ROLE_ROI_SPECIALIST}, /* the second person of QA */
    {"privacy", "Demo Privacy Officer", FOLIO_ROLE_PRIVACY_OFFICER},
    {"registrar", "Demo Cancer Registrar", FOLIO_ROLE_CANCER_REGISTRAR},
    {"clinician", "Demo Clinician", FOLIO_ROLE_CLINICIAN},
    {"analyst", "Demo Analyst", FOLIO_ROLE_ANALYST},
    {"admin", "Demo Administrator", FOLIO_ROLE_ADMINISTRATOR},
};

static const char usage[] =
    "usage: folio demo [--source DIR] [--codes] [--codes-dir DIR] [--rules FILE]\n"
    "\n"
    "Fills the database with demo data: the Synthea CSV sample of 111 patients\n"
    "(" DEMO_CSV " under the shared data folder: $FOLIO_SHARED/data, else\n"
    "<folio binary>/../../../shared/data, else ../shared/data), then one demo inpatient stay\n"
    "with an H&P, an amended discharge summary, an operative note and observations,\n"
    "and one demo user per role (password \"" DEMO_PASSWORD "\": demo only, docs/users.md).\n"
    "Chart completeness: when no rule set was ever loaded, loads --rules FILE (else\n"
    "$FOLIO_RULES, else " DEMO_RULES " of the source tree, <binary>/../../" DEMO_RULES ",\n"
    "else ./" DEMO_RULES "), links the user \"" DEMO_CLINICIAN "\" to the demo stay's attending,\n"
    "sends one query to them, and analyses the discharged inpatient and emergency stays at\n"
    "the real clock (outpatient visits: folio completeness analyze ID).\n"
    "Running it again adds nothing (existing users are left as they are). Creates the key\n"
    "file when missing.\n"
    "\n"
    "--codes also loads the code sets staged under the shared data folder (" DEMO_CODES "/:\n"
    "ICD-10-CM FY2021 order file and tabular, the FY2026 valid-code list, ICD-10-PCS FY2026\n"
    "tables and definitions, HCPCS 2020-10, the MCE 43.1 tables; about 10 s), so the encoder\n"
    "and the code screens have something to search; it says so and goes on when they are\n"
    "absent. --codes-dir DIR takes them from DIR (same layout) and implies --codes.\n";

/* The code-set files of the shared data folder (../shared/data/codesets/SOURCES.md), in load
 * order: the tabular fills in the order file's codes, the valid-code list is FY2026's. */
static const struct {
    const char *kind, *rel;
} demo_codesets[] = {
    {"icd10cm-order", "icd10cm/fy2021/icd10cm-order-Jan-2021.txt"},
    {"icd10cm-tabular", "icd10cm/fy2021/icd10cm_tabular_2021.xml"},
    {"icd10cm-valid", "icd10cm/fy2026/icd10cm_valid_codes_fy2026_from_mce431.txt"},
    {"icd10pcs-tables", "icd10pcs/icd10pcs_tables_2026.xml"},
    {"icd10pcs-definitions", "icd10pcs/icd10pcs_definitions_2026.xml"},
    {"hcpcs", "hcpcs/2020-10/anweb.xlsx"},
    {"mce", "mce-v431"},
};

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* rel (a directory) under the shared data folder: $FOLIO_SHARED/data, <binary>/../../../shared/data,
 * ../shared/data; false when no candidate exists. */
static bool find_shared(const char *rel, char *out, size_t cap)
{
    const char *env = getenv("FOLIO_SHARED");
    char exe[PATH_MAX];
    ssize_t n;

    if (!folio_str_empty(env)) {
        if (folio_snprintf(out, cap, "%s/data/%s", env, rel) && is_dir(out))
            return true;
    }
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        char *slash;
        exe[n] = '\0';
        slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            if (folio_snprintf(out, cap, "%s/../../../shared/data/%s", exe, rel) && is_dir(out))
                return true;
        }
    }
    if (folio_snprintf(out, cap, "../shared/data/%s", rel) && is_dir(out))
        return true;
    return false;
}

/* The Synthea CSV folder, or false when no candidate exists. */
static bool find_source(char *out, size_t cap)
{
    return find_shared(DEMO_CSV, out, cap);
}

static void progress(void *ctx, const char *what, int64_t done)
{
    const struct folio_cli *cli = ctx;
    if (!folio_str_empty(what))
        cli_note(cli, "  %s: %lld records", what, (long long)done);
}

struct demo_counts {
    int64_t documents, versions, observations, encounters, patients, users;
    int64_t provider_id, encounter_id, doc_dc; /* the demo stay's attending, the stay, its DCSUM */
    int64_t rules_version, analysed, deficiencies, queries;
    const char *rules_path; /* NULL when the rules were not loaded by this run */
};

/* One user per role; a user that exists is left as it is (roles, password, disabled). */
static enum folio_rc demo_add_users(struct folio_cli *cli, struct demo_counts *n)
{
    struct folio_arena a;
    enum folio_rc rc = FOLIO_OK;

    folio_arena_init(&a, 0);
    for (size_t i = 0; i < FOLIO_ARRAY_LEN(demo_users); i++) {
        struct folio_user u;
        rc = folio_user_get(cli->store, demo_users[i].username, &a, &u, &cli->err);
        if (rc == FOLIO_OK)
            continue;
        if (rc != FOLIO_ENOTFOUND)
            break;
        folio_err_clear(&cli->err);
        rc = folio_user_add(cli->store, cli->actor, demo_users[i].username, demo_users[i].name,
                            demo_users[i].role, DEMO_PASSWORD, NULL, &cli->err);
        if (rc)
            break;
        n->users++;
    }
    folio_arena_release(&a);
    return rc;
}

static enum folio_rc find_ext(struct folio_cli *cli, const struct folio_chart *c,
                              enum folio_ext_kind kind, const char *id, int64_t *out, bool *found)
{
    enum folio_rc rc = folio_records_find_ext(c, kind, DEMO_SYSTEM, id, out, &cli->err);

    *found = rc == FOLIO_OK;
    if (rc == FOLIO_ENOTFOUND) {
        folio_err_clear(&cli->err);
        rc = FOLIO_OK;
    }
    return rc;
}

static enum folio_rc add_doc(struct folio_cli *cli, const struct folio_chart *c, const char *ext,
                             int64_t pid, int64_t eid, const char *type, const char *title,
                             const char *status, const char *service_at, const char *text,
                             int64_t *doc_out, bool *created, struct demo_counts *n)
{
    struct folio_document_new in;
    enum folio_rc rc;
    bool found = false;

    *created = false;
    rc = find_ext(cli, c, FOLIO_EXT_DOCUMENT, ext, doc_out, &found);
    if (rc || found)
        return rc;
    memset(&in, 0, sizeof(in));
    in.patient_id = pid;
    in.encounter_id = eid;
    in.type_code = type;
    in.type_title = folio_loinc_doc_title(type) ? NULL : title;
    in.title = title;
    in.status = status;
    in.service_at = service_at;
    in.content = text;
    in.content_len = strlen(text);
    in.ext_system = DEMO_SYSTEM;
    in.ext_id = ext;
    in.author_id = n->provider_id;
    rc = folio_document_create(c, &in, doc_out, NULL, &cli->err);
    if (rc)
        return rc;
    *created = true;
    n->documents++;
    n->versions++;
    return FOLIO_OK;
}

static enum folio_rc revise(struct folio_cli *cli, const struct folio_chart *c, int64_t doc,
                            enum folio_doc_change kind, const char *text, const char *reason,
                            struct demo_counts *n)
{
    struct folio_document_change ch;
    int64_t v = 0;
    enum folio_rc rc;

    memset(&ch, 0, sizeof(ch));
    ch.kind = kind;
    ch.content = text;
    ch.content_len = text ? strlen(text) : 0;
    ch.reason = reason;
    rc = folio_document_revise(c, doc, &ch, &v, &cli->err);
    if (!rc)
        n->versions++;
    return rc;
}

static const char hp_text[] =
    "HISTORY AND PHYSICAL\n\n"
    "Chief complaint: right lower quadrant abdominal pain for 18 hours.\n"
    "History of present illness: periumbilical pain migrating to the right lower quadrant,\n"
    "nausea, anorexia, low-grade fever.\n"
    "Examination: T 38.1 C, HR 104, BP 128/76. Tenderness at McBurney's point, guarding.\n"
    "Labs: WBC 14.2 x10^9/L. CT abdomen: dilated appendix with periappendiceal stranding.\n"
    "Assessment: acute appendicitis.\n"
    "Plan: admit to surgery, IV antibiotics, laparoscopic appendectomy.\n";
static const char op_text[] =
    "OPERATIVE NOTE\n\n"
    "Preoperative diagnosis: acute appendicitis.\n"
    "Postoperative diagnosis: acute suppurative appendicitis without perforation.\n"
    "Procedure: laparoscopic appendectomy.\n"
    "Anesthesia: general endotracheal. Estimated blood loss: 10 mL. Complications: none.\n"
    "Findings: inflamed, non-perforated appendix. Specimen to pathology.\n";
static const char dc_v1[] =
    "DISCHARGE SUMMARY\n\n"
    "Admitted with acute appendicitis; laparoscopic appendectomy on hospital day 1.\n"
    "Uneventful recovery. Tolerating diet, pain controlled on oral analgesics.\n"
    "Discharge diagnosis: acute appendicitis.\n"
    "Follow-up: surgery clinic in 2 weeks.\n";
static const char dc_v3[] =
    "DISCHARGE SUMMARY\n\n"
    "Admitted with acute appendicitis; laparoscopic appendectomy on hospital day 1.\n"
    "Uneventful recovery. Tolerating diet, pain controlled on oral analgesics.\n"
    "Discharge diagnosis: acute suppurative appendicitis without perforation (pathology).\n"
    "Discharge medications: acetaminophen 650 mg every 6 hours as needed.\n"
    "Follow-up: surgery clinic in 2 weeks.\n";

struct demo_obs {
    const char *ext, *code, *title, *value, *units, *ref, *flag, *at;
};
static const struct demo_obs demo_obs[] = {
    {"obs-1", "8310-5", "Body temperature", "38.1", "Cel", "36.1-37.2", "H", "2024-03-05T14:30Z"},
    {"obs-2", "8867-4", "Heart rate", "104", "/min", "60-100", "H", "2024-03-05T14:30Z"},
    {"obs-3", "8480-6", "Systolic blood pressure", "128", "mm[Hg]", "90-140", "N",
     "2024-03-05T14:30Z"},
    {"obs-4", "6690-2", "Leukocytes [#/volume] in Blood", "14.2", "10*3/uL", "4.5-11.0", "H",
     "2024-03-05T15:10Z"},
    {"obs-5", "6690-2", "Leukocytes [#/volume] in Blood", "8.1", "10*3/uL", "4.5-11.0", "N",
     "2024-03-08T06:00Z"},
};

static enum folio_rc demo_extras(struct folio_cli *cli, const struct folio_chart *c,
                                 struct demo_counts *n)
{
    struct folio_arena a;
    int64_t pid = 0, eid = 0, doc = 0, fid = 0;
    bool found = false, created = false, in_tx = false;
    enum folio_rc rc;
    size_t i;

    folio_arena_init(&a, 0);
    rc = folio_store_begin(c->store, &cli->err);
    if (rc)
        goto out;
    in_tx = true;

    /* the demo patient: found by its external id, else created */
    rc = find_ext(cli, c, FOLIO_EXT_PATIENT, "patient-1", &pid, &found);
    if (rc)
        goto out;
    if (!found) {
        struct folio_patient_new in;
        struct folio_identifier ids[3];
        struct folio_address addr;
        struct folio_phone ph;

        rc = folio_facility_ensure(c, "MAIN", "Folio General Hospital", &fid, &cli->err);
        if (rc)
            goto out;
        memset(&in, 0, sizeof(in));
        memset(ids, 0, sizeof(ids));
        memset(&addr, 0, sizeof(addr));
        memset(&ph, 0, sizeof(ph));
        in.name.family = "Demo";
        in.name.given = "Alex";
        in.name.middle = "Jordan";
        in.birth_date = "1984-06-15";
        in.sex = "F";
        in.language = "en";
        in.marital_status = "M";
        in.email = "alex.demo@example.org";
        ids[0].kind = "MR";
        ids[0].assigner = "MAIN";
        ids[0].value = "DEMO0001";
        ids[1].kind = "SS";
        ids[1].value = "999-12-3456";
        ids[2].kind = "PI";
        ids[2].assigner = DEMO_SYSTEM;
        ids[2].value = "patient-1";
        in.ids = ids;
        in.n_ids = 3;
        addr.line1 = "100 Demo Street";
        addr.city = "Omaha";
        addr.state = "NE";
        addr.postal_code = "68102";
        addr.country = "US";
        in.addresses = &addr;
        in.n_addresses = 1;
        ph.use = "mobile";
        ph.number = "402-555-0147";
        in.phones = &ph;
        in.n_phones = 1;
        rc = folio_patient_create(c, &in, &pid, &cli->err);
        if (rc)
            goto out;
        n->patients++;
    }

    /* the demo stay's attending, the provider the demo clinician is */
    rc = find_ext(cli, c, FOLIO_EXT_PROVIDER, "provider-1", &n->provider_id, &found);
    if (rc == FOLIO_OK && !found) {
        struct folio_provider pr = {.npi = DEMO_NPI,
                                    .family = "Demo",
                                    .given = "Casey",
                                    .credentials = "MD",
                                    .specialty = "General surgery",
                                    .ext_system = DEMO_SYSTEM,
                                    .ext_id = "provider-1"};
        rc = folio_provider_create(c, &pr, &n->provider_id, &cli->err);
    }
    if (rc)
        goto out;

    rc = find_ext(cli, c, FOLIO_EXT_ENCOUNTER, "enc-1", &eid, &found);
    if (rc)
        goto out;
    if (!found) {
        struct folio_encounter_new in;

        rc = folio_facility_ensure(c, "MAIN", "Folio General Hospital", &fid, &cli->err);
        if (rc)
            goto out;
        memset(&in, 0, sizeof(in));
        in.patient_id = pid;
        in.facility_code = "MAIN";
        in.account_number = "DEMO-ACCT-0001";
        in.enc_class = "inpatient";
        in.admit_at = "2024-03-05T14:07Z";
        in.admit_type = "1";
        in.admit_source = "1";
        in.service = "SUR";
        in.location = "4W^412^B";
        in.reason = "Right lower quadrant pain";
        in.ext_system = DEMO_SYSTEM;
        in.ext_id = "enc-1";
        rc = folio_encounter_create(c, &in, &eid, &cli->err);
        if (!rc)
            rc = folio_encounter_add_provider(c, eid, n->provider_id, "attending", NULL, NULL,
                                              &cli->err);
        if (!rc)
            rc = folio_encounter_discharge(c, eid, "2024-03-08T11:30Z", "01", &cli->err);
        if (rc)
            goto out;
        n->encounters++;
    }

    rc = add_doc(cli, c, "doc-hp", pid, eid, "34117-2", "History and physical note", "final",
                 "2024-03-05T15:00Z", hp_text, &doc, &created, n);
    if (rc)
        goto out;
    rc = add_doc(cli, c, "doc-op", pid, eid, "11504-8", "Surgical operation note", "final",
                 "2024-03-06T09:45Z", op_text, &doc, &created, n);
    if (rc)
        goto out;
    rc = add_doc(cli, c, "doc-dc", pid, eid, "18842-5", "Discharge summary", "preliminary",
                 "2024-03-08T11:00Z", dc_v1, &doc, &created, n);
    if (rc)
        goto out;
    n->encounter_id = eid;
    n->doc_dc = doc;
    if (created) {
        rc = revise(cli, c, doc, FOLIO_DOC_FINALIZE, NULL, NULL, n);
        if (!rc)
            rc = revise(cli, c, doc, FOLIO_DOC_AMEND, dc_v3,
                        "Pathology result received after signing; discharge medications added", n);
        if (rc)
            goto out;
    }

    for (i = 0; i < FOLIO_ARRAY_LEN(demo_obs); i++) {
        const struct demo_obs *d = &demo_obs[i];
        struct folio_observation o;
        int64_t oid = 0;

        rc = find_ext(cli, c, FOLIO_EXT_OBSERVATION, d->ext, &oid, &found);
        if (rc)
            goto out;
        if (found)
            continue;
        memset(&o, 0, sizeof(o));
        o.patient_id = pid;
        o.encounter_id = eid;
        o.code = d->code;
        o.title = d->title;
        o.value_text = d->value;
        o.units = d->units;
        o.ref_range = d->ref;
        o.abnormal_flag = d->flag;
        o.observed_at = d->at;
        o.ext_system = DEMO_SYSTEM;
        o.ext_id = d->ext;
        rc = folio_observation_create(c, &o, &oid, &cli->err);
        if (rc)
            goto out;
        n->observations++;
    }
    rc = folio_store_commit(c->store, &cli->err);
    if (rc)
        goto out;
    in_tx = false;
out:
    if (in_tx)
        folio_store_rollback(c->store);
    folio_arena_release(&a);
    return rc;
}

/* ---- chart completeness: rules, the clinician's provider, analysis ---- */

static bool is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The rules file: --rules, else $FOLIO_RULES, else etc/completeness.rules of the source tree
 * (<binary>/../../etc: build/<preset>/folio), else ./etc/completeness.rules. */
static bool find_rules(const char *given, char *out, size_t cap)
{
    const char *env = getenv("FOLIO_RULES");
    char exe[PATH_MAX];
    ssize_t n;

    if (!folio_str_empty(given))
        return folio_strlcpy(out, given, cap); /* false when it does not fit */
    if (!folio_str_empty(env))
        return folio_strlcpy(out, env, cap);
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        char *slash;
        exe[n] = '\0';
        slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            char rel[PATH_MAX];
            if (folio_snprintf(rel, sizeof rel, "%s/../../" DEMO_RULES, exe) && is_file(rel) &&
                cap >= PATH_MAX && realpath(rel, out))
                return true;
        }
    }
    return folio_snprintf(out, cap, "%s", DEMO_RULES) && is_file(out);
}

/* The rules in force: the file is loaded only when no rule set was ever loaded, so a demo
 * database whose rules an administrator edited keeps them. */
static enum folio_rc demo_rules(struct folio_cli *cli, const char *given, char *path, size_t cap,
                                struct demo_counts *n)
{
    struct folio_rules_version ver;
    struct folio_arena a;
    struct folio_buf b;
    enum folio_rc rc;

    folio_arena_init(&a, 0);
    folio_buf_init(&b, FOLIO_RULES_MAX_BYTES);
    rc = folio_rules_in_force(cli->store, &a, &ver, NULL, &cli->err);
    if (rc || ver.version) {
        n->rules_version = ver.version;
        goto out;
    }
    if (!find_rules(given, path, cap)) {
        cli_note(cli, "no %s found (--rules FILE or $FOLIO_RULES): no completeness rules loaded",
                 DEMO_RULES);
        goto out;
    }
    rc = folio_buf_read_file(&b, path, &cli->err);
    if (rc == FOLIO_OK)
        rc = folio_rules_load(cli->store, DEMO_RULES, b.data, b.len, cli->actor, NULL,
                              &n->rules_version, NULL, &cli->err);
    if (rc == FOLIO_OK)
        n->rules_path = path;
out:
    folio_buf_release(&b);
    folio_arena_release(&a);
    return rc;
}

/* The demo clinician is the demo stay's attending: their inbox has its deficiencies and a
 * query. A user already linked (to anyone) is left as it is. */
static enum folio_rc demo_link_clinician(struct folio_cli *cli, const struct demo_counts *n)
{
    struct folio_arena a;
    struct folio_user u;
    enum folio_rc rc;

    folio_arena_init(&a, 0);
    rc = folio_user_get(cli->store, DEMO_CLINICIAN, &a, &u, &cli->err);
    if (rc == FOLIO_ENOTFOUND) {
        folio_err_clear(&cli->err);
        rc = FOLIO_OK;
        u.provider_id = -1; /* nobody to link */
    }
    if (rc == FOLIO_OK && !u.provider_id && n->provider_id)
        rc = folio_user_set_provider(cli->store, cli->actor, DEMO_CLINICIAN, n->provider_id,
                                     &cli->err);
    folio_arena_release(&a);
    return rc;
}

/* A sent query on the demo stay (once). */
static enum folio_rc demo_query(struct folio_cli *cli, const struct folio_chart *c,
                                struct demo_counts *n)
{
    struct folio_arena a;
    struct folio_query *qs = NULL;
    size_t nq = 0;
    int64_t qid = 0;
    enum folio_rc rc;

    if (!n->encounter_id || !n->provider_id || !n->doc_dc)
        return FOLIO_OK;
    folio_arena_init(&a, 0);
    rc = folio_query_list_encounter(c, n->encounter_id, &a, &qs, &nq, &cli->err);
    if (rc == FOLIO_OK && nq == 0) {
        struct folio_query_indicator ind = {
            .document_id = n->doc_dc,
            .excerpt = "Discharge diagnosis: acute suppurative appendicitis without perforation "
                       "(pathology)"};
        struct folio_query_new q = {
            .encounter_id = n->encounter_id,
            .provider_id = n->provider_id,
            .kind = FOLIO_QK_OPEN_ENDED,
            .purpose = FOLIO_QP_SPECIFICITY,
            .question = "The discharge summary documents acute suppurative appendicitis and the "
                        "H&P documents a temperature of 38.1 C and WBC 14.2. Please document the "
                        "clinical significance of these findings, if any.",
            .indicators = &ind,
            .n_indicators = 1,
            .user = cli->actor,
        };
        rc = folio_query_create(c, &q, &qid, &cli->err);
        if (rc == FOLIO_OK)
            rc = folio_query_send(c, qid, cli->actor, NULL, &cli->err);
        if (rc == FOLIO_OK)
            n->queries++;
    }
    folio_arena_release(&a);
    return rc;
}

/* Analyses the discharged inpatient and emergency stays at the real clock: the demo's stays
 * are years old, so what is missing is overdue and the records are delinquent. The sample's
 * thousands of outpatient visits (procedures without any document) are left for `folio
 * completeness analyze`: analysing them would take most of the demo's time. */
static enum folio_rc demo_analyse(struct folio_cli *cli, struct demo_counts *n)
{
    struct folio_cmpl_worklist_filter f = {.status = "all", .limit = 500};
    struct folio_arena a;
    enum folio_rc rc = FOLIO_OK;
    int64_t total = 1;

    folio_arena_init(&a, 0);
    for (f.offset = 0; rc == FOLIO_OK && (int64_t)f.offset < total; f.offset += f.limit) {
        struct folio_cmpl_chart *v = NULL;
        size_t k = 0;
        rc = folio_completeness_worklist(cli->store, &f, &a, &v, &k, &total, &cli->err);
        for (size_t i = 0; rc == FOLIO_OK && i < k; i++) {
            struct folio_cmpl_result r;
            if (v[i].enc_class && strcmp(v[i].enc_class, "outpatient") == 0)
                continue;
            rc = folio_completeness_analyze(cli->store, v[i].encounter_id, NULL, cli->actor, &r,
                                            &cli->err);
            if (rc == FOLIO_OK) {
                n->analysed++;
                n->deficiencies += (int64_t)r.created;
            }
        }
        folio_arena_release(&a);
        folio_arena_init(&a, 0);
        if (k == 0)
            break;
    }
    folio_arena_release(&a);
    return rc;
}

static enum folio_rc demo_completeness(struct folio_cli *cli, const struct folio_chart *c,
                                       const char *rules, char *path, size_t cap,
                                       struct demo_counts *n)
{
    enum folio_rc rc = folio_store_begin(c->store, &cli->err);
    if (rc)
        return rc;
    rc = demo_rules(cli, rules, path, cap, n);
    if (rc == FOLIO_OK)
        rc = demo_link_clinician(cli, n);
    if (rc == FOLIO_OK)
        rc = demo_query(cli, c, n);
    if (rc == FOLIO_OK && n->rules_version) {
        cli_note(cli, "analysing the discharged charts ...");
        rc = demo_analyse(cli, n);
    }
    if (rc == FOLIO_OK)
        rc = folio_store_commit(c->store, &cli->err);
    if (rc)
        folio_store_rollback(c->store);
    return rc;
}

/* What --codes did, per file of demo_codesets. */
struct demo_codes {
    bool asked, found;
    char dir[PATH_MAX];
    const char *status[FOLIO_ARRAY_LEN(demo_codesets)]; /* "loaded", "already loaded", "absent" */
    int64_t version[FOLIO_ARRAY_LEN(demo_codesets)];
    int64_t codes[FOLIO_ARRAY_LEN(demo_codesets)];
    int n_loaded, n_already, n_absent;
    double seconds;
};

static bool path_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* Loads each staged code-set file of dir (a file missing there is reported, not an error). */
static enum folio_rc demo_load_codes(struct folio_cli *cli, struct demo_codes *dc)
{
    enum folio_rc rc = FOLIO_OK;
    size_t i;

    for (i = 0; i < FOLIO_ARRAY_LEN(demo_codesets) && !rc; i++) {
        struct folio_codes_load_opts lo;
        struct folio_codes_load_result res;
        char path[PATH_MAX];

        if (!folio_snprintf(path, sizeof path, "%s/%s", dc->dir, demo_codesets[i].rel) ||
            !path_exists(path)) {
            dc->status[i] = "absent";
            dc->n_absent++;
            cli_note(cli, "  %s: %s is absent, skipped", demo_codesets[i].kind,
                     demo_codesets[i].rel);
            continue;
        }
        memset(&lo, 0, sizeof lo);
        if ((rc = folio_codes_load_kind_parse(demo_codesets[i].kind, &lo.kind, &cli->err)))
            break;
        lo.path = path;
        lo.loaded_by = cli->actor;
        cli_note(cli, "  loading %s %s ...", demo_codesets[i].kind, demo_codesets[i].rel);
        rc = folio_codes_load(cli->store, &lo, &res, &cli->err);
        if (rc)
            break;
        dc->status[i] = res.already_loaded ? "already loaded" : "loaded";
        dc->version[i] = res.version.id;
        dc->codes[i] = res.n_added + res.n_changed;
        dc->seconds += res.seconds;
        if (res.already_loaded)
            dc->n_already++;
        else
            dc->n_loaded++;
    }
    return rc;
}

static json_t *demo_codes_json(const struct demo_codes *dc)
{
    json_t *o = json_object(), *files = json_array();
    int bad = !o || !files;
    size_t i;

    for (i = 0; !bad && dc->found && i < FOLIO_ARRAY_LEN(demo_codesets); i++) {
        json_t *x = json_object();
        bad |= !x || cli_jset_str(x, "kind", demo_codesets[i].kind) ||
               cli_jset_str(x, "file", demo_codesets[i].rel) ||
               cli_jset_str(x, "status", dc->status[i]) ||
               cli_jset_id(x, "version_id", dc->version[i]) ||
               cli_jset_int(x, "codes_written", dc->codes[i]) ||
               json_array_append_new(files, x) != 0;
    }
    if (!bad) {
        bad |= cli_jset(o, "found", json_boolean(dc->found));
        bad |= cli_jset_str(o, "dir", dc->found ? dc->dir : NULL);
        bad |= cli_jset_int(o, "loaded", dc->n_loaded);
        bad |= cli_jset_int(o, "already_loaded", dc->n_already);
        bad |= cli_jset_int(o, "absent", dc->found ? dc->n_absent
                                                   : (int64_t)FOLIO_ARRAY_LEN(demo_codesets));
        bad |= cli_jset(o, "files", files);
        files = NULL;
    }
    json_decref(files);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static enum folio_rc demo_main(struct folio_cli *cli, int argc, char **argv)
{
    const char *source = NULL, *codes_dir = NULL, *rules = NULL;
    bool codes = false;
    const struct cli_opt opts[] = {{"source", CLI_OPT_STR, &source},
                                   {"codes", CLI_OPT_FLAG, &codes},
                                   {"codes-dir", CLI_OPT_STR, &codes_dir},
                                   {"rules", CLI_OPT_STR, &rules}};
    struct demo_codes dc;
    struct cli_args args;
    struct folio_chart chart;
    struct folio_import_stats st;
    struct folio_import_opts io;
    struct demo_counts n;
    char path[PATH_MAX], rules_path[PATH_MAX];
    bool help = false;
    enum folio_rc rc;
    int k;

    memset(&n, 0, sizeof(n));
    memset(&dc, 0, sizeof(dc));
    rc = cli_parse(cli, "demo", argc, argv, 1, opts, FOLIO_ARRAY_LEN(opts), 0, &args, &help);
    if (rc)
        goto out;
    if (help) {
        fputs(usage, stdout);
        goto out;
    }
    if (source) {
        (void)folio_strlcpy(path, source, sizeof(path));
    } else if (!find_source(path, sizeof(path))) {
        rc = folio_err_set(&cli->err, FOLIO_ENOTFOUND, "source",
                           "demo data not found: no %s under $FOLIO_SHARED/data, "
                           "<binary>/../../../shared/data or ../shared/data (set FOLIO_SHARED "
                           "or pass --source DIR)",
                           DEMO_CSV);
        goto out;
    }
    rc = folio_cli_load_key(cli, true);
    if (rc)
        goto out;
    rc = cli_chart_open(cli, &chart);
    if (rc)
        goto out;
    cli_note(cli, "importing %s ...", path);
    memset(&io, 0, sizeof(io));
    io.progress = progress;
    io.progress_ctx = cli;
    rc = folio_import_synthea(&chart, path, &io, &st, &cli->err);
    if (rc)
        goto out;
    rc = demo_extras(cli, &chart, &n);
    if (rc)
        goto out;
    rc = demo_add_users(cli, &n);
    if (rc)
        goto out;
    rc = demo_completeness(cli, &chart, rules, rules_path, sizeof rules_path, &n);
    if (!rc)
        rc = folio_demo_roi(cli, &chart);
    if (!rc)
        rc = folio_demo_privacy(cli, &chart);
    if (!rc)
        rc = folio_demo_deid(cli, &chart);
    if (rc)
        goto out;
    dc.asked = codes || codes_dir;
    if (codes_dir) {
        dc.found = is_dir(codes_dir);
        (void)folio_strlcpy(dc.dir, codes_dir, sizeof dc.dir);
        if (!dc.found) {
            rc = folio_err_set(&cli->err, FOLIO_ENOTFOUND, "codes-dir",
                               "--codes-dir: %s is not a directory", codes_dir);
            goto out;
        }
    } else if (dc.asked) {
        dc.found = find_shared(DEMO_CODES, dc.dir, sizeof dc.dir);
    }
    if (dc.found) {
        cli_note(cli, "loading the code sets of %s ...", dc.dir);
        rc = demo_load_codes(cli, &dc);
        if (rc)
            goto out;
    }
    if (cli->json) {
        json_t *o = json_object(), *imp = json_object(), *demo = json_object();
        json_t *users = json_array();
        int bad = !o || cli_jset(o, "imported", imp) || cli_jset(o, "demo", demo) ||
                  cli_jset(o, "users", users);
        for (size_t u = 0; !bad && u < FOLIO_ARRAY_LEN(demo_users); u++)
            bad |= json_array_append_new(users, json_string(demo_users[u].username)) != 0;
        for (k = 0; !bad && k < FOLIO_IMPORT_KINDS; k++) {
            json_t *x = json_object();
            bad |= cli_jset(imp, folio_import_kind_name((enum folio_import_kind)k), x);
            if (!bad) {
                bad |= cli_jset_int(x, "added", st.added[k]);
                bad |= cli_jset_int(x, "present", st.present[k]);
            }
        }
        if (!bad) {
            bad |= cli_jset_str(o, "source", path);
            bad |= cli_jset_int(demo, "patients", n.patients);
            bad |= cli_jset_int(demo, "encounters", n.encounters);
            bad |= cli_jset_int(demo, "documents", n.documents);
            bad |= cli_jset_int(demo, "versions", n.versions);
            bad |= cli_jset_int(demo, "observations", n.observations);
            bad |= cli_jset_int(demo, "users", n.users);
            bad |= cli_jset_id(demo, "rules_version", n.rules_version);
            bad |= cli_jset_str(demo, "rules_loaded_from", n.rules_path);
            bad |= cli_jset_int(demo, "charts_analysed", n.analysed);
            bad |= cli_jset_int(demo, "deficiencies_created", n.deficiencies);
            bad |= cli_jset_int(demo, "queries", n.queries);
            if (dc.asked)
                bad |= cli_jset(o, "codes", demo_codes_json(&dc));
        }
        if (bad) {
            json_decref(o);
            o = NULL;
        }
        rc = cli_json_print(cli, o);
        goto out;
    }
    printf("demo data from %s into %s\n", path, folio_store_url_safe(cli->store));
    printf("%-14s %8s %8s\n", "KIND", "ADDED", "PRESENT");
    for (k = 0; k < FOLIO_IMPORT_KINDS; k++)
        printf("%-14s %8lld %8lld\n", folio_import_kind_name((enum folio_import_kind)k),
               (long long)st.added[k], (long long)st.present[k]);
    printf("demo chart: %lld patient, %lld encounter, %lld documents (%lld versions), "
           "%lld observations added\n",
           (long long)n.patients, (long long)n.encounters, (long long)n.documents,
           (long long)n.versions, (long long)n.observations);
    printf("demo users (%lld added; password \"%s\", demo only):", (long long)n.users,
           DEMO_PASSWORD);
    for (size_t u = 0; u < FOLIO_ARRAY_LEN(demo_users); u++)
        printf(" %s", demo_users[u].username);
    printf("\n");
    if (n.rules_path)
        printf("completeness rules version %lld loaded from %s\n", (long long)n.rules_version,
               n.rules_path);
    if (n.rules_version)
        printf("completeness: %lld discharged charts analysed, %lld deficiencies created, "
               "%lld queries sent; user %s is provider %lld (NPI %s)\n",
               (long long)n.analysed, (long long)n.deficiencies, (long long)n.queries,
               DEMO_CLINICIAN, (long long)n.provider_id, DEMO_NPI);
    if (dc.asked && !dc.found) {
        printf("code sets: not found (no %s under $FOLIO_SHARED/data, <binary>/../../../shared/data "
               "or ../shared/data): none loaded, so the encoder and the code screens have nothing "
               "to search; load them with folio codes load (docs/codesets.md)\n",
               DEMO_CODES);
    } else if (dc.asked) {
        printf("code sets from %s: %d loaded, %d already loaded, %d absent (%.1f s)\n", dc.dir,
               dc.n_loaded, dc.n_already, dc.n_absent, dc.seconds);
        for (size_t f = 0; f < FOLIO_ARRAY_LEN(demo_codesets); f++)
            printf("  %-21s %-15s %s\n", demo_codesets[f].kind, dc.status[f],
                   demo_codesets[f].rel);
    }
    if (n.patients == 0)
        printf("try: folio patient search --name Demo\n");
    else
        printf("try: folio patient search --name Demo; folio document history 1\n");
out:
    return rc;
}

int cmd_demo(struct folio_cli *cli, int argc, char **argv)
{
    return (int)demo_main(cli, argc, argv);
}

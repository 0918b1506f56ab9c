/* Tests of research extracts (folio/deid.h "Research extracts of a cohort"): Safe Harbor rows
 * carry no direct identifier, ages over 89 grouped, years only, ZIP3 with 000 for the small
 * areas; a limited data set keeps dates, ZIP5, city and state and needs a data use agreement in
 * force with every assurance; study ids are stable within an extract and differ across
 * extracts; CSV quoting (RFC 4180); disclosures recorded with basis limited_data_set and left
 * out of the accounting; the extract log. On the backend under test; synthetic data only. */
#include "folio/base.h"

#include <setjmp.h>
#include <cmocka.h>

#include "folio/abstract.h"
#include "folio/crypto.h"
#include "folio/deid.h"
#include "folio/drg.h"
#include "folio/edits.h"
#include "folio/json.h"
#include "folio/records.h"
#include "folio/roi.h"
#include "folio/store.h"
#include "testdb.h"

#include <unistd.h>

#define NOW "2024-06-01T10:00:00Z"

struct fx {
    struct folio_store *store;
    struct folio_chart chart;
    struct folio_arena arena;
    struct folio_err err;
    struct folio_buf out;
    int64_t old_pid, young_pid, enc_old1, enc_old2, enc_young;
};

#define OK(call)                                                                                   \
    do {                                                                                           \
        enum folio_rc rc_ = (call);                                                                \
        if (rc_ != FOLIO_OK)                                                                       \
            fail_msg("%s -> %s: %s [%s]", #call, folio_rc_name(rc_), f->err.msg, f->err.field);    \
    } while (0)

#define EXPECT(code, fld, call)                                                                    \
    do {                                                                                           \
        folio_err_clear(&f->err);                                                                  \
        enum folio_rc rc_ = (call);                                                                \
        if (rc_ != (code))                                                                         \
            fail_msg("%s -> %s (want %s): %s", #call, folio_rc_name(rc_), folio_rc_name(code),     \
                     f->err.msg);                                                                  \
        assert_string_equal(f->err.field, fld);                                                    \
    } while (0)

static int64_t mk_encounter(struct fx *f, int64_t pid, const char *klass, const char *account,
                            const char *admit, const char *discharge)
{
    struct folio_encounter_new e = {.patient_id = pid,
                                    .facility_code = "MAIN",
                                    .account_number = account,
                                    .enc_class = klass,
                                    .admit_at = admit,
                                    .discharge_at = discharge,
                                    .disposition = "01"};
    int64_t id = 0;
    OK(folio_encounter_create(&f->chart, &e, &id, &f->err));
    return id;
}

static void final_code(struct fx *f, int64_t enc, const char *pdx, const char *sdx,
                       const char *pcs)
{
    struct folio_abstract_code codes[3];
    struct folio_abstract_save sv = {0};
    struct folio_abstract_status_change ch = {0};
    struct folio_abstract *ab = NULL;
    size_t n = 0;

    memset(codes, 0, sizeof codes);
    codes[n].role = FOLIO_ABS_PRINCIPAL;
    codes[n].system = FOLIO_CS_ICD10CM;
    codes[n].poa = 'Y';
    folio_strlcpy(codes[n++].code, pdx, sizeof codes[0].code);
    if (sdx) {
        codes[n].role = FOLIO_ABS_SECONDARY;
        codes[n].system = FOLIO_CS_ICD10CM;
        codes[n].poa = 'N';
        folio_strlcpy(codes[n++].code, sdx, sizeof codes[0].code);
    }
    if (pcs) {
        codes[n].role = FOLIO_ABS_PROCEDURE;
        codes[n].system = FOLIO_CS_ICD10PCS;
        folio_strlcpy(codes[n++].code, pcs, sizeof codes[0].code);
    }
    sv.encounter_id = enc;
    sv.codes = codes;
    sv.n_codes = n;
    sv.user = "coder";
    sv.now = NOW;
    OK(folio_abstract_put(f->store, &sv, &f->arena, &ab, &f->err));
    ch.encounter_id = enc;
    ch.expected_version = ab->version;
    ch.to = FOLIO_ABS_FINAL;
    ch.user = "coder";
    ch.now = NOW;
    OK(folio_abstract_set_status(f->store, &ch, &f->arena, &ab, &f->err));
}

static void mk_note(struct fx *f, int64_t pid, int64_t enc, const char *text)
{
    struct folio_document_new d = {.patient_id = pid,
                                   .encounter_id = enc,
                                   .type_code = "18842-5",
                                   .content = text,
                                   .content_len = strlen(text)};
    OK(folio_document_create(&f->chart, &d, NULL, NULL, &f->err));
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct folio_err err = {0};
    assert_non_null(f);
    assert_int_equal(folio_crypto_init(&err), FOLIO_OK);
    f->store = folio_test_store_open();
    f->chart = (struct folio_chart){f->store, NULL, "registrar"};
    folio_arena_init(&f->arena, 0);
    folio_buf_init(&f->out, (size_t)64 << 20);
    *state = f;
    OK(folio_facility_ensure(&f->chart, "MAIN", "Main Hospital", NULL, &f->err));
    {
        /* 94 at admission, ZIP 036xx: one of the 17 small 3-digit areas */
        struct folio_identifier mrn = {.kind = "MR", .assigner = "MAIN", .value = "MRNZQ771"};
        struct folio_address ad = {.line1 = "12 Quarry Lane",
                                   .city = "Hanover",
                                   .state = "NH",
                                   .postal_code = "03601"};
        struct folio_phone ph = {.number = "603-555-0142"};
        struct folio_patient_new p = {.name = {.family = "Quixotic", .given = "Zelda"},
                                      .birth_date = "1930-02-01",
                                      .sex = "F",
                                      .email = "zelda.q@example.org",
                                      .ids = &mrn,
                                      .n_ids = 1,
                                      .addresses = &ad,
                                      .n_addresses = 1,
                                      .phones = &ph,
                                      .n_phones = 1};
        OK(folio_patient_create(&f->chart, &p, &f->old_pid, &f->err));
    }
    {
        struct folio_identifier mrn = {.kind = "MR", .assigner = "MAIN", .value = "MRNBU4420"};
        struct folio_address ad = {.line1 = "9 Elm St",
                                   .city = "Albany, Town of",
                                   .state = "NY",
                                   .postal_code = "12203-4455"};
        struct folio_patient_new p = {.name = {.family = "Ulloafisk", .given = "Bertram"},
                                      .birth_date = "1980-06-15",
                                      .sex = "M",
                                      .ids = &mrn,
                                      .n_ids = 1,
                                      .addresses = &ad,
                                      .n_addresses = 1};
        OK(folio_patient_create(&f->chart, &p, &f->young_pid, &f->err));
    }
    f->enc_old1 = mk_encounter(f, f->old_pid, "inpatient", "ACC-90001", "2024-03-01T10:00:00Z",
                               "2024-03-05T12:00:00Z");
    f->enc_old2 = mk_encounter(f, f->old_pid, "outpatient", "ACC-90002", "2023-11-20T09:00:00Z",
                               "2023-11-20T11:00:00Z");
    f->enc_young = mk_encounter(f, f->young_pid, "inpatient", "ACC-90003",
                                "2023-07-10T08:00:00Z", "2023-07-12T15:00:00Z");
    final_code(f, f->enc_old1, "I10", "E119", "0DTJ4ZZ");
    final_code(f, f->enc_young, "K3580", NULL, NULL);
    mk_note(f, f->old_pid, f->enc_old1,
            "Zelda Quixotic seen on 03/02/2024, MRN MRNZQ771. She said \"fine, thanks\".\n"
            "Lives at 12 Quarry Lane, Hanover. Call 603-555-0142.");
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    folio_buf_release(&f->out);
    folio_arena_release(&f->arena);
    folio_test_store_close(f->store);
    free(f);
    return 0;
}

static struct folio_deid_extract_req base_req(enum folio_deid_method m, enum folio_deid_format fmt)
{
    struct folio_deid_extract_req r = {0};
    r.crit.from = "2023-01-01";
    r.crit.to = "2024-12-31";
    r.method = m;
    r.format = fmt;
    r.user = "analyst";
    r.now = NOW;
    return r;
}

static json_t *extract_json(struct fx *f, const struct folio_deid_extract_req *r,
                            struct folio_deid_extract_result *res)
{
    json_t *doc = NULL;
    folio_buf_reset(&f->out);
    OK(folio_deid_cohort_extract(&f->chart, r, &f->out, res, &f->err));
    OK(folio_json_parse(f->out.data, f->out.len, &doc, "extract", &f->err));
    return doc;
}

static const json_t *row_with(const json_t *rows, const char *key, const char *value)
{
    size_t i;
    const json_t *o;
    json_array_foreach(rows, i, o) {
        const char *v = json_string_value(json_object_get(o, key));
        if (v && strcmp(v, value) == 0)
            return o;
    }
    return NULL;
}

static int64_t count(struct fx *f, const char *sql)
{
    int64_t n = -1;
    bool found = false;
    OK(folio_store_query_i64(f->store, sql, NULL, 0, &n, &found, &f->err));
    return n;
}

static int64_t add_dua(struct fx *f, const char *expires, bool all)
{
    struct folio_deid_dua d = {.recipient = "University Outcomes Lab",
                               .purpose = "30-day readmission study, no other use",
                               .users = "the study team named in protocol 17",
                               .signed_on = "2024-01-15",
                               .expires_on = expires,
                               .no_other_use = true,
                               .safeguards = all,
                               .report_violations = true,
                               .agents_bound = true,
                               .no_reidentify = true};
    OK(folio_deid_dua_add(f->store, &d, "privacy", NOW, &f->err));
    return d.id;
}

static void test_safe_harbor_rows(void **state)
{
    struct fx *f = *state;
    struct folio_deid_extract_req r = base_req(FOLIO_DEID_SAFE_HARBOR, FOLIO_DEID_JSON);
    struct folio_deid_extract_result res;
    static const char *const never[] = {"Zelda",      "Quixotic",   "MRNZQ771",   "Ulloafisk",
                                        "Bertram",    "MRNBU4420",  "Hanover",    "Albany",
                                        "Quarry",     "03601",      "12203",      "2024-03-01",
                                        "03/02/2024", "555-0142",   "ACC-9000",   "example.org",
                                        "1930",       "1980-06-15", "\"city\"",   "\"state\""};
    json_t *doc, *rows, *hdr;
    const json_t *old_in, *young;
    size_t i;

    r.notes = true;
    doc = extract_json(f, &r, &res);
    assert_int_equal(res.rows, 3);
    assert_int_equal(res.patients, 2);
    assert_int_equal(res.notes, 1);
    assert_int_equal(res.disclosures, 0);
    for (i = 0; i < sizeof never / sizeof never[0]; i++)
        if (strstr(f->out.data, never[i]))
            fail_msg("the Safe Harbor extract contains '%s'", never[i]);
    hdr = json_object_get(doc, "header");
    rows = json_object_get(doc, "rows");
    assert_string_equal(json_string_value(json_object_get(hdr, "method")), "safe_harbor");
    assert_non_null(json_object_get(json_object_get(hdr, "removal_report"), "name"));
    assert_int_equal(json_object_size(json_object_get(hdr, "removal_report")), FOLIO_DEID_NTYPES);
    assert_null(json_object_get(json_object_get(hdr, "criteria"), "patient_ids"));
    old_in = row_with(rows, "encounter_class", "inpatient");
    assert_non_null(old_in);
    /* the inpatient rows: the old patient's (90+) and the young one's */
    young = NULL;
    for (i = 0; i < json_array_size(rows); i++) {
        const json_t *o = json_array_get(rows, i);
        if (strcmp(json_string_value(json_object_get(o, "age_at_admission")), "43") == 0)
            young = o;
        else
            old_in = strcmp(json_string_value(json_object_get(o, "encounter_class")),
                            "inpatient") == 0 ? o : old_in;
    }
    assert_non_null(young);
    assert_string_equal(json_string_value(json_object_get(old_in, "age_at_admission")),
                        "90 or older");
    assert_string_equal(json_string_value(json_object_get(old_in, "admission_year")), "2024");
    assert_string_equal(json_string_value(json_object_get(old_in, "discharge_year")), "2024");
    assert_int_equal(json_integer_value(json_object_get(old_in, "length_of_stay_days")), 4);
    assert_string_equal(json_string_value(json_object_get(old_in, "zip3")), "000");
    assert_string_equal(json_string_value(json_object_get(young, "zip3")), "122");
    assert_string_equal(json_string_value(json_array_get(json_object_get(old_in, "diagnoses"), 0)),
                        "I10");
    assert_string_equal(json_string_value(json_array_get(json_object_get(old_in, "diagnoses"), 1)),
                        "E119");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(old_in, "procedures"), 0)), "0DTJ4ZZ");
    assert_null(json_object_get(old_in, "city"));
    assert_null(json_object_get(old_in, "admission_date"));
    {
        const json_t *note = json_array_get(json_object_get(old_in, "notes"), 0);
        const char *text = json_string_value(json_object_get(note, "text"));
        assert_non_null(text);
        assert_non_null(strstr(text, "[NAME]"));
        assert_non_null(strstr(text, "[MRN]"));
        assert_non_null(strstr(text, "[DATE]"));
        assert_non_null(strstr(text, "[PHONE]"));
        assert_true(json_integer_value(json_object_get(json_object_get(note, "removed"), "name")) >= 1);
        assert_null(strstr(text, "Quarry"));
    }
    json_decref(doc);
    /* nothing in the disclosure log for a Safe Harbor extract; the log has it */
    assert_int_equal(count(f, "SELECT COUNT(*) FROM roi_disclosure"), 0);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM deid_extract WHERE method = 'safe_harbor'"), 1);
}

static void test_study_ids(void **state)
{
    struct fx *f = *state;
    struct folio_deid_extract_req r = base_req(FOLIO_DEID_SAFE_HARBOR, FOLIO_DEID_JSON);
    struct folio_deid_extract_result res;
    char first[2][16] = {"", ""};
    json_t *doc;

    for (int k = 0; k < 2; k++) {
        const json_t *rows, *o;
        size_t i;
        char old_id[16] = "", young_id[16] = "";
        doc = extract_json(f, &r, &res);
        rows = json_object_get(doc, "rows");
        assert_int_equal(json_array_size(rows), 3);
        json_array_foreach(rows, i, o) {
            const char *sid = json_string_value(json_object_get(o, "study_id"));
            const char *age = json_string_value(json_object_get(o, "age_at_admission"));
            char *dst = strcmp(age, "43") == 0 ? young_id : old_id;
            assert_int_equal(strlen(sid), 9);
            if (dst[0])
                assert_string_equal(dst, sid); /* same patient, same id */
            else
                folio_strlcpy(dst, sid, 16);
        }
        assert_string_not_equal(old_id, young_id);
        if (k == 0)
            folio_strlcpy(first[0], old_id, 16), folio_strlcpy(first[1], young_id, 16);
        else
            assert_string_not_equal(first[0], old_id), assert_string_not_equal(first[1], young_id);
        json_decref(doc);
    }
}

static void test_lds_needs_valid_dua(void **state)
{
    struct fx *f = *state;
    struct folio_deid_extract_req r = base_req(FOLIO_DEID_LIMITED, FOLIO_DEID_CSV);
    struct folio_deid_extract_result res;
    int64_t expired, partial, terminated, good;

    EXPECT(FOLIO_EINVAL, "dua_id", folio_deid_cohort_extract(&f->chart, &r, &f->out, &res, &f->err));
    r.dua_id = 999;
    EXPECT(FOLIO_ENOTFOUND, "dua_id",
           folio_deid_cohort_extract(&f->chart, &r, &f->out, &res, &f->err));
    expired = add_dua(f, "2024-05-31", true);
    r.dua_id = expired;
    EXPECT(FOLIO_ESTATE, "dua_id", folio_deid_cohort_extract(&f->chart, &r, &f->out, &res, &f->err));
    assert_non_null(strstr(f->err.msg, "expired on 2024-05-31"));
    partial = add_dua(f, NULL, false);
    r.dua_id = partial;
    EXPECT(FOLIO_ESTATE, "dua_id", folio_deid_cohort_extract(&f->chart, &r, &f->out, &res, &f->err));
    assert_non_null(strstr(f->err.msg, "safeguards"));
    assert_null(strstr(f->err.msg, "no_reidentify"));
    terminated = add_dua(f, "2025-12-31", true);
    EXPECT(FOLIO_EINVAL, "reason",
           folio_deid_dua_terminate(f->store, terminated, NULL, "", "privacy", NOW, &f->err));
    OK(folio_deid_dua_terminate(f->store, terminated, "2024-05-20", "study closed", "privacy", NOW,
                                &f->err));
    EXPECT(FOLIO_ESTATE, "dua_id",
           folio_deid_dua_terminate(f->store, terminated, NULL, "again", "privacy", NOW, &f->err));
    r.dua_id = terminated;
    EXPECT(FOLIO_ESTATE, "dua_id", folio_deid_cohort_extract(&f->chart, &r, &f->out, &res, &f->err));
    assert_non_null(strstr(f->err.msg, "terminated on 2024-05-20"));
    /* refusals log nothing and disclose nothing */
    assert_int_equal(count(f, "SELECT COUNT(*) FROM deid_extract"), 0);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM roi_disclosure"), 0);
    /* (that a failure leaves the output as it was: test_too_big) */
    /* a Safe Harbor extract takes no DUA */
    {
        struct folio_deid_extract_req sh = base_req(FOLIO_DEID_SAFE_HARBOR, FOLIO_DEID_CSV);
        sh.dua_id = terminated;
        EXPECT(FOLIO_EINVAL, "dua_id",
               folio_deid_cohort_extract(&f->chart, &sh, &f->out, &res, &f->err));
    }

    good = add_dua(f, "2025-12-31", true);
    r.dua_id = good;
    folio_buf_reset(&f->out);
    OK(folio_deid_cohort_extract(&f->chart, &r, &f->out, &res, &f->err));
    assert_int_equal(res.rows, 3);
    assert_int_equal(res.disclosures, 2);
    /* dates, 5-digit ZIP, city (quoted: it has a comma) and state stay */
    assert_non_null(strstr(f->out.data, "study_id,sex,age_at_admission,admission_date,"
                                        "discharge_date,length_of_stay_days,zip,city,state,"));
    assert_non_null(strstr(f->out.data, ",94,2024-03-01,2024-03-05,4,03601,Hanover,NH,inpatient,01,"
                                        "I10;E119,0DTJ4ZZ,\r\n"));
    assert_non_null(strstr(f->out.data, ",43,2023-07-10,2023-07-12,2,12203,\"Albany, Town of\",NY,"));
    /* but no name, MRN, street, account number */
    assert_null(strstr(f->out.data, "Quixotic"));
    assert_null(strstr(f->out.data, "MRNZQ771"));
    assert_null(strstr(f->out.data, "Quarry"));
    assert_null(strstr(f->out.data, "ACC-9000"));
    /* one disclosure per patient, basis limited_data_set, left out of the accounting */
    assert_int_equal(count(f, "SELECT COUNT(*) FROM roi_disclosure WHERE basis = "
                              "'limited_data_set'"),
                     2);
    {
        struct folio_roi_accounting acc;
        OK(folio_roi_accounting(f->store, f->old_pid, "2024-06-01", &f->arena, &acc, &f->err));
        assert_int_equal(acc.n, 0);
        assert_int_equal(acc.n_excluded, 1);
    }
    /* the log: method, DUA, rows, the SHA-256 of the bytes handed out */
    {
        struct folio_deid_extract_log *v = NULL;
        size_t n = 0;
        char sha[65];
        OK(folio_deid_extract_list(f->store, 10, &f->arena, &v, &n, &f->err));
        assert_int_equal(n, 1);
        assert_string_equal(v[0].method, "limited_data_set");
        assert_int_equal(v[0].dua_id, good);
        assert_int_equal(v[0].rows, 3);
        assert_int_equal(v[0].patients, 2);
        assert_string_equal(v[0].created_by, "analyst");
        folio_sha256_hex(f->out.data, f->out.len, sha);
        assert_string_equal(v[0].sha256, sha);
        assert_string_equal(res.sha256, sha);
        assert_non_null(strstr(v[0].criteria, "\"from\":\"2023-01-01\""));
    }
    /* the DUA's list shows who recorded it and its state */
    {
        struct folio_deid_dua *v = NULL;
        size_t n = 0;
        OK(folio_deid_dua_list(f->store, &f->arena, &v, &n, &f->err));
        assert_int_equal(n, 4);
        assert_int_equal(v[0].id, good);
        assert_string_equal(v[0].created_by, "privacy");
        assert_string_equal(v[3].expires_on, "2024-05-31");
    }
}

static void test_csv_quoting(void **state)
{
    struct fx *f = *state;
    struct folio_deid_extract_req r = base_req(FOLIO_DEID_SAFE_HARBOR, FOLIO_DEID_CSV);
    struct folio_deid_extract_result res;
    const char *p;

    r.notes = true;
    r.crit.from = NULL;
    r.crit.to = NULL;
    r.crit.dx_prefix = "I1";
    OK(folio_deid_cohort_extract(&f->chart, &r, &f->out, &res, &f->err));
    assert_int_equal(res.rows, 1); /* only the stay coded I10 */
    assert_non_null(strstr(f->out.data, "study_id,sex,age_at_admission,admission_year,"
                                        "discharge_year,length_of_stay_days,zip3,encounter_class,"
                                        "discharge_disposition,diagnoses,procedures,ms_drg,notes,"
                                        "notes_removed\r\n"));
    /* the notes field has commas, quotes and line breaks: quoted, quotes doubled */
    p = strstr(f->out.data, ",\"[18842-5 ");
    assert_non_null(p);
    assert_non_null(strstr(p, "She said \"\"fine, thanks\"\".\n"));
    assert_null(strstr(f->out.data, "said \"fine"));
    /* each line ends with CRLF; the header and one row */
    assert_int_equal(f->out.data[f->out.len - 1], '\n');
    assert_int_equal(f->out.data[f->out.len - 2], '\r');
}

static void test_criteria_errors(void **state)
{
    struct fx *f = *state;
    struct folio_deid_extract_req r = base_req(FOLIO_DEID_SAFE_HARBOR, FOLIO_DEID_CSV);
    struct folio_deid_extract_result res;
    int64_t ids[2];

    r.crit.from = r.crit.to = NULL;
    EXPECT(FOLIO_EINVAL, "criteria",
           folio_deid_cohort_extract(&f->chart, &r, &f->out, &res, &f->err));
    r.crit.from = "2024-02-30";
    EXPECT(FOLIO_EINVAL, "from", folio_deid_cohort_extract(&f->chart, &r, &f->out, &res, &f->err));
    r.crit.from = "2024-05-01";
    r.crit.to = "2024-01-01";
    EXPECT(FOLIO_EINVAL, "to", folio_deid_cohort_extract(&f->chart, &r, &f->out, &res, &f->err));
    r.crit.from = r.crit.to = NULL;
    r.crit.enc_class = "ward";
    EXPECT(FOLIO_EINVAL, "class", folio_deid_cohort_extract(&f->chart, &r, &f->out, &res, &f->err));
    r.crit.enc_class = NULL;
    r.crit.dx_prefix = "1%";
    EXPECT(FOLIO_EINVAL, "dx", folio_deid_cohort_extract(&f->chart, &r, &f->out, &res, &f->err));
    r.crit.dx_prefix = NULL;
    ids[0] = f->young_pid;
    ids[1] = 987654;
    r.crit.patient_ids = ids;
    r.crit.n_patients = 2;
    EXPECT(FOLIO_ENOTFOUND, "patients",
           folio_deid_cohort_extract(&f->chart, &r, &f->out, &res, &f->err));
    r.crit.n_patients = 1;
    r.format = (enum folio_deid_format)9;
    EXPECT(FOLIO_EINVAL, "format", folio_deid_cohort_extract(&f->chart, &r, &f->out, &res, &f->err));
    r.format = FOLIO_DEID_CSV;
    r.user = NULL;
    EXPECT(FOLIO_EINVAL, "user", folio_deid_cohort_extract(&f->chart, &r, &f->out, &res, &f->err));
    r.user = "analyst";
    OK(folio_deid_cohort_extract(&f->chart, &r, &f->out, &res, &f->err));
    assert_int_equal(res.rows, 1);
    assert_int_equal(res.patients, 1);
    /* class and dates */
    r.crit.n_patients = 0;
    r.crit.enc_class = "outpatient";
    folio_buf_reset(&f->out);
    OK(folio_deid_cohort_extract(&f->chart, &r, &f->out, &res, &f->err));
    assert_int_equal(res.rows, 1);
    r.crit.enc_class = NULL;
    r.crit.from = "2024-03-05"; /* the discharge day counts, inclusive */
    r.crit.to = "2024-03-05";
    folio_buf_reset(&f->out);
    OK(folio_deid_cohort_extract(&f->chart, &r, &f->out, &res, &f->err));
    assert_int_equal(res.rows, 1);
    r.crit.from = "2025-01-01";
    r.crit.to = NULL;
    folio_buf_reset(&f->out);
    OK(folio_deid_cohort_extract(&f->chart, &r, &f->out, &res, &f->err));
    assert_int_equal(res.rows, 0); /* an empty cohort is a header only */
    assert_string_equal(f->out.data, "study_id,sex,age_at_admission,admission_year,discharge_year,"
                                     "length_of_stay_days,zip3,encounter_class,"
                                     "discharge_disposition,diagnoses,procedures,ms_drg\r\n");
}

static void test_dua_fields(void **state)
{
    struct fx *f = *state;
    struct folio_deid_dua d = {.recipient = "Lab", .purpose = "study", .users = "team",
                               .signed_on = "2024-01-01"};
    struct folio_deid_dua got;

    d.recipient = " ";
    EXPECT(FOLIO_EINVAL, "recipient", folio_deid_dua_add(f->store, &d, "privacy", NOW, &f->err));
    d.recipient = "Lab";
    d.users = NULL;
    EXPECT(FOLIO_EINVAL, "users", folio_deid_dua_add(f->store, &d, "privacy", NOW, &f->err));
    d.users = "team";
    d.signed_on = "2024-13-01";
    EXPECT(FOLIO_EINVAL, "signed_on", folio_deid_dua_add(f->store, &d, "privacy", NOW, &f->err));
    d.signed_on = "2024-01-01";
    d.expires_on = "2023-12-31";
    EXPECT(FOLIO_EINVAL, "expires_on", folio_deid_dua_add(f->store, &d, "privacy", NOW, &f->err));
    d.expires_on = NULL;
    OK(folio_deid_dua_add(f->store, &d, "privacy", NOW, &f->err));
    OK(folio_deid_dua_get(f->store, d.id, &f->arena, &got, &f->err));
    assert_null(got.expires_on);
    assert_false(got.safeguards);
    EXPECT(FOLIO_ESTATE, "dua_id", folio_deid_dua_check(&got, "2024-06-01", &f->err));
    /* every assurance named */
    assert_non_null(strstr(f->err.msg, "no_other_use"));
    assert_non_null(strstr(f->err.msg, "no_reidentify"));
    got.no_other_use = got.safeguards = got.report_violations = got.agents_bound =
        got.no_reidentify = true;
    OK(folio_deid_dua_check(&got, "2024-06-01", &f->err));
    EXPECT(FOLIO_ESTATE, "dua_id", folio_deid_dua_check(&got, "2023-06-01", &f->err));
    assert_non_null(strstr(f->err.msg, "not yet in force"));
    EXPECT(FOLIO_ENOTFOUND, "dua_id", folio_deid_dua_get(f->store, 4242, &f->arena, &got, &f->err));
}

/* ms_drg: a final-coded inpatient stay that a loaded grouper version covers gets its MS-DRG
 * (the same DRG the grouper gives the claim built by hand); stays no version covers stay empty.
 * Skipped without ../shared's v43.1 tables. */
static void test_ms_drg(void **state)
{
    struct fx *f = *state;
    const char *shared = getenv("FOLIO_SHARED");
    char dir[600], probe[700];
    struct folio_drg_set *set = NULL;
    struct folio_drg_version *v = NULL;
    struct folio_drg_version_info info;
    struct folio_deid_extract_req r = base_req(FOLIO_DEID_SAFE_HARBOR, FOLIO_DEID_JSON);
    struct folio_deid_extract_result res;
    char admit[32], disch[32];
    int64_t enc;
    json_t *doc;
    const json_t *rows, *o;
    size_t i;
    int grouped = 0, want = 0;

    folio_snprintf(dir, sizeof dir, "%s/data/codesets/msdrg-v431",
                   shared && shared[0] ? shared : "../shared");
    folio_snprintf(probe, sizeof probe, "%s/msdrg_v431_dx.tsv", dir);
    if (access(probe, R_OK) != 0) {
        print_message("skipped: no MS-DRG v43.1 tables at %s\n", dir);
        skip();
    }
    OK(folio_drg_load(dir, &v, &f->err));
    folio_drg_version_info(v, &info);
    OK(folio_drg_set_new(&set, &f->err));
    OK(folio_drg_set_add(set, v, &f->err));
    /* a stay discharged on the version's first day */
    folio_snprintf(disch, sizeof disch, "%04d-%02d-%02dT12:00:00Z", (int)(info.from / 10000),
                   (int)(info.from / 100 % 100), (int)(info.from % 100));
    folio_snprintf(admit, sizeof admit, "%.10sT08:00:00Z", disch);
    enc = mk_encounter(f, f->young_pid, "inpatient", "ACC-90009", admit, disch);
    final_code(f, enc, "K3580", NULL, "0DTJ4ZZ");
    r.crit.from = NULL;
    r.crit.to = NULL;
    r.crit.enc_class = "inpatient";
    r.drg = set;
    r.now = "2030-01-01T00:00:00Z";
    {
        struct folio_claim *cl = calloc(1, sizeof *cl);
        struct folio_drg_result *gr = calloc(1, sizeof *gr);
        assert_true(cl && gr);
        cl->sex = 'M';
        cl->discharge_status = 1;
        folio_strlcpy(cl->pdx.code, "K3580", sizeof cl->pdx.code);
        cl->pdx.poa = 'Y';
        folio_strlcpy(cl->pr[0], "0DTJ4ZZ", sizeof cl->pr[0]);
        cl->npr = 1;
        OK(folio_drg_group(v, cl, gr, &f->err));
        want = gr->final.drg;
        assert_int_equal(gr->final.med_surg, FOLIO_DRG_SURGICAL);
        free(cl);
        free(gr);
    }
    doc = extract_json(f, &r, &res);
    rows = json_object_get(doc, "rows");
    json_array_foreach(rows, i, o) {
        const json_t *d = json_object_get(o, "ms_drg");
        if (json_is_integer(d)) {
            assert_int_equal(json_integer_value(d), want);
            grouped++;
        }
    }
    assert_int_equal(grouped, 1); /* the 2023 and 2024 stays: no version covers them */
    json_decref(doc);
    folio_drg_set_free(set);
}

/* A third patient whose names have several parts and whose identifiers the note writes
 * differently than the chart stores them. */
static int64_t mk_patient_qb(struct fx *f, int64_t *enc)
{
    struct folio_identifier mrn = {.kind = "MR", .assigner = "MAIN", .value = "MRNQB552"};
    struct folio_phone ph = {.number = "603-555-0177"};
    struct folio_address ad = {.line1 = "4 Wren Alley", .city = "Keene", .state = "NH",
                               .postal_code = "03431"};
    struct folio_patient_new p = {.name = {.family = "Quixotic-Brandywhistle",
                                           .given = "Zelda Xyloquine",
                                           .middle = "Orlaith"},
                                  .birth_date = "1970-01-01",
                                  .sex = "F",
                                  .ids = &mrn,
                                  .n_ids = 1,
                                  .phones = &ph,
                                  .n_phones = 1,
                                  .addresses = &ad,
                                  .n_addresses = 1};
    int64_t pid = 0;
    OK(folio_patient_create(&f->chart, &p, &pid, &f->err));
    *enc = mk_encounter(f, pid, "emergency", "ACC-77123", "2024-04-01T10:00:00Z",
                        "2024-04-01T12:00:00Z");
    return pid;
}

/* Findings 1 and 2: every part of a name, the middle name, identifiers written with other
 * separators, the patient's phones and the encounter's account number leave the notes. */
static void test_note_name_parts_and_identifiers(void **state)
{
    struct fx *f = *state;
    struct folio_deid_extract_req r = base_req(FOLIO_DEID_SAFE_HARBOR, FOLIO_DEID_JSON);
    struct folio_deid_extract_result res;
    static const char *const never[] = {"xyloquine", "Xyloquine", "brandywhistle",
                                        "Brandywhistle", "Orlaith",  "QB552",
                                        "77123",     "0177",      "Zelda"};
    int64_t enc, pid = mk_patient_qb(f, &enc);
    const char *text;
    json_t *doc;

    mk_note(f, pid, enc,
            "pt xyloquine brandywhistle ok; orlaith at bedside. MR#: MRN-QB552 (mrn qb 552). "
            "acct acc 77123. tel 603.555.0177 or (603) 555 0177.");
    r.notes = true;
    r.crit.from = r.crit.to = NULL;
    r.crit.patient_ids = &pid;
    r.crit.n_patients = 1;
    doc = extract_json(f, &r, &res);
    assert_int_equal(res.notes, 1);
    text = json_string_value(json_object_get(
        json_array_get(json_object_get(json_array_get(json_object_get(doc, "rows"), 0), "notes"), 0),
        "text"));
    assert_non_null(text);
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
        if (strstr(f->out.data, never[i]))
            fail_msg("the extract contains '%s': %s", never[i], text);
    assert_non_null(strstr(text, "pt [NAME] [NAME] ok"));
    assert_non_null(strstr(text, "[MRN]"));
    json_decref(doc);
}

/* Finding 3: a document type code the LOINC table does not know goes out as "unknown". */
static void test_unknown_type_code(void **state)
{
    struct fx *f = *state;
    struct folio_deid_extract_req r = base_req(FOLIO_DEID_SAFE_HARBOR, FOLIO_DEID_JSON);
    struct folio_deid_extract_result res;
    struct folio_document_new d = {.patient_id = f->young_pid,
                                   .encounter_id = f->enc_young,
                                   .type_code = "ULLOAFISK-77",
                                   .type_title = "Ulloafisk family letter",
                                   .content = "Routine follow-up.",
                                   .content_len = 18};
    const json_t *notes;
    json_t *doc;

    OK(folio_document_create(&f->chart, &d, NULL, NULL, &f->err));
    r.notes = true;
    r.crit.enc_class = "inpatient";
    doc = extract_json(f, &r, &res);
    assert_null(strstr(f->out.data, "ULLOAFISK"));
    assert_null(strstr(f->out.data, "Ulloafisk"));
    notes = json_object_get(row_with(json_object_get(doc, "rows"), "age_at_admission", "43"),
                            "notes");
    assert_int_equal(json_array_size(notes), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(notes, 0), "type_code")),
                        "unknown");
    assert_true(json_is_null(json_object_get(json_array_get(notes, 0), "type_title")));
    json_decref(doc);
    /* a known code keeps its code and the table's title */
    doc = extract_json(f, &r, &res);
    assert_non_null(strstr(f->out.data, "\"type_code\":\"18842-5\""));
    json_decref(doc);
}

/* Finding 4: a Safe Harbor header gives the criteria's years only; a limited data set's the
 * dates; the log keeps the dates. */
static void test_header_dates(void **state)
{
    struct fx *f = *state;
    struct folio_deid_extract_req r = base_req(FOLIO_DEID_SAFE_HARBOR, FOLIO_DEID_JSON);
    struct folio_deid_extract_result res;
    const json_t *crit;
    json_t *doc;

    r.crit.from = "2023-02-17";
    r.crit.to = "2024-11-03";
    doc = extract_json(f, &r, &res);
    crit = json_object_get(json_object_get(doc, "header"), "criteria");
    assert_string_equal(json_string_value(json_object_get(crit, "from")), "2023");
    assert_string_equal(json_string_value(json_object_get(crit, "to")), "2024");
    assert_null(strstr(f->out.data, "02-17"));
    assert_null(strstr(f->out.data, "11-03"));
    json_decref(doc);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM deid_extract WHERE criteria LIKE "
                              "'%2023-02-17%' AND criteria LIKE '%2024-11-03%'"),
                     1);
    r.method = FOLIO_DEID_LIMITED;
    r.dua_id = add_dua(f, NULL, true);
    doc = extract_json(f, &r, &res);
    crit = json_object_get(json_object_get(doc, "header"), "criteria");
    assert_string_equal(json_string_value(json_object_get(crit, "from")), "2023-02-17");
    json_decref(doc);
}

static enum folio_rc refuse_pid(void *arg, int64_t pid, bool *allowed, struct folio_err *err)
{
    (void)err;
    *allowed = pid != *(const int64_t *)arg;
    return FOLIO_OK;
}

/* Finding 8: a chart may_open refuses is left out and counted once. */
static void test_restricted_left_out(void **state)
{
    struct fx *f = *state;
    struct folio_deid_extract_req r = base_req(FOLIO_DEID_SAFE_HARBOR, FOLIO_DEID_JSON);
    struct folio_deid_extract_result res;
    json_t *doc;

    r.may_open = refuse_pid;
    r.may_open_arg = &f->old_pid;
    r.notes = true;
    doc = extract_json(f, &r, &res);
    assert_int_equal(res.rows, 1); /* the old patient's two stays are left out */
    assert_int_equal(res.patients, 1);
    assert_int_equal(res.patients_left_out, 1);
    assert_int_equal(res.notes, 0);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(json_object_get(doc, "header"), "counts"),
                         "restricted_patients_left_out")),
                     1);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(json_object_get(doc, "rows"), 0),
                                          "age_at_admission")),
        "43");
    json_decref(doc);
}

/* Finding 6: cells a spreadsheet would run as formulas are defused; numbers are not. */
static void test_csv_formula_guard(void **state)
{
    struct fx *f = *state;
    struct folio_buf b;
    struct folio_deid_extract_req r = base_req(FOLIO_DEID_LIMITED, FOLIO_DEID_CSV);
    struct folio_deid_extract_result res;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"=1+2", "\"'=1+2\""},         {"+cmd", "\"'+cmd\""},   {"-2+3+cmd|' /C calc'!A0", NULL},
        {"@SUM(A1)", "\"'@SUM(A1)\""}, {"\tx", "\"'\tx\""},      {"-12", "-12"},
        {"+3.5", "+3.5"},              {"a,b", "\"a,b\""},      {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"plain", "plain"},            {"", ""},
    };
    folio_buf_init(&b, 1024);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        folio_buf_reset(&b);
        assert_int_equal(folio_buf_append_csv_field(&b, cases[i].in), FOLIO_OK);
        if (cases[i].out)
            assert_string_equal(b.data, cases[i].out);
        else
            assert_true(b.data[0] == '"' && b.data[1] == '\'');
    }
    folio_buf_release(&b);
    /* in an extract: a city that is a formula */
    {
        struct folio_address ad = {.line1 = "1 Main St", .city = "=HYPERLINK(\"x\")",
                                   .state = "NH", .postal_code = "03755"};
        struct folio_patient_new p = {.name = {.family = "Formula", .given = "Test"},
                                      .birth_date = "1960-01-01",
                                      .sex = "M",
                                      .addresses = &ad,
                                      .n_addresses = 1};
        int64_t pid = 0;
        OK(folio_patient_create(&f->chart, &p, &pid, &f->err));
        mk_encounter(f, pid, "outpatient", "ACC-5", "2024-02-01T10:00:00Z",
                     "2024-02-01T11:00:00Z");
        r.dua_id = add_dua(f, NULL, true);
        r.crit.patient_ids = &pid;
        r.crit.n_patients = 1;
        OK(folio_deid_cohort_extract(&f->chart, &r, &f->out, &res, &f->err));
        assert_non_null(strstr(f->out.data, ",\"'=HYPERLINK(\"\"x\"\")\",NH,"));
    }
}

/* Sensitivity-tagged notes are withheld and counted, their text nowhere in the output. */
static void test_tagged_note_withheld(void **state)
{
    struct fx *f = *state;
    struct folio_deid_extract_req r = base_req(FOLIO_DEID_SAFE_HARBOR, FOLIO_DEID_JSON);
    struct folio_deid_extract_result res;
    struct folio_document_new d = {.patient_id = f->young_pid,
                                   .encounter_id = f->enc_young,
                                   .type_code = "18842-5",
                                   .content = "Session notes: vexillology anxieties.",
                                   .content_len = 37};
    int64_t doc_id = 0;
    json_t *doc;

    OK(folio_document_create(&f->chart, &d, &doc_id, NULL, &f->err));
    OK(folio_document_tag_add(&f->chart, doc_id, "psychotherapy_notes", NULL, &f->err));
    r.notes = true;
    doc = extract_json(f, &r, &res);
    assert_int_equal(res.notes, 1); /* the old patient's note only */
    assert_int_equal(res.notes_withheld, 1);
    assert_null(strstr(f->out.data, "vexillology"));
    json_decref(doc);
}

/* A document whose content is missing is withheld and counted; the extract is made. */
static void test_unreadable_note_withheld(void **state)
{
    struct fx *f = *state;
    struct folio_deid_extract_req r = base_req(FOLIO_DEID_SAFE_HARBOR, FOLIO_DEID_JSON);
    struct folio_deid_extract_result res;
    bool pg = folio_test_backend_is_pg();
    json_t *doc;

    /* the content row goes (foreign keys off for the test's own connection) */
    OK(folio_store_exec(f->store,
                        pg ? "SET session_replication_role = replica" : "PRAGMA foreign_keys=OFF",
                        &f->err));
    OK(folio_store_exec(f->store, "DELETE FROM content", &f->err));
    OK(folio_store_exec(f->store,
                        pg ? "SET session_replication_role = DEFAULT" : "PRAGMA foreign_keys=ON",
                        &f->err));
    r.notes = true;
    doc = extract_json(f, &r, &res);
    assert_int_equal(res.rows, 3);
    assert_int_equal(res.notes, 0);
    assert_int_equal(res.notes_withheld, 1);
    json_decref(doc);
}

/* Finding 7 and the atomicity claim: over the caller's cap the extract fails with ETOOBIG
 * "criteria" (early, while the notes are read, when they are included), whatever out held
 * before is left as it was, and nothing is logged. */
static void test_too_big(void **state)
{
    struct fx *f = *state;
    struct folio_deid_extract_req r = base_req(FOLIO_DEID_SAFE_HARBOR, FOLIO_DEID_CSV);
    struct folio_deid_extract_result res;
    struct folio_buf small;

    folio_buf_init(&small, 300);
    assert_int_equal(folio_buf_append_str(&small, "PREFIX"), FOLIO_OK);
    /* the header fits, the rows do not: written, then taken back */
    EXPECT(FOLIO_ETOOBIG, "criteria",
           folio_deid_cohort_extract(&f->chart, &r, &small, &res, &f->err));
    assert_int_equal(small.len, 6);
    assert_string_equal(small.data, "PREFIX");
    /* with the notes: refused while reading them */
    small.max = 6 + 100;
    r.notes = true;
    EXPECT(FOLIO_ETOOBIG, "criteria",
           folio_deid_cohort_extract(&f->chart, &r, &small, &res, &f->err));
    assert_string_equal(small.data, "PREFIX");
    assert_int_equal(count(f, "SELECT COUNT(*) FROM deid_extract"), 0);
    assert_int_equal(res.log_id, 0);
    folio_buf_release(&small);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_safe_harbor_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_study_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lds_needs_valid_dua, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_quoting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_criteria_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dua_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ms_drg, setup, teardown),
        cmocka_unit_test_setup_teardown(test_note_name_parts_and_identifiers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_type_code, setup, teardown),
        cmocka_unit_test_setup_teardown(test_header_dates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restricted_left_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_formula_guard, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tagged_note_withheld, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_big, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreadable_note_withheld, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

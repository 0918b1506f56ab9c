/* Synthea importer (folio/import.h) on small hand-made sources, on the backend under test:
 * CSV and FHIR mapping, idempotence, one-transaction rollback and error messages. */
#include "folio/base.h"
#include "folio/import.h"
#include "folio/records.h"
#include "testdb.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>

struct fx {
    struct folio_store *s;
    struct folio_key key;
    struct folio_chart chart;
    char dir[256];
};

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    FILE *f;
    (void)folio_snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void rm_dir(const char *dir)
{
    static const char *const names[] = {"patients.csv",  "organizations.csv", "providers.csv",
                                        "encounters.csv", "conditions.csv",   "procedures.csv",
                                        "observations.csv", "b1.json",        "b2.json"};
    char path[512];
    size_t i;
    for (i = 0; i < FOLIO_ARRAY_LEN(names); i++) {
        (void)folio_snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct folio_err err = {0};
    assert_non_null(f);
    assert_int_equal(folio_crypto_init(&err), FOLIO_OK);
    f->s = folio_test_store_open();
    memset(f->key.k, 7, sizeof f->key.k);
    f->chart.store = f->s;
    f->chart.key = &f->key;
    f->chart.actor = "test";
    (void)folio_snprintf(f->dir, sizeof f->dir, "/tmp/folio_imp_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    folio_test_store_close(f->s);
    rm_dir(f->dir);
    free(f);
    return 0;
}

static int64_t count(struct fx *f, const char *sql)
{
    int64_t n = -1;
    bool found = false;
    struct folio_err err = {0};
    assert_int_equal(folio_store_query_i64(f->s, sql, NULL, 0, &n, &found, &err), FOLIO_OK);
    assert_true(found);
    return n;
}

static const char PATIENTS[] =
    "Id,BIRTHDATE,DEATHDATE,SSN,DRIVERS,PASSPORT,PREFIX,FIRST,LAST,SUFFIX,MAIDEN,MARITAL,RACE,"
    "ETHNICITY,GENDER,BIRTHPLACE,ADDRESS,CITY,STATE,COUNTY,ZIP\n"
    "p1,1961-04-12,,999-12-3456,S123,X1X,Mrs.,Ann1,Smith2,,Jones3,M,white,nonhispanic,F,"
    "\"Omaha, NE\",1 Main St,Omaha,Nebraska,Douglas County,68114\n"
    "p2,2001-02-03,2020-05-06,,,,,Bob4,Lee5,Jr.,,S,asian,nonhispanic,M,x,2 Elm,Lincoln,Nebraska,,68504\n";
static const char ORGS[] = "Id,NAME,ADDRESS\no1,\"GENERAL HOSPITAL, INC\",x\n";
static const char PROVS[] = "Id,ORGANIZATION,NAME,GENDER,SPECIALITY\nd1,o1,Jane6 Doe7,F,GENERAL PRACTICE\n";
static const char ENCS[] =
    "Id,START,STOP,PATIENT,ORGANIZATION,PROVIDER,PAYER,ENCOUNTERCLASS,CODE,DESCRIPTION,"
    "REASONCODE,REASONDESCRIPTION\n"
    "e1,2020-01-01T10:00:00Z,2020-01-01T10:15:00Z,p1,o1,d1,x,wellness,1,Visit,,\n"
    "e2,2020-02-01T10:00:00Z,2020-02-03T10:00:00Z,p1,o1,d1,x,inpatient,2,Stay,3,Pneumonia\n"
    "e3,2020-03-01T10:00:00Z,,p2,o1,,x,emergency,4,ER,,\n";
static const char CONDS[] = "START,STOP,PATIENT,ENCOUNTER,CODE,DESCRIPTION\n"
                            "2020-02-01,2020-02-20,p1,e2,233604007,Pneumonia\n"
                            "2020-03-01,,p2,e3,44465007,Sprain of ankle\n";
static const char PROCS[] = "START,STOP,PATIENT,ENCOUNTER,CODE,DESCRIPTION,BASE_COST\n"
                            "2020-02-01T11:00:00Z,2020-02-01T11:30:00Z,p1,e2,399208008,X-ray,10\n";
static const char OBS[] = "DATE,PATIENT,ENCOUNTER,CATEGORY,CODE,DESCRIPTION,VALUE,UNITS,TYPE\n"
                          "2020-01-01T10:00:00Z,p1,e1,vital-signs,8302-2,Body Height,168.8,cm,numeric\n"
                          "2020-01-01T10:00:00Z,p1,e1,survey,72166-2,Tobacco,Never smoker,,text\n";

static void write_csv_folder(struct fx *f)
{
    write_file(f->dir, "patients.csv", PATIENTS);
    write_file(f->dir, "organizations.csv", ORGS);
    write_file(f->dir, "providers.csv", PROVS);
    write_file(f->dir, "encounters.csv", ENCS);
    write_file(f->dir, "conditions.csv", CONDS);
    write_file(f->dir, "procedures.csv", PROCS);
    write_file(f->dir, "observations.csv", OBS);
}

static void test_csv_import_and_again(void **state)
{
    struct fx *f = *state;
    struct folio_import_stats st;
    struct folio_err err = {0};
    struct folio_arena a;
    struct folio_patient p;
    const char *ssn;
    int64_t pid;

    write_csv_folder(f);
    assert_int_equal(folio_import_synthea(&f->chart, f->dir, NULL, &st, &err), FOLIO_OK);
    assert_int_equal(st.added[FOLIO_IMPORT_PATIENT], 2);
    assert_int_equal(st.added[FOLIO_IMPORT_FACILITY], 1);
    assert_int_equal(st.added[FOLIO_IMPORT_PROVIDER], 1);
    assert_int_equal(st.added[FOLIO_IMPORT_ENCOUNTER], 3);
    assert_int_equal(st.added[FOLIO_IMPORT_CONDITION], 2);
    assert_int_equal(st.added[FOLIO_IMPORT_PROCEDURE], 1);
    assert_int_equal(st.added[FOLIO_IMPORT_OBSERVATION], 2);
    assert_int_equal(st.files, 7);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM encounter_provider WHERE role='attending'"), 2);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM encounter WHERE enc_class='inpatient' AND "
                              "source_class='inpatient'"),
                     1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM observation WHERE value_type='NM'"), 1);

    /* the patient's mapping: ids, maiden name, SSN sealed and revealable */
    assert_int_equal(folio_records_find_ext(&f->chart, FOLIO_EXT_PATIENT, "synthea", "p1", &pid,
                                            &err),
                     FOLIO_OK);
    folio_arena_init(&a, 0);
    assert_int_equal(folio_patient_get(&f->chart, pid, &a, &p, &err), FOLIO_OK);
    assert_string_equal(p.name.family, "Smith2");
    assert_string_equal(p.birth_date, "1961-04-12");
    assert_string_equal(p.sex, "F");
    assert_string_equal(p.marital_status, "M");
    assert_int_equal(p.n_ids, 4);
    assert_int_equal(p.n_names, 1);
    assert_string_equal(p.names[0].use, "maiden");
    assert_string_equal(p.names[0].family, "Jones3");
    assert_int_equal(folio_patient_ssn_reveal(&f->chart, pid, &a, &ssn, &err), FOLIO_OK);
    assert_string_equal(ssn, "999-12-3456");
    folio_arena_release(&a);

    /* again: nothing added, everything present */
    assert_int_equal(folio_import_synthea(&f->chart, f->dir, NULL, &st, &err), FOLIO_OK);
    for (int k = 0; k < FOLIO_IMPORT_KINDS; k++)
        assert_int_equal(st.added[k], 0);
    assert_int_equal(st.present[FOLIO_IMPORT_PATIENT], 2);
    assert_int_equal(st.present[FOLIO_IMPORT_OBSERVATION], 2);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM patient"), 2);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM condition"), 2);
}

static void test_csv_dry_run(void **state)
{
    struct fx *f = *state;
    struct folio_import_stats st;
    struct folio_import_opts o = {.dry_run = true};
    struct folio_err err = {0};

    write_csv_folder(f);
    assert_int_equal(folio_import_synthea(&f->chart, f->dir, &o, &st, &err), FOLIO_OK);
    assert_true(st.dry_run);
    assert_int_equal(st.added[FOLIO_IMPORT_ENCOUNTER], 3);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM patient"), 0);
}

static void test_csv_bad_date(void **state)
{
    struct fx *f = *state;
    struct folio_import_stats st;
    struct folio_err err = {0};

    write_csv_folder(f);
    write_file(f->dir, "patients.csv",
               "Id,BIRTHDATE,DEATHDATE,SSN,DRIVERS,PASSPORT,PREFIX,FIRST,LAST,SUFFIX,MAIDEN,"
               "MARITAL,RACE,ETHNICITY,GENDER,BIRTHPLACE,ADDRESS,CITY,STATE,COUNTY,ZIP\n"
               "p1,1961-04-12,,,,,,A,B,,,,,,F,,,,,,\n"
               "p2,1961-13-01,,,,,,C,D,,,,,,M,,,,,,\n");
    assert_int_equal(folio_import_synthea(&f->chart, f->dir, NULL, &st, &err), FOLIO_EINVAL);
    assert_string_equal(err.msg, "patients.csv:3: BIRTHDATE: \"1961-13-01\" is not a valid date");
    assert_int_equal(count(f, "SELECT COUNT(*) FROM patient"), 0);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM facility"), 0);
}

static void test_csv_late_error_rolls_back(void **state)
{
    struct fx *f = *state;
    struct folio_import_stats st;
    struct folio_err err = {0};

    write_csv_folder(f);
    write_file(f->dir, "conditions.csv", "START,STOP,PATIENT,ENCOUNTER,CODE,DESCRIPTION\n"
                                         "2020-02-01,,p1,e2,1,x\n"
                                         "2020-02-01,,p1,e9,2,y\n");
    assert_int_equal(folio_import_synthea(&f->chart, f->dir, NULL, &st, &err), FOLIO_EINVAL);
    assert_string_equal(err.msg, "conditions.csv:3: ENCOUNTER: \"e9\" is not in encounters.csv");
    assert_int_equal(count(f, "SELECT COUNT(*) FROM patient"), 0);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM encounter"), 0);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM condition"), 0);
}

static void test_csv_without_encounters(void **state)
{
    struct fx *f = *state;
    struct folio_import_stats st;
    struct folio_err err = {0};
    char path[512];

    write_csv_folder(f);
    (void)folio_snprintf(path, sizeof path, "%s/encounters.csv", f->dir);
    unlink(path);
    assert_int_equal(folio_import_synthea(&f->chart, f->dir, NULL, &st, &err), FOLIO_OK);
    assert_int_equal(st.added[FOLIO_IMPORT_ENCOUNTER], 0);
    assert_int_equal(st.added[FOLIO_IMPORT_CONDITION], 2);
    assert_int_equal(st.unlinked, 5);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM condition WHERE encounter_id IS NULL"), 2);
}

static const char BUNDLE[] =
    "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
    "{\"fullUrl\":\"urn:uuid:pat1\",\"resource\":{\"resourceType\":\"Patient\",\"id\":\"pat1\","
    " \"identifier\":[{\"system\":\"https://github.com/synthetichealth/synthea\",\"value\":\"s1\"},"
    "  {\"type\":{\"coding\":[{\"code\":\"MR\"}]},\"system\":\"http://hospital.x\",\"value\":\"M1\"},"
    "  {\"type\":{\"coding\":[{\"code\":\"SS\"}]},\"value\":\"999-11-2222\"}],"
    " \"name\":[{\"use\":\"official\",\"family\":\"Kreiger\",\"given\":[\"Clem\",\"Ent\"],\"prefix\":[\"Mr.\"]},"
    "  {\"use\":\"maiden\",\"family\":\"Old\",\"given\":[\"Clem\"]}],"
    " \"gender\":\"male\",\"birthDate\":\"1984-07-02\","
    " \"maritalStatus\":{\"coding\":[{\"code\":\"M\"}]},"
    " \"address\":[{\"line\":[\"931 Doyle\"],\"city\":\"Wilmington\",\"state\":\"MA\",\"postalCode\":\"01887\"}],"
    " \"telecom\":[{\"system\":\"phone\",\"value\":\"555-767-7476\",\"use\":\"home\"}]}},"
    "{\"fullUrl\":\"urn:uuid:org1\",\"resource\":{\"resourceType\":\"Organization\",\"id\":\"org1\",\"name\":\"LAHEY\"}},"
    "{\"fullUrl\":\"urn:uuid:pr1\",\"resource\":{\"resourceType\":\"Practitioner\",\"id\":\"pr1\","
    " \"identifier\":[{\"system\":\"http://hl7.org/fhir/sid/us-npi\",\"value\":\"520\"}],"
    " \"name\":[{\"family\":\"Kassulke\",\"given\":[\"June\"]}]}},"
    "{\"fullUrl\":\"urn:uuid:enc1\",\"resource\":{\"resourceType\":\"Encounter\",\"id\":\"enc1\","
    " \"class\":{\"code\":\"AMB\"},\"subject\":{\"reference\":\"urn:uuid:pat1\"},"
    " \"participant\":[{\"individual\":{\"reference\":\"urn:uuid:pr1\"}}],"
    " \"period\":{\"start\":\"2012-09-10T15:29:24+00:00\",\"end\":\"2012-09-10T15:44:24+00:00\"},"
    " \"serviceProvider\":{\"reference\":\"urn:uuid:org1\"}}},"
    "{\"fullUrl\":\"urn:uuid:obs1\",\"resource\":{\"resourceType\":\"Observation\",\"id\":\"obs1\","
    " \"status\":\"final\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"55284-4\"}]},"
    " \"subject\":{\"reference\":\"urn:uuid:pat1\"},\"encounter\":{\"reference\":\"urn:uuid:enc1\"},"
    " \"effectiveDateTime\":\"2012-09-10T15:29:24+00:00\",\"component\":["
    "  {\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8462-4\"}]},"
    "   \"valueQuantity\":{\"value\":71.57727343548594,\"unit\":\"mm[Hg]\"}},"
    "  {\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8480-6\"}]},"
    "   \"valueQuantity\":{\"value\":106,\"unit\":\"mm[Hg]\"}}]}},"
    "{\"fullUrl\":\"urn:uuid:obs2\",\"resource\":{\"resourceType\":\"Observation\",\"id\":\"obs2\","
    " \"status\":\"final\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"72166-2\"}]},"
    " \"subject\":{\"reference\":\"urn:uuid:pat1\"},\"encounter\":{\"reference\":\"urn:uuid:enc1\"},"
    " \"effectiveDateTime\":\"2012-09-10T15:29:24+00:00\","
    " \"valueCodeableConcept\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"266919005\",\"display\":\"Never smoker\"}]}}},"
    "{\"fullUrl\":\"urn:uuid:c1\",\"resource\":{\"resourceType\":\"Condition\",\"id\":\"c1\","
    " \"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"162864005\"}]},"
    " \"subject\":{\"reference\":\"urn:uuid:pat1\"},\"encounter\":{\"reference\":\"urn:uuid:enc1\"},"
    " \"onsetDateTime\":\"2018-09-17T15:29:24+00:00\"}},"
    "{\"fullUrl\":\"urn:uuid:x1\",\"resource\":{\"resourceType\":\"Procedure\",\"id\":\"x1\","
    " \"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"428191000124101\"}]},"
    " \"subject\":{\"reference\":\"urn:uuid:pat1\"},\"encounter\":{\"reference\":\"urn:uuid:enc1\"},"
    " \"performedPeriod\":{\"start\":\"2018-09-17T15:29:24+00:00\",\"end\":\"2018-09-17T15:44:24+00:00\"}}},"
    "{\"fullUrl\":\"urn:uuid:cl1\",\"resource\":{\"resourceType\":\"Claim\",\"id\":\"cl1\"}}"
    "]}";

static void test_fhir_bundle(void **state)
{
    struct fx *f = *state;
    struct folio_import_stats st;
    struct folio_err err = {0};
    char path[512];

    write_file(f->dir, "b1.json", BUNDLE);
    (void)folio_snprintf(path, sizeof path, "%s/b1.json", f->dir);
    assert_int_equal(folio_import_synthea(&f->chart, path, NULL, &st, &err), FOLIO_OK);
    assert_int_equal(st.added[FOLIO_IMPORT_PATIENT], 1);
    assert_int_equal(st.added[FOLIO_IMPORT_ENCOUNTER], 1);
    assert_int_equal(st.added[FOLIO_IMPORT_OBSERVATION], 3);
    assert_int_equal(st.added[FOLIO_IMPORT_CONDITION], 1);
    assert_int_equal(st.added[FOLIO_IMPORT_PROCEDURE], 1);
    assert_int_equal(st.added[FOLIO_IMPORT_PROVIDER], 1);
    assert_int_equal(st.added[FOLIO_IMPORT_FACILITY], 1);
    assert_int_equal(st.n_skipped, 1);
    assert_string_equal(st.skipped[0].type, "Claim");
    assert_int_equal(count(f, "SELECT COUNT(*) FROM patient_identifier WHERE kind='MR'"), 1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM patient_name WHERE name_use='maiden'"), 1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM observation WHERE value_type='NM' AND "
                              "value_text='71.57727343548594' AND units='mm[Hg]'"),
                     1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM observation WHERE value_type='CE'"), 1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM encounter WHERE source_class='AMB' AND "
                              "enc_class='outpatient'"),
                     1);

    /* a folder holding the same bundle twice: nothing new */
    write_file(f->dir, "b2.json", BUNDLE);
    assert_int_equal(folio_import_synthea(&f->chart, f->dir, NULL, &st, &err), FOLIO_OK);
    for (int k = 0; k < FOLIO_IMPORT_KINDS; k++)
        assert_int_equal(st.added[k], 0);
    assert_int_equal(st.files, 2);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM observation"), 3);
}

static void test_fhir_bad_value(void **state)
{
    struct fx *f = *state;
    struct folio_import_stats st;
    struct folio_err err = {0};
    char path[512], *bad = strdup(BUNDLE), *p;

    assert_non_null(bad);
    p = strstr(bad, "\"value\":106");
    assert_non_null(p);
    memcpy(p + 8, "\"x\"", 3);
    write_file(f->dir, "b1.json", bad);
    free(bad);
    (void)folio_snprintf(path, sizeof path, "%s/b1.json", f->dir);
    assert_int_equal(folio_import_synthea(&f->chart, path, NULL, &st, &err), FOLIO_EINVAL);
    assert_non_null(strstr(err.msg, "b1.json: Bundle entry[4] Observation/obs1: field "
                                    "component[1].valueQuantity.value: expected a number"));
    assert_int_equal(count(f, "SELECT COUNT(*) FROM patient"), 0);
}

static void test_bad_paths(void **state)
{
    struct fx *f = *state;
    struct folio_import_stats st;
    struct folio_err err = {0};
    char path[512];

    assert_int_equal(folio_import_synthea(&f->chart, f->dir, NULL, &st, &err), FOLIO_EUSAGE);
    (void)folio_snprintf(path, sizeof path, "%s/none", f->dir);
    assert_int_equal(folio_import_synthea(&f->chart, path, NULL, &st, &err), FOLIO_ENOTFOUND);
    write_file(f->dir, "b1.json", "{\"resourceType\":\"Patient\"}");
    (void)folio_snprintf(path, sizeof path, "%s/b1.json", f->dir);
    assert_int_equal(folio_import_synthea(&f->chart, path, NULL, &st, &err), FOLIO_EPARSE);
    assert_non_null(strstr(err.msg, "not a FHIR Bundle"));
    assert_int_equal(folio_store_tx_depth(f->s), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_csv_import_and_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_dry_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_bad_date, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_late_error_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_without_encounters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fhir_bundle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fhir_bad_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_paths, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
